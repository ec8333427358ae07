//! Visibility and ownership: offered agents see a queued chat; the first reply or Take makes
//! one owner and hides it from everyone else; sticky routing; resolve; transfer.

mod common;

use std::collections::HashSet;

use common::*;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn inbound_chat_is_offered_to_the_queue_and_not_to_outsiders() {
    // Given a ring_all queue of 101-103 and 104 logged in too but... 104 is a member as well;
    // an agent outside the queue is 105 of another server config.
    let text = config_toml(4, "strategy = \"ring_all\"", "").replace(
        "agents = [\"101\", \"102\", \"103\", \"104\"]",
        "agents = [\"101\", \"102\", \"103\"]",
    );
    let server = TestServer::with_config(&text).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let outsider = server.login("104").await;

    let chat = server
        .inbound("wa", "5511999990001", "Olá, preciso de ajuda")
        .await;

    for agent in [&ana, &bruno] {
        assert!(
            agent.list("recent").await.contains(&chat.conversation_id),
            "{} is offered",
            agent.extension
        );
        let (status, conv) = agent
            .get(&format!("/api/v1/conversations/{}", chat.conversation_id))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(conv["channel"], "whatsapp");
        assert_eq!(conv["status"], "queued");
        assert_eq!(conv["queue_id"], "support");
        assert_eq!(conv["contact"]["known"], false);
        assert_eq!(conv["contact"]["identity"]["value"], "5511999990001");
        assert_eq!(conv["unread"], 1);
    }
    assert!(outsider.list("recent").await.is_empty());
    let (status, body) = outsider
        .get(&format!("/api/v1/conversations/{}", chat.conversation_id))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = outsider
        .get(&format!(
            "/api/v1/conversations/{}/messages",
            chat.conversation_id
        ))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn first_reply_takes_the_chat_and_hides_it_from_the_others() {
    let server = TestServer::start(3).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let carla = server.login("103").await;
    let chat = server.inbound("wa", "5511999990002", "Oi").await;
    let (_, bruno_cursor) = bruno.sync_all(0).await;

    // Any offered agent can read before anyone owns it.
    assert!(carla.sees(chat.conversation_id).await);
    let (status, msg) = ana
        .reply(chat.conversation_id, "Olá! Como posso ajudar?")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{msg}");
    assert_eq!(msg["direction"], "outbound");
    assert_eq!(msg["author"]["extension"], "101");

    let (status, conv) = ana
        .get(&format!("/api/v1/conversations/{}", chat.conversation_id))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(conv["status"], "open");
    assert_eq!(conv["owner"]["extension"], "101");

    for other in [&bruno, &carla] {
        assert!(
            !other.sees(chat.conversation_id).await,
            "{} must lose the chat",
            other.extension
        );
        assert!(!other.list("recent").await.contains(&chat.conversation_id));
        let (status, body) = other.reply(chat.conversation_id, "me too").await;
        assert_error(status, &body, StatusCode::CONFLICT, "already_taken");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Agent 101"),
            "{body}"
        );
    }
    let (events, _) = bruno.sync_all(bruno_cursor).await;
    assert!(
        events.iter().any(|e| e["type"] == "conversation.removed"
            && e["data"]["id"] == chat.conversation_id.to_string()
            && e["data"]["reason"] == "taken"),
        "Bruno is told the chat left his view: {events:?}"
    );
    let (all, _) = bruno.sync_all(0).await;
    assert!(
        !all.iter()
            .any(|e| e["type"] == "message.upserted"
                && e["data"]["body"] == "Olá! Como posso ajudar?"),
        "a chat taken away never shows its later messages: {all:?}"
    );
}

