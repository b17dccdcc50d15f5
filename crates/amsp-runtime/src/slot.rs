//! Slots: the shared, typed home of one asset that handles point to.
//!
//! A [`Slot<T>`] is created by the first request for an `(AssetId, TypeId)`
//! pair and lives in the server's registry until it is unloaded. Its state is
//! one atomic byte; its value sits in an [`ArcSwapOption`] so that `get` is a
//! single atomic load and a later reload can swap versions in place. The
//! type-erased side, [`ErasedSlot`], is what queues, workers and the
//! dependency graph handle.
//!
//! The slot counts its own strong handles (`handles`) instead of relying on
//! `Arc::strong_count`: queue entries, workers and the registry hold `Arc`s
//! too, and none of them should keep an asset "in use". The top bit of the
//! count marks a slot the registry evicted; a weak handle cannot come back to
//! life after that.

use std::any::{Any, TypeId};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use amsp_core::{AssetId, AssetPath, Priority, PriorityClass};
use arc_swap::ArcSwapOption;
use parking_lot::Mutex;

use crate::asset::Asset;
use crate::error::{AssetName, LoadError, LoadState};
use crate::handle::ErasedHandle;
use crate::server::memory::Tracker;

pub(crate) const QUEUED: u8 = 0;
pub(crate) const LOADING: u8 = 1;
pub(crate) const WAITING: u8 = 2;
pub(crate) const LOADED: u8 = 3;
pub(crate) const FAILED: u8 = 4;
pub(crate) const UNLOADED: u8 = 5;

/// Set in the handle count once the registry evicted the slot.
const EVICTED: usize = 1 << (usize::BITS - 1);

/// The level code of a slot that holds the whole asset (the loader's
/// default), as opposed to one level of detail and every coarser one.
pub(crate) const LEVEL_FULL: u8 = u8::MAX;

/// Registry key: one slot per asset, Rust type and level of detail
/// ([`LEVEL_FULL`] for the whole asset).
pub(crate) type SlotKey = (AssetId, TypeId, u8);

/// Packs a priority into a `u64` whose integer order is the priority order
/// (class in the high half, urgency's total order in the low half), so that
/// `fetch_max` raises a priority atomically.
pub(crate) fn pack_priority(p: Priority) -> u64 {
    let bits = p.urgency.to_bits();
    let ordered = if bits & 0x8000_0000 != 0 { !bits } else { bits | 0x8000_0000 };
    ((p.class as u64) << 32) | u64::from(ordered)
}

/// Inverse of [`pack_priority`].
pub(crate) fn unpack_priority(v: u64) -> Priority {
    let class = match v >> 32 {
        0 => PriorityClass::Low,
        1 => PriorityClass::Normal,
        2 => PriorityClass::High,
        _ => PriorityClass::Critical,
    };
    let ordered = (v & 0xffff_ffff) as u32;
    let bits = if ordered & 0x8000_0000 != 0 { ordered & 0x7fff_ffff } else { !ordered };
    Priority { class, urgency: f32::from_bits(bits) }
}

/// Dependency links of a slot, guarded by one mutex per slot.
#[derive(Default)]
pub(crate) struct Links {
    /// Dependencies declared so far (catalog and loader); held as strong
    /// handles so that a loaded parent keeps them in use.
    pub deps: Vec<ErasedHandle>,
    /// Parents waiting for this slot to finish.
    pub dependents: Vec<Arc<dyn ErasedSlot>>,
    /// Dependencies (plus one guard) still to finish while waiting.
    pub remaining: usize,
}

