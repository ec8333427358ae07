//! What agents do with conversations: read them, reply, take, transfer, resolve, archive,
//! delete, mark read, and start internal chats.

use switchboard_domain::lifecycle::{
    decide_delete, decide_reply, decide_resolve, decide_take, decide_transfer, Access, Claim,
    Refusal, Resolution,
};
use switchboard_protocol::{
    event_types, AttachmentRef, ChannelKind, Conversation, ConversationStatus, Direction, Message,
    MessagePage, MessageStatus,
};
use uuid::Uuid;

use super::present::{
    conversation_dto, facts, message_dto, opted_out_at, reply_window_closes, seen_for_update,
    seen_visible, Presenter,
};
use super::{ChannelRule, Clash, Engine, Error, Field, Missing, Result, Unit};
use crate::store::{
    AgentRow, ConversationRow, ListCursor, ListView, MessageRow, OutboundJob, OutboundState,
    Relation, StoreError, StoreResult, Tx,
};

/// The largest message body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A reply as the API receives it.
#[derive(Debug, Clone)]
pub struct Reply {
    pub client_id: Uuid,
    pub body: String,
    pub attachments: Vec<Uuid>,
    /// A WhatsApp template send: the provider's `template` object (the body is its rendered
    /// text). Allowed when the 24-hour window has closed.
    pub template: Option<serde_json::Value>,
}

/// Result of sending: the message, and whether this call created it (false on a retry).
#[derive(Debug, Clone)]
pub struct Sent {
    pub message: Message,
    pub created: bool,
}

/// One page of an agent's conversation list.
#[derive(Debug, Clone)]
pub struct ListPage {
    pub conversations: Vec<Conversation>,
    pub next: Option<ListCursor>,
}

/// A message to append, before it gets its place in the conversation.
pub(super) struct NewMessage {
    pub client_id: Option<Uuid>,
    pub provider_message_id: Option<String>,
    pub direction: Direction,
    pub author_agent_id: Option<Uuid>,
    pub author_name: String,
    pub body: String,
    pub attachments: Vec<AttachmentRef>,
    pub status: MessageStatus,
}

