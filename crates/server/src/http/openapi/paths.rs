//! One `#[utoipa::path]` per route of `RouteGroups::all()`, on a function named after the
//! route's handler. These functions are never called: utoipa reads their attributes (and their
//! doc comments: the first line is the summary, the rest the description). Errors every route
//! of a kind answers (a missing token, a bad JSON body, an unknown live-chat channel, a database
//! that does not answer) are added by [`super::LayerErrors`]; only what a handler itself
//! refuses is written here.
#![allow(dead_code)]

use switchboard_protocol::{
    AdminAgent, AdminAgentList, AdminChannel, AdminChannelList, AdminQueue, AdminQueueList, Agent,
    AgentList, AgentRequest, AppUpdate, AttachmentRef, AuditPage, Block, BlockList, CategoryList,
    ChangePasswordRequest, ChannelCheck, ChannelList, ChannelRequest, Contact, ContactHistory,
    ContactList, ContactRequest, Conversation, ConversationList, DeleteQueueRequest,
    DisableAgentRequest, ErrorResponse, FromIdentityRequest, HistoryPage, InternalChatRequest,
    LanguageList, LoginRequest, LoginResponse, Message, MessagePage, PasswordRequest,
    PresenceRequest, QueueList, QueueRequest, ReadRequest, RenderRequest, RenderResponse,
    SendMessageRequest, SendTemplateRequest, StartConversationRequest, StartedConversation,
    SyncResponse, Template, TemplateList, TemplateRequest, TransferRequest, VisitorConfig,
    VisitorInfo, VisitorMessage, VisitorPage, VisitorSendRequest, VisitorSession,
    VisitorSessionRequest, WhatsAppTemplateList,
};

use super::{Health, Readiness, TwilioInbound, TwilioStatus, Upload};

// ----- session and self -----

/// Sign in
///
/// With an extension or an e-mail address and the password. The token answers every other
/// agent call as `Authorization: Bearer TOKEN`. Attempts are limited per address and per login.
#[utoipa::path(post, path = "/api/v1/session", tag = "session",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = LoginResponse),
        (status = 400, description = "`invalid_login`: the login or the password is longer than any can be.", body = ErrorResponse),
        (status = 401, description = "`invalid_credentials`: the login or the password is wrong.", body = ErrorResponse),
        (status = 429, description = "`rate_limited`: too many attempts from this address or for this login; wait a minute.", body = ErrorResponse),
        (status = 500, description = "`internal`: the server failed; it is logged.", body = ErrorResponse),
        (status = 503, description = "`not_ready`: the database does not answer; nothing changed.", body = ErrorResponse),
    ))]
fn login() {}

/// Sign out
///
/// The token stops working at once, on every node; its live streams close with 4401.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "Signed out.")),
    security(("agent_token" = [])))]
fn logout() {}

/// The signed-in agent
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, description = "The caller.", body = Agent)),
    security(("agent_token" = [])))]
fn me() {}

/// Set my presence
#[utoipa::path(put, path = "/api/v1/me/presence", tag = "session",
    request_body = PresenceRequest,
    responses((status = 200, description = "The caller, with the new presence.", body = Agent)),
    security(("agent_token" = [])))]
fn set_presence() {}

/// The queues I am a member of
#[utoipa::path(get, path = "/api/v1/me/queues", tag = "session",
    responses((status = 200, description = "By name.", body = QueueList)),
    security(("agent_token" = [])))]
fn my_queues() {}

/// Colleagues
///
/// Every agent, or those whose name or extension matches `q` (for Transfer).
#[utoipa::path(get, path = "/api/v1/agents", tag = "session",
    params(("q" = Option<String>, Query, description = "Part of a name or an extension.")),
    responses((status = 200, description = "The agents.", body = AgentList)),
    security(("agent_token" = [])))]
fn agents() {}

// ----- conversations -----

/// Conversations visible to me
///
/// Newest activity first, a page at a time.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations",
    params(
        ("view" = Option<String>, Query, description = "`recent` (the default) or `archived`."),
        ("after" = Option<String>, Query, description = "The `next` of the previous page."),
        ("limit" = Option<u32>, Query, description = "1 to 1000; 200 when left out."),
    ),
    responses(
        (status = 200, description = "A page of conversations.", body = ConversationList),
        (status = 400, description = "`invalid_view`, `invalid_cursor` (an `after` this server did not hand out) or `invalid_limit`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn list_conversations() {}

/// One conversation
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id (a UUID).")),
    responses((status = 200, description = "The conversation.", body = Conversation)),
    security(("agent_token" = [])))]
fn conversation() {}

