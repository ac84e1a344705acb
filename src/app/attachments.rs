//! Attachments and history: the operations every kind of record shares.
//! Files are stored once by SHA-256; their type is decided by their content
//! (a text file's also by its name) and they are stored under a name whose
//! extension says that type. Only someone who may see a record may see its
//! attachments; only its owner (and a signed record's supervisor) its
//! history. A record's files are part of its evidence, so adding or
//! removing one is the owner editing the record: refused while the record
//! may not be edited (a submitted or signed supervision record), and it does
//! what an edit does (a verified training record needs verifying again).

use std::sync::Arc;

use tokio::io::AsyncRead;

use super::access::not_found;
use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::audit::AuditDraft;
use crate::domain::filetype::{Identified, Unaccepted, identify};
use crate::domain::history::{Undecodable, Version};
use crate::domain::objective::ObjectiveDraft;
use crate::domain::record::{Attachment, EvidenceData, RecordKind};
use crate::domain::reflection::ReflectionDraft;
use crate::domain::supervision::SupervisionDraft;
use crate::domain::training::TrainingDraft;
use crate::storage::attachments::NewAttachment;
use crate::storage::blobs::{Incoming, ReceiveError};

/// A record's history: its current version number and its earlier
/// versions, newest first.
#[derive(Debug, Clone)]
pub struct History<D> {
    pub current_version: u32,
    pub versions: Vec<DecodedVersion<D>>,
}

/// One replaced version, read as the kind's content or marked undecodable.
#[derive(Debug, Clone)]
pub struct DecodedVersion<D> {
    pub version: u32,
    pub replaced_at: time::OffsetDateTime,
    pub replaced_by: String,
    pub content: Result<Version<D>, Undecodable>,
}

/// At most this many files on one record.
pub const ATTACHMENTS_PER_RECORD: usize = 20;

/// How long an upload waits for a turn before 503.
const UPLOAD_WAIT_SECS: u64 = 5;

/// The most bytes the next file may have, and the owner's allowance when
/// that (not the per-file limit) is what bounds it.
struct FileRoom {
    bytes: u64,
    allowance: Option<u64>,
}

impl FileRoom {
    fn explain(&self, err: ReceiveError) -> AppError {
        match (err, self.allowance) {
            (ReceiveError::TooLarge(_), Some(allowance)) => allowance_used(allowance),
            (err, _) => not_received(err),
        }
    }
}

fn allowance_used(allowance: u64) -> AppError {
    AppError::PayloadTooLarge(format!(
        "this file would take you past your allowance of {allowance} bytes of attachments; remove some first"
    ))
}

fn unsupported(unaccepted: Unaccepted) -> AppError {
    AppError::UnsupportedMediaType(unaccepted.reason())
}

/// The upload's type and stored name, read from the received file off the
/// async threads. The file is read whole once, here (the type checks need
/// its directory and, for text, every byte); uploads at once are bounded by
/// `max_concurrent_uploads`.
async fn identify_received(incoming: &Incoming, file_name: Option<&str>) -> AppResult<Identified> {
    let bytes = incoming.map()?;
    let file_name = file_name.map(str::to_owned);
    let identified = tokio::task::spawn_blocking(move || identify(&bytes, file_name.as_deref()))
        .await
        .map_err(AppError::internal)?;
    identified.map_err(unsupported)
}

fn not_received(err: ReceiveError) -> AppError {
    match err {
        ReceiveError::TooLarge(limit) => AppError::PayloadTooLarge(format!(
            "the file is larger than the limit of {limit} bytes"
        )),
        ReceiveError::Empty => AppError::invalid("file", "the file is empty"),
        ReceiveError::Unreadable(e) => {
            AppError::BadRequest(format!("the upload could not be read: {e}"))
        }
        ReceiveError::Io(e) => AppError::from(e),
    }
}

impl App {
    pub async fn add_attachment(
        &self,
        me: &CurrentUser,
        kind: RecordKind,
        id: &str,
        file_name: Option<&str>,
        file: impl AsyncRead + Unpin + Send,
    ) -> AppResult<Attachment> {
        match kind {
            RecordKind::Reflection => {
                self.attach::<ReflectionDraft>(me, id, file_name, file)
                    .await
            }
            RecordKind::Supervision => {
                self.attach::<SupervisionDraft>(me, id, file_name, file)
                    .await
            }
            RecordKind::Audit => self.attach::<AuditDraft>(me, id, file_name, file).await,
            RecordKind::Training => self.attach::<TrainingDraft>(me, id, file_name, file).await,
            RecordKind::Objective => self.attach::<ObjectiveDraft>(me, id, file_name, file).await,
        }
    }

