//! The reflection pages: the list (filters, or full-text search with
//! highlighted snippets), one entry, and writing or editing one. Each
//! calls the same application methods as the JSON API, so what a person
//! may see and change is decided in one place.

use maud::{Markup, PreEscaped, html};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use time::Date;

use super::error::{WebError, WebResult, redirect};
use super::extras;
use super::form::{FormData, typed_day};
use super::layout::{Field, csrf_field, notice, page_response};
use super::pii;
use super::reflection_form::{FormView, Typed, form_page};
use super::session::{self, SignedIn};
use super::sign_in::{Draft, sign_in_again};
use crate::app::{App, AppError};
use crate::domain::access::Access;
use crate::domain::record::{EvidenceFilter, RecordKind, is_record_id};
use crate::domain::reflection::{ActivityType, Reflection, ReflectionDraft};
use crate::export::html::to_safe_html;

const PAGE_SIZE: u32 = 20;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    activity_type: String,
    from: String,
    to: String,
    tag: String,
    page: u32,
    saved: String,
}

fn html_response(title: &str, me: &SignedIn, main: Markup) -> Response {
    page_response(title, Some(&me.viewer()), StatusCode::OK, main)
}

fn parse_day(text: &str) -> Option<Date> {
    typed_day(text).ok().flatten()
}

/// `GET /reflections`: the person's entries and those shared with them,
/// newest first, filtered; or search results when `q` is given.
#[handler]
pub async fn list(req: &Request, app: Data<&App>, Query(query): Query<ListQuery>) -> WebResult {
    let me = session::require(&app, req).await?;
    let results = if query.q.trim().is_empty() {
        entries(&app, &me, &query).await?
    } else {
        search_results(&app, &me, &query).await?
    };
    let body = html! {
        h1 { "Reflections" }
        @if query.saved == "1" { (notice("Your reflection has been saved.")) }
        p { a.button href="/reflections/new" { "Write a reflection" } }
        (filters(&query))
        (results)
    };
    Ok(html_response("Reflections", &me, body))
}

fn filters(query: &ListQuery) -> Markup {
    let mut types: Vec<(&str, &str)> = vec![("", "Any type")];
    types.extend(ActivityType::ALL.iter().map(|a| (a.as_str(), a.label())));
    html! {
        form.filters method="get" action="/reflections" role="search" aria-label="Find reflections" {
            (Field::new("q", "Search", &[]).hint("Words from the title or text").text("search", &query.q))
            (Field::new("activity_type", "Type of activity", &[]).select(&types, &query.activity_type))
            (Field::new("from", "From", &[]).text("date", &query.from))
            (Field::new("to", "To", &[]).text("date", &query.to))
            (Field::new("tag", "Tag", &[]).text("text", &query.tag))
            div.button-row { button.button type="submit" { "Show reflections" } }
        }
    }
}

async fn entries(app: &App, me: &SignedIn, query: &ListQuery) -> WebResult<Markup> {
    let filter = EvidenceFilter {
        owner: None,
        from: parse_day(&query.from),
        to: parse_day(&query.to),
        activity_type: ActivityType::parse(&query.activity_type),
        tag: Some(query.tag.trim().to_lowercase()).filter(|t| !t.is_empty()),
        limit: PAGE_SIZE,
        offset: query.page.saturating_mul(PAGE_SIZE),
    };
    let found = app
        .list_evidence::<ReflectionDraft>(&me.user, &filter)
        .await?;
    let more = found.total > u64::from(filter.offset) + found.items.len() as u64;
    Ok(html! {
        h2 { (count_text(found.total, found.total_is_exact)) }
        ul.records {
            @for r in &found.items { li { (entry_line(r, me.user.id())) } }
        }
        (pager(query, more))
    })
}

fn count_text(total: u64, exact: bool) -> String {
    match (total, exact) {
        (1, true) => "1 reflection".to_owned(),
        (n, true) => format!("{n} reflections"),
        (n, false) => format!("More than {n} reflections"),
    }
}

fn entry_line(r: &Reflection, me: &str) -> Markup {
    html! {
        a href={ "/reflections/" (r.id) } { (r.data.title) }
        p.meta {
            (r.data.activity_date) " · " (r.data.activity_type.label())
            @if let Some(h) = r.data.hours { " · " (h) " h" }
            @if r.owner_id != me { " · shared with you" }
        }
    }
}

