//! The Switchboard chat backend: configuration, storage, the conversation engine and the
//! agent API. `main.rs` is a thin command line over [`launch_with_listener`].

pub mod auth;
pub mod backup;
pub mod channels;
pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
pub mod engine;
pub mod files;
pub mod http;
pub mod metrics;
pub mod private;
pub mod store;
pub mod updates;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use config::{AgentPassword, Config, Database, RouteConfig};
use engine::{Engine, EngineSettings};
use store::postgres::PgStore;
use store::sqlite::SqliteStore;
use store::{AgentRow, ChannelRow, Mode, QueueRow, Route, Store, Tx};

/// A running server. Dropping it stops it.
pub struct Running {
    pub addr: SocketAddr,
    /// Where `GET /metrics` answers, when `[server.metrics] listen` is set.
    pub metrics_addr: Option<SocketAddr>,
    pub engine: Engine,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    /// Things that must live exactly as long as the server (the demo's temporary folder).
    kept: Vec<Box<dyn std::any::Any + Send + Sync>>,
}

impl Running {
    /// Keep `value` alive until the server is stopped and dropped.
    pub fn keep_alive(&mut self, value: impl std::any::Any + Send + Sync) {
        self.kept.push(Box::new(value));
    }

    /// Stop accepting requests and background work, and wait for it to end.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Open the configured database.
pub fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    match &config.server.database {
        Database::Sqlite(path) => {
            let store = SqliteStore::open(path)
                .with_context(|| format!("opening the SQLite database {}", path.display()))?;
            Ok(Arc::new(store))
        }
        Database::Postgres(url) => {
            // The error says what failed without the URL, which holds the password.
            let store = PgStore::open(url.expose())
                .context("server.database: opening the PostgreSQL database")?;
            Ok(Arc::new(store))
        }
    }
}

