//! The appraisal pack: a year of a person's development on a page or two
//! for their annual appraisal. CPD hours by activity type, supervision
//! sessions with their sign-off, a snapshot of training compliance,
//! audits and QI, the reflections they choose, and the objectives of their
//! development plan with progress. Pure: the caller reads the records.

use std::collections::BTreeMap;

use serde::Serialize;
use time::Date;

use super::compliance::PersonCompliance;
use super::objective::ObjectiveStatus;
use super::profile::Activity;
use super::reflection::ActivityType;

/// CPD activity of one type in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoursByType {
    pub activity_type: ActivityType,
    pub activities: usize,
    /// Hours of the activities that state them.
    pub hours: f64,
}

/// One supervision session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub record_id: String,
    pub date: Date,
    pub minutes: u32,
    pub supervision_type: String,
    /// "Signed off by … on …", or where it stands.
    pub sign_off: String,
    pub signed: bool,
}

/// One audit or QI project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditLine {
    pub record_id: String,
    pub title: String,
    pub kind: String,
    pub started_on: Date,
    pub completed_on: Option<Date>,
}

/// One reflection the person chose to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReflectionLine {
    pub record_id: String,
    pub date: Date,
    pub title: String,
    pub learning: String,
    pub impact: String,
}

/// One objective with its progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectiveLine {
    pub record_id: String,
    pub title: String,
    pub agreed_on: Date,
    pub due_on: Date,
    pub status: ObjectiveStatus,
    pub progress: String,
    /// Open and past its date on the last day of the period.
    pub overdue: bool,
    pub evidence: usize,
}

/// Training and other requirements as they stood when the pack was made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplianceLine {
    pub title: String,
    pub status: String,
    pub due_on: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppraisalPack {
    pub name: String,
    pub hcpc_number: Option<String>,
    pub from: Date,
    pub to: Date,
    pub hours_by_type: Vec<HoursByType>,
    pub total_activities: usize,
    pub total_hours: f64,
    pub supervision: Vec<Session>,
    pub compliance_today: Date,
    /// `green`, `amber` or `red`.
    pub compliance_rag: String,
    pub compliance: Vec<ComplianceLine>,
    pub audits: Vec<AuditLine>,
    pub reflections: Vec<ReflectionLine>,
    pub objectives: Vec<ObjectiveLine>,
}

/// What the pack is made of.
pub struct PackInput<'a> {
    pub name: String,
    pub hcpc_number: Option<String>,
    pub from: Date,
    pub to: Date,
    pub activities: &'a [Activity],
    pub supervision: Vec<Session>,
    pub compliance: &'a PersonCompliance,
    pub audits: Vec<AuditLine>,
    pub reflections: Vec<ReflectionLine>,
    pub objectives: Vec<ObjectiveLine>,
}

/// Whether an objective belongs in the pack for `[from, to]`: agreed by
/// the end of the period and either due within or after its start, or
/// still open.
pub fn objective_in_period(
    agreed_on: Date,
    due_on: Date,
    status: ObjectiveStatus,
    from: Date,
    to: Date,
) -> bool {
    agreed_on <= to && (due_on >= from || status.is_open())
}

