//! Storage behind a trait, so the embedded SQLite backend and a PostgreSQL backend are two
//! implementations of one contract.
//!
//! The contract is a unit of work: [`Store::run`] opens a transaction, hands the engine a
//! [`Tx`] of plain, backend-neutral operations, and commits only if the job succeeds. All
//! business rules live in the engine and `domain`; a backend only stores and finds rows. Write
//! jobs on one conversation are serialised: [`Tx::conversation_for_update`] locks its row
//! (SQLite serialises all writers anyway), and [`Tx::claim_conversation`] is a conditional
//! update, so exactly one of several agents racing for a chat becomes its owner.

#[cfg(test)]
mod conformance;
pub mod postgres;
mod sql;
pub mod sqlite;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use switchboard_domain::routing::Strategy;
use switchboard_protocol::{
    AttachmentRef, ChannelKind, ConversationStatus, Direction, Identity, MessageStatus, Presence,
    Role,
};
use uuid::Uuid;

/// Failures of the storage layer itself. Rule violations are the engine's business.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened, read or written.
    #[error("database error: {0}")]
    Database(String),
    /// The database cannot be reached now (connection lost or refused, server restarting):
    /// nothing was done, and the same request may succeed in a moment.
    #[error("the database cannot be reached: {0}")]
    Unavailable(String),
    /// A stored value could not be understood (a corrupted or foreign database).
    #[error("corrupt row in {table}: {detail}")]
    Corrupt { table: &'static str, detail: String },
    /// A uniqueness rule was hit (`what` names it), e.g. a duplicate provider message id.
    #[error("duplicate {what}")]
    Duplicate { what: &'static str },
    /// The database was written by a newer Switchboard than this one.
    #[error("the database schema is version {found}, newer than this server's {supported}: upgrade the server")]
    TooNew { found: i64, supported: i64 },
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Whether a job writes. Read jobs may run in parallel with each other and with a writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Read,
    Write,
}

/// A storage backend.
pub trait Store: Send + Sync + 'static {
    /// Run `job` in one transaction. The job returning `Err` rolls everything back. The job may
    /// be called again if the backend must retry a transaction (serialisation failures).
    fn run(&self, mode: Mode, job: Job<'_>) -> StoreResult<()>;

    /// Whether [`Store::run_writes`] commits its jobs together (group commit), so the engine
    /// queues its write jobs for one writer: SQLite (one writer at a time anyway) saves a commit
    /// and its log writes per job; PostgreSQL a commit flush and a pass through its writers'
    /// gate, and concurrent jobs of one node no longer lose to each other.
    fn groups_writes(&self) -> bool {
        false
    }

    /// Run write jobs in one transaction, as if each were in its own savepoint: a job that
    /// fails leaves nothing behind, the others are committed together (a backend may run the
    /// jobs again to get there, as [`Store::run`] may). Each job's outcome, in order; when
    /// the commit itself fails, every job's is that error. Without group commit, each job is
    /// its own transaction.
    fn run_writes(&self, jobs: &mut [Job<'_>]) -> Vec<StoreResult<()>> {
        jobs.iter_mut()
            .map(|job| self.run(Mode::Write, &mut **job))
            .collect()
    }

    /// Whether other server nodes may share this database (PostgreSQL). A store only this
    /// process uses lets the server treat every reply still marked in flight at start-up as
    /// interrupted; a shared one must leave other nodes' sends alone.
    fn shared(&self) -> bool {
        false
    }

    /// Hand what the other nodes sharing this database announce (see [`Tx::announce`]) to
    /// `wake`, from a background thread, for as long as the process runs. A store nobody else
    /// uses has nothing to hear.
    fn listen(&self, wake: Arc<dyn Fn(Announcement) + Send + Sync>) -> StoreResult<()> {
        let _ = wake;
        Ok(())
    }

    /// Count one request under `key` in `minute` (minutes since the Unix epoch) for every node
    /// sharing this database, and say how many it counted under `key` in that minute and in
    /// the one before. `None` from a store nobody else uses: the node counts alone, in memory.
    fn count_request(&self, key: &str, minute: i64) -> StoreResult<Option<RequestCount>> {
        let _ = (key, minute);
        Ok(None)
    }

    /// The connection pool's state, for a backend that has one.
    fn pool(&self) -> Option<PoolState> {
        None
    }
}

/// Connections of a store's pool (see [`Store::pool`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    pub connections: u32,
    pub idle_connections: u32,
}

/// Requests counted under one key by [`Store::count_request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestCount {
    /// In the minute asked about, the request just counted included.
    pub this_minute: u32,
    /// In the minute before it.
    pub previous_minute: u32,
}

