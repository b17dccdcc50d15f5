//! ASTC LDR compression for mobile GPUs, through ARM's reference encoder
//! (`astcenc`, bound by `astcenc-rs`).
//!
//! ASTC stores every block in 16 bytes whatever its footprint, so the block
//! size alone sets the bit rate: 8 bits a texel at 4×4, 3.56 at 6×6, 2 at 8×8,
//! down to 0.89 at 12×12. Levels whose sides are not multiples of the block
//! are not padded here: the encoder reads each partial block with its
//! coordinates clamped to the last column and row, so it repeats edge texels
//! exactly as the BCn path pads them and never sees texels outside the image.
//!
//! Creating an encoder context builds per-block-size tables: measured 0.8 ms
//! (4×4, fastest) to 10 ms (12×12, medium) and about 1.6 MB each, against
//! about a microsecond to encode a 1×1 level with a ready context. That would
//! dominate the small levels of a mip chain, so each thread keeps its four
//! most recently used contexts.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;

use astcenc_rs::{Config, ConfigBuilder, Context, Extents, Flags, Image, Profile, Swizzle};

use super::{EncodeError, EncodeQuality, TextureEncoding, surface};
use crate::texture::ktx2::VkFormat;
use crate::texture::source::{MipLevel, PixelFormat};

/// The footprint of one ASTC block, in texels (width × height). Every block
/// takes 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AstcBlock {
    /// 4×4: 8 bits a texel, the highest quality.
    B4x4,
    /// 5×4: 6.40 bits a texel.
    B5x4,
    /// 5×5: 5.12 bits a texel.
    B5x5,
    /// 6×5: 4.27 bits a texel.
    B6x5,
    /// 6×6: 3.56 bits a texel, a common default for colour on mobile.
    B6x6,
    /// 8×5: 3.20 bits a texel.
    B8x5,
    /// 8×6: 2.67 bits a texel.
    B8x6,
    /// 8×8: 2 bits a texel.
    B8x8,
    /// 10×5: 2.56 bits a texel.
    B10x5,
    /// 10×6: 2.13 bits a texel.
    B10x6,
    /// 10×8: 1.60 bits a texel.
    B10x8,
    /// 10×10: 1.28 bits a texel.
    B10x10,
    /// 12×10: 1.07 bits a texel.
    B12x10,
    /// 12×12: 0.89 bits a texel, the lowest rate ASTC has.
    B12x12,
}

impl AstcBlock {
    /// Every 2D block size, smallest footprint first.
    pub const ALL: [AstcBlock; 14] = [
        AstcBlock::B4x4,
        AstcBlock::B5x4,
        AstcBlock::B5x5,
        AstcBlock::B6x5,
        AstcBlock::B6x6,
        AstcBlock::B8x5,
        AstcBlock::B8x6,
        AstcBlock::B8x8,
        AstcBlock::B10x5,
        AstcBlock::B10x6,
        AstcBlock::B10x8,
        AstcBlock::B10x10,
        AstcBlock::B12x10,
        AstcBlock::B12x12,
    ];

    /// Width and height of the block in texels.
    pub fn size(self) -> (u32, u32) {
        match self {
            AstcBlock::B4x4 => (4, 4),
            AstcBlock::B5x4 => (5, 4),
            AstcBlock::B5x5 => (5, 5),
            AstcBlock::B6x5 => (6, 5),
            AstcBlock::B6x6 => (6, 6),
            AstcBlock::B8x5 => (8, 5),
            AstcBlock::B8x6 => (8, 6),
            AstcBlock::B8x8 => (8, 8),
            AstcBlock::B10x5 => (10, 5),
            AstcBlock::B10x6 => (10, 6),
            AstcBlock::B10x8 => (10, 8),
            AstcBlock::B10x10 => (10, 10),
            AstcBlock::B12x10 => (12, 10),
            AstcBlock::B12x12 => (12, 12),
        }
    }

