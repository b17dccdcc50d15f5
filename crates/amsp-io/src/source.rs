//! The `AssetSource` trait.

use std::io;
use std::sync::Arc;

use amsp_core::{AssetId, AssetPath, ContentHash};

/// What the runtime knows about an asset before reading any of its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetDescriptor {
    /// Stable id.
    pub id: AssetId,
    /// Path relative to the cooked source tree.
    pub path: AssetPath,
    /// Cooked type name (`blob`, `text`, `json`, …); selects the loader.
    pub asset_type: String,
    /// Version, incremented each time the cooked content changes.
    pub version: u64,
    /// Hash of the cooked bytes (all chunks, uncompressed, in order).
    pub content_hash: ContentHash,
    /// Assets this one depends on; they load before it is ready.
    pub dependencies: Vec<AssetId>,
    /// Number of independently readable chunks (mip levels, LODs, …).
    pub chunk_count: u32,
    /// Size of the cooked bytes, uncompressed.
    pub raw_size: u64,
    /// Size of the bytes as stored (compressed).
    pub stored_size: u64,
}

/// Why a read from an [`AssetSource`] failed.
///
/// `Clone`, because one failed read is reported to every waiter of the asset.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The source has no asset with this id, or no such chunk.
    #[error("asset {id} (chunk {chunk}) is not in source {source_name}")]
    NotFound {
        /// The asset.
        id: AssetId,
        /// The chunk asked for.
        chunk: u32,
        /// The source that was asked.
        source_name: String,
    },
    /// Storage failed (a transient error: may be retried).
    #[error("I/O error reading asset {id} from {location}: {source}")]
    Io {
        /// The asset.
        id: AssetId,
        /// File, pack or URL that failed.
        location: String,
        /// The underlying error.
        #[source]
        source: Arc<io::Error>,
    },
    /// Stored bytes failed their integrity check or could not be decoded;
    /// never retried, and the bytes are never returned.
    #[error("asset {id} in {location} is corrupt: {detail}")]
    Corrupt {
        /// The asset.
        id: AssetId,
        /// Pack file (and entry) holding it.
        location: String,
        /// What is wrong.
        detail: String,
    },
}

impl ReadError {
    /// Whether retrying the read could succeed (I/O errors only).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(self, ReadError::Io { .. })
    }
}

