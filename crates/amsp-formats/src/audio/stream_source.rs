//! The runtime `AudioStreamSource` asset: a clip loaded for streaming
//! through the asset server, from which any number of [`AudioStream`]s open.

use std::sync::{Arc, Mutex, PoisonError};

use amsp_core::{AssetId, AssetPath, ContentHash};
use amsp_io::AssetDescriptor;
use amsp_runtime::{Asset, AssetLoader, LoadContext, LoadError, LoadInput};

use super::clip::{ClipState, PLACEHOLDER_FRAMES};
use super::decode::PacketDecoder;
use super::error::AudioError;
use super::layout::{
    AUDIO_TYPE, AudioCodec, AudioHeader, AudioLimits, ChunkEntry, LoadMode, SampleFormat,
};
use super::stream::{AudioStream, ChunkReader};

/// A cooked clip loaded for streaming: its header (codec, rate, channels,
/// length, seek table) and the server's input for the asset, through which
/// its streams read their chunks on demand.
///
/// Loading one reads only chunk 0. [`open`](Self::open) makes an
/// independent [`AudioStream`] (its own decoder, position and chunk
/// window) that reads the data chunks through the same source the server
/// loaded the asset from, verified as every load's chunks are. Cloning is
/// cheap (two `Arc`s); streams keep the source alive while they live.
///
/// ```no_run
/// # use std::sync::{Arc, Mutex, PoisonError};
/// # use amsp_formats::audio::{AudioStreamSource, AudioStreamSourceLoader};
/// # fn f(server: &amsp_runtime::AssetServer) -> Result<(), Box<dyn std::error::Error>> {
/// server.register_loader(AudioStreamSourceLoader::default());
/// let theme = server.load::<AudioStreamSource>("music/theme.ogg");
/// server.wait_for(&theme, std::time::Duration::from_secs(5));
/// let source = server.get(&theme).ok_or("not loaded")?;
/// let mut stream = source.open()?;
/// stream.seek(source.sample_rate() as u64 * 30)?;
/// while let Some(block) = stream.next_block_i16()? {
///     // hand `block` to the mixer
/// #   let _ = block;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AudioStreamSource {
    header: Arc<AudioHeader>,
    input: Arc<LoadInput>,
    state: ClipState,
    /// The decoder the loader built to check the codec setup, handed to
    /// the first stream opened (building a Vorbis decoder parses its
    /// codebooks: about half the time to a first block).
    spare: Arc<Mutex<Option<PacketDecoder>>>,
}

impl std::fmt::Debug for AudioStreamSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioStreamSource")
            .field("asset", &self.input)
            .field("state", &self.state)
            .field("codec", &self.header.codec)
            .field("frames", &self.header.frames)
            .finish_non_exhaustive()
    }
}

impl AudioStreamSource {
    /// Opens a new stream at frame 0. Reads nothing yet: the first
    /// [`next_block`](AudioStream::next_block) reads the first data chunk.
    /// Its errors are [`AudioError::Asset`] naming this asset.
    ///
    /// # Errors
    /// [`AudioError::Asset`] when the codec's setup data is refused.
    pub fn open(&self) -> Result<AudioStream, AudioError> {
        let input = Arc::clone(&self.input);
        let read: ChunkReader = Box::new(move |chunk, out| {
            input
                .read_chunk(chunk, out)
                .map_err(|e| AudioError::Read { chunk, source: Box::new(e) })
        });
        let descriptor = self.input.descriptor();
        let asset = Some((descriptor.id, descriptor.path.clone()));
        let spare = self.spare.lock().unwrap_or_else(PoisonError::into_inner).take();
        AudioStream::with_header(Arc::clone(&self.header), read, asset, spare)
    }

    /// The clip's header: codec, rate, channels, length, seek table.
    #[must_use]
    pub fn header(&self) -> &AudioHeader {
        &self.header
    }

    /// Whether this is the loaded clip or a placeholder's silence
    /// ([`ClipState::Streamed`], [`ClipState::Loading`] or
    /// [`ClipState::Failed`]).
    #[must_use]
    pub fn state(&self) -> ClipState {
        self.state
    }

    /// The asset's id.
    #[must_use]
    pub fn id(&self) -> AssetId {
        self.input.descriptor().id
    }

    /// The asset's path.
    #[must_use]
    pub fn path(&self) -> &AssetPath {
        &self.input.descriptor().path
    }

    /// Frames per second.
    #[must_use]
    pub fn sample_rate(&self) -> u32 {
        self.header.sample_rate
    }

