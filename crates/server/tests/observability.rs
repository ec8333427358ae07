//! What an operator watches: Prometheus metrics on their own address, and logs (JSON for log
//! shippers) that carry each request's id into the engine's lines and never a secret, a token
//! or a message's text.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_fakes::graph::whatsapp::{WhatsAppBusiness, WhatsAppWebhook};
use switchboard_fakes::MetaWebhook;

/// The business of `config_toml`'s WhatsApp channel ("wa", phone number id "1", secret "s").
fn business() -> WhatsAppBusiness {
    WhatsAppBusiness {
        phone_number_id: "1".into(),
        ..WhatsAppBusiness::default()
    }
}

/// The value of the series of `name` whose labels include all of `labels`, if present.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter(|line| {
            line.split(['{', ' '])
                .next()
                .is_some_and(|series| series == name)
        })
        .filter(|line| {
            labels
                .iter()
                .all(|(k, v)| line.contains(&format!("{k}=\"{v}\"")))
        })
        .map(|line| line.rsplit(' ').next().unwrap().parse().unwrap())
        .next()
}

#[tokio::test]
async fn metrics_tell_requests_webhooks_queues_agents_and_streams() {
    let server = TestServer::with_config(&config_toml(
        2,
        "",
        "[server.metrics]\nlisten = \"127.0.0.1:0\"\n",
    ))
    .await;
    let metrics_url = format!(
        "http://{}/metrics",
        server.running.metrics_addr.expect("metrics are on")
    );
    let agent = server.login("101").await;
    let _stream = open_stream(&server, &agent, 0).await;
    let target = format!("{}/webhooks/whatsapp/wa", server.base);
    let signed = MetaWebhook::new(&target, "s");
    let forged = MetaWebhook::new(&target, "not the secret");
    let text = WhatsAppWebhook::text(&business(), "5511955550000", "Cliente", "oi");
    assert!(signed.send(&text).await.unwrap().is_success());
    assert_eq!(forged.send(&text).await.unwrap().status, 401);
    // Signed with our app's secret but for another number of the same app: answered 200 (so
    // Meta stops), stored nowhere, counted.
    let elsewhere = WhatsAppBusiness {
        phone_number_id: "999".into(),
        ..business()
    };
    let foreign = WhatsAppWebhook::text(&elsewhere, "5511955550001", "Outro", "oi");
    assert!(signed.send(&foreign).await.unwrap().is_success());

    let scraped = reqwest::get(&metrics_url).await.unwrap();
    assert_eq!(scraped.status(), StatusCode::OK);
    let text = scraped.text().await.unwrap();
    let has = |name: &str, labels: &[(&str, &str)]| {
        sample(&text, name, labels).unwrap_or_else(|| panic!("no {name} {labels:?} in:\n{text}"))
    };
    assert_eq!(
        has(
            "switchboard_http_requests_total",
            &[
                ("route", "/api/v1/session"),
                ("method", "POST"),
                ("status", "200")
            ]
        ),
        1.0
    );
    assert!(
        has(
            "switchboard_http_request_duration_seconds_count",
            &[("route", "/api/v1/session")]
        ) >= 1.0
    );
    let webhook = |outcome| {
        has(
            "switchboard_webhooks_total",
            &[
                ("provider", "whatsapp"),
                ("channel", "wa"),
                ("outcome", outcome),
            ],
        )
    };
    assert_eq!(webhook("accepted"), 2.0);
    assert_eq!(webhook("bad_signature"), 1.0);
    assert_eq!(
        has(
            "switchboard_webhook_foreign_ids_total",
            &[("provider", "whatsapp"), ("channel", "wa")]
        ),
        1.0
    );
    assert_eq!(
        has("switchboard_queue_waiting", &[("queue", "support")]),
        1.0
    );
    assert!(
        has(
            "switchboard_queue_oldest_wait_seconds",
            &[("queue", "support")]
        ) >= 0.0
    );
    assert_eq!(
        has("switchboard_agents_signed_in", &[("presence", "available")]),
        1.0
    );
    assert_eq!(has("switchboard_streams_open", &[("kind", "agent")]), 1.0);
    assert_eq!(has("switchboard_outbound_queued", &[]), 0.0);
    assert_eq!(has("switchboard_database_up", &[]), 1.0);

    // Not on the public port.
    let (status, _) = server.call(None, Method::GET, "/metrics", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_are_off_unless_asked_for() {
    let server = TestServer::start(1).await;
    assert!(server.running.metrics_addr.is_none());
    let (status, _) = server.call(None, Method::GET, "/metrics", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_request_ids_and_no_secrets() {
    const PASSWORD_PLAIN: &str = "correct-horse-battery-7";
    const ACCESS_TOKEN: &str = "EAAGm0PX4ZCpsBAsecret-access-token";
    const APP_SECRET: &str = "app-secret-9f8e7d6c";
    const CUSTOMER_TEXT: &str = "my card number is 4111 1111 1111 1111";
    const REPLY_TEXT: &str = "your refund code is ZX-99-PRIVATE";
    const VISITOR_TEXT: &str = "visitor's private words 55";
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("switchboard.toml");
    std::fs::write(
        &config,
        format!(
            r#"[server]
listen = "127.0.0.1:0"
database = "sqlite://switchboard.db"

[[agents]]
extension = "101"
name = "Ana"
password = "{PASSWORD_PLAIN}"
role = "manager"

[[queues]]
id = "support"
agents = ["101"]

[[channels]]
id = "wa"
kind = "whatsapp"
route = {{ queue = "support" }}
[channels.whatsapp]
phone_number_id = "1"
access_token = "{ACCESS_TOKEN}"
app_secret = "{APP_SECRET}"
verify_token = "verify-me-please"
api_base = "http://127.0.0.1:9"

[[channels]]
id = "web"
kind = "livechat"
route = {{ queue = "support" }}
[channels.livechat]
allowed_origins = ["https://shop.example.com"]
"#
        ),
    )
    .unwrap();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server =
        ServerProcess::start_logging(&config, &["--log-format", "json"], Stdio::from(log));
    let http = reqwest::Client::new();
    let base = server.base.clone();

    // A full working day in miniature: sign-in (once wrong), a customer writes, the agent
    // answers, a visitor chats, the provider verifies the webhook.
    let (status, _) = call(
        &http,
        &base,
        None,
        Method::POST,
        "/api/v1/session",
        Some(json!({"login": "101", "password": "wrong-password-123"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let token = server.login_with("101", PASSWORD_PLAIN).await;
    let hook = MetaWebhook::new(format!("{base}/webhooks/whatsapp/wa"), APP_SECRET);
    let answer = hook
        .send(&WhatsAppWebhook::text(
            &business(),
            "5511944440000",
            "Cliente",
            CUSTOMER_TEXT,
        ))
        .await
        .unwrap();
    assert!(answer.is_success(), "{answer:?}");
    let (_, list) = server
        .call(&token, Method::GET, "/api/v1/conversations", None)
        .await;
    let id = list["conversations"][0]["id"].as_str().unwrap().to_string();
    server
        .call(
            &token,
            Method::POST,
            &format!("/api/v1/conversations/{id}/take"),
            None,
        )
        .await;
    let reply = http
        .post(format!("{base}/api/v1/conversations/{id}/messages"))
        .bearer_auth(&token)
        .json(&json!({"client_id": uuid::Uuid::now_v7(), "body": REPLY_TEXT}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::CREATED);
    let request_id = reply
        .headers()
        .get("x-request-id")
        .expect("every answer names its request")
        .to_str()
        .unwrap()
        .to_string();
    let origin = [("origin", "https://shop.example.com")];
    let session: Value = http
        .post(format!("{base}/livechat/web/session"))
        .header(origin[0].0, origin[0].1)
        .json(&json!({"name": "Visitante"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let visitor_token = session["token"].as_str().unwrap().to_string();
    let sent = http
        .post(format!(
            "{base}/livechat/web/messages?token={visitor_token}"
        ))
        .header(origin[0].0, origin[0].1)
        .json(&json!({"client_id": uuid::Uuid::now_v7(), "body": VISITOR_TEXT}))
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success());
    let verify = http
        .get(format!(
            "{base}/webhooks/whatsapp/wa?hub.mode=subscribe&hub.verify_token=verify-me-please&hub.challenge=123"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(verify.status(), StatusCode::OK);
    // The outbound worker tries the (unreachable) provider and logs why it could not.
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.kill();

    let text = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    assert!(!lines.is_empty());
    for secret in [
        PASSWORD_PLAIN,
        "wrong-password-123",
        ACCESS_TOKEN,
        APP_SECRET,
        "verify-me-please",
        CUSTOMER_TEXT,
        REPLY_TEXT,
        VISITOR_TEXT,
        &token,
        &visitor_token,
    ] {
        assert!(!text.contains(secret), "the log holds {secret:?}:\n{text}");
    }
    // The engine's line about the reply carries the request's id, as the answer did.
    let stored = lines
        .iter()
        .find(|l| l["fields"]["message"] == "reply stored")
        .unwrap_or_else(|| panic!("no 'reply stored' line in:\n{text}"));
    assert_eq!(stored["span"]["id"], request_id.as_str(), "{stored}");
    assert!(lines
        .iter()
        .any(|l| l["fields"]["message"] == "customer message stored"));
}
