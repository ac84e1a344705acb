//! One person's compliance: each requirement that applies to them, with
//! its status and due date, worked out from the facts storage gathered
//! (latest expiry per course, latest signed-off supervision, registration,
//! DBS, appraisal, last CPD activity) and today's UK date. Nothing here
//! reads a clock or a database, so every edge (month ends, leap days, the
//! last day of a certificate, preceptorship ending) is a unit test.

use time::{Date, Duration};

use super::requirements::{Requirement, RequirementKind, Requirements};
use crate::domain::dates::{add_months, days_between};

/// Where an item stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Compliant,
    DueSoon,
    Overdue,
    Missing,
}

impl Status {
    pub const ALL: [Self; 4] = [Self::Compliant, Self::DueSoon, Self::Overdue, Self::Missing];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compliant => "compliant",
            Self::DueSoon => "due_soon",
            Self::Overdue => "overdue",
            Self::Missing => "missing",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Compliant today (due soon is still in date).
    pub fn in_date(self) -> bool {
        matches!(self, Self::Compliant | Self::DueSoon)
    }
}

/// Red if anything is overdue or missing, amber if anything is due soon,
/// green otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rag {
    Red,
    Amber,
    Green,
}

impl Rag {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Red => "red",
            Self::Amber => "amber",
            Self::Green => "green",
        }
    }
}

/// The latest completion of one course: the one whose expiry is latest
/// (a completion that never expires beats any that does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub course: String,
    pub expires_on: Option<Date>,
    /// The training record; absent in team views, which need no ids.
    pub record_id: Option<String>,
    pub verified: bool,
}

/// A dated piece of evidence (the latest signed-off supervision).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dated {
    pub date: Date,
    pub record_id: Option<String>,
}

/// Everything compliance needs to know about one person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonFacts {
    pub user_id: String,
    pub name: String,
    /// Resolved: their own groups, or their role's default.
    pub staff_groups: Vec<String>,
    pub profession: Option<String>,
    pub registration_ends: Option<Date>,
    pub qualified_on: Option<Date>,
    pub dbs_checked_on: Option<Date>,
    pub last_appraisal_on: Option<Date>,
    pub last_cpd_on: Option<Date>,
    pub last_supervision: Option<Dated>,
    /// The latest completion per course (see [`latest_per_course`]).
    pub training: Vec<Completion>,
}

/// How often supervision is due for this person's team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SupervisionInterval {
    pub weeks: u32,
    pub preceptorship_weeks: u32,
}

/// One requirement for one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub key: String,
    pub title: String,
    pub kind: RequirementKind,
    pub status: Status,
    /// The last day the item is in date; `None` when it never lapses or
    /// nothing is recorded.
    pub due_on: Option<Date>,
    /// The record it rests on, when it rests on one.
    pub evidence_id: Option<String>,
    /// Confirmed by someone other than the person: a lead verified the
    /// certificate, a supervisor signed the supervision off, an admin
    /// entered the DBS or appraisal date.
    pub verified: bool,
    /// For registration: when the renewal window opens.
    pub window_opens_on: Option<Date>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub compliant: u32,
    pub due_soon: u32,
    pub overdue: u32,
    pub missing: u32,
}

impl Counts {
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Compliant => self.compliant += 1,
            Status::DueSoon => self.due_soon += 1,
            Status::Overdue => self.overdue += 1,
            Status::Missing => self.missing += 1,
        }
    }

    pub fn rag(&self) -> Rag {
        if self.overdue + self.missing > 0 {
            Rag::Red
        } else if self.due_soon > 0 {
            Rag::Amber
        } else {
            Rag::Green
        }
    }
}

/// One person's compliance on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonCompliance {
    pub user_id: String,
    pub name: String,
    pub staff_groups: Vec<String>,
    pub today: Date,
    pub items: Vec<Item>,
    pub rag: Rag,
    pub counts: Counts,
}

/// Status of something in date up to and including `due`: due soon from
/// `warning_days` before it (0 days: no warning).
pub fn status_on(due: Date, today: Date, warning_days: u32) -> Status {
    let days = days_between(today, due);
    if days < 0 {
        Status::Overdue
    } else if warning_days > 0 && days <= i64::from(warning_days) {
        Status::DueSoon
    } else {
        Status::Compliant
    }
}

