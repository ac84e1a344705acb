//! What an upload may be and what happens to the record it is attached to:
//! documents are read from their zip directory, text only under a text
//! name, the stored name follows the detected type, and attaching or
//! removing a file is an edit of the record.

use serde_json::{Value, json};

use crate::helpers::*;
use cpdfolio::domain::user::Role;

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
        "the document holds a program or script; upload a PDF, PNG, JPEG, DOCX or ODT file, or text named .txt, .csv or .md"
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
        "this type of file is not accepted; upload a PDF, PNG, JPEG, DOCX or ODT file, or text named .txt, .csv or .md"
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

const ACCEPTED: &str = "upload a PDF, PNG, JPEG, DOCX or ODT file, or text named .txt, .csv or .md";

#[tokio::test]
async fn text_is_accepted_only_as_txt_csv_or_md_and_never_as_markup() {
    let t = TestApp::spawn().await;
    let (sam, path) = audit_attachments(&t).await;
    let notes = b"@echo off\r\nSupervision notes\r\n";
    for name in [
        "certificate.bat",
        "certificate.ps1",
        "certificate.hta",
        "certificate.html",
        "certificate.svg",
        "notes.txt.cmd",
    ] {
        let (status, problem) = t.upload(&path, Some(&sam), name, notes).await;
        assert_problem(status, &problem, 415);
        assert_eq!(
            problem["detail"],
            format!(
                "a text file is accepted only under a name ending .txt, .csv or .md; {ACCEPTED}"
            ),
            "{name}"
        );
    }
    for (name, markup) in [
        ("certificate.txt", "<html><body>Certificate</body></html>"),
        ("drawing.md", "\u{feff}\n  <svg onload=\"alert(1)\"/>"),
        ("notes.csv", "name,score\nSam,<script>alert(1)</script>\n"),
        ("feed.txt", "<?xml version=\"1.0\"?><rss/>"),
    ] {
        let (status, problem) = t.upload(&path, Some(&sam), name, markup.as_bytes()).await;
        assert_problem(status, &problem, 415);
        assert_eq!(
            problem["detail"],
            format!("text that is HTML, SVG, XML or script is not accepted; {ACCEPTED}"),
            "{name}"
        );
    }
    let (_, listed) = t.get(&path, Some(&sam)).await;
    assert_eq!(listed, json!([]));

    for (name, media_type) in [
        ("notes.TXT", "text/plain; charset=utf-8"),
        ("scores.csv", "text/csv; charset=utf-8"),
        ("plan.md", "text/markdown; charset=utf-8"),
    ] {
        let (status, attached) = t.upload(&path, Some(&sam), name, notes).await;
        assert_eq!(status, 201, "{attached}");
        assert_eq!(
            (&attached["file_name"], &attached["media_type"]),
            (&json!(name), &json!(media_type))
        );
    }
}

