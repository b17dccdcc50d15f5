//! Backpressure between the I/O stage and the decode stage.
//!
//! The I/O stage reads the first chunks of an entry (those a loader asks for
//! first: a texture's header and mip tail, a mesh's coarse LODs) before the
//! loader runs. The bytes read ahead wait in a [`StageLink`] until the
//! loader takes them through [`LoadInput::read_chunk`](crate::LoadInput::read_chunk)
//! or the load ends. They count against the server's [`Budget`]: the
//! scheduler starts a read only once it can reserve the bytes it may read
//! ahead (the entry's size, capped by the per-request read-ahead limit and
//! by the budget itself), so the bytes held between the stages never exceed
//! the budget, whatever is queued.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::Mutex;

use crate::slot::ErasedSlot;

/// The byte budget for data in flight between the stages.
pub(crate) struct Budget {
    limit: usize,
    /// Bytes reserved by reads in progress or read ahead (changed by
    /// reservations under the scheduler lock, released anywhere).
    reserved: AtomicUsize,
    /// Bytes actually held (read ahead and not yet taken by a loader).
    held: AtomicUsize,
    /// The most bytes ever held at once.
    peak: AtomicUsize,
}

impl Budget {
    pub fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            reserved: AtomicUsize::new(0),
            held: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Reserves `need` bytes (at most the limit) if they fit. Called only
    /// under the scheduler lock, so reservations never overshoot; releases
    /// only lower the count.
    pub fn try_reserve(&self, need: usize) -> bool {
        let need = need.min(self.limit);
        let reserved = self.reserved.load(Ordering::Acquire);
        if reserved.saturating_add(need) > self.limit {
            return false;
        }
        self.reserved.fetch_add(need, Ordering::AcqRel);
        true
    }

    /// Whether `need` bytes would fit now.
    pub fn fits(&self, need: usize) -> bool {
        self.reserved.load(Ordering::Acquire).saturating_add(need.min(self.limit)) <= self.limit
    }

    fn release(&self, bytes: usize) {
        self.reserved.fetch_sub(bytes, Ordering::AcqRel);
    }

    /// Gives back a reservation that no read took over.
    pub fn unreserve(&self, bytes: usize) {
        self.release(bytes);
    }

    fn hold(&self, bytes: usize) {
        let now = self.held.fetch_add(bytes, Ordering::AcqRel) + bytes;
        self.peak.fetch_max(now, Ordering::AcqRel);
    }

    fn unhold(&self, bytes: usize) {
        self.held.fetch_sub(bytes, Ordering::AcqRel);
    }

    /// Bytes held between the stages now.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Acquire)
    }

    /// The most bytes held between the stages at once so far.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Acquire)
    }
}

/// The chunks read ahead for one load, and what a loader's reads check:
/// whether the request is still wanted.
pub(crate) struct StageLink {
    state: Mutex<Option<Staged>>,
}

struct Staged {
    slot: Arc<dyn ErasedSlot>,
    chunks: Vec<Option<Vec<u8>>>,
    /// A chunk whose read ahead failed, and why: the loader gets the error
    /// if it asks for that chunk, rather than a second failing read.
    failed: Option<(u32, amsp_io::ReadError)>,
    /// Bytes reserved for this load and not yet released.
    reserved: usize,
    /// Bytes read ahead so far (never more than `reserved`).
    stored: usize,
    budget: Arc<Budget>,
}

impl Drop for Staged {
    fn drop(&mut self) {
        let held: usize = self.chunks.iter().flatten().map(Vec::len).sum();
        self.budget.unhold(held);
        self.budget.release(self.reserved);
    }
}

/// What [`StageLink::take`] found.
pub(crate) enum Taken {
    /// The chunk was read ahead: here it is.
    Bytes(Vec<u8>),
    /// Not read ahead (or the load has ended): read it from the source.
    Absent,
    /// Its read ahead failed with this error.
    Failed(amsp_io::ReadError),
    /// Nobody wants the asset any more: stop.
    Cancelled,
}

impl StageLink {
    /// A link for `slot` owning a reservation of `reserved` bytes (released
    /// when the link finishes or is dropped).
    pub fn new(slot: Arc<dyn ErasedSlot>, budget: Arc<Budget>, reserved: usize) -> Arc<Self> {
        let reserved = reserved.min(budget.limit());
        Arc::new(Self {
            state: Mutex::new(Some(Staged {
                slot,
                chunks: Vec::new(),
                failed: None,
                reserved,
                stored: 0,
                budget,
            })),
        })
    }

    /// The bytes this load may still read ahead.
    pub fn room(&self) -> usize {
        self.state.lock().as_ref().map_or(0, |s| s.reserved - s.stored)
    }

    /// Keeps `bytes` as chunk `chunk` if they fit in the reservation; false
    /// (and the bytes dropped) if they do not.
    pub fn store(&self, chunk: u32, bytes: Vec<u8>) -> bool {
        let mut state = self.state.lock();
        let Some(staged) = state.as_mut() else { return false };
        let Some(stored) = staged.stored.checked_add(bytes.len()) else { return false };
        if stored > staged.reserved {
            return false;
        }
        let index = chunk as usize;
        if staged.chunks.len() <= index {
            staged.chunks.resize_with(index + 1, || None);
        }
        staged.stored = stored;
        staged.budget.hold(bytes.len());
        staged.chunks[index] = Some(bytes);
        true
    }

    /// Gives back the part of the reservation that was not filled (once the
    /// I/O stage is done reading ahead).
    pub fn trim(&self) {
        if let Some(staged) = self.state.lock().as_mut() {
            staged.budget.release(staged.reserved - staged.stored);
            staged.reserved = staged.stored;
        }
    }

    /// Records that the read ahead of chunk `chunk` failed with `err`.
    pub fn store_failure(&self, chunk: u32, err: amsp_io::ReadError) {
        if let Some(staged) = self.state.lock().as_mut() {
            staged.failed = Some((chunk, err));
        }
    }

    /// Hands chunk `chunk` to the loader if it was read ahead; its bytes
    /// leave the budget then.
    pub fn take(&self, chunk: u32) -> Taken {
        let mut state = self.state.lock();
        let Some(staged) = state.as_mut() else { return Taken::Absent };
        if !staged.slot.core().is_wanted() {
            return Taken::Cancelled;
        }
        match staged.chunks.get_mut(chunk as usize).and_then(Option::take) {
            Some(bytes) => {
                staged.budget.unhold(bytes.len());
                let len = bytes.len();
                staged.budget.release(len);
                staged.reserved -= len;
                staged.stored -= len;
                Taken::Bytes(bytes)
            }
            None => match staged.failed.take() {
                Some((failed, err)) if failed == chunk => Taken::Failed(err),
                other => {
                    staged.failed = other;
                    Taken::Absent
                }
            },
        }
    }

    /// Whether the load reads through this link still (before
    /// [`finish`](Self::finish)).
    pub fn is_active(&self) -> bool {
        self.state.lock().is_some()
    }

    /// Ends the decode stage: drops what the loader did not take, releases
    /// the reservation, and stops cancellation checks (a loader may keep its
    /// input, as an audio stream does, and read from the source later).
    pub fn finish(&self) {
        let staged = self.state.lock().take();
        drop(staged);
    }
}
