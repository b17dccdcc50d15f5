//! Memory pressure: a request pattern far over the memory budget, against
//! real packs, keeps what the server holds within the budget plus what is
//! in use and in flight at every sample. 10 s here; `AMSP_SOAK_SECS=300`
//! for the 5-minute soak of docs/benchmarks.md.

use std::sync::Arc;
use std::time::Duration;

use amsp_bench::CookedFixture;
use amsp_bench::soak::{SoakConfig, soak};
use amsp_cook::synthetic::SyntheticSpec;
use amsp_io::{AssetSource, CookedSource};

#[test]
fn a_soak_far_over_budget_stays_within_it() {
    let fixture = CookedFixture::new(&SyntheticSpec {
        assets: 2000,
        min_bytes: 4 << 10,
        max_bytes: 128 << 10,
        max_dependencies: 0,
        seed: 5,
    });
    let source = Arc::new(CookedSource::open(fixture.out()).unwrap());
    let ids: Vec<_> =
        source.ids().filter_map(|id| source.describe(id).map(|d| (id, d.raw_size))).collect();
    let total: u64 = ids.iter().map(|&(_, b)| b).sum();
    let secs = std::env::var("AMSP_SOAK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let config = SoakConfig {
        duration: Duration::from_secs(secs),
        memory_budget: 8 << 20,
        ..SoakConfig::default()
    };
    let report = soak(Arc::clone(&source), &ids, &config);
    eprintln!(
        "soak {secs} s over {} assets ({:.0} MiB), budget {} MiB: {report:?}",
        ids.len(),
        total as f64 / (1 << 20) as f64,
        config.memory_budget >> 20
    );
    assert!(report.requested_bytes > 10 * config.memory_budget as u64, "far over budget");
    assert!(report.samples > 100);
    assert_eq!(report.over_budget_samples, 0);
    assert!(report.evicted > 0);
    assert!(report.drained, "every request ended");
}
