//! The administration of channels through the client engine, against the real server: a system
//! owner adds, changes, disables, enables and checks channels; the server's codes and sentences
//! come back as they were sent, and a secret left out of a change keeps its stored value.

mod common;

use common::*;
use serde_json::json;
use switchboard_protocol::{ChannelRequest, ErrorCode};

/// The test world plus a system owner, 190.
async fn world() -> TestServer {
    let owner = format!(
        "\n[[agents]]\nextension = \"190\"\nname = \"Olga Owner\"\npassword = \"{PASSWORD}\"\nrole = \"system_owner\"\n"
    );
    TestServer::start_with(format!("{}{owner}", config_toml(2))).await
}

fn settings(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    value.as_object().cloned().expect("an object")
}

#[tokio::test]
async fn an_owner_adds_changes_disables_and_checks_channels() {
    let server = world().await;
    let desktop = Desktop::new();
    let olga = signed_in(&server, &desktop, "190").await;

    // A live chat for the website, routed to the queue.
    let site = olga
        .create_channel(ChannelRequest {
            id: Some("site".into()),
            kind: Some("livechat".into()),
            route_queue: Some("support".into()),
            route_extension: None,
            settings: settings(json!({
                "allowed_origins": ["https://www.example.com"],
                "greeting": "Hi!",
                "ask_email": true,
            })),
        })
        .await
        .expect("added");
    assert_eq!(site.id, "site");
    assert!(site.enabled && !site.provisioned, "{site:?}");
    assert_eq!(site.route_queue.as_deref(), Some("support"));
    assert_eq!(site.settings["ask_email"], json!(true));

    // The server's sentence names each problem; a taken id and the file's channel are refused.
    let refused = olga
        .create_channel(ChannelRequest {
            id: Some("wa-new".into()),
            kind: Some("whatsapp".into()),
            route_extension: Some("102".into()),
            settings: settings(json!({"phone_number_id": "1", "app_secret": "s"})),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidChannel, "{refused}");
    assert!(
        refused.to_string().contains("whatsapp.access_token")
            && refused.to_string().contains("whatsapp.verify_token"),
        "{refused}"
    );
    let taken = olga
        .create_channel(ChannelRequest {
            id: Some("site".into()),
            kind: Some("livechat".into()),
            route_queue: Some("support".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(taken.code(), ErrorCode::ChannelTaken, "{taken}");
    let file = olga
        .update_channel(
            "wa",
            ChannelRequest {
                route_queue: Some("support".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(file.code(), ErrorCode::Provisioned, "{file}");

    // An SMS number whose provider does not answer: its token is kept when a change leaves
    // it out, and the check says what is wrong.
    let token = "a-twilio-auth-token-1234";
    olga.create_channel(ChannelRequest {
        id: Some("sms-new".into()),
        kind: Some("sms".into()),
        route_extension: Some("102".into()),
        settings: settings(json!({
            "account_sid": "AC1",
            "auth_token": token,
            "from_number": "+15550001111",
            "api_base": "http://127.0.0.1:9",
        })),
        ..Default::default()
    })
    .await
    .expect("added");
    let changed = olga
        .update_channel(
            "sms-new",
            ChannelRequest {
                route_queue: Some("support".into()),
                settings: settings(json!({
                    "account_sid": "AC2",
                    "auth_token": "",
                    "from_number": "+15550001111",
                    "api_base": "http://127.0.0.1:9",
                })),
                ..Default::default()
            },
        )
        .await
        .expect("changed");
    assert_eq!(changed.route_queue.as_deref(), Some("support"));
    assert_eq!(changed.settings["account_sid"], json!("AC2"));
    assert_eq!(
        changed.settings["auth_token"],
        json!({"set": true, "last4": "1234"}),
        "the stored token is kept"
    );
    let check = olga.check_channel("sms-new").await.expect("checked");
    assert!(!check.ok && !check.summary.is_empty(), "{check:?}");

    let disabled = olga.set_channel_enabled("sms-new", false).await.unwrap();
    assert!(!disabled.enabled);
    let listed = olga.admin_channels().await.unwrap();
    let sms = listed.iter().find(|c| c.id == "sms-new").expect("listed");
    assert!(!sms.enabled, "{sms:?}");
    let enabled = olga.set_channel_enabled("sms-new", true).await.unwrap();
    assert!(enabled.enabled);
    let provisioned = olga.set_channel_enabled("wa", false).await.unwrap_err();
    assert_eq!(provisioned.code(), ErrorCode::Provisioned, "{provisioned}");

    // Agents administer no channel.
    let bea = signed_in(&server, &Desktop::new(), "102").await;
    let forbidden = bea.check_channel("site").await.unwrap_err();
    assert_eq!(forbidden.code(), ErrorCode::Forbidden, "{forbidden}");
}
