//! Serving an agent's event log (CONTRACT §5).
//!
//! Conversation and message events are stored as references and carry the object's *current*
//! state when served, read in the same snapshot as the log. An object the agent can no longer
//! see is skipped: a `conversation.removed` later in the log tells the client, and nothing that
//! was taken away from an agent is ever shown to them again.

use std::collections::hash_map::{Entry, HashMap};

use switchboard_protocol::{event_types, Event};
use uuid::Uuid;

use super::present::{conversation_dto, message_dto};
use super::{Engine, Error, Result, Unit};
use crate::store::{EventRow, StoreResult, ViewRow};

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
        self.read(move |unit| Ok(unit.sync_page(agent, cursor, limit)?))
            .await
    }

    /// Like [`Engine::sync`] for the live stream of the session of `token`, in the same read:
    /// [`Error::SignedOut`] once that session ended (logged out, expired, agent disabled), so a
    /// stream never carries an event after its session ended.
    pub async fn stream_page(&self, token: &str, cursor: i64, limit: u32) -> Result<SyncPage> {
        let hash = crate::auth::token_hash(token);
        self.read(move |unit| {
            let agent = unit
                .tx
                .session_agent(&hash, unit.now)?
                .ok_or(Error::SignedOut)?;
            Ok(unit.sync_page(agent.id, cursor, limit)?)
        })
        .await
    }
}

impl Unit<'_> {
    fn sync_page(&mut self, agent: Uuid, cursor: i64, limit: u32) -> StoreResult<SyncPage> {
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
        // The agent's view of each conversation the page names, read once: a new message's
        // page names its conversation twice (the message, then the conversation).
        let mut views = HashMap::new();
        for row in rows {
            next = row.seq;
            if let Some(data) = self.materialise(agent, &row, &mut views)? {
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

    /// Whether the agent sees conversation `id` now, and their view of it (`views`: the page's
    /// views read so far).
    fn visible_view(
        &mut self,
        id: Uuid,
        agent: Uuid,
        views: &mut HashMap<Uuid, Option<ViewRow>>,
    ) -> StoreResult<Option<ViewRow>> {
        let view = match views.entry(id) {
            Entry::Occupied(known) => known.get().clone(),
            Entry::Vacant(slot) => slot.insert(self.tx.view(id, agent)?).clone(),
        };
        Ok(view.filter(ViewRow::visible))
    }

    /// The payload of an event as the agent may see it now; `None` to skip it.
    fn materialise(
        &mut self,
        agent: Uuid,
        row: &EventRow,
        views: &mut HashMap<Uuid, Option<ViewRow>>,
    ) -> StoreResult<Option<serde_json::Value>> {
        let to_json = |value: serde_json::Result<serde_json::Value>| {
            value.expect("wire types always serialise")
        };
        match (row.kind.as_str(), row.object_id, &row.data) {
            (_, _, Some(data)) => Ok(Some(data.clone())),
            (event_types::CONVERSATION_UPSERTED, Some(id), None) => {
                let Some(conv) = self.tx.conversation(id)? else {
                    return Ok(None);
                };
                match self.visible_view(id, agent, views)? {
                    Some(view) => {
                        let dto = conversation_dto(self.tx, &conv, &view)?;
                        Ok(Some(to_json(serde_json::to_value(dto))))
                    }
                    None => Ok(None),
                }
            }
            (event_types::MESSAGE_UPSERTED, Some(id), None) => {
                let Some(message) = self.tx.message(id)? else {
                    return Ok(None);
                };
                match self.visible_view(message.conversation_id, agent, views)? {
                    Some(_) => {
                        let dto = message_dto(self.tx, &message)?;
                        Ok(Some(to_json(serde_json::to_value(dto))))
                    }
                    None => Ok(None),
                }
            }
            _ => Ok(None),
        }
    }
}
