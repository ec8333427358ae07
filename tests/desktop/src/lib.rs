//! Harness for the desktop app's end-to-end tests: the real app (`target/debug/
//! switchboard-desktop`) in a private X server, D-Bus session and keychain, driven through
//! `tauri-driver` (W3C WebDriver over WebKitWebDriver), against the real server running the
//! demo world with fake providers that the tests inspect.
//!
//! - [`Desktop`]: Xvfb + `dbus-daemon` + an unlocked `gnome-keyring-daemon` + `dbus-monitor`
//!   recording notifications, all stopped on drop.
//! - [`App`]: one app instance (its own data folder) behind its own `tauri-driver`.
//! - [`Server`]: the demo server on loopback with fakes; it can go down and come back on the
//!   same port and database.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use serde_json::{json, Value};
use switchboard_fakes::{FakeGraph, FakeTwilio, GraphOptions, TwilioOptions};
use tokio::net::TcpListener;

pub mod bench;

/// Where screenshots go (ignored by git).
pub fn artifacts() -> PathBuf {
    let dir = repo().join("test-artifacts").join("desktop");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The app binary the tests drive: the debug build, or `SWITCHBOARD_DESKTOP_BIN` (the
/// benchmark measures the release build).
pub fn app_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("SWITCHBOARD_DESKTOP_BIN").filter(|b| !b.is_empty()) {
        return PathBuf::from(bin);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target"));
    target.join("debug").join("switchboard-desktop")
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// Why these tests cannot run here, if they cannot. In CI that is a failure (the caller
/// panics); elsewhere the test prints it and passes without running.
pub fn missing_prerequisites() -> Option<String> {
    let mut missing = Vec::new();
    for (program, package) in [
        ("Xvfb", "xvfb"),
        ("dbus-daemon", "dbus"),
        ("dbus-monitor", "dbus"),
        ("gnome-keyring-daemon", "gnome-keyring"),
        ("WebKitWebDriver", "webkit2gtk-driver"),
        ("xdotool", "xdotool"),
        ("tauri-driver", "cargo install tauri-driver --locked"),
    ] {
        if !on_path(program) {
            missing.push(format!("{program} ({package})"));
        }
    }
    if !app_binary().is_file() {
        missing.push(format!(
            "the app at {} (cargo build -p switchboard-desktop)",
            app_binary().display()
        ));
    }
    (!missing.is_empty()).then(|| {
        format!(
            "desktop end-to-end tests need: {} — scripts/setup.sh installs them",
            missing.join(", ")
        )
    })
}

/// Skip (outside CI) or fail (in CI) when the machine lacks what the tests need.
#[macro_export]
macro_rules! require_desktop {
    () => {
        if let Some(reason) = $crate::missing_prerequisites() {
            if std::env::var_os("CI").is_some() {
                panic!("{reason}");
            }
            eprintln!("SKIPPED: {reason}");
            return;
        }
    };
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A child process stopped on drop: asked to end (SIGTERM) so it can clean up after itself (Xvfb
/// removes its `/tmp/.X*-lock` only then), killed if it has not ended within two seconds.
struct Proc {
    name: &'static str,
    child: Child,
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
            let ended = wait_until(Duration::from_secs(2), || {
                !matches!(self.child.try_wait(), Ok(None))
            });
            if !ended {
                let _ = self.child.kill();
            }
        }
        let _ = self.child.wait();
    }
}

impl std::fmt::Debug for Proc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (pid {})", self.name, self.child.id())
    }
}

/// A session bus configuration like the system's, whose only activatable service is the
/// notification daemon: no Secret Service answers on it.
fn bus_config_without_secrets(dir: &Path) -> Result<PathBuf> {
    let services = dir.join("dbus-services");
    std::fs::create_dir_all(&services)?;
    let notifications = "/usr/share/dbus-1/services/org.knopwob.dunst.service";
    if Path::new(notifications).exists() {
        std::fs::copy(notifications, services.join("org.knopwob.dunst.service"))?;
    }
    let config = dir.join("session-without-secrets.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
            services.display()
        ),
    )?;
    Ok(config)
}

