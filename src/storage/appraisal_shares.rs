//! Appraisal-pack shares: which readers a person has let see their pack.
//! One row per pair, keyed by both ids.

use surrealdb::types::SurrealValue;
use time::OffsetDateTime;

use super::error::StorageResult;
use super::rows::datetime_to_db;
use super::{Store, execute};

#[derive(SurrealValue)]
struct ReaderRow {
    reader: String,
}

#[derive(SurrealValue)]
struct OwnerRow {
    owner: String,
}

fn pair(owner_id: &str, reader_id: &str) -> String {
    format!("{owner_id}_{reader_id}")
}

impl Store {
    /// Lets `reader_id` read `owner_id`'s appraisal pack.
    pub async fn share_appraisal_pack(
        &self,
        owner_id: &str,
        reader_id: &str,
        at: OffsetDateTime,
    ) -> StorageResult<()> {
        let query = self
            .db()
            .query(
                "UPSERT type::record('appraisal_share', $pair) SET
                     owner = type::record('user', $owner), reader = type::record('user', $reader),
                     created_at = <datetime> $at;",
            )
            .bind(("pair", pair(owner_id, reader_id)))
            .bind(("owner", owner_id.to_owned()))
            .bind(("reader", reader_id.to_owned()))
            .bind(("at", datetime_to_db(at)));
        execute(query).await
    }

    /// Withdraws the share; false if there was none.
    pub async fn unshare_appraisal_pack(
        &self,
        owner_id: &str,
        reader_id: &str,
    ) -> StorageResult<bool> {
        if !self.appraisal_pack_shared(owner_id, reader_id).await? {
            return Ok(false);
        }
        let query = self
            .db()
            .query("DELETE type::record('appraisal_share', $pair);")
            .bind(("pair", pair(owner_id, reader_id)));
        execute(query).await?;
        Ok(true)
    }

    /// The readers `owner_id` has shared their pack with.
    pub async fn appraisal_pack_readers(&self, owner_id: &str) -> StorageResult<Vec<String>> {
        let rows: Vec<ReaderRow> = self
            .db()
            .query(
                "SELECT record::id(reader) AS reader FROM appraisal_share
                     WHERE owner = type::record('user', $owner) ORDER BY reader",
            )
            .bind(("owner", owner_id.to_owned()))
            .await?
            .take(0)?;
        Ok(rows.into_iter().map(|r| r.reader).collect())
    }

    /// The people who have shared their pack with `reader_id`.
    pub async fn appraisal_packs_shared_with(&self, reader_id: &str) -> StorageResult<Vec<String>> {
        let rows: Vec<OwnerRow> = self
            .db()
            .query(
                "SELECT record::id(owner) AS owner FROM appraisal_share
                     WHERE reader = type::record('user', $reader) ORDER BY owner",
            )
            .bind(("reader", reader_id.to_owned()))
            .await?
            .take(0)?;
        Ok(rows.into_iter().map(|r| r.owner).collect())
    }

    /// Whether `reader_id` may read `owner_id`'s pack.
    pub async fn appraisal_pack_shared(
        &self,
        owner_id: &str,
        reader_id: &str,
    ) -> StorageResult<bool> {
        let rows: Vec<ReaderRow> = self
            .db()
            .query(
                "SELECT record::id(reader) AS reader FROM type::record('appraisal_share', $pair)",
            )
            .bind(("pair", pair(owner_id, reader_id)))
            .await?
            .take(0)?;
        Ok(!rows.is_empty())
    }
}
