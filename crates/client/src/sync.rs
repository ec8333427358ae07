//! Sync, decided purely and then acted on (atuin's `operations()`, matrix's sans-I/O core).
//!
//! [`plan`] turns a batch of events and a few facts about the cache into an ordered list of
//! [`Op`]s, the [`Change`]s to announce and the histories to fetch. It reads no clock, no
//! network and no database, so it is tested table by table. [`apply`] executes a plan inside
//! one cache transaction, together with the new cursor: a crash either keeps the whole batch
//! and its cursor or neither, so events are applied exactly once.
//!
//! Rules the plan encodes:
//! - events carry the object's current state, so later upserts of a conversation replace
//!   earlier ones within a batch;
//! - a conversation removed later in the batch gets none of its earlier upserts or messages:
//!   what was taken away is never written, not even briefly;
//! - messages of a conversation the cache does not hold are not stored; when the conversation
//!   arrives its history is fetched instead (which includes them);
//! - a conversation that is new here, or whose history is not complete, gets a history fetch.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;
use switchboard_protocol::{
    event_types, Agent, Contact, Conversation, Event, IdData, Message, MessageStatusData,
    PresenceData, RemovedData, Template,
};
use uuid::Uuid;

use crate::cache::conversations::History;
use crate::cache::{self, CacheResult};
use crate::changes::Change;

/// What the plan needs to know about the cache, for the conversations the batch mentions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// History state of those the cache holds (absent = not in the cache).
    pub histories: HashMap<Uuid, History>,
    /// Those this agent gave away here (transfer, delete) whose removal event has not come
    /// yet: older events about them are stale.
    pub buried: HashSet<Uuid>,
}

/// One change to the cache.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    UpsertConversation(Box<Conversation>),
    RemoveConversation { id: Uuid, reason: String },
    UpsertMessage(Box<Message>),
    MessageStatus(MessageStatusData),
    UpsertContact(Box<Contact>),
    RemoveContact(Uuid),
    UpsertTemplate(Box<Template>),
    RemoveTemplate(Uuid),
    Presence(PresenceData),
    UpsertAgent(Box<Agent>),
    RemoveAgent(Uuid),
}

/// What to do with one batch of events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub ops: Vec<Op>,
    /// Announced after the batch commits.
    pub changes: Vec<Change>,
    /// Conversations whose history must be fetched, with the state it is in.
    pub fetch_history: Vec<(Uuid, History)>,
    /// The cursor to store with the batch (the last event's, skipped ones included).
    pub cursor: Option<i64>,
}

/// An event decoded into what it means for the cache.
#[derive(Debug, Clone, PartialEq)]
enum Decoded {
    Conversation(Box<Conversation>),
    Removed(RemovedData),
    Message(Box<Message>),
    Status(MessageStatusData),
    Contact(Box<Contact>),
    ContactRemoved(Uuid),
    Template(Box<Template>),
    TemplateRemoved(Uuid),
    Presence(PresenceData),
    Agent(Box<Agent>),
    AgentRemoved(Uuid),
}

impl Decoded {
    /// The conversation an event is about, if any.
    fn conversation(&self) -> Option<Uuid> {
        match self {
            Decoded::Conversation(c) => Some(c.id),
            Decoded::Removed(r) => Some(r.id),
            Decoded::Message(m) => Some(m.conversation_id),
            Decoded::Status(s) => Some(s.conversation_id),
            _ => None,
        }
    }
}

fn decode(event: &Event) -> Option<Decoded> {
    fn data<T: serde::de::DeserializeOwned>(event: &Event) -> Option<T> {
        match serde_json::from_value(event.data.clone()) {
            Ok(value) => Some(value),
            Err(err) => {
                tracing::warn!(cursor = event.cursor, kind = %event.kind, error = %err,
                    "event with unreadable data skipped");
                None
            }
        }
    }
    Some(match event.kind.as_str() {
        event_types::CONVERSATION_UPSERTED => Decoded::Conversation(Box::new(data(event)?)),
        event_types::CONVERSATION_REMOVED => Decoded::Removed(data(event)?),
        event_types::MESSAGE_UPSERTED => Decoded::Message(Box::new(data(event)?)),
        event_types::MESSAGE_STATUS => Decoded::Status(data(event)?),
        event_types::CONTACT_UPSERTED => Decoded::Contact(Box::new(data(event)?)),
        event_types::CONTACT_REMOVED => Decoded::ContactRemoved(data::<IdData>(event)?.id),
        event_types::TEMPLATE_UPSERTED => Decoded::Template(Box::new(data(event)?)),
        event_types::TEMPLATE_REMOVED => Decoded::TemplateRemoved(data::<IdData>(event)?.id),
        event_types::AGENT_PRESENCE => Decoded::Presence(data(event)?),
        event_types::AGENT_UPSERTED => Decoded::Agent(Box::new(data(event)?)),
        event_types::AGENT_REMOVED => Decoded::AgentRemoved(data::<IdData>(event)?.id),
        // `typing` and kinds added after this build carry nothing the cache keeps.
        _ => return None,
    })
}

