//! Reloads: a new version of a loaded asset, swapped in place.
//!
//! A reload loads the asset again into a *shadow*: a slot of the same asset,
//! type and level outside the registry, queued through the same scheduler
//! (the original's priority, the same I/O lanes and budgets) and the same
//! loader. Handles keep seeing the old version meanwhile. When the shadow
//! finishes loaded, the registered slot adopts its value and its declared
//! dependencies, and its version counter increments: every existing handle
//! sees the new version at its next `get`. When it fails, the old version
//! stays and the error is reported ([`AssetEvent::ReloadFailed`]). A slot
//! whose first load failed becomes loaded.
//!
//! A batch ([`AssetServer::reload_many`](crate::AssetServer::reload_many))
//! reloads the assets named, and every loaded asset that declared one of
//! them as a dependency, transitively, each once: a dependent starts only
//! after all of its dependencies in the batch have settled, so it loads
//! against their new versions. An asset asked to reload while its reload
//! (or its first load) is in flight reloads once more afterwards, however
//! many times it was asked: the last version on the source is the one that
//! ends up loaded.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use amsp_core::AssetId;
use crossbeam_queue::SegQueue;
use parking_lot::{Mutex, RwLock};

use super::Inner;
use crate::error::LoadError;
use crate::slot::{ErasedSlot, FAILED, LOADED, UNLOADED};

/// What happened to an asset, for hosts that react to changes: from
/// [`AssetServer::take_events`](crate::AssetServer::take_events) or a
/// listener ([`AssetServer::on_event`](crate::AssetServer::on_event)).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum AssetEvent {
    /// A new version of the asset is visible through its handles.
    Reloaded {
        /// The asset.
        id: AssetId,
        /// Its Rust type ([`Asset::TYPE_NAME`](crate::Asset::TYPE_NAME)).
        type_name: &'static str,
        /// The slot's version counter now.
        version: u32,
        /// From the reload request to the swap.
        latency: Duration,
    },
    /// A load failed for good (after its last attempt, if its error was
    /// transient): its handles show the error placeholder.
    LoadFailed {
        /// The asset.
        id: AssetId,
        /// Its Rust type.
        type_name: &'static str,
        /// Why.
        error: LoadError,
    },
    /// A reload failed; the previous version (if any) stays.
    ReloadFailed {
        /// The asset.
        id: AssetId,
        /// Its Rust type.
        type_name: &'static str,
        /// Why.
        error: LoadError,
    },
}

/// A listener for [`AssetEvent`]s, called on the worker that caused them.
pub type EventListener = Box<dyn Fn(&AssetEvent) + Send + Sync>;

/// Events kept for `take_events` at most.
const MAX_QUEUED_EVENTS: usize = 4096;

fn addr(slot: &Arc<dyn ErasedSlot>) -> usize {
    Arc::as_ptr(slot).cast::<()>() as usize
}

/// One registered slot being reloaded.
struct Job {
    original: Arc<dyn ErasedSlot>,
    /// The shadow in flight, if started.
    shadow: Option<Arc<dyn ErasedSlot>>,
    /// Asked again while in flight: reload once more when it settles.
    again: bool,
    /// Dependencies in the same batch that have not settled yet.
    waiting_on: usize,
    /// Jobs (by original address) that wait for this one.
    dependents: Vec<usize>,
    /// When it was first asked for.
    asked: Instant,
}

/// The server's reloads in flight, events and counters.
#[derive(Default)]
pub(crate) struct Reloads {
    jobs: Mutex<HashMap<usize, Job>>,
    /// Shadow address → original address.
    shadows: Mutex<HashMap<usize, usize>>,
    /// Jobs alive: the settle path looks at the maps only when non-zero.
    active: AtomicUsize,
    events: SegQueue<AssetEvent>,
    listeners: RwLock<Vec<EventListener>>,
    pub reloaded: AtomicU64,
    pub failed: AtomicU64,
}

impl Reloads {
    pub fn in_flight(&self) -> usize {
        self.active.load(Ordering::Acquire)
    }

