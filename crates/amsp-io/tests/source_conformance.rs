//! One conformance suite run against every `AssetSource`: cooked packs,
//! memory, the disk-caching wrapper (cold and warm) and the mount table
//! (single mount, fall-through, overlay), and the development source that
//! imports the same files without a cook.

use std::collections::HashMap;
use std::sync::Arc;

use amsp_cook::Cooker;
use amsp_cook::synthetic::{SyntheticSpec, generate};
use amsp_core::{AssetId, AssetPath};
use amsp_io::vfs::Vfs;
use amsp_io::{
    AssetSource, CachingSource, CookedSource, DiskCache, DiskCacheConfig, MemorySource, ReadError,
};

/// What a source must serve: path, id, chunks.
type Expected = Vec<(AssetPath, AssetId, Vec<Vec<u8>>)>;

/// Checks every promise of the `AssetSource` contract on `source`.
fn conformance(label: &str, source: &dyn AssetSource, expected: &Expected) {
    let unknown = AssetId::from_u128(u128::MAX - 7);
    assert!(source.resolve(&AssetPath::new("no/such/asset.bin").unwrap()).is_none(), "{label}");
    assert!(source.describe(unknown).is_none(), "{label}");
    let mut out = vec![0xAA; 17];
    match source.read_chunk(unknown, 0, &mut out) {
        Err(ReadError::NotFound { id, .. }) => assert_eq!(id, unknown, "{label}"),
        other => panic!("{label}: unknown asset read gave {other:?}"),
    }
    for (path, id, chunks) in expected {
        let at = format!("{label}: {path}");
        assert_eq!(source.resolve(path), Some(*id), "{at}");
        let desc = source.describe(*id).unwrap_or_else(|| panic!("{at}: not described"));
        assert_eq!((desc.id, &desc.path), (*id, path), "{at}");
        assert_eq!(desc.chunk_count as usize, chunks.len(), "{at}");
        let all: Vec<u8> = chunks.concat();
        assert_eq!(desc.raw_size, all.len() as u64, "{at}");
        for dep in &desc.dependencies {
            assert!(source.describe(*dep).is_some(), "{at}: dependency {dep} is not described");
        }
        for (c, chunk) in chunks.iter().enumerate() {
            let c = c as u32;
            // `out` is replaced, whatever it held.
            out.clear();
            out.extend_from_slice(b"stale bytes");
            source.read_chunk(*id, c, &mut out).unwrap();
            assert_eq!(&out, chunk, "{at}: chunk {c}");
            if let Some(size) = source.chunk_size(*id, c) {
                assert_eq!(size, chunk.len() as u64, "{at}: chunk_size({c})");
            }
        }
        let mut read = Vec::new();
        source.read_chunks(*id, 0..chunks.len() as u32, &mut read).unwrap();
        assert_eq!(&read, chunks, "{at}: read_chunks");
        assert_eq!(source.read_all(*id).unwrap(), all, "{at}: read_all");
        match source.read_chunk(*id, chunks.len() as u32, &mut out) {
            Err(ReadError::NotFound { chunk, .. }) => assert_eq!(chunk as usize, chunks.len()),
            other => panic!("{at}: chunk past the end gave {other:?}"),
        }
        let lane = source.io_lane(*id);
        assert_eq!(source.io_lane(*id), lane, "{at}: the lane is stable");
        let _ = source.lane_concurrency(lane);
    }
    // Reads from several threads at once see the same bytes.
    std::thread::scope(|scope| {
        for t in 0..4 {
            scope.spawn(move || {
                for (path, id, chunks) in expected.iter().skip(t).step_by(2) {
                    assert_eq!(source.read_all(*id).unwrap(), chunks.concat(), "{label}: {path}");
                }
            });
        }
    });
}

/// A cooked synthetic tree, its source and what it holds.
fn cooked(dir: &std::path::Path, seed: u64) -> (CookedSource, Expected) {
    let (src, out) = (dir.join("src"), dir.join("out"));
    let spec = SyntheticSpec { assets: 40, max_bytes: 48 * 1024, seed, ..SyntheticSpec::default() };
    let assets = generate(&src, &spec).unwrap();
    let report = Cooker::new(&src, &out).run().unwrap();
    assert_eq!(report.failed, 0);
    let source = CookedSource::open(&out).unwrap();
    let expected = assets
        .iter()
        .map(|a| {
            let desc = source.describe(a.id).unwrap();
            let chunks = (0..desc.chunk_count)
                .map(|c| {
                    let mut bytes = Vec::new();
                    source.read_chunk(a.id, c, &mut bytes).unwrap();
                    bytes
                })
                .collect::<Vec<_>>();
            assert_eq!(chunks.concat(), std::fs::read(src.join(a.path.as_str())).unwrap());
            (a.path.clone(), a.id, chunks)
        })
        .collect();
    (source, expected)
}

