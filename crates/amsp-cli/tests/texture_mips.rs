//! Loading a mip range only: a cooked corpus texture loaded as its mip tail
//! reads only the tail's pack chunks, holds the same bytes as a full load,
//! upgrades in place to the finer levels and trims back; damaged chunks are
//! errors, never panics.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use amsp_cook::Cooker;
use amsp_core::{AssetId, AssetPath};
use amsp_formats::texture::basis::TextureTarget;
use amsp_formats::texture::ktx2::TextureLimits;
use amsp_formats::texture::layout::chunk_of_level;
use amsp_formats::texture::{
    MipSelection, Texture, TextureImporter, TextureLoader, TextureReadError, read_texture,
};
use amsp_io::{AssetDescriptor, AssetSource, CookedSource, ReadError};
use amsp_runtime::{AssetServer, LoadState};

/// A source that records which chunks were read.
struct Counting {
    inner: CookedSource,
    reads: Mutex<Vec<u32>>,
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
    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError> {
        self.reads.lock().unwrap().push(chunk);
        self.inner.read_chunk(id, chunk, out)
    }
}

/// `color_grid.png` (1024×1024, 11 levels) cooked as BC7 into a temporary folder.
fn cooked() -> (tempfile::TempDir, PathBuf) {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/textures/images/color_grid.png");
    assert!(corpus.is_file(), "the shared test corpus is missing: {}", corpus.display());
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(&corpus, src.join("grid.png")).unwrap();
    let mut cooker = Cooker::new(&src, &out);
    cooker.registry_mut().register(Arc::new(TextureImporter::default()));
    let report = cooker.run().unwrap();
    assert_eq!(report.cooked, 1, "{:?}", report.errors);
    (dir, out)
}

fn load(source: Arc<dyn AssetSource>, mips: MipSelection) -> Arc<Texture> {
    let server = AssetServer::builder().source(source).worker_threads(1).build().unwrap();
    server.register_loader(TextureLoader { mips, ..TextureLoader::default() });
    let handle = server.load::<Texture>("grid.png");
    let state = server.wait_for(&handle, Duration::from_secs(30));
    assert!(matches!(state, LoadState::Loaded), "{state:?}");
    server.get(&handle).unwrap()
}

#[test]
fn a_mip_tail_load_reads_only_the_tail_chunks_and_upgrades_in_place() {
    let (_dir, out) = cooked();
    let full = load(Arc::new(CookedSource::open(&out).unwrap()), MipSelection::All);
    assert_eq!((full.width, full.height, full.mip_count), (1024, 1024, 11));
    assert_eq!(full.resident, 0..11);

    let counting =
        Arc::new(Counting { inner: CookedSource::open(&out).unwrap(), reads: Mutex::default() });
    let tail = load(Arc::clone(&counting) as Arc<dyn AssetSource>, MipSelection::MaxSize(64));
    // 64×64 is level 4: levels 4..11 resident, the same bytes as the full load.
    assert_eq!(tail.resident, 4..11);
    assert_eq!(tail.mip_count, 11);
    for level in 0..11 {
        assert_eq!(tail.level(level), if level < 4 { None } else { full.level(level) });
    }
    let mut reads = counting.reads.lock().unwrap().clone();
    reads.sort_unstable();
    let expected: Vec<u32> =
        std::iter::once(0).chain((4..11).map(|l| chunk_of_level(l, 11))).collect();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort_unstable();
    assert_eq!(reads, expected_sorted, "only the header and the tail's chunks are read");
    let tail_bytes: usize = tail.mips.iter().map(Vec::len).sum();
    let full_bytes: usize = full.mips.iter().map(Vec::len).sum();
    assert!(tail_bytes * 100 < full_bytes, "{tail_bytes} of {full_bytes} bytes");

    // Upgrade to level 1, then to level 0: the same texture as a full load.
    let id = counting.resolve(&AssetPath::new("grid.png").unwrap()).unwrap();
    let read = |chunk: u32, out: &mut Vec<u8>| counting.read_chunk(id, chunk, out);
    let limits = TextureLimits::default();
    let sharper = tail.upgrade(read, 1, TextureTarget::Desktop, &limits).unwrap();
    assert_eq!(sharper.resident, 1..11);
    let sharpest = sharper.upgrade(read, 0, TextureTarget::Desktop, &limits).unwrap();
    assert_eq!(&sharpest, &*full);
    assert_eq!(
        sharpest.upgrade(read, 0, TextureTarget::Desktop, &limits).unwrap(),
        sharpest,
        "nothing finer to read"
    );

    // Trimming gives the memory back and keeps at least the coarsest level.
    assert_eq!(sharpest.trimmed(4), *tail);
    assert_eq!(sharpest.trimmed(99).resident, 10..11);
}

