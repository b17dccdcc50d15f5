//! Replaying access traces through an eviction policy, to compare policies'
//! hit ratios on the same accesses, and a synthetic trace: Zipf-popular
//! assets with one-time scans through them (a level loaded once, a menu
//! flipped through).

use std::hash::Hash;

use super::policy::EvictionPolicy;

/// One access: an asset and its size in bytes.
pub type Access<K> = (K, usize);

/// Hits and misses of a replay.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HitStats {
    /// Accesses served from the cache.
    pub hits: u64,
    /// Accesses that had to load.
    pub misses: u64,
    /// Bytes served from the cache.
    pub hit_bytes: u64,
    /// Bytes loaded.
    pub miss_bytes: u64,
}

impl HitStats {
    /// Hits over accesses.
    #[must_use]
    pub fn hit_ratio(&self) -> f64 {
        self.hits as f64 / (self.hits + self.misses).max(1) as f64
    }

    /// Bytes served from the cache over bytes accessed.
    #[must_use]
    pub fn byte_hit_ratio(&self) -> f64 {
        self.hit_bytes as f64 / (self.hit_bytes + self.miss_bytes).max(1) as f64
    }
}

/// Replays `trace` through `policy` with `capacity` bytes: each access is
/// a hit if the key is cached, else a miss that loads it; either way it is
/// used briefly and becomes unused again (`insert`), and the policy evicts
/// while the cached bytes exceed the capacity. The first `warmup` accesses
/// are not counted.
pub fn replay<K: Copy + Eq + Hash>(
    policy: &mut dyn EvictionPolicy<K>,
    capacity: usize,
    trace: &[Access<K>],
    warmup: usize,
) -> HitStats {
    let mut stats = HitStats::default();
    for (i, &(key, bytes)) in trace.iter().enumerate() {
        let hit = policy.contains(&key);
        if i >= warmup {
            if hit {
                stats.hits += 1;
                stats.hit_bytes += bytes as u64;
            } else {
                stats.misses += 1;
                stats.miss_bytes += bytes as u64;
            }
        }
        policy.insert(key, bytes);
        while policy.bytes() > capacity {
            if policy.evict().is_none() {
                break;
            }
        }
    }
    stats
}

/// A synthetic trace of `len` accesses over `keys` assets whose popularity
/// follows Zipf(`alpha`), sizes 4 KiB–1 MiB (log-uniform, fixed per key),
/// with a one-time scan of `scan_len` never-seen keys every `scan_every`
/// accesses (0: none). Seeded: the same arguments give the same trace.
#[must_use]
pub fn zipf_with_scans(
    keys: u64,
    len: usize,
    alpha: f64,
    scan_every: usize,
    scan_len: usize,
    seed: u64,
) -> Vec<Access<u64>> {
    let mut rng = SplitMix(seed);
    let keys = keys.max(1);
    // Inverse CDF over precomputed cumulative weights.
    let mut cumulative = Vec::with_capacity(keys as usize);
    let mut total = 0.0;
    for k in 1..=keys {
        total += 1.0 / (k as f64).powf(alpha);
        cumulative.push(total);
    }
    let size = |key: u64| {
        let u = SplitMix(key.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ seed).unit();
        (4096.0 * 256f64.powf(u)) as usize
    };
    let mut trace = Vec::with_capacity(len);
    let mut next_scan_key = keys + 1;
    while trace.len() < len {
        if scan_every > 0 && !trace.is_empty() && trace.len() % scan_every == 0 {
            for _ in 0..scan_len.min(len - trace.len()) {
                trace.push((next_scan_key, size(next_scan_key)));
                next_scan_key += 1;
            }
            if trace.len() >= len {
                break;
            }
        }
        let target = rng.unit() * total;
        let rank = cumulative.partition_point(|&c| c < target) as u64;
        // Ranks are shuffled onto keys so that popularity is not key order.
        let key = rank.wrapping_mul(0x9e37_79b9_7f4a_7c15) % keys;
        trace.push((key, size(key)));
    }
    trace
}

