//! Compliance use cases: a person's own items, a team member's (for the
//! team's leads and admins), the team matrix, and the settings and facts
//! behind them. Who may see what: a person sees their own; a lead sees the
//! members of a team they lead; an admin sees every team. Anything else is
//! 404, as for records. Only statuses and dates leave here, never record
//! content.

use std::collections::HashMap;

use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::compliance::{
    ComplianceProfile, OrganisationCompliance, PersonCompliance, RegistrationUpdate, Requirement,
    StaffUpdate, SupervisionInterval, TeamCompliance, TeamFilter, TeamSettings, TeamSettingsUpdate,
    TeamTally, aggregate, assess, judge_all,
};
use crate::domain::record::is_record_id;
use crate::domain::team::Standing;
use crate::domain::user::{Role, User};
use crate::storage::compliance::StoredFacts;

const NO_TEAM: AppError = AppError::NotFound("team");
const NO_MEMBER: AppError = AppError::NotFound("team member");

/// The filters of a team view as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct TeamComplianceQuery {
    pub staff_group: Option<String>,
    pub status: Option<String>,
    pub requirement: Option<String>,
}

/// An account's compliance facts with its staff groups resolved.
#[derive(Debug, Clone)]
pub struct StaffFacts {
    pub user: User,
    pub profile: ComplianceProfile,
    /// The groups that apply (the person's own, or their role's default).
    pub staff_groups: Vec<String>,
}

impl App {
    /// Every requirement, training courses first.
    pub fn compliance_requirements(&self) -> Vec<Requirement> {
        let content = self.content();
        content.compliance.list(&content.training)
    }

    /// The caller's own compliance today. Supervision follows the
    /// strictest of their teams (the requirements file's defaults when
    /// they are in none).
    pub async fn my_compliance(&self, me: &CurrentUser) -> AppResult<PersonCompliance> {
        me.require_portfolio()?;
        self.own_compliance(me.id()).await
    }

    /// Someone's compliance today under their strictest team's settings
    /// (no access check: for the person themself or a pack they share).
    pub(super) async fn own_compliance(&self, user_id: &str) -> AppResult<PersonCompliance> {
        let teams = self.store().member_team_settings(user_id).await?;
        let interval = self.strictest_interval(teams);
        self.person_compliance(user_id, interval)
            .await?
            .ok_or(AppError::NotFound("user"))
    }

    /// A member's compliance, under their team's settings.
    pub async fn member_compliance(
        &self,
        me: &CurrentUser,
        team_id: &str,
        user_id: &str,
    ) -> AppResult<PersonCompliance> {
        let settings = self.overseen_team(me, team_id).await?;
        if !is_record_id(user_id)
            || self.store().standing(team_id, user_id).await? == Standing::Outside
        {
            return Err(NO_MEMBER);
        }
        self.person_compliance(user_id, interval(settings))
            .await?
            .ok_or(NO_MEMBER)
    }

    /// The team matrix, shares against the team's target and what lapses
    /// soon. Unknown filter values are a 422 naming the parameter.
    pub async fn team_compliance(
        &self,
        me: &CurrentUser,
        team_id: &str,
        query: TeamComplianceQuery,
    ) -> AppResult<TeamCompliance> {
        let team_read = super::timing::phase("team");
        let settings = self.overseen_team(me, team_id).await?;
        let requirements = self.compliance_requirements();
        let compliance = &self.content().compliance;
        let filter = TeamFilter::parse(
            query.staff_group.as_deref(),
            query.status.as_deref(),
            query.requirement.as_deref(),
            |g| compliance.is_group(g),
            &requirements,
        )
        .map_err(AppError::Validation)?;
        let team = self.store().team(team_id).await?.ok_or(NO_TEAM)?;
        drop(team_read);
        let ids: Vec<String> = team.members.iter().map(|m| m.user_id.clone()).collect();
        let today = self.today();
        let queried = super::timing::phase("query");
        let facts = self.store().compliance_facts(&ids).await?;
        drop(queried);
        let _phase = super::timing::phase("assess");
        let people = facts
            .into_iter()
            .map(|stored| {
                let facts = self.resolved(stored);
                assess(&facts, compliance, &requirements, interval(settings), today)
            })
            .collect();
        Ok(aggregate(
            people,
            &requirements,
            settings.target_percent,
            &filter,
            today,
        ))
    }

    /// Every team's compliance in aggregate (admins only): per team and
    /// requirement, people counted, share in date against the team's
    /// target, counts per status and lapses within 30/60/90 days. Each
    /// member is assessed under each of their teams' settings.
    pub async fn organisation_compliance(
        &self,
        me: &CurrentUser,
    ) -> AppResult<OrganisationCompliance> {
        me.require_admin()?;
        let org = self.store().organisation_facts().await?;
        let requirements = self.compliance_requirements();
        let compliance = &self.content().compliance;
        let today = self.today();
        let position: HashMap<&str, usize> = org
            .teams
            .iter()
            .enumerate()
            .map(|(i, team)| (team.id.as_str(), i))
            .collect();
        let mut tallies = vec![TeamTally::new(requirements.len(), today); org.teams.len()];
        for digest in org.people {
            let digest = digest?;
            let facts = self.resolved(digest.stored);
            for i in digest.teams.iter().filter_map(|t| position.get(t.as_str())) {
                let interval = interval(org.teams[*i].settings);
                tallies[*i].add(
                    judge_all(&facts, compliance, &requirements, interval, today)
                        .map(|(i, judged)| (i, judged.status, judged.due_on)),
                );
            }
        }
        let teams = org
            .teams
            .into_iter()
            .zip(tallies)
            .map(|(team, tally)| {
                tally.summary(
                    team.id,
                    team.name,
                    &requirements,
                    team.settings.target_percent,
                )
            })
            .collect();
        Ok(OrganisationCompliance { today, teams })
    }

