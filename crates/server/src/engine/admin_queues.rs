//! Administration of queues (CONTRACT §8): system owners add, edit and delete any queue;
//! managers and group owners edit the queues they belong to (members in priority order,
//! strategy, offer timeout, chats per agent). A change applies to the chats waiting now: offers
//! to agents no longer members are withdrawn and the new strategy plans the next ones. The
//! configuration file's queues are read-only (`Clash::Provisioned`).

use serde_json::json;
use switchboard_domain::routing::{Strategy, Trigger};
use switchboard_protocol::{AdminQueue, QueueRequest, Role};
use uuid::Uuid;

use super::{Clash, Engine, Error, Field, Missing, Result, Right, Unit};
use crate::config::is_identifier;
use crate::store::{AgentRow, ChannelRow, QueueRow, Relation, Route};

fn invalid(message: impl Into<String>) -> Error {
    Error::Invalid {
        field: Field::Queue,
        message: message.into(),
    }
}

fn queue_target(id: &str) -> String {
    format!("queue:{id}")
}

/// The caller, when they may administer queues at all.
fn queue_admin(unit: &mut Unit<'_>, actor: Uuid) -> Result<AgentRow> {
    match unit.tx.agent(actor)? {
        Some(agent)
            if agent.disabled_at.is_none()
                && matches!(
                    agent.role,
                    Role::SystemOwner | Role::Manager | Role::GroupOwner
                ) =>
        {
            Ok(agent)
        }
        _ => Err(Error::Forbidden(Right::ManageQueues)),
    }
}

/// The queue, when `actor` may change it: system owners any, managers and group owners their
/// own; never one of the configuration file's.
fn changeable(unit: &mut Unit<'_>, actor: &AgentRow, id: &str) -> Result<QueueRow> {
    let queue = unit
        .tx
        .queue(id)?
        .filter(|q| actor.role == Role::SystemOwner || q.members.contains(&actor.id))
        .ok_or_else(|| Error::NotFound(Missing::Queue(id.into())))?;
    if queue.provisioned {
        return Err(super::admin::provisioned(&format!("Queue {}", queue.id)));
    }
    Ok(queue)
}

/// The queue's settings as the audit log keeps them.
fn audited(unit: &mut Unit<'_>, queue: &QueueRow) -> Result<serde_json::Value> {
    Ok(json!({
        "name": queue.name,
        "strategy": queue.strategy.as_str(),
        "agents": extensions(unit, &queue.members)?,
        "offer_timeout_s": queue.offer_timeout_s,
        "max_chats_per_agent": queue.max_chats_per_agent,
    }))
}

fn extensions(unit: &mut Unit<'_>, members: &[Uuid]) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(members.len());
    for id in members {
        if let Some(agent) = unit.tx.agent(*id)? {
            out.push(agent.extension);
        }
    }
    Ok(out)
}

