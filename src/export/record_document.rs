//! One piece of evidence as a document to typeset for the evidence
//! bundle: a record of any kind, or the dated list of activities, with
//! its evidence number in the heading. Every value is already the text a
//! reader sees; the Markdown people write becomes headings, paragraphs and
//! list items, never markup for the typesetter.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde::Serialize;
use time::OffsetDateTime;

use super::profile_document::{hours, label};
use crate::domain::audit::AuditDraft;
use crate::domain::dates::long_uk;
use crate::domain::profile::CpdProfile;
use crate::domain::record::{Evidence, SignOff, SignOffStatus};
use crate::domain::reflection::{ReflectionDraft, ReflectiveModel};
use crate::domain::supervision::{ActionStatus, SupervisionDraft};
use crate::domain::training::TrainingDraft;

/// A piece of evidence as text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordDocument {
    /// "Evidence E02", above the title.
    pub label: String,
    pub title: String,
    /// Running footer on every page, beside the page number.
    pub footer: String,
    /// Label and value.
    pub details: Vec<[String; 2]>,
    pub table: Option<Table>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
    pub table: Option<Table>,
}

/// A block of text as the reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "text", rename_all = "snake_case")]
pub enum Block {
    Heading(String),
    Paragraph(String),
    Item(String),
}

/// Names of the people a record mentions by id (supervisor, signer,
/// verifier), as the bundle's reader should see them.
pub trait Names {
    fn name_of(&self, user_id: &str) -> String;
}

impl RecordDocument {
    pub(super) fn new(label: &str, title: &str, footer: &str) -> Self {
        Self {
            label: label.to_owned(),
            title: title.to_owned(),
            footer: footer.to_owned(),
            details: Vec::new(),
            table: None,
            sections: Vec::new(),
        }
    }

    pub(super) fn detail(mut self, name: &str, value: &str) -> Self {
        if !value.trim().is_empty() {
            self.details.push(label(name, value));
        }
        self
    }

    pub(super) fn section(mut self, heading: &str, blocks: Vec<Block>) -> Self {
        if !blocks.is_empty() {
            self.sections.push(Section {
                heading: heading.to_owned(),
                blocks,
                table: None,
            });
        }
        self
    }

    /// A section of rows under `header`, or `empty` in words when there
    /// are none.
    pub(super) fn table_section(
        mut self,
        heading: &str,
        header: &[&str],
        rows: Vec<Vec<String>>,
        empty: &str,
    ) -> Self {
        let (blocks, table) = if rows.is_empty() {
            (vec![Block::Paragraph(empty.to_owned())], None)
        } else {
            let header = header.iter().map(|h| (*h).to_owned()).collect();
            (Vec::new(), Some(Table { header, rows }))
        };
        self.sections.push(Section {
            heading: heading.to_owned(),
            blocks,
            table,
        });
        self
    }

    /// Evidence 1: the dated list of every activity in the profile.
    pub fn activity_list(label: &str, footer: &str, p: &CpdProfile) -> Self {
        let mut doc = Self::new(label, "Dated list of CPD activities", footer).detail(
            "Period",
            &format!("{} to {}", long_uk(p.from), long_uk(p.to)),
        );
        doc.table = Some(Table {
            header: ["No.", "Date", "Activity", "Type", "Hours", "Evidence"]
                .map(str::to_owned)
                .to_vec(),
            rows: p
                .activities
                .iter()
                .map(|a| {
                    vec![
                        a.number.to_string(),
                        long_uk(a.date),
                        a.title.clone(),
                        a.activity_type.label().to_owned(),
                        a.hours.map(hours).unwrap_or_default(),
                        a.evidence
                            .iter()
                            .map(|n| evidence_label(*n, p.evidence.len()))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ]
                })
                .collect(),
        });
        doc
    }

    pub fn reflection(label: &str, footer: &str, r: &Evidence<ReflectionDraft>) -> Self {
        let d = &r.data;
        let standards = d
            .standards
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        Self::new(label, &d.title, footer)
            .detail("Kind", "Reflective record")
            .detail("Date of activity", &long_uk(d.activity_date))
            .detail("Type of activity", d.activity_type.label())
            .detail("Hours", &d.hours.map(hours).unwrap_or_default())
            .detail("Reflective model", model_label(d.model))
            .detail("Standards of proficiency", &standards)
            .detail("Tags", &d.tags.join(", "))
            .detail("Last changed", &changed(r.updated_at, r.version))
            .section("Reflection", markdown_blocks(&d.body))
            .section("What I learnt", markdown_blocks(&d.learning))
            .section("How my practice changed", markdown_blocks(&d.impact))
            .section("Benefit to service users", markdown_blocks(&d.benefit))
    }

