//! The embedded SQLite backend: one writer connection (SQLite has one writer at a time anyway,
//! and serialising in-process avoids `SQLITE_BUSY` upgrades), and a few reader connections
//! that WAL lets run beside it.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rusqlite::types::Type;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use switchboard_domain::routing::Strategy;
use switchboard_protocol::{
    AttachmentRef, ChannelKind, ConversationStatus, Direction, Identity, MessageStatus, Presence,
    Role,
};
use uuid::Uuid;

use super::{
    AgentRow, AttachmentRow, BlockRow, ChannelRow, ContactCursor, ContactRow, ConversationRow,
    EventRow, JobFailed, ListCursor, ListView, MessageRow, Mode, OutboundJob, OutboundState,
    QueueRow, Relation, Route, SessionRow, Store, StoreError, StoreResult, TemplateRow, Tx,
    ViewRow, VisitorRow,
};

/// Schema migrations, applied in order; each names the tables it creates. Never edit one that
/// shipped: add a new one.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "agents and sessions",
        "CREATE TABLE agents (
            id TEXT PRIMARY KEY,
            extension TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            email TEXT UNIQUE,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            presence TEXT NOT NULL,
            last_assigned_at TEXT,
            event_seq INTEGER NOT NULL DEFAULT 0,
            event_floor INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            agent_id TEXT NOT NULL REFERENCES agents(id),
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            revoked_at TEXT
        );
        CREATE INDEX sessions_by_agent ON sessions(agent_id);",
    ),
    (
        "queues and channels",
        "CREATE TABLE queues (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            strategy TEXT NOT NULL,
            offer_timeout_s INTEGER NOT NULL,
            max_chats_per_agent INTEGER NOT NULL,
            last_round_robin TEXT
        );
        CREATE TABLE queue_members (
            queue_id TEXT NOT NULL REFERENCES queues(id),
            agent_id TEXT NOT NULL REFERENCES agents(id),
            position INTEGER NOT NULL,
            PRIMARY KEY (queue_id, agent_id)
        );
        CREATE INDEX queue_members_by_agent ON queue_members(agent_id);
        CREATE TABLE channels (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            route_queue TEXT,
            route_extension TEXT
        );",
    ),
    (
        "conversations and views",
        "CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            channel_kind TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            status TEXT NOT NULL,
            queue_id TEXT,
            owner_id TEXT REFERENCES agents(id),
            identity_kind TEXT,
            identity_value TEXT,
            display_name TEXT NOT NULL,
            contact_id TEXT,
            title TEXT,
            offer_round INTEGER NOT NULL DEFAULT 0,
            offer_expires_at TEXT,
            last_seq INTEGER NOT NULL DEFAULT 0,
            last_message_id TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            answered_at TEXT,
            resolved_at TEXT
        );
        CREATE INDEX conversations_open_by_identity
            ON conversations(channel_id, identity_value) WHERE status <> 'resolved';
        CREATE INDEX conversations_offer_expiry
            ON conversations(offer_expires_at) WHERE offer_expires_at IS NOT NULL;
        CREATE INDEX conversations_queued ON conversations(queue_id, status);
        CREATE INDEX conversations_by_owner ON conversations(owner_id, status);
        CREATE TABLE conversation_views (
            conversation_id TEXT NOT NULL REFERENCES conversations(id),
            agent_id TEXT NOT NULL REFERENCES agents(id),
            relation TEXT NOT NULL,
            archived INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            last_read_seq INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (conversation_id, agent_id)
        );
        CREATE INDEX views_by_agent ON conversation_views(agent_id, archived, updated_at);",
    ),
    (
        "messages",
        "CREATE TABLE messages (
            id TEXT PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations(id),
            channel_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            client_id TEXT,
            provider_message_id TEXT,
            direction TEXT NOT NULL,
            author_agent_id TEXT REFERENCES agents(id),
            author_name TEXT NOT NULL,
            body TEXT NOT NULL,
            attachments TEXT NOT NULL,
            status TEXT NOT NULL,
            error TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (conversation_id, seq)
        );
        CREATE UNIQUE INDEX messages_by_client_id
            ON messages(author_agent_id, client_id) WHERE client_id IS NOT NULL;
        CREATE UNIQUE INDEX messages_by_provider_id
            ON messages(channel_id, provider_message_id) WHERE provider_message_id IS NOT NULL;",
    ),
    (
        "events",
        "CREATE TABLE events (
            agent_id TEXT NOT NULL REFERENCES agents(id),
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL,
            object_id TEXT,
            data TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (agent_id, seq)
        );
        CREATE INDEX events_by_time ON events(created_at);",
    ),
    (
        "contacts",
        "CREATE TABLE contacts (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            emails TEXT NOT NULL,
            phones TEXT NOT NULL,
            search_text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE contact_identities (
            contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (kind, value)
        );
        CREATE INDEX contact_identities_by_contact ON contact_identities(contact_id);
        CREATE TABLE contact_phones (
            contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            e164 TEXT NOT NULL,
            PRIMARY KEY (contact_id, e164)
        );
        CREATE INDEX contact_phones_by_number ON contact_phones(e164);
        CREATE INDEX conversations_by_contact ON conversations(contact_id, created_at);
        CREATE INDEX conversations_by_identity ON conversations(identity_kind, identity_value);",
    ),
    (
        "templates",
        "CREATE TABLE templates (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            body TEXT NOT NULL,
            category TEXT NOT NULL,
            language TEXT NOT NULL,
            updated_by TEXT REFERENCES agents(id),
            updated_at TEXT NOT NULL
        );",
    ),
    (
        "attachments",
        "CREATE TABLE attachments (
            id TEXT PRIMARY KEY,
            uploader_id TEXT REFERENCES agents(id),
            filename TEXT NOT NULL,
            mime TEXT NOT NULL,
            size INTEGER NOT NULL,
            has_thumbnail INTEGER NOT NULL,
            conversation_id TEXT REFERENCES conversations(id),
            message_id TEXT REFERENCES messages(id),
            created_at TEXT NOT NULL
        );
        CREATE INDEX attachments_by_conversation ON attachments(conversation_id);",
    ),
    (
        "outbound queue",
        "ALTER TABLE conversations ADD COLUMN last_inbound_at TEXT;
        CREATE TABLE outbound_jobs (
            message_id TEXT PRIMARY KEY REFERENCES messages(id),
            conversation_id TEXT NOT NULL REFERENCES conversations(id),
            channel_id TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX outbound_due ON outbound_jobs(state, next_attempt_at);
        CREATE INDEX outbound_by_conversation ON outbound_jobs(conversation_id, state, created_at);",
    ),
    (
        "live chat visitors and blocks",
        "CREATE TABLE visitors (
            id TEXT PRIMARY KEY,
            channel_id TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            token_expires_at TEXT NOT NULL,
            name TEXT,
            email TEXT,
            ip TEXT NOT NULL,
            user_agent TEXT NOT NULL,
            language TEXT,
            created_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL
        );
        CREATE TABLE blocks (
            id TEXT PRIMARY KEY,
            ip TEXT NOT NULL,
            reason TEXT,
            blocked_by TEXT NOT NULL REFERENCES agents(id),
            conversation_id TEXT REFERENCES conversations(id),
            created_at TEXT NOT NULL,
            expires_at TEXT
        );
        CREATE INDEX blocks_by_ip ON blocks(ip);
        ALTER TABLE attachments ADD COLUMN visitor_id TEXT;",
    ),
    (
        "request counts",
        // Only nodes sharing PostgreSQL count requests in the database; a node alone counts in
        // memory. The table is here too so a schema version means the same tables everywhere.
        "CREATE TABLE request_counts (
            key TEXT PRIMARY KEY,
            minute INTEGER NOT NULL,
            hits INTEGER NOT NULL,
            previous_hits INTEGER NOT NULL
        );",
    ),
];

