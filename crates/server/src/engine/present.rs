//! Turning stored rows into the wire shapes an agent sees, from that agent's point of view.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use switchboard_domain::delivery::{reply_window, reply_window_ends_at, sms_segments};
use switchboard_domain::lifecycle::{Access, Facts, Owner};
use switchboard_protocol::{
    Agent, Author, ChannelKind, Conversation, ConversationContact, Message, SmsInfo,
};
use uuid::Uuid;

use super::{Error, Missing, Result};
use crate::store::{
    AgentRow, ChannelRow, ConversationRow, MessageRow, Relation, StoreResult, Tx, ViewRow,
};

pub fn agent_dto(row: &AgentRow) -> Agent {
    Agent {
        id: row.id,
        extension: row.extension.clone(),
        name: row.name.clone(),
        email: row.email.clone(),
        role: row.role,
        presence: row.presence,
    }
}

pub fn message_dto(tx: &mut dyn Tx, row: &MessageRow) -> StoreResult<Message> {
    Presenter::default().message(tx, row)
}

/// One conversation as the agent of `view` sees it.
pub fn conversation_dto(
    tx: &mut dyn Tx,
    conv: &ConversationRow,
    view: &ViewRow,
) -> StoreResult<Conversation> {
    let page = [(conv.clone(), view.clone())];
    let mut presented = Presenter::default().conversations(tx, view.agent_id, &page)?;
    Ok(presented.remove(0))
}

/// Presents many rows in one read, asking the store once per agent and per channel rather
/// than once per row (a bulk history page holds thousands of messages), and what each
/// conversation of a list page needs once for the whole page.
#[derive(Default)]
pub struct Presenter {
    agents: HashMap<Uuid, Option<Agent>>,
    channels: HashMap<String, Option<ChannelRow>>,
    /// The messages presented, when kept ([`Presenter::keeping_messages`]).
    kept: Option<HashMap<Uuid, Message>>,
}

impl Presenter {
    /// A presenter that keeps each message it presents, so that a message shown both as
    /// itself and as its conversation's last message is read and presented once: the live
    /// stream's pages, where a new message's event and its conversation's follow each other.
    /// (Not for bulk history pages: they would hold every message twice.)
    pub fn keeping_messages() -> Self {
        Presenter {
            kept: Some(HashMap::new()),
            ..Presenter::default()
        }
    }

    /// Message `id`, if this presenter presented and kept it.
    pub fn kept_message(&self, id: Uuid) -> Option<&Message> {
        self.kept.as_ref()?.get(&id)
    }

    pub fn message(&mut self, tx: &mut dyn Tx, row: &MessageRow) -> StoreResult<Message> {
        let message = self.present_message(tx, row)?;
        if let Some(kept) = &mut self.kept {
            kept.insert(message.id, message.clone());
        }
        Ok(message)
    }

    fn present_message(&mut self, tx: &mut dyn Tx, row: &MessageRow) -> StoreResult<Message> {
        let author = match row.author_agent_id {
            Some(id) => match self.agent(tx, id)? {
                Some(agent) => Author::Agent {
                    id,
                    extension: agent.extension,
                    name: agent.name,
                },
                None => Author::System,
            },
            None if row.direction == switchboard_protocol::Direction::Inbound => Author::Contact {
                display_name: row.author_name.clone(),
            },
            None => Author::System,
        };
        Ok(Message {
            id: row.id,
            conversation_id: row.conversation_id,
            client_id: row.client_id,
            direction: row.direction,
            author,
            body: row.body.clone(),
            attachments: row.attachments.clone(),
            status: row.status,
            error: row.error.clone(),
            sms: self.sms_info(tx, row)?,
            created_at: row.created_at,
        })
    }

    /// Conversations as `agent` sees them, each with the agent's view of it (as stored: the
    /// read marks and archive flags are the stored views'), in the order given. The last
    /// messages, the agent's replies after their read marks and the participants of all of
    /// them are read at once.
    pub fn conversations(
        &mut self,
        tx: &mut dyn Tx,
        agent: Uuid,
        page: &[(ConversationRow, ViewRow)],
    ) -> StoreResult<Vec<Conversation>> {
        let ids: Vec<Uuid> = page.iter().map(|(conv, _)| conv.id).collect();
        let own = tx
            .own_replies_after_read(agent, &ids)?
            .into_iter()
            .collect();
        self.conversations_with(tx, page, &own)
    }

