//! Block compression of cooked textures: BC1–BC7 for desktop GPUs, ASTC for
//! mobile ones.
//!
//! [`encode_level_as`] turns one [`MipLevel`] into the bytes of one KTX2 level
//! in the [`VkFormat`] that [`TextureEncoding::vk_format`] names. BCn work is
//! done by the ISPC texture compressor (`intel_tex_2`), ASTC by ARM's
//! `astcenc`. A BCn level of 64K texels or more is encoded in bands of block
//! rows on several threads (the same bytes as one pass: blocks are encoded
//! independently), so one large texture, re-imported alone by a hot reload,
//! uses the machine; ASTC levels run on one thread.
//!
//! BCn blocks cover 4×4 texels, ASTC blocks 4×4 to 12×12
//! ([`AstcBlock`]). Levels whose sides are not multiples of the block
//! (including the 2×2 and 1×1 tails of a mip chain) are completed by
//! repeating their last column and row, so the encoder never sees texels that
//! are not in the image, and the output always holds exactly
//! `ceil(w / bw) * ceil(h / bh)` blocks.
//!
//! ```
//! use amsp_formats::texture::encode::{
//!     AstcBlock, EncodeQuality, TextureEncoding, encode_level, encode_level_as,
//! };
//! use amsp_formats::texture::ktx2::VkFormat;
//! use amsp_formats::texture::source::{MipLevel, PixelFormat};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let level = MipLevel { width: 5, height: 3, data: vec![200; 5 * 3 * 4] };
//! let blocks = encode_level(&level, PixelFormat::Rgba8, TextureEncoding::Bc7, EncodeQuality::Basic)?;
//! assert_eq!(blocks.len(), 2 * 16); // 2×1 blocks of 16 bytes
//!
//! // A colour texture for mobile: ASTC 6×6 in its sRGB format.
//! let astc = TextureEncoding::Astc("6x6".parse::<AstcBlock>()?);
//! assert_eq!(astc.vk_format(true), VkFormat::Astc6x6Srgb);
//! let blocks = encode_level_as(&level, PixelFormat::Rgba8, astc, EncodeQuality::Basic, true)?;
//! assert_eq!(blocks.len(), 16); // one 6×6 block covers the 5×3 level
//! # Ok(())
//! # }
//! ```

mod astc;
mod bands;
mod surface;

pub use astc::{AstcBlock, ParseAstcBlockError};

use intel_tex_2::{RSurface, RgSurface, RgbaSurface, bc1, bc3, bc4, bc5, bc6h, bc7};

use super::ktx2::VkFormat;
use super::source::{MipLevel, PixelFormat};
use surface::Padded;

/// The GPU format a texture is cooked into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TextureEncoding {
    /// Uncompressed 8-bit RGBA, 4 bytes per texel (UI art, fallbacks).
    Rgba8,
    /// BC1: opaque RGB, 8 bytes per block. Alpha is dropped.
    Bc1,
    /// BC3: RGB plus an independent alpha, 16 bytes per block.
    Bc3,
    /// BC4: one channel (the red one), 8 bytes per block: masks, roughness.
    Bc4,
    /// BC5: two channels (red and green), 16 bytes per block: normal maps.
    Bc5,
    /// BC6H unsigned float: high-dynamic-range RGB, 16 bytes per block.
    /// Needs an [`PixelFormat::RgbaF32`] source.
    Bc6h,
    /// BC7: high-quality RGB or RGBA, 16 bytes per block.
    Bc7,
    /// ASTC LDR: RGBA, 16 bytes per block of the given footprint, sRGB or
    /// linear. The mobile counterpart of BC7 (4×4) and of BC1/BC3 (6×6,
    /// 8×8 at lower rates).
    Astc(AstcBlock),
    /// ASTC LDR for two-channel normal maps, the mobile counterpart of BC5:
    /// X (red) is stored in RGB, Y (green) in alpha, and the encoder
    /// minimises the angle between normals. Shaders read X and Y from `.ga`
    /// (or `.ra`) and rebuild Z. Always linear.
    AstcNormal(AstcBlock),
}