impl Unit<'_> {
    /// Append a message, bring the conversation forward in everyone's list and tell them.
    pub(super) fn append_message(
        &mut self,
        conv: &mut ConversationRow,
        new: NewMessage,
    ) -> StoreResult<MessageRow> {
        let row = MessageRow {
            id: Uuid::now_v7(),
            conversation_id: conv.id,
            channel_id: conv.channel_id.clone(),
            seq: conv.last_seq + 1,
            client_id: new.client_id,
            provider_message_id: new.provider_message_id,
            direction: new.direction,
            author_agent_id: new.author_agent_id,
            author_name: new.author_name,
            body: new.body,
            attachments: new.attachments,
            status: new.status,
            error: None,
            created_at: self.now,
        };
        self.tx.insert_message(&row)?;
        if conv.channel == ChannelKind::Livechat {
            if let Some(visitor) = conv
                .identity
                .as_ref()
                .and_then(|i| Uuid::parse_str(&i.value).ok())
            {
                self.touch_visitor(visitor);
            }
        }
        conv.last_seq = row.seq;
        conv.last_message_id = Some(row.id);
        conv.updated_at = self.now;
        self.tx.update_conversation(conv)?;
        for mut view in self.tx.views(conv.id)? {
            if !view.visible() {
                continue;
            }
            // Only a view the message changes is written (with ten agents seeing a chat,
            // rewriting every view for each message was most of the message's writes).
            let changed = if Some(view.agent_id) == row.author_agent_id {
                view.last_read_seq = row.seq; // what I wrote, I have read
                true
            } else if view.archived && conv.status != ConversationStatus::Resolved {
                view.archived = false; // a new message brings an archived chat back to Recent
                true
            } else {
                false
            };
            if changed {
                view.updated_at = self.now;
                self.tx.upsert_view(&view)?;
            }
            self.emit(
                view.agent_id,
                event_types::MESSAGE_UPSERTED,
                Some(row.id),
                None,
            );
            self.emit(
                view.agent_id,
                event_types::CONVERSATION_UPSERTED,
                Some(conv.id),
                None,
            );
        }
        Ok(row)
    }

    /// What the channel allows now: free text within the reply window (a WhatsApp template
    /// at any time), nothing to an SMS number that opted out or on a disabled channel.
    fn check_channel_rules(&mut self, conv: &ConversationRow, template: bool) -> Result<()> {
        if let Some(ends) = reply_window_closes(self.tx, conv)?.filter(|_| !template) {
            if ends <= self.now {
                return Err(Error::ChannelRule(ChannelRule::ReplyWindowClosed {
                    channel: conv.channel,
                    closed_at: ends,
                }));
            }
        }
        if let Some(since) = opted_out_at(self.tx, conv)? {
            return Err(Error::ChannelRule(ChannelRule::OptedOut { since }));
        }
        if conv.channel != ChannelKind::Internal {
            let channel = self.tx.channel(&conv.channel_id)?;
            if channel.is_some_and(|c| !c.enabled) {
                return Err(Error::ChannelRule(ChannelRule::ChannelDisabled {
                    channel: conv.channel_id.clone(),
                }));
            }
        }
        Ok(())
    }

    /// Queue a failed reply for the provider again (see [`Engine::resend`]).
    fn resend(&mut self, agent: Uuid, message: Uuid) -> Result<Message> {
        let row = self
            .tx
            .message(message)?
            .ok_or(Error::NotFound(Missing::Message))?;
        let seen = seen_for_update(self.tx, row.conversation_id, agent)?;
        if seen.access() == Access::Hidden {
            // As if the message did not exist.
            return Err(Error::NotFound(Missing::Message));
        }
        let facts = facts(self.tx, &seen.conv)?;
        let claim = decide_reply(&facts, agent, seen.access())?;
        let job = self
            .tx
            .outbound_job(message)?
            .filter(|job| row.status == MessageStatus::Failed && job.state == OutboundState::Failed)
            .ok_or_else(|| {
                Error::conflict(
                    Clash::NotResendable,
                    "Only a reply whose delivery failed can be sent again.",
                )
            })?;
        let mut conv = seen.conv;
        self.check_channel_rules(&conv, job.template.is_some())?;
        if claim == Claim::Take {
            self.claim(&mut conv, agent)?;
        }
        self.tx.update_outbound(&OutboundJob {
            state: OutboundState::Queued,
            attempts: 0,
            next_attempt_at: self.now,
            last_error: None,
            ..job
        })?;
        // Failed is final for provider reports; an agent's resend is the one way back.
        self.tx
            .set_message_delivery(row.id, MessageStatus::Pending, None, None)?;
        let row = self
            .tx
            .message(message)?
            .ok_or(Error::NotFound(Missing::Message))?;
        self.announce_status(&row)?;
        self.wake_outbound();
        Ok(message_dto(self.tx, &row)?)
    }

    /// Store an agent's reply (see [`Engine::send`]) and queue it for the provider.
    pub(super) fn reply(&mut self, agent: Uuid, id: Uuid, reply: &Reply) -> Result<Sent> {
        if let Some(existing) = self.tx.message_by_client_id(agent, reply.client_id)? {
            if existing.conversation_id != id {
                return Err(Error::conflict(
                    Clash::ClientId,
                    "This client_id was already used for a message in another conversation; generate a new one.",
                ));
            }
            return Ok(Sent {
                message: message_dto(self.tx, &existing)?,
                created: false,
            });
        }
        let seen = seen_for_update(self.tx, id, agent)?;
        let facts = facts(self.tx, &seen.conv)?;
        let claim = decide_reply(&facts, agent, seen.access())?;
        let mut conv = seen.conv;
        self.check_channel_rules(&conv, reply.template.is_some())?;
        if claim == Claim::Take {
            self.claim(&mut conv, agent)?;
        }
        let files = self.claimable_attachments(agent, &reply.attachments)?;
        let internal = conv.channel == ChannelKind::Internal;
        // Replies travel through a provider (queued) or straight to the widget.
        let through_provider = matches!(
            conv.channel,
            ChannelKind::Whatsapp | ChannelKind::Facebook | ChannelKind::Sms
        );
        let row = self
            .append_message(
                &mut conv,
                NewMessage {
                    client_id: Some(reply.client_id),
                    provider_message_id: None,
                    direction: if internal {
                        Direction::Internal
                    } else {
                        Direction::Outbound
                    },
                    author_agent_id: Some(agent),
                    author_name: String::new(),
                    body: reply.body.clone(),
                    attachments: files.iter().map(super::attachment_ref).collect(),
                    // Provider channels deliver through the outbound queue, which moves
                    // the status on; internal and live-chat messages are there at once.
                    status: if through_provider {
                        MessageStatus::Pending
                    } else {
                        MessageStatus::Sent
                    },
                },
            )
            .map_err(|err| match err {
                StoreError::Duplicate { .. } => Error::conflict(
                    Clash::ClientId,
                    "This client_id was already used; generate a new one.",
                ),
                other => other.into(),
            })?;
        for file in &files {
            self.tx.link_attachment(file.id, conv.id, row.id)?;
        }
        if through_provider {
            self.tx.enqueue_outbound(&OutboundJob {
                message_id: row.id,
                conversation_id: conv.id,
                channel_id: conv.channel_id.clone(),
                state: OutboundState::Queued,
                attempts: 0,
                next_attempt_at: self.now,
                last_error: None,
                created_at: self.now,
                template: reply.template.clone(),
            })?;
            self.wake_outbound();
        }
        Ok(Sent {
            message: message_dto(self.tx, &row)?,
            created: true,
        })
    }

    /// Make `agent` the owner of a queued conversation; everyone else who saw it loses it.
    /// Fails with `already_taken` if another agent got there first.
    pub(super) fn claim(&mut self, conv: &mut ConversationRow, agent: Uuid) -> Result<()> {
        if !self.tx.claim_conversation(conv.id, agent, self.now)? {
            let current = self
                .tx
                .conversation(conv.id)?
                .ok_or(Error::NotFound(Missing::Conversation))?;
            // Another transaction owned or resolved it between our read and our write.
            let facts = facts(self.tx, &current)?;
            let refusal = decide_take(&facts, agent, Access::Visible)
                .err()
                .unwrap_or(Refusal::Resolved);
            return Err(refusal.into());
        }
        *conv = self
            .tx
            .conversation(conv.id)?
            .ok_or(Error::NotFound(Missing::Conversation))?;
        self.tx.set_last_assigned(agent, self.now)?;
        for view in self.tx.views(conv.id)? {
            if view.agent_id != agent && view.relation == Relation::Offered {
                self.hide_from(view, "taken")?;
            }
        }
        self.show_to(conv.id, agent, Relation::Owner, false)?;
        Ok(())
    }

    fn dto_for(&mut self, conversation: Uuid, agent: Uuid) -> Result<Conversation> {
        let (conv, view) = seen_visible(self.tx, conversation, agent)?;
        Ok(conversation_dto(self.tx, &conv, &view)?)
    }
}

