//! One mapper per row type, and the columns it reads, in that order.

use switchboard_domain::routing::Strategy;
use switchboard_protocol::{
    AttachmentRef, ChannelKind, ConversationStatus, Direction, Identity, MessageStatus, Presence,
    Role,
};

use super::{Cols, SqlRow};
use crate::store::{
    AgentRow, AttachmentRow, BlockRow, ChannelRow, ContactRow, ConversationRow, EventRow,
    MessageRow, OutboundJob, OutboundState, QueueRow, Relation, Route, StoreResult, TemplateRow,
    ViewRow, VisitorRow,
};

pub(super) const AGENT_COLUMNS: &str = "a.id, a.extension, a.name, a.email, a.role, \
    a.password_hash, a.presence, a.last_assigned_at";

pub(super) fn agent(row: &dyn SqlRow) -> StoreResult<AgentRow> {
    let r = Cols::new(row, "agents");
    Ok(AgentRow {
        id: r.uuid(0)?,
        extension: r.text(1)?,
        name: r.text(2)?,
        email: r.opt_text(3)?,
        role: r.parse(4, Role::parse)?,
        password_hash: r.text(5)?,
        presence: r.parse(6, Presence::parse)?,
        last_assigned_at: r.opt_time(7)?,
    })
}

pub(super) const CONVERSATION_COLUMNS: &str = "c.id, c.channel_kind, c.channel_id, c.status, \
    c.queue_id, c.owner_id, c.identity_kind, c.identity_value, c.display_name, c.contact_id, \
    c.title, c.offer_round, c.offer_expires_at, c.last_seq, c.last_message_id, c.created_at, \
    c.updated_at, c.answered_at, c.resolved_at, c.last_inbound_at";

pub(super) fn conversation(row: &dyn SqlRow) -> StoreResult<ConversationRow> {
    let r = Cols::new(row, "conversations");
    let identity = match r.opt_text(6)? {
        None => None,
        Some(_) => Some(Identity {
            kind: r.parse(6, ChannelKind::parse)?,
            value: r.text(7)?,
        }),
    };
    Ok(ConversationRow {
        id: r.uuid(0)?,
        channel: r.parse(1, ChannelKind::parse)?,
        channel_id: r.text(2)?,
        status: r.parse(3, ConversationStatus::parse)?,
        queue_id: r.opt_text(4)?,
        owner_id: r.opt_uuid(5)?,
        identity,
        display_name: r.text(8)?,
        contact_id: r.opt_uuid(9)?,
        title: r.opt_text(10)?,
        offer_round: r.u32(11)?,
        offer_expires_at: r.opt_time(12)?,
        last_seq: r.int(13)?,
        last_message_id: r.opt_uuid(14)?,
        created_at: r.time(15)?,
        updated_at: r.time(16)?,
        answered_at: r.opt_time(17)?,
        resolved_at: r.opt_time(18)?,
        last_inbound_at: r.opt_time(19)?,
    })
}

pub(super) const VIEW_COLUMNS: &str = "v.conversation_id, v.agent_id, v.relation, v.archived, \
    v.deleted, v.last_read_seq, v.updated_at";

/// A view whose columns start at `offset` (after a conversation's, in a join).
pub(super) fn view(row: &dyn SqlRow, offset: usize) -> StoreResult<ViewRow> {
    let r = Cols::new(row, "conversation_views");
    Ok(ViewRow {
        conversation_id: r.uuid(offset)?,
        agent_id: r.uuid(offset + 1)?,
        relation: r.parse(offset + 2, Relation::parse)?,
        archived: r.boolean(offset + 3)?,
        deleted: r.boolean(offset + 4)?,
        last_read_seq: r.int(offset + 5)?,
        updated_at: r.time(offset + 6)?,
    })
}

pub(super) const MESSAGE_COLUMNS: &str = "id, conversation_id, channel_id, seq, client_id, \
    provider_message_id, direction, author_agent_id, author_name, body, attachments, status, \
    error, created_at";

pub(super) fn message(row: &dyn SqlRow) -> StoreResult<MessageRow> {
    let r = Cols::new(row, "messages");
    Ok(MessageRow {
        id: r.uuid(0)?,
        conversation_id: r.uuid(1)?,
        channel_id: r.text(2)?,
        seq: r.int(3)?,
        client_id: r.opt_uuid(4)?,
        provider_message_id: r.opt_text(5)?,
        direction: r.parse(6, Direction::parse)?,
        author_agent_id: r.opt_uuid(7)?,
        author_name: r.text(8)?,
        body: r.text(9)?,
        attachments: r.json::<Vec<AttachmentRef>>(10)?,
        status: r.parse(11, MessageStatus::parse)?,
        error: r.opt_text(12)?,
        created_at: r.time(13)?,
    })
}

pub(super) const QUEUE_COLUMNS: &str =
    "id, name, strategy, offer_timeout_s, max_chats_per_agent, last_round_robin";

/// A queue without its members.
pub(super) fn queue(row: &dyn SqlRow) -> StoreResult<QueueRow> {
    let r = Cols::new(row, "queues");
    Ok(QueueRow {
        id: r.text(0)?,
        name: r.text(1)?,
        strategy: r.parse(2, Strategy::parse)?,
        offer_timeout_s: r.int(3)?,
        max_chats_per_agent: r.u32(4)?,
        last_round_robin: r.opt_uuid(5)?,
        members: Vec::new(),
    })
}

pub(super) const CHANNEL_COLUMNS: &str = "id, kind, route_queue, route_extension";

