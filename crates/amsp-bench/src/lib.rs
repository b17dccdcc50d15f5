//! Measurement helpers shared by AMSP's benchmarks and `amsp demo`.
//!
//! - [`CookedFixture`]: a synthetic source tree cooked into a temporary output
//!   folder.
//! - [`reference_read`]: the reference every streaming figure is compared
//!   with: positioned reads plus decompression of every chunk of every pack
//!   entry on N threads, with no `AssetServer` around it.
//! - [`stream_all`]: the same entries loaded through an `AssetServer`.
//! - [`textures`]: synthetic source textures (colour, normal maps, masks).

pub mod models;
pub mod sim;
pub mod soak;
pub mod textures;
pub mod world;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use amsp_cook::synthetic::{SyntheticAsset, SyntheticSpec, generate};
use amsp_cook::{CookReport, Cooker, Importer};
use amsp_core::AssetId;
use amsp_io::{AssetSource, CookedSource};
use amsp_pack::PackReader;
use amsp_runtime::{AssetServer, Blob, Handle, TEXT_TYPES, Text};

/// A synthetic tree cooked into a temporary folder (deleted on drop).
pub struct CookedFixture {
    dir: tempfile::TempDir,
    /// The generated sources.
    pub assets: Vec<SyntheticAsset>,
    /// The cook's report.
    pub report: CookReport,
}

impl CookedFixture {
    /// Generates `spec` and cooks it.
    ///
    /// # Panics
    /// When generating or cooking fails: fixtures are for benchmarks.
    #[must_use]
    pub fn new(spec: &SyntheticSpec) -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let assets = generate(&dir.path().join("src"), spec).expect("synthetic tree");
        let report =
            Cooker::new(dir.path().join("src"), dir.path().join("out")).run().expect("cook");
        assert_eq!(report.failed, 0, "{:?}", report.errors);
        Self { dir, assets, report }
    }

    /// The source folder.
    #[must_use]
    pub fn src(&self) -> PathBuf {
        self.dir.path().join("src")
    }

    /// The cooked output folder.
    #[must_use]
    pub fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }
}

/// A handful of source files written into a temporary folder, cooked with
/// the given importers and opened (deleted on drop): the set-up of the
/// per-type load benchmarks.
pub struct CookedFiles {
    dir: tempfile::TempDir,
    /// The cooked output, opened.
    pub source: Arc<CookedSource>,
}

impl CookedFiles {
    /// Writes `files` (paths relative to the source folder, with their
    /// bytes; `.meta` sidecars included) and cooks them with the importers
    /// `importers` makes for the source folder.
    ///
    /// # Panics
    /// When writing or cooking fails, or a file does not cook: fixtures are
    /// for benchmarks.
    #[must_use]
    pub fn new(
        files: &[(&str, &[u8])],
        importers: impl FnOnce(&Path) -> Vec<Arc<dyn Importer>>,
    ) -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let (src, out) = (dir.path().join("src"), dir.path().join("out"));
        for (path, bytes) in files {
            let file = src.join(path);
            std::fs::create_dir_all(file.parent().expect("a file in a folder")).expect("folder");
            std::fs::write(file, bytes).expect("source written");
        }
        let mut cooker = Cooker::new(&src, &out);
        for importer in importers(&src) {
            cooker.registry_mut().register(importer);
        }
        let report = cooker.run().expect("cook");
        assert_eq!(report.failed, 0, "{:?}", report.errors);
        let source = Arc::new(CookedSource::open(&out).expect("cooked output opens"));
        Self { dir, source }
    }

    /// The source folder.
    #[must_use]
    pub fn src(&self) -> PathBuf {
        self.dir.path().join("src")
    }

    /// An `AssetServer` over the cooked output with `workers` worker threads.
    ///
    /// # Panics
    /// When the server cannot be built.
    #[must_use]
    pub fn server(&self, workers: usize) -> AssetServer {
        AssetServer::builder()
            .source(Arc::clone(&self.source) as Arc<dyn AssetSource>)
            .worker_threads(workers)
            .build()
            .expect("server")
    }
}

/// Every pack of a cooked output, opened.
///
/// # Panics
/// When a pack does not open.
#[must_use]
pub fn open_packs(out: &Path) -> Vec<PackReader> {
    let mut packs: Vec<PackReader> = std::fs::read_dir(out.join(amsp_cook::PACK_DIR))
        .expect("packs folder")
        .filter_map(Result::ok)
        .filter(|e| amsp_cook::pack_seq(&e.file_name().to_string_lossy()).is_some())
        .map(|e| PackReader::open(e.path()).expect("pack opens"))
        .collect();
    packs.sort_by(|a, b| a.path().cmp(b.path()));
    packs
}

