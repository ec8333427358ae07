//! Webhooks arrive at a receiver byte for byte, signed the way the providers sign them, and
//! with the providers' delivery quirks when asked.

use serde_json::json;
use switchboard_fakes::delivery::{duplicated, reversed, without_delivered};
use switchboard_fakes::graph::GraphApi;
use switchboard_fakes::{
    FakeGraph, FakeTwilio, GraphOptions, MessengerEvent, MessengerWebhook, MetaWebhook,
    TwilioOptions, TwilioStatus, TwilioStatusCallback, TwilioWebhook, WhatsAppBusiness,
    WhatsAppMessage, WhatsAppStatus, WhatsAppStatusKind, WhatsAppWebhook,
};

use crate::receiver::{Receiver, APP_SECRET, AUTH_TOKEN, VERIFY_TOKEN};
use crate::WAIT;

fn graph_options() -> GraphOptions {
    GraphOptions {
        app_secret: APP_SECRET.to_owned(),
        ..GraphOptions::default()
    }
}

fn twilio_options() -> TwilioOptions {
    TwilioOptions {
        auth_token: AUTH_TOKEN.to_owned(),
        ..TwilioOptions::default()
    }
}

#[tokio::test]
async fn meta_webhooks_arrive_byte_for_byte_with_valid_signatures() {
    let receiver = Receiver::start().await;
    let hook = MetaWebhook::new(receiver.url("/webhooks/whatsapp/wa-main"), APP_SECRET);
    // Given a body with formatting a re-serialiser would change
    let body = b"{\n\t\"object\": \"whatsapp_business_account\",\n\t\"entry\": []\n}";
    // When it is delivered
    let response = hook.send(body).await.unwrap();
    // Then the receiver gets exactly those bytes, with both signature headers valid
    assert_eq!(response.status, 200);
    let received = receiver.received();
    assert_eq!(received[0].body, body);
    assert!(
        received[0].signature_ok,
        "X-Hub-Signature-256 and X-Hub-Signature verify"
    );
    assert_eq!(received[0].headers["content-type"], "application/json");
}

#[tokio::test]
async fn the_published_meta_test_vector_is_what_the_sender_puts_on_the_wire() {
    let receiver = Receiver::start().await;
    let hook = MetaWebhook::new(receiver.url("/webhooks/whatsapp/wa-main"), "app_secret");
    hook.send(br#"{"object":"whatsapp_business_account","entry":[]}"#)
        .await
        .unwrap();
    assert_eq!(
        receiver.received()[0].headers["x-hub-signature-256"],
        "sha256=c236c758c9b2bd40b388a550eeca09eaca72384dd0aa5e7c31d19cddac5bba46"
    );
}

#[tokio::test]
async fn a_wrong_or_missing_signature_is_refused_by_a_verifying_receiver() {
    let receiver = Receiver::start().await;
    let hook = MetaWebhook::new(receiver.url("/webhooks/facebook/fb-main"), APP_SECRET);
    let body = MessengerWebhook::text("PAGE", "USER", "hi");
    let forged = hook
        .send_with_signature(&body, Some("sha256=00"))
        .await
        .unwrap();
    let unsigned = hook.send_with_signature(&body, None).await.unwrap();
    assert_eq!((forged.status, unsigned.status), (401, 401));
    let wrong_secret = MetaWebhook::new(hook.target(), "not-the-secret")
        .send(&body)
        .await
        .unwrap();
    assert_eq!(wrong_secret.status, 401);
}

#[tokio::test]
async fn the_verification_handshake_returns_the_challenge_only_for_the_right_token() {
    let receiver = Receiver::start().await;
    let hook = MetaWebhook::new(receiver.url("/webhooks/whatsapp/wa-main"), APP_SECRET);
    let accepted = hook.verify(VERIFY_TOKEN, "1158201444").await.unwrap();
    assert_eq!(
        (accepted.status, accepted.body.as_str()),
        (200, "1158201444")
    );
    let refused = hook.verify("wrong", "1158201444").await.unwrap();
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn duplicate_deliveries_carry_identical_bytes() {
    let receiver = Receiver::start().await;
    let graph = FakeGraph::start(graph_options()).await.unwrap();
    let hook = graph.webhook(receiver.url("/webhooks/whatsapp/wa-main"));
    let body = WhatsAppWebhook::text(
        &WhatsAppBusiness::default(),
        "16505551234",
        "Sheena Nelson",
        "Hi",
    );
    let (first, second) = hook.send_twice(&body).await.unwrap();
    assert!(first.is_success() && second.is_success());
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].body, received[1].body,
        "a redelivery is the same event"
    );
    let message = &received[0].json()["entry"][0]["changes"][0]["value"];
    assert_eq!(message["contacts"][0]["profile"]["name"], "Sheena Nelson");
    assert_eq!(
        message["messages"][0]["timestamp"].as_str().map(str::len),
        Some(10)
    );
}