impl TextureEncoding {
    /// The `VkFormat` the bytes of [`encode_level`] are in.
    ///
    /// `srgb` picks the sRGB variant where one exists (RGBA8, BC1, BC3,
    /// BC7, ASTC); BC4, BC5, BC6H and ASTC normal maps hold linear data and
    /// ignore it.
    pub fn vk_format(self, srgb: bool) -> VkFormat {
        match (self, srgb) {
            (TextureEncoding::Rgba8, false) => VkFormat::R8G8B8A8Unorm,
            (TextureEncoding::Rgba8, true) => VkFormat::R8G8B8A8Srgb,
            (TextureEncoding::Bc1, false) => VkFormat::Bc1RgbUnorm,
            (TextureEncoding::Bc1, true) => VkFormat::Bc1RgbSrgb,
            (TextureEncoding::Bc3, false) => VkFormat::Bc3Unorm,
            (TextureEncoding::Bc3, true) => VkFormat::Bc3Srgb,
            (TextureEncoding::Bc4, _) => VkFormat::Bc4Unorm,
            (TextureEncoding::Bc5, _) => VkFormat::Bc5Unorm,
            (TextureEncoding::Bc6h, _) => VkFormat::Bc6hUfloat,
            (TextureEncoding::Bc7, false) => VkFormat::Bc7Unorm,
            (TextureEncoding::Bc7, true) => VkFormat::Bc7Srgb,
            (TextureEncoding::Astc(block), srgb) => block.vk_format(srgb),
            (TextureEncoding::AstcNormal(block), _) => block.vk_format(false),
        }
    }

    /// Width and height in texels of one block: 1×1 for
    /// [`TextureEncoding::Rgba8`], 4×4 for BCn, the footprint for ASTC.
    pub fn block_size(self) -> (u32, u32) {
        match self {
            TextureEncoding::Rgba8 => (1, 1),
            TextureEncoding::Astc(block) | TextureEncoding::AstcNormal(block) => block.size(),
            _ => (4, 4),
        }
    }

    /// Bytes one block of [`TextureEncoding::block_size`] texels takes (one
    /// texel for [`TextureEncoding::Rgba8`]).
    pub fn block_bytes(self) -> usize {
        match self {
            TextureEncoding::Rgba8 => 4,
            TextureEncoding::Bc1 | TextureEncoding::Bc4 => 8,
            TextureEncoding::Bc3
            | TextureEncoding::Bc5
            | TextureEncoding::Bc6h
            | TextureEncoding::Bc7
            | TextureEncoding::Astc(_)
            | TextureEncoding::AstcNormal(_) => 16,
        }
    }

    /// Bytes a level of `width` × `height` texels takes in this encoding:
    /// whole blocks, `ceil(width / bw) * ceil(height / bh)` of them.
    pub fn level_size(self, width: u32, height: u32) -> usize {
        let (block_width, block_height) = self.block_size();
        let across = width.div_ceil(block_width) as usize;
        let down = height.div_ceil(block_height) as usize;
        across * down * self.block_bytes()
    }
}

/// How much time the encoder may spend searching for better blocks.
///
/// BC6H, BC7 and ASTC have a choice; BC1–BC5 always use the same search.
/// For ASTC the three levels are `astcenc`'s `-fastest`, `-fast` and
/// `-medium` presets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncodeQuality {
    /// The ISPC compressor's "fast" profile.
    Fast,
    /// The "basic" profile: the usual choice for a cook.
    #[default]
    Basic,
    /// The "slow" profile: release builds of hero assets.
    Slow,
}

/// Why a level could not be encoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The level has a side of zero texels.
    #[error("cannot encode an empty {width}x{height} level")]
    Empty {
        /// Width of the level.
        width: u32,
        /// Height of the level.
        height: u32,
    },
    /// `data` does not hold `width * height` texels of the pixel format.
    #[error(
        "{width}x{height} {format:?} level needs {expected} bytes of texels, it holds {actual}"
    )]
    DataSize {
        /// Width of the level.
        width: u32,
        /// Height of the level.
        height: u32,
        /// The pixel format the data was said to be in.
        format: PixelFormat,
        /// Bytes the level should hold.
        expected: usize,
        /// Bytes it holds.
        actual: usize,
    },
    /// The encoding cannot represent this source without a silent loss:
    /// high-dynamic-range texels need [`TextureEncoding::Bc6h`], which in turn
    /// needs them.
    #[error("{encoding:?} cannot encode a {format:?} source")]
    Unsupported {
        /// The encoding asked for.
        encoding: TextureEncoding,
        /// The pixel format of the level.
        format: PixelFormat,
    },
    /// The ASTC encoder refused the level.
    #[error("ASTC encoder failed on a {width}x{height} level into {encoding:?}: {reason}")]
    Astc {
        /// The encoding asked for.
        encoding: TextureEncoding,
        /// Width of the level.
        width: u32,
        /// Height of the level.
        height: u32,
        /// What the encoder reported.
        reason: String,
    },
}

