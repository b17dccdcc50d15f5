//! The streaming manager's world: world cells loading as bundles, several
//! observers, shared assets, placement edits, queries and bad input.

mod streaming_common;

use std::collections::HashSet;

use amsp_core::{AssetId, PriorityClass};
use amsp_runtime::streaming::{
    Aabb, CellId, Frustum, Level, Observer, PlacementDesc, PlacementId, StreamingConfig,
    StreamingError, StreamingManager, Vec3, WorldCell,
};
use streaming_common::{DT, Host, cube, mesh, texture};

fn manager() -> StreamingManager {
    StreamingManager::new(StreamingConfig::default()).unwrap()
}

#[test]
fn a_cell_loads_as_a_bundle_and_is_released_with_hysteresis() {
    let mut m = manager();
    let cell = CellId(7);
    let bounds = Aabb::new(Vec3::new(0.0, 0.0, 0.0), Vec3::new(100.0, 20.0, 100.0));
    m.add_cell(WorldCell { id: cell, bounds, load_radius: 200.0, unload_radius: 250.0 }).unwrap();
    // 20 placements with short ranges (they would never load on their own
    // from where the cell triggers), one with a long range that still waits
    // for its cell, and one outside any cell for contrast.
    let mut members = HashSet::new();
    for i in 0..21u32 {
        let asset = AssetId::from_u128(100 + u128::from(i));
        m.register_asset(asset, &mesh()).unwrap();
        let at = Vec3::new(5.0 + 4.5 * i as f32, 0.0, 5.0 + 4.0 * i as f32);
        let range = if i == 20 { 1000.0 } else { 10.0 };
        m.insert(&PlacementDesc::new(asset, cube(at, 1.0)).with_range(range).in_cell(cell))
            .unwrap();
        members.insert(asset);
    }
    let loner = AssetId::from_u128(1);
    m.register_asset(loner, &mesh()).unwrap();
    m.insert(&PlacementDesc::new(loner, cube(Vec3::new(50.0, 0.0, -330.0), 1.0)).with_range(100.0))
        .unwrap();
    let obs = m
        .add_observer(
            Observer::new(Vec3::new(50.0, 0.0, -500.0), Vec3::Z)
                .with_velocity(Vec3::new(0.0, 0.0, 10.0)),
        )
        .unwrap();
    let mut host = Host::completing();
    let mut z = -500.0f32;
    let mut loaded_at = None;
    while z < -150.0 {
        m.observer_mut(obs).unwrap().position = Vec3::new(50.0, 0.0, z);
        let u = host.frame(&mut m, DT);
        if !u.cells_loaded.is_empty() {
            assert_eq!(u.cells_loaded, vec![cell]);
            assert!(loaded_at.is_none());
            loaded_at = Some(-z);
            // Every member requested in the same update, coarsest first.
            let requested: HashSet<AssetId> = u.loads.iter().map(|r| r.asset).collect();
            assert!(members.is_subset(&requested), "{u:?}");
            assert!(u.loads.iter().all(|r| r.level == Level::Lod(3)));
        } else if loaded_at.is_none() {
            assert!(
                u.loads.iter().all(|r| !members.contains(&r.asset)),
                "member before its cell: {u:?}"
            );
        }
        z += 10.0 * DT;
    }
    // Within 200 m of the box, or predicted to be within 1 s (10 m).
    let at = loaded_at.expect("cell loaded");
    assert!(at > 200.0 && at <= 210.0 + 10.0 * DT, "cell loaded {at} m away");
    assert_eq!(Host::count(&host.loads, loner), 1);
    // Back away: released past 250 m only, and all members with it.
    m.observer_mut(obs).unwrap().velocity = Some(Vec3::new(0.0, 0.0, -10.0));
    let mut released_at = None;
    while z > -300.0 {
        m.observer_mut(obs).unwrap().position = Vec3::new(50.0, 0.0, z);
        let u = host.frame(&mut m, DT);
        if !u.cells_released.is_empty() {
            released_at = Some(-z);
            let released: HashSet<AssetId> = u.releases.iter().copied().collect();
            assert!(members.is_subset(&released), "{u:?}");
        } else if released_at.is_none() {
            assert!(u.releases.iter().all(|a| !members.contains(a)));
        }
        z -= 10.0 * DT;
    }
    let at = released_at.expect("cell released");
    assert!(at > 250.0 && at <= 250.0 + 10.0 * DT + 0.01, "released at {at} m");
    // Oscillate across the unload radius: no churn.
    let before = host.loads.values().sum::<usize>();
    m.observer_mut(obs).unwrap().velocity = None;
    for frame in 0..1000 {
        let z = -250.0 + 3.0 * (frame as f32 * DT * std::f32::consts::TAU).sin();
        m.observer_mut(obs).unwrap().position = Vec3::new(50.0, 0.0, z);
        let u = host.frame(&mut m, DT);
        assert!(u.cells_loaded.is_empty() && u.cells_released.is_empty(), "frame {frame}: {u:?}");
    }
    assert_eq!(host.loads.values().sum::<usize>(), before);
}