/// SplitMix64: seeded, fast, good enough for traces.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::super::policy::{CachePolicy, Lfu, Lru, S3Fifo};
    use super::*;

    #[test]
    fn every_policy_stays_within_capacity_and_tracks_bytes() {
        let trace = zipf_with_scans(2000, 20_000, 1.0, 2000, 300, 7);
        for kind in CachePolicy::ALL {
            let mut policy = kind.build::<u64>();
            let mut tracked = std::collections::HashMap::new();
            for &(key, bytes) in &trace {
                policy.insert(key, bytes);
                tracked.insert(key, bytes);
                while policy.bytes() > 8 << 20 {
                    let victim = policy.evict().expect("something to evict");
                    assert!(
                        tracked.remove(&victim).is_some(),
                        "{}: evicted {victim} twice",
                        policy.name()
                    );
                    assert!(!policy.contains(&victim));
                }
                assert!(policy.bytes() <= 8 << 20);
                assert_eq!(policy.bytes(), tracked.values().sum::<usize>(), "{}", policy.name());
                assert_eq!(policy.len(), tracked.len());
            }
            // Removing and draining leave nothing behind.
            let some = *tracked.keys().next().unwrap();
            policy.remove(&some);
            assert!(!policy.contains(&some));
            while policy.evict().is_some() {}
            assert_eq!((policy.len(), policy.bytes()), (0, 0), "{}", policy.name());
        }
    }

    #[test]
    fn lru_evicts_the_least_recently_unused_and_lfu_the_least_reused() {
        let mut lru = Lru::<u32>::default();
        let mut lfu = Lfu::<u32>::default();
        for p in [&mut lru as &mut dyn EvictionPolicy<u32>, &mut lfu] {
            p.insert(1, 10);
            p.insert(2, 10);
            p.insert(1, 10); // 1 reused
            p.insert(3, 10);
        }
        assert_eq!(lru.evict(), Some(2));
        assert_eq!(lru.evict(), Some(1));
        assert_eq!(lfu.evict(), Some(2), "never reused, oldest");
        assert_eq!(lfu.evict(), Some(3), "never reused");
        assert_eq!(lfu.evict(), Some(1));
    }

    #[test]
    fn s3fifo_lets_a_scan_pass_without_flushing_reused_entries() {
        let mut s3 = S3Fifo::default();
        // A working set, each reused once.
        for k in 0..10u32 {
            s3.insert(k, 10);
            s3.insert(k, 10);
        }
        // Promote them to the main queue by evicting under pressure.
        for k in 100..150u32 {
            s3.insert(k, 10);
            while s3.bytes() > 200 {
                s3.evict();
            }
        }
        for k in 0..10 {
            assert!(s3.contains(&k), "working-set key {k} survived the scan");
        }
        let mut lru = Lru::default();
        for k in 0..10u32 {
            lru.insert(k, 10);
            lru.insert(k, 10);
        }
        for k in 100..150u32 {
            lru.insert(k, 10);
            while lru.bytes() > 200 {
                lru.evict();
            }
        }
        assert!((0..10).all(|k| !lru.contains(&k)), "LRU loses the working set to the scan");
    }

    #[test]
    fn a_ghost_hit_goes_straight_to_the_main_queue() {
        let mut s3 = S3Fifo::default();
        s3.insert(1u32, 10);
        assert_eq!(s3.evict(), Some(1));
        s3.insert(1, 10);
        s3.insert(2, 10);
        s3.insert(3, 10);
        // 2 and 3 are on probation in the small queue, 1 is in main.
        assert_eq!(s3.evict(), Some(2));
        assert_eq!(s3.evict(), Some(3));
        assert_eq!(s3.evict(), Some(1));
    }

    #[test]
    fn traces_are_seeded_and_zipf_skewed() {
        let a = zipf_with_scans(1000, 5000, 1.0, 0, 0, 3);
        assert_eq!(a, zipf_with_scans(1000, 5000, 1.0, 0, 0, 3));
        let mut counts = std::collections::HashMap::new();
        for (k, _) in &a {
            *counts.entry(*k).or_insert(0) += 1;
        }
        let mut c: Vec<i32> = counts.into_values().collect();
        c.sort_unstable_by(|x, y| y.cmp(x));
        assert!(c[0] > 20 * c[c.len() / 2], "{} vs {}", c[0], c[c.len() / 2]);
        let scans = zipf_with_scans(1000, 5000, 1.0, 1000, 100, 3);
        assert_eq!(scans.iter().filter(|(k, _)| *k > 1000).count(), 400);
    }
}
