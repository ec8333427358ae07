//! The administration API (CONTRACT §8, under `/api/v1/admin`): agents and the audit log.
//! Handlers are thin; the engine checks the caller's role and the rules.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use switchboard_protocol::{
    AdminAgent, AdminAgentList, AdminChannel, AdminChannelList, AdminQueue, AdminQueueList,
    AgentRequest, AuditPage, ChangePasswordRequest, ChannelCheck, ChannelRequest, ConsoleValue,
    DeleteQueueRequest, DisableAgentRequest, ErrorCode, PasswordRequest, QueueRequest,
};

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, CurrentAgent};
use super::AppState;
use crate::engine::Missing;

pub(super) async fn agents(
    State(state): State<AppState>,
    me: CurrentAgent,
) -> ApiResult<Json<AdminAgentList>> {
    Ok(Json(AdminAgentList {
        agents: state.engine.admin_agents(me.id()).await?,
    }))
}

pub(super) async fn create_agent(
    State(state): State<AppState>,
    me: CurrentAgent,
    ApiJson(request): ApiJson<AgentRequest>,
) -> ApiResult<Json<AdminAgent>> {
    Ok(Json(state.engine.create_agent(me.id(), request).await?))
}

pub(super) async fn update_agent(
    State(state): State<AppState>,
    me: CurrentAgent,
    Path(extension): Path<String>,
    ApiJson(request): ApiJson<AgentRequest>,
) -> ApiResult<Json<AdminAgent>> {
    Ok(Json(
        state
            .engine
            .update_agent(me.id(), extension, request)
            .await?,
    ))
}

