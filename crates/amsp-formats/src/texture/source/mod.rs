//! Source images and mip chains.
//!
//! Importing a texture starts here: [`decode_image`] turns the bytes of a PNG,
//! JPEG, BMP, TGA, GIF (first frame) or Radiance HDR file into a
//! [`SourceImage`], checking the dimensions against [`ImageLimits`] before any
//! pixel is decoded. [`build_mips`] then builds the full mip chain for the
//! [`TextureRole`] the texture plays (sRGB colour, linear data, normal map, UI,
//! HDR).
//!
//! ```no_run
//! use amsp_formats::texture::source::{build_mips, decode_image, ImageLimits, TextureRole};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let bytes = std::fs::read("albedo.png")?;
//! let image = decode_image(&bytes, Some("png"), &ImageLimits::default())?;
//! let mips = build_mips(&image, TextureRole::Color)?;
//! assert_eq!((mips[0].width, mips[0].height), (image.width, image.height));
//! assert_eq!((mips.last().unwrap().width, mips.last().unwrap().height), (1, 1));
//! # Ok(())
//! # }
//! ```

mod decode;
mod mips;

pub use decode::decode_image;
pub use mips::{build_mips, mip_count};

/// Upper bounds on the images [`decode_image`] accepts.
///
/// Both are checked against the dimensions in the file's header before any
/// pixel is decoded, and are also handed to the decoder so that it never
/// allocates more than an image of the allowed size needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageLimits {
    /// Largest width or height accepted, in pixels. Default 16384.
    pub max_dimension: u32,
    /// Largest `width * height` accepted. Default 2^28 (16384 × 16384).
    pub max_pixels: u64,
}

impl ImageLimits {
    /// Limits with the given largest side and largest pixel count.
    pub fn new(max_dimension: u32, max_pixels: u64) -> Self {
        Self { max_dimension, max_pixels }
    }
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self::new(16384, 1 << 28)
    }
}

/// How the pixels of a [`SourceImage`] or [`MipLevel`] are stored.
///
/// Every format has four channels (red, green, blue, alpha), row-major, rows
/// top to bottom, no padding. Multi-byte channels are little-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PixelFormat {
    /// 8 bits per channel, 4 bytes per pixel. Every low-dynamic-range source
    /// that is not 16-bit ends up here.
    Rgba8,
    /// 16 bits per channel (little-endian `u16`), 8 bytes per pixel: 16-bit PNG.
    Rgba16,
    /// 32-bit float per channel (little-endian `f32`), 16 bytes per pixel:
    /// Radiance HDR. Values are linear and may exceed 1.0.
    RgbaF32,
}

impl PixelFormat {
    /// Bytes one pixel takes.
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            PixelFormat::Rgba8 => 4,
            PixelFormat::Rgba16 => 8,
            PixelFormat::RgbaF32 => 16,
        }
    }
}

/// A decoded source image, always four channels (see [`PixelFormat`]).
#[derive(Clone, Debug, PartialEq)]
pub struct SourceImage {
    /// Width in pixels, at least 1.
    pub width: u32,
    /// Height in pixels, at least 1.
    pub height: u32,
    /// How [`data`](Self::data) is laid out.
    pub format: PixelFormat,
    /// Whether any pixel has an alpha below the maximum (not fully opaque).
    pub has_alpha: bool,
    /// Channels the source file actually had: 1 (grey), 2 (grey and alpha),
    /// 3 (RGB) or 4 (RGBA). A grey source lets a caller pick a one-channel
    /// block format (BC4) even though [`data`](Self::data) holds four.
    pub source_channels: u8,
    /// The pixels: `width * height * format.bytes_per_pixel()` bytes.
    pub data: Vec<u8>,
}

/// What a texture's texels mean, which decides how mips are filtered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TextureRole {
    /// sRGB-encoded colour (albedo, diffuse). Filtered in linear light with
    /// alpha-weighted (premultiplied) averaging.
    Color,
    /// Linear data (roughness, masks, height). Filtered in the stored values,
    /// each channel on its own.
    Linear,
    /// Tangent-space normal map, `xyz` stored as `v * 0.5 + 0.5`. Vectors are
    /// averaged and renormalised to unit length.
    NormalMap,
    /// User-interface art: sRGB colour, filtered like [`TextureRole::Color`].
    Ui,
    /// High dynamic range, linear `f32` texels (needs [`PixelFormat::RgbaF32`]).
    Hdr,
}

/// One level of a mip chain.
#[derive(Clone, Debug, PartialEq)]
pub struct MipLevel {
    /// Width in pixels, at least 1.
    pub width: u32,
    /// Height in pixels, at least 1.
    pub height: u32,
    /// Pixels in the same [`PixelFormat`] as the source image.
    pub data: Vec<u8>,
}

/// Why an image could not be imported or its mips built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImageImportError {
    /// Neither the hint nor the leading bytes name a supported format.
    #[error("unrecognised image format{}", hint.as_ref().map(|h| format!(" (extension hint {h:?})")).unwrap_or_default())]
    UnknownFormat {
        /// The extension hint that was given, if any.
        hint: Option<String>,
    },
    /// A side is larger than [`ImageLimits::max_dimension`].
    #[error("dimensions {width}x{height} exceed the limit of {max}")]
    DimensionsTooLarge {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
        /// The limit in force.
        max: u32,
    },
    /// `width * height` is larger than [`ImageLimits::max_pixels`].
    #[error("{width}x{height} is {} pixels, more than the limit of {max}", u64::from(*width) * u64::from(*height))]
    TooManyPixels {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
        /// The limit in force.
        max: u64,
    },
    /// The header claims an image with no pixels.
    #[error("{format} image has zero size ({width}x{height})")]
    Empty {
        /// The format being decoded.
        format: &'static str,
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
    },
    /// The file ends before the image does.
    #[error("truncated {format}: {message}")]
    Truncated {
        /// The format being decoded.
        format: &'static str,
        /// What the decoder reported.
        message: String,
    },
    /// The bytes are not a valid file of the format.
    #[error("not a valid {format}: {message}")]
    Malformed {
        /// The format being decoded.
        format: &'static str,
        /// What the decoder reported.
        message: String,
    },
    /// A valid file that uses a feature the decoder does not support.
    #[error("unsupported {format} feature: {message}")]
    Unsupported {
        /// The format being decoded.
        format: &'static str,
        /// What the decoder reported.
        message: String,
    },
    /// The decoder would need more memory than the limits allow.
    #[error("{format} decoder exceeded the memory limit: {message}")]
    LimitExceeded {
        /// The format being decoded.
        format: &'static str,
        /// What the decoder reported.
        message: String,
    },
    /// [`SourceImage::data`] does not hold `width * height` pixels.
    #[error("pixel data is {actual} bytes, {width}x{height} {format:?} needs {expected}")]
    DataSizeMismatch {
        /// Width of the image.
        width: u32,
        /// Height of the image.
        height: u32,
        /// Its pixel format.
        format: PixelFormat,
        /// Bytes needed.
        expected: u64,
        /// Bytes present.
        actual: u64,
    },
    /// The role cannot be applied to pixels of this format (for instance
    /// [`TextureRole::Hdr`] on 8-bit pixels).
    #[error("role {role:?} cannot filter {format:?} pixels")]
    RoleMismatch {
        /// The role asked for.
        role: TextureRole,
        /// The image's format.
        format: PixelFormat,
    },
}
