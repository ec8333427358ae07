//! Administration of agents (CONTRACT §8): list, add, edit, disable and enable them, set a
//! temporary password; every change in the audit log, with the values before and after.
//!
//! Only system owners may. Agents declared in the configuration file are the file's: changing
//! one answers [`Clash::Provisioned`]. A change takes effect at once on every node: sessions end
//! in the same transaction, and the agent's streams (on any node) are woken to see it.

use serde_json::json;
use switchboard_domain::routing::Trigger;
use switchboard_protocol::{
    event_types, AdminAgent, AgentRequest, AuditEntry, AuditPage, ConversationStatus, Presence,
    Role, SecretState,
};
use uuid::Uuid;

use super::present::agent_dto;
use super::{Clash, Engine, Error, Field, Missing, Result, Right, Unit};
use crate::auth;
use crate::config::{email_problem, extension_problem};
use crate::store::{AgentRow, AuditFilter, AuditRow, Relation, StoreError};

/// The shortest password an administrator may set.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The most audit entries one page holds.
pub const MAX_AUDIT_PAGE: u32 = 500;

fn invalid(message: impl Into<String>) -> Error {
    Error::Invalid {
        field: Field::Agent,
        message: message.into(),
    }
}

/// The caller, when a system owner.
pub(super) fn owner(unit: &mut Unit<'_>, actor: Uuid) -> Result<AgentRow> {
    match unit.tx.agent(actor)? {
        Some(agent) if agent.role == Role::SystemOwner && agent.disabled_at.is_none() => Ok(agent),
        _ => Err(Error::Forbidden(Right::Administer)),
    }
}

/// The agent with this extension, when the app may change it.
fn managed(unit: &mut Unit<'_>, extension: &str) -> Result<AgentRow> {
    let agent = unit
        .tx
        .agent_by_extension(extension)?
        .ok_or_else(|| Error::NotFound(Missing::Extension(extension.into())))?;
    if agent.provisioned {
        return Err(provisioned(&format!("Agent {}", agent.extension)));
    }
    Ok(agent)
}

/// `what` (an agent, a queue) is the configuration file's: 409, saying where to change it.
pub(super) fn provisioned(what: &str) -> Error {
    Error::Conflict {
        clash: Clash::Provisioned,
        message: format!(
            "{what} is managed by the configuration file: change it there (and restart), or take it out of the file to manage it here."
        ),
    }
}

fn password_problem(password: &str) -> Option<String> {
    (password.chars().count() < MIN_PASSWORD_CHARS)
        .then(|| format!("password: at least {MIN_PASSWORD_CHARS} characters"))
}

fn agent_target(agent: &AgentRow) -> String {
    format!("agent:{}", agent.extension)
}

/// What the audit log keeps of an agent: everything but secrets.
fn audited(agent: &AgentRow) -> serde_json::Value {
    json!({
        "extension": agent.extension,
        "name": agent.name,
        "email": agent.email,
        "role": agent.role.as_str(),
        "disabled": agent.disabled_at.is_some(),
        "password": {"set": true},
    })
}

