//! Administration of channels (CONTRACT §8): system owners add WhatsApp, Messenger, SMS and
//! live-chat channels, change their route and settings, and disable or enable them. Settings
//! are checked with the configuration file's own rules (`config::channel_from_settings`);
//! secrets are kept for the provider and never answered, so a change that leaves one out keeps
//! the stored value. Every node reads the channels again after each change. The configuration
//! file's channels are read-only (`Clash::Provisioned`).

use std::collections::HashSet;

use serde_json::{json, Map, Value};
use switchboard_protocol::ChannelRequest;
use uuid::Uuid;

use super::admin::{owner, provisioned};
use super::{Clash, Engine, Error, Field, Missing, Result, Unit};
use crate::config::{channel_from_settings, secret_settings, ChannelConfig, RouteConfig};
use crate::store::{ChannelRow, Route};

fn invalid(message: impl Into<String>) -> Error {
    Error::Invalid {
        field: Field::Channel,
        message: message.into(),
    }
}

fn channel_target(id: &str) -> String {
    format!("channel:{id}")
}

/// A channel's settings as the audit log keeps them: secrets only as set.
fn audited(row: &ChannelRow) -> Value {
    let mut settings = row.settings.clone().unwrap_or(Value::Null);
    if let Some(table) = settings.as_object_mut() {
        for name in secret_settings(row.kind) {
            if table.contains_key(*name) {
                table.insert((*name).to_string(), json!({"set": true}));
            }
        }
    }
    let (queue, extension) = match &row.route {
        Route::Queue(q) => (Some(q.as_str()), None),
        Route::Extension(e) => (None, Some(e.as_str())),
    };
    json!({
        "kind": row.kind.as_str(),
        "route_queue": queue,
        "route_extension": extension,
        "enabled": row.enabled,
        "settings": settings,
    })
}

/// The channel with this id, when the app may change it.
fn managed(unit: &mut Unit<'_>, id: &str) -> Result<ChannelRow> {
    let row = unit
        .tx
        .channel(id)?
        .ok_or_else(|| Error::NotFound(Missing::Channel(id.into())))?;
    if row.provisioned {
        return Err(provisioned(&format!("Channel {id}")));
    }
    Ok(row)
}

/// Check the request with the file's rules; the route may name any queue or any agent
/// that is not disabled.
fn checked(
    unit: &mut Unit<'_>,
    id: &str,
    kind: &str,
    request: &ChannelRequest,
    settings: &Map<String, Value>,
) -> Result<ChannelConfig> {
    let queues: HashSet<String> = unit.tx.queues()?.into_iter().map(|q| q.id).collect();
    let extensions: HashSet<String> = unit
        .tx
        .agents()?
        .into_iter()
        .filter(|a| a.disabled_at.is_none())
        .map(|a| a.extension)
        .collect();
    let route = (
        request.route_queue.clone().filter(|q| !q.is_empty()),
        request.route_extension.clone().filter(|e| !e.is_empty()),
    );
    let env = |name: &str| std::env::var(name).ok();
    channel_from_settings(id, kind, route, settings, &queues, &extensions, &env).map_err(
        |problems| {
            let said: Vec<String> = problems
                .iter()
                .map(|p| {
                    // The file's wording, told about this server's queues and agents.
                    let message = p
                        .message
                        .replace("is not declared in [[queues]]", "is not a queue")
                        .replace("is not declared in [[agents]]", "is not an enabled agent");
                    format!("{}: {message}", p.key)
                })
                .collect();
            invalid(said.join("; "))
        },
    )
}

fn row_of(config: &ChannelConfig, settings: Map<String, Value>, enabled: bool) -> ChannelRow {
    ChannelRow {
        id: config.id.clone(),
        kind: config.kind,
        route: match &config.route {
            RouteConfig::Queue(q) => Route::Queue(q.clone()),
            RouteConfig::Extension(e) => Route::Extension(e.clone()),
        },
        settings: Some(Value::Object(settings)),
        enabled,
        provisioned: false,
        human_agent_tag: config.human_agent_tag(),
    }
}

