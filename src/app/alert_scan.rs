//! The part of the alert run that looks at people: every active account
//! that keeps a portfolio, a batch at a time, checked for the inactivity
//! reminder and for the milestone (if any) due on the day for each of its
//! compliance items. A batch is read by key (the accounts, then their
//! `compliance_fact` rows), what it has due is checked against the outbox
//! in one query, and only what is not queued yet is queued (or, in a dry
//! run, listed). Only the sorted list of ids, each person's supervision
//! interval and one batch are held at a time, so memory stays a few tens
//! of bytes per person however many are scanned.

use std::collections::{HashMap, HashSet};

use time::Date;

use super::alerts::{AlertReport, ComplianceAlertSummary, inactivity_summary};
use super::compliance::interval;
use super::{App, AppResult};
use crate::domain::alerts::{InactivityAlert, inactivity};
use crate::domain::compliance::alerts::{Milestone, milestone_due, milestone_key};
use crate::domain::compliance::{Item, SupervisionInterval, assess};
use crate::domain::dates::iso;
use crate::domain::user::User;
use crate::storage::alerts::AlertAbout;

/// People read in one batch.
const SCAN_BATCH: usize = 500;

/// An email found due for one person of a batch (by index), under its key.
struct Due {
    person: usize,
    key: String,
    what: DueEmail,
}

enum DueEmail {
    Inactivity(InactivityAlert),
    Milestone {
        item: Item,
        due_on: Date,
        milestone: Milestone,
    },
}

impl App {
    /// Queues (or lists) every inactivity reminder and compliance
    /// milestone due on `today` that is not queued yet. Optional
    /// milestones are left out for people who switched them off.
    pub(super) async fn scan_people(&self, today: Date, report: &mut AlertReport) -> AppResult<()> {
        let intervals = self.supervision_intervals().await?;
        let (no_due_soon, _) = self.store().alert_opt_outs().await?;
        let no_due_soon: HashSet<String> = no_due_soon.into_iter().collect();
        for batch in self.store().portfolio_user_ids().await?.chunks(SCAN_BATCH) {
            let people = self.store().users_by_ids(batch).await?;
            let due = self
                .due_for(&people, today, &intervals, &no_due_soon)
                .await?;
            let queued = self
                .store()
                .queued_keys(due.iter().map(|d| d.key.clone()).collect())
                .await?;
            for due in due {
                if !queued.contains(&due.key) {
                    self.queue_due(&people[due.person], due, today, report)
                        .await?;
                }
            }
        }
        report.due.sort_by(|a, b| a.email.cmp(&b.email));
        report.compliance.sort_by(|a, b| a.email.cmp(&b.email));
        Ok(())
    }

    /// What is due on `today` for each of `people`, from their facts.
    async fn due_for(
        &self,
        people: &[User],
        today: Date,
        intervals: &Intervals,
        no_due_soon: &HashSet<String>,
    ) -> AppResult<Vec<Due>> {
        let ids: Vec<String> = people.iter().map(|u| u.id.clone()).collect();
        let mut facts: HashMap<String, _> = self
            .store()
            .compliance_facts(&ids)
            .await?
            .into_iter()
            .map(|f| (f.facts.user_id.clone(), f))
            .collect();
        let requirements = self.compliance_requirements();
        let rule = &self.content().compliance.alerts;
        let mut due = Vec::new();
        for (person, user) in people.iter().enumerate() {
            let Some(stored) = facts.remove(&user.id) else {
                continue;
            };
            let facts = self.resolved(stored);
            let joined = user.created_at.date();
            if let Some(alert) = inactivity(
                facts.last_cpd_on,
                joined,
                today,
                self.config().inactivity_days,
            ) {
                due.push(Due {
                    person,
                    key: alert.dedupe_key(&user.id),
                    what: DueEmail::Inactivity(alert),
                });
            }
            let compliance = assess(
                &facts,
                &self.content().compliance,
                &requirements,
                intervals.of(&user.id),
                today,
            );
            for item in compliance.items {
                let (Some(milestone), Some(due_on)) =
                    (milestone_due(&item, today, rule), item.due_on)
                else {
                    continue;
                };
                if !milestone.mandatory() && no_due_soon.contains(&user.id) {
                    continue;
                }
                due.push(Due {
                    person,
                    key: milestone_key(&user.id, &item.key, due_on, milestone),
                    what: DueEmail::Milestone {
                        item,
                        due_on,
                        milestone,
                    },
                });
            }
        }
        Ok(due)
    }

    /// Queues one due email (unless a dry run) and reports it; nothing if
    /// another run queued it first.
    async fn queue_due(
        &self,
        user: &User,
        due: Due,
        today: Date,
        report: &mut AlertReport,
    ) -> AppResult<()> {
        match due.what {
            DueEmail::Inactivity(alert) => {
                let email = self.inactivity_email(user, &alert, due.key)?;
                if report.dry_run || self.store().enqueue_email(&email).await? {
                    report.due.push(inactivity_summary(user, &alert));
                }
            }
            DueEmail::Milestone {
                item,
                due_on,
                milestone,
            } => {
                let about = AlertAbout {
                    item_key: item.key.clone(),
                    item_title: item.title.clone(),
                    milestone: milestone.name(),
                    due_on: Some(iso(due_on)),
                };
                let email =
                    self.compliance_email(user, &item, due_on, milestone, today, due.key)?;
                if report.dry_run || self.store().enqueue_alert(&email, Some(&about)).await? {
                    report.compliance.push(ComplianceAlertSummary {
                        user_id: user.id.clone(),
                        name: user.name.clone(),
                        email: user.email.clone(),
                        item_key: item.key,
                        item_title: item.title,
                        due_on: iso(due_on),
                        milestone: about.milestone,
                    });
                }
            }
        }
        Ok(())
    }

    /// Each team member's supervision interval: the strictest of their
    /// teams' settings; people in no team get the requirements file's.
    async fn supervision_intervals(&self) -> AppResult<Intervals> {
        let defaults = &self.content().compliance.supervision;
        let mut by_person: HashMap<String, SupervisionInterval> = HashMap::new();
        for team in self.store().teams().await? {
            let Some(settings) = self.store().team_settings(&team.id).await? else {
                continue;
            };
            let theirs = interval(settings);
            for m in team.members {
                by_person
                    .entry(m.user_id)
                    .and_modify(|i| {
                        i.weeks = i.weeks.min(theirs.weeks);
                        i.preceptorship_weeks =
                            i.preceptorship_weeks.min(theirs.preceptorship_weeks);
                    })
                    .or_insert(theirs);
            }
        }
        Ok(Intervals {
            by_person,
            fallback: SupervisionInterval {
                weeks: defaults.weeks,
                preceptorship_weeks: defaults.preceptorship_weeks,
            },
        })
    }
}

struct Intervals {
    by_person: HashMap<String, SupervisionInterval>,
    fallback: SupervisionInterval,
}

impl Intervals {
    fn of(&self, user_id: &str) -> SupervisionInterval {
        self.by_person
            .get(user_id)
            .copied()
            .unwrap_or(self.fallback)
    }
}
