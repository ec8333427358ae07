//! Reaching customers within each provider's rules, through the real server and the fake
//! providers: chats started by an agent (an SMS to a contact, a WhatsApp chat opened with a
//! template), SMS stop/start keywords and Twilio's 21610, Messenger's HUMAN_AGENT tag for 7
//! days, and the reply window counted from when the customer wrote. Runs on SQLite and, with
//! SWITCHBOARD_TEST_BACKEND=postgres, on PostgreSQL.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{agents_toml, assert_error, eventually, Agent, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use switchboard_fakes::{
    FakeGraph, FakeTwilio, GraphOptions, MessageTemplate, MessengerEvent, MessengerWebhook,
    TwilioFailure, TwilioOptions, WhatsAppBusiness, WhatsAppMessage, WhatsAppWebhook,
};
use uuid::Uuid;

const TWILIO_NUMBER: &str = "+15005550006";
const CUSTOMER: &str = "+5511987654321";

struct World {
    server: TestServer,
    graph: FakeGraph,
    twilio: FakeTwilio,
}

/// Agents 101 and 102 in queue "support"; channels "wa" (WhatsApp with its business account),
/// "sms" (Twilio), "fb" (Messenger, allowed the HUMAN_AGENT tag) and "fb-plain" (without it).
async fn world() -> World {
    let graph = FakeGraph::start(GraphOptions::default()).await.unwrap();
    graph.add_template(MessageTemplate::approved(
        "retomar_contato",
        "pt_BR",
        None,
        "Olá {{1}}, podemos continuar seu atendimento?",
    ));
    let twilio = FakeTwilio::start(TwilioOptions::default()).await.unwrap();
    let (g, t) = (graph.options().clone(), twilio.options().clone());
    let (graph_base, twilio_base) = (graph.base_url().to_string(), twilio.base_url().to_string());
    let server = TestServer::with_config_for(move |addr| {
        let messenger = |id: &str, tag: bool| {
            format!(
                r#"
[[channels]]
id = "{id}"
kind = "facebook"
route = {{ queue = "support" }}
[channels.facebook]
page_id = "{page}"
page_access_token = "{token}"
app_secret = "{secret}"
verify_token = "v"
api_base = "{graph_base}"
human_agent_tag = {tag}
"#,
                page = g.page_id,
                token = g.page_access_token,
                secret = g.app_secret,
            )
        };
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
waba_id = "{waba}"
access_token = "{wa_token}"
app_secret = "{secret}"
verify_token = "v"
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
{fb}{fb_plain}"#,
            agents = agents_toml(2),
            phone = g.phone_number_id,
            waba = g.waba_id,
            wa_token = g.whatsapp_access_token,
            secret = g.app_secret,
            sid = t.account_sid,
            auth = t.auth_token,
            fb = messenger("fb", true),
            fb_plain = messenger("fb-plain", false),
        )
    })
    .await;
    World {
        server,
        graph,
        twilio,
    }
}

impl World {
    async fn customer_texts(&self, body: &str) {
        let hook = self
            .twilio
            .webhook(format!("{}/webhooks/sms/sms", self.server.base));
        let sms = self.twilio.inbound_sms(CUSTOMER, TWILIO_NUMBER, body);
        let answer = hook.send(&sms.to_params()).await.unwrap();
        assert!(answer.is_success(), "{answer:?}");
    }

    async fn templates_synced(&self, agent: &Agent) {
        eventually("the WhatsApp templates are synced at start", || async {
            let (_, list) = agent.get("/api/v1/channels/wa/whatsapp-templates").await;
            list["templates"].as_array().is_some_and(|l| !l.is_empty())
        })
        .await;
    }
}

fn unix_seconds_ago(hours: u64) -> u64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    now.as_secs() - hours * 3600
}

async fn start(agent: &Agent, request: Value) -> (StatusCode, Value) {
    agent.post("/api/v1/conversations", request).await
}

async fn conversation(agent: &Agent, id: &Value) -> Value {
    let (status, conv) = agent
        .get(&format!("/api/v1/conversations/{}", id.as_str().unwrap()))
        .await;
    assert_eq!(status, StatusCode::OK, "{conv}");
    conv
}

async fn messages(agent: &Agent, id: &Value) -> Vec<Value> {
    let (_, page) = agent
        .get(&format!(
            "/api/v1/conversations/{}/messages",
            id.as_str().unwrap()
        ))
        .await;
    page["messages"].as_array().unwrap().clone()
}

async fn reply(agent: &Agent, id: &Value, body: &str) -> (StatusCode, Value) {
    agent
        .reply(id.as_str().unwrap().parse().unwrap(), body)
        .await
}

