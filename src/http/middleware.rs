//! Cross-cutting HTTP behaviour: a request id on every response and every
//! log line, every error as problem+json, security headers on every
//! response, and a request log line that carries no personal data (no query
//! strings, no bodies, no tokens).

use std::time::Instant;

use poem::http::{HeaderValue, StatusCode, header};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response, Result};
use tokio::io::{AsyncRead, ReadBuf};
use tracing::Instrument;

use crate::app::AppError;
use crate::app::timing;
use crate::domain::record::is_record_id;
use crate::http::json_body::MalformedField;
use crate::http::problem::{PROBLEM_CONTENT_TYPE, problem_response};

/// Runs a request that may change data to its end even when the client
/// goes away mid-request: a dropped connection must not cut a database
/// commit apart from the search-index update that follows it. Reads are
/// left cancellable.
pub async fn run_to_completion<E: Endpoint + 'static>(
    next: Arc<E>,
    req: Request,
) -> Result<Response> {
    use poem::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.call(req).await.map(IntoResponse::into_response);
    }
    let waited = timing::phase("queue");
    let turn = match req.data::<crate::app::App>() {
        Some(app) => Some(app.write_turn().await),
        None => None,
    };
    drop(waited);
    let call = async move {
        let response = next.call(req).await.map(IntoResponse::into_response);
        drop(turn);
        response
    };
    tokio::spawn(timing::same_request(call).in_current_span())
        .await
        .map_err(|_| poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))?
}

/// With `server_timing` on, adds the `Server-Timing` header: each phase
/// the application timed while answering, in milliseconds.
pub async fn server_timing<E: Endpoint>(next: E, req: Request) -> Result<Response> {
    let enabled = req
        .data::<crate::app::App>()
        .is_some_and(|app| app.config().server_timing);
    if !enabled {
        return next.call(req).await.map(IntoResponse::into_response);
    }
    let (result, phases) = timing::collect(next.call(req)).await;
    let mut resp = result?.into_response();
    if !phases.is_empty()
        && let Ok(value) = HeaderValue::from_str(&server_timing_header(&phases))
    {
        resp.headers_mut().insert("server-timing", value);
    }
    Ok(resp)
}

/// `name;dur=1.234, …` (W3C Server Timing), in the order the phases ended.
fn server_timing_header(phases: &[timing::Phase]) -> String {
    phases
        .iter()
        .map(|p| format!("{};dur={:.3}", p.name, p.elapsed.as_secs_f64() * 1000.0))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Gives the request a fresh id: every log line written while serving it
/// carries the id (as a span field), and so does the response
/// (`X-Request-Id`), so a user's report can be matched to the logs without
/// the logs holding anything about the user.
pub async fn request_id<E: Endpoint>(next: E, req: Request) -> Result<Response> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let span = tracing::info_span!("request", id = %id);
    let mut resp = next.call(req).instrument(span).await?.into_response();
    if let Ok(value) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", value);
    }
    Ok(resp)
}

/// Turns any error (ours, poem's, poem-openapi's parse errors) into an
/// RFC 9457 problem response with a useful detail.
pub async fn problems<E: Endpoint>(next: E, req: Request) -> Result<Response> {
    let method = req.method().clone();
    let path = loggable_path(req.uri().path());
    let started = Instant::now();
    let response = match next.call(req).await {
        Ok(resp) => resp.into_response(),
        Err(err) => error_to_problem(err),
    };
    tracing::info!(
        http.method = %method,
        http.path = %path,
        http.status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    Ok(response)
}

/// The path as the request log may show it: a calendar feed's address
/// is a secret, so its last segment is replaced.
fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/api/v1/calendar/") {
        Some(_) => "/api/v1/calendar/{secret}".to_owned(),
        None => path.to_owned(),
    }
}

fn error_to_problem(err: poem::Error) -> Response {
    if let Some(app_err) = err.downcast_ref::<AppError>() {
        return poem::error::ResponseError::as_response(app_err);
    }
    if let Some(malformed) = err.downcast_ref::<MalformedField>() {
        return poem::error::ResponseError::as_response(malformed);
    }
    let status = err.status();
    let detail = match status {
        StatusCode::NOT_FOUND => "no such resource".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => "this method is not allowed on this resource".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => {
            "the request body is larger than the configured limit (max_body_bytes)".to_owned()
        }
        StatusCode::UNAUTHORIZED => "a valid bearer token is required".to_owned(),
        s if s.is_server_error() => {
            tracing::error!(status = s.as_u16(), "unhandled server error");
            "an internal error occurred; it has been logged".to_owned()
        }
        _ => err.to_string(),
    };
    problem_response(status, detail)
}

/// Refuses bodies over the limit with 413: at once when the declared
/// length is too large, otherwise as soon as the handler has read one byte
/// more than the limit. Nothing is buffered here: a body is read only by
/// the handler that needs it, after authentication, so a client without an
/// account cannot make the server hold its body. Only the routes that carry
/// files (attachments, the ESR import) have the larger limit.
pub struct BodyLimit {
    pub json: usize,
    /// Multipart uploads: the file and the form around it.
    pub upload: usize,
    /// A file sent as the body itself (the ESR import).
    pub file: usize,
    /// An exported portfolio sent back (`POST /api/v1/me/import`).
    pub portfolio: usize,
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint {
            inner,
            json: self.json,
            upload: self.upload,
            file: self.file,
            portfolio: self.portfolio,
        }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    json: usize,
    upload: usize,
    file: usize,
    portfolio: usize,
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        let limit = match body_kind(req.method(), req.uri().path()) {
            BodyKind::Upload => self.upload,
            BodyKind::File => self.file,
            BodyKind::Portfolio => self.portfolio,
            BodyKind::Json => self.json,
        };
        let too_large = || {
            AppError::PayloadTooLarge(format!(
                "the request body is larger than the limit of {limit} bytes"
            ))
        };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(too_large().into());
        }
        let exceeded = Arc::new(AtomicBool::new(false));
        let body = LimitedReader {
            inner: Box::pin(req.take_body().into_async_read()),
            remaining: limit,
            exceeded: Arc::clone(&exceeded),
        };
        req.set_body(Body::from_async_read(body));
        let result = self.inner.call(req).await;
        if exceeded.load(Ordering::Relaxed) {
            return Err(too_large().into());
        }
        Ok(result?.into_response())
    }
}

