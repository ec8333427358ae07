//! The persisted send queue: replies written here are sent by the outbox worker
//! (`crate::outbox`), in order per conversation, and survive an app restart. Each row keeps
//! the reply's `client_id`, so a resend after a lost answer or a crash is recognised by the
//! server as the same message.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use switchboard_protocol::AttachmentRef;
use uuid::Uuid;

use super::{get_uuid, CacheResult, Migration};

pub const MIGRATION: Migration = Migration {
    version: 8,
    name: "outbox",
    sql: "CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id BLOB NOT NULL UNIQUE,
        conversation_id BLOB NOT NULL,
        body TEXT NOT NULL,
        files TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL DEFAULT 0,
        error_code TEXT,
        error TEXT
    );
    CREATE INDEX outbox_by_conversation ON outbox(conversation_id, state, seq);",
};

/// A file to send with a reply: a local file not uploaded yet, or an upload's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxFile {
    /// Where the file is on this machine; `None` when the agent uploaded it beforehand.
    pub path: Option<String>,
    pub filename: String,
    pub size: u64,
    /// Set once uploaded (kept across restarts, so a file is uploaded once).
    pub uploaded: Option<AttachmentRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    /// Waiting to be sent (maybe after a backoff).
    Queued,
    /// The server refused it; the agent may retry or discard it.
    Failed,
}

/// One reply waiting to be sent (or refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub seq: i64,
    pub client_id: Uuid,
    pub conversation_id: Uuid,
    pub body: String,
    pub files: Vec<OutboxFile>,
    pub state: OutboxState,
    pub attempts: u32,
    /// Unix milliseconds before which it is not retried.
    pub next_attempt_ms: i64,
    pub error_code: Option<String>,
    pub error: Option<String>,
}

const COLUMNS: &str = "seq, client_id, conversation_id, body, files, state, attempts, \
                       next_attempt_ms, error_code, error";

fn from_row(row: &Row<'_>) -> rusqlite::Result<OutboxEntry> {
    let files: String = row.get(4)?;
    let state: String = row.get(5)?;
    Ok(OutboxEntry {
        seq: row.get(0)?,
        client_id: get_uuid(row, 1)?,
        conversation_id: get_uuid(row, 2)?,
        body: row.get(3)?,
        files: serde_json::from_str(&files).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
        })?,
        state: if state == "failed" {
            OutboxState::Failed
        } else {
            OutboxState::Queued
        },
        attempts: row.get(6)?,
        next_attempt_ms: row.get(7)?,
        error_code: row.get(8)?,
        error: row.get(9)?,
    })
}

/// Queue a reply. Returns its sequence number.
pub fn insert(
    conn: &Connection,
    client_id: Uuid,
    conversation_id: Uuid,
    body: &str,
    files: &[OutboxFile],
) -> CacheResult<i64> {
    conn.prepare_cached(
        "INSERT INTO outbox (client_id, conversation_id, body, files, state)
         VALUES (?1, ?2, ?3, ?4, 'queued')",
    )?
    .execute(params![
        client_id,
        conversation_id,
        body,
        serde_json::to_string(files)?
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn all(conn: &Connection) -> CacheResult<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM outbox ORDER BY seq"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The oldest queued reply of each conversation (later ones wait for it), oldest first.
pub fn heads(conn: &Connection) -> CacheResult<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox o WHERE state = 'queued' AND NOT EXISTS (
             SELECT 1 FROM outbox p WHERE p.conversation_id = o.conversation_id
                 AND p.state = 'queued' AND p.seq < o.seq)
         ORDER BY seq"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether no reply waits here, queued or refused.
pub fn is_empty(conn: &Connection) -> CacheResult<bool> {
    let any = conn
        .prepare_cached("SELECT 1 FROM outbox LIMIT 1")?
        .query_row([], |_| Ok(()))
        .optional()?;
    Ok(any.is_none())
}

pub fn by_client_id(conn: &Connection, client_id: Uuid) -> CacheResult<Option<OutboxEntry>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE client_id = ?1"
        ))?
        .query_row([client_id], from_row)
        .optional()?)
}

pub fn set_files(conn: &Connection, seq: i64, files: &[OutboxFile]) -> CacheResult<()> {
    conn.prepare_cached("UPDATE outbox SET files = ?2 WHERE seq = ?1")?
        .execute(params![seq, serde_json::to_string(files)?])?;
    Ok(())
}

pub fn schedule_retry(
    conn: &Connection,
    seq: i64,
    attempts: u32,
    next_attempt_ms: i64,
    error: &str,
) -> CacheResult<()> {
    conn.prepare_cached(
        "UPDATE outbox SET attempts = ?2, next_attempt_ms = ?3, error = ?4 WHERE seq = ?1",
    )?
    .execute(params![seq, attempts, next_attempt_ms, error])?;
    Ok(())
}

pub fn mark_failed(conn: &Connection, seq: i64, code: &str, error: &str) -> CacheResult<()> {
    conn.prepare_cached(
        "UPDATE outbox SET state = 'failed', error_code = ?2, error = ?3 WHERE seq = ?1",
    )?
    .execute(params![seq, code, error])?;
    Ok(())
}

/// Put a failed reply back in the queue, as if new. Returns false when there is none.
pub fn requeue(conn: &Connection, client_id: Uuid) -> CacheResult<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_ms = 0,
                 error_code = NULL, error = NULL
             WHERE client_id = ?1 AND state = 'failed'",
        )?
        .execute([client_id])?
        > 0)
}

/// Make every queued reply due now (the connection came back).
pub fn make_all_due(conn: &Connection) -> CacheResult<()> {
    conn.prepare_cached("UPDATE outbox SET next_attempt_ms = 0 WHERE state = 'queued'")?
        .execute([])?;
    Ok(())
}

pub fn remove(conn: &Connection, seq: i64) -> CacheResult<()> {
    conn.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?
        .execute([seq])?;
    Ok(())
}

pub fn remove_by_client_id(conn: &Connection, client_id: Uuid) -> CacheResult<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM outbox WHERE client_id = ?1")?
        .execute([client_id])?
        > 0)
}

pub fn remove_conversation(conn: &Connection, conversation: Uuid) -> CacheResult<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM outbox WHERE conversation_id = ?1")?
        .execute([conversation])?)
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    #[test]
    fn only_the_oldest_queued_reply_of_each_conversation_is_a_head() {
        let (cache, _dir) = testing::cache();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let ids: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
        let heads = cache
            .write_blocking(|tx| {
                let first = insert(tx, ids[0], a, "a1", &[])?;
                insert(tx, ids[1], a, "a2", &[])?;
                insert(tx, ids[2], b, "b1", &[])?;
                insert(tx, ids[3], b, "b2", &[])?;
                // A refused reply no longer holds back the ones after it.
                mark_failed(tx, first, "body_too_large", "too large")?;
                heads(tx)
            })
            .unwrap();
        let bodies: Vec<_> = heads.iter().map(|e| e.body.as_str()).collect();
        assert_eq!(bodies, ["a2", "b1"]);
    }
}
