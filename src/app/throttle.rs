//! Slows password guessing: after [`MAX_FAILURES`] failed logins for one
//! email address within [`WINDOW`], further attempts for that address are
//! refused until the window has passed. Unknown addresses are counted the
//! same way, so the answer says nothing about which accounts exist. Held in
//! memory: a restart clears it (a limit, named in the README).

use std::collections::HashMap;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

pub const MAX_FAILURES: u32 = 10;
pub const WINDOW: Duration = Duration::minutes(15);

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, OffsetDateTime)>>,
}

impl LoginThrottle {
    /// True when `email` may try now.
    pub fn allows(&self, email: &str, now: OffsetDateTime) -> bool {
        let Ok(map) = self.failures.lock() else {
            return true;
        };
        map.get(email)
            .is_none_or(|(count, since)| *count < MAX_FAILURES || now - *since >= WINDOW)
    }

    pub fn record_failure(&self, email: &str, now: OffsetDateTime) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| now - *since < WINDOW);
        }
        let entry = map.entry(email.to_owned()).or_insert((0, now));
        if now - entry.1 >= WINDOW {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    pub fn record_success(&self, email: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(email);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn refuses_after_ten_failures_until_the_window_passes() {
        let t = LoginThrottle::default();
        let start = datetime!(2026-11-23 10:00 UTC);
        for _ in 0..MAX_FAILURES {
            assert!(t.allows("a@b.c", start));
            t.record_failure("a@b.c", start);
        }
        assert!(!t.allows("a@b.c", start + Duration::minutes(14)));
        assert!(t.allows("other@b.c", start));
        assert!(t.allows("a@b.c", start + Duration::minutes(15)));
    }

    #[test]
    fn success_clears_the_count() {
        let t = LoginThrottle::default();
        let now = datetime!(2026-11-23 10:00 UTC);
        for _ in 0..MAX_FAILURES - 1 {
            t.record_failure("a@b.c", now);
        }
        t.record_success("a@b.c");
        t.record_failure("a@b.c", now);
        assert!(t.allows("a@b.c", now));
    }
}
