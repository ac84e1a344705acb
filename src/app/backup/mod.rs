//! Backups that can be restored without the server that wrote them: the
//! database as a SurrealQL dump (one consistent snapshot), every
//! attachment file, the configuration without its secrets, local content
//! overrides, and a manifest of checksums. A hot backup runs beside
//! normal traffic; only attachment removal and the final step of storing
//! a new file wait for it, so every file the snapshot refers to is copied.

mod manifest;
mod restore;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use time::format_description::well_known::Rfc3339;

use super::{App, AppError, AppResult, CurrentUser};
use crate::files;
use manifest::{ATTACHMENTS_DIR, CONFIG_FILE, CONTENT_DIR, DATABASE_FILE, MANIFEST_FILE};
pub use manifest::{FileEntry, Manifest, hash_file};
pub use restore::{RestoreReport, restore};

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub dir: PathBuf,
    pub created_at: String,
    pub database_bytes: u64,
    pub attachments: u64,
    pub attachment_bytes: u64,
    /// SHA-256 of `manifest.json`, which holds every other file's.
    pub manifest_sha256: String,
}

impl App {
    /// A hot backup by an admin, into its own folder under
    /// [`Config::backups_dir`](crate::config::Config::backups_dir); one
    /// runs at a time.
    pub async fn hot_backup(&self, me: &CurrentUser) -> AppResult<BackupReport> {
        me.require_admin()?;
        let Ok(_one_at_a_time) = self.inner.backup_running.try_lock() else {
            return Err(AppError::Conflict("a backup is already running".to_owned()));
        };
        let stamp = self
            .now()
            .to_offset(time::UtcOffset::UTC)
            .format(time::macros::format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .map_err(AppError::internal)?;
        let dir = self
            .config()
            .backups_dir()
            .join(format!("cpdfolio-{stamp}"));
        if dir.exists() {
            return Err(AppError::Conflict(
                "a backup was made less than a second ago".to_owned(),
            ));
        }
        files::private_dir(&self.config().backups_dir()).map_err(AppError::internal)?;
        self.backup_to(&dir).await
    }

    /// Writes a backup into `dir`, which must not exist yet or be empty.
    pub async fn backup_to(&self, dir: &Path) -> AppResult<BackupReport> {
        if !crate::storage::dump::dumps_supported(self.config()) {
            return Err(AppError::Conflict(format!(
                "the database is a SurrealDB server: back it up with `surreal export` there, and copy {} beside it",
                self.config().attachments_dir().display()
            )));
        }
        self.write_backup(dir).await.map_err(AppError::internal)
    }

    async fn write_backup(&self, dir: &Path) -> anyhow::Result<BackupReport> {
        prepare_empty_dir(dir)?;
        let created_at = self
            .now()
            .format(&Rfc3339)
            .context("cannot format the time")?;
        let mut manifest = Manifest::new(created_at);
        {
            let _no_removals = self.inner.blob_lock.lock().await;
            self.store().dump_to(&dir.join(DATABASE_FILE)).await?;
            manifest.files.push(FileEntry::of(dir, DATABASE_FILE)?);
            let (blobs, dir_owned) = (std::sync::Arc::clone(&self.inner.blobs), dir.to_owned());
            let copied = tokio::task::spawn_blocking(move || copy_blobs(&blobs, &dir_owned))
                .await
                .context("the attachment copy stopped")??;
            manifest.files.extend(copied);
        }
        manifest.files.extend(self.copy_settings(dir)?);
        let text = serde_json::to_vec_pretty(&manifest).context("cannot write the manifest")?;
        files::write_durably(&dir.join(MANIFEST_FILE), &text)?;
        Ok(report(dir, &manifest, &text))
    }

    /// The configuration (secrets left out) and any local content files.
    fn copy_settings(&self, dir: &Path) -> anyhow::Result<Vec<FileEntry>> {
        let text = toml::to_string(self.config()).context("cannot write the configuration")?;
        files::write_durably(&dir.join(CONFIG_FILE), text.as_bytes())?;
        let mut entries = vec![FileEntry::of(dir, CONFIG_FILE)?];
        if let Some(content) = &self.config().content_dir {
            for relative in files_under(content)? {
                let path = format!("{CONTENT_DIR}/{relative}");
                files::copy_durably(&content.join(&relative), &dir.join(&path))?;
                entries.push(FileEntry::of(dir, &path)?);
            }
        }
        Ok(entries)
    }
}

/// Copies every stored attachment file, checking each against its name.
fn copy_blobs(
    blobs: &crate::storage::blobs::BlobStore,
    dir: &Path,
) -> anyhow::Result<Vec<FileEntry>> {
    let mut entries = Vec::new();
    for sha in blobs.digests()? {
        let Some(from) = blobs.path_of(&sha) else {
            continue;
        };
        let path = format!("{ATTACHMENTS_DIR}/{}/{sha}", &sha[..2]);
        files::copy_durably(&from, &dir.join(&path))?;
        // Hashed as written, so the checksum vouches for the backup's copy.
        let entry = FileEntry::of(dir, &path)?;
        if entry.sha256 != sha {
            bail!(
                "the stored attachment {sha} does not match its checksum: the attachments directory is damaged"
            );
        }
        entries.push(entry);
    }
    Ok(entries)
}

fn prepare_empty_dir(dir: &Path) -> anyhow::Result<()> {
    if let Ok(mut entries) = std::fs::read_dir(dir)
        && entries.next().is_some()
    {
        bail!(
            "{} is not empty: back up into a new directory",
            dir.display()
        );
    }
    files::private_dir(dir)
}

/// Files below `root`, as `/`-separated relative paths, sorted.
fn files_under(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let here = root.join(&relative);
        for entry in
            std::fs::read_dir(&here).with_context(|| format!("cannot read {}", here.display()))?
        {
            let entry = entry?;
            let name = relative.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                pending.push(name);
            } else if let Some(text) = name.to_str() {
                found.push(text.to_owned());
            }
        }
    }
    found.sort();
    Ok(found)
}

fn report(dir: &Path, manifest: &Manifest, manifest_text: &[u8]) -> BackupReport {
    use sha2::Digest;
    let attachments: Vec<_> = manifest.attachments().collect();
    BackupReport {
        dir: dir.to_owned(),
        created_at: manifest.created_at.clone(),
        database_bytes: manifest
            .files
            .iter()
            .find(|f| f.path == DATABASE_FILE)
            .map_or(0, |f| f.bytes),
        attachments: attachments.len() as u64,
        attachment_bytes: attachments.iter().map(|f| f.bytes).sum(),
        manifest_sha256: hex::encode(sha2::Sha256::digest(manifest_text)),
    }
}
