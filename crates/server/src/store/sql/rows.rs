//! One description per row type ([`Record`]): its table and its columns in order, each field
//! read and written the same way for every statement ([`Field`]).

use std::rc::Rc;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use switchboard_domain::routing::Strategy;
use switchboard_protocol::{
    ChannelKind, ConversationStatus, Direction, Identity, MessageStatus, Presence, Role,
};
use uuid::Uuid;

use super::{kept_text, Cols, SqlRow, Value};
use crate::store::{
    AgentRow, AttachmentRow, AuditRow, BlockRow, ChannelRow, ContactRow, ConversationRow, EventRow,
    MessageRow, OutboundJob, OutboundState, QueueRow, Relation, Route, SessionRow, SmsOptOutRow,
    StoreResult, TemplateRow, ViewRow, VisitorRow, WhatsAppTemplateRow,
};

/// A row type stored in one table.
pub(super) trait Record: Sized + 'static {
    const TABLE: &'static str;
    /// What the table is called in the statements' joins.
    const ALIAS: &'static str;
    /// The columns, in the order of the fields that fill them; a field stored in several
    /// columns names them all (`"identity_kind, identity_value"`).
    const COLUMNS: &'static [&'static str];
    /// From the row's columns at `at`, moving `at` past them.
    fn read(row: &dyn SqlRow, at: &mut usize) -> StoreResult<Self>;
    /// The values of [`Record::COLUMNS`], in order.
    fn write<'a>(&'a self, out: &mut Vec<Value<'a>>) -> StoreResult<()>;
}

/// How a field is stored: read from the columns at `at` (moving past them), written as values.
pub(super) trait Field: Sized {
    fn read(r: &Cols<'_>, at: &mut usize) -> StoreResult<Self>;
    fn write<'a>(&'a self, out: &mut Vec<Value<'a>>) -> StoreResult<()>;
}

/// `"a.id, a.name, …"`: the columns of `R`, named with its alias.
pub(super) fn columns<R: Record>() -> Rc<str> {
    kept_text::<R>("columns", 0, || {
        let names: Vec<String> = names::<R>().map(|c| format!("{}.{c}", R::ALIAS)).collect();
        names.join(", ")
    })
}

/// Each column of `R` on its own.
pub(super) fn names<R: Record>() -> impl Iterator<Item = &'static str> {
    R::COLUMNS.iter().flat_map(|c| c.split(", "))
}

/// `SELECT` every column of `R` `FROM` its table.
pub(super) fn select<R: Record>() -> Rc<str> {
    kept_text::<R>("select", 0, || {
        format!("SELECT {} FROM {} {}", columns::<R>(), R::TABLE, R::ALIAS)
    })
}

/// `INSERT INTO` the table of `R` every column of `R`, as `$1`, `$2`, … in column order.
pub(super) fn insert<R: Record>() -> Rc<str> {
    kept_text::<R>("insert", 0, || {
        let names: Vec<&str> = names::<R>().collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            R::TABLE,
            names.join(", "),
            placeholders(1, names.len())
        )
    })
}

/// `"$first, $first+1, …"`: `count` placeholders.
pub(super) fn placeholders(first: usize, count: usize) -> String {
    let list: Vec<String> = (first..first + count).map(|i| format!("${i}")).collect();
    list.join(", ")
}

/// A whole row of `R`.
pub(super) fn read<R: Record>(row: &dyn SqlRow) -> StoreResult<R> {
    R::read(row, &mut 0)
}

/// The values of a row of `R`, for `$1`, `$2`, … in column order.
pub(super) fn values<R: Record>(row: &R) -> StoreResult<Vec<Value<'_>>> {
    let mut out = Vec::with_capacity(R::COLUMNS.len());
    row.write(&mut out)?;
    Ok(out)
}

/// `record! { Row: "table" "alias", [field, field("column_a, column_b"), …], default: field }`
/// stores `Row` in `table`: each listed field in the column of its name (or in those named
/// after it), in order; fields after `default:` are not columns and start empty.
macro_rules! record {
    ($row:ident: $table:literal $alias:literal,
     [$($field:ident $(($columns:literal))?),* $(,)?] $(, default: $($empty:ident),*)?) => {
        impl Record for $row {
            const TABLE: &'static str = $table;
            const ALIAS: &'static str = $alias;
            const COLUMNS: &'static [&'static str] =
                &[$(record!(@column $field $($columns)?)),*];

            fn read(row: &dyn SqlRow, at: &mut usize) -> StoreResult<Self> {
                let r = Cols::new(row, $table);
                Ok($row {
                    $($field: Field::read(&r, at)?,)*
                    $($($empty: Default::default(),)*)?
                })
            }

            fn write<'a>(&'a self, out: &mut Vec<Value<'a>>) -> StoreResult<()> {
                $(self.$field.write(out)?;)*
                Ok(())
            }
        }
    };
    (@column $field:ident) => { stringify!($field) };
    (@column $field:ident $columns:literal) => { $columns };
}

