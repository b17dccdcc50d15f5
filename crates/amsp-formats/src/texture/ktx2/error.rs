//! Errors from reading and writing KTX2 files.

/// Why a KTX2 file was refused, or why one of its levels could not be read.
///
/// Every message carries the numbers that were wrong. The parser works on
/// bytes and does not know where they came from: wrap the error with
/// [`Ktx2Error::with_path`] to name the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Ktx2Error {
    /// Another error, about the file at `path`.
    #[error("{path}: {source}")]
    WithPath {
        /// The file the error is about.
        path: String,
        /// What is wrong with it.
        source: Box<Ktx2Error>,
    },
    /// The file ends before a structure that must be there.
    #[error("the file is {file_len} bytes, too short for the {what} ({needed} bytes needed)")]
    Truncated {
        /// The structure that does not fit.
        what: &'static str,
        /// How many bytes the file would need.
        needed: u64,
        /// How long the file is.
        file_len: u64,
    },
    /// The file does not start with the KTX2 identifier.
    #[error("not a KTX2 file: the first 12 bytes are {found:02x?}, not the «KTX 20» identifier")]
    NotKtx2 {
        /// The first bytes of the file.
        found: Vec<u8>,
    },
    /// A header value is above a configured [`TextureLimits`](super::TextureLimits) limit.
    #[error("{what} is {value}, above the limit of {limit}")]
    LimitExceeded {
        /// The field or total that is too large.
        what: &'static str,
        /// Its value in the file.
        value: u64,
        /// The configured limit.
        limit: u64,
    },
    /// A header field is invalid or inconsistent with another.
    #[error("invalid header: {0}")]
    InvalidHeader(String),
    /// A region of the file lies (partly) past its end.
    #[error("{region} byte range {start}..{end} is past the end of the file ({file_len} bytes)")]
    RegionPastEnd {
        /// The region, e.g. `level 3` or `DFD`.
        region: String,
        /// First byte of the region.
        start: u64,
        /// One past its last byte (saturated at `u64::MAX`).
        end: u64,
        /// How long the file is.
        file_len: u64,
    },
    /// Two regions of the file overlap, or a region overlaps the header and index.
    #[error("{region} byte range {start}..{end} overlaps {other} ({other_start}..{other_end})")]
    RegionOverlap {
        /// The region that starts later.
        region: String,
        /// First byte of the region.
        start: u64,
        /// One past its last byte.
        end: u64,
        /// The region it overlaps.
        other: String,
        /// First byte of the other region.
        other_start: u64,
        /// One past its last byte.
        other_end: u64,
    },
    /// A level's index entry is inconsistent with the header or the DFD.
    #[error("level {level}: {detail}")]
    InvalidLevel {
        /// The level (0 is the largest).
        level: u32,
        /// What is wrong.
        detail: String,
    },
    /// The supercompression scheme is not one defined by the KTX2 specification.
    #[error("unknown supercompression scheme {0} (known: 0 none, 1 BasisLZ, 2 zstd, 3 zlib)")]
    UnknownSupercompression(u32),
    /// The supercompression scheme is known but this crate cannot decode it.
    #[error("supercompression scheme {scheme} ({name}) is not supported")]
    UnsupportedSupercompression {
        /// The scheme number.
        scheme: u32,
        /// Its name.
        name: &'static str,
    },
    /// The `vkFormat` is one the KTX2 specification prohibits.
    #[error("vkFormat {vk_format} cannot be used in KTX2: {reason}")]
    ProhibitedFormat {
        /// The raw `vkFormat`.
        vk_format: u32,
        /// Which prohibition it falls under.
        reason: &'static str,
    },
    /// `typeSize` is not 1 for block-compressed or Basis Universal data.
    #[error("typeSize is {type_size} but vkFormat {vk_format} needs {expected}")]
    TypeSizeMismatch {
        /// The raw `vkFormat`.
        vk_format: u32,
        /// `typeSize` in the file.
        type_size: u32,
        /// What the format needs.
        expected: u32,
    },
    /// The DFD describes a different format than `vkFormat`.
    #[error("the DFD's {field} is {found} but vkFormat {vk_format} needs {expected}")]
    DfdFormatMismatch {
        /// The raw `vkFormat`.
        vk_format: u32,
        /// The DFD field that disagrees.
        field: &'static str,
        /// Its value in the file.
        found: String,
        /// What the format needs.
        expected: String,
    },
    /// The data format descriptor is malformed.
    #[error("invalid data format descriptor: {0}")]
    InvalidDfd(String),
    /// The key/value data is malformed.
    #[error("invalid key/value data: {0}")]
    InvalidKeyValue(String),
    /// A zstd level did not decompress to its `uncompressedByteLength`.
    #[error("level {level}: zstd data does not decompress to {expected} bytes: {detail}")]
    Decompress {
        /// The level.
        level: u32,
        /// The `uncompressedByteLength` from the level index.
        expected: u64,
        /// What went wrong.
        detail: String,
    },
    /// A level was asked for that the file does not have.
    #[error("level {level} was requested, but the file has {count} levels")]
    NoSuchLevel {
        /// The level asked for.
        level: u32,
        /// How many levels the file stores.
        count: u32,
    },
    /// The writer was given inconsistent parameters or level data.
    #[error("cannot write KTX2: {0}")]
    InvalidWrite(String),
}

impl Ktx2Error {
    /// Names the file this error is about; the message becomes `path: message`.
    ///
    /// Wrapping an error that already has a path replaces the path.
    #[must_use]
    pub fn with_path(self, path: impl Into<String>) -> Self {
        let source = match self {
            Ktx2Error::WithPath { source, .. } => source,
            other => Box::new(other),
        };
        Ktx2Error::WithPath { path: path.into(), source }
    }

    /// The file this error is about, if [`with_path`](Self::with_path) named one.
    pub fn path(&self) -> Option<&str> {
        match self {
            Ktx2Error::WithPath { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The error without its path.
    pub fn without_path(&self) -> &Ktx2Error {
        match self {
            Ktx2Error::WithPath { source, .. } => source,
            other => other,
        }
    }
}