#[tokio::test]
async fn stored_names_and_downloads_follow_the_detected_type() {
    let t = TestApp::spawn().await;
    let (sam, path) = audit_attachments(&t).await;
    for (name, bytes, stored, media_type) in [
        (
            "scan.PDF.exe",
            pdf_bytes("scan"),
            "scan.PDF",
            "application/pdf",
        ),
        ("photo.html", png_bytes(), "photo.png", "image/png"),
        (
            "report.doc.js",
            stored_zip(&DOCX_PARTS, b""),
            "report.docx",
            DOCX_MIME,
        ),
        (
            "scores.csv",
            b"name,score\nSam,3\n".to_vec(),
            "scores.csv",
            "text/csv; charset=utf-8",
        ),
    ] {
        let (status, attached) = t.upload(&path, Some(&sam), name, &bytes).await;
        assert_eq!(status, 201, "{attached}");
        assert_eq!(
            (&attached["file_name"], &attached["media_type"]),
            (&json!(stored), &json!(media_type)),
            "{name}"
        );
        let (status, body, headers) = t
            .send(
                t.http.get(t.url(attached["href"].as_str().unwrap())),
                Some(&sam),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(headers["content-type"], media_type, "{name}");
        assert_eq!(
            headers["content-disposition"],
            format!("attachment; filename=\"{stored}\"; filename*=UTF-8''{stored}"),
            "{name}"
        );
    }
}

const SIGNED_IS_FIXED: &str =
    "the record is signed and cannot be changed; add an addendum to correct it";

#[tokio::test]
async fn attachments_of_supervision_change_only_while_the_record_may_be_edited() {
    let t = TestApp::spawn().await;
    let team = Some("Riverside PCN");
    t.user("sam@example.nhs.uk", Role::Practitioner, team).await;
    let jo = t.user("jo@example.nhs.uk", Role::Practitioner, team).await;
    let sam = t.login("sam@example.nhs.uk").await;
    let supervisor = t.login("jo@example.nhs.uk").await;
    let (_, created) = t
        .post(
            "/api/v1/supervision",
            Some(&sam),
            &supervision("2026-03-02", Some(&jo), "We discussed risk."),
        )
        .await;
    let base = format!("/api/v1/supervision/{}", created["id"].as_str().unwrap());
    let path = format!("{base}/attachments");
    let (status, draft_file) = t
        .upload(&path, Some(&sam), "notes.pdf", &pdf_bytes("draft"))
        .await;
    assert_eq!(status, 201, "{draft_file}");

    let (status, _) = t
        .post(&format!("{base}/submit"), Some(&sam), &json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, problem) = t
        .upload(&path, Some(&sam), "late.pdf", &pdf_bytes("late"))
        .await;
    assert_problem(status, &problem, 409);
    assert_eq!(
        problem["detail"],
        "the record is waiting for the supervisor's sign-off; it cannot be changed until it is signed or returned"
    );

    let (status, _) = t
        .post(&format!("{base}/sign-off"), Some(&supervisor), &json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, problem) = t
        .upload(&path, Some(&sam), "after.pdf", &pdf_bytes("after"))
        .await;
    assert_problem(status, &problem, 409);
    assert_eq!(problem["detail"], SIGNED_IS_FIXED);
    let (status, problem) = t
        .delete(draft_file["href"].as_str().unwrap(), Some(&sam))
        .await;
    assert_problem(status, &problem, 409);
    assert_eq!(problem["detail"], SIGNED_IS_FIXED);

    let (_, listed) = t.get(&path, Some(&sam)).await;
    assert_eq!(names(&listed), ["notes.pdf"]);
    let stored = walk_files(&t.data.path().join("attachments"));
    assert_eq!(stored, 1, "nothing of the refused uploads is kept");
}

/// Files under `dir`, none if it does not exist.
fn walk_files(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .map(|e| e.unwrap().path())
        .map(|p| if p.is_dir() { walk_files(&p) } else { 1 })
        .sum()
}

#[tokio::test]
async fn changing_a_verified_training_records_files_needs_verifying_again() {
    let t = TestApp::spawn().await;
    let team = Some("Riverside PCN");
    t.user("sam@example.nhs.uk", Role::Practitioner, team).await;
    t.user("lead@example.nhs.uk", Role::Lead, team).await;
    let sam = t.login("sam@example.nhs.uk").await;
    let lead = t.login("lead@example.nhs.uk").await;
    let (_, created) = t
        .post(
            "/api/v1/training",
            Some(&sam),
            &training("fire-safety-l1", "2026-01-15", ""),
        )
        .await;
    let base = format!("/api/v1/training/{}", created["id"].as_str().unwrap());
    let verify = || async {
        let (status, verified) = t
            .post(&format!("{base}/verify"), Some(&lead), &json!({}))
            .await;
        assert_eq!(status, 200, "{verified}");
        assert!(
            verified["workflow"]["verified_at"].is_string(),
            "{verified}"
        );
    };
    let verification = |record: &Value| {
        (
            record["version"].clone(),
            record["workflow"]["verified_by"].clone(),
            record["workflow"]["verified_at"].clone(),
        )
    };

    verify().await;
    let (status, certificate) = t
        .upload(
            &format!("{base}/attachments"),
            Some(&sam),
            "certificate.pdf",
            &pdf_bytes("fire safety"),
        )
        .await;
    assert_eq!(status, 201, "{certificate}");
    let (_, record) = t.get(&base, Some(&sam)).await;
    assert_eq!(
        verification(&record),
        (json!(3), Value::Null, Value::Null),
        "a new certificate needs verifying"
    );

    verify().await;
    let (status, _) = t
        .delete(certificate["href"].as_str().unwrap(), Some(&sam))
        .await;
    assert_eq!(status, 204);
    let (_, record) = t.get(&base, Some(&sam)).await;
    assert_eq!(
        verification(&record),
        (json!(5), Value::Null, Value::Null),
        "a removed certificate needs verifying"
    );
    let (_, history) = t.get(&format!("{base}/history"), Some(&sam)).await;
    assert_eq!(history["current_version"], 5);
}

/// Sends a multipart body of `parts` (name, file name, bytes), closed or
/// cut off before its closing boundary.
async fn send_parts(
    t: &TestApp,
    path: &str,
    token: &str,
    parts: &[(&str, Option<&str>, &[u8])],
    closed: bool,
) -> (u16, Value) {
    let boundary = "cpdfolio-parts-boundary-41c9";
    let mut body = Vec::new();
    for (name, file_name, bytes) in parts {
        let file_name = file_name.map_or(String::new(), |f| format!("; filename=\"{f}\""));
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{file_name}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    if closed {
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    }
    t.post_multipart(path, Some(token), boundary, body).await
}

#[tokio::test]
async fn the_upload_form_holds_the_file_and_nothing_else() {
    let t = TestApp::spawn().await;
    let (sam, path) = audit_attachments(&t).await;
    let pdf = pdf_bytes("falls audit results");

    let before = [("note", None, &b"hello"[..]), ("file", Some("a.pdf"), &pdf)];
    let (status, problem) = send_parts(&t, &path, &sam, &before, true).await;
    assert_problem(status, &problem, 400);
    assert_eq!(
        problem["detail"],
        "the form has a part named \"note\"; the only part accepted is `file`"
    );

    let trailing: [(&str, Option<&str>); 2] = [("ab\u{e9}c'--", None), ("file", Some("b.pdf"))];
    for (name, file_name) in trailing {
        let parts = [("file", Some("a.pdf"), &pdf[..]), (name, file_name, b"x")];
        let (status, problem) = send_parts(&t, &path, &sam, &parts, true).await;
        assert_problem(status, &problem, 400);
        assert_eq!(
            problem["detail"],
            format!(
                "the upload could not be read: the form has a part named {name:?}; the only part accepted is `file`"
            )
        );
    }

    let cut_off = [("file", Some("a.pdf"), &pdf[..])];
    let (status, problem) = send_parts(&t, &path, &sam, &cut_off, false).await;
    assert_problem(status, &problem, 400);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .starts_with("the upload could not be read: "),
        "{problem}"
    );

    let (_, listed) = t.get(&path, Some(&sam)).await;
    assert_eq!(listed, json!([]));
    assert_eq!(walk_files(&t.data.path().join("attachments")), 0);
    assert_eq!(walk_files(&t.data.path().join("incoming")), 0);

    let (status, attached) = send_parts(&t, &path, &sam, &cut_off, true).await;
    assert_eq!(status, 201, "{attached}");
    assert_eq!(attached["file_name"], "a.pdf");
}
