//! The mount table: sources layered over each other.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use amsp_core::{AssetId, AssetPath};
use parking_lot::RwLock;

use crate::source::{AssetDescriptor, AssetSource, ReadError};

/// Identifies a mount of a [`Vfs`] (stable while it is mounted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MountId(u32);

/// Lanes of a mount's source are kept apart: the mount id in the high bits.
const LANE_BITS: u32 = 16;

struct Mount {
    id: MountId,
    name: String,
    source: Arc<dyn AssetSource>,
}

/// A mount table of [`AssetSource`]s serving one asset tree: shipped packs,
/// then patches, then mods, then a development folder.
///
/// A later mount overrides an earlier one. A path resolves in the topmost
/// mount that has it, and an id is described and read from the topmost
/// mount that has it, so a patch that ships a re-cooked asset (same path,
/// same or new id) replaces it, and everything else falls through to the
/// mounts below. Each mount's I/O lanes stay apart, so a slow mount (a
/// network source) never holds back the reads of a local one.
///
/// Mounting and unmounting take effect for requests made afterwards; assets
/// already loaded keep the version they were loaded from until they are
/// reloaded.
///
/// ```
/// use std::sync::Arc;
/// use amsp_core::{AssetId, AssetPath};
/// use amsp_io::{AssetSource, MemorySource, vfs::Vfs};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let path = AssetPath::new("config/game.json")?;
/// let mut base = MemorySource::new("base");
/// base.insert(AssetId::from_u128(1), path.clone(), "json", vec![b"{}".to_vec()], vec![]);
/// let mut patch = MemorySource::new("patch");
/// patch.insert(AssetId::from_u128(1), path.clone(), "json", vec![b"{\"v\":2}".to_vec()], vec![]);
///
/// let vfs = Vfs::new("game");
/// vfs.mount("base", Arc::new(base));
/// let patch = vfs.mount("patch", Arc::new(patch));
/// let id = vfs.resolve(&path).unwrap();
/// assert_eq!(vfs.read_all(id)?, b"{\"v\":2}");
/// assert_eq!(vfs.serving(id), Some(patch));
/// vfs.unmount(patch);
/// assert_eq!(vfs.read_all(id)?, b"{}");
/// # Ok(())
/// # }
/// ```
pub struct Vfs {
    name: String,
    /// Bottom first.
    mounts: RwLock<Vec<Mount>>,
    next: AtomicU32,
}

impl std::fmt::Debug for Vfs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mounts: Vec<String> = self.mounts.read().iter().map(|m| m.name.clone()).collect();
        f.debug_struct("Vfs").field("name", &self.name).field("mounts", &mounts).finish()
    }
}

impl Vfs {
    /// An empty mount table named `name`.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), mounts: RwLock::new(Vec::new()), next: AtomicU32::new(1) }
    }

    /// Mounts `source` on top of the others; returns its id.
    ///
    /// # Panics
    /// After 65,535 mounts in the life of one table (mount ids are not
    /// reused).
    pub fn mount(&self, name: impl Into<String>, source: Arc<dyn AssetSource>) -> MountId {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        assert!(id < 1 << LANE_BITS, "{}: too many mounts", self.name);
        let id = MountId(id);
        self.mounts.write().push(Mount { id, name: name.into(), source });
        id
    }

    /// Removes mount `id`; false if it is not mounted.
    pub fn unmount(&self, id: MountId) -> bool {
        let mut mounts = self.mounts.write();
        let before = mounts.len();
        mounts.retain(|m| m.id != id);
        mounts.len() != before
    }

    /// The mounts, bottom first: id and name.
    #[must_use]
    pub fn mounts(&self) -> Vec<(MountId, String)> {
        self.mounts.read().iter().map(|m| (m.id, m.name.clone())).collect()
    }

    /// The mount that serves asset `id` (the topmost that has it).
    #[must_use]
    pub fn serving(&self, id: AssetId) -> Option<MountId> {
        self.owner(id).map(|(mount, _)| mount)
    }

    /// The topmost mount that has asset `id`, and its source.
    fn owner(&self, id: AssetId) -> Option<(MountId, Arc<dyn AssetSource>)> {
        let mounts = self.mounts.read();
        mounts
            .iter()
            .rev()
            .find(|m| m.source.describe(id).is_some())
            .map(|m| (m.id, Arc::clone(&m.source)))
    }

    fn not_found(&self, id: AssetId, chunk: u32) -> ReadError {
        ReadError::NotFound { id, chunk, source_name: self.name.clone() }
    }
}

impl AssetSource for Vfs {
    fn name(&self) -> &str {
        &self.name
    }

    fn resolve(&self, path: &AssetPath) -> Option<AssetId> {
        self.mounts.read().iter().rev().find_map(|m| m.source.resolve(path))
    }

    fn describe(&self, id: AssetId) -> Option<Arc<AssetDescriptor>> {
        self.mounts.read().iter().rev().find_map(|m| m.source.describe(id))
    }

    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError> {
        let (_, source) = self.owner(id).ok_or_else(|| self.not_found(id, chunk))?;
        source.read_chunk(id, chunk, out)
    }

    fn chunk_size(&self, id: AssetId, chunk: u32) -> Option<u64> {
        self.owner(id)?.1.chunk_size(id, chunk)
    }

    fn read_chunks(
        &self,
        id: AssetId,
        chunks: Range<u32>,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<(), ReadError> {
        let (_, source) = self.owner(id).ok_or_else(|| self.not_found(id, chunks.start))?;
        source.read_chunks(id, chunks, out)
    }

    fn io_lane(&self, id: AssetId) -> u32 {
        match self.owner(id) {
            Some((mount, source)) => {
                (mount.0 << LANE_BITS) | (source.io_lane(id) & ((1 << LANE_BITS) - 1))
            }
            None => 0,
        }
    }

    fn tagged(&self, tag: &str) -> Vec<AssetId> {
        let mut ids: Vec<AssetId> =
            self.mounts.read().iter().flat_map(|m| m.source.tagged(tag)).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn disk_cache_stats(&self) -> Option<crate::DiskCacheStats> {
        let mounts = self.mounts.read();
        let mut all = mounts.iter().filter_map(|m| m.source.disk_cache_stats());
        let first = all.next()?;
        Some(all.fold(first, |mut sum, stats| {
            sum += stats;
            sum
        }))
    }

    fn lane_name(&self, lane: u32) -> String {
        let mount = MountId(lane >> LANE_BITS);
        let mounts = self.mounts.read();
        match mounts.iter().find(|m| m.id == mount) {
            Some(found) => {
                let inner = lane & ((1 << LANE_BITS) - 1);
                if inner == 0 {
                    found.name.clone()
                } else {
                    format!("{}: {}", found.name, found.source.lane_name(inner))
                }
            }
            None => format!("{} (unmounted {})", self.name, mount.0),
        }
    }

    fn lane_concurrency(&self, lane: u32) -> Option<usize> {
        let mount = MountId(lane >> LANE_BITS);
        let mounts = self.mounts.read();
        let found = mounts.iter().find(|m| m.id == mount)?;
        found.source.lane_concurrency(lane & ((1 << LANE_BITS) - 1))
    }
}
