//! Group commit: write jobs queue for one writer thread per node, which runs whatever has
//! queued while it was busy in one transaction (each job in its own savepoint) and answers
//! each job once that transaction is committed. Under load many webhooks share a commit and
//! its log writes (SQLite), or on PostgreSQL one pass through the writers' gate, one commit
//! flush and, when another node's transaction wins, one retry; alone, a job commits at once
//! (no batching window). Every answer still means "stored".

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::Arc;

use crate::store::{Job, JobFailed, Store, StoreError, StoreResult, Tx};

/// At most this many jobs share a transaction, so one commit never holds a burst's answers
/// back for long.
const MOST_PER_COMMIT: usize = 256;

/// A write job for the writer thread.
pub(super) type BoxedJob = Box<dyn FnMut(&mut dyn Tx) -> Result<(), JobFailed> + Send>;

/// A job of the group being written, borrowed from its request.
type GroupJob<'a> = Box<dyn FnMut(&mut dyn Tx) -> Result<(), JobFailed> + 'a>;

struct Request {
    job: BoxedJob,
    done: tokio::sync::oneshot::Sender<StoreResult<()>>,
}

/// The queue to the writer thread; the thread ends when every clone of it is gone.
#[derive(Debug, Clone)]
pub(super) struct GroupWriter {
    queue: mpsc::Sender<Request>,
}

impl GroupWriter {
    pub(super) fn start(store: Arc<dyn Store>) -> GroupWriter {
        let (queue, requests) = mpsc::channel::<Request>();
        std::thread::Builder::new()
            .name("sb-writer".into())
            .spawn(move || write_groups(store.as_ref(), &requests))
            .expect("the writer thread starts");
        GroupWriter { queue }
    }

    /// Run `job` in the next group; its outcome once the group is committed.
    pub(super) async fn run(&self, job: BoxedJob) -> StoreResult<()> {
        let (done, outcome) = tokio::sync::oneshot::channel();
        let stopped = || StoreError::Database("the database writer has stopped".into());
        self.queue
            .send(Request { job, done })
            .map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }
}

fn write_groups(store: &dyn Store, requests: &mpsc::Receiver<Request>) {
    while let Ok(first) = requests.recv() {
        let mut group = vec![first];
        while group.len() < MOST_PER_COMMIT {
            match requests.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        // A job that panics fails alone (its savepoint rolled back) instead of taking the
        // writer thread, and every later write, with it.
        let mut guarded: Vec<GroupJob<'_>> = group
            .iter_mut()
            .map(|request| {
                let job = &mut request.job;
                Box::new(move |tx: &mut dyn Tx| {
                    std::panic::catch_unwind(AssertUnwindSafe(|| job(tx))).unwrap_or_else(|_| {
                        Err(JobFailed::Store(StoreError::Database(
                            "a write job panicked".into(),
                        )))
                    })
                }) as GroupJob<'_>
            })
            .collect();
        let mut jobs: Vec<Job<'_>> = guarded
            .iter_mut()
            .map(|job| &mut **job as Job<'_>)
            .collect();
        let outcomes = store.run_writes(&mut jobs);
        drop(jobs);
        drop(guarded);
        metrics::histogram!("switchboard_writes_per_commit").record(group.len() as f64);
        for (request, outcome) in group.into_iter().zip(outcomes) {
            // The caller may have gone (a dropped request); its job is stored all the same.
            let _ = request.done.send(outcome);
        }
    }
}