    pub fn supervision(
        label: &str,
        footer: &str,
        s: &Evidence<SupervisionDraft>,
        names: &impl Names,
    ) -> Self {
        let d = &s.data;
        let supervisor = match (&d.supervisor_id, &d.external_supervisor_name) {
            (Some(id), _) => names.name_of(id),
            (None, Some(name)) => match &d.external_supervisor_role {
                Some(role) => format!("{name} ({role})"),
                None => name.clone(),
            },
            (None, None) => String::new(),
        };
        let sign_off = &s.workflow.sign_off;
        let signer = sign_off.signed_by.as_deref().map(|id| names.name_of(id));
        let status = sign_off_line(sign_off, signer.as_deref());
        let actions = d
            .actions
            .iter()
            .map(|a| {
                let due = a.due.map(|due| format!(", due {}", long_uk(due)));
                let done = match a.status {
                    ActionStatus::Open => "open",
                    ActionStatus::Closed => "done",
                };
                Block::Item(format!(
                    "{} ({}{}; {done})",
                    a.text,
                    a.owner,
                    due.unwrap_or_default()
                ))
            })
            .collect();
        let addenda = sign_off
            .addenda
            .iter()
            .map(|a| {
                Block::Paragraph(format!(
                    "{} ({}, {})",
                    a.text,
                    names.name_of(&a.author_id),
                    long_uk(a.added_at.date())
                ))
            })
            .collect();
        Self::new(label, d.supervision_type.label(), footer)
            .detail("Kind", "Supervision record")
            .detail("Date", &long_uk(d.date))
            .detail("Length", &format!("{} minutes", d.duration_minutes))
            .detail("Supervisor", &supervisor)
            .detail("Topics", &d.topics.join(", "))
            .detail("Safeguarding discussed", yes_no(d.safeguarding_discussed))
            .detail("Wellbeing discussed", yes_no(d.wellbeing_discussed))
            .detail(
                "Next session",
                &d.next_date.map(long_uk).unwrap_or_default(),
            )
            .detail("Sign-off", &status)
            .detail("Last changed", &changed(s.updated_at, s.version))
            .section("Reflection on the session", markdown_blocks(&d.reflection))
            .section("Agreed actions", actions)
            .section("Addenda after sign-off", addenda)
    }

    pub fn audit(label: &str, footer: &str, a: &Evidence<AuditDraft>) -> Self {
        let d = &a.data;
        Self::new(label, &d.title, footer)
            .detail("Kind", d.audit_kind.label())
            .detail("My role", &d.my_role)
            .detail("Standard audited against", &d.standard)
            .detail("Started", &long_uk(d.started_on))
            .detail(
                "Completed",
                &d.completed_on.map(long_uk).unwrap_or_default(),
            )
            .detail("Outcome measures", &d.outcome_measures.join(", "))
            .detail(
                "Re-audit due",
                &d.reaudit_due.map(long_uk).unwrap_or_default(),
            )
            .detail("Last changed", &changed(a.updated_at, a.version))
            .section("Findings", markdown_blocks(&d.findings))
            .section("Actions", markdown_blocks(&d.actions))
    }

    pub fn training(
        label: &str,
        footer: &str,
        t: &Evidence<TrainingDraft>,
        names: &impl Names,
    ) -> Self {
        let d = &t.data;
        let title = if d.course_title.is_empty() {
            &d.course
        } else {
            &d.course_title
        };
        let verified = t
            .workflow
            .verification
            .as_ref()
            .map(|v| {
                format!(
                    "Verified by {} on {}",
                    names.name_of(&v.verified_by),
                    long_uk(v.verified_at.date())
                )
            })
            .unwrap_or_default();
        Self::new(label, title, footer)
            .detail("Kind", "Training record")
            .detail("Completed", &long_uk(d.completed_on))
            .detail("Provider", &d.provider)
            .detail(
                "Certificate expires",
                &d.certificate_expires_on.map(long_uk).unwrap_or_default(),
            )
            .detail("Due again", &d.expires_on.map(long_uk).unwrap_or_default())
            .detail("Verification", &verified)
            .detail("Last changed", &changed(t.updated_at, t.version))
            .section("Notes", markdown_blocks(&d.notes))
    }
}

/// What a reader is told of someone no longer on this server.
pub const FORMER_USER: &str = "a former user";

