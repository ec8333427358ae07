//! Reaching customers (#15) through the client engine, against the real server and the fake
//! providers: a WhatsApp template sent after the 24-hour window, and a chat the agent starts,
//! are in the cache as soon as the call answers (before the stream tells), once however often
//! the same request is repeated; refusals carry the server's code and sentence. A reply the
//! provider refused is sent again once ("Send again"), and a resend the channel's rules refuse
//! stays failed with its reason.

mod common;

use std::collections::BTreeMap;

use common::*;
use switchboard_client::Client;
use switchboard_fakes::{
    FakeGraph, FakeTwilio, GraphOptions, MessageTemplate, TwilioFailure, TwilioOptions,
};
use switchboard_protocol::{Message, MessageStatus, StartConversationRequest, TemplateChoice};
use uuid::Uuid;

/// Agents 101 (manager) and 102 in queue "support"; WhatsApp channel "wa" with a business
/// account on the fake Graph API, SMS channel "sms" on the fake Twilio.
async fn world() -> (TestServer, FakeGraph, FakeTwilio) {
    let graph = FakeGraph::start(GraphOptions::default()).await.unwrap();
    graph.add_template(MessageTemplate::approved(
        "order_update",
        "pt_BR",
        None,
        "Olá {{1}}, seu pedido sai {{2}}.",
    ));
    let twilio = FakeTwilio::start(TwilioOptions::default()).await.unwrap();
    let g = graph.options().clone();
    let tw = twilio.options().clone();
    let base = config_toml(2);
    // The harness's own WhatsApp channel gives way to one on the fakes.
    let agents_and_queues = base
        .split("[[channels]]")
        .next()
        .expect("the config starts with agents and queues");
    let config = format!(
        r#"{agents_and_queues}
[[channels]]
id = "wa"
kind = "whatsapp"
route = {{ queue = "support" }}
[channels.whatsapp]
phone_number_id = "{phone}"
waba_id = "{waba}"
access_token = "{token}"
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
from_number = "+15005550006"
api_base = "{twilio_base}"
"#,
        phone = g.phone_number_id,
        waba = g.waba_id,
        token = g.whatsapp_access_token,
        secret = g.app_secret,
        graph_base = graph.base_url(),
        sid = tw.account_sid,
        auth = tw.auth_token,
        twilio_base = twilio.base_url(),
    );
    (TestServer::start_with(config).await, graph, twilio)
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn a_template_sent_after_the_window_closed_is_cached_at_once_and_once() {
    // Given a WhatsApp customer who wrote 25 hours ago, in Ana's cache
    let (server, graph, _twilio) = world().await;
    let chat = server
        .running()
        .engine
        .ingest(switchboard_server::engine::Inbound {
            sent_at: Some(chrono::Utc::now() - chrono::Duration::hours(25)),
            ..inbound("5511955554444", "Oi, e o meu pedido?", "wamid.late")
        })
        .await
        .expect("ingested")
        .conversation_id;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    eventually("the chat is cached", || async {
        ana.conversation(chat).await.unwrap().is_some()
    })
    .await;
    eventually("the business account's templates are synced", || async {
        ana.whatsapp_templates("wa", Some("pt"), None)
            .await
            .is_ok_and(|t| t.iter().any(|t| t.name == "order_update"))
    })
    .await;

    // When a variable is missing, the server's sentence names it and nothing is cached
    let choice = |pairs: &[(&str, &str)]| TemplateChoice {
        name: "order_update".into(),
        language: "pt_BR".into(),
        parameters: values(pairs),
    };
    let refused = ana
        .send_whatsapp_template(chat, Uuid::now_v7(), choice(&[("body.1", "Paula")]))
        .await
        .expect_err("body.2 is missing");
    assert_eq!(refused.code(), "invalid_template", "{refused}");
    assert!(refused.to_string().contains("body.2"), "{refused}");

    // When Ana sends it filled, twice under one client id (a lost answer tried again)
    let client_id = Uuid::now_v7();
    let filled = choice(&[("body.1", "Paula"), ("body.2", "amanhã")]);
    let sent = ana
        .send_whatsapp_template(chat, client_id, filled.clone())
        .await
        .expect("accepted after the window");
    let bodies = cached_bodies(&ana, chat).await;
    let again = ana
        .send_whatsapp_template(chat, client_id, filled)
        .await
        .expect("the same message");

    // Then the rendered text was cached before any event came, and only once
    assert_eq!(sent.body, "Olá Paula, seu pedido sai amanhã.");
    assert_eq!(sent.client_id, Some(client_id));
    assert!(
        bodies.contains(&sent.body),
        "cached when the call answered: {bodies:?}"
    );
    assert_eq!(again.id, sent.id);
    eventually("Meta's fake received the template", || async {
        graph
            .sent_whatsapp()
            .iter()
            .any(|m| m["type"] == "template" && m["template"]["name"] == "order_update")
    })
    .await;
    eventually("the stream's copy replaced nothing twice", || async {
        let bodies = cached_bodies(&ana, chat).await;
        bodies.iter().filter(|b| *b == &sent.body).count() == 1 && graph.sent_whatsapp().len() == 1
    })
    .await;
}

#[tokio::test]
async fn a_chat_started_by_sms_is_cached_at_once_owned_by_its_agent_and_not_duplicated() {
    let (server, _graph, twilio) = world().await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "102").await;
    let channels = ana.channels().await.expect("channels");
    assert!(
        channels
            .iter()
            .any(|c| c.id == "sms" && c.kind == switchboard_protocol::ChannelKind::Sms),
        "{channels:?}"
    );

    // When Ana writes to a number nobody has a chat with
    let request = |body: &str| StartConversationRequest {
        client_id: Uuid::now_v7(),
        channel_id: "sms".into(),
        contact_id: None,
        address: Some("+5511977776666".into()),
        body: Some(body.into()),
        template: None,
    };
    let started = ana
        .start_conversation(request("Olá! Seu pedido chegou."))
        .await
        .expect("started");

    // Then the chat and its first message are in her cache at once, and she owns it
    assert!(started.created);
    let cached = ana
        .conversation(started.conversation.id)
        .await
        .unwrap()
        .expect("cached when the call answered");
    assert_eq!(
        cached.owner.as_ref().map(|o| o.extension.as_str()),
        Some("102")
    );
    assert!(cached_bodies(&ana, started.conversation.id)
        .await
        .contains(&"Olá! Seu pedido chegou.".to_string()));
    twilio
        .wait_for_sms(1, std::time::Duration::from_secs(20))
        .await
        .expect("Twilio's fake sends it");

    // And a second start to the same number goes into that chat
    let second = ana
        .start_conversation(request("Esqueci: a nota fiscal vai junto."))
        .await
        .expect("written in the open chat");
    assert!(!second.created);
    assert_eq!(second.conversation.id, started.conversation.id);
    assert!(cached_bodies(&ana, started.conversation.id)
        .await
        .contains(&"Esqueci: a nota fiscal vai junto.".to_string()));
}

