//! Chats an agent starts (CONTRACT §4 `POST /conversations`): an SMS to a number, or a WhatsApp
//! conversation opened with an approved template. The agent who starts it owns it, so the
//! customer's answer reaches them; a customer's open chat on that channel is used instead of
//! a second one.

use switchboard_domain::contacts::normalize_identity;
use switchboard_domain::lifecycle::{decide_take, Access};
use switchboard_protocol::{
    ChannelKind, ChannelSummary, ConversationStatus, Identity, StartConversationRequest,
    StartedConversation,
};
use uuid::Uuid;

use super::present::{conversation_dto, facts, message_dto, seen_visible};
use super::whatsapp_templates::template_reply;
use super::{ChannelRule, Engine, Error, Field, Missing, Reply, Result, Unit};
use crate::store::{ChannelRow, ConversationRow, Relation, Route};

/// What starting a chat did: the conversation and the first message; `created` is false when
/// the customer's open chat was used or the `client_id` was seen before.
#[derive(Debug, Clone)]
pub struct Started {
    pub started: StartedConversation,
    pub created: bool,
}

impl Engine {
    /// The enabled SMS and WhatsApp channels, by id: those a chat can be started on.
    pub async fn startable_channels(&self) -> Result<Vec<ChannelSummary>> {
        self.read(|unit| {
            Ok(unit
                .tx
                .channels()?
                .into_iter()
                .filter(startable)
                .map(|c| ChannelSummary {
                    id: c.id,
                    kind: c.kind,
                })
                .collect())
        })
        .await
    }

    /// Start a chat with a customer (or write in their open one on that channel).
    pub async fn start_conversation(
        &self,
        agent: Uuid,
        request: StartConversationRequest,
    ) -> Result<Started> {
        let started = self
            .write(move |unit| unit.start_conversation(agent, &request))
            .await?;
        tracing::info!(
            %agent,
            conversation = %started.started.conversation.id,
            message_id = %started.started.message.id,
            new = started.created,
            "conversation started by an agent"
        );
        Ok(started)
    }
}

fn startable(channel: &ChannelRow) -> bool {
    channel.enabled && matches!(channel.kind, ChannelKind::Sms | ChannelKind::Whatsapp)
}

