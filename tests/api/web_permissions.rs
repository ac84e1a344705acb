//! The permission matrix extended to pages: for every kind of record and
//! every kind of viewer, a record's page and its history page answer as
//! the API answers for the same record (what the API hides is 404 on the
//! page too), and a viewer's lists and search show no record whose API
//! read is 404.

use crate::helpers::*;
use crate::web_support::Browser;

#[tokio::test]
async fn every_page_of_a_record_answers_as_the_api_does_for_every_viewer() {
    let t = TestApp::spawn().await;
    let team = Some("Riverside PCN");
    t.user("owner@example.nhs.uk", role("practitioner"), team)
        .await;
    t.user("mate@example.nhs.uk", role("practitioner"), team)
        .await;
    t.user("lead@example.nhs.uk", role("lead"), team).await;
    t.user(
        "far@example.nhs.uk",
        role("practitioner"),
        Some("Hillside PCN"),
    )
    .await;
    t.admin().await;
    let owner = t.login("owner@example.nhs.uk").await;
    let records = [
        (
            "reflections",
            t.create_entry(
                &owner,
                &entry("Matrix stair practice", "2026-11-02", "work_based_learning"),
            )
            .await,
        ),
        (
            "supervision",
            id_of(
                &create_record(
                    &t,
                    &owner,
                    "/api/v1/supervision",
                    &supervision("2026-03-03", None, "Matrix stair supervision"),
                )
                .await,
            ),
        ),
        (
            "audits",
            id_of(
                &create_record(
                    &t,
                    &owner,
                    "/api/v1/audits",
                    &audit("Matrix stair audit", "Findings"),
                )
                .await,
            ),
        ),
        (
            "training",
            id_of(
                &create_record(
                    &t,
                    &owner,
                    "/api/v1/training",
                    &training("conflict-resolution-l1", "2026-11-04", "Matrix stair"),
                )
                .await,
            ),
        ),
    ];
    t.flush().await;

    let mut checked = 0;
    for viewer in ["owner", "mate", "lead", "far", "admin"] {
        let email = format!("{viewer}@example.nhs.uk");
        let token = t.login(&email).await;
        let mut b = Browser::new(&t);
        b.sign_in(&email, PASSWORD).await;
        for (collection, id) in &records {
            let (api_status, _) = t
                .get(&format!("/api/v1/{collection}/{id}"), Some(&token))
                .await;
            let (api_history, _) = t
                .get(&format!("/api/v1/{collection}/{id}/history"), Some(&token))
                .await;
            let mut pages = vec![(format!("/{collection}/{id}/history"), api_history)];
            if *collection != "training" {
                pages.push((format!("/{collection}/{id}"), api_status));
            }
            for (path, api) in pages {
                let page = b.get(&path).await;
                let expected = if api == 200 { 200 } else { api };
                assert_eq!(page.status, expected, "{viewer} {path}: the API said {api}");
                if page.status == 404 {
                    assert!(!page.html.contains("Matrix stair"), "{viewer} {path}");
                }
                checked += 1;
            }
        }
        let found = b.get("/reflections?q=matrix").await;
        let listed = b.get("/reflections").await;
        let (reflection_api, _) = t
            .get(
                &format!("/api/v1/reflections/{}", records[0].1),
                Some(&token),
            )
            .await;
        for page in [&found, &listed] {
            assert_eq!(
                page.html.contains("Matrix stair practice"),
                reflection_api == 200,
                "{viewer}: {}",
                page.html
            );
        }
    }
    assert_eq!(checked, 5 * 7);
}

fn id_of(path: &str) -> String {
    path.rsplit('/').next().unwrap().to_owned()
}
