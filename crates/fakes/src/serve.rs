//! Runs a fake's router on a loopback port until the fake is dropped.

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::FakeError;

/// A listener bound before the router exists, so the router can know its own URL (media URLs
/// handed out by the fakes point back at them).
pub(crate) async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), FakeError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| FakeError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| FakeError::Bind { addr, source })?;
    Ok((listener, local))
}

/// The serving task; dropping it stops accepting connections.
#[derive(Debug)]
pub(crate) struct Serving(JoinHandle<()>);

impl Serving {
    pub(crate) fn spawn(listener: TcpListener, router: Router) -> Self {
        Self(tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                eprintln!("switchboard-fakes: server stopped: {error}");
            }
        }))
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Locks a mutex, carrying on past a panic in another test thread: the fakes' state stays
/// consistent because every critical section is a single insert or lookup.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
