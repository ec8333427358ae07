//! The storage contract as executable checks: one function per scenario, each run on a fresh
//! store of every backend as a test of its own ([`store_conformance_tests!`], as matrix-sdk's
//! `event_cache_store_integration_tests!`), so a second backend (PostgreSQL) is held to exactly
//! what the engine relies on, and a failure names its scenario.

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use switchboard_domain::routing::Strategy;
use switchboard_protocol::{
    ChannelKind, ConversationStatus, Direction, Identity, MessageStatus, Presence, Role,
};
use uuid::Uuid;

use super::sqlite::SqliteStore;
use super::*;

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()
}

fn identity(kind: ChannelKind, value: impl Into<String>) -> Identity {
    Identity {
        kind,
        value: value.into(),
    }
}

/// `rows` projected by `f`, for comparing lists.
fn mapped<T, U>(rows: impl IntoIterator<Item = T>, f: impl FnMut(T) -> U) -> Vec<U> {
    rows.into_iter().map(f).collect()
}

/// `rows` in order, for comparing answers in no particular order.
fn sorted<T: Ord>(mut rows: Vec<T>) -> Vec<T> {
    rows.sort();
    rows
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
        disabled_at: None,
        provisioned: true,
        must_change_password: false,
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
        identity: Some(identity(ChannelKind::Whatsapp, sender)),
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

/// A store for one scenario, and what to clean up after it.
pub(crate) struct Subject {
    store: Option<Box<dyn Store>>,
    cleanup: Option<Box<dyn FnOnce()>>,
}

impl Subject {
    /// `cleanup` runs once the store is dropped.
    pub fn new(store: impl Store, cleanup: impl FnOnce() + 'static) -> Self {
        Subject {
            store: Some(Box::new(store)),
            cleanup: Some(Box::new(cleanup)),
        }
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_deref().expect("until dropped")
    }
}

impl Drop for Subject {
    fn drop(&mut self) {
        drop(self.store.take());
        if let Some(cleanup) = self.cleanup.take() {
            cleanup();
        }
    }
}

/// One `#[test]` per scenario of this module, each on a fresh store from `$open`, a
/// `fn() -> Option<Subject>` (`None`: the backend is not available here, skip).
macro_rules! store_conformance_tests {
    ($open:path) => {
        $crate::store::conformance::store_conformance_tests!(@tests $open;
            agents_keep_their_identity_across_upserts,
            sessions_expire_and_revoke,
            a_disabled_agent_has_no_live_session_and_ended_ones_are_pruned,
            queues_keep_member_order,
            only_one_claim_wins,
            messages_refuse_duplicates_and_page_backwards,
            views_list_newest_first_per_agent,
            event_cursors_grow_per_agent_and_prune_raises_the_floor,
            a_failed_job_leaves_no_trace,
            a_group_commit_keeps_each_jobs_own_outcome,
            text_orders_and_searches_like_sqlite,
            unsent_uploads_are_deleted_once_old,
            every_method_answers_as_on_sqlite,
            audit_entries_page_newest_first,
            app_made_agents_keep_their_flags,
            whatsapp_templates_are_replaced_per_channel,
            sms_opt_outs_keep_the_first_time_until_removed,
            a_conversation_reads_back_as_last_written,
            bulk_history_pages_every_visible_message_once,
            a_page_of_conversations_is_read_at_once,
        );
    };
    (@tests $open:path; $($scenario:ident),* $(,)?) => {$(
        #[test]
        fn $scenario() {
            if let Some(subject) = $open() {
                $crate::store::conformance::$scenario(subject.store());
            }
        }
    )*};
}
pub(crate) use store_conformance_tests;

/// A SQLite store in a temporary directory: the reference the other backends answer like.
fn reference() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(&dir.path().join("reference.db")).expect("SQLite opens");
    (dir, store)
}

