//! The conversation engine: every agent action and every inbound message, executed as one
//! storage transaction that loads facts, asks `domain` for a decision, writes the outcome and
//! appends the sync events each affected agent must see.

mod actions;
mod admin;
mod admin_channels;
mod admin_queues;
mod attachments;
mod contacts;
mod delivery;
mod error;
mod gauges;
mod history;
mod ingest;
mod livechat;
mod outreach;
mod pages;
mod present;
mod routing;
mod sessions;
mod sync;
mod templates;
mod whatsapp_templates;
mod writer;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use tokio::sync::watch;
use uuid::Uuid;

use crate::store::{Announcement, EventRow, JobFailed, Mode, Store, StoreResult, Tx, Typing};

pub use actions::{ListPage, Reply, Sent, MAX_BODY_BYTES};
pub use admin::AuditQuery;
pub use attachments::{attachment_ref, FileSender};
pub use delivery::{OutboundWork, SendOutcome, MAX_ATTEMPTS};
pub use error::{ChannelRule, Clash, Error, Field, Missing, Result, Right};
pub use gauges::{Gauges, QueueGauge};
pub use history::HistoryBatch;
pub use ingest::{Inbound, IngestOutcome};
pub use livechat::{VisitorDetails, VisitorSession, TYPING_SECONDS, VISITOR_PAGE_LIMIT};
pub use outreach::Started;
pub use sync::SyncPage;
pub use templates::TemplateFilter;

/// Wakes the live streams of agents whose event log grew.
#[derive(Debug, Default)]
pub struct Notifier {
    agents: Mutex<HashMap<Uuid, watch::Sender<u64>>>,
}

impl Notifier {
    fn sender(&self, agent: Uuid) -> watch::Sender<u64> {
        let mut agents = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        agents
            .entry(agent)
            .or_insert_with(|| watch::channel(0).0)
            .clone()
    }

    /// A receiver that changes whenever `agent` has new events.
    pub fn subscribe(&self, agent: Uuid) -> watch::Receiver<u64> {
        self.sender(agent).subscribe()
    }

    pub fn notify(&self, agent: Uuid) {
        self.sender(agent).send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Wake every stream, e.g. after news from other nodes may have been missed.
    pub fn notify_all(&self) {
        let agents = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        for sender in agents.values() {
            sender.send_modify(|n| *n = n.wrapping_add(1));
        }
    }
}

/// Settings the engine needs from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct EngineSettings {
    pub session_ttl: Duration,
    pub event_retention: Duration,
    /// For phone numbers written without a country code.
    pub default_country: phonenumber::country::Id,
}

/// The engine. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    store: Arc<dyn Store>,
    notifier: Arc<Notifier>,
    settings: EngineSettings,
    /// Woken when replies are queued for providers.
    outbound: Arc<tokio::sync::Notify>,
    /// Woken when a channel was made or changed here or on another node.
    channels: Arc<tokio::sync::Notify>,
    /// Which agent is typing to which live-chat visitor, and since when.
    typing: Arc<Mutex<HashMap<Uuid, (String, std::time::Instant)>>>,
    /// When each visitor's typing was last passed on to agents (see `visitor_typing`).
    visitor_typing: Arc<Mutex<HashMap<Uuid, std::time::Instant>>>,
    /// Group commit, on a store that offers it (both do).
    writer: Option<writer::GroupWriter>,
    /// Live stream pages waiting to be read together.
    pages: Arc<pages::PageQueue>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// What to wake on this node once a unit committed.
#[derive(Debug, Default)]
struct AfterCommit {
    touched: BTreeSet<Uuid>,
    wake_outbound: bool,
    channels_changed: bool,
}

