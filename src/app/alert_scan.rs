//! The part of the alert run that looks at people: every active account
//! that keeps a portfolio, a batch at a time, checked for the inactivity
//! reminder and for the milestone (if any) due on the day for each of its
//! compliance items. The sorted ids are read first, then each batch's
//! `compliance_digest` lines as one range scan from its first id to its
//! last (one flat line a person, cheap to decode, with the outbox keys the
//! last run saw queued for them). A milestone stays due for days or weeks
//! after it is emailed, so on most days most of what is due is among those
//! keys and costs nothing more; only the rest is checked against the outbox
//! (a read by id, the id being derived from the key), and only the accounts
//! with something not yet queued are read, to address their email. A real
//! run queues a batch's emails in one statement, then stores the keys of
//! the people whose due emails changed. Only the sorted list of ids, the
//! teams' settings and one batch are held at a time, so memory stays a few
//! tens of bytes per person however many are scanned.

use std::collections::{HashMap, HashSet};

use time::Date;

use super::alerts::{AlertReport, ComplianceAlertSummary, inactivity_summary};
use super::{App, AppResult};
use crate::domain::alerts::{InactivityAlert, inactivity};
use crate::domain::compliance::alerts::{Milestone, milestone_due, milestone_key};
use crate::domain::compliance::{Item, Status, TeamSettings, judge_all};
use crate::domain::dates::iso;
use crate::domain::user::{Recipient, Role};
use crate::storage::alerts::{AlertAbout, NewAlert};
use crate::storage::compliance::ScannedDigest;
use crate::storage::compliance_digest::ComplianceDigest;

/// People read in one batch.
const SCAN_BATCH: usize = 500;

