//! The first full load through the server's bulk history (`GET /api/v1/history`): every
//! listed conversation's history filled and marked complete from a few large pages instead of
//! a request per conversation, and messages that arrive while it pages neither lost nor doubled.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::*;
use switchboard_client::{Client, ClientOptions, Timing};
use uuid::Uuid;

/// A desktop whose engine reads the bulk history `page` messages at a time.
fn client_with_pages(desktop: &Desktop, page: u32) -> Client {
    Client::new(
        ClientOptions::new(desktop.dir.path())
            .with_tokens(Arc::new(desktop.tokens.clone()))
            .with_timing(Timing {
                bulk_history_page: page,
                ..fast_timing()
            }),
    )
}

/// Conversations whose history the cache does not hold complete.
async fn incomplete_histories(client: &Client) -> i64 {
    client
        .cache()
        .expect("signed in")
        .read(|conn| {
            Ok(conn.query_row(
                "SELECT COUNT(*) FROM conversations WHERE history <> 1",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .expect("cache readable")
}

/// Messages of a conversation in the cache, read straight from it (asking the engine for a
/// conversation whose history is not complete would fetch it chat by chat).
async fn cached_count(client: &Client, conversation: Uuid) -> i64 {
    client
        .cache()
        .expect("signed in")
        .read(move |conn| {
            Ok(conn.query_row(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = ?1",
                [conversation],
                |r| r.get(0),
            )?)
        })
        .await
        .expect("cache readable")
}

/// Message ids of a conversation in the cache, oldest first.
async fn cached_ids(client: &Client, conversation: Uuid) -> Vec<Uuid> {
    match client.messages(conversation, None, 100_000).await {
        Ok(page) => page.messages.into_iter().map(|m| m.id).collect(),
        Err(_) => Vec::new(),
    }
}

/// Every conversation's messages in the cache are exactly the server's, in the same order.
async fn assert_cache_matches_server(server: &TestServer, client: &Client, chats: &[Uuid]) {
    let me = client.me().expect("signed in").id;
    for chat in chats {
        let on_server: Vec<Uuid> = server
            .server_messages(me, *chat)
            .await
            .into_iter()
            .map(|m| m.id)
            .collect();
        let here = cached_ids(client, *chat).await;
        let unique: HashSet<&Uuid> = here.iter().collect();
        assert_eq!(unique.len(), here.len(), "no message twice in {chat}");
        assert_eq!(
            here, on_server,
            "the cache holds {chat}'s history as the server does"
        );
    }
}

#[tokio::test]
async fn a_first_load_fills_every_history_from_bulk_pages_without_asking_chat_by_chat() {
    // Given twelve conversations of four messages each, and a network on which no
    // per-conversation call is answered
    let server = TestServer::start(1).await;
    let mut chats = Vec::new();
    for c in 0..12 {
        let sender = format!("55119300000{c:02}");
        chats.push(server.customer_writes(&sender, "mensagem 0").await);
        for i in 1..4 {
            server
                .customer_writes(&sender, &format!("mensagem {i}"))
                .await;
        }
    }
    server
        .proxy
        .swallow_answers_to("GET /api/v1/conversations/");

    // When Ana signs in on a new machine, the engine reading five messages a page
    let desktop = Desktop::new();
    let ana = client_with_pages(&desktop, 5);
    ana.login(&server.url(), "101", PASSWORD).await.unwrap();
    wait_online(&ana).await;

    // Then the load is over with every history complete: ten bulk pages held all 48 messages
    eventually("every history complete", || async {
        incomplete_histories(&ana).await == 0
    })
    .await;
    assert_cache_matches_server(&server, &ana, &chats).await;
    let expected: Vec<String> = (0..4).map(|i| format!("mensagem {i}")).collect();
    assert_eq!(cached_bodies(&ana, chats[7]).await, expected);
}

#[tokio::test]
async fn messages_arriving_during_the_bulk_load_are_neither_lost_nor_doubled() {
    // Given eight conversations, and the bulk pages after the first held up on the network
    let server = TestServer::start(1).await;
    let mut chats = Vec::new();
    for c in 0..8 {
        let sender = format!("55119400000{c:02}");
        let chat = server.customer_writes(&sender, "antes 0").await;
        for i in 1..3 {
            server.customer_writes(&sender, &format!("antes {i}")).await;
        }
        chats.push((chat, sender));
    }
    chats.sort(); // the bulk order: by conversation id
    server
        .proxy
        .hold_requests_to("GET /api/v1/history?limit=4&after=");
    let desktop = Desktop::new();
    let ana = client_with_pages(&desktop, 4);
    ana.login(&server.url(), "101", PASSWORD).await.unwrap();
    eventually("the first bulk page is written", || async {
        cached_count(&ana, chats[0].0).await == 3
    })
    .await;

    // When, while the load waits for its next page, customers write in a conversation it
    // paged past, in one it has not reached, and in a new one
    server
        .customer_writes(&chats[0].1, "durante, primeira")
        .await;
    server.customer_writes(&chats[7].1, "durante, última").await;
    let new_chat = server
        .customer_writes("5511940000099", "durante, conversa nova")
        .await;
    assert_eq!(
        incomplete_histories(&ana).await,
        7,
        "the load is still under way: only the first conversation is complete"
    );
    server.proxy.release();

    // Then once it is done every history is the server's, each message once
    wait_online(&ana).await;
    eventually("every history complete", || async {
        incomplete_histories(&ana).await == 0 && cached_count(&ana, new_chat).await == 1
    })
    .await;
    let mut all: Vec<Uuid> = chats.iter().map(|(c, _)| *c).collect();
    all.push(new_chat);
    assert_cache_matches_server(&server, &ana, &all).await;
    assert_eq!(cached_ids(&ana, chats[0].0).await.len(), 4);
    assert_eq!(cached_ids(&ana, chats[7].0).await.len(), 4);
}
