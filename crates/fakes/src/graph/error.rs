//! Graph API error bodies, in the shapes Meta documents for each failure.

use axum::http::header::WWW_AUTHENTICATE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::endpoints::graph_json;
use super::whatsapp;
use crate::ids;

/// A Graph API error: `{"error":{"message","type","code","error_data"?,"error_subcode"?,
/// "is_transient"?,"fbtrace_id"}}` with its HTTP status.
#[derive(Debug)]
pub(super) struct GraphError {
    pub(super) status: StatusCode,
    message: String,
    code: u32,
    subcode: Option<u32>,
    /// WhatsApp's `error_data.details`.
    details: Option<String>,
    is_transient: Option<bool>,
}

impl GraphError {
    pub(super) fn invalid_token() -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            message: "Invalid OAuth access token - Cannot parse access token".to_owned(),
            code: 190,
            subcode: None,
            details: None,
            is_transient: None,
        }
    }

    pub(super) fn unknown_path(path: &str) -> Self {
        Self {
            code: 2500,
            ..Self::invalid_parameter(format!("Unknown path components: {path}"))
        }
    }

    pub(super) fn invalid_parameter(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            code: 100,
            subcode: None,
            details: None,
            is_transient: None,
        }
    }

    pub(super) fn no_such_object(verb: &str, id: &str) -> Self {
        Self {
            subcode: Some(33),
            ..Self::invalid_parameter(format!(
                "Unsupported {verb} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
            ))
        }
    }

    pub(super) fn media_url_gone() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            ..Self::invalid_parameter("(#100) The media URL has expired or does not exist.")
        }
    }

    pub(super) fn media_upload(details: String) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: "(#131053) Media upload error".to_owned(),
            code: 131_053,
            subcode: None,
            details: Some(details),
            is_transient: None,
        }
    }

    pub(super) fn re_engagement() -> Self {
        let error = whatsapp::WhatsAppError::re_engagement();
        Self {
            status: StatusCode::BAD_REQUEST,
            message: format!("(#{}) {}", error.code, error.title),
            code: error.code,
            subcode: Some(2_494_010),
            details: Some(error.details),
            is_transient: None,
        }
    }

    /// A WhatsApp Cloud API error: `(#code) title`, with `error_data.details`.
    pub(super) fn whatsapp(code: u32, title: &str, details: String) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: format!("(#{code}) {title}"),
            code,
            subcode: None,
            details: Some(details),
            is_transient: None,
        }
    }

    pub(super) fn whatsapp_transient(status: u16) -> Self {
        if status == 503 {
            Self {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: "(#131016) Service unavailable".to_owned(),
                code: 131_016,
                subcode: None,
                details: Some("A service is temporarily unavailable.".to_owned()),
                is_transient: Some(true),
            }
        } else {
            Self {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: "(#131000) Something went wrong".to_owned(),
                code: 131_000,
                subcode: None,
                details: Some("Message failed to send due to an unknown error.".to_owned()),
                is_transient: Some(true),
            }
        }
    }

    pub(super) fn outside_messenger_window() -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: "(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview".to_owned(),
            code: 10,
            subcode: Some(2_018_278),
            details: None,
            is_transient: None,
        }
    }

    pub(super) fn messenger_transient(status: u16) -> Self {
        if status == 503 {
            Self {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: "(#2) Service temporarily unavailable".to_owned(),
                code: 2,
                subcode: None,
                details: None,
                is_transient: Some(true),
            }
        } else {
            Self {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: "(#1200) Temporary send message failure. Please try again later"
                    .to_owned(),
                code: 1200,
                subcode: None,
                details: None,
                is_transient: Some(true),
            }
        }
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct Body<'a> {
            error: Inner<'a>,
        }
        #[derive(Serialize)]
        struct Inner<'a> {
            message: &'a str,
            #[serde(rename = "type")]
            kind: &'static str,
            code: u32,
            #[serde(skip_serializing_if = "Option::is_none")]
            error_data: Option<ErrorData<'a>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            error_subcode: Option<u32>,
            #[serde(skip_serializing_if = "Option::is_none")]
            is_transient: Option<bool>,
            fbtrace_id: String,
        }
        #[derive(Serialize)]
        struct ErrorData<'a> {
            messaging_product: &'static str,
            details: &'a str,
        }
        let body = Body {
            error: Inner {
                message: &self.message,
                kind: "OAuthException",
                code: self.code,
                error_data: self.details.as_deref().map(|details| ErrorData {
                    messaging_product: "whatsapp",
                    details,
                }),
                error_subcode: self.subcode,
                is_transient: self.is_transient,
                fbtrace_id: ids::fbtrace_id(),
            },
        };
        let mut response = graph_json(self.status, &body);
        if self.code == 190 {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static(
                    "OAuth \"Facebook Platform\" \"invalid_token\" \"Invalid OAuth access token - Cannot parse access token\"",
                ),
            );
        }
        response
    }
}
