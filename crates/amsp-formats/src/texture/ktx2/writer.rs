//! Building a KTX2 file from mip levels.

use std::ops::Range;

use super::dfd::BasicDfd;
use super::header::{HEADER_LEN, Ktx2Header, LEVEL_INDEX_ENTRY_LEN, LevelIndexEntry};
use super::{Ktx2Error, VkFormat};

/// How [`Ktx2Writer`] stores level data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteSupercompression {
    /// Levels stored as they are uploaded.
    None,
    /// Each level compressed as one zstd frame at this compression level.
    Zstd {
        /// The zstd compression level (1..=22; 0 picks zstd's default).
        level: i32,
    },
}

/// Builds a KTX2 file: format, dimensions and layout set here, levels given to
/// [`write`](Self::write).
#[derive(Debug, Clone)]
pub struct Ktx2Writer {
    format: VkFormat,
    width: u32,
    height: u32,
    depth: u32,
    layers: u32,
    faces: u32,
    srgb: Option<bool>,
    supercompression: WriteSupercompression,
    key_values: Vec<(String, Vec<u8>)>,
    dfd: Option<BasicDfd>,
}

/// A written KTX2 file and where each level's stored bytes lie in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ktx2File {
    bytes: Vec<u8>,
    level_ranges: Vec<Range<usize>>,
}

impl Ktx2File {
    /// A file from its bytes and its levels' byte ranges (level 0 first).
    pub(crate) fn from_parts(bytes: Vec<u8>, level_ranges: Vec<Range<usize>>) -> Self {
        Ktx2File { bytes, level_ranges }
    }

    /// The whole file.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The whole file, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Byte range of each level's stored (possibly supercompressed) data in
    /// [`bytes`](Self::bytes), level 0 first, so each can be stored separately.
    pub fn mip_level_ranges(&self) -> &[Range<usize>] {
        &self.level_ranges
    }
}

impl Ktx2Writer {
    /// A writer for a 2D `width`×`height` texture in `format`, one layer, one
    /// face, no supercompression. The writer records `KTXwriter` = `AMSP`.
    pub fn new(format: VkFormat, width: u32, height: u32) -> Self {
        Ktx2Writer {
            format,
            width,
            height,
            depth: 0,
            layers: 0,
            faces: 1,
            srgb: None,
            supercompression: WriteSupercompression::None,
            key_values: vec![("KTXwriter".into(), b"AMSP\0".to_vec())],
            dfd: None,
        }
    }

    /// Makes the texture 3D with this depth (0 for 2D).
    #[must_use]
    pub fn depth(mut self, depth: u32) -> Self {
        self.depth = depth;
        self
    }

    /// Makes the texture an array of `layers` layers (0 for a non-array texture).
    #[must_use]
    pub fn layers(mut self, layers: u32) -> Self {
        self.layers = layers;
        self
    }

    /// Sets the face count: 6 for a cube map, 1 otherwise.
    #[must_use]
    pub fn faces(mut self, faces: u32) -> Self {
        self.faces = faces;
        self
    }

    /// Chooses the sRGB (`true`) or linear (`false`) variant of the format.
    /// Without this call the format is written as given.
    #[must_use]
    pub fn srgb(mut self, srgb: bool) -> Self {
        self.srgb = Some(srgb);
        self
    }

    /// Sets the supercompression of the level data.
    #[must_use]
    pub fn supercompression(mut self, supercompression: WriteSupercompression) -> Self {
        self.supercompression = supercompression;
        self
    }

    /// Writes this data format descriptor instead of the one
    /// [`BasicDfd::for_format`] gives, and takes the block layout that level
    /// sizes are checked against from it (texel block dimensions and
    /// `bytesPlane0`). This is how formats without a `VkFormat` are written,
    /// such as UASTC with [`VkFormat::Undefined`]; the DFD's transfer function
    /// then says whether the data is sRGB.
    #[must_use]
    pub fn dfd(mut self, dfd: BasicDfd) -> Self {
        self.dfd = Some(dfd);
        self
    }

