//! Website live chat: visitor sessions, the visitor's view of their chat, ending a session,
//! and blocking a visitor's address.
//!
//! A visitor is the customer identity `livechat` + visitor id. Their messages enter through
//! [`Engine::ingest`] like any channel's; what agents write reaches the visitor's stream
//! through the notifier (keyed by the visitor id).

use std::time::Instant;

use chrono::Duration;
use switchboard_domain::permissions::can_manage_blocks;
use switchboard_protocol::{
    event_types, Block, ChannelKind, ConversationStatus, Direction, Identity, MessageStatus,
    VisitorInfo, VisitorMessage, VisitorPage,
};
use uuid::Uuid;

use super::actions::NewMessage;
use super::present::{agent_dto, seen_for_update, seen_visible};
use super::{ChannelRule, Engine, Error, Field, Inbound, Missing, Result, Right, Unit};
use crate::auth;
use crate::store::{AgentRow, BlockRow, ConversationRow, MessageRow, Typing, VisitorRow};

/// How long a visitor's token lives without a visit.
const VISITOR_TOKEN_DAYS: i64 = 30;
/// How many messages a visitor's page holds at most.
pub const VISITOR_PAGE_LIMIT: u32 = 1000;
/// How long an agent's "typing" shows.
pub const TYPING_SECONDS: u64 = 5;
/// The longest timed block: ten years. Longer ones are refused (leave the duration out for a
/// block with no end) rather than overflowing a date.
pub const MAX_BLOCK_SECONDS: i64 = 10 * 366 * 24 * 60 * 60;

/// A visitor's session as the widget gets it.
#[derive(Debug, Clone)]
pub struct VisitorSession {
    pub token: String,
    pub visitor: VisitorRow,
    pub ended: bool,
}

/// Where the visitor is, for their session.
#[derive(Debug, Clone, Default)]
pub struct VisitorDetails {
    pub name: Option<String>,
    pub email: Option<String>,
    pub language: Option<String>,
    pub ip: String,
    pub user_agent: String,
}

fn not_livechat(action: &'static str) -> Error {
    Error::ChannelRule(ChannelRule::NotLivechat { action })
}

fn visitor_identity(visitor: &VisitorRow) -> Identity {
    Identity {
        kind: ChannelKind::Livechat,
        value: visitor.id.to_string(),
    }
}

fn display_name(visitor: &VisitorRow) -> String {
    match &visitor.name {
        Some(name) if !name.trim().is_empty() => name.clone(),
        _ => format!("Visitor {}", &visitor.id.simple().to_string()[24..]),
    }
}

/// The longest name a visitor may give.
pub const MAX_VISITOR_NAME_CHARS: usize = 100;

fn clean(value: Option<String>, max: usize) -> Option<String> {
    value
        .map(|v| {
            v.trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(max)
                .collect::<String>()
        })
        .filter(|v| !v.is_empty())
}

