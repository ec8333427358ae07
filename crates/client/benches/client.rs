//! Client engine benchmark (issue 6): full sync, search, opening a long conversation, cache
//! size. Not a test: it measures, compares with baselines taken in the same run
//! (PERFORMANCE.md), and writes the figures into BENCHMARKS.md.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target-client cargo bench -p switchboard-client --bench client
//! ```
//!
//! `SWITCHBOARD_BENCH_QUICK=1` runs a tenth of the data set (to check the harness itself) and
//! leaves BENCHMARKS.md alone.

use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use switchboard_client::cache::{self, Cache};
use switchboard_client::rusqlite::{self, params};
use switchboard_client::search::{self, SearchOptions, SearchOrder};
use switchboard_client::{Change, Client, ClientOptions, MemoryStore, Timing};
use switchboard_protocol::{
    ChannelKind, ConversationList, ConversationStatus, Direction, HistoryPage, Identity, Message,
    MessageStatus,
};
use switchboard_server::store::{ConversationRow, MessageRow, Mode, Relation, Store, Tx, ViewRow};
use uuid::Uuid;

type Res<T> = Result<T, Box<dyn Error + Send + Sync>>;

const PASSWORD: &str = "bench-password";
const SYNC_RUNS: usize = 3;
const QUERIES: usize = 200;

/// Sizes of the data sets.
#[derive(Debug, Clone, Copy)]
struct Scale {
    sync_conversations: usize,
    sync_messages_per_conversation: usize,
    cache_conversations: usize,
    cache_messages: usize,
    long_conversation: usize,
}

const FULL: Scale = Scale {
    sync_conversations: 10_000,
    sync_messages_per_conversation: 20,
    cache_conversations: 10_000,
    cache_messages: 1_000_000,
    long_conversation: 5_000,
};

const QUICK: Scale = Scale {
    sync_conversations: 1_000,
    sync_messages_per_conversation: 20,
    cache_conversations: 1_000,
    cache_messages: 100_000,
    long_conversation: 5_000,
};

// ----- deterministic text -----

/// SplitMix64, so every run builds the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Skewed towards small indexes, like word frequencies.
    fn zipfish(&mut self, n: usize) -> usize {
        let r = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((r * r * r) * n as f64) as usize % n
    }
}

/// Chat vocabulary, most frequent first (Portuguese and English, accents included).
const WORDS: &[&str] = &[
    "o",
    "a",
    "de",
    "que",
    "não",
    "é",
    "e",
    "do",
    "da",
    "em",
    "um",
    "para",
    "com",
    "uma",
    "os",
    "no",
    "se",
    "na",
    "por",
    "mais",
    "as",
    "dos",
    "como",
    "mas",
    "ao",
    "ele",
    "das",
    "à",
    "seu",
    "sua",
    "ou",
    "quando",
    "muito",
    "já",
    "eu",
    "também",
    "só",
    "pelo",
    "pela",
    "até",
    "isso",
    "ela",
    "entre",
    "depois",
    "sem",
    "mesmo",
    "aos",
    "você",
    "obrigado",
    "olá",
    "bom",
    "dia",
    "boa",
    "tarde",
    "noite",
    "pedido",
    "entrega",
    "boleto",
    "pagamento",
    "ajuda",
    "preciso",
    "recebi",
    "chegou",
    "ainda",
    "produto",
    "troca",
    "devolução",
    "reembolso",
    "cartão",
    "crédito",
    "débito",
    "pix",
    "endereço",
    "número",
    "rastreio",
    "prazo",
    "atraso",
    "nota",
    "fiscal",
    "cancelar",
    "cancelamento",
    "assinatura",
    "plano",
    "senha",
    "acesso",
    "conta",
    "cadastro",
    "email",
    "telefone",
    "segunda",
    "via",
    "valor",
    "desconto",
    "cupom",
    "frete",
    "grátis",
    "loja",
    "site",
    "aplicativo",
    "erro",
    "problema",
    "resolver",
    "atendimento",
    "hello",
    "thanks",
    "order",
    "delivery",
    "invoice",
    "refund",
    "status",
    "tracking",
    "account",
    "password",
    "please",
    "help",
    "issue",
    "payment",
    "received",
    "still",
    "waiting",
    "shipping",
    "address",
    "change",
    "cancel",
    "subscription",
    "support",
    "urgent",
    "amanhã",
    "hoje",
    "ontem",
    "semana",
    "mês",
    "horário",
    "funcionamento",
    "promoção",
    "garantia",
    "defeito",
    "quebrado",
    "instalação",
    "técnico",
    "visita",
    "agendar",
    "confirmar",
    "confirmação",
    "código",
    "verificação",
    "documento",
    "contrato",
    "multa",
    "juros",
    "parcela",
    "parcelamento",
    "fatura",
    "vencimento",
    "atualizar",
    "alterar",
    "informação",
    "dúvida",
    "reclamação",
    "elogio",
    "sugestão",
    "gerente",
    "supervisor",
];

