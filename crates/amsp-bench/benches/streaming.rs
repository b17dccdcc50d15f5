//! Streaming every entry of a cooked zstd pack through the `AssetServer`,
//! against the reference (positioned reads + decompression of the same
//! entries on all cores, no server), in the same run.
//!
//! Fixtures: 3,000 synthetic assets (JSON, RON, CSV, Lua, text, binary;
//! 256 B to 256 KiB, about 110 MiB), cooked with zstd level 3, read from the
//! page cache.
//! - `stream_blobs`: no dependency edges, every asset loaded as a `Blob` (raw
//!   bytes): the server's own cost over the reference.
//! - `stream_typed_deps`: a layered dependency graph, each asset loaded as its
//!   natural type (`Text` validates UTF-8), dependencies tracked.
//!
//! Before each criterion group, the ratio is measured with reference and
//! server rounds alternating (machine load on shared hosts drifts between
//! groups run one after the other).
//!
//! Each side times itself from the first request (or thread start) to the
//! last byte in memory; freeing the loaded assets afterwards is outside the
//! measured time for both.

use std::sync::Arc;

use amsp_bench::{
    CookedFixture, StreamMode, cores, interleaved_ratio, open_packs, reference_read, stream_all,
    streaming_spec,
};
use amsp_io::CookedSource;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn group(c: &mut Criterion, name: &str, dependencies: bool, mode: StreamMode) {
    let fixture = CookedFixture::new(&streaming_spec(3000, dependencies));
    let packs = open_packs(&fixture.out());
    let source = Arc::new(CookedSource::open(fixture.out()).expect("cooked output opens"));
    let threads = cores();
    let (bytes, _) = reference_read(&packs, threads); // warms the page cache
    let ratio = interleaved_ratio(&packs, &source, threads, mode, 30);
    println!(
        "{name}: AssetServer at {:.0}% of the reference's throughput \
         (medians of 30 alternating rounds: server {:.1} ms, reference {:.1} ms, {:.0} MB, {threads} threads)",
        ratio.fraction() * 100.0,
        ratio.server.as_secs_f64() * 1e3,
        ratio.reference.as_secs_f64() * 1e3,
        ratio.bytes as f64 / 1e6
    );

    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(20);
    group.bench_function("reference_pread_zstd", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| reference_read(&packs, threads).1).sum())
    });
    group.bench_function("asset_server", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| stream_all(&source, threads, mode).1).sum())
    });
    group.finish();
}

fn streaming(c: &mut Criterion) {
    group(c, "stream_blobs", false, StreamMode::Blobs);
    group(c, "stream_typed_deps", true, StreamMode::NaturalTypes);
}

criterion_group!(benches, streaming);
criterion_main!(benches);
