//! The agent API (CONTRACT §4) over axum. Handlers are thin: parse, call the engine, answer.

mod admin;
mod attachments;
mod directory;
pub mod error;
mod extract;
mod livechat;
mod observe;
mod openapi;
mod outreach;
pub mod serve;
mod stream;
mod updates;
mod webhooks;
mod whatsapp_templates;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::handler::Handler;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::{Json, Router};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use switchboard_protocol::{
    AgentList, ConversationList, ErrorCode, HistoryPage, InternalChatRequest, LoginRequest,
    Message, PresenceRequest, QueueList, ReadRequest, SendMessageRequest, SyncResponse,
    TransferRequest,
};
use uuid::Uuid;

use crate::auth::{IpLimiter, Limiter, LoginLimiter};
use crate::channels::Channels;
use crate::engine::{Engine, Reply};
use crate::files::FileStore;
use crate::store::{HistoryKey, ListCursor};
use error::{ApiError, ApiResult};
use extract::{ApiJson, ApiQuery, ConversationId, CurrentAgent, ObjectId};

/// The largest JSON request accepted (a message of up to 1 MiB of text plus its envelope).
pub const MAX_JSON_BYTES: usize = crate::engine::MAX_BODY_BYTES + 64 * 1024;

/// What every handler shares, behind one `Arc`: axum clones the state for each request (the
/// router, the middleware, every `State` extractor), and cloning the fields themselves — a
/// score of reference counts bumped and dropped from both cores — was 7% of the server's CPU
/// under webhook load.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The state of [`AppState`].
#[derive(Debug)]
pub struct Shared {
    pub engine: Engine,
    pub login_limiter: Arc<LoginLimiter>,
    pub files: Arc<FileStore>,
    pub max_attachment_bytes: u64,
    pub channels: Arc<Channels>,
    pub webhook_limiter: Arc<IpLimiter>,
    /// Live-chat visitors: sessions and uploads per address.
    pub visitor_limiter: Arc<IpLimiter>,
    /// Live-chat visitors: messages per visitor.
    pub visitor_message_limiter: Arc<Limiter<Uuid>>,
    /// Live-chat visitors: new conversations per address.
    pub visitor_conversation_limiter: Arc<IpLimiter>,
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
    pub limits: crate::config::Limits,
    /// Live streams open on this node, per agent or visitor (`limits.streams_per_*`).
    pub streams: Arc<stream::OpenStreams>,
    /// The desktop app's update feed.
    pub updates: Arc<crate::updates::Updates>,
    /// Becomes `true` when the server stops: WebSocket streams (which outlive graceful HTTP
    /// shutdown once upgraded) close with "going away" so clients reconnect elsewhere.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
}

/// Resolves once the server is stopping (the watch's `Ref` is not `Send`, so it is dropped here).
pub(crate) async fn stopping(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stopping| *stopping).await;
}