impl Unit<'_> {
    /// Each of the visitor's conversations with the cursor offset of its messages.
    fn visitor_conversations(
        &mut self,
        visitor: &VisitorRow,
    ) -> Result<Vec<(ConversationRow, i64)>> {
        let mut offset = 0;
        let mut out = Vec::new();
        for conv in self
            .tx
            .conversations_with_identity(&visitor_identity(visitor))?
        {
            if conv.channel_id != visitor.channel_id {
                continue;
            }
            let last = conv.last_seq;
            out.push((conv, offset));
            offset += last;
        }
        Ok(out)
    }

    fn visitor_message(&mut self, row: &MessageRow, offset: i64) -> Result<VisitorMessage> {
        let (author, agent_name) = match (row.direction, row.author_agent_id) {
            (Direction::Inbound, _) => ("visitor", None),
            (_, Some(agent)) => ("agent", self.tx.agent(agent)?.map(|a| a.name)),
            _ => ("system", None),
        };
        let client_id = row
            .provider_message_id
            .as_deref()
            .and_then(|p| p.rsplit(':').next())
            .and_then(|c| Uuid::parse_str(c).ok())
            .filter(|_| row.direction == Direction::Inbound);
        Ok(VisitorMessage {
            id: row.id,
            client_id,
            author: author.into(),
            agent_name,
            body: row.body.clone(),
            attachments: row.attachments.clone(),
            created_at: row.created_at,
            cursor: offset + row.seq,
        })
    }

    /// Messages after `after` across the visitor's conversations; with no cursor, the whole
    /// current conversation.
    pub(super) fn visitor_page(
        &mut self,
        visitor: &VisitorRow,
        after: Option<i64>,
    ) -> Result<VisitorPage> {
        let conversations = self.visitor_conversations(visitor)?;
        let mut messages = Vec::new();
        let mut cursor = after.unwrap_or(0);
        let current = conversations.last().map(|(c, _)| c.id);
        for (conv, offset) in &conversations {
            let wanted = match after {
                None => Some(conv.id) == current,
                Some(after) => offset + conv.last_seq > after,
            };
            if !wanted {
                cursor = cursor.max(offset + conv.last_seq).max(after.unwrap_or(0));
                continue;
            }
            // What is new only: a wake-up costs what it brings, not a reload of the chat.
            let rows = match after {
                None => self.tx.messages_before(conv.id, None, VISITOR_PAGE_LIMIT)?,
                Some(after) => {
                    self.tx
                        .messages_after(conv.id, after - offset, VISITOR_PAGE_LIMIT)?
                }
            };
            let full = after.is_some() && rows.len() >= VISITOR_PAGE_LIMIT as usize;
            for row in rows {
                messages.push(self.visitor_message(&row, *offset)?);
            }
            if full {
                // More follow: the next page starts after the last one given here.
                cursor = messages.last().map_or(cursor, |m| m.cursor);
                break;
            }
            cursor = cursor.max(offset + conv.last_seq).max(after.unwrap_or(0));
        }
        let ended = conversations
            .last()
            .is_some_and(|(c, _)| c.status == ConversationStatus::Resolved);
        Ok(VisitorPage {
            messages,
            cursor,
            ended,
        })
    }

    /// A system note in the conversation, e.g. that the chat ended.
    fn note(&mut self, conv: &mut ConversationRow, body: String) -> Result<()> {
        self.append_message(
            conv,
            NewMessage {
                client_id: None,
                provider_message_id: None,
                direction: Direction::Outbound,
                author_agent_id: None,
                author_name: String::new(),
                body,
                attachments: Vec::new(),
                status: MessageStatus::Sent,
            },
        )?;
        Ok(())
    }

    /// End a live chat: the visitor is told, the conversation is resolved and archived.
    fn end_livechat(&mut self, agent: &AgentRow, id: Uuid) -> Result<ConversationRow> {
        let seen = seen_for_update(self.tx, id, agent.id)?;
        seen.visible_view()?;
        let mut conv = seen.conv;
        if conv.channel != ChannelKind::Livechat {
            return Err(not_livechat("ended"));
        }
        if conv.status == ConversationStatus::Resolved {
            return Ok(conv);
        }
        if conv.owner_id.is_none() {
            self.claim(&mut conv, agent.id)?;
        } else if conv.owner_id != Some(agent.id) {
            return Err(Error::NotFound(Missing::Conversation));
        }
        // The note is for the visitor: in their language.
        let portuguese = visitor_of(&conv)
            .map(|v| self.tx.visitor(v))
            .transpose()?
            .flatten()
            .and_then(|v| v.language)
            .is_some_and(|l| l.to_lowercase().starts_with("pt"));
        let note = if portuguese {
            format!("{} encerrou a conversa.", agent.name)
        } else {
            format!("{} ended the chat.", agent.name)
        };
        self.note(&mut conv, note)?;
        conv.status = ConversationStatus::Resolved;
        conv.resolved_at = Some(self.now);
        conv.offer_expires_at = None;
        conv.updated_at = self.now;
        self.tx.update_conversation(&conv)?;
        self.show_to(id, agent.id, crate::store::Relation::Owner, true)?;
        self.members_changed(agent.id)?;
        Ok(conv)
    }
}

