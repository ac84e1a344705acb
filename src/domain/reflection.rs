//! Reflective entries: the HCPC activity types, the reflective models, and
//! the validation of what a practitioner writes.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;

use super::validate::Checks;
use crate::domain::error::FieldError;

use super::record::{Evidence, EvidenceData, RecordKind, RecordLink, SearchText};

use super::pii::{TextField, named_items};
use super::text::char_len;

pub const TITLE_MAX_CHARS: usize = 200;
pub const BODY_MAX_CHARS: usize = 100_000;
pub const FIELD_MAX_CHARS: usize = 10_000;
pub const TAG_MAX_CHARS: usize = 40;
pub const TAGS_MAX: usize = 20;
pub const LINKS_MAX: usize = 20;
pub const SHARES_MAX: usize = 50;
pub const HOURS_MAX: f64 = 1_000.0;
/// The HCPC standards of proficiency are numbered 1 to 15.
pub const STANDARDS: std::ops::RangeInclusive<u8> = 1..=15;

/// The HCPC's five types of CPD activity (CPD standard 2 asks for a mixture).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityType {
    WorkBasedLearning,
    ProfessionalActivity,
    FormalEducation,
    SelfDirectedLearning,
    Other,
}

impl ActivityType {
    pub const ALL: [Self; 5] = [
        Self::WorkBasedLearning,
        Self::ProfessionalActivity,
        Self::FormalEducation,
        Self::SelfDirectedLearning,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WorkBasedLearning => "work_based_learning",
            Self::ProfessionalActivity => "professional_activity",
            Self::FormalEducation => "formal_education",
            Self::SelfDirectedLearning => "self_directed_learning",
            Self::Other => "other",
        }
    }

    /// The HCPC's own wording.
    pub fn label(self) -> &'static str {
        match self {
            Self::WorkBasedLearning => "Work-based learning",
            Self::ProfessionalActivity => "Professional activity",
            Self::FormalEducation => "Formal / educational",
            Self::SelfDirectedLearning => "Self-directed learning",
            Self::Other => "Other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The structure a reflection follows; each has prompts in content/.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReflectiveModel {
    Gibbs,
    Driscoll,
    Kolb,
    Schon,
    Rolfe,
    Free,
}

impl ReflectiveModel {
    pub const ALL: [Self; 6] = [
        Self::Gibbs,
        Self::Driscoll,
        Self::Kolb,
        Self::Schon,
        Self::Rolfe,
        Self::Free,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gibbs => "gibbs",
            Self::Driscoll => "driscoll",
            Self::Kolb => "kolb",
            Self::Schon => "schon",
            Self::Rolfe => "rolfe",
            Self::Free => "free",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// What the author writes; validated and normalised by [`ReflectionDraft::validated`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReflectionDraft {
    pub title: String,
    #[serde(with = "crate::domain::dates::iso_date")]
    pub activity_date: Date,
    pub activity_type: ActivityType,
    pub hours: Option<f64>,
    pub model: ReflectiveModel,
    pub body: String,
    pub learning: String,
    pub impact: String,
    pub benefit: String,
    pub tags: Vec<String>,
    pub standards: Vec<u8>,
    /// Other records of the author's this entry reflects on.
    pub links: Vec<RecordLink>,
}

/// A stored entry: a record like any other, whose author is its owner.
pub type Reflection = Evidence<ReflectionDraft>;

impl EvidenceData for ReflectionDraft {
    const KIND: RecordKind = RecordKind::Reflection;

    fn date(&self) -> Date {
        self.activity_date
    }

    fn title(&self) -> String {
        self.title.clone()
    }

    fn search_text(&self) -> SearchText {
        SearchText {
            body: self.body.clone(),
            notes: [self.learning.as_str(), &self.impact, &self.benefit].join("\n"),
            tags: self.tags.clone(),
        }
    }

    fn free_text(&self) -> Vec<TextField<'_>> {
        let mut fields = vec![
            TextField::new("title", &self.title),
            TextField::new("body", &self.body),
            TextField::new("learning", &self.learning),
            TextField::new("impact", &self.impact),
            TextField::new("benefit", &self.benefit),
        ];
        fields.extend(named_items("tags", &self.tags));
        fields
    }

    /// Links name the author's other records, which a reader may not see.
    fn for_other_readers(self) -> Self {
        Self {
            links: Vec::new(),
            ..self
        }
    }
}

