//! The `AssetServer`: requests, handles, loaders, workers, dependencies and
//! memory.
//!
//! - [`request`]: the request path (`load`), resolution and priorities.
//! - [`jobs`]: the drain jobs that run queued requests on the executor.
//! - [`worker`]: the loading pipeline a job runs for each request.
//! - [`deps`]: the dependency graph, cycle detection and completion.
//! - [`memory`]: unused tracking, `unload_unused`, the memory budget, stats.
//! - [`unused`]: the index of unused assets, partitioned by type budget.
//! - [`reload`]: reloads swapped in place, in dependency order, and events.
//! - [`retry`]: retries of transient failures, with backoff.
//! - [`timing`]: load times per type and bytes read per storage.
//! - [`builder`]: the [`AssetServerBuilder`].
//! - [`bundle`]: bundles and progress.

pub(crate) mod builder;
pub(crate) mod bundle;
mod cancel;
pub(crate) mod deps;
mod jobs;
pub(crate) mod memory;
mod registry;
pub(crate) mod reload;
mod request;
pub(crate) mod retry;
pub(crate) mod timing;
mod unused;
pub(crate) mod upload;
pub(crate) mod worker;

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use amsp_core::Priority;
use amsp_io::AssetSource;
use crossbeam_utils::CachePadded;
use parking_lot::{Condvar, Mutex, RwLock};

use crate::asset::{Asset, BlobLoader, TextLoader};
use crate::error::LoadState;
use crate::executor::{Executor, SubsystemId, WorkerPool};
use crate::handle::{AssetRef, Handle};
use crate::loader::{AssetLoader, LoaderRegistry};
use crate::sched::{Inbox, SchedConfig, Scheduler};

pub use builder::{AssetServerBuilder, BuildError};
pub use bundle::{Bundle, BundleError, MAX_BUNDLE_FILE, Progress};
pub use memory::AssetStats;
pub use reload::{AssetEvent, EventListener};
pub use retry::RetryPolicy;
pub use timing::TypeLoadTimes;

use jobs::Jobs;
use memory::Tracker;
use registry::Registry;

/// Wakes threads waiting for loads to finish.
///
/// Notifying is one atomic load when nobody waits, so completions on the
/// workers cost nothing for callers that never wait.
pub(crate) struct Signal {
    lock: Mutex<()>,
    cond: Condvar,
    waiters: AtomicUsize,
}

impl Signal {
    fn new() -> Self {
        Self { lock: Mutex::new(()), cond: Condvar::new(), waiters: AtomicUsize::new(0) }
    }

    /// Wakes every waiter (call after the state change it reports).
    pub fn notify(&self) {
        // Pairs with the fence in `wait_until`: either the waiter sees the
        // state change, or this sees the waiter.
        std::sync::atomic::fence(Ordering::SeqCst);
        if self.waiters.load(Ordering::Relaxed) == 0 {
            return;
        }
        let _guard = self.lock.lock();
        self.cond.notify_all();
    }

    /// Waits until `done()` or `deadline`; returns `done()`.
    fn wait_until(&self, deadline: Instant, done: impl Fn() -> bool) -> bool {
        let mut guard = self.lock.lock();
        self.waiters.fetch_add(1, Ordering::Relaxed);
        std::sync::atomic::fence(Ordering::SeqCst);
        let result = loop {
            if done() {
                break true;
            }
            if self.cond.wait_until(&mut guard, deadline).timed_out() {
                break done();
            }
        };
        self.waiters.fetch_sub(1, Ordering::Relaxed);
        result
    }
}

/// Event counters.
///
/// The request path bumps only `requested`, which sits on its own cache line
/// so that workers bumping the others on every completion do not take it
/// away from the requesting thread. Requests in flight are `requested -
/// ended`: every end follows its request (a queue push and pop apart), so
/// `ended` never passes `requested`.
#[derive(Default)]
pub(crate) struct Counters {
    pub requested: CachePadded<AtomicU64>,
    pub loaded: AtomicU64,
    pub failed: AtomicU64,
    pub evicted: AtomicU64,
    /// Requests cancelled because nobody wanted them any more.
    pub cancelled: AtomicU64,
    /// Requests that ended `Loaded`, `Failed` or cancelled.
    ended: AtomicU64,
}

