//! Administration in the browser: accounts (create, staff groups,
//! deactivate and reactivate), teams (create, add members and leads,
//! remove) and alerts (run now, see the deliveries that failed). Every
//! action is the same application call the admin API makes, which checks
//! the admin role itself.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};

use super::error::{WebResult, redirect};
use super::form::FormData;
use super::layout::{Field, csrf_field, error_summary, notice, page_response};
use super::session::{self, SignedIn};
use crate::app::{App, AppError};
use crate::domain::compliance::StaffUpdate;
use crate::domain::error::FieldError;
use crate::domain::record::is_record_id;
use crate::domain::user::{NewUser, Role, User};

const ACCOUNTS_SHOWN: u32 = 500;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Done {
    done: String,
}

fn done_notice(done: &str) -> Markup {
    let text = match done {
        "created" => {
            "The account has been created. Give its owner the password you chose: they must change it when they first sign in."
        }
        "changed" => "The change has been saved.",
        "run" => "The alert run has finished.",
        _ => return html! {},
    };
    notice(text)
}

async fn admin(app: &App, req: &Request) -> WebResult<SignedIn> {
    let me = session::require(app, req).await?;
    me.user.require_admin()?;
    Ok(me)
}

/// `GET /admin/users`.
#[handler]
pub async fn users(req: &Request, app: Data<&App>, Query(q): Query<Done>) -> WebResult {
    let me = admin(&app, req).await?;
    users_page(
        &app,
        &me,
        &q.done,
        &FormData::default(),
        &[],
        StatusCode::OK,
    )
    .await
}

async fn users_page(
    app: &App,
    me: &SignedIn,
    done: &str,
    typed: &FormData,
    errors: &[FieldError],
    status: StatusCode,
) -> WebResult {
    let (accounts, total) = app.list_accounts(&me.user, ACCOUNTS_SHOWN, 0).await?;
    let main = html! {
        (error_summary(errors, label_of))
        h1 { "Accounts" }
        (done_notice(done))
        (create_form(me, typed, errors))
        h2 { (total) " accounts" }
        div.table-wrap role="region" aria-label="Accounts" tabindex="0" { table {
            caption.visually-hidden { "Accounts" }
            thead { tr { th scope="col" { "Name" } th scope="col" { "Email" } th scope="col" { "Role" } th scope="col" { "Status" } th scope="col" { "Change" } } }
            tbody { @for u in &accounts { (account_row(me, u)) } }
        } }
    };
    Ok(page_response("Accounts", Some(&me.viewer()), status, main))
}

fn label_of(field: &str) -> String {
    match field {
        "email" => "Email address",
        "name" => "Name",
        "role" => "Role",
        "team" => "Team",
        "hcpc_number" => "HCPC registration number",
        "password" => "First password",
        other => other,
    }
    .to_owned()
}

fn create_form(me: &SignedIn, t: &FormData, e: &[FieldError]) -> Markup {
    let roles = [
        ("practitioner", "Practitioner"),
        ("lead", "Clinical lead"),
        ("admin", "Administrator"),
    ];
    html! {
        h2 { "Create an account" }
        form method="post" action="/admin/users" novalidate {
            (csrf_field(&me.csrf))
            (Field::new("name", "Name", e).text("text", t.get("name")))
            (Field::new("email", "Email address", e).text("email", t.get("email")))
            (Field::new("role", "Role", e).select(&roles, t.get("role")))
            (Field::new("team", "Team", e).hint("The team's name; a clinical lead leads it").text("text", t.get("team")))
            (Field::new("hcpc_number", "HCPC registration number", e).hint("Optional, for example OT12345").text("text", t.get("hcpc_number")))
            (Field::new("password", "First password", e).hint("At least 12 characters; its owner must change it at first sign-in").text("password", ""))
            button.button type="submit" { "Create account" }
        }
    }
}

