//! The live-chat widget's endpoints under `/livechat/{channel_id}/` (CONTRACT §6): the
//! script, a demo page, visitor sessions, messages, uploads and the visitor's WebSocket.
//!
//! Every request passes [`guard`]: the channel must be a live-chat channel, a browser's
//! `Origin` must be allowed, and a blocked address gets 403 `blocked` on everything but the
//! script and the demo page (the widget needs to load to say so).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use switchboard_domain::attachments::FileKind;
use switchboard_protocol::{
    ChannelKind, ErrorCode, VisitorConfig, VisitorSendRequest, VisitorSession,
    VisitorSessionRequest,
};
use uuid::Uuid;

use super::error::{ApiError, ApiResult};
use super::extract::ApiJson;
use super::stream::{
    close_session_ended, stream_slot, until, Liveness, Streamer, MAX_INCOMING, READ_BUFFER,
};
use super::AppState;
use crate::config::ProviderConfig;
use crate::engine::{Engine, Error, VisitorDetails};
use crate::store::VisitorRow;

const WIDGET_JS: &str = include_str!(env!("SWITCHBOARD_WIDGET_JS"));

/// The address a request comes from: the socket's, unless it is a trusted proxy, in which case
/// the right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    // An IPv4 client reaching a dual-stack socket arrives as `::ffff:a.b.c.d`: it is the IPv4
    // address for trusted proxies, limits and blocks alike.
    let peer_ip = peer.ip().to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer_ip) {
        return peer_ip;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .unwrap_or(peer_ip)
}

fn origin_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.split('/').next().unwrap_or(rest);
    let scheme = url.split_once("://").map_or("http", |(s, _)| s);
    format!("{scheme}://{host}")
}

fn channel_of(path: &str) -> Option<&str> {
    path.strip_prefix("/livechat/")?.split('/').next()
}

/// 404 for a live-chat address whose channel is not a configured live-chat channel.
fn unknown_channel(message: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, ErrorCode::UnknownChannel, message)
}

/// Channel, origin and block checks, and CORS for the host page.
pub(super) async fn guard(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    let Some(channel_id) = channel_of(&path).map(str::to_string) else {
        return unknown_channel("No channel with that id is visible to you.").into_response();
    };
    let Some(ProviderConfig::Livechat {
        allowed_origins, ..
    }) = state.channels.provider(&channel_id, ChannelKind::Livechat)
    else {
        return unknown_channel("No live-chat channel has that id.").into_response();
    };
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(|o| o.trim_end_matches('/').to_string());
    // Pages this server serves itself (the demo page) may always talk to it: its public URL,
    // and the host the browser used to reach it.
    let own = origin_of(&state.channels.public_url);
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let same_host = |o: &str| {
        o.split_once("://")
            .is_some_and(|(_, h)| !host.is_empty() && h == host)
    };
    let origin_ok = origin
        .as_ref()
        .is_none_or(|o| *o == own || same_host(o) || allowed_origins.iter().any(|a| a == o));
    let public_asset = path.ends_with("/widget.js") || path.ends_with("/demo");
    if !origin_ok && !public_asset {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::OriginNotAllowed,
            "This website may not embed this chat; add its origin to the channel's allowed_origins.",
        )
        .into_response();
    }
    let cors = |mut response: Response| {
        if let (Some(origin), true) = (&origin, origin_ok) {
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(origin) {
                headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
            }
            headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        }
        response
    };
    if request.method() == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        return cors(response);
    }
    if !public_asset && !state.channels.enabled(&channel_id) {
        return cors(
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ChannelDisabled,
                "This chat is not available right now; please try again later.",
            )
            .into_response(),
        );
    }
    if !public_asset {
        let ip = client_ip(peer, request.headers(), &state.trusted_proxies);
        match state.engine.active_block(ip).await {
            Ok(Some(block)) => {
                let mut message = "This chat is not available from your network.".to_string();
                if let Some(reason) = block.reason.filter(|r| !r.is_empty()) {
                    message.push_str(&format!(" Reason: {reason}."));
                }
                return cors(
                    ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Blocked, message)
                        .into_response(),
                );
            }
            Ok(None) => {}
            Err(err) => return ApiError::from(err).into_response(),
        }
    }
    cors(next.run(request).await)
}