/// Delete a conversation from my lists
///
/// For me only and for good; the history stays for everyone else.
#[utoipa::path(delete, path = "/api/v1/conversations/{id}", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id (a UUID).")),
    responses(
        (status = 204, description = "Gone from my lists."),
        (status = 409, description = "`conversation_open`: resolve it first.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn delete_conversation() {}

/// A conversation's messages
///
/// Oldest first; `before` pages back.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "conversations",
    params(
        ("id" = String, Path, description = "The conversation's id (a UUID)."),
        ("before" = Option<String>, Query, description = "A message id (UUID): the messages before it."),
        ("limit" = Option<u32>, Query, description = "1 to 500; 50 when left out."),
    ),
    responses(
        (status = 200, description = "A page of messages.", body = MessagePage),
        (status = 400, description = "`invalid_cursor` (`before` is no message of this conversation) or `invalid_limit`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn messages() {}

/// Every message I may see, in bulk (an extension of the contract)
///
/// For a client's first full load: the messages of every conversation visible to me (as
/// `GET /conversations/{id}/messages` decides: lists Recent and Archived, not ones taken away or
/// deleted), ordered by conversation id and then oldest first within each conversation, a large
/// page at a time. Keep asking with the page's `next` until a page has none: each message comes
/// exactly once, also while new ones arrive. A message that arrives in a conversation already
/// paged past is not in a later page; it is in the event log (`/sync`, `/stream`), so read the
/// sync cursor before the first page and apply the events after it afterwards.
#[utoipa::path(get, path = "/api/v1/history", tag = "conversations",
    params(
        ("after" = Option<String>, Query, description = "The `next` of the previous page; from the start when left out."),
        ("limit" = Option<u32>, Query, description = "1 to 5000; 1000 when left out."),
    ),
    responses(
        (status = 200, description = "A page of messages.", body = HistoryPage),
        (status = 400, description = "`invalid_cursor` (an `after` this server did not hand out) or `invalid_limit`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn history() {}

/// Reply
///
/// `client_id` makes it idempotent: the same id again answers the stored message with 200.
/// The first reply to an unowned conversation takes it.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id (a UUID).")),
    request_body = SendMessageRequest,
    responses(
        (status = 201, description = "Stored and queued for delivery.", body = Message),
        (status = 200, description = "This `client_id` was sent before: the stored message.", body = Message),
        (status = 400, description = "`empty_message` (no body and no attachment) or `unknown_attachment`.", body = ErrorResponse),
        (status = 409, description = "`already_taken` (another agent owns it), `conversation_resolved` or `client_id_reused` (the id was used for another message).", body = ErrorResponse),
        (status = 413, description = "`body_too_large`: the text is longer than a message may be.", body = ErrorResponse),
        (status = 422, description = "`reply_window_closed`: WhatsApp or Messenger, 24 h after the customer's last message (on WhatsApp send a template instead); `channel_disabled`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn send() {}

/// Send a WhatsApp template
///
/// An approved message template of the conversation's WhatsApp channel, each of its variables
/// filled (`parameters` keyed `body.1`, `header.1`, `body.customer_name`, as the template list
/// names them). Stored as its rendered text; WhatsApp delivers it even after the 24-hour window
/// has closed. `client_id` makes it idempotent, like a reply.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/whatsapp-template", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id (a UUID).")),
    request_body = SendTemplateRequest,
    responses(
        (status = 201, description = "Stored and queued for delivery.", body = Message),
        (status = 200, description = "This `client_id` was sent before: the stored message.", body = Message),
        (status = 400, description = "`invalid_template`: a variable missing or unknown (each named), or not a WhatsApp conversation.", body = ErrorResponse),
        (status = 404, description = "`not_found`: no such conversation visible to me, or no such approved template on its channel.", body = ErrorResponse),
        (status = 409, description = "`already_taken`, `conversation_resolved` or `client_id_reused`.", body = ErrorResponse),
        (status = 422, description = "`channel_disabled`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn send_whatsapp_template() {}

/// Send a failed reply again
///
/// A reply whose delivery failed (a provider outage that outlasted the retries, a reply in
/// flight when the server stopped, which may or may not have reached the provider) goes back
/// to `pending` and through the delivery queue once more. The channel's rules apply as to a
/// new reply (reply window, SMS opt-out, disabled channel).
#[utoipa::path(post, path = "/api/v1/messages/{id}/resend", tag = "conversations",
    params(("id" = String, Path, description = "The message's id (a UUID).")),
    responses(
        (status = 200, description = "Queued again; the message, now `pending`.", body = Message),
        (status = 404, description = "`not_found`: no such message in a conversation visible to me.", body = ErrorResponse),
        (status = 409, description = "`not_resendable` (not a reply whose delivery failed), `already_taken`, `conversation_resolved`.", body = ErrorResponse),
        (status = 422, description = "`reply_window_closed`, `opted_out`, `channel_disabled`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn resend() {}

/// Start a conversation
///
/// An agent writes first: an SMS to a number, or a WhatsApp conversation opened with an approved
/// template (WhatsApp delivers free text only within 24 hours of the customer's last message).
/// The customer is a directory contact (`contact_id`: its identity of the channel's kind, else
/// its first phone) or a phone number (`address`, international form). The agent owns the new
/// chat, so the customer's answer reaches them. When the customer has an open chat on that
/// channel, the message goes there instead of a second chat. `client_id` makes it idempotent.
#[utoipa::path(post, path = "/api/v1/conversations", tag = "conversations",
    request_body = StartConversationRequest,
    responses(
        (status = 201, description = "A chat was started; its first message is queued for delivery.", body = StartedConversation),
        (status = 200, description = "The customer's open chat on that channel was used, or this `client_id` was sent before.", body = StartedConversation),
        (status = 400, description = "`invalid_recipient` (no contact or address, not a phone number), `invalid_template` (WhatsApp without a template, a variable missing), `empty_message` (SMS without text).", body = ErrorResponse),
        (status = 404, description = "`unknown_channel` (no enabled SMS or WhatsApp channel has that id), `not_found` (no such contact or approved template).", body = ErrorResponse),
        (status = 409, description = "`already_taken`: the customer's open chat on that channel belongs to a colleague (named).", body = ErrorResponse),
        (status = 422, description = "`opted_out` (the SMS customer texted STOP), `channel_disabled`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn start_conversation() {}

/// Channels to start a conversation on
///
/// The enabled SMS and WhatsApp channels, by id.
#[utoipa::path(get, path = "/api/v1/channels", tag = "conversations",
    responses((status = 200, description = "By id.", body = ChannelList)),
    security(("agent_token" = [])))]
fn channels() {}

/// A channel's WhatsApp templates
///
/// The approved message templates of a WhatsApp channel's business account (synced from Meta
/// at start, every hour and on demand) that this server can fill: text headers, bodies and
/// footers with positional or named variables. Those with media headers or buttons taking
/// variables are left out.
#[utoipa::path(get, path = "/api/v1/channels/{channel_id}/whatsapp-templates", tag = "conversations",
    params(
        ("channel_id" = String, Path, description = "A WhatsApp channel's id."),
        ("language" = Option<String>, Query, description = "Only this language: `pt_BR`, or `pt` for every Portuguese one."),
        ("q" = Option<String>, Query, description = "Only templates whose name or body contains this (case aside)."),
    ),
    responses(
        (status = 200, description = "By name, then language.", body = WhatsAppTemplateList),
        (status = 404, description = "`unknown_channel`: no WhatsApp channel has that id.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn whatsapp_templates() {}

/// Sync a channel's WhatsApp templates
///
/// Managers, group owners and system owners: ask Meta for the business account's templates now
/// (every page) and answer them as the list does.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/whatsapp-templates/sync", tag = "conversations",
    params(("channel_id" = String, Path, description = "A WhatsApp channel's id.")),
    responses(
        (status = 200, description = "The templates as synced now.", body = WhatsAppTemplateList),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
        (status = 404, description = "`unknown_channel`.", body = ErrorResponse),
        (status = 409, description = "`templates_unavailable`: the channel names no business account (`waba_id`).", body = ErrorResponse),
        (status = 502, description = "`templates_unavailable`: Meta could not be reached or refused; the templates synced before are kept.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn sync_whatsapp_templates() {}

/// Take a conversation
#[utoipa::path(post, path = "/api/v1/conversations/{id}/take", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id (a UUID).")),
    responses(
        (status = 200, description = "Mine now.", body = Conversation),
        (status = 409, description = "`already_taken` (the message names the owner) or `conversation_resolved`.", body = ErrorResponse),
        (status = 422, description = "`internal_chat`: internal chats have no owner.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn take() {}

/// Transfer to a colleague
#[utoipa::path(post, path = "/api/v1/conversations/{id}/transfer", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id (a UUID).")),
    request_body = TransferRequest,
    responses(
        (status = 200, description = "Transferred; it leaves my view.", body = Conversation),
        (status = 400, description = "`transfer_to_self`.", body = ErrorResponse),
        (status = 409, description = "`already_taken` or `conversation_resolved`.", body = ErrorResponse),
        (status = 422, description = "`internal_chat`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn transfer() {}

/// Resolve and archive
#[utoipa::path(post, path = "/api/v1/conversations/{id}/resolve", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id (a UUID).")),
    responses(
        (status = 200, description = "Resolved.", body = Conversation),
        (status = 409, description = "`already_taken`: someone else owns it.", body = ErrorResponse),
        (status = 422, description = "`internal_chat`: internal chats are not resolved.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn resolve() {}

/// Archive (my view only)
#[utoipa::path(post, path = "/api/v1/conversations/{id}/archive", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id (a UUID).")),
    responses(
        (status = 200, description = "Archived for me.", body = Conversation),
        (status = 409, description = "`conversation_open`: resolve it first.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn archive() {}

/// Unarchive (my view only)
#[utoipa::path(post, path = "/api/v1/conversations/{id}/unarchive", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id (a UUID).")),
    responses((status = 200, description = "Back in Recent.", body = Conversation)),
    security(("agent_token" = [])))]
fn unarchive() {}

/// Read marker
#[utoipa::path(post, path = "/api/v1/conversations/{id}/read", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id (a UUID).")),
    request_body = ReadRequest,
    responses((status = 200, description = "Read up to that message.", body = Conversation)),
    security(("agent_token" = [])))]
fn mark_read() {}

/// End a live-chat session
///
/// The visitor's widget shows that the chat ended.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/end-session", tag = "live chat (agents)",
    params(("id" = String, Path, description = "The conversation's id (a UUID).")),
    responses(
        (status = 204, description = "Ended."),
        (status = 409, description = "`already_taken`: someone else owns it.", body = ErrorResponse),
        (status = 422, description = "`not_livechat`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn end_session() {}

/// Block the visitor's address
///
/// Managers and owners; ends the session too.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/block", tag = "live chat (agents)",
    params(("id" = String, Path, description = "The conversation's id (a UUID).")),
    request_body = switchboard_protocol::BlockRequest,
    responses(
        (status = 201, description = "Blocked.", body = Block),
        (status = 400, description = "`invalid_duration`.", body = ErrorResponse),
        (status = 403, description = "`forbidden`: agents may not block.", body = ErrorResponse),
        (status = 422, description = "`not_livechat`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn block() {}

/// I am typing
///
/// Shown to the visitor (live chat) or the other participants (internal chats).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/typing", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id (a UUID).")),
    responses((status = 204, description = "Passed on.")),
    security(("agent_token" = [])))]
fn typing() {}

/// What is known about a live-chat visitor
#[utoipa::path(get, path = "/api/v1/conversations/{id}/visitor", tag = "live chat (agents)",
    params(("id" = String, Path, description = "The conversation's id (a UUID).")),
    responses(
        (status = 200, description = "The visitor.", body = VisitorInfo),
        (status = 422, description = "`not_livechat`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn visitor_info() {}

/// Blocked visitor addresses
#[utoipa::path(get, path = "/api/v1/blocks", tag = "live chat (agents)",
    responses(
        (status = 200, description = "Active blocks.", body = BlockList),
        (status = 403, description = "`forbidden`: managers and owners only.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn blocks() {}

/// Lift a block
#[utoipa::path(delete, path = "/api/v1/blocks/{id}", tag = "live chat (agents)",
    params(("id" = String, Path, description = "The block's id (a UUID).")),
    responses(
        (status = 204, description = "Lifted."),
        (status = 403, description = "`forbidden`: managers and owners only.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn unblock() {}

/// Start an internal chat
#[utoipa::path(post, path = "/api/v1/internal-chats", tag = "conversations",
    request_body = InternalChatRequest,
    responses(
        (status = 201, description = "The new chat, with every participant.", body = Conversation),
        (status = 400, description = "`no_participants` or `invalid_title`.", body = ErrorResponse),
        (status = 404, description = "`agent_not_found`: no agent has an extension named.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn create_internal_chat() {}

// ----- the directory -----

/// The contact directory
///
/// A page of it (by name), or the contacts matching `q`.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts",
    params(
        ("q" = Option<String>, Query, description = "Matches names, e-mails, phone digits and identities, accents and case ignored."),
        ("after" = Option<String>, Query, description = "The `next` of the previous page."),
        ("limit" = Option<u32>, Query, description = "1 to 1000; 100 when left out."),
    ),
    responses(
        (status = 200, description = "A page of contacts.", body = ContactList),
        (status = 400, description = "`invalid_cursor` or `invalid_limit`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn search_contacts() {}

/// Add a contact
#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts",
    request_body = ContactRequest,
    responses(
        (status = 201, description = "Added.", body = Contact),
        (status = 400, description = "`invalid_contact`: no name, or an e-mail, phone or identity that cannot be one.", body = ErrorResponse),
        (status = 409, description = "`identity_taken`: an identity belongs to another contact.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn create_contact() {}

/// Add the unknown sender of a conversation as a contact
#[utoipa::path(post, path = "/api/v1/contacts/from-identity", tag = "contacts",
    request_body = FromIdentityRequest,
    responses(
        (status = 201, description = "Added, linked to the conversation.", body = Contact),
        (status = 400, description = "`invalid_contact`.", body = ErrorResponse),
        (status = 404, description = "`not_found`: no such conversation visible to me.", body = ErrorResponse),
        (status = 409, description = "`contact_exists` (the sender is a contact already) or `identity_taken`.", body = ErrorResponse),
        (status = 422, description = "`internal_chat`: an internal chat has no customer.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn contact_from_identity() {}

/// One contact
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id (a UUID).")),
    responses((status = 200, description = "The contact.", body = Contact)),
    security(("agent_token" = [])))]
fn contact() {}

/// Replace a contact
#[utoipa::path(put, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id (a UUID).")),
    request_body = ContactRequest,
    responses(
        (status = 200, description = "Replaced.", body = Contact),
        (status = 400, description = "`invalid_contact`.", body = ErrorResponse),
        (status = 409, description = "`identity_taken`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn update_contact() {}

/// Delete a contact
#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id (a UUID).")),
    responses((status = 204, description = "Deleted; its conversations show the sender again.")),
    security(("agent_token" = [])))]
fn delete_contact() {}

/// Every conversation with a contact
///
/// All agents' and queues', newest first.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/history", tag = "contacts",
    params(("id" = String, Path, description = "The contact's id (a UUID).")),
    responses((status = 200, description = "The contact and its conversations.", body = ContactHistory)),
    security(("agent_token" = [])))]
fn contact_history() {}

// ----- quick replies -----

/// Quick replies
#[utoipa::path(get, path = "/api/v1/templates", tag = "templates",
    params(
        ("q" = Option<String>, Query, description = "Matches names and bodies, accents and case ignored."),
        ("category" = Option<String>, Query, description = "Only this category."),
        ("language" = Option<String>, Query, description = "Only this language (BCP 47)."),
    ),
    responses((status = 200, description = "The matching templates.", body = TemplateList)),
    security(("agent_token" = [])))]
fn templates() {}

/// Add a quick reply
///
/// Managers and owners only.
#[utoipa::path(post, path = "/api/v1/templates", tag = "templates",
    request_body = TemplateRequest,
    responses(
        (status = 201, description = "Added.", body = Template),
        (status = 400, description = "`invalid_template`.", body = ErrorResponse),
        (status = 403, description = "`forbidden`: agents may not manage templates.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn create_template() {}

/// The categories in use
#[utoipa::path(get, path = "/api/v1/templates/categories", tag = "templates",
    responses((status = 200, description = "Sorted.", body = CategoryList)),
    security(("agent_token" = [])))]
fn template_categories() {}

/// The languages in use
#[utoipa::path(get, path = "/api/v1/templates/languages", tag = "templates",
    responses((status = 200, description = "Sorted.", body = LanguageList)),
    security(("agent_token" = [])))]
fn template_languages() {}

/// Replace a quick reply
///
/// Managers and owners only.
#[utoipa::path(put, path = "/api/v1/templates/{id}", tag = "templates",
    params(("id" = String, Path, description = "The template's id (a UUID).")),
    request_body = TemplateRequest,
    responses(
        (status = 200, description = "Replaced.", body = Template),
        (status = 400, description = "`invalid_template`.", body = ErrorResponse),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn update_template() {}

/// Delete a quick reply
///
/// Managers and owners only.
#[utoipa::path(delete, path = "/api/v1/templates/{id}", tag = "templates",
    params(("id" = String, Path, description = "The template's id (a UUID).")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn delete_template() {}

/// Fill a quick reply's variables for a conversation
#[utoipa::path(post, path = "/api/v1/templates/{id}/render", tag = "templates",
    params(("id" = String, Path, description = "The template's id (a UUID).")),
    request_body = RenderRequest,
    responses((status = 200, description = "The text to send.", body = RenderResponse)),
    security(("agent_token" = [])))]
fn render_template() {}

// ----- files -----

/// Upload a file
///
/// Multipart with one `file` field. The type is decided by the content and must agree with the
/// name's extension. Reply with its id in `attachments`.
#[utoipa::path(post, path = "/api/v1/attachments", tag = "attachments",
    request_body(content = Upload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored.", body = AttachmentRef),
        (status = 400, description = "`invalid_upload` (not multipart), `missing_file` or `empty_file`.", body = ErrorResponse),
        (status = 413, description = "`file_too_large`: more than the server's `max_attachment_bytes` (see `/healthz`).", body = ErrorResponse),
        (status = 415, description = "`unsupported_file_type`: a type that is not allowed, or content that does not match the extension.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn upload() {}

/// Download a file
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "attachments",
    params(("id" = String, Path, description = "The attachment's id (a UUID).")),
    responses((status = 200, description = "The file, with its own type, `nosniff` and a sandboxing CSP.", body = Vec<u8>, content_type = "application/octet-stream")),
    security(("agent_token" = [])))]
fn download() {}

/// An image's thumbnail
#[utoipa::path(get, path = "/api/v1/attachments/{id}/thumbnail", tag = "attachments",
    params(("id" = String, Path, description = "The attachment's id (a UUID).")),
    responses(
        (status = 200, description = "A JPEG at most 320 px wide.", body = Vec<u8>, content_type = "image/jpeg"),
    ),
    security(("agent_token" = [])))]
fn thumbnail() {}

// ----- administration -----

/// Change my password
///
/// The current password is required; my other sessions end. Agents declared in the
/// configuration file have their password there (409 `provisioned`).
#[utoipa::path(put, path = "/api/v1/me/password", tag = "session",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed."),
        (status = 400, description = "`invalid_password`: the current one is wrong or the new one too short.", body = ErrorResponse),
        (status = 409, description = "`provisioned`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn change_own_password() {}

/// Agents
///
/// System owners only (403 `forbidden` otherwise), like every `/admin` route.
#[utoipa::path(get, path = "/api/v1/admin/agents", tag = "administration",
    responses(
        (status = 200, description = "By extension.", body = AdminAgentList),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_agents() {}

/// Add an agent
///
/// `extension`, `name` and `password` are required; the password is temporary (the agent
/// chooses their own at the next sign-in).
#[utoipa::path(post, path = "/api/v1/admin/agents", tag = "administration",
    request_body = AgentRequest,
    responses(
        (status = 200, description = "The new agent.", body = AdminAgent),
        (status = 400, description = "`invalid_agent`: the message names the field.", body = ErrorResponse),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
        (status = 409, description = "`agent_taken`: the extension or e-mail is another agent's.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_create_agent() {}

/// Edit an agent
#[utoipa::path(put, path = "/api/v1/admin/agents/{extension}", tag = "administration",
    params(("extension" = String, Path, description = "The agent's extension.")),
    request_body = AgentRequest,
    responses(
        (status = 200, description = "The agent as changed.", body = AdminAgent),
        (status = 400, description = "`invalid_agent`.", body = ErrorResponse),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
        (status = 404, description = "`agent_not_found`.", body = ErrorResponse),
        (status = 409, description = "`agent_taken`, or `provisioned` (declared in the configuration file).", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_update_agent() {}

/// Disable an agent
///
/// Signs the agent out everywhere at once and withdraws their offers; the chats they own go
/// back to their queues, or to `transfer_to`. The body is optional.
#[utoipa::path(post, path = "/api/v1/admin/agents/{extension}/disable", tag = "administration",
    params(("extension" = String, Path, description = "The agent's extension.")),
    request_body(content = DisableAgentRequest, description = "Optional."),
    responses(
        (status = 200, description = "The disabled agent.", body = AdminAgent),
        (status = 400, description = "`invalid_agent` (yourself, or chats with no queue and no `transfer_to`), `invalid_json`.", body = ErrorResponse),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
        (status = 404, description = "`agent_not_found` (the agent or `transfer_to`).", body = ErrorResponse),
        (status = 409, description = "`provisioned`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_disable_agent() {}

/// Enable an agent
#[utoipa::path(post, path = "/api/v1/admin/agents/{extension}/enable", tag = "administration",
    params(("extension" = String, Path, description = "The agent's extension.")),
    responses(
        (status = 200, description = "The enabled agent.", body = AdminAgent),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
        (status = 404, description = "`agent_not_found`.", body = ErrorResponse),
        (status = 409, description = "`provisioned`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_enable_agent() {}

/// Set a temporary password
///
/// The agent's sessions end; at the next sign-in they must choose their own password.
#[utoipa::path(post, path = "/api/v1/admin/agents/{extension}/password", tag = "administration",
    params(("extension" = String, Path, description = "The agent's extension.")),
    request_body = PasswordRequest,
    responses(
        (status = 200, description = "The agent.", body = AdminAgent),
        (status = 400, description = "`invalid_agent`: too short.", body = ErrorResponse),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
        (status = 404, description = "`agent_not_found`.", body = ErrorResponse),
        (status = 409, description = "`provisioned`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_set_password() {}

/// Queues
///
/// System owners see every queue; managers and group owners the queues they belong to.
#[utoipa::path(get, path = "/api/v1/admin/queues", tag = "administration",
    responses(
        (status = 200, description = "By id.", body = AdminQueueList),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_queues() {}

/// Add a queue
///
/// System owners only. `id` and `agents` (extensions in priority order) are required.
#[utoipa::path(post, path = "/api/v1/admin/queues", tag = "administration",
    request_body = QueueRequest,
    responses(
        (status = 200, description = "The new queue.", body = AdminQueue),
        (status = 400, description = "`invalid_queue`: the message names the field.", body = ErrorResponse),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
        (status = 409, description = "`queue_taken`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_create_queue() {}

/// Edit a queue
///
/// Members in priority order, strategy, offer timeout, chats per agent. The chats waiting in
/// it follow at once: offers to agents no longer members are withdrawn.
#[utoipa::path(put, path = "/api/v1/admin/queues/{id}", tag = "administration",
    params(("id" = String, Path, description = "The queue's id.")),
    request_body = QueueRequest,
    responses(
        (status = 200, description = "The queue as changed.", body = AdminQueue),
        (status = 400, description = "`invalid_queue`.", body = ErrorResponse),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
        (status = 404, description = "`queue_not_found` (or not one of the caller's).", body = ErrorResponse),
        (status = 409, description = "`provisioned`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_update_queue() {}

/// Delete a queue
///
/// System owners only. Chats waiting in it, and the channels made in the app that route to
/// it, move to `move_to` (required when there are any); a queue the configuration file's
/// channels route to cannot be deleted. The body is optional.
#[utoipa::path(delete, path = "/api/v1/admin/queues/{id}", tag = "administration",
    params(("id" = String, Path, description = "The queue's id.")),
    request_body(content = DeleteQueueRequest, description = "Optional."),
    responses(
        (status = 204, description = "Deleted."),
        (status = 400, description = "`invalid_queue`, `invalid_json`.", body = ErrorResponse),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
        (status = 404, description = "`queue_not_found` (the queue or `move_to`).", body = ErrorResponse),
        (status = 409, description = "`provisioned`, or `queue_in_use` (the file's channels route to it, or chats wait or channels route to it and no `move_to`).", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_delete_queue() {}

/// Channels
///
/// System owners only. Each channel's route, whether it is enabled, its settings with secrets
/// only as `{"set": true, "last4"}`, and what to paste into the provider's console (webhook and
/// status URLs, the live chat's embed snippet). Channels of the configuration file are
/// `provisioned` (read-only here).
#[utoipa::path(get, path = "/api/v1/admin/channels", tag = "administration",
    responses(
        (status = 200, description = "By id.", body = AdminChannelList),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_channels() {}

/// Add a channel
///
/// System owners only. `settings` is the provider's table as in the configuration file
/// (`[channels.whatsapp]`: `phone_number_id`, `access_token`, `app_secret`, `verify_token`,
/// optional `api_base`, `media_hosts`; `facebook`: `page_id`, `page_access_token`,
/// `app_secret`, `verify_token`; `sms`: `account_sid`, `auth_token`, `from_number`;
/// `livechat`: `allowed_origins`, `greeting`, `offline_text`, `ask_name`, `ask_email`), checked
/// with the same rules. Live on every node at once.
#[utoipa::path(post, path = "/api/v1/admin/channels", tag = "administration",
    request_body = ChannelRequest,
    responses(
        (status = 201, description = "The channel as made.", body = AdminChannel),
        (status = 400, description = "`invalid_channel` (the message names each field).", body = ErrorResponse),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
        (status = 409, description = "`channel_taken`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_create_channel() {}

/// Change a channel
///
/// System owners only. The route and settings as a whole (`id` and `kind` cannot change); a
/// secret left out (or empty) keeps the value stored.
#[utoipa::path(put, path = "/api/v1/admin/channels/{id}", tag = "administration",
    params(("id" = String, Path, description = "The channel's id.")),
    request_body = ChannelRequest,
    responses(
        (status = 200, description = "The channel as changed.", body = AdminChannel),
        (status = 400, description = "`invalid_channel`.", body = ErrorResponse),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
        (status = 404, description = "`unknown_channel`.", body = ErrorResponse),
        (status = 409, description = "`provisioned`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_update_channel() {}

/// Disable a channel
///
/// System owners only. It sends nothing (replies are refused with `channel_disabled`) and its
/// webhooks are answered 503, so WhatsApp and Messenger deliver the customers' messages again
/// later (Meta retries for up to 7 days); Twilio does not retry SMS webhooks (its fallback URL
/// or its message log keeps them); the live-chat widget says the chat is unavailable.
#[utoipa::path(post, path = "/api/v1/admin/channels/{id}/disable", tag = "administration",
    params(("id" = String, Path, description = "The channel's id.")),
    responses(
        (status = 200, description = "The channel, disabled.", body = AdminChannel),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
        (status = 404, description = "`unknown_channel`.", body = ErrorResponse),
        (status = 409, description = "`provisioned`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_disable_channel() {}

/// Enable a channel
#[utoipa::path(post, path = "/api/v1/admin/channels/{id}/enable", tag = "administration",
    params(("id" = String, Path, description = "The channel's id.")),
    responses(
        (status = 200, description = "The channel, enabled.", body = AdminChannel),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
        (status = 404, description = "`unknown_channel`.", body = ErrorResponse),
        (status = 409, description = "`provisioned`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_enable_channel() {}

/// Check a channel's connection
///
/// System owners only. Asks the provider with the channel's credentials (WhatsApp: the phone
/// number; Messenger: the page; Twilio: the account) and says in words what it is, or what is
/// wrong (refused token, unknown id, unreachable).
#[utoipa::path(post, path = "/api/v1/admin/channels/{id}/check", tag = "administration",
    params(("id" = String, Path, description = "The channel's id.")),
    responses(
        (status = 200, description = "What the provider said.", body = ChannelCheck),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
        (status = 404, description = "`unknown_channel`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_check_channel() {}

/// The audit log
///
/// Who changed what and when, newest first, with the values before and after.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "administration",
    params(
        ("after" = Option<String>, Query, description = "The `next` of the previous page."),
        ("limit" = Option<u32>, Query, description = "1 to 500; 100 when left out."),
        ("action" = Option<String>, Query, description = "Only actions starting with this: `agent`, `queue`, `channel`, or one action such as `agent.disable`."),
        ("target" = Option<String>, Query, description = "Only entries about this target: `agent:102`, `queue:sales`, `channel:web`."),
        ("actor" = Option<String>, Query, description = "Only changes made by the agent with this extension."),
    ),
    responses(
        (status = 200, description = "A page of entries.", body = AuditPage),
        (status = 400, description = "`invalid_cursor`.", body = ErrorResponse),
        (status = 403, description = "`forbidden`.", body = ErrorResponse),
        (status = 404, description = "`agent_not_found`: no agent has the `actor` extension.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn admin_audit() {}

// ----- desktop app updates -----

/// An update for the desktop app
///
/// Asked by the app's updater (Tauri's) with its platform, architecture, bundle type and version;
/// answered from the server's update folder (`[server.updates] dir`). The app installs the
/// installer only when its signature matches the key built into the app.
#[utoipa::path(get, path = "/api/v1/updates/{target}/{arch}/{current_version}", tag = "updates",
    params(
        ("target" = String, Path, description = "`linux`, `windows` or `darwin`."),
        ("arch" = String, Path, description = "`x86_64`, `aarch64`, `i686` or `armv7`."),
        ("current_version" = String, Path, description = "The app's version, e.g. `1.2.0`."),
        ("bundle_type" = Option<String>, Query, description = "How the app was installed: `deb`, `rpm`, `appimage`, `nsis`, `msi` or `app`; anything else is offered nothing."),
    ),
    responses(
        (status = 200, description = "The newest signed installer above that version.", body = AppUpdate),
        (status = 204, description = "No update."),
        (status = 400, description = "`invalid_version`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn update_check() {}

/// An update installer
#[utoipa::path(get, path = "/api/v1/updates/files/{version}/{file}", tag = "updates",
    params(
        ("version" = String, Path, description = "The version folder."),
        ("file" = String, Path, description = "The installer's file name."),
    ),
    responses(
        (status = 200, description = "The installer.", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 404, description = "No such signed installer.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn update_download() {}

// ----- sync -----

/// Changes after a cursor
///
/// `reset: true` when the cursor is too old: reload, then go on from `cursor`.
#[utoipa::path(get, path = "/api/v1/sync", tag = "sync",
    params(
        ("cursor" = Option<i64>, Query, description = "The last cursor seen; 0 when left out."),
        ("limit" = Option<u32>, Query, description = "1 to 1000; 500 when left out."),
    ),
    responses(
        (status = 200, description = "The events after the cursor.", body = SyncResponse),
        (status = 400, description = "`invalid_limit`.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn sync() {}

/// Live changes (WebSocket)
///
/// Replays every event after `cursor`, then streams them as text frames (each an `Event`).
/// Closes with 4401 when the session ends.
#[utoipa::path(get, path = "/api/v1/stream", tag = "sync",
    params(("cursor" = Option<i64>, Query, description = "The last cursor seen; 0 when left out.")),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol."),
        (status = 429, description = "`too_many_streams`: this agent holds as many streams as a node allows.", body = ErrorResponse),
    ),
    security(("agent_token" = [])))]
fn stream() {}

// ----- provider webhooks (CONTRACT §3) -----

/// WhatsApp subscription handshake
///
/// Meta's verification: answers `hub.challenge` when `hub.verify_token` is the channel's.
#[utoipa::path(get, path = "/webhooks/whatsapp/{channel_id}", tag = "webhooks",
    params(
        ("channel_id" = String, Path, description = "A WhatsApp channel's id."),
        ("hub.mode" = String, Query, description = "`subscribe`."),
        ("hub.verify_token" = String, Query, description = "The channel's `verify_token`."),
        ("hub.challenge" = String, Query, description = "Echoed back."),
    ),
    responses(
        (status = 200, description = "The challenge.", body = String, content_type = "text/plain"),
        (status = 403, description = "`verification_failed`.", body = ErrorResponse),
        (status = 404, description = "`unknown_channel`.", body = ErrorResponse),
    ))]
fn verify_whatsapp() {}

/// WhatsApp Cloud API notifications
///
/// Meta's own JSON (`object: whatsapp_business_account`): messages and statuses. Answered 200
/// once what it carried is stored; a message id delivered twice is stored once.
#[utoipa::path(post, path = "/webhooks/whatsapp/{channel_id}", tag = "webhooks",
    params(("channel_id" = String, Path, description = "A WhatsApp channel's id.")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "WhatsApp Cloud API webhook JSON, signed."),
    responses(
        (status = 200, description = "Stored.", body = String, content_type = "text/plain"),
        (status = 400, description = "`invalid_payload`: not a WhatsApp notification.", body = ErrorResponse),
        (status = 404, description = "`unknown_channel`.", body = ErrorResponse),
        (status = 429, description = "`rate_limited`: too many webhook requests from this address.", body = ErrorResponse),
    ),
    security(("meta_signature" = [])))]
fn whatsapp() {}

/// Messenger subscription handshake
#[utoipa::path(get, path = "/webhooks/facebook/{channel_id}", tag = "webhooks",
    params(
        ("channel_id" = String, Path, description = "A Messenger channel's id."),
        ("hub.mode" = String, Query, description = "`subscribe`."),
        ("hub.verify_token" = String, Query, description = "The channel's `verify_token`."),
        ("hub.challenge" = String, Query, description = "Echoed back."),
    ),
    responses(
        (status = 200, description = "The challenge.", body = String, content_type = "text/plain"),
        (status = 403, description = "`verification_failed`.", body = ErrorResponse),
        (status = 404, description = "`unknown_channel`.", body = ErrorResponse),
    ))]
fn verify_facebook() {}

/// Messenger Platform notifications
///
/// Meta's own JSON (`object: page`, `entry[].messaging[]`).
#[utoipa::path(post, path = "/webhooks/facebook/{channel_id}", tag = "webhooks",
    params(("channel_id" = String, Path, description = "A Messenger channel's id.")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "Messenger Platform webhook JSON, signed."),
    responses(
        (status = 200, description = "Stored.", body = String, content_type = "text/plain"),
        (status = 400, description = "`invalid_payload`.", body = ErrorResponse),
        (status = 404, description = "`unknown_channel`.", body = ErrorResponse),
        (status = 429, description = "`rate_limited`.", body = ErrorResponse),
    ),
    security(("meta_signature" = [])))]
fn facebook() {}

/// Twilio incoming SMS
#[utoipa::path(post, path = "/webhooks/sms/{channel_id}", tag = "webhooks",
    params(("channel_id" = String, Path, description = "An SMS channel's id.")),
    request_body(content = TwilioInbound, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Stored; an empty TwiML `<Response/>`.", body = String, content_type = "text/xml"),
        (status = 400, description = "`invalid_payload`.", body = ErrorResponse),
        (status = 404, description = "`unknown_channel`.", body = ErrorResponse),
        (status = 429, description = "`rate_limited`.", body = ErrorResponse),
    ),
    security(("twilio_signature" = [])))]
fn sms() {}

/// Twilio status callback
#[utoipa::path(post, path = "/webhooks/sms/{channel_id}/status", tag = "webhooks",
    params(("channel_id" = String, Path, description = "An SMS channel's id.")),
    request_body(content = TwilioStatus, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Stored; an empty TwiML `<Response/>`.", body = String, content_type = "text/xml"),
        (status = 400, description = "`invalid_payload`.", body = ErrorResponse),
        (status = 404, description = "`unknown_channel`.", body = ErrorResponse),
        (status = 429, description = "`rate_limited`.", body = ErrorResponse),
    ),
    security(("twilio_signature" = [])))]
fn sms_status() {}

/// A file behind a signed link
///
/// How providers (Twilio, Meta) fetch the files agents send: the server signs each link and
/// it expires.
#[utoipa::path(get, path = "/media/{id}", tag = "webhooks",
    params(
        ("id" = String, Path, description = "The attachment's id."),
        ("expires" = i64, Query, description = "Unix time the link stops working."),
        ("sig" = String, Query, description = "The server's signature of the id and `expires`."),
    ),
    responses(
        (status = 200, description = "The file.", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 400, description = "`expires` or `sig` missing or unreadable (axum's plain-text answer, not the error shape).", body = String, content_type = "text/plain"),
        (status = 403, description = "`invalid_link`: a wrong signature or an expired link.", body = ErrorResponse),
        (status = 404, description = "`not_found`.", body = ErrorResponse),
        (status = 500, description = "`internal`.", body = ErrorResponse),
        (status = 503, description = "`not_ready`.", body = ErrorResponse),
    ))]
fn media_link() {}

// ----- the live-chat widget (CONTRACT §6) -----

/// The widget's script
#[utoipa::path(get, path = "/livechat/{channel_id}/widget.js", tag = "live chat (visitors)",
    params(("channel_id" = String, Path, description = "A live-chat channel's id.")),
    responses((status = 200, description = "The embeddable script.", body = String, content_type = "text/javascript")))]
fn widget_js() {}

/// A page that embeds the widget
#[utoipa::path(get, path = "/livechat/{channel_id}/demo", tag = "live chat (visitors)",
    params(("channel_id" = String, Path, description = "A live-chat channel's id.")),
    responses((status = 200, description = "HTML.", body = String, content_type = "text/html")))]
fn demo_page() {}

/// What the widget shows before a session
#[utoipa::path(get, path = "/livechat/{channel_id}/config", tag = "live chat (visitors)",
    params(("channel_id" = String, Path, description = "A live-chat channel's id.")),
    responses((status = 200, description = "Greeting, questions, file rules.", body = VisitorConfig)))]
fn config() {}

/// CORS preflight of `/config`
#[utoipa::path(options, path = "/livechat/{channel_id}/config", tag = "live chat (visitors)",
    params(("channel_id" = String, Path, description = "A live-chat channel's id.")),
    responses((status = 204, description = "CORS headers for an allowed origin.")))]
fn preflight_config() {}

/// Start or resume a visitor session
///
/// A `token` from an earlier session resumes it (renewed); otherwise a new visitor.
#[utoipa::path(post, path = "/livechat/{channel_id}/session", tag = "live chat (visitors)",
    params(("channel_id" = String, Path, description = "A live-chat channel's id.")),
    request_body = VisitorSessionRequest,
    responses(
        (status = 200, description = "The visitor's token and id.", body = VisitorSession),
        (status = 400, description = "`invalid_json`, or a name or e-mail that cannot be one.", body = ErrorResponse),
        (status = 429, description = "`rate_limited`: too many sessions from this address.", body = ErrorResponse),
    ))]
fn session() {}

/// CORS preflight of `/session`
#[utoipa::path(options, path = "/livechat/{channel_id}/session", tag = "live chat (visitors)",
    params(("channel_id" = String, Path, description = "A live-chat channel's id.")),
    responses((status = 204, description = "CORS headers for an allowed origin.")))]
fn preflight_session() {}

/// The visitor's messages
#[utoipa::path(get, path = "/livechat/{channel_id}/messages", tag = "live chat (visitors)",
    params(
        ("channel_id" = String, Path, description = "A live-chat channel's id."),
        ("after" = Option<i64>, Query, description = "The largest `cursor` seen."),
    ),
    responses((status = 200, description = "A page of messages, oldest first.", body = VisitorPage)),
    security(("visitor_token" = []), ("visitor_token_query" = [])))]
fn visitor_messages() {}

/// The visitor writes
#[utoipa::path(post, path = "/livechat/{channel_id}/messages", tag = "live chat (visitors)",
    params(("channel_id" = String, Path, description = "A live-chat channel's id.")),
    request_body = VisitorSendRequest,
    responses(
        (status = 201, description = "Stored.", body = VisitorMessage),
        (status = 200, description = "This `client_id` was sent before: the stored message.", body = VisitorMessage),
        (status = 400, description = "`empty_message` or `unknown_attachment`.", body = ErrorResponse),
        (status = 413, description = "`body_too_large`: longer than `max_message_chars`.", body = ErrorResponse),
        (status = 429, description = "`rate_limited`: too many messages or new chats.", body = ErrorResponse),
    ),
    security(("visitor_token" = []), ("visitor_token_query" = [])))]
fn visitor_send() {}

/// CORS preflight of `/messages`
#[utoipa::path(options, path = "/livechat/{channel_id}/messages", tag = "live chat (visitors)",
    params(("channel_id" = String, Path, description = "A live-chat channel's id.")),
    responses((status = 204, description = "CORS headers for an allowed origin.")))]
fn preflight_messages() {}

/// The visitor is typing
#[utoipa::path(post, path = "/livechat/{channel_id}/typing", tag = "live chat (visitors)",
    params(("channel_id" = String, Path, description = "A live-chat channel's id.")),
    responses((status = 204, description = "Passed on to the agent.")),
    security(("visitor_token" = []), ("visitor_token_query" = [])))]
fn visitor_typing() {}

/// CORS preflight of `/typing`
#[utoipa::path(options, path = "/livechat/{channel_id}/typing", tag = "live chat (visitors)",
    params(("channel_id" = String, Path, description = "A live-chat channel's id.")),
    responses((status = 204, description = "CORS headers for an allowed origin.")))]
fn preflight_typing() {}

/// A file of the visitor's chat
#[utoipa::path(get, path = "/livechat/{channel_id}/attachments/{id}", tag = "live chat (visitors)",
    params(
        ("channel_id" = String, Path, description = "A live-chat channel's id."),
        ("id" = String, Path, description = "The attachment's id (a UUID)."),
    ),
    responses(
        (status = 200, description = "The file.", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 404, description = "`not_found`: no such file in the visitor's chats.", body = ErrorResponse),
    ),
    security(("visitor_token" = []), ("visitor_token_query" = [])))]
fn visitor_download() {}

/// The visitor's live messages (WebSocket)
///
/// Replays the messages after `cursor`, then streams them.
#[utoipa::path(get, path = "/livechat/{channel_id}/stream", tag = "live chat (visitors)",
    params(
        ("channel_id" = String, Path, description = "A live-chat channel's id."),
        ("cursor" = Option<i64>, Query, description = "The largest `cursor` seen."),
    ),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol."),
        (status = 429, description = "`too_many_streams`.", body = ErrorResponse),
    ),
    security(("visitor_token" = []), ("visitor_token_query" = [])))]
fn visitor_stream() {}

/// The visitor uploads a file
#[utoipa::path(post, path = "/livechat/{channel_id}/attachments", tag = "live chat (visitors)",
    params(("channel_id" = String, Path, description = "A live-chat channel's id.")),
    request_body(content = Upload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored.", body = AttachmentRef),
        (status = 400, description = "`invalid_upload`, `missing_file` or `empty_file`.", body = ErrorResponse),
        (status = 413, description = "`file_too_large`.", body = ErrorResponse),
        (status = 415, description = "`unsupported_file_type`.", body = ErrorResponse),
        (status = 429, description = "`rate_limited`: too many uploads from this address.", body = ErrorResponse),
    ),
    security(("visitor_token" = []), ("visitor_token_query" = [])))]
fn visitor_upload() {}

/// CORS preflight of `/attachments`
#[utoipa::path(options, path = "/livechat/{channel_id}/attachments", tag = "live chat (visitors)",
    params(("channel_id" = String, Path, description = "A live-chat channel's id.")),
    responses((status = 204, description = "CORS headers for an allowed origin.")))]
fn preflight_attachments() {}

// ----- probes and this document -----

/// Is the process up?
#[utoipa::path(get, path = "/healthz", tag = "probes",
    responses((status = 200, description = "Who answers, and the upload limit.", body = Health)))]
fn health() {}

/// Does the database answer?
#[utoipa::path(get, path = "/readyz", tag = "probes",
    responses(
        (status = 200, description = "Ready.", body = Readiness),
        (status = 503, description = "`not_ready`: the database does not answer within 3 s.", body = ErrorResponse),
    ))]
fn ready() {}

/// This document
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "docs",
    responses((status = 200, description = "OpenAPI 3.1.", body = serde_json::Value)))]
fn document() {}

/// This document for people (Swagger UI)
#[utoipa::path(get, path = "/api/v1/docs", tag = "docs",
    responses((status = 200, description = "HTML.", body = String, content_type = "text/html")))]
fn docs_page() {}

/// The page's scripts and styles
#[utoipa::path(get, path = "/api/v1/docs/{file}", tag = "docs",
    params(("file" = String, Path, description = "A file of Swagger UI (`swagger-ui-bundle.js`, …).")),
    responses(
        (status = 200, description = "The file.", body = String),
        (status = 404, description = "`not_found`.", body = ErrorResponse),
    ))]
fn docs_asset() {}
