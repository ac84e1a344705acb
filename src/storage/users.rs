//! Accounts: creating them (with a first team membership, recorded in the
//! team's trail), reading them, their credentials, and the lifecycle an
//! admin drives (deactivation, password resets).

use surrealdb::types::SurrealValue;
use time::OffsetDateTime;

use super::error::StorageError;
use super::error::StorageResult;
use super::rows::{datetime, datetime_to_db};
use super::{Store, new_id};
use crate::domain::team::Standing;
use crate::domain::user::{NewUser, Recipient, Role, TeamMembership, User};

#[derive(SurrealValue)]
struct RecipientRow {
    id: String,
    name: String,
    email: String,
}

#[derive(SurrealValue)]
pub(super) struct UserRow {
    id: String,
    email: String,
    name: String,
    role: String,
    hcpc_number: Option<String>,
    practice_summary: String,
    created_at: String,
    active: bool,
    must_change_password: bool,
    teams: Vec<MembershipRow>,
}

#[derive(SurrealValue)]
struct MembershipRow {
    team: String,
    is_lead: bool,
}

#[derive(SurrealValue)]
struct CredentialRow {
    id: String,
    password_hash: String,
    active: bool,
    must_change_password: bool,
    password_expires_at: Option<String>,
}

/// What a sign-in needs to know about an account.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_id: String,
    pub password_hash: String,
    pub active: bool,
    pub must_change_password: bool,
    /// Set while the password is a one-time password.
    pub password_expires_at: Option<OffsetDateTime>,
}

/// A new account and how it came to be.
pub struct NewAccount<'a> {
    pub user: &'a NewUser,
    pub password_hash: String,
    /// True when someone other than its owner chose the password.
    pub must_change_password: bool,
    /// The admin creating it; `None` for the command line and the demo.
    pub created_by: Option<&'a str>,
    pub at: OffsetDateTime,
}

/// A password to store for an account, and what goes with it.
pub struct PasswordChange<'a> {
    pub user_id: &'a str,
    pub password_hash: String,
    pub must_change_password: bool,
    /// When a one-time password stops signing in; `None` for a password
    /// its owner chose.
    pub expires_at: Option<OffsetDateTime>,
    /// The session (by token digest) that stays signed in; every other
    /// session of the account ends.
    pub keep_session: Option<&'a str>,
}

pub(super) const USER_FIELDS: &str =
    "record::id(id) AS id, email, name, role, hcpc_number, practice_summary,
    <string> created_at AS created_at, active, must_change_password";

/// The accounts the statement `select` yields (with `USER_FIELDS`), each
/// with its teams. SurrealDB 3.3.5 does not plan a subquery on
/// `$parent.id` on the index: it read every membership in the database for
/// each account, on every authenticated request. A closure's parameter is
/// planned on the index.
pub(super) fn with_teams(select: &str) -> String {
    format!(
        "RETURN ({select}).map(|$u| object::extend($u, {{ teams:
            (SELECT team.name AS team, is_lead FROM membership
             WHERE user = type::record('user', $u.id) ORDER BY team) }}))"
    )
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("an account with this email already exists")]
    DuplicateEmail,
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for CreateUserError {
    fn from(err: StorageError) -> Self {
        if err.is_unique("user_email") {
            Self::DuplicateEmail
        } else {
            Self::Storage(err)
        }
    }
}

impl From<surrealdb::Error> for CreateUserError {
    fn from(err: surrealdb::Error) -> Self {
        StorageError::from(err).into()
    }
}

impl From<anyhow::Error> for CreateUserError {
    fn from(err: anyhow::Error) -> Self {
        Self::Storage(err.into())
    }
}

impl UserRow {
    pub(super) fn into_user(self) -> StorageResult<User> {
        Ok(User {
            role: self.role.parse::<Role>().map_err(anyhow::Error::msg)?,
            created_at: datetime(&self.created_at)?,
            id: self.id,
            email: self.email,
            name: self.name,
            hcpc_number: self.hcpc_number,
            practice_summary: self.practice_summary,
            teams: self
                .teams
                .into_iter()
                .map(|r| TeamMembership {
                    team: r.team,
                    is_lead: r.is_lead,
                })
                .collect(),
            active: self.active,
            must_change_password: self.must_change_password,
        })
    }
}

