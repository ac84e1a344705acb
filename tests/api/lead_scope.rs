//! A lead's scope (the members of the teams they lead) is kept between
//! requests; these check it follows every membership change: at once for
//! a change this server makes, and through the change feed for one that
//! another process sharing the database makes.

use serde_json::json;

use cpdfolio::domain::user::Role;

use crate::helpers::*;

const WORD: &str = "heliotrope";

async fn team_id(t: &TestApp, lead: &str) -> String {
    let (status, teams) = t.get("/api/v1/teams", Some(lead)).await;
    assert_eq!(status, 200, "{teams}");
    teams[0]["id"].as_str().unwrap().to_owned()
}

async fn lead_reads(t: &TestApp, lead: &str, path: &str) -> u16 {
    let (status, body) = t.get(path, Some(lead)).await;
    if status != 200 {
        assert_problem(status, &body, 404);
    }
    status
}

async fn lead_finds(t: &TestApp, lead: &str) -> u64 {
    t.flush().await;
    let (status, body) = t.get(&format!("/api/v1/search?q={WORD}"), Some(lead)).await;
    assert_eq!(status, 200, "{body}");
    body["total"].as_u64().unwrap()
}

#[tokio::test]
async fn a_lead_sees_a_members_records_exactly_while_the_member_is_in_the_team() {
    let t = TestApp::spawn().await;
    let (sam, lead) = riverside_team(&t).await;
    let (_, admin) = t.admin().await;
    let sams = create_record(&t, &sam, "/api/v1/audits", &audit("Sam's audit", WORD)).await;
    assert_eq!(lead_reads(&t, &lead, &sams).await, 200);
    assert_eq!(lead_finds(&t, &lead).await, 1);

    let (_, me) = t.get("/api/v1/me", Some(&sam)).await;
    let team = team_id(&t, &lead).await;
    let member = format!(
        "/api/v1/admin/teams/{team}/members/{}",
        me["id"].as_str().unwrap()
    );
    let (status, _) = t.delete(&member, Some(&admin)).await;
    assert_eq!(status, 204);
    assert_eq!(lead_reads(&t, &lead, &sams).await, 404);
    assert_eq!(lead_finds(&t, &lead).await, 0);

    let (status, body) = t.put(&member, Some(&admin), &json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(lead_reads(&t, &lead, &sams).await, 200);
    assert_eq!(lead_finds(&t, &lead).await, 1);

    t.user(
        "kim@example.nhs.uk",
        Role::Practitioner,
        Some("Riverside PCN"),
    )
    .await;
    let kim = t.login("kim@example.nhs.uk").await;
    let kims = create_record(&t, &kim, "/api/v1/audits", &audit("Kim's audit", WORD)).await;
    assert_eq!(lead_reads(&t, &lead, &kims).await, 200);
    assert_eq!(lead_finds(&t, &lead).await, 2);
}

#[tokio::test]
async fn a_membership_another_process_removes_leaves_the_leads_scope_through_the_change_feed() {
    let t = TestApp::spawn().await;
    let (sam, lead) = riverside_team(&t).await;
    let sams = create_record(&t, &sam, "/api/v1/audits", &audit("Sam's audit", WORD)).await;
    assert_eq!(lead_reads(&t, &lead, &sams).await, 200);

    let (_, me) = t.get("/api/v1/me", Some(&sam)).await;
    t.app
        .store()
        .raw_query_for_tests(&format!(
            "DELETE membership WHERE user = type::record('user', '{}')",
            me["id"].as_str().unwrap()
        ))
        .await
        .unwrap();
    t.app.follow_changes().await.unwrap();
    assert_eq!(lead_reads(&t, &lead, &sams).await, 404);
    assert_eq!(lead_finds(&t, &lead).await, 0);
}
