//! Loading a cooked glTF scene as a `Model` through the `AssetServer`: the
//! model, its 2 meshes, 2 materials and 3 textures (512², BC7 sRGB / BC5
//! with full mip chains), each a pack entry reached through the dependency
//! graph, on one worker; against parsing the source GLB (AMSP's glTF
//! reader, every mesh) and decoding its PNGs (the embedded two and the
//! shared one), in the same run.

use std::sync::Arc;
use std::time::Duration;

use amsp_bench::models::{embedded_images, write_models};
use amsp_cook::Cooker;
use amsp_core::AssetPath;
use amsp_formats::mesh::MeshImporter;
use amsp_formats::model::{Model, ModelImporter, register_model_loaders};
use amsp_formats::texture::TextureImporter;
use amsp_formats::texture::source::{ImageLimits, decode_image};
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::AssetServer;
use criterion::{Criterion, criterion_group, criterion_main};

fn model_load(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    let models = write_models(&src, 1, 512).expect("models written");
    let mut cooker = Cooker::new(&src, &out);
    cooker.registry_mut().register(Arc::new(TextureImporter::default()));
    cooker.registry_mut().register(Arc::new(ModelImporter::default()));
    let report = cooker.run().expect("cook");
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    let source = Arc::new(CookedSource::open(&out).expect("cooked output"));
    let server = AssetServer::builder()
        .source(source as Arc<dyn AssetSource>)
        .worker_threads(1)
        .build()
        .expect("server");
    register_model_loaders(&server);

    let model = &models[0];
    let glb = std::fs::read(&model.path).expect("GLB");
    let wood = std::fs::read(src.join("models/textures/wood.png")).expect("PNG");
    let path = AssetPath::new(&model.asset_path).expect("path");
    let limits = ImageLimits::default();

    let mut group = c.benchmark_group("model_scene");
    group.sample_size(20);
    group.bench_function("reference_parse_glb_and_decode_pngs", |b| {
        b.iter(|| {
            let mesh = MeshImporter::default().read(&path, &glb).expect("GLB parses");
            let mut pixels = 0;
            for png in embedded_images(&glb).into_iter().chain([wood.as_slice()]) {
                pixels += decode_image(png, Some("png"), &limits).expect("PNG decodes").width;
            }
            (mesh, pixels)
        })
    });
    group.bench_function("through_asset_server_with_dependencies", |b| {
        b.iter(|| {
            let handle = server.load::<Model>(model.asset_path.as_str());
            assert!(server.wait_for(&handle, Duration::from_secs(10)).is_loaded());
            let instances = server.get(&handle).expect("loaded").instances().len();
            assert_eq!(instances, model.instances);
            // Everything goes, the dependencies with the model, so the next
            // round loads all of it again.
            drop(handle);
            assert!(server.unload_unused() > 0);
            assert_eq!(server.stats().resident, 0);
            instances
        })
    });
    group.finish();
    eprintln!(
        "model scene: GLB {} bytes, {} assets cooked, {} stored",
        glb.len(),
        report.cooked,
        report.stored_bytes
    );
}

criterion_group!(benches, model_load);
criterion_main!(benches);