#[tokio::test]
async fn whatsapp_statuses_can_arrive_reversed_and_without_delivered() {
    // Given the server sent a message through the fake
    let receiver = Receiver::start().await;
    let graph = FakeGraph::start(graph_options()).await.unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/106540352242922/messages", graph.base_url()))
        .bearer_auth(&graph.options().whatsapp_access_token)
        .json(
            &json!({"messaging_product": "whatsapp", "to": "16505551234", "type": "text",
                      "text": {"body": "Your order shipped"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let wamid = graph
        .wait_for_calls(GraphApi::WhatsAppMessage, 1, WAIT)
        .await
        .unwrap()[0]
        .message_id
        .clone()
        .unwrap();
    // When WhatsApp reports read before sent and never reports delivered
    let statuses = reversed(without_delivered(WhatsAppStatus::progression(
        &wamid,
        "16505551234",
        WhatsAppStatusKind::Read,
    )));
    let business = WhatsAppBusiness::default();
    let hook = graph.webhook(receiver.url("/webhooks/whatsapp/wa-main"));
    hook.send_all(statuses.iter().map(|s| s.to_webhook(&business)))
        .await
        .unwrap();
    // Then the receiver sees read, then sent, for the wamid the send returned
    let seen: Vec<(String, String)> = receiver
        .received()
        .iter()
        .map(|r| {
            let status = &r.json()["entry"][0]["changes"][0]["value"]["statuses"][0];
            (
                status["status"].as_str().unwrap().to_owned(),
                status["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("read".to_owned(), wamid.clone()),
            ("sent".to_owned(), wamid)
        ]
    );
    assert!(receiver.received().iter().all(|r| r.signature_ok));
}

#[tokio::test]
async fn inbound_whatsapp_image_refers_to_media_the_server_can_download() {
    let receiver = Receiver::start().await;
    let graph = FakeGraph::start(graph_options()).await.unwrap();
    let id = graph.add_media(b"photo", "image/jpeg");
    let media = graph.media(&id).unwrap().media;
    let body = WhatsAppWebhook::new(&WhatsAppBusiness::default())
        .contact("16505551234", "Sheena Nelson")
        .message(WhatsAppMessage::image(
            "16505551234",
            media,
            Some("Taj Mahal"),
        ))
        .to_bytes();
    graph
        .webhook(receiver.url("/webhooks/whatsapp/wa-main"))
        .send(&body)
        .await
        .unwrap();
    let image = receiver.received()[0].json()["entry"][0]["changes"][0]["value"]["messages"][0]
        ["image"]
        .clone();
    assert_eq!(image["id"], id.as_str());
    assert_eq!(image["mime_type"], "image/jpeg");
}

#[tokio::test]
async fn messenger_image_and_receipts_arrive_as_separate_entries() {
    let receiver = Receiver::start().await;
    let graph = FakeGraph::start(graph_options()).await.unwrap();
    let page = graph.options().page_id.clone();
    let url = graph.add_attachment(b"png", "image/png");
    let body = MessengerWebhook::new(&page)
        .event(MessengerEvent::image("USER", &url))
        .event(MessengerEvent::delivery(
            "USER",
            vec!["m_1".to_owned()],
            1_700_000_000_000,
        ))
        .event(MessengerEvent::read("USER", 1_700_000_000_000))
        .to_bytes();
    graph
        .webhook(receiver.url("/webhooks/facebook/fb-main"))
        .send(&body)
        .await
        .unwrap();
    let json = receiver.received()[0].json();
    let entries = json["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    let attachment = &entries[0]["messaging"][0]["message"]["attachments"][0];
    assert_eq!(attachment["type"], "image");
    let fetched = switchboard_fakes::webhook::fetch(attachment["payload"]["url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(fetched.bytes, b"png");
    assert_eq!(entries[1]["messaging"][0]["delivery"]["mids"][0], "m_1");
    assert_eq!(
        entries[2]["messaging"][0]["read"]["watermark"],
        1_700_000_000_000u64
    );
}

#[tokio::test]
async fn twilio_inbound_sms_is_form_encoded_and_signed_over_the_public_url() {
    let receiver = Receiver::start().await;
    let twilio = FakeTwilio::start(twilio_options()).await.unwrap();
    let inbound = twilio.inbound_sms("+16505558893", "+16505551366", "hi there, 2+3=4");
    let response = twilio
        .webhook(receiver.url("/webhooks/sms/sms-main"))
        .send(&inbound.to_params())
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body, "<Response/>");
    let received = &receiver.received()[0];
    assert!(received.signature_ok);
    assert!(
        String::from_utf8_lossy(&received.body).contains("Body=hi+there%2C+2%2B3%3D4"),
        "spaces as + and plus as %2B, as Twilio encodes"
    );
    assert_eq!(
        received.form(),
        inbound.to_params(),
        "fields arrive in wire order"
    );
    assert_eq!(
        received.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
}

#[tokio::test]
async fn twilio_signatures_cover_the_configured_url_not_the_socket_address() {
    let receiver = Receiver::start().await;
    let params = vec![("MessageSid".to_owned(), "SM1".to_owned())];
    // Signed over another public URL: the receiver (public URL = its own address) refuses it
    let behind_proxy = TwilioWebhook::new(receiver.url("/webhooks/sms/sms-main"), AUTH_TOKEN)
        .signing_url("https://switchboard.example/webhooks/sms/sms-main");
    assert_eq!(behind_proxy.send(&params).await.unwrap().status, 401);
    // Signed over its own public URL: accepted
    let direct = TwilioWebhook::new(receiver.url("/webhooks/sms/sms-main"), AUTH_TOKEN);
    assert_eq!(direct.send(&params).await.unwrap().status, 200);
}

#[tokio::test]
async fn twilio_mms_points_at_media_behind_basic_auth() {
    let receiver = Receiver::start().await;
    let twilio = FakeTwilio::start(twilio_options()).await.unwrap();
    let inbound = twilio.inbound_mms(
        "+19165550160",
        "+18445550130",
        "Multiple images and text",
        &[
            (b"a".as_slice(), "image/jpeg"),
            (b"b".as_slice(), "image/png"),
        ],
    );
    twilio
        .webhook(receiver.url("/webhooks/sms/sms-main"))
        .send(&inbound.to_params())
        .await
        .unwrap();
    let form = receiver.received()[0].form();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    assert_eq!(field("NumMedia").as_deref(), Some("2"));
    assert_eq!(field("MediaContentType1").as_deref(), Some("image/png"));
    let url = field("MediaUrl1").unwrap();
    assert_eq!(
        reqwest::get(&url).await.unwrap().status(),
        401,
        "media needs auth"
    );
    let media = reqwest::Client::new()
        .get(&url)
        .basic_auth(&twilio.options().account_sid, Some(AUTH_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(media.bytes().await.unwrap().as_ref(), b"b");
}

#[tokio::test]
async fn twilio_status_callbacks_go_to_the_status_callback_url_duplicated_and_reordered() {
    // Given the server sent an SMS naming its status callback URL
    let receiver = Receiver::start().await;
    let twilio = FakeTwilio::start(twilio_options()).await.unwrap();
    let callback_url = receiver.url("/webhooks/sms/sms-main/status");
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("To", "+16505551234"),
            ("From", "+18445550130"),
            ("Body", "Your order shipped"),
            ("StatusCallback", callback_url.as_str()),
        ])
        .finish();
    let created = reqwest::Client::new()
        .post(format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            twilio.base_url(),
            twilio.options().account_sid
        ))
        .basic_auth(&twilio.options().account_sid, Some(AUTH_TOKEN))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let send = twilio.wait_for_sms(1, WAIT).await.unwrap().remove(0);
    // When Twilio reports delivered first, every callback twice, and queued/sent late
    let callbacks = duplicated(reversed(TwilioStatusCallback::progression(
        &send,
        TwilioStatus::Delivered,
    )));
    let hook = twilio.status_webhook(&send).unwrap();
    let responses = hook
        .send_all(callbacks.iter().map(TwilioStatusCallback::to_params))
        .await
        .unwrap();
    // Then all six arrive at the callback URL, signed over it, in that order
    assert!(responses.iter().all(|r| r.status == 200));
    let statuses: Vec<String> = receiver
        .received()
        .iter()
        .inspect(|r| assert!(r.signature_ok && r.path == "/webhooks/sms/sms-main/status"))
        .map(|r| {
            let form = r.form();
            assert!(form.contains(&("MessageSid".to_owned(), send.sid.clone().unwrap())));
            form.into_iter()
                .find(|(k, _)| k == "MessageStatus")
                .unwrap()
                .1
        })
        .collect();
    assert_eq!(
        statuses,
        ["delivered", "delivered", "sent", "sent", "queued", "queued"]
    );
}

#[tokio::test]
async fn twilio_failed_callbacks_carry_their_error_code() {
    let receiver = Receiver::start().await;
    let twilio = FakeTwilio::start(twilio_options()).await.unwrap();
    let hook = twilio.webhook(receiver.url("/webhooks/sms/sms-main/status"));
    let send = switchboard_fakes::TwilioSend {
        account_sid: twilio.options().account_sid.clone(),
        sid: Some("SMe287d7109a5a925f182f0e07fe5b223b".to_owned()),
        to: "+12028831111".to_owned(),
        from: Some("+18445550130".to_owned()),
        messaging_service_sid: None,
        body: "hi".to_owned(),
        media_urls: Vec::new(),
        status_callback: None,
        params: Vec::new(),
        http_status: 201,
    };
    let failed = TwilioStatusCallback::for_send(&send, TwilioStatus::Failed).with_error("21610");
    hook.send(&failed.to_params()).await.unwrap();
    let form = receiver.received()[0].form();
    assert!(form.contains(&("ErrorCode".to_owned(), "21610".to_owned())));
    assert!(form.contains(&("MessageStatus".to_owned(), "failed".to_owned())));
}
