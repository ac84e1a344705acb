//! The patient-identifier guard through the API: NHS numbers refused on
//! every write, quasi-identifiers flagged, exports held until each flag is
//! resolved, dismissals logged.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::web_support::signed_in_practitioner;

fn with_body(body: &str) -> Value {
    let mut e = entry("Home visit reflection", "2026-03-02", "work_based_learning");
    e["body"] = json!(body);
    e
}

async fn count_reflections(t: &TestApp, token: &str) -> u64 {
    let (_, list) = t.get("/api/v1/reflections", Some(token)).await;
    list["total"].as_u64().unwrap()
}

#[tokio::test]
async fn an_nhs_number_is_refused_on_every_kind_naming_field_and_position() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let (status, body) = t
        .post(
            "/api/v1/reflections",
            Some(&token),
            &with_body("Saw them (NHS 943 476 5919) at home."),
        )
        .await;
    assert_problem(status, &body, 422);
    assert_eq!(body["errors"][0]["field"], "body");
    assert_eq!(
        body["errors"][0]["message"],
        "contains what looks like an NHS number at character 15; remove it: a portfolio must not identify service users"
    );
    assert!(!body.to_string().contains("5919"), "{body}");
    assert_eq!(count_reflections(&t, &token).await, 0);

    let mut s = supervision("2026-03-02", None, "Discussed caseload.");
    s["actions"][1]["text"] = json!("Phone about 9434765919");
    let (status, body) = t.post("/api/v1/supervision", Some(&token), &s).await;
    assert_problem(status, &body, 422);
    assert_eq!(body["errors"][0]["field"], "actions[1].text");

    let (status, body) = t
        .post(
            "/api/v1/audits",
            Some(&token),
            &audit("Falls audit", "Case 999-000-0018 missed"),
        )
        .await;
    assert_problem(status, &body, 422);
    assert_eq!(body["errors"][0]["field"], "findings");

    // A number that fails the check is an ordinary number.
    let (status, body) = t
        .post(
            "/api/v1/reflections",
            Some(&token),
            &with_body("Called 987 654 4321 to book the room."),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["pii_warnings"], json!([]));
}

#[tokio::test]
async fn an_update_with_an_nhs_number_leaves_the_stored_record_unchanged() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let id = t.create_entry(&token, &with_body("A good visit.")).await;
    let (status, body) = t
        .put(
            &format!("/api/v1/reflections/{id}"),
            Some(&token),
            &with_body("A good visit, 943-476-5919."),
        )
        .await;
    assert_problem(status, &body, 422);
    let (_, stored) = t
        .get(&format!("/api/v1/reflections/{id}"), Some(&token))
        .await;
    assert_eq!(stored["body"], "A good visit.");
    assert_eq!(stored["version"], 1);
}

#[tokio::test]
async fn quasi_identifiers_are_saved_with_warnings_and_hold_the_profile_until_dismissed() {
    let t = TestApp::spawn().await;
    let (sam_id, token) = t.practitioner("sam@example.nhs.uk").await;
    let (status, created) = t
        .post(
            "/api/v1/reflections",
            Some(&token),
            &with_body("Visited Mrs Patel near LS1 4AP."),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let warnings: Vec<(&str, &str, &str, u64)> = created["pii_warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["field"].as_str().unwrap(),
                w["kind"].as_str().unwrap(),
                w["text"].as_str().unwrap(),
                w["position"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        warnings,
        vec![
            ("body", "titled_name", "Mrs Patel", 9),
            ("body", "postcode", "LS1 4AP", 24),
        ]
    );

    let (status, refused) = t
        .get(
            "/api/v1/me/cpd-profile?from=2026-01-01&to=2026-06-01",
            Some(&token),
        )
        .await;
    assert_problem(status, &refused, 409);
    assert_eq!(refused["type"], "urn:cpdfolio:problem:patient-identifiers");
    let fields: Vec<&str> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    let at = format!("reflections/{id}/body");
    assert_eq!(fields, vec![at.as_str(), at.as_str()]);
    assert_eq!(
        refused["errors"][1]["message"],
        "\"Home visit reflection\": `body` may contain a full postcode at character 24: \"LS1 4AP\""
    );

    // The postcode is edited out; the name is dismissed as a colleague's.
    let (status, edited) = t
        .put(
            &format!("/api/v1/reflections/{id}"),
            Some(&token),
            &with_body("Visited Mrs Patel at home."),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["pii_warnings"].as_array().unwrap().len(), 1);
    let flag = edited["pii_warnings"][0]["id"].as_str().unwrap().to_owned();
    let dismiss = format!("/api/v1/reflections/{id}/pii-flags/{flag}/dismiss");
    let (status, open) = t.post(&dismiss, Some(&token), &json!({})).await;
    assert_eq!(status, 200, "{open}");
    assert_eq!(open, json!([]));
    let (status, again) = t.post(&dismiss, Some(&token), &json!({})).await;
    assert_eq!((status, again), (200, json!([])));

    let (_, read) = t
        .get(&format!("/api/v1/reflections/{id}"), Some(&token))
        .await;
    assert_eq!(read["pii_warnings"], json!([]));
    assert_eq!(
        read["version"], 2,
        "a dismissal does not change the content"
    );
    let (status, profile) = t
        .get(
            "/api/v1/me/cpd-profile?from=2026-01-01&to=2026-06-01",
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{profile}");

    let (_, log) = t
        .get("/api/v1/me/access-log?include_mine=true", Some(&token))
        .await;
    let dismissals: Vec<&Value> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "dismiss_pii_flag")
        .collect();
    assert_eq!(dismissals.len(), 1, "{log}");
    assert_eq!(dismissals[0]["record_id"], id.as_str());
    assert_eq!(dismissals[0]["actor_id"], sam_id.as_str());

    // The dismissal holds only while the text stays.
    let (_, renamed) = t
        .put(
            &format!("/api/v1/reflections/{id}"),
            Some(&token),
            &with_body("Visited Mr Shah at home."),
        )
        .await;
    assert_eq!(renamed["pii_warnings"][0]["text"], "Mr Shah");
}

#[tokio::test]
async fn only_the_owner_dismisses_and_unknown_flags_are_404() {
    let t = TestApp::spawn().await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (_, kim) = t.practitioner("kim@example.nhs.uk").await;
    let (_, created) = t
        .post(
            "/api/v1/reflections",
            Some(&sam),
            &with_body("Met Mr Shah."),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    let flag = created["pii_warnings"][0]["id"].as_str().unwrap();
    let path = format!("/api/v1/reflections/{id}/pii-flags/{flag}/dismiss");
    let (status, body) = t.post(&path, Some(&kim), &json!({})).await;
    assert_problem(status, &body, 404);
    let (status, body) = t
        .post(
            &format!("/api/v1/reflections/{id}/pii-flags/0000000000000000/dismiss"),
            Some(&sam),
            &json!({}),
        )
        .await;
    assert_problem(status, &body, 404);
    let (status, body) = t
        .post(
            &format!("/api/v1/reflections/{id}/pii-flags/'%20OR%201=1/dismiss"),
            Some(&sam),
            &json!({}),
        )
        .await;
    assert_problem(status, &body, 404);
    let (_, read) = t
        .get(&format!("/api/v1/reflections/{id}"), Some(&sam))
        .await;
    assert_eq!(read["pii_warnings"][0]["text"], "Mr Shah");
}

#[tokio::test]
async fn an_addendum_with_an_nhs_number_is_refused() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let path = create_record(
        &t,
        &token,
        "/api/v1/supervision",
        &supervision("2026-03-02", None, "Discussed caseload."),
    )
    .await;
    let (status, body) = t
        .post(
            &format!("{path}/addenda"),
            Some(&token),
            &json!({"text": "Correction: the referral was 9990000018"}),
        )
        .await;
    assert_problem(status, &body, 422);
    assert_eq!(body["errors"][0]["field"], "text");
    let (_, read) = t.get(&path, Some(&token)).await;
    assert_eq!(read["workflow"]["addenda"], json!([]), "{read}");
    assert_eq!(read["version"], 1);
}

#[tokio::test]
async fn a_summary_of_practice_with_an_nhs_number_is_refused() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let (status, body) = t
        .patch(
            "/api/v1/me",
            Some(&token),
            &json!({"practice_summary": "I see people such as 943 476 5919 at home."}),
        )
        .await;
    assert_problem(status, &body, 422);
    assert_eq!(body["errors"][0]["field"], "practice_summary");
    let (_, me) = t.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me["practice_summary"], "");
}

