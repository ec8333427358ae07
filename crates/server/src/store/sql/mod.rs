//! The storage operations written once, in SQL both backends understand.
//!
//! A backend provides a [`Conn`]: one connection inside one transaction, which runs a
//! statement with typed [`Value`]s and hands back rows to read through [`SqlRow`]. [`SqlTx`]
//! implements every [`Tx`](super::Tx) operation over any `Conn` (`tx.rs`), reading rows with
//! one mapper per row type (`rows.rs`). What really differs between SQLite and PostgreSQL is
//! the small [`Dialect`] each `Conn` names: column types, text order, row locks.
//!
//! Statements use PostgreSQL's `$1` placeholders; the SQLite connection spells them `?1`.
//! Values keep each backend's storage: SQLite stores ids as text, times as fixed-width
//! RFC 3339 text (so text order is time order), JSON as text and booleans as 0/1; PostgreSQL
//! uses `UUID`, `TIMESTAMPTZ`, `JSONB` and `BOOLEAN`.

mod rows;
mod tx;

use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{Announcement, StoreError, StoreResult};

/// `(file, SQL)` of `migrations/{file}.sql`, for [`MIGRATIONS`].
macro_rules! migrations {
    ($($file:literal),* $(,)?) => {
        &[$(($file, include_str!(concat!("migrations/", $file, ".sql")))),*]
    };
}

/// The schema, one numbered file per migration (`NNN_name.sql`), shared by both backends; the
/// version of a database is the number of migrations applied. Never edit one that shipped: add
/// a file.
pub(crate) const MIGRATIONS: &[(&str, &str)] = migrations![
    "001_agents_and_sessions",
    "002_queues_and_channels",
    "003_conversations_and_views",
    "004_messages",
    "005_events",
    "006_contacts",
    "007_templates",
    "008_attachments",
    "009_outbound_queue",
    "010_live_chat_visitors_and_blocks",
    "011_request_counts",
    "012_agent_disabled_at",
    "013_administration",
    "014_channels_in_the_app",
    "015_whatsapp_templates",
    "016_reply_rules",
    "017_views_by_agent_and_conversation",
    "018_agent_replies_by_conversation",
];

/// A migration's name, from its file: `010_live_chat_visitors_and_blocks` is "live chat
/// visitors and blocks" (what PostgreSQL records in `schema_migrations`).
pub(crate) fn migration_name(file: &str) -> String {
    file.split_once('_')
        .map_or(file, |(_, name)| name)
        .replace('_', " ")
}

/// What differs between the SQL of the two backends.
#[derive(Debug)]
pub(crate) struct Dialect {
    /// What the `{{token}}`s of the migrations become.
    pub types: &'static [(&'static str, &'static str)],
    /// After a text expression: compare it byte by byte, as SQLite always does (PostgreSQL
    /// otherwise follows the database's collation).
    pub bytewise: &'static str,
    /// After a `SELECT` of rows to hold until the transaction ends (SQLite's single writer
    /// holds everything anyway).
    pub for_update: &'static str,
    /// A write transaction excludes every other writer (SQLite's one writer): a row it has
    /// read stays as read until it writes the row itself. Otherwise only rows read
    /// `for_update` are held.
    pub one_writer: bool,
    /// The larger of two values (`MAX` of two arguments in SQLite).
    pub greatest: &'static str,
}

pub(crate) const SQLITE: Dialect = Dialect {
    types: &[
        ("{{uuid}}", "TEXT"),
        ("{{timestamp}}", "TEXT"),
        ("{{integer}}", "INTEGER"),
        ("{{boolean}}", "INTEGER"),
        ("{{json}}", "TEXT"),
        ("{{unlogged_table}}", "TABLE"),
    ],
    bytewise: "",
    for_update: "",
    one_writer: true,
    greatest: "MAX",
};

pub(crate) const POSTGRES: Dialect = Dialect {
    types: &[
        ("{{uuid}}", "UUID"),
        ("{{timestamp}}", "TIMESTAMPTZ"),
        ("{{integer}}", "BIGINT"),
        ("{{boolean}}", "BOOLEAN"),
        ("{{json}}", "JSONB"),
        // Shared rate-limit counts: losing them in a crash costs nothing, so they skip the
        // write-ahead log.
        ("{{unlogged_table}}", "UNLOGGED TABLE"),
    ],
    bytewise: " COLLATE \"C\"",
    for_update: " FOR UPDATE",
    one_writer: false,
    greatest: "GREATEST",
};

