//! The transcode cache (disk cache, L2) against transcoding, on one core,
//! for a 512×512 UASTC texture with its full mip chain (10 levels, zstd
//! supercompressed) made from the corpus (`color_grid.png`, levels 1 and
//! down of its chain), read from its cooked chunks in memory:
//!
//! - `transcode`: `read_texture`, every level transcoded (the reference);
//! - `cache_hit`: `read_texture_cached` with every level in the cache
//!   (each read from its file, verified, its length checked; the stored
//!   level is still hashed for the key);
//! - `miss_store` / `miss_store_nosync`: `read_texture_cached` with an empty
//!   cache: every level transcoded and written to the cache, with the
//!   default synced writes and without syncing.
//!
//! Each for BC7 (desktop) and RGBA8 (4× the bytes); the summary prints the
//! ratios against `transcode` measured in the same run.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use amsp_formats::texture::basis::{
    TextureTarget, UastcPackLevel, UastcQuality, encode_uastc_level, uastc_dfd,
};
use amsp_formats::texture::ktx2::{Ktx2Writer, TextureLimits, VkFormat, WriteSupercompression};
use amsp_formats::texture::layout::split_into_chunks;
use amsp_formats::texture::source::{
    ImageLimits, PixelFormat, TextureRole, build_mips, decode_image,
};
use amsp_formats::texture::{MipSelection, Texture, read_texture, read_texture_cached};
use amsp_io::{DiskCache, DiskCacheConfig};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

/// The cooked chunks of the bench texture: header first, then one per level.
fn chunks() -> Vec<Vec<u8>> {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/textures/images/color_grid.png"
    ));
    let bytes = std::fs::read(path)
        .unwrap_or_else(|e| panic!("the bench image is missing: {}: {e}", path.display()));
    let image = decode_image(&bytes, Some("png"), &ImageLimits::default()).unwrap();
    assert_eq!(image.format, PixelFormat::Rgba8);
    let mips = build_mips(&image, TextureRole::Color).unwrap();
    let quality = UastcQuality::new(UastcPackLevel::Fastest);
    let levels: Vec<Vec<u8>> =
        mips[1..].iter().map(|l| encode_uastc_level(l, true, quality).unwrap()).collect();
    assert_eq!((mips[1].width, mips[1].height, levels.len()), (512, 512, 10));
    let level_refs: Vec<&[u8]> = levels.iter().map(Vec::as_slice).collect();
    let file = Ktx2Writer::new(VkFormat::Undefined, 512, 512)
        .dfd(uastc_dfd(true, true))
        .supercompression(WriteSupercompression::Zstd { level: 9 })
        .write(&level_refs)
        .unwrap();
    split_into_chunks(file.bytes(), file.mip_level_ranges())
}

fn load(chunks: &[Vec<u8>], target: TextureTarget, cache: Option<&DiskCache>) -> Texture {
    let read = |chunk: u32, out: &mut Vec<u8>| -> Result<(), ()> {
        out.clear();
        out.extend_from_slice(&chunks[chunk as usize]);
        Ok(())
    };
    let limits = TextureLimits::default();
    match cache {
        Some(cache) => read_texture_cached(read, MipSelection::All, target, &limits, Some(cache)),
        None => read_texture(read, MipSelection::All, target, &limits),
    }
    .unwrap()
}

fn open(dir: &Path, sync_writes: bool) -> DiskCache {
    DiskCache::open(dir, DiskCacheConfig { max_bytes: 1 << 30, sync_writes }).unwrap()
}

/// Seconds per call of `f`, from `runs` timed calls.
fn seconds(runs: u32, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..runs {
        f();
    }
    start.elapsed().as_secs_f64() / f64::from(runs)
}

/// Seconds per load into a new, empty cache (opening it is not timed).
fn miss_seconds(runs: u32, chunks: &[Vec<u8>], target: TextureTarget, sync: bool) -> f64 {
    let mut total = Duration::ZERO;
    for _ in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let cache = open(dir.path(), sync);
        let start = Instant::now();
        black_box(load(chunks, target, Some(&cache)));
        total += start.elapsed();
        assert_eq!(cache.stats().writes, 10);
    }
    total.as_secs_f64() / f64::from(runs)
}

fn bench(c: &mut Criterion) {
    let chunks = chunks();
    let stored: usize = chunks.iter().map(Vec::len).sum();
    let targets = [("bc7", TextureTarget::Desktop), ("rgba8", TextureTarget::Uncompressed)];
    let warm_dir = tempfile::tempdir().unwrap();
    let warm = open(warm_dir.path(), true);
    for (_, target) in targets {
        // Fill the cache, and check that a hit gives the transcoded bytes.
        let plain = load(&chunks, target, None);
        assert_eq!(load(&chunks, target, Some(&warm)), plain);
        assert_eq!(load(&chunks, target, Some(&warm)), plain);
    }
    assert_eq!(warm.stats().hits, 20);

    let mut group = c.benchmark_group("uastc_512_mips_load");
    group.sample_size(20);
    for (name, target) in targets {
        group.bench_function(format!("{name}/transcode"), |b| {
            b.iter(|| load(&chunks, target, None));
        });
        group.bench_function(format!("{name}/cache_hit"), |b| {
            b.iter(|| load(&chunks, target, Some(&warm)));
        });
        for (case, sync) in [("miss_store", true), ("miss_store_nosync", false)] {
            group.bench_function(format!("{name}/{case}"), |b| {
                b.iter_batched(
                    || {
                        let dir = tempfile::tempdir().unwrap();
                        let cache = open(dir.path(), sync);
                        (dir, cache)
                    },
                    |(dir, cache)| {
                        let texture = load(&chunks, target, Some(&cache));
                        (dir, cache, texture)
                    },
                    BatchSize::PerIteration,
                );
            });
        }
    }
    group.finish();

    // Criterion keeps its statistics to itself: more timed runs for the
    // summary, only when benchmarking (not in `cargo test`).
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let mut line = String::new();
    for (name, target) in targets {
        let t_plain = seconds(20, || drop(black_box(load(&chunks, target, None))));
        let t_hit = seconds(50, || drop(black_box(load(&chunks, target, Some(&warm)))));
        let t_miss = miss_seconds(10, &chunks, target, true);
        let t_miss_nosync = miss_seconds(10, &chunks, target, false);
        let bytes: usize = load(&chunks, target, None).mips.iter().map(Vec::len).sum();
        line += &format!(
            " {name} ({bytes} bytes): transcode {:.2} ms, cache hit {:.2} ms ({:.1}x faster), \
             miss+store {:.2} ms synced ({:.2}x the transcode) / {:.2} ms unsynced ({:.2}x);",
            t_plain * 1e3,
            t_hit * 1e3,
            t_plain / t_hit,
            t_miss * 1e3,
            t_miss / t_plain,
            t_miss_nosync * 1e3,
            t_miss_nosync / t_plain,
        );
    }
    println!(
        "summary: 512x512 UASTC texture, 10 levels, {stored} bytes cooked, all levels loaded on one core:{line}"
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
