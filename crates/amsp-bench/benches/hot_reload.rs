//! Hot reload of a 2048×2048 PNG texture: from the file change to the new
//! version visible through an existing handle, in development mode (the
//! development source imports the PNG through the real texture importer;
//! no cook step).
//!
//! Printed as a report (not criterion: each sample is a file write and a
//! wait for a file-system event):
//! - the split of one change after the debounce: `refresh` (the source
//!   re-imports the file: PNG decode, mip chain, encode) and `reload`
//!   (the server reads the new KTX2 levels and swaps the value in place),
//!   timed by calling both directly;
//! - the same change end to end through the watcher (default 50 ms
//!   debounce): file write to `Reloaded` event;
//! - for both the default import (BC7) and the development fast path
//!   (`DevOptions::fast_textures`: RGBA8, no supercompression);
//! - and for the same image as a GPU-ready KTX2 source (BC7 levels, as a
//!   texture tool exports them), which the importer passes through;
//! - against the reference measured in the same run: decoding the same
//!   PNG with the `image` crate, which any import of a PNG must do.
//!
//! `cargo bench -p amsp-bench --bench hot_reload`

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use amsp_cook::ImporterRegistry;
use amsp_cook::dev::{DevOptions, DevSource};
use amsp_core::AssetPath;
use amsp_formats::texture::{Texture, TextureImporter, TextureLoader};
use amsp_io::{AssetSource, RefreshSource};
use amsp_runtime::hot_reload::{HotReload, HotReloadConfig};
use amsp_runtime::{AssetEvent, AssetServer};

const SIZE: u32 = 2048;
/// Rounds per case when benchmarking; `cargo test` runs each case 3 times to
/// check that it works. Odd: each phase alternates the two images, and the
/// next phase's first write must change the file.
const ROUNDS: usize = 15;
const TIMEOUT: Duration = Duration::from_secs(60);

/// A 2048×2048 RGBA image with gradients and noise (`seed` varies it), as
/// PNG bytes.
fn source_png(seed: u32) -> Vec<u8> {
    amsp_bench::textures::gradient_noise_png(SIZE, seed).expect("PNG encodes")
}

fn registry() -> ImporterRegistry {
    let mut registry = ImporterRegistry::with_defaults();
    registry.register(Arc::new(TextureImporter::default()));
    registry
}

/// Median, minimum and maximum, in milliseconds.
fn summary(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    (ms(samples[samples.len() / 2]), ms(samples[0]), ms(samples[samples.len() - 1]))
}

struct Rig {
    _dir: tempfile::TempDir,
    file: std::path::PathBuf,
    path: AssetPath,
    source: Arc<DevSource>,
    server: AssetServer,
    handle: amsp_runtime::Handle<Texture>,
    reloaded: mpsc::Receiver<Instant>,
}

fn rig(name: &str, bytes: &[u8], options: DevOptions) -> Rig {
    let dir = tempfile::tempdir().expect("temporary folder");
    let file = dir.path().join(name);
    std::fs::write(&file, bytes).expect("written");
    let source =
        Arc::new(DevSource::folder_with(dir.path(), registry(), options).expect("source opens"));
    assert!(source.failures().is_empty(), "{:?}", source.failures());
    let server = AssetServer::builder()
        .source(Arc::clone(&source) as Arc<dyn AssetSource>)
        .build()
        .expect("server");
    server.register_loader(TextureLoader::default());
    let path = AssetPath::new(name).expect("path");
    let handle = server.load::<Texture>(&path);
    assert!(server.wait_for(&handle, TIMEOUT).is_loaded(), "{:?}", handle.state());
    let (tx, reloaded) = mpsc::channel();
    let id = handle.id();
    let tx = std::sync::Mutex::new(tx);
    server.on_event(move |event| {
        if let AssetEvent::Reloaded { id: reloaded, .. } = event
            && *reloaded == id
        {
            let _ = tx.lock().map(|tx| tx.send(Instant::now()));
        }
    });
    Rig { _dir: dir, file, path, source, server, handle, reloaded }
}

/// Refresh and reload called directly: the part of a change after the
/// debounce. Returns (refresh, reload, total) samples.
fn direct(rig: &Rig, pngs: &[Vec<u8>; 2]) -> (Vec<Duration>, Vec<Duration>, Vec<Duration>) {
    let (mut refresh, mut reload, mut total) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds() {
        std::fs::write(&rig.file, &pngs[(round + 1) % 2]).expect("written");
        let version = rig.handle.version();
        let start = Instant::now();
        let ids = rig.source.refresh(std::slice::from_ref(&rig.path));
        let refreshed = Instant::now();
        assert_eq!(ids, [rig.handle.id()]);
        rig.server.reload_many(&ids);
        let swapped = rig.reloaded.recv_timeout(TIMEOUT).expect("reloaded");
        assert!(rig.handle.version() > version);
        refresh.push(refreshed - start);
        reload.push(swapped - refreshed);
        total.push(swapped - start);
    }
    (refresh, reload, total)
}

/// Through the watcher: file write to `Reloaded`.
fn watched(rig: &Rig, pngs: &[Vec<u8>; 2], debounce: Duration) -> (Vec<Duration>, Duration) {
    let config = HotReloadConfig { debounce, ..HotReloadConfig::default() };
    let watcher =
        HotReload::start(Arc::clone(&rig.source) as Arc<dyn RefreshSource>, &rig.server, config)
            .expect("watcher starts");
    let mut samples = Vec::new();
    for round in 0..rounds() {
        let start = Instant::now();
        std::fs::write(&rig.file, &pngs[round % 2]).expect("written");
        let swapped = rig.reloaded.recv_timeout(TIMEOUT).expect("reloaded");
        samples.push(swapped - start);
        // Let the watcher settle before the next save.
        std::thread::sleep(debounce * 2);
        while rig.reloaded.try_recv().is_ok() {}
    }
    let mean = watcher.stats().mean_latency.unwrap_or_default();
    (samples, mean)
}