/// A migration a database lacks.
pub(crate) struct Migration {
    /// Its place in [`MIGRATIONS`], from 1: the database's version once applied.
    pub number: i64,
    pub name: String,
    /// In the dialect of the database.
    pub sql: String,
}

impl Dialect {
    /// The migrations a database at `version` lacks, in order. A database written by a newer
    /// server is refused.
    pub fn pending(&self, version: i64) -> StoreResult<Vec<Migration>> {
        let supported = MIGRATIONS.len() as i64;
        if version > supported {
            return Err(StoreError::TooNew {
                found: version,
                supported,
            });
        }
        let all = MIGRATIONS.iter().zip(1..);
        let pending = all.skip(version.max(0) as usize);
        Ok(pending
            .map(|(&(file, sql), number)| Migration {
                number,
                name: migration_name(file),
                sql: self.render(sql),
            })
            .collect())
    }

    /// A migration's SQL for this backend.
    pub fn render(&self, sql: &str) -> String {
        let mut sql = sql.to_string();
        for (token, ty) in self.types {
            sql = sql.replace(token, ty);
        }
        debug_assert!(!sql.contains("{{"), "unknown type token in {sql}");
        sql
    }
}

/// A statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    Null,
    Int(i64),
    Bool(bool),
    Text(&'a str),
    Uuid(Uuid),
    Time(DateTime<Utc>),
    /// Serialised JSON.
    Json(String),
}

impl Value<'_> {
    /// `value` as JSON.
    pub fn json(value: &impl serde::Serialize) -> StoreResult<Value<'static>> {
        serde_json::to_string(value)
            .map(Value::Json)
            .map_err(|e| StoreError::Database(format!("cannot serialise: {e}")))
    }
}

macro_rules! from_copy {
    ($($t:ty => $variant:ident),*) => {$(
        impl From<$t> for Value<'_> {
            fn from(v: $t) -> Self {
                Value::$variant(v.into())
            }
        }
        impl From<Option<$t>> for Value<'_> {
            fn from(v: Option<$t>) -> Self {
                v.map_or(Value::Null, Value::from)
            }
        }
        impl From<&$t> for Value<'_> {
            fn from(v: &$t) -> Self {
                Value::from(*v)
            }
        }
        impl From<&Option<$t>> for Value<'_> {
            fn from(v: &Option<$t>) -> Self {
                Value::from(*v)
            }
        }
    )*};
}
from_copy!(i64 => Int, u32 => Int, bool => Bool, Uuid => Uuid, DateTime<Utc> => Time);

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(v)
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(v)
    }
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(v: Option<&'a str>) -> Self {
        v.map_or(Value::Null, Value::Text)
    }
}

impl<'a> From<&'a Option<String>> for Value<'a> {
    fn from(v: &'a Option<String>) -> Self {
        v.as_deref().into()
    }
}

/// `[Value]` of the arguments, for a statement's parameters `$1`, `$2`, ….
macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$($crate::store::sql::Value::from($v)),*] };
}
pub(crate) use params;

