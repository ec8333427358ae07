//! The desktop app as agents get it: its .deb installed with apt, started from where the package
//! put it, signed in to a server; and an installed app updating itself from that server, refusing
//! a tampered installer first.
//!
//! The installers come from `scripts/package-desktop.sh` (scripts/test.sh builds them with a
//! throwaway update key): `$SWITCHBOARD_TEST_INSTALLERS/current/` holds this version's .deb (the
//! key's public half built in) and `next/` the next patch version's, with its `.sig`. Installing
//! needs root and apt, and the tests refuse to run where a `switchboard` package is installed
//! (they remove what they install).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use switchboard_desktop_e2e::{require_desktop, wait_until, App, Desktop, Server, PASSWORD};

const PACKAGE: &str = "switchboard";
const INSTALLED_APP: &str = "/usr/bin/switchboard-desktop";

/// The folder of installers, or why these tests cannot run here (a failure in CI).
fn installers() -> Option<PathBuf> {
    let why = if !nix_is_root() {
        "installing a .deb needs root".to_string()
    } else if Command::new("apt-get").arg("--version").output().is_err() {
        "installing a .deb needs apt".to_string()
    } else {
        match std::env::var_os("SWITCHBOARD_TEST_INSTALLERS") {
            Some(dir) if Path::new(&dir).join("current").is_dir() => {
                return Some(PathBuf::from(dir))
            }
            _ => "SWITCHBOARD_TEST_INSTALLERS names no folder of installers (scripts/test.sh builds them with scripts/package-desktop.sh)".to_string(),
        }
    };
    if std::env::var_os("CI").is_some() {
        panic!("{why}");
    }
    eprintln!("SKIPPED: {why}");
    None
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The one `.deb` in `dir`.
fn deb_in(dir: &Path) -> PathBuf {
    let debs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .collect();
    assert_eq!(debs.len(), 1, "one .deb in {}: {debs:?}", dir.display());
    debs.into_iter().next().unwrap()
}

fn run(program: &str, args: &[&str]) -> (bool, String) {
    let output = Command::new(program)
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), log)
}

/// The installed version of the package, if it is installed.
fn installed_version() -> Option<String> {
    let (ok, out) = run("dpkg-query", &["-W", "-f=${Status} ${Version}", PACKAGE]);
    let out = out.trim();
    (ok && out.starts_with("install ok installed"))
        .then(|| out.rsplit(' ').next().unwrap_or_default().to_string())
}

/// Installs `deb` as a person would (apt resolves its dependencies); removed again on drop,
/// with whatever the test left running.
struct Installed;

impl Installed {
    fn install(deb: &Path) -> Installed {
        assert_eq!(
            installed_version(),
            None,
            "a {PACKAGE} package is installed on this machine: run these tests elsewhere"
        );
        let (ok, log) = run(
            "apt-get",
            &[
                "install",
                "-y",
                "--no-install-recommends",
                &deb.display().to_string(),
            ],
        );
        assert!(ok, "apt-get install {}:\n{log}", deb.display());
        Installed
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = run("pkill", &["-9", "-f", INSTALLED_APP]);
        let _ = run("apt-get", &["purge", "-y", PACKAGE]);
    }
}

/// Starts the installed app (not the build folder's) in `desktop`.
async fn installed_app(desktop: &Desktop, name: &str, server: &Server) -> App {
    // Read by the harness when it starts the app (this test is a process of its own).
    std::env::set_var("SWITCHBOARD_DESKTOP_BIN", INSTALLED_APP);
    desktop
        .app(name, &server.url())
        .await
        .expect("the installed app starts")
}

async fn sign_in(app: &App) {
    app.login("101", PASSWORD).await.expect("login form");
    app.wait_for("[data-testid=conversation-list]")
        .await
        .expect("signed in");
    app.wait_js(
        "the conversation list",
        "return document.querySelectorAll('[data-testid=conversation-item]').length > 0;",
        vec![],
    )
    .await
    .expect("conversations listed");
}

