use std::net::TcpListener;

use cpdfolio::config::Secret;
use cpdfolio::domain::user::Role;
use serde_json::json;

use crate::helpers::*;
use crate::smtp::{Smtp, smtp_server};

/// Makes a user look as if they joined `days` ago.
async fn backdate_user(t: &TestApp, id: &str, days: i64) {
    let at = time::OffsetDateTime::now_utc() - time::Duration::days(days);
    let sql = format!(
        "UPDATE type::record('user', '{id}') SET created_at = <datetime> '{}'",
        at.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    );
    cpdfolio_test_query(t, &sql).await;
}

async fn cpdfolio_test_query(t: &TestApp, sql: &str) {
    t.app.store().raw_query_for_tests(sql).await.unwrap();
}

#[tokio::test]
async fn inactivity_alert_is_delivered_over_smtp_once_per_gap() {
    let (inbox, port) = smtp_server();
    let t = TestApp::spawn_with(|c| {
        c.smtp_url = Some(Secret::new(format!("smtp://127.0.0.1:{port}")));
        c.base_url = "https://cpd.example.nhs.uk".to_owned();
    })
    .await;
    t.user("admin@example.nhs.uk", Role::Admin, None).await;
    let admin = t.login("admin@example.nhs.uk").await;
    let (quiet_id, quiet) = t.practitioner("quiet@example.nhs.uk").await;
    let (busy_id, busy) = t.practitioner("busy@example.nhs.uk").await;
    backdate_user(&t, &quiet_id, 400).await;
    backdate_user(&t, &busy_id, 400).await;
    let old = (time::OffsetDateTime::now_utc().date() - time::Duration::days(120)).to_string();
    let recent = (time::OffsetDateTime::now_utc().date() - time::Duration::days(10)).to_string();
    t.create_entry(
        &quiet,
        &entry("Old reflection", &old, "work_based_learning"),
    )
    .await;
    t.create_entry(
        &busy,
        &entry("Recent reflection", &recent, "work_based_learning"),
    )
    .await;

    let (status, dry) = t
        .post(
            "/api/v1/admin/alerts/run?dry_run=true",
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["due"].as_array().unwrap().len(), 1);
    assert_eq!(dry["due_total"], 1);
    assert_eq!(dry["due"][0]["email"], "quiet@example.nhs.uk");
    assert_eq!(dry["due"][0]["days"], 120);
    assert_eq!(dry["sent"], json!([]));
    assert!(
        inbox.received.lock().unwrap().is_empty(),
        "a dry run sends nothing"
    );

    let (status, run) = t
        .post("/api/v1/admin/alerts/run", Some(&admin), &json!({}))
        .await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["sent"].as_array().unwrap().len(), 1, "{run}");
    assert_eq!(run["sent"][0]["recipient"], "quiet@example.nhs.uk");
    let received = inbox.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let (to, message) = &received[0];
    assert_eq!(to, &vec!["quiet@example.nhs.uk".to_owned()]);
    let since = cpdfolio::domain::dates::long_uk(
        time::OffsetDateTime::now_utc().date() - time::Duration::days(120),
    );
    assert!(
        message.contains(&format!(
            "Subject: No CPD recorded in cpdfolio since {since}"
        )),
        "{message}"
    );
    assert!(
        message.contains("Content-Type: multipart/alternative"),
        "{message}"
    );
    assert!(
        message.contains("Content-Type: text/plain; charset=utf-8"),
        "{message}"
    );
    assert!(
        message.contains("Content-Type: text/html; charset=utf-8"),
        "{message}"
    );
    assert!(
        message.contains("Dear Test quiet@example.nhs.uk,"),
        "{message}"
    );
    assert!(message.contains("https://cpd.example.nhs.uk"), "{message}");

    let (status, again) = t
        .post("/api/v1/admin/alerts/run", Some(&admin), &json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (again["due"].clone(), again["sent"].clone()),
        (json!([]), json!([]))
    );
    assert_eq!(
        inbox.received.lock().unwrap().len(),
        1,
        "a second run sends nothing new"
    );
}

#[tokio::test]
async fn failed_delivery_stays_queued_and_is_retried() {
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let t = TestApp::spawn_with(|c| {
        c.smtp_url = Some(Secret::new(format!("smtp://127.0.0.1:{dead_port}")))
    })
    .await;
    let (quiet_id, _) = t.practitioner("quiet@example.nhs.uk").await;
    backdate_user(&t, &quiet_id, 200).await;
    let report = t.app.run_alerts(false).await.unwrap();
    assert_eq!(
        (report.due.len(), report.sent.len(), report.failed),
        (1, 0, 1)
    );
    let pending = t.app.store().pending_emails(10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].attempts, 1);
    assert_eq!(pending[0].recipient, "quiet@example.nhs.uk");
}

