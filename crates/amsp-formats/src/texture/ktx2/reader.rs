//! Parsing and validating a KTX2 file held in memory.

use std::borrow::Cow;

use super::dfd::{BasicDfd, COLOR_MODEL_ETC1S, COLOR_MODEL_UASTC};
use super::header::{HEADER_LEN, Ktx2Header, LEVEL_INDEX_ENTRY_LEN, LevelIndexEntry};
use super::validate::{self, Ktx2Warning};
use super::{Ktx2Error, VkFormat};

/// Upper bounds a file must stay within before anything is allocated for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextureLimits {
    /// Largest width, height or depth accepted (default 16384).
    pub max_dimension: u32,
    /// Largest `layerCount` accepted (default 2048).
    pub max_layers: u32,
    /// Largest `levelCount` accepted (default 15 = 1 + log2(16384)).
    pub max_levels: u32,
    /// Largest sum of the levels' uncompressed sizes (default 1 GiB).
    pub max_total_bytes: u64,
}

impl Default for TextureLimits {
    fn default() -> Self {
        TextureLimits {
            max_dimension: 16384,
            max_layers: 2048,
            max_levels: 15,
            max_total_bytes: 1 << 30,
        }
    }
}

/// How the level data is supercompressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Supercompression {
    /// Scheme 0: levels are stored as they are uploaded.
    None,
    /// Scheme 1: BasisLZ (ETC1S); needs a transcoder and the global data.
    BasisLz,
    /// Scheme 2: Zstandard, one frame per level.
    Zstd,
    /// Scheme 3: zlib. Parsed, but [`Ktx2Texture::level`] refuses it.
    Zlib,
}

impl Supercompression {
    /// The scheme for a `supercompressionScheme` value.
    ///
    /// # Errors
    ///
    /// [`Ktx2Error::UnknownSupercompression`] for a value the specification does not define.
    pub fn from_raw(raw: u32) -> Result<Self, Ktx2Error> {
        match raw {
            0 => Ok(Supercompression::None),
            1 => Ok(Supercompression::BasisLz),
            2 => Ok(Supercompression::Zstd),
            3 => Ok(Supercompression::Zlib),
            other => Err(Ktx2Error::UnknownSupercompression(other)),
        }
    }

    /// The `supercompressionScheme` value.
    pub fn raw(self) -> u32 {
        match self {
            Supercompression::None => 0,
            Supercompression::BasisLz => 1,
            Supercompression::Zstd => 2,
            Supercompression::Zlib => 3,
        }
    }
}

/// A validated KTX2 file borrowing its bytes.
///
/// Every region the header and index point at has been checked to lie inside
/// the file, after the level index and apart from each other; level sizes agree
/// with the dimensions and the DFD; totals are within [`TextureLimits`].
#[derive(Debug, Clone)]
pub struct Ktx2Texture<'a> {
    bytes: &'a [u8],
    header: Ktx2Header,
    supercompression: Supercompression,
    levels: Vec<LevelIndexEntry>,
    dfd: BasicDfd,
    key_values: Vec<(&'a str, &'a [u8])>,
    at: Levels,
}

/// Parses and validates a KTX2 file; the same as [`Ktx2Texture::parse`].
///
/// # Errors
///
/// See [`Ktx2Texture::parse`].
pub fn parse<'a>(bytes: &'a [u8], limits: &TextureLimits) -> Result<Ktx2Texture<'a>, Ktx2Error> {
    Ktx2Texture::parse(bytes, limits)
}

fn header_error<T>(message: String) -> Result<T, Ktx2Error> {
    Err(Ktx2Error::InvalidHeader(message))
}

fn check_limit(what: &'static str, value: u64, limit: u64) -> Result<(), Ktx2Error> {
    if value > limit {
        return Err(Ktx2Error::LimitExceeded { what, value, limit });
    }
    Ok(())
}

/// A named byte range of the file.
struct Region {
    name: String,
    start: u64,
    end: u64,
    /// A mip level (which [`Levels::Elsewhere`] allows past the buffer).
    level: bool,
}

/// Where the level data of a parsed buffer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Levels {
    /// In the buffer: a whole file.
    InFile,
    /// After the buffer: a header chunk.
    Elsewhere,
}

