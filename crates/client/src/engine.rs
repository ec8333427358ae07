//! The signed-in engine: state shared by the public façade and three background tasks.
//!
//! - **sync**: the first time, a full load (newest conversations first, so the list is usable
//!   at once, then every history from the server's bulk pages); then the WebSocket stream from the stored cursor, each batch of frames planned
//!   by [`crate::sync::plan`] and applied in one transaction with its cursor. When the stream
//!   drops it reconnects with jittered backoff and resumes from the cursor; a `reset` answer
//!   reloads the lists, drops what is no longer visible and catches histories up.
//! - **history**: fetches message histories (a few conversations at a time, newest first),
//!   and writes the pages in large batched transactions.
//! - **outbox** ([`crate::outbox`]): sends queued replies.

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use switchboard_protocol::{Agent, Conversation, Event, Message, Template};
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::api::{Api, ApiError};
use crate::backoff::Backoff;
use crate::cache::conversations::History;
use crate::cache::{self, Cache};
use crate::changes::{Change, ConnectionState, Feed};
use crate::error::{ClientError, Result};
use crate::profile::Profile;
use crate::stream::{self, Frame, Read};
use crate::Timing;

/// Conversations per list page during a full load (the server's maximum).
const LIST_PAGE: u32 = 1000;
/// Messages per history page (the server's maximum).
const HISTORY_PAGE: u32 = 500;
/// Bulk pages fetched ahead of the one being written.
const BULK_PAGES_AHEAD: usize = 2;
/// Frames applied per transaction at most.
const STREAM_BATCH: usize = 1000;
/// History pages are written in transactions of up to about this many messages.
const HISTORY_WRITE_BATCH: usize = 20_000;
/// How long the history writer waits for more pages before committing what it has.
const HISTORY_WRITE_WINDOW: std::time::Duration = std::time::Duration::from_millis(100);

/// A conversation whose history should be fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HistoryJob {
    pub conversation: Uuid,
    pub history: History,
    /// The agent is looking at it: jump the queue.
    pub urgent: bool,
}

/// State of one signed-in session, shared by the façade and the tasks.
#[derive(Debug)]
pub(crate) struct Core {
    pub profile: Profile,
    agent: Mutex<Agent>,
    pub api: Api,
    pub cache: Cache,
    pub feed: Arc<Feed>,
    pub timing: Timing,
    pub files_dir: PathBuf,
    pub outbox_wake: Notify,
    history: mpsc::UnboundedSender<HistoryJob>,
    expired: AtomicBool,
}

impl Core {
    pub fn new(
        profile: Profile,
        agent: Agent,
        api: Api,
        cache: Cache,
        feed: Arc<Feed>,
        timing: Timing,
        files_dir: PathBuf,
    ) -> (Arc<Core>, mpsc::UnboundedReceiver<HistoryJob>) {
        let (history, history_rx) = mpsc::unbounded_channel();
        let core = Arc::new(Core {
            profile,
            agent: Mutex::new(agent),
            api,
            cache,
            feed,
            timing,
            files_dir,
            outbox_wake: Notify::new(),
            history,
            expired: AtomicBool::new(false),
        });
        (core, history_rx)
    }

