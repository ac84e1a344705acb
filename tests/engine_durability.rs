//! A known defect of the storage engine underneath the embedded database
//! (SurrealKV 0.21.4, the version SurrealDB 3.3.5 requires), reproduced on
//! the engine alone so that the day it is fixed, this test says so.
//!
//! When a commit finds the in-memory table full, the engine rotates the
//! write-ahead log and the table and then applies that commit to the *new*
//! table, although its log record sits in the *old* segment. Once the old
//! table is flushed, the old segment is deleted, so until the new table is
//! flushed too (the next rotation, or a clean stop) that one commit exists
//! only in memory: `kill -9`, an OOM kill or a power cut in that window loses
//! it, acknowledged and fsynced as it was. In cpdfolio the table is sized by
//! the engine from system memory (1 GiB on a 24 GiB machine), so the commit
//! at risk is one in about every gigabyte written, and only if the process
//! then dies uncleanly before the next gigabyte. `docs/performance.md`
//! ("Durability") records how it was found and what it means for a
//! deployment.
//!
//! The crash is a copy of the data directory taken while the engine is
//! still open, after every commit was fsynced: what `kill -9` leaves behind.

mod binary;

use std::path::Path;

use binary::{log_ends_mid_commit, log_segments as wal_segments};

use cpdfolio::storage::engine_log::begin_fresh_log_segment;
use surrealkv::{Durability, TreeBuilder};

/// Small enough that a few hundred commits fill it.
const MEMTABLE_BYTES: usize = 64 * 1024;

fn key(i: usize) -> Vec<u8> {
    format!("record{i:06}").into_bytes()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn surrealkv_0_21_loses_the_commit_that_rotated_the_log_if_killed_before_the_next() {
    let live = tempfile::tempdir().unwrap();
    let tree = TreeBuilder::new()
        .with_path(live.path().to_path_buf())
        .with_max_memtable_size(MEMTABLE_BYTES)
        .build()
        .unwrap();
    let mut rotated_by = None;
    for i in 0..10_000 {
        let mut tx = tree.begin().unwrap();
        tx.set_durability(Durability::Immediate);
        tx.set(key(i), vec![b'v'; 300]).unwrap();
        tx.commit().await.unwrap();
        if wal_segments(live.path()).last() > Some(&0) {
            rotated_by = Some(i);
            break;
        }
    }
    let rotated_by = rotated_by.expect("the table never filled");
    // The old table is flushed and its segment deleted in the background.
    for _ in 0..500 {
        if wal_segments(live.path()) == [1] {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(
        wal_segments(live.path()),
        [1],
        "the old segment was not retired"
    );

    let crashed = tempfile::tempdir().unwrap();
    copy_dir(live.path(), crashed.path());
    let reopened = TreeBuilder::new()
        .with_path(crashed.path().to_path_buf())
        .with_max_memtable_size(MEMTABLE_BYTES)
        .build()
        .unwrap();
    let tx = reopened.begin().unwrap();
    let missing: Vec<usize> = (0..=rotated_by)
        .filter(|&i| tx.get(key(i)).unwrap().is_none())
        .collect();
    assert_eq!(
        missing,
        [rotated_by],
        "the engine no longer loses the commit that rotated its log: the defect \
         described above is fixed; update docs/performance.md (\"Durability\") and \
         delete this test"
    );
}

/// The log is written in 32 KiB blocks; a commit larger than what is left
/// of a block is split into fragments, the first of which ends the block.
const LOG_BLOCK: u64 = 32 * 1024;

async fn put(tree: &surrealkv::Tree, key: &[u8], bytes: usize) {
    let mut tx = tree.begin().unwrap();
    tx.set_durability(Durability::Immediate);
    tx.set(key.to_vec(), vec![b'v'; bytes]).unwrap();
    tx.commit().await.unwrap();
}

fn open(dir: &Path) -> surrealkv::Tree {
    TreeBuilder::new()
        .with_path(dir.to_path_buf())
        .build()
        .unwrap()
}

fn found(tree: &surrealkv::Tree, keys: &[&[u8]]) -> Vec<bool> {
    let tx = tree.begin().unwrap();
    keys.iter()
        .map(|key| tx.get(key.to_vec()).unwrap().is_some())
        .collect()
}

/// A data directory as `kill -9` leaves it when the process dies between
/// writing the first block of a two-block commit and the rest: one small
/// commit, then the first fragment of a large one that never finished.
async fn torn_log(dir: &Path) {
    let live = tempfile::tempdir().unwrap();
    let tree = open(live.path());
    put(&tree, b"before", 100).await;
    put(&tree, b"unfinished", 50_000).await;
    copy_dir(live.path(), dir);
    let segment = dir.join("wal").join(format!("{:020}.wal", 0));
    std::fs::OpenOptions::new()
        .write(true)
        .open(&segment)
        .unwrap()
        .set_len(LOG_BLOCK)
        .unwrap();
}

/// Opens the torn directory, makes an acknowledged commit, crashes again
/// (a copy taken while open) and reports which keys the next open finds.
async fn commit_after_a_torn_log(prepare: impl Fn(&Path)) -> Vec<bool> {
    let first_crash = tempfile::tempdir().unwrap();
    torn_log(first_crash.path()).await;
    prepare(first_crash.path());
    let reopened = open(first_crash.path());
    put(&reopened, b"after", 100).await;
    let second_crash = tempfile::tempdir().unwrap();
    copy_dir(first_crash.path(), second_crash.path());
    found(
        &open(second_crash.path()),
        &[b"before", b"unfinished", b"after"],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn surrealkv_0_21_drops_commits_appended_after_an_unfinished_record_at_the_next_open() {
    assert_eq!(
        commit_after_a_torn_log(|_| {}).await,
        [true, false, false],
        "the engine no longer loses commits appended after a torn log tail: \
         cpdfolio's fresh segment at start-up (storage::engine_log) is no longer \
         needed; update docs/performance.md (\"Durability\")"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_log_segment_before_opening_keeps_commits_made_after_a_torn_log() {
    let found = commit_after_a_torn_log(|dir| {
        assert_eq!(begin_fresh_log_segment(dir).unwrap(), Some(1));
    })
    .await;
    assert_eq!(found, [true, false, true]);
}

/// The check `tests/faults.rs` counts torn tails with, on real logs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_ending_mid_commit_is_told_from_a_whole_one() {
    let torn = tempfile::tempdir().unwrap();
    torn_log(torn.path()).await;
    assert!(log_ends_mid_commit(torn.path()));
    begin_fresh_log_segment(torn.path()).unwrap();
    assert!(!log_ends_mid_commit(torn.path()));

    let live = tempfile::tempdir().unwrap();
    let tree = open(live.path());
    put(&tree, b"small", 100).await;
    put(&tree, b"large", 50_000).await;
    let whole = tempfile::tempdir().unwrap();
    copy_dir(live.path(), whole.path());
    assert_eq!(wal_segments(whole.path()), [0]);
    assert!(!log_ends_mid_commit(whole.path()));
}
