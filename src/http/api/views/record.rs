//! Views of what every kind of record shares.

use poem_openapi::{Enum, Object};
use time::OffsetDateTime;

use super::enum_view;
use crate::domain::pii::{PiiFlag, PiiKind};
use crate::domain::record::{
    Addendum, Evidence, EvidenceData, RecordKind, RecordLink, SignOffStatus,
};

enum_view! {
    /// The kinds of record a portfolio holds: four kinds of CPD evidence
    /// and the objectives of the development plan (which links and
    /// evidence lists cannot name).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
    #[oai(rename = "RecordKind", rename_all = "snake_case")]
    pub enum RecordKindView mirrors RecordKind {
        Reflection,
        Supervision,
        Audit,
        Training,
        Objective,
    }
}

/// A reference from a reflection to another record of the same author.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
#[oai(rename = "RecordLink", deny_unknown_fields)]
pub struct RecordLinkView {
    pub kind: RecordKindView,
    pub id: String,
}

impl From<RecordLink> for RecordLinkView {
    fn from(link: RecordLink) -> Self {
        Self {
            kind: link.kind.into(),
            id: link.id,
        }
    }
}

impl From<RecordLinkView> for RecordLink {
    fn from(link: RecordLinkView) -> Self {
        Self {
            kind: link.kind.into(),
            id: link.id,
        }
    }
}

enum_view! {
    /// Where a supervision record is in its sign-off.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
    #[oai(rename = "SignOffStatus", rename_all = "snake_case")]
    pub enum SignOffStatusView mirrors SignOffStatus {
        /// Being written by the supervisee (or kept without sign-off).
        Draft,
        /// Waiting for the supervisor.
        Submitted,
        /// Sent back by the supervisor with a comment.
        Returned,
        /// Countersigned: the content is fixed; corrections are addenda.
        Signed,
    }
}

/// A correction or note added after sign-off; the original stays as it was.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "Addendum")]
pub struct AddendumView {
    pub text: String,
    pub author_id: String,
    pub added_at: OffsetDateTime,
}

impl From<Addendum> for AddendumView {
    fn from(a: Addendum) -> Self {
        Self {
            text: a.text,
            author_id: a.author_id,
            added_at: a.added_at,
        }
    }
}

enum_view! {
    /// What a patient-identifier flag suspects the text to be.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
    #[oai(rename = "PiiKind", rename_all = "snake_case")]
    pub enum PiiKindView mirrors PiiKind {
        Postcode,
        DateOfBirth,
        HospitalNumber,
        TitledName,
    }
}

/// Text in the record that may identify a service user. The record is
/// kept; exports refuse until the text is edited out or the flag is
/// dismissed as a false positive.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "PiiWarning")]
pub struct PiiWarningView {
    /// Dismiss with `POST /api/v1/{collection}/{id}/pii-flags/{flag_id}/dismiss`.
    pub id: String,
    /// The field, as the API names it (`body`, `actions[0].text`).
    pub field: String,
    pub kind: PiiKindView,
    /// The text found.
    pub text: String,
    /// Where it starts in the field, in characters from 1.
    pub position: u32,
    /// The warning in words.
    pub message: String,
}

impl From<PiiFlag> for PiiWarningView {
    fn from(f: PiiFlag) -> Self {
        Self {
            message: f.message(),
            id: f.id,
            field: f.field,
            kind: f.kind.into(),
            text: f.text,
            position: u32::try_from(f.position).unwrap_or(u32::MAX),
        }
    }
}

/// The open patient-identifier warnings of a record.
pub fn pii_warnings<D: EvidenceData>(record: &Evidence<D>) -> Vec<PiiWarningView> {
    record
        .open_pii_flags()
        .into_iter()
        .map(Into::into)
        .collect()
}
