//! Live stream pages read together. A commit wakes every stream with news at once (ten agents
//! of a queue for one customer message); instead of each running a read transaction of its
//! own, the pages wanted while a read is under way queue, and the next read serves all of them
//! in one snapshot, presenting each conversation and message once for all (`sync.rs`). Alone,
//! a page is read at once (no batching window); at most [`readers`] reads run at a time.

use std::sync::{Arc, Mutex};

use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use super::sync::{Snapshot, SyncPage};
use super::{Engine, Error, Result};

/// At most this many pages share a read, so one read never holds a burst's pages back long.
const MOST_PER_READ: usize = 256;

/// How many batches of pages may be read at the same time: one per core, up to four (the
/// SQLite store's reader connections).
fn readers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

struct PageRequest {
    token_hash: String,
    cursor: i64,
    limit: u32,
    done: oneshot::Sender<Result<SyncPage>>,
}

/// Pages waiting for a read, and the places of the reads under way.
pub(super) struct PageQueue {
    waiting: Mutex<Vec<PageRequest>>,
    reads: Arc<Semaphore>,
}

impl Default for PageQueue {
    fn default() -> Self {
        PageQueue {
            waiting: Mutex::new(Vec::new()),
            reads: Arc::new(Semaphore::new(readers())),
        }
    }
}

impl PageQueue {
    fn waiting(&self) -> std::sync::MutexGuard<'_, Vec<PageRequest>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A place for one more read, if one is free.
    fn place(&self) -> Option<OwnedSemaphorePermit> {
        self.reads.clone().try_acquire_owned().ok()
    }
}

impl Engine {
    /// Like [`Engine::sync`] for the live stream of the session of `token`, in the same read:
    /// [`Error::SignedOut`] once that session ended (logged out, expired, agent disabled), so a
    /// stream never carries an event after its session ended. Read with the other streams'
    /// pages wanted at the same time.
    pub async fn stream_page(&self, token: &str, cursor: i64, limit: u32) -> Result<SyncPage> {
        let (done, page) = oneshot::channel();
        self.pages.waiting().push(PageRequest {
            token_hash: crate::auth::token_hash(token),
            cursor,
            limit,
            done,
        });
        if let Some(place) = self.pages.place() {
            // The reads run in a task of their own, so a stream that goes away while its page
            // is read strands no one else's.
            tokio::spawn(self.clone().read_pages(place));
        }
        page.await.map_err(|_| {
            Error::Storage(crate::store::StoreError::Database(
                "the stream page reader stopped".into(),
            ))
        })?
    }

    /// Serve the waiting pages, a batch at a time, while there are any. A page queued while
    /// every place was taken is served by whoever holds a place next: each reader looks again
    /// after giving its place up.
    async fn read_pages(self, mut place: OwnedSemaphorePermit) {
        loop {
            let batch: Vec<PageRequest> = {
                let mut waiting = self.pages.waiting();
                let take = waiting.len().min(MOST_PER_READ);
                waiting.drain(..take).collect()
            };
            if !batch.is_empty() {
                self.read_batch(batch).await;
            }
            drop(place);
            if self.pages.waiting().is_empty() {
                return;
            }
            match self.pages.place() {
                Some(next) => place = next,
                None => return,
            }
        }
    }

    /// Read `batch`'s pages in one transaction and answer each.
    async fn read_batch(&self, batch: Vec<PageRequest>) {
        let wanted = batch
            .iter()
            .map(|r| (Reader::Session(r.token_hash.clone()), r.cursor, r.limit))
            .collect();
        match self.read_together(wanted).await {
            Ok(pages) => {
                for (request, page) in batch.into_iter().zip(pages) {
                    // The stream may have gone meanwhile.
                    let _ = request.done.send(page);
                }
            }
            Err(err) => {
                for request in batch {
                    let _ = request.done.send(Err(batch_error(&err)));
                }
            }
        }
    }

    /// Several agents' pages (each `(agent, cursor, limit)`) read in one snapshot, the way
    /// streams woken together are served: each equals what [`Engine::sync`] answers that
    /// agent alone.
    pub async fn sync_together(&self, wanted: &[(Uuid, i64, u32)]) -> Result<Vec<SyncPage>> {
        let wanted = wanted
            .iter()
            .map(|&(agent, cursor, limit)| (Reader::Agent(agent), cursor, limit))
            .collect();
        self.read_together(wanted).await?.into_iter().collect()
    }

    /// Pages read in one transaction; each page fails alone only when its session ended.
    async fn read_together(
        &self,
        wanted: Vec<(Reader, i64, u32)>,
    ) -> Result<Vec<Result<SyncPage>>> {
        self.read(move |unit| {
            let mut snapshot = Snapshot::default();
            let mut pages = Vec::with_capacity(wanted.len());
            for (reader, cursor, limit) in &wanted {
                let agent = match reader {
                    Reader::Agent(id) => Some(*id),
                    Reader::Session(hash) => unit.tx.session_agent(hash, unit.now)?.map(|a| a.id),
                };
                pages.push(match agent {
                    Some(agent) => Ok(unit.sync_page(agent, *cursor, *limit, &mut snapshot)?),
                    None => Err(Error::SignedOut),
                });
            }
            Ok(pages)
        })
        .await
    }
}

/// Whose page is read: a stream's session (checked in the same read), or an agent.
enum Reader {
    Session(String),
    Agent(Uuid),
}

/// A stream page that failed with the rest of its batch: the batch's error, for each page.
pub(super) fn batch_error(err: &Error) -> Error {
    match err {
        Error::Storage(store) => Error::Storage(store.clone()),
        other => Error::Storage(crate::store::StoreError::Database(other.to_string())),
    }
}
