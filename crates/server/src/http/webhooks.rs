//! Provider webhooks (CONTRACT §3) and the signed media links providers fetch our files from.
//!
//! Every POST is verified on its raw bytes before anything is parsed; a wrong or missing
//! signature stores nothing. The per-address limit counts only such refusals (and webhooks for
//! no channel): correctly signed provider traffic is never throttled, whatever its peak, while
//! an address sending forged or unsigned requests is answered 429 once over the limit. The answer is 2xx only after everything the webhook carried is
//! committed; a storage failure answers 500 so the provider delivers again (and duplicates
//! are recognised by the provider's message id).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use switchboard_domain::delivery::{consent_of, Consent};
use switchboard_protocol::{ChannelKind, ErrorCode, Identity};

use super::error::{ApiError, ApiResult};
use super::AppState;
use crate::channels::signature::{media_link_valid, meta_valid, twilio_valid};
use crate::channels::{media, messenger, twilio, whatsapp, Received};
use crate::config::ProviderConfig;
use crate::engine::Inbound;

fn unknown_channel() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::UnknownChannel,
        "No channel of this kind has that id.",
    )
}

/// A disabled channel's webhook: 503, which providers retry later (Meta for up to 7 days), so
/// nothing the customer wrote is lost while it is off.
fn channel_off(state: &AppState, channel_id: &str) -> Result<(), ApiError> {
    if state.channels.enabled(channel_id) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::ChannelDisabled,
        "This channel is disabled by an administrator; deliver the webhook again later.",
    ))
}

fn bad_signature() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidSignature,
        "The webhook signature does not match this channel's secret.",
    )
}

/// Where a webhook came from, for counting its refusals.
#[derive(Clone, Copy)]
struct Sender<'a> {
    peer: std::net::SocketAddr,
    headers: &'a HeaderMap,
}

/// A refused webhook (bad signature, no such channel) counts against its address; past the
/// limit the answer is 429 instead of `error`.
async fn refused(state: &AppState, from: Sender<'_>, error: ApiError) -> ApiError {
    let ip = super::livechat::client_ip(from.peer, from.headers, &state.trusted_proxies);
    if state.webhook_limiter.allow(ip).await {
        error
    } else {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "Too many unsigned or wrongly signed webhook requests from this address; slow down.",
        )
    }
}

pub(super) async fn verify_whatsapp(
    state: State<AppState>,
    channel_id: Path<String>,
    query: Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    verify(state, channel_id, query, ChannelKind::Whatsapp)
}

pub(super) async fn verify_facebook(
    state: State<AppState>,
    channel_id: Path<String>,
    query: Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    verify(state, channel_id, query, ChannelKind::Facebook)
}

/// Meta's subscription handshake: echo `hub.challenge` when the verify token matches.
fn verify(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    kind: ChannelKind,
) -> ApiResult<Response> {
    let expected = match state.channels.provider(&channel_id, kind) {
        Some(
            ProviderConfig::Whatsapp { verify_token, .. }
            | ProviderConfig::Facebook { verify_token, .. },
        ) => verify_token,
        _ => return Err(unknown_channel()),
    };
    let mode_ok = query.get("hub.mode").map(String::as_str) == Some("subscribe");
    let token_ok = query
        .get("hub.verify_token")
        .is_some_and(|t| constant_time_eq(t.as_bytes(), expected.expose().as_bytes()));
    match (mode_ok && token_ok, query.get("hub.challenge")) {
        (true, Some(challenge)) => Ok(([(header::CONTENT_TYPE, "text/plain")], challenge.clone()).into_response()),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::VerificationFailed,
            "hub.mode must be subscribe and hub.verify_token must match the channel's verify_token.",
        )),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(super) async fn whatsapp(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let kind = ChannelKind::Whatsapp;
    meta_webhook(
        &state,
        peer,
        &channel_id,
        kind,
        &headers,
        &body,
        whatsapp::parse,
    )
    .await
}

pub(super) async fn facebook(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let kind = ChannelKind::Facebook;
    meta_webhook(
        &state,
        peer,
        &channel_id,
        kind,
        &headers,
        &body,
        messenger::parse,
    )
    .await
}

