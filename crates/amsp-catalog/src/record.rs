//! The rows of a catalog as Rust values.

use amsp_core::{AssetId, AssetPath, Codec, ContentHash};
use serde::{Deserialize, Serialize};

/// Everything the catalog knows about one cooked asset.
///
/// The [`id`](Self::id) is the key: writing a record with the same id
/// replaces the stored one, its dependencies, tags and LOD variants included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetRecord {
    /// The stable identity of the asset (from its `.meta` sidecar).
    pub id: AssetId,
    /// The source path relative to the asset tree; unique in a catalog.
    pub path: AssetPath,
    /// The asset type (`texture`, `mesh`, `audio`, `data`, …).
    pub asset_type: String,
    /// Bumped by the cook each time the cooked bytes change.
    pub version: u64,
    /// Hash of the cooked bytes (all chunks, uncompressed, in order).
    pub content_hash: ContentHash,
    /// The cook key: hash of the source bytes, the import settings and the
    /// importer version (and of the dependencies' content hashes). A cook
    /// whose key matches can skip the asset.
    pub source_hash: ContentHash,
    /// Importer name and version, e.g. `data@1`.
    pub importer: String,
    /// Size of the source file in bytes.
    pub source_size: u64,
    /// Size of the cooked bytes, uncompressed.
    pub cooked_size: u64,
    /// Size of the stored (compressed) bytes in the pack.
    pub stored_size: u64,
    /// How the stored bytes are compressed.
    pub codec: Codec,
    /// Where the cooked bytes are stored; `None` when the asset is not packed.
    pub location: Option<Location>,
    /// Number of chunks the cooked bytes are split into.
    pub chunk_count: u32,
    /// Direct dependencies, in declaration order. A dependency need not be in
    /// the catalog (yet).
    pub dependencies: Vec<AssetId>,
    /// Tags, sorted and deduplicated. [`crate::CatalogTransaction::upsert_asset`]
    /// stores them that way whatever order they are given in.
    pub tags: Vec<String>,
    /// Level-of-detail variants, in the order given (usually finest first).
    pub lods: Vec<LodVariant>,
    /// Type-specific metadata (dimensions, formats, …); `Null` when none.
    pub metadata: serde_json::Value,
}

impl AssetRecord {
    /// A record with the given identity and type, version 0, zero hashes and
    /// sizes, no location, dependencies, tags or LODs, and `Null` metadata.
    ///
    /// Fill in the remaining public fields before storing it.
    #[must_use]
    pub fn new(id: AssetId, path: AssetPath, asset_type: impl Into<String>) -> Self {
        Self {
            id,
            path,
            asset_type: asset_type.into(),
            version: 0,
            content_hash: ContentHash::default(),
            source_hash: ContentHash::default(),
            importer: String::new(),
            source_size: 0,
            cooked_size: 0,
            stored_size: 0,
            codec: Codec::None,
            location: None,
            chunk_count: 0,
            dependencies: Vec::new(),
            tags: Vec::new(),
            lods: Vec::new(),
            metadata: serde_json::Value::Null,
        }
    }

    /// Whether `tag` is one of the record's tags.
    #[must_use]
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

/// Where an asset's cooked bytes are stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Location {
    /// The pack file name relative to the output directory, e.g.
    /// `packs/pack-000001.amsp`. It must name a [`PackRecord`] of the same
    /// catalog when the writing transaction commits.
    pub pack: String,
    /// The entry index inside the pack's table of contents.
    pub entry: u32,
}

/// One level-of-detail variant of an asset (a mesh LOD, a texture mip range).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LodVariant {
    /// The level, 0 being the finest.
    pub level: u32,
    /// The chunk of the asset's pack entry that holds this level.
    pub chunk: u32,
    /// The screen-space error of this level (what streaming compares against
    /// the projected size). Must not be NaN.
    pub screen_error: f32,
    /// Triangle count (0 for non-meshes).
    pub triangles: u64,
    /// Size of the level's cooked bytes.
    pub bytes: u64,
}

/// A pack file of the cooked output.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PackRecord {
    /// The file name relative to the output directory, e.g.
    /// `packs/pack-000001.amsp`; the key [`Location::pack`] refers to.
    pub name: String,
    /// The pack's UUID as hex, as written in its header.
    pub uuid: String,
    /// The length of the pack file in bytes.
    pub file_len: u64,
    /// Number of entries in the pack's table of contents.
    pub entry_count: u32,
}
