//! The residency manager's budgets on cooked corpus assets: the per-frame
//! upload budget, and the VRAM budget with unused copies evicted first,
//! then the least recently used. Bookkeeping on the `NullBackend`, and
//! once on a real Vulkan device.

mod common;

use amsp_core::AssetId;
use amsp_formats::mesh::Mesh;
use amsp_formats::texture::Texture;
use amsp_runtime::gpu::{
    GpuBackend, GpuError, NullBackend, Residency, ResidencyConfig, UploadError,
};
use amsp_runtime::{AssetServer, Handle};
use common::*;

const IMAGES: [(&str, &str); 6] = [
    ("textures/images/laplacian.png", "tex/laplacian.png"),
    ("textures/images/alpha_complex.png", "tex/alpha_complex.png"),
    ("textures/images/CesiumLogoFlat_palette.png", "tex/cesium.png"),
    ("textures/images/chimp.png", "tex/chimp.png"),
    ("textures/images/brick.png", "tex/brick.png"),
    ("textures/images/alien1.png", "tex/alien1.png"),
];

fn world() -> (tempfile::TempDir, AssetServer) {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<_> = DUCK.iter().chain(&IMAGES).copied().collect();
    cook(&dir.path().join("src"), &dir.path().join("out"), &files);
    let server = server(&dir.path().join("out"));
    (dir, server)
}

fn texture(server: &AssetServer, path: &str) -> (Handle<Texture>, u64) {
    let handle = server.load::<Texture>(path);
    assert!(server.wait_for(&handle, WAIT).is_loaded(), "{path}");
    let bytes = server.get(&handle).unwrap().gpu_desc().unwrap().bytes();
    (handle, bytes)
}

fn whole(residency: &Residency, id: AssetId) -> bool {
    residency.texture(id).is_some_and(|t| t.resident.start == 0)
}

#[test]
fn no_frame_writes_more_than_the_upload_budget_and_everything_arrives() {
    let (_dir, server) = world();
    let budget = 20 << 10;
    let mut residency = Residency::new(ResidencyConfig::new(256 << 20, budget));
    register(&mut residency, &server);
    let mut backend = NullBackend::new();
    let mut expected = 0;
    let mut textures = Vec::new();
    for path in ["duck/DuckCM.png", "tex/alpha_complex.png", "tex/cesium.png", "tex/brick.png"] {
        let (handle, bytes) = texture(&server, path);
        expected += bytes;
        textures.push(handle);
    }
    let mesh = server.load::<Mesh>("duck/Duck.gltf#mesh0");
    assert!(server.wait_for(&mesh, WAIT).is_loaded());
    let lod = server.get(&mesh).unwrap();
    expected += (lod.finest().vertices.len() + lod.finest().indices.len() * 4) as u64;

    let ids: Vec<_> = textures.iter().map(Handle::id).collect();
    let frames = update_until(&mut residency, &server, &mut backend, 2000, |r| {
        ids.iter().all(|id| whole(r, *id)) && r.buffers(mesh.id()).is_some()
    });
    let per_frame = backend.frame_bytes();
    assert!(per_frame.iter().all(|b| *b <= budget), "a frame over budget: {per_frame:?}");
    assert_eq!(per_frame.iter().sum::<u64>(), expected, "every byte written once");
    assert!(frames as u64 >= expected / budget, "{expected} bytes in {frames} frames");
    // Frames are full while work waits: only the last one is short.
    let full = per_frame.iter().filter(|b| **b + 2048 > budget).count();
    assert!(full + 2 >= per_frame.iter().filter(|b| **b > 0).count(), "{per_frame:?}");
    let stats = residency.stats();
    assert_eq!(stats.uploaded_bytes, expected);
    assert_eq!(stats.resident_bytes, backend.memory_info().used);
    assert_eq!(stats.pending, 0);
}

