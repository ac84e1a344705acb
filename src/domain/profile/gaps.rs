//! HCPC CPD standard 1 asks for a continuous record: assessors look for
//! periods of three months or more with no recorded activity.

use serde::Serialize;
use time::Date;

use crate::domain::dates::{add_months, days_between};

/// The length of silence that counts as a gap, in calendar months.
pub const GAP_MONTHS: i32 = 3;

/// A period with no recorded activity: `from` is the last activity before
/// it (or the start of the period), `to` the next one (or the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub from: Date,
    pub to: Date,
    pub days: i64,
    /// True when the gap runs to the end of the period (still open).
    pub open: bool,
}

/// Every gap of [`GAP_MONTHS`] or more inside `[from, to]`, given the dates
/// of the activities (in any order; dates outside the period are ignored).
pub fn find_gaps(activity_dates: &[Date], from: Date, to: Date) -> Vec<Gap> {
    let mut dates: Vec<Date> = activity_dates
        .iter()
        .copied()
        .filter(|d| (from..=to).contains(d))
        .collect();
    dates.sort_unstable();
    dates.dedup();
    let mut marks = Vec::with_capacity(dates.len() + 2);
    marks.push(from);
    marks.extend(dates);
    marks.push(to);
    marks
        .windows(2)
        .enumerate()
        .filter(|(_, w)| is_gap(w[0], w[1]))
        .map(|(i, w)| Gap {
            from: w[0],
            to: w[1],
            days: days_between(w[0], w[1]),
            open: i + 2 == marks.len(),
        })
        .collect()
}

fn is_gap(start: Date, end: Date) -> bool {
    add_months(start, GAP_MONTHS).is_some_and(|limit| end >= limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn no_gap_when_activity_is_regular() {
        let dates = [
            date!(2025 - 02 - 01),
            date!(2025 - 04 - 15),
            date!(2025 - 06 - 30),
        ];
        assert_eq!(
            find_gaps(&dates, date!(2025 - 01 - 01), date!(2025 - 08 - 01)),
            []
        );
    }

    #[test]
    fn exactly_three_months_is_a_gap_and_a_day_less_is_not() {
        let from = date!(2025 - 01 - 01);
        let to = date!(2025 - 12 - 31);
        let gaps = find_gaps(&[date!(2025 - 01 - 01), date!(2025 - 04 - 01)], from, to);
        assert_eq!(
            gaps[0],
            Gap {
                from,
                to: date!(2025 - 04 - 01),
                days: 90,
                open: false
            }
        );
        let none = find_gaps(
            &[
                date!(2025 - 01 - 01),
                date!(2025 - 03 - 31),
                date!(2025 - 06 - 29),
                date!(2025 - 09 - 28),
                date!(2025 - 12 - 27),
            ],
            from,
            to,
        );
        assert_eq!(none, []);
    }

    #[test]
    fn gaps_at_start_and_open_end_are_reported() {
        let gaps = find_gaps(
            &[date!(2025 - 05 - 10)],
            date!(2025 - 01 - 01),
            date!(2025 - 12 - 01),
        );
        assert_eq!(gaps.len(), 2);
        assert_eq!(
            (gaps[0].from, gaps[0].to, gaps[0].open),
            (date!(2025 - 01 - 01), date!(2025 - 05 - 10), false)
        );
        assert_eq!(
            (gaps[1].from, gaps[1].to, gaps[1].open),
            (date!(2025 - 05 - 10), date!(2025 - 12 - 01), true)
        );
        assert_eq!(gaps[1].days, 205);
    }

    #[test]
    fn no_activity_at_all_is_one_gap() {
        let gaps = find_gaps(&[], date!(2025 - 01 - 01), date!(2025 - 06 - 01));
        assert_eq!(
            gaps,
            [Gap {
                from: date!(2025 - 01 - 01),
                to: date!(2025 - 06 - 01),
                days: 151,
                open: true
            }]
        );
    }

    #[test]
    fn month_end_start_uses_calendar_months() {
        // 30 Nov + 3 months = 28 Feb, so an activity on 28 Feb closes a gap.
        let gaps = find_gaps(
            &[date!(2025 - 11 - 30), date!(2026 - 02 - 28)],
            date!(2025 - 11 - 30),
            date!(2026 - 03 - 01),
        );
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].to, date!(2026 - 02 - 28));
    }
}
