//! The lead's and the admin's pages, and supervision between two people,
//! over real HTTP as a browser without JavaScript uses them.

use serde_json::json;

use crate::helpers::*;
use crate::web_support::Browser;

#[tokio::test]
async fn a_supervision_record_goes_from_the_supervisee_to_the_supervisor_and_back_signed() {
    let t = TestApp::spawn().await;
    let (sam, _) = riverside_team(&t).await;
    let lead_id = t
        .app
        .store()
        .credentials("lead@example.nhs.uk")
        .await
        .unwrap()
        .unwrap()
        .user_id;
    let mut supervisee = Browser::new(&t);
    supervisee.sign_in("sam@example.nhs.uk", PASSWORD).await;
    let form = supervisee.get("/supervision/new").await;
    assert!(
        form.html.contains(&format!(
            r#"<option value="{lead_id}">Test lead@example.nhs.uk</option>"#
        )),
        "{}",
        form.html
    );
    let csrf = form.hidden("csrf");
    let saved = supervisee
        .post(
            "/supervision/new",
            &[
                ("csrf", &csrf),
                ("date", "2026-11-20"),
                ("duration_minutes", "60"),
                ("supervision_type", "clinical"),
                ("supervisor", &lead_id),
                ("topics", "caseload, risk"),
                ("reflection", "Talked through a complex discharge."),
                ("safeguarding_discussed", "yes"),
                ("actions", "Read the discharge policy"),
                ("next_date", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    let record_page = saved.location().to_owned();
    let id = record_page.trim_start_matches("/supervision/").to_owned();
    let shown = supervisee.get(&record_page).await;
    assert!(
        shown.html.contains("<strong>Status: </strong>Draft"),
        "{}",
        shown.html
    );
    let submitted = supervisee
        .post(&format!("/supervision/{id}/submit"), &[("csrf", &csrf)])
        .await;
    assert_eq!(
        (submitted.status, submitted.location()),
        (303, record_page.as_str())
    );

    let mut lead = Browser::new(&t);
    lead.sign_in("lead@example.nhs.uk", PASSWORD).await;
    let queue = lead.get("/supervision").await;
    let waiting = queue
        .html
        .split("Waiting for your countersignature")
        .nth(1)
        .unwrap();
    assert!(
        waiting
            .split("Your sessions")
            .next()
            .unwrap()
            .contains(&format!(r#"href="/supervision/{id}""#))
    );
    let lead_csrf = queue.hidden("csrf");
    let returned = lead
        .post(
            &format!("/supervision/{id}/return"),
            &[
                ("csrf", &lead_csrf),
                ("comment", "Add the agreed review date."),
            ],
        )
        .await;
    assert_eq!(returned.status, 303);
    let back = supervisee.get(&record_page).await;
    assert!(
        back.html
            .contains("Your supervisor&#39;s comment: </strong>Add the agreed review date.")
            || back
                .html
                .contains("Your supervisor's comment: </strong>Add the agreed review date."),
        "{}",
        back.html
    );
    supervisee
        .post(&format!("/supervision/{id}/submit"), &[("csrf", &csrf)])
        .await;
    let signed = lead
        .post(
            &format!("/supervision/{id}/sign-off"),
            &[("csrf", &lead_csrf)],
        )
        .await;
    assert_eq!(signed.status, 303);

    let (_, api) = t
        .get(&format!("/api/v1/supervision/{id}"), Some(&sam))
        .await;
    assert_eq!(api["workflow"]["status"], "signed");
    let closed = supervisee
        .post(
            &format!("/supervision/{id}/actions/0/close"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(closed.status, 303);
    let addendum = supervisee
        .post(
            &format!("/supervision/{id}/addenda"),
            &[("csrf", &csrf), ("text", "The review date is 4 December.")],
        )
        .await;
    assert_eq!(addendum.status, 303);
    let (_, api) = t
        .get(&format!("/api/v1/supervision/{id}"), Some(&sam))
        .await;
    assert_eq!(api["actions"][0]["status"], "closed");
    assert_eq!(
        api["workflow"]["addenda"][0]["text"],
        "The review date is 4 December."
    );
    let forged = lead
        .post(&format!("/supervision/{id}/sign-off"), &[("csrf", "x")])
        .await;
    assert_eq!(forged.status, 403);
}

#[tokio::test]
async fn a_lead_sees_the_matrix_downloads_the_csv_and_verifies_training_but_reads_no_reflection() {
    let t = TestApp::spawn().await;
    let (sam, _) = riverside_team(&t).await;
    let reflection = t
        .create_entry(
            &sam,
            &entry("Private thoughts", "2026-11-02", "work_based_learning"),
        )
        .await;
    let training_path = create_record(
        &t,
        &sam,
        "/api/v1/training",
        &training("conflict-resolution-l1", "2026-11-02", ""),
    )
    .await;
    let training = training_path.rsplit('/').next().unwrap().to_owned();
    let mut lead = Browser::new(&t);
    lead.sign_in("lead@example.nhs.uk", PASSWORD).await;
    let teams = lead.get("/team").await;
    let start = teams.html.find("href=\"/team/").unwrap() + "href=\"".len();
    let team_page = teams.html[start..start + teams.html[start..].find('"').unwrap()].to_owned();

    let matrix = lead.get(&team_page).await;
    assert_eq!(matrix.status, 200);
    assert!(
        matrix
            .html
            .contains("<th scope=\"row\">Test sam@example.nhs.uk</th>"),
        "{}",
        matrix.html
    );
    assert!(
        matrix
            .html
            .contains("<th scope=\"col\">Conflict resolution<br>")
    );
    assert!(
        matrix
            .html
            .contains(r#"<strong class="status status--missing">Missing</strong>"#)
    );
    assert!(!matrix.html.contains("Private thoughts"));

    let csv = lead
        .get(&format!(
            "{team_page}/compliance.csv?staff_group=&status=&requirement="
        ))
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let team_id = team_page.trim_start_matches("/team/");
    assert_eq!(team_id.len(), 32, "{team_page}");
    let (_, api_csv, _) = t
        .send(
            t.http
                .get(t.url(&format!("/api/v1/teams/{team_id}/compliance?format=csv"))),
            Some(&t.login("lead@example.nhs.uk").await),
        )
        .await;
    assert_eq!(serde_json::Value::String(csv.html.clone()), api_csv);
    assert!(csv.html.starts_with('\u{feff}'));

    let csrf = matrix.hidden("csrf");
    assert!(
        matrix
            .html
            .contains(&format!(r#"action="/training/{training}/verify""#))
    );
    let verified = lead
        .post(&format!("/training/{training}/verify"), &[("csrf", &csrf)])
        .await;
    assert_eq!(verified.status, 303);
    let (_, record) = t
        .get(&format!("/api/v1/training/{training}"), Some(&sam))
        .await;
    assert!(record["workflow"]["verified_by"].is_string(), "{record}");
    assert_eq!(
        lead.get(&format!("/reflections/{reflection}")).await.status,
        404
    );

    let mut sam_browser = Browser::new(&t);
    sam_browser.sign_in("sam@example.nhs.uk", PASSWORD).await;
    assert_eq!(sam_browser.get(&team_page).await.status, 404);
    assert_eq!(sam_browser.get("/admin/users").await.status, 403);
}

#[tokio::test]
async fn an_admin_creates_an_account_sets_its_groups_and_deactivates_it() {
    let t = TestApp::spawn().await;
    let (_, admin) = t.admin().await;
    let mut b = Browser::new(&t);
    b.sign_in("admin@example.nhs.uk", PASSWORD).await;
    let page = b.get("/admin/users").await;
    assert_eq!(page.status, 200);
    let csrf = page.hidden("csrf");
    let bad = b
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("name", "Jo Bloggs"),
                ("email", "not an email"),
                ("role", "practitioner"),
                ("team", ""),
                ("hcpc_number", ""),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.html.contains(r#"value="Jo Bloggs""#));
    assert!(bad.html.contains(r##"href="#f-email""##), "{}", bad.html);
    let made = b
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("name", "Jo Bloggs"),
                ("email", "jo@example.nhs.uk"),
                ("role", "practitioner"),
                ("team", "Riverside PCN"),
                ("hcpc_number", "OT12345"),
                ("password", "a first long passphrase"),
            ],
        )
        .await;
    assert_eq!(
        (made.status, made.location()),
        (303, "/admin/users?done=created")
    );
    let (_, list) = t.get("/api/v1/admin/users", Some(&admin)).await;
    let jo = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "jo@example.nhs.uk")
        .unwrap()
        .clone();
    assert_eq!(jo["must_change_password"], true);
    let jo_id = jo["id"].as_str().unwrap();

    let grouped = b
        .post(
            &format!("/admin/users/{jo_id}/staff-groups"),
            &[("csrf", &csrf), ("staff_groups", "clinical, registered")],
        )
        .await;
    assert_eq!(grouped.status, 303);
    let (status, facts) = t
        .patch(
            &format!("/api/v1/admin/users/{jo_id}"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{facts}");
    assert_eq!(facts["staff_groups"], json!(["clinical", "registered"]));
    let off = b
        .post(
            &format!("/admin/users/{jo_id}/deactivate"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(off.status, 303);
    let (_, list) = t.get("/api/v1/admin/users", Some(&admin)).await;
    let jo = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "jo@example.nhs.uk")
        .unwrap()
        .clone();
    assert_eq!(jo["active"], false);

    let alerts = b.get("/admin/alerts").await;
    assert!(alerts.html.contains("0 failed deliveries"));
    let run = b
        .post("/admin/alerts/run", &[("csrf", &csrf), ("dry_run", "yes")])
        .await;
    assert_eq!(run.status, 200);
    assert!(run.html.contains("Dry run for "), "{}", run.html);
}
