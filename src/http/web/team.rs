//! A clinical lead's pages: the teams they lead; each team's compliance
//! matrix (members × requirements, status in words and colour, filters,
//! CSV download); and the training waiting for their verification. Leads
//! see status and dates here, never anyone's reflective writing.

use maud::{Markup, html};
use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};

use super::error::{WebResult, redirect};
use super::form::FormData;
use super::home::status_tag;
use super::layout::{Field, csrf_field, notice, page_response};
use super::session::{self, SignedIn};
use crate::app::{App, AppError, TeamComplianceQuery};
use crate::domain::compliance::TeamCompliance;
use crate::domain::record::{EvidenceFilter, is_record_id};
use crate::domain::training::TrainingDraft;
use crate::export::csv::team_csv;

/// `GET /team`: the teams the person leads.
#[handler]
pub async fn teams(req: &Request, app: Data<&App>) -> WebResult {
    let me = session::require(&app, req).await?;
    let led = app.led_teams(&me.user).await?;
    let main = html! {
        h1 { "Your teams" }
        @if led.is_empty() { p { "You do not lead a team." } }
        ul.records {
            @for t in &led {
                li { a href={ "/team/" (t.id) } { (t.name) } p.meta { (t.members.len()) " members" } }
            }
        }
    };
    Ok(page_response(
        "Your teams",
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct MatrixQuery {
    staff_group: String,
    status: String,
    requirement: String,
    verified: String,
}

impl MatrixQuery {
    fn app_query(&self) -> TeamComplianceQuery {
        let some = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
        TeamComplianceQuery {
            staff_group: some(&self.staff_group),
            status: some(&self.status),
            requirement: some(&self.requirement),
        }
    }

    fn csv_link(&self, team_id: &str) -> String {
        let params = [
            ("staff_group", self.staff_group.as_str()),
            ("status", &self.status),
            ("requirement", &self.requirement),
        ];
        format!(
            "/team/{team_id}/compliance.csv?{}",
            serde_urlencoded::to_string(params).unwrap_or_default()
        )
    }
}

fn check_id(id: &str) -> WebResult<()> {
    if is_record_id(id) {
        Ok(())
    } else {
        Err(AppError::NotFound("team").into())
    }
}

/// `GET /team/{id}`: the compliance matrix and the verification queue.
#[handler]
pub async fn team(
    req: &Request,
    app: Data<&App>,
    Path(team_id): Path<String>,
    Query(query): Query<MatrixQuery>,
) -> WebResult {
    let me = session::require(&app, req).await?;
    check_id(&team_id)?;
    let compliance = app
        .team_compliance(&me.user, &team_id, query.app_query())
        .await?;
    let queue = verification_queue(&app, &me, &compliance).await?;
    let main = html! {
        h1 { "Team compliance" }
        @if query.verified == "1" { (notice("The training has been verified.")) }
        (summary(&compliance))
        (filters(&team_id, &query, &compliance))
        p { a href=(query.csv_link(&team_id)) download { "Download as CSV (opens in Excel)" } }
        (matrix(&compliance))
        h2 #verify { "Training waiting for your verification" }
        (queue)
    };
    Ok(page_response(
        "Team compliance",
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}

fn summary(c: &TeamCompliance) -> Markup {
    html! {
        p.lede {
            @match c.overall.percent {
                Some(p) => { (format!("{p:.1}")) "% in date against a target of " (c.target_percent) "%" }
                None => { "Nothing is required of this team yet." }
            }
            @if !c.overall.meets_target && c.overall.percent.is_some() { " (below target)" }
        }
        p { "Lapsing in the next 30 days: " strong { (c.lapsing_30) } "; 60 days: " strong { (c.lapsing_60) } "; 90 days: " strong { (c.lapsing_90) } "." }
    }
}

fn filters(team_id: &str, q: &MatrixQuery, c: &TeamCompliance) -> Markup {
    let statuses: Vec<(&str, &str)> = vec![
        ("", "Any status"),
        ("compliant", "In date"),
        ("due_soon", "Due soon"),
        ("overdue", "Overdue"),
        ("missing", "Missing"),
    ];
    let mut requirements: Vec<(&str, &str)> = vec![("", "Every requirement")];
    requirements.extend(
        c.requirements
            .iter()
            .map(|r| (r.key.as_str(), r.title.as_str())),
    );
    html! {
        form.filters method="get" action={ "/team/" (team_id) } aria-label="Filter the matrix" {
            (Field::new("staff_group", "Staff group", &[]).hint("For example registered").text("text", &q.staff_group))
            (Field::new("status", "Status", &[]).select(&statuses, &q.status))
            (Field::new("requirement", "Requirement", &[]).select(&requirements, &q.requirement))
            div.button-row { button.button.button--secondary type="submit" { "Filter" } }
        }
    }
}

fn matrix(c: &TeamCompliance) -> Markup {
    html! {
        div.table-wrap role="region" aria-label="Compliance matrix" tabindex="0" {
            table.matrix {
                caption.visually-hidden { "Members and the status of each requirement" }
                thead { tr {
                    th scope="col" { "Member" }
                    @for r in &c.requirements {
                        th scope="col" { (r.title) br; span.meta { (r.share.percent.map(|p| format!("{p:.0}%")).unwrap_or_default()) } }
                    }
                } }
                tbody {
                    @for m in &c.members {
                        tr {
                            th scope="row" { (m.name) }
                            @for r in &c.requirements {
                                td {
                                    @if let Some(item) = m.items.iter().find(|i| i.key == r.key) {
                                        (status_tag(item.status))
                                        @if let Some(due) = item.due_on { br; span.meta { (due) } }
                                    } @else { span.meta { "Not required" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// How many waiting records the team page lists at once.
const QUEUE_SHOWN: usize = 25;

async fn verification_queue(
    app: &App,
    me: &SignedIn,
    roster: &TeamCompliance,
) -> WebResult<Markup> {
    let filter = EvidenceFilter {
        limit: 100,
        ..EvidenceFilter::default()
    };
    let seen = app
        .list_evidence::<TrainingDraft>(&me.user, &filter)
        .await?;
    let waiting: Vec<_> = seen
        .items
        .iter()
        .filter(|t| t.owner_id != me.user.id() && t.workflow.verification.is_none())
        .filter_map(|t| {
            let member = roster.members.iter().find(|m| m.user_id == t.owner_id)?;
            Some((member.name.as_str(), t))
        })
        .collect();
    Ok(html! {
        @if waiting.is_empty() { p { "Nothing is waiting." } }
        @if waiting.len() > QUEUE_SHOWN {
            p { "The " (QUEUE_SHOWN) " oldest of " (waiting.len()) " on this page of records are shown; verify them to see more." }
        }
        ul.records {
            @for (name, t) in waiting.iter().rev().take(QUEUE_SHOWN) {
                li {
                    strong { (name) } ": " (t.data.course_title) ", completed " (t.data.completed_on)
                    form method="post" action={ "/training/" (t.id) "/verify" } {
                        (csrf_field(&me.csrf))
                        button.button.button--secondary type="submit" { "Verify" span.visually-hidden { " " (name) "'s " (t.data.course_title) } }
                    }
                }
            }
        }
    })
}

/// `POST /training/{id}/verify`: a lead confirms a team member's training.
#[handler]
pub async fn verify(
    req: &Request,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<FormData>,
) -> WebResult {
    let me = form.sender(&app, req).await?;
    if !is_record_id(&id) {
        return Err(AppError::NotFound("training").into());
    }
    app.verify_training(&me.user, &id).await?;
    let back = me.user.user.teams.iter().find(|t| t.is_lead).map_or_else(
        || "/team".to_owned(),
        |t| format!("/team/{}?verified=1#verify", t.team),
    );
    Ok(redirect(&back))
}

/// `GET /team/{id}/compliance.csv`: the matrix as the API's CSV.
#[handler]
pub async fn csv(
    req: &Request,
    app: Data<&App>,
    Path(team_id): Path<String>,
    Query(query): Query<MatrixQuery>,
) -> WebResult {
    let me = session::require(&app, req).await?;
    check_id(&team_id)?;
    let c = app
        .team_compliance(&me.user, &team_id, query.app_query())
        .await?;
    Ok(Response::builder()
        .content_type("text/csv; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"team-compliance-{}.csv\"", c.today),
        )
        .body(team_csv(&c)))
}
