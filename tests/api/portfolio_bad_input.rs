//! Bad input on every portfolio endpoint: a 4xx problem+json that says
//! what is wrong, never a 500, and nothing stored changes.

use serde_json::{Value, json};

use crate::helpers::*;

async fn send_raw(t: &TestApp, method: &str, path: &str, token: &str, body: &str) -> (u16, Value) {
    let req = match method {
        "POST" => t.http.post(t.url(path)),
        "PUT" => t.http.put(t.url(path)),
        _ => t.http.get(t.url(path)),
    }
    .header("content-type", "application/json")
    .body(body.to_owned());
    let (s, b, _) = t.send(req, Some(token)).await;
    (s, b)
}

#[tokio::test]
async fn bad_bodies_on_every_new_endpoint_are_4xx_and_change_nothing() {
    let t = TestApp::spawn().await;
    let (jo_id, _) = t.practitioner("jo@example.nhs.uk").await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (_, s) = t
        .post(
            "/api/v1/supervision",
            Some(&sam),
            &supervision("2026-03-02", Some(&jo_id), "notes"),
        )
        .await;
    let (_, a) = t
        .post("/api/v1/audits", Some(&sam), &audit("Falls", "62%"))
        .await;
    let (_, tr) = t
        .post(
            "/api/v1/training",
            Some(&sam),
            &training("fire-safety-l1", "2026-01-10", ""),
        )
        .await;
    let r = t
        .create_entry(&sam, &entry("Entry", "2026-03-01", "other"))
        .await;
    let ids = [
        ("supervision", s["id"].as_str().unwrap().to_owned()),
        ("audits", a["id"].as_str().unwrap().to_owned()),
        ("training", tr["id"].as_str().unwrap().to_owned()),
        ("reflections", r),
    ];
    let long = "x".repeat(300_000);
    let injection = "'; DELETE user; --";
    let mut bad: Vec<(&str, String, String, u16)> = Vec::new();
    for (collection, id) in &ids {
        let create = format!("/api/v1/{collection}");
        let one = format!("/api/v1/{collection}/{id}");
        for body in ["{", "[]", "null", "{\"date\": 5}", "{\"unknown\": true}"] {
            bad.push(("POST", create.clone(), body.to_owned(), 400));
            bad.push(("PUT", one.clone(), body.to_owned(), 400));
        }
    }
    let sup = &ids[0].1;
    let mut push = |method: &'static str, path: String, body: Value, expected: u16| {
        bad.push((method, path, body.to_string(), expected))
    };
    let mut wrong = supervision("2026-02-30", Some(&jo_id), "x");
    push("POST", "/api/v1/supervision".into(), wrong.clone(), 400);
    wrong["date"] = json!("2026-03-02");
    wrong["duration_minutes"] = json!("sixty");
    push("POST", "/api/v1/supervision".into(), wrong.clone(), 400);
    wrong["duration_minutes"] = json!(-5);
    push("POST", "/api/v1/supervision".into(), wrong.clone(), 400);
    wrong["duration_minutes"] = json!(60);
    wrong["supervision_type"] = json!("telepathic");
    push("POST", "/api/v1/supervision".into(), wrong.clone(), 400);
    wrong["supervision_type"] = json!("clinical");
    wrong["supervisor_id"] = json!(injection);
    push("POST", "/api/v1/supervision".into(), wrong.clone(), 422);
    wrong["supervisor_id"] = json!(jo_id);
    wrong["reflection"] = json!(long);
    push("POST", "/api/v1/supervision".into(), wrong.clone(), 422);
    wrong["reflection"] = json!("ok");
    wrong["actions"] = json!([{"text": "", "owner": "me"}]);
    push("POST", "/api/v1/supervision".into(), wrong.clone(), 422);
    wrong["actions"] = json!([]);
    wrong["date"] = json!("2999-01-01");
    push("POST", "/api/v1/supervision".into(), wrong.clone(), 422);
    push(
        "POST",
        format!("/api/v1/supervision/{sup}/return"),
        json!({"comment": 5}),
        400,
    );
    push(
        "POST",
        format!("/api/v1/supervision/{sup}/return"),
        json!({"comment": "x", "extra": 1}),
        400,
    );
    push(
        "POST",
        format!("/api/v1/supervision/{sup}/addenda"),
        json!({"text": ""}),
        422,
    );
    push(
        "POST",
        format!("/api/v1/supervision/{sup}/addenda"),
        json!({"text": long}),
        422,
    );
    push(
        "POST",
        format!("/api/v1/supervision/{sup}/actions/99/close"),
        json!({}),
        404,
    );
    let mut wrong = audit("", "x");
    push("POST", "/api/v1/audits".into(), wrong.clone(), 422);
    wrong["title"] = json!("ok");
    wrong["audit_kind"] = json!("vibes");
    push("POST", "/api/v1/audits".into(), wrong.clone(), 400);
    wrong["audit_kind"] = json!("re_audit");
    wrong["completed_on"] = json!("2025-01-01");
    push("POST", "/api/v1/audits".into(), wrong.clone(), 422);
    wrong["completed_on"] = json!(null);
    wrong["outcome_measures"] = json!([1, 2]);
    push("POST", "/api/v1/audits".into(), wrong.clone(), 400);
    push(
        "POST",
        "/api/v1/training".into(),
        training(injection, "2026-01-01", ""),
        422,
    );
    push(
        "POST",
        "/api/v1/training".into(),
        training("fire-safety-l1", "2026-13-01", ""),
        400,
    );
    push(
        "POST",
        "/api/v1/training".into(),
        training("fire-safety-l1", "1980-01-01", ""),
        422,
    );
    let mut cert = training("fire-safety-l1", "2026-01-10", "");
    cert["certificate_expires_on"] = json!("2026-01-01");
    push("POST", "/api/v1/training".into(), cert, 422);
    let r = &ids[3].1;
    push(
        "POST",
        format!("/api/v1/reflections/{r}/shares"),
        json!({"user_id": injection}),
        422,
    );
    push(
        "POST",
        format!("/api/v1/reflections/{r}/shares"),
        json!({"user_id": 42}),
        400,
    );
    let mut linked = entry("Linked", "2026-03-01", "other");
    linked["links"] = json!([{"kind": "audit", "id": "0123456789abcdef0123456789abcdef"}]);
    push(
        "PUT",
        format!("/api/v1/reflections/{r}"),
        linked.clone(),
        422,
    );
    linked["links"] = json!([{"kind": "spaceship", "id": sup}]);
    push("PUT", format!("/api/v1/reflections/{r}"), linked, 400);
    push(
        "GET",
        "/api/v1/supervision?limit=0".into(),
        Value::Null,
        400,
    );
    push(
        "GET",
        "/api/v1/audits?from=yesterday".into(),
        Value::Null,
        400,
    );
    push("GET", "/api/v1/training?offset=-1".into(), Value::Null, 400);
    push(
        "GET",
        "/api/v1/me/access-log?limit=1000".into(),
        Value::Null,
        400,
    );
    push(
        "GET",
        "/api/v1/spaceships/0123456789abcdef0123456789abcdef/history".into(),
        Value::Null,
        400,
    );
    push(
        "GET",
        format!("/api/v1/audits/{injection}/history"),
        Value::Null,
        404,
    );

    let before = snapshot(&t, &sam, &ids).await;
    for (method, path, body, expected) in &bad {
        let (status, problem) = send_raw(&t, method, path, &sam, body).await;
        assert_eq!(status, *expected, "{method} {path} {body}: {problem}");
        assert_eq!(
            problem["status"], status,
            "{method} {path}: problem+json expected, got {problem}"
        );
        assert!(!problem["detail"].as_str().unwrap_or_default().is_empty());
    }
    assert_eq!(
        snapshot(&t, &sam, &ids).await,
        before,
        "bad input changed stored data"
    );
    assert_eq!(
        t.get(
            "/api/v1/supervision",
            Some(&t.login("jo@example.nhs.uk").await)
        )
        .await
        .1["total"],
        1,
        "the injection string did not delete anyone"
    );
}

