//! Instant search over the whole cache, offline: message bodies, contacts (name, e-mail, any
//! part of a phone number) and templates (name, body). Accents and case are ignored ("nao"
//! finds "não"); the last word typed is a prefix, so results follow the typing.
//!
//! Ranking avoids the `ORDER BY rank` trap (PERFORMANCE.md): a common word matches most of the
//! history, and scoring every match took seconds on a million messages. Messages come newest
//! first straight from the index's rowid order (the rowid is the message time), with a
//! `LIMIT`; "most relevant" scores only the newest few hundred matches. Contacts and templates
//! are ranked by bm25 within a bounded candidate set too.

use rusqlite::{params, Connection};
use serde::Serialize;
use switchboard_protocol::{Author, Contact, Template};
use uuid::Uuid;

use switchboard_domain::text::fold;

use crate::cache::{get_json, get_uuid, CacheResult};

/// Markers `snippet()`/`highlight()` put around matches; control characters cannot come from
/// a typed message, so splitting on them is exact.
const OPEN: char = '\u{1}';
const CLOSE: char = '\u{2}';

/// How message results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchOrder {
    /// Newest first (what chat users expect, and fast for any word).
    #[default]
    Newest,
    /// Best bm25 score first, among the newest [`RELEVANCE_CANDIDATES`] matches.
    Relevance,
}

/// The shortest last word searched as a prefix while typing.
pub const MIN_PREFIX: usize = 3;

/// How many of the newest matches "most relevant" ranks.
pub const RELEVANCE_CANDIDATES: u32 = 500;
/// Contacts and templates ranked per query.
const SMALL_CANDIDATES: u32 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchOptions {
    /// Message results to return.
    pub limit: u32,
    pub order: SearchOrder,
    /// Contact and template results to return (each).
    pub directory_limit: u32,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            limit: 50,
            order: SearchOrder::Newest,
            directory_limit: 10,
        }
    }
}

/// A piece of highlighted text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub text: String,
    /// This piece matched the query.
    pub matched: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageHit {
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    /// What the conversation list calls it (contact or internal chat title).
    pub conversation_name: String,
    pub author: Author,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The matching part of the body, with the matches marked.
    pub snippet: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactHit {
    pub contact: Contact,
    pub name: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateHit {
    pub template: Template,
    pub name: Vec<Segment>,
    pub body: Vec<Segment>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SearchResults {
    pub messages: Vec<MessageHit>,
    pub contacts: Vec<ContactHit>,
    pub templates: Vec<TemplateHit>,
}

/// A word of the query, folded (lower case, no accents); the last may be a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    text: String,
    prefix: bool,
}

/// The words of typed text, as [`fts_query`] uses them.
fn terms(input: &str) -> Vec<Term> {
    let words: Vec<&str> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .collect();
    let typing_last = !input.ends_with(|c: char| !c.is_alphanumeric());
    let last = words.len().saturating_sub(1);
    words
        .iter()
        .enumerate()
        .map(|(i, word)| Term {
            text: fold(word),
            prefix: i == last && typing_last && word.chars().count() >= MIN_PREFIX,
        })
        .collect()
}

/// Turn typed text into an FTS5 query: every word must match, the last one as a prefix
/// (unless the agent typed a space after it, or it is shorter than [`MIN_PREFIX`]
/// characters: one or two letters begin too many words to be useful, and the index keeps
/// prefixes of three and four characters ready). Words are quoted, so FTS5 operators typed by a person (`AND`,
/// `NEAR`, `-`, `*`, `"`) are searched for as text, never interpreted. `None`: nothing to
/// search for.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<&str> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .collect();
    let last = words.len().checked_sub(1)?;
    let typing_last = !input.ends_with(|c: char| !c.is_alphanumeric());
    let terms: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            if i == last && typing_last && word.chars().count() >= MIN_PREFIX {
                format!("\"{word}\"*")
            } else {
                format!("\"{word}\"")
            }
        })
        .collect();
    Some(terms.join(" "))
}

