//! `compliance_fact` stays equal to what the records say: after a
//! pseudo-random run of creates, edits (one clearing a verification),
//! deletes, sign-offs, verifications, membership changes and an ESR import
//! over HTTP, each person's stored facts equal the facts worked out from
//! their records, after every step. The rebuild (the migration's backfill)
//! restores lost rows.

use serde_json::{Value, json};
use time::{Date, Duration};

use crate::helpers::*;

/// A small deterministic generator, so a failure replays.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

const COURSES: [&str; 4] = [
    "fire-safety-l1",
    "information-governance-l1",
    "resuscitation-adult-bls",
    "moving-handling-l1",
];

async fn assert_in_step(t: &TestApp, step: &str) {
    let drift = t.app.store().compliance_fact_drift().await.unwrap();
    assert!(drift.is_empty(), "after {step}: {drift:#?}");
    let tally = t.app.store().record_tally_drift().await.unwrap();
    assert!(tally.is_empty(), "after {step}: {tally:#?}");
}

struct Person {
    id: String,
    token: String,
    training: Vec<String>,
    reflections: Vec<String>,
    supervision: Vec<String>,
}

#[tokio::test]
async fn facts_equal_a_recomputation_after_every_kind_of_change() {
    let t = TestApp::spawn().await;
    let (_, admin) = t.admin().await;
    let lead_id = t
        .user("lead@example.nhs.uk", role("lead"), Some("Riverside"))
        .await;
    let lead = t.login("lead@example.nhs.uk").await;
    let mut people = Vec::new();
    for email in [
        "sam@example.nhs.uk",
        "jo@example.nhs.uk",
        "al@example.nhs.uk",
    ] {
        let id = t.user(email, role("practitioner"), Some("Riverside")).await;
        people.push(Person {
            id,
            token: t.login(email).await,
            training: Vec::new(),
            reflections: Vec::new(),
            supervision: Vec::new(),
        });
    }
    assert_in_step(&t, "accounts").await;
    let (_, teams) = t.get("/api/v1/teams", Some(&lead)).await;
    let team_id = teams[0]["id"].as_str().unwrap().to_owned();
    let other_id = new_team(&t, &admin, "Hillside").await;

    // Every completion gets its own day, so no two share an expiry.
    let mut day = time::macros::date!(2023 - 01 - 02);
    let mut next_day = || {
        day += Duration::days(3);
        day
    };
    let iso = |d: Date| d.to_string();
    let mut rng = Lcg(20_261_127);
    for step in 0..60 {
        let p = rng.below(people.len());
        let op = rng.below(9);
        let person = &mut people[p];
        let label = format!("step {step}: op {op} for person {p}");
        match op {
            // A completion, sometimes with a stated expiry.
            0 | 1 => {
                let mut body = training(COURSES[rng.below(4)], &iso(next_day()), "");
                if rng.below(3) == 0 {
                    body["certificate_expires_on"] = json!(iso(next_day() + Duration::days(400)));
                }
                let (status, created) =
                    t.post("/api/v1/training", Some(&person.token), &body).await;
                assert_eq!(status, 201, "{label}: {created}");
                person
                    .training
                    .push(created["id"].as_str().unwrap().to_owned());
            }
            // An edit: another course or day (clears any verification).
            2 if !person.training.is_empty() => {
                let id = &person.training[rng.below(person.training.len())];
                let body = training(COURSES[rng.below(4)], &iso(next_day()), "edited");
                let (status, body) = t
                    .put(
                        &format!("/api/v1/training/{id}"),
                        Some(&person.token),
                        &body,
                    )
                    .await;
                assert_eq!(status, 200, "{label}: {body}");
            }
            // The lead verifies a certificate.
            3 if !person.training.is_empty() => {
                let id = &person.training[rng.below(person.training.len())];
                let (status, body) = t
                    .post(
                        &format!("/api/v1/training/{id}/verify"),
                        Some(&lead),
                        &json!({}),
                    )
                    .await;
                assert!(
                    status == 200 || status == 409 || status == 404,
                    "{label}: {status} {body}"
                );
            }
            // A deletion of any kind of record.
            4 => {
                let list = match rng.below(3) {
                    0 => (&mut person.training, "training"),
                    1 => (&mut person.reflections, "reflections"),
                    _ => (&mut person.supervision, "supervision"),
                };
                if list.0.is_empty() {
                    continue;
                }
                let id = list.0.remove(rng.below(list.0.len()));
                let (status, body) = t
                    .delete(&format!("/api/v1/{}/{id}", list.1), Some(&person.token))
                    .await;
                // A signed-off supervision stays (409).
                let signed = status == 409 && list.1 == "supervision";
                assert!(status == 204 || signed, "{label}: {status} {body}");
                if signed {
                    list.0.push(id);
                }
            }
            5 => {
                let id = t
                    .create_entry(
                        &person.token,
                        &entry("CPD", &iso(next_day()), "work_based_learning"),
                    )
                    .await;
                person.reflections.push(id);
            }
            // A supervision, signed off two times in three.
            6 | 7 => {
                let (status, s) = t
                    .post(
                        "/api/v1/supervision",
                        Some(&person.token),
                        &supervision(&iso(next_day()), Some(&lead_id), "Caseload."),
                    )
                    .await;
                assert_eq!(status, 201, "{label}: {s}");
                let id = s["id"].as_str().unwrap().to_owned();
                if rng.below(3) > 0 {
                    let path = |a: &str| format!("/api/v1/supervision/{id}/{a}");
                    let (status, body) = t
                        .post(&path("submit"), Some(&person.token), &json!({}))
                        .await;
                    assert_eq!(status, 200, "{label}: {body}");
                    let (status, body) = t.post(&path("sign-off"), Some(&lead), &json!({})).await;
                    assert_eq!(status, 200, "{label}: {body}");
                }
                person.supervision.push(id);
            }
            // Membership: into the other team, or out of it.
            _ => {
                let path = format!("/api/v1/admin/teams/{other_id}/members/{}", person.id);
                if rng.below(2) == 0 {
                    let (status, body) =
                        t.put(&path, Some(&admin), &json!({"is_lead": false})).await;
                    assert_eq!(status, 200, "{label}: {body}");
                } else {
                    let (status, _) = t.delete(&path, Some(&admin)).await;
                    assert!(status == 204 || status == 404, "{label}: {status}");
                }
            }
        }
        assert_in_step(&t, &label).await;
    }
    // Leaving and rejoining the team that verifies changes no fact.
    let member = format!("/api/v1/admin/teams/{team_id}/members/{}", people[0].id);
    let (status, _) = t.delete(&member, Some(&admin)).await;
    assert_eq!(status, 204);
    assert_in_step(&t, "leaving").await;
    let (status, body) = t
        .put(&member, Some(&admin), &json!({"is_lead": false}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_in_step(&t, "rejoining").await;

    // An ESR import for two people, one of whom had fire safety already.
    let csv = "Employee Number,Email Address,Competency Name,Date Last Awarded,Expiry Date,Compliance Status\n\
        1001,sam@example.nhs.uk,NHS|CSTF|Fire Safety - 2 Years|,30-Nov-2025,30-Nov-2027,Compliant\n\
        1001,sam@example.nhs.uk,NHS|CSTF|Information Governance and Data Security - 1 Year|,02/03/2026,,Compliant\n\
        1002,jo@example.nhs.uk,NHS|CSTF|Fire Safety - 2 Years|,2024-01-15,2026-01-15,Not Compliant\n";
    let resp = t
        .http
        .post(t.url("/api/v1/admin/imports/esr"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let report: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "{report}");
    assert_in_step(&t, "the ESR import").await;

    // A reflection written up long after the event does not move the
    // latest CPD date back, and one dated later moves it on.
    for (title, date) in [
        ("Write-up", "2026-09-01"),
        ("Late write-up", "2021-06-01"),
        ("Later", "2026-10-01"),
    ] {
        t.create_entry(&people[0].token, &entry(title, date, "work_based_learning"))
            .await;
        assert_in_step(&t, title).await;
    }
    let (_, mine) = t.get("/api/v1/me/compliance", Some(&people[0].token)).await;
    let fire = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["requirement"] == "fire-safety-l1")
        .unwrap()
        .clone();
    assert_eq!(fire["verified"], true, "{fire}");

    // Lost rows are found and rebuilt by the backfill.
    t.app
        .store()
        .raw_query_for_tests("DELETE compliance_fact")
        .await
        .unwrap();
    assert!(
        !t.app
            .store()
            .compliance_fact_drift()
            .await
            .unwrap()
            .is_empty()
    );
    t.app.store().rebuild_compliance_facts().await.unwrap();
    assert_in_step(&t, "the rebuild").await;
}

/// Creates the team `name`; its id.
async fn new_team(t: &TestApp, admin: &str, name: &str) -> String {
    let (status, team) = t
        .post("/api/v1/admin/teams", Some(admin), &json!({"name": name}))
        .await;
    assert_eq!(status, 201, "{team}");
    team["id"].as_str().unwrap().to_owned()
}

/// The id of the team named `name`.
async fn team_named(t: &TestApp, admin: &str, name: &str) -> String {
    let (status, teams) = t.get("/api/v1/admin/teams", Some(admin)).await;
    assert_eq!(status, 200, "{teams}");
    let team = teams
        .as_array()
        .unwrap()
        .iter()
        .find(|team| team["name"] == name);
    team.unwrap()["id"].as_str().unwrap().to_owned()
}

/// The people the organisation view counts in the team named `name`.
async fn people_in(t: &TestApp, admin: &str, name: &str) -> Value {
    let (status, body) = t.get("/api/v1/admin/compliance", Some(admin)).await;
    assert_eq!(status, 200, "{body}");
    body["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|team| team["name"] == name)
        .map_or(Value::Null, |team| team["people"].clone())
}

#[tokio::test]
async fn the_organisation_digest_follows_profile_staff_and_membership_changes() {
    let t = TestApp::spawn().await;
    let (_, admin) = t.admin().await;
    let lead_id = t
        .user("lead@example.nhs.uk", role("lead"), Some("Riverside"))
        .await;
    let sam_id = t
        .user(
            "sam@example.nhs.uk",
            role("practitioner"),
            Some("Riverside"),
        )
        .await;
    let sam = t.login("sam@example.nhs.uk").await;
    let team_id = team_named(&t, &admin, "Riverside").await;
    assert_in_step(&t, "accounts").await;
    assert_eq!(people_in(&t, &admin, "Riverside").await, 2);

    let (status, body) = t
        .patch(
            "/api/v1/me/registration",
            Some(&sam),
            &json!({"profession": "occupational_therapist", "registration_ends": "2027-10-31",
                    "qualified_on": "2019-07-01"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_in_step(&t, "the registration").await;
    let staff = format!("/api/v1/admin/users/{sam_id}");
    let (status, body) = t
        .patch(
            &staff,
            Some(&admin),
            &json!({"staff_groups": ["all", "clinical"], "dbs_checked_on": "2025-01-01",
                    "last_appraisal_on": "2025-02-28"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_in_step(&t, "the staff facts").await;
    let (status, body) = t
        .patch(&staff, Some(&admin), &json!({"staff_groups": null}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_in_step(&t, "groups back to the role's").await;
    let (status, body) = t
        .patch(
            "/api/v1/me",
            Some(&sam),
            &json!({"name": "Sam | Tyler, OT"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_in_step(&t, "a new name").await;
    let (status, body) = t
        .post(
            "/api/v1/training",
            Some(&sam),
            &json!({"course": "fire-safety-l1", "completed_on": "2026-03-02"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_in_step(&t, "a completion").await;

    let member = format!("/api/v1/admin/teams/{team_id}/members/{sam_id}");
    let (status, _) = t.delete(&member, Some(&admin)).await;
    assert_eq!(status, 204);
    assert_in_step(&t, "leaving").await;
    assert_eq!(people_in(&t, &admin, "Riverside").await, 1);
    let other = new_team(&t, &admin, "Hillside").await;
    let (status, body) = t
        .put(
            &format!("/api/v1/admin/teams/{other}/members/{sam_id}"),
            Some(&admin),
            &json!({"is_lead": false}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = t
        .put(
            &format!("/api/v1/admin/teams/{other}/members/{lead_id}"),
            Some(&admin),
            &json!({"is_lead": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_in_step(&t, "joining a second team").await;
    assert_eq!(people_in(&t, &admin, "Hillside").await, 2);
    assert_eq!(people_in(&t, &admin, "Riverside").await, 1);

    // The check itself notices a line that disagrees.
    t.app
        .store()
        .raw_query_for_tests(&format!(
            "UPDATE type::record('compliance_digest', '{sam_id}') SET line = string::replace(line, '2027-10-31', '2029-10-31')"
        ))
        .await
        .unwrap();
    let drift = t.app.store().compliance_fact_drift().await.unwrap();
    assert_eq!(drift.len(), 1, "{drift:#?}");
    assert!(
        drift[0].starts_with(&format!("{sam_id}: digest")),
        "{drift:#?}"
    );
}
