//! The storage "story" on the on-disk engine, a reopen, the index rebuild,
//! and the migration checksum guard.

use cpdfolio::App;
use cpdfolio::app::CurrentUser;
use cpdfolio::domain::user::Role;
use cpdfolio::storage::Migrations;

use crate::helpers::*;

#[tokio::test]
async fn surrealkv_keeps_data_across_a_reopen_and_rebuilds_a_lost_index() {
    let dir = tempfile::tempdir().unwrap();
    let (user_id, entry_id) = {
        let app = App::open(disk_config(dir.path()), &Migrations::embedded())
            .await
            .unwrap();
        let user = app
            .create_user(cpdfolio::domain::user::NewUser {
                email: "disk@example.nhs.uk".into(),
                name: "Disk User".into(),
                role: Role::Practitioner,
                team: Some("Disk Team".into()),
                hcpc_number: Some("OT99999".into()),
                password: PASSWORD.into(),
            })
            .await
            .unwrap();
        let draft = cpdfolio::domain::reflection::ReflectionDraft {
            title: "Durable reflection about mentoring".into(),
            activity_date: time::macros::date!(2026 - 01 - 10),
            activity_type: cpdfolio::domain::reflection::ActivityType::ProfessionalActivity,
            hours: None,
            model: cpdfolio::domain::reflection::ReflectiveModel::Kolb,
            body: "mentoring a newly qualified colleague".into(),
            learning: String::new(),
            impact: String::new(),
            benefit: String::new(),
            tags: vec![],
            standards: vec![8],
            links: vec![],
        };
        let me = CurrentUser {
            user,
            token_digest: String::new(),
        };
        let entry = app.create_evidence(&me, draft).await.unwrap();
        (me.user.id, entry.id)
    };
    std::fs::remove_dir_all(dir.path().join("index")).unwrap();
    let app = App::open(disk_config(dir.path()), &Migrations::embedded())
        .await
        .unwrap();
    let user = app.store().user(&user_id).await.unwrap().unwrap();
    assert_eq!(user.email, "disk@example.nhs.uk");
    assert_eq!(user.hcpc_number.as_deref(), Some("OT99999"));
    assert_eq!(user.teams[0].team, "Disk Team");
    let me = CurrentUser {
        user,
        token_digest: String::new(),
    };
    let (entry, _) = app
        .evidence::<cpdfolio::domain::reflection::ReflectionDraft>(&me, &entry_id)
        .await
        .unwrap();
    assert_eq!(entry.data.title, "Durable reflection about mentoring");
    assert_eq!(entry.data.standards, vec![8]);
    let scope = cpdfolio::search::SearchScope {
        me: user_id.clone(),
        team_owner_ids: vec![],
    };
    let page = app.search().search(&scope, "mentor", 10, 0).unwrap();
    assert_eq!(page.total, 1, "the rebuilt index finds the entry");
    assert_eq!(app.search().versions().unwrap(), vec![(entry_id, 1)]);
}

#[tokio::test]
async fn a_second_process_on_the_same_data_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _first = App::open(disk_config(dir.path()), &Migrations::embedded())
        .await
        .unwrap();
    let err = App::open(disk_config(dir.path()), &Migrations::embedded())
        .await
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("is in use by another cpdfolio process"),
        "{err:#}"
    );
}

#[tokio::test]
async fn a_changed_migration_file_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let migrations_dir = dir.path().join("migrations");
    std::fs::create_dir(&migrations_dir).unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for file in std::fs::read_dir(&shipped).unwrap() {
        let file = file.unwrap();
        std::fs::copy(file.path(), migrations_dir.join(file.file_name())).unwrap();
    }
    let original = shipped.join("0001_initial.surql");
    let copy = migrations_dir.join("0001_initial.surql");
    let data = dir.path().join("data");
    {
        let app = App::open(
            disk_config(&data),
            &Migrations::from_dir(&migrations_dir).unwrap(),
        )
        .await
        .unwrap();
        drop(app);
    }
    let mut text = std::fs::read_to_string(&copy).unwrap();
    text.push_str("\nDEFINE FIELD nickname ON user TYPE option<string>;\n");
    std::fs::write(&copy, text).unwrap();
    let err = App::open(
        disk_config(&data),
        &Migrations::from_dir(&migrations_dir).unwrap(),
    )
    .await
    .err()
    .unwrap();
    let message = format!("{err:#}");
    assert!(
        message.starts_with("migration 0001_initial.surql was changed after it was applied"),
        "{message}"
    );
    std::fs::copy(&original, &copy).unwrap();
    assert!(
        App::open(
            disk_config(&data),
            &Migrations::from_dir(&migrations_dir).unwrap()
        )
        .await
        .is_ok()
    );
}

