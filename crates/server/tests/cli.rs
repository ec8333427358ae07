//! The command line as operators use it: check-config on good and broken files, and serve
//! announcing its address.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_switchboard-server")
}

fn good_config() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/configs/good.toml"))
        .unwrap()
}

fn write_config(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn check(path: &Path) -> (i32, String, String) {
    let out = Command::new(binary())
        .args(["check-config", "--config"])
        .arg(path)
        .env("SWITCHBOARD_TEST_BRUNO_PASSWORD", "from-env")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_config_accepts_the_documented_example() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), "switchboard.toml", &good_config());
    let (code, stdout, stderr) = check(&path);
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        stdout.contains("OK (2 agents, 1 queues, 4 channels)"),
        "{stdout}"
    );
}

#[test]
fn check_config_names_the_file_the_key_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_config();
    // (name, change, key, words in the message)
    let broken = [
        (
            "unknown-strategy.toml",
            good.replacen("strategy = \"hunt_by_threes\"", "strategy = \"lottery\"", 1),
            "queues[0].strategy",
            "unknown strategy \"lottery\"",
        ),
        (
            "missing-extension.toml",
            good.replacen(
                "agents = [\"101\", \"102\"]",
                "agents = [\"101\", \"177\"]",
                1,
            ),
            "queues[0].agents[1]",
            "extension \"177\" is not declared",
        ),
        (
            "duplicate-extension.toml",
            good.replacen("extension = \"102\"", "extension = \"101\"", 1),
            "agents[1].extension",
            "duplicate extension \"101\"",
        ),
        (
            "bad-listen.toml",
            good.replacen("listen = \"127.0.0.1:0\"", "listen = \"127.0.0.1\"", 1),
            "server.listen",
            "is not an address with a port",
        ),
        (
            "missing-queue.toml",
            good.replacen(
                "id = \"sms-main\"\nkind = \"sms\"\nroute = { queue = \"support\" }",
                "id = \"sms-main\"\nkind = \"sms\"\nroute = { queue = \"billing\" }",
                1,
            ),
            "channels[2].route.queue",
            "queue \"billing\" is not declared",
        ),
        (
            "missing-env.toml",
            good.replacen(
                "env:SWITCHBOARD_TEST_BRUNO_PASSWORD",
                "env:SWITCHBOARD_NOT_SET_ANYWHERE",
                1,
            ),
            "agents[1].password",
            "SWITCHBOARD_NOT_SET_ANYWHERE, which is not set",
        ),
        (
            "typo.toml",
            good.replacen("offer_timeout_s = 30", "offer_timout_s = 30", 1),
            "line 28, column 1",
            "unknown field `offer_timout_s`",
        ),
    ];
    for (name, text, key, words) in broken {
        assert_ne!(text, good, "{name}: the replacement must change the file");
        let path = write_config(dir.path(), name, &text);
        let (code, _, stderr) = check(&path);
        assert_eq!(code, 1, "{name} must be refused; stderr: {stderr}");
        let expected = format!("{}: {key}: ", path.display());
        let line = stderr
            .lines()
            .find(|l| l.trim_start().starts_with(&expected))
            .unwrap_or_else(|| panic!("{name}: no line starting with {expected:?} in:\n{stderr}"));
        assert!(
            line.contains(words),
            "{name}: {line:?} should say {words:?}"
        );
    }
}

#[test]
fn check_config_on_a_missing_file_says_so() {
    let (code, _, stderr) = check(Path::new("/nonexistent/switchboard.toml"));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("/nonexistent/switchboard.toml") && stderr.contains("cannot read the file"),
        "{stderr}"
    );
}

#[test]
fn serve_prints_the_real_address_when_given_port_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(
        dir.path(),
        "switchboard.toml",
        &good_config().replacen("listen = \"127.0.0.1:0\"", "listen = \"127.0.0.1:9\"", 1),
    );
    let mut child = Command::new(binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&path)
        .env("SWITCHBOARD_TEST_BRUNO_PASSWORD", "from-env")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    assert!(!addr.ends_with(":0") && !addr.ends_with(":9"), "{addr}");
    // It really answers there.
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    use std::io::{Read, Write};
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("\"service\":\"switchboard\""),
        "{response}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        dir.path().join("data/switchboard.db").exists(),
        "the database lives beside the config"
    );
}

#[test]
fn serve_refuses_a_broken_config_before_listening() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(
        dir.path(),
        "broken.toml",
        &good_config().replacen("strategy = \"hunt_by_threes\"", "strategy = \"x\"", 1),
    );
    let out = Command::new(binary())
        .args(["serve", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("queues[0].strategy"), "{stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout).is_empty(),
        "no 'listening' line"
    );
}

#[test]
fn updates_lists_what_the_feed_offers_and_why_a_file_is_not_offered() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "switchboard.toml",
        &format!(
            "{}\n[server.updates]\ndir = \"desktop-updates\"\n",
            good_config()
        ),
    );
    let run = || {
        let out = Command::new(binary())
            .args(["updates", "--config"])
            .arg(&config)
            .env("SWITCHBOARD_TEST_BRUNO_PASSWORD", "from-env")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run().contains("does not exist yet"), "{}", run());

    let folder = dir.path().join("desktop-updates/1.4.0");
    std::fs::create_dir_all(&folder).unwrap();
    let signed_as = |version: &str| {
        base64::engine::general_purpose::STANDARD.encode(format!(
            "untrusted comment: x\nRUQ=\ntrusted comment: timestamp:1\tfile:x\tversion:{version}\nAAAA\n"
        ))
    };
    for (file, sig) in [
        ("Switchboard_1.4.0_amd64.deb", Some(signed_as("1.4.0"))),
        ("Switchboard-1.4.0-1.x86_64.rpm", None),
        ("Switchboard_1.4.0_x64-setup.exe", Some(signed_as("1.3.0"))),
        ("README.txt", None),
        ("notes.md", None),
    ] {
        std::fs::write(folder.join(file), b"x").unwrap();
        if let Some(sig) = sig {
            std::fs::write(folder.join(format!("{file}.sig")), sig).unwrap();
        }
    }
    let listed = run();
    let line = |file: &str| {
        listed
            .lines()
            .find(|l| l.trim_start().starts_with(file))
            .unwrap_or_else(|| panic!("{file} in:\n{listed}"))
            .to_string()
    };
    assert!(listed.contains("desktop-updates"), "{listed}");
    assert!(
        line("Switchboard_1.4.0_amd64.deb").ends_with("linux x86_64 deb"),
        "{listed}"
    );
    assert!(
        line("Switchboard-1.4.0-1.x86_64.rpm").contains("NOT OFFERED: its signature"),
        "{listed}"
    );
    assert!(
        line("Switchboard_1.4.0_x64-setup.exe").contains("signed as version 1.3.0"),
        "{listed}"
    );
    assert!(
        line("README.txt").contains("NOT OFFERED: not an installer"),
        "{listed}"
    );
    assert!(line("notes.md").ends_with("release notes"), "{listed}");

    let help = Command::new(binary())
        .args(["updates", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("Switchboard_1.4.0_amd64.deb.sig"), "{help}");
}
