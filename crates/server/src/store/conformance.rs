//! The storage contract as executable checks. Every backend runs [`run_all`] in its tests, so
//! a second backend (PostgreSQL) is held to exactly what the engine relies on.

use chrono::{DateTime, Duration, TimeZone, Utc};
use switchboard_domain::routing::Strategy;
use switchboard_protocol::{
    ChannelKind, ConversationStatus, Direction, Identity, MessageStatus, Presence, Role,
};
use uuid::Uuid;

use super::{
    AgentRow, ChannelRow, ConversationRow, EventRow, JobFailed, ListView, MessageRow, Mode,
    QueueRow, Relation, Route, SessionRow, Store, StoreError, Tx, ViewRow,
};

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()
}

/// Run a write job, panicking on storage errors.
pub(crate) fn write<R>(
    store: &dyn Store,
    mut job: impl FnMut(&mut dyn Tx) -> Result<R, StoreError>,
) -> R {
    let mut out = None;
    store
        .run(Mode::Write, &mut |tx| {
            out = Some(job(tx)?);
            Ok(())
        })
        .expect("storage works");
    out.expect("job ran")
}

pub(crate) fn agent(extension: &str) -> AgentRow {
    AgentRow {
        id: Uuid::now_v7(),
        extension: extension.into(),
        name: format!("Agent {extension}"),
        email: Some(format!("a{extension}@example.com")),
        role: Role::Agent,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
        presence: Presence::Available,
        last_assigned_at: None,
    }
}

