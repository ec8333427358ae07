//! Quick-reply templates, filtered offline exactly as the server filters them (the same
//! `domain::templates` rules), and searchable by name and body.

use rusqlite::{params, Connection};
use switchboard_domain::templates::{language_matches, match_rank};
use switchboard_domain::text::fold;
use switchboard_protocol::Template;
use uuid::Uuid;

use super::{get_json, CacheResult, Migration};

pub const MIGRATION: Migration = Migration {
    version: 5,
    name: "templates",
    sql: "CREATE TABLE templates (
        key INTEGER PRIMARY KEY,
        id BLOB NOT NULL UNIQUE,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        category TEXT NOT NULL,
        language TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE VIRTUAL TABLE templates_fts USING fts5(
        name, body, content = 'templates', content_rowid = 'key',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER templates_ai AFTER INSERT ON templates BEGIN
        INSERT INTO templates_fts (rowid, name, body) VALUES (new.key, new.name, new.body);
    END;
    CREATE TRIGGER templates_ad AFTER DELETE ON templates BEGIN
        INSERT INTO templates_fts (templates_fts, rowid, name, body)
            VALUES ('delete', old.key, old.name, old.body);
    END;
    CREATE TRIGGER templates_au AFTER UPDATE ON templates BEGIN
        INSERT INTO templates_fts (templates_fts, rowid, name, body)
            VALUES ('delete', old.key, old.name, old.body);
        INSERT INTO templates_fts (rowid, name, body) VALUES (new.key, new.name, new.body);
    END;",
};

/// The template panel's filters: search bar, category tab, language drop-down.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct TemplateFilter {
    pub query: Option<String>,
    pub category: Option<String>,
    /// `pt` also matches `pt-BR`.
    pub language: Option<String>,
}

pub fn upsert(conn: &Connection, template: &Template) -> CacheResult<()> {
    conn.prepare_cached(
        "INSERT INTO templates (id, name, body, category, language, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, body = excluded.body,
             category = excluded.category, language = excluded.language, data = excluded.data",
    )?
    .execute(params![
        template.id,
        template.name,
        template.body,
        template.category,
        template.language,
        serde_json::to_string(template)?,
    ])?;
    Ok(())
}

pub fn remove(conn: &Connection, id: Uuid) -> CacheResult<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM templates WHERE id = ?1")?
        .execute([id])?
        > 0)
}

/// Make the cache hold exactly these templates (a full load).
pub fn replace_all(conn: &Connection, templates: &[Template]) -> CacheResult<()> {
    let keep: std::collections::HashSet<Uuid> = templates.iter().map(|t| t.id).collect();
    for existing in all(conn)? {
        if !keep.contains(&existing.id) {
            remove(conn, existing.id)?;
        }
    }
    for template in templates {
        upsert(conn, template)?;
    }
    Ok(())
}

pub fn all(conn: &Connection) -> CacheResult<Vec<Template>> {
    let mut stmt = conn.prepare_cached("SELECT data FROM templates")?;
    let rows = stmt.query_map([], |r| get_json(r, 0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Templates matching the filter, in the server's order: name-prefix matches first, then
/// word, name and body matches, each alphabetically.
pub fn filter(conn: &Connection, filter: &TemplateFilter) -> CacheResult<Vec<Template>> {
    let mut ranked = Vec::new();
    for template in all(conn)? {
        if let Some(category) = &filter.category {
            if fold(category.trim()) != fold(&template.category) {
                continue;
            }
        }
        if let Some(language) = &filter.language {
            if !language_matches(language, &template.language) {
                continue;
            }
        }
        let query = filter.query.as_deref().unwrap_or("");
        if let Some(rank) = match_rank(query, &template.name, &template.body) {
            ranked.push((rank, fold(&template.name), template));
        }
    }
    ranked.sort_by(|a, b| (a.0, &a.1, a.2.id).cmp(&(b.0, &b.1, b.2.id)));
    Ok(ranked.into_iter().map(|(_, _, t)| t).collect())
}

/// Distinct values of a column, alphabetically (the category tabs, the language drop-down).
fn distinct(conn: &Connection, column: &str) -> CacheResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT DISTINCT {column} FROM templates ORDER BY {column}"
    ))?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn categories(conn: &Connection) -> CacheResult<Vec<String>> {
    distinct(conn, "category")
}

pub fn languages(conn: &Connection) -> CacheResult<Vec<String>> {
    distinct(conn, "language")
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    fn template(name: &str, body: &str, category: &str, language: &str) -> Template {
        Template {
            id: Uuid::now_v7(),
            name: name.into(),
            body: body.into(),
            category: category.into(),
            language: language.into(),
            updated_by: None,
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn templates_are_filtered_offline_like_the_server_does() {
        let (cache, _dir) = testing::cache();
        let all = vec![
            template("Saudação", "Olá {{contact.first_name}}!", "Geral", "pt-BR"),
            template(
                "Boleto",
                "Segue a segunda via do boleto",
                "Cobrança",
                "pt-BR",
            ),
            template("Greeting", "Hello {{contact.name}}", "General", "en"),
            template("Segunda via", "Sua segunda via", "Cobrança", "pt"),
        ];
        cache.write_blocking(|tx| replace_all(tx, &all)).unwrap();
        let names = |f: TemplateFilter| -> Vec<String> {
            cache
                .read_blocking(move |conn| filter(conn, &f))
                .unwrap()
                .into_iter()
                .map(|t| t.name)
                .collect()
        };
        // A query without accents finds the accented name; body matches come after names.
        let found = names(TemplateFilter {
            query: Some("saudacao".into()),
            ..Default::default()
        });
        assert_eq!(found, ["Saudação"]);
        let found = names(TemplateFilter {
            query: Some("segunda".into()),
            ..Default::default()
        });
        assert_eq!(
            found,
            ["Segunda via", "Boleto"],
            "name prefix before body match"
        );
        // Category tab and language drop-down; `pt` covers `pt-BR`.
        let found = names(TemplateFilter {
            category: Some("cobrança".into()),
            language: Some("pt".into()),
            ..Default::default()
        });
        assert_eq!(found, ["Boleto", "Segunda via"]);
        let (categories, languages) = cache
            .read_blocking(|conn| Ok((categories(conn)?, languages(conn)?)))
            .unwrap();
        assert_eq!(categories, ["Cobrança", "General", "Geral"]);
        assert_eq!(languages, ["en", "pt", "pt-BR"]);
    }
}
