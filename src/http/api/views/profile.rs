//! The CPD profile as the API's JSON shows it.

use poem_openapi::Object;
use time::Date;

use super::reflection::ActivityTypeView;
use crate::domain::profile::{
    CheckedText, Checks, CpdProfile, EvidenceItem, Gap, ListedActivity, Mixture, Person, Statement,
    StatementSection, TypeCount,
};

/// Who the profile is for.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "Person")]
pub struct PersonView {
    pub name: String,
    pub hcpc_number: Option<String>,
    pub practice_summary: String,
}

#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "CheckedText")]
pub struct CheckedTextView {
    pub text: String,
    pub words: usize,
    pub word_limit: usize,
    pub within_limit: bool,
}

#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "ListedActivity")]
pub struct ListedActivityView {
    pub number: usize,
    pub date: Date,
    pub title: String,
    pub activity_type: ActivityTypeView,
    pub hours: Option<f64>,
    pub record_id: String,
    pub evidence: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "StatementSection")]
pub struct StatementSectionView {
    pub standard: u8,
    pub heading: String,
    pub paragraphs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "Statement")]
pub struct StatementView {
    pub sections: Vec<StatementSectionView>,
    pub words: usize,
    pub word_limit: usize,
    pub within_limit: bool,
}

#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "EvidenceItem")]
pub struct EvidenceItemView {
    pub number: usize,
    pub description: String,
    pub activity: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "TypeCount")]
pub struct TypeCountView {
    pub activity_type: ActivityTypeView,
    pub label: String,
    pub count: usize,
}

/// CPD standard 2: at least two different types of activity.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "Mixture")]
pub struct MixtureView {
    pub types: Vec<TypeCountView>,
    pub is_mixture: bool,
}

/// A period with no recorded activity: `from` is the last activity before
/// it (or the start of the period), `to` the next one (or the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Object)]
#[oai(rename = "Gap")]
pub struct GapView {
    pub from: Date,
    pub to: Date,
    pub days: i64,
    /// True when the gap runs to the end of the period (still open).
    pub open: bool,
}

#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "Checks")]
pub struct ChecksView {
    pub mixture: MixtureView,
    pub gaps: Vec<GapView>,
    pub summary_within_limit: bool,
    pub statement_within_limit: bool,
}

#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "CpdProfile")]
pub struct CpdProfileView {
    pub person: PersonView,
    pub from: Date,
    pub to: Date,
    pub practice_summary: CheckedTextView,
    pub activities: Vec<ListedActivityView>,
    pub statement: StatementView,
    pub evidence: Vec<EvidenceItemView>,
    pub checks: ChecksView,
}

impl From<Person> for PersonView {
    fn from(p: Person) -> Self {
        Self {
            name: p.name,
            hcpc_number: p.hcpc_number,
            practice_summary: p.practice_summary,
        }
    }
}

impl From<CheckedText> for CheckedTextView {
    fn from(t: CheckedText) -> Self {
        Self {
            text: t.text,
            words: t.words,
            word_limit: t.word_limit,
            within_limit: t.within_limit,
        }
    }
}

impl From<ListedActivity> for ListedActivityView {
    fn from(a: ListedActivity) -> Self {
        Self {
            number: a.number,
            date: a.date,
            title: a.title,
            activity_type: a.activity_type.into(),
            hours: a.hours,
            record_id: a.record_id,
            evidence: a.evidence,
        }
    }
}

impl From<StatementSection> for StatementSectionView {
    fn from(s: StatementSection) -> Self {
        Self {
            standard: s.standard,
            heading: s.heading,
            paragraphs: s.paragraphs,
        }
    }
}

impl From<Statement> for StatementView {
    fn from(s: Statement) -> Self {
        Self {
            sections: s.sections.into_iter().map(Into::into).collect(),
            words: s.words,
            word_limit: s.word_limit,
            within_limit: s.within_limit,
        }
    }
}

impl From<EvidenceItem> for EvidenceItemView {
    fn from(e: EvidenceItem) -> Self {
        Self {
            number: e.number,
            description: e.description,
            activity: e.activity,
        }
    }
}

impl From<TypeCount> for TypeCountView {
    fn from(t: TypeCount) -> Self {
        Self {
            activity_type: t.activity_type.into(),
            label: t.label,
            count: t.count,
        }
    }
}

impl From<Mixture> for MixtureView {
    fn from(m: Mixture) -> Self {
        Self {
            types: m.types.into_iter().map(Into::into).collect(),
            is_mixture: m.is_mixture,
        }
    }
}

impl From<Gap> for GapView {
    fn from(g: Gap) -> Self {
        Self {
            from: g.from,
            to: g.to,
            days: g.days,
            open: g.open,
        }
    }
}

impl From<Checks> for ChecksView {
    fn from(c: Checks) -> Self {
        Self {
            mixture: c.mixture.into(),
            gaps: c.gaps.into_iter().map(Into::into).collect(),
            summary_within_limit: c.summary_within_limit,
            statement_within_limit: c.statement_within_limit,
        }
    }
}

impl From<CpdProfile> for CpdProfileView {
    fn from(p: CpdProfile) -> Self {
        Self {
            person: p.person.into(),
            from: p.from,
            to: p.to,
            practice_summary: p.practice_summary.into(),
            activities: p.activities.into_iter().map(Into::into).collect(),
            statement: p.statement.into(),
            evidence: p.evidence.into_iter().map(Into::into).collect(),
            checks: p.checks.into(),
        }
    }
}
