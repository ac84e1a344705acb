//! The HTTP surface: poem-openapi operations under `/api/v1`, the OpenAPI
//! document at `/openapi.json`, Swagger UI at `/docs`, and liveness and
//! readiness probes. Handlers are thin: parse, call the application, map.

pub mod api;
pub mod auth;
mod middleware;
pub mod problem;
pub mod text;

use poem::{Endpoint, EndpointExt, Route};
use poem_openapi::OpenApiService;

use crate::app::App;

pub const API_TITLE: &str = "cpdfolio";

/// Room for multipart boundaries and part headers around an attachment.
const MULTIPART_OVERHEAD_BYTES: usize = 64 * 1024;

/// The OpenAPI service with every operation.
pub fn openapi(server_url: &str) -> OpenApiService<api::Api, ()> {
    OpenApiService::new(api::all(), API_TITLE, env!("CARGO_PKG_VERSION"))
        .description("CPD, supervision and training-compliance portfolio for HCPC-registered occupational therapists.")
        .server(server_url)
}

/// The whole HTTP application for `app`.
pub fn routes(app: App) -> impl Endpoint {
    let service = openapi(&app.config().base_url);
    let spec = service.spec_endpoint();
    let docs = service.swagger_ui();
    let limit = middleware::BodyLimit {
        json: app.config().max_body_bytes,
        upload: app.config().max_attachment_bytes + MULTIPART_OVERHEAD_BYTES,
    };
    Route::new()
        .nest("/", service)
        .at("/openapi.json", spec)
        .nest("/docs", docs)
        .with(limit)
        .around(middleware::problems)
        .around(middleware::security_headers)
        .data(app)
}
