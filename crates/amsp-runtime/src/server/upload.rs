//! The upload stage: loaded assets of the types a host uploads (textures
//! and meshes to a GPU), queued by the same key as the I/O and decode
//! stages, for the host to take a frame's worth at a time.
//!
//! An asset enters the queue when it becomes `Loaded` (each version it
//! publishes), keeps its request's priority (class, urgency, time waited),
//! moves when [`AssetServer::set_priority`](crate::AssetServer::set_priority)
//! changes it, and leaves it when taken, or unasked when its last handle is
//! dropped or it is unloaded first: an upload nobody wants is cancelled.

use std::any::TypeId;
use std::collections::HashSet;
use std::sync::Arc;

use amsp_core::{AssetId, Priority};
use parking_lot::{Mutex, RwLock};

use crate::asset::Asset;
use crate::handle::Handle;
use crate::sched::key::{Aging, Key};
use crate::sched::queue::{StageQueue, slot_addr};
use crate::slot::{ErasedSlot, LOADED, Slot};

/// The queue of loaded assets waiting for their upload.
pub(crate) struct Uploads {
    types: RwLock<HashSet<TypeId>>,
    queue: Mutex<UploadQueue>,
    aging: Aging,
}

#[derive(Default)]
struct UploadQueue {
    entries: StageQueue<Arc<dyn ErasedSlot>>,
    seq: u64,
    cancelled: u64,
}

impl Uploads {
    pub fn new(aging: Aging) -> Self {
        Self { types: RwLock::default(), queue: Mutex::default(), aging }
    }

    /// Queues the uploads of assets of type `type_id` from now on.
    pub fn enable(&self, type_id: TypeId) {
        self.types.write().insert(type_id);
    }

    fn score(&self, slot: &Arc<dyn ErasedSlot>) -> u64 {
        self.aging.score(slot.core().priority(), slot.core().since())
    }

    /// Queues `slot`, just loaded, if its type is uploaded.
    pub fn loaded(&self, slot: &Arc<dyn ErasedSlot>) {
        if !self.types.read().contains(&slot.core().type_id) {
            return;
        }
        let score = self.score(slot);
        let mut queue = self.queue.lock();
        let addr = slot_addr(slot);
        if queue.entries.key_of(addr).is_some() {
            // A new version of an asset still waiting: it keeps its place.
            return;
        }
        queue.seq += 1;
        let key = Key::new(score, queue.seq);
        queue.entries.insert(addr, key, Arc::clone(slot));
    }

    /// Moves `slot` to its new priority if it is waiting; true if it was.
    pub fn reprioritise(&self, slot: &Arc<dyn ErasedSlot>) -> bool {
        let score = self.score(slot);
        let mut queue = self.queue.lock();
        let addr = slot_addr(slot);
        if queue.entries.key_of(addr).is_none() {
            return false;
        }
        queue.entries.rekey(addr, score);
        true
    }

    /// Takes the most urgent uploads, up to `max_bytes` of asset bytes (at
    /// least one, however large, so that a big asset is never stuck).
    /// Assets nobody wants any more, or unloaded meanwhile, are dropped
    /// from the queue and counted as cancelled.
    pub fn take(&self, max_bytes: usize) -> Vec<Upload> {
        let mut queue = self.queue.lock();
        let mut taken = Vec::new();
        let mut bytes = 0usize;
        while let Some((_, slot)) = queue.entries.peek() {
            let core = slot.core();
            if !core.is_wanted() || core.state_code() != LOADED {
                queue.entries.pop(slot_addr);
                queue.cancelled += 1;
                continue;
            }
            let size = core.bytes();
            if !taken.is_empty() && bytes.saturating_add(size) > max_bytes {
                break;
            }
            let Some(slot) = queue.entries.pop(slot_addr) else { break };
            bytes = bytes.saturating_add(size);
            taken.push(Upload { slot, bytes: size });
        }
        taken
    }

    /// Uploads waiting, and uploads cancelled since the start.
    pub fn counts(&self) -> (usize, u64) {
        let queue = self.queue.lock();
        (queue.entries.len(), queue.cancelled)
    }
}

/// A loaded asset to upload, taken from the upload stage with
/// [`AssetServer::take_uploads`](crate::AssetServer::take_uploads).
pub struct Upload {
    slot: Arc<dyn ErasedSlot>,
    bytes: usize,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("asset", &self.slot.core().name())
            .field("type", &self.slot.core().type_name)
            .field("level", &self.level())
            .field("bytes", &self.bytes)
            .finish()
    }
}

impl Upload {
    /// The slot the upload is for (the residency manager watches whether
    /// it is still wanted).
    pub(crate) fn slot(&self) -> &Arc<dyn ErasedSlot> {
        &self.slot
    }

    /// The asset's id.
    #[must_use]
    pub fn id(&self) -> AssetId {
        self.slot.core().id
    }

    /// The asset's type ([`Asset::TYPE_NAME`]).
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        self.slot.core().type_name
    }

    /// The level of detail the asset was requested at, `None` for the
    /// whole asset.
    #[must_use]
    pub fn level(&self) -> Option<u8> {
        self.slot.core().level()
    }

    /// The asset's bytes in memory (what the upload moves, about).
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The priority of the asset's request.
    #[must_use]
    pub fn priority(&self) -> Priority {
        self.slot.core().priority()
    }

    /// The version of the asset the upload is for.
    #[must_use]
    pub fn version(&self) -> u32 {
        self.slot.core().version()
    }

    /// A handle to the asset, if it is a `T` and still wanted.
    #[must_use]
    pub fn handle<T: Asset>(&self) -> Option<Handle<T>> {
        if self.slot.core().type_id != TypeId::of::<T>() || !self.slot.core().try_acquire() {
            return None;
        }
        let slot = Arc::clone(&self.slot);
        Some(Handle::from_erased(slot))
    }

    /// The asset, if it is a `T` and still loaded.
    #[must_use]
    pub fn get<T: Asset>(&self) -> Option<Arc<T>> {
        let slot = Arc::clone(&self.slot).into_any().downcast::<Slot<T>>().ok()?;
        slot.get()
    }
}
