//! Restoring a person's exported record into their (empty) account: every
//! record with its id, dates, version and earlier versions as they were,
//! its attachments' rows, and the derived rows a create keeps (team rows,
//! compliance facts, the record tally), all in one transaction, so an
//! import lands whole or not at all. The attached files are in the blob
//! store before this runs; if it fails they are swept as unused.

use serde_json::{Map, Value};
use surrealdb::types::{SurrealValue, Value as Db};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::error::StorageResult;
use super::evidence::{EvidenceWrite, SIGNOFF_TIMES, VERIFICATION_TIMES, content_dates, typed};
use super::{Store, compliance_facts, execute, team_records};
use crate::domain::dates::iso;
use crate::domain::record::RecordKind;

/// One earlier version: its snapshot as exported.
pub struct RestoredVersion {
    pub version: u32,
    pub replaced_at: OffsetDateTime,
    pub replaced_by: String,
    pub schema_version: u32,
    pub fields: Map<String, Value>,
}

/// A record's frame as it was on the server it came from.
pub struct RestoredFrame {
    pub id: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: u32,
    pub pii_dismissed: Vec<String>,
    pub versions: Vec<RestoredVersion>,
}

/// An attachment's row, its file already in the blob store.
#[derive(Debug, Clone, SurrealValue)]
pub struct RestoredAttachment {
    pub id: String,
    pub kind: String,
    pub record: String,
    pub sha256: String,
    pub file_name: String,
    pub size: i64,
    pub media_type: String,
    pub created_at: String,
}

#[derive(SurrealValue)]
struct VersionRow {
    version: i64,
    replaced_at: String,
    replaced_by: String,
    snapshot: Db,
}

#[derive(SurrealValue)]
struct RecordRow {
    id: String,
    supervisor: Option<String>,
    date: String,
    title: String,
    content: Db,
    signoff: Db,
    verification: Option<Db>,
    created_at: String,
    updated_at: String,
    version: i64,
    pii_dismissed: Vec<String>,
    pii_open: i64,
    versions: Vec<VersionRow>,
}

/// The records of one kind to restore, in database terms.
pub struct RestoredKind {
    kind: RecordKind,
    rows: Vec<RecordRow>,
}

fn stamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

impl RestoredKind {
    pub fn new(kind: RecordKind) -> Self {
        Self {
            kind,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, frame: RestoredFrame, write: EvidenceWrite) {
        let versions = frame
            .versions
            .into_iter()
            .map(|v| {
                let mut fields = v.fields;
                // Rows written before typed records had no schema version.
                if v.schema_version != 1 {
                    fields.insert("schema_version".into(), Value::from(v.schema_version));
                }
                VersionRow {
                    version: i64::from(v.version),
                    replaced_at: stamp(v.replaced_at),
                    replaced_by: v.replaced_by,
                    snapshot: typed(Value::Object(fields), &[]),
                }
            })
            .collect();
        self.rows.push(RecordRow {
            id: frame.id,
            supervisor: write.supervisor_id,
            date: iso(write.date),
            title: write.title,
            content: typed(write.data, content_dates(self.kind)),
            signoff: typed(write.signoff, SIGNOFF_TIMES),
            verification: write.verification.map(|v| typed(v, VERIFICATION_TIMES)),
            created_at: stamp(frame.created_at),
            updated_at: stamp(frame.updated_at),
            version: i64::from(frame.version),
            pii_dismissed: frame.pii_dismissed,
            pii_open: i64::from(write.pii_open),
            versions,
        });
    }

    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The statements that create this kind's records from `$records_N`.
    fn statements(&self, n: usize) -> String {
        let kind = self.kind;
        let mut set = "owner = type::record('user', $owner),
            supervisor = IF $r.supervisor = NONE { NONE } ELSE { type::record('user', $r.supervisor) },
            date = <datetime> $r.date, title = $r.title, content = $r.content, schema_version = 2,
            created_at = <datetime> $r.created_at, updated_at = <datetime> $r.updated_at,
            version = $r.version, pii_dismissed = $r.pii_dismissed, pii_open = $r.pii_open"
            .to_owned();
        if kind.signs_off() {
            set.push_str(", signoff = $r.signoff");
        }
        if kind.is_verified() {
            set.push_str(", verification = $r.verification");
        }
        format!(
            "FOR $r IN $records_{n} {{
                LET $table = '{table}';
                LET $id = $r.id;
                LET $date = $r.date;
                CREATE type::record($table, $id) SET {set};
                {team}
                FOR $v IN $r.versions {{
                    CREATE record_version SET kind = $table, record = $id, version = $v.version,
                        replaced_at = <datetime> $v.replaced_at,
                        replaced_by = type::record('user', $v.replaced_by), snapshot = $v.snapshot;
                }};
                CREATE access_log SET at = time::now(), actor = type::record('user', $owner),
                    owner = type::record('user', $owner), kind = $table, record = $id, action = 'import';
            }};",
            table = kind.as_str(),
            team = team_records::on_create(kind),
        )
    }
}

impl Store {
    /// Creates every restored record and attachment row for `owner`, with
    /// the team rows, compliance facts and tally a create keeps, in one
    /// transaction.
    pub async fn restore_portfolio(
        &self,
        owner: &str,
        kinds: Vec<RestoredKind>,
        attachments: Vec<RestoredAttachment>,
    ) -> StorageResult<()> {
        let total: usize = kinds.iter().map(RestoredKind::len).sum();
        let loops: Vec<String> = kinds
            .iter()
            .enumerate()
            .map(|(n, k)| k.statements(n))
            .collect();
        let query = format!(
            "BEGIN TRANSACTION;
             {loops}
             FOR $a IN $attachments {{
                 CREATE type::record('attachment', $a.id) SET owner = type::record('user', $owner),
                     kind = $a.kind, record = $a.record, sha256 = $a.sha256, file_name = $a.file_name,
                     size = $a.size, media_type = $a.media_type, created_at = <datetime> $a.created_at;
             }};
             LET $fo = type::record('user', $owner);
             {facts}
             fn::tally_record($fo, $total);
             COMMIT TRANSACTION;",
            loops = loops.join("\n"),
            facts = compliance_facts::refresh_all(),
        );
        let mut request = self
            .db()
            .query(query)
            .bind(("owner", owner.to_owned()))
            .bind(("attachments", attachments))
            .bind(("total", i64::try_from(total).unwrap_or(i64::MAX)));
        for (n, kind) in kinds.into_iter().enumerate() {
            request = request.bind((format!("records_{n}"), kind.rows));
        }
        execute(request).await
    }
}