/// Reads and decompresses every chunk of every entry of `packs` on `threads`
/// threads; returns the decompressed bytes and the wall time.
///
/// # Panics
/// When a read fails.
#[must_use]
pub fn reference_read(packs: &[PackReader], threads: usize) -> (u64, Duration) {
    let work: Vec<(usize, usize)> = packs
        .iter()
        .enumerate()
        .flat_map(|(p, pack)| (0..pack.entries().len()).map(move |e| (p, e)))
        .collect();
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let total: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut buf = Vec::new();
                    let mut bytes = 0u64;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(p, e)) = work.get(i) else { return bytes };
                        let pack = &packs[p];
                        for chunk in 0..pack.entries()[e].chunk_count {
                            pack.read_chunk(e, chunk, &mut buf).expect("reference read");
                            bytes += buf.len() as u64;
                        }
                    }
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("reference worker")).sum()
    });
    (total, started.elapsed())
}

/// How [`stream_all`] asks for each asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamMode {
    /// Every asset as a [`Blob`]: the bytes, with no parsing or validation,
    /// like the reference. Use on trees without dependencies (a catalog
    /// dependency is loaded as its natural type, which would load it twice).
    Blobs,
    /// Each asset as its natural type ([`Text`] for the text types, [`Blob`]
    /// for the rest, so catalog dependencies share the slots): UTF-8
    /// validation and dependency tracking included.
    NaturalTypes,
}

/// Loads every asset of `source` through a new `AssetServer` with `threads`
/// workers and waits until all are loaded; returns the loaded bytes and the
/// wall time from building the server to the last asset loaded.
///
/// # Panics
/// When an asset fails to load or the loads do not finish within a minute.
#[must_use]
pub fn stream_all(source: &Arc<CookedSource>, threads: usize, mode: StreamMode) -> (u64, Duration) {
    let assets: Vec<(AssetId, bool)> = source
        .ids()
        .map(|id| {
            let text = mode == StreamMode::NaturalTypes
                && source.describe(id).is_some_and(|d| TEXT_TYPES.contains(&d.asset_type.as_str()));
            (id, text)
        })
        .collect();
    let started = Instant::now();
    let server = AssetServer::builder()
        .source(Arc::clone(source) as Arc<dyn AssetSource>)
        .worker_threads(threads)
        .build()
        .expect("server starts");
    let mut texts: Vec<Handle<Text>> = Vec::new();
    let mut blobs: Vec<Handle<Blob>> = Vec::new();
    for &(id, text) in &assets {
        if text {
            texts.push(server.load::<Text>(id));
        } else {
            blobs.push(server.load::<Blob>(id));
        }
    }
    assert!(server.wait_idle(Duration::from_secs(60)), "loads finish");
    let elapsed = started.elapsed();
    let bytes = texts
        .iter()
        .map(|h| server.get(h).unwrap_or_else(|| not_loaded(h)).as_str().len() as u64)
        .chain(
            blobs
                .iter()
                .map(|h| server.get(h).unwrap_or_else(|| not_loaded(h)).bytes().len() as u64),
        )
        .sum();
    (bytes, elapsed)
}

/// The result of [`interleaved_ratio`].
#[derive(Debug, Clone, Copy)]
pub struct Ratio {
    /// Median wall time of the reference.
    pub reference: Duration,
    /// Median wall time through the `AssetServer`.
    pub server: Duration,
    /// Decompressed bytes per round.
    pub bytes: u64,
}

impl Ratio {
    /// Server throughput as a fraction of the reference's.
    #[must_use]
    pub fn fraction(&self) -> f64 {
        self.reference.as_secs_f64() / self.server.as_secs_f64().max(1e-12)
    }
}

/// Alternates `rounds` reference reads and server streams of the same cooked
/// output, so that both see the same machine load, and returns the medians.
///
/// # Panics
/// As [`reference_read`] and [`stream_all`].
#[must_use]
pub fn interleaved_ratio(
    packs: &[PackReader],
    source: &Arc<CookedSource>,
    threads: usize,
    mode: StreamMode,
    rounds: usize,
) -> Ratio {
    let (mut reference, mut server) = (Vec::new(), Vec::new());
    let mut bytes = 0;
    for _ in 0..rounds.max(1) {
        let (b, t) = reference_read(packs, threads);
        bytes = b;
        reference.push(t);
        server.push(stream_all(source, threads, mode).1);
    }
    reference.sort();
    server.sort();
    Ratio { reference: reference[reference.len() / 2], server: server[server.len() / 2], bytes }
}

fn not_loaded<T>(handle: &impl std::fmt::Debug) -> T {
    panic!("{handle:?} did not load")
}

/// The number of cores to use for "all cores" figures.
#[must_use]
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// The default spec of the streaming benchmark and the demo: `assets` assets
/// from 256 B to 256 KiB, with (`dependencies`) or without dependency edges.
#[must_use]
pub fn streaming_spec(assets: usize, dependencies: bool) -> SyntheticSpec {
    let max_dependencies = if dependencies { SyntheticSpec::default().max_dependencies } else { 0 };
    SyntheticSpec { assets, max_dependencies, ..SyntheticSpec::default() }
}
