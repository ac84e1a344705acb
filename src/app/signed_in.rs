//! Who holds each session token, kept between requests. Reading the
//! session and its account was the largest part of a request that does
//! little else (a fifth of a create's time at a million records), and a
//! person working through a page makes many requests within a second.
//!
//! An entry is served only while nothing that could change it has
//! happened since it was read, and for at most `session_cache_ms`:
//!
//! - this process moves the generation on as soon as it has committed a
//!   change to an account, a password, a session's end or a team
//!   membership, so its own changes take effect at once;
//! - a change another process made through a shared database server (a
//!   sign-out, a deactivation) takes effect here within `session_cache_ms`,
//!   and a membership change within one read of the change feed.
//!
//! Expiry is still decided on every request from the kept times: the
//! cache never extends a session.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::domain::user::User;
use crate::storage::sessions::Session;

/// Sessions kept; past this the cache starts again.
const CAPACITY: usize = 20_000;

/// One kept session and its account as read from the database.
#[derive(Clone)]
pub(super) struct SignedIn {
    pub session: Session,
    pub user: User,
}

struct Entry {
    generation: u64,
    read_at: Instant,
    signed_in: SignedIn,
}

/// The kept sessions, by token digest, and the generation they belong to.
pub(super) struct SignedInCache {
    max_age: Duration,
    generation: AtomicU64,
    entries: Mutex<HashMap<String, Entry>>,
}

impl SignedInCache {
    /// A cache serving an entry for at most `max_age`; zero keeps nothing.
    pub(super) fn new(max_age: Duration) -> Self {
        Self {
            max_age,
            generation: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The generation to read a session under (before reading it).
    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub(super) fn get(&self, digest: &str) -> Option<SignedIn> {
        let current = self.generation();
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(digest)
            .filter(|e| e.generation == current && e.read_at.elapsed() < self.max_age)
            .map(|e| e.signed_in.clone())
    }

    pub(super) fn keep(&self, digest: &str, read_under: u64, signed_in: SignedIn) {
        if self.max_age.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        let entry = Entry {
            generation: read_under,
            read_at: Instant::now(),
            signed_in,
        };
        entries.insert(digest.to_owned(), entry);
    }

    /// The session was seen at `at` and its last-seen time stored.
    pub(super) fn seen(&self, digest: &str, at: OffsetDateTime) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = entries.get_mut(digest) {
            entry.signed_in.session.last_seen_at = at;
        }
    }

    /// Every kept entry is stale: an account, session or membership
    /// changed.
    pub(super) fn accounts_changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::user::Role;
    use time::macros::datetime;

    fn signed_in(name: &str) -> SignedIn {
        let at = datetime!(2026-11-29 09:00 UTC);
        SignedIn {
            session: Session {
                user_id: "u1".into(),
                last_seen_at: at,
                expires_at: at + time::Duration::hours(12),
            },
            user: User {
                id: "u1".into(),
                email: "sam@example.org".into(),
                name: name.into(),
                role: Role::Practitioner,
                hcpc_number: None,
                practice_summary: String::new(),
                created_at: at,
                teams: Vec::new(),
                active: true,
                must_change_password: false,
            },
        }
    }

    fn cache() -> SignedInCache {
        SignedInCache::new(Duration::from_secs(60))
    }

    #[test]
    fn a_kept_session_is_served_until_an_account_changes() {
        let cache = cache();
        cache.keep("d1", cache.generation(), signed_in("Sam"));
        assert_eq!(cache.get("d1").unwrap().user.name, "Sam");
        assert!(cache.get("d2").is_none());
        cache.accounts_changed();
        assert!(cache.get("d1").is_none());
    }

    #[test]
    fn a_session_read_while_an_account_changed_is_never_served() {
        let cache = cache();
        let read_under = cache.generation();
        cache.accounts_changed();
        cache.keep("d1", read_under, signed_in("Sam"));
        assert!(cache.get("d1").is_none());
        cache.keep("d1", cache.generation(), signed_in("Kim"));
        assert_eq!(cache.get("d1").unwrap().user.name, "Kim");
    }

    #[test]
    fn an_entry_older_than_the_maximum_age_is_not_served() {
        let cache = SignedInCache::new(Duration::from_millis(30));
        cache.keep("d1", cache.generation(), signed_in("Sam"));
        assert!(cache.get("d1").is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert!(cache.get("d1").is_none());
    }

    #[test]
    fn a_zero_maximum_age_keeps_nothing() {
        let cache = SignedInCache::new(Duration::ZERO);
        cache.keep("d1", cache.generation(), signed_in("Sam"));
        assert!(cache.get("d1").is_none());
        assert!(cache.entries.lock().unwrap().is_empty());
    }

    #[test]
    fn seeing_a_session_moves_its_kept_last_seen_time() {
        let cache = cache();
        cache.keep("d1", cache.generation(), signed_in("Sam"));
        let later = datetime!(2026-11-29 09:05 UTC);
        cache.seen("d1", later);
        assert_eq!(cache.get("d1").unwrap().session.last_seen_at, later);
    }

    #[test]
    fn the_cache_starts_again_when_full() {
        let cache = cache();
        let generation = cache.generation();
        for n in 0..CAPACITY {
            cache.keep(&format!("d{n}"), generation, signed_in("Sam"));
        }
        assert!(cache.get("d0").is_some());
        cache.keep("one more", generation, signed_in("Kim"));
        assert!(cache.get("d0").is_none());
        assert_eq!(cache.get("one more").unwrap().user.name, "Kim");
    }
}
