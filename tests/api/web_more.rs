//! Pages that complete the web interface: a training record's own page,
//! the calendar address on the account page, and a supervision step whose
//! text is refused coming back with the text kept.

use serde_json::json;

use crate::helpers::*;
use crate::web_support::{Browser, signed_in_practitioner};

#[tokio::test]
async fn a_training_record_has_a_page_with_its_files_and_history() {
    let t = TestApp::spawn().await;
    let (token, mut b) = signed_in_practitioner(&t, "sam@example.nhs.uk").await;
    let (_, created) = t
        .post(
            "/api/v1/training",
            Some(&token),
            &training("fire-safety-l1", "2026-01-10", "Done at the surgery."),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    let list = b.get("/training").await;
    assert!(
        list.html.contains(&format!(r#"<a href="/training/{id}">"#)),
        "{}",
        list.html
    );
    let page = b.get(&format!("/training/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.html);
    for text in [
        "<dt>Completed</dt><dd>10 January 2026</dd>",
        "<dt>Verified</dt><dd>Not yet</dd>",
        "Done at the surgery.",
        &format!(r#"action="/training/{id}/files""#),
        &format!(r#"href="/training/{id}/history""#),
    ] {
        assert!(page.html.contains(text), "{text}: {}", page.html);
    }

    let (_, mut other) = signed_in_practitioner(&t, "kim@example.nhs.uk").await;
    assert_eq!(other.get(&format!("/training/{id}")).await.status, 404);
    assert_eq!(other.get("/training/not-an-id").await.status, 404);
}

#[tokio::test]
async fn the_account_page_makes_shows_and_stops_a_calendar_address() {
    let t = TestApp::spawn().await;
    let (_, mut b) = signed_in_practitioner(&t, "sam@example.nhs.uk").await;
    let account = b.get("/account").await;
    assert!(
        account.html.contains("Make a calendar address"),
        "{}",
        account.html
    );
    let csrf = account.hidden("csrf");

    let made = b.post("/account/calendar", &[("csrf", &csrf)]).await;
    assert_eq!(made.status, 200, "{}", made.html);
    let start = made.html.find("/api/v1/calendar/").unwrap();
    let end = start + made.html[start..].find('<').unwrap();
    let feed = made.html[start..end].to_owned();
    assert!(feed.ends_with(".ics"), "{feed}");
    let (status, _) = t.get(&feed, None).await;
    assert_eq!(status, 200);
    let again = b.get("/account").await;
    assert!(again.html.contains("made on"), "{}", again.html);
    assert!(!again.html.contains(&feed), "the address is shown once");

    let stopped = b.post("/account/calendar/revoke", &[("csrf", &csrf)]).await;
    assert_eq!((stopped.status, stopped.location()), (303, "/account"));
    assert!(
        b.get("/account")
            .await
            .html
            .contains("Make a calendar address")
    );
    let resp = t.http.get(t.url(&feed)).send().await.unwrap();
    assert_eq!(resp.status(), 404);

    let forged = b.post("/account/calendar", &[("csrf", "forged")]).await;
    assert_eq!(forged.status, 403);
}

#[tokio::test]
async fn a_refused_return_or_addendum_keeps_its_text_beside_the_error() {
    let t = TestApp::spawn().await;
    let (sam, lead) = riverside_team(&t).await;
    let (_, me) = t.get("/api/v1/me", Some(&lead)).await;
    let lead_id = me["id"].as_str().unwrap();
    let path = create_record(
        &t,
        &sam,
        "/api/v1/supervision",
        &supervision("2026-03-02", Some(lead_id), "Caseload."),
    )
    .await;
    let (status, _) = t
        .post(&format!("{path}/submit"), Some(&sam), &json!({}))
        .await;
    assert_eq!(status, 200);
    let id = path.rsplit('/').next().unwrap();

    let mut supervisor = Browser::new(&t);
    supervisor.sign_in("lead@example.nhs.uk", PASSWORD).await;
    let csrf = supervisor.csrf().await;
    let long = "Please say more about the risk plan. ".repeat(140);
    let refused = supervisor
        .post(
            &format!("/supervision/{id}/return"),
            &[("csrf", &csrf), ("comment", &long)],
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(
        refused.html.contains(r##"<a href="#f-comment">"##),
        "{}",
        refused.html
    );
    assert!(refused.html.contains(long.trim()), "the comment is kept");

    let (status, _) = t
        .post(&format!("{path}/sign-off"), Some(&lead), &json!({}))
        .await;
    assert_eq!(status, 200);
    let mut supervisee = Browser::new(&t);
    supervisee.sign_in("sam@example.nhs.uk", PASSWORD).await;
    let csrf = supervisee.csrf().await;
    let note = "Correction: the referral was for NHS 943 476 5919.";
    let refused = supervisee
        .post(
            &format!("/supervision/{id}/addenda"),
            &[("csrf", &csrf), ("text", note)],
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(
        refused.html.contains("looks like an NHS number"),
        "{}",
        refused.html
    );
    assert!(refused.html.contains(note), "the addendum is kept");
    let (_, record) = t.get(&path, Some(&sam)).await;
    assert_eq!(record["workflow"]["addenda"], json!([]));
}

#[tokio::test]
async fn the_profile_preview_lists_fifty_activities_and_the_download_all() {
    let t = TestApp::spawn().await;
    let (token, mut b) = signed_in_practitioner(&t, "sam@example.nhs.uk").await;
    for i in 0..52 {
        let day = format!("2026-{:02}-{:02}", 1 + i / 28, 1 + i % 28);
        t.create_entry(
            &token,
            &entry(&format!("Activity number {i:02}"), &day, "other"),
        )
        .await;
    }
    let page = b.get("/profile?from=2026-01-01&to=2026-11-20").await;
    assert_eq!(page.status, 200);
    assert!(
        page.html
            .contains("The preview lists the first 50 of your 52 activities"),
        "{}",
        page.html
    );
    let download = b
        .get("/profile/download?from=2026-01-01&to=2026-11-20&format=markdown")
        .await;
    let titles = |text: &str| {
        (0..52)
            .filter(|i| text.contains(&format!("Activity number {i:02}")))
            .count()
    };
    assert_eq!(titles(&download.html), 52);
    assert!(page.html.contains("Activity number 49"));
    let listed = page.html.matches("Activity number").count();
    assert!(
        listed < download.html.matches("Activity number").count(),
        "{listed}"
    );
}

#[tokio::test]
async fn the_evidence_bundle_holds_the_records_ticked_in_the_page() {
    let t = TestApp::spawn().await;
    t.user("ot@example.nhs.uk", role("practitioner"), None)
        .await;
    let token = t.login("ot@example.nhs.uk").await;
    let kept = t
        .create_entry(
            &token,
            &entry("Sensory workshop", "2026-10-01", "formal_education"),
        )
        .await;
    let left_out = t
        .create_entry(
            &token,
            &entry("Falls huddle", "2026-10-02", "work_based_learning"),
        )
        .await;
    let mut b = Browser::new(&t);
    b.sign_in("ot@example.nhs.uk", PASSWORD).await;

    let profile = b.get("/profile?from=2026-01-01&to=2026-11-01").await;
    assert!(
        profile
            .html
            .contains(r#"<a href="/profile/evidence?from=2026-01-01&amp;to=2026-11-01">"#),
        "{}",
        profile.html
    );
    let page = b
        .get("/profile/evidence?from=2026-01-01&to=2026-11-01")
        .await;
    assert_eq!(page.status, 200);
    for id in [&kept, &left_out] {
        assert!(
            page.html.contains(&format!(
                r#"<input type="checkbox" id="record-{id}" name="records" value="{id}" checked>"#
            )),
            "{}",
            page.html
        );
    }
    let zip = b
        .get(&format!(
            "/profile/bundle?from=2026-01-01&to=2026-11-01&choose=1&records={kept}"
        ))
        .await;
    assert_eq!(zip.status, 200, "{}", zip.html);
    assert_eq!(zip.headers["content-type"], "application/zip");
    assert_eq!(
        zip.headers["content-disposition"],
        "attachment; filename=\"cpd-evidence-2026-01-01-to-2026-11-01.zip\""
    );
    assert!(zip.html.starts_with("PK"));
    assert!(
        zip.html
            .contains("E02 Reflective record - Sensory workshop.pdf")
    );
    assert!(!zip.html.contains("Falls huddle"));

    let none_ticked = b
        .get("/profile/bundle?from=2026-01-01&to=2026-11-01&choose=1")
        .await;
    assert_eq!(none_ticked.status, 400, "{}", none_ticked.html);
    assert!(none_ticked.html.contains("choose at least one record"));
}