/// The visitor id behind a live-chat conversation.
fn visitor_of(conv: &ConversationRow) -> Option<Uuid> {
    conv.identity
        .as_ref()
        .filter(|i| i.kind == ChannelKind::Livechat)
        .and_then(|i| Uuid::parse_str(&i.value).ok())
}

impl Engine {
    /// Start or resume a visitor's session. A valid token is kept and its life extended;
    /// anything else starts a new visitor.
    pub async fn visitor_session(
        &self,
        channel_id: String,
        token: Option<String>,
        details: VisitorDetails,
    ) -> Result<VisitorSession> {
        self.write(move |unit| {
            let existing = match &token {
                Some(token) => {
                    unit.tx
                        .visitor_by_token(&channel_id, &auth::token_hash(token), unit.now)?
                }
                None => None,
            };
            let (token, mut visitor) = match (existing, &token) {
                (Some(visitor), Some(token)) => (token.clone(), visitor),
                _ => {
                    let token = auth::new_token();
                    let visitor = VisitorRow {
                        id: Uuid::now_v7(),
                        channel_id: channel_id.clone(),
                        token_hash: auth::token_hash(&token),
                        token_expires_at: unit.now,
                        name: None,
                        email: None,
                        ip: String::new(),
                        user_agent: String::new(),
                        language: None,
                        created_at: unit.now,
                        last_seen_at: unit.now,
                    };
                    (token, visitor)
                }
            };
            visitor.token_expires_at = unit.now + Duration::days(VISITOR_TOKEN_DAYS);
            visitor.last_seen_at = unit.now;
            visitor.ip = details.ip.clone();
            visitor.user_agent = details.user_agent.chars().take(400).collect();
            if let Some(name) = clean(details.name.clone(), MAX_VISITOR_NAME_CHARS + 1) {
                if name.chars().count() > MAX_VISITOR_NAME_CHARS {
                    return Err(Error::invalid(
                        Field::Visitor,
                        format!("name: at most {MAX_VISITOR_NAME_CHARS} characters, please."),
                    ));
                }
                visitor.name = Some(name);
            }
            if let Some(email) = details.email.as_deref().filter(|e| !e.trim().is_empty()) {
                let normal =
                    switchboard_domain::contacts::normalize_email(email).ok_or_else(|| {
                        Error::invalid(
                            Field::Visitor,
                            "email: this is not an e-mail address; write it like name@example.com.",
                        )
                    })?;
                visitor.email = Some(normal);
            }
            if let Some(language) = clean(details.language.clone(), 35) {
                visitor.language = Some(language);
            }
            unit.tx.upsert_visitor(&visitor)?;
            let ended = unit
                .tx
                .latest_conversation_for(&visitor.channel_id, &visitor.id.to_string())?
                .is_some_and(|c| c.status == ConversationStatus::Resolved);
            Ok(VisitorSession {
                token,
                visitor,
                ended,
            })
        })
        .await
    }

    /// The visitor a token belongs to.
    pub async fn visitor_by_token(&self, channel_id: String, token: String) -> Result<VisitorRow> {
        self.read(move |unit| {
            unit.tx
                .visitor_by_token(&channel_id, &auth::token_hash(&token), unit.now)?
                .ok_or(Error::VisitorSessionExpired)
        })
        .await
    }

    pub async fn visitor_messages(
        &self,
        visitor: VisitorRow,
        after: Option<i64>,
    ) -> Result<VisitorPage> {
        self.read(move |unit| unit.visitor_page(&visitor, after))
            .await
    }

