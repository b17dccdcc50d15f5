//! Strong and weak handles, and the references a load accepts.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Weak};

use amsp_core::{AssetId, AssetPath, Priority};

use crate::asset::Asset;
use crate::error::{AssetName, LoadState};
use crate::slot::{ErasedSlot, Slot};

/// What a load names: an id, a path, or path text.
#[derive(Clone, Copy, Debug)]
pub enum AssetRef<'a> {
    /// A stable asset id.
    Id(AssetId),
    /// A normalised path.
    Path(&'a AssetPath),
    /// Path text, normalised by [`AssetPath::new`] (an invalid path fails the
    /// load with [`LoadError::InvalidPath`](crate::LoadError::InvalidPath)).
    Str(&'a str),
}

impl From<AssetId> for AssetRef<'_> {
    fn from(id: AssetId) -> Self {
        Self::Id(id)
    }
}

impl<'a> From<&'a AssetPath> for AssetRef<'a> {
    fn from(path: &'a AssetPath) -> Self {
        Self::Path(path)
    }
}

impl<'a> From<&'a str> for AssetRef<'a> {
    fn from(text: &'a str) -> Self {
        Self::Str(text)
    }
}

impl<'a> From<&'a String> for AssetRef<'a> {
    fn from(text: &'a String) -> Self {
        Self::Str(text)
    }
}

/// A strong, typed, reference-counted handle to an asset.
///
/// One pointer: an `Arc` to the asset's slot. Cloning is an atomic increment.
/// Two handles are equal when they point to the same slot, which is the case
/// for every load of the same asset as the same type while the asset stays
/// registered. Dropping the last strong handle makes the asset *unused*: it
/// stays loaded until [`AssetServer::unload_unused`](crate::AssetServer::unload_unused)
/// or the memory budget frees it.
pub struct Handle<T: Asset> {
    slot: Arc<Slot<T>>,
}

impl<T: Asset> Handle<T> {
    /// Wraps a slot whose handle count already includes this handle.
    pub(crate) fn from_slot(slot: Arc<Slot<T>>) -> Self {
        Self { slot }
    }

    /// Wraps an erased slot that is known to be a `Slot<T>` and whose handle
    /// count already includes this handle.
    ///
    /// # Panics
    /// Panics if the slot is of another type (the registry keys slots by
    /// `TypeId`, so this is a bug in the server).
    pub(crate) fn from_erased(slot: Arc<dyn ErasedSlot>) -> Self {
        let slot = slot.into_any().downcast::<Slot<T>>().unwrap_or_else(|_| {
            unreachable!("slot registered under TypeId of {} has another type", T::TYPE_NAME)
        });
        Self { slot }
    }

    pub(crate) fn slot(&self) -> &Arc<Slot<T>> {
        &self.slot
    }

    /// A type-erased strong handle to the same slot.
    pub(crate) fn erased(&self) -> ErasedHandle {
        self.slot.core.acquire_more();
        ErasedHandle { slot: Arc::clone(&self.slot) as Arc<dyn ErasedSlot> }
    }

    /// The asset's id ([`AssetId::NIL`] for a path that did not resolve).
    #[must_use]
    pub fn id(&self) -> AssetId {
        self.slot.core.id
    }

    /// The asset's path, once known (at once for loads by path; after the
    /// source described it for loads by id).
    #[must_use]
    pub fn path(&self) -> Option<&AssetPath> {
        self.slot.core.path()
    }

    /// The asset's path and id, as used in messages.
    #[must_use]
    pub fn name(&self) -> AssetName {
        self.slot.core.name()
    }

    /// The asset's state (the same as
    /// [`AssetServer::state`](crate::AssetServer::state)).
    #[must_use]
    pub fn state(&self) -> LoadState {
        self.slot.core.load_state()
    }

