//! `switchboard-server backup` and `restore` (CONTRACT §1): a consistent copy of the SQLite
//! database named by the configuration, taken while a server may be writing to it, and putting
//! such a copy back while no server runs. Attachment files in `data_dir` are not part of it.
//!
//! These are command-line edges: their errors are sentences for an operator (which file, what
//! is wrong, what to do), so they are `anyhow` messages rather than a typed enum.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use rusqlite::{Connection, OpenFlags};

use crate::config::{self, Database};
use crate::store::sqlite::schema_version;
use crate::store::StoreError;

/// Pages copied per backup step (4 MiB at SQLite's default page size).
const PAGES_PER_STEP: std::ffi::c_int = 1024;
/// The pause between steps, so the copy does not hog the disk the server writes to.
const PAUSE_BETWEEN_STEPS: Duration = Duration::from_millis(5);
/// How long `restore` waits for the live database to be free before saying a server uses it.
const IN_USE_WAIT: Duration = Duration::from_millis(1000);

const NOTE_ATTACHMENTS: &str =
    "attachments in data_dir are not included: copy that folder too, e.g. with rsync";

/// Copy the configured SQLite database to `to`; the line to print.
pub fn backup(config_path: &Path, to: &Path, force: bool) -> anyhow::Result<String> {
    let (database, data_dir) = sqlite_database(config_path, "backup")?;
    if !database.is_file() {
        bail!(
            "{}: the database {} named by server.database does not exist: check the path (it is relative to the configuration file's folder), or start the server once to create it",
            config_path.display(),
            database.display()
        );
    }
    let folder = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        bail!(
            "{}: the folder {} does not exist: create it first, or choose another --to",
            to.display(),
            folder.display()
        );
    }
    if to.exists() && !force {
        bail!(
            "{} already exists: choose another --to, or add --force to overwrite it",
            to.display()
        );
    }

    let source = Connection::open_with_flags(&database, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .with_context(|| format!("cannot open the database {}", database.display()))?;
    source.busy_timeout(Duration::from_secs(5))?;
    if schema_version(&source)
        .map_err(|e| explain(&database, e))?
        .is_none()
    {
        bail!(
            "{} is not a Switchboard database: check server.database in {}",
            database.display(),
            config_path.display()
        );
    }

    // The copy goes to a temporary file beside FILE and is renamed into place once whole and
    // checked, so FILE is never half written; dropping `temp` on an error removes it.
    let temp = tempfile::Builder::new()
        .prefix(".switchboard-backup-")
        .suffix(".tmp")
        .tempfile_in(&folder)
        .with_context(|| format!("cannot write in {}", folder.display()))?;
    {
        let mut target = Connection::open(temp.path())
            .with_context(|| format!("cannot create {}", temp.path().display()))?;
        // One read transaction held across all steps: in WAL mode it pins one snapshot, so the
        // copy is consistent and is not restarted by the server's writes, which go on meanwhile
        // (WAL readers never block the writer). The steps and pauses only spread the disk work.
        source.execute_batch("BEGIN; SELECT COUNT(*) FROM sqlite_master;")?;
        let copied = rusqlite::backup::Backup::new(&source, &mut target)
            .and_then(|b| b.run_to_completion(PAGES_PER_STEP, PAUSE_BETWEEN_STEPS, None));
        source.execute_batch("COMMIT;")?;
        copied.with_context(|| format!("copying {}", database.display()))?;
    }
    let version = verify(temp.path()).with_context(|| {
        format!(
            "the copy of {} failed its check: try again",
            database.display()
        )
    })?;
    temp.as_file().sync_all()?;
    if force {
        temp.persist(to)
    } else {
        // Refuses, rather than replaces, a FILE that appeared meanwhile.
        temp.persist_noclobber(to)
    }
    .map_err(|e| anyhow!("cannot write {}: {}", to.display(), e.error))?;
    let size = std::fs::metadata(to)?.len();
    Ok(format!(
        "backup of {} written to {} ({size} bytes, schema version {version}); {NOTE_ATTACHMENTS} ({})",
        database.display(),
        to.display(),
        data_dir.display()
    ))
}