impl Engine {
    /// Every stored channel (for the channel registry of this node).
    pub async fn channel_rows(&self) -> Result<Vec<ChannelRow>> {
        self.read(|unit| Ok(unit.tx.channels()?)).await
    }

    /// Add a channel (system owners).
    pub async fn create_channel(&self, actor: Uuid, request: ChannelRequest) -> Result<ChannelRow> {
        self.write(move |unit| {
            let actor = owner(unit, actor)?;
            let id = request.id.clone().unwrap_or_default();
            let kind = request.kind.clone().unwrap_or_default();
            if kind.is_empty() {
                return Err(invalid(
                    "kind: is missing; use whatsapp, facebook, sms or livechat",
                ));
            }
            let config = checked(unit, &id, &kind, &request, &request.settings)?;
            if unit.tx.channel(&config.id)?.is_some() {
                return Err(Error::Conflict {
                    clash: Clash::ChannelTaken,
                    message: format!(
                        "Another channel already has the id {}; choose another.",
                        config.id
                    ),
                });
            }
            let row = row_of(&config, request.settings.clone(), true);
            unit.tx.upsert_channel(&row)?;
            unit.audit(
                &actor,
                "channel.create",
                channel_target(&row.id),
                None,
                Some(audited(&row)),
            )?;
            unit.channels_changed = true;
            Ok(row)
        })
        .await
    }

    /// Change a channel's route and settings (system owners). A secret left out keeps its
    /// stored value.
    pub async fn update_channel(
        &self,
        actor: Uuid,
        id: String,
        request: ChannelRequest,
    ) -> Result<ChannelRow> {
        self.write(move |unit| {
            let actor = owner(unit, actor)?;
            let before = managed(unit, &id)?;
            if request.id.as_deref().is_some_and(|given| given != id) {
                return Err(invalid("id: a channel's id cannot change; add a new channel instead"));
            }
            if request.kind.as_deref().is_some_and(|given| given != before.kind.as_str()) {
                return Err(invalid(format!(
                    "kind: a channel's kind cannot change (this one is {}); add a new channel instead",
                    before.kind.as_str()
                )));
            }
            let mut settings = request.settings.clone();
            let stored = before.settings.as_ref().and_then(Value::as_object);
            for name in secret_settings(before.kind) {
                let missing = settings.get(*name).is_none_or(|v| v.as_str() == Some(""));
                if let (true, Some(value)) = (missing, stored.and_then(|s| s.get(*name))) {
                    settings.insert((*name).to_string(), value.clone());
                }
            }
            let config = checked(unit, &id, before.kind.as_str(), &request, &settings)?;
            let row = row_of(&config, settings, before.enabled);
            unit.tx.upsert_channel(&row)?;
            unit.audit(
                &actor,
                "channel.update",
                channel_target(&id),
                Some(audited(&before)),
                Some(audited(&row)),
            )?;
            unit.channels_changed = true;
            Ok(row)
        })
        .await
    }

    /// Disable or enable a channel (system owners). A disabled channel sends nothing, and its
    /// webhooks are answered 503 so the provider keeps the customers' messages for later.
    pub async fn set_channel_enabled(
        &self,
        actor: Uuid,
        id: String,
        enabled: bool,
    ) -> Result<ChannelRow> {
        self.write(move |unit| {
            let actor = owner(unit, actor)?;
            let before = managed(unit, &id)?;
            let row = ChannelRow {
                enabled,
                ..before.clone()
            };
            if before.enabled != enabled {
                unit.tx.upsert_channel(&row)?;
                let action = if enabled {
                    "channel.enable"
                } else {
                    "channel.disable"
                };
                unit.audit(
                    &actor,
                    action,
                    channel_target(&id),
                    Some(json!({"enabled": before.enabled})),
                    Some(json!({"enabled": enabled})),
                )?;
                unit.channels_changed = true;
            }
            Ok(row)
        })
        .await
    }

    /// That the caller may see the channels' administration (system owners).
    pub async fn may_administer_channels(&self, actor: Uuid) -> Result<()> {
        self.read(move |unit| owner(unit, actor).map(|_| ())).await
    }
}
