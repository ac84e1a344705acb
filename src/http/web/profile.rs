//! The CPD profile in the browser: a preview in the page, a download in
//! every format the API offers (PDF, Word, Markdown, HTML, JSON) and the
//! evidence bundle of the records the person ticks, for a chosen period,
//! under the verdict on whether the record would pass an audit today.

use maud::{Markup, PreEscaped, html};
use poem::http::{StatusCode, header};
use poem::web::{Data, Query};
use poem::{Body, Request, Response, handler};
use poem_openapi::types::ToJSON;

use super::error::WebResult;
use super::form::typed_period;
use super::layout::{Field, page_response};
use super::pii::profile_held_back;
use super::session;
use crate::app::{App, AppError, BundleRequest, DocumentFormat, ProfileRequest};
use crate::domain::dates::long_uk;
use crate::domain::profile::CpdProfile;
use crate::domain::profile::readiness::Readiness;
use crate::export::html::to_safe_html;
use crate::export::profile::{html_page, render_markdown};
use crate::http::api::views::profile::CpdProfileView;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProfileQuery {
    from: String,
    to: String,
    format: String,
}

impl ProfileQuery {
    fn request(&self) -> Result<ProfileRequest, AppError> {
        let (from, to) = typed_period(&self.from, &self.to)?;
        Ok(ProfileRequest { from, to })
    }

    /// `path` for the same period.
    fn link(&self, path: &str) -> String {
        let params = [("from", self.from.as_str()), ("to", &self.to)];
        format!(
            "{path}?{}",
            serde_urlencoded::to_string(params).unwrap_or_default()
        )
    }

    fn download_link(&self, format: &str) -> String {
        let params = [
            ("from", self.from.as_str()),
            ("to", &self.to),
            ("format", format),
        ];
        format!(
            "/profile/download?{}",
            serde_urlencoded::to_string(params).unwrap_or_default()
        )
    }
}

/// `GET /profile`: the profile for the period, previewed.
#[handler]
pub async fn preview(
    req: &Request,
    app: Data<&App>,
    Query(query): Query<ProfileQuery>,
) -> WebResult {
    let me = session::require(&app, req).await?;
    let page = app.profile_page(&me.user, query.request()?).await?;
    let readiness = readiness_section(&page.readiness);
    let profile = match page.profile {
        Ok(profile) => profile,
        Err(flags) => return Ok(profile_held_back(&me, &flags, readiness)),
    };
    let total = profile.activities.len();
    let preview = first_activities(profile, PREVIEW_ACTIVITIES);
    let main = html! {
        h1 { "CPD profile" }
        (readiness)
        p.lede { "Your profile in the HCPC's layout for " (preview.from) " to " (preview.to) ", built from your records." }
        form.filters method="get" action="/profile" aria-label="Period" {
            (Field::new("from", "From", &[]).text("date", &query.from))
            (Field::new("to", "To", &[]).text("date", &query.to))
            div.button-row { button.button.button--secondary type="submit" { "Show this period" } }
        }
        h2 { "Download" }
        ul {
            li { a href=(query.download_link("pdf")) download { "PDF (.pdf), to submit" } }
            li { a href=(query.download_link("docx")) download { "Word (.docx), to edit" } }
            li { a href=(query.download_link("markdown")) download { "Markdown (.md)" } }
            li { a href=(query.download_link("html")) download { "Web page (.html), to print or save as PDF" } }
            li { a href=(query.download_link("json")) download { "Data (.json)" } }
            li { a href=(query.link("/profile/evidence")) { "Evidence bundle (.zip) for an HCPC audit: choose the records" } }
        }
        h2 { "Preview" }
        @if total > PREVIEW_ACTIVITIES {
            p.notice { "The preview lists the first " (PREVIEW_ACTIVITIES) " of your " (total) " activities and their evidence; every download has them all." }
        }
        div.prose { (PreEscaped(to_safe_html(&render_markdown(&preview)))) }
    };
    Ok(page_response(
        "CPD profile",
        Some(&me.viewer()),
        StatusCode::OK,
        main,
    ))
}

