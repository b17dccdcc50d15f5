//! Memory: which assets are unused, freeing them, the budget, and stats.
//!
//! When a slot's last strong handle goes (or a load finishes with no handle
//! left), the slot pushes its key on a lock-free queue of "became unused"
//! events, at most once until the event is processed, so the queue never
//! holds more entries than there are slots. Nothing is freed in `drop`: the
//! events are processed by [`AssetServer::maintain`](crate::AssetServer::maintain),
//! by `unload_unused`, and, when a budget is set, by a maintenance job that
//! the first unprocessed event spawns on the executor.
//!
//! The budget bounds the bytes of *unused* loaded assets. The server's
//! eviction policy ([`CachePolicy`](crate::cache::CachePolicy), S3-FIFO by
//! default) tracks unused assets — an asset that becomes unused again while
//! still tracked was reused from the cache — and while the tracked bytes
//! exceed the budget, its victim is evicted. A type may have a budget of its
//! own, with a partition of the index of its own ([`super::unused`]).
//! Eviction is a
//! remove-if under the registry shard lock that succeeds only if the handle
//! count is still zero (it then marks the count evicted, so a weak handle
//! cannot revive the slot); an asset picked up again meanwhile just leaves
//! the index.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use crossbeam_queue::SegQueue;

use super::Inner;
use crate::sched::Inbox;
use crate::slot::{
    ErasedSlot, FAILED, LOADED, LOADING, QUEUED, SlotCore, SlotKey, UNLOADED, WAITING,
};

const NO_BUDGET: usize = usize::MAX;

/// Collects "became unused" events from handles; shared by every slot.
pub(crate) struct Tracker {
    /// The scheduler's inbox, where unwanted requests are reported.
    pub inbox: Arc<Inbox>,
    events: SegQueue<SlotKey>,
    clock: AtomicU64,
    budget: AtomicUsize,
    /// Whether some type has a budget of its own.
    type_budgets: AtomicBool,
    scheduled: AtomicBool,
    inner: Weak<Inner>,
}

impl Tracker {
    pub fn new(inner: Weak<Inner>, inbox: Arc<Inbox>, budget: Option<usize>) -> Self {
        Self {
            inbox,
            events: SegQueue::new(),
            clock: AtomicU64::new(0),
            budget: AtomicUsize::new(budget.unwrap_or(NO_BUDGET)),
            type_budgets: AtomicBool::new(false),
            scheduled: AtomicBool::new(false),
            inner,
        }
    }

    /// A tracker attached to no server (unit tests).
    #[cfg(test)]
    pub fn detached() -> Arc<Self> {
        Arc::new(Self::new(Weak::new(), Arc::new(Inbox::default()), None))
    }

    pub fn budget(&self) -> Option<usize> {
        let budget = self.budget.load(Ordering::Acquire);
        (budget != NO_BUDGET).then_some(budget)
    }

    pub fn set_budget(&self, budget: Option<usize>) {
        self.budget.store(budget.unwrap_or(NO_BUDGET), Ordering::Release);
    }

    /// Records whether some type has a budget of its own.
    pub fn set_type_budgets(&self, any: bool) {
        self.type_budgets.store(any, Ordering::Release);
    }

    /// Whether a budget (global or per type) bounds the unused assets.
    fn bounded(&self) -> bool {
        self.budget().is_some() || self.type_budgets.load(Ordering::Acquire)
    }

    /// Records that `core` has no strong handle left. Cheap and lock-free
    /// unless a budget is set and no maintenance job is pending, in which
    /// case it spawns one.
    pub fn became_unused(&self, core: &SlotCore) {
        let tick = self.clock.fetch_add(1, Ordering::Relaxed) + 1;
        core.unused_since.store(tick, Ordering::Release);
        if !core.unused_queued.swap(true, Ordering::SeqCst) {
            self.events.push(core.key());
        }
        if self.bounded() && !self.scheduled.swap(true, Ordering::AcqRel) {
            match self.inner.upgrade() {
                Some(inner) if !inner.is_shut_down() => {
                    let weak = Weak::clone(&self.inner);
                    inner.spawn(Box::new(move || {
                        if let Some(inner) = weak.upgrade() {
                            inner.tracker.scheduled.store(false, Ordering::Release);
                            inner.maintain();
                        }
                    }));
                }
                _ => self.scheduled.store(false, Ordering::Release),
            }
        }
    }
}

/// The memory settings a server is built with.
pub(crate) struct MemoryConfig {
    /// Bytes of unused assets to keep, if bounded.
    pub budget: Option<usize>,
    /// Which unused asset goes first.
    pub policy: crate::cache::CachePolicy,
    /// Types with a budget of their own, and their budgets.
    pub type_budgets: Vec<(std::any::TypeId, usize)>,
}

