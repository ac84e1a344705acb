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
    /// An export would include text that may identify a service user:
    /// each open flag, named by the record and field it is in.
    #[error("{} passage(s) in the records to export may identify a service user; edit each or dismiss it as a false positive", .0.len())]
    PatientIdentifiers(Vec<FieldError>),
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
    /// The disk is full: nothing was stored; retry once space is freed.
    #[error("the server's disk is full; nothing was stored. Try again later")]
    InsufficientStorage,
    /// A dependency (database, index) is not reachable.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else: logged by the presentation, never shown.
    #[error(transparent)]
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// What kind of error this is, for logs (never the message).
    pub fn log_kind(&self) -> String {
        match self {
            Self::Internal(err) => error_kind(err),
            Self::Validation(errors) => format!("validation ({} fields)", errors.len()),
            Self::BadRequest(_) => "bad request".to_owned(),
            Self::Unauthorized | Self::InvalidCredentials => "unauthorised".to_owned(),
            Self::Forbidden(_) => "forbidden".to_owned(),
            Self::NotFound(what) => format!("not found: {what}"),
            Self::Conflict(_) => "conflict".to_owned(),
            Self::PatientIdentifiers(flags) => {
                format!("export refused ({} patient-identifier flags)", flags.len())
            }
            Self::PayloadTooLarge(_) => "payload too large".to_owned(),
            Self::UnsupportedMediaType(_) => "unsupported media type".to_owned(),
            Self::TooManyRequests { .. } => "too many requests".to_owned(),
            Self::Busy { .. } => "busy".to_owned(),
            Self::Unavailable(_) => "unavailable".to_owned(),
            Self::InsufficientStorage => "insufficient storage".to_owned(),
        }
    }

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

    /// An unexpected failure: internal, unless a full disk caused it.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::from(err.into())
    }
}

impl From<anyhow::Error> for AppError {
    /// A failure whose cause is a full disk says so; any other is internal.
    fn from(err: anyhow::Error) -> Self {
        let full = err.chain().any(|cause| {
            cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::StorageFull)
                || matches!(
                    cause.downcast_ref::<StorageError>(),
                    Some(StorageError::Full)
                )
        });
        if full {
            Self::InsufficientStorage
        } else {
            Self::Internal(err)
        }
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
            StorageError::Full => Self::InsufficientStorage,
            StorageError::RecordLimit { max } => Self::Conflict(format!(
                "you have reached the limit of {max} records; delete some or ask your administrator"
            )),
            StorageError::Other(err) => Self::from(err),
            other @ (StorageError::Unique { .. } | StorageError::Database(_)) => {
                Self::Internal(other.into())
            }
        }
    }
}

/// What kind of failure `err` is, for logs: the types in its chain, never
/// their messages (a database or SMTP message can hold a field value or an
/// email address).
pub fn error_kind(err: &anyhow::Error) -> String {
    let kinds: Vec<&str> = err.chain().filter_map(kind_of_cause).collect();
    if kinds.is_empty() {
        "unclassified".to_owned()
    } else {
        kinds.join(" / ")
    }
}

fn kind_of_cause(cause: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    if let Some(e) = cause.downcast_ref::<StorageError>() {
        return Some(match e {
            StorageError::NotFound => "storage: not found",
            StorageError::VersionConflict => "storage: version conflict",
            StorageError::Unique { .. } => "storage: unique index",
            StorageError::Locked => "storage: locked",
            StorageError::Full => "storage: disk full",
            StorageError::RecordLimit { .. } => "storage: record limit",
            StorageError::Database(_) => "storage: database",
            StorageError::Other(_) => "storage: other",
        });
    }
    if let Some(e) = cause.downcast_ref::<std::io::Error>() {
        return Some(io_kind(e.kind()));
    }
    if cause.is::<serde_json::Error>() {
        return Some("json");
    }
    if cause.is::<tokio::task::JoinError>() {
        return Some("task panicked or was cancelled");
    }
    None
}

fn io_kind(kind: std::io::ErrorKind) -> &'static str {
    use std::io::ErrorKind as K;
    match kind {
        K::NotFound => "io: not found",
        K::PermissionDenied => "io: permission denied",
        K::StorageFull => "io: storage full",
        K::AlreadyExists => "io: already exists",
        _ => "io: other",
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

    #[test]
    fn a_full_disk_anywhere_in_the_chain_is_insufficient_storage() {
        assert!(matches!(
            AppError::from(StorageError::Full),
            AppError::InsufficientStorage
        ));
        let io = std::io::Error::from(std::io::ErrorKind::StorageFull);
        let wrapped = anyhow::Error::new(io).context("cannot write the upload");
        assert!(matches!(
            AppError::from(wrapped),
            AppError::InsufficientStorage
        ));
        assert!(matches!(
            AppError::from(anyhow::anyhow!("something else")),
            AppError::Internal(_)
        ));
    }
}
