//! Keeping the derived search index in step with the database. After a
//! change commits, the record's index document is derived again from what
//! the database then holds, one record at a time: whichever derivation runs
//! last has read the latest commit, so concurrent changes reach the index
//! in commit order and a change that failed reaches it not at all.

use std::sync::Arc;

use super::App;
use super::access::not_found;
use super::evidence::{decode, index_doc};
use crate::app::AppResult;
use crate::domain::audit::AuditDraft;
use crate::domain::objective::ObjectiveDraft;
use crate::domain::record::{Evidence, EvidenceData, RecordKind};
use crate::domain::reflection::ReflectionDraft;
use crate::domain::supervision::SupervisionDraft;
use crate::domain::training::TrainingDraft;
use crate::search::IndexDoc;

const PAGE: u32 = 500;

/// How the index compared with the database at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexState {
    InStep,
    Rebuilt,
}

impl App {
    /// The committed record, with the index brought up to it; 404 (and
    /// out of the index) if it has been deleted since.
    pub(super) async fn index_committed<D: EvidenceData>(
        &self,
        id: &str,
    ) -> AppResult<Evidence<D>> {
        let _in_order = self.inner.index_order.lock().await;
        let Some(stored) = self.store().evidence(D::KIND, id).await? else {
            self.unindex(id);
            return Err(not_found(D::KIND));
        };
        let record = decode::<D>(stored)?;
        self.index(&index_doc(&record));
        Ok(record)
    }

    /// Takes a deleted record out of the index, after any derivation of it
    /// already under way.
    pub(super) async fn unindex_deleted(&self, id: &str) {
        let _in_order = self.inner.index_order.lock().await;
        self.unindex(id);
    }

    /// The database already holds the change; an index failure is logged
    /// and repaired by the start-up consistency check.
    fn index(&self, doc: &IndexDoc) {
        if let Err(err) = self.search().upsert(doc) {
            tracing::warn!(
                kind = %crate::app::error_kind(&err),
                "search index update failed; the next start-up will rebuild"
            );
        }
    }

    fn unindex(&self, id: &str) {
        if let Err(err) = self.search().remove(id) {
            tracing::warn!(
                kind = %crate::app::error_kind(&err),
                "search index delete failed; the next start-up will rebuild"
            );
        }
    }

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
        let mut in_db = Vec::new();
        for kind in RecordKind::ALL {
            in_db.extend(self.store().record_versions(kind).await?);
        }
        in_db.sort();
        let search = Arc::clone(self.search());
        let in_index = tokio::task::spawn_blocking(move || search.versions()).await??;
        Ok(in_db == in_index)
    }

    /// Drops the index and re-adds every record, reporting `(done, total)`.
    pub async fn rebuild_index(&self, progress: impl Fn(u64, u64)) -> anyhow::Result<u64> {
        let mut total = 0u64;
        for kind in RecordKind::ALL {
            total += self.store().record_versions(kind).await?.len() as u64;
        }
        self.search().clear()?;
        let mut done = self
            .reindex_kind::<ReflectionDraft>(0, total, &progress)
            .await?;
        done = self
            .reindex_kind::<SupervisionDraft>(done, total, &progress)
            .await?;
        done = self
            .reindex_kind::<AuditDraft>(done, total, &progress)
            .await?;
        done = self
            .reindex_kind::<TrainingDraft>(done, total, &progress)
            .await?;
        done = self
            .reindex_kind::<ObjectiveDraft>(done, total, &progress)
            .await?;
        self.flush_search().await?;
        Ok(done)
    }

    async fn reindex_kind<D: EvidenceData>(
        &self,
        mut done: u64,
        total: u64,
        progress: &impl Fn(u64, u64),
    ) -> anyhow::Result<u64> {
        let mut after: Option<String> = None;
        loop {
            let page = self
                .store()
                .evidence_page(D::KIND, after.as_deref(), PAGE)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.clone());
            for stored in page {
                let record = decode::<D>(stored)?;
                self.search().upsert(&index_doc(&record))?;
                done += 1;
            }
            progress(done, total);
        }
        Ok(done)
    }
}
