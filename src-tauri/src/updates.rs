//! Updates of the app itself, from the company's own Switchboard server (its update feed,
//! `GET /api/v1/updates/…`, filled by the operator), through Tauri's updater plugin.
//!
//! Once an agent is signed in, the app asks that server now and then; a newer version is
//! downloaded in the background and checked against the public key built into the app
//! (`plugins.updater.pubkey` in tauri.conf.json, set when the installers are built). Only then
//! does the agent see "Update ready — restart", and chooses when. A download whose signature
//! does not match, or that was signed as another version, is refused and this version keeps
//! running. The UI follows [`UpdateStatus`] through the `switchboard://update` event.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use switchboard_protocol::ErrorCode;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};

use crate::commands::{Answer, CommandError};
use crate::Desktop;

pub const EVENT_UPDATE: &str = "switchboard://update";

/// How often a signed-in app asks its server.
const EVERY: Duration = Duration::from_secs(6 * 3600);
/// How often the watcher looks whether a check is due (and someone signed in meanwhile).
const LOOK: Duration = Duration::from_secs(5);

/// Why this app does not update itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OffReason {
    /// Built without an update key (`plugins.updater.pubkey`): it cannot tell a genuine update.
    NoKey,
    /// Run from a build folder, not installed from an installer: nothing to update in place.
    NotInstalled,
    /// A release build talks to its server over `http://`: updates need `https://`.
    InsecureServer,
}

/// Where the app's updating stands; the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum UpdateStatus {
    Off {
        reason: OffReason,
    },
    /// Not asked yet (nobody signed in).
    Idle,
    Checking,
    UpToDate,
    Downloading {
        version: String,
    },
    /// Downloaded and its signature checked: a restart installs it.
    Ready {
        version: String,
        notes: Option<String>,
    },
    Installing {
        version: String,
    },
    /// The download's signature does not match this app's key: nothing was installed.
    Refused {
        version: String,
        message: String,
    },
    /// The server could not be asked, or the download or install failed; tried again later.
    Failed {
        message: String,
    },
}