    /// [`Presenter::conversations`], the agent's own replies after their read mark of each
    /// conversation known (none: they wrote nothing since).
    pub fn conversations_with(
        &mut self,
        tx: &mut dyn Tx,
        page: &[(ConversationRow, ViewRow)],
        own_replies: &HashMap<Uuid, u32>,
    ) -> StoreResult<Vec<Conversation>> {
        let last_ids: Vec<Uuid> = page
            .iter()
            .filter_map(|(conv, _)| conv.last_message_id)
            .filter(|id| self.kept_message(*id).is_none())
            .collect();
        let mut last_messages: HashMap<Uuid, MessageRow> = tx
            .messages_by_id(&last_ids)?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        // Only internal chats have participants.
        let internal: Vec<Uuid> = page
            .iter()
            .filter(|(conv, _)| conv.channel == ChannelKind::Internal)
            .map(|(conv, _)| conv.id)
            .collect();
        let mut participants: HashMap<Uuid, Vec<Agent>> = HashMap::new();
        let members = if internal.is_empty() {
            Vec::new()
        } else {
            tx.participants(&internal)?
        };
        for (conversation, row) in members {
            participants
                .entry(conversation)
                .or_default()
                .push(agent_dto(&row));
        }
        let mut presented = Vec::with_capacity(page.len());
        for (conv, view) in page {
            let owner = match conv.owner_id {
                Some(id) => self.agent(tx, id)?,
                None => None,
            };
            let last_message = match conv.last_message_id {
                Some(id) => match (self.kept_message(id), last_messages.remove(&id)) {
                    (Some(kept), _) => Some(kept.clone()),
                    (None, Some(row)) => Some(self.message(tx, &row)?),
                    (None, None) => None,
                },
                None => None,
            };
            let mut participants = participants.remove(&conv.id).unwrap_or_default();
            participants.sort_by(|a, b| a.extension.cmp(&b.extension));
            let human_agent_tag = self.human_agent_tag(tx, conv)?;
            presented.push(Conversation {
                id: conv.id,
                channel: conv.channel,
                channel_id: conv.channel_id.clone(),
                status: conv.status,
                queue_id: conv.queue_id.clone(),
                owner,
                contact: ConversationContact {
                    id: conv.contact_id,
                    display_name: conv.display_name.clone(),
                    known: conv.contact_id.is_some(),
                    identity: conv.identity.clone(),
                },
                last_message,
                unread: view.unread(
                    conv.last_seq,
                    own_replies.get(&conv.id).copied().unwrap_or(0),
                ),
                archived: view.archived,
                title: conv.title.clone(),
                participants,
                reply_window_ends_at: window_closes(conv, human_agent_tag),
                opted_out_at: opted_out_at(tx, conv)?,
                created_at: conv.created_at,
                updated_at: conv.updated_at,
            });
        }
        Ok(presented)
    }

    /// An agent as others see them.
    fn agent(&mut self, tx: &mut dyn Tx, id: Uuid) -> StoreResult<Option<Agent>> {
        if let Some(known) = self.agents.get(&id) {
            return Ok(known.clone());
        }
        let found = tx.agent(id)?.map(|row| agent_dto(&row));
        self.agents.insert(id, found.clone());
        Ok(found)
    }

    fn channel(&mut self, tx: &mut dyn Tx, id: &str) -> StoreResult<Option<&ChannelRow>> {
        if !self.channels.contains_key(id) {
            let found = tx.channel(id)?;
            self.channels.insert(id.to_string(), found);
        }
        Ok(self.channels[id].as_ref())
    }

    /// Whether a Messenger conversation's page may use the `HUMAN_AGENT` tag.
    fn human_agent_tag(&mut self, tx: &mut dyn Tx, conv: &ConversationRow) -> StoreResult<bool> {
        Ok(conv.channel == ChannelKind::Facebook
            && self
                .channel(tx, &conv.channel_id)?
                .is_some_and(|c| c.human_agent_tag))
    }