    pub fn me(&self) -> Agent {
        self.agent.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_me(&self, agent: Agent) {
        *self.agent.lock().unwrap_or_else(|p| p.into_inner()) = agent;
    }

    /// The user-facing error for a failed call; a 401 ends the session.
    pub fn api_error(&self, error: ApiError) -> ClientError {
        if error.is_unauthorized() {
            self.expire();
        }
        error.into_client_error(self.api.base())
    }

    /// The server stopped accepting our token: say so once and stop talking to it.
    pub fn expire(&self) {
        if !self.expired.swap(true, Ordering::SeqCst) {
            self.feed.set_connection(ConnectionState::Offline);
            self.feed.emit(Change::SessionExpired);
        }
    }

    pub fn is_expired(&self) -> bool {
        self.expired.load(Ordering::SeqCst)
    }

    pub fn queue_history(&self, conversation: Uuid, history: History, urgent: bool) {
        let _ = self.history.send(HistoryJob {
            conversation,
            history,
            urgent,
        });
    }

    pub fn wake_outbox(&self) {
        self.outbox_wake.notify_one();
    }

    /// Store a conversation the server just described (an action's answer).
    pub async fn store_conversation(&self, conv: Conversation) -> Result<()> {
        let id = conv.id;
        let history = self
            .cache
            .write(move |tx| {
                cache::conversations::upsert(tx, &conv, None)?;
                Ok(cache::conversations::histories(tx, &[conv.id])?
                    .get(&conv.id)
                    .copied())
            })
            .await?;
        if let Some(history) = history.filter(|h| *h != History::Complete) {
            self.queue_history(id, history, false);
        }
        self.feed.emit(Change::ConversationUpserted { id });
        Ok(())
    }

    /// Store a message the server just answered with (a template sent, a chat started).
    pub async fn store_message(&self, message: Message) -> Result<()> {
        let conversation_id = message.conversation_id;
        self.cache
            .write(move |tx| cache::messages::upsert(tx, &message).map(|_| ()))
            .await?;
        self.feed.emit(Change::MessagesChanged { conversation_id });
        Ok(())
    }

    /// Keep a template the server just answered with, and tell the UI.
    pub async fn store_template(&self, template: Template) -> Result<()> {
        self.cache
            .write(move |tx| cache::templates::upsert(tx, &template))
            .await?;
        self.feed.emit(Change::TemplatesChanged);
        Ok(())
    }

    /// Remove a conversation from this machine: rows, index entries and downloaded files.
    pub async fn forget_conversation(&self, id: Uuid, reason: &str) -> Result<()> {
        let removed = self
            .cache
            .write(move |tx| {
                cache::conversations::bury(tx, id)?;
                cache::conversations::remove(tx, id)
            })
            .await?;
        delete_files(removed.files).await;
        if removed.existed {
            self.feed.emit(Change::ConversationRemoved {
                id,
                reason: reason.to_string(),
            });
        }
        Ok(())
    }
}

async fn delete_files(files: Vec<PathBuf>) {
    for file in files {
        if let Err(err) = tokio::fs::remove_file(&file).await {
            if err.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %file.display(), error = %err, "could not delete a file");
            }
        }
        if let Some(parent) = file.parent() {
            // Each download has its own folder; remove it once empty.
            let _ = tokio::fs::remove_dir(parent).await;
        }
    }
}

/// Start the background tasks of a session.
pub(crate) fn spawn(
    core: Arc<Core>,
    history_rx: mpsc::UnboundedReceiver<HistoryJob>,
) -> Vec<JoinHandle<()>> {
    vec![
        tokio::spawn(run_sync(core.clone())),
        tokio::spawn(run_history(core.clone(), history_rx)),
        tokio::spawn(crate::outbox::run(core)),
    ]
}

// ----- the sync task -----

/// Why the stream stopped.
enum StreamEnd {
    /// Dropped, closed or silent: reconnect from the stored cursor.
    Dropped(String),
    /// The server asked for a reload, then to continue from this cursor.
    Reset(i64),
    /// The cache failed; retry later.
    Failed(ClientError),
}

