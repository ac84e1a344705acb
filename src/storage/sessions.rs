//! Login sessions, keyed by the SHA-256 digest of the bearer token.

use surrealdb::types::SurrealValue;
use time::OffsetDateTime;

use super::Store;
use super::error::StorageResult;
use super::rows::{datetime, datetime_to_db};

#[derive(SurrealValue)]
struct SessionRow {
    user: String,
    last_seen_at: String,
    expires_at: String,
}

/// A live session as read back for a request.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

impl Store {
    pub async fn create_session(
        &self,
        digest: &str,
        user_id: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> StorageResult<()> {
        self.db()
            .query(
                "CREATE session SET token_digest = $digest, user = type::record('user', $user),
                     created_at = <datetime> $now, last_seen_at = <datetime> $now, expires_at = <datetime> $expires",
            )
            .bind(("digest", digest.to_owned()))
            .bind(("user", user_id.to_owned()))
            .bind(("now", datetime_to_db(now)))
            .bind(("expires", datetime_to_db(expires_at)))
            .await?
            .check()?;
        Ok(())
    }

    pub async fn session(&self, digest: &str) -> StorageResult<Option<Session>> {
        let row: Option<SessionRow> = self
            .db()
            .query(
                "SELECT record::id(user) AS user, <string> last_seen_at AS last_seen_at, <string> expires_at AS expires_at
                 FROM session WHERE token_digest = $digest LIMIT 1",
            )
            .bind(("digest", digest.to_owned()))
            .await?
            .take(0)?;
        row.map(|r| {
            Ok(Session {
                user_id: r.user,
                last_seen_at: datetime(&r.last_seen_at)?,
                expires_at: datetime(&r.expires_at)?,
            })
        })
        .transpose()
    }

    pub async fn touch_session(&self, digest: &str, now: OffsetDateTime) -> StorageResult<()> {
        self.db()
            .query("UPDATE session SET last_seen_at = <datetime> $now WHERE token_digest = $digest")
            .bind(("digest", digest.to_owned()))
            .bind(("now", datetime_to_db(now)))
            .await?
            .check()?;
        Ok(())
    }

    pub async fn delete_session(&self, digest: &str) -> StorageResult<()> {
        self.db()
            .query("DELETE session WHERE token_digest = $digest")
            .bind(("digest", digest.to_owned()))
            .await?
            .check()?;
        Ok(())
    }

    /// Removes sessions past their absolute expiry.
    pub async fn purge_expired_sessions(&self, now: OffsetDateTime) -> StorageResult<()> {
        self.db()
            .query("DELETE session WHERE expires_at < <datetime> $now")
            .bind(("now", datetime_to_db(now)))
            .await?
            .check()?;
        Ok(())
    }
}
