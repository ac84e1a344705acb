//! The caller's own account: details, password, sessions and access log.

use crate::http::json_body::JsonBody;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use time::OffsetDateTime;

use super::Tag;
use crate::app::AppResult;
use crate::app::{App, ProfileUpdate};
use crate::domain::compliance::preferences::{AlertPreferences, AlertPreferencesUpdate};
use crate::domain::profile::SUMMARY_WORD_LIMIT;
use crate::domain::text::word_count;
use crate::domain::user::{SessionSummary, TeamMembership, User};
use crate::http::auth::{BearerAuth, SessionAuth};
use crate::http::client::client_ip;
use crate::http::text::Text;

pub struct MeApi;

#[derive(Object)]
pub struct TeamView {
    team: String,
    is_lead: bool,
}

impl From<TeamMembership> for TeamView {
    fn from(t: TeamMembership) -> Self {
        Self {
            team: t.team,
            is_lead: t.is_lead,
        }
    }
}

/// An account as its owner (or an admin) sees it.
#[derive(Object)]
pub struct UserView {
    id: String,
    email: String,
    name: String,
    /// practitioner, lead or admin.
    role: String,
    hcpc_number: Option<String>,
    practice_summary: String,
    /// Words in the summary of practice, as the CPD profile counts them
    /// (markup and lone punctuation are not words).
    practice_summary_words: u64,
    /// The HCPC's limit for the summary: 500 words.
    practice_summary_word_limit: u64,
    teams: Vec<TeamView>,
    created_at: OffsetDateTime,
    /// The password was chosen by an admin: until the owner sets their own
    /// (`POST /api/v1/me/password`), every other operation answers 403.
    must_change_password: bool,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role.as_str().to_owned(),
            hcpc_number: u.hcpc_number,
            practice_summary_words: word_count(&u.practice_summary) as u64,
            practice_summary_word_limit: SUMMARY_WORD_LIMIT as u64,
            practice_summary: u.practice_summary,
            teams: u.teams.into_iter().map(TeamView::from).collect(),
            created_at: u.created_at,
            must_change_password: u.must_change_password,
        }
    }
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
struct PasswordChangeRequest {
    current_password: Text,
    /// 12 to 128 characters, not the email address, not the current password.
    new_password: Text,
}

/// One signed-in session of the caller.
#[derive(Object)]
struct SessionView {
    /// Names the session for `DELETE /api/v1/me/sessions/{id}`; not a token.
    id: String,
    created_at: OffsetDateTime,
    last_seen_at: OffsetDateTime,
    /// When it ends at the latest (it also ends after idle time).
    expires_at: OffsetDateTime,
    /// The session this request came with.
    current: bool,
}

impl From<SessionSummary> for SessionView {
    fn from(s: SessionSummary) -> Self {
        Self {
            id: s.id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            current: s.current,
        }
    }
}

#[derive(ApiResponse)]
enum Done {
    /// Done.
    #[oai(status = 204)]
    Done,
}

/// Fields to change; absent fields are left as they are. Send
/// `"hcpc_number": ""` to clear the number.
#[derive(Object)]
#[oai(deny_unknown_fields)]
struct MeUpdate {
    name: Option<Text>,
    hcpc_number: Option<Text>,
    /// Summary of practice history for the CPD profile (HCPC asks for at
    /// most 500 words; the profile reports the count).
    practice_summary: Option<Text>,
}

/// One logged read or change of the caller's records.
#[derive(Object)]
struct AccessLogEntry {
    at: OffsetDateTime,
    actor_id: String,
    actor_name: String,
    /// reflection, supervision, audit or training.
    kind: String,
    record_id: String,
    /// read, history, download, create, update, delete, share, unshare,
    /// submit, sign-off, return, addendum, close-action, verify, attach,
    /// detach.
    action: String,
}

#[derive(Object)]
struct AccessLogPage {
    items: Vec<AccessLogEntry>,
    total: u64,
    limit: u32,
    offset: u32,
}

/// Which compliance emails the caller receives.
#[derive(Object)]
struct AlertPreferencesView {
    /// "Due soon" reminders (by default 60 and 14 days before a due date)
    /// and the HCPC renewal window notice.
    due_soon: bool,
    /// The weekly digest of each team the caller leads.
    digest: bool,
    /// The notice on the day an item lapses and the reminders while it is
    /// overdue: always on.
    lapse_notices: bool,
}

impl From<AlertPreferences> for AlertPreferencesView {
    fn from(p: AlertPreferences) -> Self {
        Self {
            due_soon: p.due_soon,
            digest: p.digest,
            lapse_notices: true,
        }
    }
}

