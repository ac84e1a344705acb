//! Scheduled work inside `serve`: the daily alert run at the configured
//! UTC time, and every few minutes a delivery pass that sends queued
//! emails whose retry time has come. A failed run is logged and the
//! schedule carries on.

use std::time::Duration;

use time::{OffsetDateTime, Time};

use crate::app::App;

/// Seconds from `at` until the next `time_of_day` (UTC), never zero.
pub fn until_next(at: OffsetDateTime, time_of_day: Time) -> Duration {
    let today = at.replace_time(time_of_day);
    let next = if today > at {
        today
    } else {
        today + time::Duration::days(1)
    };
    Duration::from_secs(
        u64::try_from((next - at).whole_seconds())
            .unwrap_or(1)
            .max(1),
    )
}

/// How often queued emails are retried between daily runs.
const DELIVERY_EVERY: Duration = Duration::from_secs(5 * 60);

/// Runs the alert job every day at the configured time, forever, and the
/// delivery pass every five minutes.
pub fn spawn_daily_alerts(app: App) -> Option<tokio::task::JoinHandle<()>> {
    let at = app.config().alerts_time_of_day()?;
    if !app.config().alerts_enabled {
        return None;
    }
    let retries = app.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(DELIVERY_EVERY).await;
            if let Err(err) = retries.deliver_queued().await {
                tracing::error!(kind = %err.log_kind(), "scheduled delivery pass failed");
            }
        }
    });
    Some(tokio::spawn(async move {
        loop {
            tokio::time::sleep(until_next(app.now(), at)).await;
            if let Err(err) = app.run_alerts(false).await {
                tracing::error!(kind = %err.log_kind(), "scheduled alert run failed");
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, time};

    #[test]
    fn next_run_is_later_today_or_tomorrow() {
        assert_eq!(
            until_next(datetime!(2026-11-23 06:00 UTC), time!(07:00)),
            Duration::from_secs(3600)
        );
        assert_eq!(
            until_next(datetime!(2026-11-23 07:00 UTC), time!(07:00)),
            Duration::from_secs(86_400)
        );
        assert_eq!(
            until_next(datetime!(2026-11-23 23:30 UTC), time!(00:15)),
            Duration::from_secs(2700)
        );
    }
}
