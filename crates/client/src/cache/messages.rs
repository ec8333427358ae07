//! Messages, and their full-text index.
//!
//! The row id (`sort_key`) is the message's time in microseconds × 1000 plus a tie-break, so
//! rowid order is time order: the search index can hand out the newest matches first straight
//! from its own rowid order (`ORDER BY rowid DESC LIMIT n`), which stays fast for words that
//! match most of the history (PERFORMANCE.md: `ORDER BY rank` on a common word took seconds).
//! A message that moves in time (a pending reply replaced by the server's copy) gets a new key.
//!
//! A reply written here is stored with its `client_id` as its id until the server's copy (which
//! carries the same `client_id`) replaces it, so finding the pending copy is a primary-key
//! lookup and no index on `client_id` is needed.
//!
//! The index is an FTS5 external-content table over `body`, accent-insensitive
//! (`unicode61 remove_diacritics 2`: "nao" finds "não"), with prefix indexes for 3 and 4
//! characters so search-as-you-type stays fast on common beginnings (without them, `"de"*` or
//! `"que"*` over a million messages took 20–75 ms; with 2 as well the index grew by half
//! again). `columnsize = 0` drops a per-row table only bm25() needs, which search avoids. Deletes and edits reach
//! it through triggers. New rows are indexed in one statement per transaction instead
//! ([`flush_index`], called by `Cache::write` before committing): indexing row by row from a
//! trigger ran at about 20,000 rows/s here, one statement per batch at about 90,000 rows/s,
//! because FTS5 flushes its in-memory terms at every statement boundary; the per-row trigger
//! and queue table cost another third of a full sync's insert time on top.

use std::cell::RefCell;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Map, Value};
use switchboard_protocol::{Message, MessageStatus};
use uuid::Uuid;

use super::{CacheError, CacheResult, Migration};

pub const MIGRATION: Migration = Migration {
    version: 3,
    name: "messages",
    sql: "CREATE TABLE messages (
        sort_key INTEGER PRIMARY KEY,
        id BLOB NOT NULL UNIQUE,
        conversation_id BLOB NOT NULL,
        client_id BLOB,
        direction TEXT NOT NULL,
        author TEXT NOT NULL,
        body TEXT NOT NULL,
        attachments TEXT,
        status TEXT NOT NULL,
        error TEXT,
        extra TEXT
    );
    CREATE INDEX messages_by_conversation ON messages(conversation_id, sort_key);

    CREATE VIRTUAL TABLE messages_fts USING fts5(
        body, content = 'messages', content_rowid = 'sort_key',
        tokenize = 'unicode61 remove_diacritics 2', prefix = '3 4', columnsize = 0
    );
    CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body)
            VALUES ('delete', old.sort_key, old.body);
    END;
    CREATE TRIGGER messages_au AFTER UPDATE OF sort_key, body ON messages
        WHEN old.sort_key IS NOT new.sort_key OR old.body IS NOT new.body BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body)
            VALUES ('delete', old.sort_key, old.body);
        INSERT INTO messages_fts (rowid, body) VALUES (new.sort_key, new.body);
    END;",
};

const COLUMNS: &str = "sort_key, id, conversation_id, client_id, direction, author, body, \
                       attachments, status, error, extra";

/// Keys per microsecond: room for this many messages stamped with the same instant.
const TIE_BREAKS: i64 = 1000;

thread_local! {
    /// Keys inserted by the transaction running on this thread and not indexed yet. Every
    /// write transaction runs on one thread from start to commit (`Cache::write_blocking`),
    /// which flushes or forgets this list.
    static UNINDEXED: RefCell<Vec<i64>> = const { RefCell::new(Vec::new()) };
}

fn note_unindexed(key: i64) {
    UNINDEXED.with(|keys| keys.borrow_mut().push(key));
}

/// Drop the list of a transaction that rolled back.
pub(crate) fn forget_unindexed() {
    UNINDEXED.with(|keys| keys.borrow_mut().clear());
}

fn base_key(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros().saturating_mul(TIE_BREAKS)
}

fn time_of(key: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(key.div_euclid(TIE_BREAKS)).unwrap_or_default()
}

