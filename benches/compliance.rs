//! Compliance at scale: one team of N members (default 500, or
//! CPDFOLIO_BENCH_N) and its lead, each member with 48 records (two
//! completions of each of 12 courses, 12 supervision sessions of which the
//! newest is sometimes unsigned, 12 reflections). The members and records
//! are written in SurrealQL in the shapes the use cases write (through the
//! use cases the seeding alone would take longer than the measurement),
//! then timed through HTTP against the real server:
//!
//! - the team view as JSON and as CSV, for the lead;
//! - one member's own `GET /api/v1/me/compliance`.
//!
//! Run on a release build: `cargo bench --bench compliance`. Prints the
//! median and p99 of the requests.

mod common;

use std::time::Instant;

use common::{Bench, report};
use cpdfolio::domain::user::Role;

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

#[tokio::main]
async fn main() {
    let n = common::size(500);
    let bench = Bench::start().await;
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
    let lead = bench.login("lead@example.nhs.uk").await;
    let sam = bench.login("sam@example.nhs.uk").await;
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
    for _ in 0..ROUNDS * 4 {
        samples.push(bench.timed_get("/api/v1/me/compliance", &sam).await);
    }
    report("own compliance", samples);
}
