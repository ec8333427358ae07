//! The PostgreSQL backend, for several server nodes sharing one database. It keeps exactly the
//! contract of the SQLite backend (`sqlite.rs`, which it mirrors section by section): same
//! tables, same orderings, same filters, same `Duplicate` names.
//!
//! - **Connections.** An r2d2 pool of synchronous `postgres` clients (the engine runs storage
//!   jobs on blocking threads). Each pooled connection keeps its prepared statements, so a
//!   statement is parsed once per connection. A database that cannot be reached fails within
//!   `CONNECT_TIMEOUT` with a [`StoreError::Database`] naming the problem; messages never carry
//!   the URL or its password.
//! - **Transactions.** Read jobs run in `REPEATABLE READ READ ONLY` (one consistent snapshot, no
//!   locks). Write jobs run in `SERIALIZABLE`: PostgreSQL then guarantees that concurrent writers
//!   on several nodes have the effect of running one after another, which is what SQLite's single
//!   writer gives for free, so the engine's read-then-write jobs stay correct. The price is that
//!   PostgreSQL may cancel a transaction with a serialisation failure (SQLSTATE 40001) or a
//!   deadlock (40P01), from any statement or from `COMMIT`; [`Store::run`] then rolls back and
//!   calls the job again (up to `MAX_ATTEMPTS` times), which the trait allows. Because the Tx
//!   methods return [`StoreError`], each `PgTx` remembers whether one of its statements hit such
//!   a failure, so `run` retries even if the job turned the error into something else.
//! - **Taking turns under contention.** Retrying alone does not guarantee progress: many writers
//!   of the same rows (an agent's event counter) keep cancelling each other. So write jobs pass
//!   a gate, a session advisory lock (one round trip more per write job): held shared by first
//!   attempts, which run side by side, and exclusively by a job that lost once, which then runs
//!   alone and cannot lose to another writer again. First
//!   attempts also stop waiting for a row lock after 100 ms (SQLSTATE 55P03, retried like the
//!   others): in a serialisable transaction such a wait ends in a serialisation failure anyway
//!   once the holder commits, and deadlocks end long before PostgreSQL's one-second check.
//! - **Failed statements.** In PostgreSQL a failed statement aborts the whole transaction, in
//!   SQLite it does not. Statements that may fail with [`StoreError::Duplicate`] therefore run
//!   under a savepoint, so a job may handle the duplicate and go on, as on SQLite. Any other
//!   failed statement leaves the transaction unusable: if the job still returns `Ok`, `run`
//!   reports the failure instead of committing. A constraint violation met beside other
//!   writers may be a row a concurrent transaction just inserted (the engine's next message
//!   `seq`, read without a lock), which SQLite's single writer would have seen: such an attempt
//!   counts as lost, and only the retry behind the closed gate reports the duplicate.
//! - **Text order.** SQLite compares text byte by byte; PostgreSQL by the database's collation.
//!   Text orderings therefore say `COLLATE "C"`, and SQLite's `NOCASE` and ASCII-only
//!   case-insensitive `LIKE` become `lower(… COLLATE "C")`, which folds ASCII letters only.
//! - **Migrations** run in one transaction holding a transaction-scoped advisory lock, so nodes
//!   starting at the same moment apply them once, one after the other. The versions are
//!   SQLite's (one migration here per migration there, same names), recorded in
//!   `schema_migrations`; a database migrated by a newer server is refused ([`StoreError::TooNew`]).
//! - **Other nodes.** [`Tx::announce`] sends a `NOTIFY` on `CHANNEL`, which PostgreSQL delivers
//!   only if the transaction commits; [`Store::listen`] keeps a connection of its own `LISTEN`ing
//!   and hands what other nodes announced to the engine, which wakes its streams and its outbound
//!   worker as if the change had been made locally.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use postgres::config::SslMode;
use postgres::error::SqlState;
use postgres::types::{FromSql, Json, ToSql};
use postgres::{Client, NoTls, Row, Statement};
use postgres_native_tls::MakeTlsConnector;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use switchboard_domain::routing::Strategy;
use switchboard_protocol::{
    AttachmentRef, ChannelKind, ConversationStatus, Direction, Identity, MessageStatus, Presence,
    Role,
};
use uuid::Uuid;

use super::{
    AgentRow, Announcement, AttachmentRow, BlockRow, ChannelRow, ContactCursor, ContactRow,
    ConversationRow, EventRow, JobFailed, ListCursor, ListView, MessageRow, Mode, OutboundJob,
    OutboundState, QueueRow, Relation, RequestCount, Route, SessionRow, Store, StoreError,
    StoreResult, TemplateRow, Tx, Typing, ViewRow, VisitorRow,
};

/// Schema migrations, applied in order; one per migration of `sqlite.rs`, under the same name,
/// so a schema version means the same tables on both backends. Never edit one that shipped:
/// add a new one (here and in `sqlite.rs`).
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "agents and sessions",
        "CREATE TABLE agents (
            id UUID PRIMARY KEY,
            extension TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            email TEXT UNIQUE,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            presence TEXT NOT NULL,
            last_assigned_at TIMESTAMPTZ,
            event_seq BIGINT NOT NULL DEFAULT 0,
            event_floor BIGINT NOT NULL DEFAULT 0
        );
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            agent_id UUID NOT NULL REFERENCES agents(id),
            created_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL,
            revoked_at TIMESTAMPTZ
        );
        CREATE INDEX sessions_by_agent ON sessions(agent_id);",
    ),
    (
        "queues and channels",
        "CREATE TABLE queues (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            strategy TEXT NOT NULL,
            offer_timeout_s BIGINT NOT NULL,
            max_chats_per_agent BIGINT NOT NULL,
            last_round_robin UUID
        );
        CREATE TABLE queue_members (
            queue_id TEXT NOT NULL REFERENCES queues(id),
            agent_id UUID NOT NULL REFERENCES agents(id),
            position BIGINT NOT NULL,
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
            id UUID PRIMARY KEY,
            channel_kind TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            status TEXT NOT NULL,
            queue_id TEXT,
            owner_id UUID REFERENCES agents(id),
            identity_kind TEXT,
            identity_value TEXT,
            display_name TEXT NOT NULL,
            contact_id UUID,
            title TEXT,
            offer_round BIGINT NOT NULL DEFAULT 0,
            offer_expires_at TIMESTAMPTZ,
            last_seq BIGINT NOT NULL DEFAULT 0,
            last_message_id UUID,
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            answered_at TIMESTAMPTZ,
            resolved_at TIMESTAMPTZ
        );
        CREATE INDEX conversations_open_by_identity
            ON conversations(channel_id, identity_value) WHERE status <> 'resolved';
        CREATE INDEX conversations_offer_expiry
            ON conversations(offer_expires_at) WHERE offer_expires_at IS NOT NULL;
        CREATE INDEX conversations_queued ON conversations(queue_id, status);
        CREATE INDEX conversations_by_owner ON conversations(owner_id, status);
        CREATE TABLE conversation_views (
            conversation_id UUID NOT NULL REFERENCES conversations(id),
            agent_id UUID NOT NULL REFERENCES agents(id),
            relation TEXT NOT NULL,
            archived BOOLEAN NOT NULL,
            deleted BOOLEAN NOT NULL,
            last_read_seq BIGINT NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (conversation_id, agent_id)
        );
        CREATE INDEX views_by_agent ON conversation_views(agent_id, archived, updated_at);",
    ),
    (
        "messages",
        "CREATE TABLE messages (
            id UUID PRIMARY KEY,
            conversation_id UUID NOT NULL REFERENCES conversations(id),
            channel_id TEXT NOT NULL,
            seq BIGINT NOT NULL,
            client_id UUID,
            provider_message_id TEXT,
            direction TEXT NOT NULL,
            author_agent_id UUID REFERENCES agents(id),
            author_name TEXT NOT NULL,
            body TEXT NOT NULL,
            attachments JSONB NOT NULL,
            status TEXT NOT NULL,
            error TEXT,
            created_at TIMESTAMPTZ NOT NULL,
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
            agent_id UUID NOT NULL REFERENCES agents(id),
            seq BIGINT NOT NULL,
            kind TEXT NOT NULL,
            object_id UUID,
            data JSONB,
            created_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (agent_id, seq)
        );
        CREATE INDEX events_by_time ON events(created_at);",
    ),
    (
        "contacts",
        "CREATE TABLE contacts (
            id UUID PRIMARY KEY,
            name TEXT NOT NULL,
            emails JSONB NOT NULL,
            phones JSONB NOT NULL,
            search_text TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE contact_identities (
            contact_id UUID NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            position BIGINT NOT NULL,
            PRIMARY KEY (kind, value)
        );
        CREATE INDEX contact_identities_by_contact ON contact_identities(contact_id);
        CREATE TABLE contact_phones (
            contact_id UUID NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
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
            id UUID PRIMARY KEY,
            name TEXT NOT NULL,
            body TEXT NOT NULL,
            category TEXT NOT NULL,
            language TEXT NOT NULL,
            updated_by UUID REFERENCES agents(id),
            updated_at TIMESTAMPTZ NOT NULL
        );",
    ),
    (
        "attachments",
        "CREATE TABLE attachments (
            id UUID PRIMARY KEY,
            uploader_id UUID REFERENCES agents(id),
            filename TEXT NOT NULL,
            mime TEXT NOT NULL,
            size BIGINT NOT NULL,
            has_thumbnail BOOLEAN NOT NULL,
            conversation_id UUID REFERENCES conversations(id),
            message_id UUID REFERENCES messages(id),
            created_at TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX attachments_by_conversation ON attachments(conversation_id);",
    ),
    (
        "outbound queue",
        "ALTER TABLE conversations ADD COLUMN last_inbound_at TIMESTAMPTZ;
        CREATE TABLE outbound_jobs (
            message_id UUID PRIMARY KEY REFERENCES messages(id),
            conversation_id UUID NOT NULL REFERENCES conversations(id),
            channel_id TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts BIGINT NOT NULL,
            next_attempt_at TIMESTAMPTZ NOT NULL,
            last_error TEXT,
            created_at TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX outbound_due ON outbound_jobs(state, next_attempt_at);
        CREATE INDEX outbound_by_conversation ON outbound_jobs(conversation_id, state, created_at);",
    ),
    (
        "live chat visitors and blocks",
        "CREATE TABLE visitors (
            id UUID PRIMARY KEY,
            channel_id TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            token_expires_at TIMESTAMPTZ NOT NULL,
            name TEXT,
            email TEXT,
            ip TEXT NOT NULL,
            user_agent TEXT NOT NULL,
            language TEXT,
            created_at TIMESTAMPTZ NOT NULL,
            last_seen_at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE blocks (
            id UUID PRIMARY KEY,
            ip TEXT NOT NULL,
            reason TEXT,
            blocked_by UUID NOT NULL REFERENCES agents(id),
            conversation_id UUID REFERENCES conversations(id),
            created_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ
        );
        CREATE INDEX blocks_by_ip ON blocks(ip);
        ALTER TABLE attachments ADD COLUMN visitor_id UUID;",
    ),
    (
        "request counts",
        // Counts of the rate limits every node shares; losing them in a crash costs nothing,
        // so they skip the write-ahead log.
        "CREATE UNLOGGED TABLE request_counts (
            key TEXT PRIMARY KEY,
            minute BIGINT NOT NULL,
            hits BIGINT NOT NULL,
            previous_hits BIGINT NOT NULL
        );",
    ),
];

/// Which migrations a database has: one row per applied migration (SQLite's `user_version`).
const SCHEMA_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)";

/// The advisory lock held while migrating ("SWITCH" and 1). Advisory locks are per database, so
/// only nodes sharing the database wait for each other.
const MIGRATION_LOCK: i64 = 0x5357_4954_4348_0001;

/// Connections per node. More concurrent jobs wait (up to `CONNECT_TIMEOUT`) for a free one.
const POOL_SIZE: u32 = 16;

/// How long opening a connection, or waiting for a free one, may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How often [`Store::run`] calls a job whose transaction keeps losing to concurrent ones.
const MAX_ATTEMPTS: u32 = 20;

/// The writers' gate, a session advisory lock ("SWITCH" and 2). Every first attempt of a write
/// job holds it shared, so writers run side by side; a job that lost to a concurrent one holds
/// it exclusively for its next attempts, so it runs alone and cannot lose to another writer
/// again, as under SQLite's single writer. Under heavy contention on a few rows (an agent's event counter) the
/// writers thus take turns instead of cancelling each other until they give up.
const WRITERS_GATE: i64 = 0x5357_4954_4348_0002;

/// The `LISTEN`/`NOTIFY` channel of [`Announcement`]s.
const CHANNEL: &str = "switchboard_events";

/// Streams per notification: PostgreSQL refuses payloads of 8000 bytes or more, and a stream id
/// takes 39 bytes of JSON.
const STREAMS_PER_NOTICE: usize = 150;

/// The listener's connection is checked when it has been quiet this long.
const LISTEN_PING: Duration = Duration::from_secs(30);

/// Waits between the listener's reconnection attempts: doubled from the first to the last.
const RECONNECT_FIRST: Duration = Duration::from_secs(1);
const RECONNECT_LAST: Duration = Duration::from_secs(30);

