//! `/api/v1/audits`: clinical audits, service evaluations and quality
//! improvement work.

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
use crate::domain::audit::{AuditDraft, AuditKind};
use crate::domain::record::{Evidence, RecordKind};
use crate::http::auth::BearerAuth;
use crate::http::text::Text;
use crate::markdown::to_safe_html;

pub struct AuditsApi;

const KIND: RecordKind = RecordKind::Audit;

#[derive(Object)]
#[oai(deny_unknown_fields)]
struct AuditInput {
    /// 1 to 200 characters.
    title: Text,
    audit_kind: AuditKind,
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
            audit_kind: i.audit_kind,
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
    audit_kind: AuditKind,
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
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    version: u32,
}

impl From<Evidence<AuditDraft>> for AuditView {
    fn from(e: Evidence<AuditDraft>) -> Self {
        let d = e.data;
        Self {
            findings_html: to_safe_html(&d.findings),
            actions_html: to_safe_html(&d.actions),
            id: e.id,
            owner_id: e.owner_id,
            title: d.title,
            audit_kind: d.audit_kind,
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

#[derive(Object)]
struct AuditPage {
    items: Vec<AuditView>,
    total: u64,
    limit: u32,
    offset: u32,
}

#[derive(ApiResponse)]
enum Created {
    /// Created.
    #[oai(status = 201)]
    Created(Json<AuditView>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
enum Deleted {
    /// Deleted.
    #[oai(status = 204)]
    Deleted,
}

#[OpenApi(prefix_path = "/api/v1/audits", tag = "Tag::Audits")]
impl AuditsApi {
    /// Record an audit or quality-improvement project.
    #[oai(path = "/", method = "post")]
    async fn create(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        body: Json<AuditInput>,
    ) -> AppResult<Created> {
        let stored = app
            .create_evidence::<AuditDraft>(&auth.0, body.0.into())
            .await?;
        let location = format!("/api/v1/audits/{}", stored.id);
        Ok(Created::Created(Json(stored.into()), location))
    }

    /// Audit records the caller may see: their own and (for a lead) their
    /// team members'. Dated by completion, or start while ongoing.
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
    ) -> AppResult<Json<AuditPage>> {
        let f = filter(owner.0, from.0, to.0, limit.0, offset.0);
        let (items, total) = app.list_evidence::<AuditDraft>(&auth.0, &f).await?;
        Ok(Json(AuditPage {
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
    ) -> AppResult<Json<AuditView>> {
        check_id(KIND, &id)?;
        Ok(Json(
            app.evidence::<AuditDraft>(&auth.0, &id).await?.0.into(),
        ))
    }

    #[oai(path = "/:id", method = "put")]
    async fn update(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<AuditInput>,
    ) -> AppResult<Json<AuditView>> {
        check_id(KIND, &id)?;
        Ok(Json(
            app.update_evidence::<AuditDraft>(&auth.0, &id, body.0.into())
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
        app.delete_evidence::<AuditDraft>(&auth.0, &id).await?;
        Ok(Deleted::Deleted)
    }
}
