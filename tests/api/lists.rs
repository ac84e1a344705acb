//! Lists: newest first across every part of the caller's scope, and a
//! count that stops 1,000 records past the requested page.

use serde_json::json;

use crate::helpers::*;

/// Writes `n` audits for `owner` straight into the database, dated one day
/// apart from 2020-01-01 (creating 1,000 through HTTP would take minutes).
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
async fn a_list_counts_at_most_a_thousand_past_the_page() {
    let t = TestApp::spawn().await;
    let (id, token) = t.practitioner("ana@example.nhs.uk").await;
    seed_audits(&t, &id, 1030).await;

    let (status, page) = t.get("/api/v1/audits?limit=3", Some(&token)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(titles(&page), ["Audit 1029", "Audit 1028", "Audit 1027"]);
    assert_eq!(
        (page["total"].clone(), page["total_is_exact"].clone()),
        (json!(1003), json!(false))
    );

    let (_, page) = t
        .get("/api/v1/audits?limit=10&offset=20", Some(&token))
        .await;
    assert_eq!(titles(&page)[0], "Audit 1009");
    assert_eq!(
        (page["total"].clone(), page["total_is_exact"].clone()),
        (json!(1030), json!(true))
    );

    let (_, page) = t
        .get("/api/v1/audits?limit=2&offset=1028", Some(&token))
        .await;
    assert_eq!(titles(&page), ["Audit 1", "Audit 0"]);
    assert_eq!(page["total_is_exact"], true);
}

#[tokio::test]
async fn a_lead_sees_the_team_newest_first_with_own_records_between() {
    let t = TestApp::spawn().await;
    t.user("lead@example.nhs.uk", role("lead"), Some("Riverside PCN"))
        .await;
    let lead = t.login("lead@example.nhs.uk").await;
    let a = t
        .user(
            "a@example.nhs.uk",
            role("practitioner"),
            Some("Riverside PCN"),
        )
        .await;
    let b = t
        .user(
            "b@example.nhs.uk",
            role("practitioner"),
            Some("Riverside PCN"),
        )
        .await;
    let outsider = t.user("c@example.nhs.uk", role("practitioner"), None).await;
    seed_audits(&t, &a, 3).await;
    seed_audits(&t, &b, 2).await;
    seed_audits(&t, &outsider, 5).await;

    let (status, page) = t.get("/api/v1/audits", Some(&lead)).await;
    assert_eq!(status, 200, "{page}");
    let owners: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["owner_id"].as_str().unwrap())
        .collect();
    let dates: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["started_on"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        [
            "2020-01-03",
            "2020-01-02",
            "2020-01-02",
            "2020-01-01",
            "2020-01-01"
        ]
    );
    assert!(!owners.contains(&outsider.as_str()), "{page}");
    assert_eq!(
        (page["total"].clone(), page["total_is_exact"].clone()),
        (json!(5), json!(true))
    );
}
