//! The agent API over HTTP (CONTRACT §4 and the server README's extensions), with the wire
//! types of `switchboard-protocol`.
//!
//! Every call answers either the decoded body or an [`ApiError`] that knows whether trying
//! again could help ([`ApiError::is_transient`]): no answer at all and 5xx are transient; a
//! 4xx is the server's decision and is passed on with its code and sentence.

use std::time::Duration;

use futures_util::TryStreamExt;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use switchboard_protocol::{
    AdminAgent, AdminAgentList, AdminChannel, AdminChannelList, AdminQueue, AdminQueueList, Agent,
    AgentList, AgentRequest, AttachmentRef, AuditFilter, AuditPage, ChangePasswordRequest,
    ChannelCheck, ChannelList, ChannelRequest, ChannelSummary, ContactList, Conversation,
    ConversationList, DeleteQueueRequest, DisableAgentRequest, ErrorCode, ErrorResponse,
    LoginRequest, LoginResponse, Message, MessagePage, PasswordRequest, Presence, PresenceRequest,
    QueueRequest, ReadRequest, SendMessageRequest, SendTemplateRequest, StartConversationRequest,
    StartedConversation, Template, TemplateList, TransferRequest, WhatsAppTemplate,
    WhatsAppTemplateList,
};
use url::Url;
use uuid::Uuid;

use crate::error::ClientError;

/// Ordinary calls give up after this long without an answer; uploads and downloads are
/// bounded by their own progress instead.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Contacts per page when loading the whole directory.
const CONTACT_PAGE: u32 = 1000;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No answer: DNS, refused connection, reset, timeout, TLS.
    Network(String),
    /// An HTTP error answer, with the contract's `{code, message}` when the body had one
    /// (else the code is `Unknown` and the message is the start of the body).
    Status {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// A success answer this client could not read.
    Decode(String),
}

impl ApiError {
    /// Could the same request succeed later?
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Network(_) => true,
            ApiError::Status { status, .. } => *status >= 500 || *status == 408 || *status == 429,
            ApiError::Decode(_) => false,
        }
    }

    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ApiError::Status { status: 401, .. })
    }

    /// An error answer: the contract's `{code, message}` when the body is one (codes in old
    /// spellings read as today's), else `Unknown` with the start of the body.
    pub fn from_answer(status: u16, body: &str) -> ApiError {
        match serde_json::from_str::<ErrorResponse>(body) {
            Ok(answer) => ApiError::Status {
                status,
                code: answer.error.code,
                message: answer.error.message,
            },
            Err(_) => ApiError::Status {
                status,
                code: ErrorCode::Unknown,
                message: body.chars().take(200).collect(),
            },
        }
    }

    /// The user-facing error for a call to `url`.
    pub fn into_client_error(self, url: &Url) -> ClientError {
        match self {
            ApiError::Network(detail) => ClientError::Unreachable {
                url: server_root(url),
                detail,
            },
            ApiError::Status { status: 401, .. } => ClientError::SessionExpired,
            ApiError::Status { status: 429, .. } => ClientError::RateLimited,
            ApiError::Status {
                status,
                code,
                message,
            } if (400..500).contains(&status) => ClientError::Refused {
                status,
                code,
                message,
            },
            ApiError::Status {
                status, message, ..
            } => ClientError::ServerFailure {
                detail: format!("HTTP {status}: {message}"),
            },
            ApiError::Decode(detail) => ClientError::ServerFailure { detail },
        }
    }

    /// A short reason for logs and the outbox's last error.
    pub fn describe(&self) -> String {
        match self {
            ApiError::Network(detail) => format!("no answer: {detail}"),
            ApiError::Status {
                status, message, ..
            } => format!("HTTP {status}: {message}"),
            ApiError::Decode(detail) => format!("unreadable answer: {detail}"),
        }
    }
}

fn network(err: reqwest::Error) -> ApiError {
    // reqwest's Display hides the cause ("error sending request"); the chain says what it was.
    let mut detail = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        detail = format!("{detail}: {cause}");
        source = cause.source();
    }
    ApiError::Network(detail)
}

/// `https://host:port` of a URL, for messages.
fn server_root(url: &Url) -> String {
    let mut root = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        root.push_str(&format!(":{port}"));
    }
    root
}

