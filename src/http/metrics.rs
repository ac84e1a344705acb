//! Prometheus metrics, served on their own listener so that the public port
//! never shows them: request latency by route (the route's pattern, never
//! the path, so ids and tokens stay out and the series stay few; the API's
//! path parameters show as `:param0`, `:param1`), responses by status, and
//! the gauges the application reads on demand.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use poem::http::{Method, StatusCode};

use poem::{
    Endpoint, EndpointExt, IntoResponse, PathPattern, Request, Response, Result, Route, get,
    handler,
};

use crate::app::App;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Requests seen by the public listener, by method and route.
#[derive(Default)]
pub struct HttpMetrics {
    routes: Mutex<HashMap<(Method, Arc<str>), RouteStats>>,
}

#[derive(Default)]
struct RouteStats {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    seconds: f64,
    statuses: BTreeMap<u16, u64>,
}

impl HttpMetrics {
    fn observe(&self, method: Method, route: Arc<str>, status: StatusCode, seconds: f64) {
        let Ok(mut routes) = self.routes.lock() else {
            return;
        };
        let stats = routes.entry((method, route)).or_default();
        for (bucket, bound) in stats.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        stats.count += 1;
        stats.seconds += seconds;
        *stats.statuses.entry(status.as_u16()).or_default() += 1;
    }

    fn render(&self, out: &mut String) {
        let Ok(routes) = self.routes.lock() else {
            return;
        };
        let mut keys: Vec<_> = routes.keys().collect();
        keys.sort_by(|a, b| (&a.1, a.0.as_str()).cmp(&(&b.1, b.0.as_str())));
        header(
            out,
            "cpdfolio_http_request_duration_seconds",
            "histogram",
            "Time to answer a request, by route.",
        );
        for key @ (method, route) in &keys {
            let stats = &routes[*key];
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            for (count, bound) in stats.buckets.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "cpdfolio_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "cpdfolio_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                stats.count
            );
            let _ = writeln!(
                out,
                "cpdfolio_http_request_duration_seconds_sum{{{labels}}} {}",
                stats.seconds
            );
            let _ = writeln!(
                out,
                "cpdfolio_http_request_duration_seconds_count{{{labels}}} {}",
                stats.count
            );
        }
        header(
            out,
            "cpdfolio_http_responses_total",
            "counter",
            "Responses sent, by route and status.",
        );
        for key @ (method, route) in &keys {
            for (status, n) in &routes[*key].statuses {
                let _ = writeln!(
                    out,
                    "cpdfolio_http_responses_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
    }
}

/// Times every request and records it under its route's pattern (`none`
/// when no route matched).
pub async fn observe<E: Endpoint>(
    metrics: Arc<HttpMetrics>,
    next: E,
    req: Request,
) -> Result<Response> {
    let method = req.method().clone();
    let started = Instant::now();
    let result = next.call(req).await.map(IntoResponse::into_response);
    let (pattern, status) = match &result {
        Ok(resp) => (resp.data::<PathPattern>(), resp.status()),
        Err(err) => (err.data::<PathPattern>(), err.status()),
    };
    let route = pattern.map_or_else(|| Arc::from("none"), |p| Arc::clone(&p.0));
    metrics.observe(method, route, status, started.elapsed().as_secs_f64());
    result
}

/// The metrics listener's routes: `GET /metrics` only.
pub fn endpoint(app: App, metrics: Arc<HttpMetrics>) -> impl Endpoint {
    Route::new()
        .at("/metrics", get(scrape))
        .data(app)
        .data(metrics)
}

#[handler]
async fn scrape(
    app: poem::web::Data<&App>,
    metrics: poem::web::Data<&Arc<HttpMetrics>>,
) -> Response {
    let mut out = String::new();
    metrics.render(&mut out);
    match app.gauges().await {
        Ok(g) => {
            gauge(
                &mut out,
                "cpdfolio_outbox_emails",
                "Emails in the outbox, by status.",
                &[
                    ("status=\"pending\"", g.outbox_pending as f64),
                    ("status=\"sending\"", g.outbox_sending as f64),
                    ("status=\"failed\"", g.outbox_failed as f64),
                ],
            );
            gauge(
                &mut out,
                "cpdfolio_search_index_lag_seconds",
                "How long the oldest change not yet searchable has waited.",
                &[("", g.index_uncommitted.as_secs_f64())],
            );
            gauge(
                &mut out,
                "cpdfolio_change_feed_age_seconds",
                "How long since the database's change feed was last read to its end.",
                &[("", g.change_feed_age.as_secs_f64())],
            );
            header(
                &mut out,
                "cpdfolio_database_errors_total",
                "counter",
                "Unexpected database errors since start-up.",
            );
            let _ = writeln!(out, "cpdfolio_database_errors_total {}", g.database_errors);
            gauge(
                &mut out,
                "cpdfolio_database_up",
                "1 when the database answers a trivial query.",
                &[("", f64::from(u8::from(g.database_up)))],
            );
        }
        Err(err) => {
            tracing::warn!(kind = %err.log_kind(), "could not read the gauges for /metrics")
        }
    }
    Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out)
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn gauge(out: &mut String, name: &str, help: &str, series: &[(&str, f64)]) {
    header(out, name, "gauge", help);
    for (labels, value) in series {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
}

/// A label value as the text format needs it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_lands_in_every_bucket_at_or_above_its_time() {
        let metrics = HttpMetrics::default();
        let route: Arc<str> = Arc::from("/api/v1/reflections/:id");
        metrics.observe(Method::GET, Arc::clone(&route), StatusCode::OK, 0.003);
        metrics.observe(Method::GET, Arc::clone(&route), StatusCode::NOT_FOUND, 0.2);
        let mut out = String::new();
        metrics.render(&mut out);
        let series = |le: &str| {
            format!(
                "cpdfolio_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/api/v1/reflections/:id\",le=\"{le}\"}} "
            )
        };
        for (le, n) in [
            ("0.001", 0),
            ("0.0025", 0),
            ("0.005", 1),
            ("0.1", 1),
            ("0.25", 2),
            ("+Inf", 2),
        ] {
            assert!(out.contains(&format!("{}{n}\n", series(le))), "{le}: {out}");
        }
        assert!(out.contains("cpdfolio_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/reflections/:id\"} 2\n"));
        assert!(out.contains("cpdfolio_http_responses_total{method=\"GET\",route=\"/api/v1/reflections/:id\",status=\"404\"} 1\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
