//! Sharing an entry: a reader sees the current version and nothing more
//! (no history, no other readers, no links to the author's other records),
//! and a share or an unshare commits with its access-log row and its
//! version or not at all, with search following what was committed.

use std::time::Duration;

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

/// What `actor_id` did to the records of the owner of `token`, oldest first.
async fn logged_actions(t: &TestApp, token: &str, actor_id: &str) -> Vec<String> {
    let (status, log) = t
        .get("/api/v1/me/access-log?include_mine=true", Some(token))
        .await;
    assert_eq!(status, 200, "{log}");
    let mut actions: Vec<String> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor_id"] == actor_id)
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    actions.reverse();
    actions
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
        (
            json!("Visited a service user at home after a fall."),
            json!(3)
        )
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

#[tokio::test]
async fn an_unshare_whose_access_log_row_fails_changes_nothing() {
    let t = TestApp::spawn().await;
    let (author_id, author) = t.practitioner("author@example.nhs.uk").await;
    let (reader_id, reader) = t.practitioner("reader@example.nhs.uk").await;
    let mut body = entry("Zebrafish reflection", "2026-03-01", "work_based_learning");
    body["body"] = json!("zebrafish thoughts");
    let id = t.create_entry(&author, &body).await;
    let base = format!("/api/v1/reflections/{id}");
    let (status, _) = t
        .post(
            &format!("{base}/shares"),
            Some(&author),
            &json!({"user_id": reader_id}),
        )
        .await;
    assert_eq!(status, 200);
    let found = t
        .search_until(&reader, "zebrafish", 1, Duration::from_secs(2))
        .await;
    assert_eq!(found["hits"][0]["id"], id.as_str());

    t.app
        .store()
        .raw_query_for_tests(
            "DEFINE EVENT refuse_unshare ON access_log
                 WHEN $event = 'CREATE' AND $after.action = 'unshare'
                 THEN { THROW 'the access log is unavailable' };",
        )
        .await
        .unwrap();
    let unshare = format!("{base}/shares/{reader_id}");
    let (status, problem) = t.delete(&unshare, Some(&author)).await;
    assert_problem(status, &problem, 500);

    let (status, read) = t.get(&base, Some(&reader)).await;
    assert_eq!(status, 200, "the share stands: {read}");
    let (_, own) = t.get(&base, Some(&author)).await;
    assert_eq!(
        (own["shared_with"].clone(), own["version"].clone()),
        (json!([reader_id]), json!(2))
    );
    let (_, history) = t.get(&format!("{base}/history"), Some(&author)).await;
    assert_eq!(bodies(&history), [(1, "zebrafish thoughts")]);
    t.flush().await;
    let (_, found) = t.get("/api/v1/search?q=zebrafish", Some(&reader)).await;
    assert_eq!(found["total"], 1, "search matches the database: {found}");
    assert_eq!(
        logged_actions(&t, &author, &author_id).await,
        ["create", "share", "history"]
    );

    t.app
        .store()
        .raw_query_for_tests("REMOVE EVENT refuse_unshare ON access_log;")
        .await
        .unwrap();
    let (status, unshared) = t.delete(&unshare, Some(&author)).await;
    assert_eq!(status, 200, "{unshared}");
    assert_eq!(
        (unshared["shared_with"].clone(), unshared["version"].clone()),
        (json!([]), json!(3))
    );
    let (status, problem) = t.get(&base, Some(&reader)).await;
    assert_problem(status, &problem, 404);
    t.flush().await;
    let (_, found) = t.get("/api/v1/search?q=zebrafish", Some(&reader)).await;
    assert_eq!(found["total"], 0, "{found}");
    assert_eq!(
        logged_actions(&t, &author, &author_id).await,
        ["create", "share", "history", "unshare"]
    );
}
