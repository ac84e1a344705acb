//! Compliance alerts over real HTTP and a real SMTP server on loopback,
//! with the clock moved from day to day: each milestone of a certificate's
//! series is emailed once, renewing it ends the series, transient SMTP
//! failures are retried with back-off, permanent ones are listed for
//! admins, leads get a weekly digest only when something needs attention,
//! and a dry run for another date sends and records nothing.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use cpdfolio::app::FixedClock;
use cpdfolio::config::Secret;
use cpdfolio::domain::user::Role;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::{date, datetime};

use crate::helpers::*;
use crate::smtp::{Smtp, smtp_server};

struct World {
    t: TestApp,
    clock: Arc<FixedClock>,
    smtp: Smtp,
}

impl World {
    async fn new(at: OffsetDateTime, digest_day: &str) -> Self {
        let (smtp, port) = smtp_server();
        let clock = Arc::new(FixedClock::new(at));
        let digest_day = digest_day.to_owned();
        let t = TestApp::spawn_with_clock_and(clock.clone(), |c| {
            c.smtp_url = Some(Secret::new(format!("smtp://127.0.0.1:{port}")));
            c.base_url = "https://cpd.example.nhs.uk".to_owned();
            c.digest_day = digest_day;
        })
        .await;
        t.user("admin@example.nhs.uk", Role::Admin, None).await;
        Self { t, clock, smtp }
    }

    fn at(&self, day: time::Date) {
        self.clock.set(day.with_hms(12, 0, 0).unwrap().assume_utc());
    }

    /// Runs the alerts as an admin (signing in afresh: the clock moves
    /// further than a session lasts).
    async fn run(&self, query: &str) -> (u16, Value) {
        let admin = self.t.login("admin@example.nhs.uk").await;
        self.t
            .post(
                &format!("/api/v1/admin/alerts/run{query}"),
                Some(&admin),
                &json!({}),
            )
            .await
    }