/// The SMS customer of the resend tests.
const CUSTOMER: &str = "+5511966665555";

/// The customer texts the SMS channel; Ana (101) has the chat in her cache.
async fn customer_texts_ana(server: &TestServer) -> (Client, Desktop, Uuid) {
    let chat = server
        .running()
        .engine
        .ingest(switchboard_server::engine::Inbound {
            channel_id: "sms".into(),
            display_name: CUSTOMER.into(),
            ..inbound(CUSTOMER, "Oi, meu pedido não chegou.", "SM0001")
        })
        .await
        .expect("ingested")
        .conversation_id;
    let desktop = Desktop::new();
    let ana = signed_in(server, &desktop, "101").await;
    eventually("the chat is cached", || async {
        ana.conversation(chat).await.unwrap().is_some()
    })
    .await;
    (ana, desktop, chat)
}

/// The cached message with this body, as the server numbered it (not the outbox's copy).
async fn cached_reply(client: &Client, chat: Uuid, body: &str) -> Option<Message> {
    let page = client.messages(chat, None, 100).await.ok()?;
    page.messages
        .into_iter()
        .find(|m| m.body == body && m.client_id != Some(m.id))
}

/// Ana's reply, once the server marked it failed (the stream's `message.status`).
async fn failed_reply(client: &Client, chat: Uuid, body: &str) -> Message {
    eventually(
        "the reply shows failed, with the provider's reason",
        || async {
            cached_reply(client, chat, body)
                .await
                .is_some_and(|m| m.status == MessageStatus::Failed && m.error.is_some())
        },
    )
    .await;
    cached_reply(client, chat, body).await.expect("cached")
}