/// News for the other server nodes: whose live streams have new events, and whether replies
/// wait for providers. Sent as JSON (fields left out are empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Announcement {
    /// Agents (or live-chat visitors) whose streams should look again.
    pub streams: Vec<Uuid>,
    /// Replies were queued for providers.
    pub outbound: bool,
    /// Every stream should look again: announcements may have been missed (the listener lost
    /// its connection for a while).
    pub everyone: bool,
    /// Agents typing to live-chat visitors: kept nowhere, only passed on, so a visitor whose
    /// page is connected to another node sees it too.
    pub typing: Vec<Typing>,
    /// A channel was made or changed in the administration: read the channels again.
    pub channels: bool,
}

/// An agent typing to a live-chat visitor, as announced to the other nodes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Typing {
    pub visitor: Uuid,
    pub agent_name: String,
}

/// The work of one transaction of [`Store::run`].
pub type Job<'a> = &'a mut dyn FnMut(&mut dyn Tx) -> Result<(), JobFailed>;

/// Returned by a job to make [`Store::run`] roll back; the reason travels beside it.
#[derive(Debug)]
pub enum JobFailed {
    Store(StoreError),
    /// The job decided to stop (a refused action); nothing it did is kept.
    Abort,
}

impl From<StoreError> for JobFailed {
    fn from(err: StoreError) -> Self {
        JobFailed::Store(err)
    }
}

