//! A stage queue: requests ordered by [`Key`], with an index from slot to
//! key so that a queued request can be re-keyed or removed in O(log n).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::key::Key;
use crate::slot::ErasedSlot;

/// The identity of a slot while it is queued: its address.
pub(crate) fn slot_addr(slot: &Arc<dyn ErasedSlot>) -> usize {
    Arc::as_ptr(slot).cast::<()>() as usize
}

/// Hashes a slot address: one multiply (addresses need mixing, not
/// protection from adversarial input).
#[derive(Default)]
pub(crate) struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_usize(&mut self, addr: usize) {
        self.0 = (addr as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    }
}

/// Requests of one stage, most urgent last in key order.
pub(crate) struct StageQueue<V> {
    order: BTreeMap<Key, V>,
    keys: HashMap<usize, Key, BuildHasherDefault<AddrHasher>>,
}

impl<V> Default for StageQueue<V> {
    fn default() -> Self {
        Self { order: BTreeMap::new(), keys: HashMap::default() }
    }
}

impl<V> StageQueue<V> {
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The key of the slot at `addr`, if it is in this queue.
    pub fn key_of(&self, addr: usize) -> Option<Key> {
        self.keys.get(&addr).copied()
    }

    /// Inserts a slot's entry (the slot must not be in the queue already).
    pub fn insert(&mut self, addr: usize, key: Key, value: V) {
        self.keys.insert(addr, key);
        self.order.insert(key, value);
    }

    /// Moves the slot at `addr` to `score`; O(log n).
    pub fn rekey(&mut self, addr: usize, score: u64) {
        let Some(key) = self.keys.get_mut(&addr) else { return };
        if key.score() == score {
            return;
        }
        let new = key.with_score(score);
        if let Some(value) = self.order.remove(key) {
            self.order.insert(new, value);
        }
        *key = new;
    }

    /// Removes the slot at `addr`.
    pub fn remove(&mut self, addr: usize) -> Option<V> {
        let key = self.keys.remove(&addr)?;
        self.order.remove(&key)
    }

    /// The most urgent entry.
    pub fn peek(&self) -> Option<(&Key, &V)> {
        self.order.last_key_value()
    }

    /// Removes the most urgent entry; `addr_of` names its slot.
    pub fn pop(&mut self, addr_of: impl Fn(&V) -> usize) -> Option<V> {
        let (_, value) = self.order.pop_last()?;
        self.keys.remove(&addr_of(&value));
        Some(value)
    }

    /// Removes every entry.
    pub fn drain_all(&mut self) -> Vec<V> {
        self.keys.clear();
        std::mem::take(&mut self.order).into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::key::Aging;
    use crate::slot::Slot;
    use amsp_core::{AssetId, Priority, PriorityClass};

    #[test]
    fn pops_by_class_then_urgency_then_arrival_and_rekeys() {
        let tracker = crate::server::memory::Tracker::detached();
        let aging = Aging::new(None);
        let mut queue = StageQueue::default();
        let mut slots = Vec::new();
        let cases = [
            (PriorityClass::Low, 0.0),
            (PriorityClass::Normal, 0.0),
            (PriorityClass::Critical, 0.0),
            (PriorityClass::Normal, 5.0),
            (PriorityClass::Normal, 0.0),
        ];
        for (n, (class, urgency)) in cases.into_iter().enumerate() {
            let p = Priority::with_urgency(class, urgency);
            let slot: Arc<dyn ErasedSlot> = Slot::<crate::Blob>::new_queued(
                AssetId::from_u128(n as u128 + 1),
                crate::slot::LEVEL_FULL,
                None,
                p,
                Arc::clone(&tracker),
            );
            queue.insert(
                slot_addr(&slot),
                Key::new(aging.score(p, 0), n as u64),
                Arc::clone(&slot),
            );
            slots.push(slot);
        }
        // The Low request becomes the most urgent High one.
        queue.rekey(slot_addr(&slots[0]), aging.score(Priority::new(PriorityClass::High), 0));
        assert_eq!(queue.len(), 5);
        let order: Vec<u128> = std::iter::from_fn(|| queue.pop(slot_addr))
            .map(|slot| slot.core().id.as_u128())
            .collect();
        assert_eq!(order, [3, 1, 4, 2, 5]);
        assert!(queue.is_empty() && queue.key_of(slot_addr(&slots[0])).is_none());
    }
}
