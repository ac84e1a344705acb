use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use time::OffsetDateTime;

use super::Tag;
use crate::app::{App, ProfileUpdate};
use crate::domain::user::User;
use crate::error::AppResult;
use crate::http::auth::BearerAuth;
use crate::http::text::Text;

pub struct MeApi;

#[derive(Object)]
pub struct TeamView {
    team: String,
    is_lead: bool,
}

/// An account as its owner (or an admin) sees it.
#[derive(Object)]
pub struct UserView {
    id: String,
    email: String,
    name: String,
    /// practitioner, lead or admin.
    role: String,
    hcpc_number: Option<String>,
    practice_summary: String,
    teams: Vec<TeamView>,
    created_at: OffsetDateTime,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role.as_str().to_owned(),
            hcpc_number: u.hcpc_number,
            practice_summary: u.practice_summary,
            teams: u
                .teams
                .into_iter()
                .map(|t| TeamView {
                    team: t.team,
                    is_lead: t.is_lead,
                })
                .collect(),
            created_at: u.created_at,
        }
    }
}

/// Fields to change; absent fields are left as they are. Send
/// `"hcpc_number": ""` to clear the number.
#[derive(Object)]
#[oai(deny_unknown_fields)]
struct MeUpdate {
    name: Option<Text>,
    hcpc_number: Option<Text>,
    /// Summary of practice history for the CPD profile (HCPC asks for at
    /// most 500 words; the profile reports the count).
    practice_summary: Option<Text>,
}

#[OpenApi(prefix_path = "/api/v1/me", tag = "Tag::Me")]
impl MeApi {
    /// The caller's account.
    #[oai(path = "/", method = "get")]
    async fn me(&self, auth: BearerAuth) -> Json<UserView> {
        Json(auth.0.user.into())
    }

    /// Change the caller's name, HCPC number or summary of practice.
    #[oai(path = "/", method = "patch")]
    async fn update_me(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        body: Json<MeUpdate>,
    ) -> AppResult<Json<UserView>> {
        let body = body.0;
        let update = ProfileUpdate {
            name: body.name.map(String::from),
            hcpc_number: body.hcpc_number.map(|n| Some(n.0)),
            practice_summary: body.practice_summary.map(String::from),
        };
        Ok(Json(app.update_me(&auth.0, update).await?.into()))
    }
}
