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
use crate::store::{AgentRow, ConversationRow, MessageRow, Relation, StoreResult, Tx, ViewRow};

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

/// Presents many messages in one read, asking the store once per author and per channel
/// rather than once per message (a bulk history page holds thousands).
#[derive(Default)]
pub struct Presenter {
    agents: HashMap<Uuid, Option<(String, String)>>,
    sms_channels: HashMap<String, bool>,
}

impl Presenter {
    pub fn message(&mut self, tx: &mut dyn Tx, row: &MessageRow) -> StoreResult<Message> {
        let author = match row.author_agent_id {
            Some(id) => match self.agent(tx, id)? {
                Some((extension, name)) => Author::Agent {
                    id,
                    extension,
                    name,
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

    /// An author's extension and name.
    fn agent(&mut self, tx: &mut dyn Tx, id: Uuid) -> StoreResult<Option<(String, String)>> {
        if let Some(known) = self.agents.get(&id) {
            return Ok(known.clone());
        }
        let found = tx.agent(id)?.map(|a| (a.extension, a.name));
        self.agents.insert(id, found.clone());
        Ok(found)
    }

    /// Segment count of replies on SMS channels.
    fn sms_info(&mut self, tx: &mut dyn Tx, row: &MessageRow) -> StoreResult<Option<SmsInfo>> {
        if row.direction != switchboard_protocol::Direction::Outbound {
            return Ok(None);
        }
        let sms = match self.sms_channels.get(&row.channel_id) {
            Some(sms) => *sms,
            None => {
                let sms = tx
                    .channel(&row.channel_id)?
                    .is_some_and(|c| c.kind == switchboard_protocol::ChannelKind::Sms);
                self.sms_channels.insert(row.channel_id.clone(), sms);
                sms
            }
        };
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
    let human_agent_tag = conv.channel == ChannelKind::Facebook
        && tx
            .channel(&conv.channel_id)?
            .is_some_and(|c| c.human_agent_tag);
    match conv.last_inbound_at {
        Some(_) => Ok(reply_window_ends_at(
            conv.channel,
            human_agent_tag,
            conv.last_inbound_at,
        )),
        // A chat an agent started has no window until the customer answers: closed from the
        // start.
        None => Ok(reply_window(conv.channel, human_agent_tag).map(|_| conv.created_at)),
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

pub fn conversation_dto(
    tx: &mut dyn Tx,
    conv: &ConversationRow,
    view: &ViewRow,
) -> StoreResult<Conversation> {
    let owner = match conv.owner_id {
        Some(id) => tx.agent(id)?.map(|a| agent_dto(&a)),
        None => None,
    };
    let last_message = match conv.last_message_id {
        Some(id) => match tx.message(id)? {
            Some(row) => Some(message_dto(tx, &row)?),
            None => None,
        },
        None => None,
    };
    let unread = tx.unread_count(conv.id, view.agent_id, view.last_read_seq)?;
    let mut participants = Vec::new();
    for other in tx.views(conv.id)? {
        if other.relation == Relation::Participant {
            if let Some(agent) = tx.agent(other.agent_id)? {
                participants.push(agent_dto(&agent));
            }
        }
    }
    participants.sort_by(|a, b| a.extension.cmp(&b.extension));
    Ok(Conversation {
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
        unread,
        archived: view.archived,
        title: conv.title.clone(),
        participants,
        reply_window_ends_at: reply_window_closes(tx, conv)?,
        opted_out_at: opted_out_at(tx, conv)?,
        created_at: conv.created_at,
        updated_at: conv.updated_at,
    })
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
