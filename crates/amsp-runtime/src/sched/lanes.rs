//! The I/O stage's queues: one [`StageQueue`] per I/O lane of the source
//! (one independent storage: a disk, an HTTP endpoint, memory; see
//! [`AssetSource::io_lane`](amsp_io::AssetSource::io_lane)), with the reads
//! running on each.
//!
//! A read starts on a lane only while fewer than the lane's limit run there
//! (the lesser of the source's
//! [`lane_concurrency`](amsp_io::AssetSource::lane_concurrency) and the
//! server's I/O limit), and only while fewer than the server's limit run in
//! all. The pick takes the most urgent head among the lanes with room: when
//! the most urgent request's lane is full, another lane's request starts
//! instead, and within a lane requests keep their order. Lanes are few (one
//! per mount), so the pick looks at every lane's head; a lane with nothing
//! queued or running is dropped.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::key::Key;
use super::queue::{StageQueue, slot_addr};
use crate::slot::ErasedSlot;

/// One lane: its queued requests and its reads in progress.
#[derive(Default)]
struct Lane {
    queue: StageQueue<Arc<dyn ErasedSlot>>,
    running: usize,
}

/// The I/O queues of every lane with work, and the reads in progress.
#[derive(Default)]
pub(crate) struct IoLanes {
    lanes: BTreeMap<u32, Lane>,
    queued: usize,
    running: usize,
}

impl IoLanes {
    /// Requests queued on every lane.
    pub fn len(&self) -> usize {
        self.queued
    }

    /// Reads in progress on every lane.
    pub fn running(&self) -> usize {
        self.running
    }

    /// Whether the slot at `addr` is queued on `lane`.
    pub fn contains(&self, lane: u32, addr: usize) -> bool {
        self.lanes.get(&lane).is_some_and(|l| l.queue.key_of(addr).is_some())
    }

    /// Queues a slot on `lane` (it must not be queued already).
    pub fn insert(&mut self, lane: u32, key: Key, slot: Arc<dyn ErasedSlot>) {
        self.lanes.entry(lane).or_default().queue.insert(slot_addr(&slot), key, slot);
        self.queued += 1;
    }

    /// Moves the slot at `addr` on `lane` to `score`; O(log n).
    pub fn rekey(&mut self, lane: u32, addr: usize, score: u64) {
        if let Some(l) = self.lanes.get_mut(&lane) {
            l.queue.rekey(addr, score);
        }
    }

    /// Takes the slot at `addr` out of `lane`'s queue.
    pub fn remove(&mut self, lane: u32, addr: usize) -> Option<Arc<dyn ErasedSlot>> {
        let l = self.lanes.get_mut(&lane)?;
        let slot = l.queue.remove(addr)?;
        self.queued -= 1;
        self.drop_if_idle(lane);
        Some(slot)
    }

    /// The most urgent queued request of every lane, full or not.
    pub fn peek(&self) -> Option<(Key, &Arc<dyn ErasedSlot>)> {
        self.lanes
            .values()
            .filter_map(|l| l.queue.peek())
            .map(|(&key, slot)| (key, slot))
            .max_by_key(|(key, _)| *key)
    }

    /// The lane, key and slot of the most urgent head among the lanes where
    /// a read may start: none when `total` reads run already; on a lane,
    /// while fewer than the lesser of `lane_limit(lane)` (at least 1) and
    /// `total` run there.
    pub fn best_startable(
        &self,
        total: usize,
        lane_limit: impl Fn(u32) -> Option<usize>,
    ) -> Option<(u32, Key, &Arc<dyn ErasedSlot>)> {
        if self.running >= total {
            return None;
        }
        let mut best: Option<(u32, Key, &Arc<dyn ErasedSlot>)> = None;
        for (&lane, l) in &self.lanes {
            let Some((&key, slot)) = l.queue.peek() else { continue };
            if best.is_some_and(|(_, b, _)| b > key) {
                continue;
            }
            let limit = lane_limit(lane).map_or(total, |n| n.clamp(1, total));
            if l.running < limit {
                best = Some((lane, key, slot));
            }
        }
        best
    }

    /// Takes the head of `lane`'s queue (named by
    /// [`best_startable`](Self::best_startable)).
    pub fn pop(&mut self, lane: u32) -> Option<Arc<dyn ErasedSlot>> {
        let slot = self.lanes.get_mut(&lane)?.queue.pop(slot_addr)?;
        self.queued -= 1;
        self.drop_if_idle(lane);
        Some(slot)
    }

