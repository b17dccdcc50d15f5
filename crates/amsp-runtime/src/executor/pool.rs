//! The default executor: a pool of named threads shared by subsystems, each
//! held to its worker quota, sharing workers by weight under contention.
//!
//! Spawning is a lock-free push on the subsystem's queue (plus a wake-up
//! when a worker sleeps). A worker picks its next job under the pool's lock:
//! among the subsystems with a queued job and a free place in their quota,
//! the one with the smallest *pass* (stride scheduling: each job started
//! adds `STRIDE / weight` to its subsystem's pass, and a subsystem coming
//! back from idle starts at the current pass, so it banks no credit).

use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering, fence};
use std::thread::{self, JoinHandle};

use crossbeam_queue::SegQueue;
use parking_lot::{Condvar, Mutex};

use super::{Executor, ExecutorConfig, Job, LOAD_SUBSYSTEM, Subsystem, SubsystemId};

/// Pass added per job at weight 1.
const STRIDE: u64 = 1 << 20;

/// Who runs what: guarded by the pool's lock.
struct Picks {
    running: Vec<usize>,
    pass: Vec<u64>,
    /// The pass of the last job started.
    now: u64,
}

struct PoolShared {
    subsystems: Vec<Subsystem>,
    queues: Vec<SegQueue<Job>>,
    sleeping: AtomicUsize,
    picks: Mutex<Picks>,
    wake: Condvar,
    shutdown: AtomicBool,
}

impl PoolShared {
    /// The subsystem whose job should start next, if any may.
    fn pick(&self, picks: &Picks) -> Option<usize> {
        (0..self.subsystems.len())
            .filter(|&s| picks.running[s] < self.subsystems[s].quota && !self.queues[s].is_empty())
            .min_by_key(|&s| (picks.pass[s].max(picks.now), s))
    }
}

/// The default [`Executor`]: named threads (`amsp-worker-N`) that park when
/// idle, shared by the [`Subsystem`]s of its [`ExecutorConfig`]. Shut down
/// and joined by [`WorkerPool::shutdown`] or on drop.
pub struct WorkerPool {
    shared: Arc<PoolShared>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    count: usize,
}

impl WorkerPool {
    /// Starts `threads` workers (at least one), all for one `"load"`
    /// subsystem.
    ///
    /// # Errors
    /// Returns the error of a thread that could not be spawned (the threads
    /// started before it are shut down).
    pub fn new(threads: usize) -> io::Result<Self> {
        Self::with_config(ExecutorConfig::new(threads))
    }

    /// Starts a pool with subsystems: each is held to its quota (clamped to
    /// the thread count) and shares workers by weight under contention.
    ///
    /// # Errors
    /// As [`WorkerPool::new`].
    pub fn with_config(config: ExecutorConfig) -> io::Result<Self> {
        let count = config.threads.max(1);
        let mut subsystems = config.subsystems;
        if subsystems.is_empty() {
            subsystems.push(Subsystem::new(LOAD_SUBSYSTEM, count, 1));
        }
        for sub in &mut subsystems {
            sub.quota = sub.quota.clamp(1, count);
            sub.weight = sub.weight.max(1);
        }
        let n = subsystems.len();
        let pool = Self {
            shared: Arc::new(PoolShared {
                queues: (0..n).map(|_| SegQueue::new()).collect(),
                subsystems,
                sleeping: AtomicUsize::new(0),
                picks: Mutex::new(Picks { running: vec![0; n], pass: vec![0; n], now: 0 }),
                wake: Condvar::new(),
                shutdown: AtomicBool::new(false),
            }),
            threads: Mutex::new(Vec::with_capacity(count)),
            count,
        };
        for n in 0..count {
            let shared = Arc::clone(&pool.shared);
            let handle =
                thread::Builder::new().name(format!("amsp-worker-{n}")).spawn(move || {
                    worker_loop(&shared);
                })?;
            pool.threads.lock().push(handle);
        }
        Ok(pool)
    }

    /// A pool with one worker per available core.
    ///
    /// # Errors
    /// As [`WorkerPool::new`].
    pub fn with_available_parallelism() -> io::Result<Self> {
        Self::new(thread::available_parallelism().map_or(1, usize::from))
    }

