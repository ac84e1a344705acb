//! Accounts and sessions: creating users, logging in and out, and turning a
//! bearer token into the current user. An account whose password someone
//! else chose (an admin, creating it or resetting it) may do nothing but
//! read itself, set its own password and sign out until it has done so.

use std::net::IpAddr;

use time::{Duration, OffsetDateTime};

use super::App;
use super::login_guard::Refusal;
use super::signed_in::SignedIn;
use crate::app::{AppError, AppResult};
use crate::domain::error::FieldError;
use crate::domain::pii::{self, TextField};
use crate::domain::user::{self, NewUser, Role, User};
use crate::security::password::{self, Workspace};
use crate::security::token;
use crate::storage::users::{CreateUserError, NewAccount};

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

    /// Everything but reading one's account, setting one's password and
    /// signing out waits until a password someone else chose is replaced.
    pub fn require_own_password(&self) -> AppResult<()> {
        if self.user.must_change_password {
            Err(AppError::Forbidden(
                "set a new password first: this account's password was chosen by an administrator"
                    .to_owned(),
            ))
        } else {
            Ok(())
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
    /// The session may only set a new password (and read the account or
    /// sign out) until it does.
    pub must_change_password: bool,
}

/// Changes a user may make to their own details; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub name: Option<String>,
    pub hcpc_number: Option<Option<String>>,
    pub practice_summary: Option<String>,
}

pub(super) fn refused(refusal: Refusal) -> AppError {
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
    /// True once any account exists (the demo seeds only an empty database).
    pub async fn has_accounts(&self) -> AppResult<bool> {
        Ok(self.store().count_users().await? > 0)
    }

    /// Validates and stores a new account whose owner chose its password
    /// (the command line, where they type it, and the demo seed).
    pub async fn create_user(&self, new_user: NewUser) -> AppResult<User> {
        self.store_new_user(new_user, None).await
    }

    /// An admin creates an account: they chose the password, so its owner
    /// must set their own at first sign-in.
    pub async fn admin_create_user(&self, me: &CurrentUser, new_user: NewUser) -> AppResult<User> {
        me.require_admin()?;
        self.store_new_user(new_user, Some(me.id())).await
    }

    /// `created_by` is the admin who chose the password, if it was not
    /// the account's owner.
    async fn store_new_user(&self, new_user: NewUser, created_by: Option<&str>) -> AppResult<User> {
        let new_user = new_user.validated().map_err(AppError::Validation)?;
        let password = new_user.password.clone();
        let hash = self
            .hashing(move |space| password::hash(&password, space))
            .await?
            .map_err(AppError::Internal)?;
        let account = NewAccount {
            user: &new_user,
            password_hash: hash,
            must_change_password: created_by.is_some(),
            created_by,
            at: self.now(),
        };
        match self.store().create_user(account).await {
            Ok(user) => {
                if new_user.team.is_some() {
                    self.memberships_changed();
                }
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
    pub(super) async fn hashing<T: Send + 'static>(
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
        let hash = credentials.as_ref().map_or_else(
            || password::dummy_hash().to_owned(),
            |c| c.password_hash.clone(),
        );
        let attempt = password.to_owned();
        let matches = self
            .hash_in(slot, move |space| password::verify(&attempt, &hash, space))
            .await?;
        let Some(account) = credentials.filter(|_| matches) else {
            tracing::info!("login refused");
            return Err(AppError::InvalidCredentials);
        };
        if let Some(refusal) =
            user::sign_in_refusal(account.active, account.password_expires_at, self.now())
        {
            tracing::info!(user.id = %account.user_id, reason = ?refusal, "login refused after a correct password");
            return Err(AppError::Forbidden(refusal.message().to_owned()));
        }
        guard.succeeded(&email, client, self.now());
        let token = token::generate();
        let created = self.now();
        let expires_at = created + Duration::hours(i64::from(self.config().session_lifetime_hours));
        self.store()
            .create_session(
                &token::digest(&token),
                &account.user_id,
                created,
                expires_at,
            )
            .await?;
        self.store().purge_expired_sessions(created).await?;
        tracing::info!(user.id = %account.user_id, "login");
        Ok(LoginResult {
            token,
            expires_at,
            must_change_password: account.must_change_password,
        })
    }

    pub async fn logout(&self, current: &CurrentUser) -> AppResult<()> {
        self.end_session(&current.token_digest).await?;
        tracing::info!(user.id = %current.id(), "logout");
        Ok(())
    }

    /// The user behind a bearer token, for everything but the few
    /// operations [`App::session_user`] serves: 403 while the account must
    /// still set its own password.
    pub async fn authenticate(&self, bearer: &str) -> AppResult<CurrentUser> {
        let current = self.session_user(bearer).await?;
        current.require_own_password()?;
        Ok(current)
    }

    /// The user behind a bearer token if the session is alive and the
    /// account active, whether or not it must still set its own password
    /// (for reading the account, setting the password and signing out).
    /// Sliding idle expiry: the last-seen time is refreshed at most once a
    /// minute. The session and the account are read in one round trip, or
    /// come from those kept since an earlier request ([`signed_in`]).
    ///
    /// [`signed_in`]: super::signed_in
    pub async fn session_user(&self, bearer: &str) -> AppResult<CurrentUser> {
        let _phase = super::timing::phase("auth");
        let digest = token::digest(bearer);
        let SignedIn { session, user } = self.signed_in(&digest).await?;
        let at = self.now();
        let idle = Duration::minutes(i64::from(self.config().session_idle_minutes));
        if at >= session.expires_at || at - session.last_seen_at >= idle || !user.active {
            self.end_session(&digest).await?;
            return Err(AppError::Unauthorized);
        }
        if at - session.last_seen_at >= Duration::minutes(1) {
            self.store().touch_session(&digest, at).await?;
            self.inner.signed_in.seen(&digest, at);
        }
        Ok(CurrentUser {
            user,
            token_digest: digest,
        })
    }

    /// The session with `digest` and its account, kept or read.
    async fn signed_in(&self, digest: &str) -> AppResult<SignedIn> {
        let cache = &self.inner.signed_in;
        if let Some(kept) = cache.get(digest) {
            return Ok(kept);
        }
        let read_under = cache.generation();
        let (session, user) = self
            .store()
            .session_with_user(digest)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let Some(user) = user else {
            self.end_session(digest).await?;
            return Err(AppError::Unauthorized);
        };
        let signed_in = SignedIn { session, user };
        cache.keep(digest, read_under, signed_in.clone());
        Ok(signed_in)
    }

    /// Deletes a session; no request may use it from now on.
    pub(super) async fn end_session(&self, digest: &str) -> AppResult<()> {
        self.store().delete_session(digest).await?;
        self.accounts_changed();
        Ok(())
    }

    /// Drops what this process keeps about sessions and accounts, after it
    /// changed an account, ended sessions or changed a team membership.
    pub(super) fn accounts_changed(&self) {
        self.inner.signed_in.accounts_changed();
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
            errors.extend(pii::nhs_number_errors(&[TextField::new(
                "practice_summary",
                summary,
            )]));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        self.store()
            .update_profile_fields(current.id(), name, hcpc, update.practice_summary)
            .await?;
        self.accounts_changed();
        self.store()
            .user(current.id())
            .await?
            .ok_or(AppError::NotFound("user"))
    }
}
