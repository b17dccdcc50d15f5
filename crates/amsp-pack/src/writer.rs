//! Writing a pack atomically.

use std::collections::HashSet;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use amsp_core::{AssetId, Codec, ContentHash};
use tempfile::NamedTempFile;
use xxhash_rust::xxh3::xxh3_64;

use crate::codec::Encoder;
use crate::error::PackWriteError;
use crate::format::{
    ChunkInfo, DEFAULT_ALIGNMENT, EntryInfo, HEADER_LEN, Header, MAX_ALIGNMENT, MIN_ALIGNMENT,
    alignment_is_valid, encode_chunk, encode_entry, toc_len,
};
use crate::prepared::PreparedEntry;
use crate::reader::{PackReader, ReadLimits};

/// How a [`PackWriter`] lays out and compresses a pack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteOptions {
    /// Alignment of each entry's first chunk in the file: a power of two from
    /// 8 to 16 MiB. Default 4096, which suits direct I/O.
    pub alignment: u32,
    /// zstd compression level for entries written with [`Codec::Zstd`]
    /// (default 3).
    pub zstd_level: i32,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self { alignment: DEFAULT_ALIGNMENT, zstd_level: 3 }
    }
}

/// What was written for one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntrySummary {
    /// The entry's asset id (the key to find it in the finished pack).
    pub id: AssetId,
    /// BLAKE3 of the raw chunks, see [`content_hash`](crate::content_hash).
    pub content_hash: ContentHash,
    /// Sum of the raw chunk lengths.
    pub raw_size: u64,
    /// Sum of the stored chunk lengths.
    pub stored_size: u64,
    /// The codec actually used: [`Codec::None`] when every chunk was stored
    /// raw, otherwise the codec of the compressed chunks.
    pub codec: Codec,
    /// Number of chunks.
    pub chunk_count: u32,
}

/// What a finished pack holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackSummary {
    /// Where the pack now is.
    pub path: PathBuf,
    /// The pack's random identifier.
    pub uuid: [u8; 16],
    /// The entries in TOC order (sorted by id): `entries[i]` is entry index
    /// `i` of a [`PackReader`] on this pack.
    pub entries: Vec<EntrySummary>,
    /// Length of the file in bytes.
    pub file_len: u64,
}

struct PendingEntry {
    summary: EntrySummary,
    chunks: Vec<ChunkInfo>,
}

/// Writes a pack to a temporary file next to its final path, and moves it
/// into place only when [`finish`](Self::finish) has made it durable.
///
/// Entries may be added in any order; the TOC is sorted by asset id at the
/// end, so an entry's index is only known from the [`PackSummary`] (or by
/// [`PackReader::find`]). Dropping an unfinished writer removes its temporary
/// file and leaves any existing file at the final path untouched.
pub struct PackWriter {
    path: PathBuf,
    options: WriteOptions,
    out: BufWriter<NamedTempFile>,
    /// Logical end of the data written so far.
    pos: u64,
    encoder: Encoder,
    entries: Vec<PendingEntry>,
    ids: HashSet<AssetId>,
    chunk_total: u64,
    poisoned: bool,
}

impl std::fmt::Debug for PackWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackWriter")
            .field("path", &self.path)
            .field("options", &self.options)
            .field("entries", &self.entries.len())
            .field("bytes_written", &self.pos)
            .finish_non_exhaustive()
    }
}