async fn run_sync(core: Arc<Core>) {
    let mut backoff = Backoff::new(core.timing.reconnect_min, core.timing.reconnect_max);
    // Offline once a connection attempt failed, until one succeeds (no flicker per retry).
    let mut unreachable = false;
    loop {
        if core.is_expired() {
            return;
        }
        core.feed.set_connection(if unreachable {
            ConnectionState::Offline
        } else {
            ConnectionState::Connecting
        });
        let stored = core.cache.read(cache::settings::cursor).await;
        let cursor = match stored {
            Ok(Some(cursor)) => cursor,
            Ok(None) => match full_load(&core, None).await {
                Ok(cursor) => cursor,
                Err(err) => {
                    if core.is_expired() {
                        return;
                    }
                    tracing::info!(error = %err, "full load failed; will retry");
                    unreachable |= err.is_transient();
                    core.feed.set_connection(ConnectionState::Offline);
                    tokio::time::sleep(backoff.next_delay()).await;
                    continue;
                }
            },
            Err(err) => {
                tracing::error!(error = %err, "cache unreadable");
                tokio::time::sleep(backoff.next_delay()).await;
                continue;
            }
        };
        queue_unfinished_histories(&core).await;
        let mut socket = match stream::connect(&core.api, cursor).await {
            Ok(socket) => socket,
            Err(err) if err.is_unauthorized() => {
                core.expire();
                return;
            }
            Err(err) => {
                tracing::debug!(error = %err.describe(), "stream did not open");
                unreachable = true;
                core.feed.set_connection(ConnectionState::Offline);
                tokio::time::sleep(backoff.next_delay()).await;
                continue;
            }
        };
        unreachable = false;
        backoff.reset();
        core.feed.set_connection(ConnectionState::Online);
        // Replies waiting for the server go out now rather than at their next backoff.
        let _ = core.cache.write(|tx| cache::outbox::make_all_due(tx)).await;
        core.wake_outbox();

        match pump(&core, &mut socket).await {
            StreamEnd::Dropped(reason) => {
                tracing::debug!(%reason, "stream dropped; reconnecting");
                core.feed.set_connection(ConnectionState::Connecting);
                tokio::time::sleep(backoff.next_delay()).await;
            }
            StreamEnd::Reset(cursor) => {
                socket.close().await;
                if let Err(err) = full_load(&core, Some(cursor)).await {
                    tracing::info!(error = %err, "reload after reset failed; will retry");
                    if core.is_expired() {
                        return;
                    }
                    // Without a cursor the next round starts with a full load again.
                    let _ = core
                        .cache
                        .write(|tx| cache::settings::remove(tx, cache::settings::SYNC_CURSOR))
                        .await;
                    tokio::time::sleep(backoff.next_delay()).await;
                }
            }
            StreamEnd::Failed(err) => {
                tracing::error!(error = %err, "applying events failed");
                tokio::time::sleep(backoff.next_delay()).await;
            }
        }
    }
}

/// Read and apply frames until the stream ends.
async fn pump(core: &Arc<Core>, socket: &mut stream::EventStream) -> StreamEnd {
    loop {
        let frames = match socket.read(STREAM_BATCH, core.timing.stream_idle).await {
            Ok(Read::Frames(frames)) => frames,
            Ok(Read::Closed) => return StreamEnd::Dropped("closed by the server".into()),
            Err(err) => return StreamEnd::Dropped(err.describe()),
        };
        let mut events = Vec::with_capacity(frames.len());
        let mut reset = None;
        for frame in frames {
            match frame {
                Frame::Event(event) => events.push(event),
                Frame::Reset { cursor } => reset = Some(cursor),
            }
        }
        if !events.is_empty() {
            if let Err(err) = apply_events(core, events).await {
                return StreamEnd::Failed(err);
            }
        }
        if let Some(cursor) = reset {
            return StreamEnd::Reset(cursor);
        }
    }
}

/// Plan and apply one batch in one transaction (facts read in the same transaction), then
/// announce it and queue the history fetches it asked for.
pub(crate) async fn apply_events(core: &Core, events: Vec<Event>) -> Result<()> {
    let (plan, files) = core
        .cache
        .write(move |tx| {
            // Never apply an event twice, whatever the stream does.
            let stored = cache::settings::cursor(tx)?.unwrap_or(i64::MIN);
            let fresh: Vec<Event> = events.into_iter().filter(|e| e.cursor > stored).collect();
            let facts = crate::sync::facts(tx, &fresh)?;
            let plan = crate::sync::plan(&fresh, &facts);
            let files = crate::sync::apply(tx, &plan)?;
            Ok((plan, files))
        })
        .await?;
    delete_files(files).await;
    core.feed.emit_all(plan.changes);
    for (conversation, history) in plan.fetch_history {
        core.queue_history(conversation, history, false);
    }
    Ok(())
}

