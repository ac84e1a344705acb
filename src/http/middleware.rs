//! Cross-cutting HTTP behaviour: every error becomes problem+json, security
//! headers on every response, and a request log line that carries no
//! personal data (no query strings, no bodies, no tokens).

use std::time::Instant;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

use crate::app::AppError;
use crate::http::problem::{PROBLEM_CONTENT_TYPE, problem_response};

/// Turns any error (ours, poem's, poem-openapi's parse errors) into an
/// RFC 9457 problem response with a useful detail.
pub async fn problems<E: Endpoint>(next: E, req: Request) -> Result<Response> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
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

fn error_to_problem(err: poem::Error) -> Response {
    if let Some(app_err) = err.downcast_ref::<AppError>() {
        return poem::error::ResponseError::as_response(app_err);
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
            tracing::error!(error = %err, "unhandled server error");
            "an internal error occurred; it has been logged".to_owned()
        }
        _ => err.to_string(),
    };
    problem_response(status, detail)
}

/// Refuses bodies over the limit with 413: at once when the declared
/// length is too large, otherwise by reading at most the limit. Attachment
/// uploads (`POST …/attachments`) have their own, larger limit.
pub struct BodyLimit {
    pub json: usize,
    pub upload: usize,
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint {
            inner,
            json: self.json,
            upload: self.upload,
        }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    json: usize,
    upload: usize,
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        let is_upload =
            req.method() == poem::http::Method::POST && req.uri().path().ends_with("/attachments");
        let limit = if is_upload { self.upload } else { self.json };
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
        match declared {
            Some(len) if len > limit as u64 => return Err(too_large().into()),
            Some(_) => {}
            None => {
                let body = req
                    .take_body()
                    .into_bytes_limit(limit)
                    .await
                    .map_err(|_| too_large())?;
                req.set_body(body);
            }
        }
        Ok(self.inner.call(req).await?.into_response())
    }
}

/// Security headers for an API that serves confidential data.
pub async fn security_headers<E: Endpoint>(next: E, req: Request) -> Result<Response> {
    let is_docs = req.uri().path().starts_with("/docs");
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
    } else {
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    };
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    if !is_docs {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if h.get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_CONTENT_TYPE.as_bytes())
    {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(resp)
}
