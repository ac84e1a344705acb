//! Past versions of records. Every update keeps the row it replaces as a
//! snapshot, tagged with the schema it was written under. Reading one
//! upgrades it a schema at a time to the current shape, then decodes it to
//! the kind's content type; a snapshot that cannot be read is reported as
//! undecodable (with the schema and the reason), never as an error.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::record::{EvidenceData, RecordKind, SignOff, Verification, Workflow};

/// The schema records are written under today (set by migration 0003).
pub const CURRENT_SCHEMA: u32 = 2;

/// A replaced version as it is stored: the schema it was written under and
/// its fields as JSON (dates inside `content` as `YYYY-MM-DD`, instants as
/// RFC 3339 text). Rows written before migration 0003 carry no schema
/// version: they are schema 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub schema_version: u32,
    pub fields: Map<String, Value>,
}

/// One replaced version: its snapshot, and who replaced it when.
#[derive(Debug, Clone)]
pub struct PastVersion {
    pub version: u32,
    pub replaced_at: OffsetDateTime,
    pub replaced_by: String,
    pub snapshot: Snapshot,
}

/// A past version read as the kind's content and its workflow state.
#[derive(Debug, Clone, PartialEq)]
pub struct Version<D> {
    pub data: D,
    pub workflow: Workflow,
}

/// Why a snapshot could not be read: the schema it claims and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecodable {
    pub schema_version: u32,
    pub reason: String,
}

impl Snapshot {
    /// The snapshot upgraded to the current schema and decoded to `D`.
    pub fn decode<D: EvidenceData>(self) -> Result<Version<D>, Undecodable> {
        let schema_version = self.schema_version;
        upgrade(D::KIND, schema_version, self.fields)
            .and_then(decode_current)
            .map_err(|reason| Undecodable {
                schema_version,
                reason,
            })
    }
}

/// Upgrades the fields of a snapshot written under `schema` to the current
/// schema, one step at a time.
pub fn upgrade(
    kind: RecordKind,
    schema: u32,
    mut fields: Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    if schema > CURRENT_SCHEMA {
        return Err(format!(
            "written under schema {schema}, newer than this release's {CURRENT_SCHEMA}"
        ));
    }
    for from in schema..CURRENT_SCHEMA {
        fields = match from {
            1 => schema_1_to_2(kind, fields)?,
            _ => return Err(format!("there is no upgrade from schema {from}")),
        };
    }
    Ok(fields)
}

/// Schema 1 kept a reflection's fields on the row itself (its date as an
/// instant at midnight UTC) and every other kind's under `data`, with
/// sign-off and verification together under `flow`. Schema 2 keeps the
/// kind's fields under `content`, sign-off under `signoff` (supervision)
/// and verification under `verification` (training), filling what schema 1
/// could leave out as migration 0003 did.
pub fn schema_1_to_2(
    kind: RecordKind,
    mut fields: Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    let content = match kind {
        RecordKind::Reflection => {
            let mut content = Map::new();
            for key in [
                "title",
                "activity_date",
                "activity_type",
                "hours",
                "model",
                "body",
                "learning",
                "impact",
                "benefit",
                "tags",
                "standards",
                "links",
            ] {
                if let Some(value) = fields.remove(key) {
                    content.insert(key.to_owned(), value);
                }
            }
            if let Some(Value::String(date)) = content.get_mut("activity_date") {
                date.truncate(10);
            }
            with_defaults(content, &[("links", Value::Array(Vec::new()))])
        }
        RecordKind::Supervision => {
            let mut content = object(fields.remove("data"), "data")?;
            if let Some(Value::Array(actions)) = content.get_mut("actions") {
                for action in actions.iter_mut() {
                    if let Value::Object(a) = action {
                        let filled = with_defaults(
                            std::mem::take(a),
                            &[("owner", text("")), ("status", text("open"))],
                        );
                        *a = filled;
                    }
                }
            }
            with_defaults(
                content,
                &[
                    ("topics", Value::Array(Vec::new())),
                    ("reflection", text("")),
                    ("safeguarding_discussed", Value::Bool(false)),
                    ("wellbeing_discussed", Value::Bool(false)),
                    ("actions", Value::Array(Vec::new())),
                ],
            )
        }
        RecordKind::Audit => with_defaults(
            object(fields.remove("data"), "data")?,
            &[
                ("my_role", text("")),
                ("standard", text("")),
                ("outcome_measures", Value::Array(Vec::new())),
                ("findings", text("")),
                ("actions", text("")),
            ],
        ),
        RecordKind::Training => with_defaults(
            object(fields.remove("data"), "data")?,
            &[
                ("course_title", text("")),
                ("provider", text("")),
                ("notes", text("")),
            ],
        ),
        RecordKind::Objective => {
            return Err("objectives were never written under schema 1".to_owned());
        }
    };
    out.insert("content".to_owned(), Value::Object(content));
    let flow = match fields.remove("flow") {
        None | Some(Value::Null) => Map::new(),
        flow => object(flow, "flow")?,
    };
    if kind.signs_off() {
        let mut sign_off = Map::new();
        for key in [
            "status",
            "return_comment",
            "signed_by",
            "signed_at",
            "addenda",
        ] {
            if let Some(value) = flow.get(key) {
                sign_off.insert(key.to_owned(), value.clone());
            }
        }
        out.insert("signoff".to_owned(), Value::Object(sign_off));
    }
    if kind.is_verified() && !flow.get("verified_by").is_none_or(Value::is_null) {
        let mut verification = Map::new();
        for key in ["verified_by", "verified_at"] {
            if let Some(value) = flow.get(key) {
                verification.insert(key.to_owned(), value.clone());
            }
        }
        out.insert("verification".to_owned(), Value::Object(verification));
    }
    Ok(out)
}

