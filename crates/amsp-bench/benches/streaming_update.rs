//! One `StreamingManager::update` for 1,000,000 placements over 10 km²
//! (3,000 distinct assets) and one observer driving through it at 20 m/s,
//! against two references measured in the same run: one pass over the same
//! 1,000,000 placement centres doing nothing but a distance test, and the
//! same update with `incremental: false` (every placement within reach
//! evaluated every frame).
//!
//! World: a 3,162 m square; 70% small props (bounding radius 0.3–2 m), 25%
//! medium (2–8 m), 5% large (8–30 m); each placement's load distance is
//! where its bounding sphere is 16 px tall on a 1080p, 60° view (about
//! 117 × radius), capped at 1 km. 2,000 meshes (3–6 LODs, 10 kB–2 MB) and
//! 1,000 textures (256²–2048² BC7 mip chains). Every request is reported
//! loaded at once (outside the timed section), so the manager runs in a
//! steady state of upgrades, downgrades and releases as the observer moves.

use std::collections::HashSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

use amsp_core::AssetId;
use amsp_runtime::streaming::{
    Aabb, LevelChain, LodLevel, MipChain, Observer, ObserverId, PlacementDesc, StreamRequest,
    StreamingConfig, StreamingManager, Vec3,
};
use criterion::{Criterion, criterion_group, criterion_main};

const PLACEMENTS: usize = 1_000_000;

/// `full` under `cargo bench`; a fiftieth (at least 2) under `cargo test`,
/// which runs benches once as tests without optimising the workspace.
fn scaled(full: usize) -> usize {
    if std::env::args().any(|a| a == "--bench") { full } else { (full / 50).max(2) }
}
const SIDE: f32 = 3162.0;
const MESHES: u128 = 2000;
const TEXTURES: u128 = 1000;
const DT: f32 = 1.0 / 60.0;
const SPEED: f32 = 20.0;

/// xorshift64*: deterministic and fast.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40) as f32 / (1u64 << 24) as f32
    }

    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.next()
    }
}

fn chains(rng: &mut Rng) -> Vec<(AssetId, LevelChain)> {
    let mut out = Vec::new();
    for i in 0..MESHES {
        let lods = 3 + (rng.next() * 4.0) as usize;
        let finest = rng.range(40_000.0, 2_000_000.0);
        let base_error = rng.range(0.002, 0.02);
        let levels = (0..lods)
            .map(|k| {
                let coarser = (lods - 1 - k) as i32;
                LodLevel {
                    error: base_error * 4f32.powi(coarser),
                    triangles: 200_000 >> (2 * coarser),
                    bytes: (finest / 4f32.powi(coarser)) as u64 + 1024,
                }
            })
            .collect();
        out.push((AssetId::from_u128(i + 1), LevelChain::Lod(levels)));
    }
    for i in 0..TEXTURES {
        let size = 256u32 << (rng.next() * 4.0) as u32;
        let mips = (0..=size.ilog2()).map(|m| u64::from((size >> m).max(4)).pow(2)).collect();
        out.push((
            AssetId::from_u128(MESHES + i + 1),
            LevelChain::Mip(MipChain::new(size, size, mips)),
        ));
    }
    out
}

/// Builds the world; returns the manager, the observer and every centre
/// with its load distance (for the reference pass).
fn world(incremental: bool) -> (StreamingManager, ObserverId, Vec<[f32; 4]>) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let config = StreamingConfig { incremental, ..StreamingConfig::default() };
    let mut m = StreamingManager::new(config).expect("config");
    let assets = chains(&mut rng);
    for (id, chain) in &assets {
        m.register_asset(*id, chain).expect("chain");
    }
    let placements = scaled(PLACEMENTS);
    let mut centres = Vec::with_capacity(placements);
    for _ in 0..placements {
        let kind = rng.next();
        let radius = if kind < 0.7 {
            rng.range(0.3, 2.0)
        } else if kind < 0.95 {
            rng.range(2.0, 8.0)
        } else {
            rng.range(8.0, 30.0)
        };
        let c = Vec3::new(rng.range(0.0, SIDE), radius * 0.5, rng.range(0.0, SIDE));
        let half = radius / 3f32.sqrt();
        let bounds = Aabb::from_center(c, Vec3::new(half, half, half));
        let range = (radius * 1870.6 / 16.0).clamp(20.0, 1000.0);
        let asset = assets[(rng.next() * assets.len() as f32) as usize % assets.len()].0;
        m.insert(&PlacementDesc::new(asset, bounds).with_range(range)).expect("placement");
        centres.push([c.x, c.y, c.z, range]);
    }
    let obs =
        m.add_observer(Observer::new(Vec3::new(300.0, 2.0, 300.0), Vec3::X)).expect("observer");
    (m, obs, centres)
}

