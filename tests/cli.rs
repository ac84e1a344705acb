//! The real binary: a subcommand against a data directory held by a
//! running server stops at once with a clear message; an acknowledged write
//! survives `kill -9`; an alert run killed mid-send loses no email and
//! sends none twice.

mod binary;
#[path = "api/smtp.rs"]
mod smtp;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use binary::{cpdfolio, start_server};

#[test]
fn commands_refuse_a_data_directory_held_by_a_running_server() {
    let data = tempfile::tempdir().unwrap();
    let created = cpdfolio(data.path())
        .args([
            "user",
            "create",
            "--email",
            "admin@example.nhs.uk",
            "--name",
            "Admin",
            "--role",
            "admin",
        ])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(
        String::from_utf8_lossy(&created.stdout)
            .starts_with("created admin account admin@example.nhs.uk")
    );

    let started = Instant::now();
    let (mut server, url) = start_server(data.path());
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(started.elapsed() < Duration::from_secs(60));

    for args in [
        vec!["reindex"],
        vec!["migrate"],
        vec!["alerts", "run", "--dry-run"],
    ] {
        let began = Instant::now();
        let out = cpdfolio(data.path()).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains(
                "is in use by another cpdfolio process (probably a running `cpdfolio serve`)"
            ),
            "{stderr}"
        );
        assert!(
            !stderr.contains("panicked") && !stderr.contains("stack backtrace"),
            "{stderr}"
        );
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "{args:?} took {:?}",
            began.elapsed()
        );
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let out = cpdfolio(data.path()).arg("reindex").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("search index rebuilt: 0 entries"));
}

/// Creates `ot@example.nhs.uk` with the command line, as an operator would.
/// The server turns transparent huge pages off for itself (see
/// `src/main.rs`): the kernel reports it in the process status.
#[test]
fn the_server_runs_without_transparent_huge_pages() {
    let data = tempfile::tempdir().unwrap();
    let (mut server, _) = start_server(data.path());
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.id())).unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let line = status.lines().find(|l| l.starts_with("THP_enabled:"));
    assert_eq!(
        line.map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["THP_enabled:", "0"])
    );
}

fn create_practitioner(data: &std::path::Path) {
    create_practitioner_as(data, "ot@example.nhs.uk");
}

fn create_practitioner_as(data: &std::path::Path, email: &str) {
    binary::create_account(data, email, "practitioner", None);
}

async fn login(http: &reqwest::Client, url: &str) -> String {
    login_as(http, url, "ot@example.nhs.uk").await
}

async fn login_as(http: &reqwest::Client, url: &str, email: &str) -> String {
    binary::sign_in(http, url, email).await
}

