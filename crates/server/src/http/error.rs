//! API errors: a status, a stable code callers match on ([`ErrorCode`]), and a sentence for
//! people, answered as the contract's `{"error": {"code", "message"}}` (CONTRACT §4).
//!
//! This is the one place engine errors become HTTP: [`status_and_code`] maps every
//! [`engine::Error`] variant.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_domain::lifecycle::Refusal;
use switchboard_protocol::{ErrorBody, ErrorCode, ErrorResponse};

use crate::engine::{self, ChannelRule, Clash, Field, Missing};
use crate::store::StoreError;

/// An error answer of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 for something the HTTP layer itself looked up (a path, a file, a channel's page).
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("No {what} with that id is visible to you."),
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "Sign in first: send the token from POST /api/v1/session as 'Authorization: Bearer TOKEN'. Tokens stop working after logout or when they expire.",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "The server failed to handle this request; it has been logged. Try again.",
        )
    }
}

/// The status and code of an engine error.
pub fn status_and_code(error: &engine::Error) -> (StatusCode, ErrorCode) {
    use engine::Error as E;
    match error {
        E::Refused(refusal) => match refusal {
            Refusal::NotVisible => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            Refusal::AlreadyTaken { .. } => (StatusCode::CONFLICT, ErrorCode::AlreadyTaken),
            Refusal::InternalChat { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InternalChat)
            }
            Refusal::Resolved => (StatusCode::CONFLICT, ErrorCode::ConversationResolved),
            Refusal::StillOpen => (StatusCode::CONFLICT, ErrorCode::ConversationOpen),
            Refusal::TransferToSelf => (StatusCode::BAD_REQUEST, ErrorCode::TransferToSelf),
        },
        E::NotFound(missing) => (
            StatusCode::NOT_FOUND,
            match missing {
                Missing::Extension(_) => ErrorCode::AgentNotFound,
                Missing::Channel(_) => ErrorCode::UnknownChannel,
                Missing::Queue(_) => ErrorCode::QueueNotFound,
                Missing::Conversation
                | Missing::Message
                | Missing::Attachment
                | Missing::Visitor
                | Missing::Block
                | Missing::Template
                | Missing::Contact
                | Missing::WhatsAppTemplate { .. } => ErrorCode::NotFound,
            },
        ),
        E::SignedOut => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
        E::WrongCredentials => (StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials),
        E::VisitorSessionExpired => (StatusCode::UNAUTHORIZED, ErrorCode::InvalidToken),
        E::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
        E::Invalid { field, .. } => (
            StatusCode::BAD_REQUEST,
            match field {
                Field::View => ErrorCode::InvalidView,
                Field::Before => ErrorCode::InvalidCursor,
                Field::Body => ErrorCode::EmptyMessage,
                Field::Attachments => ErrorCode::UnknownAttachment,
                Field::Title => ErrorCode::InvalidTitle,
                Field::Extensions => ErrorCode::NoParticipants,
                Field::DurationS => ErrorCode::InvalidDuration,
                Field::Sender => ErrorCode::InvalidSender,
                Field::Contact => ErrorCode::InvalidContact,
                Field::Template => ErrorCode::InvalidTemplate,
                Field::Visitor => ErrorCode::InvalidVisitorDetails,
                Field::Agent => ErrorCode::InvalidAgent,
                Field::Password => ErrorCode::InvalidPassword,
                Field::Queue => ErrorCode::InvalidQueue,
                Field::Channel => ErrorCode::InvalidChannel,
                Field::Recipient => ErrorCode::InvalidRecipient,
            },
        ),
        E::MessageTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BodyTooLarge),
        E::Conflict { clash, .. } => (
            StatusCode::CONFLICT,
            match clash {
                Clash::ClientId => ErrorCode::ClientIdReused,
                Clash::NotResendable => ErrorCode::NotResendable,
                Clash::ProviderMessageId => ErrorCode::DuplicateMessage,
                Clash::Identity => ErrorCode::IdentityTaken,
                Clash::ExistingContact => ErrorCode::ContactExists,
                Clash::Provisioned => ErrorCode::Provisioned,
                Clash::AgentTaken => ErrorCode::AgentTaken,
                Clash::QueueTaken => ErrorCode::QueueTaken,
                Clash::QueueInUse => ErrorCode::QueueInUse,
                Clash::ChannelTaken => ErrorCode::ChannelTaken,
            },
        ),
        E::ChannelRule(rule) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            match rule {
                ChannelRule::ReplyWindowClosed { .. } => ErrorCode::ReplyWindowClosed,
                ChannelRule::NotLivechat { .. } => ErrorCode::NotLivechat,
                ChannelRule::NoCustomer => ErrorCode::InternalChat,
                ChannelRule::ChannelDisabled { .. } => ErrorCode::ChannelDisabled,
                ChannelRule::OptedOut { .. } => ErrorCode::OptedOut,
            },
        ),
        // Nothing was done and a retry may work: 503, which providers retry their webhooks on.
        E::Storage(StoreError::Unavailable(_)) => {
            (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::NotReady)
        }
        E::StorageFull { .. } => (StatusCode::INSUFFICIENT_STORAGE, ErrorCode::StorageFull),
        E::Storage(_) | E::Task(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
    }
}

