//! The alert run: the inactivity reminder, the compliance milestones of
//! every person's items and the leads' weekly digest. Each is selected by a
//! pure domain rule, queued as one rendered email in the outbox under a
//! unique key (so at most once, across restarts and overlapping runs), then
//! whatever is pending is delivered. A dry run, optionally as of another
//! date, only lists what would be queued. A second run finds every key queued and
//! sends nothing new; a failed delivery stays pending and is retried. Each
//! email is claimed in the database before it is sent, so when two runs
//! overlap (the daily job and an admin's run) only one sends it.

use std::collections::HashSet;

use sha2::{Digest, Sha256};
use time::Date;

use super::App;
use super::compliance::interval;
use crate::app::{AppError, AppResult};
use crate::content::RenderedEmail;
use crate::domain::alerts::{InactivityAlert, retry_delay};
use crate::domain::compliance::alerts::{Milestone, digest_due, digest_key};
use crate::domain::compliance::{Item, Status, assess};
use crate::domain::dates::{days_between, iso, long_uk};
use crate::domain::error::FieldError;
use crate::domain::user::{Recipient, Role};
use crate::storage::alerts::{AlertAbout, AlertRow, Failure, OutboxEmail, alert_id};
use crate::storage::compliance_digest::ComplianceDigest;
use crate::storage::teams::TeamLeads;

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

/// One compliance milestone due for one person's item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceAlertSummary {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub item_key: String,
    pub item_title: String,
    pub due_on: String,
    pub milestone: String,
}

/// One lead's weekly digest for one team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestSummary {
    pub lead_id: String,
    pub name: String,
    pub email: String,
    pub team_id: String,
    pub team_name: String,
    /// Overdue and due-soon items listed.
    pub items: usize,
}

/// How many entries of each kind a report lists; its totals count them
/// all. The first run over a large organisation can find hundreds of
/// thousands of emails due (a dry run at 100,000 staff found 769,000), and
/// a report listing them all would grow the run's memory with the
/// organisation.
pub const REPORT_LISTS_AT_MOST: usize = 10_000;

/// Entries of one kind in a report: the first [`REPORT_LISTS_AT_MOST`]
/// found, and how many were found. Reads as the slice of those listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed<T> {
    items: Vec<T>,
    /// Every entry found, listed or not.
    pub total: usize,
}

impl<T> Default for Listed<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            total: 0,
        }
    }
}

impl<T> Listed<T> {
    /// Counts an entry, and lists it (built by `entry`) while there is room.
    pub fn push_with(&mut self, entry: impl FnOnce() -> T) {
        self.total += 1;
        if !self.is_full() {
            self.items.push(entry());
        }
    }

    pub fn push(&mut self, entry: T) {
        self.push_with(|| entry);
    }

    /// Whether entries are now only counted.
    pub fn is_full(&self) -> bool {
        self.items.len() >= REPORT_LISTS_AT_MOST
    }

    pub fn sort_by(&mut self, compare: impl FnMut(&T, &T) -> std::cmp::Ordering) {
        self.items.sort_by(compare);
    }

    pub fn into_vec(self) -> Vec<T> {
        self.items
    }
}

impl<'a, T> IntoIterator for &'a Listed<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<T> std::ops::Deref for Listed<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.items
    }
}

/// What a run did (or, for a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertReport {
    pub dry_run: bool,
    /// The UK date the run worked for.
    pub as_of: String,
    /// Inactivity reminders newly due this run (queued, or listed in a dry
    /// run).
    pub due: Listed<AlertSummary>,
    /// Compliance milestones newly due this run.
    pub compliance: Listed<ComplianceAlertSummary>,
    /// Lead digests newly due this run.
    pub digests: Vec<DigestSummary>,
    /// Delivered this run, including earlier queued retries.
    pub sent: Listed<SentEmail>,
    /// Delivery attempts that failed this run (left pending or given up).
    pub failed: usize,
}

impl App {
    pub async fn run_alerts(&self, dry_run: bool) -> AppResult<AlertReport> {
        self.run_alerts_as_of(dry_run, None).await
    }