impl Unit<'_> {
    fn start_conversation(
        &mut self,
        agent: Uuid,
        request: &StartConversationRequest,
    ) -> Result<Started> {
        if let Some(existing) = self.tx.message_by_client_id(agent, request.client_id)? {
            let (conv, view) = seen_visible(self.tx, existing.conversation_id, agent)?;
            return Ok(Started {
                started: StartedConversation {
                    conversation: conversation_dto(self.tx, &conv, &view)?,
                    message: message_dto(self.tx, &existing)?,
                },
                created: false,
            });
        }
        let channel = self
            .tx
            .channel(&request.channel_id)?
            .filter(|c| matches!(c.kind, ChannelKind::Sms | ChannelKind::Whatsapp))
            .ok_or_else(|| Error::NotFound(Missing::Channel(request.channel_id.clone())))?;
        if !channel.enabled {
            return Err(Error::ChannelRule(ChannelRule::ChannelDisabled {
                channel: channel.id,
            }));
        }
        let identity = self.recipient(&channel, request)?;
        let reply = self.first_message(&channel, request)?;
        let existing = self
            .tx
            .open_conversation_for(&channel.id, &identity.value)?;
        let (id, created) = match existing {
            Some(conv) => {
                self.make_answerable(&conv, agent)?;
                (conv.id, false)
            }
            None => (self.open_outbound(&channel, identity, agent)?, true),
        };
        let sent = self.reply(agent, id, &reply)?;
        let (conv, view) = seen_visible(self.tx, id, agent)?;
        Ok(Started {
            started: StartedConversation {
                conversation: conversation_dto(self.tx, &conv, &view)?,
                message: sent.message,
            },
            created,
        })
    }

    /// The customer as the channel knows them: the contact's identity of the channel's kind or
    /// one made from its phone, or the address given.
    fn recipient(
        &mut self,
        channel: &ChannelRow,
        request: &StartConversationRequest,
    ) -> Result<Identity> {
        let country = self.settings.default_country;
        let kind = channel.kind;
        let address = match (request.contact_id, request.address.as_deref()) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    Field::Recipient,
                    "Give either contact_id or address, not both.",
                ))
            }
            (None, None) => {
                return Err(Error::invalid(
                    Field::Recipient,
                    "Say who to write to: contact_id (a directory contact) or address (a phone number such as +5511987654321).",
                ))
            }
            (None, Some(address)) => address.to_string(),
            (Some(id), None) => {
                let contact = self
                    .tx
                    .contact(id)?
                    .ok_or(Error::NotFound(Missing::Contact))?;
                let own = contact.identities.iter().find(|i| i.kind == kind);
                match (own, contact.phones.first()) {
                    (Some(identity), _) => return Ok(identity.clone()),
                    (None, Some(phone)) => phone.clone(),
                    (None, None) => {
                        return Err(Error::invalid(
                            Field::Recipient,
                            format!(
                                "{} has no phone number; add one to the contact first.",
                                contact.name
                            ),
                        ))
                    }
                }
            }
        };
        let value = normalize_identity(kind, &address, country).map_err(|why| {
            Error::invalid(
                Field::Recipient,
                format!("address: {why}; write it in international form, e.g. +5511987654321."),
            )
        })?;
        Ok(Identity { kind, value })
    }

    /// SMS starts with text; WhatsApp only with an approved template (the customer has not
    /// written, so no window is open).
    fn first_message(
        &mut self,
        channel: &ChannelRow,
        request: &StartConversationRequest,
    ) -> Result<Reply> {
        let body = request.body.as_deref().unwrap_or_default();
        let reply = |body: String, template| Reply {
            client_id: request.client_id,
            body,
            attachments: Vec::new(),
            template,
        };
        match (channel.kind, &request.template) {
            (ChannelKind::Whatsapp, Some(choice)) if body.trim().is_empty() => {
                let (text, template) = template_reply(
                    self.tx,
                    &channel.id,
                    &choice.name,
                    &choice.language,
                    &choice.parameters,
                )?;
                Ok(reply(text, Some(template)))
            }
            (ChannelKind::Whatsapp, _) => Err(Error::invalid(
                Field::Template,
                "A WhatsApp chat starts with an approved template (template), not free text: WhatsApp delivers free text only within 24 hours of the customer's last message.",
            )),
            (_, Some(_)) => Err(Error::invalid(
                Field::Template,
                "Only WhatsApp chats start with a template; write the SMS in body.",
            )),
            (_, None) if body.trim().is_empty() => Err(Error::invalid(
                Field::Body,
                "Write the first message (body) before starting the chat.",
            )),
            (_, None) => Ok(reply(body.to_string(), None)),
        }
    }

    /// The customer's open chat on the channel, made answerable by the agent: one waiting in
    /// a queue the agent does not see is offered to them (the reply then takes it); one owned
    /// by a colleague is refused naming them.
    fn make_answerable(&mut self, conv: &ConversationRow, agent: Uuid) -> Result<()> {
        let visible = self.tx.view(conv.id, agent)?.is_some_and(|v| v.visible());
        if visible {
            return Ok(());
        }
        match conv.owner_id {
            None => Ok(self.show_to(conv.id, agent, Relation::Offered, false)?),
            Some(_) => {
                let facts = facts(self.tx, conv)?;
                decide_take(&facts, agent, Access::Lost)?;
                Err(Error::NotFound(Missing::Conversation))
            }
        }
    }

    /// A new conversation with the customer, owned by the agent who starts it.
    fn open_outbound(
        &mut self,
        channel: &ChannelRow,
        identity: Identity,
        agent: Uuid,
    ) -> Result<Uuid> {
        let contact = self.contact_for(&identity, self.settings.default_country)?;
        let conv = ConversationRow {
            id: Uuid::now_v7(),
            channel: channel.kind,
            channel_id: channel.id.clone(),
            status: ConversationStatus::Open,
            queue_id: match &channel.route {
                Route::Queue(queue) => Some(queue.clone()),
                Route::Extension(_) => None,
            },
            owner_id: Some(agent),
            display_name: match &contact {
                Some(contact) => contact.name.clone(),
                None => identity.value.clone(),
            },
            identity: Some(identity),
            contact_id: contact.map(|c| c.id),
            title: None,
            offer_round: 0,
            offer_expires_at: None,
            last_seq: 0,
            last_message_id: None,
            created_at: self.now,
            updated_at: self.now,
            answered_at: Some(self.now),
            resolved_at: None,
            last_inbound_at: None,
        };
        self.tx.insert_conversation(&conv)?;
        self.show_to(conv.id, agent, Relation::Owner, false)?;
        Ok(conv.id)
    }
}
