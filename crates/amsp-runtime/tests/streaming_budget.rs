//! The streaming manager under memory pressure: what is kept is worth the
//! most per byte, fine levels go before coarse ones, and the coarsest level
//! of what is visible goes last.

mod streaming_common;

use std::collections::HashMap;

use amsp_core::AssetId;
use amsp_runtime::streaming::{
    Level, Observer, PlacementDesc, StreamingConfig, StreamingManager, Vec3,
};
use streaming_common::{DT, Host, cube, mesh};

// Four meshes (LOD bytes 10k / 40k / 160k / 640k; resident 10k, 50k, 210k,
// 850k), seen by an observer at the origin looking +z:
// Steps count from the coarsest (0) to the finest (3, `Level::Lod(0)`).
// - NEAR: visible at 10 m, needs step 3 (850k);
// - BEHIND: 10 m behind (in range, not visible), needs step 3 (850k);
// - MID: visible at 60 m, needs step 2 (210k);
// - FAR: visible at 250 m, 13 px wide, needs step 1 (50k).
const NEAR: AssetId = AssetId::from_u128(1);
const BEHIND: AssetId = AssetId::from_u128(2);
const MID: AssetId = AssetId::from_u128(3);
const FAR: AssetId = AssetId::from_u128(4);

fn world(budget: u64) -> StreamingManager {
    let config = StreamingConfig { memory_budget: budget, ..StreamingConfig::default() };
    let mut m = StreamingManager::new(config).unwrap();
    for (asset, z) in [(NEAR, 10.0), (BEHIND, -10.0), (MID, 60.0), (FAR, 250.0)] {
        m.register_asset(asset, &mesh()).unwrap();
        m.insert(&PlacementDesc::new(asset, cube(Vec3::new(0.0, 0.0, z), 1.0)).with_range(300.0))
            .unwrap();
    }
    m.add_observer(Observer::new(Vec3::ZERO, Vec3::Z).with_velocity(Vec3::ZERO)).unwrap();
    m
}

/// Runs frames until nothing changes; returns the resident LOD per asset.
fn settle(m: &mut StreamingManager, host: &mut Host) -> HashMap<AssetId, Option<u8>> {
    for _ in 0..20 {
        let u = host.frame(m, DT);
        assert!(u.stats.wanted_bytes <= m.config().memory_budget, "{:?}", u.stats);
    }
    [NEAR, BEHIND, MID, FAR]
        .into_iter()
        .map(|a| {
            let level = m.resident_level(a).unwrap().map(|l| match l {
                Level::Lod(n) => 3 - n, // the step, 0 the coarsest
                other => panic!("{other:?}"),
            });
            (a, level)
        })
        .collect()
}

fn levels(near: i8, behind: i8, mid: i8, far: i8) -> HashMap<AssetId, Option<u8>> {
    [(NEAR, near), (BEHIND, behind), (MID, mid), (FAR, far)]
        .into_iter()
        .map(|(a, l)| (a, u8::try_from(l).ok()))
        .collect()
}

#[test]
fn unlimited_budget_gives_every_placement_its_level() {
    let mut m = world(u64::MAX);
    let mut host = Host::completing();
    assert_eq!(settle(&mut m, &mut host), levels(3, 3, 2, 1));
    let stats = m.last_update().stats;
    assert_eq!(stats.demanded_bytes, 850_000 + 850_000 + 210_000 + 50_000);
    assert_eq!(stats.wanted_bytes, stats.demanded_bytes);
}

#[test]
fn under_pressure_fine_levels_of_what_is_least_worth_go_first() {
    // 990 kB of the 1,960 kB demanded. Value per byte (tier weight × pixels
    // / bytes): NEAR's finer levels are worth most (visible, 391 px); BEHIND
    // is as large but not visible (weight 1 against 8), so it keeps only
    // step 1; MID keeps step 1 (its step 2, 160 kB, no longer fits); FAR,
    // 13 px wide, keeps its coarsest level.
    let mut m = world(990_000);
    let mut host = Host::completing();
    assert_eq!(settle(&mut m, &mut host), levels(3, 1, 1, 0));
    assert_eq!(m.last_update().stats.wanted_bytes, 850_000 + 50_000 + 50_000 + 10_000);
}

#[test]
fn the_coarsest_level_of_what_is_visible_goes_last() {
    // 35 kB: only the three visible assets' coarsest levels (30 kB); the
    // invisible one is dropped entirely although its coarse level is worth
    // more per byte than FAR's.
    let mut m = world(35_000);
    let mut host = Host::completing();
    assert_eq!(settle(&mut m, &mut host), levels(0, -1, 0, 0));
    assert_eq!(Host::count(&host.loads, BEHIND), 0);
    // 25 kB: of the visible coarse levels, the one smallest on screen goes.
    let mut m = world(25_000);
    let mut host = Host::completing();
    assert_eq!(settle(&mut m, &mut host), levels(0, -1, 0, -1));
}

#[test]
fn lowering_the_budget_downgrades_before_it_releases() {
    let mut m = world(u64::MAX);
    let mut host = Host::completing();
    assert_eq!(settle(&mut m, &mut host), levels(3, 3, 2, 1));
    m.set_memory_budget(990_000);
    let u = host.frame(&mut m, DT);
    assert!(u.releases.is_empty(), "{u:?}");
    let mut downgraded: Vec<(AssetId, Level)> =
        u.downgrades.iter().map(|d| (d.asset, d.level)).collect();
    downgraded.sort_by_key(|d| d.0);
    assert_eq!(
        downgraded,
        vec![(BEHIND, Level::Lod(2)), (MID, Level::Lod(2)), (FAR, Level::Lod(3))]
    );
    assert_eq!(settle(&mut m, &mut host), levels(3, 1, 1, 0));
    m.set_memory_budget(35_000);
    let u = host.frame(&mut m, DT);
    assert_eq!(u.releases, vec![BEHIND]);
    assert_eq!(settle(&mut m, &mut host), levels(0, -1, 0, 0));
    // Room again: everything climbs back, level by level.
    m.set_memory_budget(u64::MAX);
    assert_eq!(settle(&mut m, &mut host), levels(3, 3, 2, 1));
    let behind: Vec<Level> = host.requests[&BEHIND].iter().map(|r| r.level).collect();
    assert_eq!(
        behind,
        [3, 2, 1, 0, 3, 2, 1, 0].map(Level::Lod).to_vec(),
        "loaded, released, loaded again coarse first"
    );
}
