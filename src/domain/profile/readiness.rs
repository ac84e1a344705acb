//! Would this record pass an HCPC CPD audit today? Each of the five CPD
//! standards is judged from what the profile for the current registration
//! period would contain, with the reason and the one concrete thing to do
//! next. Standards 1 to 4 are what assessors judge; standard 5 (submit a
//! profile when asked) is judged here as "the profile could be sent
//! today". The judgements are deliberately the checks an assessor makes
//! first, not a prediction of their decision.

use serde::Serialize;
use time::Date;

use super::{Activity, CpdProfile, GAP_MONTHS};
use crate::domain::dates::{add_months, long_uk};
use crate::domain::reflection::ActivityType;

/// One standard's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StandardVerdict {
    pub standard: u8,
    pub title: &'static str,
    pub met: bool,
    /// Why, in a sentence that names dates and counts.
    pub reason: String,
    /// What to do next; `None` when the standard is met.
    pub next_step: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Readiness {
    pub from: Date,
    pub to: Date,
    pub ready: bool,
    pub standards: Vec<StandardVerdict>,
}

/// What the verdict is judged from: the profile for `[from, to]`, the
/// activities in it (for their written impact and benefit), and how many
/// patient-identifier warnings are open in its records.
pub struct Evidence<'a> {
    pub profile: &'a CpdProfile,
    pub activities: &'a [Activity],
    pub open_pii_flags: usize,
}

pub fn assess(evidence: &Evidence<'_>) -> Readiness {
    let standards = vec![
        continuous(evidence.profile),
        mixture(evidence.profile),
        written(
            3,
            "CPD has contributed to the quality of your practice",
            evidence.activities,
            |a| &a.impact,
            "say how it changed your practice",
            "\"Impact on my practice\"",
        ),
        written(
            4,
            "CPD has benefited service users",
            evidence.activities,
            |a| &a.benefit,
            "say how service users benefited",
            "\"Benefit to service users\"",
        ),
        submittable(evidence),
    ];
    Readiness {
        from: evidence.profile.from,
        to: evidence.profile.to,
        ready: standards.iter().all(|s| s.met),
        standards,
    }
}

fn verdict(
    standard: u8,
    title: &'static str,
    problem: Option<(String, String)>,
    ok: String,
) -> StandardVerdict {
    match problem {
        None => StandardVerdict {
            standard,
            title,
            met: true,
            reason: ok,
            next_step: None,
        },
        Some((reason, next)) => StandardVerdict {
            standard,
            title,
            met: false,
            reason,
            next_step: Some(next),
        },
    }
}

/// Standard 1: a continuous, up-to-date record (no gap of three months).
fn continuous(p: &CpdProfile) -> StandardVerdict {
    let title = "A continuous, up-to-date record of your CPD";
    let last = p.activities.iter().map(|a| a.date).max();
    let problem = match (p.checks.gaps.iter().find(|g| g.open), p.checks.gaps.first()) {
        _ if p.activities.is_empty() => Some((
            format!("No CPD is recorded since {}.", long_uk(p.from)),
            "Record the CPD you have done this registration period, starting with the most recent."
                .to_owned(),
        )),
        (Some(open), _) => Some((
            format!(
                "No entry since {}: {} days, more than {GAP_MONTHS} months.",
                long_uk(open.from),
                open.days
            ),
            format!("No entry since {}: add one.", long_uk(open.from)),
        )),
        (None, Some(gap)) => Some((
            format!(
                "Nothing is recorded between {} and {} ({} days).",
                long_uk(gap.from),
                long_uk(gap.to),
                gap.days
            ),
            format!(
                "Add what you did between {} and {}, or explain the gap (leave, illness) in your statement.",
                long_uk(gap.from),
                long_uk(gap.to)
            ),
        )),
        (None, None) => None,
    };
    let ok = format!(
        "{} activities with no gap of {GAP_MONTHS} months; the latest on {}.",
        p.activities.len(),
        last.map(long_uk).unwrap_or_default()
    );
    verdict(1, title, problem, ok)
}