const READERS: usize = 4;

/// SQLite storage in one database file.
#[derive(Debug)]
pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

impl SqliteStore {
    /// Open (creating if needed) and migrate the database at `path`.
    pub fn open(path: &Path) -> StoreResult<Self> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Database(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let mut writer = connect(path)?;
        migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| connect(path).map(Mutex::new))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }
}

fn connect(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path)
        .map_err(|e| StoreError::Database(format!("cannot open {}: {e}", path.display())))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA busy_timeout = 5000;
         PRAGMA foreign_keys = ON;",
    )
    .map_err(db)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(db)?;
    let supported = MIGRATIONS.len() as i64;
    if version > supported {
        return Err(StoreError::TooNew {
            found: version,
            supported,
        });
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction().map_err(db)?;
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Database(format!("migration {} ({name}): {e}", index + 1)))?;
        tx.pragma_update(None, "user_version", index as i64 + 1)
            .map_err(db)?;
        tx.commit().map_err(db)?;
    }
    Ok(())
}

fn db(err: rusqlite::Error) -> StoreError {
    StoreError::Database(err.to_string())
}

/// Map a unique-constraint violation to [`StoreError::Duplicate`].
fn insert_err(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |err| match &err {
        rusqlite::Error::SqliteFailure(code, _)
            if code.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Duplicate { what }
        }
        _ => db(err),
    }
}

impl Store for SqliteStore {
    fn run(
        &self,
        mode: Mode,
        job: &mut dyn FnMut(&mut dyn Tx) -> Result<(), JobFailed>,
    ) -> StoreResult<()> {
        let lock = match mode {
            Mode::Write => &self.writer,
            Mode::Read => {
                let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
                &self.readers[i]
            }
        };
        let mut conn = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let behavior = match mode {
            Mode::Write => TransactionBehavior::Immediate,
            Mode::Read => TransactionBehavior::Deferred,
        };
        let tx = conn.transaction_with_behavior(behavior).map_err(db)?;
        let mut handle = SqliteTx { conn: &tx };
        match job(&mut handle) {
            Ok(()) => tx.commit().map_err(db),
            // Dropping the transaction rolls it back.
            Err(JobFailed::Abort) => Ok(()),
            Err(JobFailed::Store(err)) => Err(err),
        }
    }
}

struct SqliteTx<'c> {
    conn: &'c Connection,
}

// ----- value conversions -----

fn ts(at: DateTime<Utc>) -> String {
    // Fixed width, so text order is time order.
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn conversion_error(idx: usize, detail: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, detail.into())
}

fn get_time(row: &Row, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = row.get(idx)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| conversion_error(idx, format!("bad time {text:?}: {e}")))
}

fn get_opt_time(row: &Row, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get::<_, Option<String>>(idx)? {
        None => Ok(None),
        Some(_) => get_time(row, idx).map(Some),
    }
}

fn get_uuid(row: &Row, idx: usize) -> rusqlite::Result<Uuid> {
    let text: String = row.get(idx)?;
    Uuid::parse_str(&text).map_err(|e| conversion_error(idx, format!("bad id {text:?}: {e}")))
}

fn get_opt_uuid(row: &Row, idx: usize) -> rusqlite::Result<Option<Uuid>> {
    match row.get::<_, Option<String>>(idx)? {
        None => Ok(None),
        Some(_) => get_uuid(row, idx).map(Some),
    }
}

fn get_enum<T>(row: &Row, idx: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    parse(&text).ok_or_else(|| conversion_error(idx, format!("unknown value {text:?}")))
}

fn opt_ts(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(ts)
}

fn opt_id(id: Option<Uuid>) -> Option<String> {
    id.map(|id| id.to_string())
}

const AGENT_COLUMNS: &str =
    "id, extension, name, email, role, password_hash, presence, last_assigned_at";

fn agent_from_row(row: &Row) -> rusqlite::Result<AgentRow> {
    Ok(AgentRow {
        id: get_uuid(row, 0)?,
        extension: row.get(1)?,
        name: row.get(2)?,
        email: row.get(3)?,
        role: get_enum(row, 4, Role::parse)?,
        password_hash: row.get(5)?,
        presence: get_enum(row, 6, Presence::parse)?,
        last_assigned_at: get_opt_time(row, 7)?,
    })
}

const CONVERSATION_COLUMNS: &str = "c.id, c.channel_kind, c.channel_id, c.status, c.queue_id, \
    c.owner_id, c.identity_kind, c.identity_value, c.display_name, c.contact_id, c.title, \
    c.offer_round, c.offer_expires_at, c.last_seq, c.last_message_id, c.created_at, \
    c.updated_at, c.answered_at, c.resolved_at, c.last_inbound_at";

fn conversation_from_row(row: &Row) -> rusqlite::Result<ConversationRow> {
    let identity = match row.get::<_, Option<String>>(6)? {
        None => None,
        Some(_) => Some(Identity {
            kind: get_enum(row, 6, ChannelKind::parse)?,
            value: row.get(7)?,
        }),
    };
    Ok(ConversationRow {
        id: get_uuid(row, 0)?,
        channel: get_enum(row, 1, ChannelKind::parse)?,
        channel_id: row.get(2)?,
        status: get_enum(row, 3, ConversationStatus::parse)?,
        queue_id: row.get(4)?,
        owner_id: get_opt_uuid(row, 5)?,
        identity,
        display_name: row.get(8)?,
        contact_id: get_opt_uuid(row, 9)?,
        title: row.get(10)?,
        offer_round: row.get(11)?,
        offer_expires_at: get_opt_time(row, 12)?,
        last_seq: row.get(13)?,
        last_message_id: get_opt_uuid(row, 14)?,
        created_at: get_time(row, 15)?,
        updated_at: get_time(row, 16)?,
        answered_at: get_opt_time(row, 17)?,
        resolved_at: get_opt_time(row, 18)?,
        last_inbound_at: get_opt_time(row, 19)?,
    })
}

const VIEW_COLUMNS: &str = "v.conversation_id, v.agent_id, v.relation, v.archived, v.deleted, \
    v.last_read_seq, v.updated_at";

fn view_from_row(row: &Row, offset: usize) -> rusqlite::Result<ViewRow> {
    Ok(ViewRow {
        conversation_id: get_uuid(row, offset)?,
        agent_id: get_uuid(row, offset + 1)?,
        relation: get_enum(row, offset + 2, Relation::parse)?,
        archived: row.get(offset + 3)?,
        deleted: row.get(offset + 4)?,
        last_read_seq: row.get(offset + 5)?,
        updated_at: get_time(row, offset + 6)?,
    })
}

