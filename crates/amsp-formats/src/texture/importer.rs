//! The cook's texture importer: source image → mip chain → KTX2, one pack
//! chunk per mip level.

use amsp_cook::{AssetMeta, ImportError, ImportInput, ImportedAsset, Importer};
use amsp_core::Codec;
use serde_json::json;

use super::encode::{EncodeQuality, TextureEncoding, encode_level};
use super::ktx2::{Ktx2Writer, WriteSupercompression};
use super::layout::{TEXTURE_TYPE, chunk_of_level, split_into_chunks};
use super::source::{ImageLimits, PixelFormat, SourceImage, TextureRole, build_mips, decode_image};

/// Imports PNG, JPEG, BMP, TGA and GIF images as KTX2 textures with a full
/// mip chain, block-compressed, zstd-supercompressed, each level its own
/// pack chunk.
///
/// Sidecar settings:
/// - `role`: `"color"` (default; sRGB, gamma-correct mips), `"linear"`
///   (data), `"normal"` (renormalised mips), `"ui"`. Without a setting, a
///   file whose name contains `normal` or ends in `_n` is a normal map.
/// - `encoding`: `"bc7"`, `"bc1"`, `"bc3"`, `"bc4"`, `"bc5"` or `"rgba8"`.
///   Without a setting it follows the role: colour and UI → BC7 sRGB,
///   normal map → BC5, single-channel linear data → BC4, other linear data
///   → BC7. (A grey colour image stays BC7 sRGB: BC4 has no sRGB form.)
/// - `quality`: `"fast"`, `"basic"` (default) or `"slow"` (BC7).
/// - `zstd_level`: supercompression level (default 9).
///
/// 16-bit sources are reduced to 8 bits; HDR sources need BC6H, which this
/// importer does not produce yet.
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
        2
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
        let encoding = encoding(input.meta, role, image.source_channels)?;
        let quality = quality(input.meta)?;
        let format = encoding.vk_format(srgb);
        let zstd_level = match input.meta.settings.get("zstd_level") {
            None => 9,
            Some(ron::Value::Number(n)) => n.into_f64() as i32,
            Some(other) => {
                return Err(ImportError::new(format!(
                    "zstd_level must be a number, found {other:?}"
                )));
            }
        };
        let encoded: Vec<Vec<u8>> = mips
            .iter()
            .map(|level| encode_level(level, image.format, encoding, quality))
            .collect::<Result<_, _>>()
            .map_err(|e| ImportError::new(e.to_string()))?;
        let levels: Vec<&[u8]> = encoded.iter().map(Vec::as_slice).collect();
        let file = Ktx2Writer::new(format, image.width, image.height)
            .srgb(format.is_srgb())
            .supercompression(WriteSupercompression::Zstd { level: zstd_level })
            .write(&levels)
            .map_err(|e| ImportError::new(e.to_string()))?;
        let chunks = split_into_chunks(file.bytes(), file.mip_level_ranges());
        let level_count = u32::try_from(mips.len()).unwrap_or(u32::MAX);
        let metadata = json!({
            "width": image.width,
            "height": image.height,
            "format": format!("{format:?}"),
            "srgb": format.is_srgb(),
            "encoding": format!("{encoding:?}"),
            "role": role_name(role),
            "has_alpha": image.has_alpha,
            "mip_count": level_count,
            "mip_bytes": encoded.iter().map(Vec::len).collect::<Vec<_>>(),
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

/// The value named by string setting `key`, one of `options` (name →
/// value), if the sidecar sets it; names compare ignoring ASCII case when
/// `fold_case` is set.
fn choice<T: Copy>(
    meta: &AssetMeta,
    key: &str,
    options: &[(&str, T)],
    fold_case: bool,
) -> Result<Option<T>, ImportError> {
    let name = match meta.settings.get(key) {
        None => return Ok(None),
        Some(ron::Value::String(name)) => name,
        Some(other) => {
            return Err(ImportError::new(format!("{key} must be a string, found {other:?}")));
        }
    };
    let matches = |option: &str| {
        if fold_case { option.eq_ignore_ascii_case(name) } else { option == name }
    };
    match options.iter().find(|(option, _)| matches(option)) {
        Some(&(_, value)) => Ok(Some(value)),
        None => {
            let names: Vec<&str> = options.iter().map(|&(option, _)| option).collect();
            Err(ImportError::new(format!(
                "unknown {key} {name:?}: expected one of {}",
                names.join(", ")
            )))
        }
    }
}

fn role(meta: &AssetMeta, file_name: &str) -> Result<TextureRole, ImportError> {
    let options = [
        ("color", TextureRole::Color),
        ("linear", TextureRole::Linear),
        ("normal", TextureRole::NormalMap),
        ("ui", TextureRole::Ui),
    ];
    Ok(choice(meta, "role", &options, false)?.unwrap_or_else(|| {
        let stem = file_name.rsplit_once('.').map_or(file_name, |(s, _)| s).to_ascii_lowercase();
        if stem.contains("normal") || stem.ends_with("_n") {
            TextureRole::NormalMap
        } else {
            TextureRole::Color
        }
    }))
}

fn encoding(
    meta: &AssetMeta,
    role: TextureRole,
    channels: u8,
) -> Result<TextureEncoding, ImportError> {
    let options = [
        ("bc7", TextureEncoding::Bc7),
        ("bc1", TextureEncoding::Bc1),
        ("bc3", TextureEncoding::Bc3),
        ("bc4", TextureEncoding::Bc4),
        ("bc5", TextureEncoding::Bc5),
        ("rgba8", TextureEncoding::Rgba8),
    ];
    Ok(choice(meta, "encoding", &options, true)?.unwrap_or(match role {
        TextureRole::NormalMap => TextureEncoding::Bc5,
        TextureRole::Linear if channels == 1 => TextureEncoding::Bc4,
        _ => TextureEncoding::Bc7,
    }))
}

fn quality(meta: &AssetMeta) -> Result<EncodeQuality, ImportError> {
    let options = [
        ("fast", EncodeQuality::Fast),
        ("basic", EncodeQuality::Basic),
        ("slow", EncodeQuality::Slow),
    ];
    Ok(choice(meta, "quality", &options, false)?.unwrap_or(EncodeQuality::Basic))
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
