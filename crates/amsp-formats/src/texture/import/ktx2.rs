//! KTX2 sources: passed through, re-laid out into AMSP's layout.

use amsp_cook::{ImportError, ImportInput, ImportedAsset};
use serde_json::json;

use super::TextureImporter;
use super::cooked::{cooked, extras};
use super::settings;
use crate::texture::ktx2::repack;

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
    let file = repack(input.bytes, &importer.container_limits, level)
        .map_err(|e| ImportError::new(format!("KTX2: {e}")))?;
    cooked(&file, input.meta, "ktx2", extras([("encoding", json!("passthrough"))]))
}
