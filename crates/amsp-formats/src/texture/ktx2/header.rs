//! The fixed 80-byte header, the section index and the level index.
//!
//! ```text
//! offset  size  field
//!      0    12  identifier «KTX 20»\r\n\x1A\n
//!     12     4  vkFormat
//!     16     4  typeSize
//!     20     4  pixelWidth
//!     24     4  pixelHeight            (0 for 1D)
//!     28     4  pixelDepth             (0 unless 3D)
//!     32     4  layerCount             (0 unless an array)
//!     36     4  faceCount              (1, or 6 for a cube map)
//!     40     4  levelCount             (0: generate mips at load)
//!     44     4  supercompressionScheme
//!     48     4  dfdByteOffset          48+4 dfdByteLength
//!     56     4  kvdByteOffset          56+4 kvdByteLength
//!     64     8  sgdByteOffset          72+8 sgdByteLength
//!     80  24×n  level index, level 0 (largest) first:
//!               byteOffset u64, byteLength u64, uncompressedByteLength u64
//! ```
//!
//! All fields are little-endian.

use super::Ktx2Error;

/// The 12-byte KTX2 file identifier.
pub const IDENTIFIER: [u8; 12] = *b"\xABKTX 20\xBB\r\n\x1A\n";
/// Length of the header including the section index.
pub const HEADER_LEN: usize = 80;
/// Length of one level index entry.
pub const LEVEL_INDEX_ENTRY_LEN: usize = 24;

/// The KTX2 header fields, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ktx2Header {
    /// `vkFormat`; 0 for Basis Universal data.
    pub vk_format: u32,
    /// `typeSize`: size of the data type for endian conversion.
    pub type_size: u32,
    /// `pixelWidth`.
    pub pixel_width: u32,
    /// `pixelHeight` (0 for 1D textures).
    pub pixel_height: u32,
    /// `pixelDepth` (0 unless 3D).
    pub pixel_depth: u32,
    /// `layerCount` (0 unless an array texture).
    pub layer_count: u32,
    /// `faceCount` (1, or 6 for a cube map).
    pub face_count: u32,
    /// `levelCount` (0 means one stored level; mips are generated at load).
    pub level_count: u32,
    /// `supercompressionScheme`.
    pub supercompression_scheme: u32,
    /// `dfdByteOffset`.
    pub dfd_byte_offset: u32,
    /// `dfdByteLength`.
    pub dfd_byte_length: u32,
    /// `kvdByteOffset`.
    pub kvd_byte_offset: u32,
    /// `kvdByteLength`.
    pub kvd_byte_length: u32,
    /// `sgdByteOffset`.
    pub sgd_byte_offset: u64,
    /// `sgdByteLength`.
    pub sgd_byte_length: u64,
}

/// One entry of the level index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LevelIndexEntry {
    /// Offset of the level's data from the start of the file.
    pub byte_offset: u64,
    /// Length of the level's data as stored (supercompressed or not).
    pub byte_length: u64,
    /// Length after supercompression is undone (0 for BasisLZ).
    pub uncompressed_byte_length: u64,
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}

impl Ktx2Header {
    /// Reads the identifier and header from the start of `bytes`.
    ///
    /// # Errors
    ///
    /// [`Ktx2Error::NotKtx2`] if the identifier is wrong, [`Ktx2Error::Truncated`]
    /// if `bytes` is shorter than the header. No field is validated here.
    pub fn read(bytes: &[u8]) -> Result<Self, Ktx2Error> {
        let head = &bytes[..bytes.len().min(IDENTIFIER.len())];
        if head != &IDENTIFIER[..head.len()] || head.is_empty() {
            return Err(Ktx2Error::NotKtx2 { found: head.to_vec() });
        }
        if bytes.len() < HEADER_LEN {
            return Err(Ktx2Error::Truncated {
                what: "header",
                needed: HEADER_LEN as u64,
                file_len: bytes.len() as u64,
            });
        }
        Ok(Ktx2Header {
            vk_format: u32_at(bytes, 12),
            type_size: u32_at(bytes, 16),
            pixel_width: u32_at(bytes, 20),
            pixel_height: u32_at(bytes, 24),
            pixel_depth: u32_at(bytes, 28),
            layer_count: u32_at(bytes, 32),
            face_count: u32_at(bytes, 36),
            level_count: u32_at(bytes, 40),
            supercompression_scheme: u32_at(bytes, 44),
            dfd_byte_offset: u32_at(bytes, 48),
            dfd_byte_length: u32_at(bytes, 52),
            kvd_byte_offset: u32_at(bytes, 56),
            kvd_byte_length: u32_at(bytes, 60),
            sgd_byte_offset: u64_at(bytes, 64),
            sgd_byte_length: u64_at(bytes, 72),
        })
    }

    /// The identifier and header as 80 bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..12].copy_from_slice(&IDENTIFIER);
        let words = [
            self.vk_format,
            self.type_size,
            self.pixel_width,
            self.pixel_height,
            self.pixel_depth,
            self.layer_count,
            self.face_count,
            self.level_count,
            self.supercompression_scheme,
            self.dfd_byte_offset,
            self.dfd_byte_length,
            self.kvd_byte_offset,
            self.kvd_byte_length,
        ];
        for (i, w) in words.iter().enumerate() {
            out[12 + 4 * i..16 + 4 * i].copy_from_slice(&w.to_le_bytes());
        }
        out[64..72].copy_from_slice(&self.sgd_byte_offset.to_le_bytes());
        out[72..80].copy_from_slice(&self.sgd_byte_length.to_le_bytes());
        out
    }
}

impl LevelIndexEntry {
    /// Reads entry `level` of the level index. The caller has checked that it
    /// lies inside `bytes`.
    pub(crate) fn read(bytes: &[u8], level: usize) -> Self {
        let at = HEADER_LEN + level * LEVEL_INDEX_ENTRY_LEN;
        LevelIndexEntry {
            byte_offset: u64_at(bytes, at),
            byte_length: u64_at(bytes, at + 8),
            uncompressed_byte_length: u64_at(bytes, at + 16),
        }
    }

    /// The entry as 24 bytes.
    pub fn to_bytes(&self) -> [u8; LEVEL_INDEX_ENTRY_LEN] {
        let mut out = [0u8; LEVEL_INDEX_ENTRY_LEN];
        out[..8].copy_from_slice(&self.byte_offset.to_le_bytes());
        out[8..16].copy_from_slice(&self.byte_length.to_le_bytes());
        out[16..].copy_from_slice(&self.uncompressed_byte_length.to_le_bytes());
        out
    }
}

pub(crate) fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32_at(bytes, at)
}
