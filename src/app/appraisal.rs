//! The appraisal pack: the person's year (CPD hours, supervision and its
//! sign-off, compliance today, audits, chosen reflections, objectives with
//! progress) for their annual appraisal. The person reads their own; a
//! lead reads a member's only while the member shares it with them and
//! they still lead a team of the member's. Refused, like every export,
//! while a record in it has an open patient-identifier warning.

use time::Date;
use time::macros::date;

use super::evidence::decode;
use super::pii::{open_flags, refuse_flagged};
use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::appraisal::{
    self, AppraisalPack, AuditLine, ObjectiveLine, PackInput, ReflectionLine, Session,
    objective_in_period,
};
use crate::domain::audit::AuditDraft;
use crate::domain::dates::add_months;
use crate::domain::error::FieldError;
use crate::domain::objective::ObjectiveDraft;
use crate::domain::record::{Evidence, EvidenceData, RecordKind, SignOffStatus, is_record_id};
use crate::domain::reflection::ReflectionDraft;
use crate::domain::supervision::SupervisionDraft;
use crate::domain::user::User;
use crate::export::appraisal::pack_document;
use crate::export::pdf::record_pdf;
use crate::export::record_document::{FORMER_USER, sign_off_line};

/// The period (default: the twelve months to today) and the reflections
/// to show (default: every one in the period).
#[derive(Debug, Clone, Default)]
pub struct PackRequest {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub reflections: Option<Vec<String>>,
}

/// Someone a pack is shared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackReader {
    pub id: String,
    pub name: String,
}

const NO_PACK: AppError = AppError::NotFound("appraisal pack");

impl PackRequest {
    fn period(&self, today: Date) -> AppResult<(Date, Date)> {
        let to = self.to.unwrap_or(today);
        let from = match self.from {
            Some(from) => from,
            None => add_months(to, -12)
                .and_then(|d| d.next_day())
                .ok_or_else(|| AppError::invalid("to", "is out of range"))?,
        };
        if from > to {
            return Err(AppError::invalid("from", "must not be after `to`"));
        }
        if add_months(from, 60).is_some_and(|limit| to > limit) {
            return Err(AppError::invalid(
                "from",
                "the period may be at most five years",
            ));
        }
        Ok((from, to))
    }
}

impl App {
    /// The caller's own pack.
    pub async fn my_appraisal_pack(
        &self,
        me: &CurrentUser,
        request: PackRequest,
    ) -> AppResult<AppraisalPack> {
        me.require_portfolio()?;
        self.appraisal_pack_of(&me.user, request).await
    }

    /// A member's pack, for a reader they shared it with who still leads
    /// one of their teams; 404 otherwise, whoever the member is.
    pub async fn shared_appraisal_pack(
        &self,
        me: &CurrentUser,
        owner_id: &str,
        request: PackRequest,
    ) -> AppResult<AppraisalPack> {
        if !is_record_id(owner_id)
            || !self
                .store()
                .appraisal_pack_shared(owner_id, me.id())
                .await?
            || !self.leads_member(me.id(), owner_id).await?
        {
            return Err(NO_PACK);
        }
        let owner = self.store().user(owner_id).await?.ok_or(NO_PACK)?;
        // The warnings quote the text they found: only its author sees them.
        let pack = self
            .appraisal_pack_of(&owner, request)
            .await
            .map_err(|e| match e {
                AppError::PatientIdentifiers(_) => AppError::Conflict(format!(
                    "{} has a record in this period that may identify a service user; the pack is held back until they resolve it",
                    owner.name
                )),
                other => other,
            })?;
        // The member sees in their access log which records the lead read.
        let read = pack
            .supervision
            .iter()
            .map(|s| (RecordKind::Supervision, owner_id, s.record_id.as_str()))
            .chain(
                pack.audits
                    .iter()
                    .map(|a| (RecordKind::Audit, owner_id, a.record_id.as_str())),
            )
            .chain(
                pack.objectives
                    .iter()
                    .map(|o| (RecordKind::Objective, owner_id, o.record_id.as_str())),
            );
        self.log_reads(me, read).await?;
        tracing::info!(reader.id = %me.id(), owner.id = %owner_id, "shared appraisal pack read");
        Ok(pack)
    }