impl Unit<'_> {
    fn admin_queue(&mut self, queue: &QueueRow) -> Result<AdminQueue> {
        Ok(AdminQueue {
            id: queue.id.clone(),
            name: queue.name.clone(),
            strategy: queue.strategy.as_str().to_string(),
            agents: extensions(self, &queue.members)?,
            offer_timeout_s: queue.offer_timeout_s,
            max_chats_per_agent: queue.max_chats_per_agent,
            waiting: self.tx.queued_in(&queue.id)?.len() as u32,
            provisioned: queue.provisioned,
        })
    }

    /// The request applied to `queue`, checked with the configuration file's rules.
    fn apply_request(&mut self, queue: &mut QueueRow, request: &QueueRequest) -> Result<()> {
        if let Some(name) = &request.name {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(invalid(
                    "name: write the queue's name (up to 100 characters)",
                ));
            }
            queue.name = name.to_string();
        }
        if let Some(text) = &request.strategy {
            queue.strategy = Strategy::parse(text).ok_or_else(|| {
                let names: Vec<&str> = Strategy::ALL.iter().map(|s| s.as_str()).collect();
                invalid(format!(
                    "strategy: unknown strategy {text:?}; use one of {}",
                    names.join(", ")
                ))
            })?;
        }
        if let Some(timeout) = request.offer_timeout_s {
            if !(1..=86_400).contains(&timeout) {
                return Err(invalid(
                    "offer_timeout_s: a number of seconds from 1 to 86400",
                ));
            }
            queue.offer_timeout_s = timeout;
        }
        if let Some(limit) = request.max_chats_per_agent {
            queue.max_chats_per_agent = limit;
        }
        if let Some(agents) = &request.agents {
            if agents.is_empty() {
                return Err(invalid(
                    "agents: lists no agents; add their extensions, like [\"101\", \"102\"]",
                ));
            }
            let mut members = Vec::with_capacity(agents.len());
            for (i, extension) in agents.iter().enumerate() {
                let agent = self
                    .tx
                    .agent_by_extension(extension.trim())?
                    .filter(|a| a.disabled_at.is_none())
                    .ok_or_else(|| {
                        invalid(format!("agents[{i}]: no agent has extension {extension:?}"))
                    })?;
                if members.contains(&agent.id) {
                    return Err(invalid(format!(
                        "agents[{i}]: extension {extension:?} is listed twice"
                    )));
                }
                members.push(agent.id);
            }
            queue.members = members;
        }
        Ok(())
    }

    /// The chats waiting in the queue follow its new members and strategy.
    fn replan_waiting(&mut self, queue: &QueueRow) -> Result<()> {
        for conversation in self.tx.queued_in(&queue.id)? {
            for view in self.tx.views(conversation)? {
                if view.relation == Relation::Offered && !queue.members.contains(&view.agent_id) {
                    self.hide_from(view, "offer_moved")?;
                }
            }
            self.reoffer(conversation, Trigger::MembersChanged)?;
        }
        Ok(())
    }
}

impl Engine {
    /// System owners: every queue; managers and group owners: theirs.
    pub async fn admin_queues(&self, actor: Uuid) -> Result<Vec<AdminQueue>> {
        self.read(move |unit| {
            let actor = queue_admin(unit, actor)?;
            let queues = unit.tx.queues()?;
            queues
                .iter()
                .filter(|q| actor.role == Role::SystemOwner || q.members.contains(&actor.id))
                .map(|q| unit.admin_queue(q))
                .collect()
        })
        .await
    }

    /// A new queue (system owners).
    pub async fn create_queue(&self, actor: Uuid, request: QueueRequest) -> Result<AdminQueue> {
        self.write(move |unit| {
            let actor = queue_admin(unit, actor)?;
            if actor.role != Role::SystemOwner {
                return Err(Error::Forbidden(Right::Administer));
            }
            let id = request.id.as_deref().map(str::trim).unwrap_or_default();
            if !is_identifier(id) {
                return Err(invalid(format!(
                    "id: {id:?} may use only letters, digits, - and _"
                )));
            }
            if unit.tx.queue(id)?.is_some() {
                return Err(Error::Conflict {
                    clash: Clash::QueueTaken,
                    message: format!("Another queue already has the id {id}; choose another."),
                });
            }
            if request.agents.is_none() {
                return Err(invalid(
                    "agents: list the members' extensions, like [\"101\", \"102\"]",
                ));
            }
            let mut queue = QueueRow {
                id: id.to_string(),
                name: id.to_string(),
                strategy: Strategy::RingAll,
                offer_timeout_s: 30,
                max_chats_per_agent: 0,
                members: Vec::new(),
                last_round_robin: None,
                provisioned: false,
            };
            unit.apply_request(&mut queue, &request)?;
            unit.tx.upsert_queue(&queue)?;
            let after = audited(unit, &queue)?;
            unit.audit(
                &actor,
                "queue.create",
                queue_target(&queue.id),
                None,
                Some(after),
            )?;
            unit.admin_queue(&queue)
        })
        .await
    }

    /// Change a queue; the chats waiting in it follow at once.
    pub async fn update_queue(
        &self,
        actor: Uuid,
        id: String,
        request: QueueRequest,
    ) -> Result<AdminQueue> {
        if request.id.as_deref().is_some_and(|new| new.trim() != id) {
            return Err(invalid("id: a queue keeps its id; add a new queue instead"));
        }
        self.write(move |unit| {
            let actor = queue_admin(unit, actor)?;
            let before = changeable(unit, &actor, &id)?;
            let mut after = before.clone();
            unit.apply_request(&mut after, &request)?;
            unit.tx.upsert_queue(&after)?;
            unit.replan_waiting(&after)?;
            let (old, new) = (audited(unit, &before)?, audited(unit, &after)?);
            unit.audit(
                &actor,
                "queue.update",
                queue_target(&id),
                Some(old),
                Some(new),
            )?;
            unit.admin_queue(&after)
        })
        .await
    }

