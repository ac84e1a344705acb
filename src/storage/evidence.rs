//! Supervision, audit and training records: one table per kind with the
//! same shape. Content is a JSON object validated by the domain layer;
//! owner, supervisor, date and title are typed fields because lists,
//! permissions and the index depend on them. Every update first copies the
//! current version into `record_version` in the same transaction.

use anyhow::Context;
use serde_json::Value;
use surrealdb::types::SurrealValue;
use time::{Date, OffsetDateTime};

use super::error::{StorageError, StorageResult};
use super::rows::datetime;
use super::{Store, execute, new_id};
use crate::domain::dates::iso;
use crate::domain::record::{EvidenceFilter, RecordKind};

/// A stored record before its content is read into a domain type.
#[derive(Debug, Clone)]
pub struct StoredEvidence {
    pub id: String,
    pub owner_id: String,
    pub data: Value,
    pub flow: Value,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: u32,
}

/// What a create or update writes.
#[derive(Debug, Clone)]
pub struct EvidenceWrite {
    pub supervisor_id: Option<String>,
    pub date: Date,
    pub title: String,
    pub data: Value,
    pub flow: Value,
}

/// Which records a list may return: the caller's own, those whose owners
/// are in teams the caller leads (when the kind allows), and supervision
/// the caller gives.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub me: String,
    pub team_owner_ids: Vec<String>,
}

#[derive(SurrealValue)]
struct EvidenceRow {
    id: String,
    owner: String,
    data: Value,
    flow: Value,
    created_at: String,
    updated_at: String,
    version: i64,
}

#[derive(SurrealValue)]
struct VersionRow {
    id: String,
    version: i64,
}

const FIELDS: &str = "record::id(id) AS id, record::id(owner) AS owner, data, flow,
    <string> created_at AS created_at, <string> updated_at AS updated_at, version";

impl EvidenceRow {
    fn into_stored(self) -> StorageResult<StoredEvidence> {
        Ok(StoredEvidence {
            id: self.id,
            owner_id: self.owner,
            data: self.data,
            flow: self.flow,
            created_at: datetime(&self.created_at)?,
            updated_at: datetime(&self.updated_at)?,
            version: u32::try_from(self.version).context("stored version")?,
        })
    }
}

fn into_stored(rows: Vec<EvidenceRow>) -> StorageResult<Vec<StoredEvidence>> {
    rows.into_iter().map(EvidenceRow::into_stored).collect()
}

/// `SET` clause shared by create and update.
const SET_WRITE: &str =
    "supervisor = IF $supervisor = NONE { NONE } ELSE { type::record('user', $supervisor) },
    date = $date, title = $title, data = $data, flow = $flow";

impl Store {
    pub async fn create_evidence(
        &self,
        kind: RecordKind,
        owner_id: &str,
        write: EvidenceWrite,
    ) -> StorageResult<StoredEvidence> {
        let row: Option<EvidenceRow> = self
            .db()
            .query(format!(
                "CREATE type::record($table, $id) SET owner = type::record('user', $owner), {SET_WRITE},
                     created_at = time::now(), updated_at = time::now(), version = 1 RETURN {FIELDS}"
            ))
            .bind(("table", kind.as_str()))
            .bind(("id", new_id()))
            .bind(("owner", owner_id.to_owned()))
            .bind(write_vars(write))
            .await?
            .take(0)?;
        row.context("create returned nothing")?.into_stored()
    }

