//! The residency manager: which assets have GPU copies, uploaded within a
//! per-frame byte budget and kept within a VRAM budget.

mod config;
mod write;

use std::collections::{HashMap, VecDeque};
use std::ops::Range;
use std::sync::{Arc, Weak};
use std::time::Instant;

use amsp_core::AssetId;

pub use config::{ResidencyConfig, ResidencyStats, ResidentBuffers, ResidentTexture, UploadError};
use write::{Budget, Job, Piece};

use super::asset::{GpuAsset, GpuData, check_texture_data};
use super::backend::GpuBackend;
use super::types::{GpuBufferId, GpuError, GpuTextureDesc, GpuTextureId};
use crate::asset::Asset;
use crate::server::AssetServer;
use crate::server::upload::Upload;
use crate::slot::ErasedSlot;

/// Failures kept between two `take_errors` calls; `stats().failed` counts
/// them all.
const MAX_ERRORS: usize = 256;

type Adapter = fn(&Upload) -> Option<Arc<dyn GpuAsset>>;

fn adapt<T: Asset + GpuAsset>(upload: &Upload) -> Option<Arc<dyn GpuAsset>> {
    upload.get::<T>().map(|asset| asset as Arc<dyn GpuAsset>)
}

/// GPU buffers with their sizes, and the level they hold.
type BufferSet = (Vec<(GpuBufferId, u64)>, u32);

enum Kind {
    Texture { id: GpuTextureId, desc: GpuTextureDesc, resident: Range<u32>, queued: u32 },
    Buffers { current: Option<BufferSet>, next: Option<BufferSet> },
}

struct Entry {
    type_name: &'static str,
    /// The server slots (whole asset, levels) this copy came from, with
    /// the version last taken from each.
    users: Vec<(Weak<dyn ErasedSlot>, u32)>,
    /// The content the copy was made from, if the source names it.
    content: Option<amsp_core::ContentHash>,
    last_used: u64,
    generation: u64,
    bytes: u64,
    kind: Kind,
}

impl Entry {
    /// Whether any slot the copy came from still has a strong handle.
    fn is_wanted(&self) -> bool {
        self.users.iter().any(|(slot, _)| slot.upgrade().is_some_and(|s| s.core().is_wanted()))
    }
}

/// Keeps GPU copies of the assets a server loads, within two budgets.
///
/// Each [`update`](Residency::update) (once a frame) writes at most
/// [`ResidencyConfig::upload_budget`] bytes (and stops early once
/// [`ResidencyConfig::upload_time`] is spent, if set): first the rest of uploads
/// begun in earlier frames, then new ones taken from the server's upload
/// stage in priority order ([`AssetServer::take_uploads`]). Work is cut
/// into rows of blocks of one mip layer (textures) and 4-byte-aligned
/// ranges (buffers), so a large mip spreads over frames and an update never
/// writes more than its budget, except for a single row when the budget is
/// smaller than one.
///
/// **Textures grow in place.** The first upload of a texture allocates its
/// full mip chain; mips are written coarsest first, and
/// [`ResidentTexture::resident`] grows finer as each is complete, the
/// [`GpuTextureId`] never changing, so the renderer samples from the finest
/// complete mip. (Unreal and Unity instead reallocate a longer chain and
/// copy the resident mips on the GPU, which saves memory while only the
/// tail is resident; here the whole chain is charged to the VRAM budget
/// from the start, in exchange for no copy and a stable id.) A new version
/// of an asset (a reload) rewrites its mips over the old ones; one of a
/// different size or format gets a new texture.
///
/// **Buffers** (a mesh LOD) are written to a new set while the previous
/// one stays drawable, and swapped when complete.
///
/// **VRAM budget.** The budget is the smaller of
/// [`ResidencyConfig::vram_budget`] and what the backend says this manager
/// may use: the [`GpuMemoryInfo::budget`](super::GpuMemoryInfo::budget) it reports, less the bytes it
/// holds for others (its [`used`](super::GpuMemoryInfo::used) beyond this
/// manager's copies: a renderer's targets and placeholders). The backend's
/// figures are read at the start of every update;
/// [`vram_budget`](Residency::vram_budget) says the budget in force. While
/// the copies held exceed it (the device lowered its budget, or the
/// configuration changed), each update first evicts copies whose asset no
/// longer has a strong handle, least recently used first, until they fit;
/// copies still wanted are evicted only to make room for an upload.
///
/// **Reloads.** An asset loaded again in a new version (its slot publishes
/// a newer value, or a new slot holds other content, as after a hot
/// reload) replaces its GPU copy under the same entry: a texture of the
/// same size and format is rewritten in place (same id, every mip the new
/// value holds written again, coarsest first; mips finer than the new
/// value holds are no longer counted resident), one of another size or
/// format is destroyed and a new one allocated; buffers are rewritten into
/// a new set as for a finer level. The bytes charged stay those of the
/// copy held, so a reload leaks no GPU memory.
///
/// **Eviction.** Before allocating, copies are evicted until the new one
/// fits the VRAM budget: first those whose asset no
/// longer has a strong handle, then the least recently used
/// ([`touch`](Residency::touch) marks a copy used in this frame). Copies
/// used in the current frame are never evicted; an upload that would not
/// fit even then evicts nothing and fails with
/// [`UploadError::OverBudget`].
pub struct Residency {
    config: ResidencyConfig,
    adapters: HashMap<&'static str, Adapter>,
    entries: HashMap<AssetId, Entry>,
    jobs: VecDeque<Job>,
    frame: u64,
    generation: u64,
    stats: ResidencyStats,
    errors: Vec<UploadError>,
    /// What the backend says this manager may use, as last read.
    device_budget: Option<u64>,
}

