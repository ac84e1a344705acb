//! Which practitioners are due an inactivity reminder. HCPC CPD standard 1
//! asks for a continuous record; after `threshold_days` with no activity a
//! practitioner is reminded once for that gap. The gap is named by the date
//! it started, so recording anything starts a new gap and a new reminder.

use time::Date;

use super::dates::days_between;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InactivityAlert {
    /// The day the silence began: the last activity, or the day the account
    /// was created if nothing was ever recorded.
    pub since: Date,
    pub days: i64,
    pub ever_recorded: bool,
}

impl InactivityAlert {
    /// The key that makes the reminder unique per person and gap.
    pub fn dedupe_key(&self, user_id: &str) -> String {
        format!("inactivity-{user_id}-{}", super::dates::iso(self.since))
    }
}

pub fn inactivity(
    last_activity: Option<Date>,
    joined: Date,
    today: Date,
    threshold_days: u32,
) -> Option<InactivityAlert> {
    let since = last_activity.unwrap_or(joined);
    let days = days_between(since, today);
    (days >= i64::from(threshold_days)).then_some(InactivityAlert {
        since,
        days,
        ever_recorded: last_activity.is_some(),
    })
}

/// How long to wait before the next attempt after `attempts` failed ones
/// (1 or more): five minutes, doubling, at most six hours. A transient
/// failure is retried at this pace for as long as it takes.
pub fn retry_delay(attempts: i64) -> time::Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 10)).unwrap_or(10);
    let minutes = 5_i64.saturating_mul(1_i64 << doublings);
    time::Duration::minutes(minutes.min(6 * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn retries_back_off_exponentially_up_to_six_hours() {
        let minutes = |n| retry_delay(n).whole_minutes();
        assert_eq!(
            [1, 2, 3, 4, 5, 6, 7, 8, 50].map(minutes),
            [5, 10, 20, 40, 80, 160, 320, 360, 360]
        );
        assert_eq!(minutes(0), 5);
    }

    #[test]
    fn due_from_the_threshold_day() {
        let today = date!(2026 - 04 - 01);
        assert_eq!(
            inactivity(
                Some(date!(2026 - 01 - 02)),
                date!(2020 - 01 - 01),
                today,
                90
            ),
            None
        );
        let due = inactivity(
            Some(date!(2026 - 01 - 01)),
            date!(2020 - 01 - 01),
            today,
            90,
        )
        .unwrap();
        assert_eq!(
            (due.since, due.days, due.ever_recorded),
            (date!(2026 - 01 - 01), 90, true)
        );
        assert_eq!(due.dedupe_key("u1"), "inactivity-u1-2026-01-01");
    }

    #[test]
    fn never_recorded_counts_from_joining() {
        let due = inactivity(None, date!(2025 - 12 - 01), date!(2026 - 04 - 01), 90).unwrap();
        assert_eq!(
            (due.since, due.days, due.ever_recorded),
            (date!(2025 - 12 - 01), 121, false)
        );
        assert_eq!(
            inactivity(None, date!(2026 - 03 - 01), date!(2026 - 04 - 01), 90),
            None
        );
    }
}