#[test]
fn with_several_observers_the_most_demanding_wins() {
    let mut m = manager();
    let (shared, only_b) = (AssetId::from_u128(1), AssetId::from_u128(2));
    m.register_asset(shared, &mesh()).unwrap();
    m.register_asset(only_b, &mesh()).unwrap();
    m.insert(&PlacementDesc::new(shared, cube(Vec3::new(0.0, 0.0, 10.0), 1.0))).unwrap();
    m.insert(&PlacementDesc::new(only_b, cube(Vec3::new(2000.0, 0.0, 10.0), 1.0))).unwrap();
    // A is 10 m from `shared` and sees it; B is 200 m away, looking away.
    let a = m.add_observer(Observer::new(Vec3::ZERO, Vec3::Z).with_velocity(Vec3::ZERO)).unwrap();
    let b = Observer::new(Vec3::new(0.0, 0.0, 210.0), Vec3::Z).with_velocity(Vec3::ZERO);
    m.add_observer(b.clone()).unwrap();
    let mut host = Host::completing();
    for _ in 0..10 {
        host.frame(&mut m, DT);
    }
    assert_eq!(m.resident_level(shared).unwrap(), Some(Level::Lod(0)));
    assert_eq!(m.resident_level(only_b).unwrap(), None);
    // A leaves: B alone needs step 1 (`Lod(2)`) at 200 m; it is behind B,
    // so Normal.
    m.remove_observer(a).unwrap();
    let u = host.frame(&mut m, DT);
    assert_eq!(u.downgrades.len(), 1);
    assert_eq!(u.downgrades[0].level, Level::Lod(2));
    assert_eq!(m.wanted().next().unwrap().priority.class, PriorityClass::Normal);
    // A third observer near `only_b` brings it in; the first keeps its level.
    m.add_observer(Observer::new(Vec3::new(2000.0, 0.0, 0.0), Vec3::Z).with_velocity(Vec3::ZERO))
        .unwrap();
    let u = host.frame(&mut m, DT);
    assert_eq!(u.loads.len(), 1);
    assert_eq!(u.loads[0].asset, only_b);
    assert_eq!(u.loads[0].priority.class, PriorityClass::Critical);
    assert!(u.releases.is_empty() && u.downgrades.is_empty());
}

#[test]
fn placements_of_one_asset_make_one_request_at_the_finest_level_any_needs() {
    let mut m = manager();
    let tree = AssetId::from_u128(5);
    m.register_asset(tree, &texture()).unwrap();
    for i in 0..100 {
        let at = Vec3::new((i % 10) as f32 * 20.0 - 90.0, 0.0, 30.0 + (i / 10) as f32 * 20.0);
        m.insert(&PlacementDesc::new(tree, cube(at, 2.0))).unwrap();
    }
    m.add_observer(Observer::new(Vec3::ZERO, Vec3::Z).with_velocity(Vec3::ZERO)).unwrap();
    let mut host = Host::completing();
    let u = host.frame(&mut m, DT);
    assert_eq!(u.loads.len(), 1);
    assert_eq!(u.stats.placements_wanted, 100);
    for _ in 0..10 {
        host.frame(&mut m, DT);
    }
    // The nearest (30 m) needs mip 2 (see the teleport test's arithmetic).
    assert_eq!(m.resident_level(tree).unwrap(), Some(Level::Mip(2)));
}

