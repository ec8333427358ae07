//! The HTTP endpoints of the fake Graph API: request checks in the order Graph applies them,
//! then the recorded outcome and Graph's response body.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawQuery, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::error::GraphError;
use super::whatsapp::{self, MediaRef};
use super::{Channel, GraphApi, GraphCall, GraphFailure, GraphState, IssuedUrl, StoredMedia};
use crate::ids;
use crate::serve::lock;

type Shared = State<Arc<GraphState>>;

pub(super) fn router(state: Arc<GraphState>) -> Router {
    Router::new()
        .route("/{version}/{node}/messages", post(send_message))
        .route("/{version}/{node}/media", post(upload_media))
        .route("/{version}/{node}/message_templates", get(list_templates))
        .route("/{version}/{node}", get(get_node).delete(delete_node))
        .route("/whatsapp_business/attachments/", get(download_media))
        .route("/cdn/{token}", get(download_attachment))
        .route("/platform/profilepic/", get(profile_picture))
        .fallback(unknown_path)
        // WhatsApp documents may be 100 MB; axum's 2 MB default would turn them into 413s.
        .layer(DefaultBodyLimit::max(110 * 1024 * 1024))
        .with_state(state)
}

async fn send_message(
    State(state): Shared,
    Path((_version, node)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = presented_token(&headers, query.as_deref());
    let json = serde_json::from_slice::<Value>(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    let response = if node == "me" || node == state.options.page_id {
        messenger_send(&state, node, token.as_deref(), json)
    } else {
        whatsapp_send(&state, node, token.as_deref(), json)
    };
    // Taken (and recorded) already: only the answer is late.
    tokio::time::sleep(state.options.send_delay).await;
    response
}

fn whatsapp_send(state: &GraphState, node: String, token: Option<&str>, body: Value) -> Response {
    let mark_read = body.get("status").and_then(Value::as_str) == Some("read");
    let api = if mark_read {
        GraphApi::WhatsAppMarkRead
    } else {
        GraphApi::WhatsAppMessage
    };
    let outcome = check_whatsapp_send(state, token, &body, mark_read);
    let (status, message_id, response) = match outcome {
        Ok(WhatsAppAccepted::Read) => (200, None, graph_json(StatusCode::OK, &SUCCESS)),
        Ok(WhatsAppAccepted::Message { to, id }) => {
            let response = graph_json(
                StatusCode::OK,
                &WhatsAppSent {
                    messaging_product: "whatsapp",
                    contacts: [WhatsAppContact {
                        wa_id: Channel::WhatsApp.normalise(&to),
                        input: to,
                    }],
                    messages: [MessageId { id: id.clone() }],
                },
            );
            (200, Some(id), response)
        }
        Err(error) => (error.status.as_u16(), None, error.into_response()),
    };
    state.calls.push(GraphCall {
        api,
        node,
        body,
        status,
        message_id,
    });
    response
}

enum WhatsAppAccepted {
    Read,
    Message { to: String, id: String },
}

fn check_whatsapp_send(
    state: &GraphState,
    token: Option<&str>,
    body: &Value,
    mark_read: bool,
) -> Result<WhatsAppAccepted, GraphError> {
    check_token(token, &state.options.whatsapp_access_token)?;
    if body.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return Err(GraphError::invalid_parameter(
            "(#100) The parameter messaging_product is required.",
        ));
    }
    if mark_read {
        return match body.get("message_id").and_then(Value::as_str) {
            Some(_) => Ok(WhatsAppAccepted::Read),
            None => Err(GraphError::invalid_parameter(
                "(#100) The parameter message_id is required.",
            )),
        };
    }
    let Some(to) = body.get("to").and_then(Value::as_str) else {
        return Err(GraphError::invalid_parameter(
            "(#100) The parameter to is required.",
        ));
    };
    let kind = body.get("type").and_then(Value::as_str).unwrap_or("text");
    match kind {
        "text" => {
            let text = body.pointer("/text/body").and_then(Value::as_str);
            match text {
                None | Some("") => {
                    return Err(GraphError::invalid_parameter(
                        "(#100) The parameter text['body'] is required.",
                    ))
                }
                Some(text) if text.chars().count() > 4096 => {
                    return Err(GraphError::invalid_parameter(
                        "(#100) Param text['body'] must be at most 4096 characters long.",
                    ))
                }
                Some(_) => {}
            }
        }
        "image" | "video" | "audio" | "document" | "sticker" => {
            let object = body.get(kind);
            let has_source = ["id", "link"]
                .iter()
                .any(|k| object.and_then(|o| o.get(*k)).is_some_and(Value::is_string));
            if !has_source {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) Param {kind} must contain either 'id' or 'link'."
                )));
            }
        }
        "template" => {
            let known = lock(&state.store).templates.clone();
            super::templates::check_send(&known, body.get("template").unwrap_or(&Value::Null))?;
        }
        "interactive" | "location" | "contacts" | "reaction" => {}
        other => {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) Param type must be one of {{AUDIO, CONTACTS, DOCUMENT, IMAGE, INTERACTIVE, LOCATION, REACTION, STICKER, TEMPLATE, TEXT, VIDEO}} - got \"{other}\"."
            )))
        }
    }
    let mut store = lock(&state.store);
    if kind != "template" && store.outside_window(Channel::WhatsApp, to, super::DAY) {
        return Err(GraphError::re_engagement());
    }
    if let Some(failure) = store.take_failure(Channel::WhatsApp, to) {
        return Err(match failure {
            GraphFailure::OutsideWindow => GraphError::re_engagement(),
            GraphFailure::Transient { status } => GraphError::whatsapp_transient(status),
        });
    }
    Ok(WhatsAppAccepted::Message {
        to: to.to_owned(),
        id: ids::wamid(),
    })
}

