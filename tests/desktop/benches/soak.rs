//! Desktop soak benchmark (issue 17): the release app, signed in with a few thousand
//! conversations cached and one chat open, takes 20,000 incoming customer messages over 30
//! minutes (about 11 a second) as signed WhatsApp webhooks to the real server. Every minute it
//! samples the PSS of the app and its WebKit processes; at the start (after a warm-up) and at
//! the end it times, through the UI, opening a conversation and a search. Not a test; writes
//! the "Desktop soak" section of BENCHMARKS.md.
//!
//! ```sh
//! cd ui && npm run build && cd .. && cargo build --release -p switchboard-desktop
//! SWITCHBOARD_DESKTOP_BIN=$PWD/target/release/switchboard-desktop \
//!     cargo bench -p switchboard-desktop-e2e --bench soak
//! ```
//!
//! `SWITCHBOARD_SOAK_MINUTES` shortens it for a try (messages scale with it: 20,000 per 30
//! minutes); `SWITCHBOARD_SOAK_CONVERSATIONS` sets the cache (3,000). The section is written
//! only for the full 30 minutes unless `SWITCHBOARD_SOAK_WRITE=1`.
//!
//! The traffic is deterministic (a seeded generator) and shaped like a support desk's: 80% of
//! the messages come from the agent's existing customers (most from a few hundred who are
//! talking right now, the rest from anyone), 5% from the customer whose chat is open on the
//! screen, 5% from new customers (each opens a conversation, which the agent takes within
//! seconds through the API, as she would from the offer) and 10% are those new customers
//! writing again. The agent dismisses the "unknown contact" pop-ups once a minute.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context, Result};
use serde_json::{json, Value};
use switchboard_desktop_e2e::bench::{
    build_and_binary, list, median, memory, seed_conversations, seeded_name, seeded_phone, split,
    write_section, SEEDED_MESSAGES,
};
use switchboard_desktop_e2e::{App, Desktop};
use switchboard_fakes::{FakeGraph, GraphOptions, MetaWebhook, WhatsAppBusiness, WhatsAppWebhook};
use switchboard_server::store::{Mode, Tx};

const PASSWORD: &str = "bench-password";
const HEADING: &str = "## Desktop soak (issue 17)\n";
/// Where the section goes the first time: after the desktop app's own.
const BEFORE: &str = "## Server (issue 17)\n";
/// The recorded figure: 20,000 messages in 30 minutes.
const FULL_MINUTES: f64 = 30.0;
const FULL_MESSAGES: f64 = 20_000.0;
/// Timed repetitions of each UI action, at the start and at the end.
const REPS: usize = 9;
const SEARCHES: [&str; REPS] = [
    "pedido",
    "entrega",
    "pedido 1234",
    "boleto",
    "Mensagem 2",
    "troca",
    "nota fiscal",
    "cancelar",
    "obrigado",
];
/// What customers write (each message also carries its number, `(msg N)`, to be counted).
const PHRASES: [&str; 12] = [
    "Bom dia, alguma novidade sobre o meu pedido?",
    "Ainda não recebi a entrega, podem verificar?",
    "Preciso da segunda via do boleto",
    "Quero fazer a troca do produto, veio com defeito",
    "Obrigado pela ajuda!",
    "Consigo cancelar o pedido que fiz ontem?",
    "A nota fiscal não veio junto com a mercadoria",
    "Qual o prazo de entrega para o CEP 01310-100?",
    "O rastreio não atualiza desde sexta",
    "Vocês aceitam pix?",
    "Pode me mandar o link de pagamento de novo?",
    "ok",
];

fn minutes() -> f64 {
    std::env::var("SWITCHBOARD_SOAK_MINUTES")
        .ok()
        .and_then(|m| m.parse::<f64>().ok())
        .filter(|m| *m >= 1.0)
        .unwrap_or(FULL_MINUTES)
}

