//! Attachment bytes on disk, addressed by their SHA-256: the same file
//! uploaded twice is stored once. Files are written to a temporary name,
//! fsynced, then renamed into place, so a crash never leaves a partial blob
//! under a real name. Which records refer to a blob lives in the database.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::domain::filetype::{FileType, Unaccepted, sniff};

pub struct BlobStore {
    root: PathBuf,
}

/// A stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
    pub file_type: FileType,
    /// False when identical bytes were already stored.
    pub newly_written: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("{}", .0.reason())]
    UnsupportedType(Unaccepted),
    #[error(transparent)]
    Io(#[from] anyhow::Error),
}

impl BlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        valid.then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    /// Checks the type from the content and stores the bytes once.
    pub fn put(&self, bytes: &[u8]) -> Result<StoredBlob, BlobError> {
        let file_type = sniff(bytes).map_err(BlobError::UnsupportedType)?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = self.path_of(&sha256).context("digest is hex")?;
        let size = bytes.len() as u64;
        if path.is_file() {
            return Ok(StoredBlob {
                sha256,
                size,
                file_type,
                newly_written: false,
            });
        }
        write_durably(&path, bytes)?;
        Ok(StoredBlob {
            sha256,
            size,
            file_type,
            newly_written: true,
        })
    }

    /// The bytes of a stored blob, `None` if there is no such blob.
    pub fn get(&self, sha256: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let Some(path) = self.path_of(sha256) else {
            return Ok(None);
        };
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::Error::new(e).context("cannot read attachment")),
        }
    }

    /// Removes a stored blob (no error if it is already gone).
    pub fn remove(&self, sha256: &str) -> anyhow::Result<()> {
        let Some(path) = self.path_of(sha256) else {
            return Ok(());
        };
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(anyhow::Error::new(e).context("cannot remove attachment")),
        }
    }
}

fn write_durably(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().context("blob path has a parent")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let temp = dir.join(format!(".{}.tmp", crate::storage::new_id()));
    let mut file = std::fs::File::create(&temp).context("cannot create attachment file")?;
    file.write_all(bytes).context("cannot write attachment")?;
    file.sync_all().context("cannot sync attachment")?;
    std::fs::rename(&temp, path).context("cannot move attachment into place")?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fake image";

    #[test]
    fn stores_once_by_content_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        let first = store.put(PNG).unwrap();
        assert!(first.newly_written);
        assert_eq!(first.file_type, FileType::Png);
        assert_eq!(first.size, PNG.len() as u64);
        let second = store.put(PNG).unwrap();
        assert_eq!(
            (second.sha256.as_str(), second.newly_written),
            (first.sha256.as_str(), false)
        );
        assert_eq!(store.get(&first.sha256).unwrap().as_deref(), Some(PNG));
        let files: Vec<_> = walk(dir.path());
        assert_eq!(files.len(), 1, "{files:?}");
    }

    #[test]
    fn refuses_unsupported_content_and_bad_digests() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        assert!(matches!(
            store.put(b"MZ\x90\0"),
            Err(BlobError::UnsupportedType(Unaccepted::Format))
        ));
        assert_eq!(store.get("../../etc/passwd").unwrap(), None);
        assert_eq!(store.get(&"a".repeat(64)).unwrap(), None);
        assert!(walk(dir.path()).is_empty());
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(walk(&path))
            } else {
                out.push(path)
            }
        }
        out
    }
}
