//! `switchboard-load`: drives the real server binary over loopback and measures it against
//! baselines taken in the same run (../shared/engineering/PERFORMANCE.md). Three scenarios, each
//! on a server of its own:
//!
//! **ingest** — durable webhooks:
//! - **floor**: the same load generator on `GET /healthz` — what HTTP alone costs here;
//! - **ingest**: signed WhatsApp webhooks, each a new message (half from new customers), as
//!   fast as the server answers them; a 2xx means stored, and the database is counted after;
//! - **raw**: the same message rows inserted straight into the same database with a batched
//!   prepared statement (1,000 rows a transaction) — the storage floor.
//!
//! On PostgreSQL (`--database postgres://…`) it also runs with `--nodes 2`: two server
//! processes on the one database, the load split between them.
//!
//! **latency** — webhook 2xx → the message on an agent's open stream: `--agents` agents (100)
//! each hold a stream (`GET /api/v1/stream`), split evenly over `--queues` ring-all queues (10),
//! each queue fed by a WhatsApp number of its own; signed webhooks arrive open-loop at `--rate`
//! a second (1,000) for `--seconds`, each on the number of queue `n % queues`, so each message
//! reaches the streams of its queue's agents. Every delivery is timed from its webhook's 2xx.
//! `--rate 1000,250` runs it at each rate, on a new server each time.
//! Baseline: `GET /healthz` of the same server driven by the same fixed-rate generator while the
//! streams are open (request → response).
//!
//! **streams** — memory per idle agent stream: `--streams` WebSockets (10,000) opened at their
//! session's current cursor, spread over two sessions of each of `--agents` agents; the
//! server's RSS and PSS (`/proc/PID/smaps_rollup`) before and after they settle (`--settle`
//! seconds). The open-files limit is raised to its hard limit for the harness and the server.
//!
//!     switchboard-load [--scenario ingest|latency|streams|all] [--write BENCHMARKS.md]
//!                      [--server target/release/switchboard-server] [--database sqlite|postgres://…]
//!                      [--seconds 10] [--connections 32] [--nodes 1]            (ingest)
//!                      [--rate 1000[,250…]] [--agents 100] [--queues 10]        (latency)
//!                      [--streams 10000] [--settle 5]                           (streams)
//!
//! It prints a Markdown table per scenario; `--write FILE` replaces that scenario's
//! "### Server load: …" section of FILE for that backend (or adds it at the end) with it, the
//! command, the date and the machine.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use switchboard_fakes::{meta_signature, WhatsAppBusiness, WhatsAppMessage, WhatsAppWebhook};

mod agents;
mod cpu;
mod latency;
mod streams;

const APP_SECRET: &str = "load-app-secret";
const PASSWORD: &str = "load-test-password";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Ingest,
    Latency,
    Streams,
}

impl Scenario {
    fn parse(name: &str) -> Result<Vec<Scenario>> {
        Ok(match name {
            "ingest" => vec![Scenario::Ingest],
            "latency" => vec![Scenario::Latency],
            "streams" => vec![Scenario::Streams],
            "all" => vec![Scenario::Ingest, Scenario::Latency, Scenario::Streams],
            other => bail!("--scenario {other:?}: give ingest, latency, streams or all"),
        })
    }
}

#[derive(Debug, Clone)]
struct Options {
    scenarios: Vec<Scenario>,
    server: PathBuf,
    seconds: f64,
    connections: usize,
    /// `None` for a SQLite file in a scratch directory.
    postgres: Option<String>,
    nodes: usize,
    /// Webhooks a second of the latency scenario, one run each.
    rates: Vec<f64>,
    agents: usize,
    queues: usize,
    streams: usize,
    settle: f64,
    write: Option<PathBuf>,
}

