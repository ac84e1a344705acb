//! A person's due dates as a calendar feed that Outlook or Google Calendar
//! subscribes to. The address carries a secret token (256 random bits,
//! stored only as a digest): whoever holds it reads the feed, so it
//! reveals nothing but what is due when, the person can replace it
//! (the old address stops working) or revoke it, and an unknown or revoked
//! token is a 404 like any other unknown address.

use time::OffsetDateTime;

use super::{App, AppError, AppResult, CurrentUser};
use crate::export::ical::{calendar, due_date_events};
use crate::security::token;

/// A new feed address: shown once, since only its digest is kept.
#[derive(Debug, Clone)]
pub struct NewCalendarFeed {
    pub url: String,
    pub created_at: OffsetDateTime,
}

impl App {
    /// Creates the caller's feed, or replaces its address.
    pub async fn create_calendar_feed(&self, me: &CurrentUser) -> AppResult<NewCalendarFeed> {
        me.require_portfolio()?;
        let secret = token::generate();
        let at = self.now();
        self.store()
            .set_calendar_feed(me.id(), &token::digest(&secret), at)
            .await?;
        Ok(NewCalendarFeed {
            url: format!(
                "{}/api/v1/calendar/{secret}.ics",
                self.config().base_url.trim_end_matches('/')
            ),
            created_at: at,
        })
    }

    /// Since when the caller's feed address works, if they have one.
    pub async fn calendar_feed_since(&self, me: &CurrentUser) -> AppResult<Option<OffsetDateTime>> {
        Ok(self
            .store()
            .calendar_feed_of(me.id())
            .await?
            .map(|f| f.created_at))
    }

    /// Revokes the caller's feed.
    pub async fn revoke_calendar_feed(&self, me: &CurrentUser) -> AppResult<()> {
        self.store().delete_calendar_feed(me.id()).await?;
        Ok(())
    }

    /// The iCalendar text the secret `token` opens: the due dates of an
    /// active account that keeps a portfolio, or 404.
    pub async fn calendar_for_token(&self, secret: &str) -> AppResult<String> {
        let not_found = || AppError::NotFound("calendar");
        let feed = self
            .store()
            .calendar_feed_by_token(&token::digest(secret))
            .await?
            .ok_or_else(not_found)?;
        let user = self
            .store()
            .user(&feed.user_id)
            .await?
            .filter(|u| u.active && u.role.keeps_portfolio())
            .ok_or_else(not_found)?;
        let owner = CurrentUser {
            user,
            token_digest: String::new(),
        };
        let compliance = self.my_compliance(&owner).await?;
        Ok(calendar(
            "cpdfolio: due dates",
            &due_date_events(&compliance),
            self.now(),
        ))
    }
}