#[tokio::test]
async fn the_file_outbox_is_the_default_transport() {
    let t = TestApp::spawn().await;
    let (quiet_id, _) = t.practitioner("quiet@example.nhs.uk").await;
    backdate_user(&t, &quiet_id, 100).await;
    let report = t.app.run_alerts(false).await.unwrap();
    assert_eq!(report.sent.len(), 1);
    let files: Vec<_> = std::fs::read_dir(t.data.path().join("outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.contains("To: quiet@example.nhs.uk"), "{eml}");
    assert_eq!(t.app.run_alerts(false).await.unwrap().sent.len(), 0);
    assert_eq!(
        std::fs::read_dir(t.data.path().join("outbox"))
            .unwrap()
            .count(),
        1
    );
}

/// Everyone who received an email, one entry per message, sorted.
fn recipients(inbox: &Smtp) -> Vec<String> {
    let mut all: Vec<String> = inbox
        .received
        .lock()
        .unwrap()
        .iter()
        .flat_map(|(to, _)| to.clone())
        .collect();
    all.sort();
    all
}

#[tokio::test]
async fn two_runs_at_once_send_each_reminder_once() {
    let (inbox, port) = smtp_server();
    let t =
        TestApp::spawn_with(|c| c.smtp_url = Some(Secret::new(format!("smtp://127.0.0.1:{port}"))))
            .await;
    t.user("admin@example.nhs.uk", Role::Admin, None).await;
    let admin = t.login("admin@example.nhs.uk").await;
    let mut quiet: Vec<String> = Vec::new();
    for n in 0..8 {
        let email = format!("quiet{n}@example.nhs.uk");
        let (id, _) = t.practitioner(&email).await;
        backdate_user(&t, &id, 200).await;
        quiet.push(email);
    }
    quiet.sort();

    let no_body = json!({});
    let (endpoint_run, daily_run) = tokio::join!(
        t.post("/api/v1/admin/alerts/run", Some(&admin), &no_body),
        t.app.run_alerts(false),
    );
    let (status, endpoint_run) = endpoint_run;
    assert_eq!(status, 200, "{endpoint_run}");
    let daily_run = daily_run.unwrap();
    let mut sent: Vec<String> = endpoint_run["sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["recipient"].as_str().unwrap().to_owned())
        .chain(daily_run.sent.iter().map(|s| s.recipient.clone()))
        .collect();
    sent.sort();
    assert_eq!(sent, quiet, "each reminder is sent by exactly one run");
    assert_eq!(recipients(&inbox), quiet, "each person got one email");
}

/// Queues an email as a run that claimed it `minutes_ago` would have left it.
async fn claimed_email(t: &TestApp, user_id: &str, name: &str, minutes_ago: i64) {
    let at = time::OffsetDateTime::now_utc() - time::Duration::minutes(minutes_ago);
    let sql = format!(
        "CREATE type::record('alert', '{name}') SET dedupe_key = 'inactivity-{name}', kind = 'inactivity',
             user = type::record('user', '{user_id}'), recipient = '{name}@example.nhs.uk',
             subject = 'Reminder for {name}', text = 'Hello', html = '<p>Hello</p>',
             message_id = '<{name}@cpdfolio>', status = 'sending', attempts = 0,
             claimed_at = <datetime> '{}', created_at = time::now()",
        at.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    );
    cpdfolio_test_query(t, &sql).await;
}

#[tokio::test]
async fn a_claim_left_by_a_run_that_died_is_retried_after_ten_minutes() {
    let (inbox, port) = smtp_server();
    let t =
        TestApp::spawn_with(|c| c.smtp_url = Some(Secret::new(format!("smtp://127.0.0.1:{port}"))))
            .await;
    t.user("admin@example.nhs.uk", Role::Admin, None).await;
    let admin = t.login("admin@example.nhs.uk").await;
    let (stale_id, _) = t.practitioner("stale@example.nhs.uk").await;
    let (fresh_id, _) = t.practitioner("fresh@example.nhs.uk").await;
    claimed_email(&t, &stale_id, "stale", 11).await;
    claimed_email(&t, &fresh_id, "fresh", 9).await;

    let (status, run) = t
        .post("/api/v1/admin/alerts/run", Some(&admin), &json!({}))
        .await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(
        (run["due"].clone(), run["sent"].clone()),
        (
            json!([]),
            json!([{
                "user_id": stale_id,
                "recipient": "stale@example.nhs.uk",
                "subject": "Reminder for stale"
            }])
        )
    );
    assert_eq!(recipients(&inbox), ["stale@example.nhs.uk"]);

    let (_, again) = t
        .post("/api/v1/admin/alerts/run", Some(&admin), &json!({}))
        .await;
    assert_eq!(again["sent"], json!([]), "a fresh claim is left alone");
    assert_eq!(recipients(&inbox), ["stale@example.nhs.uk"]);
}

/// Eight runs on four threads claim the same email at once, twenty times
/// over: each time exactly one holds the claim and none fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_many_claims_at_once_exactly_one_succeeds() {
    let t = TestApp::spawn().await;
    let (user_id, _) = t.practitioner("quiet@example.nhs.uk").await;
    for round in 0..20 {
        let name = format!("round{round}");
        claimed_email(&t, &user_id, &name, 30).await;
        let claims: Vec<_> = (0..8)
            .map(|_| {
                let app = t.app.clone();
                let name = name.clone();
                tokio::spawn(async move {
                    let now = time::OffsetDateTime::now_utc();
                    app.store()
                        .claim_email(&name, now, now - time::Duration::minutes(10))
                        .await
                })
            })
            .collect();
        let mut won = 0;
        for claim in claims {
            if claim.await.unwrap().unwrap() {
                won += 1;
            }
        }
        assert_eq!(won, 1, "round {round}");
    }
}
