//! The local cache: one SQLite file per agent profile.
//!
//! It holds everything the app shows, so the app opens instantly and works offline:
//! conversations, messages (with a full-text index), contacts, templates, agents, settings,
//! the attachments index, the persisted outbox and the sync cursor. Each table group lives in
//! its own module, with its migration beside it; [`MIGRATIONS`] lists them in order and
//! `PRAGMA user_version` records how many were applied. A file from a newer app is refused (it
//! may hold unsent replies this version would mangle), an older one is migrated in place.
//!
//! Two connections: one writer (every write is one `IMMEDIATE` transaction through
//! [`Cache::write`]) and one reader, which WAL lets read a consistent snapshot while a long
//! write (a full sync batch) is going on, so the UI never waits for the sync. An async read or
//! write waits for its connection as a task and only then takes a blocking thread.

pub mod agents;
pub mod attachments;
pub mod contacts;
pub mod conversations;
pub mod messages;
pub mod outbox;
pub mod settings;
pub mod templates;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::error::ClientError;

/// One schema step. Never edit one that shipped: add a new one.
#[derive(Debug)]
pub struct Migration {
    /// 1-based position; equals `user_version` after it is applied.
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration, in the order they are applied.
pub const MIGRATIONS: &[&Migration] = &[
    &settings::MIGRATION,
    &conversations::MIGRATION,
    &messages::MIGRATION,
    &contacts::MIGRATION,
    &templates::MIGRATION,
    &agents::MIGRATION,
    &attachments::MIGRATION,
    &outbox::MIGRATION,
    &conversations::MIGRATION_UNREAD,
];

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Failures of the cache itself.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the cache is format {found}, newer than this app's {supported}")]
    TooNew { found: i64, supported: i64 },
    #[error("a stored value could not be read: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<serde_json::Error> for CacheError {
    fn from(err: serde_json::Error) -> Self {
        CacheError::Corrupt(err.to_string())
    }
}

pub type CacheResult<T> = Result<T, CacheError>;

/// The cache of one agent profile. Cheap to clone.
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    /// A turn at each connection, waited for without a thread: an async read or write takes
    /// its turn before it gets a blocking thread, so what queues behind a slow read waits as a
    /// task, not as a thread parked on the mutex (the pool grew to 45 threads under a steady
    /// 11 messages a second, each with its stack and malloc arena).
    writer_turn: Arc<Semaphore>,
    reader_turn: Arc<Semaphore>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

/// Prepared statements kept per connection (the code has about 70).
const STATEMENTS: usize = 128;

fn connect(path: &Path) -> CacheResult<Connection> {
    let conn = Connection::open(path)?;
    // NORMAL is durable across app crashes in WAL mode (only an OS crash can lose the last
    // commits), and the server holds the truth for everything but the outbox. A 16 MB page
    // cache (SQLite's default is 2 MB) keeps the upper levels of the message, index and
    // full-text b-trees in memory during a full sync; checkpointing every 16 MB of log instead
    // of 4 MB writes pages that change again and again (index pages) to the file less often.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA busy_timeout = 5000;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -16384;
         PRAGMA wal_autocheckpoint = 4096;",
    )?;
    // The query planner's stability guarantee: without it SQLite plans a `LIMIT ?n` with the
    // value bound when the statement was prepared and prepares the statement again whenever
    // that parameter is bound anew — so opening a chat, scrolling it and every search were
    // parsed and planned each time, kept statement or not. No plan here needs a bound value.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // A full sync's writes and the screens' reads use more different statements than
    // rusqlite's default of 16 kept per connection; past it, each would be parsed again.
    conn.set_prepared_statement_cache_capacity(STATEMENTS);
    Ok(conn)
}

/// Apply the migrations after `user_version`; refuse a newer file.
fn migrate(conn: &mut Connection, migrations: &[&Migration]) -> CacheResult<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let supported = migrations.len() as i64;
    if found > supported {
        return Err(CacheError::TooNew { found, supported });
    }
    for migration in migrations.iter().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(migration.sql).map_err(|e| {
            CacheError::Corrupt(format!(
                "migration {} ({}) failed: {e}",
                migration.version, migration.name
            ))
        })?;
        tx.pragma_update(None, "user_version", migration.version)?;
        tx.commit()?;
    }
    Ok(())
}

