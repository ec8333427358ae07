//! Contacts and quick-reply templates (CONTRACT §4).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use switchboard_protocol::{
    CategoryList, ContactList, ContactRequest, FromIdentityRequest, LanguageList, RenderRequest,
    RenderResponse, TemplateList, TemplateRequest,
};

use super::error::ApiResult;
use super::extract::{ApiJson, ApiQuery, CurrentAgent, ObjectId};
use super::AppState;
use crate::engine::TemplateFilter;
use crate::store::ContactCursor;
use uuid::Uuid;

#[derive(Deserialize)]
pub(super) struct ContactQuery {
    q: Option<String>,
    after: Option<String>,
    limit: Option<u32>,
}

/// A directory cursor: "id|name".
fn encode_contact_cursor(cursor: &ContactCursor) -> String {
    super::encode_page_cursor(&cursor.id.to_string(), &cursor.name)
}

fn decode_contact_cursor(text: &str) -> ApiResult<ContactCursor> {
    super::decode_page_cursor(text, "contacts", |id, name| {
        Some(ContactCursor {
            name: name.to_string(),
            id: Uuid::parse_str(id).ok()?,
        })
    })
}

/// `GET /contacts?q=&after=&limit=`: a page of the directory (100 contacts unless `limit`
/// says otherwise, at most 1000), or of the contacts matching `q`.
pub(super) async fn search_contacts(
    State(state): State<AppState>,
    _me: CurrentAgent,
    ApiQuery(query): ApiQuery<ContactQuery>,
) -> ApiResult<Json<ContactList>> {
    let limit = super::page_limit(query.limit, 100, 1000)?;
    let after = query
        .after
        .as_deref()
        .map(decode_contact_cursor)
        .transpose()?;
    let (contacts, next) = state.engine.search_contacts(query.q, after, limit).await?;
    Ok(Json(ContactList {
        contacts,
        next: next.as_ref().map(encode_contact_cursor),
    }))
}

pub(super) async fn create_contact(
    State(state): State<AppState>,
    _me: CurrentAgent,
    ApiJson(req): ApiJson<ContactRequest>,
) -> ApiResult<Response> {
    let contact = state.engine.create_contact(req).await?;
    Ok((StatusCode::CREATED, Json(contact)).into_response())
}

pub(super) async fn contact(
    State(state): State<AppState>,
    _me: CurrentAgent,
    ObjectId(id): ObjectId,
) -> ApiResult<Response> {
    Ok(Json(state.engine.contact(id).await?).into_response())
}

pub(super) async fn update_contact(
    State(state): State<AppState>,
    _me: CurrentAgent,
    ObjectId(id): ObjectId,
    ApiJson(req): ApiJson<ContactRequest>,
) -> ApiResult<Response> {
    Ok(Json(state.engine.update_contact(id, req).await?).into_response())
}

pub(super) async fn delete_contact(
    State(state): State<AppState>,
    _me: CurrentAgent,
    ObjectId(id): ObjectId,
) -> ApiResult<StatusCode> {
    state.engine.delete_contact(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn contact_from_identity(
    State(state): State<AppState>,
    me: CurrentAgent,
    ApiJson(req): ApiJson<FromIdentityRequest>,
) -> ApiResult<Response> {
    let contact = state.engine.contact_from_identity(me.id(), req).await?;
    Ok((StatusCode::CREATED, Json(contact)).into_response())
}

pub(super) async fn contact_history(
    State(state): State<AppState>,
    _me: CurrentAgent,
    ObjectId(id): ObjectId,
) -> ApiResult<Response> {
    Ok(Json(state.engine.contact_history(id).await?).into_response())
}

#[derive(Deserialize)]
pub(super) struct TemplateQuery {
    q: Option<String>,
    category: Option<String>,
    language: Option<String>,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

pub(super) async fn templates(
    State(state): State<AppState>,
    _me: CurrentAgent,
    ApiQuery(query): ApiQuery<TemplateQuery>,
) -> ApiResult<Json<TemplateList>> {
    let filter = TemplateFilter {
        q: non_empty(query.q),
        category: non_empty(query.category),
        language: non_empty(query.language),
    };
    Ok(Json(TemplateList {
        templates: state.engine.templates(filter).await?,
    }))
}

pub(super) async fn template_categories(
    State(state): State<AppState>,
    _me: CurrentAgent,
) -> ApiResult<Json<CategoryList>> {
    Ok(Json(CategoryList {
        categories: state.engine.template_categories().await?,
    }))
}

pub(super) async fn template_languages(
    State(state): State<AppState>,
    _me: CurrentAgent,
) -> ApiResult<Json<LanguageList>> {
    Ok(Json(LanguageList {
        languages: state.engine.template_languages().await?,
    }))
}

pub(super) async fn create_template(
    State(state): State<AppState>,
    me: CurrentAgent,
    ApiJson(req): ApiJson<TemplateRequest>,
) -> ApiResult<Response> {
    let template = state.engine.create_template(me.agent, req).await?;
    Ok((StatusCode::CREATED, Json(template)).into_response())
}

pub(super) async fn update_template(
    State(state): State<AppState>,
    me: CurrentAgent,
    ObjectId(id): ObjectId,
    ApiJson(req): ApiJson<TemplateRequest>,
) -> ApiResult<Response> {
    Ok(Json(state.engine.update_template(me.agent, id, req).await?).into_response())
}

pub(super) async fn delete_template(
    State(state): State<AppState>,
    me: CurrentAgent,
    ObjectId(id): ObjectId,
) -> ApiResult<StatusCode> {
    state.engine.delete_template(me.agent, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn render_template(
    State(state): State<AppState>,
    me: CurrentAgent,
    ObjectId(id): ObjectId,
    ApiJson(req): ApiJson<RenderRequest>,
) -> ApiResult<Json<RenderResponse>> {
    let body = state
        .engine
        .render_template(me.id(), id, req.conversation_id)
        .await?;
    Ok(Json(RenderResponse { body }))
}
