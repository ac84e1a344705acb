//! The real binary: a subcommand against a data directory held by a
//! running server stops at once with a clear message.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn cpdfolio(data: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cpdfolio"));
    cmd.env("CPDFOLIO_DATA_DIR", data)
        .env(
            "CPDFOLIO_CONTENT_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/content"),
        )
        .env("CPDFOLIO_LISTEN", "127.0.0.1:0")
        .env("CPDFOLIO_ALERTS_ENABLED", "false")
        .env("CPDFOLIO_PASSWORD", "a perfectly long passphrase");
    cmd
}

#[test]
fn commands_refuse_a_data_directory_held_by_a_running_server() {
    let data = tempfile::tempdir().unwrap();
    let created = cpdfolio(data.path())
        .args([
            "user",
            "create",
            "--email",
            "admin@example.nhs.uk",
            "--name",
            "Admin",
            "--role",
            "admin",
        ])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(
        String::from_utf8_lossy(&created.stdout)
            .starts_with("created admin account admin@example.nhs.uk")
    );

    let mut server = cpdfolio(data.path())
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let started = Instant::now();
    let line = lines.next().unwrap().unwrap();
    assert!(
        line.starts_with("cpdfolio listening on http://127.0.0.1:"),
        "{line}"
    );
    assert!(started.elapsed() < Duration::from_secs(60));

    for args in [
        vec!["reindex"],
        vec!["migrate"],
        vec!["alerts", "run", "--dry-run"],
    ] {
        let began = Instant::now();
        let out = cpdfolio(data.path()).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains(
                "is in use by another cpdfolio process (probably a running `cpdfolio serve`)"
            ),
            "{stderr}"
        );
        assert!(
            !stderr.contains("panicked") && !stderr.contains("stack backtrace"),
            "{stderr}"
        );
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "{args:?} took {:?}",
            began.elapsed()
        );
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let out = cpdfolio(data.path()).arg("reindex").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("search index rebuilt: 0 entries"));
}
