//! `GET /api/v1/stream?cursor=N`: the live event feed over WebSocket.
//!
//! Replay and live delivery are one loop over the agent's stored log: send everything after
//! the cursor, then wait to be woken by a commit and repeat. Each text frame is one event (or a
//! reset notice), so a client that reconnects with the cursor of the last frame it processed
//! misses nothing and sees nothing twice.
//!
//! Each page is read together with the stream's session (`Engine::stream_page`): once the
//! session ended — logout (which wakes the stream, on every node), expiry (a timer), the agent
//! disabled — the stream closes with [`SESSION_ENDED`] instead of sending anything more. The
//! stream pings every `stream_ping_s` and drops a peer that stays silent; an agent holds at
//! most `streams_per_agent` streams on a node.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use futures_util::SinkExt;
use serde::Deserialize;
use switchboard_protocol::ErrorCode;
use tokio::sync::watch;
use uuid::Uuid;

use super::error::{ApiError, ApiResult};
use super::extract::{ApiQuery, CurrentAgent};
use super::AppState;
use crate::engine::{Engine, Error};

const BATCH: u32 = 500;

/// The largest message or frame a client may send on a stream. Clients send nothing but
/// pongs and close frames, so this is small.
pub(super) const MAX_INCOMING: usize = 4 * 1024;

/// What a stream reads the client's frames into (it grows for a larger frame, up to
/// [`MAX_INCOMING`]). tungstenite zero-fills its whole read buffer on every read, so the
/// default of 128 KiB cost each idle stream 133 KB of resident memory, and each wake-up a
/// 128 KiB memset (BENCHMARKS.md, "idle streams").
pub(super) const READ_BUFFER: usize = 1024;

/// The close code of a stream whose session ended (logged out, expired, agent disabled):
/// reconnecting will not help; sign in again.
pub(super) const SESSION_ENDED: u16 = 4401;

#[derive(Deserialize)]
pub(super) struct StreamQuery {
    cursor: Option<i64>,
}

/// Whose a stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Streamer {
    Agent,
    Visitor,
}

impl Streamer {
    fn label(self) -> &'static str {
        match self {
            Streamer::Agent => "agent",
            Streamer::Visitor => "visitor",
        }
    }

    /// The most streams one of them may hold open on this node.
    fn most(self, state: &AppState) -> u32 {
        match self {
            Streamer::Agent => state.limits.streams_per_agent,
            Streamer::Visitor => state.limits.streams_per_visitor,
        }
    }
}

/// Live streams open on this node, counted per agent or visitor.
#[derive(Debug, Default)]
pub struct OpenStreams {
    counts: Mutex<HashMap<Uuid, u32>>,
}

impl OpenStreams {
    /// A place for one more stream of `who`, held until the slot is dropped; `None` when `who`
    /// holds `max` already.
    fn open(self: &Arc<Self>, who: Uuid, max: u32, kind: Streamer) -> Option<StreamSlot> {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let count = counts.entry(who).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        metrics::gauge!("switchboard_streams_open", "kind" => kind.label()).increment(1.0);
        Some(StreamSlot {
            streams: self.clone(),
            who,
            kind,
        })
    }
}

/// One open stream's place in [`OpenStreams`].
#[derive(Debug)]
pub(super) struct StreamSlot {
    streams: Arc<OpenStreams>,
    who: Uuid,
    kind: Streamer,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        metrics::gauge!("switchboard_streams_open", "kind" => self.kind.label()).decrement(1.0);
        let mut counts = self
            .streams
            .counts
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(count) = counts.get_mut(&self.who) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.who);
            }
        }
    }
}

/// A place for one more stream of `who`, or 429 `too_many_streams`.
pub(super) fn stream_slot(state: &AppState, who: Uuid, kind: Streamer) -> ApiResult<StreamSlot> {
    let max = kind.most(state);
    state.streams.open(who, max, kind).ok_or_else(|| {
        let whose = match kind {
            Streamer::Agent => "You have",
            Streamer::Visitor => "This chat has",
        };
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyStreams,
            format!(
                "{whose} already {max} live connection(s) open to this server; close one \
                 (another window or device) first."
            ),
        )
    })
}

/// Keeps a stream's peer honest: pings every `every`, and says when the peer has answered
/// nothing (no pong, no frame) for two of them.
pub(super) struct Liveness {
    every: Duration,
    heard: Instant,
    ticks: tokio::time::Interval,
}

impl Liveness {
    pub(super) fn new(every: Duration) -> Self {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Liveness {
            every,
            heard: Instant::now(),
            ticks,
        }
    }

