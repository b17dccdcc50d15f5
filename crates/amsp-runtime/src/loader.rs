//! Loaders: the `AssetLoader` trait, its input and context, and the registry
//! that picks a loader for each request.
//!
//! A loader is registered for one Rust type (`AssetLoader::Asset`) and a set
//! of cooked type names and extensions. For `load::<T>` of an asset, the
//! registry takes the loader registered for `T` and the asset's cooked type
//! name; failing that, for `T` and the path's extension (the full extension
//! such as `prefab.ron` first, then the last one); failing that, a loader of
//! `T` registered for every type (`"*"`, as the built-in [`Blob`] loader is).
//! The most recently registered loader wins, so a host can replace a built-in.
//!
//! [`Blob`]: crate::Blob

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use amsp_core::{AssetId, AssetPath, Priority};
use amsp_io::{AssetDescriptor, AssetSource, ReadError};

use crate::asset::Asset;
use crate::error::{AssetName, LoadError};
use crate::handle::{AssetRef, Handle};
use crate::sched::budget::{StageLink, Taken};
use crate::server::Inner;
use crate::server::deps;
use crate::server::memory::Tracker;
use crate::server::worker::panic_message;
use crate::slot::{ErasedSlot, LEVEL_FULL, Slot};

/// Turns cooked bytes into an asset of one Rust type.
///
/// # Note for implementors
/// `load` runs on a worker thread and may take its time, but it must not
/// block on other assets: declare them with
/// [`LoadContext::load_dependency`] and keep the returned handles in the
/// asset; the server makes the asset `Loaded` only once they all are. Any
/// byte sequence must give `Ok` or a [`LoadError`] (use
/// [`LoadContext::parse_error`]), never a panic (a panic is caught and
/// reported as [`LoadError::LoaderPanicked`]).
pub trait AssetLoader: Send + Sync + 'static {
    /// The asset type this loader makes.
    type Asset: Asset;

    /// Cooked type names (the descriptor's `asset_type`) this loader handles;
    /// `"*"` means every type.
    fn asset_types(&self) -> &[&str];

    /// Path extensions (lowercase, without the dot) this loader handles when
    /// no loader matches the cooked type name.
    fn extensions(&self) -> &[&str] {
        &[]
    }

    /// How many of the asset's first chunks this loader reads, in order,
    /// before any other: the server's I/O stage reads up to that many ahead
    /// of the loader (as far as they fit its read-ahead limit and byte
    /// budget), and `read_chunk` hands them over without another read. The
    /// default, 1, is the first chunk (a header, a coarsest LOD, or the
    /// whole of a one-chunk asset); a loader that reads every chunk returns
    /// `u32::MAX`. A chunk read ahead that the loader never asks for is
    /// wasted I/O, so a loader that reads only some chunks (a mip tail, a
    /// streamed clip's header) must not claim more.
    ///
    /// `level` is the level of detail requested
    /// ([`AssetServer::load_level`](crate::AssetServer::load_level)), `None`
    /// for the whole asset. A level request that extends a level already
    /// loaded reads nothing ahead (the loader reads what it lacks).
    fn read_ahead(&self, descriptor: &AssetDescriptor, level: Option<u8>) -> u32 {
        let _ = (descriptor, level);
        1
    }

    /// Makes the asset.
    ///
    /// # Errors
    /// A [`LoadError`] naming the asset, typically [`LoadError::Parse`].
    fn load(&self, input: LoadInput, ctx: &mut LoadContext<'_>) -> Result<Self::Asset, LoadError>;
}

/// The bytes of one asset, as a loader receives them: read on demand, chunk
/// by chunk, so that a loader reads only what it needs (a texture's mip
/// tail, a mesh's coarse LODs) and can decode each chunk straight into its
/// final buffer.
///
/// Inside the server, the first chunks were usually read ahead by the I/O
/// stage: `read_chunk` hands those over without another read. While the
/// loader runs, a read of an asset that nobody wants any more returns
/// [`LoadError::Cancelled`]: return it, and the server ends the load as
/// cancelled (not failed).
pub struct LoadInput {
    descriptor: Arc<AssetDescriptor>,
    name: AssetName,
    backing: Backing,
    /// The chunks read ahead and the cancellation check (server loads).
    link: Option<Arc<StageLink>>,
    /// Where the bytes read from the source are counted, and the lane
    /// they come from (server loads).
    meter: Option<(Arc<crate::server::timing::Timings>, u32)>,
}