/// Create or update the agents, queues and channels of the file.
pub fn apply_config(store: &dyn Store, config: &Config) -> anyhow::Result<()> {
    // Hash outside the transaction: argon2 is slow on purpose.
    let mut hashes = Vec::with_capacity(config.agents.len());
    for agent in &config.agents {
        hashes.push(match &agent.password {
            AgentPassword::Hash(hash) => hash.clone(),
            AgentPassword::Plain(secret) => auth::hash_password(secret.expose()),
        });
    }
    let mut failure: Option<anyhow::Error> = None;
    store.run(
        Mode::Write,
        &mut |tx: &mut dyn Tx| match apply_in(tx, config, &hashes) {
            Ok(()) => Ok(()),
            Err(err) => {
                failure = Some(err);
                Err(store::JobFailed::Abort)
            }
        },
    )?;
    match failure {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

fn apply_in(tx: &mut dyn Tx, config: &Config, hashes: &[String]) -> anyhow::Result<()> {
    let now = Utc::now();
    // Agents whose sessions end now; their streams, on any node, look again and close.
    let mut signed_out = Vec::new();
    for (agent, hash) in config.agents.iter().zip(hashes) {
        let existing = tx.agent_by_extension(&agent.extension)?;
        // Keep a stored hash that still matches, so restarts do not churn the table.
        let password_hash = match (&existing, &agent.password) {
            (Some(row), AgentPassword::Plain(secret))
                if auth::verify_password(secret.expose(), &row.password_hash) =>
            {
                row.password_hash.clone()
            }
            _ => hash.clone(),
        };
        if let Some(row) = &existing {
            // A changed password ends every session the old one opened.
            if row.password_hash != password_hash && tx.revoke_agent_sessions(row.id, now)? > 0 {
                signed_out.push(row.id);
            }
        }
        tx.upsert_agent(&AgentRow {
            id: existing.as_ref().map_or_else(Uuid::now_v7, |row| row.id),
            extension: agent.extension.clone(),
            name: agent.name.clone(),
            email: agent.email.clone(),
            role: agent.role,
            password_hash,
            presence: existing
                .as_ref()
                .map_or(switchboard_protocol::Presence::Available, |row| {
                    row.presence
                }),
            last_assigned_at: None,
            disabled_at: None,
            // The file rules what it declares (the app shows it read-only), and its password
            // is the agent's own.
            provisioned: true,
            must_change_password: false,
        })
        .with_context(|| format!("agent {}", agent.extension))?;
    }
    // An agent taken out of the file keeps its row (its name stays on history) but is locked
    // out at once: no sign-in, no session, no stream. Agents made in the app are the app's.
    for row in tx.agents()? {
        let configured = config.agents.iter().any(|a| a.extension == row.extension);
        if row.provisioned && !configured && row.disabled_at.is_none() {
            tracing::info!(extension = %row.extension, "agent no longer in the configuration: disabled");
            tx.set_agent_disabled(row.id, Some(now))?;
            tx.revoke_agent_sessions(row.id, now)?;
            signed_out.push(row.id);
        }
    }
    if !signed_out.is_empty() {
        tx.announce(&store::Announcement {
            streams: signed_out,
            ..Default::default()
        })?;
    }
    for queue in &config.queues {
        let mut members = Vec::with_capacity(queue.agents.len());
        for extension in &queue.agents {
            let agent = tx
                .agent_by_extension(extension)?
                .with_context(|| format!("queue {}: agent {extension} missing", queue.id))?;
            members.push(agent.id);
        }
        tx.upsert_queue(&QueueRow {
            id: queue.id.clone(),
            name: queue.name.clone(),
            strategy: queue.strategy,
            offer_timeout_s: queue.offer_timeout_s,
            max_chats_per_agent: queue.max_chats_per_agent,
            members,
            last_round_robin: None,
            provisioned: true,
        })?;
    }
    for channel in &config.channels {
        // The file rules what it declares: a channel made in the app with the same id is
        // taken over (its settings forgotten), and the file's secrets stay out of the database.
        tx.upsert_channel(&ChannelRow {
            id: channel.id.clone(),
            kind: channel.kind,
            route: match &channel.route {
                RouteConfig::Queue(q) => Route::Queue(q.clone()),
                RouteConfig::Extension(e) => Route::Extension(e.clone()),
            },
            settings: None,
            enabled: true,
            provisioned: true,
            human_agent_tag: channel.human_agent_tag(),
        })?;
    }
    // A channel taken out of the file keeps its row (its conversations name it) but neither
    // sends nor receives.
    for row in tx.channels()? {
        let configured = config.channels.iter().any(|c| c.id == row.id);
        if row.provisioned && !configured && row.enabled {
            tracing::info!(channel = %row.id, "channel no longer in the configuration: disabled");
            tx.upsert_channel(&ChannelRow {
                enabled: false,
                ..row
            })?;
        }
    }
    Ok(())
}

/// Start the server on an already-bound listener (port 0 in tests) with a prepared store.
pub async fn launch_with_listener(
    config: Config,
    store: Arc<dyn Store>,
    listener: TcpListener,
) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    {
        let store = store.clone();
        let config = config.clone();
        tokio::task::spawn_blocking(move || apply_config(store.as_ref(), &config))
            .await
            .context("applying the configuration")??;
    }
    let shared_store = store.shared().then(|| store.clone());
    let metrics_store = store.clone();
    let engine = Engine::new(
        store,
        EngineSettings {
            session_ttl: chrono::Duration::seconds(config.server.session_ttl_s),
            event_retention: chrono::Duration::days(config.server.event_retention_days),
            default_country: config.server.default_country,
        },
    );
    {
        let engine = engine.clone();
        tokio::task::spawn_blocking(move || engine.start_hearing_other_nodes())
            .await
            .context("listening to the other server nodes")??;
    }
    let files = files::FileStore::open(&config.server.data_dir)
        .with_context(|| {
            format!(
                "server.data_dir: cannot create the attachments folder in {}",
                config.server.data_dir.display()
            )
        })?
        .with_min_free_bytes(config.server.files.min_free_bytes);
    let link_key = media_link_key(&config.server.data_dir)?;
    // Nodes sharing the database count rate limits together, under keys salted from the
    // secret they share in `data_dir`.
    let shared = shared_store.map(|store| auth::SharedCounts::new(store, &link_key));
    let channels = Arc::new(channels::Channels::new(
        &config.channels,
        &config.server.public_url,
        link_key,
    ));
    // The channels made in the administration, and those disabled there.
    channels.reload(&engine.channel_rows().await?);
    let files = Arc::new(files);
    let (shutdown, mut stopped) = watch::channel(false);
    let state = http::AppState::new(http::Shared {
        engine: engine.clone(),
        login_limiter: Arc::new(auth::LoginLimiter::new(
            config.server.rate_limits,
            shared.clone(),
        )),
        files: files.clone(),
        max_attachment_bytes: config.server.max_attachment_bytes,
        channels: channels.clone(),
        webhook_limiter: Arc::new(auth::IpLimiter::per_minute(
            "webhooks per ip",
            config.server.rate_limits.webhooks_per_minute_per_ip,
            shared.clone(),
        )),
        visitor_limiter: Arc::new(auth::IpLimiter::per_minute(
            "visitor requests per ip",
            config.server.rate_limits.visitor_requests_per_minute_per_ip,
            shared.clone(),
        )),
        visitor_message_limiter: Arc::new(auth::Limiter::per_minute(
            "visitor messages",
            config.server.rate_limits.visitor_messages_per_minute,
            shared.clone(),
        )),
        visitor_conversation_limiter: Arc::new(auth::IpLimiter::per_minute(
            "visitor conversations per ip",
            config
                .server
                .rate_limits
                .visitor_conversations_per_minute_per_ip,
            shared,
        )),
        trusted_proxies: Arc::new(config.server.trusted_proxies.clone()),
        limits: config.server.limits,
        streams: Default::default(),
        updates: Arc::new(updates::Updates::new(&config.server.updates_dir)),
        shutdown: stopped.clone(),
    });
    let limiters = (
        state.login_limiter.clone(),
        state.webhook_limiter.clone(),
        state.visitor_limiter.clone(),
        state.visitor_message_limiter.clone(),
        state.visitor_conversation_limiter.clone(),
    );
    let app = http::router(state);
    let mut tasks = Vec::new();
    let metrics_addr = match config.server.metrics_listen {
        Some(listen) => {
            let queues = config.queues.iter().map(|q| q.id.clone()).collect();
            let (addr, task) = metrics::serve(
                listen,
                engine.clone(),
                metrics_store,
                queues,
                stopped.clone(),
            )
            .await?;
            tasks.push(task);
            Some(addr)
        }
        None => None,
    };

    let stop_http = stopped.clone();
    let limits = config.server.limits;
    tasks.push(tokio::spawn(async move {
        http::serve::serve(listener, app, limits, stop_http).await;
    }));

    tasks.push(tokio::spawn(reload_channels(
        engine.clone(),
        channels.clone(),
        stopped.clone(),
    )));

    tasks.push(tokio::spawn(channels::templates::keep_synced(
        engine.clone(),
        channels.clone(),
        Duration::from_secs(60 * 60),
        stopped.clone(),
    )));

    tasks.push(tokio::spawn(channels::worker::run(
        engine.clone(),
        channels,
        files.clone(),
        stopped.clone(),
    )));

    tasks.push(tokio::spawn(sweep_unsent_uploads(
        engine.clone(),
        files.clone(),
        Duration::from_secs(config.server.files.unsent_upload_ttl_s),
        stopped.clone(),
    )));

    let ticker = engine.clone();
    let tick = Duration::from_millis(config.server.offer_tick_ms);
    tasks.push(tokio::spawn(async move {
        let mut interval = tokio::time::interval(tick);
        let mut last_prune = Utc::now() - chrono::Duration::days(1);
        let mut last_sweep = std::time::Instant::now();
        loop {
            tokio::select! {
                _ = interval.tick() => {}
                _ = stopped.wait_for(|s| *s) => return,
            }
            if let Err(err) = ticker.expire_offers().await {
                tracing::warn!(error = %err, "offer timeouts failed");
            }
            if last_sweep.elapsed() >= Duration::from_secs(60) {
                last_sweep = std::time::Instant::now();
                limiters.0.sweep();
                limiters.1.sweep();
                limiters.2.sweep();
                limiters.3.sweep();
                limiters.4.sweep();
            }
            if Utc::now() - last_prune > chrono::Duration::hours(1) {
                last_prune = Utc::now();
                match ticker.prune_sessions().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(removed = n, "pruned ended sessions"),
                    Err(err) => tracing::warn!(error = %err, "session pruning failed"),
                }
                match ticker.prune_events().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(removed = n, "pruned old sync events"),
                    Err(err) => tracing::warn!(error = %err, "event pruning failed"),
                }
            }
        }
    }));

    Ok(Running {
        addr,
        metrics_addr,
        engine,
        shutdown,
        tasks,
        kept: Vec::new(),
    })
}

