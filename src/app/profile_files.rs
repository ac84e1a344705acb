//! The CPD profile as a file to submit: a PDF or a Word document,
//! typeset off the async runtime's threads.

use super::profile::ProfileRequest;
use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::export::docx::profile_docx;
use crate::export::pdf::profile_pdf;
use crate::export::profile_document::ProfileDocument;

/// The document formats of the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFormat {
    Pdf,
    Docx,
}

impl DocumentFormat {
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Docx => "docx",
        }
    }
}

/// A typeset profile and the name to save it under.
pub struct ProfileFile {
    pub bytes: Vec<u8>,
    pub format: DocumentFormat,
    pub file_name: String,
}

impl App {
    /// The caller's profile for the period as a document; refused, like
    /// every export, while a record in it has an open patient-identifier
    /// warning.
    pub async fn cpd_profile_file(
        &self,
        me: &CurrentUser,
        request: ProfileRequest,
        format: DocumentFormat,
    ) -> AppResult<ProfileFile> {
        let profile = self.cpd_profile(me, request).await?;
        let file_name = format!(
            "cpd-profile-{}-to-{}.{}",
            profile.from,
            profile.to,
            format.extension()
        );
        let doc = ProfileDocument::new(&profile);
        let bytes = tokio::task::spawn_blocking(move || match format {
            DocumentFormat::Pdf => profile_pdf(&doc),
            DocumentFormat::Docx => profile_docx(&doc),
        })
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
        Ok(ProfileFile {
            bytes,
            format,
            file_name,
        })
    }
}
