//! Test harness: the real server on a loopback port with its own database, and a small HTTP
//! client that speaks the agent API.
//!
//! The database is a SQLite file in the test's folder, or with `SWITCHBOARD_TEST_BACKEND=
//! postgres` a new PostgreSQL database per server on the server named by `SWITCHBOARD_TEST_PG`
//! (an admin URL whose role may create databases; `scripts/postgres.sh` prints one), so the
//! whole suite runs on both backends.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use futures_util::StreamExt;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_server::config;
use switchboard_server::engine::{Inbound, IngestOutcome};
use switchboard_server::Running;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use uuid::Uuid;

pub const PASSWORD: &str = "pw-for-tests";

/// One argon2 hash shared by every test agent, so starting a server stays fast.
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| switchboard_server::auth::hash_password(PASSWORD))
}

/// `[[agents]]` entries for extensions 101..=100+n, named "Agent 101"...
pub fn agents_toml(n: u32) -> String {
    (1..=n)
        .map(|i| {
            let ext = 100 + i;
            format!(
                "[[agents]]\nextension = \"{ext}\"\nname = \"Agent {ext}\"\nemail = \"agent{ext}@example.com\"\npassword_hash = \"{}\"\nrole = \"{}\"\n\n",
                password_hash(),
                if ext == 101 { "manager" } else { "agent" }
            )
        })
        .collect()
}

