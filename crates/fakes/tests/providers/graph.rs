//! The fake Graph API answers WhatsApp and Messenger calls in Graph's own shapes.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_fakes::graph::GraphApi;
use switchboard_fakes::{FakeError, FakeGraph, GraphFailure, GraphOptions};

use crate::WAIT;

const PHONE_NUMBER_ID: &str = "106540352242922";

async fn graph() -> FakeGraph {
    FakeGraph::start(GraphOptions::default()).await.unwrap()
}

fn wa_token(graph: &FakeGraph) -> String {
    graph.options().whatsapp_access_token.clone()
}

async fn post_json(url: &str, token: Option<&str>, body: &Value) -> (u16, String) {
    let mut request = reqwest::Client::new().post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn text_to(to: &str) -> Value {
    json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
           "type": "text", "text": {"body": "Hello from Switchboard"}})
}

fn send_url(graph: &FakeGraph) -> String {
    format!("{}/{PHONE_NUMBER_ID}/messages", graph.base_url())
}

/// A form field: name, optional (filename, content type), value.
type Part<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a [u8]);

/// A multipart body as curl -F would send it, so the fake parses the real wire format.
fn multipart(fields: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "------------------------d74496d66958873e";
    let mut body = Vec::new();
    for (name, file, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some((filename, content_type)) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn whatsapp_text_send_is_answered_with_contacts_and_a_wamid() {
    // Given a running fake
    let graph = graph().await;
    // When the server sends a text to a number written with a plus sign
    let (status, body) = post_json(
        &send_url(&graph),
        Some(&wa_token(&graph)),
        &text_to("+16505551234"),
    )
    .await;
    // Then it gets Graph's success body, in Graph's key order, with the normalised wa_id
    assert_eq!(status, 200, "{body}");
    assert!(
        body.starts_with(r#"{"messaging_product":"whatsapp","contacts":[{"input":"+16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid."#),
        "the real API answers exactly this shape: {body}"
    );
    // And the request is recorded with the id that status webhooks will refer to
    assert_eq!(graph.sent_whatsapp(), vec![text_to("+16505551234")]);
    let call = &graph.calls()[0];
    let answered: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        call.message_id.as_deref(),
        answered["messages"][0]["id"].as_str()
    );
    assert_eq!(call.node, PHONE_NUMBER_ID);
}

#[tokio::test]
async fn whatsapp_send_with_a_wrong_or_missing_token_gets_graph_error_190() {
    let graph = graph().await;
    for token in [Some("not-the-token"), None] {
        // When the server presents a wrong token, or none
        let (status, body) = post_json(&send_url(&graph), token, &text_to("16505551234")).await;
        // Then Graph's OAuth error comes back and nothing counts as sent
        assert_eq!(status, 401);
        let error: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["error"]["code"], 190);
        assert_eq!(error["error"]["type"], "OAuthException");
        assert!(error["error"]["message"].is_string());
        assert!(error["error"]["fbtrace_id"].is_string());
    }
    assert!(
        graph.sent_whatsapp().is_empty(),
        "rejected calls are not sends"
    );
    assert_eq!(graph.calls().len(), 2, "but they are recorded as calls");
}

#[tokio::test]
async fn whatsapp_send_outside_the_24_hour_window_gets_error_131047() {
    // Given a customer whose last message is more than 24 hours old
    let graph = graph().await;
    graph.fail_whatsapp("16505551234", GraphFailure::OutsideWindow);
    // When the server sends free-form text to them (with or without the plus sign)
    let (status, body) = post_json(
        &send_url(&graph),
        Some(&wa_token(&graph)),
        &text_to("+16505551234"),
    )
    .await;
    // Then Graph answers 400 with the re-engagement error and its details
    assert_eq!(status, 400);
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"]["code"], 131_047);
    assert_eq!(
        error["error"]["error_data"]["messaging_product"],
        "whatsapp"
    );
    assert!(error["error"]["error_data"]["details"]
        .as_str()
        .unwrap()
        .contains("24 hours"));
    assert!(
        error["error"].get("is_transient").is_none(),
        "retrying cannot help"
    );
    assert!(graph.sent_whatsapp().is_empty());
}

#[tokio::test]
async fn transient_failures_clear_after_the_scripted_number_of_attempts() {
    // Given WhatsApp is briefly unavailable for one recipient
    let graph = graph().await;
    graph.fail_whatsapp_times("16505551234", GraphFailure::Transient { status: 503 }, 1);
    let token = wa_token(&graph);
    // When the server sends, then retries
    let (first, body) = post_json(&send_url(&graph), Some(&token), &text_to("16505551234")).await;
    let (second, _) = post_json(&send_url(&graph), Some(&token), &text_to("16505551234")).await;
    // Then the first attempt is a transient error and the retry succeeds
    assert_eq!(first, 503);
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"]["is_transient"], true);
    assert_eq!(second, 200);
    assert_eq!(graph.sent_whatsapp().len(), 1);
    // And a 500 outage answers "something went wrong"
    graph.fail_whatsapp("16505550000", GraphFailure::Transient { status: 500 });
    let (status, body) = post_json(&send_url(&graph), Some(&token), &text_to("16505550000")).await;
    assert_eq!(status, 500);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["error"]["code"],
        131_000
    );
}

