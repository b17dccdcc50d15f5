//! One simulated run: an observer follows a path at a fixed frame rate
//! through a cooked world; a streaming strategy decides what to read and in
//! which order; a simulated-clock disk really reads it; an independent
//! judge measures, frame by frame, what the observer sees missing or too
//! coarse.
//!
//! Every strategy uses the same `StreamingManager` for *what* is wanted
//! (same ranges, levels, hysteresis and memory budget) and differs in
//! *when*: `amsp` looks ahead along the observer's motion and serves
//! requests by their priority (class, then urgency); `nearest` serves the
//! request whose nearest placement is closest, without look-ahead; `fifo`
//! serves requests in the order they were made, without look-ahead.

use std::collections::HashMap;
use std::io;

use amsp_core::AssetId;
use amsp_runtime::streaming::{
    Aabb, Frustum, Level, Observer, PlacementDesc, StreamingConfig, StreamingManager, Vec3,
};

use super::assets::StreamAsset;
use super::disk::{Disk, Read};
use super::paths::{ObserverState, PathKind};
use crate::world::World;

/// How requests are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Look-ahead and the priority scheduler's order.
    Amsp,
    /// Arrival order, no look-ahead.
    Fifo,
    /// Nearest first, no look-ahead.
    Nearest,
}

impl Strategy {
    /// Every strategy, in report order.
    pub const ALL: [Strategy; 3] = [Self::Amsp, Self::Fifo, Self::Nearest];

    /// The strategy's name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Amsp => "amsp",
            Self::Fifo => "fifo",
            Self::Nearest => "nearest",
        }
    }
}

/// The conditions of a run.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Frames per second.
    pub fps: f32,
    /// Simulated seconds per path.
    pub seconds: f32,
    /// Seconds at the path's start before the clock starts (a loading
    /// screen): streaming runs, nothing is measured.
    pub warmup: f32,
    /// Disk bandwidth in bytes per second.
    pub bandwidth: f64,
    /// Latency before each read, in seconds.
    pub latency: f64,
    /// Memory budget for resident levels, in bytes.
    pub memory_budget: u64,
    /// How far ahead `amsp` extrapolates the observer's motion, in seconds.
    pub horizon: f32,
    /// Load distance of placements, in metres.
    pub range: f32,
    /// The judge's tolerance: a level within this share of the needed
    /// pixel density counts as sharp (the manager's level margin).
    pub margin: f32,
    /// Frames at which to keep a snapshot of what is resident (for maps).
    pub snapshots: Vec<u32>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            fps: 60.0,
            seconds: 30.0,
            warmup: 5.0,
            bandwidth: 40e6,
            latency: 0.002,
            memory_budget: 1 << 30,
            horizon: 1.0,
            range: 300.0,
            margin: 0.25,
            snapshots: Vec::new(),
        }
    }
}

/// Per frame: what was missing, in flight and resident.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FrameSample {
    /// Visible placements missing or too coarse.
    pub popped: u32,
    /// Stored bytes requested and not yet read.
    pub in_flight: u64,
    /// Loaded bytes of resident levels.
    pub resident: u64,
}

/// What is resident around the observer at one frame: the frame, the
/// observer's (x, z) on the map, and the placements' (x, z, share of their
/// mesh's LODs resident, -1 for none).
pub type Snapshot = (u32, (f32, f32), Vec<(f32, f32, f32)>);

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct RunResult {
    /// The path.
    pub path: String,
    /// The strategy.
    pub strategy: String,
    /// Frames simulated.
    pub frames: u32,
    /// Frames in which something visible was missing or coarser than
    /// needed.
    pub pop_in_frames: u32,
    /// Median time from an asset being needed sharper (visible and too
    /// coarse) to it being sharp, in ms.
    pub time_to_sharp_p50_ms: f64,
    /// 95th percentile of the same.
    pub time_to_sharp_p95_ms: f64,
    /// Stored bytes read.
    pub bytes_read: u64,
    /// Stored bytes read for levels released without ever being seen.
    pub wasted_bytes: u64,
    /// Most loaded bytes resident at once.
    pub peak_resident_bytes: u64,
    /// One sample per frame.
    pub samples: Vec<FrameSample>,
    /// Snapshots: frame, observer (x, z), and the placements in the
    /// kilometre square around the observer (x, z relative to its corner,
    /// and the share of their mesh's LOD chain resident, -1 for none).
    pub snapshots: Vec<Snapshot>,
    /// The level requests made while the clock ran, in order: (asset
    /// index × 64 + step, the step's loaded bytes). An access trace for
    /// comparing cache policies.
    pub requests: Vec<(u64, u64)>,
}

