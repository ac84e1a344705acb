//! The checks every kind of record repeats (required text, length limits,
//! dates that must be in the past and not absurdly old), collected so that
//! each `validated` function reads as a list of rules and reports every
//! problem at once rather than the first.

use time::Date;

use super::error::FieldError;
use super::text::{char_len, is_blank};

/// The earliest date any record may carry.
pub const EARLIEST_YEAR: i32 = 1990;

/// Collects field errors in the order the rules are checked.
#[derive(Debug, Default)]
#[must_use]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `message` for `field` unless `ok`.
    pub fn rule(&mut self, ok: bool, field: &str, message: impl Into<String>) -> &mut Self {
        if !ok {
            self.errors.push(FieldError::new(field, message));
        }
        self
    }

    /// Text that must not be blank and must fit in `max` characters.
    pub fn required(&mut self, field: &str, value: &str, max: usize) -> &mut Self {
        if is_blank(value) {
            self.rule(false, field, "must not be empty")
        } else {
            self.max_chars(field, value, max)
        }
    }

    /// Text of at most `max` characters (not bytes).
    pub fn max_chars(&mut self, field: &str, value: &str, max: usize) -> &mut Self {
        self.rule(
            char_len(value) <= max,
            field,
            format!("must be at most {max} characters"),
        )
    }

    /// A date on which something happened: not after `today`, not before 1990.
    pub fn past_date(&mut self, field: &str, date: Date, today: Date) -> &mut Self {
        self.rule(date <= today, field, "must not be in the future");
        self.rule(
            date.year() >= EARLIEST_YEAR,
            field,
            format!("must be in {EARLIEST_YEAR} or later"),
        )
    }

    /// Adds an error found by a rule of the caller's own.
    pub fn push(&mut self, error: FieldError) -> &mut Self {
        self.errors.push(error);
        self
    }

    /// `value` when every rule held, otherwise every error found.
    pub fn finish<T>(&mut self, value: T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(std::mem::take(&mut self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn reports_every_broken_rule_in_order() {
        let today = date!(2026 - 11 - 25);
        let result = Checks::new()
            .required("title", "  ", 10)
            .max_chars("notes", "ééééé", 4)
            .past_date("date", date!(2026 - 11 - 26), today)
            .past_date("started_on", date!(1989 - 12 - 31), today)
            .finish(());
        assert_eq!(
            result,
            Err(vec![
                FieldError::new("title", "must not be empty"),
                FieldError::new("notes", "must be at most 4 characters"),
                FieldError::new("date", "must not be in the future"),
                FieldError::new("started_on", "must be in 1990 or later"),
            ])
        );
    }

    #[test]
    fn passes_the_value_through_when_all_rules_hold() {
        let today = date!(2026 - 11 - 25);
        let result = Checks::new()
            .required("title", "Fire safety", 200)
            .past_date("date", today, today)
            .finish(7);
        assert_eq!(result, Ok(7));
    }
}
