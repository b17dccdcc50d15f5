//! One simulated run through the real runtime: a [`Streamer`] carries the
//! streaming manager's decisions out through an [`AssetServer`] whose
//! source is the simulated-clock disk ([`ClockedSource`]). The server's own
//! scheduler orders the reads, its loaders decode the levels (textures mip
//! by mip, meshes LOD by LOD, each extending the level before), and its
//! cancellation drops what the manager releases.
//!
//! The strategies differ only in the priorities the requests carry: `amsp`
//! the manager's (with look-ahead); `fifo` one priority for all, so the
//! server serves them in arrival order; `nearest` an urgency falling with
//! the distance to the nearest placement, without look-ahead.
//!
//! The server runs one worker, so reads are issued one at a time in the
//! scheduler's order, as the modelled disk of [`run`](super::run::run)
//! takes them. Between frames the simulation moves the clock from one read
//! completion to the next and lets the worker settle (wait on its next read
//! or run out of work) before moving it again, so decoding takes no
//! simulated time, as in the model.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use amsp_core::{AssetId, Priority, PriorityClass};
use amsp_formats::mesh::{Mesh, MeshLoader};
use amsp_formats::texture::{Texture, TextureLoader};
use amsp_io::AssetSource;
use amsp_runtime::AssetServer;
use amsp_runtime::streaming::{Streamer, StreamingManager};

use super::assets::StreamAsset;
use super::clocked::ClockedSource;
use super::paths::PathKind;
use super::run::{
    AssetState, FrameSample, RunResult, SimConfig, Strategy, end_warmup, err, finish,
    insert_placements, judge, loaded_bytes, manager_config, nearest, observer_of, record_frame,
    record_requests, snapshot,
};
use crate::world::World;

/// How long the worker may take to settle before the run fails.
const SETTLE: Duration = Duration::from_secs(60);

