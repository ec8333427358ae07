//! Quick-reply templates: the role matrix, search order, filters, events and rendering.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// 101 is a manager; 102 an agent; 103 a group owner; 104 a system owner.
async fn server_with_roles() -> TestServer {
    let text = config_toml(4, "strategy = \"ring_all\"", "");
    let text = set_role(&text, "103", "group_owner");
    let text = set_role(&text, "104", "system_owner");
    TestServer::with_config(&text).await
}

fn set_role(text: &str, extension: &str, role: &str) -> String {
    let marker = format!("extension = \"{extension}\"");
    let start = text.find(&marker).unwrap();
    let role_at = start + text[start..].find("role = \"agent\"").unwrap();
    format!(
        "{}role = \"{role}\"{}",
        &text[..role_at],
        &text[role_at + "role = \"agent\"".len()..]
    )
}

fn template(name: &str, body: &str, category: &str, language: &str) -> Value {
    json!({"name": name, "body": body, "category": category, "language": language})
}

fn names(body: &Value) -> Vec<String> {
    body["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn only_managers_and_owners_change_templates() {
    let server = server_with_roles().await;
    let agent = server.login("102").await;
    for (extension, allowed) in [("101", true), ("102", false), ("103", true), ("104", true)] {
        let who = server.login(extension).await;
        let (status, created) = who
            .post(
                "/api/v1/templates",
                template(&format!("By {extension}"), "Olá", "Geral", "pt-BR"),
            )
            .await;
        if !allowed {
            assert_error(status, &created, StatusCode::FORBIDDEN, "forbidden");
            assert!(
                created["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("managers"),
                "{created}"
            );
            continue;
        }
        assert_eq!(status, StatusCode::CREATED, "{extension}: {created}");
        assert_eq!(created["updated_by"]["extension"], extension);
        let id = created["id"].as_str().unwrap();
        let path = format!("/api/v1/templates/{id}");
        // The plain agent can neither edit nor delete it.
        let (status, body) = agent
            .call(
                Method::PUT,
                &path,
                Some(template("Hack", "x", "Geral", "en")),
            )
            .await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
        let (status, body) = agent.call(Method::DELETE, &path, None).await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
        let (status, edited) = who
            .call(
                Method::PUT,
                &path,
                Some(template("Edited", "Oi", "Geral", "pt-br")),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{edited}");
        assert_eq!(edited["language"], "pt-BR");
        let (status, _) = who.call(Method::DELETE, &path, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, body) = who.call(Method::DELETE, &path, None).await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn bad_templates_name_the_field() {
    let server = server_with_roles().await;
    let manager = server.login("101").await;
    let cases = [
        (template("", "b", "c", "en"), "name"),
        (template("n", "", "c", "en"), "body"),
        (template("n", "b", " ", "en"), "category"),
        (template("n", "b", "c", "portuguese!"), "language"),
    ];
    for (body, field) in cases {
        let (status, answer) = manager.post("/api/v1/templates", body).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST, "invalid_template");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(field),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn search_filters_and_orders_name_prefix_matches_first() {
    let server = server_with_roles().await;
    let manager = server.login("101").await;
    let agent = server.login("102").await;
    for t in [
        template(
            "Não encontrado",
            "Não localizamos seu pedido.",
            "Pedidos",
            "pt-BR",
        ),
        template(
            "Prazo de entrega",
            "O prazo é de 5 dias; não se preocupe.",
            "Pedidos",
            "pt-BR",
        ),
        template(
            "Saudação",
            "Olá {{contact.first_name}}!",
            "Abertura",
            "pt-BR",
        ),
        template(
            "Greeting",
            "Hello {{contact.first_name}}, I'm {{agent.name}}.",
            "Opening",
            "en",
        ),
        template("Closing", "Thanks for reaching out!", "Closing", "en-US"),
        template(
            "Encerramento",
            "Obrigado pelo contato!",
            "Encerramento",
            "pt-BR",
        ),
    ] {
        let (status, body) = manager.post("/api/v1/templates", t).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (_, all) = agent.get("/api/v1/templates").await;
    assert_eq!(names(&all).len(), 6);
    let (_, found) = agent.get("/api/v1/templates?q=nao").await;
    assert_eq!(
        names(&found),
        ["Não encontrado", "Prazo de entrega"],
        "prefix match first, accents ignored"
    );
    let (_, found) = agent.get("/api/v1/templates?q=SAUD").await;
    assert_eq!(names(&found), ["Saudação"]);
    let (_, found) = agent.get("/api/v1/templates?category=pedidos").await;
    assert_eq!(names(&found), ["Não encontrado", "Prazo de entrega"]);
    let (_, found) = agent.get("/api/v1/templates?language=en").await;
    assert_eq!(names(&found), ["Closing", "Greeting"], "en includes en-US");
    let (_, found) = agent
        .get("/api/v1/templates?language=pt-BR&category=Abertura&q=ol")
        .await;
    assert_eq!(names(&found), ["Saudação"]);
    let (_, categories) = agent.get("/api/v1/templates/categories").await;
    assert_eq!(
        categories["categories"],
        json!(["Abertura", "Closing", "Encerramento", "Opening", "Pedidos"])
    );
    let (_, languages) = agent.get("/api/v1/templates/languages").await;
    assert_eq!(languages["languages"], json!(["en", "en-US", "pt-BR"]));
}

#[tokio::test]
async fn template_changes_reach_every_agent() {
    let server = server_with_roles().await;
    let manager = server.login("101").await;
    let agent = server.login("102").await;
    let (_, cursor) = agent.sync_all(0).await;
    let (_, created) = manager
        .post(
            "/api/v1/templates",
            template("Oi", "Olá!", "Geral", "pt-BR"),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    manager
        .call(Method::DELETE, &format!("/api/v1/templates/{id}"), None)
        .await;
    let (events, _) = agent.sync_all(cursor).await;
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["template.upserted", "template.removed"]);
    assert_eq!(events[0]["data"]["body"], "Olá!");
    assert_eq!(events[1]["data"]["id"], id);
}

#[tokio::test]
async fn rendering_fills_known_variables_for_the_conversation() {
    let server = server_with_roles().await;
    let manager = server.login("101").await;
    let agent = server.login("102").await;
    let (_, t) = manager
        .post(
            "/api/v1/templates",
            template("Saudação", "Olá {{contact.first_name}}, aqui é {{agent.name}} (ramal {{agent.extension}}). Pedido {{order.id}}?", "Abertura", "pt-BR"),
        )
        .await;
    let id = t["id"].as_str().unwrap();
    let unknown = server.inbound("sms-direct", "+14155550199", "hi").await;
    let chat = server.inbound("wa", "5511933332222", "Oi").await;
    let render = |conversation: uuid::Uuid| json!({"conversation_id": conversation});

    // An unknown customer whose name we only know as a number: the variable stays.
    let (status, body) = manager
        .post(
            &format!("/api/v1/templates/{id}/render"),
            render(unknown.conversation_id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["body"],
        "Olá {{contact.first_name}}, aqui é Agent 101 (ramal 101). Pedido {{order.id}}?"
    );

    agent
        .post(
            "/api/v1/contacts/from-identity",
            json!({"conversation_id": chat.conversation_id, "name": "Beatriz Nunes"}),
        )
        .await;
    let (_, body) = agent
        .post(
            &format!("/api/v1/templates/{id}/render"),
            render(chat.conversation_id),
        )
        .await;
    assert_eq!(
        body["body"],
        "Olá Beatriz, aqui é Agent 102 (ramal 102). Pedido {{order.id}}?"
    );

    // Rendering needs a conversation you can see.
    let (status, body) = agent
        .post(
            &format!("/api/v1/templates/{id}/render"),
            render(unknown.conversation_id),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}
