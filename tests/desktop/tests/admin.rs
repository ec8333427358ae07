//! Administration in the real app: the supervisor (a system owner) adds an agent, who signs in
//! on another app with the temporary password and chooses their own; disabling that agent signs
//! their running app out within seconds; the audit log shows it all. Agents see no trace of it.

use switchboard_desktop_e2e::{require_desktop, Desktop, Server, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_adds_an_agent_and_disabling_them_signs_their_app_out() {
    require_desktop!();
    let server = Server::start().await.expect("server");
    let desktop = Desktop::start().expect("desktop session");

    // An agent sees no administration.
    let ana = desktop.app("ana", &server.url()).await.expect("app starts");
    ana.login("101", PASSWORD).await.unwrap();
    ana.wait_for("[data-testid=conversation-list]")
        .await
        .unwrap();
    assert_eq!(
        ana.js(
            "return !!document.querySelector('[data-testid=admin-open]');",
            vec![]
        )
        .await
        .unwrap(),
        serde_json::json!(false)
    );
    let mut ana = ana;
    ana.quit().await;

    let marina = desktop
        .app("marina", &server.url())
        .await
        .expect("app starts");
    marina.login("100", PASSWORD).await.unwrap();
    marina
        .wait_for("[data-testid=conversation-list]")
        .await
        .unwrap();
    marina.click("[data-testid=admin-open]").await.unwrap();
    marina
        .wait_for("[data-testid=admin-agent][data-extension='103']")
        .await
        .expect("the agents are listed");
    marina
        .set_value("[data-testid=admin-form-extension]", "201")
        .await
        .unwrap();
    marina
        .set_value("[data-testid=admin-form-name]", "Nina Nova")
        .await
        .unwrap();
    marina
        .set_value("[data-testid=admin-form-email]", "nina@example.com")
        .await
        .unwrap();
    marina
        .set_value("[data-testid=admin-form-password]", "temporary-1")
        .await
        .unwrap();
    marina.click("[data-testid=admin-form-save]").await.unwrap();
    marina
        .wait_for("[data-testid=admin-agent][data-extension='201']")
        .await
        .expect("Nina is listed");
    marina.screenshot("admin-agents").await.unwrap();

    // Nina signs in on her own app and chooses her password.
    let nina = desktop
        .app("nina", &server.url())
        .await
        .expect("app starts");
    nina.login("201", "temporary-1").await.unwrap();
    nina.set_value("[data-testid=choose-password-new]", "nina's own password")
        .await
        .unwrap();
    nina.set_value(
        "[data-testid=choose-password-confirm]",
        "nina's own password",
    )
    .await
    .unwrap();
    nina.click("[data-testid=choose-password-submit]")
        .await
        .unwrap();
    nina.wait_for("[data-testid=conversation-list]")
        .await
        .expect("Nina works");

    // Disabled by the supervisor: Nina's app is signed out within seconds.
    marina
        .click("[data-testid=admin-agent][data-extension='201'] [data-testid=admin-disable]")
        .await
        .unwrap();
    marina
        .click("[data-testid=admin-disable-confirm]")
        .await
        .unwrap();
    marina
        .wait_for("[data-testid=admin-agent][data-extension='201'][data-disabled='true']")
        .await
        .expect("shown disabled");
    nina.wait_for("[data-testid=login-user]")
        .await
        .expect("Nina's app is back at the sign-in");

    marina.click("[data-testid=admin-tab-audit]").await.unwrap();
    marina
        .wait_for("[data-testid=admin-audit-entry][data-action='agent.disable']")
        .await
        .expect("the audit log shows the change");
    marina.screenshot("admin-audit").await.unwrap();

    // A queue made in the app: members reordered from the keyboard, strategy switched.
    marina
        .click("[data-testid=admin-tab-queues]")
        .await
        .unwrap();
    marina
        .wait_for("[data-testid=admin-queue-form]")
        .await
        .unwrap();
    marina
        .set_value("[data-testid=admin-queue-id]", "vip")
        .await
        .unwrap();
    marina
        .set_value("[data-testid=admin-queue-name]", "VIP")
        .await
        .unwrap();
    for extension in ["101", "102"] {
        marina
            .set_value("[data-testid=admin-queue-add-member]", extension)
            .await
            .unwrap();
        marina.click("[data-testid=admin-queue-add]").await.unwrap();
    }
    marina
        .click("[data-testid=admin-queue-save]")
        .await
        .unwrap();
    marina
        .wait_for("[data-testid=admin-queue][data-queue='vip'] [data-testid=admin-queue-edit]")
        .await
        .expect("the queue is listed");
    marina
        .click("[data-testid=admin-queue][data-queue='vip'] [data-testid=admin-queue-edit]")
        .await
        .unwrap();
    // Enter on the focused "Down" button, as a keyboard user moves a member.
    marina
        .type_into(
            "[data-testid=admin-member][data-extension='101'] [data-testid=admin-member-down]",
            "\u{E007}",
        )
        .await
        .unwrap();
    marina
        .set_value("[data-testid=admin-queue-strategy]", "hunt_by_threes")
        .await
        .unwrap();
    marina.screenshot("admin-queue-edit").await.unwrap();
    marina
        .click("[data-testid=admin-queue-save]")
        .await
        .unwrap();
    marina
        .wait_js(
            "the queue saved with its new order and strategy",
            "const r = document.querySelector(\"[data-testid=admin-queue][data-queue='vip']\"); return !!r && /Bruno Lima \\(102\\), Ana Souza \\(101\\)/.test(r.textContent) && /Hunt by threes/.test(r.textContent);",
            vec![],
        )
        .await
        .expect("saved");
    marina.screenshot("admin-queues").await.unwrap();

    // The channels, with what to paste into each provider's console.
    marina
        .click("[data-testid=admin-tab-channels]")
        .await
        .unwrap();
    marina
        .wait_for(
            "[data-testid=admin-channel][data-channel='wa-main'] [data-testid=admin-console-value]",
        )
        .await
        .expect("the channels are shown");
    let snippet = marina
        .js(
            "return [...document.querySelectorAll('[data-testid=admin-console-value]')].map(e => e.value).join('\\n');",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        snippet.as_str().unwrap().contains("/livechat/")
            && snippet.as_str().unwrap().contains("/webhooks/whatsapp/"),
        "{snippet}"
    );
    marina.screenshot("admin-channels").await.unwrap();
}
