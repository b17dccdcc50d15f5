//! Random sequences of edits, observer moves, completions, evictions and
//! budget changes: the manager never breaks its contracts (budget kept,
//! coarsest level first, one level at a time, releases only of what was
//! requested, counters consistent).

mod streaming_common;

use std::collections::HashMap;

use amsp_core::AssetId;
use amsp_runtime::streaming::{
    Aabb, CellId, Level, LevelChain, LodLevel, MipChain, Observer, PlacementDesc, StreamingConfig,
    StreamingManager, Vec3, WorldCell,
};
use streaming_common::DT;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40) as f32 / (1u64 << 24) as f32
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() * n as f32) as usize % n.max(1)
    }
}

/// The step index of a level within its chain, coarsest 0.
fn step(level: Level, chain: &LevelChain) -> usize {
    match (level, chain) {
        (Level::Lod(n), LevelChain::Lod(levels)) => levels.len() - 1 - usize::from(n),
        (Level::Mip(m), LevelChain::Mip(c)) => {
            let largest = c.width.max(c.height);
            let tail = (0..c.mip_bytes.len())
                .find(|&k| (largest >> k).max(1) <= c.tail_size)
                .unwrap_or(c.mip_bytes.len() - 1);
            tail.saturating_sub(usize::from(m))
        }
        (Level::Whole, LevelChain::Whole { .. }) => 0,
        other => panic!("level of another chain: {other:?}"),
    }
}

