//! Accounts and sessions: creating users, logging in and out, and turning a
//! bearer token into the current user.

use time::{Duration, OffsetDateTime};

use super::App;
use crate::app::{AppError, AppResult};
use crate::domain::error::FieldError;
use crate::domain::user::{self, NewUser, Role, User};
use crate::security::{password, token};
use crate::storage::users::CreateUserError;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub token_digest: String,
}

impl CurrentUser {
    pub fn id(&self) -> &str {
        &self.user.id
    }

    pub fn require_admin(&self) -> AppResult<()> {
        if self.user.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "this action needs the admin role".to_owned(),
            ))
        }
    }

    /// Portfolio endpoints are for practitioners and leads; an admin manages
    /// accounts and has no portfolio.
    pub fn require_portfolio(&self) -> AppResult<()> {
        if self.user.role.keeps_portfolio() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "admins do not keep a portfolio".to_owned(),
            ))
        }
    }
}

pub struct LoginResult {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

/// Changes a user may make to their own details; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub name: Option<String>,
    pub hcpc_number: Option<Option<String>>,
    pub practice_summary: Option<String>,
}

async fn hash_off_runtime(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::Internal)
}

impl App {
    /// Validates and stores a new account.
    /// True once any account exists (the demo seeds only an empty database).
    pub async fn has_accounts(&self) -> AppResult<bool> {
        Ok(self.store().count_users().await? > 0)
    }

    pub async fn create_user(&self, new_user: NewUser) -> AppResult<User> {
        let new_user = new_user.validated().map_err(AppError::Validation)?;
        let hash = hash_off_runtime(new_user.password.clone()).await?;
        match self.store().create_user(&new_user, hash).await {
            Ok(user) => {
                tracing::info!(user.id = %user.id, user.role = %user.role, "account created");
                Ok(user)
            }
            Err(CreateUserError::DuplicateEmail) => Err(AppError::Conflict(
                "an account with this email already exists".to_owned(),
            )),
            Err(CreateUserError::Storage(e)) => Err(e.into()),
        }
    }

    /// Checks the password and opens a session. Unknown email and wrong
    /// password give the same answer after the same amount of work.
    pub async fn login(&self, email: &str, password: &str) -> AppResult<LoginResult> {
        let email = user::normalise_email(email);
        let throttle = &self.inner.login_throttle;
        if !throttle.allows(&email, self.now()) {
            tracing::warn!("login refused: too many failed attempts for one address");
            return Err(AppError::TooManyRequests(
                "too many failed logins for this email address; try again in 15 minutes".to_owned(),
            ));
        }
        let credentials = self.store().credentials(&email).await?;
        let (user_id, hash) = match credentials {
            Some((id, hash)) => (Some(id), hash),
            None => (None, password::dummy_hash().to_owned()),
        };
        let attempt = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || password::verify(&attempt, &hash))
            .await
            .map_err(AppError::internal)?;
        let Some(user_id) = user_id.filter(|_| matches) else {
            throttle.record_failure(&email, self.now());
            tracing::info!("login refused");
            return Err(AppError::InvalidCredentials);
        };
        throttle.record_success(&email);
        let token = token::generate();
        let created = self.now();
        let expires_at = created + Duration::hours(i64::from(self.config().session_lifetime_hours));
        self.store()
            .create_session(&token::digest(&token), &user_id, created, expires_at)
            .await?;
        self.store().purge_expired_sessions(created).await?;
        tracing::info!(user.id = %user_id, "login");
        Ok(LoginResult { token, expires_at })
    }

    pub async fn logout(&self, current: &CurrentUser) -> AppResult<()> {
        self.store().delete_session(&current.token_digest).await?;
        tracing::info!(user.id = %current.id(), "logout");
        Ok(())
    }

    /// The user behind a bearer token, if the session is alive. Sliding
    /// idle expiry: the last-seen time is refreshed at most once a minute.
    pub async fn authenticate(&self, bearer: &str) -> AppResult<CurrentUser> {
        let digest = token::digest(bearer);
        let session = self
            .store()
            .session(&digest)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let at = self.now();
        let idle = Duration::minutes(i64::from(self.config().session_idle_minutes));
        if at >= session.expires_at || at - session.last_seen_at >= idle {
            self.store().delete_session(&digest).await?;
            return Err(AppError::Unauthorized);
        }
        if at - session.last_seen_at >= Duration::minutes(1) {
            self.store().touch_session(&digest, at).await?;
        }
        let user = self
            .store()
            .user(&session.user_id)
            .await?
            .ok_or(AppError::Unauthorized)?;
        Ok(CurrentUser {
            user,
            token_digest: digest,
        })
    }

    pub async fn update_me(&self, current: &CurrentUser, update: ProfileUpdate) -> AppResult<User> {
        let mut errors: Vec<FieldError> = Vec::new();
        let name = update.name.map(|n| n.trim().to_owned());
        if let Some(name) = &name {
            errors.extend(user::check_name(name));
        }
        let hcpc = update
            .hcpc_number
            .map(|n| n.map(|n| n.trim().to_uppercase()).filter(|n| !n.is_empty()));
        if let Some(Some(number)) = &hcpc {
            errors.extend(user::check_hcpc_number(number));
        }
        if let Some(summary) = &update.practice_summary {
            errors.extend(user::check_practice_summary(summary));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        self.store()
            .update_profile_fields(current.id(), name, hcpc, update.practice_summary)
            .await?;
        self.store()
            .user(current.id())
            .await?
            .ok_or(AppError::NotFound("user"))
    }
}
