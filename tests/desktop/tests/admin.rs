//! Administration in the real app: the supervisor (a system owner) adds a manager, who signs in
//! on another app with the temporary password and chooses their own; the supervisor makes a
//! queue, which the manager reorders (keyboard, then drag and drop) and switches to
//! hunt_by_threes; disabling the manager signs their running app out within seconds; the audit
//! log, filtered, shows it all. Agents see no trace of it.
//! The supervisor also adds a WhatsApp channel through the form, checks its credentials with
//! the (fake) provider, sees a customer's message reach the new agent it routes to, and
//! disables it. axe-core finds no WCAG 2.1 A/AA violation on these screens.

use serde_json::json;
use switchboard_desktop_e2e::{require_desktop, Desktop, Server, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_adds_a_manager_who_reorders_a_queue_and_disabling_them_signs_their_app_out() {
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
    marina
        .set_value("[data-testid=admin-form-role]", "manager")
        .await
        .unwrap();
    marina.click("[data-testid=admin-form-save]").await.unwrap();
    marina
        .wait_for("[data-testid=admin-agent][data-extension='201']")
        .await
        .expect("Nina is listed");
    marina
        .assert_accessible("[data-testid=admin-dialog]", "the agents")
        .await;
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

    // The supervisor makes a queue for Ana and Nina.
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
    for extension in ["101", "201"] {
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

    // Nina, a manager of it, reorders its members from the keyboard and switches its
    // strategy; she sees no agents, channels or audit log.
    nina.click("[data-testid=admin-open]").await.unwrap();
    nina.wait_for("[data-testid=admin-queue][data-queue='vip'] [data-testid=admin-queue-edit]")
        .await
        .expect("her queue is listed");
    assert_eq!(
        nina.js(
            "return ['agents', 'channels', 'audit'].map(t => document.querySelector(`[data-testid=admin-tab-${t}]`).hidden);",
            vec![]
        )
        .await
        .unwrap(),
        json!([true, true, true]),
        "a manager administers queues only"
    );
    nina.click("[data-testid=admin-queue][data-queue='vip'] [data-testid=admin-queue-edit]")
        .await
        .unwrap();
    // Enter on the focused "Down" button, as a keyboard user moves a member.
    nina.type_into(
        "[data-testid=admin-member][data-extension='101'] [data-testid=admin-member-down]",
        "\u{E007}",
    )
    .await
    .unwrap();
    nina.set_value("[data-testid=admin-queue-strategy]", "hunt_by_threes")
        .await
        .unwrap();
    nina.screenshot("admin-queue-edit").await.unwrap();
    nina.click("[data-testid=admin-queue-save]").await.unwrap();
    nina.wait_js(
        "the queue saved with its new order and strategy",
        "const r = document.querySelector(\"[data-testid=admin-queue][data-queue='vip']\"); return !!r && /Nina Nova \\(201\\), Ana Souza \\(101\\)/.test(r.textContent) && /Hunt by threes/.test(r.textContent);",
        vec![],
    )
    .await
    .expect("saved");
    nina.screenshot("admin-queues").await.unwrap();

    // Drag and drop in the real webview: Nina's row dropped on the lower half of Ana's puts
    // her back below Ana, with the drop line shown while dragging over.
    nina.click("[data-testid=admin-queue][data-queue='vip'] [data-testid=admin-queue-edit]")
        .await
        .unwrap();
    nina.wait_for("[data-testid=admin-member][data-extension='201']")
        .await
        .unwrap();
    let line_shown = nina
        .js(
            "const row = (e) => document.querySelector(`[data-testid=admin-member][data-extension='${e}']`);
             const data = new DataTransfer();
             const fire = (target, type) => {
               const box = target.getBoundingClientRect();
               target.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true,
                 dataTransfer: data, clientX: box.left + 10, clientY: box.top + box.height * 0.75}));
             };
             const dragged = row('201');
             fire(dragged, 'dragstart');
             fire(row('101'), 'dragover');
             const shown = row('101').classList.contains('drop-after');
             fire(row('101'), 'drop');
             fire(dragged, 'dragend');
             return shown;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(line_shown, serde_json::json!(true), "the drop line shows");
    nina.assert_accessible("[data-testid=admin-dialog]", "a queue's form")
        .await;
    nina.click("[data-testid=admin-queue-save]").await.unwrap();
    nina.wait_js(
        "the queue saved in the dragged order",
        "const r = document.querySelector(\"[data-testid=admin-queue][data-queue='vip']\"); return !!r && /Ana Souza \\(101\\), Nina Nova \\(201\\)/.test(r.textContent);",
        vec![],
    )
    .await
    .expect("saved");

    // Disabled by the supervisor: Nina's app is signed out within seconds.
    marina
        .click("[data-testid=admin-tab-agents]")
        .await
        .unwrap();
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

    // The audit log shows it all, filtered to the queue's changes: Nina's, with what changed.
    marina.click("[data-testid=admin-tab-audit]").await.unwrap();
    marina
        .wait_for("[data-testid=admin-audit-entry][data-action='agent.disable']")
        .await
        .expect("the audit log shows the change");
    marina
        .set_value("[data-testid=admin-audit-target]", "queue:vip")
        .await
        .unwrap();
    marina
        .click("[data-testid=admin-audit-apply]")
        .await
        .unwrap();
    marina
        .wait_js(
            "the audit log shows the queue's changes only",
            "const entries = [...document.querySelectorAll('[data-testid=admin-audit-entry]')];
             return entries.length === 3 && entries.every(e => e.dataset.action.startsWith('queue.'))
               && entries[0].textContent.includes('Nina Nova (201)');",
            vec![],
        )
        .await
        .expect("filtered");
    marina
        .click("[data-testid=admin-audit-entry] [data-testid=admin-audit-changes] summary")
        .await
        .unwrap();
    marina
        .assert_accessible("[data-testid=admin-dialog]", "the audit log")
        .await;
    marina.screenshot("admin-audit").await.unwrap();

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
    marina.screenshot("admin-channels-console").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_adds_a_whatsapp_channel_that_reaches_a_new_agent_then_disables_it() {
    require_desktop!();
    let server = Server::start().await.expect("server");
    let desktop = Desktop::start().expect("desktop session");
    let graph = server.graph.options().clone();
    // A new colleague, made in the administration, who has chosen her own password.
    let owner = server.api("100").await.unwrap();
    owner
        .post_json(
            "/admin/agents",
            json!({"extension": "202", "name": "Olívia Nunes", "password": "temporary-2"}),
        )
        .await
        .unwrap();
    server
        .api_with("202", "temporary-2")
        .await
        .unwrap()
        .put_json(
            "/me/password",
            json!({"current_password": "temporary-2", "new_password": "olivia-own-1"}),
        )
        .await
        .unwrap();

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
        .click("[data-testid=admin-tab-channels]")
        .await
        .unwrap();
    marina
        .wait_for("[data-testid=admin-channel][data-channel='wa-main']")
        .await
        .expect("the configuration file's channels are listed");
    assert!(
        marina
            .js(
                "return !document.querySelector('[data-testid=channel-edit-wa-main]');",
                vec![]
            )
            .await
            .unwrap()
            .as_bool()
            .unwrap(),
        "the configuration file's channel is read-only"
    );

    // The form: a WhatsApp number routed to Olívia (202), first without its access token.
    marina.click("[data-testid=channel-add]").await.unwrap();
    marina
        .wait_for("[data-testid=channel-form]")
        .await
        .expect("the form opens");
    // Each kind's own settings are labelled and described: a Messenger page's HUMAN_AGENT
    // flag, an SMS number's stop and start keywords.
    for (kind, setting) in [("facebook", "human_agent_tag"), ("sms", "stop_keywords")] {
        marina
            .set_value("[data-testid=channel-form-kind]", kind)
            .await
            .unwrap();
        marina
            .wait_for(&format!("[data-testid=channel-form-setting-{setting}]"))
            .await
            .expect("the kind's settings are drawn");
        marina
            .assert_accessible(
                "[data-testid=admin-dialog]",
                &format!("the {kind} channel form"),
            )
            .await;
        marina
            .screenshot(&format!("admin-channel-form-{kind}"))
            .await
            .unwrap();
    }
    for (field, value) in [
        ("channel-form-kind", "whatsapp"),
        ("channel-form-id", "wa-new"),
        ("channel-form-route", "agent"),
        ("channel-form-agent", "202"),
        (
            "channel-form-setting-phone_number_id",
            graph.phone_number_id.as_str(),
        ),
        ("channel-form-setting-app_secret", graph.app_secret.as_str()),
        ("channel-form-setting-verify_token", "new-verify-token"),
        ("channel-form-setting-api_base", server.graph.base_url()),
    ] {
        marina
            .set_value(&format!("[data-testid={field}]"), value)
            .await
            .unwrap();
    }
    marina.click("[data-testid=channel-save]").await.unwrap();
    marina
        .wait_js(
            "the server's sentence in the form",
            "const e = document.querySelector('[data-testid=channel-form-error]'); return !!e && /whatsapp\\.access_token/.test(e.textContent);",
            vec![],
        )
        .await
        .expect("the missing token is named");
    assert_eq!(
        marina
            .js(
                "return document.querySelector('[data-testid=channel-form-setting-access_token]').getAttribute('aria-invalid');",
                vec![]
            )
            .await
            .unwrap(),
        json!("true")
    );
    marina
        .set_value(
            "[data-testid=channel-form-setting-access_token]",
            &graph.whatsapp_access_token,
        )
        .await
        .unwrap();
    marina
        .assert_accessible("[data-testid=admin-dialog]", "the channel form")
        .await;
    marina.screenshot("admin-channel-form").await.unwrap();
    marina.click("[data-testid=channel-save]").await.unwrap();
    marina
        .wait_for("[data-testid=admin-channel][data-channel='wa-new']")
        .await
        .expect("the new channel is listed");

    // Check connection: the fake Graph API knows the number.
    marina
        .click("[data-testid=channel-check-wa-new]")
        .await
        .unwrap();
    marina
        .wait_js(
            "the check's answer",
            "const e = document.querySelector('[data-testid=channel-check-result-wa-new]'); return !!e && e.dataset.ok === 'true' && e.textContent.includes('Switchboard Demo');",
            vec![],
        )
        .await
        .expect("the provider's answer is shown");
    marina
        .assert_accessible("[data-testid=admin-dialog]", "the channels")
        .await;
    marina
        .js(
            "document.querySelector(\"[data-testid=admin-channel][data-channel='wa-new']\").scrollIntoView({block: 'start'});",
            vec![],
        )
        .await
        .unwrap();
    marina.screenshot("admin-channels").await.unwrap();

    // The provider's console is set up with the values shown: the handshake with the verify
    // token typed in the form, then a customer's message, signed, reaches Olívia.
    let hook = server
        .graph
        .webhook(format!("{}/webhooks/whatsapp/wa-new", server.url()));
    let handshake = hook
        .verify("new-verify-token", "challenge-42")
        .await
        .unwrap();
    assert_eq!(
        (handshake.status, handshake.body.as_str()),
        (200, "challenge-42")
    );
    let business = switchboard_fakes::WhatsAppBusiness::default();
    let body = switchboard_fakes::WhatsAppWebhook::text(
        &business,
        "5511977776666",
        "Rita Ramos",
        "Hello, new number!",
    );
    let answer = hook.send(&body).await.unwrap();
    assert!(answer.is_success(), "webhook answered {}", answer.status);
    let olivia = server.api_with("202", "olivia-own-1").await.unwrap();
    let id = olivia
        .wait_for_conversation("Rita Ramos")
        .await
        .expect("Olívia has Rita's chat");
    let chat = olivia.get(&format!("/conversations/{id}")).await.unwrap();
    assert_eq!(chat["channel_id"], "wa-new", "{chat}");
    let ana = server.api("101").await.unwrap();
    assert!(
        ana.conversation_named("Rita Ramos", "recent")
            .await
            .is_err(),
        "offered to Olívia alone"
    );

    // Disabled: the Enable button is offered, and the provider is told to come back later.
    marina
        .click("[data-testid=channel-disable-wa-new]")
        .await
        .unwrap();
    marina
        .wait_for("[data-testid=channel-enable-wa-new]")
        .await
        .expect("the channel can be enabled again");
    marina
        .wait_for("[data-testid=admin-channel][data-channel='wa-new'][data-enabled='false']")
        .await
        .expect("shown disabled");
    let later = hook.send(&body).await.unwrap();
    assert_eq!(later.status, 503, "{}", later.body);
}
