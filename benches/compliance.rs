//! Compliance at scale: one team of N members (default 500, or
//! CPDFOLIO_BENCH_N) and its lead, each member with 48 records (two
//! completions of each of 12 courses, 12 supervision sessions of which the
//! newest is sometimes unsigned, 12 reflections). The members and records
//! are written in SurrealQL in the shapes the use cases write (through the
//! use cases the seeding alone would take longer than the measurement),
//! and their `compliance_fact` rows by the migration's backfill (timed).
//! The rest of an organisation of CPDFOLIO_BENCH_ORG_N staff (default
//! 10,000) is seeded straight into `compliance_fact` in teams of 500, each
//! person with 21 facts (19 courses, supervision, CPD). One member records
//! 50 records through the API (their facts written by the use cases).
//! Then timed through HTTP against the real server:
//!
//! - the team view as JSON and as CSV, for the lead;
//! - the organisation view, for an admin;
//! - the member's own `GET /api/v1/me/compliance`;
//! - the alert run over everyone: a dry run before anything is queued,
//!   the first real run (queueing everything due), the daily run in its
//!   steady state (the same day again) and a dry run as of tomorrow, each
//!   with the growth of the process's peak RSS during it. Run with
//!   CPDFOLIO_BENCH_ORG_N=100000 for the 100,000-staff figure.
//!
//! Run on a release build: `cargo bench --bench compliance`. Prints the
//! median and p99 of the requests.

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::{Bench, report};
use cpdfolio::app::{Clock, FixedClock};
use cpdfolio::domain::user::Role;
use serde_json::json;
use time::OffsetDateTime;

const ROUNDS: usize = 50;

/// The members with their records, in one transaction.
fn seed(team_id: &str, n: usize) -> String {
    format!(
        "BEGIN TRANSACTION;
         LET $t = type::record('team', '{team_id}');
         FOR $i IN 0..{n} {{
            LET $u = type::record('user', 'm' + <string> $i);
            CREATE $u SET email = 'm' + <string> $i + '@example.nhs.uk', name = 'Member ' + <string> $i,
                role = 'practitioner', practice_summary = '', password_hash = '$argon2id$unusable',
                created_at = time::now(), updated_at = time::now(), active = true, must_change_password = false;
            CREATE membership SET user = $u, team = $t, is_lead = false;
            FOR $c IN ['fire-safety-l1', 'information-governance-l1', 'resuscitation-adult-bls',
                       'equality-diversity-human-rights-l1', 'health-safety-welfare-l1',
                       'infection-prevention-control-l1', 'preventing-radicalisation', 'oliver-mcgowan-tier-1',
                       'safeguarding-adults-l3', 'safeguarding-children-l3', 'mental-health-act',
                       'conflict-resolution-l1'] {{
                FOR $k IN [0, 1] {{
                    LET $done = d'2025-06-01T00:00:00Z' - 365d * $k - 30d * ($i % 7);
                    CREATE training SET owner = $u, date = $done, title = $c,
                        content = {{ course: $c, course_title: $c, completed_on: $done, provider: 'e-LfH',
                                    notes: '', expires_on: $done + 365d }},
                        shared_with = [], version = 1, created_at = time::now(), updated_at = time::now();
                }};
            }};
            FOR $k IN 0..12 {{
                LET $on = time::now() - 20d - 42d * $k - 1d * ($i % 30);
                CREATE supervision SET owner = $u, date = $on, title = 'Supervision',
                    content = {{ date: $on, supervision_type: 'clinical', duration_minutes: 60, topics: [],
                        reflection: '', safeguarding_discussed: false, wellbeing_discussed: false, actions: [] }},
                    signoff = {{ status: IF $k = 0 AND $i % 3 = 0 {{ 'draft' }} ELSE {{ 'signed' }}, addenda: [] }},
                    shared_with = [], version = 1, created_at = time::now(), updated_at = time::now();
                LET $r = time::now() - 10d - 30d * $k - 1d * ($i % 90);
                CREATE reflection SET owner = $u, date = $r, title = 'Reflection',
                    content = {{ title: 'Reflection', activity_date: $r, activity_type: 'other', model: 'free',
                        body: 'Notes', learning: '', impact: '', benefit: '', tags: [], standards: [], links: [] }},
                    shared_with = [], version = 1, created_at = time::now(), updated_at = time::now();
            }};
         }};
         COMMIT TRANSACTION;"
    )
}

const COURSES: [&str; 19] = [
    "conflict-resolution-l1",
    "equality-diversity-human-rights-l1",
    "fire-safety-l1",
    "health-safety-welfare-l1",
    "infection-prevention-control-l1",
    "infection-prevention-control-l2",
    "information-governance-l1",
    "moving-handling-l1",
    "moving-handling-l2",
    "preventing-radicalisation",
    "resuscitation-adult-bls",
    "safeguarding-adults-l2",
    "safeguarding-adults-l3",
    "safeguarding-children-l2",
    "safeguarding-children-l3",
    "oliver-mcgowan-tier-1",
    "oliver-mcgowan-tier-2",
    "mental-capacity-act",
    "mental-health-act",
];

