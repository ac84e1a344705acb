//! Compliance: the caller's own items and registration, a team's matrix
//! (JSON or CSV) and settings, and one member's items for the team's
//! leads and admins. Statuses and dates only, never record content.

use crate::http::json_body::JsonBody;
use poem::web::Data;
use poem::{IntoResponse, Request, Response};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::{MaybeUndefined, Type};
use poem_openapi::{ApiResponse, Object, OpenApi};
use time::Date;

use super::Tag;
use crate::app::{App, AppError, AppResult, StaffFacts, TeamComplianceQuery};
use crate::domain::compliance::{
    Counts, Item, Lapse, Lapsing, MemberRow, OrganisationCompliance, PersonCompliance,
    RegistrationUpdate, RequirementShare, RequirementSummary, Share, TeamCompliance, TeamSettings,
    TeamSettingsUpdate, TeamSummary,
};
use crate::domain::dates::iso;
use crate::export::csv::team_csv;
use crate::http::auth::BearerAuth;
use crate::http::text::Text;

pub struct ComplianceApi;

/// One requirement for one person.
#[derive(Object)]
struct ComplianceItemView {
    /// A training course key, or supervision, hcpc-registration,
    /// dbs-check, appraisal, cpd-recency.
    requirement: String,
    title: String,
    /// training, supervision, registration, dbs, appraisal or cpd.
    kind: String,
    /// compliant, due_soon, overdue or missing.
    status: String,
    /// The last day the item is in date (UK calendar date); null when it
    /// never lapses or nothing is recorded.
    due_on: Option<Date>,
    /// The record the item rests on (a training or supervision record).
    evidence_id: Option<String>,
    /// Confirmed by someone else: a lead verified the certificate, the
    /// supervisor signed the supervision off, an admin entered the date.
    verified: bool,
    /// For HCPC registration: when the renewal window opens.
    renewal_window_opens_on: Option<Date>,
}

impl From<Item> for ComplianceItemView {
    fn from(i: Item) -> Self {
        Self {
            requirement: i.key,
            title: i.title,
            kind: i.kind.as_str().to_owned(),
            status: i.status.as_str().to_owned(),
            due_on: i.due_on,
            evidence_id: i.evidence_id,
            verified: i.verified,
            renewal_window_opens_on: i.window_opens_on,
        }
    }
}

#[derive(Object)]
struct StatusCounts {
    compliant: u32,
    due_soon: u32,
    overdue: u32,
    missing: u32,
}

impl From<Counts> for StatusCounts {
    fn from(c: Counts) -> Self {
        Self {
            compliant: c.compliant,
            due_soon: c.due_soon,
            overdue: c.overdue,
            missing: c.missing,
        }
    }
}

/// Every requirement that applies to one person, on one UK date.
#[derive(Object)]
struct PersonComplianceView {
    user_id: String,
    name: String,
    staff_groups: Vec<String>,
    /// The UK date the statuses are for.
    as_of: Date,
    /// red (anything overdue or missing), amber (anything due soon) or green.
    rag: String,
    counts: StatusCounts,
    items: Vec<ComplianceItemView>,
}

