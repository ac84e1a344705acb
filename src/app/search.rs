//! Full-text search over every record the caller may see. The visibility
//! rules are a clause inside the index query; each hit on someone else's
//! record is a read in the access log.

use std::sync::Arc;

use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::record::RecordKind;
use crate::search::{SearchError, SearchPage, SearchScope};

impl App {
    /// Full-text search over every record the caller may see, with the
    /// visibility rules inside the index query.
    pub async fn search_records(
        &self,
        me: &CurrentUser,
        query: &str,
        limit: usize,
        offset: usize,
    ) -> AppResult<SearchPage> {
        let viewer = self.viewer(me).await?;
        if viewer.is_admin {
            return Ok(SearchPage {
                hits: Vec::new(),
                total: 0,
            });
        }
        let scope = SearchScope {
            team_owner_ids: viewer.team_owner_ids(),
            me: viewer.id,
        };
        let search = Arc::clone(self.search());
        let query = query.to_owned();
        let index = super::timing::phase("index");
        let result =
            tokio::task::spawn_blocking(move || search.search(&scope, &query, limit, offset))
                .await
                .map_err(AppError::internal)?;
        drop(index);
        let page = result.map_err(|err| match err {
            SearchError::Query(q) => AppError::BadRequest(q.to_string()),
            SearchError::Internal(e) => AppError::Internal(e),
        })?;
        self.log_reads(
            me,
            page.hits.iter().filter_map(|h| {
                RecordKind::parse(&h.kind).map(|k| (k, h.owner_id.as_str(), h.id.as_str()))
            }),
        )
        .await?;
        Ok(page)
    }
}
