//! A real source on a simulated clock: the packs are really read, but each
//! read waits until the simulated disk would have delivered it (one read at
//! a time, a latency before each, then the chunk's stored bytes at the
//! bandwidth), and the simulation moves the clock. So an `AssetServer` runs
//! its real scheduler, loaders and cancellation against the same slow disk
//! the modelled strategies meet, as fast as the machine allows.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use amsp_core::{AssetId, AssetPath};
use amsp_io::{AssetDescriptor, AssetSource, CookedSource, ReadError};

use super::assets::StreamAsset;

/// How long a read may wait for a clock nobody moves before it fails.
const STALL: Duration = Duration::from_secs(120);

#[derive(Debug, Default)]
struct Clock {
    /// Simulated time, in seconds.
    now: f64,
    /// When the disk finishes the reads it has taken.
    free_at: f64,
    /// Completion times of the reads waiting for the clock.
    waiting: Vec<f64>,
    /// Reads that finished: asset, chunk, stored bytes.
    done: Vec<(AssetId, u32, u64)>,
    /// Stored bytes moved.
    moved: u64,
}

/// A [`CookedSource`] whose reads take simulated time.
pub struct ClockedSource {
    inner: Arc<CookedSource>,
    costs: HashMap<(AssetId, u32), u64>,
    bytes_per_s: f64,
    latency_s: f64,
    clock: Mutex<Clock>,
    moved_on: Condvar,
}

impl std::fmt::Debug for ClockedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClockedSource")
            .field("bytes_per_s", &self.bytes_per_s)
            .field("latency_s", &self.latency_s)
            .finish_non_exhaustive()
    }
}

impl ClockedSource {
    /// `inner` read at `bytes_per_s` with `latency_s` before each read;
    /// a chunk of `assets` costs its stored bytes, any other chunk its
    /// decoded size.
    #[must_use]
    pub fn new(
        inner: Arc<CookedSource>,
        assets: &[StreamAsset],
        bytes_per_s: f64,
        latency_s: f64,
    ) -> Self {
        let costs =
            assets.iter().flat_map(|a| a.chunk_costs().map(move |(c, b)| ((a.id, c), b))).collect();
        Self {
            inner,
            costs,
            bytes_per_s: bytes_per_s.max(1.0),
            latency_s: latency_s.max(0.0),
            clock: Mutex::new(Clock::default()),
            moved_on: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Clock> {
        self.clock.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Simulated time now.
    #[must_use]
    pub fn now(&self) -> f64 {
        self.lock().now
    }

    /// Moves the clock to `t` (never back), releasing the reads due.
    pub fn advance_to(&self, t: f64) {
        let mut clock = self.lock();
        clock.now = clock.now.max(t);
        drop(clock);
        self.moved_on.notify_all();
    }

    /// Reads waiting for a time the clock has not reached (a read that is
    /// due but whose thread has not woken yet is not counted).
    #[must_use]
    pub fn waiting(&self) -> usize {
        let clock = self.lock();
        clock.waiting.iter().filter(|&&t| t > clock.now).count()
    }

    /// The earliest time a read waiting for the clock completes.
    #[must_use]
    pub fn next_completion(&self) -> Option<f64> {
        let clock = self.lock();
        clock.waiting.iter().copied().filter(|&t| t > clock.now).reduce(f64::min)
    }

    /// The requests that finished since the last call: asset, first chunk,
    /// stored bytes.
    pub fn take_done(&self) -> Vec<(AssetId, u32, u64)> {
        std::mem::take(&mut self.lock().done)
    }

    /// Stored bytes moved so far.
    #[must_use]
    pub fn bytes_moved(&self) -> u64 {
        self.lock().moved
    }

    /// Forgets the disk's queue and the finished reads, and sets the clock
    /// to 0 (between runs; no read may be waiting).
    pub fn reset(&self) {
        *self.lock() = Clock::default();
    }
}

impl AssetSource for ClockedSource {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn resolve(&self, path: &AssetPath) -> Option<AssetId> {
        self.inner.resolve(path)
    }

    fn describe(&self, id: AssetId) -> Option<Arc<AssetDescriptor>> {
        self.inner.describe(id)
    }

    fn chunk_size(&self, id: AssetId, chunk: u32) -> Option<u64> {
        self.inner.chunk_size(id, chunk)
    }

    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError> {
        self.wait_for_disk(id, chunk..chunk + 1)?;
        self.inner.read_chunk(id, chunk, out)
    }

    /// Adjacent chunks are one request: one latency.
    fn read_chunks(
        &self,
        id: AssetId,
        chunks: Range<u32>,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<(), ReadError> {
        self.wait_for_disk(id, chunks.clone())?;
        self.inner.read_chunks(id, chunks, out)
    }
}

impl ClockedSource {
    /// One request for `chunks` of `id`: takes the disk after the requests
    /// before it, and waits until the clock reaches its completion.
    fn wait_for_disk(&self, id: AssetId, chunks: Range<u32>) -> Result<(), ReadError> {
        let cost: u64 = chunks
            .clone()
            .map(|chunk| {
                self.costs
                    .get(&(id, chunk))
                    .copied()
                    .or_else(|| self.inner.chunk_size(id, chunk))
                    .unwrap_or(0)
            })
            .sum();
        let mut clock = self.lock();
        let start = clock.free_at.max(clock.now);
        let done = start + self.latency_s + cost as f64 / self.bytes_per_s;
        clock.free_at = done;
        clock.waiting.push(done);
        let deadline = Instant::now() + STALL;
        while clock.now < done {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            clock =
                self.moved_on.wait_timeout(clock, left).map_or_else(|e| e.into_inner().0, |r| r.0);
        }
        if let Some(i) = clock.waiting.iter().position(|&t| t == done) {
            clock.waiting.swap_remove(i);
        }
        if clock.now < done {
            return Err(ReadError::Io {
                id,
                location: format!("{} (chunks {chunks:?})", self.inner.name()),
                source: Arc::new(std::io::Error::other("the simulated clock stopped")),
            });
        }
        clock.done.push((id, chunks.start, cost));
        clock.moved += cost;
        Ok(())
    }
}
