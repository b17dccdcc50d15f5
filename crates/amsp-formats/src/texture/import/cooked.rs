//! Turning a finished KTX2 file into the cook's [`ImportedAsset`]: pack
//! chunks per mip level and the catalog metadata every source kind records.

use amsp_cook::{AssetMeta, ImportError, ImportedAsset};
use amsp_core::Codec;
use serde_json::{Map, Value, json};

use super::settings::{self, AUTO_MIN_SAVING, SupercompressionChoice};
use crate::texture::ktx2::dfd::{COLOR_MODEL_ETC1S, COLOR_MODEL_UASTC};
use crate::texture::ktx2::{
    Ktx2File, Ktx2Texture, Supercompression, TextureLimits, repack_uncompressed,
};
use crate::texture::layout::{TEXTURE_TYPE, chunk_of_level, split_into_chunks};

/// The cooked asset for `file`, with metadata read back from the file
/// itself (so it describes exactly what was written) plus `extra`.
///
/// Recorded for every source: `source_format`, `width`, `height`, `depth`,
/// `layers`, `faces`, `format`, `srgb`, `supercompression`, `mip_count`,
/// `mip_bytes` (each level with supercompression undone; as stored for
/// BasisLZ), `mip_stored_bytes`, `mip_chunks`, and `transcode: true` for
/// Basis Universal data.
///
/// The `supercompression` setting of `meta` is applied here: a
/// zstd-supercompressed `file` is rewritten without supercompression when
/// the setting is `"none"`, or `"auto"` and zstd saves too little.
pub(super) fn cooked(
    file: &Ktx2File,
    meta: &AssetMeta,
    source_format: &str,
    extra: Map<String, Value>,
) -> Result<ImportedAsset, ImportError> {
    let settled = settle_supercompression(file, settings::supercompression(meta)?)?;
    let file = settled.as_ref().unwrap_or(file);
    let limits = unlimited();
    let texture = Ktx2Texture::parse(file.bytes(), &limits)
        .map_err(|e| ImportError::new(format!("the cooked KTX2 does not read back: {e}")))?;
    let levels = texture.levels();
    let (width, height, depth) = texture.dimensions();
    let format = match texture.format() {
        Some(format) if texture.vk_format() != 0 => format!("{format:?}"),
        _ => match texture.dfd().color_model {
            COLOR_MODEL_ETC1S => "BasisLzEtc1s".to_owned(),
            COLOR_MODEL_UASTC => "Uastc".to_owned(),
            _ => format!("VkFormat({})", texture.vk_format()),
        },
    };
    let basis_lz = texture.supercompression() == Supercompression::BasisLz;
    let mip_bytes: Vec<u64> = texture
        .level_index()
        .iter()
        .map(|e| if basis_lz { e.byte_length } else { e.uncompressed_byte_length })
        .collect();
    let mut metadata = json!({
        "source_format": source_format,
        "width": width,
        "height": height,
        "depth": depth,
        "layers": texture.layers(),
        "faces": texture.faces(),
        "format": format,
        "srgb": texture.is_srgb(),
        "supercompression": format!("{:?}", texture.supercompression()),
        "mip_count": levels,
        "mip_bytes": mip_bytes,
        "mip_stored_bytes": file.mip_level_ranges().iter().map(|r| r.len()).collect::<Vec<_>>(),
        "mip_chunks": (0..levels).map(|l| chunk_of_level(l, levels)).collect::<Vec<_>>(),
    });
    if let Value::Object(map) = &mut metadata {
        if texture.needs_transcode() {
            map.insert("transcode".into(), Value::Bool(true));
        }
        map.extend(extra);
    }
    Ok(ImportedAsset {
        asset_type: TEXTURE_TYPE.to_owned(),
        chunks: split_into_chunks(file.bytes(), file.mip_level_ranges()),
        // Levels are supercompressed inside the KTX2 already.
        codec: Some(Codec::None),
        metadata,
        ..ImportedAsset::default()
    })
}

/// `file` rewritten without supercompression if `choice` asks for it, or
/// `None` to keep it as it is.
fn settle_supercompression(
    file: &Ktx2File,
    choice: SupercompressionChoice,
) -> Result<Option<Ktx2File>, ImportError> {
    let limits = unlimited();
    let texture = Ktx2Texture::parse(file.bytes(), &limits)
        .map_err(|e| ImportError::new(format!("the cooked KTX2 does not read back: {e}")))?;
    if texture.supercompression() != Supercompression::Zstd {
        return Ok(None);
    }
    let index = texture.level_index();
    let stored: u64 = index.iter().map(|e| e.byte_length).sum();
    let raw: u64 = index.iter().map(|e| e.uncompressed_byte_length).sum();
    let saving = 1.0 - stored as f64 / raw.max(1) as f64;
    let strip = match choice {
        SupercompressionChoice::Zstd => false,
        SupercompressionChoice::None => true,
        SupercompressionChoice::Auto => saving < AUTO_MIN_SAVING,
    };
    if !strip {
        return Ok(None);
    }
    repack_uncompressed(file.bytes(), &limits)
        .map(Some)
        .map_err(|e| ImportError::new(format!("storing the levels without zstd failed: {e}")))
}

/// Limits for reading back what the importer wrote: the output was built
/// from already-checked input, so these only guard against a writer bug.
fn unlimited() -> TextureLimits {
    TextureLimits {
        max_dimension: u32::MAX,
        max_layers: u32::MAX,
        max_levels: 32,
        max_total_bytes: u64::MAX,
    }
}

/// A metadata map from `(key, value)` pairs.
pub(super) fn extras<const N: usize>(entries: [(&str, Value); N]) -> Map<String, Value> {
    entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