/// WhatsApp and Messenger webhooks: same signature, different bodies.
async fn meta_webhook(
    state: &AppState,
    peer: std::net::SocketAddr,
    channel_id: &str,
    kind: ChannelKind,
    headers: &HeaderMap,
    body: &[u8],
    parse: fn(&[u8], &str) -> Result<crate::channels::Parsed, crate::channels::ParseError>,
) -> ApiResult<Response> {
    let from = Sender { peer, headers };
    let (app_secret, own_id) = match state.channels.provider(channel_id, kind) {
        Some(ProviderConfig::Whatsapp {
            app_secret,
            phone_number_id,
            ..
        }) => (app_secret, phone_number_id),
        Some(ProviderConfig::Facebook {
            app_secret,
            page_id,
            ..
        }) => (app_secret, page_id),
        _ => return Err(refused(state, from, unknown_channel()).await),
    };
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if !meta_valid(app_secret.expose(), body, signature) {
        return Err(refused(state, from, bad_signature()).await);
    }
    channel_off(state, channel_id)?;
    let parsed =
        parse(body, &own_id).map_err(|e| ApiError::bad_request(ErrorCode::InvalidPayload, e.0))?;
    if !parsed.foreign.is_empty() {
        // Signed with our app's secret but for another number or page of the same app (or a
        // webhook pointed at the wrong channel): never stored here, and answered 200 so Meta
        // does not retry it.
        tracing::warn!(
            channel = channel_id,
            kind = kind.as_str(),
            other_ids = ?parsed.foreign,
            "webhook items for another number or page were ignored"
        );
        metrics::counter!(
            "switchboard_webhook_foreign_ids_total",
            "provider" => kind.as_str(),
            "channel" => channel_id.to_string(),
        )
        .increment(parsed.foreign.len() as u64);
    }
    store_all(state, channel_id, kind, parsed.items).await?;
    Ok((StatusCode::OK, "EVENT_RECEIVED").into_response())
}

/// A verified Twilio request: its form fields and the account that signed it.
struct TwilioRequest {
    params: Vec<(String, String)>,
    account_sid: String,
    auth_token: String,
}

/// Twilio signs the URL it called: our public URL plus the path and query.
async fn twilio_checked(
    state: &AppState,
    peer: std::net::SocketAddr,
    channel_id: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<TwilioRequest> {
    let from = Sender { peer, headers };
    let Some(ProviderConfig::Sms {
        account_sid,
        auth_token,
        ..
    }) = state.channels.provider(channel_id, ChannelKind::Sms)
    else {
        return Err(refused(state, from, unknown_channel()).await);
    };
    let params: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let path_and_query = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or(uri.path());
    let url = format!("{}{}", state.channels.public_url, path_and_query);
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok());
    if !twilio_valid(auth_token.expose(), &url, &params, signature) {
        return Err(refused(state, from, bad_signature()).await);
    }
    Ok(TwilioRequest {
        params,
        account_sid: account_sid.clone(),
        auth_token: auth_token.expose().to_string(),
    })
}

fn twiml() -> Response {
    (
        [(header::CONTENT_TYPE, "text/xml")],
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>",
    )
        .into_response()
}

