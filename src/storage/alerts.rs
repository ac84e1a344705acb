//! The email outbox. An alert is written here, rendered, before any delivery
//! is attempted; its unique `dedupe_key`, from which its id derives, means
//! a reminder is queued at most once per person and gap, and its status
//! means a queued reminder is delivered until it succeeds (or is given up
//! on after repeated failure).
//! A run claims an email (`sending`) in one conditional update before it
//! sends, so two runs at once never both send it. A transient failure puts
//! it back to `pending` with a `next_attempt_at` (exponential back-off,
//! capped): it is retried until it goes and never dropped. A permanent one
//! (SMTP 5xx) marks it `failed` at once, kept with its SMTP code for admins.

use std::collections::HashSet;

use sha2::{Digest, Sha256};
use surrealdb::types::{RecordId, SurrealValue};
use time::OffsetDateTime;

use super::Store;
use super::error::StorageError;
use super::error::StorageResult;
use super::rows::datetime_to_db;
use crate::domain::compliance::preferences::AlertPreferences;

/// What an alert is about, for the compliance alerts (none for the
/// inactivity reminder): shown to admins instead of the message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertAbout {
    pub item_key: String,
    pub item_title: String,
    pub milestone: String,
    /// The due date of the item's series, ISO.
    pub due_on: Option<String>,
}

/// A failed delivery attempt as the outbox keeps it: never the server's
/// text, which can hold addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The SMTP reply code, when the server answered.
    pub code: Option<u16>,
    /// A short fixed description (`smtp`, `connection`, `message`, `outbox`).
    pub reason: &'static str,
    pub permanent: bool,
}

/// An outbox row as admins see it: what, for whom, how delivery went;
/// never the message.
#[derive(Debug, Clone, PartialEq, Eq, SurrealValue)]
pub struct AlertRow {
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

#[derive(Debug, Clone, PartialEq, Eq, SurrealValue)]
pub struct OutboxEmail {
    pub id: String,
    pub dedupe_key: String,
    pub kind: String,
    pub user: String,
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    pub status: String,
    pub attempts: i64,
    pub created_at: String,
}

/// An email no run is sending (pending and not backing off at `$now`, or
/// claimed before `$stale_before`) to an account that is active: one queued
/// for an account deactivated since waits, and goes only if it is
/// reactivated.
const CLAIMABLE: &str = "user.active AND ((status = 'pending'
        AND (next_attempt_at IS NONE OR next_attempt_at <= <datetime> $now))
    OR (status = 'sending' AND claimed_at < <datetime> $stale_before))";

const FIELDS: &str = "record::id(id) AS id, dedupe_key, kind, record::id(user) AS user, recipient, subject, text, html, message_id, status, attempts, <string> created_at AS created_at";

/// The outbox id of the email queued under `key`: the first 128 bits of
/// the key's SHA-256, in hex (migration 0024 gave the emails queued before
/// it the same ids). Deriving the id from the key makes "is it queued?" a
/// read by id and lets a batch be queued in one statement that skips what
/// is there already.
pub fn alert_id(key: &str) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..16])
}

/// An email to queue, with what it is about (none for the inactivity
/// reminder).
pub type NewAlert = (OutboxEmail, Option<AlertAbout>);

/// Attempts at queuing a batch that another run is queuing at the same
/// moment: the engine refuses one of two transactions writing the same
/// id, and the next attempt skips what the other queued.
const ENQUEUE_ATTEMPTS: usize = 3;

#[derive(Clone, SurrealValue)]
struct AlertInsert {
    id: RecordId,
    dedupe_key: String,
    kind: String,
    user: RecordId,
    recipient: String,
    subject: String,
    text: String,
    html: String,
    message_id: String,
    status: String,
    attempts: i64,
    item_key: Option<String>,
    item_title: Option<String>,
    milestone: Option<String>,
    due_on: Option<String>,
}

