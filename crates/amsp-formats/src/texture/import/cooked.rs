//! Turning a finished KTX2 file into the cook's [`ImportedAsset`]: pack
//! chunks per mip level and the catalog metadata every source kind records.

use amsp_cook::{ImportError, ImportedAsset};
use amsp_core::Codec;
use serde_json::{Map, Value, json};

use crate::texture::ktx2::dfd::{COLOR_MODEL_ETC1S, COLOR_MODEL_UASTC};
use crate::texture::ktx2::{Ktx2File, Ktx2Texture, Supercompression, TextureLimits};
use crate::texture::layout::{TEXTURE_TYPE, chunk_of_level, split_into_chunks};

/// The cooked asset for `file`, with metadata read back from the file
/// itself (so it describes exactly what was written) plus `extra`.
///
/// Recorded for every source: `source_format`, `width`, `height`, `depth`,
/// `layers`, `faces`, `format`, `srgb`, `supercompression`, `mip_count`,
/// `mip_bytes` (each level with supercompression undone; as stored for
/// BasisLZ), `mip_stored_bytes`, `mip_chunks`, and `transcode: true` for
/// Basis Universal data.
pub(super) fn cooked(
    file: &Ktx2File,
    source_format: &str,
    extra: Map<String, Value>,
) -> Result<ImportedAsset, ImportError> {
    // The output was built from already-checked input; the limits here only
    // guard against a writer bug, not against the source.
    let limits = TextureLimits {
        max_dimension: u32::MAX,
        max_layers: u32::MAX,
        max_levels: 32,
        max_total_bytes: u64::MAX,
    };
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

/// A metadata map from `(key, value)` pairs.
pub(super) fn extras<const N: usize>(entries: [(&str, Value); N]) -> Map<String, Value> {
    entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