fn messenger_send(state: &GraphState, node: String, token: Option<&str>, body: Value) -> Response {
    let action_only = body.get("sender_action").is_some() && body.get("message").is_none();
    let api = if action_only {
        GraphApi::MessengerSenderAction
    } else {
        GraphApi::MessengerMessage
    };
    let (status, message_id, response) = match check_messenger_send(state, token, &body) {
        Ok((recipient_id, None)) => (
            200,
            None,
            graph_json(
                StatusCode::OK,
                &MessengerSent {
                    recipient_id,
                    message_id: None,
                    attachment_id: None,
                },
            ),
        ),
        Ok((recipient_id, Some(reusable))) => {
            let mid = ids::messenger_mid();
            let response = graph_json(
                StatusCode::OK,
                &MessengerSent {
                    recipient_id,
                    message_id: Some(mid.clone()),
                    attachment_id: reusable.then(ids::graph_object_id),
                },
            );
            (200, Some(mid), response)
        }
        Err(error) => (error.status.as_u16(), None, error.into_response()),
    };
    state.calls.push(GraphCall {
        api,
        node,
        body,
        status,
        message_id,
    });
    response
}

/// Ok((recipient id, None)) for a sender action, Ok((recipient id, Some(is_reusable))) for a
/// message.
fn check_messenger_send(
    state: &GraphState,
    token: Option<&str>,
    body: &Value,
) -> Result<(String, Option<bool>), GraphError> {
    check_token(token, &state.options.page_access_token)?;
    // Old integrations send numeric PSIDs; Graph accepts both.
    let recipient = match body.pointer("/recipient/id") {
        Some(Value::String(id)) => id.clone(),
        Some(Value::Number(id)) => id.to_string(),
        _ => {
            return Err(GraphError::invalid_parameter(
                "(#100) The parameter recipient is required",
            ))
        }
    };
    let Some(message) = body.get("message") else {
        return match body.get("sender_action").and_then(Value::as_str) {
            Some("typing_on" | "typing_off" | "mark_seen") => Ok((recipient, None)),
            Some(_) => Err(GraphError::invalid_parameter(
                "(#100) Param sender_action must be one of {typing_on, typing_off, mark_seen}",
            )),
            None => Err(GraphError::invalid_parameter(
                "(#100) The parameter message is required",
            )),
        };
    };
    let window = match body.get("messaging_type").and_then(Value::as_str) {
        Some("RESPONSE" | "UPDATE") => super::DAY,
        Some("MESSAGE_TAG") if body.get("tag").and_then(Value::as_str) == Some("HUMAN_AGENT") => {
            super::HUMAN_AGENT_WINDOW
        }
        Some("MESSAGE_TAG") if body.get("tag").is_some_and(Value::is_string) => super::DAY,
        Some("MESSAGE_TAG") => {
            return Err(GraphError::invalid_parameter(
                "(#100) The parameter tag is required when messaging_type is MESSAGE_TAG",
            ))
        }
        _ => {
            return Err(GraphError::invalid_parameter(
                "(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}",
            ))
        }
    };
    let text = message.get("text").and_then(Value::as_str);
    let attachment = message.get("attachment");
    let mut reusable = false;
    match (text, attachment) {
        (Some(text), None) => {
            if text.is_empty() {
                return Err(GraphError::invalid_parameter(
                    "(#100) The parameter message[text] is required",
                ));
            }
            if text.chars().count() > 2000 {
                return Err(GraphError::invalid_parameter(
                    "(#100) Length of param message[text] must be less than or equal to 2000",
                ));
            }
        }
        (None, Some(attachment)) => {
            let kind = attachment.get("type").and_then(Value::as_str);
            if !matches!(
                kind,
                Some("image" | "video" | "audio" | "file" | "template")
            ) {
                return Err(GraphError::invalid_parameter(
                    "(#100) Param message[attachment][type] must be one of {image, video, audio, file, template}",
                ));
            }
            let payload = attachment.get("payload");
            let has_source = kind == Some("template")
                || ["url", "attachment_id"]
                    .iter()
                    .any(|k| payload.and_then(|p| p.get(*k)).is_some());
            if !has_source {
                return Err(GraphError::invalid_parameter(
                    "(#100) The parameter message[attachment][payload][url] is required",
                ));
            }
            reusable = payload
                .and_then(|p| p.get("is_reusable"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
        }
        (Some(_), Some(_)) => {
            return Err(GraphError::invalid_parameter(
                "(#100) Only one of message[text] and message[attachment] may be set",
            ))
        }
        (None, None) => {
            return Err(GraphError::invalid_parameter(
                "(#100) Must send either message[text] or message[attachment]",
            ))
        }
    }
    let mut store = lock(&state.store);
    if store.outside_window(Channel::Messenger, &recipient, window) {
        return Err(GraphError::outside_messenger_window());
    }
    if let Some(failure) = store.take_failure(Channel::Messenger, &recipient) {
        return Err(match failure {
            GraphFailure::OutsideWindow => GraphError::outside_messenger_window(),
            GraphFailure::Transient { status } => GraphError::messenger_transient(status),
        });
    }
    Ok((recipient, Some(reusable)))
}

/// Media size limits per type, from Meta's "supported media types" table.
const MEDIA_LIMITS: &[(&str, u64)] = &[
    ("audio/aac", 16 << 20),
    ("audio/amr", 16 << 20),
    ("audio/mpeg", 16 << 20),
    ("audio/mp4", 16 << 20),
    ("audio/ogg", 16 << 20),
    ("text/plain", 100 << 20),
    ("application/pdf", 100 << 20),
    ("application/vnd.ms-powerpoint", 100 << 20),
    ("application/msword", 100 << 20),
    ("application/vnd.ms-excel", 100 << 20),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        100 << 20,
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        100 << 20,
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        100 << 20,
    ),
    ("image/jpeg", 5 << 20),
    ("image/png", 5 << 20),
    ("image/webp", 500 << 10),
    ("video/mp4", 16 << 20),
    ("video/3gpp", 16 << 20),
];

async fn upload_media(
    State(state): Shared,
    Path((_version, node)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let token = presented_token(&headers, query.as_deref());
    match store_upload(&state, node, token.as_deref(), multipart).await {
        Ok(id) => graph_json(StatusCode::OK, &MessageId { id }),
        Err(error) => error.into_response(),
    }
}

async fn store_upload(
    state: &GraphState,
    node: String,
    token: Option<&str>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<String, GraphError> {
    check_token(token, &state.options.whatsapp_access_token)?;
    let mut multipart = multipart
        .map_err(|_| GraphError::invalid_parameter("(#100) The parameter file is required."))?;
    let mut product = None;
    let mut declared_type = None;
    let mut file: Option<(Vec<u8>, Option<String>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                return Err(GraphError::invalid_parameter(
                    "(#100) Could not read the multipart body.",
                ))
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let content_type = field.content_type().map(str::to_owned);
        let data = field.bytes().await.map_err(|_| {
            GraphError::invalid_parameter("(#100) Could not read the multipart body.")
        })?;
        match name.as_str() {
            "messaging_product" => product = Some(String::from_utf8_lossy(&data).into_owned()),
            "type" => declared_type = Some(String::from_utf8_lossy(&data).into_owned()),
            "file" => file = Some((data.to_vec(), content_type)),
            _ => {}
        }
    }
    if product.as_deref() != Some("whatsapp") {
        return Err(GraphError::invalid_parameter(
            "(#100) The parameter messaging_product is required.",
        ));
    }
    let Some((bytes, part_type)) = file else {
        return Err(GraphError::invalid_parameter(
            "(#100) The parameter file is required.",
        ));
    };
    let Some(mime_type) = declared_type.or(part_type) else {
        return Err(GraphError::invalid_parameter(
            "(#100) The parameter type is required.",
        ));
    };
    let essence = mime_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let Some(&(_, limit)) = MEDIA_LIMITS.iter().find(|(t, _)| *t == essence) else {
        let supported: Vec<&str> = MEDIA_LIMITS.iter().map(|(t, _)| *t).collect();
        return Err(GraphError::invalid_parameter(format!(
            "(#100) Param file must be a file with one of the following types: {}. Received file of type '{essence}'.",
            supported.join(", ")
        )));
    };
    if bytes.len() as u64 > limit {
        return Err(GraphError::media_upload(format!(
            "Uploaded media of type {essence} is {} bytes; the limit is {limit} bytes.",
            bytes.len()
        )));
    }
    let id = ids::graph_object_id();
    let media = MediaRef::for_bytes(id.clone(), &bytes, mime_type);
    lock(&state.store).media.insert(
        id.clone(),
        StoredMedia {
            media,
            bytes,
            uploaded_via: Some(node),
        },
    );
    Ok(id)
}

async fn get_node(
    State(state): Shared,
    Path((_version, node)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let token = presented_token(&headers, query.as_deref());
    let params = parse_query(query.as_deref());
    match resolve_node(&state, &node, token.as_deref(), &params) {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

fn resolve_node(
    state: &GraphState,
    node: &str,
    token: Option<&str>,
    params: &HashMap<String, String>,
) -> Result<Response, GraphError> {
    let options = &state.options;
    let token = token.ok_or_else(GraphError::invalid_token)?;
    if token != options.whatsapp_access_token && token != options.page_access_token {
        return Err(GraphError::invalid_token());
    }
    let mut store = lock(&state.store);
    // Media ids belong to the WhatsApp business; the page token cannot see them.
    if let Some(stored) = store.media.get(node) {
        if token != options.whatsapp_access_token {
            return Err(GraphError::no_such_object("get", node));
        }
        let media = stored.media.clone();
        let sha256_hex = hex::encode(Sha256::digest(&stored.bytes));
        let url_token = ids::url_token();
        let url = format!(
            "{}/whatsapp_business/attachments/?mid={}&ext={}&hash={url_token}",
            store.media_origin.as_deref().unwrap_or(&state.origin),
            media.id,
            unix_after(options.media_url_ttl)
        );
        store.media_urls.insert(
            url_token,
            IssuedUrl {
                media_id: media.id.clone(),
                expires_at: Instant::now() + options.media_url_ttl,
            },
        );
        return Ok(graph_json(
            StatusCode::OK,
            &MediaUrl {
                messaging_product: "whatsapp",
                url,
                mime_type: media.mime_type,
                sha256: sha256_hex,
                file_size: media.file_size,
                id: media.id,
            },
        ));
    }
    // The business's own number and page, as "Check connection" asks for them: each only
    // with its own token (another token cannot see it, as on Meta).
    if node == options.phone_number_id && token == options.whatsapp_access_token {
        return own_node(
            node,
            params,
            "verified_name,code_verification_status,display_phone_number,quality_rating,id",
            "WhatsAppBusinessPhoneNumber",
            &[
                ("verified_name", Value::from(options.verified_name.clone())),
                ("code_verification_status", Value::from("VERIFIED")),
                (
                    "display_phone_number",
                    Value::from(options.display_phone_number.clone()),
                ),
                ("quality_rating", Value::from("GREEN")),
            ],
        );
    }
    if node == options.page_id && token == options.page_access_token {
        return own_node(
            node,
            params,
            "name,id",
            "Page",
            &[("name", Value::from(options.page_name.clone()))],
        );
    }
    let Some((first, last)) = store.profiles.get(node).cloned() else {
        return Err(GraphError::no_such_object("get", node));
    };
    if token != options.page_access_token {
        return Err(GraphError::no_such_object("get", node));
    }
    let fields = params.get("fields").map_or("name", String::as_str);
    let mut object = Vec::new();
    for field in fields.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        let value = match field {
            "first_name" => Value::from(first.clone()),
            "last_name" => Value::from(last.clone()),
            "name" => Value::from(format!("{first} {last}")),
            "profile_pic" => Value::from(format!(
                "{}/platform/profilepic/?psid={node}&height=1&width=1&ext={}&hash={}",
                state.origin,
                unix_after(Duration::from_secs(14 * 24 * 60 * 60)),
                ids::url_token()
            )),
            "id" => continue,
            other => {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) Tried accessing nonexisting field ({other}) on node type (User)"
                )))
            }
        };
        object.push((field.to_owned(), value));
    }
    object.push(("id".to_owned(), Value::from(node)));
    Ok(graph_json(StatusCode::OK, &OrderedObject(object)))
}

/// A node of the business's own with the `fields` asked for (`default` when none), in the
/// order asked, as Graph answers: an unknown field is error 100.
fn own_node(
    node: &str,
    params: &HashMap<String, String>,
    default: &str,
    node_type: &str,
    known: &[(&str, Value)],
) -> Result<Response, GraphError> {
    let fields = params.get("fields").map_or(default, String::as_str);
    let mut object = Vec::new();
    for field in fields.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        if field == "id" {
            continue;
        }
        let Some((_, value)) = known.iter().find(|(name, _)| *name == field) else {
            return Err(GraphError::invalid_parameter(format!(
                "(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})"
            )));
        };
        object.push((field.to_owned(), value.clone()));
    }
    object.push(("id".to_owned(), Value::from(node)));
    Ok(graph_json(StatusCode::OK, &OrderedObject(object)))
}