fn body(rng: &mut Rng) -> String {
    let words = 3 + rng.below(16);
    let mut out = String::with_capacity(words * 8);
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        if rng.below(40) == 0 {
            out.push_str(&format!("#{}", 10_000 + rng.below(90_000)));
        } else {
            out.push_str(WORDS[rng.zipfish(WORDS.len())]);
        }
    }
    out
}

/// 200 varied searches: very common words, everyday words, typing prefixes, two words,
/// accent-free spellings, order numbers, and words that match nothing.
fn queries() -> Vec<String> {
    let groups: &[&[&str]] = &[
        &[
            "o", "de", "não", "que", "e", "para", "com", "você", "obrigado", "a",
        ],
        &[
            "boleto",
            "entrega",
            "reembolso",
            "senha",
            "fatura",
            "garantia",
            "cupom",
            "pix",
            "rastreio",
            "contrato",
            "refund",
            "tracking",
            "invoice",
            "password",
            "técnico",
        ],
        &[
            "pag", "entr", "obrig", "re", "ca", "conf", "atend", "par", "devol", "sub", "pe", "no",
        ],
        &[
            "não recebi",
            "segunda via",
            "pedido atrasado",
            "nota fiscal",
            "cartão de crédito",
            "order status",
            "ainda não chegou",
            "bom dia",
            "preciso de ajuda",
            "cancelar assinatura",
        ],
        &[
            "nao",
            "voce",
            "endereco",
            "cartao",
            "devolucao",
            "credito",
            "informacao",
            "duvida",
        ],
        &["xilofone", "zzzz", "kubernetes", "pneumático"],
    ];
    let mut out = Vec::with_capacity(QUERIES);
    let mut rng = Rng(7);
    let mut i = 0;
    while out.len() < QUERIES {
        let group = groups[i % groups.len()];
        let q = group[(i / groups.len()) % group.len()].to_string();
        out.push(q);
        if i % 9 == 0 {
            out.push(format!("{}", 10_000 + rng.below(90_000)));
        }
        i += 1;
    }
    out.truncate(QUERIES);
    out
}

// ----- statistics -----

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 1.0 {
        format!("{v:.3} ms")
    } else if v < 100.0 {
        format!("{v:.2} ms")
    } else {
        format!("{v:.0} ms")
    }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

struct Stats {
    p50: Duration,
    p99: Duration,
    max: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    Stats {
        p50: percentile(&samples, 50.0),
        p99: percentile(&samples, 99.0),
        max: samples.last().copied().unwrap_or_default(),
    }
}

// ----- the server for the sync benchmark -----

fn config_toml(hash: &str) -> String {
    format!(
        r#"[server]
listen = "127.0.0.1:0"
database = "sqlite://switchboard.db"
data_dir = "files"
[server.rate_limits]
login_per_minute_per_ip = 1000
login_per_minute_per_user = 1000

[[agents]]
extension = "101"
name = "Ana Souza"
email = "ana@example.com"
password_hash = "{hash}"
role = "agent"

[[queues]]
id = "support"
agents = ["101"]

[[channels]]
id = "wa"
kind = "whatsapp"
route = {{ queue = "support" }}
[channels.whatsapp]
phone_number_id = "1"
access_token = "t"
app_secret = "s"
verify_token = "v"
"#
    )
}

