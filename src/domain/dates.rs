//! Calendar arithmetic used by gap checks and, later, training expiry:
//! months are calendar months, clamped to the end of a shorter month
//! (31 January + 1 month = the last day of February).

use time::{Date, Month};

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

/// Parses `YYYY-MM-DD`, rejecting impossible dates such as 2025-02-30.
pub fn parse_iso(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

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
