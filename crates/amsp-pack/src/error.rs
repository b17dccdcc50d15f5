//! Errors of writing and reading packs.
//!
//! Every variant names the pack's path and, where it applies, the entry (by
//! asset id) and the chunk (by index within the entry). Errors are `Clone`
//! (I/O errors are shared behind an [`Arc`]) because one failed read may be
//! reported to many waiters.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use amsp_core::AssetId;

/// Why reading (opening, loading from or verifying) a pack failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum PackReadError {
    /// The operating system reported an error.
    #[error("pack {}: {}I/O error: {source}", path.display(), At(*entry, None))]
    Io {
        /// The pack file.
        path: PathBuf,
        /// The entry being read, if any.
        entry: Option<AssetId>,
        /// The underlying error.
        source: Arc<io::Error>,
    },
    /// The file is shorter than its header says (or than a header).
    #[error("pack {}: truncated: the file is {actual} bytes, expected {expected}", path.display())]
    Truncated {
        /// The pack file.
        path: PathBuf,
        /// The length the header records, or the header length when the file
        /// is too short to hold a header.
        expected: u64,
        /// The length of the file.
        actual: u64,
    },
    /// The file's bytes are not a valid pack, or stored bytes do not match
    /// their checksum.
    #[error("pack {}: {}{detail}", path.display(), At(*entry, *chunk))]
    Corrupt {
        /// The pack file.
        path: PathBuf,
        /// The entry the damage was found in, if any.
        entry: Option<AssetId>,
        /// The chunk (index within the entry) the damage was found in, if any.
        chunk: Option<u32>,
        /// What is wrong.
        detail: String,
    },
    /// The header is intact but of a format version this crate does not read.
    #[error(
        "pack {}: format version {found} is not supported (this reader supports version {supported})",
        path.display()
    )]
    UnsupportedVersion {
        /// The pack file.
        path: PathBuf,
        /// The version found in the header.
        found: u32,
        /// The version this crate reads.
        supported: u32,
    },
    /// An entry or chunk index that the pack does not have.
    #[error("pack {}: {}{detail}", path.display(), At(*entry, *chunk))]
    NotFound {
        /// The pack file.
        path: PathBuf,
        /// The entry, when the entry exists but the chunk does not.
        entry: Option<AssetId>,
        /// The missing chunk index, if a chunk was asked for.
        chunk: Option<u32>,
        /// What was asked for and what exists.
        detail: String,
    },
    /// A size recorded in the pack is over a configured
    /// [`ReadLimits`](crate::ReadLimits) bound.
    #[error("pack {}: {}{what} is {size}, over the limit of {limit}", path.display(), At(*entry, *chunk))]
    LimitExceeded {
        /// The pack file.
        path: PathBuf,
        /// The entry concerned, if any.
        entry: Option<AssetId>,
        /// The chunk concerned, if any.
        chunk: Option<u32>,
        /// Which quantity is over its limit.
        what: &'static str,
        /// The value recorded in the pack.
        size: u64,
        /// The configured limit.
        limit: u64,
    },
}

impl PackReadError {
    /// Whether the pack's bytes are damaged ([`Corrupt`](Self::Corrupt) or
    /// [`Truncated`](Self::Truncated)), as opposed to an I/O failure, a version
    /// or limit refusal, or a bad index.
    #[must_use]
    pub fn is_corrupt(&self) -> bool {
        matches!(self, Self::Corrupt { .. } | Self::Truncated { .. })
    }

    /// The pack file the error is about.
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            Self::Io { path, .. }
            | Self::Truncated { path, .. }
            | Self::Corrupt { path, .. }
            | Self::UnsupportedVersion { path, .. }
            | Self::NotFound { path, .. }
            | Self::LimitExceeded { path, .. } => path,
        }
    }

    /// The entry the error is about, if any.
    #[must_use]
    pub fn entry(&self) -> Option<AssetId> {
        match self {
            Self::Io { entry, .. }
            | Self::Corrupt { entry, .. }
            | Self::NotFound { entry, .. }
            | Self::LimitExceeded { entry, .. } => *entry,
            Self::Truncated { .. } | Self::UnsupportedVersion { .. } => None,
        }
    }
}

