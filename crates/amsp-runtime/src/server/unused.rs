//! The index of unused loaded assets: the memory cache's eviction order,
//! partitioned by asset type where a type has a budget of its own.
//!
//! Every unused loaded asset is tracked by exactly one partition:
//!
//! - a type given a budget ([`AssetServer::set_type_budget`]) keeps its
//!   unused assets in a partition of its own, ordered by its own instance
//!   of the server's [`CachePolicy`], and never holds more than its budget
//!   of them: a texture flood cannot push the data tables out;
//! - every other type shares one partition.
//!
//! The global budget ([`AssetServer::set_memory_budget`]) bounds the unused
//! bytes of every partition together; beyond it the partition holding the
//! most unused bytes gives up its next victim, so no partition is emptied
//! while another one keeps more.
//!
//! [`AssetServer::set_type_budget`]: crate::AssetServer::set_type_budget
//! [`AssetServer::set_memory_budget`]: crate::AssetServer::set_memory_budget

use std::any::TypeId;

use crate::cache::{CachePolicy, EvictionPolicy};
use crate::slot::SlotKey;

/// One type's partition: its budget and its eviction order.
struct TypePartition {
    type_id: TypeId,
    budget: usize,
    policy: Box<dyn EvictionPolicy<SlotKey>>,
}

/// Unused loaded assets, ordered for eviction, per partition.
pub(crate) struct UnusedIndex {
    kind: CachePolicy,
    shared: Box<dyn EvictionPolicy<SlotKey>>,
    /// Few (one per budgeted type): a vector beats a map.
    typed: Vec<TypePartition>,
}

impl UnusedIndex {
    pub fn new(kind: CachePolicy) -> Self {
        Self { kind, shared: kind.build(), typed: Vec::new() }
    }

    fn partition_mut(&mut self, type_id: TypeId) -> &mut dyn EvictionPolicy<SlotKey> {
        match self.typed.iter_mut().find(|p| p.type_id == type_id) {
            Some(partition) => partition.policy.as_mut(),
            None => self.shared.as_mut(),
        }
    }

    /// `key`, of `bytes`, became unused (again, if tracked: a cache hit).
    pub fn insert(&mut self, key: SlotKey, bytes: usize) {
        self.partition_mut(key.1).insert(key, bytes);
    }

    /// Stops tracking `key`, if tracked.
    pub fn remove(&mut self, key: &SlotKey) {
        self.partition_mut(key.1).remove(key);
    }

    /// Unused bytes tracked, over every partition.
    pub fn bytes(&self) -> usize {
        self.shared.bytes() + self.typed.iter().map(|p| p.policy.bytes()).sum::<usize>()
    }

    /// The budget of `type_id`'s own partition, if it has one.
    pub fn type_budget(&self, type_id: TypeId) -> Option<usize> {
        self.typed.iter().find(|p| p.type_id == type_id).map(|p| p.budget)
    }

    /// Whether any type has a budget of its own.
    pub fn has_type_budgets(&self) -> bool {
        !self.typed.is_empty()
    }

    /// Gives `type_id` a partition of its own under `budget`, or (with
    /// `None`) returns its assets to the shared partition. `bytes_of` says
    /// the size of a tracked key; `unused_of_type` lists the type's unused
    /// assets when a new partition takes them over from the shared one
    /// (their order there is lost: they enter as new candidates).
    pub fn set_type_budget(
        &mut self,
        type_id: TypeId,
        budget: Option<usize>,
        bytes_of: impl Fn(&SlotKey) -> Option<usize>,
        unused_of_type: impl FnOnce() -> Vec<(SlotKey, usize)>,
    ) {
        let at = self.typed.iter().position(|p| p.type_id == type_id);
        match (at, budget) {
            (Some(at), Some(budget)) => self.typed[at].budget = budget,
            (Some(at), None) => {
                let mut partition = self.typed.swap_remove(at);
                while let Some(key) = partition.policy.evict() {
                    if let Some(bytes) = bytes_of(&key) {
                        self.shared.insert(key, bytes);
                    }
                }
            }
            (None, Some(budget)) => {
                let mut policy = self.kind.build();
                for (key, bytes) in unused_of_type() {
                    if self.shared.contains(&key) {
                        self.shared.remove(&key);
                        policy.insert(key, bytes);
                    }
                }
                self.typed.push(TypePartition { type_id, budget, policy });
            }
            (None, None) => {}
        }
    }

