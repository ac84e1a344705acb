//! What every kind of record shares: history and attachments, addressed as
//! `/api/v1/{kind}/{id}/…` where `kind` is `reflections`, `supervision`,
//! `audits`, `training` or `objectives`.

use poem::web::Data;
use poem::{Body, FromRequest, IntoResponse, Request, RequestBody, Response};
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, ParsePayload, Payload};
use poem_openapi::registry::{MetaMediaType, MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Enum, Multipart, Object, OpenApi, ResponseContent};
use time::OffsetDateTime;

use super::{Tag, is_record_id};
use crate::app::App;
use crate::app::{AppError, AppResult};
use crate::app::{DecodedVersion, History};
use crate::domain::audit::AuditDraft;
use crate::domain::dates::iso;
use crate::domain::filetype::FileType;
use crate::domain::history::Version;
use crate::domain::objective::ObjectiveDraft;
use crate::domain::record::{Attachment, EvidenceData, RecordKind};
use crate::domain::reflection::ReflectionDraft;
use crate::domain::supervision::SupervisionDraft;
use crate::domain::training::TrainingDraft;
use crate::http::auth::BearerAuth;
use crate::http::upload::sole_file;

pub struct RecordsApi;

/// The collection a record belongs to.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Collection {
    Reflections,
    Supervision,
    Audits,
    Training,
    Objectives,
}

impl From<Collection> for RecordKind {
    fn from(c: Collection) -> Self {
        match c {
            Collection::Reflections => Self::Reflection,
            Collection::Supervision => Self::Supervision,
            Collection::Audits => Self::Audit,
            Collection::Training => Self::Training,
            Collection::Objectives => Self::Objective,
        }
    }
}

/// 404 for anything that cannot be a record id.
pub fn check_id(kind: RecordKind, id: &str) -> AppResult<()> {
    if is_record_id(id) {
        Ok(())
    } else {
        Err(AppError::NotFound(kind.label()))
    }
}

/// A file attached to a record.
#[derive(Object)]
pub struct AttachmentView {
    id: String,
    /// The uploader's name for the file, cleaned, with the extension of its
    /// `media_type`.
    file_name: String,
    /// Decided from the file's content (a text file's also from the
    /// extension of the name it was uploaded under).
    media_type: String,
    size: u64,
    sha256: String,
    created_at: OffsetDateTime,
    /// Where to download it.
    href: String,
}

impl From<Attachment> for AttachmentView {
    fn from(a: Attachment) -> Self {
        Self {
            href: format!(
                "/api/v1/{}/{}/attachments/{}",
                a.kind.path(),
                a.record_id,
                a.id
            ),
            id: a.id,
            file_name: a.file_name,
            media_type: a.media_type,
            size: a.size,
            sha256: a.sha256,
            created_at: a.created_at,
        }
    }
}

#[derive(Object)]
struct VersionView {
    version: u32,
    /// When this version was replaced by the next.
    replaced_at: OffsetDateTime,
    replaced_by: String,
    /// The record as it was: its `title`, its date (`activity_date` for a
    /// reflective entry, `date` otherwise), the kind's fields under `data`
    /// and its sign-off and verification under `flow`. Null when the stored
    /// version cannot be read; `undecodable` then says why.
    content: serde_json::Value,
    undecodable: Option<UndecodableVersion>,
}

/// A stored version that cannot be read as the record's kind.
#[derive(Object)]
struct UndecodableVersion {
    /// The schema the version was written under.
    schema_version: u32,
    /// What could not be read.
    reason: String,
}

impl<D: EvidenceData> From<DecodedVersion<D>> for VersionView {
    fn from(v: DecodedVersion<D>) -> Self {
        let (content, undecodable) = match v.content {
            Ok(version) => (version_json(version), None),
            Err(e) => (
                serde_json::Value::Null,
                Some(UndecodableVersion {
                    schema_version: e.schema_version,
                    reason: e.reason,
                }),
            ),
        };
        Self {
            version: v.version,
            replaced_at: v.replaced_at,
            replaced_by: v.replaced_by,
            content,
            undecodable,
        }
    }
}

