//! Restoring an exported portfolio into an empty account (the next
//! employer's cpdfolio, or a rebuilt server). Everything is checked before
//! anything is written: the zip against its manifest, every record's
//! content against its kind, every attached file against its hash and the
//! accepted file types, and no NHS number anywhere; then the files go to
//! the blob store and the records, versions and attachment rows are
//! written in one transaction. Shares are not restored: the readers were
//! accounts on the server the export came from.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::io::AsyncRead;

use super::evidence::encode;
use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::audit::AuditDraft;
use crate::domain::error::FieldError;
use crate::domain::filetype::{Identified, Unaccepted, identify};
use crate::domain::objective::ObjectiveDraft;
use crate::domain::pii;
use crate::domain::record::{
    EvidenceData, RecordKind, SignOff, Verification, Workflow, guarded_text, is_record_id,
};
use crate::domain::reflection::ReflectionDraft;
use crate::domain::supervision::SupervisionDraft;
use crate::domain::training::TrainingDraft;
use crate::export::portable::{self, RecordFile, UnpackLimits, Unpacked};
use crate::storage::portable::{RestoredAttachment, RestoredFrame, RestoredKind, RestoredVersion};

/// What an import restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportedPortfolio {
    pub records: usize,
    pub versions: usize,
    pub attachments: usize,
}

/// The most files one export may hold: every record, its files, and more.
const MAX_FILES: usize = 200_000;

fn problem(path: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(path, message)
}

fn instant(path: &str, field: &str, text: &str) -> Result<OffsetDateTime, FieldError> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|_| problem(path, format!("`{field}` is not an RFC 3339 timestamp")))
}

/// A record restored: its frame and content, and the accounts it names
/// (supervisor, signer, verifier, authors of addenda).
struct Restored {
    frame: RestoredFrame,
    write: crate::storage::evidence::EvidenceWrite,
    names: Vec<String>,
}

/// A record file as what the store restores, or what is wrong with it.
fn restored<D: EvidenceData>(record: &RecordFile) -> Result<Restored, Vec<FieldError>> {
    let path = format!("records/{}/{}.json", record.kind, record.id);
    let one = |e: FieldError| vec![e];
    let data: D = serde_json::from_value(record.content.clone()).map_err(|e| {
        one(problem(
            &path,
            format!("its content is not a valid {}: {e}", D::KIND.label()),
        ))
    })?;
    let sign_off: SignOff = serde_json::from_value(record.sign_off.clone())
        .map_err(|e| one(problem(&path, format!("its sign-off cannot be read: {e}"))))?;
    let verification: Option<Verification> = record
        .verification
        .clone()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| {
            one(problem(
                &path,
                format!("its verification cannot be read: {e}"),
            ))
        })?;
    let nhs: Vec<FieldError> = pii::nhs_number_errors(&guarded_text(&data, &sign_off))
        .into_iter()
        .map(|e| problem(&format!("{path}: {}", e.field), e.message))
        .collect();
    if !nhs.is_empty() {
        return Err(nhs);
    }
    let mut names: Vec<String> = data
        .supervisor_id()
        .map(str::to_owned)
        .into_iter()
        .collect();
    names.extend(sign_off.signed_by.clone());
    names.extend(sign_off.addenda.iter().map(|a| a.author_id.clone()));
    names.extend(verification.as_ref().map(|v| v.verified_by.clone()));
    let workflow = Workflow {
        sign_off,
        verification,
    };
    let write = encode(&data, &workflow, &record.pii_dismissed)
        .map_err(|_| one(problem(&path, "cannot be encoded")))?;
    let versions = record
        .versions
        .iter()
        .map(|v| {
            Ok(RestoredVersion {
                version: v.version,
                replaced_at: instant(&path, "replaced_at", &v.replaced_at)?,
                replaced_by: v.replaced_by.clone(),
                schema_version: v.schema_version,
                fields: v.fields.clone(),
            })
        })
        .collect::<Result<Vec<_>, FieldError>>()
        .map_err(one)?;
    let frame = RestoredFrame {
        id: record.id.clone(),
        created_at: instant(&path, "created_at", &record.created_at).map_err(one)?,
        updated_at: instant(&path, "updated_at", &record.updated_at).map_err(one)?,
        version: record.version,
        pii_dismissed: record.pii_dismissed.clone(),
        versions,
    };
    Ok(Restored {
        frame,
        write,
        names,
    })
}

/// An unpacked export with the type of every attached file under each
/// name a record gives it, read from the spooled files one at a time.
struct Received {
    unpacked: Unpacked,
    /// `(sha256, file name)` → what the file is, and its size.
    identified: HashMap<(String, String), (Result<Identified, Unaccepted>, u64)>,
}

