//! Reflective entries: every change is stored first, then applied to the
//! search index; reads are scoped to the author, so anything else is 404.

use super::{App, CurrentUser, today};
use crate::domain::reflection::{Reflection, ReflectionDraft};
use crate::error::{AppError, AppResult};
use crate::search::{SearchError, SearchPage};
use crate::storage::reflections::ReflectionFilter;

const NOT_FOUND: AppError = AppError::NotFound("reflective entry");

impl App {
    pub async fn create_reflection(
        &self,
        me: &CurrentUser,
        draft: ReflectionDraft,
    ) -> AppResult<Reflection> {
        me.require_portfolio()?;
        let draft = draft.validated(today()).map_err(AppError::Validation)?;
        let stored = self.store().create_reflection(me.id(), &draft).await?;
        self.index_reflection(&stored);
        Ok(stored)
    }

    pub async fn reflection(&self, me: &CurrentUser, id: &str) -> AppResult<Reflection> {
        self.store().reflection(me.id(), id).await?.ok_or(NOT_FOUND)
    }

    pub async fn update_reflection(
        &self,
        me: &CurrentUser,
        id: &str,
        draft: ReflectionDraft,
    ) -> AppResult<Reflection> {
        let draft = draft.validated(today()).map_err(AppError::Validation)?;
        let stored = self
            .store()
            .update_reflection(me.id(), id, &draft)
            .await?
            .ok_or(NOT_FOUND)?;
        self.index_reflection(&stored);
        Ok(stored)
    }

    pub async fn delete_reflection(&self, me: &CurrentUser, id: &str) -> AppResult<()> {
        if !self.store().delete_reflection(me.id(), id).await? {
            return Err(NOT_FOUND);
        }
        if let Err(err) = self.search().remove(id) {
            tracing::warn!(
                error = format!("{err:#}"),
                "search index delete failed; the next start-up will rebuild"
            );
        }
        Ok(())
    }

    pub async fn list_reflections(
        &self,
        me: &CurrentUser,
        filter: &ReflectionFilter,
    ) -> AppResult<(Vec<Reflection>, u64)> {
        Ok(self.store().list_reflections(me.id(), filter).await?)
    }

    pub async fn search_reflections(
        &self,
        me: &CurrentUser,
        query: &str,
        limit: usize,
        offset: usize,
    ) -> AppResult<SearchPage> {
        let search = std::sync::Arc::clone(self.search());
        let (owner, query) = (me.id().to_owned(), query.to_owned());
        let result =
            tokio::task::spawn_blocking(move || search.search(&owner, &query, limit, offset))
                .await
                .map_err(AppError::internal)?;
        result.map_err(|err| match err {
            SearchError::Query(q) => AppError::BadRequest(q.to_string()),
            SearchError::Internal(e) => AppError::Internal(e),
        })
    }

    /// The database already holds the change; an index failure is logged
    /// and repaired by the start-up consistency check, not reported as a
    /// failed save.
    fn index_reflection(&self, reflection: &Reflection) {
        if let Err(err) = self.search().upsert(reflection) {
            tracing::warn!(
                error = format!("{err:#}"),
                "search index update failed; the next start-up will rebuild"
            );
        }
    }
}
