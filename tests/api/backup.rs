//! Backup and restore on the on-disk engine: a hot backup through the admin
//! API, a restore into a new data directory, and the restored server's data
//! compared with the original by checksum.

use cpdfolio::App;
use cpdfolio::app::backup::{Manifest, restore};
use cpdfolio::storage::Migrations;
use serde_json::{Value, json};

use crate::helpers::*;

async fn download(t: &TestApp, href: &str, token: &str) -> Vec<u8> {
    let resp = t
        .http
        .get(t.url(href))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.bytes().await.unwrap().to_vec()
}

/// A server on disk with a practitioner's reflection and an audit carrying
/// a PDF: (server, admin token, practitioner token, attachment href).
async fn portfolio_on_disk() -> (TestApp, String, String, String) {
    let t = TestApp::spawn_with(|c| *c = disk_config(&c.data_dir)).await;
    let (_, admin) = t.admin().await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    t.create_entry(
        &sam,
        &entry(
            "Falls prevention reflection",
            "2026-03-01",
            "work_based_learning",
        ),
    )
    .await;
    let audit = create_record(
        &t,
        &sam,
        "/api/v1/audits",
        &audit("Falls audit", "62% had a falls plan"),
    )
    .await;
    let (status, file) = t
        .upload(
            &format!("{audit}/attachments"),
            Some(&sam),
            "audit.pdf",
            &pdf_bytes("falls audit results"),
        )
        .await;
    assert_eq!(status, 201, "{file}");
    let href = file["href"].as_str().unwrap().to_owned();
    (t, admin, sam, href)
}

fn entries<'a>(manifest: &'a Manifest, path: &str) -> Vec<&'a cpdfolio::app::backup::FileEntry> {
    manifest
        .files
        .iter()
        .filter(|f| f.path.starts_with(path))
        .collect()
}

#[tokio::test]
async fn a_hot_backup_restores_to_the_same_database_and_files() {
    let (t, admin, sam, href) = portfolio_on_disk().await;
    let original_pdf = download(&t, &href, &sam).await;

    let (status, problem) = t
        .post("/api/v1/admin/backups", Some(&sam), &json!({}))
        .await;
    assert_problem(status, &problem, 403);
    let (status, made) = t
        .post("/api/v1/admin/backups", Some(&admin), &json!({}))
        .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["attachments"], 1);
    assert_eq!(made["attachment_bytes"], original_pdf.len() as u64);
    let dir = t
        .data
        .path()
        .join("backups")
        .join(made["name"].as_str().unwrap());
    let (_, manifest_sha) = cpdfolio::app::backup::hash_file(&dir.join("manifest.json")).unwrap();
    assert_eq!(made["manifest_sha256"], Value::String(manifest_sha));
    let original = Manifest::read_verified(&dir).unwrap();
    assert_eq!(
        original
            .files
            .iter()
            .map(|f| f.path.as_str())
            .filter(|p| !p.starts_with("attachments/"))
            .collect::<Vec<_>>(),
        ["database.surql", "config.toml"]
    );

    let target = tempfile::tempdir().unwrap();
    let report = restore(disk_config(target.path()), &dir, &Migrations::embedded())
        .await
        .unwrap();
    assert_eq!((report.records, report.attachments), (2, 1));
    assert_eq!(report.created_at, original.created_at);

    let app = App::open(disk_config(target.path()), &Migrations::embedded())
        .await
        .unwrap();
    let again = target.path().join("second-backup");
    app.backup_to(&again).await.unwrap();
    let second = Manifest::read_verified(&again).unwrap();
    assert_eq!(
        entries(&second, "database.surql"),
        entries(&original, "database.surql")
    );
    assert_eq!(
        entries(&second, "attachments/"),
        entries(&original, "attachments/")
    );

    let r = TestApp::serve(app, target).await;
    let sam = r.login("sam@example.nhs.uk").await;
    assert_eq!(download(&r, &href, &sam).await, original_pdf);
    let (_, listed) = r.get("/api/v1/reflections", Some(&sam)).await;
    assert_eq!(listed["items"][0]["title"], "Falls prevention reflection");
    let (_, found) = r.get("/api/v1/search?q=falls", Some(&sam)).await;
    assert_eq!(found["total"], 2, "the restored index finds both records");
}

#[tokio::test]
async fn a_damaged_backup_or_a_used_data_directory_is_refused_before_anything_is_written() {
    let (t, admin, _, _) = portfolio_on_disk().await;
    let (_, made) = t
        .post("/api/v1/admin/backups", Some(&admin), &json!({}))
        .await;
    let dir = t
        .data
        .path()
        .join("backups")
        .join(made["name"].as_str().unwrap());

    let in_use = tempfile::tempdir().unwrap();
    drop(
        App::open(disk_config(in_use.path()), &Migrations::embedded())
            .await
            .unwrap(),
    );
    cpdfolio::storage::wait_until_released(&in_use.path().join("db")).await;
    let err = restore(disk_config(in_use.path()), &dir, &Migrations::embedded())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already holds data"), "{err:#}");

    let dump = dir.join("database.surql");
    let mut text = std::fs::read_to_string(&dump).unwrap();
    text = text.replacen("Falls", "Fells", 1);
    std::fs::write(&dump, text).unwrap();
    let target = tempfile::tempdir().unwrap();
    let err = restore(disk_config(target.path()), &dir, &Migrations::embedded())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the backup is damaged: database.surql does not match its checksum in manifest.json"
    );
    assert!(!target.path().join("db").exists(), "nothing was written");
}
