//! The OpenAPI document at `/api/v1/openapi.json` describes exactly the routes the router
//! answers, is OpenAPI 3.1 with every `$ref` resolving, and its page at `/api/v1/docs` works
//! with nothing from outside the server.

mod common;

use std::collections::BTreeSet;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

async fn served_document(server: &TestServer) -> Value {
    let response = server
        .http
        .get(format!("{}/api/v1/openapi.json", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the document is public: no token needed"
    );
    response.json().await.expect("the document is JSON")
}

/// `(METHOD, path)` of every operation in the document.
fn documented(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"]
        .as_object()
        .expect("the document has paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("a path item is an object")
                .keys()
                .filter(|key| {
                    [
                        "get", "put", "post", "delete", "options", "head", "patch", "trace",
                    ]
                    .contains(&key.as_str())
                })
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect()
}

/// The router's paths as OpenAPI writes them: axum's catch-all `{*file}` is `{file}`.
fn routed() -> BTreeSet<(String, String)> {
    switchboard_server::http::route_list()
        .into_iter()
        .map(|(method, path)| (method.as_str().to_string(), path.replace("{*", "{")))
        .collect()
}

#[tokio::test]
async fn every_route_of_the_router_is_in_the_document_and_nothing_else() {
    // Given a running server,
    let server = TestServer::start(1).await;
    // when its document is fetched,
    let document = served_document(&server).await;
    // then it has one operation per route, no more and no fewer.
    let documented = documented(&document);
    let routed = routed();
    let missing: Vec<_> = routed.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routed).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "routes missing from the OpenAPI document (add a #[utoipa::path] in \
         http/openapi/paths.rs and list it in ApiDoc): {missing:?}\n\
         operations in the document that the router does not answer: {extra:?}"
    );
    assert!(
        routed.len() >= 70,
        "the route list is not empty or cut short"
    );
}

#[tokio::test]
async fn every_operation_has_a_summary_a_success_and_the_error_shape_for_its_errors() {
    let server = TestServer::start(1).await;
    let document = served_document(&server).await;
    let mut problems = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{} {path}", method.to_uppercase());
            if operation["summary"].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{name}: no summary"));
            }
            let responses = operation["responses"].as_object().unwrap();
            if !responses.keys().any(|s| s.starts_with('2') || s == "101") {
                problems.push(format!("{name}: no success response"));
            }
            for (status, response) in responses {
                let error_shape = response["content"]["application/json"]["schema"]["$ref"]
                    == "#/components/schemas/ErrorResponse";
                // The one plain-text 400 is axum's own, for a signed link's unreadable query.
                let axum_text = path == "/media/{id}" && status == "400";
                if status.starts_with(['4', '5']) && !error_shape && !axum_text {
                    problems.push(format!("{name}: {status} is not the error shape"));
                }
            }
            let agent = operation["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("agent_token").is_some()));
            if agent && !responses.contains_key("401") {
                problems.push(format!("{name}: an agent route without its 401"));
            }
            if path.contains("{id}")
                && path.starts_with("/api/v1/")
                && !responses.contains_key("404")
            {
                problems.push(format!("{name}: an object route without its 404"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // And the error codes have a schema listing every code the server knows.
    let codes: BTreeSet<&str> = document["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode is a string enum")
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for code in switchboard_protocol::ErrorCode::ALL {
        assert!(
            codes.contains(code.as_str()),
            "{} is not in ErrorCode's schema",
            code.as_str()
        );
    }
}

/// Every `$ref` in `value`, at any depth.
fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => found.push(target),
                    _ => refs(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_every_reference_resolves() {
    let server = TestServer::start(1).await;
    let document = served_document(&server).await;
    let version = document["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1."), "OpenAPI 3.1, not {version:?}");
    assert!(document["info"]["title"].is_string() && document["info"]["version"].is_string());
    let mut found = Vec::new();
    refs(&document, &mut found);
    assert!(
        !found.is_empty(),
        "the wire types are referenced, not inlined everywhere"
    );
    let unresolved: BTreeSet<&str> = found
        .into_iter()
        .filter(|target| {
            let pointer = target.strip_prefix('#').unwrap_or("not local");
            document.pointer(pointer).is_none()
        })
        .collect();
    assert!(
        unresolved.is_empty(),
        "references to nothing: {unresolved:?}"
    );
    // Every security requirement names a declared scheme.
    let schemes = &document["components"]["securitySchemes"];
    for name in [
        "agent_token",
        "visitor_token",
        "visitor_token_query",
        "meta_signature",
        "twilio_signature",
    ] {
        assert!(schemes.get(name).is_some(), "the {name} scheme is declared");
    }
}

#[tokio::test]
async fn the_docs_page_loads_with_its_own_files_and_nothing_from_outside() {
    // Given a running server (and, here, no internet),
    let server = TestServer::start(1).await;
    // when a person opens the page,
    let page = server
        .http
        .get(format!("{}/api/v1/docs", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let content_type = page.headers()["content-type"].to_str().unwrap().to_string();
    assert!(
        content_type.starts_with("text/html"),
        "HTML, not {content_type}"
    );
    let html = page.text().await.unwrap();
    // then every script and style it loads comes from this server,
    let base = "/api/v1/docs/";
    let assets: Vec<String> = ["src=\"", "href=\""]
        .iter()
        .flat_map(|attr| {
            html.split(attr)
                .skip(1)
                .map(|rest| rest.split('"').next().unwrap().to_string())
        })
        .filter(|link| link != base)
        .collect();
    assert!(
        assets.iter().any(|a| a.ends_with(".js")) && assets.iter().any(|a| a.ends_with(".css")),
        "the page loads its scripts and styles: {assets:?}"
    );
    for asset in &assets {
        assert!(!asset.contains("//"), "{asset} is not on this server");
        let url = format!("{}{base}{}", server.base, asset.trim_start_matches("./"));
        let answer = server.http.get(&url).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{url} loads");
        let body = answer.text().await.unwrap();
        assert!(!body.is_empty(), "{url} is not empty");
    }
    // and the initializer points at the served document, with no outside validator.
    let init = server
        .http
        .get(format!("{}{base}swagger-initializer.js", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        init.contains("/api/v1/openapi.json"),
        "the page shows this server's document"
    );
    assert!(
        !init.contains("http://") && !init.contains("https://"),
        "the initializer reaches nothing outside: {init}"
    );
    // An unknown file is the API's 404.
    let missing = server
        .http
        .get(format!("{}{base}nothing-here.js", server.base))
        .send()
        .await
        .unwrap();
    let status = missing.status();
    let body: Value = missing.json().await.unwrap();
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}