impl PackWriter {
    /// Starts writing a pack that will be at `path` once finished. The data
    /// goes to a temporary file in the same directory.
    ///
    /// # Errors
    /// [`PackWriteError::InvalidOptions`] for a bad alignment or zstd level
    /// or a path without a file name; [`PackWriteError::Io`] when the
    /// temporary file cannot be created.
    pub fn create(path: impl AsRef<Path>, options: WriteOptions) -> Result<Self, PackWriteError> {
        let path = path.as_ref().to_path_buf();
        let invalid =
            |detail: String| PackWriteError::InvalidOptions { path: path.clone(), detail };
        if !alignment_is_valid(options.alignment) {
            return Err(invalid(format!(
                "alignment {} is not a power of two in {MIN_ALIGNMENT}..={MAX_ALIGNMENT}",
                options.alignment
            )));
        }
        let levels = zstd::compression_level_range();
        if !levels.contains(&options.zstd_level) {
            return Err(invalid(format!(
                "zstd level {} is outside {}..={}",
                options.zstd_level,
                levels.start(),
                levels.end()
            )));
        }
        let name = path.file_name().ok_or_else(|| invalid("the path has no file name".into()))?;
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{}.", name.to_string_lossy()))
            .suffix(".tmp")
            .tempfile_in(parent_dir(&path))
            .map_err(io_error(&path, "creating the temporary file"))?;
        let mut out = BufWriter::with_capacity(1 << 20, temp);
        // Placeholder: the real header is written last, so a file cut short
        // anywhere never has a valid header.
        out.write_all(&[0; HEADER_LEN as usize])
            .map_err(io_error(&path, "writing the header placeholder"))?;
        Ok(Self {
            path,
            options,
            out,
            pos: HEADER_LEN,
            encoder: Encoder::new(options.zstd_level),
            entries: Vec::new(),
            ids: HashSet::new(),
            chunk_total: 0,
            poisoned: false,
        })
    }

    /// Compresses each chunk with `codec` (storing it raw when that does not
    /// save at least 1/16 of its size) and appends an entry holding them, in
    /// order. Each chunk can later be read alone.
    ///
    /// # Errors
    /// [`PackWriteError::DuplicateEntry`] if `id` was already added;
    /// [`PackWriteError::InvalidEntry`] for the nil id, more chunks than a
    /// pack can index, or sizes over the default [`ReadLimits`] (so every
    /// pack written opens with default limits); [`PackWriteError::Io`] or
    /// [`PackWriteError::Compress`] on failure, after which the writer is
    /// poisoned.
    pub fn add_entry(
        &mut self,
        id: AssetId,
        chunks: &[&[u8]],
        codec: Codec,
    ) -> Result<EntrySummary, PackWriteError> {
        self.check_new_entry(id, chunks.iter().map(|c| c.len() as u64))?;
        let result = self.append_entry(id, chunks, codec);
        self.poisoned = result.is_err();
        result
    }

    fn append_entry(
        &mut self,
        id: AssetId,
        chunks: &[&[u8]],
        codec: Codec,
    ) -> Result<EntrySummary, PackWriteError> {
        self.pad_to_alignment()?;
        let mut hasher = blake3::Hasher::new();
        let mut records = Vec::with_capacity(chunks.len());
        for (index, raw) in (0u32..).zip(chunks) {
            let (used, stored) =
                self.encoder.encode(raw, codec).map_err(|e| PackWriteError::Compress {
                    path: self.path.clone(),
                    entry: id,
                    chunk: index,
                    source: Arc::new(e),
                })?;
            let checksum = xxh3_64(stored);
            self.out.write_all(stored).map_err(io_error(&self.path, "writing chunk data"))?;
            let chunk = ChunkInfo {
                offset: self.pos,
                stored_len: stored.len() as u64,
                raw_len: raw.len() as u64,
                codec: used,
                checksum,
            };
            self.pos += chunk.stored_len;
            hasher.update(raw);
            records.push(chunk);
        }
        let hash = ContentHash(*hasher.finalize().as_bytes());
        Ok(self.push_entry(id, hash, records))
    }

    /// Appends an entry compressed beforehand by [`PreparedEntry::new`].
    ///
    /// # Errors
    /// As for [`add_entry`](Self::add_entry); the same limits apply.
    pub fn add_prepared(&mut self, entry: PreparedEntry) -> Result<EntrySummary, PackWriteError> {
        self.check_new_entry(entry.id, entry.chunks.iter().map(|c| c.raw_len))?;
        self.poisoned = true;
        self.pad_to_alignment()?;
        let mut records = Vec::with_capacity(entry.chunks.len());
        for chunk in &entry.chunks {
            self.out
                .write_all(&chunk.stored)
                .map_err(io_error(&self.path, "writing chunk data"))?;
            let stored_len = chunk.stored.len() as u64;
            records.push(ChunkInfo {
                offset: self.pos,
                stored_len,
                raw_len: chunk.raw_len,
                codec: chunk.codec,
                checksum: chunk.checksum,
            });
            self.pos += stored_len;
        }
        self.poisoned = false;
        Ok(self.push_entry(entry.id, entry.content_hash, records))
    }