const MESSAGE_COLUMNS: &str = "id, conversation_id, channel_id, seq, client_id, \
    provider_message_id, direction, author_agent_id, author_name, body, attachments, status, \
    error, created_at";

fn message_from_row(row: &Row) -> rusqlite::Result<MessageRow> {
    let attachments: String = row.get(10)?;
    let attachments: Vec<AttachmentRef> = serde_json::from_str(&attachments)
        .map_err(|e| conversion_error(10, format!("bad attachments: {e}")))?;
    Ok(MessageRow {
        id: get_uuid(row, 0)?,
        conversation_id: get_uuid(row, 1)?,
        channel_id: row.get(2)?,
        seq: row.get(3)?,
        client_id: get_opt_uuid(row, 4)?,
        provider_message_id: row.get(5)?,
        direction: get_enum(row, 6, Direction::parse)?,
        author_agent_id: get_opt_uuid(row, 7)?,
        author_name: row.get(8)?,
        body: row.get(9)?,
        attachments,
        status: get_enum(row, 11, MessageStatus::parse)?,
        error: row.get(12)?,
        created_at: get_time(row, 13)?,
    })
}

fn queue_from_row(row: &Row) -> rusqlite::Result<QueueRow> {
    Ok(QueueRow {
        id: row.get(0)?,
        name: row.get(1)?,
        strategy: get_enum(row, 2, Strategy::parse)?,
        offer_timeout_s: row.get(3)?,
        max_chats_per_agent: row.get(4)?,
        last_round_robin: get_opt_uuid(row, 5)?,
        members: Vec::new(),
    })
}

const CONTACT_COLUMNS: &str = "id, name, emails, phones, search_text, created_at, updated_at";

fn json_list(row: &Row, idx: usize) -> rusqlite::Result<Vec<String>> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text).map_err(|e| conversion_error(idx, format!("bad list: {e}")))
}

fn contact_from_row(row: &Row) -> rusqlite::Result<ContactRow> {
    Ok(ContactRow {
        id: get_uuid(row, 0)?,
        name: row.get(1)?,
        emails: json_list(row, 2)?,
        phones: json_list(row, 3)?,
        identities: Vec::new(),
        search_text: row.get(4)?,
        created_at: get_time(row, 5)?,
        updated_at: get_time(row, 6)?,
    })
}

const TEMPLATE_COLUMNS: &str = "id, name, body, category, language, updated_by, updated_at";

fn template_from_row(row: &Row) -> rusqlite::Result<TemplateRow> {
    Ok(TemplateRow {
        id: get_uuid(row, 0)?,
        name: row.get(1)?,
        body: row.get(2)?,
        category: row.get(3)?,
        language: row.get(4)?,
        updated_by: get_opt_uuid(row, 5)?,
        updated_at: get_time(row, 6)?,
    })
}

const ATTACHMENT_COLUMNS: &str = "id, uploader_id, filename, mime, size, has_thumbnail, \
    conversation_id, message_id, created_at, visitor_id";

fn attachment_from_row(row: &Row) -> rusqlite::Result<AttachmentRow> {
    Ok(AttachmentRow {
        id: get_uuid(row, 0)?,
        uploader_id: get_opt_uuid(row, 1)?,
        filename: row.get(2)?,
        mime: row.get(3)?,
        size: row.get::<_, i64>(4)?.max(0) as u64,
        has_thumbnail: row.get(5)?,
        conversation_id: get_opt_uuid(row, 6)?,
        message_id: get_opt_uuid(row, 7)?,
        created_at: get_time(row, 8)?,
        visitor_id: get_opt_uuid(row, 9)?,
    })
}

const OUTBOUND_COLUMNS: &str = "message_id, conversation_id, channel_id, state, attempts, \
    next_attempt_at, last_error, created_at";

fn outbound_from_row(row: &Row) -> rusqlite::Result<OutboundJob> {
    Ok(OutboundJob {
        message_id: get_uuid(row, 0)?,
        conversation_id: get_uuid(row, 1)?,
        channel_id: row.get(2)?,
        state: get_enum(row, 3, OutboundState::parse)?,
        attempts: row.get(4)?,
        next_attempt_at: get_time(row, 5)?,
        last_error: row.get(6)?,
        created_at: get_time(row, 7)?,
    })
}

const VISITOR_COLUMNS: &str = "id, channel_id, token_hash, token_expires_at, name, email, ip, \
    user_agent, language, created_at, last_seen_at";

fn visitor_from_row(row: &Row) -> rusqlite::Result<VisitorRow> {
    Ok(VisitorRow {
        id: get_uuid(row, 0)?,
        channel_id: row.get(1)?,
        token_hash: row.get(2)?,
        token_expires_at: get_time(row, 3)?,
        name: row.get(4)?,
        email: row.get(5)?,
        ip: row.get(6)?,
        user_agent: row.get(7)?,
        language: row.get(8)?,
        created_at: get_time(row, 9)?,
        last_seen_at: get_time(row, 10)?,
    })
}

const BLOCK_COLUMNS: &str = "id, ip, reason, blocked_by, conversation_id, created_at, expires_at";

fn block_from_row(row: &Row) -> rusqlite::Result<BlockRow> {
    Ok(BlockRow {
        id: get_uuid(row, 0)?,
        ip: row.get(1)?,
        reason: row.get(2)?,
        blocked_by: get_uuid(row, 3)?,
        conversation_id: get_opt_uuid(row, 4)?,
        created_at: get_time(row, 5)?,
        expires_at: get_opt_time(row, 6)?,
    })
}