/// Wait until the message `message` of conversation `id` has the delivery status `status`.
async fn wait_status(agent: &Agent, id: &Value, message: &Value, status: &str) {
    eventually(&format!("the message is {status}"), || async {
        messages(agent, id)
            .await
            .iter()
            .any(|m| m["id"] == *message && m["status"] == status)
    })
    .await;
}

#[tokio::test]
async fn channels_to_start_on_are_the_enabled_sms_and_whatsapp_ones() {
    let w = world().await;
    let ana = w.server.login("101").await;
    let (status, list) = ana.get("/api/v1/channels").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list["channels"],
        json!([{"id": "sms", "kind": "sms"}, {"id": "wa", "kind": "whatsapp"}])
    );
}

#[tokio::test]
async fn an_sms_started_from_a_contact_belongs_to_its_agent_and_gets_the_answer() {
    let w = world().await;
    let ana = w.server.login("101").await;
    let bruno = w.server.login("102").await;
    let (status, contact) = bruno
        .post(
            "/api/v1/contacts",
            json!({"name": "Mariana Alves", "phones": ["+55 11 98765-4321"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    let client_id = Uuid::now_v7();
    let request = json!({"client_id": client_id, "channel_id": "sms",
                         "contact_id": contact["id"], "body": "Olá Mariana, seu pedido chegou."});
    let (status, started) = start(&bruno, request.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let chat = &started["conversation"];
    assert_eq!(chat["status"], "open");
    assert_eq!(chat["owner"]["extension"], "102");
    assert_eq!(chat["contact"]["display_name"], "Mariana Alves");
    assert_eq!(chat["contact"]["known"], true);
    assert_eq!(chat["contact"]["identity"]["value"], CUSTOMER);
    assert_eq!(
        started["message"]["body"],
        "Olá Mariana, seu pedido chegou."
    );
    let sent = w
        .twilio
        .wait_for_sms(1, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(sent[0].to, CUSTOMER);
    assert_eq!(sent[0].body, "Olá Mariana, seu pedido chegou.");

    // The same client_id again: the same message, nothing sent twice.
    let (status, again) = start(&bruno, request).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["message"]["id"], started["message"]["id"]);

    // The customer answers: in the same chat, to Bruno alone.
    w.customer_texts("Obrigada! Chega hoje?").await;
    eventually("the answer arrives in the started chat", || async {
        messages(&bruno, &chat["id"]).await.len() == 2
    })
    .await;
    assert_eq!(bruno.list("recent").await.len(), 1);
    assert!(
        ana.list("recent").await.is_empty(),
        "a started chat is its agent's"
    );

    // Starting again while the chat is open writes in it, not in a second one.
    let (status, second) = start(
        &bruno,
        json!({"client_id": Uuid::now_v7(), "channel_id": "sms", "address": "(11) 98765-4321",
               "body": "Sim, até as 18h."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["conversation"]["id"], chat["id"]);
    // Ana may not write in Bruno's chat by starting one: she learns who has it.
    let (status, body) = start(
        &ana,
        json!({"client_id": Uuid::now_v7(), "channel_id": "sms", "address": CUSTOMER,
               "body": "Oi"}),
    )
    .await;
    assert_error(status, &body, StatusCode::CONFLICT, "already_taken");
}

#[tokio::test]
async fn a_whatsapp_chat_starts_with_a_template_and_free_text_waits_for_the_answer() {
    let w = world().await;
    let bruno = w.server.login("102").await;
    w.templates_synced(&bruno).await;
    let (status, body) = start(
        &bruno,
        json!({"client_id": Uuid::now_v7(), "channel_id": "wa", "address": CUSTOMER,
               "body": "Oi"}),
    )
    .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_template");
    let (status, started) = start(
        &bruno,
        json!({"client_id": Uuid::now_v7(), "channel_id": "wa", "address": CUSTOMER,
               "template": {"name": "retomar_contato", "language": "pt_BR",
                            "parameters": {"body.1": "Mariana"}}}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    assert_eq!(
        started["message"]["body"],
        "Olá Mariana, podemos continuar seu atendimento?"
    );
    let chat = started["conversation"].clone();
    assert_eq!(chat["contact"]["identity"]["value"], "5511987654321");
    eventually("the template reaches WhatsApp", || async {
        w.graph
            .sent_whatsapp()
            .iter()
            .any(|m| m["type"] == "template" && m["to"] == "5511987654321")
    })
    .await;
    // No window is open until the customer answers: the app shows it closed.
    let window: chrono::DateTime<chrono::Utc> = chat["reply_window_ends_at"]
        .as_str()
        .expect("a window")
        .parse()
        .unwrap();
    assert!(window <= chrono::Utc::now());
    let (status, body) = reply(&bruno, &chat["id"], "Você está aí?").await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reply_window_closed",
    );

    let hook = w
        .graph
        .webhook(format!("{}/webhooks/whatsapp/wa", w.server.base));
    let answer = WhatsAppWebhook::text(
        &WhatsAppBusiness::default(),
        "5511987654321",
        "Mariana",
        "Sim, pode falar",
    );
    assert!(hook.send(&answer).await.unwrap().is_success());
    eventually("the answer arrives in the started chat", || async {
        messages(&bruno, &chat["id"]).await.len() == 2
    })
    .await;
    let (status, sent) = reply(&bruno, &chat["id"], "Ótimo! Seu pedido foi enviado.").await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
}

#[tokio::test]
async fn a_late_delivery_counts_the_window_from_when_the_customer_wrote() {
    let w = world().await;
    let bruno = w.server.login("102").await;
    let hook = w
        .graph
        .webhook(format!("{}/webhooks/whatsapp/wa", w.server.base));
    // Written 25 hours ago, delivered now (after an outage, say).
    let late = WhatsAppWebhook::new(&WhatsAppBusiness::default())
        .contact("5511987654321", "Mariana")
        .message(WhatsAppMessage::text("5511987654321", "Oi?").at(unix_seconds_ago(25)))
        .to_bytes();
    assert!(hook.send(&late).await.unwrap().is_success());
    let list = bruno.list("recent").await;
    let id = json!(list[0].to_string());
    let chat = conversation(&bruno, &id).await;
    let window: chrono::DateTime<chrono::Utc> = chat["reply_window_ends_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(window < chrono::Utc::now(), "{window}");
    let (status, body) = reply(&bruno, &id, "Olá!").await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reply_window_closed",
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("an approved template can still be sent"),
        "{body}"
    );
}

#[tokio::test]
async fn stop_and_start_keywords_and_twilio_21610_govern_what_is_sent() {
    let w = world().await;
    let bruno = w.server.login("102").await;
    w.customer_texts("Quero saber do meu pedido").await;
    let id = json!(bruno.list("recent").await[0].to_string());
    let (status, _) = bruno.take(id.as_str().unwrap().parse().unwrap()).await;
    assert_eq!(status, StatusCode::OK);

    w.customer_texts(" Parar ").await;
    eventually("the chat shows the opt-out", || async {
        conversation(&bruno, &id).await["opted_out_at"].is_string()
    })
    .await;
    let (status, body) = reply(&bruno, &id, "Tudo bem?").await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "opted_out");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("text START"),
        "{body}"
    );
    let (status, body) = start(
        &bruno,
        json!({"client_id": Uuid::now_v7(), "channel_id": "sms", "address": CUSTOMER,
               "body": "Oi"}),
    )
    .await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "opted_out");
    // A sentence that merely contains the word is conversation, not a keyword.
    w.customer_texts("não vou parar de comprar com vocês").await;
    assert!(conversation(&bruno, &id).await["opted_out_at"].is_string());

    w.customer_texts("VOLTAR").await;
    eventually("the opt-out is lifted", || async {
        conversation(&bruno, &id).await["opted_out_at"].is_null()
    })
    .await;
    let (status, sent) = reply(&bruno, &id, "Bem-vinda de volta!").await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    // Sent before the carrier's refusal below is scripted (else it would be the one refused).
    wait_status(&bruno, &id, &sent["id"], "sent").await;

    // The carrier says the number unsubscribed (Twilio 21610): the reply fails in words and
    // the chat shows the opt-out.
    w.twilio.fail_sms(CUSTOMER, TwilioFailure::Unsubscribed);
    let (status, refused) = reply(&bruno, &id, "Mais uma coisa").await;
    assert_eq!(status, StatusCode::CREATED, "{refused}");
    wait_status(&bruno, &id, &refused["id"], "failed").await;
    let failed = messages(&bruno, &id).await;
    let failed = failed.iter().find(|m| m["id"] == refused["id"]).unwrap();
    assert!(
        failed["error"].as_str().unwrap().contains("21610"),
        "{failed}"
    );
    assert!(conversation(&bruno, &id).await["opted_out_at"].is_string());
}

#[tokio::test]
async fn a_messenger_page_with_the_human_agent_tag_answers_for_7_days() {
    let w = world().await;
    let bruno = w.server.login("102").await;
    let page = w.graph.options().page_id.clone();
    let wrote_30_hours_ago =
        |psid: &str| MessengerEvent::text(psid, "Oi?").at(unix_seconds_ago(30) * 1000);
    for (channel, psid) in [("fb", "7001"), ("fb-plain", "7002")] {
        let hook = w
            .graph
            .webhook(format!("{}/webhooks/facebook/{channel}", w.server.base));
        let body = MessengerWebhook::new(&page)
            .event(wrote_30_hours_ago(psid))
            .to_bytes();
        assert!(hook.send(&body).await.unwrap().is_success());
    }
    eventually("both chats arrive", || async {
        bruno.list("recent").await.len() == 2
    })
    .await;
    let mut tagged = None;
    let mut plain = None;
    for id in bruno.list("recent").await {
        let id = json!(id.to_string());
        let chat = conversation(&bruno, &id).await;
        let window: chrono::DateTime<chrono::Utc> = chat["reply_window_ends_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let left = window - chrono::Utc::now();
        if chat["channel_id"] == "fb" {
            assert!(left > chrono::Duration::days(5), "{left}");
            tagged = Some(id);
        } else {
            assert!(left < chrono::Duration::zero(), "{left}");
            plain = Some(id);
        }
    }
    let (status, body) = reply(&bruno, &plain.unwrap(), "Olá!").await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reply_window_closed",
    );
    let tagged = tagged.unwrap();
    let (status, sent) = reply(&bruno, &tagged, "Olá! Desculpe a demora.").await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let out = w
        .graph
        .wait_for_messenger(1, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(out[0]["messaging_type"], "MESSAGE_TAG");
    assert_eq!(out[0]["tag"], "HUMAN_AGENT");
    wait_status(&bruno, &tagged, &sent["id"], "sent").await;
}

#[tokio::test]
async fn a_chat_to_start_must_name_a_reachable_customer() {
    let w = world().await;
    let bruno = w.server.login("102").await;
    let (status, contact) = bruno
        .post("/api/v1/contacts", json!({"name": "Sem Telefone"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    let cases = [
        (
            json!({"channel_id": "sms", "body": "Oi"}),
            StatusCode::BAD_REQUEST,
            "invalid_recipient",
        ),
        (
            json!({"channel_id": "sms", "address": "not a number", "body": "Oi"}),
            StatusCode::BAD_REQUEST,
            "invalid_recipient",
        ),
        (
            json!({"channel_id": "sms", "address": CUSTOMER, "contact_id": contact["id"], "body": "Oi"}),
            StatusCode::BAD_REQUEST,
            "invalid_recipient",
        ),
        (
            json!({"channel_id": "sms", "contact_id": contact["id"], "body": "Oi"}),
            StatusCode::BAD_REQUEST,
            "invalid_recipient",
        ),
        (
            json!({"channel_id": "sms", "contact_id": Uuid::now_v7(), "body": "Oi"}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            json!({"channel_id": "sms", "address": CUSTOMER}),
            StatusCode::BAD_REQUEST,
            "empty_message",
        ),
        (
            json!({"channel_id": "fb", "address": "7001", "body": "Oi"}),
            StatusCode::NOT_FOUND,
            "unknown_channel",
        ),
        (
            json!({"channel_id": "wa", "address": CUSTOMER,
                   "template": {"name": "no_such", "language": "pt_BR"}}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (mut request, expected, code) in cases {
        request["client_id"] = json!(Uuid::now_v7());
        let (status, body) = start(&bruno, request.clone()).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (expected, Some(code)),
            "{request} → {body}"
        );
    }
    assert!(bruno.list("recent").await.is_empty(), "nothing was started");
}

#[tokio::test]
async fn a_failed_reply_can_be_sent_again_and_only_a_failed_one() {
    let w = world().await;
    let bruno = w.server.login("102").await;
    let ana = w.server.login("101").await;
    w.customer_texts("Oi, tudo bem?").await;
    let id = json!(bruno.list("recent").await[0].to_string());
    w.twilio
        .fail_sms_times(CUSTOMER, TwilioFailure::InvalidTo, 1);
    let (status, sent) = reply(&bruno, &id, "Olá! Como posso ajudar?").await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    wait_status(&bruno, &id, &sent["id"], "failed").await;
    let resend = format!("/api/v1/messages/{}/resend", sent["id"].as_str().unwrap());
    // The colleague the chat was offered to, as for a reply, learns who has it now.
    let (status, body) = ana.post(&resend, json!({})).await;
    assert_error(status, &body, StatusCode::CONFLICT, "already_taken");
    let (status, again) = bruno.post(&resend, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["status"], "pending");
    assert!(again["error"].is_null(), "{again}");
    wait_status(&bruno, &id, &sent["id"], "sent").await;
    let delivered: Vec<_> = w
        .twilio
        .sent_sms()
        .into_iter()
        .filter(|s| s.body == "Olá! Como posso ajudar?")
        .collect();
    assert_eq!(delivered.len(), 1, "accepted once");
    // Sent replies and customers' messages are not sent again.
    let (status, body) = bruno.post(&resend, json!({})).await;
    assert_error(status, &body, StatusCode::CONFLICT, "not_resendable");
    let inbound = messages(&bruno, &id).await[0]["id"].clone();
    let (status, body) = bruno
        .post(
            &format!("/api/v1/messages/{}/resend", inbound.as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "not_resendable");
}