pub(crate) fn agents_keep_their_identity_across_upserts(store: &dyn Store) {
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

pub(crate) fn sessions_expire_and_revoke(store: &dyn Store) {
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
    let someone = Uuid::now_v7();
    let among = |store: &dyn Store, at| write(store, |tx| tx.logged_in_among(&[someone, a.id], at));
    assert_eq!(
        among(store, t0()),
        vec![a.id],
        "only the agent with a session"
    );
    assert!(
        among(store, t0() + Duration::minutes(61)).is_empty(),
        "expired sessions count for nothing"
    );
    assert!(write(store, |tx| tx.revoke_session("hash-9002", t0())));
    assert!(
        !write(store, |tx| tx.revoke_session("hash-9002", t0())),
        "revoking twice is a no-op"
    );
    assert!(write(store, |tx| tx.session_agent("hash-9002", t0())).is_none());
    assert!(!write(store, |tx| tx.logged_in_agents(t0())).contains(&a.id));
    assert!(
        among(store, t0()).is_empty(),
        "revoked sessions count for nothing"
    );
}

pub(crate) fn audit_entries_page_newest_first(store: &dyn Store) {
    let actor = write(store, |tx| tx.upsert_agent(&agent("9010")));
    let ids: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
    write(store, |tx| {
        for (n, id) in ids.iter().enumerate() {
            tx.insert_audit(&AuditRow {
                id: *id,
                at: t0() + Duration::seconds(n as i64),
                actor_id: Some(actor.id),
                action: "agent.create".into(),
                target: format!("agent:{n}"),
                before_value: None,
                after_value: Some(serde_json::json!({"extension": n.to_string(), "role": "agent"})),
            })?;
        }
        Ok(())
    });
    let all = AuditFilter::default();
    let first = write(store, |tx| tx.audit_entries(&all, None, 2));
    assert_eq!(mapped(&first, |e| e.id), vec![ids[4], ids[3]]);
    assert_eq!(
        first[0].after_value,
        Some(serde_json::json!({"extension": "4", "role": "agent"}))
    );
    assert_eq!(first[0].actor_id, Some(actor.id));
    let rest = write(store, |tx| tx.audit_entries(&all, Some(ids[3]), 10));
    assert_eq!(mapped(&rest, |e| e.id), vec![ids[2], ids[1], ids[0]]);
    assert!(write(store, |tx| tx.audit_entries(&all, Some(ids[0]), 10)).is_empty());
    // Filtered: by target exactly, by action prefix (its wildcards literal), by actor.
    let about = |target: &str| AuditFilter {
        target: Some(target.into()),
        ..AuditFilter::default()
    };
    let two = write(store, |tx| tx.audit_entries(&about("agent:2"), None, 10));
    assert_eq!(mapped(&two, |e| e.id), vec![ids[2]]);
    let action = |prefix: &str| AuditFilter {
        action: Some(prefix.into()),
        ..AuditFilter::default()
    };
    assert_eq!(
        write(store, |tx| tx.audit_entries(&action("agent"), None, 10)).len(),
        5
    );
    assert_eq!(
        write(store, |tx| tx.audit_entries(
            &action("agent.create"),
            Some(ids[2]),
            10
        ))
        .len(),
        2
    );
    assert!(write(store, |tx| tx.audit_entries(&action("agent_"), None, 10)).is_empty());
    assert!(write(store, |tx| tx.audit_entries(&action("queue"), None, 10)).is_empty());
    let by = |actor: Uuid| AuditFilter {
        actor: Some(actor),
        ..AuditFilter::default()
    };
    assert_eq!(
        write(store, |tx| tx.audit_entries(&by(actor.id), None, 10)).len(),
        5
    );
    assert!(write(store, |tx| tx.audit_entries(&by(Uuid::now_v7()), None, 10)).is_empty());
}

pub(crate) fn sms_opt_outs_keep_the_first_time_until_removed(store: &dyn Store) {
    let first = t0();
    let opt_out = |channel: &str, when| SmsOptOutRow {
        channel_id: channel.into(),
        address: "+5511987654321".into(),
        opted_out_at: when,
    };
    write(store, |tx| tx.add_sms_opt_out(&opt_out("sms", first)));
    write(store, |tx| {
        tx.add_sms_opt_out(&opt_out("sms", t0() + Duration::hours(1)))
    });
    assert_eq!(
        write(store, |tx| tx.sms_opt_out("sms", "+5511987654321")),
        Some(opt_out("sms", first)),
        "a second STOP keeps the first time"
    );
    assert_eq!(
        write(store, |tx| tx.sms_opt_out("sms-2", "+5511987654321")),
        None,
        "per channel"
    );
    assert!(write(store, |tx| tx.remove_sms_opt_out("sms", "+5511987654321")));
    assert!(!write(store, |tx| tx.remove_sms_opt_out("sms", "+5511987654321")));
    assert_eq!(
        write(store, |tx| tx.sms_opt_out("sms", "+5511987654321")),
        None
    );
}

pub(crate) fn whatsapp_templates_are_replaced_per_channel(store: &dyn Store) {
    let template = |channel: &str, name: &str, language: &str| WhatsAppTemplateRow {
        channel_id: channel.into(),
        name: name.into(),
        language: language.into(),
        category: "UTILITY".into(),
        components: vec![serde_json::json!({"type": "BODY", "text": format!("{name} {{{{1}}}}")})],
        synced_at: t0(),
    };
    let first = vec![
        template("wa", "order_update", "pt_BR"),
        template("wa", "order_update", "en_US"),
        template("wa", "Zeta", "pt_BR"),
    ];
    write(store, |tx| tx.replace_whatsapp_templates("wa", &first));
    write(store, |tx| {
        tx.replace_whatsapp_templates("wa-2", &[template("wa-2", "hello", "es")])
    });
    let listed = write(store, |tx| tx.whatsapp_templates("wa"));
    let keys: Vec<(String, String)> = listed
        .iter()
        .map(|t| (t.name.clone(), t.language.clone()))
        .collect();
    assert_eq!(
        keys,
        [
            ("Zeta".to_string(), "pt_BR".to_string()),
            ("order_update".into(), "en_US".into()),
            ("order_update".into(), "pt_BR".into()),
        ],
        "by name then language, byte order"
    );
    assert_eq!(listed[1], first[1], "stored as given");
    // A new sync replaces the channel's templates, and only that channel's.
    write(store, |tx| {
        tx.replace_whatsapp_templates("wa", &[template("wa", "order_update", "pt_BR")])
    });
    assert_eq!(write(store, |tx| tx.whatsapp_templates("wa")).len(), 1);
    assert_eq!(write(store, |tx| tx.whatsapp_templates("wa-2")).len(), 1);
}

pub(crate) fn app_made_agents_keep_their_flags(store: &dyn Store) {
    let made = AgentRow {
        provisioned: false,
        must_change_password: true,
        ..agent("9011")
    };
    let stored = write(store, |tx| tx.upsert_agent(&made));
    assert!(!stored.provisioned && stored.must_change_password);
    let changed = write(store, |tx| {
        tx.upsert_agent(&AgentRow {
            must_change_password: false,
            ..stored.clone()
        })
    });
    assert!(!changed.provisioned && !changed.must_change_password);
    assert_eq!(changed.id, stored.id);
}

pub(crate) fn a_disabled_agent_has_no_live_session_and_ended_ones_are_pruned(store: &dyn Store) {
    let a = write(store, |tx| tx.upsert_agent(&agent("9003")));
    let b = write(store, |tx| tx.upsert_agent(&agent("9004")));
    let session = |hash: &str, agent: Uuid, hours: i64| SessionRow {
        token_hash: hash.into(),
        agent_id: agent,
        created_at: t0(),
        expires_at: t0() + Duration::hours(hours),
    };
    write(store, |tx| {
        tx.insert_session(&session("a1", a.id, 1))?;
        tx.insert_session(&session("a2", a.id, 1))?;
        tx.insert_session(&session("b1", b.id, 1))?;
        tx.insert_session(&session("b-old", b.id, -48))
    });
    write(store, |tx| tx.set_agent_disabled(a.id, Some(t0())));
    assert!(write(store, |tx| tx.session_agent("a1", t0())).is_none());
    assert_eq!(
        write(store, |tx| tx.agent(a.id)).unwrap().disabled_at,
        Some(t0()),
        "the row stays, marked"
    );
    write(store, |tx| tx.set_agent_disabled(a.id, None));
    assert!(write(store, |tx| tx.session_agent("a1", t0())).is_some());
    assert_eq!(write(store, |tx| tx.revoke_agent_sessions(a.id, t0())), 2);
    assert!(write(store, |tx| tx.session_agent("a2", t0())).is_none());
    assert!(
        write(store, |tx| tx.session_agent("b1", t0())).is_some(),
        "another agent's session lives on"
    );
    assert_eq!(
        write(store, |tx| tx.session("b1")).map(|s| s.expires_at),
        Some(t0() + Duration::hours(1))
    );
    // Ended a day before: the old expired one; the revoked ones ended only now.
    assert_eq!(
        write(store, |tx| tx.prune_sessions(t0() - Duration::hours(24))),
        1
    );
    assert!(write(store, |tx| tx.session("b-old")).is_none());
    assert_eq!(
        write(store, |tx| tx.prune_sessions(t0() + Duration::seconds(1))),
        2
    );
    assert!(write(store, |tx| tx.session("b1")).is_some());
}

pub(crate) fn queues_keep_member_order(store: &dyn Store) {
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
        provisioned: true,
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
        settings: None,
        enabled: true,
        provisioned: true,
        human_agent_tag: false,
    };
    write(store, |tx| tx.upsert_channel(&channel));
    assert_eq!(
        write(store, |tx| tx.channel("conformance-ch")),
        Some(channel.clone())
    );
    // A channel made in the app: its settings, disabled, then changed in place.
    let made = ChannelRow {
        id: "conformance-app".into(),
        kind: ChannelKind::Whatsapp,
        route: Route::Queue("conformance-q".into()),
        settings: Some(serde_json::json!({"phone_number_id": "1", "access_token": "t"})),
        enabled: false,
        provisioned: false,
        human_agent_tag: true,
    };
    write(store, |tx| tx.upsert_channel(&made));
    let changed = ChannelRow {
        enabled: true,
        settings: Some(serde_json::json!({"phone_number_id": "2"})),
        ..made.clone()
    };
    write(store, |tx| tx.upsert_channel(&changed));
    assert_eq!(
        write(store, |tx| tx.channels()),
        vec![changed, channel.clone()],
        "every channel, by id, as last written"
    );
}

