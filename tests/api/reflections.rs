use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn create_read_update_delete() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let (status, created, headers) = t
        .send(
            t.http.post(t.url("/api/v1/reflections")).json(&entry(
                "Supervision on grading",
                "2026-03-02",
                "work_based_learning",
            )),
            Some(&token),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(headers["location"], format!("/api/v1/reflections/{id}"));
    assert_eq!(created["version"], 1);
    assert_eq!(
        created["body_html"],
        "<p>We discussed graded activity.</p>\n"
    );
    assert_eq!(created["standards"], json!([10]));

    let (status, read) = t
        .get(&format!("/api/v1/reflections/{id}"), Some(&token))
        .await;
    assert_eq!(status, 200);
    assert_eq!(read, created);

    let mut changed = entry(
        "Supervision on grading (revised)",
        "2026-03-03",
        "professional_activity",
    );
    changed["tags"] = json!(["Grading", "supervision", "grading"]);
    let (status, updated) = t
        .put(&format!("/api/v1/reflections/{id}"), Some(&token), &changed)
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["title"], "Supervision on grading (revised)");
    assert_eq!(updated["activity_date"], "2026-03-03");
    assert_eq!(updated["activity_type"], "professional_activity");
    assert_eq!(updated["tags"], json!(["grading", "supervision"]));
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["created_at"], created["created_at"]);

    let (status, _) = t
        .delete(&format!("/api/v1/reflections/{id}"), Some(&token))
        .await;
    assert_eq!(status, 204);
    let (status, body) = t
        .get(&format!("/api/v1/reflections/{id}"), Some(&token))
        .await;
    assert_problem(status, &body, 404);
    let (status, body) = t
        .delete(&format!("/api/v1/reflections/{id}"), Some(&token))
        .await;
    assert_problem(status, &body, 404);
}

#[tokio::test]
async fn another_users_entry_is_404_everywhere() {
    let t = TestApp::spawn().await;
    let (_, owner) = t.practitioner("owner@example.nhs.uk").await;
    let (_, other) = t.practitioner("other@example.nhs.uk").await;
    let id = t
        .create_entry(
            &owner,
            &entry(
                "Private reflection on burnout",
                "2026-01-10",
                "self_directed_learning",
            ),
        )
        .await;
    let path = format!("/api/v1/reflections/{id}");
    let (status, body) = t.get(&path, Some(&other)).await;
    assert_problem(status, &body, 404);
    let (status, body) = t
        .put(
            &path,
            Some(&other),
            &entry("Hijacked", "2026-01-10", "other"),
        )
        .await;
    assert_problem(status, &body, 404);
    let (status, body) = t.delete(&path, Some(&other)).await;
    assert_problem(status, &body, 404);
    let (status, list) = t.get("/api/v1/reflections", Some(&other)).await;
    assert_eq!(
        (status, list["total"].clone(), list["items"].clone()),
        (200, json!(0), json!([]))
    );
    let hits = t
        .search_until(&owner, "burnout", 1, std::time::Duration::from_secs(2))
        .await;
    assert_eq!(hits["total"], 1);
    let hits = t
        .search_until(&other, "burnout", 0, std::time::Duration::from_millis(300))
        .await;
    assert_eq!(hits["total"], 0);
    let (status, read) = t.get(&path, Some(&owner)).await;
    assert_eq!(
        (status, read["title"].clone()),
        (200, json!("Private reflection on burnout"))
    );
}

#[tokio::test]
async fn stored_markdown_comes_back_sanitised() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let mut body = entry("Sanitising", "2026-02-01", "other");
    body["body"] = json!(
        "Hello <script>alert('x')</script> [link](javascript:alert(1)) <img src=x onerror=alert(2)> **bold**"
    );
    let id = t.create_entry(&token, &body).await;
    let (_, read) = t
        .get(&format!("/api/v1/reflections/{id}"), Some(&token))
        .await;
    assert_eq!(
        read["body"], body["body"],
        "the Markdown source is kept as written"
    );
    let html = read["body_html"].as_str().unwrap();
    assert_eq!(
        html,
        "<p>Hello  <a rel=\"noopener noreferrer nofollow\">link</a> <img src=\"x\"> <strong>bold</strong></p>\n"
    );
}

#[tokio::test]
async fn list_filters_and_pages() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    for (title, date, kind, tag) in [
        ("A", "2026-01-05", "work_based_learning", "copm"),
        ("B", "2026-02-05", "formal_education", "sensory"),
        ("C", "2026-03-05", "work_based_learning", "copm"),
        ("D", "2026-04-05", "self_directed_learning", "reading"),
    ] {
        let mut e = entry(title, date, kind);
        e["tags"] = json!([tag]);
        t.create_entry(&token, &e).await;
    }
    let titles = |v: &serde_json::Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let (_, all) = t.get("/api/v1/reflections", Some(&token)).await;
    assert_eq!(titles(&all), ["D", "C", "B", "A"]);
    let (_, page) = t
        .get("/api/v1/reflections?limit=2&offset=1", Some(&token))
        .await;
    assert_eq!(
        (titles(&page), page["total"].clone()),
        (vec!["C".to_owned(), "B".to_owned()], json!(4))
    );
    let (_, typed) = t
        .get(
            "/api/v1/reflections?activity_type=work_based_learning",
            Some(&token),
        )
        .await;
    assert_eq!(titles(&typed), ["C", "A"]);
    let (_, tagged) = t
        .get("/api/v1/reflections?tag=COPM&from=2026-02-01", Some(&token))
        .await;
    assert_eq!(titles(&tagged), ["C"]);
    let (_, ranged) = t
        .get(
            "/api/v1/reflections?from=2026-02-05&to=2026-03-05",
            Some(&token),
        )
        .await;
    assert_eq!(titles(&ranged), ["C", "B"]);
}

#[tokio::test]
async fn reflection_models_are_served_from_content() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let (status, models) = t.get("/api/v1/reflection-models", Some(&token)).await;
    assert_eq!(status, 200);
    let keys: Vec<&str> = models
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["gibbs", "driscoll", "kolb", "schon", "rolfe", "free"]
    );
    assert_eq!(models[0]["stages"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn training_catalogue_is_served_from_content() {
    let t = TestApp::spawn().await;
    let (status, body) = t.get("/api/v1/catalogue/training", None).await;
    assert_problem(status, &body, 401);
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let (status, courses) = t.get("/api/v1/catalogue/training", Some(&token)).await;
    assert_eq!(status, 200);
    let ig = courses
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "information-governance-l1")
        .unwrap();
    assert_eq!(ig["refresher_months"], 12);
    assert_eq!(ig["required_for"], json!(["all"]));
    assert_eq!(courses.as_array().unwrap().len(), 19);
}