/// Appends the level requests (loads and upgrades) of `update` to
/// `requests`.
pub(crate) fn record_requests(
    requests: &mut Vec<(u64, u64)>,
    update: &amsp_runtime::streaming::StreamingUpdate,
    by_id: &HashMap<AssetId, u32>,
    assets: &[StreamAsset],
) {
    for r in update.loads.iter().chain(&update.upgrades) {
        let a = by_id[&r.asset];
        let asset = &assets[a as usize];
        let step = asset.step_of(r.level);
        requests.push((u64::from(a) * 64 + step as u64, asset.steps[step].loaded));
    }
}

/// A request waiting for the disk.
struct Pending {
    asset: u32,
    step: usize,
    key: (u8, f32),
    seq: u64,
    distance: f32,
}

/// The per-asset state of a run.
#[derive(Clone, Default)]
pub(crate) struct AssetState {
    /// Finest resident step, or -1.
    pub resident: i32,
    /// Stored bytes read since it was last not resident.
    pub bytes: u64,
    /// Whether it was visible while resident since then.
    pub seen: bool,
    /// When it started being needed sharper than it is.
    pub needed_since: Option<f64>,
}

/// Runs `strategy` along `path`.
///
/// # Errors
/// A read that fails, or a manager that refuses the world.
#[allow(clippy::too_many_lines, reason = "one frame loop, read top to bottom")]
pub fn run(
    world: &World,
    assets: &[StreamAsset],
    disk: &mut Disk,
    path: PathKind,
    strategy: Strategy,
    config: &SimConfig,
) -> io::Result<RunResult> {
    let mut manager = StreamingManager::new(manager_config(strategy, config)).map_err(err)?;
    let by_id: HashMap<AssetId, u32> =
        assets.iter().enumerate().map(|(i, a)| (a.id, i as u32)).collect();
    for a in assets {
        manager.register_asset(a.id, &a.chain).map_err(err)?;
    }
    let centers = insert_placements(&mut manager, world, assets)?;
    let start = path.at(0.0, world.side_m);
    let observer = manager.add_observer(observer_of(&start)).map_err(err)?;

    let dt = 1.0 / config.fps;
    let frames = (config.seconds * config.fps).round() as u32;
    let mut state = vec![AssetState { resident: -1, ..AssetState::default() }; assets.len()];
    let mut pending: HashMap<u32, Pending> = HashMap::new();
    let mut seq = 0u64;
    let mut result = RunResult {
        path: path.name().into(),
        strategy: strategy.name().into(),
        frames,
        ..RunResult::default()
    };
    let mut sharp_ms: Vec<f64> = Vec::new();
    let mut resident_bytes = 0u64;
    let _ = disk.cancel();
    let mut read_before = disk.bytes_read();

    let warmup = (config.warmup * config.fps).round() as u32;
    for tick in 0..warmup + frames {
        let measured = tick >= warmup;
        let frame = tick.saturating_sub(warmup);
        let now = f64::from(tick) * f64::from(dt);
        let s = path.at(if measured { frame as f32 * dt } else { 0.0 }, world.side_m);
        *manager.observer_mut(observer).ok_or_else(|| io::Error::other("observer gone"))? =
            observer_of(&s);
        let update = manager.update(dt).map_err(err)?.clone();

        // Drop what is no longer wanted, then queue what is.
        for id in &update.releases {
            let a = by_id[id];
            pending.remove(&a);
            if in_flight(disk).is_some_and(|(f, _)| f == a) {
                disk.cancel();
            }
            let st = &mut state[a as usize];
            resident_bytes -= loaded_bytes(&assets[a as usize], st.resident);
            if !st.seen {
                result.wasted_bytes += st.bytes;
            }
            *st = AssetState { resident: -1, ..AssetState::default() };
        }
        for d in &update.downgrades {
            let a = by_id[&d.asset];
            let asset = &assets[a as usize];
            let keep = asset.step_of(d.level) as i32;
            if pending.get(&a).is_some_and(|p| p.step as i32 > keep) {
                pending.remove(&a);
            }
            if in_flight(disk).is_some_and(|(f, step)| f == a && step as i32 > keep) {
                disk.cancel();
            }
            let st = &mut state[a as usize];
            if st.resident > keep {
                resident_bytes -= loaded_bytes(asset, st.resident) - loaded_bytes(asset, keep);
                st.resident = keep;
            }
        }
        if measured {
            record_requests(&mut result.requests, &update, &by_id, assets);
        }
        for r in update.loads.iter().chain(&update.upgrades).chain(&update.reprioritized) {
            let a = by_id[&r.asset];
            let step = assets[a as usize].step_of(r.level);
            let distance = nearest(&centers[a as usize], s.position);
            let key = (r.priority.class as u8, r.priority.urgency);
            match pending.get_mut(&a) {
                Some(p) if p.step == step => {
                    p.key = key;
                    p.distance = distance;
                }
                _ => {
                    if in_flight(disk).is_some_and(|(f, _)| f == a) {
                        continue;
                    }
                    seq += 1;
                    pending.insert(a, Pending { asset: a, step, key, seq, distance });
                }
            }
        }

        // The disk serves in the strategy's order.
        let mut next = || {
            let best = pending.values().max_by(|x, y| order(strategy, x, y)).map(|p| p.asset)?;
            let p = pending.remove(&best)?;
            let step = &assets[p.asset as usize].steps[p.step];
            Some(Read {
                key: read_key(p.asset, p.step),
                asset: assets[p.asset as usize].id,
                chunks: step.chunks.clone(),
                bytes: step.stored,
            })
        };
        let done = disk.advance(now, f64::from(dt), &mut next)?;
        for c in done {
            let (a, step) = split_key(c.read.key);
            let asset = &assets[a as usize];
            let st = &mut state[a as usize];
            st.bytes += c.read.bytes;
            if step as i32 > st.resident {
                resident_bytes +=
                    loaded_bytes(asset, step as i32) - loaded_bytes(asset, st.resident);
                st.resident = step as i32;
            }
            manager.mark_loaded(asset.id, level_of(asset, step)).map_err(err)?;
        }

        // The judge: what the observer sees now, and how sharp it is (it
        // runs during the warm-up too, so that what is seen there counts
        // as seen, but nothing is measured).
        let popped = judge(world, assets, &mut state, &s, config, now, &mut sharp_ms);
        if !measured {
            if tick + 1 == warmup {
                read_before = disk.bytes_read();
                end_warmup(&mut result, &mut state, &mut sharp_ms, resident_bytes);
            }
            continue;
        }
        let in_flight =
            pending.values().map(|p| assets[p.asset as usize].steps[p.step].stored).sum::<u64>()
                + disk.in_flight().map_or(0, |r| r.bytes);
        let sample = FrameSample { popped, in_flight, resident: resident_bytes };
        record_frame(
            &mut result,
            sample,
            config.snapshots.contains(&frame).then(|| snapshot(world, assets, &state, frame, &s)),
        );
    }
    finish(&mut result, &state, disk.bytes_read() - read_before, sharp_ms);
    Ok(result)
}

