//! What every kind of evidence has in common: its kind, the workflow state
//! that sits beside the content (sign-off, addenda, verification), and the
//! links a reflection can make to other records.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::pii::{self, PiiFlag, TextField};
use super::reflection::ActivityType;

/// The kinds of record a portfolio holds: four kinds of CPD evidence and
/// the objectives of the development plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Reflection,
    Supervision,
    Audit,
    Training,
    Objective,
}

impl RecordKind {
    pub const ALL: [Self; 5] = [
        Self::Reflection,
        Self::Supervision,
        Self::Audit,
        Self::Training,
        Self::Objective,
    ];

    /// The kinds that record CPD activity: what the profile lists, a
    /// reflection links to and an objective cites as evidence.
    pub const ACTIVITIES: [Self; 4] = [
        Self::Reflection,
        Self::Supervision,
        Self::Audit,
        Self::Training,
    ];

    /// The table name and the `kind` value in the index and the logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reflection => "reflection",
            Self::Supervision => "supervision",
            Self::Audit => "audit",
            Self::Training => "training",
            Self::Objective => "objective",
        }
    }

    /// The collection's path segment under `/api/v1`.
    pub fn path(self) -> &'static str {
        match self {
            Self::Reflection => "reflections",
            Self::Supervision => "supervision",
            Self::Audit => "audits",
            Self::Training => "training",
            Self::Objective => "objectives",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Reflection => "reflective entry",
            Self::Supervision => "supervision record",
            Self::Audit => "audit or QI record",
            Self::Training => "training record",
            Self::Objective => "development objective",
        }
    }

    /// The HCPC activity type a record of this kind counts as in the profile
    /// (reflections state their own). Supervision is discussion with and
    /// coaching from colleagues, audit is audit of service users and project
    /// work (both work-based learning); mandatory training is a course.
    pub fn activity_type(self) -> Option<ActivityType> {
        match self {
            Self::Reflection | Self::Objective => None,
            Self::Supervision | Self::Audit => Some(ActivityType::WorkBasedLearning),
            Self::Training => Some(ActivityType::FormalEducation),
        }
    }

    /// Records of this kind are countersigned by a supervisor.
    pub fn signs_off(self) -> bool {
        self == Self::Supervision
    }

    /// Records of this kind can be shared with named readers.
    pub fn is_shareable(self) -> bool {
        self == Self::Reflection
    }

    /// Records of this kind are verified by a lead.
    pub fn is_verified(self) -> bool {
        self == Self::Training
    }

    /// Leads of the owner's teams may read records of this kind (the
    /// development plan reaches a lead only in an appraisal pack its owner
    /// shares).
    pub fn visible_to_team_leads(self) -> bool {
        !matches!(self, Self::Reflection | Self::Objective)
    }
}

/// Record ids are 32 lower-case hex characters; anything else cannot exist.
pub fn is_record_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// A reference from a reflection to another record of the same author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordLink {
    pub kind: RecordKind,
    pub id: String,
}

/// Where a supervision record is in its sign-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignOffStatus {
    /// Being written by the supervisee (or kept without sign-off).
    #[default]
    Draft,
    /// Waiting for the supervisor.
    Submitted,
    /// Sent back by the supervisor with a comment.
    Returned,
    /// Countersigned: the content is fixed; corrections are addenda.
    Signed,
}

/// A correction or note added after sign-off; the original stays as it was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Addendum {
    pub text: String,
    pub author_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
}

/// Where a record is in its supervisor's countersigning (supervision).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SignOff {
    pub status: SignOffStatus,
    pub return_comment: Option<String>,
    pub signed_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub signed_at: Option<OffsetDateTime>,
    pub addenda: Vec<Addendum>,
}

/// A lead's confirmation that a record (training) is genuine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub verified_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub verified_at: OffsetDateTime,
}

/// The state kept beside a record's content: its sign-off and its
/// verification, each its own value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Workflow {
    pub sign_off: SignOff,
    pub verification: Option<Verification>,
}

/// A stored record of any kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence<D> {
    pub id: String,
    pub owner_id: String,
    pub data: D,
    pub workflow: Workflow,
    /// Users the owner has shared this record with (read-only).
    pub shared_with: Vec<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: u32,
    /// Ids of patient-identifier flags the owner has dismissed as false
    /// positives ([`PiiFlag::id`]).
    pub pii_dismissed: Vec<String>,
}