/// Encodes one mip level, whose texels are in `format`, into `encoding`, for
/// the linear [`VkFormat`] (`encoding.vk_format(false)`).
///
/// The same as [`encode_level_as`] with `srgb` false. BCn and RGBA8 bytes do
/// not depend on it, so this serves their sRGB formats too; an ASTC texture
/// stored in an sRGB format must use [`encode_level_as`].
///
/// # Errors
///
/// As [`encode_level_as`].
pub fn encode_level(
    level: &MipLevel,
    format: PixelFormat,
    encoding: TextureEncoding,
    quality: EncodeQuality,
) -> Result<Vec<u8>, EncodeError> {
    encode_level_as(level, format, encoding, quality, false)
}

/// Encodes one mip level, whose texels are in `format`, into `encoding`, for
/// the [`VkFormat`] `encoding.vk_format(srgb)`.
///
/// Returns the level's bytes: blocks row by row, left to right, exactly
/// [`TextureEncoding::level_size`] of them. BC4 takes the red channel, BC5
/// and [`TextureEncoding::AstcNormal`] red and green; BC7 uses the encoder's
/// alpha profile only when some texel of the level is not opaque. ASTC uses
/// the LDR sRGB profile when `srgb` is set, else the linear LDR profile
/// (`srgb` changes how a GPU expands ASTC endpoints, so the encoder must
/// know it; the BCn encoders ignore it). 16-bit sources are rounded to 8 bits
/// first.
///
/// # Errors
///
/// [`EncodeError::Empty`] for a level with a zero side,
/// [`EncodeError::DataSize`] when `level.data` has the wrong length,
/// [`EncodeError::Unsupported`] for an [`PixelFormat::RgbaF32`] source into
/// anything but BC6H, or an LDR source into BC6H, and [`EncodeError::Astc`]
/// when `astcenc` refuses the level (more than 2^30 texels, or out of
/// memory).
pub fn encode_level_as(
    level: &MipLevel,
    format: PixelFormat,
    encoding: TextureEncoding,
    quality: EncodeQuality,
    srgb: bool,
) -> Result<Vec<u8>, EncodeError> {
    let threads = bands::threads_for(level.width, level.height);
    encode_level_on(level, format, encoding, quality, srgb, threads)
}

/// [`encode_level_as`] on at most `threads` threads (1: the calling thread
/// alone) for BCn levels; ASTC levels always run on one. The bytes do not
/// depend on `threads`.
///
/// # Errors
///
/// As [`encode_level_as`].
pub fn encode_level_on(
    level: &MipLevel,
    format: PixelFormat,
    encoding: TextureEncoding,
    quality: EncodeQuality,
    srgb: bool,
    threads: usize,
) -> Result<Vec<u8>, EncodeError> {
    let (width, height) = (level.width, level.height);
    if width == 0 || height == 0 {
        return Err(EncodeError::Empty { width, height });
    }
    let expected = width as usize * height as usize * format.bytes_per_pixel();
    if level.data.len() != expected {
        return Err(EncodeError::DataSize {
            width,
            height,
            format,
            expected,
            actual: level.data.len(),
        });
    }
    let hdr_source = format == PixelFormat::RgbaF32;
    if hdr_source != (encoding == TextureEncoding::Bc6h) {
        return Err(EncodeError::Unsupported { encoding, format });
    }

    if let TextureEncoding::Astc(block) | TextureEncoding::AstcNormal(block) = encoding {
        return astc::encode_level(level, format, encoding, block, quality, srgb);
    }
    encode_bcn(level, format, encoding, quality, threads)
}

/// Encodes one band: `(texels, width, rows, stride, out)`.
type BandEncoder<'a> = dyn Fn(&[u8], u32, u32, u32, &mut [u8]) + Sync + 'a;

