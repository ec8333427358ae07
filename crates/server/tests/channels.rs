//! WhatsApp, Messenger and SMS end to end against the fake providers: inbound text and
//! images reach the queue, replies leave in the provider's wire format, statuses move
//! forward, duplicates and forged signatures change nothing, failures reach the agent.

mod common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use switchboard_fakes::graph::whatsapp::MediaRef;
use switchboard_fakes::{
    FakeGraph, FakeTwilio, GraphFailure, GraphOptions, MessengerEvent, MessengerWebhook,
    TwilioFailure, TwilioOptions, TwilioStatus, TwilioStatusCallback, WhatsAppBusiness,
    WhatsAppMessage, WhatsAppStatus, WhatsAppStatusKind, WhatsAppWebhook,
};
use uuid::Uuid;

struct World {
    server: TestServer,
    graph: FakeGraph,
    twilio: FakeTwilio,
    base: String,
}

const TWILIO_NUMBER: &str = "+15005550006";

async fn world() -> World {
    let graph = FakeGraph::start(GraphOptions::default()).await.unwrap();
    let twilio = FakeTwilio::start(TwilioOptions::default()).await.unwrap();
    let (g, t) = (graph.options().clone(), twilio.options().clone());
    let (graph_base, twilio_base) = (graph.base_url().to_string(), twilio.base_url().to_string());
    let server = TestServer::with_config_for(move |addr| {
        format!(
            r#"[server]
listen = "127.0.0.1:0"
public_url = "http://{addr}"
database = "sqlite://switchboard.db"
offer_tick_ms = 100

{agents}
[[queues]]
id = "support"
agents = ["101", "102"]

[[channels]]
id = "wa"
kind = "whatsapp"
route = {{ queue = "support" }}
[channels.whatsapp]
phone_number_id = "{phone}"
access_token = "{wa_token}"
app_secret = "{secret}"
verify_token = "let-me-in"
api_base = "{graph_base}"

[[channels]]
id = "fb"
kind = "facebook"
route = {{ queue = "support" }}
[channels.facebook]
page_id = "{page}"
page_access_token = "{page_token}"
app_secret = "{secret}"
verify_token = "let-me-in"
api_base = "{graph_base}"

[[channels]]
id = "sms"
kind = "sms"
route = {{ queue = "support" }}
[channels.sms]
account_sid = "{sid}"
auth_token = "{auth}"
from_number = "{TWILIO_NUMBER}"
api_base = "{twilio_base}"
"#,
            agents = agents_toml(2),
            phone = WhatsAppBusiness::default().phone_number_id,
            wa_token = g.whatsapp_access_token,
            page_token = g.page_access_token,
            page = g.page_id,
            secret = g.app_secret,
            sid = t.account_sid,
            auth = t.auth_token,
        )
    })
    .await;
    let base = server.base.clone();
    World {
        server,
        graph,
        twilio,
        base,
    }
}

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(40, 30, image::Rgb([10, 200, 30]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn only_conversation(agent: &Agent) -> Value {
    let (_, list) = agent.get("/api/v1/conversations").await;
    let conversations = list["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), 1, "{list}");
    conversations[0].clone()
}

async fn messages(agent: &Agent, conversation: &str) -> Vec<Value> {
    let (_, page) = agent
        .get(&format!("/api/v1/conversations/{conversation}/messages"))
        .await;
    page["messages"].as_array().unwrap().clone()
}

/// Poll the conversation until the message with this id has `status`.
async fn wait_status(agent: &Agent, conversation: &str, message: &str, status: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        if let Some(m) = messages(agent, conversation)
            .await
            .into_iter()
            .find(|m| m["id"] == message)
        {
            if m["status"] == status {
                return m;
            }
            last = m;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("message never reached {status}: {last}");
}

#[tokio::test]
async fn whatsapp_end_to_end() {
    let w = world().await;
    let ana = w.server.login("101").await;
    let bruno = w.server.login("102").await;
    let hook = w.graph.webhook(format!("{}/webhooks/whatsapp/wa", w.base));
    let business = WhatsAppBusiness::default();

    // Inbound text and image reach both agents of the queue, with the right channel.
    let text = WhatsAppWebhook::text(
        &business,
        "5511988887777",
        "Mariana Alves",
        "Olá, preciso de ajuda",
    );
    assert!(hook.send(&text).await.unwrap().is_success());
    let media_id = w.graph.add_media(&png(), "image/png");
    let image = WhatsAppWebhook::new(&business)
        .contact("5511988887777", "Mariana Alves")
        .message(WhatsAppMessage::image(
            "5511988887777",
            MediaRef::for_bytes(media_id, &png(), "image/png"),
            Some("a foto do produto"),
        ))
        .to_bytes();
    let answer = hook.send(&image).await.unwrap();
    assert!(answer.is_success(), "{answer:?}");
    for agent in [&ana, &bruno] {
        let conv = only_conversation(agent).await;
        assert_eq!(conv["channel"], "whatsapp");
        assert_eq!(conv["contact"]["display_name"], "Mariana Alves");
        assert!(conv["reply_window_ends_at"].is_string());
    }
    let conv = only_conversation(&ana).await;
    let id = conv["id"].as_str().unwrap().to_string();
    let history = messages(&ana, &id).await;
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["body"], "a foto do produto");
    let attachment = &history[1]["attachments"][0];
    assert_eq!(attachment["mime"], "image/png");
    let file = w
        .server
        .http
        .get(format!(
            "{}/api/v1/attachments/{}",
            w.base,
            attachment["id"].as_str().unwrap()
        ))
        .bearer_auth(&ana.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        file.bytes().await.unwrap().to_vec(),
        png(),
        "the media was fetched with the token and stored"
    );

    // A duplicated delivery stores nothing new.
    hook.send_twice(&text).await.unwrap();
    assert_eq!(messages(&ana, &id).await.len(), 2);

    // A forged signature is refused and stores nothing.
    let forged = WhatsAppWebhook::text(&business, "5511988887777", "Mariana Alves", "forjada");
    let resp = hook
        .send_with_signature(&forged, Some("sha256=0000"))
        .await
        .unwrap();
    assert_eq!(resp.status, 401);
    assert_eq!(messages(&ana, &id).await.len(), 2);

    // The first reply goes out in WhatsApp's wire format and takes the chat.
    let (status, reply) = ana
        .reply(
            conv["id"].as_str().unwrap().parse().unwrap(),
            "Oi Mariana! Vou verificar.",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(reply["status"], "pending");
    let sent = w
        .graph
        .wait_for_whatsapp(1, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        sent[0],
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "5511988887777", "type": "text", "text": {"preview_url": false, "body": "Oi Mariana! Vou verificar."}})
    );
    let reply_id = reply["id"].as_str().unwrap().to_string();
    wait_status(&ana, &id, &reply_id, "sent").await;

    // Statuses move it forward, out of order and with `delivered` missing.
    let wamid = w
        .graph
        .calls()
        .iter()
        .find_map(|c| c.message_id.clone())
        .unwrap();
    let read = WhatsAppStatus::new(&wamid, "5511988887777", WhatsAppStatusKind::Read)
        .to_webhook(&business);
    let sent_again = WhatsAppStatus::new(&wamid, "5511988887777", WhatsAppStatusKind::Sent)
        .to_webhook(&business);
    hook.send(&read).await.unwrap();
    hook.send(&sent_again).await.unwrap();
    wait_status(&ana, &id, &reply_id, "read").await;

    // An outbound failure reaches the agent with WhatsApp's reason.
    w.graph
        .fail_whatsapp("5511988887777", GraphFailure::OutsideWindow);
    let (_, failing) = ana.reply(id.parse().unwrap(), "Mais uma coisa").await;
    let failed = wait_status(&ana, &id, failing["id"].as_str().unwrap(), "failed").await;
    assert!(
        failed["error"].as_str().unwrap().contains("131047"),
        "{failed}"
    );
}

#[tokio::test]
async fn messenger_end_to_end() {
    let w = world().await;
    let ana = w.server.login("101").await;
    let hook = w.graph.webhook(format!("{}/webhooks/facebook/fb", w.base));
    let page = w.graph.options().page_id.clone();
    w.graph.set_profile("7001", "Lucas", "Ferreira");

    let text = MessengerWebhook::text(&page, "7001", "Oi, vocês entregam em Recife?");
    assert!(hook.send(&text).await.unwrap().is_success());
    let url = w.graph.add_attachment(&png(), "image/png");
    let image = MessengerWebhook::new(&page)
        .event(MessengerEvent::image("7001", url))
        .to_bytes();
    assert!(hook.send(&image).await.unwrap().is_success());
    let conv = only_conversation(&ana).await;
    assert_eq!(conv["channel"], "facebook");
    assert_eq!(
        conv["contact"]["display_name"], "Lucas Ferreira",
        "from the profile API"
    );
    let id = conv["id"].as_str().unwrap().to_string();
    let history = messages(&ana, &id).await;
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["attachments"][0]["mime"], "image/png");

    hook.send_twice(&text).await.unwrap();
    assert_eq!(messages(&ana, &id).await.len(), 2, "duplicate ignored");
    let resp = hook
        .send_with_signature(
            &MessengerWebhook::text(&page, "7001", "x"),
            Some("sha256=bad"),
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 401);

    let (_, reply) = ana.reply(id.parse().unwrap(), "Entregamos sim!").await;
    let sent = w
        .graph
        .wait_for_messenger(1, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        sent[0],
        json!({"recipient": {"id": "7001"}, "messaging_type": "RESPONSE", "message": {"text": "Entregamos sim!"}})
    );
    let reply_id = reply["id"].as_str().unwrap().to_string();
    wait_status(&ana, &id, &reply_id, "sent").await;

    // Watermarks: delivery then read.
    let now_ms = (chrono::Utc::now().timestamp_millis() + 1000) as u64;
    let delivered = MessengerWebhook::new(&page)
        .event(MessengerEvent::delivery("7001", vec![], now_ms))
        .to_bytes();
    hook.send(&delivered).await.unwrap();
    wait_status(&ana, &id, &reply_id, "delivered").await;
    let read = MessengerWebhook::new(&page)
        .event(MessengerEvent::read("7001", now_ms))
        .to_bytes();
    hook.send(&read).await.unwrap();
    hook.send(&delivered).await.unwrap();
    wait_status(&ana, &id, &reply_id, "read").await;

    w.graph.fail_messenger("7001", GraphFailure::OutsideWindow);
    let (_, failing) = ana.reply(id.parse().unwrap(), "Ainda aí?").await;
    let failed = wait_status(&ana, &id, failing["id"].as_str().unwrap(), "failed").await;
    assert!(
        failed["error"].as_str().unwrap().contains("24-hour"),
        "{failed}"
    );
}

#[tokio::test]
async fn sms_end_to_end() {
    let w = world().await;
    let ana = w.server.login("101").await;
    let hook = w.twilio.webhook(format!("{}/webhooks/sms/sms", w.base));

    let sms = w
        .twilio
        .inbound_sms("+14155550111", TWILIO_NUMBER, "Is my order shipped?");
    let resp = hook.send(&sms.to_params()).await.unwrap();
    assert!(resp.is_success(), "{resp:?}");
    assert_eq!(resp.content_type.as_deref(), Some("text/xml"));
    let mms = w.twilio.inbound_mms(
        "+14155550111",
        TWILIO_NUMBER,
        "here is the label",
        &[(&png(), "image/png")],
    );
    assert!(hook.send(&mms.to_params()).await.unwrap().is_success());
    let conv = only_conversation(&ana).await;
    assert_eq!(conv["channel"], "sms");
    assert_eq!(conv["contact"]["display_name"], "+14155550111");
    let id = conv["id"].as_str().unwrap().to_string();
    let history = messages(&ana, &id).await;
    assert_eq!(history.len(), 2);
    assert_eq!(
        history[1]["attachments"][0]["mime"], "image/png",
        "MMS media fetched with Basic auth"
    );

    hook.send_twice(&sms.to_params()).await.unwrap();
    assert_eq!(messages(&ana, &id).await.len(), 2);
    let resp = hook
        .send_with_signature(
            &w.twilio
                .inbound_sms("+14155550111", TWILIO_NUMBER, "x")
                .to_params(),
            Some("AAAA"),
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 401);

    // Reply with a file: Twilio gets a MediaUrl it can fetch, and the segment count shows.
    let part = reqwest::multipart::Part::bytes(png()).file_name("etiqueta.png");
    let upload: Value = w
        .server
        .http
        .post(format!("{}/api/v1/attachments", w.base))
        .bearer_auth(&ana.token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (status, reply) = ana
        .post(&format!("/api/v1/conversations/{id}/messages"), json!({"client_id": Uuid::now_v7(), "body": "Shipped today! Ação", "attachments": [upload["id"]]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    assert_eq!(reply["sms"], json!({"segments": 1, "encoding": "UCS-2"}));
    let sent = w
        .twilio
        .wait_for_sms(1, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(sent[0].to, "+14155550111");
    assert_eq!(sent[0].from.as_deref(), Some(TWILIO_NUMBER));
    assert_eq!(sent[0].body, "Shipped today! Ação");
    assert_eq!(sent[0].media_urls.len(), 1);
    let fetched = w
        .twilio
        .fetch_media_url(&sent[0].media_urls[0])
        .await
        .unwrap();
    assert_eq!(fetched.bytes, png(), "the signed link serves the file");
    let reply_id = reply["id"].as_str().unwrap().to_string();
    wait_status(&ana, &id, &reply_id, "sent").await;

    // Status callbacks arrive reordered and without `delivered`... then delivered late.
    let status_hook = w
        .twilio
        .status_webhook(&sent[0])
        .expect("a StatusCallback was given");
    let read_first = TwilioStatusCallback::for_send(&sent[0], TwilioStatus::Delivered).to_params();
    let sent_late = TwilioStatusCallback::for_send(&sent[0], TwilioStatus::Sent).to_params();
    assert!(status_hook.send(&read_first).await.unwrap().is_success());
    assert!(status_hook.send(&sent_late).await.unwrap().is_success());
    wait_status(&ana, &id, &reply_id, "delivered").await;

    w.twilio
        .fail_sms("+14155550111", TwilioFailure::Unsubscribed);
    let (_, failing) = ana.reply(id.parse().unwrap(), "Anything else?").await;
    let failed = wait_status(&ana, &id, failing["id"].as_str().unwrap(), "failed").await;
    assert!(
        failed["error"].as_str().unwrap().contains("21610"),
        "{failed}"
    );
}

#[tokio::test]
async fn meta_verification_handshake_and_unknown_channels() {
    let w = world().await;
    let hook = w.graph.webhook(format!("{}/webhooks/whatsapp/wa", w.base));
    let ok = hook.verify("let-me-in", "challenge-123").await.unwrap();
    assert_eq!((ok.status, ok.body.as_str()), (200, "challenge-123"));
    let bad = hook.verify("wrong", "challenge-123").await.unwrap();
    assert_eq!(bad.status, 403);
    let unknown = w
        .graph
        .webhook(format!("{}/webhooks/whatsapp/nope", w.base));
    assert_eq!(unknown.send(b"{}").await.unwrap().status, 404);
    let wrong_kind = w.graph.webhook(format!("{}/webhooks/facebook/wa", w.base));
    assert_eq!(wrong_kind.send(b"{}").await.unwrap().status, 404);
}

#[tokio::test]
async fn replies_outside_the_24_hour_window_are_refused_before_sending() {
    let w = world().await;
    let ana = w.server.login("101").await;
    let hook = w.graph.webhook(format!("{}/webhooks/whatsapp/wa", w.base));
    let business = WhatsAppBusiness::default();
    hook.send(&WhatsAppWebhook::text(
        &business,
        "5511977776666",
        "Rita",
        "oi",
    ))
    .await
    .unwrap();
    let conv = only_conversation(&ana).await;
    let id = conv["id"].as_str().unwrap();
    // Move the customer's last message 25 hours back.
    let changed = w.server.execute(&format!(
        "UPDATE conversations SET last_inbound_at = '{}' WHERE id = '{id}'",
        sql_time(chrono::Utc::now() - chrono::Duration::hours(25))
    ));
    assert_eq!(changed, 1);
    let (status, body) = ana.reply(id.parse().unwrap(), "Oi Rita").await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reply_window_closed",
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(w.graph.sent_whatsapp().is_empty(), "nothing was sent");
}

/// The distinct customer messages a Meta payload carries, counted independently of the server.
fn meta_message_ids(body: &Value) -> std::collections::HashSet<String> {
    let mut ids = std::collections::HashSet::new();
    for entry in body["entry"].as_array().into_iter().flatten() {
        for change in entry["changes"].as_array().into_iter().flatten() {
            for m in change["value"]["messages"].as_array().into_iter().flatten() {
                ids.insert(m["id"].to_string());
            }
        }
        for event in entry["messaging"].as_array().into_iter().flatten() {
            if event["message"].is_object() && event["message"]["is_echo"] != true {
                ids.insert(event["message"]["mid"].to_string());
            }
            if event["postback"].is_object() {
                ids.insert(format!("postback {}", event["timestamp"]));
            }
        }
    }
    ids
}

#[tokio::test]
async fn every_real_world_fixture_is_accepted_stored_once_and_replayable() {
    let w = world().await;
    let _ana = w.server.login("101").await;
    let secret = w.graph.options().app_secret.clone();
    let auth = w.twilio.options().auth_token.clone();
    let fixtures =
        switchboard_fakes::fixtures::load_all(&switchboard_fakes::fixtures::providers_dir())
            .unwrap();
    assert_eq!(fixtures.len(), 50, "all published payloads are replayed");
    // Some published payloads reuse one another's message ids: those are duplicates too.
    let mut seen = std::collections::HashSet::new();
    for fixture in fixtures {
        let before = w.server.count("SELECT COUNT(*) FROM messages");
        let (status, expected) = match &fixture.body {
            switchboard_fakes::fixtures::FixtureBody::Json(published) => {
                // Each published payload names its own number or page: send it as Meta would
                // send it to our channels.
                let bytes = &switchboard_fakes::fixtures::addressed_to(
                    published,
                    &WhatsAppBusiness::default().phone_number_id,
                    &w.graph.options().page_id,
                );
                let json: Value = serde_json::from_slice(bytes).unwrap();
                let path = if json["object"] == "page" {
                    "facebook/fb"
                } else {
                    "whatsapp/wa"
                };
                let hook = switchboard_fakes::MetaWebhook::new(
                    format!("{}/webhooks/{path}", w.base),
                    secret.clone(),
                );
                let first = hook.send(bytes).await.unwrap();
                let again = hook.send(bytes).await.unwrap();
                assert!(
                    again.is_success(),
                    "{}: replay answered {again:?}",
                    fixture.name
                );
                let new = meta_message_ids(&json)
                    .into_iter()
                    .filter(|id| seen.insert(format!("{path} {id}")))
                    .count();
                (first, new as i64)
            }
            switchboard_fakes::fixtures::FixtureBody::Form(params) => {
                let path = if fixture.is_twilio_status() {
                    "sms/sms/status"
                } else {
                    "sms/sms"
                };
                let hook = switchboard_fakes::TwilioWebhook::new(
                    format!("{}/webhooks/{path}", w.base),
                    auth.clone(),
                );
                let first = hook.send(params).await.unwrap();
                let again = hook.send(params).await.unwrap();
                assert!(
                    again.is_success(),
                    "{}: replay answered {again:?}",
                    fixture.name
                );
                let sid = params
                    .iter()
                    .find(|(k, _)| k == "MessageSid")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                let new = !fixture.is_twilio_status() && seen.insert(format!("sms {sid}"));
                (first, i64::from(new))
            }
        };
        assert!(status.is_success(), "{}: answered {status:?}", fixture.name);
        let after = w.server.count("SELECT COUNT(*) FROM messages");
        assert_eq!(
            after - before,
            expected,
            "{}: stores exactly the messages it carries, once",
            fixture.name
        );
    }
    // Nothing a customer sent was dropped: media that could not be fetched left a visible note.
    let empty = w
        .server
        .count("SELECT COUNT(*) FROM messages WHERE body = '' AND attachments = '[]'");
    assert_eq!(
        empty, 0,
        "every stored message shows something to the agent"
    );
}

#[tokio::test]
async fn transient_provider_failures_are_retried_until_sent_once() {
    let w = world().await;
    let ana = w.server.login("101").await;
    let hook = w.graph.webhook(format!("{}/webhooks/whatsapp/wa", w.base));
    hook.send(&WhatsAppWebhook::text(
        &WhatsAppBusiness::default(),
        "5511966665555",
        "Bia",
        "oi",
    ))
    .await
    .unwrap();
    let id = only_conversation(&ana).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    w.graph
        .fail_whatsapp_times("5511966665555", GraphFailure::Transient { status: 503 }, 1);
    let (_, reply) = ana.reply(id.parse().unwrap(), "Oi Bia").await;
    let sent = wait_status(&ana, &id, reply["id"].as_str().unwrap(), "sent").await;
    assert!(sent["error"].is_null());
    let accepted: Vec<_> = w
        .graph
        .calls()
        .into_iter()
        .filter(|c| c.accepted() && c.message_id.is_some())
        .collect();
    assert_eq!(
        accepted.len(),
        1,
        "retried after the 503 and delivered exactly once"
    );
    assert_eq!(w.graph.calls().len(), 2, "one failed attempt, one success");
}

#[tokio::test]
async fn after_a_restart_queued_replies_go_out_once_and_interrupted_ones_are_not_repeated() {
    let mut w = world().await;
    let ana = w.server.login("101").await;
    let hook = w.graph.webhook(format!("{}/webhooks/whatsapp/wa", w.base));
    let business = WhatsAppBusiness::default();
    hook.send(&WhatsAppWebhook::text(
        &business,
        "5511955550001",
        "Caio",
        "oi",
    ))
    .await
    .unwrap();
    hook.send(&WhatsAppWebhook::text(
        &business,
        "5511955550002",
        "Duda",
        "oi",
    ))
    .await
    .unwrap();
    let (_, list) = ana.get("/api/v1/conversations").await;
    let ids: Vec<String> = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2);
    let first_customer = list["conversations"][0]["contact"]["identity"]["value"].clone();

    // Both providers calls fail transiently for a while, so the replies wait in the queue.
    w.graph
        .fail_whatsapp_times("5511955550001", GraphFailure::Transient { status: 503 }, 1);
    w.graph
        .fail_whatsapp_times("5511955550002", GraphFailure::Transient { status: 503 }, 1);
    let (_, queued) = ana.reply(ids[0].parse().unwrap(), "fica na fila").await;
    let (_, in_flight) = ana
        .reply(ids[1].parse().unwrap(), "estava sendo enviada")
        .await;
    for _ in 0..100 {
        if w.graph.calls().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(w.graph.calls().len(), 2, "both first attempts failed");

    // The server goes down; one reply was in the middle of being handed over.
    let in_flight_id = in_flight["id"].as_str().unwrap().to_string();
    w.server
        .restart(|server| {
            // Claimed long ago: a node alone on SQLite gives up on every claim at start, nodes
            // sharing PostgreSQL on claims older than any send takes.
            let changed = server.execute(&format!(
                "UPDATE outbound_jobs SET state = 'sending', next_attempt_at = '{}'
                 WHERE message_id = '{in_flight_id}'",
                sql_time(chrono::Utc::now() - chrono::Duration::minutes(11))
            ));
            assert_eq!(changed, 1, "the reply is in the queue");
        })
        .await;

    let delivered = wait_status(&ana, &ids[0], queued["id"].as_str().unwrap(), "sent").await;
    assert!(delivered["error"].is_null());
    let interrupted = wait_status(&ana, &ids[1], &in_flight_id, "failed").await;
    assert!(
        interrupted["error"]
            .as_str()
            .unwrap()
            .contains("it may not have arrived"),
        "{interrupted}"
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    let accepted: Vec<_> = w
        .graph
        .calls()
        .into_iter()
        .filter(|c| c.accepted() && c.message_id.is_some())
        .collect();
    assert_eq!(
        accepted.len(),
        1,
        "the queued reply went out once; the interrupted one was not repeated"
    );
    assert_eq!(accepted[0].body["to"], first_customer);
}

/// The file a message carries, with the `Content-Disposition` it downloads under.
async fn download_attachment(w: &World, agent: &Agent, attachment: &Value) -> (String, Vec<u8>) {
    let resp = w
        .server
        .http
        .get(format!(
            "{}/api/v1/attachments/{}",
            w.base,
            attachment["id"].as_str().unwrap()
        ))
        .bearer_auth(&agent.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    (disposition, resp.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_whatsapp_document_disguised_by_a_bidi_override_reaches_the_agent_under_its_real_type() {
    // Given: a customer sends two "documents" named `Comprovante<RLO>fdp.bat` (which reads
    // as "Comprovantetab.pdf"), one holding an MP3, one a PDF.
    let w = world().await;
    let ana = w.server.login("101").await;
    let hook = w.graph.webhook(format!("{}/webhooks/whatsapp/wa", w.base));
    let business = WhatsAppBusiness::default();
    let mut mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
    mp3.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x00]);
    mp3.resize(2048, 0);
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let disguised = "Comprovante\u{202E}fdp.bat";
    for (bytes, mime) in [(&mp3, "audio/mpeg"), (&pdf, "application/pdf")] {
        let media_id = w.graph.add_media(bytes, mime);
        let webhook = WhatsAppWebhook::new(&business)
            .contact("5511977776666", "Rafael")
            .message(WhatsAppMessage::document(
                "5511977776666",
                MediaRef::for_bytes(media_id, bytes, mime),
                disguised,
                Some("segue o comprovante"),
            ))
            .to_bytes();
        // When: the webhook is delivered.
        assert!(hook.send(&webhook).await.unwrap().is_success());
    }
    // Then: the agent gets both files, named after their content, never as .bat, and the
    // downloads say the same.
    let conv = only_conversation(&ana).await;
    let history = messages(&ana, conv["id"].as_str().unwrap()).await;
    assert_eq!(history.len(), 2, "{history:?}");
    let expected = [
        (&mp3, "audio/mpeg", "Comprovantefdp.bat.mp3"),
        (&pdf, "application/pdf", "Comprovantefdp.bat.pdf"),
    ];
    for (message, (bytes, mime, name)) in history.iter().zip(expected) {
        assert_eq!(message["body"], "segue o comprovante");
        let attachment = &message["attachments"][0];
        assert_eq!(attachment["filename"], name, "{message}");
        assert_eq!(attachment["mime"], mime);
        let (disposition, got) = download_attachment(&w, &ana, attachment).await;
        assert_eq!(
            disposition,
            format!("attachment; filename=\"{name}\"; filename*=UTF-8''{name}")
        );
        assert_eq!(&got, bytes);
    }
}

#[tokio::test]
async fn webhooks_for_another_number_or_page_are_acknowledged_and_not_stored() {
    // Given: published payloads signed with the channels' app secret, addressed to another
    // WhatsApp number and another Facebook page of the same app.
    let w = world().await;
    let _ana = w.server.login("101").await;
    let dir = switchboard_fakes::fixtures::providers_dir();
    let ours = WhatsAppBusiness::default().phone_number_id;
    let page = w.graph.options().page_id.clone();
    let cases = [
        ("whatsapp-text-01.json", "whatsapp/wa"),
        ("whatsapp-image-01.json", "whatsapp/wa"),
        ("messenger-text-01.json", "facebook/fb"),
        ("messenger-postback-01.json", "facebook/fb"),
    ];
    for (file, path) in cases {
        let published = std::fs::read(dir.join(file)).unwrap();
        let hook = switchboard_fakes::MetaWebhook::new(
            format!("{}/webhooks/{path}", w.base),
            w.graph.options().app_secret.clone(),
        );
        let foreign = switchboard_fakes::fixtures::addressed_to(&published, "999000111", "555000");
        // When: they are delivered.
        let answer = hook.send(&foreign).await.unwrap();
        // Then: answered 200 (Meta must not retry), and nothing is stored on our channel.
        assert_eq!(answer.status, 200, "{file}: {answer:?}");
        assert_eq!(
            w.server.count("SELECT COUNT(*) FROM messages"),
            0,
            "{file}: another number's or page's message is not ours"
        );
        assert_eq!(w.server.count("SELECT COUNT(*) FROM conversations"), 0);
    }
    // The same payloads addressed to our number and page are stored.
    for (file, path) in cases {
        let published = std::fs::read(dir.join(file)).unwrap();
        let hook = switchboard_fakes::MetaWebhook::new(
            format!("{}/webhooks/{path}", w.base),
            w.graph.options().app_secret.clone(),
        );
        let ours = switchboard_fakes::fixtures::addressed_to(&published, &ours, &page);
        assert!(hook.send(&ours).await.unwrap().is_success(), "{file}");
    }
    assert_eq!(w.server.count("SELECT COUNT(*) FROM messages"), 4);
}

/// A loopback HTTP server that records each request's headers and answers with `answer`.
struct Recorder {
    base: String,
    seen: std::sync::Arc<std::sync::Mutex<Vec<reqwest::header::HeaderMap>>>,
}

impl Recorder {
    async fn start(answer: fn() -> axum::response::Response) -> Recorder {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        let app = axum::Router::new().fallback(move |headers: axum::http::HeaderMap| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(headers);
                answer()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Recorder { base, seen }
    }

    fn requests(&self) -> Vec<reqwest::header::HeaderMap> {
        self.seen.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn mms_media_is_fetched_only_from_the_providers_hosts_and_credentials_never_leave_twilio() {
    use axum::response::IntoResponse as _;
    // Given: an "attacker" on loopback serving a picture, and a "Twilio API" that redirects
    // media downloads to it. Channel `sms` keeps the default media hosts; channel `sms-cdn`
    // has that API as its api_base and allows the attacker's host as a CDN.
    let attacker =
        Recorder::start(|| ([("content-type", "image/png")], png()).into_response()).await;
    let twilio = FakeTwilio::start(TwilioOptions::default()).await.unwrap();
    let target = format!("{}/cdn/photo.png", attacker.base);
    static TARGET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TARGET.set(target.clone()).unwrap();
    let redirector = Recorder::start(|| {
        (
            StatusCode::TEMPORARY_REDIRECT,
            [("location", TARGET.get().unwrap().as_str())],
        )
            .into_response()
    })
    .await;
    let t = twilio.options().clone();
    let (twilio_base, api, cdn) = (
        twilio.base_url().to_string(),
        redirector.base.clone(),
        attacker.base.clone(),
    );
    let server = TestServer::with_config_for(move |addr| {
        format!(
            r#"[server]
listen = "127.0.0.1:0"
public_url = "http://{addr}"
database = "sqlite://switchboard.db"

{agents}
[[queues]]
id = "support"
agents = ["101"]

[[channels]]
id = "sms"
kind = "sms"
route = {{ queue = "support" }}
[channels.sms]
account_sid = "{sid}"
auth_token = "{auth}"
from_number = "{TWILIO_NUMBER}"
api_base = "{twilio_base}"

[[channels]]
id = "sms-cdn"
kind = "sms"
route = {{ queue = "support" }}
[channels.sms]
account_sid = "{sid}"
auth_token = "{auth}"
from_number = "+15005550007"
api_base = "{api}"
media_hosts = ["{cdn}"]
"#,
            agents = agents_toml(1),
            sid = t.account_sid,
            auth = t.auth_token,
        )
    })
    .await;
    let ana = server.login("101").await;

    // When: an MMS on `sms` points its MediaUrl at the attacker.
    let hook = twilio.webhook(format!("{}/webhooks/sms/sms", server.base));
    let mms = twilio
        .inbound_sms("+14155550111", TWILIO_NUMBER, "segue a foto")
        .with_media(&target, "image/png");
    assert!(hook.send(&mms.to_params()).await.unwrap().is_success());
    // Then: nothing was fetched from it, and the text arrived with a note instead of the file.
    assert!(
        attacker.requests().is_empty(),
        "a host that is not Twilio's is never contacted"
    );
    let conv = only_conversation(&ana).await;
    let history = messages(&ana, conv["id"].as_str().unwrap()).await;
    assert_eq!(history.len(), 1);
    let body = history[0]["body"].as_str().unwrap();
    assert!(body.starts_with("segue a foto\n⚠"), "{body}");
    assert!(
        body.contains("not one of this channel's media hosts"),
        "{body}"
    );
    assert_eq!(history[0]["attachments"], json!([]));

    // When: on `sms-cdn`, the API host redirects the download to an allowed CDN host.
    let hook = twilio.webhook(format!("{}/webhooks/sms/sms-cdn", server.base));
    let mms = twilio
        .inbound_sms("+14155550122", "+15005550007", "outra foto")
        .with_media(
            format!("{}/2010-04-01/Media/ME1", redirector.base),
            "image/png",
        );
    assert!(hook.send(&mms.to_params()).await.unwrap().is_success());
    // Then: the API host got the account's credentials, the CDN host did not.
    let to_api = redirector.requests();
    assert_eq!(to_api.len(), 1);
    assert!(
        to_api[0]["authorization"]
            .to_str()
            .unwrap()
            .starts_with("Basic "),
        "Twilio's own host is asked with Basic auth"
    );
    let to_cdn = attacker.requests();
    assert_eq!(to_cdn.len(), 1, "the redirect was followed once");
    assert!(
        !to_cdn[0].contains_key("authorization"),
        "credentials never follow a redirect to another host: {:?}",
        to_cdn[0]
    );
    let total = server.count("SELECT COUNT(*) FROM attachments");
    assert_eq!(total, 1, "the picture from the allowed CDN was stored");
}

#[tokio::test]
async fn whatsapp_media_on_a_host_that_is_not_metas_is_never_fetched_nor_given_the_token() {
    use axum::response::IntoResponse as _;
    // Given: Graph answers a media id with a download URL on a foreign host.
    let w = world().await;
    let attacker =
        Recorder::start(|| ([("content-type", "image/png")], png()).into_response()).await;
    w.graph.issue_media_urls_on(attacker.base.clone());
    let ana = w.server.login("101").await;
    let hook = w.graph.webhook(format!("{}/webhooks/whatsapp/wa", w.base));
    let media_id = w.graph.add_media(&png(), "image/png");
    let image = WhatsAppWebhook::new(&WhatsAppBusiness::default())
        .contact("5511988887777", "Mariana Alves")
        .message(WhatsAppMessage::image(
            "5511988887777",
            MediaRef::for_bytes(media_id, &png(), "image/png"),
            Some("olha isso"),
        ))
        .to_bytes();
    // When: a customer's photo arrives.
    assert!(hook.send(&image).await.unwrap().is_success());
    // Then: the foreign host is never contacted (so the access token never reaches it), and
    // the caption arrives with a note instead of the file.
    assert!(
        attacker.requests().is_empty(),
        "a host that is not Meta's is never contacted"
    );
    let conv = only_conversation(&ana).await;
    let history = messages(&ana, conv["id"].as_str().unwrap()).await;
    let body = history[0]["body"].as_str().unwrap();
    assert!(body.starts_with("olha isso\n⚠"), "{body}");
    assert!(
        body.contains("not one of this channel's media hosts"),
        "{body}"
    );
    assert_eq!(history[0]["attachments"], json!([]));
}
