//! Restoring a backup into an empty data directory: every checksum is
//! checked before anything is written, the database is loaded from its
//! dump, attachment files are put back under their names, and the server
//! is then opened once, so migrations newer than the backup are applied
//! and the search index is built from the restored database.

use std::path::Path;

use anyhow::bail;

use super::manifest::{DATABASE_FILE, Manifest};
use crate::app::{App, DataDirLock};
use crate::config::Config;
use crate::files;
use crate::storage::blobs::BlobStore;
use crate::storage::{Migrations, Store};

/// What a restore put back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// When the restored snapshot was taken.
    pub created_at: String,
    pub records: u64,
    pub attachments: u64,
}

/// Restores the backup in `from` into the data directory `config` names.
pub async fn restore(
    config: Config,
    from: &Path,
    migrations: &Migrations,
) -> anyhow::Result<RestoreReport> {
    let in_memory = config
        .database_url
        .as_deref()
        .is_some_and(|url| url.starts_with("mem://"));
    if in_memory || !crate::storage::dump::dumps_supported(&config) {
        bail!(
            "restore needs the embedded on-disk database (a SurrealDB server is restored with `surreal import`)"
        );
    }
    let manifest = Manifest::read_verified(from)?;
    files::private_dir(&config.data_dir)?;
    let attachments = {
        let _lock = DataDirLock::acquire(&config.data_dir)?;
        Store::load_dump(&config, &from.join(DATABASE_FILE)).await?;
        forget_index(&config)?;
        put_back_attachments(&config, from, &manifest)?
    };
    if config.uses_embedded_disk_database() {
        crate::storage::wait_until_released(&config.database_dir()).await;
    }
    let app = App::open(config, migrations).await?;
    let search = std::sync::Arc::clone(app.search());
    let records = tokio::task::spawn_blocking(move || search.versions()).await??;
    Ok(RestoreReport {
        created_at: manifest.created_at,
        records: records.len() as u64,
        attachments,
    })
}

/// Removes any search index in the data directory: a loaded dump does not
/// pass through the change feed, so an index from before it could not
/// catch up; start-up builds a new one from the restored database.
fn forget_index(config: &Config) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(config.index_dir()) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(anyhow::Error::new(e).context("cannot remove the old search index"))
        }
        _ => Ok(()),
    }
}

fn put_back_attachments(config: &Config, from: &Path, manifest: &Manifest) -> anyhow::Result<u64> {
    let blobs = BlobStore::new(config.attachments_dir(), config.incoming_dir());
    let mut count = 0;
    for entry in manifest.attachments() {
        let name = entry.path.rsplit('/').next().unwrap_or_default();
        let Some(to) = blobs.path_of(name).filter(|_| name == entry.sha256) else {
            bail!(
                "the backup lists {:?}, which is not an attachment's checksum",
                entry.path
            );
        };
        files::copy_durably(&from.join(&entry.path), &to)?;
        count += 1;
    }
    Ok(count)
}
