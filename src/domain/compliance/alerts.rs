//! Which compliance email is due for one item of one person on one UK
//! date. An item with a due date (the last day it is in date) has a series
//! of milestones:
//!
//! - `due_in_N` for each configured offset (default 60 and 14): on the day
//!   N days before the due date, once the item is due soon (inside its
//!   requirement's warning window), so supervision due six weeks after each
//!   session is not announced the day after it;
//! - `lapsed`: on the day after the due date, the first day the item is not
//!   in date (something due on 31 March lapses on 1 April);
//! - `overdue_reminder_K`: every `overdue_every_days` (default 14) after the
//!   lapse, K = 1, 2, …, while it stays overdue;
//! - `renewal_window_open`: for HCPC registration, on the day the renewal
//!   window opens.
//!
//! On a given date the one due is the latest milestone on or before it.
//! A run that was missed catches up with that latest one only, never every
//! missed one. Each milestone is keyed by (person, item, due date,
//! milestone), so it is sent at most once; renewing an item moves its due
//! date, which starts a new series and ends the old one. Items with no due
//! date (missing, or never lapsing) have no milestones; CPD recency has its
//! own inactivity reminder and no milestones here.

use serde::Deserialize;
use time::{Date, Duration};

use super::requirements::RequirementKind;
use super::status::{Item, Status};
use crate::domain::dates::iso;

/// When the milestones fall, from the `[alerts]` part of the requirements
/// file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertRule {
    /// Days before the due date a "due soon" email goes.
    pub due_days: Vec<u32>,
    /// Days between reminders while an item is overdue.
    pub overdue_every_days: u32,
}

impl Default for AlertRule {
    fn default() -> Self {
        Self {
            due_days: vec![60, 14],
            overdue_every_days: 14,
        }
    }
}

impl AlertRule {
    pub fn check(&self) -> Result<(), String> {
        if self.overdue_every_days == 0 {
            return Err("alerts.overdue_every_days must be at least 1".to_owned());
        }
        if self.due_days.iter().any(|d| *d == 0 || *d > 366) {
            return Err("alerts.due_days must each be between 1 and 366".to_owned());
        }
        Ok(())
    }
}

/// One email in an item's series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Milestone {
    DueIn(u32),
    Lapsed,
    OverdueReminder(u32),
    RenewalWindowOpen,
}

impl Milestone {
    pub fn name(self) -> String {
        match self {
            Self::DueIn(days) => format!("due_in_{days}"),
            Self::Lapsed => "lapsed".to_owned(),
            Self::OverdueReminder(n) => format!("overdue_reminder_{n}"),
            Self::RenewalWindowOpen => "renewal_window_open".to_owned(),
        }
    }

    /// The lapse notice and overdue reminders cannot be switched off; the
    /// rest can.
    pub fn mandatory(self) -> bool {
        matches!(self, Self::Lapsed | Self::OverdueReminder(_))
    }
}

/// The milestone due for `item` on `today`, if any (see the module notes).
pub fn milestone_due(item: &Item, today: Date, rule: &AlertRule) -> Option<Milestone> {
    if item.kind == RequirementKind::Cpd {
        return None;
    }
    let due = item.due_on?;
    let lapses = due + Duration::days(1);
    let mut best: Option<(Date, u8, Milestone)> = None;
    let mut consider = |on: Date, rank: u8, m: Milestone| {
        if on <= today && best.is_none_or(|(d, r, _)| (on, rank) > (d, r)) {
            best = Some((on, rank, m));
        }
    };
    if today >= lapses {
        let every = i64::from(rule.overdue_every_days.max(1));
        let k = (today - lapses).whole_days() / every;
        match u32::try_from(k) {
            Ok(0) => consider(lapses, 3, Milestone::Lapsed),
            Ok(k) => consider(
                lapses + Duration::days(i64::from(k) * every),
                3,
                Milestone::OverdueReminder(k),
            ),
            Err(_) => {}
        }
    } else if item.status == Status::DueSoon {
        for &days in &rule.due_days {
            consider(
                due - Duration::days(i64::from(days)),
                2,
                Milestone::DueIn(days),
            );
        }
    }
    if today < lapses
        && let Some(opens) = item.window_opens_on
    {
        consider(opens, 1, Milestone::RenewalWindowOpen);
    }
    best.map(|(_, _, m)| m)
}

