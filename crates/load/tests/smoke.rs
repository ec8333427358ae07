//! The load harness runs end to end for a second against the debug server, counts what it
//! stored, and writes its report: so it cannot rot between benchmark sessions. No figure is
//! judged here (benchmarks are measured by the harness itself, never by a timed test).

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
    let run = |file: &Path| {
        Command::new(harness)
            .args(["--seconds", "1", "--connections", "4", "--server"])
            .arg(&server)
            .arg("--write")
            .arg(file)
            .output()
            .unwrap()
    };
    let output = run(&report);
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
    // Written once, and replaced (not appended) by the next run; the rest of the file kept.
    assert!(run(&report).status.success());
    let written = std::fs::read_to_string(&report).unwrap();
    assert_eq!(
        written.matches("### Server load: 1 node on SQLite").count(),
        1,
        "{written}"
    );
    assert!(written.contains("## Something else\n\nkept"), "{written}");
}
