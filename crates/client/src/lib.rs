//! The Switchboard desktop client engine: everything the desktop app does except drawing.
//!
//! A [`Client`] signs an agent in, keeps a local SQLite cache of what the agent may see
//! ([`cache`]), keeps it current from the server's sync stream ([`sync`] decides, the engine
//! acts), sends replies through a persisted outbox that survives restarts and never duplicates
//! ([`outbox`]), and answers searches and template filters from the cache, offline
//! ([`search`]). The UI learns what to redraw from a typed change feed
//! ([`Client::subscribe`]) and shows the connection state ([`Client::connection_state`]).
//!
//! There is no Tauri in here: the desktop shell's commands are a few lines each around these
//! methods, and the tests drive the same methods headless against the real server.
//!
//! ```no_run
//! # async fn demo() -> switchboard_client::Result<()> {
//! use switchboard_client::{Client, ClientOptions, View};
//! let client = Client::new(ClientOptions::new("/tmp/switchboard"));
//! if client.resume().await?.is_none() {
//!     client.login("https://chat.example.com", "101", "s3cret").await?;
//! }
//! let mut changes = client.subscribe();
//! let recent = client.conversations(View::Recent).await?;
//! if let Some(chat) = recent.first() {
//!     client.send(chat.id, "Olá! Já vou ver isso.", Vec::new()).await?;
//! }
//! while let Some(change) = changes.next().await {
//!     println!("redraw: {change:?}");
//! }
//! # Ok(()) }
//! ```

pub mod api;
pub mod backoff;
pub mod cache;
pub mod changes;
mod engine;
pub mod error;
pub mod files;
pub mod keychain;
pub mod outbox;
pub mod profile;
pub mod search;
pub mod stream;
pub mod sync;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use switchboard_protocol::{
    Agent, AttachmentRef, ChannelKind, ChannelSummary, Conversation, Direction, ErrorCode, Message,
    MessageStatus, Presence, SendTemplateRequest, StartConversationRequest, Template,
    TemplateChoice, TemplateRequest, WhatsAppTemplate,
};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use url::Url;
use uuid::Uuid;

use crate::api::Api;
use crate::cache::conversations::History;
use crate::cache::outbox::{OutboxEntry, OutboxFile};
use crate::engine::Core;
use crate::profile::Profile;

pub use crate::cache::conversations::View;
pub use crate::cache::templates::TemplateFilter;
pub use crate::cache::Cache;
pub use crate::changes::{Change, ChangeFeed, ConnectionState};
pub use crate::error::{ClientError, Result};
pub use crate::files::{AttachmentRules, FileCheck};
pub use crate::keychain::{KeyringStore, MemoryStore, SignInKept, TokenStore};
pub use crate::search::{SearchOptions, SearchOrder, SearchResults};
/// The SQLite binding the [`Cache`] exposes (for diagnostics and benchmarks).
pub use rusqlite;

/// The largest reply body the server accepts, checked before queueing.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Settings key of the signed-in agent, kept so the app can resume offline.
const PROFILE_AGENT: &str = "profile.agent";
/// The server's upload limit, as it last said (`/healthz`), so checks work offline too.
const SERVER_MAX_ATTACHMENT: &str = "server.max_attachment_bytes";

/// How long the engine waits before retrying things. The defaults suit the app; tests shorten
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// First reconnect delay after the stream drops (doubles per failure, with jitter).
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
    /// First retry delay of a reply that could not be sent.
    pub retry_min: Duration,
    pub retry_max: Duration,
    /// A stream silent this long is dead (the server pings every 30 s).
    pub stream_idle: Duration,
    /// Conversation histories fetched at once when catching up chat by chat.
    pub history_concurrency: usize,
    /// Messages per page of the bulk history a first full load reads (the server allows
    /// 1–5,000; the largest pages are the fastest).
    pub bulk_history_page: u32,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            reconnect_min: Duration::from_millis(500),
            reconnect_max: Duration::from_secs(30),
            retry_min: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            stream_idle: Duration::from_secs(75),
            history_concurrency: 4,
            bulk_history_page: 5000,
        }
    }
}

/// How a [`Client`] is set up.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Where profiles (caches, downloads) live; see [`profile::data_dir_or`].
    pub data_dir: PathBuf,
    /// Where login tokens live: the OS keychain in the app.
    pub tokens: Arc<dyn TokenStore>,
    pub timing: Timing,
}

impl ClientOptions {
    /// The app's setup: tokens in the OS keychain.
    pub fn new(data_dir: impl Into<PathBuf>) -> ClientOptions {
        ClientOptions {
            data_dir: data_dir.into(),
            tokens: Arc::new(KeyringStore::new()),
            timing: Timing::default(),
        }
    }

    pub fn with_tokens(mut self, tokens: Arc<dyn TokenStore>) -> ClientOptions {
        self.tokens = tokens;
        self
    }

    pub fn with_timing(mut self, timing: Timing) -> ClientOptions {
        self.timing = timing;
        self
    }
}

/// A file to send with a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutgoingAttachment {
    /// A local file: uploaded by the outbox when the reply is sent (also after a restart).
    File(PathBuf),
    /// A file already uploaded with [`Client::upload`].
    Uploaded(AttachmentRef),
}

/// A page of a conversation's messages from the cache.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MessagesPage {
    /// Oldest first.
    pub messages: Vec<Message>,
    /// Older messages are in the cache.
    pub more: bool,
    /// The history is still being fetched: more may appear (a `MessagesChanged` follows).
    pub loading: bool,
}

/// A chat the agent started ([`Client::start_conversation`]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct StartedChat {
    pub conversation: Conversation,
    /// The first message (the text, or the template's rendered text).
    pub message: Message,
    /// A new chat; `false` when the message went into the customer's open chat on that
    /// channel (or the request was a repeat).
    pub created: bool,
}

/// What an upload reports.
#[derive(Debug)]
pub enum UploadEvent {
    Progress { sent: u64, total: u64 },
    Done(AttachmentRef),
    Failed(ClientError),
}

/// A running upload: progress events, then `Done` or `Failed`.
#[derive(Debug)]
pub struct Upload {
    events: mpsc::UnboundedReceiver<UploadEvent>,
}

impl Upload {
    /// The next event; `None` after the last.
    pub async fn next(&mut self) -> Option<UploadEvent> {
        self.events.recv().await
    }