#[test]
fn removing_and_moving_placements_changes_what_is_wanted() {
    let mut m = manager();
    let (a, b) = (AssetId::from_u128(1), AssetId::from_u128(2));
    m.register_asset(a, &mesh()).unwrap();
    m.register_asset(b, &mesh()).unwrap();
    let pa = m.insert(&PlacementDesc::new(a, cube(Vec3::new(0.0, 0.0, 20.0), 1.0))).unwrap();
    let pb = m.insert(&PlacementDesc::new(b, cube(Vec3::new(0.0, 0.0, 5000.0), 1.0))).unwrap();
    m.add_observer(Observer::new(Vec3::ZERO, Vec3::Z).with_velocity(Vec3::ZERO)).unwrap();
    let mut host = Host::completing();
    host.frame(&mut m, DT);
    // 18.3 m to its sphere: 51 px/m; `Lod(1)` errs 1.3 px: the finest.
    assert_eq!(m.placement_level(pa).unwrap(), Some(Level::Lod(0)));
    assert_eq!(m.placement_level(pb).unwrap(), None);
    m.remove(pa).unwrap();
    assert_eq!(m.remove(pa), Err(StreamingError::UnknownPlacement(pa)));
    assert_eq!(m.placement_level(pa), Err(StreamingError::UnknownPlacement(pa)));
    // The slot is reused; the old id still names nothing.
    let pc = m.insert(&PlacementDesc::new(a, cube(Vec3::new(0.0, 0.0, 4000.0), 1.0))).unwrap();
    assert_ne!(pa, pc);
    assert!(m.bounds(pa).is_err());
    let u = host.frame(&mut m, DT);
    assert_eq!(u.releases, vec![a]);
    // Bring b in front of the observer.
    m.move_to(pb, cube(Vec3::new(0.0, 0.0, 15.0), 1.0)).unwrap();
    let u = host.frame(&mut m, DT);
    assert_eq!(u.loads.len(), 1);
    assert_eq!(u.loads[0].asset, b);
    assert_eq!(m.len(), 2);
    // Move a wanted placement far away: released at the next update.
    m.move_to(pb, cube(Vec3::new(0.0, 0.0, 9000.0), 1.0)).unwrap();
    let u = host.frame(&mut m, DT);
    assert_eq!(u.releases, vec![b]);
}

#[test]
fn queries_find_exactly_the_placements_they_touch() {
    let mut m = StreamingManager::new(StreamingConfig {
        grid_cell_size: 32.0,
        ..StreamingConfig::default()
    })
    .unwrap();
    let asset = AssetId::from_u128(1);
    m.register_asset(asset, &mesh()).unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 40) as f32 / (1u64 << 24) as f32
    };
    let mut placed: Vec<(PlacementId, Aabb)> = Vec::new();
    for _ in 0..20_000 {
        let c = Vec3::new(next() * 2000.0 - 1000.0, next() * 30.0, next() * 2000.0 - 1000.0);
        let b = Aabb::from_center(c, Vec3::new(next() * 5.0, next() * 10.0, next() * 5.0));
        placed.push((m.insert(&PlacementDesc::new(asset, b)).unwrap(), b));
    }
    for i in (0..20_000).step_by(3) {
        m.remove(placed[i].0).unwrap();
    }
    placed = placed.into_iter().enumerate().filter(|(i, _)| i % 3 != 0).map(|(_, p)| p).collect();
    for p in placed.iter_mut().step_by(5) {
        let b = Aabb::from_center(p.1.center() + Vec3::new(300.0, 0.0, -200.0), p.1.half_extents());
        m.move_to(p.0, b).unwrap();
        p.1 = b;
    }
    let sorted = |mut v: Vec<PlacementId>| {
        v.sort_unstable();
        v
    };
    let center = Vec3::new(100.0, 0.0, -50.0);
    let want = sorted(
        placed
            .iter()
            .filter(|(_, b)| {
                let s = b.bounding_sphere();
                let r = s.radius + 150.0;
                (s.center - center).length_squared() <= r * r
            })
            .map(|p| p.0)
            .collect(),
    );
    assert!(want.len() > 100);
    assert_eq!(sorted(m.query_sphere(center, 150.0)), want);
    let f = Frustum::perspective(center, Vec3::X, Vec3::Y, 0.8, 1.6, 0.5, 400.0);
    let want = sorted(
        placed
            .iter()
            .filter(|(_, b)| f.intersects_sphere(&b.bounding_sphere()))
            .map(|p| p.0)
            .collect(),
    );
    assert!(want.len() > 100);
    assert_eq!(sorted(m.query_frustum(&f)), want);
}

