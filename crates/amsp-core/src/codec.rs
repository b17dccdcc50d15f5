//! Chunk compression codecs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How the stored bytes of a pack chunk are compressed.
///
/// The numeric value is the codec byte written in pack files; it never changes
/// for an existing codec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Codec {
    /// Stored as is.
    #[default]
    None = 0,
    /// LZ4 block format (fast to decode, modest ratio).
    Lz4 = 1,
    /// Zstandard frame (good ratio, fast decode).
    Zstd = 2,
}

impl Codec {
    /// Every codec, in codec-byte order.
    pub const ALL: [Codec; 3] = [Codec::None, Codec::Lz4, Codec::Zstd];

    /// The codec byte written in pack files.
    #[must_use]
    pub const fn to_byte(self) -> u8 {
        self as u8
    }

    /// The codec for a codec byte, if it is known.
    #[must_use]
    pub const fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(Self::None),
            1 => Some(Self::Lz4),
            2 => Some(Self::Zstd),
            _ => None,
        }
    }

    /// The lowercase name used in the catalog and on the command line.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Lz4 => "lz4",
            Self::Zstd => "zstd",
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error returned for an unknown codec name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown codec {name:?}: expected one of none, lz4, zstd")]
pub struct UnknownCodecError {
    /// The name that was given.
    pub name: String,
}

impl FromStr for Codec {
    type Err = UnknownCodecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownCodecError { name: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_names_round_trip() {
        for codec in Codec::ALL {
            assert_eq!(Codec::from_byte(codec.to_byte()), Some(codec));
            assert_eq!(codec.name().parse::<Codec>().unwrap(), codec);
        }
        assert_eq!(Codec::from_byte(3), None);
        assert!("brotli".parse::<Codec>().is_err());
    }
}
