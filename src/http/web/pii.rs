//! Patient-identifier warnings in the browser: the box on a record's page
//! listing what may identify a service user (with the owner's button to
//! mark each as checked), and the page shown instead of the CPD profile
//! while any record in it has an open warning.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, Response, handler};

use super::error::{WebResult, redirect};
use super::extras::checked;
use super::form::FormData;
use super::layout::{csrf_field, page_response};
use super::session::SignedIn;
use crate::app::App;
use crate::domain::audit::AuditDraft;
use crate::domain::error::FieldError;
use crate::domain::objective::ObjectiveDraft;
use crate::domain::record::{Evidence, EvidenceData, RecordKind};
use crate::domain::reflection::ReflectionDraft;
use crate::domain::supervision::SupervisionDraft;
use crate::domain::training::TrainingDraft;

/// The record's open warnings; nothing when it has none.
pub fn warnings_section<D: EvidenceData>(record: &Evidence<D>, me: &SignedIn) -> Markup {
    let flags = record.open_pii_flags();
    let owner = record.owner_id == me.user.id();
    let base = format!("/{}/{}", D::KIND.path(), record.id);
    html! {
        @if !flags.is_empty() {
            section.warning aria-labelledby="pii-title" {
                h2 #pii-title { "Check for patient-identifiable information" }
                p { "This record may identify a service user. Edit the text out; or, if it identifies nobody (a colleague's name, your team base's postcode), mark it as checked. Your CPD profile cannot be made until each one is resolved." }
                ul {
                    @for flag in &flags {
                        li {
                            strong { "“" (flag.text) "”" }
                            " may be " (flag.kind.label())
                            " (" (flag.field) ", character " (flag.position) ")"
                            @if owner {
                                form.inline method="post" action={ (base) "/pii-flags/" (flag.id) "/dismiss" } {
                                    (csrf_field(&me.csrf))
                                    button.button.button--secondary type="submit" { "Checked: not patient information" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /{collection}/{id}/pii-flags/{flag}/dismiss`: the owner marks a
/// warning as a false positive.
#[handler]
pub async fn dismiss(
    req: &Request,
    app: Data<&App>,
    Path((collection, id, flag)): Path<(String, String, String)>,
    Form(form): Form<FormData>,
) -> WebResult {
    let me = form.sender(&app, req).await?;
    let (me, id, flag) = (&me.user, id.as_str(), flag.as_str());
    match checked(&collection, id)? {
        RecordKind::Reflection => {
            app.dismiss_pii_flag::<ReflectionDraft>(me, id, flag)
                .await?;
        }
        RecordKind::Supervision => {
            app.dismiss_pii_flag::<SupervisionDraft>(me, id, flag)
                .await?;
        }
        RecordKind::Audit => {
            app.dismiss_pii_flag::<AuditDraft>(me, id, flag).await?;
        }
        RecordKind::Training => {
            app.dismiss_pii_flag::<TrainingDraft>(me, id, flag).await?;
        }
        RecordKind::Objective => {
            app.dismiss_pii_flag::<ObjectiveDraft>(me, id, flag).await?;
        }
    }
    Ok(redirect(&format!("/{collection}/{id}")))
}

/// The page shown for the profile while records in it have open warnings:
/// each warning, linked to its record (`{collection}/{id}/{field}`).
pub fn profile_held_back(me: &SignedIn, flags: &[FieldError], readiness: Markup) -> Response {
    let main = html! {
        h1 { "CPD profile" }
        div.error-summary role="alert" aria-labelledby="held-title" {
            h2 #held-title { "Check your records before making the profile" }
            p { "These passages may identify a service user. Open each record and edit the text out, or mark the warning as checked if it identifies nobody." }
            ul {
                @for flag in flags {
                    @let record: Vec<&str> = flag.field.splitn(3, '/').take(2).collect();
                    li { a href={ "/" (record.join("/")) } { (flag.message) } }
                }
            }
        }
        (readiness)
    };
    page_response(
        "CPD profile",
        Some(&me.viewer()),
        StatusCode::CONFLICT,
        main,
    )
}
