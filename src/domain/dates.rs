//! Calendar arithmetic used by gap checks and, later, training expiry:
//! months are calendar months, clamped to the end of a shorter month
//! (31 January + 1 month = the last day of February).

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

// `Date` as "YYYY-MM-DD" in stored JSON (`iso_date` and `iso_date::option`).
time::serde::format_description!(pub iso_date, Date, "[year]-[month]-[day]");

/// `date` moved by `months` calendar months, clamping the day to the length
/// of the target month. Returns `None` only outside `time`'s date range.
pub fn add_months(date: Date, months: i32) -> Option<Date> {
    let zero_based = date.year() * 12 + i32::from(u8::from(date.month())) - 1 + months;
    let year = zero_based.div_euclid(12);
    let month = Month::try_from(u8::try_from(zero_based.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    (to - from).whole_days()
}

/// `YYYY-MM-DD`, the one date format of the API.
pub fn iso(date: Date) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    date.format(&format).unwrap_or_default()
}

/// A date as people read it in the UK: `3 March 2026`.
pub fn long_uk(date: Date) -> String {
    format!("{} {} {}", date.day(), date.month(), date.year())
}

/// Parses `YYYY-MM-DD` (exactly: four-digit year, two-digit month and
/// day), rejecting impossible dates such as 2025-02-30. Read by hand rather
/// than through a format description: the organisation view and the alert
/// scan parse about 25 dates a person.
pub fn parse_iso(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u16, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u16::from(d - b'0'))
        })
    };
    let year = i32::from(number(&bytes[..4])?);
    let month = Month::try_from(u8::try_from(number(&bytes[5..7])?).ok()?).ok()?;
    let day = u8::try_from(number(&bytes[8..])?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// Milliseconds since 1970 (0 before it): how stamps and checkpoints
/// store an instant.
pub fn unix_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(0)
        .max(0)
}

/// The calendar date in the UK (Europe/London) at the instant `at`.
///
/// People read due dates as UK calendar dates: a certificate that expires
/// "on 31 March" is valid all of 31 March in the UK, including the hour of
/// it that is still 30 March in UTC while British Summer Time runs. Since
/// 1996 BST starts at 01:00 UTC on the last Sunday of March and ends at
/// 01:00 UTC on the last Sunday of October (Summer Time Order 2002).
pub fn uk_date(at: OffsetDateTime) -> Date {
    let utc = at.to_offset(UtcOffset::UTC);
    let offset_hours = if is_british_summer_time(utc) { 1 } else { 0 };
    (utc + time::Duration::hours(offset_hours)).date()
}

fn is_british_summer_time(utc: OffsetDateTime) -> bool {
    let year = utc.year();
    let starts = last_sunday_1am_utc(year, Month::March);
    let ends = last_sunday_1am_utc(year, Month::October);
    match (starts, ends) {
        (Some(starts), Some(ends)) => utc >= starts && utc < ends,
        _ => false,
    }
}