/// Turn what an agent typed into the server's base URL. A missing scheme means `https`,
/// except for this machine, where a development server speaks plain `http`.
pub fn parse_server_url(input: &str) -> Result<Url, ClientError> {
    let trimmed = input.trim();
    let invalid = |reason: &str| ClientError::InvalidServerUrl {
        input: trimmed.to_string(),
        reason: reason.to_string(),
    };
    if trimmed.is_empty() {
        return Err(invalid("it is empty"));
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        let local = ["localhost", "127.", "[::1]"]
            .iter()
            .any(|p| trimmed.starts_with(p));
        format!("{}://{trimmed}", if local { "http" } else { "https" })
    };
    let mut url = Url::parse(&with_scheme).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("only http:// and https:// addresses are supported"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host name"));
    }
    url.set_query(None);
    url.set_fragment(None);
    // A trailing slash makes relative joins keep a base path (`https://x/chat/`).
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// `GET /healthz` answer.
#[derive(Debug, Deserialize)]
struct Health {
    service: Option<String>,
    #[serde(default)]
    max_attachment_bytes: Option<u64>,
}

/// The part of a `GET /sync` answer the head probe needs.
#[derive(Debug, Deserialize)]
struct SyncHead {
    #[serde(default)]
    reset: bool,
    cursor: i64,
}

/// An HTTP client bound to one server, with or without a session token.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: Url,
    token: Option<String>,
}