/// The BCn and RGBA8 part of [`encode_level_as`], with large levels split
/// over `threads` threads.
fn encode_bcn(
    level: &MipLevel,
    format: PixelFormat,
    encoding: TextureEncoding,
    quality: EncodeQuality,
    threads: usize,
) -> Result<Vec<u8>, EncodeError> {
    let (width, height) = (level.width, level.height);
    let mut out = vec![0; encoding.level_size(width, height)];
    let block_row_bytes = surface::blocks_across(width) * encoding.block_bytes();
    // Runs an encoder over a padded surface of `channels` bytes a texel, in
    // bands: `encode(data, width, rows, stride, out)`.
    let mut bands = |padded: &Padded<'_>, texel_bytes: usize, encode: &BandEncoder<'_>| {
        let row_bytes = padded.width as usize * texel_bytes;
        let stride = u32::try_from(row_bytes).unwrap_or(u32::MAX);
        bands::encode_bands(
            &padded.data,
            row_bytes,
            padded.height,
            &mut out,
            block_row_bytes,
            threads,
            |data, rows, out| encode(data, padded.width, rows, stride, out),
        );
    };
    match encoding {
        TextureEncoding::Rgba8 => surface::to_rgba8(level, format, &mut out),
        TextureEncoding::Bc1 => {
            bands(&Padded::rgba8(level, format), 4, &|data, width, height, stride, out| {
                bc1::compress_blocks_into(&RgbaSurface { data, width, height, stride }, out);
            });
        }
        TextureEncoding::Bc3 => {
            bands(&Padded::rgba8(level, format), 4, &|data, width, height, stride, out| {
                bc3::compress_blocks_into(&RgbaSurface { data, width, height, stride }, out);
            });
        }
        TextureEncoding::Bc4 => {
            let padded = Padded::channels::<1>(level, format);
            bands(&padded, 1, &|data, width, height, stride, out| {
                bc4::compress_blocks_into(&RSurface { data, width, height, stride }, out);
            });
        }
        TextureEncoding::Bc5 => {
            let padded = Padded::channels::<2>(level, format);
            bands(&padded, 2, &|data, width, height, stride, out| {
                bc5::compress_blocks_into(&RgSurface { data, width, height, stride }, out);
            });
        }
        TextureEncoding::Bc6h => {
            let settings = match quality {
                EncodeQuality::Fast => bc6h::fast_settings(),
                EncodeQuality::Basic => bc6h::basic_settings(),
                EncodeQuality::Slow => bc6h::slow_settings(),
            };
            bands(&Padded::rgba_f16(level), 8, &|data, width, height, stride, out| {
                bc6h::compress_blocks_into(
                    &settings,
                    &RgbaSurface { data, width, height, stride },
                    out,
                );
            });
        }
        TextureEncoding::Bc7 => {
            let padded = Padded::rgba8(level, format);
            let alpha = padded.data.chunks_exact(4).any(|texel| texel[3] != u8::MAX);
            let settings = match (quality, alpha) {
                (EncodeQuality::Fast, false) => bc7::opaque_fast_settings(),
                (EncodeQuality::Basic, false) => bc7::opaque_basic_settings(),
                (EncodeQuality::Slow, false) => bc7::opaque_slow_settings(),
                (EncodeQuality::Fast, true) => bc7::alpha_fast_settings(),
                (EncodeQuality::Basic, true) => bc7::alpha_basic_settings(),
                (EncodeQuality::Slow, true) => bc7::alpha_slow_settings(),
            };
            bands(&padded, 4, &|data, width, height, stride, out| {
                bc7::compress_blocks_into(
                    &settings,
                    &RgbaSurface { data, width, height, stride },
                    out,
                );
            });
        }
        // Encoded above, into the encoder's own buffer.
        TextureEncoding::Astc(_) | TextureEncoding::AstcNormal(_) => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_on_several_threads_give_the_bytes_of_one_pass() {
        // 131×133: padded sides, a block-row count (34) that bands split
        // unevenly, texels that differ everywhere.
        let (width, height) = (131u32, 133u32);
        let mut state = 0x2545_f491_u32;
        let data: Vec<u8> = (0..width * height * 4)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect();
        let level = MipLevel { width, height, data };
        let encodings = [
            TextureEncoding::Bc1,
            TextureEncoding::Bc3,
            TextureEncoding::Bc4,
            TextureEncoding::Bc5,
            TextureEncoding::Bc7,
        ];
        for encoding in encodings {
            let one = encode_bcn(&level, PixelFormat::Rgba8, encoding, EncodeQuality::Fast, 1);
            for threads in [2, 3, 8] {
                let many =
                    encode_bcn(&level, PixelFormat::Rgba8, encoding, EncodeQuality::Fast, threads);
                assert_eq!(
                    one.as_ref().unwrap(),
                    many.as_ref().unwrap(),
                    "{encoding:?} on {threads}"
                );
            }
        }
    }
}
