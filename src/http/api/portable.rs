//! The caller's whole record as one zip: their copy to keep or move to
//! another employer's cpdfolio, and the answer to a subject-access or
//! portability request.

use poem::web::Data;
use poem::{Body, IntoResponse, Request, RequestBody, Response};
use poem_openapi::payload::{Json, ParsePayload, Payload};
use poem_openapi::registry::{MetaMediaType, MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::{ApiResponse, Object, OpenApi, ResponseContent};

use super::Tag;
use crate::app::App;
use crate::app::AppResult;
use crate::http::auth::BearerAuth;

pub struct PortableApi;

/// A zip's bytes, streamed from the file it was written to.
pub struct ZipFile(pub std::fs::File);

impl IntoResponse for ZipFile {
    fn into_response(self) -> Response {
        Response::builder()
            .content_type("application/zip")
            .body(Body::from_async_read(tokio::fs::File::from_std(self.0)))
    }
}

impl ResponseContent for ZipFile {
    fn media_types() -> Vec<MetaMediaType> {
        vec![MetaMediaType {
            content_type: "application/zip",
            schema: MetaSchemaRef::Inline(Box::new(MetaSchema {
                format: Some("binary"),
                ..MetaSchema::new("string")
            })),
        }]
    }
}

#[derive(ApiResponse)]
enum ExportResponse {
    /// The zip: `manifest.json` (format, schema version, and every other
    /// file's path, size and SHA-256), `person.json`,
    /// `records/{kind}/{id}.json` (content, sign-off, verification, readers,
    /// attachments and every earlier version), `attachments/{sha256}` and
    /// `access-log.json`.
    #[oai(status = 200)]
    Zip(ZipFile, #[oai(header = "Content-Disposition")] String),
}

/// An uploaded export, read as it arrives.
pub struct ZipUpload(Body);

/// Documented as a generic binary body (what most clients send for a
/// file); `application/zip` is accepted as well.
impl Payload for ZipUpload {
    const CONTENT_TYPE: &'static str = "application/octet-stream";

    fn check_content_type(content_type: &str) -> bool {
        content_type.split(';').next().is_some_and(|essence| {
            let essence = essence.trim();
            essence.eq_ignore_ascii_case(Self::CONTENT_TYPE)
                || essence.eq_ignore_ascii_case("application/zip")
        })
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            format: Some("binary"),
            ..MetaSchema::new("string")
        }))
    }

    fn register(_registry: &mut Registry) {}
}

impl ParsePayload for ZipUpload {
    const IS_REQUIRED: bool = true;

    async fn from_request(_request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        Ok(Self(body.take()?))
    }
}

poem_openapi::impl_apirequest_for_payload!(ZipUpload,);

/// What an import restored.
#[derive(Object)]
#[oai(rename = "ImportedPortfolio")]
struct ImportedView {
    records: u64,
    /// Earlier versions restored with them.
    versions: u64,
    attachments: u64,
}

#[derive(ApiResponse)]
enum ImportResponse {
    /// Restored.
    #[oai(status = 201)]
    Created(Json<ImportedView>),
}

#[OpenApi(prefix_path = "/api/v1/me", tag = "Tag::Me")]
impl PortableApi {
    /// Everything the caller owns as one zip of documented JSON, with a
    /// manifest of SHA-256 hashes.
    #[oai(path = "/export", method = "get")]
    async fn export(&self, app: Data<&App>, auth: BearerAuth) -> AppResult<ExportResponse> {
        let export = app.export_portfolio(&auth.0).await?;
        let disposition = format!("attachment; filename=\"{}\"", export.file_name());
        Ok(ExportResponse::Zip(ZipFile(export.file), disposition))
    }

    /// Restore a portfolio exported from cpdfolio (`GET /me/export`, here or
    /// on another server) into the caller's account, which must be empty
    /// (409 otherwise). The zip is checked whole before anything is
    /// written: 422 names a damaged, truncated, tampered (hash mismatch),
    /// foreign or newer-schema file, a zip bomb or an NHS number; 413 past
    /// `max_import_bytes`. Record ids, dates, versions, sign-offs and files
    /// are kept; shares are not (the readers were on the other server).
    #[oai(path = "/import", method = "post")]
    async fn import(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        body: ZipUpload,
    ) -> AppResult<ImportResponse> {
        let imported = app
            .import_portfolio(&auth.0, body.0.into_async_read())
            .await?;
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        Ok(ImportResponse::Created(Json(ImportedView {
            records: count(imported.records),
            versions: count(imported.versions),
            attachments: count(imported.attachments),
        })))
    }
}
