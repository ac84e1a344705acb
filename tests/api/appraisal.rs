//! The appraisal pack: the year's CPD hours by type, supervision with its
//! sign-off, compliance, audits, chosen reflections and objectives, as
//! JSON, HTML and PDF; a lead reads it only while the member shares it.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::profile_documents::poppler;

const PERIOD: &str = "from=2026-01-01&to=2026-11-28";

async fn id_of(t: &TestApp, token: &str) -> String {
    let (_, me) = t.get("/api/v1/me", Some(token)).await;
    me["id"].as_str().unwrap().to_owned()
}

/// Sam (in Riverside, led by the lead) with a year of records; returns
/// (sam, lead, the two reflections' ids).
async fn sams_year(t: &TestApp) -> (String, String, Vec<String>) {
    let (sam, lead) = riverside_team(t).await;
    let (_, jo) = t.practitioner("jo@example.nhs.uk").await;
    let jo_id = id_of(t, &jo).await;
    let mut first = entry("Sensory workshop", "2026-02-01", "formal_education");
    first["hours"] = json!(3);
    let first = t.create_entry(&sam, &first).await;
    let second = t
        .create_entry(
            &sam,
            &entry("Falls huddle", "2026-03-01", "work_based_learning"),
        )
        .await;
    let session = create_record(
        t,
        &sam,
        "/api/v1/supervision",
        &supervision("2026-03-10", Some(&jo_id), "Caseload review."),
    )
    .await;
    let (status, _) = t
        .post(&format!("{session}/submit"), Some(&sam), &json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, _) = t
        .post(&format!("{session}/sign-off"), Some(&jo), &json!({}))
        .await;
    assert_eq!(status, 200);
    create_record(
        t,
        &sam,
        "/api/v1/audits",
        &audit("Falls screening audit", "62% screened"),
    )
    .await;
    create_record(
        t,
        &sam,
        "/api/v1/training",
        &training("fire-safety-l1", "2026-01-10", ""),
    )
    .await;
    for (title, due, status) in [
        ("Lead a falls group", "2026-10-31", "in_progress"),
        ("Supervise a student", "2027-03-31", "not_started"),
        ("Old achieved goal", "2025-06-30", "achieved"),
    ] {
        create_record(
            t,
            &sam,
            "/api/v1/objectives",
            &json!({"title": title, "agreed_on": "2025-04-01", "due_on": due, "status": status,
                    "progress": "Shadowed two sessions."}),
        )
        .await;
    }
    (sam, lead, vec![first, second])
}