/// One row of a result, as each backend stores its values. `table` names the row's table for
/// error messages.
pub(crate) trait SqlRow {
    fn int(&self, table: &'static str, idx: usize) -> StoreResult<Option<i64>>;
    fn boolean(&self, table: &'static str, idx: usize) -> StoreResult<Option<bool>>;
    fn text(&self, table: &'static str, idx: usize) -> StoreResult<Option<String>>;
    fn uuid(&self, table: &'static str, idx: usize) -> StoreResult<Option<Uuid>>;
    fn time(&self, table: &'static str, idx: usize) -> StoreResult<Option<DateTime<Utc>>>;
    fn json(&self, table: &'static str, idx: usize) -> StoreResult<Option<serde_json::Value>>;
    /// A value this build cannot understand.
    fn bad(&self, table: &'static str, idx: usize, detail: String) -> StoreError;
}

/// Whether a statement checks a uniqueness rule: `Some(what)` reports a constraint violation
/// as [`StoreError::Duplicate`] with that name.
pub(crate) type Unique = Option<&'static str>;

/// What [`Conn::query`] hands each row to.
pub(crate) type EachRow<'a> = &'a mut dyn FnMut(&dyn SqlRow) -> StoreResult<()>;

/// One connection inside one transaction.
pub(crate) trait Conn {
    const DIALECT: Dialect;

    /// Run a statement that returns rows, handing each to `each`.
    fn query(&mut self, sql: &str, params: &[Value<'_>], each: EachRow<'_>) -> StoreResult<()>;

    /// Run a statement and say how many rows it changed. With `unique`, a constraint violation
    /// is [`StoreError::Duplicate`] of that name, and the transaction stays usable.
    fn execute(&mut self, sql: &str, params: &[Value<'_>], unique: Unique) -> StoreResult<u64>;

    /// See [`Tx::announce`](super::Tx::announce).
    fn announce(&mut self, announcement: &Announcement) -> StoreResult<()> {
        let _ = announcement;
        Ok(())
    }
}

/// The columns of one row of `table`, read with the types the store's rows use.
pub(crate) struct Cols<'r> {
    row: &'r dyn SqlRow,
    table: &'static str,
}

impl<'r> Cols<'r> {
    pub fn new(row: &'r dyn SqlRow, table: &'static str) -> Self {
        Cols { row, table }
    }

    pub fn bad(&self, idx: usize, detail: impl std::fmt::Display) -> StoreError {
        self.row.bad(self.table, idx, detail.to_string())
    }

    fn required<T>(&self, idx: usize, value: Option<T>) -> StoreResult<T> {
        value.ok_or_else(|| self.bad(idx, "unexpected NULL"))
    }

    pub fn int(&self, idx: usize) -> StoreResult<i64> {
        self.required(idx, self.row.int(self.table, idx)?)
    }

    pub fn u32(&self, idx: usize) -> StoreResult<u32> {
        let n = self.int(idx)?;
        u32::try_from(n).map_err(|_| self.bad(idx, format!("{n} is out of range")))
    }

    pub fn boolean(&self, idx: usize) -> StoreResult<bool> {
        self.required(idx, self.row.boolean(self.table, idx)?)
    }

    pub fn opt_text(&self, idx: usize) -> StoreResult<Option<String>> {
        self.row.text(self.table, idx)
    }

    pub fn text(&self, idx: usize) -> StoreResult<String> {
        self.required(idx, self.opt_text(idx)?)
    }

    pub fn opt_uuid(&self, idx: usize) -> StoreResult<Option<Uuid>> {
        self.row.uuid(self.table, idx)
    }

    pub fn uuid(&self, idx: usize) -> StoreResult<Uuid> {
        self.required(idx, self.opt_uuid(idx)?)
    }

    pub fn opt_time(&self, idx: usize) -> StoreResult<Option<DateTime<Utc>>> {
        self.row.time(self.table, idx)
    }

    pub fn time(&self, idx: usize) -> StoreResult<DateTime<Utc>> {
        self.required(idx, self.opt_time(idx)?)
    }

    pub fn parse<T>(&self, idx: usize, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
        let text = self.text(idx)?;
        parse(&text).ok_or_else(|| self.bad(idx, format!("unknown value {text:?}")))
    }

    pub fn opt_json<T: DeserializeOwned>(&self, idx: usize) -> StoreResult<Option<T>> {
        match self.row.json(self.table, idx)? {
            None => Ok(None),
            Some(value) => serde_json::from_value(value)
                .map(Some)
                .map_err(|e| self.bad(idx, format!("bad JSON: {e}"))),
        }
    }

    pub fn json<T: DeserializeOwned>(&self, idx: usize) -> StoreResult<T> {
        let value = self.opt_json(idx)?;
        self.required(idx, value)
    }
}

pub(crate) use tx::SqlTx;

/// What names a kept statement text: a type, a name and a number ([`kept_text`]).
type TextKey = (TypeId, &'static str, usize);

thread_local! {
    /// Statement text made once per thread: see [`kept_text`].
    static TEXTS: RefCell<HashMap<TextKey, Rc<str>>> = RefCell::default();
}

/// Statement text that depends only on a type `T` (a row type, or `()`), a `name` and a
/// number `n`, made by `make` once per thread and kept: the column lists of a row type, the
/// placeholders of an id list or of a batch of rows. Built on every call, they were about a
/// twentieth of the server's samples under load (a `format!` per column and per placeholder).
pub(super) fn kept_text<T: 'static>(
    name: &'static str,
    n: usize,
    make: impl FnOnce() -> String,
) -> Rc<str> {
    let key = (TypeId::of::<T>(), name, n);
    if let Some(text) = TEXTS.with(|texts| texts.borrow().get(&key).cloned()) {
        return text;
    }
    // Made outside the borrow: one text may be made of others.
    let text: Rc<str> = make().into();
    TEXTS.with(|texts| texts.borrow_mut().insert(key, text.clone()));
    text
}