/// Split marked text into segments.
pub fn segments(marked: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut matched = false;
    let mut current = String::new();
    for c in marked.chars() {
        if c == OPEN || c == CLOSE {
            if !current.is_empty() {
                out.push(Segment {
                    text: std::mem::take(&mut current),
                    matched,
                });
            }
            matched = c == OPEN;
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        out.push(Segment {
            text: current,
            matched,
        });
    }
    out
}

/// Search everything. An empty query finds nothing.
pub fn search(
    conn: &Connection,
    input: &str,
    options: SearchOptions,
) -> CacheResult<SearchResults> {
    let Some(query) = fts_query(input) else {
        return Ok(SearchResults::default());
    };
    Ok(SearchResults {
        messages: messages(conn, &query, &terms(input), options)?,
        contacts: contacts(conn, &query, options.directory_limit)?,
        templates: templates(conn, &query, options.directory_limit)?,
    })
}

const HIT_SQL: &str = "SELECT m.id, m.conversation_id, m.sort_key, m.author,
        snippet(messages_fts, 0, char(1), char(2), '…', 24), c.name
    FROM messages_fts
    JOIN messages m ON m.sort_key = messages_fts.rowid
    LEFT JOIN conversations c ON c.id = m.conversation_id";

fn hit_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<MessageHit> {
    let key: i64 = row.get(2)?;
    Ok(MessageHit {
        message_id: get_uuid(row, 0)?,
        conversation_id: get_uuid(row, 1)?,
        author: get_json(row, 3)?,
        created_at: chrono::DateTime::from_timestamp_micros(key.div_euclid(1000))
            .unwrap_or_default(),
        snippet: segments(&row.get::<_, String>(4)?),
        conversation_name: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
    })
}

/// Message matches for an FTS5 query made of `terms`.
fn messages(
    conn: &Connection,
    query: &str,
    terms: &[Term],
    options: SearchOptions,
) -> CacheResult<Vec<MessageHit>> {
    match options.order {
        SearchOrder::Newest => {
            let mut stmt = conn.prepare_cached(&format!(
                "{HIT_SQL} WHERE messages_fts MATCH ?1 ORDER BY messages_fts.rowid DESC LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![query, options.limit], hit_from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        }
        SearchOrder::Relevance => {
            // Score the newest candidates here (bm25() would first count every match of
            // every word in the whole index, and a per-winner lookup by rowid rescans the
            // matches), all from one pass over the candidates.
            let mut stmt = conn.prepare_cached(
                "SELECT m.id, m.conversation_id, m.sort_key, m.author,
                     snippet(messages_fts, 0, char(1), char(2), '…', 24), c.name, m.body
                 FROM messages_fts
                 JOIN messages m ON m.sort_key = messages_fts.rowid
                 LEFT JOIN conversations c ON c.id = m.conversation_id
                 WHERE messages_fts MATCH ?1 ORDER BY messages_fts.rowid DESC LIMIT ?2",
            )?;
            let mut hits = Vec::new();
            let mut candidates = Vec::new();
            let rows = stmt.query_map(params![query, RELEVANCE_CANDIDATES], |r| {
                Ok((
                    hit_from_row(r)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(6)?,
                ))
            })?;
            for row in rows {
                let (hit, key, body) = row?;
                hits.push((key, hit));
                candidates.push((key, body));
            }
            let mut by_key: std::collections::HashMap<i64, MessageHit> = hits.into_iter().collect();
            Ok(rank(terms, &candidates)
                .into_iter()
                .take(options.limit as usize)
                .filter_map(|key| by_key.remove(&key))
                .collect())
        }
    }
}

/// Order candidate `(key, body)` pairs best first: BM25 with the candidates as the corpus
/// (term frequency, saturated and normalised by length; rarer words weigh more), plus a bonus
/// when the words appear together in the order typed. Ties go to the newer message.
fn rank(terms: &[Term], candidates: &[(i64, String)]) -> Vec<i64> {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;
    let docs: Vec<(i64, Vec<String>)> = candidates
        .iter()
        .map(|(key, body)| {
            let tokens = body
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(fold)
                .collect();
            (*key, tokens)
        })
        .collect();
    let matches = |term: &Term, token: &str| {
        if term.prefix {
            token.starts_with(term.text.as_str())
        } else {
            token == term.text
        }
    };
    let n = docs.len().max(1) as f64;
    let avg_len = docs.iter().map(|(_, t)| t.len()).sum::<usize>().max(1) as f64 / n;
    let idf: Vec<f64> = terms
        .iter()
        .map(|term| {
            let df = docs
                .iter()
                .filter(|(_, tokens)| tokens.iter().any(|t| matches(term, t)))
                .count() as f64;
            (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
        })
        .collect();
    let mut scored: Vec<(f64, i64)> = docs
        .iter()
        .map(|(key, tokens)| {
            let len = tokens.len().max(1) as f64;
            let mut score = 0.0;
            for (term, weight) in terms.iter().zip(&idf) {
                let tf = tokens.iter().filter(|t| matches(term, t)).count() as f64;
                score += weight * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / avg_len));
            }
            let together = terms.len() > 1
                && tokens.windows(terms.len()).any(|window| {
                    window
                        .iter()
                        .zip(terms)
                        .all(|(token, term)| matches(term, token))
                });
            if together {
                score += 1.0;
            }
            (score, *key)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    scored.into_iter().map(|(_, key)| key).collect()
}

fn contacts(conn: &Connection, query: &str, limit: u32) -> CacheResult<Vec<ContactHit>> {
    let mut stmt = conn.prepare_cached(
        "SELECT data, name FROM (
             SELECT c.data AS data, highlight(contacts_fts, 0, char(1), char(2)) AS name,
                    bm25(contacts_fts, 10.0, 3.0, 1.0) AS score
             FROM contacts_fts JOIN contacts c ON c.key = contacts_fts.rowid
             WHERE contacts_fts MATCH ?1 ORDER BY contacts_fts.rowid DESC LIMIT ?2)
         ORDER BY score LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![query, SMALL_CANDIDATES, limit], |r| {
        Ok(ContactHit {
            contact: get_json(r, 0)?,
            name: segments(&r.get::<_, String>(1)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn templates(conn: &Connection, query: &str, limit: u32) -> CacheResult<Vec<TemplateHit>> {
    let mut stmt = conn.prepare_cached(
        "SELECT data, name, body FROM (
             SELECT t.data AS data, highlight(templates_fts, 0, char(1), char(2)) AS name,
                    snippet(templates_fts, 1, char(1), char(2), '…', 24) AS body,
                    bm25(templates_fts, 5.0, 1.0) AS score
             FROM templates_fts JOIN templates t ON t.key = templates_fts.rowid
             WHERE templates_fts MATCH ?1 ORDER BY templates_fts.rowid DESC LIMIT ?2)
         ORDER BY score LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![query, SMALL_CANDIDATES, limit], |r| {
        Ok(TemplateHit {
            template: get_json(r, 0)?,
            name: segments(&r.get::<_, String>(1)?),
            body: segments(&r.get::<_, String>(2)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::messages::tests::{conversation, message};
    use crate::cache::{self, testing};

    #[test]
    fn typed_text_becomes_a_safe_prefix_query() {
        let table = [
            ("nao", Some("\"nao\"*")),
            ("não recebi", Some("\"não\" \"recebi\"*")),
            ("boleto ", Some("\"boleto\"")),
            ("a", Some("\"a\"")),
            ("de", Some("\"de\"")),
            (
                "NEAR(x y) AND \"z",
                Some("\"NEAR\" \"x\" \"y\" \"AND\" \"z\""),
            ),
            ("ana@example.co", Some("\"ana\" \"example\" \"co\"")),
            ("ana@example.com", Some("\"ana\" \"example\" \"com\"*")),
            ("  -*\" ", None),
            ("", None),
        ];
        for (input, expected) in table {
            assert_eq!(fts_query(input).as_deref(), expected, "{input:?}");
        }
    }

    #[test]
    fn relevance_prefers_more_focused_matches_then_newer_ones() {
        let terms = terms("boleto venc");
        let candidates = vec![
            (5, "Boleto".to_string()),
            (4, "segue o boleto vencido".to_string()),
            (3, "vencimento do boleto".to_string()),
            (
                2,
                "boleto, e o vencimento? e muitas outras palavras que diluem a conversa"
                    .to_string(),
            ),
        ];
        // Both words, in the order typed, in a short message win; one word only comes last.
        assert_eq!(rank(&terms, &candidates), vec![4, 3, 2, 5]);
    }

    #[test]
    fn marked_text_splits_into_segments() {
        assert_eq!(
            segments("Eu \u{1}não\u{2} sei"),
            vec![
                Segment {
                    text: "Eu ".into(),
                    matched: false
                },
                Segment {
                    text: "não".into(),
                    matched: true
                },
                Segment {
                    text: " sei".into(),
                    matched: false
                },
            ]
        );
    }

    #[test]
    fn search_finds_accented_words_newest_first_across_messages_contacts_and_templates() {
        // Given a cache with messages, a contact and a template
        let (cache, _dir) = testing::cache();
        let conv = Uuid::now_v7();
        let mut older = message(conv, "Eu não recebi o boleto");
        older.created_at -= chrono::Duration::hours(1);
        let newer = message(conv, "Ainda NÃO chegou");
        let unrelated = message(conv, "Obrigado");
        let contact = Contact {
            id: Uuid::now_v7(),
            name: "João Não-Sei".into(),
            emails: vec!["joao@example.com".into()],
            phones: vec!["+5511987654321".into()],
            identities: vec![],
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let template = Template {
            id: Uuid::now_v7(),
            name: "Não recebido".into(),
            body: "Vamos verificar a entrega".into(),
            category: "Entrega".into(),
            language: "pt-BR".into(),
            updated_by: None,
            updated_at: chrono::Utc::now(),
        };
        cache
            .write_blocking(|tx| {
                cache::conversations::upsert(tx, &conversation(conv), None)?;
                for m in [&older, &newer, &unrelated] {
                    cache::messages::upsert(tx, m)?;
                }
                cache::contacts::upsert(tx, &contact)?;
                cache::templates::upsert(tx, &template)
            })
            .unwrap();

        // When searching without accents
        let found = cache
            .read_blocking(|conn| search(conn, "nao", SearchOptions::default()))
            .unwrap();

        // Then both messages are found, newest first, highlighted, with the chat's name
        let ids: Vec<Uuid> = found.messages.iter().map(|h| h.message_id).collect();
        assert_eq!(ids, vec![newer.id, older.id]);
        assert_eq!(found.messages[0].conversation_name, "Maria");
        assert!(
            found.messages[0]
                .snippet
                .iter()
                .any(|s| s.matched && s.text == "NÃO"),
            "the match is marked: {:?}",
            found.messages[0].snippet
        );
        assert_eq!(found.contacts.len(), 1);
        assert_eq!(found.templates.len(), 1);

        // And phone digits from the middle of a number find the contact
        let by_phone = cache
            .read_blocking(|conn| search(conn, "98765", SearchOptions::default()))
            .unwrap();
        assert_eq!(by_phone.contacts.len(), 1);

        // And relevance order still finds both
        let relevant = cache
            .read_blocking(|conn| {
                search(
                    conn,
                    "boleto",
                    SearchOptions {
                        order: SearchOrder::Relevance,
                        ..SearchOptions::default()
                    },
                )
            })
            .unwrap();
        assert_eq!(relevant.messages.len(), 1);
        assert_eq!(relevant.messages[0].message_id, older.id);
    }
}
