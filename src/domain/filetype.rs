//! What a file really is, decided from its bytes, never from the type a
//! client claims. Only the formats people use for CPD evidence are accepted:
//! PDF, PNG, JPEG, DOCX, ODT and UTF-8 text. DOCX and ODT are zip archives;
//! they are read from their central directory (`zip.rs`), must hold the
//! parts their format requires, and may hold no program, no script and no
//! part whose path leads out of the archive. Text is accepted only under a
//! name ending `.txt`, `.csv` or `.md` and only when it is not markup or
//! script: a text file named `.bat`, `.hta` or `.svg` would be run or
//! rendered by whoever downloads it. The stored name's extension always
//! follows the detected type (`name.rs`).

mod name;
mod zip;

pub use name::clean_file_name;

/// An accepted evidence format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Png,
    Jpeg,
    Docx,
    Odt,
    Text(TextFormat),
}

/// What kind of text a text file is, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    Plain,
    Csv,
    Markdown,
}

impl TextFormat {
    pub const ALL: [Self; 3] = [Self::Plain, Self::Csv, Self::Markdown];

    pub fn extension(self) -> &'static str {
        match self {
            Self::Plain => "txt",
            Self::Csv => "csv",
            Self::Markdown => "md",
        }
    }
}

impl FileType {
    pub const ALL: [Self; 8] = [
        Self::Pdf,
        Self::Png,
        Self::Jpeg,
        Self::Docx,
        Self::Odt,
        Self::Text(TextFormat::Plain),
        Self::Text(TextFormat::Csv),
        Self::Text(TextFormat::Markdown),
    ];

    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Odt => ODT_MIME,
            Self::Text(TextFormat::Plain) => "text/plain; charset=utf-8",
            Self::Text(TextFormat::Csv) => "text/csv; charset=utf-8",
            Self::Text(TextFormat::Markdown) => "text/markdown; charset=utf-8",
        }
    }

    /// The type whose [`FileType::mime`] this is.
    pub fn from_mime(mime: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.mime() == mime)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Docx => "docx",
            Self::Odt => "odt",
            Self::Text(format) => format.extension(),
        }
    }

    /// Whether a name with this extension (in any case) says this type.
    fn is_named_by(self, extension: &str) -> bool {
        extension.eq_ignore_ascii_case(self.extension())
            || (self == Self::Jpeg && extension.eq_ignore_ascii_case("jpeg"))
    }
}

/// An upload's type and the name to store it under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identified {
    pub file_type: FileType,
    pub file_name: String,
}

/// Why a file is refused (a 415 to the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unaccepted {
    /// Not one of the accepted formats: every executable, script and other
    /// archive included.
    Format,
    /// A zip archive whose directory cannot be read unambiguously.
    MalformedDocument,
    /// A document of more than [`MAX_DOCUMENT_PARTS`] parts.
    TooManyParts,
    /// A document holding a part named like a program or script.
    ProgramInDocument,
    /// A document holding a part with an absolute path or a `..` step.
    PathOutsideDocument,
    /// Text under a name that does not end `.txt`, `.csv` or `.md`.
    TextName,
    /// Text that is HTML, SVG, XML or script.
    Markup,
}

const ACCEPTED: &str = "upload a PDF, PNG, JPEG, DOCX or ODT file, or text named .txt, .csv or .md";

impl Unaccepted {
    /// What is wrong and what would be accepted.
    pub fn reason(self) -> String {
        let problem = match self {
            Self::Format => "this type of file is not accepted",
            Self::MalformedDocument => "the file is not a well-formed DOCX or ODT document",
            Self::TooManyParts => {
                "the document has more than 5,000 parts, which no CPD document needs"
            }
            Self::ProgramInDocument => "the document holds a program or script",
            Self::PathOutsideDocument => "the document holds a part stored outside its folder",
            Self::TextName => "a text file is accepted only under a name ending .txt, .csv or .md",
            Self::Markup => "text that is HTML, SVG, XML or script is not accepted",
        };
        format!("{problem}; {ACCEPTED}")
    }
}

