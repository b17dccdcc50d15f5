//! The slot registry: a sharded map from `(AssetId, TypeId)` to slots.
//!
//! Each shard is a `parking_lot::Mutex` over a hash table of slots and its
//! hit counts; a lock is held only for a lookup, an insert or a remove-if,
//! never across I/O or a loader. The table holds the slots' `Arc`s and their
//! keys' hashes (24 bytes a bucket), not the keys: a slot's key lives in the
//! slot, and a lookup compares the stored hash, then the slot's key. Growing
//! the table rehashes from the stored hashes without touching the slots. Finding a
//! slot and taking a handle on it happen under the same shard lock as
//! eviction's check-and-remove, so a concurrent `load` of an asset being
//! evicted gets either the old slot (which then stays) or a fresh one.

use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::Arc;

use amsp_core::AssetId;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use parking_lot::Mutex;

use crate::slot::{ErasedSlot, LOADED, SlotKey};

const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

/// A small multiplicative hasher: keys are random 128-bit ids and `TypeId`s,
/// which need mixing, not protection from adversarial input.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl KeyHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(23) ^ word).wrapping_mul(MULTIPLIER);
    }
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.add(word);
    }

    fn write_u128(&mut self, word: u128) {
        self.add(word as u64);
        self.add((word >> 64) as u64);
    }

    fn write_usize(&mut self, word: usize) {
        self.add(word as u64);
    }
}

/// A slot and the hash of its key.
type Bucket = (u64, Arc<dyn ErasedSlot>);

type Map = HashTable<Bucket>;

fn hash(key: &SlotKey) -> u64 {
    BuildHasherDefault::<KeyHasher>::default().hash_one(key)
}

fn stored_hash(bucket: &Bucket) -> u64 {
    bucket.0
}

/// Whether `bucket` holds the slot of `key` (of hash `hash`).
fn is(hash: u64, key: SlotKey) -> impl Fn(&Bucket) -> bool {
    move |(h, slot)| *h == hash && slot.core().key() == key
}

/// One shard: its slots, and the requests it answered with a loaded slot
/// (counted under its lock, so the request path touches no shared counter).
#[derive(Default)]
struct Shard {
    map: Map,
    /// Requests answered by a loaded slot.
    hits: u64,
    /// Of those, requests for a slot no handle held (kept by the memory
    /// cache).
    cache_hits: u64,
}

/// Requests the registry answered with a loaded slot.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Hits {
    pub loaded: u64,
    pub cached: u64,
}

/// Sharded map of every registered slot.
pub(crate) struct Registry {
    shards: Box<[Mutex<Shard>]>,
    mask: usize,
}

impl Registry {
    /// A registry with `shards` shards (rounded up to a power of two).
    pub fn new(shards: usize) -> Self {
        let count = shards.max(1).next_power_of_two();
        Self { shards: (0..count).map(|_| Mutex::new(Shard::default())).collect(), mask: count - 1 }
    }

    fn shard(&self, id: AssetId) -> &Mutex<Shard> {
        let raw = id.as_u128();
        let mixed = ((raw as u64) ^ ((raw >> 64) as u64)).wrapping_mul(MULTIPLIER);
        &self.shards[(mixed >> 40) as usize & self.mask]
    }

    /// The slot for `key` with one more handle taken on it, or `make()`
    /// (which must come with one handle) inserted; `true` when inserted.
    pub fn acquire_or_insert(
        &self,
        key: SlotKey,
        make: impl FnOnce() -> Arc<dyn ErasedSlot>,
    ) -> (Arc<dyn ErasedSlot>, bool) {
        let mut shard = self.shard(key.0).lock();
        // One hash and one probe, whether the slot is found or inserted.
        let shard = &mut *shard;
        let h = hash(&key);
        let slot = match shard.map.entry(h, is(h, key), stored_hash) {
            Entry::Occupied(mut entry) => {
                let core = entry.get().1.core();
                let (loaded, unused) = (core.state_code() == LOADED, core.handle_count() == 0);
                if core.try_acquire() {
                    if loaded {
                        shard.hits += 1;
                        shard.cache_hits += u64::from(unused);
                    }
                    return (Arc::clone(&entry.get().1), false);
                }
                // An evicted slot still registered: replaced.
                let slot = make();
                entry.get_mut().1 = Arc::clone(&slot);
                slot
            }
            Entry::Vacant(entry) => Arc::clone(&entry.insert((h, make())).get().1),
        };
        (slot, true)
    }

    /// The slot for `key`, if registered.
    pub fn get(&self, key: SlotKey) -> Option<Arc<dyn ErasedSlot>> {
        let h = hash(&key);
        self.shard(key.0).lock().map.find(h, is(h, key)).map(|(_, slot)| Arc::clone(slot))
    }

    /// The slots of asset `id` as type `type_id` at each of `levels` that
    /// are registered, under one shard lock.
    pub fn levels_of(
        &self,
        id: AssetId,
        type_id: std::any::TypeId,
        levels: impl Iterator<Item = u8>,
    ) -> Vec<(u8, Arc<dyn ErasedSlot>)> {
        let shard = self.shard(id).lock();
        levels
            .filter_map(|l| {
                let key = (id, type_id, l);
                let h = hash(&key);
                shard.map.find(h, is(h, key)).map(|(_, s)| (l, Arc::clone(s)))
            })
            .collect()
    }

    /// Removes the slot for `key` if `pred` holds for it (checked under the
    /// shard lock).
    pub fn remove_if(
        &self,
        key: SlotKey,
        pred: impl FnOnce(&Arc<dyn ErasedSlot>) -> bool,
    ) -> Option<Arc<dyn ErasedSlot>> {
        let mut shard = self.shard(key.0).lock();
        let h = hash(&key);
        let found = shard.map.find_entry(h, is(h, key)).ok()?;
        if pred(&found.get().1) { Some(found.remove().0.1) } else { None }
    }

    /// Removes every slot for which `pred` holds (checked under the shard
    /// lock), returning them.
    pub fn remove_where(
        &self,
        mut pred: impl FnMut(&Arc<dyn ErasedSlot>) -> bool,
    ) -> Vec<Arc<dyn ErasedSlot>> {
        let mut removed = Vec::new();
        for shard in &self.shards {
            let mut shard = shard.lock();
            removed.extend(shard.map.extract_if(|(_, slot)| pred(slot)).map(|(_, slot)| slot));
        }
        removed
    }

    /// Requests answered with a loaded slot, over every shard.
    pub fn hits(&self) -> Hits {
        self.shards.iter().fold(Hits::default(), |sum, shard| {
            let shard = shard.lock();
            Hits { loaded: sum.loaded + shard.hits, cached: sum.cached + shard.cache_hits }
        })
    }

    /// Calls `f` on every registered slot (one shard locked at a time).
    pub fn for_each(&self, mut f: impl FnMut(&Arc<dyn ErasedSlot>)) {
        for shard in &self.shards {
            for (_, slot) in shard.lock().map.iter() {
                f(slot);
            }
        }
    }
}
