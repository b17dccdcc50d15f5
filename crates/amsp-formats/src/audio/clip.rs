//! The runtime `AudioClip` asset and its loader.

use amsp_runtime::{Asset, AssetLoader, LoadContext, LoadError, LoadInput};

use super::error::AudioError;
use super::layout::{AUDIO_TYPE, AudioCodec, AudioHeader, AudioLimits, LoadMode};
use super::pcm::samples_to_i16;
use super::stream::AudioStream;

/// What an [`AudioClip`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClipState {
    /// Every sample of the clip is in [`AudioClip::samples`].
    Decoded,
    /// A streamed clip: only its description is loaded; play it through an
    /// [`AudioStream`].
    Streamed,
    /// Silence standing in for a clip that is still loading.
    Loading,
    /// Silence standing in for a clip that failed to load.
    Failed,
}

/// A clip decoded to PCM: interleaved f32 samples in `[-1, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioClip {
    /// Frames per second.
    pub sample_rate: u32,
    /// Interleaved channels per frame.
    pub channels: u16,
    /// Length of the clip in frames.
    pub frames: u64,
    /// How the clip was cooked.
    pub codec: Option<AudioCodec>,
    /// What this clip holds.
    pub state: ClipState,
    /// The samples, interleaved (empty for a streamed clip).
    pub samples: Vec<f32>,
}

/// Length of the placeholder clips: 0.1 s at 48 kHz.
pub const PLACEHOLDER_FRAMES: u64 = 4800;

impl AudioClip {
    /// Stereo silence at 48 kHz, `frames` long.
    #[must_use]
    pub fn silence(frames: u64, state: ClipState) -> Self {
        Self {
            sample_rate: 48_000,
            channels: 2,
            frames,
            codec: None,
            state,
            samples: vec![0.0; (frames * 2) as usize],
        }
    }

    /// Length in seconds.
    #[must_use]
    pub fn duration_s(&self) -> f64 {
        self.frames as f64 / f64::from(self.sample_rate.max(1))
    }

    /// The samples as interleaved 16-bit PCM, rounded and clamped as
    /// [`f32_to_i16`](super::f32_to_i16) does: 8- and 16-bit sources (WAV, FLAC) give their
    /// samples back exactly. Empty for a streamed clip.
    #[must_use]
    pub fn samples_i16(&self) -> Vec<i16> {
        let mut out = Vec::with_capacity(self.samples.len());
        samples_to_i16(&self.samples, &mut out);
        out
    }
}

impl Asset for AudioClip {
    const TYPE_NAME: &'static str = "AudioClip";

    fn byte_size(&self) -> usize {
        self.samples.len() * size_of::<f32>() + size_of::<Self>()
    }

    /// 0.1 s of silence while the clip loads.
    fn placeholder() -> Option<Self> {
        Some(Self::silence(PLACEHOLDER_FRAMES, ClipState::Loading))
    }

    /// 0.1 s of silence for a clip that failed to load.
    fn error_placeholder() -> Option<Self> {
        Some(Self::silence(PLACEHOLDER_FRAMES, ClipState::Failed))
    }
}

/// Decodes a whole cooked clip: `read(chunk, out)` replaces `out` with pack
/// chunk `chunk`. The decoded size is checked against
/// `limits.max_decoded_bytes` before anything is decoded.
///
/// # Errors
/// As [`AudioStream::open`] and [`AudioStream::next_block`], and
/// [`AudioError::Limit`] for a clip too large to decode whole.
pub fn read_clip<E>(
    read: impl FnMut(u32, &mut Vec<u8>) -> Result<(), E> + Send + 'static,
    limits: &AudioLimits,
) -> Result<AudioClip, AudioError>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let mut stream = AudioStream::open(read, limits)?;
    let header = stream.header().clone();
    let samples = decoded_samples(&header, limits)?;
    let mut out = Vec::with_capacity(samples);
    while let Some(block) = stream.next_block()? {
        out.extend_from_slice(block);
    }
    if out.len() != samples {
        return Err(AudioError::layout("the clip decoded to another length than its header says"));
    }
    Ok(AudioClip { state: ClipState::Decoded, samples: out, ..describe(&header) })
}

fn decoded_samples(header: &AudioHeader, limits: &AudioLimits) -> Result<usize, AudioError> {
    let samples = header.frames.checked_mul(u64::from(header.channels));
    let bytes = samples.and_then(|s| s.checked_mul(4)).unwrap_or(u64::MAX);
    if bytes > limits.max_decoded_bytes {
        return Err(AudioError::Limit {
            file: "cooked audio".into(),
            what: "decoded size in bytes",
            value: bytes,
            limit: limits.max_decoded_bytes,
        });
    }
    Ok(usize::try_from(bytes / 4).unwrap_or(usize::MAX))
}

fn describe(header: &AudioHeader) -> AudioClip {
    AudioClip {
        sample_rate: header.sample_rate,
        channels: header.channels,
        frames: header.frames,
        codec: Some(header.codec),
        state: ClipState::Streamed,
        samples: Vec::new(),
    }
}

/// Loads cooked audio as [`AudioClip`]: clips cooked to decompress on load
/// are decoded whole; clips cooked to stream load only their description
/// (state [`ClipState::Streamed`]) unless
/// [`decode_streamed`](Self::decode_streamed) is set: load those as
/// [`AudioStreamSource`](super::AudioStreamSource) to play them.
#[derive(Debug, Clone, Default)]
pub struct AudioClipLoader {
    /// Size limits checked before anything is allocated.
    pub limits: AudioLimits,
    /// Decode streamed clips whole too.
    pub decode_streamed: bool,
}

impl AssetLoader for AudioClipLoader {
    type Asset = AudioClip;

    fn asset_types(&self) -> &[&str] {
        &[AUDIO_TYPE]
    }

    fn load(&self, input: LoadInput, ctx: &mut LoadContext<'_>) -> Result<AudioClip, LoadError> {
        let input = std::sync::Arc::new(input);
        let mut header = Vec::new();
        input.read_chunk(0, &mut header)?;
        let parsed = AudioHeader::parse(&header, &self.limits).map_err(|e| ctx.parse_error(e))?;
        if parsed.load == LoadMode::Stream && !self.decode_streamed {
            return Ok(describe(&parsed));
        }
        let reader = std::sync::Arc::clone(&input);
        let read = move |chunk, out: &mut Vec<u8>| reader.read_chunk(chunk, out).map_err(Box::new);
        read_clip(read, &self.limits).map_err(|err| match err {
            AudioError::Read { source, .. } => match source.downcast::<Box<LoadError>>() {
                Ok(load) => **load,
                Err(other) => ctx.parse_error(other),
            },
            other => ctx.parse_error(other),
        })
    }
}
