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
    unzip(&export_bytes(t, token).await)
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

async fn export_bytes(t: &TestApp, token: &str) -> Vec<u8> {
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
    resp.bytes().await.unwrap().to_vec()
}

async fn import(t: &TestApp, token: &str, zip: Vec<u8>) -> (u16, Value) {
    let req = t
        .http
        .post(t.url("/api/v1/me/import"))
        .header("content-type", "application/zip")
        .body(zip);
    let (status, body, _) = t.send(req, Some(token)).await;
    (status, body)
}

/// A zip of `files` with a manifest computed for them.
fn rezip(files: &BTreeMap<String, Vec<u8>>, schema_version: u32) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let mut listed = Vec::new();
    for (path, bytes) in files.iter().filter(|(p, _)| *p != "manifest.json") {
        zip.start_file(path.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
        listed.push(json!({"path": path, "bytes": bytes.len(), "sha256": hex::encode(Sha256::digest(bytes))}));
    }
    zip.start_file("manifest.json", options).unwrap();
    let manifest = json!({"format": "cpdfolio-portfolio", "schema_version": schema_version,
        "exported_at": "2026-11-28T00:00:00Z", "files": listed});
    zip.write_all(manifest.to_string().as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

/// Sam's portfolio on one server: a reflection edited twice with a
/// dismissed warning, a supervision signed off, an audit with a file, a
/// training record.
async fn portfolio_on(t: &TestApp) -> String {
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (_, supervisor) = t.practitioner("sup@example.nhs.uk").await;
    let mut draft = entry("Home visit", "2026-03-01", "work_based_learning");
    draft["body"] = json!("Joint visit with Mr Shah, our physio.");
    let (_, created) = t.post("/api/v1/reflections", Some(&sam), &draft).await;
    let id = created["id"].as_str().unwrap().to_owned();
    draft["title"] = json!("Home visit, revised");
    t.put(&format!("/api/v1/reflections/{id}"), Some(&sam), &draft)
        .await;
    let flag = created["pii_warnings"][0]["id"].as_str().unwrap();
    let (status, _) = t
        .post(
            &format!("/api/v1/reflections/{id}/pii-flags/{flag}/dismiss"),
            Some(&sam),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, me) = t.get("/api/v1/me", Some(&supervisor)).await;
    let sup_user = me["id"].as_str().unwrap();
    let path = create_record(
        t,
        &sam,
        "/api/v1/supervision",
        &supervision("2026-03-02", Some(sup_user), "Caseload."),
    )
    .await;
    let (status, _) = t
        .post(&format!("{path}/submit"), Some(&sam), &json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, _) = t
        .post(&format!("{path}/sign-off"), Some(&supervisor), &json!({}))
        .await;
    assert_eq!(status, 200);
    let audit_path = create_record(t, &sam, "/api/v1/audits", &audit("Falls", "Found.")).await;
    let (status, _) = t
        .upload(
            &format!("{audit_path}/attachments"),
            Some(&sam),
            "cert.pdf",
            &pdf_bytes("certificate"),
        )
        .await;
    assert_eq!(status, 201);
    create_record(
        t,
        &sam,
        "/api/v1/training",
        &training("fire-safety-l1", "2026-01-10", ""),
    )
    .await;
    let audit_id = audit_path.rsplit('/').next().unwrap();
    create_record(
        t,
        &sam,
        "/api/v1/objectives",
        &json!({"title": "Lead the falls audit cycle", "agreed_on": "2026-04-01",
                "due_on": "2027-03-31", "status": "in_progress",
                "evidence": [{"kind": "audit", "id": audit_id}]}),
    )
    .await;
    sam
}

#[tokio::test]
async fn an_export_imported_on_another_server_exports_the_same_records_and_files() {
    let here = TestApp::spawn().await;
    let sam_here = portfolio_on(&here).await;
    let first = export_bytes(&here, &sam_here).await;

    let there = TestApp::spawn().await;
    let (_, sam_there) = there.practitioner("sam@example.nhs.uk").await;
    let (status, imported) = import(&there, &sam_there, first.clone()).await;
    assert_eq!(status, 201, "{imported}");
    assert_eq!(
        imported,
        json!({"records": 5, "versions": 3, "attachments": 1})
    );
    let second = export_bytes(&there, &sam_there).await;

    let hashes = |zip: &[u8]| -> BTreeMap<String, String> {
        let files: BTreeMap<String, Vec<u8>> = unzip(zip).into_iter().collect();
        json_of(&files, "manifest.json")["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_owned(),
                    f["sha256"].as_str().unwrap().to_owned(),
                )
            })
            .filter(|(p, _)| p.starts_with("records/") || p.starts_with("attachments/"))
            .collect()
    };
    let (before, after) = (hashes(&first), hashes(&second));
    assert_eq!(before.len(), 6);
    assert_eq!(before, after, "records and files come back byte for byte");
    assert!(before.keys().any(|p| p.starts_with("records/objective/")));

    let (_, list) = there.get("/api/v1/reflections", Some(&sam_there)).await;
    assert_eq!(list["items"][0]["title"], "Home visit, revised");
    assert_eq!(list["items"][0]["pii_warnings"], json!([]));
    let id = list["items"][0]["id"].as_str().unwrap();
    let (_, history) = there
        .get(
            &format!("/api/v1/reflections/{id}/history"),
            Some(&sam_there),
        )
        .await;
    assert_eq!(
        history["versions"].as_array().unwrap().len(),
        1,
        "{history}"
    );
    assert_eq!(
        history["versions"][0]["content"]["title"], "Home visit",
        "{history}"
    );
    let hits = there
        .search_until(&sam_there, "revised", 1, std::time::Duration::from_secs(5))
        .await;
    assert_eq!(hits["hits"][0]["id"], id, "{hits}");
    let (status, _) = there
        .get(
            "/api/v1/me/cpd-profile?from=2026-01-01&to=2026-06-01",
            Some(&sam_there),
        )
        .await;
    assert_eq!(status, 200);

    assert_eq!(
        there.app.store().compliance_fact_drift().await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        there.app.store().record_tally_drift().await.unwrap(),
        Vec::<String>::new()
    );
    let (_, compliance) = there.get("/api/v1/me/compliance", Some(&sam_there)).await;
    let supervision_id = before
        .keys()
        .find_map(|p| p.strip_prefix("records/supervision/"))
        .unwrap()
        .trim_end_matches(".json");
    assert!(
        compliance
            .to_string()
            .contains(&format!("\"evidence_id\":\"{supervision_id}\"")),
        "the signed session counts: {compliance}"
    );

    let (status, again) = import(&there, &sam_there, first.clone()).await;
    assert_problem(status, &again, 409);
    let (_, kim) = there.practitioner("kim@example.nhs.uk").await;
    let (status, twice) = import(&there, &kim, first).await;
    assert_problem(status, &twice, 409);
    assert!(
        twice["detail"]
            .as_str()
            .unwrap()
            .contains("is already on this server"),
        "{twice}"
    );
    let (_, kims) = there.get("/api/v1/reflections", Some(&kim)).await;
    assert_eq!(kims["total"], 0);
}

