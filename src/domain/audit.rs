//! Audits and quality-improvement work: what was audited against which
//! standard, the outcome measures used, the findings, and when to re-audit.

use serde::{Deserialize, Serialize};
use time::Date;

use super::pii::TextField;
use super::record::{EvidenceData, RecordKind, SearchText};
use super::text::char_len;
use super::validate::Checks;
use crate::domain::error::FieldError;

pub const TITLE_MAX_CHARS: usize = 200;
pub const SHORT_MAX_CHARS: usize = 300;
pub const TEXT_MAX_CHARS: usize = 50_000;
pub const MEASURES_MAX: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    ClinicalAudit,
    ReAudit,
    ServiceEvaluation,
    OutcomeMeasureReview,
    QualityImprovementProject,
    Research,
}

impl AuditKind {
    pub const ALL: [Self; 6] = [
        Self::ClinicalAudit,
        Self::ReAudit,
        Self::ServiceEvaluation,
        Self::OutcomeMeasureReview,
        Self::QualityImprovementProject,
        Self::Research,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClinicalAudit => "clinical_audit",
            Self::ReAudit => "re_audit",
            Self::ServiceEvaluation => "service_evaluation",
            Self::OutcomeMeasureReview => "outcome_measure_review",
            Self::QualityImprovementProject => "quality_improvement_project",
            Self::Research => "research",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ClinicalAudit => "Clinical audit",
            Self::ReAudit => "Re-audit",
            Self::ServiceEvaluation => "Service evaluation",
            Self::OutcomeMeasureReview => "Outcome measure review",
            Self::QualityImprovementProject => "Quality improvement project",
            Self::Research => "Research",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// What the practitioner records about an audit or QI project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditDraft {
    pub title: String,
    pub audit_kind: AuditKind,
    pub my_role: String,
    /// The standard or guideline audited against (e.g. "NICE NG222").
    pub standard: String,
    #[serde(with = "crate::domain::dates::iso_date")]
    pub started_on: Date,
    #[serde(default, with = "crate::domain::dates::iso_date::option")]
    pub completed_on: Option<Date>,
    /// e.g. COPM, MOHOST, WEMWBS, PHQ-9, GAD-7.
    pub outcome_measures: Vec<String>,
    pub findings: String,
    pub actions: String,
    #[serde(default, with = "crate::domain::dates::iso_date::option")]
    pub reaudit_due: Option<Date>,
}

impl AuditDraft {
    pub fn validated(mut self, today: Date) -> Result<Self, Vec<FieldError>> {
        self.title = self.title.trim().to_owned();
        self.my_role = self.my_role.trim().to_owned();
        self.standard = self.standard.trim().to_owned();
        let mut measures: Vec<String> = Vec::new();
        for m in &self.outcome_measures {
            let m = m.trim().to_owned();
            if !m.is_empty() && !measures.iter().any(|x| x.eq_ignore_ascii_case(&m)) {
                measures.push(m);
            }
        }
        self.outcome_measures = measures;
        let mut checks = Checks::new();
        checks
            .required("title", &self.title, TITLE_MAX_CHARS)
            .max_chars("my_role", &self.my_role, SHORT_MAX_CHARS)
            .max_chars("standard", &self.standard, SHORT_MAX_CHARS)
            .max_chars("findings", &self.findings, TEXT_MAX_CHARS)
            .max_chars("actions", &self.actions, TEXT_MAX_CHARS)
            .past_date("started_on", self.started_on, today);
        if let Some(done) = self.completed_on {
            checks
                .rule(
                    done >= self.started_on,
                    "completed_on",
                    "must not be before started_on",
                )
                .rule(done <= today, "completed_on", "must not be in the future");
        }
        checks
            .rule(
                self.reaudit_due.is_none_or(|due| due >= self.started_on),
                "reaudit_due",
                "must not be before started_on",
            )
            .rule(
                self.outcome_measures.len() <= MEASURES_MAX,
                "outcome_measures",
                "at most 20 measures",
            )
            .rule(
                self.outcome_measures.iter().all(|m| char_len(m) <= 60),
                "outcome_measures",
                "each must be at most 60 characters",
            )
            .finish(self)
    }
}

impl EvidenceData for AuditDraft {
    const KIND: RecordKind = RecordKind::Audit;

    /// Listed by when the work was finished, or began if it is ongoing.
    fn date(&self) -> Date {
        self.completed_on.unwrap_or(self.started_on)
    }

    fn title(&self) -> String {
        self.title.clone()
    }

    fn free_text(&self) -> Vec<TextField<'_>> {
        vec![
            TextField::new("title", &self.title),
            TextField::new("my_role", &self.my_role),
            TextField::new("standard", &self.standard),
            TextField::new("findings", &self.findings),
            TextField::new("actions", &self.actions),
        ]
    }

    fn search_text(&self) -> SearchText {
        SearchText {
            body: self.findings.clone(),
            notes: [self.standard.as_str(), &self.my_role, &self.actions].join("\n"),
            tags: self.outcome_measures.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_kinds_read_back_as_they_are_stored() {
        for k in AuditKind::ALL {
            assert_eq!(AuditKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
    }
    use time::macros::date;

    fn draft() -> AuditDraft {
        AuditDraft {
            title: " Falls audit ".to_owned(),
            audit_kind: AuditKind::ClinicalAudit,
            my_role: "lead auditor".to_owned(),
            standard: "NICE NG249".to_owned(),
            started_on: date!(2026 - 01 - 05),
            completed_on: Some(date!(2026 - 02 - 27)),
            outcome_measures: vec!["COPM".to_owned(), "copm".to_owned(), " ".to_owned()],
            findings: "62% met the standard.".to_owned(),
            actions: "Teach the falls pathway.".to_owned(),
            reaudit_due: Some(date!(2027 - 02 - 27)),
        }
    }

    #[test]
    fn trims_and_deduplicates_measures() {
        let d = draft().validated(date!(2026 - 03 - 01)).unwrap();
        assert_eq!(d.title, "Falls audit");
        assert_eq!(d.outcome_measures, vec!["COPM".to_owned()]);
        assert_eq!(d.date(), date!(2026 - 02 - 27));
    }

    #[test]
    fn refuses_dates_out_of_order() {
        let mut d = draft();
        d.completed_on = Some(date!(2026 - 01 - 01));
        d.reaudit_due = Some(date!(2025 - 12 - 01));
        let errors = d.validated(date!(2026 - 03 - 01)).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["completed_on", "reaudit_due"]);
    }
}
