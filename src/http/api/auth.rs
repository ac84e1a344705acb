use crate::http::json_body::JsonBody;
use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use time::OffsetDateTime;

use super::Tag;
use crate::app::App;
use crate::app::AppResult;
use crate::http::auth::SessionAuth;
use crate::http::client::client_ip;
use crate::http::text::Text;

pub struct AuthApi;

#[derive(Object)]
#[oai(deny_unknown_fields)]
struct LoginRequest {
    email: Text,
    password: Text,
}

#[derive(Object)]
struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    /// When the session ends at the latest (it also ends after idle time).
    #[oai(rename = "expires_at")]
    expires_at: OffsetDateTime,
    /// The password was chosen by an admin: set a new one with
    /// `POST /api/v1/me/password` before anything else (every other
    /// operation answers 403 until then).
    must_change_password: bool,
}

#[derive(ApiResponse)]
enum LogoutResponse {
    /// The session is revoked.
    #[oai(status = 204)]
    Done,
}

#[OpenApi(prefix_path = "/api/v1/auth", tag = "Tag::Auth")]
impl AuthApi {
    /// Log in with email and password and receive a bearer token. A wrong
    /// email or password is 401; the right password for a deactivated
    /// account, or an expired one-time password, is 403.
    #[oai(path = "/login", method = "post")]
    async fn login(
        &self,
        req: &Request,
        app: Data<&App>,
        body: JsonBody<LoginRequest>,
    ) -> AppResult<Json<LoginResponse>> {
        let client = client_ip(req, app.config());
        let result = app.login(&body.email.0, &body.password.0, client).await?;
        Ok(Json(LoginResponse {
            token: result.token,
            expires_at: result.expires_at,
            must_change_password: result.must_change_password,
        }))
    }

    /// Revoke the current session's token. Allowed while a new password is
    /// due.
    #[oai(path = "/logout", method = "post")]
    async fn logout(&self, app: Data<&App>, auth: SessionAuth) -> AppResult<LogoutResponse> {
        app.logout(&auth.0).await?;
        Ok(LogoutResponse::Done)
    }
}
