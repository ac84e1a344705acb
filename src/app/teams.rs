//! Teams: an admin creates them and sets who belongs and who leads; a lead
//! sees the members of the teams they lead.

use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::record::is_record_id;
use crate::domain::team::Team;
use crate::domain::user::check_team_name;
use crate::storage::teams::TeamError;

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

    /// Adds a user to a team or changes whether they lead it.
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
        self.store()
            .set_membership(team_id, user_id, is_lead)
            .await?;
        self.store().team(team_id).await?.ok_or(NO_TEAM)
    }

    pub async fn remove_team_member(
        &self,
        me: &CurrentUser,
        team_id: &str,
        user_id: &str,
    ) -> AppResult<()> {
        me.require_admin()?;
        if !is_record_id(team_id) || !is_record_id(user_id) {
            return Err(AppError::NotFound("team member"));
        }
        if self.store().remove_membership(team_id, user_id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound("team member"))
        }
    }

    /// The teams the caller leads, with their members.
    pub async fn led_teams(&self, me: &CurrentUser) -> AppResult<Vec<Team>> {
        me.require_portfolio()?;
        Ok(self.store().teams_led_by(me.id()).await?)
    }
}
