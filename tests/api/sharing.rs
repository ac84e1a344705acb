//! Sharing an entry: a reader sees the current version and nothing more
//! (no history, no other readers, no links to the author's other records),
//! and a share or an unshare commits with its access-log row and its
//! version or not at all, with search following what was committed.

use serde_json::{Value, json};

use crate::helpers::*;

/// Versions of an entry's history as `(version, body)`, newest first.
fn bodies(history: &Value) -> Vec<(u64, &str)> {
    history["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["content"]["data"]["body"].as_str().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_reader_sees_the_current_version_and_never_the_history() {
    let t = TestApp::spawn().await;
    let (_, author) = t.practitioner("author@example.nhs.uk").await;
    let (reader_id, reader) = t.practitioner("reader@example.nhs.uk").await;
    let mut draft = entry("Home visit", "2026-03-01", "work_based_learning");
    draft["body"] = json!("Visited Mrs Edna Pryce at home after her fall.");
    let id = t.create_entry(&author, &draft).await;
    let base = format!("/api/v1/reflections/{id}");
    draft["body"] = json!("Visited a service user at home after a fall.");
    let (status, edited) = t.put(&base, Some(&author), &draft).await;
    assert_eq!(status, 200, "{edited}");
    let (status, shared) = t
        .post(
            &format!("{base}/shares"),
            Some(&author),
            &json!({"user_id": reader_id}),
        )
        .await;
    assert_eq!(status, 200, "{shared}");

    let (status, problem) = t.get(&format!("{base}/history"), Some(&reader)).await;
    assert_problem(status, &problem, 404);
    assert_eq!(problem["detail"], "no such reflective entry");
    let (status, read) = t.get(&base, Some(&reader)).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(
        (read["body"].clone(), read["version"].clone()),
        (json!("Visited a service user at home after a fall."), json!(3))
    );
    assert!(!read.to_string().contains("Pryce"), "{read}");

    let (status, history) = t.get(&format!("{base}/history"), Some(&author)).await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(history["current_version"], 3);
    assert_eq!(
        bodies(&history),
        [
            (2, "Visited a service user at home after a fall."),
            (1, "Visited Mrs Edna Pryce at home after her fall.")
        ]
    );
}
