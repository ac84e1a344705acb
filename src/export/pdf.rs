//! The CPD profile as an A4 PDF, typeset by Typst from
//! `templates/profile.typ` with DejaVu Sans embedded (subset), page
//! numbers "n of m" and selectable text. The profile goes in as JSON
//! data, never spliced into the template, so nothing a person writes can
//! change the layout or run Typst code.

use std::sync::LazyLock;

use typst::foundations::{Dict, IntoValue};
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;

use super::DocumentError;
use super::profile_document::ProfileDocument;

const TEMPLATE: &str = include_str!("templates/profile.typ");
const REGULAR: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("fonts/DejaVuSans-Bold.ttf");

/// The template with its fonts read, built once: the fonts take a few
/// milliseconds to parse.
static ENGINE: LazyLock<TypstEngine<TypstTemplateMainFile>> = LazyLock::new(|| {
    TypstEngine::builder()
        .main_file(TEMPLATE)
        .fonts([REGULAR, BOLD])
        .build()
});

/// Typesets the profile. CPU-bound for tens of milliseconds: call it off
/// the async runtime's threads.
pub fn profile_pdf(doc: &ProfileDocument) -> Result<Vec<u8>, DocumentError> {
    let data = serde_json::to_string(doc).map_err(|e| DocumentError(e.to_string()))?;
    let mut inputs = Dict::new();
    inputs.insert("profile".into(), data.into_value());
    let typeset: PagedDocument = ENGINE
        .compile_with_input(inputs)
        .output
        .map_err(|e| DocumentError(format!("typesetting failed: {e}")))?;
    typst_pdf::pdf(&typeset, &typst_pdf::PdfOptions::default())
        .map_err(|e| DocumentError(format!("PDF output failed: {e:?}")))
}