enum Backing {
    Source(Arc<dyn AssetSource>),
    Chunks(Vec<Vec<u8>>),
}

impl fmt::Debug for LoadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backing = match &self.backing {
            Backing::Source(source) => source.name().to_owned(),
            Backing::Chunks(chunks) => format!("{} chunks in memory", chunks.len()),
        };
        f.debug_struct("LoadInput")
            .field("asset", &self.name)
            .field("chunks", &self.descriptor.chunk_count)
            .field("backing", &backing)
            .finish()
    }
}

impl LoadInput {
    /// Input that reads the chunks of the asset `descriptor` describes from
    /// `source` when the loader asks for them.
    #[must_use]
    pub fn from_source(descriptor: Arc<AssetDescriptor>, source: Arc<dyn AssetSource>) -> Self {
        let name = AssetName::new(descriptor.id, Some(descriptor.path.clone()));
        Self { descriptor, name, backing: Backing::Source(source), link: None, meter: None }
    }

    /// Input for the server's decode stage: chunks read ahead are served
    /// from `link`, the rest from `source`; bytes read are counted in
    /// `meter` (the server's timings, and the request's I/O lane).
    pub(crate) fn staged(
        descriptor: Arc<AssetDescriptor>,
        source: Arc<dyn AssetSource>,
        link: Arc<StageLink>,
        meter: (Arc<crate::server::timing::Timings>, u32),
    ) -> Self {
        let name = AssetName::new(descriptor.id, Some(descriptor.path.clone()));
        Self {
            descriptor,
            name,
            backing: Backing::Source(source),
            link: Some(link),
            meter: Some(meter),
        }
    }

    /// Input made of a descriptor and its chunks, already in memory
    /// (verified, decompressed): for tests and for hosts that hand a loader
    /// bytes they got elsewhere.
    #[must_use]
    pub fn new(descriptor: Arc<AssetDescriptor>, chunks: Vec<Vec<u8>>) -> Self {
        let name = AssetName::new(descriptor.id, Some(descriptor.path.clone()));
        Self { descriptor, name, backing: Backing::Chunks(chunks), link: None, meter: None }
    }

    /// What the source knows of the asset.
    #[must_use]
    pub fn descriptor(&self) -> &Arc<AssetDescriptor> {
        &self.descriptor
    }

    /// Number of chunks the asset has.
    #[must_use]
    pub fn chunk_count(&self) -> u32 {
        match &self.backing {
            Backing::Source(_) => self.descriptor.chunk_count,
            Backing::Chunks(chunks) => u32::try_from(chunks.len()).unwrap_or(u32::MAX),
        }
    }

    /// Reads chunk `chunk` (verified, decompressed), replacing the contents
    /// of `out`; `out`'s allocation is reused.
    ///
    /// # Errors
    /// [`LoadError::NotFound`] for a chunk the asset does not have,
    /// [`LoadError::Io`] or [`LoadError::Corrupt`] when the source fails,
    /// [`LoadError::Cancelled`] when the server's load of the asset was
    /// cancelled (nobody wants it any more).
    pub fn read_chunk(&self, chunk: u32, out: &mut Vec<u8>) -> Result<(), LoadError> {
        if let Some(link) = &self.link {
            match link.take(chunk) {
                Taken::Bytes(bytes) => {
                    *out = bytes;
                    return Ok(());
                }
                Taken::Cancelled => return Err(LoadError::Cancelled { asset: self.name.clone() }),
                Taken::Failed(err) => return Err(LoadError::from_read(self.name.clone(), err)),
                Taken::Absent => {}
            }
        }
        match &self.backing {
            Backing::Source(source) => {
                self.guarded(source, |source| source.read_chunk(self.descriptor.id, chunk, out))?;
                self.count(out.len());
                Ok(())
            }
            Backing::Chunks(chunks) => {
                let bytes = chunks.get(chunk as usize).ok_or_else(|| LoadError::NotFound {
                    asset: self.name.clone(),
                    source_name: format!("chunk {chunk} of {}", chunks.len()),
                })?;
                out.clear();
                out.extend_from_slice(bytes);
                Ok(())
            }
        }
    }

    /// Counts `bytes` read from the source (server loads).
    fn count(&self, bytes: usize) {
        if let Some((timings, lane)) = &self.meter {
            timings.read(*lane, bytes);
        }
    }