impl Counters {
    /// Records a request that ends later (with [`Counters::end`]).
    pub fn request(&self) {
        self.requested.fetch_add(1, Ordering::Relaxed);
    }

    /// Records the end of a request; true if none is left in flight.
    pub fn end(&self, loaded: bool) -> bool {
        let counter = if loaded { &self.loaded } else { &self.failed };
        counter.fetch_add(1, Ordering::Relaxed);
        let ended = self.ended.fetch_add(1, Ordering::AcqRel) + 1;
        ended == self.requested.load(Ordering::Acquire)
    }

    /// Records the cancellation of a request; true if none is left in
    /// flight.
    pub fn end_cancelled(&self) -> bool {
        self.cancelled.fetch_add(1, Ordering::Relaxed);
        let ended = self.ended.fetch_add(1, Ordering::AcqRel) + 1;
        ended == self.requested.load(Ordering::Acquire)
    }

    /// Whether every request made so far has ended.
    pub fn is_idle(&self) -> bool {
        // `ended` first: whatever it counts was requested before `requested`
        // is read, so equality means no request was in flight then.
        let ended = self.ended.load(Ordering::Acquire);
        ended == self.requested.load(Ordering::Acquire)
    }
}

/// Everything the server's jobs share.
pub(crate) struct Inner {
    pub source: Arc<dyn AssetSource>,
    pub executor: Arc<dyn Executor>,
    /// The executor's subsystem the server's jobs run in, if it has one.
    subsystem: Option<SubsystemId>,
    pub(crate) registry: Registry,
    pub loaders: RwLock<LoaderRegistry>,
    pub sched: Scheduler,
    /// Loaded assets waiting for the host to upload them.
    pub uploads: upload::Uploads,
    jobs: Jobs,
    /// Serialises cycle checks with the edge insertions they guard.
    pub graph: Mutex<()>,
    pub tracker: Arc<Tracker>,
    lru: Mutex<memory::UnusedIndex>,
    placeholders: RwLock<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
    pub signal: Signal,
    /// Signalled when the number of requests in flight drops to zero.
    pub idle: Signal,
    pub counters: Counters,
    /// Reloads in flight, asset events and their listeners.
    pub reloads: reload::Reloads,
    /// The retry policy, and loads waiting for their next attempt.
    pub retry: RetryPolicy,
    pub retries: retry::Retries,
    /// Load times and bytes read.
    pub timings: Arc<timing::Timings>,
    /// The bundles loaded, by name.
    bundles: bundle::Bundles,
    shutdown: AtomicBool,
    weak_self: Weak<Inner>,
}

impl Inner {
    /// Runs `job` on the executor, in the server's subsystem.
    pub fn spawn(&self, job: crate::executor::Job) {
        match self.subsystem {
            Some(sub) => self.executor.spawn_in(sub, job),
            None => self.executor.spawn(job),
        }
    }

    pub fn is_shut_down(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }
}

struct Placeholders<T> {
    loading: Option<Arc<T>>,
    error: Option<Arc<T>>,
}

/// Loads assets in the background and hands out typed handles.
///
/// `load` records the request and returns at once; the server's workers
/// (its own [`WorkerPool`] or a host [`Executor`]) read, decode and resolve
/// dependencies, most urgent requests first. See the [crate docs](crate) for
/// a tour.
pub struct AssetServer {
    inner: Arc<Inner>,
    pool: Option<Arc<WorkerPool>>,
}

impl AssetServer {
    /// A server over `source` with the default settings (one worker per core,
    /// no memory budget).
    ///
    /// # Errors
    /// [`BuildError::SpawnWorkers`] if the worker threads cannot be started.
    pub fn new(source: Arc<dyn AssetSource>) -> Result<Self, BuildError> {
        Self::builder().source(source).build()
    }

    /// A builder for a server with other settings.
    pub fn builder() -> AssetServerBuilder {
        AssetServerBuilder::default()
    }

