//! BC7 and ASTC (4×4, 6×6) encoding throughput on one core, against packing
//! the same image as plain RGBA8 (a copy) measured in the same run.

use std::time::Duration;

use amsp_formats::texture::encode::{AstcBlock, EncodeQuality, TextureEncoding, encode_level_as};
use amsp_formats::texture::source::{MipLevel, PixelFormat};
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

fn bench(c: &mut Criterion) {
    let level = image();
    let megapixels = f64::from(SIDE * SIDE) / 1e6;
    let mut group = c.benchmark_group("texture_encode_2048");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.warm_up_time(Duration::from_millis(500));
    group.throughput(Throughput::Elements(u64::from(SIDE * SIDE)));

    // Colour is cooked as sRGB: ASTC encodes with the sRGB profile.
    let encode = |encoding| {
        encode_level_as(&level, PixelFormat::Rgba8, encoding, EncodeQuality::Basic, true).unwrap()
    };
    let mut timings = Vec::new();
    for (name, encoding) in [
        ("rgba8_copy", TextureEncoding::Rgba8),
        ("bc7_basic", TextureEncoding::Bc7),
        ("astc_4x4_basic", TextureEncoding::Astc(AstcBlock::B4x4)),
        ("astc_6x6_basic", TextureEncoding::Astc(AstcBlock::B6x6)),
    ] {
        group.bench_function(name, |b| b.iter(|| encode(encoding)));
        // One more timed run for the summary line (criterion keeps its
        // statistics to itself).
        let start = std::time::Instant::now();
        let runs = if encoding == TextureEncoding::Rgba8 { 20 } else { 2 };
        for _ in 0..runs {
            std::hint::black_box(encode(encoding));
        }
        timings.push(start.elapsed().as_secs_f64() / f64::from(runs));
    }
    group.finish();

    let [copy, bc7, astc4, astc6] = [0, 1, 2, 3].map(|i| megapixels / timings[i]);
    println!(
        "summary: 2048x2048 on one core: BC7 basic {bc7:.1} MP/s, RGBA8 copy {copy:.0} MP/s, BC7 takes {:.0}x the copy's time",
        copy / bc7
    );
    println!(
        "summary: 2048x2048 on one core: ASTC 4x4 basic {astc4:.1} MP/s ({:.2}x BC7's time), ASTC 6x6 basic {astc6:.1} MP/s ({:.2}x BC7's time)",
        bc7 / astc4,
        bc7 / astc6
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