    /// Adds or replaces a key/value entry. String values should end with a NUL.
    #[must_use]
    pub fn key_value(mut self, key: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        let key = key.into();
        let value = value.into();
        match self.key_values.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.key_values.push((key, value)),
        }
        self
    }

    /// Writes the file; `levels[0]` is the largest level, each level holds all
    /// layers and faces (layer-major, then face, then depth slice).
    ///
    /// # Errors
    ///
    /// [`Ktx2Error::InvalidWrite`] if the format is undefined without an
    /// explicit [`dfd`](Self::dfd) (or that DFD gives no block size), the
    /// format has no requested sRGB variant, the dimensions or face count are invalid, there
    /// are no levels or more than the dimensions allow, a level's size does not
    /// match its dimensions, or zstd compression fails.
    pub fn write(&self, levels: &[&[u8]]) -> Result<Ktx2File, Ktx2Error> {
        let bad = |m: String| Err(Ktx2Error::InvalidWrite(m));
        let format = match self.srgb {
            Some(srgb) => match self.format.with_srgb(srgb) {
                Some(f) => f,
                None => return bad(format!("{:?} has no sRGB={srgb} variant", self.format)),
            },
            None => self.format,
        };
        let Some(dfd) = self.dfd.clone().or_else(|| BasicDfd::for_format(format)) else {
            return bad(format!("cannot describe {format:?} without an explicit DFD"));
        };
        if self.width == 0 || self.height == 0 {
            return bad(format!("dimensions {}×{} include 0", self.width, self.height));
        }
        if !(self.faces == 1 || (self.faces == 6 && self.width == self.height && self.depth == 0)) {
            return bad(format!(
                "faceCount {} for {}×{}×{}: must be 1, or 6 for a square 2D texture",
                self.faces, self.width, self.height, self.depth
            ));
        }
        let largest = self.width.max(self.height).max(self.depth);
        let full_chain = (32 - largest.leading_zeros()) as usize;
        if levels.is_empty() || levels.len() > full_chain {
            return bad(format!(
                "{} levels given; a {}×{}×{} texture has 1 to {full_chain}",
                levels.len(),
                self.width,
                self.height,
                self.depth
            ));
        }
        let (bw, bh, block_bytes) = match &self.dfd {
            Some(dfd) => {
                let [bw, bh, ..] = dfd.texel_block_dimensions;
                (bw, bh, usize::from(dfd.bytes_planes[0]))
            }
            None => {
                let (bw, bh) = format.block_dimensions();
                (bw, bh, format.block_bytes() as usize)
            }
        };
        if block_bytes == 0 || bw == 0 || bh == 0 {
            return bad(format!(
                "the DFD gives no block size ({bw}×{bh} texels, {block_bytes} bytes)"
            ));
        }
        let images = self.layers.max(1) as usize * self.faces as usize;
        for (i, level) in levels.iter().enumerate() {
            let blocks = |full: u32, block: u32| ((full >> i).max(1)).div_ceil(block) as usize;
            let expected = blocks(self.width, bw)
                * blocks(self.height, bh)
                * blocks(self.depth, 1)
                * block_bytes
                * images;
            if level.len() != expected {
                return bad(format!(
                    "level {i} is {} bytes, {format:?} at {}×{}×{} with {images} images needs {expected}",
                    level.len(),
                    (self.width >> i).max(1),
                    (self.height >> i).max(1),
                    (self.depth >> i).max(1)
                ));
            }
        }

        let (stored, alignment): (Vec<Vec<u8>>, usize) = match self.supercompression {
            WriteSupercompression::None => (Vec::new(), lcm(block_bytes, 4)),
            WriteSupercompression::Zstd { level } => {
                let compressed = levels
                    .iter()
                    .enumerate()
                    .map(|(i, data)| {
                        zstd::bulk::compress(data, level).map_err(|e| {
                            Ktx2Error::InvalidWrite(format!(
                                "zstd compression of level {i} failed: {e}"
                            ))
                        })
                    })
                    .collect::<Result<_, _>>()?;
                (compressed, 1)
            }
        };
        let stored_level =
            |i: usize| -> &[u8] { if stored.is_empty() { levels[i] } else { &stored[i] } };

        let dfd_bytes = dfd.to_bytes();
        let kvd_bytes = key_value_bytes(&self.key_values);
        let dfd_offset = HEADER_LEN + LEVEL_INDEX_ENTRY_LEN * levels.len();
        let kvd_offset = dfd_offset + dfd_bytes.len();
        let mut out = vec![0u8; kvd_offset];
        out.extend_from_slice(&kvd_bytes);
        out[dfd_offset..kvd_offset].copy_from_slice(&dfd_bytes);

        let mut ranges = vec![0..0; levels.len()];
        for i in (0..levels.len()).rev() {
            out.resize(out.len().next_multiple_of(alignment), 0);
            let data = stored_level(i);
            ranges[i] = out.len()..out.len() + data.len();
            out.extend_from_slice(data);
        }

        let too_big =
            |what: &str| Ktx2Error::InvalidWrite(format!("the {what} does not fit in 32 bits"));
        let header = Ktx2Header {
            vk_format: format.raw(),
            type_size: format.type_size(),
            pixel_width: self.width,
            pixel_height: self.height,
            pixel_depth: self.depth,
            layer_count: self.layers,
            face_count: self.faces,
            level_count: levels.len() as u32,
            supercompression_scheme: match self.supercompression {
                WriteSupercompression::None => 0,
                WriteSupercompression::Zstd { .. } => 2,
            },
            dfd_byte_offset: u32::try_from(dfd_offset).map_err(|_| too_big("DFD offset"))?,
            dfd_byte_length: u32::try_from(dfd_bytes.len()).map_err(|_| too_big("DFD"))?,
            kvd_byte_offset: u32::try_from(kvd_offset).map_err(|_| too_big("KVD offset"))?,
            kvd_byte_length: u32::try_from(kvd_bytes.len())
                .map_err(|_| too_big("key/value data"))?,
            sgd_byte_offset: 0,
            sgd_byte_length: 0,
        };
        out[..HEADER_LEN].copy_from_slice(&header.to_bytes());
        for (i, range) in ranges.iter().enumerate() {
            let entry = LevelIndexEntry {
                byte_offset: range.start as u64,
                byte_length: range.len() as u64,
                uncompressed_byte_length: levels[i].len() as u64,
            };
            let at = HEADER_LEN + LEVEL_INDEX_ENTRY_LEN * i;
            out[at..at + LEVEL_INDEX_ENTRY_LEN].copy_from_slice(&entry.to_bytes());
        }
        Ok(Ktx2File { bytes: out, level_ranges: ranges })
    }
}

/// The key/value section: entries sorted by key, each padded to 4 bytes.
fn key_value_bytes(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut sorted: Vec<_> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = Vec::new();
    for (key, value) in sorted {
        let len = key.len() + 1 + value.len();
        out.extend_from_slice(&(len as u32).to_le_bytes());
        out.extend_from_slice(key.as_bytes());
        out.push(0);
        out.extend_from_slice(value);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    out
}

fn lcm(a: usize, b: usize) -> usize {
    fn gcd(a: usize, b: usize) -> usize {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    a / gcd(a, b) * b
}
