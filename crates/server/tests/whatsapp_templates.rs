//! WhatsApp message templates through the real server and the fake Graph API: the business
//! account's approved templates are synced (every page), listed with their variables and
//! filtered; once the 24-hour window has closed free text is refused and a template goes out
//! with its parameters, shown in the chat as its rendered text; Meta's refusals reach the agent
//! in words. Runs on SQLite and, with SWITCHBOARD_TEST_BACKEND=postgres, on PostgreSQL.

mod common;

use common::{agents_toml, assert_error, eventually, sql_time, Agent, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use switchboard_fakes::{
    FakeGraph, GraphOptions, MessageTemplate, WhatsAppBusiness, WhatsAppWebhook,
};
use uuid::Uuid;

/// Manager 101 and agent 102 in queue "support"; WhatsApp channel "wa" (with the business
/// account) and "wa-bare" (without one), both on the fake Graph API.
async fn world() -> (TestServer, FakeGraph) {
    let graph = FakeGraph::start(GraphOptions::default()).await.unwrap();
    graph.add_template(MessageTemplate::approved(
        "order_update",
        "pt_BR",
        Some("Pedido {{1}}"),
        "Olá {{1}}, seu pedido sai {{2}}.",
    ));
    graph.add_template(MessageTemplate::approved(
        "boas_vindas",
        "pt_BR",
        None,
        "Oi {{customer_name}}, em que podemos ajudar?",
    ));
    graph.add_template(MessageTemplate::approved(
        "hello_world",
        "en_US",
        None,
        "Hello, how can we help?",
    ));
    graph.add_template(
        MessageTemplate::approved("not_yet", "pt_BR", None, "Ainda em análise")
            .with_status("PENDING"),
    );
    // Enough to need a second page of 100.
    for n in 0..105 {
        graph.add_template(MessageTemplate::approved(
            &format!("promo_{n:03}"),
            "en_US",
            None,
            "Our sale starts soon.",
        ));
    }
    let g = graph.options().clone();
    let base = graph.base_url().to_string();
    let server = TestServer::with_config_for(move |addr| {
        let channel = |id: &str, waba: &str| {
            format!(
                r#"
[[channels]]
id = "{id}"
kind = "whatsapp"
route = {{ queue = "support" }}
[channels.whatsapp]
phone_number_id = "{phone}"
{waba}
access_token = "{token}"
app_secret = "{secret}"
verify_token = "v"
api_base = "{base}"
"#,
                phone = g.phone_number_id,
                token = g.whatsapp_access_token,
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
{wa}{bare}"#,
            agents = agents_toml(2),
            wa = channel("wa", &format!("waba_id = \"{}\"", g.waba_id)),
            bare = channel("wa-bare", ""),
        )
    })
    .await;
    (server, graph)
}

async fn templates(agent: &Agent, query: &str) -> Vec<Value> {
    let (status, list) = agent
        .get(&format!("/api/v1/channels/wa/whatsapp-templates{query}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["templates"].as_array().unwrap().clone()
}

fn names(templates: &[Value]) -> Vec<String> {
    templates
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                t["name"].as_str().unwrap(),
                t["language"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn approved_templates_are_synced_listed_and_filtered() {
    let (server, graph) = world().await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    // Synced at start, every page of them.
    eventually("the templates are synced at start", || async {
        templates(&bruno, "").await.len() == 108
    })
    .await;
    let pt = templates(&bruno, "?language=pt").await;
    assert_eq!(names(&pt), ["boas_vindas pt_BR", "order_update pt_BR"]);
    let order = &pt[1];
    assert_eq!(order["header"], "Pedido {{1}}");
    assert_eq!(order["body"], "Olá {{1}}, seu pedido sai {{2}}.");
    let keys: Vec<&str> = order["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["header.1", "body.1", "body.2"]);
    assert_eq!(pt[0]["parameters"][0]["key"], "body.customer_name");
    assert_eq!(pt[0]["parameters"][0]["example"], "example");
    assert_eq!(
        names(&templates(&bruno, "?q=PEDIDO").await),
        ["order_update pt_BR"],
        "the body is searched, case aside"
    );
    assert_eq!(
        names(&templates(&bruno, "?language=en_US&q=hello").await),
        ["hello_world en_US"]
    );

    // A template Meta approves later is there after a sync on demand — which only managers ask.
    graph.add_template(MessageTemplate::approved(
        "tarde",
        "pt_BR",
        None,
        "Boa tarde!",
    ));
    let (status, body) = bruno
        .post("/api/v1/channels/wa/whatsapp-templates/sync", json!({}))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, synced) = ana
        .post("/api/v1/channels/wa/whatsapp-templates/sync", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{synced}");
    assert_eq!(synced["templates"].as_array().unwrap().len(), 109);
    // A channel without its business account says what is missing.
    let (status, body) = ana
        .post(
            "/api/v1/channels/wa-bare/whatsapp-templates/sync",
            json!({}),
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "templates_unavailable");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("waba_id"));
    let (status, body) = ana.get("/api/v1/channels/nope/whatsapp-templates").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "unknown_channel");
}

#[tokio::test]
async fn after_the_window_closes_a_template_goes_out_with_its_parameters() {
    let (server, graph) = world().await;
    let bruno = server.login("102").await;
    eventually("the templates are synced at start", || async {
        !templates(&bruno, "?language=pt_BR").await.is_empty()
    })
    .await;
    let hook = graph.webhook(format!("{}/webhooks/whatsapp/wa", server.base));
    let said = WhatsAppWebhook::text(
        &WhatsAppBusiness::default(),
        "5511988887777",
        "Mariana Alves",
        "Oi, meu pedido?",
    );
    assert!(hook.send(&said).await.unwrap().is_success());
    let (_, list) = bruno.get("/api/v1/conversations").await;
    let chat: Uuid = list["conversations"][0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // A day and more passes without the customer writing.
    let two_days_ago = sql_time(chrono::Utc::now() - chrono::Duration::hours(49));
    let changed = server.execute(&format!(
        "UPDATE conversations SET last_inbound_at = '{two_days_ago}' WHERE id = '{chat}'"
    ));
    assert_eq!(changed, 1);
    let (status, body) = bruno.reply(chat, "Olá?").await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reply_window_closed",
    );

    let path = format!("/api/v1/conversations/{chat}/whatsapp-template");
    // Every variable must be filled, and only the template's.
    let client_id = Uuid::now_v7();
    let (status, body) = bruno
        .post(
            &path,
            json!({"client_id": client_id, "name": "order_update", "language": "pt_BR",
                   "parameters": {"header.1": "8812", "body.1": "Mariana", "body.3": "x"}}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_template");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("body.2: is missing"), "{message}");
    assert!(
        message.contains("body.3: the template has no such variable"),
        "{message}"
    );
    let (status, body) = bruno
        .post(
            &path,
            json!({"client_id": client_id, "name": "not_yet", "language": "pt_BR"}),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");

    let request = json!({"client_id": client_id, "name": "order_update", "language": "pt_BR",
        "parameters": {"header.1": "8812", "body.1": "Mariana", "body.2": "amanhã"}});
    let (status, sent) = bruno.post(&path, request.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(
        sent["body"],
        "Pedido 8812\n\nOlá Mariana, seu pedido sai amanhã."
    );
    // The same client_id again: the same message, nothing sent twice.
    let (status, again) = bruno.post(&path, request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["id"], sent["id"]);

    // The provider got `type: template` with the parameters, and the message is sent.
    eventually("the template reaches the fake Graph API", || async {
        graph
            .sent_whatsapp()
            .iter()
            .any(|m| m["type"] == "template")
    })
    .await;
    let templates_sent: Vec<Value> = graph
        .sent_whatsapp()
        .into_iter()
        .filter(|m| m["type"] == "template")
        .collect();
    assert_eq!(templates_sent.len(), 1, "{templates_sent:?}");
    assert_eq!(
        templates_sent[0]["template"],
        json!({"name": "order_update", "language": {"code": "pt_BR"}, "components": [
            {"type": "header", "parameters": [{"type": "text", "text": "8812"}]},
            {"type": "body", "parameters": [
                {"type": "text", "text": "Mariana"}, {"type": "text", "text": "amanhã"}]}]})
    );
    let message_id = sent["id"].as_str().unwrap().to_string();
    eventually("the template is marked sent", || async {
        status_of(&bruno, chat, &message_id).await == "sent"
    })
    .await;

    // Meta pauses a template after it was synced: the send fails, and the agent reads why.
    graph.set_template_status("boas_vindas", "pt_BR", "PAUSED");
    let (status, paused) = bruno
        .post(
            &path,
            json!({"client_id": Uuid::now_v7(), "name": "boas_vindas", "language": "pt_BR",
                   "parameters": {"body.customer_name": "Mariana"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{paused}");
    assert_eq!(paused["body"], "Oi Mariana, em que podemos ajudar?");
    let paused_id = paused["id"].as_str().unwrap().to_string();
    eventually("the paused template is marked failed", || async {
        status_of(&bruno, chat, &paused_id).await == "failed"
    })
    .await;
    let failed = message_of(&bruno, chat, &paused_id).await;
    assert!(
        failed["error"]
            .as_str()
            .unwrap_or_default()
            .contains("no approved template by that name"),
        "{failed}"
    );
}

async fn message_of(agent: &Agent, chat: Uuid, id: &str) -> Value {
    let (_, page) = agent
        .get(&format!("/api/v1/conversations/{chat}/messages"))
        .await;
    page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

async fn status_of(agent: &Agent, chat: Uuid, id: &str) -> String {
    message_of(agent, chat, id).await["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
