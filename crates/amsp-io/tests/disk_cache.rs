//! The disk cache (L2): round trips, exact keys, corruption, the size cap
//! and `CachingSource` over a real cooked output.

mod disk_cache_common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use amsp_cook::{ImportError, ImportInput, ImportedAsset, Importer};
use amsp_core::{AssetId, AssetPath, ContentHash};
use amsp_io::disk_cache::ENGINE_VERSION;
use amsp_io::{
    AssetDescriptor, AssetSource, CacheKey, CachingSource, CookedSource, DiskCache,
    DiskCacheConfig, DiskCacheError, ReadError,
};
use disk_cache_common::assert_accounting;

fn config(max_bytes: u64) -> DiskCacheConfig {
    DiskCacheConfig { max_bytes, ..DiskCacheConfig::default() }
}

fn key(n: u32) -> CacheKey {
    CacheKey::new(ContentHash(*blake3::hash(&n.to_le_bytes()).as_bytes()), "test", 1)
}

/// Deterministic bytes that differ for every `seed`.
fn bytes(seed: u32, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut counter = 0u64;
    while out.len() < len {
        let mut h = blake3::Hasher::new();
        h.update(&seed.to_le_bytes());
        h.update(&counter.to_le_bytes());
        out.extend_from_slice(h.finalize().as_bytes());
        counter += 1;
    }
    out.truncate(len);
    out
}

#[test]
fn round_trip_reopen_lock_and_limits() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    let sizes = [0usize, 1, 63, 64, 1000, 200_000];
    {
        let cache = DiskCache::open(&dir, config(10 << 20)).unwrap();
        for (i, &len) in sizes.iter().enumerate() {
            assert_eq!(cache.get(&key(i as u32)), None);
            cache.put(&key(i as u32), &bytes(i as u32, len)).unwrap();
        }
        for (i, &len) in sizes.iter().enumerate() {
            assert_eq!(cache.get(&key(i as u32)).unwrap(), bytes(i as u32, len));
        }
        // Replacing an entry.
        cache.put(&key(4), b"replaced").unwrap();
        assert_eq!(cache.get(&key(4)).unwrap(), b"replaced");
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.writes), (7, 6, 7));
        assert_eq!(stats.entries, sizes.len() as u64);
        assert_accounting(&cache);

        // One owner at a time.
        match DiskCache::open(&dir, config(10 << 20)) {
            Err(DiskCacheError::Locked { path }) => assert!(path.starts_with(&dir)),
            other => panic!("expected Locked, got {other:?}"),
        }
        // An entry larger than the whole cache is refused and leaves nothing.
        let small = DiskCache::open(tmp.path().join("small"), config(1000)).unwrap();
        match small.put(&key(0), &[0; 1000]) {
            Err(DiskCacheError::TooLarge { bytes, max_bytes }) => {
                assert_eq!((bytes, max_bytes), (1064, 1000));
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
        assert_eq!(small.stats().write_errors, 1);
        assert_accounting(&small);
        assert_eq!(small.get(&key(0)), None);
    }
    // Reopened: everything is still there and verified.
    let cache = DiskCache::open(&dir, config(10 << 20)).unwrap();
    assert_accounting(&cache);
    for (i, &len) in sizes.iter().enumerate() {
        let expected = if i == 4 { b"replaced".to_vec() } else { bytes(i as u32, len) };
        assert_eq!(cache.get(&key(i as u32)).unwrap(), expected);
    }
    assert!(cache.remove(&key(0)).unwrap());
    assert!(!cache.remove(&key(0)).unwrap());
    assert_eq!(cache.get(&key(0)), None);
    assert_accounting(&cache);
}

#[test]
fn each_key_part_invalidates_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = DiskCache::open(tmp.path(), config(1 << 20)).unwrap();
    let hash = ContentHash(*blake3::hash(b"source texture").as_bytes());
    let other_hash = ContentHash(*blake3::hash(b"source texture, edited").as_bytes());
    let base = CacheKey::new(hash, "texture-bc7", 3);
    cache.put(&base, b"bc7 blocks").unwrap();

    assert_eq!(base, CacheKey::for_engine(hash, "texture-bc7", 3, ENGINE_VERSION));
    assert_eq!(cache.get(&CacheKey::new(hash, "texture-bc7", 3)).unwrap(), b"bc7 blocks");
    let changed = [
        ("content hash", CacheKey::new(other_hash, "texture-bc7", 3)),
        ("kind", CacheKey::new(hash, "texture-astc", 3)),
        ("format version", CacheKey::new(hash, "texture-bc7", 4)),
        ("engine version", CacheKey::for_engine(hash, "texture-bc7", 3, "0.0.0-other")),
        ("part", base.part(0)),
    ];
    for (what, key) in changed {
        assert_ne!(key, base, "{what}");
        assert_eq!(cache.get(&key), None, "a different {what} must miss");
        cache.put(&key, what.as_bytes()).unwrap();
    }
    // Each stored under its own key; the original is untouched.
    assert_eq!(cache.get(&base).unwrap(), b"bc7 blocks");
    for (what, key) in [("kind", CacheKey::new(hash, "texture-astc", 3)), ("part", base.part(0))] {
        assert_eq!(cache.get(&key).unwrap(), what.as_bytes());
    }
    // Length-prefixed parts: moving a character between kind and engine
    // version does not collide.
    assert_ne!(CacheKey::for_engine(hash, "ab", 1, "c"), CacheKey::for_engine(hash, "a", 1, "bc"));
}