/// Close a stream's socket with 1001 "going away" because the server is stopping.
pub(crate) async fn close_going_away(socket: &mut axum::extract::ws::WebSocket) {
    use axum::extract::ws::{CloseFrame, Message};
    let frame = CloseFrame {
        code: 1001,
        reason: "server shutting down".into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// Where the agent API is served.
pub const API_PREFIX: &str = "/api/v1";

/// One route: a method, a path, and the handler that answers them.
struct Route {
    method: Method,
    path: &'static str,
    endpoint: MethodRouter<AppState>,
}

fn route<H, T>(method: Method, path: &'static str, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone())
        .unwrap_or_else(|_| panic!("{method} {path}: not a method axum routes"));
    Route {
        method,
        path,
        endpoint: on(filter, handler),
    }
}

/// A router answering `routes`; routes on one path share it.
fn routed(routes: Vec<Route>) -> Router<AppState> {
    routes
        .into_iter()
        .fold(Router::new(), |router, r| router.route(r.path, r.endpoint))
        .route_layer(axum::middleware::from_fn(observe::record_request))
}

/// Every route the server answers, in groups that share a prefix and layers. [`router`] builds
/// the server from these groups and [`route_list`] lists them, both by destructuring, so a
/// route (or a group) cannot be in one and not the other.
struct RouteGroups {
    /// The agent API under [`API_PREFIX`], JSON bodies.
    api: Vec<Route>,
    /// Agent uploads under [`API_PREFIX`], bodies up to the attachment limit.
    api_uploads: Vec<Route>,
    /// Provider webhooks and the signed media links providers fetch.
    webhooks: Vec<Route>,
    /// The live-chat widget's endpoints, behind [`livechat::guard`].
    livechat: Vec<Route>,
    /// Visitor uploads, behind the guard too, bodies up to the attachment limit.
    livechat_uploads: Vec<Route>,
    /// Health and readiness, for load balancers.
    probes: Vec<Route>,
    /// The OpenAPI document and the page that shows it, under [`API_PREFIX`], public.
    docs: Vec<Route>,
}

impl RouteGroups {
    fn all() -> RouteGroups {
        use directory as dir;
        use Method as M;
        RouteGroups {
            api: vec![
                route(M::POST, "/session", login),
                route(M::DELETE, "/session", logout),
                route(M::GET, "/me", me),
                route(M::PUT, "/me/presence", set_presence),
                route(M::GET, "/me/queues", my_queues),
                route(M::PUT, "/me/password", admin::change_own_password),
                route(M::GET, "/agents", agents),
                route(M::GET, "/conversations", list_conversations),
                route(M::POST, "/conversations", outreach::start),
                route(M::GET, "/channels", outreach::channels),
                route(M::GET, "/conversations/{id}", conversation),
                route(M::DELETE, "/conversations/{id}", delete_conversation),
                route(M::GET, "/conversations/{id}/messages", messages),
                route(M::POST, "/conversations/{id}/messages", send),
                route(
                    M::POST,
                    "/conversations/{id}/whatsapp-template",
                    whatsapp_templates::send,
                ),
                route(
                    M::GET,
                    "/channels/{channel_id}/whatsapp-templates",
                    whatsapp_templates::list,
                ),
                route(
                    M::POST,
                    "/channels/{channel_id}/whatsapp-templates/sync",
                    whatsapp_templates::sync,
                ),
                route(M::POST, "/conversations/{id}/take", take),
                route(M::POST, "/messages/{id}/resend", resend),
                route(M::POST, "/conversations/{id}/transfer", transfer),
                route(M::POST, "/conversations/{id}/resolve", resolve),
                route(M::POST, "/conversations/{id}/archive", archive),
                route(M::POST, "/conversations/{id}/unarchive", unarchive),
                route(M::POST, "/conversations/{id}/read", mark_read),
                route(M::POST, "/conversations/{id}/end-session", end_session),
                route(M::POST, "/conversations/{id}/block", block),
                route(M::POST, "/conversations/{id}/typing", typing),
                route(M::GET, "/conversations/{id}/visitor", visitor_info),
                route(M::GET, "/blocks", blocks),
                route(M::DELETE, "/blocks/{id}", unblock),
                route(M::POST, "/internal-chats", create_internal_chat),
                route(M::GET, "/contacts", dir::search_contacts),
                route(M::POST, "/contacts", dir::create_contact),
                route(
                    M::POST,
                    "/contacts/from-identity",
                    dir::contact_from_identity,
                ),
                route(M::GET, "/contacts/{id}", dir::contact),
                route(M::PUT, "/contacts/{id}", dir::update_contact),
                route(M::DELETE, "/contacts/{id}", dir::delete_contact),
                route(M::GET, "/contacts/{id}/history", dir::contact_history),
                route(M::GET, "/templates", dir::templates),
                route(M::POST, "/templates", dir::create_template),
                route(M::GET, "/templates/categories", dir::template_categories),
                route(M::GET, "/templates/languages", dir::template_languages),
                route(M::PUT, "/templates/{id}", dir::update_template),
                route(M::DELETE, "/templates/{id}", dir::delete_template),
                route(M::POST, "/templates/{id}/render", dir::render_template),
                route(M::GET, "/attachments/{id}", attachments::download),
                route(
                    M::GET,
                    "/attachments/{id}/thumbnail",
                    attachments::thumbnail,
                ),
                route(
                    M::GET,
                    "/updates/{target}/{arch}/{current_version}",
                    updates::check,
                ),
                route(M::GET, "/updates/files/{version}/{file}", updates::download),
                route(M::GET, "/admin/agents", admin::agents),
                route(M::POST, "/admin/agents", admin::create_agent),
                route(M::PUT, "/admin/agents/{extension}", admin::update_agent),
                route(
                    M::POST,
                    "/admin/agents/{extension}/disable",
                    admin::disable_agent,
                ),
                route(
                    M::POST,
                    "/admin/agents/{extension}/enable",
                    admin::enable_agent,
                ),
                route(
                    M::POST,
                    "/admin/agents/{extension}/password",
                    admin::set_password,
                ),
                route(M::GET, "/admin/queues", admin::queues),
                route(M::POST, "/admin/queues", admin::create_queue),
                route(M::PUT, "/admin/queues/{id}", admin::update_queue),
                route(M::DELETE, "/admin/queues/{id}", admin::delete_queue),
                route(M::GET, "/admin/channels", admin::channels),
                route(M::POST, "/admin/channels", admin::create_channel),
                route(M::PUT, "/admin/channels/{id}", admin::update_channel),
                route(
                    M::POST,
                    "/admin/channels/{id}/disable",
                    admin::disable_channel,
                ),
                route(
                    M::POST,
                    "/admin/channels/{id}/enable",
                    admin::enable_channel,
                ),
                route(M::POST, "/admin/channels/{id}/check", admin::check_channel),
                route(M::GET, "/admin/audit", admin::audit),
                route(M::GET, "/history", history),
                route(M::GET, "/sync", sync),
                route(M::GET, "/stream", stream::stream),
            ],
            api_uploads: vec![route(M::POST, "/attachments", attachments::upload)],
            webhooks: vec![
                route(
                    M::GET,
                    "/webhooks/whatsapp/{channel_id}",
                    webhooks::verify_whatsapp,
                ),
                route(
                    M::POST,
                    "/webhooks/whatsapp/{channel_id}",
                    webhooks::whatsapp,
                ),
                route(
                    M::GET,
                    "/webhooks/facebook/{channel_id}",
                    webhooks::verify_facebook,
                ),
                route(
                    M::POST,
                    "/webhooks/facebook/{channel_id}",
                    webhooks::facebook,
                ),
                route(M::POST, "/webhooks/sms/{channel_id}", webhooks::sms),
                route(
                    M::POST,
                    "/webhooks/sms/{channel_id}/status",
                    webhooks::sms_status,
                ),
                route(M::GET, "/media/{id}", webhooks::media_link),
            ],
            // Every live-chat route but the script, the demo page, the download and the stream
            // answers CORS preflights (the guard writes the answer).
            livechat: vec![
                route(
                    M::GET,
                    "/livechat/{channel_id}/widget.js",
                    livechat::widget_js,
                ),
                route(M::GET, "/livechat/{channel_id}/demo", livechat::demo_page),
                route(M::GET, "/livechat/{channel_id}/config", livechat::config),
                route(M::OPTIONS, "/livechat/{channel_id}/config", preflight),
                route(M::POST, "/livechat/{channel_id}/session", livechat::session),
                route(M::OPTIONS, "/livechat/{channel_id}/session", preflight),
                route(
                    M::GET,
                    "/livechat/{channel_id}/messages",
                    livechat::messages,
                ),
                route(M::POST, "/livechat/{channel_id}/messages", livechat::send),
                route(M::OPTIONS, "/livechat/{channel_id}/messages", preflight),
                route(M::POST, "/livechat/{channel_id}/typing", livechat::typing),
                route(M::OPTIONS, "/livechat/{channel_id}/typing", preflight),
                route(
                    M::GET,
                    "/livechat/{channel_id}/attachments/{id}",
                    livechat::download,
                ),
                route(M::GET, "/livechat/{channel_id}/stream", livechat::stream),
            ],
            livechat_uploads: vec![
                route(
                    M::POST,
                    "/livechat/{channel_id}/attachments",
                    livechat::upload,
                ),
                route(M::OPTIONS, "/livechat/{channel_id}/attachments", preflight),
            ],
            probes: vec![
                route(M::GET, "/healthz", health),
                route(M::GET, "/readyz", ready),
            ],
            docs: vec![
                route(M::GET, "/openapi.json", openapi::serve_document),
                route(M::GET, "/docs", openapi::docs_page),
                route(M::GET, "/docs/{*file}", openapi::docs_asset),
            ],
        }
    }
}

/// Every `(method, path)` the server routes, as served (the agent API with its prefix): the
/// very lists [`router`] is built from. The authorization test holds one row per entry.
pub fn route_list() -> Vec<(Method, String)> {
    let RouteGroups {
        api,
        api_uploads,
        webhooks,
        livechat,
        livechat_uploads,
        probes,
        docs,
    } = RouteGroups::all();
    let under = |prefix: &str, routes: Vec<Route>| {
        routes
            .into_iter()
            .map(|r| (r.method, format!("{prefix}{}", r.path)))
            .collect::<Vec<_>>()
    };
    [
        under(API_PREFIX, api),
        under(API_PREFIX, api_uploads),
        under("", webhooks),
        under("", livechat),
        under("", livechat_uploads),
        under("", probes),
        under(API_PREFIX, docs),
    ]
    .concat()
}

pub fn router(state: AppState) -> Router {
    let RouteGroups {
        api,
        api_uploads,
        webhooks,
        livechat,
        livechat_uploads,
        probes,
        docs,
    } = RouteGroups::all();
    // Uploads stream to disk and count their own bytes; the body limit only stops requests
    // that announce an impossible size.
    let upload_limit = usize::try_from(state.max_attachment_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    let api = routed(api)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .merge(routed(api_uploads).layer(DefaultBodyLimit::max(upload_limit)))
        .merge(routed(docs));
    let webhooks = routed(webhooks).layer(DefaultBodyLimit::max(MAX_JSON_BYTES));
    let livechat = routed(livechat)
        .merge(routed(livechat_uploads).layer(DefaultBodyLimit::max(upload_limit)))
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            livechat::guard,
        ));
    Router::new()
        .nest(API_PREFIX, api)
        .merge(webhooks)
        .merge(livechat)
        .merge(routed(probes))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            std::time::Duration::from_secs(state.limits.body_idle_timeout_s),
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(observe::request_span))
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
            tower_http::request_id::MakeRequestUuid,
        ))
        .with_state(state)
}

