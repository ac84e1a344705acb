//! What a file really is, decided from its bytes, never from its name or the
//! type a client claims. Only the formats people use for CPD evidence are
//! accepted: PDF, PNG, JPEG, DOCX, ODT and plain UTF-8 text.

/// An accepted evidence format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Png,
    Jpeg,
    Docx,
    Odt,
    Text,
}

impl FileType {
    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Odt => "application/vnd.oasis.opendocument.text",
            Self::Text => "text/plain; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Docx => "docx",
            Self::Odt => "odt",
            Self::Text => "txt",
        }
    }
}

const ZIP: &[u8] = b"PK\x03\x04";
const ODT_MIMETYPE: &[u8] = b"mimetypeapplication/vnd.oasis.opendocument.text";
const EXECUTABLE_MAGIC: [&[u8]; 5] = [
    b"MZ",
    b"\x7fELF",
    b"#!",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
];

/// The file's type, or `None` when it is not an accepted format (including
/// every executable and script).
pub fn sniff(bytes: &[u8]) -> Option<FileType> {
    if EXECUTABLE_MAGIC.iter().any(|m| bytes.starts_with(m)) {
        return None;
    }
    if bytes.starts_with(b"%PDF-") {
        Some(FileType::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileType::Png)
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some(FileType::Jpeg)
    } else if bytes.starts_with(ZIP) {
        sniff_zip(bytes)
    } else if is_plain_text(bytes) {
        Some(FileType::Text)
    } else {
        None
    }
}

/// ODT stores an uncompressed `mimetype` entry first; DOCX names
/// `word/document.xml` in its headers. Other archives are refused.
fn sniff_zip(bytes: &[u8]) -> Option<FileType> {
    if bytes.get(30..30 + ODT_MIMETYPE.len()) == Some(ODT_MIMETYPE) {
        Some(FileType::Odt)
    } else if contains(bytes, b"[Content_Types].xml") && contains(bytes, b"word/document.xml") {
        Some(FileType::Docx)
    } else {
        None
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
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

    fn zip_with_first_entry(name: &[u8], body: &[u8]) -> Vec<u8> {
        let mut v = ZIP.to_vec();
        v.extend_from_slice(&[0u8; 22]);
        v.extend_from_slice(&(name.len() as u16).to_le_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(name);
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn recognises_accepted_formats_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(FileType::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(FileType::Png));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF"), Some(FileType::Jpeg));
        assert_eq!(
            sniff("Supervision notes, café, 2026\n".as_bytes()),
            Some(FileType::Text)
        );
        let odt = zip_with_first_entry(b"mimetype", b"application/vnd.oasis.opendocument.text");
        assert_eq!(sniff(&odt), Some(FileType::Odt));
        let docx = zip_with_first_entry(b"[Content_Types].xml", b"<Types/>word/document.xml");
        assert_eq!(sniff(&docx), Some(FileType::Docx));
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
            assert_eq!(sniff(bytes), None, "{bytes:?}");
        }
        assert_eq!(sniff(&zip_with_first_entry(b"payload.exe", b"MZ")), None);
    }

    #[test]
    fn mime_types_and_extensions() {
        assert_eq!(FileType::Png.mime(), "image/png");
        assert_eq!(FileType::Docx.extension(), "docx");
    }
}
