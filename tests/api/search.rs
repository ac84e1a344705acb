use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_new_entry_is_found_by_a_stemmed_word_within_a_second() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let mut e = entry(
        "Reflection after a student placement",
        "2026-05-01",
        "professional_activity",
    );
    e["body"] = json!("Today I was supervising a second-year student for the first time.");
    let id = t.create_entry(&token, &e).await;
    // Polls only until one second after the save: finding it at all is the check.
    let found = t
        .search_until(&token, "supervision", 1, Duration::from_secs(1))
        .await;
    assert_eq!(found["total"], 1, "{found}");
    let hit = &found["hits"][0];
    assert_eq!(hit["id"], id);
    assert_eq!(hit["title"], "Reflection after a student placement");
    assert_eq!(
        hit["snippet_html"],
        "Today I was <b>supervising</b> a second-year student for the first time"
    );
}

#[tokio::test]
async fn results_are_ranked_and_paged_and_deleted_entries_disappear() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let mut strong = entry("Sleep hygiene group", "2026-05-01", "work_based_learning");
    strong["body"] = json!("sleep sleep sleep routines");
    let mut weak = entry("Team meeting", "2026-05-02", "work_based_learning");
    weak["body"] = json!("We briefly mentioned sleep among many other topics of the week.");
    let strong_id = t.create_entry(&token, &strong).await;
    let weak_id = t.create_entry(&token, &weak).await;
    let both = t
        .search_until(&token, "sleep", 2, Duration::from_secs(2))
        .await;
    assert_eq!(both["hits"][0]["id"], strong_id, "{both}");
    assert_eq!(both["hits"][1]["id"], weak_id);
    let (_, second) = t
        .get("/api/v1/search?q=sleep&limit=1&offset=1", Some(&token))
        .await;
    assert_eq!(
        (second["total"].clone(), second["hits"][0]["id"].clone()),
        (json!(2), json!(weak_id))
    );
    t.delete(&format!("/api/v1/reflections/{strong_id}"), Some(&token))
        .await;
    let after = t
        .search_until(&token, "sleep", 1, Duration::from_secs(2))
        .await;
    assert_eq!(after["hits"][0]["id"], weak_id);
}

#[tokio::test]
async fn malformed_queries_are_400_with_an_explanation() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    for (q, detail) in [
        (
            "\"unbalanced",
            "the search query has an unclosed double quote; close the phrase with another \"",
        ),
        ("AND", "the operator AND needs a search term on both sides"),
        (
            "sleep OR",
            "the operator OR needs a search term on both sides",
        ),
        ("(sleep", "the search query has unbalanced parentheses"),
        ("", "the search query is empty"),
        (
            "title:[a TO z]",
            "range and set queries ([a TO z], {a TO z}, >, <, IN [...]) are not supported; search for words or \"phrases\"",
        ),
        (
            "occupation*",
            "wildcards (*) are not supported; search for whole words",
        ),
        (
            "owner:x",
            "\"owner\" is not a searchable field; use title:, body:, notes: or tags:",
        ),
    ] {
        let (status, body) = t
            .get(&format!("/api/v1/search?q={}", urlencode(q)), Some(&token))
            .await;
        assert_problem(status, &body, 400);
        assert_eq!(body["detail"], detail, "{q}");
    }
    let (status, body) = t.get("/api/v1/search?q=x&limit=101", Some(&token)).await;
    assert_problem(status, &body, 400);
    let (status, body) = t.get("/api/v1/search", Some(&token)).await;
    assert_problem(status, &body, 400);
}