fn text(s: &str) -> Value {
    Value::String(s.to_owned())
}

fn object(value: Option<Value>, name: &str) -> Result<Map<String, Value>, String> {
    match value {
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(format!("`{name}` is not an object")),
        None => Err(format!("`{name}` is missing")),
    }
}

/// The object without its nulls (absent and null both mean "not set"),
/// with `defaults` for the fields that are not set.
fn with_defaults(map: Map<String, Value>, defaults: &[(&str, Value)]) -> Map<String, Value> {
    let mut map: Map<String, Value> = map.into_iter().filter(|(_, v)| !v.is_null()).collect();
    for (key, value) in defaults {
        if !map.contains_key(*key) {
            map.insert((*key).to_owned(), value.clone());
        }
    }
    map
}

/// Reads the fields of a current-schema snapshot.
fn decode_current<D: EvidenceData>(mut fields: Map<String, Value>) -> Result<Version<D>, String> {
    let content = fields
        .remove("content")
        .ok_or_else(|| "`content` is missing".to_owned())?;
    let data: D = serde_json::from_value(Value::Object(with_defaults(
        object(Some(content), "content")?,
        &[],
    )))
    .map_err(|e| format!("`content` is not a {}: {e}", D::KIND.label()))?;
    let sign_off: SignOff = match fields.remove("signoff") {
        None | Some(Value::Null) => SignOff::default(),
        Some(value) => {
            serde_json::from_value(value).map_err(|e| format!("`signoff` cannot be read: {e}"))?
        }
    };
    let verification: Option<Verification> = match fields.remove("verification") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            serde_json::from_value(value)
                .map_err(|e| format!("`verification` cannot be read: {e}"))?,
        ),
    };
    Ok(Version {
        data,
        workflow: Workflow {
            sign_off,
            verification,
        },
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::{date, datetime};

    use super::*;
    use crate::domain::audit::AuditDraft;
    use crate::domain::record::{RecordKind, SignOffStatus};
    use crate::domain::reflection::ReflectionDraft;
    use crate::domain::supervision::{ActionStatus, SupervisionDraft};
    use crate::domain::training::TrainingDraft;

    fn snapshot(schema_version: u32, fields: Value) -> Snapshot {
        let Value::Object(fields) = fields else {
            panic!("fields must be an object");
        };
        Snapshot {
            schema_version,
            fields,
        }
    }

    #[test]
    fn a_schema_1_reflection_moves_its_fields_into_content() {
        let old = snapshot(
            1,
            json!({
                "title": "Graded exposure", "activity_date": "2025-06-01T00:00:00Z",
                "activity_type": "work_based_learning", "hours": 1.5, "model": "gibbs",
                "body": "Small steps.", "learning": "", "impact": "", "benefit": "",
                "tags": ["anxiety"], "standards": [8], "version": 1,
                "created_at": "2025-06-01T09:00:00Z",
            }),
        );
        let v = old.decode::<ReflectionDraft>().unwrap();
        assert_eq!(v.data.title, "Graded exposure");
        assert_eq!(v.data.activity_date, date!(2025 - 06 - 01));
        assert_eq!(v.data.links, []);
        assert_eq!(v.workflow, Workflow::default());
    }

    #[test]
    fn a_schema_1_supervision_splits_flow_into_sign_off_and_fills_defaults() {
        let old = snapshot(
            1,
            json!({
                "date": "2025-05-02", "title": "Clinical supervision",
                "data": {"date": "2025-05-02", "duration_minutes": 60,
                    "supervision_type": "clinical", "supervisor_id": "jo",
                    "external_supervisor_name": null, "reflection": "First draft.",
                    "actions": [{"text": "Read the policy", "due": null}]},
                "flow": {"status": "submitted", "verified_by": null},
            }),
        );
        let v = old.decode::<SupervisionDraft>().unwrap();
        assert_eq!(v.data.reflection, "First draft.");
        assert_eq!(v.data.topics, Vec::<String>::new());
        assert!(!v.data.safeguarding_discussed);
        assert_eq!(v.data.actions[0].owner, "");
        assert_eq!(v.data.actions[0].status, ActionStatus::Open);
        assert_eq!(v.workflow.sign_off.status, SignOffStatus::Submitted);
        assert_eq!(v.workflow.verification, None);
    }

    #[test]
    fn a_schema_1_training_keeps_its_verification() {
        let old = snapshot(
            1,
            json!({
                "data": {"course": "fire-safety-l1", "completed_on": "2025-01-31",
                    "expires_on": "2026-01-31"},
                "flow": {"status": "draft", "verified_by": "lead",
                    "verified_at": "2025-02-01T12:00:00Z"},
            }),
        );
        let v = old.decode::<TrainingDraft>().unwrap();
        assert_eq!(v.data.course, "fire-safety-l1");
        assert_eq!(v.data.provider, "");
        let verification = v.workflow.verification.unwrap();
        assert_eq!(verification.verified_by, "lead");
        assert_eq!(verification.verified_at, datetime!(2025-02-01 12:00 UTC));
    }

    #[test]
    fn a_schema_1_audit_without_flow_is_not_verified_or_signed() {
        let old = snapshot(
            1,
            json!({"data": {"title": "Falls audit", "audit_kind": "clinical_audit",
                "started_on": "2025-03-01"}}),
        );
        let v = old.decode::<AuditDraft>().unwrap();
        assert_eq!(v.data.findings, "");
        assert_eq!(v.workflow, Workflow::default());
    }

    #[test]
    fn a_current_snapshot_decodes_without_upgrade() {
        let current = snapshot(
            2,
            json!({
                "title": "Falls audit", "schema_version": 2, "recency": -20000,
                "content": {"title": "Falls audit", "audit_kind": "re_audit", "my_role": "",
                    "standard": "", "started_on": "2025-03-01", "completed_on": null,
                    "outcome_measures": [], "findings": "", "actions": ""},
            }),
        );
        let v = current.decode::<AuditDraft>().unwrap();
        assert_eq!(v.data.completed_on, None);
    }

    #[test]
    fn a_snapshot_that_cannot_be_read_says_which_schema_and_why() {
        let partial = snapshot(1, json!({"data": {"reflection": "First draft."}}));
        let e = partial.decode::<SupervisionDraft>().unwrap_err();
        assert_eq!(e.schema_version, 1);
        assert!(e.reason.contains("missing field `date`"), "{}", e.reason);

        let future = snapshot(3, json!({"content": {}}));
        let e = future.decode::<AuditDraft>().unwrap_err();
        assert_eq!(
            e.reason,
            "written under schema 3, newer than this release's 2"
        );

        let unknown = snapshot(0, json!({}));
        let e = unknown.decode::<AuditDraft>().unwrap_err();
        assert_eq!(e.reason, "there is no upgrade from schema 0");

        let not_an_object = snapshot(1, json!({"data": "text"}));
        let e = not_an_object.decode::<AuditDraft>().unwrap_err();
        assert_eq!(e.reason, "`data` is not an object");
        assert_eq!(
            schema_1_to_2(RecordKind::Audit, Map::new()).unwrap_err(),
            "`data` is missing"
        );
    }
}