impl ReflectionDraft {
    /// Trims text, de-duplicates tags and standards, and checks every limit.
    /// `today` bounds the activity date: CPD is recorded after it happens.
    pub fn validated(mut self, today: Date) -> Result<Self, Vec<FieldError>> {
        self.title = self.title.trim().to_owned();
        self.tags = normalise_tags(&self.tags);
        let standards: BTreeSet<u8> = self.standards.iter().copied().collect();
        self.standards = standards.into_iter().collect();
        let mut links: Vec<RecordLink> = Vec::new();
        for link in self.links.drain(..) {
            if !links.contains(&link) {
                links.push(link);
            }
        }
        self.links = links;
        let mut checks = Checks::new();
        checks
            .required("title", &self.title, TITLE_MAX_CHARS)
            .past_date("activity_date", self.activity_date, today)
            .rule(
                self.hours
                    .is_none_or(|h| h.is_finite() && h > 0.0 && h <= HOURS_MAX),
                "hours",
                "must be more than 0 and at most 1000",
            )
            .max_chars("body", &self.body, BODY_MAX_CHARS)
            .max_chars("learning", &self.learning, FIELD_MAX_CHARS)
            .max_chars("impact", &self.impact, FIELD_MAX_CHARS)
            .max_chars("benefit", &self.benefit, FIELD_MAX_CHARS);
        if let Some(error) = check_tags(&self.tags) {
            checks.push(error);
        }
        if let Some(bad) = self.standards.iter().find(|s| !STANDARDS.contains(s)) {
            checks.push(FieldError::new(
                "standards",
                format!("{bad} is not an HCPC standard of proficiency (1 to 15)"),
            ));
        }
        checks
            .rule(self.links.len() <= LINKS_MAX, "links", "at most 20 links")
            .rule(
                self.links.iter().all(|l| l.kind != RecordKind::Objective),
                "links",
                "may link reflections, supervision, audits or training",
            )
            .finish(self)
    }
}

fn normalise_tags(tags: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    tags.iter()
        .map(|t| t.trim().to_lowercase())
        .filter(|t| seen.insert(t.clone()))
        .collect()
}

fn check_tags(tags: &[String]) -> Option<FieldError> {
    if tags.len() > TAGS_MAX {
        return Some(FieldError::new("tags", "at most 20 tags"));
    }
    tags.iter()
        .find(|t| t.is_empty() || char_len(t) > TAG_MAX_CHARS || t.chars().any(char::is_control))
        .map(|_| {
            FieldError::new(
                "tags",
                "each tag must be 1 to 40 characters without control characters",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::Workflow;
    use time::macros::date;

    pub fn draft() -> ReflectionDraft {
        ReflectionDraft {
            title: "  Supervision on grading activity  ".into(),
            activity_date: date!(2026 - 03 - 02),
            activity_type: ActivityType::WorkBasedLearning,
            hours: Some(1.5),
            model: ReflectiveModel::Gibbs,
            body: "What happened".into(),
            learning: "".into(),
            impact: "".into(),
            benefit: "".into(),
            tags: vec![
                "Supervision".into(),
                "supervision ".into(),
                "grading".into(),
            ],
            standards: vec![10, 1, 10],
            links: vec![],
        }
    }

    #[test]
    fn a_reader_sees_only_themselves_among_readers_and_no_links() {
        let mut data = draft();
        data.links = vec![RecordLink {
            kind: RecordKind::Training,
            id: "0123456789abcdef0123456789abcdef".into(),
        }];
        let entry = Evidence {
            id: "e".into(),
            owner_id: "author".into(),
            data: data.clone(),
            workflow: Workflow::default(),
            shared_with: vec!["first".into(), "second".into()],
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
            version: 1,
            pii_dismissed: vec![],
        };
        assert_eq!(entry.clone().as_seen_by("author"), entry);
        let read = entry.clone().as_seen_by("second");
        assert_eq!(read.shared_with, ["second"]);
        assert_eq!(read.data.links, []);
        assert_eq!(read.data.body, data.body);
    }

    #[test]
    fn normalises_title_tags_and_standards() {
        let d = draft().validated(date!(2026 - 03 - 02)).unwrap();
        assert_eq!(d.title, "Supervision on grading activity");
        assert_eq!(d.tags, ["supervision", "grading"]);
        assert_eq!(d.standards, [1, 10]);
    }

    #[test]
    fn rejects_future_dates_bad_hours_and_standards() {
        let d = ReflectionDraft {
            hours: Some(0.0),
            standards: vec![16],
            ..draft()
        };
        let fields: Vec<String> = d
            .validated(date!(2026 - 03 - 01))
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["activity_date", "hours", "standards"]);
    }

    #[test]
    fn rejects_blank_and_overlong_titles() {
        let blank = ReflectionDraft {
            title: " \n".into(),
            ..draft()
        };
        assert_eq!(
            blank.validated(date!(2026 - 12 - 01)).unwrap_err()[0].message,
            "must not be empty"
        );
        let long = ReflectionDraft {
            title: "é".repeat(201),
            ..draft()
        };
        assert_eq!(
            long.validated(date!(2026 - 12 - 01)).unwrap_err()[0].field,
            "title"
        );
        let max = ReflectionDraft {
            title: "é".repeat(200),
            ..draft()
        };
        assert!(max.validated(date!(2026 - 12 - 01)).is_ok());
    }

    #[test]
    fn rejects_too_many_or_empty_tags() {
        let many = ReflectionDraft {
            tags: (0..21).map(|i| i.to_string()).collect(),
            ..draft()
        };
        assert_eq!(
            many.validated(date!(2026 - 12 - 01)).unwrap_err()[0].field,
            "tags"
        );
        let empty = ReflectionDraft {
            tags: vec!["  ".into()],
            ..draft()
        };
        assert_eq!(
            empty.validated(date!(2026 - 12 - 01)).unwrap_err()[0].field,
            "tags"
        );
    }

    #[test]
    fn enums_round_trip() {
        for t in ActivityType::ALL {
            assert_eq!(ActivityType::parse(t.as_str()), Some(t));
        }
        for m in ReflectiveModel::ALL {
            assert_eq!(ReflectiveModel::parse(m.as_str()), Some(m));
        }
        assert_eq!(ActivityType::parse("reading"), None);
    }
}
