//! Decoding with symphonia: whole source files at cook time, stored
//! packets at run time.
//!
//! symphonia is defensive but not panic-proof on every damaged input, so
//! each call into it runs under `catch_unwind` and a panic becomes
//! [`AudioError::Corrupt`].

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use symphonia::core::audio::conv::FromSample;
use symphonia::core::audio::{Channels, GenericAudioBufferRef, Position};
use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::well_known::{CODEC_ID_FLAC, CODEC_ID_MP3, CODEC_ID_VORBIS};
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::packet::Packet;
use symphonia::core::units::{Duration, Timestamp};

use super::error::AudioError;
use super::layout::{AudioCodec, AudioHeader, AudioLimits, PacketEntry, SampleFormat};

/// A whole source file, decoded and checked.
#[derive(Debug, Clone)]
pub struct SourceAudio {
    /// How the cooked form stores it: PCM for WAV, the source codec otherwise.
    pub codec: AudioCodec,
    /// Frames per second.
    pub sample_rate: u32,
    /// Channels per frame.
    pub channels: u16,
    /// Speaker position bits (0: discrete channels).
    pub channel_mask: u64,
    /// Bits per decoded sample, if known (0 otherwise).
    pub bits_per_sample: u32,
    /// Most frames per packet, if known (0 otherwise).
    pub max_frames_per_packet: u32,
    /// The codec's setup data.
    pub extra_data: Vec<u8>,
    /// The compressed packets with their decoded frame counts (empty for PCM).
    pub packets: Vec<(PacketEntry, Vec<u8>)>,
    /// Every decoded sample, interleaved.
    pub samples: Vec<f32>,
    /// The samples as 16-bit integers, for sources of 16 bits or fewer
    /// stored as PCM.
    pub samples_i16: Option<Vec<i16>>,
}

impl SourceAudio {
    /// Length in frames.
    #[must_use]
    pub fn frames(&self) -> u64 {
        (self.samples.len() / usize::from(self.channels.max(1))) as u64
    }
}

fn corrupt(file: &str, message: impl std::fmt::Display) -> AudioError {
    AudioError::Corrupt { file: file.to_owned(), message: message.to_string() }
}

fn sym_error(file: &str, err: SymError) -> AudioError {
    match err {
        SymError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            corrupt(file, "truncated")
        }
        SymError::LimitError(what) => corrupt(file, format!("decoder limit: {what}")),
        other => corrupt(file, other),
    }
}

fn check(file: &str, what: &'static str, value: u64, limit: u64) -> Result<(), AudioError> {
    if value > limit {
        return Err(AudioError::Limit { file: file.to_owned(), what, value, limit });
    }
    Ok(())
}

/// Probes `bytes` (`ext` is a hint: `wav`, `ogg`, `flac`, `mp3`), decodes
/// its first audio track to the end and checks it: every packet must decode,
/// and where the container states a length (WAV, FLAC) the decoded length
/// must match it. `file` names the source in errors.
///
/// # Errors
/// [`AudioError`] naming `file` for anything unreadable or over `limits`.
pub fn decode_source(
    bytes: &[u8],
    file: &str,
    ext: Option<&str>,
    limits: &AudioLimits,
) -> Result<SourceAudio, AudioError> {
    catch_unwind(AssertUnwindSafe(|| decode_source_inner(bytes, file, ext, limits)))
        .unwrap_or_else(|_| Err(corrupt(file, "the decoder failed on malformed data")))
}

