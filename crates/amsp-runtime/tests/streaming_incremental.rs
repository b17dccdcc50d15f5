//! The incremental update (placements re-evaluated only when the observers
//! moved or turned enough to change them) decides exactly what the full
//! update (every placement within reach, every frame) decides, through
//! driving, turning, speed changes, a teleport, observers added and
//! removed, a field-of-view change, world cells and placement edits.

mod streaming_common;

use amsp_core::AssetId;
use amsp_runtime::streaming::{
    Aabb, CellId, LevelChain, LodLevel, MipChain, Observer, PlacementDesc, PlacementId,
    StreamingConfig, StreamingManager, StreamingUpdate, Vec3, WorldCell,
};
use streaming_common::DT;

const ASSETS: u32 = 2500;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn chain(i: u32, rng: &mut Rng) -> LevelChain {
    match i % 3 {
        0 => LevelChain::Lod(
            (0..4)
                .map(|k| LodLevel {
                    error: 0.005 * 4f32.powi(3 - k) * (0.5 + rng.next()),
                    triangles: 100,
                    bytes: 1000 << (2 * k),
                })
                .collect(),
        ),
        1 => {
            let size = 128u32 << (rng.next() * 4.0) as u32;
            LevelChain::Mip(MipChain::new(
                size,
                size,
                (0..=size.ilog2()).map(|m| u64::from(size >> m).pow(2)).collect(),
            ))
        }
        _ => LevelChain::Whole { bytes: 5000 },
    }
}

/// What an update decided, in a canonical order, without priorities (the
/// urgency and "visible soon" tier may lag by design).
fn decisions(u: &StreamingUpdate) -> Vec<String> {
    let mut out: Vec<String> = u
        .loads
        .iter()
        .map(|r| format!("load {} {:?}", r.asset, r.level))
        .chain(u.upgrades.iter().map(|r| format!("upgrade {} {:?}", r.asset, r.level)))
        .chain(u.downgrades.iter().map(|d| format!("downgrade {} {:?}", d.asset, d.level)))
        .chain(u.releases.iter().map(|a| format!("release {a}")))
        .chain(u.cells_loaded.iter().map(|c| format!("cell+ {c:?}")))
        .chain(u.cells_released.iter().map(|c| format!("cell- {c:?}")))
        .collect();
    out.sort();
    out
}