#[tokio::test]
async fn a_damaged_tampered_foreign_or_newer_export_imports_nothing() {
    let here = TestApp::spawn().await;
    let sam = portfolio_on(&here).await;
    let good: BTreeMap<String, Vec<u8>> = unzip(&export_bytes(&here, &sam).await)
        .into_iter()
        .collect();
    let there = TestApp::spawn_with(|c| c.max_import_bytes = 200_000).await;
    let (_, me) = there.practitioner("sam@example.nhs.uk").await;
    let record = good
        .keys()
        .find(|p| p.starts_with("records/reflection/"))
        .unwrap()
        .clone();

    let mut tampered_zip = {
        let mut files = good.clone();
        let manifest = files.remove("manifest.json").unwrap();
        let text = String::from_utf8(files[&record].clone())
            .unwrap()
            .replace("Home visit, revised", "Home visit, altered");
        files.insert(record.clone(), text.into_bytes());
        files.insert("manifest.json".into(), manifest);
        let mut out = Cursor::new(Vec::new());
        {
            use std::io::Write;
            let mut zip = zip::ZipWriter::new(&mut out);
            for (path, bytes) in &files {
                zip.start_file(path.as_str(), zip::write::SimpleFileOptions::default())
                    .unwrap();
                zip.write_all(bytes).unwrap();
            }
            zip.finish().unwrap();
        }
        out.into_inner()
    };
    let with_nhs = {
        let mut files = good.clone();
        let text = String::from_utf8(files[&record].clone())
            .unwrap()
            .replace("our physio.", "NHS 943 476 5919.");
        files.insert(record.clone(), text.into_bytes());
        rezip(&files, 1)
    };
    let foreign = {
        let mut files = good.clone();
        files.insert("../../etc/cron.d/x".into(), b"x".to_vec());
        rezip(&files, 1)
    };
    let whole = rezip(&good, 1);
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "garbage",
            b"not a zip at all".to_vec(),
            422,
            "the file is not a readable zip",
        ),
        (
            "truncated",
            whole[..whole.len() / 2].to_vec(),
            422,
            "the file is not a readable zip",
        ),
        (
            "tampered",
            std::mem::take(&mut tampered_zip),
            422,
            "does not match the hash in the manifest",
        ),
        (
            "newer",
            rezip(&good, 2),
            422,
            "written by a newer cpdfolio (schema version 2)",
        ),
        (
            "foreign",
            foreign,
            422,
            "`../../etc/cron.d/x` is not a file a cpdfolio export contains",
        ),
        (
            "nhs",
            with_nhs,
            422,
            "contains what looks like an NHS number",
        ),
        (
            "huge",
            vec![0u8; 300_000],
            413,
            "larger than the limit of 200000 bytes",
        ),
    ];
    for (name, zip, status, says) in cases {
        let (got, body) = import(&there, &me, zip).await;
        assert_eq!(got, status, "{name}: {body}");
        assert!(body.to_string().contains(says), "{name}: {body}");
    }
    for collection in ["reflections", "supervision", "audits", "training"] {
        let (_, list) = there.get(&format!("/api/v1/{collection}"), Some(&me)).await;
        assert_eq!(list["total"], 0, "{collection}");
    }
    let (status, body) = import(&there, &me, whole).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn an_import_may_not_name_accounts_of_this_server() {
    let t = TestApp::spawn().await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (sup_id, _) = t.practitioner("sup@example.nhs.uk").await;
    let path = create_record(
        &t,
        &sam,
        "/api/v1/supervision",
        &supervision("2026-03-02", Some(&sup_id), "Caseload."),
    )
    .await;
    let zip = export_bytes(&t, &sam).await;
    let (status, _) = t.delete(&path, Some(&sam)).await;
    assert_eq!(status, 204);
    let (status, body) = import(&t, &sam, zip).await;
    assert_problem(status, &body, 422);
    let id = path.rsplit('/').next().unwrap();
    assert_eq!(
        body["errors"][0]["field"],
        format!("records/supervision/{id}.json")
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("names an account on this server"),
        "{body}"
    );
    let (_, list) = t.get("/api/v1/supervision", Some(&sam)).await;
    assert_eq!(list["total"], 0);
}
