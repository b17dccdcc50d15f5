//! The simulation's storage: real reads of real pack chunks, timed by a
//! simulated clock at a chosen bandwidth and per-request latency, so that
//! every strategy meets the same slow disk or network, deterministically,
//! however fast the machine running the simulation is.

use std::io;
use std::sync::Arc;

use amsp_core::AssetId;
use amsp_io::{AssetSource, CookedSource};

/// One read: some chunks of one cooked asset.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    /// The caller's key for the read.
    pub key: u64,
    /// The asset.
    pub asset: AssetId,
    /// Its chunks to read.
    pub chunks: Vec<u32>,
    /// Their stored size in bytes: what the transfer costs.
    pub bytes: u64,
}

/// A read that finished.
#[derive(Debug, Clone, PartialEq)]
pub struct Completed {
    /// The read.
    pub read: Read,
    /// Simulated time at which its last byte arrived, in seconds.
    pub at: f64,
}

/// A storage device with one read in flight at a time.
pub struct Disk {
    source: Arc<CookedSource>,
    bytes_per_s: f64,
    latency_s: f64,
    /// The read in flight, with its bytes and latency still to go.
    current: Option<(Read, f64, f64)>,
    scratch: Vec<u8>,
    moved: f64,
    /// Reads finished.
    pub reads: u64,
}

impl std::fmt::Debug for Disk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Disk")
            .field("bytes_per_s", &self.bytes_per_s)
            .field("latency_s", &self.latency_s)
            .field("bytes_read", &self.bytes_read())
            .finish_non_exhaustive()
    }
}

impl Disk {
    /// A device over `source` moving `bytes_per_s` (infinite: no limit)
    /// with `latency_s` before each read's first byte.
    #[must_use]
    pub fn new(source: Arc<CookedSource>, bytes_per_s: f64, latency_s: f64) -> Self {
        Self {
            source,
            bytes_per_s: bytes_per_s.max(1.0),
            latency_s: latency_s.max(0.0),
            current: None,
            scratch: Vec::new(),
            moved: 0.0,
            reads: 0,
        }
    }

    /// Stored bytes transferred so far (a cancelled read counts what it
    /// moved).
    #[must_use]
    pub fn bytes_read(&self) -> u64 {
        self.moved.round() as u64
    }

    /// The read in flight.
    #[must_use]
    pub fn in_flight(&self) -> Option<&Read> {
        self.current.as_ref().map(|(r, ..)| r)
    }

    /// Abandons the read in flight (its transferred bytes stay counted).
    pub fn cancel(&mut self) -> Option<Read> {
        self.current.take().map(|(r, ..)| r)
    }

    /// Runs the device from `now` for `dt` seconds: whenever it is idle it
    /// takes the next read from `next`; a read finishes once its latency
    /// and bytes have passed, and is then really read from the packs (every
    /// chunk verified and decoded). Returns the reads that finished.
    ///
    /// # Errors
    /// A chunk that cannot be read or fails its checksum.
    pub fn advance(
        &mut self,
        now: f64,
        dt: f64,
        next: &mut dyn FnMut() -> Option<Read>,
    ) -> io::Result<Vec<Completed>> {
        let mut done = Vec::new();
        let mut t = now;
        let end = now + dt;
        while t < end {
            if self.current.is_none() {
                let Some(read) = next() else { break };
                let bytes = read.bytes as f64;
                self.current = Some((read, bytes, self.latency_s));
            }
            let Some((_, bytes_left, latency_left)) = self.current.as_mut() else { break };
            let wait = latency_left.min(end - t);
            *latency_left -= wait;
            t += wait;
            if *latency_left > 0.0 {
                break;
            }
            let transfer = (*bytes_left / self.bytes_per_s).min(end - t);
            let moved = transfer * self.bytes_per_s;
            *bytes_left -= moved;
            self.moved += moved;
            t += transfer;
            if *bytes_left > 0.5 {
                break;
            }
            let Some((read, ..)) = self.current.take() else { break };
            for &chunk in &read.chunks {
                self.source
                    .read_chunk(read.asset, chunk, &mut self.scratch)
                    .map_err(io::Error::other)?;
            }
            self.reads += 1;
            done.push(Completed { read, at: t });
        }
        Ok(done)
    }
}
