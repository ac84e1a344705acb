//! Creating records, one or a batch in one transaction. Each create checks
//! the owner's room, writes the record, its derived rows (team index,
//! compliance facts, record tally) and its access-log entry, and reads the
//! record back, all in the transaction that creates it. A transaction's
//! fixed costs — compiling each touched table's field definitions, the
//! commit — are a large part of a create, so creates that arrive together
//! share one (see `app/create_queue.rs`).

use anyhow::anyhow;
use surrealdb::types::{Object, SurrealValue, Value as Db};

use super::super::access_log::{APPEND, NewAccess};
use super::super::error::{RECORD_LIMIT_MARK, StorageError, StorageResult};
use super::super::team_records::on_create;
use super::super::{compliance_facts, execute_returning_rows, record_tally};
use super::{EvidenceRow, EvidenceWrite, FIELDS, StoredEvidence, set_write, write_vars};
use crate::domain::record::RecordKind;
use crate::storage::Store;

/// Tries a create makes before its conflict is reported. Within one
/// instance a person's creates take turns, so conflicts come from another
/// instance creating for the same person, which can go on creating while
/// this one waits: enough tries that losing every one is unlikely.
const CREATE_ATTEMPTS: u32 = 16;

/// The longest pause between two tries, in milliseconds.
const MOST_PAUSE_MS: u64 = 100;

/// A random pause before try `attempt + 1`, growing with each try up to
/// [`MOST_PAUSE_MS`].
fn pause_before_retry(attempt: u32) -> std::time::Duration {
    let window = (2u64 << attempt.min(10)).min(MOST_PAUSE_MS);
    std::time::Duration::from_millis(rand::random::<u64>() % window)
}

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

/// One create's parameters besides its write's.
#[derive(SurrealValue)]
struct FrameVars {
    table: String,
    id: String,
    owner: String,
    max_records: i64,
    record_limit: String,
    entry: NewAccess,
}

impl FrameVars {
    fn of(new: &NewEvidence) -> Self {
        Self {
            table: new.kind.as_str().to_owned(),
            id: new.id.clone(),
            owner: new.owner_id.clone(),
            max_records: i64::from(new.max_records),
            record_limit: format!("{RECORD_LIMIT_MARK} {}", new.max_records),
            entry: new.logged_as.clone(),
        }
    }
}

/// The `n`th create's parameters, each name numbered (`$title_2`), so
/// every create in a transaction reads its own.
fn numbered_vars(new: &NewEvidence, n: usize, vars: &mut Object) -> StorageResult<Vec<String>> {
    let mut names = Vec::new();
    let frame = FrameVars::of(new).into_value();
    let write = write_vars(new.kind, new.write.clone()).into_value();
    for value in [frame, write] {
        let Db::Object(fields) = value else {
            return Err(anyhow!("a create's parameters are not an object").into());
        };
        for (name, value) in fields {
            vars.insert(format!("{name}_{n}"), value);
            names.push(name);
        }
    }
    Ok(names)
}

/// `statements` with each parameter in `names` numbered `n`.
fn with_numbered_parameters(statements: &str, names: &[String], n: usize) -> String {
    let mut out = String::with_capacity(statements.len() + 64);
    let mut rest = statements;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        out.push_str(name);
        if names.iter().any(|known| known == name) {
            out.push_str(&format!("_{n}"));
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

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
                    tokio::time::sleep(pause_before_retry(attempt)).await;
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
        let mut vars = Object::new();
        let mut sql = String::from("BEGIN TRANSACTION;\n");
        for (n, new) in batch.iter().enumerate() {
            let names = numbered_vars(new, n, &mut vars)?;
            sql.push_str(&with_numbered_parameters(
                &create_statements(new.kind),
                &names,
                n,
            ));
            sql.push_str(&format!("LET $row_{n} = $row;\n"));
        }
        let rows: Vec<String> = (0..batch.len()).map(|n| format!("$row_{n}")).collect();
        sql.push_str(&format!("[{}];\nCOMMIT TRANSACTION;", rows.join(", ")));
        let query = self.db().query(sql).bind(vars);
        let rows: Vec<EvidenceRow> = execute_returning_rows(query).await?;
        rows.into_iter().map(EvidenceRow::into_stored).collect()
    }
}

/// One create's statements, reading the record back into `$row`.
fn create_statements(kind: RecordKind) -> String {
    format!(
        "{}
         CREATE type::record($table, $id) SET owner = type::record('user', $owner), {},
             created_at = time::now(), updated_at = time::now(), version = 1 RETURN NONE;
         {}
         {}
         {}
         {APPEND}
         LET $row = (SELECT {FIELDS} FROM ONLY type::record($table, $id));\n",
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

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn retry_pauses_grow_from_four_milliseconds_to_a_tenth_of_a_second() {
        let windows = [
            4, 8, 16, 32, 64, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100,
        ];
        for (attempt, window) in (1..CREATE_ATTEMPTS).zip(windows) {
            let longest = (0..500)
                .map(|_| pause_before_retry(attempt).as_millis())
                .max();
            assert!(longest < Some(window), "try {attempt}: {longest:?}");
            assert!(longest >= Some(window / 2), "try {attempt}: {longest:?}");
        }
    }

    #[test]
    fn only_the_named_parameters_are_numbered() {
        let sql = "IF $id = $ids { LET $fo = $owner; } SET c = $content.course, e = $entry;";
        assert_eq!(
            with_numbered_parameters(sql, &names(&["id", "owner", "content", "entry"]), 3),
            "IF $id_3 = $ids { LET $fo = $owner_3; } SET c = $content_3.course, e = $entry_3;"
        );
        assert_eq!(with_numbered_parameters("$id", &names(&["id"]), 0), "$id_0");
        assert_eq!(
            with_numbered_parameters("no parameters", &names(&["id"]), 0),
            "no parameters"
        );
    }

    #[test]
    fn every_parameter_a_create_reads_is_bound_numbered() {
        for kind in RecordKind::ALL {
            parameters_are_bound_numbered(kind);
        }
    }

    fn parameters_are_bound_numbered(kind: RecordKind) {
        let new = NewEvidence {
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
        let mut vars = Object::new();
        let bound = numbered_vars(&new, 1, &mut vars).unwrap();
        let sql = with_numbered_parameters(&create_statements(kind), &bound, 1);
        let named = |prefix: &str| -> Vec<String> {
            sql.split(prefix)
                .skip(1)
                .map(|rest| {
                    rest.chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect()
                })
                .collect()
        };
        let set_here: Vec<String> = ["LET $", "FOR $", "|$"]
            .iter()
            .flat_map(|prefix| named(prefix))
            .collect();
        for name in named("$") {
            assert!(
                vars.get(&name).is_some() || set_here.contains(&name),
                "${name} is neither bound nor set by the statements"
            );
        }
        assert_eq!(vars.get("title_1"), Some(&Db::String("t".into())));
    }
}
