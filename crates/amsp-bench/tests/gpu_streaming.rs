//! The GPU tier in the streaming path: a `Streamer` drives level requests
//! of a cooked world's textures through a real `AssetServer`, and a
//! `Residency` (on the `NullBackend`, which checks every write) takes the
//! loaded levels a frame's upload budget at a time. Approaching, each
//! texture's GPU copy gains finer mips in place under one GPU id, no frame
//! writes more than its budget, and the GPU holds what the streamer holds;
//! moving away and lowering the device's budget evicts the copies nobody
//! holds any more first, and leaving everything releases them all.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

mod common;

use amsp_bench::sim::assets::StreamAsset;
use amsp_bench::world::{World, WorldSpec};
use amsp_core::AssetId;
use amsp_formats::texture::{Texture, TextureLoader};
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::AssetServer;
use amsp_runtime::gpu::{
    GpuBackend, GpuTextureId, NullBackend, Residency, ResidencyConfig, ResidentTexture,
};
use amsp_runtime::streaming::{
    Aabb, Observer, ObserverId, PlacementDesc, Streamer, StreamingConfig, StreamingManager, Vec3,
};

const WAIT: Duration = Duration::from_secs(60);
const UPLOAD_BUDGET: u64 = 96 << 10;

struct Setup {
    _dir: tempfile::TempDir,
    world: World,
    textures: Vec<StreamAsset>,
    server: AssetServer,
}

fn setup() -> Setup {
    let spec = WorldSpec {
        placements: 3000,
        side_m: 600.0,
        props: 16,
        max_texture: 512,
        max_triangles: 1000,
        ..WorldSpec::default()
    };
    let (dir, world, assets, out) = common::cooked_world(&spec);
    let textures: Vec<StreamAsset> = assets.into_iter().filter(StreamAsset::is_texture).collect();
    assert_eq!(textures.len(), spec.props);
    let source = Arc::new(CookedSource::open(&out).unwrap());
    let server = AssetServer::builder()
        .source(source as Arc<dyn AssetSource>)
        .worker_threads(2)
        .build()
        .unwrap();
    server.register_loader(TextureLoader::default());
    Setup { _dir: dir, world, textures, server }
}

/// A streamer over every placement's texture, with one observer at `eye`.
fn streamer(s: &Setup, eye: Vec3) -> (Streamer, ObserverId) {
    let config =
        StreamingConfig { default_range: 150.0, horizon: 0.5, ..StreamingConfig::default() };
    let mut streamer = Streamer::new(StreamingManager::new(config).unwrap());
    for t in &s.textures {
        streamer.register::<Texture>(t.id, &t.chain).unwrap();
    }
    for p in &s.world.placements {
        let prop = &s.world.props[p.prop as usize];
        let r = prop.radius * prop.scale;
        let c = Vec3::new(p.position[0], p.position[1], p.position[2]);
        // The world's assets come in pairs per prop, texture first.
        let texture = &s.textures[p.prop as usize];
        let desc = PlacementDesc::new(texture.id, Aabb::from_center(c, Vec3::new(r, r, r)));
        streamer.manager_mut().insert(&desc).unwrap();
    }
    let observer = streamer.manager_mut().add_observer(Observer::new(eye, Vec3::X)).unwrap();
    (streamer, observer)
}

/// One frame: the streamer's decisions, the loads they start, then the
/// residency's uploads. Returns the bytes the residency wrote.
fn frame(
    s: &Setup,
    streamer: &mut Streamer,
    residency: &mut Residency,
    backend: &mut NullBackend,
) -> u64 {
    streamer.update(&s.server, 0.1).unwrap();
    assert!(s.server.wait_idle(WAIT));
    streamer.poll().unwrap();
    let written = residency.update(&s.server, backend).unwrap();
    let errors = residency.take_errors();
    assert!(errors.is_empty(), "uploads failed: {errors:?}");
    written
}

/// The GPU copies of the textures the streamer holds, and of the others.
fn held_and_unheld(
    s: &Setup,
    streamer: &Streamer,
    residency: &Residency,
) -> (Vec<ResidentTexture>, Vec<ResidentTexture>) {
    let (mut held, mut unheld) = (Vec::new(), Vec::new());
    for t in &s.textures {
        let Some(gpu) = residency.texture(t.id) else { continue };
        if streamer.loaded_level(t.id).is_some() { held.push(gpu) } else { unheld.push(gpu) }
    }
    (held, unheld)
}

fn bytes(copies: &[ResidentTexture]) -> u64 {
    copies.iter().map(|t| t.desc.bytes()).sum()
}

