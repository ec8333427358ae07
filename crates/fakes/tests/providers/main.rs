//! Integration tests of the provider fakes: each fake's endpoints answer in the provider's
//! shapes, webhooks arrive byte for byte with signatures a receiver verifies independently,
//! and every published fixture replays correctly.

mod fixtures;
mod graph;
mod receiver;
mod twilio;
mod webhooks;

use std::time::Duration;

/// Long enough for a loaded CI machine, short enough to fail fast.
pub const WAIT: Duration = Duration::from_secs(5);