fn pager(query: &ListQuery, more: bool) -> Markup {
    let link = |page: u32| {
        let params = [
            ("activity_type", query.activity_type.as_str()),
            ("from", &query.from),
            ("to", &query.to),
            ("tag", &query.tag),
            ("page", &page.to_string()),
        ];
        format!(
            "/reflections?{}",
            serde_urlencoded::to_string(params).unwrap_or_default()
        )
    };
    html! {
        nav.button-row aria-label="Pages" {
            @if query.page > 0 { a href=(link(query.page - 1)) { "Previous page" } }
            @if more { a href=(link(query.page + 1)) { "Next page" } }
        }
    }
}

async fn search_results(app: &App, me: &SignedIn, query: &ListQuery) -> WebResult<Markup> {
    let offset = query.page.saturating_mul(PAGE_SIZE) as usize;
    let found = match app
        .search_records(&me.user, query.q.trim(), PAGE_SIZE as usize, offset)
        .await
    {
        Ok(found) => found,
        Err(AppError::BadRequest(why)) => {
            return Ok(html! { p.error-message { "The search could not be read: " (why) } });
        }
        Err(other) => return Err(other.into()),
    };
    Ok(html! {
        h2 { (found.total) " found for “" (query.q.trim()) "”" }
        ul.records {
            @for hit in &found.hits {
                li {
                    @if hit.kind == "reflection" {
                        a href={ "/reflections/" (hit.id) } { (hit.title) }
                    } @else {
                        strong { (hit.title) }
                    }
                    p.meta { (hit.date) " · " (hit.kind) }
                    // tantivy escapes the text and adds only <b> around matches.
                    p.snippet { (PreEscaped(&hit.snippet_html)) }
                }
            }
        }
    })
}

/// `GET /reflections/{id}`: one entry as the person may see it (404 when
/// they may not).
#[handler]
pub async fn show(req: &Request, app: Data<&App>, Path(id): Path<String>) -> WebResult {
    let me = session::require(&app, req).await?;
    if !is_record_id(&id) {
        return Err(AppError::NotFound("reflection").into());
    }
    let (r, access) = app.evidence::<ReflectionDraft>(&me.user, &id).await?;
    let owner = access == Access::Owner;
    let files = extras::files_section(&app, &me, RecordKind::Reflection, &id, owner).await?;
    let sharing = if owner {
        sharing_section(&app, &me, &r).await?
    } else {
        html! {}
    };
    let d = &r.data;
    let standards: Vec<String> = app
        .content()
        .standards
        .iter()
        .filter(|s| d.standards.contains(&s.number))
        .map(|s| format!("{}. {}", s.number, s.title))
        .collect();
    let body = html! {
        h1 { (d.title) }
        p.meta {
            (d.activity_date) " · " (d.activity_type.label())
            @if let Some(h) = d.hours { " · " (h) " hours" }
        }
        @if r.owner_id == me.user.id() {
            p { a.button.button--secondary href={ "/reflections/" (r.id) "/edit" } { "Edit this reflection" } }
        }
        (pii::warnings_section(&r, &me))
        div.prose { (PreEscaped(to_safe_html(&d.body))) }
        @for (heading, text) in [("What I learnt", &d.learning), ("Impact on my practice", &d.impact), ("Benefit to service users", &d.benefit)] {
            @if !text.trim().is_empty() {
                h2 { (heading) }
                div.prose { (PreEscaped(to_safe_html(text))) }
            }
        }
        @if !standards.is_empty() {
            h2 { "Standards of proficiency" }
            ul { @for s in &standards { li { (s) } } }
        }
        @if !d.tags.is_empty() {
            h2 { "Tags" }
            p { (d.tags.join(", ")) }
        }
        (sharing)
        (files)
        p { a href="/reflections" { "Back to reflections" } }
    };
    Ok(html_response(&d.title, &me, body))
}