fn conversations() -> usize {
    std::env::var("SWITCHBOARD_SOAK_CONVERSATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n: &usize| *n >= 500)
        .unwrap_or(3_000)
}

fn config(hash: &str, graph: &FakeGraph) -> String {
    let options = graph.options();
    format!(
        r#"[server]
listen = "127.0.0.1:0"
database = "sqlite://switchboard.db"
data_dir = "files"

[[agents]]
extension = "101"
name = "Ana Souza"
password_hash = "{hash}"

[[queues]]
id = "support"
agents = ["101"]

[[channels]]
id = "wa"
kind = "whatsapp"
route = {{ queue = "support" }}
[channels.whatsapp]
phone_number_id = "{phone_number_id}"
access_token = "{token}"
app_secret = "{secret}"
verify_token = "v"
api_base = "{base}"
"#,
        phone_number_id = WhatsAppBusiness::default().phone_number_id,
        token = options.whatsapp_access_token,
        secret = options.app_secret,
        base = graph.base_url(),
    )
}

/// A small deterministic generator (xorshift64*), so every run sends the same traffic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What the traffic did, shared with the measuring side.
#[derive(Default)]
struct Counts {
    delivered: AtomicU64,
    refused: AtomicU64,
    to_open_chat: AtomicU64,
    new_customers: AtomicU64,
    /// The body of the newest message delivered.
    last_body: Mutex<String>,
}

/// Send `total` messages evenly over `span`; the customer whose chat is open is `open`.
async fn traffic(
    hook: MetaWebhook,
    total: usize,
    span: Duration,
    seeded: usize,
    open: Arc<Mutex<Option<usize>>>,
    counts: Arc<Counts>,
) {
    let business = WhatsAppBusiness::default();
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    // The customers talking right now: a few hundred, a new one replacing one now and then.
    let mut hot: Vec<usize> = (0..300).map(|_| rng.below(seeded)).collect();
    let mut newcomers = 0usize;
    let start = tokio::time::Instant::now();
    for n in 0..total {
        tokio::time::sleep_until(start + span.mul_f64(n as f64 / total as f64)).await;
        let roll = rng.below(100);
        let open_now = *open.lock().unwrap_or_else(|p| p.into_inner());
        let (phone, name) = match open_now {
            Some(c) if roll < 5 => {
                counts.to_open_chat.fetch_add(1, Ordering::Relaxed);
                (seeded_phone(c), seeded_name(c))
            }
            _ if roll < 10 || (roll < 20 && newcomers == 0) => {
                newcomers += 1;
                counts.new_customers.fetch_add(1, Ordering::Relaxed);
                (format!("55219{newcomers:08}"), format!("Novo {newcomers}"))
            }
            _ if roll < 20 => {
                let k = 1 + rng.below(newcomers);
                (format!("55219{k:08}"), format!("Novo {k}"))
            }
            _ if roll < 70 => {
                let slot = rng.below(hot.len());
                if rng.below(20) == 0 {
                    hot[slot] = rng.below(seeded);
                }
                (seeded_phone(hot[slot]), seeded_name(hot[slot]))
            }
            _ => {
                let c = rng.below(seeded);
                (seeded_phone(c), seeded_name(c))
            }
        };
        let body = format!("{} (msg {})", PHRASES[rng.below(PHRASES.len())], n + 1);
        let webhook = WhatsAppWebhook::text(&business, &phone, &name, &body);
        match hook.send(&webhook).await {
            Ok(answer) if answer.is_success() => {
                counts.delivered.fetch_add(1, Ordering::Relaxed);
                *counts.last_body.lock().unwrap_or_else(|p| p.into_inner()) = body;
            }
            Ok(answer) => {
                counts.refused.fetch_add(1, Ordering::Relaxed);
                eprintln!("webhook {n} answered {}", answer.status);
            }
            Err(error) => {
                counts.refused.fetch_add(1, Ordering::Relaxed);
                eprintln!("webhook {n} failed: {error}");
            }
        }
    }
}

/// The agent's API session, taking the chats offered to her as she would from the offer.
async fn take_offers(url: String, stop: Arc<std::sync::atomic::AtomicBool>) -> Result<usize> {
    let http = reqwest::Client::new();
    let answer: Value = http
        .post(format!("{url}/api/v1/session"))
        .json(&json!({"login": "101", "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = answer["token"]
        .as_str()
        .ok_or_else(|| anyhow!("the agent API login failed: {answer}"))?
        .to_string();
    let mut cursor = 0u64;
    let mut taken = std::collections::HashSet::new();
    let mut first = true;
    while !stop.load(Ordering::Relaxed) {
        let page: Value = http
            .get(format!("{url}/api/v1/sync?cursor={cursor}&limit=500"))
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        if let Some(next) = page["cursor"].as_u64() {
            cursor = next;
        }
        for event in page["events"].as_array().into_iter().flatten() {
            let data = &event["data"];
            if first
                || event["type"] != "conversation.upserted"
                || data["status"] != "queued"
                || !data["owner"].is_null()
            {
                continue;
            }
            let id = data["id"].as_str().unwrap_or_default();
            let answer = http
                .post(format!("{url}/api/v1/conversations/{id}/take"))
                .bearer_auth(&token)
                .json(&json!({}))
                .send()
                .await?;
            if answer.status().is_success() {
                taken.insert(id.to_string());
            }
        }
        if page["more"] == true {
            continue;
        }
        first = false;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    Ok(taken.len())
}

/// Time opening the conversation `id` (its list row clicked) until its title and messages are
/// on the page and a frame has been drawn; the page measures with `performance.now()`.
async fn time_open(app: &App, id: &str) -> Result<f64> {
    let answer = app
        .js_async(
            "const [id, done] = [arguments[0], arguments[arguments.length - 1]];
             const row = document.querySelector(`[data-testid=conversation-item][data-conversation-id=\"${id}\"]`);
             const title = document.querySelector('[data-testid=chat-title]');
             if (!row || !title) { done({error: 'no row or no chat title'}); return; }
             const name = row.querySelector('[data-testid=conversation-name]').textContent;
             const shown = () => title.textContent === name && title.offsetParent !== null &&
                 document.querySelectorAll('[data-testid=message-list] [data-testid=message]').length > 0;
             const t0 = performance.now();
             let finished = false;
             const observer = new MutationObserver(() => check());
             const check = () => {
               if (finished || !shown()) return;
               finished = true;
               observer.disconnect();
               requestAnimationFrame(() => done({ms: performance.now() - t0}));
             };
             observer.observe(document.body, {childList: true, subtree: true, characterData: true, attributes: true});
             row.click();
             check();
             setTimeout(() => { if (!finished) { finished = true; observer.disconnect(); done({error: 'not shown in 20 s'}); } }, 20000);",
            vec![json!(id)],
        )
        .await?;
    answer["ms"]
        .as_f64()
        .ok_or_else(|| anyhow!("opening {id}: {answer}"))
}

/// Time a search typed into the top bar until its results are drawn (a frame included).
async fn time_search(app: &App, query: &str) -> Result<(f64, u64)> {
    let answer = app
        .js_async(
            "const [query, done] = [arguments[0], arguments[arguments.length - 1]];
             const box = document.querySelector('[data-testid=search-box]');
             const results = document.querySelector('[data-testid=search-results]');
             const type = (v) => { box.value = v; box.dispatchEvent(new Event('input', {bubbles: true})); };
             type('');
             let finished = false;
             const t0 = performance.now();
             const observer = new MutationObserver(() => check());
             const check = () => {
               if (finished || results.hidden) return;
               finished = true;
               observer.disconnect();
               requestAnimationFrame(() => {
                 const ms = performance.now() - t0;
                 const hits = results.querySelectorAll('[data-testid=search-hit]').length;
                 type('');
                 done({ms, hits});
               });
             };
             observer.observe(results, {childList: true, subtree: true, attributes: true});
             type(query);
             setTimeout(() => { if (!finished) { finished = true; observer.disconnect(); done({error: 'no results in 20 s'}); } }, 20000);",
            vec![json!(query)],
        )
        .await?;
    let ms = answer["ms"]
        .as_f64()
        .ok_or_else(|| anyhow!("searching {query:?}: {answer}"))?;
    Ok((ms, answer["hits"].as_u64().unwrap_or(0)))
}

/// The list rows drawn now: (conversation id, name).
async fn rows(app: &App) -> Result<Vec<(String, String)>> {
    let value = app
        .js(
            "return [...document.querySelectorAll('[data-testid=conversation-item]')].map(r =>
                 [r.dataset.conversationId, r.querySelector('[data-testid=conversation-name]').textContent]);",
            vec![],
        )
        .await?;
    Ok(value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| Some((r[0].as_str()?.to_string(), r[1].as_str()?.to_string())))
        .collect())
}

/// Open and search timings: `REPS` opens of chats near the top of the list (never the one
/// open) and the `SEARCHES`, one after another.
struct Timings {
    open: Vec<f64>,
    search: Vec<f64>,
    hits: Vec<u64>,
}

async fn measure(app: &App) -> Result<Timings> {
    let mut open = Vec::new();
    for rep in 0..REPS {
        let listed = rows(app).await?;
        let active = app
            .js(
                "const a = document.querySelector('[data-testid=conversation-item].active'); return a ? a.dataset.conversationId : null;",
                vec![],
            )
            .await?;
        let candidates: Vec<&(String, String)> = listed
            .iter()
            .filter(|(id, _)| active.as_str() != Some(id))
            .collect();
        let (id, _) = candidates
            .get(rep % candidates.len().max(1))
            .ok_or_else(|| anyhow!("the list shows no conversation to open"))?;
        open.push(time_open(app, id).await?);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let mut search = Vec::new();
    let mut hits = Vec::new();
    for query in SEARCHES {
        let (ms, n) = time_search(app, query).await?;
        search.push(ms);
        hits.push(n);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    Ok(Timings { open, search, hits })
}

/// Dismiss the "unknown contact" pop-ups shown (Ignore), as the agent would; how many.
async fn dismiss_popups(app: &App) -> Result<u64> {
    let n = app
        .js(
            "const b = [...document.querySelectorAll('[data-testid=popup-ignore]')]; b.forEach(x => x.click()); return b.length;",
            vec![],
        )
        .await?;
    Ok(n.as_u64().unwrap_or(0))
}

/// Soak messages (`(msg N)`) in the app's cache, read from its SQLite file.
fn soak_messages_cached(app: &App) -> Result<u64> {
    let profiles = app.data_dir.join("profiles");
    let mut total = 0;
    for entry in std::fs::read_dir(&profiles).with_context(|| format!("{}", profiles.display()))? {
        let path = entry?.path().join("cache.sqlite3");
        if !path.is_file() {
            continue;
        }
        let db = rusqlite::Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        let n: i64 = db.query_row(
            "SELECT count(*) FROM messages WHERE body LIKE '%(msg %)'",
            [],
            |row| row.get(0),
        )?;
        total += n as u64;
    }
    Ok(total)
}

struct Sample {
    minute: f64,
    total: f64,
    parts: Vec<(String, f64)>,
}

/// Threads of the app process (a thread left behind per notification would show here).
fn threads(app: &App) -> u64 {
    app.pid()
        .and_then(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    if let Some(reason) = switchboard_desktop_e2e::missing_prerequisites() {
        bail!(reason);
    }
    let minutes = minutes();
    let total = (FULL_MESSAGES * minutes / FULL_MINUTES).round() as usize;
    let span = Duration::from_secs_f64(minutes * 60.0);
    let seeded = conversations();

    // The server with the agent's conversations, its WhatsApp channel at a fake Graph API.
    let graph = FakeGraph::start(GraphOptions::default()).await?;
    let dir = tempfile::tempdir()?;
    let hash = switchboard_server::auth::hash_password(PASSWORD);
    let path = dir.path().join("switchboard.toml");
    std::fs::write(&path, config(&hash, &graph))?;
    let config = switchboard_server::config::load(&path).map_err(|e| anyhow!("{e}"))?;
    let store = switchboard_server::open_store(&config).map_err(|e| anyhow!("{e}"))?;
    switchboard_server::apply_config(store.as_ref(), &config).map_err(|e| anyhow!("{e}"))?;
    let mut agent = None;
    store.run(Mode::Read, &mut |tx: &mut dyn Tx| {
        agent = tx.agent_by_extension("101")?.map(|a| a.id);
        Ok(())
    })?;
    let agent = agent.ok_or_else(|| anyhow!("no agent 101"))?;
    {
        let store = store.clone();
        tokio::task::spawn_blocking(move || {
            seed_conversations(store.as_ref(), agent, "wa", seeded)
        })
        .await??;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let running = switchboard_server::launch_with_listener(config, store, listener)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let url = format!("http://{}", running.addr);
    eprintln!("server seeded with {seeded} conversations at {url}; soak: {total} messages in {minutes} min");

    // The app signed in, its cache full.
    let desktop = Desktop::start()?;
    let app = desktop.app("soak", &url).await?;
    app.login("101", PASSWORD).await?;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let count = app
            .js(
                "window.__TAURI_INTERNALS__.invoke('conversations', {view: 'recent'}).then(l => window.__benchCount = l.length); return window.__benchCount;",
                vec![],
            )
            .await?;
        if count.as_u64() == Some(seeded as u64) {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "the cache holds {count} conversations after 5 minutes"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    app.wait_for("[data-testid=conversation-item]").await?;
    eprintln!("the app's cache holds {seeded} conversations");
    // Let the background history load finish; warm up opening and searching.
    tokio::time::sleep(Duration::from_secs(20)).await;
    measure(&app).await?;

    // The traffic, and the agent taking the chats offered to her.
    let open = Arc::new(Mutex::new(None::<usize>));
    let counts = Arc::new(Counts::default());
    let hook = graph.webhook(format!("{url}/webhooks/whatsapp/wa"));
    let sender = tokio::spawn(traffic(
        hook,
        total,
        span,
        seeded,
        open.clone(),
        counts.clone(),
    ));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let taker = tokio::spawn(take_offers(url.clone(), stop.clone()));
    let t0 = Instant::now();
    let minute_of = |at: Instant| at.duration_since(t0).as_secs_f64() / 60.0;

    let start = measure(&app).await?;
    // The chat left open through the soak: a seeded customer's near the top.
    let (home_id, home_name) = rows(&app)
        .await?
        .into_iter()
        .find(|(_, name)| name.starts_with("Cliente "))
        .ok_or_else(|| anyhow!("no seeded customer's chat in the list"))?;
    let home: usize = home_name["Cliente ".len()..].parse()?;
    app.open(&home_id).await?;
    *open.lock().unwrap_or_else(|p| p.into_inner()) = Some(home);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (start_memory, start_parts) = memory(&app)?;
    let start_threads = threads(&app);
    let start_minute = minute_of(Instant::now());
    eprintln!(
        "start: open {:.1} ms, search {:.1} ms (medians), memory {start_memory:.0} MB ({}) at minute {start_minute:.1}",
        median(start.open.clone()),
        median(start.search.clone()),
        split(&start_parts)
    );

    // Every minute: memory, and the pop-ups dismissed. The end measurement runs in the last
    // stretch of traffic, as the start one ran in its first.
    let mut samples = vec![Sample {
        minute: start_minute,
        total: start_memory,
        parts: start_parts,
    }];
    let mut dismissed = 0;
    let end_at = span.saturating_sub(Duration::from_secs(75));
    let mut next = Duration::from_secs(60);
    while t0.elapsed() < end_at {
        let wait = next.min(end_at).saturating_sub(t0.elapsed());
        tokio::time::sleep(wait).await;
        if t0.elapsed() >= next {
            dismissed += dismiss_popups(&app).await?;
            let (total_now, parts) = memory(&app)?;
            let minute = minute_of(Instant::now());
            eprintln!(
                "minute {minute:.1}: {total_now:.0} MB ({}), {} delivered, {} app threads",
                split(&parts),
                counts.delivered.load(Ordering::Relaxed),
                threads(&app)
            );
            samples.push(Sample {
                minute,
                total: total_now,
                parts,
            });
            next += Duration::from_secs(60);
        }
    }
    // What the open chat shows of its customer's messages, before the end measurement
    // opens others.
    dismissed += dismiss_popups(&app).await?;
    // No more to it from here; what is on its way arrives and is drawn first.
    *open.lock().unwrap_or_else(|p| p.into_inner()) = None;
    let to_open = counts.to_open_chat.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let on_screen = app
        .js(
            "return [...document.querySelectorAll('[data-testid=message-list] [data-testid=message] .body')]
                 .filter(b => /\\(msg \\d+\\)$/.test(b.textContent)).length;",
            vec![],
        )
        .await?
        .as_u64()
        .unwrap_or(0);
    let end = measure(&app).await?;
    sender.await?;
    let traffic_minutes = minute_of(Instant::now());
    // Let the last messages arrive; then count what reached the cache and the screen.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let list_top_preview = app
        .js(
            "const p = document.querySelector('[data-testid=conversation-item] .item-preview'); return p ? p.textContent : null;",
            vec![],
        )
        .await?;
    let last_body = counts
        .last_body
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let cached = soak_messages_cached(&app)?;
    dismissed += dismiss_popups(&app).await?;
    stop.store(true, Ordering::Relaxed);
    let taken = taker.await??;
    let (end_memory, end_parts) = memory(&app)?;
    let end_threads = threads(&app);
    let end_minute = minute_of(Instant::now());
    samples.push(Sample {
        minute: end_minute,
        total: end_memory,
        parts: end_parts.clone(),
    });
    let dom_nodes = app
        .js("return document.getElementsByTagName('*').length;", vec![])
        .await?;
    drop(app);
    drop(running);

    let delivered = counts.delivered.load(Ordering::Relaxed);
    let refused = counts.refused.load(Ordering::Relaxed);
    let newcomers = counts.new_customers.load(Ordering::Relaxed);
    let growth = (end_memory / start_memory - 1.0) * 100.0;
    let (open_start, open_end) = (median(start.open.clone()), median(end.open.clone()));
    let (search_start, search_end) = (median(start.search.clone()), median(end.search.clone()));
    let (min, max) = samples.iter().fold((f64::MAX, 0f64), |(lo, hi), s| {
        (lo.min(s.total), hi.max(s.total))
    });
    let series = samples
        .iter()
        .map(|s| format!("{:.0}: {:.0}", s.minute, s.total))
        .collect::<Vec<_>>()
        .join(", ");
    let verdict = |ok: bool| if ok { "met" } else { "**not met**" };
    let (build, binary) = build_and_binary();
    let section = format!(
        "{HEADING}\nProduced by `SWITCHBOARD_DESKTOP_BIN=$PWD/target/release/switchboard-desktop cargo bench \
         -p switchboard-desktop-e2e --bench soak`{minutes_note} on {date} with {build} (`{binary}`), under Xvfb \
         on {machine}; the baselines are the same app's own figures at the start of the same run.\n\n\
         | figure | start (baseline, same run) | end | ratio | target |\n|---|---|---|---|---|\n\
         | memory, PSS of the app and its WebKit processes | {start_memory:.0} MB ({start_split}) | {end_memory:.0} MB ({end_split}) | **{growth:+.1}%** | growth under 10% ({memory_ok}) |\n\
         | open a conversation from the list until its messages are drawn (median of {REPS}) | {open_start:.1} ms (runs: {open_start_runs}) | {open_end:.1} ms (runs: {open_end_runs}) | **{open_ratio:.2}×** | no slowdown, ≤ 1.1× ({open_ok}) |\n\
         | search from the top bar until its results are drawn (median of {REPS} queries) | {search_start:.1} ms (runs: {search_start_runs}) | {search_end:.1} ms (runs: {search_end_runs}) | **{search_ratio:.2}×** | no slowdown, ≤ 1.1× ({search_ok}) |\n\n\
         The soak: {delivered} of {total} customer messages delivered as signed WhatsApp webhooks to the real \
         server (SQLite) over {traffic_minutes:.1} minutes ({rate:.1} a second; {refused} refused), to an app \
         signed in with {seeded} of its agent's conversations cached ({SEEDED_MESSAGES} messages each) and one \
         chat open. {to_open} went to the open chat, {newcomers} came from new customers (the agent took \
         their chats through the API as offered: {taken} conversations taken), the rest from existing customers, most of them \
         from a few hundred talking at the time; {dismissed} \"unknown contact\" pop-ups were dismissed once \
         a minute, as the agent would. Reached the app's cache: **{cached} of {delivered}**; the open chat \
         showed {on_screen} of the {to_open} sent to it, and the list's top row previewed the last message \
         sent ({top_ok}). At the end the page held {dom_nodes} elements, and the app process ran \
         {end_threads} threads ({start_threads} at the start).\n\n\
         Memory through the soak (minute: MB): {series}; lowest {min:.0} MB, highest {max:.0} MB. The start \
         sample is taken after the warm-up (sign-in, cache full, one round of opening and searching) and \
         the start measurement, with the soak chat open; the end sample after the traffic and the end \
         measurement. Opening is timed in the page with `performance.now()`, from a click on a list row \
         (one of the rows near the top, never the chat already open) until the chat's title and messages \
         are in the DOM and the next animation frame has run; a search from setting the top bar's box \
         until its results are drawn and a frame has run. The start measurement runs during the first \
         minute of traffic and the end one during the last, so both see the same load. Search hits per \
         query (newest 50 at most), start: {hits_start}; end: {hits_end}.\n",
        minutes_note = if (minutes - FULL_MINUTES).abs() < f64::EPSILON {
            String::new()
        } else {
            format!(" with `SWITCHBOARD_SOAK_MINUTES={minutes}`")
        },
        date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        machine = machine(),
        start_split = split(&samples[0].parts),
        end_split = split(&end_parts),
        memory_ok = verdict(growth < 10.0),
        open_start_runs = list(&start.open),
        open_end_runs = list(&end.open),
        open_ratio = open_end / open_start,
        open_ok = verdict(open_end / open_start <= 1.1),
        search_start_runs = list(&start.search),
        search_end_runs = list(&end.search),
        search_ratio = search_end / search_start,
        search_ok = verdict(search_end / search_start <= 1.1),
        rate = delivered as f64 / (traffic_minutes * 60.0),
        top_ok = if list_top_preview.as_str() == Some(last_body.as_str()) {
            "yes".to_string()
        } else {
            format!("no: {list_top_preview}")
        },
        hits_start = start.hits.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
        hits_end = end.hits.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
    );
    println!("{section}");
    let full = (minutes - FULL_MINUTES).abs() < f64::EPSILON;
    if full || std::env::var_os("SWITCHBOARD_SOAK_WRITE").is_some_and(|v| v == "1") {
        write_section(HEADING, &section, Some(BEFORE))?;
    } else {
        eprintln!(
            "a shortened run: BENCHMARKS.md left as it is (SWITCHBOARD_SOAK_WRITE=1 writes it)"
        );
    }
    Ok(())
}

/// "2 cores (Intel(R) Xeon(R) …)".
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores ({model}), shared with other work")
}