/// The same assets in memory, with the cooked dependencies.
fn memory(name: &str, from: &dyn AssetSource, expected: &Expected) -> MemorySource {
    let mut source = MemorySource::new(name);
    for (path, id, chunks) in expected {
        let desc = from.describe(*id).unwrap();
        source.insert(
            *id,
            path.clone(),
            &desc.asset_type,
            chunks.clone(),
            desc.dependencies.clone(),
        );
    }
    source
}

#[test]
fn every_source_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let (cooked_source, expected) = cooked(&dir.path().join("a"), 1);
    let cooked_source = Arc::new(cooked_source);
    conformance("cooked", cooked_source.as_ref(), &expected);
    conformance("memory", &memory("memory", cooked_source.as_ref(), &expected), &expected);

    let cache =
        Arc::new(DiskCache::open(dir.path().join("cache"), DiskCacheConfig::default()).unwrap());
    let caching = CachingSource::new(CookedSource::open(dir.path().join("a/out")).unwrap(), cache);
    conformance("caching (cold)", &caching, &expected);
    assert!(caching.cache().stats().entries > 0);
    conformance("caching (warm)", &caching, &expected);

    let vfs = Vfs::new("vfs");
    vfs.mount("cooked", Arc::clone(&cooked_source) as Arc<dyn AssetSource>);
    conformance("vfs, one mount", &vfs, &expected);
    // An empty mount on top: everything falls through.
    vfs.mount("empty", Arc::new(MemorySource::new("empty")));
    conformance("vfs, fall-through", &vfs, &expected);

    // The development source over the same source folder, no cook: the
    // same ids (from the sidecars the cook wrote), chunks and dependencies.
    let dev = amsp_cook::dev::DevSource::folder(
        dir.path().join("a/src"),
        amsp_cook::ImporterRegistry::with_defaults(),
    )
    .unwrap();
    conformance("development source", &dev, &expected);
    for (_, id, _) in &expected {
        let (a, b) = (dev.describe(*id).unwrap(), cooked_source.describe(*id).unwrap());
        assert_eq!((&a.asset_type, &a.dependencies), (&b.asset_type, &b.dependencies));
        assert_eq!(a.content_hash, b.content_hash, "the same content hash as the cook");
    }
}

#[test]
fn a_later_mount_overrides_paths_and_ids_and_unmounting_restores_them() {
    let dir = tempfile::tempdir().unwrap();
    let (base, expected) = cooked(&dir.path().join("a"), 1);
    let base: Arc<dyn AssetSource> = Arc::new(base);
    // A patch re-ships every third asset with new bytes, same path and id.
    let mut patched = expected.clone();
    let mut patch = MemorySource::new("patch");
    for (i, (path, id, chunks)) in patched.iter_mut().enumerate().filter(|(i, _)| i % 3 == 0) {
        *chunks = vec![format!("patched {i}").into_bytes()];
        let desc = base.describe(*id).unwrap();
        patch.insert(
            *id,
            path.clone(),
            &desc.asset_type,
            chunks.clone(),
            desc.dependencies.clone(),
        );
    }
    // A mod adds assets of its own, under its own folder.
    let mut extra = MemorySource::new("mod");
    let extra_expected: Expected = (1..=5u128)
        .map(|i| {
            let path = AssetPath::new(&format!("mods/hats/hat{i}.ron")).unwrap();
            let id = AssetId::from_u128(0xACE0 + i);
            let chunks = vec![format!("(hat: {i})").into_bytes(), vec![i as u8; 100]];
            extra.insert(id, path.clone(), "ron", chunks.clone(), vec![]);
            (path, id, chunks)
        })
        .collect();

    let vfs = Vfs::new("game");
    let base_mount = vfs.mount("base", Arc::clone(&base));
    let patch_mount = vfs.mount("patch", Arc::new(patch));
    let mod_mount = vfs.mount("mod", Arc::new(extra));
    let mut everything = patched.clone();
    everything.extend(extra_expected.iter().cloned());
    conformance("vfs, overlay", &vfs, &everything);
    for (i, (_, id, _)) in expected.iter().enumerate() {
        let want = if i % 3 == 0 { patch_mount } else { base_mount };
        assert_eq!(vfs.serving(*id), Some(want));
    }
    // Lanes of different mounts never mix.
    let lanes: HashMap<_, _> = [
        (base_mount, vfs.io_lane(expected[1].1)),
        (patch_mount, vfs.io_lane(expected[0].1)),
        (mod_mount, vfs.io_lane(extra_expected[0].1)),
    ]
    .into();
    let mut distinct: Vec<_> = lanes.values().collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "{lanes:?}");

    assert!(vfs.unmount(patch_mount));
    assert!(!vfs.unmount(patch_mount));
    let mut restored = expected.clone();
    restored.extend(extra_expected.iter().cloned());
    conformance("vfs, patch unmounted", &vfs, &restored);
    assert_eq!(
        vfs.mounts().iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>(),
        ["base", "mod"]
    );
}
