//! The one error type of the service and its explicit mapping to HTTP
//! statuses. Every error leaves the server as `application/problem+json`
//! (RFC 9457). Internal errors are logged here, at the boundary, and answered
//! with an opaque message so that no database detail or personal data leaks.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Object};
use serde::Serialize;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Object)]
pub struct FieldError {
    /// The JSON field (or query parameter) at fault.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
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
    /// Field-level validation errors, when there are any.
    #[oai(skip_serializing_if_is_empty)]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request could not be understood (syntax, types, query).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid session.
    #[error("a valid bearer token is required")]
    Unauthorized,
    /// 401 for login: the same answer for an unknown email and a wrong password.
    #[error("the email or password is not correct")]
    InvalidCredentials,
    /// 403: authenticated but the role does not allow the action.
    #[error("{0}")]
    Forbidden(String),
    /// 404: absent, or not visible to the caller (never 403 for records).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// 409: the request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// 413: the body is larger than the configured limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: an upload whose content is not an accepted file type.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: well-formed but invalid values.
    #[error("{} field(s) are not valid", .0.len())]
    Validation(Vec<FieldError>),
    /// 429: too many attempts (login throttling).
    #[error("{0}")]
    TooManyRequests(String),
    /// 503: a dependency (database, index) is not reachable.
    #[error("{0}")]
    Unavailable(String),
    /// 500: anything else; logged, never shown.
    #[error(transparent)]
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Validation(_) => "urn:cpdfolio:problem:validation",
            Self::InvalidCredentials => "urn:cpdfolio:problem:invalid-credentials",
            _ => "about:blank",
        }
    }

    /// The problem document; internal details are replaced by a generic text.
    pub fn to_problem(&self) -> Problem {
        let status = self.status();
        let detail = match self {
            Self::Internal(_) => "an internal error occurred; it has been logged".to_owned(),
            other => other.to_string(),
        };
        let errors = match self {
            Self::Validation(errors) => errors.clone(),
            _ => Vec::new(),
        };
        Problem {
            kind: self.kind().to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

/// A lost race between two updates of one record is the caller's 409;
/// anything else from below is internal.
impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        if err
            .downcast_ref::<crate::storage::history::VersionConflict>()
            .is_some()
        {
            Self::Conflict(
                "the record was changed by another request; reload it and try again".to_owned(),
            )
        } else {
            Self::Internal(err)
        }
    }
}

impl From<surrealdb::Error> for AppError {
    fn from(err: surrealdb::Error) -> Self {
        Self::Internal(anyhow::Error::new(err).context("database error"))
    }
}

/// Builds a problem response for any status with the given detail.
pub fn problem_response(status: StatusCode, detail: impl Into<String>) -> Response {
    let problem = Problem {
        kind: "about:blank".to_owned(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: detail.into(),
        errors: Vec::new(),
    };
    problem_to_response(&problem)
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
        AppError::status(self)
    }

    fn as_response(&self) -> Response {
        if let Self::Internal(err) = self {
            tracing::error!(error = format!("{err:#}"), "internal error");
        }
        problem_to_response(&self.to_problem())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        poem::error::ResponseError::as_response(&self)
    }
}

const DOCUMENTED_STATUSES: [(u16, &str); 9] = [
    (
        400,
        "The request is malformed: bad JSON, wrong types, bad query.",
    ),
    (401, "No valid bearer token."),
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
            (AppError::invalid("title", "empty"), 422),
            (AppError::TooManyRequests("x".into()), 429),
            (AppError::Unavailable("db".into()), 503),
            (AppError::internal(anyhow::anyhow!("boom")), 500),
        ];
        for (err, status) in cases {
            assert_eq!(err.status().as_u16(), status, "{err:?}");
        }
    }

    #[test]
    fn internal_detail_is_opaque() {
        let problem =
            AppError::internal(anyhow::anyhow!("table reflection: secret text")).to_problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.contains("secret"));
    }

    #[test]
    fn validation_problem_lists_fields() {
        let problem = AppError::invalid("title", "must not be empty").to_problem();
        assert_eq!(
            problem.errors,
            vec![FieldError::new("title", "must not be empty")]
        );
        assert_eq!(problem.kind, "urn:cpdfolio:problem:validation");
    }
}