fn parse_list(view: Option<&str>) -> Result<ListView> {
    match view.unwrap_or("recent") {
        "recent" => Ok(ListView::Recent),
        "archived" => Ok(ListView::Archived),
        other => Err(Error::invalid(
            Field::View,
            format!("view must be 'recent' or 'archived', not {other:?}."),
        )),
    }
}

impl Engine {
    /// A page of the agent's Recent or Archived list, newest activity first.
    pub async fn list_conversations(
        &self,
        agent: Uuid,
        view: Option<String>,
        after: Option<ListCursor>,
        limit: u32,
    ) -> Result<ListPage> {
        let list = parse_list(view.as_deref())?;
        self.read(move |unit| {
            let mut rows = unit.tx.list_views(agent, list, after.as_ref(), limit + 1)?;
            let more = rows.len() > limit as usize;
            rows.truncate(limit as usize);
            let next = rows.last().filter(|_| more).map(|(conv, _)| ListCursor {
                updated_at: conv.updated_at,
                conversation_id: conv.id,
            });
            let conversations = Presenter::default().conversations(unit.tx, agent, &rows)?;
            Ok(ListPage {
                conversations,
                next,
            })
        })
        .await
    }

    pub async fn conversation(&self, agent: Uuid, id: Uuid) -> Result<Conversation> {
        self.read(move |unit| unit.dto_for(id, agent)).await
    }

