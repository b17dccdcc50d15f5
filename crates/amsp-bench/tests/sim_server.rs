//! The simulation through the real runtime: the same small cooked world
//! driven through by each strategy, with the manager's decisions carried
//! out by an `AssetServer` (its scheduler, loaders and cancellation) on the
//! simulated-clock disk; compared with the modelled disk on the same path.

use std::collections::HashMap;
use std::sync::Arc;

use amsp_bench::sim::assets::open_world;
use amsp_bench::sim::clocked::ClockedSource;
use amsp_bench::sim::disk::Disk;
use amsp_bench::sim::paths::PathKind;
use amsp_bench::sim::run::{SimConfig, Strategy, run};
use amsp_bench::sim::server_run::run_server;
use amsp_bench::world::{WorldSpec, world_cooker, write_world};

#[test]
fn strategies_run_through_the_asset_server() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    let spec = WorldSpec {
        placements: 10_000,
        side_m: 800.0,
        props: 40,
        max_texture: 512,
        max_triangles: 6000,
        ..WorldSpec::default()
    };
    let world = write_world(&src, &spec).unwrap();
    assert_eq!(world_cooker(&src, &out).run().unwrap().failed, 0);
    let (assets, cooked) = open_world(&out, &world).unwrap();
    let costs: HashMap<_, _> =
        assets.iter().flat_map(|a| a.chunk_costs().map(move |(c, b)| ((a.id, c), b))).collect();
    let config = SimConfig {
        seconds: 4.0,
        warmup: 0.0,
        bandwidth: 1e6,
        memory_budget: 64 << 20,
        ..SimConfig::default()
    };
    let source =
        Arc::new(ClockedSource::new(Arc::clone(&cooked), costs, config.bandwidth, config.latency));
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