pub(crate) fn only_one_claim_wins(store: &dyn Store) {
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
    assert_eq!(write(store, |tx| tx.open_owned(a.id)), vec![conv.id]);
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

/// A backend may write only the columns that changed since it last saw the row: whatever it
/// skips, the row reads back exactly as last given — updated twice in one transaction, and
/// after another statement changed it under the row the engine holds.
pub(crate) fn a_conversation_reads_back_as_last_written(store: &dyn Store) {
    let owner = write(store, |tx| tx.upsert_agent(&agent("9007")));
    let conv = conversation("rewrites", "333", t0());
    let mut last = conv.clone();
    write(store, |tx| {
        tx.insert_conversation(&conv)?;
        let mut row = tx.conversation_for_update(conv.id)?.expect("just inserted");
        row.title = Some("first".into());
        row.offer_round = 2;
        tx.update_conversation(&row)?;
        row.offer_round = 3;
        row.last_seq = 9;
        row.updated_at = t0() + Duration::minutes(1);
        tx.update_conversation(&row)?;
        last = row;
        Ok(())
    });
    assert_eq!(
        write(store, |tx| tx.conversation(conv.id)),
        Some(last.clone())
    );

    // The claim writes the row behind the engine's copy; the copy, written after, wins whole.
    let mut stale = last.clone();
    write(store, |tx| {
        let held = tx.conversation_for_update(conv.id)?.expect("stored");
        assert!(tx.claim_conversation(conv.id, owner.id, t0())?);
        stale = held;
        stale.title = Some("second".into());
        tx.update_conversation(&stale)
    });
    assert_eq!(write(store, |tx| tx.conversation(conv.id)), Some(stale));
}

pub(crate) fn messages_refuse_duplicates_and_page_backwards(store: &dyn Store) {
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
    let after = write(store, |tx| tx.messages_after(conv.id, 2, 2));
    assert_eq!(
        after.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [3, 4],
        "forwards, oldest first, from the one after"
    );
}

pub(crate) fn bulk_history_pages_every_visible_message_once(store: &dyn Store) {
    let (a, b) = (
        write(store, |tx| tx.upsert_agent(&agent("9101"))),
        write(store, |tx| tx.upsert_agent(&agent("9102"))),
    );
    // Given conversations that `a` owns, was offered (archived), lost, deleted, never saw, and
    // one without messages, three messages each (the empty one aside).
    let mut convs = Vec::new();
    for (i, relation) in [
        Some((Relation::Owner, false, false)),
        Some((Relation::Offered, true, false)),
        Some((Relation::Former, false, false)),
        Some((Relation::Participant, false, true)),
        None,
        Some((Relation::Participant, false, false)),
    ]
    .into_iter()
    .enumerate()
    {
        let conv = conversation("bulk", &format!("77{i}"), t0());
        write(store, |tx| {
            tx.insert_conversation(&conv)?;
            if i != 5 {
                for seq in 1..=3 {
                    tx.insert_message(&message(&conv, seq, None))?;
                }
            }
            if let Some((relation, archived, deleted)) = relation {
                let mut view = ViewRow::new(conv.id, a.id, relation, t0());
                view.archived = archived;
                view.deleted = deleted;
                tx.upsert_view(&view)?;
            }
            // `b` sees every one of them: what `a` may not see must stay out all the same.
            tx.upsert_view(&ViewRow::new(conv.id, b.id, Relation::Participant, t0()))
        });
        convs.push(conv);
    }
    // When `a` pages two at a time, and a message arrives in the second conversation midway.
    let mut seen = Vec::new();
    let mut after = HistoryKey::START;
    let mut pages = 0;
    loop {
        let page = write(store, |tx| tx.history_after(a.id, after, 2));
        let Some(last) = page.last() else { break };
        after = HistoryKey::of(last);
        seen.extend(page.iter().map(|m| (m.conversation_id, m.seq)));
        pages += 1;
        if pages == 1 {
            write(store, |tx| tx.insert_message(&message(&convs[1], 4, None)));
        }
        assert!(pages < 10, "paging ends");
    }
    // Then every message of the two visible conversations comes once, in key order.
    let mut expected: Vec<(Uuid, i64)> = (1..=3)
        .map(|seq| (convs[0].id, seq))
        .chain((1..=4).map(|seq| (convs[1].id, seq)))
        .collect();
    expected.sort();
    assert_eq!(
        seen, expected,
        "visible conversations only (archived included), by conversation id then seq, each \
         message once, the one that arrived during paging too"
    );
    let from_b = write(store, |tx| tx.history_after(b.id, HistoryKey::START, 100));
    assert_eq!(
        from_b.len(),
        3 * 5 + 1,
        "another agent's views are their own"
    );
}

pub(crate) fn a_page_of_conversations_is_read_at_once(store: &dyn Store) {
    let [a, b, c] = ["9201", "9202", "9203"].map(|e| write(store, |tx| tx.upsert_agent(&agent(e))));
    // Given 150 conversations (more than one statement's list of ids) with 0–3 messages each,
    // the even ones written by `a`: `a` owns all but every eleventh, has read up to seq 1;
    // `b` takes part in every third, `c` in every fifth and is offered the other sevenths.
    let convs: Vec<ConversationRow> = (0..150)
        .map(|i| ConversationRow {
            last_seq: i % 4,
            ..conversation("page", &format!("55{i:03}"), t0())
        })
        .collect();
    let mut last_messages = Vec::new();
    for (i, conv) in convs.iter().enumerate() {
        let last = write(store, |tx| {
            tx.insert_conversation(conv)?;
            let mut last = None;
            for seq in 1..=(i as i64 % 4) {
                let mut row = message(conv, seq, None);
                if seq % 2 == 0 {
                    row.direction = Direction::Outbound;
                    row.author_agent_id = Some(a.id);
                }
                tx.insert_message(&row)?;
                last = Some(row.id);
            }
            if i % 11 != 0 {
                let mut view = ViewRow::new(conv.id, a.id, Relation::Owner, t0());
                view.last_read_seq = 1;
                tx.upsert_view(&view)?;
            }
            let others = [
                (b.id, Relation::Participant, i % 3 == 0),
                (c.id, Relation::Participant, i % 5 == 0),
                (c.id, Relation::Offered, i % 7 == 0 && i % 5 != 0),
            ];
            for (other, relation, _) in others.into_iter().filter(|(_, _, has)| *has) {
                tx.upsert_view(&ViewRow::new(conv.id, other, relation, t0()))?;
            }
            Ok(last)
        });
        last_messages.extend(last);
    }
    let mut ids = mapped(&convs, |conv| conv.id);
    ids.push(Uuid::now_v7());
    last_messages.push(Uuid::now_v7());
    // When the page is read at once (the unread counts by the rule, from `a`'s replies after
    // their read marks), and conversation by conversation (counted).
    let (mut unread, mut participants, mut messages) = write(store, |tx| {
        let own: HashMap<Uuid, u32> = tx.own_replies_after_read(a.id, &ids)?.into_iter().collect();
        let mut unread = Vec::new();
        for conv in &convs {
            if let Some(view) = tx.view(conv.id, a.id)? {
                let count = view.unread(conv.last_seq, own.get(&conv.id).copied().unwrap_or(0));
                unread.extend(Some((conv.id, count)).filter(|_| count > 0));
            }
        }
        Ok((
            unread,
            tx.participants(&ids)?,
            tx.messages_by_id(&last_messages)?,
        ))
    });
    let (mut one_by_one_unread, mut one_by_one_participants, mut one_by_one_messages) =
        write(store, |tx| {
            let (mut one_by_one_unread, mut one_by_one_participants, mut one_by_one_messages) =
                (Vec::new(), Vec::new(), Vec::new());
            for conv in &convs {
                let seen = tx.view(conv.id, a.id)?;
                if let Some(view) = seen {
                    let count = tx.unread_count(conv.id, a.id, view.last_read_seq)?;
                    one_by_one_unread.extend(Some((conv.id, count)).filter(|_| count > 0));
                    // The same rule from every agent's replies after the mark, as a stream
                    // reads them (`a` wrote the even messages, `b` none).
                    let replies = tx.replies_after(conv.id, view.last_read_seq)?;
                    let own = |agent: Uuid| -> u32 {
                        replies
                            .iter()
                            .filter(|(author, _)| *author == agent)
                            .map(|(_, n)| n)
                            .sum()
                    };
                    assert_eq!(
                        view.unread(conv.last_seq, own(a.id)),
                        count,
                        "replies after the mark"
                    );
                    assert_eq!(own(b.id), 0);
                }
                for view in tx.views(conv.id)? {
                    if view.relation == Relation::Participant {
                        let agent = tx.agent(view.agent_id)?.expect("a participant exists");
                        one_by_one_participants.push((conv.id, agent));
                    }
                }
            }
            for id in &last_messages {
                one_by_one_messages.extend(tx.message(*id)?);
            }
            Ok((
                one_by_one_unread,
                one_by_one_participants,
                one_by_one_messages,
            ))
        });
    // Then both answer the same, in any order.
    unread.sort();
    one_by_one_unread.sort();
    assert_eq!(unread, one_by_one_unread, "unread counts of `a`'s views");
    assert!(!unread.is_empty() && unread.len() < convs.len());
    let by_ids = |rows: &mut Vec<(Uuid, AgentRow)>| rows.sort_by_key(|(conv, row)| (*conv, row.id));
    by_ids(&mut participants);
    by_ids(&mut one_by_one_participants);
    assert_eq!(participants, one_by_one_participants, "participants only");
    assert_eq!(participants.len(), 50 + 30);
    // Sets of any size read the same (their lists are filled up to one of a few lengths).
    for n in [1, 2, 3, 7, 33, 64, 65, 100, 101, 129] {
        let some = &ids[..n];
        let mut read = write(store, |tx| tx.participants(some));
        by_ids(&mut read);
        let expected: Vec<_> = participants
            .iter()
            .filter(|(conv, _)| some.contains(conv))
            .cloned()
            .collect();
        assert_eq!(
            read, expected,
            "participants of the first {n} conversations"
        );
    }
    messages.sort_by_key(|m| m.id);
    one_by_one_messages.sort_by_key(|m| m.id);
    assert_eq!(messages, one_by_one_messages, "unknown ids left out");
    assert_eq!(messages.len(), last_messages.len() - 1);
    let nothing = write(store, |tx| {
        Ok((
            tx.own_replies_after_read(a.id, &[])?,
            tx.messages_by_id(&[])?,
        ))
    });
    assert_eq!(nothing, (Vec::new(), Vec::new()));

    // A queue's members and their loads, read at once and one by one: `a` owns 20 open
    // chats and one resolved, `b` 5, `c` none.
    write(store, |tx| {
        for (i, conv) in convs.iter().enumerate().take(26) {
            let mut owned = conv.clone();
            owned.owner_id = Some(if i < 21 { a.id } else { b.id });
            owned.status = if i == 20 {
                ConversationStatus::Resolved
            } else {
                ConversationStatus::Open
            };
            tx.update_conversation(&owned)?;
        }
        Ok(())
    });
    let members = [a.id, b.id, c.id, Uuid::now_v7()];
    let (mut agents, mut loads) = write(store, |tx| {
        Ok((tx.agents_by_id(&members)?, tx.open_owned_counts(&members)?))
    });
    let (mut one_by_one_agents, one_by_one_loads) = write(store, |tx| {
        let (mut agents, mut loads) = (Vec::new(), Vec::new());
        for id in members {
            agents.extend(tx.agent(id)?);
            let count = tx.open_owned_count(id)?;
            loads.extend(Some((id, count)).filter(|_| count > 0));
        }
        Ok((agents, loads))
    });
    agents.sort_by_key(|agent| agent.id);
    one_by_one_agents.sort_by_key(|agent| agent.id);
    loads.sort();
    assert_eq!(agents, one_by_one_agents, "members, unknown ids left out");
    assert_eq!(agents.len(), 3);
    assert_eq!(loads, one_by_one_loads, "open chats of each member");
    let mut expected = vec![(a.id, 20), (b.id, 5)];
    expected.sort();
    assert_eq!(loads, expected);
}

pub(crate) fn unsent_uploads_are_deleted_once_old(store: &dyn Store) {
    let conv = conversation("files", "333", t0());
    let sent_in = message(&conv, 1, None);
    let upload = |created: i64| AttachmentRow {
        id: Uuid::now_v7(),
        uploader_id: None,
        filename: "a.pdf".into(),
        mime: "application/pdf".into(),
        size: 3,
        has_thumbnail: false,
        conversation_id: None,
        message_id: None,
        created_at: t0() + Duration::seconds(created),
        visitor_id: None,
    };
    let (old_a, old_b, sent, fresh) = (upload(0), upload(1), upload(0), upload(100));
    write(store, |tx| {
        tx.insert_conversation(&conv)?;
        tx.insert_message(&sent_in)?;
        for row in [&old_a, &old_b, &sent, &fresh] {
            tx.insert_attachment(row)?;
        }
        tx.link_attachment(sent.id, conv.id, sent_in.id)?;
        Ok(())
    });
    let cutoff = t0() + Duration::seconds(50);
    let first = write(store, |tx| tx.delete_unsent_attachments(cutoff, 1));
    assert_eq!(
        mapped(first, |r| r.id),
        [old_a.id],
        "oldest first, within the limit"
    );
    let rest = write(store, |tx| tx.delete_unsent_attachments(cutoff, 10));
    assert_eq!(mapped(rest, |r| r.id), [old_b.id]);
    assert!(write(store, |tx| tx.delete_unsent_attachments(cutoff, 10)).is_empty());
    assert!(
        write(store, |tx| tx.attachment(sent.id)).is_some(),
        "a sent file stays however old"
    );
    assert!(
        write(store, |tx| tx.attachment(fresh.id)).is_some(),
        "a recent upload stays"
    );
    assert!(write(store, |tx| tx.attachment(old_a.id)).is_none());
}

pub(crate) fn views_list_newest_first_per_agent(store: &dyn Store) {
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

pub(crate) fn event_cursors_grow_per_agent_and_prune_raises_the_floor(store: &dyn Store) {
    let a = write(store, |tx| tx.upsert_agent(&agent("9008")));
    let b = write(store, |tx| tx.upsert_agent(&agent("9009")));
    let event = |kind: &str| EventRow {
        seq: 0,
        kind: kind.into(),
        object_id: None,
        data: Some(serde_json::json!({"k": kind})),
    };
    let a1 = write(store, |tx| append(tx, a.id, event("one"), t0()));
    let a2 = write(store, |tx| {
        append(tx, a.id, event("two"), t0() + Duration::days(2))
    });
    let b1 = write(store, |tx| append(tx, b.id, event("one"), t0()));
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

    // A batch of several agents' events: each agent's take the next cursors, in order.
    let batch = [
        (a.id, event("three")),
        (b.id, event("two")),
        (a.id, event("four")),
    ];
    assert_eq!(write(store, |tx| tx.append_events(&batch, t0())), [3, 2, 4]);
    let kinds = |agent: Uuid| -> Vec<(i64, String)> {
        write(store, |tx| tx.events_after(agent, 0, 10))
            .into_iter()
            .map(|e| (e.seq, e.kind))
            .collect()
    };
    assert_eq!(
        kinds(a.id),
        [(2, "two".into()), (3, "three".into()), (4, "four".into())]
    );
    assert_eq!(kinds(b.id), [(2, "two".into())], "its first was pruned");
    assert_eq!(write(store, |tx| tx.event_bounds(a.id)), (1, 4));
    // An unknown agent fails the whole batch.
    let mut refused = None;
    store
        .run(Mode::Write, &mut |tx| {
            let batch = [(a.id, event("five")), (Uuid::new_v4(), event("x"))];
            refused = Some(tx.append_events(&batch, t0()).is_err());
            Err(JobFailed::Abort)
        })
        .unwrap();
    assert_eq!(refused, Some(true), "an unknown agent's event is refused");
    assert_eq!(
        write(store, |tx| tx.event_bounds(a.id)),
        (1, 4),
        "nothing of it kept"
    );
}

/// One event appended to `agent`'s log: its cursor.
fn append(tx: &mut dyn Tx, agent: Uuid, event: EventRow, at: DateTime<Utc>) -> StoreResult<i64> {
    Ok(tx.append_events(&[(agent, event)], at)?[0])
}

pub(crate) fn a_failed_job_leaves_no_trace(store: &dyn Store) {
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
    // And the store still answers (what the readiness check asks).
    write(store, |tx| tx.ping());
}

/// A group commit keeps what each job did unless that job failed: one job's abort, refused
/// duplicate or error rolls back that job alone, the jobs after it still run and are kept, and a
/// later job sees what an earlier one of the group wrote.
pub(crate) fn a_group_commit_keeps_each_jobs_own_outcome(store: &dyn Store) {
    let conv = conversation("group", "333", t0());
    write(store, |tx| {
        tx.insert_conversation(&conv)?;
        tx.insert_message(&message(&conv, 1, Some("pid-1")))
    });
    let mut cursor = None;
    let mut kept = |tx: &mut dyn Tx| -> Result<(), JobFailed> {
        tx.upsert_agent(&agent("9020"))?;
        tx.insert_message(&message(&conv, 3, Some("pid-3")))?;
        Ok(())
    };
    let mut aborted = |tx: &mut dyn Tx| -> Result<(), JobFailed> {
        tx.upsert_agent(&agent("9021"))?;
        Err(JobFailed::Abort)
    };
    let mut duplicate = |tx: &mut dyn Tx| -> Result<(), JobFailed> {
        tx.upsert_agent(&agent("9022"))?;
        tx.insert_message(&message(&conv, 2, Some("pid-1")))?;
        Ok(())
    };
    let mut after_them = |tx: &mut dyn Tx| -> Result<(), JobFailed> {
        let first = tx
            .agent_by_extension("9020")?
            .expect("the group's first job is seen");
        tx.upsert_agent(&agent("9023"))?;
        let event = EventRow {
            seq: 0,
            kind: "agent.presence".into(),
            object_id: None,
            data: None,
        };
        cursor = Some(append(tx, first.id, event, t0())?);
        Ok(())
    };
    let mut jobs: Vec<Job<'_>> = vec![&mut kept, &mut aborted, &mut duplicate, &mut after_them];
    let outcomes = store.run_writes(&mut jobs);
    drop(jobs);
    assert!(
        matches!(
            outcomes.as_slice(),
            [Ok(()), Ok(()), Err(StoreError::Duplicate { .. }), Ok(())]
        ),
        "each job's own outcome, in order: {outcomes:?}"
    );
    let present = |extension: &str| write(store, |tx| tx.agent_by_extension(extension)).is_some();
    assert!(
        present("9020") && present("9023"),
        "the jobs that succeeded are kept"
    );
    assert!(!present("9021"), "an aborted job is rolled back");
    assert!(!present("9022"), "a job that failed is rolled back whole");
    assert_eq!(cursor, Some(1), "an event written in the group");
    let page = write(store, |tx| tx.messages_before(conv.id, None, 10));
    assert_eq!(
        mapped(page, |m| m.seq),
        [1, 3],
        "the refused message is not stored, the kept one once"
    );

    // A group where nothing fails runs each job once.
    let mut runs = [0; 3];
    let outcomes = {
        let [first, second, third] = &mut runs;
        let count = |n: &mut u32, extension: &str, tx: &mut dyn Tx| {
            *n += 1;
            tx.upsert_agent(&agent(extension)).map(|_| ())
        };
        let mut a = |tx: &mut dyn Tx| Ok(count(first, "9024", tx)?);
        let mut b = |tx: &mut dyn Tx| Ok(count(second, "9025", tx)?);
        let mut c = |tx: &mut dyn Tx| Ok(count(third, "9026", tx)?);
        store.run_writes(&mut [&mut a, &mut b, &mut c])
    };
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(
        runs,
        [1, 1, 1],
        "no job of a group that fails nowhere runs twice"
    );
    assert!(present("9024") && present("9025") && present("9026"));
}

/// Text sorts byte by byte, and searches ignore the case of ASCII letters only, as on SQLite.
pub(crate) fn text_orders_and_searches_like_sqlite(store: &dyn Store) {
    let (_dir, sqlite) = reference();
    let (order, found, oldest) = text_scenario(store);
    assert_eq!(
        (order.clone(), found.clone(), oldest.clone()),
        text_scenario(&sqlite),
        "the backend answers as SQLite does"
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
}

/// Every Tx method answers as on SQLite, the reference (on SQLite itself: answers at all, and
/// the same each time).
pub(crate) fn every_method_answers_as_on_sqlite(store: &dyn Store) {
    let (_dir, sqlite) = reference();
    let ids: Vec<Uuid> = (0..100).map(|_| Uuid::now_v7()).collect();
    let answers = parity_scenario(store, &ids);
    let expected = parity_scenario(&sqlite, &ids);
    for (answer, expected) in answers.iter().zip(&expected) {
        assert_eq!(answer, expected);
    }
    assert_eq!(answers.len(), expected.len());
}

/// Agents' order, and the names found by several contact searches.
fn text_scenario(store: &dyn Store) -> (Vec<String>, Vec<Vec<String>>, String) {
    write(store, |tx| {
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
                identities: vec![identity(ChannelKind::Sms, format!("+1555000{i}"))],
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
        Ok((order, found, oldest))
    })
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
    // Shared by `step` and the checks of jobs that must fail whole.
    let log = std::cell::RefCell::new(Vec::<String>::new());
    let step = |name: &str, job: &mut dyn FnMut(&mut dyn Tx) -> StoreResult<String>| {
        let answer = write(store, |tx| Ok(job(tx).unwrap_or_else(kind)));
        log.borrow_mut().push(format!("{name}: {answer}"));
    };
    let agent_row = |i: usize, ext: &str, email: Option<&str>| AgentRow {
        id: id(i),
        email: email.map(Into::into),
        role: Role::Manager,
        password_hash: "h".into(),
        presence: Presence::Away,
        ..agent(ext)
    };
    let conv = |i: usize, sender: &str, created: i64, updated: i64| ConversationRow {
        id: id(i),
        channel: ChannelKind::Livechat,
        queue_id: Some("sales".into()),
        identity: Some(identity(ChannelKind::Livechat, sender)),
        display_name: "Visitor".into(),
        title: Some("t".into()),
        offer_round: 2,
        offer_expires_at: Some(at(created + 30)),
        updated_at: at(updated),
        last_inbound_at: Some(at(created) + D::nanoseconds(1_234_567)),
        ..conversation("web", sender, at(created))
    };
    let msg =
        |i: usize, c: usize, seq: i64, author: Option<usize>, client: Option<usize>| MessageRow {
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
        };

    // agents and sessions
    let agents = [
        ("agent 1", 1, "11", Some("x@y.z")),
        ("agent 2", 2, "12", None),
        ("agent 3", 3, "13", None),
        ("email taken", 4, "14", Some("x@y.z")),
    ];
    for (name, i, extension, email) in agents {
        let row = agent_row(i, extension, email);
        step(name, &mut |tx| Ok(format!("{:?}", tx.upsert_agent(&row)?)));
    }
    step("lookups", &mut |tx| {
        tx.set_presence(id(2), Presence::Dnd)?;
        tx.set_last_assigned(id(2), at(5) + D::nanoseconds(999))?;
        Ok(format!(
            "{:?} {:?} {:?} {:?} {:?}",
            tx.agent(id(2))?,
            tx.agent_by_login("X@Y.Z")?.map(|a| a.id),
            tx.agent_by_login("12")?.map(|a| a.id),
            tx.agent_by_extension("nope")?,
            mapped(tx.agents()?, |a| a.id)
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
        Ok(format!(
            "{dup:?} {:?} {:?} {} {} {:?}",
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
    // A broken reference is no duplicate: the statement fails, and with it the job.
    let unknown = store
        .run(Mode::Write, &mut |tx| {
            tx.insert_session(&session("s3", 50))?;
            Ok(())
        })
        .map_err(kind);
    log.borrow_mut()
        .push(format!("session of an unknown agent: {unknown:?}"));
    step("sessions ended", &mut |tx| {
        tx.insert_session(&session("s4", 3))?;
        tx.insert_session(&session("s5", 3))?;
        tx.set_agent_disabled(id(1), Some(at(3)))?;
        let disabled = tx.session_agent("s1", at(4))?.map(|a| a.id);
        tx.set_agent_disabled(id(1), None)?;
        let enabled = tx.session_agent("s1", at(4))?.map(|a| a.id);
        tx.insert_session(&session("s6", 3))?;
        let others = tx.revoke_other_sessions(id(3), "s6", at(5))?;
        let kept = tx.session_agent("s6", at(5))?.map(|a| a.id);
        let revoked = tx.revoke_agent_sessions(id(3), at(5))?;
        Ok(format!(
            "{others} {kept:?} {disabled:?} {enabled:?} {revoked} {} {:?} {:?} {} {:?} {:?}",
            tx.revoke_agent_sessions(id(3), at(5))?,
            tx.session("s4")?,
            tx.session("nope")?,
            tx.prune_sessions(at(61))?,
            tx.session("s1")?,
            tx.agent(id(1))?.map(|a| a.disabled_at)
        ))
    });

    step("audit", &mut |tx| {
        let entry = |i: usize, secs: i64| AuditRow {
            id: id(i),
            at: at(secs),
            actor_id: Some(id(1)),
            action: "agent.update".into(),
            target: format!("agent:{i}"),
            before_value: Some(serde_json::json!({"name": "Ana", "role": "agent"})),
            after_value: (i % 2 == 0).then(|| serde_json::json!({"name": "Ana Souza"})),
        };
        for (i, secs) in [(40, 1), (41, 2), (42, 3)] {
            tx.insert_audit(&entry(i, secs))?;
        }
        Ok(format!(
            "{:?} {:?}",
            tx.audit_entries(&AuditFilter::default(), None, 2)?,
            tx.audit_entries(&AuditFilter::default(), Some(id(41)), 5)?
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
            provisioned: false,
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
            settings: Some(serde_json::json!({"greeting": "Olá", "ask_name": true})),
            enabled: false,
            provisioned: false,
            human_agent_tag: true,
        })?;
        tx.upsert_channel(&ChannelRow {
            id: "sms".into(),
            kind: ChannelKind::Sms,
            route: Route::Extension("12".into()),
            settings: None,
            enabled: true,
            provisioned: true,
            human_agent_tag: false,
        })?;
        Ok(format!(
            "{twice:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            tx.queue("sales")?,
            tx.queue("none")?,
            mapped(tx.queues_of_agent(id(1))?, |q| q.id),
            tx.channel("web")?,
            tx.channel("sms")?,
            tx.channels()?
        ))
    });
    step("queues administered", &mut |tx| {
        let before = tx.queues()?;
        let routed = tx.channels_routed_to("sales")?;
        tx.delete_queue("Other")?;
        Ok(format!(
            "{before:?} {routed:?} {:?} {:?}",
            tx.channels_routed_to("Other")?,
            mapped(tx.queues()?, |q| q.id)
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
            "{first} {second} {:?} {:?} {} {:?} {} {}",
            tx.expired_offers(at(33), 10)?,
            tx.queued_in("sales")?,
            tx.open_owned_count(id(1))?,
            tx.open_owned(id(1))?,
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
            "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {} {:?} {:?} {:?} {} {:?}",
            same_client.map_err(kind),
            same_seq.map_err(kind),
            taken.map_err(kind),
            tx.message(id(31))?,
            tx.message_by_client_id(id(1), id(70))?.map(|m| m.id),
            tx.message_by_provider_id("web", "p-31")?.map(|m| m.id),
            mapped(tx.messages_before(id(21), None, 2)?, |m| m.seq),
            mapped(tx.messages_after(id(21), 1, 10)?, |m| m.seq),
            mapped(tx.history_after(id(1), HistoryKey::START, 10)?, |m| m.id),
            mapped(
                tx.history_after(
                    id(1),
                    HistoryKey {
                        conversation_id: id(21),
                        seq: 1
                    },
                    1
                )?,
                |m| m.id
            ),
            tx.unread_count(id(21), id(1), 0)?,
            sorted(tx.own_replies_after_read(id(1), &[id(20), id(21), id(22), id(23)])?),
            sorted(mapped(tx.messages_by_id(&[id(32), id(30), id(99)])?, |m| m.id)),
            sorted(mapped(tx.participants(&[id(21), id(23)])?, |(c, a)| (
                c, a.id
            ))),
            tx.message_count(id(21))?,
            mapped(tx.outbound_messages_until(id(21), at(102))?, |m| m.id)
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
        let unsent = |i: usize, created: i64| AttachmentRow {
            id: id(i),
            created_at: at(created),
            ..row.clone()
        };
        let first = tx.link_attachment(id(90), id(21), id(31))?;
        let second = tx.link_attachment(id(90), id(21), id(32))?;
        tx.insert_attachment(&unsent(91, 5))?;
        tx.insert_attachment(&unsent(92, 1))?;
        tx.insert_attachment(&unsent(93, 60))?;
        let swept = tx.delete_unsent_attachments(at(10), 1)?;
        let rest = tx.delete_unsent_attachments(at(10), 10)?;
        Ok(format!(
            "{dup:?} {first} {second} {:?} {swept:?} {rest:?} {:?} {} {} {}",
            tx.attachment(id(90))?,
            tx.attachment(id(93))?.map(|r| r.id),
            tx.visitor_uploads_since(id(80), at(0))?,
            tx.visitor_uploads_since(id(80), at(1))?,
            tx.visitor_uploads_since(id(81), at(0))?
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
            template: None,
        };
        tx.enqueue_outbound(&job(31, 21, 5))?;
        tx.enqueue_outbound(&OutboundJob {
            template: Some(serde_json::json!({"name": "hello", "language": {"code": "pt_BR"}})),
            ..job(32, 21, 5)
        })?;
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
            "{dup:?} {due_before:?} {due_while_sending:?} {:?} {:?} {:?} {:?}",
            tx.due_outbound(at(10), 10)?,
            tx.outbound_in_state(OutboundState::Done)?,
            tx.outbound_job(id(32))?,
            tx.outbound_job(id(99))?
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
        let a = append(tx, id(1), event("a"), at(0))?;
        let b = append(tx, id(1), event("b"), at(100))?;
        let c = append(tx, id(2), event("c"), at(0))?;
        let none = append(tx, id(50), event("x"), at(0)).map_err(kind);
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
        let contact = |i: usize, name: &str, visitor: &str, created: i64| ContactRow {
            id: id(i),
            name: name.into(),
            emails: vec!["a@b.c".into(), "d@e.f".into()],
            phones: vec!["+15005550001".into(), "+15005550001".into()],
            identities: vec![
                identity(ChannelKind::Livechat, visitor),
                identity(ChannelKind::Sms, format!("+1{i}")),
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
            tx.contact_by_identity(&identity(ChannelKind::Sms, "+141"))?
                .map(|c| c.id),
            tx.contact_by_phone("+15005550001")?.map(|c| c.id),
            mapped(
                tx.conversations_with_identity(&identity(ChannelKind::Livechat, "v1"))?,
                |c| c.id
            ),
            tx.conversation(id(21))?.unwrap().contact_id,
            mapped(tx.search_contacts(&["A".into()], None, 1)?, |c| c.id)
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
            mapped(tx.blocks(at(60))?, |b| b.id),
            tx.delete_block(id(86))?,
            tx.delete_block(id(86))?,
            tx.active_block("10.0.0.1", at(60))?
        ))
    });
    log.into_inner()
}
