//! Portfolio benchmark: list and search latency for a practitioner with
//! 2,000 records of mixed kinds (and for their lead), and upload throughput
//! for 10 MB attachments, the server time and size of every kind of web
//! page (as the practitioner and as the lead), the profile as PDF and
//! DOCX, the evidence bundle of 100 items with 50 MiB of attachments (its
//! time and the peak memory above idle while it is written and streamed),
//! then the portable record: exporting everything (the records and the
//! 50 MiB of uploads) and importing it on a second server. Real server on loopback, embedded SurrealKV with fsync on every
//! commit, in a temporary directory.
//!
//! `cargo test --release --bench portfolio` for release figures, or
//! `cargo test --bench portfolio` with the warm test build. Set
//! CPDFOLIO_BENCH_N to change the number of records (default 2,000).

mod common;

use std::time::Instant;

use common::{Bench, percentile, report};
use cpdfolio::domain::user::Role;
use serde_json::{Value, json};

const COLLECTIONS: [&str; 4] = ["reflections", "supervision", "audits", "training"];
const QUERIES: [&str; 5] = [
    "falls",
    "supervision risk",
    "\"graded activity\"",
    "course",
    "wellbeing OR caseload",
];

fn record(kind: &str, i: usize, supervisor: &str) -> Value {
    let day = format!("2025-{:02}-{:02}", 1 + i % 12, 1 + i % 28);
    match kind {
        "reflections" => json!({
            "title": format!("Graded activity reflection {i}"),
            "activity_date": day, "activity_type": "work_based_learning",
            "body": format!("graded activity with a person after falls, note {i}"),
        }),
        "supervision" => json!({
            "date": day, "duration_minutes": 60, "supervision_type": "clinical",
            "supervisor_id": supervisor, "topics": ["caseload", "wellbeing"],
            "reflection": format!("supervision on risk and caseload {i}"),
        }),
        "audits" => json!({
            "title": format!("Falls audit {i}"), "audit_kind": "clinical_audit",
            "started_on": day, "findings": format!("falls pathway findings {i}"),
        }),
        _ => json!({
            "course": "fire-safety-l1", "completed_on": day,
            "notes": format!("course completed at the surgery {i}"),
        }),
    }
}

#[tokio::main]
async fn main() {
    let n = common::size(2_000);
    let bench = Bench::start().await;
    let team = Some("Bench PCN");
    bench
        .user("sam@example.nhs.uk", Role::Practitioner, team)
        .await;
    let supervisor = bench
        .user("jo@example.nhs.uk", Role::Practitioner, team)
        .await;
    bench.user("lead@example.nhs.uk", Role::Lead, team).await;
    let sam = bench.login("sam@example.nhs.uk").await;
    let lead = bench.login("lead@example.nhs.uk").await;
    let (app, base, http) = (&bench.app, &bench.base, &bench.http);

    let started = Instant::now();
    for i in 0..n {
        let kind = COLLECTIONS[i % 4];
        bench
            .create(
                &sam,
                &format!("/api/v1/{kind}"),
                &record(kind, i, &supervisor),
            )
            .await;
    }
    println!(
        "created {n} mixed records (a quarter of each kind) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    app.flush_search().await.unwrap();

    for (who, token) in [("practitioner", &sam), ("lead", &lead)] {
        let mut list = Vec::new();
        for _ in 0..50 {
            for kind in COLLECTIONS {
                list.push(
                    bench
                        .timed_get(&format!("/api/v1/{kind}?limit=20"), token)
                        .await,
                );
            }
        }
        report(&format!("list (page of 20) as {who}"), list);
        let mut search = Vec::new();
        for _ in 0..40 {
            for q in QUERIES {
                let path = format!(
                    "/api/v1/search?q={}&limit=20",
                    q.replace(' ', "%20").replace('"', "%22")
                );
                search.push(bench.timed_get(&path, token).await);
            }
        }
        report(&format!("search as {who}"), search);
    }

    pages(&bench, &sam, &lead).await;
    profile_documents(&bench, &sam, n).await;
    evidence_bundle(&bench).await;

    let first: Value = http
        .get(format!("{base}/api/v1/audits?limit=1"))
        .bearer_auth(&sam)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let audit = first["items"][0]["id"].as_str().unwrap().to_owned();
    let size = 10 * 1024 * 1024;
    let mut uploads = Vec::new();
    for round in 0..5u8 {
        let mut file = b"%PDF-1.7\n".to_vec();
        file.resize(size, b'a' + round);
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(file).file_name("report.pdf"),
        );
        let t = Instant::now();
        let resp = http
            .post(format!("{base}/api/v1/audits/{audit}/attachments"))
            .bearer_auth(&sam)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
        uploads.push(t.elapsed());
    }
    uploads.sort();
    let median = percentile(&uploads, 0.5);
    println!(
        "upload 10 MiB: {} uploads; median {:?} ({:.0} MiB/s), max {:?}",
        uploads.len(),
        median,
        10.0 / median.as_secs_f64(),
        uploads[uploads.len() - 1]
    );

    portable(&bench, &sam, n).await;
}

