//! KTX2 sources: passed through, re-laid out into AMSP's layout.

use amsp_cook::{ImportError, ImportInput, ImportedAsset};
use serde_json::json;

use super::TextureImporter;
use super::cooked::{cooked, extras};
use super::settings::{self, SupercompressionChoice};
use crate::texture::ktx2::{repack, repack_uncompressed};

pub(super) fn import(
    importer: &TextureImporter,
    input: &ImportInput<'_>,
) -> Result<ImportedAsset, ImportError> {
    settings::refuse(
        input.meta,
        &["role", "encoding", "quality"],
        "KTX2 sources are passed through as they are",
    )?;
    let level = settings::zstd_level(input.meta)?;
    let limits = &importer.container_limits;
    // Levels to be stored without supercompression are not compressed
    // first (only to be stripped again); BasisLZ data, which has no
    // unsupercompressed form, keeps its own.
    let file = match settings::supercompression(input.meta)? {
        SupercompressionChoice::None => {
            repack_uncompressed(input.bytes, limits).or_else(|_| repack(input.bytes, limits, level))
        }
        _ => repack(input.bytes, limits, level),
    }
    .map_err(|e| ImportError::new(format!("KTX2: {e}")))?;
    cooked(&file, input.meta, "ktx2", extras([("encoding", json!("passthrough"))]))
}
