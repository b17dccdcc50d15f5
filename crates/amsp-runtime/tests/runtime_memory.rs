//! Memory: unused assets are kept until `unload_unused` or the budgets free
//! them, in the cache policy's order; used assets and loads in flight stay;
//! a type with a budget of its own is bounded apart from the others.

mod common;

use std::sync::Arc;

use amsp_io::MemorySource;
use amsp_runtime::{AssetServer, Blob, Text};
use common::{GatedSource, ManualExecutor, Material, MaterialLoader, TIMEOUT, add, id};

/// Ten 1,000-byte blobs, ids 1 to 10, plus a material with two text deps.
fn source() -> MemorySource {
    let mut source = MemorySource::new("test");
    for i in 1..=10u128 {
        add(&mut source, i, &format!("b/{i}.bin"), "blob", &[i as u8; 1000], &[]);
    }
    add(&mut source, 20, "m/a.mat", "material", b"text:t/1.txt\ntext:t/2.txt", &[]);
    add(&mut source, 21, "t/1.txt", "text", &[b'x'; 100], &[]);
    add(&mut source, 22, "t/2.txt", "text", &[b'y'; 100], &[]);
    source
}

fn build(source: Arc<dyn amsp_io::AssetSource>, budget: Option<usize>) -> AssetServer {
    let mut builder = AssetServer::builder().source(source).worker_threads(2);
    if let Some(budget) = budget {
        builder = builder.memory_budget(budget);
    }
    let server = builder.build().unwrap();
    server.register_loader(MaterialLoader);
    server
}

#[test]
fn unload_unused_frees_only_unused_assets() {
    let server = build(Arc::new(source()), None);
    let kept = server.load::<Blob>(id(1));
    let dropped = server.load::<Blob>(id(2));
    let weak = dropped.downgrade();
    assert!(server.wait_idle(TIMEOUT));
    drop(dropped);
    let stats = server.stats();
    assert_eq!((stats.resident, stats.unused, stats.unused_bytes), (2, 1, 1000));
    assert_eq!(stats.loaded_bytes, 2000);
    assert_eq!(server.unload_unused(), 1000);
    assert_eq!(server.unload_unused(), 0);
    assert!(server.get(&kept).is_some());
    assert!(weak.upgrade().is_none());
    let stats = server.stats();
    assert_eq!((stats.resident, stats.unused, stats.evicted), (1, 0, 1));
    // Loading it again makes a fresh slot that loads normally.
    let again = server.load::<Blob>(id(2));
    assert!(server.wait_for(&again, TIMEOUT).is_loaded());
    assert_eq!(server.get(&again).unwrap().len(), 1000);
}

#[test]
fn unload_unused_frees_a_parent_and_then_its_dependencies() {
    let server = build(Arc::new(source()), None);
    let mat = server.load::<Material>("m/a.mat");
    let other_user = server.load::<Text>("t/2.txt");
    assert!(server.wait_idle(TIMEOUT));
    let parent_bytes = server.stats().loaded_bytes - 200;
    drop(mat);
    // The texts are held by the material until it goes; t/2 is also ours.
    assert_eq!(server.unload_unused(), parent_bytes + 100);
    assert!(server.get(&other_user).is_some());
    assert_eq!(server.stats().resident, 1);
}

#[test]
fn loads_in_flight_are_not_unloaded() {
    let gated = GatedSource::new(source(), false);
    let server = build(gated.clone(), None);
    let pending = server.load::<Blob>(id(3));
    let weak = pending.downgrade();
    gated.wait_for_waiting(1);
    // Held: in use, not unused; and never freed in the middle of its load.
    assert_eq!(server.unload_unused(), 0);
    drop(pending);
    // Unwanted now, still at the gate: not unloaded either (it is cancelled
    // by its load, which sees it wanted by nobody).
    assert_eq!(server.unload_unused(), 0);
    gated.open();
    assert!(server.wait_idle(TIMEOUT));
    assert!(weak.upgrade().is_none(), "cancelled: out of the registry");
    let stats = server.stats();
    assert_eq!((stats.loaded, stats.cancelled, stats.resident), (0, 1, 0));
}

#[test]
fn failed_unused_assets_are_dropped_so_they_can_be_retried() {
    let server = build(Arc::new(source()), None);
    let bad = server.load::<Text>(id(1)); // a blob cannot load as Text
    assert!(server.wait_for(&bad, TIMEOUT).is_failed());
    drop(bad);
    assert_eq!(server.stats().failed_now, 1);
    assert_eq!(server.unload_unused(), 0);
    assert_eq!(server.stats().failed_now, 0);
}