    /// Shares the caller's pack with a lead of one of their teams.
    pub async fn share_appraisal_pack(
        &self,
        me: &CurrentUser,
        reader_id: &str,
    ) -> AppResult<Vec<PackReader>> {
        me.require_portfolio()?;
        if !is_record_id(reader_id) || !self.leads_member(reader_id, me.id()).await? {
            return Err(AppError::invalid(
                "user_id",
                "is not a lead of one of your teams",
            ));
        }
        self.store()
            .share_appraisal_pack(me.id(), reader_id, self.now())
            .await?;
        self.appraisal_pack_readers(me).await
    }

    /// Withdraws a share of the caller's pack.
    pub async fn unshare_appraisal_pack(
        &self,
        me: &CurrentUser,
        reader_id: &str,
    ) -> AppResult<Vec<PackReader>> {
        me.require_portfolio()?;
        if !self
            .store()
            .unshare_appraisal_pack(me.id(), reader_id)
            .await?
        {
            return Err(AppError::NotFound("share"));
        }
        self.appraisal_pack_readers(me).await
    }

    /// Who the caller's pack is shared with.
    pub async fn appraisal_pack_readers(&self, me: &CurrentUser) -> AppResult<Vec<PackReader>> {
        let ids = self.store().appraisal_pack_readers(me.id()).await?;
        self.named(ids).await
    }

    /// The pack typeset as an A4 PDF, off the async runtime's threads.
    pub async fn appraisal_pack_pdf(&self, pack: &AppraisalPack) -> AppResult<Vec<u8>> {
        let doc = pack_document(pack);
        tokio::task::spawn_blocking(move || record_pdf(&doc))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)
    }

    /// The leads of the caller's teams: whom they may share their pack
    /// with.
    pub async fn my_leads(&self, me: &CurrentUser) -> AppResult<Vec<PackReader>> {
        let mut ids = self.store().lead_ids_of(me.id()).await?;
        ids.sort_unstable();
        ids.dedup();
        self.named(ids).await
    }

    /// The members whose packs the caller may read now.
    pub async fn packs_shared_with_me(&self, me: &CurrentUser) -> AppResult<Vec<PackReader>> {
        let mut ids = Vec::new();
        for owner in self.store().appraisal_packs_shared_with(me.id()).await? {
            if self.leads_member(me.id(), &owner).await? {
                ids.push(owner);
            }
        }
        self.named(ids).await
    }

    async fn named(&self, ids: Vec<String>) -> AppResult<Vec<PackReader>> {
        let mut people = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(user) = self.store().user(&id).await? {
                people.push(PackReader {
                    id,
                    name: user.name,
                });
            }
        }
        Ok(people)
    }

    async fn leads_member(&self, lead_id: &str, member_id: &str) -> AppResult<bool> {
        let led = self.led_teams_of(lead_id).await?;
        Ok(led.member_ids.iter().any(|m| m == member_id))
    }

    async fn appraisal_pack_of(
        &self,
        owner: &User,
        request: PackRequest,
    ) -> AppResult<AppraisalPack> {
        let (from, to) = request.period(self.today())?;
        let activities = self.gather(&owner.id, from, to).await?.activities;
        let supervision = self
            .records_between::<SupervisionDraft>(&owner.id, from, to)
            .await?;
        let audits = self
            .records_between::<AuditDraft>(&owner.id, from, to)
            .await?;
        let reflections = self
            .chosen_reflections(&owner.id, from, to, &request)
            .await?;
        let objectives: Vec<Evidence<ObjectiveDraft>> = self
            .records_between::<ObjectiveDraft>(
                &owner.id,
                date!(1000 - 01 - 01),
                date!(9999 - 12 - 31),
            )
            .await?
            .into_iter()
            .filter(|o| {
                objective_in_period(o.data.agreed_on, o.data.due_on, o.data.status, from, to)
            })
            .collect();
        let flags: Vec<FieldError> = supervision
            .iter()
            .flat_map(open_flags)
            .chain(audits.iter().flat_map(open_flags))
            .chain(reflections.iter().flat_map(open_flags))
            .chain(objectives.iter().flat_map(open_flags))
            .collect();
        refuse_flagged(flags)?;
        let mut sessions = Vec::with_capacity(supervision.len());
        for s in &supervision {
            sessions.push(self.session_of(s).await?);
        }
        let compliance = self.own_compliance(&owner.id).await?;
        Ok(appraisal::build(PackInput {
            name: owner.name.clone(),
            hcpc_number: owner.hcpc_number.clone(),
            from,
            to,
            activities: &activities,
            supervision: sessions,
            compliance: &compliance,
            audits: audits.into_iter().map(audit_line).collect(),
            reflections: reflections.into_iter().map(reflection_line).collect(),
            objectives: objectives.into_iter().map(objective_line).collect(),
        }))
    }

    /// The owner's records of one kind dated in the period.
    async fn records_between<D: EvidenceData>(
        &self,
        owner_id: &str,
        from: Date,
        to: Date,
    ) -> AppResult<Vec<Evidence<D>>> {
        let stored = self
            .store()
            .evidence_between(D::KIND, owner_id, from, to)
            .await?;
        stored
            .into_iter()
            .map(|s| decode::<D>(s).map_err(AppError::from))
            .collect()
    }

    /// The reflections in the period the request names (every one when it
    /// names none); an id that is not one of them is not found.
    async fn chosen_reflections(
        &self,
        owner_id: &str,
        from: Date,
        to: Date,
        request: &PackRequest,
    ) -> AppResult<Vec<Evidence<ReflectionDraft>>> {
        let all = self
            .records_between::<ReflectionDraft>(owner_id, from, to)
            .await?;
        Ok(match &request.reflections {
            None => all,
            Some(ids) => {
                if ids.len() > 200 {
                    return Err(AppError::invalid(
                        "reflections",
                        "at most 200 may be chosen",
                    ));
                }
                if ids.iter().any(|id| !all.iter().any(|r| &r.id == id)) {
                    return Err(AppError::NotFound(RecordKind::Reflection.label()));
                }
                all.into_iter().filter(|r| ids.contains(&r.id)).collect()
            }
        })
    }

    async fn session_of(&self, s: &Evidence<SupervisionDraft>) -> AppResult<Session> {
        let sign_off = &s.workflow.sign_off;
        let signer = match &sign_off.signed_by {
            Some(by) => Some(
                self.store()
                    .user(by)
                    .await?
                    .map_or_else(|| FORMER_USER.to_owned(), |u| u.name),
            ),
            None => None,
        };
        let status = sign_off_line(sign_off, signer.as_deref());
        Ok(Session {
            record_id: s.id.clone(),
            date: s.data.date,
            minutes: s.data.duration_minutes,
            supervision_type: s.data.supervision_type.label().to_owned(),
            signed: sign_off.status == SignOffStatus::Signed,
            sign_off: status,
        })
    }
}

