//! Keeping the derived search index in step with the database.

use std::sync::Arc;

use super::App;

const PAGE: u32 = 500;

/// How the index compared with the database at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexState {
    InStep,
    Rebuilt,
}

impl App {
    /// Rebuilds when the index is new, or when its `(id, version)` pairs
    /// differ from the database's (a crash between the two commits).
    pub(super) async fn bring_index_in_step(
        &self,
        fresh: bool,
        force: bool,
    ) -> anyhow::Result<IndexState> {
        if !force && !fresh && self.index_matches_database().await? {
            return Ok(IndexState::InStep);
        }
        tracing::info!("rebuilding the search index from the database");
        self.rebuild_index(|_, _| {}).await?;
        Ok(IndexState::Rebuilt)
    }

    async fn index_matches_database(&self) -> anyhow::Result<bool> {
        let mut in_db = self.store().reflection_versions().await?;
        in_db.sort();
        let search = Arc::clone(self.search());
        let in_index = tokio::task::spawn_blocking(move || search.versions()).await??;
        Ok(in_db == in_index)
    }

    /// Drops the index and re-adds every entry, reporting `(done, total)`.
    pub async fn rebuild_index(&self, progress: impl Fn(u64, u64)) -> anyhow::Result<u64> {
        let total = self.store().count_reflections().await?;
        self.search().clear()?;
        let mut done = 0u64;
        let mut after: Option<String> = None;
        loop {
            let page = self
                .store()
                .reflections_page(after.as_deref(), PAGE)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.clone());
            for reflection in &page {
                self.search().upsert(reflection)?;
            }
            done += page.len() as u64;
            progress(done, total);
        }
        self.flush_search().await?;
        Ok(done)
    }
}
