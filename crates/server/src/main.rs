//! `switchboard-server serve | check-config | demo | backup | restore | updates` (CONTRACT §1).

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use switchboard_server::config;

#[derive(Parser)]
#[command(
    name = "switchboard-server",
    version,
    about = "Switchboard chat backend"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// How log lines are written (to standard error): `text` for people, `json` (one object a
    /// line, with the request's id) for log shippers. `RUST_LOG` sets the levels.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the backend.
    Serve {
        #[arg(long, default_value = "switchboard.toml")]
        config: PathBuf,
        /// Overrides server.listen; port 0 picks a free port.
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Validate a configuration file: print every problem, exit 1 if there is any.
    CheckConfig {
        #[arg(long, default_value = "switchboard.toml")]
        config: PathBuf,
    },
    /// Copy the SQLite database consistently, even while a server runs on it.
    Backup {
        #[arg(long, default_value = "switchboard.toml")]
        config: PathBuf,
        /// The backup file to write.
        #[arg(long)]
        to: PathBuf,
        /// Overwrite the backup file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Put a backup in place of the SQLite database (the server must be stopped).
    Restore {
        #[arg(long, default_value = "switchboard.toml")]
        config: PathBuf,
        /// The backup file to restore.
        #[arg(long)]
        from: PathBuf,
    },
    /// List the desktop app updates this server offers, from its update folder.
    #[command(after_long_help = switchboard_server::updates::LAYOUT)]
    Updates {
        #[arg(long, default_value = "switchboard.toml")]
        config: PathBuf,
    },
    /// Embedded SQLite in a temporary folder, demo agents, queues, channels and chats.
    #[cfg(feature = "demo")]
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// A simulated customer writes in every this many seconds (0: none).
        #[arg(long, default_value_t = 45)]
        customers_every: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().with_current_span(true).init(),
    }
    match cli.command {
        Command::CheckConfig { config } => match config::load(&config) {
            Ok(parsed) => {
                println!(
                    "{}: OK ({} agents, {} queues, {} channels)",
                    config.display(),
                    parsed.agents.len(),
                    parsed.queues.len(),
                    parsed.channels.len()
                );
                ExitCode::SUCCESS
            }
            Err(errors) => {
                eprint!("{errors}");
                ExitCode::FAILURE
            }
        },
        Command::Backup { config, to, force } => {
            report(switchboard_server::backup::backup(&config, &to, force))
        }
        Command::Restore { config, from } => {
            report(switchboard_server::backup::restore(&config, &from))
        }
        Command::Updates { config } => match config::load(&config) {
            Ok(parsed) => report(list_updates(&parsed.server.updates_dir)),
            Err(errors) => {
                eprint!("{errors}");
                ExitCode::FAILURE
            }
        },
        Command::Serve { config, listen } => {
            let mut parsed = match config::load(&config) {
                Ok(parsed) => parsed,
                Err(errors) => {
                    eprint!("{errors}");
                    return ExitCode::FAILURE;
                }
            };
            if let Some(listen) = listen {
                parsed.server.listen = listen;
            }
            run(async move { switchboard_server::launch(parsed).await })
        }
        #[cfg(feature = "demo")]
        Command::Demo {
            listen,
            customers_every,
        } => run(async move {
            let every = std::time::Duration::from_secs(customers_every);
            switchboard_server::demo::launch(listen, every).await
        }),
    }
}

/// What the update folder offers, file by file.
fn list_updates(dir: &std::path::Path) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let updates = switchboard_server::updates::Updates::new(dir);
    let mut out = format!("update folder: {}\n", dir.display());
    let versions = match switchboard_server::updates::report(&updates) {
        Ok(versions) => versions,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            out.push_str(
                "(it does not exist yet: no updates are offered; see --help for its layout)",
            );
            return Ok(out);
        }
        Err(error) => anyhow::bail!("{}: {error}", dir.display()),
    };
    if versions.is_empty() {
        out.push_str("(no version folders: no updates are offered; see --help for its layout)");
    }
    for (version, files) in versions {
        let _ = writeln!(out, "{version}");
        for file in files {
            let status = match file.status {
                Ok(platforms) => platforms.join(", "),
                Err(why) => format!("NOT OFFERED: {why}"),
            };
            let _ = writeln!(out, "  {:<40} {status}", file.file);
        }
    }
    Ok(out.trim_end().to_string())
}

fn report(done: anyhow::Result<String>) -> ExitCode {
    match done {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("switchboard-server: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run<F>(start: F) -> ExitCode
where
    F: std::future::Future<Output = anyhow::Result<switchboard_server::Running>>,
{
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        // Listened for before anything starts: a stop asked for as soon as the server answers
        // (a supervisor, a test) must stop it cleanly, not kill it.
        let stop = stop_requested();
        let running = match start.await {
            Ok(running) => running,
            Err(err) => {
                eprintln!("switchboard-server: {err:#}");
                return ExitCode::FAILURE;
            }
        };
        println!("listening on http://{}", running.addr);
        if let Some(metrics) = running.metrics_addr {
            println!("metrics on http://{metrics}/metrics");
        }
        let _ = std::io::stdout().flush();
        stop.await;
        tracing::info!("shutting down");
        running.stop().await;
        ExitCode::SUCCESS
    })
}

/// Ctrl-C, or SIGTERM (what systemd and container runtimes send to stop a service). The
/// handlers are installed when this is called; the future ends at the first signal.
fn stop_requested() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, Signal, SignalKind};
        async fn next(signal: Option<Signal>) {
            match signal {
                Some(mut signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        let terminate = signal(SignalKind::terminate()).ok();
        let interrupt = signal(SignalKind::interrupt()).ok();
        async move {
            tokio::select! {
                _ = next(terminate) => {}
                _ = next(interrupt) => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
