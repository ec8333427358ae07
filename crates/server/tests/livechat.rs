//! The live-chat visitor API: sessions, messages both ways, the visitor's stream, ending a
//! chat, blocking an address (behind a trusted proxy), and origin checks.

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use uuid::Uuid;

async fn server() -> TestServer {
    server_with("").await
}

/// The live-chat server, `extra` added to its `[server]` table (limits, rate limits).
async fn server_with(extra: &str) -> TestServer {
    let extra = extra.to_string();
    TestServer::with_config_for(move |addr| {
        format!(
            r#"[server]
listen = "127.0.0.1:0"
public_url = "http://{addr}"
database = "sqlite://switchboard.db"
trusted_proxies = ["127.0.0.1/32"]
{extra}

{agents}
[[queues]]
id = "web-queue"
agents = ["101", "102"]

[[channels]]
id = "web"
kind = "livechat"
route = {{ queue = "web-queue" }}
[channels.livechat]
allowed_origins = ["https://shop.example.com"]
greeting = "Olá! Como podemos ajudar?"
offline_text = "Estamos fora do ar agora."
ask_email = true
"#,
            agents = agents_toml(2)
        )
    })
    .await
}

struct Visitor<'a> {
    server: &'a TestServer,
    token: String,
    ip: &'static str,
}

impl<'a> Visitor<'a> {
    async fn start(server: &'a TestServer, ip: &'static str, body: Value) -> Visitor<'a> {
        let (status, session) = raw(
            server,
            ip,
            None,
            Method::POST,
            "/livechat/web/session",
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{session}");
        Visitor {
            server,
            token: session["token"].as_str().unwrap().to_string(),
            ip,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        raw(self.server, self.ip, Some(&self.token), method, path, body).await
    }

    async fn say(&self, text: &str) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            "/livechat/web/messages",
            Some(json!({"client_id": Uuid::now_v7(), "body": text})),
        )
        .await
    }
}

