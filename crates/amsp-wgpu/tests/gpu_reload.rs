//! Reloads: an asset already on the GPU loaded again with new contents
//! (the source recooked, as by a hot reload) replaces its GPU copy under
//! the same residency entry. The same size and format is rewritten in
//! place (same texture id), another size gets a new texture and the old
//! one is destroyed; the same content is not uploaded again; no GPU bytes
//! leak. Bookkeeping on the `NullBackend`, texels read back on Vulkan.

mod common;

use std::path::Path;
use std::sync::{Arc, RwLock};

use amsp_core::{AssetId, AssetPath};
use amsp_formats::texture::{Texture, TextureLoader};
use amsp_io::{AssetDescriptor, AssetSource, CookedSource, ReadError};
use amsp_runtime::gpu::{GpuBackend, NullBackend, Residency, ResidencyConfig, ResidentTexture};
use amsp_runtime::{AssetServer, Handle};
use common::*;

const PATH: &str = "duck/DuckCM.png";

/// A source whose cooked output can be swapped for another, as when the
/// project is recooked under a running game.
struct Swappable {
    inner: RwLock<Arc<CookedSource>>,
}

impl Swappable {
    fn swap(&self, out: &Path) {
        *self.inner.write().unwrap() = Arc::new(CookedSource::open(out).unwrap());
    }
    fn current(&self) -> Arc<CookedSource> {
        Arc::clone(&self.inner.read().unwrap())
    }
}

impl AssetSource for Swappable {
    fn name(&self) -> &str {
        "swappable cooked output"
    }
    fn resolve(&self, path: &AssetPath) -> Option<AssetId> {
        self.current().resolve(path)
    }
    fn describe(&self, id: AssetId) -> Option<Arc<AssetDescriptor>> {
        self.current().describe(id)
    }
    fn chunk_size(&self, id: AssetId, chunk: u32) -> Option<u64> {
        self.current().chunk_size(id, chunk)
    }
    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError> {
        self.current().read_chunk(id, chunk, out)
    }
}

/// Three cooked versions of the Duck's texture: the original, its colours
/// inverted (same size), and half its size.
struct Versions {
    _dir: tempfile::TempDir,
    outs: [std::path::PathBuf; 3],
}

fn versions() -> Versions {
    let dir = tempfile::tempdir().unwrap();
    let original = image::open(corpus(DUCK[2].0)).expect("the Duck's texture decodes").to_rgba8();
    let mut inverted = original.clone();
    for p in inverted.pixels_mut() {
        for c in &mut p.0[..3] {
            *c = 255 - *c;
        }
    }
    let (w, h) = original.dimensions();
    let half = image::imageops::resize(&original, w / 2, h / 2, image::imageops::Triangle);
    let mut outs = Vec::new();
    for (n, img) in [original, inverted, half].into_iter().enumerate() {
        let src = dir.path().join(format!("src{n}"));
        let file = src.join(PATH);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        img.save(&file).unwrap();
        if n > 0 {
            // The same asset: the first cook's sidecar keeps its id.
            let meta = amsp_cook::AssetMeta::sidecar_path(&dir.path().join("src0").join(PATH));
            std::fs::copy(&meta, amsp_cook::AssetMeta::sidecar_path(&file)).unwrap();
        }
        let out = dir.path().join(format!("out{n}"));
        cook(&src, &out, &[]);
        outs.push(out);
    }
    Versions { _dir: dir, outs: outs.try_into().unwrap() }
}

fn server(source: &Arc<Swappable>) -> AssetServer {
    let server = AssetServer::builder()
        .source(Arc::clone(source) as Arc<dyn AssetSource>)
        .worker_threads(2)
        .build()
        .unwrap();
    server.register_loader(TextureLoader::default());
    server
}

/// Loads the texture again after dropping `old` (the server forgets the
/// value; the GPU copy stays until evicted).
fn load_again(server: &AssetServer, old: Handle<Texture>) -> Handle<Texture> {
    let id = old.id();
    drop(old);
    server.unload_unused();
    let handle = server.load::<Texture>(PATH);
    assert!(server.wait_for(&handle, WAIT).is_loaded(), "{:?}", handle.state());
    assert_eq!(handle.id(), id, "the same asset");
    handle
}

fn whole_on_gpu(residency: &Residency, id: AssetId) -> Option<ResidentTexture> {
    residency.texture(id).filter(|t| t.resident.start == 0 && residency.stats().pending == 0)
}

/// Takes what the server has loaded, then updates until the asset is
/// whole on the GPU with nothing pending.
fn settle(
    residency: &mut Residency,
    server: &AssetServer,
    backend: &mut dyn GpuBackend,
    id: AssetId,
) -> ResidentTexture {
    server.wait_idle(WAIT);
    residency.update(server, backend).unwrap();
    update_until(residency, server, backend, 500, |r| whole_on_gpu(r, id).is_some());
    whole_on_gpu(residency, id).unwrap()
}

fn setup() -> (Versions, Arc<Swappable>, AssetServer, Residency) {
    let versions = versions();
    let source = Arc::new(Swappable {
        inner: RwLock::new(Arc::new(CookedSource::open(&versions.outs[0]).unwrap())),
    });
    let server = server(&source);
    let mut residency = Residency::new(ResidencyConfig::new(256 << 20, 64 << 10));
    residency.register::<Texture>(&server);
    (versions, source, server, residency)
}

