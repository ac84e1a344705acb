//! Mandatory training: the catalogue's courses and when a completion
//! expires. Refresher intervals are calendar months, clamped at month ends
//! (31 January + 1 month is the end of February; 29 February + 12 months is
//! 28 February), unless the certificate states its own expiry.

use serde::Deserialize;
use time::Date;

use super::dates::add_months;

/// One course in `content/training/catalogue.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Course {
    pub key: String,
    pub title: String,
    pub framework: String,
    pub level: u8,
    /// 0 means completed once, never refreshed.
    pub refresher_months: u32,
    pub required_for: Vec<String>,
    #[serde(default)]
    pub confidence: String,
}

/// The staff groups a course can be required for.
pub const STAFF_GROUPS: [&str; 4] = ["all", "patient_facing", "clinical", "registered"];

/// The day a completion stops being in date, if it ever does.
pub fn expiry(
    course: &Course,
    completed: Date,
    stated_on_certificate: Option<Date>,
) -> Option<Date> {
    stated_on_certificate.or_else(|| match course.refresher_months {
        0 => None,
        months => add_months(completed, i32::try_from(months).ok()?),
    })
}

/// Checks a loaded catalogue: unique keys, known staff groups, sane intervals.
pub fn check_catalogue(courses: &[Course]) -> Result<(), String> {
    let mut keys = std::collections::BTreeSet::new();
    for c in courses {
        if !keys.insert(c.key.as_str()) {
            return Err(format!("course key {:?} appears twice", c.key));
        }
        if c.refresher_months > 120 {
            return Err(format!(
                "course {:?}: refresher_months must be at most 120",
                c.key
            ));
        }
        if let Some(group) = c
            .required_for
            .iter()
            .find(|g| !STAFF_GROUPS.contains(&g.as_str()))
        {
            return Err(format!("course {:?}: unknown staff group {group:?}", c.key));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn course(months: u32) -> Course {
        Course {
            key: "k".into(),
            title: "t".into(),
            framework: "CSTF".into(),
            level: 1,
            refresher_months: months,
            required_for: vec!["all".into()],
            confidence: String::new(),
        }
    }

    #[test]
    fn expiry_uses_calendar_months_at_month_ends_and_leap_days() {
        assert_eq!(
            expiry(&course(1), date!(2025 - 01 - 31), None),
            Some(date!(2025 - 02 - 28))
        );
        assert_eq!(
            expiry(&course(1), date!(2028 - 01 - 31), None),
            Some(date!(2028 - 02 - 29))
        );
        assert_eq!(
            expiry(&course(12), date!(2028 - 02 - 29), None),
            Some(date!(2029 - 02 - 28))
        );
        assert_eq!(
            expiry(&course(48), date!(2024 - 02 - 29), None),
            Some(date!(2028 - 02 - 29))
        );
        assert_eq!(
            expiry(&course(36), date!(2026 - 11 - 23), None),
            Some(date!(2029 - 11 - 23))
        );
    }

    #[test]
    fn certificate_date_wins_and_zero_means_no_expiry() {
        assert_eq!(
            expiry(
                &course(12),
                date!(2026 - 01 - 10),
                Some(date!(2026 - 06 - 30))
            ),
            Some(date!(2026 - 06 - 30))
        );
        assert_eq!(expiry(&course(0), date!(2026 - 01 - 10), None), None);
    }

    #[test]
    fn catalogue_checks() {
        assert!(check_catalogue(&[course(12)]).is_ok());
        assert!(
            check_catalogue(&[course(12), course(24)])
                .unwrap_err()
                .contains("appears twice")
        );
        assert!(check_catalogue(&[course(121)]).is_err());
        let mut odd = course(12);
        odd.required_for = vec!["everyone".into()];
        assert!(
            check_catalogue(&[odd])
                .unwrap_err()
                .contains("unknown staff group")
        );
    }
}
