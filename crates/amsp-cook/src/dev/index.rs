//! The in-memory index a development source serves from: descriptors and
//! cooked bytes by id, ids by path, and what each source file produced.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use amsp_core::{AssetId, AssetPath, ContentHash};
use amsp_io::AssetDescriptor;

use super::import::{FileImport, Served};

/// The cooked type of an asset whose first import failed (a loader is then
/// chosen by the path's extension, or a wildcard loader); an asset that
/// imported before and fails now keeps its last cooked type.
pub const FAILED_IMPORT_TYPE: &str = "import-failed";

/// What reads of one asset return.
pub(super) enum Body {
    /// The cooked chunks.
    Chunks(Vec<Vec<u8>>),
    /// The import failed: the message names the file and importer.
    Failed(String),
}

/// One served asset.
pub(super) struct Entry {
    pub desc: Arc<AssetDescriptor>,
    pub body: Body,
}

/// What one source file produced.
pub(super) struct FileRecord {
    /// Its assets, its own first.
    pub assets: Vec<AssetId>,
    /// Sources whose content or presence its import depends on.
    pub reads: Vec<AssetPath>,
    /// Whether its own asset failed to import.
    pub failed: bool,
}

/// Descriptors and bytes by id, ids by path, files by path.
#[derive(Default)]
pub(super) struct Index {
    pub by_path: HashMap<AssetPath, AssetId>,
    pub assets: HashMap<AssetId, Arc<Entry>>,
    pub files: BTreeMap<AssetPath, FileRecord>,
}

impl Index {
    /// Replaces what the file `import.path` produced with `import`; pushes
    /// to `changed` the ids whose served content changed (or that are gone).
    pub fn apply(&mut self, import: FileImport, changed: &mut Vec<AssetId>) {
        let failed = import.is_failed();
        let old = self.files.remove(&import.path);
        let new_ids: Vec<AssetId> = import.assets.iter().map(|(id, _, _)| *id).collect();
        if let Some(old) = &old {
            for id in old.assets.iter().filter(|id| !new_ids.contains(id)) {
                self.remove_asset(*id, changed);
            }
        }
        for (id, path, served) in import.assets {
            let previous = self.assets.get(&id).cloned();
            let entry = entry_for(id, path.clone(), served, previous.as_deref());
            let same = previous.as_deref().is_some_and(|p| same_content(p, &entry));
            if same {
                continue;
            }
            changed.push(id);
            if let Some(previous) = &previous
                && previous.desc.path != path
                && self.by_path.get(&previous.desc.path) == Some(&id)
            {
                self.by_path.remove(&previous.desc.path);
            }
            self.by_path.insert(path, id);
            self.assets.insert(id, Arc::new(entry));
        }
        self.files.insert(import.path, FileRecord { assets: new_ids, reads: import.reads, failed });
    }

    /// Removes the file at `path` and its assets.
    pub fn remove_file(&mut self, path: &AssetPath, changed: &mut Vec<AssetId>) {
        if let Some(record) = self.files.remove(path) {
            for id in record.assets {
                self.remove_asset(id, changed);
            }
        }
    }

    fn remove_asset(&mut self, id: AssetId, changed: &mut Vec<AssetId>) {
        if let Some(entry) = self.assets.remove(&id) {
            if self.by_path.get(&entry.desc.path) == Some(&id) {
                self.by_path.remove(&entry.desc.path);
            }
            changed.push(id);
        }
    }

    /// The file (other than `path`) that serves the asset `id`.
    pub fn owner_of(&self, id: AssetId, path: &AssetPath) -> Option<AssetPath> {
        let owner = self.assets.get(&id)?.desc.path.without_label();
        (owner != *path && self.files.contains_key(&owner)).then_some(owner)
    }
}

/// Whether two entries serve the same thing (same bytes, type,
/// dependencies, or the same failure).
fn same_content(a: &Entry, b: &Entry) -> bool {
    a.desc.content_hash == b.desc.content_hash
        && a.desc.asset_type == b.desc.asset_type
        && a.desc.dependencies == b.desc.dependencies
        && a.desc.path == b.desc.path
        && matches!(
            (&a.body, &b.body),
            (Body::Chunks(_), Body::Chunks(_)) | (Body::Failed(_), Body::Failed(_))
        )
}

/// The entry serving `served`; its version follows `previous`'s.
fn entry_for(id: AssetId, path: AssetPath, served: Served, previous: Option<&Entry>) -> Entry {
    let (asset_type, body, dependencies, content_hash) = match served {
        Served::Ok { asset_type, chunks, dependencies } => {
            let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
            let hash = amsp_pack::content_hash(&refs);
            (asset_type, Body::Chunks(chunks), dependencies, hash)
        }
        Served::Failed { detail } => {
            let mut hasher = blake3::Hasher::new();
            hasher.update(b"amsp-dev-failed/1\0");
            hasher.update(detail.as_bytes());
            let hash = ContentHash(*hasher.finalize().as_bytes());
            let asset_type = previous
                .map_or_else(|| FAILED_IMPORT_TYPE.to_owned(), |p| p.desc.asset_type.clone());
            (asset_type, Body::Failed(detail), Vec::new(), hash)
        }
    };
    let (chunk_count, raw_size) = match &body {
        Body::Chunks(chunks) => (
            u32::try_from(chunks.len()).unwrap_or(u32::MAX),
            chunks.iter().map(|c| c.len() as u64).sum(),
        ),
        Body::Failed(_) => (1, 0),
    };
    let version = previous.map_or(1, |p| p.desc.version + 1);
    let desc = AssetDescriptor {
        id,
        path,
        asset_type,
        version,
        content_hash,
        dependencies,
        chunk_count,
        raw_size,
        stored_size: raw_size,
    };
    Entry { desc: Arc::new(desc), body }
}