    /// Copies entry `entry` of `from` into this pack: the stored chunks are
    /// checked against their checksums and written verbatim (no decoding or
    /// recompression), with the same codecs and content hash. The source's
    /// alignment does not matter.
    ///
    /// # Errors
    /// [`PackWriteError::Read`] when reading the source fails (a bad index or
    /// a damaged chunk); the entry is then not added and the writer stays
    /// usable. Otherwise as for [`add_entry`](Self::add_entry).
    pub fn copy_entry(
        &mut self,
        from: &PackReader,
        entry: usize,
    ) -> Result<EntrySummary, PackWriteError> {
        let read_error =
            |source| PackWriteError::Read { path: self.path.clone(), source: Box::new(source) };
        let source = *from.entry_checked(entry).map_err(read_error)?;
        let source_chunks = from.chunks(entry);
        self.check_new_entry(source.id, source_chunks.iter().map(|c| c.raw_len))?;
        let start = self.pos;
        self.poisoned = true;
        self.pad_to_alignment()?;
        let mut records = Vec::with_capacity(source_chunks.len());
        let mut buf = Vec::new();
        for index in 0..source.chunk_count {
            let mut chunk = match from.read_stored_chunk(entry, index, &mut buf) {
                Ok(chunk) => chunk,
                Err(source) => {
                    // Nothing of this entry is recorded: move back to where
                    // it started; later writes overwrite what was written.
                    self.out
                        .seek(SeekFrom::Start(start))
                        .map_err(io_error(&self.path, "rewinding after a failed copy"))?;
                    self.pos = start;
                    self.poisoned = false;
                    return Err(PackWriteError::Read {
                        path: self.path.clone(),
                        source: Box::new(source),
                    });
                }
            };
            self.out.write_all(&buf).map_err(io_error(&self.path, "writing chunk data"))?;
            chunk.offset = self.pos;
            self.pos += chunk.stored_len;
            records.push(chunk);
        }
        self.poisoned = false;
        Ok(self.push_entry(source.id, source.content_hash, records))
    }

    /// Number of entries added so far.
    #[must_use]
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// Bytes written so far: the header placeholder, padding and stored chunks.
    #[must_use]
    pub fn bytes_written(&self) -> u64 {
        self.pos
    }

    /// Writes the TOC and the header, flushes and fsyncs the temporary file,
    /// renames it to the final path (replacing any file there) and fsyncs the
    /// directory.
    ///
    /// # Errors
    /// [`PackWriteError::Io`] when any step fails; the temporary file is then
    /// removed and the final path is untouched (unless the rename itself
    /// succeeded and only the directory sync failed).
    /// [`PackWriteError::Poisoned`] after an earlier failure.
    pub fn finish(mut self) -> Result<PackSummary, PackWriteError> {
        self.check_usable()?;
        let path = self.path.clone();
        let io = |op| io_error(&path, op);
        self.entries.sort_unstable_by_key(|e| e.summary.id);
        let entry_count = self.entries.len() as u32; // bounded by check_new_entry
        let chunk_count = self.chunk_total as u32; // likewise
        let Some(toc_len) = toc_len(entry_count, chunk_count) else {
            return Err(io("sizing the TOC")(io::Error::other("TOC length overflows")));
        };
        let mut toc = Vec::with_capacity(toc_len as usize);
        let mut first_chunk = 0u32;
        for e in &self.entries {
            let info = EntryInfo {
                id: e.summary.id,
                content_hash: e.summary.content_hash,
                first_chunk,
                chunk_count: e.summary.chunk_count,
                raw_size: e.summary.raw_size,
                stored_size: e.summary.stored_size,
            };
            encode_entry(&info, &mut toc);
            first_chunk += e.summary.chunk_count;
        }
        for chunk in self.entries.iter().flat_map(|e| &e.chunks) {
            encode_chunk(chunk, &mut toc);
        }
        debug_assert_eq!(toc.len() as u64, toc_len);
        let toc_offset = self.pos;
        self.out.write_all(&toc).map_err(io("writing the TOC"))?;
        let file_len = toc_offset + toc_len;
        let mut uuid: [u8; 16] = rand::random();
        uuid[6] = (uuid[6] & 0x0f) | 0x40; // RFC 4122 version 4
        uuid[8] = (uuid[8] & 0x3f) | 0x80; // RFC 4122 variant
        let header = Header {
            alignment: self.options.alignment,
            entry_count,
            chunk_count,
            toc_offset,
            toc_len,
            toc_checksum: xxh3_64(&toc),
            file_len,
            uuid,
        };
        let mut temp = self.out.into_inner().map_err(|e| io("flushing")(e.into_error()))?;
        // A failed copy_entry may have left bytes past the end.
        temp.as_file().set_len(file_len).map_err(io("setting the file length"))?;
        temp.seek(SeekFrom::Start(0)).map_err(io("seeking to the header"))?;
        temp.write_all(&header.encode()).map_err(io("writing the header"))?;
        temp.as_file().sync_all().map_err(io("syncing the pack"))?;
        temp.persist(&path).map_err(|e| io("renaming the pack into place")(e.error))?;
        sync_dir(parent_dir(&path)).map_err(io("syncing the directory"))?;
        Ok(PackSummary {
            path,
            uuid,
            entries: self.entries.into_iter().map(|e| e.summary).collect(),
            file_len,
        })
    }

