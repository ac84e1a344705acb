//! A flood of logins against the real binary, alone in its own test binary
//! so that no other test competes for the CPU while it measures.

mod binary;

use std::time::{Duration, Instant};

use binary::{cpdfolio, memory, start_server_with};

/// 500 concurrent logins for random addresses from 500 client addresses:
/// the server's memory stays within 200 MB of idle and `/healthz` answers
/// within 100 ms throughout. Bounded: 500 requests, at most two minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_keeps_memory_flat_and_health_fast() {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = cpdfolio(data.path());
    cmd.env("CPDFOLIO_TRUSTED_PROXY_HEADER", "x-forwarded-for")
        .env("CPDFOLIO_LOGIN_FAILURES_PER_MINUTE", "100000");
    let (mut server, url) = start_server_with(cmd);
    let pid = server.id();
    let http = reqwest::Client::new();
    let health = format!("{url}/healthz");
    let prober = reqwest::Client::new();
    assert_eq!(http.get(&health).send().await.unwrap().status(), 200);
    let idle = memory(pid).0;
    let mut flood = tokio::task::JoinSet::new();
    for n in 0..500u32 {
        let req = http
            .post(format!("{url}/api/v1/auth/login"))
            .header("x-forwarded-for", format!("10.0.{}.{}", n >> 8, n & 255))
            .json(&serde_json::json!({"email": format!("random{n}@example.org"), "password": "guess guess guess"}));
        flood.spawn(async move { req.send().await.unwrap().status().as_u16() });
    }
    // The prober runs on its own thread and runtime: what it times is the
    // server's answer, not a wait behind the flood's 500 client tasks in
    // this test's own scheduler.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let probe = {
        let done = std::sync::Arc::clone(&done);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let (mut slowest, mut peak) = (Duration::ZERO, idle);
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let asked = Instant::now();
                    assert_eq!(prober.get(&health).send().await.unwrap().status(), 200);
                    slowest = slowest.max(asked.elapsed());
                    peak = peak.max(memory(pid).0);
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                (slowest, peak)
            })
        })
    };
    let started = Instant::now();
    let mut answers = std::collections::BTreeMap::<u16, usize>::new();
    while !flood.is_empty() && started.elapsed() < Duration::from_secs(120) {
        while let Some(done) = flood.try_join_next() {
            *answers.entry(done.unwrap()).or_default() += 1;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let (slowest, peak) = probe.join().unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let grown = peak.saturating_sub(idle);
    eprintln!(
        "login flood: answers {answers:?}, peak RSS {} MB above idle ({} MB), slowest /healthz {} ms",
        grown / 1_000_000,
        idle / 1_000_000,
        slowest.as_millis()
    );
    assert!(flood.is_empty(), "the flood did not finish in two minutes");
    assert_eq!(
        answers
            .keys()
            .copied()
            .filter(|s| *s != 401 && *s != 503)
            .count(),
        0,
        "{answers:?}"
    );
    assert!(grown < 200_000_000, "RSS grew by {grown} bytes");
    assert!(slowest < Duration::from_millis(100), "{slowest:?}");
}
