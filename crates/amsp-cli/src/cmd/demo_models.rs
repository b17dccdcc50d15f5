//! The model part of `amsp demo`: generate glTF scenes (a node hierarchy,
//! a mesh shared by many nodes, materials with embedded and external
//! textures), cook them into models with mesh, material and texture
//! sub-assets, and load them through the `AssetServer`'s dependency graph
//! against parsing the GLBs and decoding their images.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use amsp_bench::models::{SyntheticModel, embedded_images, write_models};
use amsp_cook::Cooker;
use amsp_core::AssetPath;
use amsp_formats::mesh::MeshImporter;
use amsp_formats::model::{Model, ModelImporter, register_model_loaders};
use amsp_formats::texture::TextureImporter;
use amsp_formats::texture::source::{ImageLimits, decode_image};
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::{AssetServer, Handle};
use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::output::bytes;

/// Loads every model through a fresh one-worker server; returns whether
/// each model and everything it uses is loaded and matches what was
/// generated, the number of assets loaded, and the time from the first
/// request until all are ready.
fn load_all(
    source: &Arc<CookedSource>,
    models: &[SyntheticModel],
) -> anyhow::Result<(bool, usize, Duration)> {
    let server = AssetServer::builder()
        .source(Arc::clone(source) as Arc<dyn AssetSource>)
        .worker_threads(1)
        .build()?;
    register_model_loaders(&server);
    let started = Instant::now();
    let handles: Vec<Handle<Model>> =
        models.iter().map(|m| server.load::<Model>(m.asset_path.as_str())).collect();
    if !server.wait_idle(Duration::from_secs(120)) {
        bail!("model loads did not finish within two minutes");
    }
    let elapsed = started.elapsed();
    let mut ok = true;
    for (handle, m) in handles.iter().zip(models) {
        let model = server.get(handle).with_context(|| {
            format!("{} did not load: {:?}", m.asset_path, server.state(handle).error())
        })?;
        let instances = model.instances();
        let triangles: usize = instances
            .iter()
            .filter_map(|i| server.get(i.mesh))
            .map(|mesh| mesh.finest().triangle_count())
            .sum();
        let materials_ready = model.materials.iter().all(|h| {
            server.get(h).is_some_and(|mat| {
                mat.textures().into_iter().flatten().all(|t| server.state(&t.texture).is_loaded())
            })
        });
        ok &= model.nodes.len() == m.nodes
            && instances.len() == m.instances
            && triangles == m.triangles
            && materials_ready;
    }
    let loaded = server.stats().loaded as usize;
    Ok((ok, loaded, elapsed))
}

/// Runs the model demo under `root` with `count` scenes whose textures are
/// `texture_size²`; `say` prints a line unless the output is JSON. Returns
/// whether every check passed, and the JSON summary.
pub fn run(
    root: &Path,
    count: usize,
    texture_size: u32,
    say: &dyn Fn(String),
) -> anyhow::Result<(bool, Value)> {
    let (src, out) = (root.join("models_src"), root.join("models_out"));
    let models = write_models(&src, count, texture_size)
        .with_context(|| format!("writing models in {}", src.display()))?;
    let glb_bytes: u64 =
        models.iter().filter_map(|m| std::fs::metadata(&m.path).ok()).map(|m| m.len()).sum();

    let mut cooker = Cooker::new(&src, &out);
    cooker.registry_mut().register(Arc::new(TextureImporter::default()));
    cooker.registry_mut().register(Arc::new(ModelImporter::default()));
    let report = cooker.run()?;
    if report.failed > 0 {
        bail!("model cook failed: {:?}", report.errors);
    }
    say(format!(
        "models:      {count} glTF scenes ({}; {} nodes, 2 meshes, 2 materials, 2 embedded and 1 shared image each) cooked into {} assets in {:.2} s, {} stored",
        bytes(glb_bytes),
        models.first().map_or(0, |m| m.nodes),
        report.cooked,
        report.elapsed.as_secs_f64(),
        bytes(report.stored_bytes),
    ));

    // Everything a model uses arrives through the dependency graph; the
    // reference parses each GLB and decodes its images, doing no cooking.
    let source = Arc::new(CookedSource::open(&out)?);
    let (ok, loaded, load_time) = load_all(&source, &models)?;
    let started = Instant::now();
    let wood = std::fs::read(src.join("models/textures/wood.png"))?;
    decode_image(&wood, Some("png"), &ImageLimits::default())?;
    for m in &models {
        let glb = std::fs::read(&m.path)?;
        let path = AssetPath::new(&m.asset_path)?;
        MeshImporter::default()
            .read(&path, &glb)
            .with_context(|| format!("parsing {}", m.asset_path))?;
        for png in embedded_images(&glb) {
            decode_image(png, Some("png"), &ImageLimits::default())?;
        }
    }
    let reference = started.elapsed();
    let per = |d: Duration| d.as_secs_f64() * 1e3 / count.max(1) as f64;
    say(format!(
        "model load:  {loaded} assets (models, meshes, materials, textures) ready through the dependency graph in {:.2} ms per model vs parsing the GLB and decoding its PNGs {:.2} ms ({:.1}× faster, one core each); hierarchy, instances and triangles as generated: {ok}",
        per(load_time),
        per(reference),
        per(reference) / per(load_time).max(1e-9),
    ));
    Ok((
        ok,
        json!({
            "models": count,
            "assets_cooked": report.cooked,
            "assets_loaded": loaded,
            "stored_bytes": report.stored_bytes,
            "load_ms_per_model": per(load_time),
            "reference_ms_per_model": per(reference),
            "ok": ok,
        }),
    ))
}
