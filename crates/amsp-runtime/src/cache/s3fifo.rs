//! The S3-FIFO eviction policy, laid out to cost little per entry.
//!
//! Entries live in a slab (a vector with a free list) and are the only
//! copy of their key: the index is a hash table of slab indices (4 bytes a
//! bucket, hashed and compared through the slab), the small and main FIFO
//! queues hold 8-byte references (slab index and generation), and the
//! ghost queue remembers evicted keys by their 64-bit hash. Per tracked key
//! that is one slab slot, one index bucket and one queue place.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hash};

use hashbrown::HashTable;

use super::EvictionPolicy;

/// Which queue an entry is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Queue {
    Small,
    Main,
}

#[derive(Debug)]
struct Entry<K> {
    key: K,
    bytes: usize,
    queue: Queue,
    /// Reuses while tracked, capped at 3.
    freq: u8,
    /// Matches the entry's place in its queue (stale places are skipped).
    generation: u32,
}

/// A place in a queue: slab index and the generation it was pushed with.
type Place = (u32, u32);

/// The S3-FIFO policy (Yang et al., SOSP 2023): new entries go to a small
/// FIFO queue (a tenth of the bytes) and leave it unless reused while
/// there; reused ones move to the main FIFO queue, where a reuse buys
/// another round; a ghost queue of recently evicted keys sends an entry
/// that comes back straight to the main queue. A one-time scan passes
/// through the small queue without flushing the main one.
#[derive(Debug)]
pub struct S3Fifo<K> {
    /// Slab indices, by the hash of their entry's key.
    index: HashTable<u32>,
    slab: Vec<Option<Entry<K>>>,
    free: Vec<u32>,
    small: VecDeque<Place>,
    main: VecDeque<Place>,
    /// Fingerprints of evicted keys, oldest first, and how many times each
    /// is in the queue.
    ghost: VecDeque<u64>,
    ghost_set: HashMap<u64, u32>,
    hasher: RandomState,
    small_bytes: usize,
    bytes: usize,
    generation: u32,
    /// Share of the tracked bytes the small queue may hold before it gives
    /// up entries first.
    small_share: f64,
    /// Ghost keys remembered, at most.
    ghost_len: usize,
}

impl<K> Default for S3Fifo<K> {
    fn default() -> Self {
        Self {
            index: HashTable::new(),
            slab: Vec::new(),
            free: Vec::new(),
            small: VecDeque::new(),
            main: VecDeque::new(),
            ghost: VecDeque::new(),
            ghost_set: HashMap::new(),
            hasher: RandomState::new(),
            small_bytes: 0,
            bytes: 0,
            generation: 0,
            small_share: 0.1,
            ghost_len: 4096,
        }
    }
}

impl<K: Copy + Eq + Hash> S3Fifo<K> {
    /// S3-FIFO remembering at most `ghost_len` evicted keys (default 4096;
    /// about as many as the cache holds entries is the published advice).
    #[must_use]
    pub fn with_ghosts(ghost_len: usize) -> Self {
        Self { ghost_len, ..Self::default() }
    }

    fn entry_mut(&mut self, at: u32) -> Option<&mut Entry<K>> {
        self.slab.get_mut(at as usize).and_then(Option::as_mut)
    }

    /// Puts the entry at `at` at the back of `queue`.
    fn push(&mut self, at: u32, queue: Queue) {
        self.generation = self.generation.wrapping_add(1);
        let g = self.generation;
        match queue {
            Queue::Small => self.small.push_back((at, g)),
            Queue::Main => self.main.push_back((at, g)),
        }
        if let Some(e) = self.entry_mut(at) {
            e.generation = g;
            e.queue = queue;
        }
    }

    fn hash(&self, key: &K) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The slab index of `key`, if tracked.
    fn find(&self, key: &K) -> Option<u32> {
        let slab = &self.slab;
        let is_key = |&at: &u32| slab[at as usize].as_ref().is_some_and(|e| e.key == *key);
        self.index.find(self.hash(key), is_key).copied()
    }

    fn forget_ghost(&mut self, print: u64) -> bool {
        match self.ghost_set.get_mut(&print) {
            Some(n) => {
                *n -= 1;
                if *n == 0 {
                    self.ghost_set.remove(&print);
                }
                true
            }
            None => false,
        }
    }

