//! The attachments index: every file a cached message carries, and where its downloaded copy
//! is on disk. Removing a conversation removes its rows here and tells the caller which files
//! to delete, so nothing of a chat taken away stays readable on this machine.

use std::path::PathBuf;

use rusqlite::{params, Connection, OptionalExtension};
use switchboard_protocol::{AttachmentRef, Message};
use uuid::Uuid;

use super::{get_uuid, CacheResult, Migration};

pub const MIGRATION: Migration = Migration {
    version: 7,
    name: "attachments",
    sql: "CREATE TABLE attachments (
        id BLOB PRIMARY KEY,
        conversation_id BLOB NOT NULL,
        message_id BLOB NOT NULL,
        filename TEXT NOT NULL,
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,
        local_path TEXT
    );
    CREATE INDEX attachments_by_conversation ON attachments(conversation_id);",
};

/// A file of a cached message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedAttachment {
    pub attachment: AttachmentRef,
    pub conversation_id: Uuid,
    pub message_id: Uuid,
    /// Set once downloaded.
    pub local_path: Option<PathBuf>,
}

/// Index a message's files, dropping rows of files it no longer carries (the stand-ins of a
/// pending reply, once the server's copy with the uploaded files replaces it).
pub fn index_message(conn: &Connection, message: &Message) -> CacheResult<()> {
    let mut stale =
        conn.prepare_cached("SELECT id FROM attachments WHERE message_id = ?1 OR message_id = ?2")?;
    let old: Vec<Uuid> = stale
        .query_map(params![message.id, message.client_id], |r| get_uuid(r, 0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in old {
        if !message.attachments.iter().any(|a| a.id == id) {
            conn.prepare_cached("DELETE FROM attachments WHERE id = ?1")?
                .execute([id])?;
        }
    }
    let mut stmt = conn.prepare_cached(
        "INSERT INTO attachments (id, conversation_id, message_id, filename, mime, size)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET conversation_id = excluded.conversation_id,
             message_id = excluded.message_id, filename = excluded.filename,
             mime = excluded.mime, size = excluded.size",
    )?;
    for file in &message.attachments {
        stmt.execute(params![
            file.id,
            message.conversation_id,
            message.id,
            file.filename,
            file.mime,
            file.size as i64,
        ])?;
    }
    Ok(())
}

pub fn get(conn: &Connection, id: Uuid) -> CacheResult<Option<CachedAttachment>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, conversation_id, message_id, filename, mime, size, local_path
             FROM attachments WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(CachedAttachment {
                attachment: AttachmentRef {
                    id: get_uuid(r, 0)?,
                    filename: r.get(3)?,
                    mime: r.get(4)?,
                    size: r.get::<_, i64>(5)?.max(0) as u64,
                },
                conversation_id: get_uuid(r, 1)?,
                message_id: get_uuid(r, 2)?,
                local_path: r.get::<_, Option<String>>(6)?.map(PathBuf::from),
            })
        })
        .optional()?)
}

pub fn set_local_path(conn: &Connection, id: Uuid, path: &std::path::Path) -> CacheResult<()> {
    conn.prepare_cached("UPDATE attachments SET local_path = ?2 WHERE id = ?1")?
        .execute(params![id, path.to_string_lossy()])?;
    Ok(())
}

/// Drop a conversation's rows; returns the downloaded files to delete.
pub fn remove_conversation(conn: &Connection, conversation: Uuid) -> CacheResult<Vec<PathBuf>> {
    let mut stmt = conn.prepare_cached(
        "SELECT local_path FROM attachments WHERE conversation_id = ?1 AND local_path IS NOT NULL",
    )?;
    let files = stmt
        .query_map([conversation], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .map(PathBuf::from)
        .collect();
    conn.prepare_cached("DELETE FROM attachments WHERE conversation_id = ?1")?
        .execute([conversation])?;
    Ok(files)
}

pub fn count_for(conn: &Connection, conversation: Uuid) -> CacheResult<u64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM attachments WHERE conversation_id = ?1")?
        .query_row([conversation], |r| r.get::<_, i64>(0))?
        .max(0) as u64)
}