pub(super) async fn widget_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        WIDGET_JS,
    )
        .into_response()
}

pub(super) async fn demo_page(Path(channel_id): Path<String>) -> Html<String> {
    let channel = html_escape(&channel_id);
    Html(format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard live chat demo</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 0; color: #1c2430; background: #f4f6fa; }}
  header {{ background: #1f4e89; color: #fff; padding: 24px 40px; }}
  main {{ max-width: 720px; margin: 32px auto; padding: 0 24px; line-height: 1.6; }}
</style>
</head>
<body>
<header><h1>Acme Store</h1></header>
<main>
  <h2>Welcome</h2>
  <p>This page embeds the Switchboard live-chat widget of channel <code>{channel}</code>.
  Use the chat button in the corner to talk to an agent.</p>
</main>
<script src="/livechat/{channel}/widget.js" async></script>
</body>
</html>"#
    ))
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) async fn config(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
) -> ApiResult<Json<VisitorConfig>> {
    let Some(ProviderConfig::Livechat {
        greeting,
        offline_text,
        ask_name,
        ask_email,
        ..
    }) = state.channels.provider(&channel_id, ChannelKind::Livechat)
    else {
        return Err(unknown_channel(
            "No channel with that id is visible to you.",
        ));
    };
    let online = state.engine.agents_online().await?;
    Ok(Json(VisitorConfig {
        greeting,
        offline_text: (!online).then_some(offline_text),
        ask_name,
        ask_email,
        max_attachment_bytes: state.max_attachment_bytes,
        accepted_extensions: FileKind::ALL
            .iter()
            .flat_map(|k| k.extensions().iter().map(|e| e.to_string()))
            .collect(),
        max_message_chars: Some(state.limits.visitor_message_chars),
    }))
}

fn limited(allowed: bool) -> ApiResult<()> {
    if allowed {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "You are sending too fast; wait a moment and try again.",
        ))
    }
}

pub(super) async fn session(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<VisitorSessionRequest>,
) -> ApiResult<Json<VisitorSession>> {
    let ip = client_ip(peer, &headers, &state.trusted_proxies);
    limited(state.visitor_limiter.allow(ip).await)?;
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let session = state
        .engine
        .visitor_session(
            channel_id,
            req.token,
            VisitorDetails {
                name: req.name,
                email: req.email,
                language: req.language,
                ip: ip.to_string(),
                user_agent,
            },
        )
        .await?;
    Ok(Json(VisitorSession {
        token: session.token,
        visitor_id: session.visitor.id,
        name: session.visitor.name,
        ended: session.ended,
    }))
}

#[derive(Deserialize)]
pub(super) struct TokenQuery {
    token: Option<String>,
    after: Option<i64>,
    cursor: Option<i64>,
}

/// The visitor of a request: `Authorization: Bearer` or `?token=` (for links and WebSockets,
/// which cannot set headers).
async fn visitor(
    state: &AppState,
    channel_id: &str,
    headers: &HeaderMap,
    query: &TokenQuery,
) -> ApiResult<VisitorRow> {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let token = from_header.or_else(|| query.token.clone()).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidToken,
            "Start a chat session first.",
        )
    })?;
    Ok(state
        .engine
        .visitor_by_token(channel_id.to_string(), token)
        .await?)
}

