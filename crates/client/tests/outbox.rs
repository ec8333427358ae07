//! The offline outbox against the real server: replies written while the server is down are
//! delivered once it is back, exactly once, also across an engine restart and a lost answer;
//! refusals are shown with the server's reason; files are uploaded before the message.

mod common;

use common::*;
use switchboard_client::{Change, OutgoingAttachment};
use switchboard_protocol::MessageStatus;
use uuid::Uuid;

/// The client's copy of the reply with this body, if any.
async fn cached_reply(
    client: &switchboard_client::Client,
    conversation: Uuid,
    body: &str,
) -> Vec<switchboard_protocol::Message> {
    client
        .messages(conversation, None, 1000)
        .await
        .map(|page| page.messages)
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.body == body)
        .collect()
}

async fn conversation_in_cache(
    server: &TestServer,
    client: &switchboard_client::Client,
    sender: &str,
) -> Uuid {
    let conversation = server.customer_writes(sender, "Oi, preciso de ajuda").await;
    eventually("the conversation reached the cache", || async {
        !cached_bodies(client, conversation).await.is_empty()
    })
    .await;
    conversation
}

#[tokio::test]
async fn a_reply_sent_while_the_server_is_down_is_delivered_exactly_once_when_it_returns() {
    // Given Ana signed in, with a customer's chat in her cache
    let mut server = TestServer::start(1).await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    let me = ana.me().expect("signed in").id;
    let chat = conversation_in_cache(&server, &ana, "5511900000001").await;

    // When the server goes down and she replies
    server.stop().await;
    let pending = ana
        .send(chat, "Respondi sem servidor", Vec::new())
        .await
        .expect("sending works offline");

    // Then the reply shows at once as pending, and is retried while the server is away
    assert_eq!(pending.status, MessageStatus::Pending);
    assert_eq!(
        cached_reply(&ana, chat, "Respondi sem servidor")
            .await
            .len(),
        1
    );
    eventually("a delivery attempt failed and was rescheduled", || async {
        ana.outbox().await.unwrap().iter().any(|e| e.attempts >= 2)
    })
    .await;

    // When the server comes back
    server.restart().await;

    // Then the reply is delivered (the server's copy, with the server's id, replaces the
    // pending one), and stored once on the server and once in the cache
    eventually("the reply was sent", || async {
        let copies = cached_reply(&ana, chat, "Respondi sem servidor").await;
        copies.len() == 1 && copies[0].id != pending.id
    })
    .await;
    assert!(
        ana.outbox().await.unwrap().is_empty(),
        "the outbox is empty"
    );
    let stored: Vec<_> = server
        .server_messages(me, chat)
        .await
        .into_iter()
        .filter(|m| m.body == "Respondi sem servidor")
        .collect();
    assert_eq!(stored.len(), 1, "exactly one copy on the server");
    assert_eq!(
        stored[0].client_id,
        Some(pending.id),
        "the server kept the client id"
    );
    let cached = cached_reply(&ana, chat, "Respondi sem servidor").await;
    assert_eq!(
        cached[0].id, stored[0].id,
        "the cache holds the server's copy"
    );
}