impl std::fmt::Debug for Residency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Residency")
            .field("config", &self.config)
            .field("frame", &self.frame)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Residency {
    /// A manager with no types registered.
    #[must_use]
    pub fn new(config: ResidencyConfig) -> Self {
        Self {
            config,
            adapters: HashMap::new(),
            entries: HashMap::new(),
            jobs: VecDeque::new(),
            frame: 0,
            generation: 0,
            stats: ResidencyStats::default(),
            errors: Vec::new(),
            device_budget: None,
        }
    }

    /// Uploads assets of type `T` from now on: enables `server`'s upload
    /// stage for `T`.
    pub fn register<T: Asset + GpuAsset>(&mut self, server: &AssetServer) {
        server.enable_uploads::<T>();
        self.adapters.insert(T::TYPE_NAME, adapt::<T>);
    }

    /// The budgets.
    #[must_use]
    pub fn config(&self) -> ResidencyConfig {
        self.config
    }

    /// Changes the budgets; under a lower VRAM budget the next update
    /// evicts unused copies down to it, and later uploads evict wanted
    /// ones to make room.
    pub fn set_config(&mut self, config: ResidencyConfig) {
        self.config = config;
    }

    /// The VRAM budget in force: [`ResidencyConfig::vram_budget`], or less
    /// if the backend reported less room at the last update (see the
    /// type's docs).
    #[must_use]
    pub fn vram_budget(&self) -> u64 {
        self.device_budget.map_or(self.config.vram_budget, |d| d.min(self.config.vram_budget))
    }

    /// Reads the room the backend offers this manager: its budget less
    /// what it holds for others.
    fn read_device_budget(&mut self, backend: &dyn GpuBackend) {
        let info = backend.memory_info();
        let others = info.used.saturating_sub(self.stats.resident_bytes);
        self.device_budget = info.budget.map(|b| b.saturating_sub(others));
    }

    /// Updates run so far (the current frame number).
    #[must_use]
    pub fn frame(&self) -> u64 {
        self.frame
    }

    /// The counters.
    #[must_use]
    pub fn stats(&self) -> ResidencyStats {
        ResidencyStats { assets: self.entries.len(), pending: self.jobs.len(), ..self.stats }
    }

    /// The uploads that failed since the last call (the first 256 of
    /// them; [`ResidencyStats::failed`] counts every one).
    pub fn take_errors(&mut self) -> Vec<UploadError> {
        std::mem::take(&mut self.errors)
    }

    /// Marks the asset's copy used in the current frame (the renderer
    /// drew it): it is evicted last.
    pub fn touch(&mut self, asset: AssetId) {
        if let Some(entry) = self.entries.get_mut(&asset) {
            entry.last_used = self.frame;
        }
    }

    /// The asset's texture, once at least one mip is complete.
    #[must_use]
    pub fn texture(&self, asset: AssetId) -> Option<ResidentTexture> {
        match &self.entries.get(&asset)?.kind {
            Kind::Texture { id, desc, resident, .. } if !resident.is_empty() => {
                Some(ResidentTexture { id: *id, desc: *desc, resident: resident.clone() })
            }
            _ => None,
        }
    }

    /// The asset's buffers, once a complete set is written.
    #[must_use]
    pub fn buffers(&self, asset: AssetId) -> Option<ResidentBuffers> {
        match &self.entries.get(&asset)?.kind {
            Kind::Buffers { current: Some((ids, level)), .. } => Some(ResidentBuffers {
                ids: ids.iter().map(|(id, _)| *id).collect(),
                level: *level,
            }),
            _ => None,
        }
    }

    /// Whether the asset has a GPU copy (complete or being written).
    #[must_use]
    pub fn contains(&self, asset: AssetId) -> bool {
        self.entries.contains_key(&asset)
    }

    /// Frees the asset's GPU copy now; true if it had one.
    pub fn evict(&mut self, asset: AssetId, backend: &mut dyn GpuBackend) -> bool {
        let Some(entry) = self.entries.remove(&asset) else { return false };
        self.release(entry, backend);
        true
    }

    /// Frees every GPU copy.
    pub fn clear(&mut self, backend: &mut dyn GpuBackend) {
        for (_, entry) in std::mem::take(&mut self.entries) {
            self.release(entry, backend);
        }
        self.jobs.clear();
    }

    /// One frame: writes up to the upload budget, continuing earlier
    /// uploads first and then taking new ones from `server`, then ends
    /// the backend's frame. Uploads that fail are kept for
    /// [`take_errors`](Residency::take_errors); they do not stop the frame.
    ///
    /// # Errors
    /// The backend's [`GpuBackend::end_frame`] error (a lost device).
    pub fn update(
        &mut self,
        server: &AssetServer,
        backend: &mut dyn GpuBackend,
    ) -> Result<u64, GpuError> {
        self.frame += 1;
        self.read_device_budget(backend);
        self.trim(backend);
        let budget = Budget {
            bytes: self.config.upload_budget,
            deadline: self.config.upload_time.map(|t| Instant::now() + t),
        };
        let mut written = 0u64;
        loop {
            self.write_pending(backend, &budget, &mut written);
            if written >= budget.bytes || !self.jobs.is_empty() || budget.out_of_time(written) {
                break;
            }
            let room = usize::try_from(budget.bytes - written).unwrap_or(usize::MAX);
            let uploads = server.take_uploads(room);
            if uploads.is_empty() {
                break;
            }
            for upload in &uploads {
                self.accept(upload, backend);
            }
        }
        backend.end_frame()?;
        let stats = &mut self.stats;
        stats.frames += 1;
        stats.last_frame_bytes = written;
        stats.max_frame_bytes = stats.max_frame_bytes.max(written);
        stats.uploaded_bytes += written;
        stats.out_of_time += u64::from(budget.out_of_time(written));
        Ok(written)
    }

    fn release(&mut self, entry: Entry, backend: &mut dyn GpuBackend) {
        self.stats.resident_bytes -= entry.bytes;
        match entry.kind {
            Kind::Texture { id, .. } => backend.destroy_texture(id),
            Kind::Buffers { current, next } => {
                for (ids, _) in current.into_iter().chain(next) {
                    for (id, _) in ids {
                        backend.destroy_buffer(id);
                    }
                }
            }
        }
    }

    fn charge(&mut self, asset: AssetId, bytes: u64) {
        if let Some(entry) = self.entries.get_mut(&asset) {
            entry.bytes += bytes;
        }
        self.stats.resident_bytes += bytes;
        self.stats.peak_resident_bytes =
            self.stats.peak_resident_bytes.max(self.stats.resident_bytes);
    }

    /// Evicts copies nobody holds, least recently used first, while the
    /// copies held exceed the VRAM budget.
    fn trim(&mut self, backend: &mut dyn GpuBackend) {
        let budget = self.vram_budget();
        while self.stats.resident_bytes > budget {
            let victim = self
                .entries
                .iter()
                .filter(|(_, entry)| !entry.is_wanted())
                .min_by_key(|(_, entry)| entry.last_used)
                .map(|(id, _)| *id);
            let Some(victim) = victim else { return };
            self.evict(victim, backend);
            self.stats.evictions += 1;
        }
    }

    /// Evicts until `need` more bytes fit the budget, sparing `keep` and
    /// copies used this frame; false if they cannot fit.
    fn make_room(&mut self, need: u64, keep: AssetId, backend: &mut dyn GpuBackend) -> bool {
        let evictable: u64 = self
            .entries
            .iter()
            .filter(|(id, entry)| **id != keep && entry.last_used < self.frame)
            .map(|(_, entry)| entry.bytes)
            .sum();
        let floor = self.stats.resident_bytes - evictable;
        let vram_budget = self.vram_budget();
        if floor.saturating_add(need) > vram_budget {
            // Would not fit even after evicting everything evictable:
            // evict nothing.
            return false;
        }
        while self.stats.resident_bytes.saturating_add(need) > vram_budget {
            let victim = self
                .entries
                .iter()
                .filter(|(id, entry)| **id != keep && entry.last_used < self.frame)
                .min_by_key(|(_, entry)| (entry.is_wanted(), entry.last_used))
                .map(|(id, _)| *id);
            let Some(victim) = victim else { return false };
            self.evict(victim, backend);
            self.stats.evictions += 1;
        }
        true
    }

    /// Counts a failure and keeps it for `take_errors`, at most
    /// [`MAX_ERRORS`] of them (a host that never asks must not make the
    /// list grow without bound).
    fn fail(&mut self, error: UploadError) {
        self.stats.failed += 1;
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(error);
        }
    }

    /// Takes one upload: allocates what it needs and queues its writes.
    fn accept(&mut self, upload: &Upload, backend: &mut dyn GpuBackend) {
        let Some(adapter) = self.adapters.get(upload.type_name()) else { return };
        let Some(source) = adapter(upload) else { return };
        let (asset, type_name) = (upload.id(), upload.type_name());
        let data = match source.gpu_data() {
            Ok(data) => data,
            Err(source) => return self.fail(UploadError::Data { asset, type_name, source }),
        };
        let content = upload.slot().core().content();
        let reload = self.entries.get_mut(&asset).is_some_and(|entry| {
            // A newer value in a slot already seen, or a new slot holding
            // other content than the copy (the asset changed meanwhile).
            let newer = note_user(entry, upload.slot(), upload.version());
            let changed = content.is_some() && entry.content.is_some() && content != entry.content;
            newer || changed
        });
        let job = match data {
            GpuData::Texture(texture) => {
                if let Err(source) = check_texture_data(&texture) {
                    return self.fail(UploadError::Data { asset, type_name, source });
                }
                self.accept_texture(
                    asset,
                    type_name,
                    &texture.desc,
                    texture.resident.start,
                    reload,
                    backend,
                )
            }
            GpuData::Buffers(set) => {
                let sizes: Vec<u64> = set.buffers.iter().map(|(_, b)| b.len() as u64).collect();
                let usages: Vec<_> = set.buffers.iter().map(|(u, _)| *u).collect();
                self.accept_buffers(asset, type_name, set.level, &sizes, &usages, reload, backend)
            }
        };
        let Some((generation, pieces)) = job else { return };
        if let Some(entry) = self.entries.get_mut(&asset) {
            entry.last_used = self.frame;
            entry.content = content.or(entry.content);
            if !entry
                .users
                .iter()
                .any(|(slot, _)| std::ptr::addr_eq(slot.as_ptr(), Arc::as_ptr(upload.slot())))
            {
                entry.users.push((Arc::downgrade(upload.slot()), upload.version()));
            }
        }
        if pieces.is_empty() {
            return;
        }
        let existing =
            self.jobs.iter_mut().find(|j| j.asset == asset && j.generation == generation);
        match existing {
            Some(job) => {
                // Pieces already queued read from the newer value too: it
                // holds every mip the older one did.
                job.source = source;
                job.pieces.extend(pieces);
            }
            None => self.jobs.push_back(Job { asset, generation, source, pieces }),
        }
    }

    fn accept_texture(
        &mut self,
        asset: AssetId,
        type_name: &'static str,
        desc: &GpuTextureDesc,
        finest: u32,
        reload: bool,
        backend: &mut dyn GpuBackend,
    ) -> Option<(u64, VecDeque<Piece>)> {
        let same = matches!(
            self.entries.get(&asset).map(|e| &e.kind),
            Some(Kind::Texture { desc: d, .. }) if d == desc
        );
        if !same {
            self.evict(asset, backend);
            if !self.make_room(desc.bytes(), asset, backend) {
                let budget = self.vram_budget();
                self.fail(UploadError::OverBudget {
                    asset,
                    type_name,
                    bytes: desc.bytes(),
                    budget,
                });
                return None;
            }
            let id = match backend.create_texture(desc) {
                Ok(id) => id,
                Err(source) => {
                    self.fail(UploadError::Gpu { asset, type_name, source });
                    return None;
                }
            };
            self.generation += 1;
            let kind = Kind::Texture {
                id,
                desc: *desc,
                resident: desc.mip_count..desc.mip_count,
                queued: desc.mip_count,
            };
            let entry = Entry {
                type_name,
                users: Vec::new(),
                content: None,
                last_used: self.frame,
                generation: self.generation,
                bytes: 0,
                kind,
            };
            self.entries.insert(asset, entry);
            self.charge(asset, desc.bytes());
        }
        let rewrite = reload && same;
        if rewrite {
            // The copy's queued writes are of the old value: a new
            // generation drops them.
            self.generation += 1;
        }
        let generation = self.generation;
        let entry = self.entries.get_mut(&asset)?;
        let Kind::Texture { queued, resident, .. } = &mut entry.kind else { return None };
        if rewrite {
            entry.generation = generation;
            *queued = desc.mip_count;
            // Mips finer than the new value holds keep old texels.
            resident.start = resident.start.max(finest);
        }
        let mut pieces = VecDeque::new();
        for mip in (finest..*queued).rev() {
            for layer in 0..desc.layers {
                pieces.push_back(Piece::Rows { mip, layer, rows: 0..desc.block_rows(mip) });
            }
        }
        *queued = (*queued).min(finest);
        Some((entry.generation, pieces))
    }

    #[expect(clippy::too_many_arguments, reason = "one call site, all plain values")]
    fn accept_buffers(
        &mut self,
        asset: AssetId,
        type_name: &'static str,
        level: u32,
        sizes: &[u64],
        usages: &[super::types::GpuBufferUsage],
        reload: bool,
        backend: &mut dyn GpuBackend,
    ) -> Option<(u64, VecDeque<Piece>)> {
        if let Some(entry) = self.entries.get(&asset) {
            let Kind::Buffers { current, next } = &entry.kind else {
                self.evict(asset, backend);
                return self
                    .accept_buffers(asset, type_name, level, sizes, usages, reload, backend);
            };
            let best = next.as_ref().or(current.as_ref()).map(|(_, l)| *l);
            if !reload && best.is_some_and(|best| best <= level) {
                return None;
            }
        }
        let total: u64 = sizes.iter().map(|s| s.div_ceil(4).max(1) * 4).sum();
        if !self.make_room(total, asset, backend) {
            let budget = self.vram_budget();
            self.fail(UploadError::OverBudget { asset, type_name, bytes: total, budget });
            return None;
        }
        let mut ids = Vec::with_capacity(sizes.len());
        for (&size, &usage) in sizes.iter().zip(usages) {
            let size = size.div_ceil(4).max(1) * 4;
            match backend.create_buffer(size, usage) {
                Ok(id) => ids.push((id, size)),
                Err(source) => {
                    for (id, _) in ids {
                        backend.destroy_buffer(id);
                    }
                    self.fail(UploadError::Gpu { asset, type_name, source });
                    return None;
                }
            }
        }
        self.generation += 1;
        let generation = self.generation;
        let frame = self.frame;
        let entry = self.entries.entry(asset).or_insert_with(|| Entry {
            type_name,
            users: Vec::new(),
            content: None,
            last_used: frame,
            generation,
            bytes: 0,
            kind: Kind::Buffers { current: None, next: None },
        });
        entry.generation = generation;
        let Kind::Buffers { next, .. } = &mut entry.kind else { return None };
        let old = next.replace((ids, level));
        let mut freed = 0;
        for (id, size) in old.map(|(ids, _)| ids).unwrap_or_default() {
            backend.destroy_buffer(id);
            freed += size;
        }
        entry.bytes -= freed;
        self.stats.resident_bytes -= freed;
        self.charge(asset, total);
        let pieces = sizes
            .iter()
            .enumerate()
            .filter(|(_, s)| **s > 0)
            .map(|(index, &size)| Piece::Buffer { index, range: 0..size })
            .collect();
        Some((generation, pieces))
    }
}

/// Records that `slot` gave version `version`; true if it had given an
/// older one before (a reload).
fn note_user(entry: &mut Entry, slot: &Arc<dyn ErasedSlot>, version: u32) -> bool {
    for (seen, seen_version) in &mut entry.users {
        if std::ptr::addr_eq(seen.as_ptr(), Arc::as_ptr(slot)) {
            let reload = version > *seen_version;
            *seen_version = version;
            return reload;
        }
    }
    false
}
