//! `CachingSource`: an [`AssetSource`] whose chunks are kept in a
//! [`DiskCache`].

use std::ops::Range;
use std::sync::Arc;

use amsp_core::{AssetId, AssetPath, ContentHash};

use super::{CacheKey, DiskCache, DiskCacheStats};
use crate::source::{AssetDescriptor, AssetSource, ReadError};

/// The kind of the keys `CachingSource` stores chunks under.
pub const CHUNK_KIND: &str = "source-chunk";
/// Format version of those entries (the chunk's bytes as the source
/// returns them: decompressed and verified).
pub const CHUNK_FORMAT_VERSION: u32 = 1;

/// An [`AssetSource`] that serves chunks from a [`DiskCache`] and reads
/// from `inner` (a slow or remote source) only on a miss, storing what it
/// read.
///
/// Chunks are keyed by the asset's content hash, its chunk count and size,
/// the chunk's index and (when the inner source knows it) the chunk's size,
/// so a re-cooked asset (new content hash) misses and an unchanged one hits
/// even under a new id or path. An asset whose descriptor carries no content
/// hash (all zero, as [`MemorySource`](crate::MemorySource)'s) is never
/// cached: there is nothing to key it by.
///
/// The bytes stored are those `inner` returned, which it verified; the disk
/// cache verifies them again on every read, and an entry that fails is
/// refetched from `inner`. A write to the cache that fails (full disk) does
/// not fail the read; it is counted in the cache's
/// [`stats`](DiskCache::stats).
///
/// `name`, `resolve`, `describe`, `chunk_size`, `io_lane` and
/// `lane_concurrency` are `inner`'s.
#[derive(Debug)]
pub struct CachingSource<S> {
    inner: S,
    cache: Arc<DiskCache>,
}

impl<S: AssetSource> CachingSource<S> {
    /// `inner` with its chunks cached in `cache`.
    pub fn new(inner: S, cache: Arc<DiskCache>) -> Self {
        Self { inner, cache }
    }

    /// The source read on a miss.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The disk cache.
    pub fn cache(&self) -> &Arc<DiskCache> {
        &self.cache
    }

    /// The key chunk `chunk` of `desc`'s asset is cached under, given its
    /// size if known; `None` when the asset has no content hash.
    #[must_use]
    pub fn chunk_key(desc: &AssetDescriptor, chunk: u32, size: Option<u64>) -> Option<CacheKey> {
        if desc.content_hash == ContentHash::default() {
            return None;
        }
        Some(
            CacheKey::new(desc.content_hash, CHUNK_KIND, CHUNK_FORMAT_VERSION)
                .part(u64::from(desc.chunk_count))
                .part(desc.raw_size)
                .part(u64::from(chunk))
                .part(size.unwrap_or(u64::MAX)),
        )
    }

    fn key(&self, desc: Option<&AssetDescriptor>, id: AssetId, chunk: u32) -> Option<CacheKey> {
        Self::chunk_key(desc?, chunk, self.inner.chunk_size(id, chunk))
    }

    /// Stores bytes read from `inner`; a failure is counted by the cache.
    fn store(&self, key: Option<CacheKey>, bytes: &[u8]) {
        if let Some(key) = key {
            let _ = self.cache.put(&key, bytes);
        }
    }
}

impl<S: AssetSource> AssetSource for CachingSource<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn resolve(&self, path: &AssetPath) -> Option<AssetId> {
        self.inner.resolve(path)
    }

    fn describe(&self, id: AssetId) -> Option<Arc<AssetDescriptor>> {
        self.inner.describe(id)
    }

    fn chunk_size(&self, id: AssetId, chunk: u32) -> Option<u64> {
        self.inner.chunk_size(id, chunk)
    }

    fn io_lane(&self, id: AssetId) -> u32 {
        self.inner.io_lane(id)
    }

    fn lane_concurrency(&self, lane: u32) -> Option<usize> {
        self.inner.lane_concurrency(lane)
    }

    fn tagged(&self, tag: &str) -> Vec<AssetId> {
        self.inner.tagged(tag)
    }

    fn lane_name(&self, lane: u32) -> String {
        self.inner.lane_name(lane)
    }

    fn disk_cache_stats(&self) -> Option<DiskCacheStats> {
        let mut stats = self.cache.stats();
        if let Some(inner) = self.inner.disk_cache_stats() {
            stats += inner;
        }
        Some(stats)
    }

    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError> {
        let desc = self.inner.describe(id);
        let key = self.key(desc.as_deref(), id, chunk);
        if let Some(key) = &key
            && self.cache.get_into(key, out)
        {
            return Ok(());
        }
        self.inner.read_chunk(id, chunk, out)?;
        self.store(key, out);
        Ok(())
    }

    /// Serves the cached chunks from disk and reads each run of adjacent
    /// missing chunks from `inner` in one `read_chunks` call, so `inner`
    /// keeps its batching.
    fn read_chunks(
        &self,
        id: AssetId,
        chunks: Range<u32>,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<(), ReadError> {
        let desc = self.inner.describe(id);
        let mut found: Vec<(Option<CacheKey>, Option<Vec<u8>>)> = chunks
            .clone()
            .map(|chunk| {
                let key = self.key(desc.as_deref(), id, chunk);
                let bytes = key.as_ref().and_then(|k| self.cache.get(k));
                (key, bytes)
            })
            .collect();
        let mut i = 0;
        while i < found.len() {
            if let Some(bytes) = found[i].1.take() {
                out.push(bytes);
                i += 1;
                continue;
            }
            let end = (i..found.len()).find(|&j| found[j].1.is_some()).unwrap_or(found.len());
            let first = out.len();
            // `i` and `end` index `chunks`, whose length fits in u32.
            let run = chunks.start + i as u32..chunks.start + end as u32;
            let result = self.inner.read_chunks(id, run, out);
            for (bytes, (key, _)) in out[first..].iter().zip(&found[i..end]) {
                self.store(*key, bytes);
            }
            result?;
            i = end;
        }
        Ok(())
    }
}
