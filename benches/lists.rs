//! Lists at scale: N records (default 100,000) for N / 50 people in teams
//! of 500, each team with a lead and each person with 50 records of mixed
//! kinds (a quarter each: reflections, supervision with a supervisor from
//! the same team, audits, training). Records are written through the
//! application's use cases (the same validation, access log and index
//! updates as over HTTP, without the HTTP round trip), then every list is
//! timed through HTTP against the real server:
//!
//! - a practitioner's own records of each kind;
//! - a supervisor's list of the supervision they give;
//! - a lead's list of each kind across a team of 500;
//! - and, as the floor under all of them, the caller's account.
//!
//! Run on a release build: `cargo bench --bench lists` (or set
//! CPDFOLIO_BENCH_N). Prints the median and p99 of 200 requests per list.

mod common;

use std::time::Instant;

use common::{Bench, report};
use cpdfolio::app::CurrentUser;
use cpdfolio::domain::audit::AuditDraft;
use cpdfolio::domain::reflection::{ActivityType, ReflectionDraft, ReflectiveModel};
use cpdfolio::domain::supervision::SupervisionDraft;
use cpdfolio::domain::training::TrainingDraft;
use serde_json::json;
use time::{Date, Duration, Month};

const PER_PERSON: usize = 50;
const TEAM_SIZE: usize = 500;
const ROUNDS: usize = 200;

fn day(i: usize) -> Date {
    Date::from_calendar_date(2025, Month::January, 1).unwrap() + Duration::days((i % 600) as i64)
}

fn iso(date: Date) -> String {
    cpdfolio::domain::dates::iso(date)
}

async fn seed_person(bench: &Bench, me: &CurrentUser, supervisor: &str, person: usize) {
    let app = &bench.app;
    for i in 0..PER_PERSON {
        let date = day(person * 7 + i * 11);
        match i % 4 {
            0 => {
                let draft = ReflectionDraft {
                    title: format!("Reflection {i} of person {person}"),
                    activity_date: date,
                    activity_type: ActivityType::WorkBasedLearning,
                    hours: Some(1.0),
                    model: ReflectiveModel::Gibbs,
                    body: format!("Graded activity and routines with a person, note {i}."),
                    learning: "Small steps first.".to_owned(),
                    impact: String::new(),
                    benefit: String::new(),
                    tags: vec!["routine".to_owned()],
                    standards: vec![8],
                    links: Vec::new(),
                };
                app.create_evidence(me, draft).await.unwrap();
            }
            1 => {
                let draft: SupervisionDraft = serde_json::from_value(json!({
                    "date": iso(date), "duration_minutes": 60, "supervision_type": "clinical",
                    "supervisor_id": supervisor, "external_supervisor_name": null,
                    "external_supervisor_role": null, "topics": ["caseload"],
                    "reflection": format!("Supervision on caseload {i}"),
                    "safeguarding_discussed": false, "wellbeing_discussed": true,
                    "actions": [], "next_date": null
                }))
                .unwrap();
                app.create_evidence(me, draft).await.unwrap();
            }
            2 => {
                let draft: AuditDraft = serde_json::from_value(json!({
                    "title": format!("Falls audit {i}"), "audit_kind": "clinical_audit",
                    "my_role": "auditor", "standard": "NICE NG249", "started_on": iso(date),
                    "completed_on": null, "outcome_measures": ["COPM"],
                    "findings": "62% screened", "actions": "", "reaudit_due": null
                }))
                .unwrap();
                app.create_evidence(me, draft).await.unwrap();
            }
            _ => {
                let draft: TrainingDraft = serde_json::from_value(json!({
                    "course": "fire-safety-l1", "completed_on": iso(date), "provider": "Trust",
                    "certificate_expires_on": null, "notes": "", "course_title": "",
                    "expires_on": null
                }))
                .unwrap();
                app.create_evidence(me, draft).await.unwrap();
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let n = common::size(100_000);
    let people = (n / PER_PERSON).max(2);
    let bench = Bench::start().await;
    let members = bench.teams_of(people, TEAM_SIZE).await;

    let started = Instant::now();
    let bench_ref = &bench;
    for chunk in (0..people).collect::<Vec<_>>().chunks(4) {
        let mut tasks = Vec::new();
        for &person in chunk {
            let user = bench
                .app
                .store()
                .user(&members[person].1)
                .await
                .unwrap()
                .unwrap();
            let me = CurrentUser {
                user,
                token_digest: String::new(),
            };
            // Each person's supervisor is the next person in the same team.
            let team_start = person / TEAM_SIZE * TEAM_SIZE;
            let team_end = (team_start + TEAM_SIZE).min(people);
            let next = if person + 1 < team_end {
                person + 1
            } else {
                team_start
            };
            let supervisor = members[next].1.clone();
            tasks.push(async move { seed_person(bench_ref, &me, &supervisor, person).await });
        }
        futures_join_all(tasks).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "created {} records in {seconds:.1} s ({:.0} records/s through the use cases)",
        people * PER_PERSON,
        (people * PER_PERSON) as f64 / seconds
    );
    bench.app.flush_search().await.unwrap();

    let practitioner = bench.login(&members[0].0).await;
    let supervisor = bench.login(&members[1].0).await;
    let lead = bench.login("lead0@example.nhs.uk").await;
    // What every list pays before its query: HTTP, the session and the
    // account, read by the cheapest authenticated request.
    let mut samples = Vec::new();
    for _ in 0..ROUNDS {
        samples.push(bench.timed_get("/api/v1/me", &practitioner).await);
    }
    report(
        "account (GET /api/v1/me), the floor under every list",
        samples,
    );
    for (who, token) in [("own", &practitioner), ("lead of 500", &lead)] {
        for kind in ["reflections", "supervision", "audits", "training"] {
            let mut samples = Vec::new();
            for round in 0..ROUNDS {
                let path = format!("/api/v1/{kind}?limit=20&offset={}", (round % 5) * 20);
                samples.push(bench.timed_get(&path, token).await);
            }
            report(&format!("{kind} list, {who}, {n} records"), samples);
        }
    }
    let mut samples = Vec::new();
    for _ in 0..ROUNDS {
        samples.push(
            bench
                .timed_get("/api/v1/supervision?limit=20", &supervisor)
                .await,
        );
    }
    report(
        &format!("supervision list, supervisor, {n} records"),
        samples,
    );
}

/// Runs the futures together on this task (the seeding is I/O bound).
async fn futures_join_all<F: std::future::Future<Output = ()>>(tasks: Vec<F>) {
    let mut pinned: Vec<_> = tasks.into_iter().map(Box::pin).collect();
    std::future::poll_fn(|cx| {
        pinned.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if pinned.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}
