use std::sync::mpsc;
use std::sync::{Barrier, Mutex};

use switchboard_protocol::{Direction, MessageStatus};

use super::*;
use crate::store::conformance::{agent, conversation, t0, write, Subject};
use crate::store::sql::MIGRATIONS;
use crate::store::{
    AgentRow, ConversationRow, EventRow, MessageRow, Relation, SessionRow, ViewRow,
};

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
            panic!("SWITCHBOARD_TEST_PG_CA is not set (scripts/postgres.sh says where the CA is)");
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

    let err = PgStore::open("postgres://someone:hunter2-secret@127.0.0.1:notaport/x").unwrap_err();
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
