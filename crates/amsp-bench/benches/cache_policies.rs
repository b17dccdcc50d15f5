//! The memory cache: eviction policies' hit ratios on the same traces, the
//! hit path's cost, and the cache's memory overhead per asset.
//!
//! - Hit ratios of LRU, LFU and S3-FIFO at several capacities on a
//!   synthetic Zipf trace with one-time scans and, when `AMSP_TRACE` names
//!   a file written by `amsp simulate --trace`, on the level requests the
//!   simulation made (per path, AMSP's strategy).
//! - `get` of a loaded asset and `load` of a cached unused one (the L1 hit
//!   path), beside `Arc::clone` of the same value.
//! - Overhead: heap bytes the server holds per cached asset beyond the
//!   asset's own bytes, counted by a counting allocator, for 1,000 assets
//!   of several sizes.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

use amsp_core::{AssetId, AssetPath};
use amsp_io::MemorySource;
use amsp_runtime::cache::CachePolicy;
use amsp_runtime::cache::trace::{Access, replay, zipf_with_scans};
use amsp_runtime::{AssetServer, Blob};
use criterion::{Criterion, criterion_group, criterion_main};

/// Counts live heap bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator and only counts.
#[allow(unsafe_code, reason = "a counting allocator for the overhead measurement")]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The unique bytes a trace touches.
fn footprint<K: Copy + Eq + std::hash::Hash>(trace: &[Access<K>]) -> usize {
    let mut seen = HashMap::new();
    for &(k, b) in trace {
        seen.insert(k, b);
    }
    seen.values().sum()
}

fn hit_ratio_report(name: &str, trace: &[Access<u64>]) {
    let total = footprint(trace);
    let warmup = trace.len() / 10;
    for share in [0.01, 0.05, 0.1, 0.25] {
        let capacity = (total as f64 * share) as usize;
        let mut row = format!(
            "hit ratio {name:<22} {:>9} accesses, capacity {:>4.0}% of {:>6.1} MiB:",
            trace.len(),
            share * 100.0,
            total as f64 / (1 << 20) as f64
        );
        for kind in CachePolicy::ALL {
            let mut policy = kind.build::<u64>();
            let stats = replay(policy.as_mut(), capacity, trace, warmup);
            row.push_str(&format!(
                "  {} {:.3} ({:.3} of bytes)",
                policy.name(),
                stats.hit_ratio(),
                stats.byte_hit_ratio()
            ));
        }
        println!("{row}");
    }
}

fn simulate_traces() -> Vec<(String, Vec<Access<u64>>)> {
    let Some(file) = std::env::var_os("AMSP_TRACE") else { return Vec::new() };
    let text = std::fs::read_to_string(&file).expect("AMSP_TRACE names a readable file");
    let mut by_path: Vec<(String, Vec<Access<u64>>)> = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let [path, strategy, key, bytes] = f[..] else { continue };
        if strategy != "amsp" {
            continue;
        }
        let (Ok(key), Ok(bytes)) = (key.parse::<u64>(), bytes.parse::<usize>()) else { continue };
        match by_path.iter_mut().find(|(p, _)| p == path) {
            Some((_, t)) => t.push((key, bytes)),
            None => by_path.push((path.to_owned(), vec![(key, bytes)])),
        }
    }
    by_path
}

fn source(n: u128, size: usize) -> Arc<MemorySource> {
    let mut source = MemorySource::new("bench");
    for i in 1..=n {
        let path = AssetPath::new(&format!("b/{i}.bin")).unwrap();
        source.insert(AssetId::from_u128(i), path, "blob", vec![vec![i as u8; size]], vec![]);
    }
    Arc::new(source)
}

/// Heap bytes per cached asset beyond its own bytes.
fn overhead_report() {
    for size in [1024usize, 4096, 16 << 10, 256 << 10] {
        let n = 1000u128;
        let source = source(n, size);
        let server = AssetServer::builder()
            .source(source)
            .worker_threads(1)
            .memory_budget(usize::MAX / 2)
            .build()
            .unwrap();
        let before = LIVE.load(Ordering::Relaxed);
        let handles: Vec<amsp_runtime::Handle<Blob>> =
            (1..=n).map(|i| server.load(AssetId::from_u128(i))).collect();
        assert!(server.wait_idle(Duration::from_secs(60)));
        server.maintain();
        // In use: the slots, registry entries and values, and the handles'
        // vector (which goes with them).
        let handles_vec = (handles.capacity() * size_of::<amsp_runtime::Handle<Blob>>()) as isize;
        let in_use = LIVE.load(Ordering::Relaxed) - before - handles_vec;
        drop(handles);
        server.maintain();
        let stats = server.stats();
        assert_eq!(stats.unused, n as usize);
        let held = (LIVE.load(Ordering::Relaxed) - before) as f64;
        let payload = stats.loaded_bytes as f64;
        let per_asset = (held - payload) / n as f64;
        // What becoming a cache entry adds to a loaded asset: the policy's
        // bookkeeping.
        let bookkeeping = (held - in_use as f64) / n as f64;
        println!(
            "overhead: {n} cached unused assets of {size:>6} B: {per_asset:.0} B each \
             beyond the asset's bytes ({:.2}% of them); the cache's bookkeeping {bookkeeping:.0} B \
             ({:.2}%)",
            per_asset / size as f64 * 100.0,
            bookkeeping / size as f64 * 100.0
        );
    }
}

fn bench(c: &mut Criterion) {
    let zipf = zipf_with_scans(20_000, 400_000, 0.9, 20_000, 4_000, 1);
    hit_ratio_report("zipf 0.9 + scans", &zipf);
    let zipf = zipf_with_scans(20_000, 400_000, 1.1, 0, 0, 2);
    hit_ratio_report("zipf 1.1", &zipf);
    for (path, trace) in simulate_traces() {
        hit_ratio_report(&format!("simulate {path}"), &trace);
    }
    overhead_report();

    let server = AssetServer::builder().source(source(2, 16 << 10)).build().unwrap();
    let handle = server.load::<Blob>(AssetId::from_u128(1));
    assert!(server.wait_idle(Duration::from_secs(10)));
    let cached = server.load::<Blob>(AssetId::from_u128(2));
    assert!(server.wait_idle(Duration::from_secs(10)));
    drop(cached);
    server.maintain();
    let value = server.get(&handle).unwrap();
    let mut group = c.benchmark_group("l1_hit");
    group.bench_function("reference: Arc::clone of the value", |b| {
        b.iter(|| black_box(Arc::clone(black_box(&value))));
    });
    group.bench_function("get of a loaded asset", |b| {
        b.iter(|| black_box(server.get(black_box(&handle))));
    });
    group.bench_function("load of a cached unused asset, then get", |b| {
        b.iter(|| {
            let h = server.load::<Blob>(AssetId::from_u128(2));
            black_box(server.get(&h))
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