impl<'a> Ktx2Texture<'a> {
    /// Parses and validates a KTX2 file.
    ///
    /// Everything is checked before any allocation that depends on a value
    /// read from the file, apart from the level index (bounded by
    /// [`TextureLimits::max_levels`]) and the key/value list (bounded by the
    /// file length).
    ///
    /// # Errors
    ///
    /// A [`Ktx2Error`] describing the first problem found: wrong identifier,
    /// truncation, a limit exceeded, inconsistent header fields, a region past
    /// the end of the file or overlapping another, a level size that disagrees
    /// with the dimensions, or a malformed DFD or key/value section.
    pub fn parse(bytes: &'a [u8], limits: &TextureLimits) -> Result<Self, Ktx2Error> {
        Self::parse_impl(bytes, limits, Levels::InFile)
    }

    /// Parses and validates the start of a KTX2 file whose levels are stored
    /// elsewhere: the header chunk of a cooked texture (see
    /// [`layout`](crate::texture::layout)), which ends where the first
    /// level starts.
    ///
    /// Everything [`parse`](Self::parse) checks is checked, except that the
    /// levels must start at or after the end of `prefix` instead of lying
    /// inside it. The level data is then given to
    /// [`decode_stored_level`](Self::decode_stored_level) as it is read;
    /// [`level`](Self::level) and [`raw_level`](Self::raw_level) report
    /// [`Ktx2Error::RegionPastEnd`].
    ///
    /// # Errors
    ///
    /// As [`parse`](Self::parse).
    pub fn parse_header(prefix: &'a [u8], limits: &TextureLimits) -> Result<Self, Ktx2Error> {
        Self::parse_impl(prefix, limits, Levels::Elsewhere)
    }