/// The content of one kind of record.
pub trait EvidenceData:
    Serialize + serde::de::DeserializeOwned + Clone + Send + Sync + 'static
{
    const KIND: RecordKind;
    /// The date the record is listed and filtered by.
    fn date(&self) -> Date;
    /// A one-line title for lists, search hits and the profile.
    fn title(&self) -> String;
    /// The cpdfolio user who supervises this record, if any.
    fn supervisor_id(&self) -> Option<&str> {
        None
    }
    /// Text for the search index: body, notes and tags.
    fn search_text(&self) -> SearchText;
    /// The free text people write into this kind, each piece named as the
    /// API names its field: what the patient-identifier guard reads.
    fn free_text(&self) -> Vec<TextField<'_>> {
        Vec::new()
    }
    /// Whether the owner may change the content in this workflow state;
    /// the refusal says why not (a conflict, not a permission problem).
    fn owner_may_edit(_flow: &Workflow) -> Result<(), &'static str> {
        Ok(())
    }
    /// Whether the owner may delete the record in this workflow state.
    fn owner_may_delete(_flow: &Workflow) -> Result<(), &'static str> {
        Ok(())
    }
    /// The workflow after the owner changes the content.
    fn after_owner_edit(flow: Workflow) -> Workflow {
        flow
    }
    /// The content as someone other than the owner reads it: without what
    /// points into the rest of the owner's portfolio.
    fn for_other_readers(self) -> Self {
        self
    }
}

impl<D: EvidenceData> Evidence<D> {
    /// The record as `reader_id` may see it. The owner sees all of it.
    /// Anyone else sees themselves alone among the readers it is shared
    /// with (who else reads it is the owner's business) and the content
    /// without links to the owner's other records.
    pub fn as_seen_by(mut self, reader_id: &str) -> Self {
        if self.owner_id != reader_id {
            self.shared_with.retain(|u| u == reader_id);
            self.data = self.data.for_other_readers();
        }
        self
    }

    /// The record's free text, with the addenda written after sign-off.
    fn guarded_text(&self) -> Vec<TextField<'_>> {
        guarded_text(&self.data, &self.workflow.sign_off)
    }

    /// Flags on the record that the owner has not dismissed.
    pub fn open_pii_flags(&self) -> Vec<PiiFlag> {
        let mut flags = pii::flags(&self.guarded_text());
        flags.retain(|f| !self.pii_dismissed.contains(&f.id));
        flags
    }

    /// Every flag on the record, each with whether it was dismissed.
    pub fn pii_flags(&self) -> Vec<(PiiFlag, bool)> {
        pii::flags(&self.guarded_text())
            .into_iter()
            .map(|f| {
                let dismissed = self.pii_dismissed.contains(&f.id);
                (f, dismissed)
            })
            .collect()
    }
}

/// The free text the patient-identifier guard reads in a record: its
/// content's, and the addenda written after sign-off.
pub fn guarded_text<'a, D: EvidenceData>(data: &'a D, sign_off: &'a SignOff) -> Vec<TextField<'a>> {
    let mut fields = data.free_text();
    fields.extend(
        sign_off
            .addenda
            .iter()
            .enumerate()
            .map(|(i, a)| TextField::new(format!("addenda[{i}].text"), &a.text)),
    );
    fields
}

/// How many flags in the text of `data` and its addenda are not among
/// `dismissed`: the count a write stores beside the record.
pub fn open_flag_count<D: EvidenceData>(data: &D, sign_off: &SignOff, dismissed: &[String]) -> u32 {
    let open = pii::flags(&guarded_text(data, sign_off))
        .iter()
        .filter(|f| !dismissed.contains(&f.id))
        .count();
    u32::try_from(open).unwrap_or(u32::MAX)
}

/// What the search index holds of a record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchText {
    pub body: String,
    pub notes: String,
    pub tags: Vec<String>,
}

/// An attachment on a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub id: String,
    pub owner_id: String,
    pub kind: RecordKind,
    pub record_id: String,
    pub sha256: String,
    pub file_name: String,
    pub size: u64,
    pub media_type: String,
    pub created_at: OffsetDateTime,
}

/// Filters and paging for a list of records of one kind.
#[derive(Debug, Clone, Default)]
pub struct EvidenceFilter {
    /// Only this owner's records (among those the caller may see).
    pub owner: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Reflections only: this HCPC activity type.
    pub activity_type: Option<ActivityType>,
    /// Reflections only: entries with this tag.
    pub tag: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_map_to_hcpc_activity_types() {
        for kind in RecordKind::ALL {
            assert_eq!(RecordKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(RecordKind::parse("reflections"), None);
        assert_eq!(
            RecordKind::Training.activity_type(),
            Some(ActivityType::FormalEducation)
        );
        assert_eq!(
            RecordKind::Supervision.activity_type(),
            Some(ActivityType::WorkBasedLearning)
        );
        assert!(!RecordKind::Reflection.visible_to_team_leads());
    }

    #[test]
    fn record_ids_are_32_lower_case_hex() {
        assert!(is_record_id("0123456789abcdef0123456789abcdef"));
        assert!(!is_record_id("0123456789ABCDEF0123456789abcdef"));
        assert!(!is_record_id("'; DELETE user; --"));
        assert!(!is_record_id(""));
    }

    #[test]
    fn sign_off_reads_back_from_an_empty_object() {
        let s: SignOff = serde_json::from_str("{}").unwrap();
        assert_eq!(s, SignOff::default());
    }
}