fn audit_line(a: Evidence<AuditDraft>) -> AuditLine {
    AuditLine {
        record_id: a.id,
        title: a.data.title,
        kind: a.data.audit_kind.label().to_owned(),
        started_on: a.data.started_on,
        completed_on: a.data.completed_on,
    }
}

fn reflection_line(r: Evidence<ReflectionDraft>) -> ReflectionLine {
    ReflectionLine {
        record_id: r.id,
        date: r.data.activity_date,
        title: r.data.title,
        learning: r.data.learning,
        impact: r.data.impact,
    }
}

fn objective_line(o: Evidence<ObjectiveDraft>) -> ObjectiveLine {
    ObjectiveLine {
        record_id: o.id,
        title: o.data.title,
        agreed_on: o.data.agreed_on,
        due_on: o.data.due_on,
        status: o.data.status,
        progress: o.data.progress,
        overdue: false,
        evidence: o.data.evidence.len(),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn the_period_defaults_to_the_twelve_months_to_today() {
        let today = date!(2026 - 11 - 28);
        let r = PackRequest::default().period(today).unwrap();
        assert_eq!(r, (date!(2025 - 11 - 29), today));
        let reversed = PackRequest {
            from: Some(date!(2026 - 02 - 01)),
            to: Some(date!(2026 - 01 - 01)),
            reflections: None,
        };
        assert!(matches!(
            reversed.period(today),
            Err(AppError::Validation(_))
        ));
        let long = PackRequest {
            from: Some(date!(2016 - 01 - 01)),
            to: Some(date!(2026 - 01 - 01)),
            reflections: None,
        };
        assert!(matches!(long.period(today), Err(AppError::Validation(_))));
    }
}