/// The upload's type from its content (and, for text, from the extension
/// of the name it was sent under) with the name to store it under.
pub fn identify(bytes: &[u8], file_name: Option<&str>) -> Result<Identified, Unaccepted> {
    let name = name::cleaned(file_name);
    match sniff(bytes)? {
        FileType::Text(_) => {
            let name = name.ok_or(Unaccepted::TextName)?;
            let format = name::text_format(&name).ok_or(Unaccepted::TextName)?;
            Ok(Identified {
                file_type: FileType::Text(format),
                file_name: name,
            })
        }
        file_type => Ok(Identified {
            file_type,
            file_name: name::with_extension(name.as_deref().unwrap_or_default(), file_type),
        }),
    }
}

/// More parts than any real DOCX or ODT has.
pub const MAX_DOCUMENT_PARTS: usize = 5_000;

const ZIP: &[u8] = b"PK\x03\x04";
const ODT_MIME: &str = "application/vnd.oasis.opendocument.text";
const EXECUTABLE_MAGIC: [&[u8]; 5] = [
    b"MZ",
    b"\x7fELF",
    b"#!",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
];
/// Extensions of programs and scripts that Windows, macOS, Linux, Java or a
/// browser would run.
const PROGRAM_EXTENSIONS: &[&str] = &[
    "exe",
    "dll",
    "com",
    "scr",
    "msi",
    "msp",
    "mst",
    "bat",
    "cmd",
    "ps1",
    "psm1",
    "psd1",
    "vbs",
    "vbe",
    "js",
    "jse",
    "mjs",
    "wsf",
    "wsh",
    "wsc",
    "ws",
    "jar",
    "class",
    "sh",
    "bash",
    "zsh",
    "csh",
    "ksh",
    "command",
    "hta",
    "app",
    "pif",
    "cpl",
    "lnk",
    "reg",
    "scf",
    "inf",
    "msc",
    "gadget",
    "apk",
    "dmg",
    "pkg",
    "deb",
    "rpm",
    "run",
    "elf",
    "so",
    "dylib",
    "py",
    "pyc",
    "pyw",
    "pl",
    "rb",
    "php",
    "applescript",
    "scpt",
    "xll",
    "appref-ms",
    "url",
    "iso",
    "img",
    "vhd",
    "vhdx",
];

