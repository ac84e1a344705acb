//! Who each caller leads, kept between requests. Every request by a lead
//! needs the members of their teams (for access checks, lists and the
//! search clause); reading them from the database took most of a lead's
//! request time at 500 members a team.
//!
//! An entry is valid for one generation of the memberships. This process
//! moves the generation on as soon as it has committed a membership
//! change, and when the change feed shows one that any process made, so
//! an instance sharing a database server drops a stale scope within one
//! read of the feed (`index_follow_ms`). A scope read while the
//! generation moved is kept under the older generation, so it is never
//! served.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::{App, AppResult};
use crate::storage::team_records::LedTeams;

/// Callers whose scopes are kept; past this the cache starts again.
const CAPACITY: usize = 20_000;

/// The cached scopes and the generation they belong to.
#[derive(Default)]
pub(super) struct LeadScopes {
    generation: AtomicU64,
    entries: Mutex<HashMap<String, (u64, Arc<LedTeams>)>>,
}

impl LeadScopes {
    /// The generation to read a scope under (before reading it).
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn get(&self, user_id: &str) -> Option<Arc<LedTeams>> {
        let current = self.generation();
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(user_id)
            .filter(|(generation, _)| *generation == current)
            .map(|(_, scope)| Arc::clone(scope))
    }

    fn keep(&self, user_id: &str, read_under: u64, scope: Arc<LedTeams>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(user_id.to_owned(), (read_under, scope));
    }

    /// Every kept scope is stale: memberships changed.
    pub(super) fn memberships_changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

impl App {
    /// Drops the kept lead scopes and sessions (whose accounts list their
    /// teams): a team membership changed.
    pub(super) fn memberships_changed(&self) {
        self.inner.lead_scopes.memberships_changed();
        self.accounts_changed();
    }

    /// The teams `user_id` leads and their members, from the cache when
    /// no membership changed since it was read.
    pub(super) async fn led_teams_of(&self, user_id: &str) -> AppResult<Arc<LedTeams>> {
        let scopes = &self.inner.lead_scopes;
        if let Some(scope) = scopes.get(user_id) {
            return Ok(scope);
        }
        let read_under = scopes.generation();
        let scope = Arc::new(self.store().led_teams(user_id).await?);
        scopes.keep(user_id, read_under, Arc::clone(&scope));
        Ok(scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(member: &str) -> Arc<LedTeams> {
        Arc::new(LedTeams {
            team_ids: vec!["team".into()],
            member_ids: vec![member.into()],
        })
    }

    #[test]
    fn a_kept_scope_is_served_until_memberships_change() {
        let scopes = LeadScopes::default();
        scopes.keep("lead", scopes.generation(), scope("sam"));
        assert_eq!(scopes.get("lead").unwrap().member_ids, vec!["sam"]);
        assert!(scopes.get("someone else").is_none());
        scopes.memberships_changed();
        assert!(scopes.get("lead").is_none());
    }

    #[test]
    fn a_scope_read_while_memberships_changed_is_never_served() {
        let scopes = LeadScopes::default();
        let read_under = scopes.generation();
        scopes.memberships_changed();
        scopes.keep("lead", read_under, scope("sam"));
        assert!(scopes.get("lead").is_none());
        scopes.keep("lead", scopes.generation(), scope("kim"));
        assert_eq!(scopes.get("lead").unwrap().member_ids, vec!["kim"]);
    }

    #[test]
    fn the_cache_starts_again_when_full() {
        let scopes = LeadScopes::default();
        let generation = scopes.generation();
        for n in 0..CAPACITY {
            scopes.keep(&format!("lead{n}"), generation, scope("sam"));
        }
        assert!(scopes.get("lead0").is_some());
        scopes.keep("one more", generation, scope("kim"));
        assert!(scopes.get("lead0").is_none());
        assert_eq!(scopes.get("one more").unwrap().member_ids, vec!["kim"]);
    }
}