/// One transaction's worth of work: the storage handle, the time it runs at, and the agents
/// whose event logs it appended to (woken after commit).
pub struct Unit<'t> {
    pub tx: &'t mut dyn Tx,
    pub now: DateTime<Utc>,
    pub settings: EngineSettings,
    touched: BTreeSet<Uuid>,
    wake_outbound: bool,
    /// Agents typing to visitors, for the other nodes.
    typing: Vec<Typing>,
    /// A channel was made or changed: every node reloads its channels after commit.
    channels_changed: bool,
    /// Events emitted, appended to the agents' logs together when the job is done.
    events: Vec<(Uuid, EventRow)>,
    /// Where in `events` each agent's last event about an object is.
    last_about: HashMap<(Uuid, Uuid), usize>,
}

impl std::fmt::Debug for Unit<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unit")
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl<'t> Unit<'t> {
    /// A unit of work on `tx`, running now.
    fn new(tx: &'t mut dyn Tx, settings: EngineSettings) -> Self {
        Unit {
            tx,
            now: Utc::now(),
            settings,
            touched: BTreeSet::new(),
            wake_outbound: false,
            typing: Vec::new(),
            channels_changed: false,
            events: Vec::new(),
            last_about: HashMap::new(),
        }
    }
}

impl Unit<'_> {
    /// Wake a live-chat visitor's stream after commit (visitors have no event log).
    pub fn touch_visitor(&mut self, visitor: Uuid) {
        self.touched.insert(visitor);
    }

    /// Wake the agent's live streams (on every node) once this unit commits, with no new
    /// event: they look again, e.g. at whether their session still lives.
    pub fn touch(&mut self, agent: Uuid) {
        self.touched.insert(agent);
    }

    /// Append an event to one agent's log (when the job is done, with the unit's others).
    ///
    /// A reference event (no data: it is served with the object's state at the time it is
    /// read) that repeats the agent's last event about the same object is left out — both
    /// would be served with the same state.
    pub fn emit(
        &mut self,
        agent: Uuid,
        kind: &str,
        object_id: Option<Uuid>,
        data: Option<serde_json::Value>,
    ) {
        self.touched.insert(agent);
        let last = object_id.and_then(|object| self.last_about.get(&(agent, object)));
        let repeat = data.is_none()
            && last.is_some_and(|&at| {
                let (_, event) = &self.events[at];
                event.kind == kind && event.data.is_none()
            });
        if repeat {
            return;
        }
        if let Some(object) = object_id {
            self.last_about.insert((agent, object), self.events.len());
        }
        let event = EventRow {
            seq: 0,
            kind: kind.to_string(),
            object_id,
            data,
        };
        self.events.push((agent, event));
    }

    /// Write the events emitted so far: each agent's cursor moves once, the rows go in one
    /// statement.
    fn append_events(&mut self) -> StoreResult<()> {
        if !self.events.is_empty() {
            self.tx
                .append_events(&std::mem::take(&mut self.events), self.now)?;
            self.last_about.clear();
        }
        Ok(())
    }
}

impl Engine {
    pub fn new(store: Arc<dyn Store>, settings: EngineSettings) -> Self {
        Engine {
            writer: store
                .groups_writes()
                .then(|| writer::GroupWriter::start(store.clone())),
            store,
            notifier: Arc::new(Notifier::default()),
            settings,
            outbound: Arc::new(tokio::sync::Notify::new()),
            channels: Arc::new(tokio::sync::Notify::new()),
            typing: Arc::new(Mutex::new(HashMap::new())),
            visitor_typing: Arc::new(Mutex::new(HashMap::new())),
            pages: Arc::new(pages::PageQueue::default()),
        }
    }

    pub fn notifier(&self) -> &Notifier {
        &self.notifier
    }

    pub fn settings(&self) -> EngineSettings {
        self.settings
    }

    /// Notified whenever replies are queued for a provider.
    pub fn outbound_ready(&self) -> Arc<tokio::sync::Notify> {
        self.outbound.clone()
    }

    /// Notified whenever a channel was made or changed, here or on another node (and when
    /// news from other nodes may have been missed): the channels should be read again.
    pub fn channels_changed(&self) -> Arc<tokio::sync::Notify> {
        self.channels.clone()
    }

    /// Whether other server nodes share the database.
    pub fn store_is_shared(&self) -> bool {
        self.store.shared()
    }

