//! The tray icon: the unread count (tooltip, label and a menu line), the presence selector,
//! Open and Quit. Closing the window keeps the app here (see `main.rs`).

use std::sync::Mutex;
use std::time::Duration;

use switchboard_client::{Change, Client};
use switchboard_protocol::Presence;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Wry};

use crate::{show_window, Desktop, EVENT_PRESENCE};

const ID: &str = "main";
const PRESENCES: [(Presence, &str); 3] = [
    (Presence::Available, "presence:available"),
    (Presence::Away, "presence:away"),
    (Presence::Dnd, "presence:dnd"),
];

/// The tray's menu items that change while the app runs.
pub struct TrayItems {
    unread: MenuItem<Wry>,
    presence: Vec<(Presence, CheckMenuItem<Wry>)>,
    last_unread: Mutex<Option<u64>>,
}

/// What the tray says for an unread count: (tooltip, menu line, label beside the icon).
pub fn unread_texts(unread: u64, portuguese: bool) -> (String, String, String) {
    let line = match (unread, portuguese) {
        (0, false) => "No unread messages".to_string(),
        (1, false) => "1 unread message".to_string(),
        (n, false) => format!("{n} unread messages"),
        (0, true) => "Nenhuma mensagem não lida".to_string(),
        (1, true) => "1 mensagem não lida".to_string(),
        (n, true) => format!("{n} mensagens não lidas"),
    };
    let label = match unread {
        0 => String::new(),
        n if n > 99 => "99+".to_string(),
        n => n.to_string(),
    };
    (format!("Switchboard — {line}"), line, label)
}

fn presence_label(presence: Presence) -> &'static str {
    match presence {
        Presence::Available => "Available",
        Presence::Away => "Away",
        Presence::Dnd => "Do not disturb",
    }
}

/// Build the tray; fails where the desktop has no tray (then closing the window quits).
pub fn build(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Switchboard", true, None::<&str>)?;
    let unread = MenuItem::with_id(app, "unread", unread_texts(0, false).1, false, None::<&str>)?;
    let mut presence = Vec::new();
    for (value, id) in PRESENCES {
        let item = CheckMenuItem::with_id(
            app,
            id,
            presence_label(value),
            true,
            value == Presence::Available,
            None::<&str>,
        )?;
        presence.push((value, item));
    }
    let refs: Vec<&dyn tauri::menu::IsMenuItem<Wry>> = presence
        .iter()
        .map(|(_, item)| item as &dyn tauri::menu::IsMenuItem<Wry>)
        .collect();
    let presence_menu = Submenu::with_items(app, "Presence", true, &refs)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &open,
            &unread,
            &PredefinedMenuItem::separator(app)?,
            &presence_menu,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    let mut builder = TrayIconBuilder::with_id(ID)
        .tooltip("Switchboard")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_window(app),
            "quit" => app.exit(0),
            other => {
                if let Some((value, _)) = PRESENCES.iter().find(|(_, id)| *id == other) {
                    choose_presence(app.clone(), *value);
                }
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    app.manage(TrayItems {
        unread,
        presence,
        last_unread: Mutex::new(None),
    });
    Ok(())
}

/// The tray's presence menu: tell the server, then the UI (its selector follows).
fn choose_presence(app: AppHandle, presence: Presence) {
    tauri::async_runtime::spawn(async move {
        let client = app.state::<Desktop>().client.clone();
        match client.set_presence(presence).await {
            Ok(agent) => {
                show_presence(&app, agent.presence);
                let _ = app.emit(
                    EVENT_PRESENCE,
                    serde_json::json!({ "presence": agent.presence }),
                );
            }
            Err(error) => {
                tracing::warn!(%error, "the tray could not change the presence");
                // Put the ticks back where they were.
                if let Some(me) = client.me() {
                    show_presence(&app, me.presence);
                }
            }
        }
    });
}

/// Tick the agent's presence in the tray menu.
pub fn show_presence(app: &AppHandle, presence: Presence) {
    if let Some(items) = app.try_state::<TrayItems>() {
        for (value, item) in &items.presence {
            let _ = item.set_checked(*value == presence);
        }
    }
}

fn portuguese(app: &AppHandle) -> bool {
    app.state::<Desktop>().alerts.settings().locale == "pt-BR"
}

/// Show the unread count; skipped when it did not change.
async fn refresh_unread(app: &AppHandle, client: &Client) {
    let Some(items) = app.try_state::<TrayItems>() else {
        return;
    };
    let Ok(unread) = client.unread_total().await else {
        return;
    };
    {
        let mut last = items.last_unread.lock().unwrap_or_else(|e| e.into_inner());
        if *last == Some(unread) {
            return;
        }
        *last = Some(unread);
    }
    let (tooltip, line, label) = unread_texts(unread, portuguese(app));
    let _ = items.unread.set_text(line);
    if let Some(tray) = app.tray_by_id(ID) {
        let _ = tray.set_tooltip(Some(tooltip));
        let _ = tray.set_title(Some(label));
    }
}

/// Keep the tray's count and presence current. Changes come in bursts (a full load is
/// thousands), so the count is read at most twice a second.
pub async fn follow(app: AppHandle, client: Client) {
    let mut feed = client.subscribe();
    let mut dirty = true;
    loop {
        if dirty {
            refresh_unread(&app, &client).await;
            if let Some(me) = client.me() {
                show_presence(&app, me.presence);
            }
        }
        let Some(change) = feed.next().await else {
            return;
        };
        dirty = matches!(
            change,
            Change::ConversationUpserted { .. }
                | Change::ConversationRemoved { .. }
                | Change::ConversationsReloaded
                | Change::MessagesChanged { .. }
                | Change::AgentsChanged
                | Change::Resync
                | Change::SessionExpired
        );
        if dirty {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tray_says_how_many_messages_wait_in_the_agents_language() {
        assert_eq!(
            unread_texts(0, false),
            (
                "Switchboard — No unread messages".into(),
                "No unread messages".into(),
                String::new()
            )
        );
        assert_eq!(unread_texts(1, false).1, "1 unread message");
        assert_eq!(unread_texts(7, true).1, "7 mensagens não lidas");
        assert_eq!(unread_texts(7, true).2, "7");
        assert_eq!(unread_texts(250, false).2, "99+", "the label stays short");
    }
}
