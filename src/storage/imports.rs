//! Training records imported in bulk (from an ESR export). A whole import
//! is one transaction: every record, its team rows, its access-log entry,
//! the owners' compliance facts and record tallies are written together or
//! not at all, so a file is never half imported.

use std::collections::{BTreeMap, HashSet};

use surrealdb::types::SurrealValue;
use time::Date;

use super::access_log::{APPEND, NewAccess};
use super::compliance_facts;
use super::error::{CONFLICT_MARK, StorageResult};
use super::evidence::{EvidenceWrite, WriteVars, set_write, write_vars};
use super::record_tally::AFTER_IMPORT;
use super::team_records::on_create;
use super::{Store, execute};
use crate::domain::dates::parse_iso;
use crate::domain::record::RecordKind;

/// One training record to import.
pub struct NewImport {
    pub id: String,
    pub owner_id: String,
    pub write: EvidenceWrite,
    pub logged_as: NewAccess,
}

#[derive(SurrealValue)]
struct ImportRow {
    id: String,
    owner: String,
    entry: NewAccess,
    write: WriteVars,
}

/// How many records an import adds for one person.
#[derive(SurrealValue)]
struct Tally {
    owner: String,
    records: i64,
}

#[derive(SurrealValue)]
struct HeldRow {
    owner: String,
    course: String,
    completed_on: String,
}

/// A completion a person's portfolio already holds: (owner id, course
/// key, date completed).
pub type Held = (String, String, Date);

const KIND: RecordKind = RecordKind::Training;

impl Store {
    /// Which of `owner_ids`' completions are already recorded, however
    /// they were recorded.
    pub async fn held_training(&self, owner_ids: Vec<String>) -> StorageResult<HashSet<Held>> {
        let rows: Vec<HeldRow> = self
            .db()
            .query(
                "SELECT record::id(owner) AS owner, content.course AS course,
                     <string> content.completed_on AS completed_on
                 FROM training WHERE owner IN $owners",
            )
            .bind(("owners", super::record_ids("user", &owner_ids)))
            .await?
            .take(0)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let day = parse_iso(r.completed_on.get(..10)?)?;
                Some((r.owner, r.course, day))
            })
            .collect())
    }

    /// Creates every record in one transaction. If another import or an
    /// owner recorded one of the completions meanwhile, nothing is written
    /// and the result is a version conflict (run the import again).
    pub async fn import_training(&self, records: Vec<NewImport>) -> StorageResult<()> {
        let rows: Vec<ImportRow> = records
            .into_iter()
            .map(|r| ImportRow {
                id: r.id,
                owner: r.owner_id,
                entry: r.logged_as,
                write: write_vars(KIND, r.write),
            })
            .collect();
        let mut per_owner: BTreeMap<&str, i64> = BTreeMap::new();
        for row in &rows {
            *per_owner.entry(row.owner.as_str()).or_default() += 1;
        }
        let tallies: Vec<Tally> = per_owner
            .into_iter()
            .map(|(owner, records)| Tally {
                owner: owner.to_owned(),
                records,
            })
            .collect();
        let query = self
            .db()
            .query(format!(
                "BEGIN TRANSACTION;
                 FOR $r IN $rows {{
                     LET $id = $r.id;
                     LET $owner = $r.owner;
                     LET $entry = $r.entry;
                     LET $supervisor = $r.write.supervisor;
                     LET $date = $r.write.date;
                     LET $title = $r.write.title;
                     LET $content = $r.write.content;
                     LET $signoff = $r.write.signoff;
                     LET $verification = $r.write.verification;
                     LET $pii_open = $r.write.pii_open;
                     IF (SELECT VALUE id FROM training WHERE owner = type::record('user', $owner)
                         AND date = <datetime> $date AND content.course = $content.course LIMIT 1)[0] != NONE {{
                         THROW '{CONFLICT_MARK}';
                     }};
                     CREATE type::record($table, $id) SET owner = type::record('user', $owner), {set},
                         created_at = time::now(), updated_at = time::now(), version = 1;
                     {team_rows}
                     {APPEND}
                 }};
                 {facts}
                 {AFTER_IMPORT}
                 COMMIT TRANSACTION;",
                set = set_write(KIND),
                team_rows = on_create(KIND),
                facts = compliance_facts::after_import(),
            ))
            .bind(("table", KIND.as_str()))
            .bind(("tallies", tallies))
            .bind(("rows", rows));
        execute(query).await
    }
}
