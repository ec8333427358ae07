//! Notification sounds in the real desktop app, heard through its sound log: the app runs
//! with `SWITCHBOARD_SOUND_LOG` (a line per play request, written before the audio device is
//! tried — Xvfb has none) and `SWITCHBOARD_REMINDER_SECS=3` (the 30 s reminder, shortened).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use switchboard_desktop_e2e::{require_desktop, App, Desktop, Server, PASSWORD};

const REMINDER_SECS: u64 = 3;

fn sound_log(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Wait until the log holds at least `count` lines equal to `line`.
async fn heard(path: &Path, line: &str, count: usize, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if sound_log(path).iter().filter(|l| *l == line).count() >= count {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Agent 103 (in both of Ana's queues) takes every customer chat waiting in them through the
/// API, so that the only chat left waiting is the one this test brings (the demo starts with
/// several), and Ana stays far from the sales queue's limit of five chats each.
async fn take_waiting_demo_chats(server: &Server) {
    let api = server.api("103").await.unwrap();
    let list = api.get("/conversations?view=recent").await.unwrap();
    let waiting = list["conversations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["status"] == "queued" && c["owner"].is_null() && c["channel"] != "internal")
        .filter_map(|c| c["id"].as_str());
    for id in waiting {
        api.post(&format!("/conversations/{id}/take"))
            .await
            .unwrap();
    }
}

/// In the open settings dialog, unfold the section `section` and choose `value` in `select`.
async fn choose_in_section(app: &App, section: &str, select: &str, value: &str) {
    app.js(
        "document.querySelector(`[data-testid=${arguments[0]}]`).open = true; return true;",
        vec![section.into()],
    )
    .await
    .unwrap();
    app.set_value(&format!("[data-testid={select}]"), value)
        .await
        .unwrap();
}

#[test]
fn a_waiting_chat_is_announced_and_reminded_until_taken_and_settings_preview_plays() {
    require_desktop!();
    let run = tempfile::Builder::new()
        .prefix("sb-sounds-")
        .tempdir()
        .unwrap();
    let log: PathBuf = run.path().join("sounds.log");
    // Set before any thread exists; the app inherits them through tauri-driver.
    std::env::set_var("SWITCHBOARD_SOUND_LOG", &log);
    std::env::set_var("SWITCHBOARD_REMINDER_SECS", REMINDER_SECS.to_string());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(scenario(log));
}

async fn scenario(log: PathBuf) {
    let server = Server::start().await.expect("server");
    take_waiting_demo_chats(&server).await;
    let desktop = Desktop::start().expect("desktop session");
    let ana = desktop.app("ana", &server.url()).await.expect("app starts");
    ana.login("101", PASSWORD).await.unwrap();
    ana.wait_for("[data-testid=conversation-list]")
        .await
        .unwrap();

    // Settings: WhatsApp gets a sound of its own, and so does the sales queue (listed by the
    // server); the preview plays the main sound.
    ana.click("[data-testid=settings-open]").await.unwrap();
    ana.click("[data-testid=setting-sound-preview]")
        .await
        .unwrap();
    assert!(
        heard(&log, "chime preview", 1, Duration::from_secs(10)).await,
        "the preview button plays the chosen sound; the log has {:?}",
        sound_log(&log)
    );
    choose_in_section(
        &ana,
        "setting-channel-sounds",
        "setting-channel-sound-whatsapp",
        "pop",
    )
    .await;
    choose_in_section(
        &ana,
        "setting-queue-sounds",
        "setting-queue-sound-sales",
        "bell",
    )
    .await;
    ana.click("[data-testid=settings-save]").await.unwrap();
    ana.wait_js(
        "the settings dialog to close",
        "return !document.querySelector('[data-testid=settings-dialog]');",
        vec![],
    )
    .await
    .unwrap();

    // A new WhatsApp customer writes: the chat is announced with WhatsApp's sound...
    server
        .whatsapp_from("5511933332222", "Sofia Ramos", "Olá, alguém aí?")
        .await
        .unwrap();
    assert!(
        heard(&log, "pop offered", 1, Duration::from_secs(15)).await,
        "the new chat plays WhatsApp's sound; the log has {:?}",
        sound_log(&log)
    );
    // ...and reminded every period while it waits unowned.
    assert!(
        heard(
            &log,
            "pop reminder",
            2,
            Duration::from_secs(4 * REMINDER_SECS + 5)
        )
        .await,
        "two reminders while the chat waits; the log has {:?}",
        sound_log(&log)
    );

    // Ana takes it: the reminders stop.
    let api = server.api("101").await.unwrap();
    let sofia = api
        .conversation_named("Sofia Ramos", "recent")
        .await
        .unwrap();
    ana.open(&sofia).await.unwrap();
    ana.take_open_chat().await.unwrap();
    // A check already under way when she took it may still remind once.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let reminders = |lines: &[String]| lines.iter().filter(|l| l.ends_with(" reminder")).count();
    let before = reminders(&sound_log(&log));
    tokio::time::sleep(Duration::from_secs(2 * REMINDER_SECS + 1)).await;
    let after = sound_log(&log);
    assert_eq!(
        reminders(&after),
        before,
        "no reminder once the chat is taken; the log has {after:?}"
    );
    assert!(
        !after.iter().any(|l| l.ends_with(" transferred")),
        "taking a chat is not announced as a transfer; the log has {after:?}"
    );

    // A Messenger customer writes; the chat waits in sales, whose sound comes before the
    // channel's.
    server
        .messenger_from("7700112233", "Is the blue one back in stock?")
        .await
        .unwrap();
    assert!(
        heard(&log, "bell offered", 1, Duration::from_secs(15)).await,
        "the sales chat plays the sales queue's sound; the log has {:?}",
        sound_log(&log)
    );
}
