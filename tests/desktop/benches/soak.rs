//! Desktop soak benchmark (issue 17): the release app, signed in with a few thousand
//! conversations cached and one chat open, takes 20,000 incoming customer messages over 30
//! minutes (about 11 a second) as signed WhatsApp webhooks to the real server. Before them, a
//! warm-up of the same traffic at the same rate (3 minutes, not counted) lets the web process
//! fill its caches; then the start measurement (opening a conversation and searching, timed
//! through the UI, and the PSS of the app and its WebKit processes) is the baseline, memory is
//! sampled every minute, and the end measurement is taken the same way. Not a test; writes the
//! "Desktop soak" section of BENCHMARKS.md up to its `WRITTEN_BY_BENCH_ENDS` line, keeping the
//! analysis written by hand after it.
//!
//! ```sh
//! cd ui && npm run build && cd .. && cargo build --release -p switchboard-desktop
//! SWITCHBOARD_DESKTOP_BIN=$PWD/target/release/switchboard-desktop \
//!     cargo bench -p switchboard-desktop-e2e --bench soak
//! ```
//!
//! `SWITCHBOARD_SOAK_MINUTES` shortens it for a try (messages scale with it: 20,000 per 30
//! minutes); `SWITCHBOARD_SOAK_WARMUP_MINUTES` the warm-up (3, at the same rate);
//! `SWITCHBOARD_SOAK_CONVERSATIONS` sets the cache (3,000). The section is written only for
//! the full 30 minutes unless `SWITCHBOARD_SOAK_WRITE=1`.
//!
//! The traffic is deterministic (a seeded generator) and shaped like a support desk's: 80% of
//! the messages come from the agent's existing customers (most from a few hundred who are
//! talking right now, the rest from anyone), 5% from the customer whose chat is open on the
//! screen, 5% from new customers (each opens a conversation, which the agent takes within
//! seconds through the API, as she would from the offer) and 10% are those new customers
//! writing again. The agent dismisses the "unknown contact" pop-ups once a minute.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context, Result};
use serde_json::json;
use switchboard_desktop_e2e::bench::{
    build_and_binary, list, median, memory, seed_conversations, seeded_name, seeded_phone, split,
    write_section, SEEDED_MESSAGES,
};
use switchboard_desktop_e2e::{Api, App, Desktop};
use switchboard_fakes::{FakeGraph, GraphOptions, MetaWebhook, WhatsAppBusiness, WhatsAppWebhook};
use switchboard_server::store::{Mode, Tx};