/// What a request's body carries, which decides its size limit.
#[derive(Debug, PartialEq, Eq)]
enum BodyKind {
    /// `POST /api/v1/{collection}/{record id}/attachments`, and the web
    /// form that adds training with its certificate.
    Upload,
    /// `POST /api/v1/admin/imports/esr`.
    File,
    /// `POST /api/v1/me/import`.
    Portfolio,
    /// Everything else.
    Json,
}

fn body_kind(method: &poem::http::Method, path: &str) -> BodyKind {
    if method != poem::http::Method::POST {
        return BodyKind::Json;
    }
    match path.split('/').collect::<Vec<_>>().as_slice() {
        ["", "api", "v1", collection, id, "attachments"]
            if ["reflections", "supervision", "audits", "training"].contains(collection)
                && is_record_id(id) =>
        {
            BodyKind::Upload
        }
        ["", "api", "v1", "admin", "imports", "esr"] => BodyKind::File,
        ["", "api", "v1", "me", "import"] => BodyKind::Portfolio,
        ["", "training", "new"] => BodyKind::Upload,
        ["", collection, id, "files"]
            if ["reflections", "supervision", "audits", "training"].contains(collection)
                && is_record_id(id) =>
        {
            BodyKind::Upload
        }
        _ => BodyKind::Json,
    }
}

/// A body reader that fails, and says so, past `remaining` bytes.
struct LimitedReader {
    inner: std::pin::Pin<Box<dyn AsyncRead + Send>>,
    remaining: usize,
    exceeded: Arc<AtomicBool>,
}

impl AsyncRead for LimitedReader {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = self.inner.as_mut().poll_read(cx, buf);
        if let std::task::Poll::Ready(Ok(())) = &polled {
            let read = buf.filled().len() - before;
            if read > self.remaining {
                self.exceeded.store(true, Ordering::Relaxed);
                return std::task::Poll::Ready(Err(std::io::Error::other(
                    "the request body is larger than the limit",
                )));
            }
            self.remaining -= read;
        }
        polled
    }
}

/// Security headers for an API that serves confidential data.
pub async fn security_headers<E: Endpoint>(next: E, req: Request) -> Result<Response> {
    let is_docs = req.uri().path().starts_with("/docs");
    let is_page = crate::http::web::is_page(req.uri().path());
    let mut resp = next.call(req).await?.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    h.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000; includeSubDomains"),
    );
    let csp = if is_docs {
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
    } else if is_page {
        "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    } else {
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    };
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    if !is_docs && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if h.get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_CONTENT_TYPE.as_bytes())
    {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem::http::Method;

    #[test]
    fn server_timing_lists_each_phase_in_milliseconds() {
        let phases = [
            timing::Phase {
                name: "auth",
                elapsed: std::time::Duration::from_micros(250),
            },
            timing::Phase {
                name: "log",
                elapsed: std::time::Duration::from_nanos(3_456_789),
            },
        ];
        assert_eq!(
            server_timing_header(&phases),
            "auth;dur=0.250, log;dur=3.457"
        );
        assert_eq!(server_timing_header(&[]), "");
    }

    #[test]
    fn a_calendar_secret_never_reaches_the_log() {
        assert_eq!(
            loggable_path("/api/v1/calendar/abcDEF123.ics"),
            "/api/v1/calendar/{secret}"
        );
        assert_eq!(loggable_path("/api/v1/me/calendar"), "/api/v1/me/calendar");
    }

    #[test]
    fn only_real_upload_routes_get_the_upload_limit() {
        let id = "0123456789abcdef0123456789abcdef";
        for collection in ["reflections", "supervision", "audits", "training"] {
            let path = format!("/api/v1/{collection}/{id}/attachments");
            assert_eq!(body_kind(&Method::POST, &path), BodyKind::Upload, "{path}");
            assert_eq!(body_kind(&Method::GET, &path), BodyKind::Json, "{path}");
        }
        assert_eq!(body_kind(&Method::POST, "/training/new"), BodyKind::Upload);
        assert_eq!(
            body_kind(&Method::POST, &format!("/supervision/{id}/files")),
            BodyKind::Upload
        );
        assert_eq!(body_kind(&Method::POST, "/team/x/files"), BodyKind::Json);
        let import = "/api/v1/admin/imports/esr";
        assert_eq!(body_kind(&Method::POST, import), BodyKind::File);
        assert_eq!(body_kind(&Method::GET, import), BodyKind::Json);
        for path in [
            "/api/v1/auth/login/attachments",
            "/api/v1/me/attachments",
            "/api/v1/reflections/not-an-id/attachments",
            "/api/v1/teams/0123456789abcdef0123456789abcdef/attachments",
            "/x/api/v1/audits/0123456789abcdef0123456789abcdef/attachments",
        ] {
            assert_eq!(body_kind(&Method::POST, path), BodyKind::Json, "{path}");
        }
    }
}
