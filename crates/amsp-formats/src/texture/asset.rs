//! The runtime `Texture` asset and its loader.

use std::ops::Range;

use amsp_runtime::{Asset, AssetLoader, LoadContext, LoadError, LoadInput};

use super::ktx2::{Ktx2Texture, TextureLimits, VkFormat};
use super::layout::TEXTURE_TYPE;

/// A texture ready for upload: its format, dimensions and the mip levels
/// that are resident in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Texture {
    /// Width of mip level 0, in texels.
    pub width: u32,
    /// Height of mip level 0, in texels.
    pub height: u32,
    /// Texel format of every level.
    pub format: VkFormat,
    /// Array layers (1 for a plain 2D texture).
    pub layers: u32,
    /// Faces (6 for a cube map, else 1).
    pub faces: u32,
    /// Number of mip levels of the full texture.
    pub mip_count: u32,
    /// Which levels are resident: `resident.start` is the finest one held.
    pub resident: Range<u32>,
    /// The resident levels' texel data, finest first
    /// (`mips[0]` is level `resident.start`).
    pub mips: Vec<Vec<u8>>,
}

impl Texture {
    /// An 8×8 RGBA8 checkerboard of 2×2 cells in two colours.
    fn checkerboard(a: [u8; 4], b: [u8; 4]) -> Self {
        let mut data = Vec::with_capacity(8 * 8 * 4);
        for y in 0..8 {
            for x in 0..8 {
                data.extend_from_slice(if (x / 2 + y / 2) % 2 == 0 { &a } else { &b });
            }
        }
        Self {
            width: 8,
            height: 8,
            format: VkFormat::R8G8B8A8Srgb,
            layers: 1,
            faces: 1,
            mip_count: 1,
            resident: 0..1,
            mips: vec![data],
        }
    }

    /// The texel data of mip level `level`, if it is resident.
    #[must_use]
    pub fn level(&self, level: u32) -> Option<&[u8]> {
        if !self.resident.contains(&level) {
            return None;
        }
        self.mips.get((level - self.resident.start) as usize).map(Vec::as_slice)
    }
}

impl Asset for Texture {
    const TYPE_NAME: &'static str = "Texture";

    fn byte_size(&self) -> usize {
        self.mips.iter().map(Vec::len).sum::<usize>() + size_of::<Self>()
    }

    /// Magenta and black: the texture is still loading.
    fn placeholder() -> Option<Self> {
        Some(Self::checkerboard([255, 0, 255, 255], [0, 0, 0, 255]))
    }

    /// Red and white: the texture failed to load.
    fn error_placeholder() -> Option<Self> {
        Some(Self::checkerboard([255, 0, 0, 255], [255, 255, 255, 255]))
    }
}

/// Loads cooked KTX2 textures (all mip levels) as [`Texture`].
#[derive(Debug, Clone, Default)]
pub struct TextureLoader {
    /// Size limits checked before anything is allocated.
    pub limits: TextureLimits,
}

impl AssetLoader for TextureLoader {
    type Asset = Texture;

    fn asset_types(&self) -> &[&str] {
        &[TEXTURE_TYPE]
    }

    fn extensions(&self) -> &[&str] {
        &["ktx2"]
    }

    fn load(&self, input: LoadInput, ctx: &mut LoadContext<'_>) -> Result<Texture, LoadError> {
        let bytes = input.into_bytes();
        let ktx = Ktx2Texture::parse(&bytes, &self.limits)
            .map_err(|e| ctx.parse_error(format_args!("invalid KTX2: {e}")))?;
        let format = ktx.format().ok_or_else(|| {
            ctx.parse_error(format_args!("unsupported vkFormat {}", ktx.vk_format()))
        })?;
        if ktx.needs_transcode() {
            return Err(ctx.parse_error(format_args!("Basis Universal textures need transcoding")));
        }
        let (width, height, _) = ktx.dimensions();
        let mip_count = ktx.levels().max(1);
        let mut mips = Vec::with_capacity(mip_count as usize);
        for level in 0..mip_count {
            let data = ktx.level(level).map_err(|e| ctx.parse_error(format_args!("{e}")))?;
            mips.push(data.into_owned());
        }
        Ok(Texture {
            width,
            height,
            format,
            layers: ktx.layers().max(1),
            faces: ktx.faces(),
            mip_count,
            resident: 0..mip_count,
            mips,
        })
    }
}
