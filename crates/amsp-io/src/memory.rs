//! Assets held in memory.

use std::collections::HashMap;
use std::sync::Arc;

use amsp_core::{AssetId, AssetPath, ContentHash};
use foldhash::fast::RandomState;

use crate::source::{AssetDescriptor, AssetSource, ReadError};

/// An asset's descriptor and chunks.
type Stored = (Arc<AssetDescriptor>, Vec<Vec<u8>>);

/// An [`AssetSource`] over assets held in memory: bytes embedded in the
/// binary, or assets built by a test.
///
/// Chunks are stored uncompressed; the content hash in each descriptor is
/// left zero (nothing here can be corrupted by storage).
#[derive(Debug, Default)]
pub struct MemorySource {
    name: String,
    // foldhash rather than SipHash: `resolve` runs on every `load` by path,
    // and the keys come from our own catalog, not from an adversary.
    by_path: HashMap<AssetPath, AssetId, RandomState>,
    assets: HashMap<AssetId, Stored, RandomState>,
}

impl MemorySource {
    /// An empty source called `name`.
    #[must_use]
    pub fn new(name: &str) -> Self {
        Self { name: name.to_owned(), ..Self::default() }
    }

    /// Adds (or replaces) an asset made of `chunks`.
    pub fn insert(
        &mut self,
        id: AssetId,
        path: AssetPath,
        asset_type: &str,
        chunks: Vec<Vec<u8>>,
        dependencies: Vec<AssetId>,
    ) {
        let raw_size = chunks.iter().map(|c| c.len() as u64).sum();
        let version = self.assets.get(&id).map_or(1, |(d, _)| d.version + 1);
        let desc = AssetDescriptor {
            id,
            path: path.clone(),
            asset_type: asset_type.to_owned(),
            version,
            content_hash: ContentHash::default(),
            dependencies,
            chunk_count: u32::try_from(chunks.len()).unwrap_or(u32::MAX),
            raw_size,
            stored_size: raw_size,
        };
        self.by_path.insert(path, id);
        self.assets.insert(id, (Arc::new(desc), chunks));
    }

    /// Number of assets.
    #[must_use]
    pub fn len(&self) -> usize {
        self.assets.len()
    }

    /// Whether the source holds no asset.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.assets.is_empty()
    }
}

impl AssetSource for MemorySource {
    fn name(&self) -> &str {
        &self.name
    }

    fn resolve(&self, path: &AssetPath) -> Option<AssetId> {
        self.by_path.get(path).copied()
    }

    fn describe(&self, id: AssetId) -> Option<Arc<AssetDescriptor>> {
        self.assets.get(&id).map(|(d, _)| Arc::clone(d))
    }

    fn chunk_size(&self, id: AssetId, chunk: u32) -> Option<u64> {
        let (_, chunks) = self.assets.get(&id)?;
        chunks.get(chunk as usize).map(|data| data.len() as u64)
    }

    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError> {
        let data = self
            .assets
            .get(&id)
            .and_then(|(_, chunks)| chunks.get(chunk as usize))
            .ok_or_else(|| ReadError::NotFound { id, chunk, source_name: self.name.clone() })?;
        out.clear();
        out.extend_from_slice(data);
        Ok(())
    }
}