impl Received {
    /// Reads each spooled attachment once per name it is attached under
    /// (blocking: call off the async threads). One file is in memory at a
    /// time.
    fn identify(mut unpacked: Unpacked) -> std::io::Result<Self> {
        let mut identified = HashMap::new();
        for (sha, file) in &mut unpacked.attachments {
            let names: Vec<String> = unpacked
                .records
                .iter()
                .flat_map(|r| &r.attachments)
                .filter(|a| a.sha256 == *sha)
                .map(|a| a.file_name.clone())
                .collect();
            if names.is_empty() {
                continue;
            }
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)?;
            file.seek(SeekFrom::Start(0))?;
            for name in names {
                let found = identify(&bytes, Some(&name));
                identified.insert((sha.clone(), name), (found, bytes.len() as u64));
            }
        }
        Ok(Self {
            unpacked,
            identified,
        })
    }
}

/// Attachment rows of a record, each file present and of an accepted type.
fn attachment_rows(
    record: &RecordFile,
    received: &Received,
) -> Result<Vec<RestoredAttachment>, FieldError> {
    let path = format!("records/{}/{}.json", record.kind, record.id);
    record
        .attachments
        .iter()
        .map(|a| {
            let (found, size) = received
                .identified
                .get(&(a.sha256.clone(), a.file_name.clone()))
                .ok_or_else(|| problem(&path, format!("attachments/{} is missing", a.sha256)))?;
            let accepted = found.clone().map_err(|refused| {
                problem(
                    &path,
                    format!(
                        "`{}` is not an accepted file: {}",
                        a.file_name,
                        refused.reason()
                    ),
                )
            })?;
            if !is_record_id(&a.id) || accepted.file_type.mime() != a.media_type || *size != a.size
            {
                return Err(problem(
                    &path,
                    format!("the attachment `{}` does not match its file", a.file_name),
                ));
            }
            Ok(RestoredAttachment {
                id: a.id.clone(),
                kind: record.kind.clone(),
                record: record.id.clone(),
                sha256: a.sha256.clone(),
                file_name: a.file_name.clone(),
                size: i64::try_from(a.size).unwrap_or(i64::MAX),
                media_type: a.media_type.clone(),
                created_at: a.created_at.clone(),
            })
        })
        .collect()
}

impl App {
    /// Restores an exported portfolio into the caller's account, which
    /// must hold no records yet.
    pub async fn import_portfolio(
        &self,
        me: &CurrentUser,
        body: impl AsyncRead + Unpin + Send,
    ) -> AppResult<ImportedPortfolio> {
        me.require_portfolio()?;
        if self.store().owned_record_count(me.id()).await? > 0 {
            return Err(AppError::Conflict(
                "your account already has records; a portfolio can only be imported into an empty account".into(),
            ));
        }
        let received = self.unpack(body).await?;
        let unpacked = &received.unpacked;
        let mut kinds: Vec<RestoredKind> =
            RecordKind::ALL.into_iter().map(RestoredKind::new).collect();
        let mut attachments = Vec::new();
        let mut errors = Vec::new();
        let mut versions = 0;
        let mut named: Vec<(String, String)> = Vec::new();
        for record in &unpacked.records {
            let Some(kind) = RecordKind::parse(&record.kind) else {
                continue;
            };
            if self.store().evidence(kind, &record.id).await?.is_some() {
                return Err(AppError::Conflict(format!(
                    "records/{}/{}.json is already on this server; an export can be imported once",
                    record.kind, record.id
                )));
            }
            let parsed = match kind {
                RecordKind::Reflection => restored::<ReflectionDraft>(record),
                RecordKind::Supervision => restored::<SupervisionDraft>(record),
                RecordKind::Audit => restored::<AuditDraft>(record),
                RecordKind::Training => restored::<TrainingDraft>(record),
                RecordKind::Objective => restored::<ObjectiveDraft>(record),
            };
            match (parsed, attachment_rows(record, &received)) {
                (Ok(r), Ok(rows)) => {
                    versions += r.frame.versions.len();
                    attachments.extend(rows);
                    let path = format!("records/{}/{}.json", record.kind, record.id);
                    named.extend(r.names.into_iter().map(|id| (path.clone(), id)));
                    if let Some(k) = kinds.iter_mut().find(|k| k.kind() == kind) {
                        k.push(r.frame, r.write);
                    }
                }
                (Err(mut e), rows) => {
                    errors.append(&mut e);
                    errors.extend(rows.err());
                }
                (Ok(_), Err(e)) => errors.push(e),
            }
        }
        errors.extend(self.names_of_local_accounts(named).await?);
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let records = unpacked.records.len();
        let restored: Vec<(RecordKind, String)> = unpacked
            .records
            .iter()
            .filter_map(|r| Some((RecordKind::parse(&r.kind)?, r.id.clone())))
            .collect();
        self.store_imported_files(received.unpacked.attachments)
            .await?;
        let attached = attachments.len();
        kinds.retain(|k| !k.is_empty());
        self.store()
            .restore_portfolio(me.id(), kinds, attachments)
            .await?;
        for (kind, id) in restored {
            self.index_restored(kind, &id).await?;
        }
        tracing::info!(user.id = %me.id(), records, "portfolio imported");
        Ok(ImportedPortfolio {
            records,
            versions,
            attachments: attached,
        })
    }