#[test]
fn random_sessions_keep_the_contracts() {
    for seed in 1..=6u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let config = StreamingConfig {
            memory_budget: if seed % 2 == 0 { 3_000_000 } else { u64::MAX },
            ..StreamingConfig::default()
        };
        let mut m = StreamingManager::new(config).unwrap();
        let mut chains = HashMap::new();
        for i in 0..200u128 {
            let id = AssetId::from_u128(i + 1);
            let chain = match i % 3 {
                0 => LevelChain::Lod(
                    (0..3)
                        .map(|k| LodLevel {
                            error: 0.3 / 4f32.powi(k),
                            triangles: 10,
                            bytes: 5_000 << (2 * k),
                        })
                        .collect(),
                ),
                1 => LevelChain::Mip(MipChain::new(
                    512,
                    256,
                    (0..10).map(|k| (131_072u64 >> (2 * k)).max(16)).collect(),
                )),
                _ => LevelChain::Whole { bytes: 20_000 },
            };
            m.register_asset(id, &chain).unwrap();
            chains.insert(id, chain);
        }
        m.add_cell(WorldCell::new(
            CellId(1),
            Aabb::new(Vec3::ZERO, Vec3::new(100.0, 10.0, 100.0)),
            120.0,
        ))
        .unwrap();
        let mut placements = Vec::new();
        let mut observers =
            vec![m.add_observer(Observer::new(Vec3::new(-200.0, 2.0, 0.0), Vec3::X)).unwrap()];
        // Per asset: the finest step requested so far and whether resident.
        let mut requested: HashMap<AssetId, usize> = HashMap::new();
        let mut resident: HashMap<AssetId, usize> = HashMap::new();
        let mut in_flight = Vec::new();
        let mut seen = [0usize; 4]; // loads, upgrades, downgrades, releases
        for frame in 0..1500 {
            match rng.below(20) {
                0..=3 => {
                    let asset = AssetId::from_u128(rng.below(200) as u128 + 1);
                    let c = Vec3::new(rng.next() * 800.0 - 400.0, 0.0, rng.next() * 800.0 - 400.0);
                    let mut desc =
                        PlacementDesc::new(asset, Aabb::from_center(c, Vec3::new(1.0, 2.0, 1.0)))
                            .with_range(20.0 + rng.next() * 200.0);
                    if (0.0..100.0).contains(&c.x) && (0.0..100.0).contains(&c.z) {
                        desc = desc.in_cell(CellId(1));
                    }
                    placements.push(m.insert(&desc).unwrap());
                }
                4 if !placements.is_empty() => {
                    let i = rng.below(placements.len());
                    m.remove(placements.swap_remove(i)).unwrap();
                }
                5 if !placements.is_empty() => {
                    let p = placements[rng.below(placements.len())];
                    let c = Vec3::new(rng.next() * 800.0 - 400.0, 0.0, rng.next() * 800.0 - 400.0);
                    m.move_to(p, Aabb::from_center(c, Vec3::new(1.0, 2.0, 1.0))).unwrap();
                }
                6 if observers.len() < 3 => {
                    let at = Vec3::new(rng.next() * 600.0 - 300.0, 2.0, rng.next() * 600.0 - 300.0);
                    observers.push(m.add_observer(Observer::new(at, Vec3::Z)).unwrap());
                }
                7 if observers.len() > 1 => {
                    m.remove_observer(observers.swap_remove(rng.below(observers.len()))).unwrap();
                }
                8 => {
                    // Evict something resident.
                    if let Some(&a) = resident.keys().next() {
                        m.mark_unloaded(a).unwrap();
                        resident.remove(&a);
                        requested.remove(&a);
                        in_flight.retain(|&(b, _)| b != a);
                    }
                }
                _ => {}
            }
            for (k, &o) in observers.iter().enumerate() {
                let obs = m.observer_mut(o).unwrap();
                let heading = frame as f32 * 0.01 * (k as f32 + 1.0);
                obs.forward = Vec3::new(heading.cos(), 0.0, heading.sin());
                obs.position = obs.position + obs.forward * (15.0 * DT);
                if rng.below(300) == 0 {
                    obs.position =
                        Vec3::new(rng.next() * 600.0 - 300.0, 2.0, rng.next() * 600.0 - 300.0);
                }
            }
            let u = m.update(DT).unwrap().clone();
            seen[0] += u.loads.len();
            seen[1] += u.upgrades.len();
            seen[2] += u.downgrades.len();
            seen[3] += u.releases.len();
            assert!(
                u.stats.wanted_bytes <= m.config().memory_budget,
                "seed {seed} frame {frame}: {:?}",
                u.stats
            );
            assert!(u.stats.wanted_bytes <= u.stats.demanded_bytes);
            assert_eq!(u.stats.assets_wanted, m.wanted().count());
            for a in &u.releases {
                assert!(
                    requested.remove(a).is_some(),
                    "seed {seed} frame {frame}: released {a} never requested"
                );
                resident.remove(a);
                in_flight.retain(|&(b, _)| b != *a);
            }
            for d in &u.downgrades {
                let s = step(d.level, &chains[&d.asset]);
                let r = requested.get_mut(&d.asset).expect("downgrade of a requested asset");
                assert!(s < *r, "seed {seed} frame {frame}: downgrade to {s} from {r}");
                *r = s;
                if let Some(res) = resident.get_mut(&d.asset) {
                    *res = (*res).min(s);
                    *r = (*r).min(*res);
                }
                in_flight.retain(|&(b, _)| b != d.asset);
            }
            for r in &u.loads {
                assert_eq!(
                    step(r.level, &chains[&r.asset]),
                    0,
                    "seed {seed} frame {frame}: first load not coarsest"
                );
                assert!(!requested.contains_key(&r.asset));
                requested.insert(r.asset, 0);
                in_flight.push((r.asset, r.level));
            }
            for r in &u.upgrades {
                let s = step(r.level, &chains[&r.asset]);
                assert_eq!(
                    Some(&(s - 1)),
                    resident.get(&r.asset),
                    "seed {seed} frame {frame}: upgrade skips a level"
                );
                requested.insert(r.asset, s);
                in_flight.push((r.asset, r.level));
            }
            // Complete a few requests in flight, oldest first.
            for (a, level) in in_flight.drain(..in_flight.len().min(rng.below(6))) {
                m.mark_loaded(a, level).unwrap();
                resident.insert(a, step(level, &chains[&a]));
            }
            for (a, &s) in &resident {
                let level = m.resident_level(*a).unwrap().expect("resident");
                assert_eq!(step(level, &chains[a]), s, "seed {seed} frame {frame}");
            }
        }
        // The session must exercise every kind of decision.
        assert!(seen.iter().all(|&n| n >= 10), "seed {seed}: {seen:?}");
    }
}
