//! Helpers shared by the audio tests: the corpus, the importer, and a plain
//! symphonia decode to compare against.
#![allow(dead_code, reason = "each test file uses some of the helpers")]

use std::io::Cursor;
use std::path::PathBuf;

use amsp_cook::{AssetMeta, ImportError, ImportInput, ImportedAsset, Importer};
use amsp_core::AssetPath;
use amsp_formats::audio::AudioImporter;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

/// The corpus's audio folder; fails loudly when it is missing.
pub fn audio_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/audio"));
    assert!(dir.is_dir(), "the audio corpus is missing: {} does not exist", dir.display());
    dir
}

/// The bytes of corpus file `name`.
pub fn corpus_file(name: &str) -> Vec<u8> {
    let path = audio_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every audio file of the corpus, sorted by name.
pub fn all_corpus_files() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(audio_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| [".wav", ".ogg", ".flac", ".mp3"].iter().any(|ext| n.ends_with(ext)))
        .collect();
    names.sort();
    assert!(names.len() >= 4, "expected the four house_lo files at least, found {names:?}");
    names
}

/// Imports `bytes` as `name` with the given sidecar settings.
pub fn import(
    name: &str,
    bytes: &[u8],
    settings: &[(&str, ron::Value)],
) -> Result<ImportedAsset, ImportError> {
    let path = AssetPath::new(name).unwrap();
    let mut meta = AssetMeta::new_random();
    for (k, v) in settings {
        meta.settings.insert((*k).to_owned(), v.clone());
    }
    AudioImporter::default().import(&ImportInput { path: &path, bytes, meta: &meta })
}

/// A `chunk_ms` setting.
pub fn chunk_ms(ms: u32) -> (&'static str, ron::Value) {
    ("chunk_ms", ron::Value::Number(ron::value::Number::U32(ms)))
}

/// A chunk reader over cooked chunks held in memory.
pub fn reader(
    chunks: Vec<Vec<u8>>,
) -> impl FnMut(u32, &mut Vec<u8>) -> Result<(), std::io::Error> + Send + 'static {
    move |chunk, out: &mut Vec<u8>| match chunks.get(chunk as usize) {
        Some(c) => {
            out.clear();
            out.extend_from_slice(c);
            Ok(())
        }
        None => Err(std::io::Error::new(std::io::ErrorKind::NotFound, "no such chunk")),
    }
}

/// A file decoded with symphonia alone: rate, channels, interleaved f32.
pub struct Direct {
    /// Frames per second.
    pub sample_rate: u32,
    /// Channels per frame.
    pub channels: usize,
    /// Interleaved samples.
    pub samples: Vec<f32>,
}

/// symphonia's probe and default decoder for `bytes`, and the id of the
/// audio track: the reference every audio check compares against.
pub fn open_direct(
    bytes: &[u8],
    ext: &str,
) -> (Box<dyn symphonia::core::formats::FormatReader>, Box<dyn AudioDecoder>, u32) {
    let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes.to_vec())), Default::default());
    let mut hint = Hint::new();
    hint.with_extension(ext);
    let reader = symphonia::default::get_probe()
        .probe(&hint, mss, FormatOptions::default(), MetadataOptions::default())
        .unwrap();
    let track = reader.default_track(TrackType::Audio).unwrap().clone();
    let Some(CodecParameters::Audio(params)) = track.codec_params else { panic!("not audio") };
    let decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .unwrap();
    (reader, decoder, track.id)
}

/// Decodes `bytes` with symphonia's probe and default decoder, nothing else.
pub fn decode_direct(bytes: &[u8], ext: &str) -> Direct {
    let (mut reader, mut decoder, track) = open_direct(bytes, ext);
    let mut samples = Vec::new();
    let mut block = Vec::new();
    let (mut rate, mut channels) = (0, 0);
    while let Some(packet) = reader.next_packet().unwrap() {
        if packet.track_id != track {
            continue;
        }
        let decoded = decoder.decode(&packet).unwrap();
        rate = decoded.spec().rate();
        channels = decoded.spec().channels().count();
        decoded.copy_to_vec_interleaved::<f32>(&mut block);
        samples.extend_from_slice(&block);
    }
    Direct { sample_rate: rate, channels, samples }
}

/// Signal-to-noise ratio in dB of `test` against `reference` over the
/// first `n` samples, `test` shifted by `lag` samples (interleaved).
pub fn snr_db(reference: &[f32], test: &[f32], lag: isize, n: usize) -> f64 {
    let (mut signal, mut noise) = (0f64, 0f64);
    for i in 0..n {
        let j = i as isize + lag;
        if j < 0 || j as usize >= test.len() || i >= reference.len() {
            continue;
        }
        let r = f64::from(reference[i]);
        let d = r - f64::from(test[j as usize]);
        signal += r * r;
        noise += d * d;
    }
    10.0 * (signal / noise.max(1e-30)).log10()
}

/// The frame lag in `-max..=max` that best aligns `test` to `reference`
/// (highest SNR), and that SNR.
pub fn best_alignment(
    reference: &[f32],
    test: &[f32],
    channels: usize,
    max: isize,
) -> (isize, f64) {
    let n = reference.len().min(test.len());
    (-max..=max)
        .map(|lag| (lag, snr_db(reference, test, lag * channels as isize, n)))
        .fold((0, f64::MIN), |best, x| if x.1 > best.1 { x } else { best })
}
