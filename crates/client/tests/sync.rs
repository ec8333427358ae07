//! Sync against the real server: the first full load, the live stream surviving cuts without
//! losing or repeating anything, chats taken away leaving nothing behind, and resets.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use switchboard_client::{Change, ConnectionState, OutgoingAttachment, View};

#[tokio::test]
async fn first_login_loads_every_conversation_and_its_whole_history() {
    // Given conversations with history before Ana ever signed in on this machine
    let server = TestServer::start(1).await;
    let mut chats = Vec::new();
    for c in 0..5 {
        let sender = format!("55119100000{c:02}");
        let chat = server.customer_writes(&sender, "mensagem 0").await;
        for i in 1..30 {
            server
                .customer_writes(&sender, &format!("mensagem {i}"))
                .await;
        }
        chats.push(chat);
    }

    // When she signs in
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;

    // Then every conversation is listed, newest activity first, with every message in order
    eventually("all histories loaded", || async {
        let mut all = true;
        for chat in &chats {
            all &= cached_bodies(&ana, *chat).await.len() == 30;
        }
        all
    })
    .await;
    let listed: Vec<_> = ana
        .conversations(View::Recent)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    let newest_first: Vec<_> = chats.iter().rev().copied().collect();
    assert_eq!(listed, newest_first);
    let expected: Vec<String> = (0..30).map(|i| format!("mensagem {i}")).collect();
    assert_eq!(cached_bodies(&ana, chats[0]).await, expected);
    let page = ana.messages(chats[0], None, 10).await.unwrap();
    assert!(
        page.more && !page.loading,
        "a complete history pages from the cache"
    );
}

#[tokio::test]
async fn killing_the_stream_mid_burst_of_a_thousand_messages_loses_none_and_duplicates_none() {
    // Given Ana online with a customer's chat
    let server = TestServer::start(1).await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    let mut changes = ana.subscribe();
    let chat = server.customer_writes("5511920000000", "msg 0").await;

    // When the customer writes 1,000 messages while the connection keeps being cut
    let engine = server.running().engine.clone();
    let writer = tokio::spawn(async move {
        for i in 1..1000 {
            engine
                .ingest(inbound(
                    "5511920000000",
                    &format!("msg {i}"),
                    &format!("burst-{i}"),
                ))
                .await
                .expect("ingest");
        }
    });
    let mut cuts = 0;
    while !writer.is_finished() {
        tokio::time::sleep(Duration::from_millis(15 + (cuts * 37) % 60)).await;
        server.proxy.cut();
        cuts += 1;
    }
    writer.await.unwrap();

    // Then the cache ends up with every message exactly once, in order
    let expected: Vec<String> = (0..1000).map(|i| format!("msg {i}")).collect();
    eventually("all 1,000 messages are in the cache", || async {
        cached_bodies(&ana, chat).await.len() >= 1000
    })
    .await;
    let bodies = cached_bodies(&ana, chat).await;
    assert_eq!(bodies, expected, "every message once, in order");
    let unique: HashSet<_> = bodies.iter().collect();
    assert_eq!(unique.len(), 1000, "no duplicates");

    // And the stream really was cut and resumed many times
    let mut reconnects = 0;
    while let Some(change) = changes.try_next() {
        if change
            == (Change::Connection {
                state: ConnectionState::Online,
            })
        {
            reconnects += 1;
        }
    }
    assert!(cuts > 5, "the test cut the connection ({cuts} cuts)");
    assert!(
        reconnects > 3,
        "the client resumed the stream ({reconnects} times)"
    );
}