    /// A run for today, or (dry runs only) for another UK date: "what would
    /// be sent on 1 March?" queues and sends nothing.
    pub async fn run_alerts_as_of(
        &self,
        dry_run: bool,
        as_of: Option<Date>,
    ) -> AppResult<AlertReport> {
        if as_of.is_some() && !dry_run {
            return Err(AppError::Validation(vec![FieldError::new(
                "as_of",
                "a date other than today can only be given with a dry run",
            )]));
        }
        let today = as_of.unwrap_or_else(|| self.today());
        let mut report = AlertReport {
            dry_run,
            as_of: iso(today),
            ..AlertReport::default()
        };
        self.scan_people(today, &mut report).await?;
        if let Some(day) = self.config().digest_weekday()
            && digest_due(today, day)
        {
            self.queue_digests(today, &mut report).await?;
        }
        if !dry_run {
            self.deliver_pending(&mut report).await?;
        }
        tracing::info!(
            dry_run,
            due = report.due.total,
            compliance = report.compliance.total,
            digests = report.digests.len(),
            sent = report.sent.total,
            failed = report.failed,
            "alert run finished"
        );
        Ok(report)
    }

    /// Delivers queued emails (retries whose back-off has passed) without
    /// looking for new ones; the frequent job in `serve`.
    pub async fn deliver_queued(&self) -> AppResult<AlertReport> {
        let mut report = AlertReport::default();
        self.deliver_pending(&mut report).await?;
        Ok(report)
    }

    /// One page of the outbox in one status (admins): what each alert is
    /// about and how its delivery went, never the message.
    pub async fn alerts_by_status(
        &self,
        me: &super::CurrentUser,
        status: &str,
        limit: u32,
        offset: u32,
    ) -> AppResult<(Vec<QueuedAlert>, u64)> {
        me.require_admin()?;
        if !["pending", "sending", "sent", "failed"].contains(&status) {
            return Err(AppError::Validation(vec![FieldError::new(
                "status",
                "must be pending, sending, sent or failed",
            )]));
        }
        let (rows, total) = self
            .store()
            .alerts_by_status(status, limit.clamp(1, 200), offset)
            .await?;
        Ok((rows.into_iter().map(QueuedAlert::from).collect(), total))
    }

    pub(super) fn inactivity_email(
        &self,
        user: &Recipient,
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
        Ok(self.outbox_email(key, "inactivity", user, rendered))
    }

    /// Claims and sends each email no other run is sending.
    /// A claim older than the configured claim time was left by a process
    /// that died while sending, and is taken over. That is the one way an
    /// email goes twice: the SMTP server accepted it and the process died
    /// before recording it as sent (the resend carries the same
    /// Message-ID).
    async fn deliver_pending(&self, report: &mut AlertReport) -> AppResult<()> {
        let claim = self.config().alert_claim_timeout();
        let now = self.now();
        for email in self.store().claimable_emails(500, now, now - claim).await? {
            let now = self.now();
            if self
                .store()
                .claim_email(&email.id, now, now - claim)
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
                self.store().mark_email_sent(&email.id, self.now()).await?;
                report.sent.push_with(|| SentEmail {
                    user_id: email.user,
                    recipient: email.recipient,
                    subject: email.subject,
                });
            }
            Err(err) => {
                let now = self.now();
                let retry_at = now + retry_delay(email.attempts + 1);
                tracing::warn!(
                    alert.id = %email.id,
                    alert.kind = %email.kind,
                    smtp.code = ?err.code,
                    reason = err.reason,
                    permanent = err.permanent,
                    "email delivery failed"
                );
                let failure = Failure {
                    code: err.code,
                    reason: err.reason,
                    permanent: err.permanent,
                };
                self.store()
                    .mark_email_failed(&email.id, &failure, now, retry_at)
                    .await?;
                report.failed += 1;
            }
        }
        Ok(())
    }
}

pub(super) fn inactivity_summary(user: &Recipient, alert: &InactivityAlert) -> AlertSummary {
    AlertSummary {
        user_id: user.id.clone(),
        name: user.name.clone(),
        email: user.email.clone(),
        since: iso(alert.since),
        days: alert.days,
    }
}

/// An outbox entry as admins see it: what it is about, for whom, how its
/// delivery went; never the message or the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedAlert {
    pub id: String,
    pub kind: String,
    pub user_id: String,
    pub name: String,
    pub item_key: Option<String>,
    pub item_title: Option<String>,
    pub milestone: Option<String>,
    pub due_on: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub error_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub last_attempt_at: Option<String>,
    pub next_attempt_at: Option<String>,
}

