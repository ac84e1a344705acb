//! Attachment bytes on disk, addressed by their SHA-256: the same file
//! uploaded twice is stored once. Files are private (0600) and written to a
//! temporary name, fsynced, then renamed into place, so a crash never leaves
//! a partial blob under a real name. Which records refer to a blob lives in the database.

use std::collections::HashSet;
use std::path::PathBuf;

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

    /// Removes what a crash can leave behind: temporary files, and blobs
    /// written but never recorded (the server stopped between writing the
    /// file and committing its row). Returns how many files went. Run
    /// before the server takes requests.
    pub fn sweep(&self, in_use: &HashSet<String>) -> anyhow::Result<usize> {
        let mut removed = 0;
        let Ok(shards) = std::fs::read_dir(&self.root) else {
            return Ok(0);
        };
        for shard in shards {
            let shard = shard?.path();
            if !shard.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&shard)? {
                let path = file?.path();
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                let orphan = name.starts_with('.') || !in_use.contains(name);
                if orphan && path.is_file() {
                    std::fs::remove_file(&path)
                        .with_context(|| format!("cannot remove {}", path.display()))?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
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
        crate::files::write_durably(&path, bytes)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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

    #[test]
    fn sweep_removes_temporary_and_unrecorded_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        let kept = store.put(PNG).unwrap();
        let dropped = store.put(b"%PDF-1.7 never recorded").unwrap();
        let shard = dir.path().join(&kept.sha256[..2]);
        std::fs::write(shard.join(".0123.tmp"), b"half written").unwrap();
        let in_use = HashSet::from([kept.sha256.clone()]);
        assert_eq!(store.sweep(&in_use).unwrap(), 2);
        assert_eq!(walk(dir.path()), [shard.join(&kept.sha256)]);
        assert_eq!(store.get(&dropped.sha256).unwrap(), None);
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
