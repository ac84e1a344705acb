//! A team's compliance: the matrix of members × requirements a lead reads,
//! the share of each requirement in date against the team's target, and
//! what lapses in the next 30, 60 and 90 days. Built from each member's
//! [`PersonCompliance`], so the team view and the person view can never
//! disagree. Only statuses and dates: nothing here carries record content.

use time::Date;

use super::requirements::Requirement;
use super::status::{Counts, Item, PersonCompliance, Rag, Status};
use crate::domain::dates::days_between;
use crate::domain::error::FieldError;

/// A team's own settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamSettings {
    pub supervision_weeks: u32,
    pub preceptorship_weeks: u32,
    pub target_percent: u32,
}

/// A change to a team's settings; `None` leaves a value as it is.
/// Values come as the client sent them, so a negative number is a field
/// error rather than a parse failure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TeamSettingsUpdate {
    pub supervision_weeks: Option<i64>,
    pub preceptorship_weeks: Option<i64>,
    pub target_percent: Option<i64>,
}

impl TeamSettings {
    /// `self` with the update applied, or every field that is wrong.
    pub fn updated(self, update: TeamSettingsUpdate) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut take = |field: &str,
                        value: Option<i64>,
                        range: std::ops::RangeInclusive<u32>,
                        current: u32| {
            match value {
                None => current,
                Some(v) => match u32::try_from(v).ok().filter(|v| range.contains(v)) {
                    Some(v) => v,
                    None => {
                        errors.push(FieldError::new(
                            field,
                            format!(
                                "must be a whole number from {} to {}",
                                range.start(),
                                range.end()
                            ),
                        ));
                        current
                    }
                },
            }
        };
        let next = Self {
            supervision_weeks: take(
                "supervision_weeks",
                update.supervision_weeks,
                1..=52,
                self.supervision_weeks,
            ),
            preceptorship_weeks: take(
                "preceptorship_weeks",
                update.preceptorship_weeks,
                1..=52,
                self.preceptorship_weeks,
            ),
            target_percent: take(
                "target_percent",
                update.target_percent,
                0..=100,
                self.target_percent,
            ),
        };
        if errors.is_empty() && next.preceptorship_weeks > next.supervision_weeks {
            errors.push(FieldError::new(
                "preceptorship_weeks",
                "must be at most supervision_weeks (preceptorship is supervised at least as often)",
            ));
        }
        if errors.is_empty() {
            Ok(next)
        } else {
            Err(errors)
        }
    }
}

/// Which part of the matrix to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamFilter {
    /// Only members in this staff group.
    pub staff_group: Option<String>,
    /// Only cells with this status (summaries still count every cell).
    pub status: Option<Status>,
    /// Only this requirement.
    pub requirement: Option<String>,
}

impl TeamFilter {
    /// Reads the query values, refusing names that are not known.
    pub fn parse(
        staff_group: Option<&str>,
        status: Option<&str>,
        requirement: Option<&str>,
        is_group: impl Fn(&str) -> bool,
        requirements: &[Requirement],
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(g) = staff_group.filter(|g| !is_group(g)) {
            errors.push(FieldError::new(
                "staff_group",
                format!("{g:?} is not a staff group in content/compliance/requirements.toml"),
            ));
        }
        let parsed_status = status.map(|s| (s, Status::parse(s)));
        if let Some((s, None)) = parsed_status {
            errors.push(FieldError::new(
                "status",
                format!("{s:?} is not one of compliant, due_soon, overdue, missing"),
            ));
        }
        if let Some(r) = requirement.filter(|r| !requirements.iter().any(|x| x.key == *r)) {
            errors.push(FieldError::new(
                "requirement",
                format!("{r:?} is not a compliance requirement"),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            staff_group: staff_group.map(str::to_owned),
            status: parsed_status.and_then(|(_, s)| s),
            requirement: requirement.map(str::to_owned),
        })
    }
}

/// One member's row of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub user_id: String,
    pub name: String,
    pub staff_groups: Vec<String>,
    /// Over every requirement of theirs, whatever the filter shows.
    pub rag: Rag,
    pub counts: Counts,
    pub items: Vec<Item>,
}

/// How much of one requirement (or of everything) is in date.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    /// Member × requirement cells it applies to.
    pub required: u32,
    /// Of those, compliant or due soon.
    pub in_date: u32,
    /// `in_date / required` as a percentage to one decimal; `None` when
    /// nothing is required.
    pub percent: Option<f64>,
    pub meets_target: bool,
}