    /// Hear what other nodes sharing the database committed: wake the streams and the
    /// outbound worker on this node as if it had been done here.
    pub fn start_hearing_other_nodes(&self) -> StoreResult<()> {
        // Only the wake-up handles, not the engine: the listener must not keep the store alive.
        let (notifier, outbound, channels, typing) = (
            self.notifier.clone(),
            self.outbound.clone(),
            self.channels.clone(),
            self.typing.clone(),
        );
        self.store.listen(Arc::new(move |news: Announcement| {
            if news.everyone {
                notifier.notify_all();
            }
            for someone in news.typing {
                typing.lock().unwrap_or_else(|p| p.into_inner()).insert(
                    someone.visitor,
                    (someone.agent_name, std::time::Instant::now()),
                );
                notifier.notify(someone.visitor);
            }
            for stream in &news.streams {
                notifier.notify(*stream);
            }
            if news.outbound || news.everyone {
                outbound.notify_one();
            }
            if news.channels || news.everyone {
                channels.notify_one();
            }
        }))
    }

    /// Run `job` in a write transaction off the async runtime; wake the touched agents after
    /// commit. An `Err` from the job rolls everything back.
    pub async fn write<R, F>(&self, job: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnMut(&mut Unit) -> Result<R> + Send + 'static,
    {
        let (result, after) = self.run(Mode::Write, job).await?;
        for agent in after.touched {
            self.notifier.notify(agent);
        }
        if after.wake_outbound {
            self.outbound.notify_one();
        }
        if after.channels_changed {
            self.channels.notify_one();
        }
        result
    }

    /// Run `job` in a read transaction (a consistent snapshot).
    pub async fn read<R, F>(&self, job: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnMut(&mut Unit) -> Result<R> + Send + 'static,
    {
        self.run(Mode::Read, job).await?.0
    }

    /// Whether the database answers a query within `limit` (the readiness check): migrations
    /// ran before the engine was built, so an answer means ready.
    pub async fn ready(&self, limit: std::time::Duration) -> Result<(), String> {
        match tokio::time::timeout(limit, self.read(|unit| Ok(unit.tx.ping()?))).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => Err(err.to_string()),
            Err(_) => Err(format!("no answer within {} s", limit.as_secs())),
        }
    }

    async fn run<R, F>(&self, mode: Mode, mut job: F) -> Result<(Result<R>, AfterCommit)>
    where
        R: Send + 'static,
        F: FnMut(&mut Unit) -> Result<R> + Send + 'static,
    {
        let settings = self.settings;
        // The request's span (its id) goes with the job to the thread that runs it.
        let span = tracing::Span::current();
        if let (Mode::Write, Some(writer)) = (mode, &self.writer) {
            let slot = Arc::new(Mutex::new(Slot::<R>::default()));
            let filled = slot.clone();
            let ran = writer
                .run(Box::new(move |tx| {
                    let _request = span.enter();
                    let mut slot = filled.lock().unwrap_or_else(|p| p.into_inner());
                    run_unit(tx, mode, settings, &mut job, &mut slot)
                }))
                .await;
            let slot = std::mem::take(&mut *slot.lock().unwrap_or_else(|p| p.into_inner()));
            return slot.finish(ran);
        }
        let store = self.store.clone();
        let task = tokio::task::spawn_blocking(move || {
            let _request = span.enter();
            let mut slot = Slot::default();
            let ran = store.run(mode, &mut |tx| {
                run_unit(tx, mode, settings, &mut job, &mut slot)
            });
            slot.finish(ran)
        });
        task.await?
    }
}

/// A job's answer and what to wake once its transaction committed.
struct Slot<R> {
    outcome: Option<Result<R>>,
    after: AfterCommit,
}

impl<R> Default for Slot<R> {
    fn default() -> Self {
        Slot {
            outcome: None,
            after: AfterCommit::default(),
        }
    }
}

impl<R> Slot<R> {
    /// The job's answer once the store ran it (`ran`): nothing to wake when it failed.
    fn finish(self, ran: StoreResult<()>) -> Result<(Result<R>, AfterCommit)> {
        ran?;
        let outcome = self
            .outcome
            .expect("Store::run answers Ok only after running the job");
        let after = if outcome.is_err() {
            AfterCommit::default()
        } else {
            self.after
        };
        Ok((outcome, after))
    }
}

/// Run one engine job on a store transaction: its answer and what it touched go to `slot`;
/// a refused job makes the store roll its work back.
fn run_unit<R, F>(
    tx: &mut dyn Tx,
    mode: Mode,
    settings: EngineSettings,
    job: &mut F,
    slot: &mut Slot<R>,
) -> Result<(), JobFailed>
where
    F: FnMut(&mut Unit) -> Result<R>,
{
    let mut unit = Unit::new(tx, settings);
    let result = job(&mut unit);
    let failed = result.is_err();
    slot.outcome = Some(result);
    if failed {
        return Err(JobFailed::Abort);
    }
    unit.append_events()?;
    if mode == Mode::Write
        && (!unit.touched.is_empty()
            || unit.wake_outbound
            || !unit.typing.is_empty()
            || unit.channels_changed)
    {
        unit.tx.announce(&Announcement {
            streams: unit.touched.iter().copied().collect(),
            outbound: unit.wake_outbound,
            everyone: false,
            typing: std::mem::take(&mut unit.typing),
            channels: unit.channels_changed,
        })?;
    }
    slot.after = AfterCommit {
        touched: unit.touched,
        wake_outbound: unit.wake_outbound,
        channels_changed: unit.channels_changed,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use switchboard_protocol::event_types;

    use super::*;
    use crate::store::sqlite::SqliteStore;

    #[test]
    fn a_reference_event_repeating_the_agents_last_about_its_object_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("emit.db")).unwrap();
        let (ana, bia, chat, message) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let mut kept = Vec::new();
        store
            .run(Mode::Write, &mut |tx| {
                let settings = EngineSettings {
                    session_ttl: Duration::hours(1),
                    event_retention: Duration::days(1),
                    default_country: phonenumber::country::Id::BR,
                };
                let mut unit = Unit::new(tx, settings);
                let (upserted, removed) = (
                    event_types::CONVERSATION_UPSERTED,
                    event_types::CONVERSATION_REMOVED,
                );
                unit.emit(ana, upserted, Some(chat), None);
                unit.emit(ana, upserted, Some(chat), None); // a repeat
                unit.emit(bia, upserted, Some(chat), None); // another agent's
                unit.emit(ana, event_types::MESSAGE_UPSERTED, Some(message), None);
                unit.emit(ana, upserted, Some(chat), None); // still a repeat about the chat
                unit.emit(
                    ana,
                    removed,
                    Some(chat),
                    Some(serde_json::json!({"id": chat})),
                );
                unit.emit(ana, upserted, Some(chat), None); // after one with data
                unit.emit(ana, event_types::TYPING, None, Some(serde_json::json!({})));
                unit.emit(ana, event_types::TYPING, None, Some(serde_json::json!({})));
                kept = unit
                    .events
                    .iter()
                    .map(|(agent, event)| (*agent, event.kind.clone(), event.object_id))
                    .collect();
                assert_eq!(unit.touched, BTreeSet::from([ana, bia]));
                Err(JobFailed::Abort)
            })
            .unwrap();
        let event = |agent, kind: &str, object| (agent, kind.to_string(), object);
        assert_eq!(
            kept,
            [
                event(ana, event_types::CONVERSATION_UPSERTED, Some(chat)),
                event(bia, event_types::CONVERSATION_UPSERTED, Some(chat)),
                event(ana, event_types::MESSAGE_UPSERTED, Some(message)),
                event(ana, event_types::CONVERSATION_REMOVED, Some(chat)),
                event(ana, event_types::CONVERSATION_UPSERTED, Some(chat)),
                event(ana, event_types::TYPING, None),
                event(ana, event_types::TYPING, None),
            ]
        );
    }
}
