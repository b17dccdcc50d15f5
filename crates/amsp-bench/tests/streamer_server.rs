//! The streamer on a real cooked world: the streaming manager's decisions
//! carried out by a real `AssetServer` reading real packs. Approaching
//! loads textures mip by mip and meshes LOD by LOD, each level chunk read
//! once; what the server holds is what the manager believes; leaving
//! releases everything; leaving before the reads finish cancels them.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

mod common;

use amsp_bench::sim::assets::StreamAsset;
use amsp_bench::world::{World, WorldSpec};
use amsp_core::{AssetId, AssetPath};
use amsp_formats::mesh::{Mesh, MeshLoader};
use amsp_formats::texture::{Texture, TextureLoader};
use amsp_io::{AssetDescriptor, AssetSource, CookedSource, ReadError};
use amsp_runtime::AssetServer;
use amsp_runtime::streaming::{
    Aabb, Level, Observer, ObserverId, PlacementDesc, Streamer, StreamingConfig, StreamingManager,
    Vec3,
};

/// A source that logs chunk reads and holds them while its gate is shut.
struct Logged {
    inner: CookedSource,
    open: Mutex<bool>,
    opened: Condvar,
    reads: Mutex<Vec<(AssetId, u32)>>,
}

impl Logged {
    fn set_open(&self, open: bool) {
        *self.open.lock().unwrap() = open;
        self.opened.notify_all();
    }
}