/// Who the entry is shared with (each with a button to withdraw), and a
/// form to share it with a teammate.
async fn sharing_section(app: &App, me: &SignedIn, r: &Reflection) -> WebResult<Markup> {
    let colleagues = app.colleagues(&me.user).await?;
    let name_of = |id: &str| {
        colleagues
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| "A former colleague".to_owned(), |c| c.name.clone())
    };
    let choices: Vec<(&str, &str)> = colleagues
        .iter()
        .filter(|c| !r.shared_with.contains(&c.id))
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();
    Ok(html! {
        section aria-labelledby="sharing-title" {
            h2 #sharing-title { "Sharing" }
            @if r.shared_with.is_empty() { p { "Only you can read this reflection." } }
            ul {
                @for reader in &r.shared_with {
                    li {
                        (name_of(reader)) " can read it. "
                        form method="post" action={ "/reflections/" (r.id) "/unshare" } {
                            (csrf_field(&me.csrf))
                            input type="hidden" name="user_id" value=(reader);
                            button.button.button--secondary type="submit" { "Withdraw" span.visually-hidden { " " (name_of(reader)) "'s access" } }
                        }
                    }
                }
            }
            @if !choices.is_empty() {
                form method="post" action={ "/reflections/" (r.id) "/share" } {
                    (csrf_field(&me.csrf))
                    (Field::new("user_id", "Share with a colleague", &[]).hint("They can read it, not change it; you can withdraw it at any time").select(&choices, ""))
                    button.button.button--secondary type="submit" { "Share" }
                }
            }
        }
    })
}

/// `POST /reflections/{id}/share`.
#[handler]
pub async fn share(
    req: &Request,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<FormData>,
) -> WebResult {
    change_sharing(req, &app, &id, &form, true).await
}

/// `POST /reflections/{id}/unshare`.
#[handler]
pub async fn unshare(
    req: &Request,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<FormData>,
) -> WebResult {
    change_sharing(req, &app, &id, &form, false).await
}

async fn change_sharing(
    req: &Request,
    app: &App,
    id: &str,
    form: &FormData,
    grant: bool,
) -> WebResult {
    let me = form.sender(app, req).await?;
    if !is_record_id(id) {
        return Err(AppError::NotFound("reflection").into());
    }
    let user_id = form.get("user_id");
    if grant {
        app.share_reflection(&me.user, id, user_id).await?;
    } else {
        app.unshare_reflection(&me.user, id, user_id).await?;
    }
    Ok(redirect(&format!("/reflections/{id}")))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewQuery {
    model: String,
}

/// `GET /reflections/new`.
#[handler]
pub async fn new_form(req: &Request, app: Data<&App>, Query(query): Query<NewQuery>) -> WebResult {
    let me = session::require(&app, req).await?;
    me.user.require_portfolio()?;
    let typed = Typed::blank(app.today(), &query.model);
    Ok(form_page(
        &app,
        &me,
        &new_view(&typed, &[], None, false),
        StatusCode::OK,
    ))
}

fn new_view<'a>(
    typed: &'a Typed,
    errors: &'a [crate::domain::error::FieldError],
    notice: Option<&'a str>,
    preview: bool,
) -> FormView<'a> {
    FormView {
        action: "/reflections/new",
        heading: "Write a reflection",
        typed,
        errors,
        notice,
        preview,
    }
}

/// `POST /reflections/new`: saves, or shows the form again with every
/// problem beside its field and the text as typed.
#[handler]
pub async fn create(req: &Request, app: Data<&App>, Form(form): Form<FormData>) -> WebResult {
    let Some(me) = session::signed_in(&app, req).await? else {
        return Ok(keep_draft(&app, "/reflections/new", &form));
    };
    form.check_csrf(req, &me)?;
    let typed = Typed::from_form(&form);
    if form.get("action") == "preview" {
        return Ok(form_page(
            &app,
            &me,
            &new_view(&typed, &[], None, true),
            StatusCode::OK,
        ));
    }
    let saved = match typed.to_draft(app.today()) {
        Ok(draft) => app.create_evidence(&me.user, draft).await,
        Err(errors) => Err(AppError::Validation(errors)),
    };
    match saved {
        // A record with warnings opens on its page, where they are shown.
        Ok(entry) if !entry.open_pii_flags().is_empty() => {
            Ok(redirect(&format!("/reflections/{}", entry.id)))
        }
        Ok(_) => Ok(redirect("/reflections?saved=1")),
        Err(AppError::Validation(errors)) => Ok(form_page(
            &app,
            &me,
            &new_view(&typed, &errors, None, false),
            StatusCode::BAD_REQUEST,
        )),
        Err(other) => Err(other.into()),
    }
}

