//! The `Importer` trait and the registry that picks an importer per file.

use std::collections::HashMap;
use std::sync::Arc;

use amsp_catalog::LodVariant;
use amsp_core::{AssetId, AssetPath, Codec};

use crate::meta::AssetMeta;

/// What an importer gets: the source bytes, where they came from and the
/// sidecar with its settings.
#[derive(Debug)]
pub struct ImportInput<'a> {
    /// The source's path relative to the source root.
    pub path: &'a AssetPath,
    /// The whole source file.
    pub bytes: &'a [u8],
    /// The source's sidecar.
    pub meta: &'a AssetMeta,
}

/// The cooked form of one asset, ready to be packed.
#[derive(Debug, Clone, Default)]
pub struct ImportedAsset {
    /// Cooked type name (`blob`, `text`, `json`, …): selects the runtime loader.
    pub asset_type: String,
    /// Independently readable chunks (a texture's mips, a mesh's LODs); most
    /// assets have one.
    pub chunks: Vec<Vec<u8>>,
    /// The codec this importer prefers; a `codec` setting overrides it, and
    /// `None` here means the cook's default (zstd).
    pub codec: Option<Codec>,
    /// Dependencies found in the content (in addition to the sidecar's).
    pub dependencies: Vec<AssetPath>,
    /// LOD variants, recorded in the catalog.
    pub lods: Vec<LodVariant>,
    /// Type-specific metadata recorded in the catalog (dimensions, formats…).
    pub metadata: serde_json::Value,
    /// Further assets cooked from the same source (a model's meshes,
    /// materials and embedded textures), each its own catalog row and pack
    /// entry at `SOURCE#label`. Only the source's own asset may have them.
    pub sub_assets: Vec<SubAsset>,
}

/// An asset cooked from the same source as another, addressed by a label:
/// `models/duck.glb#mesh0`.
///
/// Its id is [`sub_asset_id`] of the source's id and the label, so it is as
/// stable as the source's. It is cooked, versioned and removed with its
/// source. Its [`dependencies`](ImportedAsset::dependencies) may name
/// siblings by their labelled paths.
#[derive(Debug, Clone, Default)]
pub struct SubAsset {
    /// The label: not empty, without `/`, `\\`, `#` or control characters.
    pub label: String,
    /// The cooked asset.
    pub asset: ImportedAsset,
}

/// The id of the sub-asset `label` of the asset `parent`: the first 16 bytes
/// of a BLAKE3 hash of both.
#[must_use]
pub fn sub_asset_id(parent: AssetId, label: &str) -> AssetId {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"amsp-sub-asset/1\0");
    hasher.update(&parent.to_le_bytes());
    hasher.update(label.as_bytes());
    let hash = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash.as_bytes()[..16]);
    AssetId::from_le_bytes(bytes)
}

/// Why an importer rejected a source; the cook adds the path and importer
/// name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ImportError(pub String);

impl ImportError {
    /// An error with the given message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Turns a source file into its cooked form.
///
/// # Note for implementors
/// `import` must be a pure function of its input (bytes, path and sidecar):
/// the cook skips an asset whose input and [`version`](Importer::version) are
/// unchanged. Bump the version whenever the output for the same input would
/// change. Any byte sequence must give `Ok` or `Err`, never a panic, and sizes
/// read from the input must be checked before allocating.
pub trait Importer: Send + Sync + 'static {
    /// A short stable name (`data`, `texture`), recorded in the catalog.
    fn name(&self) -> &str;

    /// The output format version of this importer.
    fn version(&self) -> u32;

    /// Lowercase extensions this importer takes, without the dot. Compound
    /// extensions (`prefab.ron`) take precedence over simple ones (`ron`).
    fn extensions(&self) -> &[&str];

    /// Cooks one source.
    ///
    /// # Errors
    /// [`ImportError`] when the source is not valid for this importer.
    fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError>;

    /// Cooks one source that may refer to other sources: `sources` says
    /// which paths the cook knows and reads them. The cook calls this; the
    /// default ignores `sources` and calls [`import`](Importer::import).
    ///
    /// # Note for implementors
    /// Whatever this reads through `sources` must be listed in
    /// [`ImportedAsset::dependencies`], so that a change there cooks this
    /// source again.
    ///
    /// # Errors
    /// As [`import`](Importer::import).
    fn import_with_sources(
        &self,
        input: &ImportInput<'_>,
        sources: &dyn SourceSet,
    ) -> Result<ImportedAsset, ImportError> {
        let _ = sources;
        self.import(input)
    }
}

/// The sources of a cook, as an importer sees them: which paths exist, and
/// their bytes.
pub trait SourceSet: Sync {
    /// Whether the cook has a source at `path`.
    fn contains(&self, path: &AssetPath) -> bool;

    /// The bytes of the source at `path`: `None` when there is none, or
    /// when it cannot be read now.
    fn read(&self, path: &AssetPath) -> Option<Vec<u8>>;

    /// The length of the source at `path` in bytes, so that an importer
    /// can refuse an oversized file before reading it. The default reads
    /// the file; sets backed by files should override it.
    fn size(&self, path: &AssetPath) -> Option<u64> {
        self.read(path).map(|b| b.len() as u64)
    }
}

/// Sources held in memory (tests, benchmarks, tools).
impl SourceSet for HashMap<AssetPath, Vec<u8>> {
    fn contains(&self, path: &AssetPath) -> bool {
        self.contains_key(path)
    }

    fn read(&self, path: &AssetPath) -> Option<Vec<u8>> {
        self.get(path).cloned()
    }

    fn size(&self, path: &AssetPath) -> Option<u64> {
        self.get(path).map(|b| b.len() as u64)
    }
}

/// Importers by extension, with a fallback for unknown extensions.
#[derive(Clone, Default)]
pub struct ImporterRegistry {
    by_extension: HashMap<String, Arc<dyn Importer>>,
    fallback: Option<Arc<dyn Importer>>,
}

impl std::fmt::Debug for ImporterRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut exts: Vec<_> = self.by_extension.keys().collect();
        exts.sort();
        f.debug_struct("ImporterRegistry").field("extensions", &exts).finish_non_exhaustive()
    }
}

impl ImporterRegistry {
    /// An empty registry.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The registry with AMSP's built-in importers.
    #[must_use]
    pub fn with_defaults() -> Self {
        let mut registry = Self::new();
        let data = Arc::new(crate::importers::DataImporter);
        registry.register(Arc::clone(&data) as Arc<dyn Importer>);
        registry.set_fallback(data);
        registry
    }

    /// Registers `importer` for each of its extensions, replacing earlier ones.
    pub fn register(&mut self, importer: Arc<dyn Importer>) {
        for ext in importer.extensions() {
            self.by_extension.insert(ext.to_ascii_lowercase(), Arc::clone(&importer));
        }
    }

    /// Sets the importer for files no registered extension matches.
    pub fn set_fallback(&mut self, importer: Arc<dyn Importer>) {
        self.fallback = Some(importer);
    }

    /// The importer for `path`: by compound extension, then by extension,
    /// then the fallback.
    #[must_use]
    pub fn find(&self, path: &AssetPath) -> Option<&Arc<dyn Importer>> {
        let name = path.file_name().to_ascii_lowercase();
        let mut rest = name.as_str();
        // Try "a.b.c" → "b.c" → "c", skipping a leading dot of hidden names.
        while let Some((_, ext)) = rest.split_once('.') {
            if let Some(importer) = self.by_extension.get(ext) {
                return Some(importer);
            }
            rest = ext;
        }
        self.fallback.as_ref()
    }
}
