//! The ESR import over HTTP: a competence export becomes verified,
//! marked training records in the right portfolios; a second import of the
//! same file changes nothing; a file with any bad line imports nothing and
//! names every bad line; only admins may import.

use serde_json::{Value, json};

use crate::helpers::*;

const HEADER: &str = "Employee Number,Email Address,Competency Name,Date Last Awarded,Expiry Date,Compliance Status\n";

/// Riverside's two members and an admin, with their tokens.
struct Setup {
    t: TestApp,
    admin: String,
    admin_id: String,
    sam_id: String,
    sam: String,
    lead: String,
}

async fn setup() -> Setup {
    let t = TestApp::spawn().await;
    let (admin_id, admin) = t.admin().await;
    let sam_id = t
        .user(
            "sam@example.nhs.uk",
            role("practitioner"),
            Some("Riverside"),
        )
        .await;
    t.user("jo@example.nhs.uk", role("practitioner"), Some("Riverside"))
        .await;
    t.user("lead@example.nhs.uk", role("lead"), Some("Riverside"))
        .await;
    Setup {
        sam: t.login("sam@example.nhs.uk").await,
        lead: t.login("lead@example.nhs.uk").await,
        t,
        admin,
        admin_id,
        sam_id,
    }
}

fn export() -> String {
    format!(
        "{HEADER}\
         1001,Sam@Example.nhs.uk,NHS|CSTF|Fire Safety - 2 Years|,30-Nov-2025,30-Nov-2027,Compliant\n\
         1001,sam@example.nhs.uk,NHS|CSTF|Information Governance and Data Security - 1 Year|,02/03/2026,,Compliant\n\
         1001,sam@example.nhs.uk,NHS|MAND|Local Induction|,01-Jan-2020,,Compliant\n\
         1002,jo@example.nhs.uk,NHS|CSTF|Fire Safety - 2 Years|,2024-01-15,2026-01-15,Not Compliant\n"
    )
}

