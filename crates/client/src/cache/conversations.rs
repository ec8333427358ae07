//! Conversations as the server last described them to this agent, plus two bits of sync
//! bookkeeping per conversation: whether its message history is complete in the cache, and
//! which full load last listed it.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use rusqlite::{params, Connection, OptionalExtension};
use switchboard_protocol::Conversation;
use uuid::Uuid;

use super::{get_json, get_uuid, ts, CacheResult, Migration};

pub const MIGRATION: Migration = Migration {
    version: 2,
    name: "conversations",
    sql: "CREATE TABLE conversations (
        id BLOB PRIMARY KEY,
        archived INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        history INTEGER NOT NULL DEFAULT 0,
        generation INTEGER NOT NULL DEFAULT 0,
        name TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX conversations_by_list ON conversations(archived, updated_at DESC, id DESC);
    CREATE TABLE conversation_tombstones (id BLOB PRIMARY KEY);",
};

/// The unread count kept in an index, so the tray's total reads the index alone. Summed from
/// each conversation's JSON it read every conversation's row on each refresh, and the reader's
/// page cache starts cold after every write (WAL): 5 ms with 3,000 chats, 12 ms three minutes
/// of traffic later, holding the reader while opens and searches waited.
pub const MIGRATION_UNREAD: Migration = Migration {
    version: 9,
    name: "conversations_unread",
    sql: "CREATE INDEX conversations_unread
        ON conversations(archived, json_extract(data, '$.unread'));",
};

/// How much of a conversation's message history the cache holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum History {
    /// Not loaded, or only partly (a load was interrupted): fetch every page.
    Missing,
    /// Every message, kept current by the live stream.
    Complete,
    /// Every message up to some point, then maybe a gap (the stream was reset): fetch newest
    /// pages until one reaches back into what is already here.
    Stale,
}

impl History {
    fn to_sql(self) -> i64 {
        match self {
            History::Missing => 0,
            History::Complete => 1,
            History::Stale => 2,
        }
    }

    fn from_sql(value: i64) -> History {
        match value {
            1 => History::Complete,
            2 => History::Stale,
            _ => History::Missing,
        }
    }
}

/// Which list a conversation is in, for this agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    Recent,
    Archived,
}

impl View {
    pub fn as_str(self) -> &'static str {
        match self {
            View::Recent => "recent",
            View::Archived => "archived",
        }
    }
}

