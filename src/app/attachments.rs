//! Attachments and history: the operations every kind of record shares.
//! Files are stored once by SHA-256; their type is decided by their
//! content. Only someone who may see a record may see its attachments;
//! only its owner (and a signed record's supervisor) its history.

use std::sync::Arc;

use super::access::{RecordHeader, not_found};
use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::access::Access;
use crate::domain::record::RecordKind;
use crate::domain::record::{Attachment, PastVersion};
use crate::storage::attachments::NewAttachment;
use crate::storage::blobs::BlobError;

/// At most this many files on one record.
pub const ATTACHMENTS_PER_RECORD: usize = 20;

/// A file name safe to store and to put in a Content-Disposition header:
/// the last path component, without control characters or quotes, at most
/// 255 characters.
pub fn clean_file_name(name: Option<&str>, extension: &str) -> String {
    let base = name
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(255)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        format!("attachment.{extension}")
    } else {
        cleaned
    }
}

fn forbid_unless_owner(access: Access, kind: RecordKind) -> AppResult<()> {
    if access == Access::Owner {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "only the owner can change the attachments of this {}",
            kind.label()
        )))
    }
}

impl App {
    pub async fn add_attachment(
        &self,
        me: &CurrentUser,
        kind: RecordKind,
        id: &str,
        file_name: Option<&str>,
        bytes: Vec<u8>,
    ) -> AppResult<Attachment> {
        let (header, access) = self.visible_header(me, kind, id).await?;
        forbid_unless_owner(access, kind)?;
        let limit = self.config().max_attachment_bytes;
        if bytes.len() > limit {
            return Err(AppError::PayloadTooLarge(format!(
                "the file is larger than the limit of {limit} bytes"
            )));
        }
        if bytes.is_empty() {
            return Err(AppError::invalid("file", "the file is empty"));
        }
        let existing = self.store().attachments_of(&[id.to_owned()]).await?;
        if existing.len() >= ATTACHMENTS_PER_RECORD {
            return Err(AppError::Conflict(format!(
                "a record can have at most {ATTACHMENTS_PER_RECORD} attachments"
            )));
        }
        let _guard = self.inner.blob_lock.lock().await;
        let blobs = Arc::clone(&self.inner.blobs);
        let stored = tokio::task::spawn_blocking(move || blobs.put(&bytes))
            .await
            .map_err(AppError::internal)?
            .map_err(|err| match err {
                BlobError::UnsupportedType => AppError::UnsupportedMediaType(err.to_string()),
                BlobError::Io(e) => AppError::Internal(e),
            })?;
        let attachment = self
            .store()
            .add_attachment(NewAttachment {
                owner: header.owner_id.clone(),
                kind: kind.as_str().to_owned(),
                record: id.to_owned(),
                file_name: clean_file_name(file_name, stored.file_type.extension()),
                size: i64::try_from(stored.size).map_err(AppError::internal)?,
                media_type: stored.file_type.mime().to_owned(),
                sha256: stored.sha256,
            })
            .await?;
        self.log(me, &header.owner_id, kind, id, "attach").await?;
        Ok(attachment)
    }

    pub async fn attachments(
        &self,
        me: &CurrentUser,
        kind: RecordKind,
        id: &str,
    ) -> AppResult<Vec<Attachment>> {
        let (header, _) = self.visible_header(me, kind, id).await?;
        self.log(me, &header.owner_id, kind, id, "read").await?;
        Ok(self.store().attachments_of(&[id.to_owned()]).await?)
    }

    /// The attachment and its bytes; 404 unless it belongs to this record
    /// and the caller may see the record.
    pub async fn download_attachment(
        &self,
        me: &CurrentUser,
        kind: RecordKind,
        id: &str,
        attachment_id: &str,
    ) -> AppResult<(Attachment, Vec<u8>)> {
        let (header, _) = self.visible_header(me, kind, id).await?;
        let attachment = self.attachment_of(&header, attachment_id).await?;
        let blobs = Arc::clone(&self.inner.blobs);
        let sha = attachment.sha256.clone();
        let bytes = tokio::task::spawn_blocking(move || blobs.get(&sha))
            .await
            .map_err(AppError::internal)??
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("attachment file is missing")))?;
        self.log(me, &header.owner_id, kind, id, "download").await?;
        Ok((attachment, bytes))
    }

    pub async fn delete_attachment(
        &self,
        me: &CurrentUser,
        kind: RecordKind,
        id: &str,
        attachment_id: &str,
    ) -> AppResult<()> {
        let (header, access) = self.visible_header(me, kind, id).await?;
        forbid_unless_owner(access, kind)?;
        if header.signed {
            return Err(AppError::Conflict(
                "the record is signed; its attachments cannot be removed".to_owned(),
            ));
        }
        let attachment = self.attachment_of(&header, attachment_id).await?;
        self.store().delete_attachment(&attachment.id).await?;
        self.log(me, &header.owner_id, kind, id, "detach").await?;
        self.drop_unused_blobs(vec![attachment.sha256]).await;
        Ok(())
    }

    async fn attachment_of(
        &self,
        header: &RecordHeader,
        attachment_id: &str,
    ) -> AppResult<Attachment> {
        self.store()
            .attachment(attachment_id)
            .await?
            .filter(|a| a.record_id == header.id && a.kind == header.kind)
            .ok_or(AppError::NotFound("attachment"))
    }

    /// Removes stored files no attachment refers to any more (deleted
    /// evidence should not linger on disk). Failures are logged only.
    pub(super) async fn drop_unused_blobs(&self, digests: Vec<String>) {
        let _guard = self.inner.blob_lock.lock().await;
        for sha in digests {
            match self.store().digest_in_use(&sha).await {
                Ok(false) => {
                    if let Err(err) = self.inner.blobs.remove(&sha) {
                        tracing::warn!(
                            error = format!("{err:#}"),
                            "could not remove an unused attachment file"
                        );
                    }
                }
                Ok(true) => {}
                Err(err) => {
                    tracing::warn!(error = format!("{err:#}"), "could not check attachment use")
                }
            }
        }
    }

    /// The record's earlier versions (newest first) and its current version,
    /// for those who may read them (`Access::reads_history`); 404 for
    /// everyone else, even those who read the current version.
    pub async fn history(
        &self,
        me: &CurrentUser,
        kind: RecordKind,
        id: &str,
    ) -> AppResult<(u32, Vec<PastVersion>)> {
        let (header, access) = self.visible_header(me, kind, id).await?;
        if !access.reads_history(header.signed) {
            return Err(not_found(kind));
        }
        let versions = self.store().history(id).await?;
        self.log(me, &header.owner_id, kind, id, "history").await?;
        Ok((header.version, versions))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_quotes_and_control_characters() {
        assert_eq!(clean_file_name(Some("../../etc/passwd"), "txt"), "passwd");
        assert_eq!(
            clean_file_name(Some("C:\\certs\\fire \"safety\".pdf"), "pdf"),
            "fire safety.pdf"
        );
        assert_eq!(clean_file_name(Some("a\r\nb.pdf"), "pdf"), "ab.pdf");
        assert_eq!(clean_file_name(Some(".."), "png"), "attachment.png");
        assert_eq!(clean_file_name(None, "png"), "attachment.png");
        assert_eq!(
            clean_file_name(Some(&"é".repeat(300)), "pdf")
                .chars()
                .count(),
            255
        );
    }
}
