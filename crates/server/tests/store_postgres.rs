//! The PostgreSQL store as several server nodes share it, through its public API only: writers
//! on many connections at once are serialised (retried, taking turns), a duplicate leaves the
//! transaction usable as on SQLite, announcements reach the other nodes only once committed,
//! request counts are shared, and the server may drop the store on its async runtime. The storage contract itself is
//! `store/conformance.rs`, run on both backends; what needs the backend's insides (TLS, the
//! password kept out of messages, migrations) is tested beside it in `store/postgres/tests.rs`.
//!
//! These tests need PostgreSQL (`SWITCHBOARD_TEST_PG`, printed by `scripts/postgres.sh`). Outside
//! CI they are skipped, saying so, when it is not set; in CI they fail.

use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use postgres::NoTls;
use switchboard_protocol::{
    ChannelKind, ConversationStatus, Direction, Identity, MessageStatus, Presence, Role,
};
use switchboard_server::store::postgres::PgStore;
use switchboard_server::store::{
    AgentRow, Announcement, ConversationRow, EventRow, JobFailed, MessageRow, Mode, Relation,
    SessionRow, Store, StoreError, Tx, Typing, ViewRow,
};
use uuid::Uuid;

/// A new, empty database on the server named by `SWITCHBOARD_TEST_PG` (an admin URL whose
/// role may create databases), or `None` (skip) when it is not set outside CI.
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
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    Some(format!("{base}/{name}"))
}

/// Drop a scratch database (and whatever connections are left on it). An autovacuum worker
/// that happens to be on the new database makes `FORCE` fail for a non-superuser (its backend
/// is the server's own, which only a superuser may end): it is tried again while the worker
/// finishes, and a database left behind is only reported — it is scratch.
fn drop_database(url: &str) {
    let admin = std::env::var("SWITCHBOARD_TEST_PG").expect("set when a database was made");
    let (_, name) = url.rsplit_once('/').expect("a scratch URL");
    let mut client = postgres::Client::connect(&admin, NoTls).expect("admin connection");
    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    for attempt in 1..=20 {
        match client.batch_execute(&drop) {
            Ok(()) => return,
            Err(err) if attempt == 20 => eprintln!("the scratch database {name} stays: {err}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(250)),
        }
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()
}

/// Run a write job, panicking on storage errors.
fn write<R>(store: &dyn Store, mut job: impl FnMut(&mut dyn Tx) -> Result<R, StoreError>) -> R {
    let mut out = None;
    store
        .run(Mode::Write, &mut |tx| {
            out = Some(job(tx)?);
            Ok(())
        })
        .expect("storage works");
    out.expect("job ran")
}

fn agent(extension: &str) -> AgentRow {
    AgentRow {
        id: Uuid::now_v7(),
        extension: extension.into(),
        name: format!("Agent {extension}"),
        email: Some(format!("a{extension}@example.com")),
        role: Role::Agent,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
        presence: Presence::Available,
        last_assigned_at: None,
        disabled_at: None,
        provisioned: true,
        must_change_password: false,
    }
}

fn conversation(channel_id: &str, sender: &str, at: DateTime<Utc>) -> ConversationRow {
    ConversationRow {
        id: Uuid::now_v7(),
        channel: ChannelKind::Whatsapp,
        channel_id: channel_id.into(),
        status: ConversationStatus::Queued,
        queue_id: Some("q".into()),
        owner_id: None,
        identity: Some(Identity {
            kind: ChannelKind::Whatsapp,
            value: sender.into(),
        }),
        display_name: "Customer".into(),
        contact_id: None,
        title: None,
        offer_round: 0,
        offer_expires_at: None,
        last_seq: 0,
        last_message_id: None,
        created_at: at,
        updated_at: at,
        answered_at: None,
        resolved_at: None,
        last_inbound_at: None,
    }
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
    let rows = || -> i64 {
        let mut admin = postgres::Client::connect(&url, NoTls).unwrap();
        let counted = admin.query_one("SELECT count(*) FROM request_counts", &[]);
        counted.unwrap().get(0)
    };
    assert_eq!(rows(), 1, "'other' was swept when A moved on");
    assert_eq!(count(&b, "k", minute + 3), (2, 0));
    drop((a, b));
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
                        let seq = tx.append_events(&[(watcher, event)], t0())?[0];
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
        channels: true,
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
            channels: false,
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
                            tx.append_events(&[(*agent, event)], t0())?;
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