impl Options {
    fn parse(args: impl Iterator<Item = String>) -> Result<Options> {
        let mut options = Options {
            scenarios: Scenario::parse("all")?,
            server: PathBuf::from("target/release/switchboard-server"),
            seconds: 10.0,
            connections: 32,
            postgres: None,
            nodes: 1,
            rates: vec![1000.0],
            agents: 100,
            queues: 10,
            streams: 10_000,
            settle: 5.0,
            write: None,
        };
        let mut args = args.skip(1);
        while let Some(flag) = args.next() {
            let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--scenario" => options.scenarios = Scenario::parse(&value()?)?,
                "--server" => options.server = value()?.into(),
                "--seconds" => options.seconds = value()?.parse().context("--seconds")?,
                "--connections" => {
                    options.connections = value()?.parse().context("--connections")?
                }
                "--database" => {
                    let url = value()?;
                    options.postgres = url.starts_with("postgres").then_some(url);
                }
                "--nodes" => options.nodes = value()?.parse().context("--nodes")?,
                "--rate" => {
                    options.rates = value()?
                        .split(',')
                        .map(|rate| {
                            rate.trim()
                                .parse()
                                .context("--rate: numbers, comma-separated")
                        })
                        .collect::<Result<_>>()?
                }
                "--agents" => options.agents = value()?.parse().context("--agents")?,
                "--queues" => options.queues = value()?.parse().context("--queues")?,
                "--streams" => options.streams = value()?.parse().context("--streams")?,
                "--settle" => options.settle = value()?.parse().context("--settle")?,
                "--write" => options.write = Some(value()?.into()),
                "-h" | "--help" => {
                    println!(
                        "{}",
                        include_str!("main.rs")
                            .lines()
                            .map_while(|line| line.strip_prefix("//!"))
                            .map(|line| line.strip_prefix(' ').unwrap_or(line))
                            .collect::<Vec<_>>()
                            .join("\n")
                    );
                    std::process::exit(0);
                }
                other => bail!("unknown argument {other:?} (see --help)"),
            }
        }
        if options.nodes > 1 && options.postgres.is_none() {
            bail!(
                "--nodes {} needs --database postgres://…: nodes share a PostgreSQL database",
                options.nodes
            );
        }
        if options.nodes > 1 && options.scenarios != [Scenario::Ingest] {
            bail!(
                "--nodes {} is for --scenario ingest; latency and streams run on one node",
                options.nodes
            );
        }
        if options.agents == 0 || options.queues == 0 || options.agents % options.queues != 0 {
            bail!(
                "--agents {} must be a positive multiple of --queues {} (each queue gets an equal share)",
                options.agents,
                options.queues
            );
        }
        if options.rates.iter().any(|r| *r <= 0.0) || options.seconds <= 0.0 || options.streams == 0
        {
            bail!("--rate, --seconds and --streams must be above zero");
        }
        if !options.server.exists() {
            bail!(
                "{} does not exist: build it with `cargo build --release -p switchboard-server` or name it with --server",
                options.server.display()
            );
        }
        Ok(options)
    }

    fn backend(&self) -> &'static str {
        if self.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }
}

/// One server process, stopped when dropped.
struct Node {
    child: Child,
    base: String,
}