#[test]
fn the_vram_budget_evicts_unused_copies_first_then_the_least_recently_used() {
    let (_dir, server) = world();
    let mut backend = NullBackend::new();
    let mut residency = Residency::new(ResidencyConfig::default());
    residency.register::<Texture>(&server);
    let (a, a_bytes) = texture(&server, "tex/alpha_complex.png");
    let (b, b_bytes) = texture(&server, "duck/DuckCM.png");
    let (c, c_bytes) = texture(&server, "tex/cesium.png");
    let budget = a_bytes + b_bytes + c_bytes;
    residency.set_config(ResidencyConfig::new(budget, 1 << 20));
    let ids = [a.id(), b.id(), c.id()];
    update_until(&mut residency, &server, &mut backend, 100, |r| {
        ids.iter().all(|id| whole(r, *id))
    });
    residency.touch(a.id());
    residency.update(&server, &mut backend).unwrap();
    residency.touch(b.id());
    residency.touch(c.id());
    residency.update(&server, &mut backend).unwrap();
    // B was used more recently than A, but nothing holds it any more.
    let b_id = b.id();
    drop(b);
    let (d, d_bytes) = texture(&server, "tex/chimp.png");
    assert!(d_bytes <= b_bytes);
    let d_id = d.id();
    update_until(&mut residency, &server, &mut backend, 100, |r| whole(r, d_id));
    assert!(!residency.contains(b_id), "the unused copy goes first");
    assert!(residency.contains(a.id()) && residency.contains(c.id()));
    assert_eq!(residency.stats().evictions, 1);
    assert!(backend.memory_info().used <= budget);

    // Everything wanted: the least recently used goes (A: touched two
    // frames before C and D).
    residency.touch(c.id());
    residency.touch(d.id());
    residency.update(&server, &mut backend).unwrap();
    let (e, e_bytes) = texture(&server, "tex/brick.png");
    let used = residency.stats().resident_bytes;
    residency.set_config(ResidencyConfig::new(used + e_bytes - 1, 1 << 20));
    update_until(&mut residency, &server, &mut backend, 100, |r| whole(r, e.id()));
    assert!(!residency.contains(a.id()), "the least recently used goes next");
    assert!(residency.contains(c.id()) && residency.contains(d.id()));
    assert_eq!(residency.stats().evictions, 2);

    // A copy larger than the whole budget is refused, and nothing evicted
    // for it.
    residency.set_config(ResidencyConfig::new(1024, 1 << 20));
    let (big, _) = texture(&server, "tex/alien1.png");
    server.wait_idle(WAIT);
    residency.update(&server, &mut backend).unwrap();
    let errors = residency.take_errors();
    assert!(
        matches!(errors.as_slice(), [UploadError::OverBudget { asset, .. }] if *asset == big.id()),
        "{errors:?}"
    );
    assert_eq!(residency.stats().evictions, 2, "nothing evicted for a copy that cannot fit");
    assert!(residency.contains(c.id()) && residency.contains(d.id()) && residency.contains(e.id()));
}

/// The CPU bytes of layer 0 of `mip`.
fn cpu_mip(server: &AssetServer, handle: &Handle<Texture>, mip: u32) -> Vec<u8> {
    let texture = server.get(handle).unwrap();
    let layer = texture.gpu_desc().unwrap().layer_bytes(mip) as usize;
    texture.level(mip).unwrap()[..layer].to_vec()
}