/// Times five exports of everything the practitioner owns and one import
/// of the export into an empty account on a second server, with the
/// import's peak memory.
async fn portable(bench: &Bench, token: &str, n: usize) {
    let mut exports = Vec::new();
    let mut zip = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let resp = bench
            .http
            .get(format!("{}/api/v1/me/export", bench.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        zip = resp.bytes().await.unwrap().to_vec();
        exports.push(t.elapsed());
    }
    println!("export zip: {:.1} MiB", zip.len() as f64 / 1_048_576.0);
    report(
        &format!("export of {n} records and 50 MiB of files"),
        exports,
    );

    let there = Bench::start().await;
    there
        .user("sam@example.nhs.uk", Role::Practitioner, None)
        .await;
    let sam = there.login("sam@example.nhs.uk").await;
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let idle = memory_kib("VmRSS");
    let t = Instant::now();
    let resp = there
        .http
        .post(format!("{}/api/v1/me/import", there.base))
        .bearer_auth(&sam)
        .header("content-type", "application/zip")
        .body(zip)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap();
    assert_eq!(status, 201, "{body}");
    println!(
        "import of the export on a second server: {:?} ({body}); peak memory {} MiB above idle (the zip itself already in memory)",
        t.elapsed(),
        memory_kib("VmHWM").saturating_sub(idle) / 1024
    );
}

/// A browser session: a client that does not follow redirects, and the
/// cookies signing in left.
async fn web_session(base: &str, email: &str) -> (reqwest::Client, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut jar = std::collections::BTreeMap::new();
    let keep = |jar: &mut std::collections::BTreeMap<String, String>, resp: &reqwest::Response| {
        for set in resp.headers().get_all("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            jar.insert(name.to_owned(), value.to_owned());
        }
    };
    let form = http.get(format!("{base}/sign-in")).send().await.unwrap();
    keep(&mut jar, &form);
    let html = form.text().await.unwrap();
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker).unwrap() + marker.len();
    let csrf = &html[start..start + html[start..].find('"').unwrap()];
    let cookie = |jar: &std::collections::BTreeMap<String, String>| {
        jar.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let signed_in = http
        .post(format!("{base}/sign-in"))
        .header("cookie", cookie(&jar))
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("csrf", csrf),
            ("email", email),
            ("password", common::PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status().as_u16(), 303);
    keep(&mut jar, &signed_in);
    (http, cookie(&jar))
}

/// An API document as JSON.
async fn get_json(bench: &Bench, token: &str, path: &str) -> Value {
    bench
        .http
        .get(format!("{}{path}", bench.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The first id of a list in the API.
async fn first_id(bench: &Bench, token: &str, path: &str) -> String {
    get_json(bench, token, path).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Server time of each page, 30 requests each, and the largest page with
/// its stylesheet.
/// The profile of every record as a PDF and as a Word document: server
/// time including typesetting, and the size of each.
async fn profile_documents(bench: &Bench, sam: &str, n: usize) {
    for format in ["pdf", "docx"] {
        let path = format!("/api/v1/me/cpd-profile?format={format}&from=2024-01-01");
        let mut times = Vec::new();
        for _ in 0..20 {
            times.push(bench.timed_get(&path, sam).await);
        }
        let bytes = bench
            .http
            .get(format!("{}{path}", bench.base))
            .bearer_auth(sam)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .len();
        report(
            &format!("profile as {format} ({n} records, {} KiB)", bytes / 1024),
            times,
        );
    }
}

/// A person with 50 reflections, each with a 1 MiB scan attached: the
/// bundle's 100 pieces of evidence (and the activity list) five times,
/// each streamed to a sink, with the peak resident memory above what the
/// process held just before (the peak is reset through
/// `/proc/self/clear_refs`).
async fn evidence_bundle(bench: &Bench) {
    bench
        .user("ana@example.nhs.uk", Role::Practitioner, None)
        .await;
    let ana = bench.login("ana@example.nhs.uk").await;
    for i in 0..50usize {
        let created = bench
            .create(&ana, "/api/v1/reflections", &record("reflections", i, ""))
            .await;
        let id = created["id"].as_str().unwrap();
        let mut scan = b"%PDF-1.7\n".to_vec();
        let mut x = (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        scan.extend((0..1024 * 1024).map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        }));
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(scan).file_name(format!("scan {i}.pdf")),
        );
        let resp = bench
            .http
            .post(format!(
                "{}/api/v1/reflections/{id}/attachments",
                bench.base
            ))
            .bearer_auth(&ana)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
    }
    let path = format!(
        "{}/api/v1/me/cpd-profile/bundle?from=2024-01-01",
        bench.base
    );
    let (mut times, mut peaks, mut size) = (Vec::new(), Vec::new(), 0);
    for _ in 0..5 {
        std::fs::write("/proc/self/clear_refs", "5").unwrap();
        let idle = memory_kib("VmRSS");
        let t = Instant::now();
        let mut resp = bench
            .http
            .get(&path)
            .bearer_auth(&ana)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        size = 0;
        while let Some(chunk) = resp.chunk().await.unwrap() {
            size += chunk.len();
        }
        times.push(t.elapsed());
        peaks.push(memory_kib("VmHWM").saturating_sub(idle));
    }
    report(
        &format!(
            "evidence bundle (100 items, 50 MiB attached, {} MiB zip)",
            size >> 20
        ),
        times,
    );
    peaks.sort();
    println!(
        "evidence bundle peak memory above idle: median {} MiB, max {} MiB",
        peaks[peaks.len() / 2] / 1024,
        peaks[peaks.len() - 1] / 1024
    );
}

/// A figure from `/proc/self/status`, in KiB.
fn memory_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

async fn pages(bench: &Bench, sam: &str, lead: &str) {
    let reflection = first_id(bench, sam, "/api/v1/reflections?limit=1").await;
    let supervision = first_id(bench, sam, "/api/v1/supervision?limit=1").await;
    let audit = first_id(bench, sam, "/api/v1/audits?limit=1").await;
    let teams = get_json(bench, lead, "/api/v1/teams").await;
    let team = teams[0]["id"].as_str().unwrap().to_owned();
    let practitioner_pages = vec![
        "/".to_owned(),
        "/reflections".to_owned(),
        "/reflections?q=falls".to_owned(),
        format!("/reflections/{reflection}"),
        format!("/reflections/{reflection}/edit"),
        format!("/reflections/{reflection}/history"),
        "/supervision".to_owned(),
        format!("/supervision/{supervision}"),
        "/training".to_owned(),
        "/audits".to_owned(),
        format!("/audits/{audit}"),
        "/profile".to_owned(),
        "/profile/evidence?from=2024-01-01".to_owned(),
        "/objectives".to_owned(),
        "/appraisal".to_owned(),
        "/account".to_owned(),
        "/account/access-log".to_owned(),
    ];
    let lead_pages = vec!["/".to_owned(), "/team".to_owned(), format!("/team/{team}")];
    let mut largest = (0, String::new());
    let (mut css, mut script) = (0, 0);
    for (who, email, paths) in [
        ("practitioner", "sam@example.nhs.uk", practitioner_pages),
        ("lead", "lead@example.nhs.uk", lead_pages),
    ] {
        let (http, cookie) = web_session(&bench.base, email).await;
        for path in paths {
            let mut times = Vec::new();
            for _ in 0..30 {
                let t = Instant::now();
                let resp = http
                    .get(format!("{}{path}", bench.base))
                    .header("cookie", &cookie)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status().as_u16(), 200, "{path}");
                let html = resp.text().await.unwrap();
                times.push(t.elapsed());
                if html.len() > largest.0 {
                    largest = (html.len(), path.clone());
                }
                if css == 0 {
                    css = asset_size(&http, &bench.base, &html, r#"rel="stylesheet" href=""#).await;
                    script = asset_size(&http, &bench.base, &html, r#"<script src=""#).await;
                }
            }
            report(&format!("page {path} as {who}"), times);
        }
    }
    println!(
        "largest page: {} ({} bytes of HTML, {} bytes of CSS, {} bytes of script)",
        largest.1, largest.0, css, script
    );
}

/// The size of the asset a page links after `marker` (0 if it links none).
async fn asset_size(http: &reqwest::Client, base: &str, html: &str, marker: &str) -> usize {
    let Some(at) = html.find(marker) else {
        return 0;
    };
    let start = at + marker.len();
    let href = &html[start..start + html[start..].find('"').unwrap()];
    let asset = http.get(format!("{base}{href}")).send().await.unwrap();
    asset.bytes().await.unwrap().len()
}
