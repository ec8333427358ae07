//! Reaching customers from the real app (#15), against the real server and the fake providers:
//! a WhatsApp chat whose 24-hour window has closed offers the business account's approved
//! templates instead of the reply box; the agent fills the variables and sends, Meta's fake
//! receives `type: template` with them, and the chat shows the rendered text — and a template
//! Meta no longer accepts is shown refused, in words. An agent starts an SMS chat from a
//! directory contact and the customer's answer arrives in it; asking again opens that chat
//! instead of a duplicate. A reply Twilio refused shows why with "Send again"; sent again, the
//! fake receives it once and the chat shows it sent. axe-core finds no WCAG 2.1 A/AA violation
//! on these screens.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use switchboard_desktop_e2e::{require_desktop, App, Desktop, Server, PASSWORD};
use switchboard_fakes::{
    MessageTemplate, TwilioFailure, WhatsAppBusiness, WhatsAppMessage, WhatsAppWebhook,
};

async fn signed_in(desktop: &Desktop, server: &Server, name: &str, user: &str) -> App {
    let app = desktop.app(name, &server.url()).await.expect("app starts");
    app.login(user, PASSWORD).await.expect("login form");
    app.wait_for("[data-testid=conversation-list]")
        .await
        .expect("signed in");
    app
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The WhatsApp sends the fake Graph API accepted whose `type` is `template`.
async fn templates_sent(server: &Server, count: usize) -> Vec<Value> {
    for _ in 0..300 {
        let sent: Vec<Value> = server
            .graph
            .sent_whatsapp()
            .into_iter()
            .filter(|m| m["type"] == "template")
            .collect();
        if sent.len() >= count {
            return sent;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the fake Graph API received fewer than {count} templates: {:?}",
        server.graph.sent_whatsapp()
    );
}

/// The values Meta receives for a component (`body`, `header`) of a template send.
fn parameters(sent: &Value, component: &str) -> Vec<String> {
    sent["template"]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| {
            c["type"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case(component))
        })
        .flat_map(|c| c["parameters"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p["text"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_whatsapp_window_closed_the_agent_sends_a_template_with_its_variables() {
    require_desktop!();
    let server = Server::start().await.expect("server");
    let graph = server.graph.options().clone();
    server.graph.add_template(MessageTemplate::approved(
        "order_update",
        "pt_BR",
        Some("Pedido {{1}}"),
        "Olá {{1}}, seu pedido sai {{2}}.",
    ));
    server.graph.add_template(MessageTemplate::approved(
        "hello_again",
        "en_US",
        None,
        "Hello, we have news about your order.",
    ));

    // The business account's number as a channel of its own, routed to Ana (101), with its
    // templates synced from Meta.
    let owner = server.api("100").await.unwrap();
    owner
        .post_json(
            "/admin/channels",
            json!({
                "id": "wa-tpl",
                "kind": "whatsapp",
                "route_extension": "101",
                "settings": {
                    "phone_number_id": graph.phone_number_id,
                    "waba_id": graph.waba_id,
                    "access_token": graph.whatsapp_access_token,
                    "app_secret": graph.app_secret,
                    "verify_token": "tpl-verify-token",
                    "api_base": server.graph.base_url(),
                },
            }),
        )
        .await
        .expect("the channel is added");
    let synced = owner
        .post_json("/channels/wa-tpl/whatsapp-templates/sync", json!({}))
        .await
        .expect("the templates sync");
    // The demo's own templates are the same business account's too.
    for name in ["order_update", "hello_again"] {
        assert!(
            synced["templates"]
                .as_array()
                .is_some_and(|all| all.iter().any(|t| t["name"] == name)),
            "{name}: {synced}"
        );
    }

    // Paula wrote 25 hours ago (Meta delivers the webhook late, with the message's own time).
    let business = WhatsAppBusiness::default();
    let body = WhatsAppWebhook::new(&business)
        .contact("5511955554444", "Paula Prado")
        .message(
            WhatsAppMessage::text("5511955554444", "Oi, alguma novidade do meu pedido?")
                .at(unix_now() - 25 * 3600),
        )
        .to_bytes();
    let answer = server
        .graph
        .webhook(format!("{}/webhooks/whatsapp/wa-tpl", server.url()))
        .send(&body)
        .await
        .unwrap();
    assert!(answer.is_success(), "webhook answered {}", answer.status);
    let ana_api = server.api("101").await.unwrap();
    let paula = ana_api
        .wait_for_conversation("Paula Prado")
        .await
        .expect("Ana has Paula's chat");
    let chat = ana_api
        .get(&format!("/conversations/{paula}"))
        .await
        .unwrap();
    let ends = chat["reply_window_ends_at"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    assert!(
        ends.is_some_and(|t| t < chrono::Utc::now()),
        "the window closed an hour ago: {chat}"
    );

    // The composer says so and offers the templates instead of the reply box.
    let desktop = Desktop::start().expect("desktop session");
    let ana = signed_in(&desktop, &server, "ana", "101").await;
    ana.open(&paula).await.unwrap();
    ana.wait_for("[data-testid=wa-template-choose]")
        .await
        .expect("Choose a template is offered");
    let note = ana.text("[data-testid=reply-window]").await.unwrap();
    assert!(
        note.contains("24-hour window closed") && note.contains("approved template"),
        "{note}"
    );
    assert_eq!(
        ana.js(
            "const box = document.querySelector('[data-testid=reply-box]'); return box.getClientRects().length;",
            vec![]
        )
        .await
        .unwrap(),
        json!(0),
        "no reply box for free text"
    );
    ana.assert_accessible("[data-testid=chat]", "the closed-window chat")
        .await;
    ana.screenshot("whatsapp-window-closed").await.unwrap();

    // Choose a template: the customer's language (+55: pt_BR) is pre-selected.
    ana.click("[data-testid=wa-template-choose]").await.unwrap();
    ana.wait_for("[data-testid=wa-template][data-name=order_update]")
        .await
        .expect("the approved templates are listed");
    assert_eq!(
        ana.js(
            "return document.querySelector('[data-testid=wa-template-language]').value;",
            vec![]
        )
        .await
        .unwrap(),
        json!("pt_BR")
    );
    ana.assert_accessible("[data-testid=wa-template-dialog]", "the template list")
        .await;
    ana.screenshot("whatsapp-template-list").await.unwrap();
    ana.click("[data-testid=wa-template][data-name=order_update]")
        .await
        .unwrap();
    ana.wait_for("[data-testid=wa-template-variable][data-key='header.1']")
        .await
        .expect("one field per variable");
    for (key, value) in [("header.1", "#4521"), ("body.1", "Paula")] {
        ana.set_value(
            &format!("[data-testid=wa-template-variable][data-key='{key}']"),
            value,
        )
        .await
        .unwrap();
    }
    ana.wait_js(
        "the live preview",
        "return document.querySelector('[data-testid=wa-template-preview]').textContent.includes('Olá Paula, seu pedido sai {{2}}.');",
        vec![],
    )
    .await
    .unwrap();
    // Sending with a variable left empty names it instead.
    ana.click("[data-testid=wa-template-send]").await.unwrap();
    ana.wait_js(
        "the missing variable named",
        "const e = document.querySelector('[data-testid=wa-template-error]'); return !e.hidden && e.textContent.includes('{{2}}');",
        vec![],
    )
    .await
    .unwrap();
    ana.assert_accessible("[data-testid=wa-template-dialog]", "the variable form")
        .await;
    ana.screenshot("whatsapp-template-variables").await.unwrap();
    ana.type_into(
        "[data-testid=wa-template-variable][data-key='body.2']",
        "amanhã",
    )
    .await
    .unwrap();
    ana.click("[data-testid=wa-template-send]").await.unwrap();

    // Meta's fake receives the template with its parameters; the chat shows the text.
    let sent = templates_sent(&server, 1).await;
    let order = &sent[0];
    assert_eq!(order["to"], "5511955554444", "{order}");
    assert_eq!(order["template"]["name"], "order_update", "{order}");
    assert_eq!(order["template"]["language"]["code"], "pt_BR", "{order}");
    assert_eq!(parameters(order, "header"), ["#4521"], "{order}");
    assert_eq!(parameters(order, "body"), ["Paula", "amanhã"], "{order}");
    ana.wait_js(
        "the rendered template in the chat",
        "return document.querySelector('[data-testid=message-list]').textContent.includes('Olá Paula, seu pedido sai amanhã.');",
        vec![],
    )
    .await
    .expect("the chat shows what the customer reads");
    ana.wait_js(
        "the template dialog to close",
        "return !document.querySelector('[data-testid=wa-template-dialog]');",
        vec![],
    )
    .await
    .unwrap();
    ana.screenshot("whatsapp-template-sent").await.unwrap();

    // A template Meta paused since the last sync: refused, and the chat says so in words.
    server
        .graph
        .set_template_status("hello_again", "en_US", "PAUSED");
    ana.click("[data-testid=wa-template-choose]").await.unwrap();
    ana.wait_for("[data-testid=wa-template-language]")
        .await
        .unwrap();
    ana.set_value("[data-testid=wa-template-language]", "")
        .await
        .unwrap();
    ana.click("[data-testid=wa-template][data-name=hello_again]")
        .await
        .unwrap();
    ana.click("[data-testid=wa-template-send]").await.unwrap();
    ana.wait_js(
        "Meta's refusal in words",
        "return [...document.querySelectorAll('[data-testid=failed-reason]')].some(e => e.textContent.includes('132001'));",
        vec![],
    )
    .await
    .expect("the refused template is shown as not sent, with the reason");
    ana.screenshot("whatsapp-template-refused").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_starts_an_sms_chat_from_a_contact_and_the_customers_answer_arrives_in_it() {
    require_desktop!();
    let server = Server::start().await.expect("server");
    let desktop = Desktop::start().expect("desktop session");
    let ana = signed_in(&desktop, &server, "ana", "101").await;

    // Emily Carter is in the directory with her phone number (the demo's contact).
    ana.type_into("[data-testid=search-box]", "Emily")
        .await
        .unwrap();
    ana.click("[data-testid=search-contact] [data-testid=search-start-sms]")
        .await
        .expect("Send SMS on the contact");
    ana.wait_for("[data-testid=start-dialog][data-kind=sms]")
        .await
        .expect("the new SMS dialog");
    ana.type_into(
        "[data-testid=start-message]",
        "Hi Emily, your replacement part has shipped.",
    )
    .await
    .unwrap();
    ana.assert_accessible("[data-testid=start-dialog]", "the new SMS dialog")
        .await;
    ana.screenshot("start-sms").await.unwrap();
    ana.click("[data-testid=start-send]").await.unwrap();

    // The chat opens at once with the text, and Twilio's fake sends it.
    ana.wait_js(
        "the started chat",
        "const list = document.querySelector('[data-testid=message-list]'); return !!list && list.offsetParent !== null && list.textContent.includes('your replacement part has shipped');",
        vec![],
    )
    .await
    .expect("the new chat is open");
    let sent = server
        .twilio
        .wait_for_sms(1, Duration::from_secs(20))
        .await
        .expect("Twilio's fake was asked to send");
    let sms = sent
        .iter()
        .find(|s| s.body.contains("replacement part"))
        .expect("the first message");
    assert_eq!(sms.to, "+14155550134", "{sms:?}");
    let api = server.api("101").await.unwrap();
    let list = api.get("/conversations?view=recent").await.unwrap();
    let started: Vec<&Value> = list["conversations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["channel"] == "sms" && c["contact"]["identity"]["value"] == "+14155550134")
        .collect();
    assert_eq!(started.len(), 1, "{list}");
    let chat = started[0];
    assert_eq!(
        chat["owner"]["extension"], "101",
        "Ana started it and owns it: {chat}"
    );
    let chat_id = chat["id"].as_str().unwrap().to_string();

    // Emily answers by SMS: it reaches the same chat.
    let params = server
        .twilio
        .inbound_sms(
            "+14155550134",
            switchboard_server::demo::DEMO_SMS_NUMBER,
            "Great, thanks for letting me know!",
        )
        .to_params();
    let answer = server
        .twilio
        .webhook(format!("{}/webhooks/sms/sms-main", server.url()))
        .send(&params)
        .await
        .unwrap();
    assert!(answer.is_success(), "webhook answered {}", answer.status);
    ana.wait_js(
        "Emily's answer in the open chat",
        "return document.querySelector('[data-testid=message-list]').textContent.includes('thanks for letting me know');",
        vec![],
    )
    .await
    .expect("the answer arrives in the started chat");
    ana.screenshot("start-sms-answered").await.unwrap();

    // From another chat, Send SMS on Emily again opens her chat rather than a second one.
    let joao = api
        .conversation_named("João Pereira", "recent")
        .await
        .unwrap();
    ana.open(&joao).await.unwrap();
    ana.set_value("[data-testid=search-box]", "Emily")
        .await
        .unwrap();
    ana.click("[data-testid=search-contact] [data-testid=search-start-sms]")
        .await
        .unwrap();
    ana.wait_js(
        "Emily's SMS chat to be the open one",
        "return document.querySelector('[data-testid=conversation-item].active')?.dataset.conversationId === arguments[0]
             && document.querySelector('[data-testid=message-list]').textContent.includes('thanks for letting me know');",
        vec![json!(chat_id)],
    )
    .await
    .expect("her open chat is shown");
    assert_eq!(
        ana.js(
            "return !!document.querySelector('[data-testid=start-dialog]');",
            vec![]
        )
        .await
        .unwrap(),
        json!(false),
        "no dialog for a customer whose chat is open"
    );
    let list = api.get("/conversations?view=recent").await.unwrap();
    let chats = list["conversations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["channel"] == "sms" && c["contact"]["identity"]["value"] == "+14155550134")
        .count();
    assert_eq!(chats, 1, "still one chat with Emily: {list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_twilio_refused_is_sent_again_from_the_chat_and_shows_sent() {
    require_desktop!();
    let server = Server::start().await.expect("server");
    // Twilio refuses the first message to the demo's waiting SMS customer (21211, a permanent
    // refusal the server does not retry), then accepts.
    let customer = "+14155550123";
    server
        .twilio
        .fail_sms_times(customer, TwilioFailure::InvalidTo, 1);
    let desktop = Desktop::start().expect("desktop session");
    let ana = signed_in(&desktop, &server, "ana", "101").await;
    let sms = server
        .api("101")
        .await
        .unwrap()
        .conversation_named(customer, "recent")
        .await
        .unwrap();
    ana.open(&sms).await.unwrap();
    let text = "Yes, your appointment on Friday at 3pm is confirmed.";
    ana.type_into("[data-testid=reply-box]", text)
        .await
        .unwrap();
    ana.click("[data-testid=send-button]").await.unwrap();

    // The chat says why it was not sent, and offers to send it again.
    let reply = "[...document.querySelectorAll('[data-testid=message]')].find(m => m.textContent.includes(arguments[0]))";
    ana.wait_js(
        "the refusal in words, with Send again",
        &format!(
            "const m = {reply}; return !!m && !!m.querySelector('[data-testid=send-again]')
                 && m.querySelector('[data-testid=failed-reason]').textContent.includes('21211');"
        ),
        vec![json!(text)],
    )
    .await
    .expect("the failed reply offers Send again");
    ana.assert_accessible("[data-testid=chat]", "a reply that was not sent")
        .await;
    ana.screenshot("send-again-offered").await.unwrap();

    // Sent again: Twilio's fake accepts it, once, and the chat shows it sent.
    ana.click("[data-testid=send-again]").await.unwrap();
    let mut accepted = 0;
    for _ in 0..300 {
        accepted = server
            .twilio
            .sent_sms()
            .iter()
            .filter(|s| s.body == text && s.to == customer)
            .count();
        if accepted > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(accepted, 1, "Twilio's fake accepts the reply sent again");
    ana.wait_js(
        "the reply shown sent",
        &format!(
            "const m = {reply}; return !!m && !!m.querySelector('[data-status=sent], [data-status=delivered], [data-status=read]')
                 && !m.querySelector('[data-testid=failed-reason]') && !m.querySelector('[data-testid=send-again]');"
        ),
        vec![json!(text)],
    )
    .await
    .expect("the chat shows the server's status");
    ana.screenshot("send-again-sent").await.unwrap();
    let asked = server
        .twilio
        .sends()
        .iter()
        .filter(|s| s.body == text)
        .count();
    assert_eq!(asked, 2, "refused once, accepted once: never sent twice");
}