    /// Delete a queue (system owners). Chats waiting in it, and the channels made in the app
    /// that route to it, move to `move_to`; a queue the configuration file's channels route to
    /// cannot go (the file rules them).
    pub async fn delete_queue(
        &self,
        actor: Uuid,
        id: String,
        move_to: Option<String>,
    ) -> Result<()> {
        self.write(move |unit| {
            let actor = queue_admin(unit, actor)?;
            if actor.role != Role::SystemOwner {
                return Err(Error::Forbidden(Right::Administer));
            }
            let queue = changeable(unit, &actor, &id)?;
            let mut channels = Vec::new();
            for channel in unit.tx.channels_routed_to(&id)? {
                channels.extend(unit.tx.channel(&channel)?);
            }
            let filed: Vec<&str> = channels
                .iter()
                .filter(|c| c.provisioned)
                .map(|c| c.id.as_str())
                .collect();
            // The file validates routes against its own queues, which the app cannot delete:
            // kept as a guard should that ever change.
            if !filed.is_empty() {
                return Err(Error::Conflict {
                    clash: Clash::QueueInUse,
                    message: format!(
                        "Channels {} of the configuration file send their chats to queue {id}: route them elsewhere in the file first.",
                        filed.join(", ")
                    ),
                });
            }
            let waiting = unit.tx.queued_in(&id)?;
            let target = match move_to.as_deref().map(str::trim) {
                Some(to) if to == id => {
                    return Err(invalid(
                        "move_to: choose another queue than the one deleted",
                    ))
                }
                Some(to) => Some(
                    unit.tx
                        .queue(to)?
                        .ok_or_else(|| Error::NotFound(Missing::Queue(to.into())))?,
                ),
                None => None,
            };
            if !waiting.is_empty() && target.is_none() {
                return Err(Error::Conflict {
                    clash: Clash::QueueInUse,
                    message: format!(
                        "{} chats wait in queue {id}: say which queue they move to (move_to).",
                        waiting.len()
                    ),
                });
            }
            if !channels.is_empty() && target.is_none() {
                let ids: Vec<&str> = channels.iter().map(|c| c.id.as_str()).collect();
                return Err(Error::Conflict {
                    clash: Clash::QueueInUse,
                    message: format!(
                        "Channels {} send their chats to queue {id}: say which queue they go to instead (move_to).",
                        ids.join(", ")
                    ),
                });
            }
            if let Some(target) = &target {
                for channel in &channels {
                    let moved = ChannelRow {
                        route: Route::Queue(target.id.clone()),
                        ..channel.clone()
                    };
                    unit.tx.upsert_channel(&moved)?;
                    unit.audit(
                        &actor,
                        "channel.update",
                        format!("channel:{}", channel.id),
                        Some(json!({"route_queue": id})),
                        Some(json!({"route_queue": target.id})),
                    )?;
                    unit.channels_changed = true;
                }
            }
            if let Some(target) = &target {
                for conversation in &waiting {
                    let Some(mut conv) = unit.tx.conversation_for_update(*conversation)? else {
                        continue;
                    };
                    for view in unit.tx.views(*conversation)? {
                        if view.relation == Relation::Offered {
                            unit.hide_from(view, "offer_moved")?;
                        }
                    }
                    conv.queue_id = Some(target.id.clone());
                    conv.offer_round = 0;
                    conv.offer_expires_at = None;
                    conv.updated_at = unit.now;
                    unit.tx.update_conversation(&conv)?;
                    unit.reoffer(*conversation, Trigger::New)?;
                }
            }
            let before = audited(unit, &queue)?;
            unit.tx.delete_queue(&id)?;
            unit.audit(
                &actor,
                "queue.delete",
                queue_target(&id),
                Some(before),
                Some(json!({
                    "moved_to": target.map(|t| t.id),
                    "chats": waiting.len(),
                    "channels": channels.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
                })),
            )?;
            Ok(())
        })
        .await
    }
}
