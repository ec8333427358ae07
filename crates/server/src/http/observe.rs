//! What the server tells its operator about each request: a request id (`x-request-id`,
//! kept from the request when a proxy set one, made here otherwise, and echoed in the answer) on a span that
//! every log line of the request carries, also the engine's (see `Engine::run`); and the
//! request metrics (see `crate::metrics`).
//!
//! Spans name the path only: query strings carry visitor tokens and search terms, which never
//! reach a log.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

/// The span of one request: its id, method and path.
pub fn request_span(request: &Request) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}

/// Count the request and time it, by route (the pattern, so ids do not multiply the series),
/// method and status; a webhook also by provider, channel and outcome.
pub async fn record_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = request.method().to_string();
    let webhook = webhook_of(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    if let Some((provider, channel)) = webhook {
        // A channel that does not exist (404) gets no series of its own: anyone can make up
        // channel names.
        let channel = if status.as_u16() == 404 {
            "unknown".into()
        } else {
            channel
        };
        metrics::counter!(
            "switchboard_webhooks_total",
            "provider" => provider,
            "channel" => channel,
            "outcome" => webhook_outcome(status.as_u16()),
        )
        .increment(1);
    }
    let labels = [
        ("route", route),
        ("method", method),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!("switchboard_http_requests_total", &labels).increment(1);
    metrics::histogram!("switchboard_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// `(provider, channel)` of a webhook path: `/webhooks/{provider}/{channel}[/status]`.
fn webhook_of(path: &str) -> Option<(String, String)> {
    let mut parts = path.strip_prefix("/webhooks/")?.split('/');
    let provider = parts.next()?;
    let channel = parts.next()?;
    Some((provider.to_string(), channel.to_string()))
}

/// What became of a webhook, from its answer.
fn webhook_outcome(status: u16) -> &'static str {
    match status {
        200..=299 => "accepted",
        401 | 403 => "bad_signature",
        429 => "rate_limited",
        503 => "unavailable",
        400..=499 => "refused",
        _ => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_paths_name_their_provider_and_channel() {
        assert_eq!(
            webhook_of("/webhooks/sms/sms-br/status"),
            Some(("sms".into(), "sms-br".into()))
        );
        assert_eq!(
            webhook_of("/webhooks/whatsapp/wa"),
            Some(("whatsapp".into(), "wa".into()))
        );
        assert_eq!(webhook_of("/api/v1/session"), None);
        assert_eq!(webhook_outcome(200), "accepted");
        assert_eq!(webhook_outcome(401), "bad_signature");
        assert_eq!(webhook_outcome(503), "unavailable");
    }
}