fn decode_source_inner(
    bytes: &[u8],
    file: &str,
    ext: Option<&str>,
    limits: &AudioLimits,
) -> Result<SourceAudio, AudioError> {
    let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes)), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = ext {
        hint.with_extension(ext);
    }
    let mut reader = symphonia::default::get_probe()
        .probe(&hint, mss, FormatOptions::default(), MetadataOptions::default())
        .map_err(|e| AudioError::UnknownFormat { file: file.to_owned(), message: e.to_string() })?;
    let track = reader
        .default_track(TrackType::Audio)
        .ok_or_else(|| AudioError::NoAudioTrack { file: file.to_owned() })?;
    let track_id = track.id;
    let stated_frames = track.num_frames;
    let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
        return Err(AudioError::NoAudioTrack { file: file.to_owned() });
    };
    let sample_rate =
        params.sample_rate.ok_or_else(|| corrupt(file, "no sample rate in the stream"))?;
    check(file, "sample rate", u64::from(sample_rate), u64::from(limits.max_sample_rate))?;
    if let Some(channels) = &params.channels {
        check(file, "channel count", channels.count() as u64, u64::from(limits.max_channels))?;
    }
    let extra_data = params.extra_data.as_deref().unwrap_or_default().to_vec();
    check(file, "codec setup data", extra_data.len() as u64, u64::from(limits.max_extra_data))?;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| AudioError::UnsupportedCodec {
            file: file.to_owned(),
            codec: format!("{} ({e})", params.codec),
        })?;
    // FLAC, Vorbis and MP3 keep their packets; anything else symphonia
    // decodes (PCM, ADPCM, µ-law, A-law in WAV) is stored as PCM.
    let codec = match params.codec {
        id if id == CODEC_ID_FLAC => AudioCodec::Flac,
        id if id == CODEC_ID_VORBIS => AudioCodec::Vorbis,
        id if id == CODEC_ID_MP3 => AudioCodec::Mp3,
        _ => AudioCodec::Pcm(SampleFormat::F32),
    };
    // Plain PCM and FLAC state their exact length; ADPCM's stated length
    // counts whole blocks.
    let exact_length =
        codec == AudioCodec::Flac || decoder.codec_info().short_name.starts_with("pcm");
    let mut out = SourceAudio {
        codec,
        sample_rate,
        channels: 0,
        channel_mask: 0,
        bits_per_sample: params.bits_per_sample.unwrap_or(0),
        max_frames_per_packet: params
            .max_frames_per_packet
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0),
        extra_data,
        packets: Vec::new(),
        samples: Vec::new(),
        samples_i16: None,
    };
    let mut block = Vec::new();
    let mut block_i16 = Vec::new();
    let mut all_i16 = matches!(codec, AudioCodec::Pcm(_));
    let mut i16_samples = Vec::new();
    while let Some(packet) = reader.next_packet().map_err(|e| sym_error(file, e))? {
        if packet.track_id != track_id {
            continue;
        }
        let decoded = decoder.decode(&packet).map_err(|e| sym_error(file, e))?;
        let spec = decoded.spec();
        let channels = spec.channels().count();
        check(file, "channel count", channels as u64, u64::from(limits.max_channels))?;
        if out.channels == 0 {
            out.channels = channels as u16;
            out.channel_mask = match spec.channels() {
                Channels::Positioned(p) => p.bits(),
                _ => 0,
            };
        } else if usize::from(out.channels) != channels || spec.rate() != sample_rate {
            return Err(corrupt(file, "the channel count or sample rate changes mid-stream"));
        }
        let frames = decoded.frames();
        let total = out.samples.len() as u64 + (frames * channels) as u64;
        check(file, "decoded size in bytes", total * 4, limits.max_decoded_bytes)?;
        check(file, "frame count", total / channels.max(1) as u64, limits.max_frames)?;
        decoded.copy_to_vec_interleaved::<f32>(&mut block);
        out.samples.extend_from_slice(&block);
        if all_i16 {
            if is_16_bit_or_less(&decoded) {
                decoded.copy_to_vec_interleaved::<i16>(&mut block_i16);
                i16_samples.extend_from_slice(&block_i16);
            } else {
                all_i16 = false;
            }
        }
        if !matches!(codec, AudioCodec::Pcm(_)) {
            let entry = PacketEntry {
                size: u32::try_from(packet.data.len())
                    .map_err(|_| corrupt(file, "a packet over 4 GiB"))?,
                frames: frames as u32,
                trim_start: packet.trim_start.get() as u32,
                trim_end: packet.trim_end.get() as u32,
                pts: packet.pts.get(),
                dur: packet.dur.get(),
            };
            out.packets.push((entry, packet.data.to_vec()));
        }
    }
    if out.channels == 0 {
        return Err(corrupt(file, "no audio packets"));
    }
    if all_i16 {
        out.codec = AudioCodec::Pcm(SampleFormat::I16);
        out.samples_i16 = Some(i16_samples);
    }
    if let Some(stated) = stated_frames.filter(|&n| exact_length && n != out.frames()) {
        return Err(corrupt(
            file,
            format!("truncated: the header says {stated} frames, {} decode", out.frames()),
        ));
    }
    Ok(out)
}

fn is_16_bit_or_less(buf: &GenericAudioBufferRef<'_>) -> bool {
    matches!(
        buf,
        GenericAudioBufferRef::S16(_)
            | GenericAudioBufferRef::U16(_)
            | GenericAudioBufferRef::S8(_)
            | GenericAudioBufferRef::U8(_)
    )
}

/// Converts stored 16-bit PCM to f32 exactly as symphonia does.
#[must_use]
pub fn i16_to_f32(s: i16) -> f32 {
    <f32 as FromSample<i16>>::from_sample(s)
}

