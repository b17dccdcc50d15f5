//! [`AssetServerBuilder`]: the settings of a server.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use amsp_io::AssetSource;

use super::AssetServer;
use crate::executor::{Executor, LOAD_SUBSYSTEM, WorkerPool};
use crate::sched::SchedConfig;

/// Registry shards by default: enough that requests from many threads rarely
/// meet on one lock.
const DEFAULT_SHARDS: usize = 64;

/// Why a server could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No source was given.
    #[error("an asset server needs a source: call AssetServerBuilder::source")]
    MissingSource,
    /// The worker threads could not be started.
    #[error("cannot start the asset server's worker threads: {0}")]
    SpawnWorkers(#[source] io::Error),
}

/// Settings for an [`AssetServer`].
///
/// ```
/// use std::sync::Arc;
/// use amsp_io::MemorySource;
/// use amsp_runtime::AssetServer;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = AssetServer::builder()
///     .source(Arc::new(MemorySource::new("embedded")))
///     .worker_threads(2)
///     .memory_budget(64 << 20)
///     .build()?;
/// assert_eq!(server.memory_budget(), Some(64 << 20));
/// # Ok(())
/// # }
/// ```
#[derive(Default)]
#[must_use]
pub struct AssetServerBuilder {
    source: Option<Arc<dyn AssetSource>>,
    executor: Option<Arc<dyn Executor>>,
    worker_threads: Option<usize>,
    memory_budget: Option<usize>,
    type_budgets: Vec<(std::any::TypeId, usize)>,
    cache_policy: crate::cache::CachePolicy,
    shards: Option<usize>,
    sched: SchedConfig,
    subsystem: Option<String>,
}

impl AssetServerBuilder {
    /// Where assets are read from (required).
    pub fn source(mut self, source: Arc<dyn AssetSource>) -> Self {
        self.source = Some(source);
        self
    }

    /// Runs the server's jobs on a host executor instead of the server's own
    /// [`WorkerPool`] (then [`worker_threads`](Self::worker_threads) is
    /// ignored, and dropping the server does not join the host's threads).
    pub fn executor(mut self, executor: Arc<dyn Executor>) -> Self {
        self.executor = Some(executor);
        self
    }

    /// The executor's subsystem the server's jobs run in (default
    /// [`LOAD_SUBSYSTEM`], `"load"`): the server keeps no more jobs live
    /// than its quota, and the executor weighs them against its other
    /// subsystems. An executor without that subsystem runs them as plain
    /// jobs.
    pub fn subsystem(mut self, name: impl Into<String>) -> Self {
        self.subsystem = Some(name.into());
        self
    }

    /// Threads of the server's own pool (default: the available cores).
    pub fn worker_threads(mut self, threads: usize) -> Self {
        self.worker_threads = Some(threads);
        self
    }

    /// Bytes of unused loaded assets to keep; beyond it unused assets are
    /// freed in the order of the [cache policy](Self::cache_policy)
    /// (default: no budget, unused assets stay until
    /// [`AssetServer::unload_unused`]).
    pub fn memory_budget(mut self, bytes: usize) -> Self {
        self.memory_budget = Some(bytes);
        self
    }

    /// Bytes of unused loaded assets of type `T` to keep, apart from the
    /// other types (see [`AssetServer::set_type_budget`]); the
    /// [global budget](Self::memory_budget), if any, bounds them too.
    pub fn type_budget<T: crate::Asset>(mut self, bytes: usize) -> Self {
        let type_id = std::any::TypeId::of::<T>();
        self.type_budgets.retain(|(t, _)| *t != type_id);
        self.type_budgets.push((type_id, bytes));
        self
    }

    /// How loads that fail for a transient reason (I/O) are retried
    /// (default: 3 attempts, 100 ms then doubling up to 5 s;
    /// [`RetryPolicy::never`](crate::RetryPolicy::never) turns retries off).
    pub fn retry_policy(mut self, policy: crate::RetryPolicy) -> Self {
        self.sched.retry = policy;
        self
    }