    pub fn take_events(&self) -> Vec<AssetEvent> {
        std::iter::from_fn(|| self.events.pop()).collect()
    }

    pub fn add_listener(&self, listener: EventListener) {
        self.listeners.write().push(listener);
    }

    pub fn emit(&self, event: AssetEvent) {
        for listener in self.listeners.read().iter() {
            listener(&event);
        }
        // A host that never takes its events does not grow the queue
        // without bound: the oldest go first.
        while self.events.len() >= MAX_QUEUED_EVENTS {
            self.events.pop();
        }
        self.events.push(event);
    }
}

impl Inner {
    /// Reloads every registered slot of `ids` and, after them, the loaded
    /// slots that depend on them; returns the slots asked to reload.
    pub(crate) fn reload_many(&self, ids: &[AssetId]) -> usize {
        let wanted: HashSet<AssetId> = ids.iter().copied().collect();
        let mut roots = Vec::new();
        // Reverse edges of loaded slots: dependency → dependents.
        let mut dependents: HashMap<usize, Vec<Arc<dyn ErasedSlot>>> = HashMap::new();
        self.registry.for_each(|slot| {
            let core = slot.core();
            if core.state_code() == UNLOADED {
                return;
            }
            if wanted.contains(&core.id) {
                roots.push(Arc::clone(slot));
            }
            if core.state_code() == LOADED {
                for dep in &core.links.lock().deps {
                    dependents.entry(addr(dep.slot())).or_default().push(Arc::clone(slot));
                }
            }
        });
        // The batch: the roots and what depends on them, transitively.
        let mut batch: Vec<Arc<dyn ErasedSlot>> = Vec::new();
        let mut seen = HashSet::new();
        let mut stack = roots;
        while let Some(slot) = stack.pop() {
            if seen.insert(addr(&slot)) {
                if let Some(parents) = dependents.get(&addr(&slot)) {
                    stack.extend(parents.iter().cloned());
                }
                batch.push(slot);
            }
        }
        let count = batch.len();
        let mut ready = Vec::new();
        {
            let mut jobs = self.reloads.jobs.lock();
            let now = Instant::now();
            for slot in &batch {
                match jobs.get_mut(&addr(slot)) {
                    // In flight or waiting: once more when it settles.
                    Some(job) => job.again = true,
                    None => {
                        jobs.insert(
                            addr(slot),
                            Job {
                                original: Arc::clone(slot),
                                shadow: None,
                                again: false,
                                waiting_on: 0,
                                dependents: Vec::new(),
                                asked: now,
                            },
                        );
                        self.reloads.active.fetch_add(1, Ordering::AcqRel);
                    }
                }
            }
            // Edges inside the batch, for the jobs this batch created.
            for slot in &batch {
                let deps: Vec<usize> =
                    slot.core().links.lock().deps.iter().map(|d| addr(d.slot())).collect();
                for dep in deps.into_iter().filter(|d| seen.contains(d)) {
                    let fresh = jobs.get(&addr(slot)).is_some_and(|j| j.shadow.is_none());
                    if fresh && let Some(dep_job) = jobs.get_mut(&dep) {
                        dep_job.dependents.push(addr(slot));
                        if let Some(job) = jobs.get_mut(&addr(slot)) {
                            job.waiting_on += 1;
                        }
                    }
                }
            }
            for slot in &batch {
                if let Some(job) = jobs.get(&addr(slot))
                    && job.shadow.is_none()
                    && job.waiting_on == 0
                {
                    ready.push(Arc::clone(slot));
                }
            }
        }
        for slot in ready {
            self.start_reload(&slot);
        }
        count
    }

