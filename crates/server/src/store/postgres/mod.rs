//! The PostgreSQL backend, for several server nodes sharing one database. Its operations are
//! the shared ones of `store/sql` (the same statements, tables, orderings and `Duplicate` names
//! as SQLite's); what is here is what only PostgreSQL has.
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
//! - **Group commit.** The engine hands a node's queued write jobs to [`Store::run_writes`]
//!   together: they share one transaction, each in a savepoint (a job that fails is rolled back
//!   alone, its `NOTIFY` with it), so a node pays one pass through the gate and one commit flush
//!   for many jobs, and its own jobs never conflict with each other. A statement that lost to
//!   another node's transaction makes the whole group try again.
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
//!   The shared statements' text orderings therefore say `COLLATE "C"` here (the dialect's
//!   `bytewise`), and case-insensitive matching is `lower(… COLLATE "C")`, which folds ASCII
//!   letters only, as SQLite's `lower`, `NOCASE` and `LIKE` do.
//! - **Migrations** run in one transaction holding a transaction-scoped advisory lock, so nodes
//!   starting at the same moment apply them once, one after the other. They are the shared
//!   numbered files of `store/sql/migrations`, recorded by number and name in
//!   `schema_migrations`; a database migrated by a newer server is refused ([`StoreError::TooNew`]).
//! - **Other nodes.** [`Tx::announce`] sends a `NOTIFY` on `CHANNEL`, which PostgreSQL delivers
//!   only if the transaction commits; [`Store::listen`] keeps a connection of its own `LISTEN`ing
//!   and hands what other nodes announced to the engine, which wakes its streams and its outbound
//!   worker as if the change had been made locally.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{BufMut, BytesMut};
use chrono::{DateTime, Utc};
use postgres::config::SslMode;
use postgres::error::SqlState;
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, NoTls, Row, Statement};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use serde::{Deserialize, Serialize};
use tokio_postgres_rustls::MakeRustlsConnect;
use uuid::Uuid;

use super::sql::{Cols, Conn, Dialect, EachRow, Migration, SqlRow, SqlTx, Unique, Value, POSTGRES};
use super::{Announcement, Job, JobFailed, Mode, RequestCount, Store, StoreError, StoreResult};

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

