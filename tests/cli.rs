//! The real binary: a subcommand against a data directory held by a
//! running server stops at once with a clear message; an acknowledged write
//! survives `kill -9`; a flood of logins leaves memory and health alone.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn cpdfolio(data: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cpdfolio"));
    // Started outside the checkout with no content directory configured:
    // the binary must run on its built-in content.
    cmd.current_dir(data)
        .env_remove("CPDFOLIO_CONTENT_DIR")
        .env("CPDFOLIO_DATA_DIR", data)
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

    let started = Instant::now();
    let (mut server, url) = start_server(data.path());
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
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

/// Starts `serve` and returns the child and its base URL.
fn start_server(data: &std::path::Path) -> (std::process::Child, String) {
    start_server_with(cpdfolio(data))
}

fn start_server_with(mut cmd: Command) -> (std::process::Child, String) {
    let mut server = cmd
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let line = lines.next().unwrap().unwrap();
    let url = line
        .strip_prefix("cpdfolio listening on ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_owned();
    (server, url)
}

async fn login(http: &reqwest::Client, url: &str) -> String {
    let body: serde_json::Value = http
        .post(format!("{url}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "ot@example.nhs.uk", "password": "a perfectly long passphrase"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_acknowledged_write_survives_kill_9() {
    let data = tempfile::tempdir().unwrap();
    let created = cpdfolio(data.path())
        .args([
            "user",
            "create",
            "--email",
            "ot@example.nhs.uk",
            "--name",
            "OT",
            "--role",
            "practitioner",
        ])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let (mut server, url) = start_server(data.path());
    let http = reqwest::Client::new();
    let token = login(&http, &url).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let resp = http
            .post(format!("{url}/api/v1/reflections"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"title": format!("Durable {i}"), "activity_date": "2026-01-10", "activity_type": "other", "body": "kept after a crash"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
        let body: serde_json::Value = resp.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    // SIGKILL straight after the last acknowledgement: no graceful shutdown.
    server.kill().unwrap();
    server.wait().unwrap();

    let (mut server, url) = start_server(data.path());
    let token = login(&http, &url).await;
    for (i, id) in ids.iter().enumerate() {
        let body: serde_json::Value = http
            .get(format!("{url}/api/v1/reflections/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["title"], format!("Durable {i}"));
    }
    let found: serde_json::Value = http
        .get(format!("{url}/api/v1/search?q=crash&limit=100"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        found["total"], 20,
        "the index is rebuilt or in step after the crash: {found}"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// 500 concurrent logins for random addresses from 500 client addresses:
/// the server's memory stays within 200 MB of idle and `/healthz` answers
/// within 100 ms throughout. Bounded: 500 requests, at most two minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_keeps_memory_flat_and_health_fast() {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = cpdfolio(data.path());
    cmd.env("CPDFOLIO_TRUSTED_PROXY_HEADER", "x-forwarded-for")
        .env("CPDFOLIO_LOGIN_FAILURES_PER_MINUTE", "100000");
    let (mut server, url) = start_server_with(cmd);
    let pid = server.id();
    let http = reqwest::Client::new();
    let health = format!("{url}/healthz");
    assert_eq!(http.get(&health).send().await.unwrap().status(), 200);
    let idle = rss_bytes(pid);
    let mut flood = tokio::task::JoinSet::new();
    for n in 0..500u32 {
        let req = http
            .post(format!("{url}/api/v1/auth/login"))
            .header("x-forwarded-for", format!("10.0.{}.{}", n >> 8, n & 255))
            .json(&serde_json::json!({"email": format!("random{n}@example.org"), "password": "guess guess guess"}));
        flood.spawn(async move { req.send().await.unwrap().status().as_u16() });
    }
    let started = Instant::now();
    let (mut slowest, mut peak) = (Duration::ZERO, idle);
    let mut answers = std::collections::BTreeMap::<u16, usize>::new();
    while !flood.is_empty() && started.elapsed() < Duration::from_secs(120) {
        let asked = Instant::now();
        assert_eq!(http.get(&health).send().await.unwrap().status(), 200);
        slowest = slowest.max(asked.elapsed());
        peak = peak.max(rss_bytes(pid));
        while let Some(done) = flood.try_join_next() {
            *answers.entry(done.unwrap()).or_default() += 1;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let grown = peak.saturating_sub(idle);
    eprintln!(
        "login flood: answers {answers:?}, peak RSS {} MB above idle ({} MB), slowest /healthz {} ms",
        grown / 1_000_000,
        idle / 1_000_000,
        slowest.as_millis()
    );
    assert!(flood.is_empty(), "the flood did not finish in two minutes");
    assert_eq!(
        answers
            .keys()
            .copied()
            .filter(|s| *s != 401 && *s != 503)
            .count(),
        0,
        "{answers:?}"
    );
    assert!(grown < 200_000_000, "RSS grew by {grown} bytes");
    assert!(slowest < Duration::from_millis(100), "{slowest:?}");
}
