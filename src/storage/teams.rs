//! Teams, their members and their trail. A team can have several leads and
//! a user can belong to several teams (staff working across surgeries).
//! Every change to a membership is written together with its entry in the
//! team's append-only trail, in one transaction: there is no way to change
//! who leads a team without the team being able to see it.

use anyhow::Context;
use surrealdb::types::SurrealValue;
use time::OffsetDateTime;

use super::error::{CONFLICT_MARK, StorageError, StorageResult};
use super::rows::{datetime, datetime_to_db};
use super::team_records::{LedTeams, ON_MEMBERSHIP};
use super::{Store, execute, new_id};
use crate::domain::team::{Standing, Team, TeamChange, TeamEvent, TeamEventPerson, TeamMember};

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

/// A team and who leads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamLeads {
    pub id: String,
    pub name: String,
    pub lead_ids: Vec<String>,
}

#[derive(SurrealValue)]
struct TeamNameRow {
    id: String,
    name: String,
}

#[derive(SurrealValue)]
struct LeadRow {
    team_id: String,
    user_id: String,
}

const TEAM_FIELDS: &str = "record::id(id) AS id, name";

/// The teams the statement `select` yields (with `TEAM_FIELDS`), each with
/// its members. SurrealDB 3.3.5 does not plan a subquery on `$parent.id`
/// on the index: it read every membership in the database once per team.
/// A closure's parameter is planned on the index.
fn with_members(select: &str) -> String {
    format!(
        "RETURN ({select}).map(|$t| object::extend($t, {{ members:
            (SELECT record::id(user) AS user_id, user.name AS name, user.email AS email, is_lead
             FROM membership WHERE team = type::record('team', $t.id) ORDER BY name) }}))"
    )
}

#[derive(SurrealValue)]
struct TeamEventRow {
    id: String,
    team_id: String,
    team_name: String,
    at: String,
    actor_id: Option<String>,
    actor_name: Option<String>,
    subject_id: String,
    subject_name: String,
    standing_before: String,
    standing_after: String,
}

impl TeamEventRow {
    fn into_event(self) -> StorageResult<TeamEvent> {
        let standing = |text: &str| {
            Standing::parse(text)
                .ok_or_else(|| anyhow::anyhow!("stored team standing {text:?} is not known"))
        };
        Ok(TeamEvent {
            change: TeamChange {
                before: standing(&self.standing_before)?,
                after: standing(&self.standing_after)?,
            },
            at: datetime(&self.at)?,
            actor: self.actor_id.map(|user_id| TeamEventPerson {
                user_id,
                name: self.actor_name.unwrap_or_default(),
            }),
            subject: TeamEventPerson {
                user_id: self.subject_id,
                name: self.subject_name,
            },
            id: self.id,
            team_id: self.team_id,
            team_name: self.team_name,
        })
    }
}