pub(super) async fn sms(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    Path(channel_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let request = twilio_checked(&state, peer, &channel_id, &uri, &headers, &body).await?;
    // Delivery reports of replies sent before the channel was disabled are still taken.
    channel_off(&state, &channel_id)?;
    let items = twilio::parse_inbound(&request.params, &request.account_sid, &request.auth_token)
        .map_err(|e| ApiError::bad_request(ErrorCode::InvalidPayload, e.0))?;
    store_all(&state, &channel_id, ChannelKind::Sms, items).await?;
    Ok(twiml())
}

pub(super) async fn sms_status(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    Path(channel_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let request = twilio_checked(&state, peer, &channel_id, &uri, &headers, &body).await?;
    let items = twilio::parse_status(&request.params)
        .map_err(|e| ApiError::bad_request(ErrorCode::InvalidPayload, e.0))?;
    store_all(&state, &channel_id, ChannelKind::Sms, items).await?;
    Ok(twiml())
}

/// Store what a webhook carried, in order.
async fn store_all(
    state: &AppState,
    channel_id: &str,
    kind: ChannelKind,
    items: Vec<Received>,
) -> ApiResult<()> {
    for item in items {
        match item {
            Received::Message(message) => {
                // A repeated delivery is stored already, media and all: asked first only when
                // there is media to fetch (the ingest itself skips a known message id).
                if !message.media.is_empty()
                    && state
                        .engine
                        .knows_provider_message(channel_id.to_string(), message.provider_id.clone())
                        .await?
                {
                    continue;
                }
                let mut body = message.body.clone();
                let mut attachments = Vec::new();
                for source in &message.media {
                    match media::fetch(
                        &state.channels,
                        &state.files,
                        &state.engine,
                        channel_id,
                        source,
                        state.max_attachment_bytes,
                    )
                    .await
                    {
                        Ok(id) => attachments.push(id),
                        Err(why) => {
                            let what = match source.mime().and_then(|m| m.split('/').next()) {
                                Some("image") => "an image",
                                Some("video") => "a video",
                                Some("audio") => "an audio message",
                                _ => "a file",
                            };
                            if !body.is_empty() {
                                body.push('\n');
                            }
                            body.push_str(&format!(
                                "⚠ The customer sent {what} that could not be stored: {why}. Ask them to send it again."
                            ));
                        }
                    }
                }
                let consent = sms_consent(state, channel_id, &message.body);
                let display_name = match (kind, &message.display_name) {
                    (_, Some(name)) => name.clone(),
                    (ChannelKind::Facebook, None) => {
                        messenger_name(state, channel_id, &message.sender).await
                    }
                    _ => message.sender.clone(),
                };
                state
                    .engine
                    .ingest(Inbound {
                        channel_id: channel_id.to_string(),
                        sender: message.sender,
                        display_name,
                        provider_message_id: Some(message.provider_id),
                        body,
                        attachments,
                        sent_at: message.sent_at,
                        consent,
                    })
                    .await?;
            }
            Received::Status {
                provider_id,
                status,
                error,
            } => {
                state
                    .engine
                    .apply_status(channel_id.to_string(), provider_id, status, error)
                    .await?;
            }
            Received::Watermark {
                customer,
                until,
                status,
            } => {
                let customer = Identity {
                    kind,
                    value: customer,
                };
                state
                    .engine
                    .apply_watermark(channel_id.to_string(), customer, until, status)
                    .await?;
            }
        }
    }
    Ok(())
}

/// What an SMS says about the customer's consent, by the channel's keywords.
fn sms_consent(state: &AppState, channel_id: &str, body: &str) -> Option<Consent> {
    match &state.channels.get(channel_id)?.provider {
        ProviderConfig::Sms {
            stop_keywords,
            start_keywords,
            ..
        } => consent_of(body, stop_keywords, start_keywords),
        _ => None,
    }
}

/// The customer's name from the Messenger profile API (remembered), or the PSID.
async fn messenger_name(state: &AppState, channel_id: &str, psid: &str) -> String {
    if let Some(name) = state.channels.cached_name(psid) {
        return name;
    }
    let Some(ProviderConfig::Facebook {
        page_access_token,
        api_base,
        ..
    }) = state.channels.provider(channel_id, ChannelKind::Facebook)
    else {
        return psid.to_string();
    };
    let response = state
        .channels
        .http
        .get(format!("{api_base}/{psid}"))
        .query(&[
            ("fields", "first_name,last_name"),
            ("access_token", page_access_token.expose()),
        ])
        .send()
        .await;
    let profile: Option<serde_json::Value> = match response {
        Ok(r) if r.status().is_success() => r.json().await.ok(),
        _ => None,
    };
    let name = profile
        .map(|p| {
            [p["first_name"].as_str(), p["last_name"].as_str()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|n| !n.trim().is_empty());
    match name {
        Some(name) => {
            state.channels.remember_name(psid, &name);
            name
        }
        None => psid.to_string(),
    }
}

#[derive(serde::Deserialize)]
pub(super) struct LinkQuery {
    expires: i64,
    sig: String,
}

/// A file fetched by a provider through a link we signed.
pub(super) async fn media_link(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LinkQuery>,
) -> ApiResult<Response> {
    let expired = query.expires < Utc::now().timestamp();
    if expired || !media_link_valid(&state.channels.link_key, &id, query.expires, &query.sig) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::InvalidLink,
            "This link is not valid or has expired.",
        ));
    }
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::not_found("file"))?;
    let row = state.engine.attachment_by_id(id).await?;
    super::attachments::serve_file(state.files.path(id), &row.mime, Some(&row.filename)).await
}