    /// The `VkFormat` of this block size, sRGB or linear (UNORM).
    pub fn vk_format(self, srgb: bool) -> VkFormat {
        let (unorm, srgb_format) = match self {
            AstcBlock::B4x4 => (VkFormat::Astc4x4Unorm, VkFormat::Astc4x4Srgb),
            AstcBlock::B5x4 => (VkFormat::Astc5x4Unorm, VkFormat::Astc5x4Srgb),
            AstcBlock::B5x5 => (VkFormat::Astc5x5Unorm, VkFormat::Astc5x5Srgb),
            AstcBlock::B6x5 => (VkFormat::Astc6x5Unorm, VkFormat::Astc6x5Srgb),
            AstcBlock::B6x6 => (VkFormat::Astc6x6Unorm, VkFormat::Astc6x6Srgb),
            AstcBlock::B8x5 => (VkFormat::Astc8x5Unorm, VkFormat::Astc8x5Srgb),
            AstcBlock::B8x6 => (VkFormat::Astc8x6Unorm, VkFormat::Astc8x6Srgb),
            AstcBlock::B8x8 => (VkFormat::Astc8x8Unorm, VkFormat::Astc8x8Srgb),
            AstcBlock::B10x5 => (VkFormat::Astc10x5Unorm, VkFormat::Astc10x5Srgb),
            AstcBlock::B10x6 => (VkFormat::Astc10x6Unorm, VkFormat::Astc10x6Srgb),
            AstcBlock::B10x8 => (VkFormat::Astc10x8Unorm, VkFormat::Astc10x8Srgb),
            AstcBlock::B10x10 => (VkFormat::Astc10x10Unorm, VkFormat::Astc10x10Srgb),
            AstcBlock::B12x10 => (VkFormat::Astc12x10Unorm, VkFormat::Astc12x10Srgb),
            AstcBlock::B12x12 => (VkFormat::Astc12x12Unorm, VkFormat::Astc12x12Srgb),
        };
        if srgb { srgb_format } else { unorm }
    }
}

impl fmt::Display for AstcBlock {
    /// Writes the footprint as `"6x6"`, the form [`AstcBlock::from_str`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (width, height) = self.size();
        write!(f, "{width}x{height}")
    }
}

/// A string that names no ASTC block size.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown ASTC block size {0:?}: expected one of 4x4, 5x4, 5x5, 6x5, 6x6, 8x5, 8x6, 8x8, 10x5, 10x6, 10x8, 10x10, 12x10, 12x12"
)]
pub struct ParseAstcBlockError(pub String);

impl FromStr for AstcBlock {
    type Err = ParseAstcBlockError;

    /// Reads a footprint such as `"6x6"` (`X` is accepted too).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        AstcBlock::ALL
            .into_iter()
            .find(|block| block.to_string().eq_ignore_ascii_case(name))
            .ok_or_else(|| ParseAstcBlockError(name.to_owned()))
    }
}

/// What the texels of an ASTC level mean, which sets the encoder's profile,
/// swizzle and error metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum AstcContent {
    /// RGBA in the linear LDR profile.
    Linear,
    /// RGBA in the sRGB LDR profile (RGB decoded through the sRGB curve).
    Srgb,
    /// A two-channel normal map: X (red) stored in RGB, Y (green) in alpha,
    /// error measured as the angle between normals.
    Normal,
}

/// The encoder context settings; equal keys share a cached context.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct ContextKey {
    block: AstcBlock,
    content: AstcContent,
    quality: EncodeQuality,
}

/// Contexts a thread keeps; enough for one texture's block size in every
/// profile and quality that a cook mixes in practice.
const CACHED_CONTEXTS: usize = 4;

thread_local! {
    /// This thread's contexts, most recently used first.
    static CONTEXTS: RefCell<Vec<(ContextKey, Context)>> = const { RefCell::new(Vec::new()) };
}