/// `as_str` and `parse` of an enumeration stored as the names given to its variants.
macro_rules! stored_by_name {
    ($t:ident { $($variant:ident = $name:literal),* $(,)? }) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($t::$variant => $name,)*
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($name => Some($t::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRow {
    pub id: Uuid,
    pub extension: String,
    pub name: String,
    /// Lower-cased.
    pub email: Option<String>,
    pub role: Role,
    pub password_hash: String,
    pub presence: Presence,
    pub last_assigned_at: Option<DateTime<Utc>>,
    /// Set while the agent may not sign in (taken out of the configuration, or disabled):
    /// the row stays, so the name stays on history.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Declared in the configuration file, which rules it: the app shows it read-only.
    pub provisioned: bool,
    /// The password is a temporary one an administrator set: the agent must choose a new one
    /// before anything else.
    pub must_change_password: bool,
}

/// One administrative change (`audit_log`): who changed what, when, with the values before and
/// after (never a secret).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    /// UUID v7: entries page newest first by it.
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// Who made the change.
    pub actor_id: Option<Uuid>,
    /// What was done: `agent.create`, `agent.update`, `agent.disable`, …
    pub action: String,
    /// What it was done to: `agent:102`.
    pub target: String,
    pub before_value: Option<serde_json::Value>,
    pub after_value: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub token_hash: String,
    pub agent_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub id: String,
    pub name: String,
    pub strategy: Strategy,
    pub offer_timeout_s: i64,
    pub max_chats_per_agent: u32,
    /// Priority order.
    pub members: Vec<Uuid>,
    pub last_round_robin: Option<Uuid>,
    /// Declared in the configuration file, which rules it: the app shows it read-only.
    pub provisioned: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Queue(String),
    Extension(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRow {
    pub id: String,
    pub kind: ChannelKind,
    pub route: Route,
    /// A channel made in the administration: its `[channels.<kind>]` settings, secrets
    /// included. `None` for a channel of the configuration file.
    pub settings: Option<serde_json::Value>,
    pub enabled: bool,
    /// Declared in the configuration file, which rules it.
    pub provisioned: bool,
    /// Messenger: Meta allowed the app the HUMAN_AGENT tag, so agents may answer for 7 days
    /// after the customer's last message instead of 24 hours.
    pub human_agent_tag: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationRow {
    pub id: Uuid,
    pub channel: ChannelKind,
    pub channel_id: String,
    pub status: ConversationStatus,
    pub queue_id: Option<String>,
    pub owner_id: Option<Uuid>,
    pub identity: Option<Identity>,
    pub display_name: String,
    pub contact_id: Option<Uuid>,
    pub title: Option<String>,
    pub offer_round: u32,
    pub offer_expires_at: Option<DateTime<Utc>>,
    /// Sequence number of the newest message; messages are numbered 1, 2, 3… per conversation.
    pub last_seq: i64,
    pub last_message_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// When the customer last wrote (opens the WhatsApp/Messenger reply window).
    pub last_inbound_at: Option<DateTime<Utc>>,
}

/// How an agent relates to a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// Offered by a queue while nobody owns it.
    Offered,
    Owner,
    /// Member of an internal chat.
    Participant,
    /// Saw it once (offered, owned); no longer does.
    Former,
}

stored_by_name!(Relation {
    Offered = "offered",
    Owner = "owner",
    Participant = "participant",
    Former = "former",
});

/// One agent's view of one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewRow {
    pub conversation_id: Uuid,
    pub agent_id: Uuid,
    pub relation: Relation,
    pub archived: bool,
    pub deleted: bool,
    pub last_read_seq: i64,
    /// When the view itself last changed (relation, archive flag, read mark); the
    /// conversation's own `updated_at` says when the chat did.
    pub updated_at: DateTime<Utc>,
}

impl ViewRow {
    pub fn new(
        conversation_id: Uuid,
        agent_id: Uuid,
        relation: Relation,
        now: DateTime<Utc>,
    ) -> Self {
        ViewRow {
            conversation_id,
            agent_id,
            relation,
            archived: false,
            deleted: false,
            last_read_seq: 0,
            updated_at: now,
        }
    }

    /// Does the agent see this conversation in one of their lists?
    pub fn visible(&self) -> bool {
        self.relation != Relation::Former && !self.deleted
    }

    /// What the agent has not read of a conversation whose newest message is `last_seq`:
    /// every message after their read mark but their own (`own_replies`, theirs after the
    /// mark: [`Tx::replies_after`]). Seqs have no gaps, so nothing needs counting.
    pub fn unread(&self, last_seq: i64, own_replies: u32) -> u32 {
        u32::try_from(last_seq - self.last_read_seq)
            .unwrap_or(0)
            .saturating_sub(own_replies)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub channel_id: String,
    pub seq: i64,
    pub client_id: Option<Uuid>,
    pub provider_message_id: Option<String>,
    pub direction: Direction,
    /// `None` for the customer's messages and system notes.
    pub author_agent_id: Option<Uuid>,
    /// The customer's display name for inbound messages, empty otherwise.
    pub author_name: String,
    pub body: String,
    pub attachments: Vec<AttachmentRef>,
    pub status: MessageStatus,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub seq: i64,
    pub kind: String,
    /// The conversation or message whose current state the event carries, read when served.
    pub object_id: Option<Uuid>,
    /// Self-contained payloads (removals, presence) are stored as they were.
    pub data: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub id: Uuid,
    pub name: String,
    pub emails: Vec<String>,
    /// E.164.
    pub phones: Vec<String>,
    /// Normalised per kind (see `domain::contacts`); each belongs to at most one contact.
    pub identities: Vec<Identity>,
    /// Folded name, e-mails, phone digits and identities: what a directory search matches.
    pub search_text: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow {
    pub id: Uuid,
    pub name: String,
    pub body: String,
    pub category: String,
    pub language: String,
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
}

/// A stored file. `conversation_id`/`message_id` are set once a message carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRow {
    pub id: Uuid,
    /// The agent who uploaded it; `None` for files that came from a customer.
    pub uploader_id: Option<Uuid>,
    pub filename: String,
    pub mime: String,
    pub size: u64,
    pub has_thumbnail: bool,
    pub conversation_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// The live-chat visitor who uploaded it, for files from the widget.
    pub visitor_id: Option<Uuid>,
}

/// Where a reply stands on its way to the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboundState {
    /// Waiting for its turn (or for its retry time).
    Queued,
    /// Handed to the provider; the answer is not recorded yet.
    Sending,
    Done,
    Failed,
}

stored_by_name!(OutboundState {
    Queued = "queued",
    Sending = "sending",
    Done = "done",
    Failed = "failed",
});

/// One reply in the persisted outbound queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundJob {
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    pub channel_id: String,
    pub state: OutboundState,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    /// A WhatsApp template send: the provider's `template` object, sent instead of the text.
    pub template: Option<serde_json::Value>,
}

/// An approved WhatsApp message template of a channel, as Meta describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatsAppTemplateRow {
    pub channel_id: String,
    pub name: String,
    pub language: String,
    pub category: String,
    /// Meta's `components` (`HEADER`, `BODY`, `FOOTER`, `BUTTONS`).
    pub components: Vec<serde_json::Value>,
    pub synced_at: DateTime<Utc>,
}

/// An SMS number that asked to receive nothing more on a channel (STOP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsOptOutRow {
    pub channel_id: String,
    pub address: String,
    pub opted_out_at: DateTime<Utc>,
}

