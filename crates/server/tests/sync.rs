//! The per-agent event log: GET /sync paging and resets, and the WebSocket stream that replays
//! from a cursor so a client that drops at any point misses nothing and sees nothing twice.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[tokio::test]
async fn sync_pages_through_events_with_a_growing_cursor() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let chat = server.inbound("wa", "5511000000100", "Oi").await;
    for i in 0..4 {
        server
            .inbound("wa", "5511000000100", &format!("msg {i}"))
            .await;
    }
    let mut cursor = 0;
    let mut cursors = Vec::new();
    let mut types = Vec::new();
    loop {
        let (status, body) = ana
            .get(&format!("/api/v1/sync?cursor={cursor}&limit=3"))
            .await;
        assert_eq!(status, StatusCode::OK);
        for event in body["events"].as_array().unwrap() {
            cursors.push(event["cursor"].as_i64().unwrap());
            types.push(event["type"].as_str().unwrap().to_string());
        }
        cursor = body["cursor"].as_i64().unwrap();
        if !body["more"].as_bool().unwrap() {
            break;
        }
    }
    assert!(
        cursors.windows(2).all(|w| w[0] < w[1]),
        "cursors only grow: {cursors:?}"
    );
    assert_eq!(types.iter().filter(|t| *t == "message.upserted").count(), 5);
    assert!(types.contains(&"conversation.upserted".to_string()));
    let (_, body) = ana.get(&format!("/api/v1/sync?cursor={cursor}")).await;
    assert!(body["events"].as_array().unwrap().is_empty());
    assert_eq!(body["cursor"], cursor);
    assert_eq!(body["more"], false);
    let _ = chat;
}

#[tokio::test]
async fn a_cursor_the_server_never_issued_gets_a_reset() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    server.inbound("wa", "5511000000101", "Oi").await;
    let (status, body) = ana.get("/api/v1/sync?cursor=999999").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["reset"], true, "{body}");
    let head = body["cursor"].as_i64().unwrap();
    assert!(head > 0);
    let (_, body) = ana.get(&format!("/api/v1/sync?cursor={head}")).await;
    assert!(
        body.get("reset").is_none(),
        "after a reset the new cursor is served: {body}"
    );
    let (status, body) = ana.get("/api/v1/sync?cursor=abc").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_query");
}

