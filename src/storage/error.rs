//! What can go wrong in storage, as a closed set the application can act
//! on. SurrealDB reports constraint failures only as message text; this is
//! the one place that reads those messages, so an engine upgrade that
//! rewords them breaks one function and its tests, not every caller.

use std::sync::atomic::{AtomicU64, Ordering};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The row that an operation needs is not there.
    #[error("the row does not exist")]
    NotFound,
    /// An update lost a race with another change to the same record: its
    /// version check failed, or the engine refused a concurrent write.
    #[error("the record changed while this update was being made")]
    VersionConflict,
    /// A unique index already holds the value. Only the index is named:
    /// the value may be personal data.
    #[error("the unique index {index} already holds this value")]
    Unique { index: String },
    /// The person already keeps `max` records, as many as a create allows.
    #[error("the owner keeps as many records as allowed")]
    RecordLimit { max: u32 },
    /// The file system holding the database is full (or over quota).
    #[error("the disk holding the database is full")]
    Full,
    /// Another process holds the embedded database's files.
    #[error("the database files are locked by another process")]
    Locked,
    /// Any other database failure.
    #[error("database error")]
    Database(#[source] surrealdb::Error),
    /// Stored data that does not read back as the domain expects, or a
    /// file-system failure beside the database.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type StorageResult<T> = Result<T, StorageError>;

/// Thrown by a transaction whose optimistic version check failed.
pub(crate) const CONFLICT_MARK: &str = "cpdfolio-version-conflict";

/// Thrown, followed by the limit, by a create whose owner keeps as many
/// records as allowed.
pub(crate) const RECORD_LIMIT_MARK: &str = "cpdfolio-record-limit";

/// Database failures that were not a conflict, a duplicate or a lock,
/// since the process started (for `/metrics`).
static DATABASE_ERRORS: AtomicU64 = AtomicU64::new(0);

/// How many unexpected database errors this process has met.
pub fn database_errors() -> u64 {
    DATABASE_ERRORS.load(Ordering::Relaxed)
}

impl From<surrealdb::Error> for StorageError {
    fn from(err: surrealdb::Error) -> Self {
        classify(&err.to_string()).unwrap_or_else(|| {
            DATABASE_ERRORS.fetch_add(1, Ordering::Relaxed);
            Self::Database(err)
        })
    }
}

/// The typed error a SurrealDB message stands for, if it is one we act on.
pub(super) fn classify(message: &str) -> Option<StorageError> {
    if message.contains(CONFLICT_MARK) || message.contains("Transaction conflict") {
        return Some(StorageError::VersionConflict);
    }
    if let Some((_, after)) = message.split_once(RECORD_LIMIT_MARK) {
        let digits: String = after
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let max = digits.parse().unwrap_or(0);
        return Some(StorageError::RecordLimit { max });
    }
    if [
        "No space left on device",
        "os error 28",
        "Disk quota exceeded",
        "os error 122",
    ]
    .iter()
    .any(|m| message.contains(m))
    {
        return Some(StorageError::Full);
    }
    if message.contains("already locked") {
        return Some(StorageError::Locked);
    }
    if message.contains("already contains") {
        let index = message
            .split_once("index `")
            .and_then(|(_, rest)| rest.split_once('`'))
            .map_or("unknown", |(name, _)| name);
        return Some(StorageError::Unique {
            index: index.to_owned(),
        });
    }
    None
}

impl StorageError {
    /// True when a unique index named `index` refused the write.
    pub fn is_unique(&self, index: &str) -> bool {
        matches!(self, Self::Unique { index: i } if i == index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_named_as_such() {
        for message in [
            "There was a problem with the datastore: IO error: No space left on device (os error 28)",
            "Disk quota exceeded (os error 122)",
        ] {
            assert!(
                matches!(classify(message), Some(StorageError::Full)),
                "{message}"
            );
        }
    }

    #[test]
    fn a_record_limit_carries_the_limit() {
        let err = classify("An error occurred: cpdfolio-record-limit 250").unwrap();
        assert!(
            matches!(err, StorageError::RecordLimit { max: 250 }),
            "{err:?}"
        );
    }

    #[test]
    fn unique_violation_names_only_the_index() {
        let err = classify(
            "Database index `user_email` already contains 'ann@example.nhs.uk', with record `user:abc`",
        )
        .unwrap();
        assert!(err.is_unique("user_email"));
        assert_eq!(
            err.to_string(),
            "the unique index user_email already holds this value"
        );
    }

    #[test]
    fn conflict_mark_and_lock_are_recognised() {
        assert!(matches!(
            classify("An error occurred: cpdfolio-version-conflict"),
            Some(StorageError::VersionConflict)
        ));
        assert!(matches!(
            classify(
                "There was a problem with the key-value store: Transaction conflict: Write conflict, retry the transaction. This transaction can be retried"
            ),
            Some(StorageError::VersionConflict)
        ));
        assert!(matches!(
            classify("The datastore is already locked by another process"),
            Some(StorageError::Locked)
        ));
        assert!(classify("Found NONE for field `title`").is_none());
    }
}
