//! Wire types of the Switchboard agent API and sync protocol (CONTRACT.md §4–5).
//!
//! Serde only: no rules and no I/O live here. The server, the desktop client and outside test
//! suites share these types, so a field renamed here is a contract change.

pub mod error_code;
pub use error_code::ErrorCode;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Channel kinds a conversation can come from. `Internal` is agent-to-agent chat.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Livechat,
    Whatsapp,
    Facebook,
    Sms,
    Internal,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Livechat => "livechat",
            ChannelKind::Whatsapp => "whatsapp",
            ChannelKind::Facebook => "facebook",
            ChannelKind::Sms => "sms",
            ChannelKind::Internal => "internal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "livechat" => ChannelKind::Livechat,
            "whatsapp" => ChannelKind::Whatsapp,
            "facebook" => ChannelKind::Facebook,
            "sms" => ChannelKind::Sms,
            "internal" => ChannelKind::Internal,
            _ => return None,
        })
    }
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    Manager,
    GroupOwner,
    SystemOwner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Manager => "manager",
            Role::GroupOwner => "group_owner",
            Role::SystemOwner => "system_owner",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "agent" => Role::Agent,
            "manager" => Role::Manager,
            "group_owner" => Role::GroupOwner,
            "system_owner" => Role::SystemOwner,
            _ => return None,
        })
    }
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Available,
    Away,
    Dnd,
}

impl Presence {
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Available => "available",
            Presence::Away => "away",
            Presence::Dnd => "dnd",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "available" => Presence::Available,
            "away" => Presence::Away,
            "dnd" => Presence::Dnd,
            _ => return None,
        })
    }
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub id: Uuid,
    pub extension: String,
    pub name: String,
    /// Always written (`null` when unknown); a missing one reads as `None`, so TypeScript may
    /// leave it out.
    #[cfg_attr(any(test, feature = "ts"), ts(optional = nullable))]
    pub email: Option<String>,
    pub role: Role,
    pub presence: Presence,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    Queued,
    Open,
    Resolved,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Queued => "queued",
            ConversationStatus::Open => "open",
            ConversationStatus::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => ConversationStatus::Queued,
            "open" => ConversationStatus::Open,
            "resolved" => ConversationStatus::Resolved,
            _ => return None,
        })
    }
}

/// Who a customer is on a channel: a phone number, a WhatsApp id, a Messenger PSID, a visitor id.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    pub kind: ChannelKind,
    pub value: String,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationContact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    pub display_name: String,
    pub known: bool,
    /// `None` for internal chats, which have participants instead of a customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: Uuid,
    pub channel: ChannelKind,
    pub channel_id: String,
    pub status: ConversationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Agent>,
    pub contact: ConversationContact,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<Message>,
    pub unread: u32,
    pub archived: bool,
    /// Internal chats: title given at creation, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Internal chats: every participant, the creator included.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<Agent>,
    /// WhatsApp and Messenger: free text is refused after this (24 h after the customer's
    /// last message; 7 days on a Messenger channel allowed the `HUMAN_AGENT` tag) until the
    /// customer writes again. WhatsApp templates are still accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_window_ends_at: Option<DateTime<Utc>>,
    /// SMS: when the customer texted a stop keyword (STOP, PARAR…) or the carrier reported the
    /// number opted out; nothing may be sent to it until they text a start keyword (START…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opted_out_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
    Internal,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Internal => "internal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "inbound" => Direction::Inbound,
            "outbound" => Direction::Outbound,
            "internal" => Direction::Internal,
            _ => return None,
        })
    }
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Pending,
    Sent,
    Delivered,
    Read,
    Failed,
}

impl MessageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Pending => "pending",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Read => "read",
            MessageStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => MessageStatus::Pending,
            "sent" => MessageStatus::Sent,
            "delivered" => MessageStatus::Delivered,
            "read" => MessageStatus::Read,
            "failed" => MessageStatus::Failed,
            _ => return None,
        })
    }
}