/// Where a message goes among others of the same microsecond: from the 12 bits after a
/// UUIDv7's millisecond time, which the generator fills with a counter, so messages created
/// together keep the order they were created in (and rarely need [`free_key`]).
fn tie_break(id: Uuid) -> i64 {
    let counter = ((id.as_u128() >> 64) & 0xFFF) as i64;
    counter * TIE_BREAKS / 4096
}

/// The first unused key at the message's instant.
fn free_key(conn: &Connection, at: DateTime<Utc>) -> CacheResult<i64> {
    let base = base_key(at);
    let taken: Option<i64> = conn
        .prepare_cached(
            "SELECT MAX(sort_key) FROM messages WHERE sort_key >= ?1 AND sort_key < ?1 + ?2",
        )?
        .query_row(params![base, TIE_BREAKS], |r| r.get(0))?;
    match taken {
        None => Ok(base),
        Some(key) if key + 1 < base + TIE_BREAKS => Ok(key + 1),
        Some(_) => Err(CacheError::Corrupt(format!(
            "more than {TIE_BREAKS} messages stamped {at}"
        ))),
    }
}

pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    let bad = |idx: usize, what: String| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, what.into())
    };
    let key: i64 = row.get(0)?;
    let id: Uuid = row.get(1)?;
    let conversation_id: Uuid = row.get(2)?;
    let client_id: Option<Uuid> = row.get(3)?;
    let direction: String = row.get(4)?;
    let author: String = row.get(5)?;
    let attachments: Option<String> = row.get(7)?;
    let extra: Option<String> = row.get(10)?;
    let mut fields = match extra {
        Some(text) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => map,
            _ => return Err(bad(10, "extra is not a JSON object".into())),
        },
        None => Map::new(),
    };
    let parse = |idx: usize, text: &str| -> rusqlite::Result<Value> {
        serde_json::from_str(text).map_err(|e| bad(idx, e.to_string()))
    };
    fields.insert("id".into(), json!(id));
    fields.insert("conversation_id".into(), json!(conversation_id));
    if let Some(client_id) = client_id {
        fields.insert("client_id".into(), json!(client_id));
    }
    fields.insert("direction".into(), Value::String(direction));
    fields.insert("author".into(), parse(5, &author)?);
    fields.insert("body".into(), Value::String(row.get(6)?));
    fields.insert(
        "attachments".into(),
        match attachments {
            Some(text) => parse(7, &text)?,
            None => Value::Array(Vec::new()),
        },
    );
    fields.insert("status".into(), Value::String(row.get(8)?));
    if let Some(error) = row.get::<_, Option<String>>(9)? {
        fields.insert("error".into(), Value::String(error));
    }
    fields.insert("created_at".into(), json!(time_of(key)));
    serde_json::from_value(Value::Object(fields)).map_err(|e| bad(0, e.to_string()))
}

/// The JSON of the fields without a column of their own (fields the protocol gained after
/// the table was made, such as SMS segment counts), `None` when there are none. Every field is
/// named, so one the protocol gains does not build until it has a column or a place here —
/// rather than serialising the whole message (ids, time, text) for each message of a full load
/// only to drop all but these.
fn extra_fields(message: &Message) -> CacheResult<Option<String>> {
    let Message {
        id: _,
        conversation_id: _,
        client_id: _,
        direction: _,
        author: _,
        body: _,
        attachments: _,
        status: _,
        error: _,
        created_at: _,
        sms,
    } = message;
    let mut extra = Map::new();
    if let Some(sms) = sms {
        extra.insert("sms".into(), serde_json::to_value(sms)?);
    }
    Ok((!extra.is_empty()).then(|| Value::Object(extra).to_string()))
}

/// What [`upsert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Inserted,
    Updated,
    /// Its conversation is not in the cache (taken away, or not loaded yet): not stored.
    Skipped,
}

/// The row of a message: by id, else (a pending reply the server now confirms) its local copy.
fn existing_key(conn: &Connection, message: &Message) -> CacheResult<Option<i64>> {
    let by_id = conn
        .prepare_cached("SELECT sort_key FROM messages WHERE id = ?1")?
        .query_row([message.id], |r| r.get(0))
        .optional()?;
    if by_id.is_some() {
        return Ok(by_id);
    }
    match message.client_id {
        Some(client_id) if client_id != message.id => local_copy_key(conn, client_id),
        _ => Ok(None),
    }
}

