//! Training expiry and verification, attachments, history, the access log,
//! teams and the profile over every record kind (sign-off is in
//! `signoff.rs`), one rule per test.

use serde_json::{Value, json};

use crate::helpers::*;
use cpdfolio::domain::user::Role;

// Training expiry and verification.

#[tokio::test]
async fn training_expiry_is_counted_in_calendar_months() {
    let t = TestApp::spawn().await;
    let (sam, _) = riverside_team(&t).await;
    for (course, completed, expires) in [
        (
            "information-governance-l1",
            "2024-02-29",
            Value::from("2025-02-28"),
        ),
        (
            "information-governance-l1",
            "2025-01-31",
            Value::from("2026-01-31"),
        ),
        ("fire-safety-l1", "2025-12-31", Value::from("2027-12-31")),
        (
            "conflict-resolution-l1",
            "2025-02-28",
            Value::from("2028-02-28"),
        ),
        ("moving-handling-l1", "2025-03-31", Value::Null),
    ] {
        let (status, record) = t
            .post(
                "/api/v1/training",
                Some(&sam),
                &training(course, completed, ""),
            )
            .await;
        assert_eq!(status, 201, "{record}");
        assert_eq!(
            record["expires_on"], expires,
            "{course} completed {completed}"
        );
    }
}

#[tokio::test]
async fn a_certificates_stated_expiry_replaces_the_refresher_interval() {
    let t = TestApp::spawn().await;
    let (sam, _) = riverside_team(&t).await;
    let (status, record) = t
        .post(
            "/api/v1/training",
            Some(&sam),
            &training_with_stated_expiry(),
        )
        .await;
    assert_eq!(status, 201, "{record}");
    assert_eq!(record["expires_on"], "2026-06-30");
    assert_eq!(
        record["course_title"],
        "Resuscitation: adult basic life support"
    );
}

#[tokio::test]
async fn a_practitioner_cannot_verify_their_own_training() {
    let t = TestApp::spawn().await;
    let (sam, _) = riverside_team(&t).await;
    let base = create_record(&t, &sam, "/api/v1/training", &training_with_stated_expiry()).await;
    let (status, problem) = t
        .post(&format!("{base}/verify"), Some(&sam), &json!({}))
        .await;
    assert_problem(status, &problem, 403);
}

#[tokio::test]
async fn a_lead_verifies_a_team_members_training() {
    let t = TestApp::spawn().await;
    let (sam, lead) = riverside_team(&t).await;
    let base = create_record(&t, &sam, "/api/v1/training", &training_with_stated_expiry()).await;
    let (status, verified) = t
        .post(&format!("{base}/verify"), Some(&lead), &json!({}))
        .await;
    assert_eq!(status, 200, "{verified}");
    assert!(verified["workflow"]["verified_at"].is_string());
}

#[tokio::test]
async fn a_lead_cannot_edit_a_team_members_training() {
    let t = TestApp::spawn().await;
    let (sam, lead) = riverside_team(&t).await;
    let stated = training_with_stated_expiry();
    let base = create_record(&t, &sam, "/api/v1/training", &stated).await;
    let (status, problem) = t.put(&base, Some(&lead), &stated).await;
    assert_problem(status, &problem, 403);
}

#[tokio::test]
async fn an_edit_to_verified_training_needs_verifying_again() {
    let t = TestApp::spawn().await;
    let (sam, lead) = riverside_team(&t).await;
    let stated = training_with_stated_expiry();
    let base = create_record(&t, &sam, "/api/v1/training", &stated).await;
    let (status, verified) = t
        .post(&format!("{base}/verify"), Some(&lead), &json!({}))
        .await;
    assert_eq!(status, 200, "{verified}");
    let (status, edited) = t.put(&base, Some(&sam), &stated).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(
        edited["workflow"]["verified_at"],
        Value::Null,
        "an edit needs verifying again"
    );
}

#[tokio::test]
async fn training_for_a_course_not_in_the_catalogue_is_refused() {
    let t = TestApp::spawn().await;
    let (sam, _) = riverside_team(&t).await;
    let (status, problem) = t
        .post(
            "/api/v1/training",
            Some(&sam),
            &training("juggling", "2026-01-01", ""),
        )
        .await;
    assert_problem(status, &problem, 422);
    assert_eq!(problem["errors"][0]["field"], "course");
}