impl Api {
    pub fn new(base: Url) -> Result<Api, ClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("switchboard-desktop/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Unreachable {
                url: server_root(&base),
                detail: format!("the HTTP client could not start: {e}"),
            })?;
        Ok(Api {
            http,
            base,
            token: None,
        })
    }

    /// The same client (and connection pool) with a session token.
    pub fn with_token(&self, token: impl Into<String>) -> Api {
        Api {
            http: self.http.clone(),
            base: self.base.clone(),
            token: Some(token.into()),
        }
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    fn url(&self, path: &str) -> Url {
        // `path` is always one of ours, relative and valid; a failure would be a bug here,
        // and the base URL itself is the best fallback for the error it then produces.
        self.base.join(path).unwrap_or_else(|_| self.base.clone())
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut req = self.http.request(method, self.url(path));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        req
    }

    /// Send, and turn a non-success answer into [`ApiError::Status`].
    async fn send(&self, req: RequestBuilder) -> Result<Response, ApiError> {
        let response = req.send().await.map_err(network)?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let text = response.text().await.unwrap_or_default();
        Err(ApiError::from_answer(status.as_u16(), &text))
    }

    async fn json<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T, ApiError> {
        let response = self.send(req.timeout(CALL_TIMEOUT)).await?;
        let bytes = response.bytes().await.map_err(network)?;
        serde_json::from_slice(&bytes).map_err(|e| ApiError::Decode(e.to_string()))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.json(self.request(Method::GET, path)).await
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.json(self.request(Method::POST, path).json(body)).await
    }

    // ----- session -----

    /// Is a Switchboard server answering at the base URL?
    pub async fn is_switchboard(&self) -> Result<bool, ApiError> {
        let response = self
            .http
            .get(self.url("healthz"))
            .timeout(CALL_TIMEOUT)
            .send()
            .await
            .map_err(network)?;
        if !response.status().is_success() {
            return Ok(false);
        }
        let bytes = response.bytes().await.map_err(network)?;
        Ok(serde_json::from_slice::<Health>(&bytes)
            .ok()
            .and_then(|h| h.service)
            .is_some_and(|s| s == "switchboard"))
    }

    /// The server's upload limit (`/healthz`), when it says one.
    pub async fn max_attachment_bytes(&self) -> Result<Option<u64>, ApiError> {
        let health: Health = self.get("healthz").await?;
        Ok(health.max_attachment_bytes.filter(|max| *max > 0))
    }

    /// `POST /session`, with errors that tell a wrong password from a wrong address.
    pub async fn login(&self, login: &str, password: &str) -> Result<LoginResponse, ClientError> {
        let body = LoginRequest {
            login: login.to_string(),
            password: password.to_string(),
        };
        let outcome: Result<LoginResponse, ApiError> = self.post("api/v1/session", &body).await;
        let error = match outcome {
            Ok(answer) => return Ok(answer),
            Err(ApiError::Network(detail)) => {
                return Err(ClientError::Unreachable {
                    url: server_root(&self.base),
                    detail,
                })
            }
            Err(ApiError::Status { status: 429, .. }) => return Err(ClientError::RateLimited),
            Err(error) => error,
        };
        // Something answered. Only a Switchboard server's own 401 means a wrong password.
        let is_switchboard = self.is_switchboard().await.unwrap_or(false);
        if !is_switchboard {
            return Err(ClientError::NotSwitchboard {
                url: server_root(&self.base),
            });
        }
        match error {
            ApiError::Status { status: 401, .. } => Err(ClientError::WrongCredentials),
            other => Err(other.into_client_error(&self.base)),
        }
    }

    pub async fn logout(&self) -> Result<(), ApiError> {
        self.send(
            self.request(Method::DELETE, "api/v1/session")
                .timeout(CALL_TIMEOUT),
        )
        .await
        .map(|_| ())
    }

    // ----- administration (system owners) -----

    pub async fn admin_agents(&self) -> Result<Vec<AdminAgent>, ApiError> {
        Ok(self
            .get::<AdminAgentList>("api/v1/admin/agents")
            .await?
            .agents)
    }

    pub async fn create_agent(&self, request: &AgentRequest) -> Result<AdminAgent, ApiError> {
        self.post("api/v1/admin/agents", request).await
    }

    pub async fn update_agent(
        &self,
        extension: &str,
        request: &AgentRequest,
    ) -> Result<AdminAgent, ApiError> {
        let path = format!("api/v1/admin/agents/{}", path_segment(extension));
        self.json(self.request(Method::PUT, &path).json(request))
            .await
    }

    pub async fn disable_agent(
        &self,
        extension: &str,
        transfer_to: Option<String>,
    ) -> Result<AdminAgent, ApiError> {
        let path = format!("api/v1/admin/agents/{}/disable", path_segment(extension));
        self.post(&path, &DisableAgentRequest { transfer_to }).await
    }

    pub async fn enable_agent(&self, extension: &str) -> Result<AdminAgent, ApiError> {
        let path = format!("api/v1/admin/agents/{}/enable", path_segment(extension));
        self.post(&path, &serde_json::json!({})).await
    }

    pub async fn set_temporary_password(
        &self,
        extension: &str,
        password: &str,
    ) -> Result<AdminAgent, ApiError> {
        let path = format!("api/v1/admin/agents/{}/password", path_segment(extension));
        let body = PasswordRequest {
            password: password.to_string(),
        };
        self.post(&path, &body).await
    }

    pub async fn admin_channels(&self) -> Result<Vec<AdminChannel>, ApiError> {
        Ok(self
            .get::<AdminChannelList>("api/v1/admin/channels")
            .await?
            .channels)
    }

    pub async fn create_channel(&self, request: &ChannelRequest) -> Result<AdminChannel, ApiError> {
        self.post("api/v1/admin/channels", request).await
    }

    pub async fn update_channel(
        &self,
        id: &str,
        request: &ChannelRequest,
    ) -> Result<AdminChannel, ApiError> {
        let path = format!("api/v1/admin/channels/{}", path_segment(id));
        self.json(self.request(Method::PUT, &path).json(request))
            .await
    }

    /// `POST /admin/channels/{id}/enable` or `/disable`.
    pub async fn set_channel_enabled(
        &self,
        id: &str,
        enabled: bool,
    ) -> Result<AdminChannel, ApiError> {
        let action = if enabled { "enable" } else { "disable" };
        let path = format!("api/v1/admin/channels/{}/{action}", path_segment(id));
        self.post(&path, &serde_json::json!({})).await
    }

    /// `POST /admin/channels/{id}/check`: asks the provider about the channel's credentials.
    pub async fn check_channel(&self, id: &str) -> Result<ChannelCheck, ApiError> {
        let path = format!("api/v1/admin/channels/{}/check", path_segment(id));
        self.post(&path, &serde_json::json!({})).await
    }

    pub async fn admin_queues(&self) -> Result<Vec<AdminQueue>, ApiError> {
        Ok(self
            .get::<AdminQueueList>("api/v1/admin/queues")
            .await?
            .queues)
    }

    pub async fn create_queue(&self, request: &QueueRequest) -> Result<AdminQueue, ApiError> {
        self.post("api/v1/admin/queues", request).await
    }

    pub async fn update_queue(
        &self,
        id: &str,
        request: &QueueRequest,
    ) -> Result<AdminQueue, ApiError> {
        let path = format!("api/v1/admin/queues/{}", path_segment(id));
        self.json(self.request(Method::PUT, &path).json(request))
            .await
    }

    pub async fn delete_queue(&self, id: &str, move_to: Option<String>) -> Result<(), ApiError> {
        let path = format!("api/v1/admin/queues/{}", path_segment(id));
        self.send(
            self.request(Method::DELETE, &path)
                .json(&DeleteQueueRequest { move_to })
                .timeout(CALL_TIMEOUT),
        )
        .await
        .map(|_| ())
    }

    pub async fn audit(
        &self,
        filter: &AuditFilter,
        after: Option<&str>,
    ) -> Result<AuditPage, ApiError> {
        let given = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(path_segment)
        };
        let query: Vec<String> = [
            ("after", after.map(path_segment)),
            ("action", given(&filter.action)),
            ("target", given(&filter.target)),
            ("actor", given(&filter.actor)),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some(format!("{name}={}", value?)))
        .collect();
        let mut path = "api/v1/admin/audit".to_string();
        if !query.is_empty() {
            path = format!("{path}?{}", query.join("&"));
        }
        self.get(&path).await
    }

    /// `PUT /me/password`: the agent's own new password (other sessions end).
    pub async fn change_password(&self, current: &str, new: &str) -> Result<(), ApiError> {
        let body = ChangePasswordRequest {
            current_password: current.to_string(),
            new_password: new.to_string(),
        };
        self.send(
            self.request(Method::PUT, "api/v1/me/password")
                .json(&body)
                .timeout(CALL_TIMEOUT),
        )
        .await
        .map(|_| ())
    }

    pub async fn me(&self) -> Result<Agent, ApiError> {
        self.get("api/v1/me").await
    }

    pub async fn set_presence(&self, presence: Presence) -> Result<Agent, ApiError> {
        self.json(
            self.request(Method::PUT, "api/v1/me/presence")
                .json(&PresenceRequest { presence }),
        )
        .await
    }

    pub async fn agents(&self) -> Result<Vec<Agent>, ApiError> {
        Ok(self.get::<AgentList>("api/v1/agents").await?.agents)
    }

    // ----- sync -----

    /// The newest cursor of this agent's event log. A cursor the server never issued is
    /// answered with a reset naming the head (the server's documented behaviour), so a full
    /// load can start streaming from the moment it began without replaying the whole log.
    pub async fn sync_head(&self) -> Result<i64, ApiError> {
        let head: SyncHead = self
            .get(&format!("api/v1/sync?cursor={}&limit=1", i64::MAX))
            .await?;
        if head.reset {
            Ok(head.cursor)
        } else {
            Err(ApiError::Decode(
                "the server did not answer an impossible cursor with a reset".into(),
            ))
        }
    }

    /// One page of a conversation list, newest activity first.
    pub async fn conversations(
        &self,
        view: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<ConversationList, ApiError> {
        let mut path = format!("api/v1/conversations?view={view}&limit={limit}");
        if let Some(after) = after {
            path.push_str("&after=");
            path.push_str(
                &url::form_urlencoded::byte_serialize(after.as_bytes()).collect::<String>(),
            );
        }
        self.get(&path).await
    }

    /// One page of the bulk history (`GET /api/v1/history`): messages of every conversation
    /// this agent sees, by conversation and then oldest first, after `after` (a page's `next`).
    pub async fn history(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<switchboard_protocol::HistoryPage, ApiError> {
        let mut path = format!("api/v1/history?limit={limit}");
        if let Some(after) = after {
            path.push_str("&after=");
            path.push_str(
                &url::form_urlencoded::byte_serialize(after.as_bytes()).collect::<String>(),
            );
        }
        self.get(&path).await
    }

    /// Messages older than `before` (newest first page if `None`), returned oldest first.
    pub async fn messages(
        &self,
        conversation: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<MessagePage, ApiError> {
        let mut path = format!("api/v1/conversations/{conversation}/messages?limit={limit}");
        if let Some(before) = before {
            path.push_str(&format!("&before={before}"));
        }
        self.get(&path).await
    }

    pub async fn templates(&self) -> Result<Vec<Template>, ApiError> {
        Ok(self
            .get::<TemplateList>("api/v1/templates")
            .await?
            .templates)
    }

    /// The whole contact directory, a page (`CONTACT_PAGE`) at a time.
    pub async fn contacts(&self) -> Result<Vec<switchboard_protocol::Contact>, ApiError> {
        let mut contacts = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut path = format!("api/v1/contacts?limit={CONTACT_PAGE}");
            if let Some(after) = &after {
                path.push_str("&after=");
                path.push_str(
                    &url::form_urlencoded::byte_serialize(after.as_bytes()).collect::<String>(),
                );
            }
            let page = self.get::<ContactList>(&path).await?;
            contacts.extend(page.contacts);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(contacts),
            }
        }
    }

    // ----- conversation actions -----

    /// Send a reply. Returns the stored message and whether this call created it (`201`) or
    /// found it already stored under the same `client_id` (`200`, a retry).
    pub async fn send_message(
        &self,
        conversation: Uuid,
        request: &SendMessageRequest,
    ) -> Result<(Message, bool), ApiError> {
        self.created(
            self.request(
                Method::POST,
                &format!("api/v1/conversations/{conversation}/messages"),
            )
            .json(request),
        )
        .await
    }

    /// `POST /conversations/{id}/whatsapp-template`: an approved WhatsApp template with its
    /// variables filled (accepted after the 24-hour window too). Returns the stored message
    /// (its body the rendered text) and whether this call created it (`201`) or found it
    /// under the same `client_id` (`200`).
    pub async fn send_whatsapp_template(
        &self,
        conversation: Uuid,
        request: &SendTemplateRequest,
    ) -> Result<(Message, bool), ApiError> {
        self.created(
            self.request(
                Method::POST,
                &format!("api/v1/conversations/{conversation}/whatsapp-template"),
            )
            .json(request),
        )
        .await
    }

    /// `POST /messages/{id}/resend`: a reply whose delivery failed goes back to the provider's
    /// queue; the answer is the message, `pending` again. `409 not_resendable` for anything but
    /// a failed reply; the channel's rules apply as to a new reply (`reply_window_closed`,
    /// `opted_out`, `channel_disabled`).
    pub async fn resend(&self, message: Uuid) -> Result<Message, ApiError> {
        self.post(
            &format!("api/v1/messages/{message}/resend"),
            &serde_json::json!({}),
        )
        .await
    }

    /// `POST /conversations`: start a chat with a customer on an SMS or WhatsApp channel.
    /// `true` when a chat was started (`201`); `false` when the message went into the
    /// customer's open chat on that channel or `client_id` was seen before (`200`).
    pub async fn start_conversation(
        &self,
        request: &StartConversationRequest,
    ) -> Result<(StartedConversation, bool), ApiError> {
        self.created(
            self.request(Method::POST, "api/v1/conversations")
                .json(request),
        )
        .await
    }

    /// The decoded answer of a create-or-find call and whether it was `201 Created`.
    async fn created<T: DeserializeOwned>(
        &self,
        req: RequestBuilder,
    ) -> Result<(T, bool), ApiError> {
        let response = self.send(req.timeout(CALL_TIMEOUT)).await?;
        let created = response.status() == StatusCode::CREATED;
        let bytes = response.bytes().await.map_err(network)?;
        let value = serde_json::from_slice(&bytes).map_err(|e| ApiError::Decode(e.to_string()))?;
        Ok((value, created))
    }

    /// `GET /channels`: the enabled SMS and WhatsApp channels a chat can be started on.
    pub async fn channels(&self) -> Result<Vec<ChannelSummary>, ApiError> {
        Ok(self.get::<ChannelList>("api/v1/channels").await?.channels)
    }

    /// `GET /channels/{id}/whatsapp-templates`: the channel's approved templates, by name then
    /// language; `language` keeps one language (`pt` matches `pt_BR`), `query` those whose name
    /// or body contains it.
    pub async fn whatsapp_templates(
        &self,
        channel: &str,
        language: Option<&str>,
        query: Option<&str>,
    ) -> Result<Vec<WhatsAppTemplate>, ApiError> {
        let mut path = format!(
            "api/v1/channels/{}/whatsapp-templates",
            path_segment(channel)
        );
        let given: Vec<String> = [("language", language), ("q", query)]
            .into_iter()
            .filter_map(|(name, value)| {
                let value = value.map(str::trim).filter(|v| !v.is_empty())?;
                Some(format!("{name}={}", path_segment(value)))
            })
            .collect();
        if !given.is_empty() {
            path = format!("{path}?{}", given.join("&"));
        }
        Ok(self.get::<WhatsAppTemplateList>(&path).await?.templates)
    }

    /// `POST /conversations/{id}/{action}` for take, resolve, archive, unarchive.
    pub async fn conversation_action(
        &self,
        conversation: Uuid,
        action: &str,
    ) -> Result<Conversation, ApiError> {
        self.post(
            &format!("api/v1/conversations/{conversation}/{action}"),
            &serde_json::json!({}),
        )
        .await
    }

    pub async fn transfer(
        &self,
        conversation: Uuid,
        extension: &str,
    ) -> Result<Conversation, ApiError> {
        self.post(
            &format!("api/v1/conversations/{conversation}/transfer"),
            &TransferRequest {
                extension: extension.to_string(),
            },
        )
        .await
    }

    pub async fn mark_read(
        &self,
        conversation: Uuid,
        up_to: Uuid,
    ) -> Result<Conversation, ApiError> {
        self.post(
            &format!("api/v1/conversations/{conversation}/read"),
            &ReadRequest { up_to },
        )
        .await
    }

    pub async fn delete_conversation(&self, conversation: Uuid) -> Result<(), ApiError> {
        self.send(
            self.request(
                Method::DELETE,
                &format!("api/v1/conversations/{conversation}"),
            )
            .timeout(CALL_TIMEOUT),
        )
        .await
        .map(|_| ())
    }

    /// `POST /conversations/{id}/end-session` (live chat): the visitor is told the chat ended.
    pub async fn end_session(&self, conversation: Uuid) -> Result<(), ApiError> {
        self.send(
            self.request(
                Method::POST,
                &format!("api/v1/conversations/{conversation}/end-session"),
            )
            .json(&serde_json::json!({}))
            .timeout(CALL_TIMEOUT),
        )
        .await
        .map(|_| ())
    }

    /// `POST /conversations/{id}/block` (live chat): block the visitor's address.
    pub async fn block(
        &self,
        conversation: Uuid,
        duration_s: Option<i64>,
        reason: Option<String>,
    ) -> Result<(), ApiError> {
        let body = switchboard_protocol::BlockRequest { duration_s, reason };
        self.send(
            self.request(
                Method::POST,
                &format!("api/v1/conversations/{conversation}/block"),
            )
            .json(&body)
            .timeout(CALL_TIMEOUT),
        )
        .await
        .map(|_| ())
    }

    /// `POST /internal-chats`: a chat with colleagues.
    pub async fn start_internal_chat(
        &self,
        extensions: Vec<String>,
        title: Option<String>,
    ) -> Result<Conversation, ApiError> {
        self.post(
            "api/v1/internal-chats",
            &switchboard_protocol::InternalChatRequest { extensions, title },
        )
        .await
    }

    /// `GET /me/queues`: the queues I am a member of, by name.
    pub async fn my_queues(&self) -> Result<Vec<switchboard_protocol::QueueSummary>, ApiError> {
        Ok(self
            .get::<switchboard_protocol::QueueList>("api/v1/me/queues")
            .await?
            .queues)
    }

    /// `GET /contacts/{id}/history`: the contact and every conversation with them.
    pub async fn contact_history(
        &self,
        contact: Uuid,
    ) -> Result<switchboard_protocol::ContactHistory, ApiError> {
        self.get(&format!("api/v1/contacts/{contact}/history"))
            .await
    }

    /// `POST /contacts/from-identity`: Add contact from an unknown sender.
    pub async fn contact_from_identity(
        &self,
        request: &switchboard_protocol::FromIdentityRequest,
    ) -> Result<switchboard_protocol::Contact, ApiError> {
        self.post("api/v1/contacts/from-identity", request).await
    }

    // ----- files -----

    /// Upload a file as multipart `file`, reporting bytes sent as they leave.
    pub async fn upload(
        &self,
        file: tokio::fs::File,
        size: u64,
        filename: &str,
        progress: impl Fn(u64) + Send + Sync + 'static,
    ) -> Result<AttachmentRef, ApiError> {
        let mut sent = 0u64;
        let chunks =
            tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024).inspect_ok(move |chunk| {
                sent += chunk.len() as u64;
                progress(sent);
            });
        let part =
            reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(chunks), size)
                .file_name(filename.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        let response = self
            .send(
                self.request(Method::POST, "api/v1/attachments")
                    .multipart(form),
            )
            .await?;
        let bytes = response.bytes().await.map_err(network)?;
        serde_json::from_slice(&bytes).map_err(|e| ApiError::Decode(e.to_string()))
    }

    /// `GET /attachments/{id}/thumbnail`: a small JPEG of an image attachment.
    pub async fn thumbnail(&self, attachment: Uuid) -> Result<Vec<u8>, ApiError> {
        let response = self
            .send(
                self.request(
                    Method::GET,
                    &format!("api/v1/attachments/{attachment}/thumbnail"),
                )
                .timeout(CALL_TIMEOUT),
            )
            .await?;
        Ok(response.bytes().await.map_err(network)?.to_vec())
    }

    // ----- templates (managers and owners) -----

    /// `POST /templates`.
    pub async fn create_template(
        &self,
        request: &switchboard_protocol::TemplateRequest,
    ) -> Result<Template, ApiError> {
        self.post("api/v1/templates", request).await
    }

    /// `PUT /templates/{id}`.
    pub async fn update_template(
        &self,
        id: Uuid,
        request: &switchboard_protocol::TemplateRequest,
    ) -> Result<Template, ApiError> {
        self.json(
            self.request(Method::PUT, &format!("api/v1/templates/{id}"))
                .json(request),
        )
        .await
    }

    /// `DELETE /templates/{id}`.
    pub async fn delete_template(&self, id: Uuid) -> Result<(), ApiError> {
        self.send(
            self.request(Method::DELETE, &format!("api/v1/templates/{id}"))
                .timeout(CALL_TIMEOUT),
        )
        .await
        .map(|_| ())
    }

    /// Start downloading an attachment; the caller streams the body to disk.
    pub async fn download(&self, attachment: Uuid) -> Result<Response, ApiError> {
        self.send(self.request(Method::GET, &format!("api/v1/attachments/{attachment}")))
            .await
    }
}