/// Appends the samples of a stored PCM chunk to `out` as f32.
///
/// # Errors
/// [`AudioError::Layout`] when the chunk is not a whole number of frames.
pub fn pcm_chunk_to_f32(
    bytes: &[u8],
    format: SampleFormat,
    channels: u16,
    out: &mut Vec<f32>,
) -> Result<u64, AudioError> {
    let frame_bytes = format.bytes() * usize::from(channels);
    if frame_bytes == 0 || !bytes.len().is_multiple_of(frame_bytes) {
        return Err(AudioError::layout("a PCM chunk that is not a whole number of frames"));
    }
    out.reserve(bytes.len() / format.bytes());
    match format {
        SampleFormat::I16 => {
            out.extend(bytes.chunks_exact(2).map(|b| i16_to_f32(i16::from_le_bytes([b[0], b[1]]))))
        }
        SampleFormat::F32 => {
            out.extend(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        }
    }
    Ok((bytes.len() / frame_bytes) as u64)
}

/// A symphonia decoder fed with a cooked asset's stored packets.
pub struct PacketDecoder {
    decoder: Box<dyn AudioDecoder>,
    channels: usize,
    block: Vec<f32>,
}

impl std::fmt::Debug for PacketDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PacketDecoder").field("channels", &self.channels).finish_non_exhaustive()
    }
}

impl PacketDecoder {
    /// A decoder for the packets of `header`'s codec.
    ///
    /// # Errors
    /// [`AudioError::UnsupportedCodec`] for PCM (which needs no decoder)
    /// or setup data the decoder refuses.
    pub fn new(header: &AudioHeader) -> Result<Self, AudioError> {
        let id = match header.codec {
            AudioCodec::Flac => CODEC_ID_FLAC,
            AudioCodec::Vorbis => CODEC_ID_VORBIS,
            AudioCodec::Mp3 => CODEC_ID_MP3,
            AudioCodec::Pcm(_) => {
                return Err(AudioError::UnsupportedCodec {
                    file: "cooked audio".into(),
                    codec: "pcm has no packet decoder".into(),
                });
            }
        };
        let mut params = AudioCodecParameters::new();
        params.for_codec(id).with_sample_rate(header.sample_rate);
        let channels = match Position::from_bits(header.channel_mask) {
            Some(p) if header.channel_mask != 0 => Channels::Positioned(p),
            _ => Channels::Discrete(header.channels),
        };
        params.with_channels(channels);
        if header.bits_per_sample != 0 {
            params.with_bits_per_sample(header.bits_per_sample);
        }
        if header.max_frames_per_packet != 0 {
            params.with_max_frames_per_packet(u64::from(header.max_frames_per_packet));
        }
        if !header.extra_data.is_empty() {
            params.with_extra_data(header.extra_data.clone().into_boxed_slice());
        }
        let decoder = catch_unwind(AssertUnwindSafe(|| {
            symphonia::default::get_codecs()
                .make_audio_decoder(&params, &AudioDecoderOptions::default())
        }))
        .map_err(|_| AudioError::layout("the decoder failed on the codec setup data"))?
        .map_err(|e| AudioError::layout(format!("the codec setup data is refused: {e}")))?;
        Ok(Self { decoder, channels: usize::from(header.channels), block: Vec::new() })
    }

    /// Forgets the decoder state (before decoding discontinuous packets).
    pub fn reset(&mut self) {
        self.decoder.reset();
    }

    /// Decodes one stored packet, appending its interleaved samples to
    /// `out`; returns the frames appended.
    ///
    /// # Errors
    /// [`AudioError::Corrupt`] when the packet does not decode.
    pub fn decode(
        &mut self,
        entry: &PacketEntry,
        data: &[u8],
        out: &mut Vec<f32>,
    ) -> Result<u64, AudioError> {
        let mut packet = Packet::new(0, Timestamp::new(entry.pts), Duration::new(entry.dur), data);
        packet.trim_start = Duration::new(u64::from(entry.trim_start));
        packet.trim_end = Duration::new(u64::from(entry.trim_end));
        // An empty `out` takes the samples directly; otherwise they go
        // through the decoder's own buffer and are appended.
        let direct = out.is_empty();
        let decoder = &mut self.decoder;
        let target = if direct { &mut *out } else { &mut self.block };
        let frames = catch_unwind(AssertUnwindSafe(|| -> Result<usize, SymError> {
            let decoded = decoder.decode(&packet)?;
            decoded.copy_to_vec_interleaved::<f32>(&mut *target);
            Ok(decoded.frames())
        }))
        .unwrap_or(Err(SymError::DecodeError("decoder panicked")));
        let frames = match frames {
            Ok(frames) if target.len() == frames * self.channels => frames,
            Ok(_) => {
                target.clear();
                return Err(corrupt("cooked audio", "the channel count changed"));
            }
            Err(e) => {
                target.clear();
                return Err(sym_error("cooked audio", e));
            }
        };
        if !direct {
            out.extend_from_slice(&self.block);
        }
        Ok(frames as u64)
    }
}
