//! Eviction policies for the CPU memory cache: which unused asset goes
//! first when the unused bytes exceed the budget.
//!
//! A policy tracks *candidates*: assets that are loaded and that no handle
//! holds. [`insert`](EvictionPolicy::insert) reports an asset becoming
//! unused; an asset already tracked was used again while cached (a hit) and
//! becomes unused again, which the frequency-aware policies count.
//! [`evict`](EvictionPolicy::evict) picks the next victim and stops
//! tracking it; [`remove`](EvictionPolicy::remove) stops tracking an asset
//! freed by other means.
//!
//! - [`Lru`]: least recently unused first.
//! - [`Lfu`]: least often reused first (ties: least recently unused).
//! - [`S3Fifo`]: the S3-FIFO policy (Yang et al., SOSP 2023): new entries
//!   go to a small FIFO queue (a tenth of the bytes) and leave it unless
//!   reused while there; reused ones move to the main FIFO queue, where a
//!   reuse buys another round; a ghost queue of recently evicted keys sends
//!   an entry that comes back straight to the main queue. A one-time scan
//!   passes through the small queue without flushing the main one.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::Hash;

/// Decides which unused asset the memory cache evicts first.
pub trait EvictionPolicy<K>: Send {
    /// The policy's name, for reports.
    fn name(&self) -> &'static str;

    /// `key`, of `bytes`, became unused: it is a candidate for eviction. A
    /// key already tracked was reused while cached.
    fn insert(&mut self, key: K, bytes: usize);

    /// Stops tracking `key` (freed or used by other means), if tracked.
    fn remove(&mut self, key: &K);

    /// Picks the next key to evict and stops tracking it.
    fn evict(&mut self) -> Option<K>;

    /// Whether `key` is tracked.
    fn contains(&self, key: &K) -> bool;

    /// Bytes of the tracked keys.
    fn bytes(&self) -> usize;

    /// Number of tracked keys.
    fn len(&self) -> usize;

    /// Whether nothing is tracked.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Keys ordered by a rank (`O`, smallest evicted first) that an insert
/// computes from the key's previous rank, if tracked, and a clock tick:
/// what [`Lru`] and [`Lfu`] share.
#[derive(Debug)]
struct Ranked<K, O> {
    order: BTreeMap<O, (K, usize)>,
    at: HashMap<K, O>,
    tick: u64,
    bytes: usize,
}

impl<K, O> Default for Ranked<K, O> {
    fn default() -> Self {
        Self { order: BTreeMap::new(), at: HashMap::new(), tick: 0, bytes: 0 }
    }
}

impl<K: Copy + Eq + Hash, O: Copy + Ord> Ranked<K, O> {
    fn insert(&mut self, key: K, bytes: usize, rank: impl FnOnce(Option<O>, u64) -> O) {
        let previous = self.take(&key);
        self.tick += 1;
        let r = rank(previous, self.tick);
        self.order.insert(r, (key, bytes));
        self.at.insert(key, r);
        self.bytes += bytes;
    }

    /// Stops tracking `key`; returns its rank.
    fn take(&mut self, key: &K) -> Option<O> {
        let r = self.at.remove(key)?;
        if let Some((_, bytes)) = self.order.remove(&r) {
            self.bytes -= bytes;
        }
        Some(r)
    }