/// An email found due for one person, under its key.
struct Due {
    user_id: String,
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
        let settings = self.store().settings_by_team().await?;
        let (no_due_soon, _) = self.store().alert_opt_outs().await?;
        let no_due_soon: HashSet<String> = no_due_soon.into_iter().collect();
        for batch in self.store().digest_ids().await?.chunks(SCAN_BATCH) {
            let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
                continue;
            };
            let page = self.store().digest_page(first, last).await?;
            self.scan_page(page, today, &settings, &no_due_soon, report)
                .await?;
        }
        report.due.sort_by(|a, b| a.email.cmp(&b.email));
        report.compliance.sort_by(|a, b| a.email.cmp(&b.email));
        Ok(())
    }

    /// Queues (or lists) what is due for the people of one page, and
    /// (on a real run) stores the keys of those whose due emails changed.
    async fn scan_page(
        &self,
        page: Vec<ScannedDigest>,
        today: Date,
        settings: &HashMap<String, TeamSettings>,
        no_due_soon: &HashSet<String>,
        report: &mut AlertReport,
    ) -> AppResult<()> {
        let mut ledgers = HashMap::new();
        let mut people = Vec::new();
        for p in page {
            if !p.digest.active || p.digest.stored.role == Role::Admin {
                continue;
            }
            let ledger = Ledger {
                before: p.queued,
                now: Vec::new(),
            };
            ledgers.insert(p.digest.stored.facts.user_id.clone(), ledger);
            people.push(p.digest);
        }
        let due = self.due_for(people, today, settings, no_due_soon);
        let fresh = self.not_yet_queued(due, &mut ledgers).await?;
        self.queue_fresh(fresh, today, report, &mut ledgers).await?;
        if !report.dry_run {
            self.store().remember_queued(changed(ledgers)).await?;
        }
        Ok(())
    }

    /// The emails of `due` not queued yet. A key the person's ledger holds
    /// is queued; the rest are asked of the outbox. Every key found queued
    /// goes into the person's new ledger.
    async fn not_yet_queued(
        &self,
        due: Vec<Due>,
        ledgers: &mut HashMap<String, Ledger>,
    ) -> AppResult<Vec<Due>> {
        let mut unknown = Vec::new();
        for d in due {
            match ledgers.get_mut(&d.user_id) {
                Some(ledger) if ledger.before.contains(&d.key) => ledger.now.push(d.key),
                _ => unknown.push(d),
            }
        }
        let queued = self
            .store()
            .queued_keys(unknown.iter().map(|d| d.key.clone()).collect())
            .await?;
        let mut fresh = Vec::new();
        for d in unknown {
            if queued.contains(&d.key) {
                note_queued(ledgers, &d.user_id, d.key);
            } else {
                fresh.push(d);
            }
        }
        Ok(fresh)
    }

    /// Queues (or lists) each of `fresh`, reading only the accounts it
    /// addresses. A real run queues the page's emails in one statement.
    async fn queue_fresh(
        &self,
        fresh: Vec<Due>,
        today: Date,
        report: &mut AlertReport,
        ledgers: &mut HashMap<String, Ledger>,
    ) -> AppResult<()> {
        if fresh.is_empty() {
            return Ok(());
        }
        if report.dry_run && report.due.is_full() && report.compliance.is_full() {
            count_unlisted(&fresh, report);
            return Ok(());
        }
        let mut ids: Vec<String> = fresh.iter().map(|d| d.user_id.clone()).collect();
        ids.dedup(); // each person's emails are listed together
        let users: HashMap<String, Recipient> = self
            .store()
            .recipients(&ids)
            .await?
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect();
        let addressed: Vec<(&Recipient, Due)> = fresh
            .into_iter()
            .filter_map(|due| Some((users.get(&due.user_id)?, due)))
            .collect();
        let queued = if report.dry_run {
            addressed.iter().map(|(_, due)| due.key.clone()).collect()
        } else {
            let emails = addressed
                .iter()
                .map(|(user, due)| self.outbox_entry(user, due, today))
                .collect::<AppResult<Vec<_>>>()?;
            self.store().enqueue_alerts(&emails).await?
        };
        for (user, due) in addressed {
            note_queued(ledgers, &user.id, due.key.clone());
            if queued.contains(&due.key) {
                report_due(user, due, report);
            }
        }
        Ok(())
    }

    /// What is due on `today` for each of `people`, from their facts.
    fn due_for(
        &self,
        people: Vec<ComplianceDigest>,
        today: Date,
        settings: &HashMap<String, TeamSettings>,
        no_due_soon: &HashSet<String>,
    ) -> Vec<Due> {
        let requirements = self.compliance_requirements();
        let rule = &self.content().compliance.alerts;
        let mut due = Vec::new();
        for person in people {
            let theirs = person.teams.iter().filter_map(|t| settings.get(t));
            let interval = self.strictest_interval(theirs.copied());
            let facts = self.resolved(person.stored);
            let user_id = facts.user_id.clone();
            if let Some(alert) = inactivity(
                facts.last_cpd_on,
                person.created_on,
                today,
                self.config().inactivity_days,
            ) {
                due.push(Due {
                    key: alert.dedupe_key(&user_id),
                    user_id: user_id.clone(),
                    what: DueEmail::Inactivity(alert),
                });
            }
            let judged = judge_all(
                &facts,
                &self.content().compliance,
                &requirements,
                interval,
                today,
            );
            // Only an item not plainly in date can have a milestone due.
            let pending = judged.filter(|(_, j)| {
                j.due_on.is_some() && (j.status != Status::Compliant || j.window_opens_on.is_some())
            });
            for (i, judgement) in pending {
                let item = judgement.into_item(&requirements[i]);
                let (Some(milestone), Some(due_on)) =
                    (milestone_due(&item, today, rule), item.due_on)
                else {
                    continue;
                };
                if !milestone.mandatory() && no_due_soon.contains(&user_id) {
                    continue;
                }
                due.push(Due {
                    key: milestone_key(&user_id, &item.key, due_on, milestone),
                    user_id: user_id.clone(),
                    what: DueEmail::Milestone {
                        item,
                        due_on,
                        milestone,
                    },
                });
            }
        }
        due
    }

    /// The outbox email of one due email, with what it is about.
    fn outbox_entry(&self, user: &Recipient, due: &Due, today: Date) -> AppResult<NewAlert> {
        Ok(match &due.what {
            DueEmail::Inactivity(alert) => {
                (self.inactivity_email(user, alert, due.key.clone())?, None)
            }
            DueEmail::Milestone {
                item,
                due_on,
                milestone,
            } => {
                let email =
                    self.compliance_email(user, item, *due_on, *milestone, today, due.key.clone())?;
                (email, Some(about(item, *due_on, *milestone)))
            }
        })
    }
}

