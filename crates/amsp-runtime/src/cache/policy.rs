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

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

pub use super::s3fifo::S3Fifo;

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