    fn evict(&mut self) -> Option<K> {
        let (_, (key, bytes)) = self.order.pop_first()?;
        self.at.remove(&key);
        self.bytes -= bytes;
        Some(key)
    }
}

/// Least recently unused first.
#[derive(Debug)]
pub struct Lru<K>(Ranked<K, u64>);

impl<K> Default for Lru<K> {
    fn default() -> Self {
        Self(Ranked::default())
    }
}

/// Least often reused first; among equals, least recently unused first.
/// Counts live as long as the key is tracked (in-cache LFU).
#[derive(Debug)]
pub struct Lfu<K>(Ranked<K, (u32, u64)>);

impl<K> Default for Lfu<K> {
    fn default() -> Self {
        Self(Ranked::default())
    }
}

/// The parts of [`EvictionPolicy`] that [`Ranked`] serves alike.
macro_rules! ranked_policy {
    ($name:literal) => {
        fn name(&self) -> &'static str {
            $name
        }

        fn remove(&mut self, key: &K) {
            self.0.take(key);
        }

        fn evict(&mut self) -> Option<K> {
            self.0.evict()
        }

        fn contains(&self, key: &K) -> bool {
            self.0.at.contains_key(key)
        }

        fn bytes(&self) -> usize {
            self.0.bytes
        }

        fn len(&self) -> usize {
            self.0.at.len()
        }
    };
}

impl<K: Copy + Eq + Hash + Send> EvictionPolicy<K> for Lru<K> {
    ranked_policy!("lru");

    fn insert(&mut self, key: K, bytes: usize) {
        self.0.insert(key, bytes, |_, tick| tick);
    }
}

impl<K: Copy + Eq + Hash + Send> EvictionPolicy<K> for Lfu<K> {
    ranked_policy!("lfu");

    fn insert(&mut self, key: K, bytes: usize) {
        self.0.insert(key, bytes, |previous, tick| {
            (previous.map_or(0, |(uses, _)| uses.saturating_add(1)), tick)
        });
    }
}

/// Which queue an S3-FIFO entry is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Queue {
    Small,
    Main,
}

#[derive(Debug)]
struct Entry {
    bytes: usize,
    queue: Queue,
    /// Reuses while tracked, capped at 3.
    freq: u8,
    /// Matches the entry's place in its queue (stale places are skipped).
    generation: u64,
}

/// The S3-FIFO policy (Yang et al., SOSP 2023): new entries go to a small
/// FIFO queue (a tenth of the bytes) and leave it unless reused while
/// there; reused ones move to the main FIFO queue, where a reuse buys
/// another round; a ghost queue of recently evicted keys sends an entry
/// that comes back straight to the main queue. A one-time scan passes
/// through the small queue without flushing the main one.
#[derive(Debug)]
pub struct S3Fifo<K> {
    entries: HashMap<K, Entry>,
    small: VecDeque<(K, u64)>,
    main: VecDeque<(K, u64)>,
    ghost: VecDeque<K>,
    ghost_set: HashMap<K, u32>,
    small_bytes: usize,
    bytes: usize,
    generation: u64,
    /// Share of the tracked bytes the small queue may hold before it gives
    /// up entries first.
    small_share: f64,
    /// Ghost keys remembered, at most.
    ghost_len: usize,
}

impl<K> Default for S3Fifo<K> {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
            small: VecDeque::new(),
            main: VecDeque::new(),
            ghost: VecDeque::new(),
            ghost_set: HashMap::new(),
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

    fn push(&mut self, key: K, queue: Queue) {
        self.generation += 1;
        let g = self.generation;
        match queue {
            Queue::Small => self.small.push_back((key, g)),
            Queue::Main => self.main.push_back((key, g)),
        }
        if let Some(e) = self.entries.get_mut(&key) {
            e.generation = g;
            e.queue = queue;
        }
    }

    fn forget_ghost(&mut self, key: &K) -> bool {
        match self.ghost_set.get_mut(key) {
            Some(n) => {
                *n -= 1;
                if *n == 0 {
                    self.ghost_set.remove(key);
                }
                true
            }
            None => false,
        }
    }

    fn remember_ghost(&mut self, key: K) {
        if self.ghost_len == 0 {
            return;
        }
        self.ghost.push_back(key);
        *self.ghost_set.entry(key).or_insert(0) += 1;
        while self.ghost.len() > self.ghost_len {
            if let Some(old) = self.ghost.pop_front() {
                self.forget_ghost(&old);
            }
        }
    }

