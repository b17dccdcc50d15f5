//! Shared by the GPU tests: a device on Vulkan (lavapipe in CI), cooked
//! corpus assets behind a server, and drawing a model offscreen.

#![allow(dead_code, reason = "each test file uses a part")]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use amsp_cook::{CookReport, Cooker};
use amsp_formats::mesh::{Mesh, MeshImporter};
use amsp_formats::model::{Model, ModelImporter, register_model_loaders};
use amsp_formats::texture::{Texture, TextureImporter};
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::gpu::{GpuAsset, GpuBackend, GpuData, GpuTextureId, Residency, TextureWrite};
use amsp_runtime::{AssetServer, Handle};
use amsp_wgpu::camera::{look_at, mul, perspective};
use amsp_wgpu::{
    DrawCall, GpuContext, OffscreenRenderer, VertexFormat, WgpuBackend, WgpuBackendConfig,
};

pub const WAIT: Duration = Duration::from_secs(60);
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
/// Set to `1` to skip the tests that need a Vulkan device, on a machine
/// without one (CI installs lavapipe and never sets it).
pub const SKIP_VAR: &str = "AMSP_SKIP_GPU_TESTS";

/// A device on Vulkan; panics with the reason when there is none, unless
/// [`SKIP_VAR`] is set, then `None`.
pub fn context() -> Option<GpuContext> {
    match GpuContext::headless(wgpu::Backends::VULKAN) {
        Ok(context) => Some(context),
        Err(e) if std::env::var(SKIP_VAR).is_ok_and(|v| v == "1") => {
            eprintln!("skipped ({SKIP_VAR}=1): {e}");
            None
        }
        Err(e) => panic!(
            "no Vulkan device for the GPU tests: {e} (set {SKIP_VAR}=1 to skip them explicitly)"
        ),
    }
}

/// A wgpu backend on Vulkan (see [`context`]).
pub fn backend() -> Option<WgpuBackend> {
    context().map(|c| WgpuBackend::new(c, WgpuBackendConfig::default()))
}

/// A corpus file; fails loudly when it is missing.
pub fn corpus(rel: &str) -> PathBuf {
    let path = Path::new(CORPUS).join(rel);
    assert!(path.is_file(), "the test corpus is missing {}", path.display());
    path
}

pub const DUCK: [(&str, &str); 3] = [
    ("meshes/draco-testdata/KhronosSampleModels/Duck/glTF/Duck.gltf", "duck/Duck.gltf"),
    ("meshes/draco-testdata/KhronosSampleModels/Duck/glTF/Duck0.bin", "duck/Duck0.bin"),
    ("meshes/draco-testdata/KhronosSampleModels/Duck/glTF/DuckCM.png", "duck/DuckCM.png"),
];

/// Copies corpus files into `src` and cooks them into `out`.
pub fn cook(src: &Path, out: &Path, files: &[(&str, &str)]) -> CookReport {
    for (from, to) in files {
        let dest = src.join(to);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(corpus(from), dest).unwrap();
    }
    let mut cooker = Cooker::new(src, out);
    cooker.registry_mut().register(Arc::new(TextureImporter::default()));
    cooker.registry_mut().register(Arc::new(MeshImporter::default()));
    cooker.registry_mut().register(Arc::new(ModelImporter::default()));
    let report = cooker.run().expect("cook runs");
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    report
}

/// A server over cooked output, with the model loaders.
pub fn server(out: &Path) -> AssetServer {
    let source = Arc::new(CookedSource::open(out).expect("cooked output opens"));
    let server = AssetServer::builder()
        .source(source as Arc<dyn AssetSource>)
        .worker_threads(2)
        .build()
        .expect("server");
    register_model_loaders(&server);
    server
}

/// Runs residency updates until `done` holds, at most `frames` of them.
pub fn update_until(
    residency: &mut Residency,
    server: &AssetServer,
    backend: &mut dyn GpuBackend,
    frames: usize,
    mut done: impl FnMut(&Residency) -> bool,
) -> usize {
    for frame in 0..frames {
        if done(residency) {
            return frame;
        }
        server.wait_idle(WAIT);
        residency.update(server, backend).expect("frame submitted");
        let errors = residency.take_errors();
        assert!(errors.is_empty(), "uploads failed: {errors:?}");
    }
    assert!(done(residency), "not resident after {frames} frames: {:?}", residency.stats());
    frames
}

/// Uploads a whole texture outside the residency manager (the
/// placeholder a renderer keeps).
pub fn upload_whole(backend: &mut dyn GpuBackend, texture: &Texture) -> GpuTextureId {
    let GpuData::Texture(data) = texture.gpu_data().expect("GPU form") else {
        panic!("not a texture")
    };
    let id = backend.create_texture(&data.desc).expect("texture created");
    for mip in data.resident.clone() {
        let bytes = data.mip(mip).unwrap();
        let layer = data.desc.layer_bytes(mip) as usize;
        for l in 0..data.desc.layers {
            let region = TextureWrite { mip, layer: l, rows: 0..data.desc.block_rows(mip) };
            backend
                .write_texture(id, &region, &bytes[l as usize * layer..(l as usize + 1) * layer])
                .unwrap();
        }
    }
    backend.end_frame().unwrap();
    id
}

pub const SIZE: u32 = 256;
pub const CLEAR: [f64; 4] = [0.1, 0.12, 0.15, 1.0];

