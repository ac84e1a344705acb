//! Views and list parameters shared by the supervision, audit and training
//! collections.

use poem_openapi::Object;
use time::{Date, OffsetDateTime};

use crate::domain::record::EvidenceFilter;
use crate::domain::record::{Addendum, SignOffStatus, Workflow};

/// Sign-off, addenda and verification state of a record.
#[derive(Object)]
pub struct WorkflowView {
    /// Supervision sign-off: draft, submitted, returned or signed.
    status: SignOffStatus,
    /// The supervisor's comment when the record was returned.
    return_comment: Option<String>,
    signed_by: Option<String>,
    signed_at: Option<OffsetDateTime>,
    /// Corrections and notes added after the record was written.
    addenda: Vec<Addendum>,
    /// The lead who verified a training record.
    verified_by: Option<String>,
    verified_at: Option<OffsetDateTime>,
}

impl From<Workflow> for WorkflowView {
    fn from(w: Workflow) -> Self {
        Self {
            status: w.status,
            return_comment: w.return_comment,
            signed_by: w.signed_by,
            signed_at: w.signed_at,
            addenda: w.addenda,
            verified_by: w.verified_by,
            verified_at: w.verified_at,
        }
    }
}

/// The filter for a list request; `limit` defaults to 20.
pub fn filter(
    owner: Option<String>,
    from: Option<Date>,
    to: Option<Date>,
    limit: Option<u32>,
    offset: Option<u32>,
) -> EvidenceFilter {
    EvidenceFilter {
        owner: owner.map(|o| o.trim().to_owned()),
        from,
        to,
        limit: limit.unwrap_or(20),
        offset: offset.unwrap_or(0),
    }
}