/// The author of a message: an agent, or the customer on the conversation's channel.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Author {
    Agent {
        id: Uuid,
        extension: String,
        name: String,
    },
    Contact {
        display_name: String,
    },
    System,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub id: Uuid,
    pub filename: String,
    pub mime: String,
    pub size: u64,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: Uuid,
    pub conversation_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<Uuid>,
    pub direction: Direction,
    pub author: Author,
    pub body: String,
    pub attachments: Vec<AttachmentRef>,
    pub status: MessageStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// SMS replies: how many segments the text takes and in which encoding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<SmsInfo>,
    pub created_at: DateTime<Utc>,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsInfo {
    pub segments: u32,
    /// `GSM-7` or `UCS-2`.
    pub encoding: String,
}

// ----- requests -----

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    pub agent: Agent,
    /// The password is a temporary one an administrator set: every call but `GET /me`,
    /// `PUT /me/password` and `DELETE /session` answers `403 password_change_required` until
    /// the agent chooses a new one.
    #[serde(default)]
    pub must_change_password: bool,
}

/// `PUT /me/password`: the agent's own new password; other sessions end.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PresenceRequest {
    pub presence: Presence,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendMessageRequest {
    pub client_id: Uuid,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub attachments: Vec<Uuid>,
}

/// A WhatsApp message template Meta approved for the channel's business account: the one kind
/// of message WhatsApp delivers once the 24-hour window after the customer's last message has
/// closed (and a formal opening while it is open).
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatsAppTemplate {
    pub name: String,
    /// Meta's language code: `pt_BR`, `en_US`, `es`.
    pub language: String,
    /// `UTILITY`, `MARKETING` or `AUTHENTICATION`.
    pub category: String,
    /// The header's text, with its variables (`{{1}}`).
    pub header: Option<String>,
    /// The body's text, with its variables (`{{1}}`, `{{customer_name}}`).
    pub body: String,
    pub footer: Option<String>,
    /// The buttons' labels, as the customer will see them.
    pub buttons: Vec<String>,
    /// What the agent fills in, in order: `header.1`, `body.1`, `body.customer_name`.
    pub parameters: Vec<TemplateParameter>,
}

/// One variable of a [`WhatsAppTemplate`].
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateParameter {
    /// `header.1`, `body.2`, `body.customer_name`: the key of its value in
    /// [`SendTemplateRequest::parameters`].
    pub key: String,
    /// The example Meta was shown when the template was approved, if any.
    pub example: Option<String>,
}

/// `GET /channels/{id}/whatsapp-templates`: the approved templates, by name then language.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WhatsAppTemplateList {
    pub templates: Vec<WhatsAppTemplate>,
}

/// `POST /conversations/{id}/whatsapp-template`: send an approved template, its variables
/// filled. Idempotent on `client_id`, like replies.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendTemplateRequest {
    pub client_id: Uuid,
    pub name: String,
    pub language: String,
    /// A value for each of the template's parameters, by key (`body.1`).
    #[serde(default)]
    pub parameters: std::collections::BTreeMap<String, String>,
}

/// A channel an agent may start a chat on, as `GET /channels` lists it.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSummary {
    pub id: String,
    pub kind: ChannelKind,
}

/// `GET /channels`: the enabled SMS and WhatsApp channels, by id — the ones a chat can be
/// started on (`POST /conversations`).
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChannelList {
    pub channels: Vec<ChannelSummary>,
}

/// An approved WhatsApp template to send, its variables filled.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateChoice {
    pub name: String,
    pub language: String,
    /// A value for each of the template's parameters, by key (`body.1`).
    #[serde(default)]
    pub parameters: std::collections::BTreeMap<String, String>,
}

/// `POST /conversations`: an agent starts a chat with a customer on an SMS or WhatsApp
/// channel — to a contact (`contact_id`: its identity of the channel's kind) or a number
/// (`address`). SMS starts with `body`; WhatsApp only with an approved `template`, since the
/// customer has not written. When an open chat with that customer on that channel exists, the
/// message goes there instead of a new one. Idempotent on `client_id`, like replies.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartConversationRequest {
    pub client_id: Uuid,
    pub channel_id: String,
    #[serde(default)]
    #[cfg_attr(any(test, feature = "ts"), ts(optional))]
    pub contact_id: Option<Uuid>,
    /// A phone number in E.164 (`+5511987654321`).
    #[serde(default)]
    #[cfg_attr(any(test, feature = "ts"), ts(optional))]
    pub address: Option<String>,
    #[serde(default)]
    #[cfg_attr(any(test, feature = "ts"), ts(optional))]
    pub body: Option<String>,
    #[serde(default)]
    #[cfg_attr(any(test, feature = "ts"), ts(optional))]
    pub template: Option<TemplateChoice>,
}