    /// Everything that can refuse the file is checked before the record's
    /// workflow changes; the file is stored after it. The record and the
    /// room left are checked before a byte of the file is read.
    async fn attach<D: EvidenceData>(
        &self,
        me: &CurrentUser,
        id: &str,
        file_name: Option<&str>,
        file: impl AsyncRead + Unpin + Send,
    ) -> AppResult<Attachment> {
        let record = self.editable_evidence::<D>(me, id).await?;
        let room = self.room_for_a_file(&record.owner_id, id).await?;
        let _slot = self.upload_slot().await?;
        let incoming = self
            .inner
            .blobs
            .receive(file, room.bytes)
            .await
            .map_err(|err| room.explain(err))?;
        let upload = identify_received(&incoming, file_name).await?;
        self.after_owner_file_change(me, &record).await?;
        let _guard = self.inner.blob_lock.lock().await;
        let blobs = Arc::clone(&self.inner.blobs);
        let stored = tokio::task::spawn_blocking(move || blobs.adopt(incoming))
            .await
            .map_err(AppError::internal)??;
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

    /// How large the next file may be: the per-file limit or what is left
    /// of the owner's allowance, whichever is smaller. 409 when the record
    /// has its most attachments, 413 when the allowance is used up.
    async fn room_for_a_file(&self, owner_id: &str, id: &str) -> AppResult<FileRoom> {
        let existing = self.store().attachments_of(id).await?;
        if existing.len() >= ATTACHMENTS_PER_RECORD {
            return Err(AppError::Conflict(format!(
                "a record can have at most {ATTACHMENTS_PER_RECORD} attachments"
            )));
        }
        let allowance = self.config().max_attachment_bytes_per_user;
        let used = self.store().attachment_bytes_of(owner_id).await?;
        let left = allowance.saturating_sub(used);
        if left == 0 {
            return Err(allowance_used(allowance));
        }
        let per_file = self.config().max_attachment_bytes as u64;
        Ok(FileRoom {
            bytes: per_file.min(left),
            allowance: (left < per_file).then_some(allowance),
        })
    }

    /// A turn to receive a file; 503 with `Retry-After` when every slot
    /// stays taken for a few seconds.
    async fn upload_slot(&self) -> AppResult<tokio::sync::SemaphorePermit<'_>> {
        let wait = std::time::Duration::from_secs(UPLOAD_WAIT_SECS);
        match tokio::time::timeout(wait, self.inner.uploads.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(AppError::Busy {
                detail: "the server is receiving as many files as it can; try again shortly"
                    .to_owned(),
                retry_after_secs: UPLOAD_WAIT_SECS,
            }),
        }
    }

    pub async fn attachments(
        &self,
        me: &CurrentUser,
        kind: RecordKind,
        id: &str,
    ) -> AppResult<Vec<Attachment>> {
        let (header, _) = self.visible_header(me, kind, id).await?;
        self.log(me, &header.owner_id, kind, id, "read").await?;
        Ok(self.store().attachments_of(id).await?)
    }

    /// The attachment and its file, opened for reading as it is sent; 404
    /// unless it belongs to this record and the caller may see the record.
    pub async fn download_attachment(
        &self,
        me: &CurrentUser,
        kind: RecordKind,
        id: &str,
        attachment_id: &str,
    ) -> AppResult<(Attachment, std::fs::File)> {
        let (header, _) = self.visible_header(me, kind, id).await?;
        let attachment = self.attachment_of(kind, id, attachment_id).await?;
        let blobs = Arc::clone(&self.inner.blobs);
        let sha = attachment.sha256.clone();
        let file = tokio::task::spawn_blocking(move || blobs.open(&sha))
            .await
            .map_err(AppError::internal)??
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("attachment file is missing")))?;
        self.log(me, &header.owner_id, kind, id, "download").await?;
        Ok((attachment, file))
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
            RecordKind::Objective => self.detach::<ObjectiveDraft>(me, id, attachment_id).await,
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
                            kind = %crate::app::error_kind(&err),
                            "could not remove an unused attachment file"
                        );
                    }
                }
                Ok(true) => {}
                Err(err) => {
                    tracing::warn!(
                        kind = %AppError::from(err).log_kind(),
                        "could not check attachment use"
                    )
                }
            }
        }
    }

    /// The record's earlier versions (newest first), each upgraded to the
    /// current schema and decoded to the kind's content (or marked
    /// undecodable), and its current version, for those who may read them
    /// (`Access::reads_history`); 404 for everyone else, even those who
    /// read the current version.
    pub async fn history<D: EvidenceData>(
        &self,
        me: &CurrentUser,
        id: &str,
    ) -> AppResult<History<D>> {
        let kind = D::KIND;
        let (header, access) = self.visible_header(me, kind, id).await?;
        if !access.reads_history(header.signed) {
            return Err(not_found(kind));
        }
        let stored = self.store().history(id).await?;
        self.log(me, &header.owner_id, kind, id, "history").await?;
        // Anyone but the owner (a signed record's supervisor) reads each
        // version as they read the current one.
        let other_reader = header.owner_id != me.id();
        let versions = stored
            .into_iter()
            .map(|past| {
                let content = past.snapshot.decode::<D>().map(|mut v| {
                    if other_reader {
                        v.data = v.data.for_other_readers();
                    }
                    v
                });
                if let Err(undecodable) = &content {
                    tracing::warn!(
                        record.kind = kind.as_str(),
                        record.id = %id,
                        version = past.version,
                        schema_version = undecodable.schema_version,
                        "a past version cannot be decoded"
                    );
                }
                DecodedVersion {
                    version: past.version,
                    replaced_at: past.replaced_at,
                    replaced_by: past.replaced_by,
                    content,
                }
            })
            .collect();
        Ok(History {
            current_version: header.version,
            versions,
        })
    }
}