pub(crate) fn conversation(channel_id: &str, sender: &str, at: DateTime<Utc>) -> ConversationRow {
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

fn message(conv: &ConversationRow, seq: i64, provider_id: Option<&str>) -> MessageRow {
    MessageRow {
        id: Uuid::now_v7(),
        conversation_id: conv.id,
        channel_id: conv.channel_id.clone(),
        seq,
        client_id: None,
        provider_message_id: provider_id.map(Into::into),
        direction: Direction::Inbound,
        author_agent_id: None,
        author_name: "Customer".into(),
        body: format!("message {seq} — não"),
        attachments: Vec::new(),
        status: MessageStatus::Delivered,
        error: None,
        created_at: t0() + Duration::seconds(seq),
    }
}

/// Every check, in order. Each uses its own extensions and ids, so they share one store.
pub fn run_all(store: &dyn Store) {
    agents_keep_their_identity_across_upserts(store);
    sessions_expire_and_revoke(store);
    queues_keep_member_order(store);
    only_one_claim_wins(store);
    messages_refuse_duplicates_and_page_backwards(store);
    views_list_newest_first_per_agent(store);
    event_cursors_grow_per_agent_and_prune_raises_the_floor(store);
    a_failed_job_leaves_no_trace(store);
}

fn agents_keep_their_identity_across_upserts(store: &dyn Store) {
    let first = write(store, |tx| tx.upsert_agent(&agent("9001")));
    let mut renamed = agent("9001");
    renamed.name = "Renamed".into();
    let second = write(store, |tx| tx.upsert_agent(&renamed));
    assert_eq!(first.id, second.id, "the id survives a config change");
    assert_eq!(second.name, "Renamed");
    let by_email = write(store, |tx| tx.agent_by_login("A9001@EXAMPLE.COM"));
    assert_eq!(
        by_email.map(|a| a.id),
        Some(first.id),
        "e-mail log-in ignores case"
    );
    write(store, |tx| tx.set_presence(first.id, Presence::Dnd));
    let again = write(store, |tx| tx.upsert_agent(&agent("9001")));
    assert_eq!(
        again.presence,
        Presence::Dnd,
        "presence is not reset by a restart"
    );
}

fn sessions_expire_and_revoke(store: &dyn Store) {
    let a = write(store, |tx| tx.upsert_agent(&agent("9002")));
    let session = SessionRow {
        token_hash: "hash-9002".into(),
        agent_id: a.id,
        created_at: t0(),
        expires_at: t0() + Duration::hours(1),
    };
    write(store, |tx| tx.insert_session(&session));
    let live = write(store, |tx| {
        tx.session_agent("hash-9002", t0() + Duration::minutes(59))
    });
    assert_eq!(live.map(|a| a.id), Some(a.id));
    let expired = write(store, |tx| {
        tx.session_agent("hash-9002", t0() + Duration::minutes(61))
    });
    assert!(expired.is_none(), "expired sessions open nothing");
    assert!(write(store, |tx| tx.logged_in_agents(t0())).contains(&a.id));
    assert!(write(store, |tx| tx.revoke_session("hash-9002", t0())));
    assert!(
        !write(store, |tx| tx.revoke_session("hash-9002", t0())),
        "revoking twice is a no-op"
    );
    assert!(write(store, |tx| tx.session_agent("hash-9002", t0())).is_none());
    assert!(!write(store, |tx| tx.logged_in_agents(t0())).contains(&a.id));
}

fn queues_keep_member_order(store: &dyn Store) {
    let a = write(store, |tx| tx.upsert_agent(&agent("9003")));
    let b = write(store, |tx| tx.upsert_agent(&agent("9004")));
    let queue = QueueRow {
        id: "conformance-q".into(),
        name: "Q".into(),
        strategy: Strategy::RoundRobin,
        offer_timeout_s: 15,
        max_chats_per_agent: 2,
        members: vec![b.id, a.id],
        last_round_robin: None,
    };
    write(store, |tx| tx.upsert_queue(&queue));
    write(store, |tx| tx.set_last_round_robin("conformance-q", a.id));
    let stored = write(store, |tx| tx.queue("conformance-q")).expect("queue stored");
    assert_eq!(stored.members, vec![b.id, a.id], "priority order is kept");
    assert_eq!(stored.last_round_robin, Some(a.id));
    assert_eq!(write(store, |tx| tx.queues_of_agent(a.id)).len(), 1);
    let channel = ChannelRow {
        id: "conformance-ch".into(),
        kind: ChannelKind::Sms,
        route: Route::Extension("9003".into()),
    };
    write(store, |tx| tx.upsert_channel(&channel));
    assert_eq!(
        write(store, |tx| tx.channel("conformance-ch")),
        Some(channel.clone())
    );
}

fn only_one_claim_wins(store: &dyn Store) {
    let a = write(store, |tx| tx.upsert_agent(&agent("9005")));
    let b = write(store, |tx| tx.upsert_agent(&agent("9006")));
    let conv = conversation("claims", "111", t0());
    write(store, |tx| tx.insert_conversation(&conv));
    assert!(write(store, |tx| tx.claim_conversation(
        conv.id,
        a.id,
        t0()
    )));
    assert!(
        !write(store, |tx| tx.claim_conversation(conv.id, b.id, t0())),
        "second claim fails"
    );
    let stored = write(store, |tx| tx.conversation(conv.id)).unwrap();
    assert_eq!(stored.owner_id, Some(a.id));
    assert_eq!(stored.status, ConversationStatus::Open);
    assert_eq!(write(store, |tx| tx.open_owned_count(a.id)), 1);
    assert_eq!(
        write(store, |tx| tx.answered_count(
            a.id,
            "q",
            t0() - Duration::hours(1)
        )),
        1
    );
    assert!(write(store, |tx| tx.open_conversation_for("claims", "111")).is_some());
    let mut resolved = stored.clone();
    resolved.status = ConversationStatus::Resolved;
    write(store, |tx| tx.update_conversation(&resolved));
    assert!(write(store, |tx| tx.open_conversation_for("claims", "111")).is_none());
}

fn messages_refuse_duplicates_and_page_backwards(store: &dyn Store) {
    let conv = conversation("msgs", "222", t0());
    write(store, |tx| tx.insert_conversation(&conv));
    for seq in 1..=5 {
        let pid = format!("pid-{seq}");
        write(store, |tx| {
            tx.insert_message(&message(&conv, seq, Some(&pid)))
        });
    }
    let mut duplicate_failed = false;
    store
        .run(Mode::Write, &mut |tx| {
            let err = tx.insert_message(&message(&conv, 6, Some("pid-3")));
            duplicate_failed = matches!(err, Err(StoreError::Duplicate { .. }));
            Err(JobFailed::Abort)
        })
        .unwrap();
    assert!(duplicate_failed, "a provider id is stored once per channel");
    let page = write(store, |tx| tx.messages_before(conv.id, Some(5), 2));
    assert_eq!(
        page.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [3, 4],
        "oldest first"
    );
    let found = write(store, |tx| tx.message_by_provider_id("msgs", "pid-2")).unwrap();
    assert_eq!(found.body, "message 2 — não", "text round-trips");
    assert_eq!(
        found.created_at,
        t0() + Duration::seconds(2),
        "times round-trip"
    );
    let someone = Uuid::now_v7();
    assert_eq!(write(store, |tx| tx.unread_count(conv.id, someone, 3)), 2);
}

fn views_list_newest_first_per_agent(store: &dyn Store) {
    let a = write(store, |tx| tx.upsert_agent(&agent("9007")));
    let mut ids = Vec::new();
    for i in 0..3 {
        let conv = conversation("views", &format!("33{i}"), t0() + Duration::minutes(i));
        write(store, |tx| {
            tx.insert_conversation(&conv)?;
            tx.upsert_view(&ViewRow::new(conv.id, a.id, Relation::Offered, t0()))
        });
        ids.push(conv.id);
    }
    let mut archived = write(store, |tx| tx.view(ids[0], a.id)).unwrap();
    archived.archived = true;
    write(store, |tx| tx.upsert_view(&archived));
    let recent = write(store, |tx| tx.list_views(a.id, ListView::Recent, None, 10));
    assert_eq!(
        recent.iter().map(|(c, _)| c.id).collect::<Vec<_>>(),
        [ids[2], ids[1]]
    );
    let first = write(store, |tx| tx.list_views(a.id, ListView::Recent, None, 1));
    let cursor = super::ListCursor {
        updated_at: first[0].0.updated_at,
        conversation_id: first[0].0.id,
    };
    let rest = write(store, |tx| {
        tx.list_views(a.id, ListView::Recent, Some(&cursor), 10)
    });
    assert_eq!(rest.iter().map(|(c, _)| c.id).collect::<Vec<_>>(), [ids[1]]);
    let arch = write(store, |tx| {
        tx.list_views(a.id, ListView::Archived, None, 10)
    });
    assert_eq!(arch.len(), 1);
    let mut gone = write(store, |tx| tx.view(ids[1], a.id)).unwrap();
    gone.relation = Relation::Former;
    write(store, |tx| tx.upsert_view(&gone));
    assert_eq!(
        write(store, |tx| tx.list_views(a.id, ListView::Recent, None, 10)).len(),
        1
    );
}

fn event_cursors_grow_per_agent_and_prune_raises_the_floor(store: &dyn Store) {
    let a = write(store, |tx| tx.upsert_agent(&agent("9008")));
    let b = write(store, |tx| tx.upsert_agent(&agent("9009")));
    let event = |kind: &str| EventRow {
        seq: 0,
        kind: kind.into(),
        object_id: None,
        data: Some(serde_json::json!({"k": kind})),
    };
    let a1 = write(store, |tx| tx.append_event(a.id, &event("one"), t0()));
    let a2 = write(store, |tx| {
        tx.append_event(a.id, &event("two"), t0() + Duration::days(2))
    });
    let b1 = write(store, |tx| tx.append_event(b.id, &event("one"), t0()));
    assert_eq!(
        (a1, a2, b1),
        (1, 2, 1),
        "each agent has its own gapless cursor"
    );
    let after = write(store, |tx| tx.events_after(a.id, 1, 10));
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].data, Some(serde_json::json!({"k": "two"})));
    assert_eq!(write(store, |tx| tx.event_bounds(a.id)), (0, 2));
    write(store, |tx| tx.prune_events(t0() + Duration::days(1)));
    assert_eq!(
        write(store, |tx| tx.event_bounds(a.id)),
        (1, 2),
        "floor is the newest pruned cursor"
    );
    assert_eq!(write(store, |tx| tx.event_bounds(b.id)), (1, 1));
    assert_eq!(write(store, |tx| tx.events_after(a.id, 0, 10)).len(), 1);
}

fn a_failed_job_leaves_no_trace(store: &dyn Store) {
    store
        .run(Mode::Write, &mut |tx| {
            tx.upsert_agent(&agent("9010"))?;
            Err(JobFailed::Abort)
        })
        .unwrap();
    assert!(
        write(store, |tx| tx.agent_by_extension("9010")).is_none(),
        "rolled back"
    );
}