    /// Records a completion of `course` on `completed_on` as the holder
    /// of `token`; the created record.
    async fn record_training(&self, token: &str, course: &str, completed_on: &str) -> Value {
        let (status, created) = self
            .t
            .post(
                "/api/v1/training",
                Some(token),
                &training(course, completed_on, ""),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        created
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let admin = self.t.login("admin@example.nhs.uk").await;
        self.t.get(path, Some(&admin)).await
    }
}

/// The (recipient, milestone) of each compliance email in a run's report.
fn milestones(run: &Value) -> Vec<(String, String, String)> {
    run["compliance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["email"].as_str().unwrap().to_owned(),
                c["item_key"].as_str().unwrap().to_owned(),
                c["milestone"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn message_id(message: &str) -> String {
    message
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
        .unwrap()
        .to_owned()
}

const SAM: &str = "sam@example.nhs.uk";

fn fire(milestone: &str) -> Vec<(String, String, String)> {
    vec![(SAM.into(), "fire-safety-l1".into(), milestone.into())]
}

#[tokio::test]
async fn a_certificates_series_is_emailed_once_each_and_ends_on_renewal() {
    // Fire safety completed 31 March 2025, refreshed every 24 months: in
    // date all of 31 March 2027.
    let w = World::new(datetime!(2027-01-29 12:00 UTC), "sunday").await;
    w.t.user(SAM, Role::Practitioner, Some("Riverside")).await;
    let sam = w.t.login(SAM).await;
    w.record_training(&sam, "fire-safety-l1", "2025-03-31")
        .await;

    let (status, run) = w.run("").await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(milestones(&run), vec![], "61 days before: nothing");

    // 60 days before.
    w.at(date!(2027 - 01 - 30));
    let (_, run) = w.run("").await;
    assert_eq!(milestones(&run), fire("due_in_60"));
    let due = w.smtp.with_subject("Fire safety is due on 31 March 2027");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].0, vec![SAM.to_owned()]);
    assert!(
        due[0].1.contains("which is 60 days from today"),
        "{}",
        due[0].1
    );
    assert!(due[0].1.contains("https://cpd.example.nhs.uk"));
    assert!(
        message_id(&due[0].1).contains("@cpd.example.nhs.uk>"),
        "{}",
        message_id(&due[0].1)
    );
    let (_, again) = w.run("").await;
    assert_eq!(milestones(&again), vec![], "a re-run sends nothing");
    assert_eq!(w.smtp.with_subject("Fire safety").len(), 1);

    // 14 days before, after a week without runs in between.
    w.at(date!(2027 - 03 - 17));
    let (_, run) = w.run("").await;
    assert_eq!(milestones(&run), fire("due_in_14"));
    assert_eq!(
        w.smtp
            .with_subject("Fire safety is due on 31 March 2027")
            .len(),
        2
    );

    // The last day it is in date: nothing new.
    w.at(date!(2027 - 03 - 31));
    assert_eq!(milestones(&w.run("").await.1), vec![]);

    // The lapse day: the first day not in date.
    w.at(date!(2027 - 04 - 01));
    let (_, run) = w.run("").await;
    assert_eq!(milestones(&run), fire("lapsed"));
    let lapsed = w.smtp.with_subject("Fire safety is no longer in date");
    assert_eq!(lapsed.len(), 1);
    assert!(lapsed[0].1.contains("in date until 31 March 2027"));

    // 14 days overdue.
    w.at(date!(2027 - 04 - 15));
    let (_, run) = w.run("").await;
    assert_eq!(milestones(&run), fire("overdue_reminder_1"));
    assert_eq!(
        w.smtp
            .with_subject("Reminder: Fire safety has been overdue since 1 April 2027")
            .len(),
        1
    );
    assert_eq!(milestones(&w.run("").await.1), vec![], "nothing twice");

    // Sam renews it: the old series ends, the new one is far off.
    w.at(date!(2027 - 04 - 29));
    let sam = w.t.login(SAM).await;
    w.record_training(&sam, "fire-safety-l1", "2027-04-20")
        .await;
    let (_, run) = w.run("").await;
    assert_eq!(milestones(&run), vec![], "renewed: no overdue_reminder_2");
    assert_eq!(
        w.smtp.with_subject("Fire safety").len(),
        4,
        "due_in_60, due_in_14, lapsed, overdue_reminder_1"
    );
}

/// The outbox keys the scan keeps for Sam beside the digest line.
async fn kept_keys(w: &World, sam_id: &str) -> Vec<String> {
    let page = w.t.app.store().digest_page(sam_id, sam_id).await.unwrap();
    assert_eq!(page.len(), 1);
    page.into_iter().next().unwrap().queued
}

#[tokio::test]
async fn the_keys_the_scan_keeps_spare_the_outbox_but_only_the_outbox_decides() {
    let w = World::new(datetime!(2027-04-01 12:00 UTC), "sunday").await;
    let sam_id = w.t.user(SAM, Role::Practitioner, None).await;
    let sam = w.t.login(SAM).await;
    w.t.post(
        "/api/v1/training",
        Some(&sam),
        &training("fire-safety-l1", "2025-03-31", ""),
    )
    .await;
    let lapsed_key = format!("compliance-{sam_id}-fire-safety-l1-2027-03-31-lapsed");

    let (_, run) = w.run("").await;
    assert_eq!(milestones(&run), fire("lapsed"));
    assert_eq!(kept_keys(&w, &sam_id).await, vec![lapsed_key.clone()]);
    let (_, dry) = w.run("?dry_run=true").await;
    assert_eq!(milestones(&dry), vec![], "a kept key is queued");

    // Renewed: nothing is due, so the kept keys are cleared.
    w.at(date!(2027 - 04 - 02));
    let sam = w.t.login(SAM).await;
    let renewal = w
        .record_training(&sam, "fire-safety-l1", "2027-04-02")
        .await;
    assert_eq!(milestones(&w.run("").await.1), vec![]);
    assert_eq!(kept_keys(&w, &sam_id).await, Vec::<String>::new());

    // The renewal was a mistake: the lapse is due again, absent from the
    // kept keys, and the outbox knows it went.
    let renewal_id = renewal["id"].as_str().unwrap();
    let (status, _) =
        w.t.delete(&format!("/api/v1/training/{renewal_id}"), Some(&sam))
            .await;
    assert_eq!(status, 204);
    assert_eq!(milestones(&w.run("?dry_run=true").await.1), vec![]);
    assert_eq!(milestones(&w.run("").await.1), vec![]);
    assert_eq!(kept_keys(&w, &sam_id).await, vec![lapsed_key.clone()]);

    // Kept keys lost: still nothing twice.
    w.t.app
        .store()
        .raw_query_for_tests("UPDATE compliance_digest SET queued = NONE")
        .await
        .unwrap();
    assert_eq!(milestones(&w.run("").await.1), vec![]);
    assert_eq!(kept_keys(&w, &sam_id).await, vec![lapsed_key]);
    assert_eq!(
        w.smtp
            .with_subject("Fire safety is no longer in date")
            .len(),
        1
    );
}

#[tokio::test]
async fn a_dry_run_as_of_a_date_lists_and_sends_and_records_nothing() {
    let w = World::new(datetime!(2027-01-01 12:00 UTC), "sunday").await;
    w.t.user(SAM, Role::Practitioner, None).await;
    let sam = w.t.login(SAM).await;
    w.t.post(
        "/api/v1/training",
        Some(&sam),
        &training("fire-safety-l1", "2025-03-31", ""),
    )
    .await;

    let (status, dry) = w.run("?dry_run=true&as_of=2027-04-02").await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["as_of"], "2027-04-02");
    assert_eq!(milestones(&dry), fire("lapsed"));
    assert_eq!(dry["sent"], json!([]));
    let (_, dry) = w.run("?dry_run=true&as_of=2027-03-20").await;
    assert_eq!(milestones(&dry), fire("due_in_14"));
    assert!(w.smtp.received.lock().unwrap().is_empty());
    let (_, pending) = w.get("/api/v1/admin/alerts?status=pending").await;
    assert_eq!(pending["total"], 0, "nothing recorded: {pending}");

    for bad in [
        "?dry_run=true&as_of=2027-02-30",
        "?dry_run=true&as_of=tomorrow",
        "?as_of=2027-04-02",
    ] {
        let (status, body) = w.run(bad).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert!(body.to_string().contains("as_of"), "{body}");
    }
    assert!(w.smtp.received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn transient_failures_back_off_and_go_permanent_ones_are_listed_for_admins() {
    let w = World::new(datetime!(2027-03-17 12:00 UTC), "sunday").await;
    for email in [SAM, "bounce@example.nhs.uk"] {
        w.t.user(email, Role::Practitioner, None).await;
        let token = w.t.login(email).await;
        w.t.post(
            "/api/v1/training",
            Some(&token),
            &training("fire-safety-l1", "2025-03-31", ""),
        )
        .await;
    }

    // 451 for everything: both stay queued.
    w.smtp.tempfail.store(true, Ordering::SeqCst);
    let (_, run) = w.run("").await;
    assert_eq!(run["compliance"].as_array().unwrap().len(), 2, "{run}");
    assert_eq!(run["compliance_total"], 2);
    assert_eq!(run["sent"], json!([]));
    assert_eq!(run["sent_total"], 0);
    assert_eq!(run["failed"], 2);
    let (_, pending) = w.get("/api/v1/admin/alerts?status=pending").await;
    assert_eq!(pending["total"], 1, "{pending}");
    assert_eq!(pending["items"][0]["last_error_code"], 451);
    assert_eq!(pending["items"][0]["attempts"], 1);
    let (_, failed) = w.get("/api/v1/admin/alerts?status=failed").await;
    assert_eq!(failed["total"], 1, "550 is permanent at once: {failed}");
    let f = &failed["items"][0];
    assert_eq!(
        (
            &f["kind"],
            &f["name"],
            &f["item_key"],
            &f["milestone"],
            &f["last_error_code"],
            &f["attempts"]
        ),
        (
            &json!("compliance_due"),
            &json!("Test bounce@example.nhs.uk"),
            &json!("fire-safety-l1"),
            &json!("due_in_14"),
            &json!(550),
            &json!(1)
        )
    );
    assert!(f["last_attempt_at"].is_string(), "{f}");
    assert!(
        f.get("recipient").is_none() && f.get("email").is_none() && f.get("text").is_none(),
        "no address or message in the admin list: {f}"
    );

    // The server recovers, but the back-off (five minutes) has not passed.
    w.smtp.tempfail.store(false, Ordering::SeqCst);
    w.clock.set(datetime!(2027-03-17 12:02 UTC));
    let (_, early) = w.run("").await;
    assert_eq!(early["sent"], json!([]), "{early}");
    w.clock.set(datetime!(2027-03-17 12:06 UTC));
    let (_, later) = w.run("").await;
    assert_eq!(later["sent"].as_array().unwrap().len(), 1, "{later}");
    assert_eq!(later["sent"][0]["recipient"], SAM);
    assert_eq!(w.smtp.with_subject("Fire safety").len(), 1);
    let (_, failed) = w.get("/api/v1/admin/alerts?status=failed").await;
    assert_eq!(failed["total"], 1, "the permanent failure is not retried");
    let (status, _) = w.get("/api/v1/admin/alerts?status=lost").await;
    assert_eq!(status, 422);
    let sam = w.t.login(SAM).await;
    let (status, _) = w.t.get("/api/v1/admin/alerts", Some(&sam)).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_resend_after_a_crash_carries_the_same_message_id() {
    let w = World::new(datetime!(2027-03-17 12:00 UTC), "sunday").await;
    w.t.user(SAM, Role::Practitioner, None).await;
    let sam = w.t.login(SAM).await;
    w.t.post(
        "/api/v1/training",
        Some(&sam),
        &training("fire-safety-l1", "2025-03-31", ""),
    )
    .await;
    let (_, run) = w.run("").await;
    assert_eq!(run["sent"].as_array().unwrap().len(), 1, "{run}");
    // As if the process died after the SMTP server accepted the message
    // and before the outbox recorded it: the claim is left behind.
    w.t.app
        .store()
        .raw_query_for_tests(
            "UPDATE alert SET status = 'sending', claimed_at = <datetime> '2027-03-17T12:00:00Z'
             WHERE kind = 'compliance_due'",
        )
        .await
        .unwrap();
    w.clock.set(datetime!(2027-03-17 12:11 UTC));
    let (_, resend) = w.run("").await;
    assert_eq!(resend["sent"].as_array().unwrap().len(), 1, "{resend}");
    let both = w.smtp.with_subject("Fire safety");
    assert_eq!(both.len(), 2);
    assert_eq!(message_id(&both[0].1), message_id(&both[1].1));
}

#[tokio::test]
async fn leads_get_a_weekly_digest_only_when_something_needs_attention() {
    // Monday 1 March 2027; the digest goes on Mondays.
    let w = World::new(datetime!(2027-03-01 12:00 UTC), "monday").await;
    let lead_id =
        w.t.user("lead@example.nhs.uk", Role::Lead, Some("Riverside"))
            .await;
    w.t.user(SAM, Role::Practitioner, Some("Riverside")).await;
    w.t.user("other@example.nhs.uk", Role::Lead, Some("Hillside"))
        .await;
    let (_, run) = w.run("").await;
    assert_eq!(run["digests"], json!([]), "all in date: silence");

    let sam = w.t.login(SAM).await;
    w.t.post(
        "/api/v1/training",
        Some(&sam),
        &training("fire-safety-l1", "2025-03-31", ""),
    )
    .await;
    w.at(date!(2027 - 03 - 08));
    let (_, run) = w.run("").await;
    assert_eq!(run["digests"].as_array().unwrap().len(), 1, "{run}");
    assert_eq!(run["digests"][0]["lead_id"], lead_id.as_str());
    assert_eq!(run["digests"][0]["items"], 1);
    let digest = w.smtp.with_subject("Riverside: compliance for the week of");
    assert_eq!(digest.len(), 1);
    assert_eq!(digest[0].0, vec!["lead@example.nhs.uk".to_owned()]);
    assert!(
        digest[0]
            .1
            .contains("Test sam@example.nhs.uk: Fire safety, due soon, due 31 March 2027"),
        "{}",
        digest[0].1
    );
    // Once a week, whatever the reruns; again the next week.
    w.at(date!(2027 - 03 - 10));
    assert_eq!(w.run("").await.1["digests"], json!([]));
    w.at(date!(2027 - 03 - 15));
    assert_eq!(w.run("").await.1["digests"].as_array().unwrap().len(), 1);
    assert!(
        w.smtp.with_subject("Hillside").is_empty(),
        "nothing for a team that is all in date"
    );
}

#[tokio::test]
async fn optional_reminders_can_be_switched_off_but_lapse_notices_cannot() {
    // Monday 1 February 2027: fire safety (due 31 March) is 58 days off,
    // so due_in_60 is due; the digest goes on Mondays.
    let w = World::new(datetime!(2027-02-01 12:00 UTC), "monday").await;
    w.t.user("lead@example.nhs.uk", Role::Lead, Some("Riverside"))
        .await;
    w.t.user(SAM, Role::Practitioner, Some("Riverside")).await;
    let sam = w.t.login(SAM).await;
    let lead = w.t.login("lead@example.nhs.uk").await;
    w.t.post(
        "/api/v1/training",
        Some(&sam),
        &training("fire-safety-l1", "2025-03-31", ""),
    )
    .await;
    let all_on = json!({"due_soon": true, "digest": true, "lapse_notices": true});
    assert_eq!(
        w.t.get("/api/v1/me/alert-preferences", Some(&sam)).await,
        (200, all_on.clone())
    );

    let (status, body) =
        w.t.patch(
            "/api/v1/me/alert-preferences",
            Some(&sam),
            &json!({"due_soon": false}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"due_soon": false, "digest": true, "lapse_notices": true})
        )
    );
    let (status, _) =
        w.t.patch(
            "/api/v1/me/alert-preferences",
            Some(&lead),
            &json!({"digest": false}),
        )
        .await;
    assert_eq!(status, 200);

    // Refused changes name the field and store nothing.
    for (bad, expected, field) in [
        (
            json!({"lapse_notices": false, "due_soon": true}),
            422,
            "lapse_notices",
        ),
        (
            json!({"due_soon": "no"}),
            400,
            r#"{"field":"due_soon","message":"must be true or false, not text"}"#,
        ),
        (json!({"weekly": false}), 400, "weekly"),
    ] {
        let (status, problem) =
            w.t.patch("/api/v1/me/alert-preferences", Some(&sam), &bad)
                .await;
        assert_eq!(status, expected, "{bad}: {problem}");
        assert!(problem.to_string().contains(field), "{bad}: {problem}");
    }
    let (_, kept) = w.t.get("/api/v1/me/alert-preferences", Some(&sam)).await;
    assert_eq!(kept["due_soon"], false, "{kept}");

    // No due-soon reminder for Sam, no digest for the lead.
    let (_, run) = w.run("").await;
    assert_eq!(milestones(&run), vec![], "{run}");
    assert_eq!(run["digests"], json!([]));
    w.at(date!(2027 - 03 - 17));
    assert_eq!(milestones(&w.run("").await.1), vec![]);
    // The lapse notice goes all the same.
    w.at(date!(2027 - 04 - 01));
    assert_eq!(milestones(&w.run("").await.1), fire("lapsed"));
    assert_eq!(w.smtp.with_subject("Fire safety").len(), 1);
    assert!(w.smtp.with_subject("Riverside").is_empty());

    // Switched back on, the next milestone goes again.
    w.t.patch(
        "/api/v1/me/alert-preferences",
        Some(&w.t.login(SAM).await),
        &json!({"due_soon": true}),
    )
    .await;
    let (_, prefs) =
        w.t.get("/api/v1/me/alert-preferences", Some(&w.t.login(SAM).await))
            .await;
    assert_eq!(prefs, all_on);
}

#[tokio::test]
async fn the_hcpc_renewal_window_opening_is_emailed_once_and_renewing_ends_the_series() {
    // Registration ends 31 October 2027; the OT window opens 1 August.
    let w = World::new(datetime!(2027-07-31 12:00 UTC), "sunday").await;
    w.t.user(SAM, Role::Practitioner, None).await;
    let sam = w.t.login(SAM).await;
    let registration =
        |ends: &str| json!({"profession": "occupational_therapist", "registration_ends": ends});
    let (status, body) =
        w.t.patch(
            "/api/v1/me/registration",
            Some(&sam),
            &registration("2027-10-31"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let hcpc = |milestone: &str| {
        vec![(
            SAM.to_owned(),
            "hcpc-registration".to_owned(),
            milestone.to_owned(),
        )]
    };
    assert_eq!(milestones(&w.run("").await.1), vec![], "window not open");

    w.at(date!(2027 - 08 - 01));
    assert_eq!(milestones(&w.run("").await.1), hcpc("renewal_window_open"));
    let sent = w.smtp.with_subject("Your HCPC renewal window is open");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, vec![SAM.to_owned()]);
    assert!(
        sent[0]
            .1
            .contains("opened on 1 August 2027. Your current registration ends on 31 October 2027"),
        "{}",
        sent[0].1
    );
    w.at(date!(2027 - 08 - 20));
    assert_eq!(milestones(&w.run("").await.1), vec![], "once only");

    // Sixty days before the end, the due-soon reminder follows.
    w.at(date!(2027 - 09 - 01));
    assert_eq!(milestones(&w.run("").await.1), hcpc("due_in_60"));

    // Renewed: the next cycle's window is two years off.
    let sam = w.t.login(SAM).await;
    let (status, _) =
        w.t.patch(
            "/api/v1/me/registration",
            Some(&sam),
            &registration("2029-10-31"),
        )
        .await;
    assert_eq!(status, 200);
    w.at(date!(2027 - 10 - 17));
    assert_eq!(milestones(&w.run("").await.1), vec![], "no due_in_14");
    w.at(date!(2027 - 11 - 01));
    assert_eq!(milestones(&w.run("").await.1), vec![], "no lapse");
    assert_eq!(w.smtp.with_subject("HCPC").len(), 2);
}

#[tokio::test]
async fn the_scan_reads_each_batch_of_digests_from_its_first_id_to_its_last() {
    let t = TestApp::spawn().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            t.user(&format!("p{i}@example.nhs.uk"), Role::Practitioner, None)
                .await,
        );
    }
    ids.sort();
    let store = t.app.store();
    assert_eq!(store.digest_ids().await.unwrap(), ids);
    let page: Vec<String> = store
        .digest_page(&ids[1], &ids[3])
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.digest.stored.facts.user_id)
        .collect();
    assert_eq!(page, ids[1..=3]);
}
