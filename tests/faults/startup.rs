//! `kill -9` during the work a start-up does before it serves: applying
//! migrations that rewrite many rows (each migration is one transaction
//! with its record in the migration table) and rebuilding a lost search
//! index (a tantivy commit is all or nothing). Each interrupted start-up
//! must leave a data directory the next start-up finishes without help.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use cpdfolio::Config;
use cpdfolio::storage::{Migrations, Store};

use crate::binary;

/// Outbox emails from before migration 0024, which moves each to an id
/// derived from its key: enough rows that the migration takes a while.
const ALERTS: usize = 10_000;
/// Records whose index documents the rebuild re-derives.
const RECORDS: usize = 3_000;

fn disk_config(data: &Path) -> Config {
    Config {
        data_dir: data.to_owned(),
        database_url: None,
        ..Config::default()
    }
}

/// Migrations up to (not including) `first_left_out`.
fn migrations_before(first_left_out: &str) -> (tempfile::TempDir, Migrations) {
    let dir = tempfile::tempdir().unwrap();
    let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for entry in std::fs::read_dir(&all).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.as_str() < first_left_out {
            std::fs::copy(&path, dir.path().join(&name)).unwrap();
        }
    }
    let migrations = Migrations::from_dir(dir.path()).unwrap();
    (dir, migrations)
}

/// A database as a server from before migration 0024 left it, with
/// `ALERTS` emails in the outbox.
async fn seed_before_0024(data: &Path) {
    let (_dir, older) = migrations_before("0024");
    let store = Store::open(&disk_config(data), &older).await.unwrap();
    store
        .raw_query_for_tests(&format!(
            "FOR $i IN 1..={ALERTS} {{
                CREATE alert CONTENT {{
                    dedupe_key: 'inactivity:' + <string>$i, kind: 'inactivity',
                    user: user:seed, recipient: 'ot@example.nhs.uk', subject: 'A reminder',
                    text: 'text', html: '<p>html</p>', message_id: '<m@cpdfolio>',
                    status: 'sent', attempts: 1, created_at: time::now()
                }};
            }};"
        ))
        .await
        .unwrap();
    drop(store);
    cpdfolio::storage::wait_until_released(&data.join("db")).await;
}

/// Starts `serve` and kills it after `delay` unless it was listening by
/// then. True when it was killed before it listened.
fn start_and_kill_after(data: &Path, delay: Duration) -> bool {
    let mut server = binary::cpdfolio(data)
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let line = BufReader::new(stdout).lines().next();
        let _ = tx.send(line.is_some_and(|l| l.is_ok_and(|l| l.contains("listening"))));
    });
    let listened = rx.recv_timeout(delay).unwrap_or(false);
    server.kill().unwrap();
    server.wait().unwrap();
    !listened
}

/// Kills start-ups at growing delays until one gets as far as listening;
/// returns how many were killed before that.
fn kill_start_ups_until_one_listens(data: &Path, step: Duration) -> usize {
    let mut interrupted = 0;
    for n in 1.. {
        if !start_and_kill_after(data, step * n) {
            return interrupted;
        }
        interrupted += 1;
        assert!(n < 400, "start-up never finished");
    }
    interrupted
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a minute long; run by scripts/faults.sh"]
async fn kill_9_during_a_migration_and_an_index_rebuild_recovers_without_manual_steps() {
    let data = tempfile::tempdir().unwrap();
    seed_before_0024(data.path()).await;
    let began = Instant::now();
    let migration_kills = kill_start_ups_until_one_listens(data.path(), Duration::from_millis(400));
    let migrating = began.elapsed();
    let store = Store::open_migrating(&disk_config(data.path()), &Migrations::embedded())
        .await
        .unwrap();
    assert_eq!(store.1, Vec::<String>::new(), "every migration was applied");
    let rows = store
        .0
        .raw_json_for_tests(
            "RETURN count(SELECT id FROM alert);
             RETURN count(SELECT id FROM alert WHERE record::id(id) = string::slice(crypto::sha256(dedupe_key), 0, 32));",
        )
        .await
        .unwrap();
    assert_eq!(
        rows,
        vec![serde_json::json!(ALERTS), serde_json::json!(ALERTS)]
    );
    drop(store);
    cpdfolio::storage::wait_until_released(&data.path().join("db")).await;

    binary::create_account(data.path(), "ot@example.nhs.uk", "practitioner", None);
    write_records(data.path()).await;
    std::fs::remove_dir_all(data.path().join("index")).unwrap();
    let began = Instant::now();
    let rebuild_kills = kill_start_ups_until_one_listens(data.path(), Duration::from_millis(25));
    let rebuilding = began.elapsed();
    let (mut server, url) = binary::start_server(data.path());
    let http = reqwest::Client::new();
    let token = binary::sign_in(&http, &url, "ot@example.nhs.uk").await;
    let (_, found) = binary::get_json(
        &http,
        &format!("{url}/api/v1/search?q=rebuildmark&limit=1"),
        &token,
    )
    .await;
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(found["total"], serde_json::json!(RECORDS), "{found}");
    eprintln!(
        "start-up trials: {migration_kills} kill -9 while migrating {ALERTS} outbox rows ({} s in all), then {rebuild_kills} while rebuilding the index of {RECORDS} records ({} s); every next start-up finished the work, nothing lost",
        migrating.as_secs(),
        rebuilding.as_secs()
    );
    assert!(
        migration_kills > 0 && rebuild_kills > 0,
        "no start-up was interrupted"
    );
}

/// Writes `RECORDS` reflections through the server (8 at a time), then
/// stops it.
async fn write_records(data: &Path) {
    let (mut server, url) = binary::start_server(data);
    let http = reqwest::Client::new();
    let token = binary::sign_in(&http, &url, "ot@example.nhs.uk").await;
    let mut writers = tokio::task::JoinSet::new();
    for w in 0..8 {
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        writers.spawn(async move {
            for n in (w..RECORDS).step_by(8) {
                let body = serde_json::json!({"title": format!("Rebuilt {n}"), "activity_date": "2026-01-10", "activity_type": "other", "body": "rebuildmark indexed again after the index was lost"});
                let (status, answer) =
                    binary::post_json(&http, &format!("{url}/api/v1/reflections"), &token, &body)
                        .await;
                assert_eq!(status, 201, "{answer}");
            }
        });
    }
    writers.join_all().await;
    server.kill().unwrap();
    server.wait().unwrap();
}
