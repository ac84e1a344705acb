//! `/api/v1/training`: statutory and mandatory training records, with the
//! expiry computed from the catalogue and verification by a lead.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use time::{Date, OffsetDateTime};

use super::Tag;
use super::evidence::{WorkflowView, filter};
use super::records::check_id;
use crate::app::App;
use crate::app::AppResult;
use crate::domain::record::{Evidence, RecordKind};
use crate::domain::training::TrainingDraft;
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
            workflow: e.workflow.into(),
            created_at: e.created_at,
            updated_at: e.updated_at,
            version: e.version,
        }
    }
}

#[derive(Object)]
struct TrainingPage {
    items: Vec<TrainingView>,
    total: u64,
    limit: u32,
    offset: u32,
}

#[derive(ApiResponse)]
enum Created {
    /// Created.
    #[oai(status = 201)]
    Created(Json<TrainingView>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
enum Deleted {
    /// Deleted.
    #[oai(status = 204)]
    Deleted,
}

#[OpenApi(prefix_path = "/api/v1/training", tag = "Tag::Training")]
impl TrainingApi {
    /// Record a completed course; the expiry date is computed.
    #[oai(path = "/", method = "post")]
    async fn create(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        body: Json<TrainingInput>,
    ) -> AppResult<Created> {
        let stored = app
            .create_evidence::<TrainingDraft>(&auth.0, body.0.into())
            .await?;
        let location = format!("/api/v1/training/{}", stored.id);
        Ok(Created::Created(Json(stored.into()), location))
    }

    /// Training records the caller may see: their own and (for a lead)
    /// their team members', newest completion first.
    #[oai(path = "/", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        /// Only this user's records.
        owner: Query<Option<String>>,
        from: Query<Option<Date>>,
        to: Query<Option<Date>>,
        /// Page size, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        #[oai(validator(maximum(value = "1000000")))] offset: Query<Option<u32>>,
    ) -> AppResult<Json<TrainingPage>> {
        let f = filter(owner.0, from.0, to.0, limit.0, offset.0);
        let (items, total) = app.list_evidence::<TrainingDraft>(&auth.0, &f).await?;
        Ok(Json(TrainingPage {
            items: items.into_iter().map(Into::into).collect(),
            total,
            limit: f.limit,
            offset: f.offset,
        }))
    }

    #[oai(path = "/:id", method = "get")]
    async fn get(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> AppResult<Json<TrainingView>> {
        check_id(KIND, &id)?;
        Ok(Json(
            app.evidence::<TrainingDraft>(&auth.0, &id).await?.0.into(),
        ))
    }

    /// Replace a record (clears any verification).
    #[oai(path = "/:id", method = "put")]
    async fn update(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<TrainingInput>,
    ) -> AppResult<Json<TrainingView>> {
        check_id(KIND, &id)?;
        Ok(Json(
            app.update_evidence::<TrainingDraft>(&auth.0, &id, body.0.into())
                .await?
                .into(),
        ))
    }

    #[oai(path = "/:id", method = "delete")]
    async fn delete(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> AppResult<Deleted> {
        check_id(KIND, &id)?;
        app.delete_evidence::<TrainingDraft>(&auth.0, &id).await?;
        Ok(Deleted::Deleted)
    }

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
