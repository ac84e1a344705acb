//! The person's account: their details, and setting a new password (the
//! only page open to an account still on a password an admin chose).

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{IntoResponse, Request, Response, handler};

use super::error::{WebError, WebResult, redirect};
use super::form::FormData;
use super::layout::{Field, csrf_field, error_summary, page_response};
use super::session::{self, SignedIn};
use crate::app::{App, AppError, ProfileUpdate};
use crate::domain::error::FieldError;
use crate::domain::profile::SUMMARY_WORD_LIMIT;
use crate::http::api::portable::ZipFile;
use crate::http::client::client_ip;

fn html_page(title: &str, me: &SignedIn, status: StatusCode, main: Markup) -> Response {
    page_response(title, Some(&me.viewer()), status, main)
}

/// `GET /account`.
#[handler]
pub async fn account(req: &Request, app: Data<&App>) -> WebResult {
    let me = session::require(&app, req).await?;
    let typed = details_of(&me);
    let calendar = Calendar::of(&app, &me).await?;
    Ok(account_page(&me, &typed, &[], &calendar, StatusCode::OK))
}

/// The person's details as the form shows them.
fn details_of(me: &SignedIn) -> FormData {
    let u = &me.user.user;
    FormData::from_pairs(vec![
        ("name".to_owned(), u.name.clone()),
        (
            "hcpc_number".to_owned(),
            u.hcpc_number.clone().unwrap_or_default(),
        ),
        ("practice_summary".to_owned(), u.practice_summary.clone()),
    ])
}

/// The calendar feed as the account page shows it: whether one exists,
/// and its address just after it was made (shown that once only).
enum Calendar {
    /// Admins keep no portfolio and have no due dates.
    NotApplicable,
    None,
    Since(time::OffsetDateTime),
    New(String),
}

impl Calendar {
    async fn of(app: &App, me: &SignedIn) -> WebResult<Self> {
        if !me.user.user.role.keeps_portfolio() {
            return Ok(Self::NotApplicable);
        }
        Ok(match app.calendar_feed_since(&me.user).await? {
            Some(since) => Self::Since(since),
            None => Self::None,
        })
    }

    fn markup(&self, me: &SignedIn) -> Markup {
        let create = |label: &str| {
            html! {
                form.inline method="post" action="/account/calendar" {
                    (csrf_field(&me.csrf))
                    button.button.button--secondary type="submit" { (label) }
                }
            }
        };
        let revoke = html! {
            form.inline method="post" action="/account/calendar/revoke" {
                (csrf_field(&me.csrf))
                button.button.button--secondary type="submit" { "Stop the calendar address" }
            }
        };
        html! {
            @if !matches!(self, Self::NotApplicable) {
                section aria-labelledby="calendar-title" {
                    h2 #calendar-title { "Calendar" }
                    @match self {
                        Self::New(url) => {
                            div.notice role="status" {
                                p { "Your calendar address (shown this once; anyone with it sees your due dates, titles and dates only):" }
                                p { code { (url) } }
                            }
                            (revoke)
                        }
                        Self::Since(since) => {
                            p { "Your due dates are published to a calendar address made on " (crate::domain::dates::long_uk(since.date())) ". Making a new one stops the old one." }
                            (create("Make a new calendar address")) " " (revoke)
                        }
                        _ => {
                            p { "Subscribe your calendar (Outlook, Google, Apple) to your due dates: training, supervision, registration." }
                            (create("Make a calendar address"))
                        }
                    }
                }
            }
        }
    }
}

fn account_page(
    me: &SignedIn,
    t: &FormData,
    e: &[FieldError],
    calendar: &Calendar,
    status: StatusCode,
) -> Response {
    let label_of = |f: &str| match f {
        "name" => "Name".to_owned(),
        "hcpc_number" => "HCPC registration number".to_owned(),
        _ => "Summary of recent work and practice".to_owned(),
    };
    let main = html! {
        (error_summary(e, label_of))
        h1 { "Your account" }
        p { "Signed in as " strong { (me.user.user.email) } "." }
        form method="post" action="/account" novalidate {
            (csrf_field(&me.csrf))
            (Field::new("name", "Name", e).text("text", t.get("name")))
            (Field::new("hcpc_number", "HCPC registration number", e).hint("For example OT12345").text("text", t.get("hcpc_number")))
            (Field::new("practice_summary", "Summary of recent work and practice", e)
                .hint("Part 1 of the HCPC CPD profile: at most 500 words. Write about your work, not about service users.")
                .counted_textarea(t.get("practice_summary"), 10, Some(SUMMARY_WORD_LIMIT)))
            button.button type="submit" { "Save details" }
        }
        ul {
            li { a href="/account/password" { "Change your password" } }
            li { a href="/account/access-log" { "Who has seen your records" } }
            @if me.user.user.role.keeps_portfolio() {
                li { a href="/account/export" download { "Download your whole record (zip)" } " — every record, version and file, to keep or take to a new employer" }
            }
        }
        (calendar.markup(me))
    };
    page_response("Your account", Some(&me.viewer()), status, main)
}

