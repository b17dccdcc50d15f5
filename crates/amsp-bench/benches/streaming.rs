//! Streaming every entry of a cooked zstd pack through the `AssetServer`,
//! against the reference (positioned reads + decompression of the same
//! entries on all cores, no server), in the same run.

use std::sync::Arc;

use amsp_bench::{CookedFixture, cores, open_packs, reference_read, stream_all, streaming_spec};
use amsp_io::CookedSource;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn streaming(c: &mut Criterion) {
    let fixture = CookedFixture::new(&streaming_spec(3000));
    let packs = open_packs(&fixture.out());
    let source = Arc::new(CookedSource::open(fixture.out()).expect("cooked output opens"));
    let threads = cores();
    let (bytes, _) = reference_read(&packs, threads); // warms the page cache

    let mut group = c.benchmark_group("stream_all_entries");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(20);
    group.bench_function("reference_pread_zstd", |b| b.iter(|| reference_read(&packs, threads)));
    group.bench_function("asset_server", |b| b.iter(|| stream_all(&source, threads)));
    group.finish();
}

criterion_group!(benches, streaming);
criterion_main!(benches);
