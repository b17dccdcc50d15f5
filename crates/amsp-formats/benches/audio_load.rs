//! Audio load and streaming figures on the corpus clip `house_lo` (WAV,
//! FLAC, OGG Vorbis, MP3), cooked into a temporary folder:
//!
//! - `*/symphonia_direct`: the source file decoded with symphonia alone
//!   (probe, decoder, interleaved f32): the reference.
//! - `*/load_through_asset_server`: the cooked clip (sidecar `load:
//!   "decompress"`) loaded as an `AudioClip` by `AudioClipLoader` through
//!   the `AssetServer` (pack reads, header, every packet decoded).
//! - `*/stream_whole_clip`: an `AudioStream` over the cooked source from
//!   the start to the end, block by block (1 s chunks); throughput is in
//!   frames, so the realtime factor is frames per second over the sample
//!   rate.
//! - `*/stream_through_asset_server`: `load::<AudioStreamSource>` through
//!   the `AssetServer` (header chunk only), `open`, then every block to the
//!   end (data chunks read on demand through the server's source), and the
//!   source unloaded again: the whole streaming path against
//!   `symphonia_direct` on the same file.
//! - `*/stream_i16_through_asset_server`: the same with 16-bit output.
//!
//! After the criterion groups it prints, from medians measured in the same
//! run: the load/direct ratio, the streaming realtime factor, the
//! server-stream/direct ratios, the time to the first block (server stream
//! against symphonia's probe and first packet) and each stream's peak
//! window.

use std::hint::black_box;
use std::io::Cursor;
use std::sync::Arc;
use std::time::{Duration, Instant};

use amsp_cook::Cooker;
use amsp_core::AssetPath;
use amsp_formats::audio::{
    AudioClip, AudioClipLoader, AudioImporter, AudioLimits, AudioStream, AudioStreamSource,
    AudioStreamSourceLoader,
};
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::AssetServer;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

const CODECS: [&str; 4] = ["wav", "flac", "ogg", "mp3"];

fn corpus(name: &str) -> Vec<u8> {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/audio/").to_owned() + name;
    std::fs::read(&path).unwrap_or_else(|e| panic!("the audio corpus is missing: {path}: {e}"))
}

/// symphonia's probe and default decoder for `bytes`, nothing of AMSP's.
fn symphonia_open(bytes: &[u8], ext: &str) -> (Box<dyn FormatReader>, Box<dyn AudioDecoder>) {
    let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes.to_vec())), Default::default());
    let mut hint = Hint::new();
    hint.with_extension(ext);
    let reader = symphonia::default::get_probe()
        .probe(&hint, mss, FormatOptions::default(), MetadataOptions::default())
        .expect("probe");
    let track = reader.default_track(TrackType::Audio).expect("audio track").clone();
    let Some(CodecParameters::Audio(params)) = track.codec_params else { panic!("not audio") };
    let decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .expect("decoder");
    (reader, decoder)
}

/// The source decoded with symphonia alone: samples, sample rate, channels.
fn symphonia_direct(bytes: &[u8], ext: &str) -> (Vec<f32>, u32, usize) {
    let (mut reader, mut decoder) = symphonia_open(bytes, ext);
    let mut samples = Vec::new();
    let mut block = Vec::new();
    let (mut rate, mut channels) = (0, 0);
    while let Some(packet) = reader.next_packet().expect("packet") {
        let decoded = decoder.decode(&packet).expect("decodes");
        rate = decoded.spec().rate();
        channels = decoded.spec().channels().count();
        decoded.copy_to_vec_interleaved::<f32>(&mut block);
        samples.extend_from_slice(&block);
    }
    (samples, rate, channels)
}

/// symphonia alone up to the first decoded packet: probe, decoder, one
/// packet.
fn symphonia_first_block(bytes: &[u8], ext: &str) -> usize {
    let (mut reader, mut decoder) = symphonia_open(bytes, ext);
    let mut block = Vec::new();
    while let Some(packet) = reader.next_packet().expect("packet") {
        let decoded = decoder.decode(&packet).expect("decodes");
        decoded.copy_to_vec_interleaved::<f32>(&mut block);
        if !block.is_empty() {
            break;
        }
    }
    block.len()
}

/// Output a server stream gives.
#[derive(Clone, Copy, PartialEq)]
enum Output {
    F32,
    I16,
    FirstBlock,
}

/// Loads `path` as an `AudioStreamSource`, opens a stream and plays it to
/// the end (or its first block), then unloads the source; returns the
/// samples and the stream's peak window.
fn stream_through_server(server: &AssetServer, path: &str, output: Output) -> (usize, usize) {
    let handle = server.load::<AudioStreamSource>(path);
    assert!(server.wait_for(&handle, Duration::from_secs(10)).is_loaded());
    let source = server.get(&handle).expect("loaded");
    let mut stream = source.open().expect("opens");
    let mut n = 0;
    match output {
        Output::F32 | Output::FirstBlock => {
            while let Some(block) = stream.next_block().expect("block") {
                n += black_box(block).len();
                if output == Output::FirstBlock {
                    break;
                }
            }
        }
        Output::I16 => {
            while let Some(block) = stream.next_block_i16().expect("block") {
                n += black_box(block).len();
            }
        }
    }
    let peak = stream.peak_window_bytes();
    drop((stream, source, handle));
    server.unload_unused();
    (n, peak)
}

fn load(server: &AssetServer, path: &str) -> usize {
    let handle = server.load::<AudioClip>(path);
    assert!(server.wait_for(&handle, Duration::from_secs(10)).is_loaded());
    let clip = server.get(&handle).expect("loaded");
    let n = clip.samples.len();
    drop(handle);
    server.unload_unused();
    n
}