/// PostgreSQL storage, possibly shared with other server nodes.
pub struct PgStore {
    pool: r2d2::Pool<Manager>,
    /// For the listener's own connection.
    target: Target,
    secrets: Secrets,
    /// Names this node in its announcements, so its listener can skip them.
    node: Uuid,
    /// Set when the store is dropped: its listener, if any, hangs up.
    stop: Arc<AtomicBool>,
    /// The minute in which this node last dropped old request counts.
    swept_minute: AtomicI64,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the configuration: it holds the password.
        f.debug_struct("PgStore")
            .field("node", &self.node)
            .finish_non_exhaustive()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl PgStore {
    /// Connect to the database at `url` (`postgres://user:password@host:5432/database`) and
    /// migrate it. Call it off the async runtime: the client blocks.
    pub fn open(url: &str) -> StoreResult<PgStore> {
        Self::open_with_timeout(url, CONNECT_TIMEOUT)
    }

    fn open_with_timeout(url: &str, timeout: Duration) -> StoreResult<PgStore> {
        let secrets = Secrets::of(url);
        let Target { mut config, tls } =
            Target::parse(url).map_err(|e| StoreError::Database(secrets.scrub(&e)))?;
        config.connect_timeout(timeout);
        if config.get_application_name().is_none() {
            config.application_name("switchboard");
        }
        config.notice_callback(|notice| {
            tracing::debug!(notice = %notice, "PostgreSQL notice");
        });
        let target = Target { config, tls };
        let server = describe_server(&target.config);
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(timeout)
            // Failures reach the caller (with the last one's reason); no log line per retry.
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build(Manager {
                target: target.clone(),
                secrets: secrets.clone(),
            })
            .map_err(|e| {
                StoreError::Database(
                    secrets.scrub(&format!("cannot connect to PostgreSQL at {server}: {e}")),
                )
            })?;
        let store = PgStore {
            pool,
            target,
            secrets,
            node: Uuid::now_v7(),
            stop: Arc::new(AtomicBool::new(false)),
            swept_minute: AtomicI64::new(0),
        };
        store.migrate()?;
        Ok(store)
    }

    fn connection(&self) -> StoreResult<r2d2::PooledConnection<Manager>> {
        self.pool.get().map_err(|e| {
            StoreError::Database(self.secrets.scrub(&format!(
                "no PostgreSQL connection to {}: {e}",
                describe_server(&self.target.config)
            )))
        })
    }

    /// The body of [`Store::run`]: call `job` until its transaction commits, the job fails, or
    /// it lost to concurrent transactions `MAX_ATTEMPTS` times. Clears `conn.dirty` once the
    /// session is out of its transaction and the writers' gate again.
    fn attempts(
        &self,
        conn: &mut PgConn,
        mode: Mode,
        job: &mut dyn FnMut(&mut dyn Tx) -> Result<(), JobFailed>,
    ) -> StoreResult<()> {
        let PgConn {
            client,
            statements,
            dirty,
        } = conn;
        let client = client.as_mut().expect("a pooled connection has its client");
        let session = |e: postgres::Error| StoreError::Database(explain(&e));
        let mut exclusive = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // Through the writers' gate: shared at first, alone after losing. (Simple queries,
            // here and below: one round trip each, where a prepared statement takes two.)
            let shared = mode == Mode::Write && attempt == 1;
            if shared {
                client
                    .batch_execute(&format!("SELECT pg_advisory_lock_shared({WRITERS_GATE})"))
                    .map_err(session)?;
            } else if mode == Mode::Write && !exclusive {
                client
                    .batch_execute(&format!("SELECT pg_advisory_lock({WRITERS_GATE})"))
                    .map_err(session)?;
                exclusive = true;
            }
            // The shared gate is left with the transaction, in the same round trip.
            let leave = if shared {
                format!("; SELECT pg_advisory_unlock_shared({WRITERS_GATE})")
            } else {
                String::new()
            };
            let begin = match mode {
                Mode::Read => "START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
                // Waiting long for a row another writer holds is futile: once that writer
                // commits, this transaction must lose anyway. Give up early instead (also
                // ending deadlocks long before PostgreSQL's one-second check), and wait alone.
                Mode::Write if shared => {
                    "START TRANSACTION ISOLATION LEVEL SERIALIZABLE; \
                     SET LOCAL lock_timeout = '100ms'"
                }
                Mode::Write => "START TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            };
            client.batch_execute(begin).map_err(session)?;
            let mut handle = PgTx {
                client: &mut *client,
                statements: &mut *statements,
                node: self.node,
                retry: None,
                // Nothing can collide with a reader.
                alone: exclusive || mode == Mode::Read,
                broken: None,
            };
            let outcome = job(&mut handle);
            let PgTx { retry, broken, .. } = handle;
            let rollback = format!("ROLLBACK{leave}");
            // `Ok(result)`: done, with this result; `Err(reason)`: lost, try again.
            let verdict = match (retry, outcome) {
                // Whatever the job made of it, a statement lost to a concurrent transaction.
                (Some(reason), _) => {
                    client.batch_execute(&rollback).map_err(session)?;
                    Err(reason)
                }
                (None, Ok(())) if broken.is_some() => {
                    client.batch_execute(&rollback).map_err(session)?;
                    Ok(Err(StoreError::Database(format!(
                        "a statement failed, so the transaction was rolled back: {}",
                        broken.unwrap_or_default()
                    ))))
                }
                (None, Ok(())) => match client.batch_execute(&format!("COMMIT{leave}")) {
                    Ok(()) => Ok(Ok(())),
                    Err(e) if is_retryable(&e) => {
                        // The failed COMMIT ended the transaction and the rest of the batch.
                        if shared {
                            client
                                .batch_execute(&format!(
                                    "SELECT pg_advisory_unlock_shared({WRITERS_GATE})"
                                ))
                                .map_err(session)?;
                        }
                        Err(explain(&e))
                    }
                    Err(e) => return Err(session(e)),
                },
                (None, Err(JobFailed::Abort)) => {
                    // Nothing is kept either way; a session that cannot roll back is discarded.
                    if client.batch_execute(&rollback).is_err() {
                        return Ok(());
                    }
                    Ok(Ok(()))
                }
                (None, Err(JobFailed::Store(err))) => {
                    if client.batch_execute(&rollback).is_err() {
                        return Err(err);
                    }
                    Ok(Err(err))
                }
            };
            let result = match verdict {
                Ok(result) => result,
                Err(lost) if attempt >= MAX_ATTEMPTS => Err(StoreError::Database(format!(
                    "gave up after {MAX_ATTEMPTS} attempts, concurrent transactions kept \
                     conflicting: {lost}"
                ))),
                Err(_) => {
                    // Losing while alone behind the gate means writers that do not use it.
                    if attempt > 1 {
                        backoff(attempt);
                    }
                    continue;
                }
            };
            if exclusive {
                client
                    .batch_execute(&format!("SELECT pg_advisory_unlock({WRITERS_GATE})"))
                    .map_err(session)?;
            }
            *dirty = false;
            return result;
        }
    }

    fn migrate(&self) -> StoreResult<()> {
        let mut conn = self.connection()?;
        let fail = |e: postgres::Error| StoreError::Database(explain(&e));
        let mut tx = conn.client().transaction().map_err(fail)?;
        // Whoever gets the lock first migrates; the others then find nothing left to do.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(|e| StoreError::Database(format!("migration lock: {}", explain(&e))))?;
        tx.batch_execute(SCHEMA_TABLE).map_err(fail)?;
        let version: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .map_err(fail)?
            .try_get(0)
            .map_err(fail)?;
        let supported = MIGRATIONS.len() as i64;
        if version > supported {
            return Err(StoreError::TooNew {
                found: version,
                supported,
            });
        }
        for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let number = index as i64 + 1;
            tx.batch_execute(sql).map_err(|e| {
                StoreError::Database(format!("migration {number} ({name}): {}", explain(&e)))
            })?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                &[&number, name],
            )
            .map_err(fail)?;
        }
        tx.commit().map_err(fail)
    }
}

/// The database server: where it is, and how to encrypt the way there.
#[derive(Clone)]
struct Target {
    config: postgres::Config,
    /// With `sslmode=require`: TLS, the server's certificate verified against the system's
    /// trusted roots and, if the URL names one with `sslrootcert=PATH`, that CA.
    tls: Option<MakeTlsConnector>,
}

impl Target {
    /// Read a database URL. Beside what the `postgres` client understands it takes libpq's
    /// `sslrootcert=PATH` (the PEM file of the CA that signed the server's certificate).
    /// Errors say what is wrong without repeating the URL.
    fn parse(url: &str) -> Result<Target, String> {
        let (url, root) = take_query_parameter(url, "sslrootcert");
        let config: postgres::Config = url
            .parse()
            .map_err(|e| format!("the PostgreSQL URL is not valid: {}", explain(&e)))?;
        let tls = match (config.get_ssl_mode(), root) {
            (SslMode::Require, root) => Some(tls_connector(root.as_deref())?),
            (_, Some(_)) => {
                return Err(
                    "the PostgreSQL URL names an sslrootcert but not sslmode=require: add it"
                        .into(),
                )
            }
            (_, None) => None,
        };
        Ok(Target { config, tls })
    }

    fn connect(&self) -> Result<Client, postgres::Error> {
        match &self.tls {
            Some(tls) => self.config.connect(tls.clone()),
            None => self.config.connect(NoTls),
        }
    }
}

/// Check a `server.database` URL as [`PgStore::open`] will read it (including the CA file an
/// `sslrootcert` names), without connecting.
pub fn check_url(url: &str) -> Result<(), String> {
    let secrets = Secrets::of(url);
    Target::parse(url)
        .map(|_| ())
        .map_err(|e| secrets.scrub(&e))
}

/// `url` without the query parameter `name`, and that parameter's (percent-decoded) value.
fn take_query_parameter(url: &str, name: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut value = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.split_once('=') {
            Some((key, v)) if key == name => {
                value = Some(
                    form_urlencoded::parse(format!("v={v}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default(),
                );
                false
            }
            _ => true,
        })
        .collect();
    if kept.is_empty() {
        (base.to_string(), value)
    } else {
        (format!("{base}?{}", kept.join("&")), value)
    }
}

fn tls_connector(root: Option<&str>) -> Result<MakeTlsConnector, String> {
    let mut builder = native_tls::TlsConnector::builder();
    if let Some(path) = root {
        let pem = std::fs::read(path)
            .map_err(|e| format!("sslrootcert: cannot read the CA file {path}: {e}"))?;
        let ca = native_tls::Certificate::from_pem(&pem)
            .map_err(|e| format!("sslrootcert: {path} is not a PEM certificate: {e}"))?;
        builder.add_root_certificate(ca);
    }
    let connector = builder
        .build()
        .map_err(|e| format!("cannot set up TLS for PostgreSQL: {e}"))?;
    Ok(MakeTlsConnector::new(connector))
}

/// Opens the pool's connections, each with its own statement cache.
struct Manager {
    target: Target,
    secrets: Secrets,
}

/// A pooled connection and the statements prepared on it, by SQL text.
struct PgConn {
    /// Taken only by `drop`.
    client: Option<Client>,
    statements: HashMap<String, Statement>,
    /// Set while the session may be inside a transaction or hold the writers' gate. A
    /// connection returned to the pool with the flag still set (a job panicked, a statement
    /// failed half-way) counts as broken: closing it rolls back and releases everything.
    dirty: bool,
}

impl PgConn {
    fn client(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("a pooled connection has its client")
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        // The synchronous client says goodbye by blocking on a runtime of its own, which
        // panics on a thread of an async runtime (where the server may drop its last handle to
        // the store, and with it the pool): there, it leaves from a thread of its own.
        if tokio::runtime::Handle::try_current().is_ok() {
            if let Some(client) = self.client.take() {
                let _ = std::thread::Builder::new()
                    .name("pg-close".into())
                    .spawn(move || drop(client));
            }
        }
    }
}

/// Why a connection could not be opened, spelled out (r2d2 keeps only the text of the last one,
/// and `postgres::Error`'s own text leaves the cause out).
#[derive(Debug)]
struct ConnectError(String);

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConnectError {}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = ConnectError;

    fn connect(&self) -> Result<PgConn, ConnectError> {
        match self.target.connect() {
            Ok(client) => Ok(PgConn {
                client: Some(client),
                statements: HashMap::new(),
                dirty: false,
            }),
            Err(e) => Err(ConnectError(self.secrets.scrub(&explain(&e)))),
        }
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), ConnectError> {
        conn.client()
            .simple_query("")
            .map(|_| ())
            .map_err(|e| ConnectError(explain(&e)))
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client().is_closed() || conn.dirty
    }
}

/// The password of a database URL (as written and decoded), to cut out of error messages.
#[derive(Clone, Default)]
struct Secrets(Vec<String>);

impl Secrets {
    fn of(url: &str) -> Secrets {
        let mut found = Vec::new();
        // As written: postgres://user:PASSWORD@host/…
        if let Some((_, rest)) = url.split_once("://") {
            let authority = rest.split(['/', '?']).next().unwrap_or_default();
            if let Some((userinfo, _)) = authority.rsplit_once('@') {
                if let Some((_, password)) = userinfo.split_once(':') {
                    found.push(password.to_string());
                }
            }
        }
        // As decoded, or given as a key=value setting.
        if let Ok(config) = url.parse::<postgres::Config>() {
            if let Some(password) = config.get_password() {
                found.push(String::from_utf8_lossy(password).into_owned());
            }
        }
        found.retain(|s| !s.is_empty());
        Secrets(found)
    }

    fn scrub(&self, text: &str) -> String {
        self.0
            .iter()
            .fold(text.to_string(), |text, secret| text.replace(secret, "***"))
    }
}

/// `host:port/database`, for messages.
fn describe_server(config: &postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(host)) => host.clone(),
        Some(postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let database = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or_default();
    format!("{host}:{port}/{database}")
}

/// The whole story of a client error: `postgres::Error`'s own text is only its kind.
fn explain(err: &postgres::Error) -> String {
    if let Some(db) = err.as_db_error() {
        return format!("{db} (SQLSTATE {})", db.code().code());
    }
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Serialisation failures, deadlocks and row locks waited for too long (see `attempts`): the
/// transaction lost to a concurrent one and may be tried again.
fn is_retryable(err: &postgres::Error) -> bool {
    matches!(
        err.code(),
        Some(code) if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::LOCK_NOT_AVAILABLE
    )
}

/// Integrity constraint violations (unique, foreign key, not null, check): what SQLite reports
/// as `SQLITE_CONSTRAINT`, which `sqlite.rs` maps to [`StoreError::Duplicate`] where expected.
fn is_constraint(err: &postgres::Error) -> bool {
    err.code().is_some_and(|code| code.code().starts_with("23"))
}

/// A short random pause before attempt `attempt + 1`, growing with `attempt` (up to 100 ms).
fn backoff(attempt: u32) {
    let cap_ms = (1u64 << attempt.min(7)).clamp(2, 100);
    std::thread::sleep(Duration::from_millis(rand::random_range(1..=cap_ms)));
}

impl Store for PgStore {
    fn run(
        &self,
        mode: Mode,
        job: &mut dyn FnMut(&mut dyn Tx) -> Result<(), JobFailed>,
    ) -> StoreResult<()> {
        let mut conn = self.connection()?;
        // Until `attempts` has left the session as it found it.
        conn.dirty = true;
        self.attempts(&mut conn, mode, job)
    }

    fn shared(&self) -> bool {
        true
    }

    /// Connects at once, so a database that cannot be listened to fails start-up (`Err`);
    /// later losses of the connection are logged and retried (every 1 s, growing to 30 s), and
    /// every (re)connection wakes everyone, since announcements may have been missed.
    fn listen(&self, wake: Arc<dyn Fn(Announcement) + Send + Sync>) -> StoreResult<()> {
        let client = listener_connection(&self.target).map_err(|e| {
            StoreError::Database(self.secrets.scrub(&format!(
                "cannot listen to PostgreSQL at {}: {e}",
                describe_server(&self.target.config)
            )))
        })?;
        let listener = Listener {
            target: self.target.clone(),
            secrets: self.secrets.clone(),
            node: self.node,
            stop: self.stop.clone(),
            wake,
        };
        std::thread::Builder::new()
            .name("pg-listen".into())
            .spawn(move || listener.run(client))
            .map_err(|e| StoreError::Database(format!("cannot start the listener thread: {e}")))?;
        Ok(())
    }

    /// One statement on its own (no transaction of ours around it): the upsert takes the
    /// key's row lock, so nodes counting the same key at once wait for each other and none is
    /// lost. Once a minute per node, counts older than the minute before are dropped.
    fn count_request(&self, key: &str, minute: i64) -> StoreResult<Option<RequestCount>> {
        let mut conn = self.connection()?;
        let fail = |e: postgres::Error| {
            StoreError::Database(
                self.secrets
                    .scrub(&format!("counting a request: {}", explain(&e))),
            )
        };
        let PgConn {
            client, statements, ..
        } = &mut *conn;
        let client = client.as_mut().expect("a pooled connection has its client");
        let statement = match statements.get(COUNT_REQUEST) {
            Some(statement) => statement.clone(),
            None => {
                let statement = client.prepare(COUNT_REQUEST).map_err(fail)?;
                statements.insert(COUNT_REQUEST.to_string(), statement.clone());
                statement
            }
        };
        let row = client
            .query_one(&statement, &[&key, &minute])
            .map_err(fail)?;
        let cols = Cols::new(&row, "request_counts");
        let count = RequestCount {
            this_minute: cols.u32(0)?,
            previous_minute: cols.u32(1)?,
        };
        if self.swept_minute.swap(minute, Ordering::Relaxed) != minute {
            client
                .execute(
                    "DELETE FROM request_counts WHERE minute < $1",
                    &[&(minute - 1)],
                )
                .map_err(fail)?;
        }
        Ok(Some(count))
    }
}

/// Count a request under a key ($1) in a minute ($2): a new minute starts from one, and keeps
/// the last minute's count if that was the one just before. A node whose clock lags behind
/// the others' counts into their (later) minute.
const COUNT_REQUEST: &str = "INSERT INTO request_counts AS c (key, minute, hits, previous_hits)
    VALUES ($1, $2, 1, 0)
    ON CONFLICT (key) DO UPDATE SET
        previous_hits = CASE
            WHEN c.minute >= EXCLUDED.minute THEN c.previous_hits
            WHEN c.minute = EXCLUDED.minute - 1 THEN c.hits
            ELSE 0 END,
        hits = CASE WHEN c.minute >= EXCLUDED.minute THEN c.hits + 1 ELSE 1 END,
        minute = GREATEST(c.minute, EXCLUDED.minute)
    RETURNING hits, previous_hits";

/// One transaction of [`Store::run`].
struct PgTx<'c> {
    client: &'c mut Client,
    statements: &'c mut HashMap<String, Statement>,
    node: Uuid,
    /// Set (with the reason) when a statement lost to a concurrent transaction: `run` rolls back
    /// and calls the job again.
    retry: Option<String>,
    /// Whether no other writer can run beside this attempt (it holds the writers' gate
    /// exclusively, or only reads).
    alone: bool,
    /// The first failure that aborted the PostgreSQL transaction; committing is then impossible.
    broken: Option<String>,
}

