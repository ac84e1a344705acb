//! Queries only reflections need; reading and writing entries goes through
//! the one record store in `evidence.rs` like every other kind.

use super::Store;
use super::error::StorageResult;

impl Store {
    pub async fn count_reflections(&self) -> StorageResult<u64> {
        let n: Option<i64> = self
            .db()
            .query("RETURN count(SELECT id FROM reflection)")
            .await?
            .take(0)?;
        Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    }
}
