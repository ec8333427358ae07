//! The real desktop app, end to end: Tauri window under Xvfb, driven through tauri-driver,
//! against the real server with fake WhatsApp/Messenger/Twilio providers.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use switchboard_desktop_e2e::{require_desktop, App, Desktop, Server, PASSWORD};

async fn signed_in(desktop: &Desktop, server: &Server, name: &str, user: &str) -> App {
    let app = desktop.app(name, &server.url()).await.expect("app starts");
    app.login(user, PASSWORD).await.expect("login form");
    app.wait_for("[data-testid=conversation-list]")
        .await
        .expect("signed in");
    app
}

/// Wait until the fake Graph API has been asked to send a WhatsApp text containing `text`.
async fn whatsapp_sent(server: &Server, text: &str) -> bool {
    for _ in 0..200 {
        if server
            .graph
            .sent_whatsapp()
            .iter()
            .any(|m| m["text"]["body"].as_str().is_some_and(|b| b.contains(text)))
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_list_templates_reply_and_settings_that_survive_a_restart() {
    require_desktop!();
    let server = Server::start().await.expect("server");
    let desktop = Desktop::start().expect("desktop session");
    let mut app = desktop.app("ana", &server.url()).await.expect("app starts");

    // Login: a wrong password is refused with a clear message.
    app.wait_for("[data-testid=login-user]").await.unwrap();
    assert_eq!(
        app.js(
            "return document.querySelector('[data-testid=login-server]').value;",
            vec![]
        )
        .await
        .unwrap(),
        json!(server.url()),
        "the server address comes pre-filled"
    );
    app.wait_js(
        "the logo on the login card",
        "const logo = document.querySelector('img.logo'); return !!logo && logo.complete && logo.naturalWidth > 0;",
        vec![],
    )
    .await
    .unwrap();
    app.screenshot("login").await.unwrap();
    app.login("101", "wrong-password").await.unwrap();
    app.wait_js(
        "the wrong-password message",
        "const s = document.querySelector('[data-testid=login-status]'); return !!s && !s.hidden && /password/i.test(s.textContent);",
        vec![],
    )
    .await
    .unwrap();
    app.login("101", PASSWORD).await.unwrap();
    app.wait_for("[data-testid=conversation-list]")
        .await
        .unwrap();

    // The list shows chats of all four channels, each with its icon.
    app.wait_js(
        "chats of every channel",
        "const kinds = new Set([...document.querySelectorAll('[data-testid=conversation-item] [data-testid=channel-icon]')].map(e => e.getAttribute('data-channel')));
         return ['whatsapp','facebook','sms','livechat'].every(k => kinds.has(k));",
        vec![],
    )
    .await
    .unwrap();
    app.screenshot("list-all-channels").await.unwrap();

    // Open João's WhatsApp chat; find a template by search, category and language.
    let api = server.api("101").await.unwrap();
    let joao = api
        .conversation_named("João Pereira", "recent")
        .await
        .unwrap();
    app.open(&joao).await.unwrap();
    app.wait_js(
        "João's messages",
        "return document.querySelector('[data-testid=message-list]').textContent.includes('4471');",
        vec![],
    )
    .await
    .unwrap();
    app.click("[data-testid=templates-toggle]").await.unwrap();
    app.wait_for("[data-testid=template-item]").await.unwrap();
    app.set_value("[data-testid=template-language]", "pt-BR")
        .await
        .unwrap();
    let categories = app
        .js("return [...document.querySelectorAll('[data-testid=template-category]')].map(e => e.getAttribute('data-category')).filter(Boolean);", vec![])
        .await
        .unwrap();
    let category = categories[0].as_str().expect("a category").to_string();
    app.click(&format!(
        "[data-testid=template-category][data-category=\"{category}\"]"
    ))
    .await
    .unwrap();
    app.wait_js(
        "templates of one category in Portuguese",
        "const items = [...document.querySelectorAll('[data-testid=template-item]')];
         return items.length > 0 && items.every(i => i.textContent.includes(arguments[0]) && i.textContent.includes('pt-BR'));",
        vec![json!(category)],
    )
    .await
    .unwrap();
    app.screenshot("chat-with-templates").await.unwrap();
    app.click("[data-testid=template-item]").await.unwrap();
    let filled = app
        .js(
            "return document.querySelector('[data-testid=reply-box]').value;",
            vec![],
        )
        .await
        .unwrap();
    let filled = filled.as_str().unwrap_or_default().to_string();
    assert!(!filled.is_empty(), "the template fills the reply box");
    assert!(
        !filled.contains("{{agent.name}}"),
        "variables are filled: {filled}"
    );

    // `/` and a few letters of a template's name open the quick picker; Enter picks the first.
    app.set_value("[data-testid=reply-box]", "").await.unwrap();
    app.type_into("[data-testid=reply-box]", "/Prazo")
        .await
        .unwrap();
    app.wait_js(
        "the quick picker offering \"Prazo de entrega\"",
        "const items = [...document.querySelectorAll('[data-testid=template-picker-item]')];
         return items.length > 0 && items[0].textContent.includes('Prazo de entrega') && items[0].offsetParent !== null;",
        vec![],
    )
    .await
    .unwrap();
    app.screenshot("template-picker").await.unwrap();
    app.type_into("[data-testid=reply-box]", "\u{E007}")
        .await
        .unwrap();
    app.wait_js(
        "the picked template in the reply box",
        "return document.querySelector('[data-testid=reply-box]').value.startsWith('O prazo de entrega é de 3 a 5 dias úteis')
             && document.querySelector('[data-testid=template-picker]').hidden;",
        vec![],
    )
    .await
    .unwrap();
    assert!(
        !server
            .graph
            .sent_whatsapp()
            .iter()
            .any(|m| m["text"]["body"]
                .as_str()
                .is_some_and(|b| b.contains("prazo de entrega") || b.starts_with('/'))),
        "Enter in the picker picks a template and sends nothing: {:?}",
        server.graph.sent_whatsapp()
    );

    // The help overlay lists the keyboard shortcuts.
    app.click("[data-testid=help-open]").await.unwrap();
    app.wait_for("[data-testid=help-overlay] [data-testid=shortcut]")
        .await
        .unwrap();
    app.screenshot("help-overlay").await.unwrap();
    app.click("[data-testid=help-close]").await.unwrap();
    app.wait_js(
        "the help overlay to close",
        "return !document.querySelector('[data-testid=help-overlay]');",
        vec![],
    )
    .await
    .unwrap();

    // Reply with Enter: it reaches the customer through the (fake) WhatsApp Cloud API.
    app.set_value("[data-testid=reply-box]", "").await.unwrap();
    app.type_into(
        "[data-testid=reply-box]",
        "Olá João, já estou verificando o pedido 4471.\u{E007}",
    )
    .await
    .unwrap();
    assert!(
        whatsapp_sent(&server, "já estou verificando o pedido 4471").await,
        "the reply reached the WhatsApp provider; sent: {:?}",
        server.graph.sent_whatsapp()
    );

    // Settings: preview off, another sound; they survive a restart of the app, which opens
    // signed in (the token comes back from the keychain).
    app.click("[data-testid=settings-open]").await.unwrap();
    app.wait_for("[data-testid=setting-preview]").await.unwrap();
    app.screenshot("settings").await.unwrap();
    // The sound section, with a sound per channel and per queue unfolded.
    app.click("[data-testid=setting-channel-sounds] summary")
        .await
        .unwrap();
    app.wait_for("[data-testid=setting-channel-sound-whatsapp]")
        .await
        .unwrap();
    app.click("[data-testid=setting-queue-sounds] summary")
        .await
        .unwrap();
    app.wait_for("[data-testid=setting-queue-sound-sales]")
        .await
        .unwrap();
    app.screenshot("settings-sounds").await.unwrap();
    app.click("[data-testid=setting-preview]").await.unwrap();
    app.set_value("[data-testid=setting-sound-choice]", "bell")
        .await
        .unwrap();
    app.click("[data-testid=settings-save]").await.unwrap();
    app.wait_js(
        "the settings dialog to close",
        "return !document.querySelector('[data-testid=settings-dialog]');",
        vec![],
    )
    .await
    .unwrap();

    app.restart().await.unwrap();
    app.wait_for("[data-testid=conversation-list]")
        .await
        .expect("signed in again from the keychain, without the login screen");
    app.click("[data-testid=settings-open]").await.unwrap();
    app.wait_for("[data-testid=setting-preview]").await.unwrap();
    let saved = app
        .js(
            "return [document.querySelector('[data-testid=setting-preview]').checked, document.querySelector('[data-testid=setting-sound-choice]').value];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(saved, json!([false, "bell"]), "settings persisted");
    app.click("[data-testid=settings-cancel]").await.unwrap();

    // With preview off, a notification says that a message came, not what it says.
    server
        .whatsapp_from("5511944443333", "Carlos Souza", "Segredo do pedido 9981")
        .await
        .unwrap();
    let notified = desktop.wait_for_notification(&["Carlos Souza"]).await;
    let log = desktop.notifications();
    assert!(
        notified,
        "a Notify call for Carlos; dbus-monitor saw:\n{log}"
    );
    assert!(log.contains("New message"), "{log}");
    assert!(!log.contains("Segredo do pedido"), "no preview: {log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_whatsapp_chat_reaches_both_agents_and_the_one_who_replies_keeps_it() {
    require_desktop!();
    let server = Server::start().await.expect("server");
    let desktop = Desktop::start().expect("desktop session");
    let ana = signed_in(&desktop, &server, "ana", "101").await;
    let bruno = signed_in(&desktop, &server, "bruno", "102").await;

    // A new customer writes on WhatsApp.
    server
        .whatsapp_from(
            "5511955554444",
            "Paula Nunes",
            "Oi, quero saber do meu reembolso",
        )
        .await
        .unwrap();
    let api = server.api("101").await.unwrap();
    let paula = api
        .wait_for_conversation("Paula Nunes")
        .await
        .expect("the chat was offered to Ana");

    // Both see it, with its WhatsApp icon, waiting.
    for app in [&ana, &bruno] {
        app.wait_listed(&paula, true).await.unwrap();
        let channel = app
            .js(
                "return document.querySelector(`[data-testid=conversation-item][data-conversation-id=\"${arguments[0]}\"] [data-testid=channel-icon]`).getAttribute('data-channel');",
                vec![json!(paula)],
            )
            .await
            .unwrap();
        assert_eq!(channel, json!("whatsapp"));
    }

    // A notification went out over D-Bus, with the message text (preview is on by default).
    let seen = desktop
        .wait_for_notification(&["Paula Nunes", "quero saber do meu reembolso"])
        .await;
    assert!(
        seen,
        "a Notify call with the preview; dbus-monitor saw:\n{}",
        desktop.notifications()
    );

    // Both get the unknown-contact pop-up.
    for app in [&ana, &bruno] {
        app.wait_for(&format!(
            "[data-testid=unknown-contact-popup][data-conversation-id=\"{paula}\"]"
        ))
        .await
        .unwrap();
    }
    ana.screenshot("unknown-contact-popup").await.unwrap();

    // Ana replies from the pop-up: the chat becomes hers, and it leaves Bruno's app.
    ana.click("[data-testid=popup-reply]").await.unwrap();
    ana.wait_js(
        "Paula's chat open",
        "return document.querySelector('[data-testid=chat-title]').textContent.includes('Paula');",
        vec![],
    )
    .await
    .unwrap();
    ana.type_into(
        "[data-testid=reply-box]",
        "Oi Paula! Vou verificar seu reembolso.\u{E007}",
    )
    .await
    .unwrap();
    bruno.wait_listed(&paula, false).await.unwrap();
    assert!(whatsapp_sent(&server, "Vou verificar seu reembolso").await);
    // Then she adds Paula as a contact from the info panel, which shows her history.
    ana.click("[data-testid=chat-menu]").await.unwrap();
    ana.click("[data-testid=menu-info]").await.unwrap();
    ana.click("[data-testid=info-add-contact]").await.unwrap();
    ana.set_value("[data-testid=contact-email]", "paula@example.com")
        .await
        .unwrap();
    ana.click("[data-testid=contact-save]").await.unwrap();
    // The panel redraws from the local cache right after saving, which may not have the new
    // contact yet (the stream brings it a moment later); opening Info again shows it.
    let shown = "const p = document.querySelector('[data-testid=info-panel]'); return !!p && !p.hidden && p.textContent.includes('paula@example.com') && !!p.querySelector('[data-testid=history-item]');";
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_secs(2)).await;
        if ana.js(shown, vec![]).await.unwrap() == json!(true) {
            break;
        }
        ana.click("[data-testid=chat-menu]").await.unwrap();
        ana.click("[data-testid=menu-info]").await.unwrap();
    }
    ana.wait_js("the contact's history in the info panel", shown, vec![])
        .await
        .unwrap();
    ana.screenshot("info-panel").await.unwrap();
    ana.wait_js(
        "the reply marked sent",
        "return [...document.querySelectorAll('[data-testid=message]')].some(m => m.textContent.includes('Vou verificar') && ['sent','delivered','read'].includes(m.querySelector('[data-testid=message-status]')?.dataset.status));",
        vec![],
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_banner_and_a_reply_written_offline_is_delivered_after_reconnect() {
    require_desktop!();
    let mut server = Server::start().await.expect("server");
    let desktop = Desktop::start().expect("desktop session");
    let ana = signed_in(&desktop, &server, "ana", "101").await;
    let api = server.api("101").await.unwrap();
    let joao = api
        .conversation_named("João Pereira", "recent")
        .await
        .unwrap();
    ana.open(&joao).await.unwrap();

    server.stop().await;
    ana.wait_js(
        "the offline banner",
        "const b = document.querySelector('[data-testid=offline-banner]'); return !!b && !b.hidden;",
        vec![],
    )
    .await
    .unwrap();
    ana.type_into(
        "[data-testid=reply-box]",
        "Mensagem escrita sem conexão\u{E007}",
    )
    .await
    .unwrap();
    ana.wait_js(
        "the reply waiting in the outbox",
        "return [...document.querySelectorAll('[data-testid=message]')].some(m => m.textContent.includes('sem conexão') && m.querySelector('[data-testid=message-status]')?.dataset.status === 'pending');",
        vec![],
    )
    .await
    .unwrap();
    ana.screenshot("offline").await.unwrap();
    assert!(
        !whatsapp_sent(&server, "sem conexão").await || server.graph.sent_whatsapp().is_empty()
    );

    server.resume().await.unwrap();
    ana.wait_js(
        "the banner to go",
        "return document.querySelector('[data-testid=offline-banner]').hidden;",
        vec![],
    )
    .await
    .unwrap();
    assert!(
        whatsapp_sent(&server, "Mensagem escrita sem conexão").await,
        "the reply went out after reconnecting"
    );
    let sent = server
        .graph
        .sent_whatsapp()
        .iter()
        .filter(|m| m["text"]["body"] == "Mensagem escrita sem conexão")
        .count();
    assert_eq!(sent, 1, "exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_by_extension_resolve_archive_unarchive_and_delete() {
    require_desktop!();
    let server = Server::start().await.expect("server");
    let desktop = Desktop::start().expect("desktop session");
    let ana = signed_in(&desktop, &server, "ana", "101").await;
    let api = server.api("101").await.unwrap();
    let sms = api
        .conversation_named("+14155550123", "recent")
        .await
        .unwrap();
    let joao = api
        .conversation_named("João Pereira", "recent")
        .await
        .unwrap();

    // Take the SMS chat, then transfer it to Bruno found by his extension.
    ana.open(&sms).await.unwrap();
    ana.take_open_chat().await.unwrap();
    ana.click("[data-testid=transfer-button]").await.unwrap();
    ana.set_value("[data-testid=transfer-search]", "102")
        .await
        .unwrap();
    ana.wait_js(
        "Bruno among the transfer targets",
        "const t = [...document.querySelectorAll('[data-testid=transfer-target]')]; return t.length === 1 && t[0].dataset.extension === '102';",
        vec![],
    )
    .await
    .unwrap();
    ana.click("[data-testid=transfer-target]").await.unwrap();
    ana.wait_listed(&sms, false).await.unwrap();
    let bruno = server.api("102").await.unwrap();
    let owner = bruno.get(&format!("/conversations/{sms}")).await.unwrap();
    assert_eq!(owner["owner"]["extension"], "102", "{owner}");

    // Resolve João's chat: it moves to Archived.
    ana.open(&joao).await.unwrap();
    ana.click("[data-testid=resolve-button]").await.unwrap();
    ana.wait_listed(&joao, false).await.unwrap();
    ana.set_value("[data-testid=view-switch]", "archived")
        .await
        .unwrap();
    ana.wait_listed(&joao, true).await.unwrap();

    // Unarchive it, archive it again, then delete it (after confirming).
    ana.open(&joao).await.unwrap();
    ana.click("[data-testid=chat-menu]").await.unwrap();
    ana.click("[data-testid=menu-unarchive]").await.unwrap();
    ana.wait_listed(&joao, false).await.unwrap();
    ana.set_value("[data-testid=view-switch]", "recent")
        .await
        .unwrap();
    ana.open(&joao).await.unwrap();
    ana.click("[data-testid=chat-menu]").await.unwrap();
    ana.click("[data-testid=menu-archive]").await.unwrap();
    ana.wait_listed(&joao, false).await.unwrap();
    ana.set_value("[data-testid=view-switch]", "archived")
        .await
        .unwrap();
    ana.open(&joao).await.unwrap();
    ana.click("[data-testid=chat-menu]").await.unwrap();
    ana.click("[data-testid=menu-delete]").await.unwrap();
    ana.click("[data-testid=confirm-delete]").await.unwrap();
    ana.wait_listed(&joao, false).await.unwrap();
    let archived = api.get("/conversations?view=archived").await.unwrap();
    assert!(
        !archived.to_string().contains(&joao),
        "deleted from Ana's lists on the server too"
    );
}

/// Files dropped on the chat are checked (a program is refused with the reason), shown in the
/// reply box, uploaded with the reply and arrive at the fake WhatsApp provider.
///
/// WebDriver cannot drag files from the OS, so the page receives the same `drop` event a
/// person's drag produces, carrying `File` objects; everything after it is the app's own path
/// (bytes to the shell's `stage_file`, `check_files`, `send`, the outbox's upload).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attached_file_arrives_at_the_fake_provider() {
    require_desktop!();
    let server = Server::start().await.expect("server");
    let desktop = Desktop::start().expect("desktop session");
    let ana = signed_in(&desktop, &server, "ana", "101").await;

    server
        .whatsapp_from("5511944443333", "Rita Alves", "Pode me mandar o boleto?")
        .await
        .unwrap();
    let api = server.api("101").await.unwrap();
    let rita = api
        .wait_for_conversation("Rita Alves")
        .await
        .expect("the chat was offered to Ana");
    ana.open(&rita).await.unwrap();

    let pdf: &[u8] = b"%PDF-1.4\n% boleto de teste\n%%EOF\n";
    ana.js(
        "const bytes = new TextEncoder().encode(arguments[0]);
         const files = [new File([bytes], 'boleto.pdf', {type: 'application/pdf'}),
                        new File([new Uint8Array([77, 90, 144, 0])], 'setup.exe')];
         const chat = document.querySelector('[data-testid=chat]');
         for (const kind of ['dragenter', 'dragover', 'drop']) {
           const event = new Event(kind, {bubbles: true, cancelable: true});
           Object.defineProperty(event, 'dataTransfer', {value: {files, types: ['Files'], dropEffect: 'none'}});
           chat.dispatchEvent(event);
         }
         return true;",
        vec![json!(String::from_utf8_lossy(pdf))],
    )
    .await
    .unwrap();
    ana.wait_js(
        "the dropped PDF waits in the reply box",
        "return [...document.querySelectorAll('[data-testid=staged-file]')].some(f => f.textContent.includes('boleto.pdf'));",
        vec![],
    )
    .await
    .unwrap();
    let toast = ana.text("[data-testid=toast]").await.unwrap();
    assert!(
        toast.contains("setup.exe") && toast.contains("cannot be sent"),
        "the program is refused with the reason: {toast:?}"
    );
    // A path the agent never handed over cannot be sent, whatever the page asks.
    ana.js(
        "window.__TAURI_INTERNALS__.invoke('send', {conversationId: arguments[0], body: 'x', files: ['/etc/passwd']}).then(() => window.__refused = 'sent!', e => window.__refused = e.code + ': ' + e.message); return true;",
        vec![json!(rita)],
    )
    .await
    .unwrap();
    ana.wait_js(
        "the shell to refuse a file that was not handed over",
        "return typeof window.__refused === 'string';",
        vec![],
    )
    .await
    .unwrap();
    let refused = ana.js("return window.__refused;", vec![]).await.unwrap();
    let refused = refused.as_str().unwrap_or_default();
    assert!(
        refused.starts_with("bad_input: files: /etc/passwd was not chosen"),
        "{refused}"
    );

    ana.type_into("[data-testid=reply-box]", "Segue o boleto")
        .await
        .unwrap();
    ana.click("[data-testid=send-button]").await.unwrap();

    let mut media = None;
    for _ in 0..300 {
        media = server
            .graph
            .sent_whatsapp()
            .into_iter()
            .find(|m| m["type"].as_str().is_some_and(|t| t != "text"));
        if media.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let toast = ana.text("[data-testid=toast]").await;
    let media = media.unwrap_or_else(|| {
        panic!(
            "a WhatsApp media message at the fake provider; the app said {toast:?}; the fake saw {:?}",
            server.graph.sent_whatsapp()
        )
    });
    assert_eq!(media["to"].as_str(), Some("5511944443333"), "{media}");
    assert_eq!(media["type"].as_str(), Some("document"), "{media}");
    assert_eq!(
        media["document"]["filename"].as_str(),
        Some("boleto.pdf"),
        "{media}"
    );
    let id = media["document"]["id"].as_str().expect("a media id");
    let stored = server
        .graph
        .media(id)
        .expect("the file uploaded to the fake");
    assert_eq!(stored.bytes, pdf);
    ana.wait_js(
        "the sent reply shows its file card",
        "return [...document.querySelectorAll('[data-testid=attachment][data-kind=file]')].some(a => a.textContent.includes('boleto.pdf') && a.closest('[data-testid=message]').querySelector('[data-status=sent], [data-status=delivered], [data-status=read]'));",
        vec![],
    )
    .await
    .unwrap();
    ana.screenshot("chat-with-attachment").await.unwrap();
}

/// The attach button opens the native (GTK) file chooser; a path typed into it, as a person
/// would, comes back to the reply box as a staged file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_attach_button_opens_the_native_file_chooser_and_stages_the_chosen_file() {
    require_desktop!();
    let server = Server::start().await.expect("server");
    let desktop = Desktop::start().expect("desktop session");
    let ana = signed_in(&desktop, &server, "ana", "101").await;
    let api = server.api("101").await.unwrap();
    let joao = api
        .conversation_named("João Pereira", "recent")
        .await
        .unwrap();
    ana.open(&joao).await.unwrap();
    let pdf = desktop.dir().join("home").join("nota-fiscal.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n% nota fiscal\n%%EOF\n").unwrap();

    // When: Ana clicks Attach, types the file's path into the chooser's location field and
    // presses Return.
    choose_in_file_chooser(&desktop, &ana, &pdf).await;

    // Then: the file waits in the reply box.
    ana.wait_js(
        "the chosen PDF staged in the reply box",
        "return [...document.querySelectorAll('[data-testid=staged-file]')].some(f => f.textContent.includes('nota-fiscal.pdf'));",
        vec![],
    )
    .await
    .unwrap();
    ana.screenshot("attach-from-file-chooser").await.unwrap();
}

/// Choose `file` in the native file chooser the attach button opens, as a person would: `/`
/// opens the chooser's location field, Ctrl+A selects what it holds, the path is typed over it
/// and Return accepts it. GTK builds that field while the first keys arrive, and under load it
/// can drop one of them (`/mp/...` instead of `/tmp/...`, an error box, the file never staged);
/// so when the file is not staged, every dialog is closed with Escape and the whole gesture
/// is repeated, up to three times, as a person who saw the typo would.
async fn choose_in_file_chooser(desktop: &Desktop, ana: &App, file: &std::path::Path) {
    let staged = "return [...document.querySelectorAll('[data-testid=staged-file]')].length > 0;";
    for attempt in 1..=3u64 {
        ana.click("[data-testid=attach-button]").await.unwrap();
        let window = desktop
            .xdotool(&[
                "search",
                "--sync",
                "--onlyvisible",
                "--name",
                "^Attach files$",
            ])
            .expect("the native file chooser opens")
            .lines()
            .last()
            .unwrap_or_default()
            .to_string();
        desktop
            .xdotool(&["windowfocus", "--sync", &window])
            .unwrap();
        // The chooser takes typing only once it is drawn and focused.
        tokio::time::sleep(Duration::from_millis(500 * attempt)).await;
        desktop.xdotool(&["type", "/"]).unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
        desktop.xdotool(&["key", "ctrl+a"]).unwrap();
        desktop
            .xdotool(&["type", "--delay", "30", &file.display().to_string()])
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        desktop.xdotool(&["key", "Return"]).unwrap();

        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if ana.js(staged, vec![]).await.ok() == Some(Value::Bool(true)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // Not staged: close the chooser (and any error box over it) and start again.
        for _ in 0..6 {
            if desktop
                .xdotool(&["search", "--onlyvisible", "--name", "^Attach files$"])
                .is_err()
            {
                break;
            }
            desktop.xdotool(&["key", "Escape"]).unwrap();
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        eprintln!("attempt {attempt}: the chosen file was not staged; trying again");
    }
}

/// A picture the customer sends shows in the chat as a thumbnail (fetched by the app from the
/// server once, shown as a `data:` image under the strict CSP), with its name and size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_picture_shows_as_a_thumbnail() {
    require_desktop!();
    let server = Server::start().await.expect("server");
    let desktop = Desktop::start().expect("desktop session");
    let ana = signed_in(&desktop, &server, "ana", "101").await;

    // A 320×200 picture: a sky-to-sea gradient with a sun.
    let picture = image::RgbImage::from_fn(320, 200, |x, y| {
        let (dx, dy) = (x as i64 - 230, y as i64 - 70);
        if dx * dx + dy * dy < 30 * 30 {
            image::Rgb([250, 204, 21])
        } else if y < 120 {
            image::Rgb([(120 + y / 2) as u8, (170 + y / 3) as u8, 235])
        } else {
            image::Rgb([20, (90 + (y - 120) / 2) as u8, (150 + x / 8) as u8])
        }
    });
    let mut png = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut png, image::ImageFormat::Png)
        .expect("a PNG");
    server
        .whatsapp_image_from(
            "5511977776666",
            "Lucas Prado",
            png.get_ref(),
            Some("O produto chegou assim"),
        )
        .await
        .unwrap();
    let api = server.api("101").await.unwrap();
    let lucas = api
        .wait_for_conversation("Lucas Prado")
        .await
        .expect("the chat was offered to Ana");
    ana.open(&lucas).await.unwrap();
    ana.wait_js(
        "the picture's thumbnail drawn in the chat",
        "const img = document.querySelector('[data-testid=attachment][data-kind=image] img[data-testid=attachment-thumbnail]');
         return !!img && img.src.startsWith('data:image/jpeg') && img.complete && img.naturalWidth > 0;",
        vec![],
    )
    .await
    .unwrap();
    let card = ana
        .text("[data-testid=attachment][data-kind=image]")
        .await
        .unwrap();
    assert!(card.contains(".png") || card.contains(".jpg"), "{card:?}");
    ana.screenshot("chat-with-image").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_keychain_signing_in_works_for_this_run_and_says_it_will_ask_again() {
    require_desktop!();
    // Given a desktop session with no keychain at all (a bare Linux machine)
    let server = Server::start().await.expect("server");
    let desktop = Desktop::start_without_keychain().expect("desktop session");

    // When Ana signs in, she gets in (no dead end)
    let mut app = signed_in(&desktop, &server, "ana", "101").await;

    // Then a quiet notice says why the app will ask for her password next time
    app.wait_for("[data-testid=sign-in-notice]")
        .await
        .expect("the notice shows");
    let notice = app.text("[data-testid=sign-in-notice]").await.unwrap();
    assert!(
        notice.contains("keychain") && notice.contains("next time"),
        "the notice says what happened and what comes next: {notice}"
    );
    app.screenshot("sign-in-without-keychain").await.unwrap();
    app.click("[data-testid=sign-in-notice-dismiss]")
        .await
        .unwrap();
    app.wait_js(
        "the notice to go when dismissed",
        "return !document.querySelector('[data-testid=sign-in-notice]');",
        vec![],
    )
    .await
    .unwrap();

    // And signing out works
    app.click("[data-testid=logout]").await.unwrap();
    app.wait_for("[data-testid=login-user]")
        .await
        .expect("signed out to the login screen");

    // And after signing in again, the next start asks again instead of failing
    app.login("101", PASSWORD).await.unwrap();
    app.wait_for("[data-testid=conversation-list]")
        .await
        .expect("signed in again");
    app.restart().await.expect("app restarts");
    app.wait_for("[data-testid=login-user]")
        .await
        .expect("the next start shows the login screen");
    app.quit().await;
}
