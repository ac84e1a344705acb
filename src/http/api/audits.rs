//! `/api/v1/audits`: clinical audits, service evaluations and quality
//! improvement work.

use poem_openapi::Object;
use time::{Date, OffsetDateTime};

use super::Tag;
use super::evidence::WorkflowView;
use super::views::audit::AuditKindView;
use super::views::record::{PiiWarningView, pii_warnings};
use crate::domain::audit::AuditDraft;
use crate::domain::record::Evidence;
use crate::export::html::to_safe_html;
use crate::http::text::Text;

pub struct AuditsApi;

#[derive(Object)]
#[oai(deny_unknown_fields)]
struct AuditInput {
    /// 1 to 200 characters.
    title: Text,
    audit_kind: AuditKindView,
    /// What I did (e.g. "lead auditor", "data collection").
    #[oai(default)]
    my_role: Text,
    /// The standard or guideline audited against (e.g. "NICE NG222").
    #[oai(default)]
    standard: Text,
    started_on: Date,
    completed_on: Option<Date>,
    /// Outcome measures used, e.g. COPM, MOHOST, WEMWBS, PHQ-9, GAD-7.
    #[oai(default)]
    outcome_measures: Vec<Text>,
    /// Findings in Markdown.
    #[oai(default)]
    findings: Text,
    /// Actions arising, in Markdown.
    #[oai(default)]
    actions: Text,
    reaudit_due: Option<Date>,
}

impl From<AuditInput> for AuditDraft {
    fn from(i: AuditInput) -> Self {
        Self {
            title: i.title.into(),
            audit_kind: i.audit_kind.into(),
            my_role: i.my_role.into(),
            standard: i.standard.into(),
            started_on: i.started_on,
            completed_on: i.completed_on,
            outcome_measures: i.outcome_measures.into_iter().map(String::from).collect(),
            findings: i.findings.into(),
            actions: i.actions.into(),
            reaudit_due: i.reaudit_due,
        }
    }
}

#[derive(Object)]
struct AuditView {
    id: String,
    owner_id: String,
    title: String,
    audit_kind: AuditKindView,
    my_role: String,
    standard: String,
    started_on: Date,
    completed_on: Option<Date>,
    outcome_measures: Vec<String>,
    findings: String,
    findings_html: String,
    actions: String,
    actions_html: String,
    reaudit_due: Option<Date>,
    workflow: WorkflowView,
    /// Text that may identify a service user, not yet edited out or
    /// dismissed; exports refuse while any is open.
    pii_warnings: Vec<PiiWarningView>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    version: u32,
}

impl From<Evidence<AuditDraft>> for AuditView {
    fn from(e: Evidence<AuditDraft>) -> Self {
        let pii_warnings = pii_warnings(&e);
        let d = e.data;
        Self {
            pii_warnings,
            findings_html: to_safe_html(&d.findings),
            actions_html: to_safe_html(&d.actions),
            id: e.id,
            owner_id: e.owner_id,
            title: d.title,
            audit_kind: d.audit_kind.into(),
            my_role: d.my_role,
            standard: d.standard,
            started_on: d.started_on,
            completed_on: d.completed_on,
            outcome_measures: d.outcome_measures,
            findings: d.findings,
            actions: d.actions,
            reaudit_due: d.reaudit_due,
            workflow: e.workflow.into(),
            created_at: e.created_at,
            updated_at: e.updated_at,
            version: e.version,
        }
    }
}

super::evidence::evidence_collection! {
    api: AuditsApi,
    path: "/api/v1/audits",
    tag: "Tag::Audits",
    draft: AuditDraft,
    input: AuditInput,
    view: AuditView,
    page: AuditPage,
    /// Record an audit or quality-improvement project.
    create,
    /// Audit records the caller may see: their own and (for a lead) their
    /// team members'. Dated by completion, or start while ongoing.
    list,

    update,
    /// Delete a record with its history and attachments.
    delete,
}
