//! Development mode: source files served as assets straight through the
//! importers, without a cook step, and re-imported when they change.
//!
//! A [`DevSource`] is an [`AssetSource`] over a [`FileTree`] (a
//! [`FolderTree`] in development; a zip or embedded tree works too). When it
//! opens, it lists the tree, reads each file's `.meta` sidecar where there
//! is one, and imports every file in parallel through an
//! [`ImporterRegistry`], keeping descriptors and cooked chunks in memory, so
//! that [`resolve`](AssetSource::resolve) and
//! [`describe`](AssetSource::describe) answer from memory as the contract
//! asks. [`DevSource::refresh`] imports the files that changed again.
//!
//! - **Ids.** A file with a sidecar has the sidecar's id, as in a cook. A
//!   file without one has [`path_id`] of its path: stable while the file
//!   keeps its path; no sidecar is written (the tree may be read-only).
//!   Sub-assets are `path#label` with [`sub_asset_id`](crate::sub_asset_id),
//!   as in a cook. Two files with the same sidecar id: the first by path
//!   keeps it, the other fails with a message naming both.
//! - **Hidden files** (a path segment starting with `.`: `.git/`, editors'
//!   swap files) are skipped, as the cook skips them.
//! - **Memory**: every asset's cooked bytes are held in memory, as a
//!   development tree's are; a shipping build reads packs.
//! - **Dependencies** are resolved by path like the cook resolves them
//!   (sidecar dependencies, then those the importer found).
//! - **Failures.** A file that fails to import (bad bytes, no importer, a
//!   broken sidecar, a missing dependency) is still described, but every
//!   read of it fails with [`ReadError::Corrupt`] whose detail names the
//!   importer and the problem (`import failed (data importer): invalid
//!   UTF-8 …`), so the runtime load fails with that message and a reload
//!   after the fix succeeds. Its cooked type is its last good one, or
//!   [`FAILED_IMPORT_TYPE`].
//! - **Versions.** Each asset's descriptor version starts at 1 and
//!   increments each time what it serves changes (bytes, type,
//!   dependencies, or the failure). A re-import that gives the same content
//!   hash changes nothing and is not reported.
//! - **Deleted files** disappear: their assets no longer resolve or
//!   describe, so a runtime reload of them fails and the runtime keeps the
//!   loaded version; a file created again at the path (with the same
//!   sidecar, or none) comes back under the same id.
//!
//! Reads during a refresh see a consistent state: a refresh imports outside
//! the lock and then swaps all its results into the index at once.

mod import;
mod index;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use amsp_core::{AssetId, AssetPath};
use amsp_io::vfs::{FileTree, FolderTree, TreeError};
use amsp_io::{AssetDescriptor, AssetSource, ReadError, RefreshSource};
use parking_lot::{Mutex, RwLock};
use rayon::prelude::*;

use crate::importer::ImporterRegistry;

pub use import::path_id;
pub use index::FAILED_IMPORT_TYPE;

use import::{FileImport, Identity, identify, import_file, is_hidden, is_sidecar, read_retrying};
use index::{Body, Index};

/// Why a [`DevSource`] could not open.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum DevOpenError {
    /// The tree could not be opened or listed.
    #[error("development source: {0}")]
    Tree(#[from] TreeError),
}

/// Settings of a [`DevSource`].
#[derive(Debug, Clone, Default)]
pub struct DevOptions {
    /// Importer settings by lowercase file extension (without the dot),
    /// added to every file with that extension whose sidecar does not set
    /// them: development-only import choices that never reach a shipping
    /// cook.
    pub default_settings: BTreeMap<String, BTreeMap<String, ron::Value>>,
}

/// Image extensions the texture importer takes that
/// [`DevOptions::fast_textures`] applies to.
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "bmp", "tga", "gif"];

impl DevOptions {
    /// Adds the default `key: value` for files with extension `ext`.
    #[must_use]
    pub fn with_setting(mut self, ext: &str, key: &str, value: ron::Value) -> Self {
        self.default_settings
            .entry(ext.to_ascii_lowercase())
            .or_default()
            .insert(key.to_owned(), value);
        self
    }