/// A CORS preflight; [`livechat::guard`] writes its headers.
async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "There is nothing at this address.",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "This address does not accept that method.",
    )
}

/// Lets clients tell a Switchboard server from anything else listening at an address.
/// `GET /healthz`: who answers, and the upload limit clients check files against before
/// uploading (an extension of the contract's `{"service","version"}`).
async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "service": "switchboard",
        "version": env!("CARGO_PKG_VERSION"),
        "max_attachment_bytes": state.max_attachment_bytes,
    }))
}

/// `GET /readyz`: 200 once the database answers (migrations are done before the server
/// listens), 503 `not_ready` while it does not — for load balancers and orchestrators;
/// `/healthz` only says the process is up.
async fn ready(State(state): State<AppState>) -> Response {
    match state.engine.ready(READY_LIMIT).await {
        Ok(()) => Json(serde_json::json!({ "status": "ready" })).into_response(),
        Err(why) => not_ready(&why).into_response(),
    }
}

/// How long `/readyz` waits for the database before it says "not ready".
const READY_LIMIT: std::time::Duration = std::time::Duration::from_secs(3);

fn not_ready(why: &str) -> ApiError {
    tracing::warn!(%why, "readiness check: the database does not answer");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::NotReady,
        "The database does not answer yet; this node should not get traffic. Check the \
         database (its address in server.database, and that it runs) and the server's log.",
    )
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    // Refused before counting: a long name would otherwise be kept as a limiter key.
    if req.login.len() > crate::auth::MAX_LOGIN_BYTES
        || req.password.len() > crate::auth::MAX_PASSWORD_BYTES
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidLogin,
            format!(
                "The login is at most {} bytes (an extension or an e-mail address) and the \
                 password at most {} bytes.",
                crate::auth::MAX_LOGIN_BYTES,
                crate::auth::MAX_PASSWORD_BYTES
            ),
        ));
    }
    let ip = livechat::client_ip(peer, &headers, &state.trusted_proxies);
    if !state.login_limiter.allow(ip, req.login.trim()).await {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "Too many sign-in attempts. Wait a minute and try again.",
        ));
    }
    let answer = state.engine.login(req.login, req.password).await?;
    Ok(Json(answer).into_response())
}

