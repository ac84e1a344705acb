//! The caller's calendar feed (`/api/v1/me/calendar`: create or replace,
//! see, revoke) and the feed itself (`GET /api/v1/calendar/{token}.ics`),
//! which calendar programs fetch without a bearer token: the secret in the
//! address is the credential.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};
use time::OffsetDateTime;

use super::Tag;
use crate::app::{App, AppError, AppResult, NewCalendarFeed};
use crate::http::auth::BearerAuth;

pub struct CalendarApi;

/// A new feed address. It is shown only now: the server keeps only a
/// digest of the secret in it.
#[derive(Object)]
struct NewFeedView {
    /// Subscribe to this in Outlook or Google Calendar ("add calendar from
    /// URL"). Anyone with it can read your due dates; replace or revoke it
    /// if it leaks.
    url: String,
    created_at: OffsetDateTime,
}

impl From<NewCalendarFeed> for NewFeedView {
    fn from(f: NewCalendarFeed) -> Self {
        Self {
            url: f.url,
            created_at: f.created_at,
        }
    }
}

/// Whether the caller has a feed.
#[derive(Object)]
struct FeedStateView {
    active: bool,
    /// Since when the current address works.
    created_at: Option<OffsetDateTime>,
}

#[derive(ApiResponse)]
enum CreatedFeed {
    /// Created; any earlier address no longer works.
    #[oai(status = 201)]
    Created(Json<NewFeedView>),
}

#[derive(ApiResponse)]
enum Revoked {
    /// Revoked (or there was none).
    #[oai(status = 204)]
    Revoked,
}

#[derive(ApiResponse)]
enum Feed {
    /// The feed (RFC 5545): one all-day event per due date.
    #[oai(status = 200, content_type = "text/calendar; charset=utf-8")]
    Calendar(PlainText<String>, #[oai(header = "Cache-Control")] String),
}

#[OpenApi(tag = "Tag::Me")]
impl CalendarApi {
    /// Create a secret calendar address for the caller's due dates
    /// (training expiries, supervision, appraisal, DBS, HCPC renewal), or
    /// replace the current one.
    #[oai(path = "/api/v1/me/calendar", method = "post")]
    async fn create(&self, app: Data<&App>, auth: BearerAuth) -> AppResult<CreatedFeed> {
        let feed = app.create_calendar_feed(&auth.0).await?;
        Ok(CreatedFeed::Created(Json(feed.into())))
    }

    /// Whether the caller has a calendar address (never the address).
    #[oai(path = "/api/v1/me/calendar", method = "get")]
    async fn state(&self, app: Data<&App>, auth: BearerAuth) -> AppResult<Json<FeedStateView>> {
        let since = app.calendar_feed_since(&auth.0).await?;
        Ok(Json(FeedStateView {
            active: since.is_some(),
            created_at: since,
        }))
    }

    /// Revoke the caller's calendar address.
    #[oai(path = "/api/v1/me/calendar", method = "delete")]
    async fn revoke(&self, app: Data<&App>, auth: BearerAuth) -> AppResult<Revoked> {
        app.revoke_calendar_feed(&auth.0).await?;
        Ok(Revoked::Revoked)
    }

    /// The calendar feed behind a secret address (`{token}.ics`). No
    /// bearer token: the address is the credential. Unknown or revoked:
    /// 404.
    #[oai(path = "/api/v1/calendar/:file", method = "get")]
    async fn feed(&self, app: Data<&App>, file: Path<String>) -> AppResult<Feed> {
        let secret = file
            .0
            .strip_suffix(".ics")
            .ok_or(AppError::NotFound("calendar"))?;
        let text = app.calendar_for_token(secret).await?;
        Ok(Feed::Calendar(
            PlainText(text),
            "private, max-age=3600".to_owned(),
        ))
    }
}