record! {
    AgentRow: "agents" "a",
    [
        id,
        extension,
        name,
        email,
        role,
        password_hash,
        presence,
        last_assigned_at,
        disabled_at,
        provisioned,
        must_change_password
    ]
}

record! {
    AuditRow: "audit_log" "au",
    [id, at, actor_id, action, target, before_value, after_value]
}

record! {
    SessionRow: "sessions" "s",
    [token_hash, agent_id, created_at, expires_at]
}

record! {
    QueueRow: "queues" "q",
    [id, name, strategy, offer_timeout_s, max_chats_per_agent, last_round_robin, provisioned],
    default: members
}

record! {
    ChannelRow: "channels" "ch",
    [id, kind, route("route_queue, route_extension"), settings, enabled, provisioned,
     human_agent_tag]
}

record! {
    ConversationRow: "conversations" "c",
    [id, channel("channel_kind"), channel_id, status, queue_id, owner_id,
     identity("identity_kind, identity_value"), display_name, contact_id, title, offer_round,
     offer_expires_at, last_seq, last_message_id, created_at, updated_at, answered_at,
     resolved_at, last_inbound_at]
}

record! {
    ViewRow: "conversation_views" "v",
    [conversation_id, agent_id, relation, archived, deleted, last_read_seq, updated_at]
}

record! {
    MessageRow: "messages" "m",
    [id, conversation_id, channel_id, seq, client_id, provider_message_id, direction,
     author_agent_id, author_name, body, attachments, status, error, created_at]
}

record! {
    EventRow: "events" "e",
    [seq, kind, object_id, data]
}

record! {
    ContactRow: "contacts" "ct",
    [id, name, emails, phones, search_text, created_at, updated_at],
    default: identities
}

record! {
    TemplateRow: "templates" "t",
    [id, name, body, category, language, updated_by, updated_at]
}

record! {
    AttachmentRow: "attachments" "f",
    [id, uploader_id, filename, mime, size, has_thumbnail, conversation_id, message_id,
     created_at, visitor_id]
}

record! {
    OutboundJob: "outbound_jobs" "o",
    [message_id, conversation_id, channel_id, state, attempts, next_attempt_at, last_error,
     created_at, template]
}

record! {
    WhatsAppTemplateRow: "whatsapp_templates" "wt",
    [channel_id, name, language, category, components, synced_at]
}

record! {
    SmsOptOutRow: "sms_opt_outs" "so",
    [channel_id, address, opted_out_at]
}

record! {
    VisitorRow: "visitors" "vi",
    [id, channel_id, token_hash, token_expires_at, name, email, ip, user_agent, language,
     created_at, last_seen_at]
}

record! {
    BlockRow: "blocks" "b",
    [id, ip, reason, blocked_by, conversation_id, created_at, expires_at]
}

/// The next column's index.
fn next(at: &mut usize) -> usize {
    *at += 1;
    *at - 1
}

/// Fields stored as they are, read with `Cols::$get`.
macro_rules! plain_fields {
    ($($t:ty => $get:ident),*) => {$(
        impl Field for $t {
            fn read(r: &Cols<'_>, at: &mut usize) -> StoreResult<Self> {
                r.$get(next(at))
            }

            fn write<'a>(&'a self, out: &mut Vec<Value<'a>>) -> StoreResult<()> {
                out.push(self.into());
                Ok(())
            }
        }
    )*};
}
plain_fields!(
    i64 => int, u32 => u32, bool => boolean, String => text, Option<String> => opt_text,
    Uuid => uuid, Option<Uuid> => opt_uuid, DateTime<Utc> => time,
    Option<DateTime<Utc>> => opt_time
);

/// A size: never negative, stored as a (signed) integer.
impl Field for u64 {
    fn read(r: &Cols<'_>, at: &mut usize) -> StoreResult<Self> {
        Ok(r.int(next(at))?.max(0) as u64)
    }

    fn write<'a>(&'a self, out: &mut Vec<Value<'a>>) -> StoreResult<()> {
        out.push(Value::Int(*self as i64));
        Ok(())
    }
}