#[tokio::test]
async fn pruned_events_answer_with_a_reset() {
    // Retention of one day; events are pruned when the clock passes it. Prune "now + 2 days"
    // by asking the engine directly with a retention that has already passed.
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    server.inbound("wa", "5511000000102", "Oi").await;
    let (_, cursor) = ana.sync_all(0).await;
    assert!(cursor > 0);
    let removed = server
        .running
        .engine
        .prune_events_before(chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert!(removed > 0);
    let (_, body) = ana.get("/api/v1/sync?cursor=0").await;
    assert_eq!(
        body["reset"], true,
        "a client behind the pruned events must reload: {body}"
    );
    let (_, body) = ana.get(&format!("/api/v1/sync?cursor={cursor}")).await;
    assert!(
        body.get("reset").is_none(),
        "a client that had everything goes on: {body}"
    );
}

/// Streams woken together are read in one snapshot, each conversation presented once for all
/// of them: each agent must still get their own view of it (archive flag, unread count), and
/// nothing of a chat taken away from them.
#[tokio::test]
async fn pages_read_together_equal_each_agents_own_page() {
    let server = TestServer::start(3).await;
    let (ana, bia, cleo) = (
        server.login("101").await,
        server.login("102").await,
        server.login("103").await,
    );
    let engine = &server.running.engine;
    let shared = server.inbound("wa", "5511000000120", "Oi").await;
    let newest = server.inbound("wa", "5511000000120", "Alguém?").await;
    let taken = server
        .inbound("wa", "5511000000121", "Preciso de ajuda")
        .await;
    engine
        .mark_read(bia.id, shared.conversation_id, newest.message_id)
        .await
        .unwrap();
    engine
        .set_archived(cleo.id, shared.conversation_id, true)
        .await
        .unwrap();
    engine.take(ana.id, taken.conversation_id).await.unwrap();
    assert_eq!(
        ana.reply(taken.conversation_id, "Claro!").await.0,
        StatusCode::CREATED
    );
    server.inbound("wa", "5511000000121", "Obrigado, Ana").await;

    let agents = [ana.id, bia.id, cleo.id];
    let wanted: Vec<_> = agents.iter().map(|&agent| (agent, 0, 500)).collect();
    let together = engine.sync_together(&wanted).await.unwrap();
    let mut views = Vec::new();
    for (agent, page) in agents.iter().zip(&together) {
        let alone = engine.sync(*agent, 0, 500).await.unwrap();
        assert_eq!(page, &alone, "agent {agent}: read together = read alone");
        let last = page
            .events
            .iter()
            .rev()
            .find(|e| {
                e.kind == "conversation.upserted"
                    && e.data["id"] == shared.conversation_id.to_string()
            })
            .expect("each agent sees the shared chat");
        views.push((last.data["unread"].clone(), last.data["archived"].clone()));
        let sees_taken_message = page
            .events
            .iter()
            .any(|e| e.kind == "message.upserted" && e.data["body"] == "Obrigado, Ana");
        assert_eq!(
            sees_taken_message,
            *agent == ana.id,
            "only Ana sees her chat"
        );
    }
    assert_eq!(
        views,
        [
            (serde_json::json!(2), serde_json::json!(false)),
            (serde_json::json!(0), serde_json::json!(false)),
            (serde_json::json!(2), serde_json::json!(true)),
        ],
        "(unread, archived) of the shared chat for Ana, Bia and Cleo"
    );
    // The stream's conversations are the conversation list's, whole: the unread counts (from
    // each chat's last seq, the agent's read mark and their replies; Ana's reply is read, the
    // answer is not), and the last message, which the stream's snapshot presents once for the
    // message's own event and its conversation's, and the list reads on its own.
    let (status, list) = ana.get("/api/v1/conversations?view=recent").await;
    assert_eq!(status, StatusCode::OK);
    for conv in list["conversations"].as_array().unwrap() {
        let streamed = together[0]
            .events
            .iter()
            .rev()
            .find(|e| e.kind == "conversation.upserted" && e.data["id"] == conv["id"])
            .expect("the stream carries each listed chat");
        assert_eq!(&streamed.data, conv, "chat {}", conv["id"]);
        let last = &conv["last_message"];
        let message = together[0]
            .events
            .iter()
            .rev()
            .find(|e| e.kind == "message.upserted" && e.data["id"] == last["id"])
            .expect("the stream carries each chat's last message");
        assert_eq!(&message.data, last, "chat {}", conv["id"]);
    }
    // A live page holds a new message's event before its conversation's: the conversation's
    // last message is then the one already presented for the event.
    let newest_event = together[0]
        .events
        .iter()
        .rev()
        .find(|e| e.kind == "message.upserted")
        .expect("Ana's log has messages");
    let live = engine
        .sync(ana.id, newest_event.cursor - 1, 500)
        .await
        .unwrap();
    assert_eq!(live.events[0].kind, "message.upserted");
    let conv_id = &newest_event.data["conversation_id"];
    let streamed = live
        .events
        .iter()
        .find(|e| e.kind == "conversation.upserted" && &e.data["id"] == conv_id)
        .expect("the message's conversation follows it");
    let listed = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| &c["id"] == conv_id)
        .expect("listed");
    assert_eq!(&streamed.data, listed);
    let taken_unread = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == taken.conversation_id.to_string())
        .map(|c| c["unread"].clone());
    assert_eq!(taken_unread, Some(serde_json::json!(1)));
}

