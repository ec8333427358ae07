//! Chats agents start (CONTRACT §4): the channels they can start them on, and the start. The
//! engine checks who may see and do what.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_protocol::{ChannelList, StartConversationRequest};

use super::error::ApiResult;
use super::extract::{ApiJson, CurrentAgent};
use super::AppState;

pub(super) async fn channels(
    State(state): State<AppState>,
    _me: CurrentAgent,
) -> ApiResult<Json<ChannelList>> {
    let channels = state.engine.startable_channels().await?;
    Ok(Json(ChannelList { channels }))
}

/// 201 with the new chat and its first message; 200 when the customer's open chat on that
/// channel was used, or for a repeated `client_id`.
pub(super) async fn start(
    State(state): State<AppState>,
    me: CurrentAgent,
    ApiJson(request): ApiJson<StartConversationRequest>,
) -> ApiResult<Response> {
    let started = state.engine.start_conversation(me.id(), request).await?;
    let status = if started.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(started.started)).into_response())
}
