//! The one error type of this crate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// What can go wrong while running a fake or talking to the server under test.
#[derive(Debug, thiserror::Error)]
pub enum FakeError {
    /// A fake could not listen on its address (port taken, no permission).
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address the fake tried to listen on.
        addr: SocketAddr,
        /// Why the operating system refused.
        source: std::io::Error,
    },
    /// An HTTP request got no answer at all (connection refused, reset, bad URL).
    #[error("request to {url} failed: {source}")]
    Http {
        /// The URL that was called.
        url: String,
        /// What reqwest reported.
        source: reqwest::Error,
    },
    /// Something the test waited for did not happen in time.
    #[error("timed out after {waited:?} waiting for {what}")]
    Timeout {
        /// What was awaited, in words.
        what: String,
        /// How long the wait lasted.
        waited: Duration,
    },
    /// A provider fixture file could not be read or is not in the expected shape.
    #[error("fixture {path}: {reason}")]
    Fixture {
        /// The fixture file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}