/// Draws every instance of `model` whose mesh is resident, with its
/// base colour texture where resident and `fallback` (the placeholder)
/// where not. Returns the image and how many draws used the fallback.
pub fn draw_model(
    renderer: &mut OffscreenRenderer,
    backend: &mut WgpuBackend,
    residency: &mut Residency,
    server: &AssetServer,
    model: &Model,
    fallback: GpuTextureId,
) -> (Vec<u8>, usize) {
    let b = &model.bounds;
    let c = b.center;
    let r = b.radius;
    let eye = [c[0] + r * 1.3, c[1] + r * 0.8, c[2] + r * 1.9];
    let view_proj =
        mul(&perspective(0.8, 1.0, r * 0.1, r * 10.0), &look_at(eye, c, [0.0, 1.0, 0.0]));
    let mut calls = Vec::new();
    let mut fallbacks = 0;
    for instance in model.instances() {
        let Some(buffers) = residency.buffers(instance.mesh.id()) else { continue };
        residency.touch(instance.mesh.id());
        let mesh = server.get(instance.mesh).expect("mesh loaded");
        let lod = mesh.lod(buffers.level).expect("the resident LOD is held");
        let [normal, uv, _, _] = mesh.layout.offsets();
        let format = VertexFormat {
            stride: mesh.layout.stride() as u32,
            uv: uv.expect("the mesh has texture coordinates") as u32,
            normal: normal.map(|n| n as u32),
        };
        for submesh in &lod.submeshes {
            let texture = model
                .material(submesh)
                .and_then(|m| server.get(m))
                .and_then(|m| m.base_color_texture.as_ref().map(|t| t.texture.id()));
            let resident = texture.and_then(|id| {
                residency.touch(id);
                residency.texture(id)
            });
            let (texture, base_mip) = match resident {
                Some(t) => (t.id, t.resident.start),
                None => {
                    fallbacks += 1;
                    (fallback, 0)
                }
            };
            calls.push(DrawCall {
                vertices: buffers.ids[0],
                indices: buffers.ids[1],
                index_range: submesh.index_start..submesh.index_start + submesh.index_count,
                format,
                texture,
                base_mip,
                mvp: mul(&view_proj, &instance.world),
                model: instance.world,
            });
        }
    }
    assert!(!calls.is_empty(), "nothing of the model is resident");
    (renderer.draw(backend, &calls, CLEAR).expect("frame drawn"), fallbacks)
}

/// Mean absolute error per channel (0–255) and the share of pixels with a
/// channel off by more than `threshold`.
pub fn compare(a: &[u8], b: &[u8], threshold: u8) -> (f64, f64) {
    assert_eq!(a.len(), b.len(), "images of different sizes");
    let total: u64 = a.iter().zip(b).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
    let off = a
        .chunks_exact(4)
        .zip(b.chunks_exact(4))
        .filter(|(p, q)| p.iter().zip(q.iter()).any(|(x, y)| x.abs_diff(*y) > threshold))
        .count();
    (total as f64 / a.len() as f64, off as f64 / (a.len() / 4) as f64)
}

/// The reference image at `tests/data/NAME`; with `AMSP_WRITE_REFERENCE=1`
/// writes `image` there first (then look at it before committing).
pub fn reference(name: &str, image: &[u8]) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
    if std::env::var("AMSP_WRITE_REFERENCE").is_ok_and(|v| v == "1") {
        image::save_buffer(&path, image, SIZE, SIZE, image::ExtendedColorType::Rgba8)
            .expect("reference written");
    }
    let decoded = image::open(&path)
        .unwrap_or_else(|e| panic!("reference {} unreadable: {e}", path.display()));
    decoded.to_rgba8().into_raw()
}

/// Writes `image` next to the test binary for a person to look at.
pub fn save_for_inspection(name: &str, image: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(name);
    image::save_buffer(&path, image, SIZE, SIZE, image::ExtendedColorType::Rgba8)
        .expect("image written");
    path
}

/// Pixels that are not the clear colour, and their mean RGB.
pub fn coverage(image: &[u8]) -> (usize, [f64; 3]) {
    let clear: Vec<u8> = CLEAR[..3].iter().map(|c| srgb(*c)).collect();
    let mut sum = [0.0; 3];
    let mut n = 0;
    for p in image.chunks_exact(4) {
        if p[..3].iter().zip(&clear).any(|(x, y)| x.abs_diff(*y) > 3) {
            n += 1;
            for k in 0..3 {
                sum[k] += f64::from(p[k]);
            }
        }
    }
    (n, sum.map(|s| s / n.max(1) as f64))
}

fn srgb(linear: f64) -> u8 {
    let s =
        if linear <= 0.003_130_8 { linear * 12.92 } else { 1.055 * linear.powf(1.0 / 2.4) - 0.055 };
    (s * 255.0).round() as u8
}

/// The model, loaded.
pub fn load_model(server: &AssetServer, path: &str) -> (Handle<Model>, Arc<Model>) {
    let handle = server.load::<Model>(path);
    assert!(server.wait_for(&handle, WAIT).is_loaded(), "{path}: {:?}", handle.state());
    let model = server.get(&handle).unwrap();
    (handle, model)
}

/// Registers textures and meshes for upload.
pub fn register(residency: &mut Residency, server: &AssetServer) {
    residency.register::<Texture>(server);
    residency.register::<Mesh>(server);
}