    /// The development fast path for textures: image sources (PNG, JPEG,
    /// BMP, TGA, GIF) import as RGBA8 without block compression or
    /// supercompression (`encoding: "rgba8"`, `supercompression: "none"`),
    /// unless their sidecar says otherwise, and GPU-ready sources (KTX2,
    /// DDS) are passed through without supercompression. A 2048² PNG then
    /// re-imports in the time of its decode and mip chain instead of a BC7
    /// encode, and a KTX2 source in a few milliseconds; the runtime loads
    /// them like any cooked texture.
    #[must_use]
    pub fn fast_textures() -> Self {
        let passthrough = ["ktx2", "dds"].iter().fold(Self::default(), |options, ext| {
            options.with_setting(ext, "supercompression", ron::Value::String("none".into()))
        });
        IMAGE_EXTENSIONS.iter().fold(passthrough, |options, ext| {
            options.with_setting(ext, "encoding", ron::Value::String("rgba8".into())).with_setting(
                ext,
                "supercompression",
                ron::Value::String("none".into()),
            )
        })
    }
}

/// Counters of a [`DevSource`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DevStats {
    /// Source files served (sidecars not counted).
    pub files: usize,
    /// Assets served, sub-assets included.
    pub assets: usize,
    /// Files whose import fails now.
    pub failed: usize,
    /// Imports run since the source opened (at open and by refreshes).
    pub imports: u64,
    /// Refreshes run.
    pub refreshes: u64,
}

/// An [`AssetSource`] that imports source files as they are, with no cook
/// step (see the [module docs](self)).
pub struct DevSource {
    name: String,
    tree: Arc<dyn FileTree>,
    registry: ImporterRegistry,
    options: DevOptions,
    root: Option<PathBuf>,
    index: RwLock<Index>,
    /// One refresh at a time.
    refreshing: Mutex<()>,
    rejected: Vec<TreeError>,
    imports: AtomicU64,
    refreshes: AtomicU64,
}

impl std::fmt::Debug for DevSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevSource").field("name", &self.name).finish_non_exhaustive()
    }
}

impl DevSource {
    /// A source over the folder `root`, importing with `registry`; the
    /// folder is what a watcher watches ([`RefreshSource::watch_root`]).
    ///
    /// # Errors
    /// [`DevOpenError::Tree`] if the folder cannot be opened or listed.
    pub fn folder(
        root: impl AsRef<Path>,
        registry: ImporterRegistry,
    ) -> Result<Self, DevOpenError> {
        Self::folder_with(root, registry, DevOptions::default())
    }

    /// As [`folder`](Self::folder), with `options`.
    ///
    /// # Errors
    /// [`DevOpenError::Tree`] if the folder cannot be opened or listed.
    pub fn folder_with(
        root: impl AsRef<Path>,
        registry: ImporterRegistry,
        options: DevOptions,
    ) -> Result<Self, DevOpenError> {
        let tree = FolderTree::open(root)?;
        let real = tree.root().to_owned();
        let mut source = Self::open_with(Arc::new(tree), registry, options)?;
        source.root = Some(real);
        Ok(source)
    }

    /// A source over `tree`, importing every file now, in parallel.
    /// Entries the tree refuses (bad names, links out of it) are never
    /// served; [`rejected`](Self::rejected) lists them.
    ///
    /// # Errors
    /// [`DevOpenError::Tree`] if the tree cannot be listed.
    pub fn open(tree: Arc<dyn FileTree>, registry: ImporterRegistry) -> Result<Self, DevOpenError> {
        Self::open_with(tree, registry, DevOptions::default())
    }

    /// As [`open`](Self::open), with `options`.
    ///
    /// # Errors
    /// [`DevOpenError::Tree`] if the tree cannot be listed.
    pub fn open_with(
        tree: Arc<dyn FileTree>,
        registry: ImporterRegistry,
        options: DevOptions,
    ) -> Result<Self, DevOpenError> {
        let listing = tree.list()?;
        let source = Self {
            name: format!("dev {}", tree.name()),
            tree,
            registry,
            options,
            root: None,
            index: RwLock::new(Index::default()),
            refreshing: Mutex::new(()),
            rejected: listing.rejected,
            imports: AtomicU64::new(0),
            refreshes: AtomicU64::new(0),
        };
        let paths: Vec<AssetPath> = listing
            .files
            .into_iter()
            .map(|f| f.path)
            .filter(|p| !is_sidecar(p) && !is_hidden(p))
            .collect();
        let tree = &*source.tree;
        let mut identities: Vec<Identity> =
            paths.par_iter().map(|p| identify(tree, p, &source.options)).collect();
        let mut owners: HashMap<AssetId, AssetPath> = HashMap::new();
        for identity in &mut identities {
            claim_id(identity, &mut owners);
        }
        let imports =
            source.import_all(&identities, &owners.into_iter().map(|(k, v)| (v, k)).collect());
        let mut index = source.index.write();
        let mut changed = Vec::new();
        for import in imports {
            index.apply(import, &mut changed);
        }
        drop(index);
        Ok(source)
    }

