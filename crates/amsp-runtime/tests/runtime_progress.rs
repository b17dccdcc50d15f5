//! Bundles (from tags and bundle files), progress for loading screens, and
//! the statistics snapshot, over a real cooked output in a mount table.

mod common;

use std::sync::Arc;

use amsp_cook::Cooker;
use amsp_cook::synthetic::{SyntheticAsset, SyntheticSpec, generate};
use amsp_core::{AssetPath, Priority, PriorityClass};
use amsp_io::vfs::Vfs;
use amsp_io::{AssetSource, CookedSource, MemorySource};
use amsp_runtime::{AssetServer, Blob, Bundle, BundleError, Text};
use common::TIMEOUT;

/// A cooked synthetic tree (tagged by the generator) mounted under a patch.
fn world(dir: &std::path::Path) -> (Arc<Vfs>, Vec<SyntheticAsset>) {
    let (src, out) = (dir.join("src"), dir.join("out"));
    let spec = SyntheticSpec {
        assets: 60,
        max_bytes: 24 * 1024,
        max_dependencies: 0,
        ..SyntheticSpec::default()
    };
    let assets = generate(&src, &spec).unwrap();
    assert_eq!(Cooker::new(&src, &out).run().unwrap().failed, 0);
    let vfs = Vfs::new("game");
    vfs.mount("packs", Arc::new(CookedSource::open(&out).unwrap()));
    let mut patch = MemorySource::new("patch");
    let first = &assets[0];
    patch.insert(first.id, first.path.clone(), "blob", vec![b"patched".to_vec()], vec![]);
    vfs.mount("patch", Arc::new(patch));
    (Arc::new(vfs), assets)
}

/// The tag with the most assets in `source`, and them.
fn busiest_tag(source: &dyn AssetSource) -> (&'static str, usize) {
    let tags = [
        "environment",
        "prop",
        "hero",
        "ui",
        "gameplay",
        "audio",
        "forest",
        "desert",
        "city",
        "debug",
    ];
    tags.iter().map(|&t| (t, source.tagged(t).len())).max_by_key(|&(_, n)| n).unwrap()
}

#[test]
fn a_bundle_from_a_tag_loads_reports_progress_and_unloads() {
    let dir = tempfile::tempdir().unwrap();
    let (vfs, _) = world(dir.path());
    let (tag, count) = busiest_tag(vfs.as_ref());
    assert!(count >= 3, "the generator tags assets: {tag} has {count}");
    let server = AssetServer::builder().source(vfs.clone()).worker_threads(2).build().unwrap();
    let bundle = Bundle::from_tag("tagged", vfs.as_ref(), tag);
    assert_eq!(bundle.assets.len(), count);
    let bytes: u64 = bundle.assets.iter().map(|&id| vfs.describe(id).unwrap().raw_size).sum();

    let at_start = server.load_bundle(&bundle, PriorityClass::High);
    assert_eq!((at_start.total, at_start.bytes_total), (count, bytes));
    assert!(server.wait_idle(TIMEOUT));
    let done = server.bundle_progress("tagged").unwrap();
    assert!(done.is_done());
    assert_eq!((done.loaded, done.failed, done.bytes_loaded), (count, 0, bytes));
    assert!((done.fraction() - 1.0).abs() < 1e-9);
    assert_eq!(server.bundles(), ["tagged"]);
    assert_eq!(server.stats().unused, 0, "the bundle holds its assets");

    assert!(server.unload_bundle("tagged"));
    assert!(!server.unload_bundle("tagged"));
    assert!(server.bundle_progress("tagged").is_none());
    server.maintain();
    assert_eq!(server.stats().unused, count, "unused now, kept by the memory cache");
    // Loading it again is served by the memory cache.
    server.load_bundle(&bundle, Priority::default());
    let stats = server.stats();
    assert_eq!((stats.cache_hits, stats.loaded), (count as u64, count as u64), "{stats:?}");
}

