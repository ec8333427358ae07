//! Serving an agent's event log (CONTRACT §5).
//!
//! Conversation and message events are stored as references and carry the object's *current*
//! state when served, read in the same snapshot as the log. An object the agent can no longer
//! see is skipped: a `conversation.removed` later in the log tells the client, and nothing that
//! was taken away from an agent is ever shown to them again.
//!
//! Live streams woken together are served together: their pages are read in one snapshot
//! (`Engine::stream_page` queues a page; see `pages.rs`), and each conversation or message
//! those pages name is read and presented once however many agents' streams carry it — only
//! an agent's own view of a conversation (whether they see it, its archive flag, their read
//! mark) is read per agent, and agents' replies after a read mark are read once.

use std::collections::hash_map::{Entry, HashMap};
use std::collections::HashSet;

use switchboard_protocol::{event_types, Conversation, Event, Message};
use uuid::Uuid;

use super::present::Presenter;
use super::{Engine, Result, Unit};
use crate::store::{ConversationRow, EventRow, StoreResult, ViewRow};

/// One answer of `GET /sync`, or one batch of the live stream.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncPage {
    /// The cursor asked for is no longer served (or never was): reload, then go on from
    /// `cursor`.
    pub reset: bool,
    pub events: Vec<Event>,
    pub cursor: i64,
    pub more: bool,
}

impl Engine {
    /// Events after `cursor`, at most `limit`.
    pub async fn sync(&self, agent: Uuid, cursor: i64, limit: u32) -> Result<SyncPage> {
        self.read(move |unit| Ok(unit.sync_page(agent, cursor, limit, &mut Snapshot::default())?))
            .await
    }
}

/// What pages read in one transaction share: the conversations and messages they name, read
/// and presented once, and each agent's view of each conversation.
pub(super) struct Snapshot {
    /// Keeps the messages it presents (a message's event and its conversation's name it).
    presenter: Presenter,
    conversations: HashMap<Uuid, Option<ConversationRow>>,
    /// Conversations presented, as the first agent to see them did (`unread` and `archived`
    /// are that agent's; [`Snapshot::conversation`] replaces them for each agent).
    presented: HashMap<Uuid, Conversation>,
    /// Messages asked for and not found.
    gone: HashSet<Uuid>,
    views: HashMap<(Uuid, Uuid), Option<ViewRow>>,
    /// A conversation's agent replies after a `seq`, counted by author.
    replies: HashMap<(Uuid, i64), Vec<(Uuid, u32)>>,
}

impl Default for Snapshot {
    fn default() -> Self {
        Snapshot {
            presenter: Presenter::keeping_messages(),
            conversations: HashMap::new(),
            presented: HashMap::new(),
            gone: HashSet::new(),
            views: HashMap::new(),
            replies: HashMap::new(),
        }
    }
}

impl Snapshot {
    /// Whether `agent` sees conversation `id` now, and their view of it.
    fn visible_view(
        &mut self,
        unit: &mut Unit,
        id: Uuid,
        agent: Uuid,
    ) -> StoreResult<Option<ViewRow>> {
        let view = match self.views.entry((agent, id)) {
            Entry::Occupied(known) => known.get().clone(),
            Entry::Vacant(slot) => slot.insert(unit.tx.view(id, agent)?).clone(),
        };
        Ok(view.filter(ViewRow::visible))
    }

    /// Conversation `id` as `agent` sees it, if they do.
    fn conversation(
        &mut self,
        unit: &mut Unit,
        id: Uuid,
        agent: Uuid,
    ) -> StoreResult<Option<Conversation>> {
        let conv = match self.conversations.entry(id) {
            Entry::Occupied(known) => known.get().clone(),
            Entry::Vacant(slot) => slot.insert(unit.tx.conversation(id)?).clone(),
        };
        let Some(conv) = conv else {
            return Ok(None);
        };
        let Some(view) = self.visible_view(unit, id, agent)? else {
            return Ok(None);
        };
        let own = self.own_replies(unit, id, agent, view.last_read_seq)?;
        if let Some(shared) = self.presented.get(&id) {
            // Everything but the agent's own archive flag and unread count is the same for
            // every agent who sees it.
            let mut mine = shared.clone();
            mine.archived = view.archived;
            mine.unread = view.unread(conv.last_seq, own);
            return Ok(Some(mine));
        }
        let page = [(conv, view)];
        let mine = self
            .presenter
            .conversations_with(unit.tx, &page, &HashMap::from([(id, own)]))?
            .remove(0);
        self.presented.insert(id, mine.clone());
        Ok(Some(mine))
    }

