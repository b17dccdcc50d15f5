//! Block compression of cooked textures (BC1–BC7) for desktop GPUs.
//!
//! [`encode_level`] turns one [`MipLevel`] into the bytes of one KTX2 level in
//! the [`VkFormat`] that [`TextureEncoding::vk_format`] names. The work is done
//! by the ISPC texture compressor (`intel_tex_2`), single-threaded: a cook
//! runs many textures in parallel, so a level does not split itself.
//!
//! Block formats cover 4×4 texels. Levels whose sides are not multiples of
//! four (including the 2×2 and 1×1 tails of a mip chain) are padded by
//! repeating their last column and row, so the encoder never sees texels that
//! are not in the image, and the output always holds exactly
//! `ceil(w / 4) * ceil(h / 4)` blocks.
//!
//! ```
//! use amsp_formats::texture::encode::{EncodeQuality, TextureEncoding, encode_level};
//! use amsp_formats::texture::source::{MipLevel, PixelFormat};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let level = MipLevel { width: 5, height: 3, data: vec![200; 5 * 3 * 4] };
//! let blocks = encode_level(&level, PixelFormat::Rgba8, TextureEncoding::Bc7, EncodeQuality::Basic)?;
//! assert_eq!(blocks.len(), 2 * 16); // 2×1 blocks of 16 bytes
//! # Ok(())
//! # }
//! ```

mod surface;

use intel_tex_2::{RSurface, RgSurface, RgbaSurface, bc1, bc3, bc4, bc5, bc6h, bc7};

use super::ktx2::VkFormat;
use super::source::{MipLevel, PixelFormat};
use surface::{Padded, blocks_across};

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
}

impl TextureEncoding {
    /// The `VkFormat` the bytes of [`encode_level`] are in.
    ///
    /// `srgb` picks the sRGB variant where one exists (RGBA8, BC1, BC3,
    /// BC7); BC4, BC5 and BC6H hold linear data and ignore it.
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
        }
    }

    /// Bytes one 4×4 block takes (one texel for [`TextureEncoding::Rgba8`]).
    pub fn block_bytes(self) -> usize {
        match self {
            TextureEncoding::Rgba8 => 4,
            TextureEncoding::Bc1 | TextureEncoding::Bc4 => 8,
            TextureEncoding::Bc3
            | TextureEncoding::Bc5
            | TextureEncoding::Bc6h
            | TextureEncoding::Bc7 => 16,
        }
    }

    /// Bytes a level of `width` × `height` texels takes in this encoding.
    pub fn level_size(self, width: u32, height: u32) -> usize {
        match self {
            TextureEncoding::Rgba8 => width as usize * height as usize * 4,
            _ => blocks_across(width) * blocks_across(height) * self.block_bytes(),
        }
    }
}

/// How much time the encoder may spend searching for better blocks.
///
/// Only BC6H and BC7 have a choice; BC1–BC5 always use the same search.
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
}

/// Encodes one mip level, whose texels are in `format`, into `encoding`.
///
/// Returns the level's bytes: blocks row by row, left to right, exactly
/// [`TextureEncoding::level_size`] of them. BC4 takes the red channel, BC5
/// red and green; BC7 uses the encoder's alpha profile only when some texel
/// of the level is not opaque. 16-bit sources are rounded to 8 bits first.
///
/// # Errors
///
/// [`EncodeError::Empty`] for a level with a zero side,
/// [`EncodeError::DataSize`] when `level.data` has the wrong length, and
/// [`EncodeError::Unsupported`] for an [`PixelFormat::RgbaF32`] source into
/// anything but BC6H, or an LDR source into BC6H.
pub fn encode_level(
    level: &MipLevel,
    format: PixelFormat,
    encoding: TextureEncoding,
    quality: EncodeQuality,
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

    let mut out = vec![0; encoding.level_size(width, height)];
    match encoding {
        TextureEncoding::Rgba8 => surface::to_rgba8(level, format, &mut out),
        TextureEncoding::Bc1 => {
            let padded = Padded::rgba8(level, format);
            bc1::compress_blocks_into(&rgba(&padded), &mut out);
        }
        TextureEncoding::Bc3 => {
            let padded = Padded::rgba8(level, format);
            bc3::compress_blocks_into(&rgba(&padded), &mut out);
        }
        TextureEncoding::Bc4 => {
            let padded = Padded::channels::<1>(level, format);
            let surface = RSurface {
                data: &padded.data,
                width: padded.width,
                height: padded.height,
                stride: padded.width,
            };
            bc4::compress_blocks_into(&surface, &mut out);
        }
        TextureEncoding::Bc5 => {
            let padded = Padded::channels::<2>(level, format);
            let surface = RgSurface {
                data: &padded.data,
                width: padded.width,
                height: padded.height,
                stride: padded.width * 2,
            };
            bc5::compress_blocks_into(&surface, &mut out);
        }
        TextureEncoding::Bc6h => {
            let padded = Padded::rgba_f16(level);
            let surface = RgbaSurface {
                data: &padded.data,
                width: padded.width,
                height: padded.height,
                stride: padded.width * 8,
            };
            let settings = match quality {
                EncodeQuality::Fast => bc6h::fast_settings(),
                EncodeQuality::Basic => bc6h::basic_settings(),
                EncodeQuality::Slow => bc6h::slow_settings(),
            };
            bc6h::compress_blocks_into(&settings, &surface, &mut out);
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
            bc7::compress_blocks_into(&settings, &rgba(&padded), &mut out);
        }
    }
    Ok(out)
}

/// The encoder's view of a padded 8-bit RGBA level.
fn rgba<'a>(padded: &'a Padded<'_>) -> RgbaSurface<'a> {
    RgbaSurface {
        data: &padded.data,
        width: padded.width,
        height: padded.height,
        stride: padded.width * 4,
    }
}