async fn queue_unfinished_histories(core: &Core) {
    match core.cache.read(cache::conversations::needing_history).await {
        Ok(pending) => {
            for (conversation, history) in pending {
                core.queue_history(conversation, history, false);
            }
        }
        Err(err) => tracing::warn!(error = %err, "could not list unfinished histories"),
    }
}

/// Load everything listable: colleagues, templates, contacts and both conversation lists,
/// newest first, each page committed as it arrives. After a reset (`Some(cursor)`), what the
/// lists no longer hold is removed and complete histories are marked for catch-up. Returns the
/// cursor to stream from, which is stored last: an interrupted load starts over.
async fn full_load(core: &Arc<Core>, reset: Option<i64>) -> Result<i64> {
    let api = &core.api;
    let head = match reset {
        Some(cursor) => cursor,
        None => api.sync_head().await.map_err(|e| core.api_error(e))?,
    };
    if reset.is_some() {
        // Committed first: if this reload fails, the next one (a full load from scratch)
        // still knows complete histories may have gaps.
        core.cache
            .write(|tx| cache::conversations::mark_complete_as_stale(tx))
            .await?;
    }
    let generation = core.cache.read(cache::settings::generation).await? + 1;

    let agents = api.agents().await.map_err(|e| core.api_error(e))?;
    let templates = api.templates().await.map_err(|e| core.api_error(e))?;
    let contacts = api.contacts().await.map_err(|e| core.api_error(e))?;
    core.cache
        .write(move |tx| {
            cache::agents::replace_all(tx, &agents)?;
            cache::templates::replace_all(tx, &templates)?;
            // Events after `head` keep it current from here on.
            cache::contacts::replace_all(tx, &contacts)?;
            Ok(())
        })
        .await?;
    core.feed.emit_all([
        Change::AgentsChanged,
        Change::TemplatesChanged,
        Change::ContactsChanged,
    ]);

    for view in ["recent", "archived"] {
        let mut after: Option<String> = None;
        // Each page is written while the next one is fetched.
        let mut fetched: Option<Vec<Conversation>> = None;
        loop {
            let (page, written) = tokio::join!(
                api.conversations(view, after.as_deref(), LIST_PAGE),
                write_list_page(core, fetched.take(), generation)
            );
            written?;
            let page = page.map_err(|e| core.api_error(e))?;
            fetched = Some(page.conversations);
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        write_list_page(core, fetched, generation).await?;
    }

    if reset.is_none() {
        // Every history at once, before the cursor is stored: events after `head` (read
        // before the first page) then bring what arrived meanwhile, and upserts are idempotent.
        load_histories_in_bulk(core, generation).await?;
    }

    let gone = core
        .cache
        .write(move |tx| {
            // The lists are the truth as of `head`; no older event will be replayed.
            cache::conversations::unbury_all(tx)?;
            let gone = cache::conversations::not_in_generation(tx, generation)?;
            let mut files = Vec::new();
            for id in &gone {
                files.extend(cache::conversations::remove(tx, *id)?.files);
            }
            cache::settings::set(
                tx,
                cache::settings::LOAD_GENERATION,
                &generation.to_string(),
            )?;
            cache::settings::set_cursor(tx, head)?;
            Ok((gone, files))
        })
        .await?;
    delete_files(gone.1).await;
    for id in gone.0 {
        core.feed.emit(Change::ConversationRemoved {
            id,
            reason: "reload".into(),
        });
    }
    core.feed.emit(Change::ConversationsReloaded);
    Ok(head)
}

/// Write a page of a conversation list (if any) as loaded by the full load `generation`.
async fn write_list_page(
    core: &Core,
    page: Option<Vec<Conversation>>,
    generation: i64,
) -> Result<()> {
    let Some(conversations) = page else {
        return Ok(());
    };
    core.cache
        .write(move |tx| {
            for conv in &conversations {
                cache::conversations::upsert(tx, conv, Some(generation))?;
            }
            Ok(())
        })
        .await?;
    core.feed.emit(Change::ConversationsReloaded);
    Ok(())
}

// ----- the bulk history of a first full load -----

/// One bulk history page on its way to the writer.
#[derive(Debug)]
struct BulkPage {
    /// Encoded by the fetcher: the writer thread only writes.
    messages: Vec<cache::messages::Encoded>,
    /// The last page: every listed history is complete once it is written.
    last: bool,
}

/// Fill the histories of every conversation the full load `generation` listed from the
/// server's bulk history (`GET /history`), instead of a request per conversation. Pages come
/// by conversation id, then oldest first, so a conversation is complete once a page moves past
/// it, and every listed one once the last page is written. The next page is fetched while one
/// is written, and pages waiting are written together (one transaction, one full-text flush).
/// Messages of conversations not listed here are skipped: if one becomes visible, its event
/// queues a fetch of its own. A server without the endpoint (404) leaves the histories to the
/// history task, conversation by conversation.
async fn load_histories_in_bulk(core: &Arc<Core>, generation: i64) -> Result<()> {
    let total = core
        .cache
        .read(move |conn| cache::conversations::count_in_generation(conn, generation))
        .await?;
    let (pages_tx, mut pages_rx) = mpsc::channel::<BulkPage>(BULK_PAGES_AHEAD);
    let fetcher = async move {
        let mut after: Option<String> = None;
        loop {
            let page = match core
                .api
                .history(after.as_deref(), core.timing.bulk_history_page)
                .await
            {
                Ok(page) => page,
                Err(ApiError::Status { status: 404, .. }) if after.is_none() => {
                    tracing::info!("the server has no bulk history; loading chat by chat");
                    return Ok(());
                }
                Err(err) => return Err(core.api_error(err)),
            };
            let mut messages = Vec::with_capacity(page.messages.len());
            for message in page.messages {
                let encoded = cache::messages::Encoded::new(message).map_err(|err| {
                    core.api_error(ApiError::Decode(format!(
                        "a message could not be stored: {err}"
                    )))
                })?;
                messages.push(encoded);
            }
            let last = page.next.is_none();
            if pages_tx.send(BulkPage { messages, last }).await.is_err() {
                return Ok(()); // the writer failed and says why
            }
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(()),
            }
        }
    };
    let writer = async {
        // The conversation the pages written so far ended in: it may go on in the next one.
        let mut open: Option<Uuid> = None;
        let mut done = 0u64;
        while let Some(first) = pages_rx.recv().await {
            let mut batch = vec![first];
            let mut size = batch[0].messages.len();
            while size < HISTORY_WRITE_BATCH {
                match pages_rx.try_recv() {
                    Ok(page) => {
                        size += page.messages.len();
                        batch.push(page);
                    }
                    Err(_) => break,
                }
            }
            let carried = open;
            let (touched, completed, ended_in) = core
                .cache
                .write(move |tx| write_bulk_pages(tx, &batch, carried, generation))
                .await?;
            open = ended_in;
            done += completed;
            for conversation_id in touched {
                core.feed.emit(Change::MessagesChanged { conversation_id });
            }
            core.feed.emit(Change::HistoryProgress {
                done: done.min(total),
                total,
            });
        }
        Ok::<(), ClientError>(())
    };
    let (fetched, written) = tokio::join!(fetcher, writer);
    written?;
    fetched
}

