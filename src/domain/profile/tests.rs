use time::macros::date;

use super::*;

pub(crate) fn person(summary: &str) -> Person {
    Person {
        name: "Sam Okafor".into(),
        hcpc_number: Some("OT12345".into()),
        practice_summary: summary.into(),
    }
}

pub(crate) fn activity(id: &str, date: Date, activity_type: ActivityType) -> Activity {
    Activity {
        record_id: id.into(),
        date,
        title: format!("Activity {id}"),
        activity_type,
        hours: Some(2.0),
        learning: format!("learning {id}"),
        impact: format!("impact {id}"),
        benefit: format!("benefit {id}"),
        standards: vec![10],
        record_kind: "Reflective record".into(),
        attachments: vec![],
    }
}

#[test]
fn attachments_are_numbered_after_the_records_and_cited_by_their_activity() {
    let mut with_file = activity("a", date!(2025 - 02 - 01), ActivityType::FormalEducation);
    with_file.attachments = vec!["fire-safety.pdf".into(), "notes.txt".into()];
    let acts = [
        with_file,
        activity("b", date!(2025 - 03 - 01), ActivityType::WorkBasedLearning),
    ];
    let p = build(
        person(""),
        date!(2025 - 01 - 01),
        date!(2025 - 07 - 01),
        &acts,
    );
    assert_eq!(p.activities[0].evidence, vec![2, 4, 5]);
    assert_eq!(p.activities[1].evidence, vec![3]);
    let described: Vec<(usize, &str, Option<usize>)> = p
        .evidence
        .iter()
        .map(|e| (e.number, e.description.as_str(), e.activity))
        .collect();
    assert_eq!(
        described[3],
        (4, "Attachment to activity 1: fire-safety.pdf", Some(1))
    );
    assert_eq!(
        described[4],
        (5, "Attachment to activity 1: notes.txt", Some(1))
    );
    assert_eq!(p.evidence.len(), 5);
}

#[test]
fn activities_are_numbered_in_date_order_within_the_period() {
    let acts = [
        activity("b", date!(2025 - 06 - 01), ActivityType::FormalEducation),
        activity("a", date!(2025 - 02 - 01), ActivityType::WorkBasedLearning),
        activity("outside", date!(2024 - 12 - 31), ActivityType::Other),
    ];
    let p = build(
        person(""),
        date!(2025 - 01 - 01),
        date!(2025 - 07 - 01),
        &acts,
    );
    let ids: Vec<(usize, &str, Vec<usize>)> = p
        .activities
        .iter()
        .map(|a| (a.number, a.record_id.as_str(), a.evidence.clone()))
        .collect();
    assert_eq!(ids, [(1, "a", vec![2]), (2, "b", vec![3])]);
    assert_eq!(p.evidence.len(), 3);
    assert_eq!(
        p.evidence[1].description,
        "Reflective record: Activity a (1 February 2025)"
    );
    assert!(p.checks.mixture.is_mixture);
    assert_eq!(p.checks.gaps.len(), 1);
    assert_eq!(
        (p.checks.gaps[0].from, p.checks.gaps[0].to),
        (date!(2025 - 02 - 01), date!(2025 - 06 - 01))
    );
}

#[test]
fn one_activity_type_is_not_a_mixture() {
    let acts = [
        activity(
            "a",
            date!(2025 - 02 - 01),
            ActivityType::SelfDirectedLearning,
        ),
        activity(
            "b",
            date!(2025 - 03 - 01),
            ActivityType::SelfDirectedLearning,
        ),
    ];
    let p = build(
        person(""),
        date!(2025 - 01 - 15),
        date!(2025 - 04 - 01),
        &acts,
    );
    assert!(!p.checks.mixture.is_mixture);
    assert_eq!(p.checks.mixture.types[0].count, 2);
    assert!(
        p.statement.sections[1].paragraphs[0]
            .starts_with("All my recorded activities are of one type")
    );
}

#[test]
fn statement_cites_evidence_and_uses_learning_impact_benefit() {
    let acts = [activity(
        "a",
        date!(2025 - 02 - 01),
        ActivityType::WorkBasedLearning,
    )];
    let p = build(
        person(""),
        date!(2025 - 01 - 15),
        date!(2025 - 03 - 01),
        &acts,
    );
    let s3 = &p.statement.sections[2];
    assert_eq!(s3.standard, 3);
    assert_eq!(
        s3.paragraphs,
        [
            "Activity a (1 February 2025, Evidence 2). What I learnt: learning a. How it changed my practice: impact a."
        ]
    );
    assert_eq!(
        p.statement.sections[3].paragraphs,
        ["Activity a (Evidence 2): benefit a."]
    );
}

#[test]
fn word_limits_are_checked() {
    let long = "word ".repeat(501);
    let p = build(
        person(&long),
        date!(2025 - 01 - 01),
        date!(2025 - 02 - 01),
        &[],
    );
    assert_eq!(p.practice_summary.words, 501);
    assert!(!p.checks.summary_within_limit);
    let ok = build(
        person(&"word ".repeat(500)),
        date!(2025 - 01 - 01),
        date!(2025 - 02 - 01),
        &[],
    );
    assert!(ok.checks.summary_within_limit);
    let mut verbose = activity("a", date!(2025 - 01 - 10), ActivityType::Other);
    verbose.learning = "insight ".repeat(1600);
    let p = build(
        person(""),
        date!(2025 - 01 - 01),
        date!(2025 - 02 - 01),
        &[verbose],
    );
    assert!(p.statement.words > 1600);
    assert!(!p.checks.statement_within_limit);
}