/// The app's updating: its status and the verified download waiting for a restart.
#[derive(Default)]
pub struct Updates {
    status: Mutex<Option<UpdateStatus>>,
    ready: Mutex<Option<(Update, Vec<u8>)>>,
    /// Serialises checks (the watcher's and the agent's "Check for updates").
    running: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Updates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Updates")
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

impl Updates {
    fn status(&self) -> UpdateStatus {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or(UpdateStatus::Idle)
    }
}

fn set<R: Runtime>(app: &AppHandle<R>, status: UpdateStatus) -> UpdateStatus {
    let updates = app.state::<Updates>();
    *updates.status.lock().unwrap_or_else(|p| p.into_inner()) = Some(status.clone());
    if let Err(error) = app.emit(EVENT_UPDATE, &status) {
        tracing::warn!(%error, "could not tell the UI about an update");
    }
    status
}

/// Why this build cannot update itself, if it cannot.
fn off_reason<R: Runtime>(app: &AppHandle<R>) -> Option<OffReason> {
    let pubkey = app
        .config()
        .plugins
        .0
        .get("updater")
        .and_then(|c| c.get("pubkey"))
        .and_then(|k| k.as_str())
        .unwrap_or_default();
    if pubkey.trim().is_empty() {
        return Some(OffReason::NoKey);
    }
    // macOS apps are bundles wherever they run; elsewhere the installer marks the binary.
    if !cfg!(target_os = "macos") && tauri::utils::platform::bundle_type().is_none() {
        return Some(OffReason::NotInstalled);
    }
    None
}

/// Ask the signed-in server for an update; download and verify a newer version. Answers the
/// status it ends in.
pub async fn check<R: Runtime>(app: &AppHandle<R>) -> UpdateStatus {
    if let Some(reason) = off_reason(app) {
        return set(app, UpdateStatus::Off { reason });
    }
    let updates = app.state::<Updates>();
    let _one_at_a_time = updates.running.lock().await;
    if let UpdateStatus::Ready { .. } | UpdateStatus::Installing { .. } = updates.status() {
        return updates.status();
    }
    let Some(feed) = app.state::<Desktop>().client.update_feed() else {
        return set(app, UpdateStatus::Idle);
    };
    set(app, UpdateStatus::Checking);
    let updater = app
        .updater_builder()
        .endpoints(vec![feed.url])
        .and_then(|builder| builder.header("Authorization", feed.authorization))
        .and_then(|builder| builder.timeout(Duration::from_secs(300)).build());
    let updater = match updater {
        Ok(updater) => updater,
        Err(tauri_plugin_updater::Error::InsecureTransportProtocol) => {
            return set(
                app,
                UpdateStatus::Off {
                    reason: OffReason::InsecureServer,
                },
            );
        }
        Err(error) => return failed(app, &error),
    };
    let update = match updater.check().await {
        Ok(Some(update)) => update,
        Ok(None) => return set(app, UpdateStatus::UpToDate),
        Err(error) => return failed(app, &error),
    };
    let version = update.version.clone();
    set(
        app,
        UpdateStatus::Downloading {
            version: version.clone(),
        },
    );
    match update.download(|_, _| {}, || {}).await {
        Ok(bytes) => {
            let notes = update.body.clone().filter(|n| !n.trim().is_empty());
            *updates.ready.lock().unwrap_or_else(|p| p.into_inner()) = Some((update, bytes));
            tracing::info!(%version, "update downloaded and verified; waiting for a restart");
            set(app, UpdateStatus::Ready { version, notes })
        }
        Err(error) if is_signature_error(&error) => {
            tracing::warn!(%version, %error, "update refused: its signature does not match this app's key");
            set(
                app,
                UpdateStatus::Refused {
                    version,
                    message: error.to_string(),
                },
            )
        }
        Err(error) => failed(app, &error),
    }
}

fn update_failed(message: impl Into<String>) -> CommandError {
    CommandError {
        code: ErrorCode::UpdateFailed,
        message: message.into(),
    }
}

fn is_signature_error(error: &tauri_plugin_updater::Error) -> bool {
    use tauri_plugin_updater::Error as E;
    matches!(
        error,
        E::Minisign(_)
            | E::Base64(_)
            | E::SignatureUtf8(_)
            | E::SignedVersionMismatch { .. }
            | E::MissingSignedVersion
    )
}

fn failed<R: Runtime>(app: &AppHandle<R>, error: &tauri_plugin_updater::Error) -> UpdateStatus {
    tracing::warn!(%error, "update check failed; trying again later");
    set(
        app,
        UpdateStatus::Failed {
            message: error.to_string(),
        },
    )
}

/// Checks once someone is signed in, then every [`EVERY`]; again after a sign-in to another
/// server.
pub async fn watch<R: Runtime>(app: AppHandle<R>) {
    let mut last: Option<(String, Instant)> = None;
    loop {
        tokio::time::sleep(LOOK).await;
        let Some(feed) = app.state::<Desktop>().client.update_feed() else {
            continue;
        };
        let server = feed.url.origin().ascii_serialization();
        let due = match &last {
            Some((checked, at)) => *checked != server || at.elapsed() >= EVERY,
            None => true,
        };
        if due {
            check(&app).await;
            last = Some((server, Instant::now()));
        }
    }
}

#[tauri::command]
pub fn update_status(app: AppHandle) -> UpdateStatus {
    match off_reason(&app) {
        Some(reason) => UpdateStatus::Off { reason },
        None => app.state::<Updates>().status(),
    }
}

#[tauri::command]
pub async fn check_for_update(app: AppHandle) -> UpdateStatus {
    check(&app).await
}

/// Installs the verified download and restarts into it. On failure this version keeps running
/// and the status says why.
#[tauri::command]
pub async fn install_update(app: AppHandle) -> Answer<()> {
    let updates = app.state::<Updates>();
    let Some((update, bytes)) = updates
        .ready
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    else {
        return Err(update_failed(
            "There is no downloaded update to install; check for updates first.",
        ));
    };
    let version = update.version.clone();
    set(
        &app,
        UpdateStatus::Installing {
            version: version.clone(),
        },
    );
    // The package manager may ask for a password (pkexec, sudo): not on the async runtime.
    let installed = tauri::async_runtime::spawn_blocking(move || update.install(bytes))
        .await
        .map_err(|error| update_failed(format!("The update could not run: {error}")))?;
    if let Err(error) = installed {
        tracing::warn!(%version, %error, "installing the update failed");
        set(
            &app,
            UpdateStatus::Failed {
                message: error.to_string(),
            },
        );
        return Err(update_failed(format!(
            "Switchboard {version} could not be installed: {error}. This version keeps running."
        )));
    }
    tracing::info!(%version, "update installed; restarting");
    app.state::<Desktop>().client.shutdown().await;
    app.restart()
}
