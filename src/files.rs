//! Files only this server may read, written so that a crash never leaves a
//! partial file under a real name. The data directory holds confidential
//! evidence (attachments, queued emails, the database), so directories are
//! created 0700 and files 0600 whatever the process umask.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::Context;

const DIR_MODE: u32 = 0o700;
const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and parents) if missing and makes it private to the
/// server's user, also when it already existed.
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))
        .with_context(|| format!("cannot make {} private", dir.display()))
}

/// A new private file (0600), failing if `path` exists.
pub fn create_private(path: &Path) -> anyhow::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

/// A private scratch file in `dir`, readable and writable, already
/// unlinked: it lives while it is open and leaves nothing behind.
pub fn scratch_file(dir: &Path) -> anyhow::Result<File> {
    let path = dir.join(format!(".scratch-{}", uuid::Uuid::new_v4().simple()));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    std::fs::remove_file(&path).with_context(|| format!("cannot unlink {}", path.display()))?;
    Ok(file)
}

/// Writes `bytes` to `path` durably: a private temporary file beside it,
/// fsync, rename into place, fsync the directory.
pub fn write_durably(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().context("a file path has a parent")?;
    private_dir(dir)?;
    let temp = dir.join(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut file = create_private(&temp)?;
    file.write_all(bytes).context("cannot write file")?;
    file.sync_all().context("cannot sync file")?;
    publish(&temp, path)
}

/// Copies `from` to `to` durably, as [`write_durably`] does, without
/// holding the file in memory.
pub fn copy_durably(from: &Path, to: &Path) -> anyhow::Result<u64> {
    let dir = to.parent().context("a file path has a parent")?;
    private_dir(dir)?;
    let temp = dir.join(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut file = create_private(&temp)?;
    let mut source = File::open(from).with_context(|| format!("cannot read {}", from.display()))?;
    let copied = std::io::copy(&mut source, &mut file)
        .with_context(|| format!("cannot copy {}", from.display()))?;
    file.sync_all().context("cannot sync file")?;
    publish(&temp, to)?;
    Ok(copied)
}

/// Renames a synced temporary file into place and syncs the directory, so
/// the new name survives a crash.
pub fn publish(temp: &Path, path: &Path) -> anyhow::Result<()> {
    std::fs::rename(temp, path).context("cannot move file into place")?;
    let dir = path.parent().context("a file path has a parent")?;
    File::open(dir)?
        .sync_all()
        .context("cannot sync directory")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn directories_and_files_are_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("f.txt");
        write_durably(&file, b"hello").unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read(&file).unwrap(), b"hello");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["f.txt"], "no temporary file is left behind");
    }
}
