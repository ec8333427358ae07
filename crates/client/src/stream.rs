//! The live event feed: `GET /api/v1/stream?cursor=N` over WebSocket.
//!
//! The server replays everything after the cursor, then streams; each text frame is one event
//! or a reset notice. Frames that are already waiting are read together so the sync engine can
//! apply them in one transaction (a burst of 1,000 messages is a few commits, not 1,000).

use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use serde::Deserialize;
use switchboard_protocol::Event;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::api::{Api, ApiError};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// One thing the stream said.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Event(Event),
    /// The cursor asked for is no longer served: reload, then continue from `cursor`.
    Reset {
        cursor: i64,
    },
}

#[derive(Debug, Deserialize)]
struct ResetNotice {
    reset: bool,
    cursor: i64,
}

/// What one read produced.
#[derive(Debug)]
pub enum Read {
    /// At least one frame; a reset, if any, is last.
    Frames(Vec<Frame>),
    /// The server closed the stream.
    Closed,
}

/// An open stream.
#[derive(Debug)]
pub struct EventStream {
    socket: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
}

/// Open the stream after `cursor`.
pub async fn connect(api: &Api, cursor: i64) -> Result<EventStream, ApiError> {
    let mut url = api
        .base()
        .join("api/v1/stream")
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    url.set_scheme(scheme)
        .map_err(|()| ApiError::Decode("cannot make a WebSocket address".into()))?;
    url.set_query(Some(&format!("cursor={cursor}")));
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    if let Some(token) = api.token() {
        let value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|e| ApiError::Decode(e.to_string()))?;
        request.headers_mut().insert("Authorization", value);
    }
    let connecting = tokio_tungstenite::connect_async(request);
    match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Err(_) => Err(ApiError::Network("the stream did not open in time".into())),
        Ok(Ok((socket, _))) => Ok(EventStream { socket }),
        Ok(Err(WsError::Http(response))) => {
            let status = response.status().as_u16();
            let body = response
                .body()
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default()
                .to_string();
            let parsed = serde_json::from_str::<switchboard_protocol::ErrorResponse>(&body);
            Err(match parsed {
                Ok(error) => ApiError::Status {
                    status,
                    code: error.error.code,
                    message: error.error.message,
                },
                Err(_) => ApiError::Status {
                    status,
                    code: format!("http_{status}"),
                    message: body.chars().take(200).collect(),
                },
            })
        }
        Ok(Err(other)) => Err(ApiError::Network(other.to_string())),
    }
}

/// Parse one text frame. `None` for frames that carry nothing for us.
pub fn parse_frame(text: &str) -> Option<Frame> {
    if let Ok(notice) = serde_json::from_str::<ResetNotice>(text) {
        if notice.reset {
            return Some(Frame::Reset {
                cursor: notice.cursor,
            });
        }
    }
    match serde_json::from_str::<Event>(text) {
        Ok(event) => Some(Frame::Event(event)),
        Err(err) => {
            tracing::warn!(error = %err, "unreadable stream frame skipped");
            None
        }
    }
}

impl EventStream {
    /// Wait up to `idle` for a frame, then take every frame already waiting, up to `max`.
    /// The server pings every 30 s, so silence longer than `idle` means a dead connection.
    pub async fn read(&mut self, max: usize, idle: Duration) -> Result<Read, ApiError> {
        let mut frames = Vec::new();
        let first = match tokio::time::timeout(idle, self.next_frame()).await {
            Err(_) => {
                return Err(ApiError::Network(format!(
                    "the stream was silent for {} s",
                    idle.as_secs()
                )))
            }
            Ok(result) => result?,
        };
        match first {
            None => return Ok(Read::Closed),
            Some(frame) => {
                let reset = matches!(frame, Frame::Reset { .. });
                frames.push(frame);
                if reset {
                    return Ok(Read::Frames(frames));
                }
            }
        }
        while frames.len() < max {
            // Only what is already here: never wait with a batch in hand.
            let Some(next) = self.next_frame().now_or_never() else {
                break;
            };
            match next {
                Ok(Some(frame)) => {
                    let reset = matches!(frame, Frame::Reset { .. });
                    frames.push(frame);
                    if reset {
                        break;
                    }
                }
                // The batch so far is good; the failure shows again on the next read.
                Ok(None) | Err(_) => break,
            }
        }
        Ok(Read::Frames(frames))
    }

    /// The next event or reset; `None` when the server closed the stream.
    async fn next_frame(&mut self) -> Result<Option<Frame>, ApiError> {
        loop {
            match self.socket.next().await {
                None => return Ok(None),
                Some(Err(err)) => return Err(ApiError::Network(err.to_string())),
                Some(Ok(WsMessage::Text(text))) => {
                    if let Some(frame) = parse_frame(&text) {
                        return Ok(Some(frame));
                    }
                }
                Some(Ok(WsMessage::Close(_))) => return Ok(None),
                // Pings are answered by tungstenite; nothing else carries events.
                Some(Ok(_)) => {}
            }
        }
    }

    /// Say goodbye (best effort).
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_events_or_reset_notices() {
        let event = parse_frame(r#"{"cursor":7,"type":"typing","data":{},"extra":1}"#);
        assert!(
            matches!(event, Some(Frame::Event(ref e)) if e.cursor == 7 && e.kind == "typing"),
            "{event:?}"
        );
        assert_eq!(
            parse_frame(r#"{"reset":true,"cursor":42}"#),
            Some(Frame::Reset { cursor: 42 })
        );
        assert_eq!(parse_frame("hello"), None);
    }
}