/// The answer to `POST /conversations`: 201 when a chat was started, 200 when the message went
/// into the customer's open chat on that channel (or `client_id` was seen before).
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StartedConversation {
    pub conversation: Conversation,
    pub message: Message,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TransferRequest {
    pub extension: String,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadRequest {
    pub up_to: Uuid,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InternalChatRequest {
    pub extensions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConversationList {
    /// Newest activity first.
    pub conversations: Vec<Conversation>,
    /// Pass as `after` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessagePage {
    /// Oldest first.
    pub messages: Vec<Message>,
    /// True when older messages exist before the first one returned.
    pub more: bool,
}

/// One page of `GET /api/v1/history`: messages of every conversation the caller sees, in a
/// stable order (by conversation id, then oldest first within each conversation), for a
/// client's first full load. A conversation's messages may continue on the next page.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryPage {
    pub messages: Vec<Message>,
    /// Pass as `after` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgentList {
    pub agents: Vec<Agent>,
}

/// A queue I am a member of: `GET /me/queues` (to choose a sound per queue, say).
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueSummary {
    pub id: String,
    pub name: String,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueueList {
    /// By name.
    pub queues: Vec<QueueSummary>,
}

// ----- administration (CONTRACT §8, `/api/v1/admin`) -----

/// Whether a write-only secret is set; secrets themselves are never answered.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretState {
    pub set: bool,
}

/// An agent as administrators see it.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAgent {
    pub id: Uuid,
    pub extension: String,
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
    /// The queues the agent answers, by id, in name order.
    pub queues: Vec<String>,
    /// Disabled agents cannot sign in; their name stays on history.
    pub disabled: bool,
    /// Declared in the configuration file, which rules it: read-only here (`409 provisioned`).
    pub provisioned: bool,
    /// An administrator set a temporary password the agent has not replaced yet.
    pub must_change_password: bool,
    pub password: SecretState,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdminAgentList {
    /// By extension.
    pub agents: Vec<AdminAgent>,
}

/// `POST /admin/agents` (every field) and `PUT /admin/agents/{extension}` (what changes), in
/// the configuration file's shape. A password given here is temporary: the agent chooses a new
/// one at the next sign-in.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentRequest {
    #[serde(default)]
    pub extension: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// `null` or `""` removes the e-mail.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub password: Option<String>,
}

/// `POST /admin/agents/{extension}/disable`: the chats the agent owns go back to their queue,
/// or to the colleague with this extension.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisableAgentRequest {
    #[serde(default)]
    pub transfer_to: Option<String>,
}

/// `POST /admin/agents/{extension}/password`: a temporary password.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    pub password: String,
}

/// A queue as administrators see it.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminQueue {
    pub id: String,
    pub name: String,
    /// `ring_all`, `hunt_by_threes`, `round_robin`, `longest_idle` or `fewest_answered`.
    pub strategy: String,
    /// Members' extensions, in priority order.
    pub agents: Vec<String>,
    pub offer_timeout_s: i64,
    /// 0: no limit.
    pub max_chats_per_agent: u32,
    /// Chats waiting in it now.
    pub waiting: u32,
    /// Declared in the configuration file, which rules it: read-only here (`409 provisioned`).
    pub provisioned: bool,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdminQueueList {
    /// System owners see every queue; managers and group owners the queues they belong to.
    pub queues: Vec<AdminQueue>,
}

/// `POST /admin/queues` (`id`, `name` and `agents` required) and `PUT /admin/queues/{id}` (what
/// changes), in the configuration file's shape.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueRequest {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub strategy: Option<String>,
    #[serde(default)]
    pub agents: Option<Vec<String>>,
    #[serde(default)]
    pub offer_timeout_s: Option<i64>,
    #[serde(default)]
    pub max_chats_per_agent: Option<u32>,
}

