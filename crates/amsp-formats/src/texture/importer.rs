//! The cook's texture importer: source image → mip chain → KTX2, one pack
//! chunk per mip level.

use amsp_cook::{AssetMeta, ImportError, ImportInput, ImportedAsset, Importer};
use amsp_core::Codec;
use serde_json::json;

use super::ktx2::{Ktx2Writer, VkFormat, WriteSupercompression};
use super::layout::{TEXTURE_TYPE, chunk_of_level, split_into_chunks};
use super::source::{
    ImageLimits, MipLevel, PixelFormat, SourceImage, TextureRole, build_mips, decode_image,
};

/// Imports PNG, JPEG, BMP, TGA and GIF images as KTX2 textures with a full
/// mip chain, zstd-supercompressed, each level its own pack chunk.
///
/// Sidecar settings:
/// - `role`: `"color"` (default; sRGB, gamma-correct mips), `"linear"`
///   (data), `"normal"` (renormalised mips), `"ui"`. Without a setting, a
///   file whose name contains `normal` or ends in `_n` is a normal map.
/// - `zstd_level`: supercompression level (default 9).
///
/// Texels are stored as RGBA8 (sRGB for colour and UI); 16-bit sources are
/// reduced to 8 bits. Block compression (BCn) is chosen by the encoding
/// step of the texture pipeline as it lands.
#[derive(Debug, Clone, Default)]
pub struct TextureImporter {
    /// Size limits checked before anything is decoded.
    pub limits: ImageLimits,
}

impl Importer for TextureImporter {
    fn name(&self) -> &str {
        "texture"
    }

    fn version(&self) -> u32 {
        1
    }

    fn extensions(&self) -> &[&str] {
        &["png", "jpg", "jpeg", "bmp", "tga", "gif"]
    }

    fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError> {
        let ext = input.path.extension();
        let image = decode_image(input.bytes, ext.as_deref(), &self.limits)
            .map_err(|e| ImportError::new(e.to_string()))?;
        let role = role(input.meta, input.path.file_name())?;
        let image = to_rgba8(image)?;
        let mips = build_mips(&image, role).map_err(|e| ImportError::new(e.to_string()))?;
        let srgb = matches!(role, TextureRole::Color | TextureRole::Ui);
        let format = if srgb { VkFormat::R8G8B8A8Srgb } else { VkFormat::R8G8B8A8Unorm };
        let zstd_level = match input.meta.settings.get("zstd_level") {
            None => 9,
            Some(ron::Value::Number(n)) => n.into_f64() as i32,
            Some(other) => {
                return Err(ImportError::new(format!(
                    "zstd_level must be a number, found {other:?}"
                )));
            }
        };
        let levels: Vec<&[u8]> = mips.iter().map(|m| m.data.as_slice()).collect();
        let file = Ktx2Writer::new(format, image.width, image.height)
            .srgb(srgb)
            .supercompression(WriteSupercompression::Zstd { level: zstd_level })
            .write(&levels)
            .map_err(|e| ImportError::new(e.to_string()))?;
        let chunks = split_into_chunks(file.bytes(), file.mip_level_ranges());
        let level_count = u32::try_from(mips.len()).unwrap_or(u32::MAX);
        let metadata = json!({
            "width": image.width,
            "height": image.height,
            "format": format!("{format:?}"),
            "srgb": srgb,
            "role": role_name(role),
            "has_alpha": image.has_alpha,
            "mip_count": level_count,
            "mip_bytes": mips.iter().map(|m: &MipLevel| m.data.len()).collect::<Vec<_>>(),
            "mip_stored_bytes": file.mip_level_ranges().iter().map(|r| r.len()).collect::<Vec<_>>(),
            "mip_chunks": (0..level_count).map(|l| chunk_of_level(l, level_count)).collect::<Vec<_>>(),
        });
        Ok(ImportedAsset {
            asset_type: TEXTURE_TYPE.to_owned(),
            chunks,
            // Levels are zstd-supercompressed inside the KTX2 already.
            codec: Some(Codec::None),
            metadata,
            ..ImportedAsset::default()
        })
    }
}

fn role(meta: &AssetMeta, file_name: &str) -> Result<TextureRole, ImportError> {
    match meta.settings.get("role") {
        Some(ron::Value::String(name)) => match name.as_str() {
            "color" => Ok(TextureRole::Color),
            "linear" => Ok(TextureRole::Linear),
            "normal" => Ok(TextureRole::NormalMap),
            "ui" => Ok(TextureRole::Ui),
            other => Err(ImportError::new(format!(
                "unknown role {other:?}: expected color, linear, normal or ui"
            ))),
        },
        Some(other) => Err(ImportError::new(format!("role must be a string, found {other:?}"))),
        None => {
            let stem =
                file_name.rsplit_once('.').map_or(file_name, |(s, _)| s).to_ascii_lowercase();
            if stem.contains("normal") || stem.ends_with("_n") {
                Ok(TextureRole::NormalMap)
            } else {
                Ok(TextureRole::Color)
            }
        }
    }
}

fn role_name(role: TextureRole) -> &'static str {
    match role {
        TextureRole::Linear => "linear",
        TextureRole::NormalMap => "normal",
        TextureRole::Ui => "ui",
        TextureRole::Hdr => "hdr",
        _ => "color",
    }
}

/// Reduces 16-bit texels to 8 bits; HDR needs BC6H, which is not a cook
/// target yet.
fn to_rgba8(image: SourceImage) -> Result<SourceImage, ImportError> {
    match image.format {
        PixelFormat::Rgba8 => Ok(image),
        PixelFormat::Rgba16 => {
            // Little-endian u16: the high byte is the second of each pair.
            let data = image.data.chunks_exact(2).map(|p| p[1]).collect();
            Ok(SourceImage { format: PixelFormat::Rgba8, data, ..image })
        }
        _ => Err(ImportError::new("HDR images are not a texture cook target yet (BC6H encoding)")),
    }
}
