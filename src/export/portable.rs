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
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub schema_version: u32,
    pub exported_at: String,
    pub files: Vec<ManifestFile>,
}

/// `records/{kind}/{id}.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordFile {
    pub kind: String,
    pub id: String,
    pub version: u32,
    pub created_at: String,
    pub updated_at: String,
    pub content: Value,
    pub sign_off: Value,
    pub verification: Option<Value>,
    pub shared_with: Vec<String>,
    pub pii_dismissed: Vec<String>,
    pub attachments: Vec<AttachmentFile>,
    /// Earlier versions, newest first.
    pub versions: Vec<VersionFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentFile {
    pub id: String,
    pub file_name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionFile {
    pub version: u32,
    pub replaced_at: String,
    pub replaced_by: String,
    pub schema_version: u32,
    pub fields: Map<String, Value>,
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
pub fn write_zip<W: Write + Seek>(
    entries: Vec<Entry>,
    exported_at: &str,
    out: W,
) -> anyhow::Result<Manifest> {
    let mut zip = ZipWriter::new(out);
    let files = entries
        .into_iter()
        .map(|entry| write_entry(&mut zip, entry))
        .collect::<anyhow::Result<Vec<_>>>()?;
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

/// Writes one file into the zip and returns its path, size and SHA-256.
/// Bytes made here (JSON, PDF) are compressed; files from the blob store
/// (mostly PDF and images, compressed already) are stored as they are and
/// copied through a small buffer, never read whole.
pub fn write_entry<W: Write + Seek>(
    zip: &mut ZipWriter<W>,
    entry: Entry,
) -> anyhow::Result<ManifestFile> {
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
        inner: zip,
        hasher: Sha256::new(),
        bytes: 0,
    };
    match entry.source {
        Source::Bytes(bytes) => sink.write_all(&bytes)?,
        Source::File(mut file) => {
            std::io::copy(&mut file, &mut sink)?;
        }
    }
    Ok(ManifestFile {
        sha256: hex::encode(sink.hasher.finalize()),
        bytes: sink.bytes,
        path: entry.path,
    })
}

/// The SHA-256 of everything `reader` yields, hex.
pub fn sha256_of(mut reader: impl Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut reader, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

/// Why an uploaded export cannot be read; the message is for the person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(pub String);

fn unreadable(message: impl Into<String>) -> Unreadable {
    Unreadable(message.into())
}

/// How much an import may unpack: total bytes, and files.
#[derive(Debug, Clone, Copy)]
pub struct UnpackLimits {
    pub total_bytes: u64,
    pub files: usize,
}

/// A ratio of unpacked to packed size no real export reaches: JSON packs
/// about 5:1, attachments are stored.
const MAX_RATIO: u64 = 100;

/// What a file's path says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Manifest,
    Person,
    AccessLog,
    Record { kind: String, id: String },
    Attachment { sha256: String },
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The part a path names, or `None` for any path an export never has
/// (`..`, absolute, other directories, other names).
fn part_of(path: &str) -> Option<Part> {
    match path.split('/').collect::<Vec<_>>().as_slice() {
        ["manifest.json"] => Some(Part::Manifest),
        ["person.json"] => Some(Part::Person),
        ["access-log.json"] => Some(Part::AccessLog),
        ["records", kind, file] => {
            let id = file.strip_suffix(".json")?;
            let known = crate::domain::record::RecordKind::parse(kind).is_some();
            (known && is_hex(id, 32)).then(|| Part::Record {
                kind: (*kind).to_owned(),
                id: id.to_owned(),
            })
        }
        ["attachments", sha] if is_hex(sha, 64) => Some(Part::Attachment {
            sha256: (*sha).to_owned(),
        }),
        _ => None,
    }
}

/// An export, read and checked against its manifest.
#[derive(Debug, Default)]
pub struct Unpacked {
    pub manifest: Option<Manifest>,
    pub person: Value,
    pub records: Vec<RecordFile>,
    /// Attached files by SHA-256 (checked), each unpacked into a spool
    /// file positioned at its start: an import holds no attachment in
    /// memory.
    pub attachments: Vec<(String, std::fs::File)>,
}

/// Reads an uploaded export: every path known, nothing unpacked beyond
/// the limits or at a zip bomb's ratio, every file present, of the size
/// and hash its manifest states, and no file the manifest does not list.
/// Attachments are copied into files that `spool` makes (JSON is read
/// into memory).
pub fn read_zip<R: Read + Seek>(
    reader: R,
    limits: UnpackLimits,
    spool: &mut dyn FnMut() -> std::io::Result<std::fs::File>,
) -> Result<Unpacked, Unreadable> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|_| {
        unreadable("the file is not a readable zip: it may be truncated or damaged")
    })?;
    if archive.len() > limits.files {
        return Err(unreadable(format!(
            "the zip holds {} files; an export may hold at most {}",
            archive.len(),
            limits.files
        )));
    }
    let mut unpacked = Unpacked::default();
    let mut seen: Vec<ManifestFile> = Vec::with_capacity(archive.len());
    let mut budget = limits.total_bytes;
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|_| unreadable("the zip is damaged: a file in it cannot be read"))?;
        let path = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let part = part_of(&path).ok_or_else(|| {
            unreadable(format!(
                "`{}` is not a file a cpdfolio export contains",
                path.chars().take(200).collect::<String>()
            ))
        })?;
        let declared = entry.size();
        if declared > budget {
            return Err(unreadable(format!(
                "the zip unpacks to more than the import limit of {} bytes",
                limits.total_bytes
            )));
        }
        if declared > 1 << 20 && declared / entry.compressed_size().max(1) > MAX_RATIO {
            return Err(unreadable(format!(
                "`{path}` unpacks {}-fold, as zip bombs do; it is not a cpdfolio export",
                declared / entry.compressed_size().max(1)
            )));
        }
        let damaged = || {
            unreadable(format!(
                "`{path}` is damaged: its content does not match its checksum"
            ))
        };
        let wrong_size = || unreadable(format!("`{path}` is not the size the zip states"));
        budget -= declared;
        if let Part::Attachment { sha256 } = part {
            let mut file = spool().map_err(|e| {
                unreadable(format!("the server has no room to unpack the export: {e}"))
            })?;
            let mut sink = Hashing {
                inner: &mut file,
                hasher: Sha256::new(),
                bytes: 0,
            };
            std::io::copy(&mut entry.take(declared + 1), &mut sink).map_err(|_| damaged())?;
            if sink.bytes != declared {
                return Err(wrong_size());
            }
            seen.push(ManifestFile {
                sha256: hex::encode(sink.hasher.finalize()),
                bytes: declared,
                path: path.clone(),
            });
            file.seek(std::io::SeekFrom::Start(0))
                .map_err(|_| damaged())?;
            unpacked.attachments.push((sha256, file));
            continue;
        }
        let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
        entry
            .take(declared + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| damaged())?;
        if bytes.len() as u64 != declared {
            return Err(wrong_size());
        }
        if part != Part::Manifest {
            seen.push(ManifestFile {
                sha256: hex::encode(Sha256::digest(&bytes)),
                bytes: declared,
                path: path.clone(),
            });
        }
        unpacked.take(part, &path, bytes)?;
    }
    let manifest = unpacked
        .manifest
        .as_ref()
        .ok_or_else(|| unreadable("the zip has no manifest.json: it is not a cpdfolio export"))?;
    check_against(manifest, seen)?;
    Ok(unpacked)
}

