//! Mandatory training: the catalogue's courses and when a completion
//! expires. Refresher intervals are calendar months, clamped at month ends
//! (31 January + 1 month is the end of February; 29 February + 12 months is
//! 28 February), unless the certificate states its own expiry.

use serde::{Deserialize, Serialize};
use time::Date;

use super::dates::add_months;
use super::record::{EvidenceData, RecordKind, SearchText, Workflow};
use super::validate::Checks;
use crate::domain::error::FieldError;

pub const PROVIDER_MAX_CHARS: usize = 200;
pub const NOTES_MAX_CHARS: usize = 10_000;

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

/// A completed course as the practitioner records it. `course_title` and
/// `expires_on` are filled in from the catalogue by validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingDraft {
    pub course: String,
    #[serde(with = "crate::domain::dates::iso_date")]
    pub completed_on: Date,
    pub provider: String,
    /// The expiry printed on the certificate, when it states one.
    #[serde(default, with = "crate::domain::dates::iso_date::option")]
    pub certificate_expires_on: Option<Date>,
    pub notes: String,
    #[serde(default)]
    pub course_title: String,
    #[serde(default, with = "crate::domain::dates::iso_date::option")]
    pub expires_on: Option<Date>,
    /// Set only by an import, never from what a person types; an edit
    /// clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported: Option<Imported>,
}

/// Where an imported record came from, and the day it was imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Imported {
    pub source: ImportSource,
    #[serde(with = "crate::domain::dates::iso_date")]
    pub on: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportSource {
    /// The NHS Electronic Staff Record.
    Esr,
}

impl ImportSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Esr => "esr",
        }
    }
}

impl TrainingDraft {
    /// Checks the fields, resolves the course in `catalogue` and computes
    /// the expiry date.
    pub fn validated(mut self, today: Date, catalogue: &[Course]) -> Result<Self, Vec<FieldError>> {
        self.course = self.course.trim().to_owned();
        self.provider = self.provider.trim().to_owned();
        let course = catalogue.iter().find(|c| c.key == self.course);
        Checks::new()
            .rule(
                course.is_some(),
                "course",
                "is not a course in the training catalogue (GET /api/v1/catalogue/training)",
            )
            .past_date("completed_on", self.completed_on, today)
            .rule(
                self.certificate_expires_on
                    .is_none_or(|stated| stated > self.completed_on),
                "certificate_expires_on",
                "must be after completed_on",
            )
            .max_chars("provider", &self.provider, PROVIDER_MAX_CHARS)
            .max_chars("notes", &self.notes, NOTES_MAX_CHARS)
            .finish(())?;
        if let Some(course) = course {
            self.course_title = course.title.clone();
            self.expires_on = expiry(course, self.completed_on, self.certificate_expires_on);
        }
        Ok(self)
    }
}

impl EvidenceData for TrainingDraft {
    const KIND: RecordKind = RecordKind::Training;

    /// A changed certificate has to be verified again.
    fn after_owner_edit(flow: Workflow) -> Workflow {
        Workflow {
            verification: None,
            ..flow
        }
    }

    fn date(&self) -> Date {
        self.completed_on
    }

    fn title(&self) -> String {
        self.course_title.clone()
    }

    fn search_text(&self) -> SearchText {
        SearchText {
            body: self.notes.clone(),
            notes: self.provider.clone(),
            tags: vec![self.course.clone()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::Verification;
    use time::macros::{date, datetime};

    #[test]
    fn an_owners_edit_clears_the_verification_and_keeps_the_rest() {
        let verified = Workflow {
            verification: Some(Verification {
                verified_by: "lead".to_owned(),
                verified_at: datetime!(2026-02-01 12:00 UTC),
            }),
            ..Workflow::default()
        };
        assert_eq!(
            TrainingDraft::after_owner_edit(verified),
            Workflow::default()
        );
        assert_eq!(TrainingDraft::owner_may_edit(&Workflow::default()), Ok(()));
    }

    #[test]
    fn a_training_record_takes_its_title_and_expiry_from_the_catalogue() {
        let mut c = course(12);
        c.title = "Fire safety".into();
        let draft = TrainingDraft {
            course: " k ".into(),
            completed_on: date!(2028 - 02 - 29),
            provider: "ESR".into(),
            certificate_expires_on: None,
            notes: String::new(),
            course_title: String::new(),
            expires_on: None,
            imported: None,
        };
        let ok = draft
            .clone()
            .validated(date!(2028 - 03 - 01), &[c.clone()])
            .unwrap();
        assert_eq!(ok.course_title, "Fire safety");
        assert_eq!(ok.expires_on, Some(date!(2029 - 02 - 28)));
        let mut unknown = draft;
        unknown.course = "juggling".into();
        let errors = unknown.validated(date!(2028 - 03 - 01), &[c]).unwrap_err();
        assert_eq!(errors[0].field, "course");
    }

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