/// Keeps, per course, the completion that lasts longest; between equal
/// expiries a verified one.
pub fn latest_per_course(completions: Vec<Completion>) -> Vec<Completion> {
    let mut best: Vec<Completion> = Vec::new();
    for c in completions {
        let rank = |x: &Completion| (x.expires_on.is_none(), x.expires_on, x.verified);
        match best.iter_mut().find(|b| b.course == c.course) {
            Some(b) if rank(&c) > rank(b) => *b = c,
            Some(_) => {}
            None => best.push(c),
        }
    }
    best
}

/// The last day supervision is in date after a session on `last`: the
/// preceptorship interval while the next session would still fall in the
/// first `preceptorship_months` after qualifying, the team's usual one
/// after that.
pub fn supervision_due(
    last: Date,
    qualified_on: Option<Date>,
    interval: SupervisionInterval,
    preceptorship_months: u32,
) -> Date {
    let weeks = |w: u32| Duration::weeks(i64::from(w));
    let tight = last + weeks(interval.preceptorship_weeks);
    let preceptorship_ends =
        qualified_on.and_then(|q| add_months(q, i32::try_from(preceptorship_months).ok()?));
    match preceptorship_ends {
        Some(ends) if tight < ends => tight,
        _ => last + weeks(interval.weeks),
    }
}

/// Every requirement that applies to the person, with its status today.
pub fn assess(
    facts: &PersonFacts,
    requirements: &Requirements,
    list: &[Requirement],
    interval: SupervisionInterval,
    today: Date,
) -> PersonCompliance {
    let mut counts = Counts::default();
    let items: Vec<Item> = judge_all(facts, requirements, list, interval, today)
        .map(|(i, judged)| {
            counts.add(judged.status);
            judged.into_item(&list[i])
        })
        .collect();
    PersonCompliance {
        user_id: facts.user_id.clone(),
        name: facts.name.clone(),
        staff_groups: facts.staff_groups.clone(),
        today,
        items,
        rag: counts.rag(),
        counts,
    }
}

/// Where one requirement stands for one person, borrowing from their
/// facts: what views that only count (the organisation roll-up, the alert
/// scan) read without copying a key or title per person and item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judgement<'a> {
    pub status: Status,
    pub due_on: Option<Date>,
    pub evidence_id: Option<&'a str>,
    pub verified: bool,
    pub window_opens_on: Option<Date>,
}

impl Judgement<'_> {
    /// The item of requirement `r` this judgement is about.
    pub fn into_item(self, r: &Requirement) -> Item {
        Item {
            key: r.key.clone(),
            title: r.title.clone(),
            kind: r.kind,
            status: self.status,
            due_on: self.due_on,
            evidence_id: self.evidence_id.map(str::to_owned),
            verified: self.verified,
            window_opens_on: self.window_opens_on,
        }
    }
}

/// Each requirement of `list` that applies to the person (by its position
/// in `list`), judged today.
pub fn judge_all<'a>(
    facts: &'a PersonFacts,
    requirements: &'a Requirements,
    list: &'a [Requirement],
    interval: SupervisionInterval,
    today: Date,
) -> impl Iterator<Item = (usize, Judgement<'a>)> + 'a {
    list.iter()
        .enumerate()
        .filter(|(_, r)| r.applies_to(&facts.staff_groups))
        .map(move |(i, r)| (i, judge(facts, requirements, r, interval, today)))
}

fn judge<'a>(
    facts: &'a PersonFacts,
    requirements: &Requirements,
    r: &Requirement,
    interval: SupervisionInterval,
    today: Date,
) -> Judgement<'a> {
    let mut judged = Judgement {
        status: Status::Missing,
        due_on: None,
        evidence_id: None,
        verified: false,
        window_opens_on: None,
    };
    let months = |date: Date, n: u32| add_months(date, i32::try_from(n).ok()?);
    let due = match r.kind {
        RequirementKind::Training => {
            let Some(c) = facts.training.iter().find(|c| c.course == r.key) else {
                return judged;
            };
            judged.evidence_id = c.record_id.as_deref();
            judged.verified = c.verified;
            match c.expires_on {
                Some(expires) => Some(expires),
                None => {
                    judged.status = Status::Compliant;
                    return judged;
                }
            }
        }
        RequirementKind::Supervision => facts.last_supervision.as_ref().map(|s| {
            judged.evidence_id = s.record_id.as_deref();
            judged.verified = true;
            supervision_due(
                s.date,
                facts.qualified_on,
                interval,
                requirements.supervision.preceptorship_months,
            )
        }),
        RequirementKind::Registration => {
            let profession = facts
                .profession
                .as_deref()
                .and_then(|p| requirements.registration.professions.get(p));
            match (profession, facts.registration_ends) {
                (Some(p), Some(ends)) => {
                    judged.window_opens_on = p.window_opens(ends);
                    Some(ends)
                }
                _ => None,
            }
        }
        RequirementKind::Dbs => facts.dbs_checked_on.and_then(|d| {
            judged.verified = true;
            months(d, requirements.dbs.interval_months)
        }),
        RequirementKind::Appraisal => facts.last_appraisal_on.and_then(|d| {
            judged.verified = true;
            months(d, requirements.appraisal.interval_months)
        }),
        RequirementKind::Cpd => facts
            .last_cpd_on
            .map(|d| d + Duration::days(i64::from(requirements.cpd.days))),
    };
    if let Some(due) = due {
        judged.due_on = Some(due);
        judged.status = status_on(due, today, r.warning_days);
        if judged.status == Status::Compliant && judged.window_opens_on.is_some_and(|w| today >= w)
        {
            judged.status = Status::DueSoon;
        }
    }
    judged
}

