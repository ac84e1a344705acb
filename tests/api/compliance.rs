//! Compliance over real HTTP with the clock fixed on 1 March 2026: a
//! person's items from their records and facts, who may see a member's and
//! a team's compliance, the team's shares and CSV, and team settings.

use std::sync::Arc;

use cpdfolio::app::FixedClock;
use cpdfolio::domain::user::{NewUser, Role};
use serde_json::{Value, json};
use time::macros::datetime;

use crate::helpers::*;

struct Riverside {
    t: TestApp,
    admin: String,
    lead_id: String,
    lead: String,
    sam_id: String,
    sam: String,
    jo_id: String,
    hill_id: String,
    team_id: String,
    /// Sam's fire safety certificate.
    fire_id: String,
    /// Sam's signed-off supervision.
    supervision_id: String,
}

const FORMULA_NAME: &str = "=HYPERLINK(\"http://x.example\",\"Jo\")";

async fn patch(t: &TestApp, path: &str, token: &str, body: &Value) -> (u16, Value) {
    t.patch(path, Some(token), body).await
}

async fn add_training(t: &TestApp, token: &str, course: &str, completed_on: &str) -> String {
    let (status, body) = t
        .post(
            "/api/v1/training",
            Some(token),
            &training(course, completed_on, "certificate"),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// A lead, Sam (known records) and Jo (a name that is a formula) in
/// Riverside; another lead in Hillside.
async fn riverside() -> Riverside {
    let clock = Arc::new(FixedClock::new(datetime!(2026-03-01 12:00 UTC)));
    let t = TestApp::spawn_with_clock(clock).await;
    let (_, admin) = t.admin().await;
    let lead_id = t
        .user("lead@example.nhs.uk", Role::Lead, Some("Riverside"))
        .await;
    let lead = t.login("lead@example.nhs.uk").await;
    let sam_id = t
        .user("sam@example.nhs.uk", Role::Practitioner, Some("Riverside"))
        .await;
    let sam = t.login("sam@example.nhs.uk").await;
    let jo_id = t
        .app
        .create_user(NewUser {
            email: "jo@example.nhs.uk".into(),
            name: FORMULA_NAME.into(),
            role: Role::Practitioner,
            team: Some("Riverside".into()),
            hcpc_number: None,
            password: PASSWORD.into(),
        })
        .await
        .unwrap()
        .id;
    let jo = t.login("jo@example.nhs.uk").await;
    let hill_id = t
        .user("hill@example.nhs.uk", Role::Lead, Some("Hillside"))
        .await;
    let (_, teams) = t.get("/api/v1/teams", Some(&lead)).await;
    let team_id = teams[0]["id"].as_str().unwrap().to_owned();

    // Sam's records.
    let fire_id = add_training(&t, &sam, "fire-safety-l1", "2024-03-31").await;
    add_training(&t, &sam, "information-governance-l1", "2024-02-10").await;
    add_training(&t, &sam, "information-governance-l1", "2025-02-15").await;
    add_training(&t, &sam, "moving-handling-l1", "2020-06-01").await;
    add_training(&t, &sam, "resuscitation-adult-bls", "2025-06-10").await;
    let (status, s) = t
        .post(
            "/api/v1/supervision",
            Some(&sam),
            &supervision("2026-01-26", Some(&lead_id), "We discussed risk."),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let supervision_id = s["id"].as_str().unwrap().to_owned();
    let step = |who: &str, action: &str| {
        (
            who.to_owned(),
            format!("/api/v1/supervision/{supervision_id}/{action}"),
        )
    };
    for (who, path) in [step(&sam, "submit"), step(&lead, "sign-off")] {
        let (status, body) = t.post(&path, Some(&who), &json!({})).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    // A later session not yet signed off does not count.
    let (status, _) = t
        .post(
            "/api/v1/supervision",
            Some(&sam),
            &supervision("2026-02-20", Some(&lead_id), "Draft."),
        )
        .await;
    assert_eq!(status, 201);
    t.create_entry(
        &sam,
        &entry("Graded activity", "2026-01-10", "work_based_learning"),
    )
    .await;
    let (status, body) = patch(
        &t,
        "/api/v1/me/registration",
        &sam,
        &json!({
            "profession": "occupational_therapist",
            "registration_ends": "2027-10-31",
            "qualified_on": "2019-07-01"
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = patch(
        &t,
        &format!("/api/v1/admin/users/{sam_id}"),
        &admin,
        &json!({
            "staff_groups": ["all", "clinical", "registered"],
            "last_appraisal_on": "2025-02-28",
            "dbs_checked_on": "2025-01-01"
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["staff_groups"],
        json!(["all", "clinical", "registered"])
    );
    assert_eq!(body["staff_groups_are_default"], false);
    assert_eq!(body["last_appraisal_on"], "2025-02-28");
    assert_eq!(body["registration_ends"], "2027-10-31");

    // Jo: fire safety in date.
    add_training(&t, &jo, "fire-safety-l1", "2025-01-01").await;
    Riverside {
        t,
        admin,
        lead_id,
        lead,
        sam_id,
        sam,
        jo_id,
        hill_id,
        team_id,
        fire_id,
        supervision_id,
    }
}

fn item<'a>(person: &'a Value, requirement: &str) -> &'a Value {
    person["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["requirement"] == requirement)
        .unwrap_or_else(|| panic!("no {requirement} in {person}"))
}

fn status_and_due(person: &Value, requirement: &str) -> (String, Value) {
    let i = item(person, requirement);
    (
        i["status"].as_str().unwrap().to_owned(),
        i["due_on"].clone(),
    )
}

#[tokio::test]
async fn a_persons_items_follow_their_records_and_facts() {
    let r = riverside().await;
    let (status, me) = r.t.get("/api/v1/me/compliance", Some(&r.sam)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["as_of"], "2026-03-01");
    assert_eq!(me["staff_groups"], json!(["all", "clinical", "registered"]));
    let expect = [
        // Completed 31 March 2024, refreshed every 24 months: in date all
        // of 31 March 2026, 30 days away.
        ("fire-safety-l1", "due_soon", json!("2026-03-31")),
        // The later of two completions: 15 February 2025 + 12 months.
        ("information-governance-l1", "overdue", json!("2026-02-15")),
        // Completed once, never refreshed.
        ("moving-handling-l1", "compliant", json!(null)),
        ("resuscitation-adult-bls", "compliant", json!("2026-06-10")),
        ("safeguarding-adults-l3", "missing", json!(null)),
        // Signed off 26 January + 6 weeks; the later draft does not count.
        ("supervision", "due_soon", json!("2026-03-09")),
        ("hcpc-registration", "compliant", json!("2027-10-31")),
        ("appraisal", "overdue", json!("2026-02-28")),
        // Last reflection 10 January + 90 days.
        ("cpd-recency", "compliant", json!("2026-04-10")),
    ];
    for (requirement, status, due) in expect {
        assert_eq!(
            status_and_due(&me, requirement),
            (status.to_owned(), due),
            "{requirement}"
        );
    }
    assert!(
        me["items"].as_array().unwrap().iter().all(
            |i| i["requirement"] != "dbs-check" && i["requirement"] != "conflict-resolution-l1"
        ),
        "not patient-facing: no DBS or conflict resolution"
    );
    let items = me["items"].as_array().unwrap().len() as u64;
    // 8 courses for everyone, 5 for clinical staff, 3 for registered,
    // then supervision, registration, appraisal and CPD.
    assert_eq!(items, 20);
    assert_eq!(me["rag"], "red");
    assert_eq!(
        me["counts"],
        json!({"compliant": 4, "due_soon": 2, "overdue": 2, "missing": 12})
    );
    let fire = item(&me, "fire-safety-l1");
    assert_eq!(fire["evidence_id"], r.fire_id.as_str());
    assert_eq!(fire["verified"], false);
    assert_eq!(fire["title"], "Fire safety");
    assert_eq!(
        item(&me, "infection-prevention-control-l2")["title"],
        "Infection prevention and control (level 2)"
    );
    let supervision = item(&me, "supervision");
    assert_eq!(supervision["evidence_id"], r.supervision_id.as_str());
    assert_eq!(supervision["verified"], true);
    assert_eq!(
        item(&me, "hcpc-registration")["renewal_window_opens_on"],
        "2027-08-01"
    );

    // The lead verifies the certificate.
    let (status, body) =
        r.t.post(
            &format!("/api/v1/training/{}/verify", r.fire_id),
            Some(&r.lead),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, me) = r.t.get("/api/v1/me/compliance", Some(&r.sam)).await;
    assert_eq!(item(&me, "fire-safety-l1")["verified"], true);

    // The lead sees the same items; admins see any team's members.
    let member = format!(
        "/api/v1/teams/{}/members/{}/compliance",
        r.team_id, r.sam_id
    );
    let (status, seen) = r.t.get(&member, Some(&r.lead)).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["items"], me["items"]);
    let (status, _) = r.t.get(&member, Some(&r.admin)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn only_the_teams_leads_and_admins_see_its_compliance() {
    let r = riverside().await;
    let hill = r.t.login("hill@example.nhs.uk").await;
    let team = format!("/api/v1/teams/{}/compliance", r.team_id);
    let member = |user: &str| format!("/api/v1/teams/{}/members/{user}/compliance", r.team_id);
    for (path, token) in [
        (team.clone(), &r.sam),
        (team.clone(), &hill),
        (member(&r.sam_id), &hill),
        (member(&r.jo_id), &r.sam),
        (format!("/api/v1/teams/{}/settings", r.team_id), &r.sam),
    ] {
        let (status, body) = r.t.get(&path, Some(token)).await;
        assert_problem(status, &body, 404);
    }
    // Someone outside the team, even asked for by its lead.
    let (status, body) = r.t.get(&member(&r.hill_id), Some(&r.lead)).await;
    assert_problem(status, &body, 404);
    let (status, body) =
        r.t.get(
            "/api/v1/teams/0123456789abcdef0123456789abcdef/compliance",
            Some(&r.admin),
        )
        .await;
    assert_problem(status, &body, 404);
    let (status, body) = r.t.get(&team, Some(&r.admin)).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = r.t.get(&team, Some(&r.lead)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_team_matrix_counts_each_requirement_against_the_target() {
    let r = riverside().await;
    let base = format!("/api/v1/teams/{}/compliance", r.team_id);
    let (status, t) =
        r.t.get(&format!("{base}?requirement=fire-safety-l1"), Some(&r.lead))
            .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["as_of"], "2026-03-01");
    assert_eq!(t["target_percent"], 90);
    // Lead: missing; Sam: due soon (in date); Jo: in date.
    let fire = json!({
        "requirement": "fire-safety-l1",
        "title": "Fire safety",
        "required": 3,
        "in_date": 2,
        "percent": 66.7,
        "meets_target": false
    });
    assert_eq!(t["requirements"], json!([fire]));
    assert_eq!(
        t["overall"],
        json!({"required": 3, "in_date": 2, "percent": 66.7, "meets_target": false})
    );
    assert_eq!(t["lapsing"]["within_30_days"], 1);
    assert_eq!(t["lapsing"]["within_90_days"], 1);
    assert_eq!(
        t["lapsing"]["items"],
        json!([{
            "user_id": r.sam_id, "name": "Test sam@example.nhs.uk",
            "requirement": "fire-safety-l1", "title": "Fire safety",
            "due_on": "2026-03-31", "days": 30
        }])
    );
    let members = t["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    let sam = members
        .iter()
        .find(|m| m["user_id"] == r.sam_id.as_str())
        .unwrap();
    assert_eq!(
        sam["items"],
        json!([{"requirement": "fire-safety-l1", "status": "due_soon", "due_on": "2026-03-31"}])
    );
    assert_eq!(sam["rag"], "red");
    assert!(
        sam["items"][0].get("evidence_id").is_none(),
        "no record ids in the matrix"
    );

    // Without filters: information governance is in date for nobody.
    let (_, all) = r.t.get(&base, Some(&r.lead)).await;
    let ig = all["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["requirement"] == "information-governance-l1")
        .unwrap();
    assert_eq!(
        (
            ig["required"].clone(),
            ig["in_date"].clone(),
            ig["percent"].clone()
        ),
        (json!(3), json!(0), json!(0.0))
    );
    // Sam's own supervision is due in 8 days.
    assert_eq!(all["lapsing"]["within_30_days"], 2);

    // The lead lowers the target to 60%.
    let settings = format!("/api/v1/teams/{}/settings", r.team_id);
    let (status, body) = patch(&r.t, &settings, &r.lead, &json!({"target_percent": 60})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"team_id": r.team_id, "supervision_weeks": 6, "preceptorship_weeks": 4, "target_percent": 60})
    );
    let (_, t) =
        r.t.get(&format!("{base}?requirement=fire-safety-l1"), Some(&r.lead))
            .await;
    assert_eq!(t["overall"]["meets_target"], true);

    // Filters by status and staff group.
    let (_, missing) =
        r.t.get(
            &format!("{base}?requirement=fire-safety-l1&status=missing"),
            Some(&r.lead),
        )
        .await;
    let ids: Vec<&str> = missing["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [r.lead_id.as_str()]);
    let (_, registered) =
        r.t.get(&format!("{base}?staff_group=patient_facing"), Some(&r.lead))
            .await;
    assert_eq!(
        registered["members"].as_array().unwrap().len(),
        2,
        "Sam is not patient-facing"
    );

    // A longer supervision interval moves Sam's due date.
    let (status, _) = patch(&r.t, &settings, &r.admin, &json!({"supervision_weeks": 8})).await;
    assert_eq!(status, 200);
    let (_, me) =
        r.t.get(
            &format!(
                "/api/v1/teams/{}/members/{}/compliance",
                r.team_id, r.sam_id
            ),
            Some(&r.lead),
        )
        .await;
    assert_eq!(
        status_and_due(&me, "supervision"),
        ("compliant".to_owned(), json!("2026-03-23"))
    );
}

#[tokio::test]
async fn the_team_csv_opens_in_excel_and_defuses_formulas() {
    let r = riverside().await;
    let base = format!("/api/v1/teams/{}/compliance", r.team_id);
    let fetch = |req: reqwest::RequestBuilder| async {
        let resp = req.bearer_auth(&r.lead).send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        (status, headers, resp.bytes().await.unwrap())
    };
    let (status, headers, bytes) = fetch(
        r.t.http
            .get(r.t.url(&format!("{base}?format=csv&requirement=fire-safety-l1"))),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"team-compliance-2026-03-01.csv\""
    );
    assert!(bytes.starts_with(
        b"\xEF\xBB\xBFuser_id,name,staff_groups,requirement,title,kind,status,due_on,overall\r\n"
    ));
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines.contains(&format!(
            "{},\"'=HYPERLINK(\"\"http://x.example\"\",\"\"Jo\"\")\",all patient_facing clinical registered,fire-safety-l1,Fire safety,training,compliant,2027-01-01,red",
            r.jo_id
        ).as_str()),
        "{text}"
    );
    assert!(
        lines.contains(&format!(
            "{},Test sam@example.nhs.uk,all clinical registered,fire-safety-l1,Fire safety,training,due_soon,2026-03-31,red",
            r.sam_id
        ).as_str()),
        "{text}"
    );
    let (status, headers, bytes) =
        fetch(r.t.http.get(r.t.url(&base)).header("accept", "text/csv")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let (status, headers, _) = fetch(r.t.http.get(r.t.url(&base))).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

#[tokio::test]
async fn bad_settings_filters_and_facts_are_422_naming_the_field_and_change_nothing() {
    let r = riverside().await;
    let settings = format!("/api/v1/teams/{}/settings", r.team_id);
    for (body, field) in [
        (json!({"supervision_weeks": -1}), "supervision_weeks"),
        (json!({"supervision_weeks": 53}), "supervision_weeks"),
        (json!({"target_percent": 101}), "target_percent"),
        (
            json!({"preceptorship_weeks": 0, "target_percent": 50}),
            "preceptorship_weeks",
        ),
        (json!({"preceptorship_weeks": 8}), "preceptorship_weeks"),
    ] {
        let (status, problem) = patch(&r.t, &settings, &r.lead, &body).await;
        assert_problem(status, &problem, 422);
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let (status, body) = r.t.get(&settings, Some(&r.lead)).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            body["supervision_weeks"].clone(),
            body["preceptorship_weeks"].clone(),
            body["target_percent"].clone()
        ),
        (json!(6), json!(4), json!(90)),
        "nothing stored"
    );
    let (status, problem) = patch(&r.t, &settings, &r.sam, &json!({"target_percent": 50})).await;
    assert_problem(status, &problem, 404);

    let base = format!("/api/v1/teams/{}/compliance", r.team_id);
    for (query, field) in [
        ("status=late", "status"),
        ("staff_group=pilots", "staff_group"),
        ("requirement=juggling", "requirement"),
        ("format=xml", "format"),
    ] {
        let (status, problem) = r.t.get(&format!("{base}?{query}"), Some(&r.lead)).await;
        assert_problem(status, &problem, 422);
        assert_eq!(problem["errors"][0]["field"], field, "{query}");
    }

    let (status, problem) = patch(
        &r.t,
        "/api/v1/me/registration",
        &r.sam,
        &json!({"registration_ends": "2026-10-31"}),
    )
    .await;
    assert_problem(status, &problem, 422);
    assert_eq!(problem["errors"][0]["field"], "registration_ends");
    let (status, problem) = patch(
        &r.t,
        &format!("/api/v1/admin/users/{}", r.sam_id),
        &r.admin,
        &json!({"staff_groups": ["all", "pilots"], "dbs_checked_on": "2026-03-02"}),
    )
    .await;
    assert_problem(status, &problem, 422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["staff_groups", "dbs_checked_on"]);
    let (status, problem) = patch(
        &r.t,
        &format!("/api/v1/admin/users/{}", r.sam_id),
        &r.lead,
        &json!({"staff_groups": ["all"]}),
    )
    .await;
    assert_problem(status, &problem, 403);
    let (_, facts) = r.t.get("/api/v1/me/registration", Some(&r.sam)).await;
    assert_eq!(
        facts["staff_groups"],
        json!(["all", "clinical", "registered"])
    );
    assert_eq!(facts["registration_ends"], "2027-10-31");
    assert_eq!(facts["dbs_checked_on"], "2025-01-01");

    // Null puts the role's default groups back.
    let (status, body) = patch(
        &r.t,
        &format!("/api/v1/admin/users/{}", r.sam_id),
        &r.admin,
        &json!({"staff_groups": null}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["staff_groups_are_default"], true);
    assert_eq!(
        body["staff_groups"],
        json!(["all", "patient_facing", "clinical", "registered"])
    );
}

#[tokio::test]
async fn admins_see_every_teams_compliance_in_aggregate_and_no_one_else_does() {
    let r = riverside().await;
    for token in [&r.lead, &r.sam] {
        let (status, problem) = r.t.get("/api/v1/admin/compliance", Some(token)).await;
        assert_problem(status, &problem, 403);
    }
    let (status, org) = r.t.get("/api/v1/admin/compliance", Some(&r.admin)).await;
    assert_eq!(status, 200, "{org}");
    assert_eq!(org["as_of"], "2026-03-01");
    let teams = org["teams"].as_array().unwrap();
    let names: Vec<&str> = teams.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Hillside", "Riverside"]);
    let river = &teams[1];
    assert_eq!(river["team_id"], r.team_id.as_str());
    assert_eq!(river["people"], 3);
    assert_eq!(river["target_percent"], 90);
    let requirement = |key: &str| {
        river["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["requirement"] == key)
            .unwrap_or_else(|| panic!("no {key} in {river}"))
            .clone()
    };
    // Lead: missing; Sam: due soon on 31 March (30 days); Jo: in date.
    assert_eq!(
        requirement("fire-safety-l1"),
        json!({
            "requirement": "fire-safety-l1",
            "title": "Fire safety",
            "required": 3,
            "in_date": 2,
            "percent": 66.7,
            "meets_target": false,
            "counts": {"compliant": 1, "due_soon": 1, "overdue": 0, "missing": 1},
            "lapsing": {"within_30_days": 1, "within_60_days": 1, "within_90_days": 1}
        })
    );
    let ig = requirement("information-governance-l1");
    assert_eq!(
        (&ig["required"], &ig["in_date"], &ig["percent"]),
        (&json!(3), &json!(0), &json!(0.0))
    );
    // Sam's supervision lapses in 8 days as well.
    assert_eq!(river["lapsing"]["within_30_days"], 2);
    // The same shares as the team's own view, requirement by requirement.
    let (_, team) =
        r.t.get(
            &format!("/api/v1/teams/{}/compliance", r.team_id),
            Some(&r.lead),
        )
        .await;
    let share = |v: &Value| json!([v["required"], v["in_date"], v["percent"], v["meets_target"]]);
    assert_eq!(share(&river["overall"]), share(&team["overall"]));
    for (ours, theirs) in river["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .zip(team["requirements"].as_array().unwrap())
    {
        assert_eq!(ours["requirement"], theirs["requirement"]);
        assert_eq!(share(ours), share(theirs), "{}", ours["requirement"]);
        let c = &ours["counts"];
        let cells = ["compliant", "due_soon", "overdue", "missing"]
            .iter()
            .map(|k| c[k].as_u64().unwrap())
            .sum::<u64>();
        assert_eq!(json!(cells), ours["required"]);
    }
    assert_eq!(
        river["lapsing"]["within_90_days"],
        team["lapsing"]["within_90_days"]
    );
    // No person's rows.
    let text = org.to_string();
    assert!(!text.contains(&r.sam_id) && !text.contains("sam@example"));
    // Hillside: its lead has recorded nothing.
    let hill = &teams[0];
    assert_eq!(hill["people"], 1);
    assert_eq!(hill["overall"]["in_date"], 0);
    assert_eq!(hill["counts"]["missing"], hill["overall"]["required"]);
}
