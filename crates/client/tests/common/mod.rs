//! Test harness: the real server in-process on loopback with its own SQLite file, reached
//! through a small TCP proxy that can cut every connection (the server's `stop()` leaves
//! upgraded WebSocket streams running, and a real outage cuts them), refuse new ones, or
//! swallow answers (a reply the server stored whose answer never arrived).
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use switchboard_client::{Client, ClientOptions, MemoryStore, Timing};
use switchboard_server::config;
use switchboard_server::engine::Inbound;
use switchboard_server::Running;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;
use uuid::Uuid;

pub const PASSWORD: &str = "pw-for-tests";

/// One argon2 hash for every test agent, computed once per test binary.
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| switchboard_server::auth::hash_password(PASSWORD))
}

/// `n` agents (101.. ; 101 is a manager), a ring_all queue with them all, a WhatsApp channel.
pub fn config_toml(n: u32) -> String {
    let agents: String = (1..=n)
        .map(|i| {
            let ext = 100 + i;
            format!(
                "[[agents]]\nextension = \"{ext}\"\nname = \"Agent {ext}\"\nemail = \"agent{ext}@example.com\"\npassword_hash = \"{}\"\nrole = \"{}\"\n\n",
                password_hash(),
                if ext == 101 { "manager" } else { "agent" }
            )
        })
        .collect();
    let members: Vec<String> = (1..=n).map(|i| format!("\"{}\"", 100 + i)).collect();
    format!(
        r#"[server]
listen = "127.0.0.1:0"
database = "sqlite://switchboard.db"
data_dir = "files"
offer_tick_ms = 100
[server.rate_limits]
login_per_minute_per_ip = 1000
login_per_minute_per_user = 100

{agents}
[[queues]]
id = "support"
agents = [{members}]
strategy = "ring_all"

[[channels]]
id = "wa"
kind = "whatsapp"
route = {{ queue = "support" }}
[channels.whatsapp]
phone_number_id = "1"
access_token = "t"
app_secret = "s"
verify_token = "v"
"#,
        members = members.join(", ")
    )
}

// ----- the proxy -----

const FORWARD: u8 = 0;
const REFUSE: u8 = 1;
const SWALLOW: u8 = 2;
const SWALLOW_MATCHING: u8 = 3;
const HOLD_MATCHING: u8 = 4;

