//! Cache keys: what an entry's bytes were made from, hashed.

use std::fmt;

use amsp_core::ContentHash;

/// The engine version every key is hashed with: entries written by another
/// build of AMSP are never found.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Domain separation for the key digest, so no other BLAKE3 use in AMSP can
/// produce the same digest from the same parts.
const KEY_CONTEXT: &str = "amsp disk cache key v1";

/// The key of a disk cache entry: a BLAKE3 digest of the content hash of the
/// bytes the entry was derived from, the kind of derivation, its format
/// version and the engine version.
///
/// Keys are exact: change any part and the key changes, so an entry can never
/// be served for inputs it was not made from, and nothing needs invalidating.
///
/// ```
/// use amsp_core::ContentHash;
/// use amsp_io::CacheKey;
///
/// let hash = ContentHash([7; 32]);
/// let bc7 = CacheKey::new(hash, "texture-bc7", 1);
/// assert_ne!(bc7, CacheKey::new(hash, "texture-bc7", 2));
/// assert_ne!(bc7, CacheKey::new(hash, "texture-astc", 1));
/// assert_ne!(bc7.part(0), bc7.part(1));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    /// The key of bytes of kind `kind` (`"texture-bc7"`, `"source-chunk"`)
    /// in format version `format_version`, derived from content with hash
    /// `content_hash`, for this engine version ([`ENGINE_VERSION`]).
    #[must_use]
    pub fn new(content_hash: ContentHash, kind: &str, format_version: u32) -> Self {
        Self::for_engine(content_hash, kind, format_version, ENGINE_VERSION)
    }

    /// As [`new`](CacheKey::new), for an explicitly named engine version
    /// (a tool that inspects the cache of another build).
    #[must_use]
    pub fn for_engine(
        content_hash: ContentHash,
        kind: &str,
        format_version: u32,
        engine_version: &str,
    ) -> Self {
        let mut hasher = blake3::Hasher::new_derive_key(KEY_CONTEXT);
        // Every variable-length part is length-prefixed, so no two different
        // sets of parts hash the same byte string.
        hasher.update(&(engine_version.len() as u64).to_le_bytes());
        hasher.update(engine_version.as_bytes());
        hasher.update(&(kind.len() as u64).to_le_bytes());
        hasher.update(kind.as_bytes());
        hasher.update(&format_version.to_le_bytes());
        hasher.update(content_hash.as_bytes());
        Self(*hasher.finalize().as_bytes())
    }

    /// The key of part `index` of what this key names (one chunk of an
    /// asset, one level of a texture).
    #[must_use]
    pub fn part(&self, index: u64) -> Self {
        let mut hasher = blake3::Hasher::new_derive_key(KEY_CONTEXT);
        hasher.update(b"part");
        hasher.update(&self.0);
        hasher.update(&index.to_le_bytes());
        Self(*hasher.finalize().as_bytes())
    }

    /// A key from its digest (as stored in an entry's header).
    #[must_use]
    pub const fn from_digest(digest: [u8; 32]) -> Self {
        Self(digest)
    }

    /// The digest.
    #[must_use]
    pub const fn digest(&self) -> &[u8; 32] {
        &self.0
    }

    /// The digest in lower-case hexadecimal: the entry's file name.
    #[must_use]
    pub fn to_hex(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CacheKey({self})")
    }
}

/// Parses a 64-digit lower-case hexadecimal file name back into a key.
pub(crate) fn parse_hex(name: &str) -> Option<CacheKey> {
    let bytes = name.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut digest = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let hi = hex_digit(pair[0])?;
        let lo = hex_digit(pair[1])?;
        digest[i] = hi << 4 | lo;
    }
    Some(CacheKey(digest))
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let key = CacheKey::new(ContentHash([3; 32]), "k", 1);
        assert_eq!(parse_hex(&key.to_hex()), Some(key));
        assert_eq!(parse_hex(&key.to_hex().to_uppercase()), None);
        assert_eq!(parse_hex("00"), None);
    }
}