#[tokio::test]
async fn a_chat_taken_by_another_agent_disappears_from_this_agents_cache_messages_included() {
    // Given Ana and Bia both offered a customer's chat, which Ana has read
    let server = TestServer::start(2).await;
    let ana_desktop = Desktop::new();
    let ana = signed_in(&server, &ana_desktop, "101").await;
    let bia_desktop = Desktop::new();
    let bia = signed_in(&server, &bia_desktop, "102").await;
    let chat = server
        .customer_writes("5511930000000", "meu CPF é 123.456.789-00")
        .await;
    server
        .customer_writes("5511930000000", "e o cartão final 4242")
        .await;
    eventually("Ana and Bia both have the chat", || async {
        cached_bodies(&ana, chat).await.len() == 2 && cached_bodies(&bia, chat).await.len() == 2
    })
    .await;
    let mut changes = ana.subscribe();

    // When Bia takes it
    bia.take(chat).await.expect("Bia takes the chat");

    // Then it leaves Ana's cache: no conversation, no messages, nothing searchable
    eventually("the chat left Ana's cache", || async {
        rows_left(&ana, chat) == [0, 0, 0, 0]
    })
    .await;
    assert!(ana.conversation(chat).await.unwrap().is_none());
    let found = ana.search("cartão").await.unwrap();
    assert!(
        found.messages.is_empty(),
        "taken messages are not searchable: {found:?}"
    );
    // The change is announced right after the rows went: wait for it, do not race it.
    let removed = Change::ConversationRemoved {
        id: chat,
        reason: "taken".into(),
    };
    let told = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Some(change) = changes.next().await {
            if change == removed {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(told, "the UI is told why the chat went away");
    // And Bia, the owner, still has it all: taking never drops what she already had
    assert_eq!(cached_bodies(&bia, chat).await.len(), 2);
}

#[tokio::test]
async fn a_transferred_chat_leaves_no_messages_attachments_or_downloads_behind() {
    // Given Ana owns a chat with a file she downloaded
    let server = TestServer::start(2).await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    let chat = server
        .customer_writes("5511940000000", "manda o contrato")
        .await;
    eventually("Ana has the chat", || async {
        !cached_bodies(&ana, chat).await.is_empty()
    })
    .await;
    let file = desktop.dir.path().join("contrato.txt");
    std::fs::write(&file, "cláusula primeira\n").unwrap();
    ana.send(chat, "segue", vec![OutgoingAttachment::File(file)])
        .await
        .unwrap();
    eventually("the reply was sent", || async {
        ana.outbox().await.unwrap().is_empty()
    })
    .await;
    let sent = ana.messages(chat, None, 10).await.unwrap().messages;
    let attachment = sent
        .iter()
        .find(|m| m.body == "segue")
        .and_then(|m| m.attachments.first().cloned())
        .expect("the sent reply carries the file");
    let downloaded = ana.download_attachment(attachment.id).await.unwrap();
    assert!(downloaded.is_file());
    assert_eq!(rows_left(&ana, chat)[2], 1, "the attachment is indexed");

    // When she transfers it to Bia
    ana.transfer(chat, "102").await.expect("transfer");

    // Then nothing of it stays on her machine. The stream's `conversation.removed` may be
    // forgetting the chat at the same moment, deleting the file on its own task: wait for it.
    assert_eq!(rows_left(&ana, chat), [0, 0, 0, 0]);
    eventually("the downloaded file was deleted", || async {
        !downloaded.exists()
    })
    .await;
}

#[tokio::test]
async fn a_reset_reloads_cleanly_dropping_what_went_away_and_catching_up_the_rest() {
    // Given Ana synced with two chats
    let server = TestServer::start(2).await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    let kept = server.customer_writes("5511950000001", "fico").await;
    let taken = server.customer_writes("5511950000002", "vou embora").await;
    eventually("Ana has both chats", || async {
        !cached_bodies(&ana, kept).await.is_empty() && !cached_bodies(&ana, taken).await.is_empty()
    })
    .await;

    // When she is offline long enough for the server to prune her events, and meanwhile one
    // chat gets new messages and the other is taken by a colleague
    server.proxy.refuse();
    eventually("Ana is offline", || async {
        ana.connection_state() != ConnectionState::Online
    })
    .await;
    for i in 0..600 {
        server
            .customer_writes("5511950000001", &format!("enquanto isso {i}"))
            .await;
    }
    let bia_desktop = Desktop::new();
    let bia = bia_desktop.client();
    bia.login(&format!("http://{}", server.addr), "102", PASSWORD)
        .await
        .unwrap();
    bia.take(taken).await.expect("Bia takes a chat");
    server
        .running()
        .engine
        .prune_events_before(chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .expect("prune");
    server.proxy.forward();

    // Then the reset reload drops the taken chat and completes the other one's history
    eventually("the reload finished", || async {
        rows_left(&ana, taken) == [0, 0, 0, 0] && cached_bodies(&ana, kept).await.len() == 601
    })
    .await;
    let mut expected = vec!["fico".to_string()];
    expected.extend((0..600).map(|i| format!("enquanto isso {i}")));
    assert_eq!(cached_bodies(&ana, kept).await, expected);
    wait_online(&ana).await;
    // And the stream goes on from the new cursor
    server.customer_writes("5511950000001", "de volta").await;
    eventually("live messages flow again", || async {
        cached_bodies(&ana, kept).await.last().map(String::as_str) == Some("de volta")
    })
    .await;
}

#[tokio::test]
async fn the_connection_state_follows_the_server_going_away_and_coming_back() {
    let mut server = TestServer::start(1).await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    assert_eq!(ana.connection_state(), ConnectionState::Online);

    server.stop().await;
    eventually("offline", || async {
        ana.connection_state() == ConnectionState::Offline
    })
    .await;
    // Offline, the cache still answers.
    assert!(ana.conversations(View::Recent).await.is_ok());

    server.restart().await;
    wait_online(&ana).await;
    let chat = server.customer_writes("5511960000000", "voltou").await;
    eventually("live events flow after the restart", || async {
        cached_bodies(&ana, chat).await == ["voltou"]
    })
    .await;
}