    /// Starts the shadow load of `original`'s job, or leaves it for when its
    /// first load settles.
    fn start_reload(&self, original: &Arc<dyn ErasedSlot>) {
        let shadow = {
            let mut jobs = self.reloads.jobs.lock();
            let Some(job) = jobs.get_mut(&addr(original)) else { return };
            if job.shadow.is_some() || job.waiting_on > 0 {
                return;
            }
            if !original.core().is_terminal() {
                // Its first load is in flight: it may read the old bytes.
                job.again = true;
                return;
            }
            let shadow = original.new_shadow();
            job.shadow = Some(Arc::clone(&shadow));
            self.reloads.shadows.lock().insert(addr(&shadow), addr(original));
            shadow
        };
        self.counters.request();
        shadow.core().inherit_since(self.sched.now());
        if self.is_shut_down() {
            if shadow.core().try_claim() {
                let err = LoadError::Cancelled { asset: shadow.core().name() };
                super::deps::complete(self, &shadow, Err(err));
            }
        } else {
            self.sched.submit(&shadow);
            self.wake_jobs();
        }
    }

    /// Called by `settle` for every slot that ended while reloads are in
    /// flight: a shadow hands its value over; a registered slot whose first
    /// load settled starts the reload asked for meanwhile.
    pub(crate) fn reload_settled(&self, slot: &Arc<dyn ErasedSlot>, error: Option<&LoadError>) {
        if !slot.core().shadow {
            let waiting = match self.reloads.jobs.lock().get_mut(&addr(slot)) {
                Some(job) if job.shadow.is_none() && job.again && job.waiting_on == 0 => {
                    job.again = false;
                    true
                }
                _ => false,
            };
            if waiting {
                self.start_reload(slot);
            }
            return;
        }
        let Some(original_addr) = self.reloads.shadows.lock().remove(&addr(slot)) else { return };
        let Some(job) = self.reloads.jobs.lock().remove(&original_addr) else { return };
        self.reloads.active.fetch_sub(1, Ordering::AcqRel);
        let original = &job.original;
        let core = original.core();
        match error {
            None => self.swap_in(original, slot, job.asked),
            Some(err) => {
                self.reloads.failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    target: "amsp::reload",
                    id = %core.id,
                    asset_type = core.type_name,
                    error = %err,
                    "reload failed; the previous version stays"
                );
                self.reloads.emit(AssetEvent::ReloadFailed {
                    id: core.id,
                    type_name: core.type_name,
                    error: err.clone(),
                });
            }
        }
        // Dependents waiting for this one may start.
        let mut ready = Vec::new();
        {
            let mut jobs = self.reloads.jobs.lock();
            for dependent in &job.dependents {
                if let Some(d) = jobs.get_mut(dependent) {
                    d.waiting_on = d.waiting_on.saturating_sub(1);
                    if d.waiting_on == 0 {
                        ready.push(Arc::clone(&d.original));
                    }
                }
            }
        }
        for dependent in ready {
            self.start_reload(&dependent);
        }
        if job.again {
            self.reload_many(&[core.id]);
        }
    }

    /// Makes `shadow`'s value the new version of `original`.
    fn swap_in(
        &self,
        original: &Arc<dyn ErasedSlot>,
        shadow: &Arc<dyn ErasedSlot>,
        asked: Instant,
    ) {
        let core = original.core();
        let released = {
            let mut links = core.links.lock();
            let state = core.state_code();
            if state == UNLOADED || !original.adopt(shadow.as_ref()) {
                // Evicted meanwhile: nobody wants the new version.
                shadow.clear();
                return;
            }
            if state == FAILED {
                core.clear_error();
                core.set_state(LOADED);
            }
            let new_deps = std::mem::take(&mut shadow.core().links.lock().deps);
            std::mem::replace(&mut links.deps, new_deps)
        };
        shadow.clear();
        drop(released);
        self.uploads.loaded(original);
        // Its bytes changed: the memory cache re-reads them if it is unused.
        core.report_if_unused();
        self.reloads.reloaded.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            target: "amsp::reload",
            id = %core.id,
            asset_type = core.type_name,
            version = core.version(),
            micros = u64::try_from(asked.elapsed().as_micros()).unwrap_or(u64::MAX),
            "reloaded"
        );
        self.signal.notify();
        self.reloads.emit(AssetEvent::Reloaded {
            id: core.id,
            type_name: core.type_name,
            version: core.version(),
            latency: asked.elapsed(),
        });
    }
}
