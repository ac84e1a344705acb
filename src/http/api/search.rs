use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::app::App;
use crate::app::AppResult;
use crate::http::auth::BearerAuth;

pub struct SearchApi;

#[derive(Object)]
struct SearchHit {
    id: String,
    /// The kind of record (`reflection`).
    kind: String,
    title: String,
    /// Activity date, YYYY-MM-DD.
    date: String,
    /// An extract with matches wrapped in `<b>`; all other text is escaped.
    snippet_html: String,
    score: f32,
}

#[derive(Object)]
struct SearchResults {
    hits: Vec<SearchHit>,
    total: u64,
    limit: u32,
    offset: u32,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Search")]
impl SearchApi {
    /// Search the caller's own entries, best match first. Supports words
    /// (with English stemming), "phrases", AND/OR/NOT, `-term` and
    /// `title:word`.
    #[oai(path = "/search", method = "get")]
    async fn search(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        /// The query: 1 to 500 characters, not all white space. An empty
        /// query or one that cannot be understood (an unclosed quote, a
        /// dangling AND) is a 400 that says why.
        q: Query<String>,
        /// Page size, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        /// Hits to skip (at most 10,000).
        #[oai(validator(maximum(value = "10000")))]
        offset: Query<Option<u32>>,
    ) -> AppResult<Json<SearchResults>> {
        let (limit, offset) = (limit.0.unwrap_or(20), offset.0.unwrap_or(0));
        let page = app
            .search_records(&auth.0, &q, limit as usize, offset as usize)
            .await?;
        Ok(Json(SearchResults {
            hits: page
                .hits
                .into_iter()
                .map(|h| SearchHit {
                    id: h.id,
                    kind: h.kind,
                    title: h.title,
                    date: h.date,
                    snippet_html: h.snippet_html,
                    score: h.score,
                })
                .collect(),
            total: page.total as u64,
            limit,
            offset,
        }))
    }
}
