//! Supervision sign-off, one rule per test: the supervisee submits, the
//! named supervisor countersigns or returns with a comment, and a signed
//! record is fixed (corrected by addenda, actions still closable).

use serde_json::{Value, json};

use crate::helpers::*;
use cpdfolio::domain::user::Role;

struct Session {
    t: TestApp,
    supervisee: String,
    supervisor: String,
    supervisor_id: String,
    body: Value,
    base: String,
}

/// A supervisee and their supervisor (both in one team) and a draft
/// supervision record naming the supervisor.
async fn draft() -> Session {
    let t = TestApp::spawn().await;
    let team = Some("Riverside PCN");
    t.user("sam@example.nhs.uk", Role::Practitioner, team).await;
    let supervisor_id = t.user("jo@example.nhs.uk", Role::Practitioner, team).await;
    let supervisee = t.login("sam@example.nhs.uk").await;
    let supervisor = t.login("jo@example.nhs.uk").await;
    let body = supervision("2026-03-02", Some(&supervisor_id), "We discussed risk.");
    let (status, created) = t
        .post("/api/v1/supervision", Some(&supervisee), &body)
        .await;
    assert_eq!(status, 201, "{created}");
    let base = format!("/api/v1/supervision/{}", created["id"].as_str().unwrap());
    Session {
        t,
        supervisee,
        supervisor,
        supervisor_id,
        body,
        base,
    }
}

impl Session {
    async fn step(&self, step: &str, token: &str, body: Value) -> (u16, Value) {
        self.t
            .post(&format!("{}/{step}", self.base), Some(token), &body)
            .await
    }

    async fn submitted(self) -> Self {
        let (status, record) = self.step("submit", &self.supervisee, json!({})).await;
        assert_eq!(status, 200, "{record}");
        self
    }

    async fn signed(self) -> Self {
        let s = self.submitted().await;
        let (status, record) = s.step("sign-off", &s.supervisor, json!({})).await;
        assert_eq!(status, 200, "{record}");
        s
    }
}

#[tokio::test]
async fn a_new_record_is_a_draft_titled_by_its_type() {
    let s = draft().await;
    let (_, record) = s.t.get(&s.base, Some(&s.supervisee)).await;
    assert_eq!(record["workflow"]["status"], "draft");
    assert_eq!(record["title"], "Clinical supervision");
}

#[tokio::test]
async fn a_draft_cannot_be_signed() {
    let s = draft().await;
    let (status, problem) = s.step("sign-off", &s.supervisor, json!({})).await;
    assert_problem(status, &problem, 409);
}

#[tokio::test]
async fn a_submitted_record_cannot_be_edited() {
    let s = draft().await.submitted().await;
    let (_, record) = s.t.get(&s.base, Some(&s.supervisee)).await;
    assert_eq!(record["workflow"]["status"], "submitted");
    let (status, problem) = s.t.put(&s.base, Some(&s.supervisee), &s.body).await;
    assert_problem(status, &problem, 409);
}

#[tokio::test]
async fn a_return_needs_a_comment_and_the_supervisee_sees_it() {
    let s = draft().await.submitted().await;
    let (status, problem) = s
        .step("return", &s.supervisor, json!({"comment": "  "}))
        .await;
    assert_problem(status, &problem, 422);
    let comment = json!({"comment": "Add the safeguarding outcome"});
    let (status, returned) = s.step("return", &s.supervisor, comment).await;
    assert_eq!(status, 200, "{returned}");
    assert_eq!(returned["workflow"]["status"], "returned");
    assert_eq!(
        returned["workflow"]["return_comment"],
        "Add the safeguarding outcome"
    );
    let mut corrected = s.body.clone();
    corrected["reflection"] = json!("We discussed risk. Safeguarding referral agreed.");
    let (status, edited) = s.t.put(&s.base, Some(&s.supervisee), &corrected).await;
    assert_eq!(status, 200, "{edited}");
}

#[tokio::test]
async fn only_the_named_supervisor_signs_and_signing_clears_the_return_comment() {
    let s = draft().await.submitted().await;
    s.step(
        "return",
        &s.supervisor,
        json!({"comment": "Add the outcome"}),
    )
    .await;
    let s = s.submitted().await;
    let (status, problem) = s.step("sign-off", &s.supervisee, json!({})).await;
    assert_problem(status, &problem, 403);
    let (status, signed) = s.step("sign-off", &s.supervisor, json!({})).await;
    assert_eq!(status, 200, "{signed}");
    assert_eq!(signed["workflow"]["status"], "signed");
    assert_eq!(signed["workflow"]["signed_by"], s.supervisor_id.as_str());
    assert_eq!(signed["workflow"]["return_comment"], Value::Null);
}

#[tokio::test]
async fn a_signed_record_cannot_be_edited_or_deleted() {
    let s = draft().await.signed().await;
    let (status, problem) = s.t.put(&s.base, Some(&s.supervisee), &s.body).await;
    assert_problem(status, &problem, 409);
    assert!(
        problem["detail"].as_str().unwrap().contains("addendum"),
        "{problem}"
    );
    let (status, problem) = s.t.delete(&s.base, Some(&s.supervisee)).await;
    assert_problem(status, &problem, 409);
}

