//! Reflective entries: records like any other kind (created, read, changed,
//! listed and deleted through `evidence.rs`), private to their author unless
//! shared with named users, who may read but not change them. What is
//! particular to entries lives here: links must point to the author's own
//! records, and sharing.

use super::evidence::Checked;
use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::error::FieldError;
use crate::domain::record::{RecordKind, is_record_id};
use crate::domain::reflection::{Reflection, ReflectionDraft, SHARES_MAX};
use crate::storage::access_log::NewAccess;

const KIND: RecordKind = RecordKind::Reflection;

/// Validates the draft and that every link is to the caller's own record.
impl Checked for ReflectionDraft {
    async fn check(self, app: &App, me: &CurrentUser) -> AppResult<Self> {
        let draft = self.validated(app.today()).map_err(AppError::Validation)?;
        let mut errors = Vec::new();
        for (i, link) in draft.links.iter().enumerate() {
            let owned = is_record_id(&link.id)
                && app
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
}

impl App {
    /// Shares the entry with one more user (read-only).
    pub async fn share_reflection(
        &self,
        me: &CurrentUser,
        id: &str,
        user_id: &str,
    ) -> AppResult<Reflection> {
        let current = self.owned_evidence::<ReflectionDraft>(me, id).await?;
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
        let current = self.owned_evidence::<ReflectionDraft>(me, id).await?;
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

    /// Saves the new readers, the version they replace and the access-log
    /// entry in one transaction, then re-derives the index document from
    /// what was committed: a failed write leaves sharing, history, log and
    /// search as they were.
    async fn set_sharing(
        &self,
        me: &CurrentUser,
        current: &Reflection,
        shared: &[String],
        action: &str,
    ) -> AppResult<Reflection> {
        let logged_as = NewAccess::new(me.id(), &current.owner_id, KIND, &current.id, action);
        self.store()
            .set_shared_with(KIND, &current.id, current.version, shared, logged_as)
            .await?;
        self.index_committed::<ReflectionDraft>(&current.id).await
    }
}