#[test]
fn streamed_textures_grow_in_place_on_the_gpu_within_the_budgets() {
    let s = setup();
    let mut eye = Vec3::new(-200.0, 2.0, 300.0);
    let (mut streamer, observer) = streamer(&s, eye);
    let mut residency = Residency::new(ResidencyConfig::new(1 << 30, UPLOAD_BUDGET));
    residency.register::<Texture>(&s.server);
    let mut backend = NullBackend::new();

    // Approach: 200 frames at 20 m/s across the world.
    let mut seen: HashMap<AssetId, (GpuTextureId, u32, u32)> = HashMap::new();
    for _ in 0..200 {
        eye = eye + Vec3::new(2.0, 0.0, 0.0);
        *streamer.manager_mut().observer_mut(observer).unwrap() =
            Observer::new(eye, Vec3::X).with_velocity(Vec3::new(20.0, 0.0, 0.0));
        let written = frame(&s, &mut streamer, &mut residency, &mut backend);
        assert!(written <= UPLOAD_BUDGET, "{written} bytes in a frame");
        for t in &s.textures {
            let Some(gpu) = residency.texture(t.id) else {
                assert!(!seen.contains_key(&t.id), "a GPU copy vanished without a budget");
                continue;
            };
            let (id, finest, steps) = seen.entry(t.id).or_insert((gpu.id, gpu.resident.start, 0));
            assert_eq!(gpu.id, *id, "the GPU texture keeps its id as mips arrive");
            assert!(gpu.resident.start <= *finest, "GPU mips only get finer");
            assert_eq!(gpu.resident.end, gpu.desc.mip_count);
            if gpu.resident.start < *finest {
                *steps += 1;
                *finest = gpu.resident.start;
            }
        }
    }
    assert!(streamer.take_failures().is_empty());
    let grown = seen.values().filter(|(_, _, steps)| *steps >= 2).count();
    assert!(grown >= 3, "{grown} textures gained finer mips twice or more: {seen:?}");
    let stats = residency.stats();
    assert!(
        stats.max_frame_bytes > UPLOAD_BUDGET / 2,
        "the upload budget bounded some frames: {stats:?}"
    );
    assert!(backend.frame_bytes().iter().all(|b| *b <= UPLOAD_BUDGET));
    assert_eq!(stats.evictions, 0);

    // Standing still until the uploads drain: the GPU holds at least the
    // mips of every level the streamer holds (more where it stepped back,
    // as the finer mips stay until evicted).
    for _ in 0..500 {
        if residency.stats().pending == 0 {
            break;
        }
        frame(&s, &mut streamer, &mut residency, &mut backend);
    }
    assert_eq!(residency.stats().pending, 0);
    let mut exact = 0;
    for t in &s.textures {
        let Some(cpu) = streamer.get::<Texture>(t.id) else { continue };
        let gpu = residency.texture(t.id).expect("every held texture is on the GPU");
        assert!(gpu.resident.start <= cpu.resident.start, "{:?}: {gpu:?}", t.id);
        exact += usize::from(gpu.resident.start == cpu.resident.start);
    }
    assert!(exact > 0);
    assert_eq!(residency.stats().resident_bytes, backend.memory_info().used);

    // To a corner: some textures are released, others still held. The
    // device's budget falls to what the held ones take: the next update
    // evicts the unheld copies, and only them.
    eye = Vec3::new(-60.0, 2.0, -60.0);
    *streamer.manager_mut().observer_mut(observer).unwrap() = Observer::new(eye, Vec3::X);
    for _ in 0..5 {
        frame(&s, &mut streamer, &mut residency, &mut backend);
    }
    let (held, unheld) = held_and_unheld(&s, &streamer, &residency);
    assert!(!held.is_empty() && !unheld.is_empty(), "{} held, {} not", held.len(), unheld.len());
    let evictions = residency.stats().evictions;
    backend.set_budget(Some(bytes(&held)));
    frame(&s, &mut streamer, &mut residency, &mut backend);
    let (held_after, unheld_after) = held_and_unheld(&s, &streamer, &residency);
    assert_eq!(held_after, held, "held copies are kept");
    assert!(unheld_after.is_empty(), "copies nobody holds went first: {unheld_after:?}");
    assert_eq!(residency.stats().evictions, evictions + unheld.len() as u64);
    assert_eq!(residency.stats().resident_bytes, bytes(&held));
    assert_eq!(backend.memory_info().used, bytes(&held));

    // Far away: everything is released, and under a zero budget the GPU
    // copies go too.
    *streamer.manager_mut().observer_mut(observer).unwrap() =
        Observer::new(Vec3::new(-5000.0, 2.0, -5000.0), Vec3::X);
    backend.set_budget(Some(0));
    frame(&s, &mut streamer, &mut residency, &mut backend);
    for t in &s.textures {
        assert_eq!(streamer.loaded_level(t.id), None);
        assert!(!residency.contains(t.id));
    }
    assert_eq!(backend.memory_info().used, 0);
    assert_eq!(backend.texture_count(), 0);
    assert_eq!(residency.stats().resident_bytes, 0);
}
