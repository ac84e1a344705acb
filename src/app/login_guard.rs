//! Keeps password guessing slow and the server up before anyone signs in.
//!
//! Every login attempt is counted *before* its password is hashed, under
//! three keys: the account and client together, the account alone, and the
//! client alone. Each key allows a few free failures, then a delay that
//! doubles with every further failure up to [`LoginPolicy::max_delay`]; a
//! success clears the account's counts. An attempt that comes too early is
//! refused without hashing, even with the right password (that is the
//! point), and told when to come back.
//!
//! The lockout cannot be used to shut a person out: the delay is bounded,
//! and a client that has signed in to the account before is judged only on
//! its own failures with that account, so an attacker elsewhere who keeps
//! the account's delay at its maximum does not stop its owner at their usual
//! computer. Failed logins across the whole server are also rate-limited,
//! and password hashing (argon2id, memory-hard) runs at most
//! [`LoginPolicy::hash_concurrency`] at a time, so a flood of logins queues
//! briefly and is then told to retry instead of exhausting memory. Counts
//! are held in memory: a restart clears them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};
use tokio::sync::{Semaphore, SemaphorePermit};

/// The limits, from configuration.
#[derive(Debug, Clone)]
pub struct LoginPolicy {
    /// Failures of one account from one client before delays start.
    pub free_per_account_client: u32,
    /// Failures of one account from all clients before delays start.
    pub free_per_account: u32,
    /// Failures of one client over all accounts before delays start.
    pub free_per_client: u32,
    /// The longest delay a key can reach.
    pub max_delay: Duration,
    /// Failed logins the whole server accepts per minute.
    pub failures_per_minute: u32,
    /// Password hashes computed at the same time.
    pub hash_concurrency: usize,
    /// How long an attempt waits for a hashing slot before 503.
    pub hash_wait: std::time::Duration,
}

/// Why an attempt was not evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many failures for this account, client or server: come back
    /// after this many seconds.
    TooMany { retry_after_secs: u64 },
    /// Every hashing slot stayed busy for the whole wait.
    Busy,
}

/// Failures under one key and when the last one happened.
#[derive(Debug, Clone, Copy)]
struct Backoff {
    failures: u32,
    last: OffsetDateTime,
}

impl Backoff {
    /// How long after the last failure the next attempt must wait.
    fn delay(&self, free: u32, max: Duration) -> Duration {
        if self.failures < free {
            return Duration::ZERO;
        }
        let doublings = (self.failures - free).min(30);
        Duration::seconds(1_i64 << doublings).min(max)
    }

    fn wait(&self, free: u32, max: Duration, now: OffsetDateTime) -> Duration {
        (self.last + self.delay(free, max) - now).max(Duration::ZERO)
    }

    /// True when the key has no effect any more and may be forgotten.
    fn expired(&self, free: u32, max: Duration, now: OffsetDateTime) -> bool {
        now - self.last >= self.delay(free, max).max(max)
    }
}

type Pair = (String, IpAddr);

#[derive(Default)]
struct Counts {
    pairs: HashMap<Pair, Backoff>,
    accounts: HashMap<String, Backoff>,
    clients: HashMap<IpAddr, Backoff>,
    /// Clients that signed in to an account, and when.
    known: HashMap<Pair, OffsetDateTime>,
    /// Failures in the current minute (server-wide) and when it began.
    minute: (u32, Option<OffsetDateTime>),
}

/// Entries kept per map before expired ones are swept.
const SWEEP_AT: usize = 50_000;
/// How long a client stays "known" to an account after signing in.
const KNOWN_FOR: Duration = Duration::days(30);

pub struct LoginGuard {
    policy: LoginPolicy,
    hashing: Semaphore,
    counts: Mutex<Counts>,
}

impl LoginGuard {
    pub fn new(policy: LoginPolicy) -> Self {
        Self {
            hashing: Semaphore::new(policy.hash_concurrency.max(1)),
            policy,
            counts: Mutex::new(Counts::default()),
        }
    }

