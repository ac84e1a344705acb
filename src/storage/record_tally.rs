//! The `record_tally` table (migration 0016): how many records of every
//! kind each person keeps, for the per-person limit, so a create reads one
//! row instead of counting the person's records. Derived data, like
//! `team_record`: the statements below run inside the transactions that
//! create, delete or import records, and [`Store::record_tally_drift`]
//! checks the tally against a count.

use super::Store;
use super::error::StorageResult;
use crate::domain::record::RecordKind;

/// Before creating one record for `$owner` (an id): throws `$record_limit`
/// ([`super::error::RECORD_LIMIT_MARK`] and the limit) once the person
/// holds `$max_records`. Read in the create's transaction, so two creates at
/// once cannot both pass at the limit: both write the tally, and the
/// engine refuses the later commit.
pub(super) const CHECK_ROOM: &str = "IF ((SELECT VALUE records FROM ONLY type::record('record_tally', $owner)) ?? 0) >= $max_records {
        THROW $record_limit;
    };";

/// After creating one record for `$owner` (an id). The same change as
/// `fn::tally_record` (migration 0016), written out: calling the function
/// costs a create the compiling of its stored definition.
pub(super) const ON_CREATE: &str = "UPSERT type::record('record_tally', $owner)
    SET owner = type::record('user', $owner), records = (records ?? 0) + 1 RETURN NONE;";

/// Before deleting `type::record($table, $id)`: one fewer for its owner.
pub(super) const ON_DELETE: &str =
    "LET $tallied = (SELECT VALUE owner FROM ONLY type::record($table, $id));
     IF $tallied { fn::tally_record($tallied, -1); };";

/// After importing records for the owners in `$tallies` (`{ owner: id,
/// records: number }`): one update a person, not one a record.
pub(super) const AFTER_IMPORT: &str = "FOR $t IN $tallies {
        fn::tally_record(type::record('user', $t.owner), $t.records);
    };";

impl Store {
    /// How many records of every kind `owner_id` keeps: one read, whatever
    /// the count.
    pub async fn owned_record_count(&self, owner_id: &str) -> StorageResult<u64> {
        let count: Option<i64> = self
            .db()
            .query("SELECT VALUE records FROM ONLY type::record('record_tally', $owner)")
            .bind(("owner", owner_id.to_owned()))
            .await?
            .take(0)?;
        Ok(count.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
    }

    /// People whose tally differs from a count of their records, as
    /// `id: tally N, records M` (for tests and a consistency check).
    pub async fn record_tally_drift(&self) -> StorageResult<Vec<String>> {
        let ids = self.all_user_ids().await?;
        let mut drift = Vec::new();
        for id in ids {
            let counts: Vec<i64> = self
                .db()
                .query(
                    "LET $o = type::record('user', $owner);
                     RETURN $tables
                        .map(|$t| count(SELECT VALUE id FROM type::table($t) WHERE owner = $o));",
                )
                .bind(("owner", id.clone()))
                .bind((
                    "tables",
                    RecordKind::ALL.map(|k| k.as_str().to_owned()).to_vec(),
                ))
                .await?
                .take(1)?;
            let counted: i64 = counts.iter().sum();
            let tally = self.owned_record_count(&id).await?;
            if u64::try_from(counted).ok() != Some(tally) {
                drift.push(format!("{id}: tally {tally}, records {counted}"));
            }
        }
        Ok(drift)
    }
}
