//! Bad input gets a 4xx problem+json and never changes what is stored.

use serde_json::json;

use crate::helpers::*;

async fn stored_count(t: &TestApp) -> u64 {
    t.app.store().count_reflections().await.unwrap()
}

#[tokio::test]
async fn malformed_and_mistyped_bodies_are_rejected_without_changes() {
    let t = TestApp::spawn_with(|c| c.max_body_bytes = 64 * 1024).await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let id = t
        .create_entry(&token, &entry("Original", "2026-01-10", "other"))
        .await;
    let path = format!("/api/v1/reflections/{id}");
    let (_, before) = t.get(&path, Some(&token)).await;

    let raw_cases: Vec<(Vec<u8>, &str, u16)> = vec![
        (b"{not json".to_vec(), "application/json", 400),
        (b"[]".to_vec(), "application/json", 400),
        (
            b"title=x".to_vec(),
            "application/x-www-form-urlencoded",
            415,
        ),
        (vec![0xff, 0xfe, 0x00], "application/json", 400),
        (
            format!("{{\"title\":\"{}\"}}", "x".repeat(70 * 1024)).into_bytes(),
            "application/json",
            413,
        ),
    ];
    for (body, content_type, expected) in raw_cases {
        for target in ["/api/v1/reflections".to_owned(), path.clone()] {
            let req = if target == path {
                t.http.put(t.url(&target))
            } else {
                t.http.post(t.url(&target))
            };
            let (status, problem, headers) = t
                .send(
                    req.header("content-type", content_type).body(body.clone()),
                    Some(&token),
                )
                .await;
            assert_problem(status, &problem, expected);
            assert_eq!(headers["content-type"], "application/problem+json");
        }
    }

    let typed_cases = [
        (
            json!({"title": {"text": "x"}, "activity_date": "2026-01-10", "activity_type": "other"}),
            400,
        ),
        (
            json!({"title": "x", "activity_date": 20260110, "activity_type": "other"}),
            400,
        ),
        (
            json!({"title": "x", "activity_date": "2026-01-10", "activity_type": "other", "hours": "many"}),
            400,
        ),
        (
            json!({"title": "x", "activity_date": "2025-02-30", "activity_type": "other"}),
            400,
        ),
        (
            json!({"title": "x", "activity_date": "10/01/2026", "activity_type": "other"}),
            400,
        ),
        (
            json!({"title": "x", "activity_date": "2026-01-10", "activity_type": "reading"}),
            400,
        ),
        (
            json!({"title": "x", "activity_date": "2026-01-10", "activity_type": "other", "model": "unknown"}),
            400,
        ),
        (
            json!({"title": "x", "activity_date": "2026-01-10", "activity_type": "other", "standards": [300]}),
            400,
        ),
        (
            json!({"title": "x", "activity_date": "2026-01-10", "activity_type": "other", "surprise": true}),
            400,
        ),
        (
            json!({"activity_date": "2026-01-10", "activity_type": "other"}),
            400,
        ),
        (
            json!({"title": "   ", "activity_date": "2026-01-10", "activity_type": "other"}),
            422,
        ),
        (
            json!({"title": "x".repeat(201), "activity_date": "2026-01-10", "activity_type": "other"}),
            422,
        ),
        (
            json!({"title": "x", "activity_date": "2099-01-10", "activity_type": "other"}),
            422,
        ),
        (
            json!({"title": "x", "activity_date": "2026-01-10", "activity_type": "other", "hours": -1}),
            422,
        ),
        (
            json!({"title": "x", "activity_date": "2026-01-10", "activity_type": "other", "standards": [16]}),
            422,
        ),
        (
            json!({"title": "x", "activity_date": "2026-01-10", "activity_type": "other", "tags": (0..21).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
            422,
        ),
        (
            json!({"title": "x", "activity_date": "2026-01-10", "activity_type": "other", "body": "b".repeat(100_001)}),
            413,
        ),
    ];
    for (body, expected) in typed_cases {
        let (status, problem) = t.post("/api/v1/reflections", Some(&token), &body).await;
        assert_problem(status, &problem, expected);
        let (status, problem) = t.put(&path, Some(&token), &body).await;
        assert_problem(status, &problem, expected);
    }
    assert_eq!(stored_count(&t).await, 1);
    let (_, after) = t.get(&path, Some(&token)).await;
    assert_eq!(after, before);
}

#[tokio::test]
async fn injection_and_unicode_are_stored_as_text() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let title = "'; DELETE reflection; -- ⟨Ünïcødé⟩ 🧠 $author";
    let mut e = entry(title, "2026-01-10", "other");
    e["tags"] = json!(["ça", "'); REMOVE TABLE user; --"]);
    let id = t.create_entry(&token, &e).await;
    let (_, read) = t
        .get(&format!("/api/v1/reflections/{id}"), Some(&token))
        .await;
    assert_eq!(read["title"], title);
    assert_eq!(read["tags"], json!(["ça", "'); remove table user; --"]));
    assert_eq!(t.app.store().count_users().await.unwrap(), 1);
    let (status, list) = t
        .get(
            &format!(
                "/api/v1/reflections?tag={}",
                urlencode("'); REMOVE TABLE user; --")
            ),
            Some(&token),
        )
        .await;
    assert_eq!((status, list["total"].clone()), (200, json!(1)));
}

#[tokio::test]
async fn bad_ids_query_parameters_and_routes_are_4xx() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    for path in [
        "/api/v1/reflections/not-an-id",
        "/api/v1/reflections/..%2F..%2Fuser",
        "/api/v1/reflections/00000000000000000000000000000000",
        "/api/v1/nowhere",
    ] {
        let (status, body) = t.get(path, Some(&token)).await;
        assert_problem(status, &body, 404);
    }
    for path in [
        "/api/v1/reflections?limit=0",
        "/api/v1/reflections?limit=abc",
        "/api/v1/reflections?from=2026-13-01",
        "/api/v1/reflections?activity_type=gardening",
        "/api/v1/reflections?offset=-1",
    ] {
        let (status, body) = t.get(path, Some(&token)).await;
        assert_problem(status, &body, 400);
    }
    let (status, body, _) = t
        .send(t.http.patch(t.url("/api/v1/reflections")), Some(&token))
        .await;
    assert_problem(status, &body, 405);
    let (status, body) = t
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "sam@example.nhs.uk"}),
        )
        .await;
    assert_problem(status, &body, 400);
    let (status, body, _) = t
        .send(
            t.http
                .patch(t.url("/api/v1/me"))
                .json(&json!({"hcpc_number": "12345"})),
            Some(&token),
        )
        .await;
    assert_problem(status, &body, 422);
    assert_eq!(body["errors"][0]["field"], "hcpc_number");
}

