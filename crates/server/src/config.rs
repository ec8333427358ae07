//! The server's configuration file (CONTRACT §2): parsing, `env:VAR` secrets and validation.
//!
//! Every problem is reported with the file, the key (`queues[1].agents[2]`) and what to do,
//! and all problems are reported at once, so an operator fixes a file in one pass.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use switchboard_domain::delivery::{DEFAULT_START_KEYWORDS, DEFAULT_STOP_KEYWORDS};
use switchboard_domain::routing::Strategy;
use switchboard_protocol::{ChannelKind, Role};

/// A secret from the file, or from the environment when written `env:VAR_NAME`. Never printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where the server keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(Secret),
}

#[derive(Debug, Clone)]
pub struct Config {
    pub server: ServerConfig,
    pub agents: Vec<AgentConfig>,
    pub queues: Vec<QueueConfig>,
    pub channels: Vec<ChannelConfig>,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub public_url: String,
    pub database: Database,
    pub data_dir: PathBuf,
    pub max_attachment_bytes: u64,
    /// How long a login token stays valid.
    pub session_ttl_s: i64,
    /// Sync events older than this are pruned; clients behind them get a reset.
    pub event_retention_days: i64,
    /// How often queued offers are checked for timeouts.
    pub offer_tick_ms: u64,
    /// ISO 3166 country for phone numbers written without `+` (`011 98765-4321`).
    pub default_country: phonenumber::country::Id,
    /// Reverse proxies whose `X-Forwarded-For` is believed; anyone else's is ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub rate_limits: RateLimits,
    pub limits: Limits,
    /// Where `GET /metrics` (Prometheus) is served; `None` (the default): nowhere.
    pub metrics_listen: Option<SocketAddr>,
    pub files: FileLimits,
    /// The desktop app's update feed: one folder per version (`updates.rs` shows the layout).
    pub updates_dir: PathBuf,
}

/// Connection, stream and size limits (`[server.limits]`). Each default is listed in
/// ARCHITECTURE.md, "Threat model and limits".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Seconds a client has to send a request's headers; also how long an idle keep-alive
    /// connection waits for its next request.
    pub header_read_timeout_s: u64,
    /// Seconds a request body may go without a byte arriving.
    pub body_idle_timeout_s: u64,
    /// Open connections at most; one past it is answered 503 and closed.
    pub max_connections: u32,
    /// Live streams one agent may hold open on a node at once.
    pub streams_per_agent: u32,
    /// Live streams one live-chat visitor may hold open on a node at once.
    pub streams_per_visitor: u32,
    /// Seconds between pings on a live stream; a peer that answers nothing for two of them is
    /// dropped.
    pub stream_ping_s: u64,
    /// Characters a live-chat visitor's message may hold.
    pub visitor_message_chars: u32,
    /// Files one live-chat visitor may upload per hour.
    pub visitor_uploads_per_hour: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout_s: 30,
            body_idle_timeout_s: 60,
            max_connections: 4096,
            streams_per_agent: 8,
            streams_per_visitor: 4,
            stream_ping_s: 30,
            visitor_message_chars: 5000,
            visitor_uploads_per_hour: 30,
        }
    }
}

impl Limits {
    /// `(key, value)` of every limit that must be at least 1.
    fn counts(&self) -> [(&'static str, u64); 8] {
        [
            ("header_read_timeout_s", self.header_read_timeout_s),
            ("body_idle_timeout_s", self.body_idle_timeout_s),
            ("max_connections", self.max_connections.into()),
            ("streams_per_agent", self.streams_per_agent.into()),
            ("streams_per_visitor", self.streams_per_visitor.into()),
            ("stream_ping_s", self.stream_ping_s),
            ("visitor_message_chars", self.visitor_message_chars.into()),
            (
                "visitor_uploads_per_hour",
                self.visitor_uploads_per_hour.into(),
            ),
        ]
    }
}

/// `[server.files]`: how attachment files are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileLimits {
    /// Uploads no message carries are deleted (row, file, thumbnail) this long after upload.
    pub unsent_upload_ttl_s: u64,
    /// Uploads (agents', visitors' and customers' files) are refused while less than this is
    /// free on the disk holding `data_dir`; 0 turns the check off.
    pub min_free_bytes: u64,
}

