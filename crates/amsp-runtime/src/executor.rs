//! Where loads run: the `Executor` trait and the default `WorkerPool`.
//!
//! The server keeps its own priority queues and runs them with drain jobs on
//! the executor (at most [`Executor::worker_count`] at once); a job, when it
//! runs, takes the *most urgent* queued request rather than one of "its
//! own", and goes on while requests are queued. So an executor only has to
//! run jobs eventually, in any order: even a FIFO host pool serves by
//! priority.

use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering, fence};
use std::thread::{self, JoinHandle};

use crossbeam_queue::SegQueue;
use parking_lot::{Condvar, Mutex};

/// A unit of work handed to an [`Executor`].
pub type Job = Box<dyn FnOnce() + Send>;

/// A pool of threads that runs the server's jobs; implement it to run AMSP on
/// a host engine's own job system.
///
/// # Note for implementors
/// - `spawn` is called on the request path ([`AssetServer::load`]) and from
///   worker threads: it must not block for long nor run the job inline.
/// - Every spawned job must run eventually (in any order), unless the
///   executor is shutting down; jobs never block on one another, so a single
///   thread is enough to make progress.
/// - A job may panic only through a bug; the server catches loader panics
///   itself.
///
/// [`AssetServer::load`]: crate::AssetServer::load
pub trait Executor: Send + Sync + 'static {
    /// Queues `job` to run on some thread of the executor.
    fn spawn(&self, job: Job);

    /// How many jobs can run at once. The server keeps at most this many of
    /// its drain jobs live, read once when it is built.
    fn worker_count(&self) -> usize;
}

struct PoolShared {
    jobs: SegQueue<Job>,
    sleeping: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
    shutdown: AtomicBool,
}

/// The default [`Executor`]: named threads (`amsp-worker-N`) that park when
/// idle. Shut down and joined by [`WorkerPool::shutdown`] or on drop.
///
/// Spawning is a lock-free push; the pool's lock is touched only when a
/// worker is asleep and must be woken.
pub struct WorkerPool {
    shared: Arc<PoolShared>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    count: usize,
}

impl WorkerPool {
    /// Starts `threads` workers (at least one).
    ///
    /// # Errors
    /// Returns the error of a thread that could not be spawned (the threads
    /// started before it are shut down).
    pub fn new(threads: usize) -> io::Result<Self> {
        let count = threads.max(1);
        let pool = Self {
            shared: Arc::new(PoolShared {
                jobs: SegQueue::new(),
                sleeping: AtomicUsize::new(0),
                lock: Mutex::new(()),
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

    /// Stops the workers and joins them. Jobs still queued are dropped
    /// without running; a job already running finishes first. Idempotent;
    /// called from a worker itself, it joins the others.
    pub fn shutdown(&self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        {
            let _guard = self.shared.lock.lock();
            self.shared.wake.notify_all();
        }
        let me = thread::current().id();
        let threads = std::mem::take(&mut *self.threads.lock());
        for handle in threads {
            if handle.thread().id() != me {
                let _ = handle.join();
            }
        }
        while self.shared.jobs.pop().is_some() {}
    }
}

impl Executor for WorkerPool {
    fn spawn(&self, job: Job) {
        let shared = &self.shared;
        if shared.shutdown.load(Ordering::Acquire) {
            return;
        }
        shared.jobs.push(job);
        // Pairs with the fence in `worker_loop`: either the worker sees the
        // job, or we see the worker asleep and wake it.
        fence(Ordering::SeqCst);
        if shared.sleeping.load(Ordering::SeqCst) > 0 {
            let _guard = shared.lock.lock();
            shared.wake.notify_one();
        }
    }

    fn worker_count(&self) -> usize {
        self.count
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerPool").field("threads", &self.count).finish_non_exhaustive()
    }
}

fn worker_loop(shared: &PoolShared) {
    loop {
        if shared.shutdown.load(Ordering::Acquire) {
            return;
        }
        if let Some(job) = shared.jobs.pop() {
            // A panicking job must not take the worker down with it.
            let _ = catch_unwind(AssertUnwindSafe(job));
            continue;
        }
        let mut guard = shared.lock.lock();
        shared.sleeping.fetch_add(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if shared.jobs.is_empty() && !shared.shutdown.load(Ordering::SeqCst) {
            shared.wake.wait(&mut guard);
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
        pool.shutdown();
        pool.shutdown();
    }
}
