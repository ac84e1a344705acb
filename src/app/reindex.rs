//! Keeping the derived search index in step with the database. After a
//! change commits, the record's index document is derived again from what
//! the database then holds, one record at a time: whichever derivation runs
//! last has read the latest commit, so concurrent changes reach the index
//! in commit order and a change that failed reaches it not at all.

use std::sync::Arc;
use std::sync::atomic::Ordering;

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
use crate::storage::evidence::StoredEvidence;

const PAGE: u32 = 500;

/// How the index compared with the database at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexState {
    /// The last stop was clean and vouched for the index: not compared.
    Trusted,
    /// Brought up to the database from the change feed, starting at the
    /// checkpoint the index recorded: `changed` documents re-derived.
    CaughtUp {
        changed: u64,
    },
    /// Compared record by record and found in step.
    InStep,
    Rebuilt,
}

/// How recent an index's checkpoint must be to catch up from the change
/// feed rather than compare: the feed's retention, less a margin.
const CATCH_UP_WITHIN: time::Duration =
    crate::storage::changes::RETENTION.saturating_sub(time::Duration::hours(1));

/// The file a clean stop leaves beside the index: the index's commit at
/// that stop. Start-up removes it before opening the database, so any
/// later opening (a command, a crash) leaves none behind, and only a
/// server that stopped cleanly, with every change indexed, is trusted.
const CLEAN_STOP_FILE: &str = "index-clean-stop";

/// How long a stop waits for requests that change data (a slow upload)
/// before it gives up vouching for the index and stops anyway.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// The index commit recorded by the last clean stop, if there was one and
/// the database is this process's alone (embedded on disk); the record is
/// removed either way.
pub(super) fn take_clean_stop(config: &crate::config::Config) -> anyhow::Result<Option<u64>> {
    let path = config.data_dir.join(CLEAN_STOP_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(anyhow::Error::new(e).context("cannot read the clean-stop record")),
    };
    std::fs::remove_file(&path)?;
    std::fs::File::open(&config.data_dir)?.sync_all()?;
    Ok(text
        .trim()
        .parse()
        .ok()
        .filter(|_| config.uses_embedded_disk_database()))
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

    /// Indexes a record this process has just created, from the row its
    /// create's transaction returned: its id is new, so nothing else can
    /// have changed it since, and there is nothing to read again.
    pub(super) async fn index_created<D: EvidenceData>(
        &self,
        stored: StoredEvidence,
    ) -> AppResult<Evidence<D>> {
        let record = decode::<D>(stored)?;
        let _in_order = self.inner.index_order.lock().await;
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
            self.inner.index_failed.store(true, Ordering::Release);
            tracing::warn!(
                kind = %crate::app::error_kind(&err),
                "search index update failed; the next start-up will rebuild"
            );
        }
    }

    fn unindex(&self, id: &str) {
        if let Err(err) = self.search().remove(id) {
            self.inner.index_failed.store(true, Ordering::Release);
            tracing::warn!(
                kind = %crate::app::error_kind(&err),
                "search index delete failed; the next start-up will rebuild"
            );
        }
    }

    /// Trusts an index that a clean stop vouched for (`clean_stop`: its
    /// commit then, which must still be its commit) when the index is not
    /// new (`fresh`) and no migration ran (`migrated`); otherwise catches up
    /// from the change feed under the same conditions when the index
    /// recorded a recent checkpoint; otherwise rebuilds when the index
    /// is new or its `(id, version)` pairs differ from the database's.
    /// Afterwards the feed is followed from the start of this call.
    pub(super) async fn bring_index_in_step(
        &self,
        fresh: bool,
        clean_stop: Option<u64>,
        migrated: bool,
    ) -> anyhow::Result<IndexState> {
        let started = time::OffsetDateTime::now_utc() - super::index_follow::OVERLAP;
        let state = self.index_state(fresh, clean_stop, migrated).await?;
        self.follow_from(started).await;
        Ok(state)
    }

    async fn index_state(
        &self,
        fresh: bool,
        clean_stop: Option<u64>,
        migrated: bool,
    ) -> anyhow::Result<IndexState> {
        let as_left = !fresh && !migrated;
        if as_left && clean_stop.is_some() && clean_stop == self.search().opstamp().ok() {
            return Ok(IndexState::Trusted);
        }
        let recent = time::OffsetDateTime::now_utc() - CATCH_UP_WITHIN;
        match self.search().checkpoint()? {
            Some(checkpoint) if as_left && checkpoint > recent => {
                let changed = self.apply_changes_since(checkpoint).await?;
                self.flush_search().await?;
                return Ok(IndexState::CaughtUp { changed });
            }
            _ => {}
        }
        if !fresh && self.index_matches_database().await? {
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

    /// Stops cleanly: waits (up to 20 s) for requests that change data,
    /// commits the index and, when every change reached it,
    /// records the commit so the next start-up need not compare the index
    /// with the database. Without this (a crash, a command), the next
    /// start-up compares.
    pub async fn close(&self) -> anyhow::Result<()> {
        let writes = Arc::clone(&self.inner.writes);
        let no_writes = tokio::time::timeout(CLOSE_WAIT, writes.write_owned()).await;
        let search = Arc::clone(self.search());
        tokio::task::spawn_blocking(move || search.commit_all()).await??;
        let Ok(_no_writes) = no_writes else {
            tracing::warn!(
                "requests still running at the stop; the next start-up will compare the index"
            );
            return Ok(());
        };
        if self.inner.index_failed.load(Ordering::Acquire)
            || !self.config().uses_embedded_disk_database()
        {
            return Ok(());
        }
        let opstamp = self.search().opstamp()?;
        let path = self.config().data_dir.join(CLEAN_STOP_FILE);
        crate::files::write_durably(&path, opstamp.to_string().as_bytes())
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
