//! Hot reload: a watcher on a source folder that refreshes the source and
//! reloads what changed in a running [`AssetServer`].
//!
//! [`HotReload::start`] watches the folder of a [`RefreshSource`] (a
//! development source that imports files as they are, such as
//! `amsp_cook::dev::DevSource`) recursively. File-system events are
//! debounced ([`HotReloadConfig::debounce`], 50 ms by default: a save made
//! of several writes, a write to a temporary file and a rename over the
//! target, a delete and a create, or several quick saves in a row count as
//! one change of the target). Each debounced batch goes to one driver
//! thread, which maps the paths to asset paths (editor temporary files and
//! `.git`-like folders left out; sidecars count, the source maps them to
//! their asset), asks the source to [`refresh`](RefreshSource::refresh)
//! them, and hands the ids whose content changed to
//! [`AssetServer::reload_many`] as one batch: the server swaps each new
//! version in place, dependents after their dependencies, each once, at the
//! priority each asset was requested with, and reports
//! [`AssetEvent::Reloaded`] or [`AssetEvent::ReloadFailed`] (a failed
//! reload keeps the old version; the source retries transient read errors).
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let source: std::sync::Arc<dyn amsp_io::RefreshSource> = todo!();
//! use amsp_runtime::{AssetServer, hot_reload::{HotReload, HotReloadConfig}};
//!
//! let server = AssetServer::new(source.clone())?;
//! let watcher = HotReload::start(source, &server, HotReloadConfig::default())?;
//! // … edit files; handles see new versions …
//! println!("{:?}", watcher.stats());
//! # Ok(())
//! # }
//! ```

mod paths;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use amsp_core::AssetId;
use amsp_io::RefreshSource;
use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use parking_lot::Mutex;

use crate::server::{AssetEvent, AssetServer, Inner};

pub use paths::is_temporary;

/// How long a change waits for its reload event before it is no longer
/// counted (an asset that is not loaded never reloads).
const PENDING_TIMEOUT: Duration = Duration::from_secs(60);

/// Settings of a [`HotReload`] watcher.
#[derive(Debug, Clone)]
pub struct HotReloadConfig {
    /// Quiet time after the last event on a file before its change is
    /// handled (default 50 ms; at least 1 ms).
    pub debounce: Duration,
    /// Further file-name endings to ignore, besides the editor temporary
    /// files [`is_temporary`] knows.
    pub ignore_suffixes: Vec<String>,
}

impl Default for HotReloadConfig {
    fn default() -> Self {
        Self { debounce: Duration::from_millis(50), ignore_suffixes: Vec::new() }
    }
}

/// Why a [`HotReload`] watcher could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HotReloadError {
    /// The source has no folder on disk to watch.
    #[error("source {source_name} has no folder to watch")]
    NoFolder {
        /// The source.
        source_name: String,
    },
    /// The watch could not be set up.
    #[error("cannot watch {path}: {detail}")]
    Watch {
        /// The folder.
        path: PathBuf,
        /// The watcher's error.
        detail: String,
    },
    /// The driver thread could not be started.
    #[error("cannot start the hot-reload thread: {0}")]
    Spawn(#[source] std::io::Error),
}

/// Counters of a [`HotReload`] watcher.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HotReloadStats {
    /// Plain files under the watched folder now that could be assets
    /// (temporary files and `.git`-like folders not counted).
    pub files_watched: usize,
    /// Debounced batches of file events handled.
    pub batches: u64,
    /// Asset paths handed to the source to refresh.
    pub paths_changed: u64,
    /// Assets whose content changed, handed to the server to reload.
    pub assets_changed: u64,
    /// New versions swapped in ([`AssetEvent::Reloaded`]) since the start,
    /// dependents included.
    pub reloads: u64,
    /// Reloads that failed ([`AssetEvent::ReloadFailed`]) since the start.
    pub failures: u64,
    /// Errors the file watcher reported, and batches whose handling
    /// panicked (the watcher goes on).
    pub watch_errors: u64,
    /// Time spent refreshing the source (re-importing), all batches.
    pub refresh_time: Duration,
    /// From the first file event of a change to its new version visible,
    /// debounce included: the last one.
    pub last_latency: Option<Duration>,
    /// The mean of those latencies.
    pub mean_latency: Option<Duration>,
    /// The largest of them.
    pub max_latency: Option<Duration>,
}