/// `DELETE /admin/queues/{id}`: where the chats waiting in it go (needed when some wait).
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteQueueRequest {
    #[serde(default)]
    pub move_to: Option<String>,
}

/// A value the operator pastes into the provider's console (or a web page), with its label.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleValue {
    /// `webhook_url`, `verify_token`, `messaging_url`, `status_callback_url`, `embed_snippet`.
    pub name: String,
    /// The value; for a secret, where to find it (secrets are never answered).
    pub value: String,
}

/// A channel as administrators see it: its route, its settings (secrets only as
/// `{"set": true, "last4"}`) and what to paste into the provider's console.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminChannel {
    pub id: String,
    pub kind: ChannelKind,
    /// The queue its chats go to, or
    pub route_queue: Option<String>,
    /// the extension they go to.
    pub route_extension: Option<String>,
    /// Declared in the configuration file, which rules it: read-only here (`409 provisioned`).
    pub provisioned: bool,
    /// A disabled channel sends nothing and answers its webhooks 503, so the provider keeps
    /// the customers' messages and delivers them again later.
    pub enabled: bool,
    #[cfg_attr(any(test, feature = "ts"), ts(type = "Record<string, unknown>"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings: serde_json::Value,
    pub console: Vec<ConsoleValue>,
}

/// `POST /admin/channels` (everything required) and `PUT /admin/channels/{id}` (the same
/// shape; `id` and `kind` cannot change). `settings` holds the provider's settings keyed as in
/// the configuration file's `[channels.<kind>]` table; on `PUT` a secret left out keeps the
/// value stored (the API never answers secrets, so the form cannot send them back).
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelRequest {
    #[serde(default)]
    pub id: Option<String>,
    /// `whatsapp`, `facebook`, `sms` or `livechat`.
    #[serde(default)]
    pub kind: Option<String>,
    /// The queue its chats go to, or
    #[serde(default)]
    pub route_queue: Option<String>,
    /// the extension they go to (exactly one of the two).
    #[serde(default)]
    pub route_extension: Option<String>,
    #[serde(default)]
    #[cfg_attr(any(test, feature = "ts"), ts(type = "Record<string, unknown>"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings: serde_json::Map<String, serde_json::Value>,
}

/// `POST /admin/channels/{id}/check`: what the provider answered to the channel's credentials.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelCheck {
    /// The provider accepted the credentials and knows the number, page or account.
    pub ok: bool,
    /// In words: what the provider said it is (`WhatsApp number +1 555-0100 (Acme)`), or what
    /// is wrong and what to do (bad token, wrong id, unreachable).
    pub summary: String,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdminChannelList {
    /// By id.
    pub channels: Vec<AdminChannel>,
}

/// One administrative change.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// Who made it: `"Ana Souza (101)"`.
    pub actor: Option<String>,
    /// `agent.create`, `agent.update`, `agent.disable`, `agent.enable`, `agent.password`.
    pub action: String,
    /// `agent:102`.
    pub target: String,
    /// The values before and after (secrets only as `{"set": true}`).
    #[cfg_attr(any(test, feature = "ts"), ts(type = "unknown"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub before: Option<serde_json::Value>,
    #[cfg_attr(any(test, feature = "ts"), ts(type = "unknown"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub after: Option<serde_json::Value>,
}

/// Which entries `GET /admin/audit` lists (its query parameters); each part left out matches
/// everything.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Actions starting with this: `agent`, `queue`, `channel`, or one action exactly.
    #[serde(default)]
    pub action: Option<String>,
    /// Entries about this target exactly: `agent:102`, `queue:sales`, `channel:web`.
    #[serde(default)]
    pub target: Option<String>,
    /// Changes made by the agent with this extension.
    #[serde(default)]
    pub actor: Option<String>,
}

/// `GET /admin/audit`: newest first; `next` asks for the older ones.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next: Option<String>,
}

// ----- desktop app updates -----