// Attachments.

#[tokio::test]
async fn an_attachments_type_comes_from_its_content_not_its_name() {
    let (t, sam, _, base) = audit_with_small_attachment_limit().await;
    let (status, png) = t
        .upload(&base, Some(&sam), "certificate.pdf", &png_bytes())
        .await;
    assert_eq!(status, 201, "{png}");
    assert_eq!(
        png["media_type"], "image/png",
        "the content decides, not the name"
    );
    assert_eq!(
        png["file_name"], "certificate.png",
        "the stored name's extension follows the content"
    );
}

#[tokio::test]
async fn an_attachment_of_an_unaccepted_type_is_refused() {
    let (t, sam, _, base) = audit_with_small_attachment_limit().await;
    let (status, problem) = t
        .upload(
            &base,
            Some(&sam),
            "tool.pdf",
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0",
        )
        .await;
    assert_problem(status, &problem, 415);
}

#[tokio::test]
async fn an_attachment_over_the_size_limit_is_refused() {
    let (t, sam, _, base) = audit_with_small_attachment_limit().await;
    let (status, problem) = t
        .upload(&base, Some(&sam), "big.pdf", &pdf_bytes(&"x".repeat(5000)))
        .await;
    assert_problem(status, &problem, 413);
    let (status, problem) = t
        .upload(
            &base,
            Some(&sam),
            "huge.pdf",
            &pdf_bytes(&"x".repeat(200_000)),
        )
        .await;
    assert_problem(status, &problem, 413);
}

/// Attaches the same PDF twice, as `../../report.pdf` and `report copy.pdf`.
async fn report_twice(t: &TestApp, sam: &str, base: &str) -> (Value, Value) {
    let (status, first) = t
        .upload(base, Some(sam), "../../report.pdf", &pdf_bytes("report"))
        .await;
    assert_eq!(status, 201);
    let (status, second) = t
        .upload(base, Some(sam), "report copy.pdf", &pdf_bytes("report"))
        .await;
    assert_eq!(status, 201, "{second}");
    (first, second)
}

#[tokio::test]
async fn the_same_file_attached_twice_is_stored_once() {
    let (t, sam, _, base) = audit_with_small_attachment_limit().await;
    let (first, second) = report_twice(&t, &sam, &base).await;
    assert_eq!(first["file_name"], "report.pdf");
    assert_eq!(first["sha256"], second["sha256"]);
    let digest = first["sha256"].as_str().unwrap();
    let stored: Vec<_> = std::fs::read_dir(t.data.path().join("attachments").join(&digest[..2]))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        stored,
        vec![std::ffi::OsString::from(digest)],
        "the same file is stored once"
    );
}

#[tokio::test]
async fn an_attachment_downloads_as_a_named_attachment() {
    let (t, sam, _, base) = audit_with_small_attachment_limit().await;
    let (first, _) = report_twice(&t, &sam, &base).await;
    let download = t.url(first["href"].as_str().unwrap());
    let resp = t
        .http
        .get(&download)
        .bearer_auth(&sam)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-disposition"],
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    );
    assert_eq!(
        resp.bytes().await.unwrap().as_ref(),
        pdf_bytes("report").as_slice()
    );
}

