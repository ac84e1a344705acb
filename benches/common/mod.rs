//! What every benchmark needs: a real server on loopback over embedded
//! SurrealKV (fsync on every commit) in a temporary directory, accounts,
//! sessions, timed requests and the median/p99 summary.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use cpdfolio::app::{Clock, SystemClock};
use cpdfolio::domain::user::{NewUser, Role};
use cpdfolio::storage::Migrations;
use cpdfolio::{App, Config};
use poem::listener::{Acceptor, Listener, TcpListener};
use serde_json::{Value, json};

/// The allocator the server binary uses (`src/main.rs`), so the figures
/// are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub const PASSWORD: &str = "benchmark passphrase 1";

/// A running server and the handles a benchmark drives it with.
pub struct Bench {
    pub app: App,
    pub base: String,
    pub http: reqwest::Client,
    config: Config,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    committer: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Bench {
    pub async fn start() -> Self {
        Self::start_with_clock(Arc::new(SystemClock)).await
    }

    /// As [`Bench::start`], the server reading the time from `clock`.
    pub async fn start_with_clock(clock: Arc<dyn Clock>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_owned(),
            content_dir: None,
            alerts_enabled: false,
            ..Config::default()
        };
        let app = App::open_with_clock(config.clone(), &Migrations::embedded(), clock)
            .await
            .unwrap();
        let committer = app.spawn_background_tasks();
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .unwrap();
        let addr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
        let routes = cpdfolio::http::routes(app.clone());
        let server =
            tokio::spawn(
                async move { poem::Server::new_with_acceptor(acceptor).run(routes).await },
            );
        Self {
            app,
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            config,
            server,
            committer,
            _dir: dir,
        }
    }

    /// Stops the server cleanly, as SIGTERM does, and hands back its
    /// configuration and data directory.
    pub async fn stop(self) -> (Config, tempfile::TempDir) {
        drop(self.http);
        self.server.abort();
        let _ = self.server.await;
        self.committer.abort();
        let _ = self.committer.await;
        // Connections still open hold the application until they close.
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.app.close().await.unwrap();
        drop(self.app);
        cpdfolio::storage::wait_until_released(&self.config.database_dir()).await;
        (self.config, self._dir)
    }

    /// Stops the server cleanly and times opening its data directory again,
    /// `rounds` times each way: after a clean stop (the index is trusted)
    /// and after a stop without one, as after a crash (the index is
    /// compared with the database).
    pub async fn time_start_ups(self, rounds: usize) -> (Vec<Duration>, Vec<Duration>) {
        let (config, _dir) = self.stop().await;
        let (mut clean, mut crashed) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            for after_clean_stop in [true, false] {
                cpdfolio::storage::wait_until_released(&config.database_dir()).await;
                let started = Instant::now();
                let app = App::open(config.clone(), &Migrations::embedded())
                    .await
                    .unwrap();
                let took = started.elapsed();
                if after_clean_stop {
                    clean.push(took);
                } else {
                    crashed.push(took);
                    app.close().await.unwrap();
                }
            }
        }
        (clean, crashed)
    }

    /// Creates an account (a lead leads `team`) and returns its id.
    pub async fn user(&self, email: &str, role: Role, team: Option<&str>) -> String {
        self.app
            .create_user(NewUser {
                email: email.into(),
                name: email.into(),
                role,
                team: team.map(str::to_owned),
                hcpc_number: None,
                password: PASSWORD.into(),
            })
            .await
            .unwrap()
            .id
    }

    pub async fn login(&self, email: &str) -> String {
        login_at(&self.http, &self.base, email).await
    }

    /// `people` practitioners `p0@…`, `p1@…` in teams of `team_size`
    /// ("Team 0", "Team 1" …), each team with a lead `lead0@…`; returns the
    /// practitioners' (email, id).
    pub async fn teams_of(&self, people: usize, team_size: usize) -> Vec<(String, String)> {
        let started = Instant::now();
        let mut members = Vec::new();
        for person in 0..people {
            let team = format!("Team {}", person / team_size);
            let email = format!("p{person}@example.nhs.uk");
            let id = self.user(&email, Role::Practitioner, Some(&team)).await;
            members.push((email, id));
        }
        for team in 0..people.div_ceil(team_size) {
            let email = format!("lead{team}@example.nhs.uk");
            self.user(&email, Role::Lead, Some(&format!("Team {team}")))
                .await;
        }
        println!(
            "created {people} people and their leads in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        members
    }

    /// POSTs `body` to `path` and expects 201.
    pub async fn create(&self, token: &str, path: &str, body: &Value) -> Value {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201, "{path}");
        resp.json().await.unwrap()
    }

    /// The time a GET of `path` takes, body included; expects 200.
    pub async fn timed_get(&self, path: &str, token: &str) -> Duration {
        timed_get_at(&self.http, &self.base, path, token).await.0
    }
}

/// Signs in to the server at `base` with the benchmark password.
pub async fn login_at(http: &reqwest::Client, base: &str, email: &str) -> String {
    let body: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// The time a GET of `path` takes, body included (expects 200), and the
/// body as JSON (null if it is not).
pub async fn timed_get_at(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
) -> (Duration, Value) {
    let t = Instant::now();
    let resp = http
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{path}");
    let body = resp.bytes().await.unwrap();
    let took = t.elapsed();
    (took, serde_json::from_slice(&body).unwrap_or_default())
}

/// The value below which a fraction `p` of the sorted samples fall.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Prints the median, p99 and maximum of `samples`.
pub fn report(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{what}: {} requests; median {:?}, p99 {:?}, max {:?}",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        samples[samples.len() - 1]
    );
}

/// `CPDFOLIO_BENCH_N`, or `default`.
pub fn size(default: usize) -> usize {
    std::env::var("CPDFOLIO_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
