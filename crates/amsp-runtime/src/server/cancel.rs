//! Cancellation: requests that no strong handle wants any more.
//!
//! A request is cancelled only once it left the registry with its handle
//! count still zero (the same check-and-remove under the shard lock that
//! eviction uses, which marks the count so that a weak handle cannot revive
//! it). A `load` that takes a handle first wins: the request then goes on
//! from wherever it was.

use std::sync::Arc;

use super::{Inner, deps};
use crate::error::LoadError;
use crate::sched::{DecodeTask, Unwanted};
use crate::slot::{ErasedSlot, QUEUED};

/// Ends `slot` as cancelled (`Unloaded`) if nobody wants it; false if a
/// handle was taken meanwhile.
pub(crate) fn try_cancel(inner: &Inner, slot: &Arc<dyn ErasedSlot>) -> bool {
    let removed = inner.registry.remove_if(slot.core().key(), |registered| {
        Arc::ptr_eq(registered, slot) && registered.core().try_evict()
    });
    if removed.is_none() {
        return false;
    }
    deps::end_cancelled(inner, slot);
    true
}

/// Puts a request whose loader stopped for a cancellation that did not
/// happen back in the I/O queue.
pub(crate) fn requeue(inner: &Inner, slot: &Arc<dyn ErasedSlot>) {
    let deps = {
        let mut links = slot.core().links.lock();
        slot.clear();
        slot.core().set_state(QUEUED);
        std::mem::take(&mut links.deps)
    };
    drop(deps);
    inner.sched.submit(slot);
    inner.wake_jobs();
}

/// Queues a request that was read ahead for its loader, unless nobody
/// wants it any more.
pub(crate) fn to_decode(inner: &Inner, mut task: DecodeTask) {
    loop {
        match inner.sched.push_decode(task) {
            Ok(()) => return,
            Err(back) => {
                if try_cancel(inner, &back.slot) {
                    return;
                }
                task = back;
            }
        }
    }
}

/// Cancels the requests the scheduler found unwanted.
pub(crate) fn handle_unwanted(inner: &Inner, unwanted: Vec<Unwanted>) {
    for entry in unwanted {
        match entry {
            Unwanted::Queued(slot) => {
                if !try_cancel(inner, &slot) {
                    inner.sched.submit(&slot);
                    inner.wake_jobs();
                }
            }
            Unwanted::Decode(task) => {
                if !try_cancel(inner, &task.slot) {
                    to_decode(inner, task);
                    inner.wake_jobs();
                }
            }
            Unwanted::Waiting(slot) => {
                let _ = try_cancel(inner, &slot);
            }
        }
    }
    // Cancelled requests read ahead gave their bytes back: a read waiting
    // for the budget may start.
    inner.wake_jobs();
}

/// Fails every queued request with [`LoadError::Cancelled`] (at shutdown);
/// with `decode`, also those read ahead and waiting for their loader (which
/// live jobs otherwise finish, as loads in progress).
pub(crate) fn cancel_queued(inner: &Inner, decode: bool) {
    let (queued, decoding) = inner.sched.take_all(decode);
    for slot in queued {
        if slot.core().try_claim() {
            let err = LoadError::Cancelled { asset: slot.core().name() };
            deps::complete(inner, &slot, Err(err));
        }
    }
    for task in decoding {
        task.link.finish();
        let err = LoadError::Cancelled { asset: task.slot.core().name() };
        deps::complete(inner, &task.slot, Err(err));
    }
}