#[test]
fn every_byte_flip_and_truncation_is_a_miss_and_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    let payload = bytes(7, 300);
    let k = key(7);
    let cache = DiskCache::open(&dir, config(1 << 20)).unwrap();
    cache.put(&k, &payload).unwrap();
    cache.put(&key(8), b"bystander").unwrap();
    let path = cache.entry_path(&k);
    let good = fs::read(&path).unwrap();
    assert_eq!(good.len(), 364);

    let mut expected_corrupt = 0;
    // Every single byte flipped, with the cache open.
    for i in 0..good.len() {
        for mask in [0x01u8, 0x80] {
            let mut bad = good.clone();
            bad[i] ^= mask;
            fs::write(&path, &bad).unwrap();
            assert_eq!(cache.get(&k), None, "flip {mask:#x} at byte {i} was served");
            expected_corrupt += 1;
            assert!(!path.exists(), "flip at {i}: bad entry not removed");
            assert_eq!(cache.stats().corrupt, expected_corrupt);
            assert_accounting(&cache);
            cache.put(&k, &payload).unwrap();
        }
    }
    let fault = cache.last_fault().unwrap();
    assert!(fault.contains(&k.to_hex()) && fault.contains("corrupt"), "{fault}");
    drop(cache);

    // Every truncation length and every flip of the header, found after a
    // reopen (the index then takes the damaged file's size as it is).
    let mut damaged: Vec<Vec<u8>> = (0..good.len()).map(|n| good[..n].to_vec()).collect();
    damaged.extend((0..64).map(|i| {
        let mut bad = good.clone();
        bad[i] ^= 0x10;
        bad
    }));
    let mut extended = good.clone();
    extended.push(0);
    damaged.push(extended);
    for (case, bad) in damaged.iter().enumerate() {
        fs::write(&path, bad).unwrap();
        let cache = DiskCache::open(&dir, config(1 << 20)).unwrap();
        assert_eq!(cache.get(&k), None, "damaged case {case} ({} bytes) was served", bad.len());
        assert!(!path.exists());
        assert_eq!(cache.stats().corrupt, 1, "case {case}");
        assert_eq!(cache.get(&key(8)).unwrap(), b"bystander");
        assert_accounting(&cache);
        cache.put(&k, &payload).unwrap();
        assert_eq!(cache.get(&k).unwrap(), payload);
    }
}

#[test]
fn size_cap_evicts_least_recently_used() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    let entry = 1000 + 64;
    let cap = 10 * entry;
    {
        let cache = DiskCache::open(&dir, config(cap)).unwrap();
        for n in 0..10 {
            cache.put(&key(n), &bytes(n, 1000)).unwrap();
        }
        assert_eq!(cache.stats().evictions, 0);
        // Use 0..3 recently: they must outlive 3..8.
        for n in 0..3 {
            assert!(cache.get(&key(n)).is_some());
        }
        for n in 10..15 {
            cache.put(&key(n), &bytes(n, 1000)).unwrap();
            assert!(cache.stats().bytes <= cap);
            assert_accounting(&cache);
        }
        let stats = cache.stats();
        assert_eq!((stats.evictions, stats.entries, stats.bytes), (5, 10, cap));
        for n in 0..15 {
            let kept = cache.get(&key(n));
            if (3..8).contains(&n) {
                assert_eq!(kept, None, "entry {n} should have been evicted");
            } else {
                assert_eq!(kept.unwrap(), bytes(n, 1000), "entry {n}");
            }
        }
        // A bigger entry evicts as many as it needs.
        cache.put(&key(99), &bytes(99, 3000)).unwrap();
        assert!(cache.stats().bytes <= cap);
        assert_accounting(&cache);
    }
    // The order of use survives a reopen through the files' modification
    // times: read one entry, reopen with half the cap, and it is kept. (The
    // pauses only separate timestamps: file systems keep them to a few
    // milliseconds.)
    std::thread::sleep(Duration::from_millis(50));
    {
        let cache = DiskCache::open(&dir, config(cap)).unwrap();
        assert!(cache.get(&key(8)).is_some());
    }
    std::thread::sleep(Duration::from_millis(50));
    let cache = DiskCache::open(&dir, config(cap / 2)).unwrap();
    let stats = cache.stats();
    assert!(stats.bytes <= cap / 2 && stats.evictions > 0, "{stats:?}");
    assert_eq!(cache.get(&key(8)).unwrap(), bytes(8, 1000), "recently read entry evicted");
    assert_accounting(&cache);
}

