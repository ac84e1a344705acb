//! API benchmark: entries created per second through HTTP, and search
//! latency (median and p99) with N entries in the index. Runs against a real
//! server on loopback with the embedded SurrealKV store (fsync on every
//! commit) in a temporary directory.
//!
//! `cargo bench --bench api` (N defaults to 10,000; set CPDFOLIO_BENCH_N).

mod common;

use std::time::Instant;

use common::{Bench, percentile};
use cpdfolio::domain::user::Role;
use serde_json::json;

const WORDS: [&str; 24] = [
    "supervision",
    "grading",
    "anxiety",
    "routine",
    "sleep",
    "occupational",
    "balance",
    "sensory",
    "group",
    "vocational",
    "frailty",
    "falls",
    "safeguarding",
    "student",
    "audit",
    "outcome",
    "measure",
    "coaching",
    "reflection",
    "leadership",
    "wellbeing",
    "referral",
    "activity",
    "confidence",
];
const QUERIES: [&str; 8] = [
    "supervision",
    "sleep routine",
    "\"occupational balance\"",
    "anxiety AND group",
    "falls OR frailty",
    "student",
    "sensory -group",
    "audit outcome",
];

const TYPES: [&str; 3] = [
    "work_based_learning",
    "formal_education",
    "self_directed_learning",
];

fn body(i: usize) -> serde_json::Value {
    let words: Vec<&str> = (0..60)
        .map(|k| WORDS[(i * 7 + k * 13) % WORDS.len()])
        .collect();
    json!({
        "title": format!("Reflection {i} on {}", WORDS[i % WORDS.len()]),
        "activity_date": format!("2026-{:02}-{:02}", 1 + i % 10, 1 + i % 28),
        "activity_type": TYPES[i % 3],
        "model": "gibbs",
        "body": words.join(" "),
        "learning": "I learnt something useful.",
        "tags": [WORDS[i % 5]],
        "standards": [1 + (i % 15) as u8]
    })
}

#[tokio::main]
async fn main() {
    let n = common::size(10_000);
    let bench = Bench::start().await;
    bench
        .user("bench@example.nhs.uk", Role::Practitioner, None)
        .await;
    let token = bench.login("bench@example.nhs.uk").await;
    let (app, base, http) = (&bench.app, bench.base.clone(), bench.http.clone());

    let concurrency = 8;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for i in (worker..n).step_by(concurrency) {
                let t = Instant::now();
                let resp = http
                    .post(format!("{base}/api/v1/reflections"))
                    .bearer_auth(&token)
                    .json(&body(i))
                    .send()
                    .await
                    .unwrap();
                let status = resp.status().as_u16();
                assert_eq!(status, 201, "{}", resp.text().await.unwrap());
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut create = Vec::new();
    for t in tasks {
        create.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    create.sort();
    println!(
        "create: {n} entries in {:.1} s = {:.0} entries/s ({concurrency} concurrent clients); latency median {:?}, p99 {:?}",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        percentile(&create, 0.5),
        percentile(&create, 0.99)
    );
    app.flush_search().await.unwrap();
    println!("index holds {} documents", app.search().num_docs());

    let mut search = Vec::new();
    for _ in 0..100 {
        for q in QUERIES {
            let path = format!(
                "/api/v1/search?q={}&limit=20",
                q.replace(' ', "%20").replace('"', "%22")
            );
            search.push(bench.timed_get(&path, &token).await);
        }
    }
    common::report(&format!("search over {n} entries"), search);

    drop(http);
    let (clean, crashed) = bench.time_start_ups(5).await;
    common::report(&format!("start-up after a clean stop, {n} entries"), clean);
    common::report(
        &format!("start-up after a stop without one (crash), {n} entries"),
        crashed,
    );
}
