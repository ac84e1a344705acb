//! A real server per test: a fresh in-memory SurrealDB, a search index in a
//! temporary directory, the shipped content, and HTTP over loopback.

use std::net::SocketAddr;

use cpdfolio::domain::user::{NewUser, Role};
use cpdfolio::storage::Migrations;
use cpdfolio::{App, Config};
use poem::listener::{Acceptor, Listener, TcpListener};
use serde_json::{Value, json};

pub const PASSWORD: &str = "a perfectly long passphrase";

pub struct TestApp {
    pub app: App,
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    pub data: tempfile::TempDir,
}

/// The configuration of a test server: an in-memory database, or, when
/// `CPDFOLIO_TEST_DATABASE_URL` names a SurrealDB server
/// (scripts/server-mode.sh), a database of its own on that server.
pub fn test_config(data: &std::path::Path) -> Config {
    let server = std::env::var("CPDFOLIO_TEST_DATABASE_URL").ok();
    let env = |name: &str| std::env::var(name).ok();
    Config {
        data_dir: data.to_owned(),
        database_name: match server {
            Some(_) => format!("test_{}", cpdfolio::storage::new_id()),
            None => "main".to_owned(),
        },
        database_user: server.as_ref().and(env("CPDFOLIO_TEST_DATABASE_USER")),
        database_password: server
            .as_ref()
            .and(env("CPDFOLIO_TEST_DATABASE_PASSWORD"))
            .map(cpdfolio::config::Secret::new),
        database_url: Some(server.unwrap_or_else(|| "mem://".to_owned())),
        search_commit_ms: 50,
        alerts_enabled: false,
        ..Config::default()
    }
}

