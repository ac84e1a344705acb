//! Login sessions, keyed by the SHA-256 digest of the bearer token. Each
//! also has an id of its own, the only handle a person sees when they list
//! or revoke their sessions: the digest never leaves this module.

use surrealdb::types::SurrealValue;
use time::OffsetDateTime;

use super::error::StorageResult;
use super::rows::{datetime, datetime_to_db};
use super::users::{USER_FIELDS, UserRow, with_teams};
use super::{Store, new_id};
use crate::domain::user::{SessionSummary, User};

#[derive(SurrealValue)]
struct SessionRow {
    user: String,
    last_seen_at: String,
    expires_at: String,
}

impl SessionRow {
    fn into_session(self) -> StorageResult<Session> {
        Ok(Session {
            user_id: self.user,
            last_seen_at: datetime(&self.last_seen_at)?,
            expires_at: datetime(&self.expires_at)?,
        })
    }
}

#[derive(SurrealValue)]
struct SessionListRow {
    id: String,
    created_at: String,
    last_seen_at: String,
    expires_at: String,
    current: bool,
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
                "CREATE type::record('session', $id) SET token_digest = $digest, user = type::record('user', $user),
                     created_at = <datetime> $now, last_seen_at = <datetime> $now, expires_at = <datetime> $expires",
            )
            .bind(("id", new_id()))
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
        row.map(SessionRow::into_session).transpose()
    }

    /// The session under `digest` and its account (with its teams), in one
    /// round trip: every authenticated request reads both. The account is
    /// `None` when the session names one that no longer exists.
    pub async fn session_with_user(
        &self,
        digest: &str,
    ) -> StorageResult<Option<(Session, Option<User>)>> {
        let mut response = self
            .db()
            .query(format!(
                "LET $s = (SELECT record::id(user) AS user, <string> last_seen_at AS last_seen_at,
                     <string> expires_at AS expires_at
                 FROM session WHERE token_digest = $digest LIMIT 1)[0];
                 LET $account = IF $s {{ [type::record('user', $s.user)] }} ELSE {{ [] }};
                 RETURN $s;
                 {}",
                with_teams(&format!("SELECT {USER_FIELDS} FROM $account"))
            ))
            .bind(("digest", digest.to_owned()))
            .await?;
        let row: Option<SessionRow> = response.take(2)?;
        let users: Vec<UserRow> = response.take(3)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let session = row.into_session()?;
        let user = users
            .into_iter()
            .next()
            .map(UserRow::into_user)
            .transpose()?;
        Ok(Some((session, user)))
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

    /// The user's sessions seen after `seen_after` and not past their
    /// absolute expiry at `now`, newest first; `current_digest` marks the
    /// caller's own.
    pub async fn live_sessions(
        &self,
        user_id: &str,
        current_digest: &str,
        seen_after: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StorageResult<Vec<SessionSummary>> {
        let rows: Vec<SessionListRow> = self
            .db()
            .query(
                "SELECT record::id(id) AS id, <string> created_at AS created_at,
                     <string> last_seen_at AS last_seen_at, <string> expires_at AS expires_at,
                     token_digest = $current AS current
                 FROM session
                 WHERE user = type::record('user', $user) AND expires_at > <datetime> $now
                     AND last_seen_at > <datetime> $seen_after",
            )
            .bind(("user", user_id.to_owned()))
            .bind(("current", current_digest.to_owned()))
            .bind(("now", datetime_to_db(now)))
            .bind(("seen_after", datetime_to_db(seen_after)))
            .await?
            .take(0)?;
        let mut sessions = rows
            .into_iter()
            .map(|r| {
                Ok(SessionSummary {
                    created_at: datetime(&r.created_at)?,
                    last_seen_at: datetime(&r.last_seen_at)?,
                    expires_at: datetime(&r.expires_at)?,
                    id: r.id,
                    current: r.current,
                })
            })
            .collect::<StorageResult<Vec<_>>>()?;
        sessions.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        Ok(sessions)
    }

    /// Ends the user's session `session_id`; false when the user has no
    /// such session (someone else's is not theirs to end).
    pub async fn delete_session_of(&self, user_id: &str, session_id: &str) -> StorageResult<bool> {
        let deleted: Option<i64> = self
            .db()
            .query(
                "LET $found = SELECT VALUE id FROM session
                     WHERE id = type::record('session', $id) AND user = type::record('user', $user);
                 DELETE $found;
                 RETURN array::len($found);",
            )
            .bind(("id", session_id.to_owned()))
            .bind(("user", user_id.to_owned()))
            .await?
            .take(2)?;
        Ok(deleted.unwrap_or(0) > 0)
    }

    /// Ends every session of the user except the one with `keep_digest`.
    pub async fn delete_other_sessions(
        &self,
        user_id: &str,
        keep_digest: &str,
    ) -> StorageResult<()> {
        self.db()
            .query(
                "DELETE session WHERE user = type::record('user', $user) AND token_digest != $keep",
            )
            .bind(("user", user_id.to_owned()))
            .bind(("keep", keep_digest.to_owned()))
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