/// Staff `from..from + count` in teams of 500 (named `Org 0`, `Org 1`, …;
/// `from` a multiple of 500, one transaction a call), each
/// with a `compliance_fact` row of 19 completions, a signed-off
/// supervision and a CPD date spread over the year around today.
fn seed_facts(from: usize, count: usize) -> String {
    let courses = serde_json::to_string(&COURSES).unwrap_or_default();
    format!(
        "BEGIN TRANSACTION;
         FOR $j IN 0..{count} {{
            LET $i = {from} + $j;
            LET $k = 'o' + <string> $i;
            LET $u = type::record('user', $k);
            IF $i % 500 = 0 {{
                CREATE type::record('team', 'org' + <string> math::floor($i / 500)) SET name = 'Org ' + <string> math::floor($i / 500),
                    supervision_weeks = 6, preceptorship_weeks = 4, target_percent = 90, created_at = time::now();
            }};
            LET $t = type::record('team', 'org' + <string> math::floor($i / 500));
            CREATE $u SET email = $k + '@example.nhs.uk', name = 'Staff ' + <string> $i,
                role = 'practitioner', practice_summary = '', password_hash = '$argon2id$unusable',
                created_at = time::now(), updated_at = time::now(), active = true, must_change_password = false;
            CREATE membership SET user = $u, team = $t, is_lead = false;
            CREATE type::record('compliance_fact', $k) SET owner = $u,
                training = {courses}.map(|$c, $n| {{
                    course: $c, record: $k + 't' + <string> $n,
                    expires_on: time::format(time::now() + 1d * (($i * 7 + $n * 31) % 500) - 120d, '%Y-%m-%d'),
                    verified: ($i + $n) % 2 = 0
                }}),
                supervision = {{ date: time::format(time::now() - 1d * ($i % 60), '%Y-%m-%d'), record: $k + 's' }},
                cpd_on = time::format(time::now() - 1d * ($i % 120), '%Y-%m-%d');
         }};
         COMMIT TRANSACTION;"
    )
}

/// 50 records through the API: 20 completions, 15 supervision sessions
/// (5 signed off by `lead`), 15 reflections.
async fn record_fifty(bench: &Bench, token: &str, lead: &str, lead_id: &str) {
    for n in 0..20 {
        let day = time::macros::date!(2024 - 01 - 01) + time::Duration::days(n * 17);
        bench
            .create(
                token,
                "/api/v1/training",
                &json!({"course": COURSES[n as usize % 19], "completed_on": day.to_string(),
                        "provider": "e-LfH", "notes": ""}),
            )
            .await;
    }
    for n in 0..15 {
        let day = time::macros::date!(2025 - 01 - 06) + time::Duration::days(n * 21);
        let s = bench
            .create(
                token,
                "/api/v1/supervision",
                &json!({"date": day.to_string(), "supervisor_id": lead_id, "duration_minutes": 60,
                        "supervision_type": "clinical", "topics": ["caseload"], "reflection": "Notes",
                        "safeguarding_discussed": true, "wellbeing_discussed": true, "actions": []}),
            )
            .await;
        if n % 3 == 0 {
            let id = s["id"].as_str().unwrap_or_default();
            for (who, step) in [(token, "submit"), (lead, "sign-off")] {
                let resp = bench
                    .http
                    .post(format!("{}/api/v1/supervision/{id}/{step}", bench.base))
                    .bearer_auth(who)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status().as_u16(), 200, "{step}");
            }
        }
        bench
            .create(
                token,
                "/api/v1/reflections",
                &json!({"title": "Reflection", "activity_date": day.to_string(),
                        "activity_type": "work_based_learning", "model": "free", "body": "Notes",
                        "learning": "", "impact": "", "benefit": "", "tags": [], "standards": [1]}),
            )
            .await;
    }
}

