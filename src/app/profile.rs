//! The CPD profile for the caller, from every kind of stored evidence and
//! the names of the files attached to it.

use std::collections::HashMap;

use time::Date;

use super::evidence::decode;
use super::pii::{self, refuse_flagged};
use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::audit::AuditDraft;
use crate::domain::dates::add_months;
use crate::domain::error::FieldError;
use crate::domain::objective::ObjectiveDraft;
use crate::domain::profile::readiness::{self, Readiness};
use crate::domain::profile::{self, Activity, CpdProfile, Person};
use crate::domain::record::{Attachment, EvidenceData, RecordKind};
use crate::domain::reflection::{ActivityType, ReflectionDraft};
use crate::domain::supervision::SupervisionDraft;
use crate::domain::training::TrainingDraft;
use crate::storage::activities::ActivityFacts;

/// The period asked for; missing ends default to the two years to today.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProfileRequest {
    pub from: Option<Date>,
    pub to: Option<Date>,
}

impl ProfileRequest {
    pub(super) fn resolve(self, today: Date) -> AppResult<(Date, Date)> {
        let to = self.to.unwrap_or(today);
        let from = match self.from {
            Some(from) => from,
            None => {
                add_months(to, -24).ok_or_else(|| AppError::invalid("to", "is out of range"))?
            }
        };
        if from > to {
            return Err(AppError::Validation(vec![FieldError::new(
                "from",
                "must not be after `to`",
            )]));
        }
        if add_months(from, 120).is_some_and(|limit| to > limit) {
            return Err(AppError::invalid(
                "from",
                "the period may be at most ten years",
            ));
        }
        Ok((from, to))
    }
}

/// The evidence dated in a period: each record as a profile activity (with
/// its attachments' names), its kind and its files, and the open
/// patient-identifier warnings of the records it came from.
pub(super) struct Gathered {
    pub(super) activities: Vec<Activity>,
    pub(super) open_flags: Vec<OpenFlag>,
    /// Each activity's kind and files, by record id.
    pub(super) sources: HashMap<String, Source>,
}

/// An open patient-identifier warning and the record it is in.
#[derive(Debug, Clone)]
pub(super) struct OpenFlag {
    pub(super) record_id: String,
    pub(super) flag: FieldError,
}

/// Where an activity came from: its record's kind and its attachments, in
/// the order the profile numbers them.
#[derive(Debug, Clone)]
pub(super) struct Source {
    pub(super) kind: RecordKind,
    pub(super) files: Vec<Attachment>,
}

impl Gathered {
    /// What of it is dated from `from` to `to`.
    fn within(&self, from: Date, to: Date) -> Gathered {
        self.only(|a| (from..=to).contains(&a.date))
    }

    /// What of it comes from the activities `keep` chooses.
    pub(super) fn only(&self, keep: impl Fn(&Activity) -> bool) -> Gathered {
        let activities: Vec<Activity> = self
            .activities
            .iter()
            .filter(|a| keep(a))
            .cloned()
            .collect();
        let kept_ids: std::collections::HashSet<&str> =
            activities.iter().map(|a| a.record_id.as_str()).collect();
        let kept = |id: &str| kept_ids.contains(id);
        Gathered {
            open_flags: self
                .open_flags
                .iter()
                .filter(|f| kept(&f.record_id))
                .cloned()
                .collect(),
            sources: self
                .sources
                .iter()
                .filter(|(id, _)| kept(id))
                .map(|(id, source)| (id.clone(), source.clone()))
                .collect(),
            activities,
        }
    }

    pub(super) fn flags(self) -> Vec<FieldError> {
        self.open_flags.into_iter().map(|f| f.flag).collect()
    }
}

/// The profile page's two parts: the profile for the period asked (or the
/// open warnings that hold it back) and the audit-readiness verdict.
pub struct ProfilePage {
    pub profile: Result<CpdProfile, Vec<FieldError>>,
    pub readiness: Readiness,
}