/// A change to one person's standing in one team, made by `actor_id`.
pub struct MembershipChange<'a> {
    pub team_id: &'a str,
    pub user_id: &'a str,
    pub change: TeamChange,
    pub actor_id: Option<&'a str>,
    pub at: OffsetDateTime,
}

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
                "CREATE type::record('team', $id) SET name = $name, created_at = time::now()
                 RETURN {TEAM_FIELDS}, [] AS members"
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
        let rows: Vec<TeamRow> = self
            .db()
            .query(with_members(&format!(
                "SELECT {TEAM_FIELDS} FROM type::record('team', $id)"
            )))
            .bind(("id", id.to_owned()))
            .await?
            .take(0)?;
        Ok(rows.into_iter().next().map(into_team))
    }

    /// Every team that has a lead, by name, with the ids of its leads:
    /// what the weekly digests start from. Unlike [`Store::teams`] it reads
    /// no account (reading every member's name and email took a third of
    /// the daily alert run at 10,000 staff).
    pub async fn teams_with_leads(&self) -> StorageResult<Vec<TeamLeads>> {
        let mut response = self
            .db()
            .query(
                "SELECT record::id(id) AS id, name FROM team ORDER BY name, id;
                 SELECT record::id(team) AS team_id, record::id(user) AS user_id
                 FROM membership WHERE is_lead = true;",
            )
            .await?;
        let teams: Vec<TeamNameRow> = response.take(0)?;
        let leads: Vec<LeadRow> = response.take(1)?;
        let mut by_team: std::collections::HashMap<String, Vec<String>> =
            std::collections::HashMap::new();
        for lead in leads {
            by_team.entry(lead.team_id).or_default().push(lead.user_id);
        }
        Ok(teams
            .into_iter()
            .filter_map(|team| {
                let mut lead_ids = by_team.remove(&team.id)?;
                lead_ids.sort_unstable();
                Some(TeamLeads {
                    id: team.id,
                    name: team.name,
                    lead_ids,
                })
            })
            .collect())
    }

    /// The ids of the members (leads included) of `team_id`.
    pub async fn member_ids(&self, team_id: &str) -> StorageResult<Vec<String>> {
        Ok(self
            .db()
            .query("SELECT VALUE record::id(user) FROM membership WHERE team = type::record('team', $id)")
            .bind(("id", team_id.to_owned()))
            .await?
            .take(0)?)
    }

    /// The ids of everyone in a team with `user_id` (themselves too).
    pub async fn teammate_ids(&self, user_id: &str) -> StorageResult<Vec<String>> {
        Ok(self
            .db()
            .query(
                "LET $teams = (SELECT VALUE team FROM membership WHERE user = type::record('user', $id));
                 SELECT VALUE record::id(user) FROM membership WHERE team IN $teams",
            )
            .bind(("id", user_id.to_owned()))
            .await?
            .take(1)?)
    }

    /// The ids of the leads of the teams `user_id` is in (not themselves).
    pub async fn lead_ids_of(&self, user_id: &str) -> StorageResult<Vec<String>> {
        Ok(self
            .db()
            .query(
                "LET $me = type::record('user', $id);
                 LET $teams = (SELECT VALUE team FROM membership WHERE user = $me);
                 SELECT VALUE record::id(user) FROM membership
                     WHERE team IN $teams AND is_lead AND user != $me",
            )
            .bind(("id", user_id.to_owned()))
            .await?
            .take(2)?)
    }

    /// Every team with its members, by name.
    pub async fn teams(&self) -> StorageResult<Vec<Team>> {
        let rows: Vec<TeamRow> = self
            .db()
            .query(with_members(&format!(
                "SELECT {TEAM_FIELDS} FROM team ORDER BY name"
            )))
            .await?
            .take(0)?;
        Ok(rows.into_iter().map(into_team).collect())
    }

    /// The teams `user_id` leads, with their members.
    pub async fn teams_led_by(&self, user_id: &str) -> StorageResult<Vec<Team>> {
        let rows: Vec<TeamRow> = self
            .db()
            .query(with_members(&format!(
                "SELECT {TEAM_FIELDS} FROM team WHERE id IN
                     (SELECT VALUE team FROM membership WHERE user = type::record('user', $id) AND is_lead)
                 ORDER BY name"
            )))
            .bind(("id", user_id.to_owned()))
            .await?
            .take(0)?;
        Ok(rows.into_iter().map(into_team).collect())
    }

    /// The teams `user_id` leads and everyone in them (other than
    /// themselves), by id.
    pub async fn led_teams(&self, user_id: &str) -> StorageResult<LedTeams> {
        let mut response = self
            .db()
            .query(
                "LET $me = type::record('user', $id);
                 LET $teams = SELECT VALUE team FROM membership WHERE user = $me AND is_lead;
                 RETURN $teams.map(|$t| record::id($t));
                 RETURN array::distinct(SELECT VALUE record::id(user) FROM membership
                     WHERE team IN $teams AND user != $me);",
            )
            .bind(("id", user_id.to_owned()))
            .await?;
        Ok(LedTeams {
            team_ids: response.take(2)?,
            member_ids: response.take(3)?,
        })
    }

    /// The user's standing in the team now.
    pub async fn standing(&self, team_id: &str, user_id: &str) -> StorageResult<Standing> {
        let is_lead: Option<bool> = self
            .db()
            .query(
                "RETURN (SELECT VALUE is_lead FROM membership
                     WHERE team = type::record('team', $team) AND user = type::record('user', $user))[0]",
            )
            .bind(("team", team_id.to_owned()))
            .bind(("user", user_id.to_owned()))
            .await?
            .take(0)?;
        Ok(Standing::of(is_lead))
    }

    /// Applies the change to the membership and writes its entry in the
    /// team's trail, in one transaction; a version conflict when the
    /// standing is no longer what the change starts from.
    pub async fn change_membership(&self, change: MembershipChange<'_>) -> StorageResult<()> {
        let query = self
            .db()
            .query(format!(
                "BEGIN TRANSACTION;
                 LET $t = type::record('team', $team);
                 LET $u = type::record('user', $user);
                 LET $lead = (SELECT VALUE is_lead FROM membership WHERE team = $t AND user = $u)[0];
                 LET $standing = IF $lead = NONE {{ 'none' }} ELSE IF $lead {{ 'lead' }} ELSE {{ 'member' }};
                 IF $standing != $before {{ THROW $conflict; }};
                 IF $after = 'none' {{
                     DELETE membership WHERE team = $t AND user = $u;
                 }} ELSE IF $before = 'none' {{
                     CREATE membership SET team = $t, user = $u, is_lead = $is_lead;
                 }} ELSE {{
                     UPDATE membership SET is_lead = $is_lead WHERE team = $t AND user = $u;
                 }};
                 {ON_MEMBERSHIP}
                 CREATE type::record('team_event', $event_id) SET team = $t, subject = $u,
                     actor = IF $actor != NONE {{ type::record('user', $actor) }} ELSE {{ NONE }},
                     standing_before = $before, standing_after = $after, at = <datetime> $at;
                 COMMIT TRANSACTION;"
            ))
            .bind(("team", change.team_id.to_owned()))
            .bind(("user", change.user_id.to_owned()))
            .bind(("before", change.change.before.as_str()))
            .bind(("after", change.change.after.as_str()))
            .bind(("is_lead", change.change.after == Standing::Lead))
            .bind(("actor", change.actor_id.map(str::to_owned)))
            .bind(("event_id", new_id()))
            .bind(("at", datetime_to_db(change.at)))
            .bind(("conflict", CONFLICT_MARK));
        execute(query).await
    }

    /// A page of the trails of every team `user_id` is in, newest first,
    /// and how many entries they hold.
    pub async fn team_events_for_member(
        &self,
        user_id: &str,
        limit: u32,
        offset: u32,
    ) -> StorageResult<(Vec<TeamEvent>, u64)> {
        let mut response = self
            .db()
            .query(
                "LET $teams = SELECT VALUE team FROM membership WHERE user = type::record('user', $user);
                 SELECT record::id(id) AS id, record::id(team) AS team_id, team.name AS team_name,
                     <string> at AS at,
                     IF actor != NONE { record::id(actor) } ELSE { NONE } AS actor_id,
                     actor.name AS actor_name,
                     record::id(subject) AS subject_id, subject.name AS subject_name,
                     standing_before, standing_after
                 FROM team_event WHERE team IN $teams ORDER BY at DESC LIMIT $limit START $offset;
                 RETURN count(SELECT id FROM team_event WHERE team IN $teams);",
            )
            .bind(("user", user_id.to_owned()))
            .bind(("limit", i64::from(limit)))
            .bind(("offset", i64::from(offset)))
            .await?;
        let rows: Vec<TeamEventRow> = response.take(1)?;
        let total: Option<i64> = response.take(2)?;
        let events = rows
            .into_iter()
            .map(TeamEventRow::into_event)
            .collect::<StorageResult<Vec<_>>>()?;
        Ok((events, u64::try_from(total.unwrap_or(0)).unwrap_or(0)))
    }
}
