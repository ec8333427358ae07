//! Colleagues (for Transfer and for presence dots), kept current by `agent.presence`.

use rusqlite::{params, Connection};
use switchboard_domain::text::fold;
use switchboard_protocol::{Agent, Presence};
use uuid::Uuid;

use super::{get_json, CacheResult, Migration};

pub const MIGRATION: Migration = Migration {
    version: 6,
    name: "agents",
    sql: "CREATE TABLE agents (
        id BLOB PRIMARY KEY,
        extension TEXT NOT NULL,
        data TEXT NOT NULL
    );",
};

pub fn upsert(conn: &Connection, agent: &Agent) -> CacheResult<()> {
    conn.prepare_cached(
        "INSERT INTO agents (id, extension, data) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET extension = excluded.extension, data = excluded.data",
    )?
    .execute(params![
        agent.id,
        agent.extension,
        serde_json::to_string(agent)?
    ])?;
    Ok(())
}

/// A colleague disabled in the administration: no longer offered.
pub fn remove(conn: &Connection, id: Uuid) -> CacheResult<()> {
    conn.prepare_cached("DELETE FROM agents WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Make the cache hold exactly these agents (a full load).
pub fn replace_all(conn: &Connection, agents: &[Agent]) -> CacheResult<()> {
    conn.execute("DELETE FROM agents", [])?;
    for agent in agents {
        upsert(conn, agent)?;
    }
    Ok(())
}

/// Returns false when the agent is not known here.
pub fn set_presence(conn: &Connection, id: Uuid, presence: Presence) -> CacheResult<bool> {
    let Some(mut agent) = get(conn, id)? else {
        return Ok(false);
    };
    agent.presence = presence;
    upsert(conn, &agent)?;
    Ok(true)
}

pub fn get(conn: &Connection, id: Uuid) -> CacheResult<Option<Agent>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached("SELECT data FROM agents WHERE id = ?1")?
        .query_row([id], |r| get_json(r, 0))
        .optional()?)
}

/// Colleagues whose name or extension contains `query` (accents and case ignored), by
/// extension.
pub fn search(conn: &Connection, query: &str) -> CacheResult<Vec<Agent>> {
    let mut stmt = conn.prepare_cached("SELECT data FROM agents ORDER BY extension")?;
    let rows = stmt.query_map([], |r| get_json::<Agent>(r, 0))?;
    let all: Vec<Agent> = rows.collect::<rusqlite::Result<_>>()?;
    let needle = fold(query.trim());
    Ok(all
        .into_iter()
        .filter(|a| {
            needle.is_empty() || fold(&a.name).contains(&needle) || a.extension.contains(&needle)
        })
        .collect())
}
