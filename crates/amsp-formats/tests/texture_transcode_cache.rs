//! The texture loader's transcode cache: Basis Universal textures from the
//! KTX2 corpus (UASTC with zstd, ETC1S with mips) cooked, loaded through a
//! real asset server with a real disk cache in a temporary folder.
//!
//! A second load (new server, cache reopened) transcodes nothing; another
//! target, and other bytes under the same path, have their own entries; corrupt and truncated entries are detected,
//! transcoded again and replaced; level loads look up only the levels they
//! read; a cache that cannot store (entries over its cap, a full disk)
//! never fails a load. Every load's bytes are checked against a load
//! without the cache.
#![cfg(all(feature = "import", feature = "runtime"))]

#[path = "common/corpus.rs"]
#[expect(dead_code, reason = "only `textures` is used here")]
mod corpus;

use std::fs::{self, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use amsp_cook::Cooker;
use amsp_core::PriorityClass;
use amsp_formats::texture::basis::TextureTarget;
use amsp_formats::texture::{Texture, TextureImporter, TextureLoader};
use amsp_io::{AssetSource, CookedSource, DiskCache, DiskCacheConfig, DiskCacheStats};
use amsp_runtime::AssetServer;

/// A 1024×1024 UASTC texture with zstd (one level), and a 64×64 ETC1S
/// texture with its seven levels.
const FILES: [&str; 2] = ["color_grid_uastc_zstd.ktx2", "rgba-mipmap-reference-basis.ktx2"];

fn cook(dir: &Path) -> Arc<dyn AssetSource> {
    let (src, out) = (dir.join("src"), dir.join("out"));
    fs::create_dir_all(&src).unwrap();
    for name in FILES {
        fs::copy(corpus::textures("ktx2-valid").join(name), src.join(name)).unwrap();
    }
    let mut cooker = Cooker::new(&src, &out);
    cooker.registry_mut().register(Arc::new(TextureImporter::default()));
    let report = cooker.run().unwrap();
    assert_eq!(report.cooked, FILES.len(), "{:?}", report.errors);
    Arc::new(CookedSource::open(&out).unwrap())
}

/// Every file of `FILES` loaded by a new server with `loader`.
fn load_all(source: &Arc<dyn AssetSource>, loader: TextureLoader) -> Vec<Arc<Texture>> {
    let server =
        AssetServer::builder().source(Arc::clone(source)).worker_threads(1).build().unwrap();
    server.register_loader(loader);
    FILES
        .iter()
        .map(|name| {
            let handle = server.load::<Texture>(*name);
            let state = server.wait_for(&handle, Duration::from_secs(60));
            assert!(state.is_loaded(), "{name}: {state:?}");
            server.get(&handle).unwrap()
        })
        .collect()
}

fn open(dir: &Path) -> Arc<DiskCache> {
    let config = DiskCacheConfig { max_bytes: 64 << 20, sync_writes: false };
    Arc::new(DiskCache::open(dir, config).unwrap())
}

fn cached(target: TextureTarget, cache: &Arc<DiskCache>) -> TextureLoader {
    TextureLoader { target, ..TextureLoader::default() }.with_transcode_cache(Arc::clone(cache))
}

fn plain(target: TextureTarget) -> TextureLoader {
    TextureLoader { target, ..TextureLoader::default() }
}

fn levels(textures: &[Arc<Texture>]) -> u64 {
    textures.iter().map(|t| u64::from(t.mip_count)).sum()
}

/// (hits, misses, writes) since the cache was opened.
fn counts(stats: DiskCacheStats) -> (u64, u64, u64) {
    (stats.hits, stats.misses, stats.writes)
}

/// The entry files in a cache folder, sorted.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for folder in fs::read_dir(dir).unwrap() {
        let folder = folder.unwrap().path();
        if !folder.is_dir() {
            continue;
        }
        for file in fs::read_dir(&folder).unwrap() {
            let path = file.unwrap().path();
            if path.file_name().unwrap().len() == 64 {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn assert_same(got: &[Arc<Texture>], expected: &[Arc<Texture>], what: &str) {
    assert_eq!(got.len(), expected.len());
    for ((got, expected), name) in got.iter().zip(expected).zip(FILES) {
        assert!(**got == **expected, "{what}: {name} differs from a load without the cache");
    }
}

#[test]
fn a_second_load_reads_the_cache_instead_of_transcoding() {
    let tmp = tempfile::tempdir().unwrap();
    let source = cook(tmp.path());
    let cache_dir = tmp.path().join("cache");
    let reference = load_all(&source, plain(TextureTarget::Desktop));
    let n = levels(&reference);
    assert_eq!(n, 1 + 7);

    let cache = open(&cache_dir);
    let first = load_all(&source, cached(TextureTarget::Desktop, &cache));
    assert_same(&first, &reference, "first load");
    assert_eq!(counts(cache.stats()), (0, n, n), "every level missed and was stored");
    assert_eq!(entries(&cache_dir).len() as u64, n);
    drop(cache);

    // A new server and the cache reopened, as in the next run.
    let cache = open(&cache_dir);
    let second = load_all(&source, cached(TextureTarget::Desktop, &cache));
    assert_same(&second, &reference, "second load");
    assert_eq!(counts(cache.stats()), (n, 0, 0), "every level read from the cache");
}

#[test]
fn another_target_has_its_own_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let source = cook(tmp.path());
    let cache = open(&tmp.path().join("cache"));
    let desktop = load_all(&source, cached(TextureTarget::Desktop, &cache));
    let n = levels(&desktop);
    assert_eq!(counts(cache.stats()), (0, n, n));

    let mut expected_stats = (0, n, n);
    for target in [TextureTarget::Mobile, TextureTarget::MobileEtc2, TextureTarget::Uncompressed] {
        let reference = load_all(&source, plain(target));
        let got = load_all(&source, cached(target, &cache));
        assert_same(&got, &reference, &format!("{target:?}"));
        assert_ne!(got[0].format, desktop[0].format);
        expected_stats.1 += n;
        expected_stats.2 += n;
        assert_eq!(counts(cache.stats()), expected_stats, "{target:?} misses");
        // And now it hits.
        let again = load_all(&source, cached(target, &cache));
        assert_same(&again, &reference, &format!("{target:?} again"));
        expected_stats.0 += n;
        assert_eq!(counts(cache.stats()), expected_stats, "{target:?} hits");
    }
    assert_eq!(cache.stats().entries, 4 * n);
}

#[test]
fn other_content_under_the_same_path_misses() {
    let tmp = tempfile::tempdir().unwrap();
    let source = cook(tmp.path());
    let cache = open(&tmp.path().join("cache"));
    load_all(&source, cached(TextureTarget::Desktop, &cache));
    let n = cache.stats().writes;

    // The same asset paths, other cooked bytes: each file swapped
    // for another Basis texture of the same codec.
    let other = tmp.path().join("other");
    let (src, out) = (other.join("src"), other.join("out"));
    fs::create_dir_all(&src).unwrap();
    let swaps = [(FILES[0], "cyan_rgb_reference_uastc.ktx2"), (FILES[1], "kodim17_basis.ktx2")];
    for (name, replacement) in swaps {
        fs::copy(corpus::textures("ktx2-valid").join(replacement), src.join(name)).unwrap();
    }
    let mut cooker = Cooker::new(&src, &out);
    cooker.registry_mut().register(Arc::new(TextureImporter::default()));
    assert_eq!(cooker.run().unwrap().cooked, FILES.len());
    let swapped: Arc<dyn AssetSource> = Arc::new(CookedSource::open(&out).unwrap());
    let reference = load_all(&swapped, plain(TextureTarget::Desktop));
    let got = load_all(&swapped, cached(TextureTarget::Desktop, &cache));
    assert_same(&got, &reference, "other content");
    let m = levels(&reference);
    assert_eq!(counts(cache.stats()), (0, n + m, n + m), "nothing found for other bytes");
}

/// Flips one payload byte of `path`.
fn flip_last_byte(path: &Path) {
    let mut file = OpenOptions::new().read(true).write(true).open(path).unwrap();
    file.seek(SeekFrom::End(-1)).unwrap();
    let mut byte = [0u8];
    file.read_exact(&mut byte).unwrap();
    file.seek(SeekFrom::End(-1)).unwrap();
    file.write_all(&[byte[0] ^ 0x5a]).unwrap();
}

#[test]
fn corrupt_and_truncated_entries_are_transcoded_again_and_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let source = cook(tmp.path());
    let cache_dir = tmp.path().join("cache");
    let reference = load_all(&source, plain(TextureTarget::Desktop));
    let n = levels(&reference);
    let cache = open(&cache_dir);
    load_all(&source, cached(TextureTarget::Desktop, &cache));
    drop(cache);

    // The largest entry (level 0 of the UASTC texture) gets a flipped byte,
    // another one is cut short.
    let mut files = entries(&cache_dir);
    files.sort_by_key(|p| fs::metadata(p).unwrap().len());
    let (truncated, flipped) = (files[0].clone(), files[files.len() - 1].clone());
    let sizes: Vec<u64> = files.iter().map(|p| fs::metadata(p).unwrap().len()).collect();
    flip_last_byte(&flipped);
    let len = fs::metadata(&truncated).unwrap().len();
    OpenOptions::new().write(true).open(&truncated).unwrap().set_len(len - 3).unwrap();

    let cache = open(&cache_dir);
    let got = load_all(&source, cached(TextureTarget::Desktop, &cache));
    assert_same(&got, &reference, "load over damaged entries");
    let stats = cache.stats();
    assert_eq!(stats.corrupt, 2, "{:?}", cache.last_fault());
    assert_eq!(counts(stats), (n - 2, 2, 2), "two levels transcoded again and stored");
    drop(cache);

    // Replaced: the same entries, whole again, and all of them hit.
    let mut now = entries(&cache_dir);
    now.sort_by_key(|p| fs::metadata(p).unwrap().len());
    assert_eq!(now, files);
    let now_sizes: Vec<u64> = now.iter().map(|p| fs::metadata(p).unwrap().len()).collect();
    assert_eq!(now_sizes, sizes);
    let cache = open(&cache_dir);
    let again = load_all(&source, cached(TextureTarget::Desktop, &cache));
    assert_same(&again, &reference, "load after the repair");
    assert_eq!(counts(cache.stats()), (n, 0, 0));
    assert_eq!(cache.stats().corrupt, 0);
}

#[test]
fn level_loads_look_up_only_the_levels_they_read() {
    let tmp = tempfile::tempdir().unwrap();
    let source = cook(tmp.path());
    let name = "rgba-mipmap-reference-basis.ktx2";
    let full = load_all(&source, plain(TextureTarget::Desktop)).pop().unwrap();
    assert_eq!(full.mip_count, 7);
    let cache = open(&tmp.path().join("cache"));
    let server =
        AssetServer::builder().source(Arc::clone(&source)).worker_threads(1).build().unwrap();
    server.register_loader(cached(TextureTarget::Desktop, &cache));
    let wait = |level: u8| {
        let handle = server.load_level::<Texture>(name, level, PriorityClass::Normal);
        assert!(server.wait_for(&handle, Duration::from_secs(30)).is_loaded(), "level {level}");
        server.get(&handle).unwrap()
    };

    // The tail from level 3: levels 3 to 6 transcoded and stored.
    let tail = wait(3);
    assert_eq!(tail.resident, 3..7);
    assert_eq!(counts(cache.stats()), (0, 4, 4));
    // Upgraded to level 1: only levels 1 and 2 are read.
    let sharper = wait(1);
    assert_eq!(sharper.resident, 1..7);
    assert_eq!(counts(cache.stats()), (0, 6, 6));
    for level in 1..7 {
        assert_eq!(sharper.level(level), full.level(level), "level {level}");
    }
    drop(server);

    // A new server: level 2 alone reads levels 2 to 6, all from the cache.
    let server =
        AssetServer::builder().source(Arc::clone(&source)).worker_threads(1).build().unwrap();
    server.register_loader(cached(TextureTarget::Desktop, &cache));
    let handle = server.load_level::<Texture>(name, 2, PriorityClass::Normal);
    assert!(server.wait_for(&handle, Duration::from_secs(30)).is_loaded());
    let mid = server.get(&handle).unwrap();
    assert_eq!(mid.resident, 2..7);
    assert_eq!(*mid, full.trimmed(2));
    assert_eq!(counts(cache.stats()), (5, 6, 6));
}

#[test]
fn entries_over_the_cap_are_not_stored_and_the_load_succeeds() {
    let tmp = tempfile::tempdir().unwrap();
    let source = cook(tmp.path());
    let reference = load_all(&source, plain(TextureTarget::Desktop));
    let n = levels(&reference);
    // 64 KiB: the ETC1S levels fit, the 1 MiB BC7 level does not.
    let config = DiskCacheConfig { max_bytes: 64 << 10, sync_writes: false };
    let cache = Arc::new(DiskCache::open(tmp.path().join("cache"), config).unwrap());
    for round in 0..2 {
        let got = load_all(&source, cached(TextureTarget::Desktop, &cache));
        assert_same(&got, &reference, &format!("round {round}"));
    }
    let stats = cache.stats();
    assert_eq!(stats.write_errors, 2, "the large level refused both times");
    assert_eq!(counts(stats), (n - 1, n + 1, n - 1));
}

// A full disk, for real: the loads run in a child process (this test binary
// again) under a file size limit, so writes of the larger entries fail with
// EFBIG, as on a full disk.

const CHILD_ENV: &str = "AMSP_TRANSCODE_CACHE_CHILD";
const DIR_ENV: &str = "AMSP_TRANSCODE_CACHE_DIR";

#[test]
fn full_disk_child() {
    if std::env::var(CHILD_ENV).is_err() {
        return;
    }
    let dir = PathBuf::from(std::env::var(DIR_ENV).unwrap());
    let source: Arc<dyn AssetSource> = Arc::new(CookedSource::open(dir.join("out")).unwrap());
    let reference = load_all(&source, plain(TextureTarget::Uncompressed));
    let cache = open(&dir.join("cache"));
    let got = load_all(&source, cached(TextureTarget::Uncompressed, &cache));
    assert_same(&got, &reference, "under a file size limit");
    let stats = cache.stats();
    assert!(stats.write_errors >= 1, "{stats:?}");
    assert_eq!(stats.writes + stats.write_errors, levels(&reference));
    println!("full-disk-ok {} {}", stats.writes, stats.write_errors);
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_does_not_fail_the_load() {
    use std::process::Command;

    let tmp = tempfile::tempdir().unwrap();
    cook(tmp.path());
    // `ulimit -f 1024`: 512 KiB or 1 MiB by shell; the 4 MiB RGBA8 level of
    // the UASTC texture cannot be written, the ETC1S ones can.
    let exe = std::env::current_exe().unwrap();
    let output = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 1024 && exec \"$0\" \"$@\"")
        .arg(&exe)
        .args(["--exact", "full_disk_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .env(DIR_ENV, tmp.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("full-disk-ok"),
        "child failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let line = stdout.split("full-disk-ok").nth(1).and_then(|l| l.lines().next()).unwrap();
    let stored: Vec<u64> = line.split_whitespace().map(|v| v.parse().unwrap()).collect();
    assert_eq!(stored, [7, 1], "the ETC1S levels stored, the large level refused");
    // Reopened without the limit: the stored entries serve.
    let cache = open(&tmp.path().join("cache"));
    assert_eq!(cache.stats().entries, 7);
    let source: Arc<dyn AssetSource> =
        Arc::new(CookedSource::open(tmp.path().join("out")).unwrap());
    load_all(&source, cached(TextureTarget::Uncompressed, &cache));
    assert_eq!(counts(cache.stats()), (7, 1, 1));
}