/// The observer's path: a large circle around the world's centre, driven
/// at `SPEED`, looking along the direction of travel.
fn place_observer(m: &mut StreamingManager, obs: ObserverId, frame: u64) {
    let radius = SIDE * 0.35;
    let angle = frame as f32 * DT * SPEED / radius;
    let (s, c) = angle.sin_cos();
    let o = m.observer_mut(obs).expect("observer");
    o.position = Vec3::new(SIDE * 0.5 + radius * c, 2.0, SIDE * 0.5 + radius * s);
    o.forward = Vec3::new(-s, 0.0, c);
    o.velocity = Some(o.forward * SPEED);
}

/// One frame: move, update (timed), report every request loaded.
fn frame(m: &mut StreamingManager, obs: ObserverId, n: u64) -> Duration {
    place_observer(m, obs, n);
    let start = Instant::now();
    let update = m.update(DT).expect("update");
    let took = start.elapsed();
    let requests: Vec<_> = update.loads.iter().chain(&update.upgrades).copied().collect();
    for r in requests {
        m.mark_loaded(r.asset, r.level).expect("level");
    }
    took
}

/// One frame with a loader that completes only the `per_frame` most urgent
/// requests in flight (a bandwidth-bound disk): requests pile up, and their
/// placements' urgency is kept fresh, so more placements are evaluated.
fn throttled_frame(
    m: &mut StreamingManager,
    obs: ObserverId,
    n: u64,
    pending: &mut Vec<StreamRequest>,
    per_frame: usize,
) -> Duration {
    place_observer(m, obs, n);
    let start = Instant::now();
    let update = m.update(DT).expect("update");
    let took = start.elapsed();
    let released: HashSet<AssetId> = update.releases.iter().copied().collect();
    let downgraded: HashSet<AssetId> = update.downgrades.iter().map(|d| d.asset).collect();
    pending.retain(|r| !released.contains(&r.asset) && !downgraded.contains(&r.asset));
    for r in &update.reprioritized {
        if let Some(p) = pending.iter_mut().find(|p| p.asset == r.asset) {
            p.priority = r.priority;
        }
    }
    pending.extend(update.loads.iter().chain(&update.upgrades).copied());
    pending.sort_by_key(|r| std::cmp::Reverse(r.priority));
    for r in pending.drain(..per_frame.min(pending.len())) {
        m.mark_loaded(r.asset, r.level).expect("level");
    }
    took
}