    /// Wait for the end, ignoring progress.
    pub async fn finish(mut self) -> Result<AttachmentRef> {
        while let Some(event) = self.events.recv().await {
            match event {
                UploadEvent::Progress { .. } => {}
                UploadEvent::Done(attachment) => return Ok(attachment),
                UploadEvent::Failed(error) => return Err(error),
            }
        }
        Err(ClientError::ServerFailure {
            detail: "the upload stopped without an answer".into(),
        })
    }
}

/// A signed-in session: its state and its tasks, stopped when dropped.
#[derive(Debug)]
struct Session {
    core: Arc<Core>,
    kept: SignInKept,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Session {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

#[derive(Debug)]
struct Shared {
    options: ClientOptions,
    feed: Arc<changes::Feed>,
    session: Mutex<Option<Session>>,
    /// A sign-in with a temporary password, waiting for the agent's own (see
    /// [`Client::choose_password`]). Memory only.
    pending: Mutex<Option<PendingSignIn>>,
}

/// A sign-in the server accepted with a temporary password: nothing is kept or started until
/// the agent has chosen their own.
struct PendingSignIn {
    base: Url,
    api: Api,
    agent: Agent,
    temporary: String,
}

impl std::fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("agent", &self.agent.extension)
            .finish_non_exhaustive()
    }
}

/// The client engine. Cheap to clone; the session stops when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

/// Run a keychain call (it may block on D-Bus or a prompt) off the async threads.
async fn blocking<R: Send + 'static>(
    job: impl FnOnce() -> Result<R> + Send + 'static,
) -> Result<R> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| ClientError::Keychain {
            detail: e.to_string(),
        })?
}

fn file_error(path: &Path, err: impl std::fmt::Display) -> ClientError {
    ClientError::File {
        path: path.to_path_buf(),
        detail: err.to_string(),
    }
}

/// Now, at the microsecond precision the server and the cache keep.
fn now_micros() -> DateTime<Utc> {
    DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap_or_default()
}

/// The MIME type a file name suggests (the server decides by content when it arrives).
fn mime_for(filename: &str) -> String {
    use switchboard_domain::attachments::{extension, FileKind};
    extension(filename)
        .and_then(|ext| {
            FileKind::ALL
                .iter()
                .find(|kind| kind.extensions().contains(&ext.as_str()))
                .map(|kind| kind.mime().to_string())
        })
        .unwrap_or_else(|| "application/octet-stream".into())
}

/// The signed-in server's update feed for the app (see [`Client::update_feed`]).
#[derive(Clone, PartialEq, Eq)]
pub struct UpdateFeed {
    pub url: Url,
    /// `Bearer <token>`: never logged (Debug leaves it out).
    pub authorization: String,
}

