//! Just enough of the zip format to list an archive's parts: the end
//! record, the central directory and each part's local header. DOCX and ODT
//! are zip archives, and what they hold is decided from this list, never
//! from strings found somewhere in the bytes. Anything a careful reader
//! could take two ways (several disks, zip64, encryption, a part whose
//! local header disagrees with the directory) is malformed here.

const END_SIGNATURE: &[u8] = b"PK\x05\x06";
const ZIP64_END_SIGNATURE: &[u8] = b"PK\x06\x06";
const CENTRAL_SIGNATURE: &[u8] = b"PK\x01\x02";
const LOCAL_SIGNATURE: &[u8] = b"PK\x03\x04";
const END_LEN: usize = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;
const ENCRYPTED: u16 = 1;

/// One part of an archive as its central directory describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    pub name: &'a [u8],
    /// 0 when stored uncompressed.
    pub method: u16,
    /// The part's bytes as stored (compressed unless `method` is 0).
    pub data: &'a [u8],
    /// Where the part's local header starts.
    pub offset: usize,
    pub uncompressed_size: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZipError {
    Malformed,
    /// More parts than the caller allows.
    TooManyEntries,
}

struct End {
    at: usize,
    entries: usize,
    directory_size: usize,
    directory_offset: usize,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn len_u16(bytes: &[u8], at: usize) -> Option<usize> {
    u16_at(bytes, at).map(usize::from)
}

/// A 32-bit size or offset; the all-ones value means "see zip64".
fn len_u32(bytes: &[u8], at: usize) -> Option<usize> {
    u32_at(bytes, at)
        .filter(|&v| v != u32::MAX)
        .and_then(|v| usize::try_from(v).ok())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The end record: the last one whose comment runs exactly to the end of
/// the file. A comment holding another end record is refused, since readers
/// would disagree about which one counts.
fn end_record(bytes: &[u8]) -> Option<End> {
    let last = bytes.len().checked_sub(END_LEN)?;
    let first = last.saturating_sub(usize::from(u16::MAX));
    let at = (first..=last).rev().find(|&at| {
        bytes[at..].starts_with(END_SIGNATURE)
            && len_u16(bytes, at + 20).is_some_and(|c| at + END_LEN + c == bytes.len())
    })?;
    let comment = &bytes[at + END_LEN..];
    let one_disk = u16_at(bytes, at + 4)? == 0 && u16_at(bytes, at + 6)? == 0;
    let entries = u16_at(bytes, at + 10)?;
    let clean = one_disk
        && u16_at(bytes, at + 8)? == entries
        && entries != u16::MAX
        && !contains(comment, END_SIGNATURE)
        && !contains(comment, ZIP64_END_SIGNATURE);
    clean.then_some(End {
        at,
        entries: usize::from(entries),
        directory_size: len_u32(bytes, at + 12)?,
        directory_offset: len_u32(bytes, at + 16)?,
    })
}

/// The central directory entry at `at` and where the next one starts.
fn central_entry(bytes: &[u8], at: usize, directory_start: usize) -> Option<(Entry<'_>, usize)> {
    if !bytes.get(at..)?.starts_with(CENTRAL_SIGNATURE) || u16_at(bytes, at + 8)? & ENCRYPTED != 0 {
        return None;
    }
    let name_len = len_u16(bytes, at + 28)?;
    let name = bytes.get(at + CENTRAL_LEN..at + CENTRAL_LEN + name_len)?;
    let next = at + CENTRAL_LEN + name_len + len_u16(bytes, at + 30)? + len_u16(bytes, at + 32)?;
    let offset = len_u32(bytes, at + 42)?;
    let stored_size = len_u32(bytes, at + 20)?;
    let data = local_data(bytes, offset, name, stored_size, directory_start)?;
    let entry = Entry {
        name,
        method: u16_at(bytes, at + 10)?,
        data,
        offset,
        uncompressed_size: len_u32(bytes, at + 24)?,
    };
    Some((entry, next))
}

/// The part's stored bytes, after a local header that names it as the
/// directory does, wholly before the directory.
fn local_data<'a>(
    bytes: &'a [u8],
    offset: usize,
    name: &[u8],
    stored_size: usize,
    directory_start: usize,
) -> Option<&'a [u8]> {
    let header = bytes.get(offset..directory_start)?;
    let name_len = len_u16(header, 26)?;
    let start = LOCAL_LEN + name_len + len_u16(header, 28)?;
    let same_name = header.get(LOCAL_LEN..LOCAL_LEN + name_len) == Some(name);
    (header.starts_with(LOCAL_SIGNATURE) && same_name)
        .then(|| header.get(start..start.checked_add(stored_size)?))
        .flatten()
}

/// Every part the central directory lists, in its order; at most
/// `max_entries` of them.
pub fn entries(bytes: &[u8], max_entries: usize) -> Result<Vec<Entry<'_>>, ZipError> {
    let end = end_record(bytes).ok_or(ZipError::Malformed)?;
    if end.entries > max_entries {
        return Err(ZipError::TooManyEntries);
    }
    if end.directory_offset.checked_add(end.directory_size) != Some(end.at) {
        return Err(ZipError::Malformed);
    }
    let mut found = Vec::with_capacity(end.entries);
    let mut at = end.directory_offset;
    for _ in 0..end.entries {
        let (entry, next) =
            central_entry(bytes, at, end.directory_offset).ok_or(ZipError::Malformed)?;
        found.push(entry);
        at = next;
    }
    if at == end.at {
        Ok(found)
    } else {
        Err(ZipError::Malformed)
    }
}