    /// Messages older than `before` (a message id of this conversation), oldest first.
    pub async fn messages(
        &self,
        agent: Uuid,
        id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<MessagePage> {
        self.read(move |unit| {
            seen_visible(unit.tx, id, agent)?;
            let before_seq = match before {
                None => None,
                Some(message) => match unit.tx.message(message)? {
                    Some(row) if row.conversation_id == id => Some(row.seq),
                    _ => {
                        return Err(Error::invalid(
                            Field::Before,
                            "before must be the id of a message in this conversation.",
                        ))
                    }
                },
            };
            let rows = unit.tx.messages_before(id, before_seq, limit + 1)?;
            let more = rows.len() > limit as usize;
            let skip = rows.len().saturating_sub(limit as usize);
            let mut messages = Vec::with_capacity(rows.len());
            for row in rows.iter().skip(skip) {
                messages.push(message_dto(unit.tx, row)?);
            }
            Ok(MessagePage { messages, more })
        })
        .await
    }

    /// Reply to a conversation. The same `client_id` twice yields one message.
    pub async fn send(&self, agent: Uuid, id: Uuid, reply: Reply) -> Result<Sent> {
        if reply.body.len() > MAX_BODY_BYTES {
            return Err(Error::MessageTooLarge {
                message: format!("A message may hold at most {MAX_BODY_BYTES} bytes of text."),
            });
        }
        if reply.body.trim().is_empty() && reply.attachments.is_empty() {
            return Err(Error::invalid(
                Field::Body,
                "Write something or attach a file before sending.",
            ));
        }
        let sent = self
            .write(move |unit| unit.reply(agent, id, &reply))
            .await?;
        tracing::info!(
            %agent,
            conversation = %id,
            message_id = %sent.message.id,
            new = sent.created,
            "reply stored"
        );
        Ok(sent)
    }

    /// Send a reply whose delivery failed once more (a provider outage, a reply the server
    /// lost track of when it stopped): it goes back to `pending` and through the queue again.
    /// The channel's rules apply as to a new reply.
    pub async fn resend(&self, agent: Uuid, message: Uuid) -> Result<Message> {
        let resent = self.write(move |unit| unit.resend(agent, message)).await?;
        tracing::info!(%agent, conversation = %resent.conversation_id, message_id = %message, "reply queued again");
        Ok(resent)
    }

    /// Own an unowned chat without replying.
    pub async fn take(&self, agent: Uuid, id: Uuid) -> Result<Conversation> {
        self.write(move |unit| {
            let seen = seen_for_update(unit.tx, id, agent)?;
            let facts = facts(unit.tx, &seen.conv)?;
            if decide_take(&facts, agent, seen.access())? == Claim::Take {
                let mut conv = seen.conv;
                unit.claim(&mut conv, agent)?;
            }
            unit.dto_for(id, agent)
        })
        .await
    }

    /// Give the chat to the colleague with this extension.
    pub async fn transfer(&self, agent: Uuid, id: Uuid, extension: String) -> Result<Conversation> {
        self.write(move |unit| {
            let seen = seen_for_update(unit.tx, id, agent)?;
            seen.visible_view()?;
            let target = enabled_agent(unit.tx, &extension)?;
            let facts = facts(unit.tx, &seen.conv)?;
            decide_transfer(&facts, agent, target.id, seen.access())?;
            let mut conv = seen.conv;
            let was_open = conv.status != ConversationStatus::Resolved;
            conv.owner_id = Some(target.id);
            if conv.status == ConversationStatus::Queued {
                conv.status = ConversationStatus::Open;
            }
            conv.offer_expires_at = None;
            conv.updated_at = unit.now;
            unit.tx.update_conversation(&conv)?;
            unit.tx.set_last_assigned(target.id, unit.now)?;
            for view in unit.tx.views(id)? {
                if view.agent_id != target.id && view.visible() {
                    unit.hide_from(view, "transferred")?;
                }
            }
            // Undo an earlier delete: the colleague must see what was handed to them.
            if let Some(mut view) = unit.tx.view(id, target.id)?.filter(|v| v.deleted) {
                view.deleted = false;
                unit.tx.upsert_view(&view)?;
            }
            let resolved = conv.status == ConversationStatus::Resolved;
            unit.show_to(id, target.id, Relation::Owner, resolved)?;
            if was_open {
                unit.members_changed(agent)?;
            }
            // The caller no longer sees it; answer with what the colleague now has.
            let (conv, view) = seen_visible(unit.tx, id, target.id)?;
            Ok(conversation_dto(unit.tx, &conv, &view)?)
        })
        .await
    }

    /// Resolve and archive. The customer's next message opens a new conversation.
    pub async fn resolve(&self, agent: Uuid, id: Uuid) -> Result<Conversation> {
        self.write(move |unit| {
            let seen = seen_for_update(unit.tx, id, agent)?;
            let facts = facts(unit.tx, &seen.conv)?;
            let resolution = decide_resolve(&facts, agent, seen.access())?;
            let Resolution::Resolve { claim } = resolution else {
                return unit.dto_for(id, agent);
            };
            let mut conv = seen.conv;
            if claim == Claim::Take {
                unit.claim(&mut conv, agent)?;
            }
            conv.status = ConversationStatus::Resolved;
            conv.resolved_at = Some(unit.now);
            conv.offer_expires_at = None;
            conv.updated_at = unit.now;
            unit.tx.update_conversation(&conv)?;
            unit.show_to(id, agent, Relation::Owner, true)?;
            unit.members_changed(agent)?;
            unit.dto_for(id, agent)
        })
        .await
    }

    /// Move between Recent and Archived, for this agent only.
    pub async fn set_archived(
        &self,
        agent: Uuid,
        id: Uuid,
        archived: bool,
    ) -> Result<Conversation> {
        self.write(move |unit| {
            let seen = seen_for_update(unit.tx, id, agent)?;
            let mut view = seen.visible_view()?.clone();
            if view.archived != archived {
                view.archived = archived;
                unit.tx.upsert_view(&view)?;
                unit.emit(agent, event_types::CONVERSATION_UPSERTED, Some(id), None);
            }
            unit.dto_for(id, agent)
        })
        .await
    }

    /// Hide from this agent's lists for good; the history stays for everyone else.
    pub async fn delete(&self, agent: Uuid, id: Uuid) -> Result<()> {
        self.write(move |unit| {
            let seen = seen_for_update(unit.tx, id, agent)?;
            let facts = facts(unit.tx, &seen.conv)?;
            decide_delete(&facts, agent, seen.access())?;
            let mut view = seen.visible_view()?.clone();
            view.deleted = true;
            unit.tx.upsert_view(&view)?;
            let data = switchboard_protocol::RemovedData {
                id,
                reason: "deleted".into(),
            };
            unit.emit(
                agent,
                event_types::CONVERSATION_REMOVED,
                Some(id),
                Some(serde_json::to_value(data).expect("plain struct")),
            );
            Ok(())
        })
        .await
    }

    /// Everything up to this message is read.
    pub async fn mark_read(&self, agent: Uuid, id: Uuid, up_to: Uuid) -> Result<Conversation> {
        self.write(move |unit| {
            let seen = seen_for_update(unit.tx, id, agent)?;
            let mut view = seen.visible_view()?.clone();
            let message = unit
                .tx
                .message(up_to)?
                .filter(|m| m.conversation_id == id)
                .ok_or(Error::NotFound(Missing::Message))?;
            if message.seq > view.last_read_seq {
                view.last_read_seq = message.seq;
                unit.tx.upsert_view(&view)?;
                unit.emit(agent, event_types::CONVERSATION_UPSERTED, Some(id), None);
            }
            unit.dto_for(id, agent)
        })
        .await
    }

    /// Start an internal chat with colleagues.
    pub async fn create_internal_chat(
        &self,
        agent: Uuid,
        extensions: Vec<String>,
        title: Option<String>,
    ) -> Result<Conversation> {
        let title = title
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        if title.as_ref().is_some_and(|t| t.chars().count() > 200) {
            return Err(Error::invalid(
                Field::Title,
                "A title may have at most 200 characters.",
            ));
        }
        self.write(move |unit| {
            let me = unit.tx.agent(agent)?.ok_or(Error::SignedOut)?;
            let mut members = vec![me.clone()];
            for extension in &extensions {
                let found = enabled_agent(unit.tx, extension)?;
                if !members.iter().any(|m| m.id == found.id) {
                    members.push(found);
                }
            }
            if members.len() < 2 {
                return Err(Error::invalid(
                    Field::Extensions,
                    "Name at least one colleague (other than yourself) in extensions.",
                ));
            }
            let display_name = title.clone().unwrap_or_else(|| {
                members
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            });
            let conv = ConversationRow {
                id: Uuid::now_v7(),
                channel: ChannelKind::Internal,
                channel_id: "internal".into(),
                status: ConversationStatus::Open,
                queue_id: None,
                owner_id: None,
                identity: None,
                display_name,
                contact_id: None,
                title: title.clone(),
                offer_round: 0,
                offer_expires_at: None,
                last_seq: 0,
                last_message_id: None,
                created_at: unit.now,
                updated_at: unit.now,
                answered_at: None,
                resolved_at: None,
                last_inbound_at: None,
            };
            unit.tx.insert_conversation(&conv)?;
            for member in &members {
                unit.show_to(conv.id, member.id, Relation::Participant, false)?;
            }
            unit.dto_for(conv.id, agent)
        })
        .await
    }
}

/// The agent with this extension who may still work (a disabled one is not found).
fn enabled_agent(tx: &mut dyn Tx, extension: &str) -> Result<AgentRow> {
    tx.agent_by_extension(extension.trim())?
        .filter(|agent| agent.disabled_at.is_none())
        .ok_or_else(|| Error::NotFound(Missing::Extension(extension.trim().into())))
}
