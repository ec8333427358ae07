//! `GET /api/v1/stream?cursor=N`: the live event feed over WebSocket.
//!
//! Replay and live delivery are one loop over the agent's stored log: send everything after
//! the cursor, then wait to be woken by a commit and repeat. Each text frame is one event (or a
//! reset notice), so a client that reconnects with the cursor of the last frame it processed
//! misses nothing and sees nothing twice.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use tokio::sync::watch;
use uuid::Uuid;

use super::error::ApiResult;
use super::extract::{ApiQuery, CurrentAgent};
use super::AppState;
use crate::engine::Engine;

const BATCH: u32 = 500;
const PING_EVERY: Duration = Duration::from_secs(30);

#[derive(Deserialize)]
pub(super) struct StreamQuery {
    cursor: Option<i64>,
}

pub(super) async fn stream(
    State(state): State<AppState>,
    me: CurrentAgent,
    ApiQuery(query): ApiQuery<StreamQuery>,
    upgrade: WebSocketUpgrade,
) -> ApiResult<Response> {
    let engine = state.engine.clone();
    let agent = me.id();
    let cursor = query.cursor.unwrap_or(0);
    let shutdown = state.shutdown.clone();
    Ok(upgrade.on_upgrade(move |socket| async move {
        if let Err(reason) = serve(engine, agent, cursor, socket, shutdown).await {
            tracing::debug!(%agent, %reason, "stream closed");
        }
    }))
}

async fn serve(
    engine: Engine,
    agent: Uuid,
    mut cursor: i64,
    mut socket: WebSocket,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), String> {
    // Subscribe before the first read, so a commit between the read and the wait still wakes us.
    let mut wake = engine.notifier().subscribe(agent);
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        wake.borrow_and_update();
        loop {
            let page = engine
                .sync(agent, cursor, BATCH)
                .await
                .map_err(|e| e.to_string())?;
            if page.reset {
                let notice = serde_json::json!({"reset": true, "cursor": page.cursor});
                send(&mut socket, notice.to_string()).await?;
            }
            for event in &page.events {
                let text = serde_json::to_string(event).map_err(|e| e.to_string())?;
                send(&mut socket, text).await?;
            }
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        tokio::select! {
            changed = wake.changed() => changed.map_err(|_| "server shutting down".to_string())?,
            _ = ping.tick() => socket.send(Message::Ping(Vec::new().into())).await.map_err(|e| e.to_string())?,
            _ = super::stopping(&mut shutdown) => {
                super::close_going_away(&mut socket).await;
                return Ok(());
            }
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                Some(Ok(_)) => {} // pongs and client chatter carry nothing for us
            },
        }
    }
}

async fn send(socket: &mut WebSocket, text: String) -> Result<(), String> {
    socket
        .send(Message::Text(text.into()))
        .await
        .map_err(|e| e.to_string())
}
