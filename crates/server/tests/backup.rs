//! `switchboard-server backup` and `restore` as operators run them (the real binary) against
//! a real server's SQLite database. SQLite only: on PostgreSQL the commands point to pg_dump.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use common::{config_toml, TestServer};
use switchboard_server::engine::Inbound;
use uuid::Uuid;

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_switchboard-server")
}

/// Run the binary; (exit code, stdout, stderr).
fn run(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = Command::new(binary()).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn backup(config: &Path, to: &Path, force: bool) -> (i32, String, String) {
    let mut args = vec![
        "backup".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--to".as_ref(),
        to.as_os_str(),
    ];
    if force {
        args.push("--force".as_ref());
    }
    run(&args)
}

fn restore(config: &Path, from: &Path) -> (i32, String, String) {
    run(&[
        "restore".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--from".as_ref(),
        from.as_os_str(),
    ])
}

/// These tests read and write the server's SQLite file; on PostgreSQL there is none.
fn skipped_on_postgres(test: &str) -> bool {
    if common::on_postgres() {
        eprintln!("{test}: skipped, backup and restore are for the SQLite store (SWITCHBOARD_TEST_BACKEND=postgres)");
    }
    common::on_postgres()
}

fn inbound(sender: u32, body: String) -> Inbound {
    Inbound {
        channel_id: "wa".into(),
        sender: format!("+55119{sender:08}"),
        display_name: format!("Customer {sender}"),
        provider_message_id: Some(Uuid::now_v7().to_string()),
        body,
        attachments: Vec::new(),
        sent_at: None,
        consent: None,
    }
}

fn message_ids(database: &Path) -> HashSet<Uuid> {
    let db = rusqlite::Connection::open(database).unwrap();
    let mut stmt = db.prepare("SELECT id FROM messages").unwrap();
    let ids = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|id| Uuid::parse_str(&id.unwrap()).unwrap())
        .collect();
    ids
}

