//! Teams: an admin creates them and sets who belongs and who leads; a lead
//! sees the members of the teams they lead. A lead reads their members'
//! records, so every change to who belongs or leads is written to the
//! team's trail with the change itself, and every member can read it.

use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::record::is_record_id;
use crate::domain::team::{Standing, Team, TeamChange, TeamEvent};
use crate::domain::user::{Recipient, check_team_name};
use crate::storage::teams::{MembershipChange, TeamError};

const NO_TEAM: AppError = AppError::NotFound("team");

impl App {
    pub async fn create_team(&self, me: &CurrentUser, name: &str) -> AppResult<Team> {
        me.require_admin()?;
        let name = name.trim();
        if name.is_empty() {
            return Err(AppError::invalid("name", "must not be empty"));
        }
        if let Some(error) = check_team_name(name) {
            return Err(AppError::Validation(vec![error]));
        }
        match self.store().create_team(name).await {
            Ok(team) => Ok(team),
            Err(TeamError::DuplicateName) => Err(AppError::Conflict(
                "a team with this name already exists".to_owned(),
            )),
            Err(TeamError::Storage(e)) => Err(e.into()),
        }
    }

    pub async fn all_teams(&self, me: &CurrentUser) -> AppResult<Vec<Team>> {
        me.require_admin()?;
        Ok(self.store().teams().await?)
    }

    /// Adds a user to a team or changes whether they lead it; setting what
    /// is already so changes (and records) nothing.
    pub async fn set_team_member(
        &self,
        me: &CurrentUser,
        team_id: &str,
        user_id: &str,
        is_lead: bool,
    ) -> AppResult<Team> {
        me.require_admin()?;
        if !is_record_id(team_id) || self.store().team(team_id).await?.is_none() {
            return Err(NO_TEAM);
        }
        self.portfolio_user("user_id", user_id).await?;
        let after = Standing::of(Some(is_lead));
        self.change_standing(me, team_id, user_id, after).await?;
        self.store().team(team_id).await?.ok_or(NO_TEAM)
    }

    pub async fn remove_team_member(
        &self,
        me: &CurrentUser,
        team_id: &str,
        user_id: &str,
    ) -> AppResult<()> {
        me.require_admin()?;
        let not_member = AppError::NotFound("team member");
        if !is_record_id(team_id) || !is_record_id(user_id) {
            return Err(not_member);
        }
        match self
            .change_standing(me, team_id, user_id, Standing::Outside)
            .await?
        {
            Some(_) => Ok(()),
            None => Err(not_member),
        }
    }

    /// Moves `user_id` to `after` in the team and records it in the
    /// team's trail, in one transaction; `None` when they stood there
    /// already.
    async fn change_standing(
        &self,
        me: &CurrentUser,
        team_id: &str,
        user_id: &str,
        after: Standing,
    ) -> AppResult<Option<TeamChange>> {
        let before = self.store().standing(team_id, user_id).await?;
        let Some(change) = TeamChange::between(before, after) else {
            return Ok(None);
        };
        self.store()
            .change_membership(MembershipChange {
                team_id,
                user_id,
                change,
                actor_id: Some(me.id()),
                at: self.now(),
            })
            .await?;
        self.memberships_changed();
        tracing::info!(
            team.id = %team_id,
            user.id = %user_id,
            admin.id = %me.id(),
            before = before.as_str(),
            after = after.as_str(),
            "team membership changed"
        );
        Ok(Some(change))
    }

    /// The trails of every team the caller is in, newest first: who was
    /// added, removed, appointed or stood down as lead, by whom and when.
    pub async fn my_team_events(
        &self,
        me: &CurrentUser,
        limit: u32,
        offset: u32,
    ) -> AppResult<(Vec<TeamEvent>, u64)> {
        me.require_portfolio()?;
        Ok(self
            .store()
            .team_events_for_member(me.id(), limit, offset)
            .await?)
    }

    /// The teams the caller leads, with their members.
    pub async fn led_teams(&self, me: &CurrentUser) -> AppResult<Vec<Team>> {
        me.require_portfolio()?;
        Ok(self.store().teams_led_by(me.id()).await?)
    }
}

impl App {
    /// The other people in the caller's teams, by name: whom they may name
    /// as supervisor or share an entry with. Admins have no colleagues.
    pub async fn colleagues(&self, me: &CurrentUser) -> AppResult<Vec<Recipient>> {
        let mut ids = self.store().teammate_ids(me.id()).await?;
        ids.sort();
        ids.dedup();
        ids.retain(|id| id != me.id());
        let mut people = self.store().recipients(&ids).await?;
        people.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        Ok(people)
    }
}
