//! Running the real `cpdfolio` binary from a temporary directory, as an
//! operator would: no checkout, no content directory, configured by
//! environment.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

pub fn cpdfolio(data: &std::path::Path) -> Command {
    configured(Command::new(env!("CARGO_BIN_EXE_cpdfolio")), data)
}

/// The binary run through `scripts/memory-limited.sh` in a memory cgroup
/// of `limit` bytes, as in a container with that limit (root, cgroup v1).
pub fn cpdfolio_memory_limited(data: &std::path::Path, limit: &str) -> Command {
    let mut cmd = Command::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/memory-limited.sh"
    ));
    cmd.args([limit, env!("CARGO_BIN_EXE_cpdfolio")]);
    configured(cmd, data)
}

fn configured(mut cmd: Command, data: &std::path::Path) -> Command {
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

/// Starts `serve` and returns the child and its base URL.
pub fn start_server(data: &std::path::Path) -> (std::process::Child, String) {
    start_server_with(cpdfolio(data))
}

pub fn start_server_with(cmd: Command) -> (std::process::Child, String) {
    start_server_logging_to(cmd, Stdio::null())
}

/// As [`start_server_with`], with the server's log going to `log`.
pub fn start_server_logging_to(mut cmd: Command, log: Stdio) -> (std::process::Child, String) {
    let mut server = cmd
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(log)
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

/// Creates an account with the command line, as an operator would (the
/// password is the tests' `CPDFOLIO_PASSWORD`).
pub fn create_account(data: &std::path::Path, email: &str, role: &str, team: Option<&str>) {
    create_account_with(cpdfolio(data), email, role, team);
}

/// As [`create_account`], running `cmd` (the binary, configured).
pub fn create_account_with(mut cmd: Command, email: &str, role: &str, team: Option<&str>) {
    cmd.args([
        "user",
        "create",
        "--email",
        email,
        "--name",
        "Test Person",
        "--role",
        role,
    ]);
    if let Some(team) = team {
        cmd.args(["--team", team]);
    }
    let created = cmd.output().unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
}

/// Signs in over HTTP and returns the session token.
pub async fn sign_in(http: &reqwest::Client, url: &str, email: &str) -> String {
    let body: serde_json::Value = http
        .post(format!("{url}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": "a perfectly long passphrase"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// POSTs `body` as JSON to `url` with `token`: the status and the JSON
/// answer (null if none).
pub async fn post_json(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let resp = http
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or_default())
}

/// GETs `url` with `token`: the status and the JSON body (null if none).
pub async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> (u16, serde_json::Value) {
    let resp = http.get(url).bearer_auth(token).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or_default())
}

/// Resident and peak-resident memory of process `pid`, in bytes.
pub fn memory(pid: u32) -> (u64, u64) {
    let field = |name| status_bytes(pid, name).unwrap();
    (field("VmRSS:"), field("VmHWM:"))
}

/// A memory field of `/proc/PID/status` (`"VmHWM:"`, `"RssAnon:"`), in
/// bytes; `None` once the process has exited.
pub fn status_bytes(pid: u32, name: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The numbers of the log segments of the embedded store at `store` (a
/// data directory's `db`), oldest first.
pub fn log_segments(store: &std::path::Path) -> Vec<u64> {
    let Ok(entries) = std::fs::read_dir(store.join("wal")) else {
        return Vec::new();
    };
    let mut numbers: Vec<u64> = entries
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".wal")?.parse().ok()
        })
        .collect();
    numbers.sort_unstable();
    numbers
}

/// Whether the newest log segment of the embedded store at `store` (a
/// data directory's `db`) ends in the middle of a commit: a
/// fragment of one that spans blocks without its last, or a cut header or
/// body. The engine repairs a cut body itself; an unfinished fragmented
/// commit it takes for the end of the file, the torn tail that
/// `storage::engine_log` keeps new commits away from. The log is in 32 KiB
/// blocks of records: a 7-byte header (checksum, big-endian length, type:
/// 0 padding, 1 whole, 2 first, 3 middle, 4 last, 9 metadata), then data.
pub fn log_ends_mid_commit(store: &std::path::Path) -> bool {
    const BLOCK: usize = 32 * 1024;
    const HEADER: usize = 7;
    let Some(newest) = log_segments(store).pop() else {
        return false;
    };
    let segment = store.join("wal").join(format!("{newest:020}.wal"));
    let bytes = std::fs::read(segment).unwrap_or_default();
    let (mut at, mut open) = (0, false);
    while at < bytes.len() {
        let left_in_block = BLOCK - at % BLOCK;
        if left_in_block < HEADER {
            at += left_in_block;
            continue;
        }
        let Some(header) = bytes.get(at..at + HEADER) else {
            return true;
        };
        if header[6] == 0 {
            at += left_in_block;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([header[4], header[5]]));
        if at + HEADER + length > bytes.len() {
            return true;
        }
        match header[6] {
            2 | 3 => open = true,
            1 | 4 => open = false,
            _ => {}
        }
        at += HEADER + length;
    }
    open
}