/// The key of the pending copy of a reply written here (stored under its client id).
fn local_copy_key(conn: &Connection, client_id: Uuid) -> CacheResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT sort_key FROM messages WHERE id = ?1")?
        .query_row([client_id], |r| r.get(0))
        .optional()?)
}

/// Store a message as the server (or the outbox) describes it, only if its conversation is
/// in the cache: a reply racing a colleague's take must not bring a removed chat back.
pub fn upsert(conn: &Connection, message: &Message) -> CacheResult<Upserted> {
    if !super::conversations::exists(conn, message.conversation_id)? {
        return Ok(Upserted::Skipped);
    }
    upsert_known(conn, message)
}

/// A message with its JSON columns already encoded, so a batch can be prepared away from the
/// single writer thread.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub message: Message,
    author: String,
    attachments: Option<String>,
    extra: Option<String>,
}

impl Encoded {
    pub fn new(message: Message) -> CacheResult<Encoded> {
        Ok(Encoded {
            author: serde_json::to_string(&message.author)?,
            attachments: if message.attachments.is_empty() {
                None
            } else {
                Some(serde_json::to_string(&message.attachments)?)
            },
            extra: extra_fields(&message)?,
            message,
        })
    }
}

/// [`upsert`] for a caller that already checked the conversation is in the cache (a batch of
/// one conversation's history).
pub fn upsert_known(conn: &Connection, message: &Message) -> CacheResult<Upserted> {
    upsert_encoded(conn, &Encoded::new(message.clone())?, LocalCopies::Maybe)
}

/// Whether a reply written here may be waiting for the server's copy to replace its local
/// copy. A local copy lives exactly as long as its reply's outbox entry (both are written in
/// one transaction; the server's copy replaces it before the entry goes, a discarded reply
/// takes it along), so with an empty outbox there is none — as on a first full load — and the
/// writer of a batch need not look for one message by message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalCopies {
    None,
    Maybe,
}

impl LocalCopies {
    /// As the outbox says now: to read once per write transaction, which the outbox cannot
    /// change behind it.
    pub fn in_outbox(conn: &Connection) -> CacheResult<LocalCopies> {
        Ok(if super::outbox::is_empty(conn)? {
            LocalCopies::None
        } else {
            LocalCopies::Maybe
        })
    }
}

/// [`upsert_known`] of a message encoded beforehand, `local_copies` read in this transaction.
pub fn upsert_encoded(
    conn: &Connection,
    encoded: &Encoded,
    local_copies: LocalCopies,
) -> CacheResult<Upserted> {
    let message = &encoded.message;
    let (author, attachments, extra) = (&encoded.author, &encoded.attachments, &encoded.extra);
    // Fast path, nearly every message of a full load: new here, and no pending copy to replace.
    let pending_copy = match message.client_id {
        Some(client_id) if client_id != message.id && local_copies == LocalCopies::Maybe => {
            local_copy_key(conn, client_id)?.is_some()
        }
        _ => false,
    };
    if !pending_copy {
        let key = base_key(message.created_at) + tie_break(message.id);
        let inserted = conn
            .prepare_cached(&format!(
                "INSERT INTO messages ({COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (id) DO NOTHING"
            ))?
            .execute(params![
                key,
                message.id,
                message.conversation_id,
                message.client_id,
                message.direction.as_str(),
                author,
                message.body,
                attachments,
                message.status.as_str(),
                message.error,
                extra,
            ]);
        match inserted {
            Ok(1) => {
                note_unindexed(key);
                if !message.attachments.is_empty() {
                    super::attachments::index_message(conn, message)?;
                }
                return Ok(Upserted::Inserted);
            }
            // Already here (id conflict), or another message owns that key: the careful path.
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation => {}
            Err(other) => return Err(other.into()),
        }
    }
    // Rows change or move below; index what this transaction added so far first, because the
    // triggers tell the index to forget old contents it must have seen.
    flush_index(conn)?;
    let outcome = match existing_key(conn, message)? {
        Some(key) => {
            let new_key = if key - key.rem_euclid(TIE_BREAKS) == base_key(message.created_at) {
                key
            } else {
                free_key(conn, message.created_at)?
            };
            conn.prepare_cached(
                "UPDATE messages SET sort_key = ?2, id = ?3, conversation_id = ?4, client_id = ?5,
                     direction = ?6, author = ?7, body = ?8, attachments = ?9, status = ?10,
                     error = ?11, extra = ?12
                 WHERE sort_key = ?1",
            )?
            .execute(params![
                key,
                new_key,
                message.id,
                message.conversation_id,
                message.client_id,
                message.direction.as_str(),
                author,
                message.body,
                attachments,
                message.status.as_str(),
                message.error,
                extra,
            ])?;
            Upserted::Updated
        }
        None => {
            let key = free_key(conn, message.created_at)?;
            conn.prepare_cached(&format!(
                "INSERT INTO messages ({COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
            ))?
            .execute(params![
                key,
                message.id,
                message.conversation_id,
                message.client_id,
                message.direction.as_str(),
                author,
                message.body,
                attachments,
                message.status.as_str(),
                message.error,
                extra,
            ])?;
            note_unindexed(key);
            Upserted::Inserted
        }
    };
    if !message.attachments.is_empty() || outcome == Upserted::Updated {
        super::attachments::index_message(conn, message)?;
    }
    Ok(outcome)
}

