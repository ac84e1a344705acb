//! Following the database's change feed into the search index. A process
//! indexes its own changes as it makes them; the feed brings in the rest —
//! changes another process made through a shared database server — and
//! lets a process that crashed catch up from the checkpoint its index
//! recorded, in time proportional to what changed since, instead of
//! comparing every record with the database. A change to a team
//! membership drops the lead scopes this process keeps.
//!
//! The feed is read by time, each read starting a little before the
//! previous one began. A change's versionstamp is taken just before it
//! commits, so a change can become visible after a later-stamped one was
//! read; the overlap catches it (and covers clock skew between this
//! machine and a database server). Whatever the index already holds at
//! that version is skipped, so reading a change twice costs a lookup.

use std::time::Duration;

use time::OffsetDateTime;

use super::App;
use crate::app::{AppError, AppResult};
use crate::domain::audit::AuditDraft;
use crate::domain::dates::unix_ms;
use crate::domain::objective::ObjectiveDraft;
use crate::domain::record::{EvidenceData, RecordKind};
use crate::domain::reflection::ReflectionDraft;
use crate::domain::supervision::SupervisionDraft;
use crate::domain::training::TrainingDraft;
use crate::storage::changes::{ChangesSince, RecordChange};

/// How far before the previous read each read of the feed starts.
pub(super) const OVERLAP: time::Duration = time::Duration::seconds(2);

impl App {
    /// Brings the index up to every change committed since the last read
    /// (or since `follow_from` was set at start-up), and moves the index's
    /// checkpoint on. Returns how many index documents it changed.
    pub async fn follow_changes(&self) -> AppResult<u64> {
        let mut from = self.inner.follow_from.lock().await;
        let started = OffsetDateTime::now_utc();
        let changed = self.apply_changes_since(*from).await?;
        *from = started - OVERLAP;
        self.search().set_checkpoint(*from);
        self.inner
            .followed_at
            .store(unix_ms(started), std::sync::atomic::Ordering::Release);
        Ok(changed)
    }

    /// How long since a read of the feed last reached its end (since
    /// start-up, before the first).
    pub(super) fn change_feed_age(&self) -> Duration {
        let at = self
            .inner
            .followed_at
            .load(std::sync::atomic::Ordering::Acquire);
        let age = unix_ms(OffsetDateTime::now_utc()).saturating_sub(at);
        Duration::from_millis(u64::try_from(age).unwrap_or(0))
    }

    /// Sets where the next read of the feed starts (the start-up has
    /// brought the index up to `at`).
    pub(super) async fn follow_from(&self, at: OffsetDateTime) {
        *self.inner.follow_from.lock().await = at;
        self.search().set_checkpoint(at);
        self.inner.followed_at.store(
            unix_ms(OffsetDateTime::now_utc()),
            std::sync::atomic::Ordering::Release,
        );
    }

    /// Reads the feed every `index_follow_ms` until the process ends.
    pub(super) async fn follow_every(self, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(err) = self.follow_changes().await {
                tracing::warn!(
                    kind = %err.log_kind(),
                    "reading the change feed failed; will retry"
                );
            }
        }
    }

    /// Applies the feed from `from` to its end, a page at a time; each page
    /// after the first starts at the last versionstamp of the one before
    /// (inclusive, so a commit split across pages is read whole).
    pub(super) async fn apply_changes_since(&self, from: OffsetDateTime) -> AppResult<u64> {
        let mut since = ChangesSince::Time(from);
        let mut changed = 0;
        loop {
            let page = self.store().record_changes(since).await?;
            if page.memberships_changed {
                self.memberships_changed();
            }
            for change in &page.changes {
                changed += u64::from(self.apply_change(change).await?);
            }
            match page.last_stamp.map(ChangesSince::Stamp) {
                Some(next) if next != since => since = next,
                _ => return Ok(changed),
            }
        }
    }

    /// Re-derives one record's index document unless the index already
    /// holds the record at the changed version (or, for a deletion, holds
    /// nothing). True when the index changed.
    async fn apply_change(&self, change: &RecordChange) -> AppResult<bool> {
        let held = self.search().version_of(&change.id)?;
        match (change.version, held) {
            (None, None) => Ok(false),
            (None, Some(_)) => {
                self.unindex_deleted(&change.id).await;
                Ok(true)
            }
            (Some(version), Some(held)) if held >= version => Ok(false),
            (Some(_), _) => {
                self.refresh_index(change.kind, &change.id).await?;
                Ok(true)
            }
        }
    }

    async fn refresh_index(&self, kind: RecordKind, id: &str) -> AppResult<()> {
        match kind {
            RecordKind::Reflection => self.refresh_as::<ReflectionDraft>(id).await,
            RecordKind::Supervision => self.refresh_as::<SupervisionDraft>(id).await,
            RecordKind::Audit => self.refresh_as::<AuditDraft>(id).await,
            RecordKind::Training => self.refresh_as::<TrainingDraft>(id).await,
            RecordKind::Objective => self.refresh_as::<ObjectiveDraft>(id).await,
        }
    }

    async fn refresh_as<D: EvidenceData>(&self, id: &str) -> AppResult<()> {
        match self.index_committed::<D>(id).await {
            Ok(_) => Ok(()),
            Err(AppError::NotFound(_)) => Ok(()),
            Err(err) => Err(err),
        }
    }
}
