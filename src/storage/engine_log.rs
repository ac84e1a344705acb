//! Keeps commits made after an unclean stop out of a torn log segment.
//!
//! The embedded engine (SurrealKV 0.21.4, which SurrealDB 3.3.5 pins) writes
//! its log in 32 KiB blocks and splits a commit that does not fit what is
//! left of a block. If the process dies (`kill -9`, an OOM kill, a power
//! cut) after the first fragment reached the file and before the rest did,
//! the newest segment ends in an unfinished record. On the next open the
//! engine reads that as the end of the file and appends new commits after
//! it; on the open after that it finds the unfinished record followed by
//! more, calls the segment corrupt and cuts it back to before the fragment,
//! deleting every commit appended since, acknowledged ones included.
//!
//! The engine appends to the highest-numbered segment on disk, so before it
//! opens we create the next segment, empty: new commits go to a file of
//! their own, and the torn one is only ever read to its end, which the
//! engine takes as the end of the segment (the unfinished commit was never
//! acknowledged). After a clean stop the engine leaves no segment, so this
//! does nothing. `tests/engine_durability.rs` reproduces the defect on the
//! engine alone and shows this keeps the commits.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// The engine's segment file names: the number in 20 digits, then `.wal`.
const SEGMENT_SUFFIX: &str = ".wal";

/// Creates an empty segment after the highest non-empty one in the store at
/// `db_dir`, so the engine writes there. Returns its number, or `None` when
/// there is nothing to do (no log, or the newest segment is already empty).
pub fn begin_fresh_log_segment(db_dir: &Path) -> io::Result<Option<u64>> {
    let wal_dir = db_dir.join("wal");
    let Some(newest) = newest_segment(&wal_dir)? else {
        return Ok(None);
    };
    if std::fs::metadata(wal_dir.join(segment_name(newest)))?.len() == 0 {
        return Ok(None);
    }
    let fresh = newest + 1;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(wal_dir.join(segment_name(fresh)))?
        .sync_all()?;
    File::open(&wal_dir)?.sync_all()?;
    Ok(Some(fresh))
}

fn segment_name(number: u64) -> String {
    format!("{number:020}{SEGMENT_SUFFIX}")
}

/// The highest segment number in `wal_dir`, if it holds any segment.
fn newest_segment(wal_dir: &Path) -> io::Result<Option<u64>> {
    let entries = match std::fs::read_dir(wal_dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let mut newest = None;
    for entry in entries {
        let name = entry?.file_name();
        let number = name
            .to_str()
            .and_then(|name| name.strip_suffix(SEGMENT_SUFFIX))
            .filter(|digits| digits.len() == 20)
            .and_then(|digits| digits.parse::<u64>().ok());
        newest = newest.max(number);
    }
    Ok(newest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) {
        std::fs::create_dir_all(dir.join("wal")).unwrap();
        std::fs::write(dir.join("wal").join(name), bytes).unwrap();
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir.join("wal"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_store_without_a_log_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(begin_fresh_log_segment(dir.path()).unwrap(), None);
        std::fs::create_dir_all(dir.path().join("wal")).unwrap();
        assert_eq!(begin_fresh_log_segment(dir.path()).unwrap(), None);
        assert!(names(dir.path()).is_empty());
    }

    #[test]
    fn the_segment_after_the_newest_is_created_empty() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "00000000000000000003.wal", b"old");
        write(dir.path(), "00000000000000000009.wal", b"torn");
        write(dir.path(), "notes.txt", b"not a segment");
        assert_eq!(begin_fresh_log_segment(dir.path()).unwrap(), Some(10));
        assert_eq!(
            names(dir.path()),
            [
                "00000000000000000003.wal",
                "00000000000000000009.wal",
                "00000000000000000010.wal",
                "notes.txt"
            ]
        );
        let fresh = dir.path().join("wal/00000000000000000010.wal");
        assert_eq!(std::fs::metadata(fresh).unwrap().len(), 0);
    }

    #[test]
    fn an_empty_newest_segment_is_used_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "00000000000000000004.wal", b"data");
        write(dir.path(), "00000000000000000005.wal", b"");
        assert_eq!(begin_fresh_log_segment(dir.path()).unwrap(), None);
        assert_eq!(names(dir.path()).len(), 2);
    }
}