#[tokio::test]
async fn take_by_a_second_agent_is_refused_naming_the_owner() {
    let server = TestServer::start(2).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let chat = server.inbound("wa", "5511999990003", "Oi").await;
    let (status, conv) = ana.take(chat.conversation_id).await;
    assert_eq!(status, StatusCode::OK, "{conv}");
    assert_eq!(conv["owner"]["name"], "Agent 101");
    let (status, _) = ana.take(chat.conversation_id).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "taking your own chat again is harmless"
    );
    // Bruno still had it on screen: he is told who has it.
    let (status, body) = bruno.take(chat.conversation_id).await;
    assert_error(status, &body, StatusCode::CONFLICT, "already_taken");
    assert_eq!(
        body["error"]["message"],
        "This chat was already taken by Agent 101."
    );
    // Direct access is refused like for any chat he cannot see.
    let (status, body) = bruno
        .get(&format!("/api/v1/conversations/{}", chat.conversation_id))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn twenty_concurrent_takes_make_exactly_one_owner() {
    let server = TestServer::start(20).await;
    let mut agents = Vec::new();
    for i in 1..=20 {
        agents.push(server.login(&(100 + i).to_string()).await);
    }
    let chat = server
        .inbound("wa", "5511999990004", "Quem me atende?")
        .await;
    for agent in &agents {
        assert!(
            agent.sees(chat.conversation_id).await,
            "ring_all offers to {}",
            agent.extension
        );
    }
    let handles: Vec<_> = agents
        .iter()
        .cloned()
        .map(|agent| {
            tokio::spawn(async move {
                (
                    agent.extension.clone(),
                    agent.take(chat.conversation_id).await,
                )
            })
        })
        .collect();
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.unwrap());
    }
    let winners: Vec<&String> = results
        .iter()
        .filter(|(_, (status, _))| *status == StatusCode::OK)
        .map(|(extension, _)| extension)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one owner, got {winners:?}");
    let owner = winners[0].clone();
    for (extension, (status, body)) in &results {
        if extension != &owner {
            assert_error(*status, body, StatusCode::CONFLICT, "already_taken");
            assert_eq!(
                body["error"]["message"],
                format!("This chat was already taken by Agent {owner}."),
                "every loser is told who won"
            );
        }
    }
    for agent in &agents {
        assert_eq!(
            agent.sees(chat.conversation_id).await,
            agent.extension == owner,
            "{}",
            agent.extension
        );
    }
}

#[tokio::test]
async fn twenty_concurrent_first_replies_store_one_reply() {
    let server = TestServer::start(20).await;
    let mut agents = Vec::new();
    for i in 1..=20 {
        agents.push(server.login(&(100 + i).to_string()).await);
    }
    let chat = server.inbound("wa", "5511999990005", "Alguém?").await;
    let handles: Vec<_> = agents
        .iter()
        .cloned()
        .map(|agent| {
            tokio::spawn(async move {
                agent
                    .reply(chat.conversation_id, &format!("Sou {}", agent.extension))
                    .await
            })
        })
        .collect();
    let mut created = 0;
    for handle in handles {
        let (status, body) = handle.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            _ => assert_error(status, &body, StatusCode::CONFLICT, "already_taken"),
        }
    }
    assert_eq!(created, 1);
    let mut owner_pages = Vec::new();
    for agent in &agents {
        let (status, page) = agent
            .get(&format!(
                "/api/v1/conversations/{}/messages",
                chat.conversation_id
            ))
            .await;
        if status == StatusCode::OK {
            owner_pages.push(page);
        }
    }
    assert_eq!(owner_pages.len(), 1, "only the owner sees the chat");
    let owner_page = &owner_pages[0];
    assert_eq!(
        owner_page["messages"].as_array().unwrap().len(),
        2,
        "the inbound message and one reply"
    );
}

#[tokio::test]
async fn sticky_routing_sends_the_customer_back_to_the_owner() {
    let server = TestServer::start(3).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let first = server.inbound("wa", "5511999990006", "Oi").await;
    ana.take(first.conversation_id).await;
    let again = server
        .inbound("wa", "5511999990006", "Ainda está aí?")
        .await;
    assert_eq!(
        again.conversation_id, first.conversation_id,
        "same open conversation"
    );
    assert!(!bruno.sees(first.conversation_id).await);
    let (_, conv) = ana
        .get(&format!("/api/v1/conversations/{}", first.conversation_id))
        .await;
    assert_eq!(conv["unread"], 2);
    assert_eq!(conv["last_message"]["body"], "Ainda está aí?");
}