/// The untyped part of a slot.
pub(crate) struct SlotCore {
    pub id: AssetId,
    pub type_id: TypeId,
    pub type_name: &'static str,
    /// The finest level of detail the slot holds ([`LEVEL_FULL`]: the
    /// whole asset).
    pub level: u8,
    /// Whether this is a reload's shadow: a slot outside the registry that
    /// loads a new version, then hands it to the registered slot.
    pub shadow: bool,
    path: OnceLock<AssetPath>,
    state: AtomicU8,
    version: AtomicU32,
    priority: AtomicU64,
    handles: AtomicUsize,
    bytes: AtomicUsize,
    /// Boxed: failures are rare, and slots are many.
    error: Mutex<Option<Box<LoadError>>>,
    pub links: Mutex<Links>,
    /// Tick of the memory clock when the handle count last reached zero.
    pub unused_since: AtomicU64,
    /// Whether an "unused" event for this slot is queued.
    pub unused_queued: AtomicBool,
    /// When the request was first queued (nanoseconds since the server
    /// started; `u64::MAX` until then), lowered to the time of an older
    /// dependent: the scheduler's aging counts from it.
    since: AtomicU64,
    /// The most urgent class (plus one) of the scheduler's inboxes the slot
    /// was pushed on since the scheduler last took it out (0: none), so that
    /// it is pushed again only when it becomes more urgent.
    pub in_inbox: AtomicU8,
    /// Whether the scheduler was told that nobody wants this request.
    pub cancel_noted: AtomicBool,
    /// Attempts that failed for a transient reason so far.
    attempts: AtomicU8,
    /// When the slot was requested (nanoseconds since the server started),
    /// for its load time.
    requested_at: AtomicU64,
    /// The content hash of the cooked bytes the value was loaded from (a
    /// level load extends only levels of the same content).
    content: Mutex<Option<amsp_core::ContentHash>>,
    /// The source's I/O lane of the request, recorded by the scheduler (under
    /// its lock) when it queues the request for the I/O stage, so that the
    /// request is found in its lane's queue again.
    pub io_lane: AtomicU32,
    tracker: Option<Arc<Tracker>>,
}

impl SlotCore {
    fn new<T: Asset>(
        id: AssetId,
        level: u8,
        path: Option<AssetPath>,
        state: u8,
        priority: Priority,
        tracker: Option<Arc<Tracker>>,
    ) -> Self {
        let path_cell = OnceLock::new();
        if let Some(path) = path {
            let _ = path_cell.set(path);
        }
        Self {
            id,
            type_id: TypeId::of::<T>(),
            type_name: T::TYPE_NAME,
            level,
            shadow: false,
            path: path_cell,
            state: AtomicU8::new(state),
            version: AtomicU32::new(0),
            priority: AtomicU64::new(pack_priority(priority)),
            handles: AtomicUsize::new(1),
            bytes: AtomicUsize::new(0),
            error: Mutex::new(None),
            links: Mutex::new(Links::default()),
            unused_since: AtomicU64::new(0),
            unused_queued: AtomicBool::new(false),
            since: AtomicU64::new(u64::MAX),
            in_inbox: AtomicU8::new(0),
            cancel_noted: AtomicBool::new(false),
            attempts: AtomicU8::new(0),
            requested_at: AtomicU64::new(0),
            io_lane: AtomicU32::new(0),
            content: Mutex::new(None),
            tracker,
        }
    }

    pub fn key(&self) -> SlotKey {
        (self.id, self.type_id, self.level)
    }

    /// The level of detail requested, `None` for the whole asset.
    pub fn level(&self) -> Option<u8> {
        (self.level != LEVEL_FULL).then_some(self.level)
    }

    pub fn path(&self) -> Option<&AssetPath> {
        self.path.get()
    }

    /// Records the path once it is known (a load by id learns it from the
    /// descriptor).
    pub fn set_path(&self, path: &AssetPath) {
        if self.path.get().is_none() {
            let _ = self.path.set(path.clone());
        }
    }

    pub fn name(&self) -> AssetName {
        AssetName::new(self.id, self.path.get().cloned())
    }

    pub fn state_code(&self) -> u8 {
        self.state.load(Ordering::Acquire)
    }

    pub fn set_state(&self, state: u8) {
        self.state.store(state, Ordering::Release);
    }

    pub fn is_terminal(&self) -> bool {
        matches!(self.state_code(), LOADED | FAILED | UNLOADED)
    }

