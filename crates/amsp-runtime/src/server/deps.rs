//! The dependency graph: declaring edges, finding cycles, and finishing
//! assets (which settles the parents waiting for them).
//!
//! Edges are the dependencies a slot has declared (catalog dependencies
//! when its descriptor is read, loader dependencies as the loader asks for
//! them), kept in the slot's [`Links`](crate::slot::Links) as strong
//! handles. Only unfinished slots have outgoing edges that matter: a loaded
//! slot's dependencies are all loaded.
//!
//! Cycle detection: before adding edge `P → D`, walk from `D` along the edges
//! of unfinished slots; reaching `P` means the edge would close a cycle, and
//! `P` fails with [`LoadError::Cycle`] instead of waiting. The walk and the
//! insertion happen under one graph lock, so two workers closing the same
//! cycle from both ends cannot both miss it; the walk visits each slot once,
//! so it is bounded by the number of slots. Every other member of the cycle
//! waits, directly or not, on `P` and so fails with
//! [`LoadError::DependencyFailed`]: every path ends in `Loaded` or `Failed`.
//!
//! Completion: a slot ends under its own links lock (so registering a
//! dependent and finishing can't miss each other), then each dependent is
//! settled in turn from a work list (no recursion, however deep the chain).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use super::Inner;
use crate::error::{AssetName, LoadError};
use crate::handle::ErasedHandle;
use crate::slot::{ErasedSlot, FAILED, LOADED, UNLOADED, WAITING};

/// Records `dep` as a dependency of `parent`.
///
/// # Errors
/// [`LoadError::Cycle`] (the edge is not added) if `dep` leads back to
/// `parent`.
pub(crate) fn declare(
    inner: &Inner,
    parent: &Arc<dyn ErasedSlot>,
    dep: ErasedHandle,
) -> Result<(), LoadError> {
    let graph = inner.graph.lock();
    if let Some(path) = path_to(dep.slot(), parent) {
        drop(graph);
        let mut chain = Vec::with_capacity(path.len() + 1);
        chain.push(parent.core().name());
        chain.extend(path.iter().map(|slot| slot.core().name()));
        return Err(LoadError::Cycle { chain });
    }
    parent.core().links.lock().deps.push(dep);
    Ok(())
}

fn addr(slot: &Arc<dyn ErasedSlot>) -> usize {
    Arc::as_ptr(slot).cast::<()>() as usize
}

/// The shortest path of declared edges from `from` to `target` through
/// unfinished slots, both ends included.
fn path_to(
    from: &Arc<dyn ErasedSlot>,
    target: &Arc<dyn ErasedSlot>,
) -> Option<Vec<Arc<dyn ErasedSlot>>> {
    let target = addr(target);
    let mut came_from: HashMap<usize, Option<Arc<dyn ErasedSlot>>> = HashMap::new();
    came_from.insert(addr(from), None);
    let mut queue = VecDeque::from([Arc::clone(from)]);
    while let Some(node) = queue.pop_front() {
        if addr(&node) == target {
            let mut path = vec![Arc::clone(&node)];
            let mut at = node;
            while let Some(Some(prev)) = came_from.get(&addr(&at)) {
                path.push(Arc::clone(prev));
                at = Arc::clone(prev);
            }
            path.reverse();
            return Some(path);
        }
        if node.core().is_terminal() {
            continue;
        }
        let deps: Vec<Arc<dyn ErasedSlot>> =
            node.core().links.lock().deps.iter().map(|dep| Arc::clone(dep.slot())).collect();
        for dep in deps {
            came_from.entry(addr(&dep)).or_insert_with(|| {
                queue.push_back(Arc::clone(&dep));
                Some(Arc::clone(&node))
            });
        }
    }
    None
}

/// Called once the loader of `slot` succeeded (its value is pending): waits
/// for the declared dependencies, or finishes at once if they are done.
pub(crate) fn finish_loaded(inner: &Inner, slot: &Arc<dyn ErasedSlot>) {
    let core = slot.core();
    let deps: Vec<Arc<dyn ErasedSlot>> = {
        let mut links = core.links.lock();
        // One extra count, released below, so that the slot cannot finish
        // while its dependencies are still being registered.
        links.remaining = links.deps.len() + 1;
        links.deps.iter().map(|dep| Arc::clone(dep.slot())).collect()
    };
    if !deps.is_empty() {
        core.set_state(WAITING);
    }
    let mut work = Vec::new();
    for dep in deps {
        let dep_core = dep.core();
        let mut dep_links = dep_core.links.lock();
        let step = match dep_core.state_code() {
            LOADED => Step::DepLoaded,
            FAILED | UNLOADED => Step::DepFailed(dep_core.name(), dep_error(&dep)),
            _ => {
                dep_links.dependents.push(Arc::clone(slot));
                continue;
            }
        };
        drop(dep_links);
        work.push((Arc::clone(slot), step));
    }
    work.push((Arc::clone(slot), Step::DepLoaded));
    settle(inner, work);
}

