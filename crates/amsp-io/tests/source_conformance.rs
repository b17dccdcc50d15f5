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
use amsp_io::{AssetSource, CachingSource, CookedSource, DiskCache, DiskCacheConfig, MemorySource};

/// What a source must serve: path, id, chunks.
type Expected = Vec<(AssetPath, AssetId, Vec<Vec<u8>>)>;

/// The `AssetSource` contract (`amsp_io::conformance::check_source`) on
/// `source`, which must serve `expected`.
fn conformance(label: &str, source: &dyn AssetSource, expected: &Expected) {
    let expected: Vec<_> = expected.iter().cloned().map(Into::into).collect();
    amsp_io::conformance::check_source(label, source, &expected);
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
