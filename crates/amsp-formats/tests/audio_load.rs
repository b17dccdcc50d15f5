//! Cooked audio through the cook, the cooked source and the asset server:
//! clips cooked to decompress load decoded, streamed clips load as a
//! description and stream from the source, broken assets fail to their
//! silent error placeholder.
#![cfg(all(feature = "import", feature = "runtime"))]

mod audio_common;

use std::sync::Arc;
use std::time::Duration;

use amsp_cook::Cooker;
use amsp_core::{AssetId, AssetPath};
use amsp_formats::audio::{
    AUDIO_TYPE, AudioClip, AudioClipLoader, AudioImporter, AudioLimits, AudioStream, ClipState,
    PLACEHOLDER_FRAMES, read_clip,
};
use amsp_io::{AssetSource, CookedSource, MemorySource};
use amsp_runtime::{Asset, AssetServer};
use audio_common::*;

fn cook_corpus(dir: &std::path::Path) -> Arc<dyn AssetSource> {
    let (src, out) = (dir.join("src"), dir.join("out"));
    std::fs::create_dir_all(&src).unwrap();
    for name in ["boom.wav", "house_lo.ogg", "house_lo.mp3"] {
        std::fs::write(src.join(name), corpus_file(name)).unwrap();
    }
    let mut cooker = Cooker::new(&src, &out);
    cooker.registry_mut().register(Arc::new(AudioImporter::default()));
    let report = cooker.run().unwrap();
    assert_eq!(report.cooked, 3, "{:?}", report.errors);
    Arc::new(CookedSource::open(&out).unwrap())
}

fn server(source: &Arc<dyn AssetSource>, loader: AudioClipLoader) -> AssetServer {
    let server =
        AssetServer::builder().source(Arc::clone(source)).worker_threads(1).build().unwrap();
    server.register_loader(loader);
    server
}

fn load(server: &AssetServer, path: &str) -> Arc<AudioClip> {
    let handle = server.load::<AudioClip>(path);
    assert!(server.wait_for(&handle, Duration::from_secs(20)).is_loaded(), "{path}");
    server.get(&handle).unwrap()
}

#[test]
fn cooked_clips_load_and_stream_through_the_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let source = cook_corpus(dir.path());
    let plain = server(&source, AudioClipLoader::default());

    // A short clip: decoded at load, the samples of a direct decode.
    let boom = load(&plain, "boom.wav");
    assert_eq!(boom.state, ClipState::Decoded);
    assert_eq!(boom.samples, decode_direct(&corpus_file("boom.wav"), "wav").samples);

    // A long clip: only described at load ...
    let house = load(&plain, "house_lo.ogg");
    assert_eq!(house.state, ClipState::Streamed);
    assert!(house.samples.is_empty());
    assert!((house.duration_s() - 7.105).abs() < 0.001, "{}", house.duration_s());
    // ... and streamed from the cooked source, chunk by chunk.
    let id = source.resolve(&AssetPath::new("house_lo.ogg").unwrap()).unwrap();
    let mut stream =
        AudioStream::from_source(Arc::clone(&source), id, &AudioLimits::default()).unwrap();
    let mut streamed = Vec::new();
    while let Some(block) = stream.next_block().unwrap() {
        streamed.extend_from_slice(block);
    }
    let direct = decode_direct(&corpus_file("house_lo.ogg"), "ogg").samples;
    assert_eq!(streamed, direct);
    // Its errors name the asset.
    let err = stream.seek(house.frames + 1).unwrap_err();
    assert_eq!(err.asset().map(|(id, path)| (id, path.as_str())), Some((id, "house_lo.ogg")));

    // A loader asked to decode streamed clips too.
    let decoding = server(&source, AudioClipLoader { decode_streamed: true, ..Default::default() });
    let mp3 = load(&decoding, "house_lo.mp3");
    assert_eq!(mp3.state, ClipState::Decoded);
    assert_eq!(mp3.samples, decode_direct(&corpus_file("house_lo.mp3"), "mp3").samples);
}

#[test]
fn a_broken_clip_fails_to_its_silent_error_placeholder() {
    let asset = import("boom.wav", &corpus_file("boom.wav"), &[]).unwrap();
    let mut chunks = asset.chunks.clone();
    let keep = chunks[1].len() - 3;
    chunks[1].truncate(keep);
    let mut memory = MemorySource::new("test");
    let path = AssetPath::new("boom.wav").unwrap();
    memory.insert(AssetId::from_u128(7), path, AUDIO_TYPE, chunks.clone(), Vec::new());
    let source: Arc<dyn AssetSource> = Arc::new(memory);
    let server = server(&source, AudioClipLoader::default());
    let handle = server.load::<AudioClip>("boom.wav");
    assert!(server.wait_for(&handle, Duration::from_secs(20)).is_failed());
    let shown = server.get_or_placeholder(&handle).unwrap();
    assert_eq!(shown.state, ClipState::Failed);
    assert!(read_clip(reader(chunks), &AudioLimits::default()).is_err());

    for (clip, state) in [
        (AudioClip::placeholder().unwrap(), ClipState::Loading),
        (AudioClip::error_placeholder().unwrap(), ClipState::Failed),
    ] {
        assert_eq!(clip.state, state);
        assert_eq!(clip.frames, PLACEHOLDER_FRAMES);
        assert_eq!(clip.samples.len() as u64, PLACEHOLDER_FRAMES * u64::from(clip.channels));
        assert!(clip.samples.iter().all(|&s| s == 0.0));
    }
}