/// The open-flag count stored beside each reflection.
async fn stored_counts(t: &TestApp) -> Value {
    let rows = t
        .app
        .store()
        .raw_json_for_tests("SELECT VALUE pii_open FROM reflection ORDER BY title")
        .await
        .unwrap();
    rows[0].clone()
}

#[tokio::test]
async fn each_write_stores_the_open_flag_count_and_older_records_are_counted_on_first_read() {
    let t = TestApp::spawn().await;
    let (token, mut browser) = signed_in_practitioner(&t, "sam@example.nhs.uk").await;
    let mut clean = with_body("A quiet clinic day.");
    clean["title"] = json!("A clean entry");
    t.create_entry(&token, &clean).await;
    let id = t
        .create_entry(&token, &with_body("Visited Mrs Patel near LS1 4AP."))
        .await;
    assert_eq!(stored_counts(&t).await, json!([0, 2]));

    let (_, edited) = t
        .put(
            &format!("/api/v1/reflections/{id}"),
            Some(&token),
            &with_body("Visited Mrs Patel at home."),
        )
        .await;
    assert_eq!(stored_counts(&t).await, json!([0, 1]));
    let flag = edited["pii_warnings"][0]["id"].as_str().unwrap().to_owned();
    let dismiss = format!("/api/v1/reflections/{id}/pii-flags/{flag}/dismiss");
    let (status, _) = t.post(&dismiss, Some(&token), &json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(stored_counts(&t).await, json!([0, 0]));

    // An edit keeps the dismissal while the text stays, and counts a new flag.
    t.put(
        &format!("/api/v1/reflections/{id}"),
        Some(&token),
        &with_body("Visited Mrs Patel at home, born in 1950."),
    )
    .await;
    assert_eq!(stored_counts(&t).await, json!([0, 1]));

    // Records written before counts were kept hold none: the first read of
    // the profile counts them from the text and stores the count.
    t.app
        .store()
        .raw_query_for_tests("UPDATE reflection SET pii_open = NONE")
        .await
        .unwrap();
    let profile = "/api/v1/me/cpd-profile?from=2026-01-01&to=2026-06-01";
    let (status, refused) = t.get(profile, Some(&token)).await;
    assert_problem(status, &refused, 409);
    assert_eq!(refused["errors"].as_array().unwrap().len(), 1, "{refused}");
    assert_eq!(
        refused["errors"][0]["field"],
        format!("reflections/{id}/body")
    );
    assert_eq!(stored_counts(&t).await, json!([0, 1]));
    t.app
        .store()
        .raw_query_for_tests("UPDATE reflection SET pii_open = NONE")
        .await
        .unwrap();
    let home = browser.get("/").await;
    assert_eq!(home.status, 200);
    assert!(
        home.html.contains("1 passage(s) in your records"),
        "{}",
        home.html
    );
    assert_eq!(stored_counts(&t).await, json!([0, 1]));
}
