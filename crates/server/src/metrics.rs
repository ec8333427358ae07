//! Prometheus metrics, served on their own address (`[server.metrics] listen`, off by
//! default) so they never share the public port.
//!
//! Counters and histograms are recorded where things happen, through the `metrics` facade
//! (a no-op until a recorder is installed, so a server without metrics pays nearly nothing):
//! HTTP requests by route, method and status (`http::record_request`), webhooks by provider,
//! channel and outcome, replies sent to providers by outcome (`engine/delivery.rs`), stream
//! opens and closes (`http/stream.rs`), PostgreSQL transaction retries. What is a state rather
//! than an event — chats waiting per queue and the oldest wait, agents by presence, the
//! outbound queue, the database pool — is read when Prometheus scrapes.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use anyhow::Context as _;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::engine::Engine;
use crate::store::Store;

/// Seconds; from a fast read to a slow upload.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's recorder, installed the first time a server with metrics starts (metrics are
/// process-wide: several servers in one test process share them).
fn recorder() -> anyhow::Result<&'static PrometheusHandle> {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    if let Some(handle) = HANDLE.get() {
        return Ok(handle);
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("duration_seconds".into()), LATENCY_BUCKETS)
        .context("metrics buckets")?
        .install_recorder()
        .context("installing the metrics recorder")?;
    Ok(HANDLE.get_or_init(|| handle))
}

#[derive(Clone)]
struct Scrape {
    engine: Engine,
    store: Arc<dyn Store>,
    queues: Arc<Vec<String>>,
    handle: &'static PrometheusHandle,
}

/// Serve `GET /metrics` on `listen` until `stop`; the address it listens on.
pub async fn serve(
    listen: SocketAddr,
    engine: Engine,
    store: Arc<dyn Store>,
    queues: Vec<String>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let handle = recorder()?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("server.metrics.listen: cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/metrics", get(scrape))
        .with_state(Scrape {
            engine,
            store,
            queues: Arc::new(queues),
            handle,
        });
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { crate::http::stopping(&mut stop).await })
            .await;
        if let Err(err) = served {
            tracing::error!(error = %err, "the metrics listener failed");
        }
    });
    Ok((addr, task))
}

async fn scrape(State(scrape): State<Scrape>) -> impl IntoResponse {
    match scrape.engine.gauges(scrape.queues.to_vec()).await {
        Ok(gauges) => {
            for queue in gauges.queues {
                let labels = [("queue", queue.id)];
                metrics::gauge!("switchboard_queue_waiting", &labels).set(queue.waiting as f64);
                metrics::gauge!("switchboard_queue_oldest_wait_seconds", &labels)
                    .set(queue.oldest_wait_s);
            }
            for (presence, n) in gauges.agents_by_presence {
                metrics::gauge!("switchboard_agents_signed_in", "presence" => presence)
                    .set(n as f64);
            }
            metrics::gauge!("switchboard_outbound_queued").set(gauges.outbound_queued as f64);
            metrics::gauge!("switchboard_outbound_in_flight").set(gauges.outbound_in_flight as f64);
            metrics::gauge!("switchboard_database_up").set(1.0);
        }
        Err(err) => {
            tracing::warn!(error = %err, "metrics: the database does not answer");
            metrics::gauge!("switchboard_database_up").set(0.0);
        }
    }
    if let Some(pool) = scrape.store.pool() {
        metrics::gauge!("switchboard_database_connections").set(f64::from(pool.connections));
        metrics::gauge!("switchboard_database_connections_idle")
            .set(f64::from(pool.idle_connections));
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        scrape.handle.render(),
    )
}
