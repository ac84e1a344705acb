//! The CPD profile as a PDF and a Word document: the PDF's text read back
//! with poppler's `pdftotext` (installed by scripts/test.sh), its pages
//! and fonts with `pdfinfo` and `pdffonts`, the DOCX opened as the zip it
//! is; a person's text containing Typst markup is printed, not obeyed.

use std::io::Read;
use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::*;

const PERIOD: &str = "from=2025-01-01&to=2025-12-31";
/// Typst markup that would change the page or the text were it obeyed.
const MARKUP: &str = "#set page(paper: \"a5\") #strong[loud] = Heading $x^2$";

async fn portfolio(t: &TestApp) -> String {
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let (status, _, _) = t
        .send(
            t.http.patch(t.url("/api/v1/me")).json(&json!({
                "practice_summary": "I am an occupational therapist in a GP surgery.\n\nI run a falls group.",
                "hcpc_number": "OT12345"
            })),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200);
    let first = t
        .create_entry(
            &token,
            &entry("Graded exposure course", "2025-03-02", "formal_education"),
        )
        .await;
    let (status, body) = t
        .upload(
            &format!("/api/v1/reflections/{first}/attachments"),
            Some(&token),
            "certificate.pdf",
            &pdf_bytes("certificate"),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let mut tricky = entry("Café ‘reflection’", "2025-05-20", "work_based_learning");
    tricky["learning"] = json!(MARKUP);
    t.create_entry(&token, &tricky).await;
    token
}

async fn download(t: &TestApp, token: &str, format: &str) -> (Value, String, Vec<u8>) {
    let resp = t
        .http
        .get(t.url(&format!("/api/v1/me/cpd-profile?{PERIOD}&format={format}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = json!(resp.status().as_u16());
    let kind = resp.headers()["content-type"].to_str().unwrap().to_owned();
    let disposition = resp
        .headers()
        .get("content-disposition")
        .map(|d| d.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = resp.bytes().await.unwrap().to_vec();
    (status, format!("{kind} | {disposition}"), bytes)
}

pub(crate) fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profile.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new(tool)
        .args(args)
        .arg(&path)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| {
            panic!("{tool} is needed (scripts/test.sh installs poppler-utils): {e}")
        });
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_pdf_is_an_a4_profile_with_page_numbers_embedded_fonts_and_searchable_text() {
    let t = TestApp::spawn().await;
    let token = portfolio(&t).await;
    let (status, headers, pdf) = download(&t, &token, "pdf").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(
        headers,
        "application/pdf | attachment; filename=\"cpd-profile-2025-01-01-to-2025-12-31.pdf\""
    );
    assert!(pdf.starts_with(b"%PDF-"));

    let info = poppler("pdfinfo", &[], &pdf);
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} in {info}"))
            .trim()
            .to_owned()
    };
    let pages: usize = field("Pages").parse().unwrap();
    assert_eq!(field("Page size"), "595.276 x 841.89 pts (A4)");
    assert_eq!(field("Title"), "CPD profile");
    assert_eq!(field("Tagged"), "yes");

    let text = poppler("pdftotext", &["-layout"], &pdf);
    let squashed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "CPD profile",
        "Name Test sam@example.nhs.uk",
        "HCPC registration number OT12345",
        "Period 1 January 2025 to 31 December 2025",
        "1. Summary of practice history",
        "I am an occupational therapist in a GP surgery.",
        "I run a falls group.",
        "2. List of CPD activities",
        "Graded exposure course",
        "Café ‘reflection’",
        "3. Personal statement",
        "4. Supporting evidence",
        "Attachment to activity 1: certificate.pdf",
        MARKUP,
    ] {
        assert!(squashed.contains(expected), "{expected:?} not in:\n{text}");
    }
    for page in 1..=pages {
        assert!(
            squashed.contains(&format!("Page {page} of {pages}")),
            "page {page} of {pages} not in:\n{text}"
        );
    }

    let fonts = poppler("pdffonts", &[], &pdf);
    let font_rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!font_rows.is_empty(), "{fonts}");
    for row in font_rows {
        assert!(row.contains("DejaVuSans"), "{fonts}");
        let columns: Vec<&str> = row.split_whitespace().collect();
        let embedded = columns[columns.len() - 5];
        assert_eq!(embedded, "yes", "not embedded: {fonts}");
    }
}

fn docx_part(docx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut part = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("no {name} in the DOCX"))
        .read_to_string(&mut part)
        .unwrap();
    part
}

#[tokio::test]
async fn the_docx_opens_as_a_word_document_with_headings_tables_and_page_numbers() {
    let t = TestApp::spawn().await;
    let token = portfolio(&t).await;
    let (status, headers, docx) = download(&t, &token, "docx").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&docx));
    assert_eq!(
        headers,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document | attachment; filename=\"cpd-profile-2025-01-01-to-2025-12-31.docx\""
    );
    let types = docx_part(&docx, "[Content_Types].xml");
    assert!(
        types.contains("wordprocessingml.document.main+xml"),
        "{types}"
    );
    let body = docx_part(&docx, "word/document.xml");
    for heading in [
        "1. Summary of practice history",
        "2. List of CPD activities",
        "3. Personal statement",
        "4. Supporting evidence",
    ] {
        let at = body.find(heading).unwrap_or_else(|| panic!("no {heading}"));
        let before = &body[..at];
        let paragraph = before.rfind("<w:p ").max(before.rfind("<w:p>")).unwrap();
        assert!(
            before[paragraph..].contains(r#"<w:pStyle w:val="Heading2" />"#),
            "{heading} is not a level-2 heading: {}",
            &before[paragraph..]
        );
    }
    assert_eq!(
        body.matches("<w:tbl>").count(),
        3,
        "details, activities, evidence"
    );
    assert!(body.contains("Graded exposure course"));
    assert!(body.contains("OT12345"));
    assert!(
        body.contains("#set page(paper: &quot;a5&quot;)"),
        "markup kept as text"
    );
    let styles = docx_part(&docx, "word/styles.xml");
    assert!(
        styles.contains(r#"<w:name w:val="heading 2" />"#),
        "{styles}"
    );
    let footer = docx_part(&docx, "word/footer1.xml");
    assert!(
        footer.contains("PAGE") && footer.contains("NUMPAGES"),
        "{footer}"
    );
}

#[tokio::test]
async fn documents_are_refused_like_every_export_while_a_warning_is_open() {
    let t = TestApp::spawn().await;
    let token = portfolio(&t).await;
    let mut flagged = entry("Home visit", "2025-06-01", "work_based_learning");
    flagged["body"] = json!("Visited Mrs Patel at home.");
    t.create_entry(&token, &flagged).await;
    for format in ["pdf", "docx"] {
        let (status, headers, body) = download(&t, &token, format).await;
        assert_eq!(status, 409, "{format}");
        assert!(headers.starts_with("application/problem+json"), "{headers}");
        let problem: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["type"], "urn:cpdfolio:problem:patient-identifiers");
    }
    let (status, _, body) = download(&t, &token, "odt").await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
}
