//! Channel adapters: what WhatsApp, Messenger and Twilio send us (webhooks, in each provider's
//! own format and signature scheme), and sending replies back through their APIs.
//!
//! Parsing is pure (`parse_*` functions from bytes to [`Received`] items); the webhook handlers
//! verify signatures on the raw bytes, fetch media, hand messages to the engine and answer 2xx
//! only after everything is stored.

pub mod media;
pub mod messenger;
pub mod signature;
pub mod twilio;
pub mod whatsapp;
pub mod worker;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use switchboard_protocol::MessageStatus;

use crate::config::{ChannelConfig, ProviderConfig};

/// One thing a webhook carried.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    Message(ReceivedMessage),
    /// A delivery report for one of our replies.
    Status {
        provider_id: String,
        status: MessageStatus,
        error: Option<String>,
    },
    /// Messenger: every reply to `customer` up to `until` reached `status`.
    Watermark {
        customer: String,
        until: DateTime<Utc>,
        status: MessageStatus,
    },
}

/// A customer's message, before its media is fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedMessage {
    pub sender: String,
    /// The name the provider gives, if any.
    pub display_name: Option<String>,
    pub provider_id: String,
    pub body: String,
    pub media: Vec<MediaSource>,
}

/// Where a customer's file can be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaSource {
    /// A WhatsApp media id: resolved to a short-lived URL with the access token.
    WhatsApp {
        media_id: String,
        mime: Option<String>,
        filename: Option<String>,
    },
    /// A URL (Messenger CDN, Twilio media) with optional Basic auth.
    Url {
        url: String,
        mime: Option<String>,
        filename: Option<String>,
        basic_auth: Option<(String, String)>,
    },
}

impl MediaSource {
    pub fn mime(&self) -> Option<&str> {
        match self {
            MediaSource::WhatsApp { mime, .. } | MediaSource::Url { mime, .. } => mime.as_deref(),
        }
    }
}

/// What a Meta webhook carried for this channel, and the other numbers or pages it named.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// Items addressed to this channel's number or page, in order.
    pub items: Vec<Received>,
    /// The ids of other numbers or pages whose items were left out (sorted, once each).
    pub foreign: std::collections::BTreeSet<String>,
}

/// Malformed webhook bodies.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// The configured channels and what adapters share.
#[derive(Debug)]
pub struct Channels {
    configs: HashMap<String, ChannelConfig>,
    pub http: reqwest::Client,
    /// Downloads customers' files: follows no redirects itself (`media::download` checks
    /// each hop's host and keeps credentials to the first one).
    pub media_http: reqwest::Client,
    pub public_url: String,
    /// Signs the expiring links providers fetch our files from.
    pub link_key: Vec<u8>,
    /// Messenger names looked up through the profile API, by PSID.
    names: Mutex<HashMap<String, String>>,
}

impl Channels {
    pub fn new(configs: &[ChannelConfig], public_url: &str, link_key: Vec<u8>) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("HTTP client with default TLS settings");
        let media_http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("HTTP client with default TLS settings");
        Channels {
            configs: configs.iter().map(|c| (c.id.clone(), c.clone())).collect(),
            http,
            media_http,
            public_url: public_url.trim_end_matches('/').to_string(),
            link_key,
            names: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, id: &str) -> Option<&ChannelConfig> {
        self.configs.get(id)
    }

    /// The provider settings of a channel of the given kind, if it exists and is that kind.
    /// Every channel's configuration.
    pub fn configs(&self) -> impl Iterator<Item = &ChannelConfig> {
        self.configs.values()
    }

    pub fn provider(
        &self,
        id: &str,
        kind: switchboard_protocol::ChannelKind,
    ) -> Option<&ProviderConfig> {
        self.configs
            .get(id)
            .filter(|c| c.kind == kind)
            .map(|c| &c.provider)
    }

    pub fn cached_name(&self, psid: &str) -> Option<String> {
        self.names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(psid)
            .cloned()
    }

    pub fn remember_name(&self, psid: &str, name: &str) {
        self.names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(psid.to_string(), name.to_string());
    }
}

/// A Messenger timestamp (milliseconds since 1970).
pub(crate) fn from_unix_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_else(Utc::now)
}

/// A JSON value that providers send either as a string or as a number (ids, timestamps).
pub(crate) fn text_of(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