/// `GET /{waba_id}/message_templates`: the account's templates, a page at a time.
async fn list_templates(
    State(state): Shared,
    Path((version, node)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let token = presented_token(&headers, query.as_deref());
    if let Err(error) = check_token(token.as_deref(), &state.options.whatsapp_access_token) {
        return error.into_response();
    }
    if node != state.options.waba_id {
        return GraphError::no_such_object("get", &node).into_response();
    }
    let params = parse_query(query.as_deref());
    let templates = lock(&state.store).templates.clone();
    let url_base = format!("{}/{version}/{node}/message_templates", state.origin);
    let page = super::templates::page(
        &templates,
        &url_base,
        params.get("limit").map(String::as_str),
        params.get("after").map(String::as_str),
    );
    graph_json(StatusCode::OK, &page)
}

async fn delete_node(
    State(state): Shared,
    Path((_version, node)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let token = presented_token(&headers, query.as_deref());
    if let Err(error) = check_token(token.as_deref(), &state.options.whatsapp_access_token) {
        return error.into_response();
    }
    match lock(&state.store).media.remove(&node) {
        Some(_) => graph_json(StatusCode::OK, &SUCCESS),
        None => GraphError::no_such_object("delete", &node).into_response(),
    }
}

async fn download_media(
    State(state): Shared,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    // The lookaside URL only honours the Authorization header, never a query token.
    let token = presented_token(&headers, None);
    if let Err(error) = check_token(token.as_deref(), &state.options.whatsapp_access_token) {
        return error.into_response();
    }
    let params = parse_query(query.as_deref());
    let store = lock(&state.store);
    let issued = params
        .get("hash")
        .and_then(|hash| store.media_urls.get(hash))
        .filter(|issued| params.get("mid") == Some(&issued.media_id));
    let Some(issued) = issued else {
        return GraphError::media_url_gone().into_response();
    };
    if Instant::now() >= issued.expires_at {
        return GraphError::media_url_gone().into_response();
    }
    match store.media.get(&issued.media_id) {
        Some(stored) => bytes_response(&stored.media.mime_type, stored.bytes.clone()),
        None => GraphError::media_url_gone().into_response(),
    }
}

async fn download_attachment(State(state): Shared, Path(token): Path<String>) -> Response {
    let store = lock(&state.store);
    match store.attachments.get(&token) {
        Some(file) if Instant::now() < file.expires_at => {
            bytes_response(&file.mime_type, file.bytes.clone())
        }
        // fbcdn.net answers expired signed URLs with a plain-text 403.
        Some(_) => (StatusCode::FORBIDDEN, "URL signature expired").into_response(),
        None => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

/// A 1×1 transparent PNG, so profile picture URLs resolve to a real image.
const PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

async fn profile_picture() -> Response {
    bytes_response("image/png", PIXEL_PNG.to_vec())
}

async fn unknown_path(uri: Uri) -> Response {
    GraphError::unknown_path(uri.path()).into_response()
}

fn check_token(presented: Option<&str>, expected: &str) -> Result<(), GraphError> {
    match presented {
        Some(token) if token == expected => Ok(()),
        _ => Err(GraphError::invalid_token()),
    }
}

/// The token from `Authorization: Bearer …` (or `OAuth …`), else from `?access_token=`.
fn presented_token(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    let from_header = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| {
            scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth")
        })
        .map(|(_, token)| token.trim().to_owned());
    from_header.or_else(|| parse_query(query).remove("access_token"))
}

fn parse_query(query: Option<&str>) -> HashMap<String, String> {
    query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

pub(super) fn unix_after(ttl: Duration) -> u64 {
    whatsapp::unix_now() + ttl.as_secs()
}

fn bytes_response(mime_type: &str, bytes: Vec<u8>) -> Response {
    let content_type = HeaderValue::from_str(mime_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    (StatusCode::OK, [(CONTENT_TYPE, content_type)], bytes).into_response()
}

/// Graph answers compact JSON with this content type.
pub(super) fn graph_json(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(CONTENT_TYPE, "application/json; charset=UTF-8")],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `{"success":true}`, Graph's answer to deletes and read receipts.
#[derive(Serialize)]
struct Success {
    success: bool,
}

const SUCCESS: Success = Success { success: true };

#[derive(Serialize)]
struct WhatsAppSent {
    messaging_product: &'static str,
    contacts: [WhatsAppContact; 1],
    messages: [MessageId; 1],
}

#[derive(Serialize)]
struct WhatsAppContact {
    input: String,
    wa_id: String,
}

#[derive(Serialize)]
struct MessageId {
    id: String,
}

#[derive(Serialize)]
struct MessengerSent {
    recipient_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attachment_id: Option<String>,
}

#[derive(Serialize)]
struct MediaUrl {
    messaging_product: &'static str,
    url: String,
    mime_type: String,
    sha256: String,
    file_size: u64,
    id: String,
}

/// A JSON object whose keys keep the order given (Graph echoes requested fields in order).
struct OrderedObject(Vec<(String, Value)>);

impl Serialize for OrderedObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}
