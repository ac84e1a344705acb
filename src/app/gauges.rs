//! The state an operator watches, read on demand for `/metrics`: the email
//! outbox, how far the search index trails the database (its uncommitted
//! changes, and how long since the change feed was last read to its end),
//! and the database's health.

use std::time::Duration;

use super::{App, AppResult};

/// One reading of the server's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gauges {
    /// Emails waiting to be sent (including ones retrying after a failure).
    pub outbox_pending: u64,
    /// Emails a run has claimed and is sending now.
    pub outbox_sending: u64,
    /// Emails refused for good (SMTP 5xx), waiting for an admin.
    pub outbox_failed: u64,
    /// How long the oldest change not yet searchable has waited.
    pub index_uncommitted: Duration,
    /// How long since the database's change feed was last read to its end
    /// (at most `index_follow_ms` plus the read while all is well).
    pub change_feed_age: Duration,
    /// Unexpected database errors since the process started.
    pub database_errors: u64,
    /// Whether a trivial query round-trips now.
    pub database_up: bool,
}

impl App {
    pub async fn gauges(&self) -> AppResult<Gauges> {
        let database_up = self.store().ping().await;
        let [outbox_pending, outbox_sending, outbox_failed] = if database_up {
            self.store().outbox_depth().await?
        } else {
            [0; 3]
        };
        Ok(Gauges {
            outbox_pending,
            outbox_sending,
            outbox_failed,
            index_uncommitted: self.search().uncommitted_for(),
            change_feed_age: self.change_feed_age(),
            database_errors: crate::storage::error::database_errors(),
            database_up,
        })
    }
}
