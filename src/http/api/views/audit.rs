//! Views of the audit enums.

use poem_openapi::Enum;

use super::enum_view;
use crate::domain::audit::AuditKind;

enum_view! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
    #[oai(rename = "AuditKind", rename_all = "snake_case")]
    pub enum AuditKindView mirrors AuditKind {
        ClinicalAudit,
        ReAudit,
        ServiceEvaluation,
        OutcomeMeasureReview,
        QualityImprovementProject,
        Research,
    }
}
