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
use crate::domain::profile::readiness::{self, Readiness};
use crate::domain::profile::{self, Activity, CpdProfile, Person};
use crate::domain::record::{Evidence, EvidenceData, RecordKind};
use crate::domain::reflection::{ActivityType, Reflection, ReflectionDraft};
use crate::domain::supervision::SupervisionDraft;
use crate::domain::training::TrainingDraft;

/// The period asked for; missing ends default to the two years to today.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProfileRequest {
    pub from: Option<Date>,
    pub to: Option<Date>,
}

impl ProfileRequest {
    fn resolve(self, today: Date) -> AppResult<(Date, Date)> {
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
/// its attachments' names), and the open patient-identifier warnings of
/// the records it came from.
struct Gathered {
    activities: Vec<Activity>,
    open_flags: Vec<FieldError>,
}

impl App {
    pub async fn cpd_profile(
        &self,
        me: &CurrentUser,
        request: ProfileRequest,
    ) -> AppResult<CpdProfile> {
        me.require_portfolio()?;
        let (from, to) = request.resolve(self.today())?;
        let gathered = self.gather(me, from, to).await?;
        refuse_flagged(gathered.open_flags)?;
        Ok(profile::build(
            person_of(me),
            from,
            to,
            &gathered.activities,
        ))
    }

    /// The profile for the two years to today as the home page reads it
    /// (its gaps, mixture and hours by month) and how many passages in it
    /// may identify a service user. Not an export: open warnings are
    /// counted, not refused.
    pub async fn cpd_overview(&self, me: &CurrentUser) -> AppResult<(CpdProfile, usize)> {
        me.require_portfolio()?;
        let (from, to) = ProfileRequest::default().resolve(self.today())?;
        let gathered = self.gather(me, from, to).await?;
        let profile = profile::build(person_of(me), from, to, &gathered.activities);
        Ok((profile, gathered.open_flags.len()))
    }

    /// Whether the record for the current registration period would meet
    /// each HCPC CPD standard today, and what to do where it would not.
    pub async fn audit_readiness(&self, me: &CurrentUser) -> AppResult<Readiness> {
        me.require_portfolio()?;
        let facts = self.my_staff_facts(me).await?.profile;
        let cycle_years = facts
            .profession
            .as_deref()
            .and_then(|p| self.content().compliance.registration.professions.get(p))
            .map(|p| p.cycle_years);
        let cycle = facts.registration_ends.zip(cycle_years);
        let (from, to) = readiness::period(self.today(), cycle)
            .ok_or_else(|| AppError::invalid("registration_ends", "is out of range"))?;
        let gathered = self.gather(me, from, to).await?;
        let profile = profile::build(person_of(me), from, to, &gathered.activities);
        Ok(readiness::assess(&readiness::Evidence {
            profile: &profile,
            activities: &gathered.activities,
            open_pii_flags: gathered.open_flags.len(),
        }))
    }

    async fn gather(&self, me: &CurrentUser, from: Date, to: Date) -> AppResult<Gathered> {
        let mut activities = Vec::new();
        let mut open_flags = Vec::new();
        for stored in self
            .store()
            .evidence_between(RecordKind::Reflection, me.id(), from, to)
            .await?
        {
            let entry = decode::<ReflectionDraft>(stored)?;
            open_flags.extend(pii::open_flags(&entry));
            activities.push(activity_from_reflection(&entry));
        }
        for kind in [
            RecordKind::Supervision,
            RecordKind::Audit,
            RecordKind::Training,
        ] {
            for stored in self
                .store()
                .evidence_between(kind, me.id(), from, to)
                .await?
            {
                activities.push(match kind {
                    RecordKind::Supervision => {
                        let record = decode(stored)?;
                        open_flags.extend(pii::open_flags(&record));
                        from_supervision(&record)
                    }
                    RecordKind::Audit => {
                        let record = decode(stored)?;
                        open_flags.extend(pii::open_flags(&record));
                        from_audit(&record)
                    }
                    _ => from_training(&decode(stored)?),
                });
            }
        }
        let ids: Vec<String> = activities.iter().map(|a| a.record_id.clone()).collect();
        let mut files: HashMap<String, Vec<String>> = HashMap::new();
        for a in self.store().attachments_of(&ids).await? {
            files.entry(a.record_id).or_default().push(a.file_name);
        }
        for activity in &mut activities {
            activity.attachments = files.remove(&activity.record_id).unwrap_or_default();
        }
        Ok(Gathered {
            activities,
            open_flags,
        })
    }
}

fn person_of(me: &CurrentUser) -> Person {
    Person {
        name: me.user.name.clone(),
        hcpc_number: me.user.hcpc_number.clone(),
        practice_summary: me.user.practice_summary.clone(),
    }
}

fn activity_from_reflection(r: &Reflection) -> Activity {
    let d = &r.data;
    Activity {
        record_id: r.id.clone(),
        date: d.activity_date,
        title: d.title.clone(),
        activity_type: d.activity_type,
        hours: d.hours,
        learning: d.learning.clone(),
        impact: d.impact.clone(),
        benefit: d.benefit.clone(),
        standards: d.standards.clone(),
        record_kind: "Reflective record".to_owned(),
        attachments: Vec::new(),
    }
}

/// An activity for a non-reflection record, with the kind's HCPC type.
fn activity_of<D: EvidenceData>(
    e: &Evidence<D>,
    hours: Option<f64>,
    learning: &str,
    impact: &str,
) -> Activity {
    Activity {
        record_id: e.id.clone(),
        date: e.data.date(),
        title: e.data.title(),
        activity_type: D::KIND.activity_type().unwrap_or(ActivityType::Other),
        hours,
        learning: learning.to_owned(),
        impact: impact.to_owned(),
        benefit: String::new(),
        standards: Vec::new(),
        record_kind: match D::KIND {
            RecordKind::Supervision => "Supervision record",
            RecordKind::Audit => "Audit / quality improvement report",
            RecordKind::Training => "Training certificate record",
            RecordKind::Reflection => "Reflective record",
        }
        .to_owned(),
        attachments: Vec::new(),
    }
}

fn from_supervision(e: &Evidence<SupervisionDraft>) -> Activity {
    let hours = f64::from(e.data.duration_minutes) / 60.0;
    activity_of(e, Some(hours), "", "")
}

fn from_audit(e: &Evidence<AuditDraft>) -> Activity {
    activity_of(e, None, &e.data.findings, &e.data.actions)
}

fn from_training(e: &Evidence<TrainingDraft>) -> Activity {
    activity_of(e, None, "", "")
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
