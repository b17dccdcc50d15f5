//! The request queues: one lock-free FIFO per priority class.
//!
//! A request is an entry pointing to its slot; the slot's state byte decides
//! who loads it (the first worker to move it `Queued → Loading`). So raising
//! a request's priority is a second push at the higher class; the entry left
//! behind in the lower class becomes stale and is skipped when popped. That
//! keeps the request path to one lock-free push, and leaves room for the
//! streaming scheduler's re-prioritisation: a class queue can become an
//! urgency-ordered structure without changing the entry or claim protocol.

use crossbeam_queue::SegQueue;

use std::sync::Arc;

use amsp_core::Priority;

use crate::slot::ErasedSlot;

/// One queued request.
pub(crate) struct QueueEntry {
    pub slot: Arc<dyn ErasedSlot>,
    /// The priority the entry was queued with (the slot's own may since have
    /// risen).
    pub priority: Priority,
}

/// Per-class FIFO queues, popped most urgent class first.
pub(crate) struct RequestQueue {
    classes: [SegQueue<QueueEntry>; 4],
}

impl RequestQueue {
    pub fn new() -> Self {
        Self { classes: std::array::from_fn(|_| SegQueue::new()) }
    }

    pub fn push(&self, entry: QueueEntry) {
        self.classes[entry.priority.class.queue_index()].push(entry);
    }

    /// The oldest entry of the most urgent non-empty class.
    pub fn pop(&self) -> Option<QueueEntry> {
        self.classes.iter().find_map(SegQueue::pop)
    }

    /// Whether every class is empty.
    pub fn is_empty(&self) -> bool {
        self.classes.iter().all(SegQueue::is_empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slot::Slot;
    use amsp_core::{AssetId, PriorityClass};

    #[test]
    fn pops_most_urgent_class_first_and_fifo_within() {
        let queue = RequestQueue::new();
        let tracker = crate::server::memory::Tracker::detached();
        let entry = |n: u128, class| {
            let slot: Arc<dyn ErasedSlot> = Slot::<crate::Blob>::new_queued(
                AssetId::from_u128(n),
                None,
                Priority::new(class),
                Arc::clone(&tracker),
            );
            QueueEntry { slot, priority: Priority::new(class) }
        };
        queue.push(entry(1, PriorityClass::Low));
        queue.push(entry(2, PriorityClass::Normal));
        queue.push(entry(3, PriorityClass::Critical));
        queue.push(entry(4, PriorityClass::Normal));
        let order: Vec<u128> =
            std::iter::from_fn(|| queue.pop()).map(|e| e.slot.core().id.as_u128()).collect();
        assert_eq!(order, [3, 2, 4, 1]);
    }
}