    fn parse_impl(bytes: &'a [u8], limits: &TextureLimits, at: Levels) -> Result<Self, Ktx2Error> {
        let h = Ktx2Header::read(bytes)?;
        let file_len = bytes.len() as u64;

        check_limit("pixelWidth", h.pixel_width.into(), limits.max_dimension.into())?;
        check_limit("pixelHeight", h.pixel_height.into(), limits.max_dimension.into())?;
        check_limit("pixelDepth", h.pixel_depth.into(), limits.max_dimension.into())?;
        check_limit("layerCount", h.layer_count.into(), limits.max_layers.into())?;
        check_limit("levelCount", h.level_count.into(), limits.max_levels.into())?;

        if h.pixel_width == 0 {
            return header_error("pixelWidth is 0".into());
        }
        if h.pixel_depth > 0 && h.pixel_height == 0 {
            return header_error(format!("pixelDepth is {} but pixelHeight is 0", h.pixel_depth));
        }
        match h.face_count {
            1 => {}
            6 if h.pixel_width == h.pixel_height && h.pixel_depth == 0 => {}
            6 => {
                return header_error(format!(
                    "a cube map (faceCount 6) must be square and 2D, not {}×{}×{}",
                    h.pixel_width, h.pixel_height, h.pixel_depth
                ));
            }
            n => return header_error(format!("faceCount is {n}, must be 1 or 6")),
        }
        let largest = h.pixel_width.max(h.pixel_height).max(h.pixel_depth);
        let full_chain = 32 - largest.leading_zeros();
        if h.level_count > full_chain {
            return header_error(format!(
                "levelCount is {} but a {}×{}×{} texture has at most {full_chain} levels",
                h.level_count, h.pixel_width, h.pixel_height, h.pixel_depth
            ));
        }
        let supercompression = Supercompression::from_raw(h.supercompression_scheme)?;
        if supercompression == Supercompression::BasisLz && h.vk_format != 0 {
            return header_error(format!(
                "BasisLZ data must have vkFormat 0 (VK_FORMAT_UNDEFINED), not {}",
                h.vk_format
            ));
        }

        let level_count = h.level_count.max(1);
        let index_end = HEADER_LEN as u64 + LEVEL_INDEX_ENTRY_LEN as u64 * u64::from(level_count);
        if index_end > file_len {
            return Err(Ktx2Error::Truncated { what: "level index", needed: index_end, file_len });
        }
        let levels: Vec<LevelIndexEntry> =
            (0..level_count as usize).map(|i| LevelIndexEntry::read(bytes, i)).collect();

        // Regions: each inside the file, after the index, apart from the others.
        let mut regions = Vec::new();
        if h.dfd_byte_length == 0 {
            return Err(Ktx2Error::InvalidDfd("dfdByteLength is 0; a DFD is required".into()));
        }
        regions.push(Region {
            name: "DFD".into(),
            start: h.dfd_byte_offset.into(),
            end: u64::from(h.dfd_byte_offset) + u64::from(h.dfd_byte_length),
            level: false,
        });
        if h.kvd_byte_length > 0 {
            regions.push(Region {
                name: "key/value data".into(),
                start: h.kvd_byte_offset.into(),
                end: u64::from(h.kvd_byte_offset) + u64::from(h.kvd_byte_length),
                level: false,
            });
        }
        if h.sgd_byte_length > 0 {
            if supercompression != Supercompression::BasisLz {
                return header_error(format!(
                    "sgdByteLength is {} but supercompression scheme {} has no global data",
                    h.sgd_byte_length, h.supercompression_scheme
                ));
            }
            regions.push(Region {
                name: "supercompression global data".into(),
                start: h.sgd_byte_offset,
                end: h.sgd_byte_offset.saturating_add(h.sgd_byte_length),
                level: false,
            });
        } else if supercompression == Supercompression::BasisLz {
            return header_error(
                "BasisLZ requires supercompression global data, but sgdByteLength is 0".into(),
            );
        }
        for (i, level) in levels.iter().enumerate() {
            if level.byte_length == 0 {
                return Err(Ktx2Error::InvalidLevel {
                    level: i as u32,
                    detail: format!("byteLength is 0 (byteOffset {})", level.byte_offset),
                });
            }
            regions.push(Region {
                name: format!("level {i}"),
                start: level.byte_offset,
                end: level.byte_offset.saturating_add(level.byte_length),
                level: true,
            });
        }
        for r in &regions {
            if r.level && at == Levels::Elsewhere {
                if r.start < file_len {
                    return Err(Ktx2Error::RegionOverlap {
                        region: r.name.clone(),
                        start: r.start,
                        end: r.end,
                        other: "the header chunk".into(),
                        other_start: 0,
                        other_end: file_len,
                    });
                }
            } else if r.end > file_len {
                return Err(Ktx2Error::RegionPastEnd {
                    region: r.name.clone(),
                    start: r.start,
                    end: r.end,
                    file_len,
                });
            }
            if r.start < index_end {
                return Err(Ktx2Error::RegionOverlap {
                    region: r.name.clone(),
                    start: r.start,
                    end: r.end,
                    other: "the header and level index".into(),
                    other_start: 0,
                    other_end: index_end,
                });
            }
        }
        regions.sort_by_key(|r| (r.start, r.end));
        for pair in regions.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if b.start < a.end {
                return Err(Ktx2Error::RegionOverlap {
                    region: b.name.clone(),
                    start: b.start,
                    end: b.end,
                    other: a.name.clone(),
                    other_start: a.start,
                    other_end: a.end,
                });
            }
        }

        let dfd_start = h.dfd_byte_offset as usize;
        let dfd = BasicDfd::parse(&bytes[dfd_start..dfd_start + h.dfd_byte_length as usize])?;
        validate::check_format(&h, supercompression, &dfd)?;

        Self::check_levels(&h, supercompression, &levels, &dfd, limits)?;

        let kvd_start = h.kvd_byte_offset as usize;
        let key_values = if h.kvd_byte_length > 0 {
            parse_key_values(&bytes[kvd_start..kvd_start + h.kvd_byte_length as usize])?
        } else {
            Vec::new()
        };

