//! Where the login token lives: the operating system's keychain (macOS Keychain, Windows
//! Credential Manager, the Secret Service on Linux), never the cache or a file.
//!
//! [`TokenStore`] is the seam: the app uses [`KeyringStore`]; tests use [`MemoryStore`].
//! Calls may block (D-Bus, a keychain unlock prompt), so the engine makes them off the async
//! runtime.
//!
//! A keychain that cannot be used (no Secret Service on a bare Linux session, a locked or
//! refusing keychain) never keeps an agent out: the sign-in is then kept for the running app
//! only ([`SignInKept::ThisRunOnly`]) and the next start asks for the password again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::ClientError;

/// Where a session's sign-in is kept, for the app to tell the agent when it is not the
/// keychain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kept", rename_all = "snake_case")]
pub enum SignInKept {
    /// In the OS keychain: the next start signs in again by itself.
    Keychain,
    /// In memory for this run only, because the keychain failed (`detail` says how); the next
    /// start shows the login screen.
    ThisRunOnly { detail: String },
}

/// Keeps one secret per account name.
pub trait TokenStore: Send + Sync + std::fmt::Debug + 'static {
    fn load(&self, account: &str) -> Result<Option<String>, ClientError>;
    fn save(&self, account: &str, token: &str) -> Result<(), ClientError>;
    /// Removing what is not there is not an error.
    fn delete(&self, account: &str) -> Result<(), ClientError>;
}

/// The OS keychain, through the `keyring` crate, under one service name.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    /// The app's store: service `switchboard`.
    pub fn new() -> Self {
        Self::with_service("switchboard")
    }

    /// A store under another service name (tests, side-by-side installs).
    pub fn with_service(service: impl Into<String>) -> Self {
        KeyringStore {
            service: service.into(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, ClientError> {
        keyring::Entry::new(&self.service, account).map_err(keychain_error)
    }
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self::new()
    }
}

fn keychain_error(err: keyring::Error) -> ClientError {
    ClientError::Keychain {
        detail: err.to_string(),
    }
}

impl TokenStore for KeyringStore {
    fn load(&self, account: &str) -> Result<Option<String>, ClientError> {
        match self.entry(account)?.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(keychain_error(err)),
        }
    }

    fn save(&self, account: &str, token: &str) -> Result<(), ClientError> {
        self.entry(account)?
            .set_password(token)
            .map_err(keychain_error)
    }

    fn delete(&self, account: &str) -> Result<(), ClientError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(keychain_error(err)),
        }
    }
}

/// Tokens in memory, shared by clones: tests, and "restart" scenarios within one process.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    tokens: Arc<Mutex<HashMap<String, String>>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many tokens are stored (tests check logout removed them).
    pub fn len(&self) -> usize {
        self.tokens().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl TokenStore for MemoryStore {
    fn load(&self, account: &str) -> Result<Option<String>, ClientError> {
        Ok(self.tokens().get(account).cloned())
    }

    fn save(&self, account: &str, token: &str) -> Result<(), ClientError> {
        self.tokens().insert(account.to_string(), token.to_string());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<(), ClientError> {
        self.tokens().remove(account);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_store_keeps_one_token_per_account_and_forgets_on_delete() {
        let store = MemoryStore::new();
        store.save("a", "t1").unwrap();
        store.save("a", "t2").unwrap();
        store.save("b", "t3").unwrap();
        assert_eq!(store.load("a").unwrap().as_deref(), Some("t2"));
        store.delete("a").unwrap();
        store.delete("a").unwrap();
        assert_eq!(store.load("a").unwrap(), None);
        assert_eq!(store.len(), 1);
    }
}
