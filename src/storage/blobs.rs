//! Attachment bytes on disk, addressed by their SHA-256: the same file
//! uploaded twice is stored once. An upload is streamed into a private
//! temporary file in the data directory's incoming folder (never the
//! system's temporary directory) while it is hashed and
//! counted, so it is never held in memory whole; once accepted it is
//! fsynced and renamed into place, so a crash never leaves a partial blob
//! under a real name (and start-up sweeps what a crash left in the
//! incoming folder). Downloads are read from the file as they are sent. Which
//! records refer to a blob lives in the database.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

pub struct BlobStore {
    root: PathBuf,
    incoming: PathBuf,
}

/// A stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
    /// False when identical bytes were already stored.
    pub newly_written: bool,
}

/// An upload received into a temporary file, not yet stored. Dropping it
/// removes the file.
#[derive(Debug)]
pub struct Incoming {
    path: PathBuf,
    pub sha256: String,
    pub size: u64,
}

impl Incoming {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The received bytes, mapped rather than read: checking a file's type
    /// touches only the pages it looks at (a PDF's first few bytes, a
    /// document's directory), so a large upload is never copied into
    /// memory whole.
    pub fn map(&self) -> anyhow::Result<memmap2::Mmap> {
        let file = std::fs::File::open(&self.path).context("cannot open the received upload")?;
        // SAFETY: the file is this upload's own temporary file, private to
        // the server (0600 in a 0700 directory) and complete: nothing
        // writes to or truncates it while the map lives (the map is
        // dropped before the file is moved into place or removed).
        unsafe { memmap2::Mmap::map(&file) }.context("cannot map the received upload")
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Why an upload was not received.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("the file is larger than {0} bytes")]
    TooLarge(u64),
    #[error("the file is empty")]
    Empty,
    /// The reader failed: for an upload, the sender's body was malformed or
    /// cut short, which is theirs to fix, not the server's.
    #[error("the upload could not be read: {0}")]
    Unreadable(std::io::Error),
    #[error(transparent)]
    Io(#[from] anyhow::Error),
}

const CHUNK: usize = 64 * 1024;

/// Removes every file in `dir` (none if it does not exist).
fn remove_all_in(dir: &Path) -> anyhow::Result<usize> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(0);
    };
    let mut removed = 0;
    for entry in entries {
        let path = entry?.path();
        if path.is_file() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

impl BlobStore {
    /// Blobs under `root`; uploads arrive in `incoming` (on the same file
    /// system, so accepting one is a rename).
    pub fn new(root: impl Into<PathBuf>, incoming: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            incoming: incoming.into(),
        }
    }

    /// Removes what a crash can leave behind: temporary files, and blobs
    /// written but never recorded (the server stopped between writing the
    /// file and committing its row). Returns how many files went. Run
    /// before the server takes requests.
    pub fn sweep(&self, in_use: &HashSet<String>) -> anyhow::Result<usize> {
        let mut removed = remove_all_in(&self.incoming)?;
        for path in self.files()? {
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
        Ok(removed)
    }

    /// Every file in the shard folders, blobs and temporary files alike.
    fn files(&self) -> anyhow::Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        let Ok(shards) = std::fs::read_dir(&self.root) else {
            return Ok(files);
        };
        for shard in shards {
            let shard = shard?.path();
            if shard.is_dir() {
                for file in std::fs::read_dir(&shard)? {
                    files.push(file?.path());
                }
            }
        }
        Ok(files)
    }

    /// Streams `reader` into a private temporary file, hashing as it
    /// goes; stops with `TooLarge` as soon as it passes `limit` bytes.
    pub async fn receive(
        &self,
        mut reader: impl AsyncRead + Unpin,
        limit: u64,
    ) -> Result<Incoming, ReceiveError> {
        crate::files::private_dir(&self.incoming)?;
        let path = self
            .incoming
            .join(format!("{}.part", crate::storage::new_id()));
        let file = crate::files::create_private(&path)?;
        let mut incoming = Incoming {
            path,
            sha256: String::new(),
            size: 0,
        };
        let mut file = tokio::fs::File::from_std(file);
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = reader
                .read(&mut buf)
                .await
                .map_err(ReceiveError::Unreadable)?;
            if n == 0 {
                break;
            }
            incoming.size += n as u64;
            if incoming.size > limit {
                return Err(ReceiveError::TooLarge(limit));
            }
            hasher.update(&buf[..n]);
            file.write_all(&buf[..n])
                .await
                .context("cannot write the upload")?;
        }
        if incoming.size == 0 {
            return Err(ReceiveError::Empty);
        }
        file.sync_all().await.context("cannot sync the upload")?;
        incoming.sha256 = hex::encode(hasher.finalize());
        Ok(incoming)
    }

    /// Stores a received file under its digest (once: if the same bytes are
    /// already stored, the upload is dropped).
    pub fn adopt(&self, incoming: Incoming) -> anyhow::Result<StoredBlob> {
        let path = self.path_of(&incoming.sha256).context("digest is hex")?;
        let mut stored = StoredBlob {
            sha256: incoming.sha256.clone(),
            size: incoming.size,
            newly_written: false,
        };
        if !path.is_file() {
            crate::files::private_dir(path.parent().context("blob path has a parent")?)?;
            crate::files::publish(&incoming.path, &path)?;
            stored.newly_written = true;
        }
        Ok(stored)
    }

    /// The stored file, opened for reading; `None` if there is no such blob.
    pub fn open(&self, sha256: &str) -> anyhow::Result<Option<std::fs::File>> {
        let Some(path) = self.path_of(sha256) else {
            return Ok(None);
        };
        match std::fs::File::open(&path) {
            Ok(file) => Ok(Some(file)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::Error::new(e).context("cannot read attachment")),
        }
    }

    /// Every stored blob's SHA-256 (whether or not a record uses it).
    pub fn digests(&self) -> anyhow::Result<Vec<String>> {
        let mut digests: Vec<String> = self
            .files()?
            .iter()
            .filter_map(|path| path.file_name()?.to_str())
            .filter(|name| self.path_of(name).is_some())
            .map(str::to_owned)
            .collect();
        digests.sort();
        Ok(digests)
    }

    /// Where the blob `sha256` lives (or would live); `None` for a name
    /// that is not a SHA-256 in lower-case hex.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        valid.then(|| self.root.join(&sha256[..2]).join(sha256))
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
    use std::io::Read;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fake image";

    async fn store(blobs: &BlobStore, bytes: &[u8]) -> StoredBlob {
        let incoming = blobs.receive(bytes, 1 << 20).await.unwrap();
        blobs.adopt(incoming).unwrap()
    }

    fn read(blobs: &BlobStore, sha256: &str) -> Option<Vec<u8>> {
        let mut file = blobs.open(sha256).unwrap()?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        Some(bytes)
    }

    #[tokio::test]
    async fn stores_once_by_content_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::new(dir.path().join("blobs"), dir.path().join("incoming"));
        let first = store(&blobs, PNG).await;
        assert!(first.newly_written);
        assert_eq!(first.size, PNG.len() as u64);
        assert_eq!(first.sha256, hex::encode(Sha256::digest(PNG)));
        let second = store(&blobs, PNG).await;
        assert_eq!(
            (second.sha256.as_str(), second.newly_written),
            (first.sha256.as_str(), false)
        );
        assert_eq!(read(&blobs, &first.sha256).as_deref(), Some(PNG));
        assert_eq!(
            walk(dir.path()),
            [dir.path()
                .join("blobs")
                .join(&first.sha256[..2])
                .join(&first.sha256)]
        );
    }

    #[tokio::test]
    async fn an_upload_past_the_limit_or_empty_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::new(dir.path().join("blobs"), dir.path().join("incoming"));
        let big = vec![7u8; 200_000];
        assert!(matches!(
            blobs.receive(&big[..], 100_000).await,
            Err(ReceiveError::TooLarge(100_000))
        ));
        assert!(matches!(
            blobs.receive(&b""[..], 10).await,
            Err(ReceiveError::Empty)
        ));
        assert_eq!(walk(dir.path()), Vec::<PathBuf>::new());
        assert_eq!(read(&blobs, "../../etc/passwd"), None);
        assert_eq!(read(&blobs, &"a".repeat(64)), None);
    }

    #[tokio::test]
    async fn sweep_removes_temporary_and_unrecorded_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::new(dir.path().join("blobs"), dir.path().join("incoming"));
        let kept = store(&blobs, PNG).await;
        let dropped = store(&blobs, b"%PDF-1.7 never recorded").await;
        let shard = dir.path().join("blobs").join(&kept.sha256[..2]);
        std::fs::write(shard.join(".0123.tmp"), b"half written").unwrap();
        std::fs::write(dir.path().join("incoming/0123.part"), b"half an upload").unwrap();
        let in_use = HashSet::from([kept.sha256.clone()]);
        assert_eq!(blobs.sweep(&in_use).unwrap(), 3);
        assert_eq!(walk(dir.path()), [shard.join(&kept.sha256)]);
        assert_eq!(read(&blobs, &dropped.sha256), None);
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
