use std::sync::Barrier;

use super::*;
use crate::store::conformance::{agent, write, Subject};
use crate::store::sql::{migration_name, MIGRATIONS};

/// The environment variable `name`, or `None` (skip) when it is not set outside CI, which must
/// run the PostgreSQL tests (`hint` says how to set it).
fn test_setting(name: &str, hint: &str) -> Option<String> {
    let value = std::env::var(name).ok().filter(|v| !v.is_empty());
    if value.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("{name} is not set, and CI must run the PostgreSQL tests: {hint}");
        }
        eprintln!("SKIPPED: {name} is not set");
    }
    value
}

/// A new, empty database on the server named by `SWITCHBOARD_TEST_PG` (an admin URL whose
/// role may create databases; `scripts/postgres.sh` prints one), or `None` (skip) when it is
/// not set outside CI.
fn scratch_database() -> Option<String> {
    let hint = "export SWITCHBOARD_TEST_PG=\"$(scripts/postgres.sh)\"";
    let admin = test_setting("SWITCHBOARD_TEST_PG", hint)?;
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
    let hint = "scripts/postgres.sh says where the CA is";
    let Some(ca) = test_setting("SWITCHBOARD_TEST_PG_CA", hint) else {
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

/// A store on a scratch database, dropped with it.
fn scratch_store() -> Option<Subject> {
    let url = scratch_database()?;
    let store = PgStore::open(&url).unwrap();
    assert!(store.shared());
    Some(Subject::new(store, move || drop_database(&url)))
}

mod conformance {
    crate::store::conformance::store_conformance_tests!(super::scratch_store);
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
        .map(|(i, (file, _))| (i as i64 + 1, migration_name(file)))
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

    let err = PgStore::open("postgres://someone:hunter2-secret@127.0.0.1:notaport/x").unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(Secrets::of(url).scrub(url).contains("someone:***@"));
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
