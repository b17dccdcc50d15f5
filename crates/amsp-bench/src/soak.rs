//! A memory-pressure soak: requests far more bytes than the memory budget,
//! for a while, against real packs, and checks every sample that what the
//! server holds stays within the budget plus what is in use and in flight.

use std::sync::Arc;
use std::time::{Duration, Instant};

use amsp_core::{AssetId, Priority, PriorityClass};
use amsp_io::CookedSource;
use amsp_runtime::cache::CachePolicy;
use amsp_runtime::{AssetServer, Blob, Handle};

/// What to run.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    /// How long.
    pub duration: Duration,
    /// The server's budget for unused assets, in bytes.
    pub memory_budget: usize,
    /// Handles held at once (the most recent requests); older ones are
    /// dropped, which cancels their loads if still queued.
    pub held: usize,
    /// Zipf exponent of the requests' popularity.
    pub alpha: f64,
    /// The eviction policy.
    pub policy: CachePolicy,
    /// Seed of the request sequence.
    pub seed: u64,
    /// Requests per frame.
    pub per_frame: u64,
    /// Time between frames.
    pub frame: Duration,
}

impl Default for SoakConfig {
    fn default() -> Self {
        Self {
            duration: Duration::from_secs(300),
            memory_budget: 16 << 20,
            held: 64,
            alpha: 0.9,
            policy: CachePolicy::default(),
            seed: 1,
            per_frame: 64,
            frame: Duration::from_millis(4),
        }
    }
}

/// What a soak measured.
#[derive(Debug, Clone, Default)]
pub struct SoakReport {
    /// Requests made.
    pub requests: u64,
    /// Bytes of the assets requested (counting repeats).
    pub requested_bytes: u64,
    /// Loads that finished.
    pub loaded: u64,
    /// Requests cancelled (their handle dropped first).
    pub cancelled: u64,
    /// Assets evicted by the budget.
    pub evicted: u64,
    /// Samples taken.
    pub samples: u64,
    /// The most unused bytes the server held at a sample.
    pub peak_unused_bytes: usize,
    /// The most loaded bytes at a sample.
    pub peak_loaded_bytes: usize,
    /// Samples at which loaded bytes exceeded the budget plus the bytes in
    /// use plus the I/O budget (must be 0).
    pub over_budget_samples: u64,
    /// Resident set size of the process at the start, in bytes.
    pub rss_start: u64,
    /// Peak resident set size of the process (`VmHWM`), in bytes.
    pub rss_peak: u64,
    /// Whether every request had ended a minute after the last one.
    pub drained: bool,
}

/// The process's current and peak resident set size, from
/// `/proc/self/status` (zeros elsewhere).
#[must_use]
pub fn rss() -> (u64, u64) {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else { return (0, 0) };
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Runs the soak over the cooked assets `ids` of `source` (with their
/// bytes), requested as [`Blob`]s.
///
/// # Panics
/// If the server cannot start.
#[must_use]
pub fn soak(source: Arc<CookedSource>, ids: &[(AssetId, u64)], config: &SoakConfig) -> SoakReport {
    let mut report = SoakReport { rss_start: rss().0, ..SoakReport::default() };
    let server = AssetServer::builder()
        .source(source)
        .memory_budget(config.memory_budget)
        .cache_policy(config.policy)
        .build()
        .expect("server");
    // Zipf ranks, shuffled onto the assets.
    let n = ids.len().max(1);
    let mut cumulative = Vec::with_capacity(n);
    let mut total = 0.0;
    for k in 1..=n {
        total += 1.0 / (k as f64).powf(config.alpha);
        cumulative.push(total);
    }
    let mut state = config.seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let largest = ids.iter().map(|&(_, b)| b as usize).max().unwrap_or(0);
    let mut held: std::collections::VecDeque<Handle<Blob>> = std::collections::VecDeque::new();
    let start = Instant::now();
    let mut last_sample = start;
    while start.elapsed() < config.duration {
        let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
        let rank = cumulative.partition_point(|&c| c < u * total).min(n - 1);
        let (id, bytes) = ids[(rank * 7919) % n];
        let class = PriorityClass::ALL[(next() % 4) as usize];
        held.push_back(server.load_with_priority(id, Priority::new(class)));
        report.requests += 1;
        report.requested_bytes += bytes;
        while held.len() > config.held {
            held.pop_front();
        }
        if report.requests.is_multiple_of(config.per_frame) {
            // A frame: the requests a game makes in one, then the next
            // frame, later if the server has more queued than a few frames
            // of requests (a host does not ask for more than it can use).
            std::thread::sleep(config.frame);
            while server.stats().queued > 4 * config.per_frame as usize {
                std::thread::sleep(Duration::from_millis(1));
                if start.elapsed() >= config.duration {
                    break;
                }
            }
        }
        if last_sample.elapsed() >= Duration::from_millis(20) {
            last_sample = Instant::now();
            let stats = server.stats();
            let in_use = stats.loaded_bytes - stats.unused_bytes;
            report.samples += 1;
            report.peak_unused_bytes = report.peak_unused_bytes.max(stats.unused_bytes);
            report.peak_loaded_bytes = report.peak_loaded_bytes.max(stats.loaded_bytes);
            // The budget is enforced by maintenance jobs as handles drop;
            // between two, at most the held handles' assets can have
            // become unused.
            let slack = config.held * largest;
            if stats.loaded_bytes > config.memory_budget + in_use + stats.io_budget + slack {
                report.over_budget_samples += 1;
            }
        }
    }
    drop(held);
    report.drained = server.wait_idle(Duration::from_secs(60));
    let stats = server.stats();
    report.loaded = stats.loaded;
    report.cancelled = stats.cancelled;
    report.evicted = stats.evicted;
    report.rss_peak = rss().1;
    report
}