pub fn build(input: PackInput<'_>) -> AppraisalPack {
    let mut by_type: BTreeMap<ActivityType, (usize, f64)> = BTreeMap::new();
    for a in input
        .activities
        .iter()
        .filter(|a| (input.from..=input.to).contains(&a.date))
    {
        let entry = by_type.entry(a.activity_type).or_default();
        entry.0 += 1;
        entry.1 += a.hours.unwrap_or(0.0);
    }
    let hours_by_type: Vec<HoursByType> = by_type
        .into_iter()
        .map(|(activity_type, (activities, hours))| HoursByType {
            activity_type,
            activities,
            hours,
        })
        .collect();
    let mut supervision = input.supervision;
    supervision.sort_by_key(|s| s.date);
    let mut audits = input.audits;
    audits.sort_by_key(|a| a.started_on);
    let mut reflections = input.reflections;
    reflections.sort_by_key(|r| r.date);
    let mut objectives = input.objectives;
    objectives.sort_by(|a, b| a.due_on.cmp(&b.due_on).then_with(|| a.title.cmp(&b.title)));
    for o in &mut objectives {
        o.overdue = o.status.is_open() && o.due_on < input.to;
    }
    AppraisalPack {
        name: input.name,
        hcpc_number: input.hcpc_number,
        from: input.from,
        to: input.to,
        total_activities: hours_by_type.iter().map(|h| h.activities).sum(),
        total_hours: hours_by_type.iter().map(|h| h.hours).sum(),
        hours_by_type,
        supervision,
        compliance_today: input.compliance.today,
        compliance_rag: input.compliance.rag.as_str().to_owned(),
        compliance: input
            .compliance
            .items
            .iter()
            .map(|i| ComplianceLine {
                title: i.title.clone(),
                status: i.status.as_str().to_owned(),
                due_on: i.due_on,
            })
            .collect(),
        audits,
        reflections,
        objectives,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::domain::compliance::{Counts, Rag};
    use crate::domain::profile::tests::activity;

    fn compliance() -> PersonCompliance {
        PersonCompliance {
            user_id: "u".into(),
            name: "Sam".into(),
            staff_groups: vec![],
            today: date!(2026 - 11 - 28),
            items: vec![],
            rag: Rag::Green,
            counts: Counts::default(),
        }
    }

    fn objective(title: &str, due_on: Date, status: ObjectiveStatus) -> ObjectiveLine {
        ObjectiveLine {
            record_id: title.into(),
            title: title.into(),
            agreed_on: date!(2025 - 04 - 01),
            due_on,
            status,
            progress: String::new(),
            overdue: false,
            evidence: 0,
        }
    }

    #[test]
    fn hours_are_summed_by_type_within_the_period_only() {
        let mut a = activity("a", date!(2026 - 01 - 10), ActivityType::WorkBasedLearning);
        a.hours = Some(1.5);
        let mut b = activity("b", date!(2026 - 02 - 10), ActivityType::WorkBasedLearning);
        b.hours = Some(2.0);
        let c = activity("c", date!(2026 - 03 - 10), ActivityType::FormalEducation);
        let outside = activity("d", date!(2025 - 03 - 10), ActivityType::FormalEducation);
        let activities = [a, b, c, outside];
        let c = compliance();
        let pack = build(PackInput {
            name: "Sam".into(),
            hcpc_number: None,
            from: date!(2025 - 12 - 01),
            to: date!(2026 - 11 - 30),
            activities: &activities,
            supervision: vec![],
            compliance: &c,
            audits: vec![],
            reflections: vec![],
            objectives: vec![
                objective("late", date!(2026 - 06 - 01), ObjectiveStatus::InProgress),
                objective("done", date!(2026 - 05 - 01), ObjectiveStatus::Achieved),
            ],
        });
        let rows: Vec<(ActivityType, usize, f64)> = pack
            .hours_by_type
            .iter()
            .map(|h| (h.activity_type, h.activities, h.hours))
            .collect();
        assert_eq!(
            rows,
            vec![
                (ActivityType::WorkBasedLearning, 2, 3.5),
                (ActivityType::FormalEducation, 1, 2.0)
            ]
        );
        assert_eq!((pack.total_activities, pack.total_hours), (3, 5.5));
        let objectives: Vec<(&str, bool)> = pack
            .objectives
            .iter()
            .map(|o| (o.title.as_str(), o.overdue))
            .collect();
        assert_eq!(objectives, vec![("done", false), ("late", true)]);
    }

    #[test]
    fn an_objective_is_in_the_period_while_open_or_due_within_it() {
        let (from, to) = (date!(2026 - 01 - 01), date!(2026 - 12 - 31));
        let agreed = date!(2025 - 04 - 01);
        let old = date!(2025 - 06 - 01);
        assert!(objective_in_period(
            agreed,
            old,
            ObjectiveStatus::InProgress,
            from,
            to
        ));
        assert!(!objective_in_period(
            agreed,
            old,
            ObjectiveStatus::Achieved,
            from,
            to
        ));
        assert!(objective_in_period(
            agreed,
            date!(2026 - 06 - 01),
            ObjectiveStatus::Achieved,
            from,
            to
        ));
        assert!(!objective_in_period(
            date!(2027 - 01 - 01),
            date!(2027 - 06 - 01),
            ObjectiveStatus::NotStarted,
            from,
            to
        ));
    }
}