impl From<AlertRow> for QueuedAlert {
    fn from(r: AlertRow) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            user_id: r.user_id,
            name: r.name,
            item_key: r.item_key,
            item_title: r.item_title,
            milestone: r.milestone,
            due_on: r.due_on,
            status: r.status,
            attempts: r.attempts,
            error_code: r.error_code,
            last_error: r.last_error,
            created_at: r.created_at,
            last_attempt_at: r.last_attempt_at,
            next_attempt_at: r.next_attempt_at,
        }
    }
}

impl App {
    /// A rendered email to `user`, ready for the outbox under `key`.
    fn outbox_email(
        &self,
        key: String,
        kind: &str,
        user: &Recipient,
        rendered: RenderedEmail,
    ) -> OutboxEmail {
        OutboxEmail {
            message_id: self.message_id(&key),
            id: alert_id(&key),
            dedupe_key: key,
            kind: kind.to_owned(),
            user: user.id.clone(),
            recipient: user.email.clone(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            status: "pending".to_owned(),
            attempts: 0,
            created_at: String::new(),
        }
    }

    /// The deterministic `Message-ID` of the email queued under `key`: a
    /// resend after a crash between the SMTP server's acceptance and the
    /// outbox recording it carries the same id, so it is recognisably the
    /// same message.
    pub fn message_id(&self, key: &str) -> String {
        let digest = hex::encode(Sha256::digest(key.as_bytes()));
        let base = self.config().base_url.as_str();
        let host = base
            .split_once("://")
            .map_or(base, |(_, rest)| rest)
            .split(['/', ':', '?', '#', '@'])
            .next()
            .filter(|h| {
                !h.is_empty()
                    && h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            })
            .unwrap_or("cpdfolio");
        format!("<{}@{host}>", &digest[..32])
    }

    pub(super) fn compliance_email(
        &self,
        user: &Recipient,
        item: &Item,
        due_on: Date,
        milestone: Milestone,
        today: Date,
        key: String,
    ) -> AppResult<OutboxEmail> {
        let (template, kind) = match milestone {
            Milestone::DueIn(_) => ("compliance-due", "compliance_due"),
            Milestone::Lapsed => ("compliance-lapsed", "compliance_lapsed"),
            Milestone::OverdueReminder(_) => ("compliance-overdue", "compliance_overdue"),
            Milestone::RenewalWindowOpen => ("registration-window", "registration_window"),
        };
        let lapsed_on = due_on + time::Duration::days(1);
        let days = match milestone {
            Milestone::Lapsed | Milestone::OverdueReminder(_) => days_between(lapsed_on, today),
            _ => days_between(today, due_on),
        };
        let rendered = self.content().email_template(template)?.render(&[
            ("name", user.name.clone()),
            ("item", item.title.clone()),
            ("due_date", long_uk(due_on)),
            ("lapsed_on", long_uk(lapsed_on)),
            ("days", days.to_string()),
            (
                "window_opens",
                item.window_opens_on.map(long_uk).unwrap_or_default(),
            ),
            (
                "every",
                self.content()
                    .compliance
                    .alerts
                    .overdue_every_days
                    .to_string(),
            ),
            ("base_url", self.config().base_url.clone()),
        ]);
        Ok(self.outbox_email(key, kind, user, rendered))
    }

    /// Queues (or lists) each lead's digest of each team they lead, when
    /// something in it is overdue or due soon and this week's is not
    /// queued yet. Nothing when all is in date. A team is read only when
    /// one of its leads still has this week's digest to come, so after the
    /// first run of a week the rest of the week's runs read no team.
    async fn queue_digests(&self, today: Date, report: &mut AlertReport) -> AppResult<()> {
        let (_, no_digest) = self.store().alert_opt_outs().await?;
        let no_digest: HashSet<String> = no_digest.into_iter().collect();
        let requirements = self.compliance_requirements();
        for team in self.store().teams_with_leads().await? {
            let waiting = self.leads_awaiting_digest(&team, today, &no_digest).await?;
            if waiting.is_empty() {
                continue;
            }
            let ids = self.store().member_ids(&team.id).await?;
            let people: Vec<ComplianceDigest> = self
                .store()
                .digests(&ids)
                .await?
                .into_iter()
                .filter(|d| d.active && d.stored.role != Role::Admin)
                .collect();
            let active: HashSet<&str> = people
                .iter()
                .map(|d| d.stored.facts.user_id.as_str())
                .collect();
            let lead_ids: Vec<String> = waiting
                .into_iter()
                .filter(|id| active.contains(id.as_str()))
                .collect();
            if lead_ids.is_empty() {
                continue;
            }
            let leads = self.store().recipients(&lead_ids).await?;
            let Some(settings) = self.store().team_settings(&team.id).await? else {
                continue;
            };
            let mut rows: Vec<(String, String, Date, Status)> = Vec::new();
            for person in people {
                let facts = self.resolved(person.stored);
                let person = assess(
                    &facts,
                    &self.content().compliance,
                    &requirements,
                    interval(settings),
                    today,
                );
                for item in person.items {
                    if let (Status::Overdue | Status::DueSoon, Some(due)) =
                        (item.status, item.due_on)
                    {
                        rows.push((person.name.clone(), item.title, due, item.status));
                    }
                }
            }
            if rows.is_empty() {
                continue;
            }
            rows.sort_by(|a, b| (b.3, a.2, &a.0).cmp(&(a.3, b.2, &b.0)));
            let lines: Vec<String> = rows
                .iter()
                .map(|(name, item, due, status)| {
                    let status = match status {
                        Status::Overdue => "overdue",
                        _ => "due soon",
                    };
                    format!("- {name}: {item}, {status}, due {}", long_uk(*due))
                })
                .collect();
            for lead in &leads {
                let key = digest_key(&lead.id, &team.id, today);
                if !report.dry_run {
                    let week_of = today
                        - time::Duration::days(i64::from(
                            today.weekday().number_days_from_monday(),
                        ));
                    let rendered = self.content().email_template("lead-digest")?.render(&[
                        ("name", lead.name.clone()),
                        ("team", team.name.clone()),
                        ("week_of", long_uk(week_of)),
                        ("today", long_uk(today)),
                        ("rows", lines.join("\n")),
                        ("base_url", self.config().base_url.clone()),
                    ]);
                    let email = self.outbox_email(key, "lead_digest", lead, rendered);
                    let about = AlertAbout {
                        item_key: team.id.clone(),
                        item_title: team.name.clone(),
                        milestone: "weekly_digest".to_owned(),
                        due_on: None,
                    };
                    if !self.store().enqueue_alert(&email, Some(&about)).await? {
                        continue;
                    }
                }
                report.digests.push(DigestSummary {
                    lead_id: lead.id.clone(),
                    name: lead.name.clone(),
                    email: lead.email.clone(),
                    team_id: team.id.clone(),
                    team_name: team.name.clone(),
                    items: rows.len(),
                });
            }
        }
        Ok(())
    }

    /// The leads of `team` who want its digest and have none queued for
    /// the week of `today`.
    async fn leads_awaiting_digest(
        &self,
        team: &TeamLeads,
        today: Date,
        no_digest: &HashSet<String>,
    ) -> AppResult<Vec<String>> {
        let wanting: Vec<(String, String)> = team
            .lead_ids
            .iter()
            .filter(|id| !no_digest.contains(*id))
            .map(|id| (id.clone(), digest_key(id, &team.id, today)))
            .collect();
        if wanting.is_empty() {
            return Ok(Vec::new());
        }
        let queued = self
            .store()
            .queued_keys(wanting.iter().map(|(_, key)| key.clone()).collect())
            .await?;
        Ok(wanting
            .into_iter()
            .filter(|(_, key)| !queued.contains(key))
            .map(|(id, _)| id)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_list_counts_everything_and_lists_up_to_its_limit() {
        let mut listed = Listed::default();
        let mut built = 0;
        for n in 0..REPORT_LISTS_AT_MOST + 3 {
            listed.push_with(|| {
                built += 1;
                n
            });
        }
        assert_eq!(listed.total, REPORT_LISTS_AT_MOST + 3);
        assert_eq!(listed.len(), REPORT_LISTS_AT_MOST);
        assert_eq!(built, REPORT_LISTS_AT_MOST);
        assert!(listed.is_full());
        assert_eq!(listed.first(), Some(&0));
        assert_eq!(listed.last(), Some(&(REPORT_LISTS_AT_MOST - 1)));
    }

    #[test]
    fn a_report_list_below_its_limit_lists_all() {
        let mut listed = Listed::default();
        listed.push("b");
        listed.push("a");
        listed.sort_by(|x, y| x.cmp(y));
        assert!(!listed.is_full());
        assert_eq!(listed.total, 2);
        assert_eq!(listed.into_vec(), ["a", "b"]);
    }
}