#[test]
fn the_budget_evicts_least_recently_used_unused_assets() {
    let server = build(Arc::new(source()), Some(2500));
    let handles: Vec<_> = (1..=6).map(|i| server.load::<Blob>(id(i))).collect();
    assert!(server.wait_idle(TIMEOUT));
    // In use: nothing is evicted, whatever the budget.
    assert_eq!(server.maintain(), 0);
    assert_eq!(server.stats().loaded_bytes, 6000);
    let weaks: Vec<_> = handles.iter().map(|h| h.downgrade()).collect();
    // Drop in the order 4, 1, 6, 2, 3; keep 5.
    let mut handles: Vec<_> = handles.into_iter().map(Some).collect();
    for i in [4, 1, 6, 2, 3] {
        handles[i - 1] = None;
    }
    server.maintain();
    assert!(server.stats().unused_bytes <= 2500);
    // The two most recently unused (2, 3) stay; 4, 1, 6 went, oldest first.
    let alive: Vec<usize> = (1..=6).filter(|i| weaks[i - 1].upgrade().is_some()).collect();
    assert_eq!(alive, [2, 3, 5]);
    let stats = server.stats();
    assert_eq!((stats.unused, stats.unused_bytes, stats.evicted), (2, 2000, 3));
}

#[test]
fn the_budget_is_enforced_without_being_asked() {
    // Dropped handles and loads finishing unused schedule a maintenance job
    // on the executor (the drop itself frees nothing); a hand-driven
    // executor makes that observable without waiting.
    let executor = Arc::new(ManualExecutor::default());
    let server = AssetServer::builder()
        .source(Arc::new(source()))
        .executor(executor.clone())
        .memory_budget(1500)
        .build()
        .unwrap();
    let kept = server.load::<Blob>(id(10));
    let handles: Vec<_> = (1..=9).map(|i| server.load::<Blob>(id(i))).collect();
    executor.run_all();
    assert_eq!(server.stats().loaded, 10);
    // Dropped in order: 9 is the most recently used.
    for handle in handles {
        drop(handle);
    }
    assert_eq!(server.stats().evicted, 0);
    executor.run_all();
    let stats = server.stats();
    assert_eq!((stats.unused, stats.unused_bytes, stats.evicted), (1, 1000, 8));
    assert!(server.get(&kept).is_some());
    // The most recently used unused asset is the one kept.
    assert!(server.load::<Blob>(id(9)).state().is_loaded());
    drop(kept);
    assert_eq!(server.stats().evicted, 8, "nothing is freed inside drop");
    executor.run_all();
    assert_eq!(server.stats().evicted, 9);
}

#[test]
fn lowering_the_budget_frees_at_once() {
    let server = build(Arc::new(source()), None);
    let handles: Vec<_> = (1..=4).map(|i| server.load::<Blob>(id(i))).collect();
    assert!(server.wait_idle(TIMEOUT));
    drop(handles);
    assert_eq!(server.stats().unused_bytes, 4000);
    assert_eq!(server.set_memory_budget(Some(1000)), 3000);
    assert_eq!(server.memory_budget(), Some(1000));
    assert_eq!(server.stats().unused_bytes, 1000);
    assert_eq!(server.set_memory_budget(None), 0);
}

#[test]
fn a_scan_of_one_time_assets_keeps_the_reused_ones_under_s3fifo_not_lru() {
    use amsp_runtime::cache::CachePolicy;

    // 1,000-byte blobs 1..=60: 1..=3 are a working set, used twice; then
    // 4..=60 are each used once (a scan) under a 20,000-byte budget.
    let mut source = MemorySource::new("test");
    for i in 1..=60u128 {
        add(&mut source, i, &format!("b/{i}.bin"), "blob", &[i as u8; 1000], &[]);
    }
    let source = Arc::new(source);
    let mut kept = Vec::new();
    for policy in [CachePolicy::S3Fifo, CachePolicy::Lru] {
        let server = AssetServer::builder()
            .source(Arc::clone(&source) as Arc<dyn amsp_io::AssetSource>)
            .worker_threads(1)
            .memory_budget(20_000)
            .cache_policy(policy)
            .build()
            .unwrap();
        let use_once = |i: u128| {
            let h = server.load::<Blob>(id(i));
            assert!(server.wait_for(&h, TIMEOUT).is_loaded());
            drop(h);
            server.maintain();
        };
        for _ in 0..2 {
            for i in 1..=3 {
                use_once(i);
            }
        }
        for i in 4..=60 {
            use_once(i);
        }
        assert!(server.stats().unused_bytes <= 20_000);
        let before = server.stats().loaded;
        // Loading the working set again: a load only where it was evicted.
        for i in 1..=3 {
            use_once(i);
        }
        kept.push(3 - (server.stats().loaded - before));
    }
    assert_eq!(kept, [3, 0], "S3-FIFO keeps all three through the scan, LRU none");
}

