//! `POST /api/v1/admin/imports/esr`: an ESR competence export, sent as the
//! CSV file itself (`Content-Type: text/csv`), imported as verified training
//! records, or with `dry_run=true` only checked. The same use case serves
//! `cpdfolio import esr FILE.csv`.

use poem::{Request, RequestBody};
use poem_openapi::param::Query;
use poem_openapi::payload::{Json, ParsePayload, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::app::{App, AppResult, ImportReport};
use crate::http::auth::BearerAuth;
use poem::web::Data;

pub struct ImportsApi;

/// What an import did, or with `dry_run` would do. A file with any bad
/// line imports nothing: the answer is then a 422 whose `errors` name
/// each line (`line 12`) and what is wrong with it.
#[derive(Object)]
struct ImportReportView {
    /// Training records created (or that would be).
    imported: u64,
    /// Completions the portfolios already held (a re-import of the same
    /// file finds every line here).
    already_held: u64,
    /// Lines of competences `content/esr/mapping.toml` ignores.
    ignored: u64,
    /// Lines repeating an earlier line of the file.
    repeated: u64,
    /// True when nothing was written.
    dry_run: bool,
}

impl From<ImportReport> for ImportReportView {
    fn from(r: ImportReport) -> Self {
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        Self {
            imported: count(r.imported),
            already_held: count(r.already_held),
            ignored: count(r.ignored),
            repeated: count(r.repeated),
            dry_run: r.dry_run,
        }
    }
}

/// The CSV file as the request body.
struct CsvFile(Vec<u8>);

impl Payload for CsvFile {
    const CONTENT_TYPE: &'static str = "text/csv";

    fn check_content_type(content_type: &str) -> bool {
        content_type
            .split(';')
            .next()
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(Self::CONTENT_TYPE))
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            format: Some("binary"),
            ..MetaSchema::new("string")
        }))
    }

    fn register(_registry: &mut Registry) {}
}

impl ParsePayload for CsvFile {
    const IS_REQUIRED: bool = true;

    async fn from_request(_request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        Ok(Self(body.take()?.into_vec().await?))
    }
}

poem_openapi::impl_apirequest_for_payload!(CsvFile,);

#[OpenApi(prefix_path = "/api/v1/admin/imports", tag = "Tag::Admin")]
impl ImportsApi {
    /// Import training from an ESR competence export (admin only). The
    /// columns and the competence-to-course mapping come from
    /// `content/esr/mapping.toml`. People are matched by email; imported
    /// records are verified and marked `imported`. All or nothing: any bad
    /// line (unknown person or competence, a malformed or future date, a
    /// cell count that does not match the header) is a 422 listing every
    /// such line, and nothing is written. Importing the same file again
    /// changes nothing. Up to `max_attachment_bytes`.
    #[oai(path = "/esr", method = "post")]
    async fn esr(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        /// Check the file and report what would be imported, writing
        /// nothing.
        dry_run: Query<Option<bool>>,
        file: CsvFile,
    ) -> AppResult<Json<ImportReportView>> {
        let report = app
            .import_esr(&auth.0, &file.0, dry_run.0.unwrap_or(false), &|_, _| {})
            .await?;
        Ok(Json(report.into()))
    }
}