/// A website visitor of a live-chat channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorRow {
    /// Also the value of the conversation's `livechat` identity.
    pub id: Uuid,
    pub channel_id: String,
    pub token_hash: String,
    pub token_expires_at: DateTime<Utc>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub language: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// A blocked visitor address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRow {
    pub id: Uuid,
    pub ip: String,
    pub reason: Option<String>,
    pub blocked_by: Uuid,
    pub conversation_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// `None`: until removed.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Which part of an agent's list to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListView {
    Recent,
    Archived,
}

/// Resume point of a conversation list page: the last row of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCursor {
    pub updated_at: DateTime<Utc>,
    pub conversation_id: Uuid,
}

/// Where a page of the bulk history (`Tx::history_after`) ends: messages are ordered by
/// conversation id, then by their number within the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct HistoryKey {
    pub conversation_id: Uuid,
    pub seq: i64,
}

impl HistoryKey {
    /// Before every message.
    pub const START: HistoryKey = HistoryKey {
        conversation_id: Uuid::nil(),
        seq: 0,
    };

    pub fn of(message: &MessageRow) -> HistoryKey {
        HistoryKey {
            conversation_id: message.conversation_id,
            seq: message.seq,
        }
    }
}

/// `%term%` for a `LIKE ... ESCAPE '\'` that matches `term` literally (its `\`, `%` and `_`
/// escaped); both backends search contacts with it.
pub fn contains_pattern(term: &str) -> String {
    format!("%{}%", like_escaped(term))
}

/// A `LIKE … ESCAPE '\'` pattern matching text that starts with `term`.
pub fn prefix_pattern(term: &str) -> String {
    format!("{}%", like_escaped(term))
}

fn like_escaped(term: &str) -> String {
    term.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Which audit entries to list; every part left out matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Actions starting with this (`agent` for every `agent.*`, or one action exactly).
    pub action: Option<String>,
    /// Entries about this target exactly (`agent:102`, `queue:sales`, `channel:web`).
    pub target: Option<String>,
    /// Changes made by this agent.
    pub actor: Option<Uuid>,
}

/// Resume point of a contact directory page: the last contact of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactCursor {
    pub name: String,
    pub id: Uuid,
}

/// The operations of one transaction. Every method is plain storage; no rules.
pub trait Tx {
    // ----- agents and sessions -----
    /// Insert or update by extension; keeps the id, presence and history of an existing agent.
    fn upsert_agent(&mut self, agent: &AgentRow) -> StoreResult<AgentRow>;
    fn agent(&mut self, id: Uuid) -> StoreResult<Option<AgentRow>>;
    fn agent_by_extension(&mut self, extension: &str) -> StoreResult<Option<AgentRow>>;
    /// By extension, or by e-mail (case-insensitive).
    fn agent_by_login(&mut self, login: &str) -> StoreResult<Option<AgentRow>>;
    /// All agents, ordered by extension.
    fn agents(&mut self) -> StoreResult<Vec<AgentRow>>;
    fn set_presence(&mut self, id: Uuid, presence: Presence) -> StoreResult<()>;
    fn set_last_assigned(&mut self, id: Uuid, at: DateTime<Utc>) -> StoreResult<()>;

