//! The texture part of `amsp demo`: generate PNG textures (colour, normal
//! maps, masks), cook them into block-compressed KTX2 with full mip chains,
//! load them through the `AssetServer` against decoding the PNGs, then load
//! only the mip tails and upgrade one in place.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use amsp_bench::textures::{SyntheticTexture, TextureKind, write_textures};
use amsp_cook::Cooker;
use amsp_formats::texture::basis::TextureTarget;
use amsp_formats::texture::ktx2::{TextureLimits, VkFormat};
use amsp_formats::texture::source::{ImageLimits, decode_image};
use amsp_formats::texture::{MipSelection, Texture, TextureImporter, TextureLoader};
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::{AssetServer, Handle};
use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::output::bytes;

/// The largest side of the mip tail loaded first.
const TAIL_SIZE: u32 = 64;

/// Loads every texture through a fresh one-worker server with `mips`,
/// returning the
/// textures and the time from the first request to the last completion.
fn load_all(
    source: &Arc<CookedSource>,
    textures: &[SyntheticTexture],
    mips: MipSelection,
) -> anyhow::Result<(Vec<Arc<Texture>>, Duration)> {
    let server = AssetServer::builder()
        .source(Arc::clone(source) as Arc<dyn AssetSource>)
        .worker_threads(1)
        .build()?;
    server.register_loader(TextureLoader { mips, ..TextureLoader::default() });
    let started = Instant::now();
    let handles: Vec<Handle<Texture>> =
        textures.iter().map(|t| server.load::<Texture>(t.asset_path.as_str())).collect();
    if !server.wait_idle(Duration::from_secs(60)) {
        bail!("texture loads did not finish within a minute");
    }
    let elapsed = started.elapsed();
    let loaded = handles
        .iter()
        .zip(textures)
        .map(|(h, t)| {
            server.get(h).with_context(|| {
                format!("{} did not load: {:?}", t.asset_path, server.state(h).error())
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((loaded, elapsed))
}

/// Runs the texture demo under `root` with `count` textures of `size`²
/// pixels; `say` prints a line unless the output is JSON. Returns whether
/// every check passed, and the JSON summary.
pub fn run(
    root: &Path,
    count: usize,
    size: u32,
    say: &dyn Fn(String),
) -> anyhow::Result<(bool, Value)> {
    let (src, out) = (root.join("textures_src"), root.join("textures_out"));
    let textures = write_textures(&src, count, size)
        .with_context(|| format!("writing textures in {}", src.display()))?;
    let png_bytes: u64 = textures.iter().map(|t| t.png_bytes).sum();

    // Cook.
    let mut cooker = Cooker::new(&src, &out);
    cooker.registry_mut().register(Arc::new(TextureImporter::default()));
    let report = cooker.run()?;
    if report.failed > 0 {
        bail!("texture cook failed: {:?}", report.errors);
    }
    // Every level of the chain: 4/3 of level 0.
    let megapixels = count as f64 * f64::from(size) * f64::from(size) * 4.0 / 3.0 / 1e6;
    let cook_mp_s = megapixels / report.elapsed.as_secs_f64().max(1e-9);
    say(format!(
        "textures:    {count} PNGs of {size}×{size} ({}) cooked to KTX2 with full mip chains in {:.2} s: {cook_mp_s:.1} MP/s on {} threads, {} stored",
        bytes(png_bytes),
        report.elapsed.as_secs_f64(),
        report.threads,
        bytes(report.stored_bytes),
    ));

    // Load every mip through the server, against decoding the PNGs.
    let source = Arc::new(CookedSource::open(&out)?);
    let (full, load_time) = load_all(&source, &textures, MipSelection::All)?;
    let started = Instant::now();
    for t in &textures {
        let png = std::fs::read(&t.path)?;
        decode_image(&png, Some("png"), &ImageLimits::default())
            .with_context(|| format!("decoding {}", t.path.display()))?;
    }
    let png_time = started.elapsed();
    let per = |d: Duration| d.as_secs_f64() * 1e3 / count.max(1) as f64;
    let formats_ok = full.iter().zip(&textures).all(|(tex, t)| {
        let expected = match t.kind {
            TextureKind::Color => VkFormat::Bc7Srgb,
            TextureKind::Normal => VkFormat::Bc5Unorm,
            TextureKind::Mask => VkFormat::Bc4Unorm,
        };
        tex.format == expected && tex.resident.start == 0 && tex.width == size
    });
    let resident_full: usize =
        full.iter().map(|t| t.mips.iter().map(Vec::len).sum::<usize>()).sum();
    say(format!(
        "tex load:    all mips through the AssetServer {:.2} ms per texture vs PNG decode {:.2} ms ({:.1}× faster, one core each); formats BC7 sRGB / BC5 / BC4 as cooked: {formats_ok}",
        per(load_time),
        per(png_time),
        per(png_time) / per(load_time).max(1e-9),
    ));

    // Mip tails first, then one texture upgraded in place.
    let (tails, tail_time) = load_all(&source, &textures, MipSelection::MaxSize(TAIL_SIZE))?;
    let resident_tail: usize =
        tails.iter().map(|t| t.mips.iter().map(Vec::len).sum::<usize>()).sum();
    let tails_ok = tails.iter().zip(&full).all(|(tail, full)| {
        tail.resident.end == full.mip_count
            && tail.resident.clone().all(|level| tail.level(level) == full.level(level))
    });
    let id = source
        .resolve(&amsp_core::AssetPath::new(&textures[0].asset_path)?)
        .context("the first texture is in the catalog")?;
    let started = Instant::now();
    let upgraded = tails[0].upgrade(
        |chunk, out| source.read_chunk(id, chunk, out),
        0,
        TextureTarget::Desktop,
        &TextureLimits::default(),
    )?;
    let upgrade_time = started.elapsed();
    let upgrade_ok = upgraded == *full[0];
    say(format!(
        "tex stream:  mip tails (≤ {TAIL_SIZE} px) {:.3} ms per texture holding {:.2}% of the bytes, the same bytes as the full load: {tails_ok}; one upgraded to all mips in place in {:.2} ms, identical to a full load: {upgrade_ok}",
        per(tail_time),
        100.0 * resident_tail as f64 / resident_full.max(1) as f64,
        upgrade_time.as_secs_f64() * 1e3,
    ));

    // The GPU tier: the same textures streamed into a residency manager.
    let (gpu_ok, gpu) = super::demo_gpu::run(&source, &textures, say)?;

    let ok = formats_ok && tails_ok && upgrade_ok && gpu_ok;
    let summary = json!({
        "count": count,
        "size": size,
        "png_bytes": png_bytes,
        "stored_bytes": report.stored_bytes,
        "cook_seconds": report.elapsed.as_secs_f64(),
        "cook_megapixels_per_s": cook_mp_s,
        "load_ms_per_texture": per(load_time),
        "png_decode_ms_per_texture": per(png_time),
        "tail_ms_per_texture": per(tail_time),
        "tail_resident_fraction": resident_tail as f64 / resident_full.max(1) as f64,
        "upgrade_ms": upgrade_time.as_secs_f64() * 1e3,
        "formats_ok": formats_ok,
        "tails_ok": tails_ok,
        "upgrade_ok": upgrade_ok,
        "gpu": gpu,
    });
    Ok((ok, summary))
}
