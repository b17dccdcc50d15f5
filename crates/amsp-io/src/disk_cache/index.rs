//! The in-memory index: every entry's size and last use, in LRU order.

use std::collections::{BTreeMap, HashMap};

use super::CacheKey;

/// One entry's bookkeeping.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Size of the entry file (header and payload).
    bytes: u64,
    /// Position in the use order: larger is more recent.
    tick: u64,
}

/// Entries by key and in order of last use.
#[derive(Debug, Default)]
pub(crate) struct Index {
    slots: HashMap<CacheKey, Slot>,
    by_use: BTreeMap<u64, CacheKey>,
    next_tick: u64,
    bytes: u64,
}

impl Index {
    /// Total size of the entry files.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether `key` has an entry.
    pub(crate) fn contains(&self, key: &CacheKey) -> bool {
        self.slots.contains_key(key)
    }

    /// Size of `key`'s entry file, if any.
    pub(crate) fn size_of(&self, key: &CacheKey) -> Option<u64> {
        self.slots.get(key).map(|s| s.bytes)
    }

    /// Records `key` with a file of `bytes`, as the most recently used
    /// entry (replacing any previous record).
    pub(crate) fn insert(&mut self, key: CacheKey, bytes: u64) {
        self.remove(&key);
        let tick = self.bump();
        self.slots.insert(key, Slot { bytes, tick });
        self.by_use.insert(tick, key);
        self.bytes = self.bytes.saturating_add(bytes);
    }

    /// Marks `key` as just used; false if it has no entry.
    pub(crate) fn touch(&mut self, key: &CacheKey) -> bool {
        let tick = self.bump();
        let Some(slot) = self.slots.get_mut(key) else { return false };
        self.by_use.remove(&slot.tick);
        slot.tick = tick;
        self.by_use.insert(tick, *key);
        true
    }

    /// Forgets `key`; returns the size its file had.
    pub(crate) fn remove(&mut self, key: &CacheKey) -> Option<u64> {
        let slot = self.slots.remove(key)?;
        self.by_use.remove(&slot.tick);
        self.bytes = self.bytes.saturating_sub(slot.bytes);
        Some(slot.bytes)
    }

    /// The least recently used entry other than `except`.
    pub(crate) fn oldest_except(&self, except: &CacheKey) -> Option<CacheKey> {
        self.by_use.values().find(|k| *k != except).copied()
    }

    fn bump(&mut self) -> u64 {
        let tick = self.next_tick;
        self.next_tick += 1;
        tick
    }
}

#[cfg(test)]
mod tests {
    use amsp_core::ContentHash;

    use super::*;

    fn key(n: u8) -> CacheKey {
        CacheKey::new(ContentHash([n; 32]), "test", 1)
    }

    #[test]
    fn lru_order_and_accounting() {
        let mut index = Index::default();
        for n in 0..4 {
            index.insert(key(n), 100 + u64::from(n));
        }
        assert_eq!(index.bytes(), 406);
        assert!(index.touch(&key(0)));
        assert_eq!(index.oldest_except(&key(9)), Some(key(1)));
        assert_eq!(index.oldest_except(&key(1)), Some(key(2)));
        index.insert(key(1), 50);
        assert_eq!(index.bytes(), 355);
        assert_eq!(index.oldest_except(&key(9)), Some(key(2)));
        assert_eq!(index.remove(&key(2)), Some(102));
        assert_eq!(index.remove(&key(2)), None);
        assert_eq!((index.len(), index.bytes()), (3, 253));
        assert!(!index.touch(&key(2)));
    }
}