/// Cooks each file into chunks of 8 KiB, as a texture cooks into mips.
struct SplitImporter;

impl Importer for SplitImporter {
    fn name(&self) -> &str {
        "split"
    }
    fn version(&self) -> u32 {
        1
    }
    fn extensions(&self) -> &[&str] {
        &["ktx2"]
    }
    fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError> {
        Ok(ImportedAsset {
            asset_type: "blob".into(),
            chunks: input.bytes.chunks(8192).map(<[u8]>::to_vec).collect(),
            ..ImportedAsset::default()
        })
    }
}

/// A source that counts the chunks read through it.
struct Counting {
    inner: CookedSource,
    chunks_read: AtomicUsize,
    requests: AtomicUsize,
}

impl Counting {
    fn reads(&self) -> (usize, usize) {
        (self.requests.load(Ordering::SeqCst), self.chunks_read.load(Ordering::SeqCst))
    }
}

impl AssetSource for Counting {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn resolve(&self, path: &AssetPath) -> Option<AssetId> {
        self.inner.resolve(path)
    }
    fn describe(&self, id: AssetId) -> Option<Arc<AssetDescriptor>> {
        self.inner.describe(id)
    }
    fn chunk_size(&self, id: AssetId, chunk: u32) -> Option<u64> {
        self.inner.chunk_size(id, chunk)
    }
    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.chunks_read.fetch_add(1, Ordering::SeqCst);
        self.inner.read_chunk(id, chunk, out)
    }
    fn read_chunks(
        &self,
        id: AssetId,
        chunks: std::ops::Range<u32>,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<(), ReadError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.chunks_read.fetch_add(chunks.len(), Ordering::SeqCst);
        self.inner.read_chunks(id, chunks, out)
    }
}

fn corpus_textures() -> PathBuf {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/textures"))
        .join("ktx2-valid");
    assert!(dir.is_dir(), "the test corpus is missing: {} does not exist", dir.display());
    dir
}

/// Copies the corpus's valid KTX2 files into `src` and cooks them to `out`.
fn cook(src: &Path, out: &Path) -> CookedSource {
    let mut cooker = amsp_cook::Cooker::new(src, out);
    cooker.registry_mut().register(Arc::new(SplitImporter));
    let report = cooker.run().unwrap();
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    CookedSource::open(out).unwrap()
}

fn counting(source: CookedSource) -> Counting {
    Counting { inner: source, chunks_read: AtomicUsize::new(0), requests: AtomicUsize::new(0) }
}

