//! Earlier versions of records: every update goes through
//! [`Store::update_keeping_history`], which copies the version it replaces
//! into `record_version` and appends the change's access-log entry in the
//! same transaction; the versions are read back for
//! `GET /{kind}/{id}/history`.

use anyhow::Context;
use serde_json::{Map, Value};
use surrealdb::method::IntoVariables;
use surrealdb::types::{SurrealValue, Value as Db};

use super::access_log::{APPEND, NewAccess};
use super::error::{CONFLICT_MARK, StorageResult};
use super::evidence::content_to_json;
use super::rows::datetime;
use super::{Store, execute};
use crate::domain::record::{PastVersion, RecordKind, SignOff};

/// Copies the current version into the history, or throws when the record
/// is no longer at `$expected`.
const SNAPSHOT: &str = "LET $before = (SELECT * OMIT id, owner, supervisor, shared_with
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
                    version: u32::try_from(r.version).context("stored version")?,
                    replaced_at: datetime(&r.replaced_at)?,
                    replaced_by: r.replaced_by,
                    snapshot: snapshot_json(r.snapshot),
                })
            })
            .collect()
    }
}

/// A snapshot in the shape the history has always shown: the kind's fields
/// under `data`, sign-off and verification together under `flow`, dates as
/// `YYYY-MM-DD`, and a reflection's date as `activity_date`. Snapshots taken
/// before the typed schema (migration 0003) already have that shape.
fn snapshot_json(snapshot: Db) -> Value {
    let Db::Object(fields) = snapshot else {
        return snapshot.into_json_value();
    };
    let mut out = Map::new();
    let mut flow = Map::new();
    let typed = fields.contains_key("content");
    let reflection = fields.contains_key("activity_type");
    for (key, value) in fields.iter() {
        match key.as_str() {
            "content" => {
                out.insert("data".to_owned(), content_to_json(value.clone()));
            }
            "signoff" | "verification" => {
                if let Value::Object(part) = value.clone().into_json_value() {
                    flow.extend(part);
                }
            }
            "schema_version" => {}
            "date" => {
                let name = if reflection { "activity_date" } else { "date" };
                out.insert(name.to_owned(), content_to_json(value.clone()));
            }
            _ => {
                out.insert(key.clone(), value.clone().into_json_value());
            }
        }
    }
    if typed {
        out.insert("flow".to_owned(), Value::Object(workflow_json(flow)));
    }
    Value::Object(out)
}

/// Sign-off and verification as the one `flow` object history has always
/// shown: every sign-off field (defaults where absent), then
/// `verified_by` and `verified_at` (null when not verified).
fn workflow_json(parts: Map<String, Value>) -> Map<String, Value> {
    let sign_off: SignOff =
        serde_json::from_value(Value::Object(parts.clone())).unwrap_or_default();
    let mut flow = match serde_json::to_value(sign_off) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    for key in ["verified_by", "verified_at"] {
        flow.insert(
            key.to_owned(),
            parts.get(key).cloned().unwrap_or(Value::Null),
        );
    }
    flow
}