/// An update for the desktop app (`GET /api/v1/updates/{target}/{arch}/{current_version}`), in
/// the shape Tauri's updater reads: the app downloads `url` and installs it only when its bytes
/// match `signature` under the public key built into the app.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppUpdate {
    /// The version offered, e.g. `1.4.0`.
    pub version: String,
    /// The release notes the operator put beside the installers, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// When the installer was placed on the server (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pub_date: Option<String>,
    /// Where the installer is downloaded from (with the agent's token).
    pub url: String,
    /// The installer's minisign signature, as the Tauri bundler wrote it (`.sig`).
    pub signature: String,
}

// ----- errors -----

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub error: ErrorBody,
}

// ----- sync -----

/// One change visible to one agent. `cursor` only grows, per agent.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub cursor: i64,
    #[serde(rename = "type")]
    pub kind: String,
    /// Depends on `type`: a `Conversation`, a `Message`, `RemovedData`, ….
    #[cfg_attr(any(test, feature = "ts"), ts(type = "unknown"))]
    pub data: serde_json::Value,
}

pub mod event_types {
    pub const CONVERSATION_UPSERTED: &str = "conversation.upserted";
    pub const CONVERSATION_REMOVED: &str = "conversation.removed";
    pub const MESSAGE_UPSERTED: &str = "message.upserted";
    pub const MESSAGE_STATUS: &str = "message.status";
    pub const CONTACT_UPSERTED: &str = "contact.upserted";
    pub const CONTACT_REMOVED: &str = "contact.removed";
    pub const TEMPLATE_UPSERTED: &str = "template.upserted";
    pub const TEMPLATE_REMOVED: &str = "template.removed";
    pub const AGENT_PRESENCE: &str = "agent.presence";
    /// A colleague was added, changed or enabled in the administration: data is the [`Agent`].
    ///
    /// [`Agent`]: crate::Agent
    pub const AGENT_UPSERTED: &str = "agent.upserted";
    /// A colleague was disabled: data is `{"id"}`; they are no longer offered (Transfer).
    pub const AGENT_REMOVED: &str = "agent.removed";
    pub const TYPING: &str = "typing";
}

/// Answer of `GET /sync`. When `reset` is true the cursor asked for is no longer served: the
/// client reloads its lists and continues from `cursor`.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reset: bool,
    pub events: Vec<Event>,
    pub cursor: i64,
    pub more: bool,
}

/// `data` of `conversation.removed`.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedData {
    pub id: Uuid,
    /// Why it left this agent's view: `taken`, `transferred`, `deleted`, `offer_moved`.
    pub reason: String,
}

/// `data` of `message.status`.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageStatusData {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub status: MessageStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `data` of `agent.presence`.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceData {
    pub agent_id: Uuid,
    pub extension: String,
    pub presence: Presence,
}

#[cfg(test)]
mod typescript;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_serialises_in_the_contract_shape() {
        let body = ErrorResponse {
            error: ErrorBody {
                code: "already_taken".into(),
                message: "Already taken by Ana".into(),
            },
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"error":{"code":"already_taken","message":"Already taken by Ana"}}"#
        );
    }

    #[test]
    fn event_uses_type_as_its_field_name() {
        let event = Event {
            cursor: 7,
            kind: event_types::TYPING.into(),
            data: serde_json::json!({}),
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "typing");
        assert_eq!(json["cursor"], 7);
    }

    #[test]
    fn enums_round_trip_through_their_names() {
        for kind in [
            ChannelKind::Livechat,
            ChannelKind::Whatsapp,
            ChannelKind::Facebook,
            ChannelKind::Sms,
            ChannelKind::Internal,
        ] {
            assert_eq!(ChannelKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.as_str().into())
            );
        }
        for status in [
            MessageStatus::Pending,
            MessageStatus::Sent,
            MessageStatus::Delivered,
            MessageStatus::Read,
            MessageStatus::Failed,
        ] {
            assert_eq!(MessageStatus::parse(status.as_str()), Some(status));
        }
    }
}

// ----- contacts -----