    /// The subsystems, as configured (quotas clamped to the thread count).
    #[must_use]
    pub fn subsystems(&self) -> &[Subsystem] {
        &self.shared.subsystems
    }

    /// Stops the workers and joins them. Jobs still queued are dropped
    /// without running; a job already running finishes first. Idempotent;
    /// called from a worker itself, it joins the others.
    pub fn shutdown(&self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        {
            let _guard = self.shared.picks.lock();
            self.shared.wake.notify_all();
        }
        let me = thread::current().id();
        let threads = std::mem::take(&mut *self.threads.lock());
        for handle in threads {
            if handle.thread().id() != me {
                let _ = handle.join();
            }
        }
        for queue in &self.shared.queues {
            while queue.pop().is_some() {}
        }
    }
}

impl Executor for WorkerPool {
    fn spawn(&self, job: Job) {
        self.spawn_in(SubsystemId::new(0), job);
    }

    fn worker_count(&self) -> usize {
        self.count
    }

    fn subsystem(&self, name: &str) -> Option<SubsystemId> {
        self.shared.subsystems.iter().position(|s| s.name == name).map(SubsystemId::new)
    }

    /// Queues `job` under `subsystem` (an unknown id goes to the first).
    fn spawn_in(&self, subsystem: SubsystemId, job: Job) {
        let shared = &self.shared;
        if shared.shutdown.load(Ordering::Acquire) {
            return;
        }
        let index = if subsystem.index() < shared.queues.len() { subsystem.index() } else { 0 };
        shared.queues[index].push(job);
        // Pairs with the fence in `worker_loop`: either the worker sees the
        // job, or we see the worker asleep and wake it.
        fence(Ordering::SeqCst);
        if shared.sleeping.load(Ordering::SeqCst) > 0 {
            let _guard = shared.picks.lock();
            shared.wake.notify_one();
        }
    }

    fn quota(&self, subsystem: SubsystemId) -> usize {
        self.shared.subsystems.get(subsystem.index()).map_or(self.count, |s| s.quota)
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerPool")
            .field("threads", &self.count)
            .field("subsystems", &self.shared.subsystems)
            .finish_non_exhaustive()
    }
}

fn worker_loop(shared: &PoolShared) {
    let mut picks = shared.picks.lock();
    loop {
        if shared.shutdown.load(Ordering::Acquire) {
            return;
        }
        if let Some(s) = shared.pick(&picks) {
            // Pops happen only under the lock, so the queue seen non-empty
            // still is.
            let Some(job) = shared.queues[s].pop() else { continue };
            let start = picks.pass[s].max(picks.now);
            picks.now = start;
            picks.pass[s] = start + STRIDE / u64::from(shared.subsystems[s].weight);
            picks.running[s] += 1;
            drop(picks);
            // A panicking job must not take the worker down with it.
            let _ = catch_unwind(AssertUnwindSafe(job));
            picks = shared.picks.lock();
            picks.running[s] -= 1;
            // A job held back by the quota may start now; this worker takes
            // one job, a sleeping one the rest.
            if !shared.queues[s].is_empty() && shared.sleeping.load(Ordering::SeqCst) > 0 {
                shared.wake.notify_one();
            }
            continue;
        }
        shared.sleeping.fetch_add(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if shared.pick(&picks).is_none() && !shared.shutdown.load(Ordering::SeqCst) {
            shared.wake.wait(&mut picks);
        }
        shared.sleeping.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn runs_jobs_and_survives_panics() {
        let pool = WorkerPool::new(2).unwrap();
        let (tx, rx) = mpsc::channel();
        pool.spawn(Box::new(|| panic!("job panics")));
        for n in 0..100 {
            let tx = tx.clone();
            pool.spawn(Box::new(move || tx.send(n).unwrap()));
        }
        let mut got: Vec<i32> =
            (0..100).map(|_| rx.recv_timeout(Duration::from_secs(10)).unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
        assert_eq!(pool.worker_count(), 2);
        assert_eq!(pool.subsystem("load"), Some(SubsystemId::new(0)));
        assert_eq!(pool.quota(SubsystemId::new(0)), 2);
        pool.shutdown();
        pool.shutdown();
    }
}
