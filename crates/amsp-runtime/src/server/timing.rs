//! Load times per asset type, and bytes read per storage: the figures of
//! [`AssetStats`](crate::AssetStats) that are not counts of slots.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

/// Load times kept per type for the percentiles (the most recent ones).
const RECENT: usize = 1024;

/// Load times of one asset type, from
/// [`AssetStats::load_times`](crate::AssetStats::load_times).
///
/// A load time runs from the request (the first one for the asset, or
/// the dependent's request for a dependency) to the asset being loaded,
/// dependencies included. The percentiles are over the most recent 1,024
/// loads of the type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TypeLoadTimes {
    /// The type's [`Asset::TYPE_NAME`](crate::Asset::TYPE_NAME).
    pub type_name: &'static str,
    /// Loads of the type that finished `Loaded`, since the start.
    pub loaded: u64,
    /// The median.
    pub p50: Duration,
    /// The 95th percentile.
    pub p95: Duration,
    /// The longest, since the start.
    pub max: Duration,
    /// The mean, since the start.
    pub mean: Duration,
}

#[derive(Default)]
struct TypeTimes {
    loaded: u64,
    total_micros: u64,
    max_micros: u64,
    /// A ring of the most recent load times, in microseconds.
    recent: Vec<u32>,
    next: usize,
}

/// What the server measures as loads finish and bytes arrive.
#[derive(Default)]
pub(crate) struct Timings {
    by_type: Mutex<HashMap<&'static str, TypeTimes>>,
    bytes_by_lane: Mutex<HashMap<u32, u64>>,
    bytes_read: AtomicU64,
}

impl Timings {
    /// Records a load of `type_name` that took `nanos`.
    pub fn loaded(&self, type_name: &'static str, nanos: u64) {
        let micros = nanos / 1000;
        let mut by_type = self.by_type.lock();
        let times = by_type.entry(type_name).or_default();
        times.loaded += 1;
        times.total_micros = times.total_micros.saturating_add(micros);
        times.max_micros = times.max_micros.max(micros);
        let sample = u32::try_from(micros).unwrap_or(u32::MAX);
        if times.recent.len() < RECENT {
            times.recent.push(sample);
        } else {
            times.recent[times.next] = sample;
        }
        times.next = (times.next + 1) % RECENT;
    }

    /// Records `bytes` read from the source's lane `lane`.
    pub fn read(&self, lane: u32, bytes: usize) {
        let bytes = bytes as u64;
        self.bytes_read.fetch_add(bytes, Ordering::Relaxed);
        *self.bytes_by_lane.lock().entry(lane).or_default() += bytes;
    }

    pub fn bytes_read(&self) -> u64 {
        self.bytes_read.load(Ordering::Relaxed)
    }

    /// Bytes read per lane, the lane named by `name`, most bytes first.
    pub fn bytes_by_lane(&self, name: impl Fn(u32) -> String) -> Vec<(String, u64)> {
        let mut named: Vec<(String, u64)> = Vec::new();
        for (&lane, &bytes) in self.bytes_by_lane.lock().iter() {
            let lane = name(lane);
            match named.iter_mut().find(|(n, _)| *n == lane) {
                Some((_, sum)) => *sum += bytes,
                None => named.push((lane, bytes)),
            }
        }
        named.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        named
    }

    /// Load times per type, the most loaded first.
    pub fn load_times(&self) -> Vec<TypeLoadTimes> {
        let by_type = self.by_type.lock();
        let mut out: Vec<TypeLoadTimes> = by_type
            .iter()
            .map(|(&type_name, times)| {
                let mut recent = times.recent.clone();
                recent.sort_unstable();
                let at = |q: f64| {
                    let index = ((recent.len() as f64 - 1.0) * q).round() as usize;
                    recent.get(index).map_or(Duration::ZERO, |&us| micros(u64::from(us)))
                };
                TypeLoadTimes {
                    type_name,
                    loaded: times.loaded,
                    p50: at(0.5),
                    p95: at(0.95),
                    max: micros(times.max_micros),
                    mean: micros(times.total_micros / times.loaded.max(1)),
                }
            })
            .collect();
        out.sort_by(|a, b| b.loaded.cmp(&a.loaded).then_with(|| a.type_name.cmp(b.type_name)));
        out
    }
}

fn micros(us: u64) -> Duration {
    Duration::from_micros(us)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_over_the_recent_loads_and_the_rest_over_all() {
        let timings = Timings::default();
        for ms in 1..=100u64 {
            timings.loaded("Texture", ms * 1_000_000);
        }
        timings.loaded("Mesh", 5_000_000);
        let times = timings.load_times();
        assert_eq!(times[0].type_name, "Texture");
        assert_eq!(times[0].loaded, 100);
        assert_eq!(times[0].p50, Duration::from_millis(51));
        assert_eq!(times[0].p95, Duration::from_millis(95));
        assert_eq!(times[0].max, Duration::from_millis(100));
        assert_eq!(times[0].mean, Duration::from_micros(50_500));
        assert_eq!((times[1].type_name, times[1].p95), ("Mesh", Duration::from_millis(5)));
        // The ring keeps the last 1,024: old slow loads leave the percentiles.
        for _ in 0..RECENT {
            timings.loaded("Texture", 2_000_000);
        }
        let times = timings.load_times();
        assert_eq!(
            (times[0].p95, times[0].max),
            (Duration::from_millis(2), Duration::from_millis(100))
        );
    }

    #[test]
    fn bytes_are_summed_per_named_lane() {
        let timings = Timings::default();
        timings.read(0, 100);
        timings.read(1, 50);
        timings.read(2, 70);
        let named =
            timings.bytes_by_lane(|lane| if lane == 0 { "disk".into() } else { "net".into() });
        assert_eq!(named, [("net".to_owned(), 120), ("disk".to_owned(), 100)]);
        assert_eq!(timings.bytes_read(), 220);
    }
}