impl From<engine::Error> for ApiError {
    fn from(error: engine::Error) -> Self {
        match &error {
            engine::Error::Storage(StoreError::Unavailable(_)) => {
                tracing::warn!(error = %error, "the database cannot be reached");
                let (status, code) = status_and_code(&error);
                ApiError::new(
                    status,
                    code,
                    "The server cannot reach its database right now; nothing was changed. Try \
                     again in a moment.",
                )
            }
            engine::Error::Storage(_) | engine::Error::Task(_) => {
                tracing::error!(error = %error, "request failed inside the server");
                ApiError::internal()
            }
            // The engine's sentence does not know how HTTP clients send their token.
            engine::Error::SignedOut => ApiError::unauthorized(),
            _ => {
                let (status, code) = status_and_code(&error);
                ApiError::new(status, code, error.to_string())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorResponse {
            error: ErrorBody {
                code: self.code,
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::lifecycle::Owner;

    /// One of each variant (and of each kind inside it), with the status and code the
    /// contract and the clients expect.
    fn every_engine_error() -> Vec<(engine::Error, StatusCode, &'static str)> {
        use engine::Error as E;
        let owner = Owner {
            id: uuid::Uuid::nil(),
            name: "Ana".into(),
        };
        let invalid = |field| E::Invalid {
            field,
            message: "fix it.".into(),
        };
        let conflict = |clash| E::Conflict {
            clash,
            message: "clash.".into(),
        };
        vec![
            (
                E::Refused(Refusal::NotVisible),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                E::Refused(Refusal::AlreadyTaken { owner }),
                StatusCode::CONFLICT,
                "already_taken",
            ),
            (
                E::Refused(Refusal::InternalChat { action: "resolved" }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "internal_chat",
            ),
            (
                E::Refused(Refusal::Resolved),
                StatusCode::CONFLICT,
                "conversation_resolved",
            ),
            (
                E::Refused(Refusal::StillOpen),
                StatusCode::CONFLICT,
                "conversation_open",
            ),
            (
                E::Refused(Refusal::TransferToSelf),
                StatusCode::BAD_REQUEST,
                "transfer_to_self",
            ),
            (
                E::NotFound(Missing::Conversation),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                E::NotFound(Missing::Message),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                E::NotFound(Missing::Attachment),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                E::NotFound(Missing::Visitor),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                E::NotFound(Missing::Block),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                E::NotFound(Missing::Template),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                E::NotFound(Missing::Contact),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                E::NotFound(Missing::Extension("777".into())),
                StatusCode::NOT_FOUND,
                "agent_not_found",
            ),
            (
                E::NotFound(Missing::Channel("nope".into())),
                StatusCode::NOT_FOUND,
                "unknown_channel",
            ),
            (E::SignedOut, StatusCode::UNAUTHORIZED, "unauthorized"),
            (
                E::WrongCredentials,
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
            ),
            (
                E::VisitorSessionExpired,
                StatusCode::UNAUTHORIZED,
                "invalid_token",
            ),
            (
                E::Forbidden(engine::Right::ManageTemplates),
                StatusCode::FORBIDDEN,
                "forbidden",
            ),
            (
                E::Forbidden(engine::Right::ManageBlocks),
                StatusCode::FORBIDDEN,
                "forbidden",
            ),
            (
                invalid(Field::View),
                StatusCode::BAD_REQUEST,
                "invalid_view",
            ),
            (
                invalid(Field::Before),
                StatusCode::BAD_REQUEST,
                "invalid_cursor",
            ),
            (
                invalid(Field::Body),
                StatusCode::BAD_REQUEST,
                "empty_message",
            ),
            (
                invalid(Field::Attachments),
                StatusCode::BAD_REQUEST,
                "unknown_attachment",
            ),
            (
                invalid(Field::Title),
                StatusCode::BAD_REQUEST,
                "invalid_title",
            ),
            (
                invalid(Field::Extensions),
                StatusCode::BAD_REQUEST,
                "no_participants",
            ),
            (
                invalid(Field::DurationS),
                StatusCode::BAD_REQUEST,
                "invalid_duration",
            ),
            (
                invalid(Field::Sender),
                StatusCode::BAD_REQUEST,
                "invalid_sender",
            ),
            (
                invalid(Field::Contact),
                StatusCode::BAD_REQUEST,
                "invalid_contact",
            ),
            (
                invalid(Field::Template),
                StatusCode::BAD_REQUEST,
                "invalid_template",
            ),
            (
                invalid(Field::Visitor),
                StatusCode::BAD_REQUEST,
                "invalid_visitor_details",
            ),
            (
                E::StorageFull {
                    free_mib: 10,
                    minimum_mib: 1024,
                },
                StatusCode::INSUFFICIENT_STORAGE,
                "storage_full",
            ),
            (
                E::MessageTooLarge {
                    message: "too long.".into(),
                },
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
            ),
            (
                conflict(Clash::ClientId),
                StatusCode::CONFLICT,
                "client_id_reused",
            ),
            (
                conflict(Clash::ProviderMessageId),
                StatusCode::CONFLICT,
                "duplicate_message",
            ),
            (
                conflict(Clash::Identity),
                StatusCode::CONFLICT,
                "identity_taken",
            ),
            (
                conflict(Clash::ExistingContact),
                StatusCode::CONFLICT,
                "contact_exists",
            ),
            (
                conflict(Clash::Provisioned),
                StatusCode::CONFLICT,
                "provisioned",
            ),
            (
                conflict(Clash::AgentTaken),
                StatusCode::CONFLICT,
                "agent_taken",
            ),
            (
                conflict(Clash::QueueTaken),
                StatusCode::CONFLICT,
                "queue_taken",
            ),
            (
                E::NotFound(Missing::Queue("q".into())),
                StatusCode::NOT_FOUND,
                "queue_not_found",
            ),
            (
                E::Forbidden(engine::Right::ManageQueues),
                StatusCode::FORBIDDEN,
                "forbidden",
            ),
            (
                conflict(Clash::QueueInUse),
                StatusCode::CONFLICT,
                "queue_in_use",
            ),
            (
                invalid(Field::Queue),
                StatusCode::BAD_REQUEST,
                "invalid_queue",
            ),
            (
                E::Forbidden(engine::Right::Administer),
                StatusCode::FORBIDDEN,
                "forbidden",
            ),
            (
                invalid(Field::Agent),
                StatusCode::BAD_REQUEST,
                "invalid_agent",
            ),
            (
                invalid(Field::Password),
                StatusCode::BAD_REQUEST,
                "invalid_password",
            ),
            (
                conflict(Clash::NotResendable),
                StatusCode::CONFLICT,
                "not_resendable",
            ),
            (
                invalid(Field::Recipient),
                StatusCode::BAD_REQUEST,
                "invalid_recipient",
            ),
            (
                E::ChannelRule(ChannelRule::OptedOut {
                    since: chrono::Utc::now(),
                }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "opted_out",
            ),
            (
                E::ChannelRule(ChannelRule::ReplyWindowClosed {
                    channel: switchboard_protocol::ChannelKind::Whatsapp,
                    closed_at: chrono::Utc::now(),
                }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "reply_window_closed",
            ),
            (
                E::ChannelRule(ChannelRule::NotLivechat { action: "ended" }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "not_livechat",
            ),
            (
                E::ChannelRule(ChannelRule::NoCustomer),
                StatusCode::UNPROCESSABLE_ENTITY,
                "internal_chat",
            ),
            (
                E::Storage(StoreError::Database("disk full".into())),
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
            ),
            (
                E::Storage(StoreError::Unavailable("connection refused".into())),
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
            ),
        ]
    }

    #[tokio::test]
    async fn every_engine_error_maps_to_its_status_and_code() {
        for (error, status, code) in every_engine_error() {
            let shown = format!("{error:?}");
            let answer = ApiError::from(error);
            assert_eq!(
                (answer.status, answer.code.as_str()),
                (status, code),
                "{shown}"
            );
            assert!(
                !answer.message.is_empty(),
                "{shown}: people need a sentence"
            );
        }
    }

    #[tokio::test]
    async fn a_panicked_task_is_an_internal_error() {
        let panicked = tokio::spawn(async { panic!("boom") }).await.unwrap_err();
        let answer = ApiError::from(engine::Error::Task(panicked));
        assert_eq!(answer, ApiError::internal());
    }

    #[test]
    fn people_read_the_engines_sentence_but_not_storage_details() {
        let refused = ApiError::from(engine::Error::Refused(Refusal::Resolved));
        assert_eq!(
            refused.message,
            "This chat is resolved; the customer's next message opens a new one."
        );
        let failed = ApiError::from(engine::Error::Storage(StoreError::Database(
            "password=hunter2".into(),
        )));
        assert!(
            !failed.message.contains("hunter2"),
            "storage details stay in the log: {}",
            failed.message
        );
        let signed_out = ApiError::from(engine::Error::SignedOut);
        assert_eq!(
            signed_out,
            ApiError::unauthorized(),
            "the HTTP sentence says how to sign in"
        );
    }

    #[tokio::test]
    async fn the_answer_has_the_contracts_shape() {
        let response = ApiError::from(engine::Error::NotFound(Missing::Template)).into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"error": {"code": "not_found", "message": "No template with that id exists."}})
        );
    }
}
