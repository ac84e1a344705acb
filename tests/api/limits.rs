//! One person cannot grow the database without bound: records per person,
//! versions per record and addenda per record each stop at a configured
//! limit with a clear 409, and the refused change stores nothing.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_person_keeps_at_most_the_configured_number_of_records() {
    let t = TestApp::spawn_with(|c| c.max_records_per_user = 2).await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    t.create_entry(&token, &entry("One", "2026-01-05", "work_based_learning"))
        .await;
    let (status, _) = t
        .post("/api/v1/audits", Some(&token), &audit("Two", "Findings"))
        .await;
    assert_eq!(status, 201);
    let (status, body) = t
        .post(
            "/api/v1/reflections",
            Some(&token),
            &entry("Three", "2026-01-07", "work_based_learning"),
        )
        .await;
    assert_problem(status, &body, 409);
    assert_eq!(
        body["detail"],
        "you have reached the limit of 2 records; delete some or ask your administrator"
    );
    let (_, list) = t.get("/api/v1/reflections", Some(&token)).await;
    assert_eq!(list["total"], 1);
    let (_, other) = t.practitioner("kim@example.nhs.uk").await;
    t.create_entry(&other, &entry("Kim's", "2026-01-05", "work_based_learning"))
        .await;
}

#[tokio::test]
async fn a_record_stops_at_the_configured_number_of_versions() {
    let t = TestApp::spawn_with(|c| c.max_versions_per_record = 3).await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let id = t
        .create_entry(&token, &entry("v1", "2026-01-05", "work_based_learning"))
        .await;
    let path = format!("/api/v1/reflections/{id}");
    for version in 2..=3 {
        let body = entry(&format!("v{version}"), "2026-01-05", "work_based_learning");
        let (status, saved) = t.put(&path, Some(&token), &body).await;
        assert_eq!((status, saved["version"].clone()), (200, json!(version)));
    }
    let (status, body) = t
        .put(
            &path,
            Some(&token),
            &entry("v4", "2026-01-05", "work_based_learning"),
        )
        .await;
    assert_problem(status, &body, 409);
    assert_eq!(
        body["detail"],
        "this reflective entry has reached the limit of 3 versions and cannot be changed again"
    );
    let (_, current) = t.get(&path, Some(&token)).await;
    assert_eq!(
        (current["title"].clone(), current["version"].clone()),
        (json!("v3"), json!(3))
    );
}

#[tokio::test]
async fn a_supervision_record_stops_at_the_configured_number_of_addenda() {
    let t = TestApp::spawn_with(|c| c.max_addenda_per_record = 1).await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let (status, created) = t
        .post(
            "/api/v1/supervision",
            Some(&token),
            &supervision("2026-01-05", None, "Caseload review"),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let addenda = format!(
        "/api/v1/supervision/{}/addenda",
        created["id"].as_str().unwrap()
    );
    let (status, _) = t
        .post(&addenda, Some(&token), &json!({"text": "First note"}))
        .await;
    assert_eq!(status, 200);
    let (status, body) = t
        .post(&addenda, Some(&token), &json!({"text": "Second note"}))
        .await;
    assert_problem(status, &body, 409);
    assert_eq!(
        body["detail"],
        "this supervision record already has the limit of 1 addenda"
    );
}
