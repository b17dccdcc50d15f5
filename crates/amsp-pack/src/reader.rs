//! Opening a pack and reading entries and chunks from it.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use amsp_core::{AssetId, Codec, ContentHash};
use xxhash_rust::xxh3::xxh3_64;

use crate::codec;
use crate::error::PackReadError;
use crate::format::{ChunkInfo, EntryInfo, FORMAT_VERSION, HEADER_LEN, Header, HeaderError};
use crate::pread::{append_exact_at, read_exact_at};
use crate::toc;

thread_local! {
    /// Per-thread buffer for a compressed chunk's stored bytes, so that a
    /// stream of reads does not allocate one per chunk.
    static STORED_SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Scratch buffers larger than this are released after the read.
const SCRATCH_KEEP: usize = 8 << 20;

/// Bounds on sizes read from a pack, checked at open before anything is
/// allocated from them.
///
/// The TOC itself is bounded by the file length. Build custom limits with
/// struct update syntax: `ReadLimits { max_chunk_raw_len: 1 << 20, ..ReadLimits::default() }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadLimits {
    /// Largest decoded length of one chunk (default 1 GiB). A compressed chunk
    /// can claim a raw length far above its stored length, so this bounds
    /// the buffer a single chunk read allocates.
    pub max_chunk_raw_len: u64,
    /// Largest decoded size of one entry (default 4 GiB), which bounds the
    /// buffer [`PackReader::read_entry`] allocates.
    pub max_entry_raw_len: u64,
    /// Largest number of entries in one pack (default 2^24).
    pub max_entries: u32,
}

impl Default for ReadLimits {
    fn default() -> Self {
        Self { max_chunk_raw_len: 1 << 30, max_entry_raw_len: 1 << 32, max_entries: 1 << 24 }
    }
}

/// Random access to the entries and chunks of one pack file.
///
/// Opening reads and validates the header and the whole TOC; reads then use
/// positioned I/O on one shared handle, so a `PackReader` is `Send + Sync` and
/// every read takes `&self`. Every read checks the stored bytes' checksum
/// before decoding, and never hands out bytes that failed a check.
pub struct PackReader {
    pub(crate) path: PathBuf,
    pub(crate) file: File,
    pub(crate) header: Header,
    pub(crate) header_bytes: [u8; HEADER_LEN as usize],
    limits: ReadLimits,
    pub(crate) entries: Vec<EntryInfo>,
    pub(crate) chunks: Vec<ChunkInfo>,
    by_hash: HashMap<ContentHash, usize>,
}

impl std::fmt::Debug for PackReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackReader")
            .field("path", &self.path)
            .field("file_len", &self.header.file_len)
            .field("alignment", &self.header.alignment)
            .field("entries", &self.entries.len())
            .field("chunks", &self.chunks.len())
            .finish_non_exhaustive()
    }
}