    /// Imports `identities` in parallel against the paths of `by_path`.
    fn import_all(
        &self,
        identities: &[Identity],
        by_path: &HashMap<AssetPath, AssetId>,
    ) -> Vec<FileImport> {
        let tree = &*self.tree;
        self.imports.fetch_add(identities.len() as u64, Ordering::Relaxed);
        identities
            .par_iter()
            .map(|identity| {
                let bytes = read_retrying(tree, &identity.path);
                import_file(tree, &self.registry, identity, bytes, by_path)
            })
            .collect()
    }

    /// Imports the files at `changed` again (paths relative to the tree;
    /// a sidecar stands for its source, a folder for the files under it),
    /// with every file whose import read one of them, and every file whose
    /// import failed when a new file appears (it may be the dependency it
    /// missed). Returns the ids whose served content changed, deleted ones
    /// included, sorted.
    pub fn refresh(&self, changed: &[AssetPath]) -> Vec<AssetId> {
        let _one_at_a_time = self.refreshing.lock();
        self.refreshes.fetch_add(1, Ordering::Relaxed);
        let (targets, mut by_path) = self.targets(changed);
        let tree = &*self.tree;
        let reads: Vec<(AssetPath, Result<Vec<u8>, TreeError>)> =
            targets.into_par_iter().map(|t| (t.clone(), read_retrying(tree, &t))).collect();
        let mut gone = Vec::new();
        let mut present = Vec::new();
        for (path, bytes) in reads {
            match bytes {
                Err(
                    TreeError::NotFound { .. }
                    | TreeError::Escapes { .. }
                    | TreeError::BadName { .. }
                    | TreeError::NotCanonical { .. },
                ) => gone.push(path),
                bytes => present.push((path, bytes)),
            }
        }
        by_path.retain(|p, _| !gone.contains(&p.without_label()));
        let mut identities: Vec<(Identity, Result<Vec<u8>, TreeError>)> = present
            .into_par_iter()
            .map(|(p, bytes)| (identify(tree, &p, &self.options), bytes))
            .collect();
        {
            let index = self.index.read();
            let mut owners: HashMap<AssetId, AssetPath> = HashMap::new();
            for (identity, _) in &mut identities {
                if let Some(owner) = index.owner_of(identity.meta.id, &identity.path)
                    && !gone.contains(&owner)
                {
                    owners.insert(identity.meta.id, owner);
                }
                claim_id(identity, &mut owners);
                by_path.insert(identity.path.clone(), identity.meta.id);
            }
        }
        self.imports.fetch_add(identities.len() as u64, Ordering::Relaxed);
        let imports: Vec<FileImport> = identities
            .into_par_iter()
            .map(|(identity, bytes)| import_file(tree, &self.registry, &identity, bytes, &by_path))
            .collect();
        let mut out = Vec::new();
        let mut index = self.index.write();
        for path in &gone {
            index.remove_file(path, &mut out);
        }
        for import in imports {
            index.apply(import, &mut out);
        }
        drop(index);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The files a refresh of `changed` imports, and the id of every path
    /// known now.
    fn targets(&self, changed: &[AssetPath]) -> (BTreeSet<AssetPath>, HashMap<AssetPath, AssetId>) {
        let index = self.index.read();
        let mut targets = BTreeSet::new();
        for path in changed.iter().filter(|p| !is_hidden(p)) {
            let path = path.without_label();
            let path = import::sidecar_source(&path).unwrap_or(path);
            let folder = format!("{path}/");
            targets.extend(index.files.keys().filter(|k| k.as_str().starts_with(&folder)).cloned());
            targets.insert(path);
        }
        if targets.iter().any(|t| !index.files.contains_key(t)) {
            targets.extend(index.files.iter().filter(|(_, r)| r.failed).map(|(k, _)| k.clone()));
        }
        loop {
            let more: Vec<AssetPath> = index
                .files
                .iter()
                .filter(|(k, r)| {
                    !targets.contains(*k) && r.reads.iter().any(|d| targets.contains(d))
                })
                .map(|(k, _)| k.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            targets.extend(more);
        }
        (targets, index.by_path.clone())
    }

    /// Entries of the tree that are never served (bad names, links out of
    /// the tree), as found when the source opened.
    #[must_use]
    pub fn rejected(&self) -> &[TreeError] {
        &self.rejected
    }

    /// The files whose import fails now, with the message reads of them
    /// give.
    #[must_use]
    pub fn failures(&self) -> Vec<(AssetPath, String)> {
        let index = self.index.read();
        index
            .files
            .iter()
            .filter(|(_, r)| r.failed)
            .filter_map(|(path, r)| {
                let entry = index.assets.get(r.assets.first()?)?;
                match &entry.body {
                    Body::Failed(detail) => Some((path.clone(), detail.clone())),
                    Body::Chunks(_) => None,
                }
            })
            .collect()
    }

    /// The path of every asset served now (sub-assets included), sorted.
    #[must_use]
    pub fn paths(&self) -> Vec<AssetPath> {
        let mut paths: Vec<AssetPath> = self.index.read().by_path.keys().cloned().collect();
        paths.sort();
        paths
    }

    /// Counts of files, assets, failures, imports and refreshes.
    #[must_use]
    pub fn stats(&self) -> DevStats {
        let index = self.index.read();
        DevStats {
            files: index.files.len(),
            assets: index.assets.len(),
            failed: index.files.values().filter(|r| r.failed).count(),
            imports: self.imports.load(Ordering::Relaxed),
            refreshes: self.refreshes.load(Ordering::Relaxed),
        }
    }

    fn entry(&self, id: AssetId) -> Option<Arc<index::Entry>> {
        self.index.read().assets.get(&id).cloned()
    }

    fn not_found(&self, id: AssetId, chunk: u32) -> ReadError {
        ReadError::NotFound { id, chunk, source_name: self.name.clone() }
    }
}

/// Gives `identity` its sidecar id unless another file already has it; the
/// later one then fails, named, under its path id.
fn claim_id(identity: &mut Identity, owners: &mut HashMap<AssetId, AssetPath>) {
    let id = identity.meta.id;
    match owners.get(&id) {
        Some(owner) if *owner != identity.path => {
            identity.problem = Some(format!("id {id} is also used by {owner}"));
            identity.meta.id = path_id(&identity.path);
            owners.insert(identity.meta.id, identity.path.clone());
        }
        _ => {
            owners.insert(id, identity.path.clone());
        }
    }
}

impl AssetSource for DevSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn resolve(&self, path: &AssetPath) -> Option<AssetId> {
        self.index.read().by_path.get(path).copied()
    }

    fn describe(&self, id: AssetId) -> Option<Arc<AssetDescriptor>> {
        self.index.read().assets.get(&id).map(|e| Arc::clone(&e.desc))
    }

    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError> {
        let entry = self.entry(id).ok_or_else(|| self.not_found(id, chunk))?;
        match &entry.body {
            Body::Failed(detail) if chunk == 0 => Err(ReadError::Corrupt {
                id,
                location: format!("{}: {}", self.name, entry.desc.path),
                detail: detail.clone(),
            }),
            Body::Failed(_) => Err(self.not_found(id, chunk)),
            Body::Chunks(chunks) => {
                let bytes = chunks.get(chunk as usize).ok_or_else(|| self.not_found(id, chunk))?;
                out.clear();
                out.extend_from_slice(bytes);
                Ok(())
            }
        }
    }

    fn chunk_size(&self, id: AssetId, chunk: u32) -> Option<u64> {
        match &self.entry(id)?.body {
            Body::Chunks(chunks) => chunks.get(chunk as usize).map(|c| c.len() as u64),
            Body::Failed(_) => None,
        }
    }
}

impl RefreshSource for DevSource {
    fn watch_root(&self) -> Option<PathBuf> {
        self.root.clone()
    }

    fn refresh(&self, changed: &[AssetPath]) -> Vec<AssetId> {
        DevSource::refresh(self, changed)
    }
}