/// The reference: one pass over every centre with a distance test.
fn distance_pass(centres: &[[f32; 4]], eye: Vec3) -> usize {
    centres
        .iter()
        .filter(|c| {
            let (dx, dy, dz) = (c[0] - eye.x, c[1] - eye.y, c[2] - eye.z);
            dx * dx + dy * dy + dz * dz <= c[3] * c[3]
        })
        .count()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn streaming_update(c: &mut Criterion) {
    let built = Instant::now();
    let (mut m, obs, centres) = world(true);
    println!(
        "world: {} placements, {} assets, built in {:.1} s",
        m.len(),
        MESHES + TEXTURES,
        built.elapsed().as_secs_f64()
    );
    let first = frame(&mut m, obs, 0);
    println!(
        "first update (everything in range is new): {:.2} ms, stats {:?}",
        first.as_secs_f64() * 1e3,
        m.last_update().stats
    );
    let mut n = 1u64;
    for _ in 0..scaled(120) {
        frame(&mut m, obs, n);
        n += 1;
    }
    // Steady state: 600 frames (10 s of driving), alternating with the
    // reference pass so both see the same machine load.
    let mut updates = Vec::new();
    let mut references = Vec::new();
    let mut evaluated = Vec::new();
    for _ in 0..scaled(600) {
        updates.push(frame(&mut m, obs, n));
        evaluated.push(m.last_update().stats.placements_evaluated);
        n += 1;
        let eye = m.observer_mut(obs).expect("observer").position;
        let start = Instant::now();
        black_box(distance_pass(black_box(&centres), eye));
        references.push(start.elapsed());
    }
    updates.sort_unstable();
    references.sort_unstable();
    evaluated.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let stats = m.last_update().stats;
    println!(
        "update: p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms; reference distance pass over 1M: p50 {:.3} ms; \
         update / reference = {:.2}; placements evaluated per update: p50 {}, p90 {}, max {}; \
         last update visited {} grid cells, {} placements, {} wanted, {} assets wanted",
        ms(percentile(&updates, 0.5)),
        ms(percentile(&updates, 0.9)),
        ms(percentile(&updates, 0.99)),
        ms(percentile(&references, 0.5)),
        percentile(&updates, 0.5).as_secs_f64() / percentile(&references, 0.5).as_secs_f64(),
        evaluated[evaluated.len() / 2],
        evaluated[evaluated.len() * 9 / 10],
        evaluated[evaluated.len() - 1],
        stats.grid_cells_visited,
        stats.placements_visited,
        stats.placements_wanted,
        stats.assets_wanted,
    );

    // A loader completing 16 requests a frame (960 a second).
    let (mut slow, slow_obs, _) = world(true);
    let mut pending = Vec::new();
    let mut n_slow = 0u64;
    for _ in 0..scaled(121) {
        throttled_frame(&mut slow, slow_obs, n_slow, &mut pending, 16);
        n_slow += 1;
    }
    let mut slows = Vec::new();
    let mut slow_evaluated = Vec::new();
    let mut in_flight = Vec::new();
    for _ in 0..scaled(600) {
        slows.push(throttled_frame(&mut slow, slow_obs, n_slow, &mut pending, 16));
        n_slow += 1;
        slow_evaluated.push(slow.last_update().stats.placements_evaluated);
        in_flight.push(pending.len());
    }
    slows.sort_unstable();
    slow_evaluated.sort_unstable();
    in_flight.sort_unstable();
    println!(
        "update with a loader completing 16 requests a frame: p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms; \
         requests in flight p50 {}; placements evaluated per update p50 {}, p90 {}",
        ms(percentile(&slows, 0.5)),
        ms(percentile(&slows, 0.9)),
        ms(percentile(&slows, 0.99)),
        in_flight[in_flight.len() / 2],
        slow_evaluated[slow_evaluated.len() / 2],
        slow_evaluated[slow_evaluated.len() * 9 / 10],
    );
    drop(slow);

    // The full update on the same world and path, alternating with the
    // distance pass (fewer frames: it is slow).
    let (mut full, full_obs, _) = world(false);
    let mut n_full = 0u64;
    for _ in 0..scaled(121) {
        frame(&mut full, full_obs, n_full);
        n_full += 1;
    }
    let mut fulls = Vec::new();
    let mut full_references = Vec::new();
    for _ in 0..scaled(120) {
        fulls.push(frame(&mut full, full_obs, n_full));
        n_full += 1;
        let eye = full.observer_mut(full_obs).expect("observer").position;
        let start = Instant::now();
        black_box(distance_pass(black_box(&centres), eye));
        full_references.push(start.elapsed());
    }
    fulls.sort_unstable();
    full_references.sort_unstable();
    println!(
        "full update (incremental: false): p50 {:.3} ms, p90 {:.3} ms; reference distance pass p50 {:.3} ms; \
         full / reference = {:.2}; full / incremental (p50) = {:.1}; last full update evaluated {} placements",
        ms(percentile(&fulls, 0.5)),
        ms(percentile(&fulls, 0.9)),
        ms(percentile(&full_references, 0.5)),
        percentile(&fulls, 0.5).as_secs_f64() / percentile(&full_references, 0.5).as_secs_f64(),
        percentile(&fulls, 0.5).as_secs_f64() / percentile(&updates, 0.5).as_secs_f64(),
        full.last_update().stats.placements_evaluated,
    );

    let mut group = c.benchmark_group("streaming_update");
    group.sample_size(50);
    group.bench_function("update_1m_placements_moving_observer", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    n += 1;
                    frame(&mut m, obs, n)
                })
                .sum()
        })
    });
    group.bench_function("reference_distance_pass_1m", |b| {
        let eye = Vec3::new(SIDE * 0.5, 2.0, SIDE * 0.5);
        b.iter(|| distance_pass(black_box(&centres), eye))
    });
    group.sample_size(10);
    group.bench_function("reference_full_update_1m", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    n_full += 1;
                    frame(&mut full, full_obs, n_full)
                })
                .sum()
        })
    });
    group.finish();
}

criterion_group!(benches, streaming_update);
criterion_main!(benches);
