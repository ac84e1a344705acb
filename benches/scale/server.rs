//! The release binary as an operator runs it: started on a data
//! directory, ready when `/readyz` answers 200, stopped with SIGTERM (a
//! clean stop) or killed with SIGKILL (a crash).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    /// Starts `cpdfolio serve` on `data` and returns it with the time from
    /// launch to ready.
    pub async fn start(data: &Path) -> (Self, Duration) {
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_cpdfolio"))
            .arg("serve")
            .env("CPDFOLIO_DATA_DIR", data)
            .env("CPDFOLIO_LISTEN", "127.0.0.1:0")
            .env("CPDFOLIO_ALERTS_ENABLED", "false")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.next().unwrap().unwrap();
        let url = line
            .strip_prefix("cpdfolio listening on ")
            .and_then(|rest| rest.split(' ').next())
            .unwrap()
            .to_owned();
        let http = reqwest::Client::new();
        loop {
            let ready = http.get(format!("{url}/readyz")).send().await;
            if ready.is_ok_and(|r| r.status() == 200) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        (Self { child, url }, started.elapsed())
    }

    /// Resident and peak-resident memory, in bytes.
    pub fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let field = |name: &str| -> u64 {
            let line = status.lines().find(|l| l.starts_with(name)).unwrap();
            line.split_whitespace()
                .nth(1)
                .unwrap()
                .parse::<u64>()
                .unwrap()
                * 1024
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// SIGTERM, and wait for the clean stop.
    pub fn stop(mut self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        assert!(self.child.wait().unwrap().success());
    }

    /// SIGKILL: no clean stop.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}
