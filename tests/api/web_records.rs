//! Files, version history, sharing and the access log as pages.

use serde_json::json;

use crate::helpers::*;
use crate::web_support::{Browser, signed_in_practitioner};

#[tokio::test]
async fn files_history_sharing_and_the_access_log_work_through_the_pages() {
    let t = TestApp::spawn().await;
    t.user(
        "author@example.nhs.uk",
        role("practitioner"),
        Some("Riverside PCN"),
    )
    .await;
    let reader_id = t
        .user(
            "reader@example.nhs.uk",
            role("practitioner"),
            Some("Riverside PCN"),
        )
        .await;
    let author = t.login("author@example.nhs.uk").await;
    let mut draft = entry("Falls clinic", "2026-11-02", "work_based_learning");
    let id = t.create_entry(&author, &draft).await;
    draft["title"] = json!("Falls clinic, second visit");
    let (status, _) = t
        .put(&format!("/api/v1/reflections/{id}"), Some(&author), &draft)
        .await;
    assert_eq!(status, 200);

    let mut b = Browser::new(&t);
    b.sign_in("author@example.nhs.uk", PASSWORD).await;
    let page = b.get(&format!("/reflections/{id}")).await;
    assert!(page.html.contains("No files attached."));
    assert!(
        page.html.contains(&format!(
            r#"<option value="{reader_id}">Test reader@example.nhs.uk</option>"#
        )),
        "{}",
        page.html
    );
    let csrf = page.hidden("csrf");

    let upload = |token: &str| {
        reqwest::multipart::Form::new()
            .text("csrf", token.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(pdf_bytes("notes")).file_name("notes.pdf"),
            )
    };
    let forged = b
        .send(
            b.http
                .post(t.url(&format!("/reflections/{id}/files")))
                .header("sec-fetch-site", "same-origin")
                .multipart(upload("nope")),
        )
        .await;
    assert_eq!(forged.status, 403);
    let (_, none) = t
        .get(
            &format!("/api/v1/reflections/{id}/attachments"),
            Some(&author),
        )
        .await;
    assert_eq!(none, json!([]));
    let attached = b
        .send(
            b.http
                .post(t.url(&format!("/reflections/{id}/files")))
                .header("sec-fetch-site", "same-origin")
                .multipart(upload(&csrf)),
        )
        .await;
    assert_eq!(
        (attached.status, attached.location()),
        (303, format!("/reflections/{id}").as_str())
    );
    let (_, files) = t
        .get(
            &format!("/api/v1/reflections/{id}/attachments"),
            Some(&author),
        )
        .await;
    let file_id = files[0]["id"].as_str().unwrap();
    let page = b.get(&format!("/reflections/{id}")).await;
    assert!(
        page.html.contains(&format!(
            r#"href="/reflections/{id}/files/{file_id}" download>notes.pdf</a>"#
        )),
        "{}",
        page.html
    );
    let file = b.get(&format!("/reflections/{id}/files/{file_id}")).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.headers["content-type"], "application/pdf");
    assert_eq!(
        file.headers["content-disposition"],
        "attachment; filename=\"notes.pdf\""
    );
    assert_eq!(file.html.as_bytes(), pdf_bytes("notes").as_slice());

    let history = b.get(&format!("/reflections/{id}/history")).await;
    assert_eq!(history.status, 200);
    assert!(
        history.html.contains("This is version 2."),
        "{}",
        history.html
    );
    assert!(
        history.html.contains("Changed in the next version: title."),
        "{}",
        history.html
    );

    let shared = b
        .post(
            &format!("/reflections/{id}/share"),
            &[("csrf", &csrf), ("user_id", &reader_id)],
        )
        .await;
    assert_eq!(shared.status, 303, "{}", shared.html);
    let mut reader = Browser::new(&t);
    reader.sign_in("reader@example.nhs.uk", PASSWORD).await;
    let seen = reader.get(&format!("/reflections/{id}")).await;
    assert_eq!(seen.status, 200);
    assert!(!seen.html.contains("Share with a colleague"));
    assert!(!seen.html.contains("Attach file"));
    assert_eq!(
        reader
            .get(&format!("/reflections/{id}/history"))
            .await
            .status,
        404
    );

    let log = b.get("/account/access-log").await;
    assert!(
        log.html
            .contains("<td>Test reader@example.nhs.uk</td><td>read</td><td>reflection</td>"),
        "{}",
        log.html
    );

    let withdrawn = b
        .post(
            &format!("/reflections/{id}/unshare"),
            &[("csrf", &csrf), ("user_id", &reader_id)],
        )
        .await;
    assert_eq!(withdrawn.status, 303);
    assert_eq!(reader.get(&format!("/reflections/{id}")).await.status, 404);
    assert_eq!(
        reader
            .get(&format!("/reflections/{id}/files/{file_id}"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn an_audit_and_the_persons_details_are_recorded_through_the_pages() {
    let t = TestApp::spawn().await;
    let (token, mut b) = signed_in_practitioner(&t, "ot@example.nhs.uk").await;
    let csrf = b.csrf().await;
    let form = |title: &'static str, started: &'static str| {
        vec![
            ("title", title),
            ("audit_kind", "clinical_audit"),
            ("my_role", "Lead auditor"),
            ("standard", "NICE NG222"),
            ("started_on", started),
            ("completed_on", ""),
            ("outcome_measures", "COPM, WEMWBS"),
            ("findings", "Most goals were recorded."),
            ("actions", "Re-audit in six months."),
            ("reaudit_due", ""),
        ]
    };
    let mut bad = form("", "2026-02-30");
    bad.push(("csrf", &csrf));
    let page = b.post("/audits/new", &bad).await;
    assert_eq!(page.status, 400);
    assert!(
        page.html.contains(
            r##"<a href="#f-started-on">Started must be a real date, for example 2026-03-31</a>"##
        ),
        "{}",
        page.html
    );
    assert!(
        page.html
            .contains(r##"<a href="#f-title">Title must not be empty</a>"##)
    );
    let mut good = form("COPM goal-setting audit", "2026-10-01");
    good.push(("csrf", &csrf));
    let saved = b.post("/audits/new", &good).await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    let shown = b.get(saved.location()).await;
    assert!(shown.html.contains("<h1>COPM goal-setting audit</h1>"));
    assert!(shown.html.contains("<dd>COPM, WEMWBS</dd>"));
    let (_, audits) = t.get("/api/v1/audits", Some(&token)).await;
    assert_eq!(
        audits["items"][0]["outcome_measures"],
        json!(["COPM", "WEMWBS"])
    );

    let details = b
        .post(
            "/account",
            &[
                ("csrf", &csrf),
                ("name", "Olu Thompson"),
                ("hcpc_number", "OT12345"),
                ("practice_summary", "Primary care OT."),
            ],
        )
        .await;
    assert_eq!((details.status, details.location()), (303, "/account"));
    let account = b.get("/account").await;
    assert!(
        account
            .html
            .contains(r#"data-word-count="f-practice-summary" data-limit="500" aria-live="polite">3 of 500 words</p>"#),
        "{}",
        account.html
    );
    let (_, me) = t.get("/api/v1/me", Some(&token)).await;
    assert_eq!(
        (me["name"].as_str(), me["hcpc_number"].as_str()),
        (Some("Olu Thompson"), Some("OT12345"))
    );
    let blank = b
        .post(
            "/account",
            &[
                ("csrf", &csrf),
                ("name", " "),
                ("hcpc_number", ""),
                ("practice_summary", ""),
            ],
        )
        .await;
    assert_eq!(blank.status, 400);
    assert!(blank.html.contains(r##"href="#f-name""##), "{}", blank.html);
}