/// State shared by the driver thread, the event listener and the owner.
struct Shared {
    root: PathBuf,
    config: HotReloadConfig,
    files: Mutex<HashSet<PathBuf>>,
    /// Asset → when the earliest file event of its pending change came.
    pending: Mutex<HashMap<AssetId, Instant>>,
    latencies: Mutex<Latencies>,
    batches: AtomicU64,
    paths_changed: AtomicU64,
    assets_changed: AtomicU64,
    reloads: AtomicU64,
    failures: AtomicU64,
    watch_errors: AtomicU64,
    refresh_nanos: AtomicU64,
}

#[derive(Default)]
struct Latencies {
    count: u32,
    total: Duration,
    max: Duration,
    last: Option<Duration>,
}

impl Shared {
    fn on_event(&self, event: &AssetEvent) {
        match event {
            AssetEvent::Reloaded { id, .. } => {
                self.reloads.fetch_add(1, Ordering::Relaxed);
                if let Some(at) = self.pending.lock().remove(id) {
                    let latency = at.elapsed();
                    let mut l = self.latencies.lock();
                    l.count = l.count.saturating_add(1);
                    l.total += latency;
                    l.max = l.max.max(latency);
                    l.last = Some(latency);
                }
            }
            AssetEvent::ReloadFailed { id, .. } => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                self.pending.lock().remove(id);
            }
            // First loads are not reloads.
            _ => {}
        }
    }

    /// Handles one debounced batch: refresh the source, reload the changes.
    fn handle(&self, batch: Batch, source: &dyn RefreshSource, server: &Weak<Inner>) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        let mut files = Vec::new();
        for path in &batch.paths {
            paths::expand(path, &mut files);
        }
        {
            let mut watched = self.files.lock();
            for file in &files {
                let served = paths::asset_path(&self.root, file, &self.config.ignore_suffixes);
                if served.is_some() && std::fs::symlink_metadata(file).is_ok_and(|m| m.is_file()) {
                    watched.insert(file.clone());
                } else {
                    watched.remove(file);
                    let prefix = file.clone();
                    watched.retain(|w| !w.starts_with(&prefix));
                }
            }
        }
        let mut changed: Vec<amsp_core::AssetPath> = files
            .iter()
            .filter_map(|f| paths::asset_path(&self.root, f, &self.config.ignore_suffixes))
            .collect();
        changed.sort();
        changed.dedup();
        if changed.is_empty() {
            return;
        }
        self.paths_changed.fetch_add(changed.len() as u64, Ordering::Relaxed);
        let started = Instant::now();
        let ids = source.refresh(&changed);
        let took = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.refresh_nanos.fetch_add(took, Ordering::Relaxed);
        if ids.is_empty() {
            return;
        }
        self.assets_changed.fetch_add(ids.len() as u64, Ordering::Relaxed);
        {
            let mut pending = self.pending.lock();
            pending.retain(|_, at| at.elapsed() < PENDING_TIMEOUT);
            for id in &ids {
                let at = pending.entry(*id).or_insert(batch.first_event);
                *at = (*at).min(batch.first_event);
            }
        }
        if let Some(inner) = server.upgrade() {
            inner.reload_many(&ids);
        }
    }
}

/// One debounced batch of file events.
struct Batch {
    paths: Vec<PathBuf>,
    first_event: Instant,
}

/// A running hot-reload watcher (see the [module docs](self)); stops when
/// dropped.
pub struct HotReload {
    shared: Arc<Shared>,
    debouncer: Option<Debouncer<RecommendedWatcher, RecommendedCache>>,
    driver: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for HotReload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HotReload").field("root", &self.shared.root).finish_non_exhaustive()
    }
}