        Ok(Ktx2Texture { bytes, header: h, supercompression, levels, dfd, key_values, at })
    }

    fn check_levels(
        h: &Ktx2Header,
        supercompression: Supercompression,
        levels: &[LevelIndexEntry],
        dfd: &BasicDfd,
        limits: &TextureLimits,
    ) -> Result<(), Ktx2Error> {
        let layout = validate::block_layout(h, dfd);
        let block_bytes = layout.map_or(0, |(_, bytes)| bytes);
        let [bw, bh, bd] = layout.map_or([1, 1, 1], |(dims, _)| dims);
        let images = u64::from(h.layer_count.max(1)) * u64::from(h.face_count);
        let mut total: u64 = 0;
        for (i, level) in levels.iter().enumerate() {
            let bad = |detail: String| Err(Ktx2Error::InvalidLevel { level: i as u32, detail });
            let uncompressed = match supercompression {
                Supercompression::None => {
                    if level.uncompressed_byte_length != level.byte_length {
                        return bad(format!(
                            "byteLength {} differs from uncompressedByteLength {} without supercompression",
                            level.byte_length, level.uncompressed_byte_length
                        ));
                    }
                    let align = lcm(block_bytes.max(1), 4);
                    if !level.byte_offset.is_multiple_of(align) {
                        return bad(format!(
                            "byteOffset {} is not a multiple of {align}",
                            level.byte_offset
                        ));
                    }
                    level.byte_length
                }
                Supercompression::BasisLz => {
                    if level.uncompressed_byte_length != 0 {
                        return bad(format!(
                            "uncompressedByteLength is {} but must be 0 for BasisLZ",
                            level.uncompressed_byte_length
                        ));
                    }
                    level.byte_length
                }
                Supercompression::Zstd | Supercompression::Zlib => {
                    if level.uncompressed_byte_length == 0 {
                        return bad("uncompressedByteLength is 0".into());
                    }
                    level.uncompressed_byte_length
                }
            };
            total = total.saturating_add(uncompressed);
            check_limit("the total uncompressed level size", total, limits.max_total_bytes)?;

            // The expected size follows from the DFD's block layout when it gives one.
            if block_bytes != 0 && supercompression != Supercompression::BasisLz {
                let dim = |full: u32, block: u32| -> u64 {
                    let texels = u64::from((full >> i).max(1));
                    texels.div_ceil(u64::from(block.max(1)))
                };
                let expected = dim(h.pixel_width, bw)
                    * dim(h.pixel_height, bh)
                    * dim(h.pixel_depth, bd)
                    * block_bytes
                    * images;
                if uncompressed != expected {
                    return bad(format!(
                        "{} bytes of texel data, but a {}×{}×{} level with {images} images of {}×{}×{} blocks of {block_bytes} bytes needs {expected}",
                        uncompressed,
                        (h.pixel_width >> i).max(1),
                        (h.pixel_height >> i).max(1),
                        (h.pixel_depth >> i).max(1),
                        bw,
                        bh,
                        bd
                    ));
                }
            }
        }
        Ok(())
    }

    /// What the KTX2 specification forbids in this file but a loader can read
    /// safely: section placement, DFD samples that disagree with the format,
    /// malformed `KTXorientation`/`KTXswizzle`/`KTXcubemapIncomplete` values,
    /// `levelCount` 0 for a block format. Empty for a conforming file.
    ///
    /// Parsing already refused everything that would make the texel data be
    /// read wrongly (see the [module docs](super)).
    pub fn validate(&self) -> Vec<Ktx2Warning> {
        let h = &self.header;
        let dfd = &self.bytes[h.dfd_byte_offset as usize..][..h.dfd_byte_length as usize];
        let kvd = &self.bytes[h.kvd_byte_offset as usize..][..h.kvd_byte_length as usize];
        validate::warnings(h, &self.dfd, dfd, &self.key_values, kvd)
    }

    /// The header fields as stored.
    pub fn header(&self) -> &Ktx2Header {
        &self.header
    }

    /// Width, height and depth of level 0; height and depth are at least 1.
    pub fn dimensions(&self) -> (u32, u32, u32) {
        (self.header.pixel_width, self.header.pixel_height.max(1), self.header.pixel_depth.max(1))
    }

    /// The raw `vkFormat` (0 for Basis Universal data).
    pub fn vk_format(&self) -> u32 {
        self.header.vk_format
    }

    /// The `vkFormat` as a [`VkFormat`], if AMSP knows it.
    pub fn format(&self) -> Option<VkFormat> {
        VkFormat::from_raw(self.header.vk_format)
    }

    /// Number of array layers (at least 1).
    pub fn layers(&self) -> u32 {
        self.header.layer_count.max(1)
    }

    /// Number of faces: 6 for a cube map, else 1.
    pub fn faces(&self) -> u32 {
        self.header.face_count
    }

    /// Number of stored levels (at least 1).
    pub fn levels(&self) -> u32 {
        self.levels.len() as u32
    }

    /// The level index, level 0 (largest) first.
    pub fn level_index(&self) -> &[LevelIndexEntry] {
        &self.levels
    }

    /// The supercompression scheme.
    pub fn supercompression(&self) -> Supercompression {
        self.supercompression
    }

    /// The parsed basic data format descriptor.
    pub fn dfd(&self) -> &BasicDfd {
        &self.dfd
    }

    /// Whether colour is encoded with the sRGB transfer function.
    pub fn is_srgb(&self) -> bool {
        self.dfd.is_srgb()
    }

    /// Whether the levels are Basis Universal data (BasisLZ/ETC1S or UASTC)
    /// that must be transcoded to a GPU format before upload.
    pub fn needs_transcode(&self) -> bool {
        self.supercompression == Supercompression::BasisLz
            || self.dfd.color_model == COLOR_MODEL_UASTC
            || self.dfd.color_model == COLOR_MODEL_ETC1S
    }

    /// The supercompression global data (empty unless BasisLZ).
    pub fn supercompression_global_data(&self) -> &'a [u8] {
        let start = self.header.sgd_byte_offset as usize;
        &self.bytes[start..start + self.header.sgd_byte_length as usize]
    }

    /// The key/value entries in file order (entries whose key is not UTF-8 are left out).
    pub fn key_values(&self) -> &[(&'a str, &'a [u8])] {
        &self.key_values
    }

    /// The value stored under `key`, if any.
    pub fn key_value(&self, key: &str) -> Option<&'a [u8]> {
        self.key_values.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    /// The level's data as stored, without undoing supercompression.
    ///
    /// # Errors
    ///
    /// [`Ktx2Error::NoSuchLevel`] if `level` is not stored.
    pub fn raw_level(&self, level: u32) -> Result<&'a [u8], Ktx2Error> {
        let entry = self.entry(level)?;
        if self.at == Levels::Elsewhere {
            return Err(Ktx2Error::RegionPastEnd {
                region: format!("level {level}"),
                start: entry.byte_offset,
                end: entry.byte_offset.saturating_add(entry.byte_length),
                file_len: self.bytes.len() as u64,
            });
        }
        let start = entry.byte_offset as usize;
        Ok(&self.bytes[start..start + entry.byte_length as usize])
    }

    /// The level's data with zstd supercompression undone.
    ///
    /// Unsupercompressed, BasisLZ and UASTC data is borrowed as stored (see
    /// [`needs_transcode`](Self::needs_transcode)). Zstd data is decompressed
    /// into a buffer of exactly `uncompressedByteLength` bytes, which parsing
    /// bounded by [`TextureLimits::max_total_bytes`].
    ///
    /// # Errors
    ///
    /// [`Ktx2Error::NoSuchLevel`], [`Ktx2Error::Decompress`] if the zstd data is
    /// corrupt or does not produce exactly `uncompressedByteLength` bytes, and
    /// [`Ktx2Error::UnsupportedSupercompression`] for zlib.
    pub fn level(&self, level: u32) -> Result<Cow<'a, [u8]>, Ktx2Error> {
        self.decode_stored_level(level, self.raw_level(level)?)
    }

    /// The level's data as stored, taken from `stored`: the bytes that start
    /// at the level's `byteOffset` (a cooked texture's level chunk), which
    /// may run on past the level (padding).
    ///
    /// # Errors
    ///
    /// [`Ktx2Error::NoSuchLevel`], or [`Ktx2Error::InvalidLevel`] when
    /// `stored` is shorter than the level's `byteLength`.
    pub fn stored_level<'b>(&self, level: u32, stored: &'b [u8]) -> Result<&'b [u8], Ktx2Error> {
        let entry = self.entry(level)?;
        stored.get(..entry.byte_length as usize).ok_or_else(|| Ktx2Error::InvalidLevel {
            level,
            detail: format!(
                "{} bytes given but the level index says byteLength {}",
                stored.len(),
                entry.byte_length
            ),
        })
    }

    /// The level's data, taken from `stored` as in
    /// [`stored_level`](Self::stored_level), with supercompression undone as
    /// in [`level`](Self::level).
    ///
    /// # Errors
    ///
    /// As [`stored_level`](Self::stored_level) and [`level`](Self::level).
    pub fn decode_stored_level<'b>(
        &self,
        level: u32,
        stored: &'b [u8],
    ) -> Result<Cow<'b, [u8]>, Ktx2Error> {
        let raw = self.stored_level(level, stored)?;
        match self.supercompression {
            Supercompression::None | Supercompression::BasisLz => Ok(Cow::Borrowed(raw)),
            Supercompression::Zstd => {
                let expected = self.entry(level)?.uncompressed_byte_length;
                let fail = |detail: String| Ktx2Error::Decompress { level, expected, detail };
                let out = zstd_decompress(raw, expected as usize).map_err(fail)?;
                if out.len() as u64 != expected {
                    return Err(fail(format!("it produced {} bytes", out.len())));
                }
                Ok(Cow::Owned(out))
            }
            Supercompression::Zlib => {
                Err(Ktx2Error::UnsupportedSupercompression { scheme: 3, name: "zlib" })
            }
        }
    }

    fn entry(&self, level: u32) -> Result<&LevelIndexEntry, Ktx2Error> {
        self.levels
            .get(level as usize)
            .ok_or(Ktx2Error::NoSuchLevel { level, count: self.levels() })
    }
}

