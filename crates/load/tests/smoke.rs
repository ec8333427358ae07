//! The load harness runs each scenario end to end for a second or two at tiny sizes against the
//! debug server, counts what it stored, and writes its report: so it cannot rot between
//! benchmark sessions. No figure is judged here (benchmarks are measured by the harness itself,
//! never by a timed test): it only checks that real numbers were measured.

use std::path::Path;
use std::process::Command;

#[test]
fn the_load_harness_drives_the_server_and_writes_its_report() {
    let harness = Path::new(env!("CARGO_BIN_EXE_switchboard-load"));
    let server = harness.with_file_name("switchboard-server");
    assert!(
        server.exists(),
        "{} is missing: build it with `cargo build -p switchboard-server`",
        server.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("BENCHMARKS.md");
    std::fs::write(&report, "# Benchmarks\n\n## Something else\n\nkept\n").unwrap();
    let run = |file: &Path, scenario: &str| {
        Command::new(harness)
            .args(["--scenario", scenario])
            .args(["--seconds", "1", "--connections", "4", "--rate", "20"])
            .args([
                "--agents",
                "4",
                "--queues",
                "2",
                "--streams",
                "40",
                "--settle",
                "0.2",
            ])
            .arg("--server")
            .arg(&server)
            .arg("--write")
            .arg(file)
            .output()
            .unwrap()
    };
    let output = run(&report, "all");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("durable inbound webhooks/s, 1 node on SQLite"),
        "{stdout}"
    );
    assert!(
        stdout.contains("raw batched inserts of the same rows"),
        "{stdout}"
    );
    // Where the time went: each webhook cost the server some CPU.
    assert!(number_after(&stdout, "cpu: ") > 0, "{stdout}");
    assert!(stdout.contains("CPU per webhook of that run"), "{stdout}");
    // Latency: every delivery due was counted, timed or missed; some were timed.
    let measured = number_after(&stdout, "latency: ");
    assert!(measured > 0, "{stdout}");
    assert!(
        stdout.contains("webhook 2xx → the message on each of its queue's agents' open streams"),
        "{stdout}"
    );
    // Idle streams: they stayed open while memory was read.
    assert!(number_after(&stdout, "streams: ") > 0, "{stdout}");
    assert!(
        stdout.contains("server memory per idle agent stream"),
        "{stdout}"
    );
    // Written once, and replaced (not appended) by the next run; the rest of the file kept.
    assert!(run(&report, "streams").status.success());
    let written = std::fs::read_to_string(&report).unwrap();
    assert_eq!(
        written.matches("### Server load: 1 node on SQLite").count(),
        1,
        "{written}"
    );
    for heading in [
        "### Server load: webhook → stream latency, 1 node on SQLite",
        "### Server load: idle streams, 1 node on SQLite",
    ] {
        assert_eq!(written.matches(heading).count(), 1, "{written}");
    }
    assert!(written.contains("## Something else\n\nkept"), "{written}");
}

/// The number that follows `prefix` at the start of a line of `text` (0 if none).
fn number_after(text: &str, prefix: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(prefix))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
