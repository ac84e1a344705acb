use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Tag;
use super::me::UserView;
use crate::app::App;
use crate::app::{AppError, AppResult};
use crate::domain::user::{NewUser, Role};
use crate::http::auth::BearerAuth;
use crate::http::text::Text;

pub struct AdminApi;

#[derive(Object)]
#[oai(deny_unknown_fields)]
struct NewUserRequest {
    email: Text,
    name: Text,
    /// practitioner, lead or admin.
    role: Text,
    /// Team name; created if new. Required for a lead.
    team: Option<Text>,
    /// HCPC registration number, e.g. OT12345.
    hcpc_number: Option<Text>,
    /// 12 to 128 characters.
    password: Text,
}

#[derive(ApiResponse)]
enum CreatedUser {
    /// The account was created.
    #[oai(status = 201)]
    Created(Json<UserView>),
}

#[derive(Object)]
struct AlertLine {
    user_id: String,
    name: String,
    email: String,
    /// The day the silence began (YYYY-MM-DD).
    since: String,
    days: i64,
}

#[derive(Object)]
struct SentLine {
    user_id: String,
    recipient: String,
    subject: String,
}

#[derive(Object)]
struct AlertRun {
    dry_run: bool,
    /// Newly due this run: queued for delivery (or only listed in a dry run).
    due: Vec<AlertLine>,
    /// Delivered during this run.
    sent: Vec<SentLine>,
    /// Delivery attempts that failed (they stay queued and are retried).
    failed: u32,
}

#[OpenApi(prefix_path = "/api/v1/admin", tag = "Tag::Admin")]
impl AdminApi {
    /// Create an account (admin only).
    #[oai(path = "/users", method = "post")]
    async fn create_user(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        body: Json<NewUserRequest>,
    ) -> AppResult<CreatedUser> {
        auth.0.require_admin()?;
        let body = body.0;
        let role: Role = body
            .role
            .0
            .parse()
            .map_err(|e: String| AppError::invalid("role", e))?;
        let user = app
            .create_user(NewUser {
                email: body.email.0,
                name: body.name.0,
                role,
                team: body.team.map(String::from),
                hcpc_number: body.hcpc_number.map(String::from),
                password: body.password.0,
            })
            .await?;
        Ok(CreatedUser::Created(Json(user.into())))
    }

    /// Run the inactivity alerts now (admin only). With `dry_run=true` the
    /// due reminders are listed and nothing is queued or sent.
    #[oai(path = "/alerts/run", method = "post")]
    async fn run_alerts(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        dry_run: Query<Option<bool>>,
    ) -> AppResult<Json<AlertRun>> {
        auth.0.require_admin()?;
        let report = app.run_alerts(dry_run.0.unwrap_or(false)).await?;
        Ok(Json(AlertRun {
            dry_run: report.dry_run,
            due: report
                .due
                .into_iter()
                .map(|a| AlertLine {
                    user_id: a.user_id,
                    name: a.name,
                    email: a.email,
                    since: a.since,
                    days: a.days,
                })
                .collect(),
            sent: report
                .sent
                .into_iter()
                .map(|s| SentLine {
                    user_id: s.user_id,
                    recipient: s.recipient,
                    subject: s.subject,
                })
                .collect(),
            failed: u32::try_from(report.failed).unwrap_or(u32::MAX),
        }))
    }
}