/// Why writing a pack failed.
///
/// After any error from [`PackWriter::add_entry`](crate::PackWriter::add_entry),
/// [`add_prepared`](crate::PackWriter::add_prepared) or
/// [`copy_entry`](crate::PackWriter::copy_entry) other than
/// [`DuplicateEntry`](Self::DuplicateEntry) and
/// [`InvalidEntry`](Self::InvalidEntry), the writer refuses further work with
/// [`Poisoned`](Self::Poisoned); drop it (which removes its temporary file).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum PackWriteError {
    /// The operating system reported an error.
    #[error("pack {}: {op}: {source}", path.display())]
    Io {
        /// The pack being written (its final path).
        path: PathBuf,
        /// What the writer was doing.
        op: &'static str,
        /// The underlying error.
        source: Arc<io::Error>,
    },
    /// The [`WriteOptions`](crate::WriteOptions) are not valid.
    #[error("pack {}: invalid options: {detail}", path.display())]
    InvalidOptions {
        /// The pack being written.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// An entry with this asset id was already added.
    #[error("pack {}: entry {entry} was already added", path.display())]
    DuplicateEntry {
        /// The pack being written.
        path: PathBuf,
        /// The repeated id.
        entry: AssetId,
    },
    /// The entry cannot be stored (nil id, too many or too large chunks).
    #[error("pack {}: {}{detail}", path.display(), At(Some(*entry), *chunk))]
    InvalidEntry {
        /// The pack being written.
        path: PathBuf,
        /// The entry.
        entry: AssetId,
        /// The chunk concerned, if any.
        chunk: Option<u32>,
        /// What is wrong.
        detail: String,
    },
    /// The compressor failed.
    #[error("pack {}: {}compression failed: {source}", path.display(), At(Some(*entry), Some(*chunk)))]
    Compress {
        /// The pack being written.
        path: PathBuf,
        /// The entry.
        entry: AssetId,
        /// The chunk.
        chunk: u32,
        /// The compressor's error.
        source: Arc<io::Error>,
    },
    /// Reading the source pack of [`copy_entry`](crate::PackWriter::copy_entry) failed.
    #[error("pack {}: copying an entry: {source}", path.display())]
    Read {
        /// The pack being written.
        path: PathBuf,
        /// The read error, naming the source pack.
        source: Box<PackReadError>,
    },
    /// An earlier error left the pack in an unknown state.
    #[error("pack {}: an earlier error left this writer unusable", path.display())]
    Poisoned {
        /// The pack being written.
        path: PathBuf,
    },
}

/// Formats "entry <id> chunk <n>: " for error messages; empty when neither is known.
pub(crate) struct At(pub Option<AssetId>, pub Option<u32>);

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0, self.1) {
            (Some(entry), Some(chunk)) => write!(f, "entry {entry} chunk {chunk}: "),
            (Some(entry), None) => write!(f, "entry {entry}: "),
            (None, Some(chunk)) => write!(f, "chunk {chunk}: "),
            (None, None) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_path_entry_and_chunk() {
        let err = PackReadError::Corrupt {
            path: PathBuf::from("build/pack-000001.amsp"),
            entry: Some(AssetId::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef)),
            chunk: Some(2),
            detail: "checksum mismatch (stored 0x1, computed 0x2)".to_owned(),
        };
        assert_eq!(
            err.to_string(),
            "pack build/pack-000001.amsp: entry 0123456789abcdef0123456789abcdef chunk 2: \
             checksum mismatch (stored 0x1, computed 0x2)"
        );
        assert!(err.is_corrupt());
        assert_eq!(err.path(), Path::new("build/pack-000001.amsp"));
    }

    #[test]
    fn errors_are_send_sync_clone() {
        fn check<T: Send + Sync + Clone + std::error::Error + 'static>() {}
        check::<PackReadError>();
        check::<PackWriteError>();
    }
}
