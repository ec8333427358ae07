//! Several server nodes sharing one PostgreSQL database behave as one system: what happens on
//! one node reaches agents connected to another, racing agents on different nodes still leave
//! one owner, a reply reaches the provider once although every node runs a sender, and a burst
//! of messages spread over the nodes stays one conversation in order.
//!
//! These tests need PostgreSQL (`SWITCHBOARD_TEST_PG`, printed by `scripts/postgres.sh`). Outside
//! CI they are skipped, saying so, when it is not set; in CI they fail.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;
use switchboard_fakes::{FakeGraph, GraphOptions, MetaWebhook, WhatsAppBusiness, WhatsAppWebhook};
use uuid::Uuid;

macro_rules! require_postgres {
    () => {
        if postgres_admin().is_none() {
            if std::env::var_os("CI").is_some() {
                panic!("SWITCHBOARD_TEST_PG is not set: run `export SWITCHBOARD_TEST_PG=\"$(scripts/postgres.sh)\"`");
            }
            eprintln!("SKIPPED: SWITCHBOARD_TEST_PG is not set (scripts/postgres.sh prints it)");
            return;
        }
    };
}

/// Two nodes on one database, a WhatsApp channel routed to a ring-all queue of three agents,
/// the fake Graph API behind it, and a webhook sender aimed at each node.
struct Cluster {
    // B first: fields drop in order, and A drops the database they share.
    b: TestServer,
    a: TestServer,
    graph: FakeGraph,
    hook_a: MetaWebhook,
    hook_b: MetaWebhook,
}

async fn cluster() -> Cluster {
    let graph = FakeGraph::start(GraphOptions::default()).await.unwrap();
    let options = graph.options().clone();
    let graph_base = graph.base_url().to_string();
    let a = TestServer::on_postgres_for(move |addr| {
        format!(
            r#"[server]
listen = "127.0.0.1:0"
public_url = "http://{addr}"
offer_tick_ms = 100

[server.rate_limits]
login_per_minute_per_ip = 1000

{agents}
[[queues]]
id = "support"
strategy = "ring_all"
agents = ["101", "102", "103"]

[[channels]]
id = "wa"
kind = "whatsapp"
route = {{ queue = "support" }}
[channels.whatsapp]
phone_number_id = "{phone}"
access_token = "{token}"
app_secret = "{secret}"
verify_token = "let-me-in"
api_base = "{graph_base}"
"#,
            agents = agents_toml(3),
            phone = WhatsAppBusiness::default().phone_number_id,
            token = options.whatsapp_access_token,
            secret = options.app_secret,
        )
    })
    .await;
    let b = a.another_node().await;
    let hook_a = graph.webhook(format!("{}/webhooks/whatsapp/wa", a.base));
    let hook_b = graph.webhook(format!("{}/webhooks/whatsapp/wa", b.base));
    Cluster {
        b,
        a,
        graph,
        hook_a,
        hook_b,
    }
}

async fn customer_writes(hook: &MetaWebhook, from: &str, body: &str) {
    let payload = WhatsAppWebhook::text(&WhatsAppBusiness::default(), from, "Cliente", body);
    let answer = hook.send(&payload).await.unwrap();
    assert!(answer.is_success(), "{answer:?}");
}

/// Events from `socket` until one of `kind` that `matches` arrives (None after ten seconds
/// without any event).
async fn wait_for_event(
    socket: &mut Socket,
    kind: &str,
    matches: impl Fn(&Value) -> bool,
) -> Option<Value> {
    while let Some(event) = next_event(socket, Duration::from_secs(10)).await {
        if event["type"] == kind && matches(&event) {
            return Some(event);
        }
    }
    None
}

