//! The development plan and the appraisal pack through the pages: adding
//! and updating an objective, the pack with its PDF, and sharing it with
//! a lead, who reads it while it is shared.

use crate::helpers::*;
use crate::web_support::Browser;

#[tokio::test]
async fn an_objective_is_added_and_updated_through_the_pages() {
    let t = TestApp::spawn().await;
    t.user("ot@example.nhs.uk", role("practitioner"), None)
        .await;
    let mut b = Browser::new(&t);
    b.sign_in("ot@example.nhs.uk", PASSWORD).await;
    let list = b.get("/objectives").await;
    assert_eq!(list.status, 200);
    assert!(list.html.contains("No objectives yet."), "{}", list.html);
    assert!(
        list.html.contains(r#"<a href="/objectives">Plan</a>"#),
        "{}",
        list.html
    );

    let csrf = b.csrf().await;
    let refused = b
        .post(
            "/objectives/new",
            &[
                ("csrf", &csrf),
                ("title", "Run a falls group"),
                ("agreed_on", "2026-04-01"),
                ("due_on", "2026-03-01"),
                ("status", "not_started"),
            ],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.html.contains("must not be before agreed_on"),
        "{}",
        refused.html
    );
    assert!(
        refused.html.contains(r#"value="Run a falls group""#),
        "the text is kept"
    );

    let saved = b
        .post(
            "/objectives/new",
            &[
                ("csrf", &csrf),
                ("title", "Run a falls group"),
                ("why", "Falls are *common*."),
                ("how", ""),
                ("agreed_on", "2026-04-01"),
                ("due_on", "2027-03-31"),
                ("status", "not_started"),
                ("progress", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    let path = saved.location().to_owned();
    let shown = b.get(&path).await;
    assert!(
        shown.html.contains("<h1>Run a falls group</h1>"),
        "{}",
        shown.html
    );
    assert!(shown.html.contains("<em>common</em>"), "{}", shown.html);
    let form = b.get(&format!("{path}/edit")).await;
    assert!(form.html.contains(r#"value="2027-03-31""#), "{}", form.html);
    let updated = b
        .post(
            &format!("{path}/edit"),
            &[
                ("csrf", &csrf),
                ("title", "Run a falls group"),
                ("why", "Falls are *common*."),
                ("how", "Co-run with the physio."),
                ("agreed_on", "2026-04-01"),
                ("due_on", "2027-03-31"),
                ("status", "in_progress"),
                ("progress", "Two sessions run."),
            ],
        )
        .await;
    assert_eq!(updated.status, 303);
    let shown = b.get(&path).await;
    assert!(
        shown
            .html
            .contains("In progress · agreed 2026-04-01 · due 2027-03-31"),
        "{}",
        shown.html
    );
    assert!(shown.html.contains("Two sessions run."));
    let history = b.get(&format!("{path}/history")).await;
    assert_eq!(history.status, 200);
}

#[tokio::test]
async fn the_pack_is_shared_with_a_lead_who_reads_it_until_sharing_stops() {
    let t = TestApp::spawn().await;
    let (sam, lead) = riverside_team(&t).await;
    create_record(
        &t,
        &sam,
        "/api/v1/objectives",
        &serde_json::json!({"title": "Supervise a student", "agreed_on": "2026-04-01",
            "due_on": "2027-03-31"}),
    )
    .await;
    let (_, me) = t.get("/api/v1/me", Some(&sam)).await;
    let sam_id = me["id"].as_str().unwrap().to_owned();
    let (_, me) = t.get("/api/v1/me", Some(&lead)).await;
    let lead_id = me["id"].as_str().unwrap().to_owned();

    let mut b = Browser::new(&t);
    b.sign_in("sam@example.nhs.uk", PASSWORD).await;
    let page = b.get("/appraisal").await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("<td>Supervise a student</td>"),
        "{}",
        page.html
    );
    assert!(
        page.html.contains(&format!(
            r#"<option value="{lead_id}">Test lead@example.nhs.uk</option>"#
        )),
        "{}",
        page.html
    );
    let pdf = b
        .get("/appraisal/download?from=2026-01-01&to=2026-11-28")
        .await;
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.html.starts_with("%PDF-"));

    let mut l = Browser::new(&t);
    l.sign_in("lead@example.nhs.uk", PASSWORD).await;
    let member = format!("/appraisal/members/{sam_id}");
    assert_eq!(l.get(&member).await.status, 404);

    let csrf = b.csrf().await;
    let shared = b
        .post(
            "/appraisal/share",
            &[("csrf", &csrf), ("user_id", &lead_id)],
        )
        .await;
    assert_eq!(shared.status, 303);
    let lead_page = l.get("/appraisal").await;
    assert!(
        lead_page.html.contains(&format!(
            r#"<a href="{member}">Test sam@example.nhs.uk</a>"#
        )),
        "{}",
        lead_page.html
    );
    let read = l.get(&member).await;
    assert_eq!(read.status, 200);
    assert!(
        read.html.contains("<td>Supervise a student</td>"),
        "{}",
        read.html
    );

    let stopped = b
        .post(
            "/appraisal/unshare",
            &[("csrf", &csrf), ("user_id", &lead_id)],
        )
        .await;
    assert_eq!(stopped.status, 303);
    assert_eq!(l.get(&member).await.status, 404);
}
