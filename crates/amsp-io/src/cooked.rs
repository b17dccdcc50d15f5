//! The cooked output of `amsp cook`: a catalog plus pack files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use amsp_catalog::{Catalog, CatalogError};
use amsp_core::{AssetId, AssetPath};
use amsp_pack::{PackReadError, PackReader};
use foldhash::fast::RandomState;

use crate::source::{AssetDescriptor, AssetSource, ReadError};

/// File name of the catalog inside a cooked output folder.
pub const CATALOG_FILE: &str = "catalog.db";

struct Located {
    desc: Arc<AssetDescriptor>,
    pack: usize,
    entry: usize,
}

/// An [`AssetSource`] over a cooked output folder (`catalog.db` and
/// `packs/*.amsp`).
///
/// Opening reads the whole catalog into an in-memory index (path → id,
/// id → descriptor and pack location) and opens every pack, validating its
/// header and table of contents; reads are positioned reads from the packs,
/// checked against each chunk's checksum before decompression. A pack that
/// fails to open does not fail the source: its assets fail with
/// [`ReadError::Corrupt`] naming the pack, and everything else loads.
pub struct CookedSource {
    name: String,
    // foldhash rather than SipHash: `resolve` runs on every `load` by path,
    // and the keys come from our own catalog, not from an adversary.
    by_path: HashMap<AssetPath, AssetId, RandomState>,
    assets: HashMap<AssetId, Located, RandomState>,
    packs: Vec<Result<PackReader, PackReadError>>,
    pack_names: Vec<String>,
    tags: HashMap<String, Vec<AssetId>, RandomState>,
}

impl std::fmt::Debug for CookedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CookedSource")
            .field("name", &self.name)
            .field("assets", &self.assets.len())
            .field("packs", &self.pack_names)
            .finish()
    }
}

/// Why a cooked output folder could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The catalog is missing, unreadable, or from a newer schema.
    #[error("{}: cannot open the cooked output: {source}", dir.display())]
    Catalog {
        /// The output folder.
        dir: PathBuf,
        /// The catalog's error.
        #[source]
        source: CatalogError,
    },
}

impl CookedSource {
    /// Opens the cooked output in `dir`.
    ///
    /// # Errors
    /// [`OpenError::Catalog`] when the catalog cannot be read.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, OpenError> {
        let dir = dir.as_ref();
        let catalog_err = |source| OpenError::Catalog { dir: dir.to_owned(), source };
        let catalog = Catalog::open_read_only(dir.join(CATALOG_FILE)).map_err(catalog_err)?;
        let records = catalog.all().map_err(catalog_err)?;
        let mut pack_names: Vec<String> =
            catalog.packs().map_err(catalog_err)?.into_iter().map(|p| p.name).collect();
        pack_names.sort();
        let packs: Vec<_> =
            pack_names.iter().map(|name| PackReader::open(dir.join(name))).collect();
        let pack_index: HashMap<&str, usize> =
            pack_names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();

        let mut by_path = HashMap::with_capacity_and_hasher(records.len(), RandomState::default());
        let mut assets = HashMap::with_capacity_and_hasher(records.len(), RandomState::default());
        let mut tags: HashMap<String, Vec<AssetId>, RandomState> = HashMap::default();
        for record in records {
            let Some(location) = &record.location else { continue };
            let pack = pack_index.get(location.pack.as_str()).copied().unwrap_or(usize::MAX);
            let desc = AssetDescriptor {
                id: record.id,
                path: record.path.clone(),
                asset_type: record.asset_type,
                version: record.version,
                content_hash: record.content_hash,
                dependencies: record.dependencies,
                chunk_count: record.chunk_count,
                raw_size: record.cooked_size,
                stored_size: record.stored_size,
            };
            for tag in record.tags {
                tags.entry(tag).or_default().push(record.id);
            }
            by_path.insert(record.path, record.id);
            assets.insert(
                record.id,
                Located { desc: Arc::new(desc), pack, entry: location.entry as usize },
            );
        }
        Ok(Self {
            name: format!("cooked output {}", dir.display()),
            by_path,
            assets,
            packs,
            pack_names,
            tags,
        })
    }

    /// Number of assets with a packed location.
    #[must_use]
    pub fn len(&self) -> usize {
        self.assets.len()
    }

    /// Whether there is no asset.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.assets.is_empty()
    }

    /// Every asset id, in no particular order.
    pub fn ids(&self) -> impl Iterator<Item = AssetId> + '_ {
        self.assets.keys().copied()
    }

    /// The pack reader and entry index holding `id`, after checking that the
    /// catalog and the pack agree on it.
    fn locate(&self, id: AssetId, chunk: u32) -> Result<(&PackReader, usize), ReadError> {
        let located = self.assets.get(&id).ok_or_else(|| ReadError::NotFound {
            id,
            chunk,
            source_name: self.name.clone(),
        })?;
        let name = self.pack_names.get(located.pack).map_or("<missing pack>", String::as_str);
        let corrupt = |detail: String| ReadError::Corrupt { id, location: name.to_owned(), detail };
        let reader = match self.packs.get(located.pack) {
            Some(Ok(reader)) => reader,
            Some(Err(e)) => return Err(corrupt(e.to_string())),
            None => return Err(corrupt("the catalog names a pack that it does not list".into())),
        };
        match reader.entries().get(located.entry) {
            Some(entry) if entry.id == id && entry.content_hash == located.desc.content_hash => {
                Ok((reader, located.entry))
            }
            Some(_) => Err(corrupt(format!(
                "entry {} does not hold this asset's content: catalog and pack disagree",
                located.entry
            ))),
            None => Err(corrupt(format!("entry {} is past the end of the pack", located.entry))),
        }
    }
}

impl AssetSource for CookedSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn resolve(&self, path: &AssetPath) -> Option<AssetId> {
        self.by_path.get(path).copied()
    }

    fn describe(&self, id: AssetId) -> Option<Arc<AssetDescriptor>> {
        self.assets.get(&id).map(|l| Arc::clone(&l.desc))
    }

    fn tagged(&self, tag: &str) -> Vec<AssetId> {
        self.tags.get(tag).cloned().unwrap_or_default()
    }

    fn chunk_size(&self, id: AssetId, chunk: u32) -> Option<u64> {
        let (reader, entry) = self.locate(id, chunk).ok()?;
        reader.chunks(entry).get(chunk as usize).map(|info| info.raw_len)
    }

    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError> {
        let (reader, entry) = self.locate(id, chunk)?;
        reader.read_chunk(entry, chunk, out).map_err(|e| pack_error(id, chunk, reader, e))
    }

    /// Adjacent chunks of a pack entry are read in one positioned read.
    fn read_chunks(
        &self,
        id: AssetId,
        chunks: std::ops::Range<u32>,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<(), ReadError> {
        let (reader, entry) = self.locate(id, chunks.start)?;
        let first = chunks.start;
        reader.read_chunks(entry, chunks, out).map_err(|e| {
            let chunk = first + u32::try_from(out.len()).unwrap_or(u32::MAX);
            pack_error(id, chunk, reader, e)
        })
    }
}

fn pack_error(id: AssetId, chunk: u32, reader: &PackReader, e: PackReadError) -> ReadError {
    let location = reader.path().display().to_string();
    match e {
        PackReadError::Io { source, .. } => ReadError::Io { id, location, source },
        PackReadError::NotFound { .. } => ReadError::NotFound { id, chunk, source_name: location },
        other => ReadError::Corrupt { id, location, detail: other.to_string() },
    }
}