/// Standard 2: a mixture of learning activities (two types or more).
fn mixture(p: &CpdProfile) -> StandardVerdict {
    let title = "A mixture of learning activities relevant to your practice";
    let types = &p.checks.mixture.types;
    let problem = match types.as_slice() {
        [] => Some((
            "No activities are recorded, so there is no mixture.".to_owned(),
            "Record activities of at least two types (for example work-based learning and a course).".to_owned(),
        )),
        [only] => {
            let others: Vec<&str> = ActivityType::ALL
                .iter()
                .filter(|t| **t != only.activity_type && **t != ActivityType::Other)
                .map(|t| t.label())
                .collect();
            Some((
                format!("All {} activities are {}.", only.count, only.label.to_lowercase()),
                format!("Add an activity of another type: {}.", others.join(", ").to_lowercase()),
            ))
        }
        _ => None,
    };
    let ok = format!(
        "{} types: {}.",
        types.len(),
        types
            .iter()
            .map(|t| format!("{} ({})", t.label.to_lowercase(), t.count))
            .collect::<Vec<_>>()
            .join(", ")
    );
    verdict(2, title, problem, ok)
}

/// Standards 3 and 4: some activities say, in the person's own words, how
/// their practice changed or how service users benefited.
fn written(
    standard: u8,
    title: &'static str,
    activities: &[Activity],
    text: impl Fn(&Activity) -> &String,
    what: &str,
    field: &str,
) -> StandardVerdict {
    let with = activities
        .iter()
        .filter(|a| !text(a).trim().is_empty())
        .count();
    let problem = (with == 0).then(|| {
        (
            format!("None of the {} activities {what}.", activities.len()),
            format!("Choose an activity that made a difference and fill in {field}."),
        )
    });
    let ok = format!("{with} of {} activities {what}.", activities.len());
    verdict(standard, title, problem, ok)
}

/// Standard 5: a profile that could be sent today.
fn submittable(e: &Evidence<'_>) -> StandardVerdict {
    let title = "A CPD profile ready to send if you are selected for audit";
    let p = e.profile;
    let problem = if p.practice_summary.text.is_empty() {
        Some((
            "Your summary of practice is empty.".to_owned(),
            "Write your summary of practice (up to 500 words) on your account page.".to_owned(),
        ))
    } else if !p.practice_summary.within_limit {
        Some((
            format!(
                "Your summary of practice has {} words; the limit is {}.",
                p.practice_summary.words, p.practice_summary.word_limit
            ),
            format!(
                "Shorten your summary of practice by {} words.",
                p.practice_summary.words - p.practice_summary.word_limit
            ),
        ))
    } else if !p.statement.within_limit {
        Some((
            format!(
                "The statement has {} words; the limit is {}.",
                p.statement.words, p.statement.word_limit
            ),
            "Download the profile as Markdown and cut the statement to the activities that show standards 3 and 4 best.".to_owned(),
        ))
    } else if e.open_pii_flags > 0 {
        Some((
            format!(
                "{} passage(s) in your records may identify a service user.",
                e.open_pii_flags
            ),
            "Open the CPD profile page, then edit each passage out or mark it checked.".to_owned(),
        ))
    } else if p.person.hcpc_number.is_none() {
        Some((
            "Your HCPC registration number is not recorded.".to_owned(),
            "Add your registration number on your account page.".to_owned(),
        ))
    } else if p.activities.is_empty() {
        Some((
            "There is no activity to list or evidence to number.".to_owned(),
            "Record your CPD activities first.".to_owned(),
        ))
    } else {
        None
    };
    let ok = format!(
        "Summary {} words, statement {} words, {} numbered evidence items.",
        p.practice_summary.words,
        p.statement.words,
        p.evidence.len()
    );
    verdict(5, title, problem, ok)
}