/// Preferences to change; absent fields are left as they are.
#[derive(Object)]
#[oai(deny_unknown_fields)]
struct AlertPreferencesPatch {
    due_soon: Option<bool>,
    digest: Option<bool>,
    /// Only `true` is accepted (422 otherwise): lapse notices are
    /// mandatory.
    lapse_notices: Option<bool>,
}

#[OpenApi(prefix_path = "/api/v1/me", tag = "Tag::Me")]
impl MeApi {
    /// The caller's account. Allowed while a new password is due.
    #[oai(path = "/", method = "get")]
    async fn me(&self, auth: SessionAuth) -> Json<UserView> {
        Json(auth.0.user.into())
    }

    /// Change the caller's password. The current password is checked (and
    /// wrong guesses are throttled like logins); this session stays signed
    /// in and every other session of the account ends. Allowed, and
    /// required, while a new password is due.
    #[oai(path = "/password", method = "post")]
    async fn change_password(
        &self,
        req: &Request,
        app: Data<&App>,
        auth: SessionAuth,
        body: JsonBody<PasswordChangeRequest>,
    ) -> AppResult<Done> {
        let client = client_ip(req, app.config());
        let body = body.0;
        app.change_password(
            &auth.0,
            &body.current_password.0,
            &body.new_password.0,
            client,
        )
        .await?;
        Ok(Done::Done)
    }

    /// The caller's live sessions, newest first.
    #[oai(path = "/sessions", method = "get")]
    async fn sessions(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
    ) -> AppResult<Json<Vec<SessionView>>> {
        let sessions = app.my_sessions(&auth.0).await?;
        Ok(Json(sessions.into_iter().map(Into::into).collect()))
    }

    /// Sign out everywhere else: end every session of the caller but this
    /// one.
    #[oai(path = "/sessions", method = "delete")]
    async fn revoke_other_sessions(&self, app: Data<&App>, auth: BearerAuth) -> AppResult<Done> {
        app.revoke_other_sessions(&auth.0).await?;
        Ok(Done::Done)
    }

    /// End one of the caller's sessions (this one too, like logout).
    #[oai(path = "/sessions/:id", method = "delete")]
    async fn revoke_session(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> AppResult<Done> {
        app.revoke_session(&auth.0, &id).await?;
        Ok(Done::Done)
    }

    /// Change the caller's name, HCPC number or summary of practice.
    #[oai(path = "/", method = "patch")]
    async fn update_me(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        body: JsonBody<MeUpdate>,
    ) -> AppResult<Json<UserView>> {
        let body = body.0;
        let update = ProfileUpdate {
            name: body.name.map(String::from),
            hcpc_number: body.hcpc_number.map(|n| Some(n.0)),
            practice_summary: body.practice_summary.map(String::from),
        };
        Ok(Json(app.update_me(&auth.0, update).await?.into()))
    }

    /// Who read or changed the caller's records, newest first. By default
    /// only other people's accesses; `include_mine=true` adds the caller's
    /// own changes.
    #[oai(path = "/access-log", method = "get")]
    async fn access_log(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        include_mine: Query<Option<bool>>,
        /// Page size, 1 to 100 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        #[oai(validator(maximum(value = "1000000")))] offset: Query<Option<u32>>,
    ) -> AppResult<Json<AccessLogPage>> {
        let (limit, offset) = (limit.0.unwrap_or(50), offset.0.unwrap_or(0));
        let (entries, total) = app
            .access_log(&auth.0, include_mine.0.unwrap_or(false), limit, offset)
            .await?;
        Ok(Json(AccessLogPage {
            items: entries
                .into_iter()
                .map(|e| AccessLogEntry {
                    at: e.at,
                    actor_id: e.actor_id,
                    actor_name: e.actor_name,
                    kind: e.kind,
                    record_id: e.record_id,
                    action: e.action,
                })
                .collect(),
            total,
            limit,
            offset,
        }))
    }

    /// Which optional compliance emails the caller receives.
    #[oai(path = "/alert-preferences", method = "get")]
    async fn alert_preferences(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
    ) -> AppResult<Json<AlertPreferencesView>> {
        Ok(Json(app.alert_preferences(&auth.0).await?.into()))
    }

    /// Switch the optional compliance emails (due-soon reminders, the
    /// lead digest) on or off. Lapse notices cannot be switched off.
    #[oai(path = "/alert-preferences", method = "patch")]
    async fn update_alert_preferences(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        body: JsonBody<AlertPreferencesPatch>,
    ) -> AppResult<Json<AlertPreferencesView>> {
        let body = body.0;
        let update = AlertPreferencesUpdate {
            due_soon: body.due_soon,
            digest: body.digest,
            lapse_notices: body.lapse_notices,
        };
        Ok(Json(
            app.update_alert_preferences(&auth.0, update).await?.into(),
        ))
    }
}