impl App {
    pub async fn cpd_profile(
        &self,
        me: &CurrentUser,
        request: ProfileRequest,
    ) -> AppResult<CpdProfile> {
        me.require_portfolio()?;
        let (from, to) = request.resolve(self.today())?;
        let mut gathered = self.gather(me.id(), from, to).await?;
        let activities = std::mem::take(&mut gathered.activities);
        refuse_flagged(gathered.flags())?;
        Ok(profile::build(person_of(me), from, to, &activities))
    }

    /// The profile for the two years to today as the home page reads it
    /// (its gaps, mixture and hours by month) and how many passages in it
    /// may identify a service user. Not an export: open warnings are
    /// counted, not refused.
    pub async fn cpd_overview(&self, me: &CurrentUser) -> AppResult<(CpdProfile, usize)> {
        me.require_portfolio()?;
        let (from, to) = ProfileRequest::default().resolve(self.today())?;
        let gathered = self.gather(me.id(), from, to).await?;
        let profile = profile::build(person_of(me), from, to, &gathered.activities);
        Ok((profile, gathered.open_flags.len()))
    }

    /// Whether the record for the current registration period would meet
    /// each HCPC CPD standard today, and what to do where it would not.
    pub async fn audit_readiness(&self, me: &CurrentUser) -> AppResult<Readiness> {
        me.require_portfolio()?;
        let (from, to) = self.readiness_period(me).await?;
        let gathered = self.gather(me.id(), from, to).await?;
        Ok(assess_readiness(me, from, to, &gathered))
    }

    /// The profile for the period asked and the audit-readiness verdict,
    /// from one read of the evidence dated in either period.
    pub async fn profile_page(
        &self,
        me: &CurrentUser,
        request: ProfileRequest,
    ) -> AppResult<ProfilePage> {
        me.require_portfolio()?;
        let (from, to) = request.resolve(self.today())?;
        let (ready_from, ready_to) = self.readiness_period(me).await?;
        let all = self
            .gather(me.id(), from.min(ready_from), to.max(ready_to))
            .await?;
        let readiness =
            assess_readiness(me, ready_from, ready_to, &all.within(ready_from, ready_to));
        let asked = all.within(from, to);
        let profile = if asked.open_flags.is_empty() {
            Ok(profile::build(person_of(me), from, to, &asked.activities))
        } else {
            Err(asked.flags())
        };
        Ok(ProfilePage { profile, readiness })
    }

    /// The current registration period: from the day after the last
    /// renewal to today (two years when the renewal date is unknown).
    async fn readiness_period(&self, me: &CurrentUser) -> AppResult<(Date, Date)> {
        let facts = self.my_staff_facts(me).await?.profile;
        let cycle_years = facts
            .profession
            .as_deref()
            .and_then(|p| self.content().compliance.registration.professions.get(p))
            .map(|p| p.cycle_years);
        let cycle = facts.registration_ends.zip(cycle_years);
        readiness::period(self.today(), cycle)
            .ok_or_else(|| AppError::invalid("registration_ends", "is out of range"))
    }

    /// One light read per kind of the person's records in the period; the
    /// full text is read only of records with open warnings (or not yet
    /// counted), and the files' names from one read of the person's
    /// attachments.
    pub(super) async fn gather(&self, owner: &str, from: Date, to: Date) -> AppResult<Gathered> {
        let mut activities = Vec::new();
        let mut open_flags = Vec::new();
        let mut sources = HashMap::new();
        for kind in RecordKind::ACTIVITIES {
            for facts in self.store().activity_facts(kind, owner, from, to).await? {
                if facts.pii_open != Some(0) {
                    let flags = self.open_flags_of(kind, &facts.id, facts.pii_open).await?;
                    open_flags.extend(flags.into_iter().map(|flag| OpenFlag {
                        record_id: facts.id.clone(),
                        flag,
                    }));
                }
                let files = Vec::new();
                sources.insert(facts.id.clone(), Source { kind, files });
                activities.push(activity_of(facts));
            }
        }
        for a in self.store().attachments_owned_by(owner).await? {
            if let Some(source) = sources.get_mut(&a.record_id) {
                source.files.push(a);
            }
        }
        for activity in &mut activities {
            if let Some(source) = sources.get(&activity.record_id) {
                activity.attachments = source.files.iter().map(|f| f.file_name.clone()).collect();
            }
        }
        Ok(Gathered {
            activities,
            open_flags,
            sources,
        })
    }

