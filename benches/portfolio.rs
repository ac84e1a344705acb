//! Portfolio benchmark: list and search latency for a practitioner with
//! 2,000 records of mixed kinds (and for their lead), and upload throughput
//! for 10 MB attachments. Real server on loopback, embedded SurrealKV with
//! fsync on every commit, in a temporary directory.
//!
//! `cargo test --release --bench portfolio` for release figures, or
//! `cargo test --bench portfolio` with the warm test build. Set
//! CPDFOLIO_BENCH_N to change the number of records (default 2,000).

use std::time::{Duration, Instant};

use cpdfolio::domain::user::{NewUser, Role};
use cpdfolio::storage::Migrations;
use cpdfolio::{App, Config};
use poem::listener::{Acceptor, Listener, TcpListener};
use serde_json::{Value, json};

const COLLECTIONS: [&str; 4] = ["reflections", "supervision", "audits", "training"];
const QUERIES: [&str; 5] = [
    "falls",
    "supervision risk",
    "\"graded activity\"",
    "course",
    "wellbeing OR caseload",
];
const PASSWORD: &str = "benchmark passphrase 1";

fn record(kind: &str, i: usize, supervisor: &str) -> Value {
    let day = format!("2025-{:02}-{:02}", 1 + i % 12, 1 + i % 28);
    match kind {
        "reflections" => json!({
            "title": format!("Graded activity reflection {i}"),
            "activity_date": day, "activity_type": "work_based_learning",
            "body": format!("graded activity with a person after falls, note {i}"),
        }),
        "supervision" => json!({
            "date": day, "duration_minutes": 60, "supervision_type": "clinical",
            "supervisor_id": supervisor, "topics": ["caseload", "wellbeing"],
            "reflection": format!("supervision on risk and caseload {i}"),
        }),
        "audits" => json!({
            "title": format!("Falls audit {i}"), "audit_kind": "clinical_audit",
            "started_on": day, "findings": format!("falls pathway findings {i}"),
        }),
        _ => json!({
            "course": "fire-safety-l1", "completed_on": day,
            "notes": format!("course completed at the surgery {i}"),
        }),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{what}: {} requests; median {:?}, p99 {:?}, max {:?}",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        samples[samples.len() - 1]
    );
}

async fn user(app: &App, email: &str, role: Role) -> String {
    app.create_user(NewUser {
        email: email.into(),
        name: email.into(),
        role,
        team: Some("Bench PCN".into()),
        hcpc_number: None,
        password: PASSWORD.into(),
    })
    .await
    .unwrap()
    .id
}

async fn login(http: &reqwest::Client, base: &str, email: &str) -> String {
    let body: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"].as_str().unwrap().to_owned()
}

async fn timed_get(http: &reqwest::Client, url: &str, token: &str) -> Duration {
    let t = Instant::now();
    let resp = http.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{url}");
    let _ = resp.bytes().await.unwrap();
    t.elapsed()
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("CPDFOLIO_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        content_dir: None,
        alerts_enabled: false,
        ..Config::default()
    };
    let app = App::open(config, &Migrations::embedded()).await.unwrap();
    app.spawn_background_tasks();
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
    let routes = cpdfolio::http::routes(app.clone());
    tokio::spawn(async move { poem::Server::new_with_acceptor(acceptor).run(routes).await });
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    user(&app, "sam@example.nhs.uk", Role::Practitioner).await;
    let supervisor = user(&app, "jo@example.nhs.uk", Role::Practitioner).await;
    user(&app, "lead@example.nhs.uk", Role::Lead).await;
    let sam = login(&http, &base, "sam@example.nhs.uk").await;
    let lead = login(&http, &base, "lead@example.nhs.uk").await;

    let started = Instant::now();
    for i in 0..n {
        let kind = COLLECTIONS[i % 4];
        let resp = http
            .post(format!("{base}/api/v1/{kind}"))
            .bearer_auth(&sam)
            .json(&record(kind, i, &supervisor))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
    }
    println!(
        "created {n} mixed records (a quarter of each kind) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    app.flush_search().await.unwrap();

    for (who, token) in [("practitioner", &sam), ("lead", &lead)] {
        let mut list = Vec::new();
        for _ in 0..50 {
            for kind in COLLECTIONS {
                list.push(timed_get(&http, &format!("{base}/api/v1/{kind}?limit=20"), token).await);
            }
        }
        report(&format!("list (page of 20) as {who}"), list);
        let mut search = Vec::new();
        for _ in 0..40 {
            for q in QUERIES {
                let url = format!(
                    "{base}/api/v1/search?q={}&limit=20",
                    q.replace(' ', "%20").replace('"', "%22")
                );
                search.push(timed_get(&http, &url, token).await);
            }
        }
        report(&format!("search as {who}"), search);
    }

    let first: Value = http
        .get(format!("{base}/api/v1/audits?limit=1"))
        .bearer_auth(&sam)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let audit = first["items"][0]["id"].as_str().unwrap().to_owned();
    let size = 10 * 1024 * 1024;
    let mut uploads = Vec::new();
    for round in 0..5u8 {
        let mut file = b"%PDF-1.7\n".to_vec();
        file.resize(size, b'a' + round);
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(file).file_name("report.pdf"),
        );
        let t = Instant::now();
        let resp = http
            .post(format!("{base}/api/v1/audits/{audit}/attachments"))
            .bearer_auth(&sam)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
        uploads.push(t.elapsed());
    }
    uploads.sort();
    let median = percentile(&uploads, 0.5);
    println!(
        "upload 10 MiB: {} uploads; median {:?} ({:.0} MiB/s), max {:?}",
        uploads.len(),
        median,
        10.0 / median.as_secs_f64(),
        uploads[uploads.len() - 1]
    );
}