/// Prepared statements kept per connection; more are prepared each time they run.
const MAX_STATEMENTS: usize = 256;

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
    pool: r2d2::Pool<Target>,
    /// For the listener's own connection.
    target: Target,
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
        let mut target = Target::parse(url).map_err(StoreError::Database)?;
        let config = &mut target.config;
        config.connect_timeout(timeout);
        if config.get_application_name().is_none() {
            config.application_name("switchboard");
        }
        config.notice_callback(|notice| {
            tracing::debug!(notice = %notice, "PostgreSQL notice");
        });
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(timeout)
            // Failures reach the caller (with the last one's reason); no log line per retry.
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build(target.clone())
            .map_err(|e| target.failed_at("cannot connect to PostgreSQL at", e))?;
        let store = PgStore {
            pool,
            target,
            node: Uuid::now_v7(),
            stop: Arc::new(AtomicBool::new(false)),
            swept_minute: AtomicI64::new(0),
        };
        store.migrate()?;
        Ok(store)
    }

    fn connection(&self) -> StoreResult<r2d2::PooledConnection<Target>> {
        let pool = self.pool.get();
        pool.map_err(
            |e| match self.target.failed_at("no PostgreSQL connection to", e) {
                StoreError::Database(text) => StoreError::Unavailable(text),
                other => other,
            },
        )
    }

    /// The body of [`Store::run`] and [`Store::run_writes`]: run `jobs` in one transaction —
    /// each in a savepoint of its own when there are several, so one that fails leaves nothing
    /// behind and the others go on — until it commits, or it lost to concurrent transactions
    /// `MAX_ATTEMPTS` times. A statement of any job that lost makes the whole group try again
    /// (its transaction can no longer commit). Each job's outcome, in order; `Err` when the
    /// transaction itself failed. Clears `conn.dirty` once the session is out of its
    /// transaction and the writers' gate again.
    fn attempts(
        &self,
        conn: &mut PgConn,
        mode: Mode,
        jobs: &mut [Job<'_>],
    ) -> StoreResult<Vec<StoreResult<()>>> {
        let grouped = jobs.len() > 1;
        let mut exclusive = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // Through the writers' gate: shared at first, alone after losing.
            let shared = mode == Mode::Write && attempt == 1;
            if shared {
                conn.batch(&format!("SELECT pg_advisory_lock_shared({WRITERS_GATE})"))?;
            } else if mode == Mode::Write && !exclusive {
                conn.batch(&format!("SELECT pg_advisory_lock({WRITERS_GATE})"))?;
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
            conn.batch(begin)?;
            let rollback = format!("ROLLBACK{leave}");
            let mut outcomes = Vec::with_capacity(jobs.len());
            // Why this attempt lost to a concurrent transaction, if it did.
            let mut lost = None;
            // A lone job that failed: its transaction is rolled back instead of committed.
            let mut undo = false;
            for job in jobs.iter_mut() {
                if grouped {
                    conn.batch("SAVEPOINT job")?;
                }
                let mut handle = SqlTx::new(PgTx {
                    conn: &mut *conn,
                    node: self.node,
                    retry: None,
                    // Nothing can collide with a reader.
                    alone: exclusive || mode == Mode::Read,
                    broken: None,
                });
                let outcome = job(&mut handle);
                let PgTx { retry, broken, .. } = handle.conn;
                // Whatever the job made of it, a statement lost to a concurrent transaction.
                if retry.is_some() {
                    lost = retry;
                    break;
                }
                let (keep, result) = match (outcome, broken) {
                    (Ok(()), None) => (true, Ok(())),
                    (Ok(()), Some(broken)) => (
                        false,
                        Err(StoreError::Database(format!(
                            "a statement failed, so the transaction was rolled back: {broken}"
                        ))),
                    ),
                    (Err(JobFailed::Abort), _) => (false, Ok(())),
                    (Err(JobFailed::Store(err)), _) => (false, Err(err)),
                };
                outcomes.push(result);
                if grouped {
                    conn.batch(if keep {
                        "RELEASE job"
                    } else {
                        "ROLLBACK TO job; RELEASE job"
                    })?;
                } else {
                    undo = !keep;
                }
            }
            // `Ok(outcomes)`: done; `Err(reason)`: lost, try again.
            let verdict = if lost.is_some() || undo {
                // Nothing is kept. A session that cannot roll back is discarded (it stays
                // dirty); the job's own outcome still stands.
                if let Err(e) = conn.batch(&rollback) {
                    return match lost {
                        Some(_) => Err(e),
                        None => Ok(outcomes),
                    };
                }
                match lost {
                    Some(reason) => Err(reason),
                    None => Ok(outcomes),
                }
            } else {
                match conn.client().batch_execute(&format!("COMMIT{leave}")) {
                    Ok(()) => Ok(outcomes),
                    Err(e) if is_retryable(&e) => {
                        // The failed COMMIT ended the transaction and the rest of the batch.
                        if shared {
                            conn.batch(&format!(
                                "SELECT pg_advisory_unlock_shared({WRITERS_GATE})"
                            ))?;
                        }
                        Err(explain(&e))
                    }
                    Err(e) => return Err(failure(&e)),
                }
            };
            let outcomes = match verdict {
                Ok(outcomes) => outcomes,
                Err(lost) if attempt >= MAX_ATTEMPTS => {
                    return Err(StoreError::Database(format!(
                        "gave up after {MAX_ATTEMPTS} attempts, concurrent transactions kept \
                         conflicting: {lost}"
                    )))
                }
                Err(_) => {
                    metrics::counter!("switchboard_database_transaction_retries_total")
                        .increment(1);
                    // Losing while alone behind the gate means writers that do not use it.
                    if attempt > 1 {
                        backoff(attempt);
                    }
                    continue;
                }
            };
            if exclusive {
                conn.batch(&format!("SELECT pg_advisory_unlock({WRITERS_GATE})"))?;
            }
            conn.dirty = false;
            return Ok(outcomes);
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
        for Migration { number, name, sql } in POSTGRES.pending(version)? {
            tx.batch_execute(&sql).map_err(|e| {
                StoreError::Database(format!("migration {number} ({name}): {}", explain(&e)))
            })?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                &[&number, &name],
            )
            .map_err(fail)?;
        }
        tx.commit().map_err(fail)
    }
}

/// The database server: where it is, and how to encrypt the way there. It opens the pool's
/// connections, each with its own statement cache.
#[derive(Clone)]
struct Target {
    config: postgres::Config,
    /// With `sslmode=require`: TLS (rustls), the server's certificate and host name verified
    /// against the system's trusted roots and, if the URL names one with `sslrootcert=PATH`,
    /// that CA.
    tls: Option<MakeRustlsConnect>,
    /// Cut out of every message.
    secrets: Secrets,
}

