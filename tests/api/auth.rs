use cpdfolio::domain::user::Role;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn login_succeeds_and_me_returns_the_account() {
    let t = TestApp::spawn().await;
    let id = t
        .user("sam@example.nhs.uk", Role::Lead, Some("North PCN"))
        .await;
    let (status, body) = t
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": " Sam@Example.NHS.uk", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    assert!(body["expires_at"].as_str().unwrap().ends_with('Z'));
    let (status, me) = t.get("/api/v1/me", Some(token)).await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], id);
    assert_eq!(me["email"], "sam@example.nhs.uk");
    assert_eq!(me["role"], "lead");
    assert_eq!(me["teams"], json!([{"team": "North PCN", "is_lead": true}]));
    assert!(me.get("password_hash").is_none());
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let t = TestApp::spawn().await;
    t.user("sam@example.nhs.uk", Role::Practitioner, None).await;
    let wrong = t
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "sam@example.nhs.uk", "password": "not the password!"}),
        )
        .await;
    let unknown = t
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "nobody@example.nhs.uk", "password": "not the password!"}),
        )
        .await;
    assert_problem(wrong.0, &wrong.1, 401);
    assert_eq!(wrong, unknown);
}

#[tokio::test]
async fn logout_revokes_the_token_and_bad_tokens_are_401() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let (status, _) = t
        .post("/api/v1/auth/logout", Some(&token), &json!({}))
        .await;
    assert_eq!(status, 204);
    let (status, body) = t.get("/api/v1/me", Some(&token)).await;
    assert_problem(status, &body, 401);
    let (status, body) = t.get("/api/v1/me", None).await;
    assert_problem(status, &body, 401);
    let (status, body) = t.get("/api/v1/me", Some("forged-token")).await;
    assert_problem(status, &body, 401);
}

#[tokio::test]
async fn tokens_are_stored_only_as_digests() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let digest = cpdfolio::security::token::digest(&token);
    assert!(t.app.store().session(&digest).await.unwrap().is_some());
    assert!(t.app.store().session(&token).await.unwrap().is_none());
}

/// The session and its account are read together: a session whose
/// account row is gone is refused and ended, and a live one reads back the
/// account with its teams.
#[tokio::test]
async fn a_session_is_read_with_its_account_and_ends_with_it() {
    let t = TestApp::spawn().await;
    let (sam_id, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (_, jo) = t.practitioner("jo@example.nhs.uk").await;
    let store = t.app.store();
    let digest = cpdfolio::security::token::digest(&sam);
    let (session, user) = store.session_with_user(&digest).await.unwrap().unwrap();
    let user = user.unwrap();
    assert_eq!(
        (
            session.user_id.as_str(),
            user.id.as_str(),
            user.email.as_str()
        ),
        (sam_id.as_str(), sam_id.as_str(), "sam@example.nhs.uk")
    );
    assert!(
        store
            .session_with_user("no-such-digest")
            .await
            .unwrap()
            .is_none()
    );
    store
        .raw_query_for_tests(&format!("DELETE type::record('user', '{sam_id}')"))
        .await
        .unwrap();
    let (session, user) = store.session_with_user(&digest).await.unwrap().unwrap();
    assert_eq!(
        (session.user_id.as_str(), user.is_none()),
        (sam_id.as_str(), true)
    );
    let (status, body) = t.get("/api/v1/me", Some(&sam)).await;
    assert_problem(status, &body, 401);
    assert!(store.session(&digest).await.unwrap().is_none());
    let (status, _) = t.get("/api/v1/me", Some(&jo)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn only_an_admin_creates_users_and_input_is_validated() {
    let t = TestApp::spawn().await;
    t.user("admin@example.nhs.uk", Role::Admin, None).await;
    let admin = t.login("admin@example.nhs.uk").await;
    let (_, practitioner) = t.practitioner("sam@example.nhs.uk").await;
    let new = json!({"email": "new@example.nhs.uk", "name": "New Person", "role": "lead", "team": "South PCN", "password": "another long passphrase"});
    let (status, body) = t
        .post("/api/v1/admin/users", Some(&practitioner), &new)
        .await;
    assert_problem(status, &body, 403);
    let (status, body) = t.post("/api/v1/admin/users", Some(&admin), &new).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["teams"],
        json!([{"team": "South PCN", "is_lead": true}])
    );
    let (status, body) = t.post("/api/v1/admin/users", Some(&admin), &new).await;
    assert_problem(status, &body, 409);
    let short = json!({"email": "x@example.nhs.uk", "name": "X", "role": "practitioner", "password": "short"});
    let (status, body) = t.post("/api/v1/admin/users", Some(&admin), &short).await;
    assert_problem(status, &body, 422);
    assert_eq!(body["errors"][0]["field"], "password");
    let bad_role = json!({"email": "y@example.nhs.uk", "name": "Y", "role": "root", "password": "another long passphrase"});
    let (status, body) = t.post("/api/v1/admin/users", Some(&admin), &bad_role).await;
    assert_problem(status, &body, 422);
    assert_eq!(t.app.store().count_users().await.unwrap(), 3);
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let t = TestApp::spawn().await;
    let (status, _, headers) = t.send(t.http.get(t.url("/healthz")), None).await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let (status, body) = t.get("/readyz", None).await;
    assert_eq!(
        (status, body),
        (200, json!({"database": true, "search_index": true}))
    );
    let (status, spec) = t.get("/openapi.json", None).await;
    assert_eq!(status, 200);
    assert!(spec["paths"]["/api/v1/reflections"].is_object());
    assert!(spec["paths"]["/api/v1/me/cpd-profile"].is_object());
}

#[tokio::test]
async fn repeated_failures_slow_down_one_address_only() {
    let t = TestApp::spawn().await;
    t.user("sam@example.nhs.uk", Role::Practitioner, None).await;
    t.user("kim@example.nhs.uk", Role::Practitioner, None).await;
    let wrong = json!({"email": "sam@example.nhs.uk", "password": "not the password!"});
    for _ in 0..5 {
        let (status, body) = t.post("/api/v1/auth/login", None, &wrong).await;
        assert_problem(status, &body, 401);
    }
    let right = json!({"email": "SAM@example.nhs.uk", "password": PASSWORD});
    let (status, body, headers) = t
        .send(t.http.post(t.url("/api/v1/auth/login")).json(&right), None)
        .await;
    assert_problem(status, &body, 429);
    assert_eq!(
        body["detail"],
        "too many failed logins; try again in 1 second"
    );
    assert_eq!(headers["retry-after"], "1");
    let (status, _) = t
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "kim@example.nhs.uk", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, 200);
    let ghost = json!({"email": "ghost@example.nhs.uk", "password": "not the password!"});
    for _ in 0..5 {
        t.post("/api/v1/auth/login", None, &ghost).await;
    }
    let (status, body) = t.post("/api/v1/auth/login", None, &ghost).await;
    assert_problem(status, &body, 429);
}