    /// Moves `Queued → Loading`; false if another worker got there first (a
    /// stale queue entry).
    pub fn try_claim(&self) -> bool {
        self.state.compare_exchange(QUEUED, LOADING, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    pub fn load_state(&self) -> LoadState {
        match self.state_code() {
            QUEUED => LoadState::Queued,
            LOADING => LoadState::Loading,
            WAITING => LoadState::WaitingForDependencies,
            LOADED => LoadState::Loaded,
            UNLOADED => LoadState::Unloaded,
            _ => LoadState::Failed(
                self.error().unwrap_or(LoadError::Cancelled { asset: self.name() }),
            ),
        }
    }

    pub fn error(&self) -> Option<LoadError> {
        self.error.lock().as_deref().cloned()
    }

    pub fn set_error(&self, error: LoadError) {
        *self.error.lock() = Some(Box::new(error));
    }

    /// When the slot was requested (server clock, nanoseconds).
    pub fn requested_at(&self) -> u64 {
        self.requested_at.load(Ordering::Acquire)
    }

    /// Records when the slot was requested.
    pub fn set_requested_at(&self, now: u64) {
        self.requested_at.store(now, Ordering::Release);
    }

    /// Counts a failed attempt; returns the attempts failed so far.
    pub fn note_failed_attempt(&self) -> u32 {
        u32::from(self.attempts.fetch_add(1, Ordering::AcqRel).saturating_add(1))
    }

    pub fn clear_error(&self) {
        self.error.lock().take();
    }

    /// The content the value was loaded from.
    pub fn content(&self) -> Option<amsp_core::ContentHash> {
        *self.content.lock()
    }

    /// Records the content the value being loaded comes from.
    pub fn set_content(&self, hash: amsp_core::ContentHash) {
        *self.content.lock() = Some(hash);
    }

    pub fn version(&self) -> u32 {
        self.version.load(Ordering::Acquire)
    }

    pub fn priority(&self) -> Priority {
        unpack_priority(self.priority.load(Ordering::Acquire))
    }

    /// Raises the priority to `p` if that is more urgent; true if it rose.
    pub fn raise_priority(&self, p: Priority) -> bool {
        let packed = pack_priority(p);
        self.priority.fetch_max(packed, Ordering::AcqRel) < packed
    }

    /// Sets the priority to `p`, more or less urgent; returns the old one.
    pub fn set_priority(&self, p: Priority) -> Priority {
        unpack_priority(self.priority.swap(pack_priority(p), Ordering::AcqRel))
    }

    /// When the request was queued (nanoseconds since the server started).
    pub fn since(&self) -> u64 {
        self.since.load(Ordering::Acquire)
    }

    /// Lowers the queue time to `since` (a dependent that waited longer);
    /// true if it changed.
    pub fn inherit_since(&self, since: u64) -> bool {
        self.since.fetch_min(since, Ordering::AcqRel) > since
    }

    /// Whether a strong handle (a caller's or a dependent's) still wants
    /// the asset; a request nobody wants is cancelled.
    pub fn is_wanted(&self) -> bool {
        self.handles.load(Ordering::Acquire) & !EVICTED != 0
    }

    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Acquire)
    }

    pub fn handle_count(&self) -> usize {
        self.handles.load(Ordering::Acquire)
    }

    /// Adds a handle to a slot that already has one.
    pub fn acquire_more(&self) {
        self.handles.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds a handle unless the slot was evicted.
    pub fn try_acquire(&self) -> bool {
        self.handles
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n & EVICTED == 0).then_some(n + 1)
            })
            .is_ok()
    }

    /// Drops a handle; the last one reports the slot as unused (it is not
    /// freed here).
    pub fn release(&self) {
        if self.handles.fetch_sub(1, Ordering::AcqRel) == 1
            && let Some(tracker) = &self.tracker
        {
            if !self.is_terminal() && !self.cancel_noted.swap(true, Ordering::AcqRel) {
                // A request nobody wants any more: the scheduler cancels it.
                tracker.inbox.unwanted.push(self.key());
            }
            tracker.became_unused(self);
        }
    }

    /// Marks an unused slot evicted (`0 → EVICTED`); false if it has handles.
    pub fn try_evict(&self) -> bool {
        self.handles.compare_exchange(0, EVICTED, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    /// Reports the slot to the tracker if nobody holds a handle (called when
    /// a load finishes, since an asset whose handles were dropped while it
    /// loaded has become evictable only now).
    pub fn report_if_unused(&self) {
        if self.handles.load(Ordering::Acquire) == 0
            && let Some(tracker) = &self.tracker
        {
            tracker.became_unused(self);
        }
    }
}

/// The type-erased operations on a slot.
pub(crate) trait ErasedSlot: Send + Sync + 'static {
    fn core(&self) -> &SlotCore;
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
    /// Downcasts a loader's output (once) and keeps it until the slot is
    /// published; returns its byte size.
    fn set_pending(&self, value: Box<dyn Any + Send + Sync>) -> Result<usize, LoadError>;
    /// Makes the pending value visible to `get`.
    fn publish(&self);
    /// Drops the value (loaded or pending).
    fn clear(&self);
    /// A reload's shadow of this slot: same asset, type, level, path and
    /// priority, queued, outside the registry and its memory tracking.
    fn new_shadow(&self) -> Arc<dyn ErasedSlot>;
    /// Takes the loaded value of `shadow` (a shadow of this slot) as this
    /// slot's new version; false if the types differ or it has no value.
    fn adopt(&self, shadow: &dyn ErasedSlot) -> bool;
    /// This slot as `Any`, to reach its typed value.
    fn as_any(&self) -> &dyn Any;
}

