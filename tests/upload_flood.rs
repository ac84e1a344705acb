//! Twenty 20 MiB uploads at once against the real binary, alone in its own
//! test binary so that nothing else competes while it measures memory:
//! each upload is streamed to disk while it is hashed, and its type is
//! checked on a map of the file, so none is held whole. With the default
//! `max_concurrent_uploads` (4) four are received at a time and the rest
//! wait their turn, unread, in their connections.

mod binary;

use std::time::Duration;

use binary::{cpdfolio, memory, start_server_with};

const MIB: usize = 1024 * 1024;
const UPLOADS: usize = 20;

/// A PDF of exactly `size` bytes (a header, a comment of filler, the end).
fn pdf_of(size: usize, n: usize) -> Vec<u8> {
    let head = format!("%PDF-1.7\n% upload {n}\n%");
    let tail = b"\n%%EOF\n";
    let mut bytes = head.into_bytes();
    bytes.resize(size - tail.len(), b'x');
    bytes.extend_from_slice(tail);
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_20_mib_uploads_stay_within_64_mib_of_idle() {
    let data = tempfile::tempdir().unwrap();
    binary::create_account(data.path(), "ot@example.nhs.uk", "practitioner", None);
    let (mut server, url) = start_server_with(cpdfolio(data.path()));
    let pid = server.id();
    let http = reqwest::Client::new();
    let token = binary::sign_in(&http, &url, "ot@example.nhs.uk").await;
    let mut targets = Vec::new();
    for n in 0..UPLOADS {
        let audit: serde_json::Value = http
            .post(format!("{url}/api/v1/audits"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "title": format!("Audit {n}"),
                "audit_kind": "clinical_audit",
                "my_role": "lead auditor",
                "standard": "NICE NG249 falls",
                "started_on": "2026-01-05",
                "completed_on": "2026-02-27",
                "findings": "62% had a falls plan",
                "actions": "Teach the pathway"
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        targets.push(format!(
            "{url}/api/v1/audits/{}/attachments",
            audit["id"].as_str().unwrap()
        ));
    }
    let bodies: Vec<Vec<u8>> = (0..UPLOADS).map(|n| pdf_of(20 * MIB, n)).collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").unwrap();
    let (idle, _) = memory(pid);

    let mut uploads = tokio::task::JoinSet::new();
    for (target, bytes) in targets.into_iter().zip(bodies) {
        let part = reqwest::multipart::Part::bytes(bytes).file_name("audit.pdf");
        let req = http
            .post(target)
            .bearer_auth(&token)
            .multipart(reqwest::multipart::Form::new().part("file", part));
        uploads.spawn(async move { req.send().await.unwrap().status().as_u16() });
    }
    let statuses: Vec<u16> = uploads.join_all().await;
    let (_, peak) = memory(pid);
    server.kill().unwrap();
    server.wait().unwrap();
    let grown = peak.saturating_sub(idle);
    eprintln!(
        "upload flood: {UPLOADS} x 20 MiB, statuses {statuses:?}, peak RSS {} MiB above idle ({} MiB)",
        grown / MIB as u64,
        idle / MIB as u64
    );
    assert_eq!(statuses, vec![201; UPLOADS]);
    assert!(
        grown <= 64 * MIB as u64,
        "peak RSS grew by {} MiB over idle",
        grown / MIB as u64
    );
}
