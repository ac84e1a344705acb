//! The append-only access log: who read or changed which record, when.
//! The table refuses updates and deletes (a database event throws), so an
//! entry once written stays. A change to a record writes its entry in the
//! change's own transaction ([`APPEND`]), so neither is kept without the
//! other.

use surrealdb::types::{Datetime, RecordId, SurrealValue};
use time::OffsetDateTime;

use super::Store;
use super::error::StorageResult;
use super::rows::datetime;
use crate::domain::record::RecordKind;

/// Appends `$entry`, a [`NewAccess`].
pub(super) const APPEND: &str = "CREATE access_log SET at = time::now(),
    actor = type::record('user', $entry.actor), owner = type::record('user', $entry.owner),
    kind = $entry.kind, record = $entry.record, action = $entry.action RETURN NONE;";

/// An entry to append.
#[derive(Debug, Clone, PartialEq, Eq, SurrealValue)]
pub struct NewAccess {
    pub actor: String,
    pub owner: String,
    pub kind: String,
    pub record: String,
    pub action: String,
}

impl NewAccess {
    pub fn new(actor: &str, owner: &str, kind: RecordKind, record: &str, action: &str) -> Self {
        Self {
            actor: actor.to_owned(),
            owner: owner.to_owned(),
            kind: kind.as_str().to_owned(),
            record: record.to_owned(),
            action: action.to_owned(),
        }
    }
}

/// A logged access, with the actor's name for display.
#[derive(Debug, Clone)]
pub struct AccessEntry {
    pub at: OffsetDateTime,
    pub actor_id: String,
    pub actor_name: String,
    pub kind: String,
    pub record_id: String,
    pub action: String,
}

/// A [`NewAccess`] as stored, for a bulk `INSERT`.
#[derive(SurrealValue)]
struct AccessInsert {
    at: Datetime,
    actor: RecordId,
    owner: RecordId,
    kind: String,
    record: String,
    action: String,
}

impl AccessInsert {
    fn new(entry: NewAccess, at: Datetime) -> Self {
        Self {
            at,
            actor: RecordId::new("user", entry.actor),
            owner: RecordId::new("user", entry.owner),
            kind: entry.kind,
            record: entry.record,
            action: entry.action,
        }
    }
}

#[derive(SurrealValue)]
struct AccessRow {
    at: String,
    actor_id: String,
    actor_name: Option<String>,
    kind: String,
    record: String,
    action: String,
}

impl Store {
    /// Appends entries in one statement (one transaction): a lead's search
    /// logs a row per result, and one `INSERT` of them all rather than a
    /// `CREATE` each halved that write at 1,000,000 records (6.06 to 3.27
    /// ms median, `docs/performance.md`). Their time is this process's
    /// clock, where [`APPEND`] takes the database's: the same clock when
    /// embedded; against a server, keep the machines' clocks in sync (the
    /// change feed assumes it too).
    pub async fn log_access(&self, entries: Vec<NewAccess>) -> StorageResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let at = Datetime::now();
        let rows: Vec<AccessInsert> = entries
            .into_iter()
            .map(|entry| AccessInsert::new(entry, at))
            .collect();
        self.db()
            .query("INSERT INTO access_log $rows RETURN NONE")
            .bind(("rows", rows))
            .await?
            .check()?;
        Ok(())
    }

    /// Entries about `owner_id`'s records, newest first, and the total.
    pub async fn access_log(
        &self,
        owner_id: &str,
        others_only: bool,
        limit: u32,
        offset: u32,
    ) -> StorageResult<(Vec<AccessEntry>, u64)> {
        // Each condition is a prefix of an index whose last field is
        // `newest`, so a page is a forward scan that stops at its end.
        let condition = if others_only {
            "owner = type::record('user', $owner) AND by_other = true"
        } else {
            "owner = type::record('user', $owner)"
        };
        let mut response = self
            .db()
            .query(format!(
                "SELECT <string> at AS at, record::id(actor) AS actor_id, actor.name AS actor_name,
                     kind, record, action
                 FROM access_log WHERE {condition} ORDER BY newest LIMIT {limit} START {offset};
                 RETURN count(SELECT id FROM access_log WHERE {condition});"
            ))
            .bind(("owner", owner_id.to_owned()))
            .await?;
        let rows: Vec<AccessRow> = response.take(0)?;
        let total: Option<i64> = response.take(1)?;
        let entries = into_entries(rows)?;
        Ok((entries, u64::try_from(total.unwrap_or(0)).unwrap_or(0)))
    }

    /// Every entry about `owner_id`'s records, oldest first: one forward
    /// scan of the `(owner, at)` index (paging newest first would walk the
    /// index once per page).
    pub async fn whole_access_log(&self, owner_id: &str) -> StorageResult<Vec<AccessEntry>> {
        let rows: Vec<AccessRow> = self
            .db()
            .query(
                "SELECT <string> at AS at, record::id(actor) AS actor_id, actor.name AS actor_name,
                     kind, record, action
                 FROM access_log WHERE owner = type::record('user', $owner) ORDER BY at",
            )
            .bind(("owner", owner_id.to_owned()))
            .await?
            .take(0)?;
        into_entries(rows)
    }
}

fn into_entries(rows: Vec<AccessRow>) -> StorageResult<Vec<AccessEntry>> {
    rows.into_iter()
        .map(|r| {
            Ok(AccessEntry {
                at: datetime(&r.at)?,
                actor_id: r.actor_id,
                actor_name: r.actor_name.unwrap_or_default(),
                kind: r.kind,
                record_id: r.record,
                action: r.action,
            })
        })
        .collect()
}