    /// Like [`Engine::visitor_messages`] for the visitor's live stream, with the session checked
    /// in the same read: [`Error::VisitorSessionExpired`] once it ended, else the page and when
    /// the session ends now (a visitor's session is extended while they use it).
    pub async fn visitor_stream_page(
        &self,
        visitor: VisitorRow,
        after: i64,
    ) -> Result<(VisitorPage, chrono::DateTime<chrono::Utc>)> {
        self.read(move |unit| {
            let current = unit
                .tx
                .visitor_by_token(&visitor.channel_id, &visitor.token_hash, unit.now)?
                .ok_or(Error::VisitorSessionExpired)?;
            let page = unit.visitor_page(&current, Some(after))?;
            Ok((page, current.token_expires_at))
        })
        .await
    }

    /// Whether the visitor's next message opens a new conversation (none is open).
    pub async fn visitor_opens_conversation(&self, visitor: &VisitorRow) -> Result<bool> {
        let (channel, sender) = (visitor.channel_id.clone(), visitor.id.to_string());
        self.read(move |unit| Ok(unit.tx.open_conversation_for(&channel, &sender)?.is_none()))
            .await
    }

    /// Files the visitor uploaded in the last hour.
    pub async fn visitor_uploads_last_hour(&self, visitor: Uuid) -> Result<u32> {
        self.read(move |unit| {
            let since = unit.now - Duration::hours(1);
            Ok(unit.tx.visitor_uploads_since(visitor, since)?)
        })
        .await
    }

    /// A visitor writes. The same `client_id` twice is one message; after an ended chat the
    /// message opens a new conversation.
    pub async fn visitor_send(
        &self,
        visitor: VisitorRow,
        client_id: Uuid,
        body: String,
        attachments: Vec<Uuid>,
    ) -> Result<(VisitorMessage, bool)> {
        if body.len() > super::MAX_BODY_BYTES {
            return Err(Error::MessageTooLarge {
                message: "The message is too long.".into(),
            });
        }
        if body.trim().is_empty() && attachments.is_empty() {
            return Err(Error::invalid(
                Field::Body,
                "Write something before sending.",
            ));
        }
        let files = {
            let visitor = visitor.clone();
            let attachments = attachments.clone();
            self.read(move |unit| {
                for id in &attachments {
                    let owned = unit.tx.attachment(*id)?.is_some_and(|a| {
                        a.visitor_id == Some(visitor.id) && a.message_id.is_none()
                    });
                    if !owned {
                        return Err(Error::invalid(
                            Field::Attachments,
                            "That file was not uploaded in this chat; attach it again.",
                        ));
                    }
                }
                Ok(attachments.clone())
            })
            .await?
        };
        let outcome = self
            .ingest(Inbound {
                channel_id: visitor.channel_id.clone(),
                sender: visitor.id.to_string(),
                display_name: display_name(&visitor),
                provider_message_id: Some(format!("visitor:{}:{client_id}", visitor.id)),
                body,
                attachments: files,
                sent_at: None,
                consent: None,
            })
            .await?;
        let created = !outcome.duplicate;
        self.read(move |unit| {
            let row = unit
                .tx
                .message(outcome.message_id)?
                .ok_or(Error::NotFound(Missing::Message))?;
            let offset = unit
                .visitor_conversations(&visitor)?
                .into_iter()
                .find(|(c, _)| c.id == row.conversation_id)
                .map_or(0, |(_, offset)| offset);
            Ok((unit.visitor_message(&row, offset)?, created))
        })
        .await
    }

