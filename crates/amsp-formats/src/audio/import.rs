//! The cook's audio importer.

use amsp_cook::{AssetMeta, ImportError, ImportInput, ImportedAsset, Importer};
use amsp_core::Codec;
use serde_json::json;

use super::decode::{SourceAudio, decode_source};
use super::layout::{
    AUDIO_TYPE, AudioCodec, AudioHeader, AudioLimits, ChunkEntry, LoadMode, MIN_CHUNK_PACKET_BYTES,
    MIN_CHUNK_PACKETS, PacketEntry, write_packet_chunk,
};

/// Clips shorter than this decompress at load under `load: "auto"`.
pub const AUTO_STREAM_SECONDS: f64 = 5.0;

/// Imports audio for the cook: WAV, OGG Vorbis, FLAC and MP3.
///
/// The whole source is decoded at cook time to check it and to measure its
/// length exactly (after encoder delay and padding are trimmed). The
/// cooked form (see [`layout`](super::layout)) keeps compressed sources in
/// their codec, packet for packet (no re-encode); WAV sources are stored as
/// PCM (16-bit for sources of 16 bits or fewer, else f32) and left to the
/// pack's codec (zstd by default). The audio is cut into data chunks of
/// about `chunk_ms` each, at packet boundaries (a compressed chunk holds at
/// least 8 packets and 2 KiB, so a seek's decoder warm-up never needs more
/// than the chunk before), with a seek table in the header chunk.
///
/// WAV files in other codecs symphonia decodes (IMA and Microsoft ADPCM,
/// µ-law, A-law) are decoded at cook time and stored as PCM.
///
/// Sidecar settings:
/// - `load`: `"auto"` (default: clips under 5 s decompress at load, longer
///   ones stream), `"decompress"` or `"stream"`.
/// - `chunk_ms`: target duration of a data chunk, 50 to 10 000 (default 1000).
///
/// Catalog metadata: `duration_s`, `sample_rate`, `channels`, `frames`,
/// `codec` (`pcm_s16`, `pcm_f32`, `flac`, `vorbis`, `mp3`), `source_format`
/// (the file extension), `load`, `chunk_first_frames` and `chunk_bytes`
/// (the seek table; data chunk `i` is pack chunk `i + 1`).
#[derive(Debug, Clone, Default)]
pub struct AudioImporter {
    /// Limits checked while decoding sources.
    pub limits: AudioLimits,
}

impl Importer for AudioImporter {
    fn name(&self) -> &str {
        "audio"
    }

    fn version(&self) -> u32 {
        1
    }

    fn extensions(&self) -> &[&str] {
        &["wav", "ogg", "oga", "flac", "mp3"]
    }

    fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError> {
        let file = input.path.to_string();
        let ext = input.path.extension().map(|e| e.to_ascii_lowercase());
        let load = load_setting(input.meta)?;
        let chunk_ms = chunk_ms_setting(input.meta)?;
        let source = decode_source(input.bytes, &file, ext.as_deref(), &self.limits)
            .map_err(|e| ImportError::new(e.to_string()))?;
        let cooked = cook(&source, load, chunk_ms);
        let header = &cooked.header;
        let mut chunks = vec![header.to_bytes()];
        chunks.extend(cooked.data);
        let metadata = json!({
            "duration_s": header.duration_s(),
            "sample_rate": header.sample_rate,
            "channels": header.channels,
            "frames": header.frames,
            "codec": header.codec.name(),
            "source_format": ext.as_deref().unwrap_or(""),
            "load": header.load.name(),
            "chunk_first_frames": header.chunks.iter().map(|c| c.first_frame).collect::<Vec<_>>(),
            "chunk_bytes": header.chunks.iter().map(|c| c.bytes).collect::<Vec<_>>(),
        });
        Ok(ImportedAsset {
            asset_type: AUDIO_TYPE.to_owned(),
            chunks,
            // Compressed codecs gain nothing from a second compression;
            // PCM takes the cook's default.
            codec: match header.codec {
                AudioCodec::Pcm(_) => None,
                _ => Some(Codec::None),
            },
            metadata,
            ..ImportedAsset::default()
        })
    }
}

