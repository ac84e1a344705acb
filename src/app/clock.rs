//! Where the application gets the time. Production reads the system clock;
//! tests and `--as-of` runs set the instant, so rules that depend on the
//! date (expiry, gaps, reminders) are tested through the same use cases that
//! serve requests. The date people see is the UK calendar date.

use std::sync::Mutex;

use time::{Date, OffsetDateTime};

use crate::domain::dates::uk_date;

/// A source of the current instant.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;

    /// Today's date in the UK (Europe/London).
    fn today(&self) -> Date {
        uk_date(self.now())
    }
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until it is moved; for tests and for looking
/// ahead ("what would be sent on 1 March?").
#[derive(Debug)]
pub struct FixedClock {
    at: Mutex<OffsetDateTime>,
}

impl FixedClock {
    pub fn new(at: OffsetDateTime) -> Self {
        Self { at: Mutex::new(at) }
    }

    /// Moves the clock to `at`.
    pub fn set(&self, at: OffsetDateTime) {
        *self
            .at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = at;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self
            .at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn a_fixed_clock_gives_the_uk_date_and_moves_when_set() {
        let clock = FixedClock::new(datetime!(2026-07-31 23:15 UTC));
        assert_eq!(clock.today(), date!(2026 - 08 - 01));
        clock.set(datetime!(2026-12-31 23:15 UTC));
        assert_eq!(clock.today(), date!(2026 - 12 - 31));
    }
}
