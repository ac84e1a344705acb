//! Teams and their members. A team can have several leads and a user can
//! belong to several teams (staff working across surgeries).

use anyhow::Context;
use surrealdb::types::SurrealValue;

use super::error::{StorageError, StorageResult};
use super::{Store, new_id};
use crate::domain::team::{Team, TeamMember};

#[derive(SurrealValue)]
struct TeamMemberRow {
    user_id: String,
    name: String,
    email: String,
    is_lead: bool,
}

#[derive(SurrealValue)]
struct TeamRow {
    id: String,
    name: String,
    members: Vec<TeamMemberRow>,
}

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("a team with this name already exists")]
    DuplicateName,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<anyhow::Error> for TeamError {
    fn from(err: anyhow::Error) -> Self {
        Self::Storage(err.into())
    }
}

const TEAM_FIELDS: &str = "record::id(id) AS id, name,
    (SELECT record::id(user) AS user_id, user.name AS name, user.email AS email, is_lead
     FROM membership WHERE team = $parent.id ORDER BY name) AS members";

fn into_team(row: TeamRow) -> Team {
    Team {
        id: row.id,
        name: row.name,
        members: row
            .members
            .into_iter()
            .map(|m| TeamMember {
                user_id: m.user_id,
                name: m.name,
                email: m.email,
                is_lead: m.is_lead,
            })
            .collect(),
    }
}

impl Store {
    pub async fn create_team(&self, name: &str) -> Result<Team, TeamError> {
        let result = self
            .db()
            .query(format!(
                "CREATE type::record('team', $id) SET name = $name, created_at = time::now() RETURN {TEAM_FIELDS}"
            ))
            .bind(("name", name.to_owned()))
            .bind(("id", new_id()))
            .await
            .and_then(|mut r| r.take::<Option<TeamRow>>(0))
            .map_err(StorageError::from);
        match result {
            Ok(row) => Ok(into_team(row.context("create returned nothing")?)),
            Err(err) if err.is_unique("team_name") => Err(TeamError::DuplicateName),
            Err(err) => Err(err.into()),
        }
    }

    pub async fn team(&self, id: &str) -> StorageResult<Option<Team>> {
        let row: Option<TeamRow> = self
            .db()
            .query(format!(
                "SELECT {TEAM_FIELDS} FROM type::record('team', $id)"
            ))
            .bind(("id", id.to_owned()))
            .await?
            .take(0)?;
        Ok(row.map(into_team))
    }

    /// Every team with its members, by name.
    pub async fn teams(&self) -> StorageResult<Vec<Team>> {
        let rows: Vec<TeamRow> = self
            .db()
            .query(format!("SELECT {TEAM_FIELDS} FROM team ORDER BY name"))
            .await?
            .take(0)?;
        Ok(rows.into_iter().map(into_team).collect())
    }

    /// The teams `user_id` leads, with their members.
    pub async fn teams_led_by(&self, user_id: &str) -> StorageResult<Vec<Team>> {
        let rows: Vec<TeamRow> = self
            .db()
            .query(format!(
                "SELECT {TEAM_FIELDS} FROM team WHERE id IN
                     (SELECT VALUE team FROM membership WHERE user = type::record('user', $id) AND is_lead)
                 ORDER BY name"
            ))
            .bind(("id", user_id.to_owned()))
            .await?
            .take(0)?;
        Ok(rows.into_iter().map(into_team).collect())
    }

    /// Ids of everyone in a team `user_id` leads (other than themselves).
    pub async fn led_member_ids(&self, user_id: &str) -> StorageResult<Vec<String>> {
        let ids: Vec<String> = self
            .db()
            .query(
                "LET $me = type::record('user', $id);
                 LET $teams = SELECT VALUE team FROM membership WHERE user = $me AND is_lead;
                 RETURN array::distinct(SELECT VALUE record::id(user) FROM membership
                     WHERE team IN $teams AND user != $me);",
            )
            .bind(("id", user_id.to_owned()))
            .await?
            .take(2)?;
        Ok(ids)
    }

    /// Adds the user to the team, or changes whether they lead it.
    pub async fn set_membership(
        &self,
        team_id: &str,
        user_id: &str,
        is_lead: bool,
    ) -> StorageResult<()> {
        self.db()
            .query(
                "LET $t = type::record('team', $team); LET $u = type::record('user', $user);
                 IF (SELECT id FROM membership WHERE team = $t AND user = $u) {
                     UPDATE membership SET is_lead = $lead WHERE team = $t AND user = $u;
                 } ELSE {
                     CREATE membership SET team = $t, user = $u, is_lead = $lead;
                 };",
            )
            .bind(("team", team_id.to_owned()))
            .bind(("user", user_id.to_owned()))
            .bind(("lead", is_lead))
            .await?
            .check()?;
        Ok(())
    }

    /// Removes the user from the team; false when they were not in it.
    pub async fn remove_membership(&self, team_id: &str, user_id: &str) -> StorageResult<bool> {
        let removed: Option<i64> = self
            .db()
            .query(
                "LET $found = SELECT VALUE id FROM membership WHERE team = type::record('team', $team)
                     AND user = type::record('user', $user);
                 DELETE $found;
                 RETURN array::len($found);",
            )
            .bind(("team", team_id.to_owned()))
            .bind(("user", user_id.to_owned()))
            .await?
            .take(2)?;
        Ok(removed.unwrap_or(0) > 0)
    }
}