#[test]
fn the_budgets_hold_on_a_vulkan_device() {
    let Some(mut backend) = backend() else { return };
    let (_dir, server) = world();
    let budget = 64 << 10;
    let mut residency = Residency::new(ResidencyConfig::new(256 << 20, budget));
    register(&mut residency, &server);
    let (duck, duck_bytes) = texture(&server, "duck/DuckCM.png");
    let (alpha, alpha_bytes) = texture(&server, "tex/alpha_complex.png");
    let ids = [duck.id(), alpha.id()];
    update_until(&mut residency, &server, &mut backend, 500, |r| {
        ids.iter().all(|id| whole(r, *id))
    });
    let stats = residency.stats();
    assert!(stats.max_frame_bytes <= budget, "{stats:?}");
    assert_eq!(stats.uploaded_bytes, duck_bytes + alpha_bytes);
    assert_eq!(backend.memory_info().used, stats.resident_bytes);
    assert!(backend.ring_stats().submits > 2);
    for handle in [&duck, &alpha] {
        let gpu = residency.texture(handle.id()).unwrap();
        for mip in [0, gpu.desc.mip_count / 2, gpu.desc.mip_count - 1] {
            let read = backend.read_texture(gpu.id, mip, 0).unwrap();
            assert!(
                read == cpu_mip(&server, handle, mip),
                "{handle:?} mip {mip} differs on the GPU"
            );
        }
    }

    // Full VRAM: the texture nobody holds goes, although used last.
    residency.set_config(ResidencyConfig::new(stats.resident_bytes, budget));
    residency.touch(duck.id());
    residency.update(&server, &mut backend).unwrap();
    residency.touch(alpha.id());
    residency.update(&server, &mut backend).unwrap();
    let alpha_gpu = residency.texture(alpha.id()).unwrap().id;
    drop(alpha);
    let (small, _) = texture(&server, "tex/laplacian.png");
    update_until(&mut residency, &server, &mut backend, 50, |r| whole(r, small.id()));
    assert!(backend.texture(alpha_gpu).is_none(), "the unused texture was destroyed");
    assert!(whole(&residency, duck.id()));
    let gpu = residency.texture(small.id()).unwrap();
    assert!(backend.read_texture(gpu.id, 0, 0).unwrap() == cpu_mip(&server, &small, 0));
    assert_eq!(backend.memory_info().used, residency.stats().resident_bytes);
    assert!(residency.stats().resident_bytes <= stats.resident_bytes);

    // A block-compressed texture whose size is not a multiple of the block
    // is refused by wgpu: a typed error naming the asset.
    residency.set_config(ResidencyConfig::new(256 << 20, budget));
    let (brick, _) = texture(&server, "tex/brick.png");
    server.wait_idle(WAIT);
    residency.update(&server, &mut backend).unwrap();
    let errors = residency.take_errors();
    assert!(
        matches!(errors.as_slice(), [UploadError::Gpu { asset, source: GpuError::InvalidTexture { .. }, .. }] if *asset == brick.id()),
        "{errors:?}"
    );
}

#[test]
fn a_finer_mesh_lod_replaces_the_buffers_once_written_and_frees_the_old_ones() {
    let (_dir, server) = world();
    let mut backend = NullBackend::new();
    let mut residency = Residency::new(ResidencyConfig::new(64 << 20, 8 << 10));
    residency.register::<Mesh>(&server);
    let path = "duck/Duck.gltf#mesh0";
    let coarse_level = {
        let whole = server.load::<Mesh>(path);
        assert!(server.wait_for(&whole, WAIT).is_loaded());
        let lods = server.get(&whole).unwrap().lod_count;
        assert!(lods > 1, "the Duck's mesh has an LOD chain");
        lods - 1
    };
    // The whole-mesh load above was queued for upload too: take it out of
    // the way by letting it upload, then start over with a fresh manager.
    update_until(&mut residency, &server, &mut backend, 500, |r| r.stats().pending == 0);
    residency.clear(&mut backend);
    assert_eq!(backend.buffer_count(), 0);

    let coarse =
        server.load_level::<Mesh>(path, coarse_level as u8, amsp_core::PriorityClass::High);
    assert!(server.wait_for(&coarse, WAIT).is_loaded());
    server.wait_idle(WAIT);
    // The coarse level is a new slot: its upload is queued; the whole
    // mesh's slot was taken already.
    let id = coarse.id();
    update_until(&mut residency, &server, &mut backend, 500, |r| r.buffers(id).is_some());
    let first = residency.buffers(id).unwrap();
    assert_eq!(first.level, coarse_level);
    let fine = server.load_level::<Mesh>(path, 0, amsp_core::PriorityClass::High);
    assert!(server.wait_for(&fine, WAIT).is_loaded());
    // While the finer set is written (several frames at 8 KiB), the
    // coarse one stays drawable; then it is freed.
    let mut frames_with_both = 0;
    for _ in 0..500 {
        let now = residency.buffers(id).unwrap();
        if now.level == 0 {
            break;
        }
        assert_eq!(now, first);
        if backend.buffer_count() == 4 {
            frames_with_both += 1;
        }
        residency.update(&server, &mut backend).unwrap();
    }
    let last = residency.buffers(id).unwrap();
    assert_eq!(last.level, 0);
    assert_ne!(last.ids, first.ids);
    assert!(frames_with_both > 1, "the finer set took {frames_with_both} frames");
    assert_eq!(backend.buffer_count(), 2, "the coarse set was freed");
    let mesh = server.get(&fine).unwrap();
    let bytes = (mesh.finest().vertices.len() + mesh.finest().indices.len() * 4) as u64;
    assert!(backend.memory_info().used >= bytes && backend.memory_info().used < bytes + 8);
    assert_eq!(residency.stats().resident_bytes, backend.memory_info().used);
}