impl Unpacked {
    fn take(&mut self, part: Part, path: &str, bytes: Vec<u8>) -> Result<(), Unreadable> {
        let json = |bytes: &[u8]| -> Result<Value, Unreadable> {
            serde_json::from_slice(bytes)
                .map_err(|e| unreadable(format!("`{path}` is not valid JSON: {e}")))
        };
        match part {
            Part::Manifest => {
                let manifest: Manifest = serde_json::from_value(json(&bytes)?).map_err(|e| {
                    unreadable(format!("manifest.json is not a cpdfolio manifest: {e}"))
                })?;
                if manifest.format != FORMAT {
                    return Err(unreadable(format!(
                        "manifest.json names the format `{}`, not `{FORMAT}`",
                        manifest.format
                    )));
                }
                if manifest.schema_version > SCHEMA_VERSION {
                    return Err(unreadable(format!(
                        "the export was written by a newer cpdfolio (schema version {}); this server reads up to version {SCHEMA_VERSION}",
                        manifest.schema_version
                    )));
                }
                self.manifest = Some(manifest);
            }
            Part::Person => self.person = json(&bytes)?,
            Part::AccessLog => {
                json(&bytes)?;
            }
            Part::Record { kind, id } => {
                let record: RecordFile = serde_json::from_value(json(&bytes)?)
                    .map_err(|e| unreadable(format!("`{path}` is not a cpdfolio record: {e}")))?;
                if record.kind != kind || record.id != id {
                    return Err(unreadable(format!(
                        "`{path}` holds a record of another kind or id"
                    )));
                }
                self.records.push(record);
            }
            Part::Attachment { .. } => {
                return Err(unreadable(format!("`{path}` was not unpacked as a file")));
            }
        }
        Ok(())
    }
}