impl Unit<'_> {
    pub(super) fn audit(
        &mut self,
        actor: &AgentRow,
        action: &str,
        target: String,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<()> {
        self.tx.insert_audit(&AuditRow {
            id: Uuid::now_v7(),
            at: self.now,
            actor_id: Some(actor.id),
            action: action.into(),
            target,
            before_value: before,
            after_value: after,
        })?;
        Ok(())
    }

    /// Every agent's directory (the Transfer list, the queues' members) learns of a colleague
    /// added, changed, enabled (`agent.upserted`) or disabled (`agent.removed`), on every node.
    fn tell_colleagues(&mut self, agent: &AgentRow) -> Result<()> {
        let (kind, data) = match agent.disabled_at {
            None => (
                event_types::AGENT_UPSERTED,
                serde_json::to_value(agent_dto(agent)).expect("plain struct"),
            ),
            Some(_) => (event_types::AGENT_REMOVED, json!({"id": agent.id})),
        };
        for other in self.tx.agents()? {
            if other.disabled_at.is_none() {
                self.emit(other.id, kind, Some(agent.id), Some(data.clone()));
            }
        }
        Ok(())
    }

    /// Sign the agent out everywhere: sessions end now, and their streams on every node look
    /// again (and close).
    fn sign_out_everywhere(&mut self, agent: Uuid) -> Result<()> {
        self.tx.revoke_agent_sessions(agent, self.now)?;
        self.touch(agent);
        Ok(())
    }

    /// The chats a disabled agent owns go to `to`, or back to their queue.
    fn hand_over_chats(&mut self, agent: &AgentRow, to: Option<&AgentRow>) -> Result<()> {
        for id in self.tx.open_owned(agent.id)? {
            let Some(mut conv) = self.tx.conversation_for_update(id)? else {
                continue;
            };
            if let Some(view) = self.tx.view(id, agent.id)? {
                self.hide_from(view, "agent_disabled")?;
            }
            conv.updated_at = self.now;
            match to {
                Some(colleague) => {
                    conv.owner_id = Some(colleague.id);
                    self.tx.update_conversation(&conv)?;
                    self.tx.set_last_assigned(colleague.id, self.now)?;
                    self.show_to(id, colleague.id, Relation::Owner, false)?;
                }
                None => {
                    conv.owner_id = None;
                    conv.status = ConversationStatus::Queued;
                    conv.offer_round = 0;
                    conv.offer_expires_at = None;
                    self.tx.update_conversation(&conv)?;
                    self.reoffer(id, Trigger::New)?;
                }
            }
        }
        // Offers made to the agent are withdrawn; whoever else qualifies keeps or gets them.
        for queue in self.tx.queues_of_agent(agent.id)? {
            for conversation in self.tx.queued_in(&queue.id)? {
                if let Some(view) = self
                    .tx
                    .view(conversation, agent.id)?
                    .filter(|v| v.relation == Relation::Offered)
                {
                    self.hide_from(view, "agent_disabled")?;
                }
                self.reoffer(conversation, Trigger::MembersChanged)?;
            }
        }
        Ok(())
    }

    fn admin_agent(&mut self, agent: &AgentRow) -> Result<AdminAgent> {
        let mut queues: Vec<(String, String)> = self
            .tx
            .queues_of_agent(agent.id)?
            .into_iter()
            .map(|q| (q.name, q.id))
            .collect();
        queues.sort();
        Ok(AdminAgent {
            id: agent.id,
            extension: agent.extension.clone(),
            name: agent.name.clone(),
            email: agent.email.clone(),
            role: agent.role,
            queues: queues.into_iter().map(|(_, id)| id).collect(),
            disabled: agent.disabled_at.is_some(),
            provisioned: agent.provisioned,
            must_change_password: agent.must_change_password,
            password: SecretState { set: true },
        })
    }

    /// Another agent already has this extension or e-mail: 409.
    fn check_free(&mut self, id: Uuid, extension: &str, email: Option<&str>) -> Result<()> {
        let taken = |what: &str| Error::Conflict {
            clash: Clash::AgentTaken,
            message: format!("Another agent already has {what}; choose another."),
        };
        if self
            .tx
            .agent_by_extension(extension)?
            .is_some_and(|other| other.id != id)
        {
            return Err(taken(&format!("extension {extension}")));
        }
        if let Some(email) = email {
            if self
                .tx
                .agent_by_login(email)?
                .is_some_and(|other| other.id != id)
            {
                return Err(taken(&format!("the e-mail {email}")));
            }
        }
        Ok(())
    }
}

/// The fields of a request, checked with the configuration file's rules; `None` leaves a field
/// as it is.
struct Checked {
    extension: Option<String>,
    name: Option<String>,
    /// `Some(None)`: remove the e-mail.
    email: Option<Option<String>>,
    role: Option<Role>,
    password: Option<String>,
}