/// Put the backup `from` in place of the configured SQLite database; the line to print.
pub fn restore(config_path: &Path, from: &Path) -> anyhow::Result<String> {
    let (database, data_dir) = sqlite_database(config_path, "restore")?;
    if !from.is_file() {
        bail!(
            "{} does not exist or is not a file: give the backup file with --from",
            from.display()
        );
    }
    let folder = database
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;

    // Checked on a copy beside the database, which is then renamed into place: the operator's
    // file is only read, and the database is never half written.
    let temp = tempfile::Builder::new()
        .prefix(".switchboard-restore-")
        .suffix(".tmp")
        .tempfile_in(&folder)
        .with_context(|| format!("cannot write in {}", folder.display()))?;
    std::fs::copy(from, temp.path()).with_context(|| format!("cannot read {}", from.display()))?;
    let version = verify(temp.path()).map_err(|e| {
        anyhow!(
            "{} is not a Switchboard database backup that this server can use: {e:#}",
            from.display()
        )
    })?;
    temp.as_file().sync_all()?;

    let aside = if database.exists() {
        refuse_if_in_use(&database)?;
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let aside = PathBuf::from(format!("{}.before-restore-{stamp}", database.display()));
        for suffix in ["", "-wal", "-shm"] {
            let live = PathBuf::from(format!("{}{suffix}", database.display()));
            if live.exists() {
                let moved = PathBuf::from(format!("{}{suffix}", aside.display()));
                std::fs::rename(&live, &moved).with_context(|| {
                    format!("cannot move {} to {}", live.display(), moved.display())
                })?;
            }
        }
        Some(aside)
    } else {
        None
    };
    temp.persist(&database)
        .map_err(|e| anyhow!("cannot write {}: {}", database.display(), e.error))?;
    let before = match aside {
        Some(aside) => format!("; the previous database is kept as {}", aside.display()),
        None => String::new(),
    };
    Ok(format!(
        "restored {} (schema version {version}) to {}{before}; {NOTE_ATTACHMENTS} ({})",
        from.display(),
        database.display(),
        data_dir.display()
    ))
}

/// The SQLite database file and data folder the configuration names.
fn sqlite_database(config_path: &Path, command: &str) -> anyhow::Result<(PathBuf, PathBuf)> {
    let config = config::load(config_path).map_err(|errors| anyhow!("{errors}"))?;
    match config.server.database {
        Database::Sqlite(path) => Ok((path, config.server.data_dir)),
        Database::Postgres(_) => {
            let tool = if command == "backup" {
                "pg_dump: pg_dump -Fc -f switchboard.dump \"postgres://user@host/db\""
            } else {
                "pg_restore: pg_restore --clean --if-exists -d \"postgres://user@host/db\" switchboard.dump"
            };
            bail!(
                "{}: server.database is PostgreSQL; `{command}` handles the embedded SQLite database only. Use PostgreSQL's own {tool}",
                config_path.display()
            )
        }
    }
}

/// Check a database file: readable, intact, a Switchboard schema no newer than ours. Its
/// schema version.
fn verify(path: &Path) -> anyhow::Result<i64> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .context("it is not an SQLite database")?;
    if check != "ok" {
        bail!("the integrity check says: {check}");
    }
    match schema_version(&conn).map_err(|e| explain(path, e))? {
        Some(version) => Ok(version),
        None => bail!("it is an SQLite database, but not Switchboard's"),
    }
}

/// Refuse when a server has the database open.
///
/// A connection in WAL mode keeps a shared lock on the database file for as long as it is
/// open, not only during transactions, and every server holds its connections open for its
/// whole life. A connection in exclusive locking mode must take an exclusive lock on the file
/// to read it, so it fails (after the busy timeout) exactly when another connection, in any
/// process, has the database open. The lock is released before the files are moved; a server
/// started in that instant is the operator's own race ("server stopped" is the contract).
fn refuse_if_in_use(database: &Path) -> anyhow::Result<()> {
    let conn = Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .with_context(|| format!("cannot open the database {}", database.display()))?;
    conn.busy_timeout(IN_USE_WAIT)?;
    let locked = conn.execute_batch(
        "PRAGMA locking_mode = EXCLUSIVE;
         BEGIN EXCLUSIVE;
         SELECT COUNT(*) FROM sqlite_master;
         COMMIT;",
    );
    match locked {
        Ok(()) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            bail!(
                "{} is in use (a switchboard-server is running on it?): stop the server, then run restore again",
                database.display()
            )
        }
        Err(e) => Err(e).with_context(|| format!("cannot lock {}", database.display())),
    }
}

/// A store error (e.g. [`StoreError::TooNew`]) as a sentence naming the file.
fn explain(path: &Path, err: StoreError) -> anyhow::Error {
    anyhow!("{}: {err}", path.display())
}
