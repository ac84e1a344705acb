//! The evidence bundle: the profile and each piece of evidence under the
//! number the profile cites, records as PDF (text read back with
//! poppler), attachments byte for byte, a manifest whose hashes are the
//! files'; the person's choice of records; other people's ids, flagged
//! records and bad choices refused.

use std::collections::BTreeMap;
use std::io::Read;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::*;
use crate::profile_documents::poppler;

const PERIOD: &str = "from=2025-01-01&to=2025-12-31";

/// Sam's year: a reflection with two attachments, a supervision session,
/// a training record; returns the token and the ids in date order.
async fn year_of_evidence(t: &TestApp) -> (String, Vec<String>) {
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let reflection = t
        .create_entry(
            &token,
            &entry("Graded exposure course", "2025-03-02", "formal_education"),
        )
        .await;
    for (name, bytes) in [
        ("certificate.pdf", pdf_bytes("certificate")),
        ("photo of flipchart.png", png_bytes()),
    ] {
        let (status, body) = t
            .upload(
                &format!("/api/v1/reflections/{reflection}/attachments"),
                Some(&token),
                name,
                &bytes,
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let supervision = create_record(
        t,
        &token,
        "/api/v1/supervision",
        &supervision("2025-04-10", None, "We discussed **risk** at home visits."),
    )
    .await;
    let training = create_record(
        t,
        &token,
        "/api/v1/training",
        &training("fire-safety-l1", "2025-06-01", "Online module"),
    )
    .await;
    let id = |path: &str| path.rsplit('/').next().unwrap().to_owned();
    (token, vec![reflection, id(&supervision), id(&training)])
}

struct Bundle {
    status: u16,
    headers: String,
    files: BTreeMap<String, Vec<u8>>,
    order: Vec<String>,
    body: Vec<u8>,
}

async fn bundle(t: &TestApp, token: &str, query: &str) -> Bundle {
    let resp = t
        .http
        .get(t.url(&format!("/api/v1/me/cpd-profile/bundle?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let headers = format!(
        "{} | {}",
        header("content-type"),
        header("content-disposition")
    );
    let body = resp.bytes().await.unwrap().to_vec();
    let mut files = BTreeMap::new();
    let mut order = Vec::new();
    if status == 200 {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body.clone())).unwrap();
        for i in 0..zip.len() {
            let mut file = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            let name = file.name().unwrap().into_owned();
            order.push(name.clone());
            files.insert(name, bytes);
        }
    }
    Bundle {
        status,
        headers,
        files,
        order,
        body,
    }
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn text_of(pdf: &[u8]) -> String {
    poppler("pdftotext", &[], pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn each_piece_of_evidence_is_filed_under_the_number_the_profile_cites() {
    let t = TestApp::spawn().await;
    let (token, ids) = year_of_evidence(&t).await;
    let (status, profile) = t
        .get(&format!("/api/v1/me/cpd-profile?{PERIOD}"), Some(&token))
        .await;
    assert_eq!(status, 200, "{profile}");
    let b = bundle(&t, &token, PERIOD).await;
    assert_eq!(b.status, 200, "{}", String::from_utf8_lossy(&b.body));
    assert_eq!(
        b.headers,
        "application/zip | attachment; filename=\"cpd-evidence-2025-01-01-to-2025-12-31.zip\""
    );
    assert_eq!(
        b.order,
        vec![
            "CPD profile.pdf",
            "E01 List of CPD activities.pdf",
            "E02 Reflective record - Graded exposure course.pdf",
            "E03 Supervision record - Clinical supervision.pdf",
            "E04 Training record - Fire safety.pdf",
            "E05 certificate.pdf",
            "E06 photo of flipchart.png",
            "manifest.csv",
            "index.html",
        ]
    );
    assert_eq!(profile["evidence"].as_array().unwrap().len(), 6);
    assert_eq!(b.files["E05 certificate.pdf"], pdf_bytes("certificate"));
    assert_eq!(b.files["E06 photo of flipchart.png"], png_bytes());

    // Each activity's evidence, and everything the statement cites, is
    // the file carrying its number.
    let file_numbered = |number: u64| {
        b.order
            .iter()
            .find(|name| name.starts_with(&format!("E{number:02} ")))
            .unwrap_or_else(|| panic!("no file for evidence {number}"))
    };
    for activity in profile["activities"].as_array().unwrap() {
        let number = activity["evidence"][0].as_u64().unwrap();
        let title = activity["title"].as_str().unwrap();
        let file = file_numbered(number);
        assert!(file.ends_with(&format!(" - {title}.pdf")), "{file}");
        let text = text_of(&b.files[file]);
        assert!(
            text.starts_with(&format!("Evidence E{number:02} {title}")),
            "{text}"
        );
        assert!(text.contains("Page 1 of 1"), "{text}");
    }
    let statement = profile["statement"].to_string();
    let cited: Vec<u64> = statement
        .split("Evidence ")
        .skip(1)
        .map(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(cited, vec![1, 2, 2], "{statement}");
    for number in cited {
        file_numbered(number);
    }
    let profile_text = text_of(&b.files["CPD profile.pdf"]);
    assert!(profile_text.contains("Graded exposure course (2 March 2025, Evidence 2)"));
    assert_eq!(profile["activities"][0]["evidence"], json!([2, 5, 6]));
    assert_eq!(profile["activities"][0]["record_id"], ids[0].as_str());

    let info = poppler(
        "pdfinfo",
        &[],
        &b.files["E02 Reflective record - Graded exposure course.pdf"],
    );
    for line in [
        "Tagged:          yes",
        "Page size:       595.276 x 841.89 pts (A4)",
    ] {
        assert!(info.contains(line), "{line:?} not in {info}");
    }
    let reflection = text_of(&b.files["E02 Reflective record - Graded exposure course.pdf"]);
    for expected in [
        "Graded exposure course",
        "Date of activity 2 March 2025",
        "Type of activity Formal / educational",
        "Hours 1.5",
        "Reflective model Gibbs' reflective cycle",
        "Reflection We discussed graded activity.",
        "What I learnt I learnt to grade tasks.",
        "Benefit to service users People reach their goals sooner.",
    ] {
        assert!(
            reflection.contains(expected),
            "{expected:?} not in {reflection}"
        );
    }
    let session = text_of(&b.files["E03 Supervision record - Clinical supervision.pdf"]);
    for expected in [
        "Supervisor Dr Ann Example (Consultant OT)",
        "Length 60 minutes",
        "Sign-off Not submitted for sign-off",
        "We discussed risk at home visits.",
        "Read the falls guidance (supervisee, due 1 April 2026; open)",
    ] {
        assert!(session.contains(expected), "{expected:?} not in {session}");
    }
    let list = text_of(&b.files["E01 List of CPD activities.pdf"]);
    assert!(list.contains("Graded exposure course"), "{list}");
    assert!(list.contains("E02, E05, E06"), "{list}");

    // The manifest lists every file with its real hash, in the CSV and
    // in the HTML index.
    let csv = String::from_utf8(b.files["manifest.csv"].clone()).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(
        rows[0],
        ["number", "title", "date", "kind", "file", "bytes", "sha256"]
    );
    let listed: Vec<(&str, &str, &str)> = rows[1..].iter().map(|r| (r[0], r[3], r[2])).collect();
    assert_eq!(
        listed,
        vec![
            ("", "Profile", ""),
            ("E01", "Activity list", "2025-12-31"),
            ("E02", "Reflective record", "2025-03-02"),
            ("E03", "Supervision record", "2025-04-10"),
            ("E04", "Training record", "2025-06-01"),
            ("E05", "Attachment", rows[6][2]),
            ("E06", "Attachment", rows[7][2]),
        ]
    );
    let index = String::from_utf8(b.files["index.html"].clone()).unwrap();
    for row in &rows[1..] {
        let (file, bytes, hash) = (row[4], row[5], row[6]);
        assert_eq!(hash, sha256(&b.files[file]), "{file}");
        assert_eq!(bytes, b.files[file].len().to_string(), "{file}");
        assert!(index.contains(hash), "{file} not in the index");
    }
}

#[tokio::test]
async fn the_person_chooses_the_records_and_the_numbers_follow_their_choice() {
    let t = TestApp::spawn().await;
    let (token, ids) = year_of_evidence(&t).await;
    let chosen = format!("{PERIOD}&records={}", ids[2]);
    let b = bundle(&t, &token, &chosen).await;
    assert_eq!(b.status, 200, "{}", String::from_utf8_lossy(&b.body));
    assert_eq!(
        b.order,
        vec![
            "CPD profile.pdf",
            "E01 List of CPD activities.pdf",
            "E02 Training record - Fire safety.pdf",
            "manifest.csv",
            "index.html",
        ]
    );
    let profile = text_of(&b.files["CPD profile.pdf"]);
    assert!(profile.contains("1 June 2025 Fire safety"), "{profile}");
    assert!(!profile.contains("Graded exposure course"), "{profile}");

    let both = format!("{PERIOD}&records={}&records={}", ids[1], ids[0]);
    let b = bundle(&t, &token, &both).await;
    assert_eq!(b.status, 200);
    assert_eq!(b.files.len(), 8, "{:?}", b.order);
    assert_eq!(
        b.order[2],
        "E02 Reflective record - Graded exposure course.pdf"
    );
}

#[tokio::test]
async fn other_peoples_ids_flagged_records_and_bad_choices_are_refused() {
    let t = TestApp::spawn().await;
    let (token, ids) = year_of_evidence(&t).await;
    let (_, jo) = t.practitioner("jo@example.nhs.uk").await;
    let theirs = t
        .create_entry(
            &jo,
            &entry("Jo's private reflection", "2025-05-01", "formal_education"),
        )
        .await;

    let b = bundle(
        &t,
        &token,
        &format!("{PERIOD}&records={}&records={theirs}", ids[0]),
    )
    .await;
    let problem: Value = serde_json::from_slice(&b.body).unwrap();
    assert_problem(b.status, &problem, 404);
    assert!(!problem.to_string().contains("private"), "{problem}");
    for unknown in [
        "0".repeat(32),
        "not-an-id".to_owned(),
        "'; DELETE reflection; --".to_owned(),
    ] {
        let b = bundle(
            &t,
            &token,
            &format!("{PERIOD}&records={}", urlencode(&unknown)),
        )
        .await;
        let problem: Value = serde_json::from_slice(&b.body).unwrap();
        assert_problem(b.status, &problem, 404);
    }

    let b = bundle(
        &t,
        &token,
        &format!("from=2025-01-01&to=2025-03-31&records={}", ids[2]),
    )
    .await;
    let problem: Value = serde_json::from_slice(&b.body).unwrap();
    assert_problem(b.status, &problem, 422);
    assert_eq!(problem["errors"][0]["field"], "records", "{problem}");
    assert_eq!(
        problem["errors"][0]["message"],
        format!("{} is dated outside the period of the profile", ids[2])
    );
    let too_many: String = (0..501).map(|i| format!("&records={i:032x}")).collect();
    let b = bundle(&t, &token, &format!("{PERIOD}{too_many}")).await;
    let problem: Value = serde_json::from_slice(&b.body).unwrap();
    assert_problem(b.status, &problem, 422);
    let b = bundle(&t, &token, "from=2025-12-31&to=2025-01-01").await;
    let problem: Value = serde_json::from_slice(&b.body).unwrap();
    assert_problem(b.status, &problem, 422);

    // A record with an open patient-identifier warning holds the bundle
    // back only while it is chosen.
    let mut flagged = entry("Home visit", "2025-07-01", "work_based_learning");
    flagged["body"] = json!("Mrs Patel showed me her kitchen.");
    t.create_entry(&token, &flagged).await;
    let b = bundle(&t, &token, PERIOD).await;
    let problem: Value = serde_json::from_slice(&b.body).unwrap();
    assert_problem(b.status, &problem, 409);
    assert_eq!(problem["type"], "urn:cpdfolio:problem:patient-identifiers");
    assert!(problem.to_string().contains("Mrs Patel"), "{problem}");
    let without = format!("{PERIOD}&records={}", ids[0]);
    assert_eq!(bundle(&t, &token, &without).await.status, 200);

    let b = bundle(&t, &"x".repeat(40), PERIOD).await;
    assert_eq!(b.status, 401);
}
