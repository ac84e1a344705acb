//! Users, teams and team membership.

use surrealdb::types::SurrealValue;

use super::error::StorageError;
use super::error::StorageResult;
use super::rows::datetime;
use super::{Store, new_id};
use crate::domain::user::{NewUser, Role, TeamMembership, User};

#[derive(SurrealValue)]
struct UserRow {
    id: String,
    email: String,
    name: String,
    role: String,
    hcpc_number: Option<String>,
    practice_summary: String,
    created_at: String,
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
}

const USER_FIELDS: &str = "record::id(id) AS id, email, name, role, hcpc_number, practice_summary, <string> created_at AS created_at";

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
    fn into_user(self, teams: Vec<TeamMembership>) -> StorageResult<User> {
        Ok(User {
            role: self.role.parse::<Role>().map_err(anyhow::Error::msg)?,
            created_at: datetime(&self.created_at)?,
            id: self.id,
            email: self.email,
            name: self.name,
            hcpc_number: self.hcpc_number,
            practice_summary: self.practice_summary,
            teams,
        })
    }
}

impl Store {
    /// Creates the account and, for a team, the team (if new) and the
    /// membership, all in one transaction.
    pub async fn create_user(
        &self,
        user: &NewUser,
        password_hash: String,
    ) -> Result<User, CreateUserError> {
        let id = new_id();
        let query = self
            .db()
            .query(
                "BEGIN TRANSACTION;
                 LET $u = type::record('user', $id);
                 CREATE $u SET email = $email, name = $name, role = $role, hcpc_number = $hcpc,
                     practice_summary = '', password_hash = $hash, created_at = time::now(), updated_at = time::now();
                 IF $team != NONE {
                     LET $existing = (SELECT VALUE id FROM team WHERE name = $team LIMIT 1)[0];
                     LET $t = IF $existing != NONE { $existing } ELSE { (CREATE type::record('team', $team_id) SET name = $team, created_at = time::now() RETURN VALUE id)[0] };
                     CREATE membership SET user = $u, team = $t, is_lead = $is_lead;
                 };
                 COMMIT TRANSACTION;",
            )
            .bind(("id", id.clone()))
            .bind(("email", user.email.clone()))
            .bind(("name", user.name.clone()))
            .bind(("role", user.role.as_str()))
            .bind(("hcpc", user.hcpc_number.clone()))
            .bind(("hash", password_hash))
            .bind(("team", user.team.clone()))
            .bind(("team_id", new_id()))
            .bind(("is_lead", user.role == Role::Lead))
            ;
        super::execute(query).await?;
        self.user(&id)
            .await?
            .ok_or(CreateUserError::Storage(StorageError::NotFound))
    }

    pub async fn user(&self, id: &str) -> StorageResult<Option<User>> {
        let row: Option<UserRow> = self
            .db()
            .query(format!(
                "SELECT {USER_FIELDS} FROM type::record('user', $id)"
            ))
            .bind(("id", id.to_owned()))
            .await?
            .take(0)?;
        match row {
            Some(row) => {
                let teams = self.memberships(&row.id).await?;
                row.into_user(teams).map(Some)
            }
            None => Ok(None),
        }
    }

    async fn memberships(&self, user_id: &str) -> StorageResult<Vec<TeamMembership>> {
        let rows: Vec<MembershipRow> = self
            .db()
            .query("SELECT team.name AS team, is_lead FROM membership WHERE user = type::record('user', $id) ORDER BY team")
            .bind(("id", user_id.to_owned()))
            .await?
            .take(0)?;
        Ok(rows
            .into_iter()
            .map(|r| TeamMembership {
                team: r.team,
                is_lead: r.is_lead,
            })
            .collect())
    }

    /// The id and password hash for a login attempt.
    pub async fn credentials(&self, email: &str) -> StorageResult<Option<(String, String)>> {
        let row: Option<CredentialRow> = self
            .db()
            .query(
                "SELECT record::id(id) AS id, password_hash FROM user WHERE email = $email LIMIT 1",
            )
            .bind(("email", email.to_owned()))
            .await?
            .take(0)?;
        Ok(row.map(|r| (r.id, r.password_hash)))
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

    /// Every account that keeps a portfolio, for the alert job.
    pub async fn portfolio_users(&self) -> StorageResult<Vec<User>> {
        let rows: Vec<UserRow> = self
            .db()
            .query(format!(
                "SELECT {USER_FIELDS} FROM user WHERE role != 'admin' ORDER BY email"
            ))
            .await?
            .take(0)?;
        rows.into_iter().map(|r| r.into_user(Vec::new())).collect()
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
