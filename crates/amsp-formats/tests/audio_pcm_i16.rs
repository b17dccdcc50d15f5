//! 16-bit PCM output of clips and streams: bit-identical to the source
//! samples for the corpus's WAV and FLAC files (read here straight from the
//! WAV data chunk), for a generated 16-bit WAV holding every sample value,
//! and rounded to nearest (not truncated) for lossy codecs.
#![cfg(all(feature = "import", feature = "runtime"))]

mod audio_common;

use amsp_formats::audio::{AudioLimits, AudioStream, f32_to_i16, read_clip};
use audio_common::*;

/// The samples of a PCM WAV file as i16, read from its `data` chunk by
/// hand (8-bit unsigned samples are moved to 16 bits as `(s - 128) << 8`);
/// `None` for a WAV in another encoding.
fn wav_source_samples(bytes: &[u8]) -> Option<Vec<i16>> {
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WAVE");
    let (mut at, mut bits, mut format) = (12, 0, 0);
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        let body = &bytes[at + 8..(at + 8 + size).min(bytes.len())];
        match id {
            b"fmt " => {
                format = u16::from_le_bytes([body[0], body[1]]);
                bits = u16::from_le_bytes([body[14], body[15]]);
            }
            b"data" if format == 1 => {
                return Some(match bits {
                    8 => body.iter().map(|&b| (i16::from(b) - 128) << 8).collect(),
                    16 => body.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect(),
                    other => panic!("{other}-bit PCM in the corpus"),
                });
            }
            b"data" => return None,
            _ => {}
        }
        at += 8 + size + (size & 1);
    }
    panic!("no data chunk")
}

/// The i16 output of a cooked file: the decoded clip's and a stream's.
fn cooked_i16(name: &str, bytes: &[u8]) -> (Vec<i16>, Vec<i16>) {
    let asset = import(name, bytes, &[chunk_ms(250)]).unwrap();
    let limits = AudioLimits::default();
    let clip = read_clip(reader(asset.chunks.clone()), &limits).unwrap();
    let mut stream = AudioStream::open(reader(asset.chunks), &limits).unwrap();
    let mut streamed = Vec::new();
    while let Some(block) = stream.next_block_i16().unwrap() {
        streamed.extend_from_slice(block);
    }
    (clip.samples_i16(), streamed)
}

/// `bytes` decoded by symphonia alone, converted to i16 by symphonia.
fn symphonia_i16(bytes: &[u8], ext: &str) -> Vec<i16> {
    let (mut reader, mut decoder, _) = open_direct(bytes, ext);
    let (mut samples, mut block) = (Vec::new(), Vec::new());
    while let Some(packet) = reader.next_packet().unwrap() {
        decoder.decode(&packet).unwrap().copy_to_vec_interleaved::<i16>(&mut block);
        samples.extend_from_slice(&block);
    }
    samples
}

#[test]
fn wav_i16_output_is_bit_identical_to_the_source_samples() {
    let mut checked = 0;
    for name in all_corpus_files().iter().filter(|n| n.ends_with(".wav")) {
        let bytes = corpus_file(name);
        let Some(source) = wav_source_samples(&bytes) else {
            eprintln!("{name}: not PCM, compared with symphonia's 16-bit decode below");
            continue;
        };
        let (clip, streamed) = cooked_i16(name, &bytes);
        assert_eq!(clip.len(), source.len(), "{name}");
        assert!(clip == source, "{name}: the clip's i16 samples differ from the file's");
        assert!(streamed == source, "{name}: the stream's i16 samples differ from the file's");
        checked += 1;
    }
    assert!(checked >= 5, "{checked} PCM WAV files in the corpus");
}

