//! The fake Twilio answers Messages API calls in Twilio's own shapes.

use serde_json::Value;
use switchboard_fakes::{FakeTwilio, TwilioFailure, TwilioOptions};

use crate::receiver::Receiver;
use crate::WAIT;

async fn twilio() -> FakeTwilio {
    FakeTwilio::start(TwilioOptions::default()).await.unwrap()
}

fn messages_url(twilio: &FakeTwilio) -> String {
    format!(
        "{}/2010-04-01/Accounts/{}/Messages.json",
        twilio.base_url(),
        twilio.options().account_sid
    )
}

async fn create(twilio: &FakeTwilio, password: &str, form: &[(&str, &str)]) -> (u16, String) {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let response = reqwest::Client::new()
        .post(messages_url(twilio))
        .basic_auth(&twilio.options().account_sid, Some(password))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn token(twilio: &FakeTwilio) -> String {
    twilio.options().auth_token.clone()
}

#[tokio::test]
async fn message_create_answers_201_with_a_twilio_message_resource() {
    let twilio = twilio().await;
    // When the server sends an SMS
    let (status, body) = create(
        &twilio,
        &token(&twilio),
        &[
            ("To", "+16505551234"),
            ("From", "+18445550130"),
            ("Body", "Hello from Switchboard"),
            (
                "StatusCallback",
                "https://switchboard.example/webhooks/sms/sms-main/status",
            ),
        ],
    )
    .await;
    // Then Twilio's message resource comes back, formatted as Twilio formats JSON
    assert_eq!(status, 201, "{body}");
    assert!(body.starts_with(r#"{"account_sid": "ACf00dfeedf00dfeedf00dfeedf00dfeed", "api_version": "2010-04-01", "body": "Hello from Switchboard", "date_created": ""#), "{body}");
    let message: Value = serde_json::from_str(&body).unwrap();
    let sid = message["sid"].as_str().unwrap();
    assert!(sid.starts_with("SM") && sid.len() == 34, "{sid}");
    assert_eq!(message["status"], "queued");
    assert_eq!(message["to"], "+16505551234");
    assert_eq!(message["from"], "+18445550130");
    assert_eq!(
        message["num_media"], "0",
        "counts are strings in Twilio's JSON"
    );
    assert_eq!(message["num_segments"], "1");
    assert_eq!(message["direction"], "outbound-api");
    assert!(message["error_code"].is_null());
    assert!(
        chrono::DateTime::parse_from_rfc2822(message["date_created"].as_str().unwrap()).is_ok(),
        "dates are RFC 2822"
    );
    assert_eq!(
        message["uri"],
        format!(
            "/2010-04-01/Accounts/{}/Messages/{sid}.json",
            twilio.options().account_sid
        )
    );
    // And the send is recorded with its callback
    let sent = twilio.wait_for_sms(1, WAIT).await.unwrap();
    assert_eq!(sent[0].sid.as_deref(), Some(sid));
    assert_eq!(sent[0].body, "Hello from Switchboard");
    assert_eq!(
        sent[0].status_callback.as_deref(),
        Some("https://switchboard.example/webhooks/sms/sms-main/status")
    );
    // And the resource can be fetched at its uri
    let fetched = reqwest::Client::new()
        .get(format!(
            "{}{}",
            twilio.base_url(),
            message["uri"].as_str().unwrap()
        ))
        .basic_auth(&twilio.options().account_sid, Some(token(&twilio)))
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.json::<Value>().await.unwrap()["sid"], sid);
}

#[tokio::test]
async fn wrong_basic_auth_gets_twilio_error_20003() {
    let twilio = twilio().await;
    let (status, body) = create(
        &twilio,
        "wrong-token",
        &[
            ("To", "+16505551234"),
            ("From", "+18445550130"),
            ("Body", "x"),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        r#"{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}"#,
        "Twilio's exact bytes"
    );
    assert!(
        twilio.sends().is_empty(),
        "unauthenticated requests never reach the API"
    );
}

#[tokio::test]
async fn scripted_failures_answer_twilio_errors_per_recipient() {
    let twilio = twilio().await;
    let token = token(&twilio);
    twilio.fail_sms("+15005550001", TwilioFailure::InvalidTo);
    twilio.fail_sms_times("+15005550002", TwilioFailure::Transient { status: 500 }, 1);
    twilio.fail_sms("+15005550003", TwilioFailure::Unsubscribed);
    let send = |to: &'static str| {
        let twilio = &twilio;
        let token = token.clone();
        async move {
            let (status, body) = create(
                twilio,
                &token,
                &[("To", to), ("From", "+18445550130"), ("Body", "hi")],
            )
            .await;
            let json: Value = serde_json::from_str(&body).unwrap();
            (status, json)
        }
    };
    let (status, error) = send("+15005550001").await;
    assert_eq!((status, error["code"].clone()), (400, 21211.into()));
    assert_eq!(error["message"], "Invalid 'To' Phone Number: +15005550001");
    assert_eq!(
        error["more_info"],
        "https://www.twilio.com/docs/errors/21211"
    );
    let (status, error) = send("+15005550002").await;
    assert_eq!((status, error["code"].clone()), (500, 20500.into()));
    let (status, _) = send("+15005550002").await;
    assert_eq!(status, 201, "the outage was scripted for one attempt");
    let (status, error) = send("+15005550003").await;
    assert_eq!((status, error["code"].clone()), (400, 21610.into()));
    assert_eq!(twilio.sent_sms().len(), 1);
    assert_eq!(twilio.sends().len(), 4, "rejections are recorded too");
}

#[tokio::test]
async fn invalid_forms_get_twilio_validation_errors() {
    let twilio = twilio().await;
    let token = token(&twilio);
    let long = "a".repeat(1601);
    let cases: [(&[(&str, &str)], u64); 4] = [
        (&[("From", "+18445550130"), ("Body", "x")], 21604),
        (&[("To", "+16505551234"), ("Body", "x")], 21603),
        (&[("To", "+16505551234"), ("From", "+18445550130")], 21602),
        (
            &[
                ("To", "+16505551234"),
                ("From", "+18445550130"),
                ("Body", &long),
            ],
            21617,
        ),
    ];
    for (form, code) in cases {
        let (status, body) = create(&twilio, &token, form).await;
        assert_eq!(status, 400, "{form:?}");
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["code"], code);
    }
}

#[tokio::test]
async fn media_urls_are_recorded_in_order_and_can_be_fetched() {
    // Given the server's attachment URLs are served somewhere reachable
    let receiver = Receiver::start().await;
    let twilio = twilio().await;
    let first = receiver.url("/media/one.png");
    let second = receiver.url("/media/two.png");
    // When the server sends an MMS with two MediaUrl fields
    let (status, body) = create(
        &twilio,
        &token(&twilio),
        &[
            ("To", "+16505551234"),
            ("From", "+18445550130"),
            ("MediaUrl", &first),
            ("MediaUrl", &second),
        ],
    )
    .await;
    // Then it becomes an MM message with two media
    assert_eq!(status, 201, "{body}");
    let message: Value = serde_json::from_str(&body).unwrap();
    assert!(message["sid"].as_str().unwrap().starts_with("MM"));
    assert_eq!(message["num_media"], "2");
    let sent = twilio.sent_sms();
    assert_eq!(sent[0].media_urls, vec![first.clone(), second]);
    // And the recorded URL is reachable without credentials, as Twilio's fetcher needs
    let fetched = twilio.fetch_media_url(&first).await.unwrap();
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.bytes, b"bytes of one.png");
}

