//! Streaming through the asset server: `load::<AudioStreamSource>` reads
//! only the header chunk, each `open` gives an independent stream that
//! reads the data chunks on demand through the server's source, with exact
//! seeking, a bounded window, silent placeholders, and errors that name the
//! asset when a chunk fails its checksum or the pack disappears.
#![cfg(all(feature = "import", feature = "runtime"))]

mod audio_common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use amsp_cook::Cooker;
use amsp_core::{AssetId, AssetPath};
use amsp_formats::audio::{
    AUDIO_TYPE, AudioClip, AudioClipLoader, AudioError, AudioImporter, AudioLimits, AudioStream,
    AudioStreamSource, AudioStreamSourceLoader, ClipState, PLACEHOLDER_FRAMES, read_clip,
};
use amsp_io::{AssetDescriptor, AssetSource, CookedSource, MemorySource, ReadError};
use amsp_runtime::{Asset, AssetServer, LoadError};
use audio_common::*;

const CODECS: [&str; 4] = ["wav", "flac", "ogg", "mp3"];

/// A real source that records every chunk read and can be switched off
/// (as a source whose storage went away answers).
struct Recorded {
    inner: Arc<dyn AssetSource>,
    reads: Mutex<Vec<(AssetId, u32)>>,
    gone: AtomicBool,
}

impl AssetSource for Recorded {
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
        self.reads.lock().unwrap().push((id, chunk));
        if self.gone.load(Ordering::SeqCst) {
            return Err(ReadError::NotFound { id, chunk, source_name: self.name().to_owned() });
        }
        self.inner.read_chunk(id, chunk, out)
    }
}

impl Recorded {
    fn chunks_read(&self, id: AssetId) -> Vec<u32> {
        self.reads.lock().unwrap().iter().filter(|r| r.0 == id).map(|r| r.1).collect()
    }
}

/// Cooks the `house_lo` clips (streamed under `load: auto`, 250 ms chunks)
/// and `boom.wav` (decompressed) into `dir/out`.
fn cook(dir: &Path) -> PathBuf {
    let (src, out) = (dir.join("src"), dir.join("out"));
    std::fs::create_dir_all(&src).unwrap();
    let mut names: Vec<String> = CODECS.iter().map(|e| format!("house_lo.{e}")).collect();
    names.push("boom.wav".into());
    for (i, name) in names.iter().enumerate() {
        std::fs::write(src.join(name), corpus_file(name)).unwrap();
        let meta = format!(
            r#"(id: "00000000000000000000000000a0d2{i:02}", settings: {{"chunk_ms": 250}})"#
        );
        std::fs::write(src.join(format!("{name}.meta")), meta).unwrap();
    }
    let mut cooker = Cooker::new(&src, &out);
    cooker.registry_mut().register(Arc::new(AudioImporter::default()));
    let report = cooker.run().unwrap();
    assert_eq!(report.cooked, names.len(), "{:?}", report.errors);
    out
}

fn server(out: &Path) -> (AssetServer, Arc<Recorded>) {
    let cooked: Arc<dyn AssetSource> = Arc::new(CookedSource::open(out).unwrap());
    let recorded = Arc::new(Recorded {
        inner: cooked,
        reads: Mutex::new(Vec::new()),
        gone: AtomicBool::new(false),
    });
    let source: Arc<dyn AssetSource> = Arc::clone(&recorded) as Arc<dyn AssetSource>;
    let server = AssetServer::builder().source(source).worker_threads(1).build().unwrap();
    server.register_loader(AudioClipLoader::default());
    server.register_loader(AudioStreamSourceLoader::default());
    (server, recorded)
}

fn load_source(server: &AssetServer, path: &str) -> Arc<AudioStreamSource> {
    let handle = server.load::<AudioStreamSource>(path);
    assert!(server.wait_for(&handle, Duration::from_secs(20)).is_loaded(), "{path}");
    server.get(&handle).unwrap()
}

/// The whole clip, decoded from the cooked chunks in memory.
fn reference(name: &str) -> AudioClip {
    let asset = import(name, &corpus_file(name), &[chunk_ms(250)]).unwrap();
    read_clip(reader(asset.chunks), &AudioLimits::default()).unwrap()
}