/// Encodes a level (already checked: non-empty, right length, LDR) into
/// ASTC `block`s, row by row: exactly `encoding.level_size` bytes. `srgb`
/// picks the sRGB profile for [`TextureEncoding::Astc`]; normal maps are
/// always linear. 16-bit sources are rounded to 8 bits first.
pub(super) fn encode_level(
    level: &MipLevel,
    format: PixelFormat,
    encoding: TextureEncoding,
    block: AstcBlock,
    quality: EncodeQuality,
    srgb: bool,
) -> Result<Vec<u8>, EncodeError> {
    let (width, height) = (level.width, level.height);
    let error = |reason: String| EncodeError::Astc { encoding, width, height, reason };
    // astcenc-rs computes `width * height * 4` in u32: keep it in range.
    if width.checked_mul(height).and_then(|texels| texels.checked_mul(4)).is_none() {
        return Err(error("more than 2^30 texels".to_owned()));
    }
    let content = match (encoding, srgb) {
        (TextureEncoding::AstcNormal(_), _) => AstcContent::Normal,
        (_, true) => AstcContent::Srgb,
        (_, false) => AstcContent::Linear,
    };
    let texels = match format {
        PixelFormat::Rgba8 => Cow::Borrowed(&level.data[..]),
        _ => {
            let mut texels = vec![0; width as usize * height as usize * 4];
            surface::to_rgba8(level, format, &mut texels);
            Cow::Owned(texels)
        }
    };
    let key = ContextKey { block, content, quality };
    let swizzle = match content {
        AstcContent::Linear | AstcContent::Srgb => Swizzle::rgba(),
        AstcContent::Normal => Swizzle::rrrg(),
    };
    let layers: [&[u8]; 1] = [&texels];
    let image = Image { extents: Extents::new(width, height), data: &layers[..] };
    let blocks = CONTEXTS.with(|contexts| {
        let mut contexts = contexts.borrow_mut();
        match contexts.iter().position(|(k, _)| *k == key) {
            Some(index) => contexts[..=index].rotate_right(1),
            None => {
                let context = Context::with_threads(1, config(key)?).map_err(describe)?;
                contexts.insert(0, (key, context));
                contexts.truncate(CACHED_CONTEXTS);
            }
        }
        contexts[0].1.compress(&image, swizzle).map_err(describe)
    });
    let blocks = blocks.map_err(error)?;
    if blocks.len() != encoding.level_size(width, height) {
        return Err(error(format!(
            "{} bytes of blocks, expected {}",
            blocks.len(),
            encoding.level_size(width, height)
        )));
    }
    Ok(blocks)
}

/// The encoder configuration for `key`: the preset follows the quality
/// (fastest, fast, medium), the profile and flags the content.
fn config(key: ContextKey) -> Result<Config, String> {
    let preset = match key.quality {
        EncodeQuality::Fast => astcenc_rs::PRESET_FASTEST,
        EncodeQuality::Basic => astcenc_rs::PRESET_FAST,
        EncodeQuality::Slow => astcenc_rs::PRESET_MEDIUM,
    };
    // Blocks are only ever decoded by GPUs, never by this context: the
    // encoder may drop the decoding tables it would otherwise build.
    let mut flags = Flags::SELF_DECOMPRESS_ONLY;
    let profile = match key.content {
        AstcContent::Linear => Profile::LdrRgba,
        AstcContent::Srgb => Profile::LdrSrgb,
        AstcContent::Normal => {
            flags |= Flags::MAP_NORMAL;
            Profile::LdrRgba
        }
    };
    let (x, y) = key.block.size();
    ConfigBuilder::new()
        .with_profile(profile)
        .with_preset(preset)
        .with_block_size(Extents::new(x, y))
        .with_flags(flags)
        .build()
        .map_err(describe)
}

/// The encoder's error, which has no message of its own, by name.
fn describe(error: astcenc_rs::Error) -> String {
    format!("astcenc error {error:?}")
}