// ----- value conversions -----

/// Reads the columns of one row, reporting values this build cannot understand as
/// [`StoreError::Corrupt`].
struct Cols<'r> {
    row: &'r Row,
    table: &'static str,
}

impl<'r> Cols<'r> {
    fn new(row: &'r Row, table: &'static str) -> Self {
        Cols { row, table }
    }

    fn corrupt(&self, idx: usize, detail: impl std::fmt::Display) -> StoreError {
        let column = self.row.columns().get(idx).map_or("?", |c| c.name());
        StoreError::Corrupt {
            table: self.table,
            detail: format!("column {column}: {detail}"),
        }
    }

    fn get<T: FromSql<'r>>(&self, idx: usize) -> StoreResult<T> {
        self.row
            .try_get(idx)
            .map_err(|e| self.corrupt(idx, explain(&e)))
    }

    fn parse<T>(&self, idx: usize, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
        let text: &str = self.get(idx)?;
        parse(text).ok_or_else(|| self.corrupt(idx, format!("unknown value {text:?}")))
    }

    fn u32(&self, idx: usize) -> StoreResult<u32> {
        let n: i64 = self.get(idx)?;
        u32::try_from(n).map_err(|_| self.corrupt(idx, format!("{n} is out of range")))
    }

    fn json<T: DeserializeOwned>(&self, idx: usize) -> StoreResult<T> {
        let Json(value) = self.get::<Json<T>>(idx)?;
        Ok(value)
    }
}

/// Counts are never near `u32::MAX`; saturate rather than fail.
fn count(row: &Row) -> StoreResult<u32> {
    let n: i64 = Cols::new(row, "count").get(0)?;
    Ok(u32::try_from(n.max(0)).unwrap_or(u32::MAX))
}

type Params<'p> = [&'p (dyn ToSql + Sync)];

const AGENT_COLUMNS: &str = "a.id, a.extension, a.name, a.email, a.role, a.password_hash, \
    a.presence, a.last_assigned_at";

fn agent_from_row(row: &Row) -> StoreResult<AgentRow> {
    let r = Cols::new(row, "agents");
    Ok(AgentRow {
        id: r.get(0)?,
        extension: r.get(1)?,
        name: r.get(2)?,
        email: r.get(3)?,
        role: r.parse(4, Role::parse)?,
        password_hash: r.get(5)?,
        presence: r.parse(6, Presence::parse)?,
        last_assigned_at: r.get(7)?,
    })
}

const CONVERSATION_COLUMNS: &str = "c.id, c.channel_kind, c.channel_id, c.status, c.queue_id, \
    c.owner_id, c.identity_kind, c.identity_value, c.display_name, c.contact_id, c.title, \
    c.offer_round, c.offer_expires_at, c.last_seq, c.last_message_id, c.created_at, \
    c.updated_at, c.answered_at, c.resolved_at, c.last_inbound_at";

fn conversation_from_row(row: &Row) -> StoreResult<ConversationRow> {
    let r = Cols::new(row, "conversations");
    let identity = match r.get::<Option<&str>>(6)? {
        None => None,
        Some(_) => Some(Identity {
            kind: r.parse(6, ChannelKind::parse)?,
            value: r.get(7)?,
        }),
    };
    Ok(ConversationRow {
        id: r.get(0)?,
        channel: r.parse(1, ChannelKind::parse)?,
        channel_id: r.get(2)?,
        status: r.parse(3, ConversationStatus::parse)?,
        queue_id: r.get(4)?,
        owner_id: r.get(5)?,
        identity,
        display_name: r.get(8)?,
        contact_id: r.get(9)?,
        title: r.get(10)?,
        offer_round: r.u32(11)?,
        offer_expires_at: r.get(12)?,
        last_seq: r.get(13)?,
        last_message_id: r.get(14)?,
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
        answered_at: r.get(17)?,
        resolved_at: r.get(18)?,
        last_inbound_at: r.get(19)?,
    })
}

const VIEW_COLUMNS: &str = "v.conversation_id, v.agent_id, v.relation, v.archived, v.deleted, \
    v.last_read_seq, v.updated_at";

fn view_from_row(row: &Row, offset: usize) -> StoreResult<ViewRow> {
    let r = Cols::new(row, "conversation_views");
    Ok(ViewRow {
        conversation_id: r.get(offset)?,
        agent_id: r.get(offset + 1)?,
        relation: r.parse(offset + 2, Relation::parse)?,
        archived: r.get(offset + 3)?,
        deleted: r.get(offset + 4)?,
        last_read_seq: r.get(offset + 5)?,
        updated_at: r.get(offset + 6)?,
    })
}

const MESSAGE_COLUMNS: &str = "id, conversation_id, channel_id, seq, client_id, \
    provider_message_id, direction, author_agent_id, author_name, body, attachments, status, \
    error, created_at";

fn message_from_row(row: &Row) -> StoreResult<MessageRow> {
    let r = Cols::new(row, "messages");
    Ok(MessageRow {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        channel_id: r.get(2)?,
        seq: r.get(3)?,
        client_id: r.get(4)?,
        provider_message_id: r.get(5)?,
        direction: r.parse(6, Direction::parse)?,
        author_agent_id: r.get(7)?,
        author_name: r.get(8)?,
        body: r.get(9)?,
        attachments: r.json::<Vec<AttachmentRef>>(10)?,
        status: r.parse(11, MessageStatus::parse)?,
        error: r.get(12)?,
        created_at: r.get(13)?,
    })
}

fn queue_from_row(row: &Row) -> StoreResult<QueueRow> {
    let r = Cols::new(row, "queues");
    Ok(QueueRow {
        id: r.get(0)?,
        name: r.get(1)?,
        strategy: r.parse(2, Strategy::parse)?,
        offer_timeout_s: r.get(3)?,
        max_chats_per_agent: r.u32(4)?,
        last_round_robin: r.get(5)?,
        members: Vec::new(),
    })
}

const CONTACT_COLUMNS: &str = "id, name, emails, phones, search_text, created_at, updated_at";

