//! The release binary as an operator runs it: started on a data
//! directory, ready when `/readyz` answers 200, stopped with SIGTERM (a
//! clean stop) or killed with SIGKILL (a crash).

use std::path::Path;
use std::process::{Child, Command};

use super::binary;
use std::time::{Duration, Instant};

/// The servers' log, beside the data directory (which the bench deletes).
fn log_path(data: &Path) -> std::path::PathBuf {
    data.with_extension("server.log")
}

/// The binary's command line, run through a wrapper when the bench asks
/// for one: with `CPDFOLIO_BENCH_MEMORY_LIMIT` (bytes) through
/// `scripts/memory-limited.sh`, as in a container with that memory limit;
/// with `CPDFOLIO_BENCH_AS_UNIT` through `scripts/as-systemd-unit.sh`, as
/// `deploy/cpdfolio.service` runs it.
fn command(data: &Path) -> Command {
    let mut plain = binary::cpdfolio(data);
    plain.env("CPDFOLIO_SERVER_TIMING", "true");
    let (script, args) = match (memory_limit(), as_unit()) {
        (Some(limit), _) => ("scripts/memory-limited.sh", vec![limit]),
        (None, true) => ("scripts/as-systemd-unit.sh", vec![]),
        (None, false) => return plain,
    };
    let mut wrapped = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join(script));
    wrapped.args(args).arg(plain.get_program());
    if let Some(dir) = plain.get_current_dir() {
        wrapped.current_dir(dir);
    }
    for (key, value) in plain.get_envs() {
        match value {
            Some(value) => wrapped.env(key, value),
            None => wrapped.env_remove(key),
        };
    }
    wrapped
}

/// The memory limit the server runs under, in bytes, if one is set.
pub fn memory_limit() -> Option<String> {
    std::env::var("CPDFOLIO_BENCH_MEMORY_LIMIT").ok()
}

/// Whether the server sees /proc as the systemd unit shows it.
pub fn as_unit() -> bool {
    std::env::var_os("CPDFOLIO_BENCH_AS_UNIT").is_some()
}

pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    /// Starts `cpdfolio serve` on `data` and returns it with the time from
    /// launch to ready.
    pub async fn start(data: &Path) -> (Self, Duration) {
        let started = Instant::now();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path(data))
            .unwrap();
        let (child, url) = binary::start_server_logging_to(command(data), log.into());
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

    /// Waits until the server's CPU use stays under 5% of one core for
    /// five seconds, or `limit` has passed; says how long it waited and
    /// whether it settled.
    pub async fn settle(&self, limit: Duration) -> (Duration, bool) {
        const WINDOW: Duration = Duration::from_secs(5);
        let started = Instant::now();
        loop {
            let before = cpu_seconds(self.child.id());
            tokio::time::sleep(WINDOW).await;
            let busy = (cpu_seconds(self.child.id()) - before) / WINDOW.as_secs_f64();
            if busy < 0.05 {
                return (started.elapsed(), true);
            }
            if started.elapsed() >= limit {
                return (started.elapsed(), false);
            }
        }
    }

    /// Resident and peak-resident memory, in bytes.
    pub fn memory(&self) -> (u64, u64) {
        binary::memory(self.child.id())
    }

    /// Resident memory split into anonymous (the heap: caches, memtable)
    /// and file-backed (mapped index files, which the kernel can drop and
    /// read again), in bytes.
    pub fn resident_kinds(&self) -> (u64, u64) {
        let field = |name| binary::status_bytes(self.child.id(), name).unwrap();
        (field("RssAnon:"), field("RssFile:"))
    }

    /// SIGTERM, and wait for the clean stop; returns how long it took and
    /// the process's peak RSS (over its life, read until it exits). A stop
    /// that fails is reported with the end of the server's log, not fatal
    /// to the run.
    pub fn stop(mut self, data: &Path) -> (Duration, u64) {
        let asked = Instant::now();
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let mut peak = 0;
        let exit = loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                break exit;
            }
            peak = peak.max(binary::status_bytes(self.child.id(), "VmHWM:").unwrap_or(0));
            std::thread::sleep(Duration::from_millis(10));
        };
        let took = asked.elapsed();
        if !exit.success() {
            let log = std::fs::read_to_string(log_path(data)).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            eprintln!("the clean stop failed ({exit}); the server's last log lines, newest first:");
            for line in tail {
                eprintln!("  {line}");
            }
        }
        (took, peak)
    }

    /// SIGKILL: no clean stop.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// With `CPDFOLIO_BENCH_PERF` set to a path prefix, samples this server
    /// with `perf record` into `<prefix>-<label>.data` until the guard is
    /// dropped (read it with `perf report -i FILE --no-children`).
    pub fn perf(&self, label: &str) -> Option<Perf> {
        let prefix = std::env::var("CPDFOLIO_BENCH_PERF").ok()?;
        let out = format!("{prefix}-{label}.data");
        let child = Command::new("perf")
            .args(["record", "-F", "999", "-g", "-o", &out, "-p"])
            .arg(self.child.id().to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        std::thread::sleep(Duration::from_millis(300));
        Some(Perf(child))
    }
}

/// User and system CPU time `pid` has used, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is the first, utime the 12th and stime the 13th.
    let after = stat.rsplit_once(')').unwrap().1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // SAFETY: sysconf only reads a system constant.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    ticks as f64 / per_second as f64
}

/// A running `perf record`, stopped (SIGINT, so it writes its file) on drop.
pub struct Perf(Child);

impl Drop for Perf {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}
