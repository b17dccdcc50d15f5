//! The GPU formats Basis Universal data is transcoded to.

use basisu::TargetFormat;

use crate::texture::ktx2::VkFormat;

/// Which kind of GPU a texture is transcoded for.
///
/// Each target names one format family; the sRGB or linear variant of the
/// `VkFormat` follows the texture's DFD.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TextureTarget {
    /// Desktop GPUs (the default): BC7 (16 bytes per 4×4 block), RGB or RGBA. BC7 is the
    /// best block format every desktop GPU has, and the one UASTC was
    /// designed to transcode to (each UASTC block carries a BC7 mode hint).
    #[default]
    Desktop,
    /// Mobile GPUs with ASTC LDR: ASTC 4×4 (16 bytes per block), RGB or RGBA.
    Mobile,
    /// Mobile GPUs without ASTC (OpenGL ES 3.0 class): ETC2 RGB (8 bytes per
    /// block) for opaque textures, ETC2 RGBA (16 bytes per block, EAC alpha)
    /// for textures with alpha.
    MobileEtc2,
    /// No block compression: 8-bit RGBA, 4 bytes per texel.
    Uncompressed,
}

impl TextureTarget {
    /// Every target.
    pub const ALL: [TextureTarget; 4] = [
        TextureTarget::Desktop,
        TextureTarget::Mobile,
        TextureTarget::MobileEtc2,
        TextureTarget::Uncompressed,
    ];

    /// The `VkFormat` a texture transcodes to: `has_alpha` picks between
    /// ETC2 RGB and RGBA for [`TextureTarget::MobileEtc2`], `srgb` the sRGB
    /// or UNORM variant.
    pub fn vk_format(self, has_alpha: bool, srgb: bool) -> VkFormat {
        use VkFormat as F;
        let (linear, srgb_format) = match (self, has_alpha) {
            (TextureTarget::Desktop, _) => (F::Bc7Unorm, F::Bc7Srgb),
            (TextureTarget::Mobile, _) => (F::Astc4x4Unorm, F::Astc4x4Srgb),
            (TextureTarget::MobileEtc2, false) => (F::Etc2R8G8B8Unorm, F::Etc2R8G8B8Srgb),
            (TextureTarget::MobileEtc2, true) => (F::Etc2R8G8B8A8Unorm, F::Etc2R8G8B8A8Srgb),
            (TextureTarget::Uncompressed, _) => (F::R8G8B8A8Unorm, F::R8G8B8A8Srgb),
        };
        if srgb { srgb_format } else { linear }
    }

    /// The transcoder's format for this target. ETC1 blocks are valid ETC2
    /// RGB blocks, so the opaque ETC2 target is the transcoder's ETC1.
    pub(super) fn transcoder_format(self, has_alpha: bool) -> TargetFormat {
        match (self, has_alpha) {
            (TextureTarget::Desktop, _) => TargetFormat::Bc7Rgba,
            (TextureTarget::Mobile, _) => TargetFormat::Astc4x4Rgba,
            (TextureTarget::MobileEtc2, false) => TargetFormat::Etc1Rgb,
            (TextureTarget::MobileEtc2, true) => TargetFormat::Etc2Rgba,
            (TextureTarget::Uncompressed, _) => TargetFormat::Rgba32,
        }
    }

    /// A short name for messages.
    pub fn name(self, has_alpha: bool) -> &'static str {
        match (self, has_alpha) {
            (TextureTarget::Desktop, _) => "BC7",
            (TextureTarget::Mobile, _) => "ASTC 4x4",
            (TextureTarget::MobileEtc2, false) => "ETC2 RGB",
            (TextureTarget::MobileEtc2, true) => "ETC2 RGBA",
            (TextureTarget::Uncompressed, _) => "RGBA8",
        }
    }

    /// Bytes one image of `width` × `height` texels takes in this target.
    pub fn image_size(self, has_alpha: bool, width: u32, height: u32) -> u64 {
        let format = self.vk_format(has_alpha, false);
        let (bw, bh) = format.block_dimensions();
        u64::from(width.div_ceil(bw))
            * u64::from(height.div_ceil(bh))
            * u64::from(format.block_bytes())
    }
}