/// Read the channels again whenever one was made or changed, on this node or another.
async fn reload_channels(
    engine: Engine,
    channels: Arc<channels::Channels>,
    mut stopped: watch::Receiver<bool>,
) {
    let changed = engine.channels_changed();
    loop {
        tokio::select! {
            _ = changed.notified() => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        match engine.channel_rows().await {
            Ok(rows) => channels.reload(&rows),
            Err(err) => {
                tracing::warn!(error = %err, "could not read the channels again; trying in a second");
                tokio::time::sleep(Duration::from_secs(1)).await;
                changed.notify_one();
            }
        }
    }
}

/// Delete uploads never sent, `ttl` after they were made: their rows, then their files and
/// thumbnails. Runs every half `ttl` (between a second and a quarter of an hour).
async fn sweep_unsent_uploads(
    engine: Engine,
    files: Arc<files::FileStore>,
    ttl: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    const BATCH: u32 = 500;
    let period = (ttl / 2).clamp(Duration::from_secs(1), Duration::from_secs(15 * 60));
    let mut interval = tokio::time::interval(period);
    let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        let before = Utc::now()
            .checked_sub_signed(ttl)
            .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC);
        loop {
            let forgotten = match engine.forget_unsent_uploads(before, BATCH).await {
                Ok(rows) => rows,
                Err(err) => {
                    tracing::warn!(error = %err, "deleting unsent uploads failed");
                    break;
                }
            };
            for row in &forgotten {
                if let Err(err) = files.remove(row.id) {
                    tracing::warn!(error = %err, id = %row.id, "an unsent upload's file could not be deleted");
                }
            }
            if !forgotten.is_empty() {
                tracing::info!(
                    removed = forgotten.len(),
                    "deleted uploads that were never sent"
                );
            }
            if (forgotten.len() as u32) < BATCH {
                break;
            }
        }
    }
}

