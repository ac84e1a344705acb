//! A person's own sessions: which devices are signed in, and ending one or
//! all the others ("sign out everywhere else"). Sessions are named by an id
//! of their own; the token and its digest are never shown.

use time::Duration;

use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::record::is_record_id;
use crate::domain::user::SessionSummary;

impl App {
    /// The caller's live sessions, newest first, the current one marked.
    pub async fn my_sessions(&self, me: &CurrentUser) -> AppResult<Vec<SessionSummary>> {
        let now = self.now();
        let idle = Duration::minutes(i64::from(self.config().session_idle_minutes));
        Ok(self
            .store()
            .live_sessions(me.id(), &me.token_digest, now - idle, now)
            .await?)
    }

    /// Ends one of the caller's sessions (the current one too, like
    /// logout); someone else's session is 404.
    pub async fn revoke_session(&self, me: &CurrentUser, session_id: &str) -> AppResult<()> {
        let revoked =
            is_record_id(session_id) && self.store().delete_session_of(me.id(), session_id).await?;
        if !revoked {
            return Err(AppError::NotFound("session"));
        }
        self.accounts_changed();
        tracing::info!(user.id = %me.id(), "session revoked");
        Ok(())
    }

    /// Ends every session of the caller except the current one.
    pub async fn revoke_other_sessions(&self, me: &CurrentUser) -> AppResult<()> {
        self.store()
            .delete_other_sessions(me.id(), &me.token_digest)
            .await?;
        self.accounts_changed();
        tracing::info!(user.id = %me.id(), "other sessions revoked");
        Ok(())
    }
}