#[tokio::test]
async fn the_pack_reports_the_year_of_each_kind_of_record() {
    let t = TestApp::spawn().await;
    let (sam, _, reflections) = sams_year(&t).await;
    let (status, pack) = t
        .get(&format!("/api/v1/me/appraisal-pack?{PERIOD}"), Some(&sam))
        .await;
    assert_eq!(status, 200, "{pack}");
    assert_eq!(
        (&pack["from"], &pack["to"]),
        (&json!("2026-01-01"), &json!("2026-11-28"))
    );
    assert_eq!(
        pack["hours_by_type"],
        json!([
            {"activity_type": "work_based_learning", "activities": 3, "hours": 2.5},
            {"activity_type": "formal_education", "activities": 2, "hours": 3.0}
        ])
    );
    assert_eq!(
        (&pack["total_activities"], &pack["total_hours"]),
        (&json!(5), &json!(5.5))
    );
    assert_eq!(pack["supervision"].as_array().unwrap().len(), 1);
    let session = &pack["supervision"][0];
    assert_eq!(
        (&session["date"], &session["minutes"], &session["signed"]),
        (&json!("2026-03-10"), &json!(60), &json!(true))
    );
    let sign_off = session["sign_off"].as_str().unwrap();
    assert!(
        sign_off.starts_with("Signed off by Test jo@example.nhs.uk on "),
        "{sign_off}"
    );
    assert!(
        pack["compliance"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["title"] == "Fire safety" && c["status"] == "compliant"),
        "{}",
        pack["compliance"]
    );
    assert_eq!(pack["audits"][0]["title"], "Falls screening audit");
    let titles = |key: &str| -> Vec<String> {
        pack[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(titles("reflections"), ["Sensory workshop", "Falls huddle"]);
    assert_eq!(
        titles("objectives"),
        ["Lead a falls group", "Supervise a student"]
    );
    assert_eq!(pack["objectives"][0]["overdue"], true);
    assert_eq!(pack["objectives"][1]["overdue"], false);

    let (_, chosen) = t
        .get(
            &format!(
                "/api/v1/me/appraisal-pack?{PERIOD}&reflections={}",
                reflections[1]
            ),
            Some(&sam),
        )
        .await;
    assert_eq!(chosen["reflections"].as_array().unwrap().len(), 1);
    assert_eq!(chosen["reflections"][0]["title"], "Falls huddle");
    let (status, body) = t
        .get(
            &format!(
                "/api/v1/me/appraisal-pack?{PERIOD}&reflections={}",
                "a".repeat(32)
            ),
            Some(&sam),
        )
        .await;
    assert_problem(status, &body, 404);
    let (status, body) = t
        .get(
            "/api/v1/me/appraisal-pack?from=2026-05-01&to=2026-01-01",
            Some(&sam),
        )
        .await;
    assert_problem(status, &body, 422);
    let (status, body) = t
        .get("/api/v1/me/appraisal-pack?format=docx", Some(&sam))
        .await;
    assert_problem(status, &body, 400);
}

#[tokio::test]
async fn the_pack_reads_as_a_web_page_and_an_a4_pdf() {
    let t = TestApp::spawn().await;
    let (sam, _, _) = sams_year(&t).await;
    let resp = t
        .http
        .get(t.url(&format!("/api/v1/me/appraisal-pack?{PERIOD}&format=html")))
        .bearer_auth(&sam)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
    let html = resp.text().await.unwrap();
    for expected in [
        "<h1>Appraisal pack: Test sam@example.nhs.uk</h1>",
        "<h2>Personal development plan</h2>",
        "<td>In progress (past its date)</td>",
        "<td>Falls screening audit</td>",
    ] {
        assert!(html.contains(expected), "{expected} not in {html}");
    }

    let resp = t
        .http
        .get(t.url(&format!("/api/v1/me/appraisal-pack?{PERIOD}&format=pdf")))
        .bearer_auth(&sam)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-disposition"],
        "attachment; filename=\"appraisal-pack-2026-01-01-to-2026-11-28.pdf\""
    );
    let pdf = resp.bytes().await.unwrap();
    let text = poppler("pdftotext", &[], &pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for expected in [
        "Appraisal pack Test sam@example.nhs.uk",
        "Period 1 January 2026 to 28 November 2026",
        "CPD activity by type",
        "Total 5 5.5",
        "Supervision",
        "Personal development plan",
        "Supervise a student",
        "Page 1 of",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
}

#[tokio::test]
async fn a_lead_reads_a_members_pack_only_while_it_is_shared() {
    let t = TestApp::spawn().await;
    let (sam, lead, _) = sams_year(&t).await;
    let (sam_id, lead_id) = (id_of(&t, &sam).await, id_of(&t, &lead).await);
    t.user("hill@example.nhs.uk", role("lead"), Some("Hillside"))
        .await;
    let other_lead = t.login("hill@example.nhs.uk").await;
    let other_id = id_of(&t, &other_lead).await;
    let members_pack = format!("/api/v1/users/{sam_id}/appraisal-pack?{PERIOD}");

    let (status, body) = t.get(&members_pack, Some(&lead)).await;
    assert_problem(status, &body, 404);
    let (status, body) = t
        .put(
            &format!("/api/v1/me/appraisal-pack/shares/{other_id}"),
            Some(&sam),
            &json!({}),
        )
        .await;
    assert_problem(status, &body, 422);
    assert_eq!(
        body["errors"][0]["message"],
        "is not a lead of one of your teams"
    );
    let (status, shared) = t
        .put(
            &format!("/api/v1/me/appraisal-pack/shares/{lead_id}"),
            Some(&sam),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{shared}");
    assert_eq!(
        shared,
        json!([{"id": lead_id, "name": "Test lead@example.nhs.uk"}])
    );

    let (status, pack) = t.get(&members_pack, Some(&lead)).await;
    assert_eq!(status, 200, "{pack}");
    assert_eq!(pack["objectives"].as_array().unwrap().len(), 2);
    assert_eq!(pack["reflections"], json!([]), "reflections stay private");
    let (_, log) = t.get("/api/v1/me/access-log", Some(&sam)).await;
    let mut read: Vec<(String, String)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor_id"] == lead_id.as_str() && e["action"] == "read")
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["record_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    read.sort();
    let kinds: Vec<&str> = read.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["audit", "objective", "objective", "supervision"],
        "{log}"
    );
    for token in [&other_lead, &sam] {
        let (status, body) = t.get(&members_pack, Some(token)).await;
        assert_problem(status, &body, 404);
    }
    let (status, body) = t
        .get(
            "/api/v1/users/'%3B%20DELETE%20user%3B%20--/appraisal-pack",
            Some(&lead),
        )
        .await;
    assert_problem(status, &body, 404);

    let (status, left) = t
        .delete(
            &format!("/api/v1/me/appraisal-pack/shares/{lead_id}"),
            Some(&sam),
        )
        .await;
    assert_eq!((status, left), (200, json!([])));
    let (status, body) = t.get(&members_pack, Some(&lead)).await;
    assert_problem(status, &body, 404);
    let (status, body) = t
        .delete(
            &format!("/api/v1/me/appraisal-pack/shares/{lead_id}"),
            Some(&sam),
        )
        .await;
    assert_problem(status, &body, 404);
}

#[tokio::test]
async fn a_flagged_record_in_the_pack_holds_it_back() {
    let t = TestApp::spawn().await;
    let (sam, _, _) = sams_year(&t).await;
    let body: Value = json!({"title": "Home visits", "agreed_on": "2026-04-01", "due_on": "2026-12-31",
        "progress": "Mrs Patel asked for the group."});
    create_record(&t, &sam, "/api/v1/objectives", &body).await;
    let (status, problem) = t
        .get(&format!("/api/v1/me/appraisal-pack?{PERIOD}"), Some(&sam))
        .await;
    assert_problem(status, &problem, 409);
    assert!(problem.to_string().contains("Mrs Patel"), "{problem}");
}