thread_local! {
    /// One zstd decompression context per thread: creating one costs about
    /// as much as decompressing a small level.
    static ZSTD: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// Decompresses zstd data of at most `capacity` bytes with this thread's
/// context.
fn zstd_decompress(raw: &[u8], capacity: usize) -> Result<Vec<u8>, String> {
    ZSTD.with_borrow_mut(|slot| {
        let decompressor = match slot {
            Some(d) => d,
            None => slot.insert(zstd::bulk::Decompressor::new().map_err(|e| e.to_string())?),
        };
        decompressor.decompress(raw, capacity).map_err(|e| e.to_string())
    })
}

fn lcm(a: u64, b: u64) -> u64 {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    a / gcd(a, b) * b
}

/// Splits the key/value section into `(key, value)` pairs.
///
/// Each entry is `keyAndValueByteLength: u32`, the key, a NUL, the value, then
/// padding to a multiple of 4 bytes. Entries whose key is not UTF-8 are skipped.
fn parse_key_values(kvd: &[u8]) -> Result<Vec<(&str, &[u8])>, Ktx2Error> {
    let bad = |m: String| Err(Ktx2Error::InvalidKeyValue(m));
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < kvd.len() {
        if kvd.len() - at < 4 {
            return bad(format!(
                "{} stray bytes at offset {at} of the {}-byte section",
                kvd.len() - at,
                kvd.len()
            ));
        }
        let len = super::header::read_u32(kvd, at) as usize;
        let start = at + 4;
        if len > kvd.len() - start {
            return bad(format!(
                "entry at offset {at} claims {len} bytes but only {} remain",
                kvd.len() - start
            ));
        }
        let entry = &kvd[start..start + len];
        let Some(nul) = entry.iter().position(|&b| b == 0) else {
            return bad(format!("the key of the entry at offset {at} has no NUL terminator"));
        };
        // A key that is not UTF-8 is only a warning in the specification: the
        // entry is skipped, the file stays usable.
        if let Ok(key) = std::str::from_utf8(&entry[..nul]) {
            if key.is_empty() {
                return bad(format!("the entry at offset {at} has an empty key"));
            }
            out.push((key, &entry[nul + 1..]));
        }
        at = (start + len).next_multiple_of(4).min(kvd.len());
    }
    Ok(out)
}