/// The outbox key of one milestone: each is emailed at most once.
pub fn milestone_key(user_id: &str, item_key: &str, due_on: Date, milestone: Milestone) -> String {
    format!(
        "compliance-{user_id}-{item_key}-{}-{}",
        iso(due_on),
        milestone.name()
    )
}

/// The outbox key of a lead's weekly digest for one team.
pub fn digest_key(lead_id: &str, team_id: &str, today: Date) -> String {
    let (year, week, _) = today.to_iso_week_date();
    format!("digest-{lead_id}-{team_id}-{year}-W{week:02}")
}

/// Whether the weekly digest is due on `today`: on `day`, or later in the
/// same ISO week when that day's run was missed (the key is per week, so
/// it still goes once).
pub fn digest_due(today: Date, day: time::Weekday) -> bool {
    today.weekday().number_days_from_monday() >= day.number_days_from_monday()
}

#[cfg(test)]
mod tests {
    use super::super::status::status_on;
    use super::*;
    use time::macros::date;

    /// `it` as assessed on `today` with a warning window of `warning_days`.
    fn assessed(mut it: Item, today: Date, warning_days: u32) -> Item {
        if let Some(due) = it.due_on {
            it.status = status_on(due, today, warning_days);
        }
        it
    }

    fn item(kind: RequirementKind, due_on: Option<Date>) -> Item {
        Item {
            key: "fire-safety".to_owned(),
            title: "Fire safety".to_owned(),
            kind,
            status: Status::Compliant,
            due_on,
            evidence_id: None,
            verified: false,
            window_opens_on: None,
        }
    }

    fn on(due: Date, today: Date) -> Option<String> {
        milestone_due(
            &assessed(item(RequirementKind::Training, Some(due)), today, 60),
            today,
            &AlertRule::default(),
        )
        .map(Milestone::name)
    }

    #[test]
    fn supervision_due_six_weeks_on_is_announced_only_inside_its_window() {
        let due = date!(2027 - 03 - 31);
        let at = |today| {
            let it = assessed(item(RequirementKind::Supervision, Some(due)), today, 14);
            milestone_due(&it, today, &AlertRule::default()).map(Milestone::name)
        };
        assert_eq!(at(date!(2027 - 02 - 18)), None, "the day after the session");
        assert_eq!(at(date!(2027 - 03 - 16)), None, "15 days before");
        assert_eq!(at(date!(2027 - 03 - 17)).as_deref(), Some("due_in_14"));
    }

    #[test]
    fn the_series_of_a_certificate_due_on_31_march() {
        let due = date!(2027 - 03 - 31);
        assert_eq!(on(due, date!(2027 - 01 - 29)), None, "61 days before");
        assert_eq!(on(due, date!(2027 - 01 - 30)).as_deref(), Some("due_in_60"));
        assert_eq!(on(due, date!(2027 - 03 - 16)).as_deref(), Some("due_in_60"));
        assert_eq!(on(due, date!(2027 - 03 - 17)).as_deref(), Some("due_in_14"));
        assert_eq!(
            on(due, date!(2027 - 03 - 31)).as_deref(),
            Some("due_in_14"),
            "in date all of the last day"
        );
        assert_eq!(on(due, date!(2027 - 04 - 01)).as_deref(), Some("lapsed"));
        assert_eq!(on(due, date!(2027 - 04 - 14)).as_deref(), Some("lapsed"));
        assert_eq!(
            on(due, date!(2027 - 04 - 15)).as_deref(),
            Some("overdue_reminder_1")
        );
        assert_eq!(
            on(due, date!(2027 - 04 - 29)).as_deref(),
            Some("overdue_reminder_2")
        );
    }

