//! Request-path benchmarks: `load` with 10,000 requests pending, `load` of an
//! already registered asset, and `get` of a loaded asset, each beside a
//! reference measured in the same run (an `Arc` allocation plus a lock-free
//! queue push for `load`; an `Arc` clone for `get`).
//!
//! Before the criterion groups, a latency report prints the p50/p99 of single
//! `load` calls (new assets, 10,000 pending), timer overhead subtracted.

use std::hint::black_box;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use amsp_core::{AssetId, AssetPath, PriorityClass};
use amsp_io::{AssetDescriptor, AssetSource, MemorySource, ReadError};
use amsp_runtime::{AssetServer, Handle, Text};
use criterion::{Criterion, criterion_group};
use crossbeam_queue::SegQueue;

const PENDING: usize = 10_000;
const BATCH: usize = 50_000;

/// A source whose reads block until the benchmark is done, so requests stay
/// pending.
struct BlockedSource {
    inner: Arc<MemorySource>,
    open: Mutex<bool>,
    cond: Condvar,
}

impl BlockedSource {
    fn release(&self) {
        *self.open.lock().unwrap() = true;
        self.cond.notify_all();
    }
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

fn paths(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("textures/set{}/tex{i}.ktx2", i % 64)).collect()
}

fn memory_source(paths: &[String]) -> Arc<MemorySource> {
    let mut source = MemorySource::new("bench");
    for (i, p) in paths.iter().enumerate() {
        let id = AssetId::from_u128(i as u128 + 1);
        source.insert(id, AssetPath::new(p).unwrap(), "text", vec![b"x".to_vec()], vec![]);
    }
    Arc::new(source)
}

/// A server with one worker blocked on a read and `PENDING` requests queued.
fn pending_server(memory: &Arc<MemorySource>) -> (AssetServer, Arc<BlockedSource>) {
    let source = Arc::new(BlockedSource {
        inner: Arc::clone(memory),
        open: Mutex::new(false),
        cond: Condvar::new(),
    });
    let server = AssetServer::builder().source(source.clone()).worker_threads(1).build().unwrap();
    for i in 0..PENDING {
        std::mem::forget(server.load::<Text>(AssetId::from_u128(u128::MAX - i as u128)));
    }
    (server, source)
}

/// Median and tail of single calls of `load` for `BATCH` new assets, each
/// call timed on its own.
fn latency_report(memory: &Arc<MemorySource>, paths: &[String]) {
    let overhead = {
        let mut samples: Vec<u64> = (0..BATCH)
            .map(|_| {
                let start = Instant::now();
                black_box(());
                start.elapsed().as_nanos() as u64
            })
            .collect();
        samples.sort_unstable();
        samples[samples.len() / 2]
    };
    let report = |what: &str, mut samples: Vec<u64>| {
        samples.sort_unstable();
        let pct = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
        println!(
            "load ({what}, {PENDING}+ pending): p50 {} ns, p90 {} ns, p99 {} ns \
             (timer overhead {overhead} ns subtracted)",
            pct(0.5),
            pct(0.9),
            pct(0.99)
        );
    };
    for by_path in [true, false] {
        let (server, source) = pending_server(memory);
        let mut handles = Vec::with_capacity(BATCH);
        let samples: Vec<u64> = paths[..BATCH]
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let start = Instant::now();
                let handle = if by_path {
                    server.load_with_priority::<Text>(p.as_str(), PriorityClass::Normal)
                } else {
                    server.load_with_priority::<Text>(
                        AssetId::from_u128(i as u128 + 1),
                        PriorityClass::Normal,
                    )
                };
                let took = start.elapsed().as_nanos() as u64;
                handles.push(handle);
                took.saturating_sub(overhead)
            })
            .collect();
        report(if by_path { "new asset by path" } else { "new asset by id" }, samples);
        source.release();
        drop(handles);
        drop(server);
    }
}

/// Times `iters` requests of new assets, `load(server, i)` for the i-th of
/// each batch, on servers whose reads are held so that requests pile up;
/// releasing and dropping each batch's server is outside the timing.
fn time_pending_loads(
    memory: &Arc<MemorySource>,
    iters: u64,
    load: impl Fn(&AssetServer, usize) -> Handle<Text>,
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(BATCH as u64) as usize;
        let (server, source) = pending_server(memory);
        let mut handles = Vec::with_capacity(n);
        let start = Instant::now();
        for i in 0..n {
            handles.push(load(&server, i));
        }
        total += start.elapsed();
        source.release();
        drop(handles);
        drop(server);
        left -= n as u64;
    }
    total
}

fn bench_load(c: &mut Criterion, memory: &Arc<MemorySource>, paths: &[String]) {
    let mut group = c.benchmark_group("load");
    group.bench_function("reference: Arc::new + SegQueue::push", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(BATCH as u64);
                let queue = SegQueue::new();
                let start = Instant::now();
                for i in 0..n {
                    queue.push(Arc::new(black_box(i)));
                }
                total += start.elapsed();
                left -= n;
            }
            total
        });
    });
    group.bench_function("new asset by path, 10k pending", |b| {
        b.iter_custom(|iters| {
            time_pending_loads(memory, iters, |server, i| server.load::<Text>(paths[i].as_str()))
        });
    });
    group.bench_function("new asset by id, 10k pending", |b| {
        b.iter_custom(|iters| {
            time_pending_loads(memory, iters, |server, i| {
                server.load::<Text>(AssetId::from_u128(i as u128 + 1))
            })
        });
    });
    let (server, source) = pending_server(memory);
    let held = server.load::<Text>(paths[0].as_str());
    group.bench_function("registered asset by path (dedup)", |b| {
        b.iter(|| server.load::<Text>(black_box(paths[0].as_str())));
    });
    group.bench_function("registered asset by id (dedup)", |b| {
        b.iter(|| server.load::<Text>(black_box(AssetId::from_u128(1))));
    });
    source.release();
    drop(held);
    drop(server);
    group.finish();
}

fn bench_get(c: &mut Criterion, memory: &Arc<MemorySource>, paths: &[String]) {
    let server = AssetServer::builder().source(memory.clone()).worker_threads(1).build().unwrap();
    let handle = server.load::<Text>(paths[0].as_str());
    assert!(server.wait_for(&handle, Duration::from_secs(10)).is_loaded());
    let reference = Arc::new(Text::new("x".into()));
    let mut group = c.benchmark_group("get");
    group.bench_function("reference: Arc::clone + drop", |b| {
        b.iter(|| Arc::clone(black_box(&reference)));
    });
    group.bench_function("loaded asset", |b| b.iter(|| server.get(black_box(&handle))));
    group.finish();
}

fn benches(c: &mut Criterion) {
    let paths = paths(BATCH);
    let memory = memory_source(&paths);
    latency_report(&memory, &paths);
    bench_load(c, &memory, &paths);
    bench_get(c, &memory, &paths);
}

criterion_group!(request_path, benches);

fn main() {
    request_path();
    Criterion::default().configure_from_args().final_summary();
}
