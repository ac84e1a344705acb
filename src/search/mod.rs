//! Full-text search over the evidence a caller may see, with tantivy.
//!
//! The database is the source of truth and the index is derived from it:
//! every change is applied to the writer at once and committed by a
//! background task within `search_commit_ms`; on start-up an index that is
//! missing, unreadable or out of step with the database is rebuilt.
//! Visibility is part of the query itself (a required clause on readers, and
//! on team owners for the kinds a lead reads), never a filter applied to
//! results afterwards.

mod query;
mod schema;
mod team_filter;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::domain::dates::unix_ms;
use crate::domain::record::{RecordKind, SearchText};

pub use query::QueryError;
use schema::Fields;
use team_filter::{TeamFilters, TeamRecordsQuery};

const WRITER_MEMORY_BYTES: usize = 50_000_000;

/// What the index holds of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexDoc {
    pub id: String,
    pub kind: RecordKind,
    pub owner_id: String,
    /// Users who may read it directly: owner, supervisor, shared-with.
    pub readers: Vec<String>,
    pub title: String,
    pub text: SearchText,
    pub date: time::Date,
    pub version: u32,
}

/// Whose records a search may return: anything `me` reads directly, and
/// the team-visible kinds of `team_owner_ids`.
#[derive(Debug, Clone, Default)]
pub struct SearchScope {
    pub me: String,
    pub team_owner_ids: Vec<String>,
}

/// One hit: which record, its title, a highlighted snippet and the score.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub kind: String,
    pub owner_id: String,
    pub title: String,
    pub date: String,
    pub snippet_html: String,
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    pub hits: Vec<Hit>,
    pub total: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The index, its single writer and a reader that is reloaded after commits.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    /// When the oldest change not yet committed was made, in milliseconds
    /// after `opened` (at least 1); 0 when everything is committed.
    dirty_since: AtomicU64,
    opened: Instant,
    /// Versions written since the last commit, which searches cannot see
    /// yet: `None` for a removal.
    pending: Mutex<HashMap<String, Option<u32>>>,
    /// Unix milliseconds up to which every database change is in the
    /// writer (set by whoever follows the change feed); 0 when unknown.
    checkpoint_ms: AtomicI64,
    /// The checkpoint in the last commit.
    committed_checkpoint_ms: AtomicI64,
    /// Each lead's team records, per segment.
    team_filters: Arc<TeamFilters>,
}

/// How far the checkpoint may move ahead of the committed one before a
/// commit is made for it alone.
const CHECKPOINT_LAG_MS: i64 = 60_000;