pub(crate) use super::unused::UnusedIndex;

/// Counts and sizes of a server's assets, from
/// [`AssetServer::stats`](crate::AssetServer::stats).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssetStats {
    /// Requests that created a slot (or failed at once), since the start.
    pub requested: u64,
    /// Loads that finished `Loaded`, since the start.
    pub loaded: u64,
    /// Loads that finished `Failed`, since the start.
    pub failed: u64,
    /// Assets freed by `unload_unused` or the budget, since the start.
    pub evicted: u64,
    /// Registered assets queued now.
    pub queued: usize,
    /// Registered assets loading now.
    pub loading: usize,
    /// Registered assets waiting for dependencies now.
    pub waiting: usize,
    /// Registered assets loaded now.
    pub resident: usize,
    /// Registered assets failed now.
    pub failed_now: usize,
    /// Bytes of the loaded assets.
    pub loaded_bytes: usize,
    /// Loaded assets that no strong handle holds.
    pub unused: usize,
    /// Bytes of the loaded assets that no strong handle holds.
    pub unused_bytes: usize,
    /// Requests cancelled because no strong handle wanted them any more,
    /// since the start.
    pub cancelled: u64,
    /// Requests waiting for the I/O stage now (applied inbox only).
    pub io_queued: usize,
    /// Requests read ahead and waiting for their loader now.
    pub decode_queued: usize,
    /// Reads in progress in the I/O stage now.
    pub io_running: usize,
    /// Bytes read ahead and not yet taken by a loader now.
    pub in_flight_bytes: usize,
    /// The most bytes read ahead and not yet taken by a loader at once,
    /// since the start (never more than [`io_budget`](Self::io_budget)).
    pub peak_in_flight_bytes: usize,
    /// The byte budget for data in flight between the stages.
    pub io_budget: usize,
    /// Retries of loads that failed for a transient reason, since the
    /// start.
    pub retries: u64,
    /// Loads waiting for their next attempt now.
    pub retry_waiting: usize,
    /// Requests answered by an asset already loaded, since the start.
    pub memory_hits: u64,
    /// Of those, requests for an asset no handle held, kept by the memory
    /// cache (L1).
    pub cache_hits: u64,
    /// Bytes read from the source (verified, decoded), since the start.
    pub bytes_read: u64,
    /// Those bytes per storage of the source (its I/O lanes, named by
    /// [`AssetSource::lane_name`](amsp_io::AssetSource::lane_name)), the
    /// most first.
    pub bytes_by_source: Vec<(String, u64)>,
    /// The counters of the disk caches (L2) the source reads through, if
    /// any ([`AssetSource::disk_cache_stats`](amsp_io::AssetSource::disk_cache_stats)).
    pub disk_cache: Option<amsp_io::DiskCacheStats>,
    /// Load times per asset type, the most loaded first.
    pub load_times: Vec<super::timing::TypeLoadTimes>,
    /// Reloads swapped in, since the start.
    pub reloads: u64,
    /// Reloads that failed (the old version stayed), since the start.
    pub reload_failures: u64,
    /// Assets reloading or waiting to reload now.
    pub reloading: usize,
    /// Loaded assets waiting in the upload stage now.
    pub upload_queued: usize,
    /// Uploads cancelled (nobody wanted the asset any more, or it was
    /// unloaded, before it was taken), since the start.
    pub upload_cancelled: u64,
}

impl AssetStats {
    /// Emits the snapshot as `tracing` events (target `amsp::stats`).
    pub fn trace(&self) {
        tracing::info!(
            target: "amsp::stats",
            requested = self.requested,
            loaded = self.loaded,
            failed = self.failed,
            cancelled = self.cancelled,
            evicted = self.evicted,
            memory_hits = self.memory_hits,
            cache_hits = self.cache_hits,
            disk_hits = self.disk_cache.map(|d| d.hits),
            disk_misses = self.disk_cache.map(|d| d.misses),
            io_queued = self.io_queued,
            decode_queued = self.decode_queued,
            upload_queued = self.upload_queued,
            resident = self.resident,
            loaded_bytes = self.loaded_bytes,
            unused_bytes = self.unused_bytes,
            bytes_read = self.bytes_read,
            retries = self.retries,
            reloads = self.reloads,
            reload_failures = self.reload_failures,
            "asset server"
        );
        for (source, bytes) in &self.bytes_by_source {
            tracing::info!(target: "amsp::stats", source = %source, bytes, "bytes read");
        }
        for times in &self.load_times {
            tracing::info!(
                target: "amsp::stats",
                asset_type = times.type_name,
                loaded = times.loaded,
                p50_us = u64::try_from(times.p50.as_micros()).unwrap_or(u64::MAX),
                p95_us = u64::try_from(times.p95.as_micros()).unwrap_or(u64::MAX),
                max_us = u64::try_from(times.max.as_micros()).unwrap_or(u64::MAX),
                "load times"
            );
        }
    }
}