impl Node {
    fn start(server: &Path, config: &Path) -> Result<Node> {
        let mut child = Command::new(server)
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(config)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", server.display()))?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("the server's stdout")?).read_line(&mut line)?;
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .with_context(|| format!("the server did not start: {line:?}"))?
            .to_string();
        Ok(Node {
            child,
            base: format!("http://{addr}"),
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Who the scratch server knows: agents `1000`, `1001`, … split evenly, in order, over ring-all
/// queues `q0`, `q1`, …, each fed by WhatsApp channel `wa0`, `wa1`, … of a number of its own.
#[derive(Debug, Clone, Copy)]
struct Setup {
    agents: usize,
    queues: usize,
    /// `[server.limits]` raised for the harness's own connections, when above the defaults.
    streams_per_agent: u32,
    max_connections: u32,
}

impl Setup {
    fn new(agents: usize, queues: usize) -> Setup {
        Setup {
            agents,
            queues,
            streams_per_agent: 8,
            max_connections: 4096,
        }
    }

    fn per_queue(&self) -> usize {
        self.agents / self.queues
    }

    fn extension(agent: usize) -> String {
        format!("{}", 1000 + agent)
    }

    /// The queue agent `agent` (0-based) serves.
    fn queue_of(&self, agent: usize) -> usize {
        agent / self.per_queue()
    }

    fn config(&self, database: &str) -> String {
        let mut config = format!(
            r#"[server]
listen = "127.0.0.1:0"
database = "{database}"
[server.rate_limits]
# The harness signs every agent in from one address: its own limit, not a provider's.
login_per_minute_per_ip = 1000000
"#
        );
        if self.streams_per_agent > 8 || self.max_connections > 4096 {
            config.push_str(&format!(
                "[server.limits]\n# The harness's own streams, all from one machine.\n\
                 streams_per_agent = {}\nmax_connections = {}\n",
                self.streams_per_agent, self.max_connections
            ));
        }
        for agent in 0..self.agents {
            config.push_str(&format!(
                "\n[[agents]]\nextension = \"{}\"\nname = \"Agent {agent}\"\npassword = \"{PASSWORD}\"\nrole = \"agent\"\n",
                Setup::extension(agent)
            ));
        }
        for queue in 0..self.queues {
            let members: Vec<String> = (0..self.agents)
                .filter(|agent| self.queue_of(*agent) == queue)
                .map(|agent| format!("\"{}\"", Setup::extension(agent)))
                .collect();
            config.push_str(&format!(
                "\n[[queues]]\nid = \"q{queue}\"\nstrategy = \"ring_all\"\nagents = [{}]\n",
                members.join(", ")
            ));
        }
        for queue in 0..self.queues {
            config.push_str(&format!(
                r#"
[[channels]]
id = "wa{queue}"
kind = "whatsapp"
route = {{ queue = "q{queue}" }}
[channels.whatsapp]
phone_number_id = "{phone}"
access_token = "unused"
app_secret = "{APP_SECRET}"
verify_token = "v"
api_base = "http://127.0.0.1:9"
"#,
                phone = business(queue).phone_number_id,
            ));
        }
        config
    }
}

/// The WhatsApp number of channel `wa{queue}`.
fn business(queue: usize) -> WhatsAppBusiness {
    WhatsAppBusiness {
        phone_number_id: format!("1065403522{queue:05}"),
        ..WhatsAppBusiness::default()
    }
}

/// The scratch world of one run: its directory, configuration and database.
struct World {
    dir: tempfile::TempDir,
    config: PathBuf,
    postgres: Option<String>,
}

impl World {
    fn new(options: &Options, setup: &Setup) -> Result<World> {
        let dir = tempfile::tempdir()?;
        let database = match &options.postgres {
            Some(admin) => scratch_postgres(admin)?,
            None => "sqlite://switchboard.db".to_string(),
        };
        let config = dir.path().join("switchboard.toml");
        std::fs::write(&config, setup.config(&database))?;
        Ok(World {
            dir,
            config,
            postgres: options.postgres.as_ref().map(|_| database),
        })
    }

    fn sqlite(&self) -> PathBuf {
        self.dir.path().join("switchboard.db")
    }

    /// How many customers' messages the database holds.
    fn stored_messages(&self) -> Result<u64> {
        const SQL: &str = "SELECT COUNT(*) FROM messages WHERE direction = 'inbound'";
        match &self.postgres {
            Some(url) => {
                let mut client = postgres::Client::connect(url, postgres::NoTls)?;
                Ok(client.query_one(SQL, &[])?.get::<_, i64>(0) as u64)
            }
            None => {
                let db = rusqlite::Connection::open(self.sqlite())?;
                Ok(db.query_row(SQL, [], |r| r.get::<_, i64>(0))? as u64)
            }
        }
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(url) = &self.postgres {
            if let Some((admin, name)) = url.rsplit_once('/') {
                if let Ok(mut client) =
                    postgres::Client::connect(&format!("{admin}/postgres"), postgres::NoTls)
                {
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

/// A new database on the PostgreSQL server of `admin` (a `postgres://…/postgres` URL); its URL.
fn scratch_postgres(admin: &str) -> Result<String> {
    let name = format!("sb_load_{}", uuid::Uuid::now_v7().simple());
    let mut client = postgres::Client::connect(admin, postgres::NoTls)
        .with_context(|| format!("connecting to {admin}"))?;
    client.batch_execute(&format!("CREATE DATABASE {name}"))?;
    let base = admin.rsplit_once('/').map_or(admin, |(base, _)| base);
    Ok(format!("{base}/{name}"))
}

/// What a load run did.
#[derive(Debug, Clone, Copy)]
struct Run {
    ok: u64,
    failed: u64,
    elapsed: Duration,
}

impl Run {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
}

/// `connections` loops, each sending what `request(n)` makes (n counts across loops) to one of
/// `bases` in turn, for `seconds`.
async fn drive<F>(bases: &[String], connections: usize, seconds: f64, request: F) -> Run
where
    F: Fn(&reqwest::Client, &str, u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .expect("an HTTP client");
    let request = Arc::new(request);
    let (ok, failed, next) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut loops = Vec::new();
    for i in 0..connections {
        let (client, request, ok, failed, next, stop) = (
            client.clone(),
            request.clone(),
            ok.clone(),
            failed.clone(),
            next.clone(),
            stop.clone(),
        );
        let base = bases[i % bases.len()].clone();
        loops.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let answered = request(&client, &base, n).send().await;
                match answered {
                    Ok(response) if response.status().is_success() => {
                        let _ = response.bytes().await;
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for one in loops {
        let _ = one.await;
    }
    Run {
        ok: ok.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
    }
}

/// The `n`th webhook, on WhatsApp number `queue`: one new message; even ones from a new
/// customer, odd ones from one of 50 customers who wrote before (so half open conversations,
/// half append to one). Its text ends with `n` (see [`latency`]).
fn webhook(n: u64, queue: usize) -> Vec<u8> {
    let from = if n % 2 == 0 {
        format!("55{:011}", 10_000_000_000 + n)
    } else {
        format!("55{:011}", n % 50)
    };
    WhatsAppWebhook::new(&business(queue))
        .contact(&from, "Cliente")
        .message(
            WhatsAppMessage::text(&from, format!("{}{n}", latency::TEXT))
                .with_id(format!("wamid.load-{n:012}")),
        )
        .to_bytes()
}

/// The `n`th webhook (see [`webhook`]), signed, for channel `wa{queue}`.
fn signed_webhook(
    client: &reqwest::Client,
    base: &str,
    n: u64,
    queue: usize,
) -> reqwest::RequestBuilder {
    let body = webhook(n, queue);
    client
        .post(format!("{base}/webhooks/whatsapp/wa{queue}"))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", meta_signature(APP_SECRET, &body))
        .body(body)
}

/// The raw storage floor: the stored customers' messages inserted again (new ids, sequence
/// numbers past the server's, provider ids made unique) with one prepared statement, 1,000
/// rows a transaction. Rows a second.
fn raw_inserts(world: &World, rows: usize) -> Result<f64> {
    const COLUMNS: &str = "id, conversation_id, channel_id, seq, client_id, provider_message_id, \
        direction, author_agent_id, author_name, body, attachments, status, error, created_at";
    match &world.postgres {
        None => {
            let mut db = rusqlite::Connection::open(world.sqlite())?;
            db.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
            let source: Vec<Vec<rusqlite::types::Value>> = {
                let mut query = db.prepare(&format!(
                    "SELECT {COLUMNS} FROM messages WHERE direction = 'inbound' LIMIT {rows}"
                ))?;
                let read = query.query_map([], |row| {
                    (0..14)
                        .map(|i| row.get(i))
                        .collect::<rusqlite::Result<Vec<_>>>()
                })?;
                read.collect::<rusqlite::Result<_>>()?
            };
            let started = Instant::now();
            for chunk in source.chunks(1000) {
                let tx = db.transaction()?;
                {
                    let mut insert = tx.prepare_cached(&format!(
                        "INSERT INTO messages ({COLUMNS}) VALUES \
                         (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
                    ))?;
                    for row in chunk {
                        let mut row = row.clone();
                        use rusqlite::types::Value as V;
                        row[0] = V::Text(uuid::Uuid::now_v7().to_string());
                        if let V::Integer(seq) = row[3] {
                            row[3] = V::Integer(seq + 1_000_000_000);
                        }
                        if let V::Text(id) = &row[5] {
                            row[5] = V::Text(format!("{id}-raw"));
                        }
                        insert.execute(rusqlite::params_from_iter(row))?;
                    }
                }
                tx.commit()?;
            }
            Ok(source.len() as f64 / started.elapsed().as_secs_f64())
        }
        Some(url) => {
            let mut client = postgres::Client::connect(url, postgres::NoTls)?;
            let text = format!(
                "SELECT id::text, conversation_id::text, channel_id, seq, provider_message_id, \
                 direction, author_name, body, attachments::text, status, created_at::text \
                 FROM messages WHERE direction = 'inbound' LIMIT {rows}"
            );
            let source = client.query(&text, &[])?;
            let started = Instant::now();
            for chunk in source.chunks(1000) {
                let mut tx = client.transaction()?;
                let insert = tx.prepare(
                    "INSERT INTO messages (id, conversation_id, channel_id, seq, provider_message_id, \
                     direction, author_name, body, attachments, status, created_at) VALUES \
                     ($1::text::uuid, $2::text::uuid, $3, $4, $5, $6, $7, $8, $9::text::jsonb, $10, \
                      $11::text::timestamptz)",
                )?;
                for row in chunk {
                    let id = uuid::Uuid::now_v7().to_string();
                    let seq: i64 = row.get(3);
                    let provider: Option<String> = row.get(4);
                    let provider = provider.map(|p| format!("{p}-raw"));
                    tx.execute(
                        &insert,
                        &[
                            &id,
                            &row.get::<_, String>(1),
                            &row.get::<_, String>(2),
                            &(seq + 1_000_000_000),
                            &provider,
                            &row.get::<_, String>(5),
                            &row.get::<_, String>(6),
                            &row.get::<_, String>(7),
                            &row.get::<_, String>(8),
                            &row.get::<_, String>(9),
                            &row.get::<_, String>(10),
                        ],
                    )?;
                }
                tx.commit()?;
            }
            Ok(source.len() as f64 / started.elapsed().as_secs_f64())
        }
    }
}

/// One figure of the report.
struct Figure {
    name: String,
    result: String,
    baseline: String,
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cpus} cores ({model}), shared by the load generator and the server")
}

/// The ingest scenario. The load runs on a Tokio runtime; the database work around it (a
/// synchronous PostgreSQL client among it) outside of one.
fn ingest(options: &Options) -> Result<Vec<Figure>> {
    let runtime = tokio::runtime::Runtime::new()?;
    let world = World::new(options, &Setup::new(1, 1))?;
    let nodes: Vec<Node> = (0..options.nodes)
        .map(|_| Node::start(&options.server, &world.config))
        .collect::<Result<_>>()?;
    let bases: Vec<String> = nodes.iter().map(|n| n.base.clone()).collect();
    let pids: Vec<u32> = nodes.iter().map(Node::pid).collect();
    let (c, s) = (options.connections, options.seconds);
    let started = cpu::Usage::read(&pids)?;
    let floor = runtime.block_on(drive(&bases, c, s, |client, base, _| {
        client.get(format!("{base}/healthz"))
    }));
    let between = cpu::Usage::read(&pids)?;
    let ingest = runtime.block_on(drive(&bases, c, s, |client, base, n| {
        signed_webhook(client, base, n, 0)
    }));
    let ended = cpu::Usage::read(&pids)?;
    drop(runtime);
    drop(nodes);
    let stored = world.stored_messages()?;
    if stored != ingest.ok {
        bail!(
            "{} webhooks were answered 2xx but {stored} messages are stored",
            ingest.ok
        );
    }
    let raw = raw_inserts(&world, ingest.ok.min(50_000) as usize)?;
    let label = nodes_label(options);
    let floor_cost = between.per_request_since(&started, floor.ok);
    let cost = ended.per_request_since(&between, ingest.ok);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    // What the cores could answer a second at these costs, were they never idle.
    let ceiling = |cost: &cpu::Usage| cores * 1e6 / cost.total();
    println!(
        "cpu: {:.0} µs of the server and {:.0} µs of the generator per webhook",
        cost.server, cost.generator
    );
    Ok(vec![
        Figure {
            name: format!("durable inbound webhooks/s, {label} (each a new message, half in new conversations; {c} connections, {s} s; default webhook limits)"),
            result: format!(
                "**{:.0}/s** ({} stored, {} refused or failed)",
                ingest.rate(),
                ingest.ok,
                ingest.failed
            ),
            baseline: format!(
                "raw batched inserts of the same rows: {raw:.0}/s → **{:.1}%**; HTTP floor (`/healthz`, same load): {:.0}/s → {:.1}%",
                100.0 * ingest.rate() / raw,
                floor.rate(),
                100.0 * ingest.rate() / floor.rate()
            ),
        },
        Figure {
            name: format!("CPU per webhook of that run, {label} (user + system from `/proc`, all threads)"),
            result: format!(
                "server **{:.1} µs** (its writer thread {:.1} µs), load generator {:.1} µs: {:.1} µs{}",
                cost.server,
                cost.writer,
                cost.generator,
                cost.total(),
                match world.postgres {
                    // The database's own processes share the cores too, uncounted here.
                    Some(_) => "; PostgreSQL's own processes not counted".to_string(),
                    None => format!(
                        ", so the {cores:.0} cores answer at most {:.0}/s; at this cost {:.0}% of the raw rate ({:.0}/s) would take {:.1} cores",
                        ceiling(&cost),
                        RAW_SHARE_TARGET * 100.0,
                        RAW_SHARE_TARGET * raw,
                        RAW_SHARE_TARGET * raw * cost.total() / 1e6,
                    ),
                },
            ),
            baseline: format!(
                "`/healthz` in the same run: server {:.1} µs, load generator {:.1} µs: {:.1} µs, at most {:.0}/s",
                floor_cost.server,
                floor_cost.generator,
                floor_cost.total(),
                ceiling(&floor_cost),
            ),
        },
    ])
}

/// The share of the raw insert rate the issue asks durable webhooks to reach.
const RAW_SHARE_TARGET: f64 = 0.25;

fn nodes_label(options: &Options) -> String {
    format!(
        "{} node{} on {}",
        options.nodes,
        if options.nodes == 1 { "" } else { "s" },
        options.backend()
    )
}

fn report(figures: &[Figure]) -> String {
    let command: Vec<String> = std::env::args().collect();
    let mut out = format!(
        "Measured {} on {} with `{}`.\n\n| figure | result | baseline (same run) |\n|---|---|---|\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        machine(),
        command.join(" ")
    );
    for f in figures {
        out.push_str(&format!("| {} | {} | {} |\n", f.name, f.result, f.baseline));
    }
    out
}

/// The heading of a scenario's section in BENCHMARKS.md.
fn heading(scenario: Scenario, options: &Options) -> String {
    match scenario {
        Scenario::Ingest => format!("### Server load: {}", nodes_label(options)),
        Scenario::Latency => format!(
            "### Server load: webhook → stream latency, 1 node on {}",
            options.backend()
        ),
        Scenario::Streams => format!(
            "### Server load: idle streams, 1 node on {}",
            options.backend()
        ),
    }
}

/// Replace (or add) the section of `file` headed `heading`.
fn write_section(file: &Path, heading: &str, body: &str) -> Result<()> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let section = format!("{heading}\n\n{}\n\n", body.trim_end());
    let updated = match text.find(&format!("{heading}\n")) {
        Some(start) => {
            let rest = &text[start + heading.len()..];
            let end = rest
                .find("\n## ")
                .or_else(|| rest.find("\n### "))
                .map_or(text.len(), |i| start + heading.len() + i + 1);
            format!("{}{section}{}", &text[..start], &text[end..])
        }
        None => format!("{}\n\n{section}", text.trim_end()),
    };
    std::fs::write(file, updated)?;
    Ok(())
}

/// Raise this process's open-files limit to its hard limit (the server it starts inherits
/// it); the limit now.
fn raise_open_files() -> Result<u64> {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).context("reading RLIMIT_NOFILE")?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).context("raising RLIMIT_NOFILE")?;
    }
    Ok(hard)
}

/// A process's memory from `/proc/PID/smaps_rollup`: (RSS, PSS) in KB.
fn memory(pid: u32) -> Result<(u64, u64)> {
    let path = format!("/proc/{pid}/smaps_rollup");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {path} (Linux only)"))?;
    let field = |name: &str| -> Result<u64> {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().strip_suffix("kB"))
            .and_then(|kb| kb.trim().parse().ok())
            .with_context(|| format!("no {name} line in {path}"))
    };
    Ok((field("Rss:")?, field("Pss:")?))
}

fn main() -> Result<()> {
    let options = Options::parse(std::env::args())?;
    for scenario in options.scenarios.clone() {
        let figures = match scenario {
            Scenario::Ingest => ingest(&options)?,
            Scenario::Latency => latency::run(&options)?,
            Scenario::Streams => streams::run(&options)?,
        };
        let heading = heading(scenario, &options);
        let body = report(&figures);
        println!("{heading}\n\n{body}");
        if let Some(file) = &options.write {
            write_section(file, &heading, &body)?;
            println!("written to {}", file.display());
        }
    }
    Ok(())
}
