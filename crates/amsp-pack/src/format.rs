//! On-disk layout of pack format v1: constants, the header and the TOC records.
//!
//! Every integer is little-endian. `docs/pack-format.md` is the long version.
//!
//! ```text
//! offset       size  content
//! 0            128   header (written last; see below)
//! 128          ...   chunk data: each entry's chunks back to back, the entry's
//!                    first chunk at a multiple of `alignment`; zero padding
//!                    in every gap
//! toc_offset   ...   TOC: entry_count x EntryRecord (80 bytes), then
//!                    chunk_count x ChunkRecord (40 bytes)
//! file_len           end of file (toc_offset + toc_len == file_len)
//!
//! Header (128 bytes)
//!   0  [u8; 8]  magic "AMSPPACK"
//!   8  u32      format version (1)
//!  12  u32      flags (0; no flags are defined in v1)
//!  16  u32      alignment of each entry's first chunk (power of two, >= 8)
//!  20  u32      reserved (0)
//!  24  u32      entry_count
//!  28  u32      chunk_count
//!  32  u64      toc_offset
//!  40  u64      toc_len (= entry_count * 80 + chunk_count * 40)
//!  48  u64      toc_checksum: xxh3-64 of the TOC bytes
//!  56  u64      file_len: length of the whole file
//!  64  [u8; 16] pack uuid (random, RFC 4122 version 4)
//!  80  [u8; 40] reserved (0)
//! 120  u64      header_checksum: xxh3-64 of bytes 0..120
//!
//! EntryRecord (80 bytes), sorted by asset id, ids unique
//!   0  [u8; 16] asset id (u128 little-endian)
//!  16  [u8; 32] content hash: BLAKE3 of the entry's raw chunks, in order
//!  48  u32      first_chunk: index of the entry's first chunk record
//!  52  u32      chunk_count
//!  56  u64      raw_size: sum of the chunks' raw_len
//!  64  u64      stored_size: sum of the chunks' stored_len
//!  72  u32      flags (0)
//!  76  u32      reserved (0)
//!
//! ChunkRecord (40 bytes)
//!   0  u64      offset of the stored bytes in the file
//!   8  u64      stored_len
//!  16  u64      raw_len (length after decoding)
//!  24  u64      checksum: xxh3-64 of the stored bytes
//!  32  u8       codec (0 none, 1 lz4 block, 2 zstd frame)
//!  33  [u8; 7]  reserved (0)
//! ```

use amsp_core::{AssetId, Codec, ContentHash};
use xxhash_rust::xxh3::xxh3_64;

/// The eight bytes every pack file starts with.
pub const MAGIC: [u8; 8] = *b"AMSPPACK";
/// The format version this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Length of the header at the start of the file, in bytes.
pub const HEADER_LEN: u64 = 128;
/// Length of one entry record in the TOC, in bytes.
pub const ENTRY_RECORD_LEN: u64 = 80;
/// Length of one chunk record in the TOC, in bytes.
pub const CHUNK_RECORD_LEN: u64 = 40;
/// The alignment written by default: one page, enough for direct I/O on
/// common devices.
pub const DEFAULT_ALIGNMENT: u32 = 4096;
/// The smallest alignment a pack may declare.
pub const MIN_ALIGNMENT: u32 = 8;
/// The largest alignment a pack may declare (16 MiB).
pub const MAX_ALIGNMENT: u32 = 1 << 24;

/// Offset of the header checksum: it covers every header byte before it.
const HEADER_CHECKSUM_AT: usize = 120;
const HEADER_RESERVED_TAIL: usize = 40;

/// One entry of a pack, as recorded in its TOC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryInfo {
    /// The asset this entry holds.
    pub id: AssetId,
    /// BLAKE3 of the entry's raw (decoded) chunks concatenated, see
    /// [`content_hash`].
    pub content_hash: ContentHash,
    /// Index of the entry's first chunk in the pack's chunk table.
    pub first_chunk: u32,
    /// Number of chunks of the entry.
    pub chunk_count: u32,
    /// Sum of the chunks' decoded lengths.
    pub raw_size: u64,
    /// Sum of the chunks' stored lengths.
    pub stored_size: u64,
}