impl Inner {
    /// Drains the events into the index of unused assets, then evicts while
    /// a partition exceeds its type's budget or the total exceeds the
    /// global one; returns the bytes freed.
    pub(crate) fn maintain(&self) -> usize {
        // Cancel what nobody wants any more, without waiting for a job.
        let unwanted = self.sched.apply(self.source.as_ref(), &|key| self.registry.get(key));
        if !unwanted.is_empty() {
            super::cancel::handle_unwanted(self, unwanted);
        }
        let mut lru = self.lru.lock();
        let mut freed = 0;
        loop {
            self.drain_events(&mut lru);
            let global = self.tracker.budget();
            if global.is_none() && !lru.has_type_budgets() {
                return freed;
            }
            let mut evicted = false;
            while let Some(key) = lru.next_victim(global) {
                if let Some(slot) = self.registry.remove_if(key, |slot| evictable(slot, false)) {
                    freed += self.unload_slot(&slot);
                    evicted = true;
                }
            }
            // Evicting a parent releases its dependencies: index them too.
            if !evicted || self.tracker.events.is_empty() {
                return freed;
            }
        }
    }

    /// Gives `type_id` a budget of its own (or returns it to the shared
    /// one) and enforces the budgets; returns the bytes freed.
    pub(crate) fn set_type_budget(
        &self,
        type_id: std::any::TypeId,
        budget: Option<usize>,
    ) -> usize {
        {
            let mut lru = self.lru.lock();
            self.drain_events(&mut lru);
            let bytes_of = |key: &SlotKey| self.registry.get(*key).map(|slot| slot.core().bytes());
            let unused_of_type = || {
                let mut unused = Vec::new();
                self.registry.for_each(|slot| {
                    let core = slot.core();
                    if core.type_id == type_id
                        && core.state_code() == LOADED
                        && core.handle_count() == 0
                    {
                        unused.push((core.key(), core.bytes()));
                    }
                });
                unused
            };
            lru.set_type_budget(type_id, budget, bytes_of, unused_of_type);
            self.tracker.set_type_budgets(lru.has_type_budgets());
        }
        self.maintain()
    }

    /// The budget of `type_id`'s own partition, if it has one.
    pub(crate) fn type_budget(&self, type_id: std::any::TypeId) -> Option<usize> {
        self.lru.lock().type_budget(type_id)
    }

    fn drain_events(&self, lru: &mut UnusedIndex) {
        while let Some(key) = self.tracker.events.pop() {
            let Some(slot) = self.registry.get(key) else {
                lru.remove(&key);
                continue;
            };
            let core = slot.core();
            core.unused_queued.store(false, Ordering::SeqCst);
            if core.handle_count() == 0 && core.state_code() == LOADED {
                lru.insert(key, core.bytes());
            } else {
                lru.remove(&key);
            }
        }
    }

    /// Frees every unused finished asset, repeating while freeing parents
    /// leaves their dependencies unused; returns the bytes freed.
    pub(crate) fn unload_unused(&self) -> usize {
        let mut freed = 0;
        let mut keys = Vec::new();
        loop {
            let removed = self.registry.remove_where(|slot| evictable(slot, true));
            if removed.is_empty() {
                break;
            }
            for slot in removed {
                keys.push(slot.core().key());
                freed += self.unload_slot(&slot);
            }
        }
        let mut lru = self.lru.lock();
        for key in keys {
            lru.remove(&key);
        }
        self.drain_events(&mut lru);
        freed
    }

    /// Clears an evicted slot's value and releases its dependencies.
    fn unload_slot(&self, slot: &Arc<dyn ErasedSlot>) -> usize {
        let core = slot.core();
        let bytes = if core.state_code() == LOADED { core.bytes() } else { 0 };
        let deps = {
            let mut links = core.links.lock();
            slot.clear();
            core.set_state(UNLOADED);
            std::mem::take(&mut links.deps)
        };
        drop(deps);
        self.counters.evicted.fetch_add(1, Ordering::Relaxed);
        self.signal.notify();
        bytes
    }