impl Store {
    /// Every account's id, sorted: for the consistency checks, which
    /// visit everyone.
    pub(super) async fn all_user_ids(&self) -> StorageResult<Vec<String>> {
        Ok(self
            .db()
            .query("SELECT VALUE record::id(id) FROM user ORDER BY id")
            .await?
            .take(0)?)
    }

    /// Creates the account and, for a team, the team (if new), the
    /// membership and its entry in the team's trail, all in one transaction.
    pub async fn create_user(&self, account: NewAccount<'_>) -> Result<User, CreateUserError> {
        let id = new_id();
        let user = account.user;
        let is_lead = user.role == Role::Lead;
        let query = self
            .db()
            .query(
                "BEGIN TRANSACTION;
                 LET $u = type::record('user', $id);
                 CREATE $u SET email = $email, name = $name, role = $role, hcpc_number = $hcpc,
                     practice_summary = '', password_hash = $hash, created_at = <datetime> $at, updated_at = <datetime> $at,
                     active = true, must_change_password = $must_change;
                 IF $team != NONE {
                     LET $existing = (SELECT VALUE id FROM team WHERE name = $team LIMIT 1)[0];
                     LET $t = IF $existing != NONE { $existing } ELSE { (CREATE type::record('team', $team_id) SET name = $team, created_at = <datetime> $at RETURN VALUE id)[0] };
                     CREATE membership SET user = $u, team = $t, is_lead = $is_lead;
                     CREATE type::record('team_event', $event_id) SET team = $t, subject = $u,
                         actor = IF $actor != NONE { type::record('user', $actor) } ELSE { NONE },
                         standing_before = $before, standing_after = $after, at = <datetime> $at;
                 };
                 COMMIT TRANSACTION;",
            )
            .bind(("id", id.clone()))
            .bind(("email", user.email.clone()))
            .bind(("name", user.name.clone()))
            .bind(("role", user.role.as_str()))
            .bind(("hcpc", user.hcpc_number.clone()))
            .bind(("hash", account.password_hash))
            .bind(("must_change", account.must_change_password))
            .bind(("team", user.team.clone()))
            .bind(("team_id", new_id()))
            .bind(("is_lead", is_lead))
            .bind(("actor", account.created_by.map(str::to_owned)))
            .bind(("before", Standing::Outside.as_str()))
            .bind(("after", Standing::of(Some(is_lead)).as_str()))
            .bind(("event_id", new_id()))
            .bind(("at", datetime_to_db(account.at)));
        super::execute(query).await?;
        self.user(&id)
            .await?
            .ok_or(CreateUserError::Storage(StorageError::NotFound))
    }

    pub async fn user(&self, id: &str) -> StorageResult<Option<User>> {
        let rows: Vec<UserRow> = self
            .db()
            .query(with_teams(&format!(
                "SELECT {USER_FIELDS} FROM type::record('user', $id)"
            )))
            .bind(("id", id.to_owned()))
            .await?
            .take(0)?;
        rows.into_iter().next().map(UserRow::into_user).transpose()
    }

    /// The accounts with these (normalised) email addresses, through the
    /// unique email index.
    pub async fn users_by_email(&self, emails: Vec<String>) -> StorageResult<Vec<User>> {
        let rows: Vec<UserRow> = self
            .db()
            .query(with_teams(&format!(
                "SELECT {USER_FIELDS} FROM user WHERE email IN $emails"
            )))
            .bind(("emails", emails))
            .await?
            .take(0)?;
        rows.into_iter().map(UserRow::into_user).collect()
    }

    /// A page of every account by email, and how many there are.
    pub async fn users(&self, limit: u32, offset: u32) -> StorageResult<(Vec<User>, u64)> {
        let mut response = self
            .db()
            .query(format!(
                "{};
                 RETURN count(SELECT id FROM user);",
                with_teams(&format!(
                    "SELECT {USER_FIELDS} FROM user ORDER BY email LIMIT $limit START $offset"
                ))
            ))
            .bind(("limit", i64::from(limit)))
            .bind(("offset", i64::from(offset)))
            .await?;
        let rows: Vec<UserRow> = response.take(0)?;
        let total: Option<i64> = response.take(1)?;
        let users = rows
            .into_iter()
            .map(UserRow::into_user)
            .collect::<StorageResult<_>>()?;
        Ok((users, u64::try_from(total.unwrap_or(0)).unwrap_or(0)))
    }

