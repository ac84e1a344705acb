//! Earlier versions of records, written by every update (see
//! `evidence::SNAPSHOT`) and read back for `GET /{kind}/{id}/history`.

use serde_json::Value;
use surrealdb::types::SurrealValue;
use time::OffsetDateTime;

use super::Store;
use super::rows::datetime;

/// One replaced version: its content as it was, and who replaced it when.
#[derive(Debug, Clone)]
pub struct PastVersion {
    pub version: u32,
    pub replaced_at: OffsetDateTime,
    pub replaced_by: String,
    pub snapshot: Value,
}

#[derive(SurrealValue)]
struct PastVersionRow {
    version: i64,
    replaced_at: String,
    replaced_by: String,
    snapshot: Value,
}

impl Store {
    /// The replaced versions of a record, newest first.
    pub async fn history(&self, record_id: &str) -> anyhow::Result<Vec<PastVersion>> {
        let rows: Vec<PastVersionRow> = self
            .db()
            .query(
                "SELECT version, <string> replaced_at AS replaced_at,
                     record::id(replaced_by) AS replaced_by, snapshot
                 FROM record_version WHERE record = $id ORDER BY version DESC",
            )
            .bind(("id", record_id.to_owned()))
            .await?
            .take(0)?;
        rows.into_iter()
            .map(|r| {
                Ok(PastVersion {
                    version: u32::try_from(r.version)?,
                    replaced_at: datetime(&r.replaced_at)?,
                    replaced_by: r.replaced_by,
                    snapshot: r.snapshot,
                })
            })
            .collect()
    }
}
