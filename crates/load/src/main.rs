//! `switchboard-load`: drives the real server binary over loopback and measures it against
//! baselines taken in the same run (../shared/engineering/PERFORMANCE.md):
//!
//! - **floor**: the same load generator on `GET /healthz` — what HTTP alone costs here;
//! - **ingest**: signed WhatsApp webhooks, each a new message (half from new customers), as
//!   fast as the server answers them; a 2xx means stored, and the database is counted after;
//! - **raw**: the same message rows inserted straight into the same database with a batched
//!   prepared statement (1,000 rows a transaction) — the storage floor.
//!
//! On PostgreSQL (`--database postgres://…`) it also runs with `--nodes 2`: two server
//! processes on the one database, the load split between them.
//!
//!     switchboard-load [--server target/release/switchboard-server] [--seconds 10]
//!                      [--connections 32] [--database sqlite|postgres://…] [--nodes 1]
//!                      [--write BENCHMARKS.md]
//!
//! It prints a Markdown table; `--write FILE` replaces the "### Server load: …" section of FILE
//! for that backend and node count (or adds it at the end) with it, the command, the date and
//! the machine.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use switchboard_fakes::{meta_signature, WhatsAppBusiness, WhatsAppMessage, WhatsAppWebhook};

const APP_SECRET: &str = "load-app-secret";

#[derive(Debug, Clone)]
struct Options {
    server: PathBuf,
    seconds: f64,
    connections: usize,
    /// `None` for a SQLite file in a scratch directory.
    postgres: Option<String>,
    nodes: usize,
    write: Option<PathBuf>,
}

impl Options {
    fn parse(args: impl Iterator<Item = String>) -> Result<Options> {
        let mut options = Options {
            server: PathBuf::from("target/release/switchboard-server"),
            seconds: 10.0,
            connections: 32,
            postgres: None,
            nodes: 1,
            write: None,
        };
        let mut args = args.skip(1);
        while let Some(flag) = args.next() {
            let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
            match flag.as_str() {
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
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The scratch world of one run: its directory, configuration and database.
struct World {
    dir: tempfile::TempDir,
    config: PathBuf,
    postgres: Option<String>,
}

impl World {
    fn new(options: &Options) -> Result<World> {
        let dir = tempfile::tempdir()?;
        let database = match &options.postgres {
            Some(admin) => scratch_postgres(admin)?,
            None => "sqlite://switchboard.db".to_string(),
        };
        let business = WhatsAppBusiness::default();
        let config = dir.path().join("switchboard.toml");
        std::fs::write(
            &config,
            format!(
                r#"[server]
listen = "127.0.0.1:0"
database = "{database}"
[server.rate_limits]
webhooks_per_minute_per_ip = 100000000

[[agents]]
extension = "101"
name = "Ana"
password = "load-test-password"
role = "agent"

[[queues]]
id = "support"
agents = ["101"]

[[channels]]
id = "wa"
kind = "whatsapp"
route = {{ queue = "support" }}
[channels.whatsapp]
phone_number_id = "{phone}"
access_token = "unused"
app_secret = "{APP_SECRET}"
verify_token = "v"
api_base = "http://127.0.0.1:9"
"#,
                phone = business.phone_number_id,
            ),
        )?;
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

/// The `n`th webhook: one new message; even ones from a new customer, odd ones from one of 50
/// customers who wrote before (so half open conversations, half append to one).
fn webhook(n: u64) -> Vec<u8> {
    let business = WhatsAppBusiness::default();
    let from = if n % 2 == 0 {
        format!("55{:011}", 10_000_000_000 + n)
    } else {
        format!("55{:011}", n % 50)
    };
    WhatsAppWebhook::new(&business)
        .contact(&from, "Cliente")
        .message(
            WhatsAppMessage::text(&from, format!("Mensagem de carga número {n}"))
                .with_id(format!("wamid.load-{n:012}")),
        )
        .to_bytes()
}

fn signed_webhook(client: &reqwest::Client, base: &str, n: u64) -> reqwest::RequestBuilder {
    let body = webhook(n);
    client
        .post(format!("{base}/webhooks/whatsapp/wa"))
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

/// The load runs on a Tokio runtime; the database work around it (a synchronous PostgreSQL
/// client among it) outside of one.
fn measure(options: &Options) -> Result<Vec<Figure>> {
    let runtime = tokio::runtime::Runtime::new()?;
    let world = World::new(options)?;
    let nodes: Vec<Node> = (0..options.nodes)
        .map(|_| Node::start(&options.server, &world.config))
        .collect::<Result<_>>()?;
    let bases: Vec<String> = nodes.iter().map(|n| n.base.clone()).collect();
    let (c, s) = (options.connections, options.seconds);
    let floor = runtime.block_on(drive(&bases, c, s, |client, base, _| {
        client.get(format!("{base}/healthz"))
    }));
    let ingest = runtime.block_on(drive(&bases, c, s, signed_webhook));
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
    let label = format!(
        "{} node{} on {}",
        options.nodes,
        if options.nodes == 1 { "" } else { "s" },
        options.backend()
    );
    Ok(vec![
        Figure {
            name: format!("durable inbound webhooks/s, {label} (each a new message, half in new conversations; {c} connections, {s} s)"),
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
    ])
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

/// Replace (or add) the section of `file` headed `### Server load: ` plus the nodes and backend.
fn write_section(file: &Path, options: &Options, body: &str) -> Result<()> {
    let heading = format!(
        "### Server load: {} node{} on {}",
        options.nodes,
        if options.nodes == 1 { "" } else { "s" },
        options.backend()
    );
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let section = format!("{heading}\n\n{}\n\n", body.trim_end());
    let updated = match text.find(&heading) {
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

fn main() -> Result<()> {
    let options = Options::parse(std::env::args())?;
    let figures = measure(&options)?;
    let body = report(&figures);
    println!("{body}");
    if let Some(file) = &options.write {
        write_section(file, &options, &body)?;
        println!("written to {}", file.display());
    }
    Ok(())
}