/// One chunk of an entry, as recorded in the TOC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkInfo {
    /// Offset of the stored bytes in the pack file.
    pub offset: u64,
    /// Length of the stored (possibly compressed) bytes.
    pub stored_len: u64,
    /// Length of the chunk once decoded.
    pub raw_len: u64,
    /// How the stored bytes are encoded.
    pub codec: Codec,
    /// xxh3-64 of the stored bytes.
    pub checksum: u64,
}

/// The content hash of an asset made of `chunks`: BLAKE3 over the chunks'
/// raw bytes in order, as if concatenated. Chunk boundaries do not change it.
///
/// This is the definition used by packs, the catalog and caches.
#[must_use]
pub fn content_hash(chunks: &[&[u8]]) -> ContentHash {
    let mut hasher = blake3::Hasher::new();
    for chunk in chunks {
        hasher.update(chunk);
    }
    ContentHash(*hasher.finalize().as_bytes())
}

/// The decoded header. Field meanings are in the module diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub alignment: u32,
    pub entry_count: u32,
    pub chunk_count: u32,
    pub toc_offset: u64,
    pub toc_len: u64,
    pub toc_checksum: u64,
    pub file_len: u64,
    pub uuid: [u8; 16],
}

/// Why a header was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HeaderError {
    /// The bytes are not a valid v1 header; the text says why.
    Corrupt(String),
    /// A well-formed header (checksum matches) of a version this crate does not read.
    Version(u32),
}

/// Length of the TOC for the given counts, or `None` on overflow.
pub(crate) fn toc_len(entry_count: u32, chunk_count: u32) -> Option<u64> {
    u64::from(entry_count)
        .checked_mul(ENTRY_RECORD_LEN)?
        .checked_add(u64::from(chunk_count).checked_mul(CHUNK_RECORD_LEN)?)
}

/// Whether `alignment` is one a pack may declare.
pub(crate) fn alignment_is_valid(alignment: u32) -> bool {
    alignment.is_power_of_two() && (MIN_ALIGNMENT..=MAX_ALIGNMENT).contains(&alignment)
}

