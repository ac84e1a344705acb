//! CPD hours by calendar month and HCPC activity type: the picture of the
//! last two years on a person's home page. Activities without hours count
//! in the month's number of activities but add no hours.

use time::{Date, Month};

use super::ListedActivity;
use crate::domain::reflection::ActivityType;

/// One calendar month's CPD.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthTotals {
    pub year: i32,
    pub month: Month,
    /// Hours per activity type, in [`ActivityType::ALL`] order.
    pub hours: [f64; 5],
    pub activities: u32,
}

impl MonthTotals {
    pub fn total_hours(&self) -> f64 {
        self.hours.iter().sum()
    }
}

/// The `months` calendar months ending with `last`'s month, oldest first,
/// each with the hours of the activities dated in it.
pub fn hours_by_month(activities: &[ListedActivity], last: Date, months: u32) -> Vec<MonthTotals> {
    let mut out: Vec<MonthTotals> = Vec::with_capacity(months as usize);
    let (mut year, mut month) = (last.year(), last.month());
    for _ in 0..months {
        out.push(MonthTotals {
            year,
            month,
            hours: [0.0; 5],
            activities: 0,
        });
        month = month.previous();
        if month == Month::December {
            year -= 1;
        }
    }
    out.reverse();
    for a in activities {
        let Some(slot) = out
            .iter_mut()
            .find(|m| m.year == a.date.year() && m.month == a.date.month())
        else {
            continue;
        };
        slot.activities += 1;
        if let Some(i) = ActivityType::ALL.iter().position(|t| *t == a.activity_type) {
            slot.hours[i] += a.hours.unwrap_or(0.0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn activity(date: Date, activity_type: ActivityType, hours: Option<f64>) -> ListedActivity {
        ListedActivity {
            number: 1,
            date,
            title: "x".to_owned(),
            activity_type,
            hours,
            record_id: "r".to_owned(),
            evidence: Vec::new(),
        }
    }

    #[test]
    fn hours_fall_in_their_month_and_type_across_a_year_end() {
        let activities = [
            activity(
                date!(2025 - 12 - 31),
                ActivityType::FormalEducation,
                Some(3.0),
            ),
            activity(
                date!(2026 - 01 - 01),
                ActivityType::WorkBasedLearning,
                Some(1.5),
            ),
            activity(date!(2026 - 01 - 20), ActivityType::WorkBasedLearning, None),
            activity(date!(2026 - 01 - 21), ActivityType::Other, Some(0.5)),
            activity(date!(2025 - 10 - 31), ActivityType::Other, Some(9.0)),
        ];
        let months = hours_by_month(&activities, date!(2026 - 02 - 10), 3);
        let labels: Vec<(i32, Month)> = months.iter().map(|m| (m.year, m.month)).collect();
        assert_eq!(
            labels,
            vec![
                (2025, Month::December),
                (2026, Month::January),
                (2026, Month::February)
            ]
        );
        assert_eq!(months[0].hours, [0.0, 0.0, 3.0, 0.0, 0.0]);
        assert_eq!(months[1].hours, [1.5, 0.0, 0.0, 0.0, 0.5]);
        assert_eq!(months[1].activities, 3);
        assert_eq!(months[1].total_hours(), 2.0);
        assert_eq!(months[2].activities, 0);
    }
}