#[tokio::test]
async fn the_data_directory_and_attachment_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let t = TestApp::spawn_with(|c| c.data_dir = data.clone()).await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let id = t
        .create_entry(&token, &entry("Falls", "2026-01-05", "work_based_learning"))
        .await;
    let (status, body) = t
        .upload(
            &format!("/api/v1/reflections/{id}/attachments"),
            Some(&token),
            "scan.png",
            &png_bytes(),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    let sha = body["sha256"].as_str().unwrap();
    let blob = data.join("attachments").join(&sha[..2]).join(sha);
    assert_eq!(mode(&blob), 0o600);
    assert_eq!(mode(blob.parent().unwrap()), 0o700);
}

#[tokio::test]
async fn files_a_crash_left_behind_are_removed_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let shard = data.join("attachments").join("ab");
    std::fs::create_dir_all(&shard).unwrap();
    let orphan = shard.join(format!("ab{}", "0".repeat(62)));
    std::fs::write(&orphan, b"%PDF-1.7 written, never recorded").unwrap();
    std::fs::write(shard.join(".5f2c.tmp"), b"half an upload").unwrap();
    let t = TestApp::spawn_with(|c| c.data_dir = data.clone()).await;
    assert_eq!(std::fs::read_dir(&shard).unwrap().count(), 0);
    let (status, _) = t.get("/readyz", None).await;
    assert_eq!(status, 200);
}

/// Opens the on-disk server in `dir`, waiting for the last one to let go.
async fn reopen(dir: &std::path::Path) -> App {
    cpdfolio::storage::wait_until_released(&dir.join("db")).await;
    App::open(disk_config(dir), &Migrations::embedded())
        .await
        .unwrap()
}

fn reflection(title: &str, body: &str) -> cpdfolio::domain::reflection::ReflectionDraft {
    cpdfolio::domain::reflection::ReflectionDraft {
        title: title.into(),
        activity_date: time::macros::date!(2026 - 01 - 10),
        activity_type: cpdfolio::domain::reflection::ActivityType::Other,
        hours: None,
        model: cpdfolio::domain::reflection::ReflectiveModel::Free,
        body: body.into(),
        learning: String::new(),
        impact: String::new(),
        benefit: String::new(),
        tags: vec![],
        standards: vec![],
        links: vec![],
    }
}

async fn signed_in(app: &App, email: &str) -> CurrentUser {
    let user = create_user(app, email, Role::Practitioner, None).await;
    CurrentUser {
        user: app.store().user(&user).await.unwrap().unwrap(),
        token_digest: String::new(),
    }
}

fn hits(app: &App, me: &CurrentUser, text: &str) -> usize {
    let scope = cpdfolio::search::SearchScope {
        me: me.id().to_owned(),
        team_owner_ids: vec![],
    };
    app.search().search(&scope, text, 10, 0).unwrap().total
}