impl Cache {
    /// Open (creating and migrating if needed) the cache file at `path`.
    pub fn open(path: &Path) -> Result<Cache, ClientError> {
        Self::open_with(path, MIGRATIONS).map_err(|err| cache_error(path, err))
    }

    fn open_with(path: &Path, migrations: &[&Migration]) -> CacheResult<Cache> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut writer = connect(path)?;
        migrate(&mut writer, migrations)?;
        let reader = connect(path)?;
        Ok(Cache {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Mutex::new(writer),
                reader: Mutex::new(reader),
                writer_turn: Arc::new(Semaphore::new(1)),
                reader_turn: Arc::new(Semaphore::new(1)),
            }),
        })
    }

    /// Where the cache file is.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves the connection usable: SQLite rolls back the
        // transaction that was open.
        self.inner
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        self.inner
            .reader
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Run `job` in one write transaction, on this thread. The full-text index catches up with
    /// what the job wrote before the commit, so readers never see messages they cannot find.
    pub fn write_blocking<R>(
        &self,
        job: impl FnOnce(&Transaction<'_>) -> CacheResult<R>,
    ) -> Result<R, ClientError> {
        let mut conn = self.writer();
        let run = |conn: &mut Connection| -> CacheResult<R> {
            messages::forget_unindexed();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = job(&tx)?;
            messages::flush_index(&tx)?;
            tx.commit()?;
            Ok(out)
        };
        let outcome = run(&mut conn);
        // A failed job rolled its rows back; their keys must not be indexed later.
        messages::forget_unindexed();
        outcome.map_err(|err| cache_error(&self.inner.path, err))
    }

    /// Run `job` on the reader connection, on this thread.
    pub fn read_blocking<R>(
        &self,
        job: impl FnOnce(&Connection) -> CacheResult<R>,
    ) -> Result<R, ClientError> {
        let conn = self.reader();
        job(&conn).map_err(|err| cache_error(&self.inner.path, err))
    }

    /// [`Cache::write_blocking`] off the async runtime's threads.
    pub async fn write<R, F>(&self, job: F) -> Result<R, ClientError>
    where
        R: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> CacheResult<R> + Send + 'static,
    {
        let cache = self.clone();
        let turn = self.inner.writer_turn.clone().acquire_owned().await;
        let turn = turn
            .map_err(|err| cache_error(&self.inner.path, CacheError::Corrupt(err.to_string())))?;
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            cache.write_blocking(job)
        })
        .await
        .map_err(|err| cache_error(&self.inner.path, CacheError::Corrupt(err.to_string())))?
    }

    /// [`Cache::read_blocking`] off the async runtime's threads.
    pub async fn read<R, F>(&self, job: F) -> Result<R, ClientError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> CacheResult<R> + Send + 'static,
    {
        let cache = self.clone();
        let turn = self.inner.reader_turn.clone().acquire_owned().await;
        let turn = turn
            .map_err(|err| cache_error(&self.inner.path, CacheError::Corrupt(err.to_string())))?;
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            cache.read_blocking(job)
        })
        .await
        .map_err(|err| cache_error(&self.inner.path, CacheError::Corrupt(err.to_string())))?
    }

    /// Bytes on disk: the database and its write-ahead log.
    pub fn size_on_disk(&self) -> u64 {
        let mut total = 0;
        for suffix in ["", "-wal", "-shm"] {
            let mut name = self.inner.path.as_os_str().to_owned();
            name.push(suffix);
            total += std::fs::metadata(PathBuf::from(name)).map_or(0, |m| m.len());
        }
        total
    }

    /// Fold the write-ahead log into the database file (for size measurements and backups).
    pub fn checkpoint(&self) -> Result<(), ClientError> {
        let conn = self.writer();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(|err| cache_error(&self.inner.path, err.into()))
    }
}

/// Turn a cache failure into the user-facing error, naming the file.
pub(crate) fn cache_error(path: &Path, err: CacheError) -> ClientError {
    match err {
        CacheError::TooNew { found, supported } => ClientError::CacheTooNew {
            path: path.to_path_buf(),
            found,
            supported,
        },
        other => ClientError::Cache {
            path: path.to_path_buf(),
            detail: other.to_string(),
        },
    }
}

// ----- value conversions shared by the table modules -----

