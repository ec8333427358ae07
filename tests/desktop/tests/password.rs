//! An agent the supervisor added with a temporary password signs in to the real app: the app
//! asks for their own password before anything else, then works; later they change it in
//! Settings.

use switchboard_desktop_e2e::{require_desktop, Desktop, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temporary_password_is_replaced_at_the_first_sign_in_and_changed_in_settings() {
    require_desktop!();
    let server = Server::start().await.expect("server");
    let supervisor = server.api("100").await.expect("the supervisor signs in");
    supervisor
        .post_json(
            "/admin/agents",
            serde_json::json!({"extension": "201", "name": "Nina Nova", "password": "temporary-1"}),
        )
        .await
        .expect("the supervisor adds Nina");

    let desktop = Desktop::start().expect("desktop session");
    let app = desktop
        .app("nina", &server.url())
        .await
        .expect("app starts");
    app.login("201", "temporary-1").await.unwrap();
    app.wait_for("[data-testid=choose-password-new]")
        .await
        .expect("the app asks for her own password");
    app.screenshot("choose-password").await.unwrap();

    app.set_value("[data-testid=choose-password-new]", "nina's own password")
        .await
        .unwrap();
    app.set_value("[data-testid=choose-password-confirm]", "a different one")
        .await
        .unwrap();
    app.click("[data-testid=choose-password-submit]")
        .await
        .unwrap();
    app.wait_js(
        "the mismatch to be said",
        "const s = document.querySelector('[data-testid=choose-password-status]'); return !!s && !s.hidden && /differ/.test(s.textContent);",
        vec![],
    )
    .await
    .unwrap();
    app.set_value(
        "[data-testid=choose-password-confirm]",
        "nina's own password",
    )
    .await
    .unwrap();
    app.click("[data-testid=choose-password-submit]")
        .await
        .unwrap();
    app.wait_for("[data-testid=conversation-list]")
        .await
        .expect("signed in with her own password");

    // Settings: a new password, with the current one.
    app.click("[data-testid=settings-open]").await.unwrap();
    app.set_value("[data-testid=password-current]", "nina's own password")
        .await
        .unwrap();
    app.set_value("[data-testid=password-new]", "yet another password")
        .await
        .unwrap();
    app.set_value("[data-testid=password-confirm]", "yet another password")
        .await
        .unwrap();
    app.click("[data-testid=password-change]").await.unwrap();
    app.wait_js(
        "the change to be confirmed",
        "const s = document.querySelector('[data-testid=password-status]'); return !!s && /changed/.test(s.textContent);",
        vec![],
    )
    .await
    .unwrap();
    app.screenshot("settings-password").await.unwrap();

    // The new password is the one that signs in.
    let again = reqwest::Client::new()
        .post(format!("{}/api/v1/session", server.url()))
        .json(&serde_json::json!({"login": "201", "password": "yet another password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), reqwest::StatusCode::OK);
}