fn integrity(database: &Path) -> String {
    let db = rusqlite::Connection::open(database).unwrap();
    db.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_under_write_load_restores_every_message_acknowledged_before_it_began() {
    if skipped_on_postgres("backup_under_write_load") {
        return;
    }
    // Given a server whose database spans several backup steps (about 10 MB)...
    let server = TestServer::start(2).await;
    let engine = server.running.engine.clone();
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    for i in 0..600 {
        let body = format!("{i} {}", "x".repeat(16 * 1024));
        let stored = engine.ingest(inbound(i % 20, body)).await.unwrap();
        acknowledged.lock().unwrap().push(stored.message_id);
    }
    // ...and customers writing in all the time.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (engine, acknowledged, stop) = (engine.clone(), acknowledged.clone(), stop.clone());
        tokio::spawn(async move {
            let mut i = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let body = format!("live {i} {}", "y".repeat(4 * 1024));
                let stored = engine.ingest(inbound(i % 20, body)).await.unwrap();
                acknowledged.lock().unwrap().push(stored.message_id);
                i += 1;
            }
            i
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    // When a backup is taken while the writes go on...
    let before: Vec<Uuid> = acknowledged.lock().unwrap().clone();
    let file = server.dir.path().join("backup.db");
    let (config, to) = (server.config_path.clone(), file.clone());
    let (code, stdout, stderr) = tokio::task::spawn_blocking(move || backup(&config, &to, false))
        .await
        .unwrap();
    let during = acknowledged.lock().unwrap().len() - before.len();
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert_eq!(code, 0, "backup failed\nstdout: {stdout}\nstderr: {stderr}");
    assert!(
        stdout.contains("backup.db")
            && stdout.contains("schema version")
            && stdout.contains("data_dir"),
        "the line says what was written and that attachments are not in it: {stdout}"
    );
    assert!(during > 0, "the writer kept writing while the backup ran");
    eprintln!(
        "{} messages acknowledged before the backup, {during} written while it ran",
        before.len()
    );
    drop(engine);
    server.running.stop().await;

    // ...and restored into a fresh server's folder...
    let mut fresh = TestServer::with_config(&config_toml(2, "strategy = \"ring_all\"", "")).await;
    let restored = std::sync::Mutex::new(None);
    fresh
        .restart(|s| *restored.lock().unwrap() = Some(restore(&s.config_path, &file)))
        .await;
    let (code, stdout, stderr) = restored.into_inner().unwrap().unwrap();
    assert_eq!(
        code, 0,
        "restore failed\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stdout.contains("before-restore-"),
        "the old database is kept: {stdout}"
    );

    // Then the server started on it has every message acknowledged before the backup began,
    // and the database is intact.
    let database = fresh.dir.path().join("switchboard.db");
    let present = message_ids(&database);
    let missing = before.iter().filter(|id| !present.contains(id)).count();
    assert_eq!(
        missing,
        0,
        "of {} messages acknowledged before the backup, {missing} are missing",
        before.len()
    );
    assert_eq!(integrity(&database), "ok");
    let agent = fresh.login("101").await;
    let (status, _) = agent.get("/api/v1/conversations").await;
    assert!(status.is_success(), "the restored server answers: {status}");
}

#[tokio::test]
async fn backup_will_not_overwrite_a_file_without_force_and_names_it() {
    if skipped_on_postgres("backup_will_not_overwrite") {
        return;
    }
    // Given a running server and a file where the backup should go
    let server = TestServer::start(1).await;
    let file = server.dir.path().join("existing.db");
    std::fs::write(&file, "keep me").unwrap();

    // When a backup is asked for without --force, it refuses and names the file
    let (code, _, stderr) = backup(&server.config_path, &file, false);
    assert_ne!(code, 0, "an existing file must not be overwritten");
    assert!(
        stderr.contains("existing.db") && stderr.contains("--force"),
        "the message names the file and the way out: {stderr}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");

    // Then with --force it is replaced by a good backup
    let (code, stdout, stderr) = backup(&server.config_path, &file, true);
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(integrity(&file), "ok");

    // And a missing target folder is named
    let nowhere = server.dir.path().join("no-such-folder/b.db");
    let (code, _, stderr) = backup(&server.config_path, &nowhere, false);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("no-such-folder") && stderr.contains("does not exist"),
        "{stderr}"
    );
}

#[tokio::test]
async fn restore_refuses_while_a_server_runs_and_refuses_a_file_that_is_no_database() {
    if skipped_on_postgres("restore_refuses") {
        return;
    }
    // Given a running server and a good backup of it
    let server = TestServer::start(1).await;
    let file = server.dir.path().join("good.db");
    let (code, _, stderr) = backup(&server.config_path, &file, false);
    assert_eq!(code, 0, "{stderr}");
    let database = server.dir.path().join("switchboard.db");

    // When it is restored while the server runs, restore refuses and leaves the database be
    let (code, _, stderr) = restore(&server.config_path, &file);
    assert_ne!(code, 0, "a running server's database must not be replaced");
    assert!(
        stderr.contains("in use") && stderr.contains("stop the server"),
        "the message says why and what to do: {stderr}"
    );
    assert!(database.exists());
    let aside = std::fs::read_dir(server.dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("before-restore")
        })
        .count();
    assert_eq!(aside, 0, "nothing was moved aside");

    // And a text file is refused as no database, whatever the server does
    let text = server.dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "these are not the tables you are looking for\n".repeat(100),
    )
    .unwrap();
    let (code, _, stderr) = restore(&server.config_path, &text);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("notes.txt") && stderr.contains("not a Switchboard database"),
        "the message names the file and what is wrong: {stderr}"
    );

    // And a backup from a newer server is refused with the store's own words
    let newer = server.dir.path().join("newer.db");
    std::fs::copy(&file, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 9999)
        .unwrap();
    let (code, _, stderr) = restore(&server.config_path, &newer);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("newer than this server's") && stderr.contains("upgrade the server"),
        "{stderr}"
    );

    // And an SQLite file of someone else is refused too
    let foreign = server.dir.path().join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let (code, _, stderr) = restore(&server.config_path, &foreign);
    assert_ne!(code, 0);
    assert!(stderr.contains("not Switchboard's"), "{stderr}");
}

#[test]
fn backup_of_a_postgres_store_points_to_pg_dump() {
    // Given a configuration on PostgreSQL (no server needed)
    let dir = tempfile::tempdir().unwrap();
    let text = common::with_database(
        &config_toml(1, "", ""),
        "postgres://sb:secret@db.internal:5432/switchboard",
    );
    let config = dir.path().join("switchboard.toml");
    std::fs::write(&config, text).unwrap();

    // When a backup or restore is asked for, both say to use PostgreSQL's tools, with the command
    let (code, _, stderr) = backup(&config, &dir.path().join("b.db"), false);
    assert_ne!(code, 0);
    assert!(stderr.contains("pg_dump -Fc"), "{stderr}");
    assert!(
        !stderr.contains("secret"),
        "the password is not printed: {stderr}"
    );
    let (code, _, stderr) = restore(&config, &dir.path().join("b.db"));
    assert_ne!(code, 0);
    assert!(stderr.contains("pg_restore"), "{stderr}");
}

#[test]
fn backup_names_an_unreadable_config_and_a_missing_database() {
    // Given a folder with no configuration, then one whose database was never created
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("switchboard.toml");
    let to = dir.path().join("b.db");

    // When a backup is asked for, each problem is named with its file
    let (code, _, stderr) = backup(&config, &to, false);
    assert_ne!(code, 0);
    assert!(stderr.contains("switchboard.toml"), "{stderr}");

    std::fs::write(&config, config_toml(1, "", "")).unwrap();
    let (code, _, stderr) = backup(&config, &to, false);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("switchboard.db") && stderr.contains("does not exist"),
        "{stderr}"
    );
    assert!(!to.exists(), "nothing is written");
}
