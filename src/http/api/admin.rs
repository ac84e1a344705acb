//! Account management (admin only): creating accounts, listing them,
//! deactivating and reactivating them, one-time password resets, and the
//! alert job. An admin sees accounts, never portfolio content.

use crate::http::json_body::JsonBody;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object, OpenApi};
use time::OffsetDateTime;

use super::Tag;
use super::compliance::{StaffFactsView, change};
use super::me::{TeamView, UserView};
use crate::app::{App, PasswordReset};
use crate::app::{AppError, AppResult};
use crate::domain::compliance::StaffUpdate;
use crate::domain::user::{NewUser, Role, User};
use crate::http::auth::BearerAuth;
use crate::http::text::Text;

pub struct AdminApi;

/// An account as an admin manages it (no portfolio content).
#[derive(Object)]
struct AccountView {
    id: String,
    email: String,
    name: String,
    /// practitioner, lead or admin.
    role: String,
    hcpc_number: Option<String>,
    teams: Vec<TeamView>,
    /// False once deactivated: the account cannot sign in and gets no
    /// alerts; its records stay.
    active: bool,
    /// The account must set its own password at its next sign-in.
    must_change_password: bool,
    created_at: OffsetDateTime,
}

impl From<User> for AccountView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role.as_str().to_owned(),
            hcpc_number: u.hcpc_number,
            teams: u.teams.into_iter().map(TeamView::from).collect(),
            active: u.active,
            must_change_password: u.must_change_password,
            created_at: u.created_at,
        }
    }
}

#[derive(Object)]
struct AccountPage {
    items: Vec<AccountView>,
    total: u64,
    limit: u32,
    offset: u32,
}

/// A one-time password for an account, shown this once.
#[derive(Object)]
struct PasswordResetView {
    account: AccountView,
    /// Give this to the person by a channel you trust; it is stored only
    /// hashed and cannot be shown again. It signs in once it is typed, and
    /// the person must then set their own password.
    one_time_password: String,
    /// After this the one-time password no longer signs in.
    expires_at: OffsetDateTime,
}

