//! What an upload may be and what happens to the record it is attached to:
//! documents are read from their zip directory, text only under a text
//! name, the stored name follows the detected type, and attaching or
//! removing a file is an edit of the record.

use serde_json::{Value, json};

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