/// Write conversations and messages straight into the server's store, in big transactions:
/// what an agent's server would hold after months of work.
fn seed_server(store: &dyn Store, agent: Uuid, scale: Scale) -> Res<()> {
    let mut rng = Rng(42);
    let start = Utc::now() - chrono::Duration::days(60);
    let per_batch = 500;
    let mut made = 0;
    while made < scale.sync_conversations {
        let batch = per_batch.min(scale.sync_conversations - made);
        let mut rows = Vec::with_capacity(batch);
        for c in made..made + batch {
            let created = start + chrono::Duration::seconds(c as i64 * 400);
            let mut conv = ConversationRow {
                id: Uuid::now_v7(),
                channel: ChannelKind::Whatsapp,
                channel_id: "wa".into(),
                status: ConversationStatus::Open,
                queue_id: Some("support".into()),
                owner_id: Some(agent),
                identity: Some(Identity {
                    kind: ChannelKind::Whatsapp,
                    value: format!("55119{:08}", c),
                }),
                display_name: format!("Cliente {c}"),
                contact_id: None,
                title: None,
                offer_round: 0,
                offer_expires_at: None,
                last_seq: 0,
                last_message_id: None,
                created_at: created,
                updated_at: created,
                answered_at: Some(created),
                resolved_at: None,
                last_inbound_at: None,
            };
            let mut messages = Vec::with_capacity(scale.sync_messages_per_conversation);
            for seq in 1..=scale.sync_messages_per_conversation as i64 {
                let inbound = seq % 2 == 1;
                let at = created + chrono::Duration::seconds(seq * 10);
                messages.push(MessageRow {
                    id: Uuid::now_v7(),
                    conversation_id: conv.id,
                    channel_id: "wa".into(),
                    seq,
                    client_id: if inbound { None } else { Some(Uuid::now_v7()) },
                    provider_message_id: inbound.then(|| format!("wamid.{c}.{seq}")),
                    direction: if inbound {
                        Direction::Inbound
                    } else {
                        Direction::Outbound
                    },
                    author_agent_id: (!inbound).then_some(agent),
                    author_name: if inbound {
                        format!("Cliente {c}")
                    } else {
                        String::new()
                    },
                    body: body(&mut rng),
                    attachments: Vec::new(),
                    status: if inbound {
                        MessageStatus::Delivered
                    } else {
                        MessageStatus::Read
                    },
                    error: None,
                    created_at: at,
                });
            }
            conv.last_seq = scale.sync_messages_per_conversation as i64;
            conv.last_message_id = messages.last().map(|m| m.id);
            conv.updated_at = messages.last().map_or(created, |m| m.created_at);
            conv.last_inbound_at = messages
                .iter()
                .filter(|m| m.direction == Direction::Inbound)
                .map(|m| m.created_at)
                .next_back();
            rows.push((conv, messages));
        }
        store.run(Mode::Write, &mut |tx: &mut dyn Tx| {
            for (conv, messages) in &rows {
                let mut first = conv.clone();
                first.last_seq = 0;
                first.last_message_id = None;
                tx.insert_conversation(&first)?;
                for message in messages {
                    tx.insert_message(message)?;
                }
                tx.update_conversation(conv)?;
                let mut view = ViewRow::new(conv.id, agent, Relation::Owner, conv.updated_at);
                view.last_read_seq = conv.last_seq;
                tx.upsert_view(&view)?;
            }
            Ok(())
        })?;
        made += batch;
    }
    Ok(())
}

struct SyncFigures {
    runs: Vec<Duration>,
    /// The same requests, one at a time, only decoded: what the server and HTTP cost.
    fetch_floor: Vec<Duration>,
    /// How many requests a full load makes (list pages and bulk history pages).
    requests: usize,
    first_list: Vec<Duration>,
    /// Until both conversation lists are written, before the bulk history.
    lists_loaded: Vec<Duration>,
    baseline: Vec<Duration>,
    messages: u64,
    conversations: u64,
}

