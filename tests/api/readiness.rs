//! The audit-readiness verdict: each HCPC CPD standard judged for the
//! registration period, with the reason and the next step.

use std::sync::Arc;

use cpdfolio::app::FixedClock;
use serde_json::{Value, json};
use time::macros::datetime;

use crate::helpers::*;

async fn readiness(t: &TestApp, token: &str) -> Value {
    let (status, body) = t.get("/api/v1/me/audit-readiness", Some(token)).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn unmet(r: &Value) -> Vec<(u64, String)> {
    r["standards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["met"] == false)
        .map(|s| {
            (
                s["standard"].as_u64().unwrap(),
                s["next_step"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn dated(title: &str, date: &str, kind: &str) -> Value {
    entry(title, date, kind)
}

#[tokio::test]
async fn a_record_is_judged_for_its_registration_period_and_becomes_ready() {
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-25 09:00 UTC)));
    let t = TestApp::spawn_with_clock(clock).await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;

    let empty = readiness(&t, &sam).await;
    assert_eq!(empty["verdict"], "not_yet");
    assert_eq!(empty["from"], "2024-11-25", "two years without a cycle");
    assert_eq!(empty["to"], "2026-11-25");
    assert_eq!(
        unmet(&empty).iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );

    let (status, body) = t
        .patch(
            "/api/v1/me/registration",
            Some(&sam),
            &json!({"profession": "occupational_therapist", "registration_ends": "2027-10-31"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    for (title, date, kind) in [
        ("Falls pathway", "2025-11-20", "work_based_learning"),
        ("Sensory course", "2026-01-15", "formal_education"),
        ("Journal club", "2026-03-30", "professional_activity"),
        ("Case review", "2026-06-10", "work_based_learning"),
    ] {
        t.create_entry(&sam, &dated(title, date, kind)).await;
    }
    let gap = readiness(&t, &sam).await;
    assert_eq!(gap["from"], "2025-11-01", "the day after the last renewal");
    assert_eq!(
        unmet(&gap),
        vec![
            (1, "No entry since 10 June 2026: add one.".to_owned()),
            (
                5,
                "Write your summary of practice (up to 500 words) on your account page.".to_owned()
            ),
        ]
    );
    assert_eq!(
        gap["standards"][1]["reason"],
        "3 types: work-based learning (2), professional activity (1), formal / educational (1)."
    );

    t.create_entry(
        &sam,
        &dated(
            "Supervision reflection",
            "2026-09-01",
            "work_based_learning",
        ),
    )
    .await;
    t.create_entry(
        &sam,
        &dated("Groups audit", "2026-11-20", "work_based_learning"),
    )
    .await;
    let (status, body) = t
        .patch(
            "/api/v1/me",
            Some(&sam),
            &json!({"practice_summary": "I am an OT in primary care.", "hcpc_number": "OT12345"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let ready = readiness(&t, &sam).await;
    assert_eq!(ready["verdict"], "ready", "{ready}");
    assert!(
        ready["standards"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["next_step"].is_null())
    );

    let (status, _) = t
        .post("/api/v1/reflections", Some(&sam), &{
            let mut e = dated("Visit", "2026-11-21", "work_based_learning");
            e["body"] = json!("Saw Mr Shah today.");
            e
        })
        .await;
    assert_eq!(status, 201);
    let flagged = readiness(&t, &sam).await;
    assert_eq!(flagged["verdict"], "not_yet");
    assert_eq!(
        unmet(&flagged),
        vec![(
            5,
            "Open the CPD profile page, then edit each passage out or mark it checked.".to_owned()
        )]
    );
}

#[tokio::test]
async fn readiness_needs_a_portfolio_and_a_session() {
    let t = TestApp::spawn().await;
    let (status, body) = t.get("/api/v1/me/audit-readiness", None).await;
    assert_problem(status, &body, 401);
    let (_, admin) = t.admin().await;
    let (status, body) = t.get("/api/v1/me/audit-readiness", Some(&admin)).await;
    assert_problem(status, &body, 403);
}