/// A past version in the shape the history has always shown.
fn version_json<D: EvidenceData>(v: Version<D>) -> serde_json::Value {
    let date_key = if D::KIND == RecordKind::Reflection {
        "activity_date"
    } else {
        "date"
    };
    let mut flow = match serde_json::to_value(&v.workflow.sign_off) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    match v
        .workflow
        .verification
        .map(|verification| serde_json::to_value(&verification))
    {
        Some(Ok(serde_json::Value::Object(verification))) => flow.extend(verification),
        _ => {
            for key in ["verified_by", "verified_at"] {
                flow.insert(key.to_owned(), serde_json::Value::Null);
            }
        }
    }
    serde_json::json!({
        "title": v.data.title(),
        date_key: iso(v.data.date()),
        "data": serde_json::to_value(&v.data).unwrap_or_default(),
        "flow": flow,
    })
}

#[derive(Object)]
#[oai(rename = "History")]
struct HistoryView {
    current_version: u32,
    /// Earlier versions, newest first.
    versions: Vec<VersionView>,
}

impl<D: EvidenceData> From<History<D>> for HistoryView {
    fn from(h: History<D>) -> Self {
        Self {
            current_version: h.current_version,
            versions: h.versions.into_iter().map(Into::into).collect(),
        }
    }
}

/// The upload form as the OpenAPI document describes it. The request is
/// read as [`StreamedUpload`], never through this type.
#[derive(Multipart)]
#[allow(dead_code)]
struct UploadForm {
    /// The file: PDF, PNG, JPEG, DOCX, ODT, or text named `.txt`, `.csv`
    /// or `.md`.
    file: Upload,
}

/// The multipart body as it arrives: the handler reads the `file` field as
/// a stream into the data directory (poem-openapi's own `Upload` would copy
/// it whole into the system temporary directory first).
struct StreamedUpload(poem::web::Multipart);

impl Payload for StreamedUpload {
    const CONTENT_TYPE: &'static str = "multipart/form-data";

    fn check_content_type(content_type: &str) -> bool {
        content_type
            .split(';')
            .next()
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(Self::CONTENT_TYPE))
    }

    fn schema_ref() -> MetaSchemaRef {
        <UploadForm as Payload>::schema_ref()
    }

    fn register(registry: &mut Registry) {
        <UploadForm as Payload>::register(registry);
    }
}

impl ParsePayload for StreamedUpload {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        Ok(Self(
            poem::web::Multipart::from_request(request, body).await?,
        ))
    }
}

poem_openapi::impl_apirequest_for_payload!(StreamedUpload,);

#[derive(ApiResponse)]
enum AttachedResponse {
    /// Attached.
    #[oai(status = 201)]
    Created(Json<AttachmentView>),
}

#[derive(ApiResponse)]
enum RemovedResponse {
    /// Removed.
    #[oai(status = 204)]
    Removed,
}

/// An attachment's bytes, sent as the type decided when it was uploaded.
struct FileBytes {
    file: std::fs::File,
    file_type: Option<FileType>,
}

/// For a stored media type that is not (or no longer) an accepted type.
const UNKNOWN_TYPE: &str = "application/octet-stream";

impl IntoResponse for FileBytes {
    fn into_response(self) -> Response {
        let media_type = self.file_type.map_or(UNKNOWN_TYPE, FileType::mime);
        let file = tokio::fs::File::from_std(self.file);
        Response::builder()
            .content_type(media_type)
            .body(Body::from_async_read(file))
    }
}

impl ResponseContent for FileBytes {
    fn media_types() -> Vec<MetaMediaType> {
        FileType::ALL
            .iter()
            .map(|t| t.mime())
            .chain([UNKNOWN_TYPE])
            .map(|content_type| MetaMediaType {
                content_type,
                schema: MetaSchemaRef::Inline(Box::new(MetaSchema {
                    format: Some("binary"),
                    ..MetaSchema::new("string")
                })),
            })
            .collect()
    }
}

