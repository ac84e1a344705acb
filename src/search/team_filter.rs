//! Which documents of each segment a lead reads as a lead, kept between
//! searches.
//!
//! A lead's visibility clause names every member of their teams: hundreds
//! of owner terms, each looked up in every segment's term dictionary and
//! merged on every search. That set depends only on the owners and on the
//! segment, and segments never change once written (deletions are applied
//! by the collector, merges make new segments), so it is computed once per
//! segment as a bit set and reused until the lead's teams change — which
//! changes the owner list, and so the key.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tantivy::query::{
    BitSetDocSet, BooleanQuery, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TantivyError, index::SegmentId};

/// How much memory the kept sets may take in all: at 1,000,000 documents
/// a set is 125 KB, so this keeps about 250 leads' scopes.
const BUDGET_BYTES: usize = 32 * 1024 * 1024;

type Owners = Arc<[String]>;

/// The kept sets, by owner list and segment, least recently used dropped
/// first when over budget.
#[derive(Default)]
pub struct TeamFilters {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    scopes: HashMap<Owners, Scope>,
    uses: u64,
    bytes: usize,
}

#[derive(Default)]
struct Scope {
    segments: HashMap<SegmentId, Arc<BitSet>>,
    last_used: u64,
}

fn bitset_bytes(set: &BitSet) -> usize {
    usize::try_from(set.max_value().div_ceil(8)).unwrap_or(usize::MAX)
}

impl TeamFilters {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, owners: &Owners, segment: SegmentId) -> Option<Arc<BitSet>> {
        let mut state = self.state();
        state.uses += 1;
        let uses = state.uses;
        let scope = state.scopes.get_mut(owners)?;
        scope.last_used = uses;
        scope.segments.get(&segment).cloned()
    }

    fn insert(&self, owners: &Owners, segment: SegmentId, set: Arc<BitSet>) {
        let mut state = self.state();
        state.uses += 1;
        let uses = state.uses;
        let added = bitset_bytes(&set);
        let scope = state.scopes.entry(Arc::clone(owners)).or_default();
        scope.last_used = uses;
        let replaced = scope.segments.insert(segment, set);
        state.bytes = state.bytes + added - replaced.as_deref().map_or(0, bitset_bytes);
        state.evict_over(BUDGET_BYTES, owners);
    }

    /// Forgets the sets of segments no longer in the index (merged away).
    pub fn retain_segments(&self, live: &HashSet<SegmentId>) {
        let mut state = self.state();
        let mut freed = 0;
        for scope in state.scopes.values_mut() {
            scope.segments.retain(|id, set| {
                let keep = live.contains(id);
                if !keep {
                    freed += bitset_bytes(set);
                }
                keep
            });
        }
        state.scopes.retain(|_, scope| !scope.segments.is_empty());
        state.bytes -= freed;
    }

    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.state().bytes
    }
}

impl State {
    /// Drops the least recently used scopes other than `keep` until the
    /// kept sets fit in `budget`.
    fn evict_over(&mut self, budget: usize, keep: &Owners) {
        while self.bytes > budget {
            let oldest = self
                .scopes
                .iter()
                .filter(|(owners, _)| *owners != keep)
                .min_by_key(|(_, scope)| scope.last_used)
                .map(|(owners, _)| Arc::clone(owners));
            let Some(oldest) = oldest else {
                return;
            };
            if let Some(scope) = self.scopes.remove(&oldest) {
                self.bytes -= scope
                    .segments
                    .values()
                    .map(|s| bitset_bytes(s))
                    .sum::<usize>();
            }
        }
    }
}

/// Matches what `records` matches, through the kept sets, scoring 0: it
/// says who may see a record, not how well it answers the search.
#[derive(Clone)]
pub struct TeamRecordsQuery {
    pub owners: Owners,
    pub records: BooleanQuery,
    pub filters: Arc<TeamFilters>,
}

impl std::fmt::Debug for TeamRecordsQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamRecordsQuery")
            .field("owners", &self.owners.len())
            .finish_non_exhaustive()
    }
}

impl Query for TeamRecordsQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl TeamRecordsQuery {
    fn set_for(&self, reader: &SegmentReader) -> tantivy::Result<Arc<BitSet>> {
        let segment = reader.segment_id();
        if let Some(set) = self.filters.get(&self.owners, segment) {
            return Ok(set);
        }
        let weight = self
            .records
            .weight(EnableScoring::disabled_from_schema(reader.schema()))?;
        let mut docs = weight.scorer(reader, 1.0)?;
        let mut set = BitSet::with_max_value(reader.max_doc());
        let mut doc = docs.doc();
        while doc != tantivy::TERMINATED {
            set.insert(doc);
            doc = docs.advance();
        }
        let set = Arc::new(set);
        self.filters.insert(&self.owners, segment, Arc::clone(&set));
        Ok(set)
    }
}

