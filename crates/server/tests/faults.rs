//! Faults proven with real processes: the server binary killed with SIGKILL in the middle of a
//! burst of signed webhooks, and in the middle of delivering replies, then started again on
//! the same database. Nothing acknowledged is lost, nothing is stored or sent twice.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::json;
use switchboard_fakes::graph::whatsapp::{WhatsAppBusiness, WhatsAppMessage, WhatsAppWebhook};
use switchboard_fakes::graph::{FakeGraph, GraphOptions};
use uuid::Uuid;

/// A configuration with two agents, a queue and a WhatsApp channel whose sends go to `graph`.
fn write_config(dir: &Path, graph: &FakeGraph) -> PathBuf {
    let options = graph.options();
    let text = format!(
        r#"[server]
listen = "127.0.0.1:0"
database = "sqlite://switchboard.db"
[server.rate_limits]
webhooks_per_minute_per_ip = 1000000
login_per_minute_per_ip = 1000

{agents}
[[queues]]
id = "support"
agents = ["101", "102"]

[[channels]]
id = "wa"
kind = "whatsapp"
route = {{ queue = "support" }}
[channels.whatsapp]
phone_number_id = "{phone}"
access_token = "{token}"
app_secret = "{secret}"
verify_token = "v"
api_base = "{api}"
"#,
        agents = agents_toml(2),
        phone = WhatsAppBusiness::default().phone_number_id,
        token = options.whatsapp_access_token,
        secret = options.app_secret,
        api = graph.base_url(),
    );
    let path = dir.join("switchboard.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Where a test server process keeps its data: a SQLite file in its directory, or (with
/// SWITCHBOARD_TEST_BACKEND=postgres) a scratch PostgreSQL database.
enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    /// The backend these tests run on, for a server configured at `config`: a PostgreSQL
    /// configuration is rewritten to use a scratch database.
    fn for_config(config: &Path) -> Database {
        if !on_postgres() {
            return Database::Sqlite(config.with_file_name("switchboard.db"));
        }
        let url = scratch_postgres_database();
        let text = with_database(&std::fs::read_to_string(config).unwrap(), &url);
        std::fs::write(config, text).unwrap();
        Database::Postgres(url)
    }

    /// Every provider message id stored, with how many times.
    fn stored_provider_ids(&self) -> HashMap<String, i64> {
        const SQL: &str = "SELECT provider_message_id, COUNT(*) FROM messages \
             WHERE provider_message_id IS NOT NULL GROUP BY provider_message_id";
        match self {
            Database::Sqlite(file) => {
                let db = rusqlite::Connection::open(file).unwrap();
                let mut query = db.prepare(SQL).unwrap();
                let rows = query
                    .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                    .unwrap();
                rows.map(Result::unwrap).collect()
            }
            Database::Postgres(url) => {
                let url = url.clone();
                std::thread::spawn(move || {
                    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                    client
                        .query(SQL, &[])
                        .unwrap()
                        .iter()
                        .map(|row| (row.get(0), row.get(1)))
                        .collect()
                })
                .join()
                .unwrap()
            }
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Database::Postgres(url) = self {
            drop_postgres_database(url);
        }
    }
}

/// `n` signed WhatsApp webhooks, each one new message (half of them from new customers).
fn burst(n: usize) -> Vec<(String, Vec<u8>)> {
    let business = WhatsAppBusiness::default();
    (0..n)
        .map(|i| {
            let id = format!("wamid.burst-{i:05}");
            let from = format!("55119{:08}", if i % 2 == 0 { i } else { i % 50 });
            let body = WhatsAppWebhook::new(&business)
                .contact(&from, "Cliente")
                .message(WhatsAppMessage::text(&from, format!("mensagem {i}")).with_id(&id))
                .to_bytes();
            (id, body)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_during_a_webhook_burst_loses_and_doubles_nothing() {
    let graph = FakeGraph::start(GraphOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &graph);
    let database = Database::for_config(&config);
    let mut node = ServerProcess::start(&config);
    let deliveries = burst(2000);
    let hook = graph.webhook(format!("{}/webhooks/whatsapp/wa", node.base));

    let answered = Arc::new(AtomicUsize::new(0));
    let acknowledged: Vec<String> = {
        let sends = futures_util::stream::iter(deliveries.iter().cloned())
            .map(|(id, body)| {
                let (hook, answered) = (hook.clone(), answered.clone());
                async move {
                    let ok = hook.send(&body).await.is_ok_and(|r| r.is_success());
                    if ok {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    ok.then_some(id)
                }
            })
            // All of them at once, as a provider's peak after an outage delivers them.
            .buffer_unordered(deliveries.len())
            .filter_map(|id| async move { id })
            .collect::<Vec<_>>();
        let killer = async {
            while answered.load(Ordering::SeqCst) < 300 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            node.kill();
        };
        let (acknowledged, ()) = tokio::join!(sends, killer);
        acknowledged
    };
    assert!(
        acknowledged.len() >= 300 && acknowledged.len() < 2000,
        "killed mid-burst: {} of 2000 acknowledged",
        acknowledged.len()
    );

    // Every acknowledged webhook is stored, once.
    let stored = database.stored_provider_ids();
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !stored.contains_key(*id))
        .collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    assert!(stored.values().all(|&n| n == 1));

    // The provider delivers everything again, as it does for what it never heard back about.
    let node = ServerProcess::start(&config);
    let hook = graph.webhook(format!("{}/webhooks/whatsapp/wa", node.base));
    let failures: Vec<String> = futures_util::stream::iter(deliveries.iter().cloned())
        .map(|(id, body)| {
            let hook = hook.clone();
            async move {
                let answer = hook.send(&body).await;
                (!answer.as_ref().is_ok_and(|r| r.is_success()))
                    .then(|| format!("{id}: {answer:?}"))
            }
        })
        .buffer_unordered(32)
        .filter_map(|failed| async move { failed })
        .collect()
        .await;
    assert!(failures.is_empty(), "re-deliveries refused: {failures:?}");
    let stored = database.stored_provider_ids();
    assert_eq!(stored.len(), 2000, "every message stored");
    assert!(
        stored.values().all(|&n| n == 1),
        "none twice: {:?}",
        stored.iter().filter(|(_, &n)| n > 1).collect::<Vec<_>>()
    );
    let expected: HashSet<&String> = deliveries.iter().map(|(id, _)| id).collect();
    assert!(stored.keys().all(|id| expected.contains(id)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_while_delivering_sends_no_reply_twice_and_loses_none_silently() {
    let graph = FakeGraph::start(GraphOptions {
        // Long enough that a reply taken by the platform is still unanswered when the server
        // is killed, even on a loaded machine.
        send_delay: Duration::from_secs(1),
        ..GraphOptions::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &graph);
    let mut node = ServerProcess::start(&config);
    let hook = graph.webhook(format!("{}/webhooks/whatsapp/wa", node.base));
    let business = WhatsAppBusiness::default();
    let customers: Vec<String> = (0..20).map(|i| format!("5511977{i:06}")).collect();
    for customer in &customers {
        let body = WhatsAppWebhook::text(&business, customer, "Cliente", "oi");
        assert!(hook.send(&body).await.unwrap().is_success());
    }
    let token = node.login("101").await;
    let (_, list) = node
        .call(&token, Method::GET, "/api/v1/conversations", None)
        .await;
    let conversations: Vec<String> = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(conversations.len(), customers.len());
    let mut replies = Vec::new();
    for id in &conversations {
        let (status, _) = node
            .call(
                &token,
                Method::POST,
                &format!("/api/v1/conversations/{id}/take"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let client_id = Uuid::now_v7();
        let (status, sent) = node
            .call(
                &token,
                Method::POST,
                &format!("/api/v1/conversations/{id}/messages"),
                Some(json!({"client_id": client_id, "body": format!("resposta {client_id}")})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{sent}");
        replies.push((
            id.clone(),
            sent["id"].as_str().unwrap().to_string(),
            client_id,
        ));
    }
    // Some replies have reached the platform, whose answers are still on their way.
    graph
        .wait_for_whatsapp(3, Duration::from_secs(20))
        .await
        .expect("deliveries started");
    node.kill();

    let node = ServerProcess::start(&config);
    let token = node.login("101").await;
    // Once things settle, each reply has reached the platform at most once, and each is
    // either sent or shown failed (for the agent to resend): none stays pending in silence.
    let mut last = Vec::new();
    for _ in 0..300 {
        last.clear();
        for (conversation, message, _) in &replies {
            let (_, page) = node
                .call(
                    &token,
                    Method::GET,
                    &format!("/api/v1/conversations/{conversation}/messages"),
                    None,
                )
                .await;
            let status = page["messages"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["id"] == message.as_str())
                .map(|m| m["status"].as_str().unwrap().to_string())
                .expect("the reply is still there");
            last.push(status);
        }
        if last.iter().all(|s| s != "pending") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(last.iter().all(|s| s != "pending"), "{last:?}");
    let sent_bodies: Vec<String> = graph
        .sent_whatsapp()
        .iter()
        .map(|m| m["text"]["body"].as_str().unwrap_or_default().to_string())
        .collect();
    for (i, (_, _, client_id)) in replies.iter().enumerate() {
        let body = format!("resposta {client_id}");
        let times = sent_bodies.iter().filter(|b| **b == body).count();
        assert!(times <= 1, "reply {i} reached the platform {times} times");
        if times == 0 {
            assert_eq!(
                last[i], "failed",
                "reply {i} never sent and not shown failed"
            );
        }
    }
    assert!(
        last.iter().any(|s| s == "failed"),
        "some replies were in flight when the server was killed: {last:?}"
    );

    // The agent sends again what failed without reaching the platform: each arrives once.
    let times_sent = |body: &str| {
        graph
            .sent_whatsapp()
            .iter()
            .filter(|m| m["text"]["body"] == body)
            .count()
    };
    let mut resent = Vec::new();
    for (i, (_, message, client_id)) in replies.iter().enumerate() {
        let body = format!("resposta {client_id}");
        if last[i] == "failed" && times_sent(&body) == 0 {
            let (status, again) = node
                .call(
                    &token,
                    Method::POST,
                    &format!("/api/v1/messages/{message}/resend"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{again}");
            resent.push(body);
        }
    }
    for _ in 0..300 {
        if resent.iter().all(|body| times_sent(body) >= 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for body in &resent {
        assert_eq!(times_sent(body), 1, "{body} after a resend");
    }
}

/// A TCP relay in front of the PostgreSQL server that a test can cut and restore, as if the
/// database stopped and started again (without stopping the server other tests use).
struct Outage {
    addr: std::net::SocketAddr,
    upstream: String,
    relays: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Outage {
    async fn relay_to(upstream: &str) -> Outage {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let outage = Outage {
            addr: listener.local_addr().unwrap(),
            upstream: upstream.to_string(),
            relays: Arc::default(),
        };
        outage.serve(listener);
        outage
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let (upstream, relays) = (self.upstream.clone(), self.relays.clone());
        let accept = tokio::spawn({
            let relays = relays.clone();
            async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    let upstream = upstream.clone();
                    let relay = tokio::spawn(async move {
                        if let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                    relays.lock().unwrap().push(relay.abort_handle());
                }
            }
        });
        relays.lock().unwrap().push(accept.abort_handle());
    }

    /// The database is gone: open connections drop, new ones are refused.
    fn cut(&self) {
        for relay in self.relays.lock().unwrap().drain(..) {
            relay.abort();
        }
    }

    /// The database is back, at the same address.
    async fn restore(&self) {
        for _ in 0..100 {
            if let Ok(listener) = tokio::net::TcpListener::bind(self.addr).await {
                self.serve(listener);
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the relay's port stayed taken");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_rides_out_a_database_outage() {
    if postgres_admin().is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("SWITCHBOARD_TEST_PG is not set: run `export SWITCHBOARD_TEST_PG=\"$(scripts/postgres.sh)\"`");
        }
        eprintln!("SKIPPED: SWITCHBOARD_TEST_PG is not set (scripts/postgres.sh prints it)");
        return;
    }
    let url = scratch_postgres_database();
    let host_port = url
        .split_once('@')
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(host_port, _)| host_port.to_string())
        .expect("a postgres://user:password@host:port/database URL");
    let outage = Outage::relay_to(&host_port).await;
    let proxied = url.replacen(&host_port, &outage.addr.to_string(), 1);

    let graph = FakeGraph::start(GraphOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &graph);
    let text = with_database(&std::fs::read_to_string(&path).unwrap(), &proxied);
    std::fs::write(&path, text).unwrap();
    // The node is its own process, as in production.
    let node = ServerProcess::start(&path);
    let base = node.base.clone();
    let hook = graph.webhook(format!("{base}/webhooks/whatsapp/wa"));
    let business = WhatsAppBusiness::default();
    let webhook = |i: usize| {
        WhatsAppWebhook::new(&business)
            .contact("5511966660000", "Cliente")
            .message(
                WhatsAppMessage::text("5511966660000", format!("m{i}"))
                    .with_id(format!("wamid.out-{i}")),
            )
            .to_bytes()
    };
    let http = reqwest::Client::new();
    let ready = || async {
        http.get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status()
    };
    let agent = node.login("101").await;

    assert!(hook.send(&webhook(0)).await.unwrap().is_success());
    outage.cut();
    // During the outage: 503, so the provider keeps the message and retries.
    let during: Vec<Vec<u8>> = (1..=3).map(webhook).collect();
    let (answers, readiness) = tokio::join!(
        futures_util::future::join_all(during.iter().map(|body| hook.send(body))),
        ready()
    );
    for answer in answers {
        let answer = answer.unwrap();
        assert_eq!(answer.status, 503, "{answer:?}");
        assert!(answer.body.contains("not_ready"), "{answer:?}");
    }
    assert_eq!(readiness, StatusCode::SERVICE_UNAVAILABLE);
    // What an agent's app sees: a 503 saying the database is unreachable and to try again
    // (the app keeps the reply in its outbox and shows the server as unavailable).
    let (status, body) = node
        .call(&agent, Method::GET, "/api/v1/conversations", None)
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "not_ready", "{body}");
    let said = body["error"]["message"].as_str().unwrap_or_default();
    assert!(said.to_lowercase().contains("database"), "{said}");
    let started = std::time::Instant::now();

    outage.restore().await;
    // Recovered by itself: the provider's retries and new messages are stored.
    let mut recovered = false;
    for _ in 0..100 {
        if hook.send(&webhook(1)).await.unwrap().is_success() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(recovered, "the node did not recover");
    eprintln!(
        "recovered {:?} after the database came back",
        started.elapsed()
    );
    for i in 2..=4 {
        assert!(hook.send(&webhook(i)).await.unwrap().is_success());
    }
    assert_eq!(ready().await, StatusCode::OK);
    // The agent's session outlived the outage.
    let (status, list) = node
        .call(&agent, Method::GET, "/api/v1/conversations", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let id = list["conversations"][0]["id"].as_str().unwrap().to_string();
    let (_, page) = node
        .call(
            &agent,
            Method::GET,
            &format!("/api/v1/conversations/{id}/messages"),
            None,
        )
        .await;
    let bodies: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["m0", "m1", "m2", "m3", "m4"],
        "nothing lost, nothing twice"
    );
    drop(node);
    drop_postgres_database(&url);
}
