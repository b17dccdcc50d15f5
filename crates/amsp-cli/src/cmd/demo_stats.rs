//! The demo's statistics and bundle step: what the server's `stats()`
//! snapshot says after streaming, and a bundle of one tag loaded again
//! from the memory cache.

use std::time::Duration;

use amsp_core::PriorityClass;
use amsp_io::AssetSource;
use amsp_runtime::{AssetServer, AssetStats, Bundle};
use anyhow::bail;
use serde_json::{Value, json};

use crate::output::bytes;

/// Prints the snapshot; returns it as JSON.
pub fn report(stats: &AssetStats, say: &dyn Fn(String)) -> Value {
    let pending = format!(
        "I/O {}, decode {}, upload {}, retry {}",
        stats.io_queued, stats.decode_queued, stats.upload_queued, stats.retry_waiting
    );
    say(format!(
        "stats:       {} requests, {} loaded, {} failed, {} retries; hits {} (memory cache {}); pending {pending}; {} resident ({} of them unused)",
        stats.requested,
        stats.loaded,
        stats.failed,
        stats.retries,
        stats.memory_hits,
        stats.cache_hits,
        bytes(stats.loaded_bytes as u64),
        bytes(stats.unused_bytes as u64),
    ));
    for (source, read) in &stats.bytes_by_source {
        say(format!("             {} read from {source}", bytes(*read)));
    }
    for times in &stats.load_times {
        say(format!(
            "load times:  {:<6} {:>6} loads: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
            times.type_name,
            times.loaded,
            ms(times.p50),
            ms(times.p95),
            ms(times.max)
        ));
    }
    json!({
        "requested": stats.requested,
        "loaded": stats.loaded,
        "failed": stats.failed,
        "retries": stats.retries,
        "memory_hits": stats.memory_hits,
        "cache_hits": stats.cache_hits,
        "bytes_read": stats.bytes_read,
        "bytes_by_source": stats.bytes_by_source,
        "load_times": stats.load_times.iter().map(|t| json!({
            "type": t.type_name, "loaded": t.loaded,
            "p50_ms": ms(t.p50), "p95_ms": ms(t.p95), "max_ms": ms(t.max),
        })).collect::<Vec<_>>(),
    })
}

/// Loads the assets of the source's busiest tag as a bundle on `server`,
/// whose earlier loads of them are unused now: every one must come from the
/// memory cache. Returns whether that held, and the figures.
pub fn bundle(
    server: &AssetServer,
    source: &dyn AssetSource,
    tags: &[&str],
    say: &dyn Fn(String),
) -> anyhow::Result<(bool, Value)> {
    let Some((tag, count)) =
        tags.iter().map(|&t| (t, source.tagged(t).len())).max_by_key(|&(_, n)| n)
    else {
        bail!("no tags to bundle");
    };
    let bundle = Bundle::from_tag(tag, source, tag);
    let before = server.stats();
    let at_start = server.load_bundle(&bundle, PriorityClass::High);
    if !server.wait_idle(Duration::from_secs(60)) {
        bail!("bundle {tag} did not load within a minute");
    }
    let done = server.bundle_progress(tag).unwrap_or_default();
    let after = server.stats();
    let from_cache = after.cache_hits - before.cache_hits;
    let in_use = after.memory_hits - before.memory_hits - from_cache;
    let loaded_again = after.loaded - before.loaded;
    say(format!(
        "bundle:      tag {tag:?}: {count} assets, {} at first ({} pending); {} loaded, {} failed, {} of {}; {from_cache} from the memory cache, {in_use} in use by other assets, {loaded_again} loaded again",
        done.total,
        at_start.pending(),
        done.loaded,
        done.failed,
        bytes(done.bytes_loaded),
        bytes(done.bytes_total),
    ));
    server.unload_bundle(tag);
    // Nothing was freed since the stream: every asset is found loaded.
    let ok = done.is_done()
        && done.failed == 0
        && done.loaded == count
        && loaded_again == 0
        && from_cache + in_use == count as u64;
    Ok((
        ok,
        json!({
            "tag": tag, "assets": count, "loaded": done.loaded, "failed": done.failed,
            "bytes": done.bytes_total, "from_memory_cache": from_cache, "in_use": in_use,
            "loaded_again": loaded_again,
        }),
    ))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