#[tokio::test]
async fn a_reply_queued_offline_survives_an_engine_restart_and_is_delivered_once() {
    // Given a reply written while the server was down
    let mut server = TestServer::start(1).await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    let me = ana.me().expect("signed in").id;
    let chat = conversation_in_cache(&server, &ana, "5511900000002").await;
    server.stop().await;
    let first = ana
        .send(chat, "primeira, offline", Vec::new())
        .await
        .unwrap();
    let second = ana
        .send(chat, "segunda, offline", Vec::new())
        .await
        .unwrap();
    eventually("a delivery attempt failed", || async {
        ana.outbox().await.unwrap().iter().any(|e| e.attempts >= 1)
    })
    .await;

    // When the app quits and starts again (still offline)
    ana.shutdown().await;
    drop(ana);
    let restarted = desktop.client();
    let agent = restarted
        .resume()
        .await
        .expect("resume works offline")
        .expect("the profile and token are remembered");
    assert_eq!(agent.id, me);
    assert_eq!(
        restarted.outbox().await.unwrap().len(),
        2,
        "both replies are still queued after the restart"
    );
    assert_eq!(
        cached_reply(&restarted, chat, "primeira, offline").await[0].status,
        MessageStatus::Pending
    );

    // And the server comes back
    server.restart().await;

    // Then each reply is stored exactly once on the server, in the order written
    eventually("both replies were sent", || async {
        restarted.outbox().await.unwrap().is_empty()
    })
    .await;
    let bodies: Vec<String> = server
        .server_messages(me, chat)
        .await
        .into_iter()
        .filter(|m| m.body.ends_with("offline"))
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies, ["primeira, offline", "segunda, offline"]);
    for (pending, body) in [(first, "primeira, offline"), (second, "segunda, offline")] {
        let cached = cached_reply(&restarted, chat, body).await;
        assert_eq!(cached.len(), 1, "{body} is in the cache once");
        assert_eq!(cached[0].client_id, Some(pending.id));
        assert_ne!(
            cached[0].id, pending.id,
            "{body}: the server's copy replaced the pending one"
        );
    }
}

#[tokio::test]
async fn a_reply_whose_answer_was_lost_is_retried_and_stored_once() {
    // Given Ana online with a chat
    let server = TestServer::start(1).await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    let me = ana.me().expect("signed in").id;
    let chat = conversation_in_cache(&server, &ana, "5511900000003").await;

    // When the network delivers her reply but loses the server's answer
    server.proxy.swallow();
    let pending = ana
        .send(chat, "a resposta se perdeu", Vec::new())
        .await
        .unwrap();
    eventually("the server stored the reply", || async {
        server
            .server_messages(me, chat)
            .await
            .iter()
            .any(|m| m.body == "a resposta se perdeu")
    })
    .await;
    eventually("the client saw the attempt fail", || async {
        ana.outbox().await.unwrap().iter().any(|e| e.attempts >= 1)
    })
    .await;

    // And the network recovers
    server.proxy.forward();

    // Then the retry is recognised by its client id: one message on the server, sent here
    eventually("the retry succeeded", || async {
        ana.outbox().await.unwrap().is_empty()
    })
    .await;
    let stored: Vec<_> = server
        .server_messages(me, chat)
        .await
        .into_iter()
        .filter(|m| m.body == "a resposta se perdeu")
        .collect();
    assert_eq!(stored.len(), 1, "the retry must not duplicate the reply");
    let cached = cached_reply(&ana, chat, "a resposta se perdeu").await;
    assert_eq!(cached.len(), 1);
    assert_eq!(cached[0].id, stored[0].id);
    assert_eq!(cached[0].client_id, Some(pending.id));
}

#[tokio::test]
async fn a_reply_to_a_chat_a_colleague_took_meanwhile_leaves_nothing_behind() {
    // Given a chat that a colleague takes before Ana's reply leaves
    let server = TestServer::start(2).await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    let chat = conversation_in_cache(&server, &ana, "5511900000004").await;
    server.proxy.refuse();
    let reply = ana.send(chat, "tarde demais", Vec::new()).await.unwrap();
    let bia = Desktop::new();
    let bia = signed_in_direct(&server, &bia, "102").await;
    bia.take(chat).await.expect("Bia takes the chat");

    // When Ana's reply reaches the server
    server.proxy.forward();

    // Then the chat leaves Ana's cache (a taken chat is not hers any more) and with it the
    // unsent reply, or, if the refusal came first, the reply shows the server's reason
    eventually("the chat left Ana's cache", || async {
        rows_left(&ana, chat) == [0, 0, 0, 0]
    })
    .await;
    assert!(ana
        .outbox()
        .await
        .unwrap()
        .iter()
        .all(|e| e.client_id != reply.id));
}