impl From<PasswordReset> for PasswordResetView {
    fn from(r: PasswordReset) -> Self {
        Self {
            account: r.user.into(),
            one_time_password: r.one_time_password,
            expires_at: r.expires_at,
        }
    }
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
struct NewUserRequest {
    email: Text,
    name: Text,
    /// practitioner, lead or admin.
    role: Text,
    /// Team name; created if new. Required for a lead.
    team: Option<Text>,
    /// HCPC registration number, e.g. OT12345.
    hcpc_number: Option<Text>,
    /// 12 to 128 characters. The person must replace it with their own at
    /// first sign-in.
    password: Text,
}

/// The compliance facts an admin keeps for a person; absent fields stay
/// as they are, null clears them.
#[derive(Object)]
#[oai(deny_unknown_fields)]
struct StaffPatch {
    /// Staff groups listed in content/compliance/requirements.toml
    /// (all, patient_facing, clinical, registered as shipped); null goes
    /// back to the role's default groups.
    staff_groups: MaybeUndefined<Vec<Text>>,
    /// YYYY-MM-DD of the last DBS check.
    dbs_checked_on: MaybeUndefined<Text>,
    /// YYYY-MM-DD of the last appraisal.
    last_appraisal_on: MaybeUndefined<Text>,
}

#[derive(ApiResponse)]
enum CreatedUser {
    /// The account was created.
    #[oai(status = 201)]
    Created(Json<UserView>),
}

#[derive(ApiResponse)]
enum CreatedBackup {
    /// The backup was written and its checksums recorded.
    #[oai(status = 201)]
    Created(Json<BackupView>),
}

/// A backup written on the server, under the configured backup directory.
#[derive(Object)]
struct BackupView {
    /// The folder's name in the backup directory.
    name: String,
    /// When the database snapshot was taken (RFC 3339, UTC).
    created_at: String,
    database_bytes: u64,
    attachments: u64,
    attachment_bytes: u64,
    /// SHA-256 of the backup's `manifest.json`, which lists every file's.
    manifest_sha256: String,
}

impl From<crate::app::backup::BackupReport> for BackupView {
    fn from(r: crate::app::backup::BackupReport) -> Self {
        Self {
            name: r
                .dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            created_at: r.created_at,
            database_bytes: r.database_bytes,
            attachments: r.attachments,
            attachment_bytes: r.attachment_bytes,
            manifest_sha256: r.manifest_sha256,
        }
    }
}

#[derive(Object)]
struct AlertLine {
    user_id: String,
    name: String,
    email: String,
    /// The day the silence began (YYYY-MM-DD).
    since: String,
    days: i64,
}

#[derive(Object)]
struct SentLine {
    user_id: String,
    recipient: String,
    subject: String,
}

/// A compliance email due for one person's item.
#[derive(Object)]
struct ComplianceAlertLine {
    user_id: String,
    name: String,
    email: String,
    item_key: String,
    item_title: String,
    /// The item's due date (YYYY-MM-DD): the last day it is in date.
    due_on: String,
    /// due_in_60, due_in_14 (the configured offsets), lapsed,
    /// overdue_reminder_N or renewal_window_open.
    milestone: String,
}

/// A lead's weekly digest for one team.
#[derive(Object)]
struct DigestLine {
    lead_id: String,
    name: String,
    email: String,
    team_id: String,
    team_name: String,
    /// Overdue and due-soon items it lists.
    items: u32,
}

#[derive(Object)]
struct AlertRun {
    dry_run: bool,
    /// The UK date the run worked for (YYYY-MM-DD).
    as_of: String,
    /// Inactivity reminders newly due this run: queued for delivery (or
    /// only listed in a dry run). At most 10,000 are listed.
    due: Vec<AlertLine>,
    /// Every inactivity reminder newly due, listed or not.
    due_total: u64,
    /// Compliance emails newly due this run. At most 10,000 are listed.
    compliance: Vec<ComplianceAlertLine>,
    /// Every compliance email newly due, listed or not.
    compliance_total: u64,
    /// Lead digests newly due this run.
    digests: Vec<DigestLine>,
    /// Delivered during this run. At most 10,000 are listed.
    sent: Vec<SentLine>,
    /// Every email delivered during this run, listed or not.
    sent_total: u64,
    /// Delivery attempts that failed (they stay queued and are retried).
    failed: u32,
}

/// An alert in the outbox: what it is about, for whom and how delivery
/// went; never the message or the address.
#[derive(Object)]
struct QueuedAlertView {
    id: String,
    /// inactivity, compliance_due, compliance_lapsed, compliance_overdue,
    /// registration_window or lead_digest.
    kind: String,
    /// The recipient's account.
    user_id: String,
    name: String,
    /// The requirement (or, for a digest, the team).
    item_key: Option<String>,
    item_title: Option<String>,
    milestone: Option<String>,
    due_on: Option<String>,
    /// pending, sending, sent or failed.
    status: String,
    attempts: i64,
    /// The SMTP reply code of the last failed attempt.
    last_error_code: Option<i64>,
    /// smtp, connection, message or outbox.
    last_error: Option<String>,
    created_at: String,
    last_attempt_at: Option<String>,
    /// When a pending retry is next tried.
    next_attempt_at: Option<String>,
}

#[derive(Object)]
struct QueuedAlertPage {
    items: Vec<QueuedAlertView>,
    total: u64,
    limit: u32,
    offset: u32,
}

#[OpenApi(prefix_path = "/api/v1/admin", tag = "Tag::Admin")]
impl AdminApi {
    /// Create an account (admin only). Its owner must set their own
    /// password at first sign-in; a lead's appointment is recorded in the
    /// team's trail.
    #[oai(path = "/users", method = "post")]
    async fn create_user(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        body: JsonBody<NewUserRequest>,
    ) -> AppResult<CreatedUser> {
        auth.0.require_admin()?;
        let body = body.0;
        let role: Role = body
            .role
            .0
            .parse()
            .map_err(|e: String| AppError::invalid("role", e))?;
        let user = app
            .admin_create_user(
                &auth.0,
                NewUser {
                    email: body.email.0,
                    name: body.name.0,
                    role,
                    team: body.team.map(String::from),
                    hcpc_number: body.hcpc_number.map(String::from),
                    password: body.password.0,
                },
            )
            .await?;
        Ok(CreatedUser::Created(Json(user.into())))
    }

