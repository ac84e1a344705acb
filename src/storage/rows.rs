//! Conversions between database text and domain values.

use anyhow::Context;
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
