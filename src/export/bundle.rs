//! The evidence bundle for an HCPC CPD audit: one zip a registrant can send
//! as it is. Layout:
//! - `CPD profile.pdf`: the profile whose statement cites the evidence;
//! - `E01 …`, `E02 …`: each piece of evidence under the number the profile
//!   gives it, records typeset as PDF and attachments as uploaded;
//! - `manifest.csv` and `index.html`: number, title, date, kind, file name,
//!   size and SHA-256 of every evidence file (and of the profile).

use std::io::{Seek, Write};

use maud::{DOCTYPE, html};
use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

use super::csv::{BOM, row};
use super::portable::{Entry, ManifestFile, Source, write_entry};

/// The name of the profile inside the bundle.
pub const PROFILE_FILE: &str = "CPD profile.pdf";

/// One piece of evidence and where its bytes come from.
pub struct BundleItem {
    /// `E01`, `E02`, …
    pub number: String,
    pub title: String,
    /// ISO date.
    pub date: String,
    pub kind: String,
    /// File name without the number (`Reflective record - Falls group.pdf`).
    pub name: String,
    pub source: Source,
}

/// One line of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestRow {
    pub number: String,
    pub title: String,
    pub date: String,
    pub kind: String,
    pub file: ManifestFile,
}

pub const MANIFEST_HEADER: [&str; 7] =
    ["number", "title", "date", "kind", "file", "bytes", "sha256"];

/// Writes the profile, then every item as `items` yields it (so each is
/// made only when its turn comes), then the manifest (CSV and HTML) as a
/// zip into `out`; returns the manifest's rows.
pub fn write_bundle<W: Write + Seek>(
    heading: &str,
    profile_pdf: Vec<u8>,
    items: impl IntoIterator<Item = anyhow::Result<BundleItem>>,
    out: W,
) -> anyhow::Result<Vec<ManifestRow>> {
    let mut zip = ZipWriter::new(out);
    let profile = write_entry(
        &mut zip,
        Entry {
            path: PROFILE_FILE.to_owned(),
            source: Source::Bytes(profile_pdf),
        },
    )?;
    let mut rows = vec![ManifestRow {
        number: String::new(),
        title: "CPD profile".to_owned(),
        date: String::new(),
        kind: "Profile".to_owned(),
        file: profile,
    }];
    for item in items {
        let item = item?;
        let path = format!("{} {}", item.number, safe_file_name(&item.name));
        let file = write_entry(
            &mut zip,
            Entry {
                path,
                source: item.source,
            },
        )?;
        rows.push(ManifestRow {
            number: item.number,
            title: item.title,
            date: item.date,
            kind: item.kind,
            file,
        });
    }
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    zip.start_file("manifest.csv", options)?;
    zip.write_all(manifest_csv(&rows).as_bytes())?;
    zip.start_file("index.html", options)?;
    zip.write_all(index_html(heading, &rows).as_bytes())?;
    zip.finish()?;
    Ok(rows)
}

/// The manifest as CSV that opens cleanly in a spreadsheet.
pub fn manifest_csv(rows: &[ManifestRow]) -> String {
    let mut out = String::from(BOM);
    out.push_str(&row(&MANIFEST_HEADER));
    for r in rows {
        let bytes = r.file.bytes.to_string();
        out.push_str(&row(&[
            &r.number,
            &r.title,
            &r.date,
            &r.kind,
            &r.file.path,
            &bytes,
            &r.file.sha256,
        ]));
    }
    out
}

/// The manifest as a page that links each file, for an assessor who opens
/// the unzipped folder in a browser.
pub fn index_html(heading: &str, rows: &[ManifestRow]) -> String {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                title { (heading) }
                style { "body{font-family:sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3rem .5rem;text-align:left}code{font-size:.8rem}" }
            }
            body {
                h1 { (heading) }
                table {
                    thead { tr { th { "No." } th { "Title" } th { "Date" } th { "Kind" } th { "File" } th { "SHA-256" } } }
                    tbody {
                        @for r in rows {
                            tr {
                                td { (r.number) }
                                td { (r.title) }
                                td { (r.date) }
                                td { (r.kind) }
                                td { a href=(href(&r.file.path)) { (r.file.path) } }
                                td { code { (r.file.sha256) } }
                            }
                        }
                    }
                }
            }
        }
    }
    .into_string()
}

/// A relative link to a file name, percent-encoded.
fn href(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A file name safe on every system an assessor might unzip to: letters,
/// digits, spaces and `-_.()` kept, anything else (separators, `..`,
/// control characters) replaced, at most 80 characters with the
/// extension kept.
pub fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '(' | ')') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches(['.', ' ']).to_owned();
    let (stem, extension) = match cleaned.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().count() <= 8 => (stem, ext),
        _ => (cleaned.as_str(), ""),
    };
    let stem: String = stem.chars().take(80).collect();
    let stem = stem.trim_end();
    let stem = if stem.is_empty() { "file" } else { stem };
    if extension.is_empty() {
        stem.to_owned()
    } else {
        format!("{stem}.{extension}")
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;

    #[test]
    fn file_names_lose_separators_and_keep_their_extension() {
        assert_eq!(safe_file_name("../../etc/passwd"), "-..-etc-passwd");
        assert_eq!(
            safe_file_name("Falls: audit/2026?.pdf"),
            "Falls- audit-2026-.pdf"
        );
        assert_eq!(
            safe_file_name("Café notes (v2).docx"),
            "Café notes (v2).docx"
        );
        assert_eq!(safe_file_name("...."), "file");
        assert_eq!(safe_file_name("a\u{0}b"), "a-b");
        let long = format!("{}.pdf", "x".repeat(200));
        assert_eq!(safe_file_name(&long), format!("{}.pdf", "x".repeat(80)));
    }

    #[test]
    fn the_bundle_holds_the_profile_each_item_and_a_manifest_of_their_hashes() {
        let items = vec![Ok(BundleItem {
            number: "E01".into(),
            title: "=Falls, group".into(),
            date: "2026-03-01".into(),
            kind: "Reflective record".into(),
            name: "Reflective record - Falls.pdf".into(),
            source: Source::Bytes(b"%PDF-1.7 falls".to_vec()),
        })];
        let mut out = Cursor::new(Vec::new());
        let rows = write_bundle(
            "CPD evidence: Sam",
            b"%PDF profile".to_vec(),
            items,
            &mut out,
        )
        .unwrap();
        let mut zip = zip::ZipArchive::new(out).unwrap();
        let names: Vec<String> = zip
            .file_names()
            .map(|name| name.unwrap().into_owned())
            .collect();
        assert_eq!(
            names,
            vec![
                "CPD profile.pdf",
                "E01 Reflective record - Falls.pdf",
                "manifest.csv",
                "index.html"
            ]
        );
        let mut csv = String::new();
        zip.by_name("manifest.csv")
            .unwrap()
            .read_to_string(&mut csv)
            .unwrap();
        let falls = super::super::portable::sha256_of(&b"%PDF-1.7 falls"[..]).unwrap();
        assert_eq!(rows[1].file.sha256, falls);
        assert_eq!(
            csv.lines().nth(2).unwrap(),
            format!(
                "E01,\"'=Falls, group\",2026-03-01,Reflective record,E01 Reflective record - Falls.pdf,14,{falls}"
            )
        );
        let mut page = String::new();
        zip.by_name("index.html")
            .unwrap()
            .read_to_string(&mut page)
            .unwrap();
        assert!(page.contains(r#"<a href="E01%20Reflective%20record%20-%20Falls.pdf">"#));
        assert!(page.contains("<td>=Falls, group</td>"));
    }
}