pub(super) fn channel(row: &dyn SqlRow) -> StoreResult<ChannelRow> {
    let r = Cols::new(row, "channels");
    let route = match (r.opt_text(2)?, r.opt_text(3)?) {
        (Some(queue), _) => Route::Queue(queue),
        (None, Some(extension)) => Route::Extension(extension),
        (None, None) => return Err(r.bad(2, "channel without route")),
    };
    Ok(ChannelRow {
        id: r.text(0)?,
        kind: r.parse(1, ChannelKind::parse)?,
        route,
    })
}

pub(super) const CONTACT_COLUMNS: &str =
    "id, name, emails, phones, search_text, created_at, updated_at";

/// A contact without its identities.
pub(super) fn contact(row: &dyn SqlRow) -> StoreResult<ContactRow> {
    let r = Cols::new(row, "contacts");
    Ok(ContactRow {
        id: r.uuid(0)?,
        name: r.text(1)?,
        emails: r.json(2)?,
        phones: r.json(3)?,
        identities: Vec::new(),
        search_text: r.text(4)?,
        created_at: r.time(5)?,
        updated_at: r.time(6)?,
    })
}

pub(super) fn identity(row: &dyn SqlRow) -> StoreResult<Identity> {
    let r = Cols::new(row, "contact_identities");
    Ok(Identity {
        kind: r.parse(0, ChannelKind::parse)?,
        value: r.text(1)?,
    })
}

pub(super) const TEMPLATE_COLUMNS: &str =
    "id, name, body, category, language, updated_by, updated_at";

pub(super) fn template(row: &dyn SqlRow) -> StoreResult<TemplateRow> {
    let r = Cols::new(row, "templates");
    Ok(TemplateRow {
        id: r.uuid(0)?,
        name: r.text(1)?,
        body: r.text(2)?,
        category: r.text(3)?,
        language: r.text(4)?,
        updated_by: r.opt_uuid(5)?,
        updated_at: r.time(6)?,
    })
}

pub(super) const ATTACHMENT_COLUMNS: &str = "id, uploader_id, filename, mime, size, \
    has_thumbnail, conversation_id, message_id, created_at, visitor_id";

pub(super) fn attachment(row: &dyn SqlRow) -> StoreResult<AttachmentRow> {
    let r = Cols::new(row, "attachments");
    Ok(AttachmentRow {
        id: r.uuid(0)?,
        uploader_id: r.opt_uuid(1)?,
        filename: r.text(2)?,
        mime: r.text(3)?,
        size: r.int(4)?.max(0) as u64,
        has_thumbnail: r.boolean(5)?,
        conversation_id: r.opt_uuid(6)?,
        message_id: r.opt_uuid(7)?,
        created_at: r.time(8)?,
        visitor_id: r.opt_uuid(9)?,
    })
}

pub(super) const OUTBOUND_COLUMNS: &str = "message_id, conversation_id, channel_id, state, \
    attempts, next_attempt_at, last_error, created_at";

pub(super) fn outbound(row: &dyn SqlRow) -> StoreResult<OutboundJob> {
    let r = Cols::new(row, "outbound_jobs");
    Ok(OutboundJob {
        message_id: r.uuid(0)?,
        conversation_id: r.uuid(1)?,
        channel_id: r.text(2)?,
        state: r.parse(3, OutboundState::parse)?,
        attempts: r.u32(4)?,
        next_attempt_at: r.time(5)?,
        last_error: r.opt_text(6)?,
        created_at: r.time(7)?,
    })
}

pub(super) const VISITOR_COLUMNS: &str = "id, channel_id, token_hash, token_expires_at, name, \
    email, ip, user_agent, language, created_at, last_seen_at";

pub(super) fn visitor(row: &dyn SqlRow) -> StoreResult<VisitorRow> {
    let r = Cols::new(row, "visitors");
    Ok(VisitorRow {
        id: r.uuid(0)?,
        channel_id: r.text(1)?,
        token_hash: r.text(2)?,
        token_expires_at: r.time(3)?,
        name: r.opt_text(4)?,
        email: r.opt_text(5)?,
        ip: r.text(6)?,
        user_agent: r.text(7)?,
        language: r.opt_text(8)?,
        created_at: r.time(9)?,
        last_seen_at: r.time(10)?,
    })
}

pub(super) const BLOCK_COLUMNS: &str =
    "id, ip, reason, blocked_by, conversation_id, created_at, expires_at";

pub(super) fn block(row: &dyn SqlRow) -> StoreResult<BlockRow> {
    let r = Cols::new(row, "blocks");
    Ok(BlockRow {
        id: r.uuid(0)?,
        ip: r.text(1)?,
        reason: r.opt_text(2)?,
        blocked_by: r.uuid(3)?,
        conversation_id: r.opt_uuid(4)?,
        created_at: r.time(5)?,
        expires_at: r.opt_time(6)?,
    })
}

pub(super) const EVENT_COLUMNS: &str = "seq, kind, object_id, data";

pub(super) fn event(row: &dyn SqlRow) -> StoreResult<EventRow> {
    let r = Cols::new(row, "events");
    Ok(EventRow {
        seq: r.int(0)?,
        kind: r.text(1)?,
        object_id: r.opt_uuid(2)?,
        data: r.opt_json(3)?,
    })
}

/// The first column, an id.
pub(super) fn id(table: &'static str) -> impl Fn(&dyn SqlRow) -> StoreResult<uuid::Uuid> {
    move |row| Cols::new(row, table).uuid(0)
}

/// The first column, a count: never near `u32::MAX`, so saturate rather than fail.
pub(super) fn count(row: &dyn SqlRow) -> StoreResult<u32> {
    let n = Cols::new(row, "count").int(0)?;
    Ok(u32::try_from(n.max(0)).unwrap_or(u32::MAX))
}
