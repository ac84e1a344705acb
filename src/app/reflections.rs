//! Reflective entries: private to their author unless shared with named
//! users, who may read but not change them. Every change is stored first,
//! then applied to the search index.

use super::access::not_found;
use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::access::Access;
use crate::domain::error::FieldError;
use crate::domain::record::ReflectionFilter;
use crate::domain::record::is_record_id;
use crate::domain::record::{RecordKind, SearchText};
use crate::domain::reflection::{Reflection, ReflectionDraft, SHARES_MAX};
use crate::search::IndexDoc;

const KIND: RecordKind = RecordKind::Reflection;

/// What the index holds of an entry; its readers are the author and
/// everyone it is shared with.
pub fn index_doc(r: &Reflection) -> IndexDoc {
    let d = &r.draft;
    let mut readers = vec![r.author_id.clone()];
    readers.extend(r.shared_with.iter().cloned());
    IndexDoc {
        id: r.id.clone(),
        kind: KIND,
        owner_id: r.author_id.clone(),
        readers,
        title: d.title.clone(),
        text: SearchText {
            body: d.body.clone(),
            notes: [d.learning.as_str(), &d.impact, &d.benefit].join("\n"),
            tags: d.tags.clone(),
        },
        date: d.activity_date,
        version: r.version,
    }
}

impl App {
    pub async fn create_reflection(
        &self,
        me: &CurrentUser,
        draft: ReflectionDraft,
    ) -> AppResult<Reflection> {
        me.require_portfolio()?;
        let draft = self.checked_reflection(me, draft).await?;
        let stored = self.store().create_reflection(me.id(), &draft).await?;
        self.log(me, me.id(), KIND, &stored.id, "create").await?;
        self.index(&index_doc(&stored));
        Ok(stored)
    }

    /// Validates the draft and that every link is to the caller's own record.
    async fn checked_reflection(
        &self,
        me: &CurrentUser,
        draft: ReflectionDraft,
    ) -> AppResult<ReflectionDraft> {
        let draft = draft
            .validated(self.today())
            .map_err(AppError::Validation)?;
        let mut errors = Vec::new();
        for (i, link) in draft.links.iter().enumerate() {
            let owned = is_record_id(&link.id)
                && self
                    .record_header(link.kind, &link.id)
                    .await?
                    .is_some_and(|h| h.owner_id == me.id());
            if !owned {
                errors.push(FieldError::new(
                    format!("links[{i}]"),
                    "is not one of your records",
                ));
            }
        }
        if errors.is_empty() {
            Ok(draft)
        } else {
            Err(AppError::Validation(errors))
        }
    }

    /// The entry if the caller wrote it or it is shared with them.
    pub async fn reflection(&self, me: &CurrentUser, id: &str) -> AppResult<(Reflection, Access)> {
        let viewer = self.viewer(me).await?;
        let found = self
            .store()
            .reflection(id)
            .await?
            .ok_or_else(|| not_found(KIND))?;
        let access = viewer
            .access(&crate::domain::access::RecordAccess {
                kind: KIND,
                owner_id: &found.author_id,
                supervisor_id: None,
                shared_with: &found.shared_with,
            })
            .ok_or_else(|| not_found(KIND))?;
        self.log(me, &found.author_id, KIND, id, "read").await?;
        Ok((found, access))
    }

    async fn own_reflection(&self, me: &CurrentUser, id: &str) -> AppResult<Reflection> {
        let (found, access) = self.reflection(me, id).await?;
        if access != Access::Owner {
            return Err(AppError::Forbidden(
                "only the author can change this entry".to_owned(),
            ));
        }
        Ok(found)
    }

    pub async fn update_reflection(
        &self,
        me: &CurrentUser,
        id: &str,
        draft: ReflectionDraft,
    ) -> AppResult<Reflection> {
        let current = self.own_reflection(me, id).await?;
        let draft = self.checked_reflection(me, draft).await?;
        let stored = self
            .store()
            .update_reflection(id, current.version, me.id(), &draft)
            .await?;
        self.log(me, me.id(), KIND, id, "update").await?;
        self.index(&index_doc(&stored));
        Ok(stored)
    }

    pub async fn delete_reflection(&self, me: &CurrentUser, id: &str) -> AppResult<()> {
        let current = self.own_reflection(me, id).await?;
        self.delete_any(me, KIND, &current.id, &current.author_id)
            .await
    }

    /// Shares the entry with one more user (read-only).
    pub async fn share_reflection(
        &self,
        me: &CurrentUser,
        id: &str,
        user_id: &str,
    ) -> AppResult<Reflection> {
        let current = self.own_reflection(me, id).await?;
        if user_id == me.id() {
            return Err(AppError::invalid(
                "user_id",
                "you cannot share an entry with yourself",
            ));
        }
        self.portfolio_user("user_id", user_id).await?;
        if current.shared_with.iter().any(|u| u == user_id) {
            return Ok(current);
        }
        if current.shared_with.len() >= SHARES_MAX {
            return Err(AppError::invalid(
                "user_id",
                "an entry can be shared with at most 50 users",
            ));
        }
        let mut shared = current.shared_with.clone();
        shared.push(user_id.to_owned());
        self.set_sharing(me, &current, &shared, "share").await
    }

    /// Withdraws sharing from one user.
    pub async fn unshare_reflection(
        &self,
        me: &CurrentUser,
        id: &str,
        user_id: &str,
    ) -> AppResult<Reflection> {
        let current = self.own_reflection(me, id).await?;
        if !current.shared_with.iter().any(|u| u == user_id) {
            return Err(AppError::NotFound("share"));
        }
        let shared: Vec<String> = current
            .shared_with
            .iter()
            .filter(|u| *u != user_id)
            .cloned()
            .collect();
        self.set_sharing(me, &current, &shared, "unshare").await
    }

    async fn set_sharing(
        &self,
        me: &CurrentUser,
        current: &Reflection,
        shared: &[String],
        action: &str,
    ) -> AppResult<Reflection> {
        let stored = self
            .store()
            .share_reflection(&current.id, current.version, me.id(), shared)
            .await?;
        self.log(me, me.id(), KIND, &current.id, action).await?;
        self.index(&index_doc(&stored));
        Ok(stored)
    }

    /// The caller's entries and those shared with them.
    pub async fn list_reflections(
        &self,
        me: &CurrentUser,
        filter: &ReflectionFilter,
    ) -> AppResult<(Vec<Reflection>, u64)> {
        let names_nobody = filter.author.as_deref().is_some_and(|a| !is_record_id(a));
        if !me.user.role.keeps_portfolio() || names_nobody {
            return Ok((Vec::new(), 0));
        }
        let (items, total) = self.store().list_reflections(me.id(), filter).await?;
        self.log_reads(
            me,
            items
                .iter()
                .map(|r| (KIND, r.author_id.as_str(), r.id.as_str())),
        )
        .await?;
        Ok((items, total))
    }
}
