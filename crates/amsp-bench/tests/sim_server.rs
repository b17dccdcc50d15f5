//! The simulation through the real runtime: the same small cooked world
//! driven through by each strategy, with the manager's decisions carried
//! out by an `AssetServer` (its scheduler, loaders and cancellation) on the
//! simulated-clock disk; compared with the modelled disk on the same path.

mod common;

use std::sync::Arc;

use amsp_bench::sim::clocked::ClockedSource;
use amsp_bench::sim::disk::Disk;
use amsp_bench::sim::paths::PathKind;
use amsp_bench::sim::run::{SimConfig, Strategy, run};
use amsp_bench::sim::server_run::run_server;
use common::small_world;

#[test]
fn strategies_run_through_the_asset_server() {
    let (_dir, world, assets, cooked) = small_world();
    let config = SimConfig {
        seconds: 4.0,
        warmup: 0.0,
        bandwidth: 1e6,
        memory_budget: 64 << 20,
        ..SimConfig::default()
    };
    let source = Arc::new(ClockedSource::new(
        Arc::clone(&cooked),
        &assets,
        config.bandwidth,
        config.latency,
    ));
    for strategy in Strategy::ALL {
        let served =
            run_server(&world, &assets, &source, PathKind::Drive, strategy, &config).unwrap();
        let mut disk = Disk::new(Arc::clone(&cooked), config.bandwidth, config.latency);
        let modelled = run(&world, &assets, &mut disk, PathKind::Drive, strategy, &config).unwrap();
        eprintln!(
            "{:8} server: pop-in {:4} / {} frames, sharp p50 {:7.1} ms p95 {:7.1} ms, read {:>9} B, wasted {:>9} B, peak {:>9} B",
            served.strategy,
            served.pop_in_frames,
            served.frames,
            served.time_to_sharp_p50_ms,
            served.time_to_sharp_p95_ms,
            served.bytes_read,
            served.wasted_bytes,
            served.peak_resident_bytes
        );
        eprintln!(
            "{:8} model:  pop-in {:4} / {} frames, sharp p50 {:7.1} ms p95 {:7.1} ms, read {:>9} B, wasted {:>9} B, peak {:>9} B",
            modelled.strategy,
            modelled.pop_in_frames,
            modelled.frames,
            modelled.time_to_sharp_p50_ms,
            modelled.time_to_sharp_p95_ms,
            modelled.bytes_read,
            modelled.wasted_bytes,
            modelled.peak_resident_bytes
        );
        assert_eq!(served.frames, 240);
        assert!(served.bytes_read > 0 && served.bytes_read <= 4_000_000 * 4 + 1_000_000);
        assert!(served.peak_resident_bytes <= config.memory_budget);
    }
}