/// Whether a desktop session has a keychain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keychain {
    Unlocked,
    Missing,
}

/// A private desktop session: X display, D-Bus session bus, unlocked keychain, and a log of
/// the notifications sent over D-Bus.
#[derive(Debug)]
pub struct Desktop {
    dir: tempfile::TempDir,
    pub display: String,
    pub bus: String,
    monitor_log: PathBuf,
    // Dropped in reverse order of start: the monitor first, the X server last.
    processes: Vec<Proc>,
}

impl Desktop {
    pub fn start() -> Result<Desktop> {
        Desktop::start_with(Keychain::Unlocked)
    }

    /// A desktop session without a keychain (no Secret Service on its bus), as on a bare
    /// Linux machine or a headless server.
    pub fn start_without_keychain() -> Result<Desktop> {
        Desktop::start_with(Keychain::Missing)
    }

    fn start_with(keychain: Keychain) -> Result<Desktop> {
        let dir = tempfile::Builder::new().prefix("sb-desktop-").tempdir()?;
        let mut processes = Vec::new();

        let display = start_x_server(dir.path(), &mut processes)?;

        let home = dir.path().join("home");
        let runtime = dir.path().join("run");
        for d in [&home, &runtime] {
            std::fs::create_dir_all(d)?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))?;
        }

        // Session bus; its address is its first line of output. Without a keychain it may
        // start every service but the Secret Service (which would otherwise start a locked
        // gnome-keyring on first use).
        let bus_config = match keychain {
            Keychain::Unlocked => "--session".to_string(),
            Keychain::Missing => {
                let config = bus_config_without_secrets(dir.path())?;
                format!("--config-file={}", config.display())
            }
        };
        let mut bus = Command::new("dbus-daemon")
            .args([bus_config.as_str(), "--nofork", "--print-address=1"])
            .env("DISPLAY", &display)
            .env("HOME", &home)
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting dbus-daemon")?;
        let address = {
            use std::io::BufRead;
            let stdout = bus.stdout.take().context("dbus-daemon output")?;
            let mut line = String::new();
            std::io::BufReader::new(stdout).read_line(&mut line)?;
            line.trim().to_string()
        };
        processes.push(Proc {
            name: "dbus-daemon",
            child: bus,
        });
        if address.is_empty() {
            bail!("dbus-daemon printed no address");
        }

        let mut desktop = Desktop {
            display,
            bus: address,
            monitor_log: dir.path().join("notifications.log"),
            dir,
            processes,
        };
        if keychain == Keychain::Unlocked {
            desktop.start_keychain()?;
        }

        let log = std::fs::File::create(&desktop.monitor_log)?;
        let monitor = desktop
            .command("dbus-monitor")
            .args(["--session", "interface='org.freedesktop.Notifications'"])
            .stdout(log)
            .stderr(Stdio::null())
            .spawn()
            .context("starting dbus-monitor")?;
        desktop.processes.push(Proc {
            name: "dbus-monitor",
            child: monitor,
        });
        // Let the keychain claim its bus name before an app asks for it.
        std::thread::sleep(Duration::from_millis(500));
        Ok(desktop)
    }

    /// An unlocked keychain (Secret Service) on this session's bus.
    fn start_keychain(&mut self) -> Result<()> {
        let mut keyring = self
            .command("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting gnome-keyring-daemon")?;
        {
            use std::io::Write;
            let mut stdin = keyring.stdin.take().context("keyring stdin")?;
            stdin.write_all(b"e2e-keyring-password")?;
        }
        self.processes.push(Proc {
            name: "gnome-keyring-daemon",
            child: keyring,
        });
        Ok(())
    }

    /// A command in this session's environment.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env("DISPLAY", &self.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .env("HOME", self.dir.path().join("home"))
            .env("XDG_RUNTIME_DIR", self.dir.path().join("run"))
            .env_remove("WAYLAND_DISPLAY");
        command
    }

    /// Run `xdotool` on this display (native windows WebDriver cannot reach, such as the
    /// GTK file chooser); its output on success.
    pub fn xdotool(&self, args: &[&str]) -> Result<String> {
        let output = self
            .command("timeout")
            .arg("20")
            .arg("xdotool")
            .args(args)
            .output()
            .context("running xdotool")?;
        if !output.status.success() {
            bail!(
                "xdotool {}: {} {}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    }

    /// Everything `dbus-monitor` saw of notifications so far.
    pub fn notifications(&self) -> String {
        std::fs::read_to_string(&self.monitor_log).unwrap_or_default()
    }

    /// Wait up to 10 s for a notification whose D-Bus call holds every one of `texts`.
    pub async fn wait_for_notification(&self, texts: &[&str]) -> bool {
        for _ in 0..100 {
            let log = self.notifications();
            if texts.iter().all(|text| log.contains(text)) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Start an app instance with its own data folder `name`, pointed at `server`.
    pub async fn app(&self, name: &str, server: &str) -> Result<App> {
        let data = self.dir.path().join(format!("data-{name}"));
        App::start(self, data, server).await
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        while let Some(proc) = self.processes.pop() {
            drop(proc);
        }
    }
}

/// Starts Xvfb on a display number it picks itself (`-displayfd`: it skips displays in use and
/// reclaims the lock files of X servers that died), returning that display (":N"). What Xvfb
/// says goes to `xvfb.log` in `dir`, and into the error if it does not come up.
fn start_x_server(dir: &Path, processes: &mut Vec<Proc>) -> Result<String> {
    use std::io::BufRead;
    let log_path = dir.join("xvfb.log");
    let log = std::fs::File::create(&log_path)?;
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .context("starting Xvfb")?;
    let stdout = child.stdout.take().context("Xvfb output")?;
    processes.push(Proc {
        name: "Xvfb",
        child,
    });
    // Xvfb writes the display number once it listens; end of output means it gave up.
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let number = line.trim();
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        let said = std::fs::read_to_string(&log_path).unwrap_or_default();
        bail!("Xvfb did not start a display; it said:\n{}", said.trim());
    }
    Ok(format!(":{number}"))
}

/// Poll `check` until it holds or `limit` passes.
pub fn wait_until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    loop {
        if check() {
            return true;
        }
        if Instant::now() > end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Running app processes whose environment holds `marker` (their data folder).
fn app_processes(marker: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            exe.file_name().is_some_and(|n| n == "switchboard-desktop")
                && std::fs::read(format!("/proc/{pid}/environ"))
                    .map(|env| env.split(|b| *b == 0).any(|kv| kv == marker.as_bytes()))
                    .unwrap_or(false)
        })
        .collect()
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One running app behind its own tauri-driver, with a WebDriver session.
#[derive(Debug)]
pub struct App {
    http: reqwest::Client,
    base: String,
    session: Option<String>,
    pub data_dir: PathBuf,
    server: String,
    driver_port: u16,
    native_port: u16,
    driver: Option<Proc>,
    env: Vec<(String, String)>,
}

/// Processes started for an app instance: the app and its WebKit children.
pub fn process_tree(root: u32) -> Vec<u32> {
    let mut all = vec![root];
    let mut i = 0;
    while i < all.len() {
        let parent = all[i];
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for pid in entries.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok()) {
                let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
                // The parent pid is the second field after the parenthesised name.
                let ppid = stat
                    .rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                    .and_then(|p| p.parse::<u32>().ok());
                if ppid == Some(parent) && !all.contains(&pid) {
                    all.push(pid);
                }
            }
        }
        i += 1;
    }
    all
}

/// Proportional set size of a process in KiB (`/proc/PID/smaps_rollup`).
pub fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("Pss:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

impl App {
    async fn start(desktop: &Desktop, data_dir: PathBuf, server: &str) -> Result<App> {
        std::fs::create_dir_all(&data_dir)?;
        let env = vec![
            ("DISPLAY".to_string(), desktop.display.clone()),
            ("DBUS_SESSION_BUS_ADDRESS".to_string(), desktop.bus.clone()),
            (
                "HOME".to_string(),
                desktop.dir().join("home").display().to_string(),
            ),
            (
                "XDG_RUNTIME_DIR".to_string(),
                desktop.dir().join("run").display().to_string(),
            ),
        ];
        let mut app = App {
            http: reqwest::Client::new(),
            base: String::new(),
            session: None,
            data_dir,
            server: server.to_string(),
            driver_port: 0,
            native_port: 0,
            driver: None,
            env,
        };
        app.launch().await?;
        Ok(app)
    }

    /// Start tauri-driver and a session (which starts the app).
    async fn launch(&mut self) -> Result<()> {
        self.driver_port = free_port();
        self.native_port = free_port();
        self.base = format!("http://127.0.0.1:{}", self.driver_port);
        let mut command = Command::new("tauri-driver");
        command
            .args([
                "--port",
                &self.driver_port.to_string(),
                "--native-port",
                &self.native_port.to_string(),
            ])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("SWITCHBOARD_DATA_DIR", &self.data_dir)
            .env("SWITCHBOARD_SERVER_URL", &self.server)
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = command.spawn().context("starting tauri-driver")?;
        self.driver = Some(Proc {
            name: "tauri-driver",
            child,
        });
        let status = format!("{}/status", self.base);
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.http.get(&status).send().await.is_err() {
            if Instant::now() > deadline {
                bail!("tauri-driver did not start on {}", self.base);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"tauri:options": {
            "application": app_binary().canonicalize()?.display().to_string()
        }}}});
        let answer = self.raw("POST", "/session", Some(caps)).await?;
        let id = answer["sessionId"]
            .as_str()
            .or_else(|| answer["value"]["sessionId"].as_str())
            .ok_or_else(|| anyhow!("no session id in {answer}"))?;
        self.session = Some(id.to_string());
        Ok(())
    }

    /// Set an environment variable for the next (re)start of the app.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
    }

    pub fn remove_env(&mut self, key: &str) {
        self.env.retain(|(k, _)| k != key);
    }

    /// The running app process (not its driver).
    pub fn pid(&self) -> Option<u32> {
        app_processes(&format!("SWITCHBOARD_DATA_DIR={}", self.data_dir.display()))
            .into_iter()
            .next()
    }

    /// Quit the app (end its session) and start it again with the same data folder.
    pub async fn restart(&mut self) -> Result<()> {
        self.quit().await;
        self.launch().await
    }

    pub async fn quit(&mut self) {
        if let Some(id) = self.session.take() {
            let _ = self.raw("DELETE", &format!("/session/{id}"), None).await;
        }
        self.driver = None;
        // The app may outlive its driver for a moment; a second instance must not start
        // beside it on the same cache.
        let marker = format!("SWITCHBOARD_DATA_DIR={}", self.data_dir.display());
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let alive = app_processes(&marker);
            if alive.is_empty() {
                break;
            }
            if Instant::now() > deadline {
                for pid in alive {
                    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        let url = format!("{}{}", self.base, path);
        let request = match method {
            "GET" => self.http.get(&url),
            "DELETE" => self.http.delete(&url),
            _ => self.http.post(&url).json(&body.unwrap_or(json!({}))),
        };
        let response = request
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .with_context(|| format!("WebDriver {method} {path}"))?;
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("WebDriver {method} {path}: {status} {value}");
        }
        Ok(value)
    }

    async fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        let id = self
            .session
            .as_ref()
            .ok_or_else(|| anyhow!("the app is not running"))?;
        let value = self
            .raw(method, &format!("/session/{id}{path}"), body)
            .await?;
        Ok(value["value"].clone())
    }

    /// Run JavaScript in the page; `arguments[0..]` are `args`.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Run JavaScript that answers by calling its last argument (WebDriver's `execute/async`);
    /// `arguments[0..]` are `args`. WebKitWebDriver gives up on it after 30 s.
    pub async fn js_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.session_call(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// The element for a CSS selector (first match).
    pub async fn find(&self, css: &str) -> Result<String> {
        let value = self
            .session_call(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        value[ELEMENT]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("no element for {css}"))
    }

    /// Wait for `css` to match a visible element (one with a box on the page: `offsetParent`
    /// would miss fixed-position ones), then return it.
    pub async fn wait_for(&self, css: &str) -> Result<String> {
        self.wait_js(
            &format!("visible {css}"),
            "const e = document.querySelector(arguments[0]); return !!e && e.getClientRects().length > 0;",
            vec![json!(css)],
        )
        .await?;
        self.find(css).await
    }

    /// Run axe-core (from the UI's packages) on the element `css` selects and fail on any
    /// WCAG 2.1 A/AA violation, naming `screen`; fail too when axe checked no rule at all.
    pub async fn assert_accessible(&self, css: &str, screen: &str) {
        let source = std::fs::read_to_string(repo().join("ui/node_modules/axe-core/axe.min.js"))
            .expect("axe-core is installed with the UI's packages (npm install in ui/)");
        self.js(
            &format!("{source}\nwindow.__axe = null; return typeof window.axe;"),
            vec![],
        )
        .await
        .expect("axe-core loads in the page");
        self.js(
            "axe.run(document.querySelector(arguments[0]),
                 {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
               .then(r => { window.__axePassed = r.passes.length; window.__axe = r.violations.map(v => `${v.id} (${v.impact}): ${v.help}: ` +
                   v.nodes.map(n => n.target.join(' ') + ' ' + n.failureSummary).join(' | ')); },
                     e => { window.__axe = [`axe failed: ${e}`]; });
             return true;",
            vec![json!(css)],
        )
        .await
        .expect("axe-core runs");
        self.wait_js(
            &format!("axe-core on {screen}"),
            "return Array.isArray(window.__axe);",
            vec![],
        )
        .await
        .expect("axe-core answers");
        let violations = self.js("return window.__axe;", vec![]).await.unwrap();
        let passed = self.js("return window.__axePassed;", vec![]).await.unwrap();
        assert!(
            passed.as_u64().unwrap_or(0) > 0,
            "axe-core checked no rule on {screen}"
        );
        assert_eq!(
            violations,
            json!([]),
            "WCAG 2.1 A/AA violations on {screen}"
        );
    }

    /// Wait until `script` returns true (polling), naming `what` on timeout.
    pub async fn wait_js(&self, what: &str, script: &str, args: Vec<Value>) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Value::Bool(true)) = self.js(script, args.clone()).await {
                return Ok(());
            }
            if Instant::now() > deadline {
                let text = self
                    .js("return document.body.innerText.slice(0, 2000);", vec![])
                    .await
                    .unwrap_or_default();
                bail!("timed out waiting for {what}; the page shows:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Call `action` (`click`, `value`, ...) on the element for `css`. The UI redraws lists
    /// whenever the server streams a change, so the element found may be replaced before the
    /// call reaches it; then it is looked up again.
    async fn on_element(&self, css: &str, action: &str, body: Option<Value>) -> Result<()> {
        let mut attempts = 0;
        loop {
            let element = self.wait_for(css).await?;
            match self
                .session_call(
                    "POST",
                    &format!("/element/{element}/{action}"),
                    body.clone(),
                )
                .await
            {
                Err(e) if attempts < 5 && e.to_string().contains("stale element") => {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                other => return other.map(|_| ()),
            }
        }
    }

    pub async fn click(&self, css: &str) -> Result<()> {
        // WebKitWebDriver scrolls an element only until an edge shows; inside a scrolling
        // dialog its middle may still be clipped ("not interactable"). Bring all of it into
        // view first ('nearest' leaves a wholly visible element where it is).
        self.wait_for(css).await?;
        self.js(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'nearest', inline: 'nearest'});",
            vec![json!(css)],
        )
        .await?;
        self.on_element(css, "click", None)
            .await
            .with_context(|| format!("clicking {css}"))
    }

    /// Type into a field (WebDriver keystrokes; `\u{E007}` is Enter).
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        self.on_element(css, "value", Some(json!({"text": text})))
            .await
            .with_context(|| format!("typing into {css}"))
    }

    /// Replace a field's value and announce it like typing would.
    pub async fn set_value(&self, css: &str, value: &str) -> Result<()> {
        self.wait_for(css).await?;
        self.js(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1];
             e.dispatchEvent(new Event('input', {bubbles: true}));
             e.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(css), json!(value)],
        )
        .await?;
        Ok(())
    }

    pub async fn text(&self, css: &str) -> Result<String> {
        let value = self
            .js(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
                vec![json!(css)],
            )
            .await?;
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("no element for {css}"))
    }

    /// Save a screenshot to `test-artifacts/desktop/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        // WebKit's screenshot is the last frame it composited, which can lag the page by a
        // moment (a login card without its logo, a field without its value): let images
        // decode and two frames paint first.
        let _ = self
            .session_call(
                "POST",
                "/execute/async",
                Some(json!({"script": "const done = arguments[arguments.length - 1];
                    Promise.all([...document.images].map(i => i.decode().catch(() => {})))
                      .then(() => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));
                    setTimeout(() => done(false), 2000);", "args": []})),
            )
            .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let data = self.session_call("GET", "/screenshot", None).await?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .context("decoding the screenshot")?;
        let path = artifacts().join(format!("{name}.png"));
        std::fs::write(&path, bytes)?;
        Ok(path)
    }

    /// Sign in through the login screen.
    pub async fn login(&self, user: &str, password: &str) -> Result<()> {
        self.wait_for("[data-testid=login-user]").await?;
        self.set_value("[data-testid=login-server]", &self.server)
            .await?;
        self.set_value("[data-testid=login-user]", user).await?;
        self.set_value("[data-testid=login-password]", password)
            .await?;
        self.click("[data-testid=login-submit]").await
    }

    /// Wait for the conversation with this id to be listed (or, with `false`, to be gone).
    pub async fn wait_listed(&self, id: &str, listed: bool) -> Result<()> {
        self.wait_js(
            &format!("conversation {id} {}", if listed { "listed" } else { "gone" }),
            "return !!document.querySelector(`[data-testid=conversation-item][data-conversation-id=\"${arguments[0]}\"]`) === arguments[1];",
            vec![json!(id), json!(listed)],
        )
        .await
    }

    /// Open a listed conversation.
    /// Take the open chat and wait until the app shows it as the agent's.
    pub async fn take_open_chat(&self) -> Result<()> {
        self.click("[data-testid=take-button]").await?;
        self.wait_js(
            "the chat to be the agent's",
            "return document.querySelector('[data-testid=take-button]').hidden;",
            vec![],
        )
        .await
    }

    pub async fn open(&self, id: &str) -> Result<()> {
        self.wait_listed(id, true).await?;
        self.click(&format!(
            "[data-testid=conversation-item][data-conversation-id=\"{id}\"]"
        ))
        .await?;
        self.wait_js(
            "the chat view",
            "return !!document.querySelector('[data-testid=message-list]') && document.querySelector('[data-testid=message-list]').offsetParent !== null;",
            vec![],
        )
        .await
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // Best effort: ending the session closes the app; the driver is killed regardless.
        if let Some(id) = self.session.take() {
            let url = format!("{}/session/{id}", self.base);
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(runtime) = runtime {
                    runtime.block_on(async {
                        let _ = reqwest::Client::new()
                            .delete(url)
                            .timeout(Duration::from_secs(5))
                            .send()
                            .await;
                    });
                }
            })
            .join();
        }
    }
}