impl Default for FileLimits {
    fn default() -> Self {
        FileLimits {
            unsent_upload_ttl_s: 24 * 3600,
            min_free_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// Limits on the public endpoints, per client IP (and per login name for log-ins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimits {
    pub login_per_minute_per_ip: u32,
    pub login_per_minute_per_user: u32,
    /// Provider webhooks; generous, since one provider sends from few addresses.
    pub webhooks_per_minute_per_ip: u32,
    /// Live-chat visitors: messages each visitor may send per minute.
    pub visitor_messages_per_minute: u32,
    /// Live-chat visitors: sessions and uploads per IP per minute.
    pub visitor_requests_per_minute_per_ip: u32,
    /// Live-chat visitors: new conversations per IP per minute.
    pub visitor_conversations_per_minute_per_ip: u32,
}

impl RateLimits {
    /// `(key, value)` of every rate: each must be at least 1 a minute.
    fn counts(&self) -> [(&'static str, u32); 6] {
        [
            ("login_per_minute_per_ip", self.login_per_minute_per_ip),
            ("login_per_minute_per_user", self.login_per_minute_per_user),
            (
                "webhooks_per_minute_per_ip",
                self.webhooks_per_minute_per_ip,
            ),
            (
                "visitor_messages_per_minute",
                self.visitor_messages_per_minute,
            ),
            (
                "visitor_requests_per_minute_per_ip",
                self.visitor_requests_per_minute_per_ip,
            ),
            (
                "visitor_conversations_per_minute_per_ip",
                self.visitor_conversations_per_minute_per_ip,
            ),
        ]
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            login_per_minute_per_ip: 60,
            login_per_minute_per_user: 10,
            webhooks_per_minute_per_ip: 6000,
            visitor_messages_per_minute: 30,
            visitor_requests_per_minute_per_ip: 120,
            visitor_conversations_per_minute_per_ip: 10,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AgentConfig {
    pub extension: String,
    pub name: String,
    pub email: Option<String>,
    pub password: AgentPassword,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub enum AgentPassword {
    Plain(Secret),
    /// An argon2 PHC string.
    Hash(String),
}

#[derive(Debug, Clone)]
pub struct QueueConfig {
    pub id: String,
    pub name: String,
    pub strategy: Strategy,
    /// Extensions, priority order.
    pub agents: Vec<String>,
    pub offer_timeout_s: i64,
    pub max_chats_per_agent: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteConfig {
    Queue(String),
    Extension(String),
}

#[derive(Debug, Clone)]
pub struct ChannelConfig {
    pub id: String,
    pub kind: ChannelKind,
    pub route: RouteConfig,
    pub provider: ProviderConfig,
}

impl ChannelConfig {
    /// A Messenger channel allowed the `HUMAN_AGENT` tag.
    pub fn human_agent_tag(&self) -> bool {
        matches!(
            self.provider,
            ProviderConfig::Facebook {
                human_agent_tag: true,
                ..
            }
        )
    }
}

/// Provider credentials and base URLs, so adapters can be pointed at fakes.
#[derive(Debug, Clone)]
pub enum ProviderConfig {
    Whatsapp {
        phone_number_id: String,
        /// The WhatsApp Business Account, whose approved message templates are offered to
        /// agents; without it no templates are synced.
        waba_id: Option<String>,
        access_token: Secret,
        app_secret: Secret,
        verify_token: Secret,
        api_base: String,
        /// Hosts customers' files may be downloaded from (`media_hosts`, see
        /// [`crate::channels::media::MediaHosts`]); `api_base`'s host is always one.
        media_hosts: Vec<String>,
    },
    Facebook {
        page_id: String,
        page_access_token: Secret,
        app_secret: Secret,
        verify_token: Secret,
        api_base: String,
        media_hosts: Vec<String>,
        /// Meta allowed the app the `HUMAN_AGENT` tag: answers up to 7 days after the
        /// customer's last message (those past 24 hours carry the tag).
        human_agent_tag: bool,
    },
    Sms {
        account_sid: String,
        auth_token: Secret,
        from_number: String,
        api_base: String,
        media_hosts: Vec<String>,
        /// Messages that opt the number out (`stop_keywords`) or back in (`start_keywords`),
        /// upper case; Twilio's and Portuguese ones when absent.
        stop_keywords: Vec<String>,
        start_keywords: Vec<String>,
    },
    Livechat {
        /// Web origins whose pages may embed the widget (the server's own always may).
        allowed_origins: Vec<String>,
        /// Shown when the panel opens; empty for the widget's own words.
        greeting: String,
        /// Shown when no agent of the channel is signed in; empty for the widget's own words.
        offline_text: String,
        ask_name: bool,
        ask_email: bool,
    },
}

/// Everything wrong with a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors {
    pub file: String,
    pub problems: Vec<Problem>,
}

/// One problem: the key it is about and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(
            f,
            "{}: {n} problem{} in the configuration:",
            self.file,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            writeln!(f, "  {}: {}: {}", self.file, p.key, p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// What is wrong with an agent's extension, if anything (the file and the app share the rule).
pub fn extension_problem(extension: &str) -> Option<String> {
    (extension.is_empty() || !extension.chars().all(|c| c.is_ascii_digit()) || extension.len() > 16)
        .then(|| format!("{extension:?} must be digits only (up to 16), like \"101\""))
}

/// What is wrong with an agent's (lower-cased) e-mail, if anything.
pub fn email_problem(email: &str) -> Option<String> {
    (!email.contains('@') || email.contains(char::is_whitespace))
        .then(|| format!("{email:?} is not an e-mail address"))
}

// ----- the file as written -----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    server: Option<RawServer>,
    #[serde(default)]
    agents: Vec<RawAgent>,
    #[serde(default)]
    queues: Vec<RawQueue>,
    #[serde(default)]
    channels: Vec<RawChannel>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<String>,
    public_url: Option<String>,
    database: Option<String>,
    data_dir: Option<String>,
    max_attachment_bytes: Option<u64>,
    session_ttl_s: Option<i64>,
    event_retention_days: Option<i64>,
    offer_tick_ms: Option<u64>,
    default_country: Option<String>,
    #[serde(default)]
    trusted_proxies: Vec<String>,
    #[serde(default)]
    rate_limits: RateLimits,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    metrics: RawMetrics,
    #[serde(default)]
    files: FileLimits,
    #[serde(default)]
    updates: RawUpdates,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawMetrics {
    listen: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawUpdates {
    dir: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgent {
    extension: Option<String>,
    name: Option<String>,
    email: Option<String>,
    password: Option<String>,
    password_hash: Option<String>,
    role: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQueue {
    id: Option<String>,
    name: Option<String>,
    strategy: Option<String>,
    #[serde(default)]
    agents: Vec<String>,
    offer_timeout_s: Option<i64>,
    max_chats_per_agent: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    queue: Option<String>,
    extension: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannel {
    id: Option<String>,
    kind: Option<String>,
    route: Option<RawRoute>,
    whatsapp: Option<HashMap<String, toml::Value>>,
    facebook: Option<HashMap<String, toml::Value>>,
    sms: Option<HashMap<String, toml::Value>>,
    livechat: Option<HashMap<String, toml::Value>>,
}

pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;

/// Read and validate a configuration file. Relative paths in it are relative to its folder.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigErrors {
        file: file.clone(),
        problems: vec![Problem {
            key: "(file)".into(),
            message: format!("cannot read the file: {e}"),
        }],
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&text, &file, base, &|name| std::env::var(name).ok())
}

/// Parse and validate configuration text. `env` resolves `env:VAR` secrets.
pub fn parse(
    text: &str,
    file: &str,
    base_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigErrors> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigErrors {
        file: file.to_string(),
        problems: vec![Problem {
            key: toml_error_place(text, &e),
            message: e.message().trim().to_string(),
        }],
    })?;
    let mut v = Validator {
        problems: Vec::new(),
        env,
    };
    let server = v.server(raw.server.unwrap_or_default(), base_dir);
    // Names declared in the file, valid or not, so one broken entry does not make every
    // reference to it a second error.
    let declared_extensions: HashSet<String> = raw
        .agents
        .iter()
        .filter_map(|a| a.extension.clone())
        .collect();
    let declared_queues: HashSet<String> = raw.queues.iter().filter_map(|q| q.id.clone()).collect();
    let agents: Vec<AgentConfig> = raw
        .agents
        .into_iter()
        .enumerate()
        .filter_map(|(i, a)| v.agent(i, a))
        .collect();
    v.unique_agents(&agents);
    let queues: Vec<QueueConfig> = raw
        .queues
        .into_iter()
        .enumerate()
        .filter_map(|(i, q)| v.queue(i, q, &declared_extensions))
        .collect();
    v.unique(
        "queues",
        queues.iter().map(|q| q.id.as_str()),
        "queue id",
        "id",
    );
    let channels: Vec<ChannelConfig> = raw
        .channels
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| {
            v.channel(
                &format!("channels[{i}]."),
                c,
                &declared_queues,
                &declared_extensions,
            )
        })
        .collect();
    v.unique(
        "channels",
        channels.iter().map(|c| c.id.as_str()),
        "channel id",
        "id",
    );
    match (v.problems.is_empty(), server) {
        (true, Some(server)) => Ok(Config {
            server,
            agents,
            queues,
            channels,
        }),
        _ => Err(ConfigErrors {
            file: file.to_string(),
            problems: v.problems,
        }),
    }
}

/// The settings of a channel kind that are secrets: kept for the provider, never answered.
pub fn secret_settings(kind: ChannelKind) -> &'static [&'static str] {
    match kind {
        ChannelKind::Whatsapp => &["access_token", "app_secret", "verify_token"],
        ChannelKind::Facebook => &["page_access_token", "app_secret", "verify_token"],
        ChannelKind::Sms => &["auth_token"],
        ChannelKind::Livechat | ChannelKind::Internal => &[],
    }
}

/// A channel made or changed in the administration, checked with the rules of a file's
/// `[[channels]]` entry: `settings` is its `[channels.<kind>]` table. `queues` and
/// `extensions` are those a route may name. Problems name keys without the file's
/// `channels[N].` (`whatsapp.access_token`, `route.queue`).
pub fn channel_from_settings(
    id: &str,
    kind: &str,
    route: (Option<String>, Option<String>),
    settings: &serde_json::Map<String, serde_json::Value>,
    queues: &HashSet<String>,
    extensions: &HashSet<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ChannelConfig, Vec<Problem>> {
    let mut v = Validator {
        problems: Vec::new(),
        env,
    };
    let mut table = HashMap::with_capacity(settings.len());
    for (name, value) in settings {
        match toml::Value::try_from(value) {
            Ok(value) => {
                table.insert(name.clone(), value);
            }
            Err(_) => v.problem(
                format!("{kind}.{name}"),
                "must be text, a number, true or false, or a list of them",
            ),
        }
    }
    let section = |name: &str| (name == kind).then(|| table.clone());
    let raw = RawChannel {
        id: Some(id.to_string()),
        kind: Some(kind.to_string()),
        route: match route {
            (None, None) => None,
            (queue, extension) => Some(RawRoute { queue, extension }),
        },
        whatsapp: section("whatsapp"),
        facebook: section("facebook"),
        sms: section("sms"),
        livechat: section("livechat"),
    };
    let channel = v.channel("", raw, queues, extensions);
    match (v.problems.is_empty(), channel) {
        (true, Some(channel)) => Ok(channel),
        _ => Err(v.problems),
    }
}

/// "line 3, column 7" for a syntax or type error in the file.
fn toml_error_place(text: &str, err: &toml::de::Error) -> String {
    match err.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}")
        }
        None => "(syntax)".into(),
    }
}

struct Validator<'e> {
    problems: Vec<Problem>,
    env: &'e dyn Fn(&str) -> Option<String>,
}

pub fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Validator<'_> {
    fn problem(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.into(),
            message: message.into(),
        });
    }