/// The key that signs media links, kept in the data folder so links survive restarts.
fn media_link_key(data_dir: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Write;
    let path = data_dir.join("media-link.key");
    if let Ok(key) = std::fs::read(&path) {
        if key.len() >= 32 {
            return Ok(key);
        }
    }
    let mut key = vec![0u8; 32];
    rand::fill(&mut key[..]);
    private::create_dir_all(data_dir)?;
    // Nodes sharing `data_dir` may start together: one creates the key, the others read it.
    let written = private::create_new(&path)
        .and_then(|mut file| file.write_all(&key).and_then(|()| file.sync_all()));
    match written {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Written by another node a moment ago, or too short (an older, broken file).
            for _ in 0..50 {
                let found =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                if found.len() >= 32 {
                    return Ok(found);
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            private::write(&path, &key).with_context(|| format!("writing {}", path.display()))?;
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("writing {}", path.display())),
    }
}

/// Open the store, bind `config.server.listen` and start.
pub async fn launch(config: Config) -> anyhow::Result<Running> {
    let listen = config.server.listen;
    let cfg = config.clone();
    let store = tokio::task::spawn_blocking(move || open_store(&cfg)).await??;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("server.listen: cannot listen on {listen}"))?;
    launch_with_listener(config, store, listener).await
}
