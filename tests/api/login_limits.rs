//! Login limits over real HTTP: attempts are counted before the password is
//! hashed, delays grow but end, a client that signed in before is not
//! locked out by guesses from elsewhere, and hashing is bounded. (The flood
//! test, which measures the server's memory, runs the real binary in
//! tests/cli.rs.)

use std::time::Duration;

use cpdfolio::domain::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

const LOGIN: &str = "/api/v1/auth/login";

/// Logs in as `email` with `password`, claiming to come from `client`
/// (honoured only when the server trusts `x-forwarded-for`).
async fn login_from(
    t: &TestApp,
    email: &str,
    password: &str,
    client: &str,
) -> (u16, Value, String) {
    let req = t
        .http
        .post(t.url(LOGIN))
        .header("x-forwarded-for", client)
        .json(&json!({"email": email, "password": password}));
    let (status, body, headers) = t.send(req, None).await;
    let retry = headers
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, body, retry)
}

async fn behind_proxy() -> TestApp {
    TestApp::spawn_with(|c| c.trusted_proxy_header = Some("x-forwarded-for".to_owned())).await
}

/// Sends every `(email, password, client)` login at once.
async fn all_at_once(t: &TestApp, logins: Vec<(String, String, String)>) -> Vec<(u16, String)> {
    let mut set = tokio::task::JoinSet::new();
    for (email, password, client) in logins {
        let req = t
            .http
            .post(t.url(LOGIN))
            .header("x-forwarded-for", client)
            .json(&json!({"email": email, "password": password}));
        set.spawn(async move {
            let resp = req.send().await.unwrap();
            let retry = resp
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (resp.status().as_u16(), retry)
        });
    }
    set.join_all().await
}

#[tokio::test]
async fn a_parallel_burst_gets_five_guesses_not_forty() {
    let t = TestApp::spawn().await;
    t.user("sam@example.nhs.uk", Role::Practitioner, None).await;
    let burst = (0..40)
        .map(|_| {
            (
                "sam@example.nhs.uk".into(),
                "wrong password!".into(),
                "x".into(),
            )
        })
        .collect();
    let results = all_at_once(&t, burst).await;
    let evaluated = results.iter().filter(|(s, _)| *s == 401).count();
    let refused = results.iter().filter(|(s, _)| *s == 429).count();
    assert_eq!((evaluated, refused), (5, 35), "{results:?}");
}

#[tokio::test]
async fn the_right_password_waits_out_the_delay_then_gets_in() {
    let t = TestApp::spawn().await;
    t.user("sam@example.nhs.uk", Role::Practitioner, None).await;
    for _ in 0..5 {
        let (status, _, _) = login_from(&t, "sam@example.nhs.uk", "wrong password!", "x").await;
        assert_eq!(status, 401);
    }
    let (status, body, retry) = login_from(&t, "sam@example.nhs.uk", PASSWORD, "x").await;
    assert_eq!((status, retry.as_str()), (429, "1"), "{body}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body, _) = login_from(&t, "sam@example.nhs.uk", PASSWORD, "x").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn guesses_from_elsewhere_do_not_lock_out_a_known_client() {
    let t = behind_proxy().await;
    t.user("sam@example.nhs.uk", Role::Practitioner, None).await;
    let (status, _, _) = login_from(&t, "sam@example.nhs.uk", PASSWORD, "198.51.100.7").await;
    assert_eq!(status, 200);
    for n in 0..40 {
        let attacker = format!("203.0.113.{n}");
        login_from(&t, "sam@example.nhs.uk", "wrong password!", &attacker).await;
    }
    let (status, _, retry) = login_from(&t, "sam@example.nhs.uk", PASSWORD, "192.0.2.200").await;
    assert_eq!(
        status, 429,
        "a new client waits while the account is under attack"
    );
    assert!(retry.parse::<u64>().unwrap() >= 1);
    let (status, body, _) = login_from(&t, "sam@example.nhs.uk", PASSWORD, "198.51.100.7").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_proxy_header_is_ignored_unless_configured() {
    let t = TestApp::spawn().await;
    t.user("sam@example.nhs.uk", Role::Practitioner, None).await;
    for n in 0..5 {
        login_from(
            &t,
            "sam@example.nhs.uk",
            "wrong password!",
            &format!("203.0.113.{n}"),
        )
        .await;
    }
    let (status, _, _) =
        login_from(&t, "sam@example.nhs.uk", "wrong password!", "203.0.113.99").await;
    assert_eq!(status, 429, "a forged address does not buy more guesses");
}

#[tokio::test]
async fn the_proxy_header_is_ignored_from_a_peer_that_is_not_a_trusted_proxy() {
    let t = TestApp::spawn_with(|c| {
        c.trusted_proxy_header = Some("x-forwarded-for".to_owned());
        c.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    })
    .await;
    t.user("sam@example.nhs.uk", Role::Practitioner, None).await;
    for n in 0..5 {
        let client = format!("203.0.113.{n}");
        let (status, _, _) = login_from(&t, "sam@example.nhs.uk", "wrong password!", &client).await;
        assert_eq!(status, 401);
    }
    let (status, _, retry) =
        login_from(&t, "sam@example.nhs.uk", "wrong password!", "203.0.113.99").await;
    assert_eq!(
        (status, retry.as_str()),
        (429, "1"),
        "the loopback peer is not one of the configured proxies, so its header is not believed"
    );
}

#[tokio::test]
async fn failed_logins_across_the_server_are_rate_limited() {
    let t = TestApp::spawn_with(|c| {
        c.trusted_proxy_header = Some("x-forwarded-for".to_owned());
        c.login_failures_per_minute = 3;
    })
    .await;
    for n in 0..3 {
        let (status, _, _) = login_from(
            &t,
            &format!("u{n}@example.nhs.uk"),
            "wrong password!",
            &format!("203.0.113.{n}"),
        )
        .await;
        assert_eq!(status, 401);
    }
    let (status, body, retry) =
        login_from(&t, "u9@example.nhs.uk", "wrong password!", "203.0.113.9").await;
    assert_problem(status, &body, 429);
    let secs: u64 = retry.parse().unwrap();
    assert!((1..=60).contains(&secs), "{secs}");
}

#[tokio::test]
async fn excess_logins_wait_briefly_then_get_503_with_retry_after() {
    let t = TestApp::spawn_with(|c| {
        c.trusted_proxy_header = Some("x-forwarded-for".to_owned());
        c.login_hash_concurrency = 1;
        c.login_hash_wait_ms = 1;
    })
    .await;
    let logins = (0..20)
        .map(|n| {
            (
                format!("nobody{n}@example.nhs.uk"),
                "wrong password!".to_owned(),
                format!("203.0.113.{n}"),
            )
        })
        .collect();
    let results = all_at_once(&t, logins).await;
    for (status, retry) in &results {
        match status {
            401 => {}
            503 => assert_eq!(retry, "1"),
            other => panic!("unexpected {other}"),
        }
    }
    let busy = results.iter().filter(|r| r.0 == 503).count();
    assert!((1..20).contains(&busy), "{busy} of 20 were busy");
}