    fn required(&mut self, key: String, value: Option<String>) -> Option<String> {
        match value {
            Some(v) if !v.trim().is_empty() => Some(v),
            Some(_) => {
                self.problem(key, "must not be empty");
                None
            }
            None => {
                self.problem(key, "is missing");
                None
            }
        }
    }

    fn secret(&mut self, key: String, value: String) -> Option<Secret> {
        match value.strip_prefix("env:") {
            None => Some(Secret(value)),
            Some(var) => match (self.env)(var) {
                Some(v) if !v.is_empty() => Some(Secret(v)),
                _ => {
                    self.problem(
                        key,
                        format!("refers to the environment variable {var}, which is not set"),
                    );
                    None
                }
            },
        }
    }

    fn server(&mut self, raw: RawServer, base: &Path) -> Option<ServerConfig> {
        let listen_text = raw.listen.unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = match listen_text.parse::<SocketAddr>() {
            Ok(addr) => Some(addr),
            Err(_) => {
                self.problem(
                    "server.listen",
                    format!("{listen_text:?} is not an address with a port, like \"127.0.0.1:8080\" or \"[::1]:8080\""),
                );
                None
            }
        };
        let database_text = raw
            .database
            .unwrap_or_else(|| "sqlite://data/switchboard.db".into());
        let database = if let Some(path) = database_text.strip_prefix("sqlite://") {
            if path.is_empty() {
                self.problem(
                    "server.database",
                    "sqlite:// needs a file path, like \"sqlite://data/switchboard.db\"",
                );
                None
            } else {
                Some(Database::Sqlite(base.join(path)))
            }
        } else if database_text.starts_with("postgres://")
            || database_text.starts_with("postgresql://")
            || database_text.starts_with("env:")
        {
            let url = self.secret("server.database".into(), database_text);
            match url
                .as_ref()
                .map(|u| crate::store::postgres::check_url(u.expose()))
            {
                Some(Err(err)) => {
                    // The error names the part that is wrong, never the password.
                    self.problem(
                        "server.database",
                        format!("{err} (the form is \"postgres://user:password@host:5432/database\", with ?sslmode=require&sslrootcert=CA.pem for TLS)"),
                    );
                    None
                }
                _ => url.map(Database::Postgres),
            }
        } else {
            self.problem(
                "server.database",
                "must start with sqlite:// or postgres://",
            );
            None
        };
        let public_url = raw
            .public_url
            .unwrap_or_else(|| format!("http://{listen_text}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            self.problem(
                "server.public_url",
                format!("{public_url:?} must be an http:// or https:// URL"),
            );
        }
        let session_ttl_s = raw.session_ttl_s.unwrap_or(30 * 24 * 3600);
        if session_ttl_s <= 0 {
            self.problem(
                "server.session_ttl_s",
                "must be a positive number of seconds",
            );
        }
        let event_retention_days = raw.event_retention_days.unwrap_or(30);
        if event_retention_days <= 0 {
            self.problem(
                "server.event_retention_days",
                "must be a positive number of days",
            );
        }
        let max_attachment_bytes = raw
            .max_attachment_bytes
            .unwrap_or(DEFAULT_MAX_ATTACHMENT_BYTES);
        if max_attachment_bytes == 0 {
            self.problem("server.max_attachment_bytes", "must be more than 0");
        }
        let metrics_listen = raw.metrics.listen.as_ref().and_then(|text| {
            let parsed = text.parse::<SocketAddr>();
            if parsed.is_err() {
                self.problem(
                    "server.metrics.listen",
                    format!("{text:?} is not an address with a port, like \"127.0.0.1:9464\""),
                );
            }
            parsed.ok()
        });
        for (key, value) in raw.limits.counts() {
            if value == 0 {
                self.problem(format!("server.limits.{key}"), "must be at least 1");
            }
        }
        for (key, value) in raw.rate_limits.counts() {
            if value == 0 {
                self.problem(
                    format!("server.rate_limits.{key}"),
                    "must be at least 1 (a limit of 0 would refuse everyone)",
                );
            }
        }
        let offer_tick_ms = raw.offer_tick_ms.unwrap_or(500);
        if offer_tick_ms == 0 {
            self.problem("server.offer_tick_ms", "must be more than 0");
        }
        let country_text = raw.default_country.unwrap_or_else(|| "BR".into());
        let default_country = switchboard_domain::contacts::parse_country(&country_text);
        if default_country.is_none() {
            self.problem(
                "server.default_country",
                format!("{country_text:?} is not a two-letter country code like \"BR\" or \"US\""),
            );
        }
        if raw.files.unsent_upload_ttl_s == 0 {
            self.problem(
                "server.files.unsent_upload_ttl_s",
                "must be a positive number of seconds (86400 keeps unsent uploads for a day)",
            );
        }
        let mut trusted_proxies = Vec::new();
        for (j, text) in raw.trusted_proxies.iter().enumerate() {
            let parsed = text
                .parse::<ipnet::IpNet>()
                .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from));
            match parsed {
                Ok(net) => trusted_proxies.push(net),
                Err(_) => self.problem(
                    format!("server.trusted_proxies[{j}]"),
                    format!("{text:?} is not an address or network like \"10.0.0.0/8\" or \"127.0.0.1\""),
                ),
            }
        }
        let data_dir = base.join(raw.data_dir.unwrap_or_else(|| "data".into()));
        Some(ServerConfig {
            trusted_proxies,
            default_country: default_country?,
            listen: listen?,
            public_url: public_url.trim_end_matches('/').to_string(),
            database: database?,
            updates_dir: raw
                .updates
                .dir
                .map(|dir| base.join(dir))
                .unwrap_or_else(|| data_dir.join("updates")),
            data_dir,
            max_attachment_bytes,
            session_ttl_s,
            event_retention_days,
            offer_tick_ms,
            rate_limits: raw.rate_limits,
            limits: raw.limits,
            metrics_listen,
            files: raw.files,
        })
    }

    fn agent(&mut self, i: usize, raw: RawAgent) -> Option<AgentConfig> {
        let key = |field: &str| format!("agents[{i}].{field}");
        let extension = self.required(key("extension"), raw.extension);
        if let Some(problem) = extension.as_deref().and_then(extension_problem) {
            self.problem(key("extension"), problem);
        }
        let name = self.required(key("name"), raw.name);
        let email = raw.email.map(|e| e.trim().to_lowercase());
        if let Some(problem) = email.as_deref().and_then(email_problem) {
            self.problem(key("email"), problem);
        }
        let role = match raw.role.as_deref() {
            None => Some(Role::Agent),
            Some(text) => Role::parse(text).or_else(|| {
                self.problem(
                    key("role"),
                    format!(
                        "{text:?} is not a role; use agent, manager, group_owner or system_owner"
                    ),
                );
                None
            }),
        };
        let password = match (raw.password, raw.password_hash) {
            (Some(_), Some(_)) => {
                self.problem(
                    key("password"),
                    "give either password or password_hash, not both",
                );
                None
            }
            (None, None) => {
                self.problem(
                    key("password"),
                    "is missing (or give password_hash = \"$argon2id$...\")",
                );
                None
            }
            (Some(p), None) if p.is_empty() => {
                self.problem(key("password"), "must not be empty");
                None
            }
            (Some(p), None) => self.secret(key("password"), p).map(AgentPassword::Plain),
            (None, Some(h)) => {
                if crate::auth::is_password_hash(&h) {
                    Some(AgentPassword::Hash(h))
                } else {
                    self.problem(
                        key("password_hash"),
                        "is not an argon2 PHC string ($argon2id$v=19$...)",
                    );
                    None
                }
            }
        };
        Some(AgentConfig {
            extension: extension?,
            name: name?,
            email,
            password: password?,
            role: role?,
        })
    }

    fn unique_agents(&mut self, agents: &[AgentConfig]) {
        self.unique(
            "agents",
            agents.iter().map(|a| a.extension.as_str()),
            "extension",
            "extension",
        );
        self.unique(
            "agents",
            agents.iter().filter_map(|a| a.email.as_deref()),
            "e-mail",
            "email",
        );
        // An e-mail that looks like someone's extension would make log-in ambiguous; emails
        // always hold '@', extensions never do, so no check is needed there.
    }

    fn unique<'a>(
        &mut self,
        table: &str,
        values: impl Iterator<Item = &'a str>,
        what: &str,
        field: &str,
    ) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, value) in values.enumerate() {
            if let Some(first) = seen.insert(value, i) {
                self.problem(
                    format!("{table}[{i}].{field}"),
                    format!("duplicate {what} {value:?} (already used by {table}[{first}])"),
                );
            }
        }
    }

    fn queue(
        &mut self,
        i: usize,
        raw: RawQueue,
        extensions: &HashSet<String>,
    ) -> Option<QueueConfig> {
        let key = |field: &str| format!("queues[{i}].{field}");
        let id = self.required(key("id"), raw.id);
        if let Some(id) = &id {
            if !is_identifier(id) {
                self.problem(
                    key("id"),
                    format!("{id:?} may use only letters, digits, - and _"),
                );
            }
        }
        let strategy = match raw.strategy.as_deref() {
            None => Some(Strategy::RingAll),
            Some(text) => Strategy::parse(text).or_else(|| {
                let names: Vec<&str> = Strategy::ALL.iter().map(|s| s.as_str()).collect();
                self.problem(
                    key("strategy"),
                    format!("unknown strategy {text:?}; use one of {}", names.join(", ")),
                );
                None
            }),
        };
        if raw.agents.is_empty() {
            self.problem(
                key("agents"),
                "lists no agents; add their extensions, like [\"101\", \"102\"]",
            );
        }
        let mut seen = HashSet::new();
        for (j, ext) in raw.agents.iter().enumerate() {
            if !extensions.contains(ext) {
                self.problem(
                    format!("queues[{i}].agents[{j}]"),
                    format!("extension {ext:?} is not declared in [[agents]]"),
                );
            }
            if !seen.insert(ext) {
                self.problem(
                    format!("queues[{i}].agents[{j}]"),
                    format!("extension {ext:?} is listed twice"),
                );
            }
        }
        let offer_timeout_s = raw.offer_timeout_s.unwrap_or(30);
        if offer_timeout_s <= 0 {
            self.problem(
                key("offer_timeout_s"),
                "must be a positive number of seconds",
            );
        }
        let id = id?;
        Some(QueueConfig {
            name: raw.name.unwrap_or_else(|| id.clone()),
            id,
            strategy: strategy?,
            agents: raw.agents,
            offer_timeout_s,
            max_chats_per_agent: raw.max_chats_per_agent.unwrap_or(0),
        })
    }

    /// One channel; every key it names starts with `prefix` (`channels[0].` in a file,
    /// nothing in an administration request).
    fn channel(
        &mut self,
        prefix: &str,
        raw: RawChannel,
        queues: &HashSet<String>,
        extensions: &HashSet<String>,
    ) -> Option<ChannelConfig> {
        let key = |field: &str| format!("{prefix}{field}");
        let id = self.required(key("id"), raw.id);
        if let Some(id) = &id {
            if !is_identifier(id) {
                self.problem(
                    key("id"),
                    format!("{id:?} may use only letters, digits, - and _"),
                );
            }
        }
        let kind = match raw.kind.as_deref() {
            None => {
                self.problem(
                    key("kind"),
                    "is missing; use whatsapp, facebook, sms or livechat",
                );
                None
            }
            Some(text) => match ChannelKind::parse(text) {
                Some(ChannelKind::Internal) | None => {
                    self.problem(
                        key("kind"),
                        format!("{text:?} is not a channel kind; use whatsapp, facebook, sms or livechat"),
                    );
                    None
                }
                Some(kind) => Some(kind),
            },
        };
        let route = match raw.route {
            None => {
                self.problem(
                    key("route"),
                    "is missing; write route = { queue = \"support\" } or { extension = \"101\" }",
                );
                None
            }
            Some(RawRoute {
                queue: Some(q),
                extension: None,
            }) => {
                if queues.contains(&q) {
                    Some(RouteConfig::Queue(q))
                } else {
                    self.problem(
                        key("route.queue"),
                        format!("queue {q:?} is not declared in [[queues]]"),
                    );
                    None
                }
            }
            Some(RawRoute {
                queue: None,
                extension: Some(e),
            }) => {
                if extensions.contains(&e) {
                    Some(RouteConfig::Extension(e))
                } else {
                    self.problem(
                        key("route.extension"),
                        format!("extension {e:?} is not declared in [[agents]]"),
                    );
                    None
                }
            }
            Some(_) => {
                self.problem(key("route"), "needs exactly one of queue or extension");
                None
            }
        };
        let sections = [
            ("whatsapp", raw.whatsapp.is_some()),
            ("facebook", raw.facebook.is_some()),
            ("sms", raw.sms.is_some()),
            ("livechat", raw.livechat.is_some()),
        ];
        let kind = kind?;
        for (name, present) in sections {
            if present && name != kind.as_str() {
                self.problem(
                    key(name),
                    format!("does not belong to a channel of kind {}", kind.as_str()),
                );
            }
        }
        let provider = match kind {
            ChannelKind::Whatsapp => {
                let mut s = Section::new(self, prefix, kind, raw.whatsapp);
                let p = (
                    s.text("phone_number_id"),
                    s.secret("access_token"),
                    s.secret("app_secret"),
                    s.secret("verify_token"),
                    s.url_or("api_base", "https://graph.facebook.com/v23.0"),
                    s.hosts("media_hosts", crate::channels::media::WHATSAPP_MEDIA_HOSTS),
                );
                let waba_id = s.optional_text("waba_id");
                s.finish();
                Some(ProviderConfig::Whatsapp {
                    waba_id: Some(waba_id?).filter(|w| !w.trim().is_empty()),
                    phone_number_id: p.0?,
                    access_token: p.1?,
                    app_secret: p.2?,
                    verify_token: p.3?,
                    api_base: p.4?,
                    media_hosts: p.5?,
                })
            }
            ChannelKind::Facebook => {
                let mut s = Section::new(self, prefix, kind, raw.facebook);
                let p = (
                    s.text("page_id"),
                    s.secret("page_access_token"),
                    s.secret("app_secret"),
                    s.secret("verify_token"),
                    s.url_or("api_base", "https://graph.facebook.com/v23.0"),
                    s.hosts("media_hosts", crate::channels::media::MESSENGER_MEDIA_HOSTS),
                    s.flag("human_agent_tag", false),
                );
                s.finish();
                Some(ProviderConfig::Facebook {
                    page_id: p.0?,
                    page_access_token: p.1?,
                    app_secret: p.2?,
                    verify_token: p.3?,
                    api_base: p.4?,
                    media_hosts: p.5?,
                    human_agent_tag: p.6?,
                })
            }
            ChannelKind::Sms => {
                let mut s = Section::new(self, prefix, kind, raw.sms);
                let p = (
                    s.text("account_sid"),
                    s.secret("auth_token"),
                    s.text("from_number"),
                    s.url_or("api_base", "https://api.twilio.com"),
                    s.hosts("media_hosts", crate::channels::media::TWILIO_MEDIA_HOSTS),
                    s.keywords("stop_keywords", DEFAULT_STOP_KEYWORDS),
                    s.keywords("start_keywords", DEFAULT_START_KEYWORDS),
                );
                s.finish();
                Some(ProviderConfig::Sms {
                    account_sid: p.0?,
                    auth_token: p.1?,
                    from_number: p.2?,
                    api_base: p.3?,
                    media_hosts: p.4?,
                    stop_keywords: p.5?,
                    start_keywords: p.6?,
                })
            }
            ChannelKind::Livechat => {
                let mut s = Section::new(
                    self,
                    prefix,
                    kind,
                    raw.livechat.or_else(|| Some(HashMap::new())),
                );
                let origins = s.strings("allowed_origins");
                let greeting = s.optional_text("greeting");
                let offline_text = s.optional_text("offline_text");
                let ask_name = s.flag("ask_name", true);
                let ask_email = s.flag("ask_email", false);
                s.finish();
                let origins = origins?;
                for (j, origin) in origins.iter().enumerate() {
                    if !(origin.starts_with("http://") || origin.starts_with("https://"))
                        || origin.trim_end_matches('/').matches('/').count() != 2
                    {
                        self.problem(
                            key(&format!("livechat.allowed_origins[{j}]")),
                            format!("{origin:?} is not an origin like \"https://example.com\" (scheme and host, no path)"),
                        );
                    }
                }
                Some(ProviderConfig::Livechat {
                    allowed_origins: origins
                        .iter()
                        .map(|o| o.trim_end_matches('/').to_string())
                        .collect(),
                    greeting: greeting?,
                    offline_text: offline_text?,
                    ask_name: ask_name?,
                    ask_email: ask_email?,
                })
            }
            ChannelKind::Internal => None,
        };
        Some(ChannelConfig {
            id: id?,
            kind,
            route: route?,
            provider: provider?,
        })
    }
}