#[test]
fn caching_source_serves_from_disk_and_refetches_bad_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, out) = (tmp.path().join("src"), tmp.path().join("out"));
    fs::create_dir_all(&src).unwrap();
    let mut names = Vec::new();
    for item in fs::read_dir(corpus_textures()).unwrap() {
        let path = item.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        fs::copy(&path, src.join(&name)).unwrap();
        names.push(name);
    }
    names.sort();
    assert!(names.len() >= 5, "too few corpus files");
    let cache = Arc::new(DiskCache::open(tmp.path().join("cache"), config(256 << 20)).unwrap());
    let source = CachingSource::new(counting(cook(&src, &out)), Arc::clone(&cache));

    let ids: Vec<AssetId> =
        names.iter().map(|n| source.resolve(&AssetPath::new(n).unwrap()).unwrap()).collect();
    let total_chunks: usize =
        ids.iter().map(|&id| source.describe(id).unwrap().chunk_count as usize).sum();
    assert!(total_chunks > ids.len(), "some corpus files must span several chunks");

    // First pass: every chunk from the inner source; second: none.
    for (name, &id) in names.iter().zip(&ids) {
        assert_eq!(source.read_all(id).unwrap(), fs::read(src.join(name)).unwrap(), "{name}");
    }
    assert_eq!(source.inner().reads(), (total_chunks, total_chunks));
    assert_eq!(cache.stats().entries as usize, total_chunks);
    for (name, &id) in names.iter().zip(&ids) {
        assert_eq!(source.read_all(id).unwrap(), fs::read(src.join(name)).unwrap(), "{name}");
        let mut batch = Vec::new();
        let count = source.describe(id).unwrap().chunk_count;
        source.read_chunks(id, 0..count, &mut batch).unwrap();
        assert_eq!(batch.concat(), fs::read(src.join(name)).unwrap());
    }
    assert_eq!(source.inner().reads(), (total_chunks, total_chunks), "second pass read inner");
    assert_eq!(cache.stats().hits as usize, 2 * total_chunks);

    // Damage every cached chunk of the largest asset, some by flipping a byte
    // and some by truncating; `read_chunks` must refetch exactly those, in
    // runs, and serve the right bytes.
    let (big, big_name) = ids
        .iter()
        .zip(&names)
        .max_by_key(|(id, _)| source.describe(**id).unwrap().chunk_count)
        .unwrap();
    let desc = source.describe(*big).unwrap();
    assert!(desc.chunk_count >= 4);
    let damaged: Vec<u32> = (0..desc.chunk_count).filter(|c| c % 3 != 1).collect();
    for &c in &damaged {
        let key =
            CachingSource::<Counting>::chunk_key(&desc, c, source.chunk_size(*big, c)).unwrap();
        let path = cache.entry_path(&key);
        let mut file = fs::read(&path).unwrap();
        if c % 2 == 0 {
            let at = file.len() / 2 + c as usize;
            file[at] ^= 0x04;
        } else {
            file.truncate(file.len() - 1);
        }
        fs::write(&path, file).unwrap();
    }
    let before = source.inner().reads();
    let corrupt_before = cache.stats().corrupt;
    let mut batch = Vec::new();
    source.read_chunks(*big, 0..desc.chunk_count, &mut batch).unwrap();
    assert_eq!(batch.concat(), fs::read(src.join(big_name)).unwrap());
    let after = source.inner().reads();
    assert_eq!(after.1 - before.1, damaged.len(), "exactly the damaged chunks refetched");
    let runs = damaged.windows(2).filter(|w| w[1] != w[0] + 1).count() + 1;
    assert_eq!(after.0 - before.0, runs, "one inner request per run of missing chunks");
    assert_eq!(cache.stats().corrupt - corrupt_before, damaged.len() as u64);
    // Refetched chunks were stored again: the next read is all from disk.
    source.read_chunks(*big, 0..desc.chunk_count, &mut Vec::new()).unwrap();
    assert_eq!(source.inner().reads(), after);
    assert_accounting(&cache);

    // Edit one source and cook again: its content hash changes, so it
    // misses; the unchanged assets hit although the cooked output is new.
    let edited = &names[0];
    let mut data = fs::read(src.join(edited)).unwrap();
    data.extend_from_slice(b"edited");
    fs::write(src.join(edited), &data).unwrap();
    drop(source);
    let source = CachingSource::new(counting(cook(&src, &out)), Arc::clone(&cache));
    for (name, &id) in names.iter().zip(&ids) {
        assert_eq!(source.read_all(id).unwrap(), fs::read(src.join(name)).unwrap(), "{name}");
    }
    let edited_chunks = source.describe(ids[0]).unwrap().chunk_count as usize;
    assert_eq!(source.inner().reads().1, edited_chunks, "only the edited asset read inner");
}

#[test]
fn concurrent_puts_gets_and_evictions_stay_consistent() {
    let tmp = tempfile::tempdir().unwrap();
    let entry = 2000 + 64;
    let cap = 12 * entry;
    let cache = DiskCache::open(tmp.path(), config(cap)).unwrap();
    std::thread::scope(|scope| {
        for t in 0..4u32 {
            let cache = &cache;
            scope.spawn(move || {
                for i in 0..300u32 {
                    // 24 keys shared by all threads, twice the cap's worth.
                    let n = (i * 7 + t * 5) % 24;
                    if (i + t) % 3 == 0 {
                        cache.put(&key(n), &bytes(n, 2000)).unwrap();
                    } else if let Some(got) = cache.get(&key(n)) {
                        assert_eq!(got, bytes(n, 2000), "key {n}: wrong bytes served");
                    }
                }
            });
        }
    });
    let stats = cache.stats();
    assert!(stats.bytes <= cap, "{stats:?}");
    assert!(stats.evictions > 0 && stats.hits > 0, "{stats:?}");
    assert_eq!((stats.corrupt, stats.read_errors, stats.write_errors), (0, 0, 0), "{stats:?}");
    assert_accounting(&cache);
}
