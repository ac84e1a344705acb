//! Creating records, one or a batch in one transaction. Each create checks
//! the owner's room, writes the record, its derived rows (team index,
//! compliance facts, record tally) and its access-log entry, and reads the
//! record back, all in the transaction that creates it. A transaction's
//! fixed costs — compiling each touched table's field definitions, the
//! commit — are a large part of a create, so creates that arrive together
//! share one (see `app/create_queue.rs`).

use surrealdb::types::SurrealValue;

use super::super::access_log::{APPEND, NewAccess};
use super::super::error::{RECORD_LIMIT_MARK, StorageError, StorageResult};
use super::super::team_records::on_create;
use super::super::{compliance_facts, execute_returning_rows, record_tally};
use super::{EvidenceRow, EvidenceWrite, FIELDS, StoredEvidence, WriteVars, set_write, write_vars};
use crate::domain::record::RecordKind;
use crate::storage::Store;

/// Tries a create makes before its conflict is reported.
const CREATE_ATTEMPTS: u32 = 6;

/// A record to create, with what it writes besides its content.
#[derive(Debug, Clone)]
pub struct NewEvidence {
    pub kind: RecordKind,
    pub id: String,
    pub owner_id: String,
    /// The most records the owner may keep; the create is refused with
    /// [`StorageError::RecordLimit`] when they already keep that many.
    pub max_records: u32,
    pub logged_as: NewAccess,
    pub write: EvidenceWrite,
}

/// One create's parameters, bound as an item of `$batch`.
#[derive(SurrealValue)]
struct CreateVars {
    table: String,
    id: String,
    owner: String,
    max_records: i64,
    record_limit: String,
    entry: NewAccess,
    write: WriteVars,
}

impl CreateVars {
    fn of(new: &NewEvidence) -> Self {
        Self {
            table: new.kind.as_str().to_owned(),
            id: new.id.clone(),
            owner: new.owner_id.clone(),
            max_records: i64::from(new.max_records),
            record_limit: format!("{RECORD_LIMIT_MARK} {}", new.max_records),
            entry: new.logged_as.clone(),
            write: write_vars(new.kind, new.write.clone()),
        }
    }
}

/// The names each create's statements read its parameters by: those of
/// [`CreateVars`], then those of its [`WriteVars`].
const FRAME_PARAMETERS: [&str; 6] = [
    "table",
    "id",
    "owner",
    "max_records",
    "record_limit",
    "entry",
];
const WRITE_PARAMETERS: [&str; 7] = [
    "supervisor",
    "date",
    "title",
    "content",
    "signoff",
    "verification",
    "pii_open",
];

impl Store {
    /// Creates the record and returns it as stored. A new record conflicts
    /// with nothing itself; what two creates by the same person can both
    /// change is that person's derived rows, and the engine refuses the
    /// later commit. Nothing was written then, so the create is tried
    /// again after a short, growing, random pause.
    pub async fn create_evidence(&self, new: NewEvidence) -> StorageResult<StoredEvidence> {
        let mut attempt = 1;
        loop {
            let tried = self.create_together(std::slice::from_ref(&new)).await;
            match tried {
                Err(StorageError::VersionConflict) if attempt < CREATE_ATTEMPTS => {
                    let pause = rand::random::<u64>() % (2u64 << attempt);
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                    attempt += 1;
                }
                Ok(mut rows) if rows.len() == 1 => return Ok(rows.remove(0)),
                Ok(_) => return Err(StorageError::NotFound),
                Err(err) => return Err(err),
            }
        }
    }

    /// Creates every record in one transaction, each answer in the order
    /// given. When that transaction fails (one record over its owner's
    /// limit, a conflict), nothing of it was written, and each record is
    /// created alone so that each gets its own answer.
    pub async fn create_evidence_batch(
        &self,
        batch: Vec<NewEvidence>,
    ) -> Vec<StorageResult<StoredEvidence>> {
        if batch.len() > 1
            && let Ok(created) = self.create_together(&batch).await
            && created.len() == batch.len()
        {
            return created.into_iter().map(Ok).collect();
        }
        let mut answers = Vec::with_capacity(batch.len());
        for new in batch {
            answers.push(self.create_evidence(new).await);
        }
        answers
    }

    /// One try at creating every record in `batch` in one transaction.
    async fn create_together(&self, batch: &[NewEvidence]) -> StorageResult<Vec<StoredEvidence>> {
        let vars: Vec<CreateVars> = batch.iter().map(CreateVars::of).collect();
        let query = self
            .db()
            .query(batch_statements(batch))
            .bind(("batch", vars));
        let rows: Vec<EvidenceRow> = execute_returning_rows(query).await?;
        rows.into_iter().map(EvidenceRow::into_stored).collect()
    }
}

/// The transaction creating `batch`: for each record, its parameters taken
/// from `$batch`, then its statements; last, every record as read back.
fn batch_statements(batch: &[NewEvidence]) -> String {
    let mut sql = String::from("BEGIN TRANSACTION;\n");
    for (n, new) in batch.iter().enumerate() {
        for name in FRAME_PARAMETERS {
            sql.push_str(&format!("LET ${name} = $batch[{n}].{name};\n"));
        }
        for name in WRITE_PARAMETERS {
            sql.push_str(&format!("LET ${name} = $batch[{n}].write.{name};\n"));
        }
        sql.push_str(&create_statements(new.kind, n));
    }
    let rows: Vec<String> = (0..batch.len()).map(|n| format!("$row_{n}")).collect();
    sql.push_str(&format!("[{}];\nCOMMIT TRANSACTION;", rows.join(", ")));
    sql
}

/// One create's statements, reading it back into `$row_{n}`.
fn create_statements(kind: RecordKind, n: usize) -> String {
    format!(
        "{}
         CREATE type::record($table, $id) SET owner = type::record('user', $owner), {},
             created_at = time::now(), updated_at = time::now(), version = 1 RETURN NONE;
         {}
         {}
         {}
         {APPEND}
         LET $row_{n} = (SELECT {FIELDS} FROM ONLY type::record($table, $id));\n",
        record_tally::CHECK_ROOM,
        set_write(kind),
        on_create(kind),
        compliance_facts::on_create(kind),
        record_tally::ON_CREATE,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_create_in_a_batch_reads_its_own_parameters_and_row() {
        let new = |kind| NewEvidence {
            kind,
            id: "r".into(),
            owner_id: "u".into(),
            max_records: 10,
            logged_as: NewAccess::new("u", "u", kind, "r", "create"),
            write: EvidenceWrite {
                supervisor_id: None,
                date: time::macros::date!(2026 - 11 - 29),
                title: "t".into(),
                data: serde_json::json!({}),
                signoff: serde_json::json!({}),
                verification: None,
                pii_open: 0,
            },
        };
        let sql = batch_statements(&[new(RecordKind::Reflection), new(RecordKind::Audit)]);
        assert!(sql.starts_with("BEGIN TRANSACTION;\nLET $table = $batch[0].table;\n"));
        assert!(sql.ends_with("[$row_0, $row_1];\nCOMMIT TRANSACTION;"));
        assert_eq!(
            sql.matches("LET $pii_open = $batch[1].write.pii_open;")
                .count(),
            1
        );
        assert_eq!(sql.matches("CREATE type::record($table, $id)").count(), 2);
        let second = sql.find("LET $table = $batch[1].table;").unwrap();
        assert!(sql.find("LET $row_0 =").unwrap() < second);
        assert!(sql.find("LET $row_1 =").unwrap() > second);
    }
}
