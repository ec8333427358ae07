//! The latency scenario: webhook 2xx → the message on the streams of its queue's agents, at a
//! fixed rate (open loop: each webhook leaves at its time on the schedule, whether or not the
//! ones before were answered).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use crate::agents::{self, Session};
use crate::{signed_webhook, Figure, Node, Options, Setup, World};

/// Every load message's text is this followed by its number.
pub const TEXT: &str = "Mensagem de carga número ";

/// How long deliveries still due are waited for once the last webhook was answered.
const DRAIN: Duration = Duration::from_secs(10);

/// One request of a fixed-rate run: when it was due to leave, and when its 2xx came (`Err`:
/// the status it got instead, or what became of it).
#[derive(Debug, Clone)]
struct Timed {
    due: Instant,
    answered: Result<Instant, String>,
}

impl Timed {
    fn answered(&self) -> Option<Instant> {
        self.answered.as_ref().ok().copied()
    }
}

/// "N failed (503: n, …)" for the requests of `timed` that got no 2xx.
fn failures(timed: &[Timed]) -> String {
    let mut why = std::collections::BTreeMap::<&str, u64>::new();
    for t in timed {
        if let Err(reason) = &t.answered {
            *why.entry(reason).or_default() += 1;
        }
    }
    let total: u64 = why.values().sum();
    if total == 0 {
        return "0 failed".into();
    }
    let list: Vec<String> = why.iter().map(|(r, n)| format!("{r}: {n}")).collect();
    format!("{total} failed ({})", list.join(", "))
}

/// Send `request(n)` for n = 0, 1, … at `rate` a second for `seconds`, each at its time on the
/// schedule, whatever became of the ones before.
async fn fixed_rate<F>(rate: f64, seconds: f64, request: F) -> Vec<Timed>
where
    F: Fn(u64) -> reqwest::RequestBuilder,
{
    let total = (rate * seconds).round() as u64;
    let start = tokio::time::Instant::now() + Duration::from_millis(50);
    let mut sent = Vec::with_capacity(total as usize);
    for n in 0..total {
        let due = start + Duration::from_secs_f64(n as f64 / rate);
        tokio::time::sleep_until(due).await;
        let request = request(n);
        sent.push((
            due.into_std(),
            tokio::spawn(async move {
                match request.send().await {
                    Ok(response) if response.status().is_success() => {
                        let at = Instant::now();
                        let _ = response.bytes().await;
                        Ok(at)
                    }
                    Ok(response) => Err(response.status().as_u16().to_string()),
                    Err(err) if err.is_connect() => Err("cannot connect".into()),
                    Err(err) if err.is_timeout() => Err("timed out".into()),
                    Err(_) => Err("connection error".into()),
                }
            }),
        ));
    }
    let mut timed = Vec::with_capacity(sent.len());
    for (due, answer) in sent {
        timed.push(Timed {
            due,
            answered: answer
                .await
                .unwrap_or_else(|err| Err(format!("generator task: {err}"))),
        });
    }
    timed
}

/// The number of the load message a stream frame delivers, if it is one's `message.upserted`.
fn delivered(frame: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct Event {
        #[serde(rename = "type")]
        kind: String,
        data: Data,
    }
    #[derive(Deserialize)]
    struct Data {
        body: Option<String>,
    }
    let event: Event = serde_json::from_str(frame).ok()?;
    if event.kind != "message.upserted" {
        return None;
    }
    event.data.body?.strip_prefix(TEXT)?.parse().ok()
}

/// Read one agent's stream until `stop`: when each load message first arrived on it.
async fn listen(
    mut socket: agents::Socket,
    mut stop: watch::Receiver<bool>,
    seen: Arc<AtomicU64>,
) -> HashMap<u64, Instant> {
    let mut arrivals = HashMap::new();
    loop {
        tokio::select! {
            frame = socket.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let at = Instant::now();
                    if let Some(n) = delivered(&text) {
                        arrivals.entry(n).or_insert(at);
                        seen.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Some(Ok(_)) => {}
                None | Some(Err(_)) => break,
            },
            _ = stop.changed() => break,
        }
    }
    arrivals
}

/// Nearest-rank percentile `q` (0–1) of sorted `values`.
fn percentile(values: &[Duration], q: f64) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// p50, p99 and max of `values` (sorted here).
fn spread(values: &mut [Duration]) -> String {
    values.sort_unstable();
    format!(
        "p50 {}, p99 {}, max {}",
        ms(percentile(values, 0.5)),
        ms(percentile(values, 0.99)),
        ms(values.last().copied().unwrap_or_default())
    )
}

/// At each of `--rate`'s rates, on a new server and database.
pub fn run(options: &Options) -> Result<Vec<Figure>> {
    let setup = Setup::new(options.agents, options.queues);
    let mut figures = Vec::new();
    for rate in &options.rates {
        let world = World::new(options, &setup)?;
        let node = Node::start(&options.server, &world.config)?;
        let runtime = tokio::runtime::Runtime::new()?;
        // A rate the server cannot serve at all says so in its row; the other rates still run.
        match runtime.block_on(measure(options, *rate, &setup, &node.base)) {
            Ok(measured) => figures.extend(measured),
            Err(err) => figures.push(Figure {
                name: format!(
                    "webhook 2xx → the message on its queue's agents' streams at {rate:.0} \
                     webhooks/s, 1 node on {}",
                    options.backend()
                ),
                result: format!("**no figure**: {err:#}"),
                baseline: "—".into(),
            }),
        }
        drop(runtime);
        drop(node);
    }
    Ok(figures)
}

