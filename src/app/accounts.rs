//! Accounts and sessions: creating users, logging in and out, and turning a
//! bearer token into the current user.

use std::net::IpAddr;

use time::{Duration, OffsetDateTime};

use super::App;
use super::login_guard::Refusal;
use crate::app::{AppError, AppResult};
use crate::domain::error::FieldError;
use crate::domain::user::{self, NewUser, Role, User};
use crate::security::password::{self, Workspace};
use crate::security::token;
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

fn refused(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::TooMany { retry_after_secs } => AppError::TooManyRequests {
            detail: format!(
                "too many failed logins; try again in {retry_after_secs} second{}",
                if retry_after_secs == 1 { "" } else { "s" }
            ),
            retry_after_secs,
        },
        Refusal::Busy => AppError::Busy {
            detail: "the server is busy checking passwords; try again in a moment".to_owned(),
            retry_after_secs: 1,
        },
    }
}

impl App {
    /// Validates and stores a new account.
    /// True once any account exists (the demo seeds only an empty database).
    pub async fn has_accounts(&self) -> AppResult<bool> {
        Ok(self.store().count_users().await? > 0)
    }

    pub async fn create_user(&self, new_user: NewUser) -> AppResult<User> {
        let new_user = new_user.validated().map_err(AppError::Validation)?;
        let password = new_user.password.clone();
        let hash = self
            .hashing(move |space| password::hash(&password, space))
            .await?
            .map_err(AppError::Internal)?;
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

    /// Runs password hashing on the blocking pool, at most the configured
    /// number at once; answers `Busy` when no slot frees up in time.
    async fn hashing<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Workspace) -> T + Send + 'static,
    ) -> AppResult<T> {
        let slot = self.hash_slot().await?;
        self.hash_in(slot, work).await
    }

    /// A turn to hash a password (`Busy` when none frees up in time).
    async fn hash_slot(&self) -> AppResult<tokio::sync::SemaphorePermit<'_>> {
        self.inner.login_guard.hashing_slot().await.map_err(refused)
    }

    /// Hashes in a turn already taken.
    async fn hash_in<T: Send + 'static>(
        &self,
        _slot: tokio::sync::SemaphorePermit<'_>,
        work: impl FnOnce(&mut Workspace) -> T + Send + 'static,
    ) -> AppResult<T> {
        let mut space = self.inner.hash_workspaces.take();
        let (out, space) = tokio::task::spawn_blocking(move || (work(&mut space), space))
            .await
            .map_err(AppError::internal)?;
        self.inner.hash_workspaces.put(space);
        Ok(out)
    }

    /// Checks the password and opens a session. Unknown email and wrong
    /// password give the same answer after the same amount of work. The
    /// attempt is counted before the hash (see `login_guard`), and waits
    /// for its hashing turn before it does any other work, so a flood of
    /// logins queues cheaply instead of crowding out other requests.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: IpAddr,
    ) -> AppResult<LoginResult> {
        let email = user::normalise_email(email);
        let guard = &self.inner.login_guard;
        if let Err(refusal) = guard.admit(&email, client, self.now()) {
            tracing::warn!("login refused: too many failed attempts");
            return Err(refused(refusal));
        }
        let slot = self.hash_slot().await?;
        let credentials = self.store().credentials(&email).await?;
        let (user_id, hash) = match credentials {
            Some((id, hash)) => (Some(id), hash),
            None => (None, password::dummy_hash().to_owned()),
        };
        let attempt = password.to_owned();
        let matches = self
            .hash_in(slot, move |space| password::verify(&attempt, &hash, space))
            .await?;
        let Some(user_id) = user_id.filter(|_| matches) else {
            tracing::info!("login refused");
            return Err(AppError::InvalidCredentials);
        };
        guard.succeeded(&email, client, self.now());
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