fn contact_from_row(row: &Row) -> StoreResult<ContactRow> {
    let r = Cols::new(row, "contacts");
    Ok(ContactRow {
        id: r.get(0)?,
        name: r.get(1)?,
        emails: r.json(2)?,
        phones: r.json(3)?,
        identities: Vec::new(),
        search_text: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

const TEMPLATE_COLUMNS: &str = "id, name, body, category, language, updated_by, updated_at";

fn template_from_row(row: &Row) -> StoreResult<TemplateRow> {
    let r = Cols::new(row, "templates");
    Ok(TemplateRow {
        id: r.get(0)?,
        name: r.get(1)?,
        body: r.get(2)?,
        category: r.get(3)?,
        language: r.get(4)?,
        updated_by: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

const ATTACHMENT_COLUMNS: &str = "id, uploader_id, filename, mime, size, has_thumbnail, \
    conversation_id, message_id, created_at, visitor_id";

fn attachment_from_row(row: &Row) -> StoreResult<AttachmentRow> {
    let r = Cols::new(row, "attachments");
    Ok(AttachmentRow {
        id: r.get(0)?,
        uploader_id: r.get(1)?,
        filename: r.get(2)?,
        mime: r.get(3)?,
        size: r.get::<i64>(4)?.max(0) as u64,
        has_thumbnail: r.get(5)?,
        conversation_id: r.get(6)?,
        message_id: r.get(7)?,
        created_at: r.get(8)?,
        visitor_id: r.get(9)?,
    })
}

const OUTBOUND_COLUMNS: &str = "message_id, conversation_id, channel_id, state, attempts, \
    next_attempt_at, last_error, created_at";

fn outbound_from_row(row: &Row) -> StoreResult<OutboundJob> {
    let r = Cols::new(row, "outbound_jobs");
    Ok(OutboundJob {
        message_id: r.get(0)?,
        conversation_id: r.get(1)?,
        channel_id: r.get(2)?,
        state: r.parse(3, OutboundState::parse)?,
        attempts: r.u32(4)?,
        next_attempt_at: r.get(5)?,
        last_error: r.get(6)?,
        created_at: r.get(7)?,
    })
}

const VISITOR_COLUMNS: &str = "id, channel_id, token_hash, token_expires_at, name, email, ip, \
    user_agent, language, created_at, last_seen_at";

fn visitor_from_row(row: &Row) -> StoreResult<VisitorRow> {
    let r = Cols::new(row, "visitors");
    Ok(VisitorRow {
        id: r.get(0)?,
        channel_id: r.get(1)?,
        token_hash: r.get(2)?,
        token_expires_at: r.get(3)?,
        name: r.get(4)?,
        email: r.get(5)?,
        ip: r.get(6)?,
        user_agent: r.get(7)?,
        language: r.get(8)?,
        created_at: r.get(9)?,
        last_seen_at: r.get(10)?,
    })
}

const BLOCK_COLUMNS: &str = "id, ip, reason, blocked_by, conversation_id, created_at, expires_at";

fn block_from_row(row: &Row) -> StoreResult<BlockRow> {
    let r = Cols::new(row, "blocks");
    Ok(BlockRow {
        id: r.get(0)?,
        ip: r.get(1)?,
        reason: r.get(2)?,
        blocked_by: r.get(3)?,
        conversation_id: r.get(4)?,
        created_at: r.get(5)?,
        expires_at: r.get(6)?,
    })
}

fn event_from_row(row: &Row) -> StoreResult<EventRow> {
    let r = Cols::new(row, "events");
    Ok(EventRow {
        seq: r.get(0)?,
        kind: r.get(1)?,
        object_id: r.get(2)?,
        data: r.get(3)?,
    })
}

/// Map every row, stopping at the first that cannot be read.
fn all<T>(rows: Vec<Row>, read: impl Fn(&Row) -> StoreResult<T>) -> StoreResult<Vec<T>> {
    rows.iter().map(read).collect()
}

/// Map the first row, if any (like SQLite's `query_row(...).optional()`).
fn first<T>(rows: Vec<Row>, read: impl Fn(&Row) -> StoreResult<T>) -> StoreResult<Option<T>> {
    rows.first().map(read).transpose()
}

// ----- statements -----

impl PgTx<'_> {
    /// The connection's prepared statement for `sql`, preparing it the first time.
    fn statement(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    fn raw_query(&mut self, sql: &str, params: &Params) -> Result<Vec<Row>, postgres::Error> {
        let statement = self.statement(sql)?;
        self.client.query(&statement, params)
    }

    fn raw_execute(&mut self, sql: &str, params: &Params) -> Result<u64, postgres::Error> {
        let statement = self.statement(sql)?;
        self.client.execute(&statement, params)
    }

    /// Whether a failed statement means this attempt lost to a concurrent transaction (then
    /// `run` calls the job again), and its description.
    ///
    /// A constraint violation counts as lost unless the attempt ran alone: PostgreSQL reports a
    /// row a concurrent transaction inserted (the same message `seq`, say) as a unique
    /// violation, where SQLite's single writer would have seen that row and not collided. Only
    /// a job running alone behind the writers' gate is told about duplicates for certain.
    fn note(&mut self, err: &postgres::Error) -> String {
        let text = explain(err);
        let lost = is_retryable(err) || (is_constraint(err) && !self.alone);
        if lost && self.retry.is_none() {
            self.retry = Some(text.clone());
        }
        text
    }

    /// Record what a failed statement means for the transaction, and describe it.
    fn failed(&mut self, err: postgres::Error) -> StoreError {
        let text = self.note(&err);
        if self.broken.is_none() && (err.as_db_error().is_some() || err.is_closed()) {
            self.broken = Some(text.clone());
        }
        StoreError::Database(text)
    }

    fn query(&mut self, sql: &str, params: &Params) -> StoreResult<Vec<Row>> {
        let result = self.raw_query(sql, params);
        result.map_err(|e| self.failed(e))
    }

    fn execute(&mut self, sql: &str, params: &Params) -> StoreResult<u64> {
        let result = self.raw_execute(sql, params);
        result.map_err(|e| self.failed(e))
    }

    /// The single row a statement must return (SQLite's `query_row` without `optional`).
    fn query_one(&mut self, sql: &str, params: &Params) -> StoreResult<Row> {
        self.query(sql, params)?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Database("query returned no rows".into()))
    }

    /// Run `statement` under a savepoint, so that a constraint violation becomes
    /// [`StoreError::Duplicate`] and leaves the transaction usable, as on SQLite.
    fn unique<T>(
        &mut self,
        what: &'static str,
        statement: impl FnOnce(&mut Self) -> Result<T, postgres::Error>,
    ) -> StoreResult<T> {
        if let Err(e) = self.client.batch_execute("SAVEPOINT unique_check") {
            return Err(self.failed(e));
        }
        match statement(self) {
            Ok(value) => {
                if let Err(e) = self.client.batch_execute("RELEASE SAVEPOINT unique_check") {
                    return Err(self.failed(e));
                }
                Ok(value)
            }
            Err(err) => {
                let undone = self.client.batch_execute(
                    "ROLLBACK TO SAVEPOINT unique_check; RELEASE SAVEPOINT unique_check",
                );
                if let Err(e) = undone {
                    let _ = self.failed(err);
                    return Err(self.failed(e));
                }
                // The transaction is usable again, but a lost race still means a retry.
                let text = self.note(&err);
                if is_constraint(&err) {
                    return Err(StoreError::Duplicate { what });
                }
                Err(StoreError::Database(text))
            }
        }
    }

    fn execute_unique(
        &mut self,
        what: &'static str,
        sql: &str,
        params: &Params,
    ) -> StoreResult<u64> {
        self.unique(what, |tx| tx.raw_execute(sql, params))
    }
}

// ----- queries shared by several methods -----

impl PgTx<'_> {
    fn queue_members(&mut self, queue_id: &str) -> StoreResult<Vec<Uuid>> {
        let rows = self.query(
            "SELECT agent_id FROM queue_members WHERE queue_id = $1 ORDER BY position",
            &[&queue_id],
        )?;
        all(rows, |r| Cols::new(r, "queue_members").get(0))
    }

    fn one_agent(&mut self, sql_where: &str, params: &Params) -> StoreResult<Option<AgentRow>> {
        let sql = format!("SELECT {AGENT_COLUMNS} FROM agents a WHERE {sql_where}");
        let rows = self.query(&sql, params)?;
        first(rows, agent_from_row)
    }

    fn with_identities(&mut self, contact: Option<ContactRow>) -> StoreResult<Option<ContactRow>> {
        let Some(mut contact) = contact else {
            return Ok(None);
        };
        let rows = self.query(
            "SELECT kind, value FROM contact_identities WHERE contact_id = $1 ORDER BY position",
            &[&contact.id],
        )?;
        contact.identities = all(rows, |row| {
            let r = Cols::new(row, "contact_identities");
            Ok(Identity {
                kind: r.parse(0, ChannelKind::parse)?,
                value: r.get(1)?,
            })
        })?;
        Ok(Some(contact))
    }

    fn contacts_where(&mut self, sql_where: &str, params: &Params) -> StoreResult<Vec<ContactRow>> {
        let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE {sql_where}");
        let rows = self.query(&sql, params)?;
        let found = all(rows, contact_from_row)?;
        let mut out = Vec::with_capacity(found.len());
        for contact in found {
            out.extend(self.with_identities(Some(contact))?);
        }
        Ok(out)
    }

    /// Write a contact's identities and phones (after its row).
    fn write_contact_children(&mut self, row: &ContactRow) -> StoreResult<()> {
        self.execute(
            "DELETE FROM contact_identities WHERE contact_id = $1",
            &[&row.id],
        )?;
        self.execute(
            "DELETE FROM contact_phones WHERE contact_id = $1",
            &[&row.id],
        )?;
        for (position, identity) in row.identities.iter().enumerate() {
            self.execute_unique(
                "contact identity",
                "INSERT INTO contact_identities (contact_id, kind, value, position)
                 VALUES ($1, $2, $3, $4)",
                &[
                    &row.id,
                    &identity.kind.as_str(),
                    &identity.value,
                    &(position as i64),
                ],
            )?;
        }
        for phone in &row.phones {
            self.execute(
                "INSERT INTO contact_phones (contact_id, e164) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                &[&row.id, phone],
            )?;
        }
        Ok(())
    }

    fn conversations_where(
        &mut self,
        sql_where: &str,
        params: &Params,
    ) -> StoreResult<Vec<ConversationRow>> {
        let sql = format!("SELECT {CONVERSATION_COLUMNS} FROM conversations c WHERE {sql_where}");
        let rows = self.query(&sql, params)?;
        all(rows, conversation_from_row)
    }

    fn one_conversation(
        &mut self,
        sql_where: &str,
        params: &Params,
    ) -> StoreResult<Option<ConversationRow>> {
        Ok(self
            .conversations_where(sql_where, params)?
            .into_iter()
            .next())
    }

    fn with_members(&mut self, queue: Option<QueueRow>) -> StoreResult<Option<QueueRow>> {
        match queue {
            None => Ok(None),
            Some(mut queue) => {
                queue.members = self.queue_members(&queue.id)?;
                Ok(Some(queue))
            }
        }
    }
}

impl Tx for PgTx<'_> {
    // ----- agents and sessions -----

    fn upsert_agent(&mut self, agent: &AgentRow) -> StoreResult<AgentRow> {
        let sql = format!(
            "INSERT INTO agents AS a (id, extension, name, email, role, password_hash, presence)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (extension) DO UPDATE SET
                name = excluded.name, email = excluded.email, role = excluded.role,
                password_hash = excluded.password_hash
             RETURNING {AGENT_COLUMNS}"
        );
        let rows = self.unique("agent e-mail", |tx| {
            tx.raw_query(
                &sql,
                &[
                    &agent.id,
                    &agent.extension,
                    &agent.name,
                    &agent.email,
                    &agent.role.as_str(),
                    &agent.password_hash,
                    &agent.presence.as_str(),
                ],
            )
        })?;
        first(rows, agent_from_row)?
            .ok_or_else(|| StoreError::Database("agent vanished after upsert".into()))
    }

    fn agent(&mut self, id: Uuid) -> StoreResult<Option<AgentRow>> {
        self.one_agent("a.id = $1", &[&id])
    }

    fn agent_by_extension(&mut self, extension: &str) -> StoreResult<Option<AgentRow>> {
        self.one_agent("a.extension = $1", &[&extension])
    }

    fn agent_by_login(&mut self, login: &str) -> StoreResult<Option<AgentRow>> {
        match self.agent_by_extension(login)? {
            Some(agent) => Ok(Some(agent)),
            None => self.one_agent("a.email = $1", &[&login.to_lowercase()]),
        }
    }

    fn agents(&mut self) -> StoreResult<Vec<AgentRow>> {
        let sql =
            format!("SELECT {AGENT_COLUMNS} FROM agents a ORDER BY a.extension COLLATE \"C\"");
        let rows = self.query(&sql, &[])?;
        all(rows, agent_from_row)
    }

    fn set_presence(&mut self, id: Uuid, presence: Presence) -> StoreResult<()> {
        self.execute(
            "UPDATE agents SET presence = $2 WHERE id = $1",
            &[&id, &presence.as_str()],
        )?;
        Ok(())
    }

    fn set_last_assigned(&mut self, id: Uuid, at: DateTime<Utc>) -> StoreResult<()> {
        self.execute(
            "UPDATE agents SET last_assigned_at = $2 WHERE id = $1",
            &[&id, &at],
        )?;
        Ok(())
    }

    fn insert_session(&mut self, session: &SessionRow) -> StoreResult<()> {
        self.execute_unique(
            "session",
            "INSERT INTO sessions (token_hash, agent_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
            &[
                &session.token_hash,
                &session.agent_id,
                &session.created_at,
                &session.expires_at,
            ],
        )?;
        Ok(())
    }

    fn session_agent(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AgentRow>> {
        let sql = format!(
            "SELECT {AGENT_COLUMNS} FROM sessions s JOIN agents a ON a.id = s.agent_id
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2"
        );
        let rows = self.query(&sql, &[&token_hash, &now])?;
        first(rows, agent_from_row)
    }

    fn revoke_session(&mut self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let changed = self.execute(
            "UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
            &[&token_hash, &now],
        )?;
        Ok(changed > 0)
    }

    fn logged_in_agents(&mut self, now: DateTime<Utc>) -> StoreResult<Vec<Uuid>> {
        let rows = self.query(
            "SELECT DISTINCT agent_id FROM sessions WHERE revoked_at IS NULL AND expires_at > $1",
            &[&now],
        )?;
        all(rows, |r| Cols::new(r, "sessions").get(0))
    }

    // ----- configuration -----

    fn upsert_queue(&mut self, queue: &QueueRow) -> StoreResult<()> {
        self.execute(
            "INSERT INTO queues (id, name, strategy, offer_timeout_s, max_chats_per_agent)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                strategy = excluded.strategy, offer_timeout_s = excluded.offer_timeout_s,
                max_chats_per_agent = excluded.max_chats_per_agent",
            &[
                &queue.id,
                &queue.name,
                &queue.strategy.as_str(),
                &queue.offer_timeout_s,
                &i64::from(queue.max_chats_per_agent),
            ],
        )?;
        self.execute(
            "DELETE FROM queue_members WHERE queue_id = $1",
            &[&queue.id],
        )?;
        for (position, agent) in queue.members.iter().enumerate() {
            self.execute_unique(
                "queue member",
                "INSERT INTO queue_members (queue_id, agent_id, position) VALUES ($1, $2, $3)",
                &[&queue.id, agent, &(position as i64)],
            )?;
        }
        Ok(())
    }

    fn queue(&mut self, id: &str) -> StoreResult<Option<QueueRow>> {
        let rows = self.query(
            "SELECT id, name, strategy, offer_timeout_s, max_chats_per_agent, last_round_robin
             FROM queues WHERE id = $1",
            &[&id],
        )?;
        let queue = first(rows, queue_from_row)?;
        self.with_members(queue)
    }

    fn queues_of_agent(&mut self, agent: Uuid) -> StoreResult<Vec<QueueRow>> {
        let rows = self.query(
            "SELECT queue_id FROM queue_members WHERE agent_id = $1 ORDER BY queue_id COLLATE \"C\"",
            &[&agent],
        )?;
        let ids: Vec<String> = all(rows, |r| Cols::new(r, "queue_members").get(0))?;
        let mut queues = Vec::with_capacity(ids.len());
        for id in ids {
            queues.extend(self.queue(&id)?);
        }
        Ok(queues)
    }

    fn set_last_round_robin(&mut self, queue: &str, agent: Uuid) -> StoreResult<()> {
        self.execute(
            "UPDATE queues SET last_round_robin = $2 WHERE id = $1",
            &[&queue, &agent],
        )?;
        Ok(())
    }

    fn upsert_channel(&mut self, channel: &ChannelRow) -> StoreResult<()> {
        let (queue, extension) = match &channel.route {
            Route::Queue(q) => (Some(q.as_str()), None),
            Route::Extension(e) => (None, Some(e.as_str())),
        };
        self.execute(
            "INSERT INTO channels (id, kind, route_queue, route_extension) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind,
                route_queue = excluded.route_queue, route_extension = excluded.route_extension",
            &[&channel.id, &channel.kind.as_str(), &queue, &extension],
        )?;
        Ok(())
    }

    fn channel(&mut self, id: &str) -> StoreResult<Option<ChannelRow>> {
        let rows = self.query(
            "SELECT id, kind, route_queue, route_extension FROM channels WHERE id = $1",
            &[&id],
        )?;
        first(rows, |row| {
            let r = Cols::new(row, "channels");
            let route = match (r.get::<Option<String>>(2)?, r.get::<Option<String>>(3)?) {
                (Some(queue), _) => Route::Queue(queue),
                (None, Some(extension)) => Route::Extension(extension),
                (None, None) => return Err(r.corrupt(2, "channel without route")),
            };
            Ok(ChannelRow {
                id: r.get(0)?,
                kind: r.parse(1, ChannelKind::parse)?,
                route,
            })
        })
    }

    // ----- conversations -----

    fn conversation(&mut self, id: Uuid) -> StoreResult<Option<ConversationRow>> {
        self.one_conversation("c.id = $1", &[&id])
    }

    fn conversation_for_update(&mut self, id: Uuid) -> StoreResult<Option<ConversationRow>> {
        // Concurrent writers of the row wait for this transaction (and then retry, being
        // serialisable).
        self.one_conversation("c.id = $1 FOR UPDATE", &[&id])
    }

    fn open_conversation_for(
        &mut self,
        channel_id: &str,
        identity_value: &str,
    ) -> StoreResult<Option<ConversationRow>> {
        self.one_conversation(
            "c.channel_id = $1 AND c.identity_value = $2 AND c.status <> 'resolved'
             ORDER BY c.created_at DESC LIMIT 1",
            &[&channel_id, &identity_value],
        )
    }

    fn insert_conversation(&mut self, row: &ConversationRow) -> StoreResult<()> {
        self.execute_unique(
            "conversation",
            "INSERT INTO conversations
                (id, channel_kind, channel_id, status, created_at, updated_at, display_name)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &row.id,
                &row.channel.as_str(),
                &row.channel_id,
                &row.status.as_str(),
                &row.created_at,
                &row.updated_at,
                &row.display_name,
            ],
        )?;
        self.update_conversation(row)
    }

    fn update_conversation(&mut self, row: &ConversationRow) -> StoreResult<()> {
        self.execute(
            "UPDATE conversations SET channel_kind = $2, channel_id = $3, status = $4,
                queue_id = $5, owner_id = $6, identity_kind = $7, identity_value = $8,
                display_name = $9, contact_id = $10, title = $11, offer_round = $12,
                offer_expires_at = $13, last_seq = $14, last_message_id = $15,
                created_at = $16, updated_at = $17, answered_at = $18, resolved_at = $19,
                last_inbound_at = $20
             WHERE id = $1",
            &[
                &row.id,
                &row.channel.as_str(),
                &row.channel_id,
                &row.status.as_str(),
                &row.queue_id,
                &row.owner_id,
                &row.identity.as_ref().map(|i| i.kind.as_str()),
                &row.identity.as_ref().map(|i| i.value.as_str()),
                &row.display_name,
                &row.contact_id,
                &row.title,
                &i64::from(row.offer_round),
                &row.offer_expires_at,
                &row.last_seq,
                &row.last_message_id,
                &row.created_at,
                &row.updated_at,
                &row.answered_at,
                &row.resolved_at,
                &row.last_inbound_at,
            ],
        )?;
        Ok(())
    }

    fn claim_conversation(
        &mut self,
        id: Uuid,
        agent: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let changed = self.execute(
            "UPDATE conversations SET owner_id = $2, status = 'open', offer_expires_at = NULL,
                answered_at = $3, updated_at = $3
             WHERE id = $1 AND owner_id IS NULL AND status = 'queued'",
            &[&id, &agent, &now],
        )?;
        Ok(changed == 1)
    }

    fn expired_offers(&mut self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Uuid>> {
        let rows = self.query(
            "SELECT id FROM conversations
             WHERE offer_expires_at IS NOT NULL AND offer_expires_at <= $1 AND status = 'queued'
             ORDER BY offer_expires_at LIMIT $2",
            &[&now, &i64::from(limit)],
        )?;
        all(rows, |r| Cols::new(r, "conversations").get(0))
    }

    fn queued_in(&mut self, queue_id: &str) -> StoreResult<Vec<Uuid>> {
        let rows = self.query(
            "SELECT id FROM conversations WHERE queue_id = $1 AND status = 'queued'
             ORDER BY created_at",
            &[&queue_id],
        )?;
        all(rows, |r| Cols::new(r, "conversations").get(0))
    }

    fn open_owned_count(&mut self, agent: Uuid) -> StoreResult<u32> {
        let row = self.query_one(
            "SELECT COUNT(*) FROM conversations
             WHERE owner_id = $1 AND status = 'open' AND channel_kind <> 'internal'",
            &[&agent],
        )?;
        count(&row)
    }

    fn answered_count(
        &mut self,
        agent: Uuid,
        queue_id: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u32> {
        let row = self.query_one(
            "SELECT COUNT(*) FROM conversations
             WHERE owner_id = $1 AND queue_id = $2 AND answered_at >= $3",
            &[&agent, &queue_id, &since],
        )?;
        count(&row)
    }

    // ----- per-agent views -----

    fn view(&mut self, conversation: Uuid, agent: Uuid) -> StoreResult<Option<ViewRow>> {
        let sql = format!(
            "SELECT {VIEW_COLUMNS} FROM conversation_views v
             WHERE v.conversation_id = $1 AND v.agent_id = $2"
        );
        let rows = self.query(&sql, &[&conversation, &agent])?;
        first(rows, |r| view_from_row(r, 0))
    }

    fn views(&mut self, conversation: Uuid) -> StoreResult<Vec<ViewRow>> {
        let sql = format!(
            "SELECT {VIEW_COLUMNS} FROM conversation_views v WHERE v.conversation_id = $1
             ORDER BY v.agent_id"
        );
        let rows = self.query(&sql, &[&conversation])?;
        all(rows, |r| view_from_row(r, 0))
    }

    fn upsert_view(&mut self, view: &ViewRow) -> StoreResult<()> {
        self.execute(
            "INSERT INTO conversation_views
                (conversation_id, agent_id, relation, archived, deleted, last_read_seq, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (conversation_id, agent_id) DO UPDATE SET
                relation = excluded.relation, archived = excluded.archived,
                deleted = excluded.deleted, last_read_seq = excluded.last_read_seq,
                updated_at = excluded.updated_at",
            &[
                &view.conversation_id,
                &view.agent_id,
                &view.relation.as_str(),
                &view.archived,
                &view.deleted,
                &view.last_read_seq,
                &view.updated_at,
            ],
        )?;
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
        // Without a cursor the first page starts at the newest.
        let after_time = after.map(|cursor| cursor.updated_at);
        let after_id = after.map_or(Uuid::nil(), |cursor| cursor.conversation_id);
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS}, {VIEW_COLUMNS}
             FROM conversation_views v JOIN conversations c ON c.id = v.conversation_id
             WHERE v.agent_id = $1 AND v.archived = $2 AND NOT v.deleted
               AND v.relation <> 'former'
               AND ($3::timestamptz IS NULL OR c.updated_at < $3
                    OR (c.updated_at = $3 AND c.id < $4))
             ORDER BY c.updated_at DESC, c.id DESC LIMIT $5"
        );
        let rows = self.query(
            &sql,
            &[&agent, &archived, &after_time, &after_id, &i64::from(limit)],
        )?;
        all(rows, |r| {
            Ok((conversation_from_row(r)?, view_from_row(r, 20)?))
        })
    }

    // ----- messages -----

    fn insert_message(&mut self, row: &MessageRow) -> StoreResult<()> {
        self.execute_unique(
            "message",
            &format!(
                "INSERT INTO messages ({MESSAGE_COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            ),
            &[
                &row.id,
                &row.conversation_id,
                &row.channel_id,
                &row.seq,
                &row.client_id,
                &row.provider_message_id,
                &row.direction.as_str(),
                &row.author_agent_id,
                &row.author_name,
                &row.body,
                &Json(&row.attachments),
                &row.status.as_str(),
                &row.error,
                &row.created_at,
            ],
        )?;
        Ok(())
    }

    fn message(&mut self, id: Uuid) -> StoreResult<Option<MessageRow>> {
        let rows = self.query(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1"),
            &[&id],
        )?;
        first(rows, message_from_row)
    }

    fn message_by_client_id(
        &mut self,
        author: Uuid,
        client_id: Uuid,
    ) -> StoreResult<Option<MessageRow>> {
        let rows = self.query(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE author_agent_id = $1 AND client_id = $2"
            ),
            &[&author, &client_id],
        )?;
        first(rows, message_from_row)
    }

    fn message_by_provider_id(
        &mut self,
        channel_id: &str,
        provider_id: &str,
    ) -> StoreResult<Option<MessageRow>> {
        let rows = self.query(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages
                 WHERE channel_id = $1 AND provider_message_id = $2"
            ),
            &[&channel_id, &provider_id],
        )?;
        first(rows, message_from_row)
    }

    fn messages_before(
        &mut self,
        conversation: Uuid,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<MessageRow>> {
        let rows = self.query(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq < $2
                 ORDER BY seq DESC LIMIT $3"
            ),
            &[
                &conversation,
                &before.unwrap_or(i64::MAX),
                &i64::from(limit),
            ],
        )?;
        let mut messages = all(rows, message_from_row)?;
        messages.reverse();
        Ok(messages)
    }

    fn unread_count(
        &mut self,
        conversation: Uuid,
        agent: Uuid,
        after_seq: i64,
    ) -> StoreResult<u32> {
        let row = self.query_one(
            "SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND seq > $3
               AND (author_agent_id IS NULL OR author_agent_id <> $2)",
            &[&conversation, &agent, &after_seq],
        )?;
        count(&row)
    }

    // ----- events -----

    fn append_event(
        &mut self,
        agent: Uuid,
        event: &EventRow,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let row = self.query_one(
            "UPDATE agents SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq",
            &[&agent],
        )?;
        let seq: i64 = Cols::new(&row, "agents").get(0)?;
        self.execute(
            "INSERT INTO events (agent_id, seq, kind, object_id, data, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &agent,
                &seq,
                &event.kind,
                &event.object_id,
                &event.data,
                &now,
            ],
        )?;
        Ok(seq)
    }

    fn events_after(&mut self, agent: Uuid, cursor: i64, limit: u32) -> StoreResult<Vec<EventRow>> {
        let rows = self.query(
            "SELECT seq, kind, object_id, data FROM events WHERE agent_id = $1 AND seq > $2
             ORDER BY seq LIMIT $3",
            &[&agent, &cursor, &i64::from(limit)],
        )?;
        all(rows, event_from_row)
    }

    fn event_bounds(&mut self, agent: Uuid) -> StoreResult<(i64, i64)> {
        let row = self.query_one(
            "SELECT event_floor, event_seq FROM agents WHERE id = $1",
            &[&agent],
        )?;
        let r = Cols::new(&row, "agents");
        Ok((r.get(0)?, r.get(1)?))
    }

    fn prune_events(&mut self, before: DateTime<Utc>) -> StoreResult<u64> {
        // Each agent's floor becomes the newest cursor that is gone.
        self.execute(
            "UPDATE agents SET event_floor = GREATEST(agents.event_floor, gone.newest)
             FROM (SELECT agent_id, MAX(seq) AS newest FROM events
                   WHERE created_at < $1 GROUP BY agent_id) gone
             WHERE agents.id = gone.agent_id",
            &[&before],
        )?;
        self.execute("DELETE FROM events WHERE created_at < $1", &[&before])
    }

    // ----- contacts -----

    fn insert_contact(&mut self, row: &ContactRow) -> StoreResult<()> {
        self.execute_unique(
            "contact",
            &format!(
                "INSERT INTO contacts ({CONTACT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            ),
            &[
                &row.id,
                &row.name,
                &Json(&row.emails),
                &Json(&row.phones),
                &row.search_text,
                &row.created_at,
                &row.updated_at,
            ],
        )?;
        self.write_contact_children(row)
    }

    fn update_contact(&mut self, row: &ContactRow) -> StoreResult<()> {
        self.execute(
            "UPDATE contacts SET name = $2, emails = $3, phones = $4, search_text = $5,
                updated_at = $6 WHERE id = $1",
            &[
                &row.id,
                &row.name,
                &Json(&row.emails),
                &Json(&row.phones),
                &row.search_text,
                &row.updated_at,
            ],
        )?;
        self.write_contact_children(row)
    }

    fn delete_contact(&mut self, id: Uuid) -> StoreResult<bool> {
        self.execute(
            "UPDATE conversations SET contact_id = NULL WHERE contact_id = $1",
            &[&id],
        )?;
        let removed = self.execute("DELETE FROM contacts WHERE id = $1", &[&id])?;
        Ok(removed > 0)
    }

    fn contact(&mut self, id: Uuid) -> StoreResult<Option<ContactRow>> {
        Ok(self.contacts_where("id = $1", &[&id])?.pop())
    }

    fn search_contacts(
        &mut self,
        terms: &[String],
        after: Option<&ContactCursor>,
        limit: u32,
    ) -> StoreResult<Vec<ContactRow>> {
        // SQLite's LIKE ignores the case of ASCII letters only; so does lower() under "C".
        // PostgreSQL's LIKE escapes with a backslash by default.
        let patterns: Vec<String> = terms
            .iter()
            .map(|t| super::contains_pattern(t).to_ascii_lowercase())
            .collect();
        let (after_name, after_id) = match after {
            Some(cursor) => (Some(cursor.name.as_str()), Some(cursor.id)),
            None => (None, None),
        };
        let sql = format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts
             WHERE (cardinality($1::text[]) = 0
                    OR lower(search_text COLLATE \"C\") LIKE ANY ($1::text[]))
               AND ($3::text IS NULL
                    OR (lower(name COLLATE \"C\"), id) > (lower($3::text COLLATE \"C\"), $4::uuid))
             ORDER BY lower(name COLLATE \"C\"), id LIMIT $2"
        );
        let rows = self.query(
            &sql,
            &[&patterns, &i64::from(limit), &after_name, &after_id],
        )?;
        let found = all(rows, contact_from_row)?;
        let mut out = Vec::with_capacity(found.len());
        for contact in found {
            out.extend(self.with_identities(Some(contact))?);
        }
        Ok(out)
    }

    fn contact_by_identity(&mut self, identity: &Identity) -> StoreResult<Option<ContactRow>> {
        let rows = self.query(
            "SELECT contact_id FROM contact_identities WHERE kind = $1 AND value = $2",
            &[&identity.kind.as_str(), &identity.value],
        )?;
        let id: Option<Uuid> = first(rows, |r| Cols::new(r, "contact_identities").get(0))?;
        match id {
            Some(id) => Ok(self.contacts_where("id = $1", &[&id])?.pop()),
            None => Ok(None),
        }
    }

    fn contact_by_phone(&mut self, e164: &str) -> StoreResult<Option<ContactRow>> {
        Ok(self
            .contacts_where(
                "id IN (SELECT contact_id FROM contact_phones WHERE e164 = $1)
                 ORDER BY created_at LIMIT 1",
                &[&e164],
            )?
            .pop())
    }

    fn conversations_with_identity(
        &mut self,
        identity: &Identity,
    ) -> StoreResult<Vec<ConversationRow>> {
        self.conversations_where(
            "c.identity_kind = $1 AND c.identity_value = $2 ORDER BY c.created_at",
            &[&identity.kind.as_str(), &identity.value],
        )
    }

    fn conversations_of_contact(&mut self, contact: Uuid) -> StoreResult<Vec<ConversationRow>> {
        self.conversations_where(
            "c.contact_id = $1 ORDER BY c.created_at DESC, c.id DESC",
            &[&contact],
        )
    }

    fn message_count(&mut self, conversation: Uuid) -> StoreResult<u32> {
        let row = self.query_one(
            "SELECT COUNT(*) FROM messages WHERE conversation_id = $1",
            &[&conversation],
        )?;
        count(&row)
    }

    // ----- templates -----

    fn templates(&mut self) -> StoreResult<Vec<TemplateRow>> {
        let rows = self.query(
            &format!("SELECT {TEMPLATE_COLUMNS} FROM templates ORDER BY name COLLATE \"C\", id"),
            &[],
        )?;
        all(rows, template_from_row)
    }

    fn template(&mut self, id: Uuid) -> StoreResult<Option<TemplateRow>> {
        let rows = self.query(
            &format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = $1"),
            &[&id],
        )?;
        first(rows, template_from_row)
    }

    fn upsert_template(&mut self, row: &TemplateRow) -> StoreResult<()> {
        self.execute(
            &format!(
                "INSERT INTO templates ({TEMPLATE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, body = excluded.body,
                    category = excluded.category, language = excluded.language,
                    updated_by = excluded.updated_by, updated_at = excluded.updated_at"
            ),
            &[
                &row.id,
                &row.name,
                &row.body,
                &row.category,
                &row.language,
                &row.updated_by,
                &row.updated_at,
            ],
        )?;
        Ok(())
    }

    fn delete_template(&mut self, id: Uuid) -> StoreResult<bool> {
        let removed = self.execute("DELETE FROM templates WHERE id = $1", &[&id])?;
        Ok(removed > 0)
    }

    // ----- attachments -----

    fn insert_attachment(&mut self, row: &AttachmentRow) -> StoreResult<()> {
        self.execute_unique(
            "attachment",
            &format!(
                "INSERT INTO attachments ({ATTACHMENT_COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            ),
            &[
                &row.id,
                &row.uploader_id,
                &row.filename,
                &row.mime,
                &(row.size as i64),
                &row.has_thumbnail,
                &row.conversation_id,
                &row.message_id,
                &row.created_at,
                &row.visitor_id,
            ],
        )?;
        Ok(())
    }

    fn attachment(&mut self, id: Uuid) -> StoreResult<Option<AttachmentRow>> {
        let rows = self.query(
            &format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = $1"),
            &[&id],
        )?;
        first(rows, attachment_from_row)
    }

    fn link_attachment(
        &mut self,
        id: Uuid,
        conversation: Uuid,
        message: Uuid,
    ) -> StoreResult<bool> {
        let changed = self.execute(
            "UPDATE attachments SET conversation_id = $2, message_id = $3
             WHERE id = $1 AND message_id IS NULL",
            &[&id, &conversation, &message],
        )?;
        Ok(changed == 1)
    }

    // ----- delivery -----

    fn enqueue_outbound(&mut self, job: &OutboundJob) -> StoreResult<()> {
        self.execute_unique(
            "outbound job",
            &format!(
                "INSERT INTO outbound_jobs ({OUTBOUND_COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ),
            &[
                &job.message_id,
                &job.conversation_id,
                &job.channel_id,
                &job.state.as_str(),
                &i64::from(job.attempts),
                &job.next_attempt_at,
                &job.last_error,
                &job.created_at,
            ],
        )?;
        Ok(())
    }

    fn due_outbound(&mut self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<OutboundJob>> {
        let rows = self.query(
            &format!(
                "SELECT {OUTBOUND_COLUMNS} FROM outbound_jobs o
                 WHERE o.state = 'queued' AND o.next_attempt_at <= $1
                   AND NOT EXISTS (
                     SELECT 1 FROM outbound_jobs e
                     WHERE e.conversation_id = o.conversation_id
                       AND e.state IN ('queued', 'sending')
                       AND (e.created_at < o.created_at
                            OR (e.created_at = o.created_at AND e.message_id < o.message_id)))
                 ORDER BY o.created_at, o.message_id LIMIT $2"
            ),
            &[&now, &i64::from(limit)],
        )?;
        all(rows, outbound_from_row)
    }

    fn update_outbound(&mut self, job: &OutboundJob) -> StoreResult<()> {
        self.execute(
            "UPDATE outbound_jobs SET state = $2, attempts = $3, next_attempt_at = $4,
                last_error = $5 WHERE message_id = $1",
            &[
                &job.message_id,
                &job.state.as_str(),
                &i64::from(job.attempts),
                &job.next_attempt_at,
                &job.last_error,
            ],
        )?;
        Ok(())
    }

    fn outbound_in_state(&mut self, state: OutboundState) -> StoreResult<Vec<OutboundJob>> {
        let rows = self.query(
            &format!(
                "SELECT {OUTBOUND_COLUMNS} FROM outbound_jobs WHERE state = $1 ORDER BY created_at"
            ),
            &[&state.as_str()],
        )?;
        all(rows, outbound_from_row)
    }

    fn set_message_delivery(
        &mut self,
        id: Uuid,
        status: MessageStatus,
        error: Option<&str>,
        provider_message_id: Option<&str>,
    ) -> StoreResult<()> {
        self.execute_unique(
            "provider message id",
            "UPDATE messages SET status = $2, error = $3,
                provider_message_id = COALESCE($4, provider_message_id)
             WHERE id = $1",
            &[&id, &status.as_str(), &error, &provider_message_id],
        )?;
        Ok(())
    }

    // ----- live chat -----

    fn upsert_visitor(&mut self, v: &VisitorRow) -> StoreResult<()> {
        self.execute_unique(
            "visitor token",
            &format!(
                "INSERT INTO visitors ({VISITOR_COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash,
                    token_expires_at = excluded.token_expires_at, name = excluded.name,
                    email = excluded.email, ip = excluded.ip, user_agent = excluded.user_agent,
                    language = excluded.language, last_seen_at = excluded.last_seen_at"
            ),
            &[
                &v.id,
                &v.channel_id,
                &v.token_hash,
                &v.token_expires_at,
                &v.name,
                &v.email,
                &v.ip,
                &v.user_agent,
                &v.language,
                &v.created_at,
                &v.last_seen_at,
            ],
        )?;
        Ok(())
    }

    fn visitor_by_token(
        &mut self,
        channel_id: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<VisitorRow>> {
        let rows = self.query(
            &format!(
                "SELECT {VISITOR_COLUMNS} FROM visitors
                 WHERE channel_id = $1 AND token_hash = $2 AND token_expires_at > $3"
            ),
            &[&channel_id, &token_hash, &now],
        )?;
        first(rows, visitor_from_row)
    }

    fn visitor(&mut self, id: Uuid) -> StoreResult<Option<VisitorRow>> {
        let rows = self.query(
            &format!("SELECT {VISITOR_COLUMNS} FROM visitors WHERE id = $1"),
            &[&id],
        )?;
        first(rows, visitor_from_row)
    }

    fn latest_conversation_for(
        &mut self,
        channel_id: &str,
        identity_value: &str,
    ) -> StoreResult<Option<ConversationRow>> {
        self.one_conversation(
            "c.channel_id = $1 AND c.identity_value = $2
             ORDER BY c.created_at DESC, c.id DESC LIMIT 1",
            &[&channel_id, &identity_value],
        )
    }

    fn insert_block(&mut self, b: &BlockRow) -> StoreResult<()> {
        self.execute_unique(
            "block",
            &format!("INSERT INTO blocks ({BLOCK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
            &[
                &b.id,
                &b.ip,
                &b.reason,
                &b.blocked_by,
                &b.conversation_id,
                &b.created_at,
                &b.expires_at,
            ],
        )?;
        Ok(())
    }

    fn active_block(&mut self, ip: &str, now: DateTime<Utc>) -> StoreResult<Option<BlockRow>> {
        let rows = self.query(
            &format!(
                "SELECT {BLOCK_COLUMNS} FROM blocks
                 WHERE ip = $1 AND (expires_at IS NULL OR expires_at > $2)
                 ORDER BY created_at DESC LIMIT 1"
            ),
            &[&ip, &now],
        )?;
        first(rows, block_from_row)
    }

    fn blocks(&mut self, now: DateTime<Utc>) -> StoreResult<Vec<BlockRow>> {
        let rows = self.query(
            &format!(
                "SELECT {BLOCK_COLUMNS} FROM blocks WHERE expires_at IS NULL OR expires_at > $1
                 ORDER BY created_at DESC"
            ),
            &[&now],
        )?;
        all(rows, block_from_row)
    }

    fn delete_block(&mut self, id: Uuid) -> StoreResult<bool> {
        let removed = self.execute("DELETE FROM blocks WHERE id = $1", &[&id])?;
        Ok(removed > 0)
    }

    fn outbound_messages_until(
        &mut self,
        conversation: Uuid,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<MessageRow>> {
        let rows = self.query(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages
                 WHERE conversation_id = $1 AND direction = 'outbound' AND created_at <= $2
                 ORDER BY seq"
            ),
            &[&conversation, &until],
        )?;
        all(rows, message_from_row)
    }

    // ----- other nodes -----

    fn announce(&mut self, announcement: &Announcement) -> StoreResult<()> {
        let Announcement {
            streams,
            outbound,
            everyone,
            typing,
        } = announcement;
        if streams.is_empty() && !outbound && !everyone && typing.is_empty() {
            return Ok(());
        }
        let mut chunks: Vec<&[Uuid]> = streams.chunks(STREAMS_PER_NOTICE).collect();
        if chunks.is_empty() {
            chunks.push(&[]);
        }
        for (i, chunk) in chunks.into_iter().enumerate() {
            let payload = serde_json::to_string(&Notice {
                node: self.node,
                streams: chunk.to_vec(),
                // Once is enough.
                outbound: *outbound && i == 0,
                everyone: *everyone && i == 0,
                typing: if i == 0 { typing.clone() } else { Vec::new() },
            })
            .map_err(|e| StoreError::Database(format!("announcement: {e}")))?;
            self.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])?;
        }
        Ok(())
    }
}

// ----- hearing the other nodes -----

/// The payload of one notification on `CHANNEL`.
#[derive(Debug, Serialize, Deserialize)]
struct Notice {
    /// The node that sent it.
    node: Uuid,
    #[serde(default)]
    streams: Vec<Uuid>,
    #[serde(default)]
    outbound: bool,
    #[serde(default)]
    everyone: bool,
    #[serde(default)]
    typing: Vec<Typing>,
}

/// What the node `own` should hear of a payload: nothing of its own announcements, and
/// everything (wake everyone) of one it cannot read.
fn decode(payload: &str, own: Uuid) -> Option<Announcement> {
    match serde_json::from_str::<Notice>(payload) {
        Ok(notice) if notice.node == own => None,
        Ok(notice) => Some(Announcement {
            streams: notice.streams,
            outbound: notice.outbound,
            everyone: notice.everyone,
            typing: notice.typing,
        }),
        Err(e) => {
            tracing::debug!(error = %e, "unreadable announcement from another node");
            Some(Announcement {
                everyone: true,
                ..Default::default()
            })
        }
    }
}

/// A connection of its own (not from the pool: it stays busy listening) that `LISTEN`s.
fn listener_connection(target: &Target) -> Result<Client, String> {
    let mut client = target.connect().map_err(|e| explain(&e))?;
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .map_err(|e| explain(&e))?;
    Ok(client)
}

/// The background thread of [`Store::listen`].
struct Listener {
    target: Target,
    secrets: Secrets,
    node: Uuid,
    stop: Arc<AtomicBool>,
    wake: Arc<dyn Fn(Announcement) + Send + Sync>,
}

impl Listener {
    fn run(self, first: Client) {
        let mut client = Some(first);
        let mut delay = RECONNECT_FIRST;
        while !self.stopped() {
            let mut connected = match client.take() {
                Some(connected) => connected,
                None => match listener_connection(&self.target) {
                    Ok(connected) => connected,
                    Err(e) => {
                        tracing::warn!(
                            error = %self.secrets.scrub(&e),
                            retry_in_s = delay.as_secs(),
                            "cannot reconnect to PostgreSQL to hear the other server nodes"
                        );
                        self.pause(delay);
                        delay = (delay * 2).min(RECONNECT_LAST);
                        continue;
                    }
                },
            };
            delay = RECONNECT_FIRST;
            // What was announced while nobody listened is lost: everyone looks again.
            (self.wake)(Announcement {
                everyone: true,
                ..Default::default()
            });
            if let Err(e) = self.hear(&mut connected) {
                tracing::warn!(
                    error = %self.secrets.scrub(&e),
                    "lost the PostgreSQL connection that hears the other server nodes; reconnecting"
                );
                self.pause(RECONNECT_FIRST);
            }
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Sleep, but not past the store's end.
    fn pause(&self, total: Duration) {
        let until = Instant::now() + total;
        while !self.stopped() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Hand notifications to `wake` until the connection fails (`Err`) or the store is dropped.
    fn hear(&self, client: &mut Client) -> Result<(), String> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut quiet_since = Instant::now();
        while !self.stopped() {
            let next = client
                .notifications()
                .timeout_iter(Duration::from_secs(1))
                .next()
                .map_err(|e| explain(&e))?;
            match next {
                Some(notification) => {
                    quiet_since = Instant::now();
                    if let Some(news) = decode(notification.payload(), self.node) {
                        (self.wake)(news);
                    }
                }
                None if client.is_closed() => return Err("the server closed the connection".into()),
                None if quiet_since.elapsed() >= LISTEN_PING => {
                    // A silent connection may be a dead one.
                    client.is_valid(CONNECT_TIMEOUT).map_err(|e| explain(&e))?;
                    quiet_since = Instant::now();
                }
                None => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::sync::{Barrier, Mutex};

    use super::*;
    use crate::store::conformance::{agent, conversation, t0, write};

    /// A new, empty database on the server named by `SWITCHBOARD_TEST_PG` (an admin URL whose
    /// role may create databases; `scripts/postgres.sh` prints one), or `None` (skip) when it is
    /// not set outside CI.
    fn scratch_database() -> Option<String> {
        let Some(admin) = std::env::var("SWITCHBOARD_TEST_PG")
            .ok()
            .filter(|url| !url.is_empty())
        else {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "SWITCHBOARD_TEST_PG is not set, and CI must run the PostgreSQL tests: \
                     export SWITCHBOARD_TEST_PG=\"$(scripts/postgres.sh)\""
                );
            }
            eprintln!("SKIPPED: SWITCHBOARD_TEST_PG is not set");
            return None;
        };
        let name = format!("sb_test_{}", Uuid::now_v7().simple());
        let mut client = postgres::Client::connect(&admin, NoTls)
            .expect("the SWITCHBOARD_TEST_PG server accepts connections");
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("creating a test database");
        Some(with_database(&admin, &name))
    }

    #[test]
    fn tls_is_used_and_the_certificate_checked_when_the_url_requires_it() {
        let Some(url) = scratch_database() else {
            return;
        };
        let Some(ca) = std::env::var("SWITCHBOARD_TEST_PG_CA")
            .ok()
            .filter(|ca| !ca.is_empty())
        else {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "SWITCHBOARD_TEST_PG_CA is not set (scripts/postgres.sh says where the CA is)"
                );
            }
            eprintln!("SKIPPED: SWITCHBOARD_TEST_PG_CA is not set");
            return;
        };
        let ssl_in_use = |store: &PgStore| -> bool {
            let mut conn = store.connection().unwrap();
            conn.client()
                .query_one(
                    "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                    &[],
                )
                .unwrap()
                .get(0)
        };

        let store = PgStore::open(&format!("{url}?sslmode=require&sslrootcert={ca}"))
            .expect("a TLS connection, the server's certificate signed by the given CA");
        assert!(ssl_in_use(&store), "the connection is encrypted");
        write(&store, |tx| tx.upsert_agent(&agent("100")));

        // The system does not trust the test CA: without it, the server is refused.
        let refused =
            PgStore::open_with_timeout(&format!("{url}?sslmode=require"), Duration::from_secs(3))
                .expect_err("an untrusted certificate is refused");
        assert!(
            refused.to_string().contains("certificate"),
            "the error says why: {refused}"
        );
        assert!(
            !refused.to_string().contains("switchboard:switchboard"),
            "{refused}"
        );

        // Without sslmode=require, nothing is encrypted (as before).
        let plain = PgStore::open(&url).unwrap();
        assert!(!ssl_in_use(&plain));
    }

    /// `url` naming the database `name` instead of its own.
    fn with_database(url: &str, name: &str) -> String {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return format!("{url} dbname={name}");
        }
        let (base, query) = match url.split_once('?') {
            Some((base, query)) => (base, Some(query)),
            None => (url, None),
        };
        let scheme_end = base.find("://").map_or(0, |i| i + 3);
        let server = match base[scheme_end..].find('/') {
            Some(slash) => &base[..scheme_end + slash],
            None => base,
        };
        match query {
            Some(query) => format!("{server}/{name}?{query}"),
            None => format!("{server}/{name}"),
        }
    }

    /// Drop a scratch database (and whatever connections are left on it).
    fn drop_database(url: &str) {
        let admin = std::env::var("SWITCHBOARD_TEST_PG").expect("set when a database was made");
        let config: postgres::Config = url.parse().expect("a scratch URL");
        let name = config.get_dbname().expect("a database name").to_string();
        let mut client = postgres::Client::connect(&admin, NoTls).expect("admin connection");
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("dropping a test database");
    }

    #[test]
    fn postgres_store_passes_the_storage_conformance_suite() {
        let Some(url) = scratch_database() else {
            return;
        };
        let store = PgStore::open(&url).unwrap();
        crate::store::conformance::run_all(&store);
        assert!(store.shared());
        drop(store);
        drop_database(&url);
    }

    #[test]
    fn request_counts_roll_over_by_minute_are_shared_and_swept() {
        let Some(url) = scratch_database() else {
            return;
        };
        let (a, b) = (PgStore::open(&url).unwrap(), PgStore::open(&url).unwrap());
        let count = |store: &PgStore, key: &str, minute: i64| {
            let c = store.count_request(key, minute).unwrap().expect("shared");
            (c.this_minute, c.previous_minute)
        };
        let minute = 29_000_000;
        assert_eq!(count(&a, "k", minute), (1, 0));
        assert_eq!(count(&b, "k", minute), (2, 0), "both nodes count together");
        assert_eq!(count(&a, "other", minute), (1, 0), "keys are apart");
        assert_eq!(
            count(&b, "k", minute + 1),
            (1, 2),
            "the last minute is kept"
        );
        assert_eq!(
            count(&a, "k", minute),
            (2, 2),
            "a node whose clock lags counts into the later minute"
        );
        assert_eq!(
            count(&a, "k", minute + 3),
            (1, 0),
            "minutes ago are forgotten"
        );
        // Once a minute a node drops counts older than the minute before.
        let rows = |store: &PgStore| {
            let mut conn = store.connection().unwrap();
            let n: i64 = conn
                .client()
                .query_one("SELECT count(*) FROM request_counts", &[])
                .unwrap()
                .get(0);
            n
        };
        assert_eq!(rows(&a), 1, "'other' was swept when A moved on");
        assert_eq!(count(&b, "k", minute + 3), (2, 0));
        drop((a, b));
        drop_database(&url);
    }

    #[test]
    fn migrations_run_once_also_when_nodes_start_together_and_newer_schemas_are_refused() {
        let Some(url) = scratch_database() else {
            return;
        };
        let nodes = 4;
        let barrier = Barrier::new(nodes);
        std::thread::scope(|s| {
            let starts: Vec<_> = (0..nodes)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        PgStore::open(&url).map(drop)
                    })
                })
                .collect();
            for start in starts {
                start.join().unwrap().expect("every node starts");
            }
        });
        let store = PgStore::open(&url).expect("reopening works");
        let a = write(&store, |tx| tx.upsert_agent(&agent("100")));
        drop(store);
        let store = PgStore::open(&url).expect("and again");
        assert_eq!(
            write(&store, |tx| tx.agent_by_extension("100")).map(|x| x.id),
            Some(a.id),
            "data survives reopening"
        );
        drop(store);

        let mut admin = postgres::Client::connect(&url, NoTls).unwrap();
        let applied: Vec<(i64, String)> = admin
            .query(
                "SELECT version, name FROM schema_migrations ORDER BY version",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let expected: Vec<(i64, String)> = MIGRATIONS
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (i as i64 + 1, name.to_string()))
            .collect();
        assert_eq!(applied, expected, "each migration once, in order");

        admin
            .execute(
                "INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')",
                &[],
            )
            .unwrap();
        drop(admin);
        match PgStore::open(&url) {
            Err(StoreError::TooNew {
                found: 999,
                supported,
            }) => assert_eq!(supported, MIGRATIONS.len() as i64),
            other => panic!("expected TooNew, got {other:?}"),
        }
        drop_database(&url);
    }

    #[test]
    fn the_server_may_drop_the_store_on_its_async_runtime() {
        let Some(url) = scratch_database() else {
            return;
        };
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let opened = url.clone();
            let store = tokio::task::spawn_blocking(move || PgStore::open(&opened))
                .await
                .unwrap()
                .unwrap();
            let store = Arc::new(store);
            let worker = store.clone();
            tokio::task::spawn_blocking(move || write(worker.as_ref(), |tx| tx.agents()))
                .await
                .unwrap();
            // The last handle goes on a runtime thread, closing the pooled connections there.
            drop(store);
        });
        drop(runtime);
        drop_database(&url);
    }

    #[test]
    fn an_unreachable_database_fails_quickly_without_telling_the_password() {
        // Port 1 on localhost refuses connections.
        let url = "postgres://someone:hunter2-secret@127.0.0.1:1/nothing";
        let started = Instant::now();
        let err = PgStore::open_with_timeout(url, Duration::from_secs(1)).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        let StoreError::Database(message) = err else {
            panic!("expected a database error, got {err:?}");
        };
        assert!(!message.contains("hunter2"), "{message}");
        assert!(message.contains("127.0.0.1:1/nothing"), "{message}");
        assert!(message.contains("connect"), "{message}");

        let err =
            PgStore::open("postgres://someone:hunter2-secret@127.0.0.1:notaport/x").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(Secrets::of(url).scrub(url).contains("someone:***@"));
    }

    #[test]
    fn concurrent_writers_are_serialised_by_retries() {
        let Some(url) = scratch_database() else {
            return;
        };
        let store = PgStore::open(&url).unwrap();
        let writers = 10;
        let agents: Vec<AgentRow> = (0..writers)
            .map(|i| write(&store, |tx| tx.upsert_agent(&agent(&format!("2{i:02}")))))
            .collect();
        let watcher = agents[0].id;
        let mut conv = ConversationRow {
            queue_id: Some("q".into()),
            ..conversation("race", "5511900000000", t0())
        };
        write(&store, |tx| tx.insert_conversation(&conv));

        let barrier = Barrier::new(writers);
        let results: Vec<(bool, i64, i64)> = std::thread::scope(|s| {
            let runs: Vec<_> = agents
                .iter()
                .map(|me| {
                    let (store, barrier) = (&store, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        write(store, |tx| {
                            // Read, then write from what was read: only serialisable
                            // transactions keep this gapless.
                            let current = tx.conversation_for_update(conv.id)?.unwrap();
                            let won = tx.claim_conversation(conv.id, me.id, t0())?;
                            let mut updated = tx.conversation(conv.id)?.unwrap();
                            updated.last_seq = current.last_seq + 1;
                            tx.update_conversation(&updated)?;
                            let event = EventRow {
                                seq: 0,
                                kind: "race".into(),
                                object_id: Some(me.id),
                                data: None,
                            };
                            let seq = tx.append_event(watcher, &event, t0())?;
                            Ok((won, seq, updated.last_seq))
                        })
                    })
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });

        let winners: Vec<usize> = (0..writers).filter(|&i| results[i].0).collect();
        assert_eq!(winners.len(), 1, "exactly one claim wins: {results:?}");
        let mut seqs: Vec<i64> = results.iter().map(|r| r.1).collect();
        seqs.sort();
        assert_eq!(seqs, (1..=writers as i64).collect::<Vec<_>>());
        let mut counters: Vec<i64> = results.iter().map(|r| r.2).collect();
        counters.sort();
        assert_eq!(counters, (1..=writers as i64).collect::<Vec<_>>());

        conv = write(&store, |tx| tx.conversation(conv.id)).unwrap();
        assert_eq!(conv.owner_id, Some(agents[winners[0]].id));
        assert_eq!(conv.last_seq, writers as i64);
        assert_eq!(
            write(&store, |tx| tx.event_bounds(watcher)),
            (0, writers as i64)
        );
        let logged = write(&store, |tx| tx.events_after(watcher, 0, 100));
        assert_eq!(
            logged.iter().map(|e| e.seq).collect::<Vec<_>>(),
            (1..=writers as i64).collect::<Vec<_>>()
        );

        // The engine's way of adding a message: read the conversation (no lock), insert the
        // next seq, store the new last seq. Racing writers collide on the unique seq, which
        // PostgreSQL reports as a duplicate; SQLite's single writer never would, and neither
        // does this store: every message goes in, numbered without gaps.
        let barrier = Barrier::new(writers);
        std::thread::scope(|s| {
            for me in &agents {
                let (store, barrier, conv) = (&store, &barrier, &conv);
                s.spawn(move || {
                    barrier.wait();
                    write(store, |tx| {
                        let mut current = tx.conversation(conv.id)?.unwrap();
                        let message = MessageRow {
                            id: Uuid::now_v7(),
                            conversation_id: conv.id,
                            channel_id: conv.channel_id.clone(),
                            seq: current.last_seq + 1,
                            client_id: None,
                            provider_message_id: None,
                            direction: Direction::Outbound,
                            author_agent_id: Some(me.id),
                            author_name: String::new(),
                            body: "hello".into(),
                            attachments: Vec::new(),
                            status: MessageStatus::Sent,
                            error: None,
                            created_at: t0(),
                        };
                        tx.insert_message(&message)?;
                        current.last_seq = message.seq;
                        tx.update_conversation(&current)
                    });
                });
            }
        });
        let stored = write(&store, |tx| tx.messages_before(conv.id, None, 100));
        let base = conv.last_seq; // what the first race left
        assert_eq!(
            stored.iter().map(|m| m.seq).collect::<Vec<_>>(),
            (base + 1..=base + writers as i64).collect::<Vec<_>>()
        );
        let mut authors: Vec<Uuid> = stored.iter().filter_map(|m| m.author_agent_id).collect();
        authors.sort();
        assert_eq!(authors, agents.iter().map(|a| a.id).collect::<Vec<_>>());
        drop(store);
        drop_database(&url);
    }

    #[test]
    fn a_duplicate_leaves_the_transaction_usable_like_on_sqlite() {
        let Some(url) = scratch_database() else {
            return;
        };
        let store = PgStore::open(&url).unwrap();
        let first = write(&store, |tx| tx.upsert_agent(&agent("300")));
        let session = SessionRow {
            token_hash: "dup".into(),
            agent_id: first.id,
            created_at: t0(),
            expires_at: t0() + chrono::Duration::hours(1),
        };
        write(&store, |tx| tx.insert_session(&session));
        let (what, later) = write(&store, |tx| {
            let what = match tx.insert_session(&session) {
                Err(StoreError::Duplicate { what }) => what,
                other => panic!("expected a duplicate, got {other:?}"),
            };
            // The job goes on after the duplicate, and what it does afterwards is kept.
            Ok((what, tx.upsert_agent(&agent("301"))?))
        });
        assert_eq!(what, "session");
        assert_eq!(
            write(&store, |tx| tx.agent_by_extension("301")).map(|a| a.id),
            Some(later.id)
        );

        // A row that is not there is no failed statement: the job may go on and commit.
        write(&store, |tx| {
            tx.upsert_agent(&agent("302"))?;
            assert!(tx.event_bounds(Uuid::now_v7()).is_err(), "no such agent");
            Ok(())
        });
        assert!(write(&store, |tx| tx.agent_by_extension("302")).is_some());

        // Any other failed statement spoils the PostgreSQL transaction: it is reported, not
        // committed.
        let err = store
            .run(Mode::Write, &mut |tx| {
                tx.upsert_agent(&agent("304"))?;
                let _ = tx.upsert_view(&ViewRow::new(
                    Uuid::now_v7(),
                    first.id,
                    Relation::Owner,
                    t0(),
                ));
                Ok(())
            })
            .unwrap_err();
        assert!(
            err.to_string().contains("rolled back"),
            "a job that ignores a failed statement does not commit: {err}"
        );
        assert!(write(&store, |tx| tx.agent_by_extension("304")).is_none());
        drop(store);
        drop_database(&url);
    }

    /// Agents' order, and the names found by several contact searches.
    fn text_scenario(store: &dyn Store) -> (Vec<String>, Vec<Vec<String>>, String) {
        let mut out = None;
        store
            .run(Mode::Write, &mut |tx| {
                for extension in ["b", "B", "a", "_", "Z", "é", "10", "9"] {
                    tx.upsert_agent(&agent(extension))?;
                }
                let order = tx.agents()?.into_iter().map(|a| a.extension).collect();
                let contacts = [
                    ("zed", "zed äb"),
                    ("Alpha", "alpha 50%"),
                    ("_x", "under_score"),
                    ("alpha", "ALPHA back\\slash"),
                    ("Éclair", "éclair"),
                ];
                for (i, (name, search)) in contacts.into_iter().enumerate() {
                    tx.insert_contact(&ContactRow {
                        id: Uuid::now_v7(),
                        name: name.into(),
                        emails: vec![format!("{name}@example.com")],
                        phones: vec!["+15005550006".into()],
                        identities: vec![Identity {
                            kind: ChannelKind::Sms,
                            value: format!("+1555000{i}"),
                        }],
                        search_text: search.into(),
                        created_at: t0() - chrono::Duration::seconds(i as i64),
                        updated_at: t0(),
                    })?;
                }
                let searches: &[&[&str]] = &[
                    &[],
                    &["ALPHA"],
                    &["ÄB"],
                    &["äb"],
                    &["0%"],
                    &["d_ä"],
                    &["r_s", "zed"],
                    &["k\\s"],
                    &["ÉCLAIR"],
                ];
                let mut found = Vec::new();
                for terms in searches {
                    let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
                    let names = tx.search_contacts(&terms, None, 10)?;
                    found.push(names.into_iter().map(|c| c.name).collect());
                }
                // The whole directory again, two at a time from the last one seen.
                let mut paged = Vec::new();
                let mut after: Option<ContactCursor> = None;
                loop {
                    let page = tx.search_contacts(&[], after.as_ref(), 2)?;
                    let Some(last) = page.last() else { break };
                    after = Some(ContactCursor {
                        name: last.name.clone(),
                        id: last.id,
                    });
                    paged.extend(page.into_iter().map(|c| c.name));
                }
                found.push(paged);
                let oldest = tx.contact_by_phone("+15005550006")?.unwrap().name;
                out = Some((order, found, oldest));
                Ok(())
            })
            .unwrap();
        out.unwrap()
    }

    #[test]
    fn text_orders_and_searches_like_sqlite() {
        let Some(url) = scratch_database() else {
            return;
        };
        let store = PgStore::open(&url).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let sqlite = crate::store::sqlite::SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let (order, found, oldest) = text_scenario(&store);
        assert_eq!(
            (order.clone(), found.clone(), oldest.clone()),
            text_scenario(&sqlite),
            "PostgreSQL answers as SQLite does"
        );
        // And what that is, spelled out.
        assert_eq!(
            order,
            ["10", "9", "B", "Z", "_", "a", "b", "é"],
            "byte order"
        );
        assert_eq!(
            found[0],
            ["_x", "Alpha", "alpha", "zed", "Éclair"],
            "NOCASE"
        );
        assert_eq!(found[1], ["Alpha", "alpha"], "ASCII letters match any case");
        assert!(found[2].is_empty(), "other letters do not");
        assert_eq!(found[3], ["zed"]);
        assert_eq!(found[4], ["Alpha"], "% is literal");
        assert!(found[5].is_empty(), "_ is literal");
        assert_eq!(found[6], ["_x", "zed"], "any term matches");
        assert_eq!(found[7], ["alpha"], "backslash is literal");
        assert!(found[8].is_empty());
        assert_eq!(found[9], found[0], "paging walks the same order");
        assert_eq!(oldest, "Éclair");
        drop(store);
        drop_database(&url);
    }

    /// What the engine can tell apart of an error: which duplicate, or some database error (the
    /// backends' texts differ).
    fn kind(err: StoreError) -> String {
        match err {
            StoreError::Duplicate { what } => format!("Duplicate({what})"),
            StoreError::Database(_) => "Database".into(),
            other => format!("{other:?}"),
        }
    }

    /// Every Tx method, with fixed ids and times; what each call answered, in order. Errors are
    /// reduced to what the engine tells apart (which duplicate, or some database error).
    fn parity_scenario(store: &dyn Store, ids: &[Uuid]) -> Vec<String> {
        use chrono::Duration as D;
        let id = |i: usize| ids[i];
        let at = |s: i64| t0() + D::seconds(s);
        let mut log: Vec<String> = Vec::new();
        let mut step = |name: &str, job: &mut dyn FnMut(&mut dyn Tx) -> StoreResult<String>| {
            let mut answer = String::new();
            store
                .run(Mode::Write, &mut |tx| {
                    answer = job(tx).unwrap_or_else(kind);
                    Ok(())
                })
                .unwrap();
            log.push(format!("{name}: {answer}"));
        };
        let agent_row = |i: usize, ext: &str, email: Option<&str>| AgentRow {
            id: id(i),
            extension: ext.into(),
            name: format!("Agent {ext}"),
            email: email.map(Into::into),
            role: Role::Manager,
            password_hash: "h".into(),
            presence: Presence::Away,
            last_assigned_at: None,
        };
        let conv = |i: usize, sender: &str, created: i64, updated: i64| ConversationRow {
            id: id(i),
            channel: ChannelKind::Livechat,
            channel_id: "web".into(),
            status: ConversationStatus::Queued,
            queue_id: Some("sales".into()),
            owner_id: None,
            identity: Some(Identity {
                kind: ChannelKind::Livechat,
                value: sender.into(),
            }),
            display_name: "Visitor".into(),
            contact_id: None,
            title: Some("t".into()),
            offer_round: 2,
            offer_expires_at: Some(at(created + 30)),
            last_seq: 0,
            last_message_id: None,
            created_at: at(created),
            updated_at: at(updated),
            answered_at: None,
            resolved_at: None,
            last_inbound_at: Some(at(created) + D::nanoseconds(1_234_567)),
        };
        let msg = |i: usize, c: usize, seq: i64, author: Option<usize>, client: Option<usize>| {
            MessageRow {
                id: id(i),
                conversation_id: id(c),
                channel_id: "web".into(),
                seq,
                client_id: client.map(id),
                provider_message_id: None,
                direction: if author.is_some() {
                    Direction::Outbound
                } else {
                    Direction::Inbound
                },
                author_agent_id: author.map(id),
                author_name: String::new(),
                body: format!("body {seq}"),
                attachments: vec![AttachmentRef {
                    id: id(90),
                    filename: "a.png".into(),
                    mime: "image/png".into(),
                    size: 12,
                }],
                status: MessageStatus::Pending,
                error: None,
                created_at: at(100 + seq),
            }
        };

        // agents and sessions
        step("agent 1", &mut |tx| {
            Ok(format!(
                "{:?}",
                tx.upsert_agent(&agent_row(1, "11", Some("x@y.z")))?
            ))
        });
        step("agent 2", &mut |tx| {
            Ok(format!("{:?}", tx.upsert_agent(&agent_row(2, "12", None))?))
        });
        step("agent 3", &mut |tx| {
            Ok(format!("{:?}", tx.upsert_agent(&agent_row(3, "13", None))?))
        });
        step("email taken", &mut |tx| {
            Ok(format!(
                "{:?}",
                tx.upsert_agent(&agent_row(4, "14", Some("x@y.z")))?
            ))
        });
        step("lookups", &mut |tx| {
            tx.set_presence(id(2), Presence::Dnd)?;
            tx.set_last_assigned(id(2), at(5) + D::nanoseconds(999))?;
            Ok(format!(
                "{:?} {:?} {:?} {:?} {:?}",
                tx.agent(id(2))?,
                tx.agent_by_login("X@Y.Z")?.map(|a| a.id),
                tx.agent_by_login("12")?.map(|a| a.id),
                tx.agent_by_extension("nope")?,
                tx.agents()?.iter().map(|a| a.id).collect::<Vec<_>>()
            ))
        });
        let session = |hash: &str, agent: usize| SessionRow {
            token_hash: hash.into(),
            agent_id: id(agent),
            created_at: at(0),
            expires_at: at(60),
        };
        step("sessions", &mut |tx| {
            tx.insert_session(&session("s1", 1))?;
            tx.insert_session(&session("s2", 2))?;
            let dup = tx.insert_session(&session("s1", 2)).map_err(kind);
            let unknown = tx.insert_session(&session("s3", 50)).map_err(kind);
            Ok(format!(
                "{dup:?} {unknown:?} {:?} {:?} {} {} {:?}",
                tx.session_agent("s1", at(59))?.map(|a| a.id),
                tx.session_agent("s1", at(60))?.map(|a| a.id),
                tx.revoke_session("s2", at(1))?,
                tx.revoke_session("s2", at(1))?,
                {
                    let mut v = tx.logged_in_agents(at(2))?;
                    v.sort();
                    v
                }
            ))
        });

        // configuration
        step("queues", &mut |tx| {
            let queue = QueueRow {
                id: "sales".into(),
                name: "Sales".into(),
                strategy: Strategy::LongestIdle,
                offer_timeout_s: 20,
                max_chats_per_agent: 3,
                members: vec![id(3), id(1)],
                last_round_robin: None,
            };
            tx.upsert_queue(&queue)?;
            tx.upsert_queue(&QueueRow {
                id: "Other".into(),
                members: vec![id(1)],
                ..queue.clone()
            })?;
            let twice = tx
                .upsert_queue(&QueueRow {
                    id: "twice".into(),
                    members: vec![id(2), id(2)],
                    ..queue.clone()
                })
                .map_err(kind);
            tx.set_last_round_robin("sales", id(3))?;
            tx.upsert_channel(&ChannelRow {
                id: "web".into(),
                kind: ChannelKind::Livechat,
                route: Route::Queue("sales".into()),
            })?;
            tx.upsert_channel(&ChannelRow {
                id: "sms".into(),
                kind: ChannelKind::Sms,
                route: Route::Extension("12".into()),
            })?;
            Ok(format!(
                "{twice:?} {:?} {:?} {:?} {:?} {:?}",
                tx.queue("sales")?,
                tx.queue("none")?,
                tx.queues_of_agent(id(1))?
                    .iter()
                    .map(|q| q.id.clone())
                    .collect::<Vec<_>>(),
                tx.channel("web")?,
                tx.channel("sms")?
            ))
        });

        // conversations and views
        step("conversations", &mut |tx| {
            tx.insert_conversation(&conv(20, "v1", 0, 50))?;
            tx.insert_conversation(&conv(21, "v1", 1, 50))?;
            tx.insert_conversation(&conv(22, "v2", 2, 40))?;
            tx.insert_conversation(&conv(23, "v3", 3, 60))?;
            let dup = tx.insert_conversation(&conv(20, "v9", 0, 0)).map_err(kind);
            let mut resolved = conv(20, "v1", 0, 50);
            resolved.status = ConversationStatus::Resolved;
            resolved.resolved_at = Some(at(70));
            tx.update_conversation(&resolved)?;
            Ok(format!(
                "{dup:?} {:?} {:?} {:?} {:?}",
                tx.conversation_for_update(id(21))?,
                tx.open_conversation_for("web", "v1")?.map(|c| c.id),
                tx.latest_conversation_for("web", "v1")?.map(|c| c.id),
                tx.conversation(id(60))?
            ))
        });
        step("claims", &mut |tx| {
            let first = tx.claim_conversation(id(21), id(1), at(10))?;
            let second = tx.claim_conversation(id(21), id(2), at(11))?;
            Ok(format!(
                "{first} {second} {:?} {:?} {} {} {}",
                tx.expired_offers(at(33), 10)?,
                tx.queued_in("sales")?,
                tx.open_owned_count(id(1))?,
                tx.answered_count(id(1), "sales", at(10))?,
                tx.answered_count(id(1), "sales", at(11))?
            ))
        });
        step("views", &mut |tx| {
            for c in [20, 21, 22, 23] {
                tx.upsert_view(&ViewRow::new(id(c), id(1), Relation::Offered, at(c as i64)))?;
            }
            tx.upsert_view(&ViewRow::new(id(21), id(2), Relation::Owner, at(0)))?;
            let mut archived = ViewRow::new(id(23), id(1), Relation::Owner, at(0));
            archived.archived = true;
            archived.last_read_seq = 4;
            tx.upsert_view(&archived)?;
            let mut page = Vec::new();
            let mut cursor: Option<ListCursor> = None;
            loop {
                let rows = tx.list_views(id(1), ListView::Recent, cursor.as_ref(), 1)?;
                let Some((c, _)) = rows.last() else { break };
                cursor = Some(ListCursor {
                    updated_at: c.updated_at,
                    conversation_id: c.id,
                });
                page.push(c.id);
            }
            Ok(format!(
                "{page:?} {:?} {:?} {:?}",
                tx.list_views(id(1), ListView::Archived, None, 10)?,
                tx.views(id(21))?,
                tx.view(id(22), id(2))?
            ))
        });

        // messages and delivery
        step("messages", &mut |tx| {
            tx.insert_message(&msg(30, 21, 1, None, None))?;
            tx.insert_message(&msg(31, 21, 2, Some(1), Some(70)))?;
            tx.insert_message(&msg(32, 21, 3, Some(2), None))?;
            let same_client = tx.insert_message(&msg(33, 21, 4, Some(1), Some(70)));
            let same_seq = tx.insert_message(&msg(34, 21, 3, None, None));
            tx.set_message_delivery(id(31), MessageStatus::Sent, None, Some("p-31"))?;
            tx.set_message_delivery(id(31), MessageStatus::Delivered, None, None)?;
            let taken =
                tx.set_message_delivery(id(32), MessageStatus::Failed, Some("no"), Some("p-31"));
            Ok(format!(
                "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {} {} {:?}",
                same_client.map_err(kind),
                same_seq.map_err(kind),
                taken.map_err(kind),
                tx.message(id(31))?,
                tx.message_by_client_id(id(1), id(70))?.map(|m| m.id),
                tx.message_by_provider_id("web", "p-31")?.map(|m| m.id),
                tx.messages_before(id(21), None, 2)?
                    .iter()
                    .map(|m| m.seq)
                    .collect::<Vec<_>>(),
                tx.unread_count(id(21), id(1), 0)?,
                tx.message_count(id(21))?,
                tx.outbound_messages_until(id(21), at(102))?
                    .iter()
                    .map(|m| m.id)
                    .collect::<Vec<_>>()
            ))
        });
        step("attachments", &mut |tx| {
            let row = AttachmentRow {
                id: id(90),
                uploader_id: Some(id(1)),
                filename: "a.png".into(),
                mime: "image/png".into(),
                size: 12,
                has_thumbnail: true,
                conversation_id: None,
                message_id: None,
                created_at: at(0),
                visitor_id: Some(id(80)),
            };
            tx.insert_attachment(&row)?;
            let dup = tx.insert_attachment(&row).map_err(kind);
            let first = tx.link_attachment(id(90), id(21), id(31))?;
            let second = tx.link_attachment(id(90), id(21), id(32))?;
            Ok(format!(
                "{dup:?} {first} {second} {:?}",
                tx.attachment(id(90))?
            ))
        });
        step("outbound", &mut |tx| {
            let job = |m: usize, c: usize, created: i64| OutboundJob {
                message_id: id(m),
                conversation_id: id(c),
                channel_id: "web".into(),
                state: OutboundState::Queued,
                attempts: 0,
                next_attempt_at: at(created),
                last_error: None,
                created_at: at(created),
            };
            tx.enqueue_outbound(&job(31, 21, 5))?;
            tx.enqueue_outbound(&job(32, 21, 5))?;
            let dup = tx.enqueue_outbound(&job(31, 21, 5)).map_err(kind);
            let due_before = tx.due_outbound(at(10), 10)?;
            let mut sending = job(31, 21, 5);
            sending.state = OutboundState::Sending;
            sending.attempts = 1;
            sending.last_error = Some("busy".into());
            tx.update_outbound(&sending)?;
            let due_while_sending = tx.due_outbound(at(10), 10)?;
            sending.state = OutboundState::Done;
            tx.update_outbound(&sending)?;
            Ok(format!(
                "{dup:?} {due_before:?} {due_while_sending:?} {:?} {:?}",
                tx.due_outbound(at(10), 10)?,
                tx.outbound_in_state(OutboundState::Done)?
            ))
        });

        // events
        step("events", &mut |tx| {
            let event = |k: &str| EventRow {
                seq: 0,
                kind: k.into(),
                object_id: Some(id(21)),
                data: Some(serde_json::json!({"k": k, "n": [1, 2.5, null, true], "u": "ünï"})),
            };
            let a = tx.append_event(id(1), &event("a"), at(0))?;
            let b = tx.append_event(id(1), &event("b"), at(100))?;
            let c = tx.append_event(id(2), &event("c"), at(0))?;
            let none = tx.append_event(id(50), &event("x"), at(0)).map_err(kind);
            let pruned = tx.prune_events(at(50))?;
            Ok(format!(
                "{a} {b} {c} {none:?} {pruned} {:?} {:?} {:?} {:?}",
                tx.events_after(id(1), 0, 10)?,
                tx.event_bounds(id(1))?,
                tx.event_bounds(id(2))?,
                tx.event_bounds(id(3))?
            ))
        });

        // contacts
        step("contacts", &mut |tx| {
            let contact = |i: usize, name: &str, identity: &str, created: i64| ContactRow {
                id: id(i),
                name: name.into(),
                emails: vec!["a@b.c".into(), "d@e.f".into()],
                phones: vec!["+15005550001".into(), "+15005550001".into()],
                identities: vec![
                    Identity {
                        kind: ChannelKind::Livechat,
                        value: identity.into(),
                    },
                    Identity {
                        kind: ChannelKind::Sms,
                        value: format!("+1{i}"),
                    },
                ],
                search_text: name.to_lowercase(),
                created_at: at(created),
                updated_at: at(created),
            };
            tx.insert_contact(&contact(40, "Bea", "v1", 2))?;
            tx.insert_contact(&contact(41, "al", "v2", 1))?;
            let taken = tx.insert_contact(&contact(42, "Cy", "v1", 0)).map_err(kind);
            let mut renamed = contact(40, "Beatrix", "v1", 2);
            renamed.identities.pop();
            tx.update_contact(&renamed)?;
            let mut linked = tx.conversation(id(21))?.unwrap();
            linked.contact_id = Some(id(40));
            tx.update_conversation(&linked)?;
            let by_contact = tx.conversations_of_contact(id(40))?.len();
            let deleted = (tx.delete_contact(id(40))?, tx.delete_contact(id(40))?);
            Ok(format!(
                "{taken:?} {:?} {:?} {:?} {:?} {by_contact} {deleted:?} {:?} {:?}",
                tx.contact(id(41))?,
                tx.contact_by_identity(&Identity {
                    kind: ChannelKind::Sms,
                    value: "+141".into()
                })?
                .map(|c| c.id),
                tx.contact_by_phone("+15005550001")?.map(|c| c.id),
                tx.conversations_with_identity(&Identity {
                    kind: ChannelKind::Livechat,
                    value: "v1".into()
                })?
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>(),
                tx.conversation(id(21))?.unwrap().contact_id,
                tx.search_contacts(&["A".into()], None, 1)?
                    .iter()
                    .map(|c| c.id)
                    .collect::<Vec<_>>()
            ))
        });

        // templates
        step("templates", &mut |tx| {
            let template = |i: usize, name: &str| TemplateRow {
                id: id(i),
                name: name.into(),
                body: "Hi {{name}}".into(),
                category: "greeting".into(),
                language: "en".into(),
                updated_by: Some(id(1)),
                updated_at: at(0),
            };
            tx.upsert_template(&template(60, "b"))?;
            tx.upsert_template(&template(61, "B"))?;
            tx.upsert_template(&template(60, "a"))?;
            let deleted = (tx.delete_template(id(61))?, tx.delete_template(id(61))?);
            tx.upsert_template(&template(62, "a"))?;
            Ok(format!(
                "{deleted:?} {:?} {:?}",
                tx.templates()?,
                tx.template(id(60))?
            ))
        });

        // live chat
        step("visitors and blocks", &mut |tx| {
            let visitor = |i: usize, token: &str| VisitorRow {
                id: id(i),
                channel_id: "web".into(),
                token_hash: token.into(),
                token_expires_at: at(100),
                name: Some("V".into()),
                email: None,
                ip: "10.0.0.1".into(),
                user_agent: "UA".into(),
                language: Some("pt".into()),
                created_at: at(0),
                last_seen_at: at(1),
            };
            tx.upsert_visitor(&visitor(80, "t1"))?;
            tx.upsert_visitor(&visitor(80, "t2"))?;
            let taken = tx.upsert_visitor(&visitor(81, "t2")).map_err(kind);
            let block = |i: usize, created: i64, expires: Option<i64>| BlockRow {
                id: id(i),
                ip: "10.0.0.1".into(),
                reason: Some("spam".into()),
                blocked_by: id(1),
                conversation_id: Some(id(21)),
                created_at: at(created),
                expires_at: expires.map(at),
            };
            tx.insert_block(&block(85, 0, Some(50)))?;
            tx.insert_block(&block(86, 1, None))?;
            let dup = tx.insert_block(&block(85, 0, None)).map_err(kind);
            Ok(format!(
                "{taken:?} {dup:?} {:?} {:?} {:?} {:?} {:?} {} {} {:?}",
                tx.visitor_by_token("web", "t2", at(99))?.map(|v| v.id),
                tx.visitor_by_token("web", "t1", at(99))?.map(|v| v.id),
                tx.visitor(id(80))?,
                tx.active_block("10.0.0.1", at(10))?.map(|b| b.id),
                tx.blocks(at(60))?.iter().map(|b| b.id).collect::<Vec<_>>(),
                tx.delete_block(id(86))?,
                tx.delete_block(id(86))?,
                tx.active_block("10.0.0.1", at(60))?
            ))
        });
        log
    }

    #[test]
    fn every_method_answers_as_on_sqlite() {
        let Some(url) = scratch_database() else {
            return;
        };
        let store = PgStore::open(&url).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let sqlite = crate::store::sqlite::SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let ids: Vec<Uuid> = (0..100).map(|_| Uuid::now_v7()).collect();
        let on_postgres = parity_scenario(&store, &ids);
        let on_sqlite = parity_scenario(&sqlite, &ids);
        for (pg, lite) in on_postgres.iter().zip(&on_sqlite) {
            assert_eq!(pg, lite);
        }
        assert_eq!(on_postgres.len(), on_sqlite.len());
        drop(store);
        drop_database(&url);
    }

    #[test]
    fn other_nodes_hear_committed_announcements_only() {
        let Some(url) = scratch_database() else {
            return;
        };
        let a = PgStore::open(&url).unwrap();
        let b = PgStore::open(&url).unwrap();
        let (sender, heard) = mpsc::channel::<Announcement>();
        let sender = Mutex::new(sender);
        a.listen(Arc::new(move |news| {
            let _ = sender.lock().unwrap().send(news);
        }))
        .unwrap();
        let next = || {
            heard
                .recv_timeout(Duration::from_secs(5))
                .expect("heard in time")
        };
        assert_eq!(
            next(),
            Announcement {
                everyone: true,
                ..Default::default()
            },
            "connecting wakes everyone"
        );
        let announce = |store: &PgStore, news: Announcement, keep: bool| {
            store
                .run(Mode::Write, &mut |tx| {
                    tx.announce(&news)?;
                    if keep {
                        Ok(())
                    } else {
                        Err(JobFailed::Abort)
                    }
                })
                .unwrap();
        };
        let stream = Uuid::now_v7();
        let news = Announcement {
            streams: vec![stream],
            outbound: true,
            everyone: false,
            typing: vec![Typing {
                visitor: Uuid::now_v7(),
                agent_name: "Ana Souza".into(),
            }],
        };
        announce(&b, news.clone(), true);
        assert_eq!(next(), news, "B's committed announcement reaches A");

        let rolled_back = Announcement {
            streams: vec![Uuid::now_v7()],
            ..Default::default()
        };
        announce(&b, rolled_back, false);
        announce(
            &a,
            Announcement {
                streams: vec![Uuid::now_v7()],
                ..Default::default()
            },
            true,
        );
        let marker = Announcement {
            streams: vec![Uuid::now_v7()],
            ..Default::default()
        };
        announce(&b, marker.clone(), true);
        assert_eq!(
            next(),
            marker,
            "neither the rolled-back announcement nor A's own reach A"
        );

        let many: Vec<Uuid> = (0..400).map(|_| Uuid::now_v7()).collect();
        announce(
            &b,
            Announcement {
                streams: many.clone(),
                outbound: false,
                everyone: true,
                typing: Vec::new(),
            },
            true,
        );
        let mut got = Vec::new();
        let mut everyone = 0;
        while got.len() < many.len() {
            let part = next();
            everyone += usize::from(part.everyone);
            got.extend(part.streams);
        }
        assert_eq!(
            got, many,
            "long lists arrive whole, in several notifications"
        );
        assert_eq!(everyone, 1);
        assert!(heard.recv_timeout(Duration::from_millis(300)).is_err());

        // The listener's connection dies: it comes back, and wakes everyone for what it missed.
        let mut admin = postgres::Client::connect(&url, NoTls).unwrap();
        let killed: i64 = admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE datname = current_database() AND query = 'LISTEN switchboard_events'",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(killed, 1);
        assert_eq!(
            next(),
            Announcement {
                everyone: true,
                ..Default::default()
            },
            "reconnecting wakes everyone"
        );
        announce(&b, news.clone(), true);
        assert_eq!(next(), news, "and A hears B again");
        drop(admin);
        drop((a, b));
        drop_database(&url);
    }

    #[test]
    fn unreadable_announcements_wake_everyone_and_own_ones_are_skipped() {
        let own = Uuid::now_v7();
        let mine = serde_json::json!({"node": own, "streams": [Uuid::nil()]}).to_string();
        assert_eq!(decode(&mine, own), None);
        assert_eq!(
            decode("not json", own),
            Some(Announcement {
                everyone: true,
                ..Default::default()
            })
        );
    }

    #[test]
    fn writers_locking_rows_in_conflicting_orders_all_get_through() {
        let Some(url) = scratch_database() else {
            return;
        };
        let store = PgStore::open(&url).unwrap();
        let agents: Vec<Uuid> = (0..4)
            .map(|i| write(&store, |tx| tx.upsert_agent(&agent(&format!("4{i}")))).id)
            .collect();
        // More writers than pooled connections, each taking every agent's event counter, in
        // an order of its own: serialisation failures and deadlocks galore.
        let (writers, jobs) = (24, 5);
        let started = Instant::now();
        std::thread::scope(|s| {
            for w in 0..writers {
                let (store, agents) = (&store, &agents);
                s.spawn(move || {
                    for _ in 0..jobs {
                        write(store, |tx| {
                            for agent in agents.iter().cycle().skip(w).take(agents.len()) {
                                let event = EventRow {
                                    seq: 0,
                                    kind: "busy".into(),
                                    object_id: None,
                                    data: None,
                                };
                                tx.append_event(*agent, &event, t0())?;
                            }
                            Ok(())
                        });
                    }
                });
            }
        });
        let all = writers as i64 * jobs;
        for agent in &agents {
            assert_eq!(write(&store, |tx| tx.event_bounds(*agent)), (0, all));
            let seqs: Vec<i64> = write(&store, |tx| tx.events_after(*agent, 0, 1000))
                .iter()
                .map(|e| e.seq)
                .collect();
            assert_eq!(seqs, (1..=all).collect::<Vec<_>>(), "gapless");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "took {:?}",
            started.elapsed()
        );
        drop(store);
        drop_database(&url);
    }
}