impl std::fmt::Debug for UpdateFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateFeed")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(options: ClientOptions) -> Client {
        Client {
            shared: Arc::new(Shared {
                options,
                feed: Arc::new(changes::Feed::new()),
                session: Mutex::new(None),
                pending: Mutex::new(None),
            }),
        }
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Option<Session>> {
        self.shared
            .session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn core(&self) -> Result<Arc<Core>> {
        self.session()
            .as_ref()
            .map(|s| s.core.clone())
            .ok_or(ClientError::NotSignedIn)
    }

    // ----- session -----

    /// Sign in. The token goes to the keychain (or, when the keychain fails, stays in memory
    /// for this run: see [`Client::sign_in_kept`]); the agent's cache opens (created or
    /// migrated) and the first full load starts in the background.
    pub async fn login(&self, server_url: &str, login: &str, password: &str) -> Result<Agent> {
        let base = api::parse_server_url(server_url)?;
        let api = Api::new(base.clone())?;
        let answer = api.login(login.trim(), password).await?;
        if answer.must_change_password {
            *self.pending() = Some(PendingSignIn {
                base,
                api: api.with_token(answer.token),
                agent: answer.agent,
                temporary: password.to_string(),
            });
            return Err(ClientError::Refused {
                status: 403,
                code: ErrorCode::PasswordChangeRequired,
                message: "You signed in with a temporary password: choose your own to go on."
                    .into(),
            });
        }
        self.sign_in(
            base,
            api.with_token(answer.token.clone()),
            answer.token,
            answer.agent,
        )
        .await
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Option<PendingSignIn>> {
        self.shared
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// After [`Client::login`] answered `password_change_required`: set the agent's own
    /// password in place of the temporary one, then sign in as `login` does. A refused password
    /// (too short) may be tried again.
    pub async fn choose_password(&self, new_password: &str) -> Result<Agent> {
        let pending = self.pending().take().ok_or(ClientError::NotSignedIn)?;
        if let Err(error) = pending
            .api
            .change_password(&pending.temporary, new_password)
            .await
        {
            let error = error.into_client_error(&pending.base);
            if matches!(
                error,
                ClientError::Refused { .. } | ClientError::Unreachable { .. }
            ) {
                *self.pending() = Some(pending);
            }
            return Err(error);
        }
        let token = pending.api.token().unwrap_or_default().to_string();
        self.sign_in(pending.base, pending.api, token, pending.agent)
            .await
    }

    // ----- administration (system owners; the server checks) -----

    pub async fn admin_agents(&self) -> Result<Vec<switchboard_protocol::AdminAgent>> {
        let core = self.core()?;
        core.api.admin_agents().await.map_err(|e| core.api_error(e))
    }

    pub async fn create_agent(
        &self,
        request: switchboard_protocol::AgentRequest,
    ) -> Result<switchboard_protocol::AdminAgent> {
        let core = self.core()?;
        core.api
            .create_agent(&request)
            .await
            .map_err(|e| core.api_error(e))
    }

    pub async fn update_agent(
        &self,
        extension: &str,
        request: switchboard_protocol::AgentRequest,
    ) -> Result<switchboard_protocol::AdminAgent> {
        let core = self.core()?;
        core.api
            .update_agent(extension, &request)
            .await
            .map_err(|e| core.api_error(e))
    }

    pub async fn disable_agent(
        &self,
        extension: &str,
        transfer_to: Option<String>,
    ) -> Result<switchboard_protocol::AdminAgent> {
        let core = self.core()?;
        core.api
            .disable_agent(extension, transfer_to)
            .await
            .map_err(|e| core.api_error(e))
    }

    pub async fn enable_agent(&self, extension: &str) -> Result<switchboard_protocol::AdminAgent> {
        let core = self.core()?;
        core.api
            .enable_agent(extension)
            .await
            .map_err(|e| core.api_error(e))
    }

    pub async fn set_temporary_password(
        &self,
        extension: &str,
        password: &str,
    ) -> Result<switchboard_protocol::AdminAgent> {
        let core = self.core()?;
        core.api
            .set_temporary_password(extension, password)
            .await
            .map_err(|e| core.api_error(e))
    }

    pub async fn admin_channels(&self) -> Result<Vec<switchboard_protocol::AdminChannel>> {
        let core = self.core()?;
        core.api
            .admin_channels()
            .await
            .map_err(|e| core.api_error(e))
    }

    pub async fn create_channel(
        &self,
        request: switchboard_protocol::ChannelRequest,
    ) -> Result<switchboard_protocol::AdminChannel> {
        let core = self.core()?;
        core.api
            .create_channel(&request)
            .await
            .map_err(|e| core.api_error(e))
    }

    pub async fn update_channel(
        &self,
        id: &str,
        request: switchboard_protocol::ChannelRequest,
    ) -> Result<switchboard_protocol::AdminChannel> {
        let core = self.core()?;
        core.api
            .update_channel(id, &request)
            .await
            .map_err(|e| core.api_error(e))
    }

    pub async fn set_channel_enabled(
        &self,
        id: &str,
        enabled: bool,
    ) -> Result<switchboard_protocol::AdminChannel> {
        let core = self.core()?;
        core.api
            .set_channel_enabled(id, enabled)
            .await
            .map_err(|e| core.api_error(e))
    }

    pub async fn check_channel(&self, id: &str) -> Result<switchboard_protocol::ChannelCheck> {
        let core = self.core()?;
        core.api
            .check_channel(id)
            .await
            .map_err(|e| core.api_error(e))
    }

    pub async fn admin_queues(&self) -> Result<Vec<switchboard_protocol::AdminQueue>> {
        let core = self.core()?;
        core.api.admin_queues().await.map_err(|e| core.api_error(e))
    }

    pub async fn create_queue(
        &self,
        request: switchboard_protocol::QueueRequest,
    ) -> Result<switchboard_protocol::AdminQueue> {
        let core = self.core()?;
        core.api
            .create_queue(&request)
            .await
            .map_err(|e| core.api_error(e))
    }

    pub async fn update_queue(
        &self,
        id: &str,
        request: switchboard_protocol::QueueRequest,
    ) -> Result<switchboard_protocol::AdminQueue> {
        let core = self.core()?;
        core.api
            .update_queue(id, &request)
            .await
            .map_err(|e| core.api_error(e))
    }

    pub async fn delete_queue(&self, id: &str, move_to: Option<String>) -> Result<()> {
        let core = self.core()?;
        core.api
            .delete_queue(id, move_to)
            .await
            .map_err(|e| core.api_error(e))
    }

    /// A page of the audit log (system owners), newest first, filtered.
    pub async fn audit(
        &self,
        filter: &switchboard_protocol::AuditFilter,
        after: Option<&str>,
    ) -> Result<switchboard_protocol::AuditPage> {
        let core = self.core()?;
        core.api
            .audit(filter, after)
            .await
            .map_err(|e| core.api_error(e))
    }

    /// The signed-in agent changes their password (the current one required); their other
    /// sessions end.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<()> {
        let core = self.core()?;
        core.api
            .change_password(current, new)
            .await
            .map_err(|e| core.api_error(e))
    }

    /// Keep the token (keychain, or this run only), then open the cache and start syncing.
    async fn sign_in(&self, base: Url, api: Api, token: String, agent: Agent) -> Result<Agent> {
        self.pending().take();
        let profile = Profile::new(&base, agent.id);
        self.shutdown().await;
        let tokens = self.shared.options.tokens.clone();
        let account = profile.key();
        let data_dir = &self.shared.options.data_dir;
        let kept = match blocking(move || tokens.save(&account, &token)).await {
            Ok(()) => {
                profile::save_last(data_dir, &profile)?;
                SignInKept::Keychain
            }
            Err(ClientError::Keychain { detail }) => {
                tracing::warn!(%detail, "the keychain failed: the sign-in is kept for this run only");
                // A token an earlier sign-in left in the keychain must not be resumed next time.
                profile::forget_last(data_dir)?;
                SignInKept::ThisRunOnly { detail }
            }
            Err(other) => return Err(other),
        };
        self.start(profile, api, agent.clone(), kept).await?;
        Ok(agent)
    }

    /// Sign in again as the last agent, from the keychain, without the network: the cache
    /// shows at once and sync starts in the background. `None` when there is nobody to
    /// resume (never signed in, logged out, the keychain lost the token or cannot be used).
    pub async fn resume(&self) -> Result<Option<Agent>> {
        let data_dir = self.shared.options.data_dir.clone();
        let Some(profile) = profile::load_last(&data_dir)? else {
            return Ok(None);
        };
        let tokens = self.shared.options.tokens.clone();
        let account = profile.key();
        let token = match blocking(move || tokens.load(&account)).await {
            Ok(Some(token)) => token,
            Ok(None) => return Ok(None),
            Err(ClientError::Keychain { detail }) => {
                tracing::warn!(%detail, "the keychain failed: signing in again is up to the agent");
                return Ok(None);
            }
            Err(other) => return Err(other),
        };
        let base = api::parse_server_url(&profile.server_url)?;
        let cache_path = profile.cache_path(&data_dir);
        let cache = tokio::task::spawn_blocking(move || Cache::open(&cache_path))
            .await
            .map_err(|e| ClientError::ServerFailure {
                detail: e.to_string(),
            })??;
        let agent = cache
            .read(|conn| cache::settings::get(conn, PROFILE_AGENT))
            .await?
            .and_then(|text| serde_json::from_str::<Agent>(&text).ok());
        let Some(agent) = agent else {
            return Ok(None);
        };
        self.shutdown().await;
        self.start(
            profile,
            Api::new(base)?.with_token(token),
            agent.clone(),
            SignInKept::Keychain,
        )
        .await?;
        Ok(Some(agent))
    }

    async fn start(
        &self,
        profile: Profile,
        api: Api,
        agent: Agent,
        kept: SignInKept,
    ) -> Result<()> {
        let data_dir = &self.shared.options.data_dir;
        let cache_path = profile.cache_path(data_dir);
        let cache = tokio::task::spawn_blocking(move || Cache::open(&cache_path))
            .await
            .map_err(|e| ClientError::ServerFailure {
                detail: e.to_string(),
            })??;
        let remembered = serde_json::to_string(&agent).map_err(|e| ClientError::ServerFailure {
            detail: e.to_string(),
        })?;
        cache
            .write(move |tx| cache::settings::set(tx, PROFILE_AGENT, &remembered))
            .await?;
        let files_dir = profile.files_dir(data_dir);
        let (core, history_rx) = Core::new(
            profile,
            agent,
            api,
            cache,
            self.shared.feed.clone(),
            self.shared.options.timing,
            files_dir,
        );
        let mut tasks = engine::spawn(core.clone(), history_rx);
        tasks.push(tokio::spawn(learn_limits(core.clone())));
        *self.session() = Some(Session { core, kept, tasks });
        Ok(())
    }

    /// Sign out: the server forgets the token (when reachable), the keychain entry is
    /// removed, and the app will not resume. The cache stays for the next sign-in (unsent
    /// replies included); [`Client::logout_and_erase`] removes it too.
    pub async fn logout(&self) -> Result<()> {
        let session = self.session().take();
        let Some(session) = session else {
            return Ok(());
        };
        let core = session.core.clone();
        drop(session);
        // Best effort and brief: signing out must work offline too.
        let _ = tokio::time::timeout(Duration::from_secs(3), core.api.logout()).await;
        let tokens = self.shared.options.tokens.clone();
        let account = core.profile.key();
        match blocking(move || tokens.delete(&account)).await {
            Ok(()) => {}
            // Forgetting the last profile below is what keeps the next start from resuming.
            Err(ClientError::Keychain { detail }) => {
                tracing::warn!(%detail, "the keychain failed: its entry could not be removed");
            }
            Err(other) => return Err(other),
        }
        profile::forget_last(&self.shared.options.data_dir)?;
        self.shared.feed.set_connection(ConnectionState::Offline);
        Ok(())
    }

    /// [`Client::logout`], then delete this agent's cache and downloads from the machine.
    pub async fn logout_and_erase(&self) -> Result<()> {
        let dir = self
            .session()
            .as_ref()
            .map(|s| s.core.profile.dir(&self.shared.options.data_dir));
        self.logout().await?;
        if let Some(dir) = dir {
            // Let the background tasks' last SQLite handles close first.
            tokio::task::yield_now().await;
            match tokio::fs::remove_dir_all(&dir).await {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(file_error(&dir, err)),
            }
        }
        Ok(())
    }

    /// Stop the background work, keeping everything for [`Client::resume`] (app exit).
    pub async fn shutdown(&self) {
        let session = self.session().take();
        drop(session);
        self.shared.feed.set_connection(ConnectionState::Offline);
    }

    /// The signed-in agent.
    pub fn me(&self) -> Option<Agent> {
        self.session().as_ref().map(|s| s.core.me())
    }

    /// Where this session's sign-in is kept: the keychain, or this run only (say so to the
    /// agent: the next start asks for the password).
    pub fn sign_in_kept(&self) -> Option<SignInKept> {
        self.session().as_ref().map(|s| s.kept.clone())
    }

    /// Which server and agent this session is (its key names the keychain entry and folder).
    pub fn profile(&self) -> Option<Profile> {
        self.session().as_ref().map(|s| s.core.profile.clone())
    }

    /// Where this session's server offers updates of the app, and the header that proves the
    /// agent may have them. The URL carries Tauri's updater placeholders (`{{target}}`, …).
    pub fn update_feed(&self) -> Option<UpdateFeed> {
        let session = self.session();
        let api = &session.as_ref()?.core.api;
        let url = api
            .base()
            .join("api/v1/updates/{{target}}/{{arch}}/{{current_version}}?bundle_type={{bundle_type}}")
            .ok()?;
        Some(UpdateFeed {
            url,
            authorization: format!("Bearer {}", api.token()?),
        })
    }

    pub fn connection_state(&self) -> ConnectionState {
        self.shared.feed.connection()
    }

    /// What to redraw, from now on.
    pub fn subscribe(&self) -> ChangeFeed {
        self.shared.feed.subscribe()
    }

    /// The signed-in agent's cache (diagnostics, benchmarks).
    pub fn cache(&self) -> Result<Cache> {
        Ok(self.core()?.cache.clone())
    }

    // ----- reading the cache -----

    /// A conversation list, newest activity first.
    pub async fn conversations(&self, view: View) -> Result<Vec<Conversation>> {
        self.conversations_limited(view, u32::MAX).await
    }

    /// Unread messages in the Recent list (for a tray or dock badge).
    pub async fn unread_total(&self) -> Result<u64> {
        self.core()?
            .cache
            .read(cache::conversations::unread_total)
            .await
    }

    /// The newest `limit` conversations of a list: what a screen shows first.
    pub async fn conversations_limited(&self, view: View, limit: u32) -> Result<Vec<Conversation>> {
        self.core()?
            .cache
            .read(move |conn| cache::conversations::list(conn, view, limit))
            .await
    }

    pub async fn conversation(&self, id: Uuid) -> Result<Option<Conversation>> {
        self.core()?
            .cache
            .read(move |conn| cache::conversations::get(conn, id))
            .await
    }

    /// Up to `limit` messages before `before` (the newest if `None`), oldest first, from the
    /// cache. Opening a conversation whose history is still loading moves it to the front of
    /// the queue.
    pub async fn messages(
        &self,
        id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<MessagesPage> {
        let core = self.core()?;
        let (page, history) = core
            .cache
            .read(move |conn| {
                let history = cache::conversations::histories(conn, &[id])?
                    .get(&id)
                    .copied();
                let page = cache::messages::page(conn, id, before, limit)?;
                Ok((page, history))
            })
            .await?;
        let history = history.ok_or(ClientError::NotFound {
            what: "conversation",
        })?;
        let (messages, more) = page.ok_or(ClientError::NotFound { what: "message" })?;
        let loading = history != History::Complete;
        if loading {
            core.queue_history(id, history, true);
        }
        Ok(MessagesPage {
            messages,
            more,
            loading,
        })
    }

    /// Search messages, contacts and templates in the cache (offline), newest messages first.
    pub async fn search(&self, query: &str) -> Result<SearchResults> {
        self.search_with(query, SearchOptions::default()).await
    }

    pub async fn search_with(&self, query: &str, options: SearchOptions) -> Result<SearchResults> {
        let query = query.to_string();
        self.core()?
            .cache
            .read(move |conn| search::search(conn, &query, options))
            .await
    }

    /// Templates for the quick-reply panel, filtered offline like the server filters them.
    pub async fn templates(&self, filter: TemplateFilter) -> Result<Vec<Template>> {
        self.core()?
            .cache
            .read(move |conn| cache::templates::filter(conn, &filter))
            .await
    }

    pub async fn template_categories(&self) -> Result<Vec<String>> {
        self.core()?.cache.read(cache::templates::categories).await
    }

    pub async fn template_languages(&self) -> Result<Vec<String>> {
        self.core()?.cache.read(cache::templates::languages).await
    }

    /// Colleagues by name or extension (for Transfer), from the cache.
    pub async fn agents(&self, query: &str) -> Result<Vec<Agent>> {
        let query = query.to_string();
        self.core()?
            .cache
            .read(move |conn| cache::agents::search(conn, &query))
            .await
    }

    /// Replies not sent yet (queued or refused), oldest first.
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        self.core()?.cache.read(cache::outbox::all).await
    }

    /// A preference of this agent on this machine (message preview, sounds).
    pub async fn preference(&self, name: &str) -> Result<Option<String>> {
        let key = format!("pref.{name}");
        self.core()?
            .cache
            .read(move |conn| cache::settings::get(conn, &key))
            .await
    }

    pub async fn set_preference(&self, name: &str, value: &str) -> Result<()> {
        let (key, value) = (format!("pref.{name}"), value.to_string());
        self.core()?
            .cache
            .write(move |tx| cache::settings::set(tx, &key, &value))
            .await
    }

    // ----- sending -----

    /// Queue a reply and return it at once, `pending`. It is sent in order with the
    /// conversation's other replies, retried while the server is unreachable (also after a
    /// restart), and becomes `sent` (or `failed` with the server's reason).
    pub async fn send(
        &self,
        conversation_id: Uuid,
        body: &str,
        attachments: Vec<OutgoingAttachment>,
    ) -> Result<Message> {
        let core = self.core()?;
        if body.trim().is_empty() && attachments.is_empty() {
            return Err(ClientError::Refused {
                status: 400,
                code: ErrorCode::EmptyMessage,
                message: "Write something or attach a file before sending.".into(),
            });
        }
        if body.len() > MAX_BODY_BYTES {
            return Err(ClientError::Refused {
                status: 413,
                code: ErrorCode::BodyTooLarge,
                message: format!("A message may hold at most {MAX_BODY_BYTES} bytes of text."),
            });
        }
        let mut files = Vec::new();
        let mut refs = Vec::new();
        for attachment in attachments {
            match attachment {
                OutgoingAttachment::File(path) => {
                    let meta = tokio::fs::metadata(&path)
                        .await
                        .map_err(|e| file_error(&path, e))?;
                    if !meta.is_file() {
                        return Err(file_error(&path, "it is not a file"));
                    }
                    let filename = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "file".into());
                    refs.push(AttachmentRef {
                        // A local stand-in until the upload gives the real id.
                        id: Uuid::now_v7(),
                        filename: filename.clone(),
                        mime: mime_for(&filename),
                        size: meta.len(),
                    });
                    files.push(OutboxFile {
                        path: Some(path.to_string_lossy().into_owned()),
                        filename,
                        size: meta.len(),
                        uploaded: None,
                    });
                }
                OutgoingAttachment::Uploaded(attachment) => {
                    files.push(OutboxFile {
                        path: None,
                        filename: attachment.filename.clone(),
                        size: attachment.size,
                        uploaded: Some(attachment.clone()),
                    });
                    refs.push(attachment);
                }
            }
        }
        let me = core.me();
        let client_id = Uuid::now_v7();
        // Built through JSON so fields the protocol gains later take their defaults.
        let mut message: Message = serde_json::from_value(serde_json::json!({
            // The client id stands in for the server's id until the server answers.
            "id": client_id,
            "conversation_id": conversation_id,
            "client_id": client_id,
            "direction": "outbound",
            "author": {"kind": "agent", "id": me.id, "extension": me.extension, "name": me.name},
            "body": body,
            "attachments": refs,
            "status": "pending",
            "created_at": now_micros(),
        }))
        .map_err(|e| ClientError::ServerFailure {
            detail: format!("could not build the reply: {e}"),
        })?;
        let queued = core
            .cache
            .write(move |tx| {
                let Some(conv) = cache::conversations::get(tx, conversation_id)? else {
                    return Ok(None);
                };
                if conv.channel == ChannelKind::Internal {
                    message.direction = Direction::Internal;
                }
                cache::messages::upsert(tx, &message)?;
                cache::outbox::insert(tx, client_id, conversation_id, &message.body, &files)?;
                Ok(Some(message))
            })
            .await?
            .ok_or(ClientError::NotFound {
                what: "conversation",
            })?;
        core.feed.emit(Change::MessagesChanged { conversation_id });
        core.wake_outbox();
        Ok(queued)
    }

    /// Queue a refused reply again.
    pub async fn retry_send(&self, client_id: Uuid) -> Result<()> {
        let core = self.core()?;
        let conversation = core
            .cache
            .write(move |tx| {
                let entry = cache::outbox::by_client_id(tx, client_id)?;
                if cache::outbox::requeue(tx, client_id)? {
                    cache::messages::retry_by_client_id(tx, client_id)?;
                }
                Ok(entry.map(|e| e.conversation_id))
            })
            .await?
            .ok_or(ClientError::NotFound { what: "message" })?;
        core.feed.emit(Change::MessagesChanged {
            conversation_id: conversation,
        });
        core.wake_outbox();
        Ok(())
    }

    /// Drop a refused reply (from the outbox and the conversation).
    pub async fn discard_send(&self, client_id: Uuid) -> Result<()> {
        let core = self.core()?;
        let conversation = core
            .cache
            .write(move |tx| {
                let Some(entry) = cache::outbox::by_client_id(tx, client_id)? else {
                    return Ok(None);
                };
                cache::outbox::remove_by_client_id(tx, client_id)?;
                if let Some(message) = cache::messages::local_copy(tx, client_id)? {
                    if message.status == MessageStatus::Failed
                        || message.status == MessageStatus::Pending
                    {
                        cache::messages::remove(tx, message.id)?;
                    }
                }
                Ok(Some(entry.conversation_id))
            })
            .await?
            .ok_or(ClientError::NotFound { what: "message" })?;
        core.feed.emit(Change::MessagesChanged {
            conversation_id: conversation,
        });
        Ok(())
    }

    /// Send once more a reply the server could not deliver: `failed` on the server (a
    /// provider outage that outlasted its retries, a reply in flight when the server stopped,
    /// a provider's refusal). It shows `pending` at once; the server's `message.status` events
    /// then bring `sent`, or `failed` with the provider's reason. Online only. A refusal leaves
    /// the message `failed` with its reason and carries the server's code and sentence:
    /// `not_resendable` (not a failed reply), `reply_window_closed` (WhatsApp takes an
    /// approved template only), `opted_out`, `channel_disabled`. Returns the server's answer,
    /// the message `pending`.
    pub async fn resend(&self, message_id: Uuid) -> Result<Message> {
        let core = self.core()?;
        // Pending before the request leaves: the server's own events for this message
        // (pending, then sent or failed) can only come after it, so they keep the last word.
        // Storing the answer afterwards, as other calls do, could put `pending` back over a
        // `sent` or `failed` the stream brought first.
        let shown = core
            .cache
            .write(move |tx| {
                let Some(message) = cache::messages::get(tx, message_id)? else {
                    return Ok(None);
                };
                let changed = cache::messages::change_status(
                    tx,
                    message_id,
                    MessageStatus::Failed,
                    MessageStatus::Pending,
                    None,
                )?;
                Ok(changed.then_some(message))
            })
            .await?;
        if let Some(before) = &shown {
            core.feed.emit(Change::MessagesChanged {
                conversation_id: before.conversation_id,
            });
        }
        let error = match core.api.resend(message_id).await {
            Ok(message) => return Ok(message),
            Err(error) => core.api_error(error),
        };
        if let Some(before) = shown {
            // Not queued again: failed with its reason, as before (unless the server's events
            // said otherwise meanwhile, when a lost answer hid that it was).
            let conversation_id = before.conversation_id;
            let restored = core
                .cache
                .write(move |tx| {
                    cache::messages::change_status(
                        tx,
                        message_id,
                        MessageStatus::Pending,
                        MessageStatus::Failed,
                        before.error.as_deref(),
                    )
                })
                .await;
            match restored {
                Ok(_) => core.feed.emit(Change::MessagesChanged { conversation_id }),
                Err(cache_error) => {
                    tracing::error!(error = %cache_error, "could not show a refused resend as failed again");
                }
            }
        }
        Err(error)
    }

    /// Upload a file now (online only), reporting progress; send the result with
    /// [`OutgoingAttachment::Uploaded`]. (Files given to [`Client::send`] as
    /// [`OutgoingAttachment::File`] are uploaded by the outbox instead, also offline-safe.)
    pub fn upload(&self, path: impl Into<PathBuf>) -> Result<Upload> {
        let core = self.core()?;
        let path = path.into();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let outcome = async {
                let file = tokio::fs::File::open(&path)
                    .await
                    .map_err(|e| file_error(&path, e))?;
                let total = file
                    .metadata()
                    .await
                    .map_err(|e| file_error(&path, e))?
                    .len();
                let filename = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "file".into());
                let progress = tx.clone();
                let _ = tx.send(UploadEvent::Progress { sent: 0, total });
                core.api
                    .upload(file, total, &filename, move |sent| {
                        let _ = progress.send(UploadEvent::Progress { sent, total });
                    })
                    .await
                    .map_err(|e| core.api_error(e))
            }
            .await;
            let _ = tx.send(match outcome {
                Ok(attachment) => UploadEvent::Done(attachment),
                Err(error) => UploadEvent::Failed(error),
            });
        });
        Ok(Upload { events: rx })
    }

    /// The local copy of an attachment of a cached message, downloading it first if needed.
    pub async fn download_attachment(&self, id: Uuid) -> Result<PathBuf> {
        let core = self.core()?;
        let cached = core
            .cache
            .read(move |conn| cache::attachments::get(conn, id))
            .await?
            .ok_or(ClientError::NotFound { what: "attachment" })?;
        if let Some(path) = cached.local_path.filter(|p| p.is_file()) {
            return Ok(path);
        }
        let dir = core.files_dir.join(id.simple().to_string());
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| file_error(&dir, e))?;
        let name = switchboard_domain::attachments::sanitize_filename(&cached.attachment.filename);
        let dest = dir.join(name);
        let partial = dir.join(".partial");
        let response = core.api.download(id).await.map_err(|e| core.api_error(e))?;
        let mut file = tokio::fs::File::create(&partial)
            .await
            .map_err(|e| file_error(&partial, e))?;
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| ClientError::Unreachable {
                url: core.profile.server_url.clone(),
                detail: e.to_string(),
            })?;
            file.write_all(&chunk)
                .await
                .map_err(|e| file_error(&partial, e))?;
        }
        file.flush().await.map_err(|e| file_error(&partial, e))?;
        drop(file);
        tokio::fs::rename(&partial, &dest)
            .await
            .map_err(|e| file_error(&dest, e))?;
        let recorded_path = dest.clone();
        let recorded = core
            .cache
            .write(move |tx| {
                cache::attachments::set_local_path(tx, id, &recorded_path)?;
                Ok(cache::attachments::get(tx, id)?.is_some())
            })
            .await?;
        if !recorded {
            // Its conversation was taken away meanwhile: keep nothing of it.
            let _ = tokio::fs::remove_dir_all(&dir).await;
            return Err(ClientError::NotFound { what: "attachment" });
        }
        Ok(dest)
    }

    // ----- actions on the server -----

    async fn conversation_action(&self, id: Uuid, action: &str) -> Result<Conversation> {
        let core = self.core()?;
        let conversation = core
            .api
            .conversation_action(id, action)
            .await
            .map_err(|e| core.api_error(e))?;
        core.store_conversation(conversation.clone()).await?;
        Ok(conversation)
    }

    /// Own an unowned chat. `already_taken` names the colleague who was faster.
    pub async fn take(&self, id: Uuid) -> Result<Conversation> {
        self.conversation_action(id, "take").await
    }

    /// Resolve and archive (not for internal chats).
    pub async fn resolve(&self, id: Uuid) -> Result<Conversation> {
        self.conversation_action(id, "resolve").await
    }

    pub async fn archive(&self, id: Uuid) -> Result<Conversation> {
        self.conversation_action(id, "archive").await
    }

    pub async fn unarchive(&self, id: Uuid) -> Result<Conversation> {
        self.conversation_action(id, "unarchive").await
    }

    /// Give the chat to a colleague; it leaves this agent's cache at once.
    pub async fn transfer(&self, id: Uuid, extension: &str) -> Result<()> {
        let core = self.core()?;
        core.api
            .transfer(id, extension)
            .await
            .map_err(|e| core.api_error(e))?;
        core.forget_conversation(id, "transferred").await
    }

    /// Hide the chat from this agent's lists for good; it leaves the cache at once.
    pub async fn delete(&self, id: Uuid) -> Result<()> {
        let core = self.core()?;
        core.api
            .delete_conversation(id)
            .await
            .map_err(|e| core.api_error(e))?;
        core.forget_conversation(id, "deleted").await
    }

    /// Everything up to `up_to` is read.
    pub async fn mark_read(&self, id: Uuid, up_to: Uuid) -> Result<Conversation> {
        let core = self.core()?;
        let conversation = core
            .api
            .mark_read(id, up_to)
            .await
            .map_err(|e| core.api_error(e))?;
        core.store_conversation(conversation.clone()).await?;
        Ok(conversation)
    }

    /// Live chat: tell the visitor the chat has ended.
    pub async fn end_session(&self, id: Uuid) -> Result<()> {
        let core = self.core()?;
        core.api
            .end_session(id)
            .await
            .map_err(|e| core.api_error(e))
    }

    /// Live chat: block the visitor's address for `duration_s` seconds (`None`: until
    /// unblocked) and end the session.
    pub async fn block(&self, id: Uuid, duration_s: Option<i64>, reason: &str) -> Result<()> {
        let core = self.core()?;
        let reason = Some(reason.trim().to_string()).filter(|r| !r.is_empty());
        core.api
            .block(id, duration_s, reason)
            .await
            .map_err(|e| core.api_error(e))
    }

    /// Start an internal chat with colleagues (by extension); it joins the cache at once.
    pub async fn start_internal_chat(
        &self,
        extensions: Vec<String>,
        title: Option<String>,
    ) -> Result<Conversation> {
        let core = self.core()?;
        let title = title
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        let conversation = core
            .api
            .start_internal_chat(extensions, title)
            .await
            .map_err(|e| core.api_error(e))?;
        core.store_conversation(conversation.clone()).await?;
        Ok(conversation)
    }

    /// The channels a chat can be started on: enabled SMS and WhatsApp channels (online).
    pub async fn channels(&self) -> Result<Vec<ChannelSummary>> {
        let core = self.core()?;
        core.api.channels().await.map_err(|e| core.api_error(e))
    }

    /// Start a chat with a customer on an SMS channel (`body`) or a WhatsApp one (an approved
    /// `template`), to a contact or a number; the starting agent owns it. When the customer
    /// already has an open chat on that channel, the message goes there instead
    /// (`created: false`). The chat and its first message join the cache at once. Idempotent
    /// on the request's `client_id`: send the same request again after a failure.
    pub async fn start_conversation(
        &self,
        request: StartConversationRequest,
    ) -> Result<StartedChat> {
        let core = self.core()?;
        let (started, created) = core
            .api
            .start_conversation(&request)
            .await
            .map_err(|e| core.api_error(e))?;
        core.store_conversation(started.conversation.clone())
            .await?;
        core.store_message(started.message.clone()).await?;
        Ok(StartedChat {
            conversation: started.conversation,
            message: started.message,
            created,
        })
    }

    /// A WhatsApp channel's approved templates (online): `language` keeps one language (`pt`
    /// matches `pt_BR`), `query` those whose name or body contains it.
    pub async fn whatsapp_templates(
        &self,
        channel_id: &str,
        language: Option<&str>,
        query: Option<&str>,
    ) -> Result<Vec<WhatsAppTemplate>> {
        let core = self.core()?;
        core.api
            .whatsapp_templates(channel_id, language, query)
            .await
            .map_err(|e| core.api_error(e))
    }

    /// Send an approved WhatsApp template in a chat (online; allowed after the 24-hour window
    /// too). Unlike a reply it is not queued: the agent sees at once whether the server took
    /// it, and the stored message (the rendered text) joins the cache. Whether the provider
    /// delivers it arrives later as the message's status, `failed` with Meta's reason in
    /// words. Idempotent on `client_id`: try the same values again with the same id.
    pub async fn send_whatsapp_template(
        &self,
        conversation_id: Uuid,
        client_id: Uuid,
        template: TemplateChoice,
    ) -> Result<Message> {
        let core = self.core()?;
        let request = SendTemplateRequest {
            client_id,
            name: template.name,
            language: template.language,
            parameters: template.parameters,
        };
        let (message, _created) = core
            .api
            .send_whatsapp_template(conversation_id, &request)
            .await
            .map_err(|e| core.api_error(e))?;
        core.store_message(message.clone()).await?;
        Ok(message)
    }

    /// The queues I am a member of, by name (online).
    pub async fn my_queues(&self) -> Result<Vec<switchboard_protocol::QueueSummary>> {
        let core = self.core()?;
        core.api.my_queues().await.map_err(|e| core.api_error(e))
    }

    /// A contact with every conversation the team had with them (online).
    pub async fn contact_history(
        &self,
        contact: Uuid,
    ) -> Result<switchboard_protocol::ContactHistory> {
        let core = self.core()?;
        core.api
            .contact_history(contact)
            .await
            .map_err(|e| core.api_error(e))
    }

    /// Add the unknown sender of a conversation to the directory; every conversation of that
    /// sender then shows the contact's name.
    pub async fn add_contact_from_conversation(
        &self,
        conversation_id: Uuid,
        name: &str,
        emails: Vec<String>,
    ) -> Result<switchboard_protocol::Contact> {
        let core = self.core()?;
        let request = switchboard_protocol::FromIdentityRequest {
            conversation_id,
            name: name.trim().to_string(),
            emails,
        };
        core.api
            .contact_from_identity(&request)
            .await
            .map_err(|e| core.api_error(e))
    }

    // ----- attachments -----

    /// What may be attached: the server's size limit (as it last said) and the accepted
    /// extensions.
    pub async fn attachment_rules(&self) -> Result<AttachmentRules> {
        let core = self.core()?;
        let stored = core
            .cache
            .read(|conn| cache::settings::get(conn, SERVER_MAX_ATTACHMENT))
            .await?;
        let max = stored
            .and_then(|text| text.parse().ok())
            .unwrap_or(files::DEFAULT_MAX_ATTACHMENT_BYTES);
        Ok(AttachmentRules::new(max))
    }

    /// Check files before attaching them: each answer says whether it may be sent and, if
    /// not, why (type from the content, size against the server's limit).
    pub async fn check_files(&self, paths: Vec<PathBuf>) -> Result<Vec<FileCheck>> {
        let max = self.attachment_rules().await?.max_bytes;
        tokio::task::spawn_blocking(move || paths.iter().map(|p| files::check(p, max)).collect())
            .await
            .map_err(|e| ClientError::ServerFailure {
                detail: format!("the file check stopped: {e}"),
            })
    }

    /// Keep a file handed over as bytes (dropped on the window) in this profile's
    /// `outgoing` folder until its reply is sent; returns its path for [`Client::send`].
    pub async fn stage_attachment(&self, filename: &str, bytes: Vec<u8>) -> Result<PathBuf> {
        let core = self.core()?;
        let max = self.attachment_rules().await?.max_bytes;
        if bytes.len() as u64 > max {
            return Err(ClientError::Refused {
                status: 413,
                code: ErrorCode::FileTooLarge,
                message: format!(
                    "{filename}: it is {}; the server accepts files up to {}.",
                    files::human_size(bytes.len() as u64),
                    files::human_size(max)
                ),
            });
        }
        let name = switchboard_domain::attachments::sanitize_filename(filename);
        let dir = core
            .files_dir
            .join(outbox::OUTGOING_DIR)
            .join(Uuid::now_v7().simple().to_string());
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| file_error(&dir, e))?;
        let path = dir.join(name);
        tokio::fs::write(&path, bytes)
            .await
            .map_err(|e| file_error(&path, e))?;
        Ok(path)
    }

    /// A small JPEG of an image attachment of a cached message, fetched once and kept.
    pub async fn thumbnail(&self, id: Uuid) -> Result<PathBuf> {
        let core = self.core()?;
        core.cache
            .read(move |conn| cache::attachments::get(conn, id))
            .await?
            .ok_or(ClientError::NotFound { what: "attachment" })?;
        let dir = core.files_dir.join(id.simple().to_string());
        let path = dir.join("thumbnail.jpg");
        if path.is_file() {
            return Ok(path);
        }
        let bytes = core
            .api
            .thumbnail(id)
            .await
            .map_err(|e| core.api_error(e))?;
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| file_error(&dir, e))?;
        let partial = dir.join(".thumbnail.partial");
        tokio::fs::write(&partial, &bytes)
            .await
            .map_err(|e| file_error(&partial, e))?;
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(|e| file_error(&path, e))?;
        Ok(path)
    }

    // ----- templates (managers, group owners and system owners) -----

    /// Create a template; everyone's template list gets it.
    pub async fn create_template(&self, template: TemplateRequest) -> Result<Template> {
        let core = self.core()?;
        let created = core
            .api
            .create_template(&template)
            .await
            .map_err(|e| core.api_error(e))?;
        core.store_template(created.clone()).await?;
        Ok(created)
    }

    /// Change a template.
    pub async fn update_template(&self, id: Uuid, template: TemplateRequest) -> Result<Template> {
        let core = self.core()?;
        let updated = core
            .api
            .update_template(id, &template)
            .await
            .map_err(|e| core.api_error(e))?;
        core.store_template(updated.clone()).await?;
        Ok(updated)
    }

    /// Delete a template.
    pub async fn delete_template(&self, id: Uuid) -> Result<()> {
        let core = self.core()?;
        core.api
            .delete_template(id)
            .await
            .map_err(|e| core.api_error(e))?;
        core.cache
            .write(move |tx| cache::templates::remove(tx, id).map(|_| ()))
            .await?;
        core.feed.emit(Change::TemplatesChanged);
        Ok(())
    }

    pub async fn set_presence(&self, presence: Presence) -> Result<Agent> {
        let core = self.core()?;
        let me = core
            .api
            .set_presence(presence)
            .await
            .map_err(|e| core.api_error(e))?;
        core.set_me(me.clone());
        let stored = me.clone();
        core.cache
            .write(move |tx| {
                cache::agents::upsert(tx, &stored)?;
                let text = serde_json::to_string(&stored)?;
                cache::settings::set(tx, PROFILE_AGENT, &text)
            })
            .await?;
        core.feed.emit(Change::AgentsChanged);
        Ok(me)
    }
}

