//! The transcode cache part of `amsp demo`: one synthetic texture cooked to
//! UASTC (Basis Universal), loaded without a cache, then twice through the
//! disk cache (L2), each time by a new server: the first load transcodes and
//! stores each level (unless an earlier run already did), the second reads
//! them back.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use amsp_bench::textures::write_textures;
use amsp_cook::Cooker;
use amsp_formats::texture::{Texture, TextureImporter, TextureLoader};
use amsp_io::{
    AssetSource, CookedSource, DiskCache, DiskCacheConfig, DiskCacheError, DiskCacheStats,
};
use amsp_runtime::AssetServer;
use anyhow::{Context, bail};
use serde_json::{Value, json};

/// Where the demo keeps transcoded levels.
#[derive(Debug, Clone)]
pub enum CacheChoice {
    /// The platform cache folder (`amsp_io::default_cache_dir`).
    Default,
    /// This folder.
    Dir(PathBuf),
    /// No transcode cache.
    Off,
}

impl CacheChoice {
    /// From the command line's `--cache-dir` and `--no-cache`.
    pub fn from_args(dir: Option<PathBuf>, off: bool) -> Self {
        match (off, dir) {
            (true, _) => CacheChoice::Off,
            (false, Some(dir)) => CacheChoice::Dir(dir),
            (false, None) => CacheChoice::Default,
        }
    }

    /// Opens the cache: `Err` with the reason when it is off, or in use by
    /// another process (another `amsp` run: the demo then goes on without
    /// it).
    ///
    /// Writes are not synced: a synced store makes a load that misses about
    /// 17 times slower than transcoding (an fsync of each level's entry and
    /// its folder; `benches/texture_transcode_cache.rs`), and an entry a
    /// power loss leaves unwritten fails verification and is transcoded
    /// again, never served.
    fn open(&self) -> anyhow::Result<Result<Arc<DiskCache>, String>> {
        let config = DiskCacheConfig { sync_writes: false, ..DiskCacheConfig::default() };
        let cache = match self {
            CacheChoice::Off => return Ok(Err("off (--no-cache)".into())),
            CacheChoice::Default => DiskCache::open_default(config),
            CacheChoice::Dir(dir) => DiskCache::open(dir, config),
        };
        match cache {
            Ok(cache) => Ok(Ok(Arc::new(cache))),
            Err(err @ DiskCacheError::Locked { .. }) => Ok(Err(format!("not used: {err}"))),
            Err(err) => Err(err).context("opening the transcode cache"),
        }
    }
}

/// Loads `name` through a new one-worker server with `loader`.
fn load(
    source: &Arc<dyn AssetSource>,
    loader: TextureLoader,
    name: &str,
) -> anyhow::Result<(Arc<Texture>, Duration)> {
    let server = AssetServer::builder().source(Arc::clone(source)).worker_threads(1).build()?;
    server.register_loader(loader);
    let started = Instant::now();
    let handle = server.load::<Texture>(name);
    let state = server.wait_for(&handle, Duration::from_secs(120));
    let elapsed = started.elapsed();
    let texture =
        server.get(&handle).with_context(|| format!("{name} did not load: {:?}", state.error()))?;
    Ok((texture, elapsed))
}

/// One load through `cache` by a new server: the texture, the time and
/// the cache's counters for this load alone.
fn load_cached(
    source: &Arc<dyn AssetSource>,
    cache: &Arc<DiskCache>,
    name: &str,
) -> anyhow::Result<(Arc<Texture>, Duration, DiskCacheStats)> {
    let before = cache.stats();
    let loader = TextureLoader::default().with_transcode_cache(Arc::clone(cache));
    let (texture, elapsed) = load(source, loader, name)?;
    let after = cache.stats();
    let stats = DiskCacheStats {
        hits: after.hits - before.hits,
        misses: after.misses - before.misses,
        corrupt: after.corrupt - before.corrupt,
        writes: after.writes - before.writes,
        write_errors: after.write_errors - before.write_errors,
        ..after
    };
    Ok((texture, elapsed, stats))
}

fn counters(stats: &DiskCacheStats, elapsed: Duration) -> Value {
    json!({
        "hits": stats.hits,
        "misses": stats.misses,
        "writes": stats.writes,
        "write_errors": stats.write_errors,
        "corrupt": stats.corrupt,
        "ms": elapsed.as_secs_f64() * 1e3,
    })
}

/// Runs the transcode cache demo under `root` with a texture of `size`²
/// pixels and the cache `choice`; `say` prints a line unless the output is
/// JSON. Returns whether the cached loads gave the same bytes as the load
/// without the cache, and the JSON summary.
pub fn run(
    root: &Path,
    size: u32,
    choice: &CacheChoice,
    say: &dyn Fn(String),
) -> anyhow::Result<(bool, Value)> {
    let (src, out) = (root.join("basis_src"), root.join("basis_out"));
    let texture = write_textures(&src, 1, size)
        .with_context(|| format!("writing a texture in {}", src.display()))?
        .remove(0);
    let meta = PathBuf::from(format!("{}.meta", texture.path.display()));
    std::fs::write(
        &meta,
        r#"(id: "0000000000000000000000000000ba51", settings: {"encoding": "uastc"})"#,
    )?;
    let mut cooker = Cooker::new(&src, &out);
    cooker.registry_mut().register(Arc::new(TextureImporter::default()));
    let report = cooker.run()?;
    if report.failed > 0 {
        bail!("UASTC cook failed: {:?}", report.errors);
    }
    let source: Arc<dyn AssetSource> = Arc::new(CookedSource::open(&out)?);
    let name = texture.asset_path.as_str();
    let (plain, plain_time) = load(&source, TextureLoader::default(), name)?;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;

    let cache = match choice.open()? {
        Ok(cache) => cache,
        Err(reason) => {
            say(format!(
                "transcode:   {size}×{size} UASTC texture ({} levels) transcoded to BC7 at load in {:.2} ms; transcode cache {reason}",
                plain.mip_count,
                ms(plain_time),
            ));
            let summary = json!({ "cache": null, "reason": reason, "plain_ms": ms(plain_time) });
            return Ok((true, summary));
        }
    };
    let (first, first_time, s1) = load_cached(&source, &cache, name)?;
    let (second, second_time, s2) = load_cached(&source, &cache, name)?;
    let same = *first == *plain && *second == *plain;
    let dir = cache.dir().display().to_string();
    say(format!(
        "transcode:   {size}×{size} UASTC texture ({} levels) to BC7: without the cache {:.2} ms; through the transcode cache in {dir}: first load {:.2} ms ({} hits, {} misses, {} stored), second load {:.2} ms ({} hits, {} misses); same bytes: {same}",
        plain.mip_count,
        ms(plain_time),
        ms(first_time),
        s1.hits,
        s1.misses,
        s1.writes,
        ms(second_time),
        s2.hits,
        s2.misses,
    ));
    let summary = json!({
        "cache": dir,
        "levels": plain.mip_count,
        "plain_ms": ms(plain_time),
        "first": counters(&s1, first_time),
        "second": counters(&s2, second_time),
        "same_bytes": same,
    });
    Ok((same, summary))
}
