//! Compliance: what each person must hold (requirements as data), where
//! each item stands on a given UK date, and a team's roll-up. Pure
//! functions of facts storage gathers and a date, so that the person view,
//! the team view and (later) alerts and the calendar feed all read one
//! set of rules.

pub mod alerts;
#[cfg(test)]
mod fixtures;
pub mod organisation;
pub mod preferences;
pub mod profile;
pub mod requirements;
pub mod status;
pub mod team;

pub use organisation::{
    Lapsing, OrganisationCompliance, RequirementSummary, TeamSummary, TeamTally,
};
pub use profile::{ComplianceProfile, RegistrationUpdate, StaffUpdate};
pub use requirements::{Requirement, RequirementKind, Requirements};
pub use status::{
    Completion, Counts, Dated, Item, PersonCompliance, PersonFacts, Rag, Status,
    SupervisionInterval, assess, judge_all, latest_per_course,
};
pub use team::{
    Lapse, MemberRow, RequirementShare, Share, TeamCompliance, TeamFilter, TeamSettings,
    TeamSettingsUpdate, aggregate,
};
