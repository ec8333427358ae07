//! Tauri commands: the Rust side of the UI's `Backend` interface (`ui/src/backend.ts`).
//!
//! Each command is a short adapter: gather inputs, call the code that does the work, and turn
//! failures into a `{code, message}` object that the UI can branch on by `code`.

use std::ffi::OsString;
use std::path::PathBuf;

use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};

/// Environment variable that overrides where the app keeps its data. Tests and portable
/// installs point it at a folder of their own instead of the per-user OS location.
pub const DATA_DIR_ENV: &str = "SWITCHBOARD_DATA_DIR";

/// What `app_info` returns to the UI.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The app's version (the workspace version in `Cargo.toml`).
    pub version: String,
    /// The folder where the app keeps its local data.
    pub data_dir: PathBuf,
}

/// An error as the UI receives it over IPC.
#[derive(Debug, Serialize)]
pub struct CommandError {
    /// Stable, machine-readable reason; the UI branches on this, never on `message`.
    pub code: &'static str,
    /// What happened and what to do, for a person.
    pub message: String,
}

/// Tells the UI which version is running and where its data lives.
#[tauri::command]
pub fn app_info<R: Runtime>(app: AppHandle<R>) -> Result<AppInfo, CommandError> {
    let data_dir = resolve_data_dir(std::env::var_os(DATA_DIR_ENV), || app.path().app_data_dir())?;
    let version = app.package_info().version.to_string();
    Ok(AppInfo { version, data_dir })
}

/// Picks the data folder: the override when it is set and non-empty, else the OS default.
fn resolve_data_dir(
    override_dir: Option<OsString>,
    os_default: impl FnOnce() -> tauri::Result<PathBuf>,
) -> Result<PathBuf, CommandError> {
    match override_dir.filter(|dir| !dir.is_empty()) {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => os_default().map_err(|error| CommandError {
            code: "data_dir_unavailable",
            message: format!(
                "Switchboard could not find a folder for its data ({error}). \
                 Set {DATA_DIR_ENV} to a writable folder and restart the app."
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os_default() -> tauri::Result<PathBuf> {
        Ok(PathBuf::from(
            "/home/agent/.local/share/com.switchboard.desktop",
        ))
    }

    #[test]
    fn override_from_environment_wins_over_os_default() {
        // Given an override, when resolving, then the OS default is not used.
        let dir = resolve_data_dir(Some("/tmp/switchboard-test".into()), os_default);
        assert_eq!(
            dir.ok(),
            Some(PathBuf::from("/tmp/switchboard-test")),
            "an explicit SWITCHBOARD_DATA_DIR must be honoured as given"
        );
    }

    #[test]
    fn empty_override_falls_back_to_os_default() {
        // `SWITCHBOARD_DATA_DIR=` in a shell sets an empty value; that means "not set".
        let dir = resolve_data_dir(Some(OsString::new()), os_default);
        assert_eq!(
            dir.ok(),
            os_default().ok(),
            "an empty override must not become the cwd"
        );
    }

    #[test]
    fn missing_os_dir_reports_a_code_and_how_to_fix_it() {
        let error = resolve_data_dir(None, || Err(tauri::Error::UnknownPath))
            .expect_err("without an override or OS folder there is no data dir");
        assert_eq!(error.code, "data_dir_unavailable");
        assert!(
            error.message.contains(DATA_DIR_ENV),
            "the message should tell the user which variable fixes it: {}",
            error.message
        );
    }
}
