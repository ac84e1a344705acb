//! The calendar feed: a secret address serving the caller's due dates as
//! iCalendar, replaced or revoked by its owner, 404 for anything else, and
//! nothing in it but requirement titles and dates.

use std::sync::Arc;

use cpdfolio::app::FixedClock;
use serde_json::json;
use time::macros::datetime;

use crate::helpers::*;

async fn feed(t: &TestApp, url: &str) -> (u16, String, String) {
    let resp = t.http.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, resp.text().await.unwrap())
}

async fn new_feed(t: &TestApp, token: &str) -> String {
    let (status, created) = t.post("/api/v1/me/calendar", Some(token), &json!({})).await;
    assert_eq!(status, 201, "{created}");
    let url = created["url"].as_str().unwrap().to_owned();
    // The configured base URL is not this test server's address.
    let path = &url[url.find("/api/v1/calendar/").unwrap()..];
    t.url(path)
}

/// Sam, with fire safety done on 10 January 2026 and a private
/// reflection, on 1 March 2026.
async fn sam() -> (TestApp, String) {
    let clock = Arc::new(FixedClock::new(datetime!(2026-03-01 12:00 UTC)));
    let t = TestApp::spawn_with_clock(clock).await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (status, _) = t
        .post(
            "/api/v1/training",
            Some(&sam),
            &training(
                "fire-safety-l1",
                "2026-01-10",
                "Certificate notes stay private",
            ),
        )
        .await;
    assert_eq!(status, 201);
    t.create_entry(
        &sam,
        &entry(
            "Grief and the allotment",
            "2026-02-20",
            "work_based_learning",
        ),
    )
    .await;
    (t, sam)
}

#[tokio::test]
async fn the_feed_lists_due_dates_as_all_day_events_and_nothing_else() {
    let (t, sam) = sam().await;
    let url = new_feed(&t, &sam).await;
    let (status, content_type, body) = feed(&t, &url).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "text/calendar; charset=utf-8");
    assert!(
        body.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{body}"
    );
    assert!(body.ends_with("END:VCALENDAR\r\n"));
    assert!(
        body.contains(
            "DTSTART;VALUE=DATE:20280110\r\nDTEND;VALUE=DATE:20280111\r\nSUMMARY:Fire safety: last day in date\r\n"
        ),
        "{body}"
    );
    assert!(
        body.contains(
            "DTSTART;VALUE=DATE:20260521\r\nDTEND;VALUE=DATE:20260522\r\nSUMMARY:CPD recorded recently: last day in date\r\n"
        ),
        "the CPD recency item falls 90 days after the reflection: {body}"
    );
    assert_eq!(body.matches("BEGIN:VEVENT").count(), 2, "{body}");
    assert!(
        body.contains("DESCRIPTION:Fire safety is in date until 10 January 2028: renew it before t\r\n hen.\r\n"),
        "{body}"
    );
    for private in ["Grief", "allotment", "Certificate notes", "sam@example"] {
        assert!(!body.contains(private), "{private} leaked: {body}");
    }
}

#[tokio::test]
async fn a_new_address_replaces_the_old_one() {
    let (t, sam) = sam().await;
    let old = new_feed(&t, &sam).await;
    let new = new_feed(&t, &sam).await;
    assert_ne!(old, new);
    let (status, _, body) = feed(&t, &old).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(feed(&t, &new).await.0, 200);
}

#[tokio::test]
async fn a_revoked_address_is_404_and_the_state_says_so() {
    let (t, sam) = sam().await;
    let url = new_feed(&t, &sam).await;
    let (_, state) = t.get("/api/v1/me/calendar", Some(&sam)).await;
    assert_eq!(state["active"], true);
    assert!(state["created_at"].is_string(), "{state}");
    assert!(state.get("url").is_none(), "the address is shown only once");

    let (status, _) = t.delete("/api/v1/me/calendar", Some(&sam)).await;
    assert_eq!(status, 204);
    assert_eq!(feed(&t, &url).await.0, 404);
    let (_, state) = t.get("/api/v1/me/calendar", Some(&sam)).await;
    assert_eq!(state, json!({"active": false, "created_at": null}));
}

#[tokio::test]
async fn unknown_addresses_and_deactivated_owners_get_404() {
    let (t, sam) = sam().await;
    let url = new_feed(&t, &sam).await;
    for path in [
        "/api/v1/calendar/not-a-token.ics",
        "/api/v1/calendar/.ics",
        "/api/v1/calendar/abc",
    ] {
        let (status, content_type, _) = feed(&t, &t.url(path)).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(content_type, "application/problem+json", "{path}");
    }
    let without_suffix = url.trim_end_matches(".ics");
    assert_eq!(feed(&t, without_suffix).await.0, 404);

    let (_, admin) = t.admin().await;
    let sam_id = t
        .app
        .store()
        .users_by_email(vec!["sam@example.nhs.uk".to_owned()])
        .await
        .unwrap()[0]
        .id
        .clone();
    let (status, body) = t
        .post(
            &format!("/api/v1/admin/users/{sam_id}/deactivate"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(feed(&t, &url).await.0, 404);
}

#[tokio::test]
async fn an_admin_keeps_no_calendar_and_a_feed_needs_a_session_to_create() {
    let t = TestApp::spawn().await;
    let (_, admin) = t.admin().await;
    let (status, problem) = t
        .post("/api/v1/me/calendar", Some(&admin), &json!({}))
        .await;
    assert_problem(status, &problem, 403);
    let (status, problem) = t.post("/api/v1/me/calendar", None, &json!({})).await;
    assert_problem(status, &problem, 401);
}