/// Where a record's sign-off stands, in words: "Signed off by … on …"
/// (`signer` is the signer's name) or the step it waits at.
pub fn sign_off_line(sign_off: &SignOff, signer: Option<&str>) -> String {
    match (sign_off.status, signer, sign_off.signed_at) {
        (SignOffStatus::Signed, Some(name), Some(at)) => {
            format!("Signed off by {name} on {}", long_uk(at.date()))
        }
        (SignOffStatus::Signed, _, _) => "Signed off".to_owned(),
        (SignOffStatus::Submitted, _, _) => "Waiting for countersigning".to_owned(),
        (SignOffStatus::Returned, _, _) => "Returned for changes".to_owned(),
        (SignOffStatus::Draft, _, _) => "Not submitted for sign-off".to_owned(),
    }
}

/// `E01`, `E02`, …: two digits, more when the bundle has 100 items or
/// more, so that file names sort in evidence order.
pub fn evidence_label(number: usize, count: usize) -> String {
    let width = count.to_string().len().max(2);
    format!("E{number:0width$}")
}

fn yes_no(value: bool) -> &'static str {
    if value { "Yes" } else { "No" }
}

fn changed(at: OffsetDateTime, version: u32) -> String {
    format!("{} (version {version})", long_uk(at.date()))
}

fn model_label(model: ReflectiveModel) -> &'static str {
    match model {
        ReflectiveModel::Gibbs => "Gibbs' reflective cycle",
        ReflectiveModel::Driscoll => "Driscoll's what? model",
        ReflectiveModel::Kolb => "Kolb's experiential learning cycle",
        ReflectiveModel::Schon => "Schön: reflection in and on action",
        ReflectiveModel::Rolfe => "Rolfe's framework",
        ReflectiveModel::Free => "Free text",
    }
}

/// Markdown as blocks of plain text: headings, paragraphs and list items
/// (nested lists flattened), with emphasis, links and code reduced to
/// their text.
pub fn markdown_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Blocks::default();
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { .. }) => blocks.open(Open::Heading),
            Event::Start(Tag::Item) => blocks.open(Open::Item),
            Event::Start(Tag::Paragraph | Tag::CodeBlock(_) | Tag::BlockQuote(_))
                if blocks.kind != Open::Item =>
            {
                blocks.open(Open::Paragraph)
            }
            Event::End(
                TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::Paragraph
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => blocks.close(),
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                blocks.text.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => blocks.text.push(' '),
            _ => {}
        }
    }
    blocks.close();
    blocks.done
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Open {
    Heading,
    #[default]
    Paragraph,
    Item,
}

/// The blocks so far and the text of the one being read.
#[derive(Default)]
struct Blocks {
    done: Vec<Block>,
    kind: Open,
    text: String,
}

impl Blocks {
    fn open(&mut self, kind: Open) {
        self.close();
        self.kind = kind;
    }

    /// Ends the block being read (nothing if it has no text).
    fn close(&mut self) {
        let text = self.text.trim().to_owned();
        self.text.clear();
        let kind = std::mem::take(&mut self.kind);
        if !text.is_empty() {
            self.done.push(match kind {
                Open::Heading => Block::Heading(text),
                Open::Paragraph => Block::Paragraph(text),
                Open::Item => Block::Item(text),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_headings_paragraphs_and_items_of_plain_text() {
        let blocks = markdown_blocks(
            "## What happened\n\nWe *graded* the task\nin steps.\n\n- first `step`\n- second\n  - nested\n\n> quoted [link](https://example.org)\n\n<b>raw</b>",
        );
        assert_eq!(
            blocks,
            vec![
                Block::Heading("What happened".into()),
                Block::Paragraph("We graded the task in steps.".into()),
                Block::Item("first step".into()),
                Block::Item("second".into()),
                Block::Item("nested".into()),
                Block::Paragraph("quoted link".into()),
                Block::Paragraph("raw".into()),
            ]
        );
        assert_eq!(markdown_blocks("  \n\n"), Vec::new());
    }

    #[test]
    fn loose_list_items_keep_their_text_as_items() {
        assert_eq!(
            markdown_blocks("1. one\n\n2. two\n"),
            vec![Block::Item("one".into()), Block::Item("two".into())]
        );
    }

    #[test]
    fn evidence_labels_sort_in_number_order() {
        assert_eq!(evidence_label(1, 9), "E01");
        assert_eq!(evidence_label(42, 99), "E42");
        assert_eq!(evidence_label(7, 120), "E007");
        assert_eq!(evidence_label(120, 120), "E120");
    }
}