fn texture_bytes(server: &AssetServer, handle: &Handle<Texture>) -> u64 {
    server.get(handle).unwrap().gpu_desc().unwrap().bytes()
}

#[test]
fn a_reload_rewrites_the_texture_in_place_or_replaces_it_without_leaking() {
    let (versions, source, server, mut residency) = setup();
    let mut backend = NullBackend::new();
    let first = server.load::<Texture>(PATH);
    assert!(server.wait_for(&first, WAIT).is_loaded());
    let bytes = texture_bytes(&server, &first);
    let v1 = settle(&mut residency, &server, &mut backend, first.id());
    assert_eq!(residency.stats().uploaded_bytes, bytes);

    // The same content again (a new slot after the server forgot it):
    // nothing to write.
    let same = load_again(&server, first);
    for _ in 0..5 {
        residency.update(&server, &mut backend).unwrap();
    }
    assert_eq!(residency.stats().uploaded_bytes, bytes, "the same content is not uploaded again");
    assert_eq!(residency.texture(same.id()).unwrap(), v1);

    // New contents of the same size and format: rewritten in place.
    source.swap(&versions.outs[1]);
    let inverted = load_again(&server, same);
    assert_eq!(texture_bytes(&server, &inverted), bytes);
    let v2 = settle(&mut residency, &server, &mut backend, inverted.id());
    assert_eq!(v2.id, v1.id, "the same GPU texture");
    assert_eq!(residency.stats().uploaded_bytes, 2 * bytes, "every mip written again");
    assert_eq!(backend.texture_count(), 1);
    assert_eq!(backend.memory_info().used, bytes, "no bytes leaked");
    assert_eq!(residency.stats().resident_bytes, bytes);
    assert_eq!(residency.stats().assets, 1);
    assert!(backend.frame_bytes().iter().all(|b| *b <= 64 << 10), "the upload budget holds");

    // Another size: a new texture, the old one destroyed.
    source.swap(&versions.outs[2]);
    let half = load_again(&server, inverted);
    let half_bytes = texture_bytes(&server, &half);
    assert!(half_bytes < bytes);
    let v3 = settle(&mut residency, &server, &mut backend, half.id());
    assert_ne!(v3.id, v1.id);
    assert!(backend.texture(v1.id).is_none(), "the old texture was destroyed");
    assert_eq!(backend.texture_count(), 1);
    assert_eq!(backend.memory_info().used, half_bytes);
    assert_eq!(residency.stats().resident_bytes, half_bytes);
    assert_eq!(residency.stats().uploaded_bytes, 2 * bytes + half_bytes);
    assert_eq!(residency.stats().evictions, 0, "a replacement is not an eviction");
    assert!(residency.take_errors().is_empty());
}

/// The CPU bytes of layer 0 of `mip`.
fn cpu_mip(server: &AssetServer, handle: &Handle<Texture>, mip: u32) -> Vec<u8> {
    let texture = server.get(handle).unwrap();
    let layer = texture.gpu_desc().unwrap().layer_bytes(mip) as usize;
    texture.level(mip).unwrap()[..layer].to_vec()
}

#[test]
fn a_reloaded_texture_reads_back_with_the_new_texels_on_a_vulkan_device() {
    let Some(mut backend) = backend() else { return };
    let (versions, source, server, mut residency) = setup();
    let first = server.load::<Texture>(PATH);
    assert!(server.wait_for(&first, WAIT).is_loaded());
    let v1 = settle(&mut residency, &server, &mut backend, first.id());
    let mips = [0, v1.desc.mip_count / 2, v1.desc.mip_count - 1];
    let old: Vec<Vec<u8>> = mips.iter().map(|m| cpu_mip(&server, &first, *m)).collect();
    for (mip, cpu) in mips.iter().zip(&old) {
        assert!(backend.read_texture(v1.id, *mip, 0).unwrap() == *cpu, "mip {mip} of version 1");
    }
    let used = backend.memory_info().used;

    source.swap(&versions.outs[1]);
    let inverted = load_again(&server, first);
    let v2 = settle(&mut residency, &server, &mut backend, inverted.id());
    assert_eq!(v2.id, v1.id, "rewritten in place");
    for (mip, old) in mips.iter().zip(&old) {
        let cpu = cpu_mip(&server, &inverted, *mip);
        assert!(cpu != *old, "version 2 differs from version 1 at mip {mip}");
        let gpu = backend.read_texture(v2.id, *mip, 0).unwrap();
        assert!(gpu == cpu, "mip {mip} holds the new texels on the GPU");
    }
    assert_eq!(backend.memory_info().used, used, "no bytes leaked");

    source.swap(&versions.outs[2]);
    let half = load_again(&server, inverted);
    let v3 = settle(&mut residency, &server, &mut backend, half.id());
    assert_ne!(v3.id, v1.id);
    assert!(backend.texture(v1.id).is_none(), "the old texture was destroyed");
    assert_eq!(backend.memory_info().used, residency.stats().resident_bytes);
    assert_eq!(residency.stats().resident_bytes, texture_bytes(&server, &half));
    for mip in [0, v3.desc.mip_count - 1] {
        let gpu = backend.read_texture(v3.id, mip, 0).unwrap();
        assert!(gpu == cpu_mip(&server, &half, mip), "mip {mip} of the smaller version");
    }
    assert!(residency.take_errors().is_empty());
}
