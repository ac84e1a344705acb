//! Objectives of the development plan: a record kind with the history,
//! attachments, search and privacy of the others; linked evidence must be
//! the owner's; never a CPD activity in the profile; a lead reads none.

use serde_json::{Value, json};

use crate::helpers::*;

fn objective(title: &str) -> Value {
    json!({
        "title": title,
        "why": "Falls are the commonest referral to the practice.",
        "how": "Shadow the physiotherapy group, then co-run two sessions.",
        "agreed_on": "2026-04-01",
        "due_on": "2027-03-31"
    })
}

#[tokio::test]
async fn an_objective_is_written_revised_attached_to_and_searched_by_its_owner() {
    let t = TestApp::spawn().await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let reflection = t
        .create_entry(
            &sam,
            &entry("Falls group", "2026-05-01", "work_based_learning"),
        )
        .await;
    let mut body = objective("Lead a falls prevention group");
    body["evidence"] = json!([
        {"kind": "reflection", "id": reflection},
        {"kind": "reflection", "id": reflection}
    ]);
    let (status, created) = t.post("/api/v1/objectives", Some(&sam), &body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "not_started");
    assert_eq!(
        created["evidence"],
        json!([{"kind": "reflection", "id": reflection}])
    );
    assert_eq!(created["due_on"], "2027-03-31");
    assert_eq!(created["version"], 1);
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/objectives/{id}");

    body["status"] = json!("in_progress");
    body["progress"] = json!("Shadowed **two** sessions.");
    let (status, revised) = t.put(&path, Some(&sam), &body).await;
    assert_eq!(status, 200, "{revised}");
    assert_eq!(
        (
            &revised["status"],
            &revised["progress_html"],
            &revised["version"]
        ),
        (
            &json!("in_progress"),
            &json!("<p>Shadowed <strong>two</strong> sessions.</p>\n"),
            &json!(2)
        )
    );
    let (_, history) = t.get(&format!("{path}/history"), Some(&sam)).await;
    assert_eq!(history["versions"][0]["version"], 1);
    assert_eq!(
        history["versions"][0]["content"]["data"]["status"], "not_started",
        "{history}"
    );

    let (status, file) = t
        .upload(
            &format!("{path}/attachments"),
            Some(&sam),
            "plan.pdf",
            &pdf_bytes("plan"),
        )
        .await;
    assert_eq!(status, 201, "{file}");
    let (_, list) = t.get("/api/v1/objectives", Some(&sam)).await;
    assert_eq!(
        (list["total"].clone(), list["items"][0]["id"].clone()),
        (json!(1), json!(id))
    );
    let found = t
        .search_until(&sam, "physiotherapy", 1, std::time::Duration::from_secs(10))
        .await;
    assert_eq!(found["hits"][0]["id"], id.as_str(), "{found}");
    assert_eq!(found["hits"][0]["kind"], "objective", "{found}");

    let (_, profile) = t.get("/api/v1/me/cpd-profile", Some(&sam)).await;
    assert_eq!(
        profile["activities"].as_array().unwrap().len(),
        1,
        "an objective is not an activity"
    );

    let (status, _) = t.delete(&path, Some(&sam)).await;
    assert_eq!(status, 204);
    let (status, _) = t.get(&path, Some(&sam)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn nobody_else_reads_an_objective_not_even_the_owners_lead() {
    let t = TestApp::spawn().await;
    let (sam, lead) = riverside_team(&t).await;
    let (_, kim) = t.practitioner("kim@example.nhs.uk").await;
    let path = create_record(
        &t,
        &sam,
        "/api/v1/objectives",
        &objective("Supervise a student"),
    )
    .await;
    let own = t
        .search_until(&sam, "physiotherapy", 1, std::time::Duration::from_secs(10))
        .await;
    assert_eq!(own["total"], 1, "indexed before others search: {own}");
    for token in [&lead, &kim] {
        let (status, body) = t.get(&path, Some(token)).await;
        assert_problem(status, &body, 404);
        let (_, list) = t.get("/api/v1/objectives", Some(token)).await;
        assert_eq!(list["total"], 0, "{list}");
        let (_, found) = t.get("/api/v1/search?q=physiotherapy", Some(token)).await;
        assert_eq!(found["hits"], json!([]), "{found}");
        let (status, body) = t.put(&path, Some(token), &objective("Taken over")).await;
        assert_problem(status, &body, 404);
    }
}

#[tokio::test]
async fn bad_objectives_are_refused_and_nothing_is_stored() {
    let t = TestApp::spawn().await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (_, kim) = t.practitioner("kim@example.nhs.uk").await;
    let kims = t
        .create_entry(&kim, &entry("Kim's", "2026-05-01", "work_based_learning"))
        .await;
    let own = create_record(&t, &sam, "/api/v1/objectives", &objective("Own")).await;
    let own_id = own.rsplit('/').next().unwrap();
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"title": ""}), "title", "must not be empty"),
        (
            json!({"due_on": "2026-03-01"}),
            "due_on",
            "must not be before agreed_on",
        ),
        (
            json!({"agreed_on": "2099-01-01", "due_on": "2099-02-01"}),
            "agreed_on",
            "must not be in the future",
        ),
        (
            json!({"evidence": [{"kind": "reflection", "id": kims}]}),
            "evidence[0]",
            "is not one of your records",
        ),
        (
            json!({"evidence": [{"kind": "objective", "id": own_id}]}),
            "evidence",
            "must link reflections, supervision, audits or training",
        ),
        (
            json!({"evidence": [{"kind": "audit", "id": "'; DELETE objective; --"}]}),
            "evidence",
            "each id must be 32 lower-case hex characters",
        ),
        (json!({"status": "finished"}), "status", ""),
        (
            json!({"why": "x".repeat(10_001)}),
            "why",
            "at most 10000 characters",
        ),
        (
            json!({"why": "Seen with NHS 943 476 5919 at home."}),
            "why",
            "NHS number",
        ),
    ];
    for (change, field, message) in cases {
        let mut body = objective("Bad");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, problem) = t.post("/api/v1/objectives", Some(&sam), &body).await;
        assert!(
            status == 400 || status == 422,
            "{field}: {status} {problem}"
        );
        let text = problem.to_string();
        assert!(text.contains(field), "{field}: {problem}");
        assert!(text.contains(message), "{field}: {problem}");
    }
    let (_, list) = t.get("/api/v1/objectives", Some(&sam)).await;
    assert_eq!(list["total"], 1, "only the good one: {list}");

    let mut flagged = objective("Home visits");
    flagged["progress"] = json!("Mrs Patel asked for the group.");
    let (status, created) = t.post("/api/v1/objectives", Some(&sam), &flagged).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["pii_warnings"][0]["field"], "progress", "{created}");
}