impl AssetSource for Logged {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn resolve(&self, path: &AssetPath) -> Option<AssetId> {
        self.inner.resolve(path)
    }
    fn describe(&self, id: AssetId) -> Option<Arc<AssetDescriptor>> {
        self.inner.describe(id)
    }
    fn chunk_size(&self, id: AssetId, chunk: u32) -> Option<u64> {
        self.inner.chunk_size(id, chunk)
    }
    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError> {
        let open = self.open.lock().unwrap();
        let (open, wait) =
            self.opened.wait_timeout_while(open, Duration::from_secs(60), |o| !*o).unwrap();
        assert!(!wait.timed_out(), "the gate was never opened");
        drop(open);
        self.reads.lock().unwrap().push((id, chunk));
        self.inner.read_chunk(id, chunk, out)
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    world: World,
    assets: Vec<StreamAsset>,
    source: Arc<Logged>,
    server: AssetServer,
}

fn setup() -> Setup {
    let spec = WorldSpec {
        placements: 3000,
        side_m: 600.0,
        props: 16,
        max_texture: 512,
        max_triangles: 4000,
        ..WorldSpec::default()
    };
    let (dir, world, assets, out) = common::cooked_world(&spec);
    let source = Arc::new(Logged {
        inner: CookedSource::open(&out).unwrap(),
        open: Mutex::new(true),
        opened: Condvar::new(),
        reads: Mutex::default(),
    });
    let server = AssetServer::builder()
        .source(Arc::clone(&source) as Arc<dyn AssetSource>)
        .worker_threads(2)
        .build()
        .unwrap();
    server.register_loader(TextureLoader::default());
    server.register_loader(MeshLoader::default());
    Setup { _dir: dir, world, assets, source, server }
}

fn streamer(s: &Setup, eye: Vec3) -> (Streamer, ObserverId) {
    let manager = StreamingManager::new(StreamingConfig {
        default_range: 150.0,
        horizon: 0.5,
        ..StreamingConfig::default()
    })
    .unwrap();
    let mut streamer = Streamer::new(manager);
    for a in &s.assets {
        if a.is_texture() {
            streamer.register::<Texture>(a.id, &a.chain).unwrap();
        } else {
            streamer.register::<Mesh>(a.id, &a.chain).unwrap();
        }
    }
    for p in &s.world.placements {
        let prop = &s.world.props[p.prop as usize];
        let r = prop.radius * prop.scale;
        let c = Vec3::new(p.position[0], p.position[1], p.position[2]);
        for a in [2 * p.prop, 2 * p.prop + 1] {
            let desc = PlacementDesc::new(
                s.assets[a as usize].id,
                Aabb::from_center(c, Vec3::new(r, r, r)),
            );
            streamer.manager_mut().insert(&desc).unwrap();
        }
    }
    let observer = streamer.manager_mut().add_observer(Observer::new(eye, Vec3::X)).unwrap();
    (streamer, observer)
}

/// The level number a loaded value holds (its finest resident level).
fn value_level(streamer: &Streamer, a: &StreamAsset) -> Option<u8> {
    if a.is_texture() {
        streamer.get::<Texture>(a.id).map(|t| t.resident.start as u8)
    } else {
        streamer.get::<Mesh>(a.id).map(|m| m.resident.start as u8)
    }
}

fn number(level: Level) -> Option<u8> {
    match level {
        Level::Mip(n) | Level::Lod(n) => Some(n),
        Level::Whole => None,
    }
}

#[test]
fn approaching_streams_levels_in_order_and_leaving_releases_them() {
    let s = setup();
    let dt = 0.1;
    let speed = 20.0;
    let mut eye = Vec3::new(-200.0, 2.0, 300.0);
    let (mut streamer, observer) = streamer(&s, eye);
    let mut touched: HashMap<AssetId, bool> = HashMap::new();
    let mut upgrades = 0;
    for _ in 0..250 {
        eye = eye + Vec3::new(speed * dt, 0.0, 0.0);
        *streamer.manager_mut().observer_mut(observer).unwrap() =
            Observer::new(eye, Vec3::X).with_velocity(Vec3::new(speed, 0.0, 0.0));
        let update = streamer.update(&s.server, dt).unwrap();
        upgrades += update.upgrades.len();
        for d in &update.downgrades {
            touched.insert(d.asset, true);
        }
        for r in &update.releases {
            touched.insert(*r, true);
        }
        assert!(s.server.wait_idle(Duration::from_secs(60)));
        streamer.poll().unwrap();
        // What the server holds is what the manager believes.
        for a in &s.assets {
            let believed = streamer.manager().resident_level(a.id).unwrap();
            assert_eq!(streamer.loaded_level(a.id), believed, "{:?}", a.id);
            assert_eq!(value_level(&streamer, a), believed.and_then(number), "{:?}", a.id);
        }
    }
    assert!(streamer.take_failures().is_empty());
    let stats = streamer.stats();
    assert!(upgrades > 50, "{upgrades} upgrades");
    assert_eq!(stats.in_flight, 0);
    assert!(stats.loaded >= stats.requests - stats.cancelled, "{stats:?}");
    let fine = s.assets.iter().filter(|a| value_level(&streamer, a) == Some(0)).count();
    assert!(fine > 0, "some assets reached their finest level");

    // Each chunk was read once by assets that only ever got finer (a
    // texture's header too: each step extends the level before).
    let reads = s.source.reads.lock().unwrap().clone();
    let mut count: HashMap<(AssetId, u32), u32> = HashMap::new();
    for r in &reads {
        *count.entry(*r).or_default() += 1;
    }
    for ((id, chunk), n) in &count {
        if touched.contains_key(id) {
            continue;
        }
        assert_eq!(*n, 1, "chunk {chunk} of {id:?} read {n} times");
    }

    // Far away: everything is released, and the server frees it.
    let far = Vec3::new(-5000.0, 2.0, -5000.0);
    *streamer.manager_mut().observer_mut(observer).unwrap() = Observer::new(far, Vec3::X);
    let update = streamer.update(&s.server, dt).unwrap();
    assert!(!update.releases.is_empty());
    assert!(s.server.wait_idle(Duration::from_secs(60)));
    for a in &s.assets {
        assert_eq!(streamer.loaded_level(a.id), None);
        assert!(value_level(&streamer, a).is_none());
    }
    assert!(s.server.unload_unused() > 0);
    assert_eq!(s.server.stats().loaded_bytes, 0);
}

#[test]
fn leaving_before_the_reads_finish_cancels_them() {
    let s = setup();
    let eye = Vec3::new(300.0, 2.0, 300.0);
    let (mut streamer, observer) = streamer(&s, eye);
    s.source.set_open(false);
    let update = streamer.update(&s.server, 0.1).unwrap();
    let wanted = update.loads.len();
    assert!(wanted > 10, "{wanted} loads");
    assert_eq!(streamer.stats().in_flight, wanted);
    *streamer.manager_mut().observer_mut(observer).unwrap() =
        Observer::new(Vec3::new(-5000.0, 2.0, -5000.0), Vec3::X);
    let update = streamer.update(&s.server, 0.1).unwrap();
    assert_eq!(update.releases.len(), wanted);
    assert_eq!(streamer.stats().in_flight, 0);
    assert_eq!(streamer.stats().cancelled, wanted as u64);
    s.source.set_open(true);
    assert!(s.server.wait_idle(Duration::from_secs(60)));
    let stats = s.server.stats();
    // Reads already waiting at the gate (one per worker) may finish; the
    // rest never start.
    assert!(stats.cancelled as usize >= wanted - 2, "{stats:?}");
    let mut read: Vec<AssetId> = s.source.reads.lock().unwrap().iter().map(|r| r.0).collect();
    read.sort_unstable();
    read.dedup();
    assert!(read.len() <= 2, "{} assets read", read.len());
    assert_eq!(stats.resident, stats.loaded as usize - stats.evicted as usize);
}

/// An executor whose jobs run only when the test says so.
#[derive(Default)]
struct Manual {
    jobs: Mutex<std::collections::VecDeque<amsp_runtime::Job>>,
}

impl Manual {
    fn run_all(&self) {
        loop {
            let job = self.jobs.lock().unwrap().pop_front();
            let Some(job) = job else { break };
            job();
        }
    }
}

impl amsp_runtime::Executor for Manual {
    fn spawn(&self, job: amsp_runtime::Job) {
        self.jobs.lock().unwrap().push_back(job);
    }
    fn worker_count(&self) -> usize {
        1
    }
}

#[test]
fn a_level_wanted_again_before_its_downgrade_loads_is_kept() {
    let s = setup();
    let manual = Arc::new(Manual::default());
    let server = AssetServer::builder()
        .source(Arc::clone(&s.source) as Arc<dyn AssetSource>)
        .executor(Arc::clone(&manual) as Arc<dyn amsp_runtime::Executor>)
        .build()
        .unwrap();
    server.register_loader(TextureLoader::default());
    // One textured placement at the origin, seen from straight ahead.
    let texture = s.assets.iter().find(|a| a.is_texture()).unwrap();
    let manager = StreamingManager::new(StreamingConfig {
        default_range: 150.0,
        ..StreamingConfig::default()
    })
    .unwrap();
    let mut streamer = Streamer::new(manager);
    streamer.register::<Texture>(texture.id, &texture.chain).unwrap();
    let bounds = Aabb::from_center(Vec3::ZERO, Vec3::new(1.0, 1.0, 1.0));
    streamer.manager_mut().insert(&PlacementDesc::new(texture.id, bounds)).unwrap();
    let at = |z: f32| Observer::new(Vec3::new(0.0, 0.0, z), Vec3::Z);
    let observer = streamer.manager_mut().add_observer(at(-8.0)).unwrap();
    for _ in 0..30 {
        streamer.update(&server, 0.1).unwrap();
        manual.run_all();
        // The levels left behind are freed (else a coarser level would
        // still be loaded, and a downgrade to it immediate).
        server.unload_unused();
        manual.run_all();
    }
    let near = streamer.loaded_level(texture.id).expect("loaded near");
    assert_eq!(streamer.manager().resident_level(texture.id).unwrap(), Some(near));

    // Backing away until the manager steps one level down; the trimmed
    // level is requested but not loaded yet.
    let mut z = -8.0;
    loop {
        z -= 0.5;
        assert!(z > -150.0, "no downgrade");
        *streamer.manager_mut().observer_mut(observer).unwrap() = at(z);
        if !streamer.update(&server, 0.1).unwrap().downgrades.is_empty() {
            break;
        }
    }
    assert_ne!(streamer.pending_level(texture.id), None);
    assert_eq!(streamer.loaded_level(texture.id), Some(near), "the finer level is still drawn");

    // Back where it was: the manager wants the level the streamer holds.
    *streamer.manager_mut().observer_mut(observer).unwrap() = at(-8.0);
    for _ in 0..5 {
        streamer.update(&server, 0.1).unwrap();
        manual.run_all();
    }
    assert_eq!(streamer.loaded_level(texture.id), Some(near));
    assert_eq!(streamer.manager().resident_level(texture.id).unwrap(), Some(near));
    let t = streamer.get::<Texture>(texture.id).unwrap();
    assert_eq!(Some(t.resident.start as u8), number(near));
}
