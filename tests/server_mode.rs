//! Two cpdfolio processes sharing one SurrealDB server over `ws://`, as a
//! deployment that has outgrown one machine runs. Each keeps its own search
//! index and follows the database's change feed, so a record written
//! through one is found by search on the other. Run by
//! scripts/server-mode.sh, which starts the server and passes its address
//! in `CPDFOLIO_TEST_DATABASE_URL`.

#[path = "binary/mod.rs"]
mod binary;

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use binary::{create_account_with, get_json, post_json, sign_in, start_server_with};

/// A change made through one instance must be searchable on the other
/// within this.
const FOLLOW_LIMIT: Duration = Duration::from_secs(2);

struct Shared {
    url: String,
    user: String,
    password: String,
    database: String,
}

impl Shared {
    fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).unwrap_or_default();
        Self {
            url: std::env::var("CPDFOLIO_TEST_DATABASE_URL")
                .expect("CPDFOLIO_TEST_DATABASE_URL names the SurrealDB server"),
            user: var("CPDFOLIO_TEST_DATABASE_USER"),
            password: var("CPDFOLIO_TEST_DATABASE_PASSWORD"),
            database: format!("two_{}", std::process::id()),
        }
    }

    /// The binary configured to use the shared database, with its own
    /// data directory (search index, attachments) in `data`.
    fn instance(&self, data: &std::path::Path) -> Command {
        let mut cmd = binary::cpdfolio(data);
        cmd.env("CPDFOLIO_DATABASE_URL", &self.url)
            .env("CPDFOLIO_DATABASE_USER", &self.user)
            .env("CPDFOLIO_DATABASE_PASSWORD", &self.password)
            .env("CPDFOLIO_DATABASE_NAME", &self.database);
        cmd
    }
}

