//! Texel formats: the GPU tier's, the cooked textures', and wgpu's.

use amsp_formats::texture::gpu_format;
use amsp_formats::texture::ktx2::VkFormat;
use amsp_runtime::gpu::{GpuError, GpuFormat};

/// The wgpu format of a GPU tier format, if the device's `features` allow
/// it (BC formats need [`wgpu::Features::TEXTURE_COMPRESSION_BC`]).
///
/// # Errors
/// [`GpuError::UnsupportedFormat`] naming the format and the missing
/// feature.
pub fn wgpu_format(
    format: GpuFormat,
    features: wgpu::Features,
) -> Result<wgpu::TextureFormat, GpuError> {
    use wgpu::TextureFormat as T;
    let wgpu = match format {
        GpuFormat::R8Unorm => T::R8Unorm,
        GpuFormat::Rg8Unorm => T::Rg8Unorm,
        GpuFormat::Rgba8Unorm => T::Rgba8Unorm,
        GpuFormat::Rgba8UnormSrgb => T::Rgba8UnormSrgb,
        GpuFormat::Rgba16Float => T::Rgba16Float,
        GpuFormat::Rgba32Float => T::Rgba32Float,
        GpuFormat::Bc1RgbaUnorm => T::Bc1RgbaUnorm,
        GpuFormat::Bc1RgbaUnormSrgb => T::Bc1RgbaUnormSrgb,
        GpuFormat::Bc3RgbaUnorm => T::Bc3RgbaUnorm,
        GpuFormat::Bc3RgbaUnormSrgb => T::Bc3RgbaUnormSrgb,
        GpuFormat::Bc4RUnorm => T::Bc4RUnorm,
        GpuFormat::Bc5RgUnorm => T::Bc5RgUnorm,
        GpuFormat::Bc6hRgbUfloat => T::Bc6hRgbUfloat,
        GpuFormat::Bc7RgbaUnorm => T::Bc7RgbaUnorm,
        GpuFormat::Bc7RgbaUnormSrgb => T::Bc7RgbaUnormSrgb,
        other => {
            return Err(GpuError::UnsupportedFormat { format: other, backend: "amsp-wgpu".into() });
        }
    };
    let needed = wgpu.required_features();
    if !features.contains(needed) {
        return Err(GpuError::UnsupportedFormat {
            format,
            backend: format!("this wgpu device (it lacks {needed:?})"),
        });
    }
    Ok(wgpu)
}

/// Why a cooked texture's format cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The GPU tier has no format for it (ASTC, ETC2, undecoded Basis).
    #[error("texel format {0:?} has no GPU tier format")]
    NoGpuFormat(VkFormat),
    /// The device does not take it.
    #[error(transparent)]
    Unsupported(#[from] GpuError),
}

/// The wgpu format of a cooked texture's format.
///
/// # Errors
/// [`FormatError::NoGpuFormat`] for a format the GPU tier does not take,
/// [`FormatError::Unsupported`] for one the device does not.
pub fn wgpu_format_of(
    format: VkFormat,
    features: wgpu::Features,
) -> Result<wgpu::TextureFormat, FormatError> {
    let gpu = gpu_format(format).ok_or(FormatError::NoGpuFormat(format))?;
    Ok(wgpu_format(gpu, features)?)
}