fn account_row(me: &SignedIn, u: &User) -> Markup {
    let action = if u.active { "deactivate" } else { "reactivate" };
    html! {
        tr {
            th scope="row" { (u.name) }
            td { (u.email) }
            td { (u.role.to_string()) }
            td { @if u.active { "Active" } @else { "Deactivated" } }
            td {
                @if u.id != me.user.id() {
                    form method="post" action={ "/admin/users/" (u.id) "/" (action) } {
                        (csrf_field(&me.csrf))
                        button.button.button--secondary type="submit" {
                            @if u.active { "Deactivate" } @else { "Reactivate" }
                            span.visually-hidden { " " (u.name) }
                        }
                    }
                    @if u.role.keeps_portfolio() {
                        form method="post" action={ "/admin/users/" (u.id) "/staff-groups" } {
                            (csrf_field(&me.csrf))
                            @let id = format!("groups-{}", u.id);
                            label.label for=(id) { "Staff groups of " (u.name) }
                            input.input #(id) type="text" name="staff_groups" placeholder="for example clinical, registered";
                            button.button.button--secondary type="submit" { "Set groups" }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /admin/users`: creates an account, or shows the form again.
#[handler]
pub async fn create_user(req: &Request, app: Data<&App>, Form(form): Form<FormData>) -> WebResult {
    let me = admin(&app, req).await?;
    form.check_csrf(req, &me)?;
    let optional = |name: &str| Some(form.get(name).trim().to_owned()).filter(|v| !v.is_empty());
    let created = match form.get("role").parse::<Role>() {
        Ok(role) => {
            app.admin_create_user(
                &me.user,
                NewUser {
                    email: form.get("email").to_owned(),
                    name: form.get("name").to_owned(),
                    role,
                    team: optional("team"),
                    hcpc_number: optional("hcpc_number"),
                    password: form.get("password").to_owned(),
                },
            )
            .await
        }
        Err(why) => Err(AppError::invalid("role", why)),
    };
    let errors = match created {
        Ok(_) => return Ok(redirect("/admin/users?done=created")),
        Err(AppError::Validation(errors)) => errors,
        Err(AppError::Conflict(why)) => vec![FieldError::new("email", why)],
        Err(other) => return Err(other.into()),
    };
    users_page(&app, &me, "", &form, &errors, StatusCode::BAD_REQUEST).await
}

/// `POST /admin/users/{id}/{action}`: deactivate, reactivate or set
/// staff groups.
#[handler]
pub async fn change_user(
    req: &Request,
    app: Data<&App>,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<FormData>,
) -> WebResult {
    let me = admin(&app, req).await?;
    form.check_csrf(req, &me)?;
    if !is_record_id(&id) {
        return Err(AppError::NotFound("user").into());
    }
    match action.as_str() {
        "deactivate" => {
            app.deactivate_account(&me.user, &id).await?;
        }
        "reactivate" => {
            app.reactivate_account(&me.user, &id).await?;
        }
        "staff-groups" => {
            let groups: Vec<String> = form
                .get("staff_groups")
                .split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_owned)
                .collect();
            let update = StaffUpdate {
                staff_groups: Some((!groups.is_empty()).then_some(groups)),
                ..StaffUpdate::default()
            };
            app.admin_update_staff(&me.user, &id, update).await?;
        }
        _ => return Err(AppError::NotFound("action").into()),
    }
    Ok(redirect("/admin/users?done=changed"))
}

/// `GET /admin/teams`: every team with its members, and the forms that
/// change them.
#[handler]
pub async fn teams(req: &Request, app: Data<&App>, Query(q): Query<Done>) -> WebResult {
    let me = admin(&app, req).await?;
    let teams = app.all_teams(&me.user).await?;
    let (accounts, _) = app.list_accounts(&me.user, ACCOUNTS_SHOWN, 0).await?;
    let people: Vec<(&str, &str)> = accounts
        .iter()
        .filter(|u| u.role.keeps_portfolio())
        .map(|u| (u.id.as_str(), u.name.as_str()))
        .collect();
    let main = html! {
        h1 { "Teams" }
        (done_notice(&q.done))
        form method="post" action="/admin/teams" novalidate {
            (csrf_field(&me.csrf))
            (Field::new("name", "New team's name", &[]).text("text", ""))
            button.button type="submit" { "Create team" }
        }
        @for t in &teams {
            section.card aria-labelledby={ "team-" (t.id) } {
                h2 #{ "team-" (t.id) } { (t.name) }
                ul {
                    @for m in &t.members {
                        li {
                            (m.name) @if m.is_lead { " (lead)" }
                            form method="post" action={ "/admin/teams/" (t.id) "/members/" (m.user_id) "/remove" } {
                                (csrf_field(&me.csrf))
                                button.button.button--secondary type="submit" { "Remove" span.visually-hidden { " " (m.name) " from " (t.name) } }
                            }
                        }
                    }
                }
                form method="post" action={ "/admin/teams/" (t.id) "/members" } {
                    (csrf_field(&me.csrf))
                    @let field_name = format!("user_id-{}", t.id);
                    div.field {
                        label.label for=(field_name) { "Add to " (t.name) }
                        select.select #(field_name) name="user_id" {
                            @for (id, name) in &people { option value=(id) { (name) } }
                        }
                    }
                    div.checkbox {
                        input #{ "lead-" (t.id) } type="checkbox" name="is_lead" value="yes";
                        label for={ "lead-" (t.id) } { "As a lead of " (t.name) }
                    }
                    button.button.button--secondary type="submit" { "Add member" }
                }
            }
        }
    };
    Ok(page_response(
        "Teams",
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}

/// `POST /admin/teams`.
#[handler]
pub async fn create_team(req: &Request, app: Data<&App>, Form(form): Form<FormData>) -> WebResult {
    let me = admin(&app, req).await?;
    form.check_csrf(req, &me)?;
    app.create_team(&me.user, form.get("name")).await?;
    Ok(redirect("/admin/teams?done=changed"))
}

/// `POST /admin/teams/{id}/members`.
#[handler]
pub async fn add_member(
    req: &Request,
    app: Data<&App>,
    Path(team_id): Path<String>,
    Form(form): Form<FormData>,
) -> WebResult {
    let me = admin(&app, req).await?;
    form.check_csrf(req, &me)?;
    let is_lead = !form.get("is_lead").is_empty();
    app.set_team_member(&me.user, &team_id, form.get("user_id"), is_lead)
        .await?;
    Ok(redirect("/admin/teams?done=changed"))
}

/// `POST /admin/teams/{id}/members/{user}/remove`.
#[handler]
pub async fn remove_member(
    req: &Request,
    app: Data<&App>,
    Path((team_id, user_id)): Path<(String, String)>,
    Form(form): Form<FormData>,
) -> WebResult {
    let me = admin(&app, req).await?;
    form.check_csrf(req, &me)?;
    app.remove_team_member(&me.user, &team_id, &user_id).await?;
    Ok(redirect("/admin/teams?done=changed"))
}

/// `GET /admin/alerts`: run the alerts, and the deliveries that failed.
#[handler]
pub async fn alerts(req: &Request, app: Data<&App>, Query(q): Query<Done>) -> WebResult {
    let me = admin(&app, req).await?;
    let (failed, total) = app.alerts_by_status(&me.user, "failed", 100, 0).await?;
    Ok(alerts_page(&me, &q.done, &failed, total, None))
}

fn alerts_page(
    me: &SignedIn,
    done: &str,
    failed: &[crate::app::QueuedAlert],
    total: u64,
    report: Option<Markup>,
) -> Response {
    let main = html! {
        h1 { "Alerts" }
        (done_notice(done))
        @if let Some(report) = report { (report) }
        form method="post" action="/admin/alerts/run" {
            (csrf_field(&me.csrf))
            div.checkbox {
                input #f-dry-run type="checkbox" name="dry_run" value="yes" checked;
                label for="f-dry-run" { "Dry run: list what is due without sending anything" }
            }
            button.button type="submit" { "Run alerts now" }
        }
        h2 { (total) " failed deliveries" }
        @if failed.is_empty() { p { "No email has failed." } }
        ul.records {
            @for a in failed {
                li {
                    strong { (a.name) } " · " (a.kind)
                    @if let Some(title) = &a.item_title { " · " (title) }
                    p.meta { (a.attempts) " attempts; last error: " (a.last_error.as_deref().unwrap_or("none recorded")) }
                }
            }
        }
    };
    page_response("Alerts", Some(&me.viewer()), StatusCode::OK, main)
}

/// `POST /admin/alerts/run`.
#[handler]
pub async fn run_alerts(req: &Request, app: Data<&App>, Form(form): Form<FormData>) -> WebResult {
    let me = admin(&app, req).await?;
    form.check_csrf(req, &me)?;
    let dry_run = !form.get("dry_run").is_empty();
    let report = app.run_alerts(dry_run).await?;
    let summary = html! {
        div.notice role="status" {
            p {
                @if report.dry_run { "Dry run for " } @else { "Run for " } (report.as_of) ": "
                (report.due.total) " reminders and " (report.compliance.total) " compliance alerts due; "
                (report.sent.total) " sent; " (report.failed) " failed."
            }
        }
    };
    let (failed, total) = app.alerts_by_status(&me.user, "failed", 100, 0).await?;
    Ok(alerts_page(&me, "", &failed, total, Some(summary)))
}