fn stream(source: &Arc<dyn AssetSource>, id: amsp_core::AssetId) -> usize {
    let mut stream =
        AudioStream::from_source(Arc::clone(source), id, &AudioLimits::default()).expect("opens");
    let mut n = 0;
    while let Some(block) = stream.next_block().expect("block") {
        n += black_box(block).len();
    }
    n
}

fn median_secs(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..31)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Medians of one codec, in seconds.
struct Summary {
    ext: &'static str,
    clip_s: f64,
    direct: f64,
    loaded: f64,
    streamed: f64,
    server_f32: f64,
    server_i16: f64,
    first_direct: f64,
    first_server: f64,
    peak: usize,
}

fn audio_load(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    std::fs::create_dir_all(&src).expect("source folder");
    // The 7.1 s clip would stream under `load: auto`; the sidecars ask for
    // decompress-on-load, which is what is measured here.
    for (i, ext) in CODECS.iter().enumerate() {
        let path = src.join(format!("house_lo.{ext}"));
        std::fs::write(&path, corpus(&format!("house_lo.{ext}"))).expect("source written");
        let meta = format!(
            r#"(id: "00000000000000000000000000a0d1{i:02}", settings: {{"load": "decompress"}})"#
        );
        std::fs::write(path.with_extension(format!("{ext}.meta")), meta).expect("sidecar");
    }
    let mut cooker = Cooker::new(&src, &out);
    cooker.registry_mut().register(Arc::new(AudioImporter::default()));
    let report = cooker.run().expect("cook");
    assert_eq!(report.cooked, CODECS.len(), "{:?}", report.errors);
    let source: Arc<dyn AssetSource> = Arc::new(CookedSource::open(&out).expect("cooked output"));
    let server = AssetServer::builder()
        .source(Arc::clone(&source))
        .worker_threads(1)
        .build()
        .expect("server");
    server.register_loader(AudioClipLoader::default());
    server.register_loader(AudioStreamSourceLoader::default());

    let mut summary = Vec::new();
    let mut group = c.benchmark_group("audio_house_lo");
    for ext in CODECS {
        let name = format!("house_lo.{ext}");
        let bytes = corpus(&name);
        let id = source.resolve(&AssetPath::new(&name).expect("path")).expect("id");
        let (samples, rate, channels) = symphonia_direct(&bytes, ext);
        let samples = samples.len();
        assert_eq!(
            load(&server, &name),
            samples,
            "{name}: the loaded clip has the source's length"
        );
        assert_eq!(stream(&source, id), samples);
        let (streamed_n, peak) = stream_through_server(&server, &name, Output::F32);
        assert_eq!(streamed_n, samples, "{name}: the server stream has the source's length");
        assert_eq!(stream_through_server(&server, &name, Output::I16).0, samples);
        let frames = (samples / channels) as u64;
        group.throughput(Throughput::Elements(frames));
        group.bench_function(format!("{ext}/symphonia_direct"), |b| {
            b.iter(|| symphonia_direct(black_box(&bytes), ext))
        });
        group.bench_function(format!("{ext}/load_through_asset_server"), |b| {
            b.iter(|| load(&server, &name))
        });
        group
            .bench_function(format!("{ext}/stream_whole_clip"), |b| b.iter(|| stream(&source, id)));
        group.bench_function(format!("{ext}/stream_through_asset_server"), |b| {
            b.iter(|| stream_through_server(&server, &name, Output::F32))
        });
        group.bench_function(format!("{ext}/stream_i16_through_asset_server"), |b| {
            b.iter(|| stream_through_server(&server, &name, Output::I16))
        });
        let direct = median_secs(|| {
            black_box(symphonia_direct(&bytes, ext));
        });
        let loaded = median_secs(|| {
            black_box(load(&server, &name));
        });
        let streamed = median_secs(|| {
            black_box(stream(&source, id));
        });
        let server_f32 = median_secs(|| {
            black_box(stream_through_server(&server, &name, Output::F32));
        });
        let server_i16 = median_secs(|| {
            black_box(stream_through_server(&server, &name, Output::I16));
        });
        let first_direct = median_secs(|| {
            black_box(symphonia_first_block(&bytes, ext));
        });
        let first_server = median_secs(|| {
            black_box(stream_through_server(&server, &name, Output::FirstBlock));
        });
        let clip_s = frames as f64 / f64::from(rate);
        summary.push(Summary {
            ext,
            clip_s,
            direct,
            loaded,
            streamed,
            server_f32,
            server_i16,
            first_direct,
            first_server,
            peak,
        });
    }
    group.finish();
    for r in summary {
        println!(
            "{}: clip {:.2} s; symphonia direct {:.3} ms, load through server {:.3} ms \
             (ratio {:.2}); stream {:.3} ms = {:.0}x realtime",
            r.ext,
            r.clip_s,
            r.direct * 1e3,
            r.loaded * 1e3,
            r.loaded / r.direct,
            r.streamed * 1e3,
            r.clip_s / r.streamed
        );
        println!(
            "{}: stream through server f32 {:.3} ms (ratio {:.2}), i16 {:.3} ms (ratio {:.2}); \
             first block {:.3} ms against symphonia's {:.3} ms; peak window {} B",
            r.ext,
            r.server_f32 * 1e3,
            r.server_f32 / r.direct,
            r.server_i16 * 1e3,
            r.server_i16 / r.direct,
            r.first_server * 1e3,
            r.first_direct * 1e3,
            r.peak
        );
    }
}

criterion_group!(benches, audio_load);
criterion_main!(benches);