#[tokio::test]
async fn resolve_archives_and_the_next_message_opens_a_new_chat_routed_afresh() {
    let server = TestServer::start(2).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let first = server.inbound("wa", "5511999990007", "Oi").await;
    ana.reply(first.conversation_id, "Resolvido!").await;
    let (status, conv) = ana
        .post(
            &format!("/api/v1/conversations/{}/resolve", first.conversation_id),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{conv}");
    assert_eq!(conv["status"], "resolved");
    assert_eq!(conv["archived"], true);
    assert!(!ana.list("recent").await.contains(&first.conversation_id));
    assert!(ana.list("archived").await.contains(&first.conversation_id));
    let (status, body) = ana.reply(first.conversation_id, "mais uma").await;
    assert_error(status, &body, StatusCode::CONFLICT, "conversation_resolved");

    let next = server.inbound("wa", "5511999990007", "Outra dúvida").await;
    assert_ne!(next.conversation_id, first.conversation_id);
    assert!(
        bruno.sees(next.conversation_id).await,
        "routed through the queue again"
    );
    assert!(ana.sees(next.conversation_id).await);
}

#[tokio::test]
async fn internal_chats_have_participants_and_cannot_be_resolved() {
    let server = TestServer::start(3).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let carla = server.login("103").await;
    let (status, chat) = ana
        .post(
            "/api/v1/internal-chats",
            json!({"extensions": ["102"], "title": "Escala de sábado"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{chat}");
    assert_eq!(chat["channel"], "internal");
    assert_eq!(chat["participants"].as_array().unwrap().len(), 2);
    let id: Uuid = chat["id"].as_str().unwrap().parse().unwrap();
    let (status, msg) = bruno.reply(id, "Posso cobrir").await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(msg["direction"], "internal");
    assert!(!carla.sees(id).await);
    let (status, body) = ana
        .post(&format!("/api/v1/conversations/{id}/resolve"), json!({}))
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "internal_chat",
    );
    let (status, body) = ana.take(id).await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "internal_chat",
    );
    let (status, body) = ana
        .post("/api/v1/internal-chats", json!({"extensions": ["999"]}))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "agent_not_found");
    let (status, body) = ana
        .post("/api/v1/internal-chats", json!({"extensions": ["101"]}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "no_participants");
}

#[tokio::test]
async fn transfer_hands_the_chat_over_and_the_sender_loses_it() {
    let server = TestServer::start(3).await;
    let ana = server.login("101").await;
    let carla = server.login("103").await;
    let chat = server
        .inbound("wa", "5511999990008", "Quero falar com vendas")
        .await;
    ana.take(chat.conversation_id).await;
    let (_, ana_cursor) = ana.sync_all(0).await;

    let path = format!("/api/v1/conversations/{}/transfer", chat.conversation_id);
    let (status, body) = ana.post(&path, json!({"extension": "999"})).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "agent_not_found");
    let (status, body) = ana.post(&path, json!({"extension": "101"})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "transfer_to_self");

    // 103 already lost it when Ana took it; the transfer brings it to them.
    let (status, conv) = ana.post(&path, json!({"extension": "103"})).await;
    assert_eq!(status, StatusCode::OK, "{conv}");
    assert_eq!(conv["owner"]["extension"], "103");
    assert!(carla.sees(chat.conversation_id).await);
    assert!(!ana.sees(chat.conversation_id).await);
    let (events, _) = ana.sync_all(ana_cursor).await;
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "conversation.removed" && e["data"]["reason"] == "transferred"),
        "{events:?}"
    );
    let again = server.inbound("wa", "5511999990008", "Oi de novo").await;
    assert_eq!(again.conversation_id, chat.conversation_id);
    let (_, conv) = carla
        .get(&format!("/api/v1/conversations/{}", chat.conversation_id))
        .await;
    assert_eq!(conv["last_message"]["body"], "Oi de novo");
}