    /// Decides whether `email` may try from `client` now and, if so,
    /// counts the attempt as a failure until [`Self::succeeded`] says
    /// otherwise, so a parallel burst cannot slip past the count.
    pub fn admit(&self, email: &str, client: IpAddr, now: OffsetDateTime) -> Result<(), Refusal> {
        let p = &self.policy;
        let mut c = self.lock();
        c.sweep(p, now);
        let pair = (email.to_owned(), client);
        let known = c.known.get(&pair).is_some_and(|at| now - *at < KNOWN_FOR);
        let mut wait = wait_of(c.pairs.get(&pair), p.free_per_account_client, p, now);
        if !known {
            wait = wait
                .max(wait_of(c.accounts.get(email), p.free_per_account, p, now))
                .max(wait_of(c.clients.get(&client), p.free_per_client, p, now))
                .max(c.global_wait(p, now));
        }
        if wait > Duration::ZERO {
            return Err(Refusal::TooMany {
                retry_after_secs: whole_seconds(wait),
            });
        }
        count(c.pairs.entry(pair).or_insert_with(|| fresh(now)), now);
        count(
            c.accounts
                .entry(email.to_owned())
                .or_insert_with(|| fresh(now)),
            now,
        );
        count(c.clients.entry(client).or_insert_with(|| fresh(now)), now);
        c.count_global(now);
        Ok(())
    }

    /// The password was right: the attempt was not a failure after all.
    pub fn succeeded(&self, email: &str, client: IpAddr, now: OffsetDateTime) {
        let mut c = self.lock();
        let pair = (email.to_owned(), client);
        c.pairs.remove(&pair);
        c.accounts.remove(email);
        if let Some(b) = c.clients.get_mut(&client) {
            b.failures = b.failures.saturating_sub(1);
        }
        c.minute.0 = c.minute.0.saturating_sub(1);
        c.known.insert(pair, now);
    }

    /// A slot to hash a password in, waiting at most the configured time.
    pub async fn hashing_slot(&self) -> Result<SemaphorePermit<'_>, Refusal> {
        match tokio::time::timeout(self.policy.hash_wait, self.hashing.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Refusal::Busy),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Counts {
    fn global_wait(&self, p: &LoginPolicy, now: OffsetDateTime) -> Duration {
        match self.minute {
            (n, Some(start)) if n >= p.failures_per_minute && now - start < Duration::MINUTE => {
                start + Duration::MINUTE - now
            }
            _ => Duration::ZERO,
        }
    }

    fn count_global(&mut self, now: OffsetDateTime) {
        match &mut self.minute {
            (n, Some(start)) if now - *start < Duration::MINUTE => *n += 1,
            minute => *minute = (1, Some(now)),
        }
    }

    fn sweep(&mut self, p: &LoginPolicy, now: OffsetDateTime) {
        if self.pairs.len() > SWEEP_AT {
            let free = p.free_per_account_client;
            self.pairs.retain(|_, b| !b.expired(free, p.max_delay, now));
        }
        if self.accounts.len() > SWEEP_AT {
            self.accounts
                .retain(|_, b| !b.expired(p.free_per_account, p.max_delay, now));
        }
        if self.clients.len() > SWEEP_AT {
            self.clients
                .retain(|_, b| !b.expired(p.free_per_client, p.max_delay, now));
        }
        if self.known.len() > SWEEP_AT {
            self.known.retain(|_, at| now - *at < KNOWN_FOR);
        }
    }
}

fn fresh(now: OffsetDateTime) -> Backoff {
    Backoff {
        failures: 0,
        last: now,
    }
}

fn count(b: &mut Backoff, now: OffsetDateTime) {
    b.failures = b.failures.saturating_add(1);
    b.last = now;
}

fn wait_of(b: Option<&Backoff>, free: u32, p: &LoginPolicy, now: OffsetDateTime) -> Duration {
    b.map_or(Duration::ZERO, |b| b.wait(free, p.max_delay, now))
}

fn whole_seconds(d: Duration) -> u64 {
    let secs = d.whole_seconds() + i64::from(d.subsec_nanoseconds() > 0);
    u64::try_from(secs.max(1)).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-11-25 09:00 UTC);

