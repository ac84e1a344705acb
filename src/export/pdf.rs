//! The CPD profile and each piece of evidence of the bundle as A4 PDFs,
//! typeset by Typst from `templates/profile.typ` and
//! `templates/record.typ` with DejaVu Sans embedded (subset), page numbers
//! "n of m" and selectable text. The document goes in as JSON data, never
//! spliced into the template, so nothing a person writes can change the
//! layout or run Typst code.

use std::sync::{LazyLock, Once};

use serde::Serialize;
use typst::foundations::{Dict, IntoValue};
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;

use super::DocumentError;
use super::profile_document::ProfileDocument;
use super::record_document::RecordDocument;
use crate::domain::profile::Person;

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

/// Reads the fonts and typesets a page from each template once a
/// process, so that the first person to download a PDF after a start
/// does not wait for it (the first typesetting took 0.5 s in release,
/// later ones 0.2 s for a profile of 500 records). Blocking.
pub fn warm_up() {
    static DONE: Once = Once::new();
    DONE.call_once(|| {
        let day = time::macros::date!(2000 - 01 - 01);
        let person = Person {
            name: String::new(),
            hcpc_number: None,
            practice_summary: String::new(),
        };
        let profile = ProfileDocument::new(&crate::domain::profile::build(person, day, day, &[]));
        let record = RecordDocument::new("", "", "");
        if profile_pdf(&profile).is_err() || record_pdf(&record).is_err() {
            tracing::warn!("a PDF template could not be typeset at start-up");
        }
    });
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warming_up_again_is_harmless_and_the_templates_still_typeset() {
        warm_up();
        warm_up();
        let record = RecordDocument::new("Evidence E01", "A title", "A footer");
        let pdf = record_pdf(&record).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