async fn raw(
    server: &TestServer,
    ip: &str,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = server
        .http
        .request(method, format!("{}{path}", server.base))
        .header("x-forwarded-for", ip);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn a_visitor_and_an_agent_talk_and_the_history_survives_a_reload() {
    let server = server().await;
    let (status, config) = raw(
        &server,
        "203.0.113.1",
        None,
        Method::GET,
        "/livechat/web/config",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(config["greeting"], "Olá! Como podemos ajudar?");
    assert_eq!(
        config["offline_text"], "Estamos fora do ar agora.",
        "nobody is signed in yet"
    );
    assert_eq!(config["ask_email"], true);
    assert!(config["accepted_extensions"]
        .as_array()
        .unwrap()
        .contains(&json!("pdf")));

    let ana = server.login("101").await;
    let (_, config) = raw(
        &server,
        "203.0.113.1",
        None,
        Method::GET,
        "/livechat/web/config",
        None,
    )
    .await;
    assert!(config["offline_text"].is_null(), "an agent is online");

    let visitor = Visitor::start(
        &server,
        "203.0.113.1",
        json!({"name": "Paula", "email": "paula@example.com", "language": "pt-BR"}),
    )
    .await;
    let (status, sent) = visitor.say("Oi, quero saber do frete").await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["author"], "visitor");

    let (_, list) = ana.get("/api/v1/conversations").await;
    let conv = &list["conversations"][0];
    assert_eq!(conv["channel"], "livechat");
    assert_eq!(conv["contact"]["display_name"], "Paula");
    let id = conv["id"].as_str().unwrap().to_string();
    let (_, info) = ana
        .get(&format!("/api/v1/conversations/{id}/visitor"))
        .await;
    assert_eq!(
        info["ip"], "203.0.113.1",
        "the forwarded address of a trusted proxy"
    );
    assert_eq!(info["email"], "paula@example.com");

    // The visitor's stream replays and then delivers the agent's reply with the agent's name.
    let url = format!(
        "ws://{}/livechat/web/stream?token={}&cursor=0",
        server.running.addr, visitor.token
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    ana.reply(id.parse().unwrap(), "Oi Paula! O frete é grátis.")
        .await;
    let mut bodies = Vec::new();
    while bodies.len() < 2 {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a frame")
            .unwrap()
            .unwrap();
        if let WsMessage::Text(text) = frame {
            let event: Value = serde_json::from_str(&text).unwrap();
            if event["type"] == "message" {
                bodies.push((
                    event["data"]["author"].as_str().unwrap().to_string(),
                    event["data"]["agent_name"].clone(),
                ));
            }
        }
    }
    assert_eq!(bodies[0].0, "visitor");
    assert_eq!(bodies[1], ("agent".to_string(), json!("Agent 101")));

    // A reload: same token, same history.
    let again = Visitor::start(&server, "203.0.113.1", json!({"token": visitor.token})).await;
    assert_eq!(again.token, visitor.token, "the session is kept");
    let (_, page) = again
        .call(Method::GET, "/livechat/web/messages", None)
        .await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 2);
    assert_eq!(page["ended"], false);
    let cursor = page["cursor"].as_i64().unwrap();
    let (_, nothing_new) = again
        .call(
            Method::GET,
            &format!("/livechat/web/messages?after={cursor}"),
            None,
        )
        .await;
    assert!(nothing_new["messages"].as_array().unwrap().is_empty());

    // The same client_id twice is one message.
    let client_id = Uuid::now_v7();
    let (s1, m1) = visitor
        .call(
            Method::POST,
            "/livechat/web/messages",
            Some(json!({"client_id": client_id, "body": "obrigada"})),
        )
        .await;
    let (s2, m2) = visitor
        .call(
            Method::POST,
            "/livechat/web/messages",
            Some(json!({"client_id": client_id, "body": "obrigada"})),
        )
        .await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(m1["id"], m2["id"]);
    assert_eq!(m1["client_id"], client_id.to_string());
}

#[tokio::test]
async fn ending_the_session_tells_the_visitor_and_the_next_message_starts_over() {
    let server = server().await;
    let ana = server.login("101").await;
    let visitor = Visitor::start(&server, "203.0.113.2", json!({})).await;
    visitor.say("Oi").await;
    let (_, list) = ana.get("/api/v1/conversations").await;
    let id = list["conversations"][0]["id"].as_str().unwrap().to_string();
    let (status, _) = ana
        .post(
            &format!("/api/v1/conversations/{id}/end-session"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, page) = visitor
        .call(Method::GET, "/livechat/web/messages", None)
        .await;
    assert_eq!(page["ended"], true);
    assert_eq!(
        page["messages"].as_array().unwrap().last().unwrap()["author"],
        "system"
    );
    let (_, conv) = ana.get(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(conv["status"], "resolved");

    let (_, cursor_page) = visitor
        .call(Method::GET, "/livechat/web/messages", None)
        .await;
    let cursor = cursor_page["cursor"].as_i64().unwrap();
    visitor.say("Esqueci uma coisa").await;
    let (_, newer) = visitor
        .call(
            Method::GET,
            &format!("/livechat/web/messages?after={cursor}"),
            None,
        )
        .await;
    assert_eq!(
        newer["messages"].as_array().unwrap().len(),
        1,
        "cursors keep growing across conversations: {newer}"
    );
    assert_eq!(newer["ended"], false);
    let (_, list) = ana.get("/api/v1/conversations").await;
    let fresh = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "queued")
        .expect("a new conversation");
    assert_ne!(fresh["id"], id.as_str());

    // Ending is for live chats only.
    let (status, chat) = ana
        .post("/api/v1/internal-chats", json!({"extensions": ["102"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = ana
        .post(
            &format!(
                "/api/v1/conversations/{}/end-session",
                chat["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_livechat",
    );
}

#[tokio::test]
async fn a_blocked_address_is_refused_everywhere_while_others_still_chat() {
    let server = server().await;
    let manager = server.login("101").await;
    let agent = server.login("102").await;
    let spammer = Visitor::start(&server, "198.51.100.66", json!({})).await;
    spammer.say("compre já!!!").await;
    let (_, list) = agent.get("/api/v1/conversations").await;
    let id = list["conversations"][0]["id"].as_str().unwrap().to_string();
    let (status, block) = agent
        .post(
            &format!("/api/v1/conversations/{id}/block"),
            json!({"duration_s": 3600, "reason": "spam"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{block}");
    assert_eq!(block["ip"], "198.51.100.66");

    for (method, path, body) in [
        (Method::GET, "/livechat/web/config", None),
        (Method::POST, "/livechat/web/session", Some(json!({}))),
        (Method::GET, "/livechat/web/messages", None),
        (
            Method::POST,
            "/livechat/web/messages",
            Some(json!({"client_id": Uuid::now_v7(), "body": "x"})),
        ),
    ] {
        let (status, answer) = spammer.call(method, path, body).await;
        assert_error(status, &answer, StatusCode::FORBIDDEN, "blocked");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("spam"),
            "{answer}"
        );
    }
    let (status, _) = raw(
        &server,
        "198.51.100.66",
        None,
        Method::GET,
        "/livechat/web/widget.js",
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the script still loads, to say the chat is blocked"
    );

    let other = Visitor::start(&server, "198.51.100.67", json!({})).await;
    let (status, _) = other.say("Olá").await;
    assert_eq!(status, StatusCode::CREATED, "another address still works");

    // Managers see and lift blocks; agents may not.
    let (status, body) = agent.get("/api/v1/blocks").await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, blocks) = manager.get("/api/v1/blocks").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(blocks["blocks"][0]["reason"], "spam");
    assert_eq!(blocks["blocks"][0]["blocked_by"]["extension"], "102");
    let block_id = blocks["blocks"][0]["id"].as_str().unwrap();
    let (status, _) = manager
        .call(Method::DELETE, &format!("/api/v1/blocks/{block_id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = spammer
        .call(Method::GET, "/livechat/web/config", None)
        .await;
    assert_eq!(status, StatusCode::OK, "unblocked");
}

#[tokio::test]
async fn foreign_origins_unknown_channels_and_bad_tokens_are_refused() {
    let server = server().await;
    let foreign = server
        .http
        .post(format!("{}/livechat/web/session", server.base))
        .header("origin", "https://evil.example.net")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let allowed = server
        .http
        .post(format!("{}/livechat/web/session", server.base))
        .header("origin", "https://shop.example.com")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://shop.example.com"
    );
    let preflight = server
        .http
        .request(
            Method::OPTIONS,
            format!("{}/livechat/web/messages", server.base),
        )
        .header("origin", "https://shop.example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert!(preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("authorization"));

    let (status, body) = raw(
        &server,
        "203.0.113.9",
        None,
        Method::GET,
        "/livechat/nope/config",
        None,
    )
    .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "unknown_channel");
    let (status, body) = raw(
        &server,
        "203.0.113.9",
        Some("forged"),
        Method::GET,
        "/livechat/web/messages",
        None,
    )
    .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");
    let (status, demo) = raw(
        &server,
        "203.0.113.9",
        None,
        Method::GET,
        "/livechat/web/demo",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(demo.as_str().unwrap().contains("/livechat/web/widget.js"));
}

#[tokio::test]
async fn visitors_are_held_to_message_length_new_chats_and_uploads() {
    let server = server_with(
        "[server.limits]\nvisitor_message_chars = 20\nvisitor_uploads_per_hour = 2\n\
         [server.rate_limits]\nvisitor_conversations_per_minute_per_ip = 2\n",
    )
    .await;
    let visitor = Visitor::start(&server, "198.51.100.10", json!({})).await;
    let (status, body) = visitor.say(&"á".repeat(21)).await;
    assert_error(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 20 characters"),
        "{body}"
    );
    let (status, _) = visitor.say(&"á".repeat(20)).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "20 characters (40 bytes) are fine"
    );
    let (status, _) = visitor.say("and another in the same chat").await;
    assert_ne!(status, StatusCode::TOO_MANY_REQUESTS, "{status}");

    // New chats from one address: the first visitor's chat and one more, then no more.
    let second = Visitor::start(&server, "198.51.100.10", json!({})).await;
    assert_eq!(second.say("oi").await.0, StatusCode::CREATED);
    let third = Visitor::start(&server, "198.51.100.10", json!({})).await;
    let (status, body) = third.say("oi").await;
    assert_error(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let elsewhere = Visitor::start(&server, "198.51.100.11", json!({})).await;
    assert_eq!(elsewhere.say("oi").await.0, StatusCode::CREATED);

    // Files per visitor and hour.
    let upload = || async {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"hello, a plain text file".to_vec())
                .file_name("note.txt"),
        );
        let resp = server
            .http
            .post(format!("{}/livechat/web/attachments", server.base))
            .header("x-forwarded-for", "198.51.100.11")
            .bearer_auth(&elsewhere.token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json::<Value>().await.unwrap_or(Value::Null))
    };
    for _ in 0..2 {
        let (status, body) = upload().await;
        assert!(status.is_success(), "{status} {body}");
    }
    let (status, body) = upload().await;
    assert_error(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

#[tokio::test]
async fn ipv6_clients_are_limited_and_blocked_per_64_and_mapped_ipv4_is_ipv4() {
    let server =
        server_with("[server.rate_limits]\nvisitor_requests_per_minute_per_ip = 3\n").await;
    for ip in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"] {
        Visitor::start(&server, ip, json!({})).await;
    }
    let session = |ip: &'static str| {
        let server = &server;
        async move {
            raw(
                server,
                ip,
                None,
                Method::POST,
                "/livechat/web/session",
                Some(json!({})),
            )
            .await
            .0
        }
    };
    assert_eq!(
        session("2001:db8:1:2:abcd::4").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the same /64"
    );
    assert_eq!(
        session("2001:db8:1:3::1").await,
        StatusCode::OK,
        "the next /64"
    );
    for _ in 0..3 {
        assert_eq!(session("198.51.100.20").await, StatusCode::OK);
    }
    assert_eq!(
        session("::ffff:198.51.100.20").await,
        StatusCode::TOO_MANY_REQUESTS,
        "an IPv4-mapped address is that IPv4 address"
    );

    // A block of an IPv6 visitor covers their /64.
    let agent = server.login("101").await;
    let spammer = Visitor::start(&server, "2001:db8:9:9::1", json!({})).await;
    spammer.say("spam").await;
    let (_, list) = agent.get("/api/v1/conversations").await;
    let id = list["conversations"][0]["id"].as_str().unwrap().to_string();
    let (status, block) = agent
        .post(&format!("/api/v1/conversations/{id}/block"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{block}");
    assert_eq!(block["ip"], "2001:db8:9:9::/64");
    let (status, body) = raw(
        &server,
        "2001:db8:9:9:1234::99",
        None,
        Method::GET,
        "/livechat/web/config",
        None,
    )
    .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "blocked");
    let (status, _) = raw(
        &server,
        "2001:db8:9:a::1",
        None,
        Method::GET,
        "/livechat/web/config",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn block_durations_are_bounded() {
    let server = server().await;
    let agent = server.login("101").await;
    let visitor = Visitor::start(&server, "198.51.100.30", json!({})).await;
    visitor.say("oi").await;
    let (_, list) = agent.get("/api/v1/conversations").await;
    let id = list["conversations"][0]["id"].as_str().unwrap().to_string();
    let ten_years: i64 = 10 * 366 * 24 * 3600;
    for absurd in [i64::MAX, ten_years + 1, 0, -5] {
        let (status, body) = agent
            .post(
                &format!("/api/v1/conversations/{id}/block"),
                json!({"duration_s": absurd}),
            )
            .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_duration");
    }
    let (status, block) = agent
        .post(
            &format!("/api/v1/conversations/{id}/block"),
            json!({"duration_s": ten_years}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{block}");
}

#[tokio::test]
async fn a_visitors_typing_is_passed_on_once_in_a_while() {
    let server = server().await;
    let owner = server.login("101").await;
    let colleague = server.login("102").await;
    let visitor = Visitor::start(&server, "198.51.100.40", json!({})).await;
    visitor.say("oi").await;
    let (_, list) = owner.get("/api/v1/conversations").await;
    let id: Uuid = list["conversations"][0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // While the chat is offered to the queue, nobody answers it yet: no typing for anyone.
    let typing = |events: &[Value]| events.iter().filter(|e| e["type"] == "typing").count();
    let (_, cursor) = colleague.sync_all(0).await;
    assert_eq!(
        visitor
            .call(Method::POST, "/livechat/web/typing", None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(typing(&colleague.sync_all(cursor).await.0), 0);
    owner.take(id).await;
    let (_, owner_cursor) = owner.sync_all(0).await;
    let (_, colleague_cursor) = colleague.sync_all(0).await;
    // Let the throttle's window from the first notice pass.
    tokio::time::sleep(std::time::Duration::from_millis(2600)).await;
    for _ in 0..12 {
        let (status, _) = visitor
            .call(Method::POST, "/livechat/web/typing", None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (events, _) = owner.sync_all(owner_cursor).await;
    // One, or two if the twelve calls took longer than the throttle's window.
    assert!((1..=2).contains(&typing(&events)), "{events:?}");
    let (events, _) = colleague.sync_all(colleague_cursor).await;
    assert_eq!(
        typing(&events),
        0,
        "only the agent answering the chat: {events:?}"
    );
}

#[tokio::test]
async fn an_expired_visitor_session_closes_its_stream() {
    let server = server().await;
    let agent = server.login("101").await;
    let visitor = Visitor::start(&server, "198.51.100.50", json!({})).await;
    visitor.say("oi").await;
    let url = format!(
        "ws://{}/livechat/web/stream?token={}&cursor=0",
        server.running.addr, visitor.token
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    server.execute(&format!(
        "UPDATE visitors SET token_expires_at = '{}'",
        sql_time(chrono::Utc::now() - chrono::Duration::minutes(1))
    ));
    // Whatever wakes the stream now finds the session over.
    let (_, list) = agent.get("/api/v1/conversations").await;
    let id: Uuid = list["conversations"][0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    agent.take(id).await;
    agent.reply(id, "still there?").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("the stream closes");
        match frame {
            Some(Ok(WsMessage::Close(Some(frame)))) => {
                assert_eq!(u16::from(frame.code), 4401);
                break;
            }
            Some(Ok(WsMessage::Text(text))) => {
                assert!(
                    !text.contains("still there?"),
                    "delivered after the session ended"
                );
            }
            Some(Ok(_)) => continue,
            other => panic!("closed without a reason: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_visitor_far_behind_gets_every_message_page_by_page() {
    let server = server().await;
    let agent = server.login("101").await;
    let visitor = Visitor::start(&server, "198.51.100.60", json!({})).await;
    visitor.say("oi").await;
    let (_, page) = visitor
        .call(Method::GET, "/livechat/web/messages", None)
        .await;
    let mut cursor = page["cursor"].as_i64().unwrap();
    let (_, list) = agent.get("/api/v1/conversations").await;
    let id: Uuid = list["conversations"][0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    agent.take(id).await;
    // More than one page of replies while the visitor was away.
    for i in 0..1_050 {
        let (status, _) = agent.reply(id, &format!("resposta {i}")).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut bodies = Vec::new();
    loop {
        let (_, page) = visitor
            .call(
                Method::GET,
                &format!("/livechat/web/messages?after={cursor}"),
                None,
            )
            .await;
        let messages = page["messages"].as_array().unwrap();
        if messages.is_empty() {
            break;
        }
        bodies.extend(
            messages
                .iter()
                .map(|m| m["body"].as_str().unwrap().to_string()),
        );
        cursor = page["cursor"].as_i64().unwrap();
    }
    let expected: Vec<String> = (0..1_050).map(|i| format!("resposta {i}")).collect();
    assert_eq!(bodies.len(), expected.len(), "none missed, none twice");
    assert_eq!(bodies, expected, "in order");
}

#[tokio::test]
async fn visitor_details_are_checked_and_bad_ones_named() {
    let server = server().await;
    let cases = [
        (
            json!({"name": "Ana", "email": "ana@shop.com?cc=evil@x.com"}),
            "email",
        ),
        (json!({"name": "Ana", "email": "a&b@shop.com"}), "email"),
        (json!({"name": "Ana", "email": "not an address"}), "email"),
        (
            json!({"name": "x".repeat(101), "email": "ana@shop.com"}),
            "name",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = raw(
            &server,
            "203.0.113.9",
            None,
            Method::POST,
            "/livechat/web/session",
            Some(body.clone()),
        )
        .await;
        assert_error(
            status,
            &answer,
            StatusCode::BAD_REQUEST,
            "invalid_visitor_details",
        );
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{field}:")),
            "{body}: {answer}"
        );
    }
    assert_eq!(
        server.count("SELECT COUNT(*) FROM visitors"),
        0,
        "nothing stored"
    );
    // Good details are kept, the e-mail in lower case.
    let visitor = Visitor::start(
        &server,
        "203.0.113.9",
        json!({"name": "x".repeat(100), "email": "Ana.Silva+loja@Shop.com"}),
    )
    .await;
    let (status, _) = visitor.say("oi").await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM visitors WHERE email = 'ana.silva+loja@shop.com'"),
        1
    );
}

#[tokio::test]
async fn a_visitor_holds_a_capped_number_of_streams() {
    let server = server_with("[server.limits]\nstreams_per_visitor = 2\n").await;
    let visitor = Visitor::start(&server, "198.51.100.60", json!({})).await;
    visitor.say("oi").await;
    let url = format!(
        "ws://{}/livechat/web/stream?token={}&cursor=0",
        server.running.addr, visitor.token
    );
    let (first, _) = tokio_tungstenite::connect_async(url.clone()).await.unwrap();
    let _second = tokio_tungstenite::connect_async(url.clone()).await.unwrap();
    match tokio_tungstenite::connect_async(url.clone()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
            let body = String::from_utf8(response.body().clone().unwrap_or_default()).unwrap();
            assert!(body.contains("too_many_streams"), "{body}");
        }
        other => panic!("a third stream was not refused: {:?}", other.map(|_| ())),
    }
    // Another visitor is not held to this one's streams.
    let other = Visitor::start(&server, "198.51.100.61", json!({})).await;
    other.say("olá").await;
    let other_url = format!(
        "ws://{}/livechat/web/stream?token={}&cursor=0",
        server.running.addr, other.token
    );
    assert!(tokio_tungstenite::connect_async(other_url).await.is_ok());
    drop(first);
    eventually("a closed stream frees its place", || {
        let url = url.clone();
        async move { tokio_tungstenite::connect_async(url).await.is_ok() }
    })
    .await;
}

#[tokio::test]
async fn on_a_nearly_full_disk_a_visitors_file_is_refused_in_words() {
    let server = server_with("[server.files]\nmin_free_bytes = 9000000000000000000\n").await;
    let visitor = Visitor::start(&server, "198.51.100.20", json!({})).await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"hello, a plain text file".to_vec()).file_name("note.txt"),
    );
    let resp = server
        .http
        .post(format!("{}/livechat/web/attachments", server.base))
        .header("x-forwarded-for", visitor.ip)
        .bearer_auth(&visitor.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert_error(
        status,
        &body,
        StatusCode::INSUFFICIENT_STORAGE,
        "storage_full",
    );
    // The visitor can still write.
    assert_eq!(
        visitor.say("Consegue ver minha mensagem?").await.0,
        StatusCode::CREATED
    );
}
