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
use crate::queue::QueueEntry;
use crate::slot::{ErasedSlot, LOADING, QUEUED, Slot, SlotKey, WAITING};

impl Inner {
    /// Requests `asset` as a `T`.
    pub(crate) fn load_typed<T: Asset>(
        &self,
        asset: AssetRef<'_>,
        priority: Priority,
    ) -> Handle<T> {
        let path = match asset {
            AssetRef::Id(id) => return self.load_resolved(id, None, priority),
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
            Some(id) => self.load_resolved(id, Some(path), priority),
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
        mut path: Option<Cow<'_, AssetPath>>,
        priority: Priority,
    ) -> Handle<T> {
        let slot = self.request_slot((id, TypeId::of::<T>()), priority, || {
            // The path moves into a new slot; it is copied only when borrowed.
            let path = path.take().map(Cow::into_owned);
            Slot::<T>::new_queued(id, path, priority, Arc::clone(&self.tracker))
        });
        // An existing slot requested by id so far learns its path now.
        if let Some(path) = &path {
            slot.core().set_path(path);
        }
        Handle::from_erased(slot)
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
        make: impl FnOnce() -> Arc<dyn ErasedSlot>,
    ) -> Arc<dyn ErasedSlot> {
        let (slot, created) = self.registry.acquire_or_insert(key, make);
        if created {
            self.counters.request();
            if self.is_shut_down() {
                if slot.core().try_claim() {
                    let err = LoadError::Cancelled { asset: slot.core().name() };
                    deps::complete(self, &slot, Err(err));
                }
            } else {
                self.queue.push(QueueEntry { slot: Arc::clone(&slot), priority });
                self.wake_jobs();
            }
        } else {
            self.raise_priority(&slot, priority);
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
        let slot = self.request_slot((id, loader.output_type()), priority, || {
            loader.new_slot(id, priority, Arc::clone(&self.tracker))
        });
        deps::declare(self, parent, ErasedHandle::from_acquired(slot))
    }

    /// Raises the priority of `slot` and, transitively, of the dependencies
    /// it waits for; a queued slot is queued again at the higher class (the
    /// old entry goes stale).
    pub(crate) fn raise_priority(&self, slot: &Arc<dyn ErasedSlot>, priority: Priority) {
        if slot.core().priority() >= priority {
            return;
        }
        let mut stack = vec![Arc::clone(slot)];
        while let Some(slot) = stack.pop() {
            let core = slot.core();
            if !core.raise_priority(priority) {
                continue;
            }
            match core.state_code() {
                QUEUED => {
                    self.queue.push(QueueEntry { slot: Arc::clone(&slot), priority });
                    self.wake_jobs();
                }
                LOADING | WAITING => {
                    stack.extend(core.links.lock().deps.iter().map(|dep| Arc::clone(dep.slot())));
                }
                _ => {}
            }
        }
    }
}
