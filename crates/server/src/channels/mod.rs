//! Channel adapters: what WhatsApp, Messenger and Twilio send us (webhooks, in each provider's
//! own format and signature scheme), and sending replies back through their APIs.
//!
//! Parsing is pure (`parse_*` functions from bytes to [`Received`] items); the webhook handlers
//! verify signatures on the raw bytes, fetch media, hand messages to the engine and answer 2xx
//! only after everything is stored.

pub mod check;
pub mod media;
pub mod messenger;
pub mod signature;
pub mod templates;
pub mod twilio;
pub mod whatsapp;
pub mod worker;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use switchboard_protocol::MessageStatus;

use crate::config::{ChannelConfig, ProviderConfig};
use crate::store::{ChannelRow, Route};

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
    /// When the customer sent it, as the provider says (WhatsApp and Messenger): the reply
    /// window counts from then, not from a late delivery.
    pub sent_at: Option<DateTime<Utc>>,
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

/// The channels (those of the configuration file and those made in the administration) and
/// what adapters share. The administration changes them live: [`Channels::reload`] reads
/// them again after every change, on every node.
#[derive(Debug)]
pub struct Channels {
    /// The configuration file's channels: they are always there, as the file says.
    file: Vec<ChannelConfig>,
    live: RwLock<Live>,
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

/// The channels as last read.
#[derive(Debug, Default)]
struct Live {
    configs: HashMap<String, Arc<ChannelConfig>>,
    /// Channels an administrator disabled.
    disabled: HashSet<String>,
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
        let live = Live {
            configs: configs
                .iter()
                .map(|c| (c.id.clone(), Arc::new(c.clone())))
                .collect(),
            disabled: HashSet::new(),
        };
        Channels {
            file: configs.to_vec(),
            live: RwLock::new(live),
            http,
            media_http,
            public_url: public_url.trim_end_matches('/').to_string(),
            link_key,
            names: Mutex::new(HashMap::new()),
        }
    }

    /// Take the channels as stored: the file's, plus those made in the administration (their
    /// settings read with the file's rules; one that no longer reads is left out, logged).
    pub fn reload(&self, rows: &[ChannelRow]) {
        let mut live = Live::default();
        for config in &self.file {
            live.configs
                .insert(config.id.clone(), Arc::new(config.clone()));
        }
        let env = |name: &str| std::env::var(name).ok();
        for row in rows {
            if !row.enabled {
                live.disabled.insert(row.id.clone());
            }
            let Some(settings) = row.settings.as_ref().filter(|_| !row.provisioned) else {
                continue;
            };
            match stored_channel(row, settings, &env) {
                Ok(config) => {
                    live.configs.insert(row.id.clone(), Arc::new(config));
                }
                Err(problems) => tracing::error!(
                    channel = %row.id,
                    problems = %problems,
                    "a channel made in the administration no longer reads; it is left out"
                ),
            }
        }
        *self.live.write().unwrap_or_else(|p| p.into_inner()) = live;
    }

    pub fn get(&self, id: &str) -> Option<Arc<ChannelConfig>> {
        self.read().configs.get(id).cloned()
    }

    /// Every channel's configuration, by id.
    pub fn configs(&self) -> Vec<Arc<ChannelConfig>> {
        let mut all: Vec<_> = self.read().configs.values().cloned().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// The provider settings of a channel of the given kind, if it exists and is that kind.
    pub fn provider(
        &self,
        id: &str,
        kind: switchboard_protocol::ChannelKind,
    ) -> Option<ProviderConfig> {
        self.read()
            .configs
            .get(id)
            .filter(|c| c.kind == kind)
            .map(|c| c.provider.clone())
    }

    /// Whether the configuration file declares the channel (and so rules it).
    pub fn is_from_file(&self, id: &str) -> bool {
        self.file.iter().any(|c| c.id == id)
    }

    /// Whether the channel may send and receive (an administrator can disable it).
    pub fn enabled(&self, id: &str) -> bool {
        !self.read().disabled.contains(id)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Live> {
        self.live.read().unwrap_or_else(|p| p.into_inner())
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

/// A stored channel of the administration as a configuration, read with the file's rules.
fn stored_channel(
    row: &ChannelRow,
    settings: &serde_json::Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ChannelConfig, String> {
    let empty = serde_json::Map::new();
    let table = settings.as_object().unwrap_or(&empty);
    // The route was checked when it was written (and deleting a queue moves its channels).
    let (queue, extension) = match &row.route {
        Route::Queue(q) => (Some(q.clone()), None),
        Route::Extension(e) => (None, Some(e.clone())),
    };
    let queues: HashSet<String> = queue.iter().cloned().collect();
    let extensions: HashSet<String> = extension.iter().cloned().collect();
    crate::config::channel_from_settings(
        &row.id,
        row.kind.as_str(),
        (queue, extension),
        table,
        &queues,
        &extensions,
        env,
    )
    .map_err(|problems| {
        problems
            .iter()
            .map(|p| format!("{}: {}", p.key, p.message))
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// A WhatsApp timestamp (seconds since 1970, sent as a string).
pub(crate) fn from_unix_seconds(value: &serde_json::Value) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(text_of(value)?.parse().ok()?, 0)
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