/// Streams can be handed to an audio thread.
const _: fn() = || {
    fn send<T: Send + 'static>() {}
    send::<AudioStream>();
};

fn drain(stream: &mut AudioStream) -> Vec<f32> {
    let mut out = Vec::new();
    while let Some(block) = stream.next_block().unwrap() {
        out.extend_from_slice(block);
    }
    out
}

#[test]
fn a_stream_source_loads_from_the_header_chunk_and_streams_on_demand() {
    let dir = tempfile::tempdir().unwrap();
    let (server, recorded) = server(&cook(dir.path()));

    // A short clip still loads decoded as an `AudioClip`, and can stream
    // too.
    let boom = server.load::<AudioClip>("boom.wav");
    assert!(server.wait_for(&boom, Duration::from_secs(20)).is_loaded());
    let boom = server.get(&boom).unwrap();
    assert_eq!(boom.state, ClipState::Decoded);
    let streamed = drain(&mut load_source(&server, "boom.wav").open().unwrap());
    assert_eq!(streamed, boom.samples);

    for ext in CODECS {
        let name = format!("house_lo.{ext}");
        let want = reference(&name);
        let as_clip = server.load::<AudioClip>(name.as_str());
        assert!(server.wait_for(&as_clip, Duration::from_secs(20)).is_loaded());
        assert_eq!(server.get(&as_clip).unwrap().state, ClipState::Streamed, "{ext}");

        let source = load_source(&server, &name);
        let id = source.id();
        assert_eq!(source.path().as_str(), name);
        assert_eq!(source.state(), ClipState::Streamed);
        assert_eq!((source.sample_rate(), source.channels()), (want.sample_rate, want.channels));
        assert_eq!(source.frames(), want.frames);
        let data_chunks = source.header().chunks.len() as u32;
        assert!(data_chunks >= 10, "{ext}: {data_chunks} chunks of about 250 ms");
        // Loading as a clip and as a stream source: the header, twice.
        assert_eq!(recorded.chunks_read(id), [0, 0], "{ext}: loading read data chunks");

        // Two streams at once, one block each in turn: independent.
        let mut a = source.open().unwrap();
        let mut b = source.open().unwrap();
        assert_eq!(recorded.chunks_read(id), [0, 0], "{ext}: opening read chunks");
        let (mut got_a, mut got_b) = (Vec::new(), Vec::new());
        let (mut a_done, mut b_done) = (false, false);
        let mut first_chunk_only = true;
        while !(a_done && b_done) {
            match a.next_block().unwrap() {
                Some(block) => got_a.extend_from_slice(block),
                None => a_done = true,
            }
            if first_chunk_only {
                // The first block needs the first data chunk, nothing more.
                assert_eq!(recorded.chunks_read(id), [0, 0, 1], "{ext}");
                first_chunk_only = false;
            }
            for _ in 0..2 {
                match b.next_block().unwrap() {
                    Some(block) => got_b.extend_from_slice(block),
                    None => b_done = true,
                }
            }
        }
        assert_eq!(got_a, want.samples, "{ext}: stream a");
        assert_eq!(got_b, want.samples, "{ext}: stream b");
        // Each stream read each data chunk once.
        let reads = recorded.chunks_read(id);
        for chunk in 1..=data_chunks {
            assert_eq!(reads.iter().filter(|&&c| c == chunk).count(), 2, "{ext}: chunk {chunk}");
        }
        // The asset's own size counts the header, not the audio.
        assert!(source.byte_size() < 4096, "{ext}: {} B", source.byte_size());
    }
}

/// Targets around every fourth chunk boundary, the ends, and odd frames.
fn targets(source: &AudioStreamSource) -> Vec<u64> {
    let mut out = vec![0, 1, 777, source.frames() - 1, source.frames()];
    for c in source.header().chunks.iter().step_by(4) {
        out.extend([c.first_frame.saturating_sub(1), c.first_frame, c.first_frame + 1]);
    }
    out.extend([source.frames() / 3, source.frames() / 2 + 13]);
    out
}

