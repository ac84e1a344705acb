//! The team trail over real HTTP: every change to who is in a team or leads
//! it (a lead reads the members' records) is recorded with the change, by
//! whom and when, and every member of the team can read it.

use cpdfolio::domain::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

const EVENTS: &str = "/api/v1/me/teams/events";

/// The events without their ids and times, which the test cannot know.
fn entries(page: &Value) -> Vec<Value> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let mut e = e.clone();
            let map = e.as_object_mut().unwrap();
            assert!(cpdfolio::domain::record::is_record_id(
                map.remove("id").unwrap().as_str().unwrap()
            ));
            assert!(map.remove("at").unwrap().as_str().unwrap().ends_with('Z'));
            e
        })
        .collect()
}

fn person(id: &str, email: &str) -> Value {
    json!({"user_id": id, "name": format!("Test {email}")})
}

#[tokio::test]
async fn every_membership_change_is_in_the_trail_the_teams_members_read() {
    let t = TestApp::spawn().await;
    let (admin_id, admin) = t.admin().await;
    let (sam_id, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (jo_id, jo) = t.practitioner("jo@example.nhs.uk").await;
    let (status, team) = t
        .post(
            "/api/v1/admin/teams",
            Some(&admin),
            &json!({"name": "North Surgery"}),
        )
        .await;
    assert_eq!(status, 201, "{team}");
    let team_id = team["id"].as_str().unwrap();
    let member = |user: &str| format!("/api/v1/admin/teams/{team_id}/members/{user}");
    for (user, is_lead) in [
        (&sam_id, false),
        (&jo_id, true),
        (&jo_id, true),
        (&sam_id, false),
        (&jo_id, false),
    ] {
        let (status, body) = t
            .put(&member(user), Some(&admin), &json!({"is_lead": is_lead}))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, _) = t.delete(&member(&jo_id), Some(&admin)).await;
    assert_eq!(status, 204);

    let (status, page) = t.get(EVENTS, Some(&sam)).await;
    assert_eq!(status, 200, "{page}");
    let admin_person = person(&admin_id, "admin@example.nhs.uk");
    let event = |subject: Value, before: &str, after: &str| {
        json!({"team_id": team_id, "team_name": "North Surgery", "actor": admin_person,
               "subject": subject, "before": before, "after": after})
    };
    let jo_person = person(&jo_id, "jo@example.nhs.uk");
    assert_eq!(
        entries(&page),
        [
            event(jo_person.clone(), "member", "none"),
            event(jo_person.clone(), "lead", "member"),
            event(jo_person, "none", "lead"),
            event(person(&sam_id, "sam@example.nhs.uk"), "none", "member"),
        ],
        "setting what is already so records nothing"
    );
    assert_eq!(
        (&page["total"], &page["limit"], &page["offset"]),
        (&json!(4), &json!(50), &json!(0))
    );
    let (_, second) = t
        .get(&format!("{EVENTS}?limit=1&offset=1"), Some(&sam))
        .await;
    assert_eq!(second["items"][0]["before"], "lead");
    assert_eq!(second["items"][0]["after"], "member");
    assert_eq!(second["total"], 4);

    let (status, page) = t.get(EVENTS, Some(&jo)).await;
    assert_eq!(status, 200);
    assert_eq!(
        (&page["items"], &page["total"]),
        (&json!([]), &json!(0)),
        "a former member no longer reads the trail"
    );
}

#[tokio::test]
async fn a_lead_account_an_admin_creates_is_announced_to_the_team() {
    let t = TestApp::spawn().await;
    let (admin_id, admin) = t.admin().await;
    let sam_id = t
        .user("sam@example.nhs.uk", Role::Practitioner, Some("North PCN"))
        .await;
    let sam = t.login("sam@example.nhs.uk").await;
    let (status, created) = t
        .post(
            "/api/v1/admin/users",
            Some(&admin),
            &json!({"email": "newlead@example.nhs.uk", "name": "New Lead", "role": "lead",
                    "team": "North PCN", "password": "an admin chose this one"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let (_, page) = t.get(EVENTS, Some(&sam)).await;
    let team_id = page["items"][0]["team_id"].clone();
    assert_eq!(
        entries(&page),
        [
            json!({"team_id": team_id, "team_name": "North PCN",
                   "actor": person(&admin_id, "admin@example.nhs.uk"),
                   "subject": {"user_id": created["id"], "name": "New Lead"},
                   "before": "none", "after": "lead"}),
            json!({"team_id": team_id, "team_name": "North PCN", "actor": null,
                   "subject": person(&sam_id, "sam@example.nhs.uk"),
                   "before": "none", "after": "member"}),
        ],
        "the command line (no admin) shows as a null actor"
    );
}

#[tokio::test]
async fn a_trail_is_read_only_by_its_teams_members_and_cannot_be_changed() {
    let t = TestApp::spawn().await;
    let (_, admin) = t.admin().await;
    t.user("sam@example.nhs.uk", Role::Practitioner, Some("North PCN"))
        .await;
    let kim_id = t
        .user("kim@example.nhs.uk", Role::Practitioner, Some("South PCN"))
        .await;
    let kim = t.login("kim@example.nhs.uk").await;
    let (_, page) = t.get(EVENTS, Some(&kim)).await;
    let subjects: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["subject"]["user_id"])
        .collect();
    assert_eq!(subjects, [&json!(kim_id)]);
    assert_eq!(page["total"], 1);

    let (status, body) = t.get(EVENTS, Some(&admin)).await;
    assert_problem(status, &body, 403);

    for sql in [
        "DELETE team_event",
        "UPDATE team_event SET standing_after = 'none'",
    ] {
        let result = t.app.store().raw_query_for_tests(sql).await;
        assert!(result.is_err(), "{sql} must fail");
    }
    let (_, page) = t.get(EVENTS, Some(&kim)).await;
    assert_eq!(page["items"][0]["after"], "member");
}