/// The demo server (agents 100–103, password `demo`; WhatsApp, Messenger, SMS and live chat
/// with waiting customers; templates) with fakes the tests can inspect.
pub struct Server {
    pub dir: tempfile::TempDir,
    pub addr: SocketAddr,
    pub graph: Arc<FakeGraph>,
    pub twilio: Arc<FakeTwilio>,
    running: Option<switchboard_server::Running>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

pub const PASSWORD: &str = switchboard_server::demo::DEMO_PASSWORD;

impl Server {
    pub async fn start() -> Result<Server> {
        let dir = tempfile::Builder::new()
            .prefix("sb-e2e-server-")
            .tempdir()?;
        let graph = Arc::new(FakeGraph::start(GraphOptions::default()).await?);
        let twilio = Arc::new(FakeTwilio::start(TwilioOptions::default()).await?);
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let running = switchboard_server::demo::launch_with_fakes(
            dir.path(),
            listener,
            &format!("http://{addr}"),
            Duration::ZERO,
            graph.clone(),
            twilio.clone(),
        )
        .await?;
        Ok(Server {
            dir,
            addr,
            graph,
            twilio,
            running: Some(running),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop serving (as in an outage); [`Server::resume`] brings it back.
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
    }

    /// Start again on the same port and database.
    pub async fn resume(&mut self) -> Result<()> {
        let path = self.dir.path().join("switchboard.toml");
        let config = switchboard_server::config::load(&path)
            .map_err(|e| anyhow!("reloading the demo config: {e}"))?;
        let store = switchboard_server::open_store(&config)?;
        let mut listener = None;
        for _ in 0..100 {
            match TcpListener::bind(self.addr).await {
                Ok(l) => {
                    listener = Some(l);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let listener = listener.ok_or_else(|| anyhow!("port {} stayed busy", self.addr))?;
        self.running =
            Some(switchboard_server::launch_with_listener(config, store, listener).await?);
        Ok(())
    }

    /// A WhatsApp customer writes (a signed webhook, as Meta sends it).
    pub async fn whatsapp_from(&self, phone: &str, name: &str, text: &str) -> Result<()> {
        let body = switchboard_fakes::WhatsAppWebhook::text(
            &switchboard_fakes::WhatsAppBusiness::default(),
            phone,
            name,
            text,
        );
        self.deliver_whatsapp(&body).await
    }

    /// A WhatsApp customer sends a picture (hosted by the fake Graph API, fetched by the
    /// server with the channel's token, as from Meta).
    pub async fn whatsapp_image_from(
        &self,
        phone: &str,
        name: &str,
        png: &[u8],
        caption: Option<&str>,
    ) -> Result<()> {
        let media_id = self.graph.add_media(png, "image/png");
        let body = switchboard_fakes::WhatsAppWebhook::new(
            &switchboard_fakes::WhatsAppBusiness::default(),
        )
        .contact(phone, name)
        .message(switchboard_fakes::WhatsAppMessage::image(
            phone,
            switchboard_fakes::MediaRef::for_bytes(media_id, png, "image/png"),
            caption,
        ))
        .to_bytes();
        self.deliver_whatsapp(&body).await
    }

    /// A Messenger customer writes to the demo's page (routed to the sales queue).
    pub async fn messenger_from(&self, psid: &str, text: &str) -> Result<()> {
        let page = self.graph.options().page_id.clone();
        let body = switchboard_fakes::MessengerWebhook::text(&page, psid, text);
        let hook = self
            .graph
            .webhook(format!("{}/webhooks/facebook/fb-main", self.url()));
        let answer = hook.send(&body).await?;
        anyhow::ensure!(answer.is_success(), "webhook answered {}", answer.status);
        Ok(())
    }

    /// A signed WhatsApp webhook to the demo's WhatsApp channel; it must be accepted.
    async fn deliver_whatsapp(&self, body: &[u8]) -> Result<()> {
        let hook = self
            .graph
            .webhook(format!("{}/webhooks/whatsapp/wa-main", self.url()));
        let answer = hook.send(body).await?;
        anyhow::ensure!(answer.is_success(), "webhook answered {}", answer.status);
        Ok(())
    }

    /// The agent API, for looking up ids the way the app sees them.
    pub async fn api(&self, login: &str) -> Result<Api> {
        self.api_with(login, PASSWORD).await
    }

    /// Signed in with another password than the demo's (a temporary one, say).
    pub async fn api_with(&self, login: &str, password: &str) -> Result<Api> {
        Api::sign_in(&self.url(), login, password).await
    }
}

/// A signed-in agent API client.
#[derive(Debug)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    /// Signed in as `login` to the server at `server` (`http://127.0.0.1:port`), any server,
    /// not only the demo's.
    pub async fn sign_in(server: &str, login: &str, password: &str) -> Result<Api> {
        let http = reqwest::Client::new();
        let answer: Value = http
            .post(format!("{server}/api/v1/session"))
            .json(&json!({"login": login, "password": password}))
            .send()
            .await?
            .json()
            .await?;
        let token = answer["token"]
            .as_str()
            .ok_or_else(|| anyhow!("login failed: {answer}"))?
            .to_string();
        Ok(Api {
            http,
            base: format!("{server}/api/v1"),
            token,
        })
    }

    pub async fn get(&self, path: &str) -> Result<Value> {
        Ok(self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?
            .json()
            .await?)
    }

    /// `POST` with a JSON body; the answer's JSON. The server must accept it.
    pub async fn post_json(&self, path: &str, body: Value) -> Result<Value> {
        self.send_json(reqwest::Method::POST, path, body).await
    }

    /// `PUT` with a JSON body; the server must accept it (an empty answer is `null`).
    pub async fn put_json(&self, path: &str, body: Value) -> Result<Value> {
        self.send_json(reqwest::Method::PUT, path, body).await
    }

    async fn send_json(&self, method: reqwest::Method, path: &str, body: Value) -> Result<Value> {
        let answer = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        let status = answer.status();
        let value: Value = answer.json().await.unwrap_or(Value::Null);
        anyhow::ensure!(status.is_success(), "{method} {path}: {status} {value}");
        Ok(value)
    }

    /// `POST` with an empty JSON body; the server must accept it.
    pub async fn post(&self, path: &str) -> Result<()> {
        let answer = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&json!({}))
            .send()
            .await?;
        anyhow::ensure!(
            answer.status().is_success(),
            "POST {path}: {}",
            answer.status()
        );
        Ok(())
    }

    /// The id of the conversation with this contact name, as the agent sees it.
    pub async fn conversation_named(&self, name: &str, view: &str) -> Result<String> {
        let list = self.get(&format!("/conversations?view={view}")).await?;
        list["conversations"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["contact"]["display_name"] == name)
            .and_then(|c| c["id"].as_str())
            .map(str::to_string)
            .ok_or_else(|| anyhow!("no conversation with {name} in {view}: {list}"))
    }

    /// The id of the conversation with `name` in Recent once the server shows it (10 s).
    pub async fn wait_for_conversation(&self, name: &str) -> Result<String> {
        let mut last = None;
        for _ in 0..100 {
            match self.conversation_named(name, "recent").await {
                Ok(id) => return Ok(id),
                Err(error) => last = Some(error),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(last.unwrap_or_else(|| anyhow!("no conversation with {name}")))
    }
}