    fn policy() -> LoginPolicy {
        LoginPolicy {
            free_per_account_client: 5,
            free_per_account: 20,
            free_per_client: 30,
            max_delay: Duration::minutes(15),
            failures_per_minute: 1000,
            hash_concurrency: 2,
            hash_wait: std::time::Duration::from_millis(50),
        }
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, last])
    }

    fn refused_for(guard: &LoginGuard, email: &str, client: IpAddr, at: OffsetDateTime) -> u64 {
        match guard.admit(email, client, at) {
            Err(Refusal::TooMany { retry_after_secs }) => retry_after_secs,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn five_free_failures_then_a_doubling_delay() {
        let g = LoginGuard::new(policy());
        for _ in 0..5 {
            g.admit("a@b.c", ip(1), T0).unwrap();
        }
        assert_eq!(refused_for(&g, "a@b.c", ip(1), T0), 1);
        g.admit("a@b.c", ip(1), T0 + Duration::seconds(1)).unwrap();
        let t = T0 + Duration::seconds(1);
        assert_eq!(refused_for(&g, "a@b.c", ip(1), t), 2);
        g.admit("a@b.c", ip(1), t + Duration::seconds(2)).unwrap();
        assert_eq!(refused_for(&g, "a@b.c", ip(1), t + Duration::seconds(2)), 4);
    }

    #[test]
    fn a_parallel_burst_is_counted_before_any_hash() {
        let g = LoginGuard::new(policy());
        let admitted = (0..40)
            .filter(|_| g.admit("a@b.c", ip(1), T0).is_ok())
            .count();
        assert_eq!(admitted, 5);
    }

    #[test]
    fn the_delay_stops_growing_at_the_maximum() {
        let g = LoginGuard::new(policy());
        let mut t = T0;
        for _ in 0..40 {
            while g.admit("a@b.c", ip(1), t).is_err() {
                t += Duration::minutes(15);
            }
        }
        assert_eq!(refused_for(&g, "a@b.c", ip(1), t), 900);
        g.admit("a@b.c", ip(1), t + Duration::minutes(15)).unwrap();
    }

    #[test]
    fn success_clears_the_account_and_makes_the_client_known() {
        let g = LoginGuard::new(policy());
        for _ in 0..4 {
            g.admit("a@b.c", ip(1), T0).unwrap();
        }
        g.admit("a@b.c", ip(1), T0).unwrap();
        g.succeeded("a@b.c", ip(1), T0);
        for _ in 0..5 {
            g.admit("a@b.c", ip(1), T0).unwrap();
        }
    }

    #[test]
    fn an_attacker_elsewhere_cannot_lock_out_a_known_client() {
        let g = LoginGuard::new(policy());
        g.admit("a@b.c", ip(1), T0).unwrap();
        g.succeeded("a@b.c", ip(1), T0);
        for attacker in 10..60 {
            let _ = g.admit("a@b.c", ip(attacker), T0);
        }
        assert!(
            g.admit("a@b.c", ip(99), T0).is_err(),
            "unknown clients wait"
        );
        g.admit("a@b.c", ip(1), T0).unwrap();
    }

    #[test]
    fn one_client_guessing_many_accounts_is_slowed() {
        let g = LoginGuard::new(policy());
        for n in 0..30 {
            g.admit(&format!("u{n}@b.c"), ip(7), T0).unwrap();
        }
        assert_eq!(refused_for(&g, "new@b.c", ip(7), T0), 1);
        g.admit("new@b.c", ip(8), T0).unwrap();
    }

    #[test]
    fn the_server_wide_failure_rate_is_bounded() {
        let g = LoginGuard::new(LoginPolicy {
            failures_per_minute: 3,
            ..policy()
        });
        for n in 0..3 {
            g.admit(&format!("u{n}@b.c"), ip(n), T0).unwrap();
        }
        assert_eq!(
            refused_for(&g, "x@b.c", ip(50), T0 + Duration::seconds(20)),
            40
        );
        g.admit("x@b.c", ip(50), T0 + Duration::MINUTE).unwrap();
    }

    #[tokio::test]
    async fn hashing_waits_for_a_slot_then_gives_up() {
        let g = LoginGuard::new(policy());
        let a = g.hashing_slot().await.unwrap();
        let _b = g.hashing_slot().await.unwrap();
        assert_eq!(g.hashing_slot().await.err(), Some(Refusal::Busy));
        drop(a);
        assert!(g.hashing_slot().await.is_ok());
    }
}
