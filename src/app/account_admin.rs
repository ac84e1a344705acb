//! What an admin does to other people's accounts: list them, deactivate a
//! leaver (every session ends at once; the records stay) and reactivate a
//! returner. An admin sees accounts, never portfolio content.

use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::record::is_record_id;
use crate::domain::user::User;

const NO_USER: AppError = AppError::NotFound("user");

impl App {
    /// A page of every account by email, and how many there are.
    pub async fn list_accounts(
        &self,
        me: &CurrentUser,
        limit: u32,
        offset: u32,
    ) -> AppResult<(Vec<User>, u64)> {
        me.require_admin()?;
        Ok(self.store().users(limit, offset).await?)
    }

    /// Stops the account signing in and ends every session it has; its
    /// records, team places and history stay. An admin cannot deactivate
    /// their own account (so one active admin always remains).
    pub async fn deactivate_account(&self, me: &CurrentUser, user_id: &str) -> AppResult<User> {
        me.require_admin()?;
        if user_id == me.id() {
            return Err(AppError::Forbidden(
                "an admin cannot deactivate their own account".to_owned(),
            ));
        }
        self.set_account_active(me, user_id, false).await
    }

    /// Lets a deactivated account sign in again.
    pub async fn reactivate_account(&self, me: &CurrentUser, user_id: &str) -> AppResult<User> {
        me.require_admin()?;
        self.set_account_active(me, user_id, true).await
    }

    async fn set_account_active(
        &self,
        me: &CurrentUser,
        user_id: &str,
        active: bool,
    ) -> AppResult<User> {
        self.managed_account(user_id).await?;
        self.store().set_active(user_id, active).await?;
        self.accounts_changed();
        tracing::info!(user.id = %user_id, admin.id = %me.id(), active, "account activation changed");
        self.managed_account(user_id).await
    }

    /// The account `user_id` names, or 404.
    pub(super) async fn managed_account(&self, user_id: &str) -> AppResult<User> {
        if !is_record_id(user_id) {
            return Err(NO_USER);
        }
        self.store().user(user_id).await?.ok_or(NO_USER)
    }
}