impl Share {
    pub(super) fn of(required: u32, in_date: u32, target_percent: u32) -> Self {
        let percent = (required > 0).then(|| {
            let tenths =
                (u64::from(in_date) * 1000 + u64::from(required) / 2) / u64::from(required);
            // At most 1000: exact in f64.
            f64::from(u32::try_from(tenths).unwrap_or(1000)) / 10.0
        });
        Self {
            required,
            in_date,
            percent,
            meets_target: u64::from(in_date) * 100
                >= u64::from(target_percent) * u64::from(required),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequirementShare {
    pub key: String,
    pub title: String,
    pub share: Share,
}

/// An item in date today that lapses within 90 days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lapse {
    pub user_id: String,
    pub name: String,
    pub key: String,
    pub title: String,
    pub due_on: Date,
    /// Days from today to the last day in date.
    pub days: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TeamCompliance {
    pub today: Date,
    pub target_percent: u32,
    pub members: Vec<MemberRow>,
    pub requirements: Vec<RequirementShare>,
    pub overall: Share,
    pub lapsing_30: u32,
    pub lapsing_60: u32,
    pub lapsing_90: u32,
    /// Soonest first.
    pub lapsing: Vec<Lapse>,
}

/// The team view of `people` (already assessed), filtered.
pub fn aggregate(
    people: Vec<PersonCompliance>,
    requirements: &[Requirement],
    target_percent: u32,
    filter: &TeamFilter,
    today: Date,
) -> TeamCompliance {
    let wanted_requirement = |key: &str| filter.requirement.as_deref().is_none_or(|r| r == key);
    let people: Vec<PersonCompliance> = people
        .into_iter()
        .filter(|p| {
            filter
                .staff_group
                .as_ref()
                .is_none_or(|g| p.staff_groups.contains(g))
        })
        .collect();
    let shares: Vec<RequirementShare> = requirements
        .iter()
        .filter(|r| wanted_requirement(&r.key))
        .map(|r| {
            let cells = people
                .iter()
                .flat_map(|p| p.items.iter().filter(|i| i.key == r.key));
            let (required, in_date) = cells.fold((0, 0), |(n, ok), i| {
                (n + 1, ok + u32::from(i.status.in_date()))
            });
            RequirementShare {
                key: r.key.clone(),
                title: r.title.clone(),
                share: Share::of(required, in_date, target_percent),
            }
        })
        .collect();
    let (required, in_date) = shares.iter().fold((0, 0), |(n, ok), s| {
        (n + s.share.required, ok + s.share.in_date)
    });
    let mut lapsing: Vec<Lapse> = people
        .iter()
        .flat_map(|p| {
            p.items.iter().filter_map(move |i| {
                let due = i.due_on.filter(|_| i.status.in_date())?;
                let days = days_between(today, due);
                (wanted_requirement(&i.key) && days <= 90).then(|| Lapse {
                    user_id: p.user_id.clone(),
                    name: p.name.clone(),
                    key: i.key.clone(),
                    title: i.title.clone(),
                    due_on: due,
                    days,
                })
            })
        })
        .collect();
    lapsing.sort_by(|a, b| (a.due_on, &a.name, &a.key).cmp(&(b.due_on, &b.name, &b.key)));
    let within =
        |n: i64| u32::try_from(lapsing.iter().filter(|l| l.days <= n).count()).unwrap_or(u32::MAX);
    let (lapsing_30, lapsing_60, lapsing_90) = (within(30), within(60), within(90));
    let members = people
        .into_iter()
        .map(|p| MemberRow {
            items: p
                .items
                .into_iter()
                .filter(|i| wanted_requirement(&i.key))
                .filter(|i| filter.status.is_none_or(|s| i.status == s))
                .collect(),
            user_id: p.user_id,
            name: p.name,
            staff_groups: p.staff_groups,
            rag: p.rag,
            counts: p.counts,
        })
        .filter(|m| filter.status.is_none() || !m.items.is_empty())
        .collect();
    TeamCompliance {
        today,
        target_percent,
        members,
        requirements: shares,
        overall: Share::of(required, in_date, target_percent),
        lapsing_30,
        lapsing_60,
        lapsing_90,
        lapsing,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::requirement;
    use super::super::requirements::RequirementKind;
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 01);

    fn cell(key: &str, status: Status, due: Option<Date>) -> Item {
        Item {
            key: key.into(),
            title: key.to_uppercase(),
            kind: RequirementKind::Training,
            status,
            due_on: due,
            evidence_id: None,
            verified: false,
            window_opens_on: None,
        }
    }

    fn person(id: &str, groups: &[&str], items: Vec<Item>) -> PersonCompliance {
        let mut counts = Counts::default();
        for i in &items {
            counts.add(i.status);
        }
        PersonCompliance {
            user_id: id.into(),
            name: format!("Name {id}"),
            staff_groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            today: TODAY,
            items,
            rag: counts.rag(),
            counts,
        }
    }

    fn team() -> Vec<PersonCompliance> {
        vec![
            person(
                "a",
                &["all", "clinical"],
                vec![
                    cell("fire", Status::Compliant, Some(date!(2026 - 12 - 01))),
                    cell("bls", Status::DueSoon, Some(date!(2026 - 03 - 31))),
                ],
            ),
            person(
                "b",
                &["all"],
                vec![
                    cell("fire", Status::Overdue, Some(date!(2026 - 02 - 01))),
                    cell("bls", Status::DueSoon, Some(date!(2026 - 04 - 30))),
                ],
            ),
            person(
                "c",
                &["all", "clinical"],
                vec![
                    cell("fire", Status::Compliant, Some(date!(2026 - 05 - 30))),
                    cell("bls", Status::Missing, None),
                ],
            ),
        ]
    }

    fn requirements() -> Vec<Requirement> {
        vec![requirement("fire"), requirement("bls")]
    }

    #[test]
    fn shares_count_due_soon_as_in_date_against_the_target() {
        let t = aggregate(team(), &requirements(), 60, &TeamFilter::default(), TODAY);
        let fire = &t.requirements[0].share;
        assert_eq!(
            (fire.required, fire.in_date, fire.percent),
            (3, 2, Some(66.7))
        );
        assert!(fire.meets_target);
        let bls = &t.requirements[1].share;
        assert_eq!((bls.in_date, bls.percent), (2, Some(66.7)));
        assert_eq!(
            (t.overall.required, t.overall.in_date, t.overall.percent),
            (6, 4, Some(66.7))
        );
        let strict = aggregate(team(), &requirements(), 67, &TeamFilter::default(), TODAY);
        assert!(!strict.overall.meets_target);
        assert_eq!(t.members.len(), 3);
        assert_eq!(t.members[1].rag, Rag::Red);
    }

    #[test]
    fn lapses_are_counted_within_30_60_and_90_days() {
        let t = aggregate(team(), &requirements(), 90, &TeamFilter::default(), TODAY);
        let lapses: Vec<(&str, &str, i64)> = t
            .lapsing
            .iter()
            .map(|l| (l.user_id.as_str(), l.key.as_str(), l.days))
            .collect();
        // 31 March is 30 days away, 30 April 60, 30 May 90.
        assert_eq!(
            lapses,
            [("a", "bls", 30), ("b", "bls", 60), ("c", "fire", 90)]
        );
        assert_eq!((t.lapsing_30, t.lapsing_60, t.lapsing_90), (1, 2, 3));
    }

    #[test]
    fn filters_narrow_the_matrix() {
        let by_group = TeamFilter {
            staff_group: Some("clinical".into()),
            ..TeamFilter::default()
        };
        let t = aggregate(team(), &requirements(), 90, &by_group, TODAY);
        let ids: Vec<&str> = t.members.iter().map(|m| m.user_id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(t.overall.required, 4);

        let by_status = TeamFilter {
            status: Some(Status::Missing),
            ..TeamFilter::default()
        };
        let t = aggregate(team(), &requirements(), 90, &by_status, TODAY);
        assert_eq!(t.members.len(), 1);
        assert_eq!(t.members[0].items[0].key, "bls");
        assert_eq!(t.overall.required, 6, "summaries count every cell");

        let by_requirement = TeamFilter {
            requirement: Some("fire".into()),
            ..TeamFilter::default()
        };
        let t = aggregate(team(), &requirements(), 90, &by_requirement, TODAY);
        assert_eq!(t.requirements.len(), 1);
        assert!(t.members.iter().all(|m| m.items.len() == 1));
        assert_eq!(t.lapsing.len(), 1);
    }

    #[test]
    fn unknown_filter_values_are_field_errors() {
        let errors = TeamFilter::parse(
            Some("pilots"),
            Some("late"),
            Some("juggling"),
            |g| g == "all",
            &requirements(),
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["staff_group", "status", "requirement"]);
        let ok = TeamFilter::parse(
            Some("all"),
            Some("due_soon"),
            Some("bls"),
            |g| g == "all",
            &requirements(),
        )
        .unwrap();
        assert_eq!(ok.status, Some(Status::DueSoon));
    }

    #[test]
    fn settings_are_checked_field_by_field() {
        let current = TeamSettings {
            supervision_weeks: 6,
            preceptorship_weeks: 4,
            target_percent: 90,
        };
        let errors = current
            .updated(TeamSettingsUpdate {
                supervision_weeks: Some(-1),
                preceptorship_weeks: None,
                target_percent: Some(101),
            })
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["supervision_weeks", "target_percent"]);
        assert!(
            current
                .updated(TeamSettingsUpdate {
                    supervision_weeks: Some(3),
                    ..TeamSettingsUpdate::default()
                })
                .unwrap_err()[0]
                .field
                .eq("preceptorship_weeks")
        );
        assert_eq!(
            current.updated(TeamSettingsUpdate {
                supervision_weeks: Some(8),
                preceptorship_weeks: Some(4),
                target_percent: Some(0),
            }),
            Ok(TeamSettings {
                supervision_weeks: 8,
                preceptorship_weeks: 4,
                target_percent: 0
            })
        );
    }
}
