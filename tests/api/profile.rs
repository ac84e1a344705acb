use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn profile_reports_gaps_mixture_and_word_counts() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let (status, _, _) = t
        .send(t.http.patch(t.url("/api/v1/me")).json(&json!({"practice_summary": "I am an occupational therapist in primary care.", "hcpc_number": "ot12345"})), Some(&token))
        .await;
    assert_eq!(status, 200);
    let (_, me) = t.get("/api/v1/me", Some(&token)).await;
    assert_eq!(
        (
            &me["practice_summary_words"],
            &me["practice_summary_word_limit"]
        ),
        (&json!(8), &json!(500))
    );
    t.create_entry(
        &token,
        &entry(
            "Reading on occupational balance",
            "2025-01-10",
            "self_directed_learning",
        ),
    )
    .await;
    t.create_entry(
        &token,
        &entry("Article on sleep", "2025-02-10", "self_directed_learning"),
    )
    .await;
    t.create_entry(
        &token,
        &entry(
            "Podcast on activity analysis",
            "2025-06-20",
            "self_directed_learning",
        ),
    )
    .await;
    let (status, p) = t
        .get(
            "/api/v1/me/cpd-profile?from=2025-01-01&to=2025-07-01",
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["person"]["hcpc_number"], "OT12345");
    assert_eq!(p["practice_summary"]["words"], 8);
    assert_eq!(p["practice_summary"]["within_limit"], true);
    let numbers: Vec<(u64, &str)> = p["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["number"].as_u64().unwrap(), a["date"].as_str().unwrap()))
        .collect();
    assert_eq!(
        numbers,
        [(1, "2025-01-10"), (2, "2025-02-10"), (3, "2025-06-20")]
    );
    assert_eq!(p["checks"]["mixture"]["is_mixture"], false);
    assert_eq!(
        p["checks"]["mixture"]["types"],
        json!([{"activity_type": "self_directed_learning", "label": "Self-directed learning", "count": 3}])
    );
    assert_eq!(
        p["checks"]["gaps"],
        json!([{"from": "2025-02-10", "to": "2025-06-20", "days": 130, "open": false}])
    );
    assert_eq!(p["evidence"][0]["number"], 1);
    assert_eq!(
        p["evidence"][3]["description"],
        "Reflective record: Podcast on activity analysis (20 June 2025)"
    );
    let statement = &p["statement"];
    assert_eq!(statement["sections"].as_array().unwrap().len(), 4);
    let words: u64 = statement["words"].as_u64().unwrap();
    assert!(words > 50 && words < 1500, "{words}");
    assert_eq!(statement["within_limit"], true);

    let (status, _, headers) = t
        .send(
            t.http
                .get(t.url("/api/v1/me/cpd-profile?from=2025-01-01&to=2025-07-01&format=markdown")),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/markdown; charset=utf-8");
    let md = t
        .http
        .get(t.url("/api/v1/me/cpd-profile?from=2025-01-01&to=2025-07-01&format=markdown"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(md.contains("- **Mixture of activities (standard 2):** **no**: 1 activity type(s); standard 2 asks for at least two"), "{md}");
    assert!(
        md.contains("  - 10 February 2025 to 20 June 2025: 130 days"),
        "{md}"
    );
    assert!(
        md.contains(
            "| 3 | 20 June 2025 | Podcast on activity analysis | Self-directed learning | 1.5 | 4 |"
        ),
        "{md}"
    );
    let html = t
        .http
        .get(t.url("/api/v1/me/cpd-profile?from=2025-01-01&to=2025-07-01&format=html"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<h2>3. Personal statement</h2>"), "{html}");
    assert!(
        html.contains("<strong>no</strong>: 1 activity type(s)"),
        "{html}"
    );
}

#[tokio::test]
async fn profile_counts_statement_words_against_the_limit() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let mut long = entry("A very long reflection", "2026-01-10", "formal_education");
    long["learning"] = json!("insight ".repeat(550));
    long["impact"] = json!("change ".repeat(550));
    long["benefit"] = json!("benefit ".repeat(550));
    t.create_entry(&token, &long).await;
    t.create_entry(
        &token,
        &entry("Peer discussion", "2026-02-10", "work_based_learning"),
    )
    .await;
    let (_, p) = t
        .get(
            "/api/v1/me/cpd-profile?from=2026-01-01&to=2026-03-01",
            Some(&token),
        )
        .await;
    assert!(p["statement"]["words"].as_u64().unwrap() > 1600);
    assert_eq!(p["statement"]["within_limit"], false);
    assert_eq!(p["checks"]["statement_within_limit"], false);
    assert_eq!(p["checks"]["mixture"]["is_mixture"], true);
    assert_eq!(p["checks"]["gaps"], json!([]));
}

#[tokio::test]
async fn profile_rejects_bad_periods() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let (status, body) = t
        .get(
            "/api/v1/me/cpd-profile?from=2026-02-01&to=2026-01-01",
            Some(&token),
        )
        .await;
    assert_problem(status, &body, 422);
    let (status, body) = t
        .get("/api/v1/me/cpd-profile?from=2025-02-30", Some(&token))
        .await;
    assert_problem(status, &body, 400);
    let (status, body) = t
        .get("/api/v1/me/cpd-profile?format=odt", Some(&token))
        .await;
    assert_problem(status, &body, 400);
}
