//! What every kind of record has beside its content, as pages: its files
//! (listed, added by the owner, downloaded), its version history with the
//! fields each change touched, and the person's access log.

use maud::{Markup, html};
use poem::http::{StatusCode, header};
use poem::web::{Data, Multipart, Path};
use poem::{Body, Request, Response, handler};
use serde_json::Value;

use super::error::{WebError, WebResult, redirect};
use super::form::FormData;
use super::layout::{Field, csrf_field, page_response};
use super::session::{self, SignedIn};
use crate::app::{App, AppError, History};
use crate::domain::audit::AuditDraft;
use crate::domain::objective::ObjectiveDraft;
use crate::domain::record::{EvidenceData, RecordKind, is_record_id};
use crate::domain::reflection::ReflectionDraft;
use crate::domain::supervision::SupervisionDraft;
use crate::domain::training::TrainingDraft;

/// The kind a page path names (`reflections`, `supervision`, …).
fn kind_of(collection: &str) -> WebResult<RecordKind> {
    let kind = match collection {
        "reflections" => RecordKind::Reflection,
        "supervision" => RecordKind::Supervision,
        "audits" => RecordKind::Audit,
        "training" => RecordKind::Training,
        "objectives" => RecordKind::Objective,
        _ => return Err(AppError::NotFound("page").into()),
    };
    Ok(kind)
}

fn collection_of(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Reflection => "reflections",
        RecordKind::Supervision => "supervision",
        RecordKind::Audit => "audits",
        RecordKind::Training => "training",
        RecordKind::Objective => "objectives",
    }
}

pub(super) fn checked(collection: &str, id: &str) -> WebResult<RecordKind> {
    let kind = kind_of(collection)?;
    if is_record_id(id) {
        Ok(kind)
    } else {
        Err(AppError::NotFound("record").into())
    }
}

/// The files section of a record's page: a download link for each, and
/// for the owner a form to add one.
pub async fn files_section(
    app: &App,
    me: &SignedIn,
    kind: RecordKind,
    id: &str,
    owner: bool,
) -> WebResult<Markup> {
    let files = app.attachments(&me.user, kind, id).await?;
    let base = format!("/{}/{id}", collection_of(kind));
    let field = Field::new("file", "Add a file", &[])
        .hint("PDF, PNG, JPEG, Word (DOCX), OpenDocument (ODT) or text; drag it onto the box or choose it");
    Ok(html! {
        section aria-labelledby="files-title" {
            h2 #files-title { "Files" }
            @if files.is_empty() { p { "No files attached." } }
            ul {
                @for f in &files {
                    li { a href={ (base) "/files/" (f.id) } download { (f.file_name) } " (" (f.size / 1024 + 1) " KB)" }
                }
            }
            @if owner {
                form method="post" action={ (base) "/files" } enctype="multipart/form-data" {
                    (csrf_field(&me.csrf))
                    (field.wrap(html! {
                        input.file-drop #(field.id()) type="file" name="file" aria-describedby=[field.described_by()];
                    }))
                    button.button.button--secondary type="submit" { "Attach file" }
                }
            }
            p { a href={ (base) "/history" } { "Version history" } }
        }
    })
}

/// `POST /{collection}/{id}/files`: the owner attaches a file.
#[handler]
pub async fn attach(
    req: &Request,
    app: Data<&App>,
    Path((collection, id)): Path<(String, String)>,
    mut body: Multipart,
) -> WebResult {
    let me = session::require(&app, req).await?;
    let kind = checked(&collection, &id)?;
    let mut csrf = FormData::default();
    while let Some(field) = body.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("csrf") => {
                let token = field.text().await.map_err(unreadable)?;
                csrf = FormData::from_pairs(vec![("csrf".to_owned(), token)]);
            }
            Some("file") => {
                csrf.check_csrf(req, &me)?;
                let name = field.file_name().map(str::to_owned);
                if name.as_deref().is_none_or(str::is_empty) {
                    return Err(AppError::invalid("file", "Choose a file to attach").into());
                }
                let stream = Box::pin(field.into_async_read());
                app.add_attachment(&me.user, kind, &id, name.as_deref(), stream)
                    .await?;
                return Ok(redirect(&format!("/{collection}/{id}")));
            }
            _ => {}
        }
    }
    Err(AppError::invalid("file", "Choose a file to attach").into())
}

fn unreadable(err: impl std::fmt::Display) -> WebError {
    AppError::BadRequest(format!("the form cannot be read: {err}")).into()
}

/// `GET /{collection}/{id}/files/{file}`: the file, always as a download.
#[handler]
pub async fn download(
    req: &Request,
    app: Data<&App>,
    Path((collection, id, file)): Path<(String, String, String)>,
) -> WebResult {
    let me = session::require(&app, req).await?;
    let kind = checked(&collection, &id)?;
    if !is_record_id(&file) {
        return Err(AppError::NotFound("attachment").into());
    }
    let (attachment, opened) = app.download_attachment(&me.user, kind, &id, &file).await?;
    let body = Body::from_async_read(tokio::fs::File::from_std(opened));
    let safe_name: String = attachment
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(Response::builder()
        .content_type(attachment.media_type.as_str())
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{safe_name}\""),
        )
        .header(header::CONTENT_LENGTH, attachment.size)
        .body(body))
}

