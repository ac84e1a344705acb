//! Lists: newest first across every part of the caller's scope, and a
//! count that stops 200 records past the requested page.

use serde_json::{Value, json};

use crate::helpers::*;

/// Writes `n` audits for `owner` straight into the database, dated one day
/// apart from 2020-01-01 (creating hundreds through HTTP would take minutes).
async fn seed_audits(t: &TestApp, owner: &str, n: usize) {
    t.app
        .store()
        .raw_query_for_tests(&format!(
            "FOR $i IN 0..{n} {{
                LET $d = d'2020-01-01T00:00:00Z' + <duration> (<string> $i + 'd');
                CREATE audit SET owner = user:{owner}, date = $d, title = 'Audit ' + <string> $i,
                  shared_with = [], version = 1, created_at = time::now(), updated_at = time::now(),
                  content = {{ title: 'Audit ' + <string> $i, audit_kind: 'clinical_audit', my_role: 'auditor',
                    standard: 'NICE', started_on: $d, outcome_measures: [], findings: '', actions: '' }};
            }};"
        ))
        .await
        .unwrap();
}

fn titles(page: &serde_json::Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_list_counts_at_most_two_hundred_past_the_page() {
    let t = TestApp::spawn().await;
    let (id, token) = t.practitioner("ana@example.nhs.uk").await;
    seed_audits(&t, &id, 230).await;

    let (status, page) = t.get("/api/v1/audits?limit=3", Some(&token)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(titles(&page), ["Audit 229", "Audit 228", "Audit 227"]);
    assert_eq!(
        (page["total"].clone(), page["total_is_exact"].clone()),
        (json!(203), json!(false))
    );

    let (_, page) = t
        .get("/api/v1/audits?limit=10&offset=20", Some(&token))
        .await;
    assert_eq!(titles(&page)[0], "Audit 209");
    assert_eq!(
        (page["total"].clone(), page["total_is_exact"].clone()),
        (json!(230), json!(true))
    );

    let (_, page) = t
        .get("/api/v1/audits?limit=2&offset=228", Some(&token))
        .await;
    assert_eq!(titles(&page), ["Audit 1", "Audit 0"]);
    assert_eq!(page["total_is_exact"], true);
}

/// Creates an audit through the API (so every derived row is written as in
/// production) and returns its id.
async fn post_audit(t: &TestApp, token: &str, title: &str, started_on: &str) -> String {
    let mut body = audit(title, "Findings");
    body["started_on"] = json!(started_on);
    body["completed_on"] = Value::Null;
    let (status, saved) = t.post("/api/v1/audits", Some(token), &body).await;
    assert_eq!(status, 201, "{saved}");
    saved["id"].as_str().unwrap().to_owned()
}

/// The lead's audit list as (title, started_on) pairs, and its total.
async fn lead_audits(t: &TestApp, token: &str, query: &str) -> (Vec<(String, String)>, Value) {
    let (status, page) = t.get(&format!("/api/v1/audits{query}"), Some(token)).await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap().to_owned(),
                i["started_on"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (items, page["total"].clone())
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// A lead of Riverside PCN with two members, A and B, and a practitioner
/// in no team.
struct Riverside {
    t: TestApp,
    lead_id: String,
    lead: String,
    a: String,
    b: String,
    outsider_id: String,
    outsider: String,
}

async fn riverside() -> Riverside {
    let t = TestApp::spawn().await;
    let lead_id = t
        .user("lead@example.nhs.uk", role("lead"), Some("Riverside PCN"))
        .await;
    t.user(
        "a@example.nhs.uk",
        role("practitioner"),
        Some("Riverside PCN"),
    )
    .await;
    t.user(
        "b@example.nhs.uk",
        role("practitioner"),
        Some("Riverside PCN"),
    )
    .await;
    let outsider_id = t.user("c@example.nhs.uk", role("practitioner"), None).await;
    Riverside {
        lead: t.login("lead@example.nhs.uk").await,
        a: t.login("a@example.nhs.uk").await,
        b: t.login("b@example.nhs.uk").await,
        outsider: t.login("c@example.nhs.uk").await,
        outsider_id,
        lead_id,
        t,
    }
}

async fn team_id(t: &TestApp, lead: &str) -> String {
    let (status, teams) = t.get("/api/v1/teams", Some(lead)).await;
    assert_eq!(status, 200, "{teams}");
    teams[0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_lead_sees_the_team_newest_first_with_own_records_between() {
    let r = riverside().await;
    post_audit(&r.t, &r.a, "A old", "2020-01-01").await;
    post_audit(&r.t, &r.a, "A new", "2020-01-03").await;
    post_audit(&r.t, &r.b, "B mid", "2020-01-02").await;
    post_audit(&r.t, &r.lead, "Lead own", "2020-01-02").await;
    post_audit(&r.t, &r.outsider, "Outsider", "2020-01-04").await;

    let (items, total) = lead_audits(&r.t, &r.lead, "").await;
    let mut mid: Vec<_> = items[1..3].to_vec();
    mid.sort();
    assert_eq!(items[0], pairs(&[("A new", "2020-01-03")])[0]);
    assert_eq!(
        mid,
        pairs(&[("B mid", "2020-01-02"), ("Lead own", "2020-01-02")])
    );
    assert_eq!(items[3], pairs(&[("A old", "2020-01-01")])[0]);
    assert_eq!(items.len(), 4);
    assert_eq!(total, json!(4));
}

#[tokio::test]
async fn a_lead_list_pages_through_the_team_in_date_order() {
    let r = riverside().await;
    for day in 1..=6 {
        let token = if day % 2 == 0 { &r.a } else { &r.b };
        post_audit(
            &r.t,
            token,
            &format!("Day {day}"),
            &format!("2020-01-0{day}"),
        )
        .await;
    }
    let (items, total) = lead_audits(&r.t, &r.lead, "?limit=2&offset=2").await;
    assert_eq!(
        items,
        pairs(&[("Day 4", "2020-01-04"), ("Day 3", "2020-01-03")])
    );
    assert_eq!(total, json!(6));
}

#[tokio::test]
async fn a_lead_list_keeps_to_the_dates_asked_for() {
    let r = riverside().await;
    for day in 1..=5 {
        post_audit(
            &r.t,
            &r.a,
            &format!("Day {day}"),
            &format!("2020-01-0{day}"),
        )
        .await;
    }
    let (items, total) = lead_audits(&r.t, &r.lead, "?from=2020-01-02&to=2020-01-04").await;
    assert_eq!(
        items,
        pairs(&[
            ("Day 4", "2020-01-04"),
            ("Day 3", "2020-01-03"),
            ("Day 2", "2020-01-02")
        ])
    );
    assert_eq!(total, json!(3));
}

#[tokio::test]
async fn a_record_moved_to_another_date_moves_in_the_lead_list() {
    let r = riverside().await;
    let moved = post_audit(&r.t, &r.a, "Moved", "2020-01-01").await;
    post_audit(&r.t, &r.b, "Stays", "2020-01-02").await;
    let mut body = audit("Moved", "Findings");
    body["started_on"] = json!("2020-01-03");
    body["completed_on"] = Value::Null;
    let (status, saved) =
        r.t.put(&format!("/api/v1/audits/{moved}"), Some(&r.a), &body)
            .await;
    assert_eq!(status, 200, "{saved}");

    let (items, _) = lead_audits(&r.t, &r.lead, "").await;
    assert_eq!(
        items,
        pairs(&[("Moved", "2020-01-03"), ("Stays", "2020-01-02")])
    );
}

#[tokio::test]
async fn a_deleted_record_leaves_the_lead_list() {
    let r = riverside().await;
    let gone = post_audit(&r.t, &r.a, "Gone", "2020-01-01").await;
    post_audit(&r.t, &r.b, "Stays", "2020-01-02").await;
    let (status, _) =
        r.t.delete(&format!("/api/v1/audits/{gone}"), Some(&r.a))
            .await;
    assert_eq!(status, 204);

    let (items, total) = lead_audits(&r.t, &r.lead, "").await;
    assert_eq!(items, pairs(&[("Stays", "2020-01-02")]));
    assert_eq!(total, json!(1));
}

#[tokio::test]
async fn a_member_brings_their_records_when_they_join_and_takes_them_when_they_leave() {
    let r = riverside().await;
    post_audit(&r.t, &r.outsider, "Before joining", "2020-01-01").await;
    let team = team_id(&r.t, &r.lead).await;
    let (_, admin) = r.t.admin().await;
    let member = format!("/api/v1/admin/teams/{team}/members/{}", r.outsider_id);

    let (status, body) = r.t.put(&member, Some(&admin), &json!({})).await;
    assert_eq!(status, 200, "{body}");
    post_audit(&r.t, &r.outsider, "After joining", "2020-01-02").await;
    let (items, _) = lead_audits(&r.t, &r.lead, "").await;
    assert_eq!(
        items,
        pairs(&[
            ("After joining", "2020-01-02"),
            ("Before joining", "2020-01-01")
        ])
    );

    let (status, _) = r.t.delete(&member, Some(&admin)).await;
    assert_eq!(status, 204);
    let (items, total) = lead_audits(&r.t, &r.lead, "").await;
    assert_eq!(items, Vec::<(String, String)>::new());
    assert_eq!(total, json!(0));
}

#[tokio::test]
async fn a_member_of_two_led_teams_is_listed_once() {
    let r = riverside().await;
    let team = team_id(&r.t, &r.lead).await;
    let (_, admin) = r.t.admin().await;
    let (status, second) =
        r.t.post(
            "/api/v1/admin/teams",
            Some(&admin),
            &json!({"name": "Hillside PCN"}),
        )
        .await;
    assert_eq!(status, 201, "{second}");
    let second = second["id"].as_str().unwrap();
    for (user, is_lead) in [(r.lead_id.as_str(), true), (r.outsider_id.as_str(), false)] {
        let path = format!("/api/v1/admin/teams/{second}/members/{user}");
        let (status, body) =
            r.t.put(&path, Some(&admin), &json!({ "is_lead": is_lead }))
                .await;
        assert_eq!(status, 200, "{body}");
    }
    let both = format!("/api/v1/admin/teams/{team}/members/{}", r.outsider_id);
    let (status, body) = r.t.put(&both, Some(&admin), &json!({})).await;
    assert_eq!(status, 200, "{body}");
    post_audit(&r.t, &r.outsider, "In both teams", "2020-01-01").await;

    let (items, total) = lead_audits(&r.t, &r.lead, "").await;
    assert_eq!(items, pairs(&[("In both teams", "2020-01-01")]));
    assert_eq!(total, json!(1));
}

/// The lead's count of one team is read from the team index, less the
/// lead's own records (which their own part counts): exact up to 200
/// past the page, "more" beyond, with the lead's own counted once.
#[tokio::test]
async fn a_lead_list_counts_the_team_at_most_two_hundred_past_the_page() {
    let r = riverside().await;
    seed_audits(&r.t, &r.outsider_id, 230).await;
    let team = team_id(&r.t, &r.lead).await;
    let (_, admin) = r.t.admin().await;
    let member = format!("/api/v1/admin/teams/{team}/members/{}", r.outsider_id);
    let (status, body) = r.t.put(&member, Some(&admin), &json!({})).await;
    assert_eq!(status, 200, "{body}");
    for day in 1..=5 {
        post_audit(
            &r.t,
            &r.lead,
            &format!("Own {day}"),
            &format!("2023-06-0{day}"),
        )
        .await;
    }

    let (status, page) = r.t.get("/api/v1/audits?limit=3", Some(&r.lead)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(titles(&page), ["Own 5", "Own 4", "Own 3"]);
    assert_eq!(
        (page["total"].clone(), page["total_is_exact"].clone()),
        (json!(5 + 203), json!(false))
    );
    let (_, page) =
        r.t.get("/api/v1/audits?limit=10&offset=230", Some(&r.lead))
            .await;
    assert_eq!(
        titles(&page),
        ["Audit 4", "Audit 3", "Audit 2", "Audit 1", "Audit 0"]
    );
    assert_eq!(
        (page["total"].clone(), page["total_is_exact"].clone()),
        (json!(235), json!(true))
    );
}