/// Apply a delivery status change. Returns false when the message is not here.
pub fn set_status(
    conn: &Connection,
    id: Uuid,
    status: MessageStatus,
    error: Option<&str>,
) -> CacheResult<bool> {
    Ok(conn
        .prepare_cached("UPDATE messages SET status = ?2, error = ?3 WHERE id = ?1")?
        .execute(params![id, status.as_str(), error])?
        > 0)
}

/// A status change that applies only while the message is still `from`: a resend shown at
/// once, or taken back when the server refused it, never over a status the server's events
/// brought meanwhile. Returns false when the message is not here or no longer `from`.
pub fn change_status(
    conn: &Connection,
    id: Uuid,
    from: MessageStatus,
    to: MessageStatus,
    error: Option<&str>,
) -> CacheResult<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE messages SET status = ?3, error = ?4 WHERE id = ?1 AND status = ?2",
        )?
        .execute(params![id, from.as_str(), to.as_str(), error])?
        > 0)
}

/// A queued reply the server refused: show why on the pending message.
pub fn fail_by_client_id(conn: &Connection, client_id: Uuid, error: &str) -> CacheResult<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE messages SET status = 'failed', error = ?2
             WHERE id = ?1 AND status IN ('pending', 'failed')",
        )?
        .execute(params![client_id, error])?
        > 0)
}

/// A refused reply queued again: pending once more.
pub fn retry_by_client_id(conn: &Connection, client_id: Uuid) -> CacheResult<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE messages SET status = 'pending', error = NULL
             WHERE id = ?1 AND status = 'failed'",
        )?
        .execute([client_id])?
        > 0)
}

pub fn get(conn: &Connection, id: Uuid) -> CacheResult<Option<Message>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM messages WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// The pending copy of a reply written here (until the server's copy replaces it).
pub fn local_copy(conn: &Connection, client_id: Uuid) -> CacheResult<Option<Message>> {
    get(conn, client_id)
}

pub fn contains(conn: &Connection, id: Uuid) -> CacheResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM messages WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Up to `limit` messages older than `before` (newest if `None`), returned oldest first, and
/// whether older ones exist. `None` when `before` is not a message of this conversation.
pub fn page(
    conn: &Connection,
    conversation: Uuid,
    before: Option<Uuid>,
    limit: u32,
) -> CacheResult<Option<(Vec<Message>, bool)>> {
    let before_key = match before {
        None => i64::MAX,
        Some(id) => {
            let key = conn
                .prepare_cached(
                    "SELECT sort_key FROM messages WHERE id = ?1 AND conversation_id = ?2",
                )?
                .query_row(params![id, conversation], |r| r.get::<_, i64>(0))
                .optional()?;
            match key {
                Some(key) => key,
                None => return Ok(None),
            }
        }
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM messages WHERE conversation_id = ?1 AND sort_key < ?2
         ORDER BY sort_key DESC LIMIT ?3"
    ))?;
    let rows = stmt.query_map(
        params![conversation, before_key, i64::from(limit) + 1],
        from_row,
    )?;
    let mut messages: Vec<Message> = rows.collect::<rusqlite::Result<_>>()?;
    let more = messages.len() > limit as usize;
    messages.truncate(limit as usize);
    messages.reverse();
    Ok(Some((messages, more)))
}