impl AlertInsert {
    fn new((email, about): &NewAlert) -> Self {
        Self {
            id: RecordId::new("alert", alert_id(&email.dedupe_key)),
            dedupe_key: email.dedupe_key.clone(),
            kind: email.kind.clone(),
            user: RecordId::new("user", email.user.as_str()),
            recipient: email.recipient.clone(),
            subject: email.subject.clone(),
            text: email.text.clone(),
            html: email.html.clone(),
            message_id: email.message_id.clone(),
            status: "pending".to_owned(),
            attempts: 0,
            item_key: about.as_ref().map(|a| a.item_key.clone()),
            item_title: about.as_ref().map(|a| a.item_title.clone()),
            milestone: about.as_ref().map(|a| a.milestone.clone()),
            due_on: about.as_ref().and_then(|a| a.due_on.clone()),
        }
    }
}

impl Store {
    /// Queues an email; `Ok(false)` when this key was queued before.
    pub async fn enqueue_email(&self, email: &OutboxEmail) -> StorageResult<bool> {
        self.enqueue_alert(email, None).await
    }

    /// Queues an email about an item; `Ok(false)` when this key was queued
    /// before.
    pub async fn enqueue_alert(
        &self,
        email: &OutboxEmail,
        about: Option<&AlertAbout>,
    ) -> StorageResult<bool> {
        let queued = self
            .enqueue_alerts(&[(email.clone(), about.cloned())])
            .await?;
        Ok(queued.contains(&email.dedupe_key))
    }

    /// Queues each of `alerts` whose key is not queued yet, all in one
    /// statement (one commit however many), and returns the keys this call
    /// queued. A key queued before, by this run or another, is skipped.
    pub async fn enqueue_alerts(&self, alerts: &[NewAlert]) -> StorageResult<HashSet<String>> {
        if alerts.is_empty() {
            return Ok(HashSet::new());
        }
        let rows: Vec<AlertInsert> = alerts.iter().map(AlertInsert::new).collect();
        let mut attempt = 1;
        loop {
            let inserted: StorageResult<Vec<String>> = async {
                Ok(self
                    .db()
                    .query("INSERT IGNORE INTO alert $rows RETURN VALUE dedupe_key")
                    .bind(("rows", rows.clone()))
                    .await?
                    .take(0)?)
            }
            .await;
            match inserted {
                Ok(keys) => return Ok(keys.into_iter().collect()),
                Err(StorageError::VersionConflict) if attempt < ENQUEUE_ATTEMPTS => attempt += 1,
                Err(err) => return Err(err),
            }
        }
    }

    /// Which of `keys` are queued already, in any status: a read by id
    /// for each (the ids derive from the keys), in one statement.
    pub async fn queued_keys(&self, keys: Vec<String>) -> StorageResult<HashSet<String>> {
        if keys.is_empty() {
            return Ok(HashSet::new());
        }
        let ids: Vec<RecordId> = keys
            .iter()
            .map(|key| RecordId::new("alert", alert_id(key)))
            .collect();
        let found: Vec<String> = self
            .db()
            .query("SELECT VALUE dedupe_key FROM $ids")
            .bind(("ids", ids))
            .await?
            .take(0)?;
        Ok(found.into_iter().collect())
    }

    /// Emails still to deliver, oldest first. One queued for an account
    /// deactivated since waits (and is delivered only if it is reactivated).
    pub async fn pending_emails(&self, limit: u32) -> StorageResult<Vec<OutboxEmail>> {
        Ok(self
            .db()
            .query(format!("SELECT {FIELDS} FROM alert WHERE status = 'pending' AND user.active ORDER BY created_at LIMIT $limit"))
            .bind(("limit", i64::from(limit)))
            .await?
            .take(0)?)
    }

