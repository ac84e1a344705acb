//! The organisation view: per team and per requirement, how many people
//! it applies to, the share in date against the team's target, how many
//! are compliant, due soon, overdue or missing, and how many lapse within
//! 30, 60 and 90 days. Aggregates only: no person appears in it.

use time::Date;

use super::requirements::Requirement;
use super::status::{Counts, PersonCompliance};
use super::team::Share;
use crate::domain::dates::days_between;

/// Items in date today that lapse within 30, 60 and 90 days (each
/// includes the shorter windows).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lapsing {
    pub within_30: u32,
    pub within_60: u32,
    pub within_90: u32,
}

impl Lapsing {
    fn add(&mut self, days: i64) {
        self.within_30 += u32::from(days <= 30);
        self.within_60 += u32::from(days <= 60);
        self.within_90 += u32::from(days <= 90);
    }
}

/// One requirement across one team.
#[derive(Debug, Clone, PartialEq)]
pub struct RequirementSummary {
    pub key: String,
    pub title: String,
    /// `share.required` is the number of people it applies to.
    pub share: Share,
    pub counts: Counts,
    pub lapsing: Lapsing,
}

/// One team's summary.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamSummary {
    pub team_id: String,
    pub name: String,
    pub target_percent: u32,
    /// Members of the team.
    pub people: u32,
    pub overall: Share,
    pub counts: Counts,
    pub lapsing: Lapsing,
    pub requirements: Vec<RequirementSummary>,
}

/// Every team's summary on one UK date.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganisationCompliance {
    pub today: Date,
    pub teams: Vec<TeamSummary>,
}

/// Sums one team's people (already assessed under the team's settings).
pub fn summarise(
    team_id: String,
    name: String,
    people: &[PersonCompliance],
    requirements: &[Requirement],
    target_percent: u32,
    today: Date,
) -> TeamSummary {
    let mut per: Vec<(Counts, Lapsing)> = vec![Default::default(); requirements.len()];
    let position: std::collections::HashMap<&str, usize> = requirements
        .iter()
        .enumerate()
        .map(|(i, r)| (r.key.as_str(), i))
        .collect();
    for person in people {
        for item in &person.items {
            let Some(&i) = position.get(item.key.as_str()) else {
                continue;
            };
            let (counts, lapsing) = &mut per[i];
            counts.add(item.status);
            if let Some(due) = item.due_on.filter(|_| item.status.in_date()) {
                lapsing.add(days_between(today, due));
            }
        }
    }
    let mut total = (Counts::default(), Lapsing::default());
    let summaries: Vec<RequirementSummary> = requirements
        .iter()
        .zip(per)
        .map(|(r, (counts, lapsing))| {
            total.0.compliant += counts.compliant;
            total.0.due_soon += counts.due_soon;
            total.0.overdue += counts.overdue;
            total.0.missing += counts.missing;
            total.1.within_30 += lapsing.within_30;
            total.1.within_60 += lapsing.within_60;
            total.1.within_90 += lapsing.within_90;
            RequirementSummary {
                key: r.key.clone(),
                title: r.title.clone(),
                share: share(counts, target_percent),
                counts,
                lapsing,
            }
        })
        .collect();
    TeamSummary {
        team_id,
        name,
        target_percent,
        people: u32::try_from(people.len()).unwrap_or(u32::MAX),
        overall: share(total.0, target_percent),
        counts: total.0,
        lapsing: total.1,
        requirements: summaries,
    }
}

fn share(c: Counts, target_percent: u32) -> Share {
    Share::of(
        c.compliant + c.due_soon + c.overdue + c.missing,
        c.compliant + c.due_soon,
        target_percent,
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::requirement;
    use super::super::requirements::RequirementKind;
    use super::super::status::{Item, Rag, Status};
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 01);

    fn person(items: &[(&str, Status, Option<Date>)]) -> PersonCompliance {
        let mut counts = Counts::default();
        PersonCompliance {
            user_id: "u".into(),
            name: "U".into(),
            staff_groups: vec![],
            today: TODAY,
            items: items
                .iter()
                .map(|(key, status, due)| {
                    counts.add(*status);
                    Item {
                        key: (*key).into(),
                        title: key.to_uppercase(),
                        kind: RequirementKind::Training,
                        status: *status,
                        due_on: *due,
                        evidence_id: None,
                        verified: false,
                        window_opens_on: None,
                    }
                })
                .collect(),
            rag: Rag::Green,
            counts,
        }
    }

    #[test]
    fn counts_statuses_shares_and_lapses_per_requirement_and_overall() {
        let people = [
            person(&[
                ("fire", Status::Compliant, Some(date!(2026 - 12 - 01))),
                ("bls", Status::DueSoon, Some(date!(2026 - 03 - 31))),
            ]),
            person(&[
                ("fire", Status::Overdue, Some(date!(2026 - 02 - 01))),
                ("bls", Status::Compliant, Some(date!(2026 - 05 - 20))),
            ]),
            person(&[("fire", Status::Missing, None)]),
        ];
        let s = summarise(
            "t".into(),
            "T".into(),
            &people,
            &[requirement("fire"), requirement("bls"), requirement("ig")],
            50,
            TODAY,
        );
        assert_eq!(s.people, 3);
        let fire = &s.requirements[0];
        assert_eq!((fire.share.required, fire.share.in_date), (3, 1));
        assert_eq!(fire.share.percent, Some(33.3));
        assert!(!fire.share.meets_target);
        assert_eq!(fire.lapsing, Lapsing::default());
        let bls = &s.requirements[1];
        assert_eq!((bls.counts.compliant, bls.counts.due_soon), (1, 1));
        // 30 days to 31 March; 80 days to 20 May.
        assert_eq!(
            bls.lapsing,
            Lapsing {
                within_30: 1,
                within_60: 1,
                within_90: 2
            }
        );
        assert!(bls.share.meets_target);
        let ig = &s.requirements[2];
        assert_eq!((ig.share.required, ig.share.percent), (0, None));
        assert_eq!((s.overall.required, s.overall.in_date), (5, 3));
        assert_eq!(
            (
                s.counts.compliant,
                s.counts.due_soon,
                s.counts.overdue,
                s.counts.missing
            ),
            (2, 1, 1, 1)
        );
        assert_eq!(s.lapsing.within_90, 2);
    }
}