/// Changes a reflection in the database only, as another process sharing
/// the database would: the search index here does not hear of it.
async fn rewrite_elsewhere(app: &App, id: &str, body: &str) {
    app.store()
        .raw_query_for_tests(&format!(
            "UPDATE type::record('reflection', '{id}') SET content.body = '{body}', version += 1"
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn changes_another_process_makes_reach_the_index_through_the_change_feed() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(test_config(dir.path()), &Migrations::embedded())
        .await
        .unwrap();
    let me = signed_in(&app, "feed@example.nhs.uk").await;
    let entry = app
        .create_evidence(&me, reflection("Followed", "written through this process"))
        .await
        .unwrap();
    assert_eq!(
        app.follow_changes().await.unwrap(),
        0,
        "a change this process indexed is not indexed again"
    );

    rewrite_elsewhere(&app, &entry.id, "rewritten by another instance").await;
    assert_eq!(app.follow_changes().await.unwrap(), 1);
    app.flush_search().await.unwrap();
    assert_eq!(hits(&app, &me, "rewritten"), 1);
    assert_eq!(hits(&app, &me, "\"through this process\""), 0);
    assert_eq!(
        app.follow_changes().await.unwrap(),
        0,
        "a change read again in the overlap is skipped"
    );

    app.store()
        .raw_query_for_tests(&format!(
            "DELETE type::record('reflection', '{}')",
            entry.id
        ))
        .await
        .unwrap();
    assert_eq!(app.follow_changes().await.unwrap(), 1);
    app.flush_search().await.unwrap();
    assert_eq!(hits(&app, &me, "rewritten"), 0);
}

#[tokio::test]
async fn a_clean_stop_spares_the_next_start_up_its_comparison_and_a_crash_catches_up_from_the_feed()
{
    use cpdfolio::app::IndexState;
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("index-clean-stop");
    let app = reopen(dir.path()).await;
    let me = signed_in(&app, "clean@example.nhs.uk").await;
    let entry = app
        .create_evidence(
            &me,
            reflection("Stopped cleanly", "indexed before the stop"),
        )
        .await
        .unwrap();
    app.close().await.unwrap();
    drop(app);
    assert!(marker.exists(), "a clean stop leaves its record");

    let app = reopen(dir.path()).await;
    assert_eq!(app.startup_index_state(), Some(IndexState::Trusted));
    assert!(!marker.exists(), "start-up takes the record away");
    assert_eq!(hits(&app, &me, "indexed"), 1);
    rewrite_elsewhere(&app, &entry.id, "changed just before a crash").await;
    drop(app);

    let app = reopen(dir.path()).await;
    assert_eq!(
        app.startup_index_state(),
        Some(IndexState::CaughtUp { changed: 1 }),
        "after a stop without close (a crash, a command) the index catches up from its checkpoint"
    );
    assert_eq!(hits(&app, &me, "crash"), 1);
    assert_eq!(hits(&app, &me, "indexed"), 0);
    app.close().await.unwrap();
    drop(app);
    std::fs::write(&marker, "999999").unwrap();
    let app = reopen(dir.path()).await;
    assert_eq!(
        app.startup_index_state(),
        Some(IndexState::CaughtUp { changed: 0 }),
        "a record of another commit of the index is not trusted"
    );
    drop(app);
    std::fs::remove_dir_all(dir.path().join("index")).unwrap();
    let app = reopen(dir.path()).await;
    assert_eq!(
        app.startup_index_state(),
        Some(IndexState::Rebuilt),
        "an index without a checkpoint is rebuilt"
    );
    assert_eq!(hits(&app, &me, "crash"), 1);
}

#[tokio::test]
async fn a_stop_waits_twenty_seconds_for_a_running_write_then_does_not_vouch_for_the_index() {
    use cpdfolio::app::IndexState;
    let dir = tempfile::tempdir().unwrap();
    let app = reopen(dir.path()).await;
    let still_writing = app.write_turn().await;
    let began = std::time::Instant::now();
    app.close().await.unwrap();
    let waited = began.elapsed();
    assert!(
        (20.0..25.0).contains(&waited.as_secs_f64()),
        "waited {waited:?}"
    );
    assert!(
        !dir.path().join("index-clean-stop").exists(),
        "a stop cut short leaves no record"
    );
    drop(still_writing);
    drop(app);
    let app = reopen(dir.path()).await;
    assert_eq!(
        app.startup_index_state(),
        Some(IndexState::CaughtUp { changed: 0 }),
        "the next start-up does not trust the index"
    );
}
