//! The name a file is stored and downloaded under. It comes from the
//! uploader, so it is cleaned (no path, no quotes, no control characters)
//! and its extension is made to match what the content really is: a name
//! that says `.exe`, `.html` or `.bat` would be opened by that program on
//! the computer of whoever downloads it.

use super::{FileType, TextFormat};

/// At most this many characters in a stored name.
const MAX_CHARS: usize = 255;

/// A file name safe to store and to put in a Content-Disposition header:
/// the last path component, without control characters or quotes, at most
/// 255 characters; `attachment.{extension}` when nothing is left.
pub fn clean_file_name(name: Option<&str>, extension: &str) -> String {
    cleaned(name).unwrap_or_else(|| format!("attachment.{extension}"))
}

/// The cleaned name, `None` when nothing is left of it.
pub(super) fn cleaned(name: Option<&str>) -> Option<String> {
    let base = name?.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(MAX_CHARS)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    (!cleaned.is_empty()).then_some(cleaned)
}

/// The text format a (cleaned) name's last extension names, if any.
pub(super) fn text_format(name: &str) -> Option<TextFormat> {
    let (_, extension) = name.rsplit_once('.')?;
    TextFormat::ALL
        .into_iter()
        .find(|f| f.extension().eq_ignore_ascii_case(extension))
}

/// The cleaned name with its extension made to match `file_type`: trailing
/// extensions that name another type are dropped, and the type's own
/// extension is added unless the name already ends with it (in any case).
/// `scan.PDF.exe` holding a PDF becomes `scan.PDF`; `photo.pdf` holding a
/// PNG becomes `photo.png`; `Dr. Lee 2024.v2.exe` becomes `Dr. Lee 2024.pdf`.
pub(super) fn with_extension(name: &str, file_type: FileType) -> String {
    let mut stem = name;
    loop {
        stem = stem.trim_end_matches(['.', ' ']);
        match split_extension(stem) {
            Some((_, extension)) if file_type.is_named_by(extension) => return stem.to_owned(),
            Some((rest, _)) => stem = rest,
            None => break,
        }
    }
    let extension = file_type.extension();
    let room = MAX_CHARS - 1 - extension.len();
    let stem: String = stem.chars().take(room).collect();
    let stem = if stem.is_empty() { "attachment" } else { &stem };
    format!("{stem}.{extension}")
}

/// The name split before its last dot when what follows looks like an
/// extension: one to five ASCII letters and digits, at least one a letter
/// (so `Dr. Lee` and `report.2024` keep their dots).
fn split_extension(name: &str) -> Option<(&str, &str)> {
    let (stem, extension) = name.rsplit_once('.')?;
    let looks_like_one = (1..=5).contains(&extension.len())
        && extension.bytes().all(|b| b.is_ascii_alphanumeric())
        && extension.bytes().any(|b| b.is_ascii_alphabetic());
    looks_like_one.then_some((stem, extension))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_quotes_and_control_characters() {
        assert_eq!(clean_file_name(Some("../../etc/passwd"), "txt"), "passwd");
        assert_eq!(
            clean_file_name(Some("C:\\certs\\fire \"safety\".pdf"), "pdf"),
            "fire safety.pdf"
        );
        assert_eq!(clean_file_name(Some("a\r\nb.pdf"), "pdf"), "ab.pdf");
        assert_eq!(clean_file_name(Some(".."), "png"), "attachment.png");
        assert_eq!(clean_file_name(None, "png"), "attachment.png");
        assert_eq!(
            clean_file_name(Some(&"é".repeat(300)), "pdf")
                .chars()
                .count(),
            255
        );
    }

    #[test]
    fn the_extension_follows_the_content() {
        for (name, file_type, stored) in [
            ("scan.PDF.exe", FileType::Pdf, "scan.PDF"),
            ("certificate.pdf", FileType::Png, "certificate.png"),
            ("certificate.pdf", FileType::Pdf, "certificate.pdf"),
            ("photo.JPEG", FileType::Jpeg, "photo.JPEG"),
            ("photo.png.hta", FileType::Jpeg, "photo.jpg"),
            ("notes.docx.html", FileType::Odt, "notes.odt"),
            ("Dr. Lee 2024.v2.exe", FileType::Pdf, "Dr. Lee 2024.pdf"),
            ("report.2024", FileType::Docx, "report.2024.docx"),
            ("report.pdf. . ", FileType::Pdf, "report.pdf"),
            ("exe", FileType::Pdf, "exe.pdf"),
            (".exe", FileType::Pdf, "attachment.pdf"),
        ] {
            assert_eq!(with_extension(name, file_type), stored, "{name}");
        }
    }

    #[test]
    fn an_added_extension_keeps_the_name_within_255_characters() {
        let stored = with_extension(&"é".repeat(255), FileType::Docx);
        assert_eq!(stored.chars().count(), 255);
        assert!(stored.ends_with("éé.docx"), "{stored}");
    }

    #[test]
    fn text_formats_come_from_the_last_extension() {
        assert_eq!(text_format("notes.TXT"), Some(TextFormat::Plain));
        assert_eq!(text_format("audit.data.csv"), Some(TextFormat::Csv));
        assert_eq!(text_format("plan.Md"), Some(TextFormat::Markdown));
        for name in [
            "run.bat",
            "notes.txt.ps1",
            "page.html",
            "notes",
            "notes.txt.",
        ] {
            assert_eq!(text_format(name), None, "{name}");
        }
    }
}
