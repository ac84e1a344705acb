//! The email outbox. An alert is written here, rendered, before any delivery
//! is attempted; its unique `dedupe_key` means a reminder is queued at most
//! once per person and gap, and its status means a queued reminder is
//! delivered until it succeeds (or is given up on after repeated failure).
//! A run claims an email (`sending`) in one conditional update before it
//! sends, so two runs at once never both send it.

use surrealdb::types::SurrealValue;
use time::OffsetDateTime;

use super::Store;
use super::error::StorageError;
use super::error::StorageResult;
use super::rows::datetime_to_db;

/// After this many failed attempts an alert is marked `failed` and left for
/// an admin to look at.
pub const MAX_ATTEMPTS: i64 = 8;

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

/// An email no run is sending (pending, or claimed before
/// `$stale_before`) to an account that is active: one queued for an account
/// deactivated since waits, and goes only if it is reactivated.
const CLAIMABLE: &str = "user.active AND (status = 'pending'
    OR (status = 'sending' AND claimed_at < <datetime> $stale_before))";

const FIELDS: &str = "record::id(id) AS id, dedupe_key, kind, record::id(user) AS user, recipient, subject, text, html, message_id, status, attempts, <string> created_at AS created_at";

impl Store {
    /// Queues an email; `Ok(false)` when this key was queued before.
    pub async fn enqueue_email(&self, email: &OutboxEmail) -> StorageResult<bool> {
        if self.email_queued(&email.dedupe_key).await? {
            return Ok(false);
        }
        let result = self
            .db()
            .query(
                "CREATE type::record('alert', $id) SET dedupe_key = $key, kind = $kind, user = type::record('user', $user),
                     recipient = $recipient, subject = $subject, text = $text, html = $html, message_id = $message_id,
                     status = 'pending', attempts = 0, created_at = time::now()",
            )
            .bind(("id", email.id.clone()))
            .bind(("key", email.dedupe_key.clone()))
            .bind(("kind", email.kind.clone()))
            .bind(("user", email.user.clone()))
            .bind(("recipient", email.recipient.clone()))
            .bind(("subject", email.subject.clone()))
            .bind(("text", email.text.clone()))
            .bind(("html", email.html.clone()))
            .bind(("message_id", email.message_id.clone()))
            .await?
            .check()
            .map_err(StorageError::from);
        match result {
            Ok(_) => Ok(true),
            Err(err) if err.is_unique("alert_key") => Ok(false),
            Err(err) => Err(err),
        }
    }

    pub async fn email_queued(&self, dedupe_key: &str) -> StorageResult<bool> {
        let n: Option<i64> = self
            .db()
            .query("RETURN count(SELECT id FROM alert WHERE dedupe_key = $key)")
            .bind(("key", dedupe_key.to_owned()))
            .await?
            .take(0)?;
        Ok(n.unwrap_or(0) > 0)
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

    /// Emails a run may claim, oldest first: pending ones, and those whose
    /// claim was made before `stale_before` (by a run that never finished).
    pub async fn claimable_emails(
        &self,
        limit: u32,
        stale_before: OffsetDateTime,
    ) -> StorageResult<Vec<OutboxEmail>> {
        Ok(self
            .db()
            .query(format!(
                "SELECT {FIELDS} FROM alert WHERE {CLAIMABLE} ORDER BY created_at LIMIT $limit"
            ))
            .bind(("stale_before", datetime_to_db(stale_before)))
            .bind(("limit", i64::from(limit)))
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

    pub async fn mark_email_sent(&self, id: &str) -> StorageResult<()> {
        self.db()
            .query(
                "UPDATE type::record('alert', $id) SET status = 'sent', sent_at = time::now(),
                     attempts += 1, claimed_at = NONE",
            )
            .bind(("id", id.to_owned()))
            .await?
            .check()?;
        Ok(())
    }

    /// Records a failed attempt; gives up after [`MAX_ATTEMPTS`] or at once
    /// for a permanent failure.
    pub async fn mark_email_failed(
        &self,
        id: &str,
        error: &str,
        permanent: bool,
    ) -> StorageResult<()> {
        self.db()
            .query(
                "UPDATE type::record('alert', $id) SET attempts += 1, last_error = $error,
                     status = IF $permanent OR attempts >= $max { 'failed' } ELSE { 'pending' },
                     claimed_at = NONE",
            )
            .bind(("id", id.to_owned()))
            .bind(("error", error.chars().take(500).collect::<String>()))
            .bind(("permanent", permanent))
            .bind(("max", MAX_ATTEMPTS))
            .await?
            .check()?;
        Ok(())
    }
}
