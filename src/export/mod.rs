//! Presentation of domain values as documents people read or download:
//! Markdown rendered to sanitised HTML, and the CPD profile as Markdown and
//! an HTML page. No rules live here; what to show is decided in `domain`,
//! how it looks is decided here, and both the API and (later) the web pages
//! use the same functions.

pub mod csv;
pub mod html;
pub mod ical;
pub mod portable;
pub mod profile;