#[tokio::test]
async fn a_reply_the_provider_refused_is_sent_again_and_delivered_once() {
    // Given Ana's reply that Twilio refused once (21211, invalid number: a permanent refusal)
    let (server, _graph, twilio) = world().await;
    twilio.fail_sms_times(CUSTOMER, TwilioFailure::InvalidTo, 1);
    let (ana, _desktop, chat) = customer_texts_ana(&server).await;
    let body = "Olá! Seu pedido sai hoje.";
    ana.send(chat, body, Vec::new()).await.expect("queued");
    let failed = failed_reply(&ana, chat, body).await;
    assert!(
        failed.error.as_deref().is_some_and(|e| e.contains("21211")),
        "the provider's reason in words: {failed:?}"
    );

    // When she sends it again
    let resent = ana.resend(failed.id).await.expect("queued again");

    // Then the server answers it pending, the cache no longer shows it failed, and Twilio's
    // fake accepts it once; the stream brings `sent`
    assert_eq!(resent.id, failed.id, "the same message, not a new one");
    assert_eq!(resent.status, MessageStatus::Pending);
    assert_eq!(resent.error, None);
    let now = cached_reply(&ana, chat, body).await.expect("cached");
    assert_ne!(
        now.status,
        MessageStatus::Failed,
        "shown pending (or already sent) when the call answers: {now:?}"
    );
    assert_eq!(now.error, None, "{now:?}");
    eventually("the stream says sent", || async {
        cached_reply(&ana, chat, body)
            .await
            .is_some_and(|m| m.status == MessageStatus::Sent)
    })
    .await;
    let accepted = twilio
        .sent_sms()
        .into_iter()
        .filter(|sms| sms.body == body)
        .count();
    assert_eq!(accepted, 1, "delivered once");
    let asked = twilio
        .sends()
        .into_iter()
        .filter(|send| send.body == body)
        .count();
    assert_eq!(asked, 2, "refused once, then accepted");
    assert_eq!(
        cached_bodies(&ana, chat)
            .await
            .iter()
            .filter(|b| *b == body)
            .count(),
        1,
        "one message in the chat"
    );

    // And a reply that was delivered is not sent again: the server's code, the cache unchanged
    let refused = ana.resend(failed.id).await.expect_err("not failed");
    assert_eq!(refused.code(), "not_resendable", "{refused}");
    assert_eq!(
        cached_reply(&ana, chat, body).await.map(|m| m.status),
        Some(MessageStatus::Sent)
    );
}

#[tokio::test]
async fn a_resend_the_channels_rules_refuse_stays_failed_with_its_reason() {
    // Given a reply Twilio refused because the customer unsubscribed (21610: opted out)
    let (server, _graph, twilio) = world().await;
    twilio.fail_sms_times(CUSTOMER, TwilioFailure::Unsubscribed, 1);
    let (ana, _desktop, chat) = customer_texts_ana(&server).await;
    let body = "Podemos ajudar em algo mais?";
    ana.send(chat, body, Vec::new()).await.expect("queued");
    let failed = failed_reply(&ana, chat, body).await;

    // When Ana sends it again
    let refused = ana.resend(failed.id).await.expect_err("opted out");

    // Then the server's code and sentence, the message failed with its own reason as before,
    // and nothing more reached Twilio
    assert_eq!(refused.code(), "opted_out", "{refused}");
    assert!(!refused.to_string().is_empty());
    let after = cached_reply(&ana, chat, body).await.expect("cached");
    assert_eq!(after.status, MessageStatus::Failed);
    assert_eq!(after.error, failed.error, "the provider's reason is kept");
    assert_eq!(
        twilio.sends().iter().filter(|s| s.body == body).count(),
        1,
        "not sent again"
    );
}
