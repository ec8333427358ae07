//! The contact and live-chat calls the desktop's info panel and chat menu use, against the
//! real server.

mod common;

use common::*;
use futures_util::StreamExt;

#[tokio::test]
async fn an_unknown_sender_becomes_a_contact_with_a_history() {
    // Given an unknown WhatsApp customer's chat in Ana's cache
    let server = TestServer::start(1).await;
    let chat = server
        .customer_writes("5511955551234", "Oi, tudo bem?")
        .await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    eventually("the chat is cached", || async {
        ana.conversation(chat).await.unwrap().is_some()
    })
    .await;
    let before = ana.conversation(chat).await.unwrap().unwrap();
    assert!(!before.contact.known);

    // When Ana adds the sender as a contact
    let contact = ana
        .add_contact_from_conversation(chat, " Paula Nunes ", vec!["paula@example.com".into()])
        .await
        .expect("added");

    // Then the contact carries the WhatsApp number, the chat shows the name, and the history
    // lists the conversation
    assert_eq!(contact.name, "Paula Nunes");
    assert_eq!(contact.emails, vec!["paula@example.com".to_string()]);
    assert!(
        contact.phones.iter().any(|p| p == "+5511955551234"),
        "{contact:?}"
    );
    eventually("the chat shows the contact", || async {
        let c = ana.conversation(chat).await.unwrap().unwrap();
        c.contact.known && c.contact.display_name == "Paula Nunes"
    })
    .await;
    let history = ana.contact_history(contact.id).await.expect("history");
    assert_eq!(history.contact.id, contact.id);
    assert_eq!(
        history
            .conversations
            .iter()
            .map(|h| h.conversation_id)
            .collect::<Vec<_>>(),
        vec![chat]
    );

    // And adding the same sender twice is refused with the server's reason
    let again = ana
        .add_contact_from_conversation(chat, "Paula", Vec::new())
        .await
        .expect_err("already a contact");
    assert_eq!(again.code(), "contact_exists", "{again}");
}

#[tokio::test]
async fn live_chat_actions_on_another_channel_are_refused_with_the_servers_reason() {
    let server = TestServer::start(1).await;
    let chat = server.customer_writes("5511955550000", "Olá").await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    for err in [
        ana.end_session(chat).await.expect_err("not live chat"),
        ana.block(chat, Some(3600), "spam")
            .await
            .expect_err("not live chat"),
    ] {
        assert!(
            err.to_string().to_lowercase().contains("live-chat"),
            "the refusal says why: {err}"
        );
    }
}

#[tokio::test]
async fn an_internal_chat_with_a_colleague_reaches_both_caches() {
    let server = TestServer::start(2).await;
    let (ana_desktop, bruno_desktop) = (Desktop::new(), Desktop::new());
    let ana = signed_in(&server, &ana_desktop, "101").await;
    let bruno = signed_in(&server, &bruno_desktop, "102").await;
    let chat = ana
        .start_internal_chat(vec!["102".into()], Some(" Escala ".into()))
        .await
        .expect("started");
    assert_eq!(chat.title.as_deref(), Some("Escala"));
    assert!(
        ana.conversation(chat.id).await.unwrap().is_some(),
        "in Ana's cache at once"
    );
    eventually("Bruno sees the chat", || async {
        bruno.conversation(chat.id).await.unwrap().is_some()
    })
    .await;
}

#[tokio::test]
async fn the_whole_directory_is_cached_for_offline_search_not_only_its_first_page() {
    // Given a directory of 1,101 contacts, the one Ana will look for last by name
    let server = TestServer::start(1).await;
    let http = reqwest::Client::new();
    let session: serde_json::Value = http
        .post(format!("{}/api/v1/session", server.url()))
        .json(&serde_json::json!({"login": "101", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_string();
    let names: Vec<String> = (0..1100)
        .map(|i| format!("Cliente {i:04}"))
        .chain(["Zuleica Prado".to_string()])
        .collect();
    futures_util::stream::iter(names)
        .for_each_concurrent(8, |name| {
            let (http, token, url) = (http.clone(), token.clone(), server.url());
            async move {
                let status = http
                    .post(format!("{url}/api/v1/contacts"))
                    .bearer_auth(token)
                    .json(&serde_json::json!({"name": name, "emails": []}))
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status.as_u16(), 201, "{name}");
            }
        })
        .await;

    // When Ana's app loads everything for the first time
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;

    // Then a contact far past the first page is found offline
    let found = ana.search("zuleica").await.unwrap();
    assert_eq!(
        found
            .contacts
            .iter()
            .map(|hit| hit.contact.name.as_str())
            .collect::<Vec<_>>(),
        ["Zuleica Prado"]
    );
    let found = ana.search("cliente 1099").await.unwrap();
    assert_eq!(found.contacts.len(), 1, "{found:?}");
}