pub fn extensions(n: u32) -> String {
    (1..=n)
        .map(|i| format!("\"{}\"", 100 + i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A configuration with `n` agents, one queue "support" with them all, and a WhatsApp channel
/// "wa" routed to it. `queue_extra` is added to the queue table (strategy, timeouts).
pub fn config_toml(n: u32, queue_extra: &str, server_extra: &str) -> String {
    format!(
        r#"[server]
listen = "127.0.0.1:0"
database = "sqlite://switchboard.db"
offer_tick_ms = 100
{server_extra}
[server.rate_limits]
login_per_minute_per_ip = 1000
login_per_minute_per_user = 100

{agents}
[[queues]]
id = "support"
agents = [{members}]
{queue_extra}

[[channels]]
id = "wa"
kind = "whatsapp"
route = {{ queue = "support" }}
[channels.whatsapp]
phone_number_id = "1"
access_token = "t"
app_secret = "s"
verify_token = "v"

[[channels]]
id = "sms-direct"
kind = "sms"
route = {{ extension = "101" }}
[channels.sms]
account_sid = "AC1"
auth_token = "t"
from_number = "+15005550006"
"#,
        agents = agents_toml(n),
        members = extensions(n),
    )
}

/// The PostgreSQL admin URL of `SWITCHBOARD_TEST_PG`, if set.
pub fn postgres_admin() -> Option<String> {
    std::env::var("SWITCHBOARD_TEST_PG")
        .ok()
        .filter(|url| !url.is_empty())
}

/// Whether the servers of these tests run on PostgreSQL rather than SQLite files.
pub fn on_postgres() -> bool {
    std::env::var("SWITCHBOARD_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// A time as an SQL literal both backends read: fixed-width RFC 3339 text, which is how SQLite
/// stores times and which PostgreSQL casts to `timestamptz`.
pub fn sql_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Run blocking PostgreSQL client work off the async runtime (the synchronous client brings
/// its own runtime, which may not start inside another).
fn off_runtime<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(work)
        .join()
        .expect("database helper thread")
}

/// A new, empty PostgreSQL database on the `SWITCHBOARD_TEST_PG` server; its URL.
pub fn scratch_postgres_database() -> String {
    let admin = postgres_admin().expect(
        "SWITCHBOARD_TEST_PG is not set: run `export SWITCHBOARD_TEST_PG=\"$(scripts/postgres.sh)\"`",
    );
    let name = format!("sb_test_{}", Uuid::now_v7().simple());
    let create = format!("CREATE DATABASE {name}");
    let url = admin.clone();
    off_runtime(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls)
            .expect("the SWITCHBOARD_TEST_PG server accepts connections");
        client
            .batch_execute(&create)
            .expect("creating a test database");
    });
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}

pub fn drop_postgres_database(url: &str) {
    let (Some(admin), Some((_, name))) = (postgres_admin(), url.rsplit_once('/')) else {
        return;
    };
    let statement = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    off_runtime(move || {
        if let Ok(mut client) = postgres::Client::connect(&admin, postgres::NoTls) {
            let _ = client.batch_execute(&statement);
        }
    });
}

/// `text` with its `[server]` database replaced by `url`.
pub fn with_database(text: &str, url: &str) -> String {
    let line = format!("database = \"{url}\"");
    let mut replaced = false;
    let mut out: Vec<String> = text
        .lines()
        .map(|l| {
            if !replaced && l.trim_start().starts_with("database =") {
                replaced = true;
                line.clone()
            } else {
                l.to_string()
            }
        })
        .collect();
    if !replaced {
        let at = out
            .iter()
            .position(|l| l.trim() == "[server]")
            .expect("the configuration has a [server] table");
        out.insert(at + 1, line);
    }
    out.join("\n") + "\n"
}

/// Open the configured store off the async runtime.
pub async fn open_store(
    config: &config::Config,
) -> std::sync::Arc<dyn switchboard_server::store::Store> {
    let config = config.clone();
    tokio::task::spawn_blocking(move || switchboard_server::open_store(&config))
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("opening the store: {e:#}"))
}

pub struct TestServer {
    pub running: Running,
    /// The PostgreSQL database this server runs on, when not on SQLite.
    pub postgres: Option<String>,
    /// The configuration file, to start the same server again.
    pub config_path: std::path::PathBuf,
    pub base: String,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    /// Drops the PostgreSQL database this server made, after the server (declared before it)
    /// has stopped; other nodes on that database hold none.
    _made: Option<MadeDatabase>,
}

struct MadeDatabase(String);

impl Drop for MadeDatabase {
    fn drop(&mut self) {
        drop_postgres_database(&self.0);
    }
}

impl TestServer {
    /// `n` agents in ring_all queue "support".
    pub async fn start(n: u32) -> TestServer {
        Self::with_config(&config_toml(n, "strategy = \"ring_all\"", "")).await
    }

    pub async fn with_config(text: &str) -> TestServer {
        let text = text.to_string();
        Self::with_config_for(move |_| text).await
    }

    /// Bind first, then write the configuration knowing the address (for `public_url`).
    pub async fn with_config_for(make: impl FnOnce(std::net::SocketAddr) -> String) -> TestServer {
        Self::launch_new(make, on_postgres()).await
    }

    /// Like [`TestServer::with_config_for`], on a new PostgreSQL database whatever
    /// `SWITCHBOARD_TEST_BACKEND` says (for tests of several nodes).
    pub async fn on_postgres_for(make: impl FnOnce(std::net::SocketAddr) -> String) -> TestServer {
        Self::launch_new(make, true).await
    }

    async fn launch_new(
        make: impl FnOnce(std::net::SocketAddr) -> String,
        on_postgres: bool,
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut text = make(listener.local_addr().unwrap());
        let postgres = on_postgres.then(scratch_postgres_database);
        if let Some(url) = &postgres {
            text = with_database(&text, url);
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("switchboard.toml");
        std::fs::write(&path, &text).unwrap();
        let config = config::load(&path).unwrap_or_else(|e| panic!("test config invalid: {e}"));
        let store = open_store(&config).await;
        let running = switchboard_server::launch_with_listener(config, store, listener)
            .await
            .expect("server starts");
        let base = format!("http://{}", running.addr);
        TestServer {
            _made: postgres.clone().map(MadeDatabase),
            running,
            postgres,
            config_path: path,
            base,
            http: reqwest::Client::new(),
            dir,
        }
    }

    /// A second server node: the same configuration file, database and data folder, its own
    /// port. Only PostgreSQL databases may be shared by several nodes.
    pub async fn another_node(&self) -> TestServer {
        assert!(self.postgres.is_some(), "nodes share only PostgreSQL");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let config = config::load(&self.config_path).unwrap();
        let store = open_store(&config).await;
        let running = switchboard_server::launch_with_listener(config, store, listener)
            .await
            .expect("the second node starts");
        let base = format!("http://{}", running.addr);
        TestServer {
            running,
            postgres: self.postgres.clone(),
            _made: None,
            config_path: self.config_path.clone(),
            base,
            http: reqwest::Client::new(),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The one number a `SELECT COUNT(*) ...` statement (plain SQL both backends take) answers
    /// on this server's database.
    pub fn count(&self, sql: &str) -> i64 {
        match &self.postgres {
            Some(url) => {
                let (url, sql) = (url.clone(), sql.to_string());
                off_runtime(move || {
                    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                    client.query_one(&sql, &[]).unwrap().get(0)
                })
            }
            None => {
                let db =
                    rusqlite::Connection::open(self.dir.path().join("switchboard.db")).unwrap();
                db.query_row(sql, [], |r| r.get(0)).unwrap()
            }
        }
    }

    /// Run one SQL statement (plain SQL the backend takes) on this server's database; how many
    /// rows it changed.
    pub fn execute(&self, sql: &str) -> u64 {
        match &self.postgres {
            Some(url) => {
                let (url, sql) = (url.clone(), sql.to_string());
                off_runtime(move || {
                    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                    client.execute(&sql, &[]).unwrap()
                })
            }
            None => {
                let db =
                    rusqlite::Connection::open(self.dir.path().join("switchboard.db")).unwrap();
                db.execute(sql, []).unwrap() as u64
            }
        }
    }

    /// Stop the server and start it again on the same address and database, as after a crash
    /// or a deploy. `between` runs while it is down.
    pub async fn restart(&mut self, between: impl FnOnce(&TestServer)) {
        let addr = self.running.addr;
        // `running` must always hold a server: a throwaway one on its own database stands in
        // while the real one is down.
        let spare_dir = tempfile::tempdir().unwrap();
        let placeholder = {
            let config = config::parse(
                &config_toml(1, "", ""),
                "spare.toml",
                spare_dir.path(),
                &|_| None,
            )
            .unwrap();
            let store = open_store(&config).await;
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            switchboard_server::launch_with_listener(config, store, listener)
                .await
                .unwrap()
        };
        let old = std::mem::replace(&mut self.running, placeholder);
        old.stop().await;
        between(self);
        let config = config::load(&self.config_path).unwrap();
        let store = open_store(&config).await;
        let mut listener = None;
        for _ in 0..50 {
            match TcpListener::bind(addr).await {
                Ok(l) => {
                    listener = Some(l);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let restarted = switchboard_server::launch_with_listener(
            config,
            store,
            listener.expect("the port is free again"),
        )
        .await
        .unwrap();
        let placeholder = std::mem::replace(&mut self.running, restarted);
        placeholder.stop().await;
    }

    /// A customer writes on a channel.
    pub async fn inbound(&self, channel: &str, sender: &str, body: &str) -> IngestOutcome {
        self.inbound_with_id(channel, sender, body, Some(Uuid::now_v7().to_string()))
            .await
    }

    pub async fn inbound_with_id(
        &self,
        channel: &str,
        sender: &str,
        body: &str,
        provider_id: Option<String>,
    ) -> IngestOutcome {
        self.running
            .engine
            .ingest(Inbound {
                channel_id: channel.into(),
                sender: sender.into(),
                display_name: format!("Customer {sender}"),
                provider_message_id: provider_id,
                body: body.into(),
                attachments: Vec::new(),
                sent_at: None,
                consent: None,
            })
            .await
            .unwrap_or_else(|e| panic!("ingest failed: {e}"))
    }

    pub async fn login(&self, login: &str) -> Agent {
        self.login_with(login, PASSWORD).await
    }

    pub async fn login_with(&self, login: &str, password: &str) -> Agent {
        let (status, body) = self
            .call(
                None,
                Method::POST,
                "/api/v1/session",
                Some(json!({"login": login, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {login}: {body}");
        Agent {
            token: body["token"].as_str().unwrap().to_string(),
            id: body["agent"]["id"].as_str().unwrap().parse().unwrap(),
            extension: body["agent"]["extension"].as_str().unwrap().to_string(),
            name: body["agent"]["name"].as_str().unwrap().to_string(),
            base: self.base.clone(),
            http: self.http.clone(),
        }
    }

    pub async fn call(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        call(&self.http, &self.base, token, method, path, body).await
    }
}

pub async fn call(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = http.request(method, format!("{base}{path}"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.expect("request reaches the server");
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
    };
    (status, value)
}

/// A signed-in agent.
#[derive(Clone)]
pub struct Agent {
    pub token: String,
    pub id: Uuid,
    pub extension: String,
    pub name: String,
    base: String,
    http: reqwest::Client,
}

impl Agent {
    /// The same signed-in agent, talking to another server node.
    pub fn via(&self, node: &TestServer) -> Agent {
        Agent {
            base: node.base.clone(),
            ..self.clone()
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        call(
            &self.http,
            &self.base,
            Some(&self.token),
            method,
            path,
            body,
        )
        .await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn reply(&self, conversation: Uuid, body: &str) -> (StatusCode, Value) {
        self.post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            json!({"client_id": Uuid::now_v7(), "body": body}),
        )
        .await
    }

    pub async fn take(&self, conversation: Uuid) -> (StatusCode, Value) {
        self.post(
            &format!("/api/v1/conversations/{conversation}/take"),
            json!({}),
        )
        .await
    }

    /// Ids of the conversations in my Recent (or Archived) list.
    pub async fn list(&self, view: &str) -> Vec<Uuid> {
        let (status, body) = self
            .get(&format!("/api/v1/conversations?view={view}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().parse().unwrap())
            .collect()
    }

    pub async fn sees(&self, conversation: Uuid) -> bool {
        let (status, _) = self
            .get(&format!("/api/v1/conversations/{conversation}"))
            .await;
        status == StatusCode::OK
    }

    /// All events after `cursor` via GET /sync, following `more`.
    pub async fn sync_all(&self, mut cursor: i64) -> (Vec<Value>, i64) {
        let mut events = Vec::new();
        loop {
            let (status, body) = self
                .get(&format!("/api/v1/sync?cursor={cursor}&limit=1000"))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert!(body.get("reset").is_none(), "unexpected reset: {body}");
            events.extend(body["events"].as_array().unwrap().iter().cloned());
            cursor = body["cursor"].as_i64().unwrap();
            if !body["more"].as_bool().unwrap() {
                return (events, cursor);
            }
        }
    }
}

/// Assert the contract's error shape and code.
pub fn assert_error(status: StatusCode, body: &Value, expected_status: StatusCode, code: &str) {
    assert_eq!(status, expected_status, "body: {body}");
    assert_eq!(body["error"]["code"], code, "body: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "error needs a human message: {body}"
    );
}

/// Poll until `check` holds (background routing runs on its own tick).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

/// An agent's live event stream (WebSocket) on one server node, replaying from `cursor`.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn open_stream(server: &TestServer, agent: &Agent, cursor: i64) -> Socket {
    let url = format!("ws://{}/api/v1/stream?cursor={cursor}", server.running.addr);
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "Authorization",
        format!("Bearer {}", agent.token).parse().unwrap(),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("stream opens");
    socket
}

/// The next event frame, or None if nothing arrives within `wait`.
pub async fn next_event(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        let frame = tokio::time::timeout(wait, socket.next())
            .await
            .ok()??
            .ok()?;
        match frame {
            WsMessage::Text(text) => return Some(serde_json::from_str(&text).unwrap()),
            WsMessage::Ping(_) | WsMessage::Pong(_) => continue,
            _ => return None,
        }
    }
}

/// A `switchboard-server serve` process (the real binary) on a configuration file of its own.
pub struct ServerProcess {
    child: Child,
    pub base: String,
}

impl ServerProcess {
    pub fn start(config: &Path) -> ServerProcess {
        Self::start_logging(config, &[], Stdio::null())
    }

    /// Started with `args` added (`--log-format json`), its log written to `log`.
    pub fn start_logging(config: &Path, args: &[&str], log: Stdio) -> ServerProcess {
        Self::spawn(
            Command::new(env!("CARGO_BIN_EXE_switchboard-server"))
                .args(args)
                .args(["serve", "--listen", "127.0.0.1:0", "--config"])
                .arg(config)
                .stderr(log),
        )
    }

    /// Start `command` (a `serve` of some binary) and wait for the address it prints.
    pub fn spawn(command: &mut Command) -> ServerProcess {
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .expect("the server binary starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        ServerProcess {
            child,
            base: format!("http://{addr}"),
        }
    }

    /// SIGTERM, as systemd stops a service; how the process ended.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        self.child.wait().unwrap()
    }

    /// SIGKILL: no shutdown, no flush, nothing the process could still do.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub async fn login(&self, extension: &str) -> String {
        self.login_with(extension, PASSWORD).await
    }

    /// Sign in; the session token.
    pub async fn login_with(&self, extension: &str, password: &str) -> String {
        let (status, body) = call(
            &reqwest::Client::new(),
            &self.base,
            None,
            Method::POST,
            "/api/v1/session",
            Some(json!({"login": extension, "password": password})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_string()
    }

    pub async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        call(
            &reqwest::Client::new(),
            &self.base,
            Some(token),
            method,
            path,
            body,
        )
        .await
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