async fn logout(State(state): State<AppState>, me: CurrentAgent) -> ApiResult<StatusCode> {
    state.engine.logout(&me.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(State(state): State<AppState>, me: CurrentAgent) -> ApiResult<Response> {
    Ok(Json(state.engine.me(me.id()).await?).into_response())
}

async fn my_queues(State(state): State<AppState>, me: CurrentAgent) -> ApiResult<Response> {
    let queues = state.engine.my_queues(me.id()).await?;
    Ok(Json(QueueList { queues }).into_response())
}

async fn set_presence(
    State(state): State<AppState>,
    me: CurrentAgent,
    ApiJson(req): ApiJson<PresenceRequest>,
) -> ApiResult<Response> {
    Ok(Json(state.engine.set_presence(me.id(), req.presence).await?).into_response())
}

#[derive(Deserialize)]
struct AgentQuery {
    q: Option<String>,
}

async fn agents(
    State(state): State<AppState>,
    _me: CurrentAgent,
    ApiQuery(query): ApiQuery<AgentQuery>,
) -> ApiResult<Json<AgentList>> {
    Ok(Json(AgentList {
        agents: state.engine.search_agents(query.q).await?,
    }))
}

#[derive(Deserialize)]
struct ListQuery {
    view: Option<String>,
    after: Option<String>,
    limit: Option<u32>,
}

/// Page cursors are opaque to clients: base64 of "first|rest" (`first` holds no `|`).
fn encode_page_cursor(first: &str, rest: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{first}|{rest}"))
}

/// What `parse` makes of a page cursor's two parts; a cursor this server did not hand out is a
/// 400 that says which list's `next` to pass (`of`).
fn decode_page_cursor<T>(
    text: &str,
    of: &str,
    parse: impl FnOnce(&str, &str) -> Option<T>,
) -> ApiResult<T> {
    let bad = || {
        ApiError::bad_request(
            ErrorCode::InvalidCursor,
            format!("after must be a `next` value from a previous page of {of}."),
        )
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .ok_or_else(bad)?;
    let (first, rest) = raw.split_once('|').ok_or_else(bad)?;
    parse(first, rest).ok_or_else(bad)
}

/// A conversation list cursor: "time|id".
fn encode_cursor(cursor: &ListCursor) -> String {
    encode_page_cursor(
        &cursor.updated_at.to_rfc3339(),
        &cursor.conversation_id.to_string(),
    )
}

fn decode_cursor(text: &str) -> ApiResult<ListCursor> {
    decode_page_cursor(text, "conversations", |time, id| {
        Some(ListCursor {
            updated_at: DateTime::parse_from_rfc3339(time).ok()?.with_timezone(&Utc),
            conversation_id: Uuid::parse_str(id).ok()?,
        })
    })
}

fn page_limit(limit: Option<u32>, default: u32, max: u32) -> ApiResult<u32> {
    match limit.unwrap_or(default) {
        0 => Err(ApiError::bad_request(
            ErrorCode::InvalidLimit,
            "limit must be at least 1.",
        )),
        n if n > max => Err(ApiError::bad_request(
            ErrorCode::InvalidLimit,
            format!("limit may be at most {max}."),
        )),
        n => Ok(n),
    }
}

async fn list_conversations(
    State(state): State<AppState>,
    me: CurrentAgent,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<ConversationList>> {
    let limit = page_limit(query.limit, 200, 1000)?;
    let after = query.after.as_deref().map(decode_cursor).transpose()?;
    let page = state
        .engine
        .list_conversations(me.id(), query.view, after, limit)
        .await?;
    Ok(Json(ConversationList {
        conversations: page.conversations,
        next: page.next.as_ref().map(encode_cursor),
    }))
}

async fn conversation(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
) -> ApiResult<Response> {
    Ok(Json(state.engine.conversation(me.id(), id).await?).into_response())
}

#[derive(Deserialize)]
struct MessagesQuery {
    before: Option<Uuid>,
    limit: Option<u32>,
}

async fn messages(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
    ApiQuery(query): ApiQuery<MessagesQuery>,
) -> ApiResult<Response> {
    let limit = page_limit(query.limit, 50, 500)?;
    let page = state
        .engine
        .messages(me.id(), id, query.before, limit)
        .await?;
    Ok(Json(page).into_response())
}

#[derive(Deserialize)]
struct HistoryQuery {
    after: Option<String>,
    limit: Option<u32>,
}

/// Messages per bulk history page when the client does not say, and at most.
pub const HISTORY_PAGE_DEFAULT: u32 = 1000;
pub const HISTORY_PAGE_MAX: u32 = 5000;

/// A bulk history cursor: "conversation id|seq".
fn encode_history_key(key: &HistoryKey) -> String {
    encode_page_cursor(&key.conversation_id.to_string(), &key.seq.to_string())
}

fn decode_history_key(text: &str) -> ApiResult<HistoryKey> {
    decode_page_cursor(text, "the history", |id, seq| {
        Some(HistoryKey {
            conversation_id: Uuid::parse_str(id).ok()?,
            seq: seq.parse().ok()?,
        })
    })
}

/// `GET /history?after=&limit=`: the bulk history of a first full load (see
/// `engine::history`).
async fn history(
    State(state): State<AppState>,
    me: CurrentAgent,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<HistoryPage>> {
    let limit = page_limit(query.limit, HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX)?;
    let after = query.after.as_deref().map(decode_history_key).transpose()?;
    let batch = state.engine.history(me.id(), after, limit).await?;
    Ok(Json(HistoryPage {
        messages: batch.messages,
        next: batch.next.as_ref().map(encode_history_key),
    }))
}

async fn send(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
    ApiJson(req): ApiJson<SendMessageRequest>,
) -> ApiResult<Response> {
    let reply = Reply {
        client_id: req.client_id,
        body: req.body,
        attachments: req.attachments,
        template: None,
    };
    let sent = state.engine.send(me.id(), id, reply).await?;
    let status = if sent.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(sent.message)).into_response())
}

/// A failed reply queued for the provider again: 200 with it, now `pending`.
async fn resend(
    State(state): State<AppState>,
    me: CurrentAgent,
    ObjectId(id): ObjectId,
) -> ApiResult<Json<Message>> {
    Ok(Json(state.engine.resend(me.id(), id).await?))
}

async fn take(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
) -> ApiResult<Response> {
    Ok(Json(state.engine.take(me.id(), id).await?).into_response())
}

async fn transfer(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
    ApiJson(req): ApiJson<TransferRequest>,
) -> ApiResult<Response> {
    Ok(Json(state.engine.transfer(me.id(), id, req.extension).await?).into_response())
}

async fn resolve(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
) -> ApiResult<Response> {
    Ok(Json(state.engine.resolve(me.id(), id).await?).into_response())
}

async fn archive(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
) -> ApiResult<Response> {
    Ok(Json(state.engine.set_archived(me.id(), id, true).await?).into_response())
}

async fn unarchive(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
) -> ApiResult<Response> {
    Ok(Json(state.engine.set_archived(me.id(), id, false).await?).into_response())
}

async fn delete_conversation(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
) -> ApiResult<StatusCode> {
    state.engine.delete(me.id(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn mark_read(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
    ApiJson(req): ApiJson<ReadRequest>,
) -> ApiResult<Response> {
    Ok(Json(state.engine.mark_read(me.id(), id, req.up_to).await?).into_response())
}

async fn create_internal_chat(
    State(state): State<AppState>,
    me: CurrentAgent,
    ApiJson(req): ApiJson<InternalChatRequest>,
) -> ApiResult<Response> {
    let conv = state
        .engine
        .create_internal_chat(me.id(), req.extensions, req.title)
        .await?;
    Ok((StatusCode::CREATED, Json(conv)).into_response())
}

#[derive(Deserialize)]
struct SyncQuery {
    cursor: Option<i64>,
    limit: Option<u32>,
}

async fn sync(
    State(state): State<AppState>,
    me: CurrentAgent,
    ApiQuery(query): ApiQuery<SyncQuery>,
) -> ApiResult<Json<SyncResponse>> {
    let limit = page_limit(query.limit, 500, 1000)?;
    let page = state
        .engine
        .sync(me.id(), query.cursor.unwrap_or(0), limit)
        .await?;
    Ok(Json(SyncResponse {
        reset: page.reset,
        events: page.events,
        cursor: page.cursor,
        more: page.more,
    }))
}

async fn end_session(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
) -> ApiResult<StatusCode> {
    state.engine.end_session(me.agent, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn block(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
    ApiJson(req): ApiJson<switchboard_protocol::BlockRequest>,
) -> ApiResult<Response> {
    let block = state
        .engine
        .block_visitor(me.agent, id, req.duration_s, req.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(block)).into_response())
}

async fn typing(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
) -> ApiResult<StatusCode> {
    state.engine.agent_typing(me.id(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn visitor_info(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
) -> ApiResult<Response> {
    Ok(Json(state.engine.visitor_info(me.id(), id).await?).into_response())
}

async fn blocks(State(state): State<AppState>, me: CurrentAgent) -> ApiResult<Response> {
    let blocks = state.engine.blocks(me.agent).await?;
    Ok(Json(switchboard_protocol::BlockList { blocks }).into_response())
}

async fn unblock(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
) -> ApiResult<StatusCode> {
    state.engine.unblock(me.agent, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse;

    use super::*;

    #[test]
    fn a_database_that_does_not_answer_makes_the_node_not_ready() {
        let answer = not_ready("connection refused").into_response();
        assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
        let err = not_ready("connection refused");
        assert_eq!(err.code, ErrorCode::NotReady);
        assert!(
            !err.message.contains("connection refused"),
            "the cause is logged, not shown to whoever asks"
        );
    }
}
