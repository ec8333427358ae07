//! API errors: a status, a stable snake_case code callers match on, and a sentence for people.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_domain::lifecycle::Refusal;
use switchboard_protocol::{ErrorBody, ErrorResponse};

use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("No {what} with that id is visible to you."),
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Sign in first: send the token from POST /api/v1/session as 'Authorization: Bearer TOKEN'. Tokens stop working after logout or when they expire.",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The server failed to handle this request; it has been logged. Try again.",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        tracing::error!(error = %err, "storage failure");
        ApiError::internal()
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotVisible => ApiError::not_found("conversation"),
            Refusal::AlreadyTaken { owner } => ApiError::new(
                StatusCode::CONFLICT,
                "already_taken",
                format!("This chat was already taken by {}.", owner.name),
            ),
            Refusal::InternalChat { action } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "internal_chat",
                format!("Internal chats cannot be {action}."),
            ),
            Refusal::Resolved => ApiError::new(
                StatusCode::CONFLICT,
                "conversation_resolved",
                "This chat is resolved; the customer's next message opens a new one.",
            ),
            Refusal::StillOpen => ApiError::new(
                StatusCode::CONFLICT,
                "conversation_open",
                "You own this open chat: resolve or transfer it before deleting it.",
            ),
            Refusal::TransferToSelf => ApiError::bad_request(
                "transfer_to_self",
                "You already own this chat; pick a colleague to transfer it to.",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorResponse {
            error: ErrorBody {
                code: self.code.to_string(),
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
