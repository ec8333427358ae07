//! Small named values: the sync cursor, the profile's own bookkeeping and the agent's
//! preferences (message preview, sounds), as text.

use rusqlite::{Connection, OptionalExtension};

use super::{CacheResult, Migration};

pub const MIGRATION: Migration = Migration {
    version: 1,
    name: "settings",
    sql: "CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;",
};

/// The cursor of the last sync event applied; absent until the first full load completed.
pub const SYNC_CURSOR: &str = "sync.cursor";
/// Bumped by every full load; conversations a load did not list carry an older number.
pub const LOAD_GENERATION: &str = "sync.generation";

pub fn get(conn: &Connection, key: &str) -> CacheResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub fn set(conn: &Connection, key: &str, value: &str) -> CacheResult<()> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

pub fn remove(conn: &Connection, key: &str) -> CacheResult<()> {
    conn.prepare_cached("DELETE FROM settings WHERE key = ?1")?
        .execute([key])?;
    Ok(())
}

/// Every setting whose key starts with `prefix`, by key.
pub fn with_prefix(conn: &Connection, prefix: &str) -> CacheResult<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT key, value FROM settings WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key",
    )?;
    let rows = stmt.query_map([prefix], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn cursor(conn: &Connection) -> CacheResult<Option<i64>> {
    Ok(get(conn, SYNC_CURSOR)?.and_then(|v| v.parse().ok()))
}

pub fn set_cursor(conn: &Connection, cursor: i64) -> CacheResult<()> {
    set(conn, SYNC_CURSOR, &cursor.to_string())
}

pub fn generation(conn: &Connection) -> CacheResult<i64> {
    Ok(get(conn, LOAD_GENERATION)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    #[test]
    fn a_setting_is_replaced_and_listed_by_prefix() {
        let (cache, _dir) = testing::cache();
        cache
            .write_blocking(|tx| {
                set(tx, "ui.sound", "bell")?;
                set(tx, "ui.sound", "chime")?;
                set(tx, "ui.preview", "on")?;
                set_cursor(tx, 42)
            })
            .unwrap();
        let (ui, cursor) = cache
            .read_blocking(|conn| Ok((with_prefix(conn, "ui.")?, cursor(conn)?)))
            .unwrap();
        assert_eq!(
            ui,
            vec![
                ("ui.preview".to_string(), "on".to_string()),
                ("ui.sound".to_string(), "chime".to_string())
            ]
        );
        assert_eq!(cursor, Some(42));
    }
}
