//! The scale benchmark, side by side. N records (default 100,000;
//! `CPDFOLIO_BENCH_N`), 50 a person in teams of 500 with a lead: 70%
//! reflections of about 150 words, 20% audits with findings of the same
//! length, 10% training. Seeded through the application's use cases, then
//! measured black-box through HTTP against the release binary (its own
//! process): create with 16 concurrent clients (each a different person),
//! get by id, own search, a lead's team-wide search, list pages, own and
//! team compliance, the CPD profile, RSS, disk and start-up to ready after
//! `kill -9` straight after the creates (catching up from the change feed)
//! and after a clean stop. The same corpus and queries then go to
//! SQLite FTS5 and to SurrealDB's FULLTEXT BM25 index, in-process, and a
//! table prints the three side by side (median / p99), unless
//! `CPDFOLIO_BENCH_SKIP_ALTERNATIVES` is set (their seeding alone takes
//! longer than cpdfolio's at a million records).
//!
//! The server runs with `server_timing` on, and a second table gives, for
//! each request measured, the parts the server timed (authentication, the
//! caller's scope, the index, the database, the access log).
//!
//! `CPDFOLIO_BENCH_SETTLE` waits, before measuring, until the server is
//! idle after its start (what it does in those seconds is not profiled).
//! `CPDFOLIO_BENCH_MEMORY_LIMIT` (bytes) runs the server as in a container
//! with that memory limit (`scripts/memory-limited.sh`; root and cgroup v1).
//! `CPDFOLIO_BENCH_AS_UNIT` runs it seeing /proc as the systemd unit in
//! `deploy/` shows it, which sizes SurrealKV's caches for 1 GiB
//! (`scripts/as-systemd-unit.sh`; root).
//!
//! `cargo bench --bench scale` (release build).

mod alternatives;
#[path = "../../tests/binary/mod.rs"]
mod binary;
#[path = "../common/mod.rs"]
mod common;
mod corpus;
mod server;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use alternatives::Doc;
use common::{Bench, percentile};
use cpdfolio::app::CurrentUser;
use cpdfolio::domain::audit::AuditDraft;
use cpdfolio::domain::reflection::{ActivityType, ReflectionDraft, ReflectiveModel};
use cpdfolio::domain::training::TrainingDraft;
use serde_json::json;
use server::Server;

const PER_PERSON: usize = 50;
const TEAM_SIZE: usize = 500;
const ROUNDS: usize = 400;
const WRITERS: usize = 16;
const CREATES_EACH: usize = 100;

/// Bytes under `dir`, recursively.
pub fn disk_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => disk_bytes(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

fn date(i: usize) -> time::Date {
    time::Date::from_calendar_date(2025, time::Month::January, 1).unwrap()
        + time::Duration::days((i % 600) as i64)
}

/// Creates record `i` of `me` and returns what the other engines index.
async fn seed_record(app: &cpdfolio::App, me: &CurrentUser, i: usize) -> Option<Doc> {
    let (title, text) = (corpus::title(i), corpus::text(i));
    let day = cpdfolio::domain::dates::iso(date(i));
    match i % 10 {
        0..=6 => {
            let draft = ReflectionDraft {
                title: title.clone(),
                activity_date: date(i),
                activity_type: ActivityType::WorkBasedLearning,
                hours: Some(1.0),
                model: ReflectiveModel::Gibbs,
                body: text.clone(),
                learning: String::new(),
                impact: String::new(),
                benefit: String::new(),
                tags: vec![],
                standards: vec![],
                links: vec![],
            };
            app.create_evidence(me, draft).await.unwrap();
        }
        7 | 8 => {
            let draft: AuditDraft = serde_json::from_value(json!({
                "title": title, "audit_kind": "clinical_audit", "my_role": "auditor",
                "standard": "NICE NG249", "started_on": day, "completed_on": null,
                "outcome_measures": [], "findings": text, "actions": "", "reaudit_due": null
            }))
            .unwrap();
            app.create_evidence(me, draft).await.unwrap();
        }
        _ => {
            let draft: TrainingDraft = serde_json::from_value(json!({
                "course": "fire-safety-l1", "completed_on": day, "provider": "Trust",
                "certificate_expires_on": null, "notes": "", "course_title": "",
                "expires_on": null
            }))
            .unwrap();
            app.create_evidence(me, draft).await.unwrap();
            return None;
        }
    }
    Some(Doc {
        owner: me.user.id.clone(),
        title,
        text,
    })
}

/// People, leads and every record; returns the people (email, id) and the
/// corpus the other engines get.
async fn seed(bench: &Bench, n: usize) -> (Vec<(String, String)>, Vec<Doc>) {
    let people = (n / PER_PERSON).max(2);
    let members = bench.teams_of(people, TEAM_SIZE).await;
    let started = Instant::now();
    let mut docs = Vec::new();
    for chunk in members.chunks(4) {
        let mut tasks = tokio::task::JoinSet::new();
        for (_, id) in chunk {
            let app = bench.app.clone();
            let user = app.store().user(id).await.unwrap().unwrap();
            let person: usize = user.email[1..user.email.find('@').unwrap()]
                .parse()
                .unwrap();
            tasks.spawn(async move {
                let me = CurrentUser {
                    user,
                    token_digest: String::new(),
                };
                let mut docs = Vec::new();
                for k in 0..PER_PERSON {
                    docs.extend(seed_record(&app, &me, person * PER_PERSON + k).await);
                }
                docs
            });
        }
        for made in tasks.join_all().await {
            docs.extend(made);
        }
    }
    bench.app.flush_search().await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "seeded {} records in {seconds:.1} s ({:.0}/s through the use cases)",
        people * PER_PERSON,
        (people * PER_PERSON) as f64 / seconds
    );
    (members, docs)
}

struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    async fn login(&self, email: &str) -> String {
        common::login_at(&self.http, &self.url, email).await
    }

    async fn get(&self, path: &str, token: &str) -> (Duration, serde_json::Value) {
        common::timed_get_at(&self.http, &self.url, path, token).await
    }

    /// `ROUNDS` GETs one after another: the time of each through HTTP,
    /// and the parts the server timed (its `Server-Timing` header).
    async fn timed(&self, paths: impl Fn(usize) -> String, token: &str) -> Timed {
        let mut timed = Timed::default();
        for round in 0..ROUNDS {
            let path = paths(round);
            let began = Instant::now();
            let resp = self
                .http
                .get(format!("{}{path}", self.url))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 200, "{path}");
            timed.phases.add(resp.headers());
            resp.bytes().await.unwrap();
            timed.samples.push(began.elapsed());
        }
        timed
    }
}

/// Requests' times through HTTP and the server's own split of them.
#[derive(Default)]
struct Timed {
    samples: Vec<Duration>,
    phases: Phases,
}

/// What the server said each request's parts took (`Server-Timing`):
/// by part, one duration per request that had it (a part timed twice in
/// one request counts once, summed).
#[derive(Default)]
struct Phases(BTreeMap<String, Vec<Duration>>);

impl Phases {
    fn add(&mut self, headers: &reqwest::header::HeaderMap) {
        let Some(header) = headers.get("server-timing").and_then(|v| v.to_str().ok()) else {
            return;
        };
        let mut request: BTreeMap<&str, f64> = BTreeMap::new();
        for phase in header.split(", ") {
            if let Some((name, ms)) = phase.split_once(";dur=")
                && let Ok(ms) = ms.parse::<f64>()
            {
                *request.entry(name).or_default() += ms;
            }
        }
        for (name, ms) in request {
            let took = Duration::from_secs_f64(ms / 1e3);
            self.0.entry(name.to_owned()).or_default().push(took);
        }
    }