    /// The visitor is typing: agents who see the chat get a `typing` event.
    pub async fn visitor_typing(&self, visitor: VisitorRow) -> Result<()> {
        // Agents show "typing" for a few seconds; passing it on more often than every
        // `TYPING_SECONDS / 2` only fills their event logs.
        {
            let mut last = self
                .visitor_typing
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let every = std::time::Duration::from_millis(TYPING_SECONDS * 500);
            if last.get(&visitor.id).is_some_and(|at| at.elapsed() < every) {
                return Ok(());
            }
            if last.len() >= 10_000 {
                last.retain(|_, at| at.elapsed() < every);
            }
            last.insert(visitor.id, Instant::now());
        }
        self.write(move |unit| {
            let Some(conv) = unit.tx.latest_conversation_for(&visitor.channel_id, &visitor.id.to_string())? else {
                return Ok(());
            };
            if conv.status == ConversationStatus::Resolved {
                return Ok(());
            }
            // Only the agent answering the chat needs to know: a chat still offered to a whole
            // queue has nobody typing back yet, and its typing would fill every offered
            // agent's log.
            let Some(owner) = conv.owner_id else {
                return Ok(());
            };
            if unit.tx.view(conv.id, owner)?.is_some_and(|v| v.visible()) {
                let data = serde_json::json!({"conversation_id": conv.id, "who": "contact", "name": display_name(&visitor)});
                unit.emit(owner, event_types::TYPING, Some(conv.id), Some(data));
            }
            Ok(())
        })
        .await
    }

    /// An agent is typing in a live chat: the visitor sees it for a few seconds, whichever
    /// node their page is connected to.
    pub async fn agent_typing(&self, agent: Uuid, id: Uuid) -> Result<()> {
        let job = move |unit: &mut Unit| {
            let (conv, _) = seen_visible(unit.tx, id, agent)?;
            let visitor = visitor_of(&conv).ok_or_else(|| not_livechat("typed in by visitors"))?;
            let name = unit.tx.agent(agent)?.map(|a| a.name).unwrap_or_default();
            unit.typing.push(Typing {
                visitor,
                agent_name: name.clone(),
            });
            Ok((visitor, name))
        };
        // Other nodes hear of it through a (write) transaction's announcement.
        let (visitor, name) = if self.store.shared() {
            self.write(job).await?
        } else {
            self.read(job).await?
        };
        self.typing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(visitor, (name, Instant::now()));
        self.notifier().notify(visitor);
        Ok(())
    }

    /// The agent typing to this visitor right now, if any.
    pub fn typing_for(&self, visitor: Uuid) -> Option<(String, Instant)> {
        let typing = self.typing.lock().unwrap_or_else(|p| p.into_inner());
        typing
            .get(&visitor)
            .filter(|(_, at)| at.elapsed().as_secs() < TYPING_SECONDS)
            .cloned()
    }

    /// "End chat session": the visitor is told the chat ended.
    pub async fn end_session(&self, agent: AgentRow, id: Uuid) -> Result<()> {
        self.write(move |unit| {
            unit.end_livechat(&agent, id)?;
            Ok(())
        })
        .await
    }

    /// "Block anonymous user": the visitor's address can no longer open the chat.
    pub async fn block_visitor(
        &self,
        agent: AgentRow,
        id: Uuid,
        duration_s: Option<i64>,
        reason: Option<String>,
    ) -> Result<Block> {
        if duration_s.is_some_and(|d| d <= 0 || d > MAX_BLOCK_SECONDS) {
            return Err(Error::invalid(
                Field::DurationS,
                format!(
                    "duration_s must be a positive number of seconds up to {MAX_BLOCK_SECONDS} \
                     (ten years), or left out for a block with no end."
                ),
            ));
        }
        self.write(move |unit| {
            let (conv, _) = seen_visible(unit.tx, id, agent.id)?;
            let visitor_id = visitor_of(&conv).ok_or_else(|| not_livechat("blocked"))?;
            let visitor = unit
                .tx
                .visitor(visitor_id)?
                .ok_or(Error::NotFound(Missing::Visitor))?;
            let block = BlockRow {
                id: Uuid::now_v7(),
                ip: visitor
                    .ip
                    .parse()
                    .map_or_else(|_| visitor.ip.clone(), auth::block_key),
                reason: clean(reason.clone(), 500),
                blocked_by: agent.id,
                conversation_id: Some(id),
                created_at: unit.now,
                expires_at: duration_s.map(|d| unit.now + Duration::seconds(d)),
            };
            unit.tx.insert_block(&block)?;
            unit.end_livechat(&agent, id)?;
            Ok(Block {
                id: block.id,
                ip: block.ip,
                reason: block.reason,
                blocked_by: agent_dto(&agent),
                conversation_id: block.conversation_id,
                created_at: block.created_at,
                expires_at: block.expires_at,
            })
        })
        .await
    }