#[tokio::test]
async fn an_acknowledged_write_survives_kill_9() {
    let data = tempfile::tempdir().unwrap();
    create_practitioner(data.path());
    let (mut server, url) = start_server(data.path());
    let http = reqwest::Client::new();
    let token = login(&http, &url).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let resp = http
            .post(format!("{url}/api/v1/reflections"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"title": format!("Durable {i}"), "activity_date": "2026-01-10", "activity_type": "other", "body": "kept after a crash"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
        let body: serde_json::Value = resp.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    // SIGKILL straight after the last acknowledgement: no graceful shutdown.
    server.kill().unwrap();
    server.wait().unwrap();
    let torn = binary::log_segments(&data.path().join("db"));
    assert!(!torn.is_empty(), "a crash leaves the engine's log");

    let (mut server, url) = start_server(data.path());
    // New commits go to a segment of their own, never after a torn tail.
    let after = binary::log_segments(&data.path().join("db"));
    assert_eq!(after.last(), Some(&(torn.last().unwrap() + 1)), "{after:?}");
    let token = login(&http, &url).await;
    for (i, id) in ids.iter().enumerate() {
        let (status, body) =
            binary::get_json(&http, &format!("{url}/api/v1/reflections/{id}"), &token).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["title"], format!("Durable {i}"));
    }
    let (status, found) = binary::get_json(
        &http,
        &format!("{url}/api/v1/search?q=crash&limit=100"),
        &token,
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(
        found["total"], 20,
        "the index is rebuilt or in step after the crash: {found}"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

/// Uploads are received into the data directory: a server whose system
/// temporary directory is unusable still takes files, and the file it
/// sends back is the one it was given.
#[tokio::test]
async fn uploads_never_touch_the_system_temporary_directory() {
    let data = tempfile::tempdir().unwrap();
    create_practitioner(data.path());
    let mut cmd = cpdfolio(data.path());
    cmd.env("TMPDIR", data.path().join("no-such-directory"));
    let (mut server, url) = binary::start_server_with(cmd);
    let http = reqwest::Client::new();
    let token = login(&http, &url).await;
    let entry: serde_json::Value = http
        .post(format!("{url}/api/v1/reflections"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"title": "Falls", "activity_date": "2026-01-10", "activity_type": "other", "body": "x"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".repeat(2000);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(pdf.clone()).file_name("certificate.pdf"),
    );
    let resp = http
        .post(format!(
            "{url}/api/v1/reflections/{}/attachments",
            entry["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let attached: serde_json::Value = resp.json().await.unwrap();
    let downloaded = http
        .get(format!("{url}{}", attached["href"].as_str().unwrap()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(downloaded.len(), pdf.len());
    assert!(downloaded == pdf, "the download is the uploaded file");
    assert_eq!(
        std::fs::read_dir(data.path().join("incoming"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn an_esr_export_imports_once_and_a_bad_one_names_its_lines() {
    let data = tempfile::tempdir().unwrap();
    create_practitioner(data.path());
    let admin = cpdfolio(data.path())
        .args(["user", "create", "--email", "admin@example.nhs.uk"])
        .args(["--name", "Admin", "--role", "admin"])
        .output()
        .unwrap();
    assert!(
        admin.status.success(),
        "{}",
        String::from_utf8_lossy(&admin.stderr)
    );
    let header = "Email Address,Competency Name,Date Last Awarded,Expiry Date\n";
    let good = data.path().join("esr.csv");
    std::fs::write(
        &good,
        format!("{header}OT@example.nhs.uk,NHS|CSTF|Fire Safety - 2 Years|,30-Nov-2025,\n"),
    )
    .unwrap();
    let import = |file: &std::path::Path| {
        cpdfolio(data.path())
            .args(["import", "esr"])
            .arg(file)
            .args(["--admin", "admin@example.nhs.uk"])
            .output()
            .unwrap()
    };

    let first = import(&good);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&first.stdout),
        "imported 1 training records; 0 already held, 0 lines ignored, 0 repeated\n"
    );
    let again = import(&good);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        "imported 0 training records; 1 already held, 0 lines ignored, 0 repeated\n"
    );

    let bad = data.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!("{header}nobody@example.nhs.uk,NHS|CSTF|Fire Safety - 2 Years|,30-Nov-2025,\nOT@example.nhs.uk,Juggling,30-Nov-2025,\n"),
    )
    .unwrap();
    let refused = import(&bad);
    assert_eq!(refused.status.code(), Some(1));
    // The message is exact; the embedded database may log a warning of its
    // own (surrealkv, closing the store) while the process shuts down.
    let stderr = String::from_utf8_lossy(&refused.stderr);
    let message: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains("surrealkv::"))
        .collect();
    assert_eq!(
        message,
        [
            "error: nothing imported; 2 problems:",
            "  line 2: nobody@example.nhs.uk is not an active account that keeps a portfolio",
            "  line 3: competence \"Juggling\" is neither mapped to a course nor ignored in content/esr/mapping.toml",
        ],
        "{stderr}"
    );
}

/// `alerts run --dry-run --as-of` lists what would go on that date; a bad
/// date, or `--as-of` without `--dry-run`, is a clear error.
#[test]
fn a_dry_run_as_of_a_date_and_its_bad_input() {
    let data = tempfile::tempdir().unwrap();
    let out = cpdfolio(data.path())
        .args(["alerts", "run", "--dry-run", "--as-of", "2027-04-02"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("compliance email(s) due (dry run, nothing sent) on 2027-04-02"),
        "{stdout}"
    );
    for args in [
        vec!["alerts", "run", "--dry-run", "--as-of", "2027-02-30"],
        vec!["alerts", "run", "--as-of", "2027-04-02"],
    ] {
        let out = cpdfolio(data.path()).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            stderr.contains("--as-of") || stderr.contains("YYYY-MM-DD"),
            "{args:?}: {stderr}"
        );
    }
}

/// `CPDFOLIO_LOG_FORMAT=json` writes each log line as one JSON object, its
/// fields typed; without it the lines are text, without colour codes when
/// stderr is not a terminal.
#[test]
fn logs_are_json_lines_when_asked() {
    let data = tempfile::tempdir().unwrap();
    let run = |format: Option<&str>| {
        let mut cmd = cpdfolio(data.path());
        cmd.args(["alerts", "run", "--dry-run"])
            .env("CPDFOLIO_LOG", "info");
        match format {
            Some(f) => cmd.env("CPDFOLIO_LOG_FORMAT", f),
            None => cmd.env_remove("CPDFOLIO_LOG_FORMAT"),
        };
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let json = run(Some("json"));
    let lines: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let finished = lines
        .iter()
        .find(|l| l["fields"]["message"] == "alert run finished")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(
        (
            &finished["level"],
            &finished["fields"]["dry_run"],
            &finished["fields"]["sent"]
        ),
        (
            &serde_json::json!("INFO"),
            &serde_json::json!(true),
            &serde_json::json!(0)
        )
    );
    let text = run(None);
    let line = text
        .lines()
        .find(|l| l.contains("alert run finished"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        serde_json::from_str::<serde_json::Value>(line).is_err(),
        "{line}"
    );
    assert!(
        line.contains(" INFO ") && line.contains("dry_run=true") && !line.contains('\u{1b}'),
        "{line}"
    );
}

const CLAIM_SECONDS: u64 = 6;

/// `alerts run` against the loopback SMTP server on `port`; its stdout.
fn alerts_run(data: &std::path::Path, port: u16) -> std::process::Command {
    let mut cmd = cpdfolio(data);
    cmd.args(["alerts", "run"])
        .env("CPDFOLIO_SMTP_URL", format!("smtp://127.0.0.1:{port}"))
        .env("CPDFOLIO_ALERT_CLAIM_SECONDS", CLAIM_SECONDS.to_string());
    cmd
}

fn stdout_of(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Five people each with a long-lapsed certificate, so one email each. The
/// run is killed (SIGKILL) while the SMTP server holds the second message
/// unanswered. The next run sends the three never tried and leaves the one
/// in flight to its claim; once the claim has run out, the run after sends
/// it. Every person gets exactly one email, each with its own Message-ID.
#[tokio::test]
async fn an_alert_run_killed_mid_send_loses_nothing_and_sends_nothing_twice() {
    let data = tempfile::tempdir().unwrap();
    let people: Vec<String> = (1..=5).map(|i| format!("ot{i}@example.nhs.uk")).collect();
    for email in &people {
        create_practitioner_as(data.path(), email);
    }
    let (mut server, url) = start_server(data.path());
    let http = reqwest::Client::new();
    for email in &people {
        let token = login_as(&http, &url, email).await;
        let status = http
            .post(format!("{url}/api/v1/training"))
            .bearer_auth(token)
            .json(&serde_json::json!({"course": "fire-safety-l1", "completed_on": "2023-01-10", "notes": ""}))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 201);
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let (smtp, port) = smtp::smtp_server();
    smtp.hold_from.store(1, Ordering::SeqCst);
    let mut run = alerts_run(data.path(), port)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let began = Instant::now();
    while smtp.held.load(Ordering::SeqCst) == 0 {
        assert!(began.elapsed() < Duration::from_secs(60), "nothing held");
        std::thread::sleep(Duration::from_millis(2));
    }
    run.kill().unwrap();
    run.wait().unwrap();
    let killed_at = Instant::now();
    smtp.hold_from.store(0, Ordering::SeqCst);
    assert_eq!(smtp.received.lock().unwrap().len(), 1);

    let second = stdout_of(&mut alerts_run(data.path(), port));
    assert!(
        second.contains("0 compliance email(s) newly queued"),
        "{second}"
    );
    assert!(second.contains("3 delivered by SMTP, 0 failed"), "{second}");
    assert_eq!(smtp.received.lock().unwrap().len(), 4);

    std::thread::sleep(Duration::from_secs(CLAIM_SECONDS + 1).saturating_sub(killed_at.elapsed()));
    let third = stdout_of(&mut alerts_run(data.path(), port));
    assert!(third.contains("1 delivered by SMTP, 0 failed"), "{third}");
    let fourth = stdout_of(&mut alerts_run(data.path(), port));
    assert!(fourth.contains("0 delivered by SMTP, 0 failed"), "{fourth}");

    let received = smtp.received.lock().unwrap().clone();
    let mut recipients: Vec<String> = received.iter().flat_map(|(to, _)| to.clone()).collect();
    recipients.sort();
    assert_eq!(recipients, people);
    let mut ids: Vec<&str> = received
        .iter()
        .filter_map(|(_, m)| {
            m.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 5);
}

/// `export --user` writes the person's portable record to a file.
#[test]
fn export_writes_a_persons_portfolio_zip() {
    let data = tempfile::tempdir().unwrap();
    create_practitioner(data.path());
    let out = data.path().join("ot.zip");
    let done = cpdfolio(data.path())
        .args(["export", "--user", "OT@example.nhs.uk", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&done.stdout),
        format!("wrote {} (2 files, manifest last)\n", out.display())
    );
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut person = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("person.json").unwrap(), &mut person)
        .unwrap();
    assert!(
        person.contains("\"email\": \"ot@example.nhs.uk\""),
        "{person}"
    );
    let nobody = cpdfolio(data.path())
        .args(["export", "--user", "nobody@example.nhs.uk", "--out"])
        .arg(data.path().join("nobody.zip"))
        .output()
        .unwrap();
    assert_eq!(nobody.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&nobody.stderr)
            .contains("no account with the email nobody@example.nhs.uk")
    );
    assert!(!data.path().join("nobody.zip").exists());
}

/// `backup` of a stopped server and `restore` into a new data directory:
/// the restored directory backs up to the same database dump, and an
/// account created before the backup signs in to the restored server.
#[test]
fn backup_and_restore_round_trip_through_the_command_line() {
    let (data, target) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    create_practitioner(data.path());
    let first = data.path().join("backup-1");
    let done = cpdfolio(data.path())
        .arg("backup")
        .arg(&first)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&done.stdout);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(
        stdout.contains("0 attachment file(s) (0 bytes); manifest sha256 "),
        "{stdout}"
    );

    let again = cpdfolio(data.path())
        .arg("backup")
        .arg(&first)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr)
            .contains("is not empty: back up into a new directory")
    );

    let done = cpdfolio(target.path())
        .arg("restore")
        .arg(&first)
        .output()
        .unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(String::from_utf8_lossy(&done.stdout).contains(": 0 record(s), 0 attachment file(s)"));
    let second = target.path().join("backup-2");
    let done = cpdfolio(target.path())
        .arg("backup")
        .arg(&second)
        .output()
        .unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let dump = |dir: &std::path::Path| std::fs::read(dir.join("database.surql")).unwrap();
    assert_eq!(dump(&first), dump(&second));

    let (mut server, url) = start_server(target.path());
    let token = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(login(&reqwest::Client::new(), &url));
    assert_eq!(token.len(), 43, "a session token: {token}");
    server.kill().unwrap();
    server.wait().unwrap();
}

/// SIGTERM stops the server cleanly: it finishes, commits the index and
/// records the commit, so the next start-up need not compare the index
/// with the database; a `kill -9` leaves no such record.
#[tokio::test]
async fn sigterm_leaves_a_clean_stop_record_and_kill_9_does_not() {
    let data = tempfile::tempdir().unwrap();
    create_practitioner(data.path());
    let marker = data.path().join("index-clean-stop");
    let (mut server, url) = start_server(data.path());
    let http = reqwest::Client::new();
    let token = login(&http, &url).await;
    let created = http
        .post(format!("{url}/api/v1/reflections"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"title": "Before the stop", "activity_date": "2026-01-10", "activity_type": "other", "body": "committed at the stop"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let term = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    assert!(server.wait().unwrap().success(), "a clean stop exits 0");
    assert!(marker.exists(), "the clean stop is recorded");

    let (mut server, url) = start_server(data.path());
    assert!(!marker.exists(), "start-up takes the record away");
    let token = login(&http, &url).await;
    let (_, found) =
        binary::get_json(&http, &format!("{url}/api/v1/search?q=committed"), &token).await;
    assert_eq!(found["total"], 1, "{found}");
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(!marker.exists(), "kill -9 records nothing");
}
