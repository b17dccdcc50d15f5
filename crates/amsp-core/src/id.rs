//! Stable asset identifiers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The stable 128-bit identity of an asset.
///
/// Written as 32 lowercase hexadecimal digits. The id is generated on the first
/// cook and stored in the source's `.meta` sidecar, so renaming or moving the
/// source keeps the id, and with it every reference to the asset.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct AssetId(u128);

impl AssetId {
    /// The all-zero id; never assigned to a real asset.
    pub const NIL: AssetId = AssetId(0);

    /// Wraps a raw 128-bit value.
    #[must_use]
    pub const fn from_u128(value: u128) -> Self {
        Self(value)
    }

    /// The raw 128-bit value.
    #[must_use]
    pub const fn as_u128(self) -> u128 {
        self.0
    }

    /// Builds an id from 16 little-endian bytes.
    #[must_use]
    pub const fn from_le_bytes(bytes: [u8; 16]) -> Self {
        Self(u128::from_le_bytes(bytes))
    }

    /// The id as 16 little-endian bytes, as stored in pack files.
    #[must_use]
    pub const fn to_le_bytes(self) -> [u8; 16] {
        self.0.to_le_bytes()
    }

    /// Whether this is [`AssetId::NIL`].
    #[must_use]
    pub const fn is_nil(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl fmt::Debug for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AssetId({self})")
    }
}

/// Error returned when a string is not 32 hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid asset id {text:?}: expected 32 hexadecimal digits")]
pub struct ParseIdError {
    /// The text that failed to parse.
    pub text: String,
}

impl FromStr for AssetId {
    type Err = ParseIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseIdError { text: s.to_owned() };
        if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        u128::from_str_radix(s, 16).map(Self).map_err(|_| err())
    }
}

impl Serialize for AssetId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AssetId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text_and_bytes() {
        let id = AssetId::from_u128(0x0011_2233_4455_6677_8899_aabb_ccdd_eeff);
        assert_eq!(id.to_string(), "00112233445566778899aabbccddeeff");
        assert_eq!(id.to_string().parse::<AssetId>().unwrap(), id);
        assert_eq!(AssetId::from_le_bytes(id.to_le_bytes()), id);
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in ["", "0", "+0112233445566778899aabbccddeeff", "zz112233445566778899aabbccddeeff"]
        {
            assert!(bad.parse::<AssetId>().is_err(), "{bad:?} parsed");
        }
        assert!("00112233445566778899AABBCCDDEEFF".parse::<AssetId>().is_ok());
    }
}
