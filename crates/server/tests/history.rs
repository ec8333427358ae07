//! The bulk history of a first full load (`GET /api/v1/history`): every message of every
//! conversation the caller sees, each once, in pages; nothing of a chat a colleague took or of
//! another queue; bad parameters named.

mod common;

use std::collections::{HashMap, HashSet};

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

/// Queue "support" (101–103, ring_all) on channel "wa"; queue "sales" (104 alone) on "wa-sales".
fn two_queues() -> String {
    let text = config_toml(4, "strategy = \"ring_all\"", "").replace(
        "agents = [\"101\", \"102\", \"103\", \"104\"]",
        "agents = [\"101\", \"102\", \"103\"]",
    );
    format!(
        "{text}
[[queues]]
id = \"sales\"
agents = [\"104\"]

[[channels]]
id = \"wa-sales\"
kind = \"whatsapp\"
route = {{ queue = \"sales\" }}
[channels.whatsapp]
phone_number_id = \"2\"
access_token = \"t\"
app_secret = \"s\"
verify_token = \"v\"
"
    )
}

/// Every page of the caller's bulk history, `limit` at a time, after `between` ran once the
/// first page was read: (message id, conversation id) in the order served.
async fn page_all(agent: &Agent, limit: u32, between: impl AsyncFnOnce()) -> Vec<(Uuid, Uuid)> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    let mut between = Some(between);
    for _ in 0..1000 {
        let path = match &after {
            Some(next) => format!("/api/v1/history?limit={limit}&after={next}"),
            None => format!("/api/v1/history?limit={limit}"),
        };
        let (status, body) = agent.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let messages = body["messages"].as_array().unwrap();
        assert!(
            messages.len() <= limit as usize,
            "a page holds at most limit"
        );
        for m in messages {
            out.push((id(&m["id"]), id(&m["conversation_id"])));
        }
        if let Some(run) = between.take() {
            run().await;
        }
        match body.get("next").and_then(Value::as_str) {
            Some(next) => after = Some(next.to_string()),
            None => return out,
        }
    }
    panic!("paging never ended");
}

fn id(value: &Value) -> Uuid {
    value.as_str().expect("an id").parse().expect("a UUID")
}

/// Every message the per-conversation endpoint gives `agent`, over both lists.
async fn per_conversation(agent: &Agent) -> HashMap<Uuid, Uuid> {
    let mut out = HashMap::new();
    for view in ["recent", "archived"] {
        for conv in agent.list(view).await {
            let (status, body) = agent
                .get(&format!("/api/v1/conversations/{conv}/messages?limit=500"))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body["more"], false);
            for m in body["messages"].as_array().unwrap() {
                out.insert(id(&m["id"]), conv);
            }
        }
    }
    out
}

#[tokio::test]
async fn bulk_history_holds_every_visible_message_once_and_nothing_else() {
    // Given chats of the support queue — three Ana took (one archived), one Bruno took, one
    // still offered to both — and chats of the sales queue, which Ana is not in.
    let server = TestServer::with_config(&two_queues()).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let sales = server.login("104").await;
    let mut chats = Vec::new();
    for c in 0..5 {
        let sender = format!("55110000070{c}");
        let first = server.inbound("wa", &sender, "Oi").await;
        for i in 0..3 {
            server
                .inbound("wa", &sender, &format!("mensagem {i}"))
                .await;
        }
        chats.push(first.conversation_id);
    }
    for chat in &chats[..3] {
        assert_eq!(ana.take(*chat).await.0, StatusCode::OK);
        assert_eq!(
            ana.reply(*chat, "Olá! Como posso ajudar?").await.0,
            StatusCode::CREATED
        );
    }
    let (status, _) = ana
        .post(
            &format!("/api/v1/conversations/{}/archive", chats[1]),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bruno.take(chats[3]).await.0, StatusCode::OK);
    bruno.reply(chats[3], "Só para o Bruno").await;
    let mut sales_chats = HashSet::new();
    for c in 0..2 {
        let sender = format!("55110000080{c}");
        sales_chats.insert(
            server
                .inbound("wa-sales", &sender, "Vendas")
                .await
                .conversation_id,
        );
    }

    // When each pages through the bulk history three messages at a time.
    let expected = per_conversation(&ana).await;
    let served = page_all(&ana, 3, async || {}).await;

    // Then Ana gets exactly what the per-conversation endpoint gives her, each message once.
    let ids: Vec<Uuid> = served.iter().map(|(m, _)| *m).collect();
    let unique: HashSet<Uuid> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no message twice");
    assert_eq!(
        unique,
        expected.keys().copied().collect::<HashSet<_>>(),
        "the same messages as conversation by conversation"
    );
    let convs: HashSet<Uuid> = served.iter().map(|(_, c)| *c).collect();
    assert_eq!(
        convs,
        [chats[0], chats[1], chats[2], chats[4]]
            .into_iter()
            .collect(),
        "hers (archived too) and the one still offered to her; not the one Bruno took"
    );
    assert!(
        convs.is_disjoint(&sales_chats),
        "another queue's chats never appear"
    );
    assert!(
        served.windows(2).all(|w| w[0].1 <= w[1].1),
        "ordered by conversation: a chat's messages are together"
    );
    let sales_served = page_all(&sales, 1000, async || {}).await;
    assert_eq!(
        sales_served.iter().map(|(_, c)| *c).collect::<HashSet<_>>(),
        sales_chats,
        "the sales agent gets the sales chats only"
    );
    let bruno_convs: HashSet<Uuid> = page_all(&bruno, 5000, async || {})
        .await
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    assert_eq!(bruno_convs, [chats[3], chats[4]].into_iter().collect());
}

#[tokio::test]
async fn messages_arriving_while_paging_are_in_a_page_or_after_the_cursor_never_twice() {
    // Given three chats Ana took, and her sync cursor read before paging.
    let server = TestServer::with_config(&two_queues()).await;
    let ana = server.login("101").await;
    let mut chats = Vec::new();
    for c in 0..3 {
        let sender = format!("55110000090{c}");
        let chat = server.inbound("wa", &sender, "Oi").await.conversation_id;
        server.inbound("wa", &sender, "Tudo bem?").await;
        ana.take(chat).await;
        chats.push((chat, sender));
    }
    let (_, cursor) = ana.sync_all(0).await;
    let mut sorted = chats.clone();
    sorted.sort();

    // When a message arrives in the first chat (paged past) and the last (not reached yet)
    // after the first page.
    let served = page_all(&ana, 2, async || {
        server.inbound("wa", &sorted[0].1, "Chegou durante").await;
        server.inbound("wa", &sorted[2].1, "Chegou também").await;
    })
    .await;

    // Then paging served no message twice, and what it did not serve is in the events after
    // the cursor: together they are everything.
    let ids: Vec<Uuid> = served.iter().map(|(m, _)| *m).collect();
    let unique: HashSet<Uuid> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no message twice: {ids:?}");
    let (events, _) = ana.sync_all(cursor).await;
    let later: HashSet<Uuid> = events
        .iter()
        .filter(|e| e["type"] == "message.upserted")
        .map(|e| id(&e["data"]["id"]))
        .collect();
    let all = per_conversation(&ana).await;
    assert_eq!(all.len(), 3 * 2 + 2);
    for message in all.keys() {
        assert!(
            unique.contains(message) || later.contains(message),
            "message {message} is in a page or in the log after the cursor"
        );
    }
    let last_chat_new: Vec<&Uuid> = all
        .iter()
        .filter(|(m, c)| **c == sorted[2].0 && later.contains(m))
        .map(|(m, _)| m)
        .collect();
    assert!(
        last_chat_new.iter().all(|m| unique.contains(m)),
        "a message of a chat not paged yet comes in its page"
    );
}

#[tokio::test]
async fn bad_history_parameters_are_400_naming_the_parameter() {
    let server = TestServer::with_config(&two_queues()).await;
    let ana = server.login("101").await;
    for (query, code, names) in [
        ("limit=0", "invalid_limit", "limit"),
        ("limit=5001", "invalid_limit", "5000"),
        ("limit=many", "invalid_query", "limit"),
        ("after=not-a-cursor", "invalid_cursor", "after"),
        // A conversation list's cursor is no history cursor.
        (
            "after=MjAyNi0xMi0wMVQxMDowMDowMCswMDowMHwwMTkzMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA",
            "invalid_cursor",
            "after",
        ),
    ] {
        let (status, body) = ana.get(&format!("/api/v1/history?{query}")).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, code);
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(names), "{query}: {message}");
    }
    let (status, body) = ana.get("/api/v1/history?limit=5000").await;
    assert_eq!(status, StatusCode::OK, "the maximum is allowed: {body}");
    assert_eq!(body["messages"], json!([]));
    assert!(body.get("next").is_none(), "one empty page, the last");
}