fn check(request: AgentRequest) -> Result<Checked> {
    let extension = request.extension.map(|e| e.trim().to_string());
    if let Some(problem) = extension.as_deref().and_then(extension_problem) {
        return Err(invalid(format!("extension: {problem}")));
    }
    let name = request.name.map(|n| n.trim().to_string());
    if name
        .as_deref()
        .is_some_and(|n| n.is_empty() || n.chars().count() > 100)
    {
        return Err(invalid(
            "name: write the agent's name (up to 100 characters)",
        ));
    }
    let email = request.email.map(|e| {
        let e = e.trim().to_lowercase();
        (!e.is_empty()).then_some(e)
    });
    if let Some(problem) = email
        .as_ref()
        .and_then(|e| e.as_deref())
        .and_then(email_problem)
    {
        return Err(invalid(format!("email: {problem}")));
    }
    if let Some(problem) = request.password.as_deref().and_then(password_problem) {
        return Err(invalid(problem));
    }
    Ok(Checked {
        extension,
        name,
        email,
        role: request.role,
        password: request.password,
    })
}

impl Engine {
    /// Every agent, by extension.
    pub async fn admin_agents(&self, actor: Uuid) -> Result<Vec<AdminAgent>> {
        self.read(move |unit| {
            owner(unit, actor)?;
            let mut agents = unit.tx.agents()?;
            agents.sort_by(|a, b| a.extension.cmp(&b.extension));
            agents.iter().map(|a| unit.admin_agent(a)).collect()
        })
        .await
    }