impl Header {
    /// The 128 header bytes, checksum included.
    pub fn encode(&self) -> [u8; HEADER_LEN as usize] {
        let mut out = Vec::with_capacity(HEADER_LEN as usize);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes()); // flags
        out.extend_from_slice(&self.alignment.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes()); // reserved
        out.extend_from_slice(&self.entry_count.to_le_bytes());
        out.extend_from_slice(&self.chunk_count.to_le_bytes());
        out.extend_from_slice(&self.toc_offset.to_le_bytes());
        out.extend_from_slice(&self.toc_len.to_le_bytes());
        out.extend_from_slice(&self.toc_checksum.to_le_bytes());
        out.extend_from_slice(&self.file_len.to_le_bytes());
        out.extend_from_slice(&self.uuid);
        out.extend_from_slice(&[0; HEADER_RESERVED_TAIL]);
        debug_assert_eq!(out.len(), HEADER_CHECKSUM_AT);
        out.extend_from_slice(&xxh3_64(&out).to_le_bytes());
        let mut bytes = [0; HEADER_LEN as usize];
        bytes.copy_from_slice(&out);
        bytes
    }

    /// Parses and checks a header: magic, checksum, version, flags, reserved
    /// bytes, alignment and the TOC length against the counts. Checks that
    /// need the file length are the reader's.
    pub fn decode(bytes: &[u8; HEADER_LEN as usize]) -> Result<Self, HeaderError> {
        let corrupt = |s: String| HeaderError::Corrupt(s);
        let mut f = Fields::new(bytes);
        let magic: [u8; 8] = f.array().map_err(corrupt)?;
        if magic != MAGIC {
            return Err(corrupt(format!(
                "not a pack file: magic is {:?}, expected {:?}",
                magic.escape_ascii().to_string(),
                MAGIC.escape_ascii().to_string()
            )));
        }
        let (covered, stored) = bytes.split_at(HEADER_CHECKSUM_AT);
        let stored = Fields::new(stored).u64().map_err(corrupt)?;
        let computed = xxh3_64(covered);
        let version = f.u32().map_err(corrupt)?;
        if stored != computed {
            // The version field cannot be trusted either, so a bad checksum is
            // always corruption, whatever the version field says.
            return Err(corrupt(format!(
                "header checksum mismatch (stored {stored:#018x}, computed {computed:#018x}; \
                 version field reads {version})"
            )));
        }
        if version != FORMAT_VERSION {
            return Err(HeaderError::Version(version));
        }
        let flags = f.u32().map_err(corrupt)?;
        if flags != 0 {
            return Err(corrupt(format!("unknown header flags {flags:#010x}")));
        }
        let alignment = f.u32().map_err(corrupt)?;
        if !alignment_is_valid(alignment) {
            return Err(corrupt(format!(
                "alignment {alignment} is not a power of two in {MIN_ALIGNMENT}..={MAX_ALIGNMENT}"
            )));
        }
        f.zeros::<4>("header reserved bytes 20..24").map_err(corrupt)?;
        let header = Header {
            alignment,
            entry_count: f.u32().map_err(corrupt)?,
            chunk_count: f.u32().map_err(corrupt)?,
            toc_offset: f.u64().map_err(corrupt)?,
            toc_len: f.u64().map_err(corrupt)?,
            toc_checksum: f.u64().map_err(corrupt)?,
            file_len: f.u64().map_err(corrupt)?,
            uuid: f.array().map_err(corrupt)?,
        };
        f.zeros::<HEADER_RESERVED_TAIL>("header reserved bytes 80..120").map_err(corrupt)?;
        let expected = toc_len(header.entry_count, header.chunk_count);
        if expected != Some(header.toc_len) {
            return Err(corrupt(format!(
                "TOC length {} does not match {} entries and {} chunks",
                header.toc_len, header.entry_count, header.chunk_count
            )));
        }
        Ok(header)
    }
}

/// Appends the TOC record of `entry`.
pub(crate) fn encode_entry(entry: &EntryInfo, out: &mut Vec<u8>) {
    out.extend_from_slice(&entry.id.to_le_bytes());
    out.extend_from_slice(entry.content_hash.as_bytes());
    out.extend_from_slice(&entry.first_chunk.to_le_bytes());
    out.extend_from_slice(&entry.chunk_count.to_le_bytes());
    out.extend_from_slice(&entry.raw_size.to_le_bytes());
    out.extend_from_slice(&entry.stored_size.to_le_bytes());
    out.extend_from_slice(&[0; 8]); // flags, reserved
}

/// Parses one entry record (exactly [`ENTRY_RECORD_LEN`] bytes).
pub(crate) fn decode_entry(record: &[u8]) -> Result<EntryInfo, String> {
    let mut f = Fields::new(record);
    let entry = EntryInfo {
        id: AssetId::from_le_bytes(f.array()?),
        content_hash: ContentHash(f.array()?),
        first_chunk: f.u32()?,
        chunk_count: f.u32()?,
        raw_size: f.u64()?,
        stored_size: f.u64()?,
    };
    f.zeros::<8>("entry flags and reserved bytes")?;
    f.end()?;
    Ok(entry)
}

/// Appends the TOC record of `chunk`.
pub(crate) fn encode_chunk(chunk: &ChunkInfo, out: &mut Vec<u8>) {
    out.extend_from_slice(&chunk.offset.to_le_bytes());
    out.extend_from_slice(&chunk.stored_len.to_le_bytes());
    out.extend_from_slice(&chunk.raw_len.to_le_bytes());
    out.extend_from_slice(&chunk.checksum.to_le_bytes());
    out.push(chunk.codec.to_byte());
    out.extend_from_slice(&[0; 7]);
}