/// A form posted without a live session: the sign-in page, carrying it.
fn keep_draft(app: &App, resume: &str, form: &FormData) -> Response {
    sign_in_again(
        app,
        Draft {
            resume,
            fields: form,
        },
    )
}

/// After signing in again: the form the draft came from, filled in, not
/// yet saved. Only the reflection forms keep drafts.
pub fn resume(app: &App, me: &SignedIn, resume: &str, draft: &FormData) -> WebResult {
    let typed = Typed::from_form(draft);
    let kept = "You are signed in again. Your writing is below: check it and save.";
    let edit_id = resume
        .strip_prefix("/reflections/")
        .and_then(|rest| rest.strip_suffix("/edit"))
        .filter(|id| is_record_id(id));
    let view = match (resume, edit_id) {
        ("/reflections/new", _) => new_view(&typed, &[], Some(kept), false),
        (_, Some(_)) => FormView {
            action: resume,
            heading: "Edit reflection",
            typed: &typed,
            errors: &[],
            notice: Some(kept),
            preview: false,
        },
        _ => return Err(WebError::App(AppError::NotFound("form"))),
    };
    Ok(form_page(app, me, &view, StatusCode::OK))
}

/// `GET /reflections/{id}/edit`: the owner's form; anyone else 404 or 403
/// as in the API.
#[handler]
pub async fn edit_form(req: &Request, app: Data<&App>, Path(id): Path<String>) -> WebResult {
    let me = session::require(&app, req).await?;
    if !is_record_id(&id) {
        return Err(AppError::NotFound("reflection").into());
    }
    let (r, access) = app.evidence::<ReflectionDraft>(&me.user, &id).await?;
    if access != Access::Owner {
        return Err(
            AppError::Forbidden("only the author can change this reflection".to_owned()).into(),
        );
    }
    let typed = Typed::from_draft(&r.data);
    let action = format!("/reflections/{id}/edit");
    let view = edit_view(&action, &typed, &[], false);
    Ok(form_page(&app, &me, &view, StatusCode::OK))
}

fn edit_view<'a>(
    action: &'a str,
    typed: &'a Typed,
    errors: &'a [crate::domain::error::FieldError],
    preview: bool,
) -> FormView<'a> {
    FormView {
        action,
        heading: "Edit reflection",
        typed,
        errors,
        notice: None,
        preview,
    }
}

/// `POST /reflections/{id}/edit`: saves the change (keeping the entry's
/// links to other records, which this form does not show).
#[handler]
pub async fn update(
    req: &Request,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<FormData>,
) -> WebResult {
    let action = format!("/reflections/{id}/edit");
    let Some(me) = session::signed_in(&app, req).await? else {
        return Ok(keep_draft(&app, &action, &form));
    };
    form.check_csrf(req, &me)?;
    if !is_record_id(&id) {
        return Err(AppError::NotFound("reflection").into());
    }
    let typed = Typed::from_form(&form);
    if form.get("action") == "preview" {
        let view = edit_view(&action, &typed, &[], true);
        return Ok(form_page(&app, &me, &view, StatusCode::OK));
    }
    let (current, _) = app.evidence::<ReflectionDraft>(&me.user, &id).await?;
    let saved = match typed.to_draft(app.today()) {
        Ok(draft) => {
            let draft = ReflectionDraft {
                links: current.data.links,
                ..draft
            };
            app.update_evidence(&me.user, &id, draft).await
        }
        Err(errors) => Err(AppError::Validation(errors)),
    };
    match saved {
        Ok(_) => Ok(redirect(&format!("/reflections/{id}"))),
        Err(AppError::Validation(errors)) => Ok(form_page(
            &app,
            &me,
            &edit_view(&action, &typed, &errors, false),
            StatusCode::BAD_REQUEST,
        )),
        Err(other) => Err(other.into()),
    }
}
