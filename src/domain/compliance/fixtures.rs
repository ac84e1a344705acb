//! What the compliance unit tests build their cases from.

use super::requirements::{Requirement, RequirementKind};

/// A training requirement for everyone, warned of 60 days ahead.
pub fn requirement(key: &str) -> Requirement {
    Requirement {
        key: key.into(),
        title: key.to_uppercase(),
        kind: RequirementKind::Training,
        required_for: vec!["all".into()],
        warning_days: 60,
        refresher_months: 12,
    }
}