/// A source of cooked assets: an index plus chunk reads.
///
/// # Note for implementors
/// - [`resolve`](AssetSource::resolve) and [`describe`](AssetSource::describe)
///   are called on the request path: they must answer from memory, without I/O
///   and without taking a lock that a reader holds for long.
/// - [`read_chunk`](AssetSource::read_chunk) runs on worker threads, may block
///   on storage, and must return only bytes that passed an integrity check
///   (checksum or content hash): corrupt data is [`ReadError::Corrupt`], never
///   bytes.
/// - All methods may be called from many threads at once.
pub trait AssetSource: Send + Sync + 'static {
    /// A short name for messages (`packs at build/`, `embedded`).
    fn name(&self) -> &str;

    /// The id of the asset at `path`, if this source has one.
    fn resolve(&self, path: &AssetPath) -> Option<AssetId>;

    /// The descriptor of asset `id`, if this source has it.
    fn describe(&self, id: AssetId) -> Option<Arc<AssetDescriptor>>;

    /// Reads chunk `chunk` of asset `id`, decompressed and verified, replacing
    /// the contents of `out`.
    ///
    /// # Errors
    /// [`ReadError::NotFound`] for an unknown asset or chunk,
    /// [`ReadError::Io`] when storage fails, [`ReadError::Corrupt`] when the
    /// stored bytes fail verification.
    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError>;

    /// The decoded size of chunk `chunk` of asset `id`, if the source knows
    /// it without I/O (a pack's table of contents does). The runtime's I/O
    /// stage reads a chunk ahead of its loader only when it knows the chunk
    /// fits its byte budget. The default knows nothing.
    fn chunk_size(&self, id: AssetId, chunk: u32) -> Option<u64> {
        let _ = (id, chunk);
        None
    }

    /// Reads chunks `chunks` of asset `id`, appending one buffer per chunk
    /// to `out`, each verified as by [`read_chunk`](AssetSource::read_chunk).
    /// A source whose storage charges per request (a disk seek, a network
    /// round trip) reads adjacent chunks in one request; the default reads
    /// them one by one.
    ///
    /// # Errors
    /// As [`read_chunk`](AssetSource::read_chunk); `out` then holds the
    /// chunks before the failing one.
    fn read_chunks(
        &self,
        id: AssetId,
        chunks: std::ops::Range<u32>,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<(), ReadError> {
        for chunk in chunks {
            let mut bytes = Vec::new();
            self.read_chunk(id, chunk, &mut bytes)?;
            out.push(bytes);
        }
        Ok(())
    }

    /// The I/O lane asset `id`'s bytes are read from.
    ///
    /// A *lane* is one independent storage behind the source: a disk, an
    /// HTTP or S3 endpoint, memory. Each serves a number of reads at once
    /// well ([`lane_concurrency`](AssetSource::lane_concurrency)), and the
    /// runtime's scheduler keeps the reads of each lane within it, so that a
    /// slow or saturated lane never holds back the reads of another one. A
    /// source that composes others (a virtual file system over several
    /// mounts) returns the lane of the mount holding the asset; a source
    /// wrapping another one forwards both methods. The default puts every
    /// asset on lane 0.
    ///
    /// # Note for implementors
    /// Called on the request path and by the scheduler under its lock: answer
    /// from memory, without I/O or a lock a reader holds. The answer for an
    /// asset must not change while the source serves it (the scheduler
    /// records it when it queues a read), and an unknown asset may be put on
    /// any lane.
    fn io_lane(&self, id: AssetId) -> u32 {
        let _ = id;
        0
    }

    /// The most reads lane `lane` serves well at once (a disk 2–4, an HTTP
    /// or S3 endpoint 8–32), or `None` when only the runtime's own limit on
    /// reads in progress applies (memory). The scheduler starts a read on a
    /// lane only while fewer than the lesser of this and its own limit run
    /// there; `Some(0)` counts as 1. The default is `None` for every lane.
    ///
    /// # Note for implementors
    /// As for [`io_lane`](AssetSource::io_lane): cheap, from memory, and the
    /// same answer each time for a lane.
    fn lane_concurrency(&self, lane: u32) -> Option<usize> {
        let _ = lane;
        None
    }

    /// A name for lane `lane` in statistics and messages: the source's name
    /// for lane 0 (the default), `"NAME lane N"` for others. A source of
    /// several storages names each (a mount, an endpoint).
    fn lane_name(&self, lane: u32) -> String {
        if lane == 0 { self.name().to_owned() } else { format!("{} lane {lane}", self.name()) }
    }

    /// The assets tagged `tag` (tags come from the catalog a cook wrote);
    /// empty by default. Answered from memory.
    fn tagged(&self, tag: &str) -> Vec<AssetId> {
        let _ = tag;
        Vec::new()
    }

    /// The counters of the disk caches (L2) this source reads through, summed;
    /// `None` when it reads through none (the default). A source that
    /// wraps or composes others forwards or sums theirs.
    fn disk_cache_stats(&self) -> Option<crate::DiskCacheStats> {
        None
    }

    /// Reads every chunk of asset `id`, concatenated in order.
    ///
    /// # Errors
    /// As [`read_chunk`](AssetSource::read_chunk).
    fn read_all(&self, id: AssetId) -> Result<Vec<u8>, ReadError> {
        let Some(desc) = self.describe(id) else {
            return Err(ReadError::NotFound { id, chunk: 0, source_name: self.name().to_owned() });
        };
        if desc.chunk_count == 1 {
            let mut out = Vec::new();
            self.read_chunk(id, 0, &mut out)?;
            return Ok(out);
        }
        let mut out = Vec::with_capacity(usize::try_from(desc.raw_size).unwrap_or(0));
        let mut chunk_buf = Vec::new();
        for chunk in 0..desc.chunk_count {
            self.read_chunk(id, chunk, &mut chunk_buf)?;
            out.extend_from_slice(&chunk_buf);
        }
        Ok(out)
    }
}
