//! The server's Debian package, installed with dpkg as an operator would (as root: CI runs
//! so): the binary checks the installed configuration, the systemd unit verifies, the service
//! user runs the server from the installed paths, an upgrade keeps the edited configuration and
//! the data, and purging removes it cleanly.

mod common;

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

use common::ServerProcess;

const INSTALLED: &str = "/usr/bin/switchboard-server";
const CONFIG: &str = "/etc/switchboard/switchboard.toml";
const UNIT: &str = "/lib/systemd/system/switchboard-server.service";

fn run(program: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .unwrap_or_else(|e| panic!("{program} does not run: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn installable_here() -> bool {
    let root = run("id", &["-u"]).1.trim() == "0";
    let dpkg = Command::new("dpkg").arg("--version").output().is_ok();
    if root && dpkg {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("CI must run as root on a Debian-like system to install the package");
    }
    eprintln!("SKIPPED: installing a .deb needs root and dpkg");
    false
}

#[test]
fn the_server_package_installs_runs_as_its_user_and_purges_cleanly() {
    if !installable_here() {
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = tempfile::tempdir().unwrap();
    let (built, log) = run(
        repo.join("scripts/package-server-deb.sh").to_str().unwrap(),
        &[
            "--binary",
            env!("CARGO_BIN_EXE_switchboard-server"),
            "--out",
            out.path().to_str().unwrap(),
        ],
    );
    assert!(built, "packaging failed:\n{log}");
    let deb = log.lines().last().unwrap().trim().to_string();

    // Never on a machine where Switchboard holds data: the test removes what it made.
    assert!(
        !Path::new("/var/lib/switchboard").exists(),
        "/var/lib/switchboard exists: this machine runs Switchboard; run this test elsewhere"
    );
    let _ = run("dpkg", &["--purge", "switchboard-server"]);
    let (installed, log) = run("dpkg", &["-i", &deb]);
    assert!(installed, "dpkg -i failed:\n{log}");
    let removed = scopeguard(|| {
        let _ = run("dpkg", &["--purge", "switchboard-server"]);
    });

    // The installed binary checks the installed configuration.
    let (ok, log) = run(INSTALLED, &["check-config", "--config", CONFIG]);
    assert!(ok && log.contains("OK"), "{log}");
    // The unit is well formed (systemd's own check, where systemd is installed).
    if Path::new("/usr/bin/systemd-analyze").exists() {
        let (ok, log) = run("systemd-analyze", &["verify", UNIT]);
        assert!(ok, "systemd-analyze verify:\n{log}");
    }
    // Its own user, and a state folder only that user may enter.
    let (ok, log) = run("id", &["-u", "switchboard"]);
    assert!(ok, "no switchboard user: {log}");
    let (_, owner) = run("stat", &["-c", "%U %a", "/var/lib/switchboard"]);
    assert_eq!(owner.trim(), "switchboard 700");
    let (_, config_mode) = run("stat", &["-c", "%U %G %a", CONFIG]);
    assert_eq!(config_mode.trim(), "root switchboard 640");

    // The service's command, as the service's user: it serves from the installed paths.
    serve_as_the_service_user();
    let (_, db) = run(
        "stat",
        &["-c", "%U %a", "/var/lib/switchboard/switchboard.db"],
    );
    assert_eq!(db.trim(), "switchboard 600", "the database is private");

    // An upgrade as an operator makes one: the next version's package over this one keeps the
    // edited configuration and the data, and serves from them again.
    let edited = format!(
        "{}\n# edited by the operator\n",
        std::fs::read_to_string(CONFIG).unwrap()
    );
    std::fs::write(CONFIG, &edited).unwrap();
    let (built, log) = run(
        repo.join("scripts/package-server-deb.sh").to_str().unwrap(),
        &[
            "--binary",
            env!("CARGO_BIN_EXE_switchboard-server"),
            "--version",
            "99.0.0",
            "--out",
            out.path().to_str().unwrap(),
        ],
    );
    assert!(built, "packaging the next version failed:\n{log}");
    let next = log.lines().last().unwrap().trim().to_string();
    let (upgraded, log) = run("dpkg", &["-i", &next]);
    assert!(upgraded, "the upgrade failed:\n{log}");
    let (_, version) = run("dpkg-query", &["-W", "-f=${Version}", "switchboard-server"]);
    assert_eq!(version.trim(), "99.0.0");
    assert_eq!(
        std::fs::read_to_string(CONFIG).unwrap(),
        edited,
        "the operator's configuration survives the upgrade"
    );
    let (_, config_mode) = run("stat", &["-c", "%U %G %a", CONFIG]);
    assert_eq!(config_mode.trim(), "root switchboard 640");
    assert!(Path::new("/var/lib/switchboard/switchboard.db").exists());
    serve_as_the_service_user();

    drop(removed);
    assert!(!Path::new(INSTALLED).exists(), "the binary is gone");
    assert!(!Path::new(UNIT).exists(), "the unit is gone");
    assert!(
        !Path::new(CONFIG).exists(),
        "purge removes the configuration"
    );
    assert!(
        Path::new("/var/lib/switchboard/switchboard.db").exists(),
        "customers' conversations are never deleted by the package"
    );
    let _ = std::fs::remove_dir_all("/var/lib/switchboard");
}

/// Runs the service's command as the service's user from the installed paths, checks it is
/// ready, and stops it with SIGTERM as systemd does.
fn serve_as_the_service_user() {
    let id = |flag| -> u32 { run("id", &[flag, "switchboard"]).1.trim().parse().unwrap() };
    let mut server = ServerProcess::spawn(
        Command::new(INSTALLED)
            .args(["serve", "--listen", "127.0.0.1:0", "--config", CONFIG])
            .uid(id("-u"))
            .gid(id("-g"))
            .stderr(Stdio::null()),
    );
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "GET /readyz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let status = server.terminate();
    assert!(
        status.success(),
        "the server did not stop cleanly: {status}"
    );
}

/// Runs `f` when dropped (also when an assertion above fails).
fn scopeguard(f: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}