#[test]
fn a_bundle_file_lists_paths_and_tags_and_bad_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (vfs, assets) = world(dir.path());
    let (tag, count) = busiest_tag(vfs.as_ref());
    let listed: Vec<&AssetPath> = assets.iter().map(|a| &a.path).take(3).collect();
    let text = format!(
        "(name: \"level\", assets: [{}], tags: [\"{tag}\"])",
        listed.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
    );
    let bundle = Bundle::parse("bundles/level.ron", &text, vfs.as_ref()).unwrap();
    assert_eq!(bundle.name, "level");
    assert_eq!(&bundle.assets[..3], &[assets[0].id, assets[1].id, assets[2].id]);
    assert!(bundle.assets.len() <= 3 + count && bundle.assets.len() >= count);

    let server = AssetServer::builder().source(vfs.clone()).worker_threads(2).build().unwrap();
    server.load_bundle(&bundle, Priority::default());
    // Replacing the bundle by a smaller one keeps what both hold loaded.
    let smaller = Bundle::new("level", bundle.assets[..2].iter().copied());
    assert!(server.wait_idle(TIMEOUT));
    let evicted_before = server.stats().evicted;
    server.load_bundle(&smaller, Priority::default());
    assert_eq!(server.bundle_progress("level").unwrap().loaded, 2);
    assert_eq!(server.stats().evicted, evicted_before);

    let missing = "(name: \"x\", assets: [\"levels/none.ron\"])";
    match Bundle::parse("bundles/x.ron", missing, vfs.as_ref()) {
        Err(err @ BundleError::NotFound { .. }) => {
            let text = err.to_string();
            assert!(text.contains("levels/none.ron") && text.contains("bundles/x.ron"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    // An asset the source does not know counts as failed, not pending.
    let unknown = Bundle::new("ghost", [amsp_core::AssetId::from_u128(7)]);
    let progress = server.load_bundle(&unknown, Priority::default());
    assert!(progress.is_done() && progress.failed == 1);
}

#[test]
fn the_stats_snapshot_counts_hits_bytes_per_source_and_load_times_per_type() {
    let dir = tempfile::tempdir().unwrap();
    let (vfs, assets) = world(dir.path());
    let server = AssetServer::builder().source(vfs.clone()).worker_threads(2).build().unwrap();
    let blobs: Vec<_> = assets.iter().take(10).map(|a| server.load::<Blob>(a.id)).collect();
    let text = assets[10..].iter().find(|a| a.path.as_str().ends_with(".json")).unwrap();
    let text = server.load::<Text>(text.id);
    assert!(server.wait_idle(TIMEOUT));
    let progress = server.progress();
    assert_eq!((progress.total, progress.loaded), (11, 11));
    // The same assets again: answered by the loaded slots.
    let again: Vec<_> = assets.iter().take(10).map(|a| server.load::<Blob>(a.id)).collect();
    drop(blobs);
    let stats = server.trace_stats();
    assert_eq!((stats.memory_hits, stats.cache_hits), (10, 0));
    // The first asset comes from the patch mount, the rest from the packs.
    let patch = stats.bytes_by_source.iter().find(|(s, _)| s == "patch").unwrap();
    assert_eq!(patch.1, b"patched".len() as u64);
    let packs = stats.bytes_by_source.iter().find(|(s, _)| s == "packs").unwrap();
    let expected: u64 = assets[1..10].iter().map(|a| a.bytes as u64).sum::<u64>()
        + server.get(&text).unwrap().as_str().len() as u64;
    assert_eq!(packs.1, expected);
    assert_eq!(stats.bytes_read, patch.1 + packs.1);
    let blob_times = stats.load_times.iter().find(|t| t.type_name == "Blob").unwrap();
    assert_eq!(blob_times.loaded, 10);
    assert!(blob_times.p50 <= blob_times.p95 && blob_times.p95 <= blob_times.max);
    assert!(blob_times.max > std::time::Duration::ZERO);
    assert_eq!(stats.load_times.iter().find(|t| t.type_name == "Text").unwrap().loaded, 1);
    assert!(stats.disk_cache.is_none(), "no disk cache in this source");
    drop(again);
}

#[test]
fn traversal_names_never_reach_any_source() {
    let dir = tempfile::tempdir().unwrap();
    let (vfs, assets) = world(dir.path());
    let server = AssetServer::builder().source(vfs).worker_threads(1).build().unwrap();
    for name in [
        "../src/config/x.json",
        "config/../../out/catalog.db",
        "/etc/passwd",
        "C:/Windows/win.ini",
        "..\\..\\secret.txt",
        "config/\0.json",
        "",
    ] {
        let handle = server.load::<Blob>(name);
        match handle.state().error() {
            Some(amsp_runtime::LoadError::InvalidPath { path, .. }) => assert_eq!(path, name),
            other => panic!("{name:?}: {other:?}"),
        }
    }
    // Normalised spellings of a real path still reach it.
    let real = assets[1].path.as_str();
    let handle = server.load::<Blob>(&format!("./{}", real.replace('/', "//")));
    assert!(server.wait_for(&handle, TIMEOUT).is_loaded());
    assert_eq!(server.stats().bytes_read, assets[1].bytes as u64, "only the real path was read");
}
