//! Teams: admins manage them under `/api/v1/admin/teams`; a lead lists the
//! teams they lead at `/api/v1/teams`.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Tag;
use crate::app::App;
use crate::app::AppResult;
use crate::domain::team::Team;
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
        body: Json<NewTeam>,
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
    #[oai(path = "/api/v1/admin/teams/:team_id/members/:user_id", method = "put")]
    async fn set_member(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        team_id: Path<String>,
        user_id: Path<String>,
        body: Json<Membership>,
    ) -> AppResult<Json<TeamDetail>> {
        let team = app
            .set_team_member(&auth.0, &team_id, &user_id, body.0.is_lead)
            .await?;
        Ok(Json(team.into()))
    }

    /// Remove a user from a team (admin only).
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
}
