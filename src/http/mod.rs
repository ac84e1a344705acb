//! The HTTP surface: poem-openapi operations under `/api/v1`, the OpenAPI
//! document at `/openapi.json`, Swagger UI at `/docs`, and liveness and
//! readiness probes. Handlers are thin: parse, call the application, map.

pub mod api;
pub mod auth;
mod client;
pub mod contract;
pub mod json_body;
pub mod metrics;
mod middleware;
pub mod problem;
pub mod text;
mod upload;
pub mod web;

use std::sync::Arc;

use poem::http::HeaderValue;
use poem::web::Json;
use poem::{Endpoint, EndpointExt, IntoEndpoint, IntoResponse, Route};
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
    observed_routes(app, Arc::default())
}

/// As [`routes`], recording every request in `metrics`.
pub fn observed_routes(app: App, metrics: Arc<metrics::HttpMetrics>) -> impl Endpoint {
    let service = openapi(&app.config().base_url);
    let document = contract::document(&app.config().base_url);
    let allow = Arc::new(contract::allowed_methods(&document));
    let spec = poem::endpoint::make_sync(move |_| Json(document.clone()).into_response());
    let docs = service.swagger_ui();
    let api = Arc::new(service.into_endpoint());
    let limit = middleware::BodyLimit {
        json: app.config().max_body_bytes,
        upload: app.config().max_attachment_bytes + MULTIPART_OVERHEAD_BYTES,
        file: app.config().max_attachment_bytes,
        portfolio: usize::try_from(app.config().max_import_bytes).unwrap_or(usize::MAX),
    };
    web::routes(Route::new())
        .nest_no_strip("/api", Arc::clone(&api))
        .at("/healthz", Arc::clone(&api))
        .at("/readyz", api)
        .at("/openapi.json", spec)
        .nest("/docs", docs)
        .with(limit)
        .around(middleware::run_to_completion)
        .around(middleware::server_timing)
        .around(move |next, req| metrics::observe(Arc::clone(&metrics), next, req))
        .around(middleware::problems)
        .around(move |next, req| {
            let allow = Arc::clone(&allow);
            async move {
                let path = req.uri().path().to_owned();
                let mut resp = next.call(req).await?.into_response();
                if resp.status() == poem::http::StatusCode::METHOD_NOT_ALLOWED
                    && let Some(methods) = contract::allow_for(&allow, &path)
                    && let Ok(value) = HeaderValue::from_str(methods)
                {
                    resp.headers_mut().insert(poem::http::header::ALLOW, value);
                }
                Ok(resp)
            }
        })
        .around(middleware::security_headers)
        .around(middleware::request_id)
        .data(app)
}