    /// Runs a read on `source`; a panicking source fails this load as an
    /// I/O error that names the source, not as a loader panic.
    fn guarded<T>(
        &self,
        source: &Arc<dyn AssetSource>,
        read: impl FnOnce(&dyn AssetSource) -> Result<T, ReadError>,
    ) -> Result<T, LoadError> {
        match catch_unwind(AssertUnwindSafe(|| read(source.as_ref()))) {
            Ok(result) => result.map_err(|err| LoadError::from_read(self.name.clone(), err)),
            Err(panic) => Err(LoadError::Io {
                asset: self.name.clone(),
                location: source.name().to_owned(),
                source: Arc::new(io::Error::other(format!(
                    "the source panicked: {}",
                    panic_message(panic.as_ref())
                ))),
            }),
        }
    }

    /// Reads every chunk, in order.
    ///
    /// # Errors
    /// As [`read_chunk`](Self::read_chunk).
    pub fn read_chunks(self) -> Result<Vec<Vec<u8>>, LoadError> {
        match self.backing {
            Backing::Chunks(chunks) => Ok(chunks),
            Backing::Source(_) => {
                let count = self.chunk_count();
                let mut chunks = Vec::with_capacity((count as usize).min(MAX_CHUNK_RESERVE));
                for chunk in 0..count {
                    let mut bytes = Vec::new();
                    self.read_chunk(chunk, &mut bytes)?;
                    chunks.push(bytes);
                }
                Ok(chunks)
            }
        }
    }

    /// Every chunk concatenated in order; a single chunk is read straight
    /// into the result.
    ///
    /// # Errors
    /// As [`read_chunk`](Self::read_chunk).
    pub fn read_all(self) -> Result<Vec<u8>, LoadError> {
        match self.backing {
            Backing::Chunks(mut chunks) => {
                if chunks.len() == 1 {
                    return Ok(chunks.pop().unwrap_or_default());
                }
                Ok(chunks.concat())
            }
            Backing::Source(_) if self.link.as_ref().is_some_and(|l| l.is_active()) => {
                // Through `read_chunk`, for the chunks read ahead and the
                // cancellation check.
                let count = self.chunk_count();
                if count == 1 {
                    let mut out = Vec::new();
                    self.read_chunk(0, &mut out)?;
                    return Ok(out);
                }
                let size = usize::try_from(self.descriptor.raw_size).unwrap_or(0);
                let mut out = Vec::with_capacity(size.min(MAX_ALL_RESERVE));
                let mut bytes = Vec::new();
                for chunk in 0..count {
                    self.read_chunk(chunk, &mut bytes)?;
                    out.extend_from_slice(&bytes);
                }
                Ok(out)
            }
            Backing::Source(ref source) => {
                let all = self.guarded(source, |source| source.read_all(self.descriptor.id))?;
                self.count(all.len());
                Ok(all)
            }
        }
    }
}

/// Chunks reserved up front at most, whatever the descriptor says.
const MAX_CHUNK_RESERVE: usize = 256;

/// Bytes reserved up front at most for `read_all`, whatever the descriptor
/// says (the vector grows past it as chunks arrive).
const MAX_ALL_RESERVE: usize = 64 << 20;

/// What a loader may ask of the server while it loads one asset.
pub struct LoadContext<'a> {
    inner: &'a Inner,
    slot: &'a Arc<dyn ErasedSlot>,
    descriptor: &'a Arc<AssetDescriptor>,
    priority: Priority,
    cycle: Option<LoadError>,
}

impl<'a> LoadContext<'a> {
    pub(crate) fn new(
        inner: &'a Inner,
        slot: &'a Arc<dyn ErasedSlot>,
        descriptor: &'a Arc<AssetDescriptor>,
        priority: Priority,
    ) -> Self {
        Self { inner, slot, descriptor, priority, cycle: None }
    }

    /// The id of the asset being loaded.
    #[must_use]
    pub fn id(&self) -> AssetId {
        self.descriptor.id
    }

    /// The path of the asset being loaded.
    #[must_use]
    pub fn path(&self) -> &AssetPath {
        &self.descriptor.path
    }

    /// The descriptor of the asset being loaded.
    #[must_use]
    pub fn descriptor(&self) -> &AssetDescriptor {
        self.descriptor
    }

    /// The priority of the request now (it may have been raised since the
    /// load began); dependencies inherit it.
    #[must_use]
    pub fn priority(&self) -> Priority {
        self.priority.max(self.slot.core().priority())
    }