/// The typed slot handles point to.
pub(crate) struct Slot<T: Asset> {
    pub core: SlotCore,
    value: ArcSwapOption<T>,
    pending: Mutex<Option<Arc<T>>>,
}

impl<T: Asset> Slot<T> {
    /// A registered slot, queued, with one handle.
    pub fn new_queued(
        id: AssetId,
        level: u8,
        path: Option<AssetPath>,
        priority: Priority,
        tracker: Arc<Tracker>,
    ) -> Arc<Self> {
        Arc::new(Self {
            core: SlotCore::new::<T>(id, level, path, QUEUED, priority, Some(tracker)),
            value: ArcSwapOption::empty(),
            pending: Mutex::new(None),
        })
    }

    /// A slot outside the registry that failed at request time (a path that
    /// does not resolve), with one handle.
    pub fn detached_failed(name: AssetName, priority: Priority, error: LoadError) -> Arc<Self> {
        let core = SlotCore::new::<T>(name.id, LEVEL_FULL, name.path, FAILED, priority, None);
        core.set_error(error);
        Arc::new(Self { core, value: ArcSwapOption::empty(), pending: Mutex::new(None) })
    }

    /// The loaded value, if any.
    pub fn get(&self) -> Option<Arc<T>> {
        self.value.load_full()
    }
}

impl<T: Asset> ErasedSlot for Slot<T> {
    fn core(&self) -> &SlotCore {
        &self.core
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn set_pending(&self, value: Box<dyn Any + Send + Sync>) -> Result<usize, LoadError> {
        let value = value.downcast::<T>().map_err(|_| LoadError::WrongType {
            asset: self.core.name(),
            asset_type: String::new(),
            requested: T::TYPE_NAME,
            loadable_as: Vec::new(),
        })?;
        let size = value.byte_size();
        self.core.bytes.store(size, Ordering::Release);
        *self.pending.lock() = Some(Arc::from(value));
        Ok(size)
    }

    fn publish(&self) {
        if let Some(value) = self.pending.lock().take() {
            self.value.store(Some(value));
            self.core.version.fetch_add(1, Ordering::AcqRel);
        }
    }

    fn clear(&self) {
        self.pending.lock().take();
        self.value.store(None);
        self.core.bytes.store(0, Ordering::Release);
    }

    fn new_shadow(&self) -> Arc<dyn ErasedSlot> {
        let core = &self.core;
        let mut shadow = SlotCore::new::<T>(
            core.id,
            core.level,
            core.path().cloned(),
            QUEUED,
            core.priority(),
            None,
        );
        shadow.shadow = true;
        Arc::new(Self { core: shadow, value: ArcSwapOption::empty(), pending: Mutex::new(None) })
    }

    fn adopt(&self, shadow: &dyn ErasedSlot) -> bool {
        let Some(shadow) = shadow.as_any().downcast_ref::<Self>() else { return false };
        let Some(value) = shadow.value.load_full() else { return false };
        self.core.bytes.store(shadow.core.bytes(), Ordering::Release);
        if let Some(content) = shadow.core.content() {
            self.core.set_content(content);
        }
        self.value.store(Some(value));
        self.core.version.fetch_add(1, Ordering::AcqRel);
        true
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_priorities_keep_their_order() {
        let mut list = Vec::new();
        for class in PriorityClass::ALL {
            for urgency in [f32::NEG_INFINITY, -3.5, -0.0, 0.0, 1e-9, 2.0, f32::INFINITY] {
                list.push(Priority::with_urgency(class, urgency));
            }
        }
        for a in &list {
            assert_eq!(unpack_priority(pack_priority(*a)), *a);
            for b in &list {
                assert_eq!(pack_priority(*a).cmp(&pack_priority(*b)), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }
}