/// A loopback TCP proxy in front of the server.
pub struct Proxy {
    pub addr: SocketAddr,
    mode: Arc<AtomicU8>,
    /// With `SWALLOW_MATCHING`: how the requests whose answers are lost begin.
    matching: Arc<Mutex<&'static str>>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
    /// With `HOLD_MATCHING`: true while matching requests wait.
    holding: tokio::sync::watch::Sender<bool>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let addr = listener.local_addr().expect("proxy address");
        let mode = Arc::new(AtomicU8::new(FORWARD));
        let matching: Arc<Mutex<&'static str>> = Arc::new(Mutex::new(""));
        let connections: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (m, c, p) = (mode.clone(), connections.clone(), matching.clone());
        let holding = tokio::sync::watch::Sender::new(false);
        let held = holding.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let mode = m.load(Ordering::SeqCst);
                if mode == REFUSE {
                    drop(client);
                    continue;
                }
                let task = if mode == SWALLOW_MATCHING {
                    tokio::spawn(pipe_matching(client, upstream, *p.lock().unwrap()))
                } else if mode == HOLD_MATCHING {
                    tokio::spawn(pipe_holding(
                        client,
                        upstream,
                        *p.lock().unwrap(),
                        held.subscribe(),
                    ))
                } else {
                    tokio::spawn(pipe(client, upstream, mode == SWALLOW))
                };
                let mut live = c.lock().unwrap();
                live.retain(|h| !h.is_finished());
                live.push(task.abort_handle());
            }
        })
        .abort_handle();
        Proxy {
            addr,
            mode,
            matching,
            connections,
            accept,
            holding,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Cut every open connection (streams included), like a network drop.
    pub fn cut(&self) {
        for handle in self.connections.lock().unwrap().drain(..) {
            handle.abort();
        }
    }

    /// Refuse (accept and drop) new connections until [`Proxy::forward`].
    pub fn refuse(&self) {
        self.mode.store(REFUSE, Ordering::SeqCst);
        self.cut();
    }

    /// Pass requests to the server but drop its answers and close (a lost response).
    pub fn swallow(&self) {
        self.mode.store(SWALLOW, Ordering::SeqCst);
        self.cut();
    }

    /// Pass everything, but lose the answer to each request that begins with `prefix` (and
    /// hang up), like [`Proxy::swallow`] for those requests only.
    pub fn swallow_answers_to(&self, prefix: &'static str) {
        *self.matching.lock().unwrap() = prefix;
        self.mode.store(SWALLOW_MATCHING, Ordering::SeqCst);
        self.cut();
    }

    /// Hold every request that begins with `prefix` before it reaches the server, until
    /// [`Proxy::release`] (a slow network at a chosen moment); the rest pass.
    pub fn hold_requests_to(&self, prefix: &'static str) {
        *self.matching.lock().unwrap() = prefix;
        self.holding.send_replace(true);
        self.mode.store(HOLD_MATCHING, Ordering::SeqCst);
        self.cut();
    }

    /// Let held requests (and later ones) through.
    pub fn release(&self) {
        self.holding.send_replace(false);
    }

    pub fn forward(&self) {
        self.mode.store(FORWARD, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

async fn pipe(mut client: TcpStream, upstream: SocketAddr, swallow: bool) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return; // the server is down: the client sees its connection closed
    };
    if !swallow {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        return;
    }
    let (mut client_read, _client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let upstream_copy = async {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
    };
    let answer = async {
        // The server answered: the request was handled. Throw the answer away and hang up.
        let mut buf = [0u8; 1024];
        let _ = server_read.read(&mut buf).await;
    };
    tokio::select! {
        _ = upstream_copy => {}
        _ = answer => {}
    }
    let _ = server_write.shutdown().await;
}

/// Relay a connection; a request beginning with `prefix` waits while `holding` is true.
async fn pipe_holding(
    client: TcpStream,
    upstream: SocketAddr,
    prefix: &'static str,
    mut holding: tokio::sync::watch::Receiver<bool>,
) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let requests = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if buf[..n].starts_with(prefix.as_bytes())
                && holding.wait_for(|held| !*held).await.is_err()
            {
                return;
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let answers = async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    };
    tokio::join!(requests, answers);
}

/// Relay a connection; once a request beginning with `prefix` has gone to the server, its
/// answer is thrown away and both sides are hung up. (HTTP/1.1 requests on one connection
/// take turns, so a request starts a read of its own.)
async fn pipe_matching(client: TcpStream, upstream: SocketAddr, prefix: &'static str) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let (lose, mut losing) = tokio::sync::watch::channel(false);
    let requests = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if buf[..n].starts_with(prefix.as_bytes()) {
                let _ = lose.send(true);
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let answers = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if *losing.borrow_and_update() {
                return; // lost on the way back; hang up
            }
            if client_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        () = requests => {}
        () = answers => {}
    }
}

// ----- the server -----

pub struct TestServer {
    running: Option<Running>,
    /// The server's own address (clients use the proxy's).
    pub addr: SocketAddr,
    pub proxy: Proxy,
    config_path: PathBuf,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start(agents: u32) -> TestServer {
        TestServer::start_with(config_toml(agents)).await
    }

    /// A server with this config file (see [`config_toml`]).
    pub async fn start_with(config: String) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let config_path = dir.path().join("switchboard.toml");
        std::fs::write(&config_path, config).expect("config written");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("server binds");
        let addr = listener.local_addr().expect("server address");
        let running = launch(&config_path, listener).await;
        let proxy = Proxy::start(addr).await;
        TestServer {
            running: Some(running),
            addr,
            proxy,
            config_path,
            dir,
        }
    }

    /// The URL clients sign in to.
    pub fn url(&self) -> String {
        self.proxy.url()
    }

    pub fn running(&self) -> &Running {
        self.running.as_ref().expect("the server is running")
    }

    /// Stop the server and cut every connection to it.
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
        self.proxy.cut();
    }

    /// Start it again: same configuration, same database file, same port.
    pub async fn restart(&mut self) {
        assert!(self.running.is_none(), "stop the server first");
        let mut attempts = 0;
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(listener) => break listener,
                Err(err) if attempts < 50 => {
                    attempts += 1;
                    let _ = err;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => panic!("cannot listen on {} again: {err}", self.addr),
            }
        };
        self.running = Some(launch(&self.config_path, listener).await);
    }

    /// A customer writes on the WhatsApp channel; returns the conversation id.
    pub async fn customer_writes(&self, sender: &str, body: &str) -> Uuid {
        self.running()
            .engine
            .ingest(inbound(sender, body, &Uuid::now_v7().to_string()))
            .await
            .unwrap_or_else(|e| panic!("ingest failed: {e}"))
            .conversation_id
    }

    /// The messages of a conversation as the server stores them (seen by `agent`).
    pub async fn server_messages(
        &self,
        agent: Uuid,
        conversation: Uuid,
    ) -> Vec<switchboard_protocol::Message> {
        self.running()
            .engine
            .messages(agent, conversation, None, 500)
            .await
            .unwrap_or_else(|e| panic!("server messages: {e}"))
            .messages
    }
}