/// The conversation ids a batch mentions (what [`Facts`] must cover).
pub fn mentioned_conversations(events: &[Event]) -> Vec<Uuid> {
    let mut seen = HashSet::new();
    events
        .iter()
        .filter_map(|e| decode(e)?.conversation())
        .filter(|id| seen.insert(*id))
        .collect()
}

/// Decide what a batch of events does to the cache. Pure and deterministic.
pub fn plan(events: &[Event], facts: &Facts) -> Plan {
    let decoded: Vec<(usize, Decoded)> = events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| Some((i, decode(e)?)))
        .collect();

    // Where each conversation is last removed, and last upserted, in this batch.
    let mut last_removal: HashMap<Uuid, usize> = HashMap::new();
    let mut last_upsert: HashMap<Uuid, usize> = HashMap::new();
    for (i, d) in &decoded {
        match d {
            Decoded::Removed(r) => {
                last_removal.insert(r.id, *i);
            }
            Decoded::Conversation(c) => {
                last_upsert.insert(c.id, *i);
            }
            _ => {}
        }
    }
    let removed_later = |conv: Uuid, at: usize| last_removal.get(&conv).is_some_and(|&j| j > at);

    // The cache as it will be after each op: which conversations it holds, and how complete.
    let mut held: HashMap<Uuid, History> = facts.histories.clone();
    let mut out = Plan {
        cursor: events.iter().map(|e| e.cursor).max(),
        ..Plan::default()
    };
    let mut announced: HashSet<Change> = HashSet::new();
    let mut announce = |change: Change, changes: &mut Vec<Change>| {
        if announced.insert(change.clone()) {
            changes.push(change);
        }
    };
    let mut to_fetch: Vec<(Uuid, History)> = Vec::new();
    let mut buried = facts.buried.clone();

    for (i, d) in decoded {
        match d {
            Decoded::Conversation(conv) => {
                let id = conv.id;
                if removed_later(id, i) || last_upsert.get(&id) != Some(&i) {
                    continue; // a later event says more (or takes it away)
                }
                if buried.contains(&id) {
                    continue; // given away here; this event was on its way before that
                }
                let history = *held.entry(id).or_insert(History::Missing);
                if history != History::Complete {
                    to_fetch.retain(|(f, _)| *f != id);
                    to_fetch.push((id, history));
                }
                out.ops.push(Op::UpsertConversation(conv));
                announce(Change::ConversationUpserted { id }, &mut out.changes);
            }
            Decoded::Removed(removed) => {
                held.remove(&removed.id);
                buried.remove(&removed.id);
                to_fetch.retain(|(f, _)| *f != removed.id);
                announce(
                    Change::ConversationRemoved {
                        id: removed.id,
                        reason: removed.reason.clone(),
                    },
                    &mut out.changes,
                );
                out.ops.push(Op::RemoveConversation {
                    id: removed.id,
                    reason: removed.reason,
                });
            }
            Decoded::Message(message) => {
                let conv = message.conversation_id;
                if removed_later(conv, i) || !held.contains_key(&conv) {
                    continue;
                }
                out.ops.push(Op::UpsertMessage(message));
                announce(
                    Change::MessagesChanged {
                        conversation_id: conv,
                    },
                    &mut out.changes,
                );
            }
            Decoded::Status(status) => {
                let conv = status.conversation_id;
                if removed_later(conv, i) || !held.contains_key(&conv) {
                    continue;
                }
                out.ops.push(Op::MessageStatus(status));
                announce(
                    Change::MessagesChanged {
                        conversation_id: conv,
                    },
                    &mut out.changes,
                );
            }
            Decoded::Contact(contact) => {
                out.ops.push(Op::UpsertContact(contact));
                announce(Change::ContactsChanged, &mut out.changes);
            }
            Decoded::ContactRemoved(id) => {
                out.ops.push(Op::RemoveContact(id));
                announce(Change::ContactsChanged, &mut out.changes);
            }
            Decoded::Template(template) => {
                out.ops.push(Op::UpsertTemplate(template));
                announce(Change::TemplatesChanged, &mut out.changes);
            }
            Decoded::TemplateRemoved(id) => {
                out.ops.push(Op::RemoveTemplate(id));
                announce(Change::TemplatesChanged, &mut out.changes);
            }
            Decoded::Presence(presence) => {
                out.ops.push(Op::Presence(presence));
                announce(Change::AgentsChanged, &mut out.changes);
            }
            Decoded::Agent(agent) => {
                out.ops.push(Op::UpsertAgent(agent));
                announce(Change::AgentsChanged, &mut out.changes);
            }
            Decoded::AgentRemoved(id) => {
                out.ops.push(Op::RemoveAgent(id));
                announce(Change::AgentsChanged, &mut out.changes);
            }
        }
    }
    out.fetch_history = to_fetch;
    out
}

