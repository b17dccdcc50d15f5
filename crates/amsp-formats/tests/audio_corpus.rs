//! The corpus clip `house_lo` in WAV, FLAC, OGG Vorbis and MP3 through the
//! audio importer and the runtime: metadata, samples, streaming, seeking
//! and the stream's memory window.
#![cfg(all(feature = "import", feature = "runtime"))]

mod audio_common;

use amsp_formats::audio::{AudioClip, AudioLimits, AudioStream, ClipState, LoadMode, read_clip};
use audio_common::*;

const CODECS: [&str; 4] = ["wav", "flac", "ogg", "mp3"];

fn cooked(ext: &str, chunk: u32) -> (amsp_cook::ImportedAsset, AudioClip) {
    let name = format!("house_lo.{ext}");
    let asset = import(&name, &corpus_file(&name), &[chunk_ms(chunk)]).unwrap();
    let clip = read_clip(reader(asset.chunks.clone()), &AudioLimits::default()).unwrap();
    (asset, clip)
}

#[test]
fn four_codecs_agree_on_rate_channels_and_duration() {
    let (wav_asset, wav) = cooked("wav", 1000);
    assert_eq!(wav_asset.metadata["codec"], "pcm_s16");
    for ext in CODECS {
        let (asset, clip) = cooked(ext, 1000);
        let m = &asset.metadata;
        eprintln!(
            "{ext}: {} Hz, {} ch, {} frames ({:.4} s), codec {}, {} data chunks",
            m["sample_rate"],
            m["channels"],
            m["frames"],
            m["duration_s"],
            m["codec"],
            m["chunk_bytes"].as_array().unwrap().len()
        );
        assert_eq!(clip.sample_rate, wav.sample_rate, "{ext}");
        assert_eq!(clip.channels, wav.channels, "{ext}");
        assert_eq!(m["frames"], clip.frames, "{ext}");
        assert_eq!(m["load"], "stream", "a {:.1} s clip streams under auto", clip.duration_s());
        assert_eq!(clip.state, ClipState::Decoded);
        if ext == "mp3" {
            // This MP3 has no LAME/Xing header, so nothing says how much
            // encoder delay and padding to trim: it decodes to the standard
            // 1105 frames of delay (529 decoder + 576 encoder) plus under two
            // frames (576 each at 11 kHz) of padding.
            let extra = clip.frames - wav.frames;
            assert!((1105..1105 + 2 * 576).contains(&extra), "mp3: {extra} extra frames");
        } else {
            // WAV and FLAC state their length, Vorbis through granule
            // positions: all exact.
            assert_eq!(clip.frames, wav.frames, "{ext} length in frames");
        }
        assert_eq!(clip.samples.len() as u64, clip.frames * u64::from(clip.channels));
    }
}

#[test]
fn short_clips_decompress_and_long_ones_stream_under_auto() {
    let boom = import("boom.wav", &corpus_file("boom.wav"), &[]).unwrap();
    assert_eq!(boom.metadata["load"], "decompress");
    let house = import("house_lo.wav", &corpus_file("house_lo.wav"), &[]).unwrap();
    assert_eq!(house.metadata["load"], "stream");
    let forced = ("load", ron::Value::String("decompress".into()));
    let house = import("house_lo.wav", &corpus_file("house_lo.wav"), &[forced]).unwrap();
    assert_eq!(house.metadata["load"], "decompress");
    let bad = ("load", ron::Value::String("sometimes".into()));
    assert!(import("house_lo.wav", &corpus_file("house_lo.wav"), &[bad]).is_err());
    assert!(import("house_lo.wav", &corpus_file("house_lo.wav"), &[chunk_ms(10)]).is_err());
}

#[test]
fn flac_decodes_to_the_same_samples_as_wav() {
    let (_, wav) = cooked("wav", 1000);
    let (_, flac) = cooked("flac", 1000);
    assert_eq!(flac.samples, wav.samples);
}

#[test]
fn lossy_codecs_match_wav_within_tolerance() {
    let (_, wav) = cooked("wav", 1000);
    let channels = usize::from(wav.channels);
    for (ext, min_snr) in [("ogg", 20.0), ("mp3", 20.0)] {
        let (_, clip) = cooked(ext, 1000);
        let (lag, snr) = best_alignment(&wav.samples, &clip.samples, channels, 2000);
        eprintln!("{ext}: best alignment at {lag} frames, SNR {snr:.2} dB against the WAV");
        // Vorbis trims its delay; the MP3 has no gapless header and keeps
        // the standard 1105-frame delay.
        let delay = if ext == "mp3" { 1105 } else { 0 };
        assert_eq!(lag, delay, "{ext}: alignment");
        assert!(snr >= min_snr, "{ext}: SNR {snr:.2} dB under {min_snr} dB");
    }
}

