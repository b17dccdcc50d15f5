//! Where loads run: the `Executor` trait, subsystems (worker quotas and
//! weights) and the default `WorkerPool`.
//!
//! The server keeps its own priority queues and runs them with drain jobs on
//! the executor (at most [`Executor::worker_count`] at once, and at most the
//! quota of its subsystem); a job, when it runs, takes the *most urgent*
//! queued work rather than one of "its own", and goes on while work is
//! queued. So an executor only has to run jobs eventually, in any order:
//! even a FIFO host pool serves by priority.
//!
//! **Subsystems.** An engine shares its pool between kinds of work: asset
//! loading, hot reload, its own jobs. An [`ExecutorConfig`] names each
//! [`Subsystem`] with a *quota* (never more than this many of its jobs run
//! at once) and a *weight* (under contention, workers are shared in
//! proportion to weights: weight 3 against weight 1 starts three jobs for
//! one). The server spawns its jobs in one subsystem
//! ([`AssetServerBuilder::subsystem`](crate::AssetServerBuilder::subsystem),
//! `"load"` by default) and keeps no more drain jobs live than its quota.

mod pool;

pub use pool::WorkerPool;

/// A unit of work handed to an [`Executor`].
pub type Job = Box<dyn FnOnce() + Send>;

/// The name of the subsystem the server's jobs run in by default.
pub const LOAD_SUBSYSTEM: &str = "load";

/// A kind of work sharing an executor, with its worker quota and weight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subsystem {
    /// The name jobs are spawned under (`"load"`, `"reload"`).
    pub name: String,
    /// The most jobs of this subsystem running at once (at least 1).
    pub quota: usize,
    /// Its share of the workers under contention, relative to the other
    /// subsystems' weights (at least 1).
    pub weight: u32,
}

impl Subsystem {
    /// A subsystem named `name` with `quota` workers at most and `weight`.
    #[must_use]
    pub fn new(name: impl Into<String>, quota: usize, weight: u32) -> Self {
        Self { name: name.into(), quota: quota.max(1), weight: weight.max(1) }
    }
}

/// Which subsystem of an executor a job belongs to (an index into its
/// configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SubsystemId(usize);

impl SubsystemId {
    /// The id of the subsystem at `index` in an executor's configuration.
    #[must_use]
    pub const fn new(index: usize) -> Self {
        Self(index)
    }

    /// The index in the executor's configuration.
    #[must_use]
    pub const fn index(self) -> usize {
        self.0
    }
}

/// The threads of a pool and the subsystems that share them.
///
/// ```
/// use amsp_runtime::{Executor, ExecutorConfig, Subsystem, WorkerPool};
///
/// # fn main() -> std::io::Result<()> {
/// let pool = WorkerPool::with_config(ExecutorConfig {
///     threads: 8,
///     subsystems: vec![Subsystem::new("load", 6, 3), Subsystem::new("reload", 2, 1)],
/// })?;
/// let load = pool.subsystem("load").expect("configured");
/// assert_eq!(pool.quota(load), 6);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutorConfig {
    /// Worker threads (at least one).
    pub threads: usize,
    /// The subsystems; the first is where plain [`Executor::spawn`] goes.
    /// Empty means one `"load"` subsystem using every thread.
    pub subsystems: Vec<Subsystem>,
}

impl ExecutorConfig {
    /// `threads` workers shared by one `"load"` subsystem.
    #[must_use]
    pub fn new(threads: usize) -> Self {
        Self { threads, subsystems: Vec::new() }
    }
}

/// A pool of threads that runs the server's jobs; implement it to run AMSP on
/// a host engine's own job system.
///
/// # Note for implementors
/// - `spawn` and `spawn_in` are called on the request path
///   ([`AssetServer::load`]) and from worker threads: they must not block
///   for long nor run the job inline.
/// - Every spawned job must run eventually (in any order), unless the
///   executor is shutting down; jobs never block on one another, so a single
///   thread is enough to make progress.
/// - An executor with subsystems returns their ids from
///   [`subsystem`](Executor::subsystem), runs a job spawned with
///   [`spawn_in`](Executor::spawn_in) under that subsystem's quota and
///   weight, and reports the quota from [`quota`](Executor::quota). The
///   provided methods describe an executor without subsystems.
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

    /// The id of the subsystem called `name`, if the executor has one.
    fn subsystem(&self, name: &str) -> Option<SubsystemId> {
        let _ = name;
        None
    }

    /// Queues `job` to run under `subsystem`'s quota and weight.
    fn spawn_in(&self, subsystem: SubsystemId, job: Job) {
        let _ = subsystem;
        self.spawn(job);
    }

    /// The most jobs of `subsystem` that run at once.
    fn quota(&self, subsystem: SubsystemId) -> usize {
        let _ = subsystem;
        self.worker_count()
    }
}