struct Instance {
    child: Child,
    url: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(shared: &Shared, data: &std::path::Path) -> Instance {
    let (child, url) = start_server_with(shared.instance(data));
    Instance { child, url }
}

fn reflection(word: &str) -> serde_json::Value {
    serde_json::json!({
        "title": format!("Shared database {word}"),
        "activity_date": "2026-01-10",
        "activity_type": "other",
        "body": format!("{word} written through one instance and searched on the other"),
    })
}

async fn hits(http: &reqwest::Client, on: &Instance, token: &str, word: &str) -> u64 {
    let (status, body) = get_json(
        http,
        &format!("{}/api/v1/search?q={word}&limit=1", on.url),
        token,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["total"].as_u64().unwrap()
}

/// How long until a search on `on` finds `word` `expected` times.
async fn time_until_found(
    http: &reqwest::Client,
    on: &Instance,
    token: &str,
    word: &str,
    expected: u64,
) -> Duration {
    let began = Instant::now();
    while hits(http, on, token, word).await != expected {
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "{word} never reached {}",
            on.url
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    began.elapsed()
}

/// Creates through both instances from 8 clients, then searches on each:
/// figures for docs/scaling.md (a debug build of cpdfolio; the server is a
/// release build).
async fn measure_load(http: &reqwest::Client, instances: [&Instance; 2], token: &str) {
    const CREATES: usize = 400;
    let began = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..8 {
        let (http, token) = (http.clone(), token.to_owned());
        let url = instances[c % 2].url.clone();
        clients.spawn(async move {
            for n in (c..CREATES).step_by(8) {
                let (status, body) = post_json(
                    &http,
                    &format!("{url}/api/v1/reflections"),
                    &token,
                    &reflection(&format!("loadword{n} loadword")),
                )
                .await;
                assert_eq!(status, 201, "{body}");
            }
        });
    }
    clients.join_all().await;
    let rate = CREATES as f64 / began.elapsed().as_secs_f64();
    for on in instances {
        time_until_found(http, on, token, "loadword", CREATES as u64).await;
    }
    let mut searches = Vec::new();
    for n in 0..200 {
        let on = instances[n % 2];
        let began = Instant::now();
        assert_eq!(hits(http, on, token, &format!("loadword{n}")).await, 1);
        searches.push(began.elapsed());
    }
    searches.sort();
    println!(
        "server mode: {rate:.0} creates/s through two instances (8 clients); own search p50 {:.1} ms, p99 {:.1} ms over {} records",
        percentile(&searches, 0.5).as_secs_f64() * 1000.0,
        percentile(&searches, 0.99).as_secs_f64() * 1000.0,
        CREATES + 41
    );
}

/// A lead reading through `b` loses a member's records once an admin
/// removes the member through `a`, and regains them once the admin adds
/// the member back: the membership feed reaches the lead scopes `b`
/// keeps. Returns how long each of 10 changes took to reach `b`.
async fn membership_lags(http: &reqwest::Client, a: &Instance, b: &Instance) -> Vec<Duration> {
    let admin = sign_in(http, &a.url, "admin@example.nhs.uk").await;
    let member = sign_in(http, &a.url, "member@example.nhs.uk").await;
    let lead = sign_in(http, &b.url, "lead@example.nhs.uk").await;
    let audit = serde_json::json!({
        "title": "Kept in scope",
        "audit_kind": "clinical_audit",
        "my_role": "lead auditor",
        "started_on": "2026-01-05",
        "findings": "a finding",
    });
    let (status, body) =
        post_json(http, &format!("{}/api/v1/audits", a.url), &member, &audit).await;
    assert_eq!(status, 201, "{body}");
    let record = format!("{}/api/v1/audits/{}", b.url, body["id"].as_str().unwrap());
    assert_eq!(get_json(http, &record, &lead).await.0, 200);

    let (_, me) = get_json(http, &format!("{}/api/v1/me", a.url), &member).await;
    let (_, teams) = get_json(http, &format!("{}/api/v1/teams", b.url), &lead).await;
    let membership = format!(
        "{}/api/v1/admin/teams/{}/members/{}",
        a.url,
        teams[0]["id"].as_str().unwrap(),
        me["id"].as_str().unwrap()
    );
    let mut lags = Vec::new();
    for round in 0..10 {
        let (change, expected) = if round % 2 == 0 {
            (http.delete(&membership), 404)
        } else {
            (http.put(&membership).json(&serde_json::json!({})), 200)
        };
        let changed = change.bearer_auth(&admin).send().await.unwrap();
        assert!(changed.status().is_success(), "{}", changed.status());
        let began = Instant::now();
        while get_json(http, &record, &lead).await.0 != expected {
            assert!(
                began.elapsed() < Duration::from_secs(10),
                "the change never reached {}",
                b.url
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        lags.push(began.elapsed());
    }
    lags.sort();
    lags
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a SurrealDB server; run by scripts/server-mode.sh"]
async fn two_instances_share_one_database_server_and_each_finds_the_others_records() {
    let shared = Shared::from_env();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (email, role, team) in [
        ("shared@example.nhs.uk", "practitioner", None),
        ("admin@example.nhs.uk", "admin", None),
        ("lead@example.nhs.uk", "lead", Some("Riverside PCN")),
        (
            "member@example.nhs.uk",
            "practitioner",
            Some("Riverside PCN"),
        ),
    ] {
        create_account_with(shared.instance(dir_a.path()), email, role, team);
    }
    let a = start(&shared, dir_a.path());
    let mut b = start(&shared, dir_b.path());
    let http = reqwest::Client::new();
    let token = sign_in(&http, &a.url, "shared@example.nhs.uk").await;

    let mut lags = Vec::new();
    for n in 0..40 {
        let (from, to) = if n % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let word = format!("crossword{n}");
        let (status, body) = post_json(
            &http,
            &format!("{}/api/v1/reflections", from.url),
            &token,
            &reflection(&word),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        lags.push(time_until_found(&http, to, &token, &word, 1).await);
    }
    lags.sort();
    let worst = *lags.last().unwrap();
    println!(
        "server mode: a record written through one instance is found on the other after p50 {} ms, p99 {} ms, worst {} ms (40 records, alternate directions)",
        percentile(&lags, 0.5).as_millis(),
        percentile(&lags, 0.99).as_millis(),
        worst.as_millis()
    );
    assert!(worst <= FOLLOW_LIMIT, "worst {worst:?}");

    let (status, body) = post_json(
        &http,
        &format!("{}/api/v1/reflections", a.url),
        &token,
        &reflection("editedlater"),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    time_until_found(&http, &b, &token, "editedlater", 1).await;
    let deleted = http
        .delete(format!("{}/api/v1/reflections/{id}", a.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let gone = time_until_found(&http, &b, &token, "editedlater", 0).await;
    assert!(gone <= FOLLOW_LIMIT, "a deletion took {gone:?}");

    let lags = membership_lags(&http, &a, &b).await;
    let worst = *lags.last().unwrap();
    println!(
        "server mode: a team membership changed through one instance reached the lead's reads on the other after p50 {} ms, worst {} ms (5 removals, 5 re-additions)",
        percentile(&lags, 0.5).as_millis(),
        worst.as_millis()
    );
    assert!(worst <= FOLLOW_LIMIT, "a membership change took {worst:?}");

    measure_load(&http, [&a, &b], &token).await;

    b.child.kill().unwrap();
    b.child.wait().unwrap();
    for n in 0..50 {
        let (status, body) = post_json(
            &http,
            &format!("{}/api/v1/reflections", a.url),
            &token,
            &reflection(&format!("whiledown{n} whiledown")),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let restarted = Instant::now();
    let b = start(&shared, dir_b.path());
    let ready = restarted.elapsed();
    let caught_up = time_until_found(&http, &b, &token, "whiledown", 50).await;
    println!(
        "server mode: an instance killed (kill -9) while 50 records were written through the other was listening {} ms after restart and found all 50 {} ms later",
        ready.as_millis(),
        caught_up.as_millis()
    );
    assert!(caught_up <= FOLLOW_LIMIT, "catching up took {caught_up:?}");
}
