//! The idle streams scenario: what an open, idle agent stream costs the server in memory.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Result};
use futures_util::StreamExt;
use tokio::sync::watch;

use crate::agents::{self, Session};
use crate::{memory, raise_open_files, Figure, Node, Options, Setup, World};

/// Sessions each agent signs in.
const SESSIONS_PER_AGENT: usize = 2;

/// Streams opened at once.
const OPENING: usize = 64;

/// Our side of each stream reads into a buffer this large (tokio-tungstenite's default is
/// 128 KiB, touched whole on every read: 1.3 GB for 10,000 streams on the harness's side).
const CLIENT_READ_BUFFER: usize = 8 * 1024;

pub fn run(options: &Options) -> Result<Vec<Figure>> {
    let streams = options.streams;
    let files = raise_open_files()?;
    if files < streams as u64 + 256 {
        bail!(
            "{streams} streams need more than {files} open files (the hard RLIMIT_NOFILE): raise \
             it (`ulimit -Hn`, or LimitNOFILE) or ask for fewer with --streams"
        );
    }
    let mut setup = Setup::new(options.agents, options.queues);
    setup.streams_per_agent = streams.div_ceil(options.agents).max(8) as u32;
    let world = World::new(options, &setup)?;
    let node = Node::start(&options.server, &world.config)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let figures = runtime.block_on(measure(options, &setup, &node))?;
    drop(runtime);
    drop(node);
    Ok(figures)
}

/// Hold a stream open, answering pings, until `stop`; count it in `open` meanwhile.
async fn hold(mut socket: agents::Socket, mut stop: watch::Receiver<bool>, open: Arc<AtomicU64>) {
    open.fetch_add(1, Ordering::Relaxed);
    loop {
        tokio::select! {
            frame = socket.next() => if !matches!(frame, Some(Ok(_))) { break },
            _ = stop.changed() => break,
        }
    }
    open.fetch_sub(1, Ordering::Relaxed);
}

async fn measure(options: &Options, setup: &Setup, node: &Node) -> Result<Vec<Figure>> {
    let base = node.base.as_str();
    let client = reqwest::Client::new();
    let sessions: Vec<Session> = agents::sign_in(&client, base, setup, SESSIONS_PER_AGENT).await?;
    let mut cursors = Vec::with_capacity(sessions.len());
    for session in &sessions {
        cursors.push(agents::cursor(&client, base, session).await?);
    }
    let settle = Duration::from_secs_f64(options.settle);
    tokio::time::sleep(settle).await;
    let (rss_before, pss_before) = memory(node.pid())?;
    let (harness_before, _) = memory(std::process::id())?;

    let (stop, stopped) = watch::channel(false);
    let open = Arc::new(AtomicU64::new(0));
    let streams = options.streams;
    // Opened in quarters, memory read after each settles: the first quarter also pays for
    // what the server sets up once (threads, allocator arenas), the last three only for
    // their streams.
    let mut steps = vec![(0usize, rss_before, pss_before)];
    let mut failed: Vec<String> = Vec::new();
    for quarter in 0..4 {
        let range = quarter * streams / 4..(quarter + 1) * streams / 4;
        let opened: Vec<Result<()>> = futures_util::stream::iter(range)
            .map(|i| {
                let session = &sessions[i % sessions.len()];
                let cursor = cursors[i % sessions.len()];
                let (stopped, open) = (stopped.clone(), open.clone());
                async move {
                    let socket =
                        agents::open_stream(base, session, cursor, Some(CLIENT_READ_BUFFER))
                            .await?;
                    tokio::spawn(hold(socket, stopped, open));
                    Ok(())
                }
            })
            .buffer_unordered(OPENING)
            .collect()
            .await;
        failed.extend(
            opened
                .into_iter()
                .filter_map(|r| r.err().map(|e| format!("{e:#}"))),
        );
        tokio::time::sleep(settle).await;
        let (rss, pss) = memory(node.pid())?;
        steps.push((open.load(Ordering::Relaxed) as usize, rss, pss));
    }
    let (harness_after, _) = memory(std::process::id())?;
    let still_open = open.load(Ordering::Relaxed);
    let _ = stop.send(true);
    if still_open == 0 {
        bail!(
            "no stream stayed open ({} failed to open; the first: {})",
            failed.len(),
            failed.first().map_or("none", String::as_str)
        );
    }
    let (first, last) = (steps[1], steps[4]);
    let (rss_after, pss_after) = (last.1, last.2);
    let added = last.0.saturating_sub(first.0).max(1) as f64;
    let marginal = |from: u64, to: u64| (to as f64 - from as f64) / added;
    let (pss_marginal, rss_marginal) = (marginal(first.2, last.2), marginal(first.1, last.1));
    let each = |before: u64, after: u64| (after as f64 - before as f64) / still_open as f64;
    let (pss_each, rss_each) = (each(pss_before, pss_after), each(rss_before, rss_after));
    let verdict = if pss_marginal <= 20.0 {
        "met"
    } else {
        "**not met**"
    };
    let mb = |kb: u64| format!("{:.1} MB", kb as f64 / 1024.0);
    println!(
        "streams: {still_open} open at the end, {} failed to open",
        failed.len()
    );
    Ok(vec![Figure {
        name: format!(
            "server memory per idle agent stream, 1 node on {} ({streams} WebSockets opened at \
             their session's current cursor, over {} sessions of {} agents, in four quarters, \
             memory read {} s after each)",
            options.backend(),
            sessions.len(),
            setup.agents,
            options.settle
        ),
        result: format!(
            "**{pss_marginal:.1} KB PSS each** ({rss_marginal:.1} KB RSS) over the last three \
             quarters opened; {pss_each:.1} KB PSS ({rss_each:.1} KB RSS) over all, from before \
             the first{}: server PSS {} → {}, RSS {} → {} (PSS after each quarter: {}); \
             {still_open} open at the end, {} failed to open; target ≤ 20 KB: {verdict}",
            if pss_each < pss_marginal {
                " (less, even below zero: the allocator returned memory left from the sign-ins \
                 meanwhile)"
            } else {
                ""
            },
            mb(pss_before),
            mb(pss_after),
            mb(rss_before),
            mb(rss_after),
            steps[1..]
                .iter()
                .map(|(_, _, pss)| mb(*pss))
                .collect::<Vec<_>>()
                .join(", "),
            failed.len()
        ),
        baseline: format!(
            "the harness's own side of the same connections (tokio-tungstenite client with an \
             8 KiB read buffer, a task reading each): {:.1} KB RSS each",
            harness_after.saturating_sub(harness_before) as f64 / still_open as f64
        ),
    }])
}