/// Parses one chunk record (exactly [`CHUNK_RECORD_LEN`] bytes).
pub(crate) fn decode_chunk(record: &[u8]) -> Result<ChunkInfo, String> {
    let mut f = Fields::new(record);
    let offset = f.u64()?;
    let stored_len = f.u64()?;
    let raw_len = f.u64()?;
    let checksum = f.u64()?;
    let [codec_byte] = f.array()?;
    let codec =
        Codec::from_byte(codec_byte).ok_or_else(|| format!("unknown codec byte {codec_byte}"))?;
    f.zeros::<7>("chunk reserved bytes")?;
    f.end()?;
    Ok(ChunkInfo { offset, stored_len, raw_len, codec, checksum })
}

/// A bounds-checked little-endian field reader: every read either returns
/// the next bytes or an error, never panics.
struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let (head, rest) = self.rest.split_first_chunk::<N>().ok_or_else(|| {
            format!("record ends early: {} bytes left, {N} needed", self.rest.len())
        })?;
        self.rest = rest;
        Ok(*head)
    }

    fn u32(&mut self) -> Result<u32, String> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Result<u64, String> {
        self.array().map(u64::from_le_bytes)
    }

    fn zeros<const N: usize>(&mut self, what: &str) -> Result<(), String> {
        let bytes: [u8; N] = self.array()?;
        if bytes.iter().any(|&b| b != 0) {
            return Err(format!("{what} are not zero"));
        }
        Ok(())
    }

    fn end(&self) -> Result<(), String> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(format!("record has {} unexpected trailing bytes", self.rest.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            alignment: 64,
            entry_count: 2,
            chunk_count: 3,
            toc_offset: 1024,
            toc_len: toc_len(2, 3).unwrap(),
            toc_checksum: 0x1234,
            file_len: 1024 + 280,
            uuid: [7; 16],
        }
    }

    #[test]
    fn header_round_trips() {
        let bytes = header().encode();
        assert_eq!(&bytes[..8], b"AMSPPACK");
        assert_eq!(Header::decode(&bytes), Ok(header()));
    }

    #[test]
    fn header_field_offsets_match_the_diagram() {
        let bytes = header().encode();
        assert_eq!(bytes[8..12], 1u32.to_le_bytes());
        assert_eq!(bytes[16..20], 64u32.to_le_bytes());
        assert_eq!(bytes[24..28], 2u32.to_le_bytes());
        assert_eq!(bytes[28..32], 3u32.to_le_bytes());
        assert_eq!(bytes[32..40], 1024u64.to_le_bytes());
        assert_eq!(bytes[56..64], (1024u64 + 280).to_le_bytes());
        assert_eq!(bytes[64..80], [7; 16]);
        assert_eq!(bytes[120..128], xxh3_64(&bytes[..120]).to_le_bytes());
    }

    #[test]
    fn header_rejects_every_single_bit_flip() {
        let good = header().encode();
        for bit in 0..good.len() * 8 {
            let mut bytes = good;
            bytes[bit / 8] ^= 1 << (bit % 8);
            assert!(
                matches!(Header::decode(&bytes), Err(HeaderError::Corrupt(_))),
                "bit {bit} flip accepted"
            );
        }
    }

    #[test]
    fn records_round_trip() {
        let entry = EntryInfo {
            id: AssetId::from_u128(0xabcdef),
            content_hash: ContentHash([9; 32]),
            first_chunk: 4,
            chunk_count: 2,
            raw_size: 100,
            stored_size: 60,
        };
        let mut out = Vec::new();
        encode_entry(&entry, &mut out);
        assert_eq!(out.len() as u64, ENTRY_RECORD_LEN);
        assert_eq!(decode_entry(&out), Ok(entry));

        let chunk = ChunkInfo {
            offset: 4096,
            stored_len: 60,
            raw_len: 100,
            codec: Codec::Zstd,
            checksum: 5,
        };
        let mut out = Vec::new();
        encode_chunk(&chunk, &mut out);
        assert_eq!(out.len() as u64, CHUNK_RECORD_LEN);
        assert_eq!(decode_chunk(&out), Ok(chunk));
        out[32] = 9;
        assert_eq!(decode_chunk(&out), Err("unknown codec byte 9".to_owned()));
        assert!(decode_chunk(&out[..39]).is_err());
    }
}
