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

#[tokio::test]
async fn a_reader_sees_neither_the_other_readers_nor_the_authors_other_records() {
    let t = TestApp::spawn().await;
    let (_, author) = t.practitioner("author@example.nhs.uk").await;
    let (first_id, first) = t.practitioner("first@example.nhs.uk").await;
    let (second_id, second) = t.practitioner("second@example.nhs.uk").await;
    let (status, course) = t
        .post(
            "/api/v1/training",
            Some(&author),
            &training("fire-safety-l1", "2026-02-01", ""),
        )
        .await;
    assert_eq!(status, 201, "{course}");
    let link = json!([{"kind": "training", "id": course["id"]}]);
    let mut body = entry("After the fire drill", "2026-03-01", "work_based_learning");
    body["links"] = link.clone();
    let id = t.create_entry(&author, &body).await;
    let base = format!("/api/v1/reflections/{id}");
    for reader_id in [&first_id, &second_id] {
        let (status, shared) = t
            .post(
                &format!("{base}/shares"),
                Some(&author),
                &json!({"user_id": reader_id}),
            )
            .await;
        assert_eq!(status, 200, "{shared}");
    }

    let (_, own) = t.get(&base, Some(&author)).await;
    assert_eq!(
        (own["shared_with"].clone(), own["links"].clone()),
        (json!([first_id, second_id]), link)
    );
    for (reader_id, token) in [(&first_id, &first), (&second_id, &second)] {
        let (status, read) = t.get(&base, Some(token)).await;
        assert_eq!(status, 200, "{read}");
        assert_eq!(
            (read["shared_with"].clone(), read["links"].clone()),
            (json!([reader_id]), json!([]))
        );
        let (_, list) = t.get("/api/v1/reflections", Some(token)).await;
        assert_eq!(list["total"], 1, "{list}");
        assert_eq!(
            (
                list["items"][0]["shared_with"].clone(),
                list["items"][0]["links"].clone()
            ),
            (json!([reader_id]), json!([]))
        );
    }
}