fn dep_error(dep: &Arc<dyn ErasedSlot>) -> LoadError {
    dep.core().error().unwrap_or_else(|| LoadError::Cancelled { asset: dep.core().name() })
}

/// Ends a cancelled slot (out of the registry, no handle left): `Unloaded`,
/// its value and dependency handles dropped. One that finished meanwhile is
/// unloaded as eviction would; a failed one stays failed.
pub(crate) fn end_cancelled(inner: &Inner, slot: &Arc<dyn ErasedSlot>) {
    let core = slot.core();
    let mut links = core.links.lock();
    let state = core.state_code();
    if matches!(state, FAILED | UNLOADED) {
        return;
    }
    slot.clear();
    core.set_state(UNLOADED);
    let deps = std::mem::take(&mut links.deps);
    let dependents = std::mem::take(&mut links.dependents);
    drop(links);
    drop(deps);
    if state == LOADED {
        inner.counters.evicted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    } else if inner.counters.end_cancelled() {
        inner.idle.notify();
    }
    inner.signal.notify();
    // Nobody held a handle, so no parent should wait for it; settle any
    // that does rather than leave it hanging.
    let err = LoadError::Cancelled { asset: core.name() };
    let work = dependents
        .into_iter()
        .map(|parent| (parent, Step::DepFailed(core.name(), err.clone())))
        .collect();
    settle(inner, work);
}

/// Ends `slot` with `outcome` (unless it already ended) and settles the
/// slots waiting for it.
pub(crate) fn complete(inner: &Inner, slot: &Arc<dyn ErasedSlot>, outcome: Result<(), LoadError>) {
    settle(inner, vec![(Arc::clone(slot), Step::End(outcome))]);
}

enum Step {
    /// Finish with this outcome.
    End(Result<(), LoadError>),
    /// One dependency (or the registration guard) is loaded.
    DepLoaded,
    /// A dependency failed.
    DepFailed(AssetName, LoadError),
}

fn settle(inner: &Inner, mut work: Vec<(Arc<dyn ErasedSlot>, Step)>) {
    while let Some((slot, step)) = work.pop() {
        let core = slot.core();
        let mut links = core.links.lock();
        if core.is_terminal() {
            continue;
        }
        let outcome = match step {
            Step::End(Err(err)) if inner.schedule_retry(&slot, &err) => {
                // Another attempt later: release what this one declared.
                let released = std::mem::take(&mut links.deps);
                slot.clear();
                drop(links);
                drop(released);
                continue;
            }
            Step::End(outcome) => outcome,
            Step::DepLoaded => {
                links.remaining = links.remaining.saturating_sub(1);
                if links.remaining > 0 {
                    continue;
                }
                Ok(())
            }
            Step::DepFailed(dependency, err) => Err(LoadError::DependencyFailed {
                asset: core.name(),
                dependency,
                source: Arc::new(err),
            }),
        };
        let dependents = std::mem::take(&mut links.dependents);
        let released = match &outcome {
            Ok(()) => {
                slot.publish();
                core.set_state(LOADED);
                // A reload's shadow is uploaded (and timed) as the slot it
                // reloads.
                if !core.shadow {
                    inner.uploads.loaded(&slot);
                    let took = inner.sched.now().saturating_sub(core.requested_at());
                    inner.timings.loaded(core.type_name, took);
                    tracing::debug!(
                        target: "amsp::load",
                        id = %core.id,
                        asset_type = core.type_name,
                        micros = took / 1000,
                        "loaded"
                    );
                }
                Vec::new()
            }
            Err(err) => {
                core.set_error(err.clone());
                slot.clear();
                core.set_state(FAILED);
                std::mem::take(&mut links.deps)
            }
        };
        drop(links);
        // Dropping dependency handles may report them unused; never under a
        // slot lock.
        drop(released);
        // Listeners run outside the slot's lock.
        if let Err(err) = &outcome
            && !core.shadow
        {
            if matches!(err, LoadError::Cancelled { .. }) {
                tracing::debug!(target: "amsp::load", id = %core.id, "cancelled");
            } else {
                tracing::warn!(
                    target: "amsp::load",
                    id = %core.id,
                    asset_type = core.type_name,
                    error = %err,
                    "load failed"
                );
            }
            inner.reloads.emit(crate::AssetEvent::LoadFailed {
                id: core.id,
                type_name: core.type_name,
                error: err.clone(),
            });
        }
        // Before the end is counted, so that a caller waiting for the server
        // to be idle sees the new version, or the reloads it starts.
        if inner.reloads.in_flight() > 0 {
            inner.reload_settled(&slot, outcome.as_ref().err());
        }
        // Before the end is counted: a caller that saw the server idle and
        // then dropped its handle must not have its drop reported again,
        // later, by this load (which would make the asset look recently
        // used to the memory budget).
        core.report_if_unused();
        if inner.counters.end(outcome.is_ok()) {
            inner.idle.notify();
        }
        inner.signal.notify();
        for dependent in dependents {
            let step = match &outcome {
                Ok(()) => Step::DepLoaded,
                Err(err) => Step::DepFailed(core.name(), err.clone()),
            };
            work.push((dependent, step));
        }
    }
}
