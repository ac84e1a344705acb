//! The appraisal pack in the browser: the person's own for a chosen
//! period, as a page and a PDF, who it is shared with (and sharing it with
//! a lead of their team, or stopping); for a lead, the packs members have
//! shared with them.

use maud::html;
use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};

use super::error::{WebResult, redirect};
use super::form::{FormData, typed_period};
use super::layout::{Field, csrf_field, page_response};
use super::pii::profile_held_back;
use super::session::{self, SignedIn};
use crate::app::{App, AppError, PackRequest};
use crate::domain::appraisal::AppraisalPack;
use crate::domain::record::is_record_id;
use crate::export::appraisal::pack_body;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PeriodQuery {
    from: String,
    to: String,
}

impl PeriodQuery {
    fn request(&self) -> Result<PackRequest, AppError> {
        let (from, to) = typed_period(&self.from, &self.to)?;
        Ok(PackRequest {
            from,
            to,
            reflections: None,
        })
    }

    fn query(&self) -> String {
        serde_urlencoded::to_string([("from", self.from.as_str()), ("to", &self.to)])
            .unwrap_or_default()
    }
}

/// The pack, or the page that says which records hold it back.
fn held_back_or(
    me: &SignedIn,
    made: Result<AppraisalPack, AppError>,
) -> Result<Result<AppraisalPack, Response>, AppError> {
    match made {
        Ok(pack) => Ok(Ok(pack)),
        Err(AppError::PatientIdentifiers(flags)) => {
            Ok(Err(profile_held_back(me, &flags, html! {})))
        }
        Err(other) => Err(other),
    }
}

/// `GET /appraisal`: the caller's pack, its shares and (for a lead) the
/// packs shared with them.
#[handler]
pub async fn overview(req: &Request, app: Data<&App>, Query(q): Query<PeriodQuery>) -> WebResult {
    let me = session::require(&app, req).await?;
    let pack = match held_back_or(&me, app.my_appraisal_pack(&me.user, q.request()?).await)? {
        Ok(pack) => pack,
        Err(held) => return Ok(held),
    };
    let readers = app.appraisal_pack_readers(&me.user).await?;
    let leads: Vec<_> = app
        .my_leads(&me.user)
        .await?
        .into_iter()
        .filter(|l| !readers.iter().any(|r| r.id == l.id))
        .collect();
    let shared_with_me = app.packs_shared_with_me(&me.user).await?;
    let lead_options: Vec<(&str, &str)> = leads
        .iter()
        .map(|l| (l.id.as_str(), l.name.as_str()))
        .collect();
    let main = html! {
        h1 { "Appraisal pack" }
        p.lede { "Your year for your annual appraisal: CPD hours, supervision, training compliance, audits, reflections and your development plan." }
        form.filters method="get" action="/appraisal" aria-label="Period" {
            (Field::new("from", "From", &[]).text("date", &q.from))
            (Field::new("to", "To", &[]).text("date", &q.to))
            div.button-row { button.button.button--secondary type="submit" { "Show this period" } }
        }
        p { a href={ "/appraisal/download?" (q.query()) } download { "Download as PDF (.pdf)" } }
        h2 { "Who can see it" }
        @if readers.is_empty() {
            p { "Only you. Share it with your lead before your appraisal; reflections stay private." }
        } @else {
            ul {
                @for r in &readers {
                    li {
                        (r.name) " "
                        form.inline method="post" action="/appraisal/unshare" {
                            (csrf_field(&me.csrf))
                            input type="hidden" name="user_id" value=(r.id);
                            button.button.button--secondary type="submit" { "Stop sharing with " (r.name) }
                        }
                    }
                }
            }
        }
        @if !lead_options.is_empty() {
            form method="post" action="/appraisal/share" {
                (csrf_field(&me.csrf))
                (Field::new("user_id", "Share with a lead of your team", &[]).select(&lead_options, ""))
                button.button type="submit" { "Share my appraisal pack" }
            }
        }
        @if !shared_with_me.is_empty() {
            h2 { "Packs shared with you" }
            ul {
                @for m in &shared_with_me {
                    li { a href={ "/appraisal/members/" (m.id) } { (m.name) } }
                }
            }
        }
        section aria-labelledby="pack-title" {
            h2 #pack-title { "Your pack" }
            div.pack { (pack_body(&pack)) }
        }
    };
    Ok(page_response(
        "Appraisal pack",
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}

fn pdf_response(bytes: Vec<u8>, pack: &AppraisalPack) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .content_type("application/pdf")
        .header(
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"appraisal-pack-{}-to-{}.pdf\"",
                pack.from, pack.to
            ),
        )
        .body(bytes)
}

/// `GET /appraisal/download`: the caller's pack as a PDF.
#[handler]
pub async fn download(req: &Request, app: Data<&App>, Query(q): Query<PeriodQuery>) -> WebResult {
    let me = session::require(&app, req).await?;
    let pack = match held_back_or(&me, app.my_appraisal_pack(&me.user, q.request()?).await)? {
        Ok(pack) => pack,
        Err(held) => return Ok(held),
    };
    let bytes = app.appraisal_pack_pdf(&pack).await?;
    Ok(pdf_response(bytes, &pack))
}

/// `POST /appraisal/share`.
#[handler]
pub async fn share(req: &Request, app: Data<&App>, Form(form): Form<FormData>) -> WebResult {
    let me = form.sender(&app, req).await?;
    app.share_appraisal_pack(&me.user, form.get("user_id"))
        .await?;
    Ok(redirect("/appraisal"))
}

/// `POST /appraisal/unshare`.
#[handler]
pub async fn unshare(req: &Request, app: Data<&App>, Form(form): Form<FormData>) -> WebResult {
    let me = form.sender(&app, req).await?;
    app.unshare_appraisal_pack(&me.user, form.get("user_id"))
        .await?;
    Ok(redirect("/appraisal"))
}

/// `GET /appraisal/members/{id}`: a member's pack, for a lead it is
/// shared with; without reflections, which stay private.
#[handler]
pub async fn member(
    req: &Request,
    app: Data<&App>,
    Path(id): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> WebResult {
    let me = session::require(&app, req).await?;
    if !is_record_id(&id) {
        return Err(AppError::NotFound("appraisal pack").into());
    }
    let mut request = q.request()?;
    request.reflections = Some(Vec::new());
    let pack = app.shared_appraisal_pack(&me.user, &id, request).await?;
    let main = html! {
        h1 { "Appraisal pack: " (pack.name) }
        p { "Shared with you by " (pack.name) ". Reflections stay private to them." }
        (pack_body(&pack))
        p { a href="/appraisal" { "Back to appraisal" } }
    };
    Ok(page_response(
        "Appraisal pack",
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}
