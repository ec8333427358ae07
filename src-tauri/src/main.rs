//! Switchboard's desktop agent app: a Tauri 2 window around the TypeScript UI in `ui/`.
//!
//! This crate stays a thin shell. The UI reaches Rust only through the commands registered
//! below (`commands.rs`), which adapt calls into the client engine (`switchboard_client`).
//! Here: the engine's change feed forwarded to the UI as events, OS notifications
//! (`alerts.rs`), and the tray that keeps the app running when its window is closed.

// A release build on Windows would otherwise open a console window beside the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod alerts;
mod commands;
mod dialogs;
#[cfg(all(unix, not(target_os = "macos")))]
mod notifier;
mod opening;
mod settings;
mod sounds;
mod tray;
mod updates;

use switchboard_client::{Change, Client, ClientOptions};
use tauri::{AppHandle, Emitter, Manager, WindowEvent};

/// Tauri event names; `ui/src/api.ts` `EVENTS` lists the same.
const EVENT_CHANGE: &str = "switchboard://change";
const EVENT_OPEN: &str = "switchboard://open-conversation";
const EVENT_PRESENCE: &str = "switchboard://presence";

/// The app's state, shared by the commands.
#[derive(Debug)]
pub struct Desktop {
    pub client: Client,
    pub alerts: alerts::Alerts,
    /// Local files the agent handed over (dialog or drop): the only ones the page may send.
    pub files: commands::OfferedFiles,
}

/// Bring the main window to the front.
fn show_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Forward every change to the UI and raise the notifications they deserve.
async fn forward_changes(app: AppHandle, client: Client) {
    let mut feed = client.subscribe();
    while let Some(change) = feed.next().await {
        if let Err(error) = app.emit(EVENT_CHANGE, &change) {
            tracing::warn!(%error, "could not forward a change to the UI");
        }
        let id = match change {
            Change::ConversationUpserted { id } => id,
            Change::MessagesChanged { conversation_id } => conversation_id,
            _ => continue,
        };
        let (Some(me), Ok(Some(conversation))) = (client.me(), client.conversation(id).await)
        else {
            continue;
        };
        let focused = app
            .get_webview_window("main")
            .and_then(|w| w.is_focused().ok())
            .unwrap_or(false);
        let desktop = app.state::<Desktop>();
        let alert = desktop.alerts.consider(&conversation, &me, focused);
        if let Some(reason) = alert.sound {
            app.state::<sounds::Player>().cue(
                &desktop.alerts.settings(),
                &conversation,
                reason.into(),
            );
        }
        if let Some(notice) = alert.notice {
            let app = app.clone();
            alerts::notify(&notice, move || {
                show_window(&app);
                let _ = app.emit(EVENT_OPEN, serde_json::json!({"id": notice.conversation}));
            });
        }
    }
}

fn main() {
    let _ = commands::STARTED.set(std::time::Instant::now());
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_updater::Builder::new().build())
        .setup(|app| {
            let data_dir =
                commands::resolve_data_dir(std::env::var_os(commands::DATA_DIR_ENV), || {
                    app.path().app_data_dir()
                })
                .map_err(|e| e.message)?;
            let client = Client::new(ClientOptions::new(data_dir));
            app.manage(Desktop {
                client: client.clone(),
                alerts: alerts::Alerts::new(),
                files: commands::OfferedFiles::default(),
            });
            app.manage(sounds::Player::from_env());
            app.manage(updates::Updates::default());
            tauri::async_runtime::spawn(updates::watch(app.handle().clone()));
            tauri::async_runtime::spawn(sounds::remind(app.handle().clone(), client.clone()));
            tauri::async_runtime::spawn(forward_changes(app.handle().clone(), client.clone()));
            // Without a tray the window simply closes the app.
            match tray::build(app.handle()) {
                Ok(()) => {
                    tauri::async_runtime::spawn(tray::follow(app.handle().clone(), client));
                }
                Err(error) => tracing::warn!(%error, "no tray icon"),
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps the app (and its notifications) running in the tray.
            if let WindowEvent::CloseRequested { api, .. } = event {
                if window.app_handle().tray_by_id("main").is_some() {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::startup_ms,
            commands::resume,
            commands::login,
            commands::logout,
            commands::choose_password,
            commands::change_password,
            commands::admin_agents,
            commands::create_agent,
            commands::update_agent,
            commands::disable_agent,
            commands::enable_agent,
            commands::set_temporary_password,
            commands::audit,
            commands::admin_queues,
            commands::admin_channels,
            commands::create_channel,
            commands::update_channel,
            commands::set_channel_enabled,
            commands::check_channel,
            commands::create_queue,
            commands::update_queue,
            commands::delete_queue,
            commands::sign_in_kept,
            commands::connection_state,
            commands::set_presence,
            commands::conversations,
            commands::conversation,
            commands::messages,
            commands::search,
            commands::templates,
            commands::template_categories,
            commands::template_languages,
            commands::agents,
            commands::send,
            commands::retry_send,
            commands::attachment_rules,
            commands::check_files,
            commands::pick_files,
            commands::stage_file,
            commands::thumbnail,
            commands::open_attachment,
            commands::create_template,
            commands::update_template,
            commands::delete_template,
            commands::discard_send,
            commands::resend,
            commands::mark_read,
            commands::take,
            commands::transfer,
            commands::resolve,
            commands::archive,
            commands::unarchive,
            commands::delete_conversation,
            commands::end_session,
            commands::block,
            commands::start_internal_chat,
            commands::channels,
            commands::whatsapp_templates,
            commands::send_whatsapp_template,
            commands::start_conversation,
            commands::contact_history,
            commands::my_queues,
            commands::add_contact_from_conversation,
            commands::open_link,
            commands::settings,
            commands::save_settings,
            commands::set_active_conversation,
            sounds::play_sound,
            sounds::pick_sound_file,
            updates::update_status,
            updates::check_for_update,
            updates::install_update,
        ])
        // The config sits at the repository root; see build.rs.
        .run(tauri::generate_context!("../tauri.conf.json"));

    if let Err(error) = result {
        eprintln!("Switchboard could not start: {error}");
        std::process::exit(1);
    }
}
