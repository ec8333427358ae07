//! The contact directory as far as this agent has seen it, searchable offline by name,
//! e-mail and phone digits (any part of the number).

use rusqlite::{params, Connection};
use switchboard_protocol::Contact;
use uuid::Uuid;

use super::{CacheResult, Migration};

pub const MIGRATION: Migration = Migration {
    version: 4,
    name: "contacts",
    sql: "CREATE TABLE contacts (
        key INTEGER PRIMARY KEY,
        id BLOB NOT NULL UNIQUE,
        name TEXT NOT NULL,
        emails TEXT NOT NULL,
        phones TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE VIRTUAL TABLE contacts_fts USING fts5(
        name, emails, phones, content = 'contacts', content_rowid = 'key',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER contacts_ai AFTER INSERT ON contacts BEGIN
        INSERT INTO contacts_fts (rowid, name, emails, phones)
            VALUES (new.key, new.name, new.emails, new.phones);
    END;
    CREATE TRIGGER contacts_ad AFTER DELETE ON contacts BEGIN
        INSERT INTO contacts_fts (contacts_fts, rowid, name, emails, phones)
            VALUES ('delete', old.key, old.name, old.emails, old.phones);
    END;
    CREATE TRIGGER contacts_au AFTER UPDATE ON contacts BEGIN
        INSERT INTO contacts_fts (contacts_fts, rowid, name, emails, phones)
            VALUES ('delete', old.key, old.name, old.emails, old.phones);
        INSERT INTO contacts_fts (rowid, name, emails, phones)
            VALUES (new.key, new.name, new.emails, new.phones);
    END;",
};

/// The searchable form of phone numbers: the digits and every tail of at least three of
/// them, so "98765" finds +55 11 98765-4321 through a prefix query on "987654321".
pub fn phone_terms(phones: &[String]) -> String {
    let mut terms = Vec::new();
    for phone in phones {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        for start in 0..digits.len().saturating_sub(2) {
            terms.push(digits[start..].to_string());
        }
    }
    terms.join(" ")
}

pub fn upsert(conn: &Connection, contact: &Contact) -> CacheResult<()> {
    conn.prepare_cached(
        "INSERT INTO contacts (id, name, emails, phones, data) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, emails = excluded.emails,
             phones = excluded.phones, data = excluded.data",
    )?
    .execute(params![
        contact.id,
        contact.name,
        contact.emails.join(" "),
        phone_terms(&contact.phones),
        serde_json::to_string(contact)?,
    ])?;
    Ok(())
}

/// The whole directory as the server has it now: contacts it no longer has are dropped.
pub fn replace_all(conn: &Connection, contacts: &[Contact]) -> CacheResult<()> {
    let keep: std::collections::HashSet<Uuid> = contacts.iter().map(|c| c.id).collect();
    let held: Vec<Uuid> = conn
        .prepare("SELECT id FROM contacts")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in held.into_iter().filter(|id| !keep.contains(id)) {
        remove(conn, id)?;
    }
    for contact in contacts {
        upsert(conn, contact)?;
    }
    Ok(())
}

pub fn remove(conn: &Connection, id: Uuid) -> CacheResult<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM contacts WHERE id = ?1")?
        .execute([id])?
        > 0)
}

pub fn count(conn: &Connection) -> CacheResult<u64> {
    Ok(conn
        .query_row("SELECT COUNT(*) FROM contacts", [], |r| r.get::<_, i64>(0))?
        .max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_terms_cover_every_tail_of_the_digits() {
        let terms = phone_terms(&["+55 11 98765-4321".to_string()]);
        assert!(terms.split(' ').any(|t| t == "5511987654321"));
        assert!(terms.split(' ').any(|t| t.starts_with("98765")));
        assert!(terms.split(' ').any(|t| t == "321"));
        assert!(
            !terms.split(' ').any(|t| t == "21"),
            "two digits match too much"
        );
    }
}
