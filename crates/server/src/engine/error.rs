//! Why an engine action did not happen, in the engine's own terms.
//!
//! The `Display` text of each variant is the sentence a person reads: it says what happened
//! and what to do. Statuses and wire codes are the business of the HTTP layer
//! (`src/http/error.rs`), which maps every variant; nothing here knows about HTTP.

use chrono::{DateTime, Utc};
use switchboard_domain::lifecycle::Refusal;
use switchboard_protocol::ChannelKind;

use crate::store::StoreError;

/// What an engine action returns when it does not happen. Nothing it wrote is kept.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A conversation rule of `domain::lifecycle` said no (taken by someone else, resolved,
    /// still open, internal chat, transfer to oneself).
    #[error("{}", refusal_text(.0))]
    Refused(Refusal),
    /// Nothing of that kind with that id, or nothing the caller may see (the two look the same
    /// on purpose).
    #[error("{0}")]
    NotFound(Missing),
    /// The caller's session is gone: logged out, expired, or their agent no longer exists.
    #[error("the session is not live")]
    SignedOut,
    /// The login name or the password is wrong (which one is not said).
    #[error("Wrong extension/e-mail or password.")]
    WrongCredentials,
    /// A live-chat visitor's token is unknown or expired.
    #[error("Your chat session has expired; reload the page to start a new one.")]
    VisitorSessionExpired,
    /// The agent's role does not give this right.
    #[error("{0}")]
    Forbidden(Right),
    /// The input is wrong; `field` names what to fix and `message` says how.
    #[error("{message}")]
    Invalid { field: Field, message: String },
    /// A message's text is longer than [`super::MAX_BODY_BYTES`].
    #[error("{message}")]
    MessageTooLarge { message: String },
    /// The request clashes with what is stored.
    #[error("{message}")]
    Conflict { clash: Clash, message: String },
    /// The conversation's channel does not allow this.
    #[error("{0}")]
    ChannelRule(ChannelRule),
    /// The disk holding the server's files has less free space than the configured minimum;
    /// nothing was written.
    #[error("The server's disk is nearly full ({free_mib} MiB free, at least {minimum_mib} MiB must stay free), so files cannot be received now. Ask an administrator to free space, then try again.")]
    StorageFull { free_mib: u64, minimum_mib: u64 },
    /// Storage failed. Logged, never shown: people are told to try again.
    #[error("storage failed: {0}")]
    Storage(#[from] StoreError),
    /// The blocking task running the action died (a panic).
    #[error("the engine's worker task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// A shorthand for the results of engine actions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            // "Not visible" is a plain 404 to callers, like an unknown id.
            Refusal::NotVisible => Error::NotFound(Missing::Conversation),
            other => Error::Refused(other),
        }
    }
}

fn refusal_text(refusal: &Refusal) -> String {
    match refusal {
        Refusal::NotVisible => Missing::Conversation.to_string(),
        Refusal::AlreadyTaken { owner } => {
            format!("This chat was already taken by {}.", owner.name)
        }
        Refusal::InternalChat { action } => format!("Internal chats cannot be {action}."),
        Refusal::Resolved => {
            "This chat is resolved; the customer's next message opens a new one.".into()
        }
        Refusal::StillOpen => {
            "You own this open chat: resolve or transfer it before deleting it.".into()
        }
        Refusal::TransferToSelf => {
            "You already own this chat; pick a colleague to transfer it to.".into()
        }
    }
}

/// What was not found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Missing {
    /// A conversation unknown or not visible to the caller.
    #[error("No conversation with that id is visible to you.")]
    Conversation,
    /// A message unknown, or not in the conversation named.
    #[error("No message with that id is visible to you.")]
    Message,
    /// An attachment unknown or not the caller's to download.
    #[error("No attachment with that id is visible to you.")]
    Attachment,
    /// The live-chat visitor behind a conversation.
    #[error("No visitor with that id is visible to you.")]
    Visitor,
    /// An address block.
    #[error("No block with that id is visible to you.")]
    Block,
    /// A quick-reply template (everyone sees them all).
    #[error("No template with that id exists.")]
    Template,
    /// A directory contact (everyone sees them all).
    #[error("No contact with that id exists.")]
    Contact,
    /// No agent has this extension.
    #[error("No agent has extension {0:?}.")]
    Extension(String),
    /// No approved WhatsApp template by that name and language on the conversation's channel.
    #[error("No approved WhatsApp template {name} in {language} on this channel; sync the templates or choose another.")]
    WhatsAppTemplate { name: String, language: String },
    /// No channel with this id is configured.
    #[error("No channel {0:?} is configured.")]
    Channel(String),
    /// No queue with this id, or none the caller may administer.
    #[error("No queue {0:?} that you may change.")]
    Queue(String),
}

/// A right only some roles have (`domain::permissions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Right {
    /// Create, edit and delete quick-reply templates.
    #[error("Only managers, group owners and system owners can create, edit or delete templates.")]
    ManageTemplates,
    /// See and lift address blocks.
    #[error("Only managers, group owners and system owners can see and remove blocks.")]
    ManageBlocks,
    /// Change queues (system owners any; managers and group owners their own).
    #[error("Only system owners, and managers or group owners for the queues they belong to, can change queues.")]
    ManageQueues,
    /// Add, change and disable agents; read the audit log.
    #[error("Only system owners can add, change or disable agents and read the audit log; ask one of them.")]
    Administer,
}

