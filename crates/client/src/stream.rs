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

/// One message from the server, as far as liveness is concerned.
enum Incoming {
    Frame(Frame),
    /// A ping or a frame with nothing for us: the connection is alive.
    Alive,
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
            Err(ApiError::from_answer(status, &body))
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
    /// Wait for a frame (pings from the server keep the wait going; `idle` without any
    /// message at all means a dead connection, as the server pings every 30 s), then take every
    /// frame already waiting, up to `max`.
    pub async fn read(&mut self, max: usize, idle: Duration) -> Result<Read, ApiError> {
        let first = loop {
            match tokio::time::timeout(idle, self.next_incoming()).await {
                Err(_) => {
                    return Err(ApiError::Network(format!(
                        "the stream was silent for {} s",
                        idle.as_secs()
                    )))
                }
                Ok(Err(err)) => return Err(err),
                Ok(Ok(Incoming::Closed)) => return Ok(Read::Closed),
                Ok(Ok(Incoming::Alive)) => continue,
                Ok(Ok(Incoming::Frame(frame))) => break frame,
            }
        };
        let mut frames = Vec::new();
        let reset = matches!(first, Frame::Reset { .. });
        frames.push(first);
        while !reset && frames.len() < max {
            // Only what is already here: never wait with a batch in hand.
            let Some(next) = self.next_incoming().now_or_never() else {
                break;
            };
            match next {
                Ok(Incoming::Frame(frame)) => {
                    let reset = matches!(frame, Frame::Reset { .. });
                    frames.push(frame);
                    if reset {
                        break;
                    }
                }
                Ok(Incoming::Alive) => {}
                // The batch so far is good; the end shows again on the next read.
                Ok(Incoming::Closed) | Err(_) => break,
            }
        }
        Ok(Read::Frames(frames))
    }

    /// The next message from the server.
    async fn next_incoming(&mut self) -> Result<Incoming, ApiError> {
        match self.socket.next().await {
            None => Ok(Incoming::Closed),
            Some(Err(err)) => Err(ApiError::Network(err.to_string())),
            Some(Ok(WsMessage::Text(text))) => Ok(match parse_frame(&text) {
                Some(frame) => Incoming::Frame(frame),
                None => Incoming::Alive,
            }),
            Some(Ok(WsMessage::Close(_))) => Ok(Incoming::Closed),
            // Pings (answered by tungstenite) and anything else: the connection lives.
            Some(Ok(_)) => Ok(Incoming::Alive),
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
    use futures_util::SinkExt;

    /// A WebSocket server that pings every 50 ms for a while, then sends one event, then
    /// stays silent.
    async fn pinging_server() -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            for _ in 0..8 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                ws.send(WsMessage::Ping(Vec::new().into())).await.unwrap();
            }
            let event = r#"{"cursor":1,"type":"typing","data":{}}"#;
            ws.send(WsMessage::Text(event.into())).await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        addr
    }

    #[tokio::test]
    async fn pings_keep_a_quiet_stream_alive_and_silence_ends_it() {
        // Given a server that only pings for 400 ms before it has an event
        let addr = pinging_server().await;
        let api = Api::new(url::Url::parse(&format!("http://{addr}/")).unwrap()).unwrap();
        let mut stream = connect(&api, 0).await.expect("stream opens");
        // When waiting with an idle limit shorter than the wait but longer than the pings
        let read = stream.read(10, Duration::from_millis(200)).await;
        // Then the event arrives, and later silence is reported as a dead connection
        assert!(
            matches!(read, Ok(Read::Frames(ref f)) if f.len() == 1),
            "pings kept the stream alive: {read:?}"
        );
        let silent = stream.read(10, Duration::from_millis(200)).await;
        assert!(matches!(silent, Err(ApiError::Network(_))), "{silent:?}");
    }

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
