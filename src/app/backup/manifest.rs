//! What a backup holds and the checksums that prove it: `manifest.json`
//! lists every file with its size and SHA-256, so a restore (or an
//! operator with `sha256sum`) can tell a complete, unaltered backup from a
//! damaged one before anything is written.

use std::path::{Component, Path};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

pub const MANIFEST_FILE: &str = "manifest.json";
pub const DATABASE_FILE: &str = "database.surql";
pub const CONFIG_FILE: &str = "config.toml";
pub const ATTACHMENTS_DIR: &str = "attachments";
pub const CONTENT_DIR: &str = "content";
const FORMAT: &str = "cpdfolio-backup/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub cpdfolio_version: String,
    /// When the database snapshot was taken (RFC 3339, UTC).
    pub created_at: String,
    /// Paths relative to the backup directory, in the order written.
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

impl Manifest {
    pub fn new(created_at: String) -> Self {
        Self {
            format: FORMAT.to_owned(),
            cpdfolio_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_at,
            files: Vec::new(),
        }
    }

    /// The manifest of the backup in `dir`, after checking that every file
    /// it lists is there with its recorded size and checksum.
    pub fn read_verified(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "{} is not a backup: cannot read {MANIFEST_FILE}",
                dir.display()
            )
        })?;
        let manifest: Self = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a valid backup manifest", path.display()))?;
        if manifest.format != FORMAT {
            bail!(
                "{} is in format {:?}; this version reads {FORMAT:?}",
                path.display(),
                manifest.format
            );
        }
        if !manifest.files.iter().any(|f| f.path == DATABASE_FILE) {
            bail!("the backup in {} has no {DATABASE_FILE}", dir.display());
        }
        for entry in &manifest.files {
            entry.verify(dir)?;
        }
        Ok(manifest)
    }

    /// The listed attachment files, as their SHA-256 names.
    pub fn attachments(&self) -> impl Iterator<Item = &FileEntry> {
        self.files
            .iter()
            .filter(|f| f.path.starts_with(&format!("{ATTACHMENTS_DIR}/")))
    }
}

impl FileEntry {
    /// Hashes the file at `dir/path` as it now is.
    pub fn of(dir: &Path, path: &str) -> anyhow::Result<Self> {
        let (bytes, sha256) = hash_file(&dir.join(path))?;
        Ok(Self {
            path: path.to_owned(),
            bytes,
            sha256,
        })
    }

    fn verify(&self, dir: &Path) -> anyhow::Result<()> {
        if !is_plain_relative(&self.path) {
            bail!("the backup manifest lists an unsafe path {:?}", self.path);
        }
        let (bytes, sha256) = hash_file(&dir.join(&self.path))
            .with_context(|| format!("the backup is incomplete: {} is missing", self.path))?;
        if bytes != self.bytes || sha256 != self.sha256 {
            bail!(
                "the backup is damaged: {} does not match its checksum in {MANIFEST_FILE}",
                self.path
            );
        }
        Ok(())
    }
}

/// Size and hex SHA-256 of a file as it is on disk.
pub fn hash_file(path: &Path) -> anyhow::Result<(u64, String)> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let bytes = file.metadata()?.len();
    let sha256 = crate::export::portable::sha256_of(file)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok((bytes, sha256))
}

/// True for `a/b/c` style paths: no root, no `..`, nothing empty.
fn is_plain_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_accepted() {
        assert!(is_plain_relative("attachments/ab/abcd"));
        assert!(is_plain_relative(DATABASE_FILE));
        assert!(!is_plain_relative("../etc/passwd"));
        assert!(!is_plain_relative("/etc/passwd"));
        assert!(!is_plain_relative("attachments/../../x"));
        assert!(!is_plain_relative(""));
    }

    #[test]
    fn a_changed_or_missing_file_fails_verification() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DATABASE_FILE), b"DEFINE TABLE x;").unwrap();
        let mut manifest = Manifest::new("2026-11-28T00:00:00Z".to_owned());
        manifest
            .files
            .push(FileEntry::of(dir.path(), DATABASE_FILE).unwrap());
        assert_eq!(manifest.files[0].bytes, 15);
        let write = |m: &Manifest| {
            std::fs::write(
                dir.path().join(MANIFEST_FILE),
                serde_json::to_vec(m).unwrap(),
            )
            .unwrap()
        };
        write(&manifest);
        assert_eq!(Manifest::read_verified(dir.path()).unwrap(), manifest);

        std::fs::write(dir.path().join(DATABASE_FILE), b"DEFINE TABLE y;").unwrap();
        let err = Manifest::read_verified(dir.path()).unwrap_err().to_string();
        assert_eq!(
            err,
            "the backup is damaged: database.surql does not match its checksum in manifest.json"
        );

        manifest.files.push(FileEntry {
            path: "attachments/00/gone".to_owned(),
            bytes: 1,
            sha256: "0".repeat(64),
        });
        manifest.files[0] = FileEntry::of(dir.path(), DATABASE_FILE).unwrap();
        write(&manifest);
        let err = Manifest::read_verified(dir.path()).unwrap_err().to_string();
        assert_eq!(
            err,
            "the backup is incomplete: attachments/00/gone is missing"
        );
    }
}
