//! The errors a use case returns, in the application's own terms. Each
//! presentation maps them its own way: the JSON API to problem+json with
//! the status table in `http::problem`, the web pages to messages beside
//! form fields. Lower layers' errors are translated here, once.

use crate::domain::error::FieldError;
use crate::storage::error::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request could not be understood (syntax, types, query).
    #[error("{0}")]
    BadRequest(String),
    /// No valid session.
    #[error("a valid bearer token is required")]
    Unauthorized,
    /// Login failed: the same answer for an unknown email and a wrong password.
    #[error("the email or password is not correct")]
    InvalidCredentials,
    /// Authenticated, but the role does not allow the action.
    #[error("{0}")]
    Forbidden(String),
    /// Absent, or not visible to the caller (never "forbidden" for records).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The body is larger than the configured limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// An upload whose content is not an accepted file type.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Well-formed but invalid values.
    #[error("{} field(s) are not valid", .0.len())]
    Validation(Vec<FieldError>),
    /// Too many attempts (login throttling): retry after this many seconds.
    #[error("{detail}")]
    TooManyRequests {
        detail: String,
        retry_after_secs: u64,
    },
    /// Every worker for this kind of request is busy: retry shortly.
    #[error("{detail}")]
    Busy {
        detail: String,
        retry_after_secs: u64,
    },
    /// A dependency (database, index) is not reachable.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else: logged by the presentation, never shown.
    #[error(transparent)]
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// Seconds the client should wait before retrying, when known.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests {
                retry_after_secs, ..
            }
            | Self::Busy {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        Self::Internal(err)
    }
}

impl From<StorageError> for AppError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::VersionConflict => Self::Conflict(
                "the record was changed by another request; reload it and try again".to_owned(),
            ),
            StorageError::NotFound => Self::NotFound("record"),
            StorageError::Locked => {
                Self::Unavailable("the database is in use by another cpdfolio process".to_owned())
            }
            other @ (StorageError::Unique { .. }
            | StorageError::Database(_)
            | StorageError::Other(_)) => Self::Internal(other.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_race_is_a_conflict_and_a_database_fault_is_internal() {
        assert!(matches!(
            AppError::from(StorageError::VersionConflict),
            AppError::Conflict(_)
        ));
        assert!(matches!(
            AppError::from(StorageError::Other(anyhow::anyhow!("bad row"))),
            AppError::Internal(_)
        ));
        assert!(matches!(
            AppError::from(StorageError::Locked),
            AppError::Unavailable(_)
        ));
    }
}