    fn check_usable(&self) -> Result<(), PackWriteError> {
        if self.poisoned {
            return Err(PackWriteError::Poisoned { path: self.path.clone() });
        }
        Ok(())
    }

    /// Refuses an entry that would be a duplicate or that default readers refuse.
    fn check_new_entry(
        &self,
        id: AssetId,
        raw_lens: impl ExactSizeIterator<Item = u64>,
    ) -> Result<(), PackWriteError> {
        self.check_usable()?;
        let invalid = |chunk, detail| PackWriteError::InvalidEntry {
            path: self.path.clone(),
            entry: id,
            chunk,
            detail,
        };
        let limits = ReadLimits::default();
        if id.is_nil() {
            return Err(invalid(None, "the nil asset id cannot be stored".to_owned()));
        }
        if self.ids.contains(&id) {
            return Err(PackWriteError::DuplicateEntry { path: self.path.clone(), entry: id });
        }
        if self.entries.len() >= limits.max_entries as usize {
            return Err(invalid(
                None,
                format!("a pack holds at most {} entries", limits.max_entries),
            ));
        }
        if self.chunk_total + raw_lens.len() as u64 > u64::from(u32::MAX) {
            return Err(invalid(None, format!("a pack holds at most {} chunks", u32::MAX)));
        }
        let mut total = 0u64;
        for (index, len) in (0u32..).zip(raw_lens) {
            if len > limits.max_chunk_raw_len {
                return Err(invalid(
                    Some(index),
                    format!(
                        "chunk is {len} bytes, over the {}-byte limit",
                        limits.max_chunk_raw_len
                    ),
                ));
            }
            total += len;
        }
        if total > limits.max_entry_raw_len {
            return Err(invalid(
                None,
                format!("entry is {total} bytes, over the {}-byte limit", limits.max_entry_raw_len),
            ));
        }
        Ok(())
    }

    fn pad_to_alignment(&mut self) -> Result<(), PackWriteError> {
        let padding = self.pos.next_multiple_of(u64::from(self.options.alignment)) - self.pos;
        io::copy(&mut io::repeat(0).take(padding), &mut self.out)
            .map_err(io_error(&self.path, "writing padding"))?;
        self.pos += padding;
        Ok(())
    }

    fn push_entry(
        &mut self,
        id: AssetId,
        hash: ContentHash,
        chunks: Vec<ChunkInfo>,
    ) -> EntrySummary {
        let codec =
            chunks.iter().map(|c| c.codec).find(|&c| c != Codec::None).unwrap_or(Codec::None);
        let summary = EntrySummary {
            id,
            content_hash: hash,
            raw_size: chunks.iter().map(|c| c.raw_len).sum(),
            stored_size: chunks.iter().map(|c| c.stored_len).sum(),
            codec,
            chunk_count: chunks.len() as u32,
        };
        self.chunk_total += chunks.len() as u64;
        self.ids.insert(id);
        self.entries.push(PendingEntry { summary: summary.clone(), chunks });
        summary
    }
}

fn io_error(path: &Path, op: &'static str) -> impl Fn(io::Error) -> PackWriteError + use<> {
    let path = path.to_path_buf();
    move |e| PackWriteError::Io { path: path.clone(), op, source: Arc::new(e) }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Makes a rename in `dir` durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Windows cannot open a directory for syncing through `std`; NTFS journals
/// the rename's metadata.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}