/// A customer's WhatsApp message as the channel adapter hands it to the engine.
pub fn inbound(sender: &str, body: &str, provider_id: &str) -> Inbound {
    Inbound {
        channel_id: "wa".into(),
        sender: sender.into(),
        display_name: format!("Customer {sender}"),
        provider_message_id: Some(provider_id.into()),
        body: body.into(),
        // Sent now, no consent keyword: the fields providers fill in only sometimes.
        ..Inbound::default()
    }
}

async fn launch(config_path: &std::path::Path, listener: TcpListener) -> Running {
    let config = config::load(config_path).unwrap_or_else(|e| panic!("test config invalid: {e}"));
    let store = switchboard_server::open_store(&config).expect("store opens");
    switchboard_server::launch_with_listener(config, store, listener)
        .await
        .expect("server starts")
}

// ----- clients -----

/// Short delays, so tests spend their time on what they test.
pub fn fast_timing() -> Timing {
    Timing {
        reconnect_min: Duration::from_millis(20),
        reconnect_max: Duration::from_millis(300),
        retry_min: Duration::from_millis(20),
        retry_max: Duration::from_millis(300),
        stream_idle: Duration::from_secs(20),
        history_concurrency: 4,
        bulk_history_page: 5000,
    }
}

/// A desktop app's data: its folder and keychain, which outlive one engine (a restart).
pub struct Desktop {
    pub dir: tempfile::TempDir,
    pub tokens: MemoryStore,
}

impl Desktop {
    pub fn new() -> Desktop {
        Desktop {
            dir: tempfile::tempdir().expect("temp dir"),
            tokens: MemoryStore::new(),
        }
    }

    /// A fresh engine over this desktop's data.
    pub fn client(&self) -> Client {
        Client::new(
            ClientOptions::new(self.dir.path())
                .with_tokens(Arc::new(self.tokens.clone()))
                .with_timing(fast_timing()),
        )
    }
}

/// A signed-in client whose first full load has finished.
pub async fn signed_in(server: &TestServer, desktop: &Desktop, login: &str) -> Client {
    let client = desktop.client();
    client
        .login(&server.url(), login, PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("login {login}: {e}"));
    wait_online(&client).await;
    client
}

pub async fn wait_online(client: &Client) {
    eventually("the client is online", || async {
        client.connection_state() == switchboard_client::ConnectionState::Online
    })
    .await;
}

/// Poll until `check` holds; fail after 30 s. Tests never assert on fixed sleeps.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if check().await {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out waiting until {what}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The bodies of a conversation's cached messages, oldest first.
pub async fn cached_bodies(client: &Client, conversation: Uuid) -> Vec<String> {
    match client.messages(conversation, None, 100_000).await {
        Ok(page) => page.messages.into_iter().map(|m| m.body).collect(),
        Err(_) => Vec::new(),
    }
}

/// Rows of a conversation left anywhere in the cache: messages, the conversation,
/// attachments, outbox entries.
pub fn rows_left(client: &Client, conversation: Uuid) -> [i64; 4] {
    let cache = client.cache().expect("signed in");
    cache
        .read_blocking(move |conn| {
            let mut out = [0; 4];
            let queries = [
                "SELECT COUNT(*) FROM messages WHERE conversation_id = ?1",
                "SELECT COUNT(*) FROM conversations WHERE id = ?1",
                "SELECT COUNT(*) FROM attachments WHERE conversation_id = ?1",
                "SELECT COUNT(*) FROM outbox WHERE conversation_id = ?1",
            ];
            for (slot, sql) in out.iter_mut().zip(queries) {
                *slot = conn.query_row(sql, [conversation], |r| r.get(0))?;
            }
            Ok(out)
        })
        .expect("cache readable")
}
