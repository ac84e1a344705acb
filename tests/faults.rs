//! Fault trials against the real binary, run by `scripts/faults.sh` (not by
//! the test command: 200 trials take minutes). Each trial serves the same
//! data directory, first checks that every write acknowledged before the
//! previous `kill -9` is there, then runs 16 concurrent writers (reflections,
//! audits with a PDF attached, supervision records signed off by the
//! supervisor) and kills the server with SIGKILL at a varying moment. The
//! writers write for eight people, two each, so creates by different people
//! arrive together and share transactions (`app/create_queue.rs`) while a
//! person's own creates still take turns.

mod binary;
#[path = "faults/startup.rs"]
mod startup;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use binary::{get_json, start_server, start_server_with};
use sha2::{Digest, Sha256};

const WRITERS: usize = 16;

/// The people the writers write for.
const AUTHORS: usize = 8;

fn author_email(author: usize) -> String {
    format!("ot{author}@example.nhs.uk")
}

/// Writes the server answered with success, to look for after the crash,
/// each with the number of the author who can read it.
#[derive(Default, Clone)]
struct Acknowledged {
    reflections: Vec<(usize, String, String)>,
    files: Vec<(usize, String, String)>,
    signed: Vec<(usize, String)>,
}

impl Acknowledged {
    fn counts(&self) -> (usize, usize, usize) {
        (self.reflections.len(), self.files.len(), self.signed.len())
    }
}

#[derive(Clone)]
struct Writer {
    http: reqwest::Client,
    url: String,
    /// The number of the person written for, and their token.
    author: (usize, String),
    supervisor: String,
    supervisor_id: String,
    trial: usize,
}

/// The server, run in a memory cgroup of `FAULT_MEMORY_LIMIT` bytes when
/// that is set: below 1 GiB SurrealKV sizes its in-memory table at 64 MiB
/// rather than 1 GiB, so its log rotates within a few dozen trials.
fn server(data: &std::path::Path) -> std::process::Command {
    match std::env::var("FAULT_MEMORY_LIMIT") {
        Ok(limit) => binary::cpdfolio_memory_limited(data, &limit),
        Err(_) => binary::cpdfolio(data),
    }
}

