//! Running the texture importer on bytes, as the cook would.

use amsp_cook::{AssetMeta, ImportError, ImportInput, ImportedAsset, Importer};
use amsp_core::AssetPath;
use amsp_formats::texture::TextureImporter;

/// Imports `bytes` as the source `name` with string `settings` in its
/// sidecar.
pub fn import(
    name: &str,
    bytes: &[u8],
    settings: &[(&str, &str)],
) -> Result<ImportedAsset, ImportError> {
    let path = AssetPath::new(name).unwrap();
    let mut meta = AssetMeta::new_random();
    meta.settings = settings
        .iter()
        .map(|(k, v)| ((*k).to_owned(), ron::Value::String((*v).to_owned())))
        .collect();
    TextureImporter::default().import(&ImportInput { path: &path, bytes, meta: &meta })
}