/// Enumerations stored as their names (`as_str`, `parse`).
macro_rules! named_fields {
    ($($t:ty),*) => {$(
        impl Field for $t {
            fn read(r: &Cols<'_>, at: &mut usize) -> StoreResult<Self> {
                r.parse(next(at), <$t>::parse)
            }

            fn write<'a>(&'a self, out: &mut Vec<Value<'a>>) -> StoreResult<()> {
                out.push(Value::Text(self.as_str()));
                Ok(())
            }
        }
    )*};
}
named_fields!(
    Role,
    Presence,
    Strategy,
    ChannelKind,
    ConversationStatus,
    Relation,
    Direction,
    MessageStatus,
    OutboundState
);

/// Lists stored as JSON.
impl<T: Serialize + DeserializeOwned> Field for Vec<T> {
    fn read(r: &Cols<'_>, at: &mut usize) -> StoreResult<Self> {
        r.json(next(at))
    }

    fn write<'a>(&'a self, out: &mut Vec<Value<'a>>) -> StoreResult<()> {
        out.push(Value::json(self)?);
        Ok(())
    }
}

/// An event's payload, as JSON.
impl Field for Option<serde_json::Value> {
    fn read(r: &Cols<'_>, at: &mut usize) -> StoreResult<Self> {
        r.opt_json(next(at))
    }

    fn write<'a>(&'a self, out: &mut Vec<Value<'a>>) -> StoreResult<()> {
        out.push(match self {
            Some(data) => Value::Json(data.to_string()),
            None => Value::Null,
        });
        Ok(())
    }
}

/// A customer's identity: its kind and value, in two columns.
impl Field for Option<Identity> {
    fn read(r: &Cols<'_>, at: &mut usize) -> StoreResult<Self> {
        let (kind, value) = (next(at), next(at));
        if r.opt_text(kind)?.is_none() {
            return Ok(None);
        }
        Ok(Some(Identity {
            kind: r.parse(kind, ChannelKind::parse)?,
            value: r.text(value)?,
        }))
    }

    fn write<'a>(&'a self, out: &mut Vec<Value<'a>>) -> StoreResult<()> {
        out.push(self.as_ref().map(|i| i.kind.as_str()).into());
        out.push(self.as_ref().map(|i| i.value.as_str()).into());
        Ok(())
    }
}

/// A channel's route: a queue or an extension, in two columns of which one is set.
impl Field for Route {
    fn read(r: &Cols<'_>, at: &mut usize) -> StoreResult<Self> {
        let (queue, extension) = (next(at), next(at));
        match (r.opt_text(queue)?, r.opt_text(extension)?) {
            (Some(queue), _) => Ok(Route::Queue(queue)),
            (None, Some(extension)) => Ok(Route::Extension(extension)),
            (None, None) => Err(r.bad(queue, "channel without route")),
        }
    }

    fn write<'a>(&'a self, out: &mut Vec<Value<'a>>) -> StoreResult<()> {
        let (queue, extension) = match self {
            Route::Queue(q) => (Some(q.as_str()), None),
            Route::Extension(e) => (None, Some(e.as_str())),
        };
        out.extend([queue.into(), extension.into()]);
        Ok(())
    }
}

pub(super) fn identity(row: &dyn SqlRow) -> StoreResult<Identity> {
    let r = Cols::new(row, "contact_identities");
    Ok(Identity {
        kind: r.parse(0, ChannelKind::parse)?,
        value: r.text(1)?,
    })
}

/// The first column, an id.
pub(super) fn id(table: &'static str) -> impl Fn(&dyn SqlRow) -> StoreResult<Uuid> {
    move |row| Cols::new(row, table).uuid(0)
}

/// The first column, a count: never near `u32::MAX`, so saturate rather than fail.
pub(super) fn count(row: &dyn SqlRow) -> StoreResult<u32> {
    count_at(row, 0)
}

/// The column at `idx`, a count, as [`count`] reads it.
pub(super) fn count_at(row: &dyn SqlRow, idx: usize) -> StoreResult<u32> {
    let n = Cols::new(row, "count").int(idx)?;
    Ok(u32::try_from(n.max(0)).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_text_is_made_once_per_row_type() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        let agents = select::<AgentRow>();
        assert!(
            Rc::ptr_eq(&agents, &select::<AgentRow>()),
            "kept, not made again"
        );
        assert!(!Rc::ptr_eq(&agents, &select::<ViewRow>()));
        // Made of the kept column list.
        assert_eq!(
            &*agents,
            format!("SELECT {} FROM agents a", columns::<AgentRow>())
        );
        let names: Vec<&str> = names::<AgentRow>().collect();
        assert_eq!(
            &*insert::<AgentRow>(),
            format!(
                "INSERT INTO agents ({}) VALUES ({})",
                names.join(", "),
                placeholders(1, names.len())
            )
        );
        assert!(columns::<AgentRow>().starts_with("a.id, "));
    }
}