/// `GET /profile/evidence`: every activity of the period to tick for the
/// evidence bundle, all ticked.
#[handler]
pub async fn choose_evidence(
    req: &Request,
    app: Data<&App>,
    Query(query): Query<ProfileQuery>,
) -> WebResult {
    let me = session::require(&app, req).await?;
    let profile = match app.cpd_profile(&me.user, query.request()?).await {
        Err(AppError::PatientIdentifiers(flags)) => {
            return Ok(profile_held_back(&me, &flags, html! {}));
        }
        other => other?,
    };
    Ok(page_response(
        "Evidence bundle",
        Some(&me.viewer()),
        StatusCode::OK,
        bundle_form(&query, &profile),
    ))
}

/// The most activities the chooser lists: an audit profile has 12 to 50;
/// past this, the page asks for a shorter period (the API takes any).
const CHOOSER_ACTIVITIES: usize = 200;

fn bundle_form(query: &ProfileQuery, profile: &CpdProfile) -> Markup {
    let total = profile.activities.len();
    let listed = &profile.activities[..total.min(CHOOSER_ACTIVITIES)];
    html! {
        h1 #bundle-title { "Evidence bundle for an HCPC audit" }
        p.lede { "For " (long_uk(profile.from)) " to " (long_uk(profile.to)) "." }
        p { "One zip with this profile as a PDF, each record you tick as a numbered PDF (E01, E02 …, the numbers your statement cites), its attachments as you uploaded them, and a manifest of every file with its SHA-256." }
        @if profile.activities.is_empty() {
            p.notice { "There are no records in this period to put in a bundle." }
        } @else {
            form method="get" action="/profile/bundle" aria-labelledby="bundle-title" {
                input type="hidden" name="from" value=(query.from);
                input type="hidden" name="to" value=(query.to);
                input type="hidden" name="choose" value="1";
                fieldset.checkboxes {
                    legend { "Records to include" }
                    @if total > CHOOSER_ACTIVITIES {
                        p.notice { "This period has " (total) " activities; the first " (CHOOSER_ACTIVITIES) " are listed. Choose a shorter period to pick among the others." }
                    }
                    @for a in listed {
                        @let id = format!("record-{}", a.record_id);
                        div.checkbox {
                            input type="checkbox" id=(id) name="records" value=(a.record_id) checked;
                            label for=(id) { (long_uk(a.date)) ": " (a.title) " (" (a.activity_type.label()) ")" }
                        }
                    }
                }
                div.button-row { button.button type="submit" { "Download the evidence bundle (.zip)" } }
            }
        }
    }
}

/// Activities the page's preview lists: enough to check the layout and
/// wording, few enough that the page stays small (HCPC suggests 12 to 50
/// activities for a profile; a record can hold thousands).
const PREVIEW_ACTIVITIES: usize = 50;

/// The profile with only its first `n` activities and their evidence.
fn first_activities(mut profile: CpdProfile, n: usize) -> CpdProfile {
    profile.activities.truncate(n);
    profile
        .evidence
        .retain(|e| e.activity.is_none_or(|a| a <= n));
    profile
}

/// Would the record pass an audit today: each standard, met or not, with
/// its reason and next step.
fn readiness_section(r: &Readiness) -> Markup {
    html! {
        section.readiness aria-labelledby="readiness-title" {
            h2 #readiness-title {
                "Audit readiness: " @if r.ready { "ready" } @else { "not yet" }
            }
            p { "If the HCPC selected you for audit today, for " (long_uk(r.from)) " to " (long_uk(r.to)) ":" }
            ol.standards {
                @for s in &r.standards {
                    li {
                        strong { "Standard " (s.standard) ": " @if s.met { "met" } @else { "not yet met" } }
                        " — " (s.title) ". " (s.reason)
                        @if let Some(step) = &s.next_step { br; strong { "Next: " } (step) }
                    }
                }
            }
        }
    }
}