/// Write bulk pages in the caller's transaction. `carried` is the conversation the previous
/// batch ended in. Returns the listed conversations that got messages, how many histories were
/// completed, and the conversation this batch ends in (complete only once a later page moves
/// past it).
fn write_bulk_pages(
    tx: &rusqlite::Connection,
    batch: &[BulkPage],
    carried: Option<Uuid>,
    generation: i64,
) -> cache::CacheResult<(Vec<Uuid>, u64, Option<Uuid>)> {
    let mut seen: Vec<Uuid> = carried.into_iter().collect();
    let mut touched = Vec::new();
    let local_copies = cache::messages::LocalCopies::in_outbox(tx)?;
    let (mut current, mut held) = (None, false);
    for message in batch.iter().flat_map(|page| &page.messages) {
        let conversation = message.message.conversation_id;
        if current != Some(conversation) {
            current = Some(conversation);
            held = cache::conversations::exists(tx, conversation)?;
            if held {
                touched.push(conversation);
            }
            if seen.last() != Some(&conversation) {
                seen.push(conversation);
            }
        }
        if held {
            cache::messages::upsert_encoded(tx, message, local_copies)?;
        }
    }
    if batch.iter().any(|page| page.last) {
        let completed = cache::conversations::complete_generation(tx, generation)?;
        return Ok((touched, completed, None));
    }
    let ended_in = seen.pop();
    cache::conversations::set_complete(tx, &seen)?;
    Ok((touched, seen.len() as u64, ended_in))
}

