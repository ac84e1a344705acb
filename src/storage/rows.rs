//! Conversions between database text and domain values.

use anyhow::Context;
use surrealdb::types::Datetime;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

pub fn datetime(text: &str) -> anyhow::Result<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).with_context(|| "stored datetime is not RFC 3339")
}

pub fn date(text: &str) -> anyhow::Result<Date> {
    crate::domain::dates::parse_iso(text).context("stored date is not YYYY-MM-DD")
}

pub fn datetime_to_db(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// Midnight UTC of `date` as a database datetime. Bound as a value (not
/// cast from text in the query), it lets the planner start an index range
/// scan at it.
pub fn midnight(date: Date) -> anyhow::Result<Datetime> {
    Datetime::from_timestamp(date.midnight().assume_utc().unix_timestamp(), 0)
        .context("date out of the database's range")
}