/// A person in the contact directory.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: Uuid,
    pub name: String,
    pub emails: Vec<String>,
    /// E.164.
    pub phones: Vec<String>,
    pub identities: Vec<Identity>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Create or replace a contact. Phones in any formatting; they are stored as E.164.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContactRequest {
    pub name: String,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub identities: Vec<Identity>,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContactList {
    /// By name (ASCII letters' case ignored), then id.
    pub contacts: Vec<Contact>,
    /// Pass as `after` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Add the unknown sender of a conversation as a contact.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FromIdentityRequest {
    pub conversation_id: Uuid,
    pub name: String,
    #[serde(default)]
    pub emails: Vec<String>,
}

/// One conversation in a contact's history.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub conversation_id: Uuid,
    pub channel: ChannelKind,
    pub channel_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    pub status: ConversationStatus,
    /// The agent who handled it (its owner), if anyone did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handled_by: Option<Agent>,
    /// `resolved`, `open` (being handled) or `unanswered` (still waiting in a queue).
    pub outcome: String,
    pub messages: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<String>,
    pub started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactHistory {
    pub contact: Contact,
    /// Newest first.
    pub conversations: Vec<HistoryEntry>,
}

// ----- templates -----

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub id: Uuid,
    pub name: String,
    pub body: String,
    pub category: String,
    /// BCP 47 (`pt-BR`, `en`).
    pub language: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<Agent>,
    pub updated_at: DateTime<Utc>,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TemplateRequest {
    pub name: String,
    pub body: String,
    pub category: String,
    pub language: String,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TemplateList {
    pub templates: Vec<Template>,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CategoryList {
    pub categories: Vec<String>,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LanguageList {
    pub languages: Vec<String>,
}

/// Fill a template's variables for one conversation.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenderRequest {
    pub conversation_id: Uuid,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenderResponse {
    pub body: String,
}

/// `data` of `template.removed` and `contact.removed`.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdData {
    pub id: Uuid,
}

// ----- live-chat visitors (the widget's API under /livechat/{channel_id}/) -----

/// What the widget needs to know before it shows anything.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorConfig {
    /// Empty: the widget's own words.
    pub greeting: String,
    /// Shown instead of the greeting while no agent is signed in (empty: the widget's own
    /// words); `None` when someone is.
    pub offline_text: Option<String>,
    pub ask_name: bool,
    pub ask_email: bool,
    pub max_attachment_bytes: u64,
    pub accepted_extensions: Vec<String>,
    /// The longest message a visitor may send, in characters (`[server.limits]
    /// visitor_message_chars`); older servers leave it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(any(test, feature = "ts"), ts(optional))]
    pub max_message_chars: Option<u32>,
}

// Every field may be left out of the request.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(any(test, feature = "ts"), ts(optional_fields = nullable))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VisitorSessionRequest {
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorSession {
    pub token: String,
    pub visitor_id: Uuid,
    pub name: Option<String>,
    /// The visitor's current chat was ended by an agent.
    pub ended: bool,
}

/// A message as the visitor sees it.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorMessage {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<Uuid>,
    /// `visitor`, `agent` or `system`.
    pub author: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
    pub body: String,
    pub attachments: Vec<AttachmentRef>,
    pub created_at: DateTime<Utc>,
    /// Grows across all of the visitor's conversations; pass the largest seen as `after`.
    pub cursor: i64,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorPage {
    pub messages: Vec<VisitorMessage>,
    pub cursor: i64,
    pub ended: bool,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VisitorSendRequest {
    pub client_id: Uuid,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub attachments: Vec<Uuid>,
}

/// `POST /conversations/{id}/block`.
// Every field may be left out of the request.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(any(test, feature = "ts"), ts(optional_fields = nullable))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BlockRequest {
    #[serde(default)]
    pub duration_s: Option<i64>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A blocked visitor address, as managers see it.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub id: Uuid,
    pub ip: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub blocked_by: Agent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlockList {
    pub blocks: Vec<Block>,
}

/// What the agent's Info panel shows about a live-chat visitor.
#[cfg_attr(any(test, feature = "ts"), derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorInfo {
    pub visitor_id: Uuid,
    pub name: Option<String>,
    pub email: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub language: Option<String>,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}