#[test]
fn memory_usage_counts_every_loaded_byte_by_type() {
    let server = build(Arc::new(source()), None);
    let mut blobs: Vec<_> = (1..=4).map(|i| server.load::<Blob>(id(i))).collect();
    let texts: Vec<_> = [21, 22].map(|i| server.load::<Text>(id(i))).into_iter().collect();
    assert!(server.wait_idle(TIMEOUT));
    // Three blobs unused, one held.
    blobs.truncate(1);
    let usage = server.memory_usage();
    let blob = usage.by_type.iter().find(|t| t.type_name == "Blob").unwrap();
    let text = usage.by_type.iter().find(|t| t.type_name == "Text").unwrap();
    assert_eq!((blob.assets, blob.unused_assets), (4, 3));
    assert_eq!((blob.bytes, blob.unused_bytes), (4000, 3000));
    assert_eq!((text.assets, text.bytes, text.unused_assets), (2, 200, 0));
    assert_eq!(usage.by_type[0].type_name, "Blob", "largest first");
    let stats = server.stats();
    assert_eq!(usage.total.bytes, stats.loaded_bytes);
    assert_eq!(usage.total.unused_bytes, stats.unused_bytes);
    assert_eq!(usage.total.assets, 6);
    drop((blobs, texts));
}

#[test]
fn a_type_budget_bounds_that_type_alone() {
    let server = AssetServer::builder()
        .source(Arc::new(source()))
        .worker_threads(2)
        .type_budget::<Blob>(2500)
        .build()
        .unwrap();
    assert_eq!(server.type_budget::<Blob>(), Some(2500));
    assert_eq!(server.type_budget::<Text>(), None);
    let blobs: Vec<_> = (1..=6).map(|i| server.load::<Blob>(id(i))).collect();
    let texts: Vec<_> = [21, 22].map(|i| server.load::<Text>(id(i))).into_iter().collect();
    assert!(server.wait_idle(TIMEOUT));
    drop((blobs, texts));
    server.maintain();
    let usage = server.memory_usage();
    let blob = usage.by_type.iter().find(|t| t.type_name == "Blob").unwrap();
    let text = usage.by_type.iter().find(|t| t.type_name == "Text").unwrap();
    assert_eq!((blob.unused_bytes, blob.budget), (2000, Some(2500)));
    // No global budget: the texts are not bounded at all.
    assert_eq!((text.unused_bytes, text.budget), (200, None));
    assert_eq!(server.stats().evicted, 4);
}

#[test]
fn a_flood_of_one_type_keeps_out_of_another_types_cache_under_a_type_budget() {
    use amsp_runtime::cache::CachePolicy;

    // Two texts used now and then, then a flood of blobs used once, under
    // a 5,000-byte global budget and LRU: the flood pushes the texts out
    // unless the blobs have a budget of their own.
    let mut kept = Vec::new();
    for blob_budget in [None, Some(3000)] {
        let mut builder = AssetServer::builder()
            .source(Arc::new(source()))
            .worker_threads(1)
            .memory_budget(5000)
            .cache_policy(CachePolicy::Lru);
        if let Some(bytes) = blob_budget {
            builder = builder.type_budget::<Blob>(bytes);
        }
        let server = builder.build().unwrap();
        let texts: Vec<_> = [21, 22].map(|i| server.load::<Text>(id(i))).into_iter().collect();
        assert!(server.wait_idle(TIMEOUT));
        let weak_texts: Vec<_> = texts.iter().map(|h| h.downgrade()).collect();
        drop(texts);
        for i in 1..=10 {
            let blob = server.load::<Blob>(id(i));
            assert!(server.wait_for(&blob, TIMEOUT).is_loaded());
            drop(blob);
            server.maintain();
        }
        let stats = server.stats();
        assert!(stats.unused_bytes <= 5000, "{stats:?}");
        kept.push(weak_texts.iter().filter(|w| w.upgrade().is_some()).count());
        if blob_budget.is_some() {
            let usage = server.memory_usage();
            let blob = usage.by_type.iter().find(|t| t.type_name == "Blob").unwrap();
            assert_eq!(blob.unused_bytes, 3000);
        }
    }
    assert_eq!(kept, [0, 2], "the texts survive the flood only with a blob budget");
}

#[test]
fn setting_and_clearing_a_type_budget_moves_the_cached_assets() {
    let server = build(Arc::new(source()), None);
    let blobs: Vec<_> = (1..=5).map(|i| server.load::<Blob>(id(i))).collect();
    let texts: Vec<_> = [21, 22].map(|i| server.load::<Text>(id(i))).into_iter().collect();
    assert!(server.wait_idle(TIMEOUT));
    drop((blobs, texts));
    server.maintain();
    assert_eq!(server.stats().unused_bytes, 5200);
    // The cached blobs move into their own partition and are bounded at once.
    assert_eq!(server.set_type_budget::<Blob>(Some(3000)), 2000);
    assert_eq!(server.stats().unused_bytes, 3200);
    // Raising it frees nothing; clearing it returns them to the shared
    // partition, behind the texts, which a global budget now frees first.
    assert_eq!(server.set_type_budget::<Blob>(Some(4000)), 0);
    assert_eq!(server.set_type_budget::<Blob>(None), 0);
    assert_eq!(server.type_budget::<Blob>(), None);
    assert_eq!(server.set_memory_budget(Some(1200)), 2200);
    let usage = server.memory_usage();
    assert_eq!(usage.total.unused_bytes, 1000);
    assert!(usage.by_type.iter().all(|t| t.type_name == "Blob" && t.budget.is_none()));
}
