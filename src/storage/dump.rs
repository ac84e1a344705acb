//! Whole-database dumps for backup and restore, in SurrealDB's own export
//! format (SurrealQL). An export reads inside one transaction, so a dump is
//! a consistent snapshot even while the server is writing. The SDK offers
//! export and import only on the embedded engines; a SurrealDB server is
//! backed up with its own `surreal export`.

use std::path::Path;

use anyhow::{Context, bail};

use super::Store;
use crate::config::Config;

impl Store {
    /// Writes the whole database to `path` as SurrealQL.
    pub async fn dump_to(&self, path: &Path) -> anyhow::Result<()> {
        self.db
            .export(path.to_owned())
            .await
            .context("cannot export the database")
    }

    /// Loads a dump written by [`Store::dump_to`] into the database
    /// `config` names, which must hold nothing yet.
    pub async fn load_dump(config: &Config, path: &Path) -> anyhow::Result<()> {
        let store = Self::connect(config).await?;
        if store.has_tables().await? {
            bail!(
                "the database at {} already holds data; restore into an empty data directory (move the current one aside first)",
                config.data_dir.display()
            );
        }
        store
            .db
            .import(path)
            .await
            .context("cannot import the database dump")
    }

    async fn has_tables(&self) -> anyhow::Result<bool> {
        let mut response = self.db.query("INFO FOR DB").await?.check()?;
        let info: Option<surrealdb::types::Value> = response.take(0)?;
        let tables = info
            .map(|v| v.into_json_value())
            .and_then(|v| v.get("tables").cloned())
            .and_then(|t| t.as_object().map(|o| !o.is_empty()));
        Ok(tables.unwrap_or(false))
    }
}

/// True when `config`'s database can be dumped and loaded from here: the
/// embedded engines, not a server.
pub fn dumps_supported(config: &Config) -> bool {
    match &config.database_url {
        None => true,
        Some(url) => ["mem://", "surrealkv://", "rocksdb://"]
            .iter()
            .any(|scheme| url.starts_with(scheme)),
    }
}
