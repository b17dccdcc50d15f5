//! Upload throughput through the staging ring on the Vulkan device
//! (lavapipe in CI), against `queue.write_texture` of the same bytes and
//! a plain memcpy, measured in the same run; 8 MiB per submit through the
//! ring (the `--bench` summary only); and the CPU cost of one
//! frame's uploads (what a frame pays per MB uploaded, the GPU copy left
//! to run behind).
//!
//! `cargo bench -p amsp-wgpu --bench upload`

use std::hint::black_box;
use std::time::{Duration, Instant};

use amsp_runtime::gpu::{GpuBackend, GpuFormat, GpuTextureDesc, GpuTextureId, TextureWrite};
use amsp_wgpu::{GpuContext, WgpuBackend, WgpuBackendConfig};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A 1024² BC7 mip: 1 MiB, 256 rows of blocks.
const DESC: GpuTextureDesc = GpuTextureDesc {
    format: GpuFormat::Bc7RgbaUnormSrgb,
    width: 1024,
    height: 1024,
    layers: 1,
    mip_count: 1,
};

struct Setup {
    backend: WgpuBackend,
    texture: GpuTextureId,
    bytes: Vec<u8>,
}

fn setup() -> Setup {
    let context = GpuContext::headless(wgpu::Backends::VULKAN)
        .expect("a Vulkan device (lavapipe: mesa-vulkan-drivers)");
    eprintln!("device: {}", context.describe());
    let mut backend = WgpuBackend::new(context, WgpuBackendConfig::default());
    let texture = backend.create_texture(&DESC).expect("texture");
    // Block bytes vary (an xorshift stream): the copy path does not look
    // at them, but nothing can be shortcut either.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let bytes = (0..DESC.bytes())
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    Setup { backend, texture, bytes }
}

fn whole() -> TextureWrite {
    TextureWrite { mip: 0, layer: 0, rows: 0..DESC.block_rows(0) }
}

fn wait(backend: &WgpuBackend) {
    backend.context().device.poll(wgpu::PollType::wait_indefinitely()).expect("device");
}

/// Staging ring: stage, submit, wait for the GPU copy.
fn ring_upload(s: &mut Setup) {
    s.backend.write_texture(s.texture, &whole(), &s.bytes).unwrap();
    s.backend.end_frame().unwrap();
    wait(&s.backend);
}

/// The same bytes through `queue.write_texture`, submitted and waited for.
fn queue_upload(s: &Setup) {
    let context = s.backend.context();
    let texture = s.backend.texture(s.texture).unwrap();
    context.queue.write_texture(
        texture.as_image_copy(),
        &s.bytes,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(DESC.row_bytes(0) as u32),
            rows_per_image: Some(DESC.block_rows(0)),
        },
        wgpu::Extent3d { width: DESC.width, height: DESC.height, depth_or_array_layers: 1 },
    );
    context.queue.submit([]);
    wait(&s.backend);
}

/// Mips written per submit in the batched variant: 8 MiB, one staging
/// buffer of the default ring.
const BATCH: usize = 8;

/// A frame of `BATCH` 1 MiB writes through the ring, submitted once and
/// waited for: the throughput at a large per-frame budget.
fn ring_batch(s: &mut Setup) {
    for _ in 0..BATCH {
        s.backend.write_texture(s.texture, &whole(), &s.bytes).unwrap();
    }
    s.backend.end_frame().unwrap();
    wait(&s.backend);
}

/// One frame's upload as a frame pays for it: stage and submit, no wait.
fn ring_frame(s: &mut Setup) {
    s.backend.write_texture(s.texture, &whole(), &s.bytes).unwrap();
    s.backend.end_frame().unwrap();
}

fn bench(c: &mut Criterion) {
    let mut s = setup();
    let mut group = c.benchmark_group("gpu_upload_1MiB");
    group.throughput(Throughput::Bytes(DESC.bytes()));
    group.bench_function("staging_ring", |b| b.iter(|| ring_upload(&mut s)));
    group.bench_function("queue_write_texture", |b| b.iter(|| queue_upload(&s)));
    group.bench_function("frame_cost_staging_ring", |b| b.iter(|| ring_frame(&mut s)));
    let mut dst = vec![0u8; s.bytes.len()];
    group.bench_function("memcpy", |b| b.iter(|| dst.copy_from_slice(black_box(&s.bytes))));
    group.finish();
    wait(&s.backend);
    if std::env::args().any(|a| a == "--bench") {
        summary(&mut s);
    }
}

/// Median seconds of `f` over `runs` runs.
fn median(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2].as_secs_f64()
}

/// The ratios, measured side by side in one run.
fn summary(s: &mut Setup) {
    let mb = DESC.bytes() as f64 / 1e6;
    let mut dst = vec![0u8; s.bytes.len()];
    for _ in 0..3 {
        let ring = median(60, || ring_upload(s));
        let queue = median(60, || queue_upload(s));
        let frame = median(60, || ring_frame(s));
        wait(&s.backend);
        let batch = median(20, || ring_batch(s));
        let copy = median(60, || dst.copy_from_slice(black_box(&s.bytes)));
        println!(
            "staging ring {:.0} MB/s, queue.write_texture {:.0} MB/s (ring/queue {:.2}), memcpy {:.0} MB/s; \
             {BATCH} MiB per submit through the ring {:.0} MB/s; \
             frame cost {:.3} ms per MB uploaded ({:.1}× a memcpy); ring stalls {}",
            mb / ring,
            mb / queue,
            queue / ring,
            mb / copy,
            mb * BATCH as f64 / batch,
            frame * 1e3 / mb,
            frame / copy,
            s.backend.ring_stats().stalls
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
