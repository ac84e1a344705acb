//! The person's whole record as one zip (`export::portable` describes the
//! layout): every record they own of every kind with every earlier
//! version, its sign-off, readers and files, and the access log of their
//! records. The zip is written to an unlinked file in the incoming
//! directory, so a large portfolio never sits in memory and nothing is
//! left behind if the download is abandoned.

use std::collections::HashMap;
use std::io::{Seek, SeekFrom};
use std::sync::Arc;

use serde::Serialize;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::date;

use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::history::PastVersion;
use crate::domain::record::{Attachment, RecordKind};
use crate::export::portable::{
    self, AttachmentFile, Entry, Manifest, RecordFile, Source, VersionFile,
};
use crate::storage::evidence::StoredEvidence;

/// A finished export: the zip, positioned at its start, and its manifest.
pub struct PortableExport {
    pub file: std::fs::File,
    pub manifest: Manifest,
}

impl PortableExport {
    /// The name to save it under: `cpdfolio-portfolio-YYYY-MM-DD.zip`.
    pub fn file_name(&self) -> String {
        let day = self.manifest.exported_at.get(..10).unwrap_or("export");
        format!("cpdfolio-portfolio-{day}.zip")
    }
}

#[derive(Serialize)]
struct PersonFile<'a> {
    id: &'a str,
    name: &'a str,
    email: &'a str,
    hcpc_number: Option<&'a str>,
    practice_summary: &'a str,
}

#[derive(Serialize)]
struct AccessFile {
    at: String,
    actor_id: String,
    actor_name: String,
    kind: String,
    record_id: String,
    action: String,
}

fn stamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn record_file(
    kind: RecordKind,
    stored: StoredEvidence,
    attachments: Vec<&Attachment>,
    history: Vec<PastVersion>,
) -> RecordFile {
    RecordFile {
        kind: kind.as_str().to_owned(),
        version: stored.version,
        created_at: stamp(stored.created_at),
        updated_at: stamp(stored.updated_at),
        content: stored.data,
        sign_off: stored.signoff,
        verification: stored.verification,
        shared_with: stored.shared_with,
        pii_dismissed: stored.pii_dismissed,
        attachments: attachments
            .into_iter()
            .map(|a| AttachmentFile {
                id: a.id.clone(),
                file_name: a.file_name.clone(),
                media_type: a.media_type.clone(),
                size: a.size,
                sha256: a.sha256.clone(),
                created_at: stamp(a.created_at),
            })
            .collect(),
        versions: history
            .into_iter()
            .map(|v| VersionFile {
                version: v.version,
                replaced_at: stamp(v.replaced_at),
                replaced_by: v.replaced_by,
                schema_version: v.snapshot.schema_version,
                fields: v.snapshot.fields,
            })
            .collect(),
        id: stored.id,
    }
}

impl App {
    /// Every record the caller owns, as a zip to download.
    pub async fn export_portfolio(&self, me: &CurrentUser) -> AppResult<PortableExport> {
        me.require_portfolio()?;
        let mut entries = vec![Entry::json(
            "person.json",
            &PersonFile {
                id: me.id(),
                name: &me.user.name,
                email: &me.user.email,
                hcpc_number: me.user.hcpc_number.as_deref(),
                practice_summary: &me.user.practice_summary,
            },
        )?];
        let mut digests = Vec::new();
        let files = self.store().attachments_owned_by(me.id()).await?;
        let mut files_of: HashMap<&str, Vec<&Attachment>> = HashMap::new();
        for file in &files {
            files_of.entry(&file.record_id).or_default().push(file);
        }
        for kind in RecordKind::ALL {
            let records = self
                .store()
                .evidence_between(kind, me.id(), date!(1000 - 01 - 01), date!(9999 - 12 - 31))
                .await?;
            for stored in records {
                // A record at its first version has no earlier ones.
                let history = if stored.version > 1 {
                    self.store().history(&stored.id).await?
                } else {
                    Vec::new()
                };
                let attached = files_of.remove(stored.id.as_str()).unwrap_or_default();
                digests.extend(attached.iter().map(|a| a.sha256.clone()));
                let path = format!("records/{}/{}.json", kind.as_str(), stored.id);
                entries.push(Entry::json(
                    path,
                    &record_file(kind, stored, attached, history),
                )?);
            }
        }
        entries.push(Entry::json(
            "access-log.json",
            &self.whole_access_log(me).await?,
        )?);
        digests.sort();
        digests.dedup();
        let exported_at = stamp(self.now());
        let blobs = Arc::clone(&self.inner.blobs);
        let scratch = self.config().incoming_dir();
        let export = tokio::task::spawn_blocking(move || -> anyhow::Result<PortableExport> {
            for sha in digests {
                let file = blobs
                    .open(&sha)?
                    .ok_or_else(|| anyhow::anyhow!("an attached file is missing from the store"))?;
                entries.push(Entry {
                    path: format!("attachments/{sha}"),
                    source: Source::File(file),
                });
            }
            crate::files::private_dir(&scratch)?;
            let mut file = crate::files::scratch_file(&scratch)?;
            let manifest = portable::write_zip(entries, &exported_at, &mut file)?;
            file.seek(SeekFrom::Start(0))?;
            Ok(PortableExport { file, manifest })
        })
        .await
        .map_err(AppError::internal)??;
        tracing::info!(user.id = %me.id(), files = export.manifest.files.len(), "portfolio exported");
        Ok(export)
    }

    async fn whole_access_log(&self, me: &CurrentUser) -> AppResult<Vec<AccessFile>> {
        let entries = self.store().whole_access_log(me.id()).await?;
        Ok(entries
            .into_iter()
            .map(|e| AccessFile {
                at: stamp(e.at),
                actor_id: e.actor_id,
                actor_name: e.actor_name,
                kind: e.kind,
                record_id: e.record_id,
                action: e.action,
            })
            .collect())
    }
}