/// Bia signs in straight to the server, not through the proxy.
async fn signed_in_direct(
    server: &TestServer,
    desktop: &Desktop,
    login: &str,
) -> switchboard_client::Client {
    let client = desktop.client();
    client
        .login(&format!("http://{}", server.addr), login, PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("login {login}: {e}"));
    wait_online(&client).await;
    client
}

#[tokio::test]
async fn a_refusal_is_shown_on_the_message_and_the_reply_can_be_retried_or_discarded() {
    // Given a reply with a file the server will refuse (not an accepted type)
    let server = TestServer::start(1).await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    let chat = conversation_in_cache(&server, &ana, "5511900000005").await;
    let file = desktop.dir.path().join("programa.exe");
    std::fs::write(&file, b"MZ\x90\x00 not really a program").unwrap();

    // When it is sent
    let reply = ana
        .send(
            chat,
            "segue o arquivo",
            vec![OutgoingAttachment::File(file)],
        )
        .await
        .unwrap();

    // Then it fails with the server's own explanation, kept in the outbox for a decision
    eventually("the reply failed", || async {
        cached_reply(&ana, chat, "segue o arquivo")
            .await
            .first()
            .is_some_and(|m| m.status == MessageStatus::Failed)
    })
    .await;
    let failed = &cached_reply(&ana, chat, "segue o arquivo").await[0];
    assert!(
        failed.error.as_deref().is_some_and(|e| !e.is_empty()),
        "the reason is shown: {failed:?}"
    );
    let entry = ana.outbox().await.unwrap();
    assert_eq!(entry.len(), 1);
    assert_eq!(
        entry[0].error_code.as_deref(),
        Some("unsupported_file_type")
    );

    // And discarding it removes it from the chat and the outbox
    ana.discard_send(reply.id).await.unwrap();
    assert!(cached_reply(&ana, chat, "segue o arquivo").await.is_empty());
    assert!(ana.outbox().await.unwrap().is_empty());
}

#[tokio::test]
async fn files_are_uploaded_first_with_progress_then_the_message_references_them() {
    // Given a text file and a reply that carries it
    let server = TestServer::start(1).await;
    let desktop = Desktop::new();
    let ana = signed_in(&server, &desktop, "101").await;
    let me = ana.me().expect("signed in").id;
    let chat = conversation_in_cache(&server, &ana, "5511900000006").await;
    let file = desktop.dir.path().join("notas.txt");
    let text = "linha de texto simples\n".repeat(20_000); // about 460 KB
    std::fs::write(&file, &text).unwrap();
    let mut changes = ana.subscribe();

    // When it is sent
    let reply = ana
        .send(chat, "as notas", vec![OutgoingAttachment::File(file)])
        .await
        .unwrap();
    assert_eq!(
        reply.attachments.len(),
        1,
        "the pending reply shows the file"
    );

    // Then the upload reports progress up to the whole file
    let total = text.len() as u64;
    let mut last_sent = 0;
    while last_sent < total {
        match tokio::time::timeout(std::time::Duration::from_secs(30), changes.next()).await {
            Ok(Some(Change::UploadProgress { sent, total: t, .. })) => {
                assert_eq!(t, total);
                assert!(sent >= last_sent, "progress only grows");
                last_sent = sent;
            }
            Ok(Some(_)) => {}
            other => panic!("no upload progress: {other:?}"),
        }
    }

    // And the server's message carries the uploaded file, which downloads intact
    eventually("the reply was sent", || async {
        ana.outbox().await.unwrap().is_empty()
    })
    .await;
    let stored: Vec<_> = server
        .server_messages(me, chat)
        .await
        .into_iter()
        .filter(|m| m.body == "as notas")
        .collect();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].attachments.len(), 1);
    assert_eq!(stored[0].attachments[0].size, total);
    let path = ana
        .download_attachment(stored[0].attachments[0].id)
        .await
        .expect("the file downloads");
    assert_eq!(std::fs::read_to_string(path).unwrap(), text);
}
