//! Every published provider payload can be replayed with a correct signature.

use std::path::Path;

use switchboard_fakes::fixtures::{self, FixtureBody, Provider};
use switchboard_fakes::{MetaWebhook, TwilioWebhook};

use crate::receiver::{Receiver, APP_SECRET, AUTH_TOKEN};

#[test]
fn the_fixture_directory_is_found_relative_to_the_crate() {
    let expected = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/providers");
    assert_eq!(fixtures::providers_dir(), expected);
    assert!(
        expected.join("SOURCES.md").exists(),
        "{} should hold the fixtures",
        expected.display()
    );
}

#[tokio::test]
async fn every_provider_fixture_loads_and_replays_with_a_valid_signature() {
    // Given every fixture file
    let all = fixtures::load_all(&fixtures::providers_dir()).unwrap();
    let count = |p| all.iter().filter(|f| f.provider == p).count();
    assert_eq!(
        (
            count(Provider::WhatsApp),
            count(Provider::Messenger),
            count(Provider::Twilio)
        ),
        (22, 16, 12),
        "SOURCES.md lists 22 WhatsApp, 16 Messenger and 12 Twilio payloads"
    );
    let receiver = Receiver::start().await;
    let whatsapp = MetaWebhook::new(receiver.url("/webhooks/whatsapp/wa-main"), APP_SECRET);
    let messenger = MetaWebhook::new(receiver.url("/webhooks/facebook/fb-main"), APP_SECRET);
    let sms = TwilioWebhook::new(receiver.url("/webhooks/sms/sms-main"), AUTH_TOKEN);
    let status = TwilioWebhook::new(receiver.url("/webhooks/sms/sms-main/status"), AUTH_TOKEN);
    for fixture in &all {
        // When each is delivered by the matching sender
        let response = match (&fixture.body, fixture.provider) {
            (FixtureBody::Json(bytes), Provider::WhatsApp) => whatsapp.send(bytes).await,
            (FixtureBody::Json(bytes), _) => messenger.send(bytes).await,
            (FixtureBody::Form(params), _) if fixture.is_twilio_status() => {
                status.send(params).await
            }
            (FixtureBody::Form(params), _) => sms.send(params).await,
        }
        .unwrap();
        // Then the receiver's own signature check accepts it
        assert_eq!(response.status, 200, "{} was refused", fixture.name);
        let received = receiver.received().pop().unwrap();
        assert!(received.signature_ok, "{}", fixture.name);
        // And what arrived is exactly the fixture
        match &fixture.body {
            FixtureBody::Json(bytes) => {
                let on_disk =
                    std::fs::read(fixtures::providers_dir().join(format!("{}.json", fixture.name)))
                        .unwrap();
                assert_eq!(bytes, &on_disk);
                assert_eq!(
                    &received.body, bytes,
                    "{} must arrive byte for byte",
                    fixture.name
                );
            }
            FixtureBody::Form(params) => {
                assert_eq!(
                    &received.form(),
                    params,
                    "{} fields in wire order",
                    fixture.name
                );
            }
        }
    }
    assert_eq!(receiver.received().len(), 50);
}

#[test]
fn twilio_fixtures_keep_wire_order_and_tricky_values() {
    let fixture = fixtures::load(&fixtures::providers_dir().join("twilio-mms-02.json")).unwrap();
    assert!(!fixture.is_twilio_status());
    let FixtureBody::Form(params) = fixture.body else {
        panic!("Twilio fixtures are forms");
    };
    assert_eq!(
        params[0],
        ("MediaContentType1".to_owned(), "image/jpeg".to_owned())
    );
    assert_eq!(params.last().unwrap().0, "ApiVersion");
    let sms = fixtures::load(&fixtures::providers_dir().join("twilio-sms-03.json")).unwrap();
    assert_eq!(sms.provider, Provider::Twilio);
    let FixtureBody::Form(params) = sms.body else {
        panic!("Twilio fixtures are forms");
    };
    assert_eq!(params[10].0, "Body");
    assert_eq!(
        switchboard_fakes::webhook::encode_form(&params[10..11]),
        "Body=hi+there%2C+2%2B3%3D4"
    );
}
