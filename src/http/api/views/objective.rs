//! Views of the objective enums.

use poem_openapi::Enum;

use super::enum_view;
use crate::domain::objective::ObjectiveStatus;

enum_view! {
    /// Where an objective stands; `dropped` is one no longer pursued.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
    #[oai(rename = "ObjectiveStatus", rename_all = "snake_case")]
    pub enum ObjectiveStatusView mirrors ObjectiveStatus {
        NotStarted,
        InProgress,
        Achieved,
        Deferred,
        Dropped,
    }
}
