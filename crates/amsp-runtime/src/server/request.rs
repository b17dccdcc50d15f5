//! The request path: resolve, find or create the slot, queue, wake a job.
//!
//! This is what `load()` runs on the caller's thread, so it does no I/O and
//! takes no lock a worker holds for long: the source's in-memory `resolve`,
//! one registry shard lock around a hash lookup, a lock-free queue push and,
//! only when fewer drain jobs are live than the executor has workers, the
//! executor's `spawn`.

use std::any::TypeId;
use std::borrow::Cow;
use std::sync::Arc;

use amsp_core::{AssetId, AssetPath, Priority};

use super::{Inner, deps};
use crate::asset::Asset;
use crate::error::{AssetName, LoadError};
use crate::handle::{AssetRef, ErasedHandle, Handle};
use crate::slot::{ErasedSlot, LEVEL_FULL, LOADING, QUEUED, Slot, SlotKey, WAITING};

impl Inner {
    /// Requests `asset` as a `T`.
    pub(crate) fn load_typed<T: Asset>(
        &self,
        asset: AssetRef<'_>,
        priority: Priority,
    ) -> Handle<T> {
        self.load_typed_since(asset, priority, None)
    }

    /// Requests level of detail `level` (and every coarser one) of `asset`
    /// as a `T`.
    pub(crate) fn load_typed_level<T: Asset>(
        &self,
        asset: AssetRef<'_>,
        level: u8,
        priority: Priority,
    ) -> Handle<T> {
        self.load_typed_at(asset, level.min(LEVEL_FULL - 1), priority, None)
    }

    /// Requests `asset` as a `T`; a dependency passes the queue time of its
    /// dependent (`since`), so that it ages from there.
    pub(crate) fn load_typed_since<T: Asset>(
        &self,
        asset: AssetRef<'_>,
        priority: Priority,
        since: Option<u64>,
    ) -> Handle<T> {
        self.load_typed_at(asset, LEVEL_FULL, priority, since)
    }

    fn load_typed_at<T: Asset>(
        &self,
        asset: AssetRef<'_>,
        level: u8,
        priority: Priority,
        since: Option<u64>,
    ) -> Handle<T> {
        let path = match asset {
            AssetRef::Id(id) => return self.load_resolved(id, level, None, priority, since),
            AssetRef::Path(path) => Cow::Borrowed(path),
            AssetRef::Str(text) => match AssetPath::new(text) {
                Ok(path) => Cow::Owned(path),
                Err(source) => {
                    let err = LoadError::InvalidPath { path: text.to_owned(), source };
                    return self.failed_at_request(
                        AssetName::new(AssetId::NIL, None),
                        priority,
                        err,
                    );
                }
            },
        };
        match self.source.resolve(&path) {
            Some(id) => self.load_resolved(id, level, Some(path), priority, since),
            None => {
                let asset = AssetName::new(AssetId::NIL, Some(path.into_owned()));
                let err = LoadError::NotFound {
                    asset: asset.clone(),
                    source_name: self.source.name().to_owned(),
                };
                self.failed_at_request(asset, priority, err)
            }
        }
    }

    fn load_resolved<T: Asset>(
        &self,
        id: AssetId,
        level: u8,
        mut path: Option<Cow<'_, AssetPath>>,
        priority: Priority,
        since: Option<u64>,
    ) -> Handle<T> {
        let slot = self.request_slot((id, TypeId::of::<T>(), level), priority, since, || {
            // The path moves into a new slot; it is copied only when borrowed.
            let path = path.take().map(Cow::into_owned);
            Slot::<T>::new_queued(id, level, path, priority, Arc::clone(&self.tracker))
        });
        // An existing slot requested by id so far learns its path now.
        if let Some(path) = &path {
            slot.core().set_path(path);
        }
        Handle::from_erased(slot)
    }

    /// The slots of the same asset and type as `core` at other levels that
    /// are loaded from `content`. Levels beyond 32 (a 4-billion-texel mip
    /// chain) are not looked for.
    pub(crate) fn other_levels_loaded(
        &self,
        core: &crate::slot::SlotCore,
        content: amsp_core::ContentHash,
    ) -> Vec<(u8, Arc<dyn ErasedSlot>)> {
        let levels = (0..32).chain([LEVEL_FULL]).filter(|&l| l != core.level);
        let mut found = self.registry.levels_of(core.id, core.type_id, levels);
        found.retain(|(_, slot)| {
            slot.core().state_code() == crate::slot::LOADED
                && slot.core().content() == Some(content)
        });
        found
    }

    /// A handle that failed before reaching the registry.
    fn failed_at_request<T: Asset>(
        &self,
        asset: AssetName,
        priority: Priority,
        err: LoadError,
    ) -> Handle<T> {
        self.counters.request();
        // Nothing waits for this request: whether it left the server idle
        // does not matter.
        let _ = self.counters.end(false);
        Handle::from_slot(Slot::<T>::detached_failed(asset, priority, err))
    }

