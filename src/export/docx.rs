//! The CPD profile as a Word document (A4, real headings, tables, "Page n
//! of m" in the footer) that opens in Word and LibreOffice and stays
//! editable: a registrant can polish the statement before sending it.

use std::io::Cursor;

use docx_rs::{
    Docx, Footer, NumPages, PageMargin, PageNum, Paragraph, Run, RunFonts, Style, StyleType, Table,
    TableCell, TableRow,
};

use super::DocumentError;
use super::profile_document::{ProfileDocument, SECTION_HEADINGS};

/// A4 in twentieths of a point, and a 2 cm margin.
const A4: (u32, u32) = (11_906, 16_838);
const MARGIN: i32 = 1_134;

/// The heading styles, by level: id, name Word knows, size in half-points.
const HEADINGS: [(&str, &str, usize); 3] = [
    ("Heading1", "heading 1", 32),
    ("Heading2", "heading 2", 25),
    ("Heading3", "heading 3", 21),
];

pub fn profile_docx(doc: &ProfileDocument) -> Result<Vec<u8>, DocumentError> {
    let mut docx = Docx::new()
        .page_size(A4.0, A4.1)
        .page_margin(
            PageMargin::new()
                .top(MARGIN)
                .bottom(MARGIN)
                .left(MARGIN)
                .right(MARGIN),
        )
        .default_fonts(RunFonts::new().ascii("Arial").hi_ansi("Arial").cs("Arial"))
        .default_size(19)
        .footer(footer(&doc.footer));
    for (level, (id, name, size)) in HEADINGS.iter().enumerate() {
        docx = docx.add_style(
            Style::new(*id, StyleType::Paragraph)
                .name(*name)
                .size(*size)
                .bold()
                .outline_lvl(level),
        );
    }
    docx = docx
        .add_paragraph(heading(1, &doc.title))
        .add_table(table(
            None,
            doc.details
                .iter()
                .map(|[k, v]| vec![k.as_str(), v.as_str()]),
        ))
        .add_paragraph(heading(2, SECTION_HEADINGS[0]))
        .add_paragraph(small(&doc.summary_words));
    if doc.summary.is_empty() {
        docx = docx.add_paragraph(text("No summary of practice recorded yet."));
    }
    for p in &doc.summary {
        docx = docx.add_paragraph(text(p));
    }
    docx = docx.add_paragraph(heading(2, SECTION_HEADINGS[1]));
    docx = if doc.activities.is_empty() {
        docx.add_paragraph(text("No activities recorded in this period."))
    } else {
        docx.add_table(table(
            Some(&["No.", "Date", "Activity", "Type", "Hours", "Evidence"]),
            doc.activities.iter().map(|a| {
                vec![
                    a.number.as_str(),
                    &a.date,
                    &a.title,
                    &a.activity_type,
                    &a.hours,
                    &a.evidence,
                ]
            }),
        ))
    };
    docx = docx
        .add_paragraph(heading(2, SECTION_HEADINGS[2]))
        .add_paragraph(small(&doc.statement_words));
    for section in &doc.statement {
        docx = docx.add_paragraph(heading(3, &section.heading));
        for p in &section.paragraphs {
            docx = docx.add_paragraph(text(p));
        }
    }
    docx = docx
        .add_paragraph(heading(2, SECTION_HEADINGS[3]))
        .add_table(table(
            Some(&["No.", "Evidence"]),
            doc.evidence
                .iter()
                .map(|e| vec![e.number.as_str(), &e.description]),
        ));
    let mut out = Cursor::new(Vec::new());
    docx.build()
        .pack(&mut out)
        .map_err(|e| DocumentError(format!("DOCX output failed: {e}")))?;
    Ok(out.into_inner())
}

fn heading(level: usize, words: &str) -> Paragraph {
    let (id, _, _) = HEADINGS[level - 1];
    text(words).style(id)
}

fn text(words: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(words))
}

fn small(words: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(words).size(16).color("4B4B4B"))
}

fn footer(words: &str) -> Footer {
    Footer::new().add_paragraph(
        Paragraph::new()
            .add_run(Run::new().add_text(format!("{words}    Page ")).size(16))
            .add_page_num(PageNum::new())
            .add_run(Run::new().add_text(" of ").size(16))
            .add_num_pages(NumPages::new()),
    )
}

/// A table with a bold header row (when given) and a row per item.
fn table<'a>(header: Option<&[&str]>, rows: impl Iterator<Item = Vec<&'a str>>) -> Table {
    let row = |cells: Vec<Paragraph>| {
        TableRow::new(
            cells
                .into_iter()
                .map(|p| TableCell::new().add_paragraph(p))
                .collect(),
        )
    };
    let mut all = Vec::new();
    if let Some(names) = header {
        all.push(row(names
            .iter()
            .map(|n| Paragraph::new().add_run(Run::new().add_text(*n).bold()))
            .collect()));
    }
    all.extend(rows.map(|cells| row(cells.into_iter().map(text).collect())));
    Table::new(all)
}
