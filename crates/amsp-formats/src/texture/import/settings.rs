//! The texture importer's sidecar settings.

use amsp_cook::{AssetMeta, ImportError};

use crate::texture::encode::{AstcBlock, EncodeQuality, TextureEncoding};
use crate::texture::ktx2::VkFormat;
use crate::texture::source::TextureRole;

/// What a texture is cooked into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// Block compression or RGBA8 through [`crate::texture::encode`].
    Encoded(TextureEncoding),
    /// Uncompressed half floats (`R16G16B16A16_SFLOAT`).
    Rgba16f,
    /// Uncompressed floats (`R32G32B32A32_SFLOAT`).
    Rgba32f,
    /// Basis Universal UASTC 4×4 (`VK_FORMAT_UNDEFINED`), transcoded at
    /// load to the runtime's target (BC7, ASTC, ETC2 or RGBA8).
    Uastc,
}

impl Target {
    /// The Vulkan format of the cooked levels.
    pub(super) fn vk_format(self, srgb: bool) -> VkFormat {
        match self {
            Target::Encoded(encoding) => encoding.vk_format(srgb),
            Target::Rgba16f => VkFormat::R16G16B16A16Sfloat,
            Target::Rgba32f => VkFormat::R32G32B32A32Sfloat,
            Target::Uastc => VkFormat::Undefined,
        }
    }

