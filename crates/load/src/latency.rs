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

/// One request of a fixed-rate run: when it was due to leave, and when its 2xx came (`None`
/// when it failed or was refused).
#[derive(Debug, Clone, Copy)]
struct Timed {
    due: Instant,
    answered: Option<Instant>,
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
                        Some(at)
                    }
                    _ => None,
                }
            }),
        ));
    }
    let mut timed = Vec::with_capacity(sent.len());
    for (due, answer) in sent {
        timed.push(Timed {
            due,
            answered: answer.await.ok().flatten(),
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

pub fn run(options: &Options) -> Result<Vec<Figure>> {
    let setup = Setup::new(options.agents, options.queues);
    let world = World::new(options, &setup)?;
    let node = Node::start(&options.server, &world.config)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let figures = runtime.block_on(measure(options, &setup, &node.base))?;
    drop(runtime);
    drop(node);
    Ok(figures)
}

async fn measure(options: &Options, setup: &Setup, base: &str) -> Result<Vec<Figure>> {
    let client = reqwest::Client::new();
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

    let (rate, seconds) = (options.rate, options.seconds);
    let floor = fixed_rate(rate, seconds, |_| client.get(format!("{base}/healthz"))).await;
    let queues = setup.queues;
    let webhooks = fixed_rate(rate, seconds, |n| {
        signed_webhook(&client, base, n, (n % queues as u64) as usize)
    })
    .await;

    let expected: u64 =
        webhooks.iter().filter(|t| t.answered.is_some()).count() as u64 * setup.per_queue() as u64;
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
    let (mut missed, mut early, mut failed) = (0u64, 0u64, 0u64);
    for (n, timed) in webhooks.iter().enumerate() {
        let Some(answered) = timed.answered else {
            failed += 1;
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
            "no delivery was measured: {} webhooks answered 2xx, {failed} failed",
            answered_in.len()
        );
    }
    let mut floor_times: Vec<Duration> = floor
        .iter()
        .filter_map(|t| t.answered.map(|at| at - t.due))
        .collect();
    let floor_failed = floor.len() - floor_times.len();
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
        "latency: {} deliveries measured, {missed} missed, {early} before the 2xx",
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
                "{} over **{} deliveries** ({missed} missed, {early} arrived before their 2xx and \
                 count as 0); target p99 < 50 ms: {verdict}",
                spread(&mut after_2xx)
                    .replacen("p99 ", "**p99 ", 1)
                    .replacen(", max", "**, max", 1),
                after_2xx.len()
            ),
            baseline: format!(
                "`GET /healthz` of the same server at the same fixed rate from the same generator, \
                 streams open, request → response: {} ({floor_failed} failed)",
                spread(&mut floor_times)
            ),
        },
        Figure {
            name: format!(
                "the same webhooks: due on the schedule → 2xx; and → on the streams (what a \
                 customer's message takes to reach the screen, less the provider), {label}"
            ),
            result: format!(
                "→ 2xx: {} ({} answered, {failed} refused or failed under the default webhook \
                 limits); → on the streams: {}",
                spread(&mut answered_in),
                answered_in.len(),
                spread(&mut after_send)
            ),
            baseline: "the `/healthz` requests above, due → response".into(),
        },
    ])
}
