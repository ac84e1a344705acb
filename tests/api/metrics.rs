//! `/metrics` on its own listener: latency by route pattern (never by the
//! path, which holds ids), responses by status, and the outbox, index and
//! database gauges; the public port does not serve it.

use std::sync::Arc;

use cpdfolio::http::metrics::{HttpMetrics, endpoint};
use poem::listener::{Acceptor, Listener, TcpListener};

use crate::helpers::*;

/// Serves `endpoint` on a loopback port and returns its address.
async fn listen(endpoint: impl poem::Endpoint + 'static) -> std::net::SocketAddr {
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
    tokio::spawn(async move {
        poem::Server::new_with_acceptor(acceptor)
            .run(endpoint)
            .await
    });
    addr
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_show_the_gauges_on_their_own_port() {
    let t = TestApp::spawn().await;
    let metrics = Arc::new(HttpMetrics::default());
    let public = listen(cpdfolio::http::observed_routes(
        t.app.clone(),
        Arc::clone(&metrics),
    ))
    .await;
    let private = listen(endpoint(t.app.clone(), Arc::clone(&metrics))).await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let id = t
        .create_entry(
            &sam,
            &entry("Metrics reflection", "2026-03-01", "work_based_learning"),
        )
        .await;
    // The last path and the public /metrics below are both unmatched ("none").
    for path in [
        format!("/api/v1/reflections/{id}"),
        "/api/v1/reflections/nope".to_owned(),
        "/no/such/page".to_owned(),
    ] {
        t.http
            .get(format!("http://{public}{path}"))
            .bearer_auth(&sam)
            .send()
            .await
            .unwrap();
    }

    let resp = t
        .http
        .get(format!("http://{public}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404, "the public port does not serve metrics");
    let resp = t
        .http
        .get(format!("http://{private}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = resp.text().await.unwrap();
    let by_id = "method=\"GET\",route=\"/api/v1/reflections/:param0\"";
    for line in [
        format!("cpdfolio_http_request_duration_seconds_count{{{by_id}}} 2"),
        format!("cpdfolio_http_responses_total{{{by_id},status=\"200\"}} 1"),
        format!("cpdfolio_http_responses_total{{{by_id},status=\"404\"}} 1"),
        "cpdfolio_http_responses_total{method=\"GET\",route=\"none\",status=\"404\"} 2".to_owned(),
        "cpdfolio_outbox_emails{status=\"pending\"} 0".to_owned(),
        "cpdfolio_outbox_emails{status=\"failed\"} 0".to_owned(),
        "cpdfolio_database_up 1".to_owned(),
        "# TYPE cpdfolio_search_index_lag_seconds gauge".to_owned(),
        "# TYPE cpdfolio_change_feed_age_seconds gauge".to_owned(),
        "# TYPE cpdfolio_database_errors_total counter".to_owned(),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    let feed_age: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("cpdfolio_change_feed_age_seconds "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (0.0..5.0).contains(&feed_age),
        "the feed is read every index_follow_ms: {feed_age}"
    );
    assert!(!text.contains(&id), "no record id appears in the metrics");
}
