//! Bearer-token authentication as a poem-openapi security scheme, so every
//! protected operation declares it in the OpenAPI document.

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::app::AppError;
use crate::app::{App, CurrentUser};

/// A session token from `POST /api/v1/auth/login`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_bearer")]
pub struct BearerAuth(pub CurrentUser);

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<CurrentUser> {
    let app = req
        .data::<App>()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("application state missing")))?;
    Ok(app.authenticate(&bearer.token).await?)
}