#[tokio::test]
async fn inbound_media_needs_basic_auth_and_redirects_to_an_expiring_cdn_url() {
    let twilio = twilio().await;
    let inbound = twilio.inbound_mms(
        "+18015550116",
        "+18445550130",
        "",
        &[(b"jpeg bytes".as_slice(), "image/jpeg")],
    );
    let url = &inbound.media[0].0;
    assert!(url.starts_with(&format!(
        "{}/2010-04-01/Accounts/{}/Messages/MM",
        twilio.base_url(),
        twilio.options().account_sid
    )));
    // Without credentials: Twilio's XML authentication error
    let anonymous = reqwest::get(url).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert!(anonymous
        .text()
        .await
        .unwrap()
        .contains("<Code>20003</Code>"));
    // With credentials: a redirect to the CDN, which serves the bytes
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = client
        .get(url)
        .basic_auth(&twilio.options().account_sid, Some(token(&twilio)))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 307);
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    let media = reqwest::get(&location).await.unwrap();
    assert_eq!(media.headers()["content-type"], "image/jpeg");
    assert_eq!(media.bytes().await.unwrap().as_ref(), b"jpeg bytes");
    // And once the CDN link expires it is refused
    twilio.expire_media_urls();
    assert_eq!(reqwest::get(&location).await.unwrap().status(), 403);
}

#[tokio::test]
async fn the_account_answers_its_own_credentials_only() {
    let twilio = twilio().await;
    let sid = twilio.options().account_sid.clone();
    let fetch = |password: String| {
        let url = format!("{}/2010-04-01/Accounts/{sid}.json", twilio.base_url());
        let sid = sid.clone();
        async move {
            let response = reqwest::Client::new()
                .get(url)
                .basic_auth(sid, Some(password))
                .timeout(WAIT)
                .send()
                .await
                .unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let (status, account) = fetch(token(&twilio)).await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["sid"], sid.as_str());
    assert_eq!(account["status"], "active");
    assert_eq!(account["friendly_name"], "Switchboard Demo");
    assert_eq!(account["uri"], format!("/2010-04-01/Accounts/{sid}.json"));
    let (status, error) = fetch("0000".into()).await;
    assert_eq!((status, error["code"].as_i64()), (401, Some(20003)));
}