    /// The level of detail requested
    /// ([`AssetServer::load_level`](crate::AssetServer::load_level)): load
    /// this level and every coarser one. `None`: the whole asset, as the
    /// loader is configured.
    #[must_use]
    pub fn level(&self) -> Option<u8> {
        self.slot.core().level()
    }

    /// The other levels of this asset that are loaded as a `T` now (the
    /// whole asset as `None`), from the same cooked content as this load,
    /// with their values: a level load extends or trims one of them instead
    /// of reading every chunk again. The request being loaded is not among
    /// them.
    #[must_use]
    pub fn loaded_levels<T: Asset>(&self) -> Vec<(Option<u8>, Arc<T>)> {
        let core = self.slot.core();
        if core.type_id != TypeId::of::<T>() {
            return Vec::new();
        }
        let mut found = Vec::new();
        for (level, slot) in self.inner.other_levels_loaded(core, self.descriptor.content_hash) {
            if let Ok(slot) = slot.into_any().downcast::<Slot<T>>()
                && let Some(value) = slot.get()
            {
                found.push(((level != LEVEL_FULL).then_some(level), value));
            }
        }
        found
    }

    /// The asset's path and id, as used in messages.
    #[must_use]
    pub fn asset_name(&self) -> AssetName {
        AssetName::new(self.descriptor.id, Some(self.descriptor.path.clone()))
    }

    /// A [`LoadError::Parse`] naming this asset.
    #[must_use]
    pub fn parse_error(&self, message: impl fmt::Display) -> LoadError {
        LoadError::Parse { asset: self.asset_name(), message: message.to_string() }
    }

    /// Requests `asset` as a dependency of the asset being loaded and returns
    /// its handle (keep it in the asset you build).
    ///
    /// The dependency is requested with this asset's priority, and this asset
    /// becomes `Loaded` only once the dependency is; if the dependency fails,
    /// this asset fails with [`LoadError::DependencyFailed`]. A dependency
    /// that leads back to this asset fails it with [`LoadError::Cycle`].
    pub fn load_dependency<'r, U: Asset>(&mut self, asset: impl Into<AssetRef<'r>>) -> Handle<U> {
        let since = Some(self.slot.core().since());
        let handle = self.inner.load_typed_since::<U>(asset.into(), self.priority(), since);
        if let Err(err) = deps::declare(self.inner, self.slot, handle.erased()) {
            self.cycle.get_or_insert(err);
        }
        handle
    }

    /// The cycle found while declaring dependencies, if any.
    pub(crate) fn take_cycle(&mut self) -> Option<LoadError> {
        self.cycle.take()
    }
}

/// A loader with its asset type erased: what the registry stores.
pub(crate) trait ErasedLoader: Send + Sync + 'static {
    /// Runs the loader; the output is a boxed `Self::Asset`, downcast once
    /// by the slot.
    fn load(
        &self,
        input: LoadInput,
        ctx: &mut LoadContext<'_>,
    ) -> Result<Box<dyn Any + Send + Sync>, LoadError>;

    /// [`AssetLoader::read_ahead`].
    fn read_ahead(&self, descriptor: &AssetDescriptor, level: Option<u8>) -> u32;

    /// [`Asset::TYPE_NAME`] of the output.
    fn output_name(&self) -> &'static str;

    /// A new queued slot of the output type (for catalog dependencies, which
    /// load as the default type of their cooked type).
    fn new_slot(
        &self,
        id: AssetId,
        priority: Priority,
        tracker: Arc<Tracker>,
    ) -> Arc<dyn ErasedSlot>;

    /// `TypeId` of the output.
    fn output_type(&self) -> TypeId;
}

struct Erased<L>(L);

impl<L: AssetLoader> ErasedLoader for Erased<L> {
    fn load(
        &self,
        input: LoadInput,
        ctx: &mut LoadContext<'_>,
    ) -> Result<Box<dyn Any + Send + Sync>, LoadError> {
        self.0.load(input, ctx).map(|asset| Box::new(asset) as Box<dyn Any + Send + Sync>)
    }

    fn read_ahead(&self, descriptor: &AssetDescriptor, level: Option<u8>) -> u32 {
        self.0.read_ahead(descriptor, level)
    }