async fn measure(options: &Options, rate: f64, setup: &Setup, base: &str) -> Result<Vec<Figure>> {
    // An overloaded server may leave requests waiting: each gets this long, then counts as
    // failed.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let sessions: Vec<Session> = agents::sign_in(&client, base, setup, 1).await?;
    let (stop, stopped) = watch::channel(false);
    let seen = Arc::new(AtomicU64::new(0));
    let mut listeners = Vec::new();
    for session in &sessions {
        let socket = agents::open_stream(base, session, 0, None).await?;
        listeners.push((
            session.agent,
            tokio::spawn(listen(socket, stopped.clone(), seen.clone())),
        ));
    }
    // Let the streams replay what came before (sign-ins) and go quiet.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let seconds = options.seconds;
    let floor = fixed_rate(rate, seconds, |_| client.get(format!("{base}/healthz"))).await;
    let queues = setup.queues;
    let webhooks = fixed_rate(rate, seconds, |n| {
        signed_webhook(&client, base, n, (n % queues as u64) as usize)
    })
    .await;

    let expected: u64 =
        webhooks.iter().filter(|t| t.answered.is_ok()).count() as u64 * setup.per_queue() as u64;
    let drained = Instant::now();
    while seen.load(Ordering::Relaxed) < expected && drained.elapsed() < DRAIN {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop.send(true);
    let mut arrivals: Vec<HashMap<u64, Instant>> = vec![HashMap::new(); setup.agents];
    for (agent, listener) in listeners {
        arrivals[agent] = listener.await?;
    }

    let mut after_2xx = Vec::new();
    let mut after_send = Vec::new();
    let mut answered_in = Vec::new();
    let (mut missed, mut early) = (0u64, 0u64);
    for (n, timed) in webhooks.iter().enumerate() {
        let Some(answered) = timed.answered() else {
            continue;
        };
        answered_in.push(answered - timed.due);
        let queue = n % queues;
        for (agent, arrived) in arrivals.iter().enumerate() {
            if setup.queue_of(agent) != queue {
                continue;
            }
            match arrived.get(&(n as u64)) {
                Some(at) => {
                    if *at < answered {
                        early += 1;
                    }
                    after_2xx.push(at.saturating_duration_since(answered));
                    after_send.push(at.saturating_duration_since(timed.due));
                }
                None => missed += 1,
            }
        }
    }
    if after_2xx.is_empty() {
        bail!(
            "no delivery was measured: {} webhooks answered 2xx, {}",
            answered_in.len(),
            failures(&webhooks)
        );
    }
    let mut floor_times: Vec<Duration> = floor
        .iter()
        .filter_map(|t| t.answered().map(|at| at - t.due))
        .collect();
    let p99 = {
        let mut sorted = after_2xx.clone();
        sorted.sort_unstable();
        percentile(&sorted, 0.99)
    };
    let verdict = if p99 < Duration::from_millis(50) {
        "met"
    } else {
        "**not met**"
    };
    println!(
        "latency: {} deliveries measured, {missed} missed, {early} before the 2xx at {rate}/s",
        after_2xx.len()
    );
    let label = format!("1 node on {}", options.backend());
    let per_queue = setup.per_queue();
    Ok(vec![
        Figure {
            name: format!(
                "webhook 2xx → the message on each of its queue's agents' open streams, {label} \
                 ({rate:.0} signed WhatsApp webhooks/s open-loop for {seconds} s; {} agents each \
                 streaming, in {queues} ring-all queues of {per_queue} fed by a WhatsApp number \
                 each, so each message goes to {per_queue} streams; half the messages open a \
                 conversation)",
                setup.agents
            ),
            result: format!(
                "{} over **{} deliveries** ({missed} not on their stream 10 s after the last \
                 2xx; {early} arrived before their 2xx and count as 0); target p99 < 50 ms: \
                 {verdict}",
                spread(&mut after_2xx)
                    .replacen("p99 ", "**p99 ", 1)
                    .replacen(", max", "**, max", 1),
                after_2xx.len()
            ),
            baseline: format!(
                "`GET /healthz` of the same server at the same fixed rate from the same generator, \
                 streams open, request → response: {} ({})",
                spread(&mut floor_times),
                failures(&floor)
            ),
        },
        Figure {
            name: format!(
                "the same {rate:.0} webhooks/s: due on the schedule → 2xx; and → on the streams \
                 (what a customer's message takes to reach the screen, less the provider), {label}"
            ),
            result: format!(
                "→ 2xx: {} ({} answered 2xx, {}; default webhook limits); → on the streams: {}",
                spread(&mut answered_in),
                answered_in.len(),
                failures(&webhooks),
                spread(&mut after_send)
            ),
            baseline: "the `/healthz` requests above, due → response".into(),
        },
    ])
}