const PASSWORD: &str = "bench-password";
const HEADING: &str = "## Desktop soak (issue 17)\n";
/// Where the section goes the first time: after the desktop app's own.
const BEFORE: &str = "## Server (issue 17)\n";
/// The recorded figure: 20,000 messages in 30 minutes.
const FULL_MINUTES: f64 = 30.0;
const FULL_MESSAGES: f64 = 20_000.0;
/// Opens timed at the start and at the end (the median is reported: single runs on a shared
/// machine range over a factor of ten).
const OPENS: usize = 21;
/// The chats opened: the last seeded customers', which the traffic leaves alone. Each gets
/// [`FILL`] messages before the warm-up, so every open draws a full page (50 messages) at the
/// start and at the end alike, and one more message right before its open, which brings its
/// row to the top of the list to be clicked. (Opening whichever rows were at the top compared
/// chats of a few messages at the start with chats of fifty at the end.)
const MEASURED: usize = 10;
/// Messages given to each measured chat before the warm-up: more than a page.
const FILL: usize = 55;
/// Rounds of [`SEARCHES`] timed at the start and at the end.
const SEARCH_ROUNDS: usize = 4;
const SEARCHES: [&str; 9] = [
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
/// Traffic before the baseline, at the soak's rate and not counted in it: the web process's
/// caches fill in the first minute of incoming messages (about 150 MB), and a baseline taken
/// before that would count the fill as growth.
const WARM_UP_MINUTES: f64 = 3.0;
/// How long before the traffic ends the end measurement starts, so it runs under the same
/// load as the start one, which runs in the soak's first minute.
const END_STRETCH: Duration = Duration::from_secs(120);
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

fn warm_up_minutes() -> f64 {
    std::env::var("SWITCHBOARD_SOAK_WARMUP_MINUTES")
        .ok()
        .and_then(|m| m.parse::<f64>().ok())
        .filter(|m| *m >= 0.0)
        .unwrap_or(WARM_UP_MINUTES)
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

/// What one phase of the traffic did, shared with the measuring side.
#[derive(Default)]
struct Counts {
    delivered: AtomicU64,
    refused: AtomicU64,
    to_open_chat: AtomicU64,
    new_customers: AtomicU64,
    /// The newest message delivered: its customer's name and its body.
    last: Mutex<(String, String)>,
}

/// A stretch of traffic: `total` messages sent evenly over `span`, each body ending in
/// `(<tag> N)` so the cache can be counted per phase.
struct Phase {
    tag: &'static str,
    total: usize,
    span: Duration,
}

/// The customers writing in, from the warm-up through the soak: one seeded generator, so
/// every run sends the same traffic and the soak's new customers are new to the warm-up too.
struct Traffic {
    hook: MetaWebhook,
    business: WhatsAppBusiness,
    rng: Rng,
    seeded: usize,
    /// The customers talking right now: a few hundred, a new one replacing one now and then.
    hot: Vec<usize>,
    newcomers: usize,
    /// The seeded customer whose chat stays open on the screen.
    open: usize,
}

impl Traffic {
    fn new(hook: MetaWebhook, seeded: usize, open: usize) -> Traffic {
        let mut rng = Rng(0x5eed_cafe_f00d_d00d);
        let hot = (0..300).map(|_| rng.below(seeded)).collect();
        Traffic {
            hook,
            business: WhatsAppBusiness::default(),
            rng,
            seeded,
            hot,
            newcomers: 0,
            open,
        }
    }

    /// Who writes next: (phone, name).
    fn next_customer(&mut self, counts: &Counts) -> (String, String) {
        let roll = self.rng.below(100);
        match roll {
            0..=4 => {
                counts.to_open_chat.fetch_add(1, Ordering::Relaxed);
                (seeded_phone(self.open), seeded_name(self.open))
            }
            _ if roll < 10 || (roll < 20 && self.newcomers == 0) => {
                self.newcomers += 1;
                counts.new_customers.fetch_add(1, Ordering::Relaxed);
                let k = self.newcomers;
                (format!("55219{k:08}"), format!("Novo {k}"))
            }
            10..=19 => {
                let k = 1 + self.rng.below(self.newcomers);
                (format!("55219{k:08}"), format!("Novo {k}"))
            }
            20..=69 => {
                let slot = self.rng.below(self.hot.len());
                if self.rng.below(20) == 0 {
                    self.hot[slot] = self.rng.below(self.seeded);
                }
                (seeded_phone(self.hot[slot]), seeded_name(self.hot[slot]))
            }
            _ => {
                let c = self.rng.below(self.seeded);
                (seeded_phone(c), seeded_name(c))
            }
        }
    }

    /// Send the phase's messages on schedule; the generator is handed back for the next phase.
    async fn run(mut self, phase: Phase, counts: Arc<Counts>) -> Traffic {
        let start = tokio::time::Instant::now();
        for n in 0..phase.total {
            let due = start + phase.span.mul_f64(n as f64 / phase.total as f64);
            tokio::time::sleep_until(due).await;
            let (phone, name) = self.next_customer(&counts);
            let phrase = PHRASES[self.rng.below(PHRASES.len())];
            let body = format!("{phrase} ({} {})", phase.tag, n + 1);
            let webhook = WhatsAppWebhook::text(&self.business, &phone, &name, &body);
            match self.hook.send(&webhook).await {
                Ok(answer) if answer.is_success() => {
                    counts.delivered.fetch_add(1, Ordering::Relaxed);
                    *counts.last.lock().unwrap_or_else(|p| p.into_inner()) = (name, body);
                }
                Ok(answer) => {
                    counts.refused.fetch_add(1, Ordering::Relaxed);
                    eprintln!("{} webhook {n} answered {}", phase.tag, answer.status);
                }
                Err(error) => {
                    counts.refused.fetch_add(1, Ordering::Relaxed);
                    eprintln!("{} webhook {n} failed: {error}", phase.tag);
                }
            }
        }
        self
    }
}

/// The agent's API session, taking the chats offered to her as she would from the offer;
/// how many distinct chats she took.
async fn take_offers(api: Api, stop: Arc<AtomicBool>) -> Result<usize> {
    let mut cursor = 0u64;
    let mut taken = HashSet::new();
    let mut first = true;
    while !stop.load(Ordering::Relaxed) {
        let page = api.get(&format!("/sync?cursor={cursor}&limit=500")).await?;
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
            let Some(id) = data["id"].as_str() else {
                continue;
            };
            // A chat stays queued in the events already read until her take arrives.
            if taken.contains(id) {
                continue;
            }
            match api.post(&format!("/conversations/{id}/take")).await {
                Ok(()) => {
                    taken.insert(id.to_string());
                }
                Err(error) => eprintln!("taking {id}: {error}"),
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
/// on the page and a frame has been drawn; the page measures with `performance.now()`. None
/// when its row left the list before the click (the traffic moves rows all the time).
async fn time_open(app: &App, id: &str) -> Result<Option<f64>> {
    let answer = app
        .js_async(
            "const [id, done] = [arguments[0], arguments[arguments.length - 1]];
             const row = document.querySelector(`[data-testid=conversation-item][data-conversation-id=\"${id}\"]`);
             const title = document.querySelector('[data-testid=chat-title]');
             if (!row) { done({gone: true}); return; }
             if (!title) { done({error: 'no chat title'}); return; }
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
    if answer["gone"] == true {
        return Ok(None);
    }
    answer["ms"]
        .as_f64()
        .map(Some)
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

/// Time the app's `search` command alone, called from the page as the UI calls it.
async fn time_search_command(app: &App, query: &str) -> Result<f64> {
    let answer = app
        .js_async(
            "const [query, done] = [arguments[0], arguments[arguments.length - 1]];
             const t0 = performance.now();
             window.__TAURI_INTERNALS__.invoke('search', {query})
                 .then(() => done({ms: performance.now() - t0}), (e) => done({error: String(e)}));",
            vec![json!(query)],
        )
        .await?;
    answer["ms"]
        .as_f64()
        .ok_or_else(|| anyhow!("the search command for {query:?}: {answer}"))
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

/// Open and search timings: [`OPENS`] opens of the [`Measured`] chats, each brought to the top
/// of the list by a message first, then [`SEARCH_ROUNDS`] rounds of the [`SEARCHES`], one after another.
struct Timings {
    open: Vec<f64>,
    search: Vec<f64>,
    /// The same searches through the app's command alone (IPC and the cache's query, nothing
    /// drawn): what of a search's time is the engine's.
    search_command: Vec<f64>,
    /// Hits of each query in the first round.
    hits: Vec<u64>,
}

async fn measure(app: &App, measured: &Measured) -> Result<Timings> {
    let mut open = Vec::new();
    let mut rep = 0;
    while open.len() < OPENS {
        ensure!(
            rep < 3 * OPENS,
            "{rep} rows left the list before they were clicked"
        );
        let customer = measured.first + rep % MEASURED;
        rep += 1;
        let Some(id) = measured.bring_to_top(app, customer, rep).await? else {
            continue;
        };
        if let Some(ms) = time_open(app, &id).await? {
            open.push(ms);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let mut search = Vec::new();
    let mut search_command = Vec::new();
    let mut hits = Vec::new();
    for round in 0..SEARCH_ROUNDS {
        for query in SEARCHES {
            let (ms, n) = time_search(app, query).await?;
            search.push(ms);
            if round == 0 {
                hits.push(n);
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            search_command.push(time_search_command(app, query).await?);
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    Ok(Timings {
        open,
        search,
        search_command,
        hits,
    })
}

/// The chats whose opening is timed: seeded customers `first..first + MEASURED`.
struct Measured {
    hook: MetaWebhook,
    business: WhatsAppBusiness,
    first: usize,
}

impl Measured {
    /// Send each measured customer's [`FILL`] messages.
    async fn fill(&self) -> Result<()> {
        for customer in self.first..self.first + MEASURED {
            for n in 1..=FILL {
                self.say(
                    customer,
                    &format!("Continuo aguardando retorno ({n} de {FILL})"),
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn say(&self, customer: usize, body: &str) -> Result<()> {
        let webhook = WhatsAppWebhook::text(
            &self.business,
            &seeded_phone(customer),
            &seeded_name(customer),
            body,
        );
        let answer = self.hook.send(&webhook).await?;
        ensure!(
            answer.is_success(),
            "a measured chat's message answered {}",
            answer.status
        );
        Ok(())
    }

    /// A new message from `customer`, then their chat's id once its row is in the list (None
    /// if it did not show within 10 s).
    async fn bring_to_top(&self, app: &App, customer: usize, rep: usize) -> Result<Option<String>> {
        self.say(customer, &format!("Mais uma pergunta (vez {rep})"))
            .await?;
        let name = seeded_name(customer);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let found = rows(app).await?.into_iter().find(|(_, n)| *n == name);
            if let Some((id, _)) = found {
                return Ok(Some(id));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(None)
    }
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

/// Every minute from `t0` until `until` has passed: the pop-ups dismissed (as the agent
/// would) and a memory sample. Returns how many pop-ups were dismissed.
async fn every_minute(
    app: &App,
    t0: Instant,
    until: Duration,
    samples: &mut Vec<Sample>,
    counts: &Counts,
) -> Result<u64> {
    let mut dismissed = 0;
    let mut next = Duration::from_secs(60);
    while t0.elapsed() < until {
        tokio::time::sleep(next.min(until).saturating_sub(t0.elapsed())).await;
        if t0.elapsed() >= next {
            dismissed += dismiss_popups(app).await?;
            let (total, parts) = memory(app)?;
            let minute = t0.elapsed().as_secs_f64() / 60.0;
            // What the page keeps: its elements, and the IPC answers it still waits for.
            let page = app
                .js(
                    "return [document.getElementsByTagName('*').length, window.__TAURI_INTERNALS__.callbacks.size];",
                    vec![],
                )
                .await?;
            eprintln!(
                "minute {minute:.1}: {total:.0} MB ({}), {} delivered, {} app threads, page {page}, load {}",
                split(&parts),
                counts.delivered.load(Ordering::Relaxed),
                threads(app),
                load_average()
            );
            samples.push(Sample {
                minute,
                total,
                parts,
            });
            next += Duration::from_secs(60);
        }
    }
    Ok(dismissed)
}

/// "minute: MB" of each sample.
fn series(samples: &[Sample]) -> String {
    samples
        .iter()
        .map(|s| format!("{:.0}: {:.0}", s.minute, s.total))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The machine's load average over the last minute, as `/proc/loadavg` gives it.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
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
    // Let the background history load finish; fill the measured chats; warm up opening and
    // searching.
    tokio::time::sleep(Duration::from_secs(20)).await;
    let traffic_customers = seeded - MEASURED;
    let measured = Measured {
        hook: graph.webhook(format!("{url}/webhooks/whatsapp/wa")),
        business: WhatsAppBusiness::default(),
        first: traffic_customers,
    };
    measured.fill().await?;
    measure(&app, &measured).await?;

    // The chat left open through the warm-up and the soak: a seeded customer's near the top,
    // not one of the measured.
    let (home_id, home) = rows(&app)
        .await?
        .into_iter()
        .filter_map(|(id, name)| Some((id, name.strip_prefix("Cliente ")?.parse::<usize>().ok()?)))
        .find(|(_, c)| *c < traffic_customers)
        .ok_or_else(|| anyhow!("no seeded customer's chat in the list"))?;
    app.open(&home_id).await?;

    // The warm-up: the same traffic at the same rate, before the baseline. The agent takes
    // the chats offered to her from here to the end.
    let warm_up_minutes = warm_up_minutes();
    let warm_up_span = Duration::from_secs_f64(warm_up_minutes * 60.0);
    let warm_up = Phase {
        tag: "warm-up",
        total: (FULL_MESSAGES * warm_up_minutes / FULL_MINUTES).round() as usize,
        span: warm_up_span,
    };
    let warm_up_total = warm_up.total;
    let warm_counts = Arc::new(Counts::default());
    let stop = Arc::new(AtomicBool::new(false));
    let taker = tokio::spawn(take_offers(
        Api::sign_in(&url, "101", PASSWORD).await?,
        stop.clone(),
    ));
    let hook = graph.webhook(format!("{url}/webhooks/whatsapp/wa"));
    let w0 = Instant::now();
    let (before_traffic, before_parts) = memory(&app)?;
    let mut warm_samples = vec![Sample {
        minute: 0.0,
        total: before_traffic,
        parts: before_parts,
    }];
    let warming =
        tokio::spawn(Traffic::new(hook, traffic_customers, home).run(warm_up, warm_counts.clone()));
    let mut dismissed_warm =
        every_minute(&app, w0, warm_up_span, &mut warm_samples, &warm_counts).await?;
    let traffic = warming.await?;
    dismissed_warm += dismiss_popups(&app).await?;
    eprintln!(
        "warm-up done: {} of {warm_up_total} delivered",
        warm_counts.delivered.load(Ordering::Relaxed)
    );

    // The soak, straight on from the warm-up. Its start measurement runs in its first minute,
    // then the baseline sample with the chat open again.
    let counts = Arc::new(Counts::default());
    let sender = tokio::spawn(traffic.run(
        Phase {
            tag: "msg",
            total,
            span,
        },
        counts.clone(),
    ));
    let t0 = Instant::now();
    let start_load = load_average();
    let start = measure(&app, &measured).await?;
    app.open(&home_id).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (start_memory, start_parts) = memory(&app)?;
    let start_threads = threads(&app);
    let start_minute = t0.elapsed().as_secs_f64() / 60.0;
    eprintln!(
        "start: open {:.1} ms, search {:.1} ms (medians), memory {start_memory:.0} MB ({}) at minute {start_minute:.1}, load {start_load}",
        median(start.open.clone()),
        median(start.search.clone()),
        split(&start_parts)
    );
    let mut samples = vec![Sample {
        minute: start_minute,
        total: start_memory,
        parts: start_parts,
    }];
    let mut dismissed = every_minute(
        &app,
        t0,
        span.saturating_sub(END_STRETCH),
        &mut samples,
        &counts,
    )
    .await?;
    dismissed += dismiss_popups(&app).await?;
    let end_load = load_average();
    let end_started = t0.elapsed().as_secs_f64() / 60.0;
    let end = measure(&app, &measured).await?;
    sender.await?;
    let traffic_minutes = t0.elapsed().as_secs_f64() / 60.0;
    // Let the last messages arrive; then count what reached the cache and the screen, and
    // take the end sample as the start one was taken: the soak's chat open (its customer
    // wrote to the end, so it is near the top of the list).
    tokio::time::sleep(Duration::from_secs(10)).await;
    app.open(&home_id).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let to_open = counts.to_open_chat.load(Ordering::Relaxed);
    let on_screen = app
        .js(
            "return [...document.querySelectorAll('[data-testid=message-list] [data-testid=message] .body')]
                 .filter(b => /\\(msg \\d+\\)$/.test(b.textContent)).length;",
            vec![],
        )
        .await?
        .as_u64()
        .unwrap_or(0);
    // The last message's chat, wherever it is in the list: a new customer's chat taken after it
    // arrived goes above it.
    let (last_name, last_body) = counts
        .last
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let last_preview = app
        .js(
            "const row = [...document.querySelectorAll('[data-testid=conversation-item]')]
                 .find(r => r.querySelector('[data-testid=conversation-name]').textContent === arguments[0]);
             return row ? row.querySelector('.item-preview').textContent : null;",
            vec![json!(last_name)],
        )
        .await?;
    let cached = soak_messages_cached(&app)?;
    dismissed += dismiss_popups(&app).await?;
    stop.store(true, Ordering::Relaxed);
    let taken = taker.await??;
    let (end_memory, end_parts) = memory(&app)?;
    let end_threads = threads(&app);
    samples.push(Sample {
        minute: t0.elapsed().as_secs_f64() / 60.0,
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
    let web_growth = {
        let web = |parts: &[(String, f64)]| -> f64 {
            parts
                .iter()
                .filter(|(name, _)| name.starts_with("WebKitWebProces"))
                .map(|(_, mb)| mb)
                .sum()
        };
        (web(&end_parts) / web(&samples[0].parts) - 1.0) * 100.0
    };
    let (open_start, open_end) = (median(start.open.clone()), median(end.open.clone()));
    let (search_start, search_end) = (median(start.search.clone()), median(end.search.clone()));
    let (open_ratio, search_ratio) = (open_end / open_start, search_end / search_start);
    let (min, max) = samples.iter().fold((f64::MAX, 0f64), |(lo, hi), s| {
        (lo.min(s.total), hi.max(s.total))
    });
    let searches = SEARCH_ROUNDS * SEARCHES.len();
    let verdict = |ok: bool| if ok { "met" } else { "**not met**" };
    let (build, binary) = build_and_binary();
    let section = format!(
        "{HEADING}\nProduced by `SWITCHBOARD_DESKTOP_BIN=$PWD/target/release/switchboard-desktop cargo bench \
         -p switchboard-desktop-e2e --bench soak`{minutes_note} on {date} with {build} (`{binary}`), under Xvfb \
         on {machine} (load average over a minute: {start_load} at the start measurement, {end_load} at the end one); \
         the baselines are the same app's own figures at the start of the soak, after {warm_up_minutes} minutes of \
         warm-up traffic.\n\n\
         | figure | start (baseline, same run) | end | ratio | target |\n|---|---|---|---|---|\n\
         | memory, PSS of the app and its WebKit processes | {start_memory:.0} MB ({start_split}) | {end_memory:.0} MB ({end_split}) | **{growth:+.1}%** | growth under 10% ({memory_ok}) |\n\
         | open a conversation from the list until its messages are drawn (median of {OPENS}) | {open_start:.1} ms (runs: {open_start_runs}) | {open_end:.1} ms (runs: {open_end_runs}) | **{open_ratio:.2}×** | no slowdown, ≤ 1.1× ({open_ok}) |\n\
         | search from the top bar until its results are drawn (median of {searches}: {SEARCH_ROUNDS} rounds of {queries} queries) | {search_start:.1} ms (runs: {search_start_runs}) | {search_end:.1} ms (runs: {search_end_runs}) | **{search_ratio:.2}×** | no slowdown, ≤ 1.1× ({search_ok}) |\n\n\
         How it runs: the app signs in with {seeded} of its agent's conversations cached ({SEEDED_MESSAGES} \
         messages each), opens and searches once to warm up, and opens one seeded customer's chat, which \
         stays open. Then the **warm-up**: {warm_delivered} of {warm_up_total} customer messages over \
         {warm_up_minutes} minutes at the soak's rate, not counted in the soak (its messages are tagged apart). \
         The **soak** follows without a pause: {delivered} of {total} customer messages delivered as signed \
         WhatsApp webhooks to the real server (SQLite) over {traffic_minutes:.1} minutes ({rate:.1} a second; \
         {refused} refused). The **start measurement** (opens, then searches) runs in the soak's first \
         minute, and the baseline memory sample right after it, with the soak's chat open again (minute \
         {start_minute:.1}); the **end measurement** starts {end_stretch} s before the traffic ends (minute \
         {end_started:.1}), so both run under the same load, and the end memory sample follows the traffic \
         (10 s after its last message), with the soak's chat open again.\n\n\
         The traffic: {to_open} of the soak's messages went to the open chat, {newcomers} came from new \
         customers (the agent took their chats through the API as offered: {taken} distinct chats taken in \
         the warm-up and the soak), the rest from existing customers, most of them from a few hundred \
         talking at the time; {dismissed} \"unknown contact\" pop-ups were dismissed once a minute in the \
         soak ({dismissed_warm} in the warm-up), as the agent would. Reached the app's cache: **{cached} of \
         {delivered}**; the open chat, opened again after the traffic, showed {on_screen} of the {to_open} sent to it in \
         the soak (it draws its newest 50), and the list row of the last message's chat previewed it ({last_ok}). At the end the page held \
         {dom_nodes} elements, and the app process ran {end_threads} threads ({start_threads} at the start).\n\n\
         Memory in the warm-up (minute of traffic: MB; 0 is before the first message): {warm_series}. \
         Memory through the soak (minute: MB): {series}; lowest {min:.0} MB, highest {max:.0} MB. The web \
         process alone grew {web_growth:+.1}% from the baseline to the end. Opening is timed in the page with \
         `performance.now()`, from a click on a list row until the chat's title and messages are in the DOM and the next animation frame has \
         run; the chats opened are the same {MEASURED} at both ends, customers the traffic leaves \
         alone, each given {FILL} messages before the warm-up (so each open draws a full page of 50) and \
         one more just before its open, which brings its row to the top to be clicked. A search from setting the top bar's box until its results are drawn and a frame has run. \
         Search hits per query (newest 50 at most, first round), start: {hits_start}; end: {hits_end}. \
         The same searches through the app's `search` command alone (IPC and the cache's query, nothing \
         drawn), medians: {command_start:.1} ms at the start, {command_end:.1} ms at the end.\n",
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
        open_ok = verdict(open_ratio <= 1.1),
        queries = SEARCHES.len(),
        search_start_runs = list(&start.search),
        search_end_runs = list(&end.search),
        search_ok = verdict(search_ratio <= 1.1),
        warm_delivered = warm_counts.delivered.load(Ordering::Relaxed),
        rate = delivered as f64 / (traffic_minutes * 60.0),
        end_stretch = END_STRETCH.as_secs(),
        last_ok = if last_preview.as_str() == Some(last_body.as_str()) {
            "yes".to_string()
        } else {
            format!("no: {last_preview}")
        },
        warm_series = series(&warm_samples),
        series = series(&samples),
        command_start = median(start.search_command.clone()),
        command_end = median(end.search_command.clone()),
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