#[tokio::test]
async fn stream_replays_then_delivers_live_events() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let chat = server.inbound("wa", "5511000000103", "antes").await;
    let mut socket = open_stream(&server, &ana, 0).await;
    let mut bodies = Vec::new();
    while let Some(event) = next_event(&mut socket, Duration::from_millis(500)).await {
        if event["type"] == "message.upserted" {
            bodies.push(event["data"]["body"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(bodies, ["antes"]);
    server.inbound("wa", "5511000000103", "depois").await;
    let live = loop {
        let event = next_event(&mut socket, Duration::from_secs(5))
            .await
            .expect("a live event");
        if event["type"] == "message.upserted" {
            break event;
        }
    };
    assert_eq!(live["data"]["body"], "depois");
    assert_eq!(
        live["data"]["conversation_id"],
        chat.conversation_id.to_string()
    );
    socket.close(None).await.ok();
}

#[tokio::test]
async fn stream_without_a_token_is_refused() {
    let server = TestServer::start(1).await;
    let url = format!("ws://{}/api/v1/stream?cursor=0", server.running.addr);
    let err = tokio_tungstenite::connect_async(url)
        .await
        .expect_err("no upgrade without a token");
    match err {
        tokio_tungstenite::tungstenite::Error::Http(response) => assert_eq!(response.status(), 401),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn cutting_the_stream_mid_burst_of_a_thousand_messages_loses_and_repeats_nothing() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let chat = server.inbound("wa", "5511000000104", "msg 0").await;

    // A customer writes 1,000 messages while Ana's connection keeps dropping.
    let engine = server.running.engine.clone();
    let writer = tokio::spawn(async move {
        for i in 1..1000 {
            engine
                .ingest(switchboard_server::engine::Inbound {
                    channel_id: "wa".into(),
                    sender: "5511000000104".into(),
                    display_name: "Burst".into(),
                    provider_message_id: Some(format!("burst-{i}")),
                    body: format!("msg {i}"),
                    attachments: Vec::new(),
                    sent_at: None,
                    consent: None,
                })
                .await
                .unwrap();
        }
    });

    let mut cursor = 0;
    let mut seen_cursors = HashSet::new();
    let mut bodies = Vec::new();
    let mut connections = 0;
    while bodies.len() < 1000 {
        connections += 1;
        assert!(connections < 500, "stream makes no progress");
        let mut socket = open_stream(&server, &ana, cursor).await;
        // Read a random-ish number of frames, then cut the connection without a goodbye.
        let take = 1 + (connections * 37) % 120;
        for _ in 0..take {
            let Some(event) = next_event(&mut socket, Duration::from_secs(5)).await else {
                break;
            };
            let c = event["cursor"].as_i64().unwrap();
            assert!(seen_cursors.insert(c), "event {c} delivered twice");
            assert!(c > cursor, "cursor went backwards");
            cursor = c;
            if event["type"] == "message.upserted" {
                bodies.push(event["data"]["body"].as_str().unwrap().to_string());
            }
        }
        drop(socket);
    }
    writer.await.unwrap();
    let expected: Vec<String> = (0..1000).map(|i| format!("msg {i}")).collect();
    assert_eq!(bodies, expected, "every message exactly once, in order");
    assert!(
        connections > 5,
        "the test really reconnected ({connections} connections)"
    );
    let _ = chat;
    let (events, _) = ana.sync_all(cursor).await;
    assert!(
        events.iter().all(|e| e["type"] != "message.upserted"),
        "nothing left behind"
    );
}

#[tokio::test]
async fn stream_sends_pings_and_survives_client_frames() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let mut socket = open_stream(&server, &ana, 0).await;
    socket.send(WsMessage::Text("hello".into())).await.unwrap();
    server.inbound("wa", "5511000000105", "ainda aqui").await;
    let mut got = false;
    while let Some(event) = next_event(&mut socket, Duration::from_secs(3)).await {
        if event["type"] == "message.upserted" {
            got = true;
            break;
        }
    }
    assert!(got);
}

#[tokio::test]
async fn stopping_the_server_closes_open_streams_with_going_away() {
    // Given an agent with an open stream
    let mut server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let mut socket = open_stream(&server, &ana, 0).await;

    // When the server stops (a deploy, a crash)
    server.restart(|_| {}).await;

    // Then the stream ends promptly with "going away", so the client reconnects instead of
    // waiting on a socket nobody serves.
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(frame) = socket.next().await {
            match frame {
                Ok(WsMessage::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        None
    })
    .await
    .expect("the stream must not outlive the server");
    assert_eq!(closed, Some(1001), "closed as going away");
}
