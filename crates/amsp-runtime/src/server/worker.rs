//! The two stages a drain job runs for each request it takes:
//!
//! - **I/O:** describe → pick the loader → request catalog dependencies →
//!   read the first chunks ahead, within the request's reservation of the
//!   byte budget → the decode queue.
//! - **Decode:** the loader (its `read_chunk` serves the chunks read ahead,
//!   then reads the rest from the source) → wait for dependencies (or
//!   finish).
//!
//! A request nobody wants any more is cancelled between chunks, before the
//! decode queue, at the loader's next read, and after the loader.

use std::any::Any;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::{Inner, cancel, deps};
use crate::error::LoadError;
use crate::loader::{LoadContext, LoadInput};
use crate::sched::budget::StageLink;
use crate::sched::{DecodeTask, Work};
use crate::slot::ErasedSlot;

/// Runs one piece of work the scheduler picked.
pub(crate) fn run(inner: &Inner, work: Work) {
    match work {
        Work::Io { slot, reserved, seq, lane } => run_io(inner, slot, reserved, seq, lane),
        Work::Decode(task) => run_decode(inner, task),
    }
}

fn source_panic(inner: &Inner, slot: &Arc<dyn ErasedSlot>, panic: &(dyn Any + Send)) -> LoadError {
    LoadError::Io {
        asset: slot.core().name(),
        location: inner.source.name().to_owned(),
        source: Arc::new(io::Error::other(format!(
            "the source panicked: {}",
            panic_message(panic)
        ))),
    }
}

fn run_io(inner: &Inner, slot: Arc<dyn ErasedSlot>, reserved: usize, seq: u64, lane: u32) {
    // The link owns the reservation from here on: every way out releases it.
    let link = StageLink::new(Arc::clone(&slot), Arc::clone(&inner.sched.budget), reserved);
    let result = if inner.is_shut_down() {
        Err(LoadError::Cancelled { asset: slot.core().name() })
    } else if !slot.core().is_wanted() && cancel::try_cancel(inner, &slot) {
        inner.sched.io_done(lane);
        drop(link);
        inner.wake_jobs();
        return;
    } else {
        catch_unwind(AssertUnwindSafe(|| read_ahead(inner, &slot, &link, seq, lane)))
            .unwrap_or_else(|panic| Err(source_panic(inner, &slot, panic.as_ref())))
    };
    inner.sched.io_done(lane);
    match result {
        // At shutdown a load in progress finishes here rather than wait in
        // a queue nobody drains.
        Ok(task) if inner.is_shut_down() => run_decode(inner, task),
        Ok(task) => cancel::to_decode(inner, task),
        Err(err) => {
            drop(link);
            deps::complete(inner, &slot, Err(err));
        }
    }
    // A read slot (and maybe budget) came free.
    inner.wake_jobs();
}

/// The I/O stage proper.
fn read_ahead(
    inner: &Inner,
    slot: &Arc<dyn ErasedSlot>,
    link: &Arc<StageLink>,
    seq: u64,
    lane: u32,
) -> Result<DecodeTask, LoadError> {
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
    // Read chunks in order (the order loaders ask for them: headers, mip
    // tails, coarse LODs) while they fit the reservation: a chunk of unknown
    // size only if the whole entry fits. A failed read is left for the
    // loader, which may never need that chunk.
    let whole_fits = usize::try_from(desc.raw_size).is_ok_and(|whole| whole <= link.room());
    // A level request that will extend or trim a loaded level reads only
    // what that level lacks, which need not be the first chunks: the loader
    // reads it on demand.
    let ahead = if core.level().is_some()
        && !inner.other_levels_loaded(core, desc.content_hash).is_empty()
    {
        0
    } else {
        loader.read_ahead(&desc, core.level())
    };
    // The prefix of those chunks that fits the reservation, read in one
    // request (adjacent chunks cost one seek or round trip).
    let count = desc.chunk_count.min(ahead);
    let mut room = link.room();
    let mut fitting = 0;
    while fitting < count && !whole_fits {
        match inner.source.chunk_size(desc.id, fitting).and_then(|s| usize::try_from(s).ok()) {
            Some(size) if size <= room => room -= size,
            _ => break,
        }
        fitting += 1;
    }
    if whole_fits {
        fitting = count;
    }
    if fitting > 0 && core.is_wanted() {
        let mut chunks = Vec::new();
        let read = catch_unwind(AssertUnwindSafe(|| {
            inner.source.read_chunks(desc.id, 0..fitting, &mut chunks)
        }));
        if let Ok(result) = read {
            let read_ok = u32::try_from(chunks.len()).unwrap_or(u32::MAX);
            let bytes = chunks.iter().map(Vec::len).sum();
            inner.timings.read(lane, bytes);
            let mut stored_all = true;
            for (chunk, bytes) in (0u32..).zip(chunks) {
                if !link.store(chunk, bytes) {
                    stored_all = false;
                    break;
                }
            }
            // The chunk that failed: its loader gets this error, not a
            // second read (a failing request may cost a timeout).
            if let Err(err) = result
                && stored_all
            {
                link.store_failure(read_ok, err);
            }
        }
    }
    // What was reserved and not read ahead goes back to the budget now.
    link.trim();
    Ok(DecodeTask { slot: Arc::clone(slot), seq, desc, loader, link: Arc::clone(link) })
}

fn run_decode(inner: &Inner, task: DecodeTask) {
    let DecodeTask { slot, desc, loader, link, .. } = task;
    let result = catch_unwind(AssertUnwindSafe(|| {
        let core = slot.core();
        let mut ctx = LoadContext::new(inner, &slot, &desc, core.priority());
        // The lane the scheduler recorded when it queued the read.
        let lane = core.io_lane.load(std::sync::atomic::Ordering::Acquire);
        let input = LoadInput::staged(
            Arc::clone(&desc),
            Arc::clone(&inner.source),
            Arc::clone(&link),
            (Arc::clone(&inner.timings), lane),
        );
        let value = catch_unwind(AssertUnwindSafe(|| loader.load(input, &mut ctx))).map_err(
            |panic| LoadError::LoaderPanicked {
                asset: core.name(),
                loader: loader.output_name(),
                message: panic_message(panic.as_ref()),
            },
        )??;
        if let Some(cycle) = ctx.take_cycle() {
            return Err(cycle);
        }
        Ok(value)
    }))
    .unwrap_or_else(|panic| Err(source_panic(inner, &slot, panic.as_ref())));
    // What the loader did not take leaves the budget now.
    link.finish();
    inner.wake_jobs();
    if !slot.core().is_wanted() && cancel::try_cancel(inner, &slot) {
        return;
    }
    if let Err(LoadError::Cancelled { .. }) = &result
        && !inner.is_shut_down()
    {
        // The loader stopped because nobody wanted the asset, but a handle
        // was taken again since: load it from the start.
        cancel::requeue(inner, &slot);
        return;
    }
    slot.core().set_content(desc.content_hash);
    let outcome = result.and_then(|value| slot.set_pending(value).map(drop));
    match outcome {
        Ok(()) => deps::finish_loaded(inner, &slot),
        Err(err) => deps::complete(inner, &slot, Err(err)),
    }
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
