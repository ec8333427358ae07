//! WhatsApp message templates (CONTRACT §4): list a channel's approved ones, sync them from
//! Meta on demand, send one in a conversation. The engine checks who may see and do what.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use switchboard_protocol::{ChannelKind, ErrorCode, SendTemplateRequest, WhatsAppTemplateList};

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, ConversationId, CurrentAgent};
use super::AppState;
use crate::channels::templates;
use crate::engine::Missing;

#[derive(Debug, Deserialize)]
pub(super) struct TemplateQuery {
    language: Option<String>,
    q: Option<String>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    _me: CurrentAgent,
    Path(channel): Path<String>,
    ApiQuery(query): ApiQuery<TemplateQuery>,
) -> ApiResult<Json<WhatsAppTemplateList>> {
    let templates = state
        .engine
        .whatsapp_templates(channel, query.language, query.q)
        .await?;
    Ok(Json(WhatsAppTemplateList { templates }))
}

/// Ask Meta for the channel's templates now (managers and owners), and answer them all.
pub(super) async fn sync(
    State(state): State<AppState>,
    me: CurrentAgent,
    Path(channel): Path<String>,
) -> ApiResult<Json<WhatsAppTemplateList>> {
    state.engine.may_sync_whatsapp_templates(me.id()).await?;
    // An unknown or non-WhatsApp channel is 404 like the list.
    if state
        .channels
        .provider(&channel, ChannelKind::Whatsapp)
        .is_none()
    {
        return Err(crate::engine::Error::NotFound(Missing::Channel(channel)).into());
    }
    match templates::sync(&state.engine, &state.channels, &channel).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::TemplatesUnavailable,
                "This WhatsApp channel names no business account (waba_id), so it has no templates to sync; add waba_id to its settings.",
            ))
        }
        Err(failed) => {
            return Err(ApiError::new(
                StatusCode::BAD_GATEWAY,
                ErrorCode::TemplatesUnavailable,
                format!("{failed}. The templates synced before are kept."),
            ))
        }
    }
    let templates = state.engine.whatsapp_templates(channel, None, None).await?;
    Ok(Json(WhatsAppTemplateList { templates }))
}

/// Send an approved template in a conversation: 201 with the message (200 for a repeated
/// `client_id`), like a reply.
pub(super) async fn send(
    State(state): State<AppState>,
    me: CurrentAgent,
    ConversationId(id): ConversationId,
    ApiJson(request): ApiJson<SendTemplateRequest>,
) -> ApiResult<Response> {
    let sent = state
        .engine
        .send_whatsapp_template(me.id(), id, request)
        .await?;
    let status = if sent.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(sent.message)).into_response())
}
