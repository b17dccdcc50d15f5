//! The loading pipeline a drain job runs for each request it pops:
//! claim → describe → request catalog dependencies → loader (which reads the
//! chunks it needs) →
//! wait for dependencies (or finish).

use std::any::Any;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::{Inner, deps};
use crate::error::LoadError;
use crate::loader::{LoadContext, LoadInput};
use crate::queue::QueueEntry;
use crate::slot::ErasedSlot;

/// Loads the request of a popped queue entry, unless the entry is stale (a
/// request raised to a higher class, already claimed); at shutdown the
/// request is cancelled instead.
pub(crate) fn run_entry(inner: &Inner, entry: QueueEntry) {
    let slot = entry.slot;
    if !slot.core().try_claim() {
        return;
    }
    if inner.is_shut_down() {
        let err = LoadError::Cancelled { asset: slot.core().name() };
        deps::complete(inner, &slot, Err(err));
        return;
    }
    // Loader panics are caught around the loader; this catches a panic in
    // the source, so that the slot still ends.
    let result = catch_unwind(AssertUnwindSafe(|| load(inner, &slot))).unwrap_or_else(|panic| {
        Err(LoadError::Io {
            asset: slot.core().name(),
            location: inner.source.name().to_owned(),
            source: Arc::new(io::Error::other(format!(
                "the source panicked: {}",
                panic_message(panic.as_ref())
            ))),
        })
    });
    if let Err(err) = result {
        deps::complete(inner, &slot, Err(err));
    }
}

/// Fails every queued request with [`LoadError::Cancelled`] (at shutdown).
pub(crate) fn cancel_queued(inner: &Inner) {
    while let Some(entry) = inner.queue.pop() {
        if entry.slot.core().try_claim() {
            let err = LoadError::Cancelled { asset: entry.slot.core().name() };
            deps::complete(inner, &entry.slot, Err(err));
        }
    }
}

fn load(inner: &Inner, slot: &Arc<dyn ErasedSlot>) -> Result<(), LoadError> {
    let core = slot.core();
    let desc = inner.source.describe(core.id).ok_or_else(|| LoadError::NotFound {
        asset: core.name(),
        source_name: inner.source.name().to_owned(),
    })?;
    core.set_path(&desc.path);
    let loader = inner.loaders.read().find(core.type_id, core.type_name, &desc)?;
    let priority = core.priority();
    for &dep in &desc.dependencies {
        inner.request_catalog_dependency(slot, dep, priority)?;
    }
    let mut ctx = LoadContext::new(inner, slot, &desc, priority);
    let input = LoadInput::from_source(Arc::clone(&desc), Arc::clone(&inner.source));
    let value =
        catch_unwind(AssertUnwindSafe(|| loader.load(input, &mut ctx))).map_err(|panic| {
            LoadError::LoaderPanicked {
                asset: core.name(),
                loader: loader.output_name(),
                message: panic_message(panic.as_ref()),
            }
        })??;
    if let Some(cycle) = ctx.take_cycle() {
        return Err(cycle);
    }
    slot.set_pending(value)?;
    deps::finish_loaded(inner, slot);
    Ok(())
}

pub(crate) fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}
