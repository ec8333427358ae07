//! Administration of channels (CONTRACT §8) through the real server and the fake providers: a
//! system owner adds a WhatsApp channel, checks it against the fake Graph API (and hears in
//! words what is wrong with a bad token, a wrong id, an unreachable API), a customer's message
//! on it reaches the agent it routes to; settings are checked with the configuration file's
//! rules and secrets are write-only; a disabled channel sends nothing and answers its webhooks
//! 503 so the provider delivers them later. On PostgreSQL a channel made through one node
//! works on another at once (it hears of the change on commit).

mod common;

use std::time::{Duration, Instant};

use common::{assert_error, config_toml, on_postgres, Agent, TestServer, PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_fakes::{
    FakeGraph, FakeTwilio, GraphOptions, TwilioOptions, WhatsAppBusiness, WhatsAppWebhook,
};
use uuid::Uuid;

const OWNER: &str = "190";

/// Agents 101 (manager) and 102 in queue "support" (with the file's channels "wa" and
/// "sms-direct"), and a system owner, 190.
async fn server() -> TestServer {
    let owner = format!(
        "\n[[agents]]\nextension = \"{OWNER}\"\nname = \"Olga Owner\"\npassword = \"{PASSWORD}\"\nrole = \"system_owner\"\n"
    );
    TestServer::with_config_for(move |addr| {
        format!(
            "{}{owner}",
            config_toml(2, "", &format!("public_url = \"http://{addr}\""))
        )
    })
    .await
}

/// A WhatsApp channel "wa-new" on the fake Graph API, routed to agent 102.
fn whatsapp_channel(graph: &FakeGraph) -> Value {
    let options = graph.options();
    json!({
        "id": "wa-new",
        "kind": "whatsapp",
        "route_extension": "102",
        "settings": {
            "phone_number_id": options.phone_number_id,
            "access_token": options.whatsapp_access_token,
            "app_secret": options.app_secret,
            "verify_token": "a-verify-token-of-our-own",
            "api_base": graph.base_url(),
        }
    })
}

async fn check(owner: &Agent, id: &str) -> (bool, String) {
    let (status, answer) = owner
        .call(
            Method::POST,
            &format!("/api/v1/admin/channels/{id}/check"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    (
        answer["ok"].as_bool().unwrap(),
        answer["summary"].as_str().unwrap().to_string(),
    )
}

async fn change(owner: &Agent, id: &str, body: Value) -> (StatusCode, Value) {
    owner
        .call(
            Method::PUT,
            &format!("/api/v1/admin/channels/{id}"),
            Some(body),
        )
        .await
}

async fn conversations(agent: &Agent) -> Vec<Value> {
    let (_, list) = agent.get("/api/v1/conversations").await;
    list["conversations"].as_array().unwrap().clone()
}

fn customer_says(text: &str) -> Vec<u8> {
    WhatsAppWebhook::text(
        &WhatsAppBusiness::default(),
        "5511988887777",
        "Mariana Alves",
        text,
    )
}

#[tokio::test]
async fn an_owner_adds_a_whatsapp_channel_checks_it_and_its_customers_reach_its_agent() {
    let graph = FakeGraph::start(GraphOptions::default()).await.unwrap();
    let server = server().await;
    let owner = server.login(OWNER).await;
    let bruno = server.login("102").await;

    let (status, made) = owner
        .post("/api/v1/admin/channels", whatsapp_channel(&graph))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["provisioned"], false);
    assert_eq!(made["enabled"], true);
    assert_eq!(made["route_extension"], "102");
    assert_eq!(
        made["console"][0]["value"],
        format!("{}/webhooks/whatsapp/wa-new", server.base)
    );
    assert!(
        !made
            .to_string()
            .contains(&graph.options().whatsapp_access_token),
        "no secret answered: {made}"
    );
    assert_eq!(made["settings"]["app_secret"], json!({"set": true}));

    // The fake Graph API knows the number with that token.
    let (ok, summary) = check(&owner, "wa-new").await;
    assert!(ok, "{summary}");
    assert!(summary.contains("+1 555-078-3881"), "{summary}");
    assert!(summary.contains("Switchboard Demo"), "{summary}");

    // A customer writes: the chat reaches Bruno, whom the channel routes to.
    let hook = graph.webhook(format!("{}/webhooks/whatsapp/wa-new", server.base));
    let answer = hook.send(&customer_says("Olá, canal novo")).await.unwrap();
    assert!(answer.is_success(), "{answer:?}");
    let chats = conversations(&bruno).await;
    assert_eq!(chats.len(), 1, "{chats:?}");
    assert_eq!(chats[0]["channel"], "whatsapp");
    assert_eq!(chats[0]["contact"]["display_name"], "Mariana Alves");
    // Meta's subscription handshake works with the verify token saved in the app.
    let (status, challenge) = hub_challenge(&server, "wa-new", "a-verify-token-of-our-own").await;
    assert_eq!((status, challenge.as_str()), (StatusCode::OK, "1158201444"));

    // What is wrong, in words: a refused token, an id Meta does not know, no answer at all.
    let mut body = whatsapp_channel(&graph);
    body["settings"]["access_token"] = json!("EAAG-revoked-token");
    assert_eq!(change(&owner, "wa-new", body).await.0, StatusCode::OK);
    let (ok, summary) = check(&owner, "wa-new").await;
    assert!(!ok);
    assert!(summary.contains("refused the access token"), "{summary}");

    let mut body = whatsapp_channel(&graph);
    body["settings"]["phone_number_id"] = json!("999999999");
    assert_eq!(change(&owner, "wa-new", body).await.0, StatusCode::OK);
    let (ok, summary) = check(&owner, "wa-new").await;
    assert!(!ok);
    assert!(
        summary.contains("no phone number with id 999999999"),
        "{summary}"
    );

    let mut body = whatsapp_channel(&graph);
    body["settings"]["api_base"] = json!("http://127.0.0.1:9");
    assert_eq!(change(&owner, "wa-new", body).await.0, StatusCode::OK);
    let (ok, summary) = check(&owner, "wa-new").await;
    assert!(!ok);
    assert!(summary.contains("could not be reached"), "{summary}");
}

async fn hub_challenge(server: &TestServer, channel: &str, token: &str) -> (StatusCode, String) {
    let response = server
        .http
        .get(format!("{}/webhooks/whatsapp/{channel}", server.base))
        .query(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", token),
            ("hub.challenge", "1158201444"),
        ])
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn messenger_and_sms_channels_are_checked_against_their_providers() {
    let graph = FakeGraph::start(GraphOptions::default()).await.unwrap();
    let twilio = FakeTwilio::start(TwilioOptions::default()).await.unwrap();
    let server = server().await;
    let owner = server.login(OWNER).await;
    let (g, t) = (graph.options().clone(), twilio.options().clone());
    let (status, made) = owner
        .post(
            "/api/v1/admin/channels",
            json!({"id": "fb-new", "kind": "facebook", "route_queue": "support", "settings": {
                "page_id": g.page_id, "page_access_token": g.page_access_token,
                "app_secret": g.app_secret, "verify_token": "v", "api_base": graph.base_url()}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let (ok, summary) = check(&owner, "fb-new").await;
    assert!(ok, "{summary}");
    assert!(summary.contains("Switchboard Demo"), "{summary}");

    let sms = |auth: &str| {
        json!({"id": "sms-new", "kind": "sms", "route_queue": "support", "settings": {
            "account_sid": t.account_sid, "auth_token": auth, "from_number": "+15005550006",
            "api_base": twilio.base_url()}})
    };
    let (status, made) = owner
        .post("/api/v1/admin/channels", sms(&t.auth_token))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(
        made["console"][1]["value"],
        format!("{}/webhooks/sms/sms-new/status", server.base)
    );
    let (ok, summary) = check(&owner, "sms-new").await;
    assert!(ok, "{summary}");
    assert!(summary.contains("Switchboard Demo"), "{summary}");
    assert!(
        !summary.contains(&t.auth_token),
        "the account's token is never repeated: {summary}"
    );
    assert_eq!(
        change(&owner, "sms-new", sms("0000000000000000000000000000000f"))
            .await
            .0,
        StatusCode::OK
    );
    let (ok, summary) = check(&owner, "sms-new").await;
    assert!(!ok);
    assert!(
        summary.contains("refused the account SID and auth token"),
        "{summary}"
    );

    // Live chat asks no provider, and says so.
    let (status, _) = owner
        .post(
            "/api/v1/admin/channels",
            json!({"id": "web-new", "kind": "livechat", "route_queue": "support",
                   "settings": {"allowed_origins": ["https://shop.example.com"]}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (ok, summary) = check(&owner, "web-new").await;
    assert!(ok && summary.contains("no provider"), "{summary}");
}

#[tokio::test]
async fn settings_are_checked_like_the_files_and_secrets_are_write_only() {
    let graph = FakeGraph::start(GraphOptions::default()).await.unwrap();
    let server = server().await;
    let owner = server.login(OWNER).await;

    // Every problem at once, each naming its field.
    let (status, body) = owner
        .post(
            "/api/v1/admin/channels",
            json!({"id": "bad id", "kind": "whatsapp", "route_queue": "nowhere",
                   "settings": {"phone_number_id": "1", "acess_token": "typo"}}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_channel");
    let message = body["error"]["message"].as_str().unwrap();
    for expected in [
        "id: \"bad id\" may use only letters",
        "route.queue: queue \"nowhere\" is not a queue",
        "whatsapp.access_token: is missing",
        "whatsapp.app_secret: is missing",
        "whatsapp.acess_token: is not a known setting",
    ] {
        assert!(message.contains(expected), "{expected:?} in {message}");
    }
    let (status, body) = owner
        .post(
            "/api/v1/admin/channels",
            json!({"id": "x", "kind": "telegram", "route_extension": "101"}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_channel");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("\"telegram\" is not a channel kind"));
    // Ids stay unique, the file's channels included.
    let (status, _) = owner
        .post("/api/v1/admin/channels", whatsapp_channel(&graph))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for id in ["wa-new", "wa"] {
        let mut body = whatsapp_channel(&graph);
        body["id"] = json!(id);
        let (status, body) = owner.post("/api/v1/admin/channels", body).await;
        assert_error(status, &body, StatusCode::CONFLICT, "channel_taken");
    }
    // The file's channels are the file's.
    let (status, body) = change(&owner, "wa", whatsapp_channel(&graph)).await;
    assert_error(status, &body, StatusCode::CONFLICT, "provisioned");
    let (status, body) = owner
        .call(Method::POST, "/api/v1/admin/channels/wa/disable", None)
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "provisioned");

    // A change that leaves the secrets out (the form cannot send them back) keeps them: the
    // check still passes. Kind and id cannot change.
    let mut body = whatsapp_channel(&graph);
    let settings = body["settings"].as_object_mut().unwrap();
    settings.remove("access_token");
    settings.insert("app_secret".into(), json!(""));
    settings.remove("verify_token");
    body["route_queue"] = json!("support");
    body.as_object_mut().unwrap().remove("route_extension");
    let (status, changed) = change(&owner, "wa-new", body).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["route_queue"], "support");
    assert_eq!(changed["settings"]["access_token"]["set"], true);
    let (ok, summary) = check(&owner, "wa-new").await;
    assert!(ok, "the stored token was kept: {summary}");
    let (status, body) = change(&owner, "wa-new", json!({"kind": "sms"})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_channel");

    // The audit log says who did it, secrets only as set; it filters by target and action.
    let (status, page) = owner.get("/api/v1/admin/audit?target=channel:wa-new").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let entries = page["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["channel.update", "channel.create"]);
    assert_eq!(entries[0]["actor"], "Olga Owner (190)");
    assert_eq!(entries[0]["before"]["route_extension"], "102");
    assert_eq!(entries[0]["after"]["route_queue"], "support");
    assert_eq!(
        entries[1]["after"]["settings"]["access_token"],
        json!({"set": true})
    );
    let text = page.to_string();
    assert!(
        !text.contains(&graph.options().whatsapp_access_token)
            && !text.contains(&graph.options().app_secret),
        "no secret in the audit log: {text}"
    );
    let (_, page) = owner.get("/api/v1/admin/audit?action=channel.create").await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 1, "{page}");
    let (_, page) = owner.get("/api/v1/admin/audit?actor=101").await;
    assert!(page["entries"].as_array().unwrap().is_empty(), "{page}");
    let (status, body) = owner.get("/api/v1/admin/audit?actor=999").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "agent_not_found");

    // Managers and agents see none of it.
    let manager = server.login("101").await;
    let (status, body) = manager
        .post("/api/v1/admin/channels", whatsapp_channel(&graph))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = manager
        .call(Method::POST, "/api/v1/admin/channels/wa-new/check", None)
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn a_disabled_channel_sends_nothing_and_its_customers_messages_wait_with_the_provider() {
    let graph = FakeGraph::start(GraphOptions::default()).await.unwrap();
    let server = server().await;
    let owner = server.login(OWNER).await;
    let bruno = server.login("102").await;
    let (status, _) = owner
        .post("/api/v1/admin/channels", whatsapp_channel(&graph))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let hook = graph.webhook(format!("{}/webhooks/whatsapp/wa-new", server.base));
    assert!(hook
        .send(&customer_says("primeira"))
        .await
        .unwrap()
        .is_success());
    let chat: Uuid = conversations(&bruno).await[0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    let (status, off) = owner
        .call(Method::POST, "/api/v1/admin/channels/wa-new/disable", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{off}");
    assert_eq!(off["enabled"], false);
    // The provider is told to come back later, and nothing is stored meanwhile.
    let later = customer_says("segunda, enquanto desligado");
    let answer = hook.send(&later).await.unwrap();
    assert_eq!(answer.status, 503, "{answer:?}");
    assert!(answer.body.contains("channel_disabled"), "{answer:?}");
    // Nothing goes out: the reply is refused with a sentence saying why.
    let (status, body) = bruno.reply(chat, "Olá!").await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "channel_disabled",
    );
    let sent = graph.sent_whatsapp();
    assert!(
        !sent.iter().any(|m| m.to_string().contains("Olá!")),
        "{sent:?}"
    );
    // A wrongly signed webhook is still refused as such, not taken for the provider's.
    let forged = hook
        .send_with_signature(&later, Some("sha256=00"))
        .await
        .unwrap();
    assert_eq!(forged.status, 401);

    let (status, on) = owner
        .call(Method::POST, "/api/v1/admin/channels/wa-new/enable", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{on}");
    assert_eq!(on["enabled"], true);
    // Meta delivers the waiting message again: now it is stored.
    assert!(hook.send(&later).await.unwrap().is_success());
    let (_, page) = bruno
        .get(&format!("/api/v1/conversations/{chat}/messages"))
        .await;
    let bodies: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["primeira", "segunda, enquanto desligado"]);
    let (status, body) = bruno.reply(chat, "Olá!").await;
    assert!(status.is_success(), "{body}");

    let actions: Vec<String> = {
        let (_, page) = owner.get("/api/v1/admin/audit?action=channel").await;
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        actions,
        ["channel.enable", "channel.disable", "channel.create"]
    );
}

#[tokio::test]
async fn a_channel_made_through_one_node_works_on_another_at_once() {
    if !on_postgres() {
        eprintln!("SKIPPED: nodes share only PostgreSQL (SWITCHBOARD_TEST_BACKEND=postgres)");
        return;
    }
    let graph = FakeGraph::start(GraphOptions::default()).await.unwrap();
    let a = server().await;
    let b = a.another_node().await;
    let owner = a.login(OWNER).await;
    let bruno = b.login("102").await;
    let (status, _) = owner
        .post("/api/v1/admin/channels", whatsapp_channel(&graph))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // B hears of the new channel on commit: its webhook works there at once.
    let on_b = graph.webhook(format!("{}/webhooks/whatsapp/wa-new", b.base));
    let body = customer_says("via o nó B");
    let status = promptly(|| async { on_b.send(&body).await.unwrap().status }, 200).await;
    assert_eq!(status, 200);
    assert_eq!(conversations(&bruno).await.len(), 1);
    // Disabled on A, B turns the provider away at once too.
    let (status, _) = owner
        .call(Method::POST, "/api/v1/admin/channels/wa-new/disable", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let again = customer_says("de novo via B");
    let status = promptly(|| async { on_b.send(&again).await.unwrap().status }, 503).await;
    assert_eq!(status, 503);
    let (_, list) = owner.via(&b).get("/api/v1/admin/channels").await;
    let made = list["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "wa-new")
        .unwrap()
        .clone();
    assert_eq!(made["enabled"], false, "{made}");
}

/// Ask until the answer is `want`, for at most a second; the last answer.
async fn promptly<F, Fut>(mut ask: F, want: u16) -> u16
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    let start = Instant::now();
    loop {
        let status = ask().await;
        if status == want || start.elapsed() > Duration::from_secs(5) {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn deleting_a_queue_moves_the_channels_made_in_the_app_where_the_owner_says() {
    let graph = FakeGraph::start(GraphOptions::default()).await.unwrap();
    let server = server().await;
    let owner = server.login(OWNER).await;
    let (status, _) = owner
        .post(
            "/api/v1/admin/queues",
            json!({"id": "vip", "name": "VIP", "agents": ["101"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut body = whatsapp_channel(&graph);
    body.as_object_mut().unwrap().remove("route_extension");
    body["route_queue"] = json!("vip");
    let (status, _) = owner.post("/api/v1/admin/channels", body).await;
    assert_eq!(status, StatusCode::CREATED);

    // Asked where the channel goes first.
    let (status, body) = owner
        .call(Method::DELETE, "/api/v1/admin/queues/vip", None)
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "queue_in_use");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("wa-new"),
        "{body}"
    );
    let (status, body) = owner
        .call(
            Method::DELETE,
            "/api/v1/admin/queues/vip",
            Some(json!({"move_to": "support"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, list) = owner.get("/api/v1/admin/channels").await;
    let moved = list["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "wa-new")
        .unwrap()
        .clone();
    assert_eq!(moved["route_queue"], "support", "{moved}");
    // Its customers now reach the queue it moved to.
    let ana = server.login("101").await;
    let hook = graph.webhook(format!("{}/webhooks/whatsapp/wa-new", server.base));
    assert!(hook
        .send(&customer_says("e agora?"))
        .await
        .unwrap()
        .is_success());
    assert_eq!(conversations(&ana).await.len(), 1);
    let (_, page) = owner
        .get("/api/v1/admin/audit?target=channel:wa-new&action=channel.update")
        .await;
    assert_eq!(
        page["entries"][0]["after"]["route_queue"], "support",
        "{page}"
    );
}

#[tokio::test]
async fn a_whatsapp_channel_made_here_offers_its_templates_without_waiting_for_the_hourly_sync() {
    let graph = FakeGraph::start(GraphOptions::default()).await.unwrap();
    graph.add_template(switchboard_fakes::MessageTemplate::approved(
        "boas_vindas",
        "pt_BR",
        None,
        "Olá {{1}}, como podemos ajudar?",
    ));
    let server = server().await;
    let owner = server.login(OWNER).await;
    let mut body = whatsapp_channel(&graph);
    body["settings"]["waba_id"] = json!(graph.options().waba_id);
    let (status, made) = owner.post("/api/v1/admin/channels", body).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let agent = server.login("102").await;
    common::eventually("the new channel's templates are synced", || async {
        let (_, list) = agent
            .get("/api/v1/channels/wa-new/whatsapp-templates")
            .await;
        list["templates"][0]["name"] == "boas_vindas"
    })
    .await;
}
