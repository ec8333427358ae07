//! Request extractors that answer bad input in the contract's error shape.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;
use switchboard_protocol::ErrorCode;
use uuid::Uuid;

use super::error::ApiError;
use super::AppState;
use crate::store::AgentRow;

/// JSON body; malformed, mistyped or oversized bodies get a clear error.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_error(rejection)),
        }
    }
}

fn json_error(rejection: JsonRejection) -> ApiError {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!(
                "The request body is larger than {} bytes.",
                super::MAX_JSON_BYTES
            ),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "Send the body as JSON with 'Content-Type: application/json'.",
        ),
        _ => ApiError::bad_request(
            ErrorCode::InvalidJson,
            format!("The request body is not valid: {}", rejection.body_text()),
        ),
    }
}

/// Query string; bad values get a 400 naming the problem.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|rejection: QueryRejection| {
                ApiError::bad_request(ErrorCode::InvalidQuery, rejection.body_text())
            })
    }
}

/// A conversation id from the path. A malformed id names nothing, so it is a 404 like any id
/// the caller cannot see.
#[derive(Debug, Clone, Copy)]
pub struct ConversationId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for ConversationId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::not_found("conversation"))?;
        Uuid::parse_str(&raw)
            .map(ConversationId)
            .map_err(|_| ApiError::not_found("conversation"))
    }
}

/// The id of a contact, template or attachment from the path; malformed ids are 404 too.
#[derive(Debug, Clone, Copy)]
pub struct ObjectId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for ObjectId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        ConversationId::from_request_parts(parts, state)
            .await
            .map(|ConversationId(id)| ObjectId(id))
            .map_err(|_| {
                ApiError::new(
                    axum::http::StatusCode::NOT_FOUND,
                    ErrorCode::NotFound,
                    "Nothing with that id is visible to you.",
                )
            })
    }
}

/// The signed-in agent, from `Authorization: Bearer TOKEN`.
#[derive(Debug, Clone)]
pub struct CurrentAgent {
    pub agent: AgentRow,
    pub token: String,
}

impl CurrentAgent {
    pub fn id(&self) -> Uuid {
        self.agent.id
    }
}

/// What an agent with a temporary password may do: see who they are, change the password,
/// sign out.
fn allowed_with_temporary_password(parts: &Parts) -> bool {
    let path = parts.uri.path();
    let path = path.strip_prefix(super::API_PREFIX).unwrap_or(path);
    matches!(path, "/me" | "/me/password" | "/session")
}

pub fn bearer_token(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_string())
}

impl FromRequestParts<AppState> for CurrentAgent {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).ok_or_else(ApiError::unauthorized)?;
        let agent = state.engine.authenticate(&token).await?;
        if agent.must_change_password && !allowed_with_temporary_password(parts) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::PasswordChangeRequired,
                "You signed in with a temporary password: choose your own first (PUT /api/v1/me/password with current_password and new_password).",
            ));
        }
        Ok(CurrentAgent { agent, token })
    }
}
