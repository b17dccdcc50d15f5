//! Scheduler benchmarks, each beside a reference measured in the same run:
//!
//! - `critical_behind_low`: the latency of a Critical request (from `load`
//!   to its loader's end, stamped by the loader and sent on a channel, so
//!   that the measuring thread sleeps until then instead of waking at every
//!   completion) submitted right after 10,000 Low requests, against the same
//!   request on an idle server. Before the criterion group a report prints
//!   p50/p99 over many trials of both, alternating.
//! - `reprioritise_10k`: `set_priorities` on 10,000 queued requests (the
//!   caller's cost: recording), and with the re-keying applied (`maintain`,
//!   the O(log n) work a job does before its next pick), against re-keying
//!   10,000 entries of a `BTreeMap` directly.
//!
//! Assets are 16 KiB blobs in a `MemorySource` (the scheduler's costs, not
//! the disk's).

use std::hint::black_box;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use amsp_bench::cores;
use amsp_core::{AssetId, AssetPath, Priority, PriorityClass};
use amsp_io::{AssetDescriptor, AssetSource, MemorySource, ReadError};
use amsp_runtime::{
    Asset, AssetLoader, AssetServer, Blob, Handle, LoadContext, LoadError, LoadInput,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const QUEUED: u128 = 10_000;
/// Trials of the latency report (`AMSP_TRIALS` overrides it).
const TRIALS: usize = 400;

fn trials() -> usize {
    std::env::var("AMSP_TRIALS").ok().and_then(|t| t.parse().ok()).unwrap_or(TRIALS)
}
const BLOB: usize = 16 << 10;

fn id(n: u128) -> AssetId {
    AssetId::from_u128(n)
}

fn source(n: u128) -> Arc<MemorySource> {
    let mut source = MemorySource::new("bench");
    for i in 1..=n {
        let path = AssetPath::new(&format!("b/{i}.bin")).unwrap();
        let ty = if i > QUEUED { "stamp" } else { "blob" };
        source.insert(id(i), path, ty, vec![vec![i as u8; BLOB]], vec![]);
    }
    Arc::new(source)
}

/// The Critical request's asset: its bytes, loaded like a `Blob`.
struct Stamp(Vec<u8>);

impl Asset for Stamp {
    const TYPE_NAME: &'static str = "Stamp";

    fn byte_size(&self) -> usize {
        self.0.len()
    }
}

/// Reads the bytes, then sends the times its loader started and ended.
struct StampLoader(Mutex<Sender<(Instant, Instant)>>);

impl AssetLoader for StampLoader {
    type Asset = Stamp;

    fn asset_types(&self) -> &[&str] {
        &["stamp"]
    }

    fn load(&self, input: LoadInput, _ctx: &mut LoadContext<'_>) -> Result<Stamp, LoadError> {
        let started = Instant::now();
        let stamp = Stamp(input.read_all()?);
        let _ = self.0.lock().unwrap().send((started, Instant::now()));
        Ok(stamp)
    }
}

struct Bench {
    server: AssetServer,
    done: Receiver<(Instant, Instant)>,
}

fn bench_server(source: Arc<dyn AssetSource>, workers: usize) -> Bench {
    let server = AssetServer::builder().source(source).worker_threads(workers).build().unwrap();
    let (tx, done) = mpsc::channel();
    server.register_loader(StampLoader(Mutex::new(tx)));
    Bench { server, done }
}

fn critical_ids() -> impl Iterator<Item = u128> {
    (QUEUED + 1..=QUEUED + 1_000).cycle()
}

/// One Critical request, from `load` to the end of its loader.
fn critical(bench: &Bench, n: u128) -> Duration {
    critical_split(bench, n).0
}

/// One Critical request: from `load` to the end of its loader, and from
/// `load` to the start of its loader (the wait for a worker).
fn critical_split(bench: &Bench, n: u128) -> (Duration, Duration) {
    let start = Instant::now();
    let handle = bench.server.load_with_priority::<Stamp>(id(n), PriorityClass::Critical);
    let (began, end) =
        bench.done.recv_timeout(Duration::from_secs(30)).expect("the Critical load ran");
    assert!(bench.server.wait_for(&handle, Duration::from_secs(30)).is_loaded());
    (end.duration_since(start), began.saturating_duration_since(start))
}

/// The same, right after 10,000 Low requests; then the Low requests are
/// dropped (cancelling those still queued) and everything unloaded, outside
/// the timing.
fn critical_behind_low(bench: &Bench, n: u128) -> Duration {
    critical_behind_low_split(bench, n).0
}

/// [`critical_behind_low`] with the wait for a worker.
fn critical_behind_low_split(bench: &Bench, n: u128) -> (Duration, Duration) {
    let lows: Vec<Handle<Blob>> =
        (1..=QUEUED).map(|i| bench.server.load_with_priority(id(i), PriorityClass::Low)).collect();
    let took = critical_split(bench, n);
    drop(lows);
    clean(bench);
    took
}

fn clean(bench: &Bench) {
    assert!(bench.server.wait_idle(Duration::from_secs(30)));
    bench.server.unload_unused();
}

/// p50, p90, p99.
fn percentiles(mut samples: Vec<Duration>) -> [Duration; 3] {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    [at(0.5), at(0.9), at(0.99)]
}

fn latency_report(bench: &Bench, workers: usize) {
    let mut ids = critical_ids();
    // Trials alternate, so both sides see the same machine load.
    let trials = trials();
    let mut idle = Vec::with_capacity(trials);
    let mut loaded = Vec::with_capacity(trials);
    let (mut idle_wait, mut loaded_wait) = (Vec::new(), Vec::new());
    for _ in 0..trials {
        let (took, wait) = critical_split(bench, ids.next().unwrap());
        idle.push(took);
        idle_wait.push(wait);
        clean(bench);
        let (took, wait) = critical_behind_low_split(bench, ids.next().unwrap());
        loaded.push(took);
        loaded_wait.push(wait);
    }
    let [idle50, idle90, idle99] = percentiles(idle);
    let [loaded50, loaded90, loaded99] = percentiles(loaded);
    let [iw50, _, iw99] = percentiles(idle_wait);
    let [lw50, _, lw99] = percentiles(loaded_wait);
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!(
        "critical request, {trials} trials, {workers} workers: \
         idle p50 {idle50:?} p90 {idle90:?} p99 {idle99:?}; \
         behind {QUEUED} Low p50 {loaded50:?} p90 {loaded90:?} p99 {loaded99:?}; \
         ratios p50 {:.2}x p90 {:.2}x p99 {:.2}x; \
         wait for a worker: idle p50 {iw50:?} p99 {iw99:?}, behind Low p50 {lw50:?} p99 {lw99:?}",
        ratio(loaded50, idle50),
        ratio(loaded90, idle90),
        ratio(loaded99, idle99),
    );
}

fn bench_critical(c: &mut Criterion) {
    let source = source(QUEUED + 1_000);
    // With a worker per core, and with one core left to the requesting
    // thread (on a small machine the OS scheduler otherwise dominates the
    // tail).
    for workers in [cores(), cores().saturating_sub(1).max(1)] {
        latency_report(&bench_server(source.clone(), workers), workers);
    }
    let bench = bench_server(source, cores());
    let mut group = c.benchmark_group("critical_behind_low");
    let mut ids = critical_ids();
    group.bench_function("reference: idle server", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let took = critical(&bench, ids.next().unwrap());
                    clean(&bench);
                    took
                })
                .sum()
        })
    });
    group.bench_function("behind 10k Low", |b| {
        b.iter_custom(|iters| {
            (0..iters).map(|_| critical_behind_low(&bench, ids.next().unwrap())).sum()
        })
    });
    group.finish();
}