async fn import(t: &TestApp, token: &str, query: &str, csv: &[u8]) -> (u16, Value) {
    let resp = t
        .http
        .post(t.url(&format!("/api/v1/admin/imports/esr{query}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_vec())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn training_of(t: &TestApp, token: &str) -> Vec<Value> {
    let (status, page) = t.get("/api/v1/training", Some(token)).await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_export_becomes_verified_training_marked_as_imported() {
    let s = setup().await;
    let (status, report) = import(&s.t, &s.admin, "", export().as_bytes()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report,
        json!({"imported": 3, "already_held": 0, "ignored": 1, "repeated": 0, "dry_run": false})
    );

    let records = training_of(&s.t, &s.sam).await;
    let summary: Vec<(&str, &str, Value, &str)> = records
        .iter()
        .map(|r| {
            (
                r["course"].as_str().unwrap(),
                r["completed_on"].as_str().unwrap(),
                r["expires_on"].clone(),
                r["owner_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "information-governance-l1",
                "2026-03-02",
                json!("2027-03-02"),
                s.sam_id.as_str()
            ),
            (
                "fire-safety-l1",
                "2025-11-30",
                json!("2027-11-30"),
                s.sam_id.as_str()
            ),
        ]
    );
    let fire = &records[1];
    assert_eq!(fire["provider"], "NHS Electronic Staff Record");
    assert_eq!(fire["certificate_expires_on"], "2027-11-30");
    assert_eq!(fire["imported"]["source"], "esr");
    assert!(fire["imported"]["on"].is_string(), "{fire}");
    assert_eq!(fire["workflow"]["verified_by"], s.admin_id.as_str());
    assert_eq!(records[0]["certificate_expires_on"], Value::Null);

    let (_, log) = s.t.get("/api/v1/me/access-log", Some(&s.sam)).await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["import", "import"], "{log}");
    let lead_sees = training_of(&s.t, &s.lead).await;
    assert_eq!(
        lead_sees.len(),
        3,
        "the lead lists the team's imported training"
    );
}

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing() {
    let s = setup().await;
    let (status, _) = import(&s.t, &s.admin, "", export().as_bytes()).await;
    assert_eq!(status, 200);
    let before = training_of(&s.t, &s.lead).await;

    let (status, report) = import(&s.t, &s.admin, "", export().as_bytes()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report,
        json!({"imported": 0, "already_held": 3, "ignored": 1, "repeated": 0, "dry_run": false})
    );
    assert_eq!(training_of(&s.t, &s.lead).await, before);
}

#[tokio::test]
async fn a_completion_already_recorded_by_hand_is_not_imported_again() {
    let s = setup().await;
    let (status, _) =
        s.t.post(
            "/api/v1/training",
            Some(&s.sam),
            &training("fire-safety-l1", "2025-11-30", "Certificate from the trust"),
        )
        .await;
    assert_eq!(status, 201);
    let (status, report) = import(&s.t, &s.admin, "", export().as_bytes()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["imported"].clone(), report["already_held"].clone()),
        (json!(2), json!(1))
    );
    let notes: Vec<&str> = training_of(&s.t, &s.sam)
        .await
        .iter()
        .filter(|r| r["course"] == "fire-safety-l1")
        .map(|r| r["notes"].as_str().unwrap().to_owned())
        .map(|n| if n.is_empty() { "imported" } else { "by hand" })
        .collect();
    assert_eq!(notes, ["by hand"]);
}

#[tokio::test]
async fn a_dry_run_reports_and_writes_nothing() {
    let s = setup().await;
    let (status, report) = import(&s.t, &s.admin, "?dry_run=true", export().as_bytes()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report,
        json!({"imported": 3, "already_held": 0, "ignored": 1, "repeated": 0, "dry_run": true})
    );
    assert_eq!(training_of(&s.t, &s.lead).await, Vec::<Value>::new());
}

#[tokio::test]
async fn a_file_with_bad_lines_imports_nothing_and_names_every_line() {
    let s = setup().await;
    let csv = format!(
        "{}\
         1003,nobody@example.nhs.uk,NHS|CSTF|Fire Safety - 2 Years|,30-Nov-2025,,\n\
         1004,admin@example.nhs.uk,NHS|CSTF|Fire Safety - 2 Years|,30-Nov-2025,,\n\
         1001,sam@example.nhs.uk,=HYPERLINK(\"http://evil.example\"),30-Nov-2025,,\n\
         1001,sam@example.nhs.uk,NHS|CSTF|Fire Safety - 2 Years|,31-Nov-2025,,\n",
        export()
    );
    let (status, problem) = import(&s.t, &s.admin, "", csv.as_bytes()).await;
    assert_problem(status, &problem, 422);
    let errors: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        ["line 6", "line 7", "line 8", "line 9"],
        "{problem}"
    );
    assert_eq!(
        errors[0].1,
        "nobody@example.nhs.uk is not an active account that keeps a portfolio"
    );
    assert_eq!(
        errors[1].1,
        "admin@example.nhs.uk is not an active account that keeps a portfolio"
    );
    assert!(
        errors[2].1.starts_with("competence \"=HYPERLINK("),
        "{problem}"
    );
    assert!(
        errors[3].1.starts_with("the date achieved \"31-Nov-2025\""),
        "{problem}"
    );
    assert_eq!(training_of(&s.t, &s.lead).await, Vec::<Value>::new());
}

#[tokio::test]
async fn a_file_that_is_not_a_usable_export_is_refused_with_the_reason() {
    let s = setup().await;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"Name,Course\nSam,Fire\n".to_vec(),
            "the header row has no column \"Email Address\", \"Competency Name\", \"Date Last Awarded\", \"Expiry Date\" (the columns are set in content/esr/mapping.toml)",
        ),
        (
            [
                HEADER.as_bytes(),
                b"1,s\xe1m@example.nhs.uk,x,2025-01-01,,\n",
            ]
            .concat(),
            "line 2 is not UTF-8 text: save the export as \"CSV UTF-8\"",
        ),
        (Vec::new(), "is empty"),
    ];
    for (csv, message) in cases {
        let (status, problem) = import(&s.t, &s.admin, "", &csv).await;
        assert_problem(status, &problem, 422);
        assert_eq!(problem["errors"][0]["field"], "file");
        assert_eq!(problem["errors"][0]["message"], message, "{problem}");
    }
    assert_eq!(training_of(&s.t, &s.lead).await, Vec::<Value>::new());
}

#[tokio::test]
async fn only_an_admin_imports_and_only_csv_up_to_the_file_limit() {
    let s = setup().await;
    let (status, problem) = import(&s.t, &s.lead, "", export().as_bytes()).await;
    assert_problem(status, &problem, 403);
    let (status, problem) = import(&s.t, &s.sam, "", export().as_bytes()).await;
    assert_problem(status, &problem, 403);

    let resp =
        s.t.http
            .post(s.t.url("/api/v1/admin/imports/esr"))
            .bearer_auth(&s.admin)
            .header("content-type", "application/json")
            .body(export())
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status().as_u16(), 415);

    let huge = vec![b'a'; s.t.app.config().max_attachment_bytes + 1];
    let (status, problem) = import(&s.t, &s.admin, "", &huge).await;
    assert_problem(status, &problem, 413);
    assert_eq!(training_of(&s.t, &s.lead).await, Vec::<Value>::new());
}

#[tokio::test]
async fn an_edit_by_the_owner_removes_the_import_mark_and_the_verification() {
    let s = setup().await;
    let (status, _) = import(&s.t, &s.admin, "", export().as_bytes()).await;
    assert_eq!(status, 200);
    let fire = training_of(&s.t, &s.sam).await[1].clone();
    assert_eq!(fire["imported"]["source"], "esr");

    let path = format!("/api/v1/training/{}", fire["id"].as_str().unwrap());
    let (status, edited) =
        s.t.put(
            &path,
            Some(&s.sam),
            &training("fire-safety-l1", "2025-11-30", "Renewed notes"),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["imported"], Value::Null);
    assert_eq!(edited["workflow"]["verified_at"], Value::Null);
}
