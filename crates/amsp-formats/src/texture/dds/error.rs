//! Errors from reading DDS files.

/// Why a DDS file was refused.
///
/// Every message carries the numbers that were wrong. The parser works on
/// bytes and does not know where they came from; the importer names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DdsError {
    /// The file does not start with the `DDS ` magic number.
    #[error("not a DDS file: the first 4 bytes are {found:02x?}, not \"DDS \"")]
    NotDds {
        /// The first bytes of the file.
        found: Vec<u8>,
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
    /// A header value is above a configured limit.
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
    #[error("invalid DDS header: {0}")]
    InvalidHeader(String),
    /// The pixel format is valid DDS but not one AMSP imports.
    #[error("unsupported DDS pixel format: {0}")]
    UnsupportedFormat(String),
}
