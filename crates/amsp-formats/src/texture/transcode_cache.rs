//! The transcode cache: Basis Universal levels transcoded at load, kept in
//! the disk cache (L2) so that the next load of the same level for the same
//! target reads the result instead of transcoding again.
//!
//! An entry's key is exact. It is made from
//!
//! - a BLAKE3 hash of the texture's header chunk (dimensions, layers, faces,
//!   DFD with its colour model, alpha and transfer function, the level
//!   index, ETC1S codebooks: everything besides the level's bytes that the
//!   output depends on),
//! - the level number and a BLAKE3 hash of the level's stored bytes, as read
//!   from the source (not the descriptor's claimed content hash: the bytes
//!   themselves, so a source that serves other bytes than its catalog says
//!   gets other entries),
//! - the target ([`TextureTarget`]), the version of the `basisu` transcoder
//!   and [`TRANSCODE_CACHE_VERSION`] (the key kind and format version), and
//!   the engine version ([`amsp_io::disk_cache::ENGINE_VERSION`], via
//!   [`CacheKey::new`]).
//!
//! The cache verifies every entry it serves (checksum, length); the loader
//! also checks that a hit has exactly the length the level must have in the
//! target format, and transcodes (and stores again) otherwise. A store that
//! fails (full disk, entry over the cap) leaves the load as it is; the
//! cache counts it in [`DiskCacheStats::write_errors`].
//!
//! [`DiskCacheStats::write_errors`]: amsp_io::DiskCacheStats::write_errors

use amsp_core::ContentHash;
use amsp_io::{CacheKey, DiskCache};

use super::basis::{BasisError, BasisTranscoder, TextureTarget};

/// Format version of transcode cache entries: bumped whenever what an entry
/// holds for the same inputs changes (layout of the transcoded bytes, the
/// parts of the key).
pub const TRANSCODE_CACHE_VERSION: u32 = 1;

/// The version of the `basisu` crate the transcoder is (pinned with `=` in
/// `Cargo.toml`; a test checks this against `Cargo.lock`), so that entries
/// written by another transcoder are never found.
pub const TRANSCODER_VERSION: &str = "basisu-0.1.0";

/// Domain separation of the hashes made here from any other BLAKE3 use.
const HEADER_CONTEXT: &str = "amsp basis transcode cache header v1";
const LEVEL_CONTEXT: &str = "amsp basis transcode cache level v1";

/// The part of a key kind that names a target; stable across renames of
/// the enum's variants.
fn target_kind(target: TextureTarget) -> &'static str {
    match target {
        TextureTarget::Desktop => "basis-transcode/desktop-bc7",
        TextureTarget::Mobile => "basis-transcode/mobile-astc4x4",
        TextureTarget::MobileEtc2 => "basis-transcode/mobile-etc2",
        TextureTarget::Uncompressed => "basis-transcode/rgba8",
    }
}

/// The disk cache as one texture load sees it: the cache and the hash of
/// the texture's header chunk, computed once for all its levels.
pub(crate) struct LevelCache<'c> {
    cache: &'c DiskCache,
    header_hash: [u8; 32],
}

impl<'c> LevelCache<'c> {
    /// The cache for levels of the texture whose header chunk is `header`.
    pub(crate) fn new(cache: &'c DiskCache, header: &[u8]) -> Self {
        let mut hasher = blake3::Hasher::new_derive_key(HEADER_CONTEXT);
        hasher.update(&(header.len() as u64).to_le_bytes());
        hasher.update(header);
        Self { cache, header_hash: *hasher.finalize().as_bytes() }
    }

    /// The key of level `level`, stored as `stored_level` (exactly the
    /// level's bytes), transcoded for `target`.
    pub(crate) fn key(&self, level: u32, stored_level: &[u8], target: TextureTarget) -> CacheKey {
        let mut hasher = blake3::Hasher::new_derive_key(LEVEL_CONTEXT);
        hasher.update(&self.header_hash);
        hasher.update(&level.to_le_bytes());
        hasher.update(&(stored_level.len() as u64).to_le_bytes());
        hasher.update(stored_level);
        let content = ContentHash(*hasher.finalize().as_bytes());
        let kind = format!("{}/{TRANSCODER_VERSION}", target_kind(target));
        CacheKey::new(content, &kind, TRANSCODE_CACHE_VERSION)
    }

    /// Level `level` of `transcoder`'s texture, transcoded for `target`:
    /// from the cache when it holds a verified entry of the right length,
    /// else transcoded from `stored` (the level's chunk) and stored.
    ///
    /// # Errors
    ///
    /// As [`BasisTranscoder::transcode_stored_level`] (only on a miss; the
    /// level's bytes are checked against the level index either way).
    pub(crate) fn transcode(
        &self,
        transcoder: &BasisTranscoder<'_, '_>,
        level: u32,
        stored: &[u8],
        target: TextureTarget,
    ) -> Result<Vec<u8>, BasisError> {
        let stored_level = transcoder.stored_level(level, stored)?;
        let key = self.key(level, stored_level, target);
        let expected = transcoder.output_len(level, target)?;
        let mut data = Vec::new();
        if self.cache.get_into(&key, &mut data) && data.len() as u64 == expected {
            return Ok(data);
        }
        // A miss, or an entry that verifies but has the wrong length (it
        // cannot be this level's): transcode, and replace it.
        let data = transcoder.transcode_stored_level(level, stored, target)?.data;
        // A failed store is counted by the cache and changes nothing else.
        let _ = self.cache.put(&key, &data);
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcoder_version_matches_the_lock_file() {
        let lock =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock"))
                .expect("Cargo.lock at the workspace root");
        let mut versions = lock
            .split("[[package]]")
            .filter(|p| p.contains("\nname = \"basisu\"\n"))
            .filter_map(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
            .map(|v| v.trim_end_matches('"').to_owned());
        let version = versions.next().expect("basisu in Cargo.lock");
        assert_eq!(versions.next(), None, "more than one basisu version in Cargo.lock");
        assert_eq!(
            TRANSCODER_VERSION,
            format!("basisu-{version}"),
            "the transcoder changed: update TRANSCODER_VERSION so old cache entries are not found"
        );
    }

    #[test]
    fn every_part_changes_the_key() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = DiskCache::open(tmp.path(), amsp_io::DiskCacheConfig::default()).unwrap();
        let a = LevelCache::new(&cache, b"header a");
        let b = LevelCache::new(&cache, b"header b");
        let key = a.key(1, b"level", TextureTarget::Desktop);
        assert_eq!(key, a.key(1, b"level", TextureTarget::Desktop));
        assert_ne!(key, b.key(1, b"level", TextureTarget::Desktop));
        assert_ne!(key, a.key(2, b"level", TextureTarget::Desktop));
        assert_ne!(key, a.key(1, b"levem", TextureTarget::Desktop));
        assert_ne!(key, a.key(1, b"level!", TextureTarget::Desktop));
        let mut keys: Vec<_> = TextureTarget::ALL.iter().map(|&t| a.key(1, b"level", t)).collect();
        keys.sort_by_key(|k| *k.digest());
        keys.dedup();
        assert_eq!(keys.len(), TextureTarget::ALL.len());
    }
}
