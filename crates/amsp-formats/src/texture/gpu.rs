//! Textures in the GPU tier: the texel formats a GPU takes as they are,
//! and the resident mips as [`GpuData`].

use amsp_runtime::gpu::{
    GpuAsset, GpuData, GpuDataError, GpuFormat, GpuTextureData, GpuTextureDesc,
};

use super::asset::Texture;
use super::ktx2::VkFormat;

/// The GPU tier's format for a texel format, if it has one (the BC
/// formats, 8-bit and float RGBA, one- and two-channel 8-bit).
#[must_use]
pub fn gpu_format(format: VkFormat) -> Option<GpuFormat> {
    Some(match format {
        VkFormat::R8Unorm => GpuFormat::R8Unorm,
        VkFormat::R8G8Unorm => GpuFormat::Rg8Unorm,
        VkFormat::R8G8B8A8Unorm => GpuFormat::Rgba8Unorm,
        VkFormat::R8G8B8A8Srgb => GpuFormat::Rgba8UnormSrgb,
        VkFormat::R16G16B16A16Sfloat => GpuFormat::Rgba16Float,
        VkFormat::R32G32B32A32Sfloat => GpuFormat::Rgba32Float,
        VkFormat::Bc1RgbaUnorm | VkFormat::Bc1RgbUnorm => GpuFormat::Bc1RgbaUnorm,
        VkFormat::Bc1RgbaSrgb | VkFormat::Bc1RgbSrgb => GpuFormat::Bc1RgbaUnormSrgb,
        VkFormat::Bc3Unorm => GpuFormat::Bc3RgbaUnorm,
        VkFormat::Bc3Srgb => GpuFormat::Bc3RgbaUnormSrgb,
        VkFormat::Bc4Unorm => GpuFormat::Bc4RUnorm,
        VkFormat::Bc5Unorm => GpuFormat::Bc5RgUnorm,
        VkFormat::Bc6hUfloat => GpuFormat::Bc6hRgbUfloat,
        VkFormat::Bc7Unorm => GpuFormat::Bc7RgbaUnorm,
        VkFormat::Bc7Srgb => GpuFormat::Bc7RgbaUnormSrgb,
        _ => return None,
    })
}

impl Texture {
    /// The texture's GPU description (every mip of the full chain; faces
    /// count as array layers).
    ///
    /// # Errors
    /// [`GpuDataError::UnsupportedFormat`] for a format without a GPU
    /// format here, [`GpuDataError::UnsupportedShape`] for a volume.
    pub fn gpu_desc(&self) -> Result<GpuTextureDesc, GpuDataError> {
        let format = gpu_format(self.format)
            .ok_or_else(|| GpuDataError::UnsupportedFormat(format!("{:?}", self.format)))?;
        if self.depth > 1 {
            return Err(GpuDataError::UnsupportedShape(format!(
                "volume texture of depth {}",
                self.depth
            )));
        }
        let layers = self.layers.max(1).checked_mul(self.faces.max(1)).ok_or_else(|| {
            GpuDataError::UnsupportedShape(format!("{} layers × {} faces", self.layers, self.faces))
        })?;
        Ok(GpuTextureDesc {
            format,
            width: self.width,
            height: self.height,
            layers,
            mip_count: self.mip_count,
        })
    }
}

impl GpuAsset for Texture {
    fn gpu_data(&self) -> Result<GpuData<'_>, GpuDataError> {
        let desc = self.gpu_desc()?;
        let mips = self.mips.iter().map(Vec::as_slice).collect();
        Ok(GpuData::Texture(GpuTextureData { desc, resident: self.resident.clone(), mips }))
    }
}