/// The placements within a kilometre square around the observer, by how
/// much of their mesh's LOD chain is resident (-1: none).
pub(crate) fn snapshot(
    world: &World,
    assets: &[StreamAsset],
    state: &[AssetState],
    frame: u32,
    s: &ObserverState,
) -> Snapshot {
    let (ox, oz) = (s.position[0], s.position[2]);
    let around = world
        .placements
        .iter()
        .filter(|p| (p.position[0] - ox).abs() < 500.0 && (p.position[2] - oz).abs() < 500.0)
        .map(|p| {
            let mesh = 2 * p.prop as usize;
            let r = state[mesh].resident;
            let f = if r < 0 { -1.0 } else { (r + 1) as f32 / assets[mesh].steps.len() as f32 };
            (p.position[0] - ox + 500.0, p.position[2] - oz + 500.0, f)
        })
        .collect();
    (frame, (500.0, 500.0), around)
}

/// Completes a run's result: waste of what is resident and never seen,
/// bytes read, and the time-to-sharp percentiles.
pub(crate) fn finish(
    result: &mut RunResult,
    state: &[AssetState],
    bytes_read: u64,
    mut sharp_ms: Vec<f64>,
) {
    for st in state {
        if st.resident >= 0 && !st.seen {
            result.wasted_bytes += st.bytes;
        }
    }
    result.bytes_read = bytes_read;
    sharp_ms.sort_by(f64::total_cmp);
    let pct = |q: f64| {
        sharp_ms.get(((sharp_ms.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0)
    };
    result.time_to_sharp_p50_ms = pct(0.5);
    result.time_to_sharp_p95_ms = pct(0.95);
}

/// A streaming manager error as an I/O error.
pub(crate) fn err(e: amsp_runtime::streaming::StreamingError) -> io::Error {
    io::Error::other(e.to_string())
}

/// The manager's settings for `strategy`: the same ranges, levels and
/// budget for all, look-ahead only for `amsp`.
pub(crate) fn manager_config(strategy: Strategy, config: &SimConfig) -> StreamingConfig {
    StreamingConfig {
        default_range: config.range,
        level_margin: config.margin,
        horizon: if strategy == Strategy::Amsp { config.horizon } else { 0.0 },
        memory_budget: config.memory_budget,
        ..StreamingConfig::default()
    }
}

/// Inserts the world's placements, each standing for its prop's mesh and
/// texture; returns, per asset, the centres of its placements.
pub(crate) fn insert_placements(
    manager: &mut StreamingManager,
    world: &World,
    assets: &[StreamAsset],
) -> io::Result<Vec<Vec<[f32; 3]>>> {
    let mut centers: Vec<Vec<[f32; 3]>> = vec![Vec::new(); assets.len()];
    for p in &world.placements {
        let prop = &world.props[p.prop as usize];
        let r = prop.radius * prop.scale;
        let c = Vec3::new(p.position[0], p.position[1], p.position[2]);
        let bounds = Aabb::from_center(c, Vec3::new(r, r, r));
        for a in [2 * p.prop, 2 * p.prop + 1] {
            manager.insert(&PlacementDesc::new(assets[a as usize].id, bounds)).map_err(err)?;
            centers[a as usize].push(p.position);
        }
    }
    Ok(centers)
}

/// The end of the warm-up: what was wasted and how long sharpness took
/// until then are forgotten, and the memory resident then counts towards
/// the peak.
pub(crate) fn end_warmup(
    result: &mut RunResult,
    state: &mut [AssetState],
    sharp_ms: &mut Vec<f64>,
    resident: u64,
) {
    result.wasted_bytes = 0;
    sharp_ms.clear();
    for st in state {
        st.needed_since = None;
    }
    result.peak_resident_bytes = result.peak_resident_bytes.max(resident);
}

/// Records a measured frame, with its snapshot if one was asked for.
pub(crate) fn record_frame(result: &mut RunResult, sample: FrameSample, snap: Option<Snapshot>) {
    if sample.popped > 0 {
        result.pop_in_frames += 1;
    }
    result.peak_resident_bytes = result.peak_resident_bytes.max(sample.resident);
    result.samples.push(sample);
    result.snapshots.extend(snap);
}

/// The disk key of a read of `step` of asset `a`.
fn read_key(a: u32, step: usize) -> u64 {
    u64::from(a) | (step as u64) << 32
}

fn split_key(key: u64) -> (u32, usize) {
    ((key & 0xffff_ffff) as u32, (key >> 32) as usize)
}

/// The asset and step of the read in flight.
fn in_flight(disk: &Disk) -> Option<(u32, usize)> {
    disk.in_flight().map(|r| split_key(r.key))
}

pub(crate) fn observer_of(s: &ObserverState) -> Observer {
    let v = |a: [f32; 3]| Vec3::new(a[0], a[1], a[2]);
    Observer::new(v(s.position), v(s.forward)).with_velocity(v(s.velocity))
}

/// Whether `x` should be served before `y` (the larger by `max_by`).
fn order(strategy: Strategy, x: &Pending, y: &Pending) -> std::cmp::Ordering {
    match strategy {
        Strategy::Amsp => {
            x.key.0.cmp(&y.key.0).then(x.key.1.total_cmp(&y.key.1)).then(y.seq.cmp(&x.seq))
        }
        Strategy::Fifo => y.seq.cmp(&x.seq),
        Strategy::Nearest => y.distance.total_cmp(&x.distance).then(y.seq.cmp(&x.seq)),
    }
}

pub(crate) fn nearest(centers: &[[f32; 3]], eye: [f32; 3]) -> f32 {
    centers
        .iter()
        .map(|c| (0..3).map(|k| (c[k] - eye[k]).powi(2)).sum::<f32>())
        .fold(f32::INFINITY, f32::min)
        .sqrt()
}

pub(crate) fn loaded_bytes(asset: &StreamAsset, resident: i32) -> u64 {
    asset.steps.iter().take((resident + 1).max(0) as usize).map(|s| s.loaded).sum()
}

fn level_of(asset: &StreamAsset, step: usize) -> Level {
    match &asset.chain {
        amsp_runtime::streaming::LevelChain::Lod(_) => {
            Level::Lod((asset.steps.len() - 1 - step) as u8)
        }
        amsp_runtime::streaming::LevelChain::Mip(_) => {
            let tail = asset.step_of(Level::Mip(0)) as u8;
            Level::Mip(tail - step as u8)
        }
        amsp_runtime::streaming::LevelChain::Whole { .. } => Level::Whole,
    }
}

/// Counts the visible placements whose mesh or texture is missing or too
/// coarse, and records when assets become sharp. Independent of the
/// strategies: it sees the world as the observer does, with the same
/// range and level tolerance.
pub(crate) fn judge(
    world: &World,
    assets: &[StreamAsset],
    state: &mut [AssetState],
    s: &ObserverState,
    config: &SimConfig,
    now: f64,
    sharp_ms: &mut Vec<f64>,
) -> u32 {
    let eye = Vec3::new(s.position[0], s.position[1], s.position[2]);
    let forward = Vec3::new(s.forward[0], s.forward[1], s.forward[2]);
    let right = forward.cross(Vec3::Y).normalized().unwrap_or(Vec3::X);
    let up = right.cross(forward).normalized().unwrap_or(Vec3::Y);
    let (fov, width, height) = (60f32.to_radians(), 1920.0f32, 1080.0f32);
    let frustum =
        Frustum::perspective(eye, forward, up, fov, width / height, 0.1, config.range * 2.0);
    let px_per_unit_at_1m = height / (2.0 * (fov * 0.5).tan());
    let mut need: HashMap<u32, i32> = HashMap::new();
    let mut popped = 0;
    for p in &world.placements {
        let prop = &world.props[p.prop as usize];
        // The same bounds, range and distance as the manager's placements:
        // in range by the centre, pixel density at the nearest surface.
        let half = prop.radius * prop.scale;
        let c = Vec3::new(p.position[0], p.position[1], p.position[2]);
        let sphere = Aabb::from_center(c, Vec3::new(half, half, half)).bounding_sphere();
        let (center_distance, r) = ((c - eye).length(), sphere.radius);
        if center_distance > config.range || !frustum.intersects_sphere(&sphere) {
            continue;
        }
        let ppu = px_per_unit_at_1m / (center_distance - r).max(0.1) / (1.0 + config.margin);
        let mut missing = false;
        for a in [2 * p.prop, 2 * p.prop + 1] {
            let asset = &assets[a as usize];
            let needed = needed_step(asset, ppu, 2.0 * r);
            let st = &mut state[a as usize];
            if st.resident >= 0 {
                st.seen = true;
            }
            if st.resident < needed {
                missing = true;
            }
            let n = need.entry(a).or_insert(needed);
            *n = (*n).max(needed);
        }
        if missing {
            popped += 1;
        }
    }
    for (a, st) in state.iter_mut().enumerate() {
        match (need.get(&(a as u32)), st.needed_since) {
            (Some(&n), None) if st.resident < n => st.needed_since = Some(now),
            (Some(&n), Some(t)) if st.resident >= n => {
                sharp_ms.push((now - t) * 1e3);
                st.needed_since = None;
            }
            (None, Some(_)) => st.needed_since = None,
            _ => {}
        }
    }
    popped
}

/// The coarsest step that is sharp enough at `ppu` pixels per metre.
fn needed_step(asset: &StreamAsset, ppu: f32, diameter: f32) -> i32 {
    match &asset.chain {
        amsp_runtime::streaming::LevelChain::Lod(levels) => {
            levels.iter().position(|l| l.error * ppu <= 1.0).unwrap_or(levels.len() - 1) as i32
        }
        amsp_runtime::streaming::LevelChain::Mip(chain) => {
            let texels_per_unit = chain.width.max(chain.height) as f32 / diameter.max(1e-6);
            let ratio = texels_per_unit / ppu.max(1e-9);
            let mip = if ratio > 1.0 { ratio.log2().floor() as u8 } else { 0 };
            asset.step_of(Level::Mip(mip)) as i32
        }
        amsp_runtime::streaming::LevelChain::Whole { .. } => 0,
    }
}