/// `GET /profile/download?format=`: the profile as a file.
#[handler]
pub async fn download(
    req: &Request,
    app: Data<&App>,
    Query(query): Query<ProfileQuery>,
) -> WebResult {
    let me = session::require(&app, req).await?;
    let document = match query.format.as_str() {
        "pdf" => Some(DocumentFormat::Pdf),
        "docx" => Some(DocumentFormat::Docx),
        _ => None,
    };
    let made = match document {
        Some(format) => app
            .cpd_profile_file(&me.user, query.request()?, format)
            .await
            .map(|file| (file.bytes, file.format.media_type(), file.file_name)),
        None => match app.cpd_profile(&me.user, query.request()?).await {
            Ok(profile) => text_file(&query.format, profile)
                .map(|(body, media, name)| (body.into_bytes(), media, name)),
            Err(e) => Err(e),
        },
    };
    let (body, media_type, file_name) = match made {
        Err(AppError::PatientIdentifiers(flags)) => {
            return Ok(profile_held_back(&me, &flags, html! {}));
        }
        other => other?,
    };
    Ok(Response::builder()
        .status(StatusCode::OK)
        .content_type(media_type)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        )
        .body(body))
}

/// The profile as Markdown, HTML or JSON, its media type and file name.
fn text_file(
    format: &str,
    profile: CpdProfile,
) -> Result<(String, &'static str, String), AppError> {
    let stem = format!("cpd-profile-{}-to-{}", profile.from, profile.to);
    let (body, media_type, extension) = match format {
        "markdown" => (
            render_markdown(&profile),
            "text/markdown; charset=utf-8",
            "md",
        ),
        "html" => (html_page(&profile), "text/html; charset=utf-8", "html"),
        "json" => (
            CpdProfileView::from(profile).to_json_string(),
            "application/json",
            "json",
        ),
        _ => {
            return Err(AppError::invalid(
                "format",
                "must be pdf, docx, markdown, html or json",
            ));
        }
    };
    Ok((body, media_type, format!("{stem}.{extension}")))
}

/// `GET /profile/bundle?from=&to=&choose=1&records=…`: the evidence bundle
/// of the records ticked (with `choose`, none ticked is an empty choice,
/// not "all").
#[handler]
pub async fn bundle(req: &Request, app: Data<&App>) -> WebResult {
    let me = session::require(&app, req).await?;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.uri().query().unwrap_or_default())
            .map_err(|_| AppError::BadRequest("the query string is not valid".to_owned()))?;
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let query = ProfileQuery {
        from: value("from"),
        to: value("to"),
        format: String::new(),
    };
    let records: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "records")
        .map(|(_, v)| v.clone())
        .collect();
    let chosen = !records.is_empty() || pairs.iter().any(|(k, _)| k == "choose");
    let request = BundleRequest {
        period: query.request()?,
        records: chosen.then_some(records),
    };
    let bundle = match app.cpd_profile_bundle(&me.user, request).await {
        Err(AppError::PatientIdentifiers(flags)) => {
            return Ok(profile_held_back(&me, &flags, html! {}));
        }
        other => other?,
    };
    Ok(Response::builder()
        .status(StatusCode::OK)
        .content_type("application/zip")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", bundle.file_name),
        )
        .body(Body::from_async_read(tokio::fs::File::from_std(
            bundle.file,
        ))))
}

#[cfg(test)]
mod tests {
    use time::Duration;
    use time::macros::date;

    use super::*;
    use crate::domain::profile::build;
    use crate::domain::profile::tests::{activity, person};
    use crate::domain::reflection::ActivityType;

    #[test]
    fn the_chooser_lists_at_most_its_bound_and_says_so() {
        let start = date!(2025 - 01 - 01);
        let activities: Vec<_> = (0..CHOOSER_ACTIVITIES + 1)
            .map(|i| {
                let day = start + Duration::days(i64::try_from(i).unwrap());
                activity(&format!("{i:032x}"), day, ActivityType::Other)
            })
            .collect();
        let profile = build(person(""), start, date!(2025 - 12 - 31), &activities);
        let html = bundle_form(&ProfileQuery::default(), &profile).into_string();
        assert_eq!(
            html.matches(r#"type="checkbox""#).count(),
            CHOOSER_ACTIVITIES
        );
        assert!(html.contains("This period has 201 activities; the first 200 are listed."));
        let few = build(person(""), start, date!(2025 - 12 - 31), &activities[..3]);
        let html = bundle_form(&ProfileQuery::default(), &few).into_string();
        assert_eq!(html.matches(r#"type="checkbox""#).count(), 3);
        assert!(!html.contains("This period has"));
    }
}
