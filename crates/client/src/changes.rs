//! What the UI must redraw, as a typed feed, and the connection state.
//!
//! Changes are announced after the cache committed them, so a UI that reads the cache when
//! told always finds the new state. The feed is a broadcast: a subscriber that falls too far
//! behind gets [`Change::Resync`] (redraw everything) instead of an unbounded backlog.

use serde::Serialize;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

/// How far a subscriber may fall behind before it is told to redraw everything.
const FEED_CAPACITY: usize = 4096;

/// Is the engine talking to the server?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// The live stream is open: what the cache shows is current.
    Online,
    /// Opening the stream (first time, or after it dropped while things were fine).
    Connecting,
    /// The server cannot be reached; the engine keeps retrying with backoff. Replies are kept
    /// in the outbox until it is back.
    Offline,
}

/// Something the UI may have to redraw.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A conversation is new or changed (status, owner, unread, last message, list).
    ConversationUpserted {
        id: Uuid,
    },
    /// A conversation left this agent's view (`taken`, `transferred`, `deleted`,
    /// `offer_moved`); its messages are gone from the cache.
    ConversationRemoved {
        id: Uuid,
        reason: String,
    },
    /// Many conversations changed at once (a page of a full load, a reload): redraw lists.
    ConversationsReloaded,
    /// Messages of this conversation were added or changed (new, sent, failed, delivered).
    MessagesChanged {
        conversation_id: Uuid,
    },
    TemplatesChanged,
    ContactsChanged,
    /// Colleagues or their presence changed.
    AgentsChanged,
    /// Message histories being loaded in the background: `done` of `total` conversations.
    HistoryProgress {
        done: u64,
        total: u64,
    },
    /// An attachment of a queued reply is uploading.
    UploadProgress {
        client_id: Uuid,
        sent: u64,
        total: u64,
    },
    Connection {
        state: ConnectionState,
    },
    /// The server no longer accepts this session: show the login screen.
    SessionExpired,
    /// This subscriber missed changes: redraw everything.
    Resync,
}

/// The sending side, shared by the engine's tasks.
#[derive(Debug)]
pub(crate) struct Feed {
    changes: broadcast::Sender<Change>,
    connection: watch::Sender<ConnectionState>,
}

impl Feed {
    pub fn new() -> Feed {
        Feed {
            changes: broadcast::channel(FEED_CAPACITY).0,
            connection: watch::channel(ConnectionState::Offline).0,
        }
    }

    pub fn emit(&self, change: Change) {
        // No subscriber is fine: the UI reads the cache when it opens.
        let _ = self.changes.send(change);
    }

    pub fn emit_all(&self, changes: impl IntoIterator<Item = Change>) {
        for change in changes {
            self.emit(change);
        }
    }

    pub fn set_connection(&self, state: ConnectionState) {
        let changed = self.connection.send_if_modified(|current| {
            let changed = *current != state;
            *current = state;
            changed
        });
        if changed {
            self.emit(Change::Connection { state });
        }
    }

    pub fn connection(&self) -> ConnectionState {
        *self.connection.borrow()
    }

    pub fn subscribe(&self) -> ChangeFeed {
        ChangeFeed {
            rx: self.changes.subscribe(),
        }
    }
}

/// One subscriber's view of the feed.
#[derive(Debug)]
pub struct ChangeFeed {
    rx: broadcast::Receiver<Change>,
}

impl ChangeFeed {
    /// The next change; `None` once the client is gone.
    pub async fn next(&mut self) -> Option<Change> {
        match self.rx.recv().await {
            Ok(change) => Some(change),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(Change::Resync),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// A change already waiting, without waiting.
    pub fn try_next(&mut self) -> Option<Change> {
        match self.rx.try_recv() {
            Ok(change) => Some(change),
            Err(broadcast::error::TryRecvError::Lagged(_)) => Some(Change::Resync),
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn connection_changes_are_announced_once() {
        let feed = Feed::new();
        let mut sub = feed.subscribe();
        feed.set_connection(ConnectionState::Connecting);
        feed.set_connection(ConnectionState::Connecting);
        feed.set_connection(ConnectionState::Online);
        assert_eq!(
            sub.try_next(),
            Some(Change::Connection {
                state: ConnectionState::Connecting
            })
        );
        assert_eq!(
            sub.try_next(),
            Some(Change::Connection {
                state: ConnectionState::Online
            })
        );
        assert_eq!(sub.try_next(), None);
        assert_eq!(feed.connection(), ConnectionState::Online);
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_is_told_to_resync() {
        let feed = Feed::new();
        let mut sub = feed.subscribe();
        for _ in 0..FEED_CAPACITY + 10 {
            feed.emit(Change::TemplatesChanged);
        }
        assert_eq!(sub.next().await, Some(Change::Resync));
    }
}
