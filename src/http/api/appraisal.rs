//! The appraisal pack: the caller's own (JSON, HTML or PDF), who it is
//! shared with, and a member's pack for a lead they shared it with.

use poem::http::header;
use poem::web::Data;
use poem::{IntoResponse, Response};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use time::Date;

use super::Tag;
use super::views::objective::ObjectiveStatusView;
use super::views::reflection::ActivityTypeView;
use crate::app::{App, AppResult, PackReader, PackRequest};
use crate::domain::appraisal::AppraisalPack;
use crate::export::appraisal::pack_html;
use crate::http::auth::BearerAuth;

pub struct AppraisalApi;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
enum PackFormat {
    Json,
    Html,
    Pdf,
}

#[derive(Object)]
#[oai(rename = "AppraisalHours")]
struct HoursView {
    activity_type: ActivityTypeView,
    activities: u64,
    hours: f64,
}

#[derive(Object)]
#[oai(rename = "AppraisalSession")]
struct SessionView {
    record_id: String,
    date: Date,
    minutes: u32,
    supervision_type: String,
    signed: bool,
    /// "Signed off by … on …", or where the sign-off stands.
    sign_off: String,
}

#[derive(Object)]
#[oai(rename = "AppraisalCompliance")]
struct ComplianceView {
    title: String,
    /// compliant, due_soon, overdue or missing.
    status: String,
    due_on: Option<Date>,
}

#[derive(Object)]
#[oai(rename = "AppraisalAudit")]
struct AuditView {
    record_id: String,
    title: String,
    kind: String,
    started_on: Date,
    completed_on: Option<Date>,
}

#[derive(Object)]
#[oai(rename = "AppraisalReflection")]
struct ReflectionView {
    record_id: String,
    date: Date,
    title: String,
    learning: String,
    impact: String,
}

#[derive(Object)]
#[oai(rename = "AppraisalObjective")]
struct ObjectiveView {
    record_id: String,
    title: String,
    agreed_on: Date,
    due_on: Date,
    status: ObjectiveStatusView,
    progress: String,
    /// Still open on the last day of the period and past its due date.
    overdue: bool,
    /// How many records it cites as evidence.
    evidence: u64,
}

/// The year of a person's development, for their appraisal.
#[derive(Object)]
#[oai(rename = "AppraisalPack")]
struct PackView {
    name: String,
    hcpc_number: Option<String>,
    from: Date,
    to: Date,
    hours_by_type: Vec<HoursView>,
    total_activities: u64,
    total_hours: f64,
    supervision: Vec<SessionView>,
    /// The day compliance was assessed (today) and its overall colour.
    compliance_today: Date,
    compliance_rag: String,
    compliance: Vec<ComplianceView>,
    audits: Vec<AuditView>,
    reflections: Vec<ReflectionView>,
    objectives: Vec<ObjectiveView>,
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl From<AppraisalPack> for PackView {
    fn from(p: AppraisalPack) -> Self {
        Self {
            hours_by_type: p
                .hours_by_type
                .into_iter()
                .map(|h| HoursView {
                    activity_type: h.activity_type.into(),
                    activities: count(h.activities),
                    hours: h.hours,
                })
                .collect(),
            supervision: p
                .supervision
                .into_iter()
                .map(|s| SessionView {
                    record_id: s.record_id,
                    date: s.date,
                    minutes: s.minutes,
                    supervision_type: s.supervision_type,
                    signed: s.signed,
                    sign_off: s.sign_off,
                })
                .collect(),
            compliance: p
                .compliance
                .into_iter()
                .map(|c| ComplianceView {
                    title: c.title,
                    status: c.status,
                    due_on: c.due_on,
                })
                .collect(),
            audits: p
                .audits
                .into_iter()
                .map(|a| AuditView {
                    record_id: a.record_id,
                    title: a.title,
                    kind: a.kind,
                    started_on: a.started_on,
                    completed_on: a.completed_on,
                })
                .collect(),
            reflections: p
                .reflections
                .into_iter()
                .map(|r| ReflectionView {
                    record_id: r.record_id,
                    date: r.date,
                    title: r.title,
                    learning: r.learning,
                    impact: r.impact,
                })
                .collect(),
            objectives: p
                .objectives
                .into_iter()
                .map(|o| ObjectiveView {
                    record_id: o.record_id,
                    title: o.title,
                    agreed_on: o.agreed_on,
                    due_on: o.due_on,
                    status: o.status.into(),
                    progress: o.progress,
                    overdue: o.overdue,
                    evidence: count(o.evidence),
                })
                .collect(),
            name: p.name,
            hcpc_number: p.hcpc_number,
            from: p.from,
            to: p.to,
            total_activities: count(p.total_activities),
            total_hours: p.total_hours,
            compliance_today: p.compliance_today,
            compliance_rag: p.compliance_rag,
        }
    }
}

/// The pack in the format asked for.
enum PackResponse {
    Json(Box<PackView>),
    Html(String),
    Pdf(Vec<u8>, String),
}

impl IntoResponse for PackResponse {
    fn into_response(self) -> Response {
        match self {
            Self::Json(p) => Json(*p).into_response(),
            Self::Html(html) => poem_openapi::payload::Html(html).into_response(),
            Self::Pdf(bytes, name) => Response::builder()
                .content_type("application/pdf")
                .header(
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                )
                .body(bytes),
        }
    }
}

impl ApiResponse for PackResponse {
    fn meta() -> MetaResponses {
        let text = || MetaSchemaRef::Inline(Box::new(String::schema_ref().unwrap_inline().clone()));
        let binary = MetaSchemaRef::Inline(Box::new(
            poem_openapi::types::Binary::<Vec<u8>>::schema_ref()
                .unwrap_inline()
                .clone(),
        ));
        MetaResponses {
            responses: vec![MetaResponse {
                description: "The appraisal pack as JSON, an HTML page or an A4 PDF.",
                status: Some(200),
                status_range: None,
                content: vec![
                    MetaMediaType {
                        content_type: "application/json; charset=utf-8",
                        schema: PackView::schema_ref(),
                    },
                    MetaMediaType {
                        content_type: "text/html; charset=utf-8",
                        schema: text(),
                    },
                    MetaMediaType {
                        content_type: "application/pdf",
                        schema: binary,
                    },
                ],
                headers: Vec::new(),
            }],
        }
    }

