//! The outbox worker: sends the replies queued in the cache's `outbox` table.
//!
//! `Client::send` writes the reply to the cache (`pending`) and to the outbox in one
//! transaction and returns at once; this worker then sends the oldest reply of each
//! conversation (later ones wait, so a conversation's replies arrive in the order written).
//! Files are uploaded first, their ids kept in the outbox row, then the message that
//! references them is posted. Transient failures (no answer, 5xx) are retried with jittered
//! backoff; the server's refusals (4xx) mark the reply `failed` with the server's sentence.
//! Every attempt carries the reply's `client_id`, so a resend after a lost answer, a crash or
//! an app restart is recognised by the server as the same message: exactly once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use switchboard_protocol::{ErrorCode, SendMessageRequest};

use crate::api::ApiError;
use crate::cache::outbox::OutboxEntry;
use crate::cache::{self};
use crate::changes::Change;
use crate::engine::Core;
use crate::Timing;

/// What to do after a failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Try again after `delay`; `attempts` counts this failure.
    Retry {
        attempts: u32,
        delay: Duration,
        reason: String,
    },
    /// The server refused it for good: show its reason on the message.
    Fail { code: ErrorCode, message: String },
    /// The session ended: stop until the agent signs in again.
    Pause,
}

/// Decide what a failed attempt means. Pure: the jitter comes in as `fraction`.
pub fn decide(error: &ApiError, attempts: u32, timing: &Timing, fraction: f64) -> Step {
    if error.is_unauthorized() {
        return Step::Pause;
    }
    match error {
        ApiError::Status { code, message, .. } if !error.is_transient() => Step::Fail {
            code: *code,
            message: message.clone(),
        },
        // No answer, a server fault, or an answer we could not read (the server may well have
        // stored the message: only a retry with the same client_id can tell).
        _ => Step::Retry {
            attempts: attempts.saturating_add(1),
            delay: crate::backoff::delay(attempts, timing.retry_min, timing.retry_max, fraction),
            reason: error.describe(),
        },
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The worker loop: send what is due, then sleep until the next retry or a wake-up.
pub(crate) async fn run(core: Arc<Core>) {
    loop {
        if core.is_expired() {
            return;
        }
        let heads = match core.cache.read(cache::outbox::heads).await {
            Ok(heads) => heads,
            Err(err) => {
                tracing::error!(error = %err, "outbox unreadable");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let now = now_ms();
        let (due, later): (Vec<_>, Vec<_>) =
            heads.into_iter().partition(|e| e.next_attempt_ms <= now);
        if due.is_empty() {
            let wait = later
                .iter()
                .map(|e| Duration::from_millis((e.next_attempt_ms - now).max(1) as u64))
                .min();
            match wait {
                Some(wait) => {
                    tokio::select! {
                        _ = core.outbox_wake.notified() => {}
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
                None => core.outbox_wake.notified().await,
            }
            continue;
        }
        for entry in due {
            send_one(&core, entry).await;
            if core.is_expired() {
                return;
            }
        }
    }
}

async fn send_one(core: &Arc<Core>, mut entry: OutboxEntry) {
    // Files first: the message can only reference uploads that exist.
    for index in 0..entry.files.len() {
        if entry.files[index].uploaded.is_some() {
            continue;
        }
        let file = entry.files[index].clone();
        let Some(path) = file.path.clone() else {
            fail(
                core,
                &entry,
                ErrorCode::FileUnusable,
                "The attachment is missing; attach it again.",
            )
            .await;
            return;
        };
        let opened = match tokio::fs::File::open(&path).await {
            Ok(opened) => opened,
            Err(err) => {
                let message =
                    format!("The file {path} could not be read ({err}); attach it again.");
                fail(core, &entry, ErrorCode::FileUnusable, &message).await;
                return;
            }
        };
        let size = match opened.metadata().await {
            Ok(meta) => meta.len(),
            Err(_) => file.size,
        };
        let uploaded = core
            .api
            .upload(
                opened,
                size,
                &file.filename,
                progress_reporter(core, &entry, size),
            )
            .await;
        match uploaded {
            Ok(attachment) => {
                entry.files[index].uploaded = Some(attachment);
                let (seq, files) = (entry.seq, entry.files.clone());
                if let Err(err) = core
                    .cache
                    .write(move |tx| cache::outbox::set_files(tx, seq, &files))
                    .await
                {
                    tracing::error!(error = %err, "could not record an upload");
                }
            }
            Err(err) => {
                failed_attempt(core, &entry, &err).await;
                return;
            }
        }
    }

    let request = SendMessageRequest {
        client_id: entry.client_id,
        body: entry.body.clone(),
        attachments: entry
            .files
            .iter()
            .filter_map(|f| f.uploaded.as_ref().map(|a| a.id))
            .collect(),
    };
    match core.api.send_message(entry.conversation_id, &request).await {
        Ok((message, _created)) => {
            let seq = entry.seq;
            let stored = core
                .cache
                .write(move |tx| record_sent(tx, &message, seq))
                .await;
            if let Err(err) = stored {
                // Sent, but not recorded: the next attempt gets the same message back (200).
                tracing::error!(error = %err, "could not record a sent reply");
            } else {
                remove_staged(core, &entry).await;
            }
            core.feed.emit(Change::MessagesChanged {
                conversation_id: entry.conversation_id,
            });
        }
        Err(err) => failed_attempt(core, &entry, &err).await,
    }
}

/// Record the server's answer to reply `seq`: its copy replaces the pending one. When the
/// stream brought the reply first — and perhaps news of it since (Twilio refused it, it was
/// delivered) — the cached copy is as new as this answer or newer, and stays.
fn record_sent(
    tx: &rusqlite::Connection,
    message: &switchboard_protocol::Message,
    seq: i64,
) -> cache::CacheResult<()> {
    if cache::messages::get(tx, message.id)?.is_none() {
        cache::messages::upsert(tx, message)?;
    }
    cache::outbox::remove(tx, seq)
}

/// Folder (under the profile's files) for files dropped on the window, kept until sent.
pub const OUTGOING_DIR: &str = "outgoing";

/// Staged copies of dropped files are not needed once their reply is on the server.
async fn remove_staged(core: &Arc<Core>, entry: &OutboxEntry) {
    let staging = core.files_dir.join(OUTGOING_DIR);
    for file in &entry.files {
        let Some(path) = file.path.as_deref().map(std::path::Path::new) else {
            continue;
        };
        if let Some(dir) = path.parent().filter(|dir| dir.starts_with(&staging)) {
            let _ = tokio::fs::remove_dir_all(dir).await;
        }
    }
}

/// Report upload progress in steps of about 1 %, not per chunk.
fn progress_reporter(
    core: &Arc<Core>,
    entry: &OutboxEntry,
    total: u64,
) -> impl Fn(u64) + Send + Sync + 'static {
    let feed = core.feed.clone();
    let client_id = entry.client_id;
    let last = AtomicU64::new(0);
    let step = (total / 100).max(64 * 1024);
    feed.emit(Change::UploadProgress {
        client_id,
        sent: 0,
        total,
    });
    move |sent| {
        let previous = last.load(Ordering::Relaxed);
        if sent >= total || sent >= previous + step {
            last.store(sent, Ordering::Relaxed);
            feed.emit(Change::UploadProgress {
                client_id,
                sent,
                total,
            });
        }
    }
}

async fn failed_attempt(core: &Arc<Core>, entry: &OutboxEntry, error: &ApiError) {
    let fraction = crate::backoff::random_fraction();
    match decide(error, entry.attempts, &core.timing, fraction) {
        Step::Pause => core.expire(),
        Step::Fail { code, message } => fail(core, entry, code, &message).await,
        Step::Retry {
            attempts,
            delay,
            reason,
        } => {
            tracing::debug!(client_id = %entry.client_id, %reason, ?delay, "reply not sent yet");
            let seq = entry.seq;
            let next = now_ms() + delay.as_millis() as i64;
            if let Err(err) = core
                .cache
                .write(move |tx| cache::outbox::schedule_retry(tx, seq, attempts, next, &reason))
                .await
            {
                tracing::error!(error = %err, "could not schedule a retry");
            }
        }
    }
}

/// Mark a reply refused: the outbox keeps it (for retry or discard), the message shows why.
async fn fail(core: &Arc<Core>, entry: &OutboxEntry, code: ErrorCode, message: &str) {
    let (seq, client_id) = (entry.seq, entry.client_id);
    let (code, text) = (code.as_str(), message.to_string());
    let stored = core
        .cache
        .write(move |tx| {
            cache::outbox::mark_failed(tx, seq, code, &text)?;
            cache::messages::fail_by_client_id(tx, client_id, &text)
        })
        .await;
    if let Err(err) = stored {
        tracing::error!(error = %err, "could not mark a reply failed");
    }
    core.feed.emit(Change::MessagesChanged {
        conversation_id: entry.conversation_id,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::MessageStatus;

    #[test]
    fn an_answer_never_takes_back_what_the_stream_brought_since() {
        let (cache, _dir) = crate::cache::testing::cache();
        let conversation = cache::messages::tests::conversation(uuid::Uuid::now_v7());
        let mut answer = cache::messages::tests::message(conversation.id, "Confirmed.");
        answer.client_id = Some(uuid::Uuid::now_v7());
        answer.status = MessageStatus::Pending;
        let mut refused = answer.clone();
        refused.status = MessageStatus::Failed;
        refused.error = Some("Twilio 21211".into());
        let (answer_id, client_id) = (answer.id, answer.client_id.unwrap());
        let read = cache
            .write_blocking(move |tx| {
                cache::conversations::upsert(tx, &conversation, None)?;
                let seq = cache::outbox::insert(tx, client_id, conversation.id, "Confirmed.", &[])?;
                // The stream's events came first: the reply, then Twilio's refusal.
                cache::messages::upsert(tx, &refused)?;
                record_sent(tx, &answer, seq)?;
                cache::messages::get(tx, answer_id)
            })
            .unwrap()
            .expect("the reply is cached");
        assert_eq!(read.status, MessageStatus::Failed);
        assert_eq!(read.error.as_deref(), Some("Twilio 21211"));
    }

    fn status(status: u16, code: &str) -> ApiError {
        ApiError::Status {
            status,
            code: code.into(),
            message: format!("refused: {code}"),
        }
    }

    #[test]
    fn failures_are_retried_failed_or_paused_by_kind() {
        let timing = Timing {
            retry_min: Duration::from_millis(100),
            retry_max: Duration::from_secs(10),
            ..Timing::default()
        };
        let table: Vec<(ApiError, u32, Step)> = vec![
            (
                ApiError::Network("connection refused".into()),
                0,
                Step::Retry {
                    attempts: 1,
                    delay: Duration::from_millis(50),
                    reason: "no answer: connection refused".into(),
                },
            ),
            (
                status(503, "unavailable"),
                3,
                Step::Retry {
                    attempts: 4,
                    delay: Duration::from_millis(400),
                    reason: "HTTP 503: refused: unavailable".into(),
                },
            ),
            (
                status(409, "already_taken"),
                0,
                Step::Fail {
                    code: "already_taken".into(),
                    message: "refused: already_taken".into(),
                },
            ),
            (
                status(413, "body_too_large"),
                7,
                Step::Fail {
                    code: "body_too_large".into(),
                    message: "refused: body_too_large".into(),
                },
            ),
            (status(401, "unauthorized"), 0, Step::Pause),
        ];
        for (error, attempts, expected) in table {
            assert_eq!(
                decide(&error, attempts, &timing, 0.0),
                expected,
                "{error:?}"
            );
        }
    }
}