    /// Every account by email, active or not (admin only).
    #[oai(path = "/users", method = "get")]
    async fn list_users(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        /// Page size, 1 to 500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u32>>,
        #[oai(validator(maximum(value = "1000000")))] offset: Query<Option<u32>>,
    ) -> AppResult<Json<AccountPage>> {
        let (limit, offset) = (limit.0.unwrap_or(100), offset.0.unwrap_or(0));
        let (users, total) = app.list_accounts(&auth.0, limit, offset).await?;
        Ok(Json(AccountPage {
            items: users.into_iter().map(Into::into).collect(),
            total,
            limit,
            offset,
        }))
    }

    /// Set a person's staff groups and the dates of their last DBS check
    /// and appraisal (admin only): what decides which compliance
    /// requirements apply to them and when two of them fall due.
    #[oai(path = "/users/:user_id", method = "patch")]
    async fn update_user(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        user_id: Path<String>,
        body: JsonBody<StaffPatch>,
    ) -> AppResult<Json<StaffFactsView>> {
        let body = body.0;
        let update = StaffUpdate {
            staff_groups: Option::<Option<Vec<Text>>>::from(body.staff_groups)
                .map(|g| g.map(|g| g.into_iter().map(|t| t.0).collect())),
            dbs_checked_on: change(body.dbs_checked_on),
            last_appraisal_on: change(body.last_appraisal_on),
        };
        let facts = app.admin_update_staff(&auth.0, &user_id, update).await?;
        Ok(Json(facts.into()))
    }

    /// Deactivate an account (admin only): every session it has ends at
    /// once and it can no longer sign in; its records stay. Not one's own.
    #[oai(path = "/users/:user_id/deactivate", method = "post")]
    async fn deactivate(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        user_id: Path<String>,
    ) -> AppResult<Json<AccountView>> {
        let user = app.deactivate_account(&auth.0, &user_id).await?;
        Ok(Json(user.into()))
    }

    /// Let a deactivated account sign in again (admin only).
    #[oai(path = "/users/:user_id/reactivate", method = "post")]
    async fn reactivate(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        user_id: Path<String>,
    ) -> AppResult<Json<AccountView>> {
        let user = app.reactivate_account(&auth.0, &user_id).await?;
        Ok(Json(user.into()))
    }

    /// Reset an account's password to a random one-time password (admin
    /// only): every session it has ends, the one-time password signs in
    /// for 72 hours, and the person must then set their own. Not one's own.
    #[oai(path = "/users/:user_id/password-reset", method = "post")]
    async fn reset_password(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        user_id: Path<String>,
    ) -> AppResult<Json<PasswordResetView>> {
        let reset = app.reset_password(&auth.0, &user_id).await?;
        Ok(Json(reset.into()))
    }