/// The `load` setting: `None` for auto.
fn load_setting(meta: &AssetMeta) -> Result<Option<LoadMode>, ImportError> {
    match meta.settings.get("load") {
        None => Ok(None),
        Some(ron::Value::String(s)) => match s.as_str() {
            "auto" => Ok(None),
            "decompress" => Ok(Some(LoadMode::Decompress)),
            "stream" => Ok(Some(LoadMode::Stream)),
            other => Err(ImportError::new(format!(
                "unknown load {other:?}: expected one of auto, decompress, stream"
            ))),
        },
        Some(other) => Err(ImportError::new(format!("load must be a string, found {other:?}"))),
    }
}

fn chunk_ms_setting(meta: &AssetMeta) -> Result<u32, ImportError> {
    let Some(value) = meta.settings.get("chunk_ms") else {
        return Ok(1000);
    };
    let ms = match value {
        ron::Value::Number(n) => Some(n.into_f64()),
        _ => None,
    };
    match ms {
        Some(ms) if (50.0..=10_000.0).contains(&ms) && ms.fract() == 0.0 => Ok(ms as u32),
        _ => Err(ImportError::new(format!(
            "chunk_ms must be a whole number from 50 to 10000, found {value:?}"
        ))),
    }
}

/// A cooked clip: the header and the data chunks it describes.
#[derive(Debug, Clone)]
pub struct CookedAudio {
    /// Chunk 0.
    pub header: AudioHeader,
    /// Chunks `1..`.
    pub data: Vec<Vec<u8>>,
}

/// Cuts decoded `source` into data chunks of about `chunk_ms` each; `load`
/// `None` picks by length ([`AUTO_STREAM_SECONDS`]).
#[must_use]
pub fn cook(source: &SourceAudio, load: Option<LoadMode>, chunk_ms: u32) -> CookedAudio {
    let frames = source.frames();
    let target = (u64::from(source.sample_rate) * u64::from(chunk_ms) / 1000).max(1);
    let channels = usize::from(source.channels);
    let mut data = Vec::new();
    let mut chunks = Vec::new();
    match source.codec {
        AudioCodec::Pcm(_) => {
            let step = target as usize * channels;
            let mut first = 0u64;
            let mut push = |bytes: Vec<u8>, n: usize| {
                let n = (n / channels) as u64;
                chunks.push(ChunkEntry {
                    first_frame: first,
                    frames: n,
                    bytes: bytes.len() as u64,
                });
                data.push(bytes);
                first += n;
            };
            if let Some(samples) = &source.samples_i16 {
                for part in samples.chunks(step) {
                    push(part.iter().flat_map(|s| s.to_le_bytes()).collect(), part.len());
                }
            } else {
                for part in source.samples.chunks(step) {
                    push(part.iter().flat_map(|s| s.to_le_bytes()).collect(), part.len());
                }
            }
        }
        _ => {
            let mut group: Vec<(PacketEntry, &[u8])> = Vec::new();
            let mut group_frames = 0u64;
            let mut group_bytes = 0usize;
            // Vorbis and MP3 seeks decode packets of the chunk before.
            let warm_up = matches!(source.codec, AudioCodec::Vorbis | AudioCodec::Mp3);
            let mut first = 0u64;
            let mut flush = |group: &mut Vec<(PacketEntry, &[u8])>, n: &mut u64| {
                let bytes = write_packet_chunk(group);
                chunks.push(ChunkEntry {
                    first_frame: first,
                    frames: *n,
                    bytes: bytes.len() as u64,
                });
                data.push(bytes);
                first += *n;
                *n = 0;
                group.clear();
            };
            for (entry, bytes) in &source.packets {
                group.push((*entry, bytes));
                group_frames += u64::from(entry.frames);
                group_bytes += bytes.len();
                let enough = !warm_up
                    || (group.len() >= MIN_CHUNK_PACKETS && group_bytes >= MIN_CHUNK_PACKET_BYTES);
                if group_frames >= target && enough {
                    flush(&mut group, &mut group_frames);
                    group_bytes = 0;
                }
            }
            if !group.is_empty() {
                flush(&mut group, &mut group_frames);
            }
        }
    }
    let seconds = frames as f64 / f64::from(source.sample_rate.max(1));
    let load = load.unwrap_or(if seconds < AUTO_STREAM_SECONDS {
        LoadMode::Decompress
    } else {
        LoadMode::Stream
    });
    let header = AudioHeader {
        codec: source.codec,
        load,
        sample_rate: source.sample_rate,
        channels: source.channels,
        channel_mask: source.channel_mask,
        frames,
        bits_per_sample: source.bits_per_sample,
        max_frames_per_packet: source.max_frames_per_packet,
        extra_data: source.extra_data.clone(),
        chunks,
    };
    CookedAudio { header, data }
}