    /// The block in force for an address, if any.
    /// The block in force for this client address: of its /64 network for IPv6 (see
    /// [`auth::block_key`]), or of the exact address (blocks written before networks were).
    pub async fn active_block(&self, ip: std::net::IpAddr) -> Result<Option<BlockRow>> {
        self.read(move |unit| {
            let network = auth::block_key(ip);
            match unit.tx.active_block(&network, unit.now)? {
                Some(block) => Ok(Some(block)),
                None if network != ip.to_string() => {
                    Ok(unit.tx.active_block(&ip.to_string(), unit.now)?)
                }
                None => Ok(None),
            }
        })
        .await
    }

    pub async fn blocks(&self, agent: AgentRow) -> Result<Vec<Block>> {
        ensure_block_manager(&agent)?;
        self.read(move |unit| {
            let mut out = Vec::new();
            for row in unit.tx.blocks(unit.now)? {
                let Some(by) = unit.tx.agent(row.blocked_by)? else {
                    continue;
                };
                out.push(Block {
                    id: row.id,
                    ip: row.ip,
                    reason: row.reason,
                    blocked_by: agent_dto(&by),
                    conversation_id: row.conversation_id,
                    created_at: row.created_at,
                    expires_at: row.expires_at,
                });
            }
            Ok(out)
        })
        .await
    }

    pub async fn unblock(&self, agent: AgentRow, id: Uuid) -> Result<()> {
        ensure_block_manager(&agent)?;
        self.write(move |unit| {
            if unit.tx.delete_block(id)? {
                Ok(())
            } else {
                Err(Error::NotFound(Missing::Block))
            }
        })
        .await
    }

    /// What the Info panel shows about a live-chat visitor.
    pub async fn visitor_info(&self, agent: Uuid, id: Uuid) -> Result<VisitorInfo> {
        self.read(move |unit| {
            let (conv, _) = seen_visible(unit.tx, id, agent)?;
            let visitor_id =
                visitor_of(&conv).ok_or_else(|| not_livechat("asked about their visitor"))?;
            let v = unit
                .tx
                .visitor(visitor_id)?
                .ok_or(Error::NotFound(Missing::Visitor))?;
            Ok(VisitorInfo {
                visitor_id: v.id,
                name: v.name,
                email: v.email,
                ip: v.ip,
                user_agent: v.user_agent,
                language: v.language,
                first_seen_at: v.created_at,
                last_seen_at: v.last_seen_at,
            })
        })
        .await
    }

    /// A file the visitor may download: their own upload, or one in their conversations.
    pub async fn visitor_attachment(
        &self,
        visitor: VisitorRow,
        id: Uuid,
    ) -> Result<crate::store::AttachmentRow> {
        self.read(move |unit| {
            let row = unit
                .tx
                .attachment(id)?
                .ok_or(Error::NotFound(Missing::Attachment))?;
            let allowed = row.visitor_id == Some(visitor.id)
                || match row.conversation_id {
                    Some(conv) => unit
                        .tx
                        .conversation(conv)?
                        .is_some_and(|c| visitor_of(&c) == Some(visitor.id)),
                    None => false,
                };
            if allowed {
                Ok(row)
            } else {
                Err(Error::NotFound(Missing::Attachment))
            }
        })
        .await
    }
}

fn ensure_block_manager(agent: &AgentRow) -> Result<()> {
    if can_manage_blocks(agent.role) {
        Ok(())
    } else {
        Err(Error::Forbidden(Right::ManageBlocks))
    }
}
