//! Views of the reflection enums, also used by the profile and the models.

use poem_openapi::Enum;

use super::enum_view;
use crate::domain::reflection::{ActivityType, ReflectiveModel};

enum_view! {
    /// The HCPC's five types of CPD activity (CPD standard 2 asks for a mixture).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
    #[oai(rename = "ActivityType", rename_all = "snake_case")]
    pub enum ActivityTypeView mirrors ActivityType {
        WorkBasedLearning,
        ProfessionalActivity,
        FormalEducation,
        SelfDirectedLearning,
        Other,
    }
}

enum_view! {
    /// The structure a reflection follows; each has prompts in content/.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
    #[oai(rename = "ReflectiveModel", rename_all = "snake_case")]
    pub enum ReflectiveModelView mirrors ReflectiveModel {
        Gibbs,
        Driscoll,
        Kolb,
        Schon,
        Rolfe,
        Free,
    }
}
