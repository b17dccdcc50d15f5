//! BC7 and ASTC (4×4, 6×6) encoding throughput on one core, against packing
//! the same image as plain RGBA8 (a copy) measured in the same run, on two
//! inputs: a synthetic 2048×2048 gradient with per-texel noise, and a corpus
//! drawing tiled to 1200×1272.
//!
//! The two disagree on purpose: per-texel noise never meets astcenc's error
//! targets, so its search runs to the end of its preset on every block and
//! ASTC is several times slower than BC7 there, while on the drawing most
//! blocks stop early and ASTC is faster than BC7.

use std::time::Duration;

use amsp_formats::texture::encode::{AstcBlock, EncodeQuality, TextureEncoding, encode_level_on};
use amsp_formats::texture::source::{ImageLimits, MipLevel, PixelFormat, decode_image};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const SIDE: u32 = 2048;

/// A 2048×2048 opaque image: gradients plus deterministic noise, so that the
/// encoder neither sees flat blocks nor pure noise.
fn image() -> MipLevel {
    let mut state = 0x2545_f491_u32;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state % 24) as i32 - 12
    };
    let mut data = Vec::with_capacity((SIDE * SIDE * 4) as usize);
    for y in 0..SIDE as i32 {
        for x in 0..SIDE as i32 {
            let r = (x / 8 + noise()).clamp(0, 255);
            let g = (y / 8 + noise()).clamp(0, 255);
            let b = ((x + y) / 16 + noise()).clamp(0, 255);
            data.extend([r as u8, g as u8, b as u8, 255]);
        }
    }
    MipLevel { width: SIDE, height: SIDE, data }
}

/// A corpus drawing (`fist.png`, 300×424, flat areas, shading and hard
/// edges) tiled 4×3 into a 1200×1272 image: content like a real texture's.
fn corpus_image() -> MipLevel {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/textures/images/fist.png");
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("bench corpus missing: {path}: {e}"));
    let image = decode_image(&bytes, Some("png"), &ImageLimits::default()).unwrap();
    assert_eq!(image.format, PixelFormat::Rgba8);
    let (w, h) = (image.width as usize, image.height as usize);
    let mut data = Vec::with_capacity(w * 4 * h * 3 * 4);
    for _ in 0..3 {
        for row in image.data.chunks_exact(w * 4) {
            for _ in 0..4 {
                data.extend_from_slice(row);
            }
        }
    }
    MipLevel { width: image.width * 4, height: image.height * 3, data }
}

/// Times every encoding on `level` in criterion group `group_name`, then
/// prints MP/s for each and ratios against BC7.
fn bench_image(c: &mut Criterion, group_name: &str, level: &MipLevel) {
    let texels = u64::from(level.width) * u64::from(level.height);
    let megapixels = texels as f64 / 1e6;
    let mut group = c.benchmark_group(group_name);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.warm_up_time(Duration::from_millis(500));
    group.throughput(Throughput::Elements(texels));

    // Colour is cooked as sRGB: ASTC encodes with the sRGB profile.
    // One core, as a cook of many textures runs each (the figures below);
    // large BCn levels of a texture imported alone use every core.
    let encode_on = |encoding, threads| {
        encode_level_on(level, PixelFormat::Rgba8, encoding, EncodeQuality::Basic, true, threads)
            .unwrap()
    };
    let encode = |encoding| encode_on(encoding, 1);
    // Criterion keeps its statistics to itself: one more timed run of each
    // for the summary lines, only when benchmarking (not in `cargo test`).
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let mut rates = Vec::new();
    for (name, encoding) in [
        ("rgba8_copy", TextureEncoding::Rgba8),
        ("bc7_basic", TextureEncoding::Bc7),
        ("astc_4x4_basic", TextureEncoding::Astc(AstcBlock::B4x4)),
        ("astc_6x6_basic", TextureEncoding::Astc(AstcBlock::B6x6)),
    ] {
        group.bench_function(name, |b| b.iter(|| encode(encoding)));
        if benchmarking {
            let runs = if encoding == TextureEncoding::Rgba8 { 20 } else { 2 };
            let start = std::time::Instant::now();
            for _ in 0..runs {
                std::hint::black_box(encode(encoding));
            }
            rates.push(megapixels * f64::from(runs) / start.elapsed().as_secs_f64());
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    group.bench_function("bc7_basic_all_cores", |b| {
        b.iter(|| encode_on(TextureEncoding::Bc7, cores));
    });
    let bc7_all = if benchmarking {
        let start = std::time::Instant::now();
        for _ in 0..2 {
            std::hint::black_box(encode_on(TextureEncoding::Bc7, cores));
        }
        megapixels * 2.0 / start.elapsed().as_secs_f64()
    } else {
        0.0
    };
    group.finish();

    if let [copy, bc7, astc4, astc6] = rates[..] {
        println!(
            "summary {group_name}: BC7 basic on {cores} threads (bands of block rows) {bc7_all:.2} MP/s, {:.2}x one core",
            bc7_all / bc7
        );
        let (w, h) = (level.width, level.height);
        println!(
            "summary {group_name}: {w}x{h} on one core: BC7 basic {bc7:.2} MP/s, RGBA8 copy {copy:.0} MP/s, BC7 takes {:.0}x the copy's time",
            copy / bc7
        );
        println!(
            "summary {group_name}: ASTC 4x4 basic {astc4:.2} MP/s ({:.2}x BC7's time), ASTC 6x6 basic {astc6:.2} MP/s ({:.2}x BC7's time)",
            bc7 / astc4,
            bc7 / astc6
        );
    }
}

fn bench(c: &mut Criterion) {
    bench_image(c, "texture_encode_2048", &image());
    bench_image(c, "texture_encode_corpus", &corpus_image());
}

criterion_group!(benches, bench);
criterion_main!(benches);
