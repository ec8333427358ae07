//! Accounts, sessions, streams and connections under abuse and careless operation: agents
//! taken out of the configuration, changed passwords, ended sessions closing their streams,
//! caps on streams and connections, half-sent requests, and log-in names of any size.

mod common;

use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// The close code of a stream whose session ended (see `http/stream.rs`).
const SESSION_ENDED: u16 = 4401;

/// Wait up to `wait` for the stream to close; its close code, if it sent one.
async fn closed_with(socket: &mut Socket, wait: Duration) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("the stream closes in time");
        match frame {
            Some(Ok(WsMessage::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(WsMessage::Text(text))) => panic!("an event after the session ended: {text}"),
            Some(Ok(_)) => continue,
            None | Some(Err(_)) => return None,
        }
    }
}

/// The same configuration file with `edit` applied.
fn rewrite_config(server: &TestServer, edit: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(&server.config_path).unwrap();
    std::fs::write(&server.config_path, edit(text)).unwrap();
}

/// The `[[agents]]` entry of `extension`, as `agents_toml` writes it.
fn agent_entry(extension: u32) -> String {
    let all = agents_toml(3);
    let start = all.find(&format!("extension = \"{extension}\"")).unwrap();
    let start = all[..start].rfind("[[agents]]").unwrap();
    let end = all[start + 1..]
        .find("[[agents]]")
        .map_or(all.len(), |i| start + 1 + i);
    all[start..end].to_string()
}

#[tokio::test]
async fn an_agent_taken_out_of_the_config_is_locked_out_at_once() {
    let mut server = TestServer::with_config(&config_toml(3, "", "")).await;
    let leaving = server.login("103").await;
    let staying = server.login("102").await;
    let conv = server
        .inbound("wa", "+5511999990001", "olá")
        .await
        .conversation_id;
    let (status, _) = leaving.take(conv).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = leaving.reply(conv, "Bom dia!").await;
    assert_eq!(status, StatusCode::CREATED);

    server
        .restart(|s| {
            rewrite_config(s, |text| {
                text.replace(&agent_entry(103), "").replace(", \"103\"", "")
            })
        })
        .await;

    let (status, body) = server
        .call(
            None,
            Method::POST,
            "/api/v1/session",
            Some(json!({"login": "103", "password": PASSWORD})),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    );
    let (status, body) = leaving.get("/api/v1/me").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let (status, _) = staying.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::OK, "the others keep working");
    let (status, body) = staying
        .post("/api/v1/internal-chats", json!({"extensions": ["103"]}))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "agent_not_found");
    let (_, agents) = staying.get("/api/v1/agents").await;
    assert!(
        !agents.to_string().contains("\"103\""),
        "not offered as a colleague: {agents}"
    );
    // Their name stays on what they wrote.
    assert_eq!(
        server.count(
            "SELECT COUNT(*) FROM messages m JOIN agents a ON a.id = m.author_agent_id \
             WHERE a.extension = '103'"
        ),
        1
    );

    // Back in the file: back to work.
    server
        .restart(|s| rewrite_config(s, |text| format!("{}\n{text}", agent_entry(103))))
        .await;
    server.login("103").await;
}

