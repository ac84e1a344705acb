//! Training pages: the person's certificates with the expiry computed from
//! the catalogue, and adding one by choosing the course and attaching the
//! certificate file (a plain file input, which is also a drop target).
//! The form is multipart: its text fields come first, so the record is
//! saved before the file that follows is streamed to the attachment store.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Multipart, Path, Query};
use poem::{Request, Response, handler};
use time::Date;

use super::error::{WebError, WebResult, redirect};
use super::extras;
use super::form::{FormData, NOT_A_DATE, typed_day};
use super::layout::{Field, csrf_field, error_summary, notice, page_response};
use super::session::{self, SignedIn};
use crate::app::{App, AppError};
use crate::domain::access::Access;
use crate::domain::dates::long_uk;
use crate::domain::error::FieldError;
use crate::domain::record::{EvidenceFilter, RecordKind, is_record_id};
use crate::domain::training::TrainingDraft;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ListQuery {
    saved: String,
}

/// `GET /training`: the person's training, newest first.
#[handler]
pub async fn list(req: &Request, app: Data<&App>, Query(query): Query<ListQuery>) -> WebResult {
    let me = session::require(&app, req).await?;
    let filter = EvidenceFilter {
        owner: Some(me.user.id().to_owned()),
        limit: 100,
        ..EvidenceFilter::default()
    };
    let found = app
        .list_evidence::<TrainingDraft>(&me.user, &filter)
        .await?;
    let main = html! {
        h1 { "Training" }
        @if query.saved == "1" { (notice("Your training has been saved.")) }
        p { a.button href="/training/new" { "Add a certificate" } }
        @if found.items.is_empty() {
            p { "No training recorded yet." }
        } @else {
            div.table-wrap role="region" aria-label="Your training" tabindex="0" {
                table {
                    caption.visually-hidden { "Your training" }
                    thead { tr { th scope="col" { "Course" } th scope="col" { "Completed" } th scope="col" { "Expires" } th scope="col" { "Verified" } } }
                    tbody {
                        @for t in &found.items {
                            tr {
                                th scope="row" { a href={ "/training/" (t.id) } { (t.data.course_title) } }
                                td { (t.data.completed_on) }
                                td { @match t.data.expires_on { Some(d) => (d), None => "Does not expire" } }
                                td { @if t.workflow.verification.is_some() { "Verified by a lead" } @else { "Not yet" } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page_response(
        "Training",
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}

/// `GET /training/{id}`: one training record as the person may see it,
/// with its certificate files and history (404 when they may not).
#[handler]
pub async fn show(req: &Request, app: Data<&App>, Path(id): Path<String>) -> WebResult {
    let me = session::require(&app, req).await?;
    if !is_record_id(&id) {
        return Err(AppError::NotFound("training record").into());
    }
    let (t, access) = app.evidence::<TrainingDraft>(&me.user, &id).await?;
    let files = extras::files_section(
        &app,
        &me,
        RecordKind::Training,
        &id,
        access == Access::Owner,
    )
    .await?;
    let d = &t.data;
    let main = html! {
        h1 { (d.course_title) }
        dl {
            dt { "Completed" } dd { (long_uk(d.completed_on)) }
            dt { "Expires" } dd { @match d.expires_on { Some(on) => (long_uk(on)), None => "Does not expire" } }
            @if !d.provider.is_empty() { dt { "Provider" } dd { (d.provider) } }
            @if let Some(stated) = d.certificate_expires_on { dt { "Expiry on the certificate" } dd { (long_uk(stated)) } }
            dt { "Verified" }
            dd { @match &t.workflow.verification { Some(v) => { "Verified by a lead on " (long_uk(v.verified_at.date())) }, None => "Not yet" } }
            @if let Some(imported) = &d.imported { dt { "Source" } dd { "Imported from the Electronic Staff Record on " (long_uk(imported.on)) } }
        }
        @if !d.notes.trim().is_empty() { h2 { "Notes" } div.prose { p { (d.notes) } } }
        (files)
        p { a href="/training" { "Back to training" } }
    };
    Ok(page_response(
        &d.course_title,
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}

/// `GET /training/new`.
#[handler]
pub async fn new_form(req: &Request, app: Data<&App>) -> WebResult {
    let me = session::require(&app, req).await?;
    me.user.require_portfolio()?;
    let typed = FormData::from_pairs(vec![("completed_on".to_owned(), app.today().to_string())]);
    Ok(form_page(&app, &me, &typed, &[], StatusCode::OK))
}

fn label_of(field: &str) -> String {
    match field {
        "course" => "Course",
        "completed_on" => "Date completed",
        "provider" => "Provider",
        "certificate_expires_on" => "Expiry date on the certificate",
        "notes" => "Notes",
        "file" => "Certificate file",
        other => other,
    }
    .to_owned()
}

fn form_page(
    app: &App,
    me: &SignedIn,
    typed: &FormData,
    errors: &[FieldError],
    status: StatusCode,
) -> Response {
    page_response(
        "Add a certificate",
        Some(&me.viewer()),
        status,
        form_markup(app, me, typed, errors),
    )
}

fn form_markup(app: &App, me: &SignedIn, typed: &FormData, e: &[FieldError]) -> Markup {
    let mut courses: Vec<(&str, &str)> = vec![("", "Choose a course")];
    courses.extend(
        app.content()
            .training
            .iter()
            .map(|c| (c.key.as_str(), c.title.as_str())),
    );
    let file = Field::new("file", "Certificate file", e)
        .hint("A PDF or a photo (PNG or JPEG). Drag it onto the box or choose it.");
    html! {
        (error_summary(e, label_of))
        h1 { "Add a certificate" }
        @if !e.is_empty() {
            p { "If you chose a file, choose it again: files are not kept when a form has problems." }
        }
        form method="post" action="/training/new" enctype="multipart/form-data" novalidate {
            (csrf_field(&me.csrf))
            (Field::new("course", "Course", e).hint("From your organisation's training catalogue").select(&courses, typed.get("course")))
            (Field::new("completed_on", "Date completed", e).hint("For example 2026-03-31").text("date", typed.get("completed_on")))
            (Field::new("provider", "Provider", e).hint("Optional, for example e-Learning for Healthcare").text("text", typed.get("provider")))
            (Field::new("certificate_expires_on", "Expiry date on the certificate", e).hint("Only if the certificate states one; otherwise the catalogue decides").text("date", typed.get("certificate_expires_on")))
            (Field::new("notes", "Notes", e).textarea(typed.get("notes"), 3))
            (file.wrap(html! {
                input.file-drop #(file.id()) type="file" name="file" accept=".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"
                    aria-describedby=[file.described_by()];
            }))
            button.button type="submit" { "Save training" }
        }
    }
}

fn parse_optional_day(form: &FormData, field: &str, errors: &mut Vec<FieldError>) -> Option<Date> {
    typed_day(form.get(field)).unwrap_or_else(|()| {
        errors.push(FieldError::new(field, NOT_A_DATE));
        None
    })
}

/// The training the fields describe, or what is wrong with them.
fn to_draft(form: &FormData) -> Result<TrainingDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    if form.get("course").is_empty() {
        errors.push(FieldError::new("course", "Choose the course"));
    }
    let completed_on = match parse_optional_day(form, "completed_on", &mut errors) {
        Some(day) => Some(day),
        None if form.get("completed_on").trim().is_empty() => {
            errors.push(FieldError::new("completed_on", "must not be empty"));
            None
        }
        None => None,
    };
    let certificate_expires_on = parse_optional_day(form, "certificate_expires_on", &mut errors);
    match completed_on {
        Some(completed_on) if errors.is_empty() => Ok(TrainingDraft {
            course: form.get("course").to_owned(),
            completed_on,
            provider: form.get("provider").to_owned(),
            certificate_expires_on,
            notes: form.get("notes").to_owned(),
            course_title: String::new(),
            expires_on: None,
            imported: None,
        }),
        _ => Err(errors),
    }
}

/// `POST /training/new`: saves the training, then the certificate file.
#[handler]
pub async fn create(req: &Request, app: Data<&App>, mut body: Multipart) -> WebResult {
    let me = session::require(&app, req).await?;
    let (form, file) = read_form(&mut body).await?;
    form.check_csrf(req, &me)?;
    let saved = match to_draft(&form) {
        Ok(draft) => app.create_evidence(&me.user, draft).await,
        Err(errors) => Err(AppError::Validation(errors)),
    };
    let record = match saved {
        Ok(record) => record,
        Err(AppError::Validation(errors)) => {
            return Ok(form_page(
                &app,
                &me,
                &form,
                &errors,
                StatusCode::BAD_REQUEST,
            ));
        }
        Err(other) => return Err(other.into()),
    };
    let Some(field) = file else {
        return Ok(redirect("/training?saved=1"));
    };
    let file_name = field.file_name().map(str::to_owned);
    let stream = Box::pin(field.into_async_read());
    match app
        .add_attachment(&me.user, RecordKind::Training, &record.id, file_name.as_deref(), stream)
        .await
    {
        Ok(_) => Ok(redirect("/training?saved=1")),
        Err(err @ (AppError::UnsupportedMediaType(_) | AppError::PayloadTooLarge(_))) => {
            Err(AppError::BadRequest(format!(
                "Your training was saved, but the certificate was not attached: {err}. Attach a PDF, PNG or JPEG file."
            ))
            .into())
        }
        Err(other) => Err(other.into()),
    }
}

/// The text fields, and the certificate file when one was chosen (the
/// form puts it last, so the fields are read before it).
async fn read_form(body: &mut Multipart) -> WebResult<(FormData, Option<poem::web::Field>)> {
    let mut pairs = Vec::new();
    while let Some(field) = body.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let chosen = field.file_name().is_some_and(|n| !n.is_empty());
            return Ok((FormData::from_pairs(pairs), chosen.then_some(field)));
        }
        let value = field.text().await.map_err(unreadable)?;
        pairs.push((name, value));
    }
    Ok((FormData::from_pairs(pairs), None))
}

fn unreadable(err: impl std::fmt::Display) -> WebError {
    AppError::BadRequest(format!("the form cannot be read: {err}")).into()
}