/// A provider table like `[channels.whatsapp]`, read key by key.
struct Section<'v, 'e> {
    v: &'v mut Validator<'e>,
    key: String,
    table: Option<HashMap<String, toml::Value>>,
}

impl<'v, 'e> Section<'v, 'e> {
    fn new(
        v: &'v mut Validator<'e>,
        prefix: &str,
        kind: ChannelKind,
        table: Option<HashMap<String, toml::Value>>,
    ) -> Self {
        let key = format!("{prefix}{}", kind.as_str());
        if table.is_none() {
            v.problem(
                key.clone(),
                format!(
                    "is missing: add a [channels.{}] table with the provider's settings",
                    kind.as_str()
                ),
            );
        }
        Section { v, key, table }
    }

    fn take(&mut self, name: &str) -> Option<toml::Value> {
        self.table.as_mut()?.remove(name)
    }

    fn text(&mut self, name: &str) -> Option<String> {
        self.table.as_ref()?;
        match self.take(name) {
            Some(toml::Value::String(s)) if !s.is_empty() => Some(s),
            Some(_) => {
                self.v
                    .problem(format!("{}.{name}", self.key), "must be a non-empty string");
                None
            }
            None => {
                self.v.problem(format!("{}.{name}", self.key), "is missing");
                None
            }
        }
    }

