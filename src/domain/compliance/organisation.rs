//! The organisation view: per team and per requirement, how many people
//! it applies to, the share in date against the team's target, how many
//! are compliant, due soon, overdue or missing, and how many lapse within
//! 30, 60 and 90 days. Aggregates only: no person appears in it.

use time::Date;

use super::requirements::Requirement;
use super::status::{Counts, Status};
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

/// One team's people summed as they are judged (each under the team's
/// settings), per requirement by its position in the requirement list.
#[derive(Debug, Clone)]
pub struct TeamTally {
    today: Date,
    people: u32,
    per: Vec<(Counts, Lapsing)>,
}

impl TeamTally {
    pub fn new(requirements: usize, today: Date) -> Self {
        Self {
            today,
            people: 0,
            per: vec![Default::default(); requirements],
        }
    }

    /// Adds one person: the status and due date of each requirement that
    /// applies to them.
    pub fn add(&mut self, judged: impl IntoIterator<Item = (usize, Status, Option<Date>)>) {
        self.people += 1;
        for (i, status, due_on) in judged {
            let Some((counts, lapsing)) = self.per.get_mut(i) else {
                continue;
            };
            counts.add(status);
            if let Some(due) = due_on.filter(|_| status.in_date()) {
                lapsing.add(days_between(self.today, due));
            }
        }
    }

    /// The team's summary against `requirements` (the list the positions
    /// refer to).
    pub fn summary(
        self,
        team_id: String,
        name: String,
        requirements: &[Requirement],
        target_percent: u32,
    ) -> TeamSummary {
        let mut total = (Counts::default(), Lapsing::default());
        let summaries: Vec<RequirementSummary> = requirements
            .iter()
            .zip(self.per)
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
            people: self.people,
            overall: share(total.0, target_percent),
            counts: total.0,
            lapsing: total.1,
            requirements: summaries,
        }
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
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 01);

    #[test]
    fn counts_statuses_shares_and_lapses_per_requirement_and_overall() {
        // Requirements by position: 0 fire, 1 BLS, 2 IG (applies to none).
        let people = [
            vec![
                (0, Status::Compliant, Some(date!(2026 - 12 - 01))),
                (1, Status::DueSoon, Some(date!(2026 - 03 - 31))),
            ],
            vec![
                (0, Status::Overdue, Some(date!(2026 - 02 - 01))),
                (1, Status::Compliant, Some(date!(2026 - 05 - 20))),
            ],
            vec![(0, Status::Missing, None)],
        ];
        let requirements = [requirement("fire"), requirement("bls"), requirement("ig")];
        let mut tally = TeamTally::new(requirements.len(), TODAY);
        for person in people {
            tally.add(person);
        }
        let s = tally.summary("t".into(), "T".into(), &requirements, 50);
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