/// The PNG's full mip chain encoded to BC7 (fast) in a KTX2 file without
/// supercompression: a GPU-ready source, as a texture tool exports it.
fn bc7_ktx2(png: &[u8]) -> Vec<u8> {
    use amsp_formats::texture::encode::{EncodeQuality, TextureEncoding, encode_level_as};
    use amsp_formats::texture::ktx2::{Ktx2Writer, VkFormat, WriteSupercompression};
    use amsp_formats::texture::source::{ImageLimits, TextureRole, build_mips, decode_image};
    let image = decode_image(png, Some("png"), &ImageLimits::default()).expect("decodes");
    let mips = build_mips(&image, TextureRole::Color).expect("mips");
    let levels: Vec<Vec<u8>> = mips
        .iter()
        .map(|mip| {
            encode_level_as(mip, image.format, TextureEncoding::Bc7, EncodeQuality::Fast, true)
                .expect("encodes")
        })
        .collect();
    let slices: Vec<&[u8]> = levels.iter().map(Vec::as_slice).collect();
    Ktx2Writer::new(VkFormat::Bc7Srgb, SIZE, SIZE)
        .supercompression(WriteSupercompression::None)
        .write(&slices)
        .expect("KTX2 writes")
        .into_bytes()
}

/// Median time of `f` over a few runs.
fn median_of(runs: usize, mut f: impl FnMut()) -> f64 {
    let samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    summary(samples).0
}

/// Where an import of the PNG spends its time: decode, mip chain, the
/// whole import with each encoding.
fn import_split(png: &[u8]) {
    use amsp_cook::{AssetMeta, ImportInput, Importer};
    use amsp_formats::texture::source::{ImageLimits, TextureRole, build_mips, decode_image};
    let limits = ImageLimits::default();
    let image = decode_image(png, Some("png"), &limits).expect("decodes");
    let decode = median_of(5, || {
        decode_image(png, Some("png"), &limits).expect("decodes");
    });
    let mips = median_of(5, || {
        build_mips(&image, TextureRole::Color).expect("mips");
    });
    let path = AssetPath::new("albedo.png").expect("path");
    let importer = TextureImporter::default();
    let mut line = format!("import split: decode {decode:.1} ms, mip chain {mips:.1} ms");
    for (name, options) in [("bc7", DevOptions::default()), ("rgba8", DevOptions::fast_textures())]
    {
        let mut meta = AssetMeta::with_id(amsp_core::AssetId::from_u128(1));
        if let Some(settings) = options.default_settings.get("png") {
            meta.settings.extend(settings.clone());
        }
        let input = ImportInput { path: &path, bytes: png, meta: &meta };
        let runs = if name == "bc7" { 2 } else { 5 };
        let whole = median_of(runs, || {
            importer.import(&input).expect("imports");
        });
        line += &format!(", whole import {name} {whole:.1} ms");
    }
    println!("{line}");
}

fn rounds() -> usize {
    if std::env::args().any(|a| a == "--bench") { ROUNDS } else { 3 }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("hot_reload: bench");
        return;
    }
    let pngs = [source_png(1), source_png(2)];
    let mut decode = Vec::new();
    for _ in 0..rounds() {
        let start = Instant::now();
        let image = image::load_from_memory(&pngs[0]).expect("decodes").into_rgba8();
        decode.push(start.elapsed());
        assert_eq!(image.width(), SIZE);
    }
    let (decode_med, decode_min, _) = summary(decode);
    println!(
        "2048x2048 PNG ({:.1} MiB); reference: PNG decode (image crate) median {decode_med:.1} ms, min {decode_min:.1} ms",
        pngs[0].len() as f64 / (1 << 20) as f64
    );
    import_split(&pngs[0]);
    println!(
        "{:<24} {:>12} {:>12} {:>22} {:>26} {:>16}",
        "mode",
        "refresh ms",
        "reload ms",
        "after debounce ms",
        "end to end (50 ms deb.)",
        "x decode"
    );
    let ktx2s = [bc7_ktx2(&pngs[0]), bc7_ktx2(&pngs[1])];
    for (name, file, sources, options) in [
        ("png, bc7 (default)", "albedo.png", &pngs, DevOptions::default()),
        ("png, rgba8 (fast path)", "albedo.png", &pngs, DevOptions::fast_textures()),
        ("ktx2 source (bc7)", "albedo.ktx2", &ktx2s, DevOptions::default()),
        ("ktx2 source, fast path", "albedo.ktx2", &ktx2s, DevOptions::fast_textures()),
    ] {
        let rig = rig(file, &sources[0], options);
        let texture = rig.server.get(&rig.handle).expect("loaded");
        let format = format!("{:?}", texture.format);
        drop(texture);
        let (refresh, reload, total) = direct(&rig, sources);
        let (watch, mean) = watched(&rig, sources, Duration::from_millis(50));
        let (r, _, _) = summary(refresh);
        let (l, _, _) = summary(reload);
        let (t, tmin, tmax) = summary(total);
        let (w, wmin, wmax) = summary(watch);
        println!(
            "{:<24} {r:>12.1} {l:>12.1} {:>22} {:>26} {:>16.2}",
            format!("{name}"),
            format!("{t:.1} ({tmin:.1}-{tmax:.1})"),
            format!("{w:.1} ({wmin:.1}-{wmax:.1})"),
            t / decode_med,
        );
        println!(
            "    format {format}; watcher mean latency (first event to swap) {:.1} ms",
            mean.as_secs_f64() * 1e3
        );
    }
}