#[test]
fn flac_i16_output_is_bit_identical_to_the_wav_source_samples() {
    for clip in ["boom", "house_lo"] {
        let source = wav_source_samples(&corpus_file(&format!("{clip}.wav"))).unwrap();
        let name = format!("{clip}.flac");
        let flac = corpus_file(&name);
        let (decoded, streamed) = cooked_i16(&name, &flac);
        assert!(decoded == source, "{name}: the clip's i16 samples differ from the WAV's");
        assert!(streamed == source, "{name}: the stream's i16 samples differ from the WAV's");
        assert!(symphonia_i16(&flac, "flac") == source, "{name}: symphonia's own i16");
    }
}

#[test]
fn adpcm_i16_output_is_symphonias_16_bit_decode() {
    let bytes = corpus_file("secosmic_lo.wav");
    assert!(wav_source_samples(&bytes).is_none(), "secosmic_lo.wav is ADPCM");
    let (clip, streamed) = cooked_i16("secosmic_lo.wav", &bytes);
    let want = symphonia_i16(&bytes, "wav");
    assert!(!want.is_empty());
    assert!(clip == want);
    assert!(streamed == want);
}

/// A 16-bit stereo WAV at 44.1 kHz: the left channel runs through every
/// i16 value upwards, the right one downwards.
fn every_value_wav() -> (Vec<u8>, Vec<i16>) {
    let samples: Vec<i16> = (i16::MIN..=i16::MAX).flat_map(|s| [s, -1 - s]).collect();
    let data = samples.len() * 2;
    let mut wav = Vec::with_capacity(44 + data);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&2u16.to_le_bytes()); // channels
    wav.extend_from_slice(&44_100u32.to_le_bytes());
    wav.extend_from_slice(&(44_100u32 * 4).to_le_bytes()); // bytes per second
    wav.extend_from_slice(&4u16.to_le_bytes()); // block align
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data as u32).to_le_bytes());
    wav.extend(samples.iter().flat_map(|s| s.to_le_bytes()));
    (wav, samples)
}

#[test]
fn a_16_bit_wav_gives_every_sample_value_back() {
    let (wav, samples) = every_value_wav();
    assert_eq!(wav_source_samples(&wav).as_deref(), Some(&samples[..]));
    let (clip, streamed) = cooked_i16("every_value.wav", &wav);
    assert!(clip == samples, "the clip's i16 samples differ");
    assert!(streamed == samples, "the stream's i16 samples differ");
}

#[test]
fn lossy_i16_output_is_rounded_to_nearest() {
    for ext in ["ogg", "mp3"] {
        let name = format!("house_lo.{ext}");
        let bytes = corpus_file(&name);
        let asset = import(&name, &bytes, &[chunk_ms(250)]).unwrap();
        let clip = read_clip(reader(asset.chunks), &AudioLimits::default()).unwrap();
        let ours = clip.samples_i16();
        assert_eq!(ours.len(), clip.samples.len());
        // Each sample is the nearest 16-bit value to the f32 one, clamped.
        let mut worst = 0f32;
        for (&s, &f) in ours.iter().zip(&clip.samples) {
            let exact = (f * 32_768.0).clamp(-32_768.0, 32_767.0);
            worst = worst.max((f32::from(s) - exact).abs());
        }
        assert!(worst <= 0.5, "{ext}: {worst} steps from the exact value");
        // symphonia's conversion truncates toward zero: never farther
        // than one step from ours, and different on about half the samples.
        let truncated = symphonia_i16(&bytes, ext);
        assert_eq!(truncated.len(), ours.len(), "{ext}");
        let differ = ours.iter().zip(&truncated).filter(|(a, b)| a != b).count();
        assert!(
            ours.iter().zip(&truncated).all(|(&a, &b)| (i32::from(a) - i32::from(b)).abs() <= 1)
        );
        let share = differ as f64 / ours.len() as f64;
        eprintln!("{ext}: {:.1}% of samples round away from symphonia's truncation", share * 100.0);
        assert!((0.3..0.7).contains(&share), "{ext}: {share}");
        assert_eq!(f32_to_i16(clip.samples[0]), ours[0]);
    }
}
