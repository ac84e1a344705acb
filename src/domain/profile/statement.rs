//! The personal statement, organised under HCPC CPD standards 1 to 4 and
//! written in the first person from the entries' own learning, impact and
//! benefit fields. Every activity it mentions cites its evidence number.

use time::Date;

use super::{
    Activity, Gap, ListedActivity, Mixture, STATEMENT_WORD_LIMIT, Statement, StatementSection,
};
use crate::domain::dates::long_uk;
use crate::domain::text::word_count;

pub(super) fn write(
    activities: &[&Activity],
    listed: &[ListedActivity],
    mixture: &Mixture,
    gaps: &[Gap],
    from: Date,
    to: Date,
) -> Statement {
    let sections = vec![
        section(
            1,
            "Standard 1: a continuous, up-to-date and accurate record",
            standard_1(listed.len(), gaps, from, to),
        ),
        section(
            2,
            "Standard 2: a mixture of learning activities relevant to my practice",
            standard_2(activities, mixture),
        ),
        section(
            3,
            "Standard 3: improving the quality of my practice",
            standard_3(activities, listed),
        ),
        section(
            4,
            "Standard 4: benefiting the people who use my service",
            standard_4(activities, listed),
        ),
    ];
    let words = sections
        .iter()
        .map(|s| word_count(&s.heading) + s.paragraphs.iter().map(|p| word_count(p)).sum::<usize>())
        .sum();
    Statement {
        sections,
        words,
        word_limit: STATEMENT_WORD_LIMIT,
        within_limit: words <= STATEMENT_WORD_LIMIT,
    }
}

fn section(standard: u8, heading: &str, paragraphs: Vec<String>) -> StatementSection {
    StatementSection {
        standard,
        heading: heading.to_owned(),
        paragraphs,
    }
}

fn standard_1(count: usize, gaps: &[Gap], from: Date, to: Date) -> Vec<String> {
    let mut paragraphs = vec![format!(
        "I have kept a record of my CPD throughout the period from {} to {}: {count} {} listed in date order in section 2 (Evidence 1).",
        long_uk(from),
        long_uk(to),
        if count == 1 {
            "activity is"
        } else {
            "activities are"
        },
    )];
    if !gaps.is_empty() {
        let periods: Vec<String> = gaps
            .iter()
            .map(|g| format!("{} to {} ({} days)", long_uk(g.from), long_uk(g.to), g.days))
            .collect();
        paragraphs.push(format!(
            "My record has {} of three months or more with no recorded activity: {}. [Explain each gap here, for example leave or a change of role.]",
            if gaps.len() == 1 { "one period" } else { "periods" },
            periods.join("; "),
        ));
    }
    paragraphs
}

fn standard_2(activities: &[&Activity], mixture: &Mixture) -> Vec<String> {
    let kinds: Vec<String> = mixture
        .types
        .iter()
        .map(|t| format!("{} ({})", t.label.to_lowercase(), t.count))
        .collect();
    let first = match mixture.types.len() {
        0 => "I have no CPD activities recorded in this period.".to_owned(),
        1 => format!(
            "All my recorded activities are of one type: {}. Standard 2 asks for at least two different types of learning activity.",
            kinds.join("")
        ),
        _ => format!(
            "My CPD is a mixture of {} types of learning activity: {}.",
            mixture.types.len(),
            kinds.join(", ")
        ),
    };
    let mut standards: Vec<u8> = activities
        .iter()
        .flat_map(|a| a.standards.iter().copied())
        .collect();
    standards.sort_unstable();
    standards.dedup();
    let mut paragraphs = vec![first];
    if !standards.is_empty() {
        let list: Vec<String> = standards.iter().map(u8::to_string).collect();
        paragraphs.push(format!(
            "These activities are relevant to the practice described in my summary, and together they evidence HCPC standards of proficiency {}.",
            list.join(", ")
        ));
    }
    paragraphs
}

fn standard_3(activities: &[&Activity], listed: &[ListedActivity]) -> Vec<String> {
    activities
        .iter()
        .zip(listed)
        .filter(|(a, _)| !a.learning.trim().is_empty() || !a.impact.trim().is_empty())
        .map(|(a, l)| {
            let mut text = format!(
                "{} ({}, Evidence {}).",
                a.title,
                long_uk(a.date),
                l.evidence[0]
            );
            if !a.learning.trim().is_empty() {
                text.push_str(&format!(" What I learnt: {}", sentence(&a.learning)));
            }
            if !a.impact.trim().is_empty() {
                text.push_str(&format!(
                    " How it changed my practice: {}",
                    sentence(&a.impact)
                ));
            }
            text
        })
        .collect()
}

fn standard_4(activities: &[&Activity], listed: &[ListedActivity]) -> Vec<String> {
    activities
        .iter()
        .zip(listed)
        .filter(|(a, _)| !a.benefit.trim().is_empty())
        .map(|(a, l)| {
            format!(
                "{} (Evidence {}): {}",
                a.title,
                l.evidence[0],
                sentence(&a.benefit)
            )
        })
        .collect()
}

/// Trims and makes sure the text ends like a sentence.
fn sentence(text: &str) -> String {
    let t = text.trim();
    if t.ends_with(['.', '!', '?']) {
        t.to_owned()
    } else {
        format!("{t}.")
    }
}
