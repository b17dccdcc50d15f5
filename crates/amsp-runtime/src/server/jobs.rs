//! Drain jobs: how queued requests reach the executor.
//!
//! The request queues are emptied by *drain jobs* on the executor. At most
//! as many run at once as the executor has workers; each pops the most
//! urgent request, loads it, and goes on until the queues are empty. So a
//! request spawns a job only when fewer than that many are live, and most
//! requests cost no allocation and no executor call at all. A job hands
//! over to a fresh one after [`BATCH`] entries, so that a host executor can
//! run its own jobs in between.
//!
//! No request is stranded. The request side pushes its entry, then (after a
//! `SeqCst` fence) reads the number of live jobs and spawns one if there is
//! room. A job that finds the queues empty first gives up its place, then
//! (after a `SeqCst` fence) looks at the queues again and keeps draining if
//! they are not empty. One of the two fences comes first: either the job sees
//! the entry, or the request sees the job gone and spawns another.

use std::sync::atomic::{AtomicUsize, Ordering, fence};

use crossbeam_utils::CachePadded;

use super::{Inner, cancel, worker};
use crate::sched::Work;

/// Entries a job pops before it hands over to a fresh job.
const BATCH: usize = 32;

/// The count of live drain jobs.
pub(crate) struct Jobs {
    /// Jobs spawned and not yet ended; on its own cache line, away from the
    /// counters workers bump on every completion.
    live: CachePadded<AtomicUsize>,
    /// The executor's worker count: more live jobs could not run at once.
    limit: usize,
}

impl Jobs {
    pub fn new(limit: usize) -> Self {
        Self { live: CachePadded::new(AtomicUsize::new(0)), limit: limit.max(1) }
    }

    /// Takes a place for a new job if fewer than the limit are live.
    fn try_reserve(&self) -> bool {
        let mut live = self.live.load(Ordering::Relaxed);
        while live < self.limit {
            match self.live.compare_exchange_weak(
                live,
                live + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => live = now,
            }
        }
        false
    }
}

impl Inner {
    /// Makes sure a job will pop the entry just pushed: spawns one unless
    /// the most that can run are live (each of them looks at the queues
    /// again before it ends).
    pub(crate) fn wake_jobs(&self) {
        // Pairs with the fence in `drain`: either that job sees the entry
        // pushed before this, or this sees the job's place given up.
        fence(Ordering::SeqCst);
        if self.jobs.try_reserve() {
            self.spawn_drain_job();
        }
    }

    /// The next work for a job; cancels the requests found unwanted on the
    /// way.
    fn next_work(&self) -> Option<Work> {
        let mut unwanted = Vec::new();
        let lookup = |key| self.registry.get(key);
        let start_io = !self.is_shut_down();
        let work = self.sched.next(self.source.as_ref(), &lookup, &mut unwanted, start_io);
        if !unwanted.is_empty() {
            cancel::handle_unwanted(self, unwanted);
        }
        work
    }

    /// Whether a job would find work now.
    fn has_runnable(&self) -> bool {
        self.sched.has_runnable(self.source.as_ref(), !self.is_shut_down())
    }

    /// Spawns a job that holds a place already counted.
    fn spawn_drain_job(&self) {
        let inner = self.weak_self.clone();
        self.spawn(Box::new(move || {
            if let Some(inner) = inner.upgrade() {
                drain(&inner);
            }
        }));
    }
}

/// A job: loads queued requests, most urgent first, until the queues are
/// empty or it has popped [`BATCH`] entries.
fn drain(inner: &Inner) {
    let _unwind = UnwindGuard(inner);
    let mut left = BATCH;
    loop {
        while let Some(work) = inner.next_work() {
            worker::run(inner, work);
            left -= 1;
            if left == 0 {
                // The place passes to the fresh job.
                inner.spawn_drain_job();
                return;
            }
        }
        inner.jobs.live.fetch_sub(1, Ordering::Relaxed);
        // Pairs with the fence in `wake_jobs`.
        fence(Ordering::SeqCst);
        if !inner.has_runnable() {
            return;
        }
        // An entry pushed after the last pop may have found this job still
        // live and spawned none: take the place back and serve it.
        inner.jobs.live.fetch_add(1, Ordering::Relaxed);
    }
}

/// Gives a job's place back if the job panics (a bug), so that the queues
/// are still drained.
struct UnwindGuard<'a>(&'a Inner);

impl Drop for UnwindGuard<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.jobs.live.fetch_sub(1, Ordering::Relaxed);
            self.0.wake_jobs();
        }
    }
}