#[tokio::test]
async fn whatsapp_send_without_messaging_product_or_text_is_rejected_with_code_100() {
    let graph = graph().await;
    let token = wa_token(&graph);
    let cases = [
        json!({"to": "16505551234", "type": "text", "text": {"body": "hi"}}),
        json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": "hi"}}),
        json!({"messaging_product": "whatsapp", "to": "1", "type": "text", "text": {}}),
        json!({"messaging_product": "whatsapp", "to": "1", "type": "image", "image": {}}),
        json!({"messaging_product": "whatsapp", "to": "1", "type": "hologram"}),
    ];
    for case in cases {
        let (status, body) = post_json(&send_url(&graph), Some(&token), &case).await;
        assert_eq!(status, 400, "{case} must be rejected");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["error"]["code"], 100, "{case}: {body}");
    }
    assert!(graph.sent_whatsapp().is_empty());
}

#[tokio::test]
async fn whatsapp_read_receipts_succeed_and_are_not_counted_as_sends() {
    let graph = graph().await;
    let body = json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"});
    let (status, answer) = post_json(&send_url(&graph), Some(&wa_token(&graph)), &body).await;
    assert_eq!((status, answer.as_str()), (200, r#"{"success":true}"#));
    assert!(graph.sent_whatsapp().is_empty());
    assert_eq!(graph.calls()[0].api, GraphApi::WhatsAppMarkRead);
}

#[tokio::test]
async fn uploaded_media_resolves_to_a_url_that_needs_the_token() {
    let graph = graph().await;
    let token = wa_token(&graph);
    let client = reqwest::Client::new();
    // When the server uploads an image as multipart
    let png = b"\x89PNG fake image bytes";
    let (content_type, body) = multipart(&[
        ("messaging_product", None, b"whatsapp"),
        ("type", None, b"image/png"),
        ("file", Some(("pixel.png", "image/png")), png),
    ]);
    let response = client
        .post(format!("{}/{PHONE_NUMBER_ID}/media", graph.base_url()))
        .bearer_auth(&token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    // Then it gets a media id
    assert_eq!(response.status(), 200);
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let uploaded = graph.uploaded_media();
    assert_eq!(uploaded.len(), 1);
    assert_eq!(uploaded[0].bytes, png);
    assert_eq!(uploaded[0].uploaded_via.as_deref(), Some(PHONE_NUMBER_ID));
    // And the id resolves to the media object, in Graph's key order
    let response = client
        .get(format!("{}/{id}", graph.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(
        text.starts_with(r#"{"messaging_product":"whatsapp","url":""#),
        "{text}"
    );
    let object: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(object["mime_type"], "image/png");
    assert_eq!(object["file_size"], png.len());
    assert_eq!(object["id"], id.as_str());
    assert_eq!(object["sha256"].as_str().unwrap().len(), 64, "hex SHA-256");
    // And the URL serves the bytes only with the bearer token
    let url = object["url"].as_str().unwrap();
    let anonymous = client.get(url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let download = client.get(url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "image/png");
    assert_eq!(download.bytes().await.unwrap().as_ref(), png);
}

#[tokio::test]
async fn media_uploads_of_unsupported_types_are_rejected() {
    let graph = graph().await;
    let (content_type, body) = multipart(&[
        ("messaging_product", None, b"whatsapp"),
        ("type", None, b"application/zip"),
        ("file", Some(("a.zip", "application/zip")), b"PK"),
    ]);
    let response = reqwest::Client::new()
        .post(format!("{}/{PHONE_NUMBER_ID}/media", graph.base_url()))
        .bearer_auth(wa_token(&graph))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], 100);
    assert!(graph.uploaded_media().is_empty());
}

#[tokio::test]
async fn media_urls_expire_after_the_configured_ttl() {
    // Given media URLs that live one second
    let graph = FakeGraph::start(GraphOptions {
        media_url_ttl: Duration::from_secs(1),
        ..GraphOptions::default()
    })
    .await
    .unwrap();
    let token = wa_token(&graph);
    let id = graph.add_media(b"inbound photo", "image/jpeg");
    let client = reqwest::Client::new();
    let resolve = || async {
        let object: Value = client
            .get(format!("{}/{id}", graph.base_url()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        object["url"].as_str().unwrap().to_owned()
    };
    let url = resolve().await;
    assert_eq!(
        client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "fresh URLs work"
    );
    // When the TTL passes
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Then the URL answers 404 in Graph's error shape
    let expired = client.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(expired.status(), 404);
    let error: Value = expired.json().await.unwrap();
    assert!(error["error"]["message"].is_string());
    assert!(error["error"]["fbtrace_id"].is_string());
    // And resolving the media id again yields a fresh, working URL
    let fresh = resolve().await;
    assert_ne!(fresh, url);
    assert_eq!(
        client
            .get(&fresh)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // And expire_media_urls ends it at once
    graph.expire_media_urls();
    assert_eq!(
        client
            .get(&fresh)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn deleted_media_no_longer_resolves() {
    let graph = graph().await;
    let token = wa_token(&graph);
    let id = graph.add_media(b"x", "image/jpeg");
    let client = reqwest::Client::new();
    let url = format!("{}/{id}", graph.base_url());
    let deleted = client
        .delete(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.text().await.unwrap(), r#"{"success":true}"#);
    let gone = client.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(gone.status(), 400);
    let error: Value = gone.json().await.unwrap();
    assert_eq!(
        (
            error["error"]["code"].clone(),
            error["error"]["error_subcode"].clone()
        ),
        (json!(100), json!(33))
    );
}

#[tokio::test]
async fn messenger_send_api_answers_recipient_and_message_ids() {
    let graph = graph().await;
    let token = graph.options().page_access_token.clone();
    let body = json!({"recipient": {"id": "1254477777772919"}, "messaging_type": "RESPONSE",
                      "message": {"text": "hello, world!"}});
    // When the server sends with ?access_token= (the documented way)
    let (status, answer) = post_json(
        &format!("{}/me/messages?access_token={token}", graph.base_url()),
        None,
        &body,
    )
    .await;
    // Then it gets recipient_id and an m_ message id
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer.starts_with(r#"{"recipient_id":"1254477777772919","message_id":"m_"#),
        "{answer}"
    );
    // And a bearer token works as well
    let (status, _) = post_json(
        &format!("{}/me/messages", graph.base_url()),
        Some(&token),
        &body,
    )
    .await;
    assert_eq!(status, 200);
    // And the requests are recorded with their messaging_type
    let sent = graph.wait_for_messenger(2, WAIT).await.unwrap();
    assert!(sent.iter().all(|s| s["messaging_type"] == "RESPONSE"));
}

#[tokio::test]
async fn messenger_send_without_a_valid_messaging_type_is_rejected() {
    let graph = graph().await;
    let url = format!(
        "{}/me/messages?access_token={}",
        graph.base_url(),
        graph.options().page_access_token
    );
    for body in [
        json!({"recipient": {"id": "1"}, "message": {"text": "hi"}}),
        json!({"recipient": {"id": "1"}, "messaging_type": "PROMOTION", "message": {"text": "hi"}}),
        json!({"recipient": {"id": "1"}, "messaging_type": "MESSAGE_TAG", "message": {"text": "hi"}}),
    ] {
        let (status, answer) = post_json(&url, None, &body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(
            serde_json::from_str::<Value>(&answer).unwrap()["error"]["code"],
            100
        );
    }
    assert!(graph.sent_messenger().is_empty());
}

#[tokio::test]
async fn messenger_attachment_sends_record_the_payload_url() {
    let graph = graph().await;
    let body = json!({"recipient": {"id": "1254477777772919"}, "messaging_type": "RESPONSE",
        "message": {"attachment": {"type": "image",
            "payload": {"url": "https://switchboard.example/a/1.png", "is_reusable": true}}}});
    let (status, answer) = post_json(
        &format!("{}/me/messages", graph.base_url()),
        Some(&graph.options().page_access_token.clone()),
        &body,
    )
    .await;
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert!(
        answer["attachment_id"].is_string(),
        "reusable attachments get an id"
    );
    assert_eq!(
        graph.sent_messenger()[0]["message"]["attachment"]["payload"]["url"],
        "https://switchboard.example/a/1.png"
    );
}

#[tokio::test]
async fn messenger_send_outside_the_window_gets_error_10_with_subcode_2018278() {
    let graph = graph().await;
    graph.fail_messenger("1254477777772919", GraphFailure::OutsideWindow);
    let body = json!({"recipient": {"id": "1254477777772919"}, "messaging_type": "RESPONSE",
                      "message": {"text": "late reply"}});
    let (status, answer) = post_json(
        &format!("{}/me/messages", graph.base_url()),
        Some(&graph.options().page_access_token.clone()),
        &body,
    )
    .await;
    assert_eq!(status, 400);
    let error: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(error["error"]["code"], 10);
    assert_eq!(error["error"]["error_subcode"], 2_018_278);
}

#[tokio::test]
async fn user_profile_returns_the_requested_fields_from_the_table() {
    let graph = graph().await;
    graph.set_profile("1254477777772919", "Peter", "Chang");
    let token = graph.options().page_access_token.clone();
    let client = reqwest::Client::new();
    // When the server asks for the profile fields of a known PSID
    let response = client
        .get(format!(
            "{}/1254477777772919?fields=first_name,last_name,profile_pic&access_token={token}",
            graph.base_url()
        ))
        .send()
        .await
        .unwrap();
    // Then the fields come back in the requested order, followed by the id
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(
        text.starts_with(r#"{"first_name":"Peter","last_name":"Chang","profile_pic":"http"#),
        "{text}"
    );
    assert!(text.ends_with(r#","id":"1254477777772919"}"#), "{text}");
    // And the picture is a real image
    let profile: Value = serde_json::from_str(&text).unwrap();
    let picture = client
        .get(profile["profile_pic"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(picture.headers()["content-type"], "image/png");
    // And an unknown PSID is Graph's "object does not exist" error
    let unknown = client
        .get(format!(
            "{}/999?fields=first_name&access_token={token}",
            graph.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
    assert_eq!(
        unknown.json::<Value>().await.unwrap()["error"]["error_subcode"],
        33
    );
}

#[tokio::test]
async fn messenger_attachment_urls_need_no_token_but_expire() {
    let graph = graph().await;
    let url = graph.add_attachment(b"GIF89a", "image/gif");
    let fetched = switchboard_fakes::webhook::fetch(&url).await.unwrap();
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.bytes, b"GIF89a");
    graph.expire_media_urls();
    let expired = switchboard_fakes::webhook::fetch(&url).await.unwrap();
    assert_eq!(expired.status, 403, "fbcdn refuses expired signed URLs");
}

#[tokio::test]
async fn waiting_for_sends_returns_once_they_arrive_and_times_out_otherwise() {
    let graph = graph().await;
    // Nothing sent: the wait ends with a timeout error naming what was awaited
    let error = graph
        .wait_for_whatsapp(1, Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(matches!(error, FakeError::Timeout { .. }), "{error}");
    // A send arriving while waiting ends the wait
    let url = send_url(&graph);
    let token = wa_token(&graph);
    let sender = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        post_json(&url, Some(&token), &text_to("16505551234")).await
    });
    let sent = graph.wait_for_whatsapp(1, WAIT).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sender.await.unwrap().0, 200);
}

async fn get_node(graph: &FakeGraph, node: &str, fields: &str, token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}/{node}?fields={fields}", graph.base_url()))
        .bearer_auth(token)
        .timeout(WAIT)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn the_business_number_and_page_answer_their_own_token_as_graph_does() {
    let graph = graph().await;
    let options = graph.options().clone();
    // The number, with the WhatsApp token: the fields asked for, in that order, then the id.
    let (status, number) = get_node(
        &graph,
        &options.phone_number_id,
        "display_phone_number,verified_name",
        &options.whatsapp_access_token,
    )
    .await;
    assert_eq!(status, 200, "{number}");
    assert_eq!(
        number.to_string(),
        json!({"display_phone_number": "+1 555-078-3881", "verified_name": "Switchboard Demo",
               "id": options.phone_number_id})
        .to_string()
    );
    // The page, with the page token.
    let (status, page) =
        get_node(&graph, &options.page_id, "name", &options.page_access_token).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["name"], "Switchboard Demo");
    // Another token cannot see the number (100/33), a wrong one is 190, an unknown field 100.
    let (status, error) = get_node(
        &graph,
        &options.phone_number_id,
        "verified_name",
        &options.page_access_token,
    )
    .await;
    assert_eq!((status, error["error"]["code"].as_i64()), (400, Some(100)));
    assert_eq!(error["error"]["error_subcode"], 33);
    let (status, error) =
        get_node(&graph, &options.phone_number_id, "verified_name", "EAAG-no").await;
    assert_eq!((status, error["error"]["code"].as_i64()), (401, Some(190)));
    let (status, error) = get_node(
        &graph,
        &options.phone_number_id,
        "verified_name,colour",
        &options.whatsapp_access_token,
    )
    .await;
    assert_eq!(status, 400);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("nonexisting field (colour) on node type (WhatsAppBusinessPhoneNumber)"));
}

fn unix_seconds_ago(hours: u64) -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    now - hours * 3600
}

/// The customer writes (through the fake's own webhook sender, as Meta would deliver it).
async fn customer_wrote(graph: &FakeGraph, body: Vec<u8>) {
    let receiver = crate::receiver::Receiver::start().await;
    let hook = graph.webhook(receiver.url("/webhooks/meta"));
    hook.send(&body).await.unwrap();
}

#[tokio::test]
async fn whatsapp_holds_free_text_to_the_24_hour_window_of_what_the_customer_wrote() {
    use switchboard_fakes::{MessageTemplate, WhatsAppBusiness, WhatsAppMessage, WhatsAppWebhook};
    let graph = graph().await;
    graph.add_template(MessageTemplate::approved(
        "hello_again",
        "en_US",
        None,
        "Hello {{1}}, we have news about your order.",
    ));
    let business = WhatsAppBusiness::default();
    // A customer who last wrote 25 hours ago
    let old = WhatsAppWebhook::new(&business)
        .message(WhatsAppMessage::text("16505551234", "hi").at(unix_seconds_ago(25)))
        .to_bytes();
    customer_wrote(&graph, old).await;
    let (status, body) = post_json(
        &send_url(&graph),
        Some(&wa_token(&graph)),
        &text_to("+16505551234"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"]["code"], 131_047);
    // A template still goes out
    let template = json!({"messaging_product": "whatsapp", "to": "16505551234", "type": "template",
        "template": {"name": "hello_again", "language": {"code": "en_US"},
                     "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]}});
    let (status, body) = post_json(&send_url(&graph), Some(&wa_token(&graph)), &template).await;
    assert_eq!(status, 200, "{body}");
    // The customer writes again: the window opens
    let fresh = WhatsAppWebhook::new(&business)
        .message(WhatsAppMessage::text("16505551234", "ok").at(unix_seconds_ago(0)))
        .to_bytes();
    customer_wrote(&graph, fresh).await;
    let (status, body) = post_json(
        &send_url(&graph),
        Some(&wa_token(&graph)),
        &text_to("16505551234"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // A customer the fake never saw write is not held to a window
    let (status, _) = post_json(
        &send_url(&graph),
        Some(&wa_token(&graph)),
        &text_to("16505550000"),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn messenger_answers_after_24_hours_only_with_the_human_agent_tag_and_within_7_days() {
    use switchboard_fakes::MessengerEvent;
    let graph = graph().await;
    let page = graph.options().page_id.clone();
    let send = |psid: &str, tag: Option<&str>| {
        let mut body = json!({"recipient": {"id": psid}, "messaging_type": "RESPONSE",
                              "message": {"text": "Following up"}});
        if let Some(tag) = tag {
            body["messaging_type"] = json!("MESSAGE_TAG");
            body["tag"] = json!(tag);
        }
        body
    };
    let url = format!("{}/me/messages", graph.base_url());
    let token = graph.options().page_access_token.clone();
    for (psid, hours) in [("111", 30), ("222", 24 * 8)] {
        let event = MessengerEvent::text(psid, "hello").at(unix_seconds_ago(hours) * 1000);
        customer_wrote(&graph, event.to_webhook(&page)).await;
    }
    // 30 hours: a plain answer is refused, the HUMAN_AGENT tag is accepted, another tag is not
    let (status, answer) = post_json(&url, Some(&token), &send("111", None)).await;
    assert_eq!(status, 400, "{answer}");
    let error: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(error["error"]["error_subcode"], 2_018_278);
    let (status, answer) = post_json(&url, Some(&token), &send("111", Some("HUMAN_AGENT"))).await;
    assert_eq!(status, 200, "{answer}");
    let (status, _) = post_json(&url, Some(&token), &send("111", Some("ACCOUNT_UPDATE"))).await;
    assert_eq!(status, 400);
    // 8 days: even the tag is past its window
    let (status, _) = post_json(&url, Some(&token), &send("222", Some("HUMAN_AGENT"))).await;
    assert_eq!(status, 400);
}