    /// Emails a run may claim at `now`, oldest first: pending ones not
    /// backing off, and those whose claim was made before `stale_before`
    /// (by a run that never finished). Each status is read oldest first
    /// through the `(status, created_at)` index (migration 0017) and stops
    /// at `limit`: a backlog (the first run over a large organisation
    /// queues hundreds of thousands) is read a batch at a time instead of
    /// being read and sorted whole by every delivery.
    pub async fn claimable_emails(
        &self,
        limit: u32,
        now: OffsetDateTime,
        stale_before: OffsetDateTime,
    ) -> StorageResult<Vec<OutboxEmail>> {
        // The limit is written into the query, not bound: the planner stops
        // an index scan early only for a literal LIMIT. It is an integer.
        Ok(self
            .db()
            .query(format!(
                "SELECT {FIELDS} FROM array::concat(
                    (SELECT * FROM alert WHERE status = 'pending'
                        AND (next_attempt_at IS NONE OR next_attempt_at <= <datetime> $now)
                        AND user.active ORDER BY created_at LIMIT {limit}),
                    (SELECT * FROM alert WHERE status = 'sending'
                        AND claimed_at < <datetime> $stale_before
                        AND user.active ORDER BY created_at LIMIT {limit})
                 ) ORDER BY created_at LIMIT {limit}"
            ))
            .bind(("now", datetime_to_db(now)))
            .bind(("stale_before", datetime_to_db(stale_before)))
            .await?
            .take(0)?)
    }

    /// Marks the email `sending` at `now` if it is still claimable; true
    /// when this call made the claim, false when another run holds it (or
    /// is taking it at this moment: the engine refuses the second of two
    /// concurrent writes) or it has been delivered or given up on since it
    /// was listed.
    pub async fn claim_email(
        &self,
        id: &str,
        now: OffsetDateTime,
        stale_before: OffsetDateTime,
    ) -> StorageResult<bool> {
        let claimed: StorageResult<Vec<String>> = async {
            Ok(self
                .db()
                .query(format!(
                    "UPDATE type::record('alert', $id) SET status = 'sending', claimed_at = <datetime> $now
                     WHERE {CLAIMABLE} RETURN VALUE record::id(id)"
                ))
                .bind(("id", id.to_owned()))
                .bind(("now", datetime_to_db(now)))
                .bind(("stale_before", datetime_to_db(stale_before)))
                .await?
                .take(0)?)
        }
        .await;
        match claimed {
            Ok(ids) => Ok(!ids.is_empty()),
            Err(StorageError::VersionConflict) => Ok(false),
            Err(err) => Err(err),
        }
    }

    pub async fn mark_email_sent(&self, id: &str, now: OffsetDateTime) -> StorageResult<()> {
        self.db()
            .query(
                "UPDATE type::record('alert', $id) SET status = 'sent', sent_at = time::now(),
                     attempts += 1, claimed_at = NONE, last_attempt_at = <datetime> $now,
                     next_attempt_at = NONE",
            )
            .bind(("id", id.to_owned()))
            .bind(("now", datetime_to_db(now)))
            .await?
            .check()?;
        Ok(())
    }

    /// Records a failed attempt at `now`: a permanent failure is `failed`
    /// at once; any other goes back to `pending` until `retry_at`.
    pub async fn mark_email_failed(
        &self,
        id: &str,
        failure: &Failure,
        now: OffsetDateTime,
        retry_at: OffsetDateTime,
    ) -> StorageResult<()> {
        self.db()
            .query(
                "UPDATE type::record('alert', $id) SET attempts += 1, last_error = $reason,
                     error_code = $code, last_attempt_at = <datetime> $now,
                     status = IF $permanent { 'failed' } ELSE { 'pending' },
                     next_attempt_at = IF $permanent { NONE } ELSE { <datetime> $retry_at },
                     claimed_at = NONE",
            )
            .bind(("id", id.to_owned()))
            .bind(("reason", failure.reason.to_owned()))
            .bind(("code", failure.code.map(i64::from)))
            .bind(("permanent", failure.permanent))
            .bind(("now", datetime_to_db(now)))
            .bind(("retry_at", datetime_to_db(retry_at)))
            .await?
            .check()?;
        Ok(())
    }

    /// Emails in the outbox that are pending, being sent, and failed for
    /// good, in that order.
    pub async fn outbox_depth(&self) -> StorageResult<[u64; 3]> {
        let mut response = self
            .db()
            .query(
                "RETURN count(SELECT id FROM alert WHERE status = 'pending');
                 RETURN count(SELECT id FROM alert WHERE status = 'sending');
                 RETURN count(SELECT id FROM alert WHERE status = 'failed');",
            )
            .await?;
        let mut depth = [0u64; 3];
        for (i, slot) in depth.iter_mut().enumerate() {
            let n: Option<i64> = response.take(i)?;
            *slot = u64::try_from(n.unwrap_or(0)).unwrap_or(0);
        }
        Ok(depth)
    }

    /// One page of the outbox in one status, newest first, with the total.
    pub async fn alerts_by_status(
        &self,
        status: &str,
        limit: u32,
        offset: u32,
    ) -> StorageResult<(Vec<AlertRow>, u64)> {
        let opt_time =
            |f: &str| format!("IF {f} IS NONE {{ NONE }} ELSE {{ <string> {f} }} AS {f}");
        let mut response = self
            .db()
            .query(format!(
                "SELECT record::id(id) AS id, kind, record::id(user) AS user_id, user.name AS name,
                     item_key, item_title, milestone, due_on, status, attempts, error_code, last_error,
                     <string> created_at AS created_at, {}, {}
                 FROM alert WHERE status = $status ORDER BY created_at DESC LIMIT $limit START $offset;
                 RETURN count(SELECT id FROM alert WHERE status = $status);",
                opt_time("last_attempt_at"),
                opt_time("next_attempt_at"),
            ))
            .bind(("status", status.to_owned()))
            .bind(("limit", i64::from(limit)))
            .bind(("offset", i64::from(offset)))
            .await?;
        let rows: Vec<AlertRow> = response.take(0)?;
        let total: Option<i64> = response.take(1)?;
        Ok((rows, u64::try_from(total.unwrap_or(0)).unwrap_or(0)))
    }

    /// A person's alert preferences; everything is on until switched off.
    pub async fn alert_preferences(&self, user_id: &str) -> StorageResult<AlertPreferences> {
        let row: Option<PreferencesRow> = self
            .db()
            .query(
                "SELECT alert_preferences.due_soon AS due_soon, alert_preferences.digest AS digest
                 FROM ONLY type::record('user', $id)",
            )
            .bind(("id", user_id.to_owned()))
            .await?
            .take(0)?;
        let on = AlertPreferences::default();
        Ok(row.map_or(on, |r| AlertPreferences {
            due_soon: r.due_soon.unwrap_or(on.due_soon),
            digest: r.digest.unwrap_or(on.digest),
        }))
    }

    /// The people who switched due-soon reminders off, and those who
    /// switched the digest off.
    pub async fn alert_opt_outs(&self) -> StorageResult<(Vec<String>, Vec<String>)> {
        let mut response = self
            .db()
            .query(
                "SELECT VALUE record::id(id) FROM user WHERE alert_preferences.due_soon = false;
                 SELECT VALUE record::id(id) FROM user WHERE alert_preferences.digest = false;",
            )
            .await?;
        Ok((response.take(0)?, response.take(1)?))
    }

    pub async fn set_alert_preferences(
        &self,
        user_id: &str,
        preferences: AlertPreferences,
    ) -> StorageResult<()> {
        self.db()
            .query(
                "UPDATE type::record('user', $id) SET alert_preferences = { due_soon: $due_soon, digest: $digest }",
            )
            .bind(("id", user_id.to_owned()))
            .bind(("due_soon", preferences.due_soon))
            .bind(("digest", preferences.digest))
            .await?
            .check()?;
        Ok(())
    }
}

#[derive(SurrealValue)]
struct PreferencesRow {
    due_soon: Option<bool>,
    digest: Option<bool>,
}
