//! The contact directory: CRUD, search in any formatting, adding an unknown sender, and the
//! customer's history across agents and queues.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

#[tokio::test]
async fn contacts_are_created_searched_updated_and_deleted() {
    let server = TestServer::start(2).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let (_, bruno_cursor) = bruno.sync_all(0).await;
    let (status, contact) = ana
        .post(
            "/api/v1/contacts",
            json!({"name": "Maria Clara Conceição", "emails": ["Maria@Example.com"], "phones": ["+55 11 98765-4321"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    assert_eq!(contact["phones"], json!(["+5511987654321"]));
    assert_eq!(contact["emails"], json!(["maria@example.com"]));
    let id = contact["id"].as_str().unwrap().to_string();

    // (query, found)
    let searches = [
        ("conceicao", true),
        ("MARIA", true),
        ("011%2098765-4321", true),
        ("%2B55%2011%2098765%204321", true),
        ("98765-4321", true),
        ("maria%40example", true),
        ("joão", false),
    ];
    for (q, found) in searches {
        let (status, body) = bruno.get(&format!("/api/v1/contacts?q={q}")).await;
        assert_eq!(status, StatusCode::OK);
        let hit = body["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id.as_str());
        assert_eq!(hit, found, "search {q:?}: {body}");
    }

    let (events, _) = bruno.sync_all(bruno_cursor).await;
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "contact.upserted" && e["data"]["id"] == id.as_str()),
        "{events:?}"
    );

    let (status, updated) = ana
        .call(
            Method::PUT,
            &format!("/api/v1/contacts/{id}"),
            Some(json!({"name": "Maria Clara", "phones": ["(11) 98765-4321", "+1 415 555 2671"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["phones"], json!(["+5511987654321", "+14155552671"]));
    assert_eq!(updated["emails"], json!([]));

    let (status, _) = ana
        .call(Method::DELETE, &format!("/api/v1/contacts/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = ana.get(&format!("/api/v1/contacts/{id}")).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn bad_contact_fields_are_named() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let cases = [
        (json!({"name": "  "}), "name"),
        (
            json!({"name": "X", "emails": ["ok@example.com", "not-an-email"]}),
            "emails[1]",
        ),
        (json!({"name": "X", "phones": ["12"]}), "phones[0]"),
        (
            json!({"name": "X", "identities": [{"kind": "whatsapp", "value": "hello"}]}),
            "identities[0]",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = ana.post("/api/v1/contacts", body).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST, "invalid_contact");
        assert!(
            answer["error"]["message"].as_str().unwrap().contains(field),
            "{field}: {answer}"
        );
    }
    let (status, answer) = ana.post("/api/v1/contacts", json!({"emails": []})).await;
    assert_error(status, &answer, StatusCode::BAD_REQUEST, "invalid_json");
}

#[tokio::test]
async fn contact_fields_have_bounded_sizes_and_safe_emails() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let many = |n: usize, f: &dyn Fn(usize) -> Value| (0..n).map(f).collect::<Vec<_>>();
    let long_email = format!("{}@example.com", "a".repeat(250));
    let cases = [
        (json!({"name": "x".repeat(201)}), "name"),
        (
            json!({"name": "X", "emails": ["ok@example.com", "a@b.c?body=hi"]}),
            "emails[1]",
        ),
        (
            json!({"name": "X", "emails": ["x&cc=y@evil.com"]}),
            "emails[0]",
        ),
        (
            json!({"name": "X", "emails": ["a#b@example.com"]}),
            "emails[0]",
        ),
        (
            json!({"name": "X", "emails": ["a b@example.com"]}),
            "emails[0]",
        ),
        (json!({"name": "X", "emails": [long_email]}), "emails[0]"),
        (
            json!({"name": "X", "emails": many(21, &|i| json!(format!("p{i}@example.com")))}),
            "emails: a contact may have at most 20",
        ),
        (
            json!({"name": "X", "phones": many(21, &|i| json!(format!("+1415555{:04}", 1000 + i)))}),
            "phones: a contact may have at most 20",
        ),
        (
            json!({"name": "X", "phones": [format!("+55 11 98765-4321{}", " ".repeat(60))]}),
            "phones[0]",
        ),
        (
            json!({"name": "X", "identities": many(51, &|i| json!({"kind": "livechat", "value": format!("v{i}")}))}),
            "identities: a contact may have at most 50",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = ana.post("/api/v1/contacts", body).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST, "invalid_contact");
        assert!(
            answer["error"]["message"].as_str().unwrap().contains(field),
            "{field}: {answer}"
        );
    }
    // At the limits, a contact is taken.
    let (status, answer) = ana
        .post(
            "/api/v1/contacts",
            json!({
                "name": "x".repeat(200),
                "emails": many(20, &|i| json!(format!("p{i}@example.com"))),
                "identities": many(50, &|i| json!({"kind": "livechat", "value": format!("v{i}")})),
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(server.count("SELECT COUNT(*) FROM contacts"), 1);
}

#[tokio::test]
async fn adding_an_unknown_sender_makes_all_their_conversations_known() {
    let server = TestServer::start(2).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    // João wrote before (resolved by Ana) and writes again now (offered to both).
    let old = server.inbound("wa", "5511912345678", "Oi, tudo bem?").await;
    ana.take(old.conversation_id).await;
    ana.post(
        &format!("/api/v1/conversations/{}/resolve", old.conversation_id),
        json!({}),
    )
    .await;
    let now = server.inbound("wa", "5511912345678", "Voltei").await;
    assert_ne!(old.conversation_id, now.conversation_id);
    let (_, conv) = bruno
        .get(&format!("/api/v1/conversations/{}", now.conversation_id))
        .await;
    assert_eq!(conv["contact"]["known"], false);
    let (_, bruno_cursor) = bruno.sync_all(0).await;

    let (status, contact) = bruno
        .post(
            "/api/v1/contacts/from-identity",
            json!({"conversation_id": now.conversation_id, "name": "João Pereira"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    assert_eq!(
        contact["identities"],
        json!([{"kind": "whatsapp", "value": "5511912345678"}])
    );
    assert_eq!(
        contact["phones"],
        json!(["+5511912345678"]),
        "the WhatsApp number is a phone too"
    );

    for (agent, conversation) in [(&bruno, now.conversation_id), (&ana, old.conversation_id)] {
        let (_, conv) = agent
            .get(&format!("/api/v1/conversations/{conversation}"))
            .await;
        assert_eq!(conv["contact"]["known"], true, "{conv}");
        assert_eq!(conv["contact"]["display_name"], "João Pereira");
        assert_eq!(conv["contact"]["id"], contact["id"]);
    }
    let (events, _) = bruno.sync_all(bruno_cursor).await;
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "conversation.upserted" && e["data"]["contact"]["known"] == true),
        "viewers are told the conversation became known: {events:?}"
    );
    let (_, found) = ana.get("/api/v1/contacts?q=11%2091234-5678").await;
    assert_eq!(
        found["contacts"].as_array().unwrap().len(),
        1,
        "a search by phone finds the sender"
    );

    let (status, body) = bruno
        .post(
            "/api/v1/contacts/from-identity",
            json!({"conversation_id": now.conversation_id, "name": "Outro"}),
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "contact_exists");

    // A later chat from the same number opens already known.
    ana.take(now.conversation_id).await;
    ana.post(
        &format!("/api/v1/conversations/{}/resolve", now.conversation_id),
        json!({}),
    )
    .await;
    let third = server
        .inbound("wa", "5511912345678", "Mais uma coisa")
        .await;
    let (_, conv) = ana
        .get(&format!("/api/v1/conversations/{}", third.conversation_id))
        .await;
    assert_eq!(conv["contact"]["known"], true);
}

#[tokio::test]
async fn a_contacts_phone_makes_sms_and_whatsapp_senders_known() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    ana.post(
        "/api/v1/contacts",
        json!({"name": "Carlos Lima", "phones": ["011 99888-7766"]}),
    )
    .await;
    let chat = server.inbound("wa", "5511998887766", "Olá").await;
    let (_, conv) = ana
        .get(&format!("/api/v1/conversations/{}", chat.conversation_id))
        .await;
    assert_eq!(conv["contact"]["known"], true);
    assert_eq!(conv["contact"]["display_name"], "Carlos Lima");
}

#[tokio::test]
async fn from_identity_requires_a_conversation_you_can_see() {
    let server = TestServer::start(2).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let chat = server.inbound("wa", "5511900000001", "Oi").await;
    ana.take(chat.conversation_id).await;
    let (status, body) = bruno
        .post(
            "/api/v1/contacts/from-identity",
            json!({"conversation_id": chat.conversation_id, "name": "Spy"}),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn history_lists_every_conversation_across_agents_newest_first() {
    let server = TestServer::start(2).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let first = server.inbound("wa", "5511955554444", "Primeira").await;
    ana.reply(first.conversation_id, "Oi, aqui é a Ana").await;
    ana.post(
        &format!("/api/v1/conversations/{}/resolve", first.conversation_id),
        json!({}),
    )
    .await;
    let second = server.inbound("wa", "5511955554444", "Segunda").await;
    bruno
        .reply(second.conversation_id, "Oi, aqui é o Bruno")
        .await;
    let (_, contact) = bruno
        .post(
            "/api/v1/contacts/from-identity",
            json!({"conversation_id": second.conversation_id, "name": "Paula"}),
        )
        .await;
    let id = contact["id"].as_str().unwrap();

    // Any agent can see the history, including chats they never saw.
    let carla = server.login("101").await;
    let (status, history) = carla.get(&format!("/api/v1/contacts/{id}/history")).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let entries = history["conversations"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[0]["conversation_id"],
        second.conversation_id.to_string(),
        "newest first"
    );
    assert_eq!(entries[0]["handled_by"]["extension"], "102");
    assert_eq!(entries[0]["outcome"], "open");
    assert_eq!(entries[1]["handled_by"]["extension"], "101");
    assert_eq!(entries[1]["outcome"], "resolved");
    assert_eq!(entries[1]["messages"], 2);
    assert!(entries[1]["ended_at"].is_string());
    assert_eq!(entries[0]["queue_id"], "support");
    let (status, body) = carla
        .get(&format!("/api/v1/contacts/{}/history", Uuid::now_v7()))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn an_identity_belongs_to_one_contact() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let identity = json!([{"kind": "facebook", "value": "123456789"}]);
    let (status, _) = ana
        .post(
            "/api/v1/contacts",
            json!({"name": "A", "identities": identity}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = ana
        .post(
            "/api/v1/contacts",
            json!({"name": "B", "identities": identity}),
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "identity_taken");
}

#[tokio::test]
async fn the_directory_pages_by_name_and_every_contact_comes_once() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    // 250 contacts, names in mixed case, some sharing a name.
    let mut names = Vec::new();
    for i in 0..250u32 {
        let name = match i % 3 {
            0 => format!("cliente {:03}", i / 2),
            1 => format!("Cliente {:03}", i / 2),
            _ => format!("Zé {i:03}"),
        };
        let (status, body) = ana
            .post("/api/v1/contacts", json!({"name": name, "emails": []}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        names.push(name);
    }

    // When Ana pages through the whole directory, 100 at a time
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut pages = 0;
    let mut path = "/api/v1/contacts?limit=100".to_string();
    loop {
        let (status, page) = ana.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages += 1;
        for contact in page["contacts"].as_array().unwrap() {
            seen.push((
                contact["name"].as_str().unwrap().to_string(),
                contact["id"].as_str().unwrap().to_string(),
            ));
        }
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/contacts?limit=100&after={next}"),
            None => break,
        }
    }

    // Then she gets every contact once, by name (case aside), then id
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 250);
    let ids: std::collections::HashSet<&String> = seen.iter().map(|(_, id)| id).collect();
    assert_eq!(ids.len(), 250, "no contact twice");
    let keys: Vec<(String, &String)> = seen
        .iter()
        .map(|(name, id)| (name.to_ascii_lowercase(), id))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);

    // A search pages the same way; without `limit` a page holds 100.
    let (_, first) = ana.get("/api/v1/contacts?q=cliente&limit=60").await;
    let next = first["next"].as_str().expect("more clientes").to_string();
    let (_, rest) = ana
        .get(&format!(
            "/api/v1/contacts?q=cliente&limit=200&after={next}"
        ))
        .await;
    assert_eq!(
        first["contacts"].as_array().unwrap().len() + rest["contacts"].as_array().unwrap().len(),
        names
            .iter()
            .filter(|n| n.to_lowercase().starts_with("cliente"))
            .count()
    );
    assert!(rest.get("next").is_none(), "{rest}");
    let (_, default) = ana.get("/api/v1/contacts").await;
    assert_eq!(default["contacts"].as_array().unwrap().len(), 100);

    // Bad paging is named.
    let (status, body) = ana.get("/api/v1/contacts?after=not-a-cursor").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_cursor");
    let (status, body) = ana.get("/api/v1/contacts?limit=0").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_limit");
    let (status, body) = ana.get("/api/v1/contacts?limit=5000").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_limit");
}