    /// What a sign-in (or a password change) checks the password against.
    pub async fn credentials(&self, email: &str) -> StorageResult<Option<Credentials>> {
        let row: Option<CredentialRow> = self
            .db()
            .query(
                "SELECT record::id(id) AS id, password_hash, active, must_change_password,
                     IF password_expires_at { <string> password_expires_at } ELSE { NONE } AS password_expires_at
                 FROM user WHERE email = $email LIMIT 1",
            )
            .bind(("email", email.to_owned()))
            .await?
            .take(0)?;
        row.map(|r| {
            Ok(Credentials {
                password_expires_at: r.password_expires_at.as_deref().map(datetime).transpose()?,
                user_id: r.id,
                password_hash: r.password_hash,
                active: r.active,
                must_change_password: r.must_change_password,
            })
        })
        .transpose()
    }

    /// Stores a new password and ends every session of the account but the
    /// one kept, in one transaction.
    pub async fn set_password(&self, change: PasswordChange<'_>) -> StorageResult<()> {
        let query = self
            .db()
            .query(
                "BEGIN TRANSACTION;
                 LET $u = type::record('user', $id);
                 UPDATE $u SET password_hash = $hash, must_change_password = $must_change,
                     password_expires_at = IF $expires != NONE { <datetime> $expires } ELSE { NONE },
                     updated_at = time::now();
                 DELETE session WHERE user = $u AND token_digest != $keep;
                 COMMIT TRANSACTION;",
            )
            .bind(("id", change.user_id.to_owned()))
            .bind(("hash", change.password_hash))
            .bind(("must_change", change.must_change_password))
            .bind(("expires", change.expires_at.map(datetime_to_db)))
            .bind(("keep", change.keep_session.map(str::to_owned)));
        super::execute(query).await
    }

    /// Activates or deactivates an account; deactivating ends all its
    /// sessions in the same transaction.
    pub async fn set_active(&self, user_id: &str, active: bool) -> StorageResult<()> {
        let query = self
            .db()
            .query(
                "BEGIN TRANSACTION;
                 LET $u = type::record('user', $id);
                 UPDATE $u SET active = $active, updated_at = time::now();
                 IF $active = false { DELETE session WHERE user = $u; };
                 COMMIT TRANSACTION;",
            )
            .bind(("id", user_id.to_owned()))
            .bind(("active", active));
        super::execute(query).await
    }

    pub async fn update_profile_fields(
        &self,
        id: &str,
        name: Option<String>,
        hcpc_number: Option<Option<String>>,
        practice_summary: Option<String>,
    ) -> StorageResult<()> {
        self.db()
            .query(
                "UPDATE type::record('user', $id) SET
                     name = IF $name != NONE { $name } ELSE { name },
                     hcpc_number = IF $set_hcpc { $hcpc } ELSE { hcpc_number },
                     practice_summary = IF $summary != NONE { $summary } ELSE { practice_summary },
                     updated_at = time::now()",
            )
            .bind(("id", id.to_owned()))
            .bind(("name", name))
            .bind(("set_hcpc", hcpc_number.is_some()))
            .bind(("hcpc", hcpc_number.flatten()))
            .bind(("summary", practice_summary))
            .await?
            .check()?;
        Ok(())
    }

    /// Whom to email for each of these ids (skipping ids with no account),
    /// by key. Not [`Self::user`]'s full account with its teams, which costs
    /// SurrealDB time growing with the square of the batch.
    pub async fn recipients(&self, ids: &[String]) -> StorageResult<Vec<Recipient>> {
        let rows: Vec<RecipientRow> = self
            .db()
            .query("SELECT record::id(id) AS id, name, email FROM $ids")
            .bind(("ids", super::record_ids("user", ids)))
            .await?
            .take(0)?;
        Ok(rows
            .into_iter()
            .map(|r| Recipient {
                id: r.id,
                name: r.name,
                email: r.email,
            })
            .collect())
    }

    pub async fn count_users(&self) -> StorageResult<usize> {
        let n: Option<i64> = self
            .db()
            .query("RETURN count(SELECT id FROM user)")
            .await?
            .take(0)?;
        Ok(usize::try_from(n.unwrap_or(0)).unwrap_or(0))
    }
}