pub fn count(conn: &Connection) -> CacheResult<u64> {
    Ok(conn
        .query_row("SELECT COUNT(*) FROM messages", [], |r| r.get::<_, i64>(0))?
        .max(0) as u64)
}

pub fn remove_conversation(conn: &Connection, conversation: Uuid) -> CacheResult<usize> {
    flush_index(conn)?;
    Ok(conn
        .prepare_cached("DELETE FROM messages WHERE conversation_id = ?1")?
        .execute([conversation])?)
}

/// Remove one message (a failed reply the agent discarded).
pub fn remove(conn: &Connection, id: Uuid) -> CacheResult<bool> {
    flush_index(conn)?;
    Ok(conn
        .prepare_cached("DELETE FROM messages WHERE id = ?1")?
        .execute([id])?
        > 0)
}

/// Index the messages this transaction inserted so far, in one statement.
pub fn flush_index(conn: &Connection) -> CacheResult<()> {
    let keys = UNINDEXED.with(|keys| std::mem::take(&mut *keys.borrow_mut()));
    if keys.is_empty() {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO messages_fts (rowid, body)
         SELECT sort_key, body FROM messages
         WHERE sort_key IN (SELECT value FROM json_each(?1))",
    )?
    .execute([serde_json::to_string(&keys)?])?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::{conversations, testing};
    use super::*;
    use switchboard_protocol::{AttachmentRef, Conversation};

    /// Fixtures are built from JSON, so fields the protocol gains later take their defaults.
    pub fn conversation(id: Uuid) -> Conversation {
        serde_json::from_value(json!({
            "id": id,
            "channel": "whatsapp",
            "channel_id": "wa",
            "status": "open",
            "contact": {"display_name": "Maria", "known": false},
            "unread": 0,
            "archived": false,
            "created_at": Utc::now(),
            "updated_at": Utc::now(),
        }))
        .expect("a valid conversation")
    }

    pub fn message(conversation: Uuid, body: &str) -> Message {
        serde_json::from_value(json!({
            "id": Uuid::now_v7(),
            "conversation_id": conversation,
            "direction": "inbound",
            "author": {"kind": "contact", "display_name": "Maria"},
            "body": body,
            "attachments": [],
            "status": "delivered",
            "created_at": DateTime::from_timestamp_micros(Utc::now().timestamp_micros())
                .unwrap_or_default(),
        }))
        .expect("a valid message")
    }

    fn search(cache: &super::super::Cache, word: &str) -> Vec<String> {
        cache
            .read_blocking(|conn| {
                let mut stmt = conn.prepare(
                    "SELECT m.body FROM messages_fts f JOIN messages m ON m.sort_key = f.rowid
                     WHERE messages_fts MATCH ?1 ORDER BY f.rowid DESC",
                )?;
                let rows = stmt.query_map([word], |r| r.get(0))?;
                Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
            })
            .unwrap()
    }

    #[test]
    fn a_message_round_trips_and_keeps_its_microsecond_time() {
        let (cache, _dir) = testing::cache();
        let conv = Uuid::now_v7();
        let mut m = message(conv, "Olá");
        m.attachments = vec![AttachmentRef {
            id: Uuid::now_v7(),
            filename: "a.pdf".into(),
            mime: "application/pdf".into(),
            size: 10,
        }];
        let stored = cache
            .write_blocking(|tx| {
                conversations::upsert(tx, &conversation(conv), None)?;
                upsert(tx, &m)?;
                get(tx, m.id)
            })
            .unwrap();
        assert_eq!(stored, Some(m));
    }

    #[test]
    fn fields_without_a_column_round_trip() {
        let (cache, _dir) = testing::cache();
        let conv = Uuid::now_v7();
        let mut reply = message(conv, "Seu pedido saiu para entrega");
        reply.direction = switchboard_protocol::Direction::Outbound;
        reply.sms = Some(switchboard_protocol::SmsInfo {
            segments: 1,
            encoding: "GSM-7".into(),
        });
        let plain = message(conv, "Obrigada!");
        let stored = cache
            .write_blocking(|tx| {
                conversations::upsert(tx, &conversation(conv), None)?;
                upsert(tx, &reply)?;
                upsert(tx, &plain)?;
                Ok((get(tx, reply.id)?, get(tx, plain.id)?))
            })
            .unwrap();
        assert_eq!(stored, (Some(reply), Some(plain)));
    }

    #[test]
    fn messages_of_an_unknown_conversation_are_not_stored() {
        let (cache, _dir) = testing::cache();
        let m = message(Uuid::now_v7(), "from a chat we cannot see");
        let outcome = cache.write_blocking(|tx| upsert(tx, &m)).unwrap();
        assert_eq!(outcome, Upserted::Skipped);
    }

    #[test]
    fn the_index_follows_inserts_edits_moves_and_deletes() {
        let (cache, _dir) = testing::cache();
        let conv = Uuid::now_v7();
        let mut m = message(conv, "não recebi o boleto");
        cache
            .write_blocking(|tx| {
                conversations::upsert(tx, &conversation(conv), None)?;
                upsert(tx, &m)
            })
            .unwrap();
        assert_eq!(search(&cache, "nao"), vec!["não recebi o boleto"]);

        // An edit and a move in time in one write.
        m.body = "pagamento feito".into();
        m.created_at += chrono::Duration::seconds(5);
        cache.write_blocking(|tx| upsert(tx, &m)).unwrap();
        assert!(
            search(&cache, "boleto").is_empty(),
            "old words leave the index"
        );
        assert_eq!(search(&cache, "pagamento"), vec!["pagamento feito"]);

        // Insert and delete before any flush: the index must not be told to delete a row it
        // never saw (that corrupts FTS5 external-content indexes).
        let other = message(conv, "transient words");
        cache
            .write_blocking(|tx| {
                upsert(tx, &other)?;
                remove(tx, other.id)
            })
            .unwrap();
        cache
            .write_blocking(|tx| remove_conversation(tx, conv))
            .unwrap();
        assert!(search(&cache, "pagamento").is_empty());
        let check = cache.write_blocking(|tx| {
            tx.execute(
                "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')",
                [],
            )?;
            Ok(())
        });
        assert!(check.is_ok(), "the index stays consistent: {check:?}");
    }

    /// A reply written here, still pending (its id is its client id), and the server's copy
    /// of it, a moment later.
    fn reply_and_servers_copy(conv: Uuid) -> (Message, Message) {
        let client_id = Uuid::now_v7();
        let mut pending = message(conv, "já te respondo");
        pending.id = client_id;
        pending.client_id = Some(client_id);
        pending.status = MessageStatus::Pending;
        let mut confirmed = pending.clone();
        confirmed.id = Uuid::now_v7();
        confirmed.status = MessageStatus::Sent;
        confirmed.created_at += chrono::Duration::milliseconds(30);
        (pending, confirmed)
    }

    #[test]
    fn a_pending_reply_is_replaced_by_the_servers_copy_found_by_client_id() {
        let (cache, _dir) = testing::cache();
        let conv = Uuid::now_v7();
        let (pending, confirmed) = reply_and_servers_copy(conv);
        cache
            .write_blocking(|tx| {
                conversations::upsert(tx, &conversation(conv), None)?;
                upsert(tx, &pending)?;
                upsert(tx, &confirmed)
            })
            .unwrap();
        let (page, more) = cache
            .read_blocking(|conn| page(conn, conv, None, 50))
            .unwrap()
            .unwrap();
        assert!(!more);
        assert_eq!(page, vec![confirmed], "one message, the server's");
    }

    #[test]
    fn a_batch_looks_for_pending_copies_only_while_the_outbox_holds_replies() {
        let (cache, _dir) = testing::cache();
        let conv = Uuid::now_v7();
        let (pending, confirmed) = reply_and_servers_copy(conv);
        let client_id = pending.id;
        // Given a reply written here and queued, as `Client::send` writes it.
        let before = cache
            .write_blocking(|tx| {
                let before = LocalCopies::in_outbox(tx)?;
                conversations::upsert(tx, &conversation(conv), None)?;
                upsert(tx, &pending)?;
                super::super::outbox::insert(tx, client_id, conv, &pending.body, &[])?;
                Ok(before)
            })
            .unwrap();
        assert_eq!(before, LocalCopies::None, "nothing written here yet");
        // When a batch (a full load) brings the server's copy.
        let seq = cache
            .write_blocking(|tx| {
                let local_copies = LocalCopies::in_outbox(tx)?;
                assert_eq!(local_copies, LocalCopies::Maybe);
                upsert_encoded(tx, &Encoded::new(confirmed.clone())?, local_copies)?;
                let entry = super::super::outbox::by_client_id(tx, client_id)?;
                Ok(entry.map(|e| e.seq))
            })
            .unwrap();
        // Then it replaces the pending copy; once the outbox lets the reply go, there is none.
        let (page, _) = cache
            .read_blocking(|conn| page(conn, conv, None, 50))
            .unwrap()
            .unwrap();
        assert_eq!(page, vec![confirmed], "one message, the server's");
        let after = cache
            .write_blocking(|tx| {
                super::super::outbox::remove(tx, seq.expect("queued"))?;
                LocalCopies::in_outbox(tx)
            })
            .unwrap();
        assert_eq!(after, LocalCopies::None);
    }

    #[test]
    fn a_status_changes_only_from_the_one_expected() {
        let (cache, _dir) = testing::cache();
        let conv = Uuid::now_v7();
        let mut failed = message(conv, "não chegou");
        failed.status = MessageStatus::Failed;
        failed.error = Some("Twilio: invalid number (21211).".into());
        let id = failed.id;
        let status = |cache: &super::super::Cache| {
            let m = cache.read_blocking(|conn| get(conn, id)).unwrap().unwrap();
            (m.status, m.error)
        };
        cache
            .write_blocking(|tx| {
                conversations::upsert(tx, &conversation(conv), None)?;
                upsert(tx, &failed)
            })
            .unwrap();

        // Failed to pending: the reason goes with it.
        let changed = cache
            .write_blocking(|tx| {
                change_status(tx, id, MessageStatus::Failed, MessageStatus::Pending, None)
            })
            .unwrap();
        assert!(changed);
        assert_eq!(status(&cache), (MessageStatus::Pending, None));

        // The server's event said sent meanwhile: taking the resend back changes nothing.
        cache
            .write_blocking(|tx| set_status(tx, id, MessageStatus::Sent, None))
            .unwrap();
        let changed = cache
            .write_blocking(|tx| {
                change_status(
                    tx,
                    id,
                    MessageStatus::Pending,
                    MessageStatus::Failed,
                    Some("refused"),
                )
            })
            .unwrap();
        assert!(!changed, "a status the server sent is kept");
        assert_eq!(status(&cache), (MessageStatus::Sent, None));
        let unknown = cache
            .write_blocking(|tx| {
                change_status(
                    tx,
                    Uuid::now_v7(),
                    MessageStatus::Failed,
                    MessageStatus::Pending,
                    None,
                )
            })
            .unwrap();
        assert!(!unknown, "no such message");
    }

    #[test]
    fn pages_go_back_in_time_oldest_first_even_for_equal_timestamps() {
        let (cache, _dir) = testing::cache();
        let conv = Uuid::now_v7();
        let at = Utc::now();
        // Messages stamped with the same microsecond keep the order of their v7 ids (the
        // generator's counter within one millisecond).
        let v7 = |counter: u128| {
            let ms = at.timestamp_millis() as u128;
            Uuid::from_u128((ms << 80) | (0x7 << 76) | (counter << 64) | (0x8 << 60) | 1)
        };
        let all: Vec<Message> = (0..7)
            .map(|i| {
                let mut m = message(conv, &format!("m{i}"));
                m.id = v7(10 + i as u128);
                m.created_at =
                    DateTime::from_timestamp_micros(at.timestamp_micros() + i / 3).unwrap();
                m
            })
            .collect();
        cache
            .write_blocking(|tx| {
                conversations::upsert(tx, &conversation(conv), None)?;
                for m in &all {
                    upsert(tx, m)?;
                }
                Ok(())
            })
            .unwrap();
        let (newest, more) = cache
            .read_blocking(|conn| page(conn, conv, None, 3))
            .unwrap()
            .unwrap();
        let bodies: Vec<_> = newest.iter().map(|m| m.body.as_str()).collect();
        assert_eq!(bodies, ["m4", "m5", "m6"]);
        assert!(more);
        let (older, more) = cache
            .read_blocking(move |conn| page(conn, conv, Some(newest[0].id), 10))
            .unwrap()
            .unwrap();
        let bodies: Vec<_> = older.iter().map(|m| m.body.as_str()).collect();
        assert_eq!(bodies, ["m0", "m1", "m2", "m3"]);
        assert!(!more);
    }
}
