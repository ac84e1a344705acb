//! The appraisal pack as documents: a `RecordDocument` that `pdf.rs`
//! typesets from `templates/record.typ`, and a standalone HTML page. Both
//! read the same rows, so they say the same thing in the same order.

use maud::{DOCTYPE, Markup, html};

use super::profile_document::hours;
use super::record_document::RecordDocument;
use crate::domain::appraisal::AppraisalPack;
use crate::domain::dates::long_uk;

/// The pack's sections: heading, column headers, rows, and what to say
/// when there are no rows.
struct Part {
    heading: &'static str,
    header: &'static [&'static str],
    rows: Vec<Vec<String>>,
    empty: &'static str,
}

fn parts(p: &AppraisalPack) -> Vec<Part> {
    let date = |d: Option<time::Date>| d.map(long_uk).unwrap_or_default();
    vec![
        Part {
            heading: "CPD activity by type",
            header: &["Type", "Activities", "Hours"],
            rows: p
                .hours_by_type
                .iter()
                .map(|h| {
                    vec![
                        h.activity_type.label().to_owned(),
                        h.activities.to_string(),
                        hours(h.hours),
                    ]
                })
                .chain((p.total_activities > 0).then(|| {
                    vec![
                        "Total".to_owned(),
                        p.total_activities.to_string(),
                        hours(p.total_hours),
                    ]
                }))
                .collect(),
            empty: "No CPD activity recorded in this period.",
        },
        Part {
            heading: "Supervision",
            header: &["Date", "Type", "Minutes", "Sign-off"],
            rows: p
                .supervision
                .iter()
                .map(|s| {
                    vec![
                        long_uk(s.date),
                        s.supervision_type.clone(),
                        s.minutes.to_string(),
                        s.sign_off.clone(),
                    ]
                })
                .collect(),
            empty: "No supervision recorded in this period.",
        },
        Part {
            heading: "Training and compliance",
            header: &["Requirement", "Status", "In date until"],
            rows: p
                .compliance
                .iter()
                .map(|c| vec![c.title.clone(), c.status.replace('_', " "), date(c.due_on)])
                .collect(),
            empty: "No requirements apply.",
        },
        Part {
            heading: "Audit and quality improvement",
            header: &["Title", "Kind", "Started", "Completed"],
            rows: p
                .audits
                .iter()
                .map(|a| {
                    vec![
                        a.title.clone(),
                        a.kind.clone(),
                        long_uk(a.started_on),
                        date(a.completed_on),
                    ]
                })
                .collect(),
            empty: "No audit or QI work recorded in this period.",
        },
        Part {
            heading: "Reflections",
            header: &["Date", "Title", "What I learnt", "How my practice changed"],
            rows: p
                .reflections
                .iter()
                .map(|r| {
                    vec![
                        long_uk(r.date),
                        r.title.clone(),
                        r.learning.clone(),
                        r.impact.clone(),
                    ]
                })
                .collect(),
            empty: "No reflections chosen.",
        },
        Part {
            heading: "Personal development plan",
            header: &["Objective", "Agreed", "Due", "Status", "Progress"],
            rows: p
                .objectives
                .iter()
                .map(|o| {
                    let overdue = if o.overdue { " (past its date)" } else { "" };
                    vec![
                        o.title.clone(),
                        long_uk(o.agreed_on),
                        long_uk(o.due_on),
                        format!("{}{overdue}", o.status.label()),
                        o.progress.clone(),
                    ]
                })
                .collect(),
            empty: "No objectives for this period.",
        },
    ]
}

fn period(p: &AppraisalPack) -> String {
    format!("{} to {}", long_uk(p.from), long_uk(p.to))
}

/// The pack as a document to typeset.
pub fn pack_document(p: &AppraisalPack) -> RecordDocument {
    let footer = format!("{}, appraisal pack, {}", p.name, period(p));
    let registration = p.hcpc_number.as_deref().unwrap_or("not recorded");
    let mut doc = RecordDocument::new("Appraisal pack", &p.name, &footer)
        .detail("HCPC registration number", registration)
        .detail("Period", &period(p))
        .detail(
            "Compliance",
            &format!("{} on {}", p.compliance_rag, long_uk(p.compliance_today)),
        );
    for part in parts(p) {
        doc = doc.table_section(part.heading, part.header, part.rows, part.empty);
    }
    doc
}

/// The pack's content under its title: details, then each part as a
/// headed table (level-2 headings), for a page of its own or the web
/// interface's.
pub fn pack_body(p: &AppraisalPack) -> Markup {
    html! {
        p { "HCPC registration number: " (p.hcpc_number.as_deref().unwrap_or("not recorded")) ". Period: " (period(p)) ". Compliance on " (long_uk(p.compliance_today)) ": " (p.compliance_rag) "." }
        @for part in parts(p) {
            h2 { (part.heading) }
            @if part.rows.is_empty() {
                p { (part.empty) }
            } @else {
                table {
                    thead { tr { @for h in part.header { th scope="col" { (h) } } } }
                    tbody { @for row in &part.rows { tr { @for cell in row { td { (cell) } } } } }
                }
            }
        }
    }
}

/// The pack as a page to read, print or save.
pub fn pack_html(p: &AppraisalPack) -> String {
    let title = format!("Appraisal pack: {}", p.name);
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                title { (title) }
                style { "body{font-family:sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse;margin-bottom:1.5rem}td,th{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}" }
            }
            body {
                h1 { (title) }
                (pack_body(p))
            }
        }
    }
    .into_string()
}
