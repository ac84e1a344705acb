//! Audit and quality-improvement pages: the person's audits (and, for a
//! lead, their team's), recording one, and one with its files.

use maud::{Markup, html};
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
use crate::domain::audit::{AuditDraft, AuditKind};
use crate::domain::error::FieldError;
use crate::domain::record::{EvidenceFilter, RecordKind, is_record_id};

/// `GET /audits`.
#[handler]
pub async fn list(req: &Request, app: Data<&App>) -> WebResult {
    let me = session::require(&app, req).await?;
    let filter = EvidenceFilter {
        limit: 100,
        ..EvidenceFilter::default()
    };
    let found = app.list_evidence::<AuditDraft>(&me.user, &filter).await?;
    let main = html! {
        h1 { "Audits and quality improvement" }
        p { a.button href="/audits/new" { "Record an audit or QI project" } }
        @if found.items.is_empty() { p { "No audits recorded yet." } }
        ul.records {
            @for a in &found.items {
                li {
                    a href={ "/audits/" (a.id) } { (a.data.title) }
                    p.meta { (a.data.audit_kind.label()) " · started " (a.data.started_on)
                        @if a.owner_id != me.user.id() { " · a team member's" } }
                }
            }
        }
    };
    Ok(page_response(
        "Audits",
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}

/// `GET /audits/new`.
#[handler]
pub async fn new_form(req: &Request, app: Data<&App>) -> WebResult {
    let me = session::require(&app, req).await?;
    me.user.require_portfolio()?;
    let typed = FormData::from_pairs(vec![("started_on".to_owned(), app.today().to_string())]);
    Ok(form_page(&me, &typed, &[], StatusCode::OK))
}

fn label_of(field: &str) -> String {
    match field {
        "title" => "Title",
        "audit_kind" => "Kind of work",
        "my_role" => "Your role",
        "standard" => "Standard or guideline",
        "started_on" => "Started",
        "completed_on" => "Completed",
        "outcome_measures" => "Outcome measures",
        "findings" => "Findings",
        "actions" => "Actions",
        "reaudit_due" => "Re-audit due",
        other => other,
    }
    .to_owned()
}

fn form_page(me: &SignedIn, t: &FormData, e: &[FieldError], status: StatusCode) -> poem::Response {
    let kinds: Vec<(&str, &str)> = AuditKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label()))
        .collect();
    let main = html! {
        (error_summary(e, label_of))
        h1 { "Record an audit or QI project" }
        form method="post" action="/audits/new" novalidate {
            (csrf_field(&me.csrf))
            (Field::new("title", "Title", e).text("text", t.get("title")))
            (Field::new("audit_kind", "Kind of work", e).select(&kinds, t.get("audit_kind")))
            (Field::new("my_role", "Your role", e).hint("For example lead auditor, data collection").text("text", t.get("my_role")))
            (Field::new("standard", "Standard or guideline", e).hint("For example NICE NG222").text("text", t.get("standard")))
            (Field::new("started_on", "Started", e).hint("For example 2026-03-31").text("date", t.get("started_on")))
            (Field::new("completed_on", "Completed", e).hint("Optional").text("date", t.get("completed_on")))
            (Field::new("outcome_measures", "Outcome measures", e).hint("Separated by commas, for example COPM, WEMWBS").text("text", t.get("outcome_measures")))
            (Field::new("findings", "Findings", e).hint("No details that could identify a service user").textarea(t.get("findings"), 6))
            (Field::new("actions", "Actions", e).textarea(t.get("actions"), 4))
            (Field::new("reaudit_due", "Re-audit due", e).hint("Optional").text("date", t.get("reaudit_due")))
            button.button type="submit" { "Save audit" }
        }
    };
    page_response("Record an audit", Some(&me.viewer()), status, main)
}

/// The audit the form describes, or every problem with it at once.
fn to_draft(form: &FormData, today: Date) -> Result<AuditDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let started_on = form_day(form, "started_on", true, &mut errors);
    let completed_on = form_day(form, "completed_on", false, &mut errors);
    let reaudit_due = form_day(form, "reaudit_due", false, &mut errors);
    let audit_kind = AuditKind::parse(form.get("audit_kind"));
    if audit_kind.is_none() {
        errors.push(FieldError::new("audit_kind", "must be one of the choices"));
    }
    let draft = AuditDraft {
        title: form.get("title").to_owned(),
        audit_kind: audit_kind.unwrap_or(AuditKind::ClinicalAudit),
        my_role: form.get("my_role").to_owned(),
        standard: form.get("standard").to_owned(),
        started_on: started_on.unwrap_or(today),
        completed_on,
        outcome_measures: form
            .get("outcome_measures")
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect(),
        findings: form.get("findings").to_owned(),
        actions: form.get("actions").to_owned(),
        reaudit_due,
    };
    if errors.is_empty() {
        return Ok(draft);
    }
    Err(all_problems(errors, draft.validated(today)))
}

/// `POST /audits/new`.
#[handler]
pub async fn create(req: &Request, app: Data<&App>, Form(form): Form<FormData>) -> WebResult {
    let me = form.sender(&app, req).await?;
    let saved = match to_draft(&form, app.today()) {
        Ok(draft) => app.create_evidence(&me.user, draft).await,
        Err(errors) => Err(AppError::Validation(errors)),
    };
    match saved {
        Ok(record) => Ok(redirect(&format!("/audits/{}", record.id))),
        Err(AppError::Validation(errors)) => {
            Ok(form_page(&me, &form, &errors, StatusCode::BAD_REQUEST))
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /audits/{id}`.
#[handler]
pub async fn show(req: &Request, app: Data<&App>, Path(id): Path<String>) -> WebResult {
    let me = session::require(&app, req).await?;
    if !is_record_id(&id) {
        return Err(AppError::NotFound("audit").into());
    }
    let (a, access) = app.evidence::<AuditDraft>(&me.user, &id).await?;
    let files =
        extras::files_section(&app, &me, RecordKind::Audit, &id, access == Access::Owner).await?;
    let d = &a.data;
    let main: Markup = html! {
        h1 { (d.title) }
        p.meta { (d.audit_kind.label()) " · started " (d.started_on)
            @if let Some(done) = d.completed_on { " · completed " (done) } }
        (pii::warnings_section(&a, &me))
        dl {
            @if !d.my_role.is_empty() { dt { "Role" } dd { (d.my_role) } }
            @if !d.standard.is_empty() { dt { "Standard" } dd { (d.standard) } }
            @if !d.outcome_measures.is_empty() { dt { "Outcome measures" } dd { (d.outcome_measures.join(", ")) } }
            @if let Some(due) = d.reaudit_due { dt { "Re-audit due" } dd { (due) } }
        }
        h2 { "Findings" }
        div.prose { p { (d.findings) } }
        h2 { "Actions" }
        div.prose { p { (d.actions) } }
        (files)
        p { a href="/audits" { "Back to audits" } }
    };
    Ok(page_response(
        &d.title,
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}