    fn remember_ghost(&mut self, print: u64) {
        if self.ghost_len == 0 {
            return;
        }
        self.ghost.push_back(print);
        *self.ghost_set.entry(print).or_insert(0) += 1;
        while self.ghost.len() > self.ghost_len {
            if let Some(old) = self.ghost.pop_front() {
                self.forget_ghost(old);
            }
        }
    }

    /// Pops the live head of a queue.
    fn pop(&mut self, queue: Queue) -> Option<u32> {
        loop {
            let (at, g) = match queue {
                Queue::Small => self.small.pop_front()?,
                Queue::Main => self.main.pop_front()?,
            };
            let live = self
                .slab
                .get(at as usize)
                .and_then(Option::as_ref)
                .is_some_and(|e| e.generation == g && e.queue == queue);
            if live {
                return Some(at);
            }
        }
    }

    /// Removes the entry at `at` from the index and the slab; returns its
    /// key and its hash.
    fn drop_at(&mut self, at: u32) -> Option<(K, u64)> {
        let hash = self.hash(&self.slab.get(at as usize)?.as_ref()?.key);
        if let Ok(found) = self.index.find_entry(hash, |&i| i == at) {
            found.remove();
        }
        let e = self.slab[at as usize].take()?;
        self.free.push(at);
        self.bytes -= e.bytes;
        if e.queue == Queue::Small {
            self.small_bytes -= e.bytes;
        }
        Some((e.key, hash))
    }

    fn new_slot(&mut self, entry: Entry<K>) -> u32 {
        match self.free.pop() {
            Some(at) => {
                self.slab[at as usize] = Some(entry);
                at
            }
            None => {
                self.slab.push(Some(entry));
                u32::try_from(self.slab.len() - 1).expect("fewer than 4 billion cached assets")
            }
        }
    }
}

impl<K: Copy + Eq + Hash + Send> EvictionPolicy<K> for S3Fifo<K> {
    fn name(&self) -> &'static str {
        "s3fifo"
    }

    fn insert(&mut self, key: K, bytes: usize) {
        if let Some(at) = self.find(&key) {
            let Some(e) = self.entry_mut(at) else { return };
            // Reused while cached: one more round, and the new size.
            e.freq = (e.freq + 1).min(3);
            let old = std::mem::replace(&mut e.bytes, bytes);
            let small = e.queue == Queue::Small;
            self.bytes = self.bytes - old + bytes;
            if small {
                self.small_bytes = self.small_bytes - old + bytes;
            }
            return;
        }
        let hash = self.hash(&key);
        let queue = if self.forget_ghost(hash) { Queue::Main } else { Queue::Small };
        let at = self.new_slot(Entry { key, bytes, queue, freq: 0, generation: 0 });
        let (slab, hasher) = (&self.slab, &self.hasher);
        self.index.insert_unique(hash, at, |&i| {
            slab[i as usize].as_ref().map_or(0, |e| hasher.hash_one(e.key))
        });
        self.bytes += bytes;
        if queue == Queue::Small {
            self.small_bytes += bytes;
        }
        self.push(at, queue);
    }

    fn remove(&mut self, key: &K) {
        if let Some(at) = self.find(key) {
            self.drop_at(at);
        }
    }

    fn evict(&mut self) -> Option<K> {
        loop {
            if self.index.is_empty() {
                return None;
            }
            let small_first = self.small_bytes as f64 > self.small_share * self.bytes as f64
                || self.main.is_empty();
            if let Some(at) = small_first.then(|| self.pop(Queue::Small)).flatten() {
                let e = self.entry_mut(at)?;
                if e.freq > 0 {
                    // Reused while on probation: into the main queue.
                    e.freq = 0;
                    let bytes = e.bytes;
                    self.small_bytes -= bytes;
                    self.push(at, Queue::Main);
                    continue;
                }
                let (key, hash) = self.drop_at(at)?;
                self.remember_ghost(hash);
                return Some(key);
            }
            // Every entry has one live place in a queue; the main queue's
            // head is evicted unless reused since its last round.
            let Some(at) = self.pop(Queue::Main) else {
                // Only stale places were left there: the small queue next.
                if self.small.is_empty() {
                    return None;
                }
                continue;
            };
            let e = self.entry_mut(at)?;
            if e.freq > 0 {
                e.freq -= 1;
                self.push(at, Queue::Main);
                continue;
            }
            return self.drop_at(at).map(|(key, _)| key);
        }
    }

    fn contains(&self, key: &K) -> bool {
        self.find(key).is_some()
    }

    fn bytes(&self) -> usize {
        self.bytes
    }

    fn len(&self) -> usize {
        self.index.len()
    }
}