impl SearchIndex {
    /// Opens the index in `dir`, creating it (empty) when missing or when
    /// its schema is not this version's. The flag says whether it was new.
    pub fn open(dir: &Path) -> anyhow::Result<(Arc<Self>, bool)> {
        let (schema, fields) = schema::build();
        let (index, fresh) = match Index::open_in_dir(dir) {
            Ok(index) if index.schema() == schema => (index, false),
            _ => {
                if dir.exists() {
                    std::fs::remove_dir_all(dir)
                        .with_context(|| format!("cannot clear {}", dir.display()))?;
                }
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                (
                    Index::create_in_dir(dir, schema).context("cannot create the search index")?,
                    true,
                )
            }
        };
        let writer = index
            .writer_with_num_threads(1, WRITER_MEMORY_BYTES)
            .context(
                "cannot open the search index writer (is another cpdfolio process using it?)",
            )?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .context("cannot open a search index reader")?;
        let this = Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            dirty_since: AtomicU64::new(0),
            opened: Instant::now(),
            pending: Mutex::default(),
            checkpoint_ms: AtomicI64::new(0),
            committed_checkpoint_ms: AtomicI64::new(0),
            team_filters: Arc::default(),
        };
        let committed = this.checkpoint()?.map_or(0, unix_ms);
        this.committed_checkpoint_ms
            .store(committed, Ordering::Release);
        Ok((Arc::new(this), fresh))
    }

    fn writer(&self) -> anyhow::Result<std::sync::MutexGuard<'_, IndexWriter>> {
        self.writer
            .lock()
            .map_err(|_| anyhow::anyhow!("search writer lock poisoned"))
    }

    /// Adds or replaces a record (committed by the next commit).
    pub fn upsert(&self, doc: &IndexDoc) -> anyhow::Result<()> {
        let writer = self.writer()?;
        writer.delete_term(Term::from_field_text(self.fields.id, &doc.id));
        writer.add_document(self.fields.document(doc))?;
        self.note_pending(&doc.id, Some(doc.version));
        self.mark_dirty();
        Ok(())
    }

    pub fn remove(&self, id: &str) -> anyhow::Result<()> {
        let writer = self.writer()?;
        writer.delete_term(Term::from_field_text(self.fields.id, id));
        self.note_pending(id, None);
        self.mark_dirty();
        Ok(())
    }

    fn note_pending(&self, id: &str, version: Option<u32>) {
        self.pending().insert(id.to_owned(), version);
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<u32>>> {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The version of `id` the index holds, counting changes not yet
    /// committed; `None` when it holds none.
    pub fn version_of(&self, id: &str) -> anyhow::Result<Option<u32>> {
        let pending = self.pending().get(id).copied();
        if let Some(version) = pending {
            return Ok(version);
        }
        let searcher = self.reader.searcher();
        let term = Term::from_field_text(self.fields.id, id);
        for segment in searcher.segment_readers() {
            let postings = segment
                .inverted_index(self.fields.id)?
                .read_postings(&term, IndexRecordOption::Basic)?;
            let Some(mut postings) = postings else {
                continue;
            };
            let versions = segment.fast_fields().u64(schema::VERSION)?;
            let alive = segment.alive_bitset();
            let mut doc = postings.doc();
            while doc != tantivy::TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    return Ok(versions.first(doc).and_then(|v| u32::try_from(v).ok()));
                }
                doc = postings.advance();
            }
        }
        Ok(None)
    }

    /// Records that every database change committed before `at` is in
    /// the writer; the next commit keeps it (see [`checkpoint`](Self::checkpoint)).
    pub fn set_checkpoint(&self, at: time::OffsetDateTime) {
        self.checkpoint_ms.fetch_max(unix_ms(at), Ordering::AcqRel);
    }

    /// The instant before which every database change is in the committed
    /// index, as recorded by the last commit; `None` for an index that
    /// never recorded one.
    pub fn checkpoint(&self) -> anyhow::Result<Option<time::OffsetDateTime>> {
        let payload = self.index.load_metas()?.payload;
        Ok(payload.and_then(|p| p.parse::<i64>().ok()).and_then(|ms| {
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
        }))
    }

    /// Notes that a change awaits the next commit, keeping the time of the
    /// oldest.
    fn mark_dirty(&self) {
        let now = u64::try_from(self.opened.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let _ = self
            .dirty_since
            .compare_exchange(0, now, Ordering::AcqRel, Ordering::Acquire);
    }

    /// How long the oldest change not yet visible to searches has waited
    /// (zero when every change is committed).
    pub fn uncommitted_for(&self) -> Duration {
        match self.dirty_since.load(Ordering::Acquire) {
            0 => Duration::ZERO,
            since => self
                .opened
                .elapsed()
                .saturating_sub(Duration::from_millis(since)),
        }
    }

    /// Commits pending changes and makes them visible to searches.
    /// The writer lock is held until the reader has reloaded, so a caller
    /// that finds nothing to commit returns only after any commit in
    /// progress is visible.
    /// A commit is also made, without changes, when the checkpoint has
    /// moved on a minute past the committed one.
    pub fn commit(&self) -> anyhow::Result<bool> {
        self.commit_unless_checkpoint_within(CHECKPOINT_LAG_MS)
    }

    /// As [`commit`](Self::commit), also committing any move of the
    /// checkpoint (at a stop).
    pub fn commit_all(&self) -> anyhow::Result<bool> {
        self.commit_unless_checkpoint_within(0)
    }

    fn commit_unless_checkpoint_within(&self, lag_ms: i64) -> anyhow::Result<bool> {
        let mut writer = self.writer()?;
        let checkpoint = self.checkpoint_ms.load(Ordering::Acquire);
        let stale = checkpoint - self.committed_checkpoint_ms.load(Ordering::Acquire) > lag_ms;
        let since = self.dirty_since.swap(0, Ordering::AcqRel);
        if since == 0 && !stale {
            return Ok(false);
        }
        if let Err(err) = commit_with_checkpoint(&mut writer, checkpoint) {
            let _ =
                self.dirty_since
                    .compare_exchange(0, since, Ordering::AcqRel, Ordering::Acquire);
            return Err(err);
        }
        self.committed_checkpoint_ms
            .fetch_max(checkpoint, Ordering::AcqRel);
        self.reader.reload()?;
        self.pending().clear();
        self.team_filters.retain_segments(&self.segment_ids());
        Ok(true)
    }

    /// Runs [`commit`](Self::commit) every `interval` until the process
    /// ends (or the future is dropped).
    pub async fn commit_every(self: Arc<Self>, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let index = Arc::clone(&self);
            match tokio::task::spawn_blocking(move || index.commit()).await {
                Ok(Ok(_)) => {}
                Ok(Err(err)) => tracing::warn!(error = %err, "search commit failed; will retry"),
                Err(err) => tracing::warn!(error = %err, "search commit task failed"),
            }
        }
    }

    fn segment_ids(&self) -> HashSet<tantivy::index::SegmentId> {
        self.reader
            .searcher()
            .segment_readers()
            .iter()
            .map(tantivy::SegmentReader::segment_id)
            .collect()
    }

    /// The clause that limits results to what `scope` may see. It scores
    /// 0, so who may see a record never changes how it ranks.
    fn visibility(&self, scope: &SearchScope) -> Box<dyn Query> {
        let term = |field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        let mut allowed: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Should,
            Box::new(ConstScoreQuery::new(
                term(self.fields.reader, &scope.me),
                0.0,
            )),
        )];
        if !scope.team_owner_ids.is_empty() {
            let owners = scope
                .team_owner_ids
                .iter()
                .map(|id| (Occur::Should, term(self.fields.owner, id)))
                .collect();
            let team_kinds = RecordKind::ALL
                .into_iter()
                .filter(|kind| kind.visible_to_team_leads())
                .map(|kind| (Occur::Should, term(self.fields.kind, kind.as_str())))
                .collect();
            let records = BooleanQuery::new(vec![
                (
                    Occur::Must,
                    Box::new(BooleanQuery::new(owners)) as Box<dyn Query>,
                ),
                (Occur::Must, Box::new(BooleanQuery::new(team_kinds))),
            ]);
            allowed.push((
                Occur::Should,
                Box::new(TeamRecordsQuery {
                    owners: scope.team_owner_ids.clone().into(),
                    records,
                    filters: Arc::clone(&self.team_filters),
                }),
            ));
        }
        Box::new(BooleanQuery::new(allowed))
    }

    /// The matching records `scope` may see, best first.
    pub fn search(
        &self,
        scope: &SearchScope,
        text: &str,
        limit: usize,
        offset: usize,
    ) -> Result<SearchPage, SearchError> {
        let user_query = query::parse(&self.index, &self.fields, text)?;
        let combined = BooleanQuery::new(vec![
            (Occur::Must, self.visibility(scope)),
            (Occur::Must, user_query.box_clone()),
        ]);
        let searcher = self.reader.searcher();
        let (top, total) = searcher
            .search(
                &combined,
                &(
                    TopDocs::with_limit(limit)
                        .and_offset(offset)
                        .order_by_score(),
                    Count,
                ),
            )
            .map_err(anyhow::Error::from)?;
        let body_snippets = SnippetGenerator::create(&searcher, &*user_query, self.fields.body)
            .map_err(anyhow::Error::from)?;
        let notes_snippets = SnippetGenerator::create(&searcher, &*user_query, self.fields.notes)
            .map_err(anyhow::Error::from)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address).map_err(anyhow::Error::from)?;
            let mut snippet = body_snippets.snippet_from_doc(&doc);
            if snippet.highlighted().is_empty() {
                let notes = notes_snippets.snippet_from_doc(&doc);
                if !notes.highlighted().is_empty() {
                    snippet = notes;
                }
            }
            hits.push(Hit {
                id: self.fields.text(&doc, self.fields.id),
                kind: self.fields.text(&doc, self.fields.kind),
                owner_id: self.fields.text(&doc, self.fields.owner),
                title: self.fields.text(&doc, self.fields.title),
                date: self.fields.text(&doc, self.fields.date),
                snippet_html: snippet.to_html(),
                score,
            });
        }
        Ok(SearchPage { hits, total })
    }

    /// Which commit the index is at: it changes with every commit.
    pub fn opstamp(&self) -> anyhow::Result<u64> {
        Ok(self.index.load_metas()?.opstamp)
    }

    /// `(id, version)` of every committed document, sorted.
    pub fn versions(&self) -> anyhow::Result<Vec<(String, u32)>> {
        let searcher = self.reader.searcher();
        let addresses = searcher.search(&tantivy::query::AllQuery, &DocSetCollector)?;
        let mut out = Vec::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            let version = doc
                .get_first(self.fields.version)
                .and_then(|v| v.as_u64())
                .unwrap_or(0);
            out.push((
                self.fields.text(&doc, self.fields.id),
                u32::try_from(version).unwrap_or(0),
            ));
        }
        out.sort();
        Ok(out)
    }

    /// Drops everything (before a rebuild); committed with the rebuild.
    pub fn clear(&self) -> anyhow::Result<()> {
        let writer = self.writer()?;
        writer.delete_all_documents()?;
        self.pending().clear();
        self.mark_dirty();
        Ok(())
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// True when the index can be read (readiness).
    pub fn is_readable(&self) -> bool {
        self.index.searchable_segment_ids().is_ok()
    }
}

/// Commits, recording `checkpoint` (unix ms; 0 = none) in the commit.
fn commit_with_checkpoint(writer: &mut IndexWriter, checkpoint: i64) -> anyhow::Result<()> {
    let mut prepared = writer.prepare_commit()?;
    if checkpoint > 0 {
        prepared.set_payload(&checkpoint.to_string());
    }
    prepared.commit()?;
    Ok(())
}