#[test]
fn decoded_clips_match_a_direct_symphonia_decode_of_every_corpus_file() {
    for name in all_corpus_files() {
        let bytes = corpus_file(&name);
        let ext = name.rsplit('.').next().unwrap();
        let direct = decode_direct(&bytes, ext);
        let asset = import(&name, &bytes, &[]).unwrap();
        let clip = read_clip(reader(asset.chunks), &AudioLimits::default()).unwrap();
        eprintln!("{name}: {} frames, {:.3} s", clip.frames, clip.duration_s());
        assert_eq!(clip.sample_rate, direct.sample_rate, "{name}");
        assert_eq!(usize::from(clip.channels), direct.channels, "{name}");
        assert_eq!(clip.samples, direct.samples, "{name}: samples differ from symphonia's");
    }
}

fn stream_all(stream: &mut AudioStream) -> Vec<f32> {
    let mut out = Vec::new();
    while let Some(block) = stream.next_block().unwrap() {
        out.extend_from_slice(block);
    }
    out
}

#[test]
fn streaming_gives_the_same_samples_as_decompress_on_load() {
    for ext in CODECS {
        // 100 ms chunks, so the clip spans many of them.
        let stream_setting = ("load", ron::Value::String("stream".into()));
        let name = format!("house_lo.{ext}");
        let asset = import(&name, &corpus_file(&name), &[chunk_ms(100), stream_setting]).unwrap();
        assert_eq!(asset.metadata["load"], "stream");
        let (_, clip) = cooked(ext, 1000);
        let mut stream = AudioStream::open(reader(asset.chunks), &AudioLimits::default()).unwrap();
        assert_eq!(stream.header().load, LoadMode::Stream);
        assert!(
            stream.header().chunks.len() >= 10,
            "{ext}: {} chunks",
            stream.header().chunks.len()
        );
        assert_eq!(stream_all(&mut stream), clip.samples, "{ext}");
        assert!(stream.next_block().unwrap().is_none());
    }
}

/// Positions from a fixed xorshift sequence.
fn positions(frames: u64, n: usize) -> Vec<u64> {
    let mut state = 0x2545_f491_u64;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % frames
        })
        .collect()
}

#[test]
fn seeking_gives_the_same_samples_as_the_full_decode() {
    for ext in CODECS {
        let (asset, clip) = cooked(ext, 100);
        let channels = usize::from(clip.channels);
        let mut stream = AudioStream::open(reader(asset.chunks), &AudioLimits::default()).unwrap();
        let mut worst = 0f32;
        let mut targets = positions(clip.frames, 20);
        // A chunk's first frame, its last, and the clip's last.
        let first = stream.header().chunks[3].first_frame;
        targets.extend([first, first - 1, clip.frames - 1]);
        for &at in &targets {
            stream.seek(at).unwrap();
            assert_eq!(stream.position(), at);
            let mut got = Vec::new();
            while got.len() < 4096 * channels {
                match stream.next_block().unwrap() {
                    Some(block) => got.extend_from_slice(block),
                    None => break,
                }
            }
            let from = at as usize * channels;
            let want = &clip.samples[from..(from + got.len()).min(clip.samples.len())];
            assert_eq!(got.len(), want.len(), "{ext} at {at}");
            let diff = got.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
            worst = worst.max(diff);
        }
        eprintln!("{ext}: largest difference after {} seeks: {worst:e}", targets.len());
        // Warm-up packets (Vorbis: 2, MP3: at least 3 and 2 KiB) rebuild
        // the decoder state exactly; every codec matches sample for sample.
        assert_eq!(worst, 0.0, "{ext}");
        stream.seek(clip.frames).unwrap();
        assert!(stream.next_block().unwrap().is_none());
        assert!(stream.seek(clip.frames + 1).is_err());
    }
}

#[test]
fn the_stream_window_stays_within_two_chunks_and_a_block() {
    for ext in CODECS {
        let (asset, clip) = cooked(ext, 250);
        let mut stream = AudioStream::open(reader(asset.chunks), &AudioLimits::default()).unwrap();
        let largest_chunk = stream.header().chunks.iter().map(|c| c.bytes).max().unwrap() as usize;
        let total: u64 = stream.header().chunks.iter().map(|c| c.bytes).sum();
        stream_all(&mut stream);
        for at in positions(clip.frames, 20) {
            stream.seek(at).unwrap();
            stream.next_block().unwrap();
        }
        // One decoded block: a packet (at most 4608 frames for these
        // codecs' packets here) or 4096 PCM frames.
        let block = 4608 * usize::from(clip.channels) * 4;
        let bound = 2 * largest_chunk + block;
        let peak = stream.peak_window_bytes();
        eprintln!(
            "{ext}: peak window {peak} B, bound {bound} B (largest chunk {largest_chunk} B), \
             whole cooked clip {total} B"
        );
        assert!(peak <= bound, "{ext}: {peak} > {bound}");
        assert!((peak as u64) < total, "{ext}: the window held the whole clip");
    }
}