/// Signs `file` for `version` with a key pair made here, not the one built into the app.
fn sign_with_another_key(file: &Path, version: &str) {
    let tauri = switchboard_desktop_e2e::repo().join("ui/node_modules/.bin/tauri");
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("other.key");
    let key_text = key.display().to_string();
    let (made, log) = run(
        tauri.to_str().unwrap(),
        &["signer", "generate", "--ci", "-p", "", "-w", &key_text],
    );
    assert!(made, "tauri signer generate:\n{log}");
    let (signed, log) = run(
        tauri.to_str().unwrap(),
        &[
            "signer",
            "sign",
            "-f",
            &key_text,
            "-p",
            "",
            "--app-version",
            version,
            &file.display().to_string(),
        ],
    );
    assert!(signed, "tauri signer sign:\n{log}");
}

async fn shown_version(app: &App) -> String {
    app.click("[data-testid=settings-open]").await.unwrap();
    app.wait_for("[data-testid=app-version]").await.unwrap();
    let text = app.text("[data-testid=app-version]").await.unwrap();
    app.click("[data-testid=settings-cancel]").await.unwrap();
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deb_installs_with_apt_runs_signs_in_and_is_removed_cleanly() {
    require_desktop!();
    let Some(installers) = installers() else {
        return;
    };
    let deb = deb_in(&installers.join("current"));
    let installed = Installed::install(&deb);

    // What the package put where a desktop looks for it.
    assert!(Path::new(INSTALLED_APP).is_file());
    let entry = std::fs::read_to_string("/usr/share/applications/Switchboard.desktop")
        .expect("a desktop entry");
    for line in [
        "Name=Switchboard",
        "Exec=switchboard-desktop",
        "Icon=switchboard-desktop",
    ] {
        assert!(entry.lines().any(|l| l == line), "{line} in:\n{entry}");
    }
    assert!(Path::new("/usr/share/icons/hicolor/128x128/apps/switchboard-desktop.png").is_file());

    // The .rpm beside it holds the same (rpm reads it; this machine installs .debs).
    let rpm = std::fs::read_dir(installers.join("current"))
        .unwrap()
        .filter_map(|e| Some(e.ok()?.path()))
        .find(|p| p.extension().is_some_and(|x| x == "rpm"))
        .expect("an .rpm beside the .deb");
    let rpm = rpm.display().to_string();
    let (read, name) = run("rpm", &["-qp", "--queryformat", "%{NAME} %{VERSION}", &rpm]);
    assert!(read, "{name}");
    assert_eq!(
        name.trim(),
        format!("{PACKAGE} {}", env!("CARGO_PKG_VERSION"))
    );
    let (read, files) = run("rpm", &["-qlp", &rpm]);
    assert!(read, "{files}");
    for file in [INSTALLED_APP, "/usr/share/applications/Switchboard.desktop"] {
        assert!(
            files.lines().any(|l| l == file),
            "{file} in the .rpm:\n{files}"
        );
    }

    let server = Server::start().await.expect("server");
    let desktop = Desktop::start().expect("desktop session");
    let mut app = installed_app(&desktop, "ana", &server).await;
    sign_in(&app).await;
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(installed_version().as_deref(), Some(version));
    assert_eq!(shown_version(&app).await, format!("Version {version}"));
    app.screenshot("installed-app").await.unwrap();
    app.quit().await;

    drop(installed);
    assert_eq!(installed_version(), None);
    assert!(!Path::new(INSTALLED_APP).exists(), "the app is removed");
    assert!(!Path::new("/usr/share/applications/Switchboard.desktop").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installed_app_updates_itself_from_its_server_and_refuses_a_tampered_installer() {
    require_desktop!();
    let Some(installers) = installers() else {
        return;
    };
    let current = deb_in(&installers.join("current"));
    let next = deb_in(&installers.join("next"));
    let next_name = next.file_name().unwrap().to_str().unwrap().to_string();
    let signature = std::fs::read_to_string(format!("{}.sig", next.display()))
        .expect("the next version's installer is signed");
    let next_version = next_name
        .strip_prefix("Switchboard_")
        .and_then(|rest| rest.split('_').next())
        .expect("the bundler's name: Switchboard_<version>_<arch>.deb")
        .to_string();
    let _installed = Installed::install(&current);
    let server = Server::start().await.expect("server");

    // The server's update folder first offers the next version signed with another key (as
    // someone without the company's key would), then altered after signing (one byte) with the
    // genuine signature: both are refused, and this version keeps running.
    let folder = server.dir.path().join("data/updates").join(&next_version);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("notes.md"), "Faster search.").unwrap();
    std::fs::copy(&next, folder.join(&next_name)).unwrap();
    sign_with_another_key(&folder.join(&next_name), &next_version);

    let desktop = Desktop::start().expect("desktop session");
    let app = installed_app(&desktop, "ana", &server).await;
    sign_in(&app).await;
    // The app checks once signed in, downloads, and refuses what the signature does not match.
    app.wait_js(
        "the update signed with another key to be refused",
        "const b = document.querySelector('[data-testid=update-banner]'); return !!b && !b.hidden && b.dataset.state === 'refused';",
        vec![],
    )
    .await
    .expect("the refusal is shown");
    let said = app.text("[data-testid=update-banner-text]").await.unwrap();
    assert!(
        said.contains("refused") && said.contains(&next_version),
        "{said}"
    );
    app.screenshot("update-refused").await.unwrap();
    app.click("[data-testid=update-later]").await.unwrap();

    let mut tampered = std::fs::read(&next).unwrap();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x55;
    std::fs::write(folder.join(&next_name), &tampered).unwrap();
    std::fs::write(folder.join(format!("{next_name}.sig")), &signature).unwrap();
    app.click("[data-testid=settings-open]").await.unwrap();
    app.click("[data-testid=update-check]").await.unwrap();
    app.wait_js(
        "the tampered update to be refused",
        "const s = document.querySelector('[data-testid=update-status]'); return !!s && /refused/.test(s.textContent) && !document.querySelector('[data-testid=update-check]').disabled;",
        vec![],
    )
    .await
    .expect("the refusal is said in Settings");
    app.click("[data-testid=settings-cancel]").await.unwrap();
    assert_eq!(
        installed_version().as_deref(),
        Some(env!("CARGO_PKG_VERSION")),
        "nothing was installed"
    );
    assert_eq!(
        shown_version(&app).await,
        format!("Version {}", env!("CARGO_PKG_VERSION")),
        "this version keeps running"
    );

    // The operator puts the genuine installer in place; the agent checks again from Settings.
    std::fs::copy(&next, folder.join(&next_name)).unwrap();
    app.click("[data-testid=settings-open]").await.unwrap();
    app.click("[data-testid=update-check]").await.unwrap();
    app.wait_js(
        "the update to be ready",
        "const b = document.querySelector('[data-testid=update-banner]'); return !!b && !b.hidden && b.dataset.state === 'ready';",
        vec![],
    )
    .await
    .expect("update ready");
    let status = app.text("[data-testid=update-status]").await.unwrap();
    assert!(status.contains(&next_version), "{status}");
    app.screenshot("settings-update-ready").await.unwrap();
    app.click("[data-testid=settings-cancel]").await.unwrap();
    let said = app.text("[data-testid=update-banner-text]").await.unwrap();
    assert!(said.contains("Faster search."), "the release notes: {said}");
    app.screenshot("update-ready").await.unwrap();
    let before = app.pid().expect("the app runs");

    // Restart: the package is installed and the app comes back as the new version.
    app.click("[data-testid=update-restart]").await.unwrap();
    assert!(
        wait_until(Duration::from_secs(120), || installed_version().as_deref()
            == Some(next_version.as_str())),
        "the package was updated to {next_version} (installed: {:?})",
        installed_version()
    );
    assert!(
        wait_until(Duration::from_secs(60), || app
            .pid()
            .is_some_and(|pid| pid != before)),
        "the app restarted itself"
    );
    let mut app = app;
    app.quit().await;
    let mut again = installed_app(&desktop, "ana", &server).await;
    again
        .wait_for("[data-testid=conversation-list]")
        .await
        .expect("still signed in after the update");
    assert_eq!(
        shown_version(&again).await,
        format!("Version {next_version}")
    );
    again.quit().await;
}
