//! `server_timing`: each response names the parts of the request the
//! server timed, in the order they ended, and nothing when it is off.

use crate::helpers::*;

const WORD: &str = "marigold";

/// The phase names of a `Server-Timing` header, each checked to carry a
/// duration in milliseconds.
fn phases(headers: &reqwest::header::HeaderMap) -> Vec<String> {
    let Some(value) = headers.get("server-timing") else {
        return Vec::new();
    };
    value
        .to_str()
        .unwrap()
        .split(", ")
        .map(|phase| {
            let (name, dur) = phase.split_once(";dur=").unwrap();
            let ms: f64 = dur.parse().unwrap();
            assert!((0.0..60_000.0).contains(&ms), "{phase}");
            name.to_owned()
        })
        .collect()
}

async fn lead_search(t: &TestApp) -> (u16, serde_json::Value, Vec<String>) {
    let (sam, lead) = riverside_team(t).await;
    create_record(t, &sam, "/api/v1/audits", &audit("Falls audit", WORD)).await;
    t.flush().await;
    let url = t.url(&format!("/api/v1/search?q={WORD}"));
    let (status, body, headers) = t.send(t.http.get(url), Some(&lead)).await;
    (status, body, phases(&headers))
}

#[tokio::test]
async fn a_leads_search_names_authentication_scope_index_and_access_log() {
    let t = TestApp::spawn_with(|c| c.server_timing = true).await;
    let (status, body, phases) = lead_search(&t).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 1);
    assert_eq!(phases, ["auth", "scope", "index", "log"]);
}

#[tokio::test]
async fn a_create_names_its_wait_for_a_turn_the_write_and_the_index() {
    let t = TestApp::spawn_with(|c| c.server_timing = true).await;
    let (_, token) = t.practitioner("ana@example.nhs.uk").await;
    let req = t.http.post(t.url("/api/v1/reflections")).json(&entry(
        "Dysphagia study day",
        "2026-11-02",
        "other",
    ));
    let (status, body, headers) = t.send(req, Some(&token)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        phases(&headers),
        ["queue", "auth", "turn", "write", "index"]
    );
}

#[tokio::test]
async fn without_server_timing_no_response_carries_the_header() {
    let t = TestApp::spawn().await;
    let (status, body, phases) = lead_search(&t).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 1);
    assert!(phases.is_empty(), "{phases:?}");
}

#[tokio::test]
async fn team_compliance_names_the_team_check_the_facts_query_and_the_assessment() {
    let t = TestApp::spawn_with(|c| c.server_timing = true).await;
    let (_, lead) = riverside_team(&t).await;
    let (_, teams) = t.get("/api/v1/teams", Some(&lead)).await;
    let team = teams[0]["id"].as_str().unwrap();
    let url = t.url(&format!("/api/v1/teams/{team}/compliance"));
    let (status, body, headers) = t.send(t.http.get(url), Some(&lead)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["members"].as_array().map(Vec::len), Some(2), "{body}");
    assert_eq!(phases(&headers), ["auth", "team", "query", "assess"]);
}
