//! The embedded SQLite backend: one writer connection (SQLite has one writer at a time anyway,
//! and serialising in-process avoids `SQLITE_BUSY` upgrades), and a few reader connections
//! that WAL lets run beside it. The operations are the shared ones of `store/sql`; what is here
//! is the connection, the transactions, and SQLite's storage of values: ids and JSON as text,
//! times as fixed-width RFC 3339 text (so text order is time order), booleans as 0 and 1.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rusqlite::config::DbConfig;
use rusqlite::types::{ToSqlOutput, Type, ValueRef};
use rusqlite::{Connection, Row, ToSql, TransactionBehavior};
use uuid::Uuid;

use super::sql::{Conn, Dialect, EachRow, Migration, SqlRow, SqlTx, Unique, Value, SQLITE};
use super::{Job, JobFailed, Mode, Store, StoreError, StoreResult};

const READERS: usize = 4;

/// SQLite storage in one database file.
#[derive(Debug)]
pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

/// Prepared statements kept per connection (the server runs about a hundred different ones).
const STATEMENTS: usize = 256;

impl SqliteStore {
    /// Open (creating if needed) and migrate the database at `path`.
    pub fn open(path: &Path) -> StoreResult<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::private::create_dir_all(parent).map_err(|e| {
                StoreError::Database(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        // Created readable by the server's user only (SQLite gives its WAL and shared-memory
        // files the database file's permissions).
        crate::private::touch(path)
            .map_err(|e| StoreError::Database(format!("cannot create {}: {e}", path.display())))?;
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
    // temp_store: the savepoints of a group commit run again after a failure (`run_writes`)
    // keep the pages they touch in memory, not in a temporary file. cache_size: each connection
    // has a page cache of its own (see `.cargo/config.toml`), 16 MiB rather than SQLite's 2.
    // wal_autocheckpoint: the log is copied into the database every 4,000 pages (16 MiB)
    // rather than every 1,000, so a page written again and again (an index's last leaf, a busy
    // conversation) is copied once per 4,000: the writer spent 8% less time per stored
    // webhook, with no change in the stream latency's p99 (BENCHMARKS.md, "Server load").
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA busy_timeout = 5000;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -16384;
         PRAGMA wal_autocheckpoint = 4000;",
    )
    .map_err(db)?;
    // The query planner's stability guarantee: without it SQLite plans a `LIMIT $n` with the
    // value bound when the statement was prepared and prepares the statement again whenever
    // that parameter is bound anew — so every page of an event log, a history or a list was
    // parsed and planned on each run, kept statement or not (6% of the server's samples at
    // 1,000 webhooks a second, all of it under `events_after`). No plan here needs a bound
    // value: there are no statistics tables, and no `LIKE` prefix walks an index.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map_err(db)?;
    // A new message runs a few dozen different statements; with rusqlite's default of 16
    // kept, each would be parsed again every time.
    conn.set_prepared_statement_cache_capacity(STATEMENTS);
    Ok(conn)
}

/// Apply the migrations a database lacks; `user_version` counts those applied.
fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(db)?;
    for Migration { number, name, sql } in SQLITE.pending(version)? {
        let tx = conn.transaction().map_err(db)?;
        tx.execute_batch(&sql)
            .map_err(|e| StoreError::Database(format!("migration {number} ({name}): {e}")))?;
        tx.pragma_update(None, "user_version", number).map_err(db)?;
        tx.commit().map_err(db)?;
    }
    Ok(())
}

/// The schema version of a Switchboard database (its count of applied migrations), refused
/// with [`StoreError::TooNew`] when a newer server wrote it; `None` when `conn` is no
/// Switchboard database at all (no migration applied, or no `agents` table).
pub fn schema_version(conn: &Connection) -> StoreResult<Option<i64>> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(db)?;
    let agents: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'agents'",
            [],
            |r| r.get(0),
        )
        .map_err(db)?;
    if version < 1 || agents == 0 {
        return Ok(None);
    }
    SQLITE.pending(version)?;
    Ok(Some(version))
}

fn db(err: rusqlite::Error) -> StoreError {
    StoreError::Database(err.to_string())
}

impl Store for SqliteStore {
    fn run(&self, mode: Mode, job: Job<'_>) -> StoreResult<()> {
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
        let mut handle = SqlTx::new(SqliteConn { conn: &tx });
        match job(&mut handle) {
            Ok(()) => tx.commit().map_err(db),
            // Dropping the transaction rolls it back.
            Err(JobFailed::Abort) => Ok(()),
            Err(JobFailed::Store(err)) => Err(err),
        }
    }

