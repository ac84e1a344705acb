//! Earlier versions of records: every update goes through
//! [`Store::update_keeping_history`], which copies the version it replaces
//! into `record_version` and appends the change's access-log entry in the
//! same transaction; the versions are read back for
//! `GET /{kind}/{id}/history`.

use anyhow::Context;
use serde_json::Map;
use surrealdb::method::IntoVariables;
use surrealdb::types::{SurrealValue, Value as Db};

use super::access_log::{APPEND, NewAccess};
use super::error::{CONFLICT_MARK, StorageResult};
use super::evidence::content_to_json;
use super::rows::datetime;
use super::{Store, execute};
use crate::domain::history::{PastVersion, Snapshot};
use crate::domain::record::RecordKind;

/// Copies the current version into the history, or throws when the record
/// is no longer at `$expected`.
const SNAPSHOT: &str = "LET $before = (SELECT * OMIT id, owner, supervisor, shared_with, pii_dismissed, pii_open
         FROM type::record($table, $id) WHERE version = $expected)[0];
     IF $before = NONE { THROW $conflict; };
     CREATE record_version SET kind = $table, record = $id, version = $before.version,
         replaced_at = time::now(), replaced_by = type::record('user', $actor), snapshot = $before;";

#[derive(SurrealValue)]
struct PastVersionRow {
    version: i64,
    replaced_at: String,
    replaced_by: String,
    snapshot: Db,
}

/// What an update does: a SurrealQL `SET` list for the record, statements
/// to run after it in the same transaction (may be empty), and the
/// access-log entry that says who made it.
pub(crate) struct Change<'a> {
    pub set: &'a str,
    pub then: &'a str,
    pub logged_as: NewAccess,
}

impl Store {
    /// Applies the change (its `SET` list using `vars`) to the record if it
    /// is still at `expected_version`, bumping its version, keeping the
    /// replaced version (replaced by the logged actor) and appending the
    /// log entry, all or nothing; `StorageError::VersionConflict` when the
    /// record has moved on.
    pub(crate) async fn update_keeping_history(
        &self,
        kind: RecordKind,
        id: &str,
        expected_version: u32,
        change: Change<'_>,
        vars: impl IntoVariables,
    ) -> StorageResult<()> {
        let Change {
            set,
            then,
            logged_as,
        } = change;
        let query = self
            .db()
            .query(format!(
                "BEGIN TRANSACTION;
                 {SNAPSHOT}
                 UPDATE type::record($table, $id) SET {set}, updated_at = time::now(), version += 1;
                 {then}
                 {APPEND}
                 COMMIT TRANSACTION;"
            ))
            .bind(("table", kind.as_str()))
            .bind(("id", id.to_owned()))
            .bind(("expected", i64::from(expected_version)))
            .bind(("actor", logged_as.actor.clone()))
            .bind(("entry", logged_as))
            .bind(("conflict", CONFLICT_MARK))
            .bind(vars);
        execute(query).await
    }

    /// The replaced versions of a record, newest first.
    pub async fn history(&self, record_id: &str) -> StorageResult<Vec<PastVersion>> {
        let rows: Vec<PastVersionRow> = self
            .db()
            .query(format!("{VERSIONS_OF} $id"))
            .bind(("id", record_id.to_owned()))
            .await?
            .take(0)?;
        let mut versions = rows
            .into_iter()
            .map(past_version)
            .collect::<StorageResult<Vec<_>>>()?;
        // Newest first, sorted here so the index is read forward.
        versions.sort_by_key(|v| std::cmp::Reverse(v.version));
        Ok(versions)
    }
}

/// The versions of one record (`… $id` completes it), by the
/// `(record, version)` index.
const VERSIONS_OF: &str = "SELECT version, <string> replaced_at AS replaced_at,
    record::id(replaced_by) AS replaced_by, snapshot FROM record_version WHERE record =";

fn past_version(r: PastVersionRow) -> StorageResult<PastVersion> {
    Ok(PastVersion {
        version: u32::try_from(r.version).context("stored version")?,
        replaced_at: datetime(&r.replaced_at)?,
        replaced_by: r.replaced_by,
        snapshot: snapshot(r.snapshot),
    })
}

/// The snapshot's fields as JSON, `content` with its dates as
/// `YYYY-MM-DD`, and the schema it was written under: rows written before
/// migration 0003 have no `schema_version` and are schema 1; 0 stands for
/// a value that names no schema (the domain has no upgrade from it).
fn snapshot(row: Db) -> Snapshot {
    let Db::Object(stored) = row else {
        return Snapshot {
            schema_version: 0,
            fields: Map::new(),
        };
    };
    let mut fields = Map::new();
    let mut schema_version = 1;
    for (key, value) in stored.iter() {
        match key.as_str() {
            "content" => {
                fields.insert(key.clone(), content_to_json(value.clone()));
            }
            "schema_version" => {
                let stored = value.clone().into_json_value().as_u64();
                schema_version = stored.and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
            }
            _ => {
                fields.insert(key.clone(), value.clone().into_json_value());
            }
        }
    }
    Snapshot {
        schema_version,
        fields,
    }
}