#[tokio::test]
async fn a_stranger_cannot_download_an_attachment() {
    let (t, sam, stranger, base) = audit_with_small_attachment_limit().await;
    let (first, _) = report_twice(&t, &sam, &base).await;
    let download = t.url(first["href"].as_str().unwrap());
    let (status, _, _) = t.send(t.http.get(&download), Some(&stranger)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_owner_lists_every_attachment_of_a_record() {
    let (t, sam, _, base) = audit_with_small_attachment_limit().await;
    let (status, png) = t
        .upload(&base, Some(&sam), "certificate.pdf", &png_bytes())
        .await;
    assert_eq!(status, 201, "{png}");
    report_twice(&t, &sam, &base).await;
    let (status, listed) = t.get(&base, Some(&sam)).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_stranger_cannot_remove_an_attachment() {
    let (t, sam, stranger, base) = audit_with_small_attachment_limit().await;
    let (first, _) = report_twice(&t, &sam, &base).await;
    let (status, _) = t
        .delete(first["href"].as_str().unwrap(), Some(&stranger))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_stored_file_is_removed_with_the_last_attachment_that_uses_it() {
    let (t, sam, _, base) = audit_with_small_attachment_limit().await;
    let (first, second) = report_twice(&t, &sam, &base).await;
    let digest = first["sha256"].as_str().unwrap();
    let (status, _) = t.delete(first["href"].as_str().unwrap(), Some(&sam)).await;
    assert_eq!(status, 204);
    assert!(stored_file(&t, digest).is_file(), "still used by the copy");
    let (status, _) = t.delete(second["href"].as_str().unwrap(), Some(&sam)).await;
    assert_eq!(status, 204);
    assert!(
        !stored_file(&t, digest).exists(),
        "unused files are removed"
    );
}

// History.

/// A reflection of `sam` replaced three times: its id.
async fn entry_in_four_versions(t: &TestApp, sam: &str) -> String {
    let id = t
        .create_entry(
            sam,
            &entry("Version 1", "2026-03-01", "work_based_learning"),
        )
        .await;
    for n in 2..=4 {
        let (status, _) = t
            .put(
                &format!("/api/v1/reflections/{id}"),
                Some(sam),
                &entry(&format!("Version {n}"), "2026-03-01", "work_based_learning"),
            )
            .await;
        assert_eq!(status, 200);
    }
    id
}

#[tokio::test]
async fn history_keeps_every_replaced_version() {
    let t = TestApp::spawn().await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let id = entry_in_four_versions(&t, &sam).await;
    let (status, history) = t
        .get(&format!("/api/v1/reflections/{id}/history"), Some(&sam))
        .await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(history["current_version"], 4);
    let titles: Vec<(u64, &str)> = history["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["content"]["title"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        titles,
        [(3, "Version 3"), (2, "Version 2"), (1, "Version 1")]
    );
}

#[tokio::test]
async fn another_practitioner_cannot_read_the_history() {
    let t = TestApp::spawn().await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let id = entry_in_four_versions(&t, &sam).await;
    let (status, _) = t
        .get(
            &format!("/api/v1/reflections/{id}/history"),
            Some(&t.practitioner("x@example.nhs.uk").await.1),
        )
        .await;
    assert_eq!(status, 404);
}

// The access log.

/// Sam's training record, read and listed by the team's lead, who then
/// verifies it: `(sam, lead id, record id)`.
async fn training_read_by_the_lead(t: &TestApp) -> (String, String, String) {
    t.user(
        "sam@example.nhs.uk",
        Role::Practitioner,
        Some("Riverside PCN"),
    )
    .await;
    let lead_id = t
        .user("lead@example.nhs.uk", Role::Lead, Some("Riverside PCN"))
        .await;
    let sam = t.login("sam@example.nhs.uk").await;
    let lead = t.login("lead@example.nhs.uk").await;
    let (_, record) = t
        .post(
            "/api/v1/training",
            Some(&sam),
            &training("fire-safety-l1", "2026-01-10", ""),
        )
        .await;
    let id = record["id"].as_str().unwrap().to_owned();
    t.get(&format!("/api/v1/training/{id}"), Some(&sam)).await;
    t.get(&format!("/api/v1/training/{id}"), Some(&lead)).await;
    t.get("/api/v1/training", Some(&lead)).await;
    t.post(
        &format!("/api/v1/training/{id}/verify"),
        Some(&lead),
        &json!({}),
    )
    .await;
    (sam, lead_id, id)
}

#[tokio::test]
async fn the_owners_own_reads_and_changes_are_not_in_their_access_log() {
    let t = TestApp::spawn().await;
    let (sam, _) = riverside_team(&t).await;
    let (_, record) = t
        .post(
            "/api/v1/training",
            Some(&sam),
            &training("fire-safety-l1", "2026-01-10", ""),
        )
        .await;
    let id = record["id"].as_str().unwrap();
    t.get(&format!("/api/v1/training/{id}"), Some(&sam)).await;
    let (_, log) = t.get("/api/v1/me/access-log", Some(&sam)).await;
    assert_eq!(
        log["total"], 0,
        "the owner's own reads and changes are not someone else's: {log}"
    );
}

#[tokio::test]
async fn a_leads_reads_and_verification_appear_in_the_access_log() {
    let t = TestApp::spawn().await;
    let (sam, lead_id, id) = training_read_by_the_lead(&t).await;
    let (_, log) = t.get("/api/v1/me/access-log", Some(&sam)).await;
    let entries: Vec<(&str, &str, &str, &str)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor_id"].as_str().unwrap(),
                e["kind"].as_str().unwrap(),
                e["record_id"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
            )
        })
        .collect();
    let mut actions: Vec<&str> = entries.iter().map(|e| e.3).collect();
    actions.sort();
    assert_eq!(actions, ["read", "read", "read", "verify"]);
    assert!(
        entries
            .iter()
            .all(|e| e.0 == lead_id && e.1 == "training" && e.2 == id)
    );
    assert_eq!(log["items"][0]["actor_name"], "Test lead@example.nhs.uk");
}

#[tokio::test]
async fn the_access_log_shows_the_owners_own_changes_when_asked() {
    let t = TestApp::spawn().await;
    let (sam, _, _) = training_read_by_the_lead(&t).await;
    let (_, mine) = t
        .get("/api/v1/me/access-log?include_mine=true", Some(&sam))
        .await;
    assert_eq!(
        mine["total"], 5,
        "create by the owner is logged too: {mine}"
    );
}

#[tokio::test]
async fn the_access_log_cannot_be_changed_or_erased() {
    let t = TestApp::spawn().await;
    let (sam, _, _) = training_read_by_the_lead(&t).await;
    let tamper = t
        .app
        .store()
        .raw_query_for_tests("UPDATE access_log SET action = 'nothing'")
        .await;
    assert!(tamper.unwrap_err().to_string().contains("append-only"));
    let erase = t.app.store().raw_query_for_tests("DELETE access_log").await;
    assert!(erase.is_err());
    let (_, log) = t.get("/api/v1/me/access-log", Some(&sam)).await;
    assert_eq!(log["total"], 4);
}

// Teams.

/// North Surgery (sam, and lead1 and lead2 as leads) and South Surgery
/// (sam, and lead2 as lead), made by an admin.
struct TwoTeams {
    admin: String,
    north: String,
    lead1: String,
}

async fn two_teams(t: &TestApp) -> TwoTeams {
    t.user("admin@example.nhs.uk", Role::Admin, None).await;
    let admin = t.login("admin@example.nhs.uk").await;
    let sam_id = t.user("sam@example.nhs.uk", Role::Practitioner, None).await;
    let lead1 = t
        .user("lead1@example.nhs.uk", Role::Practitioner, None)
        .await;
    let lead2 = t
        .user("lead2@example.nhs.uk", Role::Practitioner, None)
        .await;
    let (status, north) = t
        .post(
            "/api/v1/admin/teams",
            Some(&admin),
            &json!({"name": "North Surgery"}),
        )
        .await;
    assert_eq!(status, 201, "{north}");
    let (status, south) = t
        .post(
            "/api/v1/admin/teams",
            Some(&admin),
            &json!({"name": "South Surgery"}),
        )
        .await;
    assert_eq!(status, 201, "{south}");
    let north = north["id"].as_str().unwrap().to_owned();
    let south = south["id"].as_str().unwrap();
    for (team, user, lead) in [
        (north.as_str(), &sam_id, false),
        (south, &sam_id, false),
        (north.as_str(), &lead1, true),
        (north.as_str(), &lead2, true),
        (south, &lead2, true),
    ] {
        let (status, body) = t
            .put(
                &format!("/api/v1/admin/teams/{team}/members/{user}"),
                Some(&admin),
                &json!({"is_lead": lead}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    TwoTeams {
        admin,
        north,
        lead1,
    }
}

/// Sam's training record: its path.
async fn sams_training(t: &TestApp) -> String {
    let sam = t.login("sam@example.nhs.uk").await;
    create_record(
        t,
        &sam,
        "/api/v1/training",
        &training("fire-safety-l1", "2026-01-10", ""),
    )
    .await
}

#[tokio::test]
async fn a_team_name_is_taken_once() {
    let t = TestApp::spawn().await;
    let teams = two_teams(&t).await;
    let (status, problem) = t
        .post(
            "/api/v1/admin/teams",
            Some(&teams.admin),
            &json!({"name": "North Surgery"}),
        )
        .await;
    assert_problem(status, &problem, 409);
}

#[tokio::test]
async fn a_blank_team_name_is_refused() {
    let t = TestApp::spawn().await;
    let (_, admin) = t.admin().await;
    let (status, problem) = t
        .post("/api/v1/admin/teams", Some(&admin), &json!({"name": " "}))
        .await;
    assert_problem(status, &problem, 422);
}

#[tokio::test]
async fn a_team_can_have_several_leads() {
    let t = TestApp::spawn().await;
    let teams = two_teams(&t).await;
    let (_, listed) = t.get("/api/v1/admin/teams", Some(&teams.admin)).await;
    let leads: Vec<usize> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            t["members"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["is_lead"] == true)
                .count()
        })
        .collect();
    assert_eq!(leads, [2, 1]);
}

#[tokio::test]
async fn a_member_can_be_in_several_teams() {
    let t = TestApp::spawn().await;
    two_teams(&t).await;
    let sam = t.login("sam@example.nhs.uk").await;
    let (_, me) = t.get("/api/v1/me", Some(&sam)).await;
    assert_eq!(me["teams"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn every_lead_of_a_members_team_reads_their_records() {
    let t = TestApp::spawn().await;
    two_teams(&t).await;
    let path = sams_training(&t).await;
    for lead in ["lead1@example.nhs.uk", "lead2@example.nhs.uk"] {
        let token = t.login(lead).await;
        assert_eq!(t.get(&path, Some(&token)).await.0, 200, "{lead}");
        let (_, led) = t.get("/api/v1/teams", Some(&token)).await;
        assert!(!led.as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_former_lead_no_longer_sees_the_record() {
    let t = TestApp::spawn().await;
    let teams = two_teams(&t).await;
    let path = sams_training(&t).await;
    let (status, _) = t
        .delete(
            &format!(
                "/api/v1/admin/teams/{}/members/{}",
                teams.north, teams.lead1
            ),
            Some(&teams.admin),
        )
        .await;
    assert_eq!(status, 204);
    let lead1_token = t.login("lead1@example.nhs.uk").await;
    assert_eq!(
        t.get(&path, Some(&lead1_token)).await.0,
        404,
        "a former lead no longer sees the record"
    );
}

#[tokio::test]
async fn a_practitioner_cannot_create_a_team() {
    let t = TestApp::spawn().await;
    two_teams(&t).await;
    let sam = t.login("sam@example.nhs.uk").await;
    let (status, _) = t
        .post("/api/v1/admin/teams", Some(&sam), &json!({"name": "Mine"}))
        .await;
    assert_eq!(status, 403);
}

// The profile.

const PROFILE_Q1: &str = "/api/v1/me/cpd-profile?from=2026-01-01&to=2026-03-31";

/// One record of every kind in the first quarter of 2026, the training
/// with a certificate attached: `(sam, reflection id)`.
async fn one_record_of_every_kind(t: &TestApp) -> (String, String) {
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (supervisor_id, _) = t.practitioner("jo@example.nhs.uk").await;
    let reflection = t
        .create_entry(
            &sam,
            &entry("Graded activity", "2026-03-01", "self_directed_learning"),
        )
        .await;
    t.post(
        "/api/v1/supervision",
        Some(&sam),
        &supervision("2026-03-02", Some(&supervisor_id), "Risk"),
    )
    .await;
    t.post(
        "/api/v1/audits",
        Some(&sam),
        &audit("Falls audit", "62% met the standard"),
    )
    .await;
    let (_, course) = t
        .post(
            "/api/v1/training",
            Some(&sam),
            &training("fire-safety-l1", "2026-03-04", ""),
        )
        .await;
    let cert = format!(
        "/api/v1/training/{}/attachments",
        course["id"].as_str().unwrap()
    );
    assert_eq!(
        t.upload(
            &cert,
            Some(&sam),
            "fire-certificate.pdf",
            &pdf_bytes("fire")
        )
        .await
        .0,
        201
    );
    (sam, reflection)
}

async fn first_quarter_profile(t: &TestApp, sam: &str) -> Value {
    let (status, profile) = t.get(PROFILE_Q1, Some(sam)).await;
    assert_eq!(status, 200, "{profile}");
    profile
}

#[tokio::test]
async fn the_profile_lists_every_kind_as_its_activity_type() {
    let t = TestApp::spawn().await;
    let (sam, _) = one_record_of_every_kind(&t).await;
    let profile = first_quarter_profile(&t, &sam).await;
    let activities: Vec<(&str, &str)> = profile["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["title"].as_str().unwrap(),
                a["activity_type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        activities,
        [
            ("Falls audit", "work_based_learning"),
            ("Graded activity", "self_directed_learning"),
            ("Clinical supervision", "work_based_learning"),
            ("Fire safety", "formal_education"),
        ]
    );
}

#[tokio::test]
async fn the_profile_lists_attachments_as_evidence_by_name() {
    let t = TestApp::spawn().await;
    let (sam, _) = one_record_of_every_kind(&t).await;
    let profile = first_quarter_profile(&t, &sam).await;
    let evidence: Vec<&str> = profile["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["description"].as_str().unwrap())
        .collect();
    assert_eq!(evidence.len(), 6);
    assert_eq!(
        evidence[5],
        "Attachment to activity 4: fire-certificate.pdf"
    );
    assert_eq!(profile["activities"][3]["evidence"], json!([5, 6]));
}

#[tokio::test]
async fn the_profile_sees_a_mixture_of_activity_types() {
    let t = TestApp::spawn().await;
    let (sam, _) = one_record_of_every_kind(&t).await;
    let profile = first_quarter_profile(&t, &sam).await;
    assert_eq!(profile["checks"]["mixture"]["is_mixture"], true);
}

#[tokio::test]
async fn a_deleted_record_leaves_the_profile() {
    let t = TestApp::spawn().await;
    let (sam, reflection) = one_record_of_every_kind(&t).await;
    let (status, _) = t
        .delete(&format!("/api/v1/reflections/{reflection}"), Some(&sam))
        .await;
    assert_eq!(status, 204);
    let profile = first_quarter_profile(&t, &sam).await;
    assert_eq!(
        profile["activities"].as_array().unwrap().len(),
        3,
        "a deleted record leaves the profile"
    );
}

// The demo team.

/// The demo team seeded on 1 March 2026 (so its mixture of compliant,
/// due-soon and overdue people is fixed).
async fn demo() -> TestApp {
    let clock = std::sync::Arc::new(cpdfolio::app::FixedClock::new(
        time::macros::datetime!(2026-03-01 12:00 UTC),
    ));
    let t = TestApp::spawn_with_clock(clock).await;
    cpdfolio::demo::seed_if_empty(&t.app).await.unwrap();
    t
}

/// Logs in as `email` with the demo password.
async fn demo_login(t: &TestApp, email: &str) -> String {
    let (status, login) = t
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": email, "password": "demo-portfolio-2026"}),
        )
        .await;
    assert_eq!(status, 200, "{login}");
    login["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_demo_practitioner_holds_every_course_the_catalogue_requires_of_them() {
    let t = demo().await;
    let ot = demo_login(&t, "ot1@demo.cpdfolio.test").await;
    let (_, own) = t.get("/api/v1/training", Some(&ot)).await;
    assert_eq!(own["total"], 19);
}

#[tokio::test]
async fn the_demo_lead_reads_the_whole_teams_training() {
    let t = demo().await;
    let lead = demo_login(&t, "lead@demo.cpdfolio.test").await;
    let (_, team) = t.get("/api/v1/training?limit=100", Some(&lead)).await;
    assert_eq!(
        team["total"], 105,
        "the courses each of the seven demo staff's groups require, less one never done: {team}"
    );
}

#[tokio::test]
async fn the_demo_team_is_a_mixture_of_compliant_due_soon_and_overdue_people() {
    let t = demo().await;
    let lead = demo_login(&t, "lead@demo.cpdfolio.test").await;
    let (_, teams) = t.get("/api/v1/teams", Some(&lead)).await;
    let team_id = teams[0]["id"].as_str().unwrap();
    let (status, compliance) = t
        .get(&format!("/api/v1/teams/{team_id}/compliance"), Some(&lead))
        .await;
    assert_eq!(status, 200, "{compliance}");
    let mut rags: Vec<(String, String)> = compliance["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_owned(),
                m["rag"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    rags.sort();
    let expected = [
        ("Aisha Begum", "green"),
        ("Amara Okafor-Hughes", "green"),
        ("Callum Fraser", "amber"),
        ("Grace Mensah", "amber"),
        ("Priya Raman", "red"),
        ("Rhys Pritchard", "amber"),
        ("Tomasz Nowak", "red"),
    ]
    .map(|(n, r)| (n.to_owned(), r.to_owned()));
    assert_eq!(rags, expected, "{compliance}");
}
