//! What can go wrong, in words an agent can act on.
//!
//! [`ClientError`] is what every public method returns. Each variant has a stable
//! [`code`](ClientError::code) for the shell to branch on (the UI never matches message text)
//! and a `Display` that says what happened and what to do about it. The codes are the wire's
//! [`ErrorCode`]s: a server refusal keeps the server's code, the client's own failures have
//! theirs in the same list.

use std::path::PathBuf;

use switchboard_protocol::ErrorCode;

/// A failure of the client engine, as the desktop shell sees it.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server refused the login name or password.
    #[error("The user name or password is wrong. Check both and try again.")]
    WrongCredentials,
    /// Nothing answered at the server address (DNS, refused connection, timeout, TLS).
    #[error(
        "Could not reach the server at {url} ({detail}). Check the address and your network \
         connection; replies you write meanwhile are kept and sent when it is back."
    )]
    Unreachable { url: String, detail: String },
    /// Something answered, but `/healthz` did not say it is Switchboard.
    #[error(
        "{url} answered, but it is not a Switchboard server. Check the server address \
         (ask your administrator for the right one)."
    )]
    NotSwitchboard { url: String },
    /// The address typed on the login screen cannot be a server URL.
    #[error(
        "\"{input}\" is not a server address: {reason}. Type it like https://chat.example.com."
    )]
    InvalidServerUrl { input: String, reason: String },
    /// The stored token stopped working (logged out elsewhere, expired).
    #[error("Your session has ended. Sign in again.")]
    SessionExpired,
    /// A call that needs a signed-in agent was made before `login`/`resume`.
    #[error("You are not signed in. Sign in first.")]
    NotSignedIn,
    /// The server refused the request (4xx): its code and sentence are passed on.
    #[error("{message}")]
    Refused {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// The server failed (5xx) or answered something this client cannot read.
    #[error("The server had a problem ({detail}). Try again in a moment.")]
    ServerFailure { detail: String },
    /// Too many attempts in a short time (sign-in rate limit).
    #[error("Too many attempts. Wait a minute and try again.")]
    RateLimited,
    /// The local cache was written by a newer version of the app.
    #[error(
        "The local data in {path} was written by a newer version of Switchboard (format \
         {found}; this version knows up to {supported}). Update the app, or sign in with a \
         different data folder (SWITCHBOARD_DATA_DIR)."
    )]
    CacheTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// The local cache could not be opened, read or written.
    #[error(
        "The local data in {path} could not be used ({detail}). Check the disk has space and \
         the folder is writable, then restart the app."
    )]
    Cache { path: PathBuf, detail: String },
    /// The operating system's keychain failed.
    #[error(
        "The system keychain could not be used ({detail}). Unlock your keychain (or log in to \
         your desktop session) and try again."
    )]
    Keychain { detail: String },
    /// A local file (an attachment to send, a download target) could not be used.
    #[error("The file {path} could not be used: {detail}")]
    File { path: PathBuf, detail: String },
    /// No such conversation or message in the local cache.
    #[error("That {what} is not on this computer any more; it may have been taken or deleted.")]
    NotFound { what: &'static str },
}

impl ClientError {
    /// A stable snake_case code for the shell and UI to branch on. Server refusals pass the
    /// server's own code through (`already_taken`, `reply_window_closed`, ...).
    pub fn code(&self) -> ErrorCode {
        match self {
            // The server's spelling for the same refusal (the client once said `wrong_credentials`).
            ClientError::WrongCredentials => ErrorCode::InvalidCredentials,
            ClientError::Unreachable { .. } => ErrorCode::Unreachable,
            ClientError::NotSwitchboard { .. } => ErrorCode::NotSwitchboard,
            ClientError::InvalidServerUrl { .. } => ErrorCode::InvalidServerUrl,
            ClientError::SessionExpired => ErrorCode::SessionExpired,
            ClientError::NotSignedIn => ErrorCode::NotSignedIn,
            ClientError::Refused { code, .. } => *code,
            ClientError::ServerFailure { .. } => ErrorCode::ServerFailure,
            ClientError::RateLimited => ErrorCode::RateLimited,
            ClientError::CacheTooNew { .. } => ErrorCode::CacheTooNew,
            ClientError::Cache { .. } => ErrorCode::CacheFailure,
            ClientError::Keychain { .. } => ErrorCode::KeychainFailure,
            ClientError::File { .. } => ErrorCode::FileUnusable,
            ClientError::NotFound { .. } => ErrorCode::NotFound,
        }
    }

    /// Worth trying again later without changing anything (network, server hiccup).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ClientError::Unreachable { .. }
                | ClientError::ServerFailure { .. }
                | ClientError::RateLimited
        )
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_says_what_to_do_and_has_a_code() {
        let cases = [
            (
                ClientError::WrongCredentials,
                "invalid_credentials",
                "try again",
            ),
            (
                ClientError::Unreachable {
                    url: "https://x".into(),
                    detail: "connection refused".into(),
                },
                "unreachable",
                "Check the address",
            ),
            (
                ClientError::NotSwitchboard {
                    url: "https://x".into(),
                },
                "not_switchboard",
                "not a Switchboard server",
            ),
            (
                ClientError::CacheTooNew {
                    path: "/d".into(),
                    found: 9,
                    supported: 8,
                },
                "cache_too_new",
                "Update the app",
            ),
        ];
        for (error, code, advice) in cases {
            assert_eq!(error.code(), code);
            assert!(
                error.to_string().contains(advice),
                "the message must tell the agent what to do: {error}"
            );
        }
    }

    #[test]
    fn server_refusals_keep_the_servers_code_and_sentence() {
        let error = ClientError::Refused {
            status: 409,
            code: ErrorCode::AlreadyTaken,
            message: "This chat was already taken by Ana.".into(),
        };
        assert_eq!(error.code(), "already_taken");
        assert_eq!(error.to_string(), "This chat was already taken by Ana.");
        assert!(!error.is_transient(), "a refusal does not heal by retrying");
    }
}