    /// The next asset to evict: first from a partition over its own budget,
    /// then, while the total is over `global`, from the partition holding
    /// the most unused bytes. The key is no longer tracked.
    pub fn next_victim(&mut self, global: Option<usize>) -> Option<SlotKey> {
        for partition in &mut self.typed {
            if partition.policy.bytes() > partition.budget
                && let Some(key) = partition.policy.evict()
            {
                return Some(key);
            }
        }
        let global = global?;
        if self.bytes() <= global {
            return None;
        }
        let largest = self
            .typed
            .iter_mut()
            .map(|p| p.policy.as_mut())
            .chain(std::iter::once(self.shared.as_mut()))
            .max_by_key(|policy| policy.bytes())?;
        largest.evict()
    }
}

#[cfg(test)]
mod tests {
    use amsp_core::AssetId;

    use super::*;

    struct A;
    struct B;

    fn key<T: 'static>(i: u128) -> SlotKey {
        (AssetId::from_u128(i), TypeId::of::<T>(), u8::MAX)
    }

    fn victims(index: &mut UnusedIndex, global: Option<usize>) -> Vec<SlotKey> {
        std::iter::from_fn(|| index.next_victim(global)).collect()
    }

    #[test]
    fn a_type_over_its_budget_gives_up_its_own_assets_only() {
        let mut index = UnusedIndex::new(CachePolicy::Lru);
        index.set_type_budget(TypeId::of::<A>(), Some(250), |_| None, Vec::new);
        for i in 0..4 {
            index.insert(key::<A>(i), 100);
            index.insert(key::<B>(i), 100);
        }
        assert_eq!(index.bytes(), 800);
        // No global budget: only A's partition is bounded.
        assert_eq!(victims(&mut index, None), vec![key::<A>(0), key::<A>(1)]);
        assert_eq!(index.bytes(), 600);
    }

    #[test]
    fn the_global_budget_takes_from_the_largest_partition() {
        let mut index = UnusedIndex::new(CachePolicy::Lru);
        index.set_type_budget(TypeId::of::<A>(), Some(1000), |_| None, Vec::new);
        for i in 0..3 {
            index.insert(key::<A>(i), 100);
        }
        for i in 0..6 {
            index.insert(key::<B>(i), 100);
        }
        // 900 bytes, 500 allowed: B (600) gives up three, then the tie at
        // 300 goes to either side, then the other one.
        let taken = victims(&mut index, Some(500));
        assert_eq!(taken.len(), 4);
        assert_eq!(&taken[..3], &[key::<B>(0), key::<B>(1), key::<B>(2)]);
        assert_eq!(index.bytes(), 500);
    }

    #[test]
    fn budgets_move_assets_between_partitions() {
        let mut index = UnusedIndex::new(CachePolicy::S3Fifo);
        for i in 0..4 {
            index.insert(key::<A>(i), 100);
            index.insert(key::<B>(i), 100);
        }
        let unused_a: Vec<_> = (0..4).map(|i| (key::<A>(i), 100)).collect();
        index.set_type_budget(TypeId::of::<A>(), Some(200), |_| Some(100), || unused_a);
        assert_eq!(index.type_budget(TypeId::of::<A>()), Some(200));
        assert_eq!(index.bytes(), 800);
        let taken = victims(&mut index, None);
        assert_eq!(taken.len(), 2);
        assert!(taken.iter().all(|k| k.1 == TypeId::of::<A>()));
        // Back to the shared partition: nothing is bounded, nothing is lost.
        index.set_type_budget(TypeId::of::<A>(), None, |_| Some(100), Vec::new);
        assert!(!index.has_type_budgets());
        assert_eq!(index.bytes(), 600);
        assert_eq!(victims(&mut index, None), vec![]);
        assert_eq!(victims(&mut index, Some(0)).len(), 6);
    }
}