/// The registration period to judge, up to `today`: the cycle ending on
/// `cycle_end` (`cycle_years` long) when known, else the two years to today.
pub fn period(today: Date, cycle: Option<(Date, u32)>) -> Option<(Date, Date)> {
    let months_back = |years: u32| -i32::try_from(years * 12).unwrap_or(24);
    let from = match cycle {
        Some((end, years)) if end >= today => add_months(end, months_back(years))?.next_day()?,
        _ => add_months(today, -24)?,
    };
    Some((from.min(today), today))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::domain::profile::build;
    use crate::domain::profile::tests::{activity, person};

    const TODAY: Date = date!(2026 - 11 - 25);

    fn judge(activities: &[Activity], summary: &str, flags: usize) -> Readiness {
        let from = date!(2025 - 11 - 01);
        let profile = build(person(summary), from, TODAY, activities);
        assess(&Evidence {
            profile: &profile,
            activities,
            open_pii_flags: flags,
        })
    }

    /// An activity a month from November 2025, alternating two types.
    fn regular() -> Vec<Activity> {
        (0..13)
            .map(|m| {
                let on = add_months(date!(2025 - 11 - 10), m).unwrap();
                let kind = if m % 2 == 0 {
                    ActivityType::WorkBasedLearning
                } else {
                    ActivityType::FormalEducation
                };
                activity(&format!("a{m}"), on, kind)
            })
            .collect()
    }

    fn unmet(r: &Readiness) -> Vec<(u8, &str)> {
        r.standards
            .iter()
            .filter(|s| !s.met)
            .map(|s| (s.standard, s.next_step.as_deref().unwrap()))
            .collect()
    }

    #[test]
    fn a_regular_varied_reflective_record_is_ready() {
        let r = judge(&regular(), "I am an OT in a GP practice.", 0);
        assert!(r.ready, "{r:#?}");
        assert_eq!(
            r.standards
                .iter()
                .map(|s| s.reason.as_str())
                .collect::<Vec<_>>(),
            vec![
                "13 activities with no gap of 3 months; the latest on 10 November 2026.",
                "2 types: work-based learning (7), formal / educational (6).",
                "13 of 13 activities say how it changed your practice.",
                "13 of 13 activities say how service users benefited.",
                "Summary 8 words, statement 429 words, 14 numbered evidence items.",
            ]
        );
    }

    #[test]
    fn an_open_gap_names_the_last_entry_and_asks_for_one() {
        let acts: Vec<Activity> = regular()
            .into_iter()
            .filter(|a| a.date <= date!(2026 - 07 - 12))
            .collect();
        let r = judge(&acts, "Summary.", 0);
        assert!(!r.ready);
        assert_eq!(
            unmet(&r),
            vec![(1, "No entry since 10 July 2026: add one.")]
        );
    }

    #[test]
    fn one_type_no_impact_no_benefit_and_open_flags_each_say_what_to_do() {
        let acts: Vec<Activity> = regular()
            .into_iter()
            .map(|mut a| {
                a.activity_type = ActivityType::SelfDirectedLearning;
                a.impact.clear();
                a.benefit = " ".into();
                a
            })
            .collect();
        let r = judge(&acts, "Summary.", 2);
        assert_eq!(
            unmet(&r),
            vec![
                (
                    2,
                    "Add an activity of another type: work-based learning, professional activity, formal / educational."
                ),
                (
                    3,
                    "Choose an activity that made a difference and fill in \"Impact on my practice\"."
                ),
                (
                    4,
                    "Choose an activity that made a difference and fill in \"Benefit to service users\"."
                ),
                (
                    5,
                    "Open the CPD profile page, then edit each passage out or mark it checked."
                ),
            ]
        );
        assert_eq!(
            r.standards[1].reason,
            "All 13 activities are self-directed learning."
        );
    }

    #[test]
    fn an_empty_record_fails_every_standard() {
        let r = judge(&[], "", 0);
        assert_eq!(
            unmet(&r).iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5]
        );
        assert_eq!(
            r.standards[0].reason,
            "No CPD is recorded since 1 November 2025."
        );
        assert_eq!(
            r.standards[4].next_step.as_deref(),
            Some("Write your summary of practice (up to 500 words) on your account page.")
        );
    }

    #[test]
    fn a_long_summary_is_flagged_with_how_much_to_cut() {
        let long = "word ".repeat(512);
        let r = judge(&regular(), &long, 0);
        assert_eq!(
            unmet(&r),
            vec![(5, "Shorten your summary of practice by 12 words.")]
        );
    }

    #[test]
    fn the_period_is_the_registration_cycle_to_today() {
        assert_eq!(
            period(TODAY, Some((date!(2027 - 10 - 31), 2))),
            Some((date!(2025 - 11 - 01), TODAY))
        );
        assert_eq!(period(TODAY, None), Some((date!(2024 - 11 - 25), TODAY)));
        // A registration end already passed is no guide: the last two years.
        assert_eq!(
            period(TODAY, Some((date!(2025 - 10 - 31), 2))),
            Some((date!(2024 - 11 - 25), TODAY))
        );
    }
}
