//! A session and its account are kept between requests
//! (`session_cache_ms`); these check what that may and may not change: a
//! change this server makes takes effect at the next request, and one that
//! another process sharing the database makes (here, a write straight to
//! the database) within `session_cache_ms`.

use serde_json::json;

use crate::helpers::*;

async fn my_name(t: &TestApp, token: &str) -> String {
    let (status, me) = t.get("/api/v1/me", Some(token)).await;
    assert_eq!(status, 200, "{me}");
    me["name"].as_str().unwrap().to_owned()
}

async fn my_teams(t: &TestApp, token: &str) -> Vec<String> {
    let (status, me) = t.get("/api/v1/me", Some(token)).await;
    assert_eq!(status, 200, "{me}");
    me["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| format!("{} {}", m["team"], m["is_lead"]))
        .collect()
}

/// Ends every session of `user_id` the way another instance would: in the
/// database, unseen by this process.
async fn end_sessions_elsewhere(t: &TestApp, user_id: &str) {
    t.app
        .store()
        .raw_query_for_tests(&format!(
            "DELETE session WHERE user = type::record('user', '{user_id}')"
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn changes_this_server_makes_reach_a_kept_session_at_once() {
    let t = TestApp::spawn_with(|c| c.session_cache_ms = 60_000).await;
    let (_, admin) = t.admin().await;
    let (sam_id, sam) = t.practitioner("sam@example.nhs.uk").await;
    assert_eq!(my_name(&t, &sam).await, "Test sam@example.nhs.uk");
    assert!(my_teams(&t, &sam).await.is_empty());

    let (status, body) = t
        .patch("/api/v1/me", Some(&sam), &json!({"name": "Sam Okafor"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(my_name(&t, &sam).await, "Sam Okafor");

    let (status, team) = t
        .post(
            "/api/v1/admin/teams",
            Some(&admin),
            &json!({"name": "Riverside PCN"}),
        )
        .await;
    assert_eq!(status, 201, "{team}");
    let member = format!(
        "/api/v1/admin/teams/{}/members/{sam_id}",
        team["id"].as_str().unwrap()
    );
    let (status, body) = t
        .put(&member, Some(&admin), &json!({"is_lead": true}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(my_teams(&t, &sam).await, vec!["\"Riverside PCN\" true"]);
    let (status, _) = t.delete(&member, Some(&admin)).await;
    assert_eq!(status, 204);
    assert!(my_teams(&t, &sam).await.is_empty());

    let (status, body) = t
        .post(
            &format!("/api/v1/admin/users/{sam_id}/deactivate"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = t.get("/api/v1/me", Some(&sam)).await;
    assert_problem(status, &body, 401);
}

#[tokio::test]
async fn a_session_ended_elsewhere_is_refused_within_the_cache_age() {
    let t = TestApp::spawn_with(|c| c.session_cache_ms = 300).await;
    let (sam_id, sam) = t.practitioner("sam@example.nhs.uk").await;
    assert_eq!(t.get("/api/v1/me", Some(&sam)).await.0, 200);
    end_sessions_elsewhere(&t, &sam_id).await;
    tokio::time::sleep(std::time::Duration::from_millis(350)).await;
    let (status, body) = t.get("/api/v1/me", Some(&sam)).await;
    assert_problem(status, &body, 401);
}

#[tokio::test]
async fn a_kept_session_serves_requests_until_the_cache_age() {
    let t = TestApp::spawn_with(|c| c.session_cache_ms = 60_000).await;
    let (sam_id, sam) = t.practitioner("sam@example.nhs.uk").await;
    assert_eq!(t.get("/api/v1/me", Some(&sam)).await.0, 200);
    end_sessions_elsewhere(&t, &sam_id).await;
    assert_eq!(t.get("/api/v1/me", Some(&sam)).await.0, 200);
}

#[tokio::test]
async fn with_no_cache_age_every_request_reads_the_session() {
    let t = TestApp::spawn_with(|c| c.session_cache_ms = 0).await;
    let (sam_id, sam) = t.practitioner("sam@example.nhs.uk").await;
    assert_eq!(t.get("/api/v1/me", Some(&sam)).await.0, 200);
    end_sessions_elsewhere(&t, &sam_id).await;
    let (status, body) = t.get("/api/v1/me", Some(&sam)).await;
    assert_problem(status, &body, 401);
}
