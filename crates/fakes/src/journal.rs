//! A recorded list of what a fake received, which tests can read or wait on.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

use crate::FakeError;

/// Requests in arrival order plus a wake-up for tests waiting on them.
#[derive(Debug)]
pub(crate) struct Journal<T> {
    items: Mutex<Vec<T>>,
    changed: Notify,
}

impl<T: Clone> Journal<T> {
    pub(crate) fn new() -> Self {
        Self {
            items: Mutex::new(Vec::new()),
            changed: Notify::new(),
        }
    }

    pub(crate) fn push(&self, item: T) {
        self.lock().push(item);
        self.changed.notify_waiters();
    }

    pub(crate) fn snapshot(&self) -> Vec<T> {
        self.lock().clone()
    }

    /// Waits until at least `count` recorded items pass `keep`, and returns those items.
    pub(crate) async fn wait_for(
        &self,
        count: usize,
        timeout: Duration,
        keep: impl Fn(&T) -> bool,
        what: &str,
    ) -> Result<Vec<T>, FakeError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Register interest before looking, so a push between the look and the await is
            // not missed.
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let matching: Vec<T> = self.lock().iter().filter(|i| keep(i)).cloned().collect();
            if matching.len() >= count {
                return Ok(matching);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Err(FakeError::Timeout {
                    what: format!("{count} {what} (saw {})", matching.len()),
                    waited: timeout,
                });
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<T>> {
        // A test that panicked while holding the lock leaves a usable list behind.
        self.items.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