impl Weight for TeamRecordsQuery {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let set = self.set_for(reader)?;
        Ok(Box::new(ConstScorer::new(
            BitSetDocSet::from(BitSet::clone(&set)),
            0.0,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if self.set_for(reader)?.contains(doc) {
            Ok(Explanation::new("team record", 0.0))
        } else {
            Err(TantivyError::InvalidArgument(format!(
                "document {doc} is not a team record"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::DocSetCollector;
    use tantivy::query::{Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, STORED, STRING, Schema};
    use tantivy::{Index, Term, doc};

    use super::*;

    struct Corpus {
        index: Index,
        owner: tantivy::schema::Field,
        id: tantivy::schema::Field,
    }

    fn corpus() -> Corpus {
        let mut b = Schema::builder();
        let owner = b.add_text_field("owner", STRING);
        let id = b.add_text_field("id", STRING | STORED);
        Corpus {
            index: Index::create_in_ram(b.build()),
            owner,
            id,
        }
    }

    impl Corpus {
        fn writer(&self) -> tantivy::IndexWriter {
            let writer = self.index.writer_with_num_threads(1, 15_000_000).unwrap();
            writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
            writer
        }

        /// Adds one document per `(id, owner)` and commits: a new segment.
        fn add(&self, docs: &[(&str, &str)]) {
            let mut writer = self.writer();
            for (id, owner) in docs {
                writer
                    .add_document(doc!(self.id => *id, self.owner => *owner))
                    .unwrap();
            }
            writer.commit().unwrap();
        }

        fn delete(&self, id: &str) {
            let mut writer = self.writer();
            writer.delete_term(Term::from_field_text(self.id, id));
            writer.commit().unwrap();
        }

        fn query(&self, owners: &[&str], filters: &Arc<TeamFilters>) -> TeamRecordsQuery {
            let clauses = owners
                .iter()
                .map(|o| {
                    let term = TermQuery::new(
                        Term::from_field_text(self.owner, o),
                        IndexRecordOption::Basic,
                    );
                    (Occur::Should, Box::new(term) as Box<dyn Query>)
                })
                .collect();
            TeamRecordsQuery {
                owners: owners.iter().map(|o| (*o).to_owned()).collect(),
                records: BooleanQuery::new(clauses),
                filters: Arc::clone(filters),
            }
        }

        fn ids(&self, query: &dyn Query) -> Vec<String> {
            let searcher = self.index.reader().unwrap().searcher();
            let mut ids: Vec<String> = searcher
                .search(query, &DocSetCollector)
                .unwrap()
                .into_iter()
                .map(|address| {
                    let doc: tantivy::TantivyDocument = searcher.doc(address).unwrap();
                    use tantivy::schema::Value;
                    doc.get_first(self.id).unwrap().as_str().unwrap().to_owned()
                })
                .collect();
            ids.sort();
            ids
        }
    }

    #[test]
    fn matches_the_owners_records_across_segments_and_deletions() {
        let c = corpus();
        let filters = Arc::new(TeamFilters::default());
        c.add(&[("r1", "ann"), ("r2", "bob"), ("r3", "cat")]);
        let team = c.query(&["ann", "cat"], &filters);
        assert_eq!(c.ids(&team), ["r1", "r3"]);
        c.add(&[("r4", "cat"), ("r5", "dan")]);
        assert_eq!(c.ids(&team), ["r1", "r3", "r4"]);
        c.delete("r3");
        assert_eq!(c.ids(&team), ["r1", "r4"]);
        assert_eq!(c.ids(&c.query(&["bob", "dan"], &filters)), ["r2", "r5"]);
    }

    #[test]
    fn a_kept_set_is_reused_for_its_segment() {
        let c = corpus();
        let filters = Arc::new(TeamFilters::default());
        c.add(&[("r1", "ann"), ("r2", "bob")]);
        let team = c.query(&["ann"], &filters);
        assert_eq!(c.ids(&team), ["r1"]);
        assert_eq!(filters.state().scopes.len(), 1);
        let segment = c.index.searchable_segment_ids().unwrap()[0];
        let kept = filters.get(&team.owners, segment).unwrap();
        let bytes = filters.bytes();
        assert_eq!(bytes, 1, "two documents take one byte");
        assert_eq!(c.ids(&team), ["r1"]);
        let reused = filters.get(&team.owners, segment).unwrap();
        assert!(Arc::ptr_eq(&kept, &reused), "the set was computed again");
        assert_eq!(filters.bytes(), bytes, "nothing new was kept");
    }

    #[test]
    fn sets_of_segments_gone_are_forgotten() {
        let c = corpus();
        let filters = Arc::new(TeamFilters::default());
        c.add(&[("r1", "ann")]);
        c.add(&[("r2", "ann")]);
        assert_eq!(c.ids(&c.query(&["ann"], &filters)), ["r1", "r2"]);
        assert_eq!(filters.bytes(), 2);
        let segments = c.index.searchable_segment_ids().unwrap();
        filters.retain_segments(&segments[..1].iter().copied().collect());
        assert_eq!(filters.bytes(), 1);
        filters.retain_segments(&HashSet::new());
        assert_eq!(filters.bytes(), 0);
        assert!(filters.state().scopes.is_empty());
    }

    #[test]
    fn the_least_recently_used_scope_goes_first_when_over_budget() {
        let c = corpus();
        let filters = Arc::new(TeamFilters::default());
        c.add(&[("r1", "ann"), ("r2", "bob"), ("r3", "cat")]);
        for owners in [["ann"], ["bob"], ["cat"]] {
            c.ids(&c.query(&owners, &filters));
        }
        c.ids(&c.query(&["ann"], &filters));
        let keep: Owners = vec!["cat".to_owned()].into();
        filters.state().evict_over(2, &keep);
        let mut left: Vec<String> = filters
            .state()
            .scopes
            .keys()
            .map(|owners| owners.join(","))
            .collect();
        left.sort();
        assert_eq!(left, ["ann", "cat"]);
        assert_eq!(filters.bytes(), 2);
        filters.state().evict_over(0, &keep);
        assert_eq!(filters.bytes(), 1, "the scope being used is kept");
    }
}
