//! Presentation of domain values as documents people read or download:
//! Markdown rendered to sanitised HTML, the CPD profile as Markdown, an
//! HTML page, a PDF and a Word document, the evidence bundle, calendars, CSV and the portable
//! record. No rules live here; what to show is decided in `domain`, how it
//! looks is decided here, and the API and the web pages use the same
//! functions.

pub mod appraisal;
pub mod bundle;
pub mod csv;
pub mod docx;
pub mod html;
pub mod ical;
pub mod pdf;
pub mod portable;
pub mod profile;
pub mod profile_document;
pub mod record_document;

/// A document could not be produced (a defect, not bad input: the
/// profile it was given is always valid).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DocumentError(pub String);