#[test]
fn seeking_a_server_stream_is_exact_to_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = server(&cook(dir.path()));
    for ext in CODECS {
        let name = format!("house_lo.{ext}");
        let want = reference(&name);
        let channels = usize::from(want.channels);
        let source = load_source(&server, &name);
        let mut stream = source.open().unwrap();
        for target in targets(&source) {
            stream.seek(target).unwrap();
            assert_eq!(stream.position(), target);
            // A second and a half from the target, across chunk boundaries.
            let mut got = Vec::new();
            while got.len() < 16_537 * channels {
                match stream.next_block().unwrap() {
                    Some(block) => got.extend_from_slice(block),
                    None => break,
                }
            }
            let from = target as usize * channels;
            let end = (from + got.len()).min(want.samples.len());
            assert_eq!(got.len(), end - from, "{ext}: seek to {target}: length");
            assert!(got == want.samples[from..end], "{ext}: seek to {target}: samples differ");
        }
        let err = stream.seek(source.frames() + 1).unwrap_err();
        assert_eq!(err.asset().map(|(id, _)| id), Some(source.id()));
        assert!(matches!(err.inner(), AudioError::SeekOutOfRange { .. }), "{err}");
    }
}

#[test]
fn a_server_stream_holds_at_most_two_chunks_and_a_block() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = server(&cook(dir.path()));
    for ext in CODECS {
        let name = format!("house_lo.{ext}");
        let source = load_source(&server, &name);
        let header = source.header();
        let largest = header.chunks.iter().map(|c| c.bytes).max().unwrap() as usize;
        let total: u64 = header.chunks.iter().map(|c| c.bytes).sum();
        let channels = usize::from(header.channels);
        // The largest decoded block: one packet, or a PCM block.
        let block_frames = match header.max_frames_per_packet {
            0 => amsp_formats::audio::PCM_BLOCK_FRAMES,
            n => n as usize,
        };
        // f32 block and its i16 copy; a chunk's packet table (two words of
        // bookkeeping per packet) is counted too.
        let block = block_frames * channels * (4 + 2);
        let tables = largest; // entries + offsets never exceed the chunk
        let bound = 2 * largest + block + tables;
        let mut stream = source.open().unwrap();
        let mut n = 0;
        while stream.next_block_i16().unwrap().is_some() {
            n += 1;
        }
        for target in targets(&source) {
            stream.seek(target).unwrap();
            let _ = stream.next_block().unwrap();
        }
        let peak = stream.peak_window_bytes();
        eprintln!(
            "{ext}: {n} blocks; peak window {peak} B; largest chunk {largest} B; all chunks \
             {total} B; bound {bound} B"
        );
        assert!(peak <= bound, "{ext}: {peak} > {bound}");
        // Decoded whole, the clip takes 313 KB of f32.
        let decoded = header.frames * u64::from(header.channels) * 4;
        assert!((peak as u64) < decoded / 8, "{ext}: {peak} B against {decoded} B decoded");
    }
}

/// The pack file in `out/packs` that holds `needle`, and where.
fn find_in_packs(out: &Path, needle: &[u8]) -> (PathBuf, usize) {
    let out = out.join("packs");
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        if let Some(at) = bytes.windows(needle.len()).position(|w| w == needle) {
            return (path, at);
        }
    }
    panic!("no pack in {} holds the chunk", out.display());
}

fn first_error(stream: &mut AudioStream) -> AudioError {
    loop {
        match stream.next_block() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("the stream ended without an error"),
            Err(err) => return err,
        }
    }
}

