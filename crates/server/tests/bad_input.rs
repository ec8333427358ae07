//! Bad input always gets the contract's error shape: which field, what is wrong.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

async fn raw(
    server: &TestServer,
    token: &str,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = server
        .http
        .request(method, format!("{}{path}", server.base))
        .bearer_auth(token)
        .body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn malformed_json_is_a_400_naming_the_problem() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let chat = server.inbound("wa", "5511000000200", "Oi").await;
    let path = format!("/api/v1/conversations/{}/messages", chat.conversation_id);
    let (status, body) = raw(
        &server,
        &ana.token,
        Method::POST,
        &path,
        Some("application/json"),
        b"{\"client_id\": ".to_vec(),
    )
    .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_json");
    let (status, body) = ana.post(&path, json!({"body": "no client id"})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_json");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("client_id"),
        "{body}"
    );
    let (status, body) = ana
        .post(&path, json!({"client_id": "not-a-uuid", "body": "x"}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_json");
    let (status, body) = raw(
        &server,
        &ana.token,
        Method::POST,
        &path,
        None,
        b"{}".to_vec(),
    )
    .await;
    assert_error(
        status,
        &body,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let (status, body) = ana
        .post(&path, json!({"client_id": Uuid::now_v7(), "body": "   "}))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "empty_message");
    let (status, body) = ana
        .post(
            &path,
            json!({"client_id": Uuid::now_v7(), "body": "x", "attachments": [Uuid::now_v7()]}),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "unknown_attachment");
}

#[tokio::test]
async fn message_bodies_over_one_megabyte_are_refused_with_413() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let chat = server.inbound("wa", "5511000000201", "Oi").await;
    let path = format!("/api/v1/conversations/{}/messages", chat.conversation_id);
    let (status, body) = ana
        .post(
            &path,
            json!({"client_id": Uuid::now_v7(), "body": "a".repeat(1024 * 1024 + 1)}),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
    );
    let (status, body) = ana
        .post(
            &path,
            json!({"client_id": Uuid::now_v7(), "body": "a".repeat(3 * 1024 * 1024)}),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    let (status, msg) = ana
        .post(
            &path,
            json!({"client_id": Uuid::now_v7(), "body": "b".repeat(1024 * 1024)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "exactly 1 MiB is allowed");
    assert_eq!(msg["body"].as_str().unwrap().len(), 1024 * 1024);
    let (_, page) = ana.get(&path).await;
    assert_eq!(
        page["messages"].as_array().unwrap().len(),
        2,
        "the refused ones stored nothing"
    );
}

#[tokio::test]
async fn someone_elses_or_unknown_conversation_ids_are_404() {
    let server = TestServer::start(2).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let chat = server.inbound("wa", "5511000000202", "Oi").await;
    ana.take(chat.conversation_id).await;
    let id = chat.conversation_id;
    let paths = [
        (Method::GET, format!("/api/v1/conversations/{id}"), None),
        (
            Method::GET,
            format!("/api/v1/conversations/{id}/messages"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{id}/resolve"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{id}/archive"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{id}/unarchive"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{id}/transfer"),
            Some(json!({"extension": "102"})),
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{id}/read"),
            Some(json!({"up_to": chat.message_id})),
        ),
        (Method::DELETE, format!("/api/v1/conversations/{id}"), None),
        (
            Method::GET,
            format!("/api/v1/conversations/{}", Uuid::now_v7()),
            None,
        ),
        (
            Method::GET,
            "/api/v1/conversations/not-a-uuid".to_string(),
            None,
        ),
    ];
    for (method, path, body) in paths {
        let (status, answer) = bruno.call(method.clone(), &path, body).await;
        assert_error(status, &answer, StatusCode::NOT_FOUND, "not_found");
        assert!(
            !answer.to_string().contains("Agent 101"),
            "{method} {path} leaks the owner: {answer}"
        );
    }
    assert!(ana.sees(id).await, "nothing Bruno tried changed Ana's chat");
}

#[tokio::test]
async fn unknown_addresses_methods_and_query_values_answer_in_the_error_shape() {
    let server = TestServer::start(1).await;
    let ana = server.login("101").await;
    let (status, body) = ana.get("/api/v1/nothing-here").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = ana.call(Method::PATCH, "/api/v1/me", None).await;
    assert_error(
        status,
        &body,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
    let (status, body) = ana.get("/api/v1/conversations?view=everything").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_view");
    let (status, body) = ana.get("/api/v1/conversations?limit=0").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_limit");
    let (status, body) = ana.get("/api/v1/conversations?after=garbage").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_cursor");
    let (status, health) = ana.get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["service"], "switchboard");
    assert!(
        health["max_attachment_bytes"]
            .as_u64()
            .is_some_and(|max| max > 0),
        "clients learn the upload limit from /healthz: {health}"
    );
    // Ready: the database (SQLite, or PostgreSQL in that pass) answers.
    let (status, ready) = ana.get("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["status"], "ready");
}

#[tokio::test]
async fn ingest_for_an_unknown_channel_is_refused() {
    let server = TestServer::start(1).await;
    let err = server
        .running
        .engine
        .ingest(switchboard_server::engine::Inbound {
            channel_id: "nope".into(),
            sender: "1".into(),
            display_name: "x".into(),
            provider_message_id: None,
            body: "x".into(),
            attachments: Vec::new(),
            sent_at: None,
            consent: None,
        })
        .await
        .unwrap_err();
    // The engine says what is missing; the HTTP layer says how it is answered.
    let err = switchboard_server::http::error::ApiError::from(err);
    assert_eq!(err.code, "unknown_channel");
    assert_eq!(err.status, StatusCode::NOT_FOUND.as_u16());
}