#[cfg(test)]
mod tests {
    use super::super::requirements::tests::{course, shipped};
    use super::super::requirements::{APPRAISAL, CPD, DBS, REGISTRATION, SUPERVISION};
    use super::*;
    use time::macros::date;

    const USUAL: SupervisionInterval = SupervisionInterval {
        weeks: 6,
        preceptorship_weeks: 4,
    };

    fn everyone() -> Vec<String> {
        ["all", "patient_facing", "clinical", "registered"]
            .map(String::from)
            .to_vec()
    }

    fn completion(course: &str, expires: Option<Date>, id: &str, verified: bool) -> Completion {
        Completion {
            course: course.into(),
            expires_on: expires,
            record_id: Some(id.into()),
            verified,
        }
    }

    fn item<'a>(p: &'a PersonCompliance, key: &str) -> &'a Item {
        p.items.iter().find(|i| i.key == key).unwrap()
    }

    #[test]
    fn a_certificate_is_in_date_all_of_its_last_day() {
        assert_eq!(
            status_on(date!(2026 - 03 - 31), date!(2026 - 03 - 31), 0),
            Status::Compliant
        );
        assert_eq!(
            status_on(date!(2026 - 03 - 31), date!(2026 - 04 - 01), 0),
            Status::Overdue
        );
    }

    #[test]
    fn the_warning_window_includes_both_edges() {
        let due = date!(2026 - 06 - 30);
        assert_eq!(status_on(due, date!(2026 - 04 - 30), 60), Status::Compliant);
        assert_eq!(status_on(due, date!(2026 - 05 - 01), 60), Status::DueSoon);
        assert_eq!(status_on(due, due, 60), Status::DueSoon);
        assert_eq!(status_on(due, date!(2026 - 07 - 01), 60), Status::Overdue);
    }

    #[test]
    fn the_longest_lasting_completion_wins() {
        let latest = latest_per_course(vec![
            completion("fire", Some(date!(2025 - 01 - 31)), "a", true),
            completion("fire", Some(date!(2027 - 01 - 31)), "b", false),
            completion("fire", Some(date!(2026 - 01 - 31)), "c", true),
            completion("once", Some(date!(2030 - 01 - 01)), "d", false),
            completion("once", None, "e", false),
            completion("bls", Some(date!(2026 - 05 - 01)), "f", false),
            completion("bls", Some(date!(2026 - 05 - 01)), "g", true),
        ]);
        let ids: Vec<_> = latest
            .iter()
            .map(|c| c.record_id.as_deref().unwrap())
            .collect();
        assert_eq!(ids, ["b", "e", "g"]);
    }

    #[test]
    fn supervision_is_due_more_often_in_preceptorship() {
        let qualified = Some(date!(2025 - 09 - 15));
        // Preceptorship ends 15 September 2026.
        assert_eq!(
            supervision_due(date!(2026 - 03 - 02), qualified, USUAL, 12),
            date!(2026 - 03 - 30)
        );
        // The next session would fall on the day preceptorship ends: the
        // usual interval applies.
        assert_eq!(
            supervision_due(date!(2026 - 08 - 18), qualified, USUAL, 12),
            date!(2026 - 09 - 29)
        );
        assert_eq!(
            supervision_due(date!(2026 - 08 - 17), qualified, USUAL, 12),
            date!(2026 - 09 - 14)
        );
        assert_eq!(
            supervision_due(date!(2026 - 03 - 02), None, USUAL, 12),
            date!(2026 - 04 - 13)
        );
    }

    fn facts() -> PersonFacts {
        PersonFacts {
            user_id: "u".into(),
            name: "Sam".into(),
            staff_groups: everyone(),
            profession: Some("occupational_therapist".into()),
            registration_ends: Some(date!(2027 - 10 - 31)),
            qualified_on: None,
            dbs_checked_on: Some(date!(2024 - 02 - 29)),
            last_appraisal_on: Some(date!(2025 - 01 - 31)),
            last_cpd_on: Some(date!(2026 - 03 - 01)),
            last_supervision: Some(Dated {
                date: date!(2026 - 03 - 10),
                record_id: Some("s1".into()),
            }),
            training: vec![
                completion("fire", Some(date!(2026 - 03 - 31)), "t1", true),
                completion("bls", Some(date!(2026 - 06 - 01)), "t2", false),
            ],
        }
    }

    fn person(f: &PersonFacts, today: Date) -> PersonCompliance {
        let r = shipped();
        let catalogue = [
            course("fire", 24, &["all"]),
            course("bls", 12, &["clinical"]),
            course("safeguarding", 36, &["registered"]),
            course("drivers", 36, &[]),
        ];
        assess(f, &r, &r.list(&catalogue), USUAL, today)
    }

    #[test]
    fn every_requirement_gets_a_status_and_a_due_date() {
        let p = person(&facts(), date!(2026 - 03 - 31));
        let got: Vec<(&str, &str, Option<Date>)> = p
            .items
            .iter()
            .map(|i| (i.key.as_str(), i.status.as_str(), i.due_on))
            .collect();
        assert_eq!(
            got,
            [
                ("fire", "due_soon", Some(date!(2026 - 03 - 31))),
                ("bls", "compliant", Some(date!(2026 - 06 - 01))),
                ("safeguarding", "missing", None),
                (SUPERVISION, "compliant", Some(date!(2026 - 04 - 21))),
                (REGISTRATION, "compliant", Some(date!(2027 - 10 - 31))),
                // 29 February 2024 + 36 months: 28 February 2027.
                (DBS, "compliant", Some(date!(2027 - 02 - 28))),
                // 31 January 2025 + 12 months.
                (APPRAISAL, "overdue", Some(date!(2026 - 01 - 31))),
                (CPD, "compliant", Some(date!(2026 - 05 - 30))),
            ]
        );
        assert_eq!(p.rag, Rag::Red);
        assert_eq!(
            p.counts,
            Counts {
                compliant: 5,
                due_soon: 1,
                overdue: 1,
                missing: 1
            }
        );
        let fire = item(&p, "fire");
        assert_eq!(
            (fire.evidence_id.as_deref(), fire.verified),
            (Some("t1"), true)
        );
        assert!(!item(&p, "bls").verified);
        assert_eq!(item(&p, SUPERVISION).evidence_id.as_deref(), Some("s1"));
        assert_eq!(
            item(&p, REGISTRATION).window_opens_on,
            Some(date!(2027 - 08 - 01))
        );
        // The day after, the fire safety certificate has lapsed.
        let next = person(&facts(), date!(2026 - 04 - 01));
        assert_eq!(item(&next, "fire").status, Status::Overdue);
    }

    #[test]
    fn only_the_groups_requirements_apply_and_all_green_is_green() {
        let mut f = facts();
        f.staff_groups = vec!["all".into()];
        f.last_appraisal_on = Some(date!(2026 - 01 - 31));
        let p = person(&f, date!(2026 - 01 - 01));
        let keys: Vec<&str> = p.items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["fire", APPRAISAL]);
        assert_eq!(p.rag, Rag::Green);
        let nobody = PersonFacts {
            staff_groups: vec![],
            ..facts()
        };
        assert!(person(&nobody, date!(2026 - 01 - 01)).items.is_empty());
    }

    #[test]
    fn registration_is_due_soon_once_the_renewal_window_opens() {
        let f = facts();
        let r = |today| item(&person(&f, today), REGISTRATION).status;
        assert_eq!(r(date!(2027 - 07 - 31)), Status::Compliant);
        assert_eq!(r(date!(2027 - 08 - 01)), Status::DueSoon);
        assert_eq!(r(date!(2027 - 10 - 31)), Status::DueSoon);
        assert_eq!(r(date!(2027 - 11 - 01)), Status::Overdue);
        let mut unknown = facts();
        unknown.profession = Some("juggler".into());
        assert_eq!(
            item(&person(&unknown, date!(2026 - 01 - 01)), REGISTRATION).status,
            Status::Missing
        );
    }

    #[test]
    fn a_newly_qualified_person_is_supervised_every_four_weeks() {
        let mut f = facts();
        f.qualified_on = Some(date!(2025 - 09 - 01));
        let p = person(&f, date!(2026 - 03 - 31));
        let s = item(&p, SUPERVISION);
        assert_eq!(s.due_on, Some(date!(2026 - 04 - 07)));
        assert_eq!(s.status, Status::DueSoon);
        f.last_supervision = None;
        assert_eq!(
            item(&person(&f, date!(2026 - 03 - 31)), SUPERVISION).status,
            Status::Missing
        );
    }

    #[test]
    fn month_ends_and_leap_days_in_intervals() {
        let mut f = facts();
        f.dbs_checked_on = Some(date!(2024 - 02 - 29));
        f.last_appraisal_on = Some(date!(2024 - 02 - 29));
        let p = person(&f, date!(2024 - 03 - 01));
        assert_eq!(item(&p, APPRAISAL).due_on, Some(date!(2025 - 02 - 28)));
        assert_eq!(item(&p, DBS).due_on, Some(date!(2027 - 02 - 28)));
        f.last_appraisal_on = Some(date!(2027 - 02 - 28));
        f.dbs_checked_on = Some(date!(2025 - 01 - 31));
        let p = person(&f, date!(2027 - 03 - 01));
        // 28 February 2027 + 12 months is 29 February 2028 only if the
        // day were the 29th; it stays the 28th.
        assert_eq!(item(&p, APPRAISAL).due_on, Some(date!(2028 - 02 - 28)));
        assert_eq!(item(&p, DBS).due_on, Some(date!(2028 - 01 - 31)));
        assert_eq!(
            add_months(date!(2024 - 02 - 29), 24),
            Some(date!(2026 - 02 - 28))
        );
        assert_eq!(
            add_months(date!(2024 - 02 - 29), 48),
            Some(date!(2028 - 02 - 29))
        );
    }

    #[test]
    fn intervals_in_months_clamp_to_the_end_of_a_shorter_month() {
        let mut r = shipped();
        let mut f = facts();
        f.last_appraisal_on = Some(date!(2025 - 01 - 31));
        r.appraisal.interval_months = 1;
        let list = r.list(&[]);
        let due = |r: &Requirements, f: &PersonFacts, key: &str| {
            assess(f, r, &r.list(&[]), USUAL, date!(2025 - 01 - 31))
                .items
                .into_iter()
                .find(|i| i.key == key)
                .and_then(|i| i.due_on)
        };
        assert_eq!(list.len(), 5);
        assert_eq!(due(&r, &f, APPRAISAL), Some(date!(2025 - 02 - 28)));
        f.last_appraisal_on = Some(date!(2024 - 01 - 31));
        assert_eq!(due(&r, &f, APPRAISAL), Some(date!(2024 - 02 - 29)));
        // 29 February + 12, 24, 36 and 48 months.
        f.dbs_checked_on = Some(date!(2024 - 02 - 29));
        for (months, expected) in [
            (12, date!(2025 - 02 - 28)),
            (24, date!(2026 - 02 - 28)),
            (36, date!(2027 - 02 - 28)),
            (48, date!(2028 - 02 - 29)),
        ] {
            r.dbs.interval_months = months;
            assert_eq!(due(&r, &f, DBS), Some(expected), "{months} months");
        }
    }

    #[test]
    fn a_uk_summer_evening_is_already_the_next_day() {
        use crate::domain::dates::uk_date;
        use time::macros::datetime;
        // 23:30 UTC on 31 March 2026 is 00:30 on 1 April in London.
        let today = uk_date(datetime!(2026-03-31 23:30 UTC));
        assert_eq!(
            item(&person(&facts(), today), "fire").status,
            Status::Overdue
        );
        // 23:30 UTC on 30 March is 00:30 on 31 March: still in date.
        let today = uk_date(datetime!(2026-03-30 23:30 UTC));
        assert_eq!(
            item(&person(&facts(), today), "fire").status,
            Status::DueSoon
        );
        // In winter London is on UTC: 23:30 on 31 January is still the 31st.
        let mut f = facts();
        f.training[0].expires_on = Some(date!(2027 - 01 - 31));
        let today = uk_date(datetime!(2027-01-31 23:30 UTC));
        assert_eq!(item(&person(&f, today), "fire").status, Status::DueSoon);
    }
}
