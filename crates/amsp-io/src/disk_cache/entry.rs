//! The entry file: a 64-byte header and the payload.
//!
//! ```text
//! offset  size  field
//!      0     8  magic "AMSPDC\r\n"
//!      8     4  format version (u32, little-endian): 1
//!     12     4  reserved, zero
//!     16    32  key digest (BLAKE3, see CacheKey)
//!     48     8  payload length in bytes (u64, little-endian)
//!     56     8  payload checksum: XXH3-64 of the payload (u64, little-endian)
//!     64     …  payload
//! ```
//!
//! A read verifies every field: the magic, version and reserved bytes, that
//! the digest is the key asked for, that the file is exactly 64 bytes plus
//! the payload length long, and the checksum. Any single changed byte or any
//! truncation therefore fails one of them.

use std::fs::File;
use std::io::{self, Read};

use xxhash_rust::xxh3::xxh3_64;

use super::CacheKey;

/// First bytes of every entry.
pub(crate) const MAGIC: [u8; 8] = *b"AMSPDC\r\n";
/// Version of this layout.
pub(crate) const FORMAT_VERSION: u32 = 1;
/// Size of the header.
pub(crate) const HEADER_LEN: usize = 64;

const VERSION_AT: usize = 8;
const RESERVED_AT: usize = 12;
const DIGEST_AT: usize = 16;
const LENGTH_AT: usize = 48;
const CHECKSUM_AT: usize = 56;

/// The header of an entry holding `payload` under `key`.
pub(crate) fn header(key: &CacheKey, payload: &[u8]) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..VERSION_AT].copy_from_slice(&MAGIC);
    h[VERSION_AT..RESERVED_AT].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    h[DIGEST_AT..LENGTH_AT].copy_from_slice(key.digest());
    h[LENGTH_AT..CHECKSUM_AT].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    h[CHECKSUM_AT..].copy_from_slice(&xxh3_64(payload).to_le_bytes());
    h
}

/// Size of the entry file holding `payload_len` bytes, if representable.
pub(crate) fn file_len(payload_len: usize) -> Option<u64> {
    u64::try_from(payload_len).ok()?.checked_add(HEADER_LEN as u64)
}

/// Why an entry file could not be served.
#[derive(Debug)]
pub(crate) enum EntryFault {
    /// Reading failed.
    Io(io::Error),
    /// The bytes are not a valid entry for the key.
    Corrupt(String),
}

/// Reads and verifies the entry in `file` (of length `len`, from its
/// metadata) for `key`, replacing `out` with its payload. No allocation is
/// made before the header's length agrees with the file's.
pub(crate) fn read_verified(
    file: &mut File,
    len: u64,
    key: &CacheKey,
    out: &mut Vec<u8>,
) -> Result<(), EntryFault> {
    let corrupt = |what: String| Err(EntryFault::Corrupt(what));
    if len < HEADER_LEN as u64 {
        return corrupt(format!("{len} bytes, shorter than the {HEADER_LEN}-byte header"));
    }
    let mut h = [0u8; HEADER_LEN];
    file.read_exact(&mut h).map_err(EntryFault::Io)?;
    if h[..VERSION_AT] != MAGIC {
        return corrupt("bad magic".into());
    }
    let version = u32::from_le_bytes(h[VERSION_AT..RESERVED_AT].try_into().unwrap_or_default());
    if version != FORMAT_VERSION {
        return corrupt(format!("format version {version}, expected {FORMAT_VERSION}"));
    }
    if h[RESERVED_AT..DIGEST_AT] != [0; 4] {
        return corrupt("reserved bytes are not zero".into());
    }
    if h[DIGEST_AT..LENGTH_AT] != key.digest()[..] {
        return corrupt("key digest does not match the file name".into());
    }
    let payload_len = u64::from_le_bytes(h[LENGTH_AT..CHECKSUM_AT].try_into().unwrap_or_default());
    let expected_len = payload_len.checked_add(HEADER_LEN as u64);
    if expected_len != Some(len) {
        return corrupt(format!("header says {payload_len} payload bytes, file holds {len} bytes"));
    }
    // The length now agrees with the file's size, which the cache's cap
    // bounds, so the allocation is bounded too.
    let Ok(payload_len) = usize::try_from(payload_len) else {
        return corrupt(format!("payload of {payload_len} bytes does not fit in memory"));
    };
    let checksum = u64::from_le_bytes(h[CHECKSUM_AT..].try_into().unwrap_or_default());
    out.clear();
    out.try_reserve_exact(payload_len)
        .map_err(|e| EntryFault::Io(io::Error::new(io::ErrorKind::OutOfMemory, e.to_string())))?;
    // `take` + `read_to_end` rather than `read_exact` into a zeroed buffer:
    // no zero-fill of a megabyte before overwriting it.
    let read = file.take(payload_len as u64).read_to_end(out).map_err(EntryFault::Io)?;
    if read != payload_len {
        out.clear();
        return corrupt(format!("file ended after {read} of {payload_len} payload bytes"));
    }
    let actual = xxh3_64(out);
    if actual != checksum {
        out.clear();
        return corrupt(format!("payload checksum {actual:016x}, header says {checksum:016x}"));
    }
    Ok(())
}
