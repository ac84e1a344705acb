//! Objectives of the personal development plan: what the person means to
//! develop, why, how, by when, how far they have come, and the records
//! that evidence it. Agreed at appraisal and reviewed at the next; the
//! appraisal pack reports each with its progress.

use serde::{Deserialize, Serialize};
use time::Date;

use super::pii::TextField;
use super::record::{EvidenceData, RecordKind, RecordLink, SearchText};
use super::validate::Checks;
use crate::domain::error::FieldError;

pub const TITLE_MAX_CHARS: usize = 200;
pub const TEXT_MAX_CHARS: usize = 10_000;
pub const LINKS_MAX: usize = 20;

/// Where an objective stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveStatus {
    #[default]
    NotStarted,
    InProgress,
    Achieved,
    Deferred,
    Dropped,
}

impl ObjectiveStatus {
    pub const ALL: [Self; 5] = [
        Self::NotStarted,
        Self::InProgress,
        Self::Achieved,
        Self::Deferred,
        Self::Dropped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::InProgress => "in_progress",
            Self::Achieved => "achieved",
            Self::Deferred => "deferred",
            Self::Dropped => "dropped",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NotStarted => "Not started",
            Self::InProgress => "In progress",
            Self::Achieved => "Achieved",
            Self::Deferred => "Deferred",
            Self::Dropped => "No longer pursued",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Still to be worked on.
    pub fn is_open(self) -> bool {
        matches!(self, Self::NotStarted | Self::InProgress | Self::Deferred)
    }
}

/// One objective of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveDraft {
    /// What the person will develop.
    pub title: String,
    /// Why: the need it meets (service, role, feedback, standards).
    #[serde(default)]
    pub why: String,
    /// How: the activities and support planned.
    #[serde(default)]
    pub how: String,
    /// When the objective was agreed (usually the appraisal).
    #[serde(with = "crate::domain::dates::iso_date")]
    pub agreed_on: Date,
    /// By when it should be met.
    #[serde(with = "crate::domain::dates::iso_date")]
    pub due_on: Date,
    #[serde(default)]
    pub status: ObjectiveStatus,
    /// What has been done so far.
    #[serde(default)]
    pub progress: String,
    /// The person's records that evidence it.
    #[serde(default)]
    pub evidence: Vec<RecordLink>,
}

impl ObjectiveDraft {
    pub fn validated(mut self, today: Date) -> Result<Self, Vec<FieldError>> {
        self.title = self.title.trim().to_owned();
        let mut seen = Vec::new();
        self.evidence.retain(|link| {
            let fresh = !seen.contains(link);
            seen.push(link.clone());
            fresh
        });
        let mut checks = Checks::new();
        checks
            .required("title", &self.title, TITLE_MAX_CHARS)
            .max_chars("why", &self.why, TEXT_MAX_CHARS)
            .max_chars("how", &self.how, TEXT_MAX_CHARS)
            .max_chars("progress", &self.progress, TEXT_MAX_CHARS)
            .past_date("agreed_on", self.agreed_on, today)
            .rule(
                self.due_on >= self.agreed_on,
                "due_on",
                "must not be before agreed_on",
            )
            .rule(
                self.evidence.len() <= LINKS_MAX,
                "evidence",
                "at most 20 linked records",
            )
            .rule(
                self.evidence
                    .iter()
                    .all(|l| l.kind != RecordKind::Objective),
                "evidence",
                "must link reflections, supervision, audits or training",
            )
            .rule(
                self.evidence
                    .iter()
                    .all(|l| super::record::is_record_id(&l.id)),
                "evidence",
                "each id must be 32 lower-case hex characters",
            );
        checks.finish(self)
    }
}

impl EvidenceData for ObjectiveDraft {
    const KIND: RecordKind = RecordKind::Objective;

    /// Listed by the date it is due.
    fn date(&self) -> Date {
        self.due_on
    }

    fn title(&self) -> String {
        self.title.clone()
    }

    fn free_text(&self) -> Vec<TextField<'_>> {
        vec![
            TextField::new("title", &self.title),
            TextField::new("why", &self.why),
            TextField::new("how", &self.how),
            TextField::new("progress", &self.progress),
        ]
    }

    fn search_text(&self) -> SearchText {
        SearchText {
            body: self.how.clone(),
            notes: [self.why.as_str(), &self.progress].join("\n"),
            tags: vec![self.status.as_str().to_owned()],
        }
    }

    /// Other readers see the plan, not where it points in the portfolio.
    fn for_other_readers(mut self) -> Self {
        self.evidence.clear();
        self
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn draft() -> ObjectiveDraft {
        ObjectiveDraft {
            title: " Lead a falls group ".to_owned(),
            why: "Falls are the commonest referral.".to_owned(),
            how: "Shadow the physio group; co-run two sessions.".to_owned(),
            agreed_on: date!(2026 - 04 - 01),
            due_on: date!(2027 - 03 - 31),
            status: ObjectiveStatus::InProgress,
            progress: String::new(),
            evidence: vec![],
        }
    }

    #[test]
    fn statuses_read_back_as_they_are_stored() {
        for s in ObjectiveStatus::ALL {
            assert_eq!(ObjectiveStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        assert!(ObjectiveStatus::Deferred.is_open());
        assert!(!ObjectiveStatus::Achieved.is_open());
    }

    #[test]
    fn trims_the_title_and_keeps_each_link_once() {
        let link = RecordLink {
            kind: RecordKind::Reflection,
            id: "a".repeat(32),
        };
        let mut d = draft();
        d.evidence = vec![link.clone(), link.clone()];
        let d = d.validated(date!(2026 - 05 - 01)).unwrap();
        assert_eq!(d.title, "Lead a falls group");
        assert_eq!(d.evidence, vec![link]);
        assert_eq!(d.date(), date!(2027 - 03 - 31));
    }

    #[test]
    fn refuses_a_due_date_before_agreement_a_future_agreement_and_bad_links() {
        let mut d = draft();
        d.due_on = date!(2026 - 03 - 01);
        d.evidence = vec![RecordLink {
            kind: RecordKind::Objective,
            id: "b".repeat(32),
        }];
        let errors = d.validated(date!(2026 - 05 - 01)).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["due_on", "evidence"]);

        let mut d = draft();
        d.agreed_on = date!(2026 - 06 - 01);
        d.evidence = vec![RecordLink {
            kind: RecordKind::Audit,
            id: "not an id".to_owned(),
        }];
        let errors = d.validated(date!(2026 - 05 - 01)).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["agreed_on", "evidence"]);
    }
}
