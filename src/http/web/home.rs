//! The home page: what needs doing now (overdue, missing and due-soon
//! compliance items with their dates), what the CPD record is missing
//! (a three-month gap, a mixture of activity types) and a picture of the
//! last two years of CPD.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Request, handler};

use super::chart::cpd_chart;
use super::error::WebResult;
use super::layout::page_response;
use super::session::{self, SignedIn};
use crate::app::App;
use crate::domain::compliance::{PersonCompliance, Status};
use crate::domain::profile::CpdProfile;
use crate::domain::profile::monthly::hours_by_month;

const CHART_MONTHS: u32 = 24;

/// `GET /`: home for a signed-in person; everyone else signs in first.
#[handler]
pub async fn home(req: &Request, app: Data<&App>) -> WebResult {
    let me = session::require(&app, req).await?;
    let main = if me.user.user.role.keeps_portfolio() {
        let compliance = app.my_compliance(&me.user).await?;
        let (profile, flagged) = app.cpd_overview(&me.user).await?;
        practitioner_home(&me, &compliance, &profile, flagged)
    } else {
        admin_home(&me)
    };
    Ok(page_response(
        "Home",
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}

fn status_text(status: Status) -> &'static str {
    match status {
        Status::Compliant => "In date",
        Status::DueSoon => "Due soon",
        Status::Overdue => "Overdue",
        Status::Missing => "Missing",
    }
}

/// A status as words in a box whose colour repeats what the words say.
pub fn status_tag(status: Status) -> Markup {
    html! { strong class={ "status status--" (status.as_str()) } { (status_text(status)) } }
}

fn practitioner_home(
    me: &SignedIn,
    c: &PersonCompliance,
    p: &CpdProfile,
    flagged: usize,
) -> Markup {
    let to_do: Vec<_> = c
        .items
        .iter()
        .filter(|i| i.status != Status::Compliant)
        .collect();
    let months = hours_by_month(&p.activities, p.to, CHART_MONTHS);
    html! {
        h1 { "Hello, " (me.user.user.name) }
        @if flagged > 0 {
            div.warning role="status" {
                p {
                    (flagged) " passage(s) in your records may identify a service user. "
                    a href="/profile" { "Check them" } " before you make your CPD profile."
                }
            }
        }
        section aria-labelledby="todo-title" {
            h2 #todo-title { "What needs doing" }
            @if to_do.is_empty() {
                p { "Everything you are asked to keep is in date." }
            } @else {
                ul.records {
                    @for item in &to_do {
                        li {
                            strong { (item.title) } " " (status_tag(item.status))
                            p.meta {
                                @match item.due_on {
                                    Some(due) if item.status == Status::Overdue => { "Lapsed after " (due) }
                                    Some(due) => { "Due by " (due) }
                                    None => { "Nothing recorded yet" }
                                }
                            }
                        }
                    }
                }
            }
            p.meta { (c.counts.compliant) " in date, " (c.counts.due_soon) " due soon, "
                (c.counts.overdue) " overdue, " (c.counts.missing) " missing." }
        }
        section aria-labelledby="cpd-title" {
            h2 #cpd-title { "Your CPD, last two years" }
            @for gap in &p.checks.gaps {
                div.notice {
                    p { @if gap.open { "No CPD recorded since " (gap.from) " (" (gap.days) " days). The HCPC asks for a continuous record: "
                        a href="/reflections/new" { "write a reflection" } "." }
                        @else { "No CPD recorded from " (gap.from) " to " (gap.to) " (" (gap.days) " days)." } }
                }
            }
            @if !p.checks.mixture.is_mixture {
                div.notice { p { "Your record shows fewer than two types of learning activity. HCPC CPD standard 2 asks for a mixture." } }
            }
            (cpd_chart(&months))
        }
    }
}

fn admin_home(me: &SignedIn) -> Markup {
    html! {
        h1 { "Hello, " (me.user.user.name) }
        p { "Administrators manage accounts and teams and keep no portfolio of their own." }
        ul {
            li { a href="/admin/users" { "Accounts" } }
            li { a href="/admin/teams" { "Teams" } }
            li { a href="/admin/alerts" { "Alerts" } }
        }
    }
}
