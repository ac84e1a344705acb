//! Queries only reflections need; reading and writing entries goes through
//! the one record store in `evidence.rs` like every other kind.

use surrealdb::types::SurrealValue;
use time::Date;

use super::Store;
use super::error::StorageResult;
use super::rows::date;

#[derive(SurrealValue)]
struct LastActivityRow {
    author: String,
    last: String,
}

impl Store {
    /// The latest activity date of every author who has one.
    pub async fn last_activity_dates(&self) -> StorageResult<Vec<(String, Date)>> {
        let rows: Vec<LastActivityRow> = self
            .db()
            .query(
                "SELECT record::id(owner) AS author, time::format(time::max(date), '%Y-%m-%d') AS last
                 FROM reflection GROUP BY author",
            )
            .await?
            .take(0)?;
        rows.into_iter()
            .map(|r| Ok((r.author, date(&r.last)?)))
            .collect()
    }

    pub async fn count_reflections(&self) -> StorageResult<u64> {
        let n: Option<i64> = self
            .db()
            .query("RETURN count(SELECT id FROM reflection)")
            .await?
            .take(0)?;
        Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    }
}
