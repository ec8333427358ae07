//! The bulk history of a client's first full load (`GET /api/v1/history`): every message of
//! every conversation the agent sees, a large page at a time, instead of one request per
//! conversation.
//!
//! Pages are ordered by conversation id, then by each message's number in its conversation
//! (`store::HistoryKey`), and the next page starts after the last key returned. That order never
//! changes under a reader: a message that arrives while an agent pages is either past the
//! reader's position (it comes in a later page) or in a conversation already passed (it is in
//! the agent's event log, which a client reads from a cursor taken before paging). So paging
//! returns each message once, with no gap. Visibility is the per-conversation messages
//! endpoint's: the agent's view, not `former`, not deleted.

use switchboard_protocol::Message;
use uuid::Uuid;

use super::present::Presenter;
use super::{Engine, Result};
use crate::store::HistoryKey;

/// One page of the bulk history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryBatch {
    pub messages: Vec<Message>,
    /// Where the next page starts; `None` when this page was the last.
    pub next: Option<HistoryKey>,
}

impl Engine {
    /// Up to `limit` messages after `after` (from the start when `None`), in one read.
    pub async fn history(
        &self,
        agent: Uuid,
        after: Option<HistoryKey>,
        limit: u32,
    ) -> Result<HistoryBatch> {
        let after = after.unwrap_or(HistoryKey::START);
        self.read(move |unit| {
            // One more than asked says whether another page follows.
            let mut rows = unit.tx.history_after(agent, after, limit + 1)?;
            let more = rows.len() > limit as usize;
            rows.truncate(limit as usize);
            let mut presenter = Presenter::default();
            let mut messages = Vec::with_capacity(rows.len());
            for row in &rows {
                messages.push(presenter.message(unit.tx, row)?);
            }
            Ok(HistoryBatch {
                messages,
                next: if more {
                    rows.last().map(HistoryKey::of)
                } else {
                    None
                },
            })
        })
        .await
    }
}