/// Fixed-width RFC 3339 with microseconds, so text order is time order.
pub(crate) fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Read a 16-byte id column.
pub(crate) fn get_uuid(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Uuid> {
    let bytes: Vec<u8> = row.get(idx)?;
    Uuid::from_slice(&bytes).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Blob, Box::new(e))
    })
}

/// Read a JSON text column into a wire type.
pub(crate) fn get_json<T: serde::de::DeserializeOwned>(
    row: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A fresh cache in a temporary folder (kept alive by the returned guard).
    pub fn cache() -> (Cache, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = Cache::open(&dir.path().join("cache.sqlite3")).expect("cache opens");
        (cache, dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_from_one() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(
                migration.version,
                index as i64 + 1,
                "migration {:?} is out of place",
                migration.name
            );
        }
    }

    #[test]
    fn a_kept_statement_is_not_prepared_again_when_its_limit_changes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("cache.sqlite3")).unwrap();
        let conn = cache.reader();
        for limit in [1, 2, 50] {
            let mut stmt = conn
                .prepare_cached("SELECT id FROM conversations ORDER BY updated_at DESC LIMIT ?1")
                .unwrap();
            let rows = stmt.query_map([limit], |r| r.get::<_, String>(0)).unwrap();
            assert_eq!(rows.count(), 0);
            assert_eq!(
                stmt.get_status(rusqlite::StatementStatus::RePrepare),
                0,
                "prepared once, whatever the limit (limit {limit})"
            );
        }
    }

    #[test]
    fn a_cache_from_a_newer_app_is_refused_with_a_clear_message() {
        // Given a cache whose format is newer than this build's
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite3");
        drop(Cache::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", schema_version() + 1)
            .unwrap();
        drop(conn);
        // When it is opened
        let err = Cache::open(&path).expect_err("a newer cache must be refused");
        // Then the agent is told to update, and nothing was touched
        assert_eq!(err.code(), "cache_too_new");
        assert!(err.to_string().contains("Update the app"), "{err}");
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, schema_version() + 1, "the file must be left alone");
    }

    #[test]
    fn an_older_cache_is_migrated_and_keeps_its_data() {
        // Given a cache written by a build that knew only the first three migrations
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite3");
        let old = Cache::open_with(&path, &MIGRATIONS[..3]).unwrap();
        old.write_blocking(|tx| settings::set(tx, "ui.preview", "off"))
            .unwrap();
        drop(old);
        // When this build opens it
        let cache = Cache::open(&path).expect("an older cache is migrated");
        // Then the later tables exist and the old data is still there
        let preview = cache
            .read_blocking(|conn| settings::get(conn, "ui.preview"))
            .unwrap();
        assert_eq!(preview.as_deref(), Some("off"));
        let outbox = cache
            .read_blocking(|conn| outbox::all(conn).map(|rows| rows.len()))
            .unwrap();
        assert_eq!(outbox, 0, "the outbox table was created by the migration");
        let version = cache
            .read_blocking(|conn| {
                Ok(conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))?)
            })
            .unwrap();
        assert_eq!(version, schema_version());
    }

    #[test]
    fn reads_queued_behind_a_slow_one_hold_no_thread() {
        // Two blocking threads: the slow read's and one more. Reads that waited on the
        // connection's mutex in a thread each would take that one, and the write after them
        // would wait for the slow read.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(2)
            .enable_time()
            .build()
            .unwrap();
        let (cache, _dir) = testing::cache();
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started, slow_started) = std::sync::mpsc::channel();
        runtime.block_on(async {
            let slow = tokio::spawn({
                let cache = cache.clone();
                async move {
                    cache
                        .read(move |_| {
                            started.send(()).unwrap();
                            held.recv().unwrap();
                            Ok(())
                        })
                        .await
                }
            });
            slow_started.recv().unwrap();
            let queued: Vec<_> = (0..10)
                .map(|_| {
                    let cache = cache.clone();
                    tokio::spawn(async move { cache.read(settings::cursor).await })
                })
                .collect();
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            let wrote = tokio::time::timeout(
                std::time::Duration::from_secs(20),
                cache.write(|tx| settings::set(tx, "k", "v")),
            )
            .await;
            assert!(
                matches!(wrote, Ok(Ok(()))),
                "the write waited for the slow read"
            );
            release.send(()).unwrap();
            slow.await.unwrap().unwrap();
            for read in queued {
                read.await.unwrap().unwrap();
            }
        });
    }
}
