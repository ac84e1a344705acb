//! What the logs hold: a request id on every response and on the log lines
//! of that request, and, for an internal error, its kind — never the values
//! in the error's message (they can be a patient's or colleague's name).

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use serde_json::json;

use crate::helpers::*;

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends every log line of this test binary into [`LOGS`].
fn capture_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        tracing_subscriber::fmt()
            .with_writer(|| Capture)
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .init();
    });
}

fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

fn request_id(headers: &reqwest::header::HeaderMap) -> String {
    let id = headers["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 32, "{id}");
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    id
}

#[tokio::test]
async fn every_response_has_its_own_request_id() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let mut seen = Vec::new();
    for (path, token, status) in [
        ("/api/v1/me", Some(token.as_str()), 200),
        ("/api/v1/me", None, 401),
        ("/api/v1/nowhere", None, 404),
    ] {
        let (got, _, headers) = t.send(t.http.get(t.url(path)), token).await;
        assert_eq!(got, status, "{path}");
        seen.push(request_id(&headers));
    }
    seen.dedup();
    assert_eq!(seen.len(), 3, "{seen:?}");
}

#[tokio::test]
async fn an_internal_error_is_logged_by_kind_and_request_id_without_values() {
    capture_logs();
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    // A database rule stricter than the domain's, so the database's own
    // error message (which quotes the value) reaches the top.
    t.app
        .store()
        .raw_query_for_tests(
            "DEFINE FIELD OVERWRITE content.findings ON audit TYPE string ASSERT string::len($value) < 3",
        )
        .await
        .unwrap();
    let req = t.http.post(t.url("/api/v1/audits")).json(&audit(
        "Falls audit",
        "Mrs Quentina Zyx-7f3a was seen twice",
    ));
    let (status, body, headers) = t.send(req, Some(&token)).await;
    assert_eq!(
        (status, body["detail"].clone()),
        (500, json!("an internal error occurred; it has been logged"))
    );
    let id = request_id(&headers);
    let logs = logs();
    let line = logs
        .lines()
        .find(|l| l.contains(&id) && l.contains("internal error"))
        .unwrap_or_else(|| panic!("no log line for request {id}"));
    assert!(line.contains("kind=storage: database"), "{line}");
    assert!(!logs.contains("Quentina"), "a value reached the logs");
    assert!(
        !logs.contains("sam@example.nhs.uk"),
        "an email reached the logs"
    );
}

#[tokio::test]
async fn an_undecodable_past_version_is_logged_by_schema_without_its_text() {
    capture_logs();
    let t = TestApp::spawn().await;
    let (path, sam) = crate::history::record_with_stored_snapshot(
        &t,
        "{ data: { reflection: 'Mr Ostrava-Kwill 9c2e said', duration_minutes: 'Kwill-9c2e' }, version: 1 }",
    )
    .await;
    let record_id = path.rsplit('/').next().unwrap();
    let (status, history, headers) = t
        .send(t.http.get(t.url(&format!("{path}/history"))), Some(&sam))
        .await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(history["versions"][0]["undecodable"]["schema_version"], 1);
    let id = request_id(&headers);
    let logs = logs();
    let line = logs
        .lines()
        .find(|l| l.contains(&id) && l.contains("cannot be decoded"))
        .unwrap_or_else(|| panic!("no log line for request {id}"));
    assert!(line.contains(record_id), "{line}");
    assert!(line.contains("schema_version=1"), "{line}");
    assert!(line.contains("version=1"), "{line}");
    assert!(!logs.contains("Kwill"), "stored text reached the logs");
}