/// `GET /{collection}/{id}/history`: every earlier version, newest first,
/// with the fields that changed from it to the next.
#[handler]
pub async fn history_page(
    req: &Request,
    app: Data<&App>,
    Path((collection, id)): Path<(String, String)>,
) -> WebResult {
    history_response(req, &app, &collection, &id).await
}

/// `GET /supervision/{id}/history`, which the supervision steps' route
/// would otherwise take.
#[handler]
pub async fn supervision_history(
    req: &Request,
    app: Data<&App>,
    Path(id): Path<String>,
) -> WebResult {
    history_response(req, &app, "supervision", &id).await
}

async fn history_response(req: &Request, app: &App, collection: &str, id: &str) -> WebResult {
    let me = session::require(app, req).await?;
    let kind = checked(collection, id)?;
    let main = match kind {
        RecordKind::Reflection => history_of::<ReflectionDraft>(app, &me, id).await?,
        RecordKind::Supervision => history_of::<SupervisionDraft>(app, &me, id).await?,
        RecordKind::Audit => history_of::<AuditDraft>(app, &me, id).await?,
        RecordKind::Training => history_of::<TrainingDraft>(app, &me, id).await?,
        RecordKind::Objective => history_of::<ObjectiveDraft>(app, &me, id).await?,
    };
    let main = html! {
        h1 { "Version history" }
        (main)
        p { a href={ "/" (collection) "/" (id) } { "Back to the record" } }
    };
    Ok(page_response(
        "Version history",
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}

async fn history_of<D: EvidenceData>(app: &App, me: &SignedIn, id: &str) -> WebResult<Markup> {
    let history = app.history::<D>(&me.user, id).await?;
    let (current, _) = app.evidence::<D>(&me.user, id).await?;
    let current = serde_json::to_value(&current.data).ok();
    Ok(history_markup(history, current))
}

fn history_markup<D: EvidenceData>(history: History<D>, current: Option<Value>) -> Markup {
    let values: Vec<Option<Value>> = history
        .versions
        .iter()
        .map(|v| {
            v.content
                .as_ref()
                .ok()
                .and_then(|c| serde_json::to_value(&c.data).ok())
        })
        .collect();
    html! {
        p { "This is version " (history.current_version) ". Earlier versions, newest first:" }
        @if history.versions.is_empty() { p { "The record has not been changed since it was written." } }
        ul.records {
            @for (i, v) in history.versions.iter().enumerate() {
                li {
                    strong { "Version " (v.version) } " — replaced " (v.replaced_at.date()) " at " (format!("{:02}:{:02}", v.replaced_at.hour(), v.replaced_at.minute())) " UTC"
                    @let newer = if i == 0 { current.as_ref() } else { values[i - 1].as_ref() };
                    @match (&v.content, values[i].as_ref()) {
                        (Err(_), _) => p.meta { "This version cannot be shown." },
                        (Ok(_), Some(old)) => p.meta { (changed_fields(old, newer)) },
                        (Ok(_), None) => p.meta { "This version cannot be shown." },
                    }
                }
            }
        }
    }
}

/// The fields that differ between a version and the one after it, in
/// words ("title, body").
fn changed_fields(old: &Value, newer: Option<&Value>) -> String {
    let Some(newer) = newer else {
        return "The version after it cannot be shown.".to_owned();
    };
    let (Some(old), Some(newer)) = (old.as_object(), newer.as_object()) else {
        return String::new();
    };
    let changed: Vec<String> = old
        .iter()
        .filter(|(key, value)| newer.get(*key) != Some(*value))
        .map(|(key, _)| key.replace('_', " "))
        .collect();
    if changed.is_empty() {
        "No field changed (only its sign-off or verification).".to_owned()
    } else {
        format!("Changed in the next version: {}.", changed.join(", "))
    }
}

/// `GET /account/access-log`: who read or changed the person's records.
#[handler]
pub async fn access_log(req: &Request, app: Data<&App>) -> WebResult {
    let me = session::require(&app, req).await?;
    let (entries, total) = app.access_log(&me.user, false, 100, 0).await?;
    let main = html! {
        h1 { "Who has seen your records" }
        p { "Every time someone else reads, downloads or changes one of your records it is written here. " (total) " entries." }
        div.table-wrap role="region" aria-label="Access log" tabindex="0" {
            table {
                caption.visually-hidden { "Access log, newest first" }
                thead { tr { th scope="col" { "When (UTC)" } th scope="col" { "Who" } th scope="col" { "What" } th scope="col" { "Record" } } }
                tbody {
                    @for e in &entries {
                        tr {
                            td { (e.at.date()) " " (format!("{:02}:{:02}", e.at.hour(), e.at.minute())) }
                            td { (e.actor_name) }
                            td { (e.action) }
                            td { (e.kind) }
                        }
                    }
                }
            }
        }
    };
    Ok(page_response(
        "Access log",
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_version_says_which_fields_the_next_one_changed() {
        let old = json!({"title": "A", "body": "x", "hours": 1});
        let newer = json!({"title": "B", "body": "x", "hours": 2});
        assert_eq!(
            changed_fields(&old, Some(&newer)),
            "Changed in the next version: hours, title."
        );
        assert_eq!(
            changed_fields(&old, Some(&old)),
            "No field changed (only its sign-off or verification)."
        );
    }
}