/// Words added to each reflection, `FAULT_BODY_BYTES` long (none unless
/// set): commits larger than the engine's 32 KiB log blocks span blocks,
/// which a kill can leave half written (see `binary::log_ends_mid_commit`).
fn padding() -> String {
    let bytes: usize = std::env::var("FAULT_BODY_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    " practice".repeat(bytes / " practice".len())
}

fn create_user(data: &std::path::Path, email: &str) {
    binary::create_account(data, email, "practitioner", Some("Trial Team"));
}

async fn login(http: &reqwest::Client, url: &str, email: &str) -> (String, String) {
    let token = binary::sign_in(http, url, email).await;
    let (_, me) = get_json(http, &format!("{url}/api/v1/me"), &token).await;
    (token, me["id"].as_str().unwrap().to_owned())
}

impl Writer {
    async fn post(
        &self,
        path: &str,
        token: &str,
        body: serde_json::Value,
    ) -> Option<serde_json::Value> {
        let resp = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .ok()?;
        if !resp.status().is_success() {
            return None;
        }
        resp.json().await.ok()
    }

    async fn reflection(&self, tag: &str, acked: &Mutex<Acknowledged>) -> Option<()> {
        let title = format!("Fault reflection {tag}");
        let trial = self.trial;
        let text = format!("trialmark{trial} entry written under load{}", padding());
        let body = serde_json::json!({"title": title, "activity_date": "2026-01-10", "activity_type": "other", "body": text, "tags": [format!("trial{trial}")]});
        let created = self
            .post("/api/v1/reflections", &self.author.1, body)
            .await?;
        let id = created["id"].as_str()?.to_owned();
        acked
            .lock()
            .unwrap()
            .reflections
            .push((self.author.0, id, title));
        Some(())
    }

    async fn audit_with_file(&self, tag: &str, acked: &Mutex<Acknowledged>) -> Option<()> {
        let body = serde_json::json!({"title": format!("Fault audit {tag}"), "audit_kind": "clinical_audit", "my_role": "lead auditor", "standard": "NICE NG249", "started_on": "2026-01-05", "completed_on": "2026-02-27", "findings": "62% had a plan", "actions": "Teach the pathway"});
        let created = self.post("/api/v1/audits", &self.author.1, body).await?;
        let bytes = format!("%PDF-1.7\n% fault trial {tag}\n%%EOF\n").into_bytes();
        let sha = hex::encode(Sha256::digest(&bytes));
        let part = reqwest::multipart::Part::bytes(bytes).file_name("audit.pdf");
        let resp = self
            .http
            .post(format!(
                "{}/api/v1/audits/{}/attachments",
                self.url,
                created["id"].as_str()?
            ))
            .bearer_auth(&self.author.1)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .ok()?;
        if resp.status().as_u16() != 201 {
            return None;
        }
        let file: serde_json::Value = resp.json().await.ok()?;
        acked
            .lock()
            .unwrap()
            .files
            .push((self.author.0, file["href"].as_str()?.to_owned(), sha));
        Some(())
    }

    async fn signed_supervision(&self, acked: &Mutex<Acknowledged>) -> Option<()> {
        let body = serde_json::json!({"date": "2026-03-02", "duration_minutes": 60, "supervision_type": "clinical", "topics": ["caseload"], "reflection": "We discussed risk.", "supervisor_id": self.supervisor_id});
        let created = self
            .post("/api/v1/supervision", &self.author.1, body)
            .await?;
        let base = format!("/api/v1/supervision/{}", created["id"].as_str()?);
        self.post(
            &format!("{base}/submit"),
            &self.author.1,
            serde_json::json!({}),
        )
        .await?;
        self.post(
            &format!("{base}/sign-off"),
            &self.supervisor,
            serde_json::json!({}),
        )
        .await?;
        acked.lock().unwrap().signed.push((self.author.0, base));
        Some(())
    }

    /// Writes until the server stops answering.
    async fn run(self, n: usize, acked: Arc<Mutex<Acknowledged>>) {
        for step in 0.. {
            let tag = format!("{n}-{step}-{}", uuid_like(n, step));
            let done = match (n + step) % 3 {
                0 => self.reflection(&tag, &acked).await,
                1 => self.audit_with_file(&tag, &acked).await,
                _ => self.signed_supervision(&acked).await,
            };
            if done.is_none() {
                return;
            }
        }
    }
}

/// The highest write-ahead log segment of the embedded store: it grows when
/// the engine rotates its log (a full in-memory table), the moment whose
/// commit SurrealKV 0.21 can lose (see `tests/engine_durability.rs`).
fn newest_log_segment(data: &std::path::Path) -> u64 {
    binary::log_segments(&data.join("db")).pop().unwrap_or(0)
}

fn uuid_like(n: usize, step: usize) -> u64 {
    (n as u64) << 32 | step as u64
}

/// What the engine's log went through around a trial, named when a write
/// is lost: the two moments SurrealKV 0.21 can lose commits at.
#[derive(Clone, Copy, Default)]
struct LogEvents {
    /// The previous kill left the log ending mid-commit.
    torn_before: bool,
    /// The engine rotated its log during the trial.
    rotated: bool,
}

/// Every acknowledged write in `acked[from..]` is there, and the search
/// index holds exactly the reflections the database holds from `trial`
/// for each author (acknowledged or not: the kill may come after the commit
/// and before the answer).
async fn verify(
    url: &str,
    authors: &[String],
    acked: &Acknowledged,
    from: (usize, usize, usize),
    trial: usize,
    log: LogEvents,
) {
    let context = format!(
        "trial {trial}; the log was left mid-commit before it: {}; it rotated during it: {}",
        log.torn_before, log.rotated
    );
    let http = reqwest::Client::new();
    for (author, id, title) in &acked.reflections[from.0..] {
        let (status, body) = get_json(
            &http,
            &format!("{url}/api/v1/reflections/{id}"),
            &authors[*author],
        )
        .await;
        assert_eq!(
            (status, &body["title"]),
            (200, &serde_json::json!(title)),
            "lost reflection {id} ({context})"
        );
    }
    for (author, href, sha) in &acked.files[from.1..] {
        let resp = http
            .get(format!("{url}{href}"))
            .bearer_auth(&authors[*author])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "lost file {href} ({context})");
        assert_eq!(
            &hex::encode(Sha256::digest(resp.bytes().await.unwrap())),
            sha,
            "changed file {href}"
        );
    }
    for (author, base) in &acked.signed[from.2..] {
        let (status, body) = get_json(&http, &format!("{url}{base}"), &authors[*author]).await;
        assert_eq!(
            (status, &body["workflow"]["status"]),
            (200, &serde_json::json!("signed")),
            "lost sign-off {base} ({context})"
        );
    }
    for author in authors {
        let (_, listed) = get_json(
            &http,
            &format!("{url}/api/v1/reflections?tag=trial{trial}&limit=100"),
            author,
        )
        .await;
        let (_, found) = get_json(
            &http,
            &format!("{url}/api/v1/search?q=trialmark{trial}&limit=1"),
            author,
        )
        .await;
        assert_eq!(listed["total_is_exact"], true, "{listed}");
        assert_eq!(
            found["total"], listed["total"],
            "the index matches the database after start-up ({context})"
        );
    }
}