    /// A read started on `lane`.
    pub fn start(&mut self, lane: u32) {
        self.lanes.entry(lane).or_default().running += 1;
        self.running += 1;
    }

    /// A read on `lane` ended.
    pub fn done(&mut self, lane: u32) {
        let Some(l) = self.lanes.get_mut(&lane) else {
            debug_assert!(false, "a read ended on lane {lane}, which has none running");
            return;
        };
        debug_assert!(l.running > 0, "a read ended on lane {lane}, which has none running");
        l.running = l.running.saturating_sub(1);
        self.running = self.running.saturating_sub(1);
        self.drop_if_idle(lane);
    }

    /// Takes every queued slot out (the reads in progress stay counted).
    pub fn drain_all(&mut self) -> Vec<Arc<dyn ErasedSlot>> {
        let mut slots = Vec::with_capacity(self.queued);
        for l in self.lanes.values_mut() {
            slots.extend(l.queue.drain_all());
        }
        self.lanes.retain(|_, l| l.running > 0);
        self.queued = 0;
        slots
    }

    fn drop_if_idle(&mut self, lane: u32) {
        if self.lanes.get(&lane).is_some_and(|l| l.running == 0 && l.queue.is_empty()) {
            self.lanes.remove(&lane);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::key::Aging;
    use crate::slot::Slot;
    use amsp_core::{AssetId, Priority, PriorityClass};

    fn slot(n: u128) -> Arc<dyn ErasedSlot> {
        Slot::<crate::Blob>::new_queued(
            AssetId::from_u128(n),
            crate::slot::LEVEL_FULL,
            None,
            Priority::new(PriorityClass::Normal),
            crate::server::memory::Tracker::detached(),
        )
    }

    #[test]
    fn a_full_lane_lets_the_best_head_of_another_lane_start() {
        let aging = Aging::new(None);
        let score = |class| aging.score(Priority::new(class), 0);
        let mut lanes = IoLanes::default();
        // Lane 0 (limit 1): a Critical and a High request; lane 1 (limit 2):
        // two Normal ones, queued last.
        let cases = [
            (1, 0, PriorityClass::Critical),
            (2, 0, PriorityClass::High),
            (3, 1, PriorityClass::Normal),
            (4, 1, PriorityClass::Normal),
        ];
        for (seq, (n, lane, class)) in cases.into_iter().enumerate() {
            lanes.insert(lane, Key::new(score(class), seq as u64), slot(n));
        }
        let limit = |lane| Some(if lane == 0 { 1 } else { 2 });
        let mut started = Vec::new();
        while let Some((lane, _, _)) = lanes.best_startable(8, limit) {
            let slot = lanes.pop(lane).unwrap();
            lanes.start(lane);
            started.push(slot.core().id.as_u128());
        }
        // Lane 0 holds its High request back; lane 1 fills to its limit.
        assert_eq!(started, [1, 3, 4]);
        assert_eq!((lanes.len(), lanes.running()), (1, 3));
        lanes.done(1);
        assert!(lanes.best_startable(8, limit).is_none(), "lane 1 has room, nothing queued");
        lanes.done(0);
        let (lane, _, head) = lanes.best_startable(8, limit).unwrap();
        assert_eq!((lane, head.core().id.as_u128()), (0, 2));
        // The server-wide limit caps the total whatever the lanes allow.
        assert!(lanes.best_startable(1, limit).is_none());
        assert_eq!(lanes.drain_all().len(), 1);
        assert_eq!((lanes.len(), lanes.running()), (0, 1));
        lanes.done(1);
        assert!(lanes.lanes.is_empty(), "idle lanes are dropped");
        // A lane limit of 0 counts as 1: its requests still run, one at a time.
        lanes.insert(7, Key::new(score(PriorityClass::Low), 9), slot(5));
        lanes.insert(7, Key::new(score(PriorityClass::Low), 10), slot(6));
        let zero = |_| Some(0);
        assert_eq!(lanes.best_startable(8, zero).map(|(lane, _, _)| lane), Some(7));
        assert_eq!(lanes.pop(7).map(|s| s.core().id.as_u128()), Some(5));
        lanes.start(7);
        assert!(lanes.best_startable(8, zero).is_none());
    }
}
