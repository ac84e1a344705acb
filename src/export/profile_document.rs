//! The CPD profile as a document to typeset: every value already the text
//! a reader sees (dates in words, types by label, evidence numbers joined),
//! in the HCPC's four sections. The PDF and the DOCX are both drawn from
//! it, so they say the same thing in the same order.

use serde::Serialize;

use crate::domain::dates::long_uk;
use crate::domain::profile::CpdProfile;

/// The whole profile as text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileDocument {
    pub title: String,
    /// Label and value: name, registration number, profession, period.
    pub details: Vec<[String; 2]>,
    /// Running footer on every page, beside the page number.
    pub footer: String,
    pub summary: Vec<String>,
    pub summary_words: String,
    pub activities: Vec<ActivityRow>,
    pub statement: Vec<Section>,
    pub statement_words: String,
    pub evidence: Vec<EvidenceRow>,
}

/// One line of the activity table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityRow {
    pub number: String,
    pub date: String,
    pub title: String,
    pub activity_type: String,
    pub hours: String,
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceRow {
    pub number: String,
    pub description: String,
}

/// The headings of the HCPC profile's sections, in order.
pub const SECTION_HEADINGS: [&str; 4] = [
    "1. Summary of practice history",
    "2. List of CPD activities",
    "3. Personal statement",
    "4. Supporting evidence",
];

impl ProfileDocument {
    pub fn new(p: &CpdProfile) -> Self {
        let registration = p
            .person
            .hcpc_number
            .clone()
            .unwrap_or_else(|| "not recorded".to_owned());
        let period = format!("{} to {}", long_uk(p.from), long_uk(p.to));
        Self {
            title: "CPD profile".to_owned(),
            footer: format!("{}, CPD profile, {period}", p.person.name),
            details: vec![
                label("Name", &p.person.name),
                label("HCPC registration number", &registration),
                label("Profession", "Occupational therapist"),
                label("Period", &period),
            ],
            summary: paragraphs(&p.practice_summary.text),
            summary_words: words(p.practice_summary.words, p.practice_summary.word_limit),
            activities: p
                .activities
                .iter()
                .map(|a| ActivityRow {
                    number: a.number.to_string(),
                    date: long_uk(a.date),
                    title: a.title.clone(),
                    activity_type: a.activity_type.label().to_owned(),
                    hours: a.hours.map(hours).unwrap_or_default(),
                    evidence: join(&a.evidence),
                })
                .collect(),
            statement: p
                .statement
                .sections
                .iter()
                .map(|s| Section {
                    heading: s.heading.clone(),
                    paragraphs: s.paragraphs.clone(),
                })
                .collect(),
            statement_words: words(p.statement.words, p.statement.word_limit),
            evidence: p
                .evidence
                .iter()
                .map(|e| EvidenceRow {
                    number: e.number.to_string(),
                    description: e.description.clone(),
                })
                .collect(),
        }
    }
}

pub(crate) fn label(name: &str, value: &str) -> [String; 2] {
    [name.to_owned(), value.to_owned()]
}

/// Paragraphs as the person wrote them: split at blank lines, each with
/// its lines joined.
pub(crate) fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            if !current.is_empty() {
                out.push(current.join(" "));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current.join(" "));
    }
    out
}

fn words(count: usize, limit: usize) -> String {
    let over = if count > limit {
        ": over the limit"
    } else {
        ""
    };
    format!("{count} of {limit} words{over}")
}

/// Hours without a trailing `.0`, to two places at most.
pub(crate) fn hours(h: f64) -> String {
    let text = format!("{h:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn join(numbers: &[usize]) -> String {
    numbers
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::domain::profile::build;
    use crate::domain::profile::tests::{activity, person};
    use crate::domain::reflection::ActivityType;

    #[test]
    fn every_value_is_the_text_a_reader_sees() {
        let mut first = activity("a", date!(2025 - 02 - 01), ActivityType::WorkBasedLearning);
        first.hours = Some(1.5);
        first.attachments = vec!["certificate.pdf".to_owned()];
        let second = activity("b", date!(2025 - 03 - 04), ActivityType::FormalEducation);
        let doc = ProfileDocument::new(&build(
            person("I work in a GP surgery.\n\nI run   a falls\ngroup."),
            date!(2025 - 01 - 01),
            date!(2025 - 12 - 31),
            &[first, second],
        ));
        assert_eq!(
            doc.summary,
            vec!["I work in a GP surgery.", "I run   a falls group."]
        );
        assert_eq!(doc.summary_words, "11 of 500 words");
        assert_eq!(doc.details[3][1], "1 January 2025 to 31 December 2025");
        let rows: Vec<(&str, &str, &str, &str)> = doc
            .activities
            .iter()
            .map(|r| {
                (
                    r.number.as_str(),
                    r.date.as_str(),
                    r.hours.as_str(),
                    r.evidence.as_str(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("1", "1 February 2025", "1.5", "2, 4"),
                ("2", "4 March 2025", "2", "3")
            ]
        );
        assert_eq!(doc.evidence.len(), 4);
        assert_eq!(
            doc.evidence[3].description,
            "Attachment to activity 1: certificate.pdf"
        );
    }

    #[test]
    fn counts_over_the_limit_say_so() {
        assert_eq!(words(501, 500), "501 of 500 words: over the limit");
        assert_eq!(hours(2.0), "2");
        assert_eq!(hours(0.25), "0.25");
    }
}
