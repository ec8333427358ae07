//! Administration of agents (CONTRACT §8) through the real server: a system owner adds, edits,
//! disables and enables agents and sets temporary passwords; an agent made in the app must choose
//! their own password first; agents of the configuration file stay the file's; the audit log
//! records it all. On PostgreSQL a change made through one node holds on another at once.

mod common;

use common::{assert_error, config_toml, on_postgres, Agent, TestServer, PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const OWNER: &str = "190";

/// Agents 101 (manager) and 102 in ring_all queue "support", and a system owner, 190.
async fn server() -> TestServer {
    let owner = format!(
        "\n[[agents]]\nextension = \"{OWNER}\"\nname = \"Olga Owner\"\npassword = \"{PASSWORD}\"\nrole = \"system_owner\"\n"
    );
    TestServer::with_config(&format!(
        "{}{owner}",
        config_toml(2, "strategy = \"ring_all\"", "")
    ))
    .await
}

async fn sign_in(server: &TestServer, login: &str, password: &str) -> (StatusCode, Value) {
    server
        .call(
            None,
            Method::POST,
            "/api/v1/session",
            Some(json!({"login": login, "password": password})),
        )
        .await
}

fn token_of(answer: &Value) -> String {
    answer["token"].as_str().unwrap().to_string()
}

async fn as_token(
    server: &TestServer,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    server.call(Some(token), method, path, body).await
}

async fn audit_actions(owner: &Agent) -> Vec<(String, String)> {
    let (status, page) = owner.get("/api/v1/admin/audit?limit=100").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["target"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_owner_adds_an_agent_who_must_choose_a_password_then_works() {
    let server = server().await;
    let owner = server.login(OWNER).await;

    let (status, made) = owner
        .post(
            "/api/v1/admin/agents",
            json!({"extension": "201", "name": "Nina Nova", "email": "Nina@Example.com", "password": "temporary-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    assert_eq!(made["email"], "nina@example.com");
    assert_eq!(made["role"], "agent");
    assert_eq!(made["provisioned"], false);
    assert_eq!(made["must_change_password"], true);
    assert_eq!(
        made["password"],
        json!({"set": true}),
        "secrets are never answered"
    );
    assert!(!made.to_string().contains("temporary-1"));

    // The same rules as the configuration file, and nobody's extension or e-mail twice.
    for (body, code, words) in [
        (
            json!({"extension": "20a", "name": "X", "password": "long-enough"}),
            "invalid_agent",
            "extension",
        ),
        (
            json!({"extension": "202", "name": " ", "password": "long-enough"}),
            "invalid_agent",
            "name",
        ),
        (
            json!({"extension": "202", "name": "X", "email": "no-at", "password": "long-enough"}),
            "invalid_agent",
            "email",
        ),
        (
            json!({"extension": "202", "name": "X", "password": "short"}),
            "invalid_agent",
            "password",
        ),
        (
            json!({"extension": "202", "name": "X"}),
            "invalid_agent",
            "password",
        ),
    ] {
        let (status, answer) = owner.post("/api/v1/admin/agents", body.clone()).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST, code);
        assert!(
            answer["error"]["message"].as_str().unwrap().contains(words),
            "{body}: {answer}"
        );
    }
    for body in [
        json!({"extension": "201", "name": "Again", "password": "long-enough"}),
        json!({"extension": "203", "name": "Again", "email": "nina@example.com", "password": "long-enough"}),
        json!({"extension": "101", "name": "Config's", "password": "long-enough"}),
    ] {
        let (status, answer) = owner.post("/api/v1/admin/agents", body).await;
        assert_error(status, &answer, StatusCode::CONFLICT, "agent_taken");
    }

    // Nina signs in with the temporary password: only her password may she change.
    let (status, answer) = sign_in(&server, "nina@example.com", "temporary-1").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["must_change_password"], true);
    let nina = token_of(&answer);
    let (status, body) = as_token(&server, &nina, Method::GET, "/api/v1/conversations", None).await;
    assert_error(
        status,
        &body,
        StatusCode::FORBIDDEN,
        "password_change_required",
    );
    let (status, _) = as_token(&server, &nina, Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = as_token(
        &server,
        &nina,
        Method::PUT,
        "/api/v1/me/password",
        Some(json!({"current_password": "wrong-one", "new_password": "nina's own password"})),
    )
    .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_password");
    // A second session of hers ends when she changes the password; this one goes on.
    let (_, other) = sign_in(&server, "201", "temporary-1").await;
    let other = token_of(&other);
    let (status, body) = as_token(
        &server,
        &nina,
        Method::PUT,
        "/api/v1/me/password",
        Some(json!({"current_password": "temporary-1", "new_password": "nina's own password"})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = as_token(&server, &nina, Method::GET, "/api/v1/conversations", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = as_token(&server, &other, Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "her other session ended");
    let (status, answer) = sign_in(&server, "201", "nina's own password").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["must_change_password"], false);

    // Listed, and audited with who did it.
    let (_, list) = owner.get("/api/v1/admin/agents").await;
    let extensions: Vec<&str> = list["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["extension"].as_str().unwrap())
        .collect();
    assert_eq!(extensions, ["101", "102", "190", "201"]);
    assert_eq!(list["agents"][0]["provisioned"], true);
    assert_eq!(list["agents"][0]["queues"], json!(["support"]));
    let (_, page) = owner.get("/api/v1/admin/audit").await;
    let create = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "agent.create")
        .unwrap();
    assert_eq!(create["actor"], "Olga Owner (190)");
    assert_eq!(create["target"], "agent:201");
    assert_eq!(create["after"]["email"], "nina@example.com");
    assert_eq!(create["after"]["password"], json!({"set": true}));
    assert!(
        !page.to_string().contains("temporary-1"),
        "no secret in the log"
    );
}

#[tokio::test]
async fn only_system_owners_administer_and_the_files_agents_stay_the_files() {
    let server = server().await;
    let owner = server.login(OWNER).await;
    let manager = server.login("101").await;
    let (status, body) = manager.get("/api/v1/admin/agents").await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("system owners"));

    for (method, path, body) in [
        (
            Method::PUT,
            "/api/v1/admin/agents/102",
            Some(json!({"name": "Renamed"})),
        ),
        (Method::POST, "/api/v1/admin/agents/102/disable", None),
        (
            Method::POST,
            "/api/v1/admin/agents/102/password",
            Some(json!({"password": "long-enough"})),
        ),
    ] {
        let (status, answer) = owner.call(method, path, body).await;
        assert_error(status, &answer, StatusCode::CONFLICT, "provisioned");
        assert!(answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("configuration file"));
    }
    let (status, answer) = manager
        .call(
            Method::PUT,
            "/api/v1/me/password",
            Some(json!({"current_password": PASSWORD, "new_password": "something else"})),
        )
        .await;
    assert_error(status, &answer, StatusCode::CONFLICT, "provisioned");
    let (status, answer) = owner
        .call(
            Method::PUT,
            "/api/v1/admin/agents/999",
            Some(json!({"name": "Nobody"})),
        )
        .await;
    assert_error(status, &answer, StatusCode::NOT_FOUND, "agent_not_found");
}

#[tokio::test]
async fn disabling_signs_out_at_once_hands_chats_back_and_enabling_lets_them_in_again() {
    let server = server().await;
    let owner = server.login(OWNER).await;
    let (status, _) = owner
        .post(
            "/api/v1/admin/agents",
            json!({"extension": "201", "name": "Nina Nova", "password": "temporary-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, answer) = sign_in(&server, "201", "temporary-1").await;
    let nina = token_of(&answer);
    as_token(
        &server,
        &nina,
        Method::PUT,
        "/api/v1/me/password",
        Some(json!({"current_password": "temporary-1", "new_password": "nina's own password"})),
    )
    .await;

    // A customer's chat, taken by 101 and handed to Nina; another one straight to the queue.
    let ana = server.login("101").await;
    let chat = server
        .inbound("wa", "+5511999990001", "Olá")
        .await
        .conversation_id;
    let (status, _) = ana.take(chat).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = ana
        .post(
            &format!("/api/v1/conversations/{chat}/transfer"),
            json!({"extension": "201"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, mine) = as_token(
        &server,
        &nina,
        Method::GET,
        &format!("/api/v1/conversations/{chat}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{mine}");

    // Disabled: her token stops at once, she cannot sign in, the chat waits in its queue again
    // (offered to 101 and 102), and she may not be handed chats.
    let (status, disabled) = owner
        .call(Method::POST, "/api/v1/admin/agents/201/disable", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{disabled}");
    assert_eq!(disabled["disabled"], true);
    let (status, _) = as_token(&server, &nina, Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = sign_in(&server, "201", "nina's own password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, waiting) = ana.get(&format!("/api/v1/conversations/{chat}")).await;
    assert_eq!(status, StatusCode::OK, "{waiting}");
    assert_eq!(waiting["status"], "queued");
    assert!(waiting["owner"].is_null(), "{waiting}");
    let (status, body) = ana.take(chat).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = ana
        .post(
            &format!("/api/v1/conversations/{chat}/transfer"),
            json!({"extension": "201"}),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "agent_not_found");

    // Owners cannot lock themselves out.
    let (status, body) = owner
        .call(Method::POST, "/api/v1/admin/agents/190/disable", None)
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the file's owner is provisioned: {body}"
    );

    // Enabled again: she signs in.
    let (status, enabled) = owner
        .call(Method::POST, "/api/v1/admin/agents/201/enable", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(enabled["disabled"], false);
    let (status, _) = sign_in(&server, "201", "nina's own password").await;
    assert_eq!(status, StatusCode::OK);

    // A temporary password ends her sessions and asks for a new one.
    let (_, answer) = sign_in(&server, "201", "nina's own password").await;
    let session = token_of(&answer);
    let (status, _) = owner
        .post(
            "/api/v1/admin/agents/201/password",
            json!({"password": "temporary-2"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = as_token(&server, &session, Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, answer) = sign_in(&server, "201", "temporary-2").await;
    assert_eq!(answer["must_change_password"], true);

    // Renamed, with a new extension.
    let (status, edited) = owner
        .call(
            Method::PUT,
            "/api/v1/admin/agents/201",
            Some(json!({"extension": "205", "name": "Nina Nova Silva", "role": "manager"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["extension"], "205");
    assert_eq!(edited["role"], "manager");
    let (status, body) = owner
        .call(
            Method::PUT,
            "/api/v1/admin/agents/205",
            Some(json!({"extension": "102"})),
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "agent_taken");

    let actions = audit_actions(&owner).await;
    let expected = [
        ("agent.update", "agent:205"),
        ("agent.password", "agent:201"),
        ("agent.enable", "agent:201"),
        ("agent.disable", "agent:201"),
        ("agent.password", "agent:201"),
        ("agent.create", "agent:201"),
    ];
    assert_eq!(
        actions,
        expected.map(|(a, t)| (a.to_string(), t.to_string())),
        "newest first"
    );
    // Paging: one at a time reaches the first entry.
    let (_, first) = owner.get("/api/v1/admin/audit?limit=5").await;
    let next = first["next"].as_str().unwrap().to_string();
    let (_, rest) = owner
        .get(&format!("/api/v1/admin/audit?limit=5&after={next}"))
        .await;
    assert_eq!(rest["entries"].as_array().unwrap().len(), 1);
    assert_eq!(rest["entries"][0]["action"], "agent.create");
    let (status, body) = owner.get("/api/v1/admin/audit?after=nonsense").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_cursor");
}

#[tokio::test]
async fn a_change_through_one_node_holds_on_another_at_once() {
    if !on_postgres() {
        eprintln!("SKIPPED: nodes share only PostgreSQL (SWITCHBOARD_TEST_BACKEND=postgres)");
        return;
    }
    let a = server().await;
    let b = a.another_node().await;
    let owner = a.login(OWNER).await;
    let (status, _) = owner
        .post(
            "/api/v1/admin/agents",
            json!({"extension": "201", "name": "Nina Nova", "password": "temporary-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Made on A, she signs in on B; disabled on A, her session on B ends.
    let (status, answer) = sign_in(&b, "201", "temporary-1").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let nina = token_of(&answer);
    let (status, _) = as_token(&b, &nina, Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = owner
        .call(Method::POST, "/api/v1/admin/agents/201/disable", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = as_token(&b, &nina, Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, list) = owner.via(&b).get("/api/v1/admin/agents").await;
    let nina = list["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["extension"] == "201")
        .unwrap();
    assert_eq!(nina["disabled"], true);
}

#[tokio::test]
async fn queues_are_administered_by_owners_and_their_managers_and_waiting_chats_follow() {
    let server = server().await;
    let owner = server.login(OWNER).await;
    let manager = server.login("101").await;
    let agent = server.login("102").await;

    let (status, vip) = owner
        .post(
            "/api/v1/admin/queues",
            json!({"id": "vip", "name": "VIP", "strategy": "round_robin", "agents": ["102", "101"], "offer_timeout_s": 20}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{vip}");
    assert_eq!(vip["agents"], json!(["102", "101"]), "priority order kept");
    assert_eq!(vip["provisioned"], false);
    for (body, words) in [
        (json!({"id": "x y", "agents": ["101"]}), "id"),
        (
            json!({"id": "x", "agents": ["101"], "strategy": "lottery"}),
            "strategy",
        ),
        (json!({"id": "x", "agents": ["999"]}), "agents[0]"),
        (json!({"id": "x", "agents": ["101", "101"]}), "twice"),
        (
            json!({"id": "x", "agents": ["101"], "offer_timeout_s": 0}),
            "offer_timeout_s",
        ),
    ] {
        let (status, answer) = owner.post("/api/v1/admin/queues", body.clone()).await;
        assert_error(status, &answer, StatusCode::BAD_REQUEST, "invalid_queue");
        assert!(
            answer["error"]["message"].as_str().unwrap().contains(words),
            "{body}: {answer}"
        );
    }
    let (status, answer) = owner
        .post(
            "/api/v1/admin/queues",
            json!({"id": "vip", "agents": ["101"]}),
        )
        .await;
    assert_error(status, &answer, StatusCode::CONFLICT, "queue_taken");

    // Managers see and change the queues they belong to; agents none; the file's stay the file's.
    let (status, list) = manager.get("/api/v1/admin/queues").await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = list["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["support", "vip"]);
    let (status, body) = agent.get("/api/v1/admin/queues").await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = manager
        .post(
            "/api/v1/admin/queues",
            json!({"id": "mine", "agents": ["101"]}),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = owner
        .call(
            Method::PUT,
            "/api/v1/admin/queues/support",
            Some(json!({"name": "S"})),
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "provisioned");

    // A chat waiting in VIP, offered to both: the manager takes 101 out, and 101's offer goes.
    let chat = server
        .inbound("wa", "+5511999990002", "Oi")
        .await
        .conversation_id;
    assert!(manager.sees(chat).await && agent.sees(chat).await);
    server.execute(&format!(
        "UPDATE conversations SET queue_id = 'vip' WHERE id = '{chat}'"
    ));
    let (status, changed) = manager
        .call(
            Method::PUT,
            "/api/v1/admin/queues/vip",
            Some(json!({"strategy": "ring_all", "agents": ["102"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["strategy"], "ring_all");
    assert_eq!(changed["waiting"], 1);
    assert!(!manager.sees(chat).await, "the offer to 101 was withdrawn");
    assert!(agent.sees(chat).await, "102 is still offered it");
    let (status, body) = manager
        .call(
            Method::PUT,
            "/api/v1/admin/queues/vip",
            Some(json!({"name": "Mine now"})),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "queue_not_found");

    // Deleting it asks where the waiting chat goes, and a manager may not.
    let (status, body) = manager
        .call(Method::DELETE, "/api/v1/admin/queues/vip", None)
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = owner
        .call(Method::DELETE, "/api/v1/admin/queues/vip", None)
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "queue_in_use");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("move_to"),
        "{body}"
    );
    let (status, body) = owner
        .call(
            Method::DELETE,
            "/api/v1/admin/queues/support",
            Some(json!({"move_to": "vip"})),
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "provisioned");
    let (status, body) = owner
        .call(
            Method::DELETE,
            "/api/v1/admin/queues/vip",
            Some(json!({"move_to": "support"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(
        manager.sees(chat).await,
        "back in support, offered to 101 again"
    );
    let (_, waiting) = manager.get(&format!("/api/v1/conversations/{chat}")).await;
    assert_eq!(waiting["status"], "queued");

    let actions = audit_actions(&owner).await;
    assert_eq!(
        actions
            .iter()
            .map(|(a, t)| format!("{a} {t}"))
            .collect::<Vec<_>>(),
        [
            "queue.delete queue:vip",
            "queue.update queue:vip",
            "queue.create queue:vip"
        ]
    );
}

#[tokio::test]
async fn owners_see_each_channels_console_values_and_never_its_secrets() {
    let server = TestServer::with_config_for(|addr| {
        let owner = format!(
            "\n[[agents]]\nextension = \"{OWNER}\"\nname = \"Olga Owner\"\npassword = \"{PASSWORD}\"\nrole = \"system_owner\"\n"
        );
        format!(
            "{}{owner}",
            config_toml(1, "", &format!("public_url = \"http://{addr}\""))
                .replace("access_token = \"t\"", "access_token = \"EAAG-a-long-access-token-1234\"")
        )
    })
    .await;
    let owner = server.login(OWNER).await;
    let (status, list) = owner.get("/api/v1/admin/channels").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let text = list.to_string();
    assert!(
        !text.contains("a-long-access-token"),
        "no secret answered: {text}"
    );
    let channels = list["channels"].as_array().unwrap();
    let ids: Vec<&str> = channels.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["sms-direct", "wa"]);
    let wa = &channels[1];
    assert_eq!(wa["kind"], "whatsapp");
    assert_eq!(wa["route_queue"], "support");
    assert_eq!(wa["provisioned"], true);
    assert_eq!(
        wa["settings"]["access_token"],
        json!({"set": true, "last4": "1234"})
    );
    assert_eq!(
        wa["settings"]["app_secret"],
        json!({"set": true}),
        "short secrets: not even 4 characters"
    );
    assert_eq!(wa["console"][0]["name"], "webhook_url");
    assert_eq!(
        wa["console"][0]["value"],
        format!("{}/webhooks/whatsapp/wa", server.base)
    );
    let sms = &channels[0];
    assert_eq!(sms["route_extension"], "101");
    assert_eq!(
        sms["console"][1]["value"],
        format!("{}/webhooks/sms/sms-direct/status", server.base)
    );
    let manager = server.login("101").await;
    let (status, body) = manager.get("/api/v1/admin/channels").await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn an_agent_on_a_temporary_password_is_offered_nothing_until_they_choose_their_own() {
    let server = server().await;
    let owner = server.login(OWNER).await;
    let (_, nina) = owner
        .post(
            "/api/v1/admin/agents",
            json!({"extension": "201", "name": "Nina Nova", "password": "temporary-1"}),
        )
        .await;
    let nina_id = nina["id"].as_str().unwrap().to_string();
    let (status, _) = owner
        .post(
            "/api/v1/admin/queues",
            json!({"id": "vip", "agents": ["201"], "strategy": "ring_all"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let chat = server
        .inbound("wa", "+5511999990003", "Oi")
        .await
        .conversation_id;
    server.execute(&format!(
        "UPDATE conversations SET queue_id = 'vip' WHERE id = '{chat}'"
    ));
    let offers = || {
        server.count(&format!(
            "SELECT count(*) FROM conversation_views WHERE agent_id = '{nina_id}' AND relation = 'offered'"
        ))
    };

    // Signed in, but on the temporary password: not offered the waiting chat.
    let (_, answer) = sign_in(&server, "201", "temporary-1").await;
    let token = token_of(&answer);
    assert_eq!(offers(), 0);
    // Her own password chosen: offered at once.
    let (status, _) = as_token(
        &server,
        &token,
        Method::PUT,
        "/api/v1/me/password",
        Some(json!({"current_password": "temporary-1", "new_password": "nina's own password"})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(offers(), 1);
    let (status, _) = as_token(
        &server,
        &token,
        Method::GET,
        &format!("/api/v1/conversations/{chat}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn colleagues_hear_of_an_agent_added_renamed_disabled_and_enabled() {
    let server = server().await;
    let owner = server.login(OWNER).await;
    let bruno = server.login("102").await;
    let (_, cursor) = bruno.sync_all(0).await;
    let directory_events = |events: Vec<Value>| -> Vec<(String, Value)> {
        events
            .into_iter()
            .filter(|e| {
                e["type"]
                    .as_str()
                    .is_some_and(|t| t == "agent.upserted" || t == "agent.removed")
            })
            .map(|e| (e["type"].as_str().unwrap().to_string(), e["data"].clone()))
            .collect()
    };
    let (status, _) = owner
        .post(
            "/api/v1/admin/agents",
            json!({"extension": "201", "name": "Nina Nova", "password": "temporary-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = owner
        .call(
            Method::PUT,
            "/api/v1/admin/agents/201",
            Some(json!({"name": "Nina Nóbrega"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (events, cursor) = bruno.sync_all(cursor).await;
    let heard = directory_events(events);
    assert_eq!(heard.len(), 2, "{heard:?}");
    assert_eq!(heard[0].0, "agent.upserted");
    assert_eq!(heard[0].1["extension"], "201");
    assert_eq!(heard[0].1["name"], "Nina Nova");
    assert_eq!(heard[1].1["name"], "Nina Nóbrega");
    let nina = heard[0].1["id"].clone();

    let (status, _) = owner
        .call(Method::POST, "/api/v1/admin/agents/201/disable", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (events, cursor) = bruno.sync_all(cursor).await;
    assert_eq!(
        directory_events(events),
        [("agent.removed".to_string(), json!({"id": nina}))]
    );
    let (_, list) = bruno.get("/api/v1/agents").await;
    assert!(
        !list.to_string().contains("\"201\""),
        "a disabled agent is not offered: {list}"
    );
    let (status, _) = owner
        .call(Method::POST, "/api/v1/admin/agents/201/enable", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (events, _) = bruno.sync_all(cursor).await;
    let heard = directory_events(events);
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(heard[0].0, "agent.upserted");
    assert_eq!(heard[0].1["id"], nina);
}
