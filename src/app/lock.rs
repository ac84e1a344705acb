//! One process per data directory. SurrealKV and tantivy both lock their
//! files, but their errors are cryptic; this lock is taken first so that a
//! second process stops at once with a message that says what is going on.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "the data directory {0} is in use by another cpdfolio process (probably a running `cpdfolio serve`); stop that process first, or use the HTTP API of the running server"
    )]
    InUse(PathBuf),
    #[error("cannot lock the data directory {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl DataDirLock {
    pub fn acquire(data_dir: &Path) -> Result<Self, LockError> {
        let path = data_dir.join("cpdfolio.lock");
        let io = |source| LockError::Io {
            path: data_dir.to_owned(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::InUse(data_dir.to_owned())),
            Err(TryLockError::Error(source)) => Err(io(source)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDirLock::acquire(dir.path()).unwrap();
        let err = DataDirLock::acquire(dir.path()).unwrap_err();
        assert!(
            err.to_string()
                .contains("in use by another cpdfolio process"),
            "{err}"
        );
        drop(first);
        assert!(DataDirLock::acquire(dir.path()).is_ok());
    }
}