/// Ask the server for its upload limit once per session and remember it.
async fn learn_limits(core: Arc<Core>) {
    match core.api.max_attachment_bytes().await {
        Ok(Some(max)) => {
            let text = max.to_string();
            if let Err(error) = core
                .cache
                .write(move |tx| cache::settings::set(tx, SERVER_MAX_ATTACHMENT, &text))
                .await
            {
                tracing::warn!(%error, "could not remember the server's upload limit");
            }
        }
        Ok(None) => {}
        Err(error) => tracing::debug!(error = %error.describe(), "upload limit not known yet"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_types_are_guessed_from_the_name_until_the_server_decides() {
        assert_eq!(mime_for("Relatório.PDF"), "application/pdf");
        assert_eq!(mime_for("foto.jpg"), "image/jpeg");
        assert_eq!(mime_for("mystery"), "application/octet-stream");
    }

    #[test]
    fn the_client_can_be_shared_across_threads_by_the_shell() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<Client>();
        shareable::<ChangeFeed>();
    }

    #[tokio::test]
    async fn calls_before_signing_in_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let client =
            Client::new(ClientOptions::new(dir.path()).with_tokens(Arc::new(MemoryStore::new())));
        let err = client
            .conversations(View::Recent)
            .await
            .expect_err("no session yet");
        assert_eq!(err.code(), "not_signed_in");
        assert_eq!(client.resume().await.unwrap(), None, "nothing to resume");
        assert_eq!(client.connection_state(), ConnectionState::Offline);
    }
}