    /// The open warnings of one record, read from its text; a count not
    /// stored yet (`counted` is `None`) is stored for the next read.
    async fn open_flags_of(
        &self,
        kind: RecordKind,
        id: &str,
        counted: Option<u32>,
    ) -> AppResult<Vec<FieldError>> {
        let flags = match kind {
            RecordKind::Reflection => self.stored_open_flags::<ReflectionDraft>(id).await?,
            RecordKind::Supervision => self.stored_open_flags::<SupervisionDraft>(id).await?,
            RecordKind::Audit => self.stored_open_flags::<AuditDraft>(id).await?,
            RecordKind::Training => self.stored_open_flags::<TrainingDraft>(id).await?,
            RecordKind::Objective => self.stored_open_flags::<ObjectiveDraft>(id).await?,
        };
        if counted.is_none() {
            let open = u32::try_from(flags.len()).unwrap_or(u32::MAX);
            self.store().fill_pii_open(kind, id, open).await?;
        }
        Ok(flags)
    }

    async fn stored_open_flags<D: EvidenceData>(&self, id: &str) -> AppResult<Vec<FieldError>> {
        match self.store().evidence(D::KIND, id).await? {
            Some(stored) => Ok(pii::open_flags(&decode::<D>(stored)?)),
            None => Ok(Vec::new()),
        }
    }
}

fn assess_readiness(me: &CurrentUser, from: Date, to: Date, gathered: &Gathered) -> Readiness {
    let profile = profile::build(person_of(me), from, to, &gathered.activities);
    readiness::assess(&readiness::Evidence {
        profile: &profile,
        activities: &gathered.activities,
        open_pii_flags: gathered.open_flags.len(),
    })
}

pub(super) fn person_of(me: &CurrentUser) -> Person {
    Person {
        name: me.user.name.clone(),
        hcpc_number: me.user.hcpc_number.clone(),
        practice_summary: me.user.practice_summary.clone(),
    }
}

/// A record as a profile activity: a reflection's own type and hours, a
/// supervision session's length, and each other kind's HCPC type.
fn activity_of(f: ActivityFacts) -> Activity {
    let activity_type = f
        .activity_type
        .as_deref()
        .and_then(ActivityType::parse)
        .or(f.kind.activity_type())
        .unwrap_or(ActivityType::Other);
    Activity {
        record_id: f.id,
        date: f.date,
        title: f.title,
        activity_type,
        hours: f.hours.or(f.minutes.map(|m| f64::from(m) / 60.0)),
        learning: f.learning,
        impact: f.impact,
        benefit: f.benefit,
        standards: f.standards,
        record_kind: match f.kind {
            RecordKind::Reflection => "Reflective record",
            RecordKind::Supervision => "Supervision record",
            RecordKind::Audit => "Audit / quality improvement report",
            RecordKind::Training => "Training certificate record",
            RecordKind::Objective => "Development objective",
        }
        .to_owned(),
        attachments: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn defaults_to_two_years_to_today() {
        let r = ProfileRequest::default()
            .resolve(date!(2026 - 11 - 23))
            .unwrap();
        assert_eq!(r, (date!(2024 - 11 - 23), date!(2026 - 11 - 23)));
    }

    #[test]
    fn rejects_reversed_and_huge_periods() {
        let reversed = ProfileRequest {
            from: Some(date!(2026 - 01 - 02)),
            to: Some(date!(2026 - 01 - 01)),
        };
        assert!(matches!(
            reversed.resolve(date!(2026 - 11 - 23)),
            Err(AppError::Validation(_))
        ));
        let huge = ProfileRequest {
            from: Some(date!(2000 - 01 - 01)),
            to: Some(date!(2026 - 01 - 01)),
        };
        assert!(matches!(
            huge.resolve(date!(2026 - 11 - 23)),
            Err(AppError::Validation(_))
        ));
    }
}
