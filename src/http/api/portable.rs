//! The caller's whole record as one zip: their copy to keep or move to
//! another employer's cpdfolio, and the answer to a subject-access or
//! portability request.

use poem::web::Data;
use poem::{Body, IntoResponse, Response};
use poem_openapi::registry::{MetaMediaType, MetaSchema, MetaSchemaRef};
use poem_openapi::{ApiResponse, OpenApi, ResponseContent};

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

#[OpenApi(prefix_path = "/api/v1/me", tag = "Tag::Me")]
impl PortableApi {
    /// Everything the caller owns as one zip of documented JSON, with a
    /// manifest of SHA-256 hashes.
    #[oai(path = "/export", method = "get")]
    async fn export(&self, app: Data<&App>, auth: BearerAuth) -> AppResult<ExportResponse> {
        let export = app.export_portfolio(&auth.0).await?;
        let day = export.manifest.exported_at.get(..10).unwrap_or("export");
        Ok(ExportResponse::Zip(
            ZipFile(export.file),
            format!("attachment; filename=\"cpdfolio-portfolio-{day}.zip\""),
        ))
    }
}
