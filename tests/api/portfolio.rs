//! Training expiry and verification, attachments, history, the access log,
//! teams and the profile over every record kind (sign-off is in
//! `signoff.rs`).

use serde_json::{Value, json};

use crate::helpers::*;
use cpdfolio::domain::user::Role;

#[tokio::test]
async fn training_expiry_uses_calendar_months_and_a_lead_verifies() {
    let t = TestApp::spawn().await;
    t.user(
        "sam@example.nhs.uk",
        Role::Practitioner,
        Some("Riverside PCN"),
    )
    .await;
    t.user("lead@example.nhs.uk", Role::Lead, Some("Riverside PCN"))
        .await;
    let sam = t.login("sam@example.nhs.uk").await;
    let lead = t.login("lead@example.nhs.uk").await;
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
    let mut stated = training("resuscitation-adult-bls", "2026-01-31", "");
    stated["certificate_expires_on"] = json!("2026-06-30");
    let (_, record) = t.post("/api/v1/training", Some(&sam), &stated).await;
    assert_eq!(record["expires_on"], "2026-06-30");
    assert_eq!(
        record["course_title"],
        "Resuscitation: adult basic life support"
    );

    let base = format!("/api/v1/training/{}", record["id"].as_str().unwrap());
    let (status, problem) = t
        .post(&format!("{base}/verify"), Some(&sam), &json!({}))
        .await;
    assert_problem(status, &problem, 403);
    let (status, verified) = t
        .post(&format!("{base}/verify"), Some(&lead), &json!({}))
        .await;
    assert_eq!(status, 200, "{verified}");
    assert!(verified["workflow"]["verified_at"].is_string());
    let (status, problem) = t.put(&base, Some(&lead), &stated).await;
    assert_problem(status, &problem, 403);
    let (_, edited) = t.put(&base, Some(&sam), &stated).await;
    assert_eq!(
        edited["workflow"]["verified_at"],
        Value::Null,
        "an edit needs verifying again"
    );

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

#[tokio::test]
async fn attachments_are_typed_by_content_stored_once_limited_and_private() {
    let t = TestApp::spawn_with(|c| c.max_attachment_bytes = 4096).await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (_, stranger) = t.practitioner("stranger@example.nhs.uk").await;
    let (_, created) = t
        .post("/api/v1/audits", Some(&sam), &audit("Falls audit", "62%"))
        .await;
    let base = format!(
        "/api/v1/audits/{}/attachments",
        created["id"].as_str().unwrap()
    );

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

    let (status, problem) = t
        .upload(
            &base,
            Some(&sam),
            "tool.pdf",
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0",
        )
        .await;
    assert_problem(status, &problem, 415);
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

    let (status, first) = t
        .upload(&base, Some(&sam), "../../report.pdf", &pdf_bytes("report"))
        .await;
    assert_eq!(status, 201);
    assert_eq!(first["file_name"], "report.pdf");
    let (_, second) = t
        .upload(&base, Some(&sam), "report copy.pdf", &pdf_bytes("report"))
        .await;
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
    let (status, _, _) = t.send(t.http.get(&download), Some(&stranger)).await;
    assert_eq!(status, 404);

    let (_, listed) = t.get(&base, Some(&sam)).await;
    assert_eq!(listed.as_array().unwrap().len(), 3);
    let (status, _) = t
        .delete(first["href"].as_str().unwrap(), Some(&stranger))
        .await;
    assert_eq!(status, 404);
    let (status, _) = t.delete(first["href"].as_str().unwrap(), Some(&sam)).await;
    assert_eq!(status, 204);
    assert!(
        t.data
            .path()
            .join("attachments")
            .join(&digest[..2])
            .join(digest)
            .is_file(),
        "still used by the copy"
    );
    t.delete(second["href"].as_str().unwrap(), Some(&sam)).await;
    assert!(
        !t.data
            .path()
            .join("attachments")
            .join(&digest[..2])
            .join(digest)
            .exists(),
        "unused files are removed"
    );
}

#[tokio::test]
async fn history_keeps_every_replaced_version() {
    let t = TestApp::spawn().await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let id = t
        .create_entry(
            &sam,
            &entry("Version 1", "2026-03-01", "work_based_learning"),
        )
        .await;
    for n in 2..=4 {
        let (status, _) = t
            .put(
                &format!("/api/v1/reflections/{id}"),
                Some(&sam),
                &entry(&format!("Version {n}"), "2026-03-01", "work_based_learning"),
            )
            .await;
        assert_eq!(status, 200);
    }
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
    let (status, _) = t
        .get(
            &format!("/api/v1/reflections/{id}/history"),
            Some(&t.practitioner("x@example.nhs.uk").await.1),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_leads_reads_appear_in_the_practitioners_access_log() {
    let t = TestApp::spawn().await;
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
    let id = record["id"].as_str().unwrap();
    t.get(&format!("/api/v1/training/{id}"), Some(&sam)).await;
    let (_, log) = t.get("/api/v1/me/access-log", Some(&sam)).await;
    assert_eq!(
        log["total"], 0,
        "the owner's own reads and changes are not someone else's: {log}"
    );
    t.get(&format!("/api/v1/training/{id}"), Some(&lead)).await;
    t.get("/api/v1/training", Some(&lead)).await;
    t.post(
        &format!("/api/v1/training/{id}/verify"),
        Some(&lead),
        &json!({}),
    )
    .await;
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
    let (_, mine) = t
        .get("/api/v1/me/access-log?include_mine=true", Some(&sam))
        .await;
    assert_eq!(
        mine["total"], 5,
        "create by the owner is logged too: {mine}"
    );
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

#[tokio::test]
async fn teams_have_several_leads_and_members_in_several_teams() {
    let t = TestApp::spawn().await;
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
    let (_, south) = t
        .post(
            "/api/v1/admin/teams",
            Some(&admin),
            &json!({"name": "South Surgery"}),
        )
        .await;
    let (status, problem) = t
        .post(
            "/api/v1/admin/teams",
            Some(&admin),
            &json!({"name": "North Surgery"}),
        )
        .await;
    assert_problem(status, &problem, 409);
    let (status, problem) = t
        .post("/api/v1/admin/teams", Some(&admin), &json!({"name": " "}))
        .await;
    assert_problem(status, &problem, 422);
    let north = north["id"].as_str().unwrap();
    let south = south["id"].as_str().unwrap();
    for (team, user, lead) in [
        (north, &sam_id, false),
        (south, &sam_id, false),
        (north, &lead1, true),
        (north, &lead2, true),
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
    let (_, teams) = t.get("/api/v1/admin/teams", Some(&admin)).await;
    let leads: Vec<usize> = teams
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
    let sam = t.login("sam@example.nhs.uk").await;
    let (_, me) = t.get("/api/v1/me", Some(&sam)).await;
    assert_eq!(me["teams"].as_array().unwrap().len(), 2);
    let (_, record) = t
        .post(
            "/api/v1/training",
            Some(&sam),
            &training("fire-safety-l1", "2026-01-10", ""),
        )
        .await;
    let path = format!("/api/v1/training/{}", record["id"].as_str().unwrap());
    for lead in ["lead1@example.nhs.uk", "lead2@example.nhs.uk"] {
        let token = t.login(lead).await;
        assert_eq!(t.get(&path, Some(&token)).await.0, 200, "{lead}");
        let (_, led) = t.get("/api/v1/teams", Some(&token)).await;
        assert!(!led.as_array().unwrap().is_empty());
    }
    let (status, _) = t
        .delete(
            &format!("/api/v1/admin/teams/{north}/members/{lead1}"),
            Some(&admin),
        )
        .await;
    assert_eq!(status, 204);
    let lead1_token = t.login("lead1@example.nhs.uk").await;
    assert_eq!(
        t.get(&path, Some(&lead1_token)).await.0,
        404,
        "a former lead no longer sees the record"
    );
    let (status, _) = t
        .post("/api/v1/admin/teams", Some(&sam), &json!({"name": "Mine"}))
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_profile_draws_on_every_kind_and_lists_attachments_by_name() {
    let t = TestApp::spawn().await;
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
    let (status, profile) = t
        .get(
            "/api/v1/me/cpd-profile?from=2026-01-01&to=2026-03-31",
            Some(&sam),
        )
        .await;
    assert_eq!(status, 200, "{profile}");
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
    assert_eq!(profile["checks"]["mixture"]["is_mixture"], true);
    t.delete(&format!("/api/v1/reflections/{reflection}"), Some(&sam))
        .await;
    let (_, profile) = t
        .get(
            "/api/v1/me/cpd-profile?from=2026-01-01&to=2026-03-31",
            Some(&sam),
        )
        .await;
    assert_eq!(
        profile["activities"].as_array().unwrap().len(),
        3,
        "a deleted record leaves the profile"
    );
}

#[tokio::test]
async fn the_demo_seeds_training_that_the_demo_lead_can_read() {
    let clock = std::sync::Arc::new(cpdfolio::app::FixedClock::new(
        time::macros::datetime!(2026-03-01 12:00 UTC),
    ));
    let t = TestApp::spawn_with_clock(clock).await;
    cpdfolio::demo::seed_if_empty(&t.app).await.unwrap();
    let (status, login) = t
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "ot1@demo.cpdfolio.test", "password": "demo-portfolio-2026"}),
        )
        .await;
    assert_eq!(status, 200, "{login}");
    let ot = login["token"].as_str().unwrap();
    let (_, own) = t.get("/api/v1/training", Some(ot)).await;
    assert_eq!(
        own["total"], 19,
        "every course the catalogue requires of him"
    );
    let (_, login) = t
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "lead@demo.cpdfolio.test", "password": "demo-portfolio-2026"}),
        )
        .await;
    let lead = login["token"].as_str().unwrap();
    let (_, team) = t.get("/api/v1/training?limit=100", Some(lead)).await;
    assert_eq!(
        team["total"], 105,
        "the courses each of the seven demo staff's groups require, less one never done: {team}"
    );
    // A realistic mixture of compliant, due-soon and overdue people.
    let (_, teams) = t.get("/api/v1/teams", Some(lead)).await;
    let team_id = teams[0]["id"].as_str().unwrap();
    let (status, compliance) = t
        .get(&format!("/api/v1/teams/{team_id}/compliance"), Some(lead))
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