/// What a milestone's email is about, as admins see it in the outbox.
fn about(item: &Item, due_on: Date, milestone: Milestone) -> AlertAbout {
    AlertAbout {
        item_key: item.key.clone(),
        item_title: item.title.clone(),
        milestone: milestone.name(),
        due_on: Some(iso(due_on)),
    }
}

/// Lists one email queued (or, in a dry run, due) in the report.
fn report_due(user: &Recipient, due: Due, report: &mut AlertReport) {
    match due.what {
        DueEmail::Inactivity(alert) => report.due.push_with(|| inactivity_summary(user, &alert)),
        DueEmail::Milestone {
            item,
            due_on,
            milestone,
        } => report.compliance.push_with(|| ComplianceAlertSummary {
            user_id: user.id.clone(),
            name: user.name.clone(),
            email: user.email.clone(),
            item_key: item.key,
            item_title: item.title,
            due_on: iso(due_on),
            milestone: milestone.name(),
        }),
    }
}

/// The outbox keys of one person's emails: those kept from the last run,
/// and those seen queued (or queued) by this one.
struct Ledger {
    before: Vec<String>,
    now: Vec<String>,
}

fn note_queued(ledgers: &mut HashMap<String, Ledger>, user_id: &str, key: String) {
    if let Some(ledger) = ledgers.get_mut(user_id) {
        ledger.now.push(key);
    }
}

/// The ledgers to store: those whose keys differ from the ones kept (keys
/// no longer due drop out; most days, for most people, nothing changes).
fn changed(ledgers: HashMap<String, Ledger>) -> Vec<(String, Vec<String>)> {
    ledgers
        .into_iter()
        .filter_map(|(user_id, mut ledger)| {
            ledger.now.sort_unstable();
            ledger.now.dedup();
            ledger.before.sort_unstable();
            (ledger.now != ledger.before).then_some((user_id, ledger.now))
        })
        .collect()
}

/// Counts, without listing, the emails a dry run finds once its report
/// lists as many of each kind as it will.
fn count_unlisted(due: &[Due], report: &mut AlertReport) {
    for d in due {
        match d.what {
            DueEmail::Inactivity(_) => report.due.total += 1,
            DueEmail::Milestone { .. } => report.compliance.total += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger(before: &[&str], now: &[&str]) -> Ledger {
        Ledger {
            before: before.iter().map(|k| (*k).to_owned()).collect(),
            now: now.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    #[test]
    fn only_people_whose_due_keys_changed_are_stored() {
        let ledgers = HashMap::from([
            ("same".to_owned(), ledger(&["a", "b"], &["b", "a"])),
            ("new".to_owned(), ledger(&["a"], &["a", "c"])),
            ("ended".to_owned(), ledger(&["a"], &[])),
            ("none".to_owned(), ledger(&[], &[])),
            ("twice".to_owned(), ledger(&["a"], &["a", "a"])),
        ]);
        let mut stored = changed(ledgers);
        stored.sort();
        assert_eq!(
            stored,
            vec![
                ("ended".to_owned(), vec![]),
                ("new".to_owned(), vec!["a".to_owned(), "c".to_owned()]),
            ]
        );
    }
}