#[test]
fn bad_input_is_an_error_and_changes_nothing() {
    let mut m = manager();
    let a = AssetId::from_u128(1);
    m.register_asset(a, &mesh()).unwrap();
    assert_eq!(m.register_asset(a, &mesh()), Err(StreamingError::DuplicateAsset(a)));
    let ghost = AssetId::from_u128(2);
    let ok = cube(Vec3::ZERO, 1.0);
    assert_eq!(m.insert(&PlacementDesc::new(ghost, ok)), Err(StreamingError::UnknownAsset(ghost)));
    let nan = Aabb::from_center(Vec3::new(f32::NAN, 0.0, 0.0), Vec3::ZERO);
    assert!(matches!(
        m.insert(&PlacementDesc::new(a, nan)),
        Err(StreamingError::InvalidGeometry(_))
    ));
    for range in [0.0, -1.0, f32::INFINITY, f32::NAN] {
        let desc = PlacementDesc::new(a, ok).with_range(range);
        assert!(matches!(m.insert(&desc), Err(StreamingError::InvalidGeometry(_))), "{range}");
    }
    assert_eq!(
        m.insert(&PlacementDesc::new(a, ok).in_cell(CellId(3))),
        Err(StreamingError::UnknownCell(CellId(3)))
    );
    assert!(m.is_empty());
    let p = m.insert(&PlacementDesc::new(a, ok)).unwrap();
    assert!(matches!(m.move_to(p, nan), Err(StreamingError::InvalidGeometry(_))));
    assert_eq!(m.bounds(p).unwrap(), ok);
    assert!(matches!(m.mark_loaded(a, Level::Mip(0)), Err(StreamingError::InvalidLevel { .. })));
    assert!(matches!(m.mark_loaded(a, Level::Lod(4)), Err(StreamingError::InvalidLevel { .. })));
    assert_eq!(m.mark_loaded(ghost, Level::Lod(0)), Err(StreamingError::UnknownAsset(ghost)));
    let obs = m.add_observer(Observer::new(Vec3::ZERO, Vec3::Z)).unwrap();
    assert!(m.update(f32::NAN).is_err());
    m.observer_mut(obs).unwrap().fov_y = 4.0;
    assert!(matches!(m.update(DT), Err(StreamingError::InvalidObserver(_))));
    m.observer_mut(obs).unwrap().fov_y = 1.0;
    assert_eq!(m.update(DT).unwrap().loads.len(), 1);
    let bad_cell = WorldCell { id: CellId(1), bounds: ok, load_radius: 10.0, unload_radius: 5.0 };
    assert!(matches!(m.add_cell(bad_cell), Err(StreamingError::InvalidGeometry(_))));
    assert!(
        StreamingManager::new(StreamingConfig { unload_factor: 0.5, ..StreamingConfig::default() })
            .is_err()
    );
}

#[test]
fn extreme_but_finite_geometry_does_not_break_an_update() {
    let mut m = manager();
    let a = AssetId::from_u128(1);
    m.register_asset(a, &texture()).unwrap();
    // Squares of distances overflow f32 beyond about 1.8e19.
    let huge = 1e18f32;
    for (center, half, range) in [
        (Vec3::new(1e30, 0.0, -1e30), 1.0, 10.0),
        (Vec3::ZERO, huge, huge),
        (Vec3::new(0.0, 0.0, 5.0), 0.0, 1e-6),
        (Vec3::new(-2e38, 2e38, 2e38), huge, 3e38),
    ] {
        m.insert(
            &PlacementDesc::new(a, Aabb::from_center(center, Vec3::new(half, half, half)))
                .with_range(range),
        )
        .unwrap();
    }
    // Bounds whose corners are finite but whose sphere is not.
    let overflowing = Aabb::from_center(Vec3::ZERO, Vec3::new(3e38, 3e38, 3e38));
    assert!(matches!(
        m.insert(&PlacementDesc::new(a, overflowing)),
        Err(StreamingError::InvalidGeometry(_))
    ));
    let obs = m.add_observer(Observer::new(Vec3::ZERO, Vec3::Z)).unwrap();
    let mut host = Host::completing();
    for i in 0..20 {
        m.observer_mut(obs).unwrap().position = Vec3::new(i as f32 * 1e17, 0.0, 0.0);
        host.frame(&mut m, DT);
    }
    assert!(m.query_sphere(Vec3::ZERO, huge).len() >= 2);
    assert!(m.update(DT).unwrap().stats.wanted_bytes < u64::MAX);
}

#[test]
fn an_evicted_asset_is_requested_again_coarse_first() {
    let mut m = manager();
    let a = AssetId::from_u128(1);
    m.register_asset(a, &mesh()).unwrap();
    m.insert(&PlacementDesc::new(a, cube(Vec3::new(0.0, 0.0, 30.0), 1.0))).unwrap();
    m.add_observer(Observer::new(Vec3::ZERO, Vec3::Z).with_velocity(Vec3::ZERO)).unwrap();
    let mut host = Host::completing();
    for _ in 0..5 {
        host.frame(&mut m, DT);
    }
    // 28.3 m to its sphere: 33 px/m; `Lod(1)` errs 0.83 px.
    assert_eq!(m.resident_level(a).unwrap(), Some(Level::Lod(1)));
    m.mark_unloaded(a).unwrap();
    assert_eq!(m.resident_level(a).unwrap(), None);
    let u = host.frame(&mut m, DT);
    assert_eq!(u.loads.len(), 1);
    assert_eq!(u.loads[0].level, Level::Lod(3));
    assert_eq!(u.loads[0].priority.class, PriorityClass::Critical);
    // A completion for a level never asked for again is ignored.
    m.mark_loaded(a, Level::Lod(0)).unwrap();
    assert_eq!(m.resident_level(a).unwrap(), Some(Level::Lod(3)));
}