fn last_sunday_1am_utc(year: i32, month: Month) -> Option<OffsetDateTime> {
    let last = Date::from_calendar_date(year, month, month.length(year)).ok()?;
    let back = i64::from(last.weekday().number_days_from_sunday());
    let sunday = last - time::Duration::days(back);
    debug_assert_eq!(sunday.weekday(), Weekday::Sunday);
    Some(PrimitiveDateTime::new(sunday, Time::from_hms(1, 0, 0).ok()?).assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn unix_ms_counts_whole_milliseconds_and_not_before_1970() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_795_886_000_123_999_999).unwrap();
        assert_eq!(unix_ms(at), 1_795_886_000_123);
        assert_eq!(unix_ms(OffsetDateTime::UNIX_EPOCH - time::Duration::DAY), 0);
    }

    #[test]
    fn uk_date_follows_british_summer_time() {
        // Summer: 23:30 UTC is already the next day in London.
        assert_eq!(
            uk_date(datetime!(2026-03-30 23:30 UTC)),
            date!(2026 - 03 - 31)
        );
        assert_eq!(
            uk_date(datetime!(2026-06-30 22:59 UTC)),
            date!(2026 - 06 - 30)
        );
        assert_eq!(
            uk_date(datetime!(2026-06-30 23:00 UTC)),
            date!(2026 - 07 - 01)
        );
        // Winter: London is on UTC.
        assert_eq!(
            uk_date(datetime!(2026-12-31 23:30 UTC)),
            date!(2026 - 12 - 31)
        );
        assert_eq!(
            uk_date(datetime!(2027-01-01 00:00 UTC)),
            date!(2027 - 01 - 01)
        );
    }

    #[test]
    fn uk_date_changes_at_one_in_the_morning_utc_on_the_last_sundays() {
        // 2026: BST from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC.
        assert_eq!(
            uk_date(datetime!(2026-03-28 23:30 UTC)),
            date!(2026 - 03 - 28)
        );
        assert_eq!(
            uk_date(datetime!(2026-03-29 23:30 UTC)),
            date!(2026 - 03 - 30)
        );
        assert_eq!(
            uk_date(datetime!(2026-10-24 23:30 UTC)),
            date!(2026 - 10 - 25)
        );
        assert_eq!(
            uk_date(datetime!(2026-10-25 23:30 UTC)),
            date!(2026 - 10 - 25)
        );
        // An offset other than UTC is read as the same instant.
        assert_eq!(
            uk_date(datetime!(2026-07-01 01:30 +02:00)),
            date!(2026 - 07 - 01)
        );
        // 2024 is a leap year whose last March Sunday is the 31st.
        assert_eq!(
            uk_date(datetime!(2024-03-31 00:59 UTC)),
            date!(2024 - 03 - 31)
        );
        assert_eq!(
            uk_date(datetime!(2024-03-31 23:30 UTC)),
            date!(2024 - 04 - 01)
        );
    }

    #[test]
    fn month_end_is_clamped() {
        assert_eq!(
            add_months(date!(2025 - 01 - 31), 1),
            Some(date!(2025 - 02 - 28))
        );
        assert_eq!(
            add_months(date!(2024 - 01 - 31), 1),
            Some(date!(2024 - 02 - 29))
        );
        assert_eq!(
            add_months(date!(2024 - 02 - 29), 12),
            Some(date!(2025 - 02 - 28))
        );
        assert_eq!(
            add_months(date!(2025 - 11 - 30), 3),
            Some(date!(2026 - 02 - 28))
        );
    }

    #[test]
    fn months_cross_years_both_ways() {
        assert_eq!(
            add_months(date!(2025 - 12 - 15), 1),
            Some(date!(2026 - 01 - 15))
        );
        assert_eq!(
            add_months(date!(2026 - 01 - 15), -1),
            Some(date!(2025 - 12 - 15))
        );
        assert_eq!(
            add_months(date!(2026 - 03 - 31), -3),
            Some(date!(2025 - 12 - 31))
        );
    }

    #[test]
    fn parse_rejects_impossible_dates() {
        assert_eq!(parse_iso("2025-02-28"), Some(date!(2025 - 02 - 28)));
        assert_eq!(parse_iso("2025-02-30"), None);
        assert_eq!(parse_iso("2025-2-3"), None);
        assert_eq!(parse_iso(""), None);
        assert_eq!(parse_iso("2024-02-29"), Some(date!(2024 - 02 - 29)));
        assert_eq!(parse_iso("2025-13-01"), None);
        assert_eq!(parse_iso("2025-00-10"), None);
        assert_eq!(parse_iso("2025-01-00"), None);
        assert_eq!(parse_iso("2025/01/10"), None);
        assert_eq!(parse_iso("+025-01-10"), None);
        assert_eq!(parse_iso("2025-01-1x"), None);
        assert_eq!(parse_iso("2025-01-10 "), None);
        assert_eq!(parse_iso("２０２５-01-10"), None);
    }

    #[test]
    fn formats() {
        assert_eq!(iso(date!(2026 - 03 - 03)), "2026-03-03");
        assert_eq!(long_uk(date!(2026 - 03 - 03)), "3 March 2026");
        assert_eq!(
            days_between(date!(2026 - 01 - 01), date!(2026 - 04 - 01)),
            90
        );
    }
}
