//! Views of the supervision enums and agreed actions.

use poem_openapi::{Enum, Object};
use time::Date;

use super::enum_view;
use crate::domain::supervision::{ActionStatus, AgreedAction, SupervisionType};

enum_view! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
    #[oai(rename = "SupervisionType", rename_all = "snake_case")]
    pub enum SupervisionTypeView mirrors SupervisionType {
        Clinical,
        ProfessionalManagerial,
        Peer,
        Group,
    }
}

enum_view! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
    #[oai(rename = "ActionStatus", rename_all = "snake_case")]
    pub enum ActionStatusView mirrors ActionStatus {
        #[default]
        Open,
        Closed,
    }
}

/// An action agreed in supervision.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "AgreedAction", deny_unknown_fields)]
pub struct AgreedActionView {
    /// What will be done (1 to 1,000 characters).
    pub text: String,
    /// Who will do it (free text, e.g. "supervisee").
    pub owner: String,
    pub due: Option<Date>,
    #[oai(default)]
    pub status: ActionStatusView,
}

impl From<AgreedAction> for AgreedActionView {
    fn from(a: AgreedAction) -> Self {
        Self {
            text: a.text,
            owner: a.owner,
            due: a.due,
            status: a.status.into(),
        }
    }
}

impl From<AgreedActionView> for AgreedAction {
    fn from(a: AgreedActionView) -> Self {
        Self {
            text: a.text,
            owner: a.owner,
            due: a.due,
            status: a.status.into(),
        }
    }
}