#[tokio::test]
async fn archive_unarchive_and_delete_touch_only_my_view() {
    let server = TestServer::start(2).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let chat = server.inbound("wa", "5511999990009", "Oi").await;
    let id = chat.conversation_id;

    let (status, conv) = ana
        .post(&format!("/api/v1/conversations/{id}/archive"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(conv["archived"], true);
    assert!(ana.list("archived").await.contains(&id));
    assert!(
        bruno.list("recent").await.contains(&id),
        "Bruno's view is untouched"
    );
    let (_, conv) = ana
        .post(&format!("/api/v1/conversations/{id}/unarchive"), json!({}))
        .await;
    assert_eq!(conv["archived"], false);
    assert!(ana.list("recent").await.contains(&id));

    // Ana leaves the offer by deleting it; Bruno still has the chat and its history.
    let (status, _) = ana
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/conversations/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!ana.sees(id).await);
    assert!(!ana.list("archived").await.contains(&id));
    let (status, page) = bruno
        .get(&format!("/api/v1/conversations/{id}/messages"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["messages"].as_array().unwrap().len(), 1);

    // Deleting an open chat you own would strand the customer.
    bruno.take(id).await;
    let (status, body) = bruno
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/conversations/{id}"),
            None,
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "conversation_open");
    bruno
        .post(&format!("/api/v1/conversations/{id}/resolve"), json!({}))
        .await;
    let (status, _) = bruno
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/conversations/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(bruno.list("archived").await.is_empty());

    // A new message from the customer starts over; the deleted history is kept.
    let next = server.inbound("wa", "5511999990009", "Voltei").await;
    assert_ne!(next.conversation_id, id);
}

#[tokio::test]
async fn extension_route_offers_only_to_that_agent() {
    let server = TestServer::start(2).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let chat = server
        .inbound("sms-direct", "+14155550100", "Hello Ana")
        .await;
    assert!(ana.sees(chat.conversation_id).await);
    assert!(!bruno.sees(chat.conversation_id).await);
    let (_, conv) = ana
        .get(&format!("/api/v1/conversations/{}", chat.conversation_id))
        .await;
    assert_eq!(conv["channel"], "sms");
}

#[tokio::test]
async fn replies_are_idempotent_by_client_id() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let chat = server.inbound("wa", "5511999990010", "Oi").await;
    let path = format!("/api/v1/conversations/{}/messages", chat.conversation_id);
    let client_id = Uuid::now_v7();
    let (first_status, first) = ana
        .post(&path, json!({"client_id": client_id, "body": "Olá"}))
        .await;
    let (second_status, second) = ana
        .post(&path, json!({"client_id": client_id, "body": "Olá"}))
        .await;
    assert_eq!(first_status, StatusCode::CREATED);
    assert_eq!(
        second_status,
        StatusCode::OK,
        "a retry is answered with the stored message"
    );
    assert_eq!(first["id"], second["id"]);
    assert_eq!(first["client_id"], client_id.to_string());
    let (_, page) = ana.get(&path).await;
    assert_eq!(
        page["messages"].as_array().unwrap().len(),
        2,
        "one inbound, one reply"
    );

    let other = server.inbound("wa", "5511999990011", "Oi").await;
    let (status, body) = ana
        .post(
            &format!("/api/v1/conversations/{}/messages", other.conversation_id),
            json!({"client_id": client_id, "body": "x"}),
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "client_id_reused");
}

#[tokio::test]
async fn duplicate_provider_message_is_stored_once() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let a = server
        .inbound_with_id("wa", "5511999990012", "Oi", Some("wamid.X1".into()))
        .await;
    let b = server
        .inbound_with_id("wa", "5511999990012", "Oi", Some("wamid.X1".into()))
        .await;
    assert!(!a.duplicate);
    assert!(b.duplicate);
    assert_eq!(a.message_id, b.message_id);
    let (_, page) = ana
        .get(&format!(
            "/api/v1/conversations/{}/messages",
            a.conversation_id
        ))
        .await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn read_marker_clears_unread_and_paging_walks_back() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let mut last = None;
    for i in 0..7 {
        last = Some(
            server
                .inbound("wa", "5511999990013", &format!("mensagem {i}"))
                .await,
        );
    }
    let chat = last.unwrap();
    let id = chat.conversation_id;
    let (_, conv) = ana.get(&format!("/api/v1/conversations/{id}")).await;
    assert_eq!(conv["unread"], 7);

    let (_, page) = ana
        .get(&format!("/api/v1/conversations/{id}/messages?limit=3"))
        .await;
    let bodies: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["mensagem 4", "mensagem 5", "mensagem 6"]);
    assert_eq!(page["more"], true);
    let oldest = page["messages"][0]["id"].as_str().unwrap();
    let (_, older) = ana
        .get(&format!(
            "/api/v1/conversations/{id}/messages?limit=3&before={oldest}"
        ))
        .await;
    let bodies: Vec<&str> = older["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["mensagem 1", "mensagem 2", "mensagem 3"]);

    let (status, conv) = ana
        .post(
            &format!("/api/v1/conversations/{id}/read"),
            json!({"up_to": oldest}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(conv["unread"], 2);
    let (status, body) = ana
        .post(
            &format!("/api/v1/conversations/{id}/read"),
            json!({"up_to": Uuid::now_v7()}),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn conversation_list_pages_newest_first() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            server
                .inbound("wa", &format!("55119000000{i}"), "Oi")
                .await
                .conversation_id,
        );
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/conversations?limit=2".to_string();
    loop {
        let (status, page) = ana.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(
            page["conversations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().parse::<Uuid>().unwrap()),
        );
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/conversations?limit=2&after={next}"),
            None => break,
        }
    }
    ids.reverse();
    assert_eq!(seen, ids);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 5);
}