    #[test]
    fn a_missed_run_catches_up_with_the_latest_only() {
        let due = date!(2028 - 02 - 29);
        // Nothing ran between 60 and 14 days before: only due_in_14 is due.
        assert_eq!(on(due, date!(2028 - 02 - 20)).as_deref(), Some("due_in_14"));
        // Months overdue: one reminder, the latest.
        assert_eq!(
            on(due, date!(2028 - 06 - 01)).as_deref(),
            Some("overdue_reminder_6")
        );
    }

    #[test]
    fn offsets_are_data() {
        let rule = AlertRule {
            due_days: vec![30, 7, 1],
            overdue_every_days: 7,
        };
        let it = item(RequirementKind::Dbs, Some(date!(2027 - 01 - 10)));
        let at = |d| milestone_due(&assessed(it.clone(), d, 30), d, &rule).map(Milestone::name);
        assert_eq!(at(date!(2026 - 12 - 10)), None);
        assert_eq!(at(date!(2026 - 12 - 11)).as_deref(), Some("due_in_30"));
        assert_eq!(at(date!(2027 - 01 - 09)).as_deref(), Some("due_in_1"));
        assert_eq!(
            at(date!(2027 - 01 - 18)).as_deref(),
            Some("overdue_reminder_1")
        );
        assert!(rule.check().is_ok());
        assert!(
            AlertRule {
                overdue_every_days: 0,
                ..rule
            }
            .check()
            .is_err()
        );
    }

    #[test]
    fn registration_window_opening_is_a_milestone() {
        let mut it = item(RequirementKind::Registration, Some(date!(2028 - 04 - 30)));
        it.window_opens_on = Some(date!(2028 - 02 - 01));
        let at = |d| {
            milestone_due(&assessed(it.clone(), d, 60), d, &AlertRule::default())
                .map(Milestone::name)
        };
        assert_eq!(at(date!(2028 - 01 - 31)), None);
        assert_eq!(
            at(date!(2028 - 02 - 01)).as_deref(),
            Some("renewal_window_open")
        );
        assert_eq!(at(date!(2028 - 03 - 01)).as_deref(), Some("due_in_60"));
        assert_eq!(at(date!(2028 - 05 - 01)).as_deref(), Some("lapsed"));
    }

    #[test]
    fn no_due_date_and_cpd_have_no_milestones() {
        let today = date!(2027 - 01 - 01);
        let rule = AlertRule::default();
        assert_eq!(
            milestone_due(&item(RequirementKind::Training, None), today, &rule),
            None
        );
        assert_eq!(
            milestone_due(
                &item(RequirementKind::Cpd, Some(date!(2026 - 12 - 01))),
                today,
                &rule
            ),
            None
        );
    }

    #[test]
    fn keys_name_the_due_date_so_renewal_starts_a_new_series() {
        let old = milestone_key("u1", "bls", date!(2027 - 03 - 31), Milestone::DueIn(14));
        let new = milestone_key("u1", "bls", date!(2028 - 03 - 31), Milestone::DueIn(14));
        assert_eq!(old, "compliance-u1-bls-2027-03-31-due_in_14");
        assert_ne!(old, new);
        assert!(Milestone::Lapsed.mandatory());
        assert!(!Milestone::DueIn(60).mandatory());
    }

    #[test]
    fn the_digest_goes_once_per_iso_week_from_its_day() {
        assert_eq!(
            digest_key("l", "t", date!(2027 - 01 - 04)),
            "digest-l-t-2027-W01"
        );
        assert_eq!(
            digest_key("l", "t", date!(2026 - 12 - 31)),
            "digest-l-t-2026-W53"
        );
        assert!(digest_due(date!(2026 - 11 - 30), time::Weekday::Monday));
        assert!(!digest_due(date!(2026 - 11 - 30), time::Weekday::Wednesday));
        assert!(digest_due(date!(2026 - 12 - 03), time::Weekday::Wednesday));
    }
}