impl PackReader {
    /// Opens the pack at `path` with the default [`ReadLimits`].
    ///
    /// # Errors
    /// See [`open_with_limits`](Self::open_with_limits).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, PackReadError> {
        Self::open_with_limits(path, ReadLimits::default())
    }

    /// Opens the pack at `path`, validating its header and TOC.
    ///
    /// # Errors
    /// - [`PackReadError::Io`] when the file cannot be opened or read;
    /// - [`PackReadError::Truncated`] when it is shorter than its header says;
    /// - [`PackReadError::UnsupportedVersion`] for an intact header of another
    ///   format version;
    /// - [`PackReadError::Corrupt`] for any other damage to the header or TOC;
    /// - [`PackReadError::LimitExceeded`] for sizes over `limits`.
    ///
    /// Damage to the chunk data is found by reads and by [`verify`](Self::verify).
    pub fn open_with_limits(
        path: impl AsRef<Path>,
        limits: ReadLimits,
    ) -> Result<Self, PackReadError> {
        let path = path.as_ref().to_path_buf();
        let io_err = |e: io::Error| PackReadError::Io {
            path: path.clone(),
            entry: None,
            source: Arc::new(e),
        };
        let corrupt = |detail: String| PackReadError::Corrupt {
            path: path.clone(),
            entry: None,
            chunk: None,
            detail,
        };
        let file = File::open(&path).map_err(io_err)?;
        let actual_len = file.metadata().map_err(io_err)?.len();
        if actual_len < HEADER_LEN {
            return Err(PackReadError::Truncated {
                path,
                expected: HEADER_LEN,
                actual: actual_len,
            });
        }
        let mut header_bytes = [0; HEADER_LEN as usize];
        read_exact_at(&file, &mut header_bytes, 0).map_err(io_err)?;
        let header = Header::decode(&header_bytes).map_err(|e| match e {
            HeaderError::Corrupt(detail) => corrupt(detail),
            HeaderError::Version(found) => PackReadError::UnsupportedVersion {
                path: path.clone(),
                found,
                supported: FORMAT_VERSION,
            },
        })?;
        if actual_len < header.file_len {
            return Err(PackReadError::Truncated {
                path,
                expected: header.file_len,
                actual: actual_len,
            });
        }
        if actual_len > header.file_len {
            return Err(corrupt(format!(
                "the file is {actual_len} bytes but its header records {}: bytes were appended",
                header.file_len
            )));
        }
        if header.toc_offset < HEADER_LEN
            || header.toc_offset.checked_add(header.toc_len) != Some(header.file_len)
        {
            return Err(corrupt(format!(
                "TOC at {}+{} does not end the {}-byte file",
                header.toc_offset, header.toc_len, header.file_len
            )));
        }
        if header.entry_count > limits.max_entries {
            return Err(PackReadError::LimitExceeded {
                path,
                entry: None,
                chunk: None,
                what: "entry count",
                size: header.entry_count.into(),
                limit: limits.max_entries.into(),
            });
        }
        // Bounded by the file length, checked above.
        let toc_len = usize::try_from(header.toc_len).map_err(|_| {
            corrupt(format!("TOC length {} does not fit in memory", header.toc_len))
        })?;
        let mut toc_bytes = vec![0; toc_len];
        read_exact_at(&file, &mut toc_bytes, header.toc_offset).map_err(io_err)?;
        let computed = xxh3_64(&toc_bytes);
        if computed != header.toc_checksum {
            return Err(corrupt(format!(
                "TOC checksum mismatch (stored {:#018x}, computed {computed:#018x})",
                header.toc_checksum
            )));
        }
        let toc::Toc { entries, chunks } = toc::parse(&path, &header, &toc_bytes, &limits)?;
        let mut by_hash = HashMap::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            by_hash.entry(entry.content_hash).or_insert(index);
        }
        Ok(Self { path, file, header, header_bytes, limits, entries, chunks, by_hash })
    }

    /// The path the pack was opened from.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The pack's random identifier, chosen when it was written.
    #[must_use]
    pub fn uuid(&self) -> [u8; 16] {
        self.header.uuid
    }

    /// The length of the pack file in bytes.
    #[must_use]
    pub fn file_len(&self) -> u64 {
        self.header.file_len
    }

    /// The alignment of each entry's first chunk, in bytes.
    #[must_use]
    pub fn alignment(&self) -> u32 {
        self.header.alignment
    }

    /// The limits the pack was opened with.
    #[must_use]
    pub fn limits(&self) -> ReadLimits {
        self.limits
    }

    /// Every entry, sorted by asset id; an entry's index is its position here.
    #[must_use]
    pub fn entries(&self) -> &[EntryInfo] {
        &self.entries
    }

    /// The index of the entry holding `id`, by binary search.
    #[must_use]
    pub fn find(&self, id: AssetId) -> Option<usize> {
        self.entries.binary_search_by_key(&id, |e| e.id).ok()
    }

    /// The index of an entry whose content hash is `hash`. When several
    /// entries hold the same content, this is the one with the lowest index.
    #[must_use]
    pub fn find_by_hash(&self, hash: &ContentHash) -> Option<usize> {
        self.by_hash.get(hash).copied()
    }

    /// The chunks of entry `entry`, in order.
    ///
    /// # Panics
    /// Panics if `entry >= self.entries().len()`.
    #[must_use]
    pub fn chunks(&self, entry: usize) -> &[ChunkInfo] {
        let Some(info) = self.entries.get(entry) else {
            panic!("entry index {entry} out of range: the pack has {} entries", self.entries.len());
        };
        &self.chunks[chunk_range(info)]
    }

    /// Reads chunk `chunk` (index within the entry) of entry `entry`, checks
    /// its checksum, decodes it, and puts the decoded bytes in `out` in place
    /// of its contents.
    ///
    /// # Errors
    /// [`PackReadError::NotFound`] for a bad index, [`PackReadError::Corrupt`]
    /// when the stored bytes fail their checksum or do not decode to the
    /// recorded length, [`PackReadError::Io`] for I/O failures. On error `out`
    /// is left empty.
    pub fn read_chunk(
        &self,
        entry: usize,
        chunk: u32,
        out: &mut Vec<u8>,
    ) -> Result<(), PackReadError> {
        out.clear();
        let (info, chunk_info) = self.locate(entry, chunk)?;
        STORED_SCRATCH.with_borrow_mut(|scratch| {
            let result = self.append_chunk(info.id, chunk, &chunk_info, out, scratch);
            if scratch.capacity() > SCRATCH_KEEP {
                *scratch = Vec::new();
            }
            result
        })
    }

    /// Reads chunks `chunks` of entry `entry` as [`read_chunk`] does, each
    /// checked and decoded, appending one buffer per chunk to `out`. Chunks
    /// stored back to back (as a pack writes an entry's chunks) are read in
    /// one positioned read: one request to the storage instead of one per
    /// chunk.
    ///
    /// # Errors
    /// As [`read_chunk`]; `out` then holds the chunks before the failing
    /// one.
    ///
    /// [`read_chunk`]: Self::read_chunk
    pub fn read_chunks(
        &self,
        entry: usize,
        chunks: Range<u32>,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<(), PackReadError> {
        if chunks.is_empty() {
            return Ok(());
        }
        let (info, first) = self.locate(entry, chunks.start)?;
        let (_, last) = self.locate(entry, chunks.end - 1)?;
        let infos = &self.chunks[chunk_range(&info)][chunks.start as usize..chunks.end as usize];
        let contiguous =
            infos.windows(2).all(|w| w[0].offset.checked_add(w[0].stored_len) == Some(w[1].offset));
        let span =
            last.offset.checked_add(last.stored_len).and_then(|end| end.checked_sub(first.offset));
        let Some(span) = span.filter(|_| contiguous && infos.len() > 1) else {
            for chunk in chunks {
                let mut bytes = Vec::new();
                self.read_chunk(entry, chunk, &mut bytes)?;
                out.push(bytes);
            }
            return Ok(());
        };
        let mut stored = Vec::new();
        let len = self.to_usize(info.id, chunks.start, span)?;
        append_exact_at(&self.file, &mut stored, len, first.offset).map_err(|e| {
            self.read_error(e, first.offset, len, Some(info.id), Some(chunks.start))
        })?;
        let mut at = 0usize;
        for (index, chunk) in chunks.zip(infos) {
            let n = self.to_usize(info.id, index, chunk.stored_len)?;
            let bytes = &stored[at..at + n];
            at += n;
            let computed = xxh3_64(bytes);
            if computed != chunk.checksum {
                return Err(self.corrupt(
                    info.id,
                    Some(index),
                    format!(
                        "checksum mismatch (stored {:#018x}, computed {computed:#018x})",
                        chunk.checksum
                    ),
                ));
            }
            let raw_len = self.to_usize(info.id, index, chunk.raw_len)?;
            let mut decoded = Vec::new();
            if chunk.codec == Codec::None {
                decoded.extend_from_slice(bytes);
            } else {
                codec::decode_into_vec(chunk.codec, bytes, &mut decoded, raw_len)
                    .map_err(|detail| self.corrupt(info.id, Some(index), detail))?;
            }
            if decoded.len() != raw_len {
                return Err(self.corrupt(
                    info.id,
                    Some(index),
                    format!("decodes to {} bytes, the index says {raw_len}", decoded.len()),
                ));
            }
            out.push(decoded);
        }
        Ok(())
    }

    /// Reads the stored (still encoded) bytes of a chunk into `out` in place
    /// of its contents, after checking their checksum; for copying and
    /// serving chunks without decoding them. Returns the chunk's record.
    ///
    /// # Errors
    /// As for [`read_chunk`](Self::read_chunk), except that nothing is decoded.
    pub fn read_stored_chunk(
        &self,
        entry: usize,
        chunk: u32,
        out: &mut Vec<u8>,
    ) -> Result<ChunkInfo, PackReadError> {
        out.clear();
        let (info, chunk_info) = self.locate(entry, chunk)?;
        self.append_checked(info.id, chunk, &chunk_info, out)?;
        Ok(chunk_info)
    }

    /// Reads and decodes every chunk of entry `entry`, concatenated, and
    /// checks the result against the entry's content hash.
    ///
    /// # Errors
    /// As for [`read_chunk`](Self::read_chunk), and
    /// [`PackReadError::Corrupt`] when the content hash does not match.
    pub fn read_entry(&self, entry: usize) -> Result<Vec<u8>, PackReadError> {
        let info = *self.entry_checked(entry)?;
        let mut out = Vec::with_capacity(self.to_usize(info.id, 0, info.raw_size)?);
        let mut scratch = Vec::new();
        for (index, chunk) in (0u32..).zip(&self.chunks[chunk_range(&info)]) {
            self.append_chunk(info.id, index, chunk, &mut out, &mut scratch)?;
        }
        let computed = ContentHash(*blake3::hash(&out).as_bytes());
        if computed != info.content_hash {
            return Err(self.corrupt(
                info.id,
                None,
                format!(
                    "content hash mismatch (stored {}, computed {computed})",
                    info.content_hash
                ),
            ));
        }
        Ok(out)
    }

    /// The entry at `entry`, or `NotFound`.
    pub(crate) fn entry_checked(&self, entry: usize) -> Result<&EntryInfo, PackReadError> {
        self.entries.get(entry).ok_or_else(|| PackReadError::NotFound {
            path: self.path.clone(),
            entry: None,
            chunk: None,
            detail: format!(
                "no entry at index {entry} (the pack has {} entries)",
                self.entries.len()
            ),
        })
    }

    fn locate(&self, entry: usize, chunk: u32) -> Result<(EntryInfo, ChunkInfo), PackReadError> {
        let info = *self.entry_checked(entry)?;
        match self.chunks[chunk_range(&info)].get(chunk as usize) {
            Some(chunk_info) => Ok((info, *chunk_info)),
            None => Err(PackReadError::NotFound {
                path: self.path.clone(),
                entry: Some(info.id),
                chunk: Some(chunk),
                detail: format!("no such chunk (the entry has {})", info.chunk_count),
            }),
        }
    }

    /// Appends the decoded bytes of one chunk to `out`, using `scratch` for
    /// the stored bytes of compressed chunks. On error `out` is restored.
    pub(crate) fn append_chunk(
        &self,
        id: AssetId,
        index: u32,
        chunk: &ChunkInfo,
        out: &mut Vec<u8>,
        scratch: &mut Vec<u8>,
    ) -> Result<(), PackReadError> {
        let start = out.len();
        let raw_len = self.to_usize(id, index, chunk.raw_len)?;
        if chunk.codec == Codec::None {
            // Straight into the output, checked where it lands.
            return self.append_checked(id, index, chunk, out);
        }
        scratch.clear();
        self.append_checked(id, index, chunk, scratch)?;
        if start == 0 {
            // Decode straight into the empty output, without zero-filling it.
            return codec::decode_into_vec(chunk.codec, scratch, out, raw_len)
                .map_err(|detail| self.corrupt(id, Some(index), detail));
        }
        out.resize(start + raw_len, 0);
        let result = codec::decode(chunk.codec, scratch, &mut out[start..])
            .map_err(|detail| self.corrupt(id, Some(index), detail));
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// Appends the stored bytes of `chunk` to `out` (without zero-filling
    /// first) and checks their checksum; on error `out` keeps its length.
    fn append_checked(
        &self,
        id: AssetId,
        index: u32,
        chunk: &ChunkInfo,
        out: &mut Vec<u8>,
    ) -> Result<(), PackReadError> {
        let start = out.len();
        let len = self.to_usize(id, index, chunk.stored_len)?;
        append_exact_at(&self.file, out, len, chunk.offset)
            .map_err(|e| self.read_error(e, chunk.offset, len, Some(id), Some(index)))?;
        let computed = xxh3_64(&out[start..]);
        if computed != chunk.checksum {
            out.truncate(start);
            return Err(self.corrupt(
                id,
                Some(index),
                format!(
                    "checksum mismatch (stored {:#018x}, computed {computed:#018x})",
                    chunk.checksum
                ),
            ));
        }
        Ok(())
    }

    /// Positioned read; a short file is corruption (it was changed after open).
    pub(crate) fn read_at(
        &self,
        buf: &mut [u8],
        offset: u64,
        entry: Option<AssetId>,
        chunk: Option<u32>,
    ) -> Result<(), PackReadError> {
        read_exact_at(&self.file, buf, offset)
            .map_err(|e| self.read_error(e, offset, buf.len(), entry, chunk))
    }

    /// The error for a failed read of `len` bytes at `offset`: a short file
    /// is corruption (it was changed after it was opened).
    fn read_error(
        &self,
        e: io::Error,
        offset: u64,
        len: usize,
        entry: Option<AssetId>,
        chunk: Option<u32>,
    ) -> PackReadError {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            PackReadError::Corrupt {
                path: self.path.clone(),
                entry,
                chunk,
                detail: format!(
                    "the file ends before offset {} (was it changed after it was opened?)",
                    offset + len as u64
                ),
            }
        } else {
            PackReadError::Io { path: self.path.clone(), entry, source: Arc::new(e) }
        }
    }

    pub(crate) fn corrupt(&self, id: AssetId, chunk: Option<u32>, detail: String) -> PackReadError {
        PackReadError::Corrupt { path: self.path.clone(), entry: Some(id), chunk, detail }
    }

    /// A size validated at open, as `usize` (fails only on 32-bit targets).
    fn to_usize(&self, id: AssetId, chunk: u32, size: u64) -> Result<usize, PackReadError> {
        usize::try_from(size).map_err(|_| PackReadError::LimitExceeded {
            path: self.path.clone(),
            entry: Some(id),
            chunk: Some(chunk),
            what: "size in memory",
            size,
            limit: usize::MAX as u64,
        })
    }
}

/// The chunk table range of an entry, validated at open.
pub(crate) fn chunk_range(entry: &EntryInfo) -> Range<usize> {
    let first = entry.first_chunk as usize;
    first..first + entry.chunk_count as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<PackReader>();
    }
}
