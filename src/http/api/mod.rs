//! The operations of `/api/v1`, grouped by resource, one file each.

mod admin;
mod appraisal;
mod audits;
mod auth;
mod calendar;
mod compliance;
mod evidence;
mod health;
mod imports;
mod me;
mod models;
mod objectives;
mod pii;
pub mod portable;
mod profile;
mod records;
mod reflections;
mod search;
mod supervision;
mod teams;
mod training;
pub(crate) mod views;

use poem_openapi::Tags;

#[derive(Tags)]
pub enum Tag {
    /// Login and logout.
    Auth,
    /// The caller's own account.
    Me,
    /// Reflective entries (private to their author unless shared).
    Reflections,
    /// Supervision records and their sign-off.
    Supervision,
    /// Audits, service evaluations and quality improvement.
    Audits,
    /// Statutory and mandatory training records.
    Training,
    /// Objectives of the personal development plan (private to their
    /// owner).
    Objectives,
    /// History and attachments of any record.
    Records,
    /// Full-text search over every record the caller may see.
    Search,
    /// HCPC CPD profile generation.
    Profile,
    /// Account management and jobs (admin only).
    Admin,
    /// Teams, their members and leads.
    Teams,
    /// Compliance: requirements met, due soon, overdue or missing, per
    /// person and per team.
    Compliance,
    /// Reference content: reflective models.
    Content,
    /// Liveness and readiness.
    Health,
}

pub type Api = (
    auth::AuthApi,
    (me::MeApi, calendar::CalendarApi, portable::PortableApi),
    reflections::ReflectionsApi,
    supervision::SupervisionApi,
    supervision::SupervisionStepsApi,
    // At most 16 in a tuple: audits and objectives go together.
    (audits::AuditsApi, objectives::ObjectivesApi),
    training::TrainingApi,
    training::TrainingStepsApi,
    (records::RecordsApi, pii::PiiApi),
    search::SearchApi,
    (profile::ProfileApi, appraisal::AppraisalApi),
    admin::AdminApi,
    imports::ImportsApi,
    // poem-openapi implements its trait for tuples of at most 16: teams
    // and compliance go together as one.
    (teams::TeamsApi, compliance::ComplianceApi),
    models::ModelsApi,
    health::HealthApi,
);

pub fn all() -> Api {
    (
        auth::AuthApi,
        (me::MeApi, calendar::CalendarApi, portable::PortableApi),
        reflections::ReflectionsApi,
        supervision::SupervisionApi,
        supervision::SupervisionStepsApi,
        (audits::AuditsApi, objectives::ObjectivesApi),
        training::TrainingApi,
        training::TrainingStepsApi,
        (records::RecordsApi, pii::PiiApi),
        search::SearchApi,
        (profile::ProfileApi, appraisal::AppraisalApi),
        admin::AdminApi,
        imports::ImportsApi,
        (teams::TeamsApi, compliance::ComplianceApi),
        models::ModelsApi,
        health::HealthApi,
    )
}

pub use crate::domain::record::is_record_id;
