//! Entries compressed ahead of time, off the writer's thread.

use amsp_core::{AssetId, Codec, ContentHash};
use xxhash_rust::xxh3::xxh3_64;

use crate::codec::with_thread_encoder;
use crate::format::content_hash;
use crate::writer::WriteOptions;

/// One chunk of a [`PreparedEntry`]: its stored bytes and how to read them.
#[derive(Clone, Debug)]
pub(crate) struct PreparedChunk {
    pub stored: Vec<u8>,
    pub raw_len: u64,
    pub codec: Codec,
    pub checksum: u64,
}

/// An entry whose chunks are already compressed and checksummed, ready for
/// [`PackWriter::add_prepared`](crate::PackWriter::add_prepared).
///
/// Preparing is the expensive part of adding an entry, and needs no writer,
/// so many entries can be prepared in parallel (each thread keeps its own
/// compression context) and then written in order by one writer. The result
/// is byte for byte what [`PackWriter::add_entry`](crate::PackWriter::add_entry)
/// would have stored.
#[derive(Clone, Debug)]
pub struct PreparedEntry {
    pub(crate) id: AssetId,
    pub(crate) content_hash: ContentHash,
    pub(crate) chunks: Vec<PreparedChunk>,
}

impl PreparedEntry {
    /// Compresses each chunk with `codec` at `options.zstd_level`, storing it
    /// raw when that does not save at least 1/16 of its size, and computes
    /// the checksums and the content hash.
    ///
    /// Compression is only an optimisation: should the compressor fail (it
    /// can only run out of memory, or be given an invalid level, which
    /// [`PackWriter::create`](crate::PackWriter::create) would refuse), the
    /// chunk is stored raw. Limits on ids and sizes are checked when the entry
    /// is added to a writer.
    #[must_use]
    pub fn new(id: AssetId, chunks: &[&[u8]], codec: Codec, options: &WriteOptions) -> Self {
        let hash = content_hash(chunks);
        let prepared = with_thread_encoder(options.zstd_level, |encoder| {
            chunks
                .iter()
                .map(|raw| {
                    let (codec, stored) = match encoder.encode(raw, codec) {
                        Ok((codec, stored)) => (codec, stored.to_vec()),
                        Err(_) => (Codec::None, raw.to_vec()),
                    };
                    PreparedChunk {
                        checksum: xxh3_64(&stored),
                        raw_len: raw.len() as u64,
                        codec,
                        stored,
                    }
                })
                .collect()
        });
        Self { id, content_hash: hash, chunks: prepared }
    }

    /// The asset id.
    #[must_use]
    pub fn id(&self) -> AssetId {
        self.id
    }

    /// BLAKE3 of the raw chunks, see [`content_hash`].
    #[must_use]
    pub fn content_hash(&self) -> ContentHash {
        self.content_hash
    }

    /// Number of chunks (saturating at `u32::MAX`; a writer refuses more
    /// chunks than a pack can index).
    #[must_use]
    pub fn chunk_count(&self) -> u32 {
        u32::try_from(self.chunks.len()).unwrap_or(u32::MAX)
    }

    /// Sum of the raw chunk lengths.
    #[must_use]
    pub fn raw_size(&self) -> u64 {
        self.chunks.iter().map(|c| c.raw_len).sum()
    }

    /// Sum of the stored chunk lengths: what the entry adds to a pack, not
    /// counting alignment padding.
    #[must_use]
    pub fn stored_size(&self) -> u64 {
        self.chunks.iter().map(|c| c.stored.len() as u64).sum()
    }

    /// The codec actually used: [`Codec::None`] when every chunk is stored
    /// raw, otherwise the codec of the compressed chunks.
    #[must_use]
    pub fn codec(&self) -> Codec {
        self.chunks.iter().map(|c| c.codec).find(|&c| c != Codec::None).unwrap_or(Codec::None)
    }
}