    /// Pops the live head of a queue.
    fn pop(&mut self, queue: Queue) -> Option<K> {
        loop {
            let (key, g) = match queue {
                Queue::Small => self.small.pop_front()?,
                Queue::Main => self.main.pop_front()?,
            };
            if self.entries.get(&key).is_some_and(|e| e.generation == g && e.queue == queue) {
                return Some(key);
            }
        }
    }

    fn drop_entry(&mut self, key: &K) -> Option<Entry> {
        let e = self.entries.remove(key)?;
        self.bytes -= e.bytes;
        if e.queue == Queue::Small {
            self.small_bytes -= e.bytes;
        }
        Some(e)
    }
}

impl<K: Copy + Eq + Hash + Send> EvictionPolicy<K> for S3Fifo<K> {
    fn name(&self) -> &'static str {
        "s3fifo"
    }

    fn insert(&mut self, key: K, bytes: usize) {
        if let Some(e) = self.entries.get_mut(&key) {
            // Reused while cached: one more round, and the new size.
            e.freq = (e.freq + 1).min(3);
            let old = std::mem::replace(&mut e.bytes, bytes);
            self.bytes = self.bytes - old + bytes;
            if e.queue == Queue::Small {
                self.small_bytes = self.small_bytes - old + bytes;
            }
            return;
        }
        let queue = if self.forget_ghost(&key) { Queue::Main } else { Queue::Small };
        self.entries.insert(key, Entry { bytes, queue, freq: 0, generation: 0 });
        self.bytes += bytes;
        if queue == Queue::Small {
            self.small_bytes += bytes;
        }
        self.push(key, queue);
    }

    fn remove(&mut self, key: &K) {
        self.drop_entry(key);
    }

    fn evict(&mut self) -> Option<K> {
        loop {
            if self.entries.is_empty() {
                return None;
            }
            let small_first = self.small_bytes as f64 > self.small_share * self.bytes as f64
                || self.main.is_empty();
            if let Some(key) = small_first.then(|| self.pop(Queue::Small)).flatten() {
                let e = self.entries.get_mut(&key)?;
                if e.freq > 0 {
                    // Reused while on probation: into the main queue.
                    e.freq = 0;
                    self.small_bytes -= e.bytes;
                    self.push(key, Queue::Main);
                    continue;
                }
                self.drop_entry(&key);
                self.remember_ghost(key);
                return Some(key);
            }
            // Every entry has one live place in a queue; the main queue's
            // head is evicted unless reused since its last round.
            let Some(key) = self.pop(Queue::Main) else {
                // Only stale places were left there: the small queue next.
                if self.small.is_empty() {
                    return None;
                }
                continue;
            };
            let e = self.entries.get_mut(&key)?;
            if e.freq > 0 {
                e.freq -= 1;
                self.push(key, Queue::Main);
                continue;
            }
            self.drop_entry(&key);
            return Some(key);
        }
    }

    fn contains(&self, key: &K) -> bool {
        self.entries.contains_key(key)
    }

    fn bytes(&self) -> usize {
        self.bytes
    }

    fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The policies AMSP ships, by name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CachePolicy {
    /// [`Lru`].
    Lru,
    /// [`Lfu`].
    Lfu,
    /// [`S3Fifo`].
    #[default]
    S3Fifo,
}

impl CachePolicy {
    /// Every policy, in report order.
    pub const ALL: [CachePolicy; 3] = [Self::Lru, Self::Lfu, Self::S3Fifo];

    /// A new, empty policy of this kind.
    #[must_use]
    pub fn build<K: Copy + Eq + Hash + Send + 'static>(self) -> Box<dyn EvictionPolicy<K>> {
        match self {
            Self::Lru => Box::new(Lru::default()),
            Self::Lfu => Box::new(Lfu::default()),
            Self::S3Fifo => Box::new(S3Fifo::default()),
        }
    }
}