    /// A team's settings, for its leads and admins.
    pub async fn team_settings(&self, me: &CurrentUser, team_id: &str) -> AppResult<TeamSettings> {
        self.overseen_team(me, team_id).await
    }

    /// Changes a team's settings (its leads and admins); nothing is stored
    /// unless every field is valid.
    pub async fn update_team_settings(
        &self,
        me: &CurrentUser,
        team_id: &str,
        update: TeamSettingsUpdate,
    ) -> AppResult<TeamSettings> {
        let current = self.overseen_team(me, team_id).await?;
        let next = current.updated(update).map_err(AppError::Validation)?;
        self.store().set_team_settings(team_id, next).await?;
        tracing::info!(team.id = %team_id, user.id = %me.id(), "team compliance settings changed");
        self.overseen_team(me, team_id).await
    }

    /// The caller's compliance facts.
    pub async fn my_staff_facts(&self, me: &CurrentUser) -> AppResult<StaffFacts> {
        self.staff_facts(me.user.clone()).await
    }

    /// The caller sets their profession, registration end and
    /// qualification date.
    pub async fn update_my_registration(
        &self,
        me: &CurrentUser,
        update: RegistrationUpdate,
    ) -> AppResult<StaffFacts> {
        me.require_portfolio()?;
        let current = self.staff_facts(me.user.clone()).await?;
        let next = update
            .apply(&current.profile, &self.content().compliance, self.today())
            .map_err(AppError::Validation)?;
        self.store().set_registration(me.id(), &next).await?;
        self.staff_facts(me.user.clone()).await
    }

    /// An admin sets someone's staff groups, DBS and appraisal dates.
    pub async fn admin_update_staff(
        &self,
        me: &CurrentUser,
        user_id: &str,
        update: StaffUpdate,
    ) -> AppResult<StaffFacts> {
        me.require_admin()?;
        let user = self.managed_account(user_id).await?;
        let current = self.staff_facts(user.clone()).await?;
        let next = update
            .apply(&current.profile, &self.content().compliance, self.today())
            .map_err(AppError::Validation)?;
        self.store().set_staff_facts(user_id, &next).await?;
        tracing::info!(user.id = %user_id, admin.id = %me.id(), "staff compliance facts changed");
        self.staff_facts(user).await
    }

    async fn staff_facts(&self, user: User) -> AppResult<StaffFacts> {
        let stored = self
            .store()
            .compliance_profile(&user.id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let staff_groups = stored.profile.groups(user.role, &self.content().compliance);
        Ok(StaffFacts {
            user,
            profile: stored.profile,
            staff_groups,
        })
    }

    async fn person_compliance(
        &self,
        user_id: &str,
        interval: SupervisionInterval,
    ) -> AppResult<Option<PersonCompliance>> {
        let Some(stored) = self.store().compliance_facts_with_evidence(user_id).await? else {
            return Ok(None);
        };
        let facts = self.resolved(stored);
        Ok(Some(assess(
            &facts,
            &self.content().compliance,
            &self.compliance_requirements(),
            interval,
            self.today(),
        )))
    }

    pub(super) fn resolved(&self, stored: StoredFacts) -> crate::domain::compliance::PersonFacts {
        let mut facts = stored.facts;
        facts.staff_groups = stored
            .profile
            .groups(stored.role, &self.content().compliance);
        facts
    }

    /// The settings of a team the caller leads (or any team, for an
    /// admin); 404 for any other.
    async fn overseen_team(&self, me: &CurrentUser, team_id: &str) -> AppResult<TeamSettings> {
        if !is_record_id(team_id) {
            return Err(NO_TEAM);
        }
        if me.user.role != Role::Admin
            && self.store().standing(team_id, me.id()).await? != Standing::Lead
        {
            return Err(NO_TEAM);
        }
        self.store().team_settings(team_id).await?.ok_or(NO_TEAM)
    }
}

impl App {
    /// The supervision interval of someone in teams with these settings:
    /// the strictest of them; people in no team get the requirements
    /// file's.
    pub(super) fn strictest_interval(
        &self,
        teams: impl IntoIterator<Item = TeamSettings>,
    ) -> SupervisionInterval {
        teams
            .into_iter()
            .map(interval)
            .reduce(|a, b| SupervisionInterval {
                weeks: a.weeks.min(b.weeks),
                preceptorship_weeks: a.preceptorship_weeks.min(b.preceptorship_weeks),
            })
            .unwrap_or_else(|| {
                let defaults = &self.content().compliance.supervision;
                SupervisionInterval {
                    weeks: defaults.weeks,
                    preceptorship_weeks: defaults.preceptorship_weeks,
                }
            })
    }
}

pub(super) fn interval(settings: TeamSettings) -> SupervisionInterval {
    SupervisionInterval {
        weeks: settings.supervision_weeks,
        preceptorship_weeks: settings.preceptorship_weeks,
    }
}