/// The input an [`Error::Invalid`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The conversation list's `view` (`recent` or `archived`).
    View,
    /// A message page's `before` (a message of the same conversation).
    Before,
    /// A message's text: empty, with no files either.
    Body,
    /// A message's `attachments`: not the sender's unsent uploads.
    Attachments,
    /// An internal chat's `title`.
    Title,
    /// An internal chat's `extensions`: no colleague besides the caller.
    Extensions,
    /// A block's `duration_s`.
    DurationS,
    /// An inbound message's sender address.
    Sender,
    /// One of a contact's fields (the message says which).
    Contact,
    /// One of a template's fields (the message says which).
    Template,
    /// A live-chat visitor's `name` or `email` (the message says which).
    Visitor,
    /// One of an agent's fields in the administration (the message says which).
    Agent,
    /// The current password given is wrong, or the new one is too short.
    Password,
    /// One of a queue's fields in the administration (the message says which).
    Queue,
    /// One of a channel's fields in the administration (the message names each).
    Channel,
    /// Who a chat an agent starts is with: `contact_id` or `address`.
    Recipient,
}

/// What an [`Error::Conflict`] clashes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clash {
    /// The reply's `client_id` is already another message's.
    ClientId,
    /// The provider's message id is already stored.
    ProviderMessageId,
    /// One of the contact's identities already belongs to another contact.
    Identity,
    /// The conversation's sender already is a contact.
    ExistingContact,
    /// The entry is declared in the configuration file, which rules it.
    Provisioned,
    /// Another agent already has the extension or e-mail.
    AgentTaken,
    /// Another queue already has the id.
    QueueTaken,
    /// The queue still has chats waiting, or channels routed to it.
    QueueInUse,
    /// Another channel already has the id.
    ChannelTaken,
    /// Only a reply that failed can be sent again.
    NotResendable,
}

/// A rule of the conversation's channel.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelRule {
    /// WhatsApp or Messenger free text after the reply window (24 hours after the customer's
    /// last message; 7 days on a Messenger page allowed the `HUMAN_AGENT` tag).
    #[error(
        "The window to reply on {} closed at {}; the customer must write again first{}.",
        .channel.as_str(),
        .closed_at.to_rfc3339(),
        if *.channel == ChannelKind::Whatsapp { " (an approved template can still be sent)" } else { "" }
    )]
    ReplyWindowClosed {
        channel: ChannelKind,
        closed_at: DateTime<Utc>,
    },
    /// Only live-chat conversations have a visitor to end, block, type to or describe.
    #[error("Only live-chat conversations can be {action}.")]
    NotLivechat { action: &'static str },
    /// Internal chats have no customer (e.g. to add as a contact).
    #[error("Internal chats have no customer to add as a contact.")]
    NoCustomer,
    /// An administrator disabled the channel: nothing is sent on it until it is enabled.
    #[error("Channel {channel} is disabled by an administrator, so nothing can be sent on it now; ask an administrator to enable it.")]
    ChannelDisabled { channel: String },
    /// The SMS customer texted a stop keyword (or the carrier says they unsubscribed).
    #[error(
        "The customer opted out of messages from this number on {} (they texted STOP or similar); nothing can be sent until they text START.",
        .since.to_rfc3339()
    )]
    OptedOut { since: DateTime<Utc> },
}

impl Error {
    /// Input to fix.
    pub(crate) fn invalid(field: Field, message: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            message: message.into(),
        }
    }

    /// A clash with what is stored.
    pub(crate) fn conflict(clash: Clash, message: impl Into<String>) -> Self {
        Error::Conflict {
            clash,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::lifecycle::Owner;
    use uuid::Uuid;

    #[test]
    fn sentences_people_read_stay_as_they_were() {
        let owner = Owner {
            id: Uuid::nil(),
            name: "Ana".into(),
        };
        let table: Vec<(Error, &str)> = vec![
            (
                Refusal::AlreadyTaken { owner }.into(),
                "This chat was already taken by Ana.",
            ),
            (
                Refusal::NotVisible.into(),
                "No conversation with that id is visible to you.",
            ),
            (
                Refusal::InternalChat { action: "resolved" }.into(),
                "Internal chats cannot be resolved.",
            ),
            (
                Error::NotFound(Missing::Extension("777".into())),
                "No agent has extension \"777\".",
            ),
            (
                Error::NotFound(Missing::Template),
                "No template with that id exists.",
            ),
            (
                Error::ChannelRule(ChannelRule::NotLivechat { action: "blocked" }),
                "Only live-chat conversations can be blocked.",
            ),
            (
                Error::ChannelRule(ChannelRule::ReplyWindowClosed {
                    channel: ChannelKind::Whatsapp,
                    closed_at: DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
                        .unwrap()
                        .with_timezone(&Utc),
                }),
                "The window to reply on whatsapp closed at 2026-01-02T03:04:05+00:00; the customer must write again first (an approved template can still be sent).",
            ),
        ];
        for (error, text) in table {
            assert_eq!(error.to_string(), text, "{error:?}");
        }
    }

    #[test]
    fn not_visible_is_a_plain_not_found() {
        assert!(matches!(
            Error::from(Refusal::NotVisible),
            Error::NotFound(Missing::Conversation)
        ));
    }

    #[test]
    fn storage_failures_keep_their_cause() {
        let error = Error::from(StoreError::Database("disk full".into()));
        let source = std::error::Error::source(&error).expect("the store error is the source");
        assert_eq!(source.to_string(), "database error: disk full");
    }
}