/// Each author's token after the first's, signed in one after another.
async fn sign_in_authors(http: &reqwest::Client, url: &str, first: String) -> Vec<String> {
    let mut tokens = vec![first];
    for author in 1..AUTHORS {
        tokens.push(login(http, url, &author_email(author)).await.0);
    }
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "minutes long; run by scripts/faults.sh"]
async fn kill_9_during_concurrent_writes_loses_no_acknowledged_write() {
    let trials: usize = std::env::var("FAULT_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let data = tempfile::tempdir().unwrap();
    for author in 0..AUTHORS {
        create_user(data.path(), &author_email(author));
    }
    create_user(data.path(), "jo@example.nhs.uk");
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let mut checked = (0, 0, 0);
    let (mut reopened, mut slowest_start) = (0usize, Duration::ZERO);
    let (mut log, mut rotations, mut torn_tails) = (LogEvents::default(), 0usize, 0usize);
    let began = Instant::now();
    for trial in 0..=trials {
        let started = Instant::now();
        let torn_now = binary::log_ends_mid_commit(&data.path().join("db"));
        torn_tails += usize::from(torn_now);
        let (mut server, url) = start_server_with(server(data.path()));
        let http = reqwest::Client::new();
        let (first_author, _) = login(&http, &url, &author_email(0)).await;
        slowest_start = slowest_start.max(started.elapsed());
        let authors = sign_in_authors(&http, &url, first_author).await;
        reopened += 1;
        let snapshot = acked.lock().unwrap().clone();
        verify(
            &url,
            &authors,
            &snapshot,
            checked,
            trial.saturating_sub(1),
            log,
        )
        .await;
        log.torn_before = torn_now;
        checked = snapshot.counts();
        if trial == trials {
            server.kill().unwrap();
            server.wait().unwrap();
            break;
        }
        let (supervisor, supervisor_id) = login(&http, &url, "jo@example.nhs.uk").await;
        let segment_at_start = newest_log_segment(data.path());
        let mut writers = tokio::task::JoinSet::new();
        for n in 0..WRITERS {
            let author = n % AUTHORS;
            let writer = Writer {
                http: http.clone(),
                url: url.clone(),
                author: (author, authors[author].clone()),
                supervisor: supervisor.clone(),
                supervisor_id: supervisor_id.clone(),
                trial,
            };
            writers.spawn(writer.run(n, Arc::clone(&acked)));
        }
        tokio::time::sleep(Duration::from_millis(300 + (trial as u64 * 7919) % 1200)).await;
        server.kill().unwrap();
        server.wait().unwrap();
        writers.join_all().await;
        log.rotated = newest_log_segment(data.path()) > segment_at_start;
        rotations += usize::from(log.rotated);
    }
    let acked = acked.lock().unwrap();
    eprintln!(
        "fault trials: {trials} kill -9 during {WRITERS} writers; {} reflections, {} files, {} sign-offs acknowledged, 0 lost; reopened {reopened} times (slowest start to first login {} ms); index matched the database every time; the engine rotated its log during {rotations} trials; the log ended mid-commit after {torn_tails} kills; {} s",
        acked.reflections.len(),
        acked.files.len(),
        acked.signed.len(),
        slowest_start.as_millis(),
        began.elapsed().as_secs()
    );
}

/// A data directory on a small file system (`FAULT_SMALL_DISK`, which
/// `scripts/faults.sh` mounts as a 64 MiB tmpfs) filled to the last byte:
/// writes are refused with 507 problem+json, what was stored still reads
/// back, and writes work again once space is freed, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a small file system; run by scripts/faults.sh"]
async fn a_full_disk_refuses_writes_keeps_data_and_recovers() {
    let Ok(disk) = std::env::var("FAULT_SMALL_DISK") else {
        eprintln!("disk full: skipped (FAULT_SMALL_DISK is not set)");
        return;
    };
    let data = std::path::Path::new(&disk).join("data");
    std::fs::create_dir_all(&data).unwrap();
    create_user(&data, "ot@example.nhs.uk");
    let (mut server, url) = start_server(&data);
    let http = reqwest::Client::new();
    let (token, _) = login(&http, &url, "ot@example.nhs.uk").await;
    let write = |n: usize| {
        let req = http
            .post(format!("{url}/api/v1/reflections"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"title": format!("Before the disk filled {n}"), "activity_date": "2026-01-10", "activity_type": "other", "body": "faultcheck kept when the disk is full"}));
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let kind = resp
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned());
            (
                status,
                kind,
                resp.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }
    };
    let mut kept = Vec::new();
    for n in 0..5 {
        let (status, _, body) = write(n).await;
        assert_eq!(status, 201, "{body}");
        kept.push(body["id"].as_str().unwrap().to_owned());
    }
    let audit = Writer {
        http: http.clone(),
        url: url.clone(),
        author: (0, token.clone()),
        supervisor: String::new(),
        supervisor_id: String::new(),
        trial: 0,
    };
    let body = serde_json::json!({"title": "Audit before the disk filled", "audit_kind": "clinical_audit", "my_role": "lead auditor", "standard": "NICE NG249", "started_on": "2026-01-05", "completed_on": "2026-02-27", "findings": "62%", "actions": "Teach"});
    let audit_id = audit.post("/api/v1/audits", &token, body).await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let filler = std::path::Path::new(&disk).join("filler");
    fill(&filler);
    let mut pdf = b"%PDF-1.7\n%".to_vec();
    pdf.resize(1 << 20, b'x');
    let part = reqwest::multipart::Part::bytes(pdf).file_name("big.pdf");
    // Its own client: the server answers 507 before reading the whole body
    // and closes that connection, which must not be reused.
    let upload = reqwest::Client::new()
        .post(format!("{url}/api/v1/audits/{audit_id}/attachments"))
        .bearer_auth(&token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let upload_status = upload.status().as_u16();
    let mut refusals = std::collections::BTreeMap::<u16, usize>::new();
    for n in 0..20 {
        let (status, kind, body) = write(100 + n).await;
        if status == 201 {
            kept.push(body["id"].as_str().unwrap().to_owned());
            continue;
        }
        assert_eq!(
            kind.as_deref(),
            Some("application/problem+json"),
            "{status} {body}"
        );
        *refusals.entry(status).or_default() += 1;
    }
    for id in &kept {
        let (status, _) = get_json(&http, &format!("{url}/api/v1/reflections/{id}"), &token).await;
        assert_eq!(
            status, 200,
            "stored record {id} still reads back on a full disk"
        );
    }
    std::fs::remove_file(&filler).unwrap();
    let (status, _, body) = write(999).await;
    let recovered = status;
    server.kill().unwrap();
    server.wait().unwrap();
    let (mut server, url) = start_server(&data);
    let (token, _) = login(&http, &url, "ot@example.nhs.uk").await;
    for id in &kept {
        let (status, _) = get_json(&http, &format!("{url}/api/v1/reflections/{id}"), &token).await;
        assert_eq!(
            status, 200,
            "record {id} survives the full disk and a restart"
        );
    }
    server.kill().unwrap();
    server.wait().unwrap();
    eprintln!(
        "disk full: refusals by status {refusals:?}; a 1 MiB upload got {upload_status}; write after space returned: {recovered}; {} records kept",
        kept.len()
    );
    assert!(refusals.keys().all(|s| *s == 507), "{refusals:?}");
    assert_eq!(upload_status, 507, "an upload to a full disk");
    assert!(!refusals.is_empty(), "the disk filled");
    assert_eq!(recovered, 201, "{body}");
}

/// Writes zeros to `path` until the file system is full.
fn fill(path: &std::path::Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 1 << 20];
    while file.write_all(&block).is_ok() {}
    let small = vec![0u8; 4096];
    while file.write_all(&small).is_ok() {}
    while file.write_all(&[0]).is_ok() {}
    let _ = file.sync_all();
}