/// A test configuration on the embedded on-disk engine, whatever database
/// the other tests use: for what only that engine does (reopening, the
/// data-directory lock, backups).
pub fn disk_config(data: &std::path::Path) -> Config {
    Config {
        database_url: None,
        database_user: None,
        database_password: None,
        database_name: "main".to_owned(),
        ..test_config(data)
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let data = tempfile::tempdir().unwrap();
        let mut config = test_config(data.path());
        adjust(&mut config);
        let app = App::open(config, &Migrations::embedded()).await.unwrap();
        Self::serve(app, data).await
    }

    /// A server that reads the time from `clock`, which the test moves.
    pub async fn spawn_with_clock(clock: std::sync::Arc<cpdfolio::app::FixedClock>) -> Self {
        let data = tempfile::tempdir().unwrap();
        let app = App::open_with_clock(test_config(data.path()), &Migrations::embedded(), clock)
            .await
            .unwrap();
        Self::serve(app, data).await
    }

    /// A server that reads the time from `clock`, with its configuration
    /// adjusted.
    pub async fn spawn_with_clock_and(
        clock: std::sync::Arc<cpdfolio::app::FixedClock>,
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        let data = tempfile::tempdir().unwrap();
        let mut config = test_config(data.path());
        adjust(&mut config);
        let app = App::open_with_clock(config, &Migrations::embedded(), clock)
            .await
            .unwrap();
        Self::serve(app, data).await
    }

    /// Serves an opened application on a loopback port.
    pub async fn serve(app: App, data: tempfile::TempDir) -> Self {
        app.spawn_background_tasks();
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .unwrap();
        let addr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
        let routes = cpdfolio::http::routes(app.clone());
        tokio::spawn(async move { poem::Server::new_with_acceptor(acceptor).run(routes).await });
        Self {
            app,
            addr,
            http: reqwest::Client::new(),
            data,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Creates an account directly and returns its id.
    pub async fn user(&self, email: &str, role: Role, team: Option<&str>) -> String {
        create_user(&self.app, email, role, team).await
    }

    pub async fn login(&self, email: &str) -> String {
        let resp = self
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(resp.0, 200, "{:?}", resp.1);
        resp.1["token"].as_str().unwrap().to_owned()
    }

    /// An admin (admin@example.nhs.uk) with a session token.
    pub async fn admin(&self) -> (String, String) {
        let id = self.user("admin@example.nhs.uk", Role::Admin, None).await;
        (id, self.login("admin@example.nhs.uk").await)
    }

    /// A practitioner with a session token.
    pub async fn practitioner(&self, email: &str) -> (String, String) {
        let id = self.user(email, Role::Practitioner, None).await;
        (id, self.login(email).await)
    }

    pub async fn send(
        &self,
        req: reqwest::RequestBuilder,
        token: Option<&str>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let req = match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body, headers)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let (s, b, _) = self.send(self.http.get(self.url(path)), token).await;
        (s, b)
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let (s, b, _) = self
            .send(self.http.post(self.url(path)).json(body), token)
            .await;
        (s, b)
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let (s, b, _) = self
            .send(self.http.put(self.url(path)).json(body), token)
            .await;
        (s, b)
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let (s, b, _) = self
            .send(self.http.patch(self.url(path)).json(body), token)
            .await;
        (s, b)
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let (s, b, _) = self.send(self.http.delete(self.url(path)), token).await;
        (s, b)
    }

    /// Creates an entry and returns its id.
    pub async fn create_entry(&self, token: &str, body: &Value) -> String {
        let (status, created) = self.post("/api/v1/reflections", Some(token), body).await;
        assert_eq!(status, 201, "{created}");
        created["id"].as_str().unwrap().to_owned()
    }

    /// Waits (at most `limit`) until a search returns `expected` hits.
    pub async fn search_until(
        &self,
        token: &str,
        q: &str,
        expected: usize,
        limit: std::time::Duration,
    ) -> Value {
        let start = std::time::Instant::now();
        loop {
            let (status, body) = self
                .get(&format!("/api/v1/search?q={}", urlencode(q)), Some(token))
                .await;
            assert_eq!(status, 200, "{body}");
            if body["hits"].as_array().unwrap().len() == expected || start.elapsed() > limit {
                return body;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// Creates an account through the use case (password `PASSWORD`) and
/// returns its id.
pub async fn create_user(app: &App, email: &str, role: Role, team: Option<&str>) -> String {
    app.create_user(NewUser {
        email: email.into(),
        name: format!("Test {email}"),
        role,
        team: team.map(str::to_owned),
        hcpc_number: None,
        password: PASSWORD.into(),
    })
    .await
    .unwrap()
    .id
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn entry(title: &str, date: &str, activity_type: &str) -> Value {
    json!({
        "title": title,
        "activity_date": date,
        "activity_type": activity_type,
        "hours": 1.5,
        "model": "gibbs",
        "body": "We discussed graded activity.",
        "learning": "I learnt to grade tasks.",
        "impact": "I now agree smaller first steps.",
        "benefit": "People reach their goals sooner.",
        "tags": ["grading"],
        "standards": [10]
    })
}

pub fn assert_problem(status: u16, body: &Value, expected: u16) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["status"], expected, "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
}

#[allow(dead_code)]
pub fn role(r: &str) -> Role {
    r.parse().unwrap()
}

/// A PNG signature and enough bytes to be a plausible image.
pub fn png_bytes() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend_from_slice(&[0u8; 64]);
    bytes
}

pub fn pdf_bytes(text: &str) -> Vec<u8> {
    format!("%PDF-1.7\n% {text}\n%%EOF\n").into_bytes()
}

impl TestApp {
    /// Uploads `bytes` as multipart field `file` named `file_name`.
    pub async fn upload(
        &self,
        path: &str,
        token: Option<&str>,
        file_name: &str,
        bytes: &[u8],
    ) -> (u16, Value) {
        let boundary = "cpdfolio-test-boundary-7d1f";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.post_multipart(path, token, boundary, body).await
    }

    /// Posts `body` as a multipart form delimited by `boundary`.
    pub async fn post_multipart(
        &self,
        path: &str,
        token: Option<&str>,
        boundary: &str,
        body: Vec<u8>,
    ) -> (u16, Value) {
        let req = self
            .http
            .post(self.url(path))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        let (s, b, _) = self.send(req, token).await;
        (s, b)
    }

    /// Commits the search index so searches see every change.
    pub async fn flush(&self) {
        self.app.flush_search().await.unwrap();
    }
}

pub fn supervision(date: &str, supervisor_id: Option<&str>, reflection: &str) -> Value {
    let mut body = json!({
        "date": date,
        "duration_minutes": 60,
        "supervision_type": "clinical",
        "topics": ["caseload"],
        "reflection": reflection,
        "safeguarding_discussed": true,
        "wellbeing_discussed": true,
        "actions": [
            {"text": "Read the falls guidance", "owner": "supervisee", "due": "2026-04-01"},
            {"text": "Book joint visit", "owner": "supervisor"}
        ],
        "next_date": "2026-04-10"
    });
    match supervisor_id {
        Some(id) => body["supervisor_id"] = json!(id),
        None => {
            body["external_supervisor_name"] = json!("Dr Ann Example");
            body["external_supervisor_role"] = json!("Consultant OT");
        }
    }
    body
}

pub fn audit(title: &str, findings: &str) -> Value {
    json!({
        "title": title,
        "audit_kind": "clinical_audit",
        "my_role": "lead auditor",
        "standard": "NICE NG249 falls",
        "started_on": "2026-01-05",
        "completed_on": "2026-02-27",
        "outcome_measures": ["COPM", "WEMWBS"],
        "findings": findings,
        "actions": "Teach the pathway",
        "reaudit_due": "2027-02-27"
    })
}

pub fn training(course: &str, completed_on: &str, notes: &str) -> Value {
    json!({
        "course": course,
        "completed_on": completed_on,
        "provider": "e-Learning for Healthcare",
        "notes": notes
    })
}

/// A zip archive of uncompressed parts with this comment (CRCs left zero:
/// the server reads only the directory and the headers).
pub fn stored_zip(parts: &[(&str, &[u8])], comment: &[u8]) -> Vec<u8> {
    fn sizes_and_name(v: &mut Vec<u8>, name: &str, data: &[u8], extra: &[u8]) {
        v.extend_from_slice(&[0; 10]);
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(&(name.len() as u16).to_le_bytes());
        v.extend_from_slice(extra);
    }
    let mut out = Vec::new();
    let mut directory = Vec::new();
    for &(name, data) in parts {
        let offset = out.len() as u32;
        out.extend_from_slice(b"PK\x03\x04\x14\0\0\0");
        sizes_and_name(&mut out, name, data, &[0, 0]);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        directory.extend_from_slice(b"PK\x01\x02\x14\0\x14\0\0\0");
        sizes_and_name(&mut directory, name, data, &[0; 12]);
        directory.extend_from_slice(&offset.to_le_bytes());
        directory.extend_from_slice(name.as_bytes());
    }
    let directory_offset = out.len() as u32;
    out.extend_from_slice(&directory);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(directory.len() as u32).to_le_bytes());
    out.extend_from_slice(&directory_offset.to_le_bytes());
    out.extend_from_slice(&(comment.len() as u16).to_le_bytes());
    out.extend_from_slice(comment);
    out
}

/// The parts a minimal Word document has.
pub const DOCX_PARTS: [(&str, &[u8]); 3] = [
    ("[Content_Types].xml", b"<Types/>"),
    ("_rels/.rels", b"<Relationships/>"),
    ("word/document.xml", b"<w:document/>"),
];

/// A practitioner and a lead of the same team, with session tokens:
/// `(practitioner, lead)`.
pub async fn riverside_team(t: &TestApp) -> (String, String) {
    t.user(
        "sam@example.nhs.uk",
        Role::Practitioner,
        Some("Riverside PCN"),
    )
    .await;
    t.user("lead@example.nhs.uk", Role::Lead, Some("Riverside PCN"))
        .await;
    (
        t.login("sam@example.nhs.uk").await,
        t.login("lead@example.nhs.uk").await,
    )
}

/// A training record whose certificate states its own expiry.
pub fn training_with_stated_expiry() -> Value {
    let mut stated = training("resuscitation-adult-bls", "2026-01-31", "");
    stated["certificate_expires_on"] = json!("2026-06-30");
    stated
}

/// Creates `body` in `collection` (`/api/v1/…`), checks the 201 and
/// returns the record's path.
pub async fn create_record(t: &TestApp, token: &str, collection: &str, body: &Value) -> String {
    let (status, created) = t.post(collection, Some(token), body).await;
    assert_eq!(status, 201, "{created}");
    format!("{collection}/{}", created["id"].as_str().unwrap())
}

/// An audit of `sam` on a server that takes attachments of at most 4096
/// bytes, with a stranger: `(sam, stranger, attachments path)`.
pub async fn audit_with_small_attachment_limit() -> (TestApp, String, String, String) {
    let t = TestApp::spawn_with(|c| c.max_attachment_bytes = 4096).await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (_, stranger) = t.practitioner("stranger@example.nhs.uk").await;
    let record = create_record(&t, &sam, "/api/v1/audits", &audit("Falls audit", "62%")).await;
    (t, sam, stranger, format!("{record}/attachments"))
}

/// Where the attachment store keeps the file with this SHA-256.
pub fn stored_file(t: &TestApp, digest: &str) -> std::path::PathBuf {
    t.data
        .path()
        .join("attachments")
        .join(&digest[..2])
        .join(digest)
}