#[derive(ApiResponse)]
enum DownloadResponse {
    /// The file's bytes, as the media type its attachment states.
    #[oai(status = 200)]
    File(FileBytes, #[oai(header = "Content-Disposition")] String),
}

/// `attachment` with an ASCII fallback name and the exact name in RFC 8187
/// form, so no header ever carries raw non-ASCII or quote characters.
pub fn content_disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | ';' | '%') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in file_name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Records")]
impl RecordsApi {
    /// Earlier versions of one of the caller's records.
    ///
    /// Also for the supervisor of a signed supervision record. Anyone else
    /// who reads the record sees its current version only and gets 404 here.
    #[oai(path = "/:kind/:id/history", method = "get")]
    async fn history(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        kind: Path<Collection>,
        id: Path<String>,
    ) -> AppResult<Json<HistoryView>> {
        let kind = RecordKind::from(kind.0);
        check_id(kind, &id)?;
        let (me, id) = (&auth.0, id.as_str());
        Ok(Json(match kind {
            RecordKind::Reflection => app.history::<ReflectionDraft>(me, id).await?.into(),
            RecordKind::Supervision => app.history::<SupervisionDraft>(me, id).await?.into(),
            RecordKind::Audit => app.history::<AuditDraft>(me, id).await?.into(),
            RecordKind::Training => app.history::<TrainingDraft>(me, id).await?.into(),
            RecordKind::Objective => app.history::<ObjectiveDraft>(me, id).await?.into(),
        }))
    }

    /// Attach a file to one of the caller's records (multipart field
    /// `file`, the form's only part: any other is 400). The type is decided
    /// from the content; others get 415, files over `max_attachment_bytes`
    /// 413. The same file is stored once.
    #[oai(path = "/:kind/:id/attachments", method = "post")]
    async fn upload(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        kind: Path<Collection>,
        id: Path<String>,
        form: StreamedUpload,
    ) -> AppResult<AttachedResponse> {
        let kind = RecordKind::from(kind.0);
        check_id(kind, &id)?;
        let mut file = sole_file(form.0).await?;
        let file_name = file.file_name.take();
        let attachment = app
            .add_attachment(&auth.0, kind, &id, file_name.as_deref(), file)
            .await?;
        Ok(AttachedResponse::Created(Json(attachment.into())))
    }

    /// The files attached to a record the caller may see.
    #[oai(path = "/:kind/:id/attachments", method = "get")]
    async fn list(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        kind: Path<Collection>,
        id: Path<String>,
    ) -> AppResult<Json<Vec<AttachmentView>>> {
        let kind = RecordKind::from(kind.0);
        check_id(kind, &id)?;
        let files = app.attachments(&auth.0, kind, &id).await?;
        Ok(Json(files.into_iter().map(Into::into).collect()))
    }

    /// Download an attachment (always as a download, never inline).
    #[oai(path = "/:kind/:id/attachments/:attachment_id", method = "get")]
    async fn download(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        kind: Path<Collection>,
        id: Path<String>,
        attachment_id: Path<String>,
    ) -> AppResult<DownloadResponse> {
        let kind = RecordKind::from(kind.0);
        check_id(kind, &id)?;
        if !is_record_id(&attachment_id) {
            return Err(AppError::NotFound("attachment"));
        }
        let (attachment, stored) = app
            .download_attachment(&auth.0, kind, &id, &attachment_id)
            .await?;
        let file = FileBytes {
            file: stored,
            file_type: FileType::from_mime(&attachment.media_type),
        };
        Ok(DownloadResponse::File(
            file,
            content_disposition(&attachment.file_name),
        ))
    }

    /// Remove an attachment from one of the caller's records.
    #[oai(path = "/:kind/:id/attachments/:attachment_id", method = "delete")]
    async fn remove(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        kind: Path<Collection>,
        id: Path<String>,
        attachment_id: Path<String>,
    ) -> AppResult<RemovedResponse> {
        let kind = RecordKind::from(kind.0);
        check_id(kind, &id)?;
        if !is_record_id(&attachment_id) {
            return Err(AppError::NotFound("attachment"));
        }
        app.delete_attachment(&auth.0, kind, &id, &attachment_id)
            .await?;
        Ok(RemovedResponse::Removed)
    }
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn content_disposition_is_ascii_with_the_exact_name_encoded() {
        assert_eq!(
            content_disposition("fire safety.pdf"),
            "attachment; filename=\"fire safety.pdf\"; filename*=UTF-8''fire%20safety.pdf"
        );
        assert_eq!(
            content_disposition("Gwenllïan \"cert\".pdf"),
            "attachment; filename=\"Gwenll_an _cert_.pdf\"; filename*=UTF-8''Gwenll%C3%AFan%20%22cert%22.pdf"
        );
    }
}