    /// Interleaved channels per frame.
    #[must_use]
    pub fn channels(&self) -> u16 {
        self.header.channels
    }

    /// Length in frames.
    #[must_use]
    pub fn frames(&self) -> u64 {
        self.header.frames
    }

    /// Length in seconds.
    #[must_use]
    pub fn duration_s(&self) -> f64 {
        self.header.duration_s()
    }

    /// How the clip is stored.
    #[must_use]
    pub fn codec(&self) -> AudioCodec {
        self.header.codec
    }

    /// 0.1 s of stereo 48 kHz silence, stored as one PCM chunk in memory:
    /// its streams play silence.
    fn silence(state: ClipState) -> Option<Self> {
        let frames = PLACEHOLDER_FRAMES;
        let data = vec![0u8; (frames * 2 * 2) as usize];
        let header = AudioHeader {
            codec: AudioCodec::Pcm(SampleFormat::I16),
            load: LoadMode::Stream,
            sample_rate: 48_000,
            channels: 2,
            channel_mask: 0,
            frames,
            bits_per_sample: 16,
            max_frames_per_packet: 0,
            extra_data: Vec::new(),
            chunks: vec![ChunkEntry { first_frame: 0, frames, bytes: data.len() as u64 }],
        };
        let chunks = vec![header.to_bytes(), data];
        let descriptor = AssetDescriptor {
            id: AssetId::NIL,
            path: AssetPath::new("placeholder/silence.wav").ok()?,
            asset_type: AUDIO_TYPE.to_owned(),
            version: 0,
            content_hash: ContentHash::default(),
            dependencies: Vec::new(),
            chunk_count: 2,
            raw_size: chunks.iter().map(|c| c.len() as u64).sum(),
            stored_size: 0,
        };
        Some(Self {
            header: Arc::new(header),
            input: Arc::new(LoadInput::new(Arc::new(descriptor), chunks)),
            state,
            spare: Arc::default(),
        })
    }
}

impl Asset for AudioStreamSource {
    const TYPE_NAME: &'static str = "AudioStreamSource";

    /// The header (with its seek table and codec setup); the chunks are
    /// counted by each stream, not here.
    fn byte_size(&self) -> usize {
        size_of::<Self>()
            + size_of::<AudioHeader>()
            + self.header.extra_data.capacity()
            + self.header.chunks.capacity() * size_of::<ChunkEntry>()
    }

    /// Silence while the clip loads.
    fn placeholder() -> Option<Self> {
        Self::silence(ClipState::Loading)
    }

    /// Silence for a clip that failed to load.
    fn error_placeholder() -> Option<Self> {
        Self::silence(ClipState::Failed)
    }
}

/// Loads cooked audio as an [`AudioStreamSource`]: reads and checks chunk 0
/// only (and builds the codec's decoder once, so bad setup data fails the
/// load rather than the first stream). Any cooked clip can stream; clips
/// cooked with `load: "stream"` (or long ones under `"auto"`) are meant
/// to, short clips load as `AudioClip` through `AudioClipLoader`.
#[derive(Debug, Clone, Default)]
pub struct AudioStreamSourceLoader {
    /// Size limits checked against the header.
    pub limits: AudioLimits,
}

impl AssetLoader for AudioStreamSourceLoader {
    type Asset = AudioStreamSource;

    fn asset_types(&self) -> &[&str] {
        &[AUDIO_TYPE]
    }

    fn load(
        &self,
        input: LoadInput,
        ctx: &mut LoadContext<'_>,
    ) -> Result<AudioStreamSource, LoadError> {
        let mut bytes = Vec::new();
        input.read_chunk(0, &mut bytes)?;
        let header = AudioHeader::parse(&bytes, &self.limits).map_err(|e| ctx.parse_error(e))?;
        let chunks = u64::try_from(header.chunks.len()).unwrap_or(u64::MAX);
        if chunks + 1 != u64::from(input.chunk_count()) {
            return Err(ctx.parse_error(format!(
                "the seek table lists {chunks} data chunks, the asset has {}",
                input.chunk_count().saturating_sub(1)
            )));
        }
        let spare = match header.codec {
            AudioCodec::Pcm(_) => None,
            _ => Some(PacketDecoder::new(&header).map_err(|e| ctx.parse_error(e))?),
        };
        Ok(AudioStreamSource {
            header: Arc::new(header),
            input: Arc::new(input),
            state: ClipState::Streamed,
            spare: Arc::new(Mutex::new(spare)),
        })
    }
}