#[tokio::test]
async fn an_addendum_corrects_a_signed_record_without_changing_it() {
    let s = draft().await.signed().await;
    let note = json!({"text": "The session was 50 minutes, not 60."});
    let (status, amended) = s.step("addenda", &s.supervisee, note).await;
    assert_eq!(status, 200, "{amended}");
    assert_eq!(amended["workflow"]["status"], "signed");
    assert_eq!(amended["reflection"], "We discussed risk.");
    assert_eq!(amended["duration_minutes"], 60);
    assert_eq!(
        amended["workflow"]["addenda"][0]["text"],
        "The session was 50 minutes, not 60."
    );
}

#[tokio::test]
async fn an_action_closes_once_even_after_sign_off() {
    let s = draft().await.signed().await;
    let (status, closed) = s.step("actions/1/close", &s.supervisor, json!({})).await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["actions"][0]["status"], "open");
    assert_eq!(closed["actions"][1]["status"], "closed");
    let (status, problem) = s.step("actions/1/close", &s.supervisee, json!({})).await;
    assert_problem(status, &problem, 409);
    let (status, problem) = s.step("actions/7/close", &s.supervisee, json!({})).await;
    assert_problem(status, &problem, 404);
}

#[tokio::test]
async fn every_step_is_a_version_in_the_history() {
    let s = draft().await.signed().await;
    let (_, history) =
        s.t.get(&format!("{}/history", s.base), Some(&s.supervisee))
            .await;
    let versions: Vec<u64> = history["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_u64().unwrap())
        .collect();
    // create 1, submit 2, sign 3
    assert_eq!(history["current_version"], 3);
    assert_eq!(versions, [2, 1]);
    assert_eq!(
        history["versions"][1]["content"]["data"]["reflection"],
        "We discussed risk."
    );
    assert_eq!(history["versions"][1]["content"]["flow"]["status"], "draft");
    assert_eq!(
        history["versions"][0]["content"]["flow"]["status"],
        "submitted"
    );
}

#[tokio::test]
async fn the_supervisor_reads_the_history_once_signed_and_a_lead_never() {
    let s = draft().await;
    s.t.user("lead@example.nhs.uk", Role::Lead, Some("Riverside PCN"))
        .await;
    let lead = s.t.login("lead@example.nhs.uk").await;
    let history = format!("{}/history", s.base);
    let (status, problem) = s.t.get(&history, Some(&s.supervisor)).await;
    assert_problem(status, &problem, 404);
    let s = s.submitted().await;
    let (status, problem) = s.t.get(&history, Some(&s.supervisor)).await;
    assert_problem(status, &problem, 404);
    let (status, record) = s.step("sign-off", &s.supervisor, json!({})).await;
    assert_eq!(status, 200, "{record}");
    for token in [&s.supervisor, &s.supervisee] {
        let (status, past) = s.t.get(&history, Some(token)).await;
        assert_eq!(status, 200, "{past}");
        assert_eq!(
            (
                past["current_version"].clone(),
                past["versions"][1]["version"].clone()
            ),
            (json!(3), json!(1))
        );
    }
    let (status, read) = s.t.get(&s.base, Some(&lead)).await;
    assert_eq!((status, read["version"].clone()), (200, json!(3)));
    let (status, problem) = s.t.get(&history, Some(&lead)).await;
    assert_problem(status, &problem, 404);
}

#[tokio::test]
async fn the_supervisor_lists_what_they_supervise() {
    let s = draft().await;
    let (_, supervised) = s.t.get("/api/v1/supervision", Some(&s.supervisor)).await;
    assert_eq!(supervised["total"], 1);
    assert_eq!(
        supervised["items"][0]["id"],
        s.base.rsplit('/').next().unwrap()
    );
}

#[tokio::test]
async fn a_record_with_an_external_supervisor_cannot_be_submitted() {
    let s = draft().await;
    let body = supervision("2026-03-02", None, "Peer notes");
    let (_, created) =
        s.t.post("/api/v1/supervision", Some(&s.supervisee), &body)
            .await;
    assert_eq!(created["external_supervisor_name"], "Dr Ann Example");
    let id = created["id"].as_str().unwrap();
    let (status, problem) =
        s.t.post(
            &format!("/api/v1/supervision/{id}/submit"),
            Some(&s.supervisee),
            &json!({}),
        )
        .await;
    assert_problem(status, &problem, 409);
}

#[tokio::test]
async fn the_supervisor_must_be_another_cpdfolio_user() {
    let s = draft().await;
    let (_, me) = s.t.get("/api/v1/me", Some(&s.supervisee)).await;
    for (supervisor, why) in [
        (me["id"].as_str().unwrap(), "oneself"),
        ("0123456789abcdef0123456789abcdef", "nobody"),
    ] {
        let body = supervision("2026-03-02", Some(supervisor), "x");
        let (status, problem) =
            s.t.post("/api/v1/supervision", Some(&s.supervisee), &body)
                .await;
        assert_problem(status, &problem, 422);
        assert_eq!(problem["errors"][0]["field"], "supervisor_id", "{why}");
    }
}
