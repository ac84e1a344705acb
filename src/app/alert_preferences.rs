//! The caller's choice of optional compliance emails (see
//! `domain::compliance::preferences`); the alert run reads the same
//! stored choice.

use super::{App, AppError, AppResult, CurrentUser};
use crate::domain::compliance::preferences::{AlertPreferences, AlertPreferencesUpdate};

impl App {
    pub async fn alert_preferences(&self, me: &CurrentUser) -> AppResult<AlertPreferences> {
        Ok(self.store().alert_preferences(me.id()).await?)
    }

    /// Applies `update`; nothing is stored unless all of it is allowed.
    pub async fn update_alert_preferences(
        &self,
        me: &CurrentUser,
        update: AlertPreferencesUpdate,
    ) -> AppResult<AlertPreferences> {
        let current = self.store().alert_preferences(me.id()).await?;
        let next = current.updated(update).map_err(AppError::Validation)?;
        self.store().set_alert_preferences(me.id(), next).await?;
        Ok(next)
    }
}