    fn from_parts(
        source: Arc<dyn AssetSource>,
        executor: Arc<dyn Executor>,
        pool: Option<Arc<WorkerPool>>,
        memory: memory::MemoryConfig,
        shards: usize,
        sched: SchedConfig,
        subsystem: &str,
    ) -> Self {
        let mut loaders = LoaderRegistry::default();
        loaders.register(BlobLoader);
        loaders.register(TextLoader);
        let subsystem = executor.subsystem(subsystem);
        let job_limit = subsystem.map_or(executor.worker_count(), |sub| {
            executor.quota(sub).min(executor.worker_count())
        });
        let inbox = Arc::new(Inbox::default());
        let uploads = upload::Uploads::new(crate::sched::key::Aging::new(sched.aging));
        let mut unused = unused::UnusedIndex::new(memory.policy);
        for &(type_id, budget) in &memory.type_budgets {
            unused.set_type_budget(type_id, Some(budget), |_| None, Vec::new);
        }
        let type_budgets = unused.has_type_budgets();
        let inner = Arc::new_cyclic(|weak: &Weak<Inner>| Inner {
            source,
            executor,
            registry: Registry::new(shards),
            loaders: RwLock::new(loaders),
            sched: Scheduler::new(sched, Arc::clone(&inbox)),
            uploads,
            subsystem,
            jobs: Jobs::new(job_limit),
            graph: Mutex::new(()),
            tracker: {
                let tracker = Tracker::new(weak.clone(), inbox, memory.budget);
                tracker.set_type_budgets(type_budgets);
                Arc::new(tracker)
            },
            lru: Mutex::new(unused),
            placeholders: RwLock::new(HashMap::new()),
            signal: Signal::new(),
            idle: Signal::new(),
            counters: Counters::default(),
            reloads: reload::Reloads::default(),
            retry: sched.retry,
            retries: retry::Retries::default(),
            timings: Arc::default(),
            bundles: bundle::Bundles::default(),
            shutdown: AtomicBool::new(false),
            weak_self: weak.clone(),
        });
        Self { inner, pool }
    }

    /// Registers `loader` for its Rust type, cooked type names and
    /// extensions; it takes precedence over loaders registered before it for
    /// the same names (the built-in [`Blob`](crate::Blob) and
    /// [`Text`](crate::Text) loaders are registered first).
    pub fn register_loader<L: AssetLoader>(&self, loader: L) {
        self.inner.loaders.write().register(loader);
    }