    /// Segment count of replies on SMS channels.
    fn sms_info(&mut self, tx: &mut dyn Tx, row: &MessageRow) -> StoreResult<Option<SmsInfo>> {
        if row.direction != switchboard_protocol::Direction::Outbound {
            return Ok(None);
        }
        let sms = self
            .channel(tx, &row.channel_id)?
            .is_some_and(|c| c.kind == ChannelKind::Sms);
        if !sms {
            return Ok(None);
        }
        let (segments, encoding) = sms_segments(&row.body);
        Ok(Some(SmsInfo {
            segments,
            encoding: encoding.as_str().to_string(),
        }))
    }
}

/// When free text stops being accepted in this conversation (WhatsApp and Messenger; a
/// Messenger page allowed the `HUMAN_AGENT` tag has 7 days).
pub(super) fn reply_window_closes(
    tx: &mut dyn Tx,
    conv: &ConversationRow,
) -> StoreResult<Option<DateTime<Utc>>> {
    let human_agent_tag = Presenter::default().human_agent_tag(tx, conv)?;
    Ok(window_closes(conv, human_agent_tag))
}

/// [`reply_window_closes`], the channel's tag known.
fn window_closes(conv: &ConversationRow, human_agent_tag: bool) -> Option<DateTime<Utc>> {
    match conv.last_inbound_at {
        Some(_) => reply_window_ends_at(conv.channel, human_agent_tag, conv.last_inbound_at),
        // A chat an agent started has no window until the customer answers: closed from the
        // start.
        None => reply_window(conv.channel, human_agent_tag).map(|_| conv.created_at),
    }
}

/// SMS: since when the customer asked to receive nothing more on this channel.
pub(super) fn opted_out_at(
    tx: &mut dyn Tx,
    conv: &ConversationRow,
) -> StoreResult<Option<DateTime<Utc>>> {
    match (&conv.identity, conv.channel) {
        (Some(identity), ChannelKind::Sms) => Ok(tx
            .sms_opt_out(&conv.channel_id, &identity.value)?
            .map(|o| o.opted_out_at)),
        _ => Ok(None),
    }
}

/// A conversation as the acting agent may see it: the row, their view, and whether the view
/// makes it visible. Unknown ids and hidden ones look the same to callers.
pub struct Seen {
    pub conv: ConversationRow,
    pub view: Option<ViewRow>,
}

impl Seen {
    pub fn access(&self) -> Access {
        match &self.view {
            Some(view) if view.visible() => Access::Visible,
            Some(view) if view.relation == Relation::Former && !view.deleted => Access::Lost,
            _ => Access::Hidden,
        }
    }

    /// The agent's view, or 404 if they cannot see the conversation.
    pub fn visible_view(&self) -> Result<&ViewRow> {
        match &self.view {
            Some(view) if view.visible() => Ok(view),
            _ => Err(Error::NotFound(Missing::Conversation)),
        }
    }
}

/// Load a conversation for a write, locked, with the agent's view of it.
pub fn seen_for_update(tx: &mut dyn Tx, id: Uuid, agent: Uuid) -> Result<Seen> {
    let conv = tx
        .conversation_for_update(id)?
        .ok_or(Error::NotFound(Missing::Conversation))?;
    let view = tx.view(id, agent)?;
    Ok(Seen { conv, view })
}

/// Load a conversation for reading with the agent's view; 404 unless visible.
pub fn seen_visible(tx: &mut dyn Tx, id: Uuid, agent: Uuid) -> Result<(ConversationRow, ViewRow)> {
    let conv = tx
        .conversation(id)?
        .ok_or(Error::NotFound(Missing::Conversation))?;
    match tx.view(id, agent)? {
        Some(view) if view.visible() => Ok((conv, view)),
        _ => Err(Error::NotFound(Missing::Conversation)),
    }
}

/// The facts `domain` decides on.
pub fn facts(tx: &mut dyn Tx, conv: &ConversationRow) -> StoreResult<Facts> {
    let owner = match conv.owner_id {
        Some(id) => Some(Owner {
            id,
            name: tx
                .agent(id)?
                .map(|a| a.name)
                .unwrap_or_else(|| "another agent".into()),
        }),
        None => None,
    };
    Ok(Facts {
        channel: conv.channel,
        status: conv.status,
        owner,
    })
}
