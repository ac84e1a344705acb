use poem::http::header;
use poem::web::Data;
use poem::{IntoResponse, Response};
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Enum, OpenApi};
use time::Date;

use super::Tag;
use super::portable::ZipFile;
use super::views::profile::CpdProfileView;
use super::views::readiness::ReadinessView;
use crate::app::AppResult;
use crate::app::{App, BundleRequest, DocumentFormat, ProfileFile, ProfileRequest};
use crate::export::profile::{html_page, render_markdown};
use crate::http::auth::BearerAuth;

pub struct ProfileApi;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
enum ProfileFormat {
    Json,
    Markdown,
    Html,
    Pdf,
    Docx,
}

/// The profile in the format asked for.
enum ProfileResponse {
    Json(Box<CpdProfileView>),
    Markdown(String),
    Html(String),
    File(ProfileFile),
}

impl IntoResponse for ProfileResponse {
    fn into_response(self) -> Response {
        match self {
            Self::Json(p) => poem_openapi::payload::Json(*p).into_response(),
            Self::Markdown(text) => Response::builder()
                .content_type("text/markdown; charset=utf-8")
                .body(text),
            Self::Html(html) => poem_openapi::payload::Html(html).into_response(),
            Self::File(file) => Response::builder()
                .content_type(file.format.media_type())
                .header(
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", file.file_name),
                )
                .body(file.bytes),
        }
    }
}

impl ApiResponse for ProfileResponse {
    fn meta() -> MetaResponses {
        let media = |content_type, schema| MetaMediaType {
            content_type,
            schema,
        };
        MetaResponses {
            responses: vec![MetaResponse {
                description: "The CPD profile as JSON, Markdown, HTML, an A4 PDF or a Word document.",
                status: Some(200),
                status_range: None,
                content: vec![
                    media(
                        "application/json; charset=utf-8",
                        CpdProfileView::schema_ref(),
                    ),
                    media(
                        "text/markdown; charset=utf-8",
                        MetaSchemaRef::Inline(Box::new(
                            String::schema_ref().unwrap_inline().clone(),
                        )),
                    ),
                    media(
                        "text/html; charset=utf-8",
                        MetaSchemaRef::Inline(Box::new(
                            String::schema_ref().unwrap_inline().clone(),
                        )),
                    ),
                    media(DocumentFormat::Pdf.media_type(), binary()),
                    media(DocumentFormat::Docx.media_type(), binary()),
                ],
                headers: Vec::new(),
            }],
        }
    }

    fn register(registry: &mut Registry) {
        CpdProfileView::register(registry);
    }
}

/// A file's bytes, for the schema of a binary response.
fn binary() -> MetaSchemaRef {
    MetaSchemaRef::Inline(Box::new(
        poem_openapi::types::Binary::<Vec<u8>>::schema_ref()
            .unwrap_inline()
            .clone(),
    ))
}

#[derive(ApiResponse)]
enum BundleResponse {
    /// The zip: `CPD profile.pdf`; each piece of evidence as
    /// `E01 …`, `E02 …` under the number the profile's statement cites
    /// (records typeset as PDF, attachments as uploaded); `manifest.csv`
    /// and `index.html` listing number, title, date, kind, file, size and
    /// SHA-256.
    #[oai(status = 200)]
    Zip(ZipFile, #[oai(header = "Content-Disposition")] String),
}

#[OpenApi(prefix_path = "/api/v1/me", tag = "Tag::Profile")]
impl ProfileApi {
    /// The caller's HCPC CPD profile for a period (default: the two years to
    /// today): practice summary, dated activity list, statement under CPD
    /// standards 1-4, numbered evidence, and the mixture and gap checks.
    #[oai(path = "/cpd-profile", method = "get")]
    async fn cpd_profile(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        /// First day of the period (YYYY-MM-DD).
        from: Query<Option<Date>>,
        /// Last day of the period (YYYY-MM-DD), default today.
        to: Query<Option<Date>>,
        /// json (default), markdown, html, pdf (A4, fonts embedded, "page
        /// n of m") or docx (Word, editable).
        format: Query<Option<ProfileFormat>>,
    ) -> AppResult<ProfileResponse> {
        let request = ProfileRequest {
            from: from.0,
            to: to.0,
        };
        let format = format.0.unwrap_or(ProfileFormat::Json);
        let document = match format {
            ProfileFormat::Pdf => Some(DocumentFormat::Pdf),
            ProfileFormat::Docx => Some(DocumentFormat::Docx),
            _ => None,
        };
        if let Some(document) = document {
            let file = app.cpd_profile_file(&auth.0, request, document).await?;
            return Ok(ProfileResponse::File(file));
        }
        let profile = app.cpd_profile(&auth.0, request).await?;
        Ok(match format {
            ProfileFormat::Markdown => ProfileResponse::Markdown(render_markdown(&profile)),
            ProfileFormat::Html => ProfileResponse::Html(html_page(&profile)),
            _ => ProfileResponse::Json(Box::new(profile.into())),
        })
    }

    /// The profile and its numbered evidence as one zip to send to the
    /// HCPC. The caller chooses the records (`records`, repeated; default
    /// every record in the period) and the profile is built from exactly
    /// those. 404 when a chosen id is not one of the caller's records; 422
    /// when one of theirs is dated outside the period, or while a chosen
    /// record has an open patient-identifier warning.
    #[oai(path = "/cpd-profile/bundle", method = "get")]
    async fn cpd_profile_bundle(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        /// First day of the period (YYYY-MM-DD).
        from: Query<Option<Date>>,
        /// Last day of the period (YYYY-MM-DD), default today.
        to: Query<Option<Date>>,
        /// Ids of the records to include (at most 500), repeated:
        /// `records=a&records=b`.
        records: Query<Option<Vec<String>>>,
    ) -> AppResult<BundleResponse> {
        let request = BundleRequest {
            period: ProfileRequest {
                from: from.0,
                to: to.0,
            },
            records: records.0,
        };
        let bundle = app.cpd_profile_bundle(&auth.0, request).await?;
        let disposition = format!("attachment; filename=\"{}\"", bundle.file_name);
        Ok(BundleResponse::Zip(ZipFile(bundle.file), disposition))
    }

    /// Would the caller's record pass an HCPC CPD audit today? For the
    /// current registration period, each CPD standard with a pass or fail,
    /// the reason and the next step, and an overall verdict.
    #[oai(path = "/audit-readiness", method = "get")]
    async fn audit_readiness(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
    ) -> AppResult<Json<ReadinessView>> {
        Ok(Json(app.audit_readiness(&auth.0).await?.into()))
    }
}