    fn output_name(&self) -> &'static str {
        L::Asset::TYPE_NAME
    }

    fn new_slot(
        &self,
        id: AssetId,
        priority: Priority,
        tracker: Arc<Tracker>,
    ) -> Arc<dyn ErasedSlot> {
        Slot::<L::Asset>::new_queued(id, LEVEL_FULL, None, priority, tracker)
    }

    fn output_type(&self) -> TypeId {
        TypeId::of::<L::Asset>()
    }
}

#[derive(Default)]
struct TypeLoaders {
    by_type: HashMap<String, Arc<dyn ErasedLoader>>,
    by_ext: HashMap<String, Arc<dyn ErasedLoader>>,
    wildcard: Option<Arc<dyn ErasedLoader>>,
}

/// Loaders by Rust type, cooked type name and extension.
#[derive(Default)]
pub(crate) struct LoaderRegistry {
    per_type: HashMap<TypeId, TypeLoaders>,
    /// Default loader of each cooked type (catalog dependencies load as it).
    defaults: HashMap<String, Arc<dyn ErasedLoader>>,
    default_wildcard: Option<Arc<dyn ErasedLoader>>,
    /// Rust type names that can load a cooked type / an extension.
    names_by_type: HashMap<String, Vec<&'static str>>,
    names_by_ext: HashMap<String, Vec<&'static str>>,
    wildcard_names: Vec<&'static str>,
}

impl LoaderRegistry {
    pub fn register<L: AssetLoader>(&mut self, loader: L) {
        let types: Vec<String> = loader.asset_types().iter().map(|t| (*t).to_owned()).collect();
        let exts: Vec<String> =
            loader.extensions().iter().map(|e| e.trim_start_matches('.').to_lowercase()).collect();
        let erased: Arc<dyn ErasedLoader> = Arc::new(Erased(loader));
        let name = erased.output_name();
        let entry = self.per_type.entry(TypeId::of::<L::Asset>()).or_default();
        for ty in types {
            if ty == "*" {
                entry.wildcard = Some(Arc::clone(&erased));
                self.default_wildcard = Some(Arc::clone(&erased));
                push_unique(&mut self.wildcard_names, name);
            } else {
                entry.by_type.insert(ty.clone(), Arc::clone(&erased));
                self.defaults.insert(ty.clone(), Arc::clone(&erased));
                push_unique(self.names_by_type.entry(ty).or_default(), name);
            }
        }
        for ext in exts {
            entry.by_ext.insert(ext.clone(), Arc::clone(&erased));
            push_unique(self.names_by_ext.entry(ext).or_default(), name);
        }
    }

    /// The loader for `load::<T>` of the asset `desc`.
    pub fn find(
        &self,
        type_id: TypeId,
        requested: &'static str,
        desc: &AssetDescriptor,
    ) -> Result<Arc<dyn ErasedLoader>, LoadError> {
        let exts: Vec<String> =
            [desc.path.full_extension(), desc.path.extension()].into_iter().flatten().collect();
        if let Some(loaders) = self.per_type.get(&type_id) {
            let found = loaders
                .by_type
                .get(&desc.asset_type)
                .or_else(|| exts.iter().find_map(|e| loaders.by_ext.get(e)))
                .or(loaders.wildcard.as_ref());
            if let Some(loader) = found {
                return Ok(Arc::clone(loader));
            }
        }
        let asset = AssetName::new(desc.id, Some(desc.path.clone()));
        let mut loadable_as = self.names_by_type.get(&desc.asset_type).cloned().unwrap_or_default();
        for ext in &exts {
            for name in self.names_by_ext.get(ext).into_iter().flatten() {
                push_unique(&mut loadable_as, name);
            }
        }
        if loadable_as.is_empty() {
            return Err(LoadError::Unsupported {
                asset,
                asset_type: desc.asset_type.clone(),
                extension: desc.path.extension(),
                requested,
            });
        }
        for name in &self.wildcard_names {
            push_unique(&mut loadable_as, name);
        }
        Err(LoadError::WrongType {
            asset,
            asset_type: desc.asset_type.clone(),
            requested,
            loadable_as,
        })
    }

    /// The loader whose type a catalog dependency of cooked type `asset_type`
    /// loads as.
    pub fn default_for(&self, asset_type: Option<&str>) -> Option<Arc<dyn ErasedLoader>> {
        asset_type.and_then(|t| self.defaults.get(t)).or(self.default_wildcard.as_ref()).cloned()
    }
}

fn push_unique(list: &mut Vec<&'static str>, name: &'static str) {
    if !list.contains(&name) {
        list.push(name);
    }
}