#[test]
fn a_time_budget_stops_an_update_after_the_piece_in_progress() {
    let (_dir, server) = world();
    let mut backend = NullBackend::new();
    // Bytes for a whole texture a frame, but no time: one piece (one mip
    // of the single layer) per update.
    let config =
        ResidencyConfig::new(64 << 20, 4 << 20).with_upload_time(std::time::Duration::ZERO);
    let mut residency = Residency::new(config);
    residency.register::<Texture>(&server);
    let (duck, bytes) = texture(&server, "duck/DuckCM.png");
    let mip_count = server.get(&duck).unwrap().mip_count;
    let frames = update_until(&mut residency, &server, &mut backend, 100, |r| whole(r, duck.id()));
    assert_eq!(frames, mip_count as usize, "one mip per update");
    assert_eq!(residency.stats().uploaded_bytes, bytes);
    assert_eq!(residency.stats().out_of_time, u64::from(mip_count), "every update spent its time");
}

#[test]
fn the_vram_budget_is_the_smaller_of_the_configured_one_and_the_backends() {
    let (_dir, server) = world();
    let config = ResidencyConfig::new(256 << 20, 1 << 20);
    let mut residency = Residency::new(config);
    residency.register::<Texture>(&server);
    // A device with plenty of room, part of it taken by the renderer's
    // placeholder (not the manager's).
    let mut backend = NullBackend::with_budget(1 << 30);
    let (small, _) = texture(&server, "tex/laplacian.png");
    let placeholder = upload_whole(&mut backend, &server.get(&small).unwrap());
    let others = backend.memory_info().used;
    assert!(others > 0);
    drop(small);
    server.unload_unused();
    assert_eq!(residency.vram_budget(), config.vram_budget, "nothing read from the device yet");

    let (a, a_bytes) = texture(&server, "tex/alpha_complex.png");
    update_until(&mut residency, &server, &mut backend, 100, |r| whole(r, a.id()));
    assert_eq!(residency.vram_budget(), config.vram_budget, "the device offers more");

    // The device's budget shrinks below what B needs: B is refused with
    // the device's figure less the placeholder, and A stays.
    let (b, b_bytes) = texture(&server, "duck/DuckCM.png");
    backend.set_budget(Some(others + b_bytes - 1));
    server.wait_idle(WAIT);
    residency.update(&server, &mut backend).unwrap();
    let errors = residency.take_errors();
    assert!(
        matches!(errors.as_slice(), [UploadError::OverBudget { asset, budget, .. }] if *asset == b.id() && *budget == b_bytes - 1),
        "{errors:?}"
    );
    assert_eq!(residency.vram_budget(), b_bytes - 1);
    assert!(whole(&residency, a.id()), "nothing evicted for a copy that cannot fit");

    // Room for B only once A is evicted: B loaded again goes in, A out.
    backend.set_budget(Some(others + a_bytes + b_bytes - 1));
    let b_id = b.id();
    drop(b);
    server.unload_unused();
    let (b, _) = texture(&server, "duck/DuckCM.png");
    assert_eq!(b.id(), b_id);
    update_until(&mut residency, &server, &mut backend, 100, |r| whole(r, b.id()));
    assert!(!residency.contains(a.id()), "A made room");
    assert_eq!(residency.stats().evictions, 1);
    let used = backend.memory_info().used;
    assert_eq!(used, others + b_bytes);
    assert!(used <= backend.memory_info().budget.unwrap());

    // A configured budget below the device's wins.
    residency.set_config(ResidencyConfig::new(b_bytes / 2, 1 << 20));
    residency.update(&server, &mut backend).unwrap();
    assert_eq!(residency.vram_budget(), b_bytes / 2);
    backend.destroy_texture(placeholder);
}
