//! Faithful local fakes of the outside providers Switchboard talks to, for tests and the demo.
//!
//! The real WhatsApp Cloud API, Messenger Platform and Twilio cannot be reached from tests, so
//! these fakes run on loopback and speak the providers' wire formats byte for byte, signatures
//! included. Point a channel's `api_base` at a fake's `base_url()`, and deliver webhooks to the
//! server with the senders here.
//!
//! - [`graph`]: [`FakeGraph`], the Graph API (WhatsApp sends and media, Messenger Send API and
//!   user profiles), plus WhatsApp and Messenger webhook body builders.
//! - [`twilio`]: [`FakeTwilio`], the Messages API and inbound media, plus inbound-message and
//!   status-callback form builders.
//! - [`webhook`]: delivering signed webhooks ([`MetaWebhook`], [`TwilioWebhook`]) and the Meta
//!   verification handshake.
//! - [`delivery`]: what real providers do to callback sequences (duplicates, reordering,
//!   skipped `delivered`).
//! - [`signature`]: `X-Hub-Signature-256` and `X-Twilio-Signature`, computed and verified.
//! - [`fixtures`]: the published real-world payloads in `shared/fixtures/providers/`.

pub mod delivery;
mod error;
pub mod fixtures;
pub mod graph;
mod ids;
mod journal;
mod serve;
pub mod signature;
pub mod twilio;
pub mod webhook;

pub use error::FakeError;
pub use graph::messenger::{MessengerEvent, MessengerWebhook};
pub use graph::templates::MessageTemplate;
pub use graph::whatsapp::{
    MediaRef, WhatsAppBusiness, WhatsAppMessage, WhatsAppStatus, WhatsAppStatusKind,
    WhatsAppWebhook,
};
pub use graph::{FakeGraph, GraphFailure, GraphOptions};
pub use signature::{meta_signature, twilio_signature};
pub use twilio::callbacks::{TwilioInbound, TwilioStatus, TwilioStatusCallback};
pub use twilio::{FakeTwilio, TwilioFailure, TwilioOptions, TwilioSend};
pub use webhook::{MetaWebhook, TwilioWebhook, WebhookResponse};