    /// The registered slot for `key`, with a handle taken on it; a new slot
    /// (from `make`) is queued and a job woken for it, an existing one has
    /// its priority raised if `priority` is more urgent.
    pub(crate) fn request_slot(
        &self,
        key: SlotKey,
        priority: Priority,
        since: Option<u64>,
        make: impl FnOnce() -> Arc<dyn ErasedSlot>,
    ) -> Arc<dyn ErasedSlot> {
        let (slot, created) = self.registry.acquire_or_insert(key, make);
        if created {
            self.counters.request();
            let now = self.sched.now();
            slot.core().set_requested_at(now);
            slot.core().inherit_since(since.unwrap_or(now));
            if self.is_shut_down() {
                if slot.core().try_claim() {
                    let err = LoadError::Cancelled { asset: slot.core().name() };
                    deps::complete(self, &slot, Err(err));
                }
            } else {
                self.sched.submit(&slot);
                self.wake_jobs();
            }
        } else {
            // A caller's request never makes an existing one older.
            self.raise_priority(&slot, priority, since.unwrap_or(u64::MAX));
        }
        slot
    }

    /// Requests catalog dependency `id` of `parent` as the default type of
    /// its cooked type, and records the edge.
    ///
    /// # Errors
    /// [`LoadError::Cycle`] when the dependency leads back to `parent`.
    pub(crate) fn request_catalog_dependency(
        &self,
        parent: &Arc<dyn ErasedSlot>,
        id: AssetId,
        priority: Priority,
    ) -> Result<(), LoadError> {
        let since = Some(parent.core().since());
        let asset_type = self.source.describe(id).map(|desc| desc.asset_type.clone());
        let loader = self.loaders.read().default_for(asset_type.as_deref());
        let Some(loader) = loader else {
            return Err(LoadError::Unsupported {
                asset: AssetName::new(id, None),
                asset_type: asset_type.unwrap_or_default(),
                extension: None,
                requested: "any asset type",
            });
        };
        let slot =
            self.request_slot((id, loader.output_type(), LEVEL_FULL), priority, since, || {
                loader.new_slot(id, priority, Arc::clone(&self.tracker))
            });
        deps::declare(self, parent, ErasedHandle::from_acquired(slot))
    }

    /// Raises the priority of `slot` (and lowers its queue time to `since`)
    /// and, transitively, of the dependencies its load declared; a request
    /// still in a queue is moved there.
    pub(crate) fn raise_priority(
        &self,
        slot: &Arc<dyn ErasedSlot>,
        priority: Priority,
        since: u64,
    ) {
        let core = slot.core();
        if core.priority() >= priority && core.since() <= since {
            return;
        }
        let mut moved = false;
        let mut stack = vec![Arc::clone(slot)];
        while let Some(slot) = stack.pop() {
            let core = slot.core();
            let raised = core.raise_priority(priority);
            if !(core.inherit_since(since) | raised) {
                continue;
            }
            match core.state_code() {
                QUEUED => {
                    self.sched.submit(&slot);
                    moved = true;
                }
                LOADING | WAITING => {
                    // A request between the stages moves in the decode queue.
                    self.sched.submit(&slot);
                    moved = true;
                    stack.extend(core.links.lock().deps.iter().map(|dep| Arc::clone(dep.slot())));
                }
                _ => {}
            }
        }
        if moved {
            self.wake_jobs();
        }
    }

    /// Sets the priority of `slot` to `priority`, more or less urgent. A
    /// request still queued moves (applied by the next job, O(log n)); a
    /// raise also raises the dependencies its load declared (a lower
    /// priority is not passed down: other dependents may want them sooner).
    pub(crate) fn set_priority(&self, slot: &Arc<dyn ErasedSlot>, priority: Priority) -> bool {
        let core = slot.core();
        if core.state_code() == crate::slot::LOADED {
            // A loaded asset may still wait in the upload stage.
            return core.set_priority(priority) != priority && self.uploads.reprioritise(slot);
        }
        if core.is_terminal() {
            return false;
        }
        let old = core.set_priority(priority);
        if old == priority {
            return false;
        }
        match core.state_code() {
            QUEUED => self.sched.submit(slot),
            LOADING | WAITING => {
                self.sched.submit(slot);
                if priority > old {
                    let since = core.since();
                    let deps: Vec<_> =
                        core.links.lock().deps.iter().map(|dep| Arc::clone(dep.slot())).collect();
                    for dep in deps {
                        self.raise_priority(&dep, priority, since);
                    }
                }
            }
            _ => return false,
        }
        true
    }
}
