//! Where an agent's data lives: one folder per (server, agent) under the data folder, and a
//! small `profile.json` naming the last signed-in profile so the app can resume without a
//! login screen. The token is never written here (see [`crate::keychain`]).
//!
//! ```text
//! DATA_DIR/profile.json                      last profile: server URL, agent id
//! DATA_DIR/profiles/HOST-PORT-AGENT/cache.sqlite3
//! DATA_DIR/profiles/HOST-PORT-AGENT/files/   downloaded attachments
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;
use uuid::Uuid;

use crate::error::ClientError;

/// Environment variable that overrides the data folder (tests run several apps side by side).
pub const DATA_DIR_ENV: &str = "SWITCHBOARD_DATA_DIR";

/// The data folder: `SWITCHBOARD_DATA_DIR` when set and non-empty, else `default`.
pub fn data_dir_or(default: impl Into<PathBuf>) -> PathBuf {
    match std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => default.into(),
    }
}

/// One agent on one server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub server_url: String,
    pub agent_id: Uuid,
}

impl Profile {
    pub fn new(server: &Url, agent_id: Uuid) -> Profile {
        Profile {
            server_url: server.to_string(),
            agent_id,
        }
    }

    /// A folder name and keychain account that is stable, readable and safe on every OS.
    pub fn key(&self) -> String {
        let url = Url::parse(&self.server_url).ok();
        let host = url
            .as_ref()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "server".into());
        let port = url
            .as_ref()
            .and_then(Url::port_or_known_default)
            .unwrap_or(0);
        let safe: String = host
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{safe}-{port}-{}", self.agent_id.simple())
    }

    pub fn dir(&self, data_dir: &Path) -> PathBuf {
        data_dir.join("profiles").join(self.key())
    }

    pub fn cache_path(&self, data_dir: &Path) -> PathBuf {
        self.dir(data_dir).join("cache.sqlite3")
    }

    pub fn files_dir(&self, data_dir: &Path) -> PathBuf {
        self.dir(data_dir).join("files")
    }
}

fn last_profile_path(data_dir: &Path) -> PathBuf {
    data_dir.join("profile.json")
}

fn file_error(path: &Path, err: impl std::fmt::Display) -> ClientError {
    ClientError::File {
        path: path.to_path_buf(),
        detail: err.to_string(),
    }
}

/// The profile to resume, if one signed in last.
pub fn load_last(data_dir: &Path) -> Result<Option<Profile>, ClientError> {
    let path = last_profile_path(data_dir);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(file_error(&path, err)),
    }
}

/// Remember `profile` as the one to resume (written atomically).
pub fn save_last(data_dir: &Path, profile: &Profile) -> Result<(), ClientError> {
    let path = last_profile_path(data_dir);
    std::fs::create_dir_all(data_dir).map_err(|e| file_error(data_dir, e))?;
    let tmp = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec_pretty(profile).map_err(|e| file_error(&path, e))?;
    std::fs::write(&tmp, bytes).map_err(|e| file_error(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| file_error(&path, e))
}

pub fn forget_last(data_dir: &Path) -> Result<(), ClientError> {
    let path = last_profile_path(data_dir);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(file_error(&path, err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_keys_are_safe_folder_names_per_server_and_agent() {
        let agent = Uuid::from_u128(0xabc);
        let a = Profile::new(&Url::parse("https://chat.example.com/").unwrap(), agent);
        let b = Profile::new(&Url::parse("http://127.0.0.1:8080/").unwrap(), agent);
        assert_eq!(a.key(), format!("chat.example.com-443-{}", agent.simple()));
        assert_eq!(b.key(), format!("127.0.0.1-8080-{}", agent.simple()));
    }

    #[test]
    fn the_last_profile_is_remembered_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_last(dir.path()).unwrap(), None);
        let profile = Profile::new(&Url::parse("https://x/").unwrap(), Uuid::now_v7());
        save_last(dir.path(), &profile).unwrap();
        assert_eq!(load_last(dir.path()).unwrap(), Some(profile));
        forget_last(dir.path()).unwrap();
        assert_eq!(load_last(dir.path()).unwrap(), None);
    }
}