    fn secret(&mut self, name: &str) -> Option<Secret> {
        let value = self.text(name)?;
        self.v.secret(format!("{}.{name}", self.key), value)
    }

    fn url_or(&mut self, name: &str, default: &str) -> Option<String> {
        self.table.as_ref()?;
        let value = match self.take(name) {
            None => default.to_string(),
            Some(toml::Value::String(s)) => s,
            Some(_) => {
                self.v
                    .problem(format!("{}.{name}", self.key), "must be a string URL");
                return None;
            }
        };
        if value.starts_with("http://") || value.starts_with("https://") {
            Some(value.trim_end_matches('/').to_string())
        } else {
            self.v.problem(
                format!("{}.{name}", self.key),
                format!("{value:?} must be an http:// or https:// URL"),
            );
            None
        }
    }

    fn optional_text(&mut self, name: &str) -> Option<String> {
        self.table.as_ref()?;
        match self.take(name) {
            None => Some(String::new()),
            Some(toml::Value::String(s)) => Some(s),
            Some(_) => {
                self.v
                    .problem(format!("{}.{name}", self.key), "must be a string");
                None
            }
        }
    }

    fn flag(&mut self, name: &str, default: bool) -> Option<bool> {
        self.table.as_ref()?;
        match self.take(name) {
            None => Some(default),
            Some(toml::Value::Boolean(b)) => Some(b),
            Some(_) => {
                self.v
                    .problem(format!("{}.{name}", self.key), "must be true or false");
                None
            }
        }
    }

