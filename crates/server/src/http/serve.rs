//! Accepting connections: hyper's HTTP/1 and HTTP/2 server with the limits of
//! `[server.limits]`, in place of `axum::serve` (which sets no timer, so a client that sends
//! half a request holds its connection forever).
//!
//! - A request's headers must arrive within `header_read_timeout_s`; the same timer closes an
//!   idle keep-alive connection that sends no next request.
//! - A request body that sends nothing for `body_idle_timeout_s` fails (see [`router`]'s
//!   `RequestBodyTimeoutLayer`), so a half-sent request is dropped within a minute.
//! - At most `max_connections` connections are served at once; one past it is answered 503 with
//!   the contract's error shape and closed, instead of waiting unseen in the backlog.
//!
//! [`router`]: super::router

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use switchboard_protocol::ErrorCode;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

use crate::config::Limits;

/// How long a stopping server waits for requests in flight before it closes their connections.
const DRAIN: Duration = Duration::from_secs(10);

/// Serve `app` on `listener` until `stop` turns true.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(limits.header_read_timeout_s));
    builder
        .http2()
        .timer(TokioTimer::new())
        .enable_connect_protocol()
        .keep_alive_interval(Duration::from_secs(limits.header_read_timeout_s))
        .keep_alive_timeout(Duration::from_secs(limits.header_read_timeout_s));
    let permits = Arc::new(Semaphore::new(limits.max_connections as usize));
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = super::stopping(&mut stop) => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tokio::spawn(refuse(stream, limits.max_connections));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(request.map(Body::new))
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::trace!(error = %err, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::info!(
            "requests still running after {} s were cut off",
            DRAIN.as_secs()
        );
    }
}

/// Answer a connection past the limit with 503 and close it.
async fn refuse(mut stream: TcpStream, max: u32) {
    tracing::warn!(
        max,
        "connection refused: the server holds its maximum of connections"
    );
    let body = serde_json::json!({"error": {
        "code": ErrorCode::Busy.as_str(),
        "message": "The server is handling as many connections as it may; try again in a moment.",
    }})
    .to_string();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let write = async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}
