use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Tag;
use crate::app::App;

pub struct HealthApi;

#[derive(Object)]
struct Readiness {
    database: bool,
    search_index: bool,
}

#[derive(ApiResponse)]
enum ReadyResponse {
    /// Database and search index are reachable.
    #[oai(status = 200)]
    Ready(Json<Readiness>),
    /// Something is not reachable; see which.
    #[oai(status = 503)]
    NotReady(Json<Readiness>),
}

#[OpenApi(tag = "Tag::Health")]
impl HealthApi {
    /// Liveness: the process is serving requests.
    #[oai(path = "/healthz", method = "get")]
    async fn healthz(&self) -> poem_openapi::payload::PlainText<&'static str> {
        poem_openapi::payload::PlainText("ok")
    }

    /// Readiness: the database and the search index are reachable.
    #[oai(path = "/readyz", method = "get")]
    async fn readyz(&self, app: Data<&App>) -> ReadyResponse {
        let (database, search_index) = app.ready().await;
        let body = Json(Readiness {
            database,
            search_index,
        });
        if database && search_index {
            ReadyResponse::Ready(body)
        } else {
            ReadyResponse::NotReady(body)
        }
    }
}