/// Runs `strategy` along `path` through an `AssetServer` reading `source`.
///
/// # Errors
/// A server that cannot start, a manager that refuses the world, a worker
/// that never settles, or a level that fails to load.
#[allow(clippy::too_many_lines, reason = "one frame loop, read top to bottom")]
pub fn run_server(
    world: &World,
    assets: &[StreamAsset],
    source: &Arc<ClockedSource>,
    path: PathKind,
    strategy: Strategy,
    config: &SimConfig,
) -> io::Result<RunResult> {
    source.reset();
    let server = AssetServer::builder()
        .source(Arc::clone(source) as Arc<dyn AssetSource>)
        .worker_threads(1)
        .build()
        .map_err(io::Error::other)?;
    server.register_loader(TextureLoader::default());
    server.register_loader(MeshLoader::default());

    let manager = StreamingManager::new(manager_config(strategy, config)).map_err(err)?;
    let mut streamer = Streamer::new(manager);
    for a in assets {
        if a.is_texture() {
            streamer.register::<Texture>(a.id, &a.chain).map_err(err)?;
        } else {
            streamer.register::<Mesh>(a.id, &a.chain).map_err(err)?;
        }
    }
    let centers = insert_placements(streamer.manager_mut(), world, assets)?;
    let by_id: HashMap<AssetId, u32> =
        assets.iter().enumerate().map(|(i, a)| (a.id, i as u32)).collect();
    let start = path.at(0.0, world.side_m);
    let observer = streamer.manager_mut().add_observer(observer_of(&start)).map_err(err)?;

    let dt = 1.0 / config.fps;
    let frames = (config.seconds * config.fps).round() as u32;
    let warmup = (config.warmup * config.fps).round() as u32;
    let mut state = vec![AssetState { resident: -1, ..AssetState::default() }; assets.len()];
    let mut result = RunResult {
        path: path.name().into(),
        strategy: strategy.name().into(),
        frames,
        ..RunResult::default()
    };
    let mut sharp_ms: Vec<f64> = Vec::new();
    let mut read_before = 0;

    for tick in 0..warmup + frames {
        let measured = tick >= warmup;
        let frame = tick.saturating_sub(warmup);
        let now = f64::from(tick) * f64::from(dt);
        let s = path.at(if measured { frame as f32 * dt } else { 0.0 }, world.side_m);
        *streamer
            .manager_mut()
            .observer_mut(observer)
            .ok_or_else(|| io::Error::other("observer gone"))? = observer_of(&s);
        let eye = s.position;
        let update = streamer
            .update_with(&server, dt, |r| match strategy {
                Strategy::Amsp => r.priority,
                Strategy::Fifo => Priority::new(PriorityClass::Normal),
                Strategy::Nearest => {
                    let d = nearest(&centers[by_id[&r.asset] as usize], eye);
                    Priority::with_urgency(PriorityClass::Normal, -d)
                }
            })
            .map_err(err)?;
        if measured {
            record_requests(&mut result.requests, update, &by_id, assets);
        }
        for id in &update.releases {
            let st = &mut state[by_id[id] as usize];
            if !st.seen {
                result.wasted_bytes += st.bytes;
            }
            *st = AssetState { resident: -1, ..AssetState::default() };
        }

        run_clock(&server, source, now + f64::from(dt))?;
        streamer.poll().map_err(err)?;
        if let Some((id, e)) = streamer.take_failures().into_iter().next() {
            return Err(io::Error::other(format!("{id}: {e}")));
        }
        for (id, _, bytes) in source.take_done() {
            if let Some(&a) = by_id.get(&id) {
                state[a as usize].bytes += bytes;
            }
        }
        let mut resident_bytes = 0;
        let mut in_flight = 0;
        for (a, st) in assets.iter().zip(&mut state) {
            st.resident = streamer.loaded_level(a.id).map_or(-1, |l| a.step_of(l) as i32);
            resident_bytes += loaded_bytes(a, st.resident);
            if let Some(level) = streamer.pending_level(a.id) {
                let want = a.step_of(level) as i32;
                in_flight += a
                    .steps
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| (*i as i32) > st.resident && (*i as i32) <= want)
                    .map(|(_, step)| step.stored)
                    .sum::<u64>();
            }
        }
        // What the streamer dropped leaves memory now, as in the model.
        server.unload_unused();

        let popped = judge(world, assets, &mut state, &s, config, now, &mut sharp_ms);
        if !measured {
            if tick + 1 == warmup {
                read_before = source.bytes_moved();
                end_warmup(&mut result, &mut state, &mut sharp_ms, resident_bytes);
            }
            continue;
        }
        let sample = FrameSample { popped, in_flight, resident: resident_bytes };
        record_frame(
            &mut result,
            sample,
            config.snapshots.contains(&frame).then(|| snapshot(world, assets, &state, frame, &s)),
        );
    }
    // Release everything so that no read waits on the clock at shutdown.
    drop(streamer);
    run_clock(&server, source, f64::INFINITY)?;
    finish(&mut result, &state, source.bytes_moved() - read_before, sharp_ms);
    Ok(result)
}

/// Moves the clock to `end` one read completion at a time, letting the
/// server's worker settle after each.
fn run_clock(server: &AssetServer, source: &ClockedSource, end: f64) -> io::Result<()> {
    loop {
        settle(server, source)?;
        match source.next_completion() {
            Some(t) if t <= end => source.advance_to(t),
            _ => break,
        }
    }
    if end.is_finite() {
        source.advance_to(end);
    }
    settle(server, source)
}

/// Waits until the worker waits on a read that is not due yet, or has
/// nothing left to do.
fn settle(server: &AssetServer, source: &ClockedSource) -> io::Result<()> {
    let deadline = Instant::now() + SETTLE;
    loop {
        if source.waiting() > 0 || server.wait_idle(Duration::ZERO) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(io::Error::other("the asset server did not settle"));
        }
        std::thread::yield_now();
    }
}
