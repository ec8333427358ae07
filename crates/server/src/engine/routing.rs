//! Executing the queue strategies of `domain::routing`: load the queue's members, plan, then
//! write the offers and tell each agent what appeared or went away.

use std::collections::{HashMap, HashSet};

use chrono::Duration;
use switchboard_domain::routing::{plan_offer, Member, OfferState, QueuePolicy, Strategy, Trigger};
use switchboard_protocol::{event_types, ConversationStatus, RemovedData};
use uuid::Uuid;

use super::{Engine, Result, Unit};
use crate::store::{AgentRow, Relation, StoreResult, ViewRow};

/// How far back `fewest_answered` counts.
const ANSWERED_WINDOW_HOURS: i64 = 24;

impl Unit<'_> {
    /// Make `agent` see the conversation with `relation`, telling them if it is new to them.
    /// An agent who deleted the conversation from their lists keeps it deleted.
    pub(super) fn show_to(
        &mut self,
        conversation: Uuid,
        agent: Uuid,
        relation: Relation,
        archived: bool,
    ) -> StoreResult<()> {
        let known = self.tx.view(conversation, agent)?;
        self.show_view(conversation, agent, known, relation, archived)
    }

    /// [`Unit::show_to`], the agent's view (if any) already read.
    fn show_view(
        &mut self,
        conversation: Uuid,
        agent: Uuid,
        known: Option<ViewRow>,
        relation: Relation,
        archived: bool,
    ) -> StoreResult<()> {
        let mut view =
            known.unwrap_or_else(|| ViewRow::new(conversation, agent, relation, self.now));
        view.relation = relation;
        view.archived = archived;
        view.updated_at = self.now;
        self.tx.upsert_view(&view)?;
        if view.visible() {
            self.emit(
                agent,
                event_types::CONVERSATION_UPSERTED,
                Some(conversation),
                None,
            );
        }
        Ok(())
    }

    /// Take the conversation out of an agent's lists.
    pub(super) fn hide_from(&mut self, mut view: ViewRow, reason: &str) -> StoreResult<()> {
        let was_visible = view.visible();
        view.relation = Relation::Former;
        view.updated_at = self.now;
        self.tx.upsert_view(&view)?;
        if was_visible {
            let data = RemovedData {
                id: view.conversation_id,
                reason: reason.to_string(),
            };
            self.emit(
                view.agent_id,
                event_types::CONVERSATION_REMOVED,
                Some(view.conversation_id),
                Some(serde_json::to_value(data).expect("plain struct")),
            );
        }
        Ok(())
    }

    /// Tell everyone who sees the conversation that it changed.
    pub(super) fn announce(&mut self, conversation: Uuid) -> StoreResult<()> {
        for view in self.tx.views(conversation)? {
            if view.visible() {
                self.emit(
                    view.agent_id,
                    event_types::CONVERSATION_UPSERTED,
                    Some(conversation),
                    None,
                );
            }
        }
        Ok(())
    }

    /// Append the same self-contained event to every agent's log (directory changes).
    pub(super) fn broadcast(
        &mut self,
        kind: &str,
        object_id: Uuid,
        data: serde_json::Value,
    ) -> StoreResult<()> {
        for agent in self.tx.agents()? {
            self.emit(agent.id, kind, Some(object_id), Some(data.clone()));
        }
        Ok(())
    }

    /// Plan and apply the offer of a queued conversation.
    pub(super) fn reoffer(&mut self, conversation: Uuid, trigger: Trigger) -> StoreResult<()> {
        let Some(mut conv) = self.tx.conversation_for_update(conversation)? else {
            return Ok(());
        };
        let Some(queue_id) = conv.queue_id.clone() else {
            return Ok(());
        };
        if conv.status != ConversationStatus::Queued {
            return Ok(());
        }
        if trigger == Trigger::Timeout && conv.offer_expires_at.is_none_or(|at| at > self.now) {
            return Ok(()); // someone re-planned it meanwhile
        }
        let Some(queue) = self.tx.queue(&queue_id)? else {
            return Ok(());
        };
        let policy = QueuePolicy {
            strategy: queue.strategy,
            offer_timeout: Duration::seconds(queue.offer_timeout_s),
            max_chats_per_agent: queue.max_chats_per_agent,
        };
        let logged_in: HashSet<Uuid> = self
            .tx
            .logged_in_among(&queue.members, self.now)?
            .into_iter()
            .collect();
        let since = self.now - Duration::hours(ANSWERED_WINDOW_HOURS);
        // The members and their loads are read for the whole queue at once.
        let mut agents: HashMap<Uuid, AgentRow> = self
            .tx
            .agents_by_id(&queue.members)?
            .into_iter()
            .map(|agent| (agent.id, agent))
            .collect();
        let loads: HashMap<Uuid, u32> = self
            .tx
            .open_owned_counts(&queue.members)?
            .into_iter()
            .collect();
        let mut members = Vec::with_capacity(queue.members.len());
        for id in &queue.members {
            let Some(agent) = agents.remove(id) else {
                continue;
            };
            members.push(Member {
                agent: agent.id,
                // Signed in with a temporary password, the agent can do nothing yet: no offers.
                logged_in: logged_in.contains(&agent.id) && !agent.must_change_password,
                presence: agent.presence,
                open_chats: loads.get(&agent.id).copied().unwrap_or(0),
                last_assigned_at: agent.last_assigned_at,
                answered: if queue.strategy == Strategy::FewestAnswered {
                    self.tx.answered_count(agent.id, &queue.id, since)?
                } else {
                    0
                },
            });
        }
        let views = self.tx.views(conversation)?;
        let offered: Vec<Uuid> = queue
            .members
            .iter()
            .copied()
            .filter(|id| {
                views
                    .iter()
                    .any(|v| v.agent_id == *id && v.relation == Relation::Offered)
            })
            .collect();
        let state = OfferState {
            round: conv.offer_round,
            offered,
            last_round_robin: queue.last_round_robin,
        };
        let plan = plan_offer(&policy, &members, &state, trigger, self.now);

        let added: Vec<Uuid> = plan.added(&state).collect();
        for agent in &added {
            let known = views.iter().find(|v| v.agent_id == *agent).cloned();
            self.show_view(conversation, *agent, known, Relation::Offered, false)?;
        }
        for agent in &plan.withdrawn {
            if let Some(view) = views.iter().find(|v| v.agent_id == *agent) {
                self.hide_from(view.clone(), "offer_moved")?;
            }
        }
        if queue.strategy == Strategy::RoundRobin {
            if let Some(first) = added.first() {
                self.tx.set_last_round_robin(&queue.id, *first)?;
            }
        }
        conv.offer_round = plan.round;
        conv.offer_expires_at = plan.expires_at;
        self.tx.update_conversation(&conv)?;
        Ok(())
    }

    /// The agent's availability or load changed: offer them waiting chats they now qualify for.
    pub(super) fn members_changed(&mut self, agent: Uuid) -> StoreResult<()> {
        for queue in self.tx.queues_of_agent(agent)? {
            for conversation in self.tx.queued_in(&queue.id)? {
                self.reoffer(conversation, Trigger::MembersChanged)?;
            }
        }
        Ok(())
    }
}

impl Engine {
    /// Move on every offer whose time ran out. Returns how many were looked at.
    pub async fn expire_offers(&self) -> Result<usize> {
        self.write(|unit| {
            let due = unit.tx.expired_offers(unit.now, 100)?;
            for conversation in &due {
                unit.reoffer(*conversation, Trigger::Timeout)?;
            }
            Ok(due.len())
        })
        .await
    }

    /// Drop sync events past their retention.
    pub async fn prune_events(&self) -> Result<u64> {
        self.prune_events_before(chrono::Utc::now() - self.settings.event_retention)
            .await
    }

    /// Drop sync events created before `before`; agents behind them get a reset.
    pub async fn prune_events_before(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64> {
        self.write(move |unit| Ok(unit.tx.prune_events(before)?))
            .await
    }
}
