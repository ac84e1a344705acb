//! The JSON API's presentation of errors: every application error leaves
//! the server as `application/problem+json` (RFC 9457), with its status
//! decided by the one table in [`status_of`]. Internal errors are logged
//! here, at the boundary, by kind only, and answered with an opaque message
//! so that no database detail or personal data leaks.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Object};
use serde::Serialize;

use crate::app::AppError;
use crate::domain::error::FieldError;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Object)]
pub struct FieldProblem {
    /// The JSON field (or query parameter) at fault.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl From<&FieldError> for FieldProblem {
    fn from(e: &FieldError) -> Self {
        Self {
            field: e.field.clone(),
            message: e.message.clone(),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, Object)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// Field-level errors: each invalid field of a validation problem, or
    /// each open patient-identifier flag (`{collection}/{id}/{field}`) of
    /// a refused export.
    #[oai(default, skip_serializing_if_is_empty)]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// The HTTP status of each application error: the one status table.
pub fn status_of(err: &AppError) -> StatusCode {
    match err {
        AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
        AppError::Unauthorized | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict(_) | AppError::PatientIdentifiers(_) => StatusCode::CONFLICT,
        AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable(_) | AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
        AppError::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn kind_of(err: &AppError) -> &'static str {
    match err {
        AppError::Validation(_) => "urn:cpdfolio:problem:validation",
        AppError::PatientIdentifiers(_) => "urn:cpdfolio:problem:patient-identifiers",
        AppError::InvalidCredentials => "urn:cpdfolio:problem:invalid-credentials",
        _ => "about:blank",
    }
}

/// The problem document; internal details are replaced by a generic text.
pub fn to_problem(err: &AppError) -> Problem {
    let status = status_of(err);
    let detail = match err {
        AppError::Internal(_) => "an internal error occurred; it has been logged".to_owned(),
        other => other.to_string(),
    };
    let errors = match err {
        AppError::Validation(errors) | AppError::PatientIdentifiers(errors) => {
            errors.iter().map(FieldProblem::from).collect()
        }
        _ => Vec::new(),
    };
    Problem {
        kind: kind_of(err).to_owned(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        errors,
    }
}

/// Builds a problem response naming the fields at fault.
pub fn field_problem_response(
    status: StatusCode,
    detail: impl Into<String>,
    errors: Vec<FieldProblem>,
) -> Response {
    let problem = Problem {
        kind: "about:blank".to_owned(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: detail.into(),
        errors,
    };
    problem_to_response(&problem)
}

/// Builds a problem response for any status with the given detail.
pub fn problem_response(status: StatusCode, detail: impl Into<String>) -> Response {
    field_problem_response(status, detail, Vec::new())
}

fn problem_to_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = Response::builder()
        .status(status)
        .content_type(PROBLEM_CONTENT_TYPE)
        .body(body);
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            "www-authenticate",
            poem::http::HeaderValue::from_static("Bearer"),
        );
    }
    response
}

impl poem::error::ResponseError for AppError {
    fn status(&self) -> StatusCode {
        status_of(self)
    }

    fn as_response(&self) -> Response {
        if let Self::Internal(err) = self {
            tracing::error!(kind = %crate::app::error_kind(err), "internal error");
        }
        let mut response = problem_to_response(&to_problem(self));
        if let Some(secs) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(poem::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        poem::error::ResponseError::as_response(&self)
    }
}

const DOCUMENTED_STATUSES: [(u16, &str); 12] = [
    (
        400,
        "The request is malformed: bad JSON, wrong types, bad query.",
    ),
    (401, "No valid bearer token."),
    (
        403,
        "Not allowed: the caller's role does not allow this action, the account must set a new password first, or (at login) the account is deactivated or its one-time password has expired.",
    ),
    (404, "Not found, or not visible to the caller."),
    (409, "Conflicts with the current state."),
    (413, "The request body is larger than the configured limit."),
    (
        415,
        "The uploaded file is not an accepted type (decided by its content).",
    ),
    (422, "Well-formed but not valid; `errors` lists each field."),
    (
        429,
        "Too many failed logins for one address; try again later.",
    ),
    (500, "An internal error; details are logged, not returned."),
    (
        503,
        "The database or the search index is not reachable; try again.",
    ),
    (
        507,
        "The server's disk is full: nothing was stored; try again once space is freed.",
    ),
];

impl ApiResponse for AppError {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: DOCUMENTED_STATUSES
                .iter()
                .map(|(status, description)| MetaResponse {
                    description,
                    status: Some(*status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: PROBLEM_CONTENT_TYPE,
                        schema: Problem::schema_ref(),
                    }],
                    headers: Vec::new(),
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        Problem::register(registry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_variant_has_its_status() {
        let cases = [
            (AppError::BadRequest("x".into()), 400),
            (AppError::Unauthorized, 401),
            (AppError::InvalidCredentials, 401),
            (AppError::Forbidden("x".into()), 403),
            (AppError::NotFound("entry"), 404),
            (AppError::Conflict("x".into()), 409),
            (AppError::PayloadTooLarge("x".into()), 413),
            (AppError::UnsupportedMediaType("x".into()), 415),
            (AppError::invalid("title", "empty"), 422),
            (
                AppError::TooManyRequests {
                    detail: "x".into(),
                    retry_after_secs: 2,
                },
                429,
            ),
            (
                AppError::Busy {
                    detail: "x".into(),
                    retry_after_secs: 1,
                },
                503,
            ),
            (AppError::Unavailable("db".into()), 503),
            (AppError::InsufficientStorage, 507),
            (AppError::internal(anyhow::anyhow!("boom")), 500),
        ];
        for (err, status) in cases {
            assert_eq!(status_of(&err).as_u16(), status, "{err:?}");
        }
    }

    #[test]
    fn internal_detail_is_opaque() {
        let problem = to_problem(&AppError::internal(anyhow::anyhow!(
            "table reflection: secret text"
        )));
        assert_eq!(problem.status, 500);
        assert_eq!(
            problem.detail,
            "an internal error occurred; it has been logged"
        );
    }

    #[test]
    fn validation_problem_lists_fields() {
        let problem = to_problem(&AppError::invalid("title", "must not be empty"));
        assert_eq!(
            problem.errors,
            vec![FieldProblem {
                field: "title".to_owned(),
                message: "must not be empty".to_owned()
            }]
        );
        assert_eq!(problem.kind, "urn:cpdfolio:problem:validation");
    }
}