    pub(crate) fn stats(&self) -> AssetStats {
        let mut stats = AssetStats {
            requested: self.counters.requested.load(Ordering::Relaxed),
            loaded: self.counters.loaded.load(Ordering::Relaxed),
            failed: self.counters.failed.load(Ordering::Relaxed),
            evicted: self.counters.evicted.load(Ordering::Relaxed),
            cancelled: self.counters.cancelled.load(Ordering::Relaxed),
            in_flight_bytes: self.sched.budget.held(),
            peak_in_flight_bytes: self.sched.budget.peak(),
            io_budget: self.sched.budget.limit(),
            reloads: self.reloads.reloaded.load(Ordering::Relaxed),
            reload_failures: self.reloads.failed.load(Ordering::Relaxed),
            reloading: self.reloads.in_flight(),
            retries: self.retries.scheduled.load(Ordering::Relaxed),
            bytes_read: self.timings.bytes_read(),
            bytes_by_source: self.timings.bytes_by_lane(|lane| self.source.lane_name(lane)),
            load_times: self.timings.load_times(),
            disk_cache: self.source.disk_cache_stats(),
            retry_waiting: self.retries.waiting(),
            ..AssetStats::default()
        };
        let counts = self.sched.counts();
        let hits = self.registry.hits();
        (stats.memory_hits, stats.cache_hits) = (hits.loaded, hits.cached);
        stats.io_queued = counts.io_queued;
        stats.decode_queued = counts.decode_queued;
        stats.io_running = counts.io_running;
        (stats.upload_queued, stats.upload_cancelled) = self.uploads.counts();
        self.registry.for_each(|slot| {
            let core = slot.core();
            match core.state_code() {
                QUEUED => stats.queued += 1,
                LOADING => stats.loading += 1,
                WAITING => stats.waiting += 1,
                LOADED => {
                    stats.resident += 1;
                    stats.loaded_bytes += core.bytes();
                    if core.handle_count() == 0 {
                        stats.unused += 1;
                        stats.unused_bytes += core.bytes();
                    }
                }
                FAILED => stats.failed_now += 1,
                _ => {}
            }
        });
        stats
    }

    pub(crate) fn memory_usage(&self) -> MemoryUsage {
        let mut usage = MemoryUsage::default();
        let lru = self.lru.lock();
        self.registry.for_each(|slot| {
            let core = slot.core();
            if core.state_code() != LOADED {
                return;
            }
            let bytes = core.bytes();
            let unused = core.handle_count() == 0;
            let entry = match usage.by_type.iter_mut().find(|t| t.type_name == core.type_name) {
                Some(entry) => entry,
                None => {
                    usage.by_type.push(TypeUsage {
                        type_name: core.type_name,
                        budget: lru.type_budget(core.type_id),
                        ..TypeUsage::default()
                    });
                    usage.by_type.last_mut().expect("just pushed")
                }
            };
            for t in [&mut usage.total, entry] {
                t.assets += 1;
                t.bytes += bytes;
                if unused {
                    t.unused_assets += 1;
                    t.unused_bytes += bytes;
                }
            }
        });
        usage.by_type.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.type_name.cmp(b.type_name)));
        usage.total.type_name = "*";
        usage
    }
}

/// Memory held by loaded assets, from
/// [`AssetServer::memory_usage`](crate::AssetServer::memory_usage).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryUsage {
    /// Every type together (`type_name` is `"*"`).
    pub total: TypeUsage,
    /// Per asset type, the largest first.
    pub by_type: Vec<TypeUsage>,
}

/// Loaded assets of one type and their bytes (as their
/// [`Asset::byte_size`](crate::Asset::byte_size) reports them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TypeUsage {
    /// The type's [`Asset::TYPE_NAME`](crate::Asset::TYPE_NAME).
    pub type_name: &'static str,
    /// Loaded assets.
    pub assets: usize,
    /// Their bytes.
    pub bytes: usize,
    /// Loaded assets no handle holds (the cache: evictable).
    pub unused_assets: usize,
    /// Their bytes.
    pub unused_bytes: usize,
    /// The budget for the type's unused bytes, if it has one of its own
    /// ([`AssetServer::set_type_budget`](crate::AssetServer::set_type_budget)).
    pub budget: Option<usize>,
}

/// Whether `slot` can go now; if so, marks it evicted (called under the
/// shard lock). Failed slots go only with `failed_too`.
fn evictable(slot: &Arc<dyn ErasedSlot>, failed_too: bool) -> bool {
    let core = slot.core();
    let state = core.state_code();
    (state == LOADED || (failed_too && state == FAILED)) && core.try_evict()
}
