//! The patient-identifier guard through the pages: a refused form keeps
//! its text and says where, a saved record shows its warnings, the profile
//! page lists what holds it back, and the owner marks a warning checked.

use crate::helpers::*;
use crate::web_support::signed_in_practitioner;

fn form<'a>(csrf: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("title", "Home visit"),
        ("activity_date", "2026-11-02"),
        ("activity_type", "work_based_learning"),
        ("hours", "1"),
        ("model", "free"),
        ("body", body),
        ("learning", ""),
        ("impact", ""),
        ("benefit", ""),
        ("tags", ""),
        ("action", "save"),
    ]
}

#[tokio::test]
async fn the_pages_refuse_nhs_numbers_and_walk_a_warning_to_its_dismissal() {
    let t = TestApp::spawn().await;
    let (token, mut b) = signed_in_practitioner(&t, "sam@example.nhs.uk").await;
    let csrf = b.csrf().await;

    let refused = b
        .post(
            "/reflections/new",
            &form(&csrf, "Visit for 943 476 5919 went well"),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(
        refused
            .html
            .contains("contains what looks like an NHS number at character 11"),
        "{}",
        refused.html
    );
    assert!(refused.html.contains("Visit for 943 476 5919 went well"));
    let (_, list) = t.get("/api/v1/reflections", Some(&token)).await;
    assert_eq!(list["total"], 0);

    let saved = b
        .post(
            "/reflections/new",
            &form(&csrf, "Visit with Mrs Patel went well"),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    let record = saved.location().to_owned();
    let page = b.get(&record).await;
    assert!(
        page.html
            .contains("Check for patient-identifiable information"),
        "{}",
        page.html
    );
    assert!(
        page.html.contains(
            "<strong>“Mrs Patel”</strong> may be a person's title and surname (body, character 12)"
        ),
        "{}",
        page.html
    );

    let home = b.get("/").await;
    assert_eq!(home.status, 200, "{}", home.html);
    assert!(
        home.html
            .contains("1 passage(s) in your records may identify a service user."),
        "{}",
        home.html
    );

    let held = b.get("/profile?from=2026-01-01&to=2026-11-20").await;
    assert_eq!(held.status, 409, "{}", held.html);
    assert!(
        held.html.contains(&format!(r#"href="{record}""#)),
        "{}",
        held.html
    );

    let marker = "/pii-flags/";
    let start = page.html.find(marker).unwrap() + marker.len();
    let flag = &page.html[start..start + 16];
    let dismissed = b
        .post(
            &format!("{record}/pii-flags/{flag}/dismiss"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(dismissed.status, 303, "{}", dismissed.html);
    assert_eq!(dismissed.location(), record);
    let page = b.get(&record).await;
    assert!(
        !page
            .html
            .contains("Check for patient-identifiable information")
    );
    let profile = b.get("/profile?from=2026-01-01&to=2026-11-20").await;
    assert_eq!(profile.status, 200, "{}", profile.html);
    assert!(profile.html.contains("Audit readiness: not yet"));
    assert!(profile.html.contains(
        "<strong>Next: </strong>Write your summary of practice (up to 500 words) on your account page."
    ), "{}", profile.html);

    let account = b.get("/account").await;
    assert!(
        account
            .html
            .contains(r#"<a href="/account/export" download>"#)
    );
    let zip = b.get("/account/export").await;
    assert_eq!(zip.status, 200);
    assert_eq!(zip.headers["content-type"], "application/zip");

    let forged = b
        .post(
            &format!("{record}/pii-flags/{flag}/dismiss"),
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(forged.status, 403);
}