impl SqliteTx<'_> {
    fn queue_members(&self, queue_id: &str) -> StoreResult<Vec<Uuid>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT agent_id FROM queue_members WHERE queue_id = ?1 ORDER BY position",
            )
            .map_err(db)?;
        let rows = stmt.query_map([queue_id], |r| get_uuid(r, 0)).map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn one_agent(&self, sql_where: &str, param: &str) -> StoreResult<Option<AgentRow>> {
        let sql = format!("SELECT {AGENT_COLUMNS} FROM agents WHERE {sql_where}");
        self.conn
            .prepare_cached(&sql)
            .map_err(db)?
            .query_row([param], agent_from_row)
            .optional()
            .map_err(db)
    }

    fn with_identities(&self, contact: Option<ContactRow>) -> StoreResult<Option<ContactRow>> {
        let Some(mut contact) = contact else {
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT kind, value FROM contact_identities WHERE contact_id = ?1 ORDER BY position",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([contact.id.to_string()], |r| {
                Ok(Identity {
                    kind: get_enum(r, 0, ChannelKind::parse)?,
                    value: r.get(1)?,
                })
            })
            .map_err(db)?;
        contact.identities = rows.collect::<rusqlite::Result<_>>().map_err(db)?;
        Ok(Some(contact))
    }

    fn contacts_where(&self, sql_where: &str, param: &str) -> StoreResult<Vec<ContactRow>> {
        let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE {sql_where}");
        let found: Vec<ContactRow> = {
            let mut stmt = self.conn.prepare_cached(&sql).map_err(db)?;
            let rows = stmt.query_map([param], contact_from_row).map_err(db)?;
            rows.collect::<rusqlite::Result<_>>().map_err(db)?
        };
        let mut out = Vec::with_capacity(found.len());
        for contact in found {
            out.extend(self.with_identities(Some(contact))?);
        }
        Ok(out)
    }

    /// Write a contact's identities and phones (after its row).
    fn write_contact_children(&self, row: &ContactRow) -> StoreResult<()> {
        let id = row.id.to_string();
        self.conn
            .execute(
                "DELETE FROM contact_identities WHERE contact_id = ?1",
                [&id],
            )
            .map_err(db)?;
        self.conn
            .execute("DELETE FROM contact_phones WHERE contact_id = ?1", [&id])
            .map_err(db)?;
        for (position, identity) in row.identities.iter().enumerate() {
            self.conn
                .prepare_cached(
                    "INSERT INTO contact_identities (contact_id, kind, value, position)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(db)?
                .execute(params![
                    id,
                    identity.kind.as_str(),
                    identity.value,
                    position as i64
                ])
                .map_err(insert_err("contact identity"))?;
        }
        for phone in &row.phones {
            self.conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO contact_phones (contact_id, e164) VALUES (?1, ?2)",
                )
                .map_err(db)?
                .execute(params![id, phone])
                .map_err(db)?;
        }
        Ok(())
    }

    fn conversations_where(
        &self,
        sql_where: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> StoreResult<Vec<ConversationRow>> {
        let sql = format!("SELECT {CONVERSATION_COLUMNS} FROM conversations c WHERE {sql_where}");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(db)?;
        let rows = stmt.query_map(params, conversation_from_row).map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn with_members(&self, queue: Option<QueueRow>) -> StoreResult<Option<QueueRow>> {
        match queue {
            None => Ok(None),
            Some(mut queue) => {
                queue.members = self.queue_members(&queue.id)?;
                Ok(Some(queue))
            }
        }
    }
}

impl Tx for SqliteTx<'_> {
    fn upsert_agent(&mut self, agent: &AgentRow) -> StoreResult<AgentRow> {
        self.conn
            .prepare_cached(
                "INSERT INTO agents (id, extension, name, email, role, password_hash, presence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (extension) DO UPDATE SET
                    name = excluded.name, email = excluded.email, role = excluded.role,
                    password_hash = excluded.password_hash",
            )
            .map_err(db)?
            .execute(params![
                agent.id.to_string(),
                agent.extension,
                agent.name,
                agent.email,
                agent.role.as_str(),
                agent.password_hash,
                agent.presence.as_str(),
            ])
            .map_err(insert_err("agent e-mail"))?;
        self.agent_by_extension(&agent.extension)?
            .ok_or_else(|| StoreError::Database("agent vanished after upsert".into()))
    }

    fn agent(&mut self, id: Uuid) -> StoreResult<Option<AgentRow>> {
        self.one_agent("id = ?1", &id.to_string())
    }

    fn agent_by_extension(&mut self, extension: &str) -> StoreResult<Option<AgentRow>> {
        self.one_agent("extension = ?1", extension)
    }

    fn agent_by_login(&mut self, login: &str) -> StoreResult<Option<AgentRow>> {
        match self.agent_by_extension(login)? {
            Some(agent) => Ok(Some(agent)),
            None => self.one_agent("email = ?1", &login.to_lowercase()),
        }
    }

    fn agents(&mut self) -> StoreResult<Vec<AgentRow>> {
        let sql = format!("SELECT {AGENT_COLUMNS} FROM agents ORDER BY extension");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(db)?;
        let rows = stmt.query_map([], agent_from_row).map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn set_presence(&mut self, id: Uuid, presence: Presence) -> StoreResult<()> {
        self.conn
            .prepare_cached("UPDATE agents SET presence = ?2 WHERE id = ?1")
            .map_err(db)?
            .execute(params![id.to_string(), presence.as_str()])
            .map_err(db)?;
        Ok(())
    }

    fn set_last_assigned(&mut self, id: Uuid, at: DateTime<Utc>) -> StoreResult<()> {
        self.conn
            .prepare_cached("UPDATE agents SET last_assigned_at = ?2 WHERE id = ?1")
            .map_err(db)?
            .execute(params![id.to_string(), ts(at)])
            .map_err(db)?;
        Ok(())
    }

    fn insert_session(&mut self, session: &SessionRow) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO sessions (token_hash, agent_id, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(db)?
            .execute(params![
                session.token_hash,
                session.agent_id.to_string(),
                ts(session.created_at),
                ts(session.expires_at),
            ])
            .map_err(insert_err("session"))?;
        Ok(())
    }

    fn session_agent(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AgentRow>> {
        let sql = format!(
            "SELECT {} FROM sessions s JOIN agents a ON a.id = s.agent_id
             WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2",
            AGENT_COLUMNS
                .split(", ")
                .map(|c| format!("a.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.conn
            .prepare_cached(&sql)
            .map_err(db)?
            .query_row(params![token_hash, ts(now)], agent_from_row)
            .optional()
            .map_err(db)
    }

    fn revoke_session(&mut self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
            )
            .map_err(db)?
            .execute(params![token_hash, ts(now)])
            .map_err(db)?;
        Ok(changed > 0)
    }

    fn logged_in_agents(&mut self, now: DateTime<Utc>) -> StoreResult<Vec<Uuid>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT agent_id FROM sessions WHERE revoked_at IS NULL AND expires_at > ?1",
            )
            .map_err(db)?;
        let rows = stmt.query_map([ts(now)], |r| get_uuid(r, 0)).map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn upsert_queue(&mut self, queue: &QueueRow) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO queues (id, name, strategy, offer_timeout_s, max_chats_per_agent)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                    strategy = excluded.strategy, offer_timeout_s = excluded.offer_timeout_s,
                    max_chats_per_agent = excluded.max_chats_per_agent",
            )
            .map_err(db)?
            .execute(params![
                queue.id,
                queue.name,
                queue.strategy.as_str(),
                queue.offer_timeout_s,
                queue.max_chats_per_agent,
            ])
            .map_err(db)?;
        self.conn
            .execute("DELETE FROM queue_members WHERE queue_id = ?1", [&queue.id])
            .map_err(db)?;
        for (position, agent) in queue.members.iter().enumerate() {
            self.conn
                .prepare_cached(
                    "INSERT INTO queue_members (queue_id, agent_id, position) VALUES (?1, ?2, ?3)",
                )
                .map_err(db)?
                .execute(params![queue.id, agent.to_string(), position as i64])
                .map_err(insert_err("queue member"))?;
        }
        Ok(())
    }

    fn queue(&mut self, id: &str) -> StoreResult<Option<QueueRow>> {
        let queue = self
            .conn
            .prepare_cached(
                "SELECT id, name, strategy, offer_timeout_s, max_chats_per_agent, last_round_robin
                 FROM queues WHERE id = ?1",
            )
            .map_err(db)?
            .query_row([id], queue_from_row)
            .optional()
            .map_err(db)?;
        self.with_members(queue)
    }

    fn queues_of_agent(&mut self, agent: Uuid) -> StoreResult<Vec<QueueRow>> {
        let ids: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT queue_id FROM queue_members WHERE agent_id = ?1 ORDER BY queue_id",
                )
                .map_err(db)?;
            let rows = stmt
                .query_map([agent.to_string()], |r| r.get(0))
                .map_err(db)?;
            rows.collect::<rusqlite::Result<_>>().map_err(db)?
        };
        let mut queues = Vec::with_capacity(ids.len());
        for id in ids {
            queues.extend(self.queue(&id)?);
        }
        Ok(queues)
    }

    fn set_last_round_robin(&mut self, queue: &str, agent: Uuid) -> StoreResult<()> {
        self.conn
            .prepare_cached("UPDATE queues SET last_round_robin = ?2 WHERE id = ?1")
            .map_err(db)?
            .execute(params![queue, agent.to_string()])
            .map_err(db)?;
        Ok(())
    }

    fn upsert_channel(&mut self, channel: &ChannelRow) -> StoreResult<()> {
        let (queue, extension) = match &channel.route {
            Route::Queue(q) => (Some(q.as_str()), None),
            Route::Extension(e) => (None, Some(e.as_str())),
        };
        self.conn
            .prepare_cached(
                "INSERT INTO channels (id, kind, route_queue, route_extension) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind,
                    route_queue = excluded.route_queue, route_extension = excluded.route_extension",
            )
            .map_err(db)?
            .execute(params![channel.id, channel.kind.as_str(), queue, extension])
            .map_err(db)?;
        Ok(())
    }

    fn channel(&mut self, id: &str) -> StoreResult<Option<ChannelRow>> {
        self.conn
            .prepare_cached(
                "SELECT id, kind, route_queue, route_extension FROM channels WHERE id = ?1",
            )
            .map_err(db)?
            .query_row([id], |row| {
                let route = match (
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, Option<String>>(3)?,
                ) {
                    (Some(queue), _) => Route::Queue(queue),
                    (None, Some(extension)) => Route::Extension(extension),
                    (None, None) => {
                        return Err(conversion_error(2, "channel without route".into()))
                    }
                };
                Ok(ChannelRow {
                    id: row.get(0)?,
                    kind: get_enum(row, 1, ChannelKind::parse)?,
                    route,
                })
            })
            .optional()
            .map_err(db)
    }

    fn conversation(&mut self, id: Uuid) -> StoreResult<Option<ConversationRow>> {
        let sql = format!("SELECT {CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ?1");
        self.conn
            .prepare_cached(&sql)
            .map_err(db)?
            .query_row([id.to_string()], conversation_from_row)
            .optional()
            .map_err(db)
    }

    fn conversation_for_update(&mut self, id: Uuid) -> StoreResult<Option<ConversationRow>> {
        // The writer connection holds SQLite's only write lock for the whole transaction.
        self.conversation(id)
    }

    fn open_conversation_for(
        &mut self,
        channel_id: &str,
        identity_value: &str,
    ) -> StoreResult<Option<ConversationRow>> {
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations c
             WHERE c.channel_id = ?1 AND c.identity_value = ?2 AND c.status <> 'resolved'
             ORDER BY c.created_at DESC LIMIT 1"
        );
        self.conn
            .prepare_cached(&sql)
            .map_err(db)?
            .query_row([channel_id, identity_value], conversation_from_row)
            .optional()
            .map_err(db)
    }

    fn insert_conversation(&mut self, row: &ConversationRow) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO conversations (id, channel_kind, channel_id, status, created_at, updated_at, display_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(db)?
            .execute(params![
                row.id.to_string(),
                row.channel.as_str(),
                row.channel_id,
                row.status.as_str(),
                ts(row.created_at),
                ts(row.updated_at),
                row.display_name,
            ])
            .map_err(insert_err("conversation"))?;
        self.update_conversation(row)
    }

    fn update_conversation(&mut self, row: &ConversationRow) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "UPDATE conversations SET channel_kind = ?2, channel_id = ?3, status = ?4,
                    queue_id = ?5, owner_id = ?6, identity_kind = ?7, identity_value = ?8,
                    display_name = ?9, contact_id = ?10, title = ?11, offer_round = ?12,
                    offer_expires_at = ?13, last_seq = ?14, last_message_id = ?15,
                    created_at = ?16, updated_at = ?17, answered_at = ?18, resolved_at = ?19,
                    last_inbound_at = ?20
                 WHERE id = ?1",
            )
            .map_err(db)?
            .execute(params![
                row.id.to_string(),
                row.channel.as_str(),
                row.channel_id,
                row.status.as_str(),
                row.queue_id,
                opt_id(row.owner_id),
                row.identity.as_ref().map(|i| i.kind.as_str()),
                row.identity.as_ref().map(|i| i.value.as_str()),
                row.display_name,
                opt_id(row.contact_id),
                row.title,
                row.offer_round,
                opt_ts(row.offer_expires_at),
                row.last_seq,
                opt_id(row.last_message_id),
                ts(row.created_at),
                ts(row.updated_at),
                opt_ts(row.answered_at),
                opt_ts(row.resolved_at),
                opt_ts(row.last_inbound_at),
            ])
            .map_err(db)?;
        Ok(())
    }

    fn claim_conversation(
        &mut self,
        id: Uuid,
        agent: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE conversations SET owner_id = ?2, status = 'open', offer_expires_at = NULL,
                    answered_at = ?3, updated_at = ?3
                 WHERE id = ?1 AND owner_id IS NULL AND status = 'queued'",
            )
            .map_err(db)?
            .execute(params![id.to_string(), agent.to_string(), ts(now)])
            .map_err(db)?;
        Ok(changed == 1)
    }

    fn expired_offers(&mut self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Uuid>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id FROM conversations
                 WHERE offer_expires_at IS NOT NULL AND offer_expires_at <= ?1 AND status = 'queued'
                 ORDER BY offer_expires_at LIMIT ?2",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![ts(now), limit], |r| get_uuid(r, 0))
            .map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn queued_in(&mut self, queue_id: &str) -> StoreResult<Vec<Uuid>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id FROM conversations WHERE queue_id = ?1 AND status = 'queued'
                 ORDER BY created_at",
            )
            .map_err(db)?;
        let rows = stmt.query_map([queue_id], |r| get_uuid(r, 0)).map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn open_owned_count(&mut self, agent: Uuid) -> StoreResult<u32> {
        self.conn
            .prepare_cached(
                "SELECT COUNT(*) FROM conversations
                 WHERE owner_id = ?1 AND status = 'open' AND channel_kind <> 'internal'",
            )
            .map_err(db)?
            .query_row([agent.to_string()], |r| r.get(0))
            .map_err(db)
    }

    fn answered_count(
        &mut self,
        agent: Uuid,
        queue_id: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u32> {
        self.conn
            .prepare_cached(
                "SELECT COUNT(*) FROM conversations
                 WHERE owner_id = ?1 AND queue_id = ?2 AND answered_at >= ?3",
            )
            .map_err(db)?
            .query_row(params![agent.to_string(), queue_id, ts(since)], |r| {
                r.get(0)
            })
            .map_err(db)
    }

    fn view(&mut self, conversation: Uuid, agent: Uuid) -> StoreResult<Option<ViewRow>> {
        let sql = format!(
            "SELECT {VIEW_COLUMNS} FROM conversation_views v
             WHERE v.conversation_id = ?1 AND v.agent_id = ?2"
        );
        self.conn
            .prepare_cached(&sql)
            .map_err(db)?
            .query_row([conversation.to_string(), agent.to_string()], |r| {
                view_from_row(r, 0)
            })
            .optional()
            .map_err(db)
    }

    fn views(&mut self, conversation: Uuid) -> StoreResult<Vec<ViewRow>> {
        let sql = format!(
            "SELECT {VIEW_COLUMNS} FROM conversation_views v WHERE v.conversation_id = ?1
             ORDER BY v.agent_id"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(db)?;
        let rows = stmt
            .query_map([conversation.to_string()], |r| view_from_row(r, 0))
            .map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn upsert_view(&mut self, view: &ViewRow) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO conversation_views
                    (conversation_id, agent_id, relation, archived, deleted, last_read_seq, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (conversation_id, agent_id) DO UPDATE SET
                    relation = excluded.relation, archived = excluded.archived,
                    deleted = excluded.deleted, last_read_seq = excluded.last_read_seq,
                    updated_at = excluded.updated_at",
            )
            .map_err(db)?
            .execute(params![
                view.conversation_id.to_string(),
                view.agent_id.to_string(),
                view.relation.as_str(),
                view.archived,
                view.deleted,
                view.last_read_seq,
                ts(view.updated_at),
            ])
            .map_err(db)?;
        Ok(())
    }

    fn list_views(
        &mut self,
        agent: Uuid,
        list: ListView,
        after: Option<&ListCursor>,
        limit: u32,
    ) -> StoreResult<Vec<(ConversationRow, ViewRow)>> {
        let archived = list == ListView::Archived;
        let (after_time, after_id) = match after {
            Some(cursor) => (ts(cursor.updated_at), cursor.conversation_id.to_string()),
            // Later than any stored time, so the first page starts at the newest.
            None => ("9999".to_string(), String::new()),
        };
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS}, {VIEW_COLUMNS}
             FROM conversation_views v JOIN conversations c ON c.id = v.conversation_id
             WHERE v.agent_id = ?1 AND v.archived = ?2 AND v.deleted = 0 AND v.relation <> 'former'
               AND (c.updated_at < ?3 OR (c.updated_at = ?3 AND c.id < ?4))
             ORDER BY c.updated_at DESC, c.id DESC LIMIT ?5"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(db)?;
        let rows = stmt
            .query_map(
                params![agent.to_string(), archived, after_time, after_id, limit],
                |r| Ok((conversation_from_row(r)?, view_from_row(r, 20)?)),
            )
            .map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn insert_message(&mut self, row: &MessageRow) -> StoreResult<()> {
        let attachments = serde_json::to_string(&row.attachments)
            .map_err(|e| StoreError::Database(format!("attachments: {e}")))?;
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO messages ({MESSAGE_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
            ))
            .map_err(db)?
            .execute(params![
                row.id.to_string(),
                row.conversation_id.to_string(),
                row.channel_id,
                row.seq,
                opt_id(row.client_id),
                row.provider_message_id,
                row.direction.as_str(),
                opt_id(row.author_agent_id),
                row.author_name,
                row.body,
                attachments,
                row.status.as_str(),
                row.error,
                ts(row.created_at),
            ])
            .map_err(insert_err("message"))?;
        Ok(())
    }

    fn message(&mut self, id: Uuid) -> StoreResult<Option<MessageRow>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"
            ))
            .map_err(db)?
            .query_row([id.to_string()], message_from_row)
            .optional()
            .map_err(db)
    }

    fn message_by_client_id(
        &mut self,
        author: Uuid,
        client_id: Uuid,
    ) -> StoreResult<Option<MessageRow>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE author_agent_id = ?1 AND client_id = ?2"
            ))
            .map_err(db)?
            .query_row([author.to_string(), client_id.to_string()], message_from_row)
            .optional()
            .map_err(db)
    }

    fn message_by_provider_id(
        &mut self,
        channel_id: &str,
        provider_id: &str,
    ) -> StoreResult<Option<MessageRow>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE channel_id = ?1 AND provider_message_id = ?2"
            ))
            .map_err(db)?
            .query_row([channel_id, provider_id], message_from_row)
            .optional()
            .map_err(db)
    }

    fn messages_before(
        &mut self,
        conversation: Uuid,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<MessageRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 AND seq < ?2
                 ORDER BY seq DESC LIMIT ?3"
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map(
                params![conversation.to_string(), before.unwrap_or(i64::MAX), limit],
                message_from_row,
            )
            .map_err(db)?;
        let mut messages: Vec<MessageRow> = rows.collect::<rusqlite::Result<_>>().map_err(db)?;
        messages.reverse();
        Ok(messages)
    }

    fn unread_count(
        &mut self,
        conversation: Uuid,
        agent: Uuid,
        after_seq: i64,
    ) -> StoreResult<u32> {
        self.conn
            .prepare_cached(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = ?1 AND seq > ?3
                   AND (author_agent_id IS NULL OR author_agent_id <> ?2)",
            )
            .map_err(db)?
            .query_row(
                params![conversation.to_string(), agent.to_string(), after_seq],
                |r| r.get(0),
            )
            .map_err(db)
    }

    fn append_event(
        &mut self,
        agent: Uuid,
        event: &EventRow,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let seq: i64 = self
            .conn
            .prepare_cached(
                "UPDATE agents SET event_seq = event_seq + 1 WHERE id = ?1 RETURNING event_seq",
            )
            .map_err(db)?
            .query_row([agent.to_string()], |r| r.get(0))
            .map_err(db)?;
        let data = event.data.as_ref().map(|d| d.to_string());
        self.conn
            .prepare_cached(
                "INSERT INTO events (agent_id, seq, kind, object_id, data, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(db)?
            .execute(params![
                agent.to_string(),
                seq,
                event.kind,
                opt_id(event.object_id),
                data,
                ts(now),
            ])
            .map_err(db)?;
        Ok(seq)
    }

    fn events_after(&mut self, agent: Uuid, cursor: i64, limit: u32) -> StoreResult<Vec<EventRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT seq, kind, object_id, data FROM events WHERE agent_id = ?1 AND seq > ?2
                 ORDER BY seq LIMIT ?3",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![agent.to_string(), cursor, limit], |r| {
                let data = match r.get::<_, Option<String>>(3)? {
                    None => None,
                    Some(text) => Some(
                        serde_json::from_str(&text)
                            .map_err(|e| conversion_error(3, format!("bad event data: {e}")))?,
                    ),
                };
                Ok(EventRow {
                    seq: r.get(0)?,
                    kind: r.get(1)?,
                    object_id: get_opt_uuid(r, 2)?,
                    data,
                })
            })
            .map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn event_bounds(&mut self, agent: Uuid) -> StoreResult<(i64, i64)> {
        self.conn
            .prepare_cached("SELECT event_floor, event_seq FROM agents WHERE id = ?1")
            .map_err(db)?
            .query_row([agent.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db)
    }

    fn prune_events(&mut self, before: DateTime<Utc>) -> StoreResult<u64> {
        let before = ts(before);
        // Each agent's floor becomes the newest cursor that is gone.
        self.conn
            .execute(
                "UPDATE agents SET event_floor = MAX(event_floor, (
                    SELECT MAX(seq) FROM events e WHERE e.agent_id = agents.id AND e.created_at < ?1))
                 WHERE EXISTS (SELECT 1 FROM events e WHERE e.agent_id = agents.id AND e.created_at < ?1)",
                [&before],
            )
            .map_err(db)?;
        let removed = self
            .conn
            .execute("DELETE FROM events WHERE created_at < ?1", [&before])
            .map_err(db)?;
        Ok(removed as u64)
    }

    fn insert_contact(&mut self, row: &ContactRow) -> StoreResult<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO contacts ({CONTACT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            ))
            .map_err(db)?
            .execute(params![
                row.id.to_string(),
                row.name,
                serde_json::to_string(&row.emails).expect("strings"),
                serde_json::to_string(&row.phones).expect("strings"),
                row.search_text,
                ts(row.created_at),
                ts(row.updated_at),
            ])
            .map_err(insert_err("contact"))?;
        self.write_contact_children(row)
    }

    fn update_contact(&mut self, row: &ContactRow) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "UPDATE contacts SET name = ?2, emails = ?3, phones = ?4, search_text = ?5,
                    updated_at = ?6 WHERE id = ?1",
            )
            .map_err(db)?
            .execute(params![
                row.id.to_string(),
                row.name,
                serde_json::to_string(&row.emails).expect("strings"),
                serde_json::to_string(&row.phones).expect("strings"),
                row.search_text,
                ts(row.updated_at),
            ])
            .map_err(db)?;
        self.write_contact_children(row)
    }

    fn delete_contact(&mut self, id: Uuid) -> StoreResult<bool> {
        let id = id.to_string();
        self.conn
            .execute(
                "UPDATE conversations SET contact_id = NULL WHERE contact_id = ?1",
                [&id],
            )
            .map_err(db)?;
        let removed = self
            .conn
            .execute("DELETE FROM contacts WHERE id = ?1", [&id])
            .map_err(db)?;
        Ok(removed > 0)
    }

    fn contact(&mut self, id: Uuid) -> StoreResult<Option<ContactRow>> {
        Ok(self.contacts_where("id = ?1", &id.to_string())?.pop())
    }

    fn search_contacts(
        &mut self,
        terms: &[String],
        after: Option<&ContactCursor>,
        limit: u32,
    ) -> StoreResult<Vec<ContactRow>> {
        let mut params: Vec<String> = terms.iter().map(|t| super::contains_pattern(t)).collect();
        let mut sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE 1");
        if !params.is_empty() {
            let clauses: Vec<String> = (1..=params.len())
                .map(|i| format!("search_text LIKE ?{i} ESCAPE '\\'"))
                .collect();
            sql.push_str(&format!(" AND ({})", clauses.join(" OR ")));
        }
        if let Some(after) = after {
            let (name, id) = (params.len() + 1, params.len() + 2);
            sql.push_str(&format!(
                " AND (name COLLATE NOCASE > ?{name} \
                   OR (name COLLATE NOCASE = ?{name} AND id > ?{id}))"
            ));
            params.push(after.name.clone());
            params.push(after.id.to_string());
        }
        sql.push_str(&format!(" ORDER BY name COLLATE NOCASE, id LIMIT {limit}"));
        let found: Vec<ContactRow> = {
            let mut stmt = self.conn.prepare(&sql).map_err(db)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(params.iter()), contact_from_row)
                .map_err(db)?;
            rows.collect::<rusqlite::Result<_>>().map_err(db)?
        };
        let mut out = Vec::with_capacity(found.len());
        for contact in found {
            out.extend(self.with_identities(Some(contact))?);
        }
        Ok(out)
    }

    fn contact_by_identity(&mut self, identity: &Identity) -> StoreResult<Option<ContactRow>> {
        let id: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT contact_id FROM contact_identities WHERE kind = ?1 AND value = ?2",
            )
            .map_err(db)?
            .query_row([identity.kind.as_str(), identity.value.as_str()], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db)?;
        match id {
            Some(id) => Ok(self.contacts_where("id = ?1", &id)?.pop()),
            None => Ok(None),
        }
    }

    fn contact_by_phone(&mut self, e164: &str) -> StoreResult<Option<ContactRow>> {
        Ok(self
            .contacts_where(
                "id IN (SELECT contact_id FROM contact_phones WHERE e164 = ?1) ORDER BY created_at LIMIT 1",
                e164,
            )?
            .pop())
    }

    fn conversations_with_identity(
        &mut self,
        identity: &Identity,
    ) -> StoreResult<Vec<ConversationRow>> {
        self.conversations_where(
            "c.identity_kind = ?1 AND c.identity_value = ?2 ORDER BY c.created_at",
            &[&identity.kind.as_str(), &identity.value],
        )
    }

    fn conversations_of_contact(&mut self, contact: Uuid) -> StoreResult<Vec<ConversationRow>> {
        self.conversations_where(
            "c.contact_id = ?1 ORDER BY c.created_at DESC, c.id DESC",
            &[&contact.to_string()],
        )
    }

    fn message_count(&mut self, conversation: Uuid) -> StoreResult<u32> {
        self.conn
            .prepare_cached("SELECT COUNT(*) FROM messages WHERE conversation_id = ?1")
            .map_err(db)?
            .query_row([conversation.to_string()], |r| r.get(0))
            .map_err(db)
    }

    fn templates(&mut self) -> StoreResult<Vec<TemplateRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {TEMPLATE_COLUMNS} FROM templates ORDER BY name, id"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([], template_from_row).map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn template(&mut self, id: Uuid) -> StoreResult<Option<TemplateRow>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = ?1"
            ))
            .map_err(db)?
            .query_row([id.to_string()], template_from_row)
            .optional()
            .map_err(db)
    }

    fn upsert_template(&mut self, row: &TemplateRow) -> StoreResult<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO templates ({TEMPLATE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, body = excluded.body,
                    category = excluded.category, language = excluded.language,
                    updated_by = excluded.updated_by, updated_at = excluded.updated_at"
            ))
            .map_err(db)?
            .execute(params![
                row.id.to_string(),
                row.name,
                row.body,
                row.category,
                row.language,
                opt_id(row.updated_by),
                ts(row.updated_at),
            ])
            .map_err(db)?;
        Ok(())
    }

    fn delete_template(&mut self, id: Uuid) -> StoreResult<bool> {
        let removed = self
            .conn
            .execute("DELETE FROM templates WHERE id = ?1", [id.to_string()])
            .map_err(db)?;
        Ok(removed > 0)
    }

    fn insert_attachment(&mut self, row: &AttachmentRow) -> StoreResult<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO attachments ({ATTACHMENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ))
            .map_err(db)?
            .execute(params![
                row.id.to_string(),
                opt_id(row.uploader_id),
                row.filename,
                row.mime,
                row.size as i64,
                row.has_thumbnail,
                opt_id(row.conversation_id),
                opt_id(row.message_id),
                ts(row.created_at),
                opt_id(row.visitor_id),
            ])
            .map_err(insert_err("attachment"))?;
        Ok(())
    }

    fn attachment(&mut self, id: Uuid) -> StoreResult<Option<AttachmentRow>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = ?1"
            ))
            .map_err(db)?
            .query_row([id.to_string()], attachment_from_row)
            .optional()
            .map_err(db)
    }

    fn link_attachment(
        &mut self,
        id: Uuid,
        conversation: Uuid,
        message: Uuid,
    ) -> StoreResult<bool> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE attachments SET conversation_id = ?2, message_id = ?3
                 WHERE id = ?1 AND message_id IS NULL",
            )
            .map_err(db)?
            .execute(params![
                id.to_string(),
                conversation.to_string(),
                message.to_string()
            ])
            .map_err(db)?;
        Ok(changed == 1)
    }

    fn enqueue_outbound(&mut self, job: &OutboundJob) -> StoreResult<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO outbound_jobs ({OUTBOUND_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            ))
            .map_err(db)?
            .execute(params![
                job.message_id.to_string(),
                job.conversation_id.to_string(),
                job.channel_id,
                job.state.as_str(),
                job.attempts,
                ts(job.next_attempt_at),
                job.last_error,
                ts(job.created_at),
            ])
            .map_err(insert_err("outbound job"))?;
        Ok(())
    }

    fn due_outbound(&mut self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<OutboundJob>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {OUTBOUND_COLUMNS} FROM outbound_jobs o
                 WHERE o.state = 'queued' AND o.next_attempt_at <= ?1
                   AND NOT EXISTS (
                     SELECT 1 FROM outbound_jobs e
                     WHERE e.conversation_id = o.conversation_id
                       AND e.state IN ('queued', 'sending')
                       AND (e.created_at < o.created_at
                            OR (e.created_at = o.created_at AND e.message_id < o.message_id)))
                 ORDER BY o.created_at, o.message_id LIMIT ?2"
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map(params![ts(now), limit], outbound_from_row)
            .map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn update_outbound(&mut self, job: &OutboundJob) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "UPDATE outbound_jobs SET state = ?2, attempts = ?3, next_attempt_at = ?4,
                    last_error = ?5 WHERE message_id = ?1",
            )
            .map_err(db)?
            .execute(params![
                job.message_id.to_string(),
                job.state.as_str(),
                job.attempts,
                ts(job.next_attempt_at),
                job.last_error,
            ])
            .map_err(db)?;
        Ok(())
    }

    fn outbound_in_state(&mut self, state: OutboundState) -> StoreResult<Vec<OutboundJob>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {OUTBOUND_COLUMNS} FROM outbound_jobs WHERE state = ?1 ORDER BY created_at"
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map([state.as_str()], outbound_from_row)
            .map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn set_message_delivery(
        &mut self,
        id: Uuid,
        status: MessageStatus,
        error: Option<&str>,
        provider_message_id: Option<&str>,
    ) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "UPDATE messages SET status = ?2, error = ?3,
                    provider_message_id = COALESCE(?4, provider_message_id)
                 WHERE id = ?1",
            )
            .map_err(db)?
            .execute(params![
                id.to_string(),
                status.as_str(),
                error,
                provider_message_id
            ])
            .map_err(insert_err("provider message id"))?;
        Ok(())
    }

    fn upsert_visitor(&mut self, v: &VisitorRow) -> StoreResult<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO visitors ({VISITOR_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash,
                    token_expires_at = excluded.token_expires_at, name = excluded.name,
                    email = excluded.email, ip = excluded.ip, user_agent = excluded.user_agent,
                    language = excluded.language, last_seen_at = excluded.last_seen_at"
            ))
            .map_err(db)?
            .execute(params![
                v.id.to_string(),
                v.channel_id,
                v.token_hash,
                ts(v.token_expires_at),
                v.name,
                v.email,
                v.ip,
                v.user_agent,
                v.language,
                ts(v.created_at),
                ts(v.last_seen_at),
            ])
            .map_err(insert_err("visitor token"))?;
        Ok(())
    }

    fn visitor_by_token(
        &mut self,
        channel_id: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<VisitorRow>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {VISITOR_COLUMNS} FROM visitors
                 WHERE channel_id = ?1 AND token_hash = ?2 AND token_expires_at > ?3"
            ))
            .map_err(db)?
            .query_row(params![channel_id, token_hash, ts(now)], visitor_from_row)
            .optional()
            .map_err(db)
    }

    fn visitor(&mut self, id: Uuid) -> StoreResult<Option<VisitorRow>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {VISITOR_COLUMNS} FROM visitors WHERE id = ?1"
            ))
            .map_err(db)?
            .query_row([id.to_string()], visitor_from_row)
            .optional()
            .map_err(db)
    }

    fn latest_conversation_for(
        &mut self,
        channel_id: &str,
        identity_value: &str,
    ) -> StoreResult<Option<ConversationRow>> {
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations c
             WHERE c.channel_id = ?1 AND c.identity_value = ?2
             ORDER BY c.created_at DESC, c.id DESC LIMIT 1"
        );
        self.conn
            .prepare_cached(&sql)
            .map_err(db)?
            .query_row([channel_id, identity_value], conversation_from_row)
            .optional()
            .map_err(db)
    }

    fn insert_block(&mut self, b: &BlockRow) -> StoreResult<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO blocks ({BLOCK_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            ))
            .map_err(db)?
            .execute(params![
                b.id.to_string(),
                b.ip,
                b.reason,
                b.blocked_by.to_string(),
                opt_id(b.conversation_id),
                ts(b.created_at),
                opt_ts(b.expires_at),
            ])
            .map_err(insert_err("block"))?;
        Ok(())
    }

    fn active_block(&mut self, ip: &str, now: DateTime<Utc>) -> StoreResult<Option<BlockRow>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {BLOCK_COLUMNS} FROM blocks WHERE ip = ?1 AND (expires_at IS NULL OR expires_at > ?2)
                 ORDER BY created_at DESC LIMIT 1"
            ))
            .map_err(db)?
            .query_row(params![ip, ts(now)], block_from_row)
            .optional()
            .map_err(db)
    }

    fn blocks(&mut self, now: DateTime<Utc>) -> StoreResult<Vec<BlockRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {BLOCK_COLUMNS} FROM blocks WHERE expires_at IS NULL OR expires_at > ?1
                 ORDER BY created_at DESC"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([ts(now)], block_from_row).map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn delete_block(&mut self, id: Uuid) -> StoreResult<bool> {
        let removed = self
            .conn
            .execute("DELETE FROM blocks WHERE id = ?1", [id.to_string()])
            .map_err(db)?;
        Ok(removed > 0)
    }

    fn outbound_messages_until(
        &mut self,
        conversation: Uuid,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<MessageRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages
                 WHERE conversation_id = ?1 AND direction = 'outbound' AND created_at <= ?2
                 ORDER BY seq"
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map(
                params![conversation.to_string(), ts(until)],
                message_from_row,
            )
            .map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_store_passes_the_storage_conformance_suite() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("nested/switchboard.db")).unwrap();
        crate::store::conformance::run_all(&store);
    }

    #[test]
    fn reopening_keeps_data_and_skips_applied_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("switchboard.db");
        drop(SqliteStore::open(&path).unwrap());
        let store = SqliteStore::open(&path).unwrap();
        let version: i64 = store
            .writer
            .lock()
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    #[test]
    fn a_database_from_a_newer_server_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("switchboard.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        drop(conn);
        match SqliteStore::open(&path) {
            Err(StoreError::TooNew { found: 999, .. }) => {}
            other => panic!("expected TooNew, got {other:?}"),
        }
    }
}