impl Target {
    /// Read a database URL. Beside what the `postgres` client understands it takes libpq's
    /// `sslrootcert=PATH` (the PEM file of the CA that signed the server's certificate).
    /// Errors say what is wrong without repeating the URL or its password.
    fn parse(url: &str) -> Result<Target, String> {
        let secrets = Secrets::of(url);
        let (config, tls) = read_url(url).map_err(|e| secrets.scrub(&e))?;
        Ok(Target {
            config,
            tls,
            secrets,
        })
    }

    /// A [`StoreError::Database`] saying `text`, without the password.
    fn failure(&self, text: String) -> StoreError {
        StoreError::Database(self.secrets.scrub(&text))
    }

    /// A failure to `what` (ending in "at" or "to") the server, named `host:port/database`.
    fn failed_at(&self, what: &str, e: impl std::fmt::Display) -> StoreError {
        self.failure(format!("{what} {}: {e}", describe_server(&self.config)))
    }

    fn connect(&self) -> Result<Client, postgres::Error> {
        match &self.tls {
            Some(tls) => self.config.connect(tls.clone()),
            None => self.config.connect(NoTls),
        }
    }
}

/// The client's configuration and TLS of a database URL (see [`Target::parse`]).
fn read_url(url: &str) -> Result<(postgres::Config, Option<MakeRustlsConnect>), String> {
    let (url, root) = take_query_parameter(url, "sslrootcert");
    let config: postgres::Config = url
        .parse()
        .map_err(|e| format!("the PostgreSQL URL is not valid: {}", explain(&e)))?;
    let tls = match (config.get_ssl_mode(), root) {
        (SslMode::Require, root) => Some(tls_connector(root.as_deref())?),
        (_, Some(_)) => {
            return Err(
                "the PostgreSQL URL names an sslrootcert but not sslmode=require: add it".into(),
            )
        }
        (_, None) => None,
    };
    Ok((config, tls))
}

