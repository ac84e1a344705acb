//! The operations of `/api/v1`, grouped by resource, one file each.

mod admin;
mod auth;
mod health;
mod me;
mod models;
mod profile;
mod reflections;
mod search;

use poem_openapi::Tags;

#[derive(Tags)]
pub enum Tag {
    /// Login and logout.
    Auth,
    /// The caller's own account.
    Me,
    /// Reflective entries (private to their author).
    Reflections,
    /// Full-text search over the caller's own evidence.
    Search,
    /// HCPC CPD profile generation.
    Profile,
    /// Account management and jobs (admin only).
    Admin,
    /// Reference content: reflective models.
    Content,
    /// Liveness and readiness.
    Health,
}

pub type Api = (
    auth::AuthApi,
    me::MeApi,
    reflections::ReflectionsApi,
    search::SearchApi,
    profile::ProfileApi,
    admin::AdminApi,
    models::ModelsApi,
    health::HealthApi,
);

pub fn all() -> Api {
    (
        auth::AuthApi,
        me::MeApi,
        reflections::ReflectionsApi,
        search::SearchApi,
        profile::ProfileApi,
        admin::AdminApi,
        models::ModelsApi,
        health::HealthApi,
    )
}

/// Record ids are 32 lower-case hex characters; anything else cannot exist.
pub(crate) fn is_record_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}
