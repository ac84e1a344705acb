//! Passwords after an account exists: its owner changes theirs (proving the
//! current one, throttled like a login, since a session left open must not
//! become a way to guess it), and an admin resets someone's to a one-time
//! password that expires. Either way every other session of the account
//! ends: changing a password is what someone does when they fear that
//! another person has it.

use std::net::IpAddr;

use time::OffsetDateTime;

use super::accounts::refused;
use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::user::{self, User};
use crate::security::{password, token};
use crate::storage::users::PasswordChange;

/// A one-time password, shown to the admin once and stored only hashed.
pub struct PasswordReset {
    pub user: User,
    pub one_time_password: String,
    /// When the one-time password stops signing in.
    pub expires_at: OffsetDateTime,
}

impl App {
    /// Replaces the caller's password after checking the current one; the
    /// caller's session stays, every other one ends. A wrong current
    /// password counts as a failed login for this account and client.
    pub async fn change_password(
        &self,
        me: &CurrentUser,
        current: &str,
        new: &str,
        client: IpAddr,
    ) -> AppResult<()> {
        let email = me.user.email.as_str();
        if let Some(problem) = user::check_new_password(new, current, email) {
            return Err(AppError::Validation(vec![problem]));
        }
        let guard = &self.inner.login_guard;
        guard.admit(email, client, self.now()).map_err(refused)?;
        let Some(new_hash) = self.rehash_if_current(email, current, new).await? else {
            tracing::info!(user.id = %me.id(), "password change refused: wrong current password");
            return Err(AppError::invalid("current_password", "is not correct"));
        };
        guard.succeeded(email, client, self.now());
        self.store()
            .set_password(PasswordChange {
                user_id: me.id(),
                password_hash: new_hash,
                must_change_password: false,
                expires_at: None,
                keep_session: Some(&me.token_digest),
            })
            .await?;
        self.accounts_changed();
        tracing::info!(user.id = %me.id(), "password changed; other sessions ended");
        Ok(())
    }

    /// The hash of `new` if `current` is the account's password, computed
    /// in one hashing slot.
    async fn rehash_if_current(
        &self,
        email: &str,
        current: &str,
        new: &str,
    ) -> AppResult<Option<String>> {
        let stored = self
            .store()
            .credentials(email)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let (current, new) = (current.to_owned(), new.to_owned());
        let rehashed = self
            .hashing(move |space| {
                password::verify(&current, &stored.password_hash, space)
                    .then(|| password::hash(&new, space))
            })
            .await?;
        rehashed.transpose().map_err(AppError::Internal)
    }

    /// An admin gives `user_id` a random one-time password that expires
    /// (see [`user::ONE_TIME_PASSWORD_HOURS`]) and must be replaced at the
    /// next sign-in; every session of the account ends.
    pub async fn reset_password(
        &self,
        me: &CurrentUser,
        user_id: &str,
    ) -> AppResult<PasswordReset> {
        me.require_admin()?;
        if user_id == me.id() {
            return Err(AppError::Forbidden(
                "an admin cannot reset their own password; change it instead".to_owned(),
            ));
        }
        self.managed_account(user_id).await?;
        let one_time_password = token::generate();
        let to_hash = one_time_password.clone();
        let password_hash = self
            .hashing(move |space| password::hash(&to_hash, space))
            .await?
            .map_err(AppError::Internal)?;
        let expires_at = user::one_time_password_expiry(self.now());
        self.store()
            .set_password(PasswordChange {
                user_id,
                password_hash,
                must_change_password: true,
                expires_at: Some(expires_at),
                keep_session: None,
            })
            .await?;
        self.accounts_changed();
        tracing::info!(user.id = %user_id, admin.id = %me.id(), "password reset; sessions ended");
        Ok(PasswordReset {
            user: self.managed_account(user_id).await?,
            one_time_password,
            expires_at,
        })
    }
}