    /// Which unused asset the memory budget frees first
    /// ([`CachePolicy::S3Fifo`](crate::cache::CachePolicy::S3Fifo) by
    /// default: scan-resistant; see `docs/benchmarks.md` for the hit ratios
    /// behind the choice).
    pub fn cache_policy(mut self, policy: crate::cache::CachePolicy) -> Self {
        self.cache_policy = policy;
        self
    }

    /// Bytes that may be in flight between the I/O stage and the decode
    /// stage (read ahead, not yet taken by a loader); default 64 MiB. A read
    /// starts only when its read-ahead fits, so this bounds the memory that
    /// queued requests hold whatever is queued.
    pub fn io_budget(mut self, bytes: usize) -> Self {
        self.sched.io_budget = bytes.max(1);
        self
    }

    /// Bytes one request may read ahead of its loader (the first chunks it
    /// reads, in order, as
    /// [`AssetLoader::read_ahead`](crate::AssetLoader::read_ahead) says);
    /// default 4 MiB. Chunks beyond it are read when the loader asks for
    /// them.
    pub fn read_ahead(mut self, bytes: usize) -> Self {
        self.sched.read_ahead = bytes;
        self
    }

    /// Reads in progress at once on the source (default 8), over all its
    /// I/O lanes. A source whose storages serve fewer at once well also caps
    /// the reads of each lane
    /// ([`AssetSource::lane_concurrency`]);
    /// a lane at its limit never holds back the reads of another lane.
    pub fn io_concurrency(mut self, reads: usize) -> Self {
        self.sched.io_concurrency = reads.max(1);
        self
    }

    /// Aging: a waiting request gains one priority class per `window` waited
    /// (default 2 s), so low-priority work still progresses under a constant
    /// stream of urgent work: a request of class `c` is served before any
    /// request of class `c'` queued more than `(c' − c + 1) × window` after
    /// it. `None` turns aging off (strict priority order).
    pub fn aging(mut self, window: Option<Duration>) -> Self {
        self.sched.aging = window;
        self
    }

    /// Shards of the slot registry (default 64, rounded up to a power of two).
    pub fn registry_shards(mut self, shards: usize) -> Self {
        self.shards = Some(shards);
        self
    }

    /// Builds the server, starting its worker threads.
    ///
    /// # Errors
    /// [`BuildError::MissingSource`] without a source;
    /// [`BuildError::SpawnWorkers`] if a thread cannot be started.
    pub fn build(self) -> Result<AssetServer, BuildError> {
        let source = self.source.ok_or(BuildError::MissingSource)?;
        let (executor, pool) = match self.executor {
            Some(executor) => (executor, None),
            None => {
                let pool = match self.worker_threads {
                    Some(n) => WorkerPool::new(n),
                    None => WorkerPool::with_available_parallelism(),
                }
                .map_err(BuildError::SpawnWorkers)?;
                let pool = Arc::new(pool);
                (Arc::clone(&pool) as Arc<dyn Executor>, Some(pool))
            }
        };
        Ok(AssetServer::from_parts(
            source,
            executor,
            pool,
            super::memory::MemoryConfig {
                budget: self.memory_budget,
                policy: self.cache_policy,
                type_budgets: self.type_budgets,
            },
            self.shards.unwrap_or(DEFAULT_SHARDS),
            self.sched,
            self.subsystem.as_deref().unwrap_or(LOAD_SUBSYSTEM),
        ))
    }
}

impl std::fmt::Debug for AssetServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssetServerBuilder")
            .field("source", &self.source.as_ref().map(|s| s.name().to_owned()))
            .field("custom_executor", &self.executor.is_some())
            .field("worker_threads", &self.worker_threads)
            .field("memory_budget", &self.memory_budget)
            .field("type_budgets", &self.type_budgets.len())
            .field("io_budget", &self.sched.io_budget)
            .field("read_ahead", &self.sched.read_ahead)
            .field("io_concurrency", &self.sched.io_concurrency)
            .field("aging", &self.sched.aging)
            .finish_non_exhaustive()
    }
}
