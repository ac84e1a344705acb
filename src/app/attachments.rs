//! Attachments and history: the operations every kind of record shares.
//! Files are stored once by SHA-256; their type is decided by their content
//! (a text file's also by its name) and they are stored under a name whose
//! extension says that type. Only someone who may see a record may see its
//! attachments. A record's files are part of its evidence, so adding or
//! removing one is the owner editing the record: refused while the record
//! may not be edited (a submitted or signed supervision record), and it does
//! what an edit does (a verified training record needs verifying again).

use std::sync::Arc;

use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::audit::AuditDraft;
use crate::domain::filetype::{Identified, Unaccepted, identify};
use crate::domain::record::{Attachment, EvidenceData, PastVersion, RecordKind};
use crate::domain::reflection::ReflectionDraft;
use crate::domain::supervision::SupervisionDraft;
use crate::domain::training::TrainingDraft;
use crate::storage::attachments::NewAttachment;
use crate::storage::blobs::{BlobError, StoredBlob};

/// At most this many files on one record.
pub const ATTACHMENTS_PER_RECORD: usize = 20;

fn unsupported(unaccepted: Unaccepted) -> AppError {
    AppError::UnsupportedMediaType(unaccepted.reason())
}

/// The upload's type and stored name (reading every byte, so not on the
/// async threads), handing the bytes back.
async fn identify_off_thread(
    bytes: Vec<u8>,
    file_name: Option<&str>,
) -> AppResult<(Identified, Vec<u8>)> {
    let file_name = file_name.map(str::to_owned);
    let identified = tokio::task::spawn_blocking(move || {
        identify(&bytes, file_name.as_deref()).map(|upload| (upload, bytes))
    })
    .await
    .map_err(AppError::internal)?;
    identified.map_err(unsupported)
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
        match kind {
            RecordKind::Reflection => {
                self.attach::<ReflectionDraft>(me, id, file_name, bytes)
                    .await
            }
            RecordKind::Supervision => {
                self.attach::<SupervisionDraft>(me, id, file_name, bytes)
                    .await
            }
            RecordKind::Audit => self.attach::<AuditDraft>(me, id, file_name, bytes).await,
            RecordKind::Training => self.attach::<TrainingDraft>(me, id, file_name, bytes).await,
        }
    }

    /// Everything that can refuse the file is checked before the record's
    /// workflow changes; the file is stored after it.
    async fn attach<D: EvidenceData>(
        &self,
        me: &CurrentUser,
        id: &str,
        file_name: Option<&str>,
        bytes: Vec<u8>,
    ) -> AppResult<Attachment> {
        let record = self.editable_evidence::<D>(me, id).await?;
        self.check_room_for(id, &bytes).await?;
        let (upload, bytes) = identify_off_thread(bytes, file_name).await?;
        self.after_owner_file_change(me, &record).await?;
        let _guard = self.inner.blob_lock.lock().await;
        let stored = self.put_blob(bytes).await?;
        let attachment = self
            .store()
            .add_attachment(NewAttachment {
                owner: record.owner_id.clone(),
                kind: D::KIND.as_str().to_owned(),
                record: record.id.clone(),
                file_name: upload.file_name,
                size: i64::try_from(stored.size).map_err(AppError::internal)?,
                media_type: upload.file_type.mime().to_owned(),
                sha256: stored.sha256,
            })
            .await?;
        self.log(me, &record.owner_id, D::KIND, id, "attach")
            .await?;
        Ok(attachment)
    }

    /// 413 for a file over the limit, 422 for an empty one, 409 when the
    /// record has its most attachments.
    async fn check_room_for(&self, id: &str, bytes: &[u8]) -> AppResult<()> {
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
        Ok(())
    }

    /// Writes the bytes to the blob store (the caller holds the blob lock).
    async fn put_blob(&self, bytes: Vec<u8>) -> AppResult<StoredBlob> {
        let blobs = Arc::clone(&self.inner.blobs);
        tokio::task::spawn_blocking(move || blobs.put(&bytes))
            .await
            .map_err(AppError::internal)?
            .map_err(|err| match err {
                BlobError::UnsupportedType(unaccepted) => unsupported(unaccepted),
                BlobError::Io(e) => AppError::Internal(e),
            })
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
        let attachment = self.attachment_of(kind, id, attachment_id).await?;
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
        match kind {
            RecordKind::Reflection => self.detach::<ReflectionDraft>(me, id, attachment_id).await,
            RecordKind::Supervision => self.detach::<SupervisionDraft>(me, id, attachment_id).await,
            RecordKind::Audit => self.detach::<AuditDraft>(me, id, attachment_id).await,
            RecordKind::Training => self.detach::<TrainingDraft>(me, id, attachment_id).await,
        }
    }

    async fn detach<D: EvidenceData>(
        &self,
        me: &CurrentUser,
        id: &str,
        attachment_id: &str,
    ) -> AppResult<()> {
        let record = self.editable_evidence::<D>(me, id).await?;
        let attachment = self.attachment_of(D::KIND, id, attachment_id).await?;
        self.after_owner_file_change(me, &record).await?;
        self.store().delete_attachment(&attachment.id).await?;
        self.log(me, &record.owner_id, D::KIND, id, "detach")
            .await?;
        self.drop_unused_blobs(vec![attachment.sha256]).await;
        Ok(())
    }

    /// The attachment, 404 unless it belongs to this record.
    async fn attachment_of(
        &self,
        kind: RecordKind,
        record_id: &str,
        attachment_id: &str,
    ) -> AppResult<Attachment> {
        self.store()
            .attachment(attachment_id)
            .await?
            .filter(|a| a.record_id == record_id && a.kind == kind)
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

    /// The record's earlier versions (newest first) and its current version.
    pub async fn history(
        &self,
        me: &CurrentUser,
        kind: RecordKind,
        id: &str,
    ) -> AppResult<(u32, Vec<PastVersion>)> {
        let (header, _) = self.visible_header(me, kind, id).await?;
        let versions = self.store().history(id).await?;
        self.log(me, &header.owner_id, kind, id, "history").await?;
        Ok((header.version, versions))
    }
}