impl HotReload {
    /// Watches the folder of `source` and reloads what changes in
    /// `server`, which must serve `source` (directly or through a mount
    /// table).
    ///
    /// # Errors
    /// [`HotReloadError::NoFolder`] when the source has no folder,
    /// [`HotReloadError::Watch`] when the folder cannot be watched,
    /// [`HotReloadError::Spawn`] when the driver thread cannot start.
    pub fn start(
        source: Arc<dyn RefreshSource>,
        server: &AssetServer,
        config: HotReloadConfig,
    ) -> Result<Self, HotReloadError> {
        let root = source
            .watch_root()
            .ok_or_else(|| HotReloadError::NoFolder { source_name: source.name().to_owned() })?;
        let root = std::fs::canonicalize(&root)
            .map_err(|e| HotReloadError::Watch { path: root.clone(), detail: e.to_string() })?;
        let shared = Arc::new(Shared {
            files: Mutex::new(
                paths::files_under(&root)
                    .into_iter()
                    .filter(|f| paths::asset_path(&root, f, &config.ignore_suffixes).is_some())
                    .collect(),
            ),
            root: root.clone(),
            config: config.clone(),
            pending: Mutex::default(),
            latencies: Mutex::default(),
            batches: AtomicU64::new(0),
            paths_changed: AtomicU64::new(0),
            assets_changed: AtomicU64::new(0),
            reloads: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            watch_errors: AtomicU64::new(0),
            refresh_nanos: AtomicU64::new(0),
        });
        let listener = Arc::downgrade(&shared);
        server.inner().reloads.add_listener(Box::new(move |event| {
            if let Some(shared) = listener.upgrade() {
                shared.on_event(event);
            }
        }));
        let (tx, rx) = mpsc::channel::<Batch>();
        let errors = Arc::downgrade(&shared);
        let handler = move |result: DebounceEventResult| match result {
            Ok(events) => {
                // Opening or closing a file changes nothing (and the
                // source's own reads would feed back as events).
                let events: Vec<_> = events
                    .into_iter()
                    .filter(|e| !matches!(e.event.kind, EventKind::Access(_)))
                    .collect();
                let Some(first_event) = events.iter().map(|e| e.time).min() else { return };
                let paths = events.into_iter().flat_map(|e| e.event.paths).collect();
                let _ = tx.send(Batch { paths, first_event });
            }
            Err(errs) => {
                if let Some(shared) = errors.upgrade() {
                    shared.watch_errors.fetch_add(errs.len() as u64, Ordering::Relaxed);
                }
            }
        };
        let watch_error = |e: notify_debouncer_full::notify::Error| HotReloadError::Watch {
            path: root.clone(),
            detail: e.to_string(),
        };
        // At least 1 ms, so that the debouncer's loop never spins.
        let debounce = config.debounce.max(Duration::from_millis(1));
        let tick = (debounce / 4).max(Duration::from_millis(1));
        let mut debouncer = new_debouncer(debounce, Some(tick), handler).map_err(watch_error)?;
        debouncer.watch(&root, RecursiveMode::Recursive).map_err(watch_error)?;
        let server = Arc::downgrade(server.inner());
        let driver_shared = Arc::clone(&shared);
        let driver = std::thread::Builder::new()
            .name("amsp-hot-reload".into())
            .spawn(move || {
                while let Ok(batch) = rx.recv() {
                    // A batch whose handling panics (a source breaking its
                    // contract) is counted and the watcher goes on.
                    let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        driver_shared.handle(batch, &*source, &server);
                    }));
                    if handled.is_err() {
                        driver_shared.watch_errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
            .map_err(HotReloadError::Spawn)?;
        Ok(Self { shared, debouncer: Some(debouncer), driver: Some(driver) })
    }

    /// The folder watched (its real path).
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.shared.root
    }

    /// Counters and latencies so far.
    #[must_use]
    pub fn stats(&self) -> HotReloadStats {
        let s = &self.shared;
        let l = s.latencies.lock();
        HotReloadStats {
            files_watched: s.files.lock().len(),
            batches: s.batches.load(Ordering::Relaxed),
            paths_changed: s.paths_changed.load(Ordering::Relaxed),
            assets_changed: s.assets_changed.load(Ordering::Relaxed),
            reloads: s.reloads.load(Ordering::Relaxed),
            failures: s.failures.load(Ordering::Relaxed),
            watch_errors: s.watch_errors.load(Ordering::Relaxed),
            refresh_time: Duration::from_nanos(s.refresh_nanos.load(Ordering::Relaxed)),
            last_latency: l.last,
            mean_latency: (l.count > 0).then(|| l.total / l.count),
            max_latency: (l.count > 0).then_some(l.max),
        }
    }

    /// Stops watching; the batch being handled finishes first.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(debouncer) = self.debouncer.take() {
            // Dropping the debouncer drops its event handler, which closes
            // the driver's channel.
            debouncer.stop();
        }
        if let Some(driver) = self.driver.take() {
            let _ = driver.join();
        }
    }
}

impl Drop for HotReload {
    fn drop(&mut self) {
        self.shut_down();
    }
}
