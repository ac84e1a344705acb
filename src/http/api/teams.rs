//! Teams: admins manage them under `/api/v1/admin/teams`; a lead lists the
//! teams they lead at `/api/v1/teams`; every member reads the trail of
//! their teams (who joined, left, was appointed or stood down as lead, by
//! whom) at `/api/v1/me/teams/events`.

use crate::http::json_body::JsonBody;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use time::OffsetDateTime;

use super::Tag;
use crate::app::App;
use crate::app::AppResult;
use crate::domain::team::{Team, TeamEvent, TeamEventPerson};
use crate::http::auth::BearerAuth;
use crate::http::text::Text;

pub struct TeamsApi;

#[derive(Object)]
struct TeamMemberView {
    user_id: String,
    name: String,
    email: String,
    is_lead: bool,
}

#[derive(Object)]
struct TeamDetail {
    id: String,
    name: String,
    members: Vec<TeamMemberView>,
}

impl From<Team> for TeamDetail {
    fn from(t: Team) -> Self {
        Self {
            id: t.id,
            name: t.name,
            members: t
                .members
                .into_iter()
                .map(|m| TeamMemberView {
                    user_id: m.user_id,
                    name: m.name,
                    email: m.email,
                    is_lead: m.is_lead,
                })
                .collect(),
        }
    }
}

#[derive(Object)]
struct PersonView {
    user_id: String,
    name: String,
}

impl From<TeamEventPerson> for PersonView {
    fn from(p: TeamEventPerson) -> Self {
        Self {
            user_id: p.user_id,
            name: p.name,
        }
    }
}

/// One change to who is in a team or leads it.
#[derive(Object)]
struct TeamEventView {
    id: String,
    team_id: String,
    team_name: String,
    at: OffsetDateTime,
    /// The admin who made the change; null for the command line.
    actor: Option<PersonView>,
    /// Whose place in the team changed.
    subject: PersonView,
    /// The subject's place before: none, member or lead.
    before: String,
    /// The subject's place after: none, member or lead.
    after: String,
}

impl From<TeamEvent> for TeamEventView {
    fn from(e: TeamEvent) -> Self {
        Self {
            id: e.id,
            team_id: e.team_id,
            team_name: e.team_name,
            at: e.at,
            actor: e.actor.map(Into::into),
            subject: e.subject.into(),
            before: e.change.before.as_str().to_owned(),
            after: e.change.after.as_str().to_owned(),
        }
    }
}

#[derive(Object)]
struct TeamEventPage {
    items: Vec<TeamEventView>,
    total: u64,
    limit: u32,
    offset: u32,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
struct NewTeam {
    /// 1 to 120 characters, unique.
    name: Text,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
struct Membership {
    /// Whether the user leads this team (a team can have several leads).
    #[oai(default)]
    is_lead: bool,
}

#[derive(ApiResponse)]
enum CreatedTeam {
    /// Created.
    #[oai(status = 201)]
    Created(Json<TeamDetail>),
}

#[derive(ApiResponse)]
enum Removed {
    /// Removed.
    #[oai(status = 204)]
    Removed,
}

#[OpenApi(tag = "Tag::Teams")]
impl TeamsApi {
    /// Create a team (admin only).
    #[oai(path = "/api/v1/admin/teams", method = "post")]
    async fn create(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        body: JsonBody<NewTeam>,
    ) -> AppResult<CreatedTeam> {
        let team = app.create_team(&auth.0, &body.0.name.0).await?;
        Ok(CreatedTeam::Created(Json(team.into())))
    }

    /// Every team with its members (admin only).
    #[oai(path = "/api/v1/admin/teams", method = "get")]
    async fn all(&self, app: Data<&App>, auth: BearerAuth) -> AppResult<Json<Vec<TeamDetail>>> {
        let teams = app.all_teams(&auth.0).await?;
        Ok(Json(teams.into_iter().map(Into::into).collect()))
    }

    /// Add a user to a team or change whether they lead it (admin only).
    /// The change is recorded in the team's trail, which its members read.
    #[oai(path = "/api/v1/admin/teams/:team_id/members/:user_id", method = "put")]
    async fn set_member(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        team_id: Path<String>,
        user_id: Path<String>,
        body: JsonBody<Membership>,
    ) -> AppResult<Json<TeamDetail>> {
        let team = app
            .set_team_member(&auth.0, &team_id, &user_id, body.0.is_lead)
            .await?;
        Ok(Json(team.into()))
    }

    /// Remove a user from a team (admin only). The change is recorded in
    /// the team's trail, which its members read.
    #[oai(
        path = "/api/v1/admin/teams/:team_id/members/:user_id",
        method = "delete"
    )]
    async fn remove_member(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        team_id: Path<String>,
        user_id: Path<String>,
    ) -> AppResult<Removed> {
        app.remove_team_member(&auth.0, &team_id, &user_id).await?;
        Ok(Removed::Removed)
    }

    /// The teams the caller leads, with their members.
    #[oai(path = "/api/v1/teams", method = "get")]
    async fn led(&self, app: Data<&App>, auth: BearerAuth) -> AppResult<Json<Vec<TeamDetail>>> {
        let teams = app.led_teams(&auth.0).await?;
        Ok(Json(teams.into_iter().map(Into::into).collect()))
    }

    /// The trails of every team the caller is in, newest first: who was
    /// added or removed, appointed or stood down as lead, by whom and when.
    #[oai(path = "/api/v1/me/teams/events", method = "get")]
    async fn my_team_events(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        /// Page size, 1 to 100 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        #[oai(validator(maximum(value = "1000000")))] offset: Query<Option<u32>>,
    ) -> AppResult<Json<TeamEventPage>> {
        let (limit, offset) = (limit.0.unwrap_or(50), offset.0.unwrap_or(0));
        let (events, total) = app.my_team_events(&auth.0, limit, offset).await?;
        Ok(Json(TeamEventPage {
            items: events.into_iter().map(Into::into).collect(),
            total,
            limit,
            offset,
        }))
    }
}