/// Check a `server.database` URL as [`PgStore::open`] will read it (including the CA file an
/// `sslrootcert` names), without connecting.
pub fn check_url(url: &str) -> Result<(), String> {
    Target::parse(url).map(drop)
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

fn tls_connector(root: Option<&str>) -> Result<MakeRustlsConnect, String> {
    let mut roots = rustls::RootCertStore::empty();
    // As OpenSSL did: the system's roots that can be read; none at all fails the handshake.
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = root {
        let pem = std::fs::read(path)
            .map_err(|e| format!("sslrootcert: cannot read the CA file {path}: {e}"))?;
        let not_pem = |e: &dyn std::fmt::Display| {
            format!("sslrootcert: {path} is not a PEM certificate: {e}")
        };
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| not_pem(&e))?;
        if certs.is_empty() {
            return Err(not_pem(&"no certificate in it"));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| not_pem(&e))?;
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS for PostgreSQL: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
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

    /// Run simple statements: one round trip, where a prepared statement takes two.
    fn batch(&mut self, sql: &str) -> StoreResult<()> {
        let done = self.client().batch_execute(sql);
        done.map_err(|e| failure(&e))
    }

    /// The connection's prepared statement for `sql`, preparing it the first time.
    fn statement(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client().prepare(sql)?;
        // Contact searches are written for their number of terms: keep the cache bounded.
        if self.statements.len() < MAX_STATEMENTS {
            self.statements.insert(sql.to_string(), statement.clone());
        }
        Ok(statement)
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

impl r2d2::ManageConnection for Target {
    type Connection = PgConn;
    /// Why a connection could not be opened, spelled out (r2d2 keeps only the text of the last
    /// one, and `postgres::Error`'s own text leaves the cause out).
    type Error = std::io::Error;

    fn connect(&self) -> Result<PgConn, Self::Error> {
        match self.connect() {
            Ok(client) => Ok(PgConn {
                client: Some(client),
                statements: HashMap::new(),
                dirty: false,
            }),
            Err(e) => Err(std::io::Error::other(self.secrets.scrub(&explain(&e)))),
        }
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), Self::Error> {
        conn.client()
            .simple_query("")
            .map(|_| ())
            .map_err(|e| std::io::Error::other(explain(&e)))
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

/// [`StoreError::Unavailable`] when the server cannot be reached, else [`StoreError::Database`].
fn failure(err: &postgres::Error) -> StoreError {
    if is_unreachable(err) {
        StoreError::Unavailable(explain(err))
    } else {
        StoreError::Database(explain(err))
    }
}

/// Whether the error says the database cannot be reached now (the connection is gone, the
/// network failed, the server is shutting down or starting): a later try may succeed.
fn is_unreachable(err: &postgres::Error) -> bool {
    if err.is_closed() {
        return true;
    }
    if let Some(code) = err.code() {
        // Class 08: connection exception; 57P01..57P03: shutting down, cannot connect now.
        let code = code.code();
        return code.starts_with("08") || code.starts_with("57P");
    }
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if cause.is::<std::io::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// Serialisation failures, deadlocks, row locks waited for too long and cancelled statements
/// (see `attempts`): the transaction lost to a concurrent one, or was stopped from outside, and
/// may be tried again.
fn is_retryable(err: &postgres::Error) -> bool {
    matches!(
        err.code(),
        Some(code) if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::LOCK_NOT_AVAILABLE
            // A statement cancelled from outside (seen under heavy contention in CI, and what
            // `pg_cancel_backend` does): the transaction rolled back, so trying again is safe.
            || *code == SqlState::QUERY_CANCELED
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
    fn run(&self, mode: Mode, job: Job<'_>) -> StoreResult<()> {
        let mut conn = self.connection()?;
        // Until `attempts` has left the session as it found it.
        conn.dirty = true;
        let mut outcomes = self.attempts(&mut conn, mode, &mut [job])?;
        outcomes.pop().expect("one outcome a job")
    }

    /// Group commit here too: a node's write jobs then pass the writers' gate, wait for
    /// PostgreSQL's commit flush and (when another node wins a conflict) retry together,
    /// instead of each on its own and against each other (two nodes then store 1.8× what one
    /// does; before, no more).
    fn groups_writes(&self) -> bool {
        true
    }

    fn run_writes(&self, jobs: &mut [Job<'_>]) -> Vec<StoreResult<()>> {
        let ran = self.connection().and_then(|mut conn| {
            conn.dirty = true;
            self.attempts(&mut conn, Mode::Write, jobs)
        });
        match ran {
            Ok(outcomes) => outcomes,
            Err(err) => jobs.iter().map(|_| Err(err.clone())).collect(),
        }
    }

    fn shared(&self) -> bool {
        true
    }

    fn pool(&self) -> Option<super::PoolState> {
        let state = self.pool.state();
        Some(super::PoolState {
            connections: state.connections,
            idle_connections: state.idle_connections,
        })
    }

    /// Connects at once, so a database that cannot be listened to fails start-up (`Err`);
    /// later losses of the connection are logged and retried (every 1 s, growing to 30 s), and
    /// every (re)connection wakes everyone, since announcements may have been missed.
    fn listen(&self, wake: Arc<dyn Fn(Announcement) + Send + Sync>) -> StoreResult<()> {
        let client = listener_connection(&self.target)
            .map_err(|e| self.target.failed_at("cannot listen to PostgreSQL at", e))?;
        let listener = Listener {
            target: self.target.clone(),
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
            let text = format!("counting a request: {}", explain(&e));
            self.target.failure(text)
        };
        let statement = conn.statement(COUNT_REQUEST).map_err(fail)?;
        let row = conn
            .client()
            .query_one(&statement, &[&key, &minute])
            .map_err(fail)?;
        let cols = Cols::new(&row, "request_counts");
        let count = RequestCount {
            this_minute: cols.u32(0)?,
            previous_minute: cols.u32(1)?,
        };
        if self.swept_minute.swap(minute, Ordering::Relaxed) != minute {
            conn.client()
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
    conn: &'c mut PgConn,
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

// ----- values -----

/// Reads a column as `$t`; values PostgreSQL cannot read are [`StoreError::Corrupt`].
macro_rules! column {
    ($($name:ident: $t:ty),*) => {$(
        fn $name(&self, table: &'static str, idx: usize) -> StoreResult<Option<$t>> {
            self.try_get(idx).map_err(|e| self.bad(table, idx, explain(&e)))
        }
    )*};
}

impl SqlRow for Row {
    column!(int: i64, boolean: bool, text: String, uuid: Uuid, time: DateTime<Utc>, json: serde_json::Value);

    fn bad(&self, table: &'static str, idx: usize, detail: String) -> StoreError {
        let column = self.columns().get(idx).map_or("?", |c| c.name());
        StoreError::Corrupt {
            table,
            detail: format!("column {column}: {detail}"),
        }
    }
}

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(n) => n.to_sql_checked(ty, out),
            Value::Bool(b) => b.to_sql_checked(ty, out),
            Value::Text(text) => text.to_sql_checked(ty, out),
            Value::Uuid(id) => id.to_sql_checked(ty, out),
            Value::Time(at) => at.to_sql_checked(ty, out),
            Value::Json(json) => {
                // JSONB's binary format: a version byte, then the text.
                if *ty == Type::JSONB {
                    out.put_u8(1);
                } else if *ty != Type::JSON {
                    return Err(format!("JSON given for a {ty} parameter").into());
                }
                out.put_slice(json.as_bytes());
                Ok(IsNull::No)
            }
        }
    }

    /// Each value checks the parameter's type when written.
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

type Params<'p> = [&'p (dyn ToSql + Sync)];

// ----- statements -----

impl PgTx<'_> {
    fn raw_query(&mut self, sql: &str, params: &Params) -> Result<Vec<Row>, postgres::Error> {
        let statement = self.conn.statement(sql)?;
        self.conn.client().query(&statement, params)
    }

    fn raw_execute(&mut self, sql: &str, params: &Params) -> Result<u64, postgres::Error> {
        let statement = self.conn.statement(sql)?;
        self.conn.client().execute(&statement, params)
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
        if is_unreachable(&err) {
            return StoreError::Unavailable(text);
        }
        StoreError::Database(text)
    }

    /// Run `statement` under a savepoint, so that a constraint violation becomes
    /// [`StoreError::Duplicate`] and leaves the transaction usable, as on SQLite.
    fn unique<T>(
        &mut self,
        what: &'static str,
        statement: impl FnOnce(&mut Self) -> Result<T, postgres::Error>,
    ) -> StoreResult<T> {
        if let Err(e) = self.conn.client().batch_execute("SAVEPOINT unique_check") {
            return Err(self.failed(e));
        }
        match statement(self) {
            Ok(value) => {
                if let Err(e) = self
                    .conn
                    .client()
                    .batch_execute("RELEASE SAVEPOINT unique_check")
                {
                    return Err(self.failed(e));
                }
                Ok(value)
            }
            Err(err) => {
                let undone = self.conn.client().batch_execute(
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
}

impl Conn for PgTx<'_> {
    const DIALECT: Dialect = POSTGRES;

    fn query(&mut self, sql: &str, params: &[Value<'_>], each: EachRow<'_>) -> StoreResult<()> {
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        let result = self.raw_query(sql, &params);
        for row in result.map_err(|e| self.failed(e))? {
            each(&row)?;
        }
        Ok(())
    }

    fn execute(&mut self, sql: &str, params: &[Value<'_>], unique: Unique) -> StoreResult<u64> {
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        match unique {
            Some(what) => self.unique(what, |tx| tx.raw_execute(sql, &params)),
            None => {
                let result = self.raw_execute(sql, &params);
                result.map_err(|e| self.failed(e))
            }
        }
    }

    fn announce(&mut self, announcement: &Announcement) -> StoreResult<()> {
        if *announcement == Announcement::default() {
            return Ok(());
        }
        // The streams in notices of `STREAMS_PER_NOTICE`; all the rest once, in the first.
        let mut chunks = announcement.streams.chunks(STREAMS_PER_NOTICE);
        let mut news = Announcement {
            streams: chunks.next().unwrap_or_default().to_vec(),
            ..announcement.clone()
        };
        loop {
            let payload = serde_json::to_string(&Notice {
                node: self.node,
                news,
            })
            .map_err(|e| StoreError::Database(format!("announcement: {e}")))?;
            let sent = self.raw_execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload]);
            sent.map_err(|e| self.failed(e))?;
            let Some(streams) = chunks.next() else {
                return Ok(());
            };
            news = Announcement {
                streams: streams.to_vec(),
                ..Default::default()
            };
        }
    }
}

// ----- hearing the other nodes -----

/// The payload of one notification on `CHANNEL`.
#[derive(Debug, Serialize, Deserialize)]
struct Notice {
    /// The node that sent it.
    node: Uuid,
    #[serde(flatten)]
    news: Announcement,
}

/// What the node `own` should hear of a payload: nothing of its own announcements, and
/// everything (wake everyone) of one it cannot read.
fn decode(payload: &str, own: Uuid) -> Option<Announcement> {
    match serde_json::from_str::<Notice>(payload) {
        Ok(notice) if notice.node == own => None,
        Ok(notice) => Some(notice.news),
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
                            error = %self.target.secrets.scrub(&e),
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
                    error = %self.target.secrets.scrub(&e),
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
mod tests;
