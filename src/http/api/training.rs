//! `/api/v1/training`: statutory and mandatory training records, with the
//! expiry computed from the catalogue and verification by a lead.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use time::{Date, OffsetDateTime};

use super::Tag;
use super::evidence::WorkflowView;
use super::records::check_id;
use crate::app::App;
use crate::app::AppResult;
use crate::domain::record::{Evidence, RecordKind};
use crate::domain::training::{Imported, TrainingDraft};
use crate::http::auth::BearerAuth;
use crate::http::text::Text;

pub struct TrainingApi;

const KIND: RecordKind = RecordKind::Training;

#[derive(Object)]
#[oai(deny_unknown_fields)]
struct TrainingInput {
    /// A course key from `GET /api/v1/catalogue/training`.
    course: Text,
    /// The day it was completed, not in the future.
    completed_on: Date,
    /// Who delivered it (e.g. "e-Learning for Healthcare").
    #[oai(default)]
    provider: Text,
    /// Only when the certificate states its own expiry date.
    certificate_expires_on: Option<Date>,
    #[oai(default)]
    notes: Text,
}

impl From<TrainingInput> for TrainingDraft {
    fn from(i: TrainingInput) -> Self {
        Self {
            course: i.course.into(),
            completed_on: i.completed_on,
            provider: i.provider.into(),
            certificate_expires_on: i.certificate_expires_on,
            notes: i.notes.into(),
            course_title: String::new(),
            expires_on: None,
            imported: None,
        }
    }
}

#[derive(Object)]
struct TrainingView {
    id: String,
    owner_id: String,
    course: String,
    course_title: String,
    completed_on: Date,
    provider: String,
    certificate_expires_on: Option<Date>,
    /// From the certificate, or the catalogue's refresher interval in
    /// calendar months; absent when the course never expires.
    expires_on: Option<Date>,
    notes: String,
    /// Present when the record came from an import (e.g. an ESR export);
    /// an edit removes it.
    imported: Option<ImportedView>,
    workflow: WorkflowView,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    version: u32,
}

impl From<Evidence<TrainingDraft>> for TrainingView {
    fn from(e: Evidence<TrainingDraft>) -> Self {
        let d = e.data;
        Self {
            id: e.id,
            owner_id: e.owner_id,
            course: d.course,
            course_title: d.course_title,
            completed_on: d.completed_on,
            provider: d.provider,
            certificate_expires_on: d.certificate_expires_on,
            expires_on: d.expires_on,
            notes: d.notes,
            imported: d.imported.map(ImportedView::from),
            workflow: e.workflow.into(),
            created_at: e.created_at,
            updated_at: e.updated_at,
            version: e.version,
        }
    }
}

/// Where an imported record came from.
#[derive(Object)]
struct ImportedView {
    /// `esr`: the NHS Electronic Staff Record.
    source: String,
    /// The day it was imported.
    on: Date,
}

impl From<Imported> for ImportedView {
    fn from(i: Imported) -> Self {
        Self {
            source: i.source.as_str().to_owned(),
            on: i.on,
        }
    }
}

super::evidence::evidence_collection! {
    api: TrainingApi,
    path: "/api/v1/training",
    tag: "Tag::Training",
    draft: TrainingDraft,
    input: TrainingInput,
    view: TrainingView,
    page: TrainingPage,
    /// Record a completed course; the expiry date is computed.
    create,
    /// Training records the caller may see: their own and (for a lead)
    /// their team members', newest completion first.
    list,
    /// Replace a record (clears any verification).
    update,
    /// Delete a record with its history and attachments.
    delete,
}

/// Training steps beyond create, read, replace and delete.
pub struct TrainingStepsApi;

#[OpenApi(prefix_path = "/api/v1/training", tag = "Tag::Training")]
impl TrainingStepsApi {
    /// Mark a team member's record verified (a lead of their team only).
    #[oai(path = "/:id/verify", method = "post")]
    async fn verify(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> AppResult<Json<TrainingView>> {
        check_id(KIND, &id)?;
        Ok(Json(app.verify_training(&auth.0, &id).await?.into()))
    }
}