#[tokio::main]
async fn main() {
    let n = common::size(500);
    let clock = Arc::new(FixedClock::new(OffsetDateTime::now_utc()));
    let bench = Bench::start_with_clock(clock.clone()).await;
    let lead_id = bench
        .user("lead@example.nhs.uk", Role::Lead, Some("Big"))
        .await;
    bench
        .user("sam@example.nhs.uk", Role::Practitioner, Some("Big"))
        .await;
    let team_id = bench.app.store().teams_led_by(&lead_id).await.unwrap()[0]
        .id
        .clone();
    let started = Instant::now();
    bench
        .app
        .store()
        .raw_query_for_tests(&seed(&team_id, n))
        .await
        .unwrap();
    println!(
        "created {n} members with {} records in {:.1} s",
        n * 48,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    bench.app.store().rebuild_compliance_facts().await.unwrap();
    println!(
        "backfilled the facts of {} people in {:.1} s",
        n + 2,
        started.elapsed().as_secs_f64()
    );
    let org_n = std::env::var("CPDFOLIO_BENCH_ORG_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000usize);
    let more = org_n.saturating_sub(n + 2);
    let started = Instant::now();
    for from in (0..more).step_by(500) {
        bench
            .app
            .store()
            .raw_query_for_tests(&seed_facts(from, 500.min(more - from)))
            .await
            .unwrap();
    }
    println!(
        "seeded {more} more staff with 21 facts each in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    bench.user("admin@example.nhs.uk", Role::Admin, None).await;
    let admin = bench.login("admin@example.nhs.uk").await;
    let lead = bench.login("lead@example.nhs.uk").await;
    let sam = bench.login("sam@example.nhs.uk").await;
    record_fifty(&bench, &sam, &lead, &lead_id).await;
    for (what, path) in [
        ("JSON", format!("/api/v1/teams/{team_id}/compliance")),
        (
            "CSV",
            format!("/api/v1/teams/{team_id}/compliance?format=csv"),
        ),
    ] {
        let mut samples = Vec::new();
        for _ in 0..ROUNDS {
            samples.push(bench.timed_get(&path, &lead).await);
        }
        report(
            &format!("team compliance as {what}, {} members", n + 2),
            samples,
        );
    }
    let mut samples = Vec::new();
    for _ in 0..ROUNDS {
        samples.push(bench.timed_get("/api/v1/admin/compliance", &admin).await);
    }
    report(
        &format!("organisation compliance, {} staff", n + 2 + more),
        samples,
    );
    let mut samples = Vec::new();
    for _ in 0..ROUNDS * 4 {
        samples.push(bench.timed_get("/api/v1/me/compliance", &sam).await);
    }
    report("own compliance, 50 records", samples);
    alert_scan(&bench, &clock, n + 2 + more).await;
}

/// Times the alert run over everyone, with the growth of peak RSS over
/// RSS before each: a dry run before any email is queued (every
/// milestone due is checked against the outbox), the first real run
/// (which queues them all), the same day's run again once they are
/// delivered (the steady state: everything due is among the keys kept for
/// each person, and the outbox holds every email sent), a dry run as of
/// tomorrow (the new milestones are checked against the outbox), then,
/// with the clock moved on a day, tomorrow's real run (which queues them)
/// and tomorrow's run again once they are delivered.
async fn alert_scan(bench: &Bench, clock: &FixedClock, staff: usize) {
    let tomorrow = bench.app.today().next_day();
    timed_run(bench, staff, "dry run, nothing queued yet", true, None).await;
    timed_run(
        bench,
        staff,
        "first real run, queues everything due",
        false,
        None,
    )
    .await;
    mark_all_sent(bench).await;
    for _ in 0..3 {
        timed_run(bench, staff, "real run again the same day", false, None).await;
    }
    for _ in 0..2 {
        timed_run(bench, staff, "dry run as of tomorrow", true, tomorrow).await;
    }
    clock.set(clock.now() + time::Duration::days(1));
    timed_run(bench, staff, "the next day's real run", false, None).await;
    mark_all_sent(bench).await;
    for _ in 0..2 {
        timed_run(bench, staff, "the next day's run again", false, None).await;
    }
}

async fn timed_run(
    bench: &Bench,
    staff: usize,
    what: &str,
    dry_run: bool,
    as_of: Option<time::Date>,
) {
    let before = rss_kib("VmRSS");
    // Resets the peak to the current RSS (Linux).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let started = Instant::now();
    let report = bench.app.run_alerts_as_of(dry_run, as_of).await.unwrap();
    let took = started.elapsed();
    println!(
        "alert run ({what}), {staff} staff: {:.2} s, {} compliance emails and {} reminders found due, \
         {} sent, peak RSS +{} MiB over {} MiB",
        took.as_secs_f64(),
        report.compliance.total,
        report.due.total,
        report.sent.total,
        rss_kib("VmHWM").saturating_sub(before) / 1024,
        before / 1024,
    );
}

/// Marks every queued email sent, as the delivery job would have by the
/// next day (the benchmark has no mail server to drain hundreds of
/// thousands through), so the outbox holds them as sent history.
async fn mark_all_sent(bench: &Bench) {
    let started = Instant::now();
    let store = bench.app.store();
    let mut batches = 0;
    loop {
        let left = store
            .raw_json_for_tests(
                "UPDATE (SELECT VALUE id FROM alert WHERE status = 'pending' LIMIT 20000)
                    SET status = 'sent', sent_at = time::now() RETURN VALUE 1;",
            )
            .await
            .unwrap();
        batches += 1;
        if left[0].as_array().is_none_or(|a| a.is_empty()) {
            break;
        }
    }
    println!(
        "marked the queued emails sent in {batches} batches, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// A memory figure of this process from /proc/self/status, in KiB.
fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
