//! Pieces the desktop benchmarks share (`benches/desktop.rs`, `benches/soak.rs`): a server
//! store seeded with many of one agent's WhatsApp conversations, the app's memory (PSS over
//! its process tree), medians, and rewriting one section of BENCHMARKS.md.

use std::time::Duration;

use anyhow::{anyhow, Result};
use switchboard_protocol::{ChannelKind, ConversationStatus, Direction, Identity, MessageStatus};
use switchboard_server::store::{ConversationRow, MessageRow, Mode, Relation, Store, Tx, ViewRow};
use uuid::Uuid;

use crate::{process_tree, pss_kib, App};

/// Messages each seeded conversation holds (inbound and the agent's replies, alternating).
pub const SEEDED_MESSAGES: i64 = 3;

/// The WhatsApp number of seeded customer `c` (the `wa_id` a webhook from them carries).
pub fn seeded_phone(c: usize) -> String {
    format!("55119{c:08}")
}

/// The display name of seeded customer `c`.
pub fn seeded_name(c: usize) -> String {
    format!("Cliente {c}")
}

/// `count` (a multiple of 500) of `agent`'s open WhatsApp conversations on channel `channel`
/// in queue `support`, with [`SEEDED_MESSAGES`] messages each and read up to the last, straight
/// into the server's store; customer `c` is [`seeded_name`] at [`seeded_phone`].
pub fn seed_conversations(
    store: &dyn Store,
    agent: Uuid,
    channel: &str,
    count: usize,
) -> Result<()> {
    let start = chrono::Utc::now() - chrono::Duration::days(90);
    for batch in 0..count.div_ceil(500) {
        let mut rows = Vec::new();
        for c in batch * 500..((batch + 1) * 500).min(count) {
            let created = start + chrono::Duration::seconds(c as i64 * 600);
            let mut conv = ConversationRow {
                id: Uuid::now_v7(),
                channel: ChannelKind::Whatsapp,
                channel_id: channel.into(),
                status: ConversationStatus::Open,
                queue_id: Some("support".into()),
                owner_id: Some(agent),
                identity: Some(Identity {
                    kind: ChannelKind::Whatsapp,
                    value: seeded_phone(c),
                }),
                display_name: seeded_name(c),
                contact_id: None,
                title: None,
                offer_round: 0,
                offer_expires_at: None,
                last_seq: 0,
                last_message_id: None,
                created_at: created,
                updated_at: created,
                answered_at: Some(created),
                resolved_at: None,
                last_inbound_at: None,
            };
            let messages: Vec<MessageRow> = (1..=SEEDED_MESSAGES)
                .map(|seq| {
                    let inbound = seq % 2 == 1;
                    MessageRow {
                        id: Uuid::now_v7(),
                        conversation_id: conv.id,
                        channel_id: channel.into(),
                        seq,
                        client_id: (!inbound).then(Uuid::now_v7),
                        provider_message_id: inbound.then(|| format!("wamid.{c}.{seq}")),
                        direction: if inbound {
                            Direction::Inbound
                        } else {
                            Direction::Outbound
                        },
                        author_agent_id: (!inbound).then_some(agent),
                        author_name: if inbound {
                            seeded_name(c)
                        } else {
                            String::new()
                        },
                        body: format!("Mensagem {seq} sobre o pedido {c}"),
                        attachments: Vec::new(),
                        status: MessageStatus::Delivered,
                        error: None,
                        created_at: created + chrono::Duration::seconds(seq * 10),
                    }
                })
                .collect();
            conv.last_seq = SEEDED_MESSAGES;
            conv.last_message_id = messages.last().map(|m| m.id);
            conv.updated_at = messages.last().map_or(created, |m| m.created_at);
            rows.push((conv, messages));
        }
        store.run(Mode::Write, &mut |tx: &mut dyn Tx| {
            for (conv, messages) in &rows {
                let mut first = conv.clone();
                first.last_seq = 0;
                first.last_message_id = None;
                tx.insert_conversation(&first)?;
                for message in messages {
                    tx.insert_message(message)?;
                }
                tx.update_conversation(conv)?;
                let mut view = ViewRow::new(conv.id, agent, Relation::Owner, conv.updated_at);
                view.last_read_seq = conv.last_seq;
                tx.upsert_view(&view)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// PSS of the app and its WebKit processes now, in MiB, with the per-process split.
pub fn memory(app: &App) -> Result<(f64, Vec<(String, f64)>)> {
    let root = app
        .pid()
        .ok_or_else(|| anyhow!("the app process was not found"))?;
    let mut parts = Vec::new();
    for pid in process_tree(root) {
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .unwrap_or_default()
            .trim()
            .to_string();
        parts.push((name, pss_kib(pid) as f64 / 1024.0));
    }
    Ok((parts.iter().map(|(_, m)| m).sum(), parts))
}

/// [`memory`] after `idle`.
pub async fn idle_memory(app: &App, idle: Duration) -> Result<(f64, Vec<(String, f64)>)> {
    tokio::time::sleep(idle).await;
    memory(app)
}

/// The per-process split of [`memory`] in words ("WebKitWebProces 203 MB, …").
pub fn split(parts: &[(String, f64)]) -> String {
    parts
        .iter()
        .filter(|(_, m)| *m >= 1.0)
        .map(|(n, m)| format!("{n} {m:.0} MB"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The median (the upper one of an even count); NaN for none.
pub fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// "583, 569, 580": values rounded to whole numbers.
pub fn list(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v:.0}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "the release build" or "the debug build", and the measured binary's path relative to the
/// repository when it lies inside it.
pub fn build_and_binary() -> (&'static str, String) {
    let binary = crate::app_binary();
    let build = if binary.components().any(|c| c.as_os_str() == "release") {
        "the release build"
    } else {
        "the debug build"
    };
    let shown = binary
        .canonicalize()
        .ok()
        .and_then(|b| {
            let root = crate::repo().canonicalize().ok()?;
            b.strip_prefix(root).ok().map(|p| p.display().to_string())
        })
        .unwrap_or_else(|| binary.display().to_string());
    (build, shown)
}

/// Ends what a bench writes in its section of BENCHMARKS.md: whatever follows it in the section
/// (analysis, earlier runs, written by hand) is kept when the bench writes the section again.
pub const WRITTEN_BY_BENCH_ENDS: &str =
    "<!-- the bench rewrites the section up to here; what follows is kept -->\n";

/// Replace the BENCHMARKS.md section that starts with `heading` (a `## ` line with its
/// newline) with `section`, keeping what follows [`WRITTEN_BY_BENCH_ENDS`] in it; a missing
/// section goes before the heading `before` when that exists, else at the end.
pub fn write_section(heading: &str, section: &str, before: Option<&str>) -> Result<()> {
    let path = crate::repo().join("BENCHMARKS.md");
    let current = std::fs::read_to_string(&path)?;
    std::fs::write(path, replace_section(&current, heading, section, before))?;
    Ok(())
}

/// [`write_section`] on the text of the file.
fn replace_section(current: &str, heading: &str, section: &str, before: Option<&str>) -> String {
    let written = format!(
        "{}\n{WRITTEN_BY_BENCH_ENDS}",
        section.trim_end_matches('\n')
    );
    match current.find(heading) {
        Some(start) => {
            let rest = &current[start + heading.len()..];
            let end = rest
                .find("\n## ")
                .map_or(current.len(), |i| start + heading.len() + i + 1);
            let old = &current[start..end];
            let kept = old
                .find(WRITTEN_BY_BENCH_ENDS)
                .map_or("\n", |at| &old[at + WRITTEN_BY_BENCH_ENDS.len()..]);
            format!("{}{written}{kept}{}", &current[..start], &current[end..])
        }
        None => match before.and_then(|b| current.find(b)) {
            Some(at) => format!("{}{written}\n{}", &current[..at], &current[at..]),
            None => format!("{}\n\n{written}", current.trim_end_matches('\n')),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_written_again_keeps_what_follows_the_benchs_text() {
        let file = "# Benchmarks\n\n## Soak\nold run\n".to_string()
            + WRITTEN_BY_BENCH_ENDS
            + "\nAnalysis by hand.\n\n## Server\nserver text\n";
        let again = replace_section(&file, "## Soak\n", "## Soak\nnew run\n", None);
        assert_eq!(
            again,
            "# Benchmarks\n\n## Soak\nnew run\n".to_string()
                + WRITTEN_BY_BENCH_ENDS
                + "\nAnalysis by hand.\n\n## Server\nserver text\n"
        );
        // A section written before the marker existed is replaced whole, then marked.
        let unmarked = "## Soak\nold run\n\n## Server\nx\n";
        assert_eq!(
            replace_section(unmarked, "## Soak\n", "## Soak\nnew\n", None),
            "## Soak\nnew\n".to_string() + WRITTEN_BY_BENCH_ENDS + "\n## Server\nx\n"
        );
        // A new section goes before `before`, or at the end.
        let new = replace_section(unmarked, "## Desk\n", "## Desk\nd\n", Some("## Server\n"));
        assert_eq!(
            new,
            "## Soak\nold run\n\n## Desk\nd\n".to_string()
                + WRITTEN_BY_BENCH_ENDS
                + "\n## Server\nx\n"
        );
        let last = replace_section("## Soak\na\n", "## Desk\n", "## Desk\nd\n", None);
        assert_eq!(
            last,
            "## Soak\na\n\n## Desk\nd\n".to_string() + WRITTEN_BY_BENCH_ENDS
        );
    }

    #[test]
    fn median_takes_the_middle_of_the_sorted_values() {
        assert_eq!(median(vec![5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 3.0);
        assert!(median(Vec::new()).is_nan());
    }
}
