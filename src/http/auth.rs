//! Bearer-token authentication as a poem-openapi security scheme, so every
//! protected operation declares it in the OpenAPI document.
//!
//! Two extractors share the one scheme: [`BearerAuth`], which every
//! operation uses, refuses (403) a session whose account must still set its
//! own password; [`SessionAuth`] accepts it, and only the operations such a
//! session may call take it (reading the account, setting the password,
//! signing out). Which an operation takes is visible in its signature.

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::app::AppError;
use crate::app::{App, CurrentUser};

/// A session token from `POST /api/v1/auth/login`.
#[derive(SecurityScheme)]
#[oai(rename = "BearerAuth", ty = "bearer", checker = "check_bearer")]
pub struct BearerAuth(pub CurrentUser);

/// A session token from `POST /api/v1/auth/login`.
#[derive(SecurityScheme)]
#[oai(rename = "BearerAuth", ty = "bearer", checker = "check_session")]
pub struct SessionAuth(pub CurrentUser);

fn app_of(req: &Request) -> poem::Result<&App> {
    Ok(req
        .data::<App>()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("application state missing")))?)
}

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<CurrentUser> {
    Ok(app_of(req)?.authenticate(&bearer.token).await?)
}

async fn check_session(req: &Request, bearer: Bearer) -> poem::Result<CurrentUser> {
    Ok(app_of(req)?.session_user(&bearer.token).await?)
}
