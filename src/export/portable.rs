//! The portable record: everything a person owns as one zip they can keep,
//! hand to a new employer's cpdfolio, or receive as the answer to a UK GDPR
//! subject-access or portability request. Each file is plain JSON (or the
//! attachment as uploaded) and `manifest.json`, written last, lists every
//! other file with its size and SHA-256, so a reader can tell a complete,
//! untouched export from a damaged one.
//!
//! Layout (schema version 1):
//! - `manifest.json`: `format`, `schema_version`, `exported_at`, `files`
//!   (`path`, `bytes`, `sha256`), in the order written;
//! - `person.json`: name, email, HCPC number, summary of practice;
//! - `records/{kind}/{id}.json`: one record: its content, sign-off,
//!   verification, readers, dismissed patient-identifier flags, attachments
//!   and every earlier version;
//! - `attachments/{sha256}`: each attached file once, byte for byte;
//! - `access-log.json`: who read or changed the person's records, when.

use std::io::{Read, Seek, Write};

use anyhow::Context;
use serde::Serialize;
use sha2::{Digest, Sha256};
use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

/// The `format` named in every manifest.
pub const FORMAT: &str = "cpdfolio-portfolio";
/// The layout this build writes (and the newest it reads).
pub const SCHEMA_VERSION: u32 = 1;

/// One file of the export and where its bytes come from.
pub struct Entry {
    pub path: String,
    pub source: Source,
}

pub enum Source {
    Bytes(Vec<u8>),
    /// An attachment, read from the blob store as it is written.
    File(std::fs::File),
}

impl Entry {
    /// A JSON file, pretty-printed so that a person can read it.
    pub fn json(path: impl Into<String>, value: &impl Serialize) -> anyhow::Result<Self> {
        Ok(Self {
            path: path.into(),
            source: Source::Bytes(serde_json::to_vec_pretty(value)?),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Manifest {
    pub format: String,
    pub schema_version: u32,
    pub exported_at: String,
    pub files: Vec<ManifestFile>,
}

/// A writer that hashes and counts what passes through it.
struct Hashing<'a, W: Write> {
    inner: &'a mut W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes the entries and then their manifest as a zip into `out`.
/// JSON is compressed; attachments (mostly PDF and images, compressed
/// already) are stored as they are.
pub fn write_zip<W: Write + Seek>(
    entries: Vec<Entry>,
    exported_at: &str,
    out: W,
) -> anyhow::Result<Manifest> {
    let mut zip = ZipWriter::new(out);
    let mut files = Vec::with_capacity(entries.len());
    for entry in entries {
        let method = match entry.source {
            Source::Bytes(_) => CompressionMethod::Deflated,
            Source::File(_) => CompressionMethod::Stored,
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .large_file(true);
        zip.start_file(entry.path.as_str(), options)
            .with_context(|| format!("cannot start {}", entry.path))?;
        let mut sink = Hashing {
            inner: &mut zip,
            hasher: Sha256::new(),
            bytes: 0,
        };
        match entry.source {
            Source::Bytes(bytes) => sink.write_all(&bytes)?,
            Source::File(mut file) => {
                std::io::copy(&mut file, &mut sink)?;
            }
        }
        files.push(ManifestFile {
            sha256: hex::encode(sink.hasher.finalize()),
            bytes: sink.bytes,
            path: entry.path,
        });
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        schema_version: SCHEMA_VERSION,
        exported_at: exported_at.to_owned(),
        files,
    };
    zip.start_file(
        "manifest.json",
        SimpleFileOptions::default().compression_method(CompressionMethod::Deflated),
    )?;
    zip.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
    zip.finish()?;
    Ok(manifest)
}

/// The SHA-256 of everything `reader` yields, hex.
pub fn sha256_of(mut reader: impl Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut reader, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    #[test]
    fn the_manifest_lists_every_file_with_its_hash_and_comes_last() {
        let mut out = Cursor::new(Vec::new());
        let entries = vec![
            Entry::json("person.json", &serde_json::json!({"name": "Sam"})).unwrap(),
            Entry {
                path: "attachments/x".into(),
                source: Source::Bytes(b"abc".to_vec()),
            },
        ];
        let manifest = write_zip(entries, "2026-11-28T00:00:00Z", &mut out).unwrap();
        assert_eq!(manifest.files[1].bytes, 3);
        assert_eq!(
            manifest.files[1].sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut archive = zip::ZipArchive::new(out).unwrap();
        let names: Vec<String> = (0..archive.len())
            .map(|i| archive.by_index(i).unwrap().name().unwrap().into_owned())
            .collect();
        assert_eq!(names, ["person.json", "attachments/x", "manifest.json"]);
        let person = archive.by_name("person.json").unwrap();
        assert_eq!(sha256_of(person).unwrap(), manifest.files[0].sha256);
    }
}