/// `POST /account`: the person's name, HCPC number and summary.
#[handler]
pub async fn update_account(
    req: &Request,
    app: Data<&App>,
    Form(form): Form<FormData>,
) -> WebResult {
    let me = form.sender(&app, req).await?;
    let hcpc = form.get("hcpc_number").trim();
    let update = ProfileUpdate {
        name: Some(form.get("name").to_owned()),
        hcpc_number: Some((!hcpc.is_empty()).then(|| hcpc.to_owned())),
        practice_summary: Some(form.get("practice_summary").to_owned()),
    };
    match app.update_me(&me.user, update).await {
        Ok(_) => Ok(redirect("/account")),
        Err(AppError::Validation(errors)) => {
            let calendar = Calendar::of(&app, &me).await?;
            Ok(account_page(
                &me,
                &form,
                &errors,
                &calendar,
                StatusCode::BAD_REQUEST,
            ))
        }
        Err(other) => Err(other.into()),
    }
}

async fn signed_in_any(app: &App, req: &Request) -> WebResult<SignedIn> {
    session::signed_in(app, req)
        .await?
        .ok_or_else(|| WebError::SignIn {
            next: "/account/password".to_owned(),
        })
}

fn password_form(me: &SignedIn, errors: &[FieldError]) -> Markup {
    let label_of = |f: &str| match f {
        "current_password" => "Current password".to_owned(),
        _ => "New password".to_owned(),
    };
    html! {
        (error_summary(errors, label_of))
        h1 { "Change your password" }
        @if me.user.user.must_change_password {
            p { "An administrator chose your password. Choose your own before you carry on." }
        }
        form method="post" action="/account/password" novalidate {
            (csrf_field(&me.csrf))
            (Field::new("current_password", "Current password", errors).text("password", ""))
            (Field::new("new_password", "New password", errors)
                .hint("At least 12 characters. A few unrelated words make a strong password.")
                .text("password", ""))
            button.button type="submit" { "Change password" }
        }
    }
}

/// `GET /account/password`.
#[handler]
pub async fn password_page(req: &Request, app: Data<&App>) -> WebResult {
    let me = signed_in_any(&app, req).await?;
    Ok(html_page(
        "Change your password",
        &me,
        StatusCode::OK,
        password_form(&me, &[]),
    ))
}

/// `POST /account/password`.
#[handler]
pub async fn change_password(
    req: &Request,
    app: Data<&App>,
    Form(form): Form<FormData>,
) -> WebResult {
    let me = signed_in_any(&app, req).await?;
    form.check_csrf(req, &me)?;
    let client = client_ip(req, app.config());
    let result = app
        .change_password(
            &me.user,
            form.get("current_password"),
            form.get("new_password"),
            client,
        )
        .await;
    let errors = match result {
        Ok(()) => return Ok(redirect("/")),
        Err(AppError::Validation(errors)) => errors,
        Err(other) => return Err(other.into()),
    };
    Ok(html_page(
        "Change your password",
        &me,
        StatusCode::BAD_REQUEST,
        password_form(&me, &errors),
    ))
}

/// `GET /account/export`: the person's whole record as a zip.
#[handler]
pub async fn export(req: &Request, app: Data<&App>) -> WebResult {
    let me = session::require(&app, req).await?;
    let export = app.export_portfolio(&me.user).await?;
    let disposition = format!("attachment; filename=\"{}\"", export.file_name());
    Ok(ZipFile(export.file)
        .into_response()
        .with_header(poem::http::header::CONTENT_DISPOSITION, disposition)
        .into_response())
}

/// `POST /account/calendar`: a new calendar address, shown on the page
/// (never in a URL) this once.
#[handler]
pub async fn create_calendar(
    req: &Request,
    app: Data<&App>,
    Form(form): Form<FormData>,
) -> WebResult {
    let me = form.sender(&app, req).await?;
    let feed = app.create_calendar_feed(&me.user).await?;
    let typed = details_of(&me);
    Ok(account_page(
        &me,
        &typed,
        &[],
        &Calendar::New(feed.url),
        StatusCode::OK,
    ))
}

/// `POST /account/calendar/revoke`: the address stops working.
#[handler]
pub async fn revoke_calendar(
    req: &Request,
    app: Data<&App>,
    Form(form): Form<FormData>,
) -> WebResult {
    let me = form.sender(&app, req).await?;
    app.revoke_calendar_feed(&me.user).await?;
    Ok(redirect("/account"))
}