#[tokio::test]
async fn a_filter_naming_no_possible_user_lists_nothing() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    t.create_entry(&token, &entry("Mine", "2026-01-10", "other"))
        .await;
    for path in [
        "/api/v1/reflections?author=",
        "/api/v1/reflections?author=%27%20OR%201%3D1",
        "/api/v1/supervision?owner=",
        "/api/v1/training?owner=nobody",
    ] {
        let (status, page) = t.get(path, Some(&token)).await;
        assert_eq!(status, 200, "{path}: {page}");
        assert_eq!(page["total"], 0, "{path}");
        assert_eq!(page["items"], json!([]), "{path}");
    }
}

#[tokio::test]
async fn a_method_the_path_does_not_answer_is_405_with_allow() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let req = t
        .http
        .request(reqwest::Method::PATCH, t.url("/api/v1/reflections"));
    let (status, problem, headers) = t.send(req, Some(&token)).await;
    assert_problem(status, &problem, 405);
    assert_eq!(headers["allow"], "GET, POST");
}

/// A 400 for a value of the wrong kind names the field and what it must
/// be, so a client need not guess among a dozen fields.
#[tokio::test]
async fn a_wrongly_typed_field_is_named_in_the_problem() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("typed@example.nhs.uk").await;
    let cases = [
        (
            json!({"title": {"text": "x"}, "activity_date": "2026-01-10", "activity_type": "other"}),
            "title",
            "must be text, not an object",
        ),
        (
            json!({"title": "x", "activity_date": 20260110, "activity_type": "other"}),
            "activity_date",
            "must be a real date written YYYY-MM-DD",
        ),
        (
            json!({"title": "x", "activity_date": "2025-02-30", "activity_type": "other"}),
            "activity_date",
            "must be a real date written YYYY-MM-DD",
        ),
        (
            json!({"title": "x", "activity_date": "2026-01-10", "activity_type": "other", "hours": "many"}),
            "hours",
            "must be a number, not text",
        ),
        (
            json!({"title": "x", "activity_date": "2026-01-10", "activity_type": "other", "tags": "one"}),
            "tags",
            "must be a list, not text",
        ),
        (
            json!({"title": "x", "activity_date": "2026-01-10", "activity_type": "other", "standards": [10, 1.5]}),
            "standards[1]",
            "must be a whole number, not a number with a fraction",
        ),
        (
            json!({"title": "x", "activity_date": "2026-01-10", "activity_type": "other",
                   "links": [{"kind": "diary", "id": "0"}]}),
            "links[0].kind",
            "must be one of: reflection, supervision, audit, training, objective",
        ),
    ];
    for (body, field, message) in cases {
        let (status, problem) = t.post("/api/v1/reflections", Some(&token), &body).await;
        assert_problem(status, &problem, 400);
        if field.is_empty() {
            assert!(problem.get("errors").is_none(), "{problem}");
            continue;
        }
        assert_eq!(
            problem["errors"],
            json!([{"field": field, "message": message}]),
            "{body}"
        );
        assert_eq!(problem["detail"], format!("the field {field} is not valid"));
    }
    let (status, problem) = t
        .post(
            "/api/v1/reflections",
            Some(&token),
            &json!({"title": "x", "activity_date": "2026-01-10", "activity_type": "reading"}),
        )
        .await;
    assert_problem(status, &problem, 400);
    assert_eq!(problem["errors"][0]["field"], "activity_type");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("must be one of: "),
        "{problem}"
    );
    let mut session = supervision("2026-03-02", None, "Caseload.");
    session["actions"][1]["due"] = json!("2026-02-30");
    let (status, problem) = t.post("/api/v1/supervision", Some(&token), &session).await;
    assert_problem(status, &problem, 400);
    assert_eq!(
        problem["errors"],
        json!([{"field": "actions[1].due", "message": "must be a real date written YYYY-MM-DD"}])
    );
    let (_, list) = t.get("/api/v1/reflections", Some(&token)).await;
    assert_eq!(list["total"], 0, "nothing was stored");
    let (_, list) = t.get("/api/v1/supervision", Some(&token)).await;
    assert_eq!(list["total"], 0, "nothing was stored");
}