    fn register(registry: &mut Registry) {
        PackView::register(registry);
    }
}

/// Someone the caller's pack is shared with.
#[derive(Object)]
#[oai(rename = "PackReader")]
struct ReaderView {
    id: String,
    name: String,
}

fn readers(list: Vec<PackReader>) -> Json<Vec<ReaderView>> {
    Json(
        list.into_iter()
            .map(|r| ReaderView {
                id: r.id,
                name: r.name,
            })
            .collect(),
    )
}

async fn respond(
    app: &App,
    pack: AppraisalPack,
    format: Option<PackFormat>,
) -> AppResult<PackResponse> {
    Ok(match format.unwrap_or(PackFormat::Json) {
        PackFormat::Json => PackResponse::Json(Box::new(pack.into())),
        PackFormat::Html => PackResponse::Html(pack_html(&pack)),
        PackFormat::Pdf => {
            let name = format!("appraisal-pack-{}-to-{}.pdf", pack.from, pack.to);
            PackResponse::Pdf(app.appraisal_pack_pdf(&pack).await?, name)
        }
    })
}

#[OpenApi(tag = "Tag::Profile")]
impl AppraisalApi {
    /// The caller's appraisal pack for a period (default: the twelve
    /// months to today): CPD hours by activity type, supervision sessions
    /// with their sign-off, training compliance today, audits and QI,
    /// reflections (`reflections`, repeated, chooses them; default every
    /// one in the period) and development-plan objectives with progress.
    /// 409 while a record in it has an open patient-identifier warning.
    #[oai(path = "/api/v1/me/appraisal-pack", method = "get")]
    async fn my_pack(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        /// First day of the period (YYYY-MM-DD).
        from: Query<Option<Date>>,
        /// Last day of the period (YYYY-MM-DD), default today.
        to: Query<Option<Date>>,
        /// Ids of the reflections to show (at most 200), repeated.
        reflections: Query<Option<Vec<String>>>,
        /// json (default), html or pdf.
        format: Query<Option<PackFormat>>,
    ) -> AppResult<PackResponse> {
        let request = PackRequest {
            from: from.0,
            to: to.0,
            reflections: reflections.0,
        };
        let pack = app.my_appraisal_pack(&auth.0, request).await?;
        respond(&app, pack, format.0).await
    }

    /// Who may read the caller's pack.
    #[oai(path = "/api/v1/me/appraisal-pack/shares", method = "get")]
    async fn shares(&self, app: Data<&App>, auth: BearerAuth) -> AppResult<Json<Vec<ReaderView>>> {
        Ok(readers(app.appraisal_pack_readers(&auth.0).await?))
    }

    /// Let a lead of one of the caller's teams read their pack (422 for
    /// anyone else); answers with everyone who may.
    #[oai(path = "/api/v1/me/appraisal-pack/shares/:user_id", method = "put")]
    async fn share(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        user_id: Path<String>,
    ) -> AppResult<Json<Vec<ReaderView>>> {
        Ok(readers(app.share_appraisal_pack(&auth.0, &user_id).await?))
    }

    /// Withdraw a share (404 if there was none).
    #[oai(path = "/api/v1/me/appraisal-pack/shares/:user_id", method = "delete")]
    async fn unshare(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        user_id: Path<String>,
    ) -> AppResult<Json<Vec<ReaderView>>> {
        Ok(readers(
            app.unshare_appraisal_pack(&auth.0, &user_id).await?,
        ))
    }

    /// A team member's pack, for a lead the member shared it with and who
    /// still leads one of their teams; 404 for anyone else. Without
    /// reflections: those stay private unless shared one by one.
    #[oai(path = "/api/v1/users/:user_id/appraisal-pack", method = "get")]
    async fn members_pack(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        user_id: Path<String>,
        /// First day of the period (YYYY-MM-DD).
        from: Query<Option<Date>>,
        /// Last day of the period (YYYY-MM-DD), default today.
        to: Query<Option<Date>>,
        /// json (default), html or pdf.
        format: Query<Option<PackFormat>>,
    ) -> AppResult<PackResponse> {
        // Reflections stay private: the lead reads an entry only when its
        // author shares that entry.
        let request = PackRequest {
            from: from.0,
            to: to.0,
            reflections: Some(Vec::new()),
        };
        let pack = app
            .shared_appraisal_pack(&auth.0, &user_id, request)
            .await?;
        respond(&app, pack, format.0).await
    }
}
