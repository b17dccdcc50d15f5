//! UASTC on one core, for a 512×512 image made from the corpus (level 1 of
//! `color_grid.png`'s mip chain):
//!
//! - encoding (cook), against a BC7 encode and an RGBA8 copy of the same
//!   level measured in the same run;
//! - transcoding (load) of the zstd-supercompressed KTX2 level to BC7,
//!   ASTC 4×4, ETC2 and RGBA8, against reading the same level out of the
//!   KTX2 file (zstd decompression only), which is all a texture that needs
//!   no transcoding costs.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use amsp_formats::texture::basis::{
    BasisTranscoder, TextureTarget, UastcPackLevel, UastcQuality, encode_uastc_level, uastc_dfd,
};
use amsp_formats::texture::encode::{EncodeQuality, TextureEncoding, encode_level};
use amsp_formats::texture::ktx2::{
    Ktx2Texture, Ktx2Writer, TextureLimits, VkFormat, WriteSupercompression,
};
use amsp_formats::texture::source::{
    ImageLimits, MipLevel, PixelFormat, TextureRole, build_mips, decode_image,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn image() -> MipLevel {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/textures/images/color_grid.png"
    ));
    let bytes = std::fs::read(path)
        .unwrap_or_else(|e| panic!("the bench image is missing: {}: {e}", path.display()));
    let image = decode_image(&bytes, Some("png"), &ImageLimits::default()).unwrap();
    assert_eq!(image.format, PixelFormat::Rgba8);
    let mut mips = build_mips(&image, TextureRole::Color).unwrap();
    let level = mips.swap_remove(1);
    assert_eq!((level.width, level.height), (512, 512));
    level
}

/// Seconds per call of `f`, from `runs` timed calls (criterion keeps its
/// statistics to itself; the summary needs numbers).
fn seconds(runs: u32, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..runs {
        f();
    }
    start.elapsed().as_secs_f64() / f64::from(runs)
}

fn bench(c: &mut Criterion) {
    let level = image();
    let pixels = u64::from(level.width * level.height);
    let megapixels = pixels as f64 / 1e6;
    let default = UastcQuality::default();
    let fastest = UastcQuality::new(UastcPackLevel::Fastest);

    let mut encode = c.benchmark_group("uastc_encode_512");
    encode.sample_size(10);
    encode.throughput(Throughput::Elements(pixels));
    let copy = |l: &MipLevel| {
        encode_level(l, PixelFormat::Rgba8, TextureEncoding::Rgba8, EncodeQuality::Basic).unwrap()
    };
    let bc7 = |l: &MipLevel| {
        encode_level(l, PixelFormat::Rgba8, TextureEncoding::Bc7, EncodeQuality::Basic).unwrap()
    };
    encode.bench_function("rgba8_copy", |b| b.iter(|| copy(&level)));
    encode.bench_function("bc7_basic", |b| b.iter(|| bc7(&level)));
    encode.bench_function("uastc_fastest", |b| {
        b.iter(|| encode_uastc_level(&level, true, fastest).unwrap())
    });
    encode.bench_function("uastc_default", |b| {
        b.iter(|| encode_uastc_level(&level, true, default).unwrap())
    });
    encode.bench_function("uastc_default_rdo1", |b| {
        b.iter(|| encode_uastc_level(&level, true, default.with_rdo(1.0)).unwrap())
    });
    encode.finish();

    let t_copy = seconds(50, || drop(black_box(copy(&level))));
    let t_bc7 = seconds(3, || drop(black_box(bc7(&level))));
    let t_fastest = seconds(3, || drop(black_box(encode_uastc_level(&level, true, fastest))));
    let t_default = seconds(2, || drop(black_box(encode_uastc_level(&level, true, default))));
    let t_rdo =
        seconds(2, || drop(black_box(encode_uastc_level(&level, true, default.with_rdo(1.0)))));

    let blocks = encode_uastc_level(&level, true, default).unwrap();
    let file = Ktx2Writer::new(VkFormat::Undefined, level.width, level.height)
        .dfd(uastc_dfd(true, false))
        .supercompression(WriteSupercompression::Zstd { level: 9 })
        .write(&[&blocks])
        .unwrap();
    let ktx = Ktx2Texture::parse(file.bytes(), &TextureLimits::default()).unwrap();
    let transcoder = BasisTranscoder::new(&ktx).unwrap();

    let mut transcode = c.benchmark_group("uastc_transcode_512");
    transcode.sample_size(20);
    transcode.throughput(Throughput::Elements(pixels));
    transcode.bench_function("zstd_level_read", |b| b.iter(|| ktx.level(0).unwrap()));
    let targets = [
        ("bc7", TextureTarget::Desktop),
        ("astc_4x4", TextureTarget::Mobile),
        ("etc2_rgb", TextureTarget::MobileEtc2),
        ("rgba8", TextureTarget::Uncompressed),
    ];
    for (name, target) in targets {
        transcode
            .bench_function(name, |b| b.iter(|| transcoder.transcode_level(0, target).unwrap()));
    }
    transcode.finish();

    let t_read = seconds(50, || drop(black_box(ktx.level(0).unwrap())));
    let mp = |t: f64| megapixels / t;
    println!(
        "summary: UASTC encode of 512x512 on one core: fastest {:.2} MP/s, default {:.2} MP/s, default+RDO(1.0) {:.2} MP/s; \
         same-run references: BC7 basic {:.2} MP/s (UASTC default takes {:.1}x its time), RGBA8 copy {:.0} MP/s",
        mp(t_fastest),
        mp(t_default),
        mp(t_rdo),
        mp(t_bc7),
        t_default / t_bc7,
        mp(t_copy)
    );
    let mut line = String::new();
    for (name, target) in targets {
        let t = seconds(20, || drop(black_box(transcoder.transcode_level(0, target).unwrap())));
        line += &format!(" {name} {:.0} MP/s ({:.1}x the level read);", mp(t), t / t_read);
    }
    println!(
        "summary: UASTC transcode of 512x512 (zstd level, {} bytes in the file) on one core:{line} reference: reading the zstd level {:.0} MP/s",
        file.mip_level_ranges()[0].len(),
        mp(t_read)
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