    /// The peer sent something.
    pub(super) fn heard(&mut self) {
        self.heard = Instant::now();
    }

    /// Resolves when the next ping is due.
    pub(super) async fn due(&mut self) {
        self.ticks.tick().await;
    }

    /// Send the ping that is due; `Err` when the peer has been silent too long.
    pub(super) async fn ping(&self, socket: &mut WebSocket) -> Result<(), String> {
        if self.heard.elapsed() > self.every * 3 / 2 {
            return Err("the peer answered no ping".into());
        }
        socket
            .send(Message::Ping(Vec::new().into()))
            .await
            .map_err(|e| e.to_string())
    }
}

/// Close the socket with [`SESSION_ENDED`] and `reason`.
pub(super) async fn close_session_ended(socket: &mut WebSocket, reason: &str) {
    let frame = CloseFrame {
        code: SESSION_ENDED,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// Sleep until `at` (at once if it passed).
pub(super) async fn until(at: chrono::DateTime<chrono::Utc>) {
    let left = (at - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(left).await;
}

pub(super) async fn stream(
    State(state): State<AppState>,
    me: CurrentAgent,
    ApiQuery(query): ApiQuery<StreamQuery>,
    upgrade: WebSocketUpgrade,
) -> ApiResult<Response> {
    let slot = stream_slot(&state, me.id(), Streamer::Agent)?;
    let ends_at = state.engine.session_ends_at(&me.token).await?;
    let stream = AgentStream {
        engine: state.engine.clone(),
        agent: me.id(),
        token: me.token,
        ends_at,
        liveness: Liveness::new(Duration::from_secs(state.limits.stream_ping_s)),
        shutdown: state.shutdown.clone(),
    };
    let cursor = query.cursor.unwrap_or(0);
    Ok(upgrade
        .read_buffer_size(READ_BUFFER)
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
        .on_upgrade(move |socket| async move {
            let agent = stream.agent;
            if let Err(reason) = stream.serve(cursor, socket).await {
                tracing::debug!(%agent, %reason, "stream closed");
            }
            drop(slot);
        }))
}

struct AgentStream {
    engine: Engine,
    agent: Uuid,
    token: String,
    ends_at: chrono::DateTime<chrono::Utc>,
    liveness: Liveness,
    shutdown: watch::Receiver<bool>,
}

impl AgentStream {
    async fn serve(mut self, mut cursor: i64, mut socket: WebSocket) -> Result<(), String> {
        // Subscribe before the first read, so a commit between the read and the wait still
        // wakes us.
        let mut wake = self.engine.notifier().subscribe(self.agent);
        loop {
            wake.borrow_and_update();
            loop {
                let page = match self.engine.stream_page(&self.token, cursor, BATCH).await {
                    Ok(page) => page,
                    Err(Error::SignedOut) => {
                        close_session_ended(&mut socket, "session ended: sign in again").await;
                        return Ok(());
                    }
                    Err(err) => return Err(err.to_string()),
                };
                // A page's frames are queued, then written together: one write to the
                // socket per page, not one per event.
                if page.reset {
                    let notice = serde_json::json!({"reset": true, "cursor": page.cursor});
                    queue(&mut socket, notice.to_string()).await?;
                }
                for event in &page.events {
                    let text = serde_json::to_string(event).map_err(|e| e.to_string())?;
                    queue(&mut socket, text).await?;
                }
                socket.flush().await.map_err(|e| e.to_string())?;
                cursor = page.cursor;
                if !page.more {
                    break;
                }
            }
            tokio::select! {
                changed = wake.changed() => changed.map_err(|_| "server shutting down".to_string())?,
                () = until(self.ends_at) => {
                    close_session_ended(&mut socket, "session expired: sign in again").await;
                    return Ok(());
                }
                () = self.liveness.due() => self.liveness.ping(&mut socket).await?,
                _ = super::stopping(&mut self.shutdown) => {
                    super::close_going_away(&mut socket).await;
                    return Ok(());
                }
                incoming = socket.recv() => match incoming {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                    // Pongs and client chatter carry nothing for us but that the peer lives.
                    Some(Ok(_)) => self.liveness.heard(),
                },
            }
        }
    }
}

/// Queue a text frame, written by the next flush (or once the queue is full).
async fn queue(socket: &mut WebSocket, text: String) -> Result<(), String> {
    socket
        .feed(Message::Text(text.into()))
        .await
        .map_err(|e| e.to_string())
}
