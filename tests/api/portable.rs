//! The portable record: every record a person owns, every version, files
//! and access log in one zip whose manifest hashes every file.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::*;

/// The zip's files by name, in the order written.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().unwrap().into_owned(), content)
        })
        .collect()
}

async fn export(t: &TestApp, token: &str) -> Vec<(String, Vec<u8>)> {
    let resp = t
        .http
        .get(t.url("/api/v1/me/export"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/zip");
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment; filename=\"cpdfolio-portfolio-20"));
    let body = resp.bytes().await.unwrap();
    unzip(&body)
}

fn json_of(files: &BTreeMap<String, Vec<u8>>, name: &str) -> Value {
    serde_json::from_slice(&files[name]).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[tokio::test]
async fn the_export_holds_every_record_version_file_and_a_manifest_of_hashes() {
    let t = TestApp::spawn().await;
    let (sam_id, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (_, kim) = t.practitioner("kim@example.nhs.uk").await;
    t.create_entry(&kim, &entry("Kim's own", "2026-02-01", "other"))
        .await;
    let mut draft = entry("First title", "2026-03-01", "work_based_learning");
    let reflection = t.create_entry(&sam, &draft).await;
    draft["title"] = json!("Second title");
    let (status, _) = t
        .put(
            &format!("/api/v1/reflections/{reflection}"),
            Some(&sam),
            &draft,
        )
        .await;
    assert_eq!(status, 200);
    let audit_path = create_record(&t, &sam, "/api/v1/audits", &audit("Falls", "Found.")).await;
    let pdf = pdf_bytes("certificate");
    let (status, attached) = t
        .upload(
            &format!("{audit_path}/attachments"),
            Some(&sam),
            "cert.pdf",
            &pdf,
        )
        .await;
    assert_eq!(status, 201, "{attached}");
    create_record(
        &t,
        &sam,
        "/api/v1/supervision",
        &supervision("2026-03-02", None, "Caseload."),
    )
    .await;

    let files = export(&t, &sam).await;
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.last(), Some(&"manifest.json"));
    let files: BTreeMap<String, Vec<u8>> = files.into_iter().collect();
    let manifest = json_of(&files, "manifest.json");
    assert_eq!(manifest["format"], "cpdfolio-portfolio");
    assert_eq!(manifest["schema_version"], 1);
    let listed: Vec<(String, String, u64)> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["sha256"].as_str().unwrap().to_owned(),
                f["bytes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed.len() + 1,
        files.len(),
        "every file but the manifest is listed"
    );
    for (path, sha, bytes) in &listed {
        let content = &files[path];
        assert_eq!(hex::encode(Sha256::digest(content)), *sha, "{path}");
        assert_eq!(content.len() as u64, *bytes, "{path}");
    }

    let audit_id = audit_path.rsplit('/').next().unwrap();
    let mut record_paths: Vec<&str> = listed
        .iter()
        .map(|(p, _, _)| p.as_str())
        .filter(|p| p.starts_with("records/"))
        .collect();
    record_paths.sort();
    assert_eq!(record_paths.len(), 3);
    assert!(record_paths.contains(&format!("records/audit/{audit_id}.json").as_str()));

    let r = json_of(&files, &format!("records/reflection/{reflection}.json"));
    assert_eq!(r["version"], 2);
    assert_eq!(r["content"]["title"], "Second title");
    assert_eq!(r["versions"][0]["version"], 1);
    assert_eq!(
        r["versions"][0]["fields"]["content"]["title"],
        "First title"
    );
    assert_eq!(r["versions"][0]["replaced_by"], sam_id.as_str());

    let a = json_of(&files, &format!("records/audit/{audit_id}.json"));
    let sha = hex::encode(Sha256::digest(&pdf));
    assert_eq!(a["attachments"][0]["file_name"], "cert.pdf");
    assert_eq!(a["attachments"][0]["sha256"], sha.as_str());
    assert_eq!(files[&format!("attachments/{sha}")], pdf);

    let person = json_of(&files, "person.json");
    assert_eq!(person["email"], "sam@example.nhs.uk");
    assert!(json_of(&files, "access-log.json").is_array());
    let everything =
        String::from_utf8_lossy(&files.values().flatten().copied().collect::<Vec<u8>>())
            .into_owned();
    assert!(
        !everything.contains("Kim's own"),
        "another person's record leaked"
    );
}

#[tokio::test]
async fn an_export_needs_a_portfolio_and_a_session() {
    let t = TestApp::spawn().await;
    let (status, body) = t.get("/api/v1/me/export", None).await;
    assert_problem(status, &body, 401);
    let (_, admin) = t.admin().await;
    let (status, body) = t.get("/api/v1/me/export", Some(&admin)).await;
    assert_problem(status, &body, 403);
}
