//! The entry point for customers' messages: channel adapters (webhooks, the live-chat widget)
//! hand an [`Inbound`] to [`Engine::ingest`], which stores it durably, exactly once, in the
//! right conversation, and routes a new conversation to its queue or extension.

use chrono::{DateTime, Utc};
use switchboard_domain::delivery::Consent;
use switchboard_domain::lifecycle::{route_inbound, InboundRoute};
use switchboard_domain::routing::Trigger;
use switchboard_protocol::{ChannelKind, ConversationStatus, Direction, Identity, MessageStatus};
use uuid::Uuid;

use super::actions::NewMessage;
use super::{Clash, Engine, Error, Field, Missing, Result, Unit};
use crate::store::{ConversationRow, Relation, Route, SmsOptOutRow, StoreError};

/// A customer's message as a channel adapter parsed it.
#[derive(Debug, Clone, Default)]
pub struct Inbound {
    /// The configured channel (`[[channels]] id`).
    pub channel_id: String,
    /// Who wrote: phone number, WhatsApp id, PSID, visitor id.
    pub sender: String,
    /// The name to show until the sender is a known contact.
    pub display_name: String,
    /// The provider's id for this message (`wamid`, `mid`, `MessageSid`): a second delivery of
    /// the same id stores nothing.
    pub provider_message_id: Option<String>,
    pub body: String,
    /// Files already stored (`Engine::register_file`) that the message carries.
    pub attachments: Vec<Uuid>,
    /// When the customer sent it, if the provider says: the reply window counts from then
    /// (never from the future, never backwards), otherwise from now.
    pub sent_at: Option<DateTime<Utc>>,
    /// SMS: the message is a stop or start keyword.
    pub consent: Option<Consent>,
}

/// What [`Engine::ingest`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOutcome {
    pub conversation_id: Uuid,
    pub message_id: Uuid,
    /// True when the provider message id was already stored; nothing changed.
    pub duplicate: bool,
}

impl Engine {
    /// Store a customer's message. Returns once it is committed.
    pub async fn ingest(&self, inbound: Inbound) -> Result<IngestOutcome> {
        if inbound.sender.trim().is_empty() {
            return Err(Error::invalid(
                Field::Sender,
                "The sender's address is empty.",
            ));
        }
        let channel = inbound.channel_id.clone();
        let outcome = self.write(move |unit| unit.ingest(&inbound)).await?;
        // Never the text or the sender: message contents stay out of the logs.
        tracing::info!(
            %channel,
            conversation = %outcome.conversation_id,
            message_id = %outcome.message_id,
            duplicate = outcome.duplicate,
            "customer message stored"
        );
        Ok(outcome)
    }
}

impl Unit<'_> {
    fn ingest(&mut self, inbound: &Inbound) -> Result<IngestOutcome> {
        let channel = self
            .tx
            .channel(&inbound.channel_id)?
            .ok_or_else(|| Error::NotFound(Missing::Channel(inbound.channel_id.clone())))?;
        if let Some(pid) = &inbound.provider_message_id {
            if let Some(existing) = self.tx.message_by_provider_id(&channel.id, pid)? {
                return Ok(IngestOutcome {
                    conversation_id: existing.conversation_id,
                    message_id: existing.id,
                    duplicate: true,
                });
            }
        }
        let existing = self
            .tx
            .open_conversation_for(&channel.id, &inbound.sender)?;
        let mut conv = match (route_inbound(existing.as_ref().map(|c| c.status)), existing) {
            (InboundRoute::Append, Some(conv)) => conv,
            _ => self.open_conversation(channel.kind, &channel.id, &channel.route, inbound)?,
        };
        match inbound.consent {
            Some(Consent::OptOut) => self.tx.add_sms_opt_out(&SmsOptOutRow {
                channel_id: channel.id.clone(),
                address: inbound.sender.clone(),
                opted_out_at: self.now,
            })?,
            Some(Consent::OptIn) => {
                self.tx.remove_sms_opt_out(&channel.id, &inbound.sender)?;
            }
            None => {}
        }
        let sent_at = inbound.sent_at.map_or(self.now, |at| at.min(self.now));
        conv.last_inbound_at = conv.last_inbound_at.max(Some(sent_at));
        let mut files = Vec::with_capacity(inbound.attachments.len());
        for id in &inbound.attachments {
            if let Some(row) = self
                .tx
                .attachment(*id)?
                .filter(|row| row.message_id.is_none())
            {
                files.push(row);
            }
        }
        let message = self
            .append_message(
                &mut conv,
                NewMessage {
                    client_id: None,
                    provider_message_id: inbound.provider_message_id.clone(),
                    direction: Direction::Inbound,
                    author_agent_id: None,
                    author_name: inbound.display_name.clone(),
                    body: inbound.body.clone(),
                    attachments: files.iter().map(super::attachment_ref).collect(),
                    status: MessageStatus::Delivered,
                },
            )
            .map_err(|err| match err {
                StoreError::Duplicate { .. } => Error::conflict(
                    Clash::ProviderMessageId,
                    "This provider message id is already stored.",
                ),
                other => other.into(),
            })?;
        for file in &files {
            self.tx.link_attachment(file.id, conv.id, message.id)?;
        }
        Ok(IngestOutcome {
            conversation_id: conv.id,
            message_id: message.id,
            duplicate: false,
        })
    }

    /// A new conversation for this customer, offered by the channel's route.
    fn open_conversation(
        &mut self,
        kind: ChannelKind,
        channel_id: &str,
        route: &Route,
        inbound: &Inbound,
    ) -> Result<ConversationRow> {
        let identity = Identity {
            kind,
            value: inbound.sender.clone(),
        };
        let contact = self.contact_for(&identity, self.settings.default_country)?;
        let conv = ConversationRow {
            id: Uuid::now_v7(),
            channel: kind,
            channel_id: channel_id.to_string(),
            status: ConversationStatus::Queued,
            queue_id: match route {
                Route::Queue(queue) => Some(queue.clone()),
                Route::Extension(_) => None,
            },
            owner_id: None,
            identity: Some(identity),
            display_name: match &contact {
                Some(contact) => contact.name.clone(),
                None if inbound.display_name.trim().is_empty() => inbound.sender.clone(),
                None => inbound.display_name.clone(),
            },
            contact_id: contact.map(|c| c.id),
            title: None,
            offer_round: 0,
            offer_expires_at: None,
            last_seq: 0,
            last_message_id: None,
            created_at: self.now,
            updated_at: self.now,
            answered_at: None,
            resolved_at: None,
            last_inbound_at: None,
        };
        self.tx.insert_conversation(&conv)?;
        match route {
            Route::Queue(_) => self.reoffer(conv.id, Trigger::New)?,
            Route::Extension(extension) => {
                // Straight to one agent: offered to them alone, whatever their presence.
                let agent = self.tx.agent_by_extension(extension)?;
                if let Some(agent) = agent.filter(|a| a.disabled_at.is_none()) {
                    self.show_to(conv.id, agent.id, Relation::Offered, false)?;
                }
            }
        }
        Ok(self.tx.conversation(conv.id)?.unwrap_or(conv))
    }
}