#[test]
fn incremental_and_full_updates_decide_the_same() {
    let build = |incremental: bool| {
        let config = StreamingConfig { incremental, ..StreamingConfig::default() };
        let mut m = StreamingManager::new(config).unwrap();
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for i in 0..ASSETS {
            m.register_asset(AssetId::from_u128(u128::from(i) + 1), &chain(i, &mut rng)).unwrap();
        }
        for c in 0..4u64 {
            let x = 200.0 + 300.0 * c as f32;
            let bounds = Aabb::new(Vec3::new(x, 0.0, 600.0), Vec3::new(x + 100.0, 30.0, 700.0));
            m.add_cell(WorldCell::new(CellId(c), bounds, 150.0)).unwrap();
        }
        let mut ids = Vec::new();
        for i in 0..20_000u32 {
            let r = 0.3 + 6.0 * rng.next() * rng.next();
            let c = Vec3::new(rng.next() * 1500.0, r, rng.next() * 1500.0);
            let asset = AssetId::from_u128(u128::from(i % ASSETS) + 1);
            let mut desc =
                PlacementDesc::new(asset, Aabb::from_center(c, Vec3::new(r, r, r) * 0.577))
                    .with_range((r * 60.0).clamp(20.0, 300.0));
            let cell = ((c.x - 200.0) / 300.0).floor();
            if i % 7 == 0
                && (0.0..4.0).contains(&cell)
                && (600.0..700.0).contains(&c.z)
                && c.x - 200.0 - cell * 300.0 < 100.0
            {
                desc = desc.in_cell(CellId(cell as u64));
            }
            ids.push(m.insert(&desc).unwrap());
        }
        let driver = m.add_observer(Observer::new(Vec3::new(100.0, 2.0, 100.0), Vec3::X)).unwrap();
        (m, driver, ids)
    };
    let (mut full, d_full, ids) = build(false);
    let (mut inc, d_inc, ids2) = build(true);
    assert_eq!(ids, ids2);
    let mut rng = Rng(42);
    let mut extra: Option<(_, _)> = None;
    let mut evaluated = (0usize, 0usize);
    let mut decided = 0usize;
    for frame in 0..1500u32 {
        let t = frame as f32 * DT;
        // The driver: a wavy path with speed changes; a teleport at 700.
        let speed = if (400..500).contains(&frame) { 3.0 } else { 18.0 };
        let heading = 0.6 + 0.8 * (t * 0.3).sin();
        let forward = Vec3::new(heading.cos(), 0.0, heading.sin());
        let step = |m: &mut StreamingManager, id| {
            let o = m.observer_mut(id).unwrap();
            o.position = if frame == 700 {
                Vec3::new(1200.0, 2.0, 300.0)
            } else {
                o.position + forward * (speed * DT)
            };
            o.forward = forward;
            o.velocity = Some(forward * speed);
            if frame == 900 {
                o.fov_y = 0.6;
            }
        };
        step(&mut full, d_full);
        step(&mut inc, d_inc);
        // A walker with estimated velocity from frame 300 to 1100.
        if frame == 300 {
            let walker = Observer::new(Vec3::new(500.0, 1.7, 650.0), -Vec3::Z);
            extra = Some((
                full.add_observer(walker.clone()).unwrap(),
                inc.add_observer(walker).unwrap(),
            ));
        }
        if let Some((a, b)) = extra {
            for (m, id) in [(&mut full, a), (&mut inc, b)] {
                let o = m.observer_mut(id).unwrap();
                o.position = o.position + Vec3::new(1.3 * DT, 0.0, 0.4 * DT);
                o.forward = o.forward.rotated_about_y(0.01);
            }
            if frame == 1100 {
                full.remove_observer(a).unwrap();
                inc.remove_observer(b).unwrap();
                extra = None;
            }
        }
        // Edits: move, remove and re-insert placements.
        if frame % 5 == 0 {
            let i = (rng.next() * ids.len() as f32) as usize % ids.len();
            let to = Vec3::new(rng.next() * 1500.0, 1.0, rng.next() * 1500.0);
            let id: PlacementId = ids[i];
            if let Ok(b) = full.bounds(id) {
                let nb = Aabb::from_center(to, b.half_extents());
                full.move_to(id, nb).unwrap();
                inc.move_to(id, nb).unwrap();
            }
        }
        if frame % 13 == 0 {
            let i = (rng.next() * ids.len() as f32) as usize % ids.len();
            let _ = full.remove(ids[i]);
            let _ = inc.remove(ids[i]);
        }
        let (uf, ui) = (full.update(DT).unwrap().clone(), inc.update(DT).unwrap().clone());
        assert_eq!(decisions(&uf), decisions(&ui), "frame {frame}");
        assert_eq!(uf.stats.demanded_bytes, ui.stats.demanded_bytes, "frame {frame}");
        assert_eq!(uf.stats.placements_wanted, ui.stats.placements_wanted, "frame {frame}");
        evaluated.0 += uf.stats.placements_evaluated;
        evaluated.1 += ui.stats.placements_evaluated;
        decided += decisions(&uf).len();
        if frame % 50 == 0 {
            for id in ids.iter().step_by(7) {
                assert_eq!(
                    full.placement_level(*id).ok().flatten(),
                    inc.placement_level(*id).ok().flatten(),
                    "frame {frame}"
                );
            }
        }
        // Complete every other frame's requests (the same in both).
        if frame % 2 == 0 {
            for (m, u) in [(&mut full, &uf), (&mut inc, &ui)] {
                for r in u.loads.iter().chain(&u.upgrades) {
                    m.mark_loaded(r.asset, r.level).unwrap();
                }
            }
        }
    }
    assert!(decided > 2000, "the drive must exercise the manager: {decided} decisions");
    println!("placements evaluated: full {}, incremental {}", evaluated.0, evaluated.1);
    assert!(
        evaluated.1 * 3 < evaluated.0,
        "incremental evaluated {} of {}",
        evaluated.1,
        evaluated.0
    );
}

#[test]
fn an_observer_arriving_from_afar_raises_the_level_as_in_a_full_update() {
    // A keeps the rock wanted at a coarse level from 250 m; B comes from
    // 3 km away at 100 m/s and passes it at 5 m: the level must rise when B
    // is near, although the rock was last evaluated while B was out of reach.
    let run = |incremental: bool| {
        let config = StreamingConfig { incremental, ..StreamingConfig::default() };
        let mut m = StreamingManager::new(config).unwrap();
        let rock = AssetId::from_u128(1);
        let levels = [(0.4, 10_000), (0.1, 40_000), (0.025, 160_000), (0.006_25, 640_000)]
            .iter()
            .map(|&(error, bytes)| LodLevel { error, triangles: 100, bytes })
            .collect();
        m.register_asset(rock, &LevelChain::Lod(levels)).unwrap();
        let at = Vec3::new(0.0, 0.0, 0.0);
        m.insert(
            &PlacementDesc::new(rock, Aabb::from_center(at, Vec3::new(1.0, 1.0, 1.0)))
                .with_range(300.0),
        )
        .unwrap();
        m.add_observer(
            Observer::new(Vec3::new(0.0, 0.0, -250.0), Vec3::Z).with_velocity(Vec3::ZERO),
        )
        .unwrap();
        let b = m
            .add_observer(
                Observer::new(Vec3::new(5.0, 0.0, -3000.0), Vec3::Z)
                    .with_velocity(Vec3::new(0.0, 0.0, 100.0)),
            )
            .unwrap();
        let mut log = Vec::new();
        for frame in 0..3600 {
            m.observer_mut(b).unwrap().position =
                Vec3::new(5.0, 0.0, -3000.0 + 100.0 * DT * frame as f32);
            let u = m.update(DT).unwrap().clone();
            for r in u.loads.iter().chain(&u.upgrades) {
                m.mark_loaded(r.asset, r.level).unwrap();
            }
            log.push(decisions(&u));
        }
        log
    };
    let (full, inc) = (run(false), run(true));
    assert!(full.iter().map(Vec::len).sum::<usize>() >= 6, "{full:?}");
    assert_eq!(full, inc);
}
