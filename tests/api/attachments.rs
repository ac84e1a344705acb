//! What an upload may be and what happens to the record it is attached to:
//! documents are read from their zip directory, text only under a text
//! name, the stored name follows the detected type, and attaching or
//! removing a file is an edit of the record.

use serde_json::Value;

use crate::helpers::*;

const DOCX_MIME: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A practitioner's token and the attachments path of a new audit record.
async fn audit_attachments(t: &TestApp) -> (String, String) {
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (status, created) = t
        .post("/api/v1/audits", Some(&sam), &audit("Falls audit", "62%"))
        .await;
    assert_eq!(status, 201, "{created}");
    let path = format!(
        "/api/v1/audits/{}/attachments",
        created["id"].as_str().unwrap()
    );
    (sam, path)
}

fn names(listed: &Value) -> Vec<&str> {
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["file_name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn zip_uploads_must_be_real_documents_without_programs() {
    let t = TestApp::spawn().await;
    let (sam, path) = audit_attachments(&t).await;

    let mut with_program = DOCX_PARTS.to_vec();
    with_program.push(("word/media/setup.exe", b"MZ\x90\0\x03"));
    let (status, problem) = t
        .upload(
            &path,
            Some(&sam),
            "report.docx",
            &stored_zip(&with_program, b""),
        )
        .await;
    assert_problem(status, &problem, 415);
    assert_eq!(
        problem["detail"],
        "the document holds a program or script; upload a PDF, PNG, JPEG, DOCX, ODT or plain-text file"
    );

    let comment_only = stored_zip(
        &[("notes.txt", b"hello")],
        b"[Content_Types].xml word/document.xml",
    );
    let (status, problem) = t
        .upload(&path, Some(&sam), "report.docx", &comment_only)
        .await;
    assert_problem(status, &problem, 415);
    assert_eq!(
        problem["detail"],
        "this type of file is not accepted; upload a PDF, PNG, JPEG, DOCX, ODT or plain-text file"
    );

    let (status, docx) = t
        .upload(
            &path,
            Some(&sam),
            "report.docx",
            &stored_zip(&DOCX_PARTS, b""),
        )
        .await;
    assert_eq!(status, 201, "{docx}");
    assert_eq!(docx["media_type"], DOCX_MIME);
    let (_, listed) = t.get(&path, Some(&sam)).await;
    assert_eq!(names(&listed), ["report.docx"]);
}