    /// `part median / p99 ms (n)` for each part, empty when none was timed.
    fn summary(&mut self) -> String {
        self.0
            .iter_mut()
            .map(|(name, samples)| format!("{name} {} ({})", cell(samples), samples.len()))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn query(round: usize) -> String {
    corpus::QUERIES[round % corpus::QUERIES.len()].replace(' ', "%20")
}

/// 16 people each create `CREATES_EACH` reflections at once; creates per
/// second and the latency of each.
async fn creates(client: &Client, members: &[(String, String)]) -> (f64, Timed) {
    let mut tokens = Vec::new();
    for (email, _) in members.iter().skip(2).take(WRITERS) {
        tokens.push(client.login(email).await);
    }
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (w, token) in tokens.into_iter().enumerate() {
        let (http, url) = (client.http.clone(), client.url.clone());
        tasks.spawn(async move {
            let mut timed = Timed::default();
            for k in 0..CREATES_EACH {
                let i = 10_000_000 + w * CREATES_EACH + k;
                let began = Instant::now();
                let resp = http
                    .post(format!("{url}/api/v1/reflections"))
                    .bearer_auth(&token)
                    .json(&json!({"title": corpus::title(i), "activity_date": "2026-01-10", "activity_type": "other", "body": corpus::text(i)}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status().as_u16(), 201);
                timed.phases.add(resp.headers());
                resp.bytes().await.unwrap();
                timed.samples.push(began.elapsed());
            }
            timed
        });
    }
    let mut all = Timed::default();
    for timed in tasks.join_all().await {
        all.samples.extend(timed.samples);
        for (name, samples) in timed.phases.0 {
            all.phases.0.entry(name).or_default().extend(samples);
        }
    }
    (
        (WRITERS * CREATES_EACH) as f64 / started.elapsed().as_secs_f64(),
        all,
    )
}

fn cell(samples: &mut [Duration]) -> String {
    samples.sort();
    format!(
        "{:.2} / {:.2} ms",
        percentile(samples, 0.5).as_secs_f64() * 1e3,
        percentile(samples, 0.99).as_secs_f64() * 1e3
    )
}

#[tokio::main]
async fn main() {
    let n = common::size(100_000);
    let bench = Bench::start().await;
    let (members, docs) = seed(&bench, n).await;
    let own_id = members[0].1.clone();
    let team: Vec<String> = members
        .iter()
        .take(TEAM_SIZE)
        .map(|(_, id)| id.clone())
        .collect();
    let mut tantivy_own = Vec::new();
    let mut tantivy_lead = Vec::new();
    let own_scope = cpdfolio::search::SearchScope {
        me: own_id.clone(),
        team_owner_ids: vec![],
    };
    let lead_scope = cpdfolio::search::SearchScope {
        me: "nobody".to_owned(),
        team_owner_ids: team.clone(),
    };
    for round in 0..ROUNDS {
        let q = corpus::QUERIES[round % corpus::QUERIES.len()];
        let started = Instant::now();
        bench.app.search().search(&own_scope, q, 20, 0).unwrap();
        tantivy_own.push(started.elapsed());
        let started = Instant::now();
        bench.app.search().search(&lead_scope, q, 20, 0).unwrap();
        tantivy_lead.push(started.elapsed());
    }
    let (_config, dir) = bench.stop().await;

    let (server, first_start) = Server::start(dir.path()).await;
    if std::env::var_os("CPDFOLIO_BENCH_SETTLE").is_some() {
        let (waited, settled) = server.settle(Duration::from_secs(1_200)).await;
        let outcome = if settled { "settled" } else { "still busy" };
        println!(
            "{outcome} after {:.0} s (server CPU under 5% of a core over 5 s)",
            waited.as_secs_f64()
        );
    }
    let (idle_rss, _) = server.memory();
    let client = Client {
        http: reqwest::Client::new(),
        url: server.url.clone(),
    };
    let own = client.login(&members[0].0).await;
    let lead = client.login("lead0@example.nhs.uk").await;
    let (_, listed) = client.get("/api/v1/reflections?limit=100", &own).await;
    let ids: Vec<String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let (_, me) = client.get("/api/v1/me", &lead).await;
    let teams: serde_json::Value = client.get("/api/v1/teams", &lead).await.1;
    let team_id = teams["items"][0]["id"]
        .as_str()
        .or(teams[0]["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let _ = me;

    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut row = |what: &str, mut timed: Timed| {
        let measured = cell(&mut timed.samples);
        let parts = timed.phases.summary();
        println!("measured {what}: {measured}; the server's parts: {parts}");
        rows.push((what.to_owned(), measured, parts));
    };
    row(
        "GET a record by id",
        client
            .timed(
                |r| format!("/api/v1/reflections/{}", ids[r % ids.len()]),
                &own,
            )
            .await,
    );
    let perf = server.perf("own-search");
    let own_searches = client
        .timed(|r| format!("/api/v1/search?q={}&limit=20", query(r)), &own)
        .await;
    drop(perf);
    let perf = server.perf("lead-search");
    let lead_searches = client
        .timed(|r| format!("/api/v1/search?q={}&limit=20", query(r)), &lead)
        .await;
    drop(perf);
    let mut http_own = own_searches.samples.clone();
    let mut http_lead = lead_searches.samples.clone();
    row("own search", own_searches);
    row("a lead's search, team of 500", lead_searches);
    row(
        "list page, own reflections",
        client
            .timed(
                |r| format!("/api/v1/reflections?limit=20&offset={}", (r % 3) * 20),
                &own,
            )
            .await,
    );
    row(
        "list page, lead's team audits",
        client
            .timed(
                |r| format!("/api/v1/audits?limit=20&offset={}", (r % 3) * 20),
                &lead,
            )
            .await,
    );
    row(
        "GET /api/v1/me/compliance",
        client
            .timed(|_| "/api/v1/me/compliance".to_owned(), &own)
            .await,
    );
    if !team_id.is_empty() {
        row(
            "team compliance (500)",
            client
                .timed(|_| format!("/api/v1/teams/{team_id}/compliance"), &lead)
                .await,
        );
    }
    row(
        "CPD profile (JSON)",
        client
            .timed(|_| "/api/v1/me/cpd-profile".to_owned(), &own)
            .await,
    );
    let perf = server.perf("creates");
    let (creates_per_s, create_samples) = creates(&client, &members).await;
    drop(perf);
    row("create a reflection (16 clients)", create_samples);
    let (rss, hwm) = server.memory();
    let (anon, mapped) = server.resident_kinds();
    let disk = disk_bytes(dir.path());
    println!(
        "measured {creates_per_s:.0} creates/s, RSS {} MB, disk {} MB",
        rss / 1_000_000,
        disk / 1_000_000
    );
    server.kill();
    let (server, crash_start) = Server::start(dir.path()).await;
    let (stop_took, stop_peak) = server.stop(dir.path());
    let (server, clean_start) = Server::start(dir.path()).await;
    server.kill();

    println!(
        "\n## cpdfolio at {n} records ({} searchable), release binary, 2 cores",
        docs.len()
    );
    for (what, cell, _) in &rows {
        println!("{what}: {cell}");
    }
    println!(
        "creates: {creates_per_s:.0}/s acknowledged and durable ({WRITERS} clients, {} creates)",
        WRITERS * CREATES_EACH
    );
    let limit = match (server::memory_limit(), server::as_unit()) {
        (Some(bytes), _) => format!("in a cgroup limited to {bytes} bytes"),
        (None, true) => "no memory limit, /proc as deploy/cpdfolio.service shows it".to_owned(),
        (None, false) => "no memory limit".to_owned(),
    };
    println!(
        "RSS ({limit}): {} MB idle after start, {} MB after the run, peak {} MB",
        idle_rss / 1_000_000,
        rss / 1_000_000,
        hwm / 1_000_000
    );
    println!(
        "RSS after the run by kind: {} MB anonymous (heap), {} MB mapped files",
        anon / 1_000_000,
        mapped / 1_000_000
    );
    println!(
        "clean stop after the restart from kill -9: {:.0} ms, peak RSS of that server {} MB",
        stop_took.as_secs_f64() * 1e3,
        stop_peak / 1_000_000
    );
    println!("disk: {} MB", disk / 1_000_000);
    println!(
        "start-up to ready: {:.0} ms first (after the seeding's clean stop), {:.0} ms after SIGTERM, {:.0} ms after kill -9 straight after the creates",
        first_start.as_secs_f64() * 1e3,
        clean_start.as_secs_f64() * 1e3,
        crash_start.as_secs_f64() * 1e3
    );

    println!(
        "\n## where each request's time went, as the server timed it (median / p99 ms, requests)"
    );
    for (what, _, parts) in &rows {
        println!("{what}: {parts}");
    }

    if std::env::var_os("CPDFOLIO_BENCH_SKIP_ALTERNATIVES").is_some() {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(scratch.path().join("sqlite")).unwrap();
    let sqlite = alternatives::sqlite(
        &scratch.path().join("sqlite"),
        &docs,
        &own_id,
        &team,
        &corpus::QUERIES,
        ROUNDS,
    );
    let surreal = alternatives::surreal(
        &scratch.path().join("surreal"),
        &docs,
        &own_id,
        &team,
        &corpus::QUERIES,
        ROUNDS,
    )
    .await;

    println!(
        "\n## search side by side ({} documents, {} queries each, median / p99)",
        docs.len(),
        ROUNDS
    );
    println!(
        "| | cpdfolio through HTTP | tantivy in-process (cpdfolio's index) | SQLite FTS5 in-process | SurrealDB BM25 in-process |"
    );
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| own search | {} | {} | {} | {} |",
        cell(&mut http_own),
        cell(&mut tantivy_own),
        cell(&mut sqlite.own.clone()),
        cell(&mut surreal.own.clone())
    );
    println!(
        "| lead's search, team of 500 | {} | {} | {} | {} |",
        cell(&mut http_lead),
        cell(&mut tantivy_lead),
        cell(&mut sqlite.lead.clone()),
        cell(&mut surreal.lead.clone())
    );
    println!(
        "| load the corpus | (seeded above) | — | {:.1} s | {:.1} s |",
        sqlite.load.as_secs_f64(),
        surreal.load.as_secs_f64()
    );
    println!(
        "| durable single creates | {creates_per_s:.0}/s (HTTP, 16 clients) | — | {:.0}/s (1 client) | {:.0}/s (1 client) |",
        sqlite.durable_creates_per_s, surreal.durable_creates_per_s
    );
    println!(
        "| disk | {} MB (everything) | — | {} MB | {} MB |",
        disk / 1_000_000,
        sqlite.disk_bytes / 1_000_000,
        surreal.disk_bytes / 1_000_000
    );
}
