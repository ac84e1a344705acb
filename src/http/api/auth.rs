use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use time::OffsetDateTime;

use super::Tag;
use crate::app::App;
use crate::app::AppResult;
use crate::http::auth::BearerAuth;
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
}

#[derive(ApiResponse)]
enum LogoutResponse {
    /// The session is revoked.
    #[oai(status = 204)]
    Done,
}

#[OpenApi(prefix_path = "/api/v1/auth", tag = "Tag::Auth")]
impl AuthApi {
    /// Log in with email and password and receive a bearer token.
    #[oai(path = "/login", method = "post")]
    async fn login(
        &self,
        req: &Request,
        app: Data<&App>,
        body: Json<LoginRequest>,
    ) -> AppResult<Json<LoginResponse>> {
        let client = client_ip(req, app.config().trusted_proxy_header.as_deref());
        let result = app.login(&body.email.0, &body.password.0, client).await?;
        Ok(Json(LoginResponse {
            token: result.token,
            expires_at: result.expires_at,
        }))
    }

    /// Revoke the current session's token.
    #[oai(path = "/logout", method = "post")]
    async fn logout(&self, app: Data<&App>, auth: BearerAuth) -> AppResult<LogoutResponse> {
        app.logout(&auth.0).await?;
        Ok(LogoutResponse::Done)
    }
}