/// The file's type from its content alone (text is plain until its name
/// says otherwise), or why it is not accepted.
pub fn sniff(bytes: &[u8]) -> Result<FileType, Unaccepted> {
    if EXECUTABLE_MAGIC.iter().any(|m| bytes.starts_with(m)) {
        return Err(Unaccepted::Format);
    }
    if bytes.starts_with(b"%PDF-") {
        Ok(FileType::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(FileType::Png)
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Ok(FileType::Jpeg)
    } else if bytes.starts_with(ZIP) {
        sniff_document(bytes)
    } else if is_plain_text(bytes) {
        refuse_markup(bytes)?;
        Ok(FileType::Text(TextFormat::Plain))
    } else {
        Err(Unaccepted::Format)
    }
}

/// A DOCX or ODT, from the parts its central directory lists.
fn sniff_document(bytes: &[u8]) -> Result<FileType, Unaccepted> {
    let parts = zip::entries(bytes, MAX_DOCUMENT_PARTS).map_err(|err| match err {
        zip::ZipError::Malformed => Unaccepted::MalformedDocument,
        zip::ZipError::TooManyEntries => Unaccepted::TooManyParts,
    })?;
    for part in &parts {
        check_part_name(part.name)?;
    }
    if is_odt(&parts) {
        Ok(FileType::Odt)
    } else if has_part(&parts, "[Content_Types].xml") && has_part(&parts, "word/document.xml") {
        Ok(FileType::Docx)
    } else {
        Err(Unaccepted::Format)
    }
}

fn has_part(parts: &[zip::Entry<'_>], name: &str) -> bool {
    parts.iter().any(|p| p.name == name.as_bytes())
}

/// ODT starts with a part `mimetype`, stored uncompressed, that holds
/// exactly its media type; its text is in `content.xml`.
fn is_odt(parts: &[zip::Entry<'_>]) -> bool {
    let mimetype_first = parts.iter().any(|p| {
        p.offset == 0
            && p.name == b"mimetype"
            && p.method == 0
            && p.data == ODT_MIME.as_bytes()
            && p.uncompressed_size == ODT_MIME.len()
    });
    mimetype_first && has_part(parts, "content.xml")
}

/// Refuses empty names, absolute paths, drive letters, `..` steps and names of programs
/// or scripts (a trailing dot or space, which Windows drops, is ignored).
fn check_part_name(name: &[u8]) -> Result<(), Unaccepted> {
    if name.is_empty() || name.contains(&0) {
        return Err(Unaccepted::MalformedDocument);
    }
    let steps: Vec<&[u8]> = name.split(|&b| b == b'/' || b == b'\\').collect();
    let absolute = matches!(name.first(), Some(b'/' | b'\\')) || name.get(1) == Some(&b':');
    if absolute || steps.iter().any(|s| *s == b"..") {
        return Err(Unaccepted::PathOutsideDocument);
    }
    let file = steps.last().copied().unwrap_or_default();
    if is_program_name(file) {
        Err(Unaccepted::ProgramInDocument)
    } else {
        Ok(())
    }
}

fn is_program_name(file: &[u8]) -> bool {
    let trimmed = file
        .iter()
        .rposition(|&b| b != b'.' && b != b' ')
        .map_or(&[][..], |end| &file[..=end]);
    let Some(dot) = trimmed.iter().rposition(|&b| b == b'.') else {
        return false;
    };
    let extension = trimmed[dot + 1..].to_ascii_lowercase();
    PROGRAM_EXTENSIONS
        .iter()
        .any(|p| p.as_bytes() == extension.as_slice())
}

/// Tags that make a browser, an XML reader or an HTA host treat text as
/// a page, an image or a program.
const MARKUP: [&[u8]; 10] = [
    b"<script",
    b"<svg",
    b"<html",
    b"<?xml",
    b"<!doctype",
    b"<iframe",
    b"<object",
    b"<embed",
    b"<body",
    b"<meta",
];

/// Refuses text that starts (after a byte-order mark and white space) with
/// `<`, or that holds a markup tag anywhere.
fn refuse_markup(bytes: &[u8]) -> Result<(), Unaccepted> {
    let start = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let starts_with_tag = start.trim_ascii_start().starts_with(b"<");
    if starts_with_tag || MARKUP.iter().any(|tag| contains_ignoring_case(bytes, tag)) {
        Err(Unaccepted::Markup)
    } else {
        Ok(())
    }
}

/// Whether `haystack` holds `needle` (lower-case ASCII) in any case,
/// without copying it.
fn contains_ignoring_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

fn is_plain_text(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && std::str::from_utf8(bytes).is_ok_and(|s| {
            !s.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip archive of these parts (name, compression method, bytes as
    /// stored) with this comment. CRCs are left zero: nothing here reads them.
    fn zip_with(parts: &[(&str, u16, &[u8])], comment: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut directory = Vec::new();
        for &(name, method, data) in parts {
            let offset = out.len() as u32;
            let sizes_and_name = |v: &mut Vec<u8>, extra: &[u8]| {
                v.extend_from_slice(&method.to_le_bytes());
                v.extend_from_slice(&[0; 8]);
                v.extend_from_slice(&(data.len() as u32).to_le_bytes());
                v.extend_from_slice(&(data.len() as u32).to_le_bytes());
                v.extend_from_slice(&(name.len() as u16).to_le_bytes());
                v.extend_from_slice(extra);
            };
            out.extend_from_slice(b"PK\x03\x04\x14\0\0\0");
            sizes_and_name(&mut out, &[0, 0]);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            directory.extend_from_slice(b"PK\x01\x02\x14\0\x14\0\0\0");
            sizes_and_name(&mut directory, &[0; 12]);
            directory.extend_from_slice(&offset.to_le_bytes());
            directory.extend_from_slice(name.as_bytes());
        }
        let directory_offset = out.len() as u32;
        out.extend_from_slice(&directory);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
        out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
        out.extend_from_slice(&(directory.len() as u32).to_le_bytes());
        out.extend_from_slice(&directory_offset.to_le_bytes());
        out.extend_from_slice(&(comment.len() as u16).to_le_bytes());
        out.extend_from_slice(comment);
        out
    }

    /// A zip archive of uncompressed parts.
    fn zip(parts: &[(&str, &[u8])], comment: &[u8]) -> Vec<u8> {
        let parts: Vec<_> = parts.iter().map(|&(n, d)| (n, 0, d)).collect();
        zip_with(&parts, comment)
    }

    const DOCX_PARTS: [(&str, &[u8]); 3] = [
        ("[Content_Types].xml", b"<Types/>"),
        ("_rels/.rels", b"<Relationships/>"),
        ("word/document.xml", b"<w:document/>"),
    ];

    fn docx_with(extra: (&str, &[u8])) -> Vec<u8> {
        let mut parts = DOCX_PARTS.to_vec();
        parts.push(extra);
        zip(&parts, b"")
    }

    fn odt_parts() -> Vec<(&'static str, u16, &'static [u8])> {
        vec![
            ("mimetype", 0, ODT_MIME.as_bytes()),
            ("content.xml", 8, b"<office:document-content/>"),
            ("META-INF/manifest.xml", 8, b"<manifest/>"),
        ]
    }

    #[test]
    fn recognises_accepted_formats_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Ok(FileType::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Ok(FileType::Png));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF"), Ok(FileType::Jpeg));
        assert_eq!(
            sniff("Supervision notes, café, 2026\n".as_bytes()),
            Ok(FileType::Text(TextFormat::Plain))
        );
        assert_eq!(sniff(&zip_with(&odt_parts(), b"")), Ok(FileType::Odt));
        assert_eq!(sniff(&zip(&DOCX_PARTS, b"")), Ok(FileType::Docx));
        assert_eq!(
            sniff(&zip(&DOCX_PARTS, b"written by a word processor")),
            Ok(FileType::Docx)
        );
    }

    #[test]
    fn refuses_executables_archives_and_binary() {
        for bytes in [
            b"MZ\x90\0\x03".as_slice(),
            b"\x7fELF\x02\x01",
            b"#!/bin/sh\nrm -rf /\n",
            b"\xcf\xfa\xed\xfe\x07",
            b"GIF89a\x01\0\x01\0\x80\0",
            b"\0\x01\x02binary",
            b"",
        ] {
            assert_eq!(sniff(bytes), Err(Unaccepted::Format), "{bytes:?}");
        }
        assert_eq!(
            sniff(&zip(&[("payload.exe", b"MZ")], b"")),
            Err(Unaccepted::ProgramInDocument)
        );
        assert_eq!(
            sniff(&zip(&[("report.pdf", b"%PDF-1.7")], b"")),
            Err(Unaccepted::Format),
            "an archive of evidence is not a document"
        );
    }

    #[test]
    fn docx_needs_its_parts_in_the_directory_not_its_names_in_the_bytes() {
        let comment_only = zip(
            &[("notes.txt", b"hello")],
            b"[Content_Types].xml word/document.xml",
        );
        assert_eq!(sniff(&comment_only), Err(Unaccepted::Format));
        let named_in_content = zip(
            &[("notes.txt", b"[Content_Types].xml word/document.xml")],
            b"",
        );
        assert_eq!(sniff(&named_in_content), Err(Unaccepted::Format));
        let without_document = zip(&DOCX_PARTS[..2], b"");
        assert_eq!(sniff(&without_document), Err(Unaccepted::Format));
    }

    #[test]
    fn odt_needs_its_media_type_first_and_stored_and_its_content() {
        let mut not_first = odt_parts();
        not_first.swap(0, 1);
        let mut compressed = odt_parts();
        compressed[0].1 = 8;
        let mut other_type = odt_parts();
        other_type[0].2 = b"application/vnd.oasis.opendocument.spreadsheet";
        let mut without_content = odt_parts();
        without_content.remove(1);
        for (case, parts) in [
            ("not first", not_first),
            ("compressed", compressed),
            ("another type", other_type),
            ("no content.xml", without_content),
        ] {
            assert_eq!(
                sniff(&zip_with(&parts, b"")),
                Err(Unaccepted::Format),
                "{case}"
            );
        }
    }

    #[test]
    fn documents_may_not_hold_programs_or_scripts() {
        for name in [
            "word/media/setup.exe",
            "word/embeddings/Invoice.PS1",
            "customXml/run.bat. ",
            "word\\helper.hta",
            "macro.vbs",
            "lib/tool.jar",
            "install.sh",
            "Thumbs.app",
        ] {
            assert_eq!(
                sniff(&docx_with((name, b"payload"))),
                Err(Unaccepted::ProgramInDocument),
                "{name}"
            );
        }
        assert_eq!(
            sniff(&docx_with(("word/media/image1.png", b"\x89PNG"))),
            Ok(FileType::Docx)
        );
    }

    #[test]
    fn documents_may_not_hold_paths_that_leave_them() {
        for name in [
            "../evil.xml",
            "/etc/cron.d/job",
            "word/../../outside.xml",
            "C:\\Users\\Public\\x.xml",
            "\\\\server\\share\\x.xml",
            "word\\..\\..\\x.xml",
        ] {
            assert_eq!(
                sniff(&docx_with((name, b"x"))),
                Err(Unaccepted::PathOutsideDocument),
                "{name}"
            );
        }
    }

    #[test]
    fn documents_have_at_most_5000_parts() {
        let names: Vec<String> = (0..MAX_DOCUMENT_PARTS - DOCX_PARTS.len())
            .map(|n| format!("word/media/p{n}.xml"))
            .collect();
        let mut parts = DOCX_PARTS.to_vec();
        parts.extend(names.iter().map(|n| (n.as_str(), b"x".as_slice())));
        assert_eq!(sniff(&zip(&parts, b"")), Ok(FileType::Docx));
        parts.push(("word/media/one-more.xml", b"x"));
        assert_eq!(sniff(&zip(&parts, b"")), Err(Unaccepted::TooManyParts));
    }

    #[test]
    fn refuses_archives_whose_directory_cannot_be_trusted() {
        let docx = zip(&DOCX_PARTS, b"");
        let end = docx.len() - 22;
        let mut trailing = docx.clone();
        trailing.extend_from_slice(b"junk");
        let mut moved_directory = docx.clone();
        moved_directory[end + 16] += 1;
        let mut renamed_locally = docx.clone();
        renamed_locally[30] = b'X';
        let mut encrypted = docx.clone();
        let directory = usize::from(u16::from_le_bytes([docx[end + 16], docx[end + 17]]));
        encrypted[directory + 8] = 1;
        let mut two_disks = docx.clone();
        two_disks[end + 4] = 1;
        let end_in_comment = |after: &[u8]| {
            let mut comment = b"PK\x05\x06".to_vec();
            comment.extend_from_slice(&[0; 18]);
            comment.extend_from_slice(after);
            zip(&DOCX_PARTS, &comment)
        };
        for (case, bytes) in [
            ("truncated", docx[..docx.len() - 1].to_vec()),
            ("bytes after the end record", trailing),
            ("directory elsewhere", moved_directory),
            ("local name differs", renamed_locally),
            ("encrypted part", encrypted),
            ("several disks", two_disks),
            ("an end record ending the comment", end_in_comment(b"")),
            ("an end record inside the comment", end_in_comment(b"!")),
            ("no directory", b"PK\x03\x04rest-of-a-zip".to_vec()),
            ("empty part name", zip(&[("", b"x")], b"")),
        ] {
            assert_eq!(sniff(&bytes), Err(Unaccepted::MalformedDocument), "{case}");
        }
    }

    #[test]
    fn mime_types_and_extensions() {
        assert_eq!(FileType::Png.mime(), "image/png");
        assert_eq!(FileType::Docx.extension(), "docx");
        assert_eq!(
            FileType::Text(TextFormat::Csv).mime(),
            "text/csv; charset=utf-8"
        );
        for file_type in FileType::ALL {
            assert_eq!(FileType::from_mime(file_type.mime()), Some(file_type));
        }
        assert_eq!(FileType::from_mime("text/html"), None);
    }

    #[test]
    fn text_is_accepted_only_under_a_text_name() {
        let notes = b"Supervision notes\n";
        for (name, format) in [
            ("notes.txt", TextFormat::Plain),
            ("NOTES.TXT", TextFormat::Plain),
            ("audit.csv", TextFormat::Csv),
            ("plan.Md", TextFormat::Markdown),
        ] {
            assert_eq!(
                identify(notes, Some(name)),
                Ok(Identified {
                    file_type: FileType::Text(format),
                    file_name: name.to_owned()
                })
            );
        }
        for name in [
            Some("certificate.bat"),
            Some("certificate.ps1"),
            Some("certificate.hta"),
            Some("certificate.html"),
            Some("certificate.svg"),
            Some("notes.txt.cmd"),
            Some("notes"),
            Some(".."),
            None,
        ] {
            assert_eq!(identify(notes, name), Err(Unaccepted::TextName), "{name:?}");
        }
    }

    #[test]
    fn text_that_is_markup_or_script_is_refused() {
        for text in [
            "<html><body>certificate</body></html>",
            "\u{feff}  \n<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            "<?xml version=\"1.0\"?><x/>",
            "<!DOCTYPE html>",
            "<b>bold</b>",
            "Notes\n<SCRIPT>alert(1)</SCRIPT>",
            "Notes then <Svg onload=alert(1)>",
            "notes <!doctype html>",
            "a <?XML?> b",
        ] {
            assert_eq!(
                identify(text.as_bytes(), Some("notes.txt")),
                Err(Unaccepted::Markup),
                "{text:?}"
            );
        }
        assert_eq!(
            identify(b"scores: 3 < 5 and 7 > 2", Some("scores.csv")),
            Ok(Identified {
                file_type: FileType::Text(TextFormat::Csv),
                file_name: "scores.csv".to_owned()
            })
        );
    }

    #[test]
    fn other_types_are_stored_under_their_own_extension() {
        let pdf = b"%PDF-1.7\n";
        for (name, stored) in [
            (Some("scan.PDF.exe"), "scan.PDF"),
            (Some("C:\\Users\\sam\\cert.html"), "cert.pdf"),
            (Some("report.pdf"), "report.pdf"),
            (None, "attachment.pdf"),
        ] {
            assert_eq!(
                identify(pdf, name),
                Ok(Identified {
                    file_type: FileType::Pdf,
                    file_name: stored.to_owned()
                }),
                "{name:?}"
            );
        }
    }

    #[test]
    fn reasons_say_what_is_accepted() {
        assert_eq!(
            Unaccepted::ProgramInDocument.reason(),
            "the document holds a program or script; upload a PDF, PNG, JPEG, DOCX or ODT file, or text named .txt, .csv or .md"
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// Beginnings that steer the sniffer into each of its branches.
        const STARTS: [&[u8]; 9] = [
            b"",
            b"%PDF-1.7\n",
            b"\x89PNG\r\n\x1a\n",
            b"\xff\xd8\xff",
            b"PK\x03\x04",
            b"MZ",
            b"<svg ",
            b"\xef\xbb\xbf",
            b"#!/bin/sh\n",
        ];

        proptest! {
            /// Whatever the bytes and the name, the answer is a type or a
            /// reason: never a panic.
            #[test]
            fn any_bytes_are_identified_or_refused(
                start in prop::sample::select(&STARTS[..]),
                tail in prop::collection::vec(any::<u8>(), 0..1024),
                name in prop::option::of("[a-zA-Z0-9 ._/\\-]{0,24}"),
            ) {
                let mut bytes = start.to_vec();
                bytes.extend(tail);
                match identify(&bytes, name.as_deref()) {
                    Ok(found) => prop_assert!(!found.file_type.extension().is_empty()),
                    Err(refused) => prop_assert!(!refused.reason().is_empty()),
                }
            }

            /// A well-formed DOCX with bytes overwritten at random places or
            /// cut short: its central directory lies, and is not believed.
            #[test]
            fn a_damaged_archive_is_refused_or_read_within_its_bounds(
                changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
                keep in any::<prop::sample::Index>(),
            ) {
                let mut bytes = zip(&DOCX_PARTS, b"");
                for (at, value) in changes {
                    let i = at.index(bytes.len());
                    bytes[i] = value;
                }
                bytes.truncate(keep.index(bytes.len()) + 1);
                match sniff(&bytes) {
                    Ok(found) => prop_assert!(!found.extension().is_empty()),
                    Err(refused) => prop_assert!(!refused.reason().is_empty()),
                }
            }
        }
    }
}