    /// How many times a value was published into the slot (0 before the
    /// first load finishes; each reload adds one).
    ///
    /// A new value is stored before the count increments, so a host that
    /// polls `version()` and then `get`s the value never misses a version:
    /// at worst it sees the new value once under the old number, and again
    /// when the number changes.
    #[must_use]
    pub fn version(&self) -> u32 {
        self.slot.core.version()
    }

    /// The level of detail the handle was requested at
    /// ([`AssetServer::load_level`](crate::AssetServer::load_level)), or
    /// `None` for the whole asset.
    #[must_use]
    pub fn level(&self) -> Option<u8> {
        self.slot.core.level()
    }

    /// The priority the asset's request carries now (raised when a more
    /// urgent request or dependent asks for it).
    #[must_use]
    pub fn priority(&self) -> Priority {
        self.slot.core.priority()
    }

    /// A weak handle to the same slot.
    #[must_use]
    pub fn downgrade(&self) -> WeakHandle<T> {
        WeakHandle { slot: Arc::downgrade(&self.slot) }
    }

    /// Whether two handles point to the same slot.
    #[must_use]
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.slot, &b.slot)
    }
}

impl<T: Asset> Clone for Handle<T> {
    fn clone(&self) -> Self {
        self.slot.core.acquire_more();
        Self { slot: Arc::clone(&self.slot) }
    }
}

impl<T: Asset> Drop for Handle<T> {
    fn drop(&mut self) {
        self.slot.core.release();
    }
}

impl<T: Asset> PartialEq for Handle<T> {
    fn eq(&self, other: &Self) -> bool {
        Self::ptr_eq(self, other)
    }
}

impl<T: Asset> Eq for Handle<T> {}

impl<T: Asset> Hash for Handle<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.slot).hash(state);
    }
}

impl<T: Asset> fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("type", &T::TYPE_NAME)
            .field("asset", &self.name().to_string())
            .field("state", &self.state())
            .finish()
    }
}

/// A weak handle: names an asset without keeping it in use.
///
/// [`upgrade`](WeakHandle::upgrade) gives a strong handle back while the slot
/// is still registered; once the asset was unloaded it returns `None`, and a
/// new load (by [`WeakHandle::id`]) makes a fresh slot.
pub struct WeakHandle<T: Asset> {
    slot: Weak<Slot<T>>,
}

impl<T: Asset> WeakHandle<T> {
    /// A strong handle, unless the asset was unloaded.
    #[must_use]
    pub fn upgrade(&self) -> Option<Handle<T>> {
        let slot = self.slot.upgrade()?;
        slot.core.try_acquire().then(|| Handle::from_slot(slot))
    }

    /// The asset's id, while the slot exists.
    #[must_use]
    pub fn id(&self) -> Option<AssetId> {
        self.slot.upgrade().map(|slot| slot.core.id)
    }

    /// Whether the weak handle points to the slot of `handle`.
    #[must_use]
    pub fn points_to(&self, handle: &Handle<T>) -> bool {
        std::ptr::eq(self.slot.as_ptr(), Arc::as_ptr(&handle.slot))
    }
}

impl<T: Asset> Clone for WeakHandle<T> {
    fn clone(&self) -> Self {
        Self { slot: Weak::clone(&self.slot) }
    }
}

impl<T: Asset> fmt::Debug for WeakHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakHandle").field("type", &T::TYPE_NAME).finish_non_exhaustive()
    }
}

/// A strong handle of unknown type, held by parents for their dependencies.
pub(crate) struct ErasedHandle {
    slot: Arc<dyn ErasedSlot>,
}

impl ErasedHandle {
    /// Wraps a slot whose handle count already includes this handle.
    pub(crate) fn from_acquired(slot: Arc<dyn ErasedSlot>) -> Self {
        Self { slot }
    }

    pub(crate) fn slot(&self) -> &Arc<dyn ErasedSlot> {
        &self.slot
    }
}

impl Drop for ErasedHandle {
    fn drop(&mut self) {
        self.slot.core().release();
    }
}