#[test]
fn a_chunk_that_fails_its_checksum_is_an_error_naming_the_asset() {
    let dir = tempfile::tempdir().unwrap();
    let out = cook(dir.path());
    let (server, _) = server(&out);
    let source = load_source(&server, "house_lo.ogg");
    let mut stream = source.open().unwrap();
    assert!(stream.next_block().unwrap().is_some());

    // Damage data chunk 5 in the pack on disk (OGG chunks are stored as
    // they are), after the source loaded.
    let asset = import("house_lo.ogg", &corpus_file("house_lo.ogg"), &[chunk_ms(250)]).unwrap();
    let (pack, at) = find_in_packs(&out, &asset.chunks[5]);
    let mut bytes = std::fs::read(&pack).unwrap();
    bytes[at + asset.chunks[5].len() / 2] ^= 0x40;
    std::fs::write(&pack, &bytes).unwrap();

    let err = first_error(&mut stream);
    eprintln!("{err}");
    assert_eq!(err.asset(), Some((source.id(), source.path())));
    assert!(matches!(err.inner(), AudioError::Read { chunk: 5, .. }), "{err}");
    let Some(LoadError::Corrupt { asset, .. }) = err.load_error() else {
        panic!("not a checksum failure: {err}");
    };
    assert_eq!(asset.path.as_ref(), Some(source.path()));
    assert!(err.to_string().contains("house_lo.ogg"), "{err}");
    // A stream that seeks past the damage still plays the rest.
    let mut later = source.open().unwrap();
    later.seek(source.header().chunks[7].first_frame).unwrap();
    assert!(later.next_block().unwrap().is_some());
}

#[test]
fn a_source_that_disappears_is_an_error_naming_the_asset() {
    let dir = tempfile::tempdir().unwrap();
    let out = cook(dir.path());
    let (server, recorded) = server(&out);

    // A source that no longer has the asset: not found, naming it.
    let mp3 = load_source(&server, "house_lo.mp3");
    recorded.gone.store(true, Ordering::SeqCst);
    let mut stream = mp3.open().unwrap();
    let err = first_error(&mut stream);
    assert_eq!(err.asset(), Some((mp3.id(), mp3.path())));
    assert!(matches!(err.load_error(), Some(LoadError::NotFound { .. })), "{err}");
    recorded.gone.store(false, Ordering::SeqCst);

    // The pack truncated under an open stream: the read fails, naming the
    // asset (the pack reader reports the short file as damage).
    let source = load_source(&server, "house_lo.flac");
    let mut stream = source.open().unwrap();
    assert!(stream.next_block().unwrap().is_some());
    let asset = import("house_lo.flac", &corpus_file("house_lo.flac"), &[chunk_ms(250)]).unwrap();
    let (pack, _) = find_in_packs(&out, &asset.chunks[3]);
    std::fs::OpenOptions::new().write(true).open(&pack).unwrap().set_len(0).unwrap();
    let err = first_error(&mut stream);
    eprintln!("{err}");
    assert_eq!(err.asset(), Some((source.id(), source.path())));
    let load = err.load_error().unwrap_or_else(|| panic!("no load error: {err}"));
    assert!(matches!(load, LoadError::Io { .. } | LoadError::Corrupt { .. }), "{load}");
    assert_eq!(load.asset().and_then(|a| a.path.as_ref()), Some(source.path()));
}

#[test]
fn placeholders_and_failed_loads_stream_silence() {
    for (source, state) in [
        (AudioStreamSource::placeholder().unwrap(), ClipState::Loading),
        (AudioStreamSource::error_placeholder().unwrap(), ClipState::Failed),
    ] {
        assert_eq!(source.state(), state);
        assert_eq!(source.frames(), PLACEHOLDER_FRAMES);
        let mut stream = source.open().unwrap();
        let samples = drain(&mut stream);
        assert_eq!(samples.len() as u64, PLACEHOLDER_FRAMES * u64::from(source.channels()));
        assert!(samples.iter().all(|&s| s == 0.0));
    }

    // A header cut short fails the load; the handle serves silence.
    let asset = import("house_lo.ogg", &corpus_file("house_lo.ogg"), &[]).unwrap();
    let mut chunks = asset.chunks;
    chunks[0].truncate(40);
    let mut memory = MemorySource::new("test");
    let id = AssetId::from_u128(9);
    memory.insert(id, AssetPath::new("house_lo.ogg").unwrap(), AUDIO_TYPE, chunks, Vec::new());
    let server = AssetServer::builder().source(Arc::new(memory)).worker_threads(1).build().unwrap();
    server.register_loader(AudioStreamSourceLoader::default());
    let handle = server.load::<AudioStreamSource>("house_lo.ogg");
    let state = server.wait_for(&handle, Duration::from_secs(20));
    assert!(state.is_failed());
    assert_eq!(server.get_or_placeholder(&handle).unwrap().state(), ClipState::Failed);
}
