//! Calendar feeds: which person a secret calendar token opens. Only the
//! token's digest is stored, one per person, under the person's id.

use surrealdb::types::SurrealValue;
use time::OffsetDateTime;

use super::error::StorageResult;
use super::rows::{datetime, datetime_to_db};
use super::{Store, execute};

#[derive(SurrealValue)]
struct FeedRow {
    user: String,
    created_at: String,
}

/// A person's feed: who, and since when its current address works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFeed {
    pub user_id: String,
    pub created_at: OffsetDateTime,
}

const FEED_FIELDS: &str = "record::id(user) AS user, <string> created_at AS created_at";

impl Store {
    /// Gives `user_id` a feed opened by the token with `digest`, replacing
    /// any earlier token.
    pub async fn set_calendar_feed(
        &self,
        user_id: &str,
        digest: &str,
        at: OffsetDateTime,
    ) -> StorageResult<()> {
        let query = self
            .db()
            .query(
                "UPSERT type::record('calendar_feed', $user) SET user = type::record('user', $user),
                     token_digest = $digest, created_at = <datetime> $at;",
            )
            .bind(("user", user_id.to_owned()))
            .bind(("digest", digest.to_owned()))
            .bind(("at", datetime_to_db(at)));
        execute(query).await
    }

    /// Revokes `user_id`'s feed (nothing happens if there is none).
    pub async fn delete_calendar_feed(&self, user_id: &str) -> StorageResult<()> {
        let query = self
            .db()
            .query("DELETE type::record('calendar_feed', $user);")
            .bind(("user", user_id.to_owned()));
        execute(query).await
    }

    /// `user_id`'s feed, if they have one.
    pub async fn calendar_feed_of(&self, user_id: &str) -> StorageResult<Option<CalendarFeed>> {
        let row: Option<FeedRow> = self
            .db()
            .query(format!(
                "SELECT {FEED_FIELDS} FROM type::record('calendar_feed', $user)"
            ))
            .bind(("user", user_id.to_owned()))
            .await?
            .take(0)?;
        row.map(into_feed).transpose()
    }

    /// The feed the token with `digest` opens, through its unique index.
    pub async fn calendar_feed_by_token(
        &self,
        digest: &str,
    ) -> StorageResult<Option<CalendarFeed>> {
        let row: Option<FeedRow> = self
            .db()
            .query(format!(
                "SELECT {FEED_FIELDS} FROM calendar_feed WHERE token_digest = $digest LIMIT 1"
            ))
            .bind(("digest", digest.to_owned()))
            .await?
            .take(0)?;
        row.map(into_feed).transpose()
    }
}

fn into_feed(row: FeedRow) -> StorageResult<CalendarFeed> {
    Ok(CalendarFeed {
        user_id: row.user,
        created_at: datetime(&row.created_at)?,
    })
}
