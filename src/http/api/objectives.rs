//! `/api/v1/objectives`: the personal development plan, one objective a
//! record (what, why, how, by when, status, progress, linked evidence),
//! with the history, attachments and privacy of every other kind.

use poem_openapi::Object;
use time::{Date, OffsetDateTime};

use super::Tag;
use super::views::objective::ObjectiveStatusView;
use super::views::record::{PiiWarningView, RecordLinkView, pii_warnings};
use crate::domain::objective::ObjectiveDraft;
use crate::domain::record::{Evidence, RecordLink};
use crate::export::html::to_safe_html;
use crate::http::text::Text;

pub struct ObjectivesApi;

#[derive(Object)]
#[oai(deny_unknown_fields)]
struct ObjectiveInput {
    /// What I will develop: 1 to 200 characters.
    title: Text,
    /// Why: the need it meets, in Markdown (at most 10,000 characters).
    #[oai(default)]
    why: Text,
    /// How: the activities and support planned, in Markdown.
    #[oai(default)]
    how: Text,
    /// When it was agreed (usually the appraisal); not in the future.
    agreed_on: Date,
    /// By when; not before `agreed_on`.
    due_on: Date,
    #[oai(default)]
    status: Option<ObjectiveStatusView>,
    /// What has been done so far, in Markdown.
    #[oai(default)]
    progress: Text,
    /// Up to 20 of the caller's reflections, supervision, audits or
    /// training records that evidence it.
    #[oai(default)]
    evidence: Vec<RecordLinkView>,
}

impl From<ObjectiveInput> for ObjectiveDraft {
    fn from(i: ObjectiveInput) -> Self {
        Self {
            title: i.title.into(),
            why: i.why.into(),
            how: i.how.into(),
            agreed_on: i.agreed_on,
            due_on: i.due_on,
            status: i.status.map(Into::into).unwrap_or_default(),
            progress: i.progress.into(),
            evidence: i.evidence.into_iter().map(RecordLink::from).collect(),
        }
    }
}

#[derive(Object)]
struct ObjectiveView {
    id: String,
    owner_id: String,
    title: String,
    why: String,
    why_html: String,
    how: String,
    how_html: String,
    agreed_on: Date,
    due_on: Date,
    status: ObjectiveStatusView,
    progress: String,
    progress_html: String,
    /// Empty for readers other than the owner.
    evidence: Vec<RecordLinkView>,
    /// Text that may identify a service user, not yet edited out or
    /// dismissed; exports refuse while any is open.
    pii_warnings: Vec<PiiWarningView>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    version: u32,
}

impl From<Evidence<ObjectiveDraft>> for ObjectiveView {
    fn from(e: Evidence<ObjectiveDraft>) -> Self {
        let pii_warnings = pii_warnings(&e);
        let d = e.data;
        Self {
            pii_warnings,
            why_html: to_safe_html(&d.why),
            how_html: to_safe_html(&d.how),
            progress_html: to_safe_html(&d.progress),
            id: e.id,
            owner_id: e.owner_id,
            title: d.title,
            why: d.why,
            how: d.how,
            agreed_on: d.agreed_on,
            due_on: d.due_on,
            status: d.status.into(),
            progress: d.progress,
            evidence: d.evidence.into_iter().map(Into::into).collect(),
            created_at: e.created_at,
            updated_at: e.updated_at,
            version: e.version,
        }
    }
}

super::evidence::evidence_collection! {
    api: ObjectivesApi,
    path: "/api/v1/objectives",
    tag: "Tag::Objectives",
    draft: ObjectiveDraft,
    input: ObjectiveInput,
    view: ObjectiveView,
    page: ObjectivePage,
    /// Add an objective to the caller's development plan.
    create,
    /// The caller's objectives, by due date, latest first. Private: a lead
    /// sees them only in an appraisal pack the owner shares.
    list,

    update,
    /// Delete an objective with its history and attachments.
    delete,
}