    /// How many messages `agent` wrote in conversation `id` after `read_up_to` (their read
    /// mark), for [`ViewRow::unread`]: the agents' replies after a mark are read once for all
    /// the agents who read up to the same message (the ten agents offered a new chat have
    /// read nothing).
    fn own_replies(
        &mut self,
        unit: &mut Unit,
        id: Uuid,
        agent: Uuid,
        read_up_to: i64,
    ) -> StoreResult<u32> {
        let replies = match self.replies.entry((id, read_up_to)) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(unit.tx.replies_after(id, read_up_to)?),
        };
        Ok(replies
            .iter()
            .filter(|(author, _)| *author == agent)
            .map(|(_, count)| count)
            .sum())
    }

    /// Message `id` if `agent` sees its conversation now.
    fn message(&mut self, unit: &mut Unit, id: Uuid, agent: Uuid) -> StoreResult<Option<Message>> {
        // Presented already (as itself, or as its conversation's last message), or gone.
        let message = match self.presenter.kept_message(id) {
            Some(kept) => Some(kept.clone()),
            None if self.gone.contains(&id) => None,
            None => match unit.tx.message(id)? {
                Some(row) => Some(self.presenter.message(unit.tx, &row)?),
                None => {
                    self.gone.insert(id);
                    None
                }
            },
        };
        let Some(message) = message else {
            return Ok(None);
        };
        Ok(self
            .visible_view(unit, message.conversation_id, agent)?
            .map(|_| message))
    }
}

impl Unit<'_> {
    /// The page of `agent`'s log after `cursor`, read with what other pages of the same
    /// transaction read (`snapshot`).
    pub(super) fn sync_page(
        &mut self,
        agent: Uuid,
        cursor: i64,
        limit: u32,
        snapshot: &mut Snapshot,
    ) -> StoreResult<SyncPage> {
        let (floor, head) = self.tx.event_bounds(agent)?;
        if cursor < floor || cursor > head {
            return Ok(SyncPage {
                reset: true,
                events: Vec::new(),
                cursor: head,
                more: false,
            });
        }
        let rows = self.tx.events_after(agent, cursor, limit)?;
        let mut next = cursor;
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            next = row.seq;
            if let Some(data) = self.materialise(agent, &row, snapshot)? {
                events.push(Event {
                    cursor: row.seq,
                    kind: row.kind,
                    data,
                });
            }
        }
        Ok(SyncPage {
            reset: false,
            events,
            cursor: next,
            more: next < head,
        })
    }

    /// The payload of an event as the agent may see it now; `None` to skip it.
    fn materialise(
        &mut self,
        agent: Uuid,
        row: &EventRow,
        snapshot: &mut Snapshot,
    ) -> StoreResult<Option<serde_json::Value>> {
        fn to_json<T: serde::Serialize>(value: Option<T>) -> Option<serde_json::Value> {
            value.map(|v| serde_json::to_value(v).expect("wire types always serialise"))
        }
        match (row.kind.as_str(), row.object_id, &row.data) {
            (_, _, Some(data)) => Ok(Some(data.clone())),
            (event_types::CONVERSATION_UPSERTED, Some(id), None) => {
                Ok(to_json(snapshot.conversation(self, id, agent)?))
            }
            (event_types::MESSAGE_UPSERTED, Some(id), None) => {
                Ok(to_json(snapshot.message(self, id, agent)?))
            }
            _ => Ok(None),
        }
    }
}
