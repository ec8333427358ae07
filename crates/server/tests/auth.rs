//! Signing in and out, tokens, and the contract's error shape for bad credentials.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn agent_signs_in_by_extension_or_email_and_sees_themself() {
    let server = TestServer::start(2).await;
    let by_ext = server.login("101").await;
    let by_email = server.login("AGENT102@Example.com").await;
    assert_eq!(by_email.extension, "102");
    let (status, me) = by_ext.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["extension"], "101");
    assert_eq!(me["role"], "manager");
    assert_eq!(me["presence"], "available");
    assert!(by_ext.token.len() >= 22, "token carries at least 128 bits");
}

#[tokio::test]
async fn wrong_password_and_unknown_login_get_the_same_401() {
    let server = TestServer::start(1).await;
    for login in ["101", "999"] {
        let (status, body) = server
            .call(
                None,
                Method::POST,
                "/api/v1/session",
                Some(json!({"login": login, "password": "nope"})),
            )
            .await;
        assert_error(
            status,
            &body,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        );
    }
}

#[tokio::test]
async fn missing_or_forged_token_is_refused() {
    let server = TestServer::start(1).await;
    let (status, body) = server.call(None, Method::GET, "/api/v1/me", None).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let (status, body) = server
        .call(
            Some("forged-token"),
            Method::GET,
            "/api/v1/conversations",
            None,
        )
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn logout_revokes_the_token_but_not_other_sessions() {
    let server = TestServer::start(1).await;
    let first = server.login("101").await;
    let second = server.login("101").await;
    let (status, _) = first.call(Method::DELETE, "/api/v1/session", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = first.get("/api/v1/me").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let (status, _) = second.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::OK, "the other session lives on");
}

#[tokio::test]
async fn expired_token_stops_working() {
    let server = TestServer::with_config(&config_toml(1, "", "session_ttl_s = 1")).await;
    let agent = server.login("101").await;
    let (status, _) = agent.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    let (status, body) = agent.get("/api/v1/me").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn repeated_failed_logins_are_rate_limited() {
    let text = config_toml(1, "", "").replace(
        "login_per_minute_per_user = 100",
        "login_per_minute_per_user = 5",
    );
    let server = TestServer::with_config(&text).await;
    let mut last = (StatusCode::OK, serde_json::Value::Null);
    for _ in 0..6 {
        last = server
            .call(
                None,
                Method::POST,
                "/api/v1/session",
                Some(json!({"login": "101", "password": "guess"})),
            )
            .await;
    }
    assert_error(
        last.0,
        &last.1,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    );
}

/// Behind a trusted proxy (a load balancer in front of several nodes), the per-address limit
/// counts the address the proxy forwarded, not the proxy's own.
#[tokio::test]
async fn behind_a_trusted_proxy_log_ins_are_limited_per_forwarded_address() {
    let text = config_toml(1, "", "trusted_proxies = [\"127.0.0.1/32\"]").replace(
        "login_per_minute_per_ip = 1000",
        "login_per_minute_per_ip = 2",
    );
    let server = TestServer::with_config(&text).await;
    let attempt = |from: &'static str| {
        let request = server
            .http
            .post(format!("{}/api/v1/session", server.base))
            .header("x-forwarded-for", from)
            .json(&json!({"login": "101", "password": "guess"}));
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(attempt("203.0.113.1").await, StatusCode::UNAUTHORIZED);
    assert_eq!(attempt("203.0.113.1").await, StatusCode::UNAUTHORIZED);
    assert_eq!(attempt("203.0.113.1").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        attempt("203.0.113.2").await,
        StatusCode::UNAUTHORIZED,
        "another visitor behind the same proxy is not affected"
    );
}

#[tokio::test]
async fn presence_changes_reach_colleagues() {
    let server = TestServer::start(2).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let (_, cursor) = bruno.sync_all(0).await;
    let (status, me) = ana
        .call(
            Method::PUT,
            "/api/v1/me/presence",
            Some(json!({"presence": "dnd"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["presence"], "dnd");
    let (events, _) = bruno.sync_all(cursor).await;
    assert!(
        events.iter().any(|e| e["type"] == "agent.presence"
            && e["data"]["extension"] == "101"
            && e["data"]["presence"] == "dnd"),
        "{events:?}"
    );
    let (status, body) = ana
        .call(
            Method::PUT,
            "/api/v1/me/presence",
            Some(json!({"presence": "asleep"})),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_json");
}

#[tokio::test]
async fn colleagues_are_searchable_by_name_or_extension() {
    let server = TestServer::start(3).await;
    let ana = server.login("101").await;
    let (status, body) = ana.get("/api/v1/agents?q=103").await;
    assert_eq!(status, StatusCode::OK);
    let found: Vec<&str> = body["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["extension"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["103"]);
    let (_, body) = ana.get("/api/v1/agents?q=agent%2010").await;
    assert_eq!(body["agents"].as_array().unwrap().len(), 3);
    let (_, body) = ana.get("/api/v1/agents").await;
    assert_eq!(body["agents"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn agents_see_the_queues_they_belong_to_by_name() {
    let text = config_toml(2, "", "")
        + r#"
[[queues]]
id = "billing"
name = "Billing"
agents = ["102"]
"#;
    let server = TestServer::with_config(&text).await;
    let ana = server.login("101").await;
    let bruno = server.login("102").await;
    let (status, mine) = ana.get("/api/v1/me/queues").await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let ids = |body: &serde_json::Value| -> Vec<String> {
        body["queues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&mine), ["support"]);
    let (_, bruno_queues) = bruno.get("/api/v1/me/queues").await;
    assert_eq!(ids(&bruno_queues), ["billing", "support"], "by name");
    assert_eq!(bruno_queues["queues"][0]["name"], "Billing");
    let (status, body) = server
        .call(None, Method::GET, "/api/v1/me/queues", None)
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
}
