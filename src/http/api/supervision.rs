//! `/api/v1/supervision`: supervision records and their sign-off.

use crate::http::json_body::JsonBody;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use time::{Date, OffsetDateTime};

use super::Tag;
use super::evidence::WorkflowView;
use super::records::check_id;
use super::views::record::{PiiWarningView, pii_warnings};
use super::views::supervision::{AgreedActionView, SupervisionTypeView};
use crate::app::App;
use crate::app::AppResult;
use crate::domain::record::{Evidence, RecordKind};
use crate::domain::supervision::SupervisionDraft;
use crate::export::html::to_safe_html;
use crate::http::auth::BearerAuth;
use crate::http::text::Text;

pub struct SupervisionApi;

const KIND: RecordKind = RecordKind::Supervision;

/// A supervision session as the supervisee records it.
#[derive(Object)]
#[oai(deny_unknown_fields)]
struct SupervisionInput {
    /// The day of the session (YYYY-MM-DD), not in the future.
    date: Date,
    /// 1 to 600 minutes.
    duration_minutes: u32,
    supervision_type: SupervisionTypeView,
    /// The supervisor, if they are a cpdfolio user (they can countersign).
    supervisor_id: Option<Text>,
    /// Otherwise the supervisor's name…
    external_supervisor_name: Option<Text>,
    /// …and role.
    external_supervisor_role: Option<Text>,
    /// Up to 20 topics discussed.
    #[oai(default)]
    topics: Vec<Text>,
    /// Reflection on the session in Markdown (no patient-identifiable data).
    #[oai(default)]
    reflection: Text,
    #[oai(default)]
    safeguarding_discussed: bool,
    #[oai(default)]
    wellbeing_discussed: bool,
    /// Up to 50 agreed actions.
    #[oai(default)]
    actions: Vec<AgreedActionView>,
    next_date: Option<Date>,
}

impl From<SupervisionInput> for SupervisionDraft {
    fn from(i: SupervisionInput) -> Self {
        Self {
            date: i.date,
            duration_minutes: i.duration_minutes,
            supervision_type: i.supervision_type.into(),
            supervisor_id: i.supervisor_id.map(String::from),
            external_supervisor_name: i.external_supervisor_name.map(String::from),
            external_supervisor_role: i.external_supervisor_role.map(String::from),
            topics: i.topics.into_iter().map(String::from).collect(),
            reflection: i.reflection.into(),
            safeguarding_discussed: i.safeguarding_discussed,
            wellbeing_discussed: i.wellbeing_discussed,
            actions: i.actions.into_iter().map(Into::into).collect(),
            next_date: i.next_date,
        }
    }
}

#[derive(Object)]
struct SupervisionView {
    id: String,
    owner_id: String,
    title: String,
    date: Date,
    duration_minutes: u32,
    supervision_type: SupervisionTypeView,
    supervisor_id: Option<String>,
    external_supervisor_name: Option<String>,
    external_supervisor_role: Option<String>,
    topics: Vec<String>,
    reflection: String,
    reflection_html: String,
    safeguarding_discussed: bool,
    wellbeing_discussed: bool,
    actions: Vec<AgreedActionView>,
    next_date: Option<Date>,
    workflow: WorkflowView,
    /// Text that may identify a service user, not yet edited out or
    /// dismissed; exports refuse while any is open.
    pii_warnings: Vec<PiiWarningView>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    version: u32,
}

impl From<Evidence<SupervisionDraft>> for SupervisionView {
    fn from(e: Evidence<SupervisionDraft>) -> Self {
        let pii_warnings = pii_warnings(&e);
        let d = e.data;
        Self {
            pii_warnings,
            title: d.supervision_type.label().to_owned(),
            reflection_html: to_safe_html(&d.reflection),
            id: e.id,
            owner_id: e.owner_id,
            date: d.date,
            duration_minutes: d.duration_minutes,
            supervision_type: d.supervision_type.into(),
            supervisor_id: d.supervisor_id,
            external_supervisor_name: d.external_supervisor_name,
            external_supervisor_role: d.external_supervisor_role,
            topics: d.topics,
            reflection: d.reflection,
            safeguarding_discussed: d.safeguarding_discussed,
            wellbeing_discussed: d.wellbeing_discussed,
            actions: d.actions.into_iter().map(Into::into).collect(),
            next_date: d.next_date,
            workflow: e.workflow.into(),
            created_at: e.created_at,
            updated_at: e.updated_at,
            version: e.version,
        }
    }
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
struct ReturnInput {
    /// What the supervisee should change (1 to 5,000 characters).
    comment: Text,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
struct AddendumInput {
    /// The correction or note (1 to 5,000 characters).
    text: Text,
}

super::evidence::evidence_collection! {
    api: SupervisionApi,
    path: "/api/v1/supervision",
    tag: "Tag::Supervision",
    draft: SupervisionDraft,
    input: SupervisionInput,
    view: SupervisionView,
    page: SupervisionPage,
    /// Record a supervision session (the caller is the supervisee).
    create,
    /// Supervision records the caller may see: their own, those they
    /// supervise, and (for a lead) their team members'.
    list,
    /// Replace a draft or returned record (409 once submitted or signed).
    update,
    /// Delete a record that is not signed.
    delete,
}

/// Supervision steps beyond create, read, replace and delete.
pub struct SupervisionStepsApi;

#[OpenApi(prefix_path = "/api/v1/supervision", tag = "Tag::Supervision")]
impl SupervisionStepsApi {
    /// Send the record to the supervisor for countersigning.
    #[oai(path = "/:id/submit", method = "post")]
    async fn submit(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> AppResult<Json<SupervisionView>> {
        check_id(KIND, &id)?;
        Ok(Json(app.submit_supervision(&auth.0, &id).await?.into()))
    }

    /// Countersign a submitted record (the named supervisor only).
    #[oai(path = "/:id/sign-off", method = "post")]
    async fn sign_off(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> AppResult<Json<SupervisionView>> {
        check_id(KIND, &id)?;
        Ok(Json(app.sign_off_supervision(&auth.0, &id).await?.into()))
    }

    /// Return a submitted record to the supervisee with a comment.
    #[oai(path = "/:id/return", method = "post")]
    async fn return_record(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
        body: JsonBody<ReturnInput>,
    ) -> AppResult<Json<SupervisionView>> {
        check_id(KIND, &id)?;
        Ok(Json(
            app.return_supervision(&auth.0, &id, &body.0.comment.0)
                .await?
                .into(),
        ))
    }

    /// Add a correction or note; the signed content is kept as it was.
    #[oai(path = "/:id/addenda", method = "post")]
    async fn addendum(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
        body: JsonBody<AddendumInput>,
    ) -> AppResult<Json<SupervisionView>> {
        check_id(KIND, &id)?;
        Ok(Json(
            app.add_supervision_addendum(&auth.0, &id, &body.0.text.0)
                .await?
                .into(),
        ))
    }

    /// Close one agreed action (numbered from 0), also on a signed record.
    #[oai(path = "/:id/actions/:index/close", method = "post")]
    async fn close_action(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
        index: Path<u32>,
    ) -> AppResult<Json<SupervisionView>> {
        check_id(KIND, &id)?;
        let index = usize::try_from(index.0).unwrap_or(usize::MAX);
        Ok(Json(
            app.close_supervision_action(&auth.0, &id, index)
                .await?
                .into(),
        ))
    }
}
