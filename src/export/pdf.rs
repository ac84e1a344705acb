//! The CPD profile and each piece of evidence of the bundle as A4 PDFs,
//! typeset by Typst from `templates/profile.typ` and
//! `templates/record.typ` with DejaVu Sans embedded (subset), page numbers
//! "n of m" and selectable text. The document goes in as JSON data, never
//! spliced into the template, so nothing a person writes can change the
//! layout or run Typst code.

use std::sync::LazyLock;

use serde::Serialize;
use typst::foundations::{Dict, IntoValue};
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;

use super::DocumentError;
use super::profile_document::ProfileDocument;
use super::record_document::RecordDocument;

const REGULAR: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("fonts/DejaVuSans-Bold.ttf");

type Engine = TypstEngine<TypstTemplateMainFile>;

/// A template with its fonts read, built once: the fonts take a few
/// milliseconds to parse.
fn engine(template: &'static str) -> Engine {
    TypstEngine::builder()
        .main_file(template)
        .fonts([REGULAR, BOLD])
        .build()
}

static PROFILE: LazyLock<Engine> = LazyLock::new(|| engine(include_str!("templates/profile.typ")));
static RECORD: LazyLock<Engine> = LazyLock::new(|| engine(include_str!("templates/record.typ")));

/// Typesets the profile. CPU-bound for tens of milliseconds: call it off
/// the async runtime's threads.
pub fn profile_pdf(doc: &ProfileDocument) -> Result<Vec<u8>, DocumentError> {
    typeset(&PROFILE, "profile", doc)
}

/// Typesets one piece of evidence. CPU-bound: call it off the async
/// runtime's threads.
pub fn record_pdf(doc: &RecordDocument) -> Result<Vec<u8>, DocumentError> {
    typeset(&RECORD, "record", doc)
}

fn typeset(engine: &Engine, input: &str, doc: &impl Serialize) -> Result<Vec<u8>, DocumentError> {
    let data = serde_json::to_string(doc).map_err(|e| DocumentError(e.to_string()))?;
    let mut inputs = Dict::new();
    inputs.insert(input.into(), data.into_value());
    let typeset: PagedDocument = engine
        .compile_with_input(inputs)
        .output
        .map_err(|e| DocumentError(format!("typesetting failed: {e}")))?;
    typst_pdf::pdf(&typeset, &typst_pdf::PdfOptions::default())
        .map_err(|e| DocumentError(format!("PDF output failed: {e:?}")))
}