#[tokio::test]
async fn bad_uploads_are_4xx_and_store_nothing() {
    let t = TestApp::spawn().await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (_, a) = t
        .post("/api/v1/audits", Some(&sam), &audit("Falls", "62%"))
        .await;
    let path = format!("/api/v1/audits/{}/attachments", a["id"].as_str().unwrap());
    let (status, problem) = t.upload(&path, Some(&sam), "empty.pdf", b"").await;
    assert_problem(status, &problem, 422);
    let (status, problem) = t
        .upload(&path, Some(&sam), "archive.zip", b"PK\x03\x04rest-of-a-zip")
        .await;
    assert_problem(status, &problem, 415);
    let (status, problem) = t
        .upload(&path, Some(&sam), "script.sh", b"#!/bin/sh\nrm -rf /\n")
        .await;
    assert_problem(status, &problem, 415);
    let req = t
        .http
        .post(t.url(&path))
        .header("content-type", "application/json")
        .body("{}");
    let (status, problem, _) = t.send(req, Some(&sam)).await;
    assert_problem(status, &problem, 415);
    let (_, listed) = t.get(&path, Some(&sam)).await;
    assert_eq!(listed, json!([]));
    assert!(
        !t.data.path().join("attachments").exists()
            || std::fs::read_dir(t.data.path().join("attachments"))
                .unwrap()
                .next()
                .is_none()
    );
}

/// Every record's version and the list totals: what bad input must not change.
async fn snapshot(t: &TestApp, token: &str, ids: &[(&str, String)]) -> Vec<Value> {
    let mut out = Vec::new();
    for (collection, id) in ids {
        out.push(
            t.get(&format!("/api/v1/{collection}/{id}"), Some(token))
                .await
                .1["version"]
                .clone(),
        );
        out.push(t.get(&format!("/api/v1/{collection}"), Some(token)).await.1["total"].clone());
    }
    out
}
