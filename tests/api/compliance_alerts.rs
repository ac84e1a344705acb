//! Compliance alerts over real HTTP and a real SMTP server on loopback,
//! with the clock moved from day to day: each milestone of a certificate's
//! series is emailed once, renewing it ends the series, transient SMTP
//! failures are retried with back-off, permanent ones are listed for
//! admins, leads get a weekly digest only when something needs attention,
//! and a dry run for another date sends and records nothing.

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use cpdfolio::app::FixedClock;
use cpdfolio::config::Secret;
use cpdfolio::domain::user::Role;
use mailin_embedded::{Handler, Server};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::{date, datetime};

use crate::helpers::*;

/// Recipients and raw message of each email accepted.
type Received = Vec<(Vec<String>, String)>;

/// A loopback SMTP server that accepts mail, answers 451 to every message
/// while `tempfail` is set, and 550 to recipients whose address starts
/// with `bounce`.
#[derive(Clone, Default)]
struct Smtp {
    current: (Vec<String>, Vec<u8>),
    received: Arc<Mutex<Received>>,
    tempfail: Arc<AtomicBool>,
}

impl Handler for Smtp {
    fn rcpt(&mut self, to: &str) -> mailin_embedded::Response {
        if to.trim_start_matches('<').starts_with("bounce") {
            mailin_embedded::response::NO_MAILBOX
        } else {
            mailin_embedded::response::OK
        }
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.current = (to.to_vec(), Vec::new());
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.1.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let (to, data) = std::mem::take(&mut self.current);
        if self.tempfail.load(Ordering::SeqCst) {
            return mailin_embedded::response::INTERNAL_ERROR;
        }
        self.received
            .lock()
            .unwrap()
            // Undo quoted-printable soft line breaks, so tests read lines.
            .push((to, String::from_utf8_lossy(&data).replace("=\r\n", "")));
        mailin_embedded::response::OK
    }
}

impl Smtp {
    /// The messages received whose subject contains `needle`.
    fn with_subject(&self, needle: &str) -> Received {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, m)| {
                m.lines()
                    .any(|l| l.starts_with("Subject:") && l.contains(needle))
            })
            .cloned()
            .collect()
    }
}

fn smtp_server() -> (Smtp, u16) {
    let smtp = Smtp::default();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut server = Server::new(smtp.clone());
    server
        .with_name("test.smtp.local")
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (smtp, port)
}

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
    let (status, body) =
        w.t.post(
            "/api/v1/training",
            Some(&sam),
            &training("fire-safety-l1", "2025-03-31", ""),
        )
        .await;
    assert_eq!(status, 201, "{body}");

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
    let (status, body) =
        w.t.post(
            "/api/v1/training",
            Some(&sam),
            &training("fire-safety-l1", "2027-04-20", ""),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, run) = w.run("").await;
    assert_eq!(milestones(&run), vec![], "renewed: no overdue_reminder_2");
    assert_eq!(
        w.smtp.with_subject("Fire safety").len(),
        4,
        "due_in_60, due_in_14, lapsed, overdue_reminder_1"
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
    assert_eq!(run["sent"], json!([]));
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
