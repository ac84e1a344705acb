//! History read from snapshots written under an older schema: upgraded on
//! read to the kind's current fields, or, when a snapshot cannot be read,
//! marked undecodable with its schema and the reason (never a 500).

use serde_json::{Value, json};

use crate::helpers::*;

/// Sam's supervision record at version 2, whose version 1 is `snapshot`
/// (SurrealQL) written straight into the store: the record's path and Sam.
pub async fn record_with_stored_snapshot(t: &TestApp, snapshot: &str) -> (String, String) {
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (jo, _) = t.practitioner("jo@example.nhs.uk").await;
    let path = create_record(
        t,
        &sam,
        "/api/v1/supervision",
        &supervision("2026-03-02", Some(&jo), "Current text."),
    )
    .await;
    let id = path.rsplit('/').next().unwrap();
    let snapshot = snapshot.replace("$JO", &jo);
    t.app
        .store()
        .raw_query_for_tests(&format!(
            "UPDATE type::record('supervision', '{id}') SET version = 2;
             CREATE record_version SET kind = 'supervision', record = '{id}', version = 1,
                 replaced_at = d'2026-03-03T10:00:00Z', replaced_by = type::record('user', '{jo}'),
                 snapshot = {snapshot};"
        ))
        .await
        .unwrap();
    (path, sam)
}

async fn history(t: &TestApp, path: &str, token: &str) -> Value {
    let (status, history) = t.get(&format!("{path}/history"), Some(token)).await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(history["current_version"], 2);
    history
}

/// A supervision snapshot as the release before migration 0003 wrote it:
/// no schema version, the fields under `data`, sign-off under `flow`,
/// dates as text.
const SCHEMA_1: &str = "{ date: '2026-03-02', title: 'Clinical supervision', version: 1,
    created_at: d'2026-03-02T12:00:00Z', updated_at: d'2026-03-02T12:00:00Z',
    data: { date: '2026-03-02', duration_minutes: 45, supervision_type: 'peer',
        supervisor_id: '$JO', external_supervisor_name: NULL, external_supervisor_role: NULL,
        reflection: 'First draft.', safeguarding_discussed: true,
        actions: [{ text: 'Book a joint visit', due: '2026-04-01' }], next_date: NULL },
    flow: { status: 'returned', return_comment: 'Say more about risk.', signed_by: NULL,
        signed_at: NULL, addenda: [], verified_by: NULL, verified_at: NULL } }";

#[tokio::test]
async fn a_schema_1_snapshot_is_read_as_the_kinds_current_fields() {
    let t = TestApp::spawn().await;
    let (path, sam) = record_with_stored_snapshot(&t, SCHEMA_1).await;
    let history = history(&t, &path, &sam).await;
    let version = &history["versions"][0];
    assert_eq!(version["version"], 1);
    assert_eq!(version["undecodable"], Value::Null, "{version}");
    let content = &version["content"];
    assert_eq!(content["title"], "Peer supervision");
    assert_eq!(content["date"], "2026-03-02");
    assert_eq!(content["data"]["duration_minutes"], 45);
    assert_eq!(content["data"]["supervision_type"], "peer");
    assert_eq!(content["data"]["reflection"], "First draft.");
    assert_eq!(content["data"]["topics"], json!([]), "filled as 0003 did");
    assert_eq!(content["data"]["wellbeing_discussed"], false);
    assert_eq!(
        content["data"]["actions"],
        json!([{"text": "Book a joint visit", "owner": "", "due": "2026-04-01", "status": "open"}])
    );
    assert_eq!(content["flow"]["status"], "returned");
    assert_eq!(content["flow"]["return_comment"], "Say more about risk.");
    assert_eq!(content["flow"]["addenda"], json!([]));
    assert_eq!(content["flow"]["verified_by"], Value::Null);
}

#[tokio::test]
async fn a_snapshot_missing_required_fields_is_marked_undecodable() {
    let t = TestApp::spawn().await;
    let (path, sam) =
        record_with_stored_snapshot(&t, "{ data: { reflection: 'Only this.' }, version: 1 }").await;
    let history = history(&t, &path, &sam).await;
    let version = &history["versions"][0];
    assert_eq!(version["version"], 1);
    assert_eq!(version["content"], Value::Null);
    assert_eq!(version["undecodable"]["schema_version"], 1);
    let reason = version["undecodable"]["reason"].as_str().unwrap();
    assert!(reason.contains("missing field `date`"), "{reason}");
}

#[tokio::test]
async fn a_snapshot_from_a_newer_schema_is_marked_undecodable() {
    let t = TestApp::spawn().await;
    let (path, sam) =
        record_with_stored_snapshot(&t, "{ schema_version: 9, content: {}, version: 1 }").await;
    let history = history(&t, &path, &sam).await;
    assert_eq!(
        history["versions"][0]["undecodable"],
        json!({"schema_version": 9, "reason": "written under schema 9, newer than this release's 2"})
    );
}

#[tokio::test]
async fn versions_written_today_read_back_beside_an_undecodable_one() {
    let t = TestApp::spawn().await;
    let (path, sam) =
        record_with_stored_snapshot(&t, "{ schema_version: 2, content: 'text', version: 1 }").await;
    let (status, current) = t.get(&path, Some(&sam)).await;
    assert_eq!(status, 200, "{current}");
    let mut body = supervision(
        "2026-03-02",
        current["supervisor_id"].as_str(),
        "Second text.",
    );
    body["duration_minutes"] = json!(30);
    let (status, updated) = t.put(&path, Some(&sam), &body).await;
    assert_eq!(status, 200, "{updated}");
    let (status, history) = t.get(&format!("{path}/history"), Some(&sam)).await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(history["current_version"], 3);
    assert_eq!(history["versions"][0]["version"], 2);
    assert_eq!(
        history["versions"][0]["content"]["data"]["reflection"],
        "Current text."
    );
    assert_eq!(history["versions"][0]["content"]["flow"]["status"], "draft");
    assert_eq!(history["versions"][1]["version"], 1);
    assert_eq!(
        history["versions"][1]["undecodable"]["reason"],
        "`content` is not an object"
    );
}