    /// The record with this id, whoever owns it: callers decide access.
    pub async fn evidence(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> StorageResult<Option<StoredEvidence>> {
        let row: Option<EvidenceRow> = self
            .db()
            .query(format!("SELECT {FIELDS} FROM type::record($table, $id)"))
            .bind(("table", kind.as_str()))
            .bind(("id", id.to_owned()))
            .await?
            .take(0)?;
        row.map(EvidenceRow::into_stored).transpose()
    }

    /// Replaces the record if it is still at `expected_version`, keeping
    /// the version it replaces in the history.
    pub async fn update_evidence(
        &self,
        kind: RecordKind,
        id: &str,
        expected_version: u32,
        actor_id: &str,
        write: EvidenceWrite,
    ) -> StorageResult<StoredEvidence> {
        self.update_keeping_history(
            kind,
            id,
            expected_version,
            actor_id,
            SET_WRITE,
            write_vars(write),
        )
        .await?;
        self.evidence(kind, id).await?.ok_or(StorageError::NotFound)
    }

    /// Deletes the record with its history and attachment rows; returns the
    /// digests of the attachments it had (for removing unused files).
    pub async fn delete_record(&self, kind: RecordKind, id: &str) -> StorageResult<Vec<String>> {
        let digests: Vec<String> = self
            .db()
            .query("SELECT VALUE sha256 FROM attachment WHERE record = $id")
            .bind(("id", id.to_owned()))
            .await?
            .take(0)?;
        let query = self
            .db()
            .query(
                "BEGIN TRANSACTION;
                 DELETE attachment WHERE record = $id;
                 DELETE record_version WHERE record = $id;
                 DELETE type::record($table, $id);
                 COMMIT TRANSACTION;",
            )
            .bind(("table", kind.as_str()))
            .bind(("id", id.to_owned()));
        execute(query).await?;
        Ok(digests)
    }

    /// A page of the records in `scope`, newest first, and the total.
    pub async fn list_evidence(
        &self,
        kind: RecordKind,
        scope: &Scope,
        f: &EvidenceFilter,
    ) -> StorageResult<(Vec<StoredEvidence>, u64)> {
        let leads = if kind.visible_to_team_leads() {
            "OR owner IN $team"
        } else {
            ""
        };
        let condition = format!(
            "(owner = $me OR supervisor = $me {leads})
             AND ($owner = NONE OR owner = $owner)
             AND ($from = NONE OR date >= $from) AND ($to = NONE OR date <= $to)"
        );
        let mut response = self
            .db()
            .query(format!(
                "LET $me = type::record('user', $me_id);
                 LET $team = $team_ids.map(|$t| type::record('user', $t));
                 LET $owner = IF $owner_id = NONE {{ NONE }} ELSE {{ type::record('user', $owner_id) }};
                 SELECT {FIELDS} FROM type::table($table) WHERE {condition}
                     ORDER BY date DESC, created_at DESC LIMIT $limit START $offset;
                 RETURN count(SELECT id FROM type::table($table) WHERE {condition});"
            ))
            .bind(("table", kind.as_str()))
            .bind(("me_id", scope.me.clone()))
            .bind(("team_ids", scope.team_owner_ids.clone()))
            .bind(("owner_id", f.owner.clone()))
            .bind(("from", f.from.map(iso)))
            .bind(("to", f.to.map(iso)))
            .bind(("limit", i64::from(f.limit)))
            .bind(("offset", i64::from(f.offset)))
            .await?;
        let rows: Vec<EvidenceRow> = response.take(3)?;
        let total: Option<i64> = response.take(4)?;
        Ok((
            into_stored(rows)?,
            u64::try_from(total.unwrap_or(0)).unwrap_or(0),
        ))
    }

    /// All of an owner's records dated within `[from, to]`, oldest first.
    pub async fn evidence_between(
        &self,
        kind: RecordKind,
        owner_id: &str,
        from: Date,
        to: Date,
    ) -> StorageResult<Vec<StoredEvidence>> {
        let rows: Vec<EvidenceRow> = self
            .db()
            .query(format!(
                "SELECT {FIELDS} FROM type::table($table) WHERE owner = type::record('user', $owner)
                 AND date >= $from AND date <= $to ORDER BY date"
            ))
            .bind(("table", kind.as_str()))
            .bind(("owner", owner_id.to_owned()))
            .bind(("from", iso(from)))
            .bind(("to", iso(to)))
            .await?
            .take(0)?;
        into_stored(rows)
    }

    /// A page of every record of `kind` in id order (for the index rebuild).
    pub async fn evidence_page(
        &self,
        kind: RecordKind,
        after_id: Option<&str>,
        limit: u32,
    ) -> StorageResult<Vec<StoredEvidence>> {
        let rows: Vec<EvidenceRow> = self
            .db()
            .query(format!(
                "SELECT {FIELDS} FROM type::table($table)
                 WHERE $after = NONE OR id > type::record($table, $after) ORDER BY id LIMIT $limit"
            ))
            .bind(("table", kind.as_str()))
            .bind(("after", after_id.map(str::to_owned)))
            .bind(("limit", i64::from(limit)))
            .await?
            .take(0)?;
        into_stored(rows)
    }

    /// `(id, version)` of every record of `kind`.
    pub async fn record_versions(&self, kind: RecordKind) -> StorageResult<Vec<(String, u32)>> {
        let rows: Vec<VersionRow> = self
            .db()
            .query("SELECT record::id(id) AS id, version FROM type::table($table)")
            .bind(("table", kind.as_str()))
            .await?
            .take(0)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.id, u32::try_from(r.version).unwrap_or(0)))
            .collect())
    }
}

#[derive(SurrealValue)]
struct WriteVars {
    supervisor: Option<String>,
    date: String,
    title: String,
    data: Value,
    flow: Value,
}

fn write_vars(w: EvidenceWrite) -> WriteVars {
    WriteVars {
        supervisor: w.supervisor_id,
        date: iso(w.date),
        title: w.title,
        data: w.data,
        flow: w.flow,
    }
}
