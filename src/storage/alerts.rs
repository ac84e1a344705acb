//! The email outbox. An alert is written here, rendered, before any delivery
//! is attempted; its unique `dedupe_key` means a reminder is queued at most
//! once per person and gap, and its status means a queued reminder is
//! delivered until it succeeds (or is given up on after repeated failure).

use surrealdb::types::SurrealValue;

use super::Store;
use super::error::StorageError;
use super::error::StorageResult;

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

    pub async fn mark_email_sent(&self, id: &str) -> StorageResult<()> {
        self.db()
            .query("UPDATE type::record('alert', $id) SET status = 'sent', sent_at = time::now(), attempts += 1")
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
                     status = IF $permanent OR attempts >= $max { 'failed' } ELSE { 'pending' }",
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