    fn groups_writes(&self) -> bool {
        true
    }

    /// Most groups fail nowhere, so a group is first run straight, each job on the
    /// transaction itself: a savepoint copies every page its job changes first (the 4 KiB
    /// pages of the message, conversation, views, events and their indexes) and frees the
    /// copies when it ends, work a job that succeeds never needs. When a job fails, that attempt is rolled back whole and the group is run again
    /// with a savepoint per job, so the failure leaves nothing behind and the others are kept
    /// (jobs may be run again: [`Store::run`]).
    fn run_writes(&self, jobs: &mut [Job<'_>]) -> Vec<StoreResult<()>> {
        let mut conn = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match write_group(&mut conn, jobs, Savepoints::No) {
            Some(outcomes) => outcomes,
            None => write_group(&mut conn, jobs, Savepoints::PerJob)
                .expect("a group with savepoints always has outcomes"),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Savepoints {
    /// Every job on the transaction itself: `None` when one fails (nothing is kept).
    No,
    /// Each job in a savepoint of its own: a job that fails is rolled back alone.
    PerJob,
}

/// One attempt at a group commit: each job's outcome, or `None` when a job failed without
/// savepoints (the attempt is rolled back).
fn write_group(
    conn: &mut Connection,
    jobs: &mut [Job<'_>],
    savepoints: Savepoints,
) -> Option<Vec<StoreResult<()>>> {
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(err) => {
            let err = db(err);
            return Some(jobs.iter().map(|_| Err(err.clone())).collect());
        }
    };
    let mut outcomes = Vec::with_capacity(jobs.len());
    for job in jobs.iter_mut() {
        let outcome = match savepoints {
            Savepoints::PerJob => run_in_savepoint(&tx, job),
            Savepoints::No => match job(&mut SqlTx::new(SqliteConn { conn: &tx })) {
                Ok(()) => Ok(()),
                // Dropping `tx` rolls the attempt back.
                Err(_) => return None,
            },
        };
        outcomes.push(outcome);
    }
    match tx.commit() {
        Ok(()) => Some(outcomes),
        Err(err) => {
            let err = db(err);
            Some(outcomes.iter().map(|_| Err(err.clone())).collect())
        }
    }
}

/// One job of a group commit, in a savepoint of the group's transaction: kept when it
/// succeeds, rolled back alone when it fails.
fn run_in_savepoint(tx: &rusqlite::Transaction<'_>, job: &mut Job<'_>) -> StoreResult<()> {
    tx.execute_batch("SAVEPOINT job").map_err(db)?;
    let ran = {
        let mut handle = SqlTx::new(SqliteConn { conn: tx });
        job(&mut handle)
    };
    let (end, outcome) = match ran {
        Ok(()) => ("RELEASE job", Ok(())),
        Err(JobFailed::Abort) => ("ROLLBACK TO job; RELEASE job", Ok(())),
        Err(JobFailed::Store(err)) => ("ROLLBACK TO job; RELEASE job", Err(err)),
    };
    tx.execute_batch(end).map_err(db)?;
    outcome
}

/// The connection of one transaction.
struct SqliteConn<'c> {
    conn: &'c Connection,
}

impl Conn for SqliteConn<'_> {
    const DIALECT: Dialect = SQLITE;

    fn query(&mut self, sql: &str, params: &[Value<'_>], each: EachRow<'_>) -> StoreResult<()> {
        let mut stmt = self.conn.prepare_cached(&placeholders(sql)).map_err(db)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params)).map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            each(row)?;
        }
        Ok(())
    }

    fn execute(&mut self, sql: &str, params: &[Value<'_>], unique: Unique) -> StoreResult<u64> {
        let mut stmt = self.conn.prepare_cached(&placeholders(sql)).map_err(db)?;
        let changed = stmt
            .execute(rusqlite::params_from_iter(params))
            .map_err(|err| match (unique, &err) {
                (Some(what), rusqlite::Error::SqliteFailure(code, _))
                    if code.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    StoreError::Duplicate { what }
                }
                _ => db(err),
            })?;
        Ok(changed as u64)
    }
}

/// SQLite's spelling of the shared statements' `$1` placeholders (`$1` would be a named one).
fn placeholders(sql: &str) -> String {
    sql.replace('$', "?")
}