#[tokio::test]
async fn a_changed_password_ends_the_agents_sessions() {
    let mut server = TestServer::with_config(&config_toml(2, "", "")).await;
    let changed = server.login("102").await;
    let other = server.login("101").await;
    server
        .restart(|s| {
            rewrite_config(s, |text| {
                let old = agent_entry(102);
                let hash_line = old
                    .lines()
                    .find(|l| l.starts_with("password_hash"))
                    .unwrap();
                let new = old.replace(hash_line, "password = \"a new one\"");
                text.replace(&old, &new)
            })
        })
        .await;
    let (status, body) = changed.get("/api/v1/me").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let (status, _) = other.get("/api/v1/me").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "an unchanged password keeps its sessions"
    );
    let (status, _) = server
        .call(
            None,
            Method::POST,
            "/api/v1/session",
            Some(json!({"login": "102", "password": "a new one"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn logging_out_closes_the_stream_and_nothing_follows() {
    let server = TestServer::start(2).await;
    let agent = server.login("101").await;
    let mut stream = open_stream(&server, &agent, 0).await;
    let (status, _) = agent.call(Method::DELETE, "/api/v1/session", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // A chat arriving now is not for a signed-out stream.
    server.inbound("wa", "+5511999990002", "alguém?").await;
    assert_eq!(
        closed_with(&mut stream, Duration::from_secs(10)).await,
        Some(SESSION_ENDED)
    );
}

#[tokio::test]
async fn disabling_an_agent_closes_their_open_stream_and_nothing_follows() {
    let owner = format!(
        "\n[[agents]]\nextension = \"190\"\nname = \"Olga Owner\"\npassword = \"{PASSWORD}\"\nrole = \"system_owner\"\n"
    );
    let server = TestServer::with_config(&format!("{}{owner}", config_toml(1, "", ""))).await;
    let olga = server.login("190").await;
    let (status, _) = olga
        .post(
            "/api/v1/admin/agents",
            json!({"extension": "201", "name": "Nina Nova", "password": "temporary-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let nina = server.login_with("201", "temporary-1").await;
    let (status, _) = nina
        .call(
            Method::PUT,
            "/api/v1/me/password",
            Some(json!({"current_password": "temporary-1", "new_password": "nina's own"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // From where her log stands now: what came before is not the point here.
    let (_, cursor) = nina.sync_all(0).await;
    let mut stream = open_stream(&server, &nina, cursor).await;
    let (status, _) = olga
        .call(Method::POST, "/api/v1/admin/agents/201/disable", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    // A chat arriving now is not for a disabled agent's stream.
    server.inbound("wa", "+5511999990003", "alguém?").await;
    assert_eq!(
        closed_with(&mut stream, Duration::from_secs(10)).await,
        Some(SESSION_ENDED)
    );
    let (status, _) = nina.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_expired_session_closes_its_stream() {
    let server = TestServer::with_config(&config_toml(1, "", "session_ttl_s = 4")).await;
    let agent = server.login("101").await;
    let mut stream = open_stream(&server, &agent, 0).await;
    assert_eq!(
        closed_with(&mut stream, Duration::from_secs(15)).await,
        Some(SESSION_ENDED)
    );
    let (status, _) = agent.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn ended_sessions_are_pruned() {
    let server = TestServer::start(1).await;
    let agent = server.login("101").await;
    server.login("101").await;
    agent.call(Method::DELETE, "/api/v1/session", None).await;
    assert_eq!(server.count("SELECT COUNT(*) FROM sessions"), 2);
    // Revoked two days ago, as far as the database knows.
    server.execute(&format!(
        "UPDATE sessions SET revoked_at = '{}' WHERE revoked_at IS NOT NULL",
        sql_time(chrono::Utc::now() - chrono::Duration::days(2))
    ));
    assert_eq!(server.running.engine.prune_sessions().await.unwrap(), 1);
    assert_eq!(server.count("SELECT COUNT(*) FROM sessions"), 1);
}

#[tokio::test]
async fn an_agent_holds_a_capped_number_of_streams() {
    let limits = "[server.limits]\nstreams_per_agent = 2\n";
    let server = TestServer::with_config(&config_toml(1, "", limits)).await;
    let agent = server.login("101").await;
    let first = open_stream(&server, &agent, 0).await;
    let _second = open_stream(&server, &agent, 0).await;
    let url = format!("ws://{}/api/v1/stream?cursor=0", server.running.addr);
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "Authorization",
        format!("Bearer {}", agent.token).parse().unwrap(),
    );
    match tokio_tungstenite::connect_async(request.clone()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
            let body = String::from_utf8(response.body().clone().unwrap_or_default()).unwrap();
            assert!(body.contains("too_many_streams"), "{body}");
        }
        other => panic!("a third stream was not refused: {:?}", other.map(|_| ())),
    }
    drop(first);
    eventually("a closed stream frees its place", || {
        let request = request.clone();
        async move { tokio_tungstenite::connect_async(request).await.is_ok() }
    })
    .await;
}

#[tokio::test]
async fn a_silent_stream_peer_is_dropped_and_a_lively_one_kept() {
    let limits = "[server.limits]\nstream_ping_s = 1\n";
    let server = TestServer::with_config(&config_toml(2, "", limits)).await;
    let silent = server.login("101").await;
    let lively = server.login("102").await;
    let mut silent_stream = open_stream(&server, &silent, 0).await;
    let mut lively_stream = open_stream(&server, &lively, 0).await;
    // The lively one reads (and so answers pings) all along, the whole test through; the
    // silent one reads nothing. Once told to, the reader hands back the next event.
    let (want_event, wanted) = tokio::sync::watch::channel(false);
    let lively_reads = tokio::spawn(async move {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(60), lively_stream.next())
                .await
                .expect("the lively stream carries pings at least");
            match frame {
                Some(Ok(WsMessage::Text(text))) if *wanted.borrow() => {
                    return serde_json::from_str::<serde_json::Value>(&text).unwrap();
                }
                Some(Ok(frame)) => {
                    assert!(!frame.is_close(), "the lively stream was closed: {frame:?}")
                }
                other => panic!("the lively stream ended: {other:?}"),
            }
        }
    });
    tokio::time::sleep(Duration::from_secs(5)).await;
    // Read now: pings sent before it was given up, then the end.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, silent_stream.next())
            .await
            .expect("the silent stream was dropped")
        {
            Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
            Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => break,
            Some(Ok(other)) => panic!("unexpected frame {other:?}"),
        }
    }
    // The lively one still carries events.
    want_event.send(true).unwrap();
    server.inbound("wa", "+5511999990003", "oi").await;
    let event = tokio::time::timeout(Duration::from_secs(10), lively_reads)
        .await
        .expect("the lively stream still works")
        .unwrap();
    assert!(event["type"].is_string());
}

#[tokio::test]
async fn a_stream_refuses_large_frames() {
    let server = TestServer::start(1).await;
    let agent = server.login("101").await;
    let mut stream = open_stream(&server, &agent, 0).await;
    let _ = stream.send(WsMessage::text("x".repeat(64 * 1024))).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("the stream is closed")
        {
            Some(Ok(WsMessage::Close(frame))) => {
                if let Some(frame) = frame {
                    assert_eq!(frame.code, CloseCode::Size);
                }
                break;
            }
            Some(Ok(WsMessage::Text(_) | WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
            Some(Ok(other)) => panic!("unexpected frame {other:?}"),
            Some(Err(_)) | None => break,
        }
    }
}

#[tokio::test]
async fn long_login_names_are_refused_before_they_are_counted() {
    let server = TestServer::start(1).await;
    let resident = || -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    let name = "1".repeat(1 << 20);
    let before = resident();
    for i in 0..300 {
        let login = format!("{i}{name}");
        let (status, body) = server
            .call(
                None,
                Method::POST,
                "/api/v1/session",
                Some(json!({"login": login, "password": "x"})),
            )
            .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_login");
    }
    let grown_kib = resident().saturating_sub(before);
    // 300 MB of names, had they been kept; the test process's own buffers come and go.
    assert!(grown_kib < 100 * 1024, "memory grew by {grown_kib} KiB");
    // An ordinary sign-in still works.
    server.login("101").await;
}

/// Read from `stream` until the server closes it; false if it is still open after `wait`.
async fn closed_by_server(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn half_sent_requests_and_idle_connections_are_dropped() {
    let limits = "[server.limits]\nheader_read_timeout_s = 1\nbody_idle_timeout_s = 1\n";
    let server = TestServer::with_config(&config_toml(1, "", limits)).await;
    let addr = server.running.addr;

    let mut headers_only = TcpStream::connect(addr).await.unwrap();
    headers_only
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: switchboard\r\n")
        .await
        .unwrap();
    let mut body_cut = TcpStream::connect(addr).await.unwrap();
    body_cut
        .write_all(
            b"POST /api/v1/session HTTP/1.1\r\nHost: switchboard\r\n\
              Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"login\"",
        )
        .await
        .unwrap();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: switchboard\r\n\r\n")
        .await
        .unwrap();

    assert!(closed_by_server(&mut headers_only, Duration::from_secs(10)).await);
    assert!(closed_by_server(&mut body_cut, Duration::from_secs(10)).await);
    assert!(closed_by_server(&mut idle, Duration::from_secs(10)).await);
    let (status, _) = server.call(None, Method::GET, "/healthz", None).await;
    assert_eq!(status, StatusCode::OK, "the server itself is fine");
}

#[tokio::test]
async fn connections_past_the_limit_are_answered_busy() {
    let limits = "[server.limits]\nmax_connections = 3\n";
    let server = TestServer::with_config(&config_toml(1, "", limits)).await;
    let addr = server.running.addr;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        // Half a request keeps the connection busy (the header timeout is 30 s).
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .unwrap();
        held.push(stream);
    }
    // Accepted in order: the held ones took every place before this one connects.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = TcpStream::connect(addr).await.unwrap();
    extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: switchboard\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), extra.read_to_string(&mut answer))
        .await
        .expect("answered at once")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"busy\""), "{answer}");
    held.clear();
    eventually("places free up once connections close", || async {
        let client = reqwest::Client::new();
        client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK)
    })
    .await;
}

#[tokio::test]
async fn zero_limits_are_refused_with_the_key_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let text = config_toml(1, "", "[server.limits]\nmax_connections = 0\n");
    let errors =
        switchboard_server::config::parse(&text, "switchboard.toml", dir.path(), &|_| None)
            .expect_err("refused");
    let text = errors.to_string();
    assert!(
        text.contains("server.limits.max_connections") && text.contains("at least 1"),
        "{text}"
    );
}

#[tokio::test]
async fn signed_provider_traffic_is_never_throttled_and_forged_floods_are() {
    use switchboard_fakes::{MetaWebhook, WhatsAppBusiness, WhatsAppWebhook};
    // A limit of 3 a minute per address: far below a provider's peak.
    let config = common::config_toml(1, "", "").replace(
        "login_per_minute_per_ip = 1000",
        "login_per_minute_per_ip = 1000\nwebhooks_per_minute_per_ip = 3",
    );
    let server = TestServer::with_config(&config).await;
    let ana = server.login("101").await;
    let url = format!("{}/webhooks/whatsapp/wa", server.base);
    let hook = MetaWebhook::new(&url, "s");
    let business = WhatsAppBusiness {
        phone_number_id: "1".into(),
        ..WhatsAppBusiness::default()
    };
    let text = |n: usize| {
        WhatsAppWebhook::text(
            &business,
            &format!("55119999{n:05}"),
            "Cliente",
            &format!("oi {n}"),
        )
    };

    // Twenty correctly signed webhooks from one address in a burst: every one stored.
    for n in 0..20 {
        let answer = hook.send(&text(n)).await.unwrap();
        assert!(answer.is_success(), "signed webhook {n}: {answer:?}");
    }
    let (_, list) = ana.get("/api/v1/conversations").await;
    assert_eq!(list["conversations"].as_array().unwrap().len(), 20);

    // Forged ones are refused (401) and counted: past three, the address gets 429...
    for n in 0..3 {
        let answer = hook
            .send_with_signature(&text(100 + n), Some("sha256=00"))
            .await
            .unwrap();
        assert_eq!(answer.status, 401, "forged {n}");
    }
    let answer = hook.send_with_signature(&text(200), None).await.unwrap();
    assert_eq!(answer.status, 429, "an unsigned flood is throttled");
    // ...while the provider's signed traffic still goes through.
    let answer = hook.send(&text(300)).await.unwrap();
    assert!(answer.is_success(), "{answer:?}");
}