    /// Host patterns (`media_hosts`); the provider's own when the key is absent.
    fn hosts(&mut self, name: &str, defaults: &[&str]) -> Option<Vec<String>> {
        self.table.as_ref()?;
        if !self.table.as_ref()?.contains_key(name) {
            return Some(defaults.iter().map(|h| h.to_string()).collect());
        }
        let hosts = self.strings(name)?;
        let mut ok = true;
        for (j, host) in hosts.iter().enumerate() {
            if let Err(why) = crate::channels::media::check_host_pattern(host) {
                self.v.problem(format!("{}.{name}[{j}]", self.key), why);
                ok = false;
            }
        }
        ok.then(|| hosts.iter().map(|h| h.to_ascii_lowercase()).collect())
    }

    /// SMS consent keywords: single words, kept upper case; `defaults` when the key is absent.
    fn keywords(&mut self, name: &str, defaults: &[&str]) -> Option<Vec<String>> {
        self.table.as_ref()?;
        if !self.table.as_ref()?.contains_key(name) {
            return Some(defaults.iter().map(|k| k.to_string()).collect());
        }
        let words = self.strings(name)?;
        let mut ok = true;
        for (j, word) in words.iter().enumerate() {
            let word = word.trim();
            if word.is_empty() || word.len() > 30 || word.contains(char::is_whitespace) {
                self.v.problem(
                    format!("{}.{name}[{j}]", self.key),
                    "must be one word (at most 30 characters), e.g. \"STOP\"",
                );
                ok = false;
            }
        }
        ok.then(|| words.iter().map(|w| w.trim().to_uppercase()).collect())
    }