/// The body is optional (`{"transfer_to": "102"}`); without it the chats go back to their
/// queues.
pub(super) async fn disable_agent(
    State(state): State<AppState>,
    me: CurrentAgent,
    Path(extension): Path<String>,
    body: Bytes,
) -> ApiResult<Json<AdminAgent>> {
    let request: DisableAgentRequest = optional_json(&body, r#"{"transfer_to": "102"}"#)?;
    Ok(Json(
        state
            .engine
            .disable_agent(me.id(), extension, request.transfer_to)
            .await?,
    ))
}

pub(super) async fn enable_agent(
    State(state): State<AppState>,
    me: CurrentAgent,
    Path(extension): Path<String>,
) -> ApiResult<Json<AdminAgent>> {
    Ok(Json(state.engine.enable_agent(me.id(), extension).await?))
}

pub(super) async fn set_password(
    State(state): State<AppState>,
    me: CurrentAgent,
    Path(extension): Path<String>,
    ApiJson(request): ApiJson<PasswordRequest>,
) -> ApiResult<Json<AdminAgent>> {
    Ok(Json(
        state
            .engine
            .set_temporary_password(me.id(), extension, request.password)
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
pub(super) struct AuditQuery {
    after: Option<String>,
    limit: Option<u32>,
    action: Option<String>,
    target: Option<String>,
    actor: Option<String>,
}

pub(super) async fn audit(
    State(state): State<AppState>,
    me: CurrentAgent,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    Ok(Json(
        state
            .engine
            .audit(
                me.id(),
                crate::engine::AuditQuery {
                    action: query.action,
                    target: query.target,
                    actor: query.actor,
                },
                query.after,
                query.limit.unwrap_or(100),
            )
            .await?,
    ))
}

/// `PUT /me/password`: any agent, their own password.
pub(super) async fn change_own_password(
    State(state): State<AppState>,
    me: CurrentAgent,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    state
        .engine
        .change_own_password(
            me.id(),
            &me.token,
            request.current_password,
            request.new_password,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An optional JSON body: empty means the defaults.
fn optional_json<T: Default + serde::de::DeserializeOwned>(
    body: &Bytes,
    example: &str,
) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|error| {
        ApiError::bad_request(
            ErrorCode::InvalidJson,
            format!("The request body is not valid: {error} (send {{}} or {example})"),
        )
    })
}

pub(super) async fn queues(
    State(state): State<AppState>,
    me: CurrentAgent,
) -> ApiResult<Json<AdminQueueList>> {
    Ok(Json(AdminQueueList {
        queues: state.engine.admin_queues(me.id()).await?,
    }))
}

pub(super) async fn create_queue(
    State(state): State<AppState>,
    me: CurrentAgent,
    ApiJson(request): ApiJson<QueueRequest>,
) -> ApiResult<Json<AdminQueue>> {
    Ok(Json(state.engine.create_queue(me.id(), request).await?))
}

pub(super) async fn update_queue(
    State(state): State<AppState>,
    me: CurrentAgent,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<QueueRequest>,
) -> ApiResult<Json<AdminQueue>> {
    Ok(Json(state.engine.update_queue(me.id(), id, request).await?))
}

/// The body is optional (`{"move_to": "sales"}`), needed when chats wait in the queue.
pub(super) async fn delete_queue(
    State(state): State<AppState>,
    me: CurrentAgent,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let request: DeleteQueueRequest = optional_json(&body, r#"{"move_to": "sales"}"#)?;
    state
        .engine
        .delete_queue(me.id(), id, request.move_to)
        .await?;
    // Channels routed to it moved: live on this node before the answer, as for a channel's
    // own change (the other nodes hear of it on commit).
    state.channels.reload(&state.engine.channel_rows().await?);
    Ok(StatusCode::NO_CONTENT)
}

/// The channels (system owners): those of the configuration file (read-only) and those made
/// here.
pub(super) async fn channels(
    State(state): State<AppState>,
    me: CurrentAgent,
) -> ApiResult<Json<AdminChannelList>> {
    state.engine.may_administer_channels(me.id()).await?;
    let channels = state
        .channels
        .configs()
        .iter()
        .map(|config| admin_channel(&state.channels, config))
        .collect();
    Ok(Json(AdminChannelList { channels }))
}

/// Read the channels again on this node before answering, so the change is live for the
/// caller's next request (the other nodes hear of it on commit).
async fn changed_channel(state: &AppState, id: &str) -> ApiResult<Json<AdminChannel>> {
    state.channels.reload(&state.engine.channel_rows().await?);
    let config = state
        .channels
        .get(id)
        .ok_or_else(|| crate::engine::Error::NotFound(Missing::Channel(id.into())))?;
    Ok(Json(admin_channel(&state.channels, &config)))
}

pub(super) async fn create_channel(
    State(state): State<AppState>,
    me: CurrentAgent,
    ApiJson(request): ApiJson<ChannelRequest>,
) -> ApiResult<(StatusCode, Json<AdminChannel>)> {
    let row = state.engine.create_channel(me.id(), request).await?;
    let answer = changed_channel(&state, &row.id).await?;
    sync_templates_soon(&state, &row.id);
    Ok((StatusCode::CREATED, answer))
}

/// A WhatsApp channel made or changed here gets its business account's templates at once
/// (otherwise at the next hourly sync), in the background: the answer does not wait for Meta.
fn sync_templates_soon(state: &AppState, id: &str) {
    let (engine, channels, id) = (state.engine.clone(), state.channels.clone(), id.to_string());
    tokio::spawn(async move {
        crate::channels::templates::sync_and_log(&engine, &channels, &id).await;
    });
}

pub(super) async fn update_channel(
    State(state): State<AppState>,
    me: CurrentAgent,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ChannelRequest>,
) -> ApiResult<Json<AdminChannel>> {
    let row = state.engine.update_channel(me.id(), id, request).await?;
    let answer = changed_channel(&state, &row.id).await?;
    sync_templates_soon(&state, &row.id);
    Ok(answer)
}

pub(super) async fn disable_channel(
    State(state): State<AppState>,
    me: CurrentAgent,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminChannel>> {
    let row = state.engine.set_channel_enabled(me.id(), id, false).await?;
    changed_channel(&state, &row.id).await
}

pub(super) async fn enable_channel(
    State(state): State<AppState>,
    me: CurrentAgent,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminChannel>> {
    let row = state.engine.set_channel_enabled(me.id(), id, true).await?;
    changed_channel(&state, &row.id).await
}

/// Ask the provider whether the channel's credentials work (system owners).
pub(super) async fn check_channel(
    State(state): State<AppState>,
    me: CurrentAgent,
    Path(id): Path<String>,
) -> ApiResult<Json<ChannelCheck>> {
    state.engine.may_administer_channels(me.id()).await?;
    let config = state
        .channels
        .get(&id)
        .ok_or_else(|| crate::engine::Error::NotFound(Missing::Channel(id.clone())))?;
    Ok(Json(
        crate::channels::check::check(&state.channels, &config).await,
    ))
}

/// A secret as answered: set, and its last four characters when it is long enough that they
/// give nothing away.
fn secret(value: &crate::config::Secret) -> serde_json::Value {
    let text = value.expose();
    let chars: Vec<char> = text.chars().collect();
    if chars.len() >= 16 {
        let last4: String = chars[chars.len() - 4..].iter().collect();
        serde_json::json!({"set": true, "last4": last4})
    } else {
        serde_json::json!({"set": !text.is_empty()})
    }
}

fn admin_channel(
    channels: &crate::channels::Channels,
    config: &crate::config::ChannelConfig,
) -> AdminChannel {
    use crate::config::{ProviderConfig as P, RouteConfig};
    use serde_json::json;
    let value = |name: &str, value: String| ConsoleValue {
        name: name.into(),
        value,
    };
    let id = &config.id;
    let public_url = &channels.public_url;
    let provisioned = channels.is_from_file(id);
    let verify = if provisioned {
        "the verify_token of this channel in the configuration file"
    } else {
        "the verify_token saved in this channel's settings"
    }
    .to_string();
    let (settings, console) = match &config.provider {
        P::Whatsapp {
            phone_number_id,
            waba_id,
            access_token,
            app_secret,
            verify_token,
            api_base,
            media_hosts,
        } => (
            json!({"phone_number_id": phone_number_id, "waba_id": waba_id,
                   "access_token": secret(access_token),
                   "app_secret": secret(app_secret), "verify_token": secret(verify_token),
                   "api_base": api_base, "media_hosts": media_hosts}),
            vec![
                value(
                    "webhook_url",
                    format!("{public_url}/webhooks/whatsapp/{id}"),
                ),
                value("verify_token", verify),
            ],
        ),
        P::Facebook {
            page_id,
            page_access_token,
            app_secret,
            verify_token,
            api_base,
            media_hosts,
            human_agent_tag,
        } => (
            json!({"page_id": page_id, "page_access_token": secret(page_access_token),
                   "app_secret": secret(app_secret), "verify_token": secret(verify_token),
                   "api_base": api_base, "media_hosts": media_hosts,
                   "human_agent_tag": human_agent_tag}),
            vec![
                value(
                    "webhook_url",
                    format!("{public_url}/webhooks/facebook/{id}"),
                ),
                value("verify_token", verify),
            ],
        ),
        P::Sms {
            account_sid,
            auth_token,
            from_number,
            api_base,
            media_hosts,
            stop_keywords,
            start_keywords,
        } => (
            json!({"account_sid": account_sid, "auth_token": secret(auth_token),
                   "from_number": from_number, "api_base": api_base,
                   "media_hosts": media_hosts, "stop_keywords": stop_keywords,
                   "start_keywords": start_keywords}),
            vec![
                value("messaging_url", format!("{public_url}/webhooks/sms/{id}")),
                value(
                    "status_callback_url",
                    format!("{public_url}/webhooks/sms/{id}/status"),
                ),
            ],
        ),
        P::Livechat {
            allowed_origins,
            greeting,
            offline_text,
            ask_name,
            ask_email,
        } => (
            json!({"allowed_origins": allowed_origins, "greeting": greeting,
                   "offline_text": offline_text, "ask_name": ask_name, "ask_email": ask_email}),
            vec![value(
                "embed_snippet",
                format!("<script src=\"{public_url}/livechat/{id}/widget.js\" async></script>"),
            )],
        ),
    };
    let (route_queue, route_extension) = match &config.route {
        RouteConfig::Queue(queue) => (Some(queue.clone()), None),
        RouteConfig::Extension(extension) => (None, Some(extension.clone())),
    };
    AdminChannel {
        id: id.clone(),
        kind: config.kind,
        route_queue,
        route_extension,
        provisioned,
        enabled: channels.enabled(id),
        settings,
        console,
    }
}