    /// The outbox in one status, newest first (admin only): e.g.
    /// `status=failed` for the permanent failures (SMTP 5xx) to act on.
    #[oai(path = "/alerts", method = "get")]
    async fn list_alerts(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        /// pending, sending, sent or failed (default failed).
        status: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        #[oai(validator(maximum(value = "1000000")))] offset: Query<Option<u32>>,
    ) -> AppResult<Json<QueuedAlertPage>> {
        let (limit, offset) = (limit.0.unwrap_or(50), offset.0.unwrap_or(0));
        let status = status.0.unwrap_or_else(|| "failed".to_owned());
        let (alerts, total) = app
            .alerts_by_status(&auth.0, &status, limit, offset)
            .await?;
        Ok(Json(QueuedAlertPage {
            items: alerts
                .into_iter()
                .map(|a| QueuedAlertView {
                    id: a.id,
                    kind: a.kind,
                    user_id: a.user_id,
                    name: a.name,
                    item_key: a.item_key,
                    item_title: a.item_title,
                    milestone: a.milestone,
                    due_on: a.due_on,
                    status: a.status,
                    attempts: a.attempts,
                    last_error_code: a.error_code,
                    last_error: a.last_error,
                    created_at: a.created_at,
                    last_attempt_at: a.last_attempt_at,
                    next_attempt_at: a.next_attempt_at,
                })
                .collect(),
            total,
            limit,
            offset,
        }))
    }

    /// Back up the running server now (admin only): the database as one
    /// consistent snapshot, every attachment file, the configuration
    /// without secrets and local content, with a manifest of SHA-256
    /// checksums, into a new folder in the backup directory. Restore with
    /// `cpdfolio restore DIR`. 409 while another backup runs.
    #[oai(path = "/backups", method = "post")]
    async fn backup(&self, app: Data<&App>, auth: BearerAuth) -> AppResult<CreatedBackup> {
        let report = app.hot_backup(&auth.0).await?;
        Ok(CreatedBackup::Created(Json(report.into())))
    }

    /// Run the alerts now (admin only): inactivity reminders, compliance
    /// emails and (on the digest day) lead digests. With `dry_run=true`
    /// what is due is listed and nothing is queued or sent; `as_of`
    /// (YYYY-MM-DD, dry runs only) lists what would be due on that date.
    #[oai(path = "/alerts/run", method = "post")]
    async fn run_alerts(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        dry_run: Query<Option<bool>>,
        as_of: Query<Option<String>>,
    ) -> AppResult<Json<AlertRun>> {
        auth.0.require_admin()?;
        let as_of = match as_of.0.as_deref() {
            None => None,
            Some(text) => Some(
                crate::domain::dates::parse_iso(text)
                    .ok_or_else(|| AppError::invalid("as_of", "must be a date YYYY-MM-DD"))?,
            ),
        };
        let report = app
            .run_alerts_as_of(dry_run.0.unwrap_or(false), as_of)
            .await?;
        Ok(Json(AlertRun {
            dry_run: report.dry_run,
            as_of: report.as_of,
            due_total: total(report.due.total),
            compliance_total: total(report.compliance.total),
            sent_total: total(report.sent.total),
            compliance: report
                .compliance
                .into_vec()
                .into_iter()
                .map(|c| ComplianceAlertLine {
                    user_id: c.user_id,
                    name: c.name,
                    email: c.email,
                    item_key: c.item_key,
                    item_title: c.item_title,
                    due_on: c.due_on,
                    milestone: c.milestone,
                })
                .collect(),
            digests: report
                .digests
                .into_iter()
                .map(|d| DigestLine {
                    lead_id: d.lead_id,
                    name: d.name,
                    email: d.email,
                    team_id: d.team_id,
                    team_name: d.team_name,
                    items: u32::try_from(d.items).unwrap_or(u32::MAX),
                })
                .collect(),
            due: report
                .due
                .into_vec()
                .into_iter()
                .map(|a| AlertLine {
                    user_id: a.user_id,
                    name: a.name,
                    email: a.email,
                    since: a.since,
                    days: a.days,
                })
                .collect(),
            sent: report
                .sent
                .into_vec()
                .into_iter()
                .map(|s| SentLine {
                    user_id: s.user_id,
                    recipient: s.recipient,
                    subject: s.subject,
                })
                .collect(),
            failed: u32::try_from(report.failed).unwrap_or(u32::MAX),
        }))
    }
}

fn total(count: usize) -> u64 {
    u64::try_from(count).unwrap_or(u64::MAX)
}
