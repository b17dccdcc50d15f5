//! `DiskCache::get` of a cached 1 MiB entry against the floor it pays for:
//! `std::fs::read` of a file of the same bytes plus an XXH3-64 of them,
//! measured in the same run.

use std::hint::black_box;

use amsp_core::ContentHash;
use amsp_io::{CacheKey, DiskCache, DiskCacheConfig};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use xxhash_rust::xxh3::xxh3_64;

const SIZE: usize = 1 << 20;

fn payload() -> Vec<u8> {
    // Incompressible-looking bytes (the cache does not compress anyway).
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..SIZE)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

fn get_group(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = payload();
    let cache = DiskCache::open(
        tmp.path().join("cache"),
        DiskCacheConfig { max_bytes: 64 << 20, ..DiskCacheConfig::default() },
    )
    .unwrap();
    let key = CacheKey::new(ContentHash([0x42; 32]), "bench", 1);
    cache.put(&key, &bytes).unwrap();
    let plain = tmp.path().join("plain.bin");
    std::fs::write(&plain, &bytes).unwrap();

    let mut group = c.benchmark_group("disk_cache_get_1mib");
    group.throughput(Throughput::Bytes(SIZE as u64));
    group.bench_function("disk_cache_get", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            assert!(cache.get_into(black_box(&key), &mut out));
            black_box(out.len())
        });
    });
    group.bench_function("disk_cache_get_alloc", |b| {
        b.iter(|| black_box(cache.get(black_box(&key)).unwrap().len()));
    });
    group.bench_function("reference_fs_read_xxh3", |b| {
        b.iter(|| {
            let data = std::fs::read(black_box(&plain)).unwrap();
            black_box(xxh3_64(&data))
        });
    });
    group.finish();
}

criterion_group!(benches, get_group);
criterion_main!(benches);
