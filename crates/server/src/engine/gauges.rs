//! What the metrics endpoint reads when Prometheus scrapes: states, not events.

use std::collections::BTreeMap;

use crate::store::OutboundState;

use super::{Engine, Result};

/// Chats waiting in one queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueGauge {
    pub id: String,
    pub waiting: usize,
    /// Seconds the oldest waiting chat has waited (0 with none).
    pub oldest_wait_s: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Gauges {
    pub queues: Vec<QueueGauge>,
    /// Signed-in agents by presence (`available`, `away`, `dnd`).
    pub agents_by_presence: BTreeMap<&'static str, usize>,
    pub outbound_queued: usize,
    pub outbound_in_flight: usize,
}

impl Engine {
    /// The gauges of `queues`, read in one snapshot.
    pub async fn gauges(&self, queues: Vec<String>) -> Result<Gauges> {
        self.read(move |unit| {
            let mut gauges = Vec::with_capacity(queues.len());
            for id in &queues {
                let waiting = unit.tx.queued_in(id)?;
                let oldest_wait_s = match waiting.first() {
                    Some(oldest) => unit.tx.conversation(*oldest)?.map_or(0.0, |c| {
                        (unit.now - c.created_at).num_milliseconds().max(0) as f64 / 1000.0
                    }),
                    None => 0.0,
                };
                gauges.push(QueueGauge {
                    id: id.clone(),
                    waiting: waiting.len(),
                    oldest_wait_s,
                });
            }
            let signed_in = unit.tx.logged_in_agents(unit.now)?;
            let mut agents_by_presence = BTreeMap::new();
            for agent in unit.tx.agents()? {
                if signed_in.contains(&agent.id) {
                    *agents_by_presence
                        .entry(agent.presence.as_str())
                        .or_default() += 1;
                }
            }
            Ok(Gauges {
                queues: gauges,
                agents_by_presence,
                outbound_queued: unit.tx.outbound_in_state(OutboundState::Queued)?.len(),
                outbound_in_flight: unit.tx.outbound_in_state(OutboundState::Sending)?.len(),
            })
        })
        .await
    }
}