/// A source whose reads block until released, so requests stay queued.
struct BlockedSource {
    inner: Arc<MemorySource>,
    open: Mutex<bool>,
    cond: Condvar,
}

impl AssetSource for BlockedSource {
    fn name(&self) -> &str {
        "blocked"
    }

    fn resolve(&self, path: &AssetPath) -> Option<AssetId> {
        self.inner.resolve(path)
    }

    fn describe(&self, id: AssetId) -> Option<Arc<AssetDescriptor>> {
        self.inner.describe(id)
    }

    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError> {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.cond.wait(open).unwrap();
        }
        drop(open);
        self.inner.read_chunk(id, chunk, out)
    }
}

fn bench_reprioritise(c: &mut Criterion) {
    let blocked = Arc::new(BlockedSource {
        inner: source(QUEUED + 1),
        open: Mutex::new(false),
        cond: Condvar::new(),
    });
    let server = AssetServer::builder().source(blocked.clone()).worker_threads(1).build().unwrap();
    // The worker blocks on the first request's read; the rest stay queued.
    let _blocker = server.load::<Blob>(id(QUEUED + 1));
    let handles: Vec<Handle<Blob>> =
        (1..=QUEUED).map(|i| server.load_with_priority(id(i), PriorityClass::Low)).collect();
    server.maintain();
    let mut round = 0u32;
    let mut next_priorities = || {
        round += 1;
        let shift = round as f32;
        move |i: usize| Priority::with_urgency(PriorityClass::Normal, (i as f32 + shift) % 977.0)
    };

    let mut group = c.benchmark_group("reprioritise_10k");
    group.throughput(Throughput::Elements(QUEUED as u64));
    group.bench_function("reference: BTreeMap re-key of 10k entries", |b| {
        let mut map: std::collections::BTreeMap<(u64, u64), usize> =
            (0..QUEUED as u64).map(|i| ((i, i), i as usize)).collect();
        let mut keys: Vec<(u64, u64)> = map.keys().copied().collect();
        let mut shift = 0u64;
        b.iter(|| {
            shift += 1;
            for (i, key) in keys.iter_mut().enumerate() {
                let value = map.remove(key).unwrap();
                *key = ((i as u64 * 7919 + shift) % 10_007, key.1);
                map.insert(*key, value);
            }
            black_box(&map);
        })
    });
    group.bench_function("set_priorities (recorded)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let p = next_priorities();
                let start = Instant::now();
                let changed =
                    server.set_priorities(handles.iter().enumerate().map(|(i, h)| (h, p(i))));
                total += start.elapsed();
                assert_eq!(changed, QUEUED as usize);
                server.maintain();
            }
            total
        })
    });
    group.bench_function("set_priorities + applied (maintain)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let p = next_priorities();
                let start = Instant::now();
                server.set_priorities(handles.iter().enumerate().map(|(i, h)| (h, p(i))));
                server.maintain();
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
    *blocked.open.lock().unwrap() = true;
    blocked.cond.notify_all();
}

criterion_group!(benches, bench_critical, bench_reprioritise);
criterion_main!(benches);
