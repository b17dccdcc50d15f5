//! A small cooked world driven through by every strategy: the runs are
//! deterministic, read real chunks, stay in budget, and the judge sees
//! pop-in when the disk is slow.

mod common;

use std::sync::Arc;

use amsp_bench::sim::disk::Disk;
use amsp_bench::sim::paths::PathKind;
use amsp_bench::sim::run::{SimConfig, Strategy, run};
use common::small_world;

#[test]
fn strategies_run_deterministically_on_a_small_world() {
    let (_dir, world, assets, source) = small_world();
    assert_eq!(assets.len(), 80);
    let config = SimConfig {
        seconds: 4.0,
        bandwidth: 4e6,
        memory_budget: 64 << 20,
        snapshots: vec![60],
        ..SimConfig::default()
    };
    for strategy in Strategy::ALL {
        let mut disk = Disk::new(Arc::clone(&source), config.bandwidth, config.latency);
        let a = run(&world, &assets, &mut disk, PathKind::Drive, strategy, &config).unwrap();
        let mut disk = Disk::new(Arc::clone(&source), config.bandwidth, config.latency);
        let b = run(&world, &assets, &mut disk, PathKind::Drive, strategy, &config).unwrap();
        assert_eq!(a.samples, b.samples, "{strategy:?} is deterministic");
        assert_eq!(a.frames, 240);
        assert!(
            a.bytes_read > 0 && a.bytes_read <= 4_000_000 * 4 + 1_000_000,
            "{strategy:?}: {}",
            a.bytes_read
        );
        assert!(a.time_to_sharp_p95_ms >= a.time_to_sharp_p50_ms);
        assert!(a.peak_resident_bytes <= config.memory_budget, "{strategy:?}");
        assert_eq!(a.snapshots.len(), 1);
        eprintln!(
            "{:8} pop-in {:4} / {} frames, sharp p50 {:7.1} ms p95 {:7.1} ms, read {:>9} B, wasted {:>9} B, peak {:>9} B",
            a.strategy,
            a.pop_in_frames,
            a.frames,
            a.time_to_sharp_p50_ms,
            a.time_to_sharp_p95_ms,
            a.bytes_read,
            a.wasted_bytes,
            a.peak_resident_bytes
        );
    }
    // No loading screen and a very slow disk: everyone sees pop-in at the
    // start, and the judge measures how long sharpness takes.
    let slow = SimConfig { seconds: 2.0, warmup: 0.0, bandwidth: 0.5e6, ..config };
    for strategy in Strategy::ALL {
        let mut disk = Disk::new(Arc::clone(&source), slow.bandwidth, slow.latency);
        let r = run(&world, &assets, &mut disk, PathKind::Walk, strategy, &slow).unwrap();
        assert!(r.pop_in_frames > 0, "{strategy:?}");
        assert!(
            r.bytes_read <= 1_000_000 + 1,
            "{strategy:?} read {} at 0.5 MB/s for 2 s",
            r.bytes_read
        );
    }
}