    /// Add an agent; the password given is temporary.
    pub async fn create_agent(&self, actor: Uuid, request: AgentRequest) -> Result<AdminAgent> {
        let fields = check(request)?;
        let (Some(extension), Some(name), Some(password)) =
            (fields.extension, fields.name, fields.password)
        else {
            return Err(invalid(
                "extension, name and password are needed to add an agent",
            ));
        };
        let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password)).await?;
        self.write(move |unit| {
            let actor = owner(unit, actor)?;
            let email = fields.email.clone().flatten();
            unit.check_free(Uuid::nil(), &extension, email.as_deref())?;
            let row = AgentRow {
                id: Uuid::now_v7(),
                extension: extension.clone(),
                name: name.clone(),
                email,
                role: fields.role.unwrap_or(Role::Agent),
                password_hash: hash.clone(),
                presence: Presence::Available,
                last_assigned_at: None,
                disabled_at: None,
                provisioned: false,
                must_change_password: true,
            };
            let stored = unit.tx.upsert_agent(&row).map_err(taken)?;
            unit.audit(
                &actor,
                "agent.create",
                agent_target(&stored),
                None,
                Some(audited(&stored)),
            )?;
            unit.tell_colleagues(&stored)?;
            unit.admin_agent(&stored)
        })
        .await
    }

    /// Change an agent's extension, name, e-mail or role.
    pub async fn update_agent(
        &self,
        actor: Uuid,
        extension: String,
        request: AgentRequest,
    ) -> Result<AdminAgent> {
        if request.password.is_some() {
            return Err(invalid(
                "password: set a temporary password with POST /api/v1/admin/agents/{extension}/password",
            ));
        }
        let fields = check(request)?;
        self.write(move |unit| {
            let actor = owner(unit, actor)?;
            let before = managed(unit, &extension)?;
            let mut after = before.clone();
            if let Some(extension) = &fields.extension {
                after.extension = extension.clone();
            }
            if let Some(name) = &fields.name {
                after.name = name.clone();
            }
            if let Some(email) = &fields.email {
                after.email = email.clone();
            }
            if let Some(role) = fields.role {
                if actor.id == before.id && role != Role::SystemOwner {
                    return Err(invalid(
                        "role: you cannot take the system owner's role from yourself; ask another system owner",
                    ));
                }
                after.role = role;
            }
            unit.check_free(before.id, &after.extension, after.email.as_deref())?;
            if after.extension != before.extension {
                // The upsert keys on the extension: move the row to its new one first.
                unit.tx.rename_agent(before.id, &after.extension)?;
            }
            let stored = unit.tx.upsert_agent(&after).map_err(taken)?;
            unit.audit(&actor, "agent.update", agent_target(&stored),
                Some(audited(&before)),
                Some(audited(&stored)),
            )?;
            // Colleagues' directories show the new name or extension.
            unit.touch(stored.id);
            unit.tell_colleagues(&stored)?;
            unit.admin_agent(&stored)
        })
        .await
    }

    /// Disable an agent: signed out everywhere at once, out of every offer, their chats handed to
    /// `transfer_to` or back to their queues.
    pub async fn disable_agent(
        &self,
        actor: Uuid,
        extension: String,
        transfer_to: Option<String>,
    ) -> Result<AdminAgent> {
        self.write(move |unit| {
            let actor = owner(unit, actor)?;
            let before = managed(unit, &extension)?;
            if before.id == actor.id {
                return Err(invalid("You cannot disable yourself; ask another system owner."));
            }
            let colleague = match transfer_to.as_deref().map(str::trim) {
                Some(to) => {
                    let colleague = unit
                        .tx
                        .agent_by_extension(to)?
                        .filter(|c| c.disabled_at.is_none() && c.id != before.id)
                        .ok_or_else(|| Error::NotFound(Missing::Extension(to.into())))?;
                    Some(colleague)
                }
                None => None,
            };
            if before.disabled_at.is_some() {
                return unit.admin_agent(&before);
            }
            if colleague.is_none() {
                // A chat that came straight to the agent has no queue to go back to.
                for id in unit.tx.open_owned(before.id)? {
                    let queued = unit.tx.conversation(id)?.is_some_and(|c| c.queue_id.is_some());
                    if !queued {
                        return Err(invalid(format!(
                            "transfer_to: {} owns chats that came to them directly, not through a queue; choose a colleague to hand them to",
                            before.name
                        )));
                    }
                }
            }
            unit.tx.set_agent_disabled(before.id, Some(unit.now))?;
            unit.sign_out_everywhere(before.id)?;
            let mut after = before.clone();
            after.disabled_at = Some(unit.now);
            unit.hand_over_chats(&after, colleague.as_ref())?;
            unit.audit(&actor, "agent.disable", agent_target(&after),
                Some(audited(&before)),
                Some(json!({
                    "disabled": true,
                    "chats_to": colleague.as_ref().map_or("queue".to_string(), |c| format!("agent:{}", c.extension)),
                })),
            )?;
            unit.tell_colleagues(&after)?;
            unit.admin_agent(&after)
        })
        .await
    }

    /// Let a disabled agent sign in again.
    pub async fn enable_agent(&self, actor: Uuid, extension: String) -> Result<AdminAgent> {
        self.write(move |unit| {
            let actor = owner(unit, actor)?;
            let before = managed(unit, &extension)?;
            if before.disabled_at.is_none() {
                return unit.admin_agent(&before);
            }
            unit.tx.set_agent_disabled(before.id, None)?;
            let mut after = before.clone();
            after.disabled_at = None;
            unit.audit(
                &actor,
                "agent.enable",
                agent_target(&after),
                Some(audited(&before)),
                Some(audited(&after)),
            )?;
            unit.tell_colleagues(&after)?;
            unit.admin_agent(&after)
        })
        .await
    }

    /// Set a temporary password: the agent's sessions end, and the next sign-in must choose a
    /// new one.
    pub async fn set_temporary_password(
        &self,
        actor: Uuid,
        extension: String,
        password: String,
    ) -> Result<AdminAgent> {
        if let Some(problem) = password_problem(&password) {
            return Err(invalid(problem));
        }
        let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password)).await?;
        self.write(move |unit| {
            let actor = owner(unit, actor)?;
            let before = managed(unit, &extension)?;
            let after = AgentRow {
                password_hash: hash.clone(),
                must_change_password: true,
                ..before.clone()
            };
            unit.tx.upsert_agent(&after)?;
            unit.sign_out_everywhere(after.id)?;
            unit.audit(
                &actor,
                "agent.password",
                agent_target(&after),
                None,
                Some(json!({"password": {"set": true}, "temporary": true})),
            )?;
            unit.admin_agent(&after)
        })
        .await
    }

    /// The agent chooses a new password (the current one required); their other sessions end,
    /// and a temporary password stops being one.
    pub async fn change_own_password(
        &self,
        agent: Uuid,
        token: &str,
        current: String,
        new: String,
    ) -> Result<()> {
        let wrong = |message: String| Error::Invalid {
            field: Field::Password,
            message,
        };
        if let Some(problem) = password_problem(&new) {
            return Err(wrong(format!("new_{problem}")));
        }
        let row = self
            .read(move |unit| unit.tx.agent(agent)?.ok_or(Error::SignedOut))
            .await?;
        if row.provisioned {
            return Err(Error::Conflict {
                clash: Clash::Provisioned,
                message: "Your password is set in the server's configuration file; ask an administrator to change it there.".into(),
            });
        }
        let stored = row.password_hash.clone();
        let (matches, hash) = tokio::task::spawn_blocking(move || {
            (
                auth::verify_password(&current, &stored),
                auth::hash_password(&new),
            )
        })
        .await?;
        if !matches {
            return Err(wrong(
                "current_password: that is not your current password".into(),
            ));
        }
        let keep = auth::token_hash(token);
        self.write(move |unit| {
            let before = unit.tx.agent(agent)?.ok_or(Error::SignedOut)?;
            let was_temporary = before.must_change_password;
            let after = AgentRow {
                password_hash: hash.clone(),
                must_change_password: false,
                ..before
            };
            unit.tx.upsert_agent(&after)?;
            if unit.tx.revoke_other_sessions(agent, &keep, unit.now)? > 0 {
                unit.touch(agent);
            }
            // Off the temporary password, the agent may be offered waiting chats now.
            if was_temporary {
                unit.members_changed(agent)?;
            }
            unit.audit(
                &after,
                "agent.password",
                agent_target(&after),
                None,
                Some(json!({"password": {"set": true}, "temporary": false})),
            )?;
            Ok(())
        })
        .await
    }

    /// The audit log, newest first, `limit` at a time; `after` is the previous page's `next`.
    /// `filter` keeps entries whose action starts with `action`, about `target`, made by the
    /// agent with extension `actor`.
    pub async fn audit(
        &self,
        actor: Uuid,
        filter: AuditQuery,
        after: Option<String>,
        limit: u32,
    ) -> Result<AuditPage> {
        let before = match after.as_deref() {
            None => None,
            Some(text) => Some(text.parse::<Uuid>().map_err(|_| Error::Invalid {
                field: Field::Before,
                message: format!("after: {text:?} is not the `next` of an audit page"),
            })?),
        };
        let limit = limit.clamp(1, MAX_AUDIT_PAGE);
        let blank = |text: Option<String>| text.filter(|t| !t.trim().is_empty());
        self.read(move |unit| {
            owner(unit, actor)?;
            let by = match blank(filter.actor.clone()) {
                None => None,
                Some(extension) => Some(
                    unit.tx
                        .agent_by_extension(extension.trim())?
                        .ok_or_else(|| Error::NotFound(Missing::Extension(extension)))?
                        .id,
                ),
            };
            let filter = AuditFilter {
                action: blank(filter.action.clone()),
                target: blank(filter.target.clone()),
                actor: by,
            };
            let rows = unit.tx.audit_entries(&filter, before, limit)?;
            let next = (rows.len() == limit as usize)
                .then(|| rows.last().map(|r| r.id.to_string()))
                .flatten();
            let mut entries = Vec::with_capacity(rows.len());
            for row in rows {
                let actor = match row.actor_id {
                    Some(id) => unit
                        .tx
                        .agent(id)?
                        .map(|a| format!("{} ({})", a.name, a.extension)),
                    None => None,
                };
                entries.push(AuditEntry {
                    id: row.id,
                    at: row.at,
                    actor,
                    action: row.action,
                    target: row.target,
                    before: row.before_value,
                    after: row.after_value,
                });
            }
            Ok(AuditPage { entries, next })
        })
        .await
    }
}

/// The filter of `GET /admin/audit`, as asked.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub target: Option<String>,
    /// An extension.
    pub actor: Option<String>,
}

/// An e-mail taken between the check and the write (another node): 409 like the check's.
fn taken(error: StoreError) -> Error {
    match error {
        StoreError::Duplicate { .. } => Error::Conflict {
            clash: Clash::AgentTaken,
            message: "Another agent already has that extension or e-mail; choose another.".into(),
        },
        other => other.into(),
    }
}