    /// Requests `asset` as a `T` with [`Normal`](amsp_core::PriorityClass::Normal)
    /// priority and returns its handle at once.
    ///
    /// Never blocks: no I/O, no lock a worker holds for long. Loading the same
    /// asset as the same type again returns a handle to the same slot. A path
    /// that does not resolve gives a handle that is already
    /// `Failed(NotFound)`; every other failure shows up in
    /// [`state`](AssetServer::state) once a worker tried.
    pub fn load<'a, T: Asset>(&self, asset: impl Into<AssetRef<'a>>) -> Handle<T> {
        self.inner.load_typed(asset.into(), Priority::default())
    }

    /// [`load`](AssetServer::load) with a priority (a
    /// [`PriorityClass`](amsp_core::PriorityClass) or a full
    /// [`Priority`]). Asking again with a more urgent priority raises the
    /// pending request (and its dependencies).
    pub fn load_with_priority<'a, T: Asset>(
        &self,
        asset: impl Into<AssetRef<'a>>,
        priority: impl Into<Priority>,
    ) -> Handle<T> {
        self.inner.load_typed(asset.into(), priority.into())
    }

    /// Requests level of detail `level` of `asset` and every coarser level,
    /// as a `T`: for a texture, mip `level` and the smaller ones; for a
    /// mesh, LOD `level` and the coarser ones (levels count from the finest,
    /// 0). The streaming path: each level is a request of its own, with its
    /// own priority, cancelled when its last handle is dropped, and loaded
    /// from the nearest level already loaded (a finer one is trimmed with
    /// no I/O, a coarser one is extended by reading only the levels it
    /// lacks), so that stepping one level finer reads one level's chunks.
    ///
    /// A loader learns the level from [`LoadContext::level`] and finds the
    /// loaded levels with [`LoadContext::loaded_levels`]; a loader that
    /// ignores levels loads the whole asset for every level. Levels above
    /// 254 are 254; [`load`](Self::load) is the whole asset, which is a
    /// slot apart from level 0.
    ///
    /// [`LoadContext::level`]: crate::LoadContext::level
    /// [`LoadContext::loaded_levels`]: crate::LoadContext::loaded_levels
    pub fn load_level<'a, T: Asset>(
        &self,
        asset: impl Into<AssetRef<'a>>,
        level: u8,
        priority: impl Into<Priority>,
    ) -> Handle<T> {
        self.inner.load_typed_level(asset.into(), level, priority.into())
    }

    /// Sets the priority of a pending request, more or less urgent: a queued
    /// request moves within its queue (O(log n), applied by the next job;
    /// this call only records it and never blocks), and a raise is passed
    /// on to the dependencies the request's load declared. A request that
    /// already ended is left alone. Returns whether the request was pending
    /// and its priority changed.
    pub fn set_priority<T: Asset>(
        &self,
        handle: &Handle<T>,
        priority: impl Into<Priority>,
    ) -> bool {
        let slot: Arc<dyn crate::slot::ErasedSlot> = Arc::clone(handle.slot()) as _;
        let changed = self.inner.set_priority(&slot, priority.into());
        if changed {
            self.inner.wake_jobs();
        }
        changed
    }

    /// [`set_priority`](Self::set_priority) for many requests at once (the
    /// streaming manager's per-frame update); returns how many changed.
    pub fn set_priorities<'h, T: Asset>(
        &self,
        updates: impl IntoIterator<Item = (&'h Handle<T>, Priority)>,
    ) -> usize {
        let mut changed = 0;
        for (handle, priority) in updates {
            let slot: Arc<dyn crate::slot::ErasedSlot> = Arc::clone(handle.slot()) as _;
            changed += usize::from(self.inner.set_priority(&slot, priority));
        }
        if changed > 0 {
            self.inner.wake_jobs();
        }
        changed
    }

    /// The bytes loaded assets hold, in all and per type, and how much of it
    /// is unused (cached, evictable). One pass over the registry.
    #[must_use]
    pub fn memory_usage(&self) -> memory::MemoryUsage {
        self.inner.memory_usage()
    }

    /// Queues every asset of type `T` that becomes `Loaded` from now on
    /// (each version) in the *upload stage*, for the host to move it to the
    /// GPU with [`take_uploads`](Self::take_uploads). The stage is ordered
    /// like the I/O and decode stages, by the request's priority (class,
    /// urgency, time waited); [`set_priority`](Self::set_priority) moves a
    /// waiting upload, and an asset whose last handle is dropped before it
    /// is taken is cancelled there too.
    pub fn enable_uploads<T: Asset>(&self) {
        self.inner.uploads.enable(TypeId::of::<T>());
    }

    /// Takes the most urgent loaded assets waiting for their upload, up to
    /// `max_bytes` of asset bytes, at least one (a frame's upload budget:
    /// call it once a frame on the render thread).
    pub fn take_uploads(&self, max_bytes: usize) -> Vec<upload::Upload> {
        self.inner.uploads.take(max_bytes)
    }

    /// The loaded asset, or `None` while it is not loaded.
    #[must_use]
    pub fn get<T: Asset>(&self, handle: &Handle<T>) -> Option<Arc<T>> {
        handle.slot().get()
    }

    /// The loaded asset; otherwise the type's loading placeholder while it is
    /// queued or loading, or its error placeholder once it failed (`None`
    /// where the type has none).
    #[must_use]
    pub fn get_or_placeholder<T: Asset>(&self, handle: &Handle<T>) -> Option<Arc<T>> {
        if let Some(value) = handle.slot().get() {
            return Some(value);
        }
        let placeholders = self.placeholders::<T>();
        if handle.slot().core.state_code() == crate::slot::FAILED {
            placeholders.error.clone()
        } else {
            placeholders.loading.clone()
        }
    }

    /// Replaces the placeholders of `T` on this server (`None` serves
    /// nothing), overriding [`Asset::placeholder`] and
    /// [`Asset::error_placeholder`].
    pub fn set_placeholder<T: Asset>(&self, loading: Option<T>, error: Option<T>) {
        let entry: Arc<dyn Any + Send + Sync> =
            Arc::new(Placeholders { loading: loading.map(Arc::new), error: error.map(Arc::new) });
        self.inner.placeholders.write().insert(TypeId::of::<T>(), entry);
    }

    fn placeholders<T: Asset>(&self) -> Arc<Placeholders<T>> {
        let found = self.inner.placeholders.read().get(&TypeId::of::<T>()).cloned();
        let entry = found.unwrap_or_else(|| {
            let made: Arc<dyn Any + Send + Sync> = Arc::new(Placeholders {
                loading: T::placeholder().map(Arc::new),
                error: T::error_placeholder().map(Arc::new),
            });
            Arc::clone(self.inner.placeholders.write().entry(TypeId::of::<T>()).or_insert(made))
        });
        entry.downcast::<Placeholders<T>>().unwrap_or_else(|_| {
            unreachable!("placeholders stored under the TypeId of {}", T::TYPE_NAME)
        })
    }

    /// The asset's state.
    #[must_use]
    pub fn state<T: Asset>(&self, handle: &Handle<T>) -> LoadState {
        handle.state()
    }

    /// Waits until the asset is `Loaded`, `Failed` or `Unloaded`, or until
    /// `timeout`; returns the state then.
    pub fn wait_for<T: Asset>(&self, handle: &Handle<T>, timeout: Duration) -> LoadState {
        let deadline = Instant::now() + timeout;
        self.inner.signal.wait_until(deadline, || handle.slot().core.is_terminal());
        handle.state()
    }

    /// Waits until every request made so far (and every dependency they
    /// pulled in) is `Loaded` or `Failed`, or until `timeout`; true if idle.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let counters = &self.inner.counters;
        self.inner.idle.wait_until(deadline, || counters.is_idle())
    }

    /// Frees every unused asset (no strong handle left) that finished
    /// loading or failed, including dependencies that become unused as their
    /// parents go; returns the bytes freed. Assets still loading stay.
    pub fn unload_unused(&self) -> usize {
        self.inner.unload_unused()
    }

    /// Processes pending "became unused" notifications and enforces the
    /// memory budget now (the server also does this on its workers); returns
    /// the bytes freed.
    pub fn maintain(&self) -> usize {
        self.inner.maintain()
    }

    /// The budget, in bytes, for loaded assets that nothing uses; `None` when
    /// unused assets are kept until [`unload_unused`](AssetServer::unload_unused).
    #[must_use]
    pub fn memory_budget(&self) -> Option<usize> {
        self.inner.tracker.budget()
    }

    /// Sets the memory budget for unused assets and enforces it at once;
    /// returns the bytes freed.
    pub fn set_memory_budget(&self, bytes: Option<usize>) -> usize {
        self.inner.tracker.set_budget(bytes);
        self.inner.maintain()
    }

    /// The budget, in bytes, for unused assets of type `T` alone, if `T` has
    /// one of its own (see [`set_type_budget`](Self::set_type_budget)).
    #[must_use]
    pub fn type_budget<T: Asset>(&self) -> Option<usize> {
        self.inner.type_budget(TypeId::of::<T>())
    }

    /// Gives unused assets of type `T` a budget of their own (`None`: they
    /// share the global one again) and enforces it at once; returns the
    /// bytes freed.
    ///
    /// A type with a budget keeps its unused assets in a partition of the
    /// memory cache of its own, ordered by the server's
    /// [cache policy](AssetServerBuilder::cache_policy): a flood of one
    /// type (textures passing by) cannot push out another (data tables
    /// used every few seconds). The [global budget](Self::set_memory_budget)
    /// still bounds every unused asset together; beyond it the partition
    /// holding the most unused bytes gives up its next victim.
    pub fn set_type_budget<T: Asset>(&self, bytes: Option<usize>) -> usize {
        self.inner.set_type_budget(TypeId::of::<T>(), bytes)
    }

    /// Loads `asset` again from the source and swaps the new version in
    /// place (see [`reload_many`](Self::reload_many)); returns the number
    /// of slots asked to reload (0 if the asset is not loaded or does not
    /// resolve).
    pub fn reload<'a>(&self, asset: impl Into<AssetRef<'a>>) -> usize {
        let id = match asset.into() {
            AssetRef::Id(id) => Some(id),
            AssetRef::Path(path) => self.inner.source.resolve(path),
            AssetRef::Str(text) => amsp_core::AssetPath::new(text)
                .ok()
                .and_then(|path| self.inner.source.resolve(&path)),
        };
        id.map_or(0, |id| self.inner.reload_many(&[id]))
    }

    /// Loads `ids` again, each in every type and level it is registered as,
    /// and then every loaded asset that depends on them, and swaps each new
    /// version in place: existing handles see it (their slot's version
    /// increments), nothing reloads twice, and a dependent reloads after its
    /// dependencies. A failed reload keeps the old version and reports
    /// [`AssetEvent::ReloadFailed`]; an asset whose first load failed loads.
    /// An asset asked again while its reload is in flight reloads once more
    /// afterwards. Returns the number of slots asked to reload.
    pub fn reload_many(&self, ids: &[amsp_core::AssetId]) -> usize {
        self.inner.reload_many(ids)
    }

    /// The asset events (reloads, failed reloads) since the last call.
    #[must_use]
    pub fn take_events(&self) -> Vec<AssetEvent> {
        self.inner.reloads.take_events()
    }

    /// Calls `listener` for every asset event, on the thread that caused it
    /// (a worker): keep it short. Events also queue for
    /// [`take_events`](Self::take_events).
    pub fn on_event(&self, listener: impl Fn(&AssetEvent) + Send + Sync + 'static) {
        self.inner.reloads.add_listener(Box::new(listener));
    }

    /// Loads every asset of `bundle` (each as the default Rust type of its
    /// cooked type, with `priority`) and holds it under the bundle's name
    /// until [`unload_bundle`](Self::unload_bundle); a bundle of the same
    /// name is replaced (assets both hold stay loaded). Returns its
    /// progress now.
    pub fn load_bundle(&self, bundle: &Bundle, priority: impl Into<Priority>) -> Progress {
        self.inner.load_bundle(bundle, priority.into())
    }

    /// Lets go of bundle `name`'s assets: those nothing else holds become
    /// unused (kept by the memory cache, freed under its budget). False if
    /// no such bundle is loaded.
    pub fn unload_bundle(&self, name: &str) -> bool {
        self.inner.unload_bundle(name)
    }

    /// The progress of bundle `name`, if loaded.
    #[must_use]
    pub fn bundle_progress(&self, name: &str) -> Option<Progress> {
        self.inner.bundle_progress(name)
    }

    /// The names of the bundles loaded, sorted.
    #[must_use]
    pub fn bundles(&self) -> Vec<String> {
        self.inner.bundle_names()
    }

    /// The progress of every registered request (each level request
    /// counts; bytes are those of whole-asset requests).
    #[must_use]
    pub fn progress(&self) -> Progress {
        self.inner.progress()
    }

    /// Counts and sizes of the server's assets.
    #[must_use]
    pub fn stats(&self) -> AssetStats {
        self.inner.stats()
    }

    /// Emits [`stats`](Self::stats) as `tracing` events (target
    /// `amsp::stats`, level INFO): one with the counts, one per asset type
    /// with its load times. Returns the snapshot.
    pub fn trace_stats(&self) -> AssetStats {
        let stats = self.stats();
        stats.trace();
        stats
    }

    /// The source the server reads from.
    #[must_use]
    pub fn source(&self) -> &Arc<dyn AssetSource> {
        &self.inner.source
    }

    /// The server's shared state, for the crate's watchers.
    pub(crate) fn inner(&self) -> &Arc<Inner> {
        &self.inner
    }

    /// The executor the server runs its jobs on.
    #[must_use]
    pub fn executor(&self) -> &Arc<dyn Executor> {
        &self.inner.executor
    }
}

impl Drop for AssetServer {
    /// Cancels queued requests (they fail with
    /// [`LoadError::Cancelled`](crate::LoadError::Cancelled)), lets loads in
    /// progress finish, and joins the server's own workers.
    fn drop(&mut self) {
        self.inner.shutdown.store(true, Ordering::SeqCst);
        self.inner.retries.wake();
        cancel::cancel_queued(&self.inner, false);
        if let Some(pool) = &self.pool {
            pool.shutdown();
        }
        cancel::cancel_queued(&self.inner, true);
        self.inner.signal.notify();
        self.inner.idle.notify();
    }
}

impl std::fmt::Debug for AssetServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssetServer")
            .field("source", &self.inner.source.name())
            .field("workers", &self.inner.executor.worker_count())
            .finish_non_exhaustive()
    }
}
