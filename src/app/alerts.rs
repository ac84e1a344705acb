//! The inactivity alert: selects who is due (pure domain rule), queues one
//! rendered email per person and gap in the outbox (unique key), then
//! delivers whatever is pending. A second run finds every key queued and
//! sends nothing new; a failed delivery stays pending and is retried. Each
//! email is claimed in the database before it is sent, so when two runs
//! overlap (the daily job and an admin's run) only one sends it.

use std::collections::HashMap;

use super::App;
use crate::app::AppResult;
use crate::domain::alerts::{InactivityAlert, inactivity};
use crate::domain::dates::{iso, long_uk};
use crate::domain::user::User;
use crate::storage::alerts::OutboxEmail;
use crate::storage::new_id;

/// How long a run's claim on an email holds. A claim older than this was
/// left by a process that died while sending, and the next run sends the
/// email. That is the one way an email goes twice: the SMTP server accepted
/// it and the process died before recording it as sent.
pub const CLAIM_TIMEOUT: time::Duration = time::Duration::minutes(10);

/// One practitioner due a reminder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSummary {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub since: String,
    pub days: i64,
}

/// An email delivered by a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentEmail {
    pub user_id: String,
    pub recipient: String,
    pub subject: String,
}

/// What a run did (or, for a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertReport {
    pub dry_run: bool,
    /// Newly due this run (queued, or listed in a dry run).
    pub due: Vec<AlertSummary>,
    /// Delivered this run, including earlier queued retries.
    pub sent: Vec<SentEmail>,
    /// Delivery attempts that failed this run (left pending or given up).
    pub failed: usize,
}

impl App {
    pub async fn run_alerts(&self, dry_run: bool) -> AppResult<AlertReport> {
        let due = self.due_inactivity_alerts().await?;
        let mut report = AlertReport {
            dry_run,
            ..AlertReport::default()
        };
        for (user, alert) in due {
            let key = alert.dedupe_key(&user.id);
            if self.store().email_queued(&key).await? {
                continue;
            }
            let summary = summary(&user, &alert);
            if !dry_run
                && !self
                    .store()
                    .enqueue_email(&self.inactivity_email(&user, &alert, key)?)
                    .await?
            {
                continue;
            }
            report.due.push(summary);
        }
        if !dry_run {
            self.deliver_pending(&mut report).await?;
        }
        tracing::info!(
            dry_run,
            due = report.due.len(),
            sent = report.sent.len(),
            failed = report.failed,
            "alert run finished"
        );
        Ok(report)
    }

    async fn due_inactivity_alerts(&self) -> AppResult<Vec<(User, InactivityAlert)>> {
        let last: HashMap<String, time::Date> = self
            .store()
            .last_activity_dates()
            .await?
            .into_iter()
            .collect();
        let users = self.store().portfolio_users().await?;
        let threshold = self.config().inactivity_days;
        Ok(users
            .into_iter()
            .filter_map(|u| {
                let alert = inactivity(
                    last.get(&u.id).copied(),
                    u.created_at.date(),
                    self.today(),
                    threshold,
                )?;
                Some((u, alert))
            })
            .collect())
    }

    fn inactivity_email(
        &self,
        user: &User,
        alert: &InactivityAlert,
        key: String,
    ) -> AppResult<OutboxEmail> {
        let template = self.content().email_template("inactivity")?;
        let rendered = template.render(&[
            ("name", user.name.clone()),
            ("days", alert.days.to_string()),
            ("last_activity", long_uk(alert.since)),
            ("base_url", self.config().base_url.clone()),
        ]);
        let id = new_id();
        Ok(OutboxEmail {
            message_id: format!("<{id}@cpdfolio>"),
            id,
            dedupe_key: key,
            kind: "inactivity".to_owned(),
            user: user.id.clone(),
            recipient: user.email.clone(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            status: "pending".to_owned(),
            attempts: 0,
            created_at: String::new(),
        })
    }

    /// Claims and sends each email no other run is sending.
    async fn deliver_pending(&self, report: &mut AlertReport) -> AppResult<()> {
        let stale_before = self.now() - CLAIM_TIMEOUT;
        for email in self.store().claimable_emails(500, stale_before).await? {
            let now = self.now();
            if self
                .store()
                .claim_email(&email.id, now, now - CLAIM_TIMEOUT)
                .await?
            {
                self.deliver(email, report).await?;
            }
        }
        Ok(())
    }

    /// Sends a claimed email and records the outcome, which ends the claim.
    async fn deliver(&self, email: OutboxEmail, report: &mut AlertReport) -> AppResult<()> {
        match self.mailer().deliver(&email).await {
            Ok(()) => {
                self.store().mark_email_sent(&email.id).await?;
                report.sent.push(SentEmail {
                    user_id: email.user,
                    recipient: email.recipient,
                    subject: email.subject,
                });
            }
            Err(err) => {
                tracing::warn!(
                    alert.id = %email.id,
                    permanent = err.permanent,
                    "email delivery failed (the reason is kept with the alert, not logged)"
                );
                self.store()
                    .mark_email_failed(&email.id, &err.message, err.permanent)
                    .await?;
                report.failed += 1;
            }
        }
        Ok(())
    }
}

fn summary(user: &User, alert: &InactivityAlert) -> AlertSummary {
    AlertSummary {
        user_id: user.id.clone(),
        name: user.name.clone(),
        email: user.email.clone(),
        since: iso(alert.since),
        days: alert.days,
    }
}
