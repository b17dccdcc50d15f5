//! Damaged audio: truncated and corrupted sources give typed errors that
//! name the file (or import as a shorter clip where the format cannot tell),
//! and damaged cooked chunks give errors from the stream; never a panic or
//! a hang.
#![cfg(all(feature = "import", feature = "runtime"))]

mod audio_common;

use amsp_formats::audio::{AudioError, AudioHeader, AudioLimits, AudioStream, read_clip};
use audio_common::*;

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn truncated_sources_are_refused_or_import_shorter() {
    for ext in ["wav", "flac", "ogg", "mp3"] {
        let name = format!("house_lo.{ext}");
        let bytes = corpus_file(&name);
        let full = import(&name, &bytes, &[]).unwrap().metadata["frames"].as_u64().unwrap();
        let (mut refused, mut shorter) = (0, 0);
        for i in 0..20 {
            let cut = bytes.len() * i / 20 + (i * 37) % 101;
            match import(&name, &bytes[..cut.min(bytes.len() - 1)], &[]) {
                Err(e) => {
                    assert!(e.to_string().contains(&name), "{e}");
                    refused += 1;
                }
                Ok(asset) => {
                    let frames = asset.metadata["frames"].as_u64().unwrap();
                    assert!(frames < full, "{name} cut at {cut}: {frames} of {full} frames");
                    // What was cooked reads back in full.
                    let clip = read_clip(reader(asset.chunks), &AudioLimits::default()).unwrap();
                    assert_eq!(clip.frames, frames);
                    shorter += 1;
                }
            }
        }
        eprintln!("{name}: 20 truncations: {refused} refused, {shorter} imported shorter");
        if ext == "wav" || ext == "flac" {
            // Both state their length: every truncation is refused.
            assert_eq!(refused, 20, "{name}");
        }
    }
}

#[test]
fn corrupted_sources_give_errors_or_clips_never_panics() {
    let mut state = 0x9e37_79b9_7f4a_7c15;
    for name in all_corpus_files() {
        let bytes = corpus_file(&name);
        let (mut refused, mut imported) = (0, 0);
        for _ in 0..20 {
            let mut damaged = bytes.clone();
            for _ in 0..8 {
                let at = (xorshift(&mut state) % damaged.len() as u64) as usize;
                damaged[at] ^= (xorshift(&mut state) % 255 + 1) as u8;
            }
            match import(&name, &damaged, &[]) {
                Err(e) => {
                    assert!(e.to_string().contains(&name), "{e}");
                    refused += 1;
                }
                Ok(asset) => {
                    let clip = read_clip(reader(asset.chunks), &AudioLimits::default()).unwrap();
                    assert!(clip.samples.iter().all(|s| s.is_finite()), "{name}");
                    imported += 1;
                }
            }
        }
        eprintln!("{name}: 20 corruptions: {refused} refused, {imported} imported");
    }
}

#[test]
fn not_audio_is_an_unknown_format() {
    let err = amsp_formats::audio::decode::decode_source(
        b"definitely not audio, just some text long enough to probe",
        "notes.wav",
        Some("wav"),
        &AudioLimits::default(),
    )
    .unwrap_err();
    assert!(matches!(err, AudioError::UnknownFormat { .. }), "{err}");
    assert!(err.to_string().contains("notes.wav"));
}

#[test]
fn damaged_cooked_chunks_are_errors() {
    for ext in ["wav", "flac", "ogg", "mp3"] {
        let name = format!("house_lo.{ext}");
        let asset = import(&name, &corpus_file(&name), &[chunk_ms(250)]).unwrap();
        let limits = AudioLimits::default();
        // Every truncation of the header.
        let header = &asset.chunks[0];
        for cut in 0..header.len() {
            assert!(
                AudioHeader::parse(&header[..cut], &limits).is_err(),
                "{ext} header cut at {cut}"
            );
        }
        // Each data chunk cut in half, then with bytes flipped.
        let mut state = 0x1234_5678_u64;
        for chunk in 1..asset.chunks.len() {
            for flip in [false, true] {
                let mut chunks = asset.chunks.clone();
                let data = &mut chunks[chunk];
                if flip {
                    for _ in 0..16 {
                        let at = (xorshift(&mut state) % data.len() as u64) as usize;
                        data[at] ^= 0x5a;
                    }
                } else {
                    data.truncate(data.len() / 2);
                }
                let result = read_clip(reader(chunks), &limits);
                if !flip {
                    assert!(result.is_err(), "{ext}: chunk {chunk} cut in half was read");
                }
            }
        }
        // A missing chunk is a read error naming it.
        let mut chunks = asset.chunks.clone();
        chunks.truncate(2);
        let mut stream = AudioStream::open(reader(chunks), &limits).unwrap();
        let err = loop {
            match stream.next_block() {
                Ok(Some(_)) => {}
                Ok(None) => panic!("{ext}: the stream ended without its chunks"),
                Err(e) => break e,
            }
        };
        assert!(matches!(err, AudioError::Read { chunk: 2, .. }), "{ext}: {err}");
    }
}