impl From<PersonCompliance> for PersonComplianceView {
    fn from(p: PersonCompliance) -> Self {
        Self {
            user_id: p.user_id,
            name: p.name,
            staff_groups: p.staff_groups,
            as_of: p.today,
            rag: p.rag.as_str().to_owned(),
            counts: p.counts.into(),
            items: p.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// One cell of the team matrix: status and due date only.
#[derive(Object)]
struct CellView {
    requirement: String,
    /// compliant, due_soon, overdue or missing.
    status: String,
    due_on: Option<Date>,
}

#[derive(Object)]
struct MemberRowView {
    user_id: String,
    name: String,
    staff_groups: Vec<String>,
    /// Over all of the member's requirements, whatever the filters show.
    rag: String,
    counts: StatusCounts,
    /// The cells the filters select.
    items: Vec<CellView>,
}

impl From<MemberRow> for MemberRowView {
    fn from(m: MemberRow) -> Self {
        Self {
            user_id: m.user_id,
            name: m.name,
            staff_groups: m.staff_groups,
            rag: m.rag.as_str().to_owned(),
            counts: m.counts.into(),
            items: m
                .items
                .into_iter()
                .map(|i| CellView {
                    requirement: i.key,
                    status: i.status.as_str().to_owned(),
                    due_on: i.due_on,
                })
                .collect(),
        }
    }
}

/// How much is in date.
#[derive(Object)]
struct ShareView {
    /// Member × requirement cells that apply.
    required: u32,
    /// Of those, compliant or due soon.
    in_date: u32,
    /// in_date / required as a percentage, to one decimal; null when
    /// nothing applies.
    percent: Option<f64>,
    /// percent is at least the team's target.
    meets_target: bool,
}

impl From<Share> for ShareView {
    fn from(s: Share) -> Self {
        Self {
            required: s.required,
            in_date: s.in_date,
            percent: s.percent,
            meets_target: s.meets_target,
        }
    }
}

#[derive(Object)]
struct RequirementShareView {
    requirement: String,
    title: String,
    #[oai(flatten)]
    share: ShareView,
}

impl From<RequirementShare> for RequirementShareView {
    fn from(r: RequirementShare) -> Self {
        Self {
            requirement: r.key,
            title: r.title,
            share: r.share.into(),
        }
    }
}

#[derive(Object)]
struct LapseView {
    user_id: String,
    name: String,
    requirement: String,
    title: String,
    /// The last day in date.
    due_on: Date,
    /// Days from today to due_on.
    days: i64,
}

impl From<Lapse> for LapseView {
    fn from(l: Lapse) -> Self {
        Self {
            user_id: l.user_id,
            name: l.name,
            requirement: l.key,
            title: l.title,
            due_on: l.due_on,
            days: l.days,
        }
    }
}

/// Items in date today whose last day falls within the next 90 days.
#[derive(Object)]
struct LapsingView {
    within_30_days: u32,
    within_60_days: u32,
    within_90_days: u32,
    /// Soonest first.
    items: Vec<LapseView>,
}

#[derive(Object)]
struct TeamComplianceView {
    team_id: String,
    as_of: Date,
    target_percent: u32,
    overall: ShareView,
    requirements: Vec<RequirementShareView>,
    lapsing: LapsingView,
    members: Vec<MemberRowView>,
}

impl TeamComplianceView {
    fn new(team_id: String, t: TeamCompliance) -> Self {
        Self {
            team_id,
            as_of: t.today,
            target_percent: t.target_percent,
            overall: t.overall.into(),
            requirements: t.requirements.into_iter().map(Into::into).collect(),
            lapsing: LapsingView {
                within_30_days: t.lapsing_30,
                within_60_days: t.lapsing_60,
                within_90_days: t.lapsing_90,
                items: t.lapsing.into_iter().map(Into::into).collect(),
            },
            members: t.members.into_iter().map(Into::into).collect(),
        }
    }
}

/// Items in date today that lapse within 30, 60 and 90 days (each count
/// includes the shorter windows).
#[derive(Object)]
struct LapsingCountsView {
    within_30_days: u32,
    within_60_days: u32,
    within_90_days: u32,
}

impl From<Lapsing> for LapsingCountsView {
    fn from(l: Lapsing) -> Self {
        Self {
            within_30_days: l.within_30,
            within_60_days: l.within_60,
            within_90_days: l.within_90,
        }
    }
}

/// One requirement across one team: `required` is the number of people
/// it applies to.
#[derive(Object)]
struct RequirementSummaryView {
    requirement: String,
    title: String,
    #[oai(flatten)]
    share: ShareView,
    counts: StatusCounts,
    lapsing: LapsingCountsView,
}

impl From<RequirementSummary> for RequirementSummaryView {
    fn from(r: RequirementSummary) -> Self {
        Self {
            requirement: r.key,
            title: r.title,
            share: r.share.into(),
            counts: r.counts.into(),
            lapsing: r.lapsing.into(),
        }
    }
}

/// One team in aggregate.
#[derive(Object)]
struct TeamSummaryView {
    team_id: String,
    name: String,
    target_percent: u32,
    /// Members of the team.
    people: u32,
    /// Over every member × requirement that applies.
    overall: ShareView,
    counts: StatusCounts,
    lapsing: LapsingCountsView,
    requirements: Vec<RequirementSummaryView>,
}

impl From<TeamSummary> for TeamSummaryView {
    fn from(t: TeamSummary) -> Self {
        Self {
            team_id: t.team_id,
            name: t.name,
            target_percent: t.target_percent,
            people: t.people,
            overall: t.overall.into(),
            counts: t.counts.into(),
            lapsing: t.lapsing.into(),
            requirements: t.requirements.into_iter().map(Into::into).collect(),
        }
    }
}

/// Every team's compliance in aggregate, by team name.
#[derive(Object)]
struct OrganisationComplianceView {
    as_of: Date,
    teams: Vec<TeamSummaryView>,
}

impl From<OrganisationCompliance> for OrganisationComplianceView {
    fn from(o: OrganisationCompliance) -> Self {
        Self {
            as_of: o.today,
            teams: o.teams.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Object)]
struct TeamSettingsView {
    team_id: String,
    /// A signed-off supervision at least every this many weeks.
    supervision_weeks: u32,
    /// The same during a person's preceptorship (first year after
    /// qualifying).
    preceptorship_weeks: u32,
    /// The share of items in date the team aims for.
    target_percent: u32,
}

impl TeamSettingsView {
    fn new(team_id: String, s: TeamSettings) -> Self {
        Self {
            team_id,
            supervision_weeks: s.supervision_weeks,
            preceptorship_weeks: s.preceptorship_weeks,
            target_percent: s.target_percent,
        }
    }
}

/// Settings to change; absent fields stay as they are.
#[derive(Object)]
#[oai(deny_unknown_fields)]
struct TeamSettingsPatch {
    /// 1 to 52.
    supervision_weeks: Option<i64>,
    /// 1 to 52, at most supervision_weeks.
    preceptorship_weeks: Option<i64>,
    /// 0 to 100.
    target_percent: Option<i64>,
}

/// A person's compliance facts that are not records.
#[derive(Object)]
pub struct StaffFactsView {
    user_id: String,
    name: String,
    /// The groups whose requirements apply.
    staff_groups: Vec<String>,
    /// True while no admin has set the groups: the role's default applies.
    staff_groups_are_default: bool,
    /// A profession key from content/compliance/requirements.toml.
    profession: Option<String>,
    /// The day the current HCPC registration ends.
    registration_ends: Option<Date>,
    qualified_on: Option<Date>,
    dbs_checked_on: Option<Date>,
    last_appraisal_on: Option<Date>,
}

impl From<StaffFacts> for StaffFactsView {
    fn from(s: StaffFacts) -> Self {
        Self {
            user_id: s.user.id,
            name: s.user.name,
            staff_groups: s.staff_groups,
            staff_groups_are_default: s.profile.staff_groups.is_none(),
            profession: s.profile.profession,
            registration_ends: s.profile.registration_ends,
            qualified_on: s.profile.qualified_on,
            dbs_checked_on: s.profile.dbs_checked_on,
            last_appraisal_on: s.profile.last_appraisal_on,
        }
    }
}

/// Absent leaves a field alone; null or "" clears it.
pub fn change(value: MaybeUndefined<Text>) -> Option<Option<String>> {
    Option::<Option<Text>>::from(value).map(|v| v.map(|t| t.0).filter(|t| !t.trim().is_empty()))
}

/// Registration facts to change; absent fields stay, null or "" clears.
#[derive(Object)]
#[oai(deny_unknown_fields)]
struct RegistrationPatch {
    /// A profession key, e.g. occupational_therapist.
    profession: MaybeUndefined<Text>,
    /// YYYY-MM-DD: the end of one of the profession's renewal cycles
    /// (31 October in odd years for occupational therapists).
    registration_ends: MaybeUndefined<Text>,
    /// YYYY-MM-DD: the day you qualified (supervision is more frequent in
    /// the first year).
    qualified_on: MaybeUndefined<Text>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
}

/// The team view as JSON or CSV.
enum TeamComplianceResponse {
    Json(Box<TeamComplianceView>),
    Csv { body: String, as_of: Date },
}

impl IntoResponse for TeamComplianceResponse {
    fn into_response(self) -> Response {
        match self {
            Self::Json(view) => Json(*view).into_response(),
            Self::Csv { body, as_of } => Response::builder()
                .content_type("text/csv; charset=utf-8")
                .header(
                    poem::http::header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"team-compliance-{}.csv\"",
                        iso(as_of)
                    ),
                )
                .body(body),
        }
    }
}

impl ApiResponse for TeamComplianceResponse {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "The team's compliance as JSON, or as CSV (UTF-8 with a byte-order mark, one row per person and requirement).",
                status: Some(200),
                status_range: None,
                content: vec![
                    MetaMediaType {
                        content_type: "application/json; charset=utf-8",
                        schema: TeamComplianceView::schema_ref(),
                    },
                    MetaMediaType {
                        content_type: "text/csv; charset=utf-8",
                        schema: MetaSchemaRef::Inline(Box::new(
                            String::schema_ref().unwrap_inline().clone(),
                        )),
                    },
                ],
                headers: Vec::new(),
            }],
        }
    }

    fn register(registry: &mut Registry) {
        TeamComplianceView::register(registry);
    }
}