    /// The name recorded in the catalog.
    pub(super) fn name(self) -> String {
        match self {
            Target::Encoded(encoding) => format!("{encoding:?}"),
            Target::Rgba16f => "Rgba16f".into(),
            Target::Rgba32f => "Rgba32f".into(),
            Target::Uastc => "Uastc".into(),
        }
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

/// The `role` setting, or the role the file name suggests: a name that
/// contains `normal` or ends in `_n` is a normal map, anything else colour.
pub(super) fn role(meta: &AssetMeta, file_name: &str) -> Result<TextureRole, ImportError> {
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

/// The `encoding` setting for a low-dynamic-range source, or the default
/// for its role and channel count.
pub(super) fn ldr_target(
    meta: &AssetMeta,
    role: TextureRole,
    channels: u8,
) -> Result<Target, ImportError> {
    // ASTC by block size; a normal map keeps X and Y in the two-channel
    // layout (X in RGB, Y in alpha).
    let astc: Vec<(String, Target)> = AstcBlock::ALL
        .iter()
        .map(|&block| {
            let encoding = if role == TextureRole::NormalMap {
                TextureEncoding::AstcNormal(block)
            } else {
                TextureEncoding::Astc(block)
            };
            (format!("astc-{block}"), Target::Encoded(encoding))
        })
        .collect();
    let mut options = vec![
        ("bc7", Target::Encoded(TextureEncoding::Bc7)),
        ("bc1", Target::Encoded(TextureEncoding::Bc1)),
        ("bc3", Target::Encoded(TextureEncoding::Bc3)),
        ("bc4", Target::Encoded(TextureEncoding::Bc4)),
        ("bc5", Target::Encoded(TextureEncoding::Bc5)),
        ("rgba8", Target::Encoded(TextureEncoding::Rgba8)),
        ("uastc", Target::Uastc),
    ];
    options.extend(astc.iter().map(|(name, target)| (name.as_str(), *target)));
    let encoding = choice(meta, "encoding", &options, true)?.unwrap_or(match role {
        TextureRole::NormalMap => Target::Encoded(TextureEncoding::Bc5),
        TextureRole::Linear if channels == 1 => Target::Encoded(TextureEncoding::Bc4),
        _ => Target::Encoded(TextureEncoding::Bc7),
    });
    Ok(encoding)
}

/// The `encoding` setting for a high-dynamic-range source (default BC6H).
pub(super) fn hdr_target(meta: &AssetMeta) -> Result<Target, ImportError> {
    let options = [
        ("bc6h", Target::Encoded(TextureEncoding::Bc6h)),
        ("rgba16f", Target::Rgba16f),
        ("rgba32f", Target::Rgba32f),
    ];
    Ok(choice(meta, "encoding", &options, true)?.unwrap_or(Target::Encoded(TextureEncoding::Bc6h)))
}

/// The `role` setting of a high-dynamic-range source: absent or `"hdr"`.
pub(super) fn check_hdr_role(meta: &AssetMeta) -> Result<(), ImportError> {
    choice(meta, "role", &[("hdr", ())], false).map(|_| ())
}

/// The `uastc_rdo` setting: the rate-distortion quality scalar for UASTC
/// (0.001 to 10; lower keeps more quality), or `None` for no RDO.
pub(super) fn uastc_rdo(meta: &AssetMeta) -> Result<Option<f32>, ImportError> {
    match meta.settings.get("uastc_rdo") {
        None => Ok(None),
        Some(ron::Value::Number(n)) => Ok(Some(n.into_f64() as f32)),
        Some(other) => {
            Err(ImportError::new(format!("uastc_rdo must be a number, found {other:?}")))
        }
    }
}

/// The `quality` setting (default `"basic"`).
pub(super) fn quality(meta: &AssetMeta) -> Result<EncodeQuality, ImportError> {
    let options = [
        ("fast", EncodeQuality::Fast),
        ("basic", EncodeQuality::Basic),
        ("slow", EncodeQuality::Slow),
    ];
    Ok(choice(meta, "quality", &options, false)?.unwrap_or(EncodeQuality::Basic))
}

/// The `zstd_level` setting (default 9).
pub(super) fn zstd_level(meta: &AssetMeta) -> Result<i32, ImportError> {
    match meta.settings.get("zstd_level") {
        None => Ok(9),
        Some(ron::Value::Number(n)) => Ok(n.into_f64() as i32),
        Some(other) => {
            Err(ImportError::new(format!("zstd_level must be a number, found {other:?}")))
        }
    }
}

/// How the levels of a cooked texture are supercompressed (the
/// `supercompression` setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SupercompressionChoice {
    /// zstd whatever it saves.
    Zstd,
    /// No supercompression: levels load at the speed of a read.
    None,
    /// zstd only where it saves at least [`AUTO_MIN_SAVING`] of the level
    /// bytes: decoding zstd costs far more time than reading the bytes it
    /// saves from a local disk, so it has to save a lot to pay off.
    Auto,
}

/// The fraction of the level bytes zstd must save for
/// [`SupercompressionChoice::Auto`] to keep it.
pub(super) const AUTO_MIN_SAVING: f64 = 0.25;

/// The `supercompression` setting: `"auto"` (default), `"zstd"` or `"none"`.
pub(super) fn supercompression(meta: &AssetMeta) -> Result<SupercompressionChoice, ImportError> {
    let options = [
        ("auto", SupercompressionChoice::Auto),
        ("zstd", SupercompressionChoice::Zstd),
        ("none", SupercompressionChoice::None),
    ];
    Ok(choice(meta, "supercompression", &options, true)?.unwrap_or(SupercompressionChoice::Auto))
}

/// Refuses `keys` when the sidecar sets them: they do not apply to a source
/// whose texels are kept as they are (`why` says so).
pub(super) fn refuse(meta: &AssetMeta, keys: &[&str], why: &str) -> Result<(), ImportError> {
    match keys.iter().find(|key| meta.settings.contains_key(**key)) {
        Some(key) => Err(ImportError::new(format!("setting {key} does not apply: {why}"))),
        None => Ok(()),
    }
}

/// The catalog name of a role.
pub(super) fn role_name(role: TextureRole) -> &'static str {
    match role {
        TextureRole::Linear => "linear",
        TextureRole::NormalMap => "normal",
        TextureRole::Ui => "ui",
        TextureRole::Hdr => "hdr",
        _ => "color",
    }
}
