//! The development plan in the browser: the person's objectives, adding
//! one, one with its files, and updating its status and progress. Private
//! to the person, like the API.

use maud::{Markup, PreEscaped, html};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, handler};
use time::Date;

use super::error::{WebResult, redirect};
use super::extras;
use super::form::{FormData, all_problems, form_day};
use super::layout::{Field, csrf_field, error_summary, page_response};
use super::pii;
use super::session::{self, SignedIn};
use crate::app::{App, AppError};
use crate::domain::access::Access;
use crate::domain::error::FieldError;
use crate::domain::objective::{ObjectiveDraft, ObjectiveStatus};
use crate::domain::record::{Evidence, EvidenceFilter, RecordKind, RecordLink, is_record_id};
use crate::export::html::to_safe_html;

/// `GET /objectives`.
#[handler]
pub async fn list(req: &Request, app: Data<&App>) -> WebResult {
    let me = session::require(&app, req).await?;
    me.user.require_portfolio()?;
    let filter = EvidenceFilter {
        limit: 100,
        ..EvidenceFilter::default()
    };
    let found = app
        .list_evidence::<ObjectiveDraft>(&me.user, &filter)
        .await?;
    let today = app.today();
    let main = html! {
        h1 { "Development plan" }
        p { "Your objectives: what you will develop, why, how and by when. Only you see them, unless you share your appraisal pack with your lead." }
        p { a.button href="/objectives/new" { "Add an objective" } }
        @if found.items.is_empty() { p { "No objectives yet." } }
        ul.records {
            @for o in &found.items {
                li {
                    a href={ "/objectives/" (o.id) } { (o.data.title) }
                    p.meta { (o.data.status.label()) " · due " (o.data.due_on)
                        @if o.data.status.is_open() && o.data.due_on < today { " · past its date" } }
                }
            }
        }
    };
    Ok(page_response(
        "Development plan",
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}

/// `GET /objectives/new`.
#[handler]
pub async fn new_form(req: &Request, app: Data<&App>) -> WebResult {
    let me = session::require(&app, req).await?;
    me.user.require_portfolio()?;
    let typed = FormData::from_pairs(vec![
        ("agreed_on".to_owned(), app.today().to_string()),
        ("status".to_owned(), "not_started".to_owned()),
    ]);
    Ok(form_page(&me, None, &typed, &[], StatusCode::OK))
}

fn label_of(field: &str) -> String {
    match field {
        "title" => "What you will develop",
        "why" => "Why",
        "how" => "How",
        "agreed_on" => "Agreed on",
        "due_on" => "Due by",
        "status" => "Status",
        "progress" => "Progress so far",
        other => other,
    }
    .to_owned()
}

/// The form to add an objective (`editing` none) or change one.
fn form_page(
    me: &SignedIn,
    editing: Option<&str>,
    t: &FormData,
    e: &[FieldError],
    status: StatusCode,
) -> poem::Response {
    let statuses: Vec<(&str, &str)> = ObjectiveStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();
    let (heading, action) = match editing {
        Some(id) => ("Update the objective", format!("/objectives/{id}/edit")),
        None => ("Add an objective", "/objectives/new".to_owned()),
    };
    let main = html! {
        (error_summary(e, label_of))
        h1 { (heading) }
        form method="post" action=(action) novalidate {
            (csrf_field(&me.csrf))
            (Field::new("title", "What you will develop", e).text("text", t.get("title")))
            (Field::new("why", "Why", e).hint("The need it meets: your service, role, feedback or the standards").textarea(t.get("why"), 4))
            (Field::new("how", "How", e).hint("The activities and support you plan").textarea(t.get("how"), 4))
            (Field::new("agreed_on", "Agreed on", e).hint("For example 2026-04-01").text("date", t.get("agreed_on")))
            (Field::new("due_on", "Due by", e).hint("For example 2027-03-31").text("date", t.get("due_on")))
            (Field::new("status", "Status", e).select(&statuses, t.get("status")))
            (Field::new("progress", "Progress so far", e).hint("No details that could identify a service user").textarea(t.get("progress"), 4))
            button.button type="submit" { "Save objective" }
        }
    };
    page_response(heading, Some(&me.viewer()), status, main)
}

/// The objective the form describes (keeping `evidence` as it was), or
/// every problem with it at once.
fn to_draft(
    form: &FormData,
    evidence: Vec<RecordLink>,
    today: Date,
) -> Result<ObjectiveDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let agreed_on = form_day(form, "agreed_on", true, &mut errors);
    let due_on = form_day(form, "due_on", true, &mut errors);
    let status = ObjectiveStatus::parse(form.get("status"));
    if status.is_none() {
        errors.push(FieldError::new("status", "must be one of the choices"));
    }
    let draft = ObjectiveDraft {
        title: form.get("title").to_owned(),
        why: form.get("why").to_owned(),
        how: form.get("how").to_owned(),
        agreed_on: agreed_on.unwrap_or(today),
        due_on: due_on.or(agreed_on).unwrap_or(today),
        status: status.unwrap_or_default(),
        progress: form.get("progress").to_owned(),
        evidence,
    };
    if errors.is_empty() {
        return Ok(draft);
    }
    Err(all_problems(errors, draft.validated(today)))
}

/// `POST /objectives/new`.
#[handler]
pub async fn create(req: &Request, app: Data<&App>, Form(form): Form<FormData>) -> WebResult {
    let me = form.sender(&app, req).await?;
    let saved = match to_draft(&form, Vec::new(), app.today()) {
        Ok(draft) => app.create_evidence(&me.user, draft).await,
        Err(errors) => Err(AppError::Validation(errors)),
    };
    match saved {
        Ok(record) => Ok(redirect(&format!("/objectives/{}", record.id))),
        Err(AppError::Validation(errors)) => Ok(form_page(
            &me,
            None,
            &form,
            &errors,
            StatusCode::BAD_REQUEST,
        )),
        Err(other) => Err(other.into()),
    }
}

/// The caller's own objective; anyone else's is not found.
async fn owned(app: &App, me: &SignedIn, id: &str) -> WebResult<Evidence<ObjectiveDraft>> {
    if !is_record_id(id) {
        return Err(AppError::NotFound("development objective").into());
    }
    match app.evidence::<ObjectiveDraft>(&me.user, id).await? {
        (record, Access::Owner) => Ok(record),
        _ => Err(AppError::NotFound("development objective").into()),
    }
}

/// `GET /objectives/{id}/edit`: the form, filled with the objective.
#[handler]
pub async fn edit_form(req: &Request, app: Data<&App>, Path(id): Path<String>) -> WebResult {
    let me = session::require(&app, req).await?;
    let current = owned(&app, &me, &id).await?;
    let d = &current.data;
    let typed = FormData::from_pairs(
        [
            ("title", d.title.clone()),
            ("why", d.why.clone()),
            ("how", d.how.clone()),
            ("agreed_on", d.agreed_on.to_string()),
            ("due_on", d.due_on.to_string()),
            ("status", d.status.as_str().to_owned()),
            ("progress", d.progress.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    );
    Ok(form_page(&me, Some(&id), &typed, &[], StatusCode::OK))
}

/// `POST /objectives/{id}/edit`.
#[handler]
pub async fn update(
    req: &Request,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<FormData>,
) -> WebResult {
    let me = form.sender(&app, req).await?;
    let current = owned(&app, &me, &id).await?;
    let saved = match to_draft(&form, current.data.evidence, app.today()) {
        Ok(draft) => app.update_evidence(&me.user, &id, draft).await,
        Err(errors) => Err(AppError::Validation(errors)),
    };
    match saved {
        Ok(record) => Ok(redirect(&format!("/objectives/{}", record.id))),
        Err(AppError::Validation(errors)) => Ok(form_page(
            &me,
            Some(&id),
            &form,
            &errors,
            StatusCode::BAD_REQUEST,
        )),
        Err(other) => Err(other.into()),
    }
}

/// `GET /objectives/{id}`.
#[handler]
pub async fn show(req: &Request, app: Data<&App>, Path(id): Path<String>) -> WebResult {
    let me = session::require(&app, req).await?;
    if !is_record_id(&id) {
        return Err(AppError::NotFound("development objective").into());
    }
    let (o, access) = app.evidence::<ObjectiveDraft>(&me.user, &id).await?;
    let owner = access == Access::Owner;
    let files = extras::files_section(&app, &me, RecordKind::Objective, &id, owner).await?;
    let d = &o.data;
    let main: Markup = html! {
        h1 { (d.title) }
        p.meta { (d.status.label()) " · agreed " (d.agreed_on) " · due " (d.due_on) }
        (pii::warnings_section(&o, &me))
        @if owner { p { a.button.button--secondary href={ "/objectives/" (o.id) "/edit" } { "Update status and progress" } } }
        h2 { "Why" }
        div.prose { (PreEscaped(to_safe_html(&d.why))) }
        h2 { "How" }
        div.prose { (PreEscaped(to_safe_html(&d.how))) }
        h2 { "Progress so far" }
        div.prose { (PreEscaped(to_safe_html(&d.progress))) }
        @if !d.evidence.is_empty() {
            h2 { "Evidence" }
            ul {
                @for link in &d.evidence {
                    li { a href={ "/" (link.kind.path()) "/" (link.id) } { (link.kind.label()) } }
                }
            }
        }
        (files)
        p { a href={ "/objectives/" (o.id) "/history" } { "Version history" } }
        p { a href="/objectives" { "Back to the development plan" } }
    };
    Ok(page_response(
        &d.title,
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}
