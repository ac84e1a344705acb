//! Supervision pages: the person's sessions and the records awaiting their
//! countersignature; one record with its sign-off, returned comment,
//! addenda and actions; and each step (submit, sign off, return with a
//! comment, add an addendum, close an action) as a small form of its own.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, handler};

use super::error::{WebResult, redirect};
use super::extras;
use super::form::FormData;
use super::layout::{Field, csrf_field, error_summary, notice, page_response};
use super::pii;
use super::session::{self, SignedIn};
use super::supervision_form::{SupervisionFormView, form_page, to_draft, typed_from_draft};
use crate::app::{App, AppError};
use crate::domain::access::Access;
use crate::domain::error::FieldError;
use crate::domain::record::{Evidence, EvidenceFilter, RecordKind, SignOffStatus, is_record_id};
use crate::domain::supervision::{ActionStatus, SupervisionDraft};

type Supervision = Evidence<SupervisionDraft>;

fn status_text(status: SignOffStatus) -> &'static str {
    match status {
        SignOffStatus::Draft => "Draft",
        SignOffStatus::Submitted => "Waiting for countersigning",
        SignOffStatus::Returned => "Returned to you",
        SignOffStatus::Signed => "Signed off",
    }
}

fn check_id(id: &str) -> WebResult<()> {
    if is_record_id(id) {
        Ok(())
    } else {
        Err(AppError::NotFound("supervision record").into())
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ListQuery {
    saved: String,
}

/// `GET /supervision`: what awaits the person's countersignature, then
/// their own sessions.
#[handler]
pub async fn list(req: &Request, app: Data<&App>, Query(query): Query<ListQuery>) -> WebResult {
    let me = session::require(&app, req).await?;
    let filter = EvidenceFilter {
        limit: 100,
        ..EvidenceFilter::default()
    };
    let seen = app
        .list_evidence::<SupervisionDraft>(&me.user, &filter)
        .await?;
    let (mine, others): (Vec<&Supervision>, Vec<&Supervision>) =
        seen.items.iter().partition(|s| s.owner_id == me.user.id());
    let awaiting: Vec<&Supervision> = others
        .into_iter()
        .filter(|s| {
            s.workflow.sign_off.status == SignOffStatus::Submitted
                && s.data.supervisor_id.as_deref() == Some(me.user.id())
        })
        .collect();
    let main = html! {
        h1 { "Supervision" }
        @if query.saved == "1" { (notice("Your supervision record has been saved.")) }
        p { a.button href="/supervision/new" { "Record a supervision session" } }
        h2 { "Waiting for your countersignature" }
        @if awaiting.is_empty() { p { "Nothing is waiting for you." } }
        ul.records { @for s in &awaiting { li { (line(s)) } } }
        h2 { "Your sessions" }
        @if mine.is_empty() { p { "No supervision recorded yet." } }
        ul.records { @for s in &mine { li { (line(s)) } } }
    };
    Ok(page_response(
        "Supervision",
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}

fn line(s: &Supervision) -> Markup {
    html! {
        a href={ "/supervision/" (s.id) } { (s.data.supervision_type.label()) " on " (s.data.date) }
        p.meta { (status_text(s.workflow.sign_off.status)) " · " (s.data.duration_minutes) " minutes" }
    }
}

/// The supervision form with the person's teammates to choose from.
async fn show_form(
    app: &App,
    me: &SignedIn,
    action: &str,
    typed: &FormData,
    errors: &[crate::domain::error::FieldError],
    status: StatusCode,
) -> WebResult {
    let colleagues = app.colleagues(&me.user).await?;
    let heading = if action == "/supervision/new" {
        "Record a supervision session"
    } else {
        "Edit supervision record"
    };
    let view = SupervisionFormView {
        action,
        heading,
        typed,
        errors,
        colleagues: &colleagues,
    };
    Ok(form_page(me, &view, status))
}

/// `GET /supervision/new`.
#[handler]
pub async fn new_form(req: &Request, app: Data<&App>) -> WebResult {
    let me = session::require(&app, req).await?;
    me.user.require_portfolio()?;
    let typed = FormData::from_pairs(vec![
        ("date".to_owned(), app.today().to_string()),
        ("duration_minutes".to_owned(), "60".to_owned()),
        ("supervision_type".to_owned(), "clinical".to_owned()),
    ]);
    show_form(&app, &me, "/supervision/new", &typed, &[], StatusCode::OK).await
}

/// `POST /supervision/new`.
#[handler]
pub async fn create(req: &Request, app: Data<&App>, Form(form): Form<FormData>) -> WebResult {
    let me = form.sender(&app, req).await?;
    let saved = match to_draft(&form, &[], app.today()) {
        Ok(draft) => app.create_evidence(&me.user, draft).await,
        Err(errors) => Err(AppError::Validation(errors)),
    };
    match saved {
        Ok(record) => Ok(redirect(&format!("/supervision/{}", record.id))),
        Err(AppError::Validation(errors)) => {
            let status = StatusCode::BAD_REQUEST;
            show_form(&app, &me, "/supervision/new", &form, &errors, status).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /supervision/{id}/edit`: a draft or returned record, by its owner.
#[handler]
pub async fn edit_form(req: &Request, app: Data<&App>, Path(id): Path<String>) -> WebResult {
    let me = session::require(&app, req).await?;
    check_id(&id)?;
    let (record, access) = app.evidence::<SupervisionDraft>(&me.user, &id).await?;
    if access != Access::Owner {
        return Err(
            AppError::Forbidden("only the supervisee can change this record".to_owned()).into(),
        );
    }
    let typed = typed_from_draft(&record.data);
    let action = format!("/supervision/{id}/edit");
    show_form(&app, &me, &action, &typed, &[], StatusCode::OK).await
}

/// `POST /supervision/{id}/edit`.
#[handler]
pub async fn update(
    req: &Request,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<FormData>,
) -> WebResult {
    let me = form.sender(&app, req).await?;
    check_id(&id)?;
    let (current, _) = app.evidence::<SupervisionDraft>(&me.user, &id).await?;
    let saved = match to_draft(&form, &current.data.actions, app.today()) {
        Ok(draft) => app.update_evidence(&me.user, &id, draft).await,
        Err(errors) => Err(AppError::Validation(errors)),
    };
    match saved {
        Ok(_) => Ok(redirect(&format!("/supervision/{id}"))),
        Err(AppError::Validation(errors)) => {
            let action = format!("/supervision/{id}/edit");
            let status = StatusCode::BAD_REQUEST;
            show_form(&app, &me, &action, &form, &errors, status).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /supervision/{id}`: the record as the person may see it.
#[handler]
pub async fn show(req: &Request, app: Data<&App>, Path(id): Path<String>) -> WebResult {
    let me = session::require(&app, req).await?;
    check_id(&id)?;
    record_page(&app, &me, &id, &StepInput::default(), StatusCode::OK).await
}

/// What was typed into a step's form (a return comment, an addendum) and
/// what was wrong with it, to show the page again with the text kept.
#[derive(Default)]
struct StepInput {
    typed: FormData,
    errors: Vec<FieldError>,
}

async fn record_page(
    app: &App,
    me: &SignedIn,
    id: &str,
    input: &StepInput,
    status: StatusCode,
) -> WebResult {
    let (record, access) = app.evidence::<SupervisionDraft>(&me.user, id).await?;
    let title = format!(
        "{} on {}",
        record.data.supervision_type.label(),
        record.data.date
    );
    let files = extras::files_section(
        app,
        me,
        RecordKind::Supervision,
        id,
        access == Access::Owner,
    )
    .await?;
    let label_of = |field: &str| match field {
        "comment" => "Return comment".to_owned(),
        _ => "Addendum".to_owned(),
    };
    let main = html! {
        (error_summary(&input.errors, label_of))
        (record_markup(me, &record, access, &title, input))
        (files)
    };
    Ok(page_response(&title, Some(&me.viewer()), status, main))
}

fn record_markup(
    me: &SignedIn,
    r: &Supervision,
    access: Access,
    title: &str,
    input: &StepInput,
) -> Markup {
    let (typed, e) = (&input.typed, input.errors.as_slice());
    let d = &r.data;
    let flow = &r.workflow.sign_off;
    let owner = access == Access::Owner;
    let supervisor = d.supervisor_id.as_deref() == Some(me.user.id());
    let editable = owner && matches!(flow.status, SignOffStatus::Draft | SignOffStatus::Returned);
    html! {
        h1 { (title) }
        p { strong { "Status: " } (status_text(flow.status)) }
        (pii::warnings_section(r, me))
        @if let (SignOffStatus::Returned, Some(comment)) = (flow.status, &flow.return_comment) {
            div.notice { p { strong { "Your supervisor's comment: " } (comment) } }
        }
        dl {
            dt { "Length" } dd { (d.duration_minutes) " minutes" }
            @if let Some(name) = &d.external_supervisor_name { dt { "Supervisor" } dd { (name) } }
            @if !d.topics.is_empty() { dt { "Topics" } dd { (d.topics.join(", ")) } }
            @if let Some(next) = d.next_date { dt { "Next session" } dd { (next) } }
        }
        h2 { "What was discussed" }
        div.prose { p { (d.reflection) } }
        h2 { "Agreed actions" }
        @if d.actions.is_empty() { p { "None." } }
        ul.records {
            @for (i, a) in d.actions.iter().enumerate() {
                li {
                    (a.text)
                    p.meta { (a.owner) @if let Some(due) = a.due { " · due " (due) }
                        " · " @if a.status == ActionStatus::Closed { "closed" } @else { "open" } }
                    @if owner && a.status == ActionStatus::Open {
                        form method="post" action={ "/supervision/" (r.id) "/actions/" (i) "/close" } {
                            (csrf_field(&me.csrf))
                            button.button.button--secondary type="submit" { "Close this action" }
                        }
                    }
                }
            }
        }
        @if !flow.addenda.is_empty() {
            h2 { "Addenda" }
            ul.records { @for a in &flow.addenda { li { (a.text) p.meta { "Added " (a.added_at.date()) } } } }
        }
        @if editable {
            div.button-row {
                a.button.button--secondary href={ "/supervision/" (r.id) "/edit" } { "Edit" }
                @if d.supervisor_id.is_some() {
                    (step_form(me, &r.id, "submit", "Send to your supervisor to countersign"))
                }
            }
        }
        @if supervisor && flow.status == SignOffStatus::Submitted {
            h2 { "Countersign" }
            (step_form(me, &r.id, "sign-off", "Sign off this record"))
            form method="post" action={ "/supervision/" (r.id) "/return" } novalidate {
                (csrf_field(&me.csrf))
                (Field::new("comment", "Or return it with a comment", e).textarea(typed.get("comment"), 3))
                button.button.button--secondary type="submit" { "Return to the supervisee" }
            }
        }
        @if owner && flow.status == SignOffStatus::Signed {
            h2 { "Add an addendum" }
            form method="post" action={ "/supervision/" (r.id) "/addenda" } novalidate {
                (csrf_field(&me.csrf))
                (Field::new("text", "Correction or note", e).hint("The signed record stays as it was").textarea(typed.get("text"), 3))
                button.button.button--secondary type="submit" { "Add addendum" }
            }
        }
        p { a href="/supervision" { "Back to supervision" } }
    }
}

fn step_form(me: &SignedIn, id: &str, name: &str, label: &str) -> Markup {
    html! {
        form method="post" action={ "/supervision/" (id) "/" (name) } {
            (csrf_field(&me.csrf))
            button.button type="submit" { (label) }
        }
    }
}

/// `POST /supervision/{id}/{step}`: submit, sign-off, return or addenda.
#[handler]
pub async fn take_step(
    req: &Request,
    app: Data<&App>,
    Path((id, step)): Path<(String, String)>,
    Form(form): Form<FormData>,
) -> WebResult {
    let me = form.sender(&app, req).await?;
    check_id(&id)?;
    let taken = match step.as_str() {
        "submit" => app.submit_supervision(&me.user, &id).await,
        "sign-off" => app.sign_off_supervision(&me.user, &id).await,
        "return" => {
            app.return_supervision(&me.user, &id, form.get("comment"))
                .await
        }
        "addenda" => {
            app.add_supervision_addendum(&me.user, &id, form.get("text"))
                .await
        }
        _ => return Err(AppError::NotFound("step").into()),
    };
    match taken {
        Ok(_) => Ok(redirect(&format!("/supervision/{id}"))),
        Err(AppError::Validation(errors)) => {
            let input = StepInput {
                typed: form,
                errors,
            };
            record_page(&app, &me, &id, &input, StatusCode::BAD_REQUEST).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /supervision/{id}/actions/{index}/close`.
#[handler]
pub async fn close_action(
    req: &Request,
    app: Data<&App>,
    Path((id, index)): Path<(String, usize)>,
    Form(form): Form<FormData>,
) -> WebResult {
    let me = form.sender(&app, req).await?;
    check_id(&id)?;
    app.close_supervision_action(&me.user, &id, index).await?;
    Ok(redirect(&format!("/supervision/{id}")))
}