async fn bench_sync(scale: Scale) -> Res<SyncFigures> {
    let dir = tempfile::tempdir()?;
    let hash = switchboard_server::auth::hash_password(PASSWORD);
    std::fs::write(dir.path().join("switchboard.toml"), config_toml(&hash))?;
    let config = switchboard_server::config::load(&dir.path().join("switchboard.toml"))
        .map_err(|e| e.to_string())?;
    let store = switchboard_server::open_store(&config).map_err(|e| e.to_string())?;
    switchboard_server::apply_config(store.as_ref(), &config).map_err(|e| e.to_string())?;
    let mut agent = None;
    store.run(Mode::Read, &mut |tx: &mut dyn Tx| {
        agent = tx.agent_by_extension("101")?.map(|a| a.id);
        Ok(())
    })?;
    let agent = agent.ok_or("the agent was not created")?;
    let seeding = Instant::now();
    {
        let store = store.clone();
        tokio::task::spawn_blocking(move || seed_server(store.as_ref(), agent, scale))
            .await?
            .map_err(|e| e.to_string())?;
    }
    eprintln!("  seeded the server in {}", secs(seeding.elapsed()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let running = switchboard_server::launch_with_listener(config, store, listener)
        .await
        .map_err(|e| e.to_string())?;
    let url = format!("http://{}", running.addr);

    let mut runs = Vec::new();
    let mut first_list = Vec::new();
    let mut lists_loaded = Vec::new();
    let mut messages = 0;
    let mut conversations = 0;
    for run in 0..SYNC_RUNS {
        let data = tempfile::tempdir()?;
        let client = Client::new(
            ClientOptions::new(data.path())
                .with_tokens(Arc::new(MemoryStore::new()))
                .with_timing(Timing::default()),
        );
        let mut changes = client.subscribe();
        let started = Instant::now();
        // The first list page written, and the last one: the bulk history's first progress
        // comes next.
        let phases = tokio::spawn(async move {
            let (mut first, mut lists) = (None, None);
            while let Some(change) = changes.next().await {
                match change {
                    Change::ConversationsReloaded => {
                        let at = started.elapsed();
                        first.get_or_insert(at);
                        lists = Some(at);
                    }
                    Change::HistoryProgress { .. } => break,
                    _ => {}
                }
            }
            (first, lists)
        });
        client.login(&url, "101", PASSWORD).await?;
        let cache = client.cache()?;
        loop {
            let done = cache
                .read(move |conn| {
                    let missing: i64 = conn.query_row(
                        "SELECT COUNT(*) FROM conversations WHERE history <> 1",
                        [],
                        |r| r.get(0),
                    )?;
                    let listed = cache::conversations::count(conn)?;
                    Ok(missing == 0 && listed as usize == scale.sync_conversations)
                })
                .await?;
            if done {
                break;
            }
            if started.elapsed() > Duration::from_secs(600) {
                return Err("the full sync did not finish in 10 minutes".into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let elapsed = started.elapsed();
        (conversations, messages) = cache
            .read(|conn| {
                Ok((
                    cache::conversations::count(conn)?,
                    cache::messages::count(conn)?,
                ))
            })
            .await?;
        if messages as usize != scale.sync_conversations * scale.sync_messages_per_conversation {
            return Err(format!("the sync ended with {messages} messages").into());
        }
        eprintln!("  full sync run {}: {}", run + 1, secs(elapsed));
        runs.push(elapsed);
        let (first, lists) = phases.await?;
        first_list.extend(first);
        lists_loaded.extend(lists);
        client.shutdown().await;
    }

    // Baseline: the same answers, fetched once, then only decoded and inserted in batches.
    let fetching = Instant::now();
    let bodies = fetch_raw(&url, scale).await?;
    eprintln!(
        "  fetching every page once, one at a time: {}",
        secs(fetching.elapsed())
    );
    let mut baseline = Vec::new();
    for _ in 0..SYNC_RUNS {
        let data = tempfile::tempdir()?;
        let cache = Cache::open(&data.path().join("baseline.sqlite3"))?;
        let bodies = bodies.clone();
        let elapsed =
            tokio::task::spawn_blocking(move || decode_and_insert(&cache, &bodies)).await??;
        eprintln!("  baseline: {}", secs(elapsed));
        baseline.push(elapsed);
    }
    let mut fetch_floor = Vec::new();
    let mut requests = 0;
    for _ in 0..SYNC_RUNS {
        let elapsed;
        (elapsed, requests) = fetch_floor_of(&url).await?;
        eprintln!(
            "  server + HTTP floor ({requests} requests one at a time, decode only): {}",
            secs(elapsed)
        );
        fetch_floor.push(elapsed);
    }
    running.stop().await;
    Ok(SyncFigures {
        runs,
        fetch_floor,
        requests,
        first_list,
        lists_loaded,
        baseline,
        messages,
        conversations,
    })
}

/// Every request of a full load, one after another like the engine's bulk load, decoded and
/// dropped: what the server and HTTP cost. Returns the time and the number of requests.
async fn fetch_floor_of(url: &str) -> Res<(Duration, usize)> {
    let (http, token) = sign_in(url).await?;
    let started = Instant::now();
    let mut requests = 0;
    for bytes in list_pages(&http, url, &token).await? {
        serde_json::from_slice::<ConversationList>(&bytes)?;
        requests += 1;
    }
    for bytes in history_pages(&http, url, &token).await? {
        serde_json::from_slice::<HistoryPage>(&bytes)?;
        requests += 1;
    }
    Ok((started.elapsed(), requests))
}

async fn sign_in(url: &str) -> Res<(reqwest::Client, String)> {
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{url}/api/v1/session"))
        .json(&serde_json::json!({"login": "101", "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().ok_or("no token")?.to_string();
    Ok((http, token))
}

/// Every page of the Recent list, as the server sends it.
async fn list_pages(http: &reqwest::Client, url: &str, token: &str) -> Res<Vec<bytes::Bytes>> {
    let mut lists = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut req = http
            .get(format!("{url}/api/v1/conversations"))
            .bearer_auth(token)
            .query(&[("view", "recent"), ("limit", "1000")]);
        if let Some(after) = &after {
            req = req.query(&[("after", after.as_str())]);
        }
        let bytes = req.send().await?.bytes().await?;
        let page: ConversationList = serde_json::from_slice(&bytes)?;
        lists.push(bytes);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(lists),
        }
    }
}

/// Every page of the bulk history, as the server sends it to the engine.
async fn history_pages(http: &reqwest::Client, url: &str, token: &str) -> Res<Vec<bytes::Bytes>> {
    let limit = Timing::default().bulk_history_page.to_string();
    let mut pages = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut req = http
            .get(format!("{url}/api/v1/history"))
            .bearer_auth(token)
            .query(&[("limit", limit.as_str())]);
        if let Some(after) = &after {
            req = req.query(&[("after", after.as_str())]);
        }
        let bytes = req.send().await?.bytes().await?;
        let page: HistoryPage = serde_json::from_slice(&bytes)?;
        pages.push(bytes);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(pages),
        }
    }
}

/// The list pages and the bulk history pages, as the server sends them.
async fn fetch_raw(url: &str, scale: Scale) -> Res<(Vec<bytes::Bytes>, Vec<bytes::Bytes>)> {
    let (http, token) = sign_in(url).await?;
    let lists = list_pages(&http, url, &token).await?;
    let pages = history_pages(&http, url, &token).await?;
    if lists.len() * 1000 < scale.sync_conversations {
        return Err("the baseline fetch missed conversations".into());
    }
    Ok((lists, pages))
}

/// The floor of a full sync: decode the server's JSON and insert the rows with plain
/// statements into the same schema (full-text index included), 20,000 rows a transaction.
fn decode_and_insert(
    cache: &Cache,
    (lists, pages): &(Vec<bytes::Bytes>, Vec<bytes::Bytes>),
) -> Res<Duration> {
    let started = Instant::now();
    let mut conversations = Vec::new();
    for list in lists {
        let page: ConversationList = serde_json::from_slice(list)?;
        conversations.extend(page.conversations);
    }
    cache.write_blocking(|tx| {
        for conv in &conversations {
            cache::conversations::upsert(tx, conv, Some(1))?;
        }
        Ok(())
    })?;
    let mut pending: Vec<Message> = Vec::new();
    let flush = |batch: &mut Vec<Message>| -> Res<()> {
        let rows = std::mem::take(batch);
        cache.write_blocking(move |tx| {
            let mut keys = Vec::with_capacity(rows.len());
            let mut stmt = tx.prepare_cached(
                "INSERT INTO messages (sort_key, id, conversation_id, client_id, direction,
                     author, body, attachments, status, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8, ?9)",
            )?;
            for (i, m) in rows.iter().enumerate() {
                let key = m.created_at.timestamp_micros() * 1000 + (i % 1000) as i64;
                keys.push(key);
                stmt.execute(params![
                    key,
                    m.id,
                    m.conversation_id,
                    m.client_id,
                    m.direction.as_str(),
                    serde_json::to_string(&m.author)?,
                    m.body,
                    m.status.as_str(),
                    m.error,
                ])?;
            }
            // Index the batch in one statement, as the engine does.
            tx.execute(
                "INSERT INTO messages_fts (rowid, body)
                 SELECT sort_key, body FROM messages
                 WHERE sort_key IN (SELECT value FROM json_each(?1))",
                [serde_json::to_string(&keys)?],
            )?;
            Ok(())
        })?;
        Ok(())
    };
    for page in pages {
        let page: HistoryPage = serde_json::from_slice(page)?;
        pending.extend(page.messages);
        if pending.len() >= 20_000 {
            flush(&mut pending)?;
        }
    }
    flush(&mut pending)?;
    Ok(started.elapsed())
}

// ----- the big cache for search and opening -----

struct CacheFigures {
    build: Duration,
    size_bytes: u64,
    breakdown: Vec<(String, u64)>,
    search_newest: Stats,
    search_relevance: Stats,
    search_common_newest: Stats,
    baseline: Stats,
    open: Stats,
    open_older: Stats,
    list: Stats,
    hits: usize,
    messages: u64,
}

fn build_cache(path: &Path, scale: Scale) -> Res<(Cache, Uuid)> {
    let cache = Cache::open(path)?;
    let mut rng = Rng(1234);
    let start = Utc::now() - chrono::Duration::days(365);
    let long_id = Uuid::now_v7();
    let mut ids = vec![long_id];
    ids.extend((1..scale.cache_conversations).map(|_| Uuid::now_v7()));
    let conv_json = |id: Uuid, n: usize, at: DateTime<Utc>| {
        serde_json::from_value::<switchboard_protocol::Conversation>(serde_json::json!({
            "id": id, "channel": "whatsapp", "channel_id": "wa", "status": "open",
            "contact": {"display_name": format!("Cliente {n}"), "known": false,
                        "identity": {"kind": "whatsapp", "value": format!("55119{n:08}")}},
            "unread": 0, "archived": n % 10 == 0, "created_at": at, "updated_at": at,
        }))
    };
    cache.write_blocking(|tx| {
        for (n, id) in ids.iter().enumerate() {
            let at = start + chrono::Duration::minutes(n as i64 * 50);
            cache::conversations::upsert(tx, &conv_json(*id, n, at)?, Some(1))?;
            cache::conversations::set_history(tx, *id, cache::conversations::History::Complete)?;
        }
        Ok(())
    })?;
    // The long conversation first, then the rest spread over the year.
    let others = scale.cache_messages - scale.long_conversation;
    let per_tx = 20_000;
    let mut written = 0;
    let total = scale.cache_messages;
    while written < total {
        let n = per_tx.min(total - written);
        let mut batch = Vec::with_capacity(n);
        for i in written..written + n {
            let (conv, at) = if i < scale.long_conversation {
                (long_id, start + chrono::Duration::seconds(i as i64 * 600))
            } else {
                let k = i - scale.long_conversation;
                let conv = ids[1 + rng.below(ids.len() - 1)];
                (
                    conv,
                    start
                        + chrono::Duration::milliseconds(
                            (k as f64 / others as f64 * 3.15e10) as i64,
                        ),
                )
            };
            let inbound = rng.below(2) == 0;
            let message: Message = serde_json::from_value(serde_json::json!({
                "id": Uuid::now_v7(), "conversation_id": conv,
                "direction": if inbound { "inbound" } else { "outbound" },
                "author": if inbound {
                    serde_json::json!({"kind": "contact", "display_name": "Cliente"})
                } else {
                    serde_json::json!({"kind": "agent", "id": Uuid::nil(), "extension": "101",
                                       "name": "Ana Souza"})
                },
                "body": body(&mut rng), "attachments": [],
                "status": if inbound { "delivered" } else { "read" },
                "created_at": DateTime::from_timestamp_micros(at.timestamp_micros()),
            }))?;
            batch.push(message);
        }
        cache.write_blocking(move |tx| {
            for message in &batch {
                cache::messages::upsert_known(tx, message)?;
            }
            Ok(())
        })?;
        written += n;
        if written % 200_000 == 0 {
            eprintln!("  cache: {written} messages");
        }
    }
    cache.checkpoint()?;
    Ok((cache, long_id))
}

fn time<R>(job: impl FnOnce() -> R) -> (Duration, R) {
    let started = Instant::now();
    let out = job();
    (started.elapsed(), out)
}

fn bench_cache(scale: Scale) -> Res<CacheFigures> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("cache.sqlite3");
    let (build, built) = time(|| build_cache(&path, scale));
    let (cache, cache_long) = built?;
    eprintln!("  built the cache in {}", secs(build));
    // Measure on a fresh connection, as the app does after starting.
    drop(cache);
    let cache = Cache::open(&path)?;
    let size_bytes = cache.size_on_disk();
    let breakdown = cache.read_blocking(|conn| {
        let mut stmt = conn.prepare(
            "SELECT CASE
                 WHEN name LIKE 'messages_fts%' THEN 'message search index (FTS5)'
                 WHEN name = 'messages' THEN 'messages'
                 WHEN name = 'messages_by_conversation' THEN 'messages by conversation index'
                 WHEN name LIKE 'sqlite_autoindex_messages%' THEN 'messages by id index'
                 WHEN name LIKE 'conversation%' OR name LIKE 'sqlite_autoindex_conversations%'
                      THEN 'conversations'
                 ELSE 'other' END AS part, SUM(pgsize)
             FROM dbstat GROUP BY part ORDER BY 2 DESC",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        Ok(rows
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .map(|(k, v)| (k, v.max(0) as u64))
            .collect())
    })?;
    let messages = cache.read_blocking(cache::messages::count)?;
    let queries = queries();

    let run_searches = |order: SearchOrder, only_common: bool| -> Res<(Stats, usize)> {
        let mut samples = Vec::new();
        let mut hits = 0;
        let options = SearchOptions {
            order,
            ..SearchOptions::default()
        };
        // One warm-up pass (page cache), then the measured pass.
        for pass in 0..2 {
            for q in &queries {
                if only_common && !["o", "de", "não", "que", "e", "para", "a"].contains(&q.as_str())
                {
                    continue;
                }
                let (elapsed, found) =
                    time(|| cache.read_blocking(|conn| search::search(conn, q, options)));
                let found = found?;
                if pass == 1 {
                    samples.push(elapsed);
                    hits += found.messages.len();
                    if elapsed > Duration::from_millis(15) {
                        eprintln!("    slow: {q:?} {order:?} {}", ms(elapsed));
                    }
                }
            }
        }
        Ok((stats(samples), hits))
    };
    let (search_newest, hits) = run_searches(SearchOrder::Newest, false)?;
    let (search_relevance, _) = run_searches(SearchOrder::Relevance, false)?;
    let (search_common_newest, _) = run_searches(SearchOrder::Newest, true)?;

    let mut baseline = Vec::new();
    for i in 0..QUERIES * 2 {
        let (elapsed, rows) = time(|| {
            cache.read_blocking(|conn| {
                let mut stmt =
                    conn.prepare_cached("SELECT sort_key, body FROM messages LIMIT 50")?;
                let rows =
                    stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?.len())
            })
        });
        rows?;
        if i >= QUERIES {
            baseline.push(elapsed);
        }
    }

    let mut open = Vec::new();
    let mut open_older = Vec::new();
    for i in 0..QUERIES * 2 {
        let (elapsed, page) =
            time(|| cache.read_blocking(|conn| cache::messages::page(conn, cache_long, None, 50)));
        let (messages, more) = page?.ok_or("the long conversation is missing")?;
        if messages.len() != 50 || !more {
            return Err("the first page of the long conversation is wrong".into());
        }
        let before = messages[0].id;
        let (older, page) = time(|| {
            cache.read_blocking(|conn| cache::messages::page(conn, cache_long, Some(before), 50))
        });
        page?.ok_or("older page missing")?;
        if i >= QUERIES {
            open.push(elapsed);
            open_older.push(older);
        }
    }
    let mut list = Vec::new();
    for i in 0..20 {
        let (elapsed, rows) = time(|| {
            cache.read_blocking(|conn| {
                cache::conversations::list(conn, switchboard_client::View::Recent, u32::MAX)
            })
        });
        rows?;
        if i >= 5 {
            list.push(elapsed);
        }
    }
    Ok(CacheFigures {
        build,
        size_bytes,
        breakdown,
        search_newest,
        search_relevance,
        search_common_newest,
        baseline: stats(baseline),
        open: stats(open),
        open_older: stats(open_older),
        list: stats(list),
        hits,
        messages,
    })
}

// ----- report -----

const HEADING: &str = "## Client engine (issue 6)";
const COMMAND: &str =
    "CARGO_TARGET_DIR=/work/target-client cargo bench -p switchboard-client --bench client";

/// The median in milliseconds, `n/a` without a measurement.
fn optional_median(runs: &[Duration]) -> String {
    if runs.is_empty() {
        "n/a".to_string()
    } else {
        ms(median(runs.to_vec()))
    }
}

fn report(scale: Scale, sync: &SyncFigures, cache: &CacheFigures) -> String {
    let sync_median = median(sync.runs.clone());
    let base_median = median(sync.baseline.clone());
    let first = optional_median(&sync.first_list);
    let ratio = sync_median.as_secs_f64() / base_median.as_secs_f64().max(1e-9);
    let mut out = String::new();
    out.push_str(&format!("{HEADING}\n\n"));
    out.push_str(&format!(
        "Produced by `{COMMAND}` (release build) on {} — a 2-core VM shared with other \
         builds, so read the ratios to the same-run baselines first. Server and client run in \
         one process over loopback; the client's cache is a fresh temporary folder per run.\n\n",
        Utc::now().format("%Y-%m-%d")
    ));
    out.push_str("| figure | result | baseline (same run) | target |\n|---|---|---|---|\n");
    out.push_str(&format!(
        "| full sync, {} conversations / {} messages (login → every history in the cache, through the bulk history), median of {} | **{}** (runs: {}) | decode the same JSON + plain batched INSERTs: {} → **{:.2}×** | under 5 s and within 1.3× (issue 17; PERFORMANCE.md: under 10 s, within 3×) |\n",
        sync.conversations,
        sync.messages,
        sync.runs.len(),
        secs(sync_median),
        sync.runs.iter().map(|d| secs(*d)).collect::<Vec<_>>().join(", "),
        secs(base_median),
        ratio
    ));
    out.push_str(&format!(
        "| … first page of the conversation list usable (1,000 newest) | {first} | — | — |\n"
    ));
    out.push_str(&format!(
        "| … both conversation lists loaded (every page written, before the bulk history) | {} | — | — |\n",
        optional_median(&sync.lists_loaded)
    ));
    out.push_str(&format!(
        "| … the same {} requests (list pages of 1,000, bulk history pages of {}), one at a time, only decoded (server + HTTP floor) | {} | | |\n",
        sync.requests,
        Timing::default().bulk_history_page,
        secs(median(sync.fetch_floor.clone()))
    ));
    out.push_str(&format!(
        "| search, {} varied queries over {} messages (messages + contacts + templates, newest 50) | p50 **{}**, p99 **{}** (max {}) | plain `SELECT … FROM messages LIMIT 50`: p50 {}, p99 {} | p99 under 20 ms |\n",
        QUERIES,
        cache.messages,
        ms(cache.search_newest.p50),
        ms(cache.search_newest.p99),
        ms(cache.search_newest.max),
        ms(cache.baseline.p50),
        ms(cache.baseline.p99)
    ));
    out.push_str(&format!(
        "| … only the very common words (`o`, `de`, `não`, `que`, `e`, `para`, `a`) | p50 {}, p99 {} | | |\n",
        ms(cache.search_common_newest.p50),
        ms(cache.search_common_newest.p99)
    ));
    out.push_str(&format!(
        "| … \"most relevant\" order (BM25-style score over the newest {} matches, computed by the engine) | p50 {}, p99 {} | | |\n",
        search::RELEVANCE_CANDIDATES,
        ms(cache.search_relevance.p50),
        ms(cache.search_relevance.p99)
    ));
    out.push_str(&format!(
        "| open a {}-message conversation (newest 50 from the cache) | p50 **{}**, p99 **{}** | | under 10 ms |\n",
        scale.long_conversation,
        ms(cache.open.p50),
        ms(cache.open.p99)
    ));
    out.push_str(&format!(
        "| … scroll back one page (50 older) | p50 {}, p99 {} | | |\n",
        ms(cache.open_older.p50),
        ms(cache.open_older.p99)
    ));
    out.push_str(&format!(
        "| load the whole Recent list ({} conversations, decoded) | p50 {}, p99 {} | | |\n",
        scale.cache_conversations * 9 / 10,
        ms(cache.list.p50),
        ms(cache.list.p99)
    ));
    out.push_str(&format!(
        "| cache size on disk, {} conversations / {} messages | **{:.0} MB** | | |\n",
        scale.cache_conversations,
        cache.messages,
        cache.size_bytes as f64 / 1e6
    ));
    out.push_str("\nCache size by part (`dbstat`): ");
    out.push_str(
        &cache
            .breakdown
            .iter()
            .map(|(part, bytes)| format!("{part} {:.0} MB", *bytes as f64 / 1e6))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str(&format!(
        ". Building that cache through the engine's own write path took {} ({:.0} messages/s, \
         full-text index included).\n\n",
        secs(cache.build),
        cache.messages as f64 / cache.build.as_secs_f64()
    ));
    out.push_str(
        "How it is measured: the sync benchmark seeds the server's SQLite store directly \
         (each conversation 20 messages, half of them the agent's), starts the real server on \
         loopback, and times `Client::login` until every conversation's history is marked \
         complete in the cache — the engine lists the conversations, then reads every history \
         from the bulk history (`GET /api/v1/history`, 5,000 messages a page, the next page \
         fetched while one is written, pages waiting written in one transaction); the baseline \
         decodes the very same HTTP answers (fetched once \
         beforehand) and inserts them with plain prepared statements into the same schema, \
         full-text index included. The search/open benchmark builds a cache of \
         10,000 conversations and 1,000,000 messages (one conversation of 5,000; bodies of \
         3–18 words drawn from a skewed Portuguese/English chat vocabulary, with accents, plus \
         order numbers), reopens it, runs every query once to warm the page cache, then \
         measures each of the 200 queries once (common words, everyday words, typing \
         prefixes, two-word phrases, accent-free spellings, order numbers, words with no \
         match). Search never ranks all matches (the `ORDER BY rank` trap): the newest 50 come \
         straight from the index's rowid order, because a message's rowid is its time.\n",
    );
    out.push_str(&format!(
        "\nSearch returned {} message hits in all.\n",
        cache.hits
    ));
    out
}

/// Replace (or add) this benchmark's section, leaving other sections alone.
fn write_report(path: &Path, section: &str) -> Res<()> {
    let intro = "# Benchmarks\n\nFigures measured by the project's benchmark harnesses, each \
                 with the command that produced it. Targets and method: \
                 `../shared/engineering/PERFORMANCE.md` (medians and p99, ratios to baselines \
                 measured in the same run).\n\n";
    let current = std::fs::read_to_string(path).unwrap_or_else(|_| intro.to_string());
    let updated = match current.find(HEADING) {
        Some(start) => {
            let rest = &current[start + HEADING.len()..];
            let end = rest
                .find("\n## ")
                .map_or(current.len(), |i| start + HEADING.len() + i + 1);
            format!("{}{}{}", &current[..start], section, &current[end..])
        }
        None => {
            let mut text = current;
            if !text.ends_with("\n\n") {
                text.push('\n');
            }
            text.push_str(section);
            text
        }
    };
    std::fs::write(path, updated)?;
    Ok(())
}

fn main() -> Res<()> {
    // `cargo bench` passes `--bench`; nothing else is accepted.
    let quick = std::env::var_os("SWITCHBOARD_BENCH_QUICK").is_some();
    let scale = if quick { QUICK } else { FULL };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // `SWITCHBOARD_BENCH_ONLY=sync|cache` runs one half (while tuning); nothing is written.
    let only = std::env::var("SWITCHBOARD_BENCH_ONLY").unwrap_or_default();
    if only == "cache" {
        let cache = bench_cache(scale)?;
        eprintln!(
            "search newest p50 {} p99 {}; relevance p50 {} p99 {}; open p50 {} p99 {}; size {} MB",
            ms(cache.search_newest.p50),
            ms(cache.search_newest.p99),
            ms(cache.search_relevance.p50),
            ms(cache.search_relevance.p99),
            ms(cache.open.p50),
            ms(cache.open.p99),
            cache.size_bytes / 1_000_000
        );
        eprintln!("breakdown: {:?}", cache.breakdown);
        return Ok(());
    }
    eprintln!("full sync ({} conversations)…", scale.sync_conversations);
    let sync = runtime.block_on(bench_sync(scale))?;
    if only == "sync" {
        eprintln!(
            "sync median {} baseline {} server floor {}; lists loaded {} (first page {})",
            secs(median(sync.runs.clone())),
            secs(median(sync.baseline.clone())),
            secs(median(sync.fetch_floor.clone())),
            optional_median(&sync.lists_loaded),
            optional_median(&sync.first_list)
        );
        return Ok(());
    }
    eprintln!("search and open ({} messages)…", scale.cache_messages);
    let cache = bench_cache(scale)?;
    let section = report(scale, &sync, &cache);
    println!("{section}");
    if quick {
        eprintln!("quick run: BENCHMARKS.md left unchanged");
    } else {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../BENCHMARKS.md");
        write_report(&path, &section)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
