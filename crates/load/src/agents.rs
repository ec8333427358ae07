//! Agents as the desktop app is one: signed in over the API, holding live streams.

use anyhow::{bail, Context, Result};
use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::{Setup, PASSWORD};

/// An agent's live event stream.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The agent's number in the [`Setup`] (0-based).
    pub agent: usize,
    pub token: String,
}

/// `sessions` sessions of every agent of `setup`, signed in a few at a time (each sign-in
/// hashes a password); in agent order, an agent's sessions together.
pub async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    setup: &Setup,
    sessions: usize,
) -> Result<Vec<Session>> {
    futures_util::stream::iter((0..setup.agents).flat_map(|a| (0..sessions).map(move |_| a)))
        .map(|agent| async move {
            #[derive(Deserialize)]
            struct Signed {
                token: String,
            }
            let login = Setup::extension(agent);
            let response = client
                .post(format!("{base}/api/v1/session"))
                .json(&serde_json::json!({"login": login, "password": PASSWORD}))
                .send()
                .await?;
            if !response.status().is_success() {
                bail!(
                    "signing in agent {login} answered {}: {}",
                    response.status(),
                    response.text().await.unwrap_or_default()
                );
            }
            let signed: Signed = response.json().await?;
            Ok(Session {
                agent,
                token: signed.token,
            })
        })
        .buffered(4)
        .try_collect()
        .await
}

/// The session's newest cursor, read through `GET /api/v1/sync` (a stream opened there
/// replays nothing).
pub async fn cursor(client: &reqwest::Client, base: &str, session: &Session) -> Result<i64> {
    #[derive(Deserialize)]
    struct Page {
        cursor: i64,
        #[serde(default)]
        more: bool,
    }
    let mut cursor = 0;
    loop {
        let page: Page = client
            .get(format!("{base}/api/v1/sync?cursor={cursor}&limit=1000"))
            .bearer_auth(&session.token)
            .send()
            .await?
            .error_for_status()
            .context("GET /api/v1/sync")?
            .json()
            .await?;
        cursor = page.cursor;
        if !page.more {
            return Ok(cursor);
        }
    }
}

/// Open the session's stream at `cursor`; `read_buffer` bytes of read buffer on our side.
pub async fn open_stream(
    base: &str,
    session: &Session,
    cursor: i64,
    read_buffer: Option<usize>,
) -> Result<Socket> {
    let url = format!(
        "{}/api/v1/stream?cursor={cursor}",
        base.replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "Authorization",
        format!("Bearer {}", session.token).parse()?,
    );
    let config = read_buffer.map(|size| WebSocketConfig::default().read_buffer_size(size));
    let (socket, _) = tokio_tungstenite::connect_async_with_config(request, config, true)
        .await
        .with_context(|| format!("opening the stream of agent {}", session.agent))?;
    Ok(socket)
}