// ----- the history task -----

/// One fetched page on its way to the writer.
#[derive(Debug)]
struct HistoryPage {
    conversation: Uuid,
    /// Encoded by the fetcher: the writer thread only writes.
    messages: Vec<cache::messages::Encoded>,
    /// The last page of this fetch: the history is complete once it is written.
    last: bool,
}

async fn run_history(core: Arc<Core>, mut jobs: mpsc::UnboundedReceiver<HistoryJob>) {
    let (pages_tx, pages_rx) = mpsc::channel::<HistoryPage>(256);
    let progress = Arc::new(Progress::default());
    let writer = write_history_pages(core.clone(), pages_rx, progress.clone());
    let fetcher = async {
        let mut queue: VecDeque<HistoryJob> = VecDeque::new();
        let mut queued: HashSet<Uuid> = HashSet::new();
        let mut running = FuturesUnordered::new();
        loop {
            while running.len() < core.timing.history_concurrency.max(1) {
                let Some(job) = queue.pop_front() else { break };
                let core = core.clone();
                let pages = pages_tx.clone();
                running.push(async move {
                    let outcome = fetch_history(&core, job, &pages).await;
                    (job.conversation, outcome)
                });
            }
            tokio::select! {
                job = jobs.recv() => {
                    let Some(job) = job else { return };
                    if queued.insert(job.conversation) {
                        progress.total.fetch_add(1, Ordering::Relaxed);
                        if job.urgent { queue.push_front(job) } else { queue.push_back(job) }
                    } else if job.urgent {
                        // Already waiting: move it to the front.
                        if let Some(pos) = queue.iter().position(|j| j.conversation == job.conversation) {
                            if let Some(existing) = queue.remove(pos) {
                                queue.push_front(existing);
                            }
                        }
                    }
                }
                Some((conversation, outcome)) = running.next(), if !running.is_empty() => {
                    queued.remove(&conversation);
                    if let Err(err) = outcome {
                        // Left unfinished in the cache: queued again at the next reconnect.
                        tracing::debug!(%conversation, error = %err.describe(), "history fetch failed");
                        progress.done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
    };
    tokio::join!(fetcher, writer);
}

#[derive(Debug, Default)]
struct Progress {
    total: AtomicU64,
    done: AtomicU64,
}

/// Fetch one conversation's history, newest page first, and hand the pages to the writer.
async fn fetch_history(
    core: &Core,
    job: HistoryJob,
    pages: &mpsc::Sender<HistoryPage>,
) -> Result<(), ApiError> {
    let mut before = None;
    let mut attempts = 0;
    loop {
        let page = match core
            .api
            .messages(job.conversation, before, HISTORY_PAGE)
            .await
        {
            Ok(page) => page,
            // Not visible any more: its removal is on its way through the stream.
            Err(ApiError::Status { status: 404, .. }) => return Ok(()),
            Err(err) if err.is_unauthorized() => {
                core.expire();
                return Err(err);
            }
            Err(err) if err.is_transient() && attempts < 3 => {
                attempts += 1;
                tokio::time::sleep(crate::backoff::delay(
                    attempts,
                    core.timing.retry_min,
                    core.timing.retry_max,
                    crate::backoff::random_fraction(),
                ))
                .await;
                continue;
            }
            Err(err) => return Err(err),
        };
        let oldest = page.messages.first().map(|m| m.id);
        // A stale history had everything up to some point: once a page reaches back into
        // what is here, the gap is closed.
        let reached_known = match (job.history, oldest) {
            (History::Stale, Some(id)) => core
                .cache
                .read(move |conn| cache::messages::contains(conn, id))
                .await
                .unwrap_or(false),
            _ => false,
        };
        let last = !page.more || reached_known || oldest.is_none();
        let mut messages = Vec::with_capacity(page.messages.len());
        for message in page.messages {
            match cache::messages::Encoded::new(message) {
                Ok(encoded) => messages.push(encoded),
                Err(err) => {
                    return Err(ApiError::Decode(format!(
                        "a message could not be stored: {err}"
                    )))
                }
            }
        }
        let sent = pages
            .send(HistoryPage {
                conversation: job.conversation,
                messages,
                last,
            })
            .await;
        if sent.is_err() || last {
            return Ok(());
        }
        before = oldest;
    }
}

/// Write fetched pages in batches: one transaction for many small histories.
async fn write_history_pages(
    core: Arc<Core>,
    mut pages: mpsc::Receiver<HistoryPage>,
    progress: Arc<Progress>,
) {
    while let Some(first) = pages.recv().await {
        // Gather pages for a moment: every commit makes a new full-text segment that later has
        // to be merged, so a few big transactions beat many small ones by far.
        let deadline = tokio::time::Instant::now() + HISTORY_WRITE_WINDOW;
        let mut batch = vec![first];
        let mut size = batch[0].messages.len();
        while size < HISTORY_WRITE_BATCH {
            match tokio::time::timeout_at(deadline, pages.recv()).await {
                Ok(Some(page)) => {
                    size += page.messages.len();
                    batch.push(page);
                }
                Ok(None) | Err(_) => break,
            }
        }
        let finished = batch.iter().filter(|p| p.last).count() as u64;
        let written = core
            .cache
            .write(move |tx| {
                let mut touched = Vec::new();
                let local_copies = cache::messages::LocalCopies::in_outbox(tx)?;
                for page in &batch {
                    // Taken away while the page was in flight: write nothing of it.
                    if !cache::conversations::exists(tx, page.conversation)? {
                        continue;
                    }
                    for message in &page.messages {
                        cache::messages::upsert_encoded(tx, message, local_copies)?;
                    }
                    if page.last {
                        cache::conversations::set_history(
                            tx,
                            page.conversation,
                            History::Complete,
                        )?;
                    }
                    if !touched.contains(&page.conversation) {
                        touched.push(page.conversation);
                    }
                }
                Ok(touched)
            })
            .await;
        match written {
            Ok(touched) => {
                for conversation_id in touched {
                    core.feed.emit(Change::MessagesChanged { conversation_id });
                }
            }
            Err(err) => tracing::error!(error = %err, "writing history failed"),
        }
        let done = progress.done.fetch_add(finished, Ordering::Relaxed) + finished;
        if finished > 0 {
            core.feed.emit(Change::HistoryProgress {
                done,
                total: progress.total.load(Ordering::Relaxed),
            });
        }
    }
}