    fn insert_session(&mut self, session: &SessionRow) -> StoreResult<()>;
    /// The agent of a session that is neither expired at `now` nor revoked.
    fn session_agent(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AgentRow>>;
    /// Returns whether a live session was revoked.
    fn revoke_session(&mut self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<bool>;
    /// Revoke every live session of the agent; how many there were.
    fn revoke_agent_sessions(&mut self, agent: Uuid, now: DateTime<Utc>) -> StoreResult<u64>;
    /// End the agent's live sessions but the one with `keep` (its token hash); how many.
    fn revoke_other_sessions(
        &mut self,
        agent: Uuid,
        keep: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// A session by its token's hash, live or not.
    fn session(&mut self, token_hash: &str) -> StoreResult<Option<SessionRow>>;
    /// Delete sessions that expired or were revoked before `before`; how many.
    fn prune_sessions(&mut self, before: DateTime<Utc>) -> StoreResult<u64>;
    /// Give the agent another extension (checked free by the caller).
    fn rename_agent(&mut self, id: Uuid, extension: &str) -> StoreResult<()>;
    /// Mark the agent disabled from `at` (`None`: enabled again).
    fn set_agent_disabled(&mut self, id: Uuid, at: Option<DateTime<Utc>>) -> StoreResult<()>;
    /// Agents holding at least one live session.
    fn logged_in_agents(&mut self, now: DateTime<Utc>) -> StoreResult<Vec<Uuid>>;
    /// Those of `agents` holding at least one live session (read through their sessions
    /// alone: an offer plan asks this of a queue's members on every new chat).
    fn logged_in_among(&mut self, agents: &[Uuid], now: DateTime<Utc>) -> StoreResult<Vec<Uuid>>;

    // ----- administration -----
    /// Record an administrative change.
    fn insert_audit(&mut self, entry: &AuditRow) -> StoreResult<()>;
    /// Up to `limit` audit entries, newest first; with `before` (an entry's id), those older.
    /// Audit entries matching `filter`, newest first, older than `before` when given.
    fn audit_entries(
        &mut self,
        filter: &AuditFilter,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<AuditRow>>;

    // ----- configuration -----
    fn upsert_queue(&mut self, queue: &QueueRow) -> StoreResult<()>;
    fn queue(&mut self, id: &str) -> StoreResult<Option<QueueRow>>;
    /// Every queue with its members, by id.
    fn queues(&mut self) -> StoreResult<Vec<QueueRow>>;
    /// Delete a queue and its membership (its conversations keep their `queue_id` as history).
    fn delete_queue(&mut self, id: &str) -> StoreResult<()>;
    /// The channels whose chats go to this queue.
    fn channels_routed_to(&mut self, queue: &str) -> StoreResult<Vec<String>>;
    /// Queues listing this agent among their members.
    fn queues_of_agent(&mut self, agent: Uuid) -> StoreResult<Vec<QueueRow>>;
    fn set_last_round_robin(&mut self, queue: &str, agent: Uuid) -> StoreResult<()>;
    fn upsert_channel(&mut self, channel: &ChannelRow) -> StoreResult<()>;
    fn channel(&mut self, id: &str) -> StoreResult<Option<ChannelRow>>;
    /// Every channel, by id.
    fn channels(&mut self) -> StoreResult<Vec<ChannelRow>>;
    /// Replace a channel's WhatsApp templates with those just synced.
    fn replace_whatsapp_templates(
        &mut self,
        channel: &str,
        templates: &[WhatsAppTemplateRow],
    ) -> StoreResult<()>;
    /// A channel's WhatsApp templates, by name then language.
    fn whatsapp_templates(&mut self, channel: &str) -> StoreResult<Vec<WhatsAppTemplateRow>>;
    /// Record an SMS number's opt-out (a repeated one keeps the first time).
    fn add_sms_opt_out(&mut self, opt_out: &SmsOptOutRow) -> StoreResult<()>;
    /// Forget an SMS number's opt-out (it texted START); false when there was none.
    fn remove_sms_opt_out(&mut self, channel: &str, address: &str) -> StoreResult<bool>;
    fn sms_opt_out(&mut self, channel: &str, address: &str) -> StoreResult<Option<SmsOptOutRow>>;

    // ----- conversations -----
    fn conversation(&mut self, id: Uuid) -> StoreResult<Option<ConversationRow>>;
    /// Like [`Tx::conversation`], and holds the row for the rest of the transaction.
    fn conversation_for_update(&mut self, id: Uuid) -> StoreResult<Option<ConversationRow>>;
    /// The unresolved conversation of this customer on this channel, if any.
    fn open_conversation_for(
        &mut self,
        channel_id: &str,
        identity_value: &str,
    ) -> StoreResult<Option<ConversationRow>>;
    fn insert_conversation(&mut self, row: &ConversationRow) -> StoreResult<()>;
    /// Store every column but the id as in `row` (a backend may write only those that
    /// changed since it last read or wrote the row in this transaction).
    fn update_conversation(&mut self, row: &ConversationRow) -> StoreResult<()>;
    /// Make `agent` the owner if nobody owns the queued conversation. Returns whether it did.
    fn claim_conversation(
        &mut self,
        id: Uuid,
        agent: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Queued conversations whose offer expired at or before `now`.
    fn expired_offers(&mut self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Uuid>>;
    /// Queued (unowned) conversations of a queue, oldest first.
    fn queued_in(&mut self, queue_id: &str) -> StoreResult<Vec<Uuid>>;
    /// Unresolved customer conversations owned by the agent.
    fn open_owned_count(&mut self, agent: Uuid) -> StoreResult<u32>;
    /// The same conversations, oldest first.
    fn open_owned(&mut self, agent: Uuid) -> StoreResult<Vec<Uuid>>;
    /// Conversations of a queue the agent answered since `since`.
    fn answered_count(
        &mut self,
        agent: Uuid,
        queue_id: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u32>;

    // ----- per-agent views -----
    fn view(&mut self, conversation: Uuid, agent: Uuid) -> StoreResult<Option<ViewRow>>;
    fn views(&mut self, conversation: Uuid) -> StoreResult<Vec<ViewRow>>;
    fn upsert_view(&mut self, view: &ViewRow) -> StoreResult<()>;
    /// Visible conversations of an agent, newest activity first, after `after`.
    fn list_views(
        &mut self,
        agent: Uuid,
        list: ListView,
        after: Option<&ListCursor>,
        limit: u32,
    ) -> StoreResult<Vec<(ConversationRow, ViewRow)>>;

    // ----- messages -----
    /// Fails with [`StoreError::Duplicate`] on a repeated provider message id or client id.
    fn insert_message(&mut self, row: &MessageRow) -> StoreResult<()>;
    fn message(&mut self, id: Uuid) -> StoreResult<Option<MessageRow>>;
    fn message_by_client_id(
        &mut self,
        author: Uuid,
        client_id: Uuid,
    ) -> StoreResult<Option<MessageRow>>;
    fn message_by_provider_id(
        &mut self,
        channel_id: &str,
        provider_id: &str,
    ) -> StoreResult<Option<MessageRow>>;
    /// Up to `limit` messages with `seq < before` (all if `None`), returned oldest first.
    fn messages_before(
        &mut self,
        conversation: Uuid,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<MessageRow>>;
    /// Up to `limit` messages with `seq > after`, oldest first.
    fn messages_after(
        &mut self,
        conversation: Uuid,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<MessageRow>>;
    /// Up to `limit` messages of every conversation `agent` sees (the same rule as
    /// [`ViewRow::visible`]: a view that is not `former` and not deleted, archived or not),
    /// ordered by conversation id and then `seq`, starting after `after`: the bulk history of
    /// a client's first full load. Keys only grow, so paging by the last key returned sees
    /// every message once.
    fn history_after(
        &mut self,
        agent: Uuid,
        after: HistoryKey,
        limit: u32,
    ) -> StoreResult<Vec<MessageRow>>;
    /// The agents' messages after `after_seq`, counted by author: what an agent who read up
    /// to `after_seq` wrote since, for [`ViewRow::unread`].
    fn replies_after(
        &mut self,
        conversation: Uuid,
        after_seq: i64,
    ) -> StoreResult<Vec<(Uuid, u32)>>;
    /// Messages after `after_seq` not written by `agent`, counted one by one: the oracle the
    /// conformance suite checks [`ViewRow::unread`] against; the engine never counts.
    fn unread_count(&mut self, conversation: Uuid, agent: Uuid, after_seq: i64)
        -> StoreResult<u32>;

    // ----- a page of conversations at once -----
    // A list page presents up to a thousand conversations: what each needs is read for the
    // whole page in a few statements rather than a few per conversation.

    /// The messages with these ids, in no particular order; unknown ids are left out.
    fn messages_by_id(&mut self, ids: &[Uuid]) -> StoreResult<Vec<MessageRow>>;
    /// `agent`'s own messages after their view's read mark in each of these conversations, as
    /// `(conversation, count)` in no particular order, those with none left out: what
    /// [`Tx::replies_after`] says of one author, for a page of one agent's views.
    fn own_replies_after_read(
        &mut self,
        agent: Uuid,
        conversations: &[Uuid],
    ) -> StoreResult<Vec<(Uuid, u32)>>;
    /// The agents of the `participant` views of these conversations, as
    /// `(conversation, agent)` in no particular order.
    fn participants(&mut self, conversations: &[Uuid]) -> StoreResult<Vec<(Uuid, AgentRow)>>;
    /// The agents with these ids, in no particular order; unknown ids are left out (a
    /// queue's members, for an offer plan).
    fn agents_by_id(&mut self, ids: &[Uuid]) -> StoreResult<Vec<AgentRow>>;
    /// [`Tx::open_owned_count`] of each of these agents, as `(agent, count)` in no particular
    /// order; agents who own none are left out.
    fn open_owned_counts(&mut self, agents: &[Uuid]) -> StoreResult<Vec<(Uuid, u32)>>;

    // ----- events -----
    /// Append each `(agent, event)` to that agent's log, in order: the cursors given, one per
    /// event. An agent that does not exist fails the whole batch.
    fn append_events(
        &mut self,
        events: &[(Uuid, EventRow)],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>>;
    fn events_after(&mut self, agent: Uuid, cursor: i64, limit: u32) -> StoreResult<Vec<EventRow>>;
    /// `(floor, head)`: cursors at or after `floor` can be served; `head` is the newest.
    fn event_bounds(&mut self, agent: Uuid) -> StoreResult<(i64, i64)>;
    /// Drop events created before `before`; cursors older than what is left get a reset.
    fn prune_events(&mut self, before: DateTime<Utc>) -> StoreResult<u64>;

    // ----- contacts -----
    /// Fails with [`StoreError::Duplicate`] when an identity belongs to another contact.
    fn insert_contact(&mut self, row: &ContactRow) -> StoreResult<()>;
    /// Replace every field; same duplicate rule as insert.
    fn update_contact(&mut self, row: &ContactRow) -> StoreResult<()>;
    fn delete_contact(&mut self, id: Uuid) -> StoreResult<bool>;
    fn contact(&mut self, id: Uuid) -> StoreResult<Option<ContactRow>>;
    /// Contacts whose search text contains any of `terms` (all contacts if empty), by name
    /// (ASCII letters' case ignored), then id; those after `after` in that order.
    fn search_contacts(
        &mut self,
        terms: &[String],
        after: Option<&ContactCursor>,
        limit: u32,
    ) -> StoreResult<Vec<ContactRow>>;
    fn contact_by_identity(&mut self, identity: &Identity) -> StoreResult<Option<ContactRow>>;
    /// A contact listing this E.164 number among its phones (the oldest, if several do).
    fn contact_by_phone(&mut self, e164: &str) -> StoreResult<Option<ContactRow>>;
    /// Every conversation, any status, with this customer identity.
    fn conversations_with_identity(
        &mut self,
        identity: &Identity,
    ) -> StoreResult<Vec<ConversationRow>>;
    /// Every conversation linked to the contact, newest first.
    fn conversations_of_contact(&mut self, contact: Uuid) -> StoreResult<Vec<ConversationRow>>;
    fn message_count(&mut self, conversation: Uuid) -> StoreResult<u32>;
    /// A trivial query: answers when the database does (the readiness check).
    fn ping(&mut self) -> StoreResult<()>;

    // ----- templates -----
    fn templates(&mut self) -> StoreResult<Vec<TemplateRow>>;
    fn template(&mut self, id: Uuid) -> StoreResult<Option<TemplateRow>>;
    fn upsert_template(&mut self, row: &TemplateRow) -> StoreResult<()>;
    fn delete_template(&mut self, id: Uuid) -> StoreResult<bool>;

    // ----- attachments -----
    fn insert_attachment(&mut self, row: &AttachmentRow) -> StoreResult<()>;
    fn attachment(&mut self, id: Uuid) -> StoreResult<Option<AttachmentRow>>;
    /// Tie an unattached file to a message. Returns false if it already belongs to one.
    fn link_attachment(&mut self, id: Uuid, conversation: Uuid, message: Uuid)
        -> StoreResult<bool>;
    /// Files a live-chat visitor uploaded at or after `since`.
    fn visitor_uploads_since(&mut self, visitor: Uuid, since: DateTime<Utc>) -> StoreResult<u32>;
    /// Delete up to `limit` uploads never sent (no message) created before `before`, oldest
    /// first; returns the deleted rows so their files can go too.
    fn delete_unsent_attachments(
        &mut self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<AttachmentRow>>;

    // ----- delivery -----
    fn enqueue_outbound(&mut self, job: &OutboundJob) -> StoreResult<()>;
    /// Queued jobs due at `now`, oldest first, at most one per conversation (the oldest one
    /// not finished), so each conversation's replies go out in order.
    fn due_outbound(&mut self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<OutboundJob>>;
    fn update_outbound(&mut self, job: &OutboundJob) -> StoreResult<()>;
    /// The outbound job of a reply, whatever its state.
    fn outbound_job(&mut self, message: Uuid) -> StoreResult<Option<OutboundJob>>;
    fn outbound_in_state(&mut self, state: OutboundState) -> StoreResult<Vec<OutboundJob>>;
    /// Set a message's delivery status (and the provider's id for it, once known).
    fn set_message_delivery(
        &mut self,
        id: Uuid,
        status: MessageStatus,
        error: Option<&str>,
        provider_message_id: Option<&str>,
    ) -> StoreResult<()>;
    // ----- live chat -----
    fn upsert_visitor(&mut self, visitor: &VisitorRow) -> StoreResult<()>;
    fn visitor_by_token(
        &mut self,
        channel_id: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<VisitorRow>>;
    fn visitor(&mut self, id: Uuid) -> StoreResult<Option<VisitorRow>>;
    /// The customer's newest conversation on the channel, whatever its status.
    fn latest_conversation_for(
        &mut self,
        channel_id: &str,
        identity_value: &str,
    ) -> StoreResult<Option<ConversationRow>>;
    fn insert_block(&mut self, block: &BlockRow) -> StoreResult<()>;
    /// The block in force for this address at `now`, if any.
    fn active_block(&mut self, ip: &str, now: DateTime<Utc>) -> StoreResult<Option<BlockRow>>;
    /// Blocks in force at `now`, newest first.
    fn blocks(&mut self, now: DateTime<Utc>) -> StoreResult<Vec<BlockRow>>;
    fn delete_block(&mut self, id: Uuid) -> StoreResult<bool>;

    /// Replies of a conversation written at or before `until`, for watermark receipts.
    fn outbound_messages_until(
        &mut self,
        conversation: Uuid,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<MessageRow>>;

    // ----- other nodes -----
    /// Tell the other server nodes sharing the database, once this transaction commits (and
    /// only then), what it changed. A store nobody else uses has nobody to tell.
    fn announce(&mut self, announcement: &Announcement) -> StoreResult<()> {
        let _ = announcement;
        Ok(())
    }
}