/// Insert or replace a conversation. `generation` marks it as listed by that full load.
/// Returns true when it was not in the cache before.
pub fn upsert(
    conn: &Connection,
    conv: &Conversation,
    generation: Option<i64>,
) -> CacheResult<bool> {
    let existed = exists(conn, conv.id)?;
    conn.prepare_cached(
        "INSERT INTO conversations (id, archived, updated_at, generation, name, data)
         VALUES (?1, ?2, ?3, COALESCE(?4, 0), ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET archived = excluded.archived,
             updated_at = excluded.updated_at, name = excluded.name, data = excluded.data,
             generation = COALESCE(?4, generation)",
    )?
    .execute(params![
        conv.id,
        conv.archived,
        ts(conv.updated_at),
        generation,
        display_name(conv),
        serde_json::to_string(conv)?,
    ])?;
    Ok(!existed)
}

/// What the list shows as the conversation's name.
pub fn display_name(conv: &Conversation) -> &str {
    conv.title.as_deref().unwrap_or(&conv.contact.display_name)
}

pub fn exists(conn: &Connection, id: Uuid) -> CacheResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM conversations WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn get(conn: &Connection, id: Uuid) -> CacheResult<Option<Conversation>> {
    Ok(conn
        .prepare_cached("SELECT data FROM conversations WHERE id = ?1")?
        .query_row([id], |r| get_json(r, 0))
        .optional()?)
}

/// One list, newest activity first (the server's order).
pub fn list(conn: &Connection, view: View, limit: u32) -> CacheResult<Vec<Conversation>> {
    let mut stmt = conn.prepare_cached(
        "SELECT data FROM conversations WHERE archived = ?1
         ORDER BY updated_at DESC, id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![view == View::Archived, limit], |r| get_json(r, 0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The unread total's query; it must match [`MIGRATION_UNREAD`]'s expression to use it.
const UNREAD_TOTAL: &str = "SELECT COALESCE(SUM(json_extract(data, '$.unread')), 0)
    FROM conversations WHERE archived = 0";

/// Unread messages over the Recent list (archived chats do not count), from the index alone.
pub fn unread_total(conn: &Connection) -> CacheResult<u64> {
    Ok(conn
        .prepare_cached(UNREAD_TOTAL)?
        .query_row([], |r| r.get::<_, i64>(0))?
        .max(0) as u64)
}

pub fn count(conn: &Connection) -> CacheResult<u64> {
    Ok(conn
        .query_row("SELECT COUNT(*) FROM conversations", [], |r| {
            r.get::<_, i64>(0)
        })?
        .max(0) as u64)
}

/// How many conversations the full load `generation` listed.
pub fn count_in_generation(conn: &Connection, generation: i64) -> CacheResult<u64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM conversations WHERE generation = ?1")?
        .query_row([generation], |r| r.get::<_, i64>(0))?
        .max(0) as u64)
}

/// History states of the given conversations that are in the cache.
pub fn histories(conn: &Connection, ids: &[Uuid]) -> CacheResult<HashMap<Uuid, History>> {
    let mut stmt = conn.prepare_cached("SELECT history FROM conversations WHERE id = ?1")?;
    let mut out = HashMap::new();
    for id in ids {
        if let Some(state) = stmt.query_row([id], |r| r.get::<_, i64>(0)).optional()? {
            out.insert(*id, History::from_sql(state));
        }
    }
    Ok(out)
}

pub fn set_history(conn: &Connection, id: Uuid, history: History) -> CacheResult<()> {
    conn.prepare_cached("UPDATE conversations SET history = ?2 WHERE id = ?1")?
        .execute(params![id, history.to_sql()])?;
    Ok(())
}

/// Mark these conversations' histories complete (a bulk load passed them).
pub fn set_complete(conn: &Connection, ids: &[Uuid]) -> CacheResult<()> {
    let mut stmt = conn.prepare_cached("UPDATE conversations SET history = 1 WHERE id = ?1")?;
    for id in ids {
        stmt.execute([id])?;
    }
    Ok(())
}

/// Mark every conversation listed by the full load `generation` complete (a bulk load went
/// through all of them); returns how many were not yet.
pub fn complete_generation(conn: &Connection, generation: i64) -> CacheResult<u64> {
    Ok(conn
        .prepare_cached(
            "UPDATE conversations SET history = 1 WHERE generation = ?1 AND history <> 1",
        )?
        .execute([generation])? as u64)
}

/// After a stream reset: complete histories may now have a gap at their end.
pub fn mark_complete_as_stale(conn: &Connection) -> CacheResult<()> {
    conn.execute("UPDATE conversations SET history = 2 WHERE history = 1", [])?;
    Ok(())
}

/// Conversations whose history still has to be fetched, newest activity first.
pub fn needing_history(conn: &Connection) -> CacheResult<Vec<(Uuid, History)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, history FROM conversations WHERE history <> 1
         ORDER BY updated_at DESC, id DESC",
    )?;
    let rows = stmt.query_map([], |r| Ok((get_uuid(r, 0)?, History::from_sql(r.get(1)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Conversations that the full load `generation` did not list: no longer visible.
pub fn not_in_generation(conn: &Connection, generation: i64) -> CacheResult<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM conversations WHERE generation <> ?1")?;
    let rows = stmt.query_map([generation], |r| get_uuid(r, 0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Remember that this agent gave a conversation away (transfer, delete) before the server's
/// `conversation.removed` for it arrived: events already on their way must not bring it back.
pub fn bury(conn: &Connection, id: Uuid) -> CacheResult<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO conversation_tombstones (id) VALUES (?1)")?
        .execute([id])?;
    Ok(())
}

/// The server confirmed the removal (or a full load made the lists authoritative again).
pub fn unbury(conn: &Connection, id: Uuid) -> CacheResult<()> {
    conn.prepare_cached("DELETE FROM conversation_tombstones WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn unbury_all(conn: &Connection) -> CacheResult<()> {
    conn.execute("DELETE FROM conversation_tombstones", [])?;
    Ok(())
}

/// Which of these conversations were given away here and not yet confirmed.
pub fn buried(conn: &Connection, ids: &[Uuid]) -> CacheResult<HashSet<Uuid>> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM conversation_tombstones WHERE id = ?1")?;
    let mut out = HashSet::new();
    for id in ids {
        if stmt.query_row([id], |_| Ok(())).optional()?.is_some() {
            out.insert(*id);
        }
    }
    Ok(out)
}

/// What removing a conversation left to clean up outside the database.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Removed {
    /// It was in the cache.
    pub existed: bool,
    /// Downloaded attachment files to delete from disk.
    pub files: Vec<PathBuf>,
}

/// Forget a conversation entirely: its messages (and their search index), its attachments,
/// and unsent replies to it. A chat taken by a colleague must not stay readable here.
pub fn remove(conn: &Connection, id: Uuid) -> CacheResult<Removed> {
    let files = super::attachments::remove_conversation(conn, id)?;
    super::messages::remove_conversation(conn, id)?;
    super::outbox::remove_conversation(conn, id)?;
    let existed = conn
        .prepare_cached("DELETE FROM conversations WHERE id = ?1")?
        .execute([id])?
        > 0;
    Ok(Removed { existed, files })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::testing;

    fn chat(unread: u32, archived: bool) -> Conversation {
        serde_json::from_value(serde_json::json!({
            "id": Uuid::now_v7(), "channel": "whatsapp", "channel_id": "wa",
            "status": "open", "contact": {"display_name": "Rita", "known": false},
            "unread": unread, "archived": archived,
            "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z"
        }))
        .expect("a conversation")
    }

    #[test]
    fn unread_messages_add_up_over_the_recent_list_only() {
        let (cache, _dir) = testing::cache();
        assert_eq!(cache.read_blocking(unread_total).unwrap(), 0, "empty cache");
        cache
            .write_blocking(|tx| {
                for conv in [
                    chat(2, false),
                    chat(3, false),
                    chat(0, false),
                    chat(9, true),
                ] {
                    upsert(tx, &conv, None)?;
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(cache.read_blocking(unread_total).unwrap(), 5);
    }

    #[test]
    fn the_unread_total_reads_only_its_index() {
        let (cache, _dir) = testing::cache();
        let plan: Vec<String> = cache
            .read_blocking(|conn| {
                let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {UNREAD_TOTAL}"))?;
                let details = statement
                    .query_map([], |row| row.get::<_, String>(3))?
                    .collect::<Result<_, _>>()?;
                Ok(details)
            })
            .unwrap();
        assert_eq!(
            plan,
            ["SEARCH conversations USING COVERING INDEX conversations_unread (archived=?)"]
        );
    }
}