fn format_of(req: &Request, format: Option<&str>) -> AppResult<Format> {
    match format {
        Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        Some(_) => Err(AppError::invalid("format", "must be json or csv")),
        None => {
            let wants_csv = req
                .headers()
                .get(poem::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/csv"));
            Ok(if wants_csv { Format::Csv } else { Format::Json })
        }
    }
}

#[OpenApi(tag = "Tag::Compliance")]
impl ComplianceApi {
    /// The caller's compliance today: every requirement that applies to
    /// them with its status, due date and evidence, and an overall RAG.
    #[oai(path = "/api/v1/me/compliance", method = "get")]
    async fn mine(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
    ) -> AppResult<Json<PersonComplianceView>> {
        Ok(Json(app.my_compliance(&auth.0).await?.into()))
    }

    /// The caller's profession, registration end and qualification date,
    /// with the staff groups and dates an admin keeps.
    #[oai(path = "/api/v1/me/registration", method = "get")]
    async fn my_registration(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
    ) -> AppResult<Json<StaffFactsView>> {
        Ok(Json(app.my_staff_facts(&auth.0).await?.into()))
    }

    /// Set the caller's profession, the day their HCPC registration ends
    /// and the day they qualified.
    #[oai(path = "/api/v1/me/registration", method = "patch")]
    async fn update_registration(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        body: JsonBody<RegistrationPatch>,
    ) -> AppResult<Json<StaffFactsView>> {
        let body = body.0;
        let update = RegistrationUpdate {
            profession: change(body.profession),
            registration_ends: change(body.registration_ends),
            qualified_on: change(body.qualified_on),
        };
        Ok(Json(
            app.update_my_registration(&auth.0, update).await?.into(),
        ))
    }

    /// A team's compliance (its leads and admins): members × requirements
    /// with status and due date, the share in date per requirement and
    /// overall against the team's target, and what lapses in the next
    /// 30/60/90 days. CSV with `format=csv` or `Accept: text/csv`.
    #[oai(path = "/api/v1/teams/:team_id/compliance", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn team(
        &self,
        req: &Request,
        app: Data<&App>,
        auth: BearerAuth,
        team_id: Path<String>,
        /// Only members in this staff group.
        staff_group: Query<Option<String>>,
        /// Only cells with this status: compliant, due_soon, overdue,
        /// missing (the shares still count every cell).
        status: Query<Option<String>>,
        /// Only this requirement (a course key or supervision,
        /// hcpc-registration, dbs-check, appraisal, cpd-recency).
        requirement: Query<Option<String>>,
        /// json (default) or csv.
        format: Query<Option<String>>,
    ) -> AppResult<TeamComplianceResponse> {
        let format = format_of(req, format.0.as_deref())?;
        let team = app
            .team_compliance(
                &auth.0,
                &team_id,
                TeamComplianceQuery {
                    staff_group: staff_group.0,
                    status: status.0,
                    requirement: requirement.0,
                },
            )
            .await?;
        Ok(match format {
            Format::Json => {
                TeamComplianceResponse::Json(Box::new(TeamComplianceView::new(team_id.0, team)))
            }
            Format::Csv => TeamComplianceResponse::Csv {
                body: team_csv(&team),
                as_of: team.today,
            },
        })
    }

    /// Every team's compliance in aggregate (admins only): per team and
    /// requirement, the people it applies to, the share in date against
    /// the team's target, counts per status and lapses within 30/60/90
    /// days. No person's rows.
    #[oai(path = "/api/v1/admin/compliance", method = "get")]
    async fn organisation(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
    ) -> AppResult<Json<OrganisationComplianceView>> {
        Ok(Json(app.organisation_compliance(&auth.0).await?.into()))
    }

    /// One member's compliance (the team's leads and admins).
    #[oai(
        path = "/api/v1/teams/:team_id/members/:user_id/compliance",
        method = "get"
    )]
    async fn member(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        team_id: Path<String>,
        user_id: Path<String>,
    ) -> AppResult<Json<PersonComplianceView>> {
        Ok(Json(
            app.member_compliance(&auth.0, &team_id, &user_id)
                .await?
                .into(),
        ))
    }

    /// A team's compliance settings (its leads and admins).
    #[oai(path = "/api/v1/teams/:team_id/settings", method = "get")]
    async fn settings(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        team_id: Path<String>,
    ) -> AppResult<Json<TeamSettingsView>> {
        let settings = app.team_settings(&auth.0, &team_id).await?;
        Ok(Json(TeamSettingsView::new(team_id.0, settings)))
    }

    /// Change a team's compliance settings (its leads and admins). Nothing
    /// is stored unless every field is valid.
    #[oai(path = "/api/v1/teams/:team_id/settings", method = "patch")]
    async fn update_settings(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        team_id: Path<String>,
        body: JsonBody<TeamSettingsPatch>,
    ) -> AppResult<Json<TeamSettingsView>> {
        let update = TeamSettingsUpdate {
            supervision_weeks: body.0.supervision_weeks,
            preceptorship_weeks: body.0.preceptorship_weeks,
            target_percent: body.0.target_percent,
        };
        let settings = app.update_team_settings(&auth.0, &team_id, update).await?;
        Ok(Json(TeamSettingsView::new(team_id.0, settings)))
    }
}