    /// A record may not name an account of this server as its supervisor,
    /// signer or verifier: the export is not signed, so such a record
    /// could put itself in another person's lists or claim their
    /// countersignature.
    async fn names_of_local_accounts(
        &self,
        mut named: Vec<(String, String)>,
    ) -> AppResult<Vec<FieldError>> {
        named.sort_by(|a, b| a.1.cmp(&b.1));
        let mut errors = Vec::new();
        let mut checked: Option<String> = None;
        for (path, id) in named {
            if checked.as_deref() == Some(id.as_str()) {
                continue;
            }
            if is_record_id(&id) && self.store().user(&id).await?.is_some() {
                errors.push(problem(
                    &path,
                    "names an account on this server (as supervisor, signer or verifier); a portfolio can only be imported on a server its records do not name",
                ));
            }
            checked = Some(id);
        }
        Ok(errors)
    }

    async fn index_restored(&self, kind: RecordKind, id: &str) -> AppResult<()> {
        match kind {
            RecordKind::Reflection => self.index_committed::<ReflectionDraft>(id).await.map(drop),
            RecordKind::Supervision => self.index_committed::<SupervisionDraft>(id).await.map(drop),
            RecordKind::Audit => self.index_committed::<AuditDraft>(id).await.map(drop),
            RecordKind::Training => self.index_committed::<TrainingDraft>(id).await.map(drop),
            RecordKind::Objective => self.index_committed::<ObjectiveDraft>(id).await.map(drop),
        }
    }

    /// The upload into a scratch file (413 past `max_import_bytes`), then
    /// read and checked against its manifest (422 saying what is wrong).
    async fn unpack(&self, mut body: impl AsyncRead + Unpin + Send) -> AppResult<Received> {
        let limit = self.config().max_import_bytes;
        let scratch = self.config().incoming_dir();
        let file = tokio::task::spawn_blocking(move || {
            crate::files::private_dir(&scratch)?;
            crate::files::scratch_file(&scratch)
        })
        .await
        .map_err(AppError::internal)??;
        let mut file = tokio::fs::File::from_std(file);
        let mut limited = tokio::io::AsyncReadExt::take(&mut body, limit + 1);
        let received = tokio::io::copy(&mut limited, &mut file)
            .await
            .map_err(|e| AppError::BadRequest(format!("the upload could not be read: {e}")))?;
        if received > limit {
            return Err(AppError::PayloadTooLarge(format!(
                "the export is larger than the import limit of {limit} bytes (max_import_bytes)"
            )));
        }
        let mut file = file.into_std().await;
        let limits = UnpackLimits {
            total_bytes: limit.saturating_mul(2),
            files: MAX_FILES,
        };
        let spool_dir = self.config().incoming_dir();
        let read = tokio::task::spawn_blocking(move || {
            file.seek(SeekFrom::Start(0))?;
            let mut spool =
                || crate::files::scratch_file(&spool_dir).map_err(std::io::Error::other);
            match portable::read_zip(file, limits, &mut spool) {
                Ok(unpacked) => Received::identify(unpacked).map(Ok),
                Err(unreadable) => Ok(Err(unreadable)),
            }
        })
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
        read.map_err(|unreadable| AppError::Validation(vec![FieldError::new("file", unreadable.0)]))
    }

    /// Puts every attached file in the blob store (once per digest).
    async fn store_imported_files(&self, files: Vec<(String, std::fs::File)>) -> AppResult<()> {
        for (sha, file) in files {
            let incoming = self
                .inner
                .blobs
                .receive(tokio::fs::File::from_std(file), u64::MAX)
                .await
                .map_err(|e| {
                    AppError::internal(anyhow::anyhow!("cannot store an imported file: {e:?}"))
                })?;
            if incoming.sha256 != sha {
                return Err(AppError::internal(anyhow::anyhow!(
                    "an imported file changed while stored"
                )));
            }
            let blobs = Arc::clone(&self.inner.blobs);
            tokio::task::spawn_blocking(move || blobs.adopt(incoming))
                .await
                .map_err(AppError::internal)??;
        }
        Ok(())
    }
}