/// A value as one path segment (an extension typed by a person).
fn path_segment(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_are_normalised() {
        let table = [
            ("chat.example.com", Some("https://chat.example.com/")),
            (
                "https://chat.example.com/sb",
                Some("https://chat.example.com/sb/"),
            ),
            ("127.0.0.1:8080", Some("http://127.0.0.1:8080/")),
            ("localhost:8080", Some("http://localhost:8080/")),
            (
                "  http://10.0.0.5:8080/?x=1#y ",
                Some("http://10.0.0.5:8080/"),
            ),
            ("ftp://chat.example.com", None),
            ("", None),
        ];
        for (input, expected) in table {
            let got = parse_server_url(input).ok().map(|u| u.to_string());
            assert_eq!(got.as_deref(), expected, "{input:?}");
        }
    }

    #[test]
    fn error_answers_keep_the_servers_code_in_any_spelling() {
        let table = [
            (
                r#"{"error":{"code":"already_taken","message":"Taken by Ana."}}"#,
                ErrorCode::AlreadyTaken,
                "Taken by Ana.",
            ),
            (
                r#"{"error":{"code":"wrong_credentials","message":"Wrong."}}"#,
                ErrorCode::InvalidCredentials,
                "Wrong.",
            ),
            (
                r#"{"error":{"code":"from_a_newer_server","message":"New."}}"#,
                ErrorCode::Unknown,
                "New.",
            ),
            (
                "<html>Bad gateway</html>",
                ErrorCode::Unknown,
                "<html>Bad gateway</html>",
            ),
        ];
        for (body, code, message) in table {
            assert_eq!(
                ApiError::from_answer(409, body),
                ApiError::Status {
                    status: 409,
                    code,
                    message: message.into()
                },
                "{body}"
            );
        }
    }

    #[test]
    fn only_network_failures_and_server_faults_are_worth_retrying() {
        let status = |status: u16| ApiError::Status {
            status,
            code: "x".into(),
            message: "m".into(),
        };
        assert!(ApiError::Network("refused".into()).is_transient());
        assert!(status(500).is_transient());
        assert!(status(503).is_transient());
        assert!(status(429).is_transient());
        assert!(!status(400).is_transient());
        assert!(!status(404).is_transient());
        assert!(!status(409).is_transient());
        assert!(!status(413).is_transient());
        assert!(!ApiError::Decode("x".into()).is_transient());
    }
}