/// Read the facts a batch needs.
pub fn facts(conn: &Connection, events: &[Event]) -> CacheResult<Facts> {
    let ids = mentioned_conversations(events);
    Ok(Facts {
        histories: cache::conversations::histories(conn, &ids)?,
        buried: cache::conversations::buried(conn, &ids)?,
    })
}

/// Execute a plan in the caller's transaction, cursor included. Returns downloaded files of
/// removed conversations, to delete once the transaction committed.
pub fn apply(conn: &Connection, plan: &Plan) -> CacheResult<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    for op in &plan.ops {
        match op {
            Op::UpsertConversation(conv) => {
                cache::conversations::upsert(conn, conv, None)?;
            }
            Op::RemoveConversation { id, .. } => {
                files.extend(cache::conversations::remove(conn, *id)?.files);
                cache::conversations::unbury(conn, *id)?;
            }
            Op::UpsertMessage(message) => {
                cache::messages::upsert(conn, message)?;
            }
            Op::MessageStatus(status) => {
                cache::messages::set_status(
                    conn,
                    status.id,
                    status.status,
                    status.error.as_deref(),
                )?;
            }
            Op::UpsertContact(contact) => cache::contacts::upsert(conn, contact)?,
            Op::RemoveContact(id) => {
                cache::contacts::remove(conn, *id)?;
            }
            Op::UpsertTemplate(template) => cache::templates::upsert(conn, template)?,
            Op::RemoveTemplate(id) => {
                cache::templates::remove(conn, *id)?;
            }
            Op::Presence(presence) => {
                cache::agents::set_presence(conn, presence.agent_id, presence.presence)?;
            }
            Op::UpsertAgent(agent) => cache::agents::upsert(conn, agent)?,
            Op::RemoveAgent(id) => cache::agents::remove(conn, *id)?,
        }
    }
    if let Some(cursor) = plan.cursor {
        cache::settings::set_cursor(conn, cursor)?;
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::messages::tests::{conversation, message};
    use serde_json::json;
    use switchboard_protocol::{MessageStatus, Presence};

    fn event(cursor: i64, kind: &str, data: serde_json::Value) -> Event {
        Event {
            cursor,
            kind: kind.into(),
            data,
        }
    }

    fn conv_event(cursor: i64, id: Uuid) -> Event {
        event(
            cursor,
            event_types::CONVERSATION_UPSERTED,
            serde_json::to_value(conversation(id)).unwrap(),
        )
    }

    fn msg_event(cursor: i64, conv: Uuid, body: &str) -> Event {
        event(
            cursor,
            event_types::MESSAGE_UPSERTED,
            serde_json::to_value(message(conv, body)).unwrap(),
        )
    }

    fn removed_event(cursor: i64, id: Uuid, reason: &str) -> Event {
        event(
            cursor,
            event_types::CONVERSATION_REMOVED,
            json!({"id": id, "reason": reason}),
        )
    }

    fn facts_with(entries: &[(Uuid, History)]) -> Facts {
        Facts {
            histories: entries.iter().copied().collect(),
            buried: HashSet::new(),
        }
    }

    /// A compact description of ops, for table comparisons.
    fn shape(plan: &Plan) -> Vec<String> {
        plan.ops
            .iter()
            .map(|op| match op {
                Op::UpsertConversation(c) => format!("conv {}", c.id.as_u128() % 100),
                Op::RemoveConversation { id, reason } => {
                    format!("remove {} {reason}", id.as_u128() % 100)
                }
                Op::UpsertMessage(m) => format!("msg {}", m.body),
                Op::MessageStatus(s) => format!("status {}", s.status.as_str()),
                Op::UpsertContact(_) => "contact".into(),
                Op::RemoveContact(_) => "contact removed".into(),
                Op::UpsertTemplate(_) => "template".into(),
                Op::RemoveTemplate(_) => "template removed".into(),
                Op::Presence(_) => "presence".into(),
                Op::UpsertAgent(a) => format!("agent {}", a.extension),
                Op::RemoveAgent(_) => "agent removed".into(),
            })
            .collect()
    }

    #[test]
    fn plans_follow_the_rules_table() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        struct Case {
            name: &'static str,
            facts: Facts,
            events: Vec<Event>,
            ops: Vec<&'static str>,
            fetch: Vec<(Uuid, History)>,
        }
        let cases = vec![
            Case {
                name: "a message of a complete conversation is stored",
                facts: facts_with(&[(a, History::Complete)]),
                events: vec![msg_event(1, a, "oi"), conv_event(2, a)],
                ops: vec!["msg oi", "conv 1"],
                fetch: vec![],
            },
            Case {
                name: "a new conversation is stored and its history fetched; its message \
                       before it waits for that fetch",
                facts: Facts::default(),
                events: vec![conv_event(1, b), msg_event(2, b, "first"), conv_event(3, b)],
                ops: vec!["conv 2"],
                fetch: vec![(b, History::Missing)],
            },
            Case {
                name: "only the last upsert of a conversation in a batch is applied",
                facts: facts_with(&[(a, History::Complete)]),
                events: vec![conv_event(1, a), msg_event(2, a, "x"), conv_event(3, a)],
                ops: vec!["msg x", "conv 1"],
                fetch: vec![],
            },
            Case {
                name: "a conversation taken later in the batch gets nothing written first",
                facts: facts_with(&[(a, History::Complete)]),
                events: vec![
                    msg_event(1, a, "secret"),
                    conv_event(2, a),
                    removed_event(3, a, "taken"),
                ],
                ops: vec!["remove 1 taken"],
                fetch: vec![],
            },
            Case {
                name: "removed then offered again: removal, then a fresh history fetch",
                facts: facts_with(&[(a, History::Complete)]),
                events: vec![removed_event(1, a, "offer_moved"), conv_event(2, a)],
                ops: vec!["remove 1 offer_moved", "conv 1"],
                fetch: vec![(a, History::Missing)],
            },
            Case {
                name: "a chat given away here ignores events that were already on their way",
                facts: Facts {
                    histories: HashMap::new(),
                    buried: [a].into_iter().collect(),
                },
                events: vec![msg_event(1, a, "late"), conv_event(2, a)],
                ops: vec![],
                fetch: vec![],
            },
            Case {
                name: "once the server confirms the removal, the chat may come back",
                facts: Facts {
                    histories: HashMap::new(),
                    buried: [a].into_iter().collect(),
                },
                events: vec![removed_event(1, a, "transferred"), conv_event(2, a)],
                ops: vec!["remove 1 transferred", "conv 1"],
                fetch: vec![(a, History::Missing)],
            },
            Case {
                name: "a stale history is caught up, not reloaded",
                facts: facts_with(&[(a, History::Stale)]),
                events: vec![conv_event(5, a)],
                ops: vec!["conv 1"],
                fetch: vec![(a, History::Stale)],
            },
            Case {
                name: "messages and statuses of unknown conversations are dropped",
                facts: Facts::default(),
                events: vec![
                    msg_event(1, b, "not ours"),
                    event(
                        2,
                        event_types::MESSAGE_STATUS,
                        json!({"id": Uuid::from_u128(9), "conversation_id": b,
                               "status": "delivered"}),
                    ),
                ],
                ops: vec![],
                fetch: vec![],
            },
            Case {
                name: "directory, templates and presence pass through; unknown kinds and bad \
                       data are skipped",
                facts: Facts::default(),
                events: vec![
                    event(1, "typing", json!({"conversation_id": a})),
                    event(2, event_types::TEMPLATE_REMOVED, json!({"id": a})),
                    event(3, event_types::CONTACT_REMOVED, json!({"id": a})),
                    event(4, event_types::CONTACT_UPSERTED, json!({"broken": true})),
                    event(
                        5,
                        event_types::AGENT_PRESENCE,
                        json!({"agent_id": a, "extension": "101", "presence": "away"}),
                    ),
                    event(6, "something.new", json!({})),
                ],
                ops: vec!["template removed", "contact removed", "presence"],
                fetch: vec![],
            },
        ];
        for case in cases {
            let plan = plan(&case.events, &case.facts);
            assert_eq!(shape(&plan), case.ops, "{}", case.name);
            assert_eq!(plan.fetch_history, case.fetch, "{}", case.name);
            assert_eq!(
                plan.cursor,
                case.events.iter().map(|e| e.cursor).max(),
                "{}: the cursor covers skipped events too",
                case.name
            );
        }
    }

    #[test]
    fn changes_are_announced_once_each_in_event_order() {
        let a = Uuid::from_u128(1);
        let events = vec![
            msg_event(1, a, "one"),
            conv_event(2, a),
            msg_event(3, a, "two"),
            conv_event(4, a),
            event(
                5,
                event_types::MESSAGE_STATUS,
                json!({"id": Uuid::from_u128(7), "conversation_id": a, "status": "read"}),
            ),
        ];
        let plan = plan(&events, &facts_with(&[(a, History::Complete)]));
        assert_eq!(
            plan.changes,
            vec![
                Change::MessagesChanged { conversation_id: a },
                Change::ConversationUpserted { id: a },
            ]
        );
        assert!(matches!(
            plan.ops.last(),
            Some(Op::MessageStatus(s)) if s.status == MessageStatus::Read
        ));
    }

    #[test]
    fn applying_a_plan_stores_the_batch_and_its_cursor_together() {
        let (cache, _dir) = crate::cache::testing::cache();
        let a = Uuid::now_v7();
        let mut presence_agent = switchboard_protocol::Agent {
            id: Uuid::now_v7(),
            extension: "102".into(),
            name: "Bia".into(),
            email: None,
            role: switchboard_protocol::Role::Agent,
            presence: Presence::Available,
        };
        cache
            .write_blocking(|tx| crate::cache::agents::upsert(tx, &presence_agent))
            .unwrap();
        let events = vec![
            conv_event(10, a),
            msg_event(11, a, "olá"),
            event(
                12,
                event_types::AGENT_PRESENCE,
                json!({"agent_id": presence_agent.id, "extension": "102", "presence": "dnd"}),
            ),
        ];
        let plan = cache
            .read_blocking(|conn| Ok(plan(&events, &facts(conn, &events)?)))
            .unwrap();
        // The message came after its conversation, so it is stored directly.
        assert_eq!(
            shape(&plan)[..2],
            [
                "conv ".to_string() + &format!("{}", a.as_u128() % 100),
                "msg olá".into()
            ]
        );
        cache
            .write_blocking(|tx| apply(tx, &plan).map(|_| ()))
            .unwrap();
        let (cursor, messages, agent) = cache
            .read_blocking(move |conn| {
                Ok((
                    crate::cache::settings::cursor(conn)?,
                    crate::cache::messages::count(conn)?,
                    crate::cache::agents::get(conn, presence_agent.id)?,
                ))
            })
            .unwrap();
        assert_eq!(cursor, Some(12));
        assert_eq!(messages, 1);
        presence_agent.presence = Presence::Dnd;
        assert_eq!(agent, Some(presence_agent));
    }

    #[test]
    fn colleagues_added_and_disabled_in_the_administration_come_and_go() {
        let (cache, _dir) = crate::cache::testing::cache();
        let nina = switchboard_protocol::Agent {
            id: Uuid::now_v7(),
            extension: "201".into(),
            name: "Nina Nova".into(),
            email: None,
            role: switchboard_protocol::Role::Manager,
            presence: Presence::Available,
        };
        let run = |events: Vec<Event>| {
            let plan = cache
                .read_blocking(|conn| Ok(plan(&events, &facts(conn, &events)?)))
                .unwrap();
            assert_eq!(plan.changes, vec![Change::AgentsChanged]);
            cache
                .write_blocking(|tx| apply(tx, &plan).map(|_| ()))
                .unwrap();
            cache
                .read_blocking(|conn| crate::cache::agents::search(conn, ""))
                .unwrap()
        };
        let added = event(
            20,
            event_types::AGENT_UPSERTED,
            serde_json::to_value(&nina).unwrap(),
        );
        assert_eq!(run(vec![added]), vec![nina.clone()]);
        let removed = event(21, event_types::AGENT_REMOVED, json!({"id": nina.id}));
        assert!(run(vec![removed]).is_empty());
    }
}