async fn messages(agent: &Agent, conversation: Uuid) -> Vec<Value> {
    let (status, body) = agent
        .get(&format!(
            "/api/v1/conversations/{conversation}/messages?limit=200"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["messages"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn what_happens_on_one_node_reaches_agents_streaming_from_the_other() {
    require_postgres!();
    let c = cluster().await;
    // Ana signs in on node A and watches her stream there; her token works on B as well.
    let ana = c.a.login("101").await;
    let mut stream = open_stream(&c.a, &ana, 0).await;
    while next_event(&mut stream, Duration::from_millis(300))
        .await
        .is_some()
    {}

    // The customer's message comes in through node B.
    customer_writes(&c.hook_b, "5511911112222", "Olá, vim pelo nó B").await;
    let offered = wait_for_event(&mut stream, "message.upserted", |e| {
        e["data"]["body"] == "Olá, vim pelo nó B"
    })
    .await
    .expect("node A's stream tells Ana about a message that arrived at node B");
    let conversation: Uuid = offered["data"]["conversation_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(ana.via(&c.b).list("recent").await, vec![conversation]);

    // Bruno, signed in on node B, takes it: Ana's stream on A hears she lost the offer.
    let bruno = c.b.login("102").await;
    let (status, body) = bruno.take(conversation).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    eventually(
        "the chat left Ana's list once Bruno took it on the other node",
        || async { !ana.sees(conversation).await },
    )
    .await;
    wait_for_event(&mut stream, "conversation.removed", |e| {
        e["data"]["id"] == conversation.to_string()
    })
    .await
    .expect("node A's stream tells Ana the chat went to Bruno");

    // Signing out on one node ends the session on every node.
    let (status, _) = ana
        .via(&c.b)
        .call(reqwest::Method::DELETE, "/api/v1/session", None)
        .await;
    assert!(status.is_success());
    let (status, _) = ana.get("/api/v1/conversations?view=recent").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn agents_racing_on_two_nodes_for_the_same_chats_leave_exactly_one_owner_each() {
    require_postgres!();
    let c = cluster().await;
    let ana = c.a.login("101").await;
    let bruno = c.b.login("102").await;
    for i in 0..8 {
        let hook = if i % 2 == 0 { &c.hook_a } else { &c.hook_b };
        customer_writes(hook, &format!("55119300000{i:02}"), "quem me atende?").await;
    }
    let chats = ana.list("recent").await;
    assert_eq!(chats.len(), 8, "every chat was offered to Ana");

    for chat in chats {
        let (by_ana, by_bruno) = tokio::join!(ana.take(chat), bruno.take(chat));
        let won = [&by_ana, &by_bruno]
            .iter()
            .filter(|(status, _)| *status == StatusCode::OK)
            .count();
        assert_eq!(
            won, 1,
            "exactly one take succeeds: {by_ana:?} / {by_bruno:?}"
        );
        let owner = if by_ana.0 == StatusCode::OK {
            &ana
        } else {
            &bruno
        };
        let loser = if by_ana.0 == StatusCode::OK {
            &bruno
        } else {
            &ana
        };
        // Both nodes agree on who has it.
        for node in [&c.a, &c.b] {
            let (status, body) = owner
                .via(node)
                .get(&format!("/api/v1/conversations/{chat}"))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body["owner"]["id"], owner.id.to_string(), "{body}");
            let (status, _) = loser
                .via(node)
                .get(&format!("/api/v1/conversations/{chat}"))
                .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "the other agent lost it");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replies_reach_the_provider_once_although_every_node_sends() {
    require_postgres!();
    let c = cluster().await;
    let ana = c.a.login("101").await;
    customer_writes(&c.hook_a, "5511944445555", "preciso de ajuda").await;
    let chat = ana.list("recent").await[0];
    let (status, body) = ana.take(chat).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Ten replies, written alternately through each node; both nodes' senders wake for them.
    let mut written = Vec::new();
    for i in 0..10 {
        let node = if i % 2 == 0 { &c.a } else { &c.b };
        let text = format!("resposta {i}");
        let (status, body) = ana.via(node).reply(chat, &text).await;
        assert!(status.is_success(), "{body}");
        written.push(text);
    }
    eventually("every reply reached the provider", || async {
        c.graph.sent_whatsapp().len() >= written.len()
    })
    .await;
    // A little longer, to catch a second send of any of them.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sent = c.graph.sent_whatsapp();
    let bodies: Vec<String> = sent
        .iter()
        .map(|s| s["text"]["body"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(bodies, written, "each reply once, in the order written");

    let history = messages(&ana, chat).await;
    for reply in history.iter().filter(|m| m["direction"] == "outbound") {
        assert_eq!(reply["status"], "sent", "{reply}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_spread_over_both_nodes_stays_one_conversation_with_every_message_once() {
    require_postgres!();
    let c = cluster().await;
    let ana = c.a.login("101").await;
    customer_writes(&c.hook_a, "5511955556666", "mensagem inicial").await;

    // Forty messages from one customer, at once, half through each node.
    let written: Vec<String> = (0..40).map(|i| format!("parte {i}")).collect();
    let sends = written.iter().enumerate().map(|(i, body)| {
        let hook = if i % 2 == 0 { &c.hook_a } else { &c.hook_b };
        customer_writes(hook, "5511955556666", body)
    });
    futures_util::future::join_all(sends).await;

    let chats = ana.list("recent").await;
    assert_eq!(chats.len(), 1, "one customer, one conversation");
    let history = messages(&ana, chats[0]).await;
    let mut bodies: Vec<&str> = history
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies.remove(0), "mensagem inicial");
    bodies.sort_by_key(|b| b.trim_start_matches("parte ").parse::<u32>().unwrap());
    assert_eq!(bodies, written, "every message stored once");

    // Ana's event log, read from either node, carries each message exactly once.
    for node in [&c.a, &c.b] {
        let (events, _) = ana.via(node).sync_all(0).await;
        let mut seen = HashSet::new();
        for event in events.iter().filter(|e| e["type"] == "message.upserted") {
            assert!(
                seen.insert(event["data"]["id"].as_str().unwrap().to_string()),
                "a message announced twice: {event}"
            );
        }
        assert_eq!(seen.len(), 41);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_send_left_in_flight_by_a_node_that_died_is_failed_by_the_others_not_repeated() {
    require_postgres!();
    let c = cluster().await;
    let ana = c.a.login("101").await;
    customer_writes(&c.hook_a, "5511977778888", "oi").await;
    let chat = ana.list("recent").await[0];
    for text in ["primeira", "segunda"] {
        let (status, body) = ana.reply(chat, text).await;
        assert!(status.is_success(), "{body}");
    }
    eventually("both replies reached the provider", || async {
        c.graph.sent_whatsapp().len() == 2
    })
    .await;

    // As if a node had claimed both and died: one claim eleven minutes old, one a minute old
    // (that node may still be waiting for the provider).
    let jobs = |state: &str| {
        c.a.count(&format!(
            "SELECT COUNT(*) FROM outbound_jobs WHERE state = '{state}'"
        ))
    };
    let claimed = c.a.execute(
        "UPDATE outbound_jobs SET state = 'sending', next_attempt_at = now() - interval '11 minutes'
         WHERE message_id = (SELECT message_id FROM outbound_jobs ORDER BY created_at LIMIT 1)",
    );
    assert_eq!(claimed, 1);
    let claimed = c.a.execute(
        "UPDATE outbound_jobs SET state = 'sending', next_attempt_at = now() - interval '1 minute'
         WHERE state = 'done'",
    );
    assert_eq!(claimed, 1);

    // A third node starting looks for such claims: the old one is failed, the recent one left
    // alone, and nothing is sent again.
    let _c = c.a.another_node().await;
    eventually("the stale claim was given up", || async {
        jobs("failed") == 1
    })
    .await;
    assert_eq!(jobs("sending"), 1, "the recent claim was left to its node");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(c.graph.sent_whatsapp().len(), 2, "nothing was sent twice");
}

/// Two nodes on one database with a live-chat channel and a tight log-in limit.
struct LiveChatPair {
    // B first: A drops the database they share.
    b: TestServer,
    a: TestServer,
}

async fn live_chat_pair() -> LiveChatPair {
    let a = TestServer::on_postgres_for(|addr| {
        format!(
            r#"[server]
listen = "127.0.0.1:0"
public_url = "http://{addr}"

[server.rate_limits]
login_per_minute_per_ip = 1000
login_per_minute_per_user = 3

{agents}
[[queues]]
id = "web-queue"
agents = ["101", "102"]

[[channels]]
id = "web"
kind = "livechat"
route = {{ queue = "web-queue" }}
[channels.livechat]
allowed_origins = ["https://shop.example.com"]
"#,
            agents = agents_toml(2),
        )
    })
    .await;
    let b = a.another_node().await;
    LiveChatPair { b, a }
}

/// A wrong password for 101 on `node`: the status and the error code.
async fn guess(node: &TestServer) -> (StatusCode, Value) {
    let (status, body) = node
        .call(
            None,
            reqwest::Method::POST,
            "/api/v1/session",
            Some(serde_json::json!({"login": "101", "password": "guess"})),
        )
        .await;
    (status, body["error"]["code"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn log_in_attempts_are_counted_on_every_node_together() {
    require_postgres!();
    let LiveChatPair { b, a } = live_chat_pair().await;
    // Three wrong passwords spread over both nodes use up the limit of three a minute...
    for node in [&a, &b, &a] {
        assert_eq!(guess(node).await.0, StatusCode::UNAUTHORIZED);
    }
    // ...on both nodes: a fourth guess is refused wherever it goes.
    for node in [&b, &a] {
        assert_eq!(
            guess(node).await,
            (StatusCode::TOO_MANY_REQUESTS, Value::from("rate_limited"))
        );
    }
    // Another login is not affected, and the counts are kept hashed.
    b.login("102").await;
    // (Hex digits of a hash may spell 101 by chance: the test is the form, not the text.)
    assert_eq!(
        a.count(
            "SELECT count(*) FROM request_counts \
             WHERE length(key) <> 64 OR key LIKE '%.%' OR key <> lower(key)"
        ),
        0,
        "every key is a lower-case hex SHA-256"
    );
    assert!(a.count("SELECT count(*) FROM request_counts") >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_agent_typing_on_one_node_shows_to_a_visitor_connected_to_the_other() {
    require_postgres!();
    let LiveChatPair { b, a } = live_chat_pair().await;
    let (status, session) = a
        .call(
            None,
            reqwest::Method::POST,
            "/livechat/web/session",
            Some(serde_json::json!({"name": "Paula"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let token = session["token"].as_str().unwrap().to_string();
    let (status, sent) = a
        .call(
            Some(&token),
            reqwest::Method::POST,
            "/livechat/web/messages",
            Some(serde_json::json!({"client_id": Uuid::now_v7(), "body": "Oi, alguém aí?"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");

    // Paula's page streams from node A; Ana works on node B.
    let url = format!(
        "ws://{}/livechat/web/stream?token={token}&cursor=0",
        a.running.addr
    );
    let (mut page, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let ana = b.login("101").await;
    let conversation = ana.list("recent").await[0];
    let (status, _) = ana
        .post(
            &format!("/api/v1/conversations/{conversation}/typing"),
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let typing = tokio::time::timeout(Duration::from_secs(10), async {
        use futures_util::StreamExt;
        while let Some(Ok(frame)) = page.next().await {
            if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
                let event: Value = serde_json::from_str(&text).unwrap();
                if event["type"] == "typing" {
                    return Some(event);
                }
            }
        }
        None
    })
    .await
    .expect("the typing hint reaches the page on the other node")
    .expect("an open stream");
    assert_eq!(typing["data"]["agent_name"], "Agent 101");
}

#[tokio::test]
async fn signing_out_on_one_node_closes_the_stream_on_the_other() {
    require_postgres!();
    let c = cluster().await;
    let ana = c.a.login("101").await;
    let mut stream = open_stream(&c.a, &ana, 0).await;
    let (status, _) = ana
        .via(&c.b)
        .call(reqwest::Method::DELETE, "/api/v1/session", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let frame = tokio::time::timeout_at(deadline, futures_util::StreamExt::next(&mut stream))
            .await
            .expect("the stream on node A closes");
        match frame {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Close(Some(frame)))) => {
                assert_eq!(u16::from(frame.code), 4401, "{frame:?}");
                break;
            }
            Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text))) => {
                panic!("an event after the session ended: {text}")
            }
            Some(Ok(_)) => continue,
            other => panic!("closed without saying why: {other:?}"),
        }
    }
}