impl ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(n) => ToSqlOutput::from(*n),
            Value::Bool(b) => ToSqlOutput::from(*b),
            Value::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Value::Uuid(id) => ToSqlOutput::from(id.to_string()),
            Value::Time(at) => ToSqlOutput::from(ts(*at)),
            Value::Json(json) => ToSqlOutput::Borrowed(ValueRef::Text(json.as_bytes())),
        })
    }
}

/// Fixed width, so text order is time order: `2026-12-07T17:05:09.123456Z`. Written field by
/// field rather than through `format`, which parses its pattern on every call (every time
/// bound: several per stored message).
fn ts(at: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write;
    // A leap second is second 59 with a nanosecond count past one second.
    let (second, nanos) = match at.nanosecond() {
        n if n >= 1_000_000_000 => (60, n - 1_000_000_000),
        n => (at.second(), n),
    };
    let mut text = String::with_capacity(27);
    let _ = write!(
        text,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        second,
        nanos / 1_000
    );
    text
}

impl SqlRow for Row<'_> {
    fn int(&self, _: &'static str, idx: usize) -> StoreResult<Option<i64>> {
        self.get(idx).map_err(db)
    }

    fn boolean(&self, _: &'static str, idx: usize) -> StoreResult<Option<bool>> {
        self.get(idx).map_err(db)
    }

    fn text(&self, _: &'static str, idx: usize) -> StoreResult<Option<String>> {
        self.get(idx).map_err(db)
    }

    fn uuid(&self, table: &'static str, idx: usize) -> StoreResult<Option<Uuid>> {
        let Some(text) = self.text(table, idx)? else {
            return Ok(None);
        };
        Uuid::parse_str(&text)
            .map(Some)
            .map_err(|e| self.bad(table, idx, format!("bad id {text:?}: {e}")))
    }

    fn time(&self, table: &'static str, idx: usize) -> StoreResult<Option<DateTime<Utc>>> {
        let Some(text) = self.text(table, idx)? else {
            return Ok(None);
        };
        DateTime::parse_from_rfc3339(&text)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| self.bad(table, idx, format!("bad time {text:?}: {e}")))
    }

    fn json(&self, table: &'static str, idx: usize) -> StoreResult<Option<serde_json::Value>> {
        let Some(text) = self.text(table, idx)? else {
            return Ok(None);
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| self.bad(table, idx, format!("bad JSON: {e}")))
    }

    fn bad(&self, _: &'static str, idx: usize, detail: String) -> StoreError {
        db(rusqlite::Error::FromSqlConversionFailure(
            idx,
            Type::Text,
            detail.into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conformance::Subject;
    use crate::store::sql::MIGRATIONS;

    /// A store in a temporary directory (in a folder still to be made), removed with it.
    fn temporary_store() -> Option<Subject> {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("nested/switchboard.db")).unwrap();
        Some(Subject::new(store, move || drop(dir)))
    }

    mod conformance {
        crate::store::conformance::store_conformance_tests!(super::temporary_store);
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
    fn a_kept_statement_is_not_prepared_again_when_its_limit_changes() {
        let dir = tempfile::tempdir().unwrap();
        let conn = connect(&dir.path().join("limits.db")).unwrap();
        conn.execute_batch(
            "CREATE TABLE t (x INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3);",
        )
        .unwrap();
        for limit in [1, 2, 3, 2] {
            let mut stmt = conn
                .prepare_cached("SELECT x FROM t WHERE x > ?1 ORDER BY x LIMIT ?2")
                .unwrap();
            let rows: Vec<i64> = stmt
                .query_map(rusqlite::params![0, limit], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(rows.len(), limit as usize);
            assert_eq!(
                stmt.get_status(rusqlite::StatementStatus::RePrepare),
                0,
                "prepared once, whatever the limit (limit {limit})"
            );
        }
    }

    #[test]
    fn times_are_stored_as_fixed_width_text() {
        let cases = [
            "2026-12-07T17:05:09.123456Z",
            "0999-01-02T03:04:05.000000Z",
            "2026-06-30T23:59:59.999999Z",
        ];
        for text in cases {
            let at = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(ts(at), text);
            assert_eq!(ts(at), at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string());
        }
        // Sub-microseconds are cut, as before; a leap second reads as second 60.
        let at = DateTime::parse_from_rfc3339("2026-12-07T17:05:09.1234567Z").unwrap();
        assert_eq!(ts(at.with_timezone(&Utc)), "2026-12-07T17:05:09.123456Z");
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_micro_opt(23, 59, 59, 1_500_000)
            .unwrap()
            .and_utc();
        assert_eq!(ts(leap), leap.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string());
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
