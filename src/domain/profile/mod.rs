//! The HCPC CPD profile, built from a registrant's evidence: summary of
//! practice, a dated and numbered activity list, a statement under CPD
//! standards 1-4, and a numbered evidence list the statement refers to.
//! Pure: the caller loads the evidence; `export::profile` renders it.

mod gaps;
pub mod monthly;
pub mod readiness;
mod statement;

use std::collections::BTreeMap;

use serde::Serialize;
use time::Date;

use super::reflection::ActivityType;
use super::text::word_count;

pub use gaps::{GAP_MONTHS, Gap, find_gaps};

/// HCPC's limits for the written parts of a profile.
pub const SUMMARY_WORD_LIMIT: usize = 500;
pub const STATEMENT_WORD_LIMIT: usize = 1_500;

/// Who the profile is for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    pub name: String,
    pub hcpc_number: Option<String>,
    pub practice_summary: String,
}

/// One piece of CPD as the profile sees it, whatever record it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub record_id: String,
    pub date: Date,
    pub title: String,
    pub activity_type: ActivityType,
    pub hours: Option<f64>,
    pub learning: String,
    pub impact: String,
    pub benefit: String,
    pub standards: Vec<u8>,
    /// What kind of record this is, as evidence ("Reflective record").
    pub record_kind: String,
    /// File names of the record's attachments, each its own evidence item.
    pub attachments: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckedText {
    pub text: String,
    pub words: usize,
    pub word_limit: usize,
    pub within_limit: bool,
}

impl CheckedText {
    fn new(text: String, word_limit: usize) -> Self {
        let words = word_count(&text);
        Self {
            text,
            words,
            word_limit,
            within_limit: words <= word_limit,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedActivity {
    pub number: usize,
    pub date: Date,
    pub title: String,
    pub activity_type: ActivityType,
    pub hours: Option<f64>,
    pub record_id: String,
    pub evidence: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementSection {
    pub standard: u8,
    pub heading: String,
    pub paragraphs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub sections: Vec<StatementSection>,
    pub words: usize,
    pub word_limit: usize,
    pub within_limit: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceItem {
    pub number: usize,
    pub description: String,
    pub activity: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeCount {
    pub activity_type: ActivityType,
    pub label: String,
    pub count: usize,
}

/// CPD standard 2: at least two different types of activity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mixture {
    pub types: Vec<TypeCount>,
    pub is_mixture: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checks {
    pub mixture: Mixture,
    pub gaps: Vec<Gap>,
    pub summary_within_limit: bool,
    pub statement_within_limit: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CpdProfile {
    pub person: Person,
    pub from: Date,
    pub to: Date,
    pub practice_summary: CheckedText,
    pub activities: Vec<ListedActivity>,
    pub statement: Statement,
    pub evidence: Vec<EvidenceItem>,
    pub checks: Checks,
}

/// Builds the profile for the activities dated within `[from, to]`.
pub fn build(person: Person, from: Date, to: Date, activities: &[Activity]) -> CpdProfile {
    let mut in_period: Vec<&Activity> = activities
        .iter()
        .filter(|a| (from..=to).contains(&a.date))
        .collect();
    in_period.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.title.cmp(&b.title)));

    let (evidence, evidence_of) = evidence_list(&in_period);
    let listed = in_period
        .iter()
        .zip(evidence_of)
        .enumerate()
        .map(|(i, (a, evidence))| ListedActivity {
            number: i + 1,
            date: a.date,
            title: a.title.clone(),
            activity_type: a.activity_type,
            hours: a.hours,
            record_id: a.record_id.clone(),
            evidence,
        })
        .collect::<Vec<_>>();
    let dates: Vec<Date> = in_period.iter().map(|a| a.date).collect();
    let gaps = find_gaps(&dates, from, to);
    let mixture = mixture(&in_period);
    let statement = statement::write(&in_period, &listed, &mixture, &gaps, from, to);
    let practice_summary = CheckedText::new(
        person.practice_summary.trim().to_owned(),
        SUMMARY_WORD_LIMIT,
    );
    CpdProfile {
        checks: Checks {
            mixture,
            gaps,
            summary_within_limit: practice_summary.within_limit,
            statement_within_limit: statement.within_limit,
        },
        person,
        from,
        to,
        practice_summary,
        activities: listed,
        statement,
        evidence,
    }
}

/// Evidence 1 is the dated activity list itself; then one item per record;
/// then one per attachment. Also returns each activity's evidence numbers,
/// its record first.
fn evidence_list(activities: &[&Activity]) -> (Vec<EvidenceItem>, Vec<Vec<usize>>) {
    let mut items = vec![EvidenceItem {
        number: 1,
        description: "Dated list of all CPD activities in the period (section 2)".to_owned(),
        activity: None,
    }];
    let mut evidence_of: Vec<Vec<usize>> = Vec::with_capacity(activities.len());
    for (i, a) in activities.iter().enumerate() {
        items.push(EvidenceItem {
            number: i + 2,
            description: format!(
                "{}: {} ({})",
                a.record_kind,
                a.title,
                crate::domain::dates::long_uk(a.date)
            ),
            activity: Some(i + 1),
        });
        evidence_of.push(vec![i + 2]);
    }
    for (i, a) in activities.iter().enumerate() {
        for name in &a.attachments {
            let number = items.len() + 1;
            items.push(EvidenceItem {
                number,
                description: format!("Attachment to activity {}: {name}", i + 1),
                activity: Some(i + 1),
            });
            evidence_of[i].push(number);
        }
    }
    (items, evidence_of)
}

fn mixture(activities: &[&Activity]) -> Mixture {
    let mut counts: BTreeMap<ActivityType, usize> = BTreeMap::new();
    for a in activities {
        *counts.entry(a.activity_type).or_default() += 1;
    }
    Mixture {
        is_mixture: counts.len() >= 2,
        types: counts
            .into_iter()
            .map(|(activity_type, count)| TypeCount {
                activity_type,
                label: activity_type.label().to_owned(),
                count,
            })
            .collect(),
    }
}

#[cfg(test)]
pub(crate) mod tests;