#[test]
fn damaged_texture_chunks_are_errors() {
    let (_dir, out) = cooked();
    let source = CookedSource::open(&out).unwrap();
    let id = source.resolve(&AssetPath::new("grid.png").unwrap()).unwrap();
    let limits = TextureLimits::default();
    let mut header = Vec::new();
    source.read_chunk(id, 0, &mut header).unwrap();

    // Every truncation of the header chunk is an error.
    for len in (0..header.len()).step_by(7) {
        let result = read_texture(
            |chunk, out: &mut Vec<u8>| {
                source.read_chunk(id, chunk, out)?;
                if chunk == 0 {
                    out.truncate(len);
                }
                Ok::<_, ReadError>(())
            },
            MipSelection::All,
            TextureTarget::Desktop,
            &limits,
        );
        assert!(matches!(result, Err(TextureReadError::Format(_))), "header cut at {len}");
    }
    // A level chunk cut short, or garbage in place of zstd data.
    for damage in
        [|out: &mut Vec<u8>| out.truncate(out.len() / 2), |out: &mut Vec<u8>| out.fill(0x5a)]
    {
        let result = read_texture(
            |chunk, out: &mut Vec<u8>| {
                source.read_chunk(id, chunk, out)?;
                if chunk == chunk_of_level(3, 11) {
                    damage(out);
                }
                Ok::<_, ReadError>(())
            },
            MipSelection::All,
            TextureTarget::Desktop,
            &limits,
        );
        let err = result.unwrap_err();
        assert!(matches!(err, TextureReadError::Format(_)), "{err}");
        assert!(err.to_string().contains("level 3"), "the error names the level: {err}");
    }
    // A failing source is passed through as it is.
    let result = read_texture(
        |chunk, _: &mut Vec<u8>| Err::<(), u32>(chunk + 100),
        MipSelection::All,
        TextureTarget::Desktop,
        &limits,
    );
    assert!(matches!(result, Err(TextureReadError::Source(100))));
}

#[test]
fn volume_and_array_textures_load_with_their_depth_and_layers() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/textures/ktx2-valid");
    assert!(corpus.is_dir(), "the shared test corpus is missing: {}", corpus.display());
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    std::fs::create_dir_all(&src).unwrap();
    for name in ["astc_ldr_6x6_3dtex_7.ktx2", "astc_ldr_6x6_arraytex_7.ktx2"] {
        std::fs::copy(corpus.join(name), src.join(name)).unwrap();
    }
    let mut cooker = Cooker::new(&src, &out);
    cooker.registry_mut().register(Arc::new(TextureImporter::default()));
    assert_eq!(cooker.run().unwrap().cooked, 2);
    let server = AssetServer::builder()
        .source(Arc::new(CookedSource::open(&out).unwrap()))
        .worker_threads(1)
        .build()
        .unwrap();
    server.register_loader(TextureLoader::default());
    for (name, depth, layers) in
        [("astc_ldr_6x6_3dtex_7.ktx2", 7, 1), ("astc_ldr_6x6_arraytex_7.ktx2", 1, 7)]
    {
        let handle = server.load::<Texture>(name);
        assert!(server.wait_for(&handle, Duration::from_secs(30)).is_loaded(), "{name}");
        let texture = server.get(&handle).unwrap();
        assert_eq!((texture.depth, texture.layers), (depth, layers), "{name}");
        // Every slice or layer of level 0 is resident: 6×6 blocks of 16 bytes.
        let (bw, bh) = (texture.width.div_ceil(6), texture.height.div_ceil(6));
        let images = (depth * layers) as usize;
        assert_eq!(texture.level(0).unwrap().len(), (bw * bh * 16) as usize * images, "{name}");
    }
}

#[test]
fn level_requests_through_the_server_read_each_level_once() {
    use amsp_core::PriorityClass;

    let (_dir, out) = cooked();
    let full = load(Arc::new(CookedSource::open(&out).unwrap()), MipSelection::All);
    let counting =
        Arc::new(Counting { inner: CookedSource::open(&out).unwrap(), reads: Mutex::default() });
    let server = AssetServer::builder()
        .source(Arc::clone(&counting) as Arc<dyn AssetSource>)
        .worker_threads(1)
        .build()
        .unwrap();
    server.register_loader(TextureLoader::default());
    let wait = |handle: &amsp_runtime::Handle<Texture>| {
        let state = server.wait_for(handle, Duration::from_secs(30));
        assert!(matches!(state, LoadState::Loaded), "{state:?}");
        server.get(handle).unwrap()
    };
    let take_reads = || {
        let mut reads = std::mem::take(&mut *counting.reads.lock().unwrap());
        reads.sort_unstable();
        reads
    };
    let chunks = |header: bool, levels: std::ops::Range<u32>| -> Vec<u32> {
        let header = header.then_some(0);
        let mut c: Vec<u32> =
            header.into_iter().chain(levels.map(|l| chunk_of_level(l, 11))).collect();
        c.sort_unstable();
        c
    };

    // The tail first: the header and the tail's chunks.
    let tail = server.load_level::<Texture>("grid.png", 4, PriorityClass::Critical);
    assert_eq!(tail.level(), Some(4));
    let t = wait(&tail);
    assert_eq!(t.resident, 4..11);
    assert_eq!(take_reads(), chunks(true, 4..11));

    // Two levels finer: only those two levels are read; the tail and the
    // header it was read with are reused.
    let sharper = server.load_level::<Texture>("grid.png", 2, PriorityClass::High);
    assert!(!amsp_runtime::Handle::ptr_eq(&tail, &sharper), "each level is a request of its own");
    let s = wait(&sharper);
    assert_eq!(s.resident, 2..11);
    assert_eq!(take_reads(), chunks(false, 2..4));
    for level in 2..11 {
        assert_eq!(s.level(level), full.level(level), "level {level}");
    }

    // A coarser level with a finer one loaded is trimmed from it: nothing
    // is read.
    let tail_bytes = amsp_runtime::Asset::byte_size(&*t);
    drop(tail);
    assert_eq!(server.unload_unused(), tail_bytes, "the tail level is freed");
    let coarser = wait(&server.load_level::<Texture>("grid.png", 3, PriorityClass::Normal));
    assert_eq!(*coarser, s.trimmed(3));
    assert_eq!(take_reads(), Vec::<u32>::new());

    // Level 0 from level 2 reads levels 0 and 1: the full texture.
    let sharpest = wait(&server.load_level::<Texture>("grid.png", 0, PriorityClass::Normal));
    assert_eq!(*sharpest, *full);
    assert_eq!(take_reads(), chunks(false, 0..2));
}