    fn strings(&mut self, name: &str) -> Option<Vec<String>> {
        self.table.as_ref()?;
        match self.take(name) {
            None => Some(Vec::new()),
            Some(toml::Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    toml::Value::String(s) => Some(s),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .or_else(|| {
                    self.v
                        .problem(format!("{}.{name}", self.key), "must be a list of strings");
                    None
                }),
            Some(_) => {
                self.v
                    .problem(format!("{}.{name}", self.key), "must be a list of strings");
                None
            }
        }
    }

    /// Keys nobody asked for are typos.
    fn finish(self) {
        if let Some(table) = self.table {
            let mut names: Vec<&String> = table.keys().collect();
            names.sort();
            for name in names {
                self.v
                    .problem(format!("{}.{name}", self.key), "is not a known setting");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[server]
listen = "127.0.0.1:0"
database = "sqlite://db/switchboard.db"

[[agents]]
extension = "101"
name = "Ana Souza"
email = "Ana@Example.com"
password = "s3cret"

[[agents]]
extension = "102"
name = "Bruno Lima"
password = "env:BRUNO_PW"
role = "manager"

[[queues]]
id = "support"
name = "Support"
strategy = "hunt_by_threes"
agents = ["101", "102"]

[[channels]]
id = "wa-main"
kind = "whatsapp"
route = { queue = "support" }
[channels.whatsapp]
phone_number_id = "106540352242922"
access_token = "token"
app_secret = "env:WA_SECRET"
verify_token = "verify"

[[channels]]
id = "web"
kind = "livechat"
route = { extension = "101" }
[channels.livechat]
allowed_origins = ["https://example.com"]
"#;

    fn env(name: &str) -> Option<String> {
        match name {
            "BRUNO_PW" => Some("from-env".into()),
            "WA_SECRET" => Some("wa-secret".into()),
            _ => None,
        }
    }

    fn parse_text(text: &str) -> Result<Config, ConfigErrors> {
        parse(text, "test.toml", Path::new("/etc/sb"), &env)
    }

    fn problems(text: &str) -> Vec<(String, String)> {
        parse_text(text)
            .expect_err("the file should be refused")
            .problems
            .into_iter()
            .map(|p| (p.key, p.message))
            .collect()
    }

    #[test]
    fn a_good_file_parses_with_env_secrets_and_relative_paths() {
        let config = parse_text(GOOD).expect("valid");
        assert_eq!(
            config.server.database,
            Database::Sqlite("/etc/sb/db/switchboard.db".into())
        );
        assert_eq!(config.agents[0].email.as_deref(), Some("ana@example.com"));
        match &config.agents[1].password {
            AgentPassword::Plain(secret) => assert_eq!(secret.expose(), "from-env"),
            other => panic!("unexpected {other:?}"),
        }
        match &config.channels[0].provider {
            ProviderConfig::Whatsapp {
                app_secret,
                api_base,
                media_hosts,
                ..
            } => {
                assert_eq!(app_secret.expose(), "wa-secret");
                assert_eq!(api_base, "https://graph.facebook.com/v23.0");
                assert_eq!(
                    media_hosts,
                    crate::channels::media::WHATSAPP_MEDIA_HOSTS,
                    "Meta's media hosts unless told otherwise"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(config.queues[0].strategy, Strategy::HuntByThrees);
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let config = parse_text(GOOD).unwrap();
        let printed = format!("{config:?}");
        assert!(
            !printed.contains("s3cret") && !printed.contains("wa-secret"),
            "{printed}"
        );
    }

    #[test]
    fn broken_files_name_the_key_and_the_problem() {
        let table: [(&str, &str, &str, &str); 8] = [
            (
                "strategy = \"hunt_by_threes\"",
                "strategy = \"random\"",
                "queues[0].strategy",
                "unknown strategy \"random\"",
            ),
            (
                "agents = [\"101\", \"102\"]",
                "agents = [\"101\", \"109\"]",
                "queues[0].agents[1]",
                "\"109\" is not declared",
            ),
            (
                "extension = \"102\"",
                "extension = \"101\"",
                "agents[1].extension",
                "duplicate extension \"101\"",
            ),
            (
                "listen = \"127.0.0.1:0\"",
                "listen = \"localhost\"",
                "server.listen",
                "is not an address",
            ),
            (
                "route = { queue = \"support\" }",
                "route = { queue = \"sales\" }",
                "channels[0].route.queue",
                "\"sales\" is not declared",
            ),
            (
                "app_secret = \"env:WA_SECRET\"",
                "app_secret = \"env:NOPE\"",
                "channels[0].whatsapp.app_secret",
                "NOPE, which is not set",
            ),
            (
                "role = \"manager\"",
                "role = \"boss\"",
                "agents[1].role",
                "not a role",
            ),
            (
                "verify_token = \"verify\"",
                "verify_token = \"verify\"\nmedia_hosts = [\"*.fbcdn.net\", \"https://cdn.example/x\"]",
                "channels[0].whatsapp.media_hosts[1]",
                "is not a host name",
            ),
        ];
        for (from, to, key, message) in table {
            let broken = GOOD.replacen(from, to, 1);
            let found = problems(&broken);
            assert!(
                found.iter().any(|(k, m)| k == key && m.contains(message)),
                "replacing {from:?} with {to:?}: expected {key}: {message}, got {found:?}"
            );
        }
    }

    #[test]
    fn file_limits_default_and_refuse_nonsense() {
        let config = parse_text(GOOD).unwrap();
        assert_eq!(config.server.files, FileLimits::default());
        assert_eq!(config.server.files.unsent_upload_ttl_s, 86_400);
        let zero = GOOD.replacen(
            "[[agents]]",
            "[server.files]\nunsent_upload_ttl_s = 0\n\n[[agents]]",
            1,
        );
        let found = problems(&zero);
        assert!(
            found
                .iter()
                .any(|(k, m)| k == "server.files.unsent_upload_ttl_s" && m.contains("positive")),
            "{found:?}"
        );
        let typo = GOOD.replacen(
            "[[agents]]",
            "[server.files]\nunsent_upload_ttl = 5\n\n[[agents]]",
            1,
        );
        assert!(parse_text(&typo).is_err(), "unknown keys are typos");
    }

    #[test]
    fn rate_limits_of_zero_are_refused_with_their_key() {
        let zero = GOOD.replacen(
            "[[agents]]",
            "[server.rate_limits]\nwebhooks_per_minute_per_ip = 0\nlogin_per_minute_per_user = 0\n\n[[agents]]",
            1,
        );
        let found = problems(&zero);
        for key in [
            "server.rate_limits.webhooks_per_minute_per_ip",
            "server.rate_limits.login_per_minute_per_user",
        ] {
            assert!(
                found
                    .iter()
                    .any(|(k, m)| k == key && m.contains("at least 1")),
                "{key}: {found:?}"
            );
        }
    }

    #[test]
    fn postgres_urls_are_checked_and_their_passwords_kept_secret() {
        let db_line = GOOD
            .lines()
            .find(|l| l.starts_with("database = "))
            .expect("GOOD names its database");
        let good = GOOD.replacen(
            db_line,
            "database = \"postgres://sb:hunter2@db.internal:5432/switchboard\"",
            1,
        );
        let config = parse_text(&good).expect("valid");
        match &config.server.database {
            Database::Postgres(url) => assert!(url.expose().contains("db.internal")),
            other => panic!("unexpected {other:?}"),
        }
        assert!(!format!("{config:?}").contains("hunter2"));

        let broken = GOOD.replacen(
            db_line,
            "database = \"postgres://sb:hunter2@db.internal:notaport/switchboard\"",
            1,
        );
        let found = problems(&broken);
        assert!(
            found
                .iter()
                .any(|(k, m)| k == "server.database" && m.contains("URL is not valid")),
            "{found:?}"
        );
        assert!(!format!("{found:?}").contains("hunter2"), "{found:?}");

        for (query, expected) in [
            ("?sslrootcert=/etc/sb/ca.pem", "not sslmode=require"),
            (
                "?sslmode=require&sslrootcert=/nonexistent/ca.pem",
                "cannot read the CA file /nonexistent/ca.pem",
            ),
            ("?sslmode=sometimes", "sslmode"),
        ] {
            let broken = GOOD.replacen(
                db_line,
                &format!("database = \"postgres://sb:hunter2@db.internal/switchboard{query}\""),
                1,
            );
            let found = problems(&broken);
            assert!(
                found
                    .iter()
                    .any(|(k, m)| k == "server.database" && m.contains(expected)),
                "{query}: {found:?}"
            );
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let broken = GOOD
            .replacen("strategy = \"hunt_by_threes\"", "strategy = \"random\"", 1)
            .replacen("listen = \"127.0.0.1:0\"", "listen = \"nowhere\"", 1);
        let found = problems(&broken);
        assert_eq!(found.len(), 2, "{found:?}");
    }

    #[test]
    fn unknown_keys_and_missing_provider_tables_are_refused() {
        let typo = GOOD.replacen(
            "verify_token = \"verify\"",
            "verify_token = \"verify\"\nverfy = 1",
            1,
        );
        assert!(problems(&typo)
            .iter()
            .any(|(k, m)| k == "channels[0].whatsapp.verfy" && m.contains("not a known setting")));
        let missing = GOOD.replacen("[channels.whatsapp]", "[channels.facebook]", 1);
        let found = problems(&missing);
        assert!(
            found.iter().any(|(k, _)| k == "channels[0].whatsapp"),
            "{found:?}"
        );
        assert!(
            found.iter().any(|(k, _)| k == "channels[0].facebook"),
            "{found:?}"
        );
    }

    #[test]
    fn syntax_errors_say_where() {
        let err = parse_text("[server\nlisten = 1").unwrap_err();
        assert_eq!(err.problems.len(), 1);
        let text = err.to_string();
        assert!(text.starts_with("test.toml:"), "{text}");
    }

    #[test]
    fn printed_errors_name_the_file_and_key() {
        let err =
            parse_text(&GOOD.replacen("strategy = \"hunt_by_threes\"", "strategy = \"x\"", 1))
                .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("test.toml: queues[0].strategy: unknown strategy"),
            "{text}"
        );
    }
}