pub(super) async fn messages(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> ApiResult<Response> {
    let visitor = visitor(&state, &channel_id, &headers, &query).await?;
    let page = state
        .engine
        .visitor_messages(visitor, query.after.filter(|a| *a > 0))
        .await?;
    Ok(Json(page).into_response())
}

pub(super) async fn send(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    ApiJson(req): ApiJson<VisitorSendRequest>,
) -> ApiResult<Response> {
    let visitor = visitor(&state, &channel_id, &headers, &query).await?;
    limited(state.visitor_message_limiter.allow(visitor.id).await)?;
    let most = state.limits.visitor_message_chars;
    if req.body.chars().count() > most as usize {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BodyTooLarge,
            format!("Your message is too long: at most {most} characters. Send it in parts."),
        ));
    }
    if state.engine.visitor_opens_conversation(&visitor).await? {
        let ip = client_ip(peer, &headers, &state.trusted_proxies);
        if !state.visitor_conversation_limiter.allow(ip).await {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                "Too many new chats from your network; wait a minute and try again.",
            ));
        }
    }
    let (message, created) = state
        .engine
        .visitor_send(visitor, req.client_id, req.body, req.attachments)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(message)).into_response())
}

pub(super) async fn typing(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> ApiResult<StatusCode> {
    let visitor = visitor(&state, &channel_id, &headers, &query).await?;
    // Typing notices are frequent: they count against the address, not the message budget.
    limited(
        state
            .visitor_limiter
            .allow(client_ip(peer, &headers, &state.trusted_proxies))
            .await,
    )?;
    state.engine.visitor_typing(visitor).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn upload(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    multipart: Multipart,
) -> ApiResult<Response> {
    let visitor = visitor(&state, &channel_id, &headers, &query).await?;
    limited(
        state
            .visitor_limiter
            .allow(client_ip(peer, &headers, &state.trusted_proxies))
            .await,
    )?;
    let most = state.limits.visitor_uploads_per_hour;
    if state.engine.visitor_uploads_last_hour(visitor.id).await? >= most {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            format!("This chat may send at most {most} files an hour; wait a while and try again."),
        ));
    }
    let (filename, accepted) = super::attachments::receive_upload(&state, multipart).await?;
    let stored = state
        .engine
        .register_file(
            crate::engine::FileSender::Visitor(visitor.id),
            filename,
            accepted,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

pub(super) async fn download(
    State(state): State<AppState>,
    Path((channel_id, id)): Path<(String, String)>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> ApiResult<Response> {
    let visitor = visitor(&state, &channel_id, &headers, &query).await?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::not_found("attachment"))?;
    let row = state.engine.visitor_attachment(visitor, id).await?;
    super::attachments::serve_file(state.files.path(id), &row.mime, Some(&row.filename)).await
}

pub(super) async fn stream(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    upgrade: WebSocketUpgrade,
) -> ApiResult<Response> {
    let visitor = visitor(&state, &channel_id, &headers, &query).await?;
    let slot = stream_slot(&state, visitor.id, Streamer::Visitor)?;
    let stream = VisitorStream {
        engine: state.engine.clone(),
        visitor,
        liveness: Liveness::new(Duration::from_secs(state.limits.stream_ping_s)),
        shutdown: state.shutdown.clone(),
    };
    let cursor = query.cursor.unwrap_or(0);
    Ok(upgrade
        .read_buffer_size(READ_BUFFER)
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
        .on_upgrade(move |socket| async move {
            if let Err(reason) = stream.serve(cursor, socket).await {
                tracing::debug!(%reason, "visitor stream closed");
            }
            drop(slot);
        }))
}

struct VisitorStream {
    engine: Engine,
    visitor: VisitorRow,
    liveness: Liveness,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

impl VisitorStream {
    async fn serve(mut self, mut cursor: i64, mut socket: WebSocket) -> Result<(), String> {
        let mut wake = self.engine.notifier().subscribe(self.visitor.id);
        let mut ended_sent = false;
        let mut typing_sent: Option<std::time::Instant> = None;
        loop {
            wake.borrow_and_update();
            let visitor = self.visitor.clone();
            let (page, ends_at) = match self.engine.visitor_stream_page(visitor, cursor).await {
                Ok(answer) => answer,
                Err(Error::VisitorSessionExpired) => {
                    close_session_ended(&mut socket, "chat session expired: reload the page").await;
                    return Ok(());
                }
                Err(err) => return Err(err.to_string()),
            };
            for message in &page.messages {
                let frame = serde_json::json!({"type": "message", "data": message});
                send_frame(&mut socket, frame).await?;
                cursor = cursor.max(message.cursor);
            }
            if page.messages.len() >= crate::engine::VISITOR_PAGE_LIMIT as usize {
                continue; // a full page: more are waiting
            }
            if page.ended && !ended_sent {
                send_frame(&mut socket, serde_json::json!({"type": "ended"})).await?;
            }
            ended_sent = page.ended;
            if let Some((name, since)) = self.engine.typing_for(self.visitor.id) {
                if typing_sent != Some(since) {
                    send_frame(
                        &mut socket,
                        serde_json::json!({"type": "typing", "data": {"agent_name": name}}),
                    )
                    .await?;
                    typing_sent = Some(since);
                }
            }
            tokio::select! {
                changed = wake.changed() => changed.map_err(|_| "server shutting down".to_string())?,
                // Looks again: the session may have been extended meanwhile.
                () = until(ends_at) => {}
                () = self.liveness.due() => self.liveness.ping(&mut socket).await?,
                _ = super::stopping(&mut self.shutdown) => {
                    super::close_going_away(&mut socket).await;
                    return Ok(());
                }
                incoming = socket.recv() => match incoming {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                    Some(Ok(_)) => self.liveness.heard(),
                },
            }
        }
    }
}

async fn send_frame(socket: &mut WebSocket, frame: serde_json::Value) -> Result<(), String> {
    socket
        .send(Message::Text(frame.to_string().into()))
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 10.1.1.1".parse().unwrap());
        let proxy: SocketAddr = "10.0.0.5:4000".parse().unwrap();
        let stranger: SocketAddr = "198.51.100.7:4000".parse().unwrap();
        assert_eq!(
            client_ip(proxy, &headers, &trusted).to_string(),
            "203.0.113.9"
        );
        assert_eq!(
            client_ip(stranger, &headers, &trusted).to_string(),
            "198.51.100.7",
            "a forged header from outside is ignored"
        );
        assert_eq!(
            client_ip(proxy, &HeaderMap::new(), &trusted).to_string(),
            "10.0.0.5"
        );
    }

    #[test]
    fn ipv4_mapped_addresses_are_ipv4_for_trusted_proxies_and_clients() {
        // A trusted IPv4 proxy reaching a dual-stack socket arrives as ::ffff:10.0.0.5, and
        // forwards a client written the same way.
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "::ffff:203.0.113.9".parse().unwrap());
        let mapped_proxy: SocketAddr = "[::ffff:10.0.0.5]:4000".parse().unwrap();
        assert_eq!(
            client_ip(mapped_proxy, &headers, &trusted).to_string(),
            "203.0.113.9",
            "the mapped proxy is trusted and the mapped client is its IPv4 address"
        );
        let mapped_stranger: SocketAddr = "[::ffff:198.51.100.7]:4000".parse().unwrap();
        assert_eq!(
            client_ip(mapped_stranger, &headers, &trusted).to_string(),
            "198.51.100.7"
        );
        // So a block of the IPv4 address holds for its mapped form (the same key).
        assert_eq!(
            crate::auth::block_key(client_ip(mapped_stranger, &HeaderMap::new(), &trusted)),
            crate::auth::block_key("198.51.100.7".parse().unwrap())
        );
    }

    #[test]
    fn origins_and_channels_are_read_from_urls() {
        assert_eq!(
            origin_of("http://127.0.0.1:8080/x"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            origin_of("https://chat.example.com"),
            "https://chat.example.com"
        );
        assert_eq!(channel_of("/livechat/web/session"), Some("web"));
        assert_eq!(channel_of("/api/v1/me"), None);
    }
}