/// Every file listed, present, of its size and hash; none unlisted.
fn check_against(manifest: &Manifest, mut seen: Vec<ManifestFile>) -> Result<(), Unreadable> {
    let mut listed = manifest.files.clone();
    listed.sort_by(|a, b| a.path.cmp(&b.path));
    seen.sort_by(|a, b| a.path.cmp(&b.path));
    for file in &listed {
        match seen.iter().find(|s| s.path == file.path) {
            None => {
                return Err(unreadable(format!(
                    "`{}` is listed in the manifest but missing: the export is incomplete",
                    file.path
                )));
            }
            Some(found) if found != file => {
                return Err(unreadable(format!(
                    "`{}` does not match the hash in the manifest: it was changed after export",
                    file.path
                )));
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = seen
        .iter()
        .find(|s| !listed.iter().any(|l| l.path == s.path))
    {
        return Err(unreadable(format!(
            "`{}` is not listed in the manifest",
            extra.path
        )));
    }
    if let Some((sha, _)) = seen
        .iter()
        .filter_map(|s| s.path.strip_prefix("attachments/").map(|n| (n, &s.sha256)))
        .find(|(name, sha)| name != sha)
    {
        return Err(unreadable(format!(
            "attachments/{sha} is not the file its name says"
        )));
    }
    Ok(())
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

    const LIMITS: UnpackLimits = UnpackLimits {
        total_bytes: 64 << 20,
        files: 100,
    };

    fn export_of(entries: Vec<Entry>) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        write_zip(entries, "2026-11-28T00:00:00Z", &mut out).unwrap();
        out.into_inner()
    }

    /// A zip written by hand: `(path, bytes, deflated)`.
    fn raw_zip(files: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        for (path, bytes, deflated) in files {
            let method = if *deflated {
                CompressionMethod::Deflated
            } else {
                CompressionMethod::Stored
            };
            zip.start_file(
                *path,
                SimpleFileOptions::default().compression_method(method),
            )
            .unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn manifest_for(files: &[(&str, &[u8])], schema_version: u32) -> Vec<u8> {
        serde_json::to_vec(&Manifest {
            format: FORMAT.into(),
            schema_version,
            exported_at: "2026-11-28T00:00:00Z".into(),
            files: files
                .iter()
                .map(|(path, bytes)| ManifestFile {
                    path: (*path).into(),
                    bytes: bytes.len() as u64,
                    sha256: hex::encode(Sha256::digest(bytes)),
                })
                .collect(),
        })
        .unwrap()
    }

    fn refusal(bytes: Vec<u8>) -> String {
        read_zip(Cursor::new(bytes), LIMITS, &mut tempfile::tempfile)
            .unwrap_err()
            .0
    }

    #[test]
    fn an_export_reads_back_with_its_attachments() {
        let bytes = export_of(vec![
            Entry::json("person.json", &serde_json::json!({"name": "Sam"})).unwrap(),
            Entry {
                path:
                    "attachments/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
                        .into(),
                source: Source::Bytes(b"abc".to_vec()),
            },
        ]);
        let mut read = read_zip(Cursor::new(bytes), LIMITS, &mut tempfile::tempfile).unwrap();
        assert_eq!(read.person["name"], "Sam");
        let mut spooled = Vec::new();
        read.attachments[0].1.read_to_end(&mut spooled).unwrap();
        assert_eq!(spooled, b"abc");
    }

    #[test]
    fn a_changed_missing_unlisted_or_misnamed_file_is_refused() {
        let person: &[u8] = b"{}";
        let manifest = manifest_for(&[("person.json", person)], 1);
        assert_eq!(
            refusal(raw_zip(&[
                ("person.json", b"{ }", true),
                ("manifest.json", &manifest, true)
            ])),
            "`person.json` does not match the hash in the manifest: it was changed after export"
        );
        assert_eq!(
            refusal(raw_zip(&[("manifest.json", &manifest, true)])),
            "`person.json` is listed in the manifest but missing: the export is incomplete"
        );
        assert_eq!(
            refusal(raw_zip(&[
                ("person.json", person, true),
                ("access-log.json", b"[]", true),
                ("manifest.json", &manifest, true)
            ])),
            "`access-log.json` is not listed in the manifest"
        );
        let wrong = "attachments/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ae";
        let manifest = manifest_for(&[(wrong, b"abc")], 1);
        assert_eq!(
            refusal(raw_zip(&[
                (wrong, b"abc", false),
                ("manifest.json", &manifest, true)
            ])),
            "attachments/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ae is not the file its name says"
        );
    }

    #[test]
    fn foreign_paths_newer_schemas_truncation_and_bombs_are_refused() {
        assert_eq!(
            refusal(raw_zip(&[("../../etc/passwd", b"x", true)])),
            "`../../etc/passwd` is not a file a cpdfolio export contains"
        );
        assert_eq!(
            refusal(raw_zip(&[("records/reflection/x.json", b"{}", true)])),
            "`records/reflection/x.json` is not a file a cpdfolio export contains"
        );
        let newer = manifest_for(&[], 2);
        assert_eq!(
            refusal(raw_zip(&[("manifest.json", &newer, true)])),
            "the export was written by a newer cpdfolio (schema version 2); this server reads up to version 1"
        );
        let whole = export_of(vec![
            Entry::json("person.json", &serde_json::json!({})).unwrap(),
        ]);
        assert_eq!(
            refusal(whole[..whole.len() - 30].to_vec()),
            "the file is not a readable zip: it may be truncated or damaged"
        );
        let zeros = vec![0u8; 8 << 20];
        let sha = hex::encode(Sha256::digest(&zeros));
        let bomb = raw_zip(&[(&format!("attachments/{sha}"), &zeros, true)]);
        assert!(bomb.len() < 100_000, "{}", bomb.len());
        assert!(refusal(bomb).ends_with("-fold, as zip bombs do; it is not a cpdfolio export"));
        let big = vec![7u8; 2 << 20];
        let sha = hex::encode(Sha256::digest(&big));
        let limits = UnpackLimits {
            total_bytes: 1 << 20,
            files: 10,
        };
        let over = read_zip(
            Cursor::new(raw_zip(&[(&format!("attachments/{sha}"), &big, false)])),
            limits,
            &mut tempfile::tempfile,
        );
        assert_eq!(
            over.unwrap_err().0,
            "the zip unpacks to more than the import limit of 1048576 bytes"
        );
    }
}
