//! Log-in, log-out, the signed-in agent, presence and the colleague directory.

use std::sync::OnceLock;

use switchboard_protocol::{
    event_types, Agent, LoginResponse, Presence, PresenceData, QueueSummary,
};
use uuid::Uuid;

use switchboard_domain::text::fold;

use super::present::agent_dto;
use super::{Engine, Error, Result};
use crate::auth;
use crate::store::{AgentRow, SessionRow};

/// Verified against when the login names nobody, so both cases take the same time.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| auth::hash_password("switchboard-timing-equaliser"))
}

impl Engine {
    /// Check a password and open a session.
    pub async fn login(&self, login: String, password: String) -> Result<LoginResponse> {
        let login = login.trim().to_string();
        let lookup = login.clone();
        let agent = self
            .read(move |unit| Ok(unit.tx.agent_by_login(&lookup)?))
            .await?;
        let hash = agent
            .as_ref()
            .map(|a| a.password_hash.clone())
            .unwrap_or_else(|| dummy_hash().to_string());
        let matches =
            tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash)).await?;
        let agent = match (agent, matches) {
            // A disabled agent is told no more than a wrong password would tell.
            (Some(agent), true) if agent.disabled_at.is_none() => agent,
            // Not the name typed: people type passwords into the wrong field.
            _ => {
                tracing::info!("sign-in refused: wrong login or password");
                return Err(Error::WrongCredentials);
            }
        };
        let token = auth::new_token();
        let session = SessionRow {
            token_hash: auth::token_hash(&token),
            agent_id: agent.id,
            created_at: chrono::Utc::now(),
            expires_at: chrono::Utc::now() + self.settings.session_ttl,
        };
        let agent_id = agent.id;
        self.write(move |unit| {
            unit.tx.insert_session(&session)?;
            // Being logged in can make the agent eligible for waiting chats.
            unit.members_changed(agent_id)?;
            Ok(())
        })
        .await?;
        tracing::info!(agent = %agent.extension, "signed in");
        Ok(LoginResponse {
            token,
            must_change_password: agent.must_change_password,
            agent: agent_dto(&agent),
        })
    }

    /// Revoke the session of this token.
    pub async fn logout(&self, token: &str) -> Result<()> {
        let hash = auth::token_hash(token);
        self.write(move |unit| {
            let agent = unit.tx.session(&hash)?.map(|s| s.agent_id);
            if unit.tx.revoke_session(&hash, unit.now)? {
                // Its open streams look again, on every node, and close.
                if let Some(agent) = agent {
                    unit.touch(agent);
                }
            }
            Ok(())
        })
        .await
    }

    /// The agent a bearer token belongs to, if the session is live.
    pub async fn authenticate(&self, token: &str) -> Result<AgentRow> {
        let hash = auth::token_hash(token);
        self.read(move |unit| {
            unit.tx
                .session_agent(&hash, unit.now)?
                .ok_or(Error::SignedOut)
        })
        .await
    }

    /// When the session of this token ends unless it is revoked first.
    pub async fn session_ends_at(&self, token: &str) -> Result<chrono::DateTime<chrono::Utc>> {
        let hash = auth::token_hash(token);
        self.read(move |unit| {
            let session = unit.tx.session(&hash)?.ok_or(Error::SignedOut)?;
            Ok(session.expires_at)
        })
        .await
    }

    /// Delete sessions that ended (expired or revoked) more than a day ago; how many.
    pub async fn prune_sessions(&self) -> Result<u64> {
        self.write(|unit| {
            Ok(unit
                .tx
                .prune_sessions(unit.now - chrono::Duration::days(1))?)
        })
        .await
    }

    /// Is any agent signed in? (The widget shows the offline text otherwise.)
    pub async fn agents_online(&self) -> Result<bool> {
        self.read(|unit| Ok(!unit.tx.logged_in_agents(unit.now)?.is_empty()))
            .await
    }

    pub async fn me(&self, agent: Uuid) -> Result<Agent> {
        self.read(move |unit| {
            let row = unit.tx.agent(agent)?.ok_or(Error::SignedOut)?;
            Ok(agent_dto(&row))
        })
        .await
    }

    /// The queues I am a member of, by name.
    pub async fn my_queues(&self, agent: Uuid) -> Result<Vec<QueueSummary>> {
        self.read(move |unit| {
            let mut queues: Vec<QueueSummary> = unit
                .tx
                .queues_of_agent(agent)?
                .into_iter()
                .map(|q| QueueSummary {
                    id: q.id,
                    name: q.name,
                })
                .collect();
            queues.sort_by(|a, b| {
                (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id))
            });
            Ok(queues)
        })
        .await
    }

    /// Change presence; every agent sees it, and becoming available may bring offers.
    pub async fn set_presence(&self, agent: Uuid, presence: Presence) -> Result<Agent> {
        self.write(move |unit| {
            let mut row = unit.tx.agent(agent)?.ok_or(Error::SignedOut)?;
            if row.presence != presence {
                unit.tx.set_presence(agent, presence)?;
                row.presence = presence;
                let data = serde_json::to_value(PresenceData {
                    agent_id: agent,
                    extension: row.extension.clone(),
                    presence,
                })
                .expect("plain struct");
                for other in unit.tx.agents()? {
                    unit.emit(
                        other.id,
                        event_types::AGENT_PRESENCE,
                        Some(agent),
                        Some(data.clone()),
                    );
                }
                if presence == Presence::Available {
                    unit.members_changed(agent)?;
                }
            }
            Ok(agent_dto(&row))
        })
        .await
    }

    /// Colleagues whose name or extension contains `q` (case- and accent-insensitive), or all.
    pub async fn search_agents(&self, q: Option<String>) -> Result<Vec<Agent>> {
        let needle = q.map(|q| fold(q.trim())).filter(|q| !q.is_empty());
        self.read(move |unit| {
            let agents = unit.tx.agents()?;
            Ok(agents
                .iter()
                .filter(|a| a.disabled_at.is_none())
                .filter(|a| match &needle {
                    None => true,
                    Some(n) => {
                        fold(&a.name).contains(n.as_str()) || a.extension.contains(n.as_str())
                    }
                })
                .map(agent_dto)
                .collect())
        })
        .await
    }
}
